//! Paxos (Lamport, "Paxos Made Simple", 2001): single-decree Paxos (§2, the Synod algorithm) as
//! protocol `paxos` and Multi-Paxos (§3, "Implementing a State Machine") as `multipaxos`. Both
//! share one acceptor core; ballots are `(round, proposer id)`, written `3.1`.
//!
//! ```text
//!  proposer                        acceptors (a majority)                learners
//!  ── Prepare(b) ─────────────────▶ promise b if b ≥ promised (P1a)
//!  ◀──────── Promise(b, highest accepted ballot+value) ─ or Nack(promised)
//!  majority of Promises: value := highest-ballot accepted value, else its own (P2c)
//!  ── Accept(b, v) ────────────────▶ accept unless promised > b
//!  ◀──────── Accepted(b, v) ─────────
//!  majority of Accepted in ballot b: v is chosen ── Chosen(v) ───────────▶ learn v
//!
//!  Multi-Paxos proposer (one per node with the proposer role):
//!                  leader timer fires               majority of Promises
//!    ┌──────┐  (no Heartbeat heard) ┌───────────┐  (gaps → no-op)   ┌────────┐
//!    │ Idle │ ────────────────────▶ │ Preparing │ ────────────────▶ │ Leader │ Accept(b, slot, v)
//!    └──────┘ ◀──────────────────── └───────────┘                   └────────┘ for each new slot,
//!        ▲      Nack / higher ballot                                      │    phase 1 skipped
//!        └───────────────────────── Nack / higher ballot seen ────────────┘
//! ```
//!
//! * **Durable** (acceptor): the promised ballot and, per slot, the accepted ballot and value;
//!   plus the proposer's highest round used, so a restarted proposer never reuses a ballot with
//!   a different value. Written (`Persist`) before the Promise / Accepted that depends on it.
//!   The test-only `unsafe_forget_on_crash` restarts nodes empty; the invariant checker
//!   (`protocol::paxos::invariants`) catches it.
//! * **Learning** (§2.4, the "distinguished learner" variant): acceptors send Accepted to the
//!   proposer of the ballot; once a majority accepted in one ballot it knows the value chosen
//!   and sends Chosen to every other learner. Multi-Paxos learners that missed a Chosen ask the
//!   leader through their HeartbeatAck (catch-up).
//! * **Roles** (config `roles`): every node is proposer, acceptor and learner unless lists say
//!   otherwise; a majority means a majority of the acceptors. A node's own messages to itself
//!   are handled locally (no network hop).
//! * **Single-decree client mapping**: the decree is one write-once register. A client's
//!   Write proposes `key=value` (a proposer proposes its first waiting write when its phase 1
//!   finds nothing accepted); once a value is chosen every waiting client is answered from it:
//!   a Write of the chosen key and value gets `ok`, any other Write gets "cas failed, was …"
//!   (it definitely did not take effect, and the reply says what was chosen). A Read returns
//!   the chosen value of its key (nil for other keys). A Read when nothing is known runs a
//!   round: phase 1 on a majority that reports nothing accepted proves nothing was chosen when
//!   the round began (any chosen value would have been reported), so it answers nil without a
//!   phase 2; a reported value is driven through phase 2 first. Compare-and-set succeeds only
//!   as the identity on the chosen value (`from == to`); changing a chosen decree is refused
//!   (`unavailable`). So the history is linearizable as a register, and the sweep checks it.
//! * **Dueling proposers** (§2.4: "two proposers each keep issuing a sequence of proposals with
//!   increasing numbers, none of which are ever chosen"): a pre-empted proposer (Nack, or its
//!   own acceptor promising a rival's higher ballot) retries after `retry_ms`. With
//!   `random_backoff: false` it waits exactly `retry_ms[0]`, so symmetric rivals stay in lock
//!   step; with `random_backoff: true` (default) the wait is drawn from the range and one
//!   proposer soon completes both phases undisturbed. Multi-Paxos avoids duels by design: a
//!   distinguished leader, heartbeats, and randomised leader timeouts.
//! * **Multi-Paxos**: the leader runs phase 1 once for all slots from its first unlearned slot
//!   up; every slot a Promise reports is re-proposed with its highest-ballot value and every gap
//!   below the highest reported slot is filled with a no-op. Later client commands go straight
//!   to phase 2 in the next slot while the ballot holds. Learners apply slots strictly in order;
//!   client sessions (as in Raft) apply a re-sent command once.
//! * **Log compaction (Multi-Paxos)**, after "Paxos Made Live" §5.5 (Snapshots): every
//!   [`COMPACT_BATCH`] applied slots a learner saves its state machine as a snapshot (durable:
//!   a restarted learner resumes from it). With each Heartbeat the leader says up to which slot
//!   every replica may fold its log away (`compact_upto`): what every learner holds in its
//!   snapshot (learners report it in HeartbeatAck), keeping the last [`KEEP_SLOTS`] values for
//!   the slot table, but never more than `retain_slots` behind its own for a learner that lags.
//!   Folding drops the learned values and the acceptors' accepted values of those slots — they
//!   are chosen — and records the floor (`compacted`, durable). An acceptor accepts nothing at
//!   or below its floor; its Promise reports the floor, and a learner's Promise carries its
//!   snapshot when the Prepare starts below it. A new leader installs the freshest such
//!   snapshot before proposing above it (P2c holds above the floor: there every Promise is
//!   complete); if none came (the acceptors that folded are not learners) it steps back and
//!   asks the learners first. A learner behind the leader's floor gets its snapshot (once per
//!   need, again after an election timeout if it still lacks it), then the rest as Chosen.
//! * **Linearizable reads (Multi-Paxos)**: a Read is a command in a slot, like a write. Its
//!   answer is computed when the slot is applied, after every earlier slot, and the slot can only
//!   be chosen in the leader's current ballot if no higher ballot has been promised by a
//!   majority, so a deposed leader cannot answer from stale state. This costs one slot per read
//!   (Raft's ReadIndex avoids that); it is the simplest correct scheme and it shows in the slot
//!   table.

pub mod config;
pub mod invariants;

use super::{
    ClientId, ClientOp, ClientResult, Detail, KvStore, LogEntryView, MsgInfo, NodeId, NodeView, NoticeKind, Outbox,
    Output, Protocol, RequestId, Time, UnsafeSwitch, Value,
};
use crate::core::vecmap::VecMap;
use serde::{Deserialize, Serialize};

/// A slot (instance) number, 1-based. Single-decree Paxos uses slot 1 only.
pub type Slot = u64;
/// The one slot of single-decree Paxos.
pub const DECREE: Slot = 1;
/// Most chosen values one catch-up Chosen message carries.
const CATCH_UP_BATCH: usize = 32;
/// Most unacknowledged proposals a leader re-sends per heartbeat.
const RESEND_BATCH: usize = 16;
/// Slots shown in a node's slot table.
pub const SLOT_TABLE: u64 = 20;
/// Multi-Paxos log compaction: the most recent applied slots a replica keeps as values (the slot
/// table shows them); older learned slots are folded into its snapshot.
pub const KEEP_SLOTS: Slot = SLOT_TABLE;
/// The default of `retain_slots`: a leader has its replicas fold a slot away once every learner
/// holds it in its snapshot, but never keeps more than this many applied slots for one that
/// lags: a replica further behind (crashed or cut off that long) catches up from a snapshot
/// ("Paxos Made Live" §5.5).
pub const RETAIN_SLOTS: Slot = 256;
/// Replicas fold slots into their snapshot in batches of at least this many (a fold copies the
/// state machine).
pub const COMPACT_BATCH: Slot = 32;

/// A ballot (proposal number): ordered by round, then by proposer id, so two proposers never
/// use the same number (§2.2: "different proposers choose their numbers from disjoint sets").
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Ballot {
    /// Round; 0 means "none yet".
    pub round: u64,
    /// The proposer that owns the ballot.
    pub node: NodeId,
}

impl Ballot {
    /// Ballot `round.node`.
    pub fn new(round: u64, node: NodeId) -> Ballot {
        Ballot { round, node }
    }
    /// `3.1` for round 3 of proposer n1.
    pub fn text(self) -> String {
        format!("{}.{}", self.round, self.node)
    }
    fn shown(self) -> Option<String> {
        (self.round > 0).then(|| self.text())
    }
}

