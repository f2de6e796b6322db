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
//! Durability is explicit: a node's durable fields reach stable storage only when it emits
//! `Persist(durable)` ([`Output::Persist`]) with them as they stand at that point; the simulator
//! keeps the last such copy per node, and a crash restarts the node from it, so a protocol that
//! forgets to persist before it replies loses the change after a power cut, as a real server
//! would.
//!
//! Randomness is requested as a range ("election timer in 150..300 ms") and drawn by the
//! simulator, so the same seed gives the same run everywhere (the lesson of etcd-raft's global
//! RNG, which we do not repeat). Each protocol names the client operations it serves
//! (`Protocol::Op`): the register vocabulary ([`ClientOp`] / [`ClientResult`]) for Raft, Paxos,
//! ZAB and Dynamo, a vocabulary of its own for 2PC (transfers); the register checkers and the
//! scoreboard read any of them through its register projection (see `core::ops`).

pub mod dynamo;
pub mod paxos;
pub mod raft;
pub mod threepc;
pub mod twopc;
pub mod zab;

use crate::core::history::Json;
use crate::core::vecmap::VecMap;
use serde::Serialize;
use std::fmt::Debug;
use std::hash::Hash;

pub use crate::core::notice::{Notice, NoticeKind};
pub use crate::core::ops::{ClientOp, ClientOperation, ClientReply, ClientResult, KvStore, ResultOf};
pub use crate::core::{ClientId, NodeId, RequestId, Time, Value};

/// One command a node leaves for the simulator.
#[derive(Clone, Debug)]
pub enum Output<P: Protocol> {
    /// Send `msg` to peer `to` over the simulated network.
    Send { to: NodeId, msg: P::Msg },
    /// (Re)arm timer `timer` to fire after a duration drawn uniformly from `min..=max` ms.
    SetTimer { timer: P::Timer, min: Time, max: Time },
    /// Disarm timer `timer` (no-op when not armed).
    CancelTimer { timer: P::Timer },
    /// Write this durable state (the node's `durable()` at the point it asked) to stable storage.
    /// The simulator (and the explorer) keep it as the node's persisted copy, on disk before any
    /// `Send` or `Reply` of the same outbox leaves (a handler cannot be interrupted, so the write
    /// never races its reply: Raft Figure 2, "updated on stable storage before responding to
    /// RPCs"). A change to the durable fields made after the handler's last `Persist` is not on
    /// disk. A crash restarts the node from the last persisted copy (fresh if it never
    /// persisted): everything changed since is lost, as after a power cut.
    Persist(P::Durable),
    /// Answer client `client`'s request `request`.
    Reply { client: ClientId, request: RequestId, result: ResultOf<P::Op> },
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
    /// Write `durable` (the node's durable state as it stands now) to stable storage before this
    /// outbox's messages leave (see [`Output::Persist`]).
    pub fn persist(&mut self, durable: P::Durable) {
        self.items.push(Output::Persist(durable));
    }
    /// Answer a client.
    pub fn reply(&mut self, client: ClientId, request: RequestId, result: impl Into<ResultOf<P::Op>>) {
        self.items.push(Output::Reply { client, request, result: result.into() });
    }
    /// Emit a semantic event.
    pub fn notice(&mut self, kind: NoticeKind, term: Option<u64>, text: String) {
        self.items.push(Output::Notice(Notice { kind, term, text }));
    }
    /// Take everything queued so far.
    pub fn drain(&mut self) -> std::vec::Drain<'_, Output<P>> {
        self.items.drain(..)
    }
    /// Move the queued outputs to the end of `dst`, keeping this outbox's buffer for the next.
    pub fn move_into(&mut self, dst: &mut Vec<Output<P>>) {
        dst.append(&mut self.items);
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
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
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

/// A protocol's own part of a node's picture (Paxos's ballots and slots, ZAB's phase and
/// history, Dynamo's ring and versions, 2PC's transactions), drawn by that protocol's view
/// module in the front end. A frame serialises it under its key (`paxos`, `zab`, `dynamo`,
/// `twopc`) beside the common header, so the JSON is one object per node.
pub trait Detail: Serialize + Clone + Debug {
    /// Its key in the frame; `None` when the header says everything (Raft).
    fn key(&self) -> Option<&'static str>;
}

/// No detail: the header is the whole picture (Raft).
impl Detail for () {
    fn key(&self) -> Option<&'static str> {
        None
    }
}

/// A detail already serialised, with its key: what a frame carries for any protocol.
#[derive(Clone, Debug)]
pub struct Erased {
    key: Option<&'static str>,
    json: Option<Json>,
}

