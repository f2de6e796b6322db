//! Linearizability checking of client histories: a Wing–Gong–Lowe search with memoisation,
//! P-compositionality, unknown outcomes, a deterministic step budget, witnesses in plain words,
//! and a [`LiveChecker`] the UI can call once per frame.
//!
//! # The algorithm
//!
//! A history is linearizable when every operation can be given a point between its invocation
//! and its return such that, taken in that order, the operations are a legal run of a sequential
//! model (Herlihy & Wing 1990). The search is Wing & Gong's (1993): walk the history's call and
//! return events in time order, held in a doubly linked list; at a call, try to *linearise* that
//! operation now (step the model; if its output is possible, *lift* its call and return out of
//! the list and restart from the head); at a return whose operation was not yet linearised, the
//! current order is a dead end, so pop the last choice, *unlift* it and try the next candidate.
//! Lowe (2017, "Testing for linearizability") made this practical by memoising every visited
//! configuration — the set of linearised operations (a bitset) together with the model state —
//! so that a configuration reached again through another order is not searched twice. Porcupine
//! (Athalye, `checker.go`) is the reference implementation we follow: dancing-links list,
//! `lift`/`unlift`, a cache of (bitset, state), and partitioning the history by key first
//! (*P-compositionality*, Horn & Kroening 2015): a history of independent registers is
//! linearizable iff each register's sub-history is, and the search is exponential only in the
//! concurrency of one key.
//!
//! Our additions, each sound (they never turn a non-linearizable history into a linearizable one
//! or the reverse):
//! - **Unknown outcomes** (`info`, or still pending) follow Knossos and Porcupine: their return
//!   is at +∞, so they may be linearised at any point after their invocation — and, because the
//!   search stops as soon as every *definite* operation is placed, they may also never happen.
//!   An unknown operation whose step would not change the state is never tried (it is the same
//!   as not having happened yet), and among unknown operations with equal inputs only the
//!   earliest-invoked unused one is tried (they are interchangeable once invoked). That last rule
//!   also makes the bitset canonical, so the memo sees "two of the five timed-out `write 3`s took
//!   effect" as one configuration instead of ten.
//! - **Pointless unknowns.** A blind write (one whose effect ignores the state) is never
//!   placed directly after an unknown-outcome operation: that operation's effect would be
//!   overwritten unseen, which is the same as it not having happened yet.
//! - **Dominance.** The memo also prunes a configuration when one with the same state, the
//!   same definite operations and a *subset* of the unknown ones was already explored: using
//!   fewer unknown operations leaves strictly more options.
//! - **Forced reads.** A definite read-only operation (a read, a failed compare-and-set) whose
//!   result matches the current state is linearised at once, without trying the alternatives:
//!   moving a state-preserving operation earlier, to a point inside its interval, never breaks a
//!   valid order. Reads are half of most histories, so this removes most branching.
//! - **Deterministic budget.** The search counts steps (one candidate tried or one backtrack)
//!   instead of reading a clock, so the same history gives the same verdict everywhere, and a
//!   search that exceeds its budget answers [`Verdict::Unknown`] rather than hanging the page.
//! - **Witnesses.** On a violation we find the earliest return that makes a prefix of the
//!   history non-linearizable (binary search over truncated histories; truncating only relaxes
//!   constraints, so "non-linearizable" is monotone in the cut), then shrink that prefix to a
//!   small set of operations that still cannot be ordered (delta debugging), and describe it in
//!   a sentence. Operations left out of the witness are *relaxed* (made unknown), not deleted:
//!   deleting a write could invent a violation (a read of a value nobody wrote); relaxing
//!   cannot, so the witness is a real proof.
//! - **Candidate order.** Definite operations are tried in invocation order (as Porcupine),
//!   unknown-outcome ones last: they are only needed when a definite result demands them.
//!
//! Ties in time are resolved as Porcupine does: at equal timestamps calls come before returns,
//! so operations that merely touch are treated as concurrent (never a false alarm).
//!
//! # Where things are
//! - [`model`]: the [`Model`] trait, operations and the models (register, Porcupine's kv map).
//! - `search`: the resumable Wing–Gong–Lowe search with its memo.
//! - `witness`: finding, shrinking and describing the witness of a violation.
//! - [`live`]: the incremental checker the UI calls once per frame.

