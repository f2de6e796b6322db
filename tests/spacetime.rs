//! The space-time record (src/sim/journal.rs, src/spacetime/): every message of the run as an
//! arrow, with marks and client operations, kept in a bounded window; the same window whichever
//! way time travel reaches it; cut back when the run forks; and exported as a ShiViz log whose
//! vector clocks are exactly the run's happened-before order (Lamport, "Time, Clocks, and the
//! Ordering of Events in a Distributed System", CACM 1978; Fidge / Mattern vector clocks).
// Runs in the builds that carry raft (`cargo test --no-default-features --features raft`).
#![cfg(feature = "raft")]

use cap_playground::registry::any::AnySim;
use cap_playground::sim::journal::MarkKind;
use cap_playground::sim::scenario::{Action, Member};
use cap_playground::spacetime::shiviz::{to_shiviz, REGEX};
use cap_playground::spacetime::{Fate, Limits, Msg, Record};
use cap_playground::travel::TimeMachine;
use std::collections::BTreeMap;

fn scenario(name: &str) -> String {
    std::fs::read_to_string(format!("{}/www/scenarios/{name}.json", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn machine(name: &str, edit: impl FnOnce(&mut serde_json::Value)) -> TimeMachine {
    let mut v: serde_json::Value = serde_json::from_str(&scenario(name)).unwrap();
    edit(&mut v);
    TimeMachine::new(AnySim::from_json(&v.to_string()).unwrap())
}

type Key = (u64, Option<u64>, Member, Member, &'static str, bool, bool, String, u64, u64, Fate, u64);

/// Everything a message shows (the record's bookkeeping left out).
fn key(m: &Msg) -> Key {
    (m.id, m.dup_of, m.from, m.to, m.kind, m.is_reply, m.heartbeat, m.detail.to_string(), m.sent, m.due, m.fate, m.end)
}

/// The messages sent in `[a, b]`, with marks and operations invoked there.
fn window(r: &Record, a: u64, b: u64) -> (Vec<Key>, Vec<(u64, Option<Member>, MarkKind, String)>, Vec<String>) {
    let msgs = r.messages().filter(|m| m.sent >= a && m.sent <= b).map(key).collect();
    let marks =
        r.marks().filter(|k| k.at >= a && k.at <= b).map(|k| (k.at, k.member, k.kind, k.text.clone())).collect();
    let ops = r
        .ops()
        .filter(|o| o.op.invoke >= a && o.op.invoke <= b)
        .map(|o| serde_json::to_string(&o.op).unwrap())
        .collect();
    (msgs, marks, ops)
}

fn small() -> Limits {
    Limits { span: 6_000, ..Limits::default() }
}

#[test]
fn the_record_holds_every_message_of_a_short_run_with_its_fate() {
    let mut tm = machine("raft-minority-partition", |_| {});
    tm.set_spacetime(true, Limits::default());
    tm.advance(9_000);
    let c = tm.frame().counters;
    let sent: u64 = c.sent.values().sum::<u64>() + c.duplicated;
    let (lost, delivered) = (c.lost, c.delivered);
    let (r, _) = tm.spacetime().unwrap();
    assert!(!r.trimmed(), "nine seconds fit the default limits");
    assert_eq!(r.messages().count() as u64, sent, "one arrow per message sent");
    assert_eq!(r.messages().filter(|m| m.fate == Fate::Delivered).count() as u64, delivered);
    // Lost ones: decided at the send (none here: no random drop) or later (the partition at 2 s
    // cuts what is in flight across it; a partitioned sender's messages are lost as sent).
    let lost_arrows = r.messages().filter(|m| m.fate == Fate::Lost).count() as u64;
    assert_eq!(lost_arrows, lost, "every loss the counters saw is an arrow ending in ✕");
    for m in r.messages() {
        assert!(m.sent <= m.end, "message {} ends before it starts", m.id);
        if m.fate == Fate::Delivered {
            assert_eq!(m.end, m.due, "message {} delivered when due", m.id);
        }
    }
    // Marks: a leader, the partition at 2 s and the heal at 7 s, commits.
    let kinds: Vec<MarkKind> = r.marks().map(|k| k.kind).collect();
    assert!(kinds.contains(&MarkKind::Leader));
    assert!(kinds.contains(&MarkKind::Commit));
    let net: Vec<(u64, MarkKind)> = r.marks().filter(|k| k.member.is_none()).map(|k| (k.at, k.kind)).collect();
    assert_eq!(net, vec![(2_000, MarkKind::Partition), (7_000, MarkKind::Heal)]);
    // Client operations with their outcomes, as in the history.
    let hist: Vec<String> = tm.history().iter().map(|o| serde_json::to_string(o).unwrap()).collect();
    let (r, _) = tm.spacetime().unwrap();
    let ops: Vec<String> = r.ops().map(|o| serde_json::to_string(&o.op).unwrap()).collect();
    assert_eq!(ops, hist);
    // Heartbeats: Raft's empty AppendEntries and the replies to them.
    assert!(r.messages().any(|m| m.heartbeat && m.kind == "AppendEntries"));
    assert!(r.messages().any(|m| m.heartbeat && m.kind == "AppendEntriesResponse"));
    assert!(r.messages().any(|m| !m.heartbeat && m.kind == "AppendEntriesResponse"), "replies to real appends stay");
}

#[test]
fn the_journal_never_changes_the_run() {
    let mut plain = machine("raft-minority-partition", |_| {});
    let mut watched = machine("raft-minority-partition", |_| {});
    watched.set_spacetime(true, small());
    for t in [1_000, 2_500, 4_000, 9_000] {
        plain.run_until(t);
        watched.run_until(t);
        let _ = watched.spacetime();
        assert_eq!(plain.trace_hash(), watched.trace_hash(), "at {t} ms (seed 3, raft-minority-partition)");
    }
}

#[test]
fn memory_is_bounded_by_count_and_time() {
    let mut tm = machine("bench-raft", |_| {});
    let limits = Limits { messages: 3_000, span: 20_000, marks: 200, ops: 300 };
    tm.set_spacetime(true, limits);
    for _ in 0..24 {
        tm.advance(5_000);
        let now = tm.now();
        let (r, _) = tm.spacetime().unwrap();
        assert!(r.messages().count() <= limits.messages);
        assert!(r.marks().count() <= limits.marks);
        assert!(r.ops().count() <= limits.ops);
        let oldest = r.messages().next().unwrap().sent;
        assert!(now - oldest <= limits.span, "at {now} ms the oldest message was sent at {oldest}");
        assert_eq!(r.to(), now);
    }
}

#[test]
fn seeking_back_before_the_window_rebuilds_the_same_record() {
    // The reference: a straight run to 30 s, its record read at 12 s and at the end.
    let mut straight = machine("raft-minority-partition", |v| v["until"] = 30_000.into());
    straight.set_spacetime(true, small());
    straight.run_until(12_000);
    let at12 = {
        let (r, _) = straight.spacetime().unwrap();
        window(r, 7_000, 12_000)
    };
    straight.run_until(30_000);
    let (end_window, epoch_end) = {
        let (r, e) = straight.spacetime().unwrap();
        (window(r, 25_000, 29_000), e)
    };
    assert!(!at12.0.is_empty() && !end_window.0.is_empty());

    // Seek back to 12 s, long before the record's 6-second window: it is rebuilt around 12 s
    // (three seconds either side), and what it shows before 12 s is what the first pass showed.
    straight.seek(12_000);
    let (r, epoch) = straight.spacetime().unwrap();
    assert!(epoch > epoch_end, "a rebuilt record has a new epoch");
    assert!(r.from() <= 9_000 && r.to() >= 15_000, "centred on the moment: {}..{}", r.from(), r.to());
    let back = window(r, 9_000, 12_000);
    let first: Vec<Key> = at12.0.iter().filter(|k| k.8 >= 9_000 && k.10 != Fate::InFlight).cloned().collect();
    let again: Vec<Key> = back.0.iter().filter(|k| first.iter().any(|f| f.0 == k.0)).cloned().collect();
    assert_eq!(again, first, "messages sent in 9–12 s, as first recorded");
    // Dragging the cursor inside the window keeps the record as it is (no rebuild).
    straight.seek(10_500);
    let (_, e2) = straight.spacetime().unwrap();
    assert_eq!(e2, epoch);
    // And back to the end: the last window is what the straight run recorded.
    straight.seek_end();
    let (r, _) = straight.spacetime().unwrap();
    assert_eq!(window(r, 25_000, 29_000), end_window);
}

#[test]
fn acting_in_the_past_cuts_the_record_back_and_the_new_future_is_recorded() {
    let mut tm = machine("raft-minority-partition", |_| {});
    tm.set_spacetime(true, Limits::default());
    tm.run_until(6_000);
    tm.seek(3_000);
    let _ = tm.spacetime();
    tm.apply(Action::Crash { node: 2 }).unwrap();
    {
        let (r, _) = tm.spacetime().unwrap();
        assert!(r.messages().all(|m| m.sent <= 3_000), "nothing after the fork");
        assert!(r.messages().filter(|m| m.due > 3_000).all(|m| m.fate != Fate::Delivered || m.end <= 3_000));
        assert!(r.marks().any(|k| k.kind == MarkKind::Crash && k.at == 3_000));
    }
    tm.run_until(6_000);
    // The same run made straight: crash n2 at 3 s.
    let mut fresh = machine("raft-minority-partition", |_| {});
    fresh.set_spacetime(true, Limits::default());
    fresh.run_until(3_000);
    fresh.apply(Action::Crash { node: 2 }).unwrap();
    fresh.run_until(6_000);
    assert_eq!(tm.trace_hash(), fresh.trace_hash());
    let (a, _) = tm.spacetime().unwrap();
    let a = window(a, 0, 6_000);
    let (b, _) = fresh.spacetime().unwrap();
    assert_eq!(a, window(b, 0, 6_000));
}

#[test]
fn duplicates_are_their_own_arrows_naming_the_original() {
    let mut tm =
        machine("raft-basic", |v| v["network"] = serde_json::json!({"latency_ms": [10, 30], "duplicate": 0.2}));
    tm.set_spacetime(true, Limits::default());
    tm.run_until(3_000);
    let dups = tm.frame().counters.duplicated;
    let (r, _) = tm.spacetime().unwrap();
    let copies: Vec<&Msg> = r.messages().filter(|m| m.dup_of.is_some()).collect();
    assert_eq!(copies.len() as u64, dups);
    assert!(dups > 0);
    for c in copies {
        let o = r.messages().find(|m| Some(m.id) == c.dup_of).expect("the original is kept");
        assert_eq!((o.from, o.to, o.kind, o.sent, &o.detail), (c.from, c.to, c.kind, c.sent, &c.detail));
    }
}

// ---- ShiViz ---------------------------------------------------------------------------------

/// A parsed ShiViz event: host, clock, text.
type Parsed = (String, BTreeMap<String, u64>, String);

/// Read the log back as ShiViz does with [`REGEX`]: `TIME ms EVENT` then `HOST {CLOCK}`.
fn parse_shiviz(text: &str) -> Vec<Parsed> {
    let mut lines = text.lines();
    assert_eq!(lines.next(), Some(REGEX), "line 1: the parsing expression");
    assert_eq!(lines.next(), Some(""), "line 2: no multiple-executions delimiter");
    let rest: Vec<&str> = lines.collect();
    assert!(rest.len() % 2 == 0, "events come in line pairs");
    rest.chunks(2)
        .map(|p| {
            let (t, ev) = p[0].split_once(" ms ").expect("TIME ms EVENT");
            assert!(t.chars().all(|c| c.is_ascii_digit()), "time: {t}");
            let (host, clock) = p[1].split_once(' ').expect("HOST {CLOCK}");
            let clock: BTreeMap<String, u64> = serde_json::from_str(clock).expect("clock is JSON");
            (host.to_string(), clock, ev.to_string())
        })
        .collect()
}

fn le(a: &BTreeMap<String, u64>, b: &BTreeMap<String, u64>) -> bool {
    a.iter().all(|(h, v)| b.get(h).copied().unwrap_or(0) >= *v)
}

#[test]
fn the_shiviz_log_parses_back_and_its_clocks_are_the_happened_before_order() {
    // A run with a partition, a crash and duplicated and dropped messages.
    let mut tm = machine("raft-minority-partition", |v| {
        v["network"] = serde_json::json!({"latency_ms": [10, 30], "drop": 0.05, "duplicate": 0.05});
        v["steps"].as_array_mut().unwrap().push(serde_json::json!({"at": 3000, "action": "crash", "node": 3}));
        v["steps"].as_array_mut().unwrap().push(serde_json::json!({"at": 4500, "action": "restart", "node": 3}));
    });
    tm.set_spacetime(true, Limits::default());
    tm.run_until(5_000);
    let (r, _) = tm.spacetime().unwrap();
    let log = to_shiviz(r);
    let events = parse_shiviz(&log);
    assert!(events.len() > 500, "{} events", events.len());

    // Happened-before from the record itself: program order per process (the log lists each
    // process's events in order) and send → receive, closed transitively.
    let n = events.len();
    let mut local: BTreeMap<&str, Vec<usize>> = BTreeMap::new();
    for (i, (h, c, _)) in events.iter().enumerate() {
        let list = local.entry(h.as_str()).or_default();
        assert_eq!(c.get(h).copied(), Some(list.len() as u64 + 1), "event {i}: its own entry counts its events");
        list.push(i);
    }
    let mut succ: Vec<Vec<usize>> = vec![Vec::new(); n];
    for list in local.values() {
        for w in list.windows(2) {
            succ[w[0]].push(w[1]);
        }
    }
    // Match receives to sends by message id from the event text.
    let id_of = |text: &str, verb: &str| -> Option<u64> {
        let rest = text.split_once(verb)?.1;
        let hash = rest.split_once('#')?.1;
        hash.split(|c: char| !c.is_ascii_digit()).next()?.parse().ok()
    };
    let mut send_of: BTreeMap<u64, usize> = BTreeMap::new();
    for (i, (_, _, t)) in events.iter().enumerate() {
        if let Some(id) = id_of(t, " sends ") {
            send_of.insert(id, i);
        }
    }
    let mut matched = 0;
    for (i, (_, _, t)) in events.iter().enumerate() {
        if let Some(mut id) = id_of(t, " receives ") {
            if let Some(orig) = t.split_once("a duplicate of #").and_then(|(_, x)| x.trim_end_matches(')').parse().ok())
            {
                id = orig;
            }
            if let Some(&s) = send_of.get(&id) {
                assert!(s < i, "a receive after its send");
                succ[s].push(i);
                matched += 1;
            }
        }
    }
    assert!(matched > 200);
    // Reachability, in reverse order of the log (every edge goes forward).
    let words = n.div_ceil(64);
    let mut reach = vec![vec![0u64; words]; n];
    for i in (0..n).rev() {
        let mut row = vec![0u64; words];
        for &j in &succ[i] {
            row[j / 64] |= 1 << (j % 64);
            for (w, x) in row.iter_mut().zip(&reach[j]) {
                *w |= x;
            }
        }
        reach[i] = row;
    }
    let hb = |a: usize, b: usize| reach[a][b / 64] >> (b % 64) & 1 == 1;
    let mut concurrent = 0u64;
    for a in 0..n {
        for b in 0..n {
            if a == b {
                continue;
            }
            let (ca, cb) = (&events[a].1, &events[b].1);
            let less = le(ca, cb) && ca != cb;
            assert_eq!(less, hb(a, b), "events {a} and {b}: clock order {} but happened-before {}", less, hb(a, b));
            if !hb(a, b) && !hb(b, a) {
                assert!(!le(ca, cb) && !le(cb, ca), "concurrent events {a}, {b} have comparable clocks");
                concurrent += 1;
            }
        }
    }
    assert!(concurrent > 0);
}

#[test]
fn the_record_read_back_from_its_json_exports_the_same() {
    // The page's exports run in the tools bundle from the record's JSON: they must be what the
    // record itself exports (cap run writes them from the record directly).
    let mut tm = machine("raft-minority-partition", |v| {
        v["network"] = serde_json::json!({"latency_ms": [10, 30], "drop": 0.05, "duplicate": 0.05});
        v["steps"].as_array_mut().unwrap().push(serde_json::json!({"at": 3000, "action": "crash", "node": 3}));
    });
    tm.set_spacetime(true, Limits::default());
    tm.run_until(4_000);
    let (r, _) = tm.spacetime().unwrap();
    let json = serde_json::to_string(&r.to_json(0, u64::MAX, None)).unwrap();
    let parsed: serde_json::Value = serde_json::from_str(&json).expect("valid JSON");
    assert_eq!(parsed["msgs"].as_array().unwrap().len(), r.messages().count());
    let back = Record::from_json(&json).unwrap();
    assert_eq!(to_shiviz(&back), to_shiviz(r));
    let opt = cap_playground::spacetime::svg::SvgOptions { nodes: Some(5), clients: Some(2), ..Default::default() };
    assert_eq!(cap_playground::spacetime::svg::to_svg(&back, &opt), cap_playground::spacetime::svg::to_svg(r, &opt));
    assert!(Record::from_json("{\"msgs\": 3}").unwrap_err().contains("not a space-time record"));
}
