//! Three-phase commit, path by path, citing Skeen, "Nonblocking Commit Protocols" (SIGMOD 1981:
//! §3 the central-site 3PC and its states q, w, p, c, a; §4 the nonblocking theorem — no state
//! adjacent to both commit and abort) and Skeen & Stonebraker, "A Formal Model of Crash Recovery
//! in a Distributed System" (IEEE TSE 1983: the termination protocol run by a backup
//! coordinator). Every run has the 3PC invariant checker (atomicity, commit only on all-Yes,
//! irrevocable decisions, durable logs, money conserved) watching every event.
// Runs in the builds that carry threepc (`cargo test --no-default-features --features threepc`).
#![cfg(feature = "threepc")]

use cap_playground::protocol::threepc::{Phase, Record, ThreePc, ThreePcConfig};
use cap_playground::protocol::twopc::{TwoPc, TwoPcConfig};
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use std::path::Path;

const HAPPY: &str = "3pc-happy.json";
const CRASH: &str = "3pc-coordinator-crash.json";
const SPLIT: &str = "3pc-partition-split.json";

fn file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).expect("file")
}

/// A scenario file's world with `edit` applied to its JSON first.
fn sim(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> Sim<ThreePc> {
    let mut v: serde_json::Value = serde_json::from_str(&file(name)).unwrap();
    edit(&mut v);
    let s = Scenario::from_json(&v.to_string()).expect("valid scenario");
    let cfg: ThreePcConfig = serde_json::from_value(v["config"].clone()).unwrap();
    Sim::<ThreePc>::new(s, cfg)
}

fn clean(s: &Sim<ThreePc>) {
    assert!(s.violations().is_empty(), "invariant violated: {:?}", s.violations());
}

fn node(s: &Sim<ThreePc>, id: u32) -> &ThreePc {
    s.node(id).expect("alive")
}

fn balance(s: &Sim<ThreePc>, id: u32, key: &str) -> Option<i64> {
    node(s, id).balances().get(key).copied()
}

fn has(s: &Sim<ThreePc>, id: u32, want: impl Fn(&Record) -> bool) -> bool {
    node(s, id).log().iter().any(want)
}

/// Skeen §3: q → w → p → c at every site; the transfer is applied at both owners.
#[test]
fn skeen_3_happy_path_commits_through_w_p_c() {
    let mut s = sim(HAPPY, |_| {});
    s.run_until(3000);
    clean(&s);
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(90), Some(110)));
    for p in [1, 2] {
        let states: Vec<&str> = node(&s, p)
            .log()
            .iter()
            .filter(|r| r.txn() == 1)
            .map(|r| match r {
                Record::Voted { .. } => "w",
                Record::PreCommitted { .. } => "p",
                Record::Committed { .. } => "c",
                _ => "?",
            })
            .collect();
        assert_eq!(states, ["w", "p", "c"], "n{p}'s log walks Skeen's states");
    }
    assert!(has(&s, 0, |r| matches!(r, Record::PreCommit { txn: 1 })));
    assert!(has(&s, 0, |r| matches!(r, Record::Commit { txn: 1, .. })));
    let o = &s.history()[0];
    assert_eq!(o.outcome.map(|o| format!("{o:?}").to_lowercase()).as_deref(), Some("ok"), "the client saw the commit");
}

/// Skeen §4 + Skeen & Stonebraker's termination protocol: the coordinator crashes after
/// PRE-COMMIT; the survivors, in p, elect a backup and commit — long before it returns. Against
/// 2PC on the same fault (www/scenarios/2pc-coordinator-crash.json), where a participant is still
/// blocked holding its lock.
#[test]
fn skeen_4_coordinator_crash_after_precommit_termination_commits_without_blocking() {
    let mut s = sim(CRASH, |_| {});
    s.run_until(1130);
    assert!(s.node(0).is_none(), "n0 crashed");
    s.run_until(3900);
    clean(&s);
    assert!(s.node(0).is_none(), "n0 is still down");
    for p in [1, 2] {
        assert!(node(&s, p).undecided().is_empty(), "n{p} is not blocked: {:?}", node(&s, p).undecided());
        assert_eq!(node(&s, p).outcome(1), Some(true), "n{p} committed t1 without the coordinator");
    }
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(90), Some(110)));
    assert_eq!(node(&s, 1).terminations(), 1, "n1, the lowest participant, was the backup");
    // 2PC, same fault: n2 is blocked at the same moment.
    let text = file("2pc-coordinator-crash.json");
    let sc = Scenario::from_json(&text).unwrap();
    let cfg: TwoPcConfig =
        serde_json::from_value(serde_json::from_str::<serde_json::Value>(&text).unwrap()["config"].clone()).unwrap();
    let mut two = Sim::<TwoPc>::new(sc, cfg);
    two.run_until(3900);
    assert!(two.node(2).expect("n2 up").blocked(), "2PC blocks on the same crash");
    // The coordinator returns in p1, is told the outcome, and logs c1.
    s.run_until(7000);
    clean(&s);
    assert!(has(&s, 0, |r| matches!(r, Record::Commit { txn: 1, .. })));
}

/// Skeen §4, the other side of the rule: the coordinator crashes before PRE-COMMIT (the votes
/// never reach it); every survivor is in w, whose concurrency set holds no commit: abort.
#[test]
fn skeen_4_coordinator_crash_before_precommit_termination_aborts() {
    let mut s = sim(CRASH, |v| v["steps"][1]["at"] = 1100.into());
    s.run_until(3900);
    clean(&s);
    for p in [1, 2] {
        assert_eq!(node(&s, p).outcome(1), Some(false), "n{p} aborted t1");
        assert!(node(&s, p).undecided().is_empty());
    }
    assert_eq!((balance(&s, 1, "A"), balance(&s, 2, "B")), (Some(100), Some(100)));
}

