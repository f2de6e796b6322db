//! Issue 18's fuzzing, a bounded slice of it (the large run is `npm run fuzz`, i.e.
//! `cap fuzz --scenarios N --links N --api N --seed S` built with `--profile fuzz`): scenario
//! mutants through `cap run`'s path, share-link mutants through the page's opening path and
//! element-API call sequences through the facade's, each caught with `catch_unwind` and timed
//! here (the watchdog lives in the driver, never in the simulator): a panic, a case over 10 s or
//! a link that replays to another state fails. Every regression file under `tests/data/fuzz/`
//! named `scenario-*`, `link-*` or `api-*` is replayed too.

use cap_playground::travel::fuzz::{
    api_sequence, link_mutant, run_api, run_link, run_scenario, scenario_mutant, Outcome,
};
use std::path::PathBuf;
use std::time::{Duration, Instant};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn corpus() -> Vec<(String, String)> {
    let mut names: Vec<_> = std::fs::read_dir(root().join("www/scenarios"))
        .expect("scenarios")
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    names.into_iter().map(|p| (p.display().to_string(), std::fs::read_to_string(&p).unwrap())).collect()
}

fn library(name: &str) -> Option<String> {
    std::fs::read_to_string(root().join("www/scenarios").join(format!("{name}.json"))).ok()
}

/// Run one case under the driver's rules; returns it, or fails naming the input.
fn case(kind: &str, input: &str, run: impl FnOnce() -> Outcome) -> Outcome {
    let t0 = Instant::now();
    let out = std::panic::catch_unwind(std::panic::AssertUnwindSafe(run));
    let took = t0.elapsed();
    let path = root().join("tests/data/fuzz").join(format!("{kind}-new-finding.txt"));
    let keep = |why: String| -> ! {
        let _ = std::fs::write(&path, input);
        panic!("{kind} case: {why}; input written to {}", path.display())
    };
    match out {
        Err(_) => keep("panicked".into()),
        Ok(_) if took > Duration::from_secs(10) => keep(format!("took {:.1} s", took.as_secs_f64())),
        Ok(o) => match &o.problem {
            Some(p) => keep(p.clone()),
            None => o,
        },
    }
}

#[test]
fn scenario_mutants_are_refused_or_run() {
    let corpus = corpus();
    let (mut refused, mut ran) = (0, 0);
    for k in 0..300 {
        let text = scenario_mutant(7, k, &corpus);
        let o = case("scenario", &text, || run_scenario(&text));
        if let Some(msg) = &o.refused {
            assert!(!msg.is_empty());
            refused += 1;
        } else {
            ran += 1;
        }
    }
    assert!(refused > 0 && ran > 0, "{refused} refused, {ran} ran");
}

#[test]
fn link_mutants_are_refused_or_replay_within_the_bound() {
    let (mut refused, mut ran) = (0, 0);
    for k in 0..200 {
        let link = link_mutant(7, k);
        let o = case("link", &link, || run_link(&link, &library));
        if o.refused.is_some() {
            refused += 1;
        } else {
            ran += 1;
        }
    }
    assert!(refused > 0 && ran > 0, "{refused} refused, {ran} ran");
}

#[test]
fn api_sequences_write_links_that_replay_the_same() {
    for k in 0..60 {
        let (p, nodes, s, calls) = api_sequence(7, k);
        case("api", &format!("{p} {nodes} {s} {calls:?}"), || run_api(&p, nodes, s, &calls));
    }
}

#[test]
fn regression_files_still_pass() {
    let dir = root().join("tests/data/fuzz");
    let mut names: Vec<_> = std::fs::read_dir(&dir).expect("tests/data/fuzz").flatten().map(|e| e.path()).collect();
    names.sort();
    for p in names {
        let name = p.file_name().unwrap().to_string_lossy().to_string();
        let text = std::fs::read_to_string(&p).unwrap_or_default();
        if name.starts_with("scenario-") {
            case("scenario", &text, || run_scenario(&text));
        } else if name.starts_with("link-") {
            case("link", &text, || run_link(text.trim(), &library));
        }
        // api-* files are the call list as text, for reading; their seed and case re-create it.
    }
}

/// `link-seed1-case11973.txt` (`cap fuzz --links 20000`, seed 1): a 7-server Raft link whose
/// recorded end claims fewer events than the run has processed well before the end's
/// millisecond. Each slice of the replay took the end for a point behind it, restored a
/// checkpoint and replayed the same stretch again: the replay never ended (the driver's guard
/// stopped it after 60 s). Now every slice moves the run on in time, and the replay ends at the
/// end's millisecond in a bounded number of slices.
// A Raft link: a bundle without Raft refuses it (as it should), so the test needs the feature.
#[cfg(feature = "raft")]
#[test]
fn a_link_whose_end_claims_too_few_events_replays_in_bounded_slices() {
    use cap_playground::travel::{SeekTarget, TimeMachine};
    let link = std::fs::read_to_string(root().join("tests/data/fuzz/link-seed1-case11973.txt")).unwrap();
    let mut tm = TimeMachine::from_share(link.trim(), None, false).expect("the link decodes");
    let end = tm.end();
    let (mut slices, mut last) = (0, 0);
    while !tm.seek_slice(SeekTarget::Point(end), 500) {
        slices += 1;
        assert!(tm.now() >= last, "slice {slices} went back in time: {} ms after {last} ms", tm.now());
        assert!(slices < 10_000, "the replay does not end");
        last = tm.now();
    }
    assert_eq!(tm.now(), end.at);
    assert!(tm.events() > end.events, "the run really passes the claimed count ({} events)", end.events);
}

/// `api-seed18-case2450.txt` (`cap fuzz --api 3000`, seed 18), shrunk to five calls on a 2-server
/// Multi-Paxos run: step, an (empty) partition, seek(0), step, share. The partition was recorded at
/// the point the first step reached; stepping there again left it undone while a seek there (and
/// the link's landing) carried it out, so the link landed on another state than the reader's.
/// A step now carries out the actions recorded at the point it reaches, as a seek does.
// Multi-Paxos runs: without the paxos feature the calls are refused and the test would prove nothing.
#[cfg(feature = "paxos")]
#[test]
fn stepping_to_a_point_and_seeking_to_it_agree_on_its_actions() {
    let (p, nodes, s, calls) = api_sequence(18, 2450);
    let o = run_api(&p, nodes, s, &calls);
    assert_eq!(o.problem, None, "cap fuzz --api 2451 --seed 18, case 2450: {p} {nodes} {s} {calls:?}");
    use cap_playground::travel::fuzz::Call;
    let shrunk = [
        Call::Step,
        Call::Apply(r#"{"action":"partition","groups":[[],[]]}"#.into()),
        Call::Seek(0),
        Call::Step,
        Call::ShareCheck,
    ];
    let o = run_api("multipaxos", 2, 785, &shrunk);
    assert_eq!(o.problem, None, "the shrunk case (multipaxos, 2 servers, seed 785): {shrunk:?}");
}
