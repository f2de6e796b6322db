//! The rest of the playground's API: every call of the handle past building a run and drawing
//! its first frame (issue 20: a page's first download carries only what its first frame needs).
//!
//! In a page's bundle (the cargo feature `split`), this module's code is a wasm module of its
//! own: `wasm-split-cli` (crate `wasm_split_cli_support`) cuts the linked wasm at the
//! `#[wasm_split]` function below, and everything reachable only through it — the [`Rest`]
//! implementation's methods and whatever they call (the time machine, the live checker's
//! search, the scenario and action readers, the simulator's event loop) — goes to
//! `split_rest.wasm`, which the page fetches after the first frame (`loadRest()`). The main
//! module reaches it only through the `&'static dyn Rest` that function returns, so every
//! method of the handle that is not a read of the world as it is (`mod.rs`) goes through
//! [`Rest`].
//!
//! ```text
//!   main module                                   split_rest.wasm
//!   withDefaults, frameJson, scenarioJson, …      Rest::advance, Rest::act, Rest::seek, …
//!   advance(ms) ──── api()?.advance(run, ms) ───▶ run.recorded().advance(ms)
//!                    (an error until loadRest()
//!                     resolved: never a panic)
//! ```
//!
//! Without `split` (the native build, the tests, the on-demand `-full` and `-fast` bundles) the
//! same trait object is simply there: `loadRest()` has nothing to load.

use super::{to_json, Run};
use crate::registry::any::AnySim;
use crate::sim::scenario::{Action, Member, OpText};
use crate::travel::{Position, SeekTarget, TimeMachine};
use wasm_bindgen::prelude::*;

/// The reader's one-node actions (each an [`Action`] of the scenario vocabulary).
pub(crate) enum Act {
    Heal,
    Crash(u32),
    Restart(u32),
    Timeout(u32),
    DropMessage(u64),
    MoveClient(u32, u32),
}

/// Every call past the first frame (see the module doc): each moves or reads a recorded run
/// (a fresh one is recorded from t = 0 first: [`Run::recorded`]).
pub(crate) trait Rest: Sync {
    /// A recorded run from a scenario's JSON text.
    fn from_json(&self, text: &str) -> Result<Run, String>;
    /// A recorded run from a share link's fragment value (`scenario_text`: its library file).
    #[cfg(feature = "full")]
    fn from_share(&self, value: &str, scenario_text: Option<&str>) -> Result<Run, String>;
    /// Advance `ms` (if a positive number), then spend the live verdict's allowance.
    fn advance(&self, run: &mut Run, ms: f64);
    /// One event; false when none is left.
    fn step(&self, run: &mut Run) -> bool;
    /// The next event's or recorded action's time.
    fn next_event_time(&self, run: &Run) -> Option<u64>;
    /// Partition into groups given as JSON.
    fn set_partition(&self, run: &mut Run, groups_json: &str) -> Result<(), String>;
    /// One of the reader's one-node actions.
    fn act(&self, run: &mut Run, act: Act) -> Result<(), String>;
    /// A client operation given as JSON.
    fn submit(&self, run: &mut Run, client: u32, op_json: &str) -> Result<(), String>;
    /// Any scenario action given as JSON.
    fn apply(&self, run: &mut Run, action_json: &str) -> Result<(), String>;
    /// The run as a share link's fragment value.
    fn share(&self, run: &mut Run, library: Option<&str>) -> String;
    /// Go to time `t` (a valid run time); returns the time.
    fn seek(&self, run: &mut Run, t: u64) -> u64;
    /// One slice of a seek to `target`; true once there.
    fn seek_slice(&self, run: &mut Run, target: Target, budget: u64) -> bool;
    /// Simulated ms a seek to `target` would replay.
    fn replay_cost(&self, run: &mut Run, target: Target) -> u64;
    /// Keep the current state aside before a long sliced seek.
    fn hold_spot(&self, run: &mut Run);
    /// Drop what `hold_spot` kept, going back to it first with `back`.
    fn release_hold(&self, run: &mut Run, back: bool) -> bool;
    /// Go to exactly the end of the recorded run.
    fn seek_end(&self, run: &mut Run);
    /// Go to exactly `pos`, a point of the recorded run, or to a link's moment (`None`); false
    /// when the run has no such moment.
    fn seek_point(&self, run: &mut Run, pos: Option<Position>) -> Result<bool, String>;
    /// The timeline from mark `from`, as JSON text.
    fn timeline_json(&self, run: &mut Run, from: usize) -> String;
    /// Keep (or drop) the space-time record.
    #[cfg(feature = "full")]
    fn spacetime_open(&self, run: &mut Run, on: bool);
    /// The space-time record as JSON text (see `Playground::spacetime_json`).
    #[cfg(feature = "full")]
    fn spacetime_json(&self, run: &mut Run, from: f64, to: f64, epoch: f64, since: f64) -> String;
}