/// A proposed value: a client command or a no-op (Multi-Paxos gap filler).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Cmd {
    /// Fills a slot left empty by a previous leader (§3).
    Noop,
    /// A client's operation.
    Client { client: ClientId, request: RequestId, op: ClientOp },
}

impl Cmd {
    /// Short text: `x=4` for a write, `read x`, `cas x 1→2`, `no-op`.
    pub fn text(&self) -> String {
        match self {
            Cmd::Noop => "no-op".into(),
            Cmd::Client { op: ClientOp::Write { key, value }, .. } => format!("{key}={value}"),
            Cmd::Client { op, .. } => op.label(),
        }
    }
}

/// Which nodes play which role; an absent list means every node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct Roles {
    /// Nodes that propose (in Multi-Paxos: may become leader).
    pub proposers: Option<Vec<NodeId>>,
    /// Nodes that accept; a majority of these choose a value.
    pub acceptors: Option<Vec<NodeId>>,
    /// Nodes that learn chosen values (and, in Multi-Paxos, apply them).
    pub learners: Option<Vec<NodeId>>,
}

/// Paxos settings, as written under `"config"` in a scenario file (both protocols).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct PaxosConfig {
    /// Role assignment (default: every node is proposer, acceptor and learner).
    pub roles: Roles,
    /// Single-decree: a pre-empted proposer retries after this many ms.
    pub retry_ms: [Time; 2],
    /// Single-decree remedy for dueling proposers: draw the retry pause from `retry_ms`
    /// (true) or always wait exactly `retry_ms[0]` (false, can livelock).
    pub random_backoff: bool,
    /// Single-decree: a round that has not finished after this long starts over.
    pub round_timeout_ms: Time,
    /// Multi-Paxos: a proposer that hears no leader for a time drawn from this range runs
    /// phase 1.
    pub election_timeout_ms: [Time; 2],
    /// Multi-Paxos: leader heartbeat interval.
    pub heartbeat_ms: Time,
    /// Multi-Paxos log compaction: the most applied slots a leader keeps for a learner that
    /// lags before they are folded away anyway (that learner then catches up from a snapshot).
    pub retain_slots: Slot,
    /// TEST ONLY, breaks safety: a restarted node has lost its durable acceptor state.
    pub unsafe_forget_on_crash: bool,
    /// TEST ONLY, breaks safety: an acceptor answers Prepare with a Promise without writing the
    /// promise to stable storage first ("Paxos Made Simple" §2.3: an acceptor must remember its
    /// promise even if it fails and restarts). A crash right after the Promise forgets it.
    pub unsafe_no_persist_promise: bool,
}

impl Default for PaxosConfig {
    fn default() -> Self {
        PaxosConfig {
            roles: Roles::default(),
            retry_ms: [20, 200],
            random_backoff: true,
            round_timeout_ms: 400,
            election_timeout_ms: [150, 300],
            heartbeat_ms: 50,
            retain_slots: RETAIN_SLOTS,
            unsafe_forget_on_crash: false,
            unsafe_no_persist_promise: false,
        }
    }
}

impl PaxosConfig {
    /// Check the settings for a cluster of `n`; the error says what is accepted.
    pub fn validate(&self, n: u32, multi: bool) -> Result<(), String> {
        for (name, list) in [
            ("proposers", &self.roles.proposers),
            ("acceptors", &self.roles.acceptors),
            ("learners", &self.roles.learners),
        ] {
            if let Some(l) = list {
                if l.is_empty() {
                    return Err(format!(
                        "config.roles.{name} is empty: list at least one node (or leave it out for all)"
                    ));
                }
                if let Some(bad) = l.iter().find(|x| **x >= n) {
                    return Err(format!("config.roles.{name}: node {bad} does not exist: accepted 0..={}", n - 1));
                }
            }
        }
        if multi {
            let learners = members(&self.roles.learners, n);
            if let Some(p) = members(&self.roles.proposers, n).iter().find(|p| !learners.contains(p)) {
                return Err(format!(
                    "config.roles: proposer n{p} must also be a learner in multipaxos (a leader applies what it serves)"
                ));
            }
        }
        let ranges = [("retry_ms", self.retry_ms), ("election_timeout_ms", self.election_timeout_ms)];
        for (name, [lo, hi]) in ranges {
            if lo == 0 || lo > hi {
                return Err(format!("config.{name} must be [min, max] with 0 < min <= max"));
            }
        }
        if self.heartbeat_ms == 0 || self.round_timeout_ms == 0 {
            return Err("config.heartbeat_ms and config.round_timeout_ms must be at least 1".into());
        }
        Ok(())
    }
}

fn members(list: &Option<Vec<NodeId>>, n: u32) -> Vec<NodeId> {
    let mut v: Vec<NodeId> = match list {
        Some(l) => l.iter().copied().filter(|x| *x < n).collect(),
        None => (0..n).collect(),
    };
    crate::core::sort::sort(&mut v);
    v.dedup();
    v
}

/// State that survives a crash: the acceptor's promise and accepted values, and the highest
/// round this node used as a proposer.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Durable {
    /// Highest ballot promised in a Promise (or implied by an Accept).
    pub promised: Ballot,
    /// Per slot: the ballot and value last accepted.
    pub accepted: VecMap<Slot, (Ballot, Cmd)>,
    /// Highest round this node used for its own ballots.
    pub proposer_round: u64,
    /// Multi-Paxos: every slot up to here is chosen and was folded away: no accepted value, no
    /// learned value is kept for it, and this acceptor accepts nothing there any more.
    pub compacted: Slot,
    /// Multi-Paxos learners: the latest snapshot (covers at least up to `compacted`).
    pub snapshot: Snapshot,
}

/// Paxos messages, named as in the paper.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Phase 1a: "prepare request with number n" (Multi-Paxos: for every slot ≥ `from_slot`).
    Prepare { ballot: Ballot, from_slot: Slot },
    /// Phase 1b: a promise not to accept below `ballot`, with the highest-ballot proposal
    /// accepted in each slot ≥ `from_slot`. Multi-Paxos: every slot up to `compacted` is chosen
    /// and folded away here; when the Prepare asked from below it, a learner adds its snapshot.
    Promise { ballot: Ballot, accepted: Vec<(Slot, Ballot, Cmd)>, compacted: Slot, snapshot: Option<Snapshot> },
    /// The acceptor has promised a higher ballot (the optional rejection of §2.3).
    Nack { ballot: Ballot, promised: Ballot },
    /// Phase 2a: "accept request" for each listed slot.
    Accept { ballot: Ballot, entries: Vec<(Slot, Cmd)> },
    /// Phase 2b: the acceptor accepted these proposals.
    Accepted { ballot: Ballot, entries: Vec<(Slot, Cmd)> },
    /// Learner notification from the distinguished learner: these values are chosen (§2.4).
    Chosen { entries: Vec<(Slot, Cmd)> },
    /// Multi-Paxos: the leader is alive; every slot below `chosen_upto` is chosen; every
    /// replica may fold the slots up to `compact_upto` into its snapshot.
    Heartbeat { ballot: Ballot, chosen_upto: Slot, compact_upto: Slot },
    /// Multi-Paxos: a learner has applied every slot below `learned_upto` and its snapshot
    /// (what it keeps across a crash) covers up to `snapshot_upto` (reported when it advanced,
    /// and while it misses chosen values, which the leader then sends).
    HeartbeatAck { ballot: Ballot, learned_upto: Slot, snapshot_upto: Slot },
    /// Multi-Paxos catch-up: a replica's snapshot, for a learner behind the folded slots.
    Snapshot { snapshot: Snapshot },
}

impl Msg {
    fn ballot(&self) -> Option<Ballot> {
        match self {
            Msg::Prepare { ballot, .. }
            | Msg::Promise { ballot, .. }
            | Msg::Accept { ballot, .. }
            | Msg::Accepted { ballot, .. }
            | Msg::Heartbeat { ballot, .. }
            | Msg::HeartbeatAck { ballot, .. } => Some(*ballot),
            Msg::Nack { promised, .. } => Some(*promised),
            Msg::Chosen { .. } | Msg::Snapshot { .. } => None,
        }
    }
}

/// Paxos timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Single-decree proposer: back-off after pre-emption, or round timeout; start a new round.
    Retry,
    /// Multi-Paxos proposer: no leader heard from; run phase 1.
    Leader,
    /// Multi-Paxos leader: send heartbeats (and re-send unacknowledged Accepts).
    Heartbeat,
}

