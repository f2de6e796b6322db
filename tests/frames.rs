//! The light frame the animation loop pulls between full ones (`lightFrameJson`): everything the
//! renderer draws every frame is exactly as in the full frame; only what the ~10 Hz parts draw
//! (node logs and stores, the timeline's `ops`, the per-side scoreboard) is left out.

// Runs scenarios of Raft, ZAB, Paxos and Dynamo: only in builds that carry all four.
#![cfg(all(feature = "raft", feature = "zab", feature = "paxos", feature = "dynamo"))]

use cap_playground::registry::any::AnySim;
use serde_json::Value;
use std::path::Path;

fn scenario(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).unwrap()
}

#[test]
fn a_light_frame_is_the_full_frame_without_logs_stores_ops_and_sides() {
    for name in ["raft-minority-partition.json", "zab-election.json", "paxos-basic.json", "dynamo-hinted-handoff.json"]
    {
        let mut sim = AnySim::from_json(&scenario(name)).unwrap();
        sim.enable_live_check();
        let mut checked = 0;
        for t in [500, 1500, 2500, 4000, 6000] {
            sim.run_until(t);
            sim.check_consistency();
            let full = serde_json::to_value(sim.frame()).unwrap();
            let mut light = serde_json::to_value(sim.light_frame()).unwrap();
            assert_eq!(light["ops"], Value::Array(vec![]), "{name} at {t}: ops left out");
            assert_eq!(light["sides"], Value::Array(vec![]), "{name} at {t}: sides left out");
            // Put back what the element carries over from the last full frame: then it is the same.
            light["ops"] = full["ops"].clone();
            light["sides"] = full["sides"].clone();
            let nodes = light["nodes"].as_array_mut().unwrap();
            for (i, nd) in nodes.iter_mut().enumerate() {
                if nd.get("log").is_some() {
                    assert_eq!(nd["log"], Value::Array(vec![]), "{name} at {t}: n{i}'s log left out");
                    nd["log"] = full["nodes"][i]["log"].clone();
                    nd["kv"] = full["nodes"][i]["kv"].clone();
                    checked += 1;
                }
                // The persisted copy (issue 15: a running node's `durable`) is stripped the same way.
                if let Some(d) = nd.get_mut("durable") {
                    assert_eq!(d["log"], Value::Array(vec![]), "{name} at {t}: n{i}'s persisted log left out");
                    d["log"] = full["nodes"][i]["durable"]["log"].clone();
                    d["kv"] = full["nodes"][i]["durable"]["kv"].clone();
                }
                // A crashed node's running state at the crash (`at_crash`), the same.
                if let Some(d) = nd.get_mut("at_crash") {
                    assert_eq!(d["log"], Value::Array(vec![]), "{name} at {t}: n{i}'s log at the crash left out");
                    d["log"] = full["nodes"][i]["at_crash"]["log"].clone();
                    d["kv"] = full["nodes"][i]["at_crash"]["kv"].clone();
                }
            }
            assert_eq!(light, full, "{name} at {t}: the light frame differs in what every frame draws");
        }
        assert!(checked > 0, "{name}: no node had a view");
    }
}
