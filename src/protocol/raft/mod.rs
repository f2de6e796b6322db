//! Raft (Ongaro & Ousterhout, "In Search of an Understandable Consensus Algorithm", extended
//! version, 2014), with PreVote and CheckQuorum from Ongaro's thesis (§9.6), log compaction by
//! snapshot (§7) and linearizable reads by ReadIndex (thesis §6.4).
//!
//! ```text
//!                       times out,                    receives votes from
//!    starts up ──▶ ┌──────────┐  starts election  ┌───────────┐ majority of servers ┌────────┐
//!                  │ Follower │ ─────────────────▶│ Candidate │────────────────────▶│ Leader │
//!                  └──────────┘                   └───────────┘                     └────────┘
//!                     ▲  ▲ discovers current leader   │  │ times out,                  │
//!                     │  └────────────────────────────┘  └─ new election               │
//!                     └──────────────── discovers server with higher term ─────────────┘
//!    (with PreVote a follower first becomes a PreCandidate and asks "would you vote for me
//!     in term+1?" without raising its term; only a majority of yeses starts a real election)
//! ```
//!
//! * **Durable** (Figure 2): `currentTerm`, `votedFor`, `log[]`, plus the latest snapshot.
//!   Everything else (commitIndex, lastApplied, nextIndex[], matchIndex[], role) is volatile and
//!   rebuilt on restart. Durable state is written (`Persist`) before any message that depends on
//!   it leaves the node, within the same step.
//! * **Commit rule** (§5.4.2, Figure 8): a leader advances commitIndex only to an index N whose
//!   entry has the leader's *current* term and is stored on a majority; earlier-term entries are
//!   committed indirectly. Every new leader appends a no-op entry (§8) so this happens promptly.
//! * **Reads** use ReadIndex (thesis §6.4): the leader records its commitIndex as the read
//!   index once it has committed an entry of its term, confirms it is still leader with one
//!   round of heartbeats acknowledged by a majority, waits until it has applied the read index,
//!   then answers from its state machine. Reads do not go through the log.
//! * **Client sessions** (§8): each client has one operation outstanding with increasing request
//!   ids; the state machine remembers each client's last applied request, so a duplicated or
//!   re-sent command is applied at most once.

pub mod config;
pub mod invariants;

use super::{
    ClientId, ClientOp, ClientResult, KvStore, LogEntryView, MsgInfo, NodeId, NodeView, NoticeKind, Outbox,
    PeerProgress, Protocol, RequestId, Time, UnsafeSwitch,
};
use crate::core::vecmap::VecMap;
use serde::{Deserialize, Serialize};

/// Raft settings, as written under `"config"` in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(deny_unknown_fields, default)]
pub struct RaftConfig {
    /// Election timeout range in ms; each arm draws uniformly from it (§5.2).
    pub election_timeout_ms: [Time; 2],
    /// Leader heartbeat / replication interval in ms.
    pub heartbeat_ms: Time,
    /// PreVote (thesis §9.6): ask for votes without raising the term first.
    pub pre_vote: bool,
    /// CheckQuorum (thesis §6.2, §9.6): a leader that has not heard from a majority within an
    /// election timeout steps down; followers ignore vote requests while they hear a leader.
    pub check_quorum: bool,
    /// Take a snapshot once this many applied entries follow the last one (0 = never, §7).
    pub snapshot_threshold: u64,
    /// Most entries carried by one AppendEntries.
    pub max_entries_per_append: u64,
    /// TEST ONLY, breaks safety: grant votes without the election restriction (§5.4.1).
    pub unsafe_no_election_restriction: bool,
    /// TEST ONLY, breaks linearizability: any node answers reads from its local state.
    pub unsafe_local_reads: bool,
    /// TEST ONLY, breaks safety: a leader commits an entry of an earlier term once it is stored
    /// on a majority, by counting replicas — the rule §5.4.2 and Figure 8 show to be unsafe.
    pub unsafe_commit_old_terms: bool,
    /// TEST ONLY, breaks safety: grant a vote without persisting `votedFor` first (Figure 2:
    /// "updated on stable storage before responding to RPCs"; §5.2: at most one vote per term).
    /// A crash right after the reply forgets the vote, and the server votes again in that term.
    pub unsafe_no_persist_vote: bool,
}

impl Default for RaftConfig {
    fn default() -> Self {
        RaftConfig {
            election_timeout_ms: [150, 300],
            heartbeat_ms: 50,
            pre_vote: false,
            check_quorum: false,
            snapshot_threshold: 64,
            max_entries_per_append: 16,
            unsafe_no_election_restriction: false,
            unsafe_local_reads: false,
            unsafe_commit_old_terms: false,
            unsafe_no_persist_vote: false,
        }
    }
}

impl RaftConfig {
    /// The config `cap elections` measures (Figure 2's timer at the default timeouts,
    /// CheckQuorum off, PreVote as given), as a scenario's `config`.
    pub fn elections_config(pre_vote: bool) -> serde_json::Value {
        let config = RaftConfig::default();
        serde_json::json!({
            "election_timeout_ms": config.election_timeout_ms,
            "heartbeat_ms": config.heartbeat_ms,
            "pre_vote": pre_vote,
            "check_quorum": false,
        })
    }
}

/// What a log entry carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Command {
    /// The entry a new leader appends to commit an entry of its own term (§8).
    Noop,
    /// A client's write or compare-and-set. The operation is shared (`Rc`) by every copy of
    /// the entry — in messages, in each server's log and on its disk — so replicating and
    /// persisting an entry copies no strings, and comparing two copies of one entry is a pointer
    /// comparison (`Rc`'s equality checks identity first; `Hash` sees the operation itself). `Rc`,
    /// not `Arc`: the world is single-threaded, and an atomic count on each entry of every log
    /// copied cost a tenth of a Raft run's time.
    Client { client: ClientId, request: RequestId, op: std::rc::Rc<ClientOp> },
}

/// One log entry: the term it was created in and its command.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Entry {
    /// Term of the leader that created the entry.
    pub term: u64,
    /// The command.
    pub command: Command,
}

impl Entry {
    /// What the entry carries, e.g. `write x=3` or `no-op`.
    pub fn text(&self) -> String {
        match &self.command {
            Command::Noop => "no-op".to_string(),
            Command::Client { op, .. } => op.label(),
        }
    }
}

/// The replicated state machine: the key-value store plus client sessions (§8).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateMachine {
    /// Key-value data.
    pub kv: KvStore,
    /// Per client: last applied request id and its result (applies each request at most once).
    pub sessions: VecMap<ClientId, (RequestId, ClientResult)>,
}

