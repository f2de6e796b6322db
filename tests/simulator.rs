//! The simulator and Raft together, through scenario files: determinism, faults, the shipped
//! scenarios, the seed sweep, and that a deliberately broken Raft is caught.
// Runs in the builds that carry raft (`cargo test --no-default-features --features raft`).
#![cfg(feature = "raft")]

use cap_playground::check::consistency::Consistency;
use cap_playground::core::history::Outcome;
use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::raft::Raft;
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::{Action, Member, Scenario};
use cap_playground::sim::Sim;
use std::path::Path;

fn scenario(text: &str) -> Scenario {
    Scenario::from_json(text).unwrap_or_else(|e| panic!("{e}"))
}

fn raft(text: &str) -> Sim<Raft, Consistency> {
    let s = scenario(text);
    let config = serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).unwrap();
    Sim::new(s, config)
}

fn leaders(sim: &Sim<Raft, Consistency>) -> Vec<(u32, u64)> {
    sim.nodes
        .iter()
        .filter_map(|s| s.node.as_ref())
        .filter(|n| n.role() == cap_playground::protocol::raft::Role::Leader)
        .map(|n| (n.id(), n.current_term()))
        .collect()
}

fn assert_clean(sim: &AnySim, what: &str) {
    assert!(
        sim.violations().is_empty(),
        "{what}: seed {} violated {:?}",
        sim.scenario().seed,
        sim.violations().first()
    );
}

#[test]
fn same_scenario_and_seed_give_the_identical_trace() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios/raft-minority-partition.json"),
    )
    .unwrap();
    let run = |t: &str| {
        let mut s = AnySim::from_json(t).unwrap();
        s.run_until(10_000);
        (s.trace_hash(), s.events())
    };
    let a = run(&text);
    assert_eq!(a, run(&text), "same seed, same trace");
    let other = text.replace("\"seed\": 3", "\"seed\": 4");
    assert_ne!(a.0, run(&other).0, "another seed gives another run");
}

/// Scenarios shipped as lessons in a protocol's known unsafety (the scenario format has no flag
/// for it): 3PC's termination rule splitting the decision under a partition (Skeen 1981 assumes
/// no partitions).
const LESSONS: &[&str] = &["3pc-partition-split.json"];

#[test]
fn every_shipped_scenario_runs_without_violation() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).unwrap() {
        let path = e.unwrap().path();
        if path.extension().is_none_or(|x| x != "json") || path.file_name().is_some_and(|f| f == "index.json") {
            continue;
        }
        let text = std::fs::read_to_string(&path).unwrap();
        // A one-bundle build runs only its own protocols' scenarios.
        let protocol =
            serde_json::from_str::<serde_json::Value>(&text).unwrap()["protocol"].as_str().unwrap_or("").to_string();
        if !cap_playground::registry::PROTOCOLS.contains(&protocol.as_str()) {
            continue;
        }
        let mut sim = AnySim::from_json(&text).unwrap_or_else(|e| panic!("{}: {e}", path.display()));
        // The hour-long benchmark is run by `cap bench`; a minute of it is enough here.
        let until = sim.scenario().until.min(60_000);
        sim.run_until(until);
        let name = path.file_name().and_then(|f| f.to_str()).unwrap_or("");
        if LESSONS.contains(&name) {
            // Shipped to show a protocol's known unsafety: the violation must be there.
            assert!(!sim.violations().is_empty(), "{name} must show its violation");
        } else {
            assert_clean(&sim, &path.display().to_string());
        }
        n += 1;
    }
    assert!(n >= 4, "expected the scenario library in www/scenarios, found {n}");
}

