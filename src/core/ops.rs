//! Client operations: the register vocabulary every replicated protocol serves ([`ClientOp`],
//! [`ClientResult`], applied by [`KvStore`]), and the two traits through which a protocol brings
//! a vocabulary of its own ([`ClientOperation`], [`ClientReply`]).
//!
//! **The decision.** Each protocol names its operation type (`Protocol::Op`). Raft, Paxos,
//! Multi-Paxos, ZAB and Dynamo use [`ClientOp`] itself; two-phase commit's operation is "a
//! register operation or a transfer between two accounts" and lives in `protocol/twopc/`. The
//! simulator, the clients and the history are generic over the type; everything that judges
//! registers (the linearizability checker, the stale-read rule, the Porcupine export) sees an
//! operation through its projection [`ClientOperation::as_register`], so that code stays
//! non-generic and simply skips what is not a register operation (a transfer, which 2PC's own
//! invariants judge). A scenario file keeps one JSON shape for operations
//! (`{"f": "write", "key": "x", "value": 3}`); each vocabulary parses it with the same messages,
//! writes itself into share links with the same codes (0 read, 1 write, 2 cas, 3 transfer), and
//! can draw its own operations for a workload.

use super::{NodeId, Value};
use crate::core::vecmap::VecMap;
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;

/// A client operation on the replicated key-value register store.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case", try_from = "RawOp")]
pub enum ClientOp {
    /// Read the value under `key` (`None` when never written).
    Read { key: String },
    /// Overwrite `key` with `value`.
    Write { key: String, value: Value },
    /// Set `key` to `to` only if it currently holds `from`.
    Cas { key: String, from: Value, to: Value },
}

/// The flat JSON shape of a [`ClientOp`]. Parsing through a plain struct rather than serde's
/// internally tagged enums avoids serde's buffering deserializer, which costs wasm size.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOp {
    f: String,
    key: Option<String>,
    value: Option<Value>,
    from: Option<Value>,
    to: Option<Value>,
}

impl TryFrom<RawOp> for ClientOp {
    type Error = String;
    fn try_from(r: RawOp) -> Result<ClientOp, String> {
        let fields = RegisterFields { f: r.f, key: r.key, value: r.value, from: r.from, to: r.to, other: false };
        fields.into_op(REGISTER_NAMES, REGISTER_SHAPES)
    }
}

/// The register operations' names.
pub const REGISTER_NAMES: &[&str] = &["read", "write", "cas"];
/// The register operations' fields, for messages.
pub const REGISTER_SHAPES: &str = "read: key; write: key, value; cas: key, from, to";

/// The fields of the JSON op shape a register operation takes, already read (a vocabulary with
/// more operations reads its own fields first, then hands these over).
pub struct RegisterFields {
    /// The operation's name.
    pub f: String,
    /// `key`.
    pub key: Option<String>,
    /// `value`.
    pub value: Option<Value>,
    /// `from` (a number for `cas`).
    pub from: Option<Value>,
    /// `to` (a number for `cas`).
    pub to: Option<Value>,
    /// A field of the wider vocabulary was given too (e.g. 2PC's `amount`).
    pub other: bool,
}

impl RegisterFields {
    /// The register operation these fields describe. `names` and `shapes` are the whole
    /// vocabulary's, for the messages ("accepted read, write, cas, transfer").
    pub fn into_op(self, names: &[&str], shapes: &str) -> Result<ClientOp, String> {
        let f = self.f.as_str();
        let need = |v: Option<Value>, name: &str| v.ok_or(format!("operation '{f}' needs `{name}`"));
        let key = || self.key.clone().ok_or(format!("operation '{f}' needs `key`"));
        let op = match f {
            "read" => ClientOp::Read { key: key()? },
            "write" => ClientOp::Write { key: key()?, value: need(self.value, "value")? },
            "cas" => ClientOp::Cas { key: key()?, from: need(self.from, "from")?, to: need(self.to, "to")? },
            other => return Err(format!("unknown operation '{other}': accepted {}", names.join(", "))),
        };
        let extra = self.other
            || match &op {
                ClientOp::Read { .. } => self.value.is_some() || self.from.is_some() || self.to.is_some(),
                ClientOp::Write { .. } => self.from.is_some() || self.to.is_some(),
                ClientOp::Cas { .. } => self.value.is_some(),
            };
        if extra {
            return Err(format!("operation '{f}' given a field it does not take ({shapes})"));
        }
        Ok(op)
    }
}

