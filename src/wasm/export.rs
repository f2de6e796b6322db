//! The history exporters' wasm API (`pkg/export/`, fetched on a page's first history export):
//! a playground run's client history, given as its `historyJson()`, written for an outside
//! checker by `check::formats::export` — what `cap run --export-porcupine / --export-edn` writes.
//! Its own small bundle (built for size): the history lab's bundle is built for speed and would
//! grow by two vocabularies' readers and both writers.

use crate::check::formats::export::Format;
use wasm_bindgen::prelude::*;

/// Install the panic hook (a panic's message reaches the console).
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

/// The client history (`historyJson()`) of a run of protocol `protocol` for an outside checker:
/// Porcupine's JSON, or Jepsen's EDN with `edn`. The error says what was wrong.
#[wasm_bindgen(js_name = exportHistory)]
pub fn export_history(protocol: &str, history_json: &str, edn: bool) -> Result<String, JsError> {
    let format = if edn { Format::Edn } else { Format::Porcupine };
    crate::registry::export_history(protocol, history_json, format).map_err(|e| JsError::new(&e))
}
