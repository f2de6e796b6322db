//! `Playground`'s time-travel and share-link methods (see `travel` and `travel::share`): seek,
//! the timeline's marks, and the `#r=` fragment value, both ways.

use super::{err, Playground};
use crate::travel::{Position, TimeMachine};
use wasm_bindgen::prelude::*;

fn time_from(t: f64, what: &str) -> Result<u64, JsError> {
    if t.is_finite() && t >= 0.0 && t <= 9_007_199_254_740_991.0 {
        Ok(t as u64)
    } else {
        Err(err(format!("{what} {t} is not accepted: use a number of simulated ms from 0")))
    }
}

/// Bytes of wasm linear memory in use by this module (it only grows): the bound time travel
/// keeps is measured with it.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

#[wasm_bindgen]
impl Playground {
    /// Open a share link's fragment value (`1.raft.…`). `scenario_text` is the library file's
    /// text when the link names one. The run starts at t = 0 with the recorded actions ahead:
    /// call `seek` up to `timelineJson().end` (in slices, to keep frames short), then
    /// `seekLanding()`. Errors say what is wrong with the link.
    #[wasm_bindgen(js_name = fromShare)]
    pub fn from_share(value: &str, scenario_text: Option<String>) -> Result<Playground, JsError> {
        TimeMachine::from_share(value, scenario_text.as_deref(), true)
            .map(|sim| Playground { sim })
            .map_err(|e| err(format!("this link's run could not be opened: {e}")))
    }

    /// This run as a fragment value for `#r=`; `library` names the scenario file it came from.
    pub fn share(&self, library: Option<String>) -> String {
        self.sim.share(library.as_deref())
    }

    /// Go to simulated time `t` (ms): identical to running straight there. Returns the time.
    pub fn seek(&mut self, t: f64) -> Result<f64, JsError> {
        let t = time_from(t, "seek:")?;
        Ok(self.sim.seek(t) as f64)
    }

    /// Go to exactly the end of the recorded run.
    #[wasm_bindgen(js_name = seekEnd)]
    pub fn seek_end(&mut self) {
        self.sim.seek_end();
    }

    /// Go to exactly the moment a share link asks for (false when there is none).
    #[wasm_bindgen(js_name = seekLanding)]
    pub fn seek_landing(&mut self) -> bool {
        match self.sim.landing() {
            Some(p) => {
                self.sim.seek_position(p);
                true
            }
            None => false,
        }
    }

    /// Go to exactly (`at` ms, `events` processed): a point of the recorded run.
    #[wasm_bindgen(js_name = seekPosition)]
    pub fn seek_position(&mut self, at: f64, events: f64) -> Result<(), JsError> {
        let pos = Position { at: time_from(at, "seekPosition:")?, events: time_from(events, "seekPosition events:")? };
        self.sim.seek_position(pos);
        Ok(())
    }

    /// The timeline: now, end, in_past, epoch, checkpoints, spacing, warning and the marks from
    /// index `from` (JSON text).
    #[wasm_bindgen(js_name = timelineJson)]
    pub fn timeline_json(&self, from: u32) -> String {
        super::to_json(&self.sim.timeline(from as usize))
    }
}
