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

use super::{InvariantChecker, Invariants};
use crate::protocol::vecmap::VecMap;
use crate::protocol::zab::{Txn, Zab};
use crate::protocol::{NodeId, Time};
use crate::sim::NodeSlot;

impl Invariants for Zab {
    type Checker = ZabChecker;
}

/// Memory the ZAB checks need across events.
#[derive(Clone, Default, Debug)]
pub struct ZabChecker {
    /// The leader that established each epoch.
    leaders: VecMap<u64, NodeId>,
    /// The longest committed history seen.
    committed: Vec<Txn>,
    /// Each node's (acceptedEpoch, currentEpoch) as last seen.
    epochs: VecMap<NodeId, (u64, u64)>,
}

impl InvariantChecker<Zab> for ZabChecker {
    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[NodeSlot<Zab>]) -> Vec<(String, String)> {
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
        if let Some(w) = h.windows(2).find(|w| w[0].zxid >= w[1].zxid) {
            out.push((
                "Primary order".into(),
                format!("n{touched}'s history has {} before {}", w[0].zxid.text(), w[1].zxid.text()),
            ));
        }

        let mine = &h[..node.committed().min(h.len())];
        let common = mine.len().min(self.committed.len());
        if let Some(i) = (0..common).find(|i| mine[*i] != self.committed[*i]) {
            out.push((
                "Committed histories are prefixes".into(),
                format!(
                    "n{touched} committed {} {} at position {}, but {} {} was committed there",
                    mine[i].zxid.text(),
                    mine[i].text(),
                    i + 1,
                    self.committed[i].zxid.text(),
                    self.committed[i].text()
                ),
            ));
        } else if mine.len() > self.committed.len() {
            self.committed.extend_from_slice(&mine[self.committed.len()..]);
        }

        if node.established() {
            // Everything committed in earlier epochs (later ones may be committed by a newer
            // leader this stale one has not heard of yet).
            let e = node.epoch();
            let older = self.committed.partition_point(|t| t.zxid.epoch < e);
            let lacks = older > h.len() || h[..older] != self.committed[..older];
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
        out
    }
}
