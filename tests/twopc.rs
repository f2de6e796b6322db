//! Two-phase commit, path by path, citing Bernstein, Hadzilacos, Goodman, "Concurrency Control
//! and Recovery in Database Systems" (1987) ch. 7 (BHG §7.4 the protocol and its recovery, §7.5
//! timeouts and cooperative termination), Mohan, Lindsay, Obermarck 1986 for presumed abort, and
//! the seed's §3.1.2 (coordinator and participant recovery). Every run has the 2PC invariant
//! checker (atomicity, commit only on all-Yes, durable logs, money conserved) watching every event.
// Runs in the builds that carry twopc (`cargo test --no-default-features --features twopc`).
#![cfg(feature = "twopc")]

use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::twopc::{owner, Record, TwoPc, TwoPcConfig, TwoPcOp, TwoPcResult};
use cap_playground::protocol::ClientReply;
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use std::path::Path;

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).expect("file")
}

/// Build a scenario file's world with `config` merged over its own.
fn sim(json: &str, config: serde_json::Value) -> Sim<TwoPc> {
    let mut v: serde_json::Value = serde_json::from_str(json).unwrap();
    let mut c = v.get("config").cloned().unwrap_or(serde_json::json!({}));
    for (k, x) in config.as_object().unwrap() {
        c[k] = x.clone();
    }
    v["config"] = c.clone();
    let s = Scenario::from_json(&v.to_string()).expect("valid scenario");
    let mut cfg: TwoPcConfig = serde_json::from_value(c).unwrap();
    cfg.seed = s.seed;
    Sim::<TwoPc>::new(s, cfg)
}

fn clean(sim: &Sim<TwoPc>) {
    assert!(sim.violations().is_empty(), "invariant violated: {:?}", sim.violations());
}

fn node(sim: &Sim<TwoPc>, id: u32) -> &TwoPc {
    sim.node(id).expect("alive")
}

fn balance(sim: &Sim<TwoPc>, id: u32, key: &str) -> Option<i64> {
    node(sim, id).balances().get(key).copied()
}

fn has(sim: &Sim<TwoPc>, id: u32, want: impl Fn(&Record) -> bool) -> bool {
    node(sim, id).log().iter().any(want)
}

/// The op's outcome as the history recorded it: `ok`, `fail`, `info` or `pending`.
fn outcome(sim: &Sim<TwoPc>, index: usize) -> String {
    let op = &sim.history()[index];
    op.outcome.map(|o| format!("{o:?}").to_lowercase()).unwrap_or_else(|| "pending".into())
}

fn result_text(sim: &Sim<TwoPc>, index: usize) -> String {
    sim.history()[index].result.as_ref().map(|r| r.label()).unwrap_or_default()
}

const CRASH: &str = "2pc-coordinator-crash.json";

/// Ownership is fixed: account A on n1, B on n2, C on n1, D on n2 with three nodes; with five,
/// A..D on n1..n4.
#[test]
fn ownership_is_deterministic_round_robin() {
    assert_eq!(["A", "B", "C", "D"].map(|k| owner(k, 3)), [1, 2, 1, 2]);
    assert_eq!(["A", "B", "C", "D", "E"].map(|k| owner(k, 5)), [1, 2, 3, 4, 1]);
    assert_eq!(owner("x", 4), owner("x", 4));
}

