//! History formats: parsers for the histories `cap check` and the history lab read, and the
//! exporters of our histories for Porcupine and Knossos. Nothing here touches the file system or
//! the process: it all compiles to wasm and can run in a Web Worker.
//!
//! # The API (what `cap check` and the history lab call)
//!
//! ```text
//! let history = parse_history(text, &ParseOptions::default())?;   // Err: ParseError { line, message }
//! let result  = history.check(Limits { steps, memory });          // verdict, witness, steps, bytes
//! ```
//! [`parse_history`] detects the format from the content; [`ParseError`] is a value with the
//! 1-based line it is about and a message that says what was wrong and what is accepted.
//! [`ExternalHistory::check`] returns a [`CheckResult`]: `linearizable`, `not_linearizable` with a
//! verified [`Witness`](crate::check::linearizability::Witness), or `unknown` with the budget
//! that ran out. Everything serialises to JSON (serde) for a worker to post.
//!
//! # Formats
//! - **Jepsen etcd logs** (Porcupine's `test_data/jepsen`) — `INFO  jepsen.util - <process>
//!   :<type>  :<f>  <value>` per line, fields separated by tabs or runs of spaces; one
//!   compare-and-set register, initially nil. `:fail :cas` is an observation (the value was not
//!   FROM), `:fail :read` constrains nothing, `:info` operations stay open to the end (they may
//!   take effect at any later point, or never); the nemesis's lines (process `:nemesis`) are
//!   skipped.
//! - **Porcupine kv logs** (`test_data/kv`) — one EDN map per line,
//!   `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value nil|"V"}`; a missing
//!   key reads as `""`, `put` overwrites, `append` concatenates; keys are independent.
//! - **Jepsen / Knossos EDN histories** of a `register` (read, write) or `cas-register` (read,
//!   write, cas) — EDN maps `{:process 0, :type :invoke, :f :write, :value 3}`, one per line or
//!   inside a vector, as Jepsen's `history.edn` and Knossos's test data are; `:value` may be an
//!   independent tuple `[key v]` (`jepsen.independent`, as our own EDN export writes). Knossos's
//!   semantics: the registers start at [`ParseOptions::initial`] (default 0, as Knossos's
//!   `(cas-register 0)`), `:fail` means the operation did not happen (a failed cas too), `:ok
//!   :read nil` means the value was not observed (the read constrains nothing), `:info` is an
//!   unknown outcome; operations whose `:process` is not an integer (the nemesis) are skipped.
//!
//! In every format a process runs one operation at a time: a completion pairs with its
//! process's open invocation, an invocation never completed has an unknown outcome, and a
//! process that invokes while its previous operation is open, or after an `:info` (Jepsen gives
//! a crashed worker a new process id), is an error naming the line — unless
//! [`ParseOptions::new_process_on_reuse`] accepts it as a new process. Times are line numbers,
//! so the order of events is the order of lines.

pub mod edn;
pub mod export;
pub mod jepsen;
pub mod knossos;
pub mod porcupine;

pub use jepsen::parse_jepsen;
pub use knossos::{parse_knossos, RegisterKind};
pub use porcupine::parse_kv;

use crate::check::linearizability::{
    check_ops, is_linearizable, CheckResult, Clock, KvInput, KvModel, KvOutput, Limits, ModelOp, RegInput, RegOutput,
    RegisterModel,
};
use crate::protocol::Value;
use serde::Serialize;
use std::collections::BTreeMap;

/// What was wrong with a history, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ParseError {
    /// The 1-based line the problem is on.
    pub line: u64,
    /// What was wrong and what is accepted.
    pub message: String,
}

impl std::fmt::Display for ParseError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "line {}: {}", self.line, self.message)
    }
}

impl std::error::Error for ParseError {}

pub(crate) fn perr(line: u64, message: impl Into<String>) -> ParseError {
    ParseError { line, message: message.into() }
}

/// How to read a history.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ParseOptions {
    /// Accept a process that invokes while its previous operation is open, or after an
    /// `:info`, as a new process (the open operation keeps an unknown outcome).
    pub new_process_on_reuse: bool,
    /// EDN register histories: which model (`None`: `cas-register`, which also reads plain
    /// register histories).
    pub model: Option<RegisterKind>,
    /// EDN register histories: every register's value before any write (Knossos's default 0).
    pub initial: Option<Value>,
}

impl Default for ParseOptions {
    fn default() -> Self {
        ParseOptions { new_process_on_reuse: false, model: None, initial: Some(0) }
    }
}

impl ParseOptions {
    /// The options as `cap check`'s flags and the history lab's controls spell them: `model` is
    /// `register`, `cas-register` or empty (the default), `initial` an integer, `nil` or empty
    /// (the default, 0). The error says what was wrong and what is accepted.
    pub fn from_words(model: &str, initial: &str, new_process_on_reuse: bool) -> Result<ParseOptions, String> {
        let mut opts = ParseOptions { new_process_on_reuse, ..ParseOptions::default() };
        if !model.trim().is_empty() {
            opts.model = Some(model_option(model)?);
        }
        if !initial.trim().is_empty() {
            opts.initial = initial_option(initial)?;
        }
        Ok(opts)
    }
}

