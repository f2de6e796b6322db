//! Scenario files: a run as data. Protocol, cluster size, seed, protocol/network config, clients,
//! workload, timed steps and `until`. The same file gives the same run natively, in tests and in
//! the browser. Unknown fields are rejected with a message naming what is accepted.

use crate::core::ops::{ClientOp, ClientOperation};
use crate::protocol::{Time, Value};
use serde::{Deserialize, Serialize};

/// A complete, reproducible run description.
#[derive(Clone, Debug, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Human title shown in pickers.
    #[serde(default)]
    pub name: String,
    /// One paragraph on what the scenario shows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Protocol name, one of the registry's (`registry::PROTOCOLS`, checked when it is run).
    pub protocol: String,
    /// Number of servers (1..=9).
    pub nodes: u32,
    /// PRNG seed: the same seed gives the same run.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Protocol settings (for Raft: [`crate::protocol::raft::RaftConfig`]).
    #[serde(default)]
    pub config: Option<Box<serde_json::value::RawValue>>,
    /// Network model.
    #[serde(default)]
    pub network: NetworkConfig,
    /// Clients and the nodes they first talk to.
    #[serde(default)]
    pub clients: Vec<ClientSpec>,
    /// Random client workload (none when absent).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub workload: Option<Workload>,
    /// Timed actions.
    #[serde(default)]
    pub steps: Vec<Step>,
    /// Simulated end time in ms (the CLI stops there; the browser keeps going).
    #[serde(default = "default_until")]
    pub until: Time,
    /// How many completed operations the history keeps (older ones are summarised).
    #[serde(default = "default_history_limit")]
    pub history_limit: usize,
    /// Who decides when messages arrive and timers fire: the seeded clock (`"timed"`, the
    /// default) or the steps (`"explicit"`: see [`Schedule`]).
    #[serde(default, skip_serializing_if = "Schedule::is_timed")]
    pub schedule: Schedule,
}

/// Who schedules deliveries and timers.
///
/// `explicit` is how the explorer's counterexamples replay (see `src/sim/explicit.rs`): every
/// message is held in flight until a `deliver` step delivers it (or `drop_message` drops it), and
/// every timer — a node's or a client's retry and timeout — stays armed until a `fire_timer` /
/// `client_timer` step fires it. The PRNG then decides nothing that matters: the steps are the
/// whole schedule.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Schedule {
    /// Latencies and timer durations are drawn from the seeded PRNG.
    #[default]
    Timed,
    /// Steps deliver messages and fire timers, nothing else does.
    Explicit,
}

impl Schedule {
    /// True for the default, [`Schedule::Timed`].
    pub fn is_timed(&self) -> bool {
        *self == Schedule::Timed
    }
}

fn default_seed() -> u64 {
    1
}
fn default_until() -> Time {
    10_000
}
fn default_history_limit() -> usize {
    20_000
}

/// Message latency, loss and duplication.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct NetworkConfig {
    /// One-way latency range in ms, drawn uniformly per message (reordering falls out of it).
    pub latency_ms: [Time; 2],
    /// Probability that a message is lost.
    pub drop: f64,
    /// Probability that a message is delivered twice.
    pub duplicate: f64,
}

impl Default for NetworkConfig {
    fn default() -> Self {
        NetworkConfig { latency_ms: [10, 30], drop: 0.0, duplicate: 0.0 }
    }
}

/// One client: which node it starts talking to and how long it waits for an answer.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ClientSpec {
    /// Node the client is attached to.
    pub node: u32,
    /// Operation timeout in ms; a timed-out write is recorded `info` (outcome unknown).
    #[serde(default = "default_timeout")]
    pub timeout_ms: Time,
}

fn default_timeout() -> Time {
    1_000
}

/// A random workload every client runs: one operation outstanding per client.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct Workload {
    /// Mean pause between one operation's completion and the client's next, in ms.
    pub interval_ms: Time,
    /// Relative weight of reads.
    pub read: u32,
    /// Relative weight of writes.
    pub write: u32,
    /// Relative weight of compare-and-set.
    pub cas: u32,
    /// Relative weight of the protocol's own operation, as 2PC's transfers between two accounts
    /// (a protocol without one refuses a non-zero weight); with it, every workload key is one
    /// of the protocol's own (2PC's bank accounts `A`, `B`, …).
    pub transfer: u32,
    /// Number of keys (`x`, `y`, `z`, then `k3`, …).
    pub keys: u32,
    /// Largest value written.
    pub max_value: Value,
    /// Start time in ms.
    pub start_ms: Time,
}

