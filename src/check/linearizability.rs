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

use crate::core::history::{Operation, Outcome};
use crate::core::sort;
use crate::protocol::{ClientOp, ClientResult, Value};
use serde::Serialize;
use std::collections::hash_map::Entry;
use std::collections::{BTreeMap, HashMap};
use std::hash::{BuildHasherDefault, Hash, Hasher};

// ---------------------------------------------------------------------------------------------
// Models
// ---------------------------------------------------------------------------------------------

/// What one operation does to a model state.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Transition<S> {
    /// The observed output is impossible in this state.
    Illegal,
    /// Legal, and the state is unchanged (returned by reads, so nothing is cloned).
    Unchanged,
    /// Legal, and this is the new state.
    Next(S),
}

/// A sequential specification the checker linearises against (Porcupine's `Model`).
pub trait Model {
    /// The model's state; compared and hashed for the memo.
    type State: Clone + Eq + Hash;
    /// What an operation asked for; equal inputs of unknown-outcome operations are interchangeable.
    type Input: Clone + Eq + Hash;
    /// What an operation returned.
    type Output: Clone;
    /// The state before any operation.
    fn init(&self) -> Self::State;
    /// Apply `input` in `state`; `output` is `None` when the outcome is unknown (then only the
    /// effect is computed and any result is acceptable).
    fn step(&self, state: &Self::State, input: &Self::Input, output: Option<&Self::Output>) -> Transition<Self::State>;
    /// True when this operation can never change any state (enables the forced-read rule);
    /// `false` is always safe.
    fn read_only(&self, _input: &Self::Input, _output: &Self::Output) -> bool {
        false
    }
    /// True when this input's effect never depends on the state (a blind write); enables the
    /// rule "an unknown-outcome operation immediately overwritten is pointless". `false` is
    /// always safe.
    fn blind(&self, _input: &Self::Input) -> bool {
        false
    }
    /// The independent part of the state this input touches (its key); one partition by default.
    fn partition<'a>(&self, _input: &'a Self::Input) -> &'a str {
        ""
    }
    /// A short human description, e.g. `read x → 1` or `write x = 2`.
    fn describe(&self, input: &Self::Input, output: Option<&Self::Output>) -> String;
    /// A model-specific sentence explaining why the `failing` operation of a (small) witness
    /// cannot be placed; `None` falls back to a generic sentence.
    fn explain(&self, _failing: usize, _ops: &[&ModelOp<Self::Input, Self::Output>], _clock: Clock) -> Option<String> {
        None
    }
}

/// One operation as the checker sees it: input, output (or unknown), and its real-time interval.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ModelOp<I, O> {
    /// Caller's identifier, reported in witnesses (our `Operation::id`, or a line number).
    pub id: u64,
    /// The client / Jepsen process that issued it.
    pub client: u64,
    /// What was asked.
    pub input: I,
    /// What came back; `None` = outcome unknown: may take effect any time after `call`, or never.
    pub output: Option<O>,
    /// Invocation time.
    pub call: u64,
    /// Return time (ignored when `output` is `None`, which means "returns at +∞").
    pub ret: u64,
}

/// A model's operations.
pub type OpsOf<M> = Vec<ModelOp<<M as Model>::Input, <M as Model>::Output>>;

/// A cut of a history: (index in the partition, possibly relaxed copy of the operation).
type Cut<M> = Vec<(usize, ModelOp<<M as Model>::Input, <M as Model>::Output>)>;

/// How timestamps read in sentences: simulated milliseconds, or line numbers of a log file.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Clock {
    /// `812 ms`.
    Millis,
    /// `line 812`.
    Line,
}

impl Clock {
    /// Format one timestamp.
    pub fn at(self, t: u64) -> String {
        match self {
            Clock::Millis => format!("{t} ms"),
            Clock::Line => format!("line {t}"),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Our register / key-value model (also the etcd compare-and-set register)
// ---------------------------------------------------------------------------------------------

/// What a register operation asks (the key is kept for partitioning and descriptions).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct RegInput {
    /// The register's key (`""` for a single-register history such as Jepsen's etcd logs).
    pub key: String,
    /// The operation.
    pub op: RegOp,
}

/// Register operations: read, write and compare-and-set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "f", rename_all = "snake_case")]
pub enum RegOp {
    /// Read the value.
    Read,
    /// Overwrite with `value`.
    Write {
        /// The value written.
        value: Value,
    },
    /// Set to `to` if the value is `from`.
    Cas {
        /// Expected value.
        from: Value,
        /// New value.
        to: Value,
    },
}

/// What a register operation returned.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(tag = "r", rename_all = "snake_case")]
pub enum RegOutput {
    /// A read saw this value (`None` = never written; nil is distinct from every integer).
    Read(Option<Value>),
    /// A write took effect.
    Written,
    /// A compare-and-set took effect.
    CasOk,
    /// A compare-and-set ran and found a value other than `from` (an observation, no effect).
    CasFailed,
}

/// A register per key holding `Option<i64>` (`None` until written), with read/write/cas.
#[derive(Clone, Copy, Debug, Default)]
pub struct RegisterModel;

fn show_value(v: Option<Value>) -> String {
    match v {
        Some(v) => v.to_string(),
        None => "nil".to_string(),
    }
}

fn key_prefix(key: &str) -> String {
    if key.is_empty() {
        String::new()
    } else {
        format!(" {key}")
    }
}

impl Model for RegisterModel {
    type State = Option<Value>;
    type Input = RegInput;
    type Output = RegOutput;

    fn init(&self) -> Option<Value> {
        None
    }

    fn step(&self, state: &Option<Value>, input: &RegInput, output: Option<&RegOutput>) -> Transition<Option<Value>> {
        match (input.op, output) {
            (RegOp::Read, Some(RegOutput::Read(v))) => {
                if *v == *state {
                    Transition::Unchanged
                } else {
                    Transition::Illegal
                }
            }
            (RegOp::Read, None) => Transition::Unchanged,
            (RegOp::Write { value }, Some(RegOutput::Written) | None) => Transition::Next(Some(value)),
            (RegOp::Cas { from, to }, Some(RegOutput::CasOk)) => {
                if *state == Some(from) {
                    Transition::Next(Some(to))
                } else {
                    Transition::Illegal
                }
            }
            (RegOp::Cas { from, .. }, Some(RegOutput::CasFailed)) => {
                if *state == Some(from) {
                    Transition::Illegal
                } else {
                    Transition::Unchanged
                }
            }
            (RegOp::Cas { from, to }, None) => {
                if *state == Some(from) {
                    Transition::Next(Some(to))
                } else {
                    Transition::Unchanged
                }
            }
            // An output that does not belong to the input can never be explained.
            _ => Transition::Illegal,
        }
    }

    fn read_only(&self, input: &RegInput, output: &RegOutput) -> bool {
        matches!((input.op, output), (RegOp::Read, _) | (RegOp::Cas { .. }, RegOutput::CasFailed))
    }

    fn blind(&self, input: &RegInput) -> bool {
        matches!(input.op, RegOp::Write { .. })
    }

    fn partition<'a>(&self, input: &'a RegInput) -> &'a str {
        &input.key
    }

