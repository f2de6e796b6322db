//! Witnesses of a violation, as proofs: a set of operations that is not linearizable on its own
//! with every other operation of its key relaxed, re-checked by an exact search before it is
//! reported.
//!
//! **Relaxing** an operation keeps only what it cannot be denied: a read-only operation (a
//! read, a failed compare-and-set) is dropped, as its result is what is in doubt; any other gets
//! an unknown outcome — it may take effect at any point after its invocation, or never.
//! Relaxing only removes constraints, so if the witness is still not linearizable with the
//! others relaxed, nothing the others did can excuse it. (Deleting a write instead could invent
//! a violation: a read of a value nobody wrote.)
//!
//! How a witness is found, each step a search that must come back "not linearizable" before
//! its smaller set is accepted (a search too hard for its allowance keeps the larger set):
//! 1. **Earliest failing prefix.** The history cut just after one operation's return (later
//!    invocations dropped, later returns relaxed) is linearizable for early cuts and not for late
//!    ones ("not linearizable" is monotone in the cut). The verdict's search already tells where
//!    it got stuck: every cut before the deepest return it reached is linearizable, so the
//!    search gallops forward from there, then bisects. The failing operation is the one whose
//!    return ends the earliest failing cut.
//! 2. **Localise.** Keep the failing operation and the m operations that returned last before
//!    it (m = 4, 16, 64, …), relax the rest of the cut: most violations are local, and a small
//!    kept set makes every later probe small (the model prunes relaxed operations that cannot
//!    matter, [`Model::prune_relaxed`]).
//! 3. **Shrink** by delta debugging (Zeller): drop chunks of the kept set while the rest still
//!    cannot be ordered, halving the chunk down to single operations, until no single operation
//!    can go: then the witness is *1-minimal*.
//! 4. **Verify.** Re-check the final set against the whole history of its key with every other
//!    operation relaxed, by an exact search (the memo compares configurations in full, never by
//!    a hash alone).

use super::model::{Clock, Model, ModelOp, OpsOf};
use super::search::{Poll, Search};
use super::{show_bytes, Limits, Witness};
use crate::core::sort;

/// A cut of a history: (index in the partition, possibly relaxed copy of the operation).
type Cut<M> = Vec<(usize, ModelOp<<M as Model>::Input, <M as Model>::Output>)>;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum FinderPhase {
    /// Search for the earliest failing cut in `lo..=hi` (hi known to fail): galloping forward
    /// from `lo` by `step`, then bisecting.
    Bisect {
        gallop: bool,
        step: usize,
    },
    /// Probe the failing operation with the `m` operations that returned last before it.
    Localize {
        m: usize,
    },
    /// Delta-debugging removal of `chunk` operations at position `i` of `keep`.
    Shrink {
        chunk: usize,
        i: usize,
        removed: bool,
    },
    /// The final exact re-check.
    Verify,
    Done,
}

/// What a probe is for (so its answer goes to the right phase).
#[derive(Clone)]
enum ProbeFor {
    Cut(usize),
    Keep(Vec<usize>),
    Verify,
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
    /// Positions in `cut` still in the witness (sorted).
    keep: Vec<usize>,
    probe: Option<(Search<M>, ProbeFor)>,
    memory: usize,
    /// Steps used so far.
    pub(crate) steps: u64,
    /// The most bytes one probe held.
    pub(crate) peak_bytes: usize,
    // What happened, for the reduction sentence.
    cut_probes: u32,
    localized: Option<usize>,
    shrink_from: usize,
    shrink_probes: u32,
    /// A probe was too hard (steps or memory) and kept its operations.
    undecided: bool,
    /// The whole budget ran out before the search finished.
    out_of_budget: bool,
    /// `Some(true)` verified, `Some(false)` the re-check could not show it (see `finish`).
    verified: Option<bool>,
    /// Why verification did not complete, if it did not.
    verify_note: Option<String>,
    relaxed: usize,
}

