//! Issue 18, part B: share links never lie. Random action sequences (seeded, deterministic: the
//! project's PCG) with advances, single steps, seeks back and forth, seekPosition with real and
//! made-up event counts, forks (acting in the past), and partitions up to and past the largest a
//! link carries. Every link written along the way must open and replay to the recorded end's
//! trace hash, and land on the very state the reader was at. Everything the API accepted could
//! be encoded (the same `share::link_action` decides both).
//! Runs in the builds that carry Raft; the sweep over every protocol runs in the full build.
#![cfg(feature = "raft")]
#![cfg_attr(not(all(feature = "paxos", feature = "zab", feature = "twopc", feature = "dynamo")), allow(dead_code))]

use cap_playground::registry::any::AnySim;
use cap_playground::sim::scenario::{Action, Member};
use cap_playground::travel::share::{self, playground_default};
use cap_playground::travel::{Position, SeekTarget, TimeMachine};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

fn random_action(rng: &mut Pcg64Mcg, nodes: u32, clients: u32) -> Action {
    let member = |rng: &mut Pcg64Mcg| {
        if rng.random_range(0..4) == 0 {
            Member::Client(rng.random_range(0..clients))
        } else {
            Member::Node(rng.random_range(0..nodes))
        }
    };
    match rng.random_range(0..10) {
        0 | 1 => {
            // Members spread over up to 40 groups, most of them empty: 33..=40 must be refused.
            let n = match rng.random_range(0..3) {
                0 => 2,
                1 => 32,
                _ => rng.random_range(1..=40),
            };
            let mut groups: Vec<Vec<Member>> = vec![Vec::new(); n];
            for i in 0..nodes {
                groups[rng.random_range(0..n)].push(Member::Node(i));
            }
            for c in 0..clients {
                groups[rng.random_range(0..n)].push(Member::Client(c));
            }
            Action::Partition { groups }
        }
        2 => Action::Heal,
        3 => Action::Crash { node: rng.random_range(0..nodes) },
        4 => Action::Restart { node: rng.random_range(0..nodes) },
        5 => Action::Timeout { node: rng.random_range(0..nodes) },
        6 => Action::Cut { from: member(rng), to: member(rng) },
        7 => Action::DropNext { from: member(rng), to: member(rng) },
        8 => Action::DuplicateNext { from: member(rng), to: member(rng) },
        _ => {
            let op =
                format!(r#"{{"f":"write","key":"k{}","value":{}}}"#, rng.random_range(0..3), rng.random_range(0..100));
            serde_json::from_str(&format!(
                r#"{{"action":"client","client":{},"op":{op}}}"#,
                rng.random_range(0..clients)
            ))
            .unwrap()
        }
    }
}

/// Open `link` and check it replays to `end_hash` and lands on `moment_hash`.
fn check_link(link: &str, end_hash: u64, moment: Position, moment_hash: u64, what: &str) {
    let mut opened =
        TimeMachine::from_share(link, None, false).unwrap_or_else(|e| panic!("{what}: refused: {e}\n{link}"));
    // Sliced, as the page does: a small budget, many slices.
    let mut slices = 0;
    while !opened.seek_slice(SeekTarget::Point(opened.end()), 500) {
        slices += 1;
        assert!(slices < 100_000, "{what}: the replay does not finish");
    }
    assert_eq!(opened.warning(), None, "{what}: {link}");
    assert_eq!(opened.trace_hash(), end_hash, "{what}: end hash differs\n{link}");
    let landing = opened.landing().unwrap();
    assert_eq!(landing, moment, "{what}");
    opened.seek_point(landing).unwrap_or_else(|e| panic!("{what}: landing refused: {e}"));
    assert_eq!(opened.trace_hash(), moment_hash, "{what}: moment hash differs\n{link}");
}

fn session(protocol: &str, seed: u64, links: &mut usize, refused_partitions: &mut usize) {
    let mut rng = Pcg64Mcg::seed_from_u64(seed);
    let nodes = 5;
    let mut tm = TimeMachine::new(AnySim::new(playground_default(protocol, nodes, seed)).unwrap());
    let clients = tm.scenario().clients.len() as u32;
    for i in 0..24 {
        let what = format!("{protocol} seed {seed} op {i}");
        match rng.random_range(0..9) {
            0 | 1 => tm.advance(rng.random_range(1..1_500)),
            2 => {
                for _ in 0..rng.random_range(1..4) {
                    tm.step();
                }
            }
            3 => {
                let t = rng.random_range(0..=tm.end().at + 500);
                tm.seek(t);
            }
            4 => {
                // seekPosition: a real point (the end or a moment seen), or a made-up count.
                let end = tm.end();
                let at = rng.random_range(0..=end.at);
                let events = rng.random_range(0..=end.events + 3);
                let before = tm.position();
                let before_hash = tm.trace_hash();
                match tm.seek_point(Position { at, events }) {
                    Ok(()) => assert_eq!(tm.position(), Position { at, events }, "{what}"),
                    Err(e) => {
                        assert!(e.contains("not a point") || e.contains("after the end"), "{what}: {e}");
                        assert_eq!(tm.position(), before, "{what}: a refused seek stays put");
                        assert_eq!(tm.trace_hash(), before_hash, "{what}");
                    }
                }
            }
            _ => {
                let a = random_action(&mut rng, nodes, clients);
                let groups = match &a {
                    Action::Partition { groups } => groups.len(),
                    _ => 0,
                };
                match tm.apply(a) {
                    Ok(()) => assert!(groups <= 32, "{what}: {groups} groups accepted"),
                    Err(e) if groups > 32 => {
                        *refused_partitions += 1;
                        assert!(e.contains("32"), "{what}: {e}");
                    }
                    // Refused by the world (a restart of a live node is fine; a bad member is not
                    // generated): refusals must leave the run untouched, which the links check.
                    Err(_) => {}
                }
            }
        }
        if rng.random_range(0..3) == 0 || i == 23 {
            let link = tm.share(None);
            let moment = tm.position();
            let moment_hash = tm.trace_hash();
            let here = tm.position();
            tm.seek_end();
            let end_hash = tm.trace_hash();
            tm.seek_point(here).unwrap();
            assert_eq!(tm.trace_hash(), moment_hash, "{what}");
            check_link(&link, end_hash, moment, moment_hash, &what);
            *links += 1;
        }
    }
}

#[test]
#[cfg(all(feature = "paxos", feature = "zab", feature = "twopc", feature = "dynamo"))]
fn every_link_written_replays_to_the_same_trace_hash() {
    let (mut links, mut refused) = (0, 0);
    for (k, protocol) in ["raft", "multipaxos", "zab", "2pc", "dynamo"].iter().enumerate() {
        for s in 0..6u64 {
            session(protocol, 1_000 * k as u64 + s, &mut links, &mut refused);
        }
    }
    assert!(links >= 150, "{links} links checked");
    assert!(refused > 0, "no partition past 32 groups was tried");
}

#[test]
fn the_largest_partition_accepted_is_the_largest_a_link_carries() {
    let mut tm = TimeMachine::new(AnySim::new(playground_default("raft", 3, 1)).unwrap());
    tm.advance(500);
    let mut groups = vec![Vec::new(); 40];
    groups[0] = vec![Member::Node(0)];
    let e = tm.apply(Action::Partition { groups: groups.clone() }).unwrap_err();
    assert!(e.contains("at most 32"), "{e}");
    assert_eq!(tm.actions().len(), 0, "refused: not recorded");
    groups.truncate(32);
    tm.apply(Action::Partition { groups }).unwrap();
    let link = tm.share(None);
    assert!(share::decode(&link).is_ok());
}

#[test]
fn seek_position_refuses_a_count_the_run_never_had() {
    let mut tm = TimeMachine::new(AnySim::new(playground_default("raft", 5, 3)).unwrap());
    tm.advance(5_000);
    let end = tm.end();
    assert!(end.events > 10);
    tm.seek(2_000);
    let here = tm.position();
    let e = tm.seek_point(Position { at: 4_000, events: 0 }).unwrap_err();
    assert!(e.contains("not a point of this run at 4000 ms"), "{e}");
    assert_eq!(tm.position(), here);
    let e = tm.seek_point(Position { at: 4_000, events: end.events }).unwrap_err();
    assert!(e.contains("not a point"), "{e}");
    let e = tm.seek_point(Position { at: end.at + 1, events: end.events }).unwrap_err();
    assert!(e.contains("after the end"), "{e}");
    tm.seek_point(end).unwrap();
    assert_eq!(tm.position(), end);
}
