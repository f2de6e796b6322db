//! The shared vocabulary every layer above uses: small deterministic utilities and client
//! histories.

pub mod fnv;
pub mod history;
pub mod notice;
pub mod sort;
pub mod vecmap;