impl StateMachine {
    fn apply(&mut self, command: &Command) -> Option<ClientResult> {
        match command {
            Command::Noop => None,
            Command::Client { client, request, op } => {
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
    }
}

/// A snapshot: the state machine as of `last_index`, which had term `last_term` (§7).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Snapshot {
    /// Last log index the snapshot replaces.
    pub last_index: u64,
    /// Term of that entry.
    pub last_term: u64,
    /// State machine after applying entries `1..=last_index`. Shared (`Rc`) by every copy —
    /// on each server's disk after every persist, in InstallSnapshot — so persisting the log
    /// does not copy the store's strings (they were four of every five allocations a persist
    /// made).
    pub state: std::rc::Rc<StateMachine>,
}

/// `log[]` after the snapshot (`log[0]` has index `snapshot.last_index + 1`), counting its
/// changes, and among them its cuts (entries removed from the end or replaced): the invariant
/// checker compares logs again only when one changed since it last looked
/// ([`Raft::log_changes`]), and re-checks old entries only after a cut ([`Raft::log_cuts`]). The
/// counts are bookkeeping, not state: `Hash` (the explorer's fingerprint) sees the entries only.
#[derive(Clone, Debug, Default)]
struct Log {
    entries: Vec<Entry>,
    changes: u64,
    cuts: u64,
}

impl std::hash::Hash for Log {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        self.entries.hash(h);
    }
}

impl std::ops::Deref for Log {
    type Target = [Entry];
    fn deref(&self) -> &[Entry] {
        &self.entries
    }
}

impl From<Vec<Entry>> for Log {
    fn from(entries: Vec<Entry>) -> Log {
        Log { entries, changes: 0, cuts: 0 }
    }
}

impl Log {
    fn push(&mut self, e: Entry) {
        self.changes += 1;
        self.entries.push(e);
    }
    fn extend_from_slice(&mut self, es: &[Entry]) {
        self.changes += 1;
        self.entries.extend_from_slice(es);
    }
    fn truncate(&mut self, len: usize) {
        self.changes += 1;
        self.cuts += 1;
        self.entries.truncate(len);
    }
    /// Drop the first `n` entries (compacted into a snapshot).
    fn drain_front(&mut self, n: usize) {
        self.changes += 1;
        self.entries.drain(..n);
    }
    fn clear(&mut self) {
        self.changes += 1;
        self.cuts += 1;
        self.entries.clear();
    }
    #[cfg(test)]
    fn replace(&mut self, entries: Vec<Entry>) {
        self.changes += 1;
        self.cuts += 1;
        self.entries = entries;
    }
}

/// Durable state (Figure 2): survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Durable {
    /// Latest term this server has seen.
    pub current_term: u64,
    /// Candidate that received this server's vote in `current_term`.
    pub voted_for: Option<NodeId>,
    /// Entries after the snapshot; `log[0]` has index `snapshot.last_index + 1`.
    pub log: Vec<Entry>,
    /// Latest snapshot.
    pub snapshot: Snapshot,
}

/// Raft's peer messages, named as in the paper.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Invoked by candidates to gather votes (§5.2); with `pre_vote`, a PreVote (thesis §9.6).
    RequestVote { term: u64, candidate: NodeId, last_log_index: u64, last_log_term: u64, pre_vote: bool },
    /// Answer to RequestVote.
    RequestVoteResponse { term: u64, vote_granted: bool, pre_vote: bool },
    /// Invoked by the leader to replicate entries and as heartbeat (§5.3). `seq` numbers
    /// heartbeat rounds so ReadIndex can tell which round confirmed leadership.
    AppendEntries {
        term: u64,
        leader: NodeId,
        prev_log_index: u64,
        prev_log_term: u64,
        entries: Vec<Entry>,
        leader_commit: u64,
        seq: u64,
    },
    /// Answer to AppendEntries. On rejection, `conflict_index`/`conflict_term` let the leader
    /// skip back a whole term at a time (§5.3, "the protocol can be optimized").
    AppendEntriesResponse {
        term: u64,
        success: bool,
        match_index: u64,
        conflict_index: u64,
        conflict_term: Option<u64>,
        seq: u64,
    },
    /// Invoked by the leader to send a snapshot to a follower that is behind it (§7).
    InstallSnapshot { term: u64, leader: NodeId, snapshot: Snapshot },
    /// Answer to InstallSnapshot.
    InstallSnapshotResponse { term: u64, last_index: u64 },
}

impl Msg {
    fn term(&self) -> u64 {
        match self {
            Msg::RequestVote { term, .. }
            | Msg::RequestVoteResponse { term, .. }
            | Msg::AppendEntries { term, .. }
            | Msg::AppendEntriesResponse { term, .. }
            | Msg::InstallSnapshot { term, .. }
            | Msg::InstallSnapshotResponse { term, .. } => *term,
        }
    }
}

/// Raft's timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Follower / candidate: no leader heard from; start an election.
    Election,
    /// Leader: send AppendEntries (heartbeats) to every peer.
    Heartbeat,
    /// Leader with CheckQuorum: step down unless a majority was heard from recently.
    QuorumCheck,
}

/// A server's role (§5.1).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Role {
    /// Passive: answers leaders and candidates.
    Follower,
    /// PreVote phase (thesis §9.6): polling peers before raising the term.
    PreCandidate,
    /// Asking for votes in `current_term`.
    Candidate,
    /// Handles all client requests and replicates the log.
    Leader,
}

impl Role {
    /// Lowercase name as shown to the reader.
    pub fn name(self) -> &'static str {
        match self {
            Role::Follower => "follower",
            Role::PreCandidate => "pre_candidate",
            Role::Candidate => "candidate",
            Role::Leader => "leader",
        }
    }
}

#[derive(Clone, Debug, Hash)]
struct Progress {
    next_index: u64,
    match_index: u64,
    /// Highest heartbeat round this peer acknowledged (ReadIndex).
    acked_seq: u64,
    /// Heard from since the last quorum check (CheckQuorum).
    recent_active: bool,
    /// An InstallSnapshot sent and not yet answered (etcd's `StateSnapshot`): nothing but
    /// heartbeats goes to this peer until its reply, or until it answers a heartbeat
    /// [`Raft::snapshot_retry_ms`] or more after the snapshot left (then it is sent again).
    pending_snapshot: Option<PendingSnapshot>,
}

/// The snapshot a peer was sent: up to which index, and when.
#[derive(Clone, Copy, Debug, Hash)]
struct PendingSnapshot {
    index: u64,
    sent_at: Time,
}

#[derive(Clone, Debug, Hash)]
struct PendingRead {
    client: ClientId,
    request: RequestId,
    key: String,
    read_index: u64,
    seq: u64,
}

/// One Raft server (`Hash`: the explorer fingerprints whole nodes).
#[derive(Clone, Debug, Hash)]
pub struct Raft {
    id: NodeId,
    n: u32,
    config: RaftConfig,
    // Durable (Figure 2).
    current_term: u64,
    voted_for: Option<NodeId>,
    log: Log,
    snapshot: Snapshot,
    // Volatile.
    role: Role,
    leader: Option<NodeId>,
    commit_index: u64,
    last_applied: u64,
    state: StateMachine,
    votes: VecMap<NodeId, bool>,
    progress: VecMap<NodeId, Progress>,
    /// Client writes this node appended as leader, by log index, to answer once applied.
    pending_writes: VecMap<u64, (ClientId, RequestId)>,
    pending_reads: Vec<PendingRead>,
    heartbeat_seq: u64,
    /// Last time a current leader was heard from (leader stickiness with CheckQuorum/PreVote).
    last_leader_contact: Option<Time>,
}

