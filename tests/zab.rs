//! ZAB, phase by phase, citing Junqueira, Reed, Serafini, "Zab: High-performance broadcast for
//! primary-backup systems" (DSN 2011) and ZooKeeper's FastLeaderElection / LearnerHandler. Every
//! test runs the deterministic simulator with the ZAB invariant checker watching every event.
// Runs in the builds that carry zab (`cargo test --no-default-features --features zab`).
#![cfg(feature = "zab")]

use cap_playground::check::linearizability::{check_history, Verdict};
use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::zab::{Phase, ServerState, Zab, ZabConfig};
use cap_playground::protocol::Protocol;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use std::path::Path;

fn scenario(json: &str) -> Scenario {
    Scenario::from_json(json).expect("valid scenario")
}

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).expect("file")
}

/// Run a scenario (with `config` merged over its own) to its end; assert no invariant broke.
fn run(json: &str, config: serde_json::Value) -> Sim<Zab> {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut c = v.get("config").cloned().unwrap_or(serde_json::json!({}));
    for (k, x) in config.as_object().unwrap() {
        c[k] = x.clone();
    }
    v["config"] = c.clone();
    let s = scenario(&v.to_string());
    let until = s.until;
    let mut sim = Sim::<Zab>::new(s, serde_json::from_value::<ZabConfig>(c).unwrap());
    sim.run_until(until);
    assert!(sim.violations().is_empty(), "invariant violated: {:?}", sim.violations());
    sim
}

fn cluster(nodes: u32, clients: &str, steps: &str, until: u64) -> String {
    format!(
        r#"{{"name":"t","description":"t","protocol":"zab","nodes":{nodes},"seed":7,
            "clients":[{clients}],"steps":[{steps}],"until":{until}}}"#
    )
}