    fn describe(&self, input: &RegInput, output: Option<&RegOutput>) -> String {
        let k = key_prefix(&input.key);
        match (input.op, output) {
            (RegOp::Read, Some(RegOutput::Read(v))) => format!("read{k} → {}", show_value(*v)),
            (RegOp::Read, _) => format!("read{k}"),
            (RegOp::Write { value }, _) => format!("write{k} = {value}"),
            (RegOp::Cas { from, to }, Some(RegOutput::CasOk)) => {
                format!("cas{k} {from}→{to} (succeeded)")
            }
            (RegOp::Cas { from, to }, Some(RegOutput::CasFailed)) => {
                format!("cas{k} {from}→{to} (failed)")
            }
            (RegOp::Cas { from, to }, _) => format!("cas{k} {from}→{to}"),
        }
    }

    fn explain(&self, failing: usize, ops: &[&ModelOp<RegInput, RegOutput>], clock: Clock) -> Option<String> {
        explain_register(self, failing, ops, clock)
    }
}

/// The value a definite mutation leaves behind, if it is one.
fn written_value(op: &ModelOp<RegInput, RegOutput>) -> Option<Value> {
    match (op.input.op, op.output) {
        (RegOp::Write { value }, _) => Some(value),
        (RegOp::Cas { to, .. }, Some(RegOutput::CasOk) | None) => Some(to),
        _ => None,
    }
}

/// Register-specific sentences for the common shapes of violation (stale read, value from
/// nowhere); `None` when the witness has another shape.
fn explain_register(
    model: &RegisterModel,
    failing: usize,
    ops: &[&ModelOp<RegInput, RegOutput>],
    clock: Clock,
) -> Option<String> {
    let b = ops.get(failing)?;
    let k = key_prefix(&b.input.key);
    let what = model.describe(&b.input, b.output.as_ref());
    // What the failing operation needed the register to hold.
    let needed: Option<Value> = match (b.input.op, b.output?) {
        (RegOp::Read, RegOutput::Read(v)) => v,
        (RegOp::Cas { from, .. }, RegOutput::CasOk) => Some(from),
        _ => return None,
    };
    let others: Vec<&&ModelOp<RegInput, RegOutput>> =
        ops.iter().enumerate().filter(|(i, _)| *i != failing).map(|(_, o)| o).collect();
    let writers_of_needed: Vec<&&ModelOp<RegInput, RegOutput>> =
        others.iter().copied().filter(|o| needed.is_some() && written_value(o) == needed).collect();
    let when = format!("invoked at {}, returned at {}", clock.at(b.call), clock.at(b.ret));
    if others.is_empty() {
        if let Some(v) = needed {
            return Some(format!("{what} ({when}), but no write of {v} to{k} was invoked before it returned."));
        }
        return None;
    }
    // Stale read: another value was acknowledged before the read began, and every write of the
    // value read had finished before that other write started.
    let mut best: Option<&&ModelOp<RegInput, RegOutput>> = None;
    for o in others.iter().copied() {
        let Some(u) = written_value(o) else { continue };
        if o.output.is_none() || Some(u) == needed || o.ret >= b.call {
            continue;
        }
        let overwritten = writers_of_needed.iter().all(|w| w.output.is_some() && w.ret < o.call);
        if overwritten && best.map(|x| o.ret > x.ret).unwrap_or(true) {
            best = Some(o);
        }
    }
    if let Some(w) = best {
        let wdesc = model.describe(&w.input, w.output.as_ref());
        let mut s =
            format!("{what} ({when}), but {wdesc} had been acknowledged at {} before it began", clock.at(w.ret));
        if let Some(last) = writers_of_needed.iter().max_by_key(|w| w.ret) {
            s.push_str(&format!(
                ", and the last write of {} had finished at {}, before {wdesc} started",
                show_value(needed),
                clock.at(last.ret)
            ));
        }
        s.push('.');
        return Some(s);
    }
    None
}