impl Default for Workload {
    fn default() -> Self {
        Workload { interval_ms: 300, read: 2, write: 2, cas: 1, transfer: 0, keys: 1, max_value: 9, start_ms: 500 }
    }
}

/// A member of a partition group: a node id (number or `"n3"`) or a client (`"c1"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
#[serde(into = "String")]
pub enum Member {
    /// Server `n`.
    Node(u32),
    /// Client `c`.
    Client(u32),
}

impl<'de> Deserialize<'de> for Member {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Member, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Member;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a node id (0, \"n0\") or a client (\"c0\")")
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Member, E> {
                u32::try_from(n).map(Member::Node).map_err(|_| E::custom(format!("node {n} is out of range")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Member, E> {
                Member::parse(s).map_err(E::custom)
            }
        }
        d.deserialize_any(V)
    }
}

impl From<Member> for String {
    fn from(m: Member) -> String {
        m.to_string()
    }
}

impl std::fmt::Display for Member {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self {
            Member::Node(n) => write!(f, "n{n}"),
            Member::Client(c) => write!(f, "c{c}"),
        }
    }
}

impl Member {
    /// Parse `n3`, `c1` or a bare node number.
    pub fn parse(s: &str) -> Result<Member, String> {
        let bad = || format!("'{s}' is not a node or client: use a node number, \"n<id>\" or \"c<id>\"");
        if let Some(rest) = s.strip_prefix('n') {
            rest.parse().map(Member::Node).map_err(|_| bad())
        } else if let Some(rest) = s.strip_prefix('c') {
            rest.parse().map(Member::Client).map_err(|_| bad())
        } else {
            s.parse().map(Member::Node).map_err(|_| bad())
        }
    }
}

/// A timed action.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(try_from = "RawAction")]
pub struct Step {
    /// Simulated time in ms at which the action happens.
    pub at: Time,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// Everything a scenario (or a reader in the browser) can do to the world.
#[derive(Clone, Debug, PartialEq, Hash, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", try_from = "RawAction")]
pub enum Action {
    /// Split nodes and clients into groups; links across groups are cut and messages in flight
    /// across a new cut are lost. Members not listed join the first group.
    Partition { groups: Vec<Vec<Member>> },
    /// Restore full connectivity (groups and one-way cuts).
    Heal,
    /// Cut the link `from → to` only (the reverse still works).
    Cut { from: Member, to: Member },
    /// Crash a node: volatile state, timers and its in-flight messages are lost.
    Crash { node: u32 },
    /// Restart a crashed node from its durable state.
    Restart { node: u32 },
    /// Fire the node's election (or equivalent) timer now.
    Timeout { node: u32 },
    /// A client issues an operation (queued if it has one outstanding), in the scenario's JSON
    /// op shape (parsed by the protocol that runs it: see `core::ops`).
    Client { client: u32, op: OpText },
    /// Drop the next message sent on the link `from → to`.
    DropNext { from: Member, to: Member },
    /// Deliver the next message sent on `from → to` twice.
    DuplicateNext { from: Member, to: Member },
    /// Attach a client to another node.
    MoveClient { client: u32, node: u32 },
    /// Drop one specific message in flight (by the id the frame shows).
    DropMessage { id: u64 },
    /// Replace the protocol's settings on every node, live (fields not given take their
    /// defaults); protocols that cannot change settings mid-run refuse.
    Configure { config: ConfigText },
    /// `"schedule": "explicit"` only: deliver message `id` now (it was held in flight).
    Deliver { id: u64 },
    /// `"schedule": "explicit"` only: fire node `node`'s armed timer named `timer` (as the
    /// protocol spells it, e.g. `Election`).
    FireTimer { node: u32, timer: String },
    /// `"schedule": "explicit"` only: fire client `client`'s `retry` or `timeout` timer.
    ClientTimer { client: u32, timer: String },
}

/// A protocol config as JSON text, kept verbatim (parsed by the protocol that receives it).
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct ConfigText(pub Box<serde_json::value::RawValue>);

impl PartialEq for ConfigText {
    fn eq(&self, other: &Self) -> bool {
        self.0.get() == other.0.get()
    }
}

impl std::hash::Hash for ConfigText {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.0.get().hash(h);
    }
}

/// A client operation as JSON text, kept verbatim: each protocol parses it with its own
/// vocabulary (the register operations, or 2PC's transfers too) when the scenario is loaded.
#[derive(Clone, Debug, Serialize)]
#[serde(transparent)]
pub struct OpText(pub Box<serde_json::value::RawValue>);