/// What a proposer is doing.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Not proposing.
    Idle,
    /// Phase 1: Prepare sent, collecting Promises.
    Preparing,
    /// Single-decree phase 2: Accept sent, collecting Accepted.
    Accepting,
    /// Multi-Paxos leader: phase 1 done for all slots; phase 2 per slot.
    Leading,
}

impl Phase {
    fn name(self) -> &'static str {
        match self {
            Phase::Idle => "idle",
            Phase::Preparing => "phase 1",
            Phase::Accepting => "phase 2",
            Phase::Leading => "leader",
        }
    }
}

/// The replicated state machine of Multi-Paxos: key-value data plus client sessions.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Replica {
    /// Key-value data.
    pub kv: KvStore,
    /// Per client: last applied request id and its result (applies each request at most once).
    pub sessions: VecMap<ClientId, (RequestId, ClientResult)>,
}

impl Replica {
    fn apply(&mut self, cmd: &Cmd) -> Option<ClientResult> {
        let Cmd::Client { client, request, op } = cmd else { return None };
        if let Some((last, result)) = self.sessions.get(client) {
            if *request <= *last {
                return Some(result.clone());
            }
        }
        let result = self.kv.apply(op);
        self.sessions.insert(*client, (*request, result.clone()));
        Some(result)
    }
}

/// Multi-Paxos: a replica's snapshot — the state machine after applying every slot up to `slot`.
/// "Paxos Made Live" (§5.5, Snapshots): the replica's state is saved so that the log before it can
/// be discarded, and a lagging replica catches up by installing a leading replica's snapshot.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// The last slot applied to `replica` (0: no snapshot).
    pub slot: Slot,
    /// The state machine as of `slot`.
    pub replica: Replica,
}

#[derive(Clone, Debug, Hash)]
struct Proposal {
    cmd: Cmd,
    acks: Vec<NodeId>,
    sent_at: Time,
}

#[derive(Clone, Debug, Hash)]
struct Waiter {
    client: ClientId,
    request: RequestId,
    op: ClientOp,
    /// Arrived before the current round's Prepare went out (so a nil answer is valid for it).
    covered: bool,
}

/// One Paxos node (either protocol): proposer, acceptor and/or learner.
#[derive(Clone, Debug, Hash)]
pub struct Node {
    id: NodeId,
    n: u32,
    multi: bool,
    config: PaxosConfig,
    proposers: Vec<NodeId>,
    acceptors: Vec<NodeId>,
    learners: Vec<NodeId>,
    // Durable (acceptor, proposer round).
    promised: Ballot,
    accepted: VecMap<Slot, (Ballot, Cmd)>,
    proposer_round: u64,
    compacted: Slot,
    snapshot: Snapshot,
    // Proposer (volatile).
    phase: Phase,
    ballot: Ballot,
    max_round: u64,
    promises: Vec<NodeId>,
    best: VecMap<Slot, (Ballot, Cmd)>,
    /// Phase 1, Multi-Paxos: the highest `compacted` among the Promises, and the freshest
    /// snapshot they carried.
    promised_compacted: Slot,
    promised_snapshot: Option<Snapshot>,
    from_slot: Slot,
    proposals: VecMap<Slot, Proposal>,
    next_slot: Slot,
    waiters: Vec<Waiter>,
    backing_off: bool,
    pending: VecMap<Slot, (ClientId, RequestId)>,
    leader: Option<NodeId>,
    leader_ballot: Ballot,
    /// Multi-Paxos leader: each learner's snapshot slot, from its HeartbeatAcks.
    learner_snapshot: VecMap<NodeId, Slot>,
    /// Multi-Paxos leader: when a snapshot last went to a learner (sent once per need).
    snapshot_sent: VecMap<NodeId, Time>,
    // Learner (volatile above the durable snapshot; re-learned after a restart).
    learned: VecMap<Slot, Cmd>,
    applied: Slot,
    replica: Replica,
    /// The leader's ballot and applied slot in this learner's last HeartbeatAck.
    acked: (Ballot, Slot),
    // What the last input did, for the invariant checker.
    recent_accepts: Vec<(Slot, Ballot)>,
    recent_proposals: Vec<(Slot, Ballot, Cmd)>,
    recent_learned: Vec<(Slot, Cmd)>,
    loopback: Vec<Msg>,
}

type Out = Outbox<Paxos>;

fn decree_value(chosen: Option<&Cmd>, key: &str) -> Option<Value> {
    match chosen {
        Some(Cmd::Client { op: ClientOp::Write { key: k, value }, .. }) if k == key => Some(*value),
        _ => None,
    }
}

/// Single-decree: the answer to `op` given the chosen value (`None`: nothing was chosen when
/// the round began).
fn decree_result(chosen: Option<&Cmd>, op: &ClientOp) -> ClientResult {
    let current = decree_value(chosen, op.key());
    match op {
        ClientOp::Read { .. } => ClientResult::ReadOk { value: current },
        ClientOp::Write { value, .. } if current == Some(*value) => ClientResult::WriteOk,
        ClientOp::Write { .. } => ClientResult::CasFailed { current },
        ClientOp::Cas { from, .. } if current != Some(*from) => ClientResult::CasFailed { current },
        ClientOp::Cas { from, to, .. } if from == to => ClientResult::CasOk,
        ClientOp::Cas { .. } => {
            ClientResult::Unavailable { reason: "a chosen decree never changes (single-decree Paxos)".into() }
        }
    }
}

impl Node {
    /// Estimated heap bytes of what grows with the run: accepted values and the learned log
    /// (Multi-Paxos folds them away behind its snapshot, so this stays bounded), for time
    /// travel's checkpoint budget (calibrated with examples/memprobe.rs, with the checker's
    /// share).
    fn approx_bytes(&self) -> usize {
        (self.accepted.len() + self.learned.len() + self.proposals.len() + self.pending.len()) * 120
    }

    fn start(multi: bool, id: NodeId, n: u32, config: &PaxosConfig, durable: Option<Durable>, out: &mut Out) -> Node {
        let d = match durable {
            Some(d) if !config.unsafe_forget_on_crash => d,
            _ => Durable::default(),
        };
        let node = Node {
            id,
            n,
            multi,
            proposers: members(&config.roles.proposers, n),
            acceptors: members(&config.roles.acceptors, n),
            learners: members(&config.roles.learners, n),
            config: config.clone(),
            max_round: d.promised.round.max(d.proposer_round),
            promised: d.promised,
            accepted: d.accepted,
            proposer_round: d.proposer_round,
            compacted: d.compacted,
            phase: Phase::Idle,
            ballot: Ballot::default(),
            promises: Vec::new(),
            best: VecMap::new(),
            promised_compacted: 0,
            promised_snapshot: None,
            from_slot: 1,
            proposals: VecMap::new(),
            next_slot: 1,
            waiters: Vec::new(),
            backing_off: false,
            pending: VecMap::new(),
            leader: None,
            leader_ballot: Ballot::default(),
            learner_snapshot: VecMap::new(),
            snapshot_sent: VecMap::new(),
            learned: VecMap::new(),
            // A learner resumes from its snapshot ("Paxos Made Live" §5.5) and re-learns the rest.
            applied: d.snapshot.slot,
            replica: d.snapshot.replica.clone(),
            snapshot: d.snapshot,
            acked: (Ballot::default(), 0),
            recent_accepts: Vec::new(),
            recent_proposals: Vec::new(),
            recent_learned: Vec::new(),
            loopback: Vec::new(),
        };
        if multi && node.is_proposer() {
            node.arm_leader_timer(out);
        }
        node
    }

