//! Live checking for the UI: an incremental checker fed operations as they are invoked and
//! complete, with a per-call step allowance.

use super::model::{register_op, Clock, ModelOp, RegInput, RegOutput, RegisterModel};
use super::search::{Poll, Search};
use super::witness::WitnessFinder;
use super::{show_bytes, Limit, Witness, LIVE_RESERVE_ENTRIES, LIVE_STEPS_PER_CALL, SLICE};
use crate::core::history::Operation;
use serde::Serialize;
use std::collections::{BTreeMap, HashMap};

// ---------------------------------------------------------------------------------------------
// Live checking for the UI
// ---------------------------------------------------------------------------------------------

/// The live verdict shown while the simulation runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum LiveVerdict {
    /// Every key checked so far has a valid order (some may still be queued; see `busy`).
    LinearizableSoFar,
    /// A violation: final, since completing more operations can only add constraints (the
    /// search that found it is exact, so it is a proof).
    Violation {
        /// The evidence, once found, shrunk and verified (`None` while that work is under way:
        /// an unverified witness is never shown).
        witness: Option<Witness>,
    },
    /// Some key's search exceeded its allowance; it is retried when that key changes.
    Unknown {
        /// Which allowance.
        limit: Limit,
        /// The reason in words.
        reason: String,
    },
}

/// Bytes one live search (or witness probe) may hold: the page's wasm memory never shrinks,
/// so this bounds what the live verdict can ever add to it.
pub const LIVE_MAX_MEMORY: usize = 8 << 20;

/// What [`LiveChecker::check`] reports.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LiveStatus {
    /// The verdict so far.
    pub verdict: LiveVerdict,
    /// Operations fed so far.
    pub ops: usize,
    /// True when checking work remains queued (call `check` again next frame).
    pub busy: bool,
    /// Total search steps spent.
    pub steps: u64,
}

#[derive(Clone, Copy, PartialEq, Eq)]
enum KeyStatus {
    Unchecked,
    Ok,
    Unknown(Limit),
}

struct LiveKey {
    /// This key's operations in feed order; replaced in place when an op completes.
    ops: Vec<Operation>,
    pos: HashMap<u64, usize>,
    dirty: bool,
    search: Option<Search<RegisterModel>>,
    snapshot: Vec<ModelOp<RegInput, RegOutput>>,
    status: KeyStatus,
}

/// A copy for a time-travel checkpoint (`sim::travel`): a search in progress is not copied (its
/// memo can hold hundreds of thousands of entries); the copy re-checks the key from scratch,
/// which reaches the same verdict.
impl Clone for LiveKey {
    fn clone(&self) -> Self {
        let searching = self.search.is_some();
        LiveKey {
            ops: self.ops.clone(),
            pos: self.pos.clone(),
            dirty: self.dirty || searching,
            search: None,
            // Only read right after a search ends (to build a witness): dead data otherwise.
            snapshot: Vec::new(),
            status: self.status,
        }
    }
}

/// Incremental checker for the live UI: fed operations as they are invoked and complete, it
/// re-checks only the keys that changed, and never searches more than `steps_per_call` steps
/// per call.
///
/// A search in progress keeps its snapshot until it finishes (so progress is guaranteed even
/// while operations keep arriving); then the key is re-checked with everything fed since. A
/// snapshot treats still-pending operations as unknown, so a violation found in a snapshot is
/// a violation of every later history: it is final. For that, operations must be fed when
/// *invoked* (pending) and again when they complete — [`sync`](Self::sync) does both from the
/// simulator's history. A checker fed only completed operations could see a read of a write it
/// has not heard of yet and report a violation that is not there.
#[derive(Clone)]
pub struct LiveChecker {
    steps_per_call: u64,
    max_steps_per_snapshot: u64,
    keys: BTreeMap<String, LiveKey>,
    key_of: HashMap<u64, String>,
    seen: usize,
    unsettled: Vec<usize>,
    /// A violation found: its witness once built, and the finder while it is at work.
    violation: Option<(Option<Witness>, Option<WitnessFinder<RegisterModel>>)>,
    witness_budget: u64,
    cursor: usize,
    steps: u64,
    total_ops: usize,
}

impl Default for LiveChecker {
    fn default() -> Self {
        Self::new(LIVE_STEPS_PER_CALL)
    }
}

impl LiveChecker {
    /// A checker that spends at most `steps_per_call` search steps per [`check`](Self::check).
    pub fn new(steps_per_call: u64) -> Self {
        LiveChecker {
            steps_per_call: steps_per_call.max(1),
            max_steps_per_snapshot: 300_000,
            keys: BTreeMap::new(),
            key_of: HashMap::new(),
            seen: 0,
            unsettled: Vec::new(),
            violation: None,
            witness_budget: 1_000_000,
            cursor: 0,
            steps: 0,
            total_ops: 0,
        }
    }

    /// Give up on a key's snapshot (verdict `Unknown`) after this many steps.
    pub fn set_max_steps_per_snapshot(&mut self, steps: u64) {
        self.max_steps_per_snapshot = steps.max(1);
    }

