//! The protocol seam: every protocol is a pure, sans-IO state machine.
//!
//! A node never reads a clock, draws a random number or performs I/O. Each input arrives as a
//! call that carries `now` (simulated milliseconds):
//!
//! ```text
//!            start/restart(durable)        peer message      fired timer     client request
//!                     │                         │                 │                 │
//!                     ▼                         ▼                 ▼                 ▼
//!               ┌───────────────────────────── Protocol (one node) ─────────────────────────┐
//!               └───────────────────────────────────┬───────────────────────────────────────┘
//!                                                   ▼
//!                                           Outbox<P> (drained by the simulator)
//!         Send · SetTimer{min..max} · CancelTimer · Persist · Reply(client) · Notice(for the UI)
//! ```
//!
//! Randomness is requested as a range ("election timer in 150..300 ms") and drawn by the
//! simulator, so the same seed gives the same run everywhere (the lesson of etcd-raft's global
//! RNG, which we do not repeat). Client operations use one envelope ([`ClientOp`] /
//! [`ClientResult`]) for every protocol, as stateright does, so one linearizability checker and
//! one scoreboard serve Raft, Paxos, ZAB, 2PC and Dynamo alike.

pub mod dynamo;
pub mod paxos;
pub mod raft;
#[cfg(feature = "twopc")]
pub mod twopc;
pub mod zab;

use crate::core::vecmap::VecMap;
use serde::{Deserialize, Serialize};
use std::fmt::Debug;
use std::hash::Hash;

/// Simulated time in integer milliseconds.
pub type Time = u64;
/// A server's id: `0..nodes`.
pub type NodeId = u32;
/// A client's id: `0..clients`.
pub type ClientId = u32;
/// A client-chosen request id, unique per client.
pub type RequestId = u64;
/// A register value stored under a key.
pub type Value = i64;

/// A client operation on the replicated key-value store (one envelope for every protocol).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "f", rename_all = "snake_case", try_from = "RawOp")]
pub enum ClientOp {
    /// Read the value under `key` (`None` when never written).
    Read { key: String },
    /// Overwrite `key` with `value`.
    Write { key: String, value: Value },
    /// Set `key` to `to` only if it currently holds `from`.
    Cas { key: String, from: Value, to: Value },
    /// A multi-key transaction (two-phase commit only): move `amount` from account `from` to
    /// account `to`, atomically, or not at all. (Only with the `twopc` feature.)
    #[cfg(feature = "twopc")]
    Transfer { from: String, to: String, amount: Value },
}

/// A field that is a number for some operations and a key for others (`from` is a value in
/// `cas` and an account in `transfer`). Only with the `twopc` feature: its own `deserialize_any`
/// instantiation would cost every other bundle wasm size.
#[cfg(feature = "twopc")]
enum Scalar {
    Int(Value),
    Text(String),
}

#[cfg(feature = "twopc")]
impl<'de> Deserialize<'de> for Scalar {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Scalar, D::Error> {
        struct V;
        impl serde::de::Visitor<'_> for V {
            type Value = Scalar;
            fn expecting(&self, f: &mut std::fmt::Formatter) -> std::fmt::Result {
                f.write_str("a whole number or a key")
            }
            fn visit_i64<E: serde::de::Error>(self, n: i64) -> Result<Scalar, E> {
                Ok(Scalar::Int(n))
            }
            fn visit_u64<E: serde::de::Error>(self, n: u64) -> Result<Scalar, E> {
                i64::try_from(n).map(Scalar::Int).map_err(|_| E::custom(format!("{n} is too large")))
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Scalar, E> {
                Ok(Scalar::Text(s.to_string()))
            }
        }
        d.deserialize_any(V)
    }
}

