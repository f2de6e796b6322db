//! The explorer for the browser's "find a bug" panel (feature `explore`, bundle `pkg/explore/`,
//! loaded by a Web Worker only when the reader asks): one [`ExploreSession`] per search, run in
//! slices so the worker can report progress between them. JSON across the seam, as elsewhere.

use super::{err, to_json};
use crate::explore::session::{open, Counterexample, Session, Spec};
use crate::explore::{Stats, Status};
use serde::Serialize;
use wasm_bindgen::prelude::*;

/// A running exploration.
#[wasm_bindgen]
pub struct ExploreSession {
    session: Box<dyn Session>,
}

#[derive(Serialize)]
struct Progress<'a> {
    /// `running`, `exhaustive`, `depth_limited`, `state_limit` or `violation`.
    status: &'a str,
    stats: Stats,
    bytes_per_state: usize,
    invariant: Option<String>,
    detail: Option<String>,
}

#[wasm_bindgen]
impl ExploreSession {
    /// Start exploring the bounds in `spec` (JSON of `explore::session::Spec`); the error says
    /// what is wrong and what is accepted.
    #[wasm_bindgen(constructor)]
    pub fn new(spec: &str) -> Result<ExploreSession, JsError> {
        let spec: Spec = serde_json::from_str(spec).map_err(|e| err(format!("invalid bounds ({e})")))?;
        Ok(ExploreSession { session: open(&spec).map_err(err)? })
    }

    /// Expand up to `allowance` states, then report (JSON: status, stats, bytes per state and,
    /// on a violation, the invariant in words).
    pub fn run(&mut self, allowance: f64) -> String {
        let status = self.session.run(allowance.max(1.0) as u64);
        let (name, invariant, detail) = match status {
            Status::Running => ("running", None, None),
            Status::Exhaustive { depth_limited: false } => ("exhaustive", None, None),
            Status::Exhaustive { depth_limited: true } => ("depth_limited", None, None),
            Status::StateLimit => ("state_limit", None, None),
            Status::Sampled { .. } => ("sampled", None, None),
            Status::Violation(b) => ("violation", Some(b.invariant), Some(b.detail)),
        };
        to_json(&Progress {
            status: name,
            stats: self.session.stats(),
            bytes_per_state: self.session.bytes_per_state(),
            invariant,
            detail,
        })
    }

    /// The counterexample as JSON (`null` before a violation): the invariant, one line per step,
    /// the scenario that replays it and what its replay gave.
    pub fn counterexample(&self) -> String {
        let cx: Option<Counterexample> = self.session.counterexample();
        to_json(&cx)
    }
}