/// Where a slice or a replay cost goes: a time, the recorded end, or a link's moment (the end
/// when it has none).
pub(crate) enum Target {
    Time(u64),
    End,
    Landing,
}

impl Target {
    fn position(self, tm: &TimeMachine) -> SeekTarget {
        match self {
            Target::Time(t) => SeekTarget::Time(t),
            Target::End => SeekTarget::Point(tm.end()),
            Target::Landing => SeekTarget::Point(tm.landing().unwrap_or(tm.end())),
        }
    }
}

/// The one implementation of [`Rest`].
struct RestApi;

impl Rest for RestApi {
    fn from_json(&self, text: &str) -> Result<Run, String> {
        let mut sim = AnySim::from_json(text)?;
        sim.enable_live_check();
        Ok(Run::Recorded(TimeMachine::new(sim)))
    }

    #[cfg(feature = "full")]
    fn from_share(&self, value: &str, scenario_text: Option<&str>) -> Result<Run, String> {
        TimeMachine::from_share(value, scenario_text, true).map(Run::Recorded)
    }

    fn advance(&self, run: &mut Run, ms: f64) {
        let tm = run.recorded();
        if ms.is_finite() && ms > 0.0 {
            tm.advance(ms as u64);
        }
        tm.check_consistency();
    }

    fn step(&self, run: &mut Run) -> bool {
        run.recorded().step()
    }

    fn next_event_time(&self, run: &Run) -> Option<u64> {
        match run {
            Run::Recorded(tm) => tm.next_event_time(),
            run => run.sim().next_event_time(),
        }
    }

    fn set_partition(&self, run: &mut Run, groups_json: &str) -> Result<(), String> {
        let groups: Vec<Vec<Member>> = serde_json::from_str(groups_json).map_err(|e| {
            format!("setPartition expects an array of groups, each an array of node ids (0, \"n0\") or clients (\"c0\"): {e}")
        })?;
        run.recorded().apply(Action::Partition { groups })
    }

    fn act(&self, run: &mut Run, act: Act) -> Result<(), String> {
        run.recorded().apply(match act {
            Act::Heal => Action::Heal,
            Act::Crash(node) => Action::Crash { node },
            Act::Restart(node) => Action::Restart { node },
            Act::Timeout(node) => Action::Timeout { node },
            Act::DropMessage(id) => Action::DropMessage { id },
            Act::MoveClient(client, node) => Action::MoveClient { client, node },
        })
    }

    fn submit(&self, run: &mut Run, client: u32, op_json: &str) -> Result<(), String> {
        const ACCEPTED: &str =
            "operation: accepted {f: \"read\", key}, {f: \"write\", key, value}, {f: \"cas\", key, from, to}";
        let tm = run.recorded();
        let op = OpText::parse(op_json).map_err(|e| format!("invalid {ACCEPTED} ({e})"))?;
        let action = Action::Client { client, op };
        tm.check_action(&action).map_err(|e| format!("invalid {ACCEPTED} ({e})"))?;
        tm.apply(action)
    }

    fn apply(&self, run: &mut Run, action_json: &str) -> Result<(), String> {
        let action: Action = serde_json::from_str(action_json)
            .map_err(|e| format!("invalid action ({e}): accepted actions are {}", crate::sim::scenario::ACTIONS))?;
        run.recorded().apply(action)
    }

    fn share(&self, run: &mut Run, library: Option<&str>) -> String {
        run.recorded().share(library)
    }

    fn seek(&self, run: &mut Run, t: u64) -> u64 {
        run.recorded().seek(t)
    }