impl OpText {
    /// The JSON text.
    pub fn get(&self) -> &str {
        self.0.get()
    }
    /// Wrap JSON text (it must be JSON; which operation it is, the protocol says).
    pub fn parse(text: &str) -> Result<OpText, String> {
        serde_json::value::RawValue::from_string(text.trim().to_string())
            .map(OpText)
            .map_err(|e| crate::core::ops::without_position(e.to_string()))
    }
    /// The JSON op shape of `op`.
    pub fn of<O: ClientOperation>(op: &O) -> OpText {
        OpText::parse(&crate::core::ops::to_json(op)).expect("an operation serialises to JSON")
    }
}

impl From<ClientOp> for OpText {
    fn from(op: ClientOp) -> OpText {
        OpText::of(&op)
    }
}

impl PartialEq for OpText {
    fn eq(&self, other: &Self) -> bool {
        self.get() == other.get()
    }
}

/// By its text (the simulator hashes the parsed operation into the trace instead).
impl std::hash::Hash for OpText {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.get().hash(h);
    }
}

/// The flat JSON shape of a step or action: `{"at": 2000, "action": "crash", "node": 1}`.
/// Parsed through a plain struct (not serde's tagged enums or `flatten`, whose buffering
/// deserializer is large in wasm), then checked: each action takes exactly its own fields.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawAction {
    at: Option<Time>,
    action: String,
    groups: Option<Vec<Vec<Member>>>,
    from: Option<Member>,
    to: Option<Member>,
    node: Option<u32>,
    client: Option<u32>,
    op: Option<Box<serde_json::value::RawValue>>,
    id: Option<u64>,
    config: Option<Box<serde_json::value::RawValue>>,
    timer: Option<String>,
}

impl RawAction {
    fn into_action(self) -> Result<(Option<Time>, Action), String> {
        let name = self.action.clone();
        let present: Vec<&str> = [
            ("groups", self.groups.is_some()),
            ("from", self.from.is_some()),
            ("to", self.to.is_some()),
            ("node", self.node.is_some()),
            ("client", self.client.is_some()),
            ("op", self.op.is_some()),
            ("id", self.id.is_some()),
            ("config", self.config.is_some()),
            ("timer", self.timer.is_some()),
        ]
        .iter()
        .filter(|(_, p)| *p)
        .map(|(n, _)| *n)
        .collect();
        let takes: &[&str] = match name.as_str() {
            "partition" => &["groups"],
            "heal" => &[],
            "cut" | "drop_next" | "duplicate_next" => &["from", "to"],
            "crash" | "restart" | "timeout" => &["node"],
            "client" => &["client", "op"],
            "move_client" => &["client", "node"],
            "drop_message" | "deliver" => &["id"],
            "configure" => &["config"],
            "fire_timer" => &["node", "timer"],
            "client_timer" => &["client", "timer"],
            other => return Err(format!("unknown action '{other}': accepted actions are {ACTIONS}")),
        };
        let fields = if takes.is_empty() { "no fields".to_string() } else { takes.join(", ") };
        if let Some(extra) = present.iter().find(|f| !takes.contains(f)) {
            return Err(format!("action '{name}' does not take `{extra}` (it takes {fields})"));
        }
        if let Some(missing) = takes.iter().find(|f| !present.contains(f)) {
            return Err(format!("action '{name}' needs `{missing}` (it takes {fields})"));
        }
        let action = match name.as_str() {
            "partition" => Action::Partition { groups: self.groups.unwrap_or_default() },
            "heal" => Action::Heal,
            "cut" => Action::Cut { from: self.from.unwrap(), to: self.to.unwrap() },
            "drop_next" => Action::DropNext { from: self.from.unwrap(), to: self.to.unwrap() },
            "duplicate_next" => Action::DuplicateNext { from: self.from.unwrap(), to: self.to.unwrap() },
            "crash" => Action::Crash { node: self.node.unwrap() },
            "restart" => Action::Restart { node: self.node.unwrap() },
            "timeout" => Action::Timeout { node: self.node.unwrap() },
            "client" => Action::Client { client: self.client.unwrap(), op: OpText(self.op.unwrap()) },
            "move_client" => Action::MoveClient { client: self.client.unwrap(), node: self.node.unwrap() },
            "configure" => Action::Configure { config: ConfigText(self.config.unwrap()) },
            "deliver" => Action::Deliver { id: self.id.unwrap() },
            "fire_timer" => Action::FireTimer { node: self.node.unwrap(), timer: self.timer.unwrap() },
            "client_timer" => Action::ClientTimer { client: self.client.unwrap(), timer: self.timer.unwrap() },
            _ => Action::DropMessage { id: self.id.unwrap() },
        };
        Ok((self.at, action))
    }
}