/// Convert one of our operations to the register model: `None` when it constrains nothing
/// (a failed or unknown read, or a write/cas that definitely did not happen).
pub fn register_op(op: &Operation) -> Option<ModelOp<RegInput, RegOutput>> {
    let (key, rop) = match &op.op {
        ClientOp::Read { key } => (key, RegOp::Read),
        ClientOp::Write { key, value } => (key, RegOp::Write { value: *value }),
        ClientOp::Cas { key, from, to } => (key, RegOp::Cas { from: *from, to: *to }),
    };
    let completed = op.complete;
    // A compare-and-set that ran and failed is an observation whether it is logged ok or fail.
    let output = match (&rop, op.outcome, &op.result, completed) {
        (RegOp::Cas { .. }, Some(Outcome::Ok | Outcome::Fail), Some(ClientResult::CasFailed { .. }), Some(_)) => {
            Some(RegOutput::CasFailed)
        }
        (_, Some(Outcome::Fail), _, _) => return None,
        (RegOp::Read, Some(Outcome::Ok), Some(ClientResult::ReadOk { value }), Some(_)) => {
            Some(RegOutput::Read(*value))
        }
        (RegOp::Write { .. }, Some(Outcome::Ok), Some(ClientResult::WriteOk), Some(_)) => Some(RegOutput::Written),
        (RegOp::Cas { .. }, Some(Outcome::Ok), Some(ClientResult::CasOk), Some(_)) => Some(RegOutput::CasOk),
        // Info, pending, or an ok whose result does not fit: the outcome is unknown.
        _ => None,
    };
    if output.is_none() && rop == RegOp::Read {
        return None; // an unknown read constrains nothing
    }
    Some(ModelOp {
        id: op.id,
        client: u64::from(op.client),
        input: RegInput { key: key.clone(), op: rop },
        output,
        call: op.invoke,
        ret: completed.unwrap_or(op.invoke).max(op.invoke),
    })
}

/// Convert a whole history (see [`register_op`]).
pub fn register_ops(history: &[Operation]) -> Vec<ModelOp<RegInput, RegOutput>> {
    history.iter().filter_map(register_op).collect()
}

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/// A small set of operations that cannot be ordered, and why.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Witness {
    /// The key (partition) the violation is on.
    pub key: String,
    /// Id of the operation that cannot be placed: its return is the earliest point at which the
    /// history stops being linearizable.
    pub failing_op: u64,
    /// Ids of the operations of the witness (including `failing_op`), in invocation order.
    pub ops: Vec<u64>,
    /// One line per witness operation: description, outcome and interval.
    pub lines: Vec<String>,
    /// A sentence for the reader.
    pub sentence: String,
    /// True when shrinking finished: relaxing any one other listed operation (letting it take
    /// effect at any time after its invocation, or not at all) makes the rest orderable.
    pub minimal: bool,
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
    /// The step budget ran out before an answer.
    Unknown,
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
}

impl CheckResult {
    /// True for [`Verdict::Linearizable`].
    pub fn is_linearizable(&self) -> bool {
        matches!(self.verdict, Verdict::Linearizable)
    }
}

/// A default budget for one-off checks: about a second of native search.
pub const DEFAULT_BUDGET: u64 = 20_000_000;

/// Memo entries a live search reserves up front once it outlives its first slice.
const LIVE_RESERVE_ENTRIES: u64 = 4_096;

/// Steps the search may take per `LiveChecker::check` call: ~0.5 ms natively at the measured
/// ~50 ns/step, leaving room for wasm's slower steps inside a 2 ms frame allowance.
pub const LIVE_STEPS_PER_CALL: u64 = 10_000;

/// Check one of our histories against the register model, key by key, within `budget` steps
/// (the witness search, when there is a violation, has its own `budget`).
pub fn check_history(history: &[Operation], budget: u64) -> CheckResult {
    check_ops(&RegisterModel, register_ops(history), budget, Clock::Millis)
}

/// Check any model's operations: partition by key, search every key (round-robin so one hard
/// key cannot starve an easy violation elsewhere), and on a violation build a witness.
pub fn check_ops<M: Model>(
    model: &M,
    ops: Vec<ModelOp<M::Input, M::Output>>,
    budget: u64,
    clock: Clock,
) -> CheckResult {
    let n_ops = ops.len();
    let parts = partition(model, ops);
    let keys = parts.len();
    let (outcome, mut steps) = run_partitions(model, &parts, budget);
    let verdict = match outcome {
        PartOutcome::AllOk => Verdict::Linearizable,
        PartOutcome::Unknown => Verdict::Unknown,
        PartOutcome::Violation(i) => {
            let (key, kops) = &parts[i];
            let mut finder = WitnessFinder::new(key.clone(), kops.clone());
            let w = finder.run(model, budget, budget, clock);
            steps += finder.steps;
            Verdict::NotLinearizable { witness: w.unwrap_or_else(|| finder.finish(model, clock)) }
        }
    };
    CheckResult { verdict, steps, keys, ops: n_ops }
}