#[test]
fn s5_2_reelection_after_the_leader_crashes() {
    let mut sim = raft(r#"{"protocol":"raft","nodes":5,"seed":5,"until":6000}"#);
    sim.run_until(1_500);
    let before = leaders(&sim);
    assert_eq!(before.len(), 1, "one leader after 1.5 s: {before:?}");
    let (old, term) = before[0];
    sim.apply(Action::Crash { node: old }).unwrap();
    sim.run_until(3_000);
    let after = leaders(&sim);
    assert_eq!(after.len(), 1);
    assert_ne!(after[0].0, old);
    assert!(after[0].1 > term, "the new leader's term is higher");
    // The old leader restarts as a follower and adopts the new term.
    sim.apply(Action::Restart { node: old }).unwrap();
    sim.run_until(4_000);
    let n = sim.node(old).unwrap();
    assert_eq!(n.current_term(), after[0].1);
    assert!(sim.violations().is_empty());
}

#[test]
fn minority_side_stalls_and_majority_side_serves() {
    let text = std::fs::read_to_string(
        Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios/raft-minority-partition.json"),
    )
    .unwrap();
    let mut sim = raft(&text);
    sim.run_until(2_000);
    let commit_minority = sim.node(0).unwrap().commit_index().max(sim.node(1).unwrap().commit_index());
    sim.run_until(6_900);
    // Client 0 sits with {n0, n1}: none of its operations invoked after the cut succeed.
    let minority_ok = sim
        .history()
        .iter()
        .filter(|o| {
            o.client == 0 && o.invoke > 2_100 && o.complete.is_some_and(|c| c < 6_900) && o.outcome == Some(Outcome::Ok)
        })
        .count();
    let majority_ok =
        sim.history().iter().filter(|o| o.client == 1 && o.invoke > 2_100 && o.outcome == Some(Outcome::Ok)).count();
    assert_eq!(minority_ok, 0, "the minority side answered nothing");
    assert!(majority_ok >= 5, "the majority side kept serving ({majority_ok} ok)");
    assert_eq!(
        sim.node(0).unwrap().commit_index().max(sim.node(1).unwrap().commit_index()),
        commit_minority,
        "the minority committed nothing new"
    );
    sim.run_until(10_000);
    let last: Vec<u64> = (0..5).map(|i| sim.node(i).unwrap().last_index()).collect();
    assert!(last.windows(2).all(|w| w[0] == w[1]), "all logs converge after the heal: {last:?}");
    assert_eq!(leaders(&sim).len(), 1);
    assert!(sim.violations().is_empty());
}

#[test]
fn messages_in_flight_across_a_new_cut_are_lost_and_one_way_cuts_are_one_way() {
    let mut sim = raft(r#"{"protocol":"raft","nodes":3,"seed":2,"network":{"latency_ms":[40,40]},"until":3000}"#);
    sim.run_until(1_000);
    let leader = leaders(&sim)[0].0;
    // Heartbeats are in flight now (40 ms latency, 50 ms interval).
    sim.run_until(1_010);
    let lost_before = sim.counters().lost;
    let others: Vec<Member> = (0..3).filter(|n| *n != leader).map(Member::Node).collect();
    sim.apply(Action::Partition { groups: vec![vec![Member::Node(leader)], others] }).unwrap();
    assert!(sim.counters().lost > lost_before, "in-flight messages across the cut were lost");
    sim.apply(Action::Heal).unwrap();
    // Cut leader → f only: f stops hearing heartbeats and starts an election; the leader still
    // receives f's messages.
    let f = (0..3).find(|n| *n != leader).unwrap();
    sim.apply(Action::Cut { from: Member::Node(leader), to: Member::Node(f) }).unwrap();
    let term = sim.node(f).unwrap().current_term();
    sim.run_until(1_600);
    assert!(sim.node(f).unwrap().current_term() > term, "the follower behind a one-way cut times out");
    assert!(sim.violations().is_empty());
}

#[test]
fn s7_far_behind_follower_catches_up_through_install_snapshot_in_the_simulator() {
    let mut sim = raft(
        r#"{"protocol":"raft","nodes":3,"seed":9,"config":{"snapshot_threshold":5},
            "clients":[{"node":0},{"node":1}],
            "workload":{"interval_ms":60,"read":0,"write":1,"cas":0,"start_ms":400},
            "steps":[{"at":500,"action":"crash","node":2},{"at":4000,"action":"restart","node":2}],
            "until":6000}"#,
    );
    sim.run_until(6_000);
    assert!(
        sim.notices().iter().any(|n| n.node == 2 && n.notice.kind == NoticeKind::SnapshotInstalled),
        "n2 received a snapshot"
    );
    // Once per need (etcd's StateSnapshot): every InstallSnapshot is answered but the one sent
    // while n2 was down (it was sent on every heartbeat: 114 for 4 answers in this run).
    let sent = |kind: &str| sim.counters().sent.get(&kind).copied().unwrap_or(0);
    let (snapshots, answers) = (sent("InstallSnapshot"), sent("InstallSnapshotResponse"));
    assert!(answers >= 1 && snapshots <= answers + 1, "{snapshots} InstallSnapshot for {answers} answers");
    // The workload keeps writing: compare the two state machines at a moment they have applied
    // the same prefix of the log.
    while sim.node(0).unwrap().last_applied() != sim.node(2).unwrap().last_applied() && sim.now() < 7_000 {
        sim.step();
    }
    let (a, b) = (sim.node(0).unwrap(), sim.node(2).unwrap());
    assert!(b.commit_index() > 20);
    assert_eq!(b.last_applied(), a.last_applied(), "n2 caught up with n0");
    assert_eq!(b.state_machine().kv, a.state_machine().kv);
    assert!(sim.violations().is_empty());
}

#[test]
fn thesis_9_6_prevote_keeps_a_rejoining_node_from_disrupting_the_leader() {
    // n4 is cut off for 3 s and keeps timing out. Without PreVote it returns with a higher
    // term and forces an election; with PreVote the leader keeps its term.
    let run = |pre_vote: bool| {
        let mut sim = raft(&format!(
            r#"{{"protocol":"raft","nodes":5,"seed":21,"config":{{"pre_vote":{pre_vote}}},
                "steps":[{{"at":1000,"action":"partition","groups":[[0,1,2,3],[4]]}},{{"at":4000,"action":"heal"}}],
                "until":6000}}"#
        ));
        sim.run_until(999);
        let t0 = leaders(&sim)[0].1;
        sim.run_until(6_000);
        assert!(sim.violations().is_empty());
        (t0, leaders(&sim)[0].1)
    };
    let (t0, t1) = run(true);
    assert_eq!(t0, t1, "with PreVote the term is unchanged");
    let (t0, t1) = run(false);
    assert!(t1 > t0, "without PreVote the rejoining node forces a new term");
}