    /// Add an operation, or replace the one with the same `id` (e.g. pending → completed).
    pub fn push(&mut self, op: &Operation) {
        let key = op.op.key().to_string();
        if let Some(old_key) = self.key_of.get(&op.id) {
            if *old_key == key {
                if let Some(k) = self.keys.get_mut(&key) {
                    if let Some(&p) = k.pos.get(&op.id) {
                        if k.ops[p] != *op {
                            k.ops[p] = op.clone();
                            k.dirty = true;
                        }
                        return;
                    }
                }
            }
        }
        self.key_of.insert(op.id, key.clone());
        self.total_ops += 1;
        let k = self.keys.entry(key).or_insert_with(|| LiveKey {
            ops: Vec::new(),
            pos: HashMap::new(),
            dirty: false,
            search: None,
            snapshot: Vec::new(),
            status: KeyStatus::Unchecked,
        });
        k.pos.insert(op.id, k.ops.len());
        k.ops.push(op.clone());
        k.dirty = true;
    }

    /// Feed an append-only history (the simulator's): new entries since the last call, and
    /// entries that were pending then and have completed since.
    pub fn sync(&mut self, history: &[Operation]) {
        let mut still = Vec::new();
        let unsettled = std::mem::take(&mut self.unsettled);
        for i in unsettled {
            if let Some(op) = history.get(i) {
                self.push(op);
                if op.outcome.is_none() {
                    still.push(i);
                }
            }
        }
        for (i, op) in history.iter().enumerate().skip(self.seen) {
            self.push(op);
            if op.outcome.is_none() {
                still.push(i);
            }
        }
        self.seen = self.seen.max(history.len());
        self.unsettled = still;
    }

    /// Spend up to `steps_per_call` steps and report.
    pub fn check(&mut self) -> LiveStatus {
        let mut left = self.steps_per_call;
        while left > 0 {
            if let Some((_, finder)) = &mut self.violation {
                if let Some(f) = finder {
                    let before = f.steps;
                    let done = f.run(&RegisterModel::NIL, left, self.witness_budget, Clock::Millis);
                    let used = f.steps - before;
                    self.steps += used;
                    left = left.saturating_sub(used.max(1));
                    if let Some(w) = done {
                        self.violation = Some((Some(w), None));
                    }
                    continue;
                }
                break;
            }
            // Round-robin over keys with work, starting after the last one served.
            let n = self.keys.len();
            let Some(idx) = (0..n)
                .map(|d| (self.cursor + d) % n.max(1))
                .find(|&i| self.keys.values().nth(i).map(|k| k.dirty || k.search.is_some()).unwrap_or(false))
            else {
                break;
            };
            self.cursor = idx + 1;
            let Some((key, k)) = self.keys.iter_mut().nth(idx) else {
                break;
            };
            if k.search.is_none() {
                k.snapshot = k.ops.iter().filter_map(register_op).collect();
                k.dirty = false;
                let cost = k.snapshot.len() as u64;
                k.search = Some(Search::with_limit(&RegisterModel::NIL, k.snapshot.clone(), LIVE_MAX_MEMORY));
                self.steps += cost;
                left = left.saturating_sub(cost);
                if left == 0 {
                    break;
                }
            }
            let Some(search) = k.search.as_mut() else {
                continue;
            };
            let give = left.min(SLICE);
            let before = search.steps;
            let poll = search.run(&RegisterModel::NIL, give);
            let used = search.steps - before;
            self.steps += used;
            left = left.saturating_sub(used.max(1));
            match poll {
                Poll::Done(true) => {
                    k.search = None;
                    k.status = KeyStatus::Ok;
                }
                Poll::Done(false) => {
                    let frontier = search.frontier_op();
                    k.search = None;
                    let finder = WitnessFinder::new(key.clone(), k.snapshot.clone(), frontier, LIVE_MAX_MEMORY);
                    self.violation = Some((None, Some(finder)));
                }
                Poll::OutOfMemory => {
                    k.search = None;
                    k.status = KeyStatus::Unknown(Limit::Memory);
                }
                Poll::Paused => {
                    if !search.reserved {
                        // A search that outlives its first slice may grow: reserve room for
                        // a few thousand memo entries so early frames do not rehash. Not the
                        // per-snapshot maximum: in wasm, reserved memory is committed linear
                        // memory that never shrinks (300k entries x the key's bitset words
                        // reached 300 MB in an hour-long run).
                        search.reserve(self.max_steps_per_snapshot.min(LIVE_RESERVE_ENTRIES) as usize);
                    }
                    if search.steps >= self.max_steps_per_snapshot {
                        k.search = None;
                        k.status = KeyStatus::Unknown(Limit::Steps);
                    }
                }
            }
        }
        self.status()
    }

    /// The current verdict without doing any work.
    pub fn status(&self) -> LiveStatus {
        let busy = match &self.violation {
            Some((_, finder)) => finder.is_some(),
            None => self.keys.values().any(|k| k.dirty || k.search.is_some()),
        };
        let verdict = if let Some((w, _)) = &self.violation {
            LiveVerdict::Violation { witness: w.clone() }
        } else if let Some((key, limit)) = self.keys.iter().find_map(|(key, k)| match k.status {
            KeyStatus::Unknown(limit) => Some((key, limit)),
            _ => None,
        }) {
            let on = if key.is_empty() { String::new() } else { format!(" on key {key}") };
            let reason = match limit {
                Limit::Steps => format!(
                    "the search{on} ran out of its {} steps; it is retried when that key changes",
                    self.max_steps_per_snapshot
                ),
                Limit::Memory => format!(
                    "the search{on} reached its memory budget ({}); it is retried when that key changes",
                    show_bytes(LIVE_MAX_MEMORY)
                ),
            };
            LiveVerdict::Unknown { limit, reason }
        } else {
            LiveVerdict::LinearizableSoFar
        };
        LiveStatus { verdict, ops: self.total_ops, busy, steps: self.steps }
    }
}
