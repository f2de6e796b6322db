//! The tools bundle's wasm API (`pkg/lab/`, loaded on demand only): the history lab — one
//! [`HistoryLab`] per loaded history, for `history-worker.js` (check.html, `<cap-history>`) — and
//! the space-time exporters, which the space-time panel calls with its record's JSON (so that no
//! playground page carries them). JSON text across the seam, as the playground's handle does.

use crate::check::formats::ParseOptions;
use crate::lab::Lab;
use crate::spacetime::svg::SvgOptions;
use crate::spacetime::Record;
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
    /// Parse a history as `cap check --model M --initial I [--new-process-on-reuse]` would
    /// (empty words: the defaults); errors as [`HistoryLab::new`], line 0 for a bad option.
    #[wasm_bindgen(js_name = withOptions)]
    pub fn with_options(
        text: &str,
        model: &str,
        initial: &str,
        new_process_on_reuse: bool,
    ) -> Result<HistoryLab, JsError> {
        let opts = ParseOptions::from_words(model, initial, new_process_on_reuse)
            .map_err(|message| JsError::new(&to_json(&serde_json::json!({ "line": 0, "message": message }))))?;
        Lab::load_with(text, &opts).map(|lab| HistoryLab { lab }).map_err(|e| JsError::new(&to_json(&e)))
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

/// A space-time record (the playground's `spacetimeJson` of the whole record) as a ShiViz log
/// (`crate::spacetime::shiviz`); a bad record is an error saying so.
#[wasm_bindgen(js_name = exportShiviz)]
pub fn export_shiviz(record_json: &str) -> Result<String, JsError> {
    let r = Record::from_json(record_json).map_err(|e| JsError::new(&e))?;
    Ok(crate::spacetime::shiviz::to_shiviz(&r))
}

/// A space-time record as a self-contained SVG (`crate::spacetime::svg`): the window `from`..`to`
/// ms (negative: the record's), `nodes` and `clients` lanes, `members` (comma-separated lanes
/// shown; empty: all), `hide_kinds` (comma-separated), `hide_heartbeats`, `families`
/// (`kind=family` pairs, comma-separated: the legend's colours), `witness` (operation ids
/// outlined), `cursor` (ms; negative: none) and `title`.
#[wasm_bindgen(js_name = exportSpacetimeSvg)]
#[allow(clippy::too_many_arguments)]
pub fn export_spacetime_svg(
    record_json: &str,
    from: f64,
    to: f64,
    nodes: u32,
    clients: u32,
    members: &str,
    hide_kinds: &str,
    hide_heartbeats: bool,
    families: &str,
    witness: Vec<f64>,
    cursor: f64,
    title: &str,
) -> Result<String, JsError> {
    let r = Record::from_json(record_json).map_err(|e| JsError::new(&e))?;
    let ms = |t: f64| (t.is_finite() && t >= 0.0).then_some(t as u64);
    let list = |s: &str| -> Vec<String> { s.split(',').filter(|x| !x.is_empty()).map(str::to_string).collect() };
    let opt = SvgOptions {
        from: ms(from),
        to: ms(to),
        nodes: Some(nodes),
        clients: Some(clients),
        members: (!members.is_empty()).then(|| list(members)),
        hide_kinds: list(hide_kinds),
        hide_heartbeats,
        families: list(families)
            .into_iter()
            .filter_map(|p| p.split_once('=').map(|(k, f)| (k.to_string(), f.to_string())))
            .collect(),
        witness: witness.into_iter().filter(|x| x.is_finite() && *x >= 0.0).map(|x| x as u64).collect(),
        cursor: ms(cursor),
        title: (!title.is_empty()).then(|| title.to_string()),
    };
    Ok(crate::spacetime::svg::to_svg(&r, &opt))
}
