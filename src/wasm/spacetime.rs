//! `Playground`'s space-time methods (see `crate::spacetime` and `sim::travel`): keep the record
//! while the panel is open, read it (whole, or what changed since the last look), and export it
//! as a ShiViz log or an SVG.

use super::{err, to_json, Playground};
use crate::spacetime::svg::SvgOptions;
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

    /// The record as a ShiViz log (the parsing expression on its first line; see
    /// `crate::spacetime::shiviz`).
    #[wasm_bindgen(js_name = exportShiviz)]
    pub fn export_shiviz(&mut self) -> String {
        self.with_record(crate::spacetime::shiviz::to_shiviz)
    }

    /// The diagram as a self-contained SVG; `options_json` is `crate::spacetime::svg::SvgOptions`
    /// (window, lanes, filters, colour families, witness, cursor, title).
    #[wasm_bindgen(js_name = exportSpacetimeSvg)]
    pub fn export_spacetime_svg(&mut self, options_json: &str) -> Result<String, JsError> {
        let opt: SvgOptions = serde_json::from_str(options_json)
            .map_err(|e| err(format!("invalid SVG options ({e}): accepted from, to, nodes, clients, members, hide_kinds, hide_heartbeats, families, witness, cursor, title")))?;
        Ok(self.with_record(|r| crate::spacetime::svg::to_svg(r, &opt)))
    }
}

impl Playground {
    /// `f` of the record, built for the occasion (and dropped again) when the panel is closed.
    fn with_record(&mut self, f: impl FnOnce(&crate::spacetime::Record) -> String) -> String {
        let was_on = self.sim.spacetime_on();
        if !was_on {
            self.spacetime_open(true);
        }
        let out = self.sim.spacetime().map(|(r, _)| f(r)).unwrap_or_default();
        if !was_on {
            self.spacetime_open(false);
        }
        out
    }
}
