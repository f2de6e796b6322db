//! The history lab (`check.html`, `<cap-history>`): somebody's history — a Jepsen etcd log, a
//! Porcupine kv log, a Jepsen/Knossos EDN history, or one of our own exports — checked in the
//! browser, with nothing uploaded. This module is what the lab's Web Worker runs (through
//! `wasm/lab.rs`, its own wasm bundle): parse with the parsers `cap check` uses, check key by key
//! with progress (a search that could take long reports how far it got, and the page can stop
//! the worker at any time), then give the page a timeline per key (operations as bars, the
//! witness flagged, faults as markers) and, for a selected operation, the orders that were tried.
//!
//! ```text
//!   text ──parse──▶ Lab { keys: [(key, ops)], faults }      error: { line, message }
//!            run(steps) …… run(steps) ──▶ Progress { key, keys, steps, done }
//!            result() ──▶ verdict, witness (ids, sentence), per-key verdicts
//!            timeline(key), why(op)
//! ```
//!
//! **Progress.** The search itself is not resumable from outside `check`, so a key is searched
//! with a step budget that doubles (2¹⁸, 2¹⁹, … steps) until it answers or the lab's budget
//! ([`LAB_BUDGET`]) is spent: the repeated work is at most the last attempt's, and after each
//! attempt the page hears how many steps were spent. **Why.** For an operation of the witness, the
//! lab walks every order of the witness's operations that respects real time (each operation
//! placed between its invocation and its return; the others relaxed, as in the witness) and
//! reports, order by order, where each one stops: the operation that cannot take effect there,
//! and the value the register (or map) holds at that point.

use crate::check::formats::edn::{self, Edn};
use crate::check::formats::knossos::op_maps;
use crate::check::formats::{parse_history, ExternalHistory, ParseOptions};
use crate::check::linearizability::KvModel;
use crate::check::linearizability::{
    check_ops, is_linearizable, partition, Clock, Model, ModelOp, RegisterModel, Transition, Verdict, Witness,
};
use serde::Serialize;
use std::fmt::Debug;

/// Steps the lab may spend on one history in all (then the verdict is "unknown").
pub const LAB_BUDGET: u64 = 400_000_000;
/// The first attempt's budget on a key; each further attempt doubles it.
const FIRST_ATTEMPT: u64 = 1 << 18;
/// Orders listed at most by [`Lab::why`].
const WHY_MAX: usize = 40;
/// Witness operations the "why" walk takes at most (the orders grow as n!).
const WHY_OPS: usize = 9;
/// Relaxed updates (distinct inputs) the walk adds at most.
const WHY_RELAXED: usize = 12;

/// What was wrong with a file, and where.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LabError {
    /// 1-based line, 0 when the whole file is the problem.
    pub line: u64,
    /// What was wrong and what is accepted.
    pub message: String,
}

/// A fault the history records (a `:nemesis` line): drawn over the timeline, never checked.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Fault {
    /// Its line (the timeline's clock).
    pub line: u64,
    /// `:info` / `:invoke`, and the nemesis's function, e.g. `start`, `stop`, `partition`.
    pub what: String,
    /// Its value, as written.
    pub value: String,
}

/// How the checking goes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Progress {
    /// Keys finished.
    pub keys_done: usize,
    /// Keys in all.
    pub keys: usize,
    /// Steps spent so far.
    pub steps: u64,
    /// Operations of the key being searched.
    pub key_ops: usize,
    /// True once there is a verdict.
    pub done: bool,
}

/// One operation on the timeline.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct OpView {
    /// Its id (the invocation's line).
    pub id: u64,
    /// The process (Jepsen's) or client.
    pub process: u64,
    /// E.g. `read → 3`, `cas(1, 2)`.
    pub text: String,
    /// Invocation (line).
    pub call: u64,
    /// Completion (line); `None` for an unknown outcome (open to the end).
    pub ret: Option<u64>,
    /// Part of the witness.
    pub witness: bool,
}