/// BHG §7.4: PREPARE → both vote Yes after forcing PREPARED → the coordinator forces COMMIT →
/// COMMIT → participants apply, release locks, ACK → END.
#[test]
fn bhg_7_4_transfer_commits_at_both_participants() {
    let mut s = sim(&file("2pc-happy.json"), serde_json::json!({}));
    // Answered at ~0.6 s; the workload's next transaction starts 250 ms or more after that.
    s.run_until(800);
    clean(&s);
    assert_eq!(outcome(&s, 0), "ok");
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(90), Some(110)));
    for p in [1, 2] {
        assert!(has(&s, p, |r| matches!(r, Record::Prepared { txn: 1, .. })));
        assert!(has(&s, p, |r| matches!(r, Record::Committed { txn: 1 })));
        assert!(node(&s, p).locks().is_empty());
    }
    assert!(has(&s, 0, |r| matches!(r, Record::Commit { txn: 1, .. })));
    assert!(has(&s, 0, |r| matches!(r, Record::End { txn: 1 })), "every ACK in: END");
    for kind in ["Prepare", "VoteYes", "Commit", "Ack"] {
        assert!(s.counters().sent.get(&kind).copied().unwrap_or(0) >= 2, "{kind} sent");
    }
    // The workload keeps moving money; the checker watched conservation at every event.
    s.run_until(8000);
    clean(&s);
    let total: i64 = [1, 2].iter().flat_map(|p| node(&s, *p).balances().values().copied().collect::<Vec<_>>()).sum();
    assert!(s.history().iter().filter(|o| o.op.is_multi_key() && o.outcome.is_some()).count() > 5);
    assert_eq!(total + in_doubt(&s), 400);
}

/// Money moved by transactions decided but not yet applied at some participant.
fn in_doubt(s: &Sim<TwoPc>) -> i64 {
    let mut d = 0;
    for p in [1, 2] {
        for t in node(s, p).uncertain() {
            if node(s, 0).log().iter().any(|r| matches!(r, Record::Commit { txn, .. } if *txn == t)) {
                if let Some(Record::Prepared { installs, .. }) =
                    node(s, p).log().iter().find(|r| matches!(r, Record::Prepared { txn, .. } if *txn == t))
                {
                    d += installs.iter().map(|i| i.new - i.old.unwrap_or(0)).sum::<i64>();
                }
            }
        }
    }
    d
}

/// BHG §7.4 (a No vote aborts everywhere): insufficient funds at n1 → ABORT; n2 releases its
/// lock without applying anything. The client hears why.
#[test]
fn bhg_7_4_no_vote_insufficient_funds_aborts_everywhere() {
    let mut s = sim(&file("2pc-participant-votes-no.json"), serde_json::json!({}));
    s.run_until(1500);
    clean(&s);
    assert_eq!(outcome(&s, 0), "fail");
    assert!(result_text(&s, 0).contains("insufficient funds: A holds 100"), "{}", result_text(&s, 0));
    assert!(has(&s, 0, |r| matches!(r, Record::Abort { txn: 1, .. })));
    assert!(has(&s, 1, |r| matches!(r, Record::Aborted { txn: 1 })));
    assert!(has(&s, 2, |r| matches!(r, Record::Aborted { txn: 1 })), "n2 learns the abort too");
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(100), Some(100)));
    assert!(node(&s, 1).locks().is_empty() && node(&s, 2).locks().is_empty());
}

/// Strict two-phase locking without waiting: a second transaction touching a locked account
/// is refused (votes No) — the client sees "locked" — while the first commits.
#[test]
fn strict_2pl_lock_conflict_votes_no() {
    let mut s = sim(&file("2pc-participant-votes-no.json"), serde_json::json!({}));
    s.run_until(3000);
    clean(&s);
    let (a, b) = (outcome(&s, 1), outcome(&s, 2));
    assert!([a.as_str(), b.as_str()].contains(&"ok") && [a.as_str(), b.as_str()].contains(&"fail"), "{a} {b}");
    let failed = if a == "fail" { 1 } else { 2 };
    assert!(result_text(&s, failed).contains("B is locked by t"), "{}", result_text(&s, failed));
}

/// The configurable failure rate: drawn from the run's seed (never OS entropy), so the same
/// seed gives the same aborts, and with 30 % some commit and some abort.
#[test]
fn fail_percent_is_seeded_and_replays_exactly() {
    let run = || {
        let mut s = sim(&file("2pc-participant-votes-no.json"), serde_json::json!({}));
        s.run_until(8000);
        clean(&s);
        let outs: Vec<String> = (3..s.history().len()).map(|i| outcome(&s, i)).collect();
        (s.trace_hash(), outs, s.history().iter().filter(|o| result_text_of(o).contains("simulated failure")).count())
    };
    let (h1, o1, failures) = run();
    let (h2, o2, _) = run();
    assert_eq!((h1, &o1), (h2, &o2));
    assert!(failures >= 1 && o1.iter().any(|o| o == "ok"), "{o1:?}");
}

