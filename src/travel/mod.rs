//! Time travel: a run is its scenario plus the log of the reader's actions, each stamped with
//! the simulated time and the number of events processed when it happened. Replaying the log on
//! the deterministic simulator reproduces the run exactly, so going back in time is: restore the
//! nearest earlier checkpoint (a clone of the whole world) and replay forward to the moment
//! wanted. The result is identical, event for event and trace hash for trace hash, to having run
//! straight there. (RaftScope's `state.js` keeps a whole copy per change; we keep a bounded
//! number of copies and recompute the rest.)
//!
//! ```text
//!               seek(t < end)                      act (partition, crash, client op, …)
//!   ┌──────┐ ─────────────────▶ ┌──────┐ ─────────────────────────────────────────▶ FORK:
//!   │ LIVE │                    │ PAST │   the recorded actions after now and every
//!   │ now  │ ◀───────────────── │ now  │   checkpoint and mark after now are dropped;
//!   │ =end │  advance / step:   │ <end │   now is the new end (LIVE)
//!   └──────┘  recorded actions  └──────┘
//!      │      are replayed at their moments
//!      └─ advance / step / act: the run and its log grow (new checkpoints, new marks)
//! ```
//!
//! **Checkpoints** are taken at multiples of `spacing` simulated ms. There are never more than
//! [`MAX_CHECKPOINTS`], and together they never hold more than [`CHECKPOINT_BYTES`], nor more
//! than [`TRAVEL_BYTES`] with the world itself (by the world's own deterministic estimate,
//! [`AnySim::approx_bytes`]: copies grow with the client history and the protocol's logs): when
//! one more is due and would not fit, `spacing` doubles and every checkpoint that is not a
//! multiple of the new spacing is dropped (about half of them), as often as needed, before the
//! copy is made. So time travel costs
//! a bounded amount of memory whatever the length of the run (the one-hour budget of the
//! playground is 32 MB of wasm memory in all), and a seek replays at most `spacing` =
//! [`FIRST_SPACING_MS`] · 2^k simulated ms (an hour of the default run: 512 s).
//!
//! **Marks** for the timeline are collected the first time the run passes a moment: leaders
//! elected, partitions and heals, crashes and restarts, commits (at most one a second, or when
//! the term changes), invariant violations, stale reads and lost writes, and the reader's own
//! actions. At most [`MAX_MARKS`] are kept (commits are thinned first).

#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz;
pub mod share;

use crate::core::notice::NoticeKind;
use crate::protocol::Time;
use crate::registry::any::AnySim;
pub use crate::sim::scenario::describe;
use crate::sim::scenario::{Action, Scenario};
use crate::spacetime::{Limits, Record};
use serde::Serialize;

/// The longest a recorded run goes (simulated ms): what a share link accepts, 100 hours. Moving
/// past it stops there (`advance`, `run_until`, `seek`, `step`), so every run can be shared.
pub const MAX_RUN_MS: Time = share::MAX_END_MS;

/// Checkpoints kept at most (plus the one at t = 0 before the first thinning).
pub const MAX_CHECKPOINTS: usize = 32;
/// Estimated bytes all checkpoints may hold together (see [`AnySim::approx_bytes`]).
pub const CHECKPOINT_BYTES: usize = 16 << 20;
/// Estimated bytes the world and its checkpoints may hold together: a world that keeps growing
/// (ZAB keeps its history, 2PC every log record) leaves less room for copies of itself.
pub const TRAVEL_BYTES: usize = 20 << 20;

/// Room for checkpoints next to a world of `world` estimated bytes.
fn checkpoint_room(world: usize) -> usize {
    CHECKPOINT_BYTES.min(TRAVEL_BYTES.saturating_sub(world))
}
/// Spacing of checkpoints until the first thinning (simulated ms).
pub const FIRST_SPACING_MS: Time = 2_000;
/// Marks kept at most.
pub const MAX_MARKS: usize = 4_000;
/// Longest stretch run in one go (simulated ms): marks are read from the simulator's window of
/// recent notices, which must not overflow between two looks.
const CHUNK_MS: Time = 250;
/// Commit marks: at most one per this many ms (unless the term changes); doubles when the
/// marks are full.
const COMMIT_GAP_MS: Time = 1_000;

/// A point of a run: simulated time and events processed. After a single `step`, events due at
/// the same millisecond may still be waiting, so the time alone does not say where a run is.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Position {
    /// Simulated time (ms).
    pub at: Time,
    /// Events processed so far.
    pub events: u64,
}

impl Position {
    /// Is `self` at or before `other` on the same run?
    pub fn le(self, other: Position) -> bool {
        self.at <= other.at && self.events <= other.events
    }
}

/// One of the reader's actions with the moment it happened.
#[derive(Clone, Debug, PartialEq)]
pub struct Recorded {
    /// Simulated time (ms).
    pub at: Time,
    /// Events processed before it.
    pub events: u64,
    /// What the reader did (the scenario action vocabulary).
    pub action: Action,
}