/// The lab's answer.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct LabResult {
    /// `linearizable`, `not_linearizable` or `unknown`.
    pub verdict: &'static str,
    /// Why a search stopped without an answer.
    pub reason: Option<String>,
    /// The violation's witness.
    pub witness: Option<Witness>,
    /// Per key: its name, operations and verdict (`linearizable`, `not_linearizable`,
    /// `unknown`, or `not_checked` after an earlier key failed).
    pub keys: Vec<(String, usize, &'static str)>,
    /// Steps spent.
    pub steps: u64,
}

/// What the page shows about a loaded history before checking it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Summary {
    /// Format and model, in words.
    pub format: String,
    /// Operations that constrain the check.
    pub ops: usize,
    /// Keys and their operation counts.
    pub keys: Vec<(String, usize)>,
    /// Processes.
    pub processes: usize,
    /// Faults recorded (`:nemesis` lines).
    pub faults: Vec<Fault>,
}

/// One order tried for [`Lab::why`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Order {
    /// Operation ids in the order they take effect (the last one is where it stops).
    pub ids: Vec<u64>,
    /// Where it stops, in words.
    pub stop: String,
    /// True when it stops at the selected operation.
    pub at_selected: bool,
}

/// The orders tried around a selected operation.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct Why {
    /// The operation, in words.
    pub op: String,
    /// A sentence for the reader.
    pub summary: String,
    /// Orders (at most [`WHY_MAX`]), those stopping at the selected operation first.
    pub orders: Vec<Order>,
    /// Orders walked in all.
    pub total: usize,
    /// Operations the walk took as they are (the witness's, or those around the operation).
    pub among: Vec<u64>,
    /// Other operations the walk took relaxed (taking effect at any point after their invocation,
    /// or never): one per distinct update.
    pub relaxed: Vec<u64>,
    /// Relaxed updates left out of the walk (beyond its limit).
    pub left_out: usize,
}

/// The per-model part of the lab: the operations of each key under one model.
trait Keys {
    fn keys(&self) -> Vec<(String, usize)>;
    fn attempt(&self, key: usize, budget: u64) -> Option<bool>;
    fn witness(&self, key: usize, budget: u64) -> (Verdict, u64);
    fn timeline(&self, key: usize, witness: &[u64]) -> Vec<OpView>;
    fn why(&self, key: usize, op: u64, among: &[u64]) -> Option<Why>;
    fn key_of(&self, op: u64) -> Option<usize>;
    fn processes(&self) -> usize;
}

struct ByKey<M: Model> {
    model: M,
    parts: Vec<(String, Vec<ModelOp<M::Input, M::Output>>)>,
}