impl ClientOp {
    /// The key this operation touches.
    pub fn key(&self) -> &str {
        match self {
            ClientOp::Read { key } | ClientOp::Write { key, .. } | ClientOp::Cas { key, .. } => key,
        }
    }
    /// True for operations that may change state (writes and compare-and-set).
    pub fn is_mutation(&self) -> bool {
        !matches!(self, ClientOp::Read { .. })
    }
    /// Short human label, e.g. `write x=3`.
    pub fn label(&self) -> String {
        match self {
            ClientOp::Read { key } => format!("read {key}"),
            ClientOp::Write { key, value } => format!("write {key}={value}"),
            ClientOp::Cas { key, from, to } => format!("cas {key} {from}→{to}"),
        }
    }
}

/// A node's answer to a register operation.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "r", rename_all = "snake_case")]
pub enum ClientResult {
    /// A read completed with this value.
    ReadOk { value: Option<Value> },
    /// A write took effect.
    WriteOk,
    /// A compare-and-set took effect.
    CasOk,
    /// A compare-and-set ran and did not take effect (the current value differed).
    CasFailed { current: Option<Value> },
    /// This node cannot serve the request; try `leader` if known. Definitely not applied.
    Redirect { leader: Option<NodeId> },
    /// The node refused the request and did not apply it (e.g. lost leadership before commit
    /// was known never to happen). Definitely not applied.
    Unavailable { reason: String },
}

impl ClientResult {
    /// Short human label, e.g. `→ 3`, `ok`, `redirect to n2`.
    pub fn label(&self) -> String {
        match self {
            ClientResult::ReadOk { value } => format!("→ {}", nil(value)),
            ClientResult::WriteOk | ClientResult::CasOk => "ok".into(),
            ClientResult::CasFailed { current } => format!("cas failed, was {}", nil(current)),
            ClientResult::Redirect { leader: Some(l) } => format!("redirect to n{l}"),
            ClientResult::Redirect { leader: None } => "no leader known".into(),
            ClientResult::Unavailable { reason } => format!("unavailable: {reason}"),
        }
    }
}

fn nil(v: &Option<Value>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "nil".into())
}

/// Deterministic key-value state machine shared by the replicated protocols.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct KvStore {
    /// Current value of each key (ordered so iteration is deterministic).
    pub data: VecMap<String, Value>,
}

impl KvStore {
    /// Apply one operation and return its result, as every replica does in log order.
    pub fn apply(&mut self, op: &ClientOp) -> ClientResult {
        match op {
            ClientOp::Read { key } => ClientResult::ReadOk { value: self.data.get(key).copied() },
            ClientOp::Write { key, value } => {
                self.data.insert(key.clone(), *value);
                ClientResult::WriteOk
            }
            ClientOp::Cas { key, from, to } => {
                let current = self.data.get(key).copied();
                if current == Some(*from) {
                    self.data.insert(key.clone(), *to);
                    ClientResult::CasOk
                } else {
                    ClientResult::CasFailed { current }
                }
            }
        }
    }
}

/// Where an operation writes itself in a share link (the link's varint writer).
pub trait LinkWrite {
    /// An unsigned number.
    fn uint(&mut self, v: u64);
    /// A signed number.
    fn int(&mut self, v: i64);
    /// A text.
    fn text(&mut self, s: &str);
}

/// Where an operation reads itself from a share link; errors say where the link is wrong.
pub trait LinkRead {
    /// An unsigned number.
    fn uint(&mut self) -> Result<u64, String>;
    /// A signed number.
    fn int(&mut self) -> Result<i64, String>;
    /// A text.
    fn text(&mut self) -> Result<String, String>;
}