/// An event marked on the timeline.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Mark {
    /// Simulated time (ms).
    pub at: Time,
    /// `leader`, `partition`, `heal`, `crash`, `restart`, `commit`, `violation`, `stale`,
    /// `lost` or `action` (something the reader did).
    pub kind: &'static str,
    /// One line for the tooltip.
    pub text: String,
}

#[derive(Clone)]
struct Checkpoint {
    pos: Position,
    applied: usize,
    /// `sim.approx_bytes()`, counted against [`CHECKPOINT_BYTES`].
    bytes: usize,
    sim: AnySim,
}

/// How far marks have been collected, and the simulator's counters there.
#[derive(Clone, Default)]
struct Harvest {
    pos: Position,
    seq: u64,
    violations: usize,
    stale: u64,
    commit: Option<(Time, Option<u64>)>,
    commit_gap: Time,
}

/// Where a sliced seek goes (see [`TimeMachine::seek_slice`]).
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum SeekTarget {
    /// A time, as [`TimeMachine::seek`].
    Time(Time),
    /// An exact point of the recorded run, as [`TimeMachine::seek_position`].
    Point(Position),
}

/// Seeks and link replays longer than this (simulated ms to replay: 10 minutes) ask the reader
/// first in the element. Replaying runs about 10–50 simulated minutes per wall second in the
/// browser, depending on the protocol and the faults, so this is a few seconds of work at most.
pub const SEEK_CONFIRM_MS: Time = 10 * 60_000;
/// A replay that has processed this many events without arriving stops and asks the reader
/// (the element and `cap fuzz` alike: simulated time alone does not bound the work, a `configure`
/// of a 1 ms heartbeat makes 800,000 events per simulated second... a known finding of issue 18,
/// see tests/data/fuzz/README.md).
pub const REPLAY_ASK_EVENTS: u64 = 2_000_000;

/// The timeline summary the element draws (see [`TimeMachine::timeline`]).
#[derive(Clone, Debug, Serialize)]
pub struct Timeline {
    /// Where the run is now.
    pub now: Position,
    /// The end of the recorded run.
    pub end: Position,
    /// True when the run is behind its recorded end (acting now forks).
    pub in_past: bool,
    /// Recorded actions, and how many of them the current state includes.
    pub actions: usize,
    /// Of which applied.
    pub applied: usize,
    /// Changes whenever earlier marks are dropped or thinned (then re-read from 0).
    pub epoch: u64,
    /// All marks so far.
    pub total_marks: usize,
    /// Marks from the index asked for.
    pub marks: Vec<Mark>,
    /// How far marks have been collected (ms).
    pub marked_to: Time,
    /// Checkpoints held, and their spacing (ms).
    pub checkpoints: usize,
    /// Spacing of checkpoints (ms): a seek replays at most this much.
    pub spacing: Time,
    /// A shared run that did not replay to the same state says so here.
    pub warning: Option<String>,
}

/// A recorded, seekable run: the simulator, the reader's actions, checkpoints and marks.
///
/// Read-only access to the simulator goes through `Deref`; everything that moves the run or acts
/// on it is a method here, so nothing can change the run without being recorded.
pub struct TimeMachine {
    sim: AnySim,
    actions: Vec<Recorded>,
    applied: usize,
    end: Position,
    /// The trace hash at `end`, when known (it is, unless a shared run is still replaying).
    end_hash: Option<u64>,
    checkpoints: Vec<Checkpoint>,
    spacing: Time,
    marks: Vec<Mark>,
    scripted: Vec<Mark>,
    harvest: Harvest,
    epoch: u64,
    /// A shared run's recorded end and its trace hash there, checked when the replay gets there.
    expect: Option<(Position, u64)>,
    warning: Option<String>,
    /// A shared run's moment: where the link asks to land.
    landing: Option<Position>,
    /// The space-time record while the reader looks at it (see [`TimeMachine::set_spacetime`]).
    spacetime: Option<SpaceTime>,
    /// The state a long seek started from, kept so a cancel can go back to it at once (see
    /// [`TimeMachine::hold`]).
    held: Option<Held>,
}

/// The world before a long seek (see [`TimeMachine::hold`]).
struct Held {
    sim: AnySim,
    applied: usize,
    /// The recorded end then: a seek that ran the run further is forgotten on the way back.
    end: Position,
}

/// The space-time record of a recorded run and how it stands against the run.
struct SpaceTime {
    record: Record,
    /// The record no longer continues where the run is: rebuild it before it is read.
    stale: bool,
    /// Bumped whenever the record is rebuilt or cut back (a reader then reads it whole again).
    epoch: u64,
    /// The moment a rebuilt record could not cover (it is not rebuilt again for it).
    built_at: Option<Position>,
    limits: Limits,
}

impl std::ops::Deref for TimeMachine {
    type Target = AnySim;
    fn deref(&self) -> &AnySim {
        &self.sim
    }
}

fn action_kind(a: &Action) -> &'static str {
    match a {
        Action::Partition { .. } | Action::Cut { .. } => "partition",
        Action::Heal => "heal",
        _ => "action",
    }
}