fn result_text_of(o: &cap_playground::core::history::Operation<TwoPcOp, TwoPcResult>) -> String {
    o.result.as_ref().map(|r| r.label()).unwrap_or_default()
}

/// BHG §7.5 (the blocking window) and the seed's §3.1.2 (coordinator recovery): the
/// coordinator crashes after sending COMMIT to n1 only. n1 commits; n2 voted Yes and is blocked,
/// holding B's lock, until n0 restarts, reads COMMIT-without-END from its log and re-sends it.
#[test]
fn bhg_7_5_coordinator_crash_blocks_participant_until_recovery() {
    let mut s = sim(&file(CRASH), serde_json::json!({}));
    s.run_until(3900);
    clean(&s);
    assert!(s.node(0).is_none(), "n0 is down");
    assert!(has(&s, 1, |r| matches!(r, Record::Committed { txn: 1 })), "n1 got COMMIT");
    let n2 = node(&s, 2);
    assert_eq!(n2.uncertain(), vec![1]);
    assert!(n2.blocked(), "voted Yes, no decision: blocked");
    assert_eq!(n2.locks().get("B"), Some(&1), "still holding B's lock");
    assert_eq!(balance(&s, 2, "B"), Some(100), "not applied while uncertain");
    assert!(s.notices().iter().any(|n| n.notice.kind == NoticeKind::Blocked && n.node == 2));
    assert_ne!(outcome(&s, 1), "ok", "c1's transfer out of B cannot run while n0 is down");
    assert!(s.counters().sent.get(&"DecisionRequest").copied().unwrap_or(0) >= 5, "asking a dead coordinator");
    // Restart: recovery re-sends COMMIT.
    s.run_until(4500);
    clean(&s);
    let n2 = node(&s, 2);
    assert!(n2.uncertain().is_empty() && n2.locks().is_empty() && !n2.blocked());
    assert_eq!(balance(&s, 2, "B"), Some(110));
    assert!(has(&s, 0, |r| matches!(r, Record::End { txn: 1 })));
    s.run_until(7000);
    assert_eq!(result_text(&s, 2), "→ 110");
}

/// BHG §7.5 cooperative termination: the blocked participant asks the others; n1 knows the
/// outcome (Commit) and n2 finishes without the coordinator.
#[test]
fn bhg_7_5_cooperative_termination_learns_outcome_from_peer() {
    let mut s = sim(&file(CRASH), serde_json::json!({"cooperative_termination": true}));
    s.run_until(2000);
    clean(&s);
    assert!(s.node(0).is_none(), "n0 still down");
    let n2 = node(&s, 2);
    assert!(n2.uncertain().is_empty() && n2.locks().is_empty());
    assert_eq!(balance(&s, 2, "B"), Some(110));
    assert!(s.notices().iter().any(|n| n.node == 2 && n.notice.text.contains("told by n1")));
}

/// BHG §7.5: cooperative termination cannot help when every participant is uncertain: both
/// voted Yes, neither heard the decision, so both stay blocked until the coordinator returns.
#[test]
fn bhg_7_5_all_uncertain_cooperation_still_blocks() {
    let json = file(CRASH).replace(
        r#"{"at": 1100, "action": "cut", "from": "n0", "to": "n2"},"#,
        r#"{"at": 1100, "action": "cut", "from": "n0", "to": "n2"}, {"at": 1100, "action": "cut", "from": "n0", "to": "n1"},"#,
    );
    let mut s = sim(&json, serde_json::json!({"cooperative_termination": true}));
    s.run_until(3900);
    clean(&s);
    for p in [1, 2] {
        assert!(node(&s, p).blocked(), "n{p} blocked");
    }
    s.run_until(4500);
    clean(&s);
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(90), Some(110)));
}

