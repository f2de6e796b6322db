//! cap-playground: a deterministic simulator of consensus and replication protocols (Raft first;
//! Paxos, ZAB, 2PC and a Dynamo-style store follow the same seam), with the checkers that judge
//! their runs. The same code runs natively (the `cap` CLI, tests) and in the browser (wasm).
//!
//! Layers, each depending only on those before it:
//! * [`protocol`]: pure, sans-IO state machines.
//! * [`sim`]: the deterministic world (seed, clock, network, faults, clients, scenarios).
//! * [`check`]: histories, linearizability and invariants; reads runs, never steers them.
//! * [`explore`] (feature `explore`): exhaustive exploration of bounded worlds of the same
//!   protocols, and the TwoPhase reference model checked against TLC.
//! * `wasm` (wasm32 only): the one module that touches JS.

pub mod check;
pub mod core;
#[cfg(feature = "explore")]
pub mod explore;
pub mod protocol;
pub mod registry;
pub mod sim;
pub mod spacetime;
pub mod travel;

pub mod lab;

/// The history exporters' wasm API (its own bundle, `--features export`): Porcupine JSON and
/// Jepsen EDN from a run's history JSON, so that no playground page carries them.
#[cfg(all(target_arch = "wasm32", feature = "export", not(feature = "lab")))]
#[path = "wasm/export.rs"]
pub mod export_wasm;
/// The history lab's wasm API (its own bundle, `--features lab`): the checker alone.
#[cfg(all(target_arch = "wasm32", feature = "lab"))]
#[path = "wasm/lab.rs"]
pub mod lab_wasm;
/// The playground's wasm API (one bundle per protocol).
#[cfg(all(target_arch = "wasm32", not(feature = "lab"), not(feature = "export")))]
pub mod wasm;

/// The wasm heap: talc instead of Rust's default (dlmalloc), which took a tenth of a Raft run's
/// time in wasm (measured: npm run bench, section 2c). Single-threaded: the page's wasm has no
/// threads.
#[cfg(all(target_arch = "wasm32", not(target_feature = "atomics")))]
#[global_allocator]
static TALC: talc::wasm::WasmDynamicTalc = talc::wasm::new_wasm_dynamic_allocator();