impl<M: Model> Keys for ByKey<M>
where
    M::State: Debug,
{
    fn keys(&self) -> Vec<(String, usize)> {
        self.parts.iter().map(|(k, v)| (k.clone(), v.len())).collect()
    }
    fn attempt(&self, key: usize, budget: u64) -> Option<bool> {
        is_linearizable(&self.model, self.parts[key].1.clone(), budget)
    }
    fn witness(&self, key: usize, budget: u64) -> (Verdict, u64) {
        let r = check_ops(&self.model, self.parts[key].1.clone(), budget, Clock::Line);
        (r.verdict, r.steps)
    }
    fn timeline(&self, key: usize, witness: &[u64]) -> Vec<OpView> {
        self.parts[key]
            .1
            .iter()
            .map(|o| OpView {
                id: o.id,
                process: o.client,
                text: self.model.describe(&o.input, o.output.as_ref()),
                call: o.call,
                ret: o.output.as_ref().map(|_| o.ret.max(o.call)),
                witness: witness.contains(&o.id),
            })
            .collect()
    }
    fn key_of(&self, op: u64) -> Option<usize> {
        self.parts.iter().position(|(_, v)| v.iter().any(|o| o.id == op))
    }
    fn processes(&self) -> usize {
        let mut p: Vec<u64> = self.parts.iter().flat_map(|(_, v)| v.iter().map(|o| o.client)).collect();
        p.sort_unstable();
        p.dedup();
        p.len()
    }
    fn why(&self, key: usize, op: u64, among: &[u64]) -> Option<Why> {
        let all = &self.parts[key].1;
        let mut ops: Vec<ModelOp<M::Input, M::Output>> =
            all.iter().filter(|o| among.contains(&o.id) || o.id == op).cloned().collect();
        // The others are relaxed, as in the witness: each may take effect at any point after its
        // invocation, or never. Reads change nothing and go; updates are tried, one per distinct
        // input (equal ones are interchangeable: the earliest invoked is the freest).
        let horizon =
            ops.iter().map(|o| if o.output.is_some() { o.ret.max(o.call) } else { u64::MAX }).max().unwrap_or(0);
        let mut relaxed: Vec<ModelOp<M::Input, M::Output>> = Vec::new();
        let mut left_out = 0;
        for o in all.iter().filter(|o| !among.contains(&o.id) && o.id != op && o.call <= horizon) {
            let read = o.output.as_ref().is_some_and(|out| self.model.read_only(&o.input, out));
            if read
                || relaxed.iter().any(|r| r.input == o.input)
                || ops.iter().any(|r| r.output.is_none() && r.input == o.input)
            {
                continue;
            }
            if relaxed.len() >= WHY_RELAXED {
                left_out += 1;
                continue;
            }
            relaxed.push(ModelOp { output: None, ..o.clone() });
        }
        let relaxed_ids: Vec<u64> = relaxed.iter().map(|o| o.id).collect();
        ops.extend(relaxed);
        let refs: Vec<&ModelOp<M::Input, M::Output>> = ops.iter().collect();
        let sel = refs.iter().position(|o| o.id == op)?;
        let mut w = why_orders(&self.model, &refs, sel, &relaxed_ids, left_out);
        w.relaxed = relaxed_ids;
        w.left_out = left_out;
        Some(w)
    }
}

/// A history loaded into the lab.
pub struct Lab {
    format: String,
    keys: Box<dyn Keys>,
    faults: Vec<Fault>,
    cur: usize,
    budget: u64,
    steps: u64,
    verdicts: Vec<&'static str>,
    result: Option<LabResult>,
}

impl Lab {
    /// Parse `text` (the format is detected from the content) with `cap check`'s parsers and
    /// their defaults: an EDN register history is read as Knossos's `cas-register` starting at 0.
    pub fn load(text: &str) -> Result<Lab, LabError> {
        Lab::load_with(text, &ParseOptions::default())
    }

    /// Parse `text` with `opts` (register model, initial value, new process on reuse), as
    /// `cap check`'s flags set them.
    pub fn load_with(text: &str, opts: &ParseOptions) -> Result<Lab, LabError> {
        let h = parse_history(text, opts).map_err(|e| LabError { line: e.line, message: e.message })?;
        let faults = faults_of(text, &h);
        let format = h.format_name();
        let keys: Box<dyn Keys> = match h {
            ExternalHistory::Etcd(ops) => {
                let model = RegisterModel::NIL;
                Box::new(ByKey { parts: partition(&model, ops), model })
            }
            ExternalHistory::Kv(ops) => Box::new(ByKey { parts: partition(&KvModel, ops), model: KvModel }),
            ExternalHistory::Knossos { ops, model, .. } => Box::new(ByKey { parts: partition(&model, ops), model }),
        };
        let n = keys.keys().len();
        Ok(Lab {
            format,
            keys,
            faults,
            cur: 0,
            budget: FIRST_ATTEMPT,
            steps: 0,
            verdicts: vec!["not_checked"; n],
            result: None,
        })
    }

    /// Format, operations, keys, processes and faults.
    pub fn summary(&self) -> Summary {
        let keys = self.keys.keys();
        Summary {
            format: self.format.clone(),
            ops: keys.iter().map(|(_, n)| n).sum(),
            keys,
            processes: self.keys.processes(),
            faults: self.faults.clone(),
        }
    }

