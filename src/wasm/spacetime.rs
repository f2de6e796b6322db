//! `Playground`'s space-time methods (see `crate::spacetime` and `travel`): keep the record
//! while the panel is open and read it (whole, or what changed since the last look). Its exports
//! (ShiViz, SVG) are written by the tools bundle (`pkg/lab/`, `wasm/lab.rs`) from this JSON, so
//! that every playground page does not carry them (14 KB gzipped).

use super::{api, Playground};
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// Keep the space-time record (`true`: the panel opened) or drop it (`false`).
    #[wasm_bindgen(js_name = spacetimeOpen)]
    pub fn spacetime_open(&mut self, on: bool) -> Result<(), JsError> {
        api()?.spacetime_open(&mut self.run, on);
        Ok(())
    }

    /// The record as JSON text (`crate::spacetime::RecordJson`), in the window `from`..`to` ms
    /// (`to` < 0: to its end). When `epoch` is the record's epoch and `since` ≥ 0, only messages,
    /// marks and operations changed after revision `since`; otherwise all of them (a new epoch
    /// means the record was rebuilt or cut back). Opens the record if it was closed.
    #[wasm_bindgen(js_name = spacetimeJson)]
    pub fn spacetime_json(&mut self, from: f64, to: f64, epoch: f64, since: f64) -> Result<String, JsError> {
        Ok(api()?.spacetime_json(&mut self.run, from, to, epoch, since))
    }
}
