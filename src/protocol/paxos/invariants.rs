//! Paxos safety ("Paxos Made Simple" §2.1), for single-decree Paxos and Multi-Paxos, checked
//! after every event that touched a node:
//!
//! * **Agreement**: at most one value is chosen per slot. A value is *chosen* in a slot when a
//!   majority of the acceptors have accepted it in one ballot; this is computed from the
//!   acceptors' own states (a crashed acceptor counts with its durable state) at the moment an
//!   acceptor accepts, and remembered, since acceptances can later be overwritten.
//! * **Nontriviality**: a chosen value was proposed — in that slot, in that ballot, by the
//!   ballot's proposer (which also catches a proposer reusing a ballot for a second value).
//! * **Promise kept** (P1a): an acceptor never accepts a ballot below one it promised, even
//!   across a crash (the checker remembers each acceptor's highest promise).
//! * **Durable acceptor state**: a restarted acceptor's promise is not below what it had
//!   promised before the crash.
//! * **Learned = chosen**: a learner only learns the value chosen in that slot.
//! * **Compaction** (Multi-Paxos): once every acceptor and learner has folded the slots up to
//!   some floor into its snapshot (no accepted or learned value kept there), nothing is proposed,
//!   accepted or learned at or below that floor again. That is what lets the checker forget its
//!   records of those slots (as the Raft checker forgets entries every node has compacted) and
//!   still guarantee Agreement per slot: a slot it forgot can never be chosen a second time
//!   without a node first breaking this rule, which is reported.

use crate::core::vecmap::VecMap;
use crate::protocol::paxos::{Ballot, Cmd, MultiPaxos, Node, Paxos, Slot};
use crate::protocol::{InvariantChecker, Invariants, NodeId, Protocol, Server, Time};

impl Invariants for Paxos {
    type Checker = PaxosChecker;
}

impl Invariants for MultiPaxos {
    type Checker = PaxosChecker;
}

/// Memory the Paxos checks need across events.
#[derive(Clone, Default, Debug, Hash)]
pub struct PaxosChecker {
    /// The value first seen chosen in each slot, with its ballot.
    chosen: VecMap<Slot, (Ballot, Cmd)>,
    /// Every phase-2 proposal: (slot, ballot) → value.
    proposals: VecMap<(Slot, Ballot), Cmd>,
    /// Highest ballot each acceptor ever promised (survives its crashes).
    promised: VecMap<NodeId, Ballot>,
    /// Nodes restarted since their last check.
    restarted: Vec<NodeId>,
    /// Multi-Paxos: every acceptor and learner has folded the slots up to here away (the
    /// highest such floor seen; it never goes down, even when a node forgets on purpose).
    floor: Slot,
}

impl InvariantChecker<Paxos> for PaxosChecker {
    fn check(&mut self, now: Time, touched: NodeId, nodes: &[Server<Paxos>]) -> Vec<(String, String)> {
        let view: Vec<Acceptor> = nodes.iter().map(|s| acceptor_of(s.node.as_deref(), s.durable.as_ref())).collect();
        let floors: Vec<Slot> = nodes.iter().map(|s| floor_of(s.node.as_deref(), s.durable.as_ref())).collect();
        self.check_node(now, touched, nodes.get(touched as usize).and_then(|s| s.node.as_deref()), &view, &floors)
    }
    fn on_restart(&mut self, id: NodeId) {
        self.restarted.push(id);
    }
}

impl InvariantChecker<MultiPaxos> for PaxosChecker {
    fn check(&mut self, now: Time, touched: NodeId, nodes: &[Server<MultiPaxos>]) -> Vec<(String, String)> {
        let view: Vec<Acceptor> = nodes.iter().map(|s| acceptor_of(s.node.as_deref(), s.durable.as_ref())).collect();
        let floors: Vec<Slot> = nodes.iter().map(|s| floor_of(s.node.as_deref(), s.durable.as_ref())).collect();
        self.check_node(now, touched, nodes.get(touched as usize).and_then(|s| s.node.as_deref()), &view, &floors)
    }
    fn on_restart(&mut self, id: NodeId) {
        self.restarted.push(id);
    }
}

/// An acceptor's accepted values, from the running node or, while crashed, its durable state.
type Acceptor<'a> = Option<&'a VecMap<Slot, (Ballot, Cmd)>>;

fn acceptor_of<'a>(node: Option<&'a Node>, durable: Option<&'a <Paxos as Protocol>::Durable>) -> Acceptor<'a> {
    match (node, durable) {
        (Some(n), _) => Some(n.accepted()),
        (None, Some(d)) => Some(&d.accepted),
        (None, None) => None,
    }
}