impl Erased {
    /// The detail as JSON text (`None` for none).
    pub fn json(&self) -> Option<&str> {
        self.json.as_deref().map(|j| j.get())
    }
}

impl PartialEq for Erased {
    fn eq(&self, other: &Self) -> bool {
        self.key == other.key && self.json() == other.json()
    }
}
impl Eq for Erased {}

impl Serialize for Erased {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        match &self.json {
            Some(j) => j.serialize(s),
            None => s.serialize_unit(),
        }
    }
}

impl Detail for Erased {
    fn key(&self) -> Option<&'static str> {
        self.key
    }
}

/// A picture of one node, for the renderer, the CLI output and the scoreboard: a common header
/// every protocol fills (role, term, leader, commit index, log tail, store) and the protocol's
/// own detail `D`.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NodeView<D = ()> {
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
    /// The protocol's own part (serialised under its key).
    pub detail: D,
}

impl NodeView {
    /// How many log entries a view carries at most.
    pub const LOG_TAIL: usize = 24;
}

impl<D: Detail> NodeView<D> {
    /// The same picture with its detail serialised (what frames carry).
    pub fn erase(self) -> NodeView<Erased> {
        let key = self.detail.key();
        let json = key.map(|_| crate::core::history::json(&self.detail));
        NodeView {
            role: self.role,
            term: self.term,
            voted_for: self.voted_for,
            leader: self.leader,
            commit_index: self.commit_index,
            snapshot_index: self.snapshot_index,
            last_index: self.last_index,
            log: self.log,
            peers: self.peers,
            votes: self.votes,
            kv: self.kv,
            detail: Erased { key, json },
        }
    }
}

/// The header's fields, then the detail under its key.
impl<D: Detail> Serialize for NodeView<D> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeStruct;
        let key = self.detail.key();
        let mut st = s.serialize_struct("NodeView", 11 + key.is_some() as usize)?;
        st.serialize_field("role", &self.role)?;
        st.serialize_field("term", &self.term)?;
        st.serialize_field("voted_for", &self.voted_for)?;
        st.serialize_field("leader", &self.leader)?;
        st.serialize_field("commit_index", &self.commit_index)?;
        st.serialize_field("snapshot_index", &self.snapshot_index)?;
        st.serialize_field("last_index", &self.last_index)?;
        st.serialize_field("log", &self.log)?;
        st.serialize_field("peers", &self.peers)?;
        st.serialize_field("votes", &self.votes)?;
        st.serialize_field("kv", &self.kv)?;
        if let Some(key) = key {
            st.serialize_field(key, &self.detail)?;
        }
        st.end()
    }
}

/// A seeded bug: a protocol config field that, set to true, breaks the protocol on purpose.
/// Whatever a switch makes a protocol do, a run must end in a reported violation with its seed
/// and scenario, never in a panic.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct UnsafeSwitch {
    /// The name `--unsafe` takes, e.g. `no-election-restriction`.
    pub name: &'static str,
    /// The config field it sets to true.
    pub key: &'static str,
    /// What it breaks, in a few words.
    pub breaks: &'static str,
    /// A scenario (under `www/scenarios/`) whose schedule shows the bug, for a bug that random
    /// schedules almost never reach (Figure 8 needs two leaders in a row each to crash at the
    /// right moment).
    pub shown_by: Option<&'static str>,
    /// The `cap explore` bounds that find the bug, for one that random schedules almost never
    /// reach either.
    pub explore: Option<&'static str>,
}

/// A pure, sans-IO protocol node.
pub trait Protocol: Sized + Clone {
    /// Peer-to-peer message.
    type Msg: Clone + Debug + Hash;
    /// Timer names (a node has at most one armed timer per name).
    type Timer: Clone + Debug + Ord + Hash;
    /// State that survives a crash.
    type Durable: Clone + Debug;
    /// Protocol configuration (from the scenario file; fields left out take their defaults).
    type Config: Clone + Debug + Default + serde::de::DeserializeOwned;
    /// The client operations it serves (the register vocabulary, [`ClientOp`], or its own).
    type Op: ClientOperation;
    /// Its own part of a node's picture (`()` when the common header says everything).
    type View: Detail;

    /// Protocol name as used in scenario files (`raft`, `paxos`, …).
    const NAME: &'static str;
    /// Does it promise linearizable reads and writes? (Raft and the Paxos family do; ZAB's
    /// local reads and an eventually consistent store do not: their violations are the lesson,
    /// not bugs; 2PC's transactions are judged by its own invariants.)
    const LINEARIZABLE: bool;
    /// The playground's default workload when it is not the register one, as scenario JSON
    /// (2PC: transfers between bank accounts, and balance reads).
    const PLAYGROUND_WORKLOAD: Option<&'static str> = None;