/// A register model by name (`--model`): `register` or `cas-register`.
pub fn model_option(s: &str) -> Result<RegisterKind, String> {
    RegisterKind::from_name(s.trim())
        .ok_or_else(|| format!("the model `{}` is not known: accepted register, cas-register", s.trim()))
}

/// The registers' value before any write (`--initial`): an integer, or `nil` for none.
pub fn initial_option(s: &str) -> Result<Option<Value>, String> {
    match s.trim() {
        "nil" => Ok(None),
        t => t
            .parse::<Value>()
            .map(Some)
            .map_err(|_| format!("the initial value `{t}` is not accepted: accepted an integer (e.g. 0) or nil")),
    }
}

/// The formats `cap check` accepts, for error messages.
pub const ACCEPTED_FORMATS: &str = "Jepsen etcd logs (`INFO jepsen.util - P :invoke :read nil` lines), Porcupine kv logs (`{:process P, :type :invoke, :f :get, :key \"K\", :value nil}` lines) or Jepsen/Knossos EDN register histories (`{:process P, :type :invoke, :f :write, :value 3}` maps)";
// ---------------------------------------------------------------------------------------------
// Parsed histories
// ---------------------------------------------------------------------------------------------

/// A parsed external history.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternalHistory {
    /// A Jepsen etcd log: one compare-and-set register (key `""`), initially nil.
    Etcd(Vec<ModelOp<RegInput, RegOutput>>),
    /// A Porcupine kv log.
    Kv(Vec<ModelOp<KvInput, KvOutput>>),
    /// A Jepsen/Knossos EDN register history.
    Knossos {
        /// The operations (keys from independent tuples, else `""`).
        ops: Vec<ModelOp<RegInput, RegOutput>>,
        /// Which register model.
        kind: RegisterKind,
        /// The model, with its initial value.
        model: RegisterModel,
    },
}

impl ExternalHistory {
    /// Number of operations that constrain the check.
    pub fn len(&self) -> usize {
        match self {
            ExternalHistory::Etcd(v) | ExternalHistory::Knossos { ops: v, .. } => v.len(),
            ExternalHistory::Kv(v) => v.len(),
        }
    }
    /// True when there are no operations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Human name of the format and model.
    pub fn format_name(&self) -> String {
        match self {
            ExternalHistory::Etcd(_) => "Jepsen etcd log, compare-and-set register".into(),
            ExternalHistory::Kv(_) => "Porcupine kv log, string get/put/append map".into(),
            ExternalHistory::Knossos { kind, model, .. } => format!(
                "Jepsen/Knossos EDN history, {} model, initial value {}",
                kind.name(),
                model.initial.map(|v| v.to_string()).unwrap_or_else(|| "nil".into())
            ),
        }
    }
    /// Full check with a verified witness on violation, within `limits` (a step count alone
    /// means the default memory budget).
    pub fn check(&self, limits: impl Into<Limits>) -> CheckResult {
        match self {
            ExternalHistory::Etcd(v) => check_ops(&RegisterModel::NIL, v.clone(), limits, Clock::Line),
            ExternalHistory::Kv(v) => check_ops(&KvModel, v.clone(), limits, Clock::Line),
            ExternalHistory::Knossos { ops, model, .. } => check_ops(model, ops.clone(), limits, Clock::Line),
        }
    }
    /// Verdict only (`None` = a budget ran out).
    pub fn verdict(&self, limits: impl Into<Limits>) -> Option<bool> {
        match self {
            ExternalHistory::Etcd(v) => is_linearizable(&RegisterModel::NIL, v.clone(), limits),
            ExternalHistory::Kv(v) => is_linearizable(&KvModel, v.clone(), limits),
            ExternalHistory::Knossos { ops, model, .. } => is_linearizable(model, ops.clone(), limits),
        }
    }
}

/// Detect the format from the content and parse it; empty input is an empty etcd history.
pub fn parse_history(text: &str, opts: &ParseOptions) -> Result<ExternalHistory, ParseError> {
    let first = text.lines().enumerate().map(|(i, l)| (i as u64 + 1, l.trim())).find(|(_, l)| !l.is_empty());
    match first {
        None => Ok(ExternalHistory::Etcd(Vec::new())),
        Some((_, l)) if l.starts_with('{') || l.starts_with('[') || l.starts_with('(') || l.starts_with(';') => {
            let nodes = edn::read_all(text)?;
            let maps = knossos::op_maps(&nodes);
            // Porcupine's kv maps carry `:key` and get/put/append; anything else is a register.
            let kv = maps.iter().find_map(|m| match m.get("f").map(|f| &f.value) {
                Some(edn::Edn::Keyword(f)) => Some(matches!(f.as_str(), "get" | "put" | "append")),
                _ => None,
            });
            if kv == Some(true) {
                porcupine::kv_from_maps(&maps, opts).map(ExternalHistory::Kv)
            } else {
                let kind = opts.model.unwrap_or(RegisterKind::CasRegister);
                let ops = knossos::register_from_maps(&maps, kind, opts)?;
                Ok(ExternalHistory::Knossos { ops, kind, model: RegisterModel { initial: opts.initial } })
            }
        }
        Some((_, l)) if l.starts_with("INFO") || l.contains("jepsen.util") => {
            jepsen::parse_jepsen_with(text, opts).map(ExternalHistory::Etcd)
        }
        Some((n, _)) => Err(perr(
            n,
            "not a Jepsen log line (`INFO jepsen.util - P :invoke :read nil`) nor an EDN map (`{:process P, :type :invoke, …}`)",
        )),
    }
}