/// Verdict only, without a witness: `Some(true)` linearizable, `Some(false)` not, `None` budget
/// exhausted. This is what the benchmark times (as Porcupine's `CheckOperations` does).
pub fn is_linearizable<M: Model>(model: &M, ops: Vec<ModelOp<M::Input, M::Output>>, budget: u64) -> Option<bool> {
    let parts = partition(model, ops);
    match run_partitions(model, &parts, budget).0 {
        PartOutcome::AllOk => Some(true),
        PartOutcome::Violation(_) => Some(false),
        PartOutcome::Unknown => None,
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
    Violation(usize),
    Unknown,
}

/// Steps a partition runs before the next one gets its turn.
const SLICE: u64 = 1 << 14;

fn run_partitions<M: Model>(model: &M, parts: &[(String, OpsOf<M>)], budget: u64) -> (PartOutcome, u64) {
    let mut searches: Vec<Option<Search<M>>> = Vec::with_capacity(parts.len());
    let mut used: u64 = 0;
    for (_, ops) in parts {
        used = used.saturating_add(ops.len() as u64); // building is work too
        searches.push(Some(Search::new(model, ops.clone())));
    }
    loop {
        let mut open = false;
        for (i, slot) in searches.iter_mut().enumerate() {
            let Some(search) = slot else { continue };
            let give = SLICE.min(budget.saturating_sub(used));
            if give == 0 {
                return (PartOutcome::Unknown, used);
            }
            let before = search.steps;
            let poll = search.run(model, give);
            used += search.steps - before;
            match poll {
                Poll::Done(true) => *slot = None,
                Poll::Done(false) => return (PartOutcome::Violation(i), used),
                Poll::Paused => open = true,
            }
        }
        if !open {
            return (PartOutcome::AllOk, used);
        }
    }
}

// ---------------------------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------------------------

/// Fast non-cryptographic hasher (FxHash) for interning states; iteration order never leaks.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // Final avalanche so hashbrown's top bits are well mixed.
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^ (z >> 33)
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Identity hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;
type IdBuild = BuildHasherDefault<IdHasher>;

const NIL: u32 = u32::MAX;

fn fx_hash<T: Hash>(t: &T) -> u64 {
    let mut h = FxHasher::default();
    t.hash(&mut h);
    h.finish()
}
const HEAD: u32 = 0;
const RET: u32 = 1 << 31;

fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Result of running a search for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Poll {
    /// Finished: linearizable or not.
    Done(bool),
    /// The step allowance ran out; call `run` again to continue.
    Paused,
}

#[derive(Clone, Copy)]
struct Frame {
    node: u32,
    prev_state: u32,
    forced: bool,
}

/// A resumable Wing–Gong–Lowe search over one partition.
#[derive(Clone)]
pub(crate) struct Search<M: Model> {
    ops: Vec<ModelOp<M::Input, M::Output>>,
    /// Definite and read-only: linearised at once when legal (see module docs).
    pure_op: Vec<bool>,
    /// Blind writes: never linearised right after an unknown-outcome operation (see `try_node`).
    blind_op: Vec<bool>,
    /// For unknown ops: the previous unknown op with an equal input (must be used first).
    class_prev: Vec<u32>,
    ret_node: Vec<u32>,
    // Dancing-links list over node 0 (head) and one node per call/return event.
    next: Vec<u32>,
    prev: Vec<u32>,
    node_op: Vec<u32>,
    // The linearised set, with an incrementally maintained Zobrist hash.
    bits: Vec<u64>,
    /// Bits of the unknown-outcome operations.
    unk_mask: Vec<u64>,
    zkey: Vec<u64>,
    zob: u64,
    // Interned model states: the search and memo work on small ids.
    states: Vec<M::State>,
    /// State hash → first state id with that hash; `state_chain` links ids with equal hashes.
    /// (Keyed by the stored hash so growing the table never rehashes the states themselves.)
    state_index: HashMap<u64, u32, IdBuild>,
    state_chain: Vec<u32>,
    state: u32,
    stack: Vec<Frame>,
    // Memo of visited (linearised set, state): hash → chain of entries in flat arrays.
    cache: HashMap<u64, u32, IdBuild>,
    c_state: Vec<u32>,
    c_next: Vec<u32>,
    c_bits: Vec<u64>,
    n_definite: usize,
    lin_definite: usize,
    cur: u32,
    pure_phase: bool,
    /// Branching order of each op: definite ones by invocation, unknown outcomes last.
    rank: Vec<u32>,
    /// Branching candidates, one slice per configuration in the branch phase on the path.
    cand: Vec<(u32, u32)>,
    /// Per branching configuration: (start of its slice in `cand`, next position to try).
    levels: Vec<(u32, u32)>,
    /// Steps used so far.
    pub(crate) steps: u64,
    result: Option<bool>,
    /// True once `reserve` was called.
    pub(crate) reserved: bool,
}

impl<M: Model> Search<M> {
    /// Build the event list for one partition's operations.
    pub(crate) fn new(model: &M, ops: Vec<ModelOp<M::Input, M::Output>>) -> Self {
        let n = ops.len();
        // Events sorted by (time, call before return, op index): deterministic, and touching
        // intervals count as concurrent.
        let mut events: Vec<(u64, u32, u32)> = Vec::with_capacity(2 * n);
        for (i, op) in ops.iter().enumerate() {
            events.push((op.call, 0, i as u32));
            if op.output.is_some() {
                events.push((op.ret.max(op.call), 1, i as u32));
            }
        }
        sort::sort(&mut events);
        let nodes = events.len() + 1;
        let mut next = vec![NIL; nodes];
        let mut prev = vec![NIL; nodes];
        let mut node_op = vec![NIL; nodes];
        let mut ret_node = vec![NIL; n];
        for (k, &(_, kind, i)) in events.iter().enumerate() {
            let node = (k + 1) as u32;
            prev[node as usize] = k as u32;
            next[k] = node;
            if kind == 1 {
                node_op[node as usize] = i | RET;
                ret_node[i as usize] = node;
            } else {
                node_op[node as usize] = i;
            }
        }
        let mut class_prev = vec![NIL; n];
        let mut last_of_class: HashMap<&M::Input, u32, FxBuild> = HashMap::default();
        for &(_, kind, i) in &events {
            if kind == 0 && ops[i as usize].output.is_none() {
                let input = &ops[i as usize].input;
                if let Some(p) = last_of_class.insert(input, i) {
                    class_prev[i as usize] = p;
                }
            }
        }
        let pure_op: Vec<bool> =
            ops.iter().map(|o| o.output.as_ref().map(|out| model.read_only(&o.input, out)).unwrap_or(false)).collect();
        let blind_op: Vec<bool> = ops.iter().map(|o| model.blind(&o.input)).collect();
        let n_definite = ops.iter().filter(|o| o.output.is_some()).count();
        // Candidate order: definite operations by invocation (as Porcupine), unknown outcomes
        // last — they are never needed to explain anything unless a definite result demands
        // them. (Ordering by return time was tried: better on some keys, much worse on others.)
        let mut by_rank: Vec<(bool, u64, usize)> =
            ops.iter().enumerate().map(|(i, o)| (o.output.is_none(), o.call, i)).collect();
        sort::sort(&mut by_rank);
        let mut rank = vec![0u32; n];
        for (r, &(_, _, i)) in by_rank.iter().enumerate() {
            rank[i] = r as u32;
        }
        let mut seed = 0x5EED_0FCA_u64;
        // Only definite operations enter the memo's hash: configurations that differ only in
        // which unknown-outcome operations were used land in one chain (see `memo_insert`).
        let zkey: Vec<u64> = ops
            .iter()
            .map(|o| {
                let k = splitmix(&mut seed);
                if o.output.is_some() {
                    k
                } else {
                    0
                }
            })
            .collect();
        let mut unk_mask = vec![0u64; n.div_ceil(64).max(1)];
        for (i, o) in ops.iter().enumerate() {
            if o.output.is_none() {
                unk_mask[i >> 6] |= 1u64 << (i & 63);
            }
        }
        let init = model.init();
        let mut state_index: HashMap<u64, u32, IdBuild> = HashMap::default();
        state_index.insert(fx_hash(&init), 0);
        let words = n.div_ceil(64).max(1);
        Search {
            pure_op,
            blind_op,
            class_prev,
            ret_node,
            next,
            prev,
            node_op,
            bits: vec![0; words],
            unk_mask,
            zkey,
            zob: 0,
            states: vec![init],
            state_index,
            state_chain: vec![NIL],
            state: 0,
            stack: Vec::new(),
            cache: HashMap::default(),
            c_state: Vec::new(),
            c_next: Vec::new(),
            c_bits: Vec::new(),
            n_definite,
            lin_definite: 0,
            cur: HEAD,
            pure_phase: true,
            rank,
            cand: Vec::new(),
            levels: Vec::new(),
            steps: 0,
            result: if n_definite == 0 { Some(true) } else { None },
            reserved: false,
            ops,
        }
        .started()
    }

    fn started(mut self) -> Self {
        self.cur = self.next[HEAD as usize];
        self
    }

    /// Pre-allocate the memo for `entries` entries, so that growing it never stalls a frame.
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.reserved = true;
        self.cache.reserve(entries);
        self.c_state.reserve(entries);
        self.c_next.reserve(entries);
        self.c_bits.reserve(entries.saturating_mul(self.bits.len()));
    }

    #[inline]
    fn bit(&self, op: u32) -> bool {
        self.bits[(op >> 6) as usize] & (1u64 << (op & 63)) != 0
    }

    #[inline]
    fn flip(&mut self, op: u32) {
        self.bits[(op >> 6) as usize] ^= 1u64 << (op & 63);
    }

    fn intern(&mut self, s: M::State) -> u32 {
        let h = fx_hash(&s);
        let new_id = self.states.len() as u32;
        match self.state_index.entry(h) {
            Entry::Occupied(mut e) => {
                let mut i = *e.get();
                while i != NIL {
                    if self.states[i as usize] == s {
                        return i;
                    }
                    i = self.state_chain[i as usize];
                }
                self.state_chain.push(*e.get());
                e.insert(new_id);
            }
            Entry::Vacant(e) => {
                self.state_chain.push(NIL);
                e.insert(new_id);
            }
        }
        self.states.push(s);
        new_id
    }

    /// Insert (current bits, state) into the memo; false when it was already there — or when
    /// a visited configuration *dominates* it: same state, same definite operations placed,
    /// and a subset of the unknown-outcome ones used. Having used fewer unknowns leaves more
    /// options, so if that one failed, this one fails too (Knossos-style pruning of `info`).
    fn memo_insert(&mut self, hash: u64, state: u32) -> bool {
        let words = self.bits.len();
        let key = hash ^ (u64::from(state) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let new_idx = self.c_state.len() as u32;
        let chain = match self.cache.entry(key) {
            Entry::Occupied(mut e) => {
                let mut i = *e.get();
                // Newest entries first; a bounded walk keeps every step O(1) (missing a match
                // only costs re-exploration, never soundness).
                let mut walk = 0;
                while i != NIL && walk < 24 {
                    walk += 1;
                    let iu = i as usize;
                    if self.c_state[iu] == state {
                        let seen = &self.c_bits[iu * words..(iu + 1) * words];
                        let dominated = seen.iter().zip(&self.bits).zip(&self.unk_mask).all(|((&old, &cur), &unk)| {
                            // Definite parts equal, and old's unknowns ⊆ current unknowns.
                            (old ^ cur) & !unk == 0 && old & unk & !cur == 0
                        });
                        if dominated {
                            return false;
                        }
                    }
                    i = self.c_next[iu];
                }
                let old = *e.get();
                e.insert(new_idx);
                old
            }
            Entry::Vacant(e) => {
                e.insert(new_idx);
                NIL
            }
        };
        self.c_state.push(state);
        self.c_next.push(chain);
        self.c_bits.extend_from_slice(&self.bits);
        true
    }

    #[inline]
    fn unlink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = n;
        if n != NIL {
            self.prev[n as usize] = p;
        }
    }

    #[inline]
    fn relink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = node;
        if n != NIL {
            self.prev[n as usize] = node;
        }
    }

    /// Pop choices until one with untried alternatives; false when the stack is empty.
    fn backtrack(&mut self) -> bool {
        while let Some(f) = self.stack.pop() {
            let op = self.node_op[f.node as usize];
            let r = self.ret_node[op as usize];
            if r != NIL {
                self.relink(r);
            }
            self.relink(f.node);
            self.flip(op);
            self.zob ^= self.zkey[op as usize];
            self.state = f.prev_state;
            if r != NIL {
                self.lin_definite -= 1;
            }
            if !f.forced {
                // Back at the configuration that chose this frame: its level has the next
                // candidate.
                self.pure_phase = false;
                return true;
            }
        }
        false
    }

    /// Collect the branching candidates of the current configuration (calls before the first
    /// pending return, except read-only ones, which the pure phase already tried), in `rank`
    /// order.
    fn push_level(&mut self) -> u64 {
        let start = self.cand.len();
        let mut e = self.next[HEAD as usize];
        let mut scanned = 0u64;
        while e != NIL {
            let tag = self.node_op[e as usize];
            if tag & RET != 0 {
                break;
            }
            scanned += 1;
            let op = tag as usize;
            if !self.pure_op[op] {
                let p = self.class_prev[op];
                if p == NIL || self.bit(p) {
                    self.cand.push((self.rank[op], e));
                }
            }
            e = self.next[e as usize];
        }
        sort::sort(&mut self.cand[start..]);
        self.levels.push((start as u32, start as u32));
        scanned
    }

    /// Make `e` (a call node) the next linearised operation if legal and not memoised; returns
    /// `Some(true)` when it was linearised, `Some(false)` when skipped, `None` when a forced
    /// move hit the memo (the configuration fails).
    #[inline]
    fn try_node(&mut self, model: &M, e: u32) -> Option<bool> {
        let op = self.node_op[e as usize] as usize;
        let pure = self.pure_op[op];
        let definite = self.ret_node[op] != NIL;
        if self.blind_op[op] {
            // Unknown u then blind b is dominated by b alone (u stays available for later):
            // the sibling branch that places b without u covers it.
            if let Some(top) = self.stack.last() {
                if self.ret_node[self.node_op[top.node as usize] as usize] == NIL {
                    return Some(false);
                }
            }
        }
        let o = &self.ops[op];
        let new_state = match model.step(&self.states[self.state as usize], &o.input, o.output.as_ref()) {
            Transition::Illegal => return Some(false),
            Transition::Unchanged => self.state,
            Transition::Next(s) => self.intern(s),
        };
        if !definite && new_state == self.state {
            // Taking effect without changing anything is the same as not yet taking effect.
            return Some(false);
        }
        self.flip(op as u32);
        let hash = self.zob ^ self.zkey[op];
        if !self.memo_insert(hash, new_state) {
            self.flip(op as u32);
            return if pure { None } else { Some(false) };
        }
        self.stack.push(Frame { node: e, prev_state: self.state, forced: pure });
        self.state = new_state;
        self.zob = hash;
        self.unlink(e);
        if definite {
            let r = self.ret_node[op];
            self.unlink(r);
            self.lin_definite += 1;
        }
        Some(true)
    }

    /// Search for up to `budget` more steps.
    pub(crate) fn run(&mut self, model: &M, budget: u64) -> Poll {
        if let Some(r) = self.result {
            return Poll::Done(r);
        }
        let limit = self.steps.saturating_add(budget);
        while self.steps < limit {
            self.steps += 1;
            if self.pure_phase {
                // Pure phase: linearise any legal read-only operation at once (forced move).
                let e = self.cur;
                let tag = if e == NIL { RET } else { self.node_op[e as usize] };
                if tag & RET != 0 {
                    self.pure_phase = false;
                    self.steps += self.push_level();
                    continue;
                }
                if !self.pure_op[tag as usize] {
                    self.cur = self.next[e as usize];
                    continue;
                }
                match self.try_node(model, e) {
                    Some(false) => self.cur = self.next[e as usize],
                    Some(true) => {
                        if self.lin_definite == self.n_definite {
                            self.result = Some(true);
                            return Poll::Done(true);
                        }
                        self.cur = self.next[HEAD as usize];
                    }
                    None => {
                        if !self.backtrack() {
                            self.result = Some(false);
                            return Poll::Done(false);
                        }
                    }
                }
                continue;
            }
            // Branch phase: try the current configuration's next candidate.
            let Some(&(start, pos)) = self.levels.last() else {
                self.result = Some(false);
                return Poll::Done(false);
            };
            if pos as usize >= self.cand.len() {
                self.levels.pop();
                self.cand.truncate(start as usize);
                if !self.backtrack() {
                    self.result = Some(false);
                    return Poll::Done(false);
                }
                continue;
            }
            if let Some(top) = self.levels.last_mut() {
                top.1 = pos + 1;
            }
            let e = self.cand[pos as usize].1;
            if self.try_node(model, e) == Some(true) {
                if self.lin_definite == self.n_definite {
                    self.result = Some(true);
                    return Poll::Done(true);
                }
                self.pure_phase = true;
                self.cur = self.next[HEAD as usize];
            }
        }
        Poll::Paused
    }
}