impl Raft {
    /// This server's id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// Current role.
    pub fn role(&self) -> Role {
        self.role
    }
    /// `currentTerm`.
    pub fn current_term(&self) -> u64 {
        self.current_term
    }
    /// `votedFor`.
    pub fn voted_for(&self) -> Option<NodeId> {
        self.voted_for
    }
    /// `commitIndex`.
    pub fn commit_index(&self) -> u64 {
        self.commit_index
    }
    /// `lastApplied`.
    pub fn last_applied(&self) -> u64 {
        self.last_applied
    }
    /// Index of the last log entry (counting the snapshot).
    #[inline(always)] // hot (replication, invariants): inlined even in the size-optimised wasm
    pub fn last_index(&self) -> u64 {
        self.snapshot.last_index + self.log.len() as u64
    }
    /// Term of the last log entry.
    pub fn last_term(&self) -> u64 {
        self.log.last().map(|e| e.term).unwrap_or(self.snapshot.last_term)
    }
    /// The latest snapshot.
    pub fn snapshot(&self) -> &Snapshot {
        &self.snapshot
    }
    /// Applied key-value state.
    pub fn state_machine(&self) -> &StateMachine {
        &self.state
    }
    /// How many times this node's log has changed since it started (appends, truncations,
    /// compactions): equal counts mean the same log. Bookkeeping for the invariant checker.
    pub fn log_changes(&self) -> u64 {
        self.log.changes
    }
    /// How many times entries were cut from this node's log (truncated from the end, cleared or
    /// replaced; not compaction into a snapshot): with equal counts and the same snapshot, every
    /// entry the log held then is still there at the same index. Bookkeeping for the checker.
    pub fn log_cuts(&self) -> u64 {
        self.log.cuts
    }
    /// The entries from index `from` to `to` (inclusive) that are still in the log.
    pub fn entries(&self, from: u64, to: u64) -> &[Entry] {
        let first = self.snapshot.last_index + 1;
        let (from, to) = (from.max(first), to.min(self.last_index()));
        if from > to {
            return &[];
        }
        &self.log[(from - first) as usize..=(to - first) as usize]
    }
    /// The entry at `index`, when it is still in the log (not compacted).
    #[inline(always)] // hot (replication, invariants): inlined even in the size-optimised wasm
    pub fn entry(&self, index: u64) -> Option<&Entry> {
        if index <= self.snapshot.last_index || index > self.last_index() {
            None
        } else {
            self.log.get((index - self.snapshot.last_index - 1) as usize)
        }
    }
    /// Term of the entry at `index`: known for the snapshot's last entry and for log entries.
    #[inline(always)] // hot (replication, invariants): inlined even in the size-optimised wasm
    pub fn term_at(&self, index: u64) -> Option<u64> {
        if index == self.snapshot.last_index {
            Some(self.snapshot.last_term)
        } else {
            self.entry(index).map(|e| e.term)
        }
    }
    /// The leader this node knows of.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// `matchIndex[peer]` when leader.
    pub fn match_index(&self, peer: NodeId) -> Option<u64> {
        self.progress.get(&peer).map(|p| p.match_index)
    }