/// Why 2PC must block (BHG §7.5): a participant that gives up and aborts on its own after voting
/// Yes breaks atomicity — the checker catches it the moment n2 logs ABORTED for a committed txn.
#[test]
fn bhg_7_5_unsafe_abort_when_blocked_breaks_atomicity() {
    let mut s = sim(&file(CRASH), serde_json::json!({"unsafe_abort_when_blocked": true}));
    s.run_until(4500);
    let v = s.violations();
    assert!(v.iter().any(|v| v.invariant == "Atomicity" && v.detail.contains("t1")), "{v:?}");
    let r = run_scenario(random_scenario("2pc", 1, &SweepOptions::default()), false).unwrap();
    assert!(r.violation.is_none());
}

/// Seed §3.1.2 / presumed abort: a coordinator that crashes before deciding finds BEGIN without
/// a decision on restart, logs ABORT and tells the participants, which release their locks.
#[test]
fn seed_3_1_2_coordinator_recovery_aborts_undecided() {
    let json = file(CRASH)
        .replace(r#"{"at": 1100, "action": "cut", "from": "n0", "to": "n2"},"#, "")
        .replace(r#""at": 1150, "action": "crash""#, r#""at": 1050, "action": "crash""#);
    let mut s = sim(&json, serde_json::json!({}));
    s.run_until(3900);
    clean(&s);
    assert!(node(&s, 1).blocked() && node(&s, 2).blocked(), "both voted Yes to a dead coordinator");
    s.run_until(4300);
    clean(&s);
    assert!(has(&s, 0, |r| matches!(r, Record::Abort { txn: 1, .. })));
    for p in [1, 2] {
        assert!(has(&s, p, |r| matches!(r, Record::Aborted { txn: 1 })));
        assert!(node(&s, p).locks().is_empty());
    }
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(100), Some(100)));
}

/// Seed §3.1.2: a participant that crashes after voting Yes restarts PREPARED from its log,
/// re-takes its locks and asks the coordinator, which answers Commit.
#[test]
fn seed_3_1_2_prepared_participant_recovers_and_asks() {
    let json = file(CRASH)
        .replace(
            r#"{"at": 1100, "action": "cut", "from": "n0", "to": "n2"},"#,
            r#"{"at": 1100, "action": "crash", "node": 2},"#,
        )
        .replace(r#"{"at": 1150, "action": "crash", "node": 0},"#, r#"{"at": 2500, "action": "restart", "node": 2},"#);
    let mut s = sim(&json, serde_json::json!({}));
    s.run_until(2400);
    clean(&s);
    assert!(s.node(2).is_none());
    assert_eq!(outcome(&s, 0), "ok", "n0 committed with n2's Yes, then n2 crashed");
    s.run_until(2500);
    let n2 = node(&s, 2);
    assert_eq!((n2.uncertain(), n2.locks().get("B").copied()), (vec![1], Some(1)), "PREPARED survived the crash");
    s.run_until(2700);
    clean(&s);
    assert_eq!(balance(&s, 2, "B"), Some(110));
    assert!(node(&s, 2).locks().is_empty());
    assert!(has(&s, 0, |r| matches!(r, Record::End { txn: 1 })));
}

/// BHG §7.5: before voting a participant may abort unilaterally — a crash while WORKING forgets
/// the transaction, its vote never comes, and the coordinator aborts after the vote timeout.
#[test]
fn bhg_7_5_participant_crash_before_voting_aborts() {
    let json = file(CRASH)
        .replace(
            r#"{"at": 1100, "action": "cut", "from": "n0", "to": "n2"},"#,
            r#"{"at": 1060, "action": "crash", "node": 2},"#,
        )
        .replace(r#"{"at": 1150, "action": "crash", "node": 0},"#, r#"{"at": 1200, "action": "restart", "node": 2},"#);
    let mut s = sim(&json, serde_json::json!({"vote_timeout_ms": 400}));
    s.run_until(2000);
    clean(&s);
    assert!(!has(&s, 2, |r| r.txn() == 1 && matches!(r, Record::Prepared { .. })), "nothing was logged");
    assert!(has(&s, 0, |r| matches!(r, Record::Abort { txn: 1, .. })));
    assert!(has(&s, 1, |r| matches!(r, Record::Aborted { txn: 1 })));
    assert!(result_text(&s, 0).contains("no vote from n2"), "{}", result_text(&s, 0));
    assert_eq!(balance(&s, 1, "A"), Some(100));
}

/// A partition during prepare: n2 never gets PREPARE, the coordinator's vote timeout aborts
/// (presumed abort), n1 releases A; after the heal the same transfer commits.
#[test]
fn bhg_7_5_partition_during_prepare_aborts_then_commits_after_heal() {
    let mut s = sim(&file("2pc-partition-during-prepare.json"), serde_json::json!({}));
    s.run_until(2000);
    clean(&s);
    assert_eq!(outcome(&s, 0), "fail");
    assert!(result_text(&s, 0).contains("no vote from n2"));
    assert!(node(&s, 1).locks().is_empty());
    s.run_until(6000);
    clean(&s);
    assert_eq!(outcome(&s, 1), "ok");
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(90), Some(110)));
}

