//! Checkers that read runs and never steer them: client histories, linearizability, and the
//! per-protocol invariants checked after every simulator event.

pub mod consistency;
pub mod export;
pub mod history;
pub mod linearizability;
pub mod porcupine;
pub mod raft;

use crate::protocol::{NodeId, Protocol, Time};
use crate::sim::NodeSlot;

/// Safety invariants of a protocol, checked by the simulator after every event that touched a
/// node. The checker keeps whatever memory it needs (e.g. which leader it saw in each term).
pub trait Invariants: Protocol {
    /// The checker's state.
    type Checker: InvariantChecker<Self>;
}

/// A stateful checker for protocol `P`.
pub trait InvariantChecker<P: Protocol>: Default {
    /// Check after an event at node `touched`; returns `(invariant name, what was seen)` pairs.
    fn check(&mut self, now: Time, touched: NodeId, nodes: &[NodeSlot<P>]) -> Vec<(String, String)>;
    /// Node `id` crashed.
    fn on_crash(&mut self, _id: NodeId) {}
    /// Node `id` restarted from its durable state.
    fn on_restart(&mut self, _id: NodeId) {}
}
