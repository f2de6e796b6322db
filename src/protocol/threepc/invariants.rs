//! Three-phase commit's safety properties, read from every node's durable log after every event
//! (a crashed node's log as it was at the crash):
//!
//! * **Atomicity** (Skeen 1981 §2, "all sites reach the same decision"): no transaction is
//!   committed at one site and aborted at another. Under a partition, 3PC's termination rule
//!   breaks it (`3pc-partition-split.json`); under crashes alone it must hold.
//! * **Commit only if all voted Yes**: a site commits only a transaction every participant voted
//!   Yes on (logged w).
//! * **Decisions are irrevocable**: no site logs both c and a for one transaction.
//! * **Durable log**: a node's log only grows; a crash keeps every record.
//! * **Money conserved**: balances less money minted by writes, plus transfers decided Commit
//!   somewhere and not yet applied, never change.

use crate::core::vecmap::VecMap;
use crate::protocol::threepc::{Durable, Record, ThreePc, TxnId};
use crate::protocol::twopc::Install;
use crate::protocol::{InvariantChecker, Invariants, NodeId, Server, Time, Value};

impl Invariants for ThreePc {
    type Checker = ThreePcChecker;
}

/// Memory the 3PC checks need across events.
#[derive(Clone, Default, Debug, Hash)]
pub struct ThreePcChecker {
    /// Records of each node's log already read, and the last of them.
    seen: VecMap<NodeId, (usize, Option<Record>)>,
    /// Each transaction's participants (from BEGIN or a Yes vote).
    participants: VecMap<TxnId, Vec<NodeId>>,
    /// Participants that voted Yes, with what they install on commit.
    voted: VecMap<(NodeId, TxnId), Vec<Install>>,
    /// Voted and not yet decided at that participant.
    open: VecMap<(NodeId, TxnId), ()>,
    /// The first decision seen for each transaction (anywhere), and where.
    outcome: VecMap<TxnId, (NodeId, bool)>,
    /// Each site's own decision.
    decided: VecMap<(NodeId, TxnId), bool>,
    /// The money in the bank at the first check.
    money: Option<Value>,
    /// Atomicity was broken: money is no longer meaningful (a split creates or destroys it).
    split: bool,
}

fn log_of(slot: &Server<ThreePc>) -> Option<&Durable> {
    slot.node.as_ref().map(|n| n.stable()).or(slot.durable.as_ref())
}

fn done(commit: bool) -> &'static str {
    if commit {
        "committed"
    } else {
        "aborted"
    }
}

impl ThreePcChecker {
    fn decide(&mut self, node: NodeId, txn: TxnId, commit: bool, out: &mut Vec<(String, String)>) {
        if let Some(prev) = self.decided.insert((node, txn), commit) {
            if prev != commit {
                out.push(("Decisions are irrevocable".into(), format!("n{node} logged both c and a for t{txn}")));
            }
        }
        if commit {
            for p in self.participants.get(&txn).cloned().unwrap_or_default() {
                if !self.voted.contains_key(&(p, txn)) {
                    out.push((
                        "Commit only if all voted Yes".into(),
                        format!("n{node} committed t{txn} but n{p} never voted Yes (logged w)"),
                    ));
                }
            }
        }
        match self.outcome.get(&txn) {
            Some((p, c)) if *c != commit => {
                self.split = true;
                out.push(("Atomicity".into(), format!("t{txn} {} at n{node} but {} at n{p}", done(commit), done(*c))))
            }
            Some(_) => {}
            None => {
                self.outcome.insert(txn, (node, commit));
            }
        }
    }

    fn read(&mut self, node: NodeId, r: &Record, out: &mut Vec<(String, String)>) {
        match r {
            Record::Begin { txn, participants, .. } => {
                self.participants.insert(*txn, participants.clone());
            }
            Record::PreCommit { .. } | Record::PreCommitted { .. } => {}
            Record::Commit { txn, .. } => self.decide(node, *txn, true, out),
            Record::Abort { txn, .. } => self.decide(node, *txn, false, out),
            Record::Voted { txn, participants, installs, .. } => {
                self.participants.get_or_insert_with(*txn, || participants.clone());
                self.voted.insert((node, *txn), installs.clone());
                self.open.insert((node, *txn), ());
            }
            Record::Committed { txn } | Record::Aborted { txn } => {
                let commit = matches!(r, Record::Committed { .. });
                self.open.remove(&(node, *txn));
                if commit && !self.voted.contains_key(&(node, *txn)) {
                    out.push((
                        "Commit only if all voted Yes".into(),
                        format!("n{node} committed t{txn} without voting Yes"),
                    ));
                }
                self.decide(node, *txn, commit, out);
            }
        }
    }

    fn money(&self, nodes: &[Server<ThreePc>]) -> Value {
        let mut total: Value = 0;
        for slot in nodes.iter().skip(1) {
            if let Some(d) = log_of(slot) {
                total += d.kv.values().sum::<Value>() - d.minted;
            }
        }
        for ((p, txn), _) in self.open.iter() {
            if matches!(self.outcome.get(txn), Some((_, true))) {
                if let Some(installs) = self.voted.get(&(*p, *txn)) {
                    total += installs.iter().filter(|i| !i.mint).map(|i| i.new - i.old.unwrap_or(0)).sum::<Value>();
                }
            }
        }
        total
    }
}

impl InvariantChecker<ThreePc> for ThreePcChecker {
    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[Server<ThreePc>]) -> Vec<(String, String)> {
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
        // Money is only meaningful while atomicity holds (a split creates or destroys it).
        if !self.split {
            let money = self.money(nodes);
            match self.money {
                None => self.money = Some(money),
                Some(m) if m != money => out.push((
                    "Money conserved".into(),
                    format!("the bank held {m} and now holds {money} (balances, less writes, plus committed transfers in flight)"),
                )),
                _ => {}
            }
        }
        out
    }
}
