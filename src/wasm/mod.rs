//! The only module that touches JS: one opaque [`Playground`] handle per `<cap-playground>`
//! element. Per animation frame the element calls `advance(ms)` once and `frame()` once; every
//! reader action is a single call. User errors come back as JS exceptions whose message says
//! what was wrong and what is accepted. Large, long-lived data (logs, history, trace) stays in
//! Rust; a frame carries only what is drawn.

use crate::registry::any::AnySim;
use crate::registry::PROTOCOLS;
use crate::travel::TimeMachine;
use rest::{Act, Rest};
use serde::Serialize;
use wasm_bindgen::prelude::*;

// Everything past the first frame: the rest module's API (a wasm module of its own in a split
// build, issue 20).
mod rest;

// Time travel and share links: more methods of `Playground`, kept in their own file.
mod travel;
// The space-time record and its exports (ShiViz, SVG): more methods, in their own file (the
// full API only: a plain page's first download does without them).
#[cfg(feature = "full")]
mod spacetime;
// The "find a bug" explorer (its own bundle, pkg/explore/).
#[cfg(feature = "explore")]
pub mod explore;

pub use rest::load_rest;

/// Install the panic hook so a Rust panic is logged with its message before the element shows
/// its error banner.
#[wasm_bindgen(start)]
pub fn start() {
    console_error_panic_hook::set_once();
}

fn to_json<T: Serialize>(value: &T) -> String {
    // JSON text instead of JS objects: JSON.parse is fast, and one serializer (serde_json) for
    // both the CLI and the browser keeps the wasm small.
    serde_json::to_string(value).unwrap_or_else(|e| format!("{{\"error\":\"{e}\"}}"))
}

fn err(msg: String) -> JsError {
    JsError::new(&msg)
}

/// The protocols this build accepts.
#[wasm_bindgen]
pub fn protocols() -> Vec<String> {
    PROTOCOLS.iter().map(|s| s.to_string()).collect()
}

/// A random seed for runs the reader did not seed (the only entropy the project uses).
#[wasm_bindgen(js_name = randomSeed)]
pub fn random_seed() -> f64 {
    let mut b = [0u8; 4];
    if getrandom::fill(&mut b).is_err() {
        return 1.0;
    }
    (u32::from_le_bytes(b) % 1_000_000) as f64
}

/// Panic on purpose (used by the browser test of the error banner).
#[wasm_bindgen(js_name = debugPanic)]
pub fn debug_panic() {
    panic!("debugPanic() called: this is the test of the error banner");
}

fn seed_from(seed: f64) -> Result<u64, JsError> {
    if seed.is_finite() && seed >= 0.0 && seed.fract() == 0.0 && seed <= 9_007_199_254_740_991.0 {
        Ok(seed as u64)
    } else {
        Err(err(format!("seed {seed} is not accepted: use a whole number from 0 to 2^53-1")))
    }
}

/// One simulation, owned by one element: a recorded run that can travel in time
/// (`travel`); every action goes through it and is recorded.
///
/// A page's bundle is two wasm modules (issue 20; `rest.rs`): the main one builds a run and
/// draws its first frame, the rest (time travel, the live checker's search, scenario and action
/// readers, every move) follows it. So a run starts [`Run::Fresh`], and its first move makes it
/// [`Run::Recorded`] — in the rest.
#[wasm_bindgen]
pub struct Playground {
    run: Run,
}

/// A run's two states. Read accessors serve both; everything else needs the rest.
pub(crate) enum Run {
    /// Built by `withDefaults`, nothing happened yet: the main module draws it.
    Fresh(AnySim),
    /// Recorded by the time machine (from its first move on, or built from a scenario's JSON).
    Recorded(TimeMachine),
    /// Between the two, never seen outside `Run::recorded`.
    Moving,
}

impl Run {
    /// The world as it is now, in either state.
    fn sim(&self) -> &AnySim {
        match self {
            Run::Fresh(sim) => sim,
            Run::Recorded(tm) => tm,
            Run::Moving => unreachable!("a run is never left moving"),
        }
    }

    /// The recorded run, recording a fresh one from here (t = 0) first.
    pub(crate) fn recorded(&mut self) -> &mut TimeMachine {
        if let Run::Fresh(_) = self {
            if let Run::Fresh(sim) = std::mem::replace(self, Run::Moving) {
                *self = Run::Recorded(TimeMachine::new(sim));
            }
        }
        match self {
            Run::Recorded(tm) => tm,
            _ => unreachable!("recorded above"),
        }
    }
}

/// The rest module's API, or the error saying it has not arrived yet.
fn api() -> Result<&'static dyn Rest, JsError> {
    rest::api().ok_or_else(|| {
        err("the rest of the simulator (split_rest.wasm) is still loading: try again in a moment (loadRest() resolves once it is in)".into())
    })
}

#[wasm_bindgen]
impl Playground {
    /// Load a scenario from JSON text (a file from `www/scenarios/` or the reader's own).
    #[wasm_bindgen(constructor)]
    pub fn new(scenario_json: &str) -> Result<Playground, JsError> {
        api()?.from_json(scenario_json).map(|run| Playground { run }).map_err(err)
    }

    /// A default scenario: `nodes` servers of `protocol`, two clients, a light workload.
    #[wasm_bindgen(js_name = withDefaults)]
    pub fn with_defaults(protocol: &str, nodes: u32, seed: f64) -> Result<Playground, JsError> {
        let s = crate::travel::share::playground_default(protocol, nodes, seed_from(seed)?);
        let mut sim = AnySim::new(s).map_err(err)?;
        sim.enable_live_check();
        Ok(Playground { run: Run::Fresh(sim) })
    }

