//! The only module that touches JS: one opaque [`Playground`] handle per `<cap-playground>`
//! element. Per animation frame the element calls `advance(ms)` once and `frame()` once; every
//! reader action is a single call. User errors come back as JS exceptions whose message says
//! what was wrong and what is accepted. Large, long-lived data (logs, history, trace) stays in
//! Rust; a frame carries only what is drawn.

use crate::registry::any::AnySim;
use crate::registry::PROTOCOLS;
use crate::sim::scenario::{Action, Member, OpText};
use crate::travel::TimeMachine;
use serde::Serialize;
use wasm_bindgen::prelude::*;

// Time travel and share links: more methods of `Playground`, kept in their own file.
mod travel;
// The space-time record and its exports (ShiViz, SVG): more methods, in their own file (the
// full API only: a plain page's first download does without them).
#[cfg(feature = "full")]
mod spacetime;
// The "find a bug" explorer (its own bundle, pkg/explore/).
#[cfg(feature = "explore")]
pub mod explore;

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
#[wasm_bindgen]
pub struct Playground {
    sim: TimeMachine,
}

impl Playground {
    fn live(mut sim: AnySim) -> Playground {
        sim.enable_live_check();
        Playground { sim: TimeMachine::new(sim) }
    }
}

#[wasm_bindgen]
impl Playground {
    /// Load a scenario from JSON text (a file from `www/scenarios/` or the reader's own).
    #[wasm_bindgen(constructor)]
    pub fn new(scenario_json: &str) -> Result<Playground, JsError> {
        AnySim::from_json(scenario_json).map(Playground::live).map_err(err)
    }

    /// A default scenario: `nodes` servers of `protocol`, two clients, a light workload.
    #[wasm_bindgen(js_name = withDefaults)]
    pub fn with_defaults(protocol: &str, nodes: u32, seed: f64) -> Result<Playground, JsError> {
        let s = crate::travel::share::playground_default(protocol, nodes, seed_from(seed)?);
        AnySim::new(s).map(Playground::live).map_err(err)
    }

    /// The scenario as JSON (with the seed actually used).
    #[wasm_bindgen(js_name = scenarioJson)]
    pub fn scenario_json(&self) -> String {
        serde_json::to_string(self.sim.scenario()).unwrap_or_default()
    }

    /// Advance simulated time by `ms` milliseconds (fractions are carried by the caller), then
    /// spend a bounded slice of search on the live linearizability verdict.
    pub fn advance(&mut self, ms: f64) {
        if ms.is_finite() && ms > 0.0 {
            self.sim.advance(ms as u64);
        }
        self.sim.check_consistency();
    }

    /// Process exactly one event; returns false when nothing is scheduled.
    pub fn step(&mut self) -> bool {
        self.sim.step()
    }

    /// Simulated time in ms.
    pub fn now(&self) -> f64 {
        self.sim.now() as f64
    }

    /// Time of the next scheduled event, or -1.
    #[wasm_bindgen(js_name = nextEventTime)]
    pub fn next_event_time(&self) -> f64 {
        self.sim.next_event_time().map(|t| t as f64).unwrap_or(-1.0)
    }

    /// Everything the renderer draws this frame, as JSON text.
    #[wasm_bindgen(js_name = frameJson)]
    pub fn frame_json(&self) -> String {
        to_json(&self.sim.frame())
    }

    /// The frame the animation loop pulls between full ones, as JSON text: the same shape, with
    /// node logs and stores, `ops` and `sides` left empty (only the ~10 Hz parts draw them).
    #[wasm_bindgen(js_name = lightFrameJson)]
    pub fn light_frame_json(&self) -> String {
        to_json(&self.sim.light_frame())
    }

    /// The client history (Jepsen-style operations), as JSON text.
    #[wasm_bindgen(js_name = historyJson)]
    pub fn history_json(&self) -> String {
        to_json(&self.sim.history_json())
    }

    /// Hash of the event trace so far (hex): equal hashes mean identical runs.
    #[wasm_bindgen(js_name = traceHash)]
    pub fn trace_hash(&self) -> String {
        format!("{:016x}", self.sim.trace_hash())
    }

    /// Set partition groups: JSON array of arrays of members (`0`, `"n0"`, `"c1"`).
    #[wasm_bindgen(js_name = setPartition)]
    pub fn set_partition(&mut self, groups_json: &str) -> Result<(), JsError> {
        let groups: Vec<Vec<Member>> = serde_json::from_str(groups_json).map_err(|e| {
            err(format!("setPartition expects an array of groups, each an array of node ids (0, \"n0\") or clients (\"c0\"): {e}"))
        })?;
        self.sim.apply(Action::Partition { groups }).map_err(err)
    }

    /// Restore full connectivity.
    pub fn heal(&mut self) -> Result<(), JsError> {
        self.sim.apply(Action::Heal).map_err(err)
    }

    /// Crash node `id`.
    pub fn crash(&mut self, id: u32) -> Result<(), JsError> {
        self.sim.apply(Action::Crash { node: id }).map_err(err)
    }

    /// Restart crashed node `id` from its durable state.
    pub fn restart(&mut self, id: u32) -> Result<(), JsError> {
        self.sim.apply(Action::Restart { node: id }).map_err(err)
    }

    /// Fire node `id`'s election timer now.
    pub fn timeout(&mut self, id: u32) -> Result<(), JsError> {
        self.sim.apply(Action::Timeout { node: id }).map_err(err)
    }

    /// Drop one message in flight by its frame id.
    #[wasm_bindgen(js_name = dropMessage)]
    pub fn drop_message(&mut self, id: f64) -> Result<(), JsError> {
        self.sim.apply(Action::DropMessage { id: id as u64 }).map_err(err)
    }

    /// Attach client `client` to node `node`.
    #[wasm_bindgen(js_name = moveClient)]
    pub fn move_client(&mut self, client: u32, node: u32) -> Result<(), JsError> {
        self.sim.apply(Action::MoveClient { client, node }).map_err(err)
    }

    /// Client `client` invokes `op`: `{f: "read", key}`, `{f: "write", key, value}` or
    /// `{f: "cas", key, from, to}` (and the protocol's own, e.g. 2PC's
    /// `{f: "transfer", from, to, amount}`).
    pub fn submit(&mut self, client: u32, op_json: &str) -> Result<(), JsError> {
        const ACCEPTED: &str =
            "operation: accepted {f: \"read\", key}, {f: \"write\", key, value}, {f: \"cas\", key, from, to}";
        let op = OpText::parse(op_json).map_err(|e| err(format!("invalid {ACCEPTED} ({e})")))?;
        let action = Action::Client { client, op };
        self.sim.check_action(&action).map_err(|e| err(format!("invalid {ACCEPTED} ({e})")))?;
        self.sim.apply(action).map_err(err)
    }

    /// Any scenario action as an object, e.g. `{action: "cut", from: "n0", to: "n1"}`.
    pub fn apply(&mut self, action_json: &str) -> Result<(), JsError> {
        let action: Action = serde_json::from_str(action_json).map_err(|e| {
            err(format!("invalid action ({e}): accepted actions are {}", crate::sim::scenario::ACTIONS))
        })?;
        self.sim.apply(action).map_err(err)
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