    /// Search for about `steps` more steps (one attempt at least); the progress so far.
    pub fn run(&mut self, steps: u64) -> Progress {
        let keys = self.keys.keys();
        let mut spent = 0;
        while self.result.is_none() && spent < steps.max(1) {
            if self.cur >= keys.len() {
                self.finish("linearizable", None, None);
                break;
            }
            let budget = self.budget.min(LAB_BUDGET.saturating_sub(self.steps).max(1));
            let r = self.keys.attempt(self.cur, budget);
            // An attempt that answers spent at most its budget; charge it all (deterministic).
            self.steps += budget;
            spent += budget;
            match r {
                Some(true) => {
                    self.verdicts[self.cur] = "linearizable";
                    self.cur += 1;
                    self.budget = FIRST_ATTEMPT;
                }
                Some(false) => {
                    let (verdict, used) = self.keys.witness(self.cur, LAB_BUDGET);
                    self.steps += used;
                    self.verdicts[self.cur] = "not_linearizable";
                    match verdict {
                        Verdict::NotLinearizable { witness } => self.finish("not_linearizable", Some(witness), None),
                        _ => self.finish("not_linearizable", None, Some("the witness search ran out of steps".into())),
                    }
                }
                None if self.steps >= LAB_BUDGET => {
                    self.verdicts[self.cur] = "unknown";
                    let reason = format!(
                        "the search spent its budget of {} steps on key {:?} ({} operations) without an answer",
                        LAB_BUDGET, keys[self.cur].0, keys[self.cur].1
                    );
                    self.finish("unknown", None, Some(reason));
                }
                None => self.budget = self.budget.saturating_mul(2),
            }
        }
        Progress {
            keys_done: self.cur.min(keys.len()),
            keys: keys.len(),
            steps: self.steps,
            key_ops: keys.get(self.cur).map(|k| k.1).unwrap_or(0),
            done: self.result.is_some(),
        }
    }

    fn finish(&mut self, verdict: &'static str, witness: Option<Witness>, reason: Option<String>) {
        let keys = self.keys.keys().into_iter().zip(&self.verdicts).map(|((k, n), v)| (k, n, *v)).collect();
        self.result = Some(LabResult { verdict, reason, witness, keys, steps: self.steps });
    }

    /// The verdict, once [`Lab::run`] says done.
    pub fn result(&self) -> Option<&LabResult> {
        self.result.as_ref()
    }

    /// The operations of key number `key` for the timeline (the witness's flagged) and the faults.
    pub fn timeline(&self, key: usize) -> Option<(Vec<OpView>, &[Fault])> {
        if key >= self.keys.keys().len() {
            return None;
        }
        let wit = self.witness_ids();
        Some((self.keys.timeline(key, &wit), &self.faults))
    }

    fn witness_ids(&self) -> Vec<u64> {
        self.result.as_ref().and_then(|r| r.witness.as_ref()).map(|w| w.ops.clone()).unwrap_or_default()
    }

    /// The orders tried around operation `op`: among the witness's operations when it is one of
    /// them, else among the operations overlapping it on its key (see the module docs).
    pub fn why(&self, op: u64) -> Option<Why> {
        let key = self.keys.key_of(op)?;
        let wit = self.witness_ids();
        let among: Vec<u64> = if wit.contains(&op) {
            wit
        } else {
            // The operation and those concurrent with it (their intervals overlap), nearest first.
            let ops = self.keys.timeline(key, &[]);
            let me = ops.iter().find(|o| o.id == op)?;
            let end = me.ret.unwrap_or(u64::MAX);
            let mut near: Vec<&OpView> =
                ops.iter().filter(|o| o.id != op && o.call <= end && o.ret.unwrap_or(u64::MAX) >= me.call).collect();
            near.sort_by_key(|o| o.call.abs_diff(me.call));
            near.into_iter().take(WHY_OPS - 1).map(|o| o.id).chain([op]).collect()
        };
        let among: Vec<u64> = among.into_iter().take(WHY_OPS).collect();
        let mut w = self.keys.why(key, op, &among)?;
        w.among = among;
        Some(w)
    }
}