impl TimeMachine {
    /// Start recording a fresh run (at t = 0, before any event).
    pub fn new(sim: AnySim) -> TimeMachine {
        let scripted = sim
            .scenario()
            .steps
            .iter()
            .filter(|s| matches!(s.action, Action::Partition { .. } | Action::Cut { .. } | Action::Heal))
            .map(|s| Mark {
                at: s.at,
                kind: action_kind(&s.action),
                text: format!("scenario: {}", describe(&s.action, |op| sim.op_label(op))),
            })
            .collect();
        let pos = Position { at: sim.now(), events: sim.events() };
        let mut tm = TimeMachine {
            checkpoints: vec![Checkpoint { pos, applied: 0, bytes: sim.approx_bytes(), sim: sim.clone() }],
            end_hash: Some(sim.trace_hash()),
            sim,
            actions: Vec::new(),
            applied: 0,
            end: pos,
            spacing: FIRST_SPACING_MS,
            marks: Vec::new(),
            scripted,
            harvest: Harvest { pos, commit_gap: COMMIT_GAP_MS, ..Harvest::default() },
            epoch: 0,
            expect: None,
            warning: None,
            landing: None,
            spacetime: None,
            held: None,
        };
        tm.harvest.seq = tm.last_seq();
        tm
    }

    /// Rebuild a recorded run from its scenario and action log, positioned at t = 0 with the
    /// whole log still ahead (as if the reader had sought back to the start). Every action is
    /// checked against the scenario first; `hash`, when given, is the trace hash expected at
    /// `end` (a mismatch is reported by [`TimeMachine::warning`]).
    pub fn replaying(
        sim: AnySim,
        actions: Vec<Recorded>,
        end: Position,
        hash: Option<u64>,
        landing: Option<Position>,
    ) -> Result<TimeMachine, String> {
        let mut last = Position::default();
        for (i, a) in actions.iter().enumerate() {
            let pos = Position { at: a.at, events: a.events };
            if !last.le(pos) || !pos.le(end) {
                return Err(format!("action {} of {} is out of order", i + 1, actions.len()));
            }
            sim.check_action(&a.action).map_err(|e| {
                format!("action {} of {} ({}): {e}", i + 1, actions.len(), describe(&a.action, |op| sim.op_label(op)))
            })?;
            last = pos;
        }
        if let Some(l) = landing {
            if !l.le(end) {
                return Err("the moment to land at is after the end of the run".into());
            }
        }
        let mut tm = TimeMachine::new(sim);
        tm.actions = actions;
        tm.end = end;
        tm.end_hash = hash;
        tm.expect = hash.map(|h| (end, h));
        tm.landing = landing;
        Ok(tm)
    }

    /// The current point of the run.
    pub fn position(&self) -> Position {
        Position { at: self.sim.now(), events: self.sim.events() }
    }
    /// The end of the recorded run.
    pub fn end(&self) -> Position {
        self.end
    }
    /// Where a shared run asks to land, if it does.
    pub fn landing(&self) -> Option<Position> {
        self.landing
    }
    /// Is the run behind its recorded end (so that acting now forks it)?
    pub fn in_past(&self) -> bool {
        self.applied < self.actions.len() || !self.end.le(self.position())
    }
    /// The reader's actions recorded so far (including those ahead when in the past).
    pub fn actions(&self) -> &[Recorded] {
        &self.actions
    }
    /// How many of [`TimeMachine::actions`] the current state includes.
    pub fn applied(&self) -> usize {
        self.applied
    }
    /// Checkpoints held now.
    pub fn checkpoint_count(&self) -> usize {
        self.checkpoints.len()
    }
    /// Estimated bytes the checkpoints hold (bounded by [`CHECKPOINT_BYTES`] and [`TRAVEL_BYTES`]).
    pub fn checkpoint_bytes(&self) -> usize {
        self.checkpoints.iter().map(|c| c.bytes).sum()
    }
    /// Current checkpoint spacing (ms).
    pub fn spacing(&self) -> Time {
        self.spacing
    }
    /// Times of the checkpoints held.
    pub fn checkpoint_times(&self) -> Vec<Time> {
        self.checkpoints.iter().map(|c| c.pos.at).collect()
    }
    /// Marks collected so far (scripted partitions up to where the run has been, then the rest).
    pub fn marks(&self) -> Vec<Mark> {
        let all: Vec<&Mark> =
            self.scripted.iter().filter(|m| m.at <= self.harvest.pos.at).chain(self.marks.iter()).collect();
        // The crate's one small sort (see core::sort) on (time, index): stable by construction.
        let mut order: Vec<(Time, usize)> = all.iter().enumerate().map(|(i, m)| (m.at, i)).collect();
        crate::core::sort::sort(&mut order);
        order.into_iter().map(|(_, i)| all[i].clone()).collect()
    }
    /// The trace hash at the end of the recorded run, when known.
    pub fn end_hash(&self) -> Option<u64> {
        self.end_hash
    }
    /// A shared run whose replay did not reach the recorded state says so.
    pub fn warning(&self) -> Option<&str> {
        self.warning.as_deref()
    }

