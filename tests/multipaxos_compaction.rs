//! Multi-Paxos log compaction ("Paxos Made Live", Chandra, Griesemer & Redstone, PODC 2007,
//! §5.5 Snapshots; "Paxos Made Simple" §3 for the log of instances it compacts): learned slots
//! every learner has applied are folded into a snapshot of the state machine and the acceptors'
//! values for them dropped, so a long run stays bounded; a replica that falls too far behind
//! (crashed or cut off) catches up by installing a snapshot; the checker keeps Agreement per
//! slot across compaction.
// Runs in the builds that carry paxos (`cargo test --no-default-features --features paxos`).
#![cfg(feature = "paxos")]

use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::paxos::{MultiPaxos, COMPACT_BATCH, KEEP_SLOTS, RETAIN_SLOTS, SLOT_TABLE};
use cap_playground::registry::any::AnySim;
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use cap_playground::travel::share::playground_default;
use cap_playground::travel::TimeMachine;
#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::live;

/// The heap measured by the hour test is its own only when no other test runs beside it.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

fn sim(json: &str) -> Sim<MultiPaxos> {
    let s = Scenario::from_json(json).unwrap_or_else(|e| panic!("{e}"));
    let config = serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).unwrap();
    Sim::new(s, config)
}

fn sent(s: &Sim<MultiPaxos>, kind: &str) -> u64 {
    s.counters().sent.get(&kind).copied().unwrap_or(0)
}

/// Run to `until`, keeping every notice (the simulator keeps only a recent window).
fn run(s: &mut Sim<MultiPaxos>, until: u64, seen: &mut Vec<(u32, NoticeKind)>) {
    let mut last = s.notices().back().map_or(0, |n| n.seq);
    while s.next_event_time().is_some_and(|t| t <= until) {
        s.step();
        for n in s.notices().iter().filter(|n| n.seq > last) {
            seen.push((n.node, n.notice.kind));
        }
        last = s.notices().back().map_or(last, |n| n.seq);
    }
    s.run_until(until);
}

fn count(seen: &[(u32, NoticeKind)], node: u32, kind: NoticeKind) -> usize {
    seen.iter().filter(|(n, k)| *n == node && *k == kind).count()
}

fn leader<O: cap_playground::sim::observer::Observer>(s: &Sim<MultiPaxos, O>) -> u32 {
    (0..s.scenario().nodes)
        .find(|i| s.node(*i).is_some_and(|n| n.phase() == cap_playground::protocol::paxos::Phase::Leading))
        .expect("a leader")
}

