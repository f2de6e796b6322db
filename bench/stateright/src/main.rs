//! Distinct states per second: our explorer (src/explore/) and Stateright's checker on the same
//! model — Gray and Lamport's TwoPhase with N resource managers, the shape of Stateright's
//! `examples/2pc.rs` (a vector per RM, a set of messages) — breadth-first, one thread each, side
//! by side in one run; then our explorer on Raft (3 servers, 1 client, 2 operations) for a fixed
//! amount of work. Memory per stored state is measured with a counting allocator (peak heap
//! during the search divided by distinct states).
//!
//! Run by `npm run bench` (scripts/bench.mjs), which prints the wasm figures beside these.

use cap_playground::explore::session::{open, Spec};
use cap_playground::explore::twophase::TwoPhase;
use cap_playground::explore::{Explorer, Options, Status};
use stateright::{Checker, Model, Property};
use std::alloc::{GlobalAlloc, Layout, System};
use std::collections::BTreeSet;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Instant;

struct Counting;
static NOW: AtomicUsize = AtomicUsize::new(0);
static PEAK: AtomicUsize = AtomicUsize::new(0);
unsafe impl GlobalAlloc for Counting {
    unsafe fn alloc(&self, l: Layout) -> *mut u8 {
        let n = NOW.fetch_add(l.size(), Ordering::Relaxed) + l.size();
        PEAK.fetch_max(n, Ordering::Relaxed);
        System.alloc(l)
    }
    unsafe fn dealloc(&self, p: *mut u8, l: Layout) {
        NOW.fetch_sub(l.size(), Ordering::Relaxed);
        System.dealloc(p, l)
    }
}
#[global_allocator]
static A: Counting = Counting;

fn reset_peak() -> usize {
    let now = NOW.load(Ordering::Relaxed);
    PEAK.store(now, Ordering::Relaxed);
    now
}

// ---- The same model for Stateright (written here from the TLA+ spec, as ours is). ------------

#[derive(Clone)]
struct TwoPhaseSys {
    rms: usize,
}

#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Rm {
    Working,
    Prepared,
    Committed,
    Aborted,
}
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
enum Tm {
    Init,
    Committed,
    Aborted,
}
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
enum Msg {
    Prepared(usize),
    Commit,
    Abort,
}
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
struct St {
    rm: Vec<Rm>,
    tm: Tm,
    prepared: Vec<bool>,
    msgs: BTreeSet<Msg>,
}
#[derive(Clone, Debug, PartialEq)]
enum Act {
    TmRcvPrepared(usize),
    TmCommit,
    TmAbort,
    RmPrepare(usize),
    RmChooseToAbort(usize),
    RmRcvCommit(usize),
    RmRcvAbort(usize),
}

impl Model for TwoPhaseSys {
    type State = St;
    type Action = Act;
    fn init_states(&self) -> Vec<St> {
        vec![St { rm: vec![Rm::Working; self.rms], tm: Tm::Init, prepared: vec![false; self.rms], msgs: BTreeSet::new() }]
    }
    fn actions(&self, s: &St, out: &mut Vec<Act>) {
        if s.tm == Tm::Init && s.prepared.iter().all(|p| *p) {
            out.push(Act::TmCommit);
        }
        if s.tm == Tm::Init {
            out.push(Act::TmAbort);
        }
        for rm in 0..self.rms {
            if s.tm == Tm::Init && s.msgs.contains(&Msg::Prepared(rm)) {
                out.push(Act::TmRcvPrepared(rm));
            }
            if s.rm[rm] == Rm::Working {
                out.push(Act::RmPrepare(rm));
                out.push(Act::RmChooseToAbort(rm));
            }
            if s.msgs.contains(&Msg::Commit) {
                out.push(Act::RmRcvCommit(rm));
            }
            if s.msgs.contains(&Msg::Abort) {
                out.push(Act::RmRcvAbort(rm));
            }
        }
    }
    fn next_state(&self, s: &St, a: Act) -> Option<St> {
        let mut t = s.clone();
        match a {
            Act::TmRcvPrepared(rm) => t.prepared[rm] = true,
            Act::TmCommit => {
                t.tm = Tm::Committed;
                t.msgs.insert(Msg::Commit);
            }
            Act::TmAbort => {
                t.tm = Tm::Aborted;
                t.msgs.insert(Msg::Abort);
            }
            Act::RmPrepare(rm) => {
                t.rm[rm] = Rm::Prepared;
                t.msgs.insert(Msg::Prepared(rm));
            }
            Act::RmChooseToAbort(rm) | Act::RmRcvAbort(rm) => t.rm[rm] = Rm::Aborted,
            Act::RmRcvCommit(rm) => t.rm[rm] = Rm::Committed,
        }
        Some(t)
    }
    fn properties(&self) -> Vec<Property<Self>> {
        vec![Property::<Self>::always("consistent", |_, s| {
            !(s.rm.contains(&Rm::Aborted) && s.rm.contains(&Rm::Committed))
        })]
    }
}