fn write(at: u64, client: u32, v: i64) -> String {
    format!(r#"{{"at":{at},"action":"client","client":{client},"op":{{"f":"write","key":"x","value":{v}}}}}"#)
}

fn leaders(sim: &Sim<Zab>, n: u32) -> Vec<u32> {
    (0..n).filter(|i| sim.node(*i).is_some_and(|z| z.established())).collect()
}

fn sent(sim: &Sim<Zab>, kind: &str) -> u64 {
    sim.counters().sent.get(&kind).copied().unwrap_or(0)
}

/// FastLeaderElection: with equal (epoch, zxid) the highest server id wins; the others follow
/// it, and the leader runs discovery (FOLLOWERINFO / NEWEPOCH / ACKEPOCH) to epoch 1.
#[test]
fn election_fresh_cluster_highest_id_wins() {
    let sim = run(&cluster(5, "", "", 1500), serde_json::json!({}));
    assert_eq!(leaders(&sim, 5), vec![4]);
    for i in 0..4 {
        let z = sim.node(i).unwrap();
        assert_eq!((z.state(), z.phase(), z.leader()), (ServerState::Following, Phase::Broadcast, Some(4)));
        assert_eq!((z.accepted_epoch(), z.current_epoch()), (1, 1));
    }
    assert!(sent(&sim, "NOTIFICATION") > 0 && sent(&sim, "FOLLOWERINFO") >= 4 && sent(&sim, "NEWEPOCH") >= 4);
    assert!(sent(&sim, "ACKEPOCH") >= 4 && sent(&sim, "NEWLEADER") >= 4 && sent(&sim, "UPTODATE") >= 2);
}

/// FastLeaderElection's vote order (epoch, zxid, id): the node with the longer history wins
/// although its id is lower (paper §IV, "the leader must hold all committed proposals").
#[test]
fn election_most_up_to_date_wins() {
    // n1 crashes; writes through n0 commit on n0 + leader n2; n2 crashes; n1 restarts.
    let steps = [
        r#"{"at":1000,"action":"crash","node":1}"#.to_string(),
        write(1100, 0, 1),
        write(1400, 0, 2),
        r#"{"at":2000,"action":"crash","node":2}"#.to_string(),
        r#"{"at":2000,"action":"restart","node":1}"#.to_string(),
    ]
    .join(",");
    let sim = run(&cluster(3, r#"{"node":0,"timeout_ms":500}"#, &steps, 4000), serde_json::json!({}));
    assert_eq!(leaders(&sim, 3), vec![0], "n0 holds the highest zxid and must win");
    // §IV-B: the committed writes survive the leader change and reach n1.
    let n1 = sim.node(1).unwrap();
    assert_eq!(n1.kv().data.get("x").copied(), Some(2));
    assert_eq!(n1.current_epoch(), 2);
}

/// A quorum is needed to elect: a lone survivor of three stays LOOKING.
#[test]
fn election_needs_a_quorum() {
    let steps = r#"{"at":1000,"action":"crash","node":2},{"at":1000,"action":"crash","node":1}"#;
    let sim = run(
        &cluster(3, r#"{"node":0,"timeout_ms":500}"#, &format!("{steps},{}", write(1500, 0, 1)), 4000),
        serde_json::json!({}),
    );
    let z = sim.node(0).unwrap();
    assert_eq!((z.state(), z.phase()), (ServerState::Looking, Phase::Election));
    assert!(leaders(&sim, 3).is_empty());
    assert_ne!(sim.history()[0].outcome, Some(cap_playground::core::history::Outcome::Ok));
}

/// Discovery (§IV-A): the new leader's epoch is above every follower's acceptedEpoch, and
/// acceptedEpoch / currentEpoch never go down (checked after every event).
#[test]
fn discovery_establishes_a_higher_epoch() {
    let steps = [
        r#"{"at":1000,"action":"crash","node":2}"#.to_string(),
        r#"{"at":2500,"action":"restart","node":2}"#.to_string(),
        r#"{"at":3000,"action":"crash","node":1}"#.to_string(),
        r#"{"at":4500,"action":"restart","node":1}"#.to_string(),
    ]
    .join(",");
    let sim = run(&cluster(3, "", &steps, 6000), serde_json::json!({}));
    let l = leaders(&sim, 3);
    assert_eq!(l.len(), 1);
    let e = sim.node(l[0]).unwrap().epoch();
    assert_eq!(e, 3, "epochs 1 (n2), 2 (n1), 3");
    for i in 0..3 {
        let z = sim.node(i).unwrap();
        assert_eq!((z.accepted_epoch(), z.current_epoch()), (3, 3));
    }
}

/// Synchronisation, DIFF (`LearnerHandler.syncFollower`): a follower that missed proposals
/// gets exactly those.
#[test]
fn sync_diff_for_a_follower_behind() {
    let sim = run(&file("zab-follower-behind-diff.json"), serde_json::json!({}));
    let n0 = sim.node(0).unwrap();
    assert_eq!(n0.last_sync_kind(), Some("DIFF"));
    assert_eq!(sent(&sim, "TRUNC") + sent(&sim, "SNAP"), 0);
    assert_eq!(n0.history(), sim.node(2).unwrap().history());
    // The leader's view (the node panel) says how each follower was brought in line.
    let view = sim.node(2).unwrap().view().detail;
    let l0 = view.learners.iter().find(|l| l.id == 0).expect("n0 is a learner of n2");
    assert_eq!((l0.stage, l0.sync), ("synced", Some("DIFF")));
    assert_eq!(l0.acked, view.last_zxid, "n0 acknowledged everything the leader has");
}

/// Synchronisation, TRUNC: a proposal of an old epoch that no quorum committed is cut from the
/// follower holding it (paper §IV-B: the new epoch's initial history decides).
#[test]
fn sync_trunc_cuts_an_uncommitted_proposal() {
    let sim = run(&file("zab-truncate-uncommitted.json"), serde_json::json!({}));
    let n2 = sim.node(2).unwrap();
    assert_eq!(n2.last_sync_kind(), Some("TRUNC"));
    assert!(sim.notices().iter().any(|n| n.notice.kind == NoticeKind::Truncated));
    assert!(n2.history().iter().all(|t| t.text() != "write x=7"), "the uncommitted x=7 is gone");
    assert_eq!(n2.history(), sim.node(1).unwrap().history());
    assert_eq!(n2.kv().data.get("x").copied(), Some(3));
}

/// Synchronisation, SNAP: a follower further behind than the leader's committed log window
/// gets the full state.
#[test]
fn sync_snap_when_far_behind() {
    let sim = run(&file("zab-follower-behind-diff.json"), serde_json::json!({"snap_threshold": 2}));
    let n0 = sim.node(0).unwrap();
    assert_eq!(n0.last_sync_kind(), Some("SNAP"));
    assert_eq!(n0.history(), sim.node(2).unwrap().history());
    assert_eq!(n0.kv(), sim.node(2).unwrap().kv());
}

/// Broadcast, primary order (§III-B): every history is in zxid order and committed prefixes
/// agree, through leader crashes; a committed proposal survives the leader change.
#[test]
fn primary_order_and_committed_survive_leader_changes() {
    let sim = run(&file("zab-election.json"), serde_json::json!({}));
    let h = sim.node(1).unwrap().history();
    assert!(h.iter().zip(h.iter().skip(1)).all(|(a, b)| a.zxid < b.zxid));
    assert!(h.iter().any(|t| t.zxid.epoch == 1) && h.iter().any(|t| t.zxid.epoch == 2));
    for i in 0..3 {
        assert_eq!(sim.node(i).unwrap().history(), h);
    }
    // Every acknowledged write is in the final history.
    for op in sim.history() {
        if op.outcome == Some(cap_playground::core::history::Outcome::Ok) && op.op.is_mutation() {
            assert!(h.iter().any(|t| t.text() == op.op.label()), "lost {}", op.op.label());
        }
    }
}

/// ZooKeeper's client semantics: a read at a partitioned follower is local and stale (not
/// linearizable); with sync before every read the history is linearizable.
#[test]
fn stale_local_read_under_partition_vs_sync_reads() {
    let local = run(&file("zab-stale-local-read.json"), serde_json::json!({"sync_reads": false}));
    assert!(matches!(check_history(&local.history(), 1_000_000).verdict, Verdict::NotLinearizable { .. }));
    let synced = run(&file("zab-stale-local-read.json"), serde_json::json!({"sync_reads": true}));
    assert!(matches!(check_history(&synced.history(), 1_000_000).verdict, Verdict::Linearizable));
    assert!(synced
        .history()
        .iter()
        .any(|o| o.op.label() == "read x" && o.outcome == Some(cap_playground::core::history::Outcome::Ok)));
    assert!(sent(&synced, "SYNC") > 0);
}

/// `cap sweep --protocol zab`: random faults, no invariant violated over 1,000 seeds.
#[test]
fn sweep_1000_seeds_clean() {
    for seed in 1..=1000 {
        let r = run_scenario(random_scenario("zab", seed, &SweepOptions::default()), true).unwrap();
        assert!(r.violation.is_none(), "seed {seed}: {:?}", r.violation);
    }
}

/// With `sync_reads` the histories are linearizable (checked over 500 seeds with faults).
#[test]
fn sweep_sync_reads_linearizable() {
    let mut opts = SweepOptions::default();
    opts.config_overrides.insert("sync_reads".into(), true.into());
    let mut ok_reads = 0;
    for seed in 1..=500 {
        let s = random_scenario("zab", seed, &opts);
        let until = s.until;
        let cfg: ZabConfig = serde_json::from_str(s.config.as_ref().unwrap().get()).unwrap();
        let mut sim = Sim::<Zab>::new(s, cfg);
        sim.run_until(until);
        assert!(sim.violations().is_empty(), "seed {seed}: {:?}", sim.violations());
        ok_reads += sim
            .history()
            .iter()
            .filter(|o| !o.op.is_mutation() && o.outcome == Some(cap_playground::core::history::Outcome::Ok))
            .count();
        if let Verdict::NotLinearizable { witness } = check_history(&sim.history(), 2_000_000).verdict {
            panic!("seed {seed}: {}", witness.sentence)
        }
    }
    assert!(ok_reads > 1000, "sync reads must mostly succeed ({ok_reads})");
}

/// The invariant checker looks at each node's history incrementally (only what grew since its
/// last check); a committed entry rewritten in the middle, keeping the length and the last
/// proposal, must still be caught, by the periodic whole check (spec: "Committed histories are
/// prefixes", Zab paper §III-B).
#[test]
fn checker_catches_a_rewritten_committed_entry_despite_incremental_checks() {
    use cap_playground::protocol::zab::invariants::{ZabChecker, FULL_EVERY};
    use cap_playground::protocol::zab::{Durable, Txn, TxnOp, Zxid};
    use cap_playground::protocol::{ClientOp, InvariantChecker, Outbox, Server};

    let txn = |counter: u64, value: i64| Txn {
        zxid: Zxid { epoch: 1, counter },
        client: 0,
        request: counter,
        op: TxnOp::Client(ClientOp::Write { key: "x".into(), value }),
    };
    let config = ZabConfig::default();
    let slot = |id: u32, history: Vec<Txn>| {
        let committed = history.len();
        let durable =
            Durable { accepted_epoch: 1, accepted_from: Some(0), current_epoch: 1, history: history.into(), committed };
        let node = Zab::start(id, 2, &config, Some(durable), 0, &mut Outbox::new());
        Server::running(node)
    };
    let good: Vec<Txn> = (1..=50).map(|c| txn(c, c as i64)).collect();
    let mut bad = good.clone();
    bad[20] = txn(21, 999); // same zxid and position, another value: not the committed proposal
    let mut checker = ZabChecker::default();
    let nodes = vec![slot(0, good.clone()), slot(1, good.clone())];
    assert!(checker.check(0, 0, &nodes).is_empty());
    assert!(checker.check(0, 1, &nodes).is_empty());
    // Node 1's history now differs below where its last check stopped.
    let nodes = vec![slot(0, good.clone()), slot(1, bad)];
    let mut caught = None;
    for k in 0..=FULL_EVERY.min(300) {
        if !checker.check(0, 1, &nodes).is_empty() {
            caught = Some(k);
            break;
        }
    }
    assert!(caught.is_some(), "a rewritten committed entry went unnoticed for {} checks", FULL_EVERY + 1);
    // Entries that grew since the last check are compared at once.
    let mut checker = ZabChecker::default();
    let short = vec![slot(0, good.clone()), slot(1, good[..30].to_vec())];
    assert!(checker.check(0, 0, &short).is_empty());
    assert!(checker.check(0, 1, &short).is_empty());
    let mut grown = good.clone();
    grown[40] = txn(41, -1);
    let nodes = vec![slot(0, good), slot(1, grown)];
    let v = checker.check(0, 1, &nodes);
    assert!(v.iter().any(|(name, _)| name == "Committed histories are prefixes"), "{v:?}");
}