/// How far a node has folded its log away: from the running node or, while crashed, its durable
/// state (0 when it has neither).
fn floor_of(node: Option<&Node>, durable: Option<&<Paxos as Protocol>::Durable>) -> Slot {
    match (node, durable) {
        (Some(n), _) => n.compacted(),
        (None, Some(d)) => d.compacted,
        (None, None) => 0,
    }
}

impl PaxosChecker {
    fn check_node(
        &mut self,
        _now: Time,
        touched: NodeId,
        node: Option<&Node>,
        acceptors: &[Acceptor],
        floors: &[Slot],
    ) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(node) = node else { return out };
        let before = self.promised.get(&touched).copied().unwrap_or_default();
        // Judged against the floor as it stood before this event.
        let floor = self.floor;
        for (s, b, _) in node.recent_proposals().iter().filter(|(s, _, _)| *s <= floor) {
            out.push((
                "Compaction".into(),
                format!("n{touched} proposed in slot {s} (ballot {}), which every replica had folded away (up to slot {floor})", b.text()),
            ));
        }
        for (s, b) in node.recent_accepts().iter().filter(|(s, _)| *s <= floor) {
            out.push((
                "Compaction".into(),
                format!("n{touched} accepted ballot {} in slot {s}, which every replica had folded away (up to slot {floor})", b.text()),
            ));
        }
        for (s, c) in node.recent_learned().iter().filter(|(s, _)| *s <= floor) {
            out.push((
                "Compaction".into(),
                format!(
                    "n{touched} learned {} in slot {s}, which every replica had folded away (up to slot {floor})",
                    c.text()
                ),
            ));
        }

        if let Some(i) = self.restarted.iter().position(|r| *r == touched) {
            self.restarted.remove(i);
            if node.is_acceptor() && node.promised() < before {
                out.push((
                    "Durable acceptor state".into(),
                    format!(
                        "n{touched} restarted with promise {} after promising {} before its crash",
                        node.promised().text(),
                        before.text()
                    ),
                ));
            }
        }

        for (s, b, cmd) in node.recent_proposals() {
            match self.proposals.get(&(*s, *b)) {
                Some(c) if c != cmd => out.push((
                    "Nontriviality".into(),
                    format!("ballot {} proposed two values in slot {s}: {} and {}", b.text(), c.text(), cmd.text()),
                )),
                Some(_) => {}
                None => {
                    self.proposals.insert((*s, *b), cmd.clone());
                }
            }
        }

        let quorum = node.quorum();
        for (s, b) in node.recent_accepts() {
            if *b < before {
                out.push((
                    "Promise kept".into(),
                    format!("n{touched} accepted ballot {} in slot {s} after promising {}", b.text(), before.text()),
                ));
            }
            let Some((_, value)) = node.accepted().get(s).filter(|(x, _)| x == b) else { continue };
            let votes = node
                .acceptors()
                .iter()
                .filter(|a| {
                    acceptors
                        .get(**a as usize)
                        .copied()
                        .flatten()
                        .and_then(|m| m.get(s))
                        .is_some_and(|(x, c)| x == b && c == value)
                })
                .count();
            if votes < quorum {
                continue;
            }
            if self.proposals.get(&(*s, *b)) != Some(value) {
                out.push((
                    "Nontriviality".into(),
                    format!("{} was chosen in slot {s}, ballot {}, but never proposed there", value.text(), b.text()),
                ));
            }
            match self.chosen.get(s) {
                Some((b0, c0)) if c0 != value => out.push((
                    "Agreement".into(),
                    format!(
                        "two values chosen in slot {s}: {} in ballot {}, then {} in ballot {}",
                        c0.text(),
                        b0.text(),
                        value.text(),
                        b.text()
                    ),
                )),
                Some(_) => {}
                None => {
                    self.chosen.insert(*s, (*b, value.clone()));
                }
            }
        }

        for (s, cmd) in node.recent_learned() {
            match self.chosen.get(s) {
                Some((_, c)) if c == cmd => {}
                Some((b, c)) => out.push((
                    "Learned = chosen".into(),
                    format!(
                        "n{touched} learned {} in slot {s}, but {} was chosen (ballot {})",
                        cmd.text(),
                        c.text(),
                        b.text()
                    ),
                )),
                None => out.push((
                    "Learned = chosen".into(),
                    format!("n{touched} learned {} in slot {s}, which no majority accepted", cmd.text()),
                )),
            }
        }

        if node.is_acceptor() && node.promised() > before {
            self.promised.insert(touched, node.promised());
        }

        // Forget the slots every acceptor and learner has folded away (running or crashed).
        let members =
            (0..floors.len() as NodeId).filter(|n| node.acceptors().contains(n) || node.learners().contains(n));
        let lowest = members.map(|n| floors[n as usize]).min().unwrap_or(0);
        if lowest > self.floor {
            self.floor = lowest;
            self.chosen.remove_below(&(lowest + 1));
            self.proposals.retain(|(s, _), _| *s > lowest);
        }
        out
    }
}