/// The simulator's random draws, as a protocol's vocabulary or sweep profile asks for them
/// (ranges; the simulator owns the generator, so the same seed draws the same numbers).
pub trait Draw {
    /// Uniform in `lo..=hi`.
    fn u32_in(&mut self, lo: u32, hi: u32) -> u32;
    /// Uniform in `lo..=hi`.
    fn u64_in(&mut self, lo: u64, hi: u64) -> u64;
    /// Uniform in `lo..=hi`.
    fn value_in(&mut self, lo: Value, hi: Value) -> Value;
    /// Uniform in `0..n`.
    fn index(&mut self, n: usize) -> usize;
    /// True with probability `p`.
    fn chance(&mut self, p: f64) -> bool;
}

/// A vocabulary's own operation, named for messages: 2PC's is
/// `OwnOp { name: "transfer", one: "a multi-key transaction", many: "multi-key transactions" }`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct OwnOp {
    /// Its name (`f`), also the workload weight that draws it.
    pub name: &'static str,
    /// What one is, e.g. "a multi-key transaction".
    pub one: &'static str,
    /// What they are, e.g. "multi-key transactions".
    pub many: &'static str,
}

/// A protocol's vocabulary of client operations (see the module docs).
pub trait ClientOperation:
    Clone + Debug + PartialEq + Eq + Hash + Serialize + DeserializeOwned + From<ClientOp> + 'static
{
    /// What a node answers.
    type Result: ClientReply;
    /// The operation names (`f`) this vocabulary accepts.
    const NAMES: &'static [&'static str];
    /// The share-link operation codes, for messages.
    const LINK_CODES: &'static str;
    /// Every operation is a register operation: the register checkers judge the whole history.
    const REGISTER_ONLY: bool;
    /// The vocabulary's own operation, drawn for a workload's `transfer` weight; `None` when it
    /// has none (the register vocabulary).
    const OWN: Option<OwnOp> = None;

    /// The register operation this is, if it is one (the register checkers' projection).
    fn as_register(&self) -> Option<&ClientOp>;
    /// Short human label, e.g. `write x=3`, `transfer 10 A→B`.
    fn label(&self) -> String;
    /// The key it touches (a transfer: the account it debits).
    fn key(&self) -> &str;
    /// Every key it touches.
    fn keys(&self) -> Vec<&str>;
    /// True for operations that may change state.
    fn is_mutation(&self) -> bool;
    /// Its Jepsen EDN `:f` and invoke `:value` (after the key), e.g. `("cas", "[1 2]")`;
    /// `quote` writes a text as an EDN string.
    fn jepsen(&self, quote: fn(&str) -> String) -> (&'static str, String);
    /// Write it into a share link: its operation code, then its fields.
    fn write_link(&self, w: &mut dyn LinkWrite);
    /// Read one from a share link, given its operation code; `None` for an unknown code.
    fn read_link(code: u64, r: &mut dyn LinkRead) -> Result<Option<Self>, String>;
    /// The workload's name for key number `i` when it draws this vocabulary's own operations
    /// (2PC's bank accounts `A`, `B`, …); the register keys `x`, `y`, `z`, `k3`, … otherwise.
    fn workload_key(i: u32) -> String {
        key_name(i)
    }
    /// Draw this vocabulary's own operation over `keys` workload keys with values up to `max`
    /// (called only when [`ClientOperation::OWN`] is set).
    fn draw_own(_draw: &mut dyn Draw, _keys: u32, _max: Value) -> Option<Self> {
        None
    }

    /// Parse the scenario's JSON op shape; the message says what was wrong and what is accepted.
    fn from_json(text: &str) -> Result<Self, String> {
        serde_json::from_str(text).map_err(|e| without_position(e.to_string()))
    }
}

