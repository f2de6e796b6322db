//! The Dynamo store's invariants (DeCandia et al., SOSP 2007).
//!
//! After every event (cheap: only when the touched node's store or hints changed):
//! * **Siblings are concurrent** (§4.4): a replica never holds two versions of a key where one
//!   clock covers the other (it would have to discard the older); under last-writer-wins it
//!   holds at most one version per key.
//! * **Acknowledged write preserved** (vector clocks only, §4.4): every write acknowledged to a
//!   client stays on some node (store or hints, running or crashed), as itself or as a
//!   descendant (a version whose clock covers its clock). Under last-writer-wins losing
//!   acknowledged writes is the documented behaviour; the protocol counts them (`write_lost`).
//!
//! At rest, once after the run with the workload stopped and the network healed for
//! [`SETTLE_MS`] (`Sim::settle`), when anti-entropy is on:
//! * **Convergence** (§4.7): the running owners of every key hold the same versions.
//! * **Hinted handoff** (§4.6, when on): no running node still holds a hint for a running owner.
//! * **Acknowledged write on its owners** (vector clocks, strict quorum or hinted handoff):
//!   every acknowledged write is covered by a version its running owners hold (unless the only
//!   copy waits on a crashed node).

use crate::core::vecmap::VecMap;
use crate::protocol::dynamo::{Clock, Dynamo, KeyState, WriteId};
use crate::protocol::{InvariantChecker, Invariants, NodeId, Server, Time};

/// Quiet time before the end-of-run checks (ms): several anti-entropy and handoff rounds.
pub const SETTLE_MS: Time = 4_000;

impl Invariants for Dynamo {
    type Checker = DynamoChecker;
}

/// An acknowledged write being watched, with a node known to hold it (or a descendant).
#[derive(Clone, Debug, Hash)]
struct Tracked {
    key: String,
    id: WriteId,
    clock: Clock,
    holder: NodeId,
}

/// Memory the Dynamo checks need across events.
#[derive(Clone, Default, Debug, Hash)]
pub struct DynamoChecker {
    /// Per node: acknowledged writes already taken in (reset on restart).
    seen_acks: VecMap<NodeId, u64>,
    /// Per node: its change counter at the last check (reset on restart).
    seen_changes: VecMap<NodeId, u64>,
    /// Acknowledged writes not yet covered by a later acknowledged one.
    tracked: Vec<Tracked>,
}

type Holdings<'a> = (&'a VecMap<String, KeyState>, &'a VecMap<(NodeId, String), KeyState>);

fn holdings(slot: &Server<Dynamo>) -> Option<Holdings<'_>> {
    match (&slot.node, &slot.durable) {
        (Some(n), _) => Some((n.store(), n.hints())),
        (None, Some(d)) => Some((&d.store, &d.hints)),
        (None, None) => None,
    }
}

fn covers(s: &KeyState, clock: &Clock) -> bool {
    s.versions.iter().any(|v| clock.leq(&v.clock))
}

/// Does this node hold `key` at `clock` or later, as owner or stand-in?
fn holds(slot: &Server<Dynamo>, key: &str, clock: &Clock) -> bool {
    let Some((store, hints)) = holdings(slot) else { return false };
    store.get(key).is_some_and(|s| covers(s, clock)) || hints.iter().any(|((_, k), s)| k == key && covers(s, clock))
}

fn find_holder(nodes: &[Server<Dynamo>], key: &str, clock: &Clock) -> Option<NodeId> {
    nodes.iter().position(|s| holds(s, key, clock)).map(|i| i as NodeId)
}

fn describe(s: Option<&KeyState>) -> String {
    let parts: Vec<String> = s
        .map(|s| s.versions.iter().map(|v| format!("{} (n{}#{})", v.value, v.id.node, v.id.seq)).collect())
        .unwrap_or_default();
    format!("[{}]", parts.join(", "))
}

impl InvariantChecker<Dynamo> for DynamoChecker {
    const SETTLE_MS: Time = SETTLE_MS;