/// The flat JSON shape of a [`ClientOp`]. Parsing through a plain struct rather than serde's
/// internally tagged enums avoids serde's buffering deserializer, which costs wasm size.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
struct RawOp {
    f: String,
    key: Option<String>,
    value: Option<Value>,
    from: Option<FromTo>,
    to: Option<FromTo>,
    #[cfg(feature = "twopc")]
    amount: Option<Value>,
}

#[cfg(feature = "twopc")]
type FromTo = Scalar;
#[cfg(not(feature = "twopc"))]
type FromTo = Value;

impl TryFrom<RawOp> for ClientOp {
    type Error = String;
    fn try_from(r: RawOp) -> Result<ClientOp, String> {
        const SHAPES: &str =
            "read: key; write: key, value; cas: key, from, to; transfer: from, to, amount (accounts, 2pc only)";
        let f = r.f.as_str();
        #[cfg(feature = "twopc")]
        let num = |v: &Option<Scalar>, name: &str| match v {
            Some(Scalar::Int(n)) => Ok(*n),
            Some(Scalar::Text(t)) => Err(format!("operation '{f}' needs `{name}` to be a number, not \"{t}\"")),
            None => Err(format!("operation '{f}' needs `{name}`")),
        };
        #[cfg(not(feature = "twopc"))]
        let num = |v: &Option<Value>, name: &str| v.ok_or(format!("operation '{f}' needs `{name}`"));
        #[cfg(feature = "twopc")]
        let text = |v: &Option<Scalar>, name: &str| match v {
            Some(Scalar::Text(t)) if !t.is_empty() => Ok(t.clone()),
            Some(_) => Err(format!("operation '{f}' needs `{name}` to be an account name such as \"A\"")),
            None => Err(format!("operation '{f}' needs `{name}`")),
        };
        let need = |v: Option<Value>, name: &str| v.ok_or(format!("operation '{f}' needs `{name}`"));
        let key = || r.key.clone().ok_or(format!("operation '{f}' needs `key`"));
        let op = match f {
            "read" => ClientOp::Read { key: key()? },
            "write" => ClientOp::Write { key: key()?, value: need(r.value, "value")? },
            "cas" => ClientOp::Cas { key: key()?, from: num(&r.from, "from")?, to: num(&r.to, "to")? },
            #[cfg(feature = "twopc")]
            "transfer" => {
                let (from, to, amount) = (text(&r.from, "from")?, text(&r.to, "to")?, need(r.amount, "amount")?);
                if amount <= 0 {
                    return Err(format!("transfer amount {amount} must be a positive whole number"));
                }
                if from == to {
                    return Err(format!("transfer from {from} to itself: `from` and `to` must differ"));
                }
                ClientOp::Transfer { from, to, amount }
            }
            other => return Err(format!("unknown operation '{other}': accepted read, write, cas, transfer")),
        };
        #[cfg(feature = "twopc")]
        let amount = r.amount.is_some();
        #[cfg(not(feature = "twopc"))]
        let amount = false;
        let extra = match &op {
            ClientOp::Read { .. } => r.value.is_some() || r.from.is_some() || r.to.is_some() || amount,
            ClientOp::Write { .. } => r.from.is_some() || r.to.is_some() || amount,
            ClientOp::Cas { .. } => r.value.is_some() || amount,
            #[cfg(feature = "twopc")]
            ClientOp::Transfer { .. } => r.key.is_some() || r.value.is_some(),
        };
        if extra {
            return Err(format!("operation '{f}' given a field it does not take ({SHAPES})"));
        }
        Ok(op)
    }
}

impl ClientOp {
    /// The key this operation touches (a transfer: the account it debits).
    pub fn key(&self) -> &str {
        match self {
            ClientOp::Read { key } | ClientOp::Write { key, .. } | ClientOp::Cas { key, .. } => key,
            #[cfg(feature = "twopc")]
            ClientOp::Transfer { from, .. } => from,
        }
    }
    /// True for an operation on more than one key (a transaction the register checkers do not
    /// model).
    pub fn is_multi_key(&self) -> bool {
        #[cfg(feature = "twopc")]
        return matches!(self, ClientOp::Transfer { .. });
        #[cfg(not(feature = "twopc"))]
        false
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
            #[cfg(feature = "twopc")]
            ClientOp::Transfer { from, to, amount } => format!("transfer {amount} {from}→{to}"),
        }
    }
}