    fn quorum(&self) -> usize {
        self.n as usize / 2 + 1
    }
    fn peers(&self) -> impl Iterator<Item = NodeId> + '_ {
        (0..self.n).filter(move |p| *p != self.id)
    }

    fn reset_election_timer(&self, out: &mut Outbox<Self>) {
        let [lo, hi] = self.config.election_timeout_ms;
        out.set_timer(Timer::Election, lo, hi.max(lo));
    }

    /// §5.1: "If RPC request or response contains term T > currentTerm: set currentTerm = T,
    /// convert to follower."
    ///
    /// This does not restart the election timer (Figure 2, Followers: only AppendEntries from
    /// the current leader or a granted vote do; their handlers restart it). A candidate keeps the
    /// timer its campaign armed, a follower keeps its running timer, so a stale candidate's
    /// refused RequestVote cannot postpone an up-to-date server's election. Only a leader, which
    /// has no election timer, arms one as it steps down.
    fn become_follower(&mut self, term: u64, leader: Option<NodeId>, out: &mut Outbox<Self>) {
        let was_leader = self.role == Role::Leader;
        if term > self.current_term {
            self.current_term = term;
            self.voted_for = None;
            out.persist(self.durable());
        }
        self.role = Role::Follower;
        self.leader = leader;
        self.votes.clear();
        self.progress.clear();
        if was_leader {
            out.cancel_timer(Timer::Heartbeat);
            out.cancel_timer(Timer::QuorumCheck);
            out.notice(
                NoticeKind::SteppedDown,
                Some(self.current_term),
                format!("n{} stepped down in term {}", self.id, self.current_term),
            );
            // Reads never took effect, so refusing them is safe. Pending writes stay pending:
            // a later leader may still commit them, and `apply` answers the client if so.
            for r in std::mem::take(&mut self.pending_reads) {
                out.reply(r.client, r.request, ClientResult::Redirect { leader });
            }
            self.reset_election_timer(out);
        }
    }

    /// Election timeout: start a PreVote round or a real election (§5.2).
    fn campaign(&mut self, now: Time, pre_vote: bool, out: &mut Outbox<Self>) {
        self.leader = None;
        self.votes.clear();
        self.votes.insert(self.id, true);
        let term = if pre_vote {
            self.role = Role::PreCandidate;
            out.notice(
                NoticeKind::PreVote,
                Some(self.current_term + 1),
                format!("n{} asks for pre-votes for term {}", self.id, self.current_term + 1),
            );
            self.current_term + 1
        } else {
            self.role = Role::Candidate;
            self.current_term += 1;
            self.voted_for = Some(self.id);
            out.persist(self.durable());
            out.notice(
                NoticeKind::Election,
                Some(self.current_term),
                format!("n{} starts an election for term {}", self.id, self.current_term),
            );
            self.current_term
        };
        self.reset_election_timer(out);
        if self.votes.len() >= self.quorum() {
            self.won_vote(now, pre_vote, out);
            return;
        }
        let (last_log_index, last_log_term) = (self.last_index(), self.last_term());
        for p in self.peers().collect::<Vec<_>>() {
            out.send(p, Msg::RequestVote { term, candidate: self.id, last_log_index, last_log_term, pre_vote });
        }
    }

    fn won_vote(&mut self, now: Time, pre_vote: bool, out: &mut Outbox<Self>) {
        if pre_vote {
            self.campaign(now, false, out);
        } else {
            self.become_leader(now, out);
        }
    }

    fn become_leader(&mut self, now: Time, out: &mut Outbox<Self>) {
        self.role = Role::Leader;
        self.leader = Some(self.id);
        self.votes.clear();
        let next = self.last_index() + 1;
        self.progress = self
            .peers()
            .map(|p| {
                let pr = Progress {
                    next_index: next,
                    match_index: 0,
                    acked_seq: 0,
                    recent_active: true,
                    pending_snapshot: None,
                };
                (p, pr)
            })
            .collect();
        out.cancel_timer(Timer::Election);
        out.notice(
            NoticeKind::LeaderElected,
            Some(self.current_term),
            format!("n{} became leader in term {}", self.id, self.current_term),
        );
        // §8: a no-op entry of the leader's own term lets it commit earlier entries (Figure 8)
        // and learn the commit index it needs for ReadIndex.
        self.log.push(Entry { term: self.current_term, command: Command::Noop });
        out.persist(self.durable());
        self.maybe_commit(out);
        self.broadcast_append(now, out);
        out.set_timer(Timer::Heartbeat, self.config.heartbeat_ms, self.config.heartbeat_ms);
        if self.config.check_quorum {
            let lo = self.config.election_timeout_ms[0];
            out.set_timer(Timer::QuorumCheck, lo, lo);
        }
    }

    /// Send AppendEntries (or InstallSnapshot) to every peer: one heartbeat round.
    fn broadcast_append(&mut self, now: Time, out: &mut Outbox<Self>) {
        self.heartbeat_seq += 1;
        for p in self.peers().collect::<Vec<_>>() {
            self.send_append(p, now, out);
        }
    }

    /// How long a leader waits for the answer to an InstallSnapshot before it sends the
    /// snapshot again to a follower that still answers heartbeats without having it: the
    /// longest election timeout. etcd's leader learns that a snapshot failed from its transport
    /// (`ReportSnapshot`); a simulated link reports nothing, and a follower that got the
    /// snapshot over a working link answers well within that time.
    fn snapshot_retry_ms(&self) -> Time {
        self.config.election_timeout_ms[1].max(self.config.heartbeat_ms)
    }

    fn send_append(&mut self, peer: NodeId, now: Time, out: &mut Outbox<Self>) {
        let (snapshot_index, snapshot_term) = (self.snapshot.last_index, self.snapshot.last_term);
        let Some(pr) = self.progress.get_mut(&peer) else {
            return;
        };
        let next = pr.next_index.max(1);
        if next <= snapshot_index {
            // §7: the entries the follower needs were discarded; it needs the snapshot. Send it
            // once and wait for the reply, as etcd's leader does in `StateSnapshot`
            // (tracker/progress.go: a peer with a pending snapshot is paused).
            if pr.pending_snapshot.is_none() {
                pr.pending_snapshot = Some(PendingSnapshot { index: snapshot_index, sent_at: now });
                let snapshot = self.snapshot.clone();
                out.send(peer, Msg::InstallSnapshot { term: self.current_term, leader: self.id, snapshot });
            } else {
                // Meanwhile only a heartbeat, as etcd keeps sending MsgHeartbeat: the follower
                // keeps hearing its leader (no election) and its answer counts for ReadIndex.
                // It cannot match (it lacks the snapshot's last entry) until it installs the
                // snapshot; its rejection says it is alive (see handle_append_response).
                let msg = Msg::AppendEntries {
                    term: self.current_term,
                    leader: self.id,
                    prev_log_index: snapshot_index,
                    prev_log_term: snapshot_term,
                    entries: Vec::new(),
                    leader_commit: self.commit_index,
                    seq: self.heartbeat_seq,
                };
                out.send(peer, msg);
            }
            return;
        }
        let prev_log_index = next - 1;
        let prev_log_term = self.term_at(prev_log_index).unwrap_or(0);
        let last = self.last_index().min(prev_log_index + self.config.max_entries_per_append.max(1));
        let entries: Vec<Entry> = ((prev_log_index + 1)..=last).filter_map(|i| self.entry(i).cloned()).collect();
        out.send(
            peer,
            Msg::AppendEntries {
                term: self.current_term,
                leader: self.id,
                prev_log_index,
                prev_log_term,
                entries,
                leader_commit: self.commit_index,
                seq: self.heartbeat_seq,
            },
        );
    }

    /// §5.3/§5.4.2: commit the highest N replicated on a majority whose entry is of this term.
    fn maybe_commit(&mut self, out: &mut Outbox<Self>) {
        // The highest index stored on a majority (this leader's log included): the largest match
        // that a quorum of servers have reached. Counted, not sorted: a cluster has a handful of
        // servers, and this runs on every AppendEntries reply (no allocation).
        let (last, quorum) = (self.last_index(), self.quorum());
        let stored_on = |n: u64| usize::from(last >= n) + self.progress.values().filter(|p| p.match_index >= n).count();
        let n = std::iter::once(last)
            .chain(self.progress.values().map(|p| p.match_index))
            .filter(|&n| stored_on(n) >= quorum)
            .max()
            .unwrap_or(0);
        // Figure 8: an entry of an earlier term on a majority may still be overwritten; only
        // counting replicas of this term's entries is safe (the mutant counts any entry).
        let own_term = self.term_at(n) == Some(self.current_term);
        if n > self.commit_index && (own_term || self.config.unsafe_commit_old_terms) {
            self.commit_index = n;
            out.notice(
                NoticeKind::Committed,
                Some(self.current_term),
                format!("n{} committed up to index {}", self.id, n),
            );
            self.apply_committed(out);
        }
    }

    /// Apply committed entries in index order, answer waiting clients, compact if due.
    fn apply_committed(&mut self, out: &mut Outbox<Self>) {
        while self.last_applied < self.commit_index {
            self.last_applied += 1;
            let Some(entry) = self.entry(self.last_applied).cloned() else {
                break;
            };
            let result = self.state.apply(&entry.command);
            if let (Some(result), Command::Client { client, request, .. }) = (result, &entry.command) {
                if self.pending_writes.get(&self.last_applied) == Some(&(*client, *request)) {
                    out.reply(*client, *request, result);
                }
            }
            self.pending_writes.remove(&self.last_applied);
        }
        self.serve_reads(out);
        let t = self.config.snapshot_threshold;
        if t > 0 && self.last_applied >= self.snapshot.last_index + t {
            self.take_snapshot(out);
        }
    }

    /// §7: replace the applied prefix of the log with a snapshot of the state machine.
    fn take_snapshot(&mut self, out: &mut Outbox<Self>) {
        let idx = self.last_applied;
        let Some(term) = self.term_at(idx) else {
            return;
        };
        let drop = (idx - self.snapshot.last_index) as usize;
        self.log.drain_front(drop);
        self.snapshot = Snapshot { last_index: idx, last_term: term, state: std::rc::Rc::new(self.state.clone()) };
        out.persist(self.durable());
        out.notice(
            NoticeKind::Snapshot,
            Some(self.current_term),
            format!("n{} compacted its log up to index {}", self.id, idx),
        );
    }

    /// ReadIndex: answer reads whose heartbeat round a majority acknowledged and whose read
    /// index has been applied.
    fn serve_reads(&mut self, out: &mut Outbox<Self>) {
        if self.role != Role::Leader || self.pending_reads.is_empty() {
            return;
        }
        let quorum = self.quorum();
        let acked = |seq: u64, progress: &VecMap<NodeId, Progress>| {
            1 + progress.values().filter(|p| p.acked_seq >= seq).count() >= quorum
        };
        let (ready, waiting): (Vec<_>, Vec<_>) = std::mem::take(&mut self.pending_reads)
            .into_iter()
            .partition(|r| r.read_index <= self.last_applied && acked(r.seq, &self.progress));
        self.pending_reads = waiting;
        for r in ready {
            let value = self.state.kv.data.get(&r.key).copied();
            out.reply(r.client, r.request, ClientResult::ReadOk { value });
        }
    }

    fn committed_in_term(&self) -> bool {
        self.term_at(self.commit_index) == Some(self.current_term)
    }

    fn log_up_to_date(&self, last_log_index: u64, last_log_term: u64) -> bool {
        // §5.4.1: compare last terms, then lengths.
        last_log_term > self.last_term() || (last_log_term == self.last_term() && last_log_index >= self.last_index())
    }

    /// A current leader was heard from now. Only the lease (CheckQuorum, PreVote) reads the time,
    /// so without them none is kept: a node's state then does not depend on when it last heard,
    /// only on what it heard (the explorer identifies states that differ only in that).
    fn heard_leader(&mut self, now: Time) {
        if self.config.check_quorum || self.config.pre_vote {
            self.last_leader_contact = Some(now);
        }
    }

    /// Within an election timeout of hearing from a leader (thesis §4.2.3, §9.6).
    fn in_lease(&self, now: Time) -> bool {
        // A leader is its own lease; a follower's lasts an election timeout past contact.
        let heard = self.leader.is_some()
            && self.last_leader_contact.is_some_and(|t| now < t + self.config.election_timeout_ms[0]);
        (self.config.check_quorum || self.config.pre_vote) && (self.role == Role::Leader || heard)
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_request_vote(
        &mut self,
        now: Time,
        from: NodeId,
        term: u64,
        last_log_index: u64,
        last_log_term: u64,
        pre_vote: bool,
        out: &mut Outbox<Self>,
    ) {
        let up_to_date =
            self.config.unsafe_no_election_restriction || self.log_up_to_date(last_log_index, last_log_term);
        let granted = if pre_vote {
            // A PreVote is granted as a real vote would be, but changes nothing here.
            term > self.current_term && up_to_date && !self.in_lease(now)
        } else {
            term == self.current_term && up_to_date && (self.voted_for.is_none() || self.voted_for == Some(from))
        };
        if granted && !pre_vote {
            self.voted_for = Some(from);
            // Figure 2: votedFor is on stable storage before the reply leaves, so a server that
            // crashes after granting still remembers it and cannot vote twice in one term (§5.2).
            if !self.config.unsafe_no_persist_vote {
                out.persist(self.durable());
            }
            self.reset_election_timer(out);
        }
        let reply_term = if pre_vote && granted { term } else { self.current_term };
        out.send(from, Msg::RequestVoteResponse { term: reply_term, vote_granted: granted, pre_vote });
    }

    fn append_ok(&self, match_index: u64, seq: u64) -> Msg {
        Msg::AppendEntriesResponse {
            term: self.current_term,
            success: true,
            match_index,
            conflict_index: 0,
            conflict_term: None,
            seq,
        }
    }

    fn append_rejected(&self, conflict_index: u64, conflict_term: Option<u64>, seq: u64) -> Msg {
        Msg::AppendEntriesResponse {
            term: self.current_term,
            success: false,
            match_index: 0,
            conflict_index,
            conflict_term,
            seq,
        }
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_append_entries(
        &mut self,
        now: Time,
        from: NodeId,
        term: u64,
        mut prev_log_index: u64,
        mut prev_log_term: u64,
        mut entries: Vec<Entry>,
        leader_commit: u64,
        seq: u64,
        out: &mut Outbox<Self>,
    ) {
        if term < self.current_term {
            out.send(from, self.append_rejected(0, None, seq));
            return;
        }
        if self.role != Role::Follower || self.leader != Some(from) {
            let new_leader = self.leader != Some(from);
            self.become_follower(term, Some(from), out);
            if new_leader {
                out.notice(
                    NoticeKind::Follows,
                    Some(term),
                    format!("n{} follows leader n{} in term {}", self.id, from, term),
                );
            }
        }
        // Figure 2: AppendEntries from the current leader restarts the election timer.
        self.reset_election_timer(out);
        self.heard_leader(now);
        // Entries at or below our snapshot are committed, and so identical to the leader's.
        if prev_log_index < self.snapshot.last_index {
            let skip = (self.snapshot.last_index - prev_log_index) as usize;
            if skip > entries.len() {
                let m = self.snapshot.last_index;
                out.send(from, self.append_ok(m, seq));
                return;
            }
            entries.drain(..skip);
            prev_log_index = self.snapshot.last_index;
            prev_log_term = self.snapshot.last_term;
        }
        // §5.3 consistency check.
        if self.term_at(prev_log_index) != Some(prev_log_term) {
            let (conflict_index, conflict_term) = if prev_log_index > self.last_index() {
                (self.last_index() + 1, None)
            } else {
                let t = self.term_at(prev_log_index).unwrap_or(0);
                let mut first = prev_log_index;
                while first > self.snapshot.last_index + 1 && self.term_at(first - 1) == Some(t) {
                    first -= 1;
                }
                (first, Some(t))
            };
            out.send(from, self.append_rejected(conflict_index, conflict_term, seq));
            return;
        }
        // Append, truncating only at the first conflicting entry: a stale (reordered)
        // AppendEntries must never cut entries that match.
        let mut changed = false;
        for (k, e) in entries.iter().enumerate() {
            let index = prev_log_index + 1 + k as u64;
            match self.term_at(index) {
                Some(t) if t == e.term => continue,
                Some(_) => {
                    let keep = (index - self.snapshot.last_index - 1) as usize;
                    self.log.truncate(keep);
                    self.pending_writes.retain(|i, _| *i < index);
                    self.log.extend_from_slice(&entries[k..]);
                    changed = true;
                    break;
                }
                None => {
                    self.log.extend_from_slice(&entries[k..]);
                    changed = true;
                    break;
                }
            }
        }
        if changed {
            out.persist(self.durable());
        }
        let last_new = prev_log_index + entries.len() as u64;
        if leader_commit > self.commit_index {
            let c = leader_commit.min(last_new);
            if c > self.commit_index {
                self.commit_index = c;
                self.apply_committed(out);
            }
        }
        out.send(from, self.append_ok(last_new, seq));
    }

    #[allow(clippy::too_many_arguments)]
    fn handle_append_response(
        &mut self,
        now: Time,
        from: NodeId,
        success: bool,
        match_index: u64,
        conflict_index: u64,
        conflict_term: Option<u64>,
        seq: u64,
        out: &mut Outbox<Self>,
    ) {
        if self.role != Role::Leader {
            return;
        }
        let last = self.last_index();
        let retry = self.snapshot_retry_ms();
        let Some(pr) = self.progress.get_mut(&from) else {
            return;
        };
        pr.recent_active = true;
        pr.acked_seq = pr.acked_seq.max(seq);
        // A follower answers with what it holds, which is never beyond this leader's log in a
        // correct run (its snapshot holds committed entries, which every leader has, §5.4).
        // Without the election restriction a leader can lack them: never believe a peer matches
        // past the end of our own log, so nextIndex and matchIndex stay within it (the checker
        // reports the broken invariant; this node must not panic on it).
        let match_index = match_index.min(last);
        if success {
            // Only a matchIndex that moved can raise the commit index: the leader's own log
            // grows only where it runs maybe_commit itself (on_client, becoming leader). Most
            // replies answer heartbeats and move nothing.
            let advanced = match_index > pr.match_index;
            if advanced {
                pr.match_index = match_index;
            }
            pr.next_index = pr.next_index.max(pr.match_index + 1);
            // The follower has what the pending snapshot carried (etcd: a MsgAppResp at or
            // past PendingSnapshot moves the peer out of StateSnapshot).
            if pr.pending_snapshot.is_some_and(|p| pr.match_index >= p.index) {
                pr.pending_snapshot = None;
            }
            let behind = pr.next_index <= last;
            if advanced {
                self.maybe_commit(out);
            }
            self.serve_reads(out);
            if behind {
                self.send_append(from, now, out);
            }
        } else if let Some(p) = pr.pending_snapshot {
            // A heartbeat's rejection while the snapshot is due: the snapshot's reply, not this,
            // moves nextIndex. But the follower is alive and still lacks it: once the reply is
            // overdue, the snapshot or its reply was lost, so send it again.
            if now >= p.sent_at + retry {
                pr.pending_snapshot = None;
                self.send_append(from, now, out);
            }
        } else {
            // Skip back over the whole conflicting term (§5.3 optimisation).
            let mut next = conflict_index;
            if let Some(t) = conflict_term {
                let mut i = self.last_index();
                while i > self.snapshot.last_index && self.term_at(i).is_some_and(|x| x > t) {
                    i -= 1;
                }
                if self.term_at(i) == Some(t) {
                    next = i + 1;
                }
            }
            let Some(pr) = self.progress.get_mut(&from) else {
                return;
            };
            // Not `clamp`: its bounds are only ordered while matchIndex ≤ the last index.
            let new_next = next.max(pr.match_index + 1).min(last + 1);
            if new_next < pr.next_index {
                pr.next_index = new_next;
                self.send_append(from, now, out);
            }
        }
    }

    fn handle_install_snapshot(
        &mut self,
        now: Time,
        from: NodeId,
        term: u64,
        snapshot: Snapshot,
        out: &mut Outbox<Self>,
    ) {
        if term < self.current_term {
            out.send(from, Msg::InstallSnapshotResponse { term: self.current_term, last_index: 0 });
            return;
        }
        if self.role != Role::Follower || self.leader != Some(from) {
            self.become_follower(term, Some(from), out);
        }
        // Figure 13 (§7): InstallSnapshot comes from the current leader, like AppendEntries.
        self.reset_election_timer(out);
        self.heard_leader(now);
        let idx = snapshot.last_index;
        if idx > self.commit_index {
            // §7: keep log entries following the snapshot if our log has its last entry;
            // otherwise discard the entire log.
            if self.term_at(idx) == Some(snapshot.last_term) {
                let drop = (idx - self.snapshot.last_index) as usize;
                self.log.drain_front(drop.min(self.log.len()));
            } else {
                self.log.clear();
            }
            self.pending_writes.retain(|i, _| *i > idx);
            self.state = StateMachine::clone(&snapshot.state);
            self.snapshot = snapshot;
            self.commit_index = idx;
            self.last_applied = idx;
            out.persist(self.durable());
            out.notice(
                NoticeKind::SnapshotInstalled,
                Some(term),
                format!("n{} installed a snapshot up to index {} from n{}", self.id, idx, from),
            );
        }
        out.send(
            from,
            Msg::InstallSnapshotResponse { term: self.current_term, last_index: self.commit_index.max(idx) },
        );
    }
}

impl Protocol for Raft {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = RaftConfig;
    type Op = ClientOp;
    type View = ();
    const NAME: &'static str = "raft";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes)
    }
    const LINEARIZABLE: bool = true;
    const UNSAFE_SWITCHES: &'static [UnsafeSwitch] = &[
        UnsafeSwitch {
            name: "no-election-restriction",
            key: "unsafe_no_election_restriction",
            breaks: "Raft grants votes to candidates with stale logs (§5.4.1)",
            shown_by: None,
            explore: None,
        },
        UnsafeSwitch {
            name: "local-reads",
            key: "unsafe_local_reads",
            breaks: "any Raft server answers reads from its own state",
            shown_by: None,
            explore: None,
        },
        UnsafeSwitch {
            name: "commit-old-terms",
            key: "unsafe_commit_old_terms",
            breaks: "a Raft leader commits entries of earlier terms by counting replicas (Figure 8)",
            // Figure 8 needs two leaders in a row each to crash at the right moment: 0
            // violations in 2,000 random seeds; the scenario's schedule shows it.
            shown_by: Some("raft-figure-8.json"),
            explore: None,
        },
        UnsafeSwitch {
            name: "no-persist-vote",
            key: "unsafe_no_persist_vote",
            breaks: "a Raft server grants a vote before votedFor is on stable storage (Figure 2, §5.2)",
            shown_by: None,
            // A lost vote matters only when a second candidate of the same term asks the
            // restarted server: 0 violations in 5,000 random seeds; the explorer finds two
            // leaders in one term in 8 steps.
            explore: Some("--nodes 3 --clients 0 --ops 0 --crashes 1 --timers 2"),
        },
    ];

    /// One entry per AppendEntries: replication entry by entry, as Figure 8 draws it, so a
    /// leader can be seen holding an entry of an old term on a majority before its own.
    fn explore_config(nodes: u32) -> Result<(RaftConfig, Option<Time>), String> {
        let mut config = RaftConfig { max_entries_per_append: 1, ..RaftConfig::default() };
        Self::prepare_config(&mut config, nodes, 1)?;
        Ok((config, None))
    }

    fn prepare_config(config: &mut RaftConfig, _nodes: u32, _seed: u64) -> Result<(), String> {
        if config.election_timeout_ms[0] == 0 || config.election_timeout_ms[0] > config.election_timeout_ms[1] {
            return Err("config.election_timeout_ms must be [min, max] with 0 < min <= max".into());
        }
        if config.heartbeat_ms == 0 {
            return Err("config.heartbeat_ms must be at least 1".into());
        }
        Ok(())
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &RaftConfig,
        durable: Option<Durable>,
        _now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let d = durable.unwrap_or_default();
        let node = Raft {
            id,
            n,
            config: config.clone(),
            current_term: d.current_term,
            voted_for: d.voted_for,
            log: Log::from(d.log),
            commit_index: d.snapshot.last_index,
            last_applied: d.snapshot.last_index,
            state: StateMachine::clone(&d.snapshot.state),
            snapshot: d.snapshot,
            role: Role::Follower,
            leader: None,
            votes: VecMap::new(),
            progress: VecMap::new(),
            pending_writes: VecMap::new(),
            pending_reads: Vec::new(),
            heartbeat_seq: 0,
            last_leader_contact: None,
        };
        node.reset_election_timer(out);
        node
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        let term = msg.term();
        // Term handling happens once, before role dispatch (as etcd-raft's Step does).
        if term > self.current_term {
            match &msg {
                // A PreVote does not raise anyone's term; a granted pre-vote response carries
                // the proposed term, not the voter's.
                Msg::RequestVote { pre_vote: true, .. } => {}
                Msg::RequestVoteResponse { pre_vote: true, vote_granted: true, .. } => {}
                // Leader stickiness: ignore a disruptive candidate while a leader is heard.
                Msg::RequestVote { .. } if self.in_lease(now) => return,
                Msg::AppendEntries { .. } | Msg::InstallSnapshot { .. } => {
                    self.become_follower(term, Some(from), out);
                }
                _ => self.become_follower(term, None, out),
            }
        }
        match msg {
            Msg::RequestVote { term, last_log_index, last_log_term, pre_vote, .. } => {
                self.handle_request_vote(now, from, term, last_log_index, last_log_term, pre_vote, out)
            }
            Msg::RequestVoteResponse { term, vote_granted, pre_vote } => {
                let expected = match (self.role, pre_vote) {
                    (Role::PreCandidate, true) => term == self.current_term + 1,
                    (Role::Candidate, false) => term == self.current_term,
                    _ => false,
                };
                if !expected {
                    return;
                }
                self.votes.insert(from, vote_granted);
                let yes = self.votes.values().filter(|v| **v).count();
                let no = self.votes.len() - yes;
                if yes >= self.quorum() {
                    self.won_vote(now, pre_vote, out);
                } else if no >= self.quorum() && pre_vote {
                    // Lost the pre-vote; wait for the next timeout as a follower.
                    self.role = Role::Follower;
                    self.votes.clear();
                }
            }
            Msg::AppendEntries { term, prev_log_index, prev_log_term, entries, leader_commit, seq, .. } => self
                .handle_append_entries(
                    now,
                    from,
                    term,
                    prev_log_index,
                    prev_log_term,
                    entries,
                    leader_commit,
                    seq,
                    out,
                ),
            Msg::AppendEntriesResponse { term, success, match_index, conflict_index, conflict_term, seq } => {
                if term == self.current_term {
                    self.handle_append_response(
                        now,
                        from,
                        success,
                        match_index,
                        conflict_index,
                        conflict_term,
                        seq,
                        out,
                    )
                }
            }
            Msg::InstallSnapshot { term, snapshot, .. } => self.handle_install_snapshot(now, from, term, snapshot, out),
            Msg::InstallSnapshotResponse { term, last_index } => {
                if term == self.current_term && self.role == Role::Leader {
                    let last = self.last_index();
                    if let Some(pr) = self.progress.get_mut(&from) {
                        pr.recent_active = true;
                        // As in handle_append_response: never past our own log.
                        pr.match_index = pr.match_index.max(last_index.min(last));
                        pr.next_index = pr.match_index + 1;
                        // The reply ends the wait; if the follower still needs a newer
                        // snapshot (we compacted meanwhile), send_append sends that one.
                        pr.pending_snapshot = None;
                    }
                    self.maybe_commit(out);
                    if self.progress.get(&from).is_some_and(|p| p.next_index <= self.last_index()) {
                        self.send_append(from, now, out);
                    }
                }
            }
        }
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Outbox<Self>) {
        match timer {
            Timer::Election => {
                if self.role != Role::Leader {
                    self.campaign(now, self.config.pre_vote, out);
                }
            }
            Timer::Heartbeat => {
                if self.role == Role::Leader {
                    self.broadcast_append(now, out);
                    out.set_timer(Timer::Heartbeat, self.config.heartbeat_ms, self.config.heartbeat_ms);
                }
            }
            Timer::QuorumCheck => {
                if self.role == Role::Leader {
                    let active = 1 + self.progress.values().filter(|p| p.recent_active).count();
                    if active < self.quorum() {
                        out.notice(
                            NoticeKind::CheckQuorum,
                            Some(self.current_term),
                            format!("n{} lost contact with a majority and steps down", self.id),
                        );
                        self.become_follower(self.current_term, None, out);
                    } else {
                        for p in self.progress.values_mut() {
                            p.recent_active = false;
                        }
                        let lo = self.config.election_timeout_ms[0];
                        out.set_timer(Timer::QuorumCheck, lo, lo);
                    }
                }
            }
        }
    }

    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>) {
        if self.config.unsafe_local_reads {
            if let ClientOp::Read { key } = &op {
                let value = self.state.kv.data.get(key).copied();
                out.reply(client, request, ClientResult::ReadOk { value });
                return;
            }
        }
        if self.role != Role::Leader {
            out.reply(client, request, ClientResult::Redirect { leader: self.leader.filter(|l| *l != self.id) });
            return;
        }
        match op {
            ClientOp::Read { key } => {
                // ReadIndex (thesis §6.4). Until an entry of this term commits, the leader
                // does not know the true commit index: refuse; the client may retry.
                if !self.committed_in_term() {
                    out.reply(
                        client,
                        request,
                        ClientResult::Unavailable {
                            reason: "leader has not yet committed an entry in its term".into(),
                        },
                    );
                    return;
                }
                self.pending_reads.push(PendingRead {
                    client,
                    request,
                    key,
                    read_index: self.commit_index,
                    seq: self.heartbeat_seq + 1,
                });
                self.broadcast_append(now, out);
                self.serve_reads(out);
            }
            op => {
                if let Some((last, result)) = self.state.sessions.get(&client) {
                    if request <= *last {
                        out.reply(client, request, result.clone());
                        return;
                    }
                }
                self.log.push(Entry {
                    term: self.current_term,
                    command: Command::Client { client, request, op: op.into() },
                });
                out.persist(self.durable());
                let index = self.last_index();
                self.pending_writes.insert(index, (client, request));
                self.maybe_commit(out);
                self.broadcast_append(now, out);
            }
        }
    }

    fn durable(&self) -> Durable {
        Durable {
            current_term: self.current_term,
            voted_for: self.voted_for,
            log: self.log.to_vec(),
            snapshot: self.snapshot.clone(),
        }
    }

    fn timeout_timer(&self) -> Option<Timer> {
        (self.role != Role::Leader).then_some(Timer::Election)
    }

    fn approx_bytes(&self) -> usize {
        // Snapshots (§7) keep the log short; the state machine holds a few keys.
        self.log.len() * 96
    }
    fn view(&self) -> NodeView<()> {
        let first = self.last_index().saturating_sub(NodeView::LOG_TAIL as u64).max(self.snapshot.last_index) + 1;
        NodeView {
            role: self.role.name().to_string(),
            term: self.current_term,
            voted_for: self.voted_for,
            leader: self.leader,
            commit_index: self.commit_index,
            snapshot_index: self.snapshot.last_index,
            last_index: self.last_index(),
            log: (first..=self.last_index())
                .filter_map(|i| {
                    self.entry(i).map(|e| LogEntryView {
                        index: i,
                        term: e.term,
                        text: e.text(),
                        committed: i <= self.commit_index,
                    })
                })
                .collect(),
            peers: self
                .progress
                .iter()
                .map(|(id, p)| PeerProgress { id: *id, next_index: p.next_index, match_index: p.match_index })
                .collect(),
            votes: self.votes.iter().filter(|(_, g)| **g).map(|(id, _)| *id).collect(),
            kv: self.state.kv.data.clone(),
            detail: (),
        }
    }

    fn msg_kind(msg: &Msg) -> &'static str {
        match msg {
            Msg::RequestVote { pre_vote: true, .. } => "PreVote",
            Msg::RequestVote { .. } => "RequestVote",
            Msg::RequestVoteResponse { pre_vote: true, .. } => "PreVoteResponse",
            Msg::RequestVoteResponse { .. } => "RequestVoteResponse",
            Msg::AppendEntries { .. } => "AppendEntries",
            Msg::AppendEntriesResponse { .. } => "AppendEntriesResponse",
            Msg::InstallSnapshot { .. } => "InstallSnapshot",
            Msg::InstallSnapshotResponse { .. } => "InstallSnapshotResponse",
        }
    }
    fn msg_info(msg: &Msg) -> MsgInfo {
        match msg {
            Msg::RequestVote { term, last_log_index, last_log_term, pre_vote, .. } => MsgInfo {
                kind: if *pre_vote { "PreVote" } else { "RequestVote" },
                is_reply: false,
                detail: format!("term {term}, last log {last_log_index}@{last_log_term}"),
            },
            Msg::RequestVoteResponse { term, vote_granted, pre_vote } => MsgInfo {
                kind: if *pre_vote { "PreVoteResponse" } else { "RequestVoteResponse" },
                is_reply: true,
                detail: format!("term {term}, {}", if *vote_granted { "granted" } else { "refused" }),
            },
            Msg::AppendEntries { term, prev_log_index, prev_log_term, entries, leader_commit, .. } => MsgInfo {
                kind: "AppendEntries",
                is_reply: false,
                detail: format!(
                    "term {term}, prev {prev_log_index}@{prev_log_term}, {} entries, commit {leader_commit}",
                    entries.len()
                ),
            },
            Msg::AppendEntriesResponse { term, success, match_index, conflict_index, .. } => MsgInfo {
                kind: "AppendEntriesResponse",
                is_reply: true,
                detail: if *success {
                    format!("term {term}, ok, match {match_index}")
                } else {
                    format!("term {term}, rejected, retry from {conflict_index}")
                },
            },
            Msg::InstallSnapshot { term, snapshot, .. } => MsgInfo {
                kind: "InstallSnapshot",
                is_reply: false,
                detail: format!("term {term}, up to index {}@{}", snapshot.last_index, snapshot.last_term),
            },
            Msg::InstallSnapshotResponse { term, last_index } => MsgInfo {
                kind: "InstallSnapshotResponse",
                is_reply: true,
                detail: format!("term {term}, has {last_index}"),
            },
        }
    }
}