    fn seek_slice(&self, run: &mut Run, target: Target, budget: u64) -> bool {
        let tm = run.recorded();
        let target = target.position(tm);
        tm.seek_slice(target, budget)
    }

    fn replay_cost(&self, run: &mut Run, target: Target) -> u64 {
        let tm = run.recorded();
        let p = match target.position(tm) {
            SeekTarget::Time(at) => Position { at, events: u64::MAX },
            SeekTarget::Point(p) => p,
        };
        tm.replay_cost(p)
    }

    fn hold_spot(&self, run: &mut Run) {
        run.recorded().hold();
    }

    fn release_hold(&self, run: &mut Run, back: bool) -> bool {
        run.recorded().release_hold(back)
    }

    fn seek_end(&self, run: &mut Run) {
        run.recorded().seek_end();
    }

    fn seek_point(&self, run: &mut Run, pos: Option<Position>) -> Result<bool, String> {
        let tm = run.recorded();
        match pos.or(tm.landing()) {
            Some(p) => tm.seek_point(p).map(|()| true),
            None => Ok(false),
        }
    }

    fn timeline_json(&self, run: &mut Run, from: usize) -> String {
        to_json(&run.recorded().timeline(from))
    }

    #[cfg(feature = "full")]
    fn spacetime_open(&self, run: &mut Run, on: bool) {
        run.recorded().set_spacetime(on, crate::spacetime::Limits::default());
    }

    #[cfg(feature = "full")]
    fn spacetime_json(&self, run: &mut Run, from: f64, to: f64, epoch: f64, since: f64) -> String {
        let tm = run.recorded();
        let pos = tm.position();
        let (end, in_past) = (tm.end().at, tm.in_past());
        if !tm.spacetime_on() {
            tm.set_spacetime(true, crate::spacetime::Limits::default());
        }
        let Some((record, e)) = tm.spacetime() else { return "{}".into() };
        let a = if from.is_finite() && from > 0.0 { from as u64 } else { 0 };
        let b = if to.is_finite() && to >= 0.0 { to as u64 } else { u64::MAX };
        let since = (epoch == e as f64 && since.is_finite() && since >= 0.0).then_some(since as u64);
        let mut j = record.to_json(a, b, since);
        (j.epoch, j.now, j.end, j.in_past) = (e, pos.at, end.max(pos.at), in_past);
        to_json(&j)
    }
}

// ---- reaching it ------------------------------------------------------------------------------

/// The split point: the rest module is everything only this function's result reaches.
#[cfg(feature = "split")]
#[wasm_split_helpers::wasm_split(rest, fallible)]
fn rest_api() -> Result<&'static dyn Rest, wasm_split_helpers::SplitLoaderError> {
    Ok(&RestApi)
}

#[cfg(feature = "split")]
thread_local! {
    /// The rest's API once its module is in (wasm has one thread).
    static API: std::cell::Cell<Option<&'static dyn Rest>> = const { std::cell::Cell::new(None) };
}

/// The rest's API: `None` until `loadRest()` resolved (a split build only).
#[cfg(feature = "split")]
pub(crate) fn api() -> Option<&'static dyn Rest> {
    API.with(|a| a.get())
}

/// The rest's API: always there in a build that is one module.
#[cfg(not(feature = "split"))]
pub(crate) fn api() -> Option<&'static dyn Rest> {
    Some(&RestApi)
}

/// Fetch and instantiate the rest module (`split_rest.wasm`, beside the glue) once; resolves
/// when every method of the handle works. A page awaits it before its first run moves. Rejects
/// when the module could not be loaded (a later call tries again).
#[cfg(feature = "split")]
#[wasm_bindgen(js_name = loadRest)]
pub async fn load_rest() -> Result<(), JsError> {
    if api().is_none() {
        let rest = rest_api()
            .await
            .map_err(|e| JsError::new(&format!("the simulator's second module (split_rest.wasm): {e}")))?;
        API.with(|a| a.set(Some(rest)));
    }
    Ok(())
}

/// Nothing to load in a build that is one module (kept so that a page calls it either way).
#[cfg(not(feature = "split"))]
#[wasm_bindgen(js_name = loadRest)]
pub fn load_rest() {}