/// A node's answer to a client request.
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
    /// A transaction was aborted (a participant voted No, or the coordinator gave up on a vote):
    /// definitely not applied; the client does not retry it. (Only with the `twopc` feature.)
    #[cfg(feature = "twopc")]
    Aborted { reason: String },
}

impl ClientResult {
    /// Short human label, e.g. `→ 3`, `ok`, `redirect to n2`.
    pub fn label(&self) -> String {
        let v = |v: &Option<Value>| v.map(|v| v.to_string()).unwrap_or_else(|| "nil".into());
        match self {
            ClientResult::ReadOk { value } => format!("→ {}", v(value)),
            ClientResult::WriteOk | ClientResult::CasOk => "ok".into(),
            ClientResult::CasFailed { current } => format!("cas failed, was {}", v(current)),
            ClientResult::Redirect { leader: Some(l) } => format!("redirect to n{l}"),
            ClientResult::Redirect { leader: None } => "no leader known".into(),
            ClientResult::Unavailable { reason } => format!("unavailable: {reason}"),
            #[cfg(feature = "twopc")]
            ClientResult::Aborted { reason } => format!("aborted: {reason}"),
        }
    }
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
            #[cfg(feature = "twopc")]
            ClientOp::Transfer { from, to, amount } => match self.data.get(from).copied() {
                Some(b) if b >= *amount => {
                    self.data.insert(from.clone(), b - amount);
                    *self.data.get_or_insert_with(to.clone(), || 0) += amount;
                    ClientResult::WriteOk
                }
                b => ClientResult::Aborted { reason: format!("insufficient funds: {from} holds {}", b.unwrap_or(0)) },
            },
        }
    }
}

pub use crate::core::notice::{Notice, NoticeKind};

/// One command a node leaves for the simulator.
#[derive(Clone, Debug)]
pub enum Output<P: Protocol> {
    /// Send `msg` to peer `to` over the simulated network.
    Send { to: NodeId, msg: P::Msg },
    /// (Re)arm timer `timer` to fire after a duration drawn uniformly from `min..=max` ms.
    SetTimer { timer: P::Timer, min: Time, max: Time },
    /// Disarm timer `timer` (no-op when not armed).
    CancelTimer { timer: P::Timer },
    /// Durable state changed and was written to stable storage before any later output.
    Persist,
    /// Answer client `client`'s request `request`.
    Reply { client: ClientId, request: RequestId, result: ClientResult },
    /// A semantic event for the UI and the trace.
    Notice(Notice),
}

/// The buffer a node writes its outputs into; the simulator drains it after every input.
#[derive(Clone)]
pub struct Outbox<P: Protocol> {
    items: Vec<Output<P>>,
}

impl<P: Protocol> Default for Outbox<P> {
    fn default() -> Self {
        Outbox { items: Vec::new() }
    }
}

impl<P: Protocol> Outbox<P> {
    /// An empty outbox.
    pub fn new() -> Self {
        Self::default()
    }
    /// Queue a message to a peer.
    pub fn send(&mut self, to: NodeId, msg: P::Msg) {
        self.items.push(Output::Send { to, msg });
    }
    /// Arm a timer with a randomised duration in `min..=max` ms.
    pub fn set_timer(&mut self, timer: P::Timer, min: Time, max: Time) {
        self.items.push(Output::SetTimer { timer, min, max });
    }
    /// Disarm a timer.
    pub fn cancel_timer(&mut self, timer: P::Timer) {
        self.items.push(Output::CancelTimer { timer });
    }
    /// Record that durable state was written.
    pub fn persist(&mut self) {
        self.items.push(Output::Persist);
    }
    /// Answer a client.
    pub fn reply(&mut self, client: ClientId, request: RequestId, result: ClientResult) {
        self.items.push(Output::Reply { client, request, result });
    }
    /// Emit a semantic event.
    pub fn notice(&mut self, kind: NoticeKind, term: Option<u64>, text: String) {
        self.items.push(Output::Notice(Notice { kind, term, text }));
    }
    /// Take everything queued so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Output<P>> {
        self.items.drain(..)
    }
    /// Outputs queued so far (for tests).
    pub fn items(&self) -> &[Output<P>] {
        &self.items
    }
}