impl TryFrom<RawAction> for Step {
    type Error = String;
    fn try_from(r: RawAction) -> Result<Step, String> {
        match r.into_action()? {
            (Some(at), action) => Ok(Step { at, action }),
            (None, _) => Err("a step needs `at` (simulated ms)".into()),
        }
    }
}

impl TryFrom<RawAction> for Action {
    type Error = String;
    fn try_from(r: RawAction) -> Result<Action, String> {
        match r.into_action()? {
            (None, action) => Ok(action),
            (Some(_), _) => Err("`at` belongs to scenario steps; an action happens now".into()),
        }
    }
}

/// Longest run a scenario may ask for (`until`, a step's `at`, the workload's start): 100
/// simulated hours, as a share link's end (`travel::share`).
pub const MAX_UNTIL_MS: Time = 100 * 3_600_000;
/// Largest one-way latency (ms).
pub const MAX_LATENCY_MS: Time = 60_000;
/// Largest duplication probability. A duplicate is never duplicated again, nor is what a node
/// sends in answer to one (`Sim::send`), so each message has at most one echo; below 1 the
/// network still delivers most messages once, as a real one does.
pub const MAX_DUPLICATE: f64 = 0.9;
/// Longest client timeout and mean workload pause (ms): an hour.
pub const MAX_PERIOD_MS: Time = 3_600_000;
/// Largest workload weight (read, write, cas, transfer).
pub const MAX_WEIGHT: u32 = 1_000;
/// Largest value a workload writes.
pub const MAX_VALUE: Value = 1_000_000_000;
/// Most timed steps a scenario may hold.
pub const MAX_STEPS: usize = 100_000;
/// Largest `history_limit` (each operation kept costs about 130 bytes, with the checker's copy).
pub const MAX_HISTORY_LIMIT: usize = 1_000_000;

/// Accepted action names, for error messages.
pub const ACTIONS: &str = "partition, heal, cut, crash, restart, timeout, client, drop_next, duplicate_next, move_client, drop_message, configure, deliver, fire_timer, client_timer";