    // ------------------------------------------------------------------ accessors

    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// True for Multi-Paxos.
    pub fn is_multi(&self) -> bool {
        self.multi
    }
    /// Has the proposer role.
    pub fn is_proposer(&self) -> bool {
        self.proposers.contains(&self.id)
    }
    /// Has the acceptor role.
    pub fn is_acceptor(&self) -> bool {
        self.acceptors.contains(&self.id)
    }
    /// Has the learner role.
    pub fn is_learner(&self) -> bool {
        self.learners.contains(&self.id)
    }
    /// The acceptors of the cluster.
    pub fn acceptors(&self) -> &[NodeId] {
        &self.acceptors
    }
    /// The learners of the cluster.
    pub fn learners(&self) -> &[NodeId] {
        &self.learners
    }
    /// Acceptors that make a majority.
    pub fn quorum(&self) -> usize {
        self.acceptors.len() / 2 + 1
    }
    /// Highest ballot promised (acceptor).
    pub fn promised(&self) -> Ballot {
        self.promised
    }
    /// Accepted ballot and value per slot (acceptor).
    pub fn accepted(&self) -> &VecMap<Slot, (Ballot, Cmd)> {
        &self.accepted
    }
    /// The proposer's phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// The ballot this proposer last used.
    pub fn ballot(&self) -> Ballot {
        self.ballot
    }
    /// The Multi-Paxos leader this node believes in.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// Values this node knows chosen, by slot.
    pub fn learned(&self) -> &VecMap<Slot, Cmd> {
        &self.learned
    }
    /// Single-decree: the chosen value, when known.
    pub fn chosen(&self) -> Option<&Cmd> {
        self.learned.get(&DECREE)
    }
    /// Multi-Paxos: slots `1..=applied` are applied to the replica.
    pub fn applied(&self) -> Slot {
        self.applied
    }
    /// Multi-Paxos: the applied state machine.
    pub fn replica(&self) -> &Replica {
        &self.replica
    }
    /// Multi-Paxos: every slot up to here is folded away (0: none).
    pub fn compacted(&self) -> Slot {
        self.compacted
    }
    /// Multi-Paxos: the latest snapshot (slot 0: none).
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
    /// Slots accepted during the last input (for the invariant checker).
    pub fn recent_accepts(&self) -> &[(Slot, Ballot)] {
        &self.recent_accepts
    }
    /// Phase-2 proposals made during the last input (for the invariant checker).
    pub fn recent_proposals(&self) -> &[(Slot, Ballot, Cmd)] {
        &self.recent_proposals
    }
    /// Values learned during the last input (for the invariant checker).
    pub fn recent_learned(&self) -> &[(Slot, Cmd)] {
        &self.recent_learned
    }
    /// The durable state as last persisted.
    /// Live settings change (the reader's switch): timing and the dueling-proposers remedy
    /// may change mid-run; roles and the test-only switch define the run and may not.
    pub fn reconfigure(&mut self, config: &PaxosConfig) -> Result<(), String> {
        config.validate(self.n, self.multi)?;
        if config.roles != self.config.roles || config.unsafe_forget_on_crash != self.config.unsafe_forget_on_crash {
            return Err(
                "roles and unsafe_forget_on_crash are fixed for a run: reload the scenario to change them".into()
            );
        }
        self.config = config.clone();
        Ok(())
    }

    pub fn durable(&self) -> Durable {
        Durable {
            promised: self.promised,
            accepted: self.accepted.clone(),
            proposer_round: self.proposer_round,
            compacted: self.compacted,
            snapshot: self.snapshot.clone(),
        }
    }

    // ------------------------------------------------------------------ plumbing

    fn begin(&mut self) {
        self.recent_accepts.clear();
        self.recent_proposals.clear();
        self.recent_learned.clear();
    }

    fn send(&mut self, to: NodeId, msg: Msg, out: &mut Out) {
        if to == self.id {
            self.loopback.push(msg);
        } else {
            out.send(to, msg);
        }
    }

    /// Deliver the node's messages to itself (its own acceptor / learner roles).
    fn pump(&mut self, now: Time, out: &mut Out) {
        while !self.loopback.is_empty() {
            let msg = self.loopback.remove(0);
            self.handle(now, self.id, msg, out);
        }
    }

    fn arm_leader_timer(&self, out: &mut Out) {
        let [lo, hi] = self.config.election_timeout_ms;
        out.set_timer(Timer::Leader, lo, hi.max(lo));
    }

    fn notice(&self, out: &mut Out, kind: NoticeKind, round: u64, text: String) {
        out.notice(kind, Some(round), text);
    }