/// What a message looks like to the renderer: its name as in the paper and whether it is a reply.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct MsgInfo {
    /// Name as the paper spells it, e.g. `RequestVote`, `AppendEntriesResponse`.
    pub kind: &'static str,
    /// Replies are drawn hollow, requests filled.
    pub is_reply: bool,
    /// Short description of the fields, e.g. `term 3, 2 entries, commit 7`.
    pub detail: String,
}

/// One log entry as the renderer shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LogEntryView {
    /// 1-based log index.
    pub index: u64,
    /// Term (or epoch / ballot) the entry was created in.
    pub term: u64,
    /// What the entry carries, e.g. `write x=3` or `no-op`.
    pub text: String,
    /// Known committed by this node.
    pub committed: bool,
}

/// Per-peer replication progress as a leader sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PeerProgress {
    /// The peer.
    pub id: NodeId,
    /// Next log index to send to it.
    pub next_index: u64,
    /// Highest index known replicated on it.
    pub match_index: u64,
}

/// A protocol-neutral picture of one node, for the renderer, the CLI output and the scoreboard.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct NodeView {
    /// Role as the paper names it: `follower`, `candidate`, `leader`, ….
    pub role: String,
    /// Current term / epoch.
    pub term: u64,
    /// Who this node voted for in `term`.
    pub voted_for: Option<NodeId>,
    /// The leader this node believes in.
    pub leader: Option<NodeId>,
    /// Highest index known committed.
    pub commit_index: u64,
    /// Index of the last entry covered by the snapshot (0 when none).
    pub snapshot_index: u64,
    /// Last index in the log.
    pub last_index: u64,
    /// The tail of the log (at most the last [`NodeView::LOG_TAIL`] entries).
    pub log: Vec<LogEntryView>,
    /// Replication progress, for a leader.
    pub peers: Vec<PeerProgress>,
    /// Votes granted to this node in the current election, for a candidate.
    pub votes: Vec<NodeId>,
    /// Applied key-value state.
    pub kv: VecMap<String, Value>,
    /// Dynamo only: ring tokens, per-key versions and siblings, hints held.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub dynamo: Option<dynamo::DynamoView>,
    /// Paxos and Multi-Paxos only: role badges, ballots, the per-slot table.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub paxos: Option<paxos::PaxosView>,
    /// ZAB only: phase, server state, vote, epochs and the history with its committed prefix.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub zab: Option<zab::ZabView>,
    /// Two-phase commit only: role, balances, per-transaction state, locks, blocking, the log.
    /// (Only in builds with the `twopc` feature, so other bundles carry none of its code.)
    #[cfg(feature = "twopc")]
    #[serde(skip_serializing_if = "Option::is_none")]
    pub twopc: Option<twopc::TwoPcView>,
}

impl NodeView {
    /// How many log entries a view carries at most.
    pub const LOG_TAIL: usize = 24;
}

/// A pure, sans-IO protocol node.
pub trait Protocol: Sized + Clone {
    /// Peer-to-peer message.
    type Msg: Clone + Debug + Hash;
    /// Timer names (a node has at most one armed timer per name).
    type Timer: Clone + Debug + Ord + Hash;
    /// State that survives a crash.
    type Durable: Clone + Debug;
    /// Protocol configuration (from the scenario file).
    type Config: Clone + Debug + serde::de::DeserializeOwned;

