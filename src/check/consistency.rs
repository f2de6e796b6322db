//! The consistency half of the CAP scoreboard, fed by the simulator as operations are invoked
//! and complete (it only reads them): the live linearizability verdict, stale reads, and
//! acknowledged writes the protocol reported lost.
//!
//! A read is **stale** when the value it returned had definitely been overwritten before the
//! read began: every write of that value had completed, and then another acknowledged write to
//! the same key began and completed, all before the read was invoked. (A write whose outcome is
//! unknown may still take effect later, so a read of its value is never called stale.) A stale
//! read is always a linearizability violation, but not every violation is a stale read.

use super::linearizability::{LiveChecker, LiveStatus, LiveVerdict};
use crate::core::history::{Operation, Outcome};
use crate::core::vecmap::VecMap;
use crate::protocol::{ClientOp, ClientOperation, ClientResult, Invariants, Time, Value};
use crate::sim::observer::Observer;
use crate::sim::Sim;
use serde::Serialize;

/// How many operations the live checker is fed at most: the search cost grows with the
/// history, and the live verdict must never stall a frame. Later operations are still counted
/// for stale reads; the verdict then says how many operations it covers.
pub const LIVE_OP_CAP: u64 = 4_000;
/// Search steps the live checker may spend per frame.
pub const LIVE_STEPS_PER_FRAME: u64 = 5_000;
/// Estimated bytes per operation the live checker holds (see `Sim::approx_bytes`; calibrated
/// with examples/memprobe.rs).
const PER_LIVE_OP: usize = 250;
/// Writes remembered per key for the stale-read rule.
const WRITES_PER_KEY: usize = 256;
/// Stale read ids remembered for highlighting.
const STALE_IDS: usize = 32;

#[derive(Clone, Debug)]
struct WriteRec {
    id: u64,
    value: Value,
    invoke: Time,
    /// Completion time when acknowledged; `None` while pending or when the outcome is unknown.
    acked_at: Option<Time>,
    /// Definitely did not take effect (refused, or a failed compare-and-set).
    failed: bool,
}

/// The scoreboard's consistency column.
#[derive(Clone, Debug, Serialize)]
pub struct ConsistencyReport {
    /// The live linearizability verdict (`linearizable_so_far`, `violation` with a witness, or
    /// `unknown`); absent when live checking is off.
    pub live: Option<LiveStatus>,
    /// Operations the live verdict covers (the first [`LIVE_OP_CAP`]).
    pub checked_ops: u64,
    /// True when later operations were left out of the live verdict.
    pub capped: bool,
    /// Reads that returned a value already overwritten before they began.
    pub stale_reads: u64,
    /// Ids of the most recent stale reads.
    pub stale_ids: Vec<u64>,
    /// Acknowledged writes the protocol later discarded (reported by the protocol).
    pub lost_writes: u64,
}

/// Consistency bookkeeping for one run.
#[derive(Clone, Default)]
pub struct Consistency {
    live: Option<LiveChecker>,
    /// Per key, its writes, oldest first; only the last [`WRITES_PER_KEY`] count ([`recent`]).
    /// Older ones are dropped in bulk once twice as many are held: removing the oldest of 256
    /// from a `Vec` on every write moved the other 255 (7 % of a Raft run's instructions).
    writes: VecMap<String, Vec<WriteRec>>,
    stale_reads: u64,
    stale_ids: Vec<u64>,
    lost_writes: u64,
    fed: u64,
    capped: bool,
    /// Keys moved by multi-key transactions: their reads are not judged by the register rules.
    txn_keys: Vec<String>,
}

/// The writes that count: the last [`WRITES_PER_KEY`].
fn recent(recs: &[WriteRec]) -> &[WriteRec] {
    &recs[recs.len().saturating_sub(WRITES_PER_KEY)..]
}

/// [`recent`], mutably.
fn recent_mut(recs: &mut [WriteRec]) -> &mut [WriteRec] {
    let from = recs.len().saturating_sub(WRITES_PER_KEY);
    &mut recs[from..]
}

fn written_value(op: &ClientOp) -> Option<Value> {
    match op {
        ClientOp::Write { value, .. } => Some(*value),
        ClientOp::Cas { to, .. } => Some(*to),
        ClientOp::Read { .. } => None,
    }
}

impl Consistency {
    /// Turn on the live linearizability verdict (the browser does; sweeps check at the end).
    pub fn enable_live(&mut self) {
        self.live.get_or_insert_with(|| LiveChecker::new(LIVE_STEPS_PER_FRAME));
    }