    // ------------------------------------------------------------------ inputs

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        self.begin();
        self.handle(now, from, msg, out);
        self.pump(now, out);
    }

    fn handle(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        if let Some(b) = msg.ballot() {
            self.max_round = self.max_round.max(b.round);
        }
        match msg {
            Msg::Prepare { ballot, from_slot } => self.on_prepare(from, ballot, from_slot, out),
            Msg::Promise { ballot, accepted, compacted, snapshot } => {
                self.on_promise(now, from, ballot, accepted, compacted, snapshot, out)
            }
            Msg::Nack { ballot, .. } => {
                if ballot == self.ballot && self.phase != Phase::Idle {
                    self.preempted(out);
                }
            }
            Msg::Accept { ballot, entries } => self.on_accept(from, ballot, entries, out),
            Msg::Accepted { ballot, entries } => self.on_accepted(from, ballot, entries, out),
            Msg::Chosen { entries } => {
                for (s, c) in entries {
                    self.learn(s, c, out);
                }
            }
            Msg::Heartbeat { ballot, chosen_upto, compact_upto } => {
                self.on_heartbeat(from, ballot, chosen_upto, compact_upto, out)
            }
            Msg::HeartbeatAck { ballot, learned_upto, snapshot_upto } => {
                if self.phase == Phase::Leading && ballot == self.ballot {
                    self.learner_snapshot.insert(from, snapshot_upto);
                    self.catch_up(now, from, learned_upto, out);
                } else if self.multi && self.is_learner() && ballot.node == from && learned_upto <= self.applied {
                    // A proposer behind the folded slots asks before it may lead (on_promise).
                    self.catch_up(now, from, learned_upto, out);
                }
            }
            Msg::Snapshot { snapshot } => self.install(snapshot, out),
        }
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        self.begin();
        match timer {
            Timer::Retry => {
                self.backing_off = false;
                if !self.multi && self.is_proposer() && self.chosen().is_none() {
                    self.prepare(now, out);
                }
            }
            Timer::Leader => {
                if self.multi && self.is_proposer() && self.phase != Phase::Leading {
                    self.prepare(now, out);
                }
            }
            Timer::Heartbeat => {
                if self.phase == Phase::Leading {
                    self.heartbeat(now, out);
                    out.set_timer(Timer::Heartbeat, self.config.heartbeat_ms, self.config.heartbeat_ms);
                }
            }
        }
        self.pump(now, out);
    }

    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Out) {
        self.begin();
        if self.multi {
            self.client_multi(now, client, request, op, out);
        } else {
            self.client_single(now, client, request, op, out);
        }
        self.pump(now, out);
    }

    // ------------------------------------------------------------------ acceptor

    /// §2.2 P1a: an acceptor can accept a proposal numbered n iff it has not responded to a
    /// prepare request having a number greater than n.
    fn on_prepare(&mut self, from: NodeId, b: Ballot, from_slot: Slot, out: &mut Out) {
        if !self.is_acceptor() {
            return;
        }
        if b < self.promised {
            self.send(from, Msg::Nack { ballot: b, promised: self.promised }, out);
            return;
        }
        if b > self.promised {
            self.promised = b;
            // §2.3: the promise is on stable storage before the Promise leaves, so after a
            // restart this acceptor still refuses every ballot below `b`.
            if !self.config.unsafe_no_persist_promise {
                out.persist(self.durable());
            }
        }
        let accepted = self.accepted.range_from(&from_slot).map(|(s, (ab, c))| (*s, *ab, c.clone())).collect();
        // The preparer asks from a slot this node folded away: those slots are chosen, and its
        // snapshot (a learner's) tells the preparer their outcome.
        let snapshot =
            (self.multi && from_slot <= self.compacted && self.snapshot.slot > 0).then(|| self.snapshot.clone());
        self.send(from, Msg::Promise { ballot: b, accepted, compacted: self.compacted, snapshot }, out);
        self.rival(b, out);
    }

    fn on_accept(&mut self, from: NodeId, b: Ballot, entries: Vec<(Slot, Cmd)>, out: &mut Out) {
        if !self.is_acceptor() {
            return;
        }
        if b < self.promised {
            self.send(from, Msg::Nack { ballot: b, promised: self.promised }, out);
            return;
        }
        self.promised = b;
        // A folded slot is chosen already: nothing more is accepted there.
        let entries: Vec<(Slot, Cmd)> = entries.into_iter().filter(|(s, _)| *s > self.compacted).collect();
        for (s, c) in &entries {
            self.accepted.insert(*s, (b, c.clone()));
            self.recent_accepts.push((*s, b));
        }
        out.persist(self.durable());
        if !entries.is_empty() {
            self.send(b.node, Msg::Accepted { ballot: b, entries }, out);
        }
        self.rival(b, out);
        if self.multi && b.node != self.id {
            self.follow(b, out);
        }
    }

    /// Another proposer's ballot `b` was promised or accepted here: a lower round of ours is
    /// pre-empted.
    fn rival(&mut self, b: Ballot, out: &mut Out) {
        if b.node != self.id && b > self.ballot && self.phase != Phase::Idle {
            self.preempted(out);
        }
    }

    // ------------------------------------------------------------------ proposer

    /// Phase 1: choose a ballot above every one seen and send Prepare to the acceptors.
    fn prepare(&mut self, now: Time, out: &mut Out) {
        let round = self.max_round.max(self.promised.round).max(self.proposer_round) + 1;
        self.ballot = Ballot::new(round, self.id);
        self.max_round = round;
        self.proposer_round = round;
        out.persist(self.durable());
        self.phase = Phase::Preparing;
        self.promises.clear();
        self.best.clear();
        self.promised_compacted = 0;
        self.promised_snapshot = None;
        self.proposals.clear();
        if self.multi {
            self.from_slot = self.applied + 1;
            self.leader = None;
            self.arm_leader_timer(out);
            self.notice(
                out,
                NoticeKind::Prepare,
                round,
                format!(
                    "n{} runs phase 1 with ballot {} for slots from {}",
                    self.id,
                    self.ballot.text(),
                    self.from_slot
                ),
            );
        } else {
            self.from_slot = DECREE;
            for w in &mut self.waiters {
                w.covered = true;
            }
            out.set_timer(Timer::Retry, self.config.round_timeout_ms, self.config.round_timeout_ms);
            self.notice(
                out,
                NoticeKind::Prepare,
                round,
                format!("n{} sends Prepare with ballot {}", self.id, self.ballot.text()),
            );
        }
        let _ = now;
        let msg = Msg::Prepare { ballot: self.ballot, from_slot: self.from_slot };
        for a in self.acceptors.clone() {
            self.send(a, msg.clone(), out);
        }
    }

    fn preempted(&mut self, out: &mut Out) {
        let was = self.phase;
        self.phase = Phase::Idle;
        self.promises.clear();
        self.best.clear();
        self.proposals.clear();
        if self.multi {
            out.cancel_timer(Timer::Heartbeat);
            if was == Phase::Leading {
                self.leader = None;
                self.notice(
                    out,
                    NoticeKind::SteppedDown,
                    self.ballot.round,
                    format!("n{} saw a higher ballot and stops leading (ballot {})", self.id, self.ballot.text()),
                );
            }
            self.arm_leader_timer(out);
        } else {
            self.backing_off = true;
            let [lo, hi] = self.config.retry_ms;
            let hi = if self.config.random_backoff { hi.max(lo) } else { lo };
            out.set_timer(Timer::Retry, lo, hi);
            self.notice(
                out,
                NoticeKind::Preempted,
                self.ballot.round,
                format!("n{}'s ballot {} was pre-empted by a higher one; it backs off", self.id, self.ballot.text()),
            );
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn on_promise(
        &mut self,
        now: Time,
        from: NodeId,
        b: Ballot,
        accepted: Vec<(Slot, Ballot, Cmd)>,
        compacted: Slot,
        snapshot: Option<Snapshot>,
        out: &mut Out,
    ) {
        if b != self.ballot || self.phase != Phase::Preparing || self.promises.contains(&from) {
            return;
        }
        self.promises.push(from);
        for (s, ab, c) in accepted {
            if self.best.get(&s).is_none_or(|(x, _)| *x < ab) {
                self.best.insert(s, (ab, c));
            }
        }
        self.promised_compacted = self.promised_compacted.max(compacted);
        if let Some(snap) = snapshot {
            if self.promised_snapshot.as_ref().is_none_or(|s| s.slot < snap.slot) {
                self.promised_snapshot = Some(snap);
            }
        }
        if self.promises.len() >= self.quorum() {
            if self.multi {
                // Slots up to the highest `compacted` of the quorum are chosen but reported by
                // no Promise (folded away): the leader must know them from a snapshot before it
                // proposes above them. Above it every Promise is complete, as P2c needs.
                if let Some(snap) = self.promised_snapshot.take() {
                    self.install(snap, out);
                }
                if self.applied < self.promised_compacted {
                    self.behind_compaction(out);
                } else {
                    self.become_leader(now, out);
                }
            } else {
                self.single_phase2(now, out);
            }
        }
    }

    /// Phase 1 succeeded but this proposer has not learned slots the quorum folded away, and no
    /// Promise brought a snapshot (the acceptors that folded them are not learners): step back,
    /// ask the learners for their snapshot, and stand again at the next leader timeout.
    fn behind_compaction(&mut self, out: &mut Out) {
        self.phase = Phase::Idle;
        self.promises.clear();
        self.best.clear();
        self.arm_leader_timer(out);
        self.notice(
            out,
            NoticeKind::Behind,
            self.ballot.round,
            format!(
                "n{} won phase 1 but has applied only up to slot {}, while slots up to {} were folded into snapshots: it catches up before leading",
                self.id, self.applied, self.promised_compacted
            ),
        );
        let ask = Msg::HeartbeatAck {
            ballot: self.ballot,
            learned_upto: self.applied + 1,
            snapshot_upto: self.snapshot.slot,
        };
        for l in self.learners.clone() {
            if l != self.id {
                self.send(l, ask.clone(), out);
            }
        }
    }

    fn propose(&mut self, now: Time, slot: Slot, cmd: Cmd) {
        self.recent_proposals.push((slot, self.ballot, cmd.clone()));
        self.proposals.insert(slot, Proposal { cmd, acks: Vec::new(), sent_at: now });
    }

    fn send_accepts(&mut self, entries: Vec<(Slot, Cmd)>, out: &mut Out) {
        let msg = Msg::Accept { ballot: self.ballot, entries };
        for a in self.acceptors.clone() {
            self.send(a, msg.clone(), out);
        }
    }

    /// Single-decree phase 2 (§2.2 P2c): the value of the highest-numbered proposal among the
    /// promises, or, when none was accepted, this proposer's own (a waiting client's write).
    fn single_phase2(&mut self, now: Time, out: &mut Out) {
        let value = match self.best.get(&DECREE) {
            Some((_, c)) => Some(c.clone()),
            None => self.waiters.iter().find(|w| matches!(w.op, ClientOp::Write { .. })).map(|w| Cmd::Client {
                client: w.client,
                request: w.request,
                op: w.op.clone(),
            }),
        };
        match value {
            Some(cmd) => {
                self.phase = Phase::Accepting;
                self.propose(now, DECREE, cmd.clone());
                self.send_accepts(vec![(DECREE, cmd)], out);
            }
            None => {
                // A majority promised and none had accepted anything: nothing was chosen when
                // this round began, so reads that were waiting then may answer nil.
                self.phase = Phase::Idle;
                out.cancel_timer(Timer::Retry);
                let (done, rest): (Vec<Waiter>, Vec<Waiter>) =
                    std::mem::take(&mut self.waiters).into_iter().partition(|w| w.covered);
                self.waiters = rest;
                for w in done {
                    out.reply(w.client, w.request, decree_result(None, &w.op));
                }
                if !self.waiters.is_empty() {
                    self.prepare(now, out);
                }
            }
        }
    }

    fn on_accepted(&mut self, from: NodeId, b: Ballot, entries: Vec<(Slot, Cmd)>, out: &mut Out) {
        if b != self.ballot || !matches!(self.phase, Phase::Accepting | Phase::Leading) {
            return;
        }
        let q = self.quorum();
        let mut chosen = Vec::new();
        for (s, _) in entries {
            if let Some(p) = self.proposals.get_mut(&s) {
                if !p.acks.contains(&from) {
                    p.acks.push(from);
                }
                if p.acks.len() >= q {
                    chosen.push((s, p.cmd.clone()));
                }
            }
        }
        if chosen.is_empty() {
            return;
        }
        for (s, _) in &chosen {
            self.proposals.remove(s);
        }
        if !self.multi {
            self.notice(
                out,
                NoticeKind::Chosen,
                b.round,
                format!("value {} is chosen in ballot {}", chosen[0].1.text(), b.text()),
            );
        }
        for l in self.learners.clone() {
            if l != self.id {
                self.send(l, Msg::Chosen { entries: chosen.clone() }, out);
            }
        }
        // The proposer knows the value chosen: it learned it (whether or not it is a learner).
        for (s, c) in chosen {
            self.learn(s, c, out);
        }
    }

    fn client_single(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Out) {
        if let Some(c) = self.chosen() {
            let r = decree_result(Some(c), &op);
            out.reply(client, request, r);
            return;
        }
        if !self.is_proposer() {
            let to = self.proposers.first().copied().filter(|p| *p != self.id);
            out.reply(client, request, ClientResult::Redirect { leader: to });
            return;
        }
        if !self.waiters.iter().any(|w| w.client == client && w.request == request) {
            self.waiters.push(Waiter { client, request, op, covered: false });
        }
        if self.phase == Phase::Idle && !self.backing_off {
            self.prepare(now, out);
        }
    }

    // ------------------------------------------------------------------ Multi-Paxos leader

    fn become_leader(&mut self, now: Time, out: &mut Out) {
        self.phase = Phase::Leading;
        self.leader = Some(self.id);
        self.leader_ballot = self.ballot;
        out.cancel_timer(Timer::Leader);
        let top = self
            .best
            .keys()
            .last()
            .copied()
            .unwrap_or(0)
            .max(self.learned.keys().last().copied().unwrap_or(0))
            .max(self.from_slot - 1);
        let mut entries = Vec::new();
        let mut noops = 0;
        // Slots up to `applied` are chosen and applied here (some possibly from a snapshot).
        for s in self.from_slot.max(self.applied + 1)..=top {
            if self.learned.contains_key(&s) {
                continue;
            }
            let cmd = match self.best.get(&s) {
                Some((_, c)) => c.clone(),
                None => {
                    noops += 1;
                    Cmd::Noop
                }
            };
            self.propose(now, s, cmd.clone());
            entries.push((s, cmd));
        }
        self.best.clear();
        self.learner_snapshot.clear();
        self.snapshot_sent.clear();
        self.next_slot = top + 1;
        self.notice(
            out,
            NoticeKind::LeaderElected,
            self.ballot.round,
            format!(
                "n{} leads with ballot {}: re-proposes {} slot(s), {} no-op gap(s); new commands from slot {}",
                self.id,
                self.ballot.text(),
                entries.len(),
                noops,
                self.next_slot
            ),
        );
        if !entries.is_empty() {
            self.send_accepts(entries, out);
        }
        self.heartbeat(now, out);
        out.set_timer(Timer::Heartbeat, self.config.heartbeat_ms, self.config.heartbeat_ms);
    }

    fn heartbeat(&mut self, now: Time, out: &mut Out) {
        // Fold what every learner has applied and holds in its snapshot (so a learner that
        // crashes and restarts from it finds the next slots still here), keeping the last
        // KEEP_SLOTS as values, but hold no more than RETAIN_SLOTS for a learner that lags: it
        // will need a snapshot.
        let slowest = self
            .learners
            .iter()
            .filter(|l| **l != self.id)
            .map(|l| self.learner_snapshot.get(l).copied().unwrap_or(0))
            .fold(self.snapshot.slot, Slot::min);
        let compact_upto = slowest
            .max(self.applied.saturating_sub(self.config.retain_slots))
            .min(self.applied.saturating_sub(KEEP_SLOTS));
        self.compact(compact_upto, out);
        let msg = Msg::Heartbeat { ballot: self.ballot, chosen_upto: self.applied + 1, compact_upto };
        for p in 0..self.n {
            if p != self.id {
                out.send(p, msg.clone());
            }
        }
        // Re-send Accepts that a lost message left short of a majority.
        let hb = self.config.heartbeat_ms;
        let stale: Vec<(Slot, Vec<NodeId>, Cmd)> = self
            .proposals
            .iter()
            .filter(|(_, p)| now >= p.sent_at + hb)
            .take(RESEND_BATCH)
            .map(|(s, p)| (*s, p.acks.clone(), p.cmd.clone()))
            .collect();
        if stale.is_empty() {
            return;
        }
        for a in self.acceptors.clone() {
            let entries: Vec<(Slot, Cmd)> =
                stale.iter().filter(|(_, acks, _)| !acks.contains(&a)).map(|(s, _, c)| (*s, c.clone())).collect();
            if !entries.is_empty() {
                self.send(a, Msg::Accept { ballot: self.ballot, entries }, out);
            }
        }
        for (s, _, _) in stale {
            if let Some(p) = self.proposals.get_mut(&s) {
                p.sent_at = now;
            }
        }
    }

    fn follow(&mut self, b: Ballot, out: &mut Out) {
        self.leader = Some(b.node);
        self.leader_ballot = b;
        if self.is_proposer() && b.node != self.id {
            self.arm_leader_timer(out);
        }
    }

    fn on_heartbeat(&mut self, from: NodeId, b: Ballot, chosen_upto: Slot, compact_upto: Slot, out: &mut Out) {
        if self.is_acceptor() && b < self.promised {
            self.send(from, Msg::Nack { ballot: b, promised: self.promised }, out);
            return;
        }
        if b < self.leader_ballot || (self.phase != Phase::Idle && self.ballot > b) {
            return;
        }
        self.rival(b, out);
        self.follow(b, out);
        self.compact(compact_upto, out);
        // Ask for what is missing; otherwise report progress when it advanced (or to a new
        // leader), which tells the leader what every learner has applied (for compaction).
        if self.is_learner() && (self.applied + 1 < chosen_upto || self.acked != (b, self.applied)) {
            self.acked = (b, self.applied);
            let ack =
                Msg::HeartbeatAck { ballot: b, learned_upto: self.applied + 1, snapshot_upto: self.snapshot.slot };
            self.send(from, ack, out);
        }
    }

    /// Send learner `to`, which has applied every slot below `learned_upto`, what it misses: the
    /// chosen values if this node still has them, else its snapshot — once per need: again only
    /// if it still lacks it an election timeout later (lost on the way), as Raft's leader does
    /// with InstallSnapshot.
    fn catch_up(&mut self, now: Time, to: NodeId, learned_upto: Slot, out: &mut Out) {
        if learned_upto <= self.compacted {
            let retry = self.config.election_timeout_ms[1];
            if self.snapshot.slot > 0 && self.snapshot_sent.get(&to).is_none_or(|at| now >= at + retry) {
                self.snapshot_sent.insert(to, now);
                self.send(to, Msg::Snapshot { snapshot: self.snapshot.clone() }, out);
            }
            return;
        }
        self.snapshot_sent.remove(&to);
        let entries: Vec<(Slot, Cmd)> = self
            .learned
            .range_from(&learned_upto)
            .take_while(|(s, _)| **s <= self.applied)
            .take(CATCH_UP_BATCH)
            .map(|(s, c)| (*s, c.clone()))
            .collect();
        if !entries.is_empty() {
            self.send(to, Msg::Chosen { entries }, out);
        }
    }

    /// Fold every slot up to `upto` away — a learner: only what its snapshot covers — the
    /// learned values dropped (the snapshot holds their effect), the accepted ones too: they are
    /// chosen, and a Promise now reports them as `compacted` instead. In batches of
    /// [`COMPACT_BATCH`].
    fn compact(&mut self, upto: Slot, out: &mut Out) {
        let floor = if self.is_learner() { upto.min(self.snapshot.slot) } else { upto };
        if !self.multi || floor < self.compacted + COMPACT_BATCH {
            return;
        }
        self.learned.remove_below(&(floor + 1));
        self.accepted.remove_below(&(floor + 1));
        self.proposals.remove_below(&(floor + 1));
        self.compacted = floor;
        out.persist(self.durable());
        self.notice(
            out,
            NoticeKind::Snapshot,
            self.max_round,
            format!("n{} folded slots up to {floor} away (its snapshot covers up to {})", self.id, self.snapshot.slot),
        );
    }

    /// A snapshot from a replica ahead of this one: its state machine replaces ours if newer,
    /// and the slots it covers are folded away here too.
    fn install(&mut self, snap: Snapshot, out: &mut Out) {
        if !self.multi || !self.is_learner() || snap.slot <= self.applied {
            return;
        }
        let slot = snap.slot;
        self.replica = snap.replica.clone();
        self.applied = slot;
        // Clients waiting on slots the snapshot covers: their sessions hold the answers.
        for (c, r) in self.pending.iter().filter(|(s, _)| **s <= slot).map(|(_, cr)| *cr) {
            if let Some((last, result)) = self.replica.sessions.get(&c) {
                if *last == r {
                    out.reply(c, r, result.clone());
                }
            }
        }
        self.pending.remove_below(&(slot + 1));
        self.learned.remove_below(&(slot + 1));
        self.accepted.remove_below(&(slot + 1));
        self.proposals.remove_below(&(slot + 1));
        self.compacted = self.compacted.max(slot);
        self.snapshot = snap;
        out.persist(self.durable());
        self.notice(
            out,
            NoticeKind::SnapshotInstalled,
            self.max_round,
            format!("n{} installed a snapshot up to slot {slot}", self.id),
        );
        self.apply_learned(out);
    }

    fn client_multi(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Out) {
        if self.phase != Phase::Leading {
            out.reply(client, request, ClientResult::Redirect { leader: self.leader.filter(|l| *l != self.id) });
            return;
        }
        if let Some((last, result)) = self.replica.sessions.get(&client) {
            if request <= *last {
                out.reply(client, request, result.clone());
                return;
            }
        }
        let in_flight = self
            .proposals
            .values()
            .any(|p| matches!(&p.cmd, Cmd::Client { client: c, request: r, .. } if *c == client && *r == request));
        if in_flight {
            return; // answered when its slot is applied
        }
        let slot = self.next_slot;
        self.next_slot += 1;
        let cmd = Cmd::Client { client, request, op };
        self.propose(now, slot, cmd.clone());
        self.pending.insert(slot, (client, request));
        self.send_accepts(vec![(slot, cmd)], out);
    }

    // ------------------------------------------------------------------ learner

    fn learn(&mut self, slot: Slot, cmd: Cmd, out: &mut Out) {
        // Folded or applied slots (Multi-Paxos) are known already.
        if self.learned.contains_key(&slot) || (self.multi && slot <= self.applied.max(self.compacted)) {
            return;
        }
        self.learned.insert(slot, cmd.clone());
        self.recent_learned.push((slot, cmd.clone()));
        if self.multi {
            self.apply_learned(out);
        } else {
            self.phase = Phase::Idle;
            self.backing_off = false;
            self.proposals.clear();
            out.cancel_timer(Timer::Retry);
            for w in std::mem::take(&mut self.waiters) {
                out.reply(w.client, w.request, decree_result(Some(&cmd), &w.op));
            }
        }
    }

    /// Multi-Paxos: apply learned slots in slot order (a gap waits for its value), and every
    /// [`COMPACT_BATCH`] slots save the state machine as this replica's snapshot ("Paxos Made
    /// Live" §5.5; Raft §7 likewise has each server snapshot on its own). A snapshot only
    /// makes slots foldable: they are dropped when the leader says every learner has them.
    fn apply_learned(&mut self, out: &mut Out) {
        while let Some(c) = self.learned.get(&(self.applied + 1)).cloned() {
            self.applied += 1;
            let result = self.replica.apply(&c);
            if let Some((pc, pr)) = self.pending.remove(&self.applied) {
                if let (Cmd::Client { client, request, .. }, Some(res)) = (&c, result) {
                    if *client == pc && *request == pr {
                        out.reply(pc, pr, res);
                    }
                }
            }
        }
        if self.applied >= self.snapshot.slot + COMPACT_BATCH {
            self.snapshot = Snapshot { slot: self.applied, replica: self.replica.clone() };
            out.persist(self.durable());
        }
    }

    // ------------------------------------------------------------------ view

    fn role_name(&self) -> &'static str {
        match (self.multi, self.phase) {
            (true, Phase::Leading) => "leader",
            (true, Phase::Preparing) => "candidate",
            (true, _) => "follower",
            (false, Phase::Idle) => "follower",
            (false, _) => "proposer",
        }
    }

    fn view(&self) -> NodeView<PaxosView> {
        let top = [
            self.accepted.keys().last().copied().unwrap_or(0),
            self.learned.keys().last().copied().unwrap_or(0),
            self.proposals.keys().last().copied().unwrap_or(0),
            self.applied,
        ]
        .into_iter()
        .max()
        .unwrap_or(0);
        let first = top.saturating_sub(SLOT_TABLE - 1).max(1);
        let slots: Vec<PaxosSlotView> = (first..=top)
            .map(|s| {
                let acc = self.accepted.get(&s);
                PaxosSlotView {
                    slot: s,
                    proposed: self.proposals.get(&s).map(|p| p.cmd.text()),
                    accepted_ballot: acc.map(|(b, _)| b.text()),
                    accepted: acc.map(|(_, c)| c.text()),
                    chosen: self.learned.get(&s).map(|c| c.text()),
                }
            })
            .collect();
        let log = (top.saturating_sub(NodeView::LOG_TAIL as u64 - 1).max(1)..=top)
            .filter_map(|s| {
                let learned = self.learned.get(&s);
                let acc = self.accepted.get(&s);
                let (term, text) = match (learned, acc) {
                    (Some(c), a) => (a.map(|(b, _)| b.round).unwrap_or(0), c.text()),
                    (None, Some((b, c))) => (b.round, c.text()),
                    (None, None) => return None,
                };
                Some(LogEntryView { index: s, term, text, committed: learned.is_some() })
            })
            .collect();
        let mut roles = String::new();
        for (has, badge) in [(self.is_proposer(), 'P'), (self.is_acceptor(), 'A'), (self.is_learner(), 'L')] {
            if has {
                roles.push(badge);
            }
        }
        let kv = if self.multi {
            self.replica.kv.data.clone()
        } else {
            match self.chosen() {
                Some(Cmd::Client { op: ClientOp::Write { key, value }, .. }) => {
                    [(key.clone(), *value)].into_iter().collect()
                }
                _ => VecMap::new(),
            }
        };
        NodeView {
            role: self.role_name().to_string(),
            term: self.max_round.max(self.promised.round),
            voted_for: (self.promised.round > 0).then_some(self.promised.node),
            leader: if self.multi { self.leader } else { None },
            commit_index: if self.multi { self.applied } else { self.chosen().is_some() as u64 },
            snapshot_index: self.compacted,
            last_index: top,
            log,
            peers: Vec::new(),
            votes: if self.phase == Phase::Preparing { self.promises.clone() } else { Vec::new() },
            kv,
            detail: PaxosView {
                roles,
                phase: if self.backing_off { "backing off" } else { self.phase.name() },
                ballot: self.ballot.shown(),
                promised: self.promised.shown(),
                accepted: if self.multi {
                    None
                } else {
                    self.accepted.get(&DECREE).map(|(b, c)| format!("{}: {}", b.text(), c.text()))
                },
                chosen: if self.multi { None } else { self.chosen().map(|c| c.text()) },
                chosen_upto: self.applied + 1,
                leader: if self.multi { self.leader } else { None },
                slots,
            },
        }
    }
}