    /// Protocol name as used in scenario files (`raft`, `paxos`, …).
    const NAME: &'static str;

    /// Start node `id` of a cluster of `n`, fresh (`durable = None`) or restarting from its
    /// durable state after a crash; volatile state is always rebuilt from scratch.
    fn start(
        id: NodeId,
        n: u32,
        config: &Self::Config,
        durable: Option<Self::Durable>,
        now: Time,
        out: &mut Outbox<Self>,
    ) -> Self;
    /// A peer's message arrived.
    fn on_message(&mut self, now: Time, from: NodeId, msg: Self::Msg, out: &mut Outbox<Self>);
    /// A timer fired.
    fn on_timer(&mut self, now: Time, timer: Self::Timer, out: &mut Outbox<Self>);
    /// A client request arrived.
    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>);
    /// Replace the settings of a running node (the reader's sliders). Protocols whose settings
    /// cannot change mid-run refuse, saying so.
    fn reconfigure(&mut self, _now: Time, _config: &Self::Config, _out: &mut Outbox<Self>) -> Result<(), String> {
        Err(format!("{} cannot change its settings while running: reload the scenario instead", Self::NAME))
    }
    /// The durable state as last persisted (what survives a crash).
    fn durable(&self) -> Self::Durable;
    /// The timer a reader's "time out" button fires (e.g. Raft's election timer).
    fn timeout_timer(&self) -> Option<Self::Timer>;
    /// Renderer/CLI view of this node.
    fn view(&self) -> NodeView;
    /// A deterministic estimate of the heap bytes this node holds in what grows with a run (logs,
    /// accepted values, decisions), for time travel's checkpoint budget (`Sim::approx_bytes`);
    /// 0 for state that stays small.
    fn approx_bytes(&self) -> usize {
        0
    }
    /// Renderer view of a message.
    fn msg_info(msg: &Self::Msg) -> MsgInfo;
}

/// One server as the world holds it and the invariant checkers read it: the running state
/// machine, and what a crash leaves of it.
#[derive(Clone, Debug)]
pub struct Server<P: Protocol> {
    /// The running state machine; `None` while crashed.
    pub node: Option<P>,
    /// The durable state a restart starts from (captured when the node crashed).
    pub durable: Option<P::Durable>,
}

impl<P: Protocol> Server<P> {
    /// A running node with nothing persisted yet.
    pub fn running(node: P) -> Self {
        Server { node: Some(node), durable: None }
    }
}

/// Safety invariants of a protocol, checked by the simulator after every event that touched a
/// node. The checker (in the protocol's `invariants.rs`) keeps whatever memory it needs (e.g.
/// which leader it saw in each term).
pub trait Invariants: Protocol {
    /// The checker's state.
    type Checker: InvariantChecker<Self>;
}

/// A stateful checker for protocol `P`: it reads the servers, never changes them.
pub trait InvariantChecker<P: Protocol>: Default + Clone {
    /// Quiet time (ms) a run needs at its end before [`InvariantChecker::at_rest`] can judge it:
    /// workload stopped, network healed (see `Sim::settle`). 0: no end-of-run invariants.
    const SETTLE_MS: Time = 0;
    /// Check after an event at node `touched`; returns `(invariant name, what was seen)` pairs.
    fn check(&mut self, now: Time, touched: NodeId, nodes: &[Server<P>]) -> Vec<(String, String)>;
    /// End-of-run invariants (e.g. Dynamo's convergence), checked once after the quiet time.
    fn at_rest(&mut self, _now: Time, _nodes: &[Server<P>]) -> Vec<(String, String)> {
        Vec::new()
    }
    /// Node `id` crashed.
    fn on_crash(&mut self, _id: NodeId) {}
    /// Node `id` restarted from its durable state.
    fn on_restart(&mut self, _id: NodeId) {}
}