// ---------------------------------------------------------------------------------------------
// Witnesses
// ---------------------------------------------------------------------------------------------

#[derive(Clone)]
enum FinderPhase {
    /// Binary search for the earliest failing cut: `lo..=hi` (hi known to fail).
    Bisect,
    /// Delta-debugging removal of `chunk` operations at position `i` of `keep`.
    Shrink {
        chunk: usize,
        i: usize,
        removed: bool,
    },
    Done,
}

/// Resumable witness search for one failing partition.
#[derive(Clone)]
pub(crate) struct WitnessFinder<M: Model> {
    key: String,
    ops: Vec<ModelOp<M::Input, M::Output>>,
    /// Definite op indices in the order of their return events.
    rets: Vec<usize>,
    lo: usize,
    hi: usize,
    phase: FinderPhase,
    /// Current cut: indices into `ops` with their (possibly relaxed) copies.
    cut: Cut<M>,
    /// Position in `cut` of the failing operation.
    failing: usize,
    /// Positions in `cut` still in the witness.
    keep: Vec<usize>,
    probe: Option<(Search<M>, Vec<usize>)>,
    /// Steps used so far.
    pub(crate) steps: u64,
}

impl<M: Model> WitnessFinder<M> {
    /// Start from a partition known to be non-linearizable.
    pub(crate) fn new(key: String, ops: Vec<ModelOp<M::Input, M::Output>>) -> Self {
        let mut rets: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].output.is_some()).collect();
        sort::sort_by_key(&mut rets, |&i| (ops[i].ret.max(ops[i].call), i));
        let hi = rets.len().saturating_sub(1);
        WitnessFinder {
            key,
            ops,
            rets,
            lo: 0,
            hi,
            phase: FinderPhase::Bisect,
            cut: Vec::new(),
            failing: 0,
            keep: Vec::new(),
            probe: None,
            steps: 0,
        }
    }

    /// The history cut just after the return of `rets[k]`: later calls dropped, later returns
    /// relaxed to unknown outcomes (read-only ones dropped, as an unknown read says nothing).
    fn cut_at(&self, model: &M, k: usize) -> (Cut<M>, usize) {
        let b = self.rets[k];
        let tb = (self.ops[b].ret.max(self.ops[b].call), b);
        let mut out = Vec::new();
        let mut failing = 0;
        for (j, op) in self.ops.iter().enumerate() {
            if op.call > tb.0 {
                continue;
            }
            let mut op = op.clone();
            if let Some(outp) = &op.output {
                if (op.ret.max(op.call), j) > tb {
                    if model.read_only(&op.input, outp) {
                        continue;
                    }
                    op.output = None;
                }
            }
            if j == b {
                failing = out.len();
            }
            out.push((j, op));
        }
        (out, failing)
    }

    /// The cut with every definite operation outside `subset` relaxed: a read-only one dropped
    /// (an unknown read says nothing), any other made unknown (it may take effect at any point
    /// after its invocation, or never). Relaxing only removes constraints, so if this is still
    /// not linearizable, the operations of `subset` conflict whatever the others did — which
    /// is what makes the witness honest. (Merely deleting a write could invent a violation: a
    /// read of a value nobody wrote.)
    fn probe_ops(&self, model: &M, subset: &[usize]) -> Vec<ModelOp<M::Input, M::Output>> {
        let mut inside = vec![false; self.cut.len()];
        for &p in subset {
            if let Some(x) = inside.get_mut(p) {
                *x = true;
            }
        }
        let mut out = Vec::with_capacity(self.cut.len());
        for (p, (_, op)) in self.cut.iter().enumerate() {
            if inside[p] {
                out.push(op.clone());
                continue;
            }
            match &op.output {
                Some(o) if model.read_only(&op.input, o) => {}
                _ => {
                    let mut op = op.clone();
                    op.output = None;
                    out.push(op);
                }
            }
        }
        out
    }

    /// Steps one probe may take before it counts as "could not show a violation".
    fn probe_cap(&self) -> u64 {
        (self.ops.len() as u64).saturating_mul(200).max(50_000)
    }

    /// Advance by up to `steps` (this call) within `total` (whole search); `Some` when done.
    pub(crate) fn run(&mut self, model: &M, steps: u64, total: u64, clock: Clock) -> Option<Witness> {
        let limit = self.steps.saturating_add(steps).min(total);
        loop {
            if matches!(self.phase, FinderPhase::Done) {
                return Some(self.finish(model, clock));
            }
            if self.steps >= limit {
                if self.steps >= total {
                    // Out of budget: stop shrinking; what we have still cannot be ordered.
                    self.probe = None;
                    if matches!(self.phase, FinderPhase::Bisect) {
                        self.enter_shrink(model);
                    }
                    self.phase = FinderPhase::Done;
                    continue;
                }
                return None;
            }
            if self.probe.is_none() && !self.next_probe(model) {
                continue;
            }
            let cap = self.probe_cap();
            let Some((search, _)) = self.probe.as_mut() else {
                continue;
            };
            let before = search.steps;
            // saturating: opening a probe (next_probe) may itself have spent steps past `limit`.
            let poll = search.run(model, limit.saturating_sub(self.steps).min(cap.saturating_sub(search.steps).max(1)));
            self.steps += search.steps - before;
            let ok = match poll {
                Poll::Done(ok) => ok,
                // Too hard to decide: treat as orderable, i.e. keep what we have (still sound).
                Poll::Paused if search.steps >= cap => true,
                Poll::Paused => continue,
            };
            if let Some((_, subset)) = self.probe.take() {
                self.apply(model, ok, subset);
            }
        }
    }

    fn enter_shrink(&mut self, model: &M) {
        let (cut, failing) = if self.rets.is_empty() { (Vec::new(), 0) } else { self.cut_at(model, self.hi) };
        self.cut = cut;
        self.failing = failing;
        // Unknown-outcome operations stay in every probe as possible helpers; the witness is
        // made of definite ones.
        self.keep = (0..self.cut.len()).filter(|&p| self.cut[p].1.output.is_some()).collect();
        let chunk = (self.keep.len() / 2).max(1);
        self.phase = FinderPhase::Shrink { chunk, i: 0, removed: false };
    }

    /// Set up the next probe; false when the phase changed instead.
    fn next_probe(&mut self, model: &M) -> bool {
        match self.phase {
            FinderPhase::Bisect => {
                if self.lo >= self.hi || self.rets.is_empty() {
                    self.enter_shrink(model);
                    return false;
                }
                let mid = (self.lo + self.hi) / 2;
                let (cut, _) = self.cut_at(model, mid);
                let ops: Vec<_> = cut.into_iter().map(|(_, o)| o).collect();
                // Building a probe is work too: charge it so per-call budgets bound time.
                self.steps += ops.len() as u64;
                self.probe = Some((Search::new(model, ops), vec![mid]));
                true
            }
            FinderPhase::Shrink { chunk, i, removed } => {
                if i >= self.keep.len() {
                    self.phase = if chunk > 1 {
                        FinderPhase::Shrink { chunk: chunk / 2, i: 0, removed: false }
                    } else if removed {
                        FinderPhase::Shrink { chunk: 1, i: 0, removed: false }
                    } else {
                        FinderPhase::Done
                    };
                    return false;
                }
                let end = (i + chunk).min(self.keep.len());
                let candidate: Vec<usize> = self
                    .keep
                    .iter()
                    .enumerate()
                    .filter(|(j, &p)| *j < i || *j >= end || p == self.failing)
                    .map(|(_, &p)| p)
                    .collect();
                if candidate.len() == self.keep.len() {
                    self.phase = FinderPhase::Shrink { chunk, i: end, removed };
                    return false;
                }
                let ops = self.probe_ops(model, &candidate);
                self.steps += ops.len() as u64;
                self.probe = Some((Search::new(model, ops), candidate));
                true
            }
            FinderPhase::Done => false,
        }
    }

    fn apply(&mut self, model: &M, linearizable: bool, subset: Vec<usize>) {
        match self.phase {
            FinderPhase::Bisect => {
                let mid = subset.first().copied().unwrap_or(self.hi);
                if linearizable {
                    self.lo = mid + 1;
                } else {
                    self.hi = mid;
                }
                if self.lo >= self.hi {
                    self.enter_shrink(model);
                }
            }
            FinderPhase::Shrink { chunk, i, removed } => {
                if linearizable {
                    self.phase = FinderPhase::Shrink { chunk, i: i + chunk, removed };
                } else {
                    self.keep = subset;
                    self.phase = FinderPhase::Shrink { chunk, i, removed: true };
                }
            }
            FinderPhase::Done => {}
        }
    }

    /// Build the witness from what has been found so far.
    pub(crate) fn finish(&mut self, model: &M, clock: Clock) -> Witness {
        if self.cut.is_empty() && !self.rets.is_empty() {
            self.enter_shrink(model);
            self.phase = FinderPhase::Done;
        }
        let minimal = matches!(self.phase, FinderPhase::Done) && self.probe.is_none();
        // Keep the witness small even when shrinking was cut short.
        const MAX_OPS: usize = 12;
        let mut keep = self.keep.clone();
        if keep.len() > MAX_OPS {
            let f = self.failing;
            let mut others: Vec<usize> = keep.iter().copied().filter(|&p| p != f).collect();
            let cut_len = others.len().saturating_sub(MAX_OPS - 1);
            others.drain(..cut_len);
            others.push(f);
            sort::sort(&mut others);
            keep = others;
        }
        // Describe the operations as they really were (not as relaxed for the cut).
        let originals: Vec<&ModelOp<M::Input, M::Output>> =
            keep.iter().filter_map(|&p| self.cut.get(p)).map(|(j, _)| &self.ops[*j]).collect();
        let failing_pos = keep.iter().position(|&p| p == self.failing).unwrap_or(0);
        let failing_op = originals.get(failing_pos).map(|o| o.id).unwrap_or(0);
        let mut order: Vec<usize> = (0..originals.len()).collect();
        sort::sort_by_key(&mut order, |&i| (originals[i].call, originals[i].id));
        let lines = order
            .iter()
            .map(|&i| {
                let o = originals[i];
                let what = model.describe(&o.input, o.output.as_ref());
                let mark = if i == failing_pos { "  ← cannot be placed" } else { "" };
                match o.output {
                    Some(_) => format!(
                        "#{} client {}: {what}, invoked {}, returned {}{mark}",
                        o.id,
                        o.client,
                        clock.at(o.call),
                        clock.at(o.ret)
                    ),
                    None => format!(
                        "#{} client {}: {what}, invoked {}, outcome unknown{mark}",
                        o.id,
                        o.client,
                        clock.at(o.call)
                    ),
                }
            })
            .collect();
        let context = self.cut.len() > originals.len();
        let sentence = model
            .explain(failing_pos, &originals, clock)
            .unwrap_or_else(|| generic_sentence(model, failing_pos, &originals, clock, context));
        Witness {
            key: self.key.clone(),
            failing_op,
            ops: order.iter().map(|&i| originals[i].id).collect(),
            lines,
            sentence,
            minimal,
        }
    }
}