pub mod live;
pub mod model;
mod search;
mod witness;

pub use live::{LiveChecker, LiveStatus, LiveVerdict};
pub use model::{
    register_op, register_ops, Clock, KvInput, KvModel, KvOp, KvOutput, Model, ModelOp, OpsOf, RegInput, RegOp,
    RegOutput, RegisterModel, Transition,
};

use crate::core::history::Operation;
use search::{Poll, Search};
use serde::Serialize;
use std::collections::BTreeMap;
use witness::WitnessFinder;

pub use witness::verify_witness;

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// A set of operations that cannot be ordered, and why: a proof. Checked alone — every other
/// operation of its key *relaxed* (a read's result ignored, an update given an unknown outcome:
/// it may take effect at any point after its invocation, or not at all) — it is not
/// linearizable, so no behaviour of the other operations can excuse it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// The key (partition) the violation is on.
    pub key: String,
    /// Id of the operation that cannot be placed: its return is the earliest point at which the
    /// history stops being linearizable.
    pub failing_op: u64,
    /// Ids of the operations of the witness (including `failing_op`), in invocation order.
    pub ops: Vec<u64>,
    /// One line per witness operation (all of them, in the order of `ops`): description,
    /// outcome and interval. Displays show the first [`WITNESS_LINES_SHOWN`] and say so.
    pub lines: Vec<String>,
    /// A sentence for the reader.
    pub sentence: String,
    /// True when shrinking finished: relaxing any one listed operation besides the failing one
    /// makes the rest orderable.
    pub minimal: bool,
    /// True when an exact search re-checked the witness, with every other operation of its key
    /// relaxed, just before it was reported (and found it not linearizable).
    pub verified: bool,
    /// Other operations of the key that the verification relaxed.
    pub relaxed: usize,
    /// How the witness was found and reduced, in words.
    pub reduction: String,
}

/// Lines of a witness that displays show before saying how many more there are.
pub const WITNESS_LINES_SHOWN: usize = 12;

/// Which budget stopped a search.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Limit {
    /// The step budget (time).
    Steps,
    /// The memory budget.
    Memory,
}

/// The checker's answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum Verdict {
    /// Every key's sub-history has a valid order.
    Linearizable,
    /// Some key's sub-history has none; the witness shows why.
    NotLinearizable {
        /// The evidence.
        witness: Witness,
    },
    /// A budget ran out before an answer.
    Unknown {
        /// Which one.
        limit: Limit,
        /// The reason in words, with the budget.
        reason: String,
    },
}

/// A verdict plus what it cost.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct CheckResult {
    /// The answer.
    pub verdict: Verdict,
    /// Search steps used (verdict and witness together).
    pub steps: u64,
    /// Keys (partitions) in the history.
    pub keys: usize,
    /// Operations that constrain the search (after dropping failed writes and unknown reads).
    pub ops: usize,
    /// The most bytes the searches held at once (accounted as [`Limits::memory`] counts them).
    pub peak_bytes: usize,
}

impl CheckResult {
    /// True for [`Verdict::Linearizable`].
    pub fn is_linearizable(&self) -> bool {
        matches!(self.verdict, Verdict::Linearizable)
    }
}

/// A default step budget for one-off checks: about a second of native search.
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// The default memory budget: 1 GiB natively; 256 MiB in wasm, whose linear memory a tab
/// shares with the page and never gives back.
#[cfg(not(target_arch = "wasm32"))]
pub const DEFAULT_MAX_MEMORY: usize = 1 << 30;
/// The default memory budget: 1 GiB natively; 256 MiB in wasm, whose linear memory a tab
/// shares with the page and never gives back.
#[cfg(target_arch = "wasm32")]
pub const DEFAULT_MAX_MEMORY: usize = 256 << 20;