    /// The timeline summary, with the marks from index `from` on.
    pub fn timeline(&self, from: usize) -> Timeline {
        let marks = self.marks();
        Timeline {
            now: self.position(),
            end: self.end,
            in_past: self.in_past(),
            actions: self.actions.len(),
            applied: self.applied,
            epoch: self.epoch,
            total_marks: marks.len(),
            marks: marks.into_iter().skip(from).collect(),
            marked_to: self.harvest.pos.at,
            checkpoints: self.checkpoints.len(),
            spacing: self.spacing,
            warning: self.warning.clone(),
        }
    }

    // ---- moving -------------------------------------------------------------------------------

    /// Advance simulated time by `ms` (replaying recorded actions on the way when in the past).
    pub fn advance(&mut self, ms: Time) {
        let t = self.sim.now().saturating_add(ms).min(MAX_RUN_MS);
        self.forward(t, None);
    }

    /// Run every event up to time `t` (as [`AnySim::run_until`]), replaying recorded actions;
    /// never past [`MAX_RUN_MS`].
    pub fn run_until(&mut self, t: Time) {
        self.forward(t.min(MAX_RUN_MS), None);
    }

    /// Process exactly one event; false when none is left. A recorded action due before it is
    /// carried out first.
    pub fn step(&mut self) -> bool {
        if self.sim.next_event_time().is_none_or(|t| t > MAX_RUN_MS) {
            return false;
        }
        let events = self.sim.events();
        while let Some(a) = self.actions.get(self.applied).filter(|a| a.events <= events) {
            let (at, action) = (a.at, a.action.clone());
            self.sim.replay_to(events, at);
            let _ = self.sim.apply(action);
            self.applied += 1;
        }
        let r = self.sim.step();
        // An action recorded at the very point this step reaches (the reader acted right after
        // it) belongs to that point, as a seek there carries it out: without this, stepping to a
        // point and seeking to it gave two states, and a link shared after the step landed on
        // the other one (`cap fuzz --api`, seed 18 case 2450: step, partition, seek 0, step).
        let (events, now) = (self.sim.events(), self.sim.now());
        while let Some(a) = self.actions.get(self.applied).filter(|a| a.events <= events && a.at <= now) {
            let action = a.action.clone();
            let _ = self.sim.apply(action);
            self.applied += 1;
        }
        // As `run_until` and the replay do: the state at a point does not depend on the path.
        self.sim.expire_lost();
        self.after_move();
        r
    }

    /// Time of the next thing that will happen: an event or a recorded action.
    pub fn next_event_time(&self) -> Option<Time> {
        let action = self.actions.get(self.applied).map(|a| a.at);
        match (self.sim.next_event_time(), action) {
            (Some(e), Some(a)) => Some(e.min(a)),
            (e, a) => e.or(a),
        }
    }

    /// Spend one frame's allowance on the live verdict (reads the run, never changes it).
    pub fn check_consistency(&mut self) {
        self.sim.check_consistency();
    }

    /// Go to time `t`: the state is identical to running straight to `t` (every event due at or
    /// before `t`, every recorded action at or before `t`). Past the recorded end the run just
    /// continues, up to [`MAX_RUN_MS`] at most. Returns the new time.
    pub fn seek(&mut self, t: Time) -> Time {
        let t = t.min(MAX_RUN_MS);
        if t >= self.end.at {
            self.seek_position(self.end);
            self.forward(t, None);
        } else {
            self.restore_before(Position { at: t, events: u64::MAX });
            self.forward(t, None);
        }
        self.sim.now()
    }

    /// Go to exactly `pos` (a point of the recorded run, e.g. its end or a shared moment).
    pub fn seek_position(&mut self, pos: Position) {
        self.restore_before(pos);
        self.forward(pos.at, Some(pos.events));
    }

    /// Go to exactly `pos` if it is a point of the recorded run; else stay where the run is and
    /// say why. A point is a time and an event count the run really had there: between the
    /// events processed before that millisecond and those processed by its end (single steps
    /// stop in between). Any other pair would put the run in a state it never had (events due
    /// earlier left unprocessed), and a link shared from there would replay to another state.
    pub fn seek_point(&mut self, pos: Position) -> Result<(), String> {
        if !pos.le(self.end) {
            return Err(format!(
                "({} ms, {} events) is after the end of the recorded run ({} ms, {} events): use seek(ms) to run further",
                pos.at, pos.events, self.end.at, self.end.events
            ));
        }
        let back = self.position();
        self.seek_position(pos);
        if self.position() == pos && self.on_run() {
            return Ok(());
        }
        // Not a point of the run: measure what the run has at that millisecond, then go back.
        let lo = if pos.at == 0 {
            0
        } else {
            self.seek(pos.at - 1);
            self.sim.events()
        };
        self.seek_position(Position {
            at: pos.at,
            events: if pos.at == self.end.at { self.end.events } else { u64::MAX },
        });
        let hi = self.sim.events();
        self.seek_position(back);
        Err(format!(
            "{} events is not a point of this run at {} ms: there it has processed from {lo} to {hi} events",
            pos.events, pos.at
        ))
    }