/// The playground's default Multi-Paxos run for a simulated hour in 10× frames, with time
/// travel's checkpoints, as the browser runs it. Without compaction every slot stayed on every
/// node and in the checker: one copy of the world was 11.8 MB after the hour and checkpoints
/// had thinned to 4,096 s apart (a seek replayed up to an hour).
#[test]
fn an_hour_of_the_default_run_stays_bounded_and_the_slot_table_shows_the_recent_slots() {
    let _serial = serial();
    let before = live();
    let mut sim = AnySim::new(playground_default("multipaxos", 5, 1)).unwrap();
    sim.enable_live_check();
    let mut tm = TimeMachine::new(sim);
    let (mut peak, mut most_kept) = (0, 0);
    while tm.now() < 3_600_000 {
        tm.advance(167);
        tm.check_consistency();
        if tm.now() % 60_000 < 167 {
            peak = peak.max(live().saturating_sub(before));
            let AnySim::MultiPaxos(s) = &*tm else { unreachable!() };
            for n in s.nodes.iter().filter_map(|n| n.node.as_ref()) {
                most_kept = most_kept.max(n.learned().len().max(n.accepted().len()) as u64);
            }
        }
    }
    let base = live();
    let copy = (*tm).clone();
    let one_copy = live() - base;
    drop(copy);
    println!(
        "multipaxos hour: one copy of the world {:.2} MB, {} checkpoints {} s apart, peak live heap {:.1} MB, at most {most_kept} slot values kept per node",
        one_copy as f64 / 1e6,
        tm.checkpoint_count(),
        tm.spacing() / 1000,
        peak as f64 / 1e6
    );
    assert!(tm.violations().is_empty(), "{:?}", tm.violations().first());
    // Every learner keeps up here, so each replica keeps its last KEEP_SLOTS values and at most
    // a batch more before the next fold.
    assert!(most_kept <= KEEP_SLOTS + 2 * COMPACT_BATCH, "{most_kept} slot values on one node");
    assert!(one_copy < 4 << 20, "one copy of the world is {one_copy} bytes after an hour");
    assert!(tm.spacing() <= 512_000, "checkpoints {} ms apart: a seek replays that much", tm.spacing());
    assert!(peak < 32 << 20, "peak live heap {peak} bytes");
    // The element's slot table: the last SLOT_TABLE slots, chosen and with their values.
    let AnySim::MultiPaxos(s) = &*tm else { unreachable!() };
    let l = s.node(leader(s)).unwrap();
    let view = cap_playground::protocol::Protocol::view(l);
    let slots = view.detail.slots;
    assert_eq!(slots.len() as u64, SLOT_TABLE);
    assert!(
        view.snapshot_index + KEEP_SLOTS + 2 * COMPACT_BATCH >= l.applied(),
        "the log was folded up to near its end (at {} of {})",
        view.snapshot_index,
        l.applied()
    );
    assert!(
        slots.iter().filter(|r| r.slot <= l.applied()).all(|r| r.chosen.is_some()),
        "applied recent slots show their values: {slots:?}"
    );
    // Time travel across folds is still exact.
    tm.seek(1_234_567);
    let mut straight = AnySim::new(playground_default("multipaxos", 5, 1)).unwrap();
    straight.run_until(1_234_567);
    assert_eq!(tm.trace_hash(), straight.trace_hash());
}

/// A fast network and six busy clients: hundreds of slots a second.
const BUSY: &str = r#""network":{"latency_ms":[1,4]},
    "clients":[{"node":0},{"node":1},{"node":2},{"node":3},{"node":0},{"node":1}],
    "workload":{"interval_ms":10,"read":1,"write":2,"cas":1,"start_ms":400},"#;

/// Everyone but n4 (and its clients) on one side.
const CUT_N4: &str = r#"{"at":1000,"action":"partition","groups":[[0,1,2,3,"c0","c1","c2","c3","c4","c5"],[4]]}"#;

fn lagging(fault: &str, back_at: u64) -> String {
    format!(
        r#"{{"protocol":"multipaxos","nodes":5,"seed":4,{BUSY}
            "steps":[{fault},
                     {{"at":{back_at},"action":"heal"}},{{"at":{back_at},"action":"restart","node":4}}],
            "until":{until}}}"#,
        until = back_at + 3_000
    )
}

/// "Paxos Made Live" §5.5: "a lagging replica ... catches up by ... obtaining a snapshot from a
/// leading replica". n4 misses far more than RETAIN_SLOTS slots while crashed (its durable
/// snapshot brings it back only to where it was) or while cut off; the others fold them away,
/// so the leader sends it its snapshot — once — and n4 applies everything after it from Chosen.
#[test]
fn a_replica_behind_the_folded_slots_catches_up_from_a_snapshot_once() {
    for fault in [r#"{"at":1000,"action":"crash","node":4}"#, CUT_N4] {
        let mut s = sim(&lagging(fault, 5_000));
        let mut seen = Vec::new();
        run(&mut s, 5_000, &mut seen);
        let l = leader(&s);
        let folded = s.node(l).unwrap().compacted();
        assert!(
            folded > s.node(4).map_or(0, |n| n.applied()) + RETAIN_SLOTS / 2 && folded > RETAIN_SLOTS,
            "{fault}: the others folded past n4 (up to {folded})"
        );
        run(&mut s, 8_000, &mut seen);
        assert!(s.violations().is_empty(), "{fault}: {:?}", s.violations().first());
        assert_eq!(count(&seen, 4, NoticeKind::SnapshotInstalled), 1, "{fault}: n4 installed one snapshot");
        assert!(sent(&s, "Snapshot") <= 2, "{fault}: {} Snapshot messages for one catch-up", sent(&s, "Snapshot"));
        let (a, b) = (s.node(l).unwrap(), s.node(4).unwrap());
        assert!(b.applied() + 50 > a.applied(), "{fault}: n4 at slot {} of {}", b.applied(), a.applied());
        // Same state at the same slot: stop the clients and let n4 finish.
        let mut s2 = s;
        let until = s2.now() + 2_000;
        while s2.now() < until && s2.step() {
            let (a, b) = (s2.node(l).unwrap(), s2.node(4).unwrap());
            if a.applied() == b.applied() {
                assert_eq!(a.replica(), b.replica(), "{fault}: same state machine at slot {}", a.applied());
                break;
            }
        }
    }
}

