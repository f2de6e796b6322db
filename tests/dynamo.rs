//! The Dynamo-style store (DeCandia et al., "Dynamo", SOSP 2007), each test naming the paper
//! section it checks: the ring and preference lists, quorums, vector clocks and siblings,
//! last-writer-wins losing writes, sloppy quorum and hinted handoff, read repair and
//! anti-entropy, a seed sweep, and the CAP contrast with Raft on the same partition.
// Runs in the builds that carry dynamo (`cargo test --no-default-features --features dynamo`).
#![cfg(feature = "dynamo")]

use cap_playground::check::consistency::Consistency;
use cap_playground::core::history::{Operation, Outcome};
use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::dynamo::{Dynamo, DynamoConfig, Msg, Ring};
use cap_playground::protocol::{ClientOp, ClientResult, NodeId, Outbox, Output, Protocol};
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use std::path::Path;

fn dynamo(text: &str) -> Sim<Dynamo, Consistency> {
    let s = Scenario::from_json(text).unwrap_or_else(|e| panic!("{e}"));
    let config: DynamoConfig = serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).unwrap();
    config.validate().unwrap();
    Sim::new(s, config)
}

fn scenario_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).unwrap()
}

/// Share of client `c`'s operations invoked in `[from, to)` that completed ok.
fn availability(history: &[Operation], c: u32, from: u64, to: u64) -> (usize, usize) {
    let ops: Vec<&Operation> =
        history.iter().filter(|o| o.client == c && o.invoke >= from && o.invoke < to && o.outcome.is_some()).collect();
    (ops.iter().filter(|o| o.outcome == Some(Outcome::Ok)).count(), ops.len())
}