/// Paxos-specific part of a node's view: roles, ballots and the per-slot table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaxosView {
    /// Role badges, a subset of `PAL` (proposer, acceptor, learner).
    pub roles: String,
    /// Proposer state: `idle`, `phase 1`, `phase 2`, `leader` or `backing off`.
    pub phase: &'static str,
    /// The ballot this node last proposed with, e.g. `3.1`.
    pub ballot: Option<String>,
    /// The highest ballot this acceptor promised.
    pub promised: Option<String>,
    /// Single-decree: the ballot and value this acceptor accepted, e.g. `3.1: x=4`.
    pub accepted: Option<String>,
    /// Single-decree: the chosen value, once this node knows it (it never changes).
    pub chosen: Option<String>,
    /// Multi-Paxos: every slot below this is learned and applied here.
    pub chosen_upto: Slot,
    /// Multi-Paxos: the leader this node believes in.
    pub leader: Option<NodeId>,
    /// The last slots (at most [`SLOT_TABLE`]): proposed / accepted / chosen.
    pub slots: Vec<PaxosSlotView>,
}

/// Serialised as the frame's `paxos` beside the common header.
impl Detail for PaxosView {
    fn key(&self) -> Option<&'static str> {
        Some("paxos")
    }
}

/// One row of the slot table.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct PaxosSlotView {
    /// Slot number.
    pub slot: Slot,
    /// The value this node proposes there in its current ballot (not yet chosen).
    pub proposed: Option<String>,
    /// Ballot of the proposal this acceptor accepted there.
    pub accepted_ballot: Option<String>,
    /// Value this acceptor accepted there.
    pub accepted: Option<String>,
    /// Value this node learned chosen there.
    pub chosen: Option<String>,
}