/// The budgets of one check: search steps (time) and accounted bytes (memory). Each applies to
/// the verdict and, separately, to building its witness.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Search steps.
    pub steps: u64,
    /// Bytes the searches may hold at once (memo, states, operations, stacks).
    pub memory: usize,
}

impl Limits {
    /// `steps` search steps and the default memory budget.
    pub fn steps(steps: u64) -> Self {
        Limits { steps, memory: DEFAULT_MAX_MEMORY }
    }
}

impl Default for Limits {
    fn default() -> Self {
        Limits::steps(DEFAULT_BUDGET)
    }
}

impl From<u64> for Limits {
    fn from(steps: u64) -> Self {
        Limits::steps(steps)
    }
}

/// Memo entries a live search reserves up front once it outlives its first slice.
const LIVE_RESERVE_ENTRIES: u64 = 4_096;

/// Steps the search may take per `LiveChecker::check` call: ~0.5 ms natively at the measured
/// ~50 ns/step, leaving room for wasm's slower steps inside a 2 ms frame allowance.
pub const LIVE_STEPS_PER_CALL: u64 = 10_000;

/// Check one of our histories against the register model, key by key, within `limits` (a step
/// count alone means the default memory budget); a witness, when there is a violation, has
/// budgets of its own of the same size.
pub fn check_history(history: &[Operation], limits: impl Into<Limits>) -> CheckResult {
    check_ops(&RegisterModel::NIL, register_ops(history), limits, Clock::Millis)
}

fn unknown(limit: Limit, limits: &Limits, what: &str) -> Verdict {
    let reason = match limit {
        Limit::Steps => format!("{what} ran out of its step budget ({} steps)", limits.steps),
        Limit::Memory => format!("{what} reached its memory budget ({})", show_bytes(limits.memory)),
    };
    Verdict::Unknown { limit, reason }
}

/// `512.0 MiB`, `1.0 GiB`, `640 KiB` (integer arithmetic: float formatting would add kilobytes
/// of code to every wasm bundle).
pub fn show_bytes(b: usize) -> String {
    let b = b as u64;
    let (unit, name) = if b >= 1 << 30 {
        (1u64 << 30, "GiB")
    } else if b >= 1 << 20 {
        (1 << 20, "MiB")
    } else {
        return format!("{} KiB", b.div_ceil(1024));
    };
    let tenths = (b * 10 + unit / 2) / unit;
    format!("{}.{} {name}", tenths / 10, tenths % 10)
}

/// Check any model's operations: partition by key, search every key (round-robin so one hard
/// key cannot starve an easy violation elsewhere), and on a violation build and verify a
/// witness.
pub fn check_ops<M: Model>(
    model: &M,
    ops: Vec<ModelOp<M::Input, M::Output>>,
    limits: impl Into<Limits>,
    clock: Clock,
) -> CheckResult {
    let limits = limits.into();
    let n_ops = ops.len();
    let parts = partition(model, ops);
    let keys = parts.len();
    let run = run_partitions(model, &parts, &limits);
    let mut steps = run.steps;
    let mut peak_bytes = run.peak_bytes;
    let verdict = match run.outcome {
        PartOutcome::AllOk => Verdict::Linearizable,
        PartOutcome::Unknown(limit) => unknown(limit, &limits, "the search"),
        PartOutcome::Violation { part, frontier } => {
            let (key, kops) = &parts[part];
            let mut finder = WitnessFinder::new(key.clone(), kops.clone(), frontier, limits.memory);
            let w = finder.run(model, limits.steps, limits.steps, clock);
            steps += finder.steps;
            peak_bytes = peak_bytes.max(finder.peak_bytes);
            Verdict::NotLinearizable { witness: w.unwrap_or_else(|| finder.finish(model, clock)) }
        }
    };
    CheckResult { verdict, steps, keys, ops: n_ops, peak_bytes }
}