/// A protocol's answers to its client operations. They are read back from JSON too
/// (`DeserializeOwned`): the history exporters work from a run's history JSON
/// (`Operation::to_json`) in their own bundle (`pkg/export/`), which has no running simulation.
pub trait ClientReply:
    Clone + Debug + PartialEq + Eq + Hash + Serialize + DeserializeOwned + From<ClientResult> + 'static
{
    /// The register answer this is, if it is one (the register checkers' projection).
    fn as_register(&self) -> Option<&ClientResult>;
    /// Short human label, e.g. `→ 3`, `ok`, `aborted: …`.
    fn label(&self) -> String;
    /// It ran and definitely did not take effect (a compare-and-set whose comparison failed, an
    /// aborted transaction): the history records `fail` with this answer.
    fn failed(&self) -> bool;
    /// What the client shows after its ✓ / ✕, e.g. `→ 3`, `failed, was 2`, `ok`.
    fn outcome_text(&self) -> String;
}

impl ClientOperation for ClientOp {
    type Result = ClientResult;
    const NAMES: &'static [&'static str] = REGISTER_NAMES;
    const LINK_CODES: &'static str = "0 read, 1 write, 2 cas";
    const REGISTER_ONLY: bool = true;

    fn as_register(&self) -> Option<&ClientOp> {
        Some(self)
    }
    fn label(&self) -> String {
        ClientOp::label(self)
    }
    fn key(&self) -> &str {
        ClientOp::key(self)
    }
    fn keys(&self) -> Vec<&str> {
        vec![ClientOp::key(self)]
    }
    fn is_mutation(&self) -> bool {
        ClientOp::is_mutation(self)
    }
    fn jepsen(&self, _quote: fn(&str) -> String) -> (&'static str, String) {
        match self {
            ClientOp::Read { .. } => ("read", "nil".to_string()),
            ClientOp::Write { value, .. } => ("write", value.to_string()),
            ClientOp::Cas { from, to, .. } => ("cas", format!("[{from} {to}]")),
        }
    }
    fn write_link(&self, w: &mut dyn LinkWrite) {
        match self {
            ClientOp::Read { key } => {
                w.uint(0);
                w.text(key);
            }
            ClientOp::Write { key, value } => {
                w.uint(1);
                w.text(key);
                w.int(*value);
            }
            ClientOp::Cas { key, from, to } => {
                w.uint(2);
                w.text(key);
                w.int(*from);
                w.int(*to);
            }
        }
    }
    fn read_link(code: u64, r: &mut dyn LinkRead) -> Result<Option<Self>, String> {
        Ok(Some(match code {
            0 => ClientOp::Read { key: r.text()? },
            1 => ClientOp::Write { key: r.text()?, value: r.int()? },
            2 => ClientOp::Cas { key: r.text()?, from: r.int()?, to: r.int()? },
            _ => return Ok(None),
        }))
    }
}

impl ClientReply for ClientResult {
    fn as_register(&self) -> Option<&ClientResult> {
        Some(self)
    }
    fn label(&self) -> String {
        ClientResult::label(self)
    }
    fn failed(&self) -> bool {
        matches!(self, ClientResult::CasFailed { .. })
    }
    fn outcome_text(&self) -> String {
        match self {
            ClientResult::ReadOk { value } => format!("→ {}", nil(value)),
            ClientResult::CasFailed { current } => format!("failed, was {}", nil(current)),
            _ => "ok".into(),
        }
    }
}

/// The answer type of an operation vocabulary.
pub type ResultOf<O> = <O as ClientOperation>::Result;

/// Name of workload key number `i`: `x`, `y`, `z`, then `k3`, ….
pub fn key_name(i: u32) -> String {
    match i {
        0 => "x".into(),
        1 => "y".into(),
        2 => "z".into(),
        i => format!("k{i}"),
    }
}

/// serde_json's message without its " at line L column C" (the position in a small op text
/// says nothing; the caller names where the op is).
pub fn without_position(msg: String) -> String {
    match msg.rfind(" at line ") {
        Some(i) if msg[i..].contains(" column ") => msg[..i].to_string(),
        _ => msg,
    }
}

/// The JSON op shape of one operation of vocabulary `O`, re-encoded (e.g. for a scenario step).
pub fn to_json<O: ClientOperation>(op: &O) -> String {
    serde_json::to_string(op).unwrap_or_default()
}
