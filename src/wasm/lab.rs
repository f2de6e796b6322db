//! The history lab's wasm API (`pkg/lab/`, loaded by `history-worker.js` in a Web Worker, by
//! check.html and `<cap-history>` only): one [`HistoryLab`] per loaded history. JSON text across
//! the seam, as the playground's handle does.

use crate::lab::Lab;
use wasm_bindgen::prelude::*;

fn to_json<T: serde::Serialize>(value: &T) -> String {
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

/// Install the panic hook (a panic's message reaches the console).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// A history being checked (see `crate::lab`).
#[wasm_bindgen]
pub struct HistoryLab {
    lab: Lab,
}

#[wasm_bindgen]
impl HistoryLab {
    /// Parse a history; the error's message is JSON `{line, message}` (line 0: the whole file).
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<HistoryLab, JsError> {
        Lab::load(text).map(|lab| HistoryLab { lab }).map_err(|e| JsError::new(&to_json(&e)))
    }
    /// Format, operations, keys, processes and faults (JSON).
    pub fn summary(&self) -> String {
        to_json(&self.lab.summary())
    }
    /// Search about `steps` more steps; the progress (JSON).
    pub fn run(&mut self, steps: f64) -> String {
        let steps = if steps.is_finite() && steps >= 1.0 { steps as u64 } else { 1 };
        to_json(&self.lab.run(steps))
    }
    /// The verdict with its witness (JSON), or `null` before the end.
    pub fn result(&self) -> String {
        to_json(&self.lab.result())
    }
    /// Key number `key`'s operations and the faults (JSON `{ops, faults}`), or `null`.
    pub fn timeline(&self, key: u32) -> String {
        match self.lab.timeline(key as usize) {
            Some((ops, faults)) => to_json(&serde_json::json!({ "ops": ops, "faults": faults })),
            None => "null".into(),
        }
    }
    /// The orders tried around operation `op` (JSON), or `null` for an unknown id.
    pub fn why(&self, op: f64) -> String {
        to_json(&self.lab.why(op as u64))
    }
}