impl Scenario {
    /// Parse and validate a scenario from JSON text; the error says what was wrong and what is
    /// accepted.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let s: Scenario = serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))?;
        s.validate()?;
        Ok(s)
    }

    /// A scenario with defaults for a protocol and cluster size.
    pub fn default_for(protocol: &str, nodes: u32, seed: u64) -> Scenario {
        Scenario {
            name: format!("{protocol}, {nodes} nodes"),
            description: String::new(),
            protocol: protocol.to_string(),
            nodes,
            seed,
            config: None,
            network: NetworkConfig::default(),
            clients: vec![
                ClientSpec { node: 0, timeout_ms: default_timeout() },
                ClientSpec { node: nodes.saturating_sub(1), timeout_ms: default_timeout() },
            ],
            workload: None,
            steps: Vec::new(),
            until: default_until(),
            history_limit: default_history_limit(),
            schedule: Schedule::Timed,
        }
    }

    /// Check ranges and ids; every problem is reported with what is accepted. Every number has
    /// a range that keeps the world finite (the README's limits table lists them). (The
    /// protocol's name, settings and operations — a `configure` step's settings included — are
    /// checked by the protocol when the scenario is loaded to run: `Sim::from_scenario`.)
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=9).contains(&self.nodes) {
            return Err(format!("nodes = {} is out of range: accepted 1..=9", self.nodes));
        }
        let [lo, hi] = self.network.latency_ms;
        if lo > hi || hi > MAX_LATENCY_MS {
            return Err(format!("network.latency_ms [{lo}, {hi}] is invalid: need min <= max <= {MAX_LATENCY_MS}"));
        }
        // serde_json prints the numbers: core's float formatting would cost wasm size.
        let text = |p: f64| serde_json::to_string(&p).unwrap_or_default();
        if !(0.0..=1.0).contains(&self.network.drop) {
            return Err(format!("network.drop = {} is not a probability: accepted 0.0..=1.0", text(self.network.drop)));
        }
        if !(0.0..=MAX_DUPLICATE).contains(&self.network.duplicate) {
            return Err(format!(
                "network.duplicate = {} is out of range: accepted 0.0..={} (a message is duplicated at most once, and never one sent in answer to a duplicate; at 1 every message would be doubled)",
                text(self.network.duplicate),
                text(MAX_DUPLICATE)
            ));
        }
        if self.history_limit > MAX_HISTORY_LIMIT {
            return Err(format!(
                "history_limit = {} is out of range: accepted 0..={MAX_HISTORY_LIMIT} (at least 16 are kept)",
                self.history_limit
            ));
        }
        if self.clients.len() > 16 {
            return Err(format!("{} clients: at most 16 are accepted", self.clients.len()));
        }
        for (i, c) in self.clients.iter().enumerate() {
            self.check_node(c.node, &format!("clients[{i}].node"))?;
            if !(1..=MAX_PERIOD_MS).contains(&c.timeout_ms) {
                return Err(format!("clients[{i}].timeout_ms = {}: accepted 1..={MAX_PERIOD_MS}", c.timeout_ms));
            }
        }
        if let Some(w) = &self.workload {
            for (name, weight) in [("read", w.read), ("write", w.write), ("cas", w.cas), ("transfer", w.transfer)] {
                if weight > MAX_WEIGHT {
                    return Err(format!("workload.{name} = {weight}: accepted weights 0..={MAX_WEIGHT}"));
                }
            }
            if w.read + w.write + w.cas + w.transfer == 0 {
                return Err("workload: read, write, cas and transfer weights are all 0".into());
            }
            if w.transfer > 0 && w.keys < 2 {
                return Err("workload.keys must be at least 2 when the workload has transfers".into());
            }
            if w.keys == 0 || w.keys > 26 {
                return Err(format!("workload.keys = {}: accepted 1..=26", w.keys));
            }
            if !(1..=MAX_PERIOD_MS).contains(&w.interval_ms) {
                return Err(format!("workload.interval_ms = {}: accepted 1..={MAX_PERIOD_MS}", w.interval_ms));
            }
            if !(1..=MAX_VALUE).contains(&w.max_value) {
                return Err(format!("workload.max_value = {}: accepted 1..={MAX_VALUE}", w.max_value));
            }
            if w.start_ms > MAX_UNTIL_MS {
                return Err(format!("workload.start_ms = {}: accepted 0..={MAX_UNTIL_MS}", w.start_ms));
            }
        }
        if self.steps.len() > MAX_STEPS {
            return Err(format!("{} steps: at most {MAX_STEPS} are accepted", self.steps.len()));
        }
        for (i, step) in self.steps.iter().enumerate() {
            if step.at > MAX_UNTIL_MS {
                return Err(format!("steps[{i}]: at = {} ms is out of range: accepted 0..={MAX_UNTIL_MS}", step.at));
            }
            self.check_action(&step.action).map_err(|e| format!("steps[{i}] (at {} ms): {e}", step.at))?;
        }
        Ok(())
    }

    /// A run to `until` must end within [`MAX_UNTIL_MS`] (what `cap run` checks; the
    /// playground's own worlds are open-ended, `until` far away, and run while the reader
    /// watches, so `validate` leaves `until` alone).
    pub fn check_run_length(&self) -> Result<(), String> {
        if self.until > MAX_UNTIL_MS {
            return Err(format!("until = {} ms is out of range: accepted 0..={MAX_UNTIL_MS} (100 hours)", self.until));
        }
        Ok(())
    }

    /// This scenario's schedule `times` times back to back (`cap run --repeat`): the steps again
    /// every `until` ms, the end at `times × until`; the workload runs throughout.
    pub fn repeated(&self, times: u32) -> Result<Scenario, String> {
        let too_long = || {
            format!(
                "--repeat {times}: {} × {} ms is longer than the {MAX_UNTIL_MS} ms (100 hours) a run may last",
                times, self.until
            )
        };
        if times == 0 {
            return Err("--repeat needs at least 1".into());
        }
        let until = self.until.checked_mul(times as u64).filter(|u| *u <= MAX_UNTIL_MS).ok_or_else(too_long)?;
        if self.steps.len().saturating_mul(times as usize) > MAX_STEPS {
            return Err(format!(
                "--repeat {times}: {} × {} steps is more than the {MAX_STEPS} a scenario may have",
                times,
                self.steps.len()
            ));
        }
        let mut s = self.clone();
        s.until = until;
        s.steps = (0..times as u64)
            .flat_map(|k| {
                self.steps.iter().map(move |st| Step { at: st.at + k * self.until, action: st.action.clone() })
            })
            .filter(|st| st.at <= MAX_UNTIL_MS)
            .collect();
        s.validate()?;
        Ok(s)
    }

    fn check_node(&self, n: u32, what: &str) -> Result<(), String> {
        if n >= self.nodes {
            return Err(format!("{what}: node {n} does not exist: accepted 0..={}", self.nodes - 1));
        }
        Ok(())
    }

    fn check_client(&self, c: u32, what: &str) -> Result<(), String> {
        if c as usize >= self.clients.len() {
            return Err(if self.clients.is_empty() {
                format!("{what}: client {c} does not exist: this scenario has no clients")
            } else {
                format!("{what}: client {c} does not exist: accepted 0..={}", self.clients.len() - 1)
            });
        }
        Ok(())
    }

    fn check_member(&self, m: Member) -> Result<(), String> {
        match m {
            Member::Node(n) => self.check_node(n, "member"),
            Member::Client(c) => self.check_client(c, "member"),
        }
    }

    /// Validate one action against this cluster's size and clients.
    pub fn check_action(&self, a: &Action) -> Result<(), String> {
        match a {
            Action::Partition { groups } => {
                let mut seen: Vec<Member> = Vec::new();
                for m in groups.iter().flatten() {
                    self.check_member(*m)?;
                    if seen.contains(m) {
                        return Err(format!("{m} appears in two partition groups"));
                    }
                    seen.push(*m);
                }
                Ok(())
            }
            Action::Heal | Action::DropMessage { .. } | Action::Configure { .. } => Ok(()),
            Action::Cut { from, to } | Action::DropNext { from, to } | Action::DuplicateNext { from, to } => {
                self.check_member(*from)?;
                self.check_member(*to)
            }
            Action::Crash { node } | Action::Restart { node } | Action::Timeout { node } => {
                self.check_node(*node, "node")
            }
            // The operation itself is checked by the protocol that runs it (`Sim::check_action`).
            Action::Client { client, .. } => self.check_client(*client, "client"),
            Action::MoveClient { client, node } => {
                self.check_client(*client, "client")?;
                self.check_node(*node, "node")
            }
            Action::Deliver { .. } | Action::FireTimer { .. } | Action::ClientTimer { .. }
                if self.schedule != Schedule::Explicit =>
            {
                Err("deliver, fire_timer and client_timer need \"schedule\": \"explicit\" (in a timed run the clock delivers messages and fires timers)".into())
            }
            Action::Deliver { .. } => Ok(()),
            Action::FireTimer { node, .. } => self.check_node(*node, "node"),
            Action::ClientTimer { client, timer } => {
                self.check_client(*client, "client")?;
                match timer.as_str() {
                    "retry" | "timeout" => Ok(()),
                    other => Err(format!("client timer '{other}' does not exist: accepted retry, timeout")),
                }
            }
        }
    }
}