fn generic_sentence<M: Model>(
    model: &M,
    failing: usize,
    ops: &[&ModelOp<M::Input, M::Output>],
    clock: Clock,
    context: bool,
) -> String {
    let Some(b) = ops.get(failing) else {
        return "No order of these operations respects real time and the model.".to_string();
    };
    let what = model.describe(&b.input, b.output.as_ref());
    let others = ops.len().saturating_sub(1);
    let tail = match others {
        0 => "no order gives that result.".to_string(),
        1 => "together with the one other operation listed, no order that respects real time gives that result."
            .to_string(),
        n => format!(
            "together with the {n} other operations listed, no order that respects real time gives that result."
        ),
    };
    let mut s = format!(
        "{what} cannot be placed anywhere between its invocation at {} and its return at {}: {tail}",
        clock.at(b.call),
        clock.at(b.ret)
    );
    if context {
        s.pop();
        s.push_str(
            ", even if every operation not listed took effect at any point after its invocation, or not at all.",
        );
    }
    s
}

// ---------------------------------------------------------------------------------------------
// Live checking for the UI
// ---------------------------------------------------------------------------------------------

/// The live verdict shown while the simulation runs.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
#[serde(tag = "verdict", rename_all = "snake_case")]
pub enum LiveVerdict {
    /// Every key checked so far has a valid order (some may still be queued; see `busy`).
    LinearizableSoFar,
    /// A violation: final, since completing more operations can only add constraints.
    Violation {
        /// The evidence (refined over later calls until `minimal`).
        witness: Witness,
    },
    /// Some key's search exceeded its allowance; it is retried when that key changes.
    Unknown,
}

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
    Unknown,
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