/// Skeen §4 (nonblocking): under crashes of any site at any moment of the transaction, every
/// live participant decides within a few timeouts of the crash.
#[test]
fn skeen_4_no_participant_blocks_under_any_single_crash() {
    for at in (1000..1250).step_by(5) {
        for victim in 0..3u32 {
            let mut s = sim(CRASH, |v| {
                v["steps"][1]["at"] = at.into();
                v["steps"][1]["node"] = victim.into();
                v["steps"][2]["node"] = victim.into();
            });
            s.run_until(3900);
            clean(&s);
            for p in (1..3).filter(|p| *p != victim) {
                let open: Vec<(u64, Phase)> = node(&s, p).undecided();
                assert!(open.is_empty(), "n{victim} crashed at {at}: n{p} still undecided {open:?}");
            }
            s.run_until(7000);
            clean(&s);
        }
    }
}

/// 3PC's known unsafety (Skeen 1981 assumes a network that never partitions): with n2 cut off
/// after n1 reached p, n1's side commits and n2's side aborts. The atomicity invariant says so.
#[test]
fn skeen_partition_splits_the_decision_and_atomicity_catches_it() {
    let mut s = AnySim::from_json(&file(SPLIT)).unwrap();
    s.run_until(6000);
    let v = s.violations();
    assert!(!v.is_empty(), "the split must be reported");
    assert_eq!(v[0].invariant, "Atomicity");
    assert!(v[0].detail.contains("aborted at n2 but committed at n1"), "{}", v[0].detail);
}

/// The price of nonblocking: one more round trip. Messages per committed transfer, counted by
/// the simulator, for 2PC and 3PC on the same transfer (Skeen §3: 3PC adds PRE-COMMIT / ACK).
#[test]
// Runs 2PC beside 3PC: only in builds that carry both.
#[cfg(feature = "twopc")]
fn messages_per_transaction_2pc_vs_3pc() {
    let count = |protocol: &str, config: serde_json::Value| -> u64 {
        let mut v: serde_json::Value = serde_json::from_str(&file(HAPPY)).unwrap();
        v["protocol"] = protocol.into();
        v["config"] = config;
        v["steps"] = serde_json::json!([v["steps"][0].clone()]);
        let mut s = AnySim::from_json(&v.to_string()).unwrap();
        s.run_until(3000);
        assert!(s.violations().is_empty());
        s.report().messages_sent.iter().filter(|(k, _)| !k.starts_with("Client")).map(|(_, n)| *n).sum()
    };
    let base = serde_json::json!({"accounts": 4, "initial_balance": 100, "work_ms": [50, 50]});
    let two = count("2pc", base.clone());
    let three = count("3pc", base);
    println!("messages per committed 2-participant transfer: 2PC {two}, 3PC {three}");
    assert_eq!(two, 8, "2PC: PREPARE, VOTE, COMMIT, ACK to and from each of 2 participants");
    assert_eq!(three, 10, "3PC: PREPARE, VOTE, PRE-COMMIT, ACK, DO-COMMIT");
}

/// 3PC's own fault model (crashes, lost and duplicated messages, no partitions) keeps every
/// invariant; `cap sweep --protocol 3pc --no-partitions` runs 10,000 seeds of it.
#[test]
fn sweep_200_seeds_without_partitions_keeps_every_invariant() {
    let opts = SweepOptions { no_partitions: true, ..Default::default() };
    for seed in 1..=200 {
        let r = run_scenario(random_scenario("3pc", seed, &opts), false).unwrap();
        assert!(r.violation.is_none(), "seed {seed}: {:?}", r.violation);
    }
}

/// Settings are validated with messages that name the field.
#[test]
fn config_validation_names_the_field() {
    let mut v: serde_json::Value = serde_json::from_str(&file(HAPPY)).unwrap();
    v["config"]["retry_ms"] = 300.into();
    let e = AnySim::from_json(&v.to_string()).err().expect("refused");
    assert!(e.contains("retry_ms"), "{e}");
    // Huge values are refused or run, never overflow.
    v["config"]["retry_ms"] = u64::MAX.into();
    let e = AnySim::from_json(&v.to_string()).err().expect("refused");
    assert!(e.contains("retry_ms"), "{e}");
    v["config"]["retry_ms"] = 100.into();
    v["config"]["timeout_ms"] = u64::MAX.into();
    let mut huge = AnySim::from_json(&v.to_string()).expect("a long timeout is accepted");
    huge.run_until(3000);
    v["config"]["timeout_ms"] = 400.into();
    v["nodes"] = 1.into();
    let e = AnySim::from_json(&v.to_string()).err().expect("refused");
    assert!(e.contains("nodes"), "{e}");
}

/// With partitions on, the sweep finds the split (Atomicity) within a few seeds: 3PC's
/// nonblocking rule is unsafe when silence does not mean a crash.
#[test]
fn sweep_with_partitions_finds_the_split() {
    let opts = SweepOptions::default();
    let found = (1..=50).find_map(|seed| run_scenario(random_scenario("3pc", seed, &opts), false).unwrap().violation);
    let (what, detail, _) = found.expect("a partition splits some transaction in 50 seeds");
    assert_eq!(what, "Atomicity", "{detail}");
}