/// One line for an action: `partition n0 n1 c0 | n2 n3 n4 c1`, `crash n2`, `c0: write x=3`.
/// `label` names a client operation in the protocol's vocabulary (the registry's `AnySim::op_label`).
pub fn describe(a: &Action, label: impl Fn(&OpText) -> String) -> String {
    match a {
        Action::Partition { groups } => format!(
            "partition {}",
            groups
                .iter()
                .map(|g| g.iter().map(|m| m.to_string()).collect::<Vec<_>>().join(" "))
                .collect::<Vec<_>>()
                .join(" | ")
        ),
        Action::Heal => "heal".into(),
        Action::Cut { from, to } => format!("cut {from} → {to}"),
        Action::Crash { node } => format!("crash n{node}"),
        Action::Restart { node } => format!("restart n{node}"),
        Action::Timeout { node } => format!("time out n{node}"),
        Action::Client { client, op } => format!("c{client}: {}", label(op)),
        Action::DropNext { from, to } => format!("drop the next {from} → {to}"),
        Action::DuplicateNext { from, to } => format!("duplicate the next {from} → {to}"),
        Action::MoveClient { client, node } => format!("move c{client} to n{node}"),
        Action::DropMessage { id } => format!("drop message {id}"),
        Action::Configure { config } => format!("configure {}", config.0.get()),
        Action::Deliver { id } => format!("deliver message {id}"),
        Action::FireTimer { node, timer } => format!("fire n{node}'s {timer} timer"),
        Action::ClientTimer { client, timer } => format!("fire c{client}'s {timer} timer"),
    }
}
