//! The shared vocabulary every layer above uses: ids and time, client operations and their
//! answers, notices, client histories, and small deterministic utilities (an ordered map, a
//! stable sort, FNV hashing, the in-flight id map). It imports nothing from the crate.

pub mod applog;
pub mod fnv;
pub mod history;
pub mod idmap;
pub mod notice;
pub mod ops;
pub mod sort;
pub mod tracehash;
pub mod vecmap;

/// Simulated time in integer milliseconds.
pub type Time = u64;
/// A server's id: `0..nodes`.
pub type NodeId = u32;
/// A client's id: `0..clients`.
pub type ClientId = u32;
/// A client-chosen request id, unique per client.
pub type RequestId = u64;
/// A register value stored under a key.
pub type Value = i64;
