//! Checkers that read runs and never steer them: client histories, linearizability, and the
//! per-protocol invariants checked after every simulator event.

pub mod consistency;
pub mod export;
pub mod linearizability;
pub mod porcupine;

use crate::protocol::{NodeId, Protocol, Time};
use crate::sim::NodeSlot;

/// Safety invariants of a protocol, checked by the simulator after every event that touched a
/// node. The checker keeps whatever memory it needs (e.g. which leader it saw in each term).
pub trait Invariants: Protocol {
    /// The checker's state.
    type Checker: InvariantChecker<Self>;
}

/// A stateful checker for protocol `P`.
pub trait InvariantChecker<P: Protocol>: Default + Clone {
    /// Quiet time (ms) a run needs at its end before [`InvariantChecker::at_rest`] can judge it:
    /// workload stopped, network healed (see `Sim::settle`). 0: no end-of-run invariants.
    const SETTLE_MS: Time = 0;
    /// Check after an event at node `touched`; returns `(invariant name, what was seen)` pairs.
    fn check(&mut self, now: Time, touched: NodeId, nodes: &[NodeSlot<P>]) -> Vec<(String, String)>;
    /// End-of-run invariants (e.g. Dynamo's convergence), checked once after the quiet time.
    fn at_rest(&mut self, _now: Time, _nodes: &[NodeSlot<P>]) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Node `id` crashed.
    fn on_crash(&mut self, _id: NodeId) {}
    /// Node `id` restarted from its durable state.
    fn on_restart(&mut self, _id: NodeId) {}
}
