//! Time travel and share links (src/travel/mod.rs, src/travel/share.rs): seeking anywhere gives
//! exactly the state of a straight run to that moment, for every protocol; acting in the past
//! forks and drops the recorded future; checkpoints stay bounded over an hour; share links
//! round-trip and bad ones are refused with a readable message.
// Runs in the builds that carry raft (`cargo test --no-default-features --features raft`).
#![cfg(feature = "raft")]

use cap_playground::registry::any::AnySim;
use cap_playground::registry::PROTOCOLS;
use cap_playground::sim::scenario::{Action, Scenario};
use cap_playground::travel::share::{self, playground_default};
use cap_playground::travel::{SeekTarget, TimeMachine, CHECKPOINT_BYTES, MAX_CHECKPOINTS};
#[path = "common/counting_alloc.rs"]
mod counting_alloc;
use counting_alloc::live;

/// The tests of this file run one at a time, so the heap measured is the hour-long run's alone.
fn serial() -> std::sync::MutexGuard<'static, ()> {
    static LOCK: std::sync::Mutex<()> = std::sync::Mutex::new(());
    LOCK.lock().unwrap_or_else(|e| e.into_inner())
}

/// What a reader does, in order.
#[derive(Clone, Debug)]
enum Do {
    Advance(u64),
    Until(u64),
    Step,
    Act(Action),
}

fn act(json: &str) -> Do {
    Do::Act(serde_json::from_str(json).unwrap_or_else(|e| panic!("{json}: {e}")))
}