fn assert_clean(sim: &Sim<Dynamo, Consistency>) {
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// A hand-driven cluster: nothing is delivered unless the test delivers it.
struct Manual {
    nodes: Vec<Dynamo>,
    wire: Vec<(NodeId, NodeId, Msg)>,
    replies: Vec<ClientResult>,
    now: u64,
}

impl Manual {
    fn new(n: u32, config: DynamoConfig) -> Manual {
        let mut m = Manual { nodes: Vec::new(), wire: Vec::new(), replies: Vec::new(), now: 0 };
        for i in 0..n {
            let mut out = Outbox::new();
            m.nodes.push(Dynamo::start(i, n, &config, None, 0, &mut out));
            m.absorb(i, &mut out);
        }
        m
    }
    fn absorb(&mut self, from: NodeId, out: &mut Outbox<Dynamo>) {
        for o in out.drain() {
            match o {
                Output::Send { to, msg } => self.wire.push((from, to, msg)),
                Output::Reply { result, .. } => self.replies.push(result),
                _ => {}
            }
        }
    }
    fn client(&mut self, at: NodeId, request: u64, op: ClientOp) {
        self.now += 1;
        let mut out = Outbox::new();
        self.nodes[at as usize].on_client(self.now, 0, request, op, &mut out);
        self.absorb(at, &mut out);
    }
    /// Deliver the first message on the wire matching `pred`; false when there is none.
    fn deliver(&mut self, pred: impl Fn(NodeId, NodeId, &Msg) -> bool) -> bool {
        let Some(i) = self.wire.iter().position(|(f, t, m)| pred(*f, *t, m)) else { return false };
        let (from, to, msg) = self.wire.remove(i);
        self.now += 1;
        let mut out = Outbox::new();
        self.nodes[to as usize].on_message(self.now, from, msg, &mut out);
        self.absorb(to, &mut out);
        true
    }
    fn deliver_all(&mut self) {
        while self.deliver(|_, _, _| true) {}
    }
}

fn strict(n: u32, r: u32, w: u32) -> DynamoConfig {
    DynamoConfig { n, r, w, sloppy_quorum: false, hinted_handoff: false, ..DynamoConfig::default() }
}

#[test]
fn s4_2_s4_3_ring_with_virtual_nodes_and_the_preference_list() {
    let ring = Ring::new(5, 4, 3);
    assert_eq!(ring.ranges(), 20, "5 nodes x 4 virtual nodes");
    let mut all: Vec<(u32, NodeId)> = Vec::new();
    for n in 0..5 {
        let t = ring.tokens_of(n);
        assert_eq!(t.len(), 4, "n{n} owns 4 tokens");
        all.extend(t.into_iter().map(|t| (t, n)));
    }
    all.sort();
    for key in ["x", "y", "z", "k3", "k4", "k5", "a-longer-key"] {
        // Walk clockwise from the key's position; the first 3 distinct nodes are its owners.
        let pos = cap_playground::protocol::dynamo::key_position(key);
        let start = all.iter().position(|(t, _)| *t >= pos).unwrap_or(0);
        let mut expect: Vec<NodeId> = Vec::new();
        for k in 0..all.len() {
            let n = all[(start + k) % all.len()].1;
            if !expect.contains(&n) && expect.len() < 3 {
                expect.push(n);
            }
        }
        assert_eq!(ring.preference_list(key), expect, "preference list of {key}");
    }
    // Every node computes the same ring, and the view shows each node's tokens.
    let mut sim = dynamo(r#"{"protocol":"dynamo","nodes":5,"seed":1,"clients":[{"node":0}],"until":2000}"#);
    sim.invoke(0, ClientOp::Write { key: "x".into(), value: 1 });
    sim.run_until(1_000);
    let f = sim.frame();
    // The frame carries each node's Dynamo view under `dynamo`, as the element reads it.
    let json: serde_json::Value = serde_json::to_value(&f).unwrap();
    assert!(json["nodes"].as_array().unwrap().iter().all(|n| n["dynamo"]["tokens"].is_array()));
    let views: Vec<_> = (0..5).map(|i| sim.node(i).unwrap().view().detail).collect();
    for n in &f.nodes {
        let v = &views[n.id as usize];
        assert_eq!(v.tokens, ring.tokens_of(n.id));
        for k in &v.keys {
            assert_eq!(k.preference, ring.preference_list(&k.key));
            assert!(k.preference.contains(&n.id), "only owners store x (no failures here)");
        }
    }
    let holders = views.iter().filter(|v| !v.keys.is_empty());
    assert_eq!(holders.count(), 3, "N = 3 replicas hold x");
}

#[test]
fn s4_5_a_write_is_acknowledged_only_after_w_replicas_acknowledge() {
    for w in 1..=3u32 {
        let mut m = Manual::new(3, strict(3, 1, w));
        m.client(0, 1, ClientOp::Write { key: "x".into(), value: 7 });
        // R = 1: n0's own answer completes the read phase; n0 also stores and acks its own Put.
        let mut acks = 1;
        while m.replies.is_empty() {
            let put = m.deliver(|_, _, msg| matches!(msg, Msg::Put { .. }));
            assert!(put, "W = {w}: out of Puts with {acks} acks and no reply");
            assert!(m.replies.is_empty(), "no reply before the PutAck is delivered");
            assert!(m.deliver(|_, _, msg| matches!(msg, Msg::PutAck { .. })));
            acks += 1;
        }
        assert_eq!(m.replies, vec![ClientResult::WriteOk]);
        assert_eq!(acks, w, "W = {w}");
    }
}

#[test]
fn s4_5_a_read_waits_for_r_responses_and_merges_them() {
    for r in 1..=3u32 {
        let mut m = Manual::new(3, strict(3, r, 3));
        m.client(1, 1, ClientOp::Write { key: "x".into(), value: 4 });
        m.deliver_all();
        assert_eq!(m.replies, vec![ClientResult::WriteOk]);
        m.replies.clear();
        m.client(0, 2, ClientOp::Read { key: "x".into() });
        let mut responses = 1; // n0 answers itself
        while m.replies.is_empty() {
            assert!(m.deliver(|_, _, msg| matches!(msg, Msg::Get { .. })));
            assert!(m.replies.is_empty());
            assert!(m.deliver(|_, _, msg| matches!(msg, Msg::GetResponse { .. })));
            responses += 1;
        }
        assert_eq!(responses, r, "R = {r}");
        assert_eq!(m.replies, vec![ClientResult::ReadOk { value: Some(4) }], "R = {r}");
    }
}

/// Both sides of a 2|3 partition write `x` once each; then heal.
fn both_sides_write(lww: bool) -> Sim<Dynamo, Consistency> {
    let mut sim = dynamo(&format!(
        r#"{{"protocol":"dynamo","nodes":5,"seed":7,
            "config":{{"last_writer_wins":{lww},"anti_entropy_ms":200}},
            "clients":[{{"node":0}},{{"node":3}}],
            "steps":[{{"at":500,"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}},
                     {{"at":1000,"action":"client","client":0,"op":{{"f":"write","key":"x","value":1}}}},
                     {{"at":1100,"action":"client","client":1,"op":{{"f":"write","key":"x","value":2}}}},
                     {{"at":3000,"action":"heal"}}],
            "until":8000}}"#
    ));
    sim.run_until(8_000);
    sim
}

fn owner_versions(sim: &Sim<Dynamo, Consistency>, key: &str) -> Vec<Vec<i64>> {
    let ring = sim.node(0).unwrap().ring().clone();
    ring.preference_list(key)
        .into_iter()
        .map(|o| sim.node(o).unwrap().versions(key).iter().map(|v| v.value).collect())
        .collect()
}

#[test]
fn s4_4_concurrent_writes_on_two_sides_of_a_partition_become_siblings() {
    let mut sim = both_sides_write(false);
    let oks = sim.history().iter().filter(|o| o.outcome == Some(Outcome::Ok)).count();
    assert_eq!(oks, 2, "both writes were acknowledged (sloppy quorum)");
    let owners = owner_versions(&sim, "x");
    for v in &owners {
        assert_eq!(v.len(), 2, "every owner keeps both concurrent versions: {owners:?}");
    }
    assert_eq!(owners[0], owners[1]);
    // A read returns one sibling deterministically (the highest-ranked: the later write)...
    sim.invoke(0, ClientOp::Read { key: "x".into() });
    sim.run_until(9_000);
    let read = sim.history().last().unwrap();
    assert_eq!(read.result, Some(ClientResult::ReadOk { value: Some(2) }));
    // ...and the next write, whose clock merges both, supersedes them.
    sim.invoke(1, ClientOp::Write { key: "x".into(), value: 3 });
    sim.run_until(12_000);
    for v in owner_versions(&sim, "x") {
        assert_eq!(v, vec![3]);
    }
    assert_eq!(sim.consistency().report().lost_writes, 0);
    assert_clean(&sim);
}

#[test]
fn s6_last_writer_wins_silently_loses_one_and_the_lost_write_counter_shows_it() {
    let sim = both_sides_write(true);
    let acked = sim.history().iter().filter(|o| o.outcome == Some(Outcome::Ok)).count();
    assert_eq!(acked, 2, "both writes were acknowledged");
    for v in owner_versions(&sim, "x") {
        assert_eq!(v, vec![2], "one version survives: the later timestamp");
    }
    assert_eq!(sim.consistency().report().lost_writes, 1, "x=1 was acknowledged and silently lost");
    let lost: Vec<_> = sim.notices().iter().filter(|n| n.notice.kind == NoticeKind::WriteLost).collect();
    assert_eq!(lost.len(), 1, "counted once cluster-wide");
    assert!(lost[0].notice.text.contains("x=1"), "{}", lost[0].notice.text);
    // With vector clocks the same run keeps N siblings; LWW loses siblings - 1 writes.
    let vc = both_sides_write(false);
    assert_eq!(owner_versions(&vc, "x")[0].len() as u64 - 1, sim.consistency().report().lost_writes);
    assert_clean(&sim);
}

#[test]
fn s6_lww_counts_only_concurrent_overwrites_not_causal_ones() {
    // One client keeps overwriting x without any partition: every overwrite read the
    // previous version first, so nothing is lost. (Two clients racing would lose writes.)
    let mut sim = dynamo(
        r#"{"protocol":"dynamo","nodes":5,"seed":2,"config":{"last_writer_wins":true},
            "clients":[{"node":0}],
            "workload":{"interval_ms":100,"read":1,"write":3,"cas":1,"keys":1,"start_ms":200},
            "until":4000}"#,
    );
    sim.run_until(4_000);
    assert!(sim.history().len() > 15, "{} ops", sim.history().len());
    assert_eq!(sim.consistency().report().lost_writes, 0);
    assert_clean(&sim);
}

/// The shared partition for the availability tests: {n0, n1, c0} | {n2, n3, n4, c1}.
fn partitioned(config: &str, seed: u64) -> Sim<Dynamo, Consistency> {
    let mut sim = dynamo(&format!(
        r#"{{"protocol":"dynamo","nodes":5,"seed":{seed},"config":{config},
            "clients":[{{"node":0,"timeout_ms":800}},{{"node":3,"timeout_ms":800}}],
            "workload":{{"interval_ms":150,"read":1,"write":1,"cas":0,"keys":1,"max_value":9,"start_ms":300}},
            "steps":[{{"at":1500,"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}},
                     {{"at":7000,"action":"heal"}}],
            "until":10000}}"#
    ));
    sim.enable_live_check();
    for _ in 0..10_000 / 16 {
        sim.advance(16);
        sim.check_consistency();
    }
    sim
}

#[test]
fn s4_5_sloppy_quorum_keeps_both_sides_available_and_strict_quorum_refuses_on_the_side_without_replicas() {
    // x's owners are n3, n1, n4: {n0, n1} holds one of three.
    assert_eq!(Ring::new(5, 4, 3).preference_list("x"), vec![3, 1, 4]);
    let sloppy = partitioned(r#"{"sloppy_quorum":true}"#, 11);
    for c in 0..2 {
        let (ok, done) = availability(&sloppy.history(), c, 1_600, 6_900);
        assert!(done >= 15 && ok * 100 >= done * 95, "sloppy: c{c} side {ok}/{done} ok");
    }
    let strict = partitioned(r#"{"sloppy_quorum":false,"hinted_handoff":false,"r":2,"w":2}"#, 11);
    // (Operations invoked in the last client timeout before the heal may finish after it.)
    let (ok0, done0) = availability(&strict.history(), 0, 1_600, 6_100);
    let (ok1, done1) = availability(&strict.history(), 1, 1_600, 6_100);
    assert!(done0 >= 3 && ok0 == 0, "strict, R + W > N: the side with one of three owners refuses ({ok0}/{done0})");
    assert!(done1 >= 15 && ok1 * 100 >= done1 * 95, "strict: the side with two owners serves ({ok1}/{done1})");
    // After the heal both serve again.
    let (ok, done) = availability(&strict.history(), 0, 7_600, 10_000);
    assert!(done >= 3 && ok * 100 >= done * 90, "after the heal: {ok}/{done}");
    assert_clean(&sloppy);
    assert_clean(&strict);
}

#[test]
fn s4_6_hinted_handoff_hands_the_data_back_after_the_heal() {
    let text = r#"{"protocol":"dynamo","nodes":5,"seed":4,
        "config":{"anti_entropy_ms":0,"read_repair":false,"hinted_handoff":HH},
        "clients":[{"node":0}],
        "steps":[{"at":300,"action":"partition","groups":[["n0","n1","n2","n4","c0"],["n3"]]},
                 {"at":400,"action":"client","client":0,"op":{"f":"write","key":"x","value":5}},
                 {"at":1000,"action":"client","client":0,"op":{"f":"write","key":"x","value":6}},
                 {"at":2000,"action":"heal"}],
        "until":5000}"#;
    let mut sim = dynamo(&text.replace("HH", "true"));
    sim.run_until(1_900);
    // n3 (home of x) is cut off: a stand-in holds x under n3's name.
    let holders: Vec<NodeId> =
        (0..5).filter(|i| sim.node(*i).unwrap().hints().iter().any(|((o, k), _)| *o == 3 && k == "x")).collect();
    assert_eq!(holders.len(), 1, "one stand-in holds a hint for n3");
    let view = sim.node(holders[0]).unwrap().view().detail;
    assert_eq!((view.hints[0].owner, view.hints[0].value), (3, Some(6)));
    assert!(sim.node(3).unwrap().versions("x").is_empty());
    sim.run_until(5_000);
    assert_eq!(sim.node(3).unwrap().versions("x").iter().map(|v| v.value).collect::<Vec<_>>(), vec![6]);
    assert!(sim.node(holders[0]).unwrap().hints().is_empty(), "the hint was deleted once handed over");
    assert!(sim.notices().iter().all(|n| n.notice.kind != NoticeKind::WriteAbandoned));
    assert_clean(&sim);
    // Without handoff (and nothing else to repair), n3 never learns x.
    let mut sim = dynamo(&text.replace("HH", "false"));
    sim.run_until(5_000);
    assert!(sim.node(3).unwrap().versions("x").is_empty());
}

/// n3 is cut off while x is written twice (strict quorum, so only owners are written);
/// then the heal. Which mechanism brings n3 up to date?
fn stale_owner(read_repair: bool, anti_entropy_ms: u64, read_after: bool) -> Vec<Vec<i64>> {
    let mut sim = dynamo(&format!(
        r#"{{"protocol":"dynamo","nodes":5,"seed":6,
            "config":{{"sloppy_quorum":false,"hinted_handoff":false,"r":1,"w":2,
                       "read_repair":{read_repair},"anti_entropy_ms":{anti_entropy_ms}}},
            "clients":[{{"node":1}}],
            "steps":[{{"at":300,"action":"partition","groups":[["n0","n1","n2","n4","c0"],["n3"]]}},
                     {{"at":400,"action":"client","client":0,"op":{{"f":"write","key":"x","value":5}}}},
                     {{"at":1000,"action":"heal"}}],
            "until":6000}}"#
    ));
    sim.run_until(1_500);
    if read_after {
        for _ in 0..3 {
            sim.invoke(0, ClientOp::Read { key: "x".into() });
        }
    }
    sim.run_until(6_000);
    assert_clean(&sim);
    owner_versions(&sim, "x")
}