/// The nemesis's operations, as fault markers: in EDN, the maps whose `:process` is not a number
/// (`:nemesis`), read by `cap check`'s EDN reader; in a Jepsen log, the `:nemesis` lines.
fn faults_of(text: &str, h: &ExternalHistory) -> Vec<Fault> {
    let kw = |n: Option<&edn::Node>| match n.map(|n| &n.value) {
        Some(Edn::Keyword(k)) => k.clone(),
        Some(v) => v.to_string(),
        None => String::new(),
    };
    match h {
        ExternalHistory::Etcd(_) => text
            .lines()
            .enumerate()
            .filter_map(|(i, l)| {
                // `INFO  jepsen.util - :nemesis :info :start <value …>`
                let t: Vec<&str> = l.split_whitespace().collect();
                let k = t.iter().position(|x| *x == ":nemesis")?;
                let word = |j: usize| t.get(k + j).map(|x| x.trim_start_matches(':')).unwrap_or("");
                Some(Fault {
                    line: i as u64 + 1,
                    what: format!("{} {}", word(1), word(2)).trim().to_string(),
                    value: t.iter().skip(k + 3).copied().collect::<Vec<_>>().join(" "),
                })
            })
            .collect(),
        // The parser already read this text without an error, so reading it again cannot fail.
        _ => edn::read_all(text)
            .map(|nodes| {
                op_maps(&nodes)
                    .into_iter()
                    .filter(|m| matches!(m.get("process").map(|p| &p.value), Some(Edn::Keyword(_))))
                    .map(|m| Fault {
                        line: m.line,
                        what: format!("{} {}", kw(m.get("type")), kw(m.get("f"))).trim().to_string(),
                        value: m.get("value").map(|v| v.value.to_string()).unwrap_or_default(),
                    })
                    .collect()
            })
            .unwrap_or_default(),
    }
}

/// A model state in words: `nil`, `3`, `"ab"`.
fn state_text<S: Debug>(s: &S) -> String {
    let t = format!("{s:?}");
    if t == "None" {
        "nil".into()
    } else if let Some(inner) = t.strip_prefix("Some(").and_then(|x| x.strip_suffix(')')) {
        inner.to_string()
    } else {
        t
    }
}

