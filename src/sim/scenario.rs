//! Scenario files: a run as data. Protocol, cluster size, seed, protocol/network config, clients,
//! workload, timed steps and `until`. The same file gives the same run natively, in tests and in
//! the browser. Unknown fields are rejected with a message naming what is accepted.

use crate::protocol::{ClientOp, Time, Value};
use serde::{Deserialize, Serialize};

/// Protocols a scenario may name.
pub const PROTOCOLS: &[&str] = &["raft"];

/// A complete, reproducible run description.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Scenario {
    /// Human title shown in pickers.
    #[serde(default)]
    pub name: String,
    /// One paragraph on what the scenario shows.
    #[serde(default, skip_serializing_if = "String::is_empty")]
    pub description: String,
    /// Protocol name, one of [`PROTOCOLS`].
    pub protocol: String,
    /// Number of servers (1..=9).
    pub nodes: u32,
    /// PRNG seed: the same seed gives the same run.
    #[serde(default = "default_seed")]
    pub seed: u64,
    /// Protocol settings (for Raft: [`crate::protocol::raft::RaftConfig`]).
    #[serde(default)]
    pub config: serde_json::Value,
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
        NetworkConfig {
            latency_ms: [10, 30],
            drop: 0.0,
            duplicate: 0.0,
        }
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
    /// Number of keys (`x`, `y`, `z`, then `k3`, …).
    pub keys: u32,
    /// Largest value written.
    pub max_value: Value,
    /// Start time in ms.
    pub start_ms: Time,
}

impl Default for Workload {
    fn default() -> Self {
        Workload {
            interval_ms: 300,
            read: 2,
            write: 2,
            cas: 1,
            keys: 1,
            max_value: 9,
            start_ms: 500,
        }
    }
}

/// Name of key number `i`.
pub fn key_name(i: u32) -> String {
    match i {
        0 => "x".into(),
        1 => "y".into(),
        2 => "z".into(),
        i => format!("k{i}"),
    }
}

/// A member of a partition group: a node id (number or `"n3"`) or a client (`"c1"`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(try_from = "MemberRepr", into = "String")]
pub enum Member {
    /// Server `n`.
    Node(u32),
    /// Client `c`.
    Client(u32),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MemberRepr {
    Num(u32),
    Str(String),
}

impl TryFrom<MemberRepr> for Member {
    type Error = String;
    fn try_from(m: MemberRepr) -> Result<Self, String> {
        match m {
            MemberRepr::Num(n) => Ok(Member::Node(n)),
            MemberRepr::Str(s) => Member::parse(&s),
        }
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
        let bad =
            || format!("'{s}' is not a node or client: use a node number, \"n<id>\" or \"c<id>\"");
        if let Some(rest) = s.strip_prefix('n') {
            rest.parse().map(Member::Node).map_err(|_| bad())
        } else if let Some(rest) = s.strip_prefix('c') {
            rest.parse().map(Member::Client).map_err(|_| bad())
        } else {
            s.parse().map(Member::Node).map_err(|_| bad())
        }
    }
}

/// A timed action. (Unknown fields are rejected by [`Action`]: serde cannot combine
/// `deny_unknown_fields` with `flatten` on the struct itself.)
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Step {
    /// Simulated time in ms at which the action happens.
    pub at: Time,
    /// What happens.
    #[serde(flatten)]
    pub action: Action,
}

/// Everything a scenario (or a reader in the browser) can do to the world.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
#[serde(tag = "action", rename_all = "snake_case", deny_unknown_fields)]
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
    /// A client issues an operation (queued if it has one outstanding).
    Client { client: u32, op: ClientOp },
    /// Drop the next message sent on the link `from → to`.
    DropNext { from: Member, to: Member },
    /// Deliver the next message sent on `from → to` twice.
    DuplicateNext { from: Member, to: Member },
    /// Attach a client to another node.
    MoveClient { client: u32, node: u32 },
    /// Drop one specific message in flight (by the id the frame shows).
    DropMessage { id: u64 },
}

/// Accepted action names, for error messages.
pub const ACTIONS: &str = "partition, heal, cut, crash, restart, timeout, client, drop_next, duplicate_next, move_client, drop_message";