    /// The scenario as JSON (with the seed actually used).
    #[wasm_bindgen(js_name = scenarioJson)]
    pub fn scenario_json(&self) -> String {
        serde_json::to_string(self.run.sim().scenario()).unwrap_or_default()
    }

    /// Advance simulated time by `ms` milliseconds (fractions are carried by the caller), then
    /// spend a bounded slice of search on the live linearizability verdict.
    pub fn advance(&mut self, ms: f64) -> Result<(), JsError> {
        api()?.advance(&mut self.run, ms);
        Ok(())
    }

    /// Process exactly one event; returns false when nothing is scheduled.
    pub fn step(&mut self) -> Result<bool, JsError> {
        Ok(api()?.step(&mut self.run))
    }

    /// Simulated time in ms.
    pub fn now(&self) -> f64 {
        self.run.sim().now() as f64
    }

    /// Time of the next scheduled event (or recorded action), or -1.
    #[wasm_bindgen(js_name = nextEventTime)]
    pub fn next_event_time(&self) -> Result<f64, JsError> {
        let next = match &self.run {
            Run::Fresh(sim) => sim.next_event_time(),
            run => api()?.next_event_time(run),
        };
        Ok(next.map(|t| t as f64).unwrap_or(-1.0))
    }

    /// Everything the renderer draws this frame, as JSON text.
    #[wasm_bindgen(js_name = frameJson)]
    pub fn frame_json(&self) -> String {
        to_json(&self.run.sim().frame())
    }

    /// The frame the animation loop pulls between full ones, as JSON text: the same shape, with
    /// node logs and stores, `ops` and `sides` left empty (only the ~10 Hz parts draw them).
    #[wasm_bindgen(js_name = lightFrameJson)]
    pub fn light_frame_json(&self) -> String {
        to_json(&self.run.sim().light_frame())
    }

    /// The client history (Jepsen-style operations), as JSON text.
    #[wasm_bindgen(js_name = historyJson)]
    pub fn history_json(&self) -> String {
        to_json(&self.run.sim().history_json())
    }

    /// Hash of the event trace so far (hex): equal hashes mean identical runs.
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&self) -> String {
        format!("{:016x}", self.run.sim().trace_hash())
    }

    /// Set partition groups: JSON array of arrays of members (`0`, `"n0"`, `"c1"`).
    #[wasm_bindgen(js_name = setPartition)]
    pub fn set_partition(&mut self, groups_json: &str) -> Result<(), JsError> {
        api()?.set_partition(&mut self.run, groups_json).map_err(err)
    }

    /// Restore full connectivity.
    pub fn heal(&mut self) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::Heal).map_err(err)
    }

    /// Crash node `id`.
    pub fn crash(&mut self, id: u32) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::Crash(id)).map_err(err)
    }

    /// Restart crashed node `id` from its durable state.
    pub fn restart(&mut self, id: u32) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::Restart(id)).map_err(err)
    }

    /// Fire node `id`'s election timer now.
    pub fn timeout(&mut self, id: u32) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::Timeout(id)).map_err(err)
    }

    /// Drop one message in flight by its frame id.
    #[wasm_bindgen(js_name = dropMessage)]
    pub fn drop_message(&mut self, id: f64) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::DropMessage(id as u64)).map_err(err)
    }

    /// Attach client `client` to node `node`.
    #[wasm_bindgen(js_name = moveClient)]
    pub fn move_client(&mut self, client: u32, node: u32) -> Result<(), JsError> {
        api()?.act(&mut self.run, Act::MoveClient(client, node)).map_err(err)
    }

    /// Client `client` invokes `op`: `{f: "read", key}`, `{f: "write", key, value}` or
    /// `{f: "cas", key, from, to}` (and the protocol's own, e.g. 2PC's
    /// `{f: "transfer", from, to, amount}`).
    pub fn submit(&mut self, client: u32, op_json: &str) -> Result<(), JsError> {
        api()?.submit(&mut self.run, client, op_json).map_err(err)
    }

    /// Any scenario action as an object, e.g. `{action: "cut", from: "n0", to: "n1"}`.
    pub fn apply(&mut self, action_json: &str) -> Result<(), JsError> {
        api()?.apply(&mut self.run, action_json).map_err(err)
    }
}

/// A Jepsen or Porcupine history parsed once, for timing the checker in wasm (`npm run bench`).
/// Built only with the `checker-bench` feature, so the shipped bundle does not carry the
/// external-format parsers.
#[cfg(feature = "checker-bench")]
#[wasm_bindgen]
pub struct ExternalHistory {
    history: crate::check::formats::ExternalHistory,
}

#[cfg(feature = "checker-bench")]
#[wasm_bindgen]
impl ExternalHistory {
    /// Parse a Jepsen etcd log or a Porcupine kv log.
    #[wasm_bindgen(constructor)]
    pub fn new(text: &str) -> Result<ExternalHistory, JsError> {
        crate::check::formats::parse_history(text, &crate::check::formats::ParseOptions::default())
            .map(|history| ExternalHistory { history })
            .map_err(|e| err(e.to_string()))
    }

    /// 1 linearizable, 0 not, -1 unknown (budget exhausted).
    pub fn verdict(&self) -> i32 {
        match self.history.verdict(u64::MAX) {
            Some(true) => 1,
            Some(false) => 0,
            None => -1,
        }
    }
}
