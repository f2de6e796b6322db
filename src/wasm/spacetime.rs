//! `Playground`'s space-time methods (see `crate::spacetime` and `travel`): keep the record
//! while the panel is open and read it (whole, or what changed since the last look). Its exports
//! (ShiViz, SVG) are written by the tools bundle (`pkg/lab/`, `wasm/lab.rs`) from this JSON, so
//! that every playground page does not carry them (14 KB gzipped).

use super::{to_json, Playground};
use crate::spacetime::Limits;
use wasm_bindgen::prelude::*;

#[wasm_bindgen]
impl Playground {
    /// Keep the space-time record (`true`: the panel opened) or drop it (`false`).
    #[wasm_bindgen(js_name = spacetimeOpen)]
    pub fn spacetime_open(&mut self, on: bool) {
        self.sim.set_spacetime(on, Limits::default());
    }

    /// The record as JSON text (`crate::spacetime::RecordJson`), in the window `from`..`to` ms
    /// (`to` < 0: to its end). When `epoch` is the record's epoch and `since` ≥ 0, only messages,
    /// marks and operations changed after revision `since`; otherwise all of them (a new epoch
    /// means the record was rebuilt or cut back). Opens the record if it was closed.
    #[wasm_bindgen(js_name = spacetimeJson)]
    pub fn spacetime_json(&mut self, from: f64, to: f64, epoch: f64, since: f64) -> String {
        let pos = self.sim.position();
        let (end, in_past) = (self.sim.end().at, self.sim.in_past());
        if !self.sim.spacetime_on() {
            self.spacetime_open(true);
        }
        let Some((record, e)) = self.sim.spacetime() else { return "{}".into() };
        let a = if from.is_finite() && from > 0.0 { from as u64 } else { 0 };
        let b = if to.is_finite() && to >= 0.0 { to as u64 } else { u64::MAX };
        let since = (epoch == e as f64 && since.is_finite() && since >= 0.0).then_some(since as u64);
        let mut j = record.to_json(a, b, since);
        (j.epoch, j.now, j.end, j.in_past) = (e, pos.at, end.max(pos.at), in_past);
        to_json(&j)
    }
}
