//! Checkers that read runs and never steer them: linearizability (offline and live), the live
//! consistency column the simulator feeds through its `Observer` trait, and the history formats.
//! (Each protocol's invariants live in its own folder, `protocol/<name>/invariants.rs`.)

pub mod cli;
pub mod consistency;
pub mod formats;
pub mod fuzz;
pub mod linearizability;
pub mod synthetic;
