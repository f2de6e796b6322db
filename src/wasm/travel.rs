//! `Playground`'s time-travel and share-link methods (see `travel` and `travel::share`): seek,
//! the timeline's marks, and the `#r=` fragment value, both ways.

use super::rest::Target;
use super::{api, err, Playground};
use crate::travel::{Position, MAX_RUN_MS, REPLAY_ASK_EVENTS, SEEK_CONFIRM_MS};
use wasm_bindgen::prelude::*;

fn time_from(t: f64, what: &str) -> Result<u64, JsError> {
    if t.is_finite() && t >= 0.0 && t <= 9_007_199_254_740_991.0 {
        Ok(t as u64)
    } else {
        Err(err(format!("{what} {t} is not accepted: use a number of simulated ms from 0")))
    }
}

/// A time a run can go to: 0 to [`MAX_RUN_MS`] (100 hours).
fn run_time(t: f64, what: &str) -> Result<u64, JsError> {
    if t.is_finite() && t >= 0.0 && t <= MAX_RUN_MS as f64 {
        Ok(t as u64)
    } else {
        Err(err(format!(
            "{what} {t} is not accepted: use a number of simulated ms from 0 to {MAX_RUN_MS} ({} hours, the longest run a share link carries)",
            MAX_RUN_MS / 3_600_000
        )))
    }
}

/// A slice's budget in events (at least 1; non-numbers count as a small default).
fn budget_from(b: f64) -> u64 {
    if b.is_finite() && b >= 1.0 {
        b.min(1e9) as u64
    } else {
        2_000
    }
}

/// Bytes of wasm linear memory in use by this module (it only grows): the bound time travel
/// keeps is measured with it.
#[wasm_bindgen(js_name = memoryBytes)]
pub fn memory_bytes() -> f64 {
    (core::arch::wasm32::memory_size(0) * 65536) as f64
}

