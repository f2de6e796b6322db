//! History formats: parsers for the two formats of Porcupine's labelled test data, and the
//! exporters of our histories for Porcupine and Knossos. No file system or process here: these
//! compile to wasm (the history lab runs them in a Web Worker).
//!
//! Formats (see `tests/data/porcupine/README.md`):
//! - **Jepsen etcd logs** — `INFO  jepsen.util - <process>  :<type>  :<f>  <value>` per line,
//!   fields separated by tabs or runs of spaces; one compare-and-set register, initially nil.
//!   `:fail :cas` is an observation (the value was not FROM), `:fail :read` constrains nothing,
//!   `:info` operations stay open to the end (they may take effect at any later point, or never).
//! - **Porcupine kv logs** — one EDN map per line,
//!   `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value nil|"V"}`; a missing
//!   key reads as `""`, `put` overwrites, `append` concatenates; keys are independent.
//!
//! In both, a completion pairs with the most recent open invocation of the same process, and an
//! invocation never completed is an unknown outcome. Times are line numbers, so the order of
//! events is the order of lines.

pub mod export;
pub mod jepsen;
pub mod porcupine;

pub use jepsen::parse_jepsen;
pub use porcupine::parse_kv;

use crate::check::linearizability::{
    check_ops, is_linearizable, CheckResult, Clock, KvInput, KvModel, KvOutput, ModelOp, RegInput, RegOutput,
    RegisterModel,
};
use std::collections::BTreeMap;

/// The formats `cap check` accepts, for error messages.
pub const ACCEPTED_FORMATS: &str = "Jepsen etcd logs (`INFO jepsen.util - P :invoke :read nil` lines) or Porcupine kv logs (`{:process P, :type :invoke, :f :get, :key \"K\", :value nil}` lines)";
// ---------------------------------------------------------------------------------------------
// Parsed histories
// ---------------------------------------------------------------------------------------------

/// A parsed external history.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternalHistory {
    /// A Jepsen etcd log: one compare-and-set register (key `""`).
    Etcd(Vec<ModelOp<RegInput, RegOutput>>),
    /// A Porcupine kv log.
    Kv(Vec<ModelOp<KvInput, KvOutput>>),
}

impl ExternalHistory {
    /// Number of operations that constrain the check.
    pub fn len(&self) -> usize {
        match self {
            ExternalHistory::Etcd(v) => v.len(),
            ExternalHistory::Kv(v) => v.len(),
        }
    }
    /// True when there are no operations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Human name of the format and model.
    pub fn format_name(&self) -> &'static str {
        match self {
            ExternalHistory::Etcd(_) => "Jepsen etcd log, compare-and-set register",
            ExternalHistory::Kv(_) => "Porcupine kv log, string get/put/append map",
        }
    }
    /// Full check with a witness on violation.
    pub fn check(&self, budget: u64) -> CheckResult {
        match self {
            ExternalHistory::Etcd(v) => check_ops(&RegisterModel::NIL, v.clone(), budget, Clock::Line),
            ExternalHistory::Kv(v) => check_ops(&KvModel, v.clone(), budget, Clock::Line),
        }
    }
    /// Verdict only (`None` = budget exhausted).
    pub fn verdict(&self, budget: u64) -> Option<bool> {
        match self {
            ExternalHistory::Etcd(v) => is_linearizable(&RegisterModel::NIL, v.clone(), budget),
            ExternalHistory::Kv(v) => is_linearizable(&KvModel, v.clone(), budget),
        }
    }
}

/// Detect the format from the content and parse it; empty input is an empty etcd history.
pub fn parse_history(text: &str) -> Result<ExternalHistory, String> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        None => Ok(ExternalHistory::Etcd(Vec::new())),
        Some(l) if l.starts_with('{') => parse_kv(text).map(ExternalHistory::Kv),
        Some(l) if l.starts_with("INFO") || l.contains("jepsen.util") => parse_jepsen(text).map(ExternalHistory::Etcd),
        Some(_) => {
            let n = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0) + 1;
            Err(format!("line {n}: not a Jepsen log line nor an EDN map"))
        }
    }
}

/// An invocation waiting for its completion.
pub(crate) struct Open<I> {
    line: u64,
    f: String,
    input: I,
    process: u64,
}

/// Tracks open invocations per process and pairs completions (most recent open one).
pub(crate) struct Pairing<I, O> {
    open: BTreeMap<u64, Vec<usize>>,
    pending: Vec<Option<Open<I>>>,
    out: Vec<(u64, ModelOp<I, O>)>,
}

impl<I: Clone, O> Pairing<I, O> {
    fn new() -> Self {
        Pairing { open: BTreeMap::new(), pending: Vec::new(), out: Vec::new() }
    }

    fn invoke(&mut self, process: u64, line: u64, f: &str, input: I) {
        self.open.entry(process).or_default().push(self.pending.len());
        self.pending.push(Some(Open { line, f: f.to_string(), input, process }));
    }

    /// Close the most recent open invocation of `process`.
    fn complete(&mut self, process: u64, line: u64, f: &str) -> Result<Open<I>, String> {
        let slot = self
            .open
            .get_mut(&process)
            .and_then(|v| v.pop())
            .ok_or_else(|| format!("line {line}: completion for process {process} has no open invocation"))?;
        let open = self
            .pending
            .get_mut(slot)
            .and_then(Option::take)
            .ok_or_else(|| format!("line {line}: completion for process {process} has no open invocation"))?;
        if open.f != f {
            return Err(format!(
                "line {line}: completion :{f} does not match process {process}'s open :{} invocation (line {})",
                open.f, open.line
            ));
        }
        Ok(open)
    }

    fn push(&mut self, open: &Open<I>, output: Option<O>, ret: u64) {
        self.out.push((
            open.line,
            ModelOp { id: open.line, client: open.process, input: open.input.clone(), output, call: open.line, ret },
        ));
    }

    /// Invocations never completed stay open to the end (unknown outcome); `keep_unknown`
    /// decides per input whether an unknown outcome still matters (reads do not).
    fn finish(mut self, keep_unknown: impl Fn(&I) -> bool) -> Vec<ModelOp<I, O>> {
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