#[cfg(test)]
impl Raft {
    /// Test hook: a node with a given durable state, for the paper's figure scenarios.
    pub fn set_durable_for_test(&mut self, d: Durable) {
        self.current_term = d.current_term;
        self.voted_for = d.voted_for;
        self.log.replace(d.log);
        self.snapshot = d.snapshot;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The simulator counts sends by `msg_kind`, the renderer labels them by `msg_info`: the same
    /// name for every message, PreVote's included (thesis §9.6).
    #[test]
    fn msg_kind_is_msg_info_kind() {
        let msgs = [false, true]
            .into_iter()
            .flat_map(|pre_vote| {
                [
                    Msg::RequestVote { term: 2, candidate: 1, last_log_index: 3, last_log_term: 1, pre_vote },
                    Msg::RequestVoteResponse { term: 2, vote_granted: pre_vote, pre_vote },
                ]
            })
            .chain([
                Msg::AppendEntries {
                    term: 2,
                    leader: 0,
                    prev_log_index: 1,
                    prev_log_term: 1,
                    entries: vec![Entry { term: 2, command: Command::Noop }],
                    leader_commit: 1,
                    seq: 4,
                },
                Msg::AppendEntriesResponse {
                    term: 2,
                    success: false,
                    match_index: 0,
                    conflict_index: 1,
                    conflict_term: Some(1),
                    seq: 4,
                },
                Msg::InstallSnapshot { term: 2, leader: 0, snapshot: Snapshot::default() },
                Msg::InstallSnapshotResponse { term: 2, last_index: 5 },
            ]);
        let mut kinds = Vec::new();
        for m in msgs {
            assert_eq!(<Raft as Protocol>::msg_kind(&m), <Raft as Protocol>::msg_info(&m).kind, "{m:?}");
            kinds.push(<Raft as Protocol>::msg_kind(&m));
        }
        kinds.sort();
        kinds.dedup();
        assert_eq!(kinds.len(), 8, "eight kinds of message: {kinds:?}");
    }

    /// `Log`'s change count moves with every change and `Hash` ignores it: the explorer sees two
    /// servers with the same entries as the same state however they got there.
    #[test]
    fn log_changes_are_counted_but_not_hashed() {
        use crate::core::tracehash::TraceHash;
        use std::hash::{Hash, Hasher};
        let e = |t| Entry { term: t, command: Command::Noop };
        let mut a = Log::default();
        a.push(e(1));
        a.push(e(2));
        let mut b = Log::from(vec![e(1), e(2), e(3)]);
        b.truncate(2);
        assert_ne!(a.changes, b.changes);
        let h = |l: &Log| {
            let mut s = TraceHash::default();
            l.hash(&mut s);
            s.finish()
        };
        assert_eq!(h(&a), h(&b));
        let (before, cuts) = (a.changes, a.cuts);
        a.drain_front(1);
        a.extend_from_slice(&[e(3)]);
        assert_eq!(a.cuts, cuts, "compaction and appends cut nothing");
        a.clear();
        assert_eq!(a.changes, before + 3);
        assert_eq!(a.cuts, cuts + 1);
        assert_eq!(b.cuts, 1, "a truncation is a cut");
    }
}