/// Walk every real-time order of `ops` (Wing & Gong's candidates: an operation may take effect
/// next when it was invoked before every unplaced definite operation returned), stepping the
/// model; record where each order stops. Unknown-outcome operations may also never take effect.
fn why_orders<M: Model>(
    model: &M,
    ops: &[&ModelOp<M::Input, M::Output>],
    sel: usize,
    relaxed: &[u64],
    left_out: usize,
) -> Why
where
    M::State: Debug,
{
    struct Walk<'a, M: Model> {
        model: &'a M,
        ops: &'a [&'a ModelOp<M::Input, M::Output>],
        sel: usize,
        orders: Vec<Order>,
        total: usize,
        found: bool,
        budget: u64,
        /// Configurations already walked (placed set, state): a second visit adds nothing.
        seen: std::collections::HashSet<(u64, M::State)>,
    }
    impl<M: Model> Walk<'_, M>
    where
        M::State: Debug,
    {
        fn go(&mut self, placed: &mut Vec<usize>, state: &M::State) {
            if self.budget == 0 {
                return;
            }
            self.budget -= 1;
            let n = self.ops.len();
            let mask = placed.iter().fold(0u64, |m, &i| m | 1 << i);
            if !self.seen.insert((mask, state.clone())) {
                return;
            }
            let was: Vec<bool> = (0..n).map(|i| placed.contains(&i)).collect();
            let done = |i: usize| was[i];
            // Every definite operation placed: this order works.
            if (0..n).all(|i| done(i) || self.ops[i].output.is_none()) {
                self.total += 1;
                self.found = true;
                self.push(placed, "every operation took effect in this order: it is a valid order".into(), false);
                return;
            }
            // The earliest return among the unplaced definite operations bounds the candidates.
            let bound = (0..n)
                .filter(|&i| !done(i) && self.ops[i].output.is_some())
                .map(|i| self.ops[i].ret.max(self.ops[i].call))
                .min()
                .unwrap_or(u64::MAX);
            let mut moved = false;
            for i in 0..n {
                if done(i) || self.ops[i].call > bound {
                    continue;
                }
                let o = self.ops[i];
                match self.model.step(state, &o.input, o.output.as_ref()) {
                    Transition::Illegal => {
                        self.total += 1;
                        placed.push(i);
                        let stop = format!(
                            "{} cannot take effect here: the value is {}",
                            self.model.describe(&o.input, o.output.as_ref()),
                            state_text(state)
                        );
                        self.push(placed, stop, i == self.sel);
                        placed.pop();
                        moved = true;
                    }
                    Transition::Unchanged => {
                        placed.push(i);
                        self.go(placed, state);
                        placed.pop();
                        moved = true;
                    }
                    Transition::Next(s) => {
                        placed.push(i);
                        self.go(placed, &s);
                        placed.pop();
                        moved = true;
                    }
                }
            }
            if !moved {
                // Nothing may go next: a definite operation returned before any candidate.
                self.total += 1;
                let first = (0..n).filter(|&i| !done(i)).min_by_key(|&i| self.ops[i].ret).unwrap_or(0);
                let o = self.ops[first];
                let stop = format!(
                    "{} returned (line {}) before anything else could go: a dead end",
                    self.model.describe(&o.input, o.output.as_ref()),
                    o.ret
                );
                self.push(placed, stop, first == self.sel);
            }
        }
        fn push(&mut self, placed: &[usize], stop: String, at_selected: bool) {
            if self.orders.len() < WHY_MAX * 4 {
                self.orders.push(Order { ids: placed.iter().map(|&i| self.ops[i].id).collect(), stop, at_selected });
            }
        }
    }
    let mut w = Walk {
        model,
        ops,
        sel,
        orders: Vec::new(),
        total: 0,
        found: false,
        budget: 200_000,
        seen: std::collections::HashSet::new(),
    };
    w.go(&mut Vec::new(), &model.init());
    let me = ops[sel];
    let text = model.describe(&me.input, me.output.as_ref());
    let at_sel = w.orders.iter().filter(|o| o.at_selected).count();
    let n = ops.len() - relaxed.len();
    let with = if relaxed.is_empty() {
        String::new()
    } else {
        format!(
            " (with {} other update{} free to take effect at any point after its invocation, or not at all)",
            relaxed.len(),
            if relaxed.len() == 1 { "" } else { "s" }
        )
    };
    let partial = if left_out > 0 {
        format!(
            " ({left_out} further update{} left out of this walk: it shows orders, not a proof)",
            if left_out == 1 { "" } else { "s" }
        )
    } else {
        String::new()
    };
    let summary = if w.found {
        format!(
            "Among these {n} operations{with} a valid order exists ({} orders walked); {at_sel} stop at {text}.",
            w.total
        )
    } else {
        format!(
            "Every order of these {n} operations{with} that respects real time stops ({} walked): {at_sel} of them at \
             {text} itself. None of them works.{partial}",
            w.total
        )
    };
    // The selected operation's dead ends first, then the rest, as walked.
    let mut orders: Vec<Order> = w.orders.iter().filter(|o| o.at_selected).cloned().collect();
    orders.extend(w.orders.iter().filter(|o| !o.at_selected).cloned());
    orders.truncate(WHY_MAX);
    Why { op: text, summary, orders, total: w.total, among: Vec::new(), relaxed: Vec::new(), left_out: 0 }
}