    /// An operation was invoked. The register rules read it through its register projection;
    /// an operation that is not a register operation (2PC's transfer) marks the keys it moves,
    /// whose reads the register rules then leave alone.
    pub fn on_invoke<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>) {
        let Some(op) = op.project() else {
            for k in op.op.keys() {
                if !self.txn_keys.iter().any(|t| t == k) {
                    self.txn_keys.push(k.to_string());
                }
            }
            // Keep the live checker's ids contiguous: it is counted, not fed.
            if self.live.is_some() {
                if self.fed < LIVE_OP_CAP && op.id == self.fed {
                    self.fed += 1;
                } else {
                    self.capped = true;
                }
            }
            return;
        };
        let op = &op;
        if let Some(value) = written_value(&op.op) {
            let key = op.op.key();
            // Look up before inserting: the key's `String` is only allocated the first time.
            let recs = match self.writes.get_mut(key) {
                Some(recs) => recs,
                None => self.writes.get_or_insert_with(key.to_string(), Vec::new),
            };
            if recs.len() >= 2 * WRITES_PER_KEY {
                recs.drain(..=recs.len() - WRITES_PER_KEY);
            }
            recs.push(WriteRec { id: op.id, value, invoke: op.invoke, acked_at: None, failed: false });
        }
        if let Some(live) = &mut self.live {
            if self.fed < LIVE_OP_CAP && op.id == self.fed {
                live.push(op);
                self.fed += 1;
            } else {
                self.capped = true;
            }
        }
    }

    /// An operation completed (its record now has outcome and result).
    pub fn on_complete<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>) {
        let Some(op) = op.project() else { return };
        let op = &op;
        let key = op.op.key();
        if written_value(&op.op).is_some() {
            if let Some(rec) =
                self.writes.get_mut(key).and_then(|r| recent_mut(r).iter_mut().rev().find(|w| w.id == op.id))
            {
                match op.outcome {
                    Some(Outcome::Ok) => rec.acked_at = op.complete,
                    Some(Outcome::Fail) => rec.failed = true,
                    _ => {}
                }
            }
        } else if let (Some(Outcome::Ok), Some(ClientResult::ReadOk { value })) = (op.outcome, &op.result) {
            if !self.txn_keys.iter().any(|k| k == key) && self.is_stale(key, *value, op.invoke) {
                self.stale_reads += 1;
                if self.stale_ids.len() >= STALE_IDS {
                    self.stale_ids.remove(0);
                }
                self.stale_ids.push(op.id);
            }
        }
        if let Some(live) = &mut self.live {
            if op.id < self.fed {
                live.push(op);
            }
        }
    }

    /// The protocol reported that it discarded an acknowledged write.
    pub fn on_lost_write(&mut self) {
        self.lost_writes += 1;
    }

    fn is_stale(&self, key: &str, read: Option<Value>, read_invoke: Time) -> bool {
        let Some(recs) = self.writes.get(key).map(|r| recent(r)) else {
            // Nothing remembered written to `key`: a read of a value is the checker's business,
            // a read of nothing is the initial state.
            return false;
        };
        // When was the last write of the value read acknowledged? `None`: never written, the
        // initial state, older than every write.
        let mut last_end: Option<Time> = None;
        if let Some(v) = read {
            let mut any = false;
            for w in recs.iter().filter(|w| w.value == v && !w.failed) {
                any = true;
                match w.acked_at {
                    Some(t) => last_end = Some(last_end.map_or(t, |e: Time| e.max(t))),
                    None => return false, // may still take effect: not provably stale
                }
            }
            if !any {
                return false; // a value nobody (remembered) wrote: the checker's business
            }
        }
        recs.iter().any(|w| {
            Some(w.value) != read
                && last_end.is_none_or(|e| w.invoke > e)
                && w.acked_at.is_some_and(|t| t < read_invoke)
        })
    }

    /// Operations held by the live checker (they dominate its memory).
    pub fn live_ops(&self) -> u64 {
        if self.live.is_some() {
            self.fed
        } else {
            0
        }
    }

    /// Spend this frame's search allowance on the live verdict.
    pub fn check(&mut self) {
        if let Some(live) = &mut self.live {
            live.check();
        }
    }

    /// Stale reads so far (time travel marks them on the timeline).
    pub fn stale_reads(&self) -> u64 {
        self.stale_reads
    }

    /// True when the live checker has found a violation.
    pub fn violated(&self) -> bool {
        self.live.as_ref().is_some_and(|l| matches!(l.status().verdict, LiveVerdict::Violation { .. }))
    }

    /// The scoreboard's consistency column.
    pub fn report(&self) -> ConsistencyReport {
        ConsistencyReport {
            live: self.live.as_ref().map(|l| l.status()),
            checked_ops: self.fed,
            capped: self.capped,
            stale_reads: self.stale_reads,
            stale_ids: self.stale_ids.clone(),
            lost_writes: self.lost_writes,
        }
    }
}

/// The simulator feeds the consistency column as the run happens.
impl Observer for Consistency {
    type Report = ConsistencyReport;
    fn on_invoke<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>) {
        Consistency::on_invoke(self, op)
    }
    fn on_complete<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>) {
        Consistency::on_complete(self, op)
    }
    fn on_lost_write(&mut self) {
        Consistency::on_lost_write(self)
    }
    fn approx_bytes(&self) -> usize {
        self.live_ops() as usize * PER_LIVE_OP
    }
    fn report(&self) -> ConsistencyReport {
        Consistency::report(self)
    }
}

/// A world read by the consistency column (what the browser and `cap` run).
impl<P: Invariants> Sim<P, Consistency> {
    /// Turn on the live linearizability verdict (call before the run starts).
    pub fn enable_live_check(&mut self) {
        self.observer_mut().enable_live();
    }
    /// Spend one frame's allowance of search steps on the live verdict.
    pub fn check_consistency(&mut self) {
        self.observer_mut().check();
    }
    /// Stale reads, lost writes and the live verdict.
    pub fn consistency(&self) -> &Consistency {
        self.observer()
    }
}