impl Scenario {
    /// Parse and validate a scenario from JSON text; the error says what was wrong and what is
    /// accepted.
    pub fn from_json(text: &str) -> Result<Scenario, String> {
        let s: Scenario =
            serde_json::from_str(text).map_err(|e| format!("invalid scenario: {e}"))?;
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
            config: serde_json::Value::Null,
            network: NetworkConfig::default(),
            clients: vec![
                ClientSpec {
                    node: 0,
                    timeout_ms: default_timeout(),
                },
                ClientSpec {
                    node: nodes.saturating_sub(1),
                    timeout_ms: default_timeout(),
                },
            ],
            workload: None,
            steps: Vec::new(),
            until: default_until(),
            history_limit: default_history_limit(),
        }
    }

    /// Check ranges and ids; every problem is reported with what is accepted.
    pub fn validate(&self) -> Result<(), String> {
        if !PROTOCOLS.contains(&self.protocol.as_str()) {
            return Err(format!(
                "unknown protocol '{}': accepted protocols are {}",
                self.protocol,
                PROTOCOLS.join(", ")
            ));
        }
        if !(1..=9).contains(&self.nodes) {
            return Err(format!(
                "nodes = {} is out of range: accepted 1..=9",
                self.nodes
            ));
        }
        let [lo, hi] = self.network.latency_ms;
        if lo > hi || hi > 60_000 {
            return Err(format!(
                "network.latency_ms [{lo}, {hi}] is invalid: need min <= max <= 60000"
            ));
        }
        for (name, p) in [
            ("drop", self.network.drop),
            ("duplicate", self.network.duplicate),
        ] {
            if !(0.0..=1.0).contains(&p) {
                return Err(format!(
                    "network.{name} = {p} is not a probability: accepted 0.0..=1.0"
                ));
            }
        }
        if self.clients.len() > 16 {
            return Err(format!(
                "{} clients: at most 16 are accepted",
                self.clients.len()
            ));
        }
        for (i, c) in self.clients.iter().enumerate() {
            self.check_node(c.node, &format!("clients[{i}].node"))?;
            if c.timeout_ms == 0 {
                return Err(format!("clients[{i}].timeout_ms must be at least 1"));
            }
        }
        if let Some(w) = &self.workload {
            if w.read + w.write + w.cas == 0 {
                return Err("workload: read, write and cas weights are all 0".into());
            }
            if w.keys == 0 || w.keys > 26 {
                return Err(format!("workload.keys = {}: accepted 1..=26", w.keys));
            }
            if w.interval_ms == 0 {
                return Err("workload.interval_ms must be at least 1".into());
            }
        }
        for (i, step) in self.steps.iter().enumerate() {
            self.check_action(&step.action)
                .map_err(|e| format!("steps[{i}] (at {} ms): {e}", step.at))?;
        }
        Ok(())
    }

    fn check_node(&self, n: u32, what: &str) -> Result<(), String> {
        if n >= self.nodes {
            return Err(format!(
                "{what}: node {n} does not exist: accepted 0..={}",
                self.nodes - 1
            ));
        }
        Ok(())
    }

    fn check_client(&self, c: u32, what: &str) -> Result<(), String> {
        if c as usize >= self.clients.len() {
            return Err(if self.clients.is_empty() {
                format!("{what}: client {c} does not exist: this scenario has no clients")
            } else {
                format!(
                    "{what}: client {c} does not exist: accepted 0..={}",
                    self.clients.len() - 1
                )
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
                let mut seen = std::collections::BTreeSet::new();
                for m in groups.iter().flatten() {
                    self.check_member(*m)?;
                    if !seen.insert(*m) {
                        return Err(format!("{m} appears in two partition groups"));
                    }
                }
                Ok(())
            }
            Action::Heal | Action::DropMessage { .. } => Ok(()),
            Action::Cut { from, to }
            | Action::DropNext { from, to }
            | Action::DuplicateNext { from, to } => {
                self.check_member(*from)?;
                self.check_member(*to)
            }
            Action::Crash { node } | Action::Restart { node } | Action::Timeout { node } => {
                self.check_node(*node, "node")
            }
            Action::Client { client, .. } => self.check_client(*client, "client"),
            Action::MoveClient { client, node } => {
                self.check_client(*client, "client")?;
                self.check_node(*node, "node")
            }
        }
    }
}