/// An invocation waiting for its completion.
pub(crate) struct Open<I> {
    line: u64,
    f: String,
    input: I,
    process: u64,
}

/// What a process last did, for the one-operation-at-a-time rule.
#[derive(Clone, Copy)]
enum ProcessState {
    /// Its operation invoked at this line (a slot in `pending`) is open.
    Open(usize),
    /// Its last operation ended `:info` at this line: a crashed worker, never to invoke again.
    Crashed(u64),
}

/// Pairs completions with their process's open invocation, one operation per process at a time.
pub(crate) struct Pairing<I, O> {
    processes: BTreeMap<u64, ProcessState>,
    pending: Vec<Option<Open<I>>>,
    out: Vec<(u64, ModelOp<I, O>)>,
    new_process_on_reuse: bool,
}

impl<I: Clone, O> Pairing<I, O> {
    pub(crate) fn new(opts: &ParseOptions) -> Self {
        Pairing {
            processes: BTreeMap::new(),
            pending: Vec::new(),
            out: Vec::new(),
            new_process_on_reuse: opts.new_process_on_reuse,
        }
    }

    pub(crate) fn invoke(&mut self, process: u64, line: u64, f: &str, input: I) -> Result<(), ParseError> {
        const HOW: &str = "a process runs one operation at a time; `--new-process-on-reuse` (ParseOptions::new_process_on_reuse) accepts this as a new process";
        match self.processes.get(&process) {
            Some(ProcessState::Open(slot)) if !self.new_process_on_reuse => {
                let (f0, l0) = self.pending[*slot].as_ref().map(|o| (o.f.clone(), o.line)).unwrap_or_default();
                return Err(perr(
                    line,
                    format!("process {process} invokes :{f} while its :{f0} from line {l0} is still open ({HOW})"),
                ));
            }
            Some(ProcessState::Crashed(l0)) if !self.new_process_on_reuse => {
                return Err(perr(
                    line,
                    format!(
                        "process {process} invokes :{f} after its operation ended :info at line {l0} (Jepsen gives a crashed worker a new process id; {HOW})"
                    ),
                ));
            }
            // Accepted as a new process: an operation left open keeps an unknown outcome.
            _ => {}
        }
        self.processes.insert(process, ProcessState::Open(self.pending.len()));
        self.pending.push(Some(Open { line, f: f.to_string(), input, process }));
        Ok(())
    }

    /// Close the open invocation of `process`; `info` marks the process as crashed.
    pub(crate) fn complete(&mut self, process: u64, line: u64, f: &str, info: bool) -> Result<Open<I>, ParseError> {
        let missing = || perr(line, format!("a completion for process {process}, which has no open invocation"));
        let slot = match self.processes.get(&process) {
            Some(ProcessState::Open(slot)) => *slot,
            _ => return Err(missing()),
        };
        let open = self.pending.get_mut(slot).and_then(Option::take).ok_or_else(missing)?;
        if open.f != f {
            return Err(perr(
                line,
                format!(
                    "the completion :{f} does not match process {process}'s open :{} invocation (line {})",
                    open.f, open.line
                ),
            ));
        }
        if info {
            self.processes.insert(process, ProcessState::Crashed(line));
        } else {
            self.processes.remove(&process);
        }
        Ok(open)
    }

    pub(crate) fn push(&mut self, open: &Open<I>, output: Option<O>, ret: u64) {
        self.out.push((
            open.line,
            ModelOp { id: open.line, client: open.process, input: open.input.clone(), output, call: open.line, ret },
        ));
    }

    /// Invocations never completed stay open to the end (unknown outcome); `keep_unknown`
    /// decides per input whether an unknown outcome still matters (reads do not).
    pub(crate) fn finish(mut self, keep_unknown: impl Fn(&I) -> bool) -> Vec<ModelOp<I, O>> {
        let left: Vec<Open<I>> = self.pending.iter_mut().filter_map(Option::take).collect();
        for open in left {
            if keep_unknown(&open.input) {
                self.push(&open, None, open.line);
            }
        }
        self.out.sort_by_key(|(line, _)| *line);
        self.out.into_iter().map(|(_, op)| op).collect()
    }
}