/// A copy for a time-travel checkpoint (`travel`): a search in progress is not copied (its
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
    violation: Option<(Witness, Option<WitnessFinder<RegisterModel>>)>,
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
                    let done = f.run(&RegisterModel, left, self.witness_budget, Clock::Millis);
                    let used = f.steps - before;
                    self.steps += used;
                    left = left.saturating_sub(used.max(1));
                    if let Some(w) = done {
                        self.violation = Some((w, None));
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
                k.search = Some(Search::new(&RegisterModel, k.snapshot.clone()));
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
            let poll = search.run(&RegisterModel, give);
            let used = search.steps - before;
            self.steps += used;
            left = left.saturating_sub(used.max(1));
            match poll {
                Poll::Done(true) => {
                    k.search = None;
                    k.status = KeyStatus::Ok;
                }
                Poll::Done(false) => {
                    k.search = None;
                    let mut finder = WitnessFinder::new(key.clone(), k.snapshot.clone());
                    let provisional = finder.finish(&RegisterModel, Clock::Millis);
                    let finder = WitnessFinder::new(key.clone(), k.snapshot.clone());
                    self.violation = Some((provisional, Some(finder)));
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
                        k.status = KeyStatus::Unknown;
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
        } else if self.keys.values().any(|k| k.status == KeyStatus::Unknown) {
            LiveVerdict::Unknown
        } else {
            LiveVerdict::LinearizableSoFar
        };
        LiveStatus { verdict, ops: self.total_ops, busy, steps: self.steps }
    }
}