#[test]
fn s5_read_repair_and_s4_7_anti_entropy_converge_all_replicas_after_the_heal() {
    let converged = |v: &Vec<Vec<i64>>| v.iter().all(|x| *x == vec![5]);
    let neither = stale_owner(false, 0, true);
    assert!(!converged(&neither), "without read repair or anti-entropy n3 stays behind: {neither:?}");
    let rr = stale_owner(true, 0, true);
    assert!(converged(&rr), "read repair (§5) brings n3 up to date: {rr:?}");
    let ae = stale_owner(false, 200, false);
    assert!(converged(&ae), "anti-entropy (§4.7) does, with no reads at all: {ae:?}");
}

#[test]
fn s4_7_convergence_is_checked_at_rest_after_random_faults() {
    let mut sim = AnySim::from_json(&scenario_file("dynamo-partition-both-sides-write.json")).unwrap();
    let until = sim.scenario().until;
    sim.run_until(until);
    sim.settle();
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

#[test]
fn seed_sweep_of_1000_random_fault_schedules_converges_and_keeps_every_acknowledged_write() {
    let mut ops = 0;
    for seed in 1..=1_000 {
        let r = run_scenario(random_scenario("dynamo", seed, &SweepOptions::default()), true).unwrap();
        if let Some((what, detail, at)) = r.violation {
            panic!("seed {seed} at {at} ms: {what}: {detail}\nreproduce: cap sweep --protocol dynamo --seeds 1 --start {seed}");
        }
        ops += r.ops;
        assert!(r.ops > 10, "seed {seed}: the workload ran ({} ops)", r.ops);
    }
    assert!(ops > 30_000, "{ops} operations");
}

#[test]
// Runs Raft beside Dynamo: only in builds that carry both.
#[cfg(feature = "raft")]
fn the_same_partition_of_the_same_nodes_gives_raft_and_dynamo_the_opposite_trade_off() {
    let text = |protocol: &str| {
        format!(
            r#"{{"protocol":"{protocol}","nodes":5,"seed":3,
                "clients":[{{"node":0,"timeout_ms":800}},{{"node":3,"timeout_ms":800}}],
                "workload":{{"interval_ms":200,"read":1,"write":1,"cas":0,"keys":1,"max_value":99,"start_ms":600}},
                "steps":[{{"at":2000,"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}},
                         {{"at":8000,"action":"heal"}}],
                "until":10000}}"#
        )
    };
    let run = |protocol: &str| {
        let mut sim = AnySim::from_json(&text(protocol)).unwrap();
        sim.enable_live_check();
        for _ in 0..10_000 / 16 {
            sim.advance(16);
            sim.check_consistency();
        }
        assert!(sim.violations().is_empty(), "{protocol}: {:?}", sim.violations());
        sim
    };
    let raft = run("raft");
    let dyn_ = run("dynamo");
    let side = |sim: &AnySim, c| availability(&sim.history(), c, 2_300, 7_100);
    // Raft (CP): the minority side {n0, n1} answers nothing; the history is linearizable.
    let (ok, done) = side(&raft, 0);
    assert!(done >= 3 && ok == 0, "raft minority: {ok}/{done}");
    let (ok, done) = side(&raft, 1);
    assert!(ok * 100 >= done * 90, "raft majority: {ok}/{done}");
    let lin = cap_playground::check::linearizability::check_history(&raft.history(), 2_000_000);
    assert!(lin.is_linearizable(), "{lin:?}");
    let f = raft.frame();
    assert_eq!(f.consistency.stale_reads, 0);
    // Dynamo (AP): both sides answer; the checker sees stale reads or a violation.
    for c in 0..2 {
        let (ok, done) = side(&dyn_, c);
        assert!(done >= 15 && ok * 100 >= done * 95, "dynamo c{c}: {ok}/{done}");
    }
    assert!(!dyn_.promises_linearizability());
    let f = dyn_.frame();
    let lin = cap_playground::check::linearizability::check_history(&dyn_.history(), 2_000_000);
    assert!(
        f.consistency.stale_reads > 0 || !lin.is_linearizable(),
        "dynamo: no stale read and a linearizable history?"
    );
}

#[test]
fn same_scenario_and_seed_give_the_identical_trace() {
    let text = scenario_file("dynamo-partition-both-sides-write.json");
    let run = || {
        let mut s = AnySim::from_json(&text).unwrap();
        s.run_until(10_000);
        (s.trace_hash(), s.events())
    };
    assert_eq!(run(), run());
}

#[test]
fn bad_dynamo_configs_are_rejected_with_what_is_accepted() {
    for (config, expect) in [
        (r#"{"r":4}"#, "must each be in 1..=n"),
        (r#"{"sloppy_quorum":false}"#, "hinted_handoff needs config.sloppy_quorum"),
        (r#"{"quorum":2}"#, "unknown field `quorum`"),
        (r#"{"vnodes":0}"#, "accepted 1..=64"),
    ] {
        let text = format!(r#"{{"protocol":"dynamo","nodes":3,"config":{config}}}"#);
        let e = AnySim::from_json(&text).err().unwrap_or_else(|| panic!("accepted {config}"));
        assert!(e.contains(expect), "{config}: {e}");
    }
}

#[test]
fn the_frame_carries_the_ring_versions_siblings_and_hints_for_the_renderer() {
    let mut sim = AnySim::from_json(&scenario_file("dynamo-partition-both-sides-write.json")).unwrap();
    sim.run_until(5_000);
    let f = serde_json::to_value(sim.frame()).unwrap();
    let n = &f["nodes"][3];
    assert_eq!(n["role"], "replica");
    assert!(n["dynamo"]["tokens"].as_array().unwrap().len() == 4);
    assert!(n["dynamo"]["nrw"] == serde_json::json!([3, 2, 2]));
    assert!(f["nodes"].as_array().unwrap().iter().any(|n| !n["dynamo"]["keys"].as_array().unwrap().is_empty()));
}

#[test]
fn shipped_scenarios_show_what_their_descriptions_promise() {
    let run = |name: &str| {
        let mut sim = AnySim::from_json(&scenario_file(name)).unwrap();
        sim.enable_live_check();
        let until = sim.scenario().until;
        while sim.now() < until {
            sim.advance(16);
            sim.check_consistency();
        }
        assert!(sim.violations().is_empty(), "{name}: {:?}", sim.violations());
        sim
    };
    // Both sides available, stale reads flagged.
    let s = run("dynamo-partition-both-sides-write.json");
    for c in 0..2 {
        let (ok, done) = availability(&s.history(), c, 2_100, 6_900);
        assert!(done >= 10 && ok == done, "c{c}: {ok}/{done}");
    }
    assert!(s.frame().consistency.stale_reads > 0);
    // Strict quorum: c0's side refuses, c1's serves.
    let s = run("dynamo-strict-quorum.json");
    let (ok0, done0) = availability(&s.history(), 0, 2_100, 6_100);
    let (ok1, done1) = availability(&s.history(), 1, 2_100, 6_100);
    assert!(done0 >= 3 && ok0 == 0 && done1 >= 10 && ok1 == done1, "{ok0}/{done0} vs {ok1}/{done1}");
    // LWW: one acknowledged write lost; the later read returns the survivor.
    let s = run("dynamo-lww-lost-write.json");
    assert_eq!(s.frame().consistency.lost_writes, 1);
    let ops = s.history();
    assert!(ops.iter().filter(|o| o.op.is_mutation()).all(|o| o.outcome == Some(Outcome::Ok)));
    assert_eq!(ops.last().unwrap().result, Some(ClientResult::ReadOk { value: Some(2) }));
    // Hinted handoff: n3 ends with what its fellow owners hold, and no hint is left.
    let s = run("dynamo-hinted-handoff.json");
    let f = s.frame();
    // The frame's `dynamo` detail of each node, as the element reads it.
    let held = |i: usize| -> serde_json::Value {
        serde_json::from_str(f.nodes[i].view.as_ref().unwrap().detail.json().unwrap()).unwrap()
    };
    let x =
        |i: usize| held(i)["keys"].as_array().unwrap().iter().find(|k| k["key"] == "x").map(|k| k["digest"].clone());
    assert!(x(3).is_some() && x(3) == x(1) && x(3) == x(4), "n3 caught up by handoff alone");
    assert!((0..5).all(|i| held(i)["hints"].as_array().unwrap().is_empty()));
}

#[test]
fn s4_5_n_r_w_change_live_and_the_trade_off_follows() {
    use cap_playground::sim::scenario::Action;
    // Partitioned with sloppy quorums: both sides serve. At 4 s the reader drags the sliders to
    // a strict quorum with R + W > N: the side holding one of x's three owners stops serving.
    let mut sim = dynamo(
        r#"{"protocol":"dynamo","nodes":5,"seed":11,"config":{"sloppy_quorum":true},
            "clients":[{"node":0,"timeout_ms":800},{"node":3,"timeout_ms":800}],
            "workload":{"interval_ms":150,"read":1,"write":1,"cas":0,"keys":1,"max_value":9,"start_ms":300},
            "steps":[{"at":1500,"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}],
            "until":12000}"#,
    );
    sim.run_until(4_000);
    let (ok, done) = availability(&sim.history(), 0, 1_600, 3_900);
    assert!(done >= 5 && ok == done, "sloppy: the minority side serves ({ok}/{done})");
    let strict: Action = serde_json::from_str(
        r#"{"action":"configure","config":{"n":3,"r":2,"w":2,"sloppy_quorum":false,"hinted_handoff":false}}"#,
    )
    .unwrap();
    sim.apply(strict).unwrap();
    sim.run_until(8_000);
    let (ok, done) = availability(&sim.history(), 0, 4_900, 7_100);
    assert!(done >= 2 && ok == 0, "strict R + W > N: the minority side refuses ({ok}/{done})");
    let (ok1, done1) = availability(&sim.history(), 1, 4_900, 7_100);
    assert!(done1 >= 5 && ok1 * 100 >= done1 * 90, "the majority side still serves ({ok1}/{done1})");
    // A new N rebuilds the ring live; after the heal everything converges again.
    let bigger: Action = serde_json::from_str(r#"{"action":"configure","config":{"n":4,"r":2,"w":2}}"#).unwrap();
    sim.apply(bigger).unwrap();
    sim.apply(Action::Heal).unwrap();
    sim.run_until(12_000);
    sim.settle();
    assert_clean(&sim);
    // Bad values are refused with what is accepted, and leave the settings as they were.
    let bad: Action = serde_json::from_str(r#"{"action":"configure","config":{"n":3,"r":4}}"#).unwrap();
    let e = sim.apply(bad).unwrap_err();
    assert!(e.contains("must each be in 1..=n"), "{e}");
}

#[test]
// Runs Raft too: only in builds that carry it.
#[cfg(feature = "raft")]
fn raft_refuses_live_reconfiguration_with_a_readable_message() {
    let mut sim = AnySim::from_json(r#"{"protocol":"raft","nodes":3}"#).unwrap();
    let e =
        sim.apply(serde_json::from_str(r#"{"action":"configure","config":{"heartbeat_ms":20}}"#).unwrap()).unwrap_err();
    assert!(e.contains("raft cannot change its settings while running"), "{e}");
}