/// Compaction waits for a learner that lags by less than RETAIN_SLOTS ("every node's applied
/// index"): after a short outage n4 catches up slot by slot from Chosen values, no snapshot.
#[test]
fn a_replica_that_lags_a_little_catches_up_from_chosen_values_not_a_snapshot() {
    let mut s = sim(&lagging(r#"{"at":1000,"action":"crash","node":4}"#, 1_300));
    let mut seen = Vec::new();
    run(&mut s, 4_300, &mut seen);
    assert!(s.violations().is_empty(), "{:?}", s.violations().first());
    assert!(s.node(leader(&s)).unwrap().compacted() > 0, "the log was folded meanwhile");
    assert_eq!(sent(&s, "Snapshot"), 0);
    assert_eq!(count(&seen, 4, NoticeKind::SnapshotInstalled), 0);
    let (a, b) = (s.node(leader(&s)).unwrap(), s.node(4).unwrap());
    assert!(b.applied() + 50 > a.applied(), "n4 at slot {} of {}", b.applied(), a.applied());
}

/// A proposer that was cut off while the others folded the log becomes the only proposer left.
/// Phase 1 ("Paxos Made Simple" §3: the new leader learns the outcome of every instance it
/// does not know) cannot report folded slots value by value; the Promises say up to where they
/// are folded and bring a learner's snapshot, which the new leader installs before it proposes
/// above it. With acceptors that are not learners the Promises carry no snapshot: the proposer
/// steps back, asks the learners, and leads once it has caught up.
#[test]
fn a_lagging_proposer_installs_a_snapshot_before_it_leads() {
    // In the second run the acceptors n1 and n2 are not learners, and the Promise of n3 (the one
    // learner among the acceptors) is lost: the quorum n1, n2 has no snapshot to give.
    for (roles, lose, path) in [
        (r#"{"proposers":[0,4]}"#, "", "from a Promise"),
        (
            r#"{"proposers":[0,4],"acceptors":[1,2,3],"learners":[0,3,4]}"#,
            r#",{"at":5000,"action":"drop_next","from":3,"to":4}"#,
            "after stepping back",
        ),
    ] {
        let json = format!(
            r#"{{"protocol":"multipaxos","nodes":5,"seed":6,"config":{{"roles":{roles}}},{BUSY}
                "steps":[{CUT_N4},{{"at":5000,"action":"heal"}},{{"at":5000,"action":"crash","node":0}}{lose}],
                "until":9000}}"#
        );
        let mut s = sim(&json);
        let mut seen = Vec::new();
        run(&mut s, 5_000, &mut seen);
        assert!(
            s.node(3).unwrap().compacted() > s.node(4).unwrap().applied() + RETAIN_SLOTS / 2,
            "{path}: folded past n4"
        );
        run(&mut s, 9_000, &mut seen);
        assert!(s.violations().is_empty(), "{path}: {:?}", s.violations().first());
        assert_eq!(leader(&s), 4, "{path}: n4 leads");
        assert!(count(&seen, 4, NoticeKind::SnapshotInstalled) >= 1, "{path}: n4 installed a snapshot");
        let behind = count(&seen, 4, NoticeKind::Behind) > 0;
        assert_eq!(behind, path == "after stepping back", "{path}");
        // It serves: the clients' operations after the failover complete.
        let done_after = s
            .history()
            .iter()
            .filter(|o| o.invoke > 5_500 && o.outcome == Some(cap_playground::core::history::Outcome::Ok))
            .count();
        assert!(done_after > 20, "{path}: {done_after} operations completed after the failover");
    }
}