    /// Check a scenario's settings for a cluster of `nodes`, and derive what depends on the run
    /// (2PC's `fail_percent` coin is seeded by `seed`); the message names the field and what is
    /// accepted.
    fn prepare_config(_config: &mut Self::Config, _nodes: u32, _seed: u64) -> Result<(), String> {
        Ok(())
    }

    /// The settings a randomised sweep (`cap sweep`) tries: drawn from the sweep's generator in
    /// this order, each `(field, value)` goes into the scenario's `config`.
    fn sweep_config(_draw: &mut dyn crate::core::ops::Draw, _nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        Vec::new()
    }
    /// The sweep's workload when it is not the register one, as scenario JSON.
    const SWEEP_WORKLOAD: Option<&'static str> = None;
    /// Its seeded bugs (`cap sweep --unsafe`, `cap explore --unsafe`, the "find a bug" panel):
    /// config switches that break it on purpose, so a checker can be seen catching them.
    const UNSAFE_SWITCHES: &'static [UnsafeSwitch] = &[];

    /// How the exhaustive explorer (`cap explore`) runs it: the config for a cluster of `nodes`
    /// (the default one, checked by [`Protocol::prepare_config`] with seed 1, unless a protocol
    /// needs finer steps), and the explorer's time step when the default is too coarse for its
    /// timers (`None`).
    fn explore_config(nodes: u32) -> Result<(Self::Config, Option<Time>), String> {
        let mut config = Self::Config::default();
        Self::prepare_config(&mut config, nodes, 1)?;
        Ok((config, None))
    }
    /// The `k`-th of `ops` operations client `c` invokes in an exploration: by default writes
    /// of unique values and reads of one register `x`, alternating (client 0 starts with a
    /// write, client 1 with a read), so a stale read and a lost write can both show.
    fn explore_op(c: u32, k: u32, ops: u32) -> Self::Op {
        Self::Op::from(if (c + k) % 2 == 0 {
            ClientOp::Write { key: "x".into(), value: (c * ops + k + 1) as i64 }
        } else {
            ClientOp::Read { key: "x".into() }
        })
    }
    /// Is eventual convergence its promise, judged when the explorer reaches a state at rest
    /// (Dynamo)? Linearizability is [`Protocol::LINEARIZABLE`].
    const CONVERGES: bool = false;

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
    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: Self::Op, out: &mut Outbox<Self>);
    /// Replace the settings of a running node (the reader's sliders). Protocols whose settings
    /// cannot change mid-run refuse, saying so.
    fn reconfigure(&mut self, _now: Time, _config: &Self::Config, _out: &mut Outbox<Self>) -> Result<(), String> {
        Err(format!("{} cannot change its settings while running: reload the scenario instead", Self::NAME))
    }
    /// The durable fields as they stand now (in memory); what a node hands to
    /// [`Output::Persist`] when it writes them to stable storage. Only a persisted copy survives
    /// a crash.
    fn durable(&self) -> Self::Durable;
    /// The timer a reader's "time out" button fires (e.g. Raft's election timer).
    fn timeout_timer(&self) -> Option<Self::Timer>;
    /// Renderer/CLI view of this node.
    fn view(&self) -> NodeView<Self::View>;
    /// A deterministic estimate of the heap bytes this node holds in what grows with a run (logs,
    /// accepted values, decisions), for time travel's checkpoint budget (`Sim::approx_bytes`);
    /// 0 for state that stays small.
    fn approx_bytes(&self) -> usize {
        0
    }
    /// Renderer view of a message.
    fn msg_info(msg: &Self::Msg) -> MsgInfo;
    /// The message's kind alone (`msg_info(msg).kind`), which the simulator counts on every
    /// send: a protocol overrides it to skip formatting the detail text.
    fn msg_kind(msg: &Self::Msg) -> &'static str {
        Self::msg_info(msg).kind
    }
}

/// One server as the world holds it and the invariant checkers read it: the running state
/// machine, and what a crash leaves of it.
#[derive(Clone, Debug)]
pub struct Server<P: Protocol> {
    /// The running state machine; `None` while crashed.
    pub node: Option<P>,
    /// The node's stable storage: its durable state as of its last `Persist` (`None` if it never
    /// persisted). A restart starts from it; it is kept while the node runs and across crashes.
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