fn entries_text(entries: &[(Slot, Cmd)], multi: bool) -> String {
    match (entries, multi) {
        ([(_, c)], false) => format!("value {}", c.text()),
        ([(s, c)], true) => format!("slot {s}, value {}", c.text()),
        ([], _) => "nothing".into(),
        ([(a, _), .., (b, _)], _) => format!("slots {a}–{b} ({} values)", entries.len()),
    }
}

fn msg_info(msg: &Msg, multi: bool) -> MsgInfo {
    let (kind, is_reply, detail) = match msg {
        Msg::Prepare { ballot, from_slot } => (
            "Prepare",
            false,
            if multi {
                format!("ballot {}, slots from {from_slot}", ballot.text())
            } else {
                format!("ballot {}", ballot.text())
            },
        ),
        Msg::Promise { ballot, accepted, compacted, snapshot } => (
            "Promise",
            true,
            match (accepted.as_slice(), multi) {
                ([], _) => format!("ballot {}, nothing accepted", ballot.text()),
                ([(_, ab, c)], false) => format!("ballot {}, accepted {}: {}", ballot.text(), ab.text(), c.text()),
                (a, _) => format!("ballot {}, {} accepted slot(s)", ballot.text(), a.len()),
            } + &match (compacted, snapshot) {
                (0, _) => String::new(),
                (c, None) => format!(", slots up to {c} folded"),
                (c, Some(s)) => format!(", slots up to {c} folded, snapshot up to {}", s.slot),
            },
        ),
        Msg::Nack { ballot, promised } => {
            ("Nack", true, format!("ballot {} refused: promised {}", ballot.text(), promised.text()))
        }
        Msg::Accept { ballot, entries } => {
            ("Accept", false, format!("ballot {}, {}", ballot.text(), entries_text(entries, multi)))
        }
        Msg::Accepted { ballot, entries } => {
            ("Accepted", true, format!("ballot {}, {}", ballot.text(), entries_text(entries, multi)))
        }
        Msg::Chosen { entries } => ("Chosen", false, entries_text(entries, multi)),
        Msg::Heartbeat { ballot, chosen_upto, compact_upto } => (
            "Heartbeat",
            false,
            format!("ballot {}, chosen below slot {chosen_upto}, fold up to {compact_upto}", ballot.text()),
        ),
        Msg::HeartbeatAck { ballot, learned_upto, snapshot_upto } => (
            "HeartbeatAck",
            true,
            format!("ballot {}, applied below slot {learned_upto}, snapshot up to {snapshot_upto}", ballot.text()),
        ),
        Msg::Snapshot { snapshot } => ("Snapshot", false, format!("state as of slot {}", snapshot.slot)),
    };
    MsgInfo { kind, is_reply, detail }
}