#[test]
fn thesis_6_2_check_quorum_deposes_an_isolated_leader() {
    let run = |check_quorum: bool| {
        let mut sim = raft(&format!(
            r#"{{"protocol":"raft","nodes":3,"seed":4,"config":{{"check_quorum":{check_quorum}}},"until":4000}}"#
        ));
        sim.run_until(1_000);
        let leader = leaders(&sim)[0].0;
        let others: Vec<Member> = (0..3).filter(|n| *n != leader).map(Member::Node).collect();
        sim.apply(Action::Partition { groups: vec![others, vec![Member::Node(leader)]] }).unwrap();
        sim.run_until(2_000);
        let stepped_down = sim.notices().iter().any(|n| n.node == leader && n.notice.kind == NoticeKind::CheckQuorum);
        (sim.node(leader).unwrap().role(), stepped_down)
    };
    use cap_playground::protocol::raft::Role;
    let (role, stepped_down) = run(true);
    assert!(stepped_down && role != Role::Leader, "{role:?}");
    assert_eq!(run(false), (Role::Leader, false), "without CheckQuorum the stale leader keeps believing");
}

#[test]
fn clients_are_redirected_to_the_leader() {
    let mut sim = raft(
        r#"{"protocol":"raft","nodes":5,"seed":8,"clients":[{"node":0},{"node":1},{"node":2},{"node":3},{"node":4}],"until":4000}"#,
    );
    sim.run_until(1_500);
    let leader = leaders(&sim)[0].0;
    for c in 0..5 {
        sim.invoke(c, cap_playground::protocol::ClientOp::Write { key: "x".into(), value: c as i64 });
    }
    sim.run_until(3_000);
    for op in sim.history() {
        assert_eq!(op.outcome, Some(Outcome::Ok), "{op:?}");
        assert_eq!(op.node, leader, "answered by the leader");
    }
}