/// Verdict only, without a witness: `Some(true)` linearizable, `Some(false)` not, `None` a
/// budget ran out. This is what the benchmark times (as Porcupine's `CheckOperations` does).
pub fn is_linearizable<M: Model>(
    model: &M,
    ops: Vec<ModelOp<M::Input, M::Output>>,
    limits: impl Into<Limits>,
) -> Option<bool> {
    let parts = partition(model, ops);
    match run_partitions(model, &parts, &limits.into()).outcome {
        PartOutcome::AllOk => Some(true),
        PartOutcome::Violation { .. } => Some(false),
        PartOutcome::Unknown(_) => None,
    }
}

/// Group operations by key, in key order (deterministic).
pub fn partition<M: Model>(model: &M, ops: Vec<ModelOp<M::Input, M::Output>>) -> Vec<(String, OpsOf<M>)> {
    let mut map: BTreeMap<String, OpsOf<M>> = BTreeMap::new();
    for op in ops {
        let k = model.partition(&op.input);
        match map.get_mut(k) {
            Some(v) => v.push(op),
            None => {
                map.insert(k.to_string(), vec![op]);
            }
        }
    }
    map.into_iter().collect()
}

enum PartOutcome {
    AllOk,
    /// Partition `part` is not linearizable; `frontier` is the deepest return its search
    /// reached (an index into the partition's operations).
    Violation {
        part: usize,
        frontier: Option<usize>,
    },
    Unknown(Limit),
}

struct PartsRun {
    outcome: PartOutcome,
    steps: u64,
    peak_bytes: usize,
}

/// Steps a partition runs before the next one gets its turn.
const SLICE: u64 = 1 << 14;

fn run_partitions<M: Model>(model: &M, parts: &[(String, OpsOf<M>)], limits: &Limits) -> PartsRun {
    let mut searches: Vec<Option<Search<M>>> = Vec::with_capacity(parts.len());
    let mut held: Vec<usize> = Vec::with_capacity(parts.len());
    let mut used: u64 = 0;
    let mut total = 0usize;
    let mut peak = 0usize;
    for (_, ops) in parts {
        used = used.saturating_add(ops.len() as u64); // building is work too
        let s = Search::with_limit(model, ops.clone(), limits.memory);
        total += s.bytes();
        held.push(s.bytes());
        searches.push(Some(s));
    }
    peak = peak.max(total);
    let done = |outcome, used, peak| PartsRun { outcome, steps: used, peak_bytes: peak };
    if total > limits.memory {
        return done(PartOutcome::Unknown(Limit::Memory), used, peak);
    }
    loop {
        let mut open = false;
        for (i, slot) in searches.iter_mut().enumerate() {
            let Some(search) = slot else { continue };
            let give = SLICE.min(limits.steps.saturating_sub(used));
            if give == 0 {
                return done(PartOutcome::Unknown(Limit::Steps), used, peak);
            }
            // This search may grow into what the others leave free.
            search.set_memory_limit(limits.memory.saturating_sub(total - held[i]));
            let before = search.steps;
            let poll = search.run(model, give);
            used += search.steps - before;
            let now = search.bytes();
            total = total - held[i] + now;
            held[i] = now;
            peak = peak.max(total);
            match poll {
                Poll::Done(true) => {
                    total -= held[i];
                    held[i] = 0;
                    *slot = None;
                }
                Poll::Done(false) => {
                    let frontier = search.frontier_op();
                    return done(PartOutcome::Violation { part: i, frontier }, used, peak);
                }
                Poll::Paused => open = true,
                Poll::OutOfMemory => return done(PartOutcome::Unknown(Limit::Memory), used, peak),
            }
        }
        if !open {
            return done(PartOutcome::AllOk, used, peak);
        }
    }
}