    /// Is the world in a state the run really passes through (no event left due before now)?
    fn on_run(&self) -> bool {
        self.sim.next_event_time().is_none_or(|t| t >= self.sim.now())
    }

    /// Simulated ms a seek to `target` replays: from the current moment when it is on the way,
    /// else from the checkpoint a seek would restore. (The element asks the reader before a
    /// long one: see [`SEEK_CONFIRM_MS`].)
    pub fn replay_cost(&self, target: Position) -> Time {
        let cur = self.position();
        let from = if !self.behind(target) {
            cur.at
        } else {
            self.checkpoints.iter().rev().find(|c| c.pos.le(target)).map(|c| c.pos.at).unwrap_or(0)
        };
        target.at.min(MAX_RUN_MS).saturating_sub(from)
    }

    /// Is `target` behind the current moment, so that getting there starts from a checkpoint?
    /// By time: a target at a later millisecond is ahead even when the run has processed more
    /// events than it names (a corrupted link's end claims too few: the run passes that count
    /// before the end's millisecond). Treating it as behind restored a checkpoint at every slice
    /// and the replay never ended (`cap fuzz` seed 1, link case 11973).
    fn behind(&self, target: Position) -> bool {
        let cur = self.position();
        cur.at > target.at || (cur.at == target.at && cur.events > target.events)
    }

    /// One slice of a seek toward `target` (a time, or an exact point such as the recorded end
    /// or a link's landing): runs whole [`CHUNK_MS`] chunks until about `budget` events have been
    /// processed, and returns true once the run is at the target. Calling it again continues
    /// where it stopped (every stop is a point of the run): the page does one slice per task, so
    /// a long replay never freezes it and can be cancelled between slices (the run is then
    /// wherever the last slice left it, a valid moment). The end result is exactly that of
    /// [`TimeMachine::seek`] / [`TimeMachine::seek_position`].
    pub fn seek_slice(&mut self, target: SeekTarget, budget: u64) -> bool {
        let (at, exact) = match target {
            SeekTarget::Time(t) => (t.min(MAX_RUN_MS), None),
            SeekTarget::Point(p) => (p.at.min(MAX_RUN_MS), Some(p)),
        };
        let bound = exact.unwrap_or(Position { at, events: u64::MAX });
        if self.behind(bound) {
            // Behind us: start again from the latest checkpoint before the target.
            self.restore_before(bound);
        }
        let start = self.sim.events();
        // A chunk counts as one event at least: a quiet run (every server down, nothing
        // scheduled) still stops after `budget` chunks instead of running to the target in one go.
        let mut chunks = 0u64;
        loop {
            let now = self.sim.now();
            let next = now.saturating_add(CHUNK_MS);
            if next >= at {
                match exact {
                    // A point whose event count the run passed before its millisecond (a
                    // corrupted link's end or moment) is not on this run: run on to its time from
                    // here, as a seek to it from a checkpoint would (the run is deterministic).
                    Some(p) if !self.position().le(p) => self.forward(p.at, Some(p.events)),
                    Some(p) => self.seek_position(p),
                    None => {
                        self.seek(at);
                    }
                }
                return true;
            }
            self.seek(next);
            chunks += 1;
            if self.sim.events().saturating_sub(start).max(chunks) >= budget {
                return false;
            }
        }
    }

    /// Keep the current state aside before a long (sliced) seek, so that
    /// [`TimeMachine::release_hold`] can go back to it at once when the reader cancels: going
    /// back by seeking would replay from a checkpoint, up to [`TimeMachine::spacing`] of
    /// simulated time. One world copy; acting (a fork) drops it.
    pub fn hold(&mut self) {
        self.held = Some(Held { sim: self.sim.clone(), applied: self.applied, end: self.end });
    }

    /// Is a state held (see [`TimeMachine::hold`])?
    pub fn holding(&self) -> bool {
        self.held.is_some()
    }

    /// Drop the held state; with `back`, first return to it: the run is then exactly where it
    /// was when [`TimeMachine::hold`] was called, and a stretch the seek ran past the recorded
    /// end then is forgotten (the recorded run ends where it ended). False when nothing was held
    /// (the reader acted since: the run stays where it is).
    pub fn release_hold(&mut self, back: bool) -> bool {
        let Some(h) = self.held.take() else { return false };
        if back {
            let pos = Position { at: h.sim.now(), events: h.sim.events() };
            self.sim = h.sim;
            self.applied = h.applied;
            self.sync_journal();
            if pos == h.end && self.end != h.end && h.applied == self.actions.len() {
                self.fork();
            }
        }
        true
    }

    /// Go to the end of the recorded run.
    pub fn seek_end(&mut self) {
        self.seek_position(self.end);
    }

