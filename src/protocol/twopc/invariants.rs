//! Two-phase commit's safety properties (BHG "Concurrency Control and Recovery in Database
//! Systems" ch. 7, the atomic commitment rules AC1–AC5), read from every node's durable log
//! after every event (a crashed node's log as it was at the crash):
//!
//! * **Atomicity** (AC1): no transaction is committed at one node and aborted at another
//!   (participants' COMMITTED / ABORTED against each other and the coordinator's decision).
//! * **Commit only if all voted Yes** (AC3): when the coordinator logs COMMIT, every participant
//!   of the transaction has logged PREPARED; a participant commits only what it prepared and
//!   only what the coordinator decided to commit.
//! * **Decisions are irrevocable** (AC2): the coordinator never logs both COMMIT and ABORT.
//! * **Durable log**: a node's log only grows; a crash and restart keeps every record
//!   (decisions, prepared state) it had.
//! * **Money conserved**: the sum over participants of balances, less money created by writes,
//!   plus the deltas of prepared transactions already decided Commit but not yet applied, never
//!   changes.

use crate::core::vecmap::VecMap;
use crate::protocol::twopc::{Install, Record, TwoPc, TxnId};
use crate::protocol::{InvariantChecker, Invariants, NodeId, Server, Time, Value};

impl Invariants for TwoPc {
    type Checker = TwoPcChecker;
}

/// Memory the 2PC checks need across events.
#[derive(Clone, Default, Debug, Hash)]
pub struct TwoPcChecker {
    /// Records of each node's log already read, and the last of them.
    seen: VecMap<NodeId, (usize, Option<Record>)>,
    /// The coordinator's decisions.
    decided: VecMap<TxnId, bool>,
    /// Each transaction's participants (from BEGIN).
    participants: VecMap<TxnId, Vec<NodeId>>,
    /// Participants that logged PREPARED, with what they will install.
    prepared: VecMap<(NodeId, TxnId), Vec<Install>>,
    /// Prepared and not yet decided at that participant.
    open: VecMap<(NodeId, TxnId), ()>,
    /// Outcomes at participants: the first seen, and where.
    outcomes: VecMap<TxnId, (NodeId, bool)>,
    /// The money in the bank at the first check.
    money: Option<Value>,
}

fn log_of(slot: &Server<TwoPc>) -> Option<&crate::protocol::twopc::Durable> {
    slot.node.as_ref().map(|n| n.stable()).or(slot.durable.as_ref())
}

impl TwoPcChecker {
    fn read(&mut self, node: NodeId, r: &Record, out: &mut Vec<(String, String)>) {
        let mut bad = |what: &str, detail: String| out.push((what.to_string(), detail));
        match r {
            Record::Begin { txn, participants, .. } => {
                self.participants.insert(*txn, participants.clone());
            }
            Record::Commit { txn, .. } | Record::Abort { txn, .. } => {
                let commit = matches!(r, Record::Commit { .. });
                if let Some(prev) = self.decided.insert(*txn, commit) {
                    if prev != commit {
                        bad("Decisions are irrevocable", format!("n{node} logged both COMMIT and ABORT for t{txn}"));
                    }
                }
                if commit {
                    for p in self.participants.get(txn).cloned().unwrap_or_default() {
                        if !self.prepared.contains_key(&(p, *txn)) {
                            bad(
                                "Commit only if all voted Yes",
                                format!("n{node} logged COMMIT t{txn} but n{p} never logged PREPARED (voted Yes)"),
                            );
                        }
                    }
                }
                if let Some((p, c)) = self.outcomes.get(txn) {
                    if *c != commit {
                        bad("Atomicity", format!("n{node} decided {} t{txn}, but n{p} {}", word(commit), done(*c)));
                    }
                }
            }
            Record::End { .. } => {}
            Record::Prepared { txn, installs, .. } => {
                self.prepared.insert((node, *txn), installs.clone());
                self.open.insert((node, *txn), ());
            }
            Record::Committed { txn } | Record::Aborted { txn } => {
                let commit = matches!(r, Record::Committed { .. });
                self.open.remove(&(node, *txn));
                if commit && !self.prepared.contains_key(&(node, *txn)) {
                    bad("Commit only if all voted Yes", format!("n{node} committed t{txn} without having prepared it"));
                }
                if commit && self.decided.get(txn) != Some(&true) {
                    bad(
                        "Atomicity",
                        format!("n{node} committed t{txn}, which the coordinator has not decided to commit"),
                    );
                }
                if !commit && self.decided.get(txn) == Some(&true) {
                    bad("Atomicity", format!("n{node} aborted t{txn}, which the coordinator decided to commit"));
                }
                match self.outcomes.get(txn) {
                    Some((p, c)) if *c != commit && *p != node => {
                        bad("Atomicity", format!("t{txn} {} at n{node} but {} at n{p}", done(commit), done(*c)))
                    }
                    Some(_) => {}
                    None => {
                        self.outcomes.insert(*txn, (node, commit));
                    }
                }
            }
        }
    }

    fn money(&self, nodes: &[Server<TwoPc>]) -> Value {
        let mut total: Value = 0;
        for slot in nodes.iter().skip(1) {
            if let Some(d) = log_of(slot) {
                total += d.kv.values().sum::<Value>() - d.minted;
            }
        }
        for ((p, txn), _) in self.open.iter() {
            if self.decided.get(txn) == Some(&true) {
                if let Some(installs) = self.prepared.get(&(*p, *txn)) {
                    total += installs.iter().filter(|i| !i.mint).map(|i| i.new - i.old.unwrap_or(0)).sum::<Value>();
                }
            }
        }
        total
    }
}

fn word(commit: bool) -> &'static str {
    if commit {
        "COMMIT"
    } else {
        "ABORT"
    }
}

fn done(commit: bool) -> &'static str {
    if commit {
        "committed"
    } else {
        "aborted"
    }
}

impl InvariantChecker<TwoPc> for TwoPcChecker {
    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[Server<TwoPc>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(d) = nodes.get(touched as usize).and_then(log_of) else {
            return out;
        };
        let (seen, last) = self.seen.get(&touched).cloned().unwrap_or((0, None));
        if d.log.len() < seen || (seen > 0 && d.log.get(seen - 1) != last.as_ref()) {
            out.push((
                "Durable log".into(),
                format!("n{touched}'s log lost records: {} now, {seen} were written before", d.log.len()),
            ));
        }
        let new: Vec<Record> = d.log.iter_from(seen).cloned().collect();
        for r in &new {
            self.read(touched, r, &mut out);
        }
        if !new.is_empty() {
            self.seen.insert(touched, (d.log.len(), d.log.last().cloned()));
        }
        let money = self.money(nodes);
        match self.money {
            None => self.money = Some(money),
            Some(m) if m != money => out.push((
                "Money conserved".into(),
                format!("the bank held {m} and now holds {money} (balances, less writes, plus committed transfers in flight)"),
            )),
            _ => {}
        }
        out
    }
}
