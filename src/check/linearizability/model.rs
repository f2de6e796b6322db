//! Sequential models the checker linearises against: the [`Model`] trait (Porcupine's `Model`),
//! operations with their real-time intervals, our register per key (also Jepsen's etcd
//! compare-and-set register) with its sentences, and Porcupine's string key-value map.

use crate::core::history::{Operation, Outcome};
use crate::core::sort;
use crate::protocol::{ClientOp, ClientResult, Value};
use serde::Serialize;
use std::hash::Hash;

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
    /// A model-specific sentence explaining why the `failing` operation of a witness cannot be
    /// placed; `None` falls back to a generic sentence. The witness has been verified (it cannot
    /// be ordered with every other operation relaxed), so the sentence may rely on that, but
    /// every fact it states about the listed operations must be true.
    fn explain(&self, _failing: usize, _ops: &[&ModelOp<Self::Input, Self::Output>], _clock: Clock) -> Option<String> {
        None
    }
    /// Bytes a state takes, for the memory budget; the same on every platform (so the point
    /// where a budget stops a search is too). The default suits small fixed-size states.
    fn state_bytes(&self, _state: &Self::State) -> usize {
        16
    }
    /// Of the `relaxed` operations (all with unknown outcome), keep those that can matter next
    /// to the `definite` ones. It must be exact: the history with the kept ones is linearizable
    /// if and only if the history with all of them is. Witness probes relax most of a history,
    /// and this keeps them small. The default keeps everything.
    fn prune_relaxed(&self, _definite: &[&ModelOp<Self::Input, Self::Output>], relaxed: OpsOf<Self>) -> OpsOf<Self>
    where
        Self: Sized,
    {
        relaxed
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

/// A register per key holding `Option<i64>` (`None`, "nil", until written, unless `initial`
/// says otherwise), with read/write/cas.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RegisterModel {
    /// Every register's value before any write (Knossos's `(cas-register 0)` starts at 0; our
    /// simulator's and Jepsen's etcd registers at nil).
    pub initial: Option<Value>,
}

impl RegisterModel {
    /// Registers that start as nil (never written).
    pub const NIL: RegisterModel = RegisterModel { initial: None };
}

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

/// `x` for a key, `the register` for the single register of a Jepsen log (never an empty hole).
fn register_name(key: &str) -> String {
    if key.is_empty() {
        "the register".to_string()
    } else {
        key.to_string()
    }
}

impl Model for RegisterModel {
    type State = Option<Value>;
    type Input = RegInput;
    type Output = RegOutput;

    fn init(&self) -> Option<Value> {
        self.initial
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
            (RegOp::Write { value }, _) if k.is_empty() => format!("write {value}"),
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

    /// Relaxed writes are interchangeable but for their invocation time when they write the
    /// same value, or two values nothing in the probe can tell apart (no definite read, no
    /// compare-and-set compares with either). Between two consecutive operations that look at
    /// the value, only the last of a run of writes matters, so a class is needed at most once
    /// per such operation: keeping its earliest-invoked `k` members (`k` = the definite
    /// operations plus the relaxed compare-and-sets) keeps every order possible (an earlier
    /// invocation only allows more placements). Compare-and-sets are all kept.
    fn prune_relaxed(&self, definite: &[&ModelOp<RegInput, RegOutput>], relaxed: OpsOf<Self>) -> OpsOf<Self> {
        // Values some operation can tell apart from the others.
        let mut seen: Vec<Value> = Vec::new();
        for o in definite {
            match (o.input.op, o.output) {
                (RegOp::Read, Some(RegOutput::Read(Some(v)))) => seen.push(v),
                (RegOp::Cas { from, .. }, _) => seen.push(from),
                _ => {}
            }
        }
        let mut cas = 0usize;
        for o in &relaxed {
            if let RegOp::Cas { from, .. } = o.input.op {
                seen.push(from);
                cas += 1;
            }
        }
        sort::sort(&mut seen);
        let k = definite.len() + cas;
        // Writes by (class, invocation, position): the class is the value if some operation
        // looks at it, else "any other value" (None).
        let mut writes: Vec<(Option<Value>, u64, usize)> = Vec::new();
        let mut keep = vec![false; relaxed.len()];
        for (i, o) in relaxed.iter().enumerate() {
            match o.input.op {
                RegOp::Write { value } => {
                    let class = seen.binary_search(&value).ok().map(|_| value);
                    writes.push((class, o.call, i));
                }
                _ => keep[i] = true,
            }
        }
        sort::sort(&mut writes);
        let mut run = 0usize;
        for (j, &(class, _, i)) in writes.iter().enumerate() {
            run = if j > 0 && writes[j - 1].0 == class { run + 1 } else { 0 };
            if run < k {
                keep[i] = true;
            }
        }
        relaxed.into_iter().zip(keep).filter(|(_, k)| *k).map(|(o, _)| o).collect()
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
    let name = register_name(&b.input.key);
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
            // Verified alone with everything else relaxed: no operation that may have taken
            // effect could have set the value before this one returned.
            return Some(format!(
                "{what} ({when}), but no operation invoked before it returned could have set {name} to {v}."
            ));
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
                ", and the last write of {} to {name} had finished at {}, before {wdesc} started",
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
// The string key-value model (Porcupine's kv test model)
// ---------------------------------------------------------------------------------------------

/// Key-value operations of the Porcupine kv histories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KvOp {
    /// Read the key (missing = `""`).
    Get,
    /// Overwrite the key.
    Put,
    /// Concatenate onto the key's value.
    Append,
}

/// A kv operation's input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct KvInput {
    /// Which operation.
    pub op: KvOp,
    /// The key.
    pub key: String,
    /// The argument of put/append (empty for get).
    pub value: String,
}

/// A kv operation's output: the value a get returned (empty for put/append).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct KvOutput {
    /// The value read.
    pub value: String,
}

/// One string register per key, initially `""`, with get/put/append.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

impl Model for KvModel {
    type State = String;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, state: &String, input: &KvInput, output: Option<&KvOutput>) -> Transition<String> {
        match input.op {
            KvOp::Get => match output {
                Some(o) if o.value != *state => Transition::Illegal,
                _ => Transition::Unchanged,
            },
            KvOp::Put => Transition::Next(input.value.clone()),
            KvOp::Append => {
                let mut s = String::with_capacity(state.len() + input.value.len());
                s.push_str(state);
                s.push_str(&input.value);
                Transition::Next(s)
            }
        }
    }

    fn read_only(&self, input: &KvInput, _output: &KvOutput) -> bool {
        input.op == KvOp::Get
    }

    fn state_bytes(&self, state: &String) -> usize {
        24 + state.len()
    }

    fn blind(&self, input: &KvInput) -> bool {
        input.op == KvOp::Put
    }

    fn partition<'a>(&self, input: &'a KvInput) -> &'a str {
        &input.key
    }

    fn describe(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        match (input.op, output) {
            (KvOp::Get, Some(o)) => format!("get({:?}) → {:?}", input.key, o.value),
            (KvOp::Get, None) => format!("get({:?})", input.key),
            (KvOp::Put, _) => format!("put({:?}, {:?})", input.key, input.value),
            (KvOp::Append, _) => format!("append({:?}, {:?})", input.key, input.value),
        }
    }
}