    /// Start from the latest state at or before `target`: the current one or a checkpoint.
    fn restore_before(&mut self, target: Position) {
        let cur = self.position();
        let best = self.checkpoints.iter().rposition(|c| c.pos.le(target));
        let Some(i) = best else { return };
        let cp = &self.checkpoints[i];
        // The current state is on the recorded run too (acting forks), so it will do when it is
        // not after the target and later than the checkpoint.
        if cur.le(target) && cp.pos.le(cur) && cp.applied <= self.applied {
            return;
        }
        self.sim = cp.sim.clone();
        self.applied = cp.applied;
        self.sync_journal();
    }

    /// Run forward to time `at` (all events due by then), or, with `events`, to exactly that
    /// point; recorded actions at or before it are carried out at their moments.
    fn forward(&mut self, at: Time, events: Option<u64>) {
        let limit = events.unwrap_or(u64::MAX);
        while let Some(a) = self.actions.get(self.applied) {
            if a.at > at || a.events > limit {
                break;
            }
            let (a_at, a_events, action) = (a.at, a.events, a.action.clone());
            self.run_plain(a_at, Some(a_events));
            // Errors were recorded as they happened (a refused `configure` still left its trace):
            // the replay reproduces them.
            let _ = self.sim.apply(action);
            self.applied += 1;
            self.after_move();
        }
        self.run_plain(at, events);
    }

    /// Run without recorded actions in between, in chunks that stop at checkpoint boundaries.
    fn run_plain(&mut self, at: Time, events: Option<u64>) {
        loop {
            let now = self.sim.now();
            let boundary = (now / self.spacing + 1) * self.spacing;
            let c = at.min(now.saturating_add(CHUNK_MS)).min(boundary);
            match events {
                // Before the last chunk, every event due is processed (it came before the point).
                Some(e) if c >= at => self.sim.replay_to(e, at),
                _ => self.sim.run_until(c),
            }
            self.after_move();
            if c >= at {
                break;
            }
        }
    }

    /// Bookkeeping after the run moved: the end, marks, checkpoints, a shared run's hash.
    fn after_move(&mut self) {
        self.absorb_journal();
        let pos = self.position();
        if self.applied >= self.actions.len() && self.end.le(pos) {
            self.end = pos;
            self.end_hash = Some(self.sim.trace_hash());
        }
        if self.harvest.pos.le(pos) {
            self.collect_marks(pos);
        }
        if pos.at % self.spacing == 0 && self.checkpoints.last().is_none_or(|c| c.pos.at < pos.at) {
            // Thin before copying, so that the bounds hold at every moment (a copy of a long run
            // can be megabytes). The one at t = 0 always stays: it is small.
            let bytes = self.sim.approx_bytes();
            let room = checkpoint_room(bytes);
            while self.checkpoints.len() > 1
                && (self.checkpoints.len() >= MAX_CHECKPOINTS || self.checkpoint_bytes() + bytes > room)
            {
                self.spacing *= 2;
                let s = self.spacing;
                self.checkpoints.retain(|c| c.pos.at % s == 0);
            }
            if pos.at % self.spacing == 0 && self.checkpoint_bytes() + bytes <= room {
                self.checkpoints.push(Checkpoint { pos, applied: self.applied, bytes, sim: self.sim.clone() });
            }
        }
        if let Some((p, hash)) = self.expect {
            if p == pos && self.applied >= self.actions.len() {
                self.expect = None;
                if self.sim.trace_hash() != hash {
                    self.warning = Some(format!(
                        "the shared run replayed to a different state (trace hash {:016x}, the link says {hash:016x}): \
                         the link was probably made with another version of the simulator or of its scenario",
                        self.sim.trace_hash()
                    ));
                }
            } else if !p.le(self.end) {
                self.expect = None;
            }
        }
    }

    fn last_seq(&self) -> u64 {
        self.sim.notices().back().map(|n| n.seq).unwrap_or(0)
    }

    fn push_mark(&mut self, m: Mark) {
        if self.marks.len() >= MAX_MARKS {
            // Full: thin the commits (every other one goes, and they get twice as sparse).
            let mut k = 0;
            let before = self.marks.len();
            self.marks.retain(|x| {
                if x.kind != "commit" {
                    return true;
                }
                k += 1;
                k % 2 == 0
            });
            self.harvest.commit_gap *= 2;
            if self.marks.len() != before {
                self.epoch += 1;
            }
            if self.marks.len() >= MAX_MARKS && m.kind != "action" {
                return;
            }
        }
        self.marks.push(m);
    }