fn ours_twophase(rms: usize) -> (u64, f64, usize) {
    let base = reset_peak();
    let t = Instant::now();
    let mut ex = Explorer::new(TwoPhase { rms }, Options::default());
    let status = ex.run(u64::MAX).clone();
    let secs = t.elapsed().as_secs_f64();
    assert_eq!(status, Status::Exhaustive { depth_limited: false });
    let bytes = PEAK.load(Ordering::Relaxed) - base;
    (ex.stats().distinct, secs, bytes)
}

fn stateright_twophase(rms: usize) -> (u64, f64, usize) {
    let base = reset_peak();
    let t = Instant::now();
    let checker = TwoPhaseSys { rms }.checker().threads(1).spawn_bfs().join();
    let secs = t.elapsed().as_secs_f64();
    checker.assert_properties();
    let bytes = PEAK.load(Ordering::Relaxed) - base;
    (checker.unique_state_count() as u64, secs, bytes)
}

fn main() {
    let args: Vec<String> = std::env::args().collect();
    let rms: usize = args.get(1).and_then(|a| a.parse().ok()).unwrap_or(5);
    let reps: usize = args.get(2).and_then(|a| a.parse().ok()).unwrap_or(5);
    println!("TwoPhase (Gray & Lamport), {rms} resource managers, breadth-first, 1 thread, best of {reps}:");
    let best = |f: &dyn Fn() -> (u64, f64, usize)| {
        let mut r = f();
        for _ in 1..reps {
            let x = f();
            if x.1 < r.1 {
                r = x;
            }
        }
        r
    };
    let (d1, s1, b1) = best(&|| ours_twophase(rms));
    let (d2, s2, b2) = best(&|| stateright_twophase(rms));
    assert_eq!(d1, d2, "both explorers must find the same distinct states");
    println!(
        "  cap explore   {d1:>9} distinct  {:>8.2} ms  {:>10.0} states/s  {:>5} B/state (peak heap)",
        s1 * 1e3,
        d1 as f64 / s1,
        b1 / d1 as usize
    );
    println!(
        "  stateright    {d2:>9} distinct  {:>8.2} ms  {:>10.0} states/s  {:>5} B/state (peak heap)",
        s2 * 1e3,
        d2 as f64 / s2,
        b2 / d2 as usize
    );
    println!("NATIVE_TWOPHASE rms={rms} ours_states_per_s={:.0} stateright_states_per_s={:.0} ratio={:.2}", d1 as f64 / s1, d2 as f64 / s2, (d1 as f64 / s1) / (d2 as f64 / s2));

    // Raft: 3 servers, 1 client, 2 operations, at most 2 timer firings: a fixed 100,000 states.
    let spec = Spec {
        protocol: "raft".into(),
        nodes: 3,
        clients: 1,
        ops: 2,
        timers: Some(2),
        max_states: 100_000,
        ..Spec::default()
    };
    let base = reset_peak();
    let t = Instant::now();
    let mut session = open(&spec).expect("spec");
    let status = session.run(u64::MAX);
    let secs = t.elapsed().as_secs_f64();
    let s = session.stats();
    let bytes = PEAK.load(Ordering::Relaxed) - base;
    println!(
        "Raft, {}: {:?} after {} distinct ({} generated) in {:.2} s: {:.0} states/s, {} B/state (peak heap), ~{} B/state (estimate)",
        spec.describe(),
        status,
        s.distinct,
        s.generated,
        secs,
        s.distinct as f64 / secs,
        bytes / s.distinct.max(1) as usize,
        session.bytes_per_state()
    );
    println!("NATIVE_RAFT states_per_s={:.0} bytes_per_state={}", s.distinct as f64 / secs, bytes / s.distinct.max(1) as usize);

    // Random walks (src/explore/walk.rs): Figure 8's mutant, seed 5, until the violation.
    let spec = figure_8_walks();
    let t = Instant::now();
    let mut session = open(&spec).expect("spec");
    let status = session.run(u64::MAX);
    let secs = t.elapsed().as_secs_f64();
    let s = session.stats();
    println!(
        "random walks, {}: {} after {} walks, {} steps in {:.2} s: {:.0} steps/s",
        spec.describe(),
        match &status {
            Status::Violation(b) => b.invariant.clone(),
            other => format!("{other:?}"),
        },
        s.walks,
        s.generated,
        secs,
        s.generated as f64 / secs
    );
    println!("NATIVE_WALKS steps_per_s={:.0} walks={}", s.generated as f64 / secs, s.walks);
}

/// Figure 8's mutant by random walks, as `npm run bench` runs it natively and in wasm.
fn figure_8_walks() -> Spec {
    Spec {
        protocol: "raft".into(),
        nodes: 3,
        clients: 0,
        ops: 0,
        timers: Some(4),
        depth: Some(40),
        walks: Some(2_000_000),
        seed: 5,
        unsafe_switches: vec!["commit-old-terms".into()],
        ..Spec::default()
    }
}
