//! ZAB's safety properties (ZooKeeper's protocol specification; Zab paper §III-B, "Properties"),
//! checked after every event:
//!
//! * **Established leader per epoch**: at most one leader establishes a given epoch.
//! * **Committed prefix / total order** (Integrity, Total order, Agreement): the committed
//!   histories of any two nodes are prefixes of one another.
//! * **Primary order**: every history is in strictly increasing zxid order, so proposals of one
//!   primary are delivered in the order it broadcast them, and earlier epochs first.
//! * **Primary integrity / no committed proposal lost**: an established leader of epoch e holds
//!   every proposal committed in an epoch before e.
//! * **Epochs monotonic**: a node never lowers acceptedEpoch or currentEpoch (durable, so not even
//!   across a restart), and currentEpoch <= acceptedEpoch.
//!
//! Histories only grow between syncs, so each node's history is checked incrementally: from where
//! the last check of that node stopped, as long as the entry there is still the same proposal
//! (zxids are unique). A shorter history, a different proposal there (TRUNC, SNAP) or every
//! [`FULL_EVERY`]-th check of the node re-checks it whole. (Checking it whole after every event
//! made an hour-long run quadratic: 86 % of its time.)

use crate::core::applog::AppendLog;
use crate::core::vecmap::VecMap;
use crate::protocol::zab::{Txn, Zab, Zxid};
use crate::protocol::{InvariantChecker, Invariants, NodeId, Server, Time};

impl Invariants for Zab {
    type Checker = ZabChecker;
}

/// A node's history is re-checked whole at least every this many checks of the node.
pub const FULL_EVERY: u32 = 256;

/// Memory the ZAB checks need across events.
#[derive(Clone, Default, Debug, Hash)]
pub struct ZabChecker {
    /// The leader that established each epoch.
    leaders: VecMap<u64, NodeId>,
    /// The longest committed history seen (copies share its full chunks, as the nodes' do).
    committed: AppendLog<Txn>,
    /// Each node's (acceptedEpoch, currentEpoch) as last seen.
    epochs: VecMap<NodeId, (u64, u64)>,
    /// Per node, how much of its history the last check covered.
    seen: VecMap<NodeId, Seen>,
}

/// How far a node's history has been checked.
#[derive(Clone, Copy, Default, Debug, Hash)]
struct Seen {
    /// Entries checked for primary order.
    len: usize,
    /// The zxid of the last of them (still the same proposal there: the prefix is unchanged).
    last: Option<Zxid>,
    /// Leading entries known equal to the longest committed history.
    agreed: usize,
    /// Checks since the last whole one.
    checks: u32,
}

impl InvariantChecker<Zab> for ZabChecker {
    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[Server<Zab>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(node) = nodes.get(touched as usize).and_then(|s| s.node.as_ref()) else {
            return out;
        };
        if node.established() {
            let e = node.epoch();
            let first = *self.leaders.get_or_insert_with(e, || touched);
            if first != touched {
                out.push((
                    "One established leader per epoch".into(),
                    format!("n{first} and n{touched} both established epoch {e}"),
                ));
            }
        }

        let (a, c) = (node.accepted_epoch(), node.current_epoch());
        if let Some((pa, pc)) = self.epochs.insert(touched, (a, c)) {
            if a < pa || c < pc {
                out.push((
                    "Epochs monotonic".into(),
                    format!("n{touched} lowered (acceptedEpoch, currentEpoch) from ({pa}, {pc}) to ({a}, {c})"),
                ));
            }
        }
        if c > a {
            out.push(("Epochs monotonic".into(), format!("n{touched} has currentEpoch {c} above acceptedEpoch {a}")));
        }

        let h = node.history();
        // Where the previous check of this node stopped, if its history still extends that.
        let prev = self.seen.get(&touched).copied().unwrap_or_default();
        let intact = prev.checks < FULL_EVERY
            && prev.len <= h.len()
            && (prev.len == 0 || Some(h[prev.len - 1].zxid) == prev.last);
        let (from, agreed) = if intact { (prev.len, prev.agreed) } else { (0, 0) };

        let unchecked = h.iter_from(from.saturating_sub(1));
        if let Some((a, b)) = unchecked.clone().zip(unchecked.skip(1)).find(|(a, b)| a.zxid >= b.zxid) {
            out.push((
                "Primary order".into(),
                format!("n{touched}'s history has {} before {}", a.zxid.text(), b.zxid.text()),
            ));
        }

        // This node's committed prefix: h[..mine].
        let mine = node.committed().min(h.len());
        let common = mine.min(self.committed.len());
        let start = agreed.min(common);
        let mut agreed_now = common;
        if let Some(i) = (start..common).find(|i| h[*i] != self.committed[*i]) {
            agreed_now = i;
            out.push((
                "Committed histories are prefixes".into(),
                format!(
                    "n{touched} committed {} {} at position {}, but {} {} was committed there",
                    h[i].zxid.text(),
                    h[i].text(),
                    i + 1,
                    self.committed[i].zxid.text(),
                    self.committed[i].text()
                ),
            ));
        } else if mine > self.committed.len() {
            self.committed.extend(h.range(self.committed.len(), mine).cloned());
            agreed_now = mine;
        }

        if node.established() {
            // Everything committed in earlier epochs (later ones may be committed by a newer
            // leader this stale one has not heard of yet).
            let e = node.epoch();
            let older = self.committed.partition_point(|t| t.zxid.epoch < e);
            let known = agreed_now.min(older);
            let lacks = older > h.len() || !h.range(known, older).eq(self.committed.range(known, older));
            if lacks {
                out.push((
                    "Committed proposal lost".into(),
                    format!(
                        "n{touched}, established leader of epoch {}, lacks a committed proposal (committed up to {})",
                        node.epoch(),
                        self.committed.last().map(|t| t.zxid.text()).unwrap_or_default()
                    ),
                ));
            }
        }
        self.seen.insert(
            touched,
            Seen {
                len: h.len(),
                last: h.last().map(|t| t.zxid),
                agreed: agreed_now,
                checks: if intact { prev.checks + 1 } else { 0 },
            },
        );
        out
    }
}