    /// Marks for what happened since the last look (only the first time the run passes there).
    fn collect_marks(&mut self, pos: Position) {
        let h = self.harvest.seq;
        let new: Vec<(Time, NoticeKind, String, Option<u64>)> = self
            .sim
            .notices()
            .iter()
            .filter(|n| n.seq > h)
            .map(|n| (n.at, n.notice.kind, n.notice.text.clone(), n.notice.term))
            .collect();
        self.harvest.seq = self.last_seq().max(h);
        for (at, kind, text, term) in new {
            let kind: &'static str = match kind {
                NoticeKind::LeaderElected => "leader",
                NoticeKind::Crashed => "crash",
                NoticeKind::Restarted => "restart",
                NoticeKind::WriteLost => "lost",
                NoticeKind::Committed | NoticeKind::Chosen => {
                    let due = match self.harvest.commit {
                        None => true,
                        Some((t, tm)) => tm != term || at >= t + self.harvest.commit_gap,
                    };
                    if !due {
                        continue;
                    }
                    self.harvest.commit = Some((at, term));
                    "commit"
                }
                _ => continue,
            };
            self.push_mark(Mark { at, kind, text });
        }
        let violations: Vec<Mark> = self.sim.violations()[self.harvest.violations.min(self.sim.violations().len())..]
            .iter()
            .map(|v| Mark { at: v.at, kind: "violation", text: format!("{} violated: {}", v.invariant, v.detail) })
            .collect();
        self.harvest.violations = self.sim.violations().len();
        for m in violations {
            self.push_mark(m);
        }
        let stale = self.sim.stale_reads();
        if stale > self.harvest.stale {
            let n = stale - self.harvest.stale;
            self.harvest.stale = stale;
            let text = if n == 1 { "a stale read".to_string() } else { format!("{n} stale reads") };
            self.push_mark(Mark { at: pos.at, kind: "stale", text: format!("{text}: a value already overwritten") });
        }
        self.harvest.pos = pos;
    }

    // ---- acting -------------------------------------------------------------------------------

    /// Carry out a reader's action now and record it. In the past this forks the run: the
    /// recorded actions after now, and the checkpoints and marks after now, are dropped first.
    ///
    /// Accepted are the actions the world accepts ([`AnySim::check_action`]) that a share link
    /// can carry ([`share::link_action`]: one test for both, so every recorded run can be shared
    /// and replays the same), while the run is within [`share::MAX_ACTIONS`] actions and
    /// [`MAX_RUN_MS`]. What is recorded and carried out is the action as a link reads it back.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        // Refused before it touches anything: not recorded, no fork.
        self.sim.check_action(&action)?;
        let action = share::link_action(&action, &self.sim.scenario().protocol)
            .map_err(|e| format!("{e} (a share link could not carry it, so it is refused)"))?;
        self.sim.check_action(&action)?;
        if self.applied as u64 >= share::MAX_ACTIONS {
            return Err(format!(
                "this run already has {} actions, the most a share link carries: start a new run",
                share::MAX_ACTIONS
            ));
        }
        if self.sim.now() > MAX_RUN_MS {
            return Err(format!("the run is past {} hours, the longest a share link carries", MAX_RUN_MS / 3_600_000));
        }
        self.held = None;
        if self.in_past() {
            self.fork();
        }
        let pos = self.position();
        let r = self.sim.apply(action.clone());
        let what = describe(&action, |op| self.sim.op_label(op));
        let text = match &r {
            Ok(()) => format!("you: {what}"),
            Err(e) => format!("you: {what} (refused: {e})"),
        };
        self.push_mark(Mark { at: pos.at, kind: action_kind(&action), text });
        self.actions.push(Recorded { at: pos.at, events: pos.events, action });
        self.applied = self.actions.len();
        self.end = pos;
        self.end_hash = Some(self.sim.trace_hash());
        r
    }

    /// Client `c` invokes `op` (recorded like any action).
    pub fn invoke(&mut self, c: crate::protocol::ClientId, op: crate::protocol::ClientOp) -> Result<(), String> {
        self.apply(Action::Client { client: c, op: op.into() })
    }

    /// Drop the recorded future: actions not yet carried out, and checkpoints and marks after now.
    fn fork(&mut self) {
        self.held = None;
        self.absorb_journal();
        let pos = self.position();
        let seq = self.sim.journal().seq();
        if let Some(st) = &mut self.spacetime {
            if seq < st.record.last_seq() {
                st.record.truncate(pos.at, seq);
                st.epoch += 1;
            }
        }
        self.sync_journal();
        self.actions.truncate(self.applied);
        self.end = pos;
        self.end_hash = Some(self.sim.trace_hash());
        let applied = self.applied;
        self.checkpoints.retain(|c| c.pos.le(pos) && c.applied <= applied);
        self.marks.retain(|m| m.at <= pos.at);
        self.harvest.commit = self.marks.iter().rev().find(|m| m.kind == "commit").map(|m| (m.at, None));
        self.harvest.pos = pos;
        self.harvest.seq = self.last_seq();
        self.harvest.violations = self.sim.violations().len();
        self.harvest.stale = self.sim.stale_reads();
        self.expect = None;
        self.landing = None;
        self.epoch += 1;
    }

    /// The scenario this run started from.
    pub fn base_scenario(&self) -> &Scenario {
        self.sim.scenario()
    }

    // ---- the space-time record --------------------------------------------------------------

    /// Keep a space-time record of the run (the panel is open, an export is wanted) or drop it.
    /// Turning it on builds the window that ends at the current moment by replaying from a
    /// checkpoint (see [`TimeMachine::spacetime`]); while on, the world's journal feeds it.
    pub fn set_spacetime(&mut self, on: bool, limits: Limits) {
        match (on, &mut self.spacetime) {
            (false, _) => self.spacetime = None,
            (true, Some(st)) if st.limits == limits => return,
            (true, _) => {
                let record = Record::starting(limits, 0, 0, Vec::new());
                self.spacetime = Some(SpaceTime { record, stale: true, epoch: 0, built_at: None, limits });
            }
        }
        self.sync_journal();
    }

    /// Is a space-time record kept?
    pub fn spacetime_on(&self) -> bool {
        self.spacetime.is_some()
    }

    /// The space-time record around the current moment, with its epoch (a new epoch: it was
    /// rebuilt or cut back, read it whole). `None` while off. When the moment is outside the
    /// record (the reader went back before it, or jumped ahead past a gap), the record is rebuilt
    /// by replaying from the nearest earlier checkpoint: a window of `limits.span` ending at the
    /// moment, or centred on it when there is recorded run after it. It holds the same entries as
    /// the first pass did (the run is deterministic).
    pub fn spacetime(&mut self) -> Option<(&Record, u64)> {
        self.absorb_journal();
        let pos = self.position();
        let seq = self.sim.journal().seq();
        let st = self.spacetime.as_ref()?;
        if st.stale || (!st.record.covers(pos.at, seq) && st.built_at != Some(pos)) {
            self.rebuild_spacetime();
        }
        self.spacetime.as_ref().map(|st| (&st.record, st.epoch))
    }

    /// The world's journal keeps what the record lacks (entries after its last), or nothing.
    fn sync_journal(&mut self) {
        let j = self.sim.journal_mut();
        match &self.spacetime {
            Some(st) if !st.stale => j.keep_after(st.record.last_seq()),
            Some(_) => j.keep_after(u64::MAX - 1),
            None => j.set_on(false),
        }
    }

    /// Feed the journal's entries to the record; a gap makes it stale.
    fn absorb_journal(&mut self) {
        let Some(st) = &mut self.spacetime else { return };
        let now = self.sim.now();
        let j = self.sim.journal_mut();
        let entries = j.take();
        let seq = j.seq();
        if !st.stale && !st.record.absorb(entries, now, seq) {
            st.stale = true;
            self.sync_journal();
        }
    }

    /// Rebuild the record around the current moment (see [`TimeMachine::spacetime`]).
    fn rebuild_spacetime(&mut self) {
        let Some(limits) = self.spacetime.as_ref().map(|st| st.limits) else { return };
        let pos = self.position();
        let live = !self.in_past();
        let span = limits.span;
        let start = if live { pos.at.saturating_sub(span) } else { pos.at.saturating_sub(span / 2) };
        // The end: this moment when live; else half a span on, within the recorded run.
        let (until, exact) = if live {
            (pos.at, Some(pos.events))
        } else if pos.at + span / 2 >= self.end.at {
            (self.end.at, Some(self.end.events))
        } else {
            (pos.at + span / 2, None)
        };
        let i = self.checkpoints.iter().rposition(|c| c.pos.at <= start).unwrap_or(0);
        let cp = &self.checkpoints[i];
        let mut sim = cp.sim.clone();
        let mut applied = cp.applied;
        sim.journal_mut().set_on(true);
        let mut record = Record::starting(limits, cp.pos.at, sim.journal().seq(), sim.in_flight_entries());
        let feed = |sim: &mut AnySim, record: &mut Record| {
            let entries = sim.journal_mut().take();
            let seq = sim.journal().seq();
            record.absorb(entries, sim.now(), seq);
        };
        // As `forward` does, without checkpoints or marks: recorded actions at their moments,
        // and chunks short enough that the journal is read often.
        loop {
            let next = self.actions.get(applied).filter(|a| a.at <= until && exact.is_none_or(|e| a.events <= e));
            let (to, to_events) = match next {
                Some(a) => (a.at, Some(a.events)),
                None => (until, exact),
            };
            while sim.now() < to {
                sim.run_until(to.min(sim.now() + CHUNK_MS).saturating_sub(1).max(sim.now()));
                feed(&mut sim, &mut record);
                if sim.now() + 1 >= to {
                    break;
                }
            }
            match to_events {
                Some(e) => sim.replay_to(e, to),
                None => sim.run_until(to),
            }
            feed(&mut sim, &mut record);
            let Some(a) = next else { break };
            let _ = sim.apply(a.action.clone());
            applied += 1;
            feed(&mut sim, &mut record);
        }
        record.note_missed(sim.journal().overflow());
        let seq = self.sim.journal().seq();
        if let Some(st) = &mut self.spacetime {
            // A window too full to reach back to the moment (the count limit) is not rebuilt
            // again and again for the same moment.
            st.built_at = (!record.covers(pos.at, seq)).then_some(pos);
            st.record = record;
            st.stale = false;
            st.epoch += 1;
        }
        self.sync_journal();
    }
}