/// Single-decree Paxos ("Paxos Made Simple" §2): protocol `paxos`.
#[derive(Clone, Debug, Hash)]
pub struct Paxos(Node);

/// Multi-Paxos ("Paxos Made Simple" §3): protocol `multipaxos`.
#[derive(Clone, Debug, Hash)]
pub struct MultiPaxos(Node);

impl std::ops::Deref for Paxos {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.0
    }
}

impl std::ops::Deref for MultiPaxos {
    type Target = Node;
    fn deref(&self) -> &Node {
        &self.0
    }
}

/// The Paxos family's seeded bugs (single-decree and Multi-Paxos share the acceptor).
const PAXOS_UNSAFE_SWITCHES: &[UnsafeSwitch] = &[
    UnsafeSwitch {
        name: "forget-on-crash",
        key: "unsafe_forget_on_crash",
        breaks: "Paxos acceptors restart with no promise and nothing accepted",
        shown_by: None,
        explore: None,
    },
    UnsafeSwitch {
        name: "no-persist-promise",
        key: "unsafe_no_persist_promise",
        breaks: "a Paxos acceptor promises before the promise is on stable storage",
        shown_by: None,
        explore: None,
    },
];

impl Protocol for Paxos {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = PaxosConfig;
    type Op = ClientOp;
    type View = PaxosView;
    const NAME: &'static str = "paxos";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes, false)
    }
    // Single-decree Paxos serves a write-once register: its histories are linearizable as a
    // register, and the sweep checks them.
    const LINEARIZABLE: bool = true;
    const UNSAFE_SWITCHES: &'static [UnsafeSwitch] = PAXOS_UNSAFE_SWITCHES;

    fn prepare_config(config: &mut PaxosConfig, nodes: u32, _seed: u64) -> Result<(), String> {
        config.validate(nodes, false)
    }

    fn start(id: NodeId, n: u32, config: &PaxosConfig, durable: Option<Durable>, _now: Time, out: &mut Out) -> Self {
        Paxos(Node::start(false, id, n, config, durable, out))
    }
    fn reconfigure(&mut self, _now: Time, config: &PaxosConfig, _out: &mut Out) -> Result<(), String> {
        self.0.reconfigure(config)
    }
    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Out) {
        self.0.on_message(now, from, msg, out)
    }
    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Out) {
        self.0.on_timer(now, timer, out)
    }
    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Out) {
        self.0.on_client(now, client, request, op, out)
    }
    fn durable(&self) -> Durable {
        self.0.durable()
    }
    fn timeout_timer(&self) -> Option<Timer> {
        (self.is_proposer() && self.chosen().is_none()).then_some(Timer::Retry)
    }
    fn approx_bytes(&self) -> usize {
        self.0.approx_bytes()
    }
    fn view(&self) -> NodeView<PaxosView> {
        self.0.view()
    }
    fn msg_info(msg: &Msg) -> MsgInfo {
        msg_info(msg, false)
    }
}

/// Run `f` on the shared core and pass its outputs on (both protocols share one outbox type
/// inside, so the core is compiled once).
fn relay(out: &mut Outbox<MultiPaxos>, f: impl FnOnce(&mut Out)) {
    let mut inner = Out::new();
    f(&mut inner);
    for o in inner.drain() {
        match o {
            Output::Send { to, msg } => out.send(to, msg),
            Output::SetTimer { timer, min, max } => out.set_timer(timer, min, max),
            Output::CancelTimer { timer } => out.cancel_timer(timer),
            Output::Persist(d) => out.persist(d),
            Output::Reply { client, request, result } => out.reply(client, request, result),
            Output::Notice(n) => out.notice(n.kind, n.term, n.text),
        }
    }
}

impl Protocol for MultiPaxos {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = PaxosConfig;
    type Op = ClientOp;
    type View = PaxosView;
    const NAME: &'static str = "multipaxos";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes, true)
    }
    const LINEARIZABLE: bool = true;
    const UNSAFE_SWITCHES: &'static [UnsafeSwitch] = PAXOS_UNSAFE_SWITCHES;

    fn prepare_config(config: &mut PaxosConfig, nodes: u32, _seed: u64) -> Result<(), String> {
        config.validate(nodes, true)
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &PaxosConfig,
        durable: Option<Durable>,
        _now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let mut node = None;
        relay(out, |o| node = Some(Node::start(true, id, n, config, durable, o)));
        MultiPaxos(node.expect("started"))
    }
    fn reconfigure(&mut self, _now: Time, config: &PaxosConfig, _out: &mut Outbox<Self>) -> Result<(), String> {
        self.0.reconfigure(config)
    }
    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        relay(out, |o| self.0.on_message(now, from, msg, o))
    }
    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Outbox<Self>) {
        relay(out, |o| self.0.on_timer(now, timer, o))
    }
    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>) {
        relay(out, |o| self.0.on_client(now, client, request, op, o))
    }
    fn durable(&self) -> Durable {
        self.0.durable()
    }
    fn timeout_timer(&self) -> Option<Timer> {
        (self.is_proposer() && self.phase() != Phase::Leading).then_some(Timer::Leader)
    }
    fn approx_bytes(&self) -> usize {
        self.0.approx_bytes()
    }
    fn view(&self) -> NodeView<PaxosView> {
        self.0.view()
    }
    fn msg_info(msg: &Msg) -> MsgInfo {
        msg_info(msg, true)
    }
}