#[test]
fn seed_sweep_of_1000_random_fault_schedules_finds_no_violation_and_linearizable_histories() {
    let mut unknown = 0;
    for seed in 1..=1_000 {
        let r = run_scenario(random_scenario("raft", seed, &SweepOptions::default()), true).unwrap();
        if let Some((what, detail, at)) = r.violation {
            panic!("seed {seed} at {at} ms: {what}: {detail}\nreproduce: cap sweep --protocol raft --seeds 1 --start {seed}");
        }
        unknown += r.check_unknown as u32;
        assert!(r.ops > 10, "seed {seed}: the workload ran ({} ops)", r.ops);
    }
    assert!(unknown <= 10, "{unknown} histories were too hard to decide");
}

#[test]
fn a_broken_read_path_serving_local_state_is_caught_by_the_linearizability_check() {
    let mut opts = SweepOptions::default();
    opts.config_overrides.insert("unsafe_local_reads".into(), true.into());
    let caught = (1..=100).find_map(|seed| {
        let r = run_scenario(random_scenario("raft", seed, &opts), true).unwrap();
        r.violation.filter(|(what, _, _)| what == "Linearizability")
    });
    let (_, detail, _) = caught.expect("stale local reads were not caught in 100 seeds");
    assert!(detail.contains("read"), "{detail}");
}

#[test]
fn sweep_catches_raft_without_the_election_restriction_and_the_seed_reproduces_it() {
    let mut opts = SweepOptions::default();
    opts.config_overrides.insert("unsafe_no_election_restriction".into(), true.into());
    let found = (1..=300).find_map(|seed| {
        let s = random_scenario("raft", seed, &opts);
        let mut sim = AnySim::new(s.clone()).unwrap();
        sim.run_until(s.until);
        sim.violations().first().cloned().map(|v| (s, v))
    });
    let (s, v) = found.expect("the broken Raft was not caught in 300 seeds");
    // The written scenario file reproduces the same violation.
    let text = serde_json::to_string_pretty(&s).unwrap();
    let mut again = AnySim::from_json(&text).unwrap();
    again.run_until(s.until);
    assert_eq!(again.violations().first(), Some(&v));
}