/// Every scenario in the library runs clean, and the browser-facing handle refuses nothing.
#[test]
fn library_scenarios_run_clean() {
    for f in ["2pc-happy.json", "2pc-participant-votes-no.json", CRASH, "2pc-partition-during-prepare.json"] {
        let mut sim = AnySim::from_json(&file(f)).unwrap_or_else(|e| panic!("{f}: {e}"));
        let until = sim.scenario().until;
        sim.run_until(until);
        assert!(sim.violations().is_empty(), "{f}: {:?}", sim.violations());
        assert!(!sim.promises_linearizability());
    }
}

/// Atomicity, all-Yes commit, durable logs and money conservation over random fault schedules
/// (crashes of either role, partitions, cuts, drops, duplicates; cooperation on and off).
#[test]
fn sweep_200_seeds_keeps_every_invariant() {
    let mut committed = 0;
    for seed in 1..=200 {
        let r = run_scenario(random_scenario("2pc", seed, &SweepOptions::default()), false).unwrap();
        assert!(r.violation.is_none(), "seed {seed}: {:?}", r.violation);
        committed += r.ops;
    }
    assert!(committed > 1000);
}

/// Bad transaction input gets a readable message; other protocols refuse transfers.
#[test]
// Also feeds a transfer to Raft: only in builds that carry Raft.
#[cfg(feature = "raft")]
fn transfer_input_errors_are_readable() {
    use cap_playground::protocol::ClientOperation;
    let bad = |op: &str| serde_json::from_str::<TwoPcOp>(op).unwrap_err().to_string();
    assert!(bad(r#"{"f":"transfer","from":"A","to":"B","amount":0}"#).contains("must be a positive"));
    assert!(bad(r#"{"f":"transfer","from":"A","amount":5}"#).contains("needs `to`"));
    assert!(bad(r#"{"f":"transfer","from":3,"to":"B","amount":5}"#).contains("account name"));
    assert!(bad(r#"{"f":"transfer","from":"A","to":"A","amount":5}"#).contains("must differ"));
    assert!(bad(r#"{"f":"transfer","key":"x","from":"A","to":"B","amount":5}"#).contains("does not take"));
    assert!(bad(r#"{"f":"nope","key":"x"}"#).contains("accepted read, write, cas, transfer"));
    let ok: TwoPcOp = serde_json::from_str(r#"{"f":"transfer","from":"A","to":"B","amount":10}"#).unwrap();
    assert_eq!(ok.label(), "transfer 10 A→B");
    let raft = r#"{"protocol":"raft","nodes":3,"clients":[{"node":0}],
        "steps":[{"at":5,"action":"client","client":0,"op":{"f":"transfer","from":"A","to":"B","amount":1}}]}"#;
    let e = AnySim::from_json(raft).err().unwrap();
    assert!(e.contains("only protocol 2pc runs it"), "{e}");
    let one = r#"{"protocol":"2pc","nodes":1}"#;
    assert!(AnySim::from_json(one).err().unwrap().contains("at least one participant"));
}