impl<M: Model> WitnessFinder<M> {
    /// Start from a partition known to be non-linearizable; `frontier` is the deepest return
    /// the verdict's search reached (an index into `ops`), `memory` the bytes one probe may use.
    pub(crate) fn new(
        key: String,
        ops: Vec<ModelOp<M::Input, M::Output>>,
        frontier: Option<usize>,
        memory: usize,
    ) -> Self {
        let mut rets: Vec<usize> = (0..ops.len()).filter(|&i| ops[i].output.is_some()).collect();
        sort::sort_by_key(&mut rets, |&i| (ops[i].ret.max(ops[i].call), i));
        let hi = rets.len().saturating_sub(1);
        // Every cut before the frontier's return is linearizable (the search placed all of them).
        let lo = frontier.and_then(|f| rets.iter().position(|&i| i == f)).unwrap_or(0).min(hi);
        WitnessFinder {
            key,
            ops,
            rets,
            lo,
            hi,
            phase: FinderPhase::Bisect { gallop: true, step: 1 },
            cut: Vec::new(),
            failing: 0,
            keep: Vec::new(),
            probe: None,
            memory,
            steps: 0,
            peak_bytes: 0,
            cut_probes: 0,
            localized: None,
            shrink_from: 0,
            shrink_probes: 0,
            undecided: false,
            out_of_budget: false,
            verified: None,
            verify_note: None,
            relaxed: 0,
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

    /// `kept` as they are, every other operation relaxed (see the module docs); relaxed
    /// operations invoked after every kept one returned are left out (they could only be placed
    /// after all of them), and the model prunes those that cannot matter. Returns the operations
    /// and how many others were relaxed (before pruning).
    fn relax_all_but<'a>(
        model: &M,
        all: impl Iterator<Item = (bool, &'a ModelOp<M::Input, M::Output>)>,
    ) -> (OpsOf<M>, usize)
    where
        M::Input: 'a,
        M::Output: 'a,
    {
        let mut kept: OpsOf<M> = Vec::new();
        let mut relaxed: OpsOf<M> = Vec::new();
        for (inside, op) in all {
            if inside {
                kept.push(op.clone());
                continue;
            }
            match &op.output {
                Some(o) if model.read_only(&op.input, o) => {}
                _ => {
                    let mut op = op.clone();
                    op.output = None;
                    relaxed.push(op);
                }
            }
        }
        let n_relaxed = relaxed.len();
        let last_ret = kept.iter().filter(|o| o.output.is_some()).map(|o| o.ret.max(o.call)).max().unwrap_or(0);
        relaxed.retain(|o| o.call <= last_ret);
        let refs: Vec<&ModelOp<M::Input, M::Output>> = kept.iter().collect();
        let mut out = model.prune_relaxed(&refs, relaxed);
        out.extend(kept);
        (out, n_relaxed)
    }

    /// The cut with every definite operation outside `subset` (positions in `cut`) relaxed.
    fn probe_ops(&self, model: &M, subset: &[usize]) -> OpsOf<M> {
        let mut inside = vec![false; self.cut.len()];
        for &p in subset {
            if let Some(x) = inside.get_mut(p) {
                *x = true;
            }
        }
        Self::relax_all_but(model, self.cut.iter().enumerate().map(|(p, (_, op))| (inside[p], op))).0
    }

    /// Steps one probe may take before it counts as "could not show a violation".
    fn probe_cap(&self) -> u64 {
        (self.ops.len() as u64).saturating_mul(200).max(50_000)
    }

    /// Advance by up to `steps` (this call) within `total` (whole search); `Some` when done.
    pub(crate) fn run(&mut self, model: &M, steps: u64, total: u64, clock: Clock) -> Option<Witness> {
        let limit = self.steps.saturating_add(steps).min(total);
        loop {
            if self.phase == FinderPhase::Done {
                return Some(self.finish(model, clock));
            }
            if self.steps >= limit {
                if self.steps >= total {
                    // Out of budget: stop here; what is kept was shown not linearizable.
                    self.out_of_budget = true;
                    self.probe = None;
                    if matches!(self.phase, FinderPhase::Bisect { .. }) {
                        self.enter_localize(model);
                    }
                    self.phase = FinderPhase::Done;
                    continue;
                }
                return None;
            }
            if self.probe.is_none() && !self.next_probe(model) {
                continue;
            }
            let verifying = self.phase == FinderPhase::Verify;
            let cap = if verifying { u64::MAX } else { self.probe_cap() };
            let Some((search, _)) = self.probe.as_mut() else {
                continue;
            };
            let before = search.steps;
            // saturating: opening a probe (next_probe) may itself have spent steps past `limit`.
            let poll = search.run(model, limit.saturating_sub(self.steps).min(cap.saturating_sub(search.steps).max(1)));
            self.steps += search.steps - before;
            self.peak_bytes = self.peak_bytes.max(search.bytes());
            // `Some(true)`: orderable, `Some(false)`: not, `None`: undecided (too hard).
            let answer = match poll {
                Poll::Done(ok) => Some(ok),
                Poll::Paused if search.steps >= cap => None,
                Poll::Paused => continue,
                Poll::OutOfMemory => None,
            };
            if matches!(poll, Poll::OutOfMemory) && verifying {
                self.verify_note =
                    Some(format!("the re-check reached the memory budget ({})", show_bytes(self.memory)));
            }
            if let Some((_, what)) = self.probe.take() {
                self.apply(model, answer, what);
            }
        }
    }

    /// Cut at the earliest failing return found, and start localising.
    fn enter_localize(&mut self, model: &M) {
        let (cut, failing) = if self.rets.is_empty() { (Vec::new(), 0) } else { self.cut_at(model, self.hi) };
        self.cut = cut;
        self.failing = failing;
        // Unknown-outcome operations stay in every probe as possible helpers; the witness is
        // made of definite ones.
        self.keep = (0..self.cut.len()).filter(|&p| self.cut[p].1.output.is_some()).collect();
        self.phase = FinderPhase::Localize { m: 4 };
    }

    fn enter_shrink(&mut self) {
        self.shrink_from = self.keep.len();
        let chunk = (self.keep.len() / 2).max(1);
        self.phase = FinderPhase::Shrink { chunk, i: 0, removed: false };
    }

    /// The failing operation and the `m` definite operations of the cut that returned last
    /// before it (positions in `cut`, sorted).
    fn nearest(&self, m: usize) -> Vec<usize> {
        let mut others: Vec<(u64, usize)> = self
            .keep
            .iter()
            .filter(|&&p| p != self.failing)
            .map(|&p| (self.cut[p].1.ret.max(self.cut[p].1.call), p))
            .collect();
        sort::sort(&mut others);
        let mut out: Vec<usize> = others.iter().rev().take(m).map(|&(_, p)| p).collect();
        out.push(self.failing);
        sort::sort(&mut out);
        out
    }

    fn open(&mut self, model: &M, ops: OpsOf<M>, what: ProbeFor) {
        // Building a probe is work too: charge it so per-call budgets bound time.
        self.steps += ops.len() as u64;
        self.probe = Some((Search::with_limit(model, ops, self.memory), what));
    }

    /// Set up the next probe; false when the phase changed instead.
    fn next_probe(&mut self, model: &M) -> bool {
        match self.phase {
            FinderPhase::Bisect { gallop, step } => {
                if self.lo >= self.hi || self.rets.is_empty() {
                    self.enter_localize(model);
                    return false;
                }
                let c = if gallop && self.lo + step - 1 < self.hi {
                    self.lo + step - 1
                } else {
                    self.phase = FinderPhase::Bisect { gallop: false, step };
                    (self.lo + self.hi) / 2
                };
                let (cut, _) = self.cut_at(model, c);
                self.cut_probes += 1;
                self.open(model, cut.into_iter().map(|(_, o)| o).collect(), ProbeFor::Cut(c));
                true
            }
            FinderPhase::Localize { m } => {
                if m + 1 >= self.keep.len() {
                    self.enter_shrink();
                    return false;
                }
                let subset = self.nearest(m);
                let ops = self.probe_ops(model, &subset);
                self.open(model, ops, ProbeFor::Keep(subset));
                true
            }
            FinderPhase::Shrink { chunk, i, removed } => {
                if i >= self.keep.len() {
                    self.phase = if chunk > 1 {
                        FinderPhase::Shrink { chunk: chunk / 2, i: 0, removed: false }
                    } else if removed {
                        FinderPhase::Shrink { chunk: 1, i: 0, removed: false }
                    } else {
                        FinderPhase::Verify
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
                self.shrink_probes += 1;
                self.open(model, ops, ProbeFor::Keep(candidate));
                true
            }
            FinderPhase::Verify => {
                let (ops, relaxed) = self.verify_ops(model);
                self.relaxed = relaxed;
                self.open(model, ops, ProbeFor::Verify);
                true
            }
            FinderPhase::Done => false,
        }
    }

    /// The whole partition with the witness's operations as they were and every other relaxed.
    fn verify_ops(&self, model: &M) -> (OpsOf<M>, usize) {
        let mut inside = vec![false; self.ops.len()];
        for &p in &self.keep {
            if let Some((j, _)) = self.cut.get(p) {
                inside[*j] = true;
            }
        }
        Self::relax_all_but(model, self.ops.iter().enumerate().map(|(j, op)| (inside[j], op)))
    }

    fn apply(&mut self, model: &M, answer: Option<bool>, what: ProbeFor) {
        if answer.is_none() && matches!(self.phase, FinderPhase::Shrink { .. }) {
            self.undecided = true;
        }
        let not_linearizable = answer == Some(false);
        match (self.phase, what) {
            (FinderPhase::Bisect { gallop, step }, ProbeFor::Cut(c)) => {
                if not_linearizable {
                    self.hi = c;
                    self.phase = FinderPhase::Bisect { gallop: false, step };
                } else {
                    self.lo = c + 1;
                    self.phase = FinderPhase::Bisect { gallop, step: step.saturating_mul(2) };
                }
                if self.lo >= self.hi {
                    self.enter_localize(model);
                }
            }
            (FinderPhase::Localize { m }, ProbeFor::Keep(subset)) => {
                if not_linearizable {
                    self.localized = Some(subset.len() - 1);
                    self.keep = subset;
                    self.enter_shrink();
                } else {
                    self.phase = FinderPhase::Localize { m: m.saturating_mul(4) };
                }
            }
            (FinderPhase::Shrink { chunk, i, removed }, ProbeFor::Keep(subset)) => {
                if not_linearizable {
                    self.keep = subset;
                    self.phase = FinderPhase::Shrink { chunk, i, removed: true };
                } else {
                    self.phase = FinderPhase::Shrink { chunk, i: i + chunk, removed };
                }
            }
            (FinderPhase::Verify, ProbeFor::Verify) => {
                self.verified = Some(not_linearizable);
                if answer == Some(true) && self.verify_note.is_none() {
                    self.verify_note = Some("the re-check found an order (a checker bug: please report it)".into());
                } else if answer.is_none() && self.verify_note.is_none() {
                    self.verify_note = Some("the re-check ran out of its step budget".into());
                }
                self.phase = FinderPhase::Done;
            }
            _ => {}
        }
    }

    /// Build the witness from what has been found so far.
    pub(crate) fn finish(&mut self, model: &M, clock: Clock) -> Witness {
        if self.cut.is_empty() && !self.rets.is_empty() {
            self.enter_localize(model);
            self.out_of_budget = true;
        }
        self.phase = FinderPhase::Done;
        self.probe = None;
        let minimal = self.verified == Some(true) && !self.out_of_budget && !self.undecided;
        // Describe the operations as they really were (not as relaxed for the cut).
        let originals: Vec<&ModelOp<M::Input, M::Output>> =
            self.keep.iter().filter_map(|&p| self.cut.get(p)).map(|(j, _)| &self.ops[*j]).collect();
        let failing_pos = self.keep.iter().position(|&p| p == self.failing).unwrap_or(0);
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
        let others = self.ops.len() > originals.len();
        let sentence = model
            .explain(failing_pos, &originals, clock)
            .unwrap_or_else(|| generic_sentence(model, failing_pos, &originals, clock));
        let sentence = if others {
            format!(
                "{sentence} This holds whatever the other operations on this key did: checked with each of them relaxed (a read's result ignored; an update free to take effect at any point after its invocation, or not at all)."
            )
        } else {
            sentence
        };
        let reduction = self.reduction(originals.len(), minimal);
        Witness {
            key: self.key.clone(),
            failing_op,
            ops: order.iter().map(|&i| originals[i].id).collect(),
            lines,
            sentence,
            minimal,
            verified: self.verified == Some(true),
            relaxed: self.relaxed,
            reduction,
        }
    }

    /// How the witness was found and reduced, in words.
    fn reduction(&self, size: usize, minimal: bool) -> String {
        let n = self.ops.len();
        let cut_ops = self.cut.len();
        let mut s = if cut_ops < n {
            format!(
                "Earliest failing prefix: the first {cut_ops} of the key's {n} operations ({} prefix checks)",
                self.cut_probes
            )
        } else {
            format!("The whole history of the key ({n} operations) fails")
        };
        if let Some(m) = self.localized {
            s.push_str(&format!("; localised to the failing operation and the {m} that returned last before it"));
        }
        if self.shrink_from > size {
            s.push_str(&format!(
                "; shrunk from {} to {size} operations by delta debugging ({} checks)",
                self.shrink_from, self.shrink_probes
            ));
        }
        if minimal {
            s.push_str("; 1-minimal: relaxing any one more of them lets the rest be ordered");
        } else if self.out_of_budget {
            s.push_str("; shrinking stopped at the step budget, so the set may not be minimal");
        } else if self.undecided {
            s.push_str("; some checks were too hard to decide within their allowance, so the set may not be minimal");
        }
        match (self.verified, &self.verify_note) {
            (Some(true), _) => s.push_str(&format!(
                ". Re-checked by an exact search with the other {} operations of the key relaxed.",
                self.relaxed
            )),
            (_, Some(note)) => s.push_str(&format!(
                ". Not re-checked: {note}; each accepted reduction was itself shown not linearizable by an exact search."
            )),
            _ => s.push_str(
                ". Not re-checked: the step budget ran out first; each accepted reduction was itself shown not linearizable by an exact search.",
            ),
        }
        s
    }
}

fn generic_sentence<M: Model>(
    model: &M,
    failing: usize,
    ops: &[&ModelOp<M::Input, M::Output>],
    clock: Clock,
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
    format!(
        "{what} cannot be placed anywhere between its invocation at {} and its return at {}: {tail}",
        clock.at(b.call),
        clock.at(b.ret)
    )
}

/// Check that `witness` (operation ids of `ops`, one key's operations) is a proof: with every
/// other operation relaxed, the history is not linearizable. `Some(true)`: verified;
/// `Some(false)`: an order exists, so it is no proof; `None`: a budget ran out. Also what the
/// history lab calls to re-check a witness it was given.
pub fn verify_witness<M: Model>(
    model: &M,
    ops: &[ModelOp<M::Input, M::Output>],
    witness: &[u64],
    limits: impl Into<Limits>,
) -> Option<bool> {
    let limits = limits.into();
    let (relaxed, _) = WitnessFinder::<M>::relax_all_but(model, ops.iter().map(|o| (witness.contains(&o.id), o)));
    let mut search = Search::with_limit(model, relaxed, limits.memory);
    match search.run(model, limits.steps) {
        Poll::Done(ok) => Some(!ok),
        _ => None,
    }
}