    fn check(&mut self, _now: Time, touched: NodeId, nodes: &[Server<Dynamo>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(node) = nodes.get(touched as usize).and_then(|s| s.node.as_ref()) else {
            return out;
        };
        let lww = node.config().last_writer_wins;
        let changed = self.seen_changes.insert(touched, node.changes()) != Some(node.changes());

        if changed {
            let all = node.store().iter().chain(node.hints().iter().map(|((_, k), s)| (k, s)));
            for (key, s) in all {
                if lww && s.versions.len() > 1 {
                    out.push((
                        "Siblings are concurrent".into(),
                        format!("n{touched} holds {} versions of {key} under last-writer-wins", s.versions.len()),
                    ));
                }
                for (i, a) in s.versions.iter().enumerate() {
                    for b in &s.versions[i + 1..] {
                        if a.clock.leq(&b.clock) || b.clock.leq(&a.clock) {
                            out.push((
                                "Siblings are concurrent".into(),
                                format!(
                                    "n{touched} keeps {key}={} {} beside {key}={} {}, which are causally ordered",
                                    a.value,
                                    a.clock.text(),
                                    b.value,
                                    b.clock.text()
                                ),
                            ));
                        }
                    }
                }
            }
        }
        if lww {
            return out;
        }

        // Take in the writes this node acknowledged since the last check.
        let total = node.acked_total();
        let seen = self.seen_acks.insert(touched, total).unwrap_or(0);
        if total > seen {
            let recent = node.acked_recent();
            let fresh = ((total - seen) as usize).min(recent.len());
            for a in &recent[recent.len() - fresh..] {
                match find_holder(nodes, &a.key, &a.clock) {
                    Some(holder) => {
                        self.tracked.retain(|t| t.key != a.key || !t.clock.leq(&a.clock));
                        self.tracked.push(Tracked { key: a.key.clone(), id: a.id, clock: a.clock.clone(), holder });
                    }
                    None => out.push((
                        "Acknowledged write preserved".into(),
                        format!("n{touched} acknowledged {} (n{}#{}) but no node holds it", a.key, a.id.node, a.id.seq),
                    )),
                }
            }
        }

        // Writes held here: still held, or moved on to another node?
        if changed {
            let mut lost = Vec::new();
            for (i, t) in self.tracked.iter_mut().enumerate() {
                if t.holder != touched || holds(&nodes[touched as usize], &t.key, &t.clock) {
                    continue;
                }
                match find_holder(nodes, &t.key, &t.clock) {
                    Some(h) => t.holder = h,
                    None => lost.push(i),
                }
            }
            for i in lost.into_iter().rev() {
                let t = self.tracked.remove(i);
                out.push((
                    "Acknowledged write preserved".into(),
                    format!(
                        "the acknowledged write {} {} (n{}#{}) is on no node any more (last held by n{touched})",
                        t.key,
                        t.clock.text(),
                        t.id.node,
                        t.id.seq
                    ),
                ));
            }
        }
        out
    }

    fn at_rest(&mut self, _now: Time, nodes: &[Server<Dynamo>]) -> Vec<(String, String)> {
        let mut out = Vec::new();
        let Some(first) = nodes.iter().find_map(|s| s.node.as_ref()) else { return out };
        let cfg = first.config().clone();
        if cfg.anti_entropy_ms == 0 {
            return out;
        }
        let ring = first.ring();
        let alive = |n: NodeId| nodes[n as usize].node.as_ref();
        let mut keys: Vec<&String> = Vec::new();
        for n in nodes.iter().filter_map(|s| s.node.as_ref()) {
            keys.extend(n.store().keys());
            keys.extend(n.hints().keys().map(|(_, k)| k));
        }
        crate::core::sort::sort(&mut keys);
        keys.dedup();
        for key in keys {
            let owners: Vec<&Dynamo> = ring.preference_list(key).into_iter().filter_map(alive).collect();
            let ids = |n: &Dynamo| -> Vec<WriteId> { n.versions(key).iter().map(|v| v.id).collect() };
            if owners.windows(2).any(|p| ids(p[0]) != ids(p[1])) {
                let held: Vec<String> =
                    owners.iter().map(|n| format!("n{} holds {}", n.id(), describe(n.store().get(key)))).collect();
                out.push((
                    "Convergence".into(),
                    format!(
                        "after the heal and {SETTLE_MS} ms of quiet the replicas of {key} differ: {}",
                        held.join("; ")
                    ),
                ));
            }
        }
        if cfg.hinted_handoff {
            for n in nodes.iter().filter_map(|s| s.node.as_ref()) {
                if let Some(((owner, key), _)) = n.hints().iter().find(|((o, _), _)| alive(*o).is_some()) {
                    out.push((
                        "Hinted handoff".into(),
                        format!(
                            "n{} still holds a hint for {key} meant for n{owner}, which is up and reachable",
                            n.id()
                        ),
                    ));
                }
            }
        }
        if !cfg.last_writer_wins && (cfg.hinted_handoff || !cfg.sloppy_quorum) {
            for t in &self.tracked {
                let owners: Vec<NodeId> = ring.preference_list(&t.key);
                let on_owner =
                    owners.iter().any(|o| alive(*o).is_some() && holds(&nodes[*o as usize], &t.key, &t.clock));
                // A crashed node may still hold it (e.g. as a hint): it hands it over once up.
                let parked = nodes.iter().any(|s| s.node.is_none() && holds(s, &t.key, &t.clock));
                if !on_owner && !parked && owners.iter().all(|o| alive(*o).is_some()) {
                    out.push((
                        "Acknowledged write on its owners".into(),
                        format!(
                            "the acknowledged write {} {} (n{}#{}) is on none of its owners after the heal",
                            t.key,
                            t.clock.text(),
                            t.id.node,
                            t.id.seq
                        ),
                    ));
                }
            }
        }
        out
    }

    fn on_restart(&mut self, id: NodeId) {
        self.seen_acks.remove(&id);
        self.seen_changes.remove(&id);
    }
}