#[test]
fn bad_scenarios_are_rejected_with_what_is_accepted() {
    let cases = [
        (r#"{"protocol":"nope","nodes":3}"#, "accepted protocols are raft"),
        (r#"{"protocol":"raft","nodes":0}"#, "accepted 1..=9"),
        (r#"{"protocol":"raft","nodes":3,"colour":"red"}"#, "unknown field `colour`"),
        (
            r#"{"protocol":"raft","nodes":3,"steps":[{"at":1,"action":"crash","node":7}]}"#,
            "node 7 does not exist: accepted 0..=2",
        ),
        (
            r#"{"protocol":"raft","nodes":3,"steps":[{"at":1,"action":"explode"}]}"#,
            "unknown action 'explode': accepted actions are partition, heal",
        ),
        (r#"{"protocol":"raft","nodes":3,"config":{"election_timeout":5}}"#, "unknown field `election_timeout`"),
        (
            r#"{"protocol":"raft","nodes":3,"steps":[{"at":1,"action":"partition","groups":[["n0","q1"]]}]}"#,
            "not a node or client",
        ),
        (r#"{"protocol":"raft","#, "invalid scenario"),
        (
            r#"{"protocol":"raft","nodes":3,"steps":[{"at":1,"action":"crash","groups":[]}]}"#,
            "action 'crash' does not take `groups` (it takes node)",
        ),
        (r#"{"protocol":"raft","nodes":3,"steps":[{"at":1,"action":"cut","from":"n0"}]}"#, "action 'cut' needs `to`"),
        (
            r#"{"protocol":"raft","nodes":3,"clients":[{"node":0}],"steps":[{"at":1,"action":"client","client":0,"op":{"f":"write","key":"x"}}]}"#,
            "operation 'write' needs `value`",
        ),
        (r#"{"protocol":"raft","nodes":3,"steps":[{"action":"heal"}]}"#, "a step needs `at`"),
    ];
    for (text, expect) in cases {
        let e = AnySim::from_json(text).err().unwrap_or_else(|| panic!("accepted: {text}"));
        assert!(e.contains(expect), "{text}\n  gave: {e}\n  expected to contain: {expect}");
    }
}

#[test]
fn figure_8_scenario_file_replays_the_paper_and_the_commit_rule_keeps_it_safe() {
    let text = std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios/raft-figure-8.json"))
        .unwrap();
    let mut sim = raft(&text);
    let terms = |sim: &Sim<Raft, Consistency>, i: u32| -> Vec<u64> {
        let n = sim.node(i).unwrap();
        (1..=n.last_index()).map(|k| n.term_at(k).unwrap()).collect()
    };
    // (c): n0 leads term 3; its term-1 entry at index 2 is on a majority and known to be.
    sim.run_until(864);
    let n0 = sim.node(0).unwrap();
    assert_eq!((n0.role(), n0.current_term()), (cap_playground::protocol::raft::Role::Leader, 3));
    assert_eq!(terms(&sim, 0), vec![1, 1, 3]);
    assert_eq!(terms(&sim, 2), vec![1, 1]);
    assert_eq!(terms(&sim, 3), vec![1, 1]);
    assert_eq!((n0.match_index(2), n0.match_index(3)), (Some(2), Some(2)));
    // n0 restarted, so its commitIndex began at 0; counting replicas would now commit index 2
    // (4 of 5 hold it), but its term is 1, not 3, so n0 commits nothing.
    assert_eq!(n0.commit_index(), 0, "index 2 is on 4 of 5 servers but has an older term: not committed");
    // (d): n4 wins term 4 and its term-2 entry replaces index 2 everywhere.
    sim.run_until(3_000);
    let n4 = sim.node(4).unwrap();
    assert_eq!((n4.role(), n4.current_term()), (cap_playground::protocol::raft::Role::Leader, 4));
    for i in 0..5 {
        assert_eq!(terms(&sim, i)[..2], [1, 2], "n{i}'s index 2 is n4's entry");
    }
    // The client's history stays linearizable (its first write, re-sent after n0's crash, is
    // applied once, under n4).
    let lin = cap_playground::check::linearizability::check_history(&sim.history(), 1_000_000);
    assert!(lin.is_linearizable(), "{lin:?}");
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
}

/// The CAP scoreboard's consistency column, live: run `ms` of simulated time in 16 ms frames,
/// spending one frame's search allowance after each, as the browser does.
fn run_live(sim: &mut Sim<Raft, Consistency>, ms: u64) {
    for _ in 0..ms / 16 {
        sim.advance(16);
        sim.check_consistency();
    }
}

fn partitioned_local_reads(unsafe_local_reads: bool) -> Sim<Raft, Consistency> {
    let mut sim = raft(&format!(
        r#"{{"protocol":"raft","nodes":5,"seed":12,"config":{{"unsafe_local_reads":{unsafe_local_reads}}},
            "clients":[{{"node":0,"timeout_ms":600}},{{"node":4,"timeout_ms":600}}],
            "workload":{{"interval_ms":80,"read":3,"write":2,"cas":0,"keys":1,"start_ms":300}},
            "steps":[{{"at":1500,"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}}],
            "until":8000}}"#
    ));
    sim.enable_live_check();
    // Make sure the old leader ends up in the minority, so the minority holds stale state.
    run_live(&mut sim, 8_000);
    sim
}

#[test]
fn live_scoreboard_flags_stale_reads_from_a_broken_read_path_and_none_from_raft() {
    use cap_playground::check::linearizability::LiveVerdict;
    let good = partitioned_local_reads(false);
    let r = good.consistency().report();
    assert_eq!(r.stale_reads, 0);
    assert!(matches!(r.live.unwrap().verdict, LiveVerdict::LinearizableSoFar));
    assert!(r.checked_ops > 50, "{} ops checked", r.checked_ops);

    let bad = partitioned_local_reads(true);
    let r = bad.consistency().report();
    assert!(r.stale_reads > 0, "the minority served reads of overwritten values");
    match r.live.unwrap().verdict {
        LiveVerdict::Violation { witness: Some(witness) } => {
            assert!(witness.verified, "{witness:?}");
            assert!(witness.ops.len() >= 2, "{witness:?}");
            assert!(witness.sentence.contains("read"), "{}", witness.sentence);
        }
        other => panic!("expected a violation, got {other:?}"),
    }
}