/// The bounds the element keeps long replays within (JSON text): `max_run_ms`, the furthest a
/// run goes (100 hours); `confirm_ms`, seeks and link replays of more simulated time than this
/// ask the reader first (10 minutes); `ask_events`, a replay that has processed this many
/// events without arriving asks again (a dense run: simulated time alone does not bound work).
#[wasm_bindgen(js_name = travelLimits)]
pub fn travel_limits() -> String {
    format!(r#"{{"max_run_ms":{MAX_RUN_MS},"confirm_ms":{SEEK_CONFIRM_MS},"ask_events":{REPLAY_ASK_EVENTS}}}"#)
}

#[wasm_bindgen]
impl Playground {
    /// Open a share link's fragment value (`1.raft.…`). `scenario_text` is the library file's
    /// text when the link names one. The run starts at t = 0 with the recorded actions ahead:
    /// call `seek` up to `timelineJson().end` (in slices, to keep frames short), then
    /// `seekLanding()`. Errors say what is wrong with the link.
    #[cfg(feature = "full")]
    #[wasm_bindgen(js_name = fromShare)]
    pub fn from_share(value: &str, scenario_text: Option<String>) -> Result<Playground, JsError> {
        api()?
            .from_share(value, scenario_text.as_deref())
            .map(|run| Playground { run })
            .map_err(|e| err(format!("this link's run could not be opened: {e}")))
    }

    /// This run as a fragment value for `#r=`; `library` names the scenario file it came from.
    pub fn share(&mut self, library: Option<String>) -> Result<String, JsError> {
        Ok(api()?.share(&mut self.run, library.as_deref()))
    }

    /// Go to simulated time `t` (ms): identical to running straight there. Returns the time.
    /// Accepted: 0 to 100 hours (a run goes no further: the longest a share link carries). This
    /// replays synchronously; the element uses `seekSlice` for anything long.
    pub fn seek(&mut self, t: f64) -> Result<f64, JsError> {
        let t = run_time(t, "seek:")?;
        Ok(api()?.seek(&mut self.run, t) as f64)
    }

    /// One slice of a seek to time `t` (ms, as `seek`): about `budget` events at most, then it
    /// returns; true once there. Call again to continue (the page does one slice per task, shows
    /// the progress and can stop between slices: the run is then at a valid moment).
    #[wasm_bindgen(js_name = seekSlice)]
    pub fn seek_slice(&mut self, t: f64, budget: f64) -> Result<bool, JsError> {
        let t = run_time(t, "seekSlice:")?;
        Ok(api()?.seek_slice(&mut self.run, Target::Time(t), budget_from(budget)))
    }

    /// One slice of a seek to the end of the recorded run (`landing` false) or to a share link's
    /// moment (`landing` true; the end when it has none): as `seekSlice`.
    #[wasm_bindgen(js_name = seekEndSlice)]
    pub fn seek_end_slice(&mut self, landing: bool, budget: f64) -> Result<bool, JsError> {
        let target = if landing { Target::Landing } else { Target::End };
        Ok(api()?.seek_slice(&mut self.run, target, budget_from(budget)))
    }

    /// Simulated ms a seek to `t` (ms) would replay (from now when it is ahead, else from the
    /// checkpoint it restores): the element asks the reader before a long one.
    #[wasm_bindgen(js_name = replayCost)]
    pub fn replay_cost(&mut self, t: f64) -> Result<f64, JsError> {
        let t = run_time(t, "replayCost:")?;
        Ok(api()?.replay_cost(&mut self.run, Target::Time(t)) as f64)
    }

    /// Simulated ms to replay the recorded run to its end, or to a link's moment (`landing`).
    #[wasm_bindgen(js_name = replayCostEnd)]
    pub fn replay_cost_end(&mut self, landing: bool) -> Result<f64, JsError> {
        let target = if landing { Target::Landing } else { Target::End };
        Ok(api()?.replay_cost(&mut self.run, target) as f64)
    }

    /// Keep the current state aside before a long sliced seek (one world copy), so that
    /// `releaseHold(true)` (the reader cancelled) goes back to it at once.
    #[wasm_bindgen(js_name = holdSpot)]
    pub fn hold_spot(&mut self) -> Result<(), JsError> {
        api()?.hold_spot(&mut self.run);
        Ok(())
    }

    /// Drop the state `holdSpot` kept; with `back`, return to it first (a stretch the seek ran
    /// past the recorded end is forgotten). False when nothing was held (the reader acted since).
    #[wasm_bindgen(js_name = releaseHold)]
    pub fn release_hold(&mut self, back: bool) -> Result<bool, JsError> {
        Ok(api()?.release_hold(&mut self.run, back))
    }

    /// Go to exactly the end of the recorded run.
    #[wasm_bindgen(js_name = seekEnd)]
    pub fn seek_end(&mut self) -> Result<(), JsError> {
        api()?.seek_end(&mut self.run);
        Ok(())
    }

    /// Go to exactly the moment a share link asks for (false when there is none).
    /// A moment that is not a point of the run is refused (see `seekPosition`).
    #[wasm_bindgen(js_name = seekLanding)]
    pub fn seek_landing(&mut self) -> Result<bool, JsError> {
        api()?.seek_point(&mut self.run, None).map_err(|e| err(format!("the link's moment: {e}")))
    }

    /// Go to exactly (`at` ms, `events` processed): a point of the recorded run. Refused (the
    /// run stays where it is) when the run never had that pair: `events` must be the count the
    /// run really had at `at` (from the events before that millisecond to those by its end; the
    /// error says which), and the point at or before the recorded end.
    #[wasm_bindgen(js_name = seekPosition)]
    pub fn seek_position(&mut self, at: f64, events: f64) -> Result<(), JsError> {
        let pos = Position { at: time_from(at, "seekPosition:")?, events: time_from(events, "seekPosition events:")? };
        api()?.seek_point(&mut self.run, Some(pos)).map(|_| ()).map_err(|e| err(format!("seekPosition: {e}")))
    }

    /// The timeline: now, end, in_past, epoch, checkpoints, spacing, warning and the marks from
    /// index `from` (JSON text).
    #[wasm_bindgen(js_name = timelineJson)]
    pub fn timeline_json(&mut self, from: u32) -> Result<String, JsError> {
        Ok(api()?.timeline_json(&mut self.run, from as usize))
    }
}
