//! What the world tells a reader of its run as it happens. The simulator calls an [`Observer`]
//! when a client operation is invoked or completes and when a protocol reports a lost write; the
//! live consistency column (`check::consistency`) is one. The world never imports a checker:
//! a checker plugs in here, and reads, never steers.

use crate::core::history::Operation;
use crate::core::ops::ClientOperation;
use serde::Serialize;
use std::fmt::Debug;

/// A reader of the run, fed as it happens (cloned with the world into time-travel checkpoints).
pub trait Observer: Clone {
    /// What a frame shows of it (the scoreboard's consistency column).
    type Report: Serialize + Clone + Debug;
    /// An operation was invoked (its record has no outcome yet).
    fn on_invoke<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>);
    /// An operation completed (its record now has outcome and result).
    fn on_complete<O: ClientOperation>(&mut self, op: &Operation<O, O::Result>);
    /// The protocol reported that it discarded an acknowledged write.
    fn on_lost_write(&mut self);
    /// A deterministic estimate of the heap bytes it holds (see `Sim::approx_bytes`).
    fn approx_bytes(&self) -> usize;
    /// What the frame shows.
    fn report(&self) -> Self::Report;
}

/// No observer: a world run only for its invariants (tests, sweeps).
impl Observer for () {
    type Report = ();
    fn on_invoke<O: ClientOperation>(&mut self, _op: &Operation<O, O::Result>) {}
    fn on_complete<O: ClientOperation>(&mut self, _op: &Operation<O, O::Result>) {}
    fn on_lost_write(&mut self) {}
    fn approx_bytes(&self) -> usize {
        0
    }
    fn report(&self) {}
}
