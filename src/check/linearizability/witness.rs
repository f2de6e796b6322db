//! Witnesses of a violation: the earliest failing cut of the history, shrunk to a small set of
//! operations that still cannot be ordered, and described in a sentence.

use super::model::{Clock, Model, ModelOp};
use super::search::{Poll, Search};
use super::Witness;
use crate::protocol::sort;

/// A cut of a history: (index in the partition, possibly relaxed copy of the operation).
type Cut<M> = Vec<(usize, ModelOp<<M as Model>::Input, <M as Model>::Output>)>;

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