/// A session with every kind of action, including a `configure` that Raft refuses (refused
/// actions still leave their trace and must replay too) and single steps mid-millisecond.
fn session(protocol: &str) -> Vec<Do> {
    let configure = match protocol {
        "dynamo" => r#"{"action":"configure","config":{"n":3,"r":2,"w":2}}"#,
        "paxos" | "multipaxos" => r#"{"action":"configure","config":{"random_backoff":false}}"#,
        "zab" => r#"{"action":"configure","config":{"sync_reads":true}}"#,
        _ => r#"{"action":"configure","config":{"heartbeat_ms":40}}"#,
    };
    vec![
        Do::Advance(1_200),
        act(r#"{"action":"partition","groups":[["n0","n1","c0"],["n2","n3","n4","c1"]]}"#),
        Do::Advance(700),
        act(r#"{"action":"client","client":0,"op":{"f":"write","key":"x","value":7}}"#),
        Do::Step,
        Do::Step,
        act(r#"{"action":"client","client":1,"op":{"f":"cas","key":"x","from":7,"to":8}}"#),
        Do::Advance(1_500),
        act(r#"{"action":"crash","node":3}"#),
        Do::Advance(900),
        act(configure),
        act(r#"{"action":"timeout","node":2}"#),
        Do::Advance(1_100),
        act(r#"{"action":"heal"}"#),
        act(r#"{"action":"drop_next","from":"n2","to":"n0"}"#),
        Do::Advance(600),
        act(r#"{"action":"restart","node":3}"#),
        act(r#"{"action":"move_client","client":1,"node":0}"#),
        Do::Advance(2_345),
        Do::Step,
    ]
}

fn new_sim(protocol: &str) -> AnySim {
    AnySim::new(playground_default(protocol, 5, 11)).unwrap()
}

/// A plain simulator running `script` but stopping at time `t`: the straight run to `t`.
fn straight(protocol: &str, script: &[Do], t: u64) -> AnySim {
    let mut s = new_sim(protocol);
    for d in script {
        match d {
            Do::Advance(ms) => {
                if s.now() + ms > t {
                    break;
                }
                s.advance(*ms)
            }
            Do::Until(u) => {
                if *u > t {
                    break;
                }
                s.run_until(*u)
            }
            Do::Step => {
                if s.next_event_time().is_none_or(|n| n > t) {
                    break;
                }
                s.step();
            }
            Do::Act(a) => {
                let _ = s.apply(a.clone());
            }
        }
    }
    s.run_until(t);
    s
}

fn play(tm: &mut TimeMachine, script: &[Do]) {
    for d in script {
        match d {
            Do::Advance(ms) => tm.advance(*ms),
            Do::Until(t) => tm.run_until(*t),
            Do::Step => {
                tm.step();
            }
            Do::Act(a) => {
                let _ = tm.apply(a.clone());
            }
        }
    }
}

fn frame_json(s: &AnySim) -> String {
    serde_json::to_string(&s.frame()).unwrap()
}

#[test]
fn seeking_back_and_forth_equals_a_straight_run_for_every_protocol() {
    let _serial = serial();
    for &protocol in PROTOCOLS {
        let script = session(protocol);
        let mut tm = TimeMachine::new(new_sim(protocol));
        play(&mut tm, &script);
        let end = tm.end();
        let end_hash = tm.trace_hash();
        let end_frame = frame_json(&tm);
        assert!(!tm.in_past(), "{protocol}: live at the end");
        assert_eq!(tm.actions().len(), 10, "{protocol}: every action recorded");
        // Back, forward, back again, and across actions, checkpoints and the single steps.
        for t in [4_000, 250, 8_000, 1_200, 1_900, 1_900, 6_345, 0, 3_401, 8_345, 5_000, 2_001] {
            let got = tm.seek(t);
            assert_eq!(got, t, "{protocol}: seek({t}) lands at {t}");
            let want = straight(protocol, &script, t);
            assert_eq!(
                tm.trace_hash(),
                want.trace_hash(),
                "{protocol}: seek({t}) differs from the straight run (seed 11)"
            );
            assert_eq!(frame_json(&tm), frame_json(&want), "{protocol}: frame at {t}");
            assert!(tm.in_past() || t >= end.at, "{protocol}: at {t} the run is in the past");
        }
        // The end is a point mid-millisecond (the session ends with a single step): exactly there.
        tm.seek_end();
        assert_eq!(tm.position(), end);
        assert_eq!(tm.trace_hash(), end_hash, "{protocol}: back at the end");
        assert_eq!(frame_json(&tm), end_frame, "{protocol}: frame at the end");
        assert!(!tm.in_past());
    }
}

#[test]
fn playing_on_from_the_past_replays_the_recorded_actions() {
    let _serial = serial();
    let protocol = "raft";
    let script = session(protocol);
    let mut tm = TimeMachine::new(new_sim(protocol));
    play(&mut tm, &script);
    let end = tm.end();
    tm.seek(1_000);
    assert_eq!(tm.applied(), 0);
    // Play forward in frame-sized slices, as the element does: the actions come back on time.
    while tm.now() + 16 < end.at {
        tm.advance(16);
    }
    assert_eq!(tm.applied(), tm.actions().len(), "every recorded action replayed");
    let t = tm.now();
    assert_eq!(tm.trace_hash(), straight(protocol, &script, t).trace_hash(), "at {t}");
    assert_eq!(tm.actions().len(), 10, "playing does not fork");
}

#[test]
fn acting_in_the_past_forks_and_drops_the_future() {
    let _serial = serial();
    let protocol = "raft";
    let script = session(protocol);
    let mut tm = TimeMachine::new(new_sim(protocol));
    play(&mut tm, &script);
    let marks_before = tm.marks();
    assert!(marks_before.iter().any(|m| m.at > 5_000), "marks after 5 s exist before the fork");
    tm.seek(3_000);
    assert!(tm.in_past());
    let kept = tm.actions().iter().filter(|a| a.at <= 3_000).count();
    assert_eq!(kept, 3, "the partition and two client operations came before 3 s");
    // Act in the past: crash n1 at 3 s.
    tm.apply(Action::Crash { node: 1 }).unwrap();
    assert!(!tm.in_past(), "after a fork the present is the end");
    assert_eq!(tm.actions().len(), kept + 1, "the old future's actions are gone");
    assert_eq!(tm.end().at, 3_000);
    assert!(tm.marks().iter().all(|m| m.at <= 3_000), "marks of the old future are gone");
    assert!(tm.checkpoint_times().iter().all(|&t| t <= 3_000), "checkpoints of the old future are gone");
    // The new timeline is the old one up to 3 s, then the crash; it runs and seeks like any other.
    let mut forked: Vec<Do> = script.iter().take_while(|d| !matches!(d, Do::Advance(1_500))).cloned().collect();
    forked.push(Do::Until(3_000));
    forked.push(Do::Act(Action::Crash { node: 1 }));
    forked.push(Do::Advance(4_000));
    tm.advance(4_000);
    let fork_end = tm.trace_hash();
    assert_eq!(fork_end, straight(protocol, &forked, 7_000).trace_hash(), "the forked run at 7 s");
    tm.seek(2_500);
    assert_eq!(tm.trace_hash(), straight(protocol, &forked, 2_500).trace_hash(), "before the fork");
    tm.seek(5_000);
    assert_eq!(tm.trace_hash(), straight(protocol, &forked, 5_000).trace_hash(), "after the fork");
    let old = straight(protocol, &script, 5_000);
    assert_ne!(tm.trace_hash(), old.trace_hash(), "the old future is not what replays");
}

#[test]
fn marks_show_leaders_partitions_crashes_commits_and_the_readers_actions() {
    let _serial = serial();
    let mut tm = TimeMachine::new(new_sim("raft"));
    play(&mut tm, &session("raft"));
    let marks = tm.marks();
    let kinds: Vec<&str> = marks.iter().map(|m| m.kind).collect();
    for k in ["leader", "partition", "heal", "crash", "restart", "commit", "action"] {
        assert!(kinds.contains(&k), "a '{k}' mark: {kinds:?}");
    }
    let p = marks.iter().find(|m| m.kind == "partition").unwrap();
    assert_eq!(p.at, 1_200);
    assert_eq!(p.text, "you: partition n0 n1 c0 | n2 n3 n4 c1");
    assert!(marks.windows(2).all(|w| w[0].at <= w[1].at), "in time order");
    // Seeking back and forth does not duplicate marks.
    tm.seek(100);
    tm.seek_end();
    assert_eq!(tm.marks(), marks);
}

/// Simulated hour of the heaviest shipped run, advanced in 10×-speed frames (167 ms each).
#[test]
fn checkpoints_stay_bounded_over_an_hour() {
    let _serial = serial();
    let text = std::fs::read_to_string("www/scenarios/bench-raft.json").unwrap();
    let scenario = Scenario::from_json(&text).unwrap();
    let before = live();
    let mut sim = AnySim::new(scenario.clone()).unwrap();
    sim.enable_live_check();
    let mut tm = TimeMachine::new(sim);
    let mut peak = 0;
    let mut max_cp = 0;
    let hour = 3_600_000;
    while tm.now() < hour {
        tm.advance(167);
        tm.check_consistency();
        max_cp = max_cp.max(tm.checkpoint_count());
        assert!(
            tm.checkpoint_bytes() <= CHECKPOINT_BYTES,
            "checkpoints hold {} bytes at {} ms",
            tm.checkpoint_bytes(),
            tm.now()
        );
        if tm.now() % 60_000 < 167 {
            peak = peak.max(live().saturating_sub(before));
        }
    }
    peak = peak.max(live().saturating_sub(before));
    let spacing = tm.spacing();
    println!(
        "one simulated hour: {} checkpoints (at most {} held, {:.1} MB estimated), spacing {} s, peak live heap {:.1} MB",
        tm.checkpoint_count(),
        max_cp,
        tm.checkpoint_bytes() as f64 / 1e6,
        spacing / 1000,
        peak as f64 / 1e6
    );
    assert!(max_cp <= MAX_CHECKPOINTS + 1, "{max_cp} checkpoints held");
    // A seek replays at most `spacing`: bounded even an hour in (heavy traffic: 1000+ ops a minute).
    assert!(spacing <= 512_000, "checkpoints {spacing} ms apart after an hour");
    // The playground's budget is 32 MB of wasm memory after an hour (README); this is the native
    // heap (64-bit: larger than wasm's), world and checkpoints together.
    assert!(peak < 32 << 20, "peak live heap {peak} bytes: the bound is 32 MB");
    // Far back, after many thinnings: still exactly the straight run.
    tm.seek(1_000_000);
    let mut straight = AnySim::new(scenario).unwrap();
    straight.run_until(1_000_000);
    assert_eq!(tm.trace_hash(), straight.trace_hash());
}

#[test]
fn share_links_round_trip_to_the_same_state() {
    let _serial = serial();
    for &protocol in PROTOCOLS {
        let script = session(protocol);
        let mut tm = TimeMachine::new(new_sim(protocol));
        play(&mut tm, &script);
        tm.seek(4_321); // share from the past: the link keeps the whole run and the moment
        let moment_frame = frame_json(&tm);
        let moment_hash = tm.trace_hash();
        let link = tm.share(None);
        assert!(link.starts_with(&format!("1.{protocol}.")), "{link}");
        assert!(link.len() < 260, "{protocol}: a 12-action link is {} characters: {link}", link.len());
        let decoded = share::decode(&link).unwrap();
        assert_eq!(share::encode(&decoded), link);
        assert_eq!(decoded.actions, tm.actions());
        let mut opened = TimeMachine::from_share(&link, None, false).unwrap();
        opened.seek_end();
        assert_eq!(opened.warning(), None, "{protocol}: the replay reached the recorded end");
        tm.seek_end();
        assert_eq!(opened.trace_hash(), tm.trace_hash(), "{protocol}: same end");
        let landing = opened.landing().unwrap();
        opened.seek_position(landing);
        assert_eq!(opened.trace_hash(), moment_hash, "{protocol}: same moment");
        assert_eq!(frame_json(&opened), moment_frame, "{protocol}: same state at the moment");
    }
}

#[test]
// Travels every library scenario by name: only in the default build.
#[cfg(all(feature = "raft", feature = "paxos", feature = "dynamo", feature = "zab", feature = "twopc"))]
fn a_fresh_default_run_has_a_short_link_and_library_scenarios_travel_by_name() {
    use cap_playground::sim::scenario::Member;
    let _serial = serial();
    let mut tm = TimeMachine::new(new_sim("raft"));
    tm.advance(2_000);
    let link = tm.share(None);
    assert!(link.len() <= 40, "{link}");
    let text = std::fs::read_to_string("www/scenarios/raft-figure-8.json").unwrap();
    let mut s = Scenario::from_json(&text).unwrap();
    s.seed = 5;
    let mut tm = TimeMachine::new(AnySim::new(s).unwrap());
    tm.advance(1_000);
    tm.apply(Action::Partition { groups: vec![vec![Member::Node(0)], vec![Member::Node(1)]] }).unwrap();
    tm.advance(500);
    let link = tm.share(Some("raft-figure-8"));
    assert!(link.starts_with("1.raft.raft-figure-8."), "{link}");
    assert_eq!(share::header(&link).unwrap(), ("raft".to_string(), Some("raft-figure-8".to_string())));
    let mut opened = TimeMachine::from_share(&link, Some(&text), false).unwrap();
    opened.seek_end();
    assert_eq!(opened.trace_hash(), tm.trace_hash());
    assert!(TimeMachine::from_share(&link, None, false).map(|_| ()).unwrap_err().contains("raft-figure-8"));
    // Any other scenario travels inline and still replays exactly.
    let mut custom = playground_default("dynamo", 4, 9);
    custom.clients.truncate(1);
    let mut tm = TimeMachine::new(AnySim::new(custom).unwrap());
    tm.advance(1_500);
    tm.apply(Action::Crash { node: 2 }).unwrap();
    tm.advance(800);
    let link = tm.share(None);
    let mut opened = TimeMachine::from_share(&link, None, false).unwrap();
    opened.seek_end();
    assert_eq!(opened.trace_hash(), tm.trace_hash());
    assert_eq!(opened.scenario().clients.len(), 1);
}

#[test]
fn garbage_and_truncated_links_are_refused_with_a_reason() {
    let _serial = serial();
    let mut tm = TimeMachine::new(new_sim("raft"));
    play(&mut tm, &session("raft"));
    let good = tm.share(None);
    let cases: Vec<(String, &str)> = vec![
        ("garbage".into(), "not a run link"),
        ("".into(), "not a run link"),
        ("2.raft.AAAA".into(), "not a run link"),
        ("1.etcd.AAAA".into(), "unknown protocol 'etcd'"),
        ("1.raft.".into(), "no data"),
        ("1.raft.ab$d".into(), "not base64url"),
        ("1.raft.bad name.AAAA".into(), "not a scenario name"),
        ("1.raft.AAAA".into(), "0 nodes"),
        ("1.raft.ADAA".into(), "at most 9"),
        ("1.raft.Bw".into(), "unknown run kind 7"),
        (good[..good.len() - 5].to_string(), "cut short"),
        (good[..good.len() / 2].to_string(), "cut short"),
        (format!("{good}AAAA"), "unexpected bytes"),
    ];
    for (link, want) in cases {
        let e = share::decode(&link).map(|_| ()).unwrap_err();
        assert!(e.contains(want), "{link:?}: {e:?} should mention {want:?}");
        // Opening never panics and says what was wrong.
        let e = TimeMachine::from_share(&link, None, true).map(|_| ()).unwrap_err();
        assert!(!e.is_empty());
    }
    // Well-formed bytes naming a node the run does not have: refused before anything replays.
    let mut bad = share::decode(&good).unwrap();
    bad.actions[0].action = Action::Crash { node: 7 };
    let e = TimeMachine::from_share(&share::encode(&bad), None, false).map(|_| ()).unwrap_err();
    assert!(e.contains("action 1 of 10 (crash n7)") && e.contains("does not exist"), "{e}");
    // A link whose log does not fit its run (a different simulator version, say) replays, and
    // says that the state differs.
    let mut odd = share::decode(&good).unwrap();
    odd.hash ^= 1;
    let mut opened = TimeMachine::from_share(&share::encode(&odd), None, false).unwrap();
    opened.seek_end();
    assert!(opened.warning().unwrap().contains("different state"), "{:?}", opened.warning());
}

/// Issue 18 item 4: a long seek runs in slices the reader can cancel. Cancelling goes back to
/// exactly the state before the seek (trace hash and frame), and a stretch the seek ran past the
/// recorded end is forgotten: the recorded run ends where it ended, not in the past.
#[test]
fn a_cancelled_sliced_seek_goes_back_to_where_it_started() {
    let _g = serial();
    let mut tm = TimeMachine::new(new_sim("raft"));
    play(&mut tm, &session("raft"));
    let (pos, hash, frame, end) = (tm.position(), tm.trace_hash(), frame_json(&tm), tm.end());
    // Forward past the recorded end: a few slices, then cancel.
    tm.hold();
    for _ in 0..3 {
        assert!(!tm.seek_slice(SeekTarget::Time(3_600_000), 200), "200 events do not reach an hour");
    }
    assert!(tm.position().at > pos.at && tm.end().at > end.at, "the slices ran the run further");
    assert!(tm.release_hold(true));
    assert_eq!((tm.position(), tm.trace_hash()), (pos, hash));
    assert_eq!(frame_json(&tm), frame);
    assert_eq!(tm.end(), end, "the stretch run past the end is forgotten");
    assert!(!tm.in_past());
    // Backward into the recorded run, then cancel: back at the end, the recorded run kept.
    tm.hold();
    assert!(!tm.seek_slice(SeekTarget::Time(1_000), 1) || tm.position().at == 1_000);
    assert!(tm.release_hold(true));
    assert_eq!((tm.position(), tm.trace_hash(), tm.end()), (pos, hash, end));
    // Not cancelled: the seek's end result is a straight run's; nothing is held any more.
    tm.hold();
    while !tm.seek_slice(SeekTarget::Time(2_500), 50) {}
    assert!(tm.release_hold(false));
    assert!(!tm.holding() && !tm.release_hold(true), "nothing held: release says so and leaves the run");
    assert_eq!(tm.trace_hash(), straight("raft", &session("raft"), 2_500).trace_hash());
    // Acting drops what was held (the state before it is no longer where the reader is).
    tm.hold();
    tm.apply(serde_json::from_str(r#"{"action":"crash","node":1}"#).unwrap()).unwrap();
    assert!(!tm.holding());
}

/// A slice of a seek is bounded even when nothing happens: with every server down and no
/// client left to time out, simulated time passes without events, and a slice still stops
/// after `budget` chunks instead of running 100 hours in one call.
#[test]
fn a_slice_of_a_quiet_run_stops_after_its_budget() {
    let _g = serial();
    let mut sc = playground_default("raft", 3, 5);
    sc.workload = None;
    sc.clients.clear();
    let mut tm = TimeMachine::new(AnySim::new(sc).unwrap());
    for n in 0..3 {
        tm.apply(Action::Crash { node: n }).unwrap();
    }
    tm.advance(10_000);
    let t0 = tm.now();
    assert!(!tm.seek_slice(SeekTarget::Time(100 * 3_600_000), 100));
    assert!(tm.now() - t0 <= 100 * 250, "one slice ran {} ms", tm.now() - t0);
}
