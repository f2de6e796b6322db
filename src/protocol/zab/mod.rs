//! ZAB, ZooKeeper's atomic broadcast (Junqueira, Reed, Serafini, "Zab: High-performance
//! broadcast for primary-backup systems", DSN 2011), with ZooKeeper's `FastLeaderElection` as
//! the election phase and ZooKeeper's client semantics (local reads, `sync`).
//!
//! ```text
//!                quorum agrees on a vote             quorum of ACKEPOCH
//!   ┌──────────┐ (+ finalize wait)   ┌───────────┐   (epoch above all      ┌──────┐  quorum ACKs  ┌───────────┐
//!   │ ELECTION │ ──────────────────▶ │ DISCOVERY │ ─ acceptedEpochs) ────▶ │ SYNC │ ─ NEWLEADER ─▶│ BROADCAST │
//!   │ LOOKING  │                     │FOLLOWERINFO│                        │ DIFF │  (UPTODATE)   │ PROPOSAL  │
//!   │ NOTIFI-  │                     │ NEWEPOCH  │                         │ TRUNC│               │ ACK       │
//!   │ CATION   │                     │ ACKEPOCH  │                         │ SNAP │               │ COMMIT    │
//!   └──────────┘                     └───────────┘                         └──────┘               └───────────┘
//!        ▲  leader silent for syncLimit / no quorum of followers / phase not done within initLimit  │
//!        └──────────────────────────────────────────────────────────────────────────────────────────┘
//! ```
//!
//! * **Election** (ZooKeeper's FastLeaderElection; paper §IV "Phase 0"): LOOKING nodes exchange
//!   NOTIFICATIONs carrying (proposed leader, its last zxid, its epoch) and their election
//!   round. A vote is replaced by one with a higher (epoch, zxid, server id). Once a quorum of
//!   the round agrees on this node's vote it waits `finalize_wait_ms` for a better one, then
//!   becomes LEADING or FOLLOWING. A LOOKING node that hears a quorum of FOLLOWING/LEADING
//!   nodes (with the leader itself saying LEADING) joins that leader.
//! * **Discovery** (paper §IV-A, Algorithm 1 phase 1): followers send FOLLOWERINFO with their
//!   acceptedEpoch; with a quorum the prospective leader picks e' above every acceptedEpoch and
//!   sends NEWEPOCH(e'); a follower accepts only e' above its acceptedEpoch (or the same epoch
//!   again from the same leader, which we remember durably so a resent NEWEPOCH is harmless)
//!   and answers ACKEPOCH(currentEpoch, lastZxid). As ZooKeeper does, a leader that sees a
//!   follower ahead of itself gives up and goes back to LOOKING.
//! * **Synchronisation** (§IV-B, ZooKeeper's `LearnerHandler.syncFollower`): DIFF (proposals the
//!   follower lacks), TRUNC (cut what the follower has that the leader never had, i.e. that no
//!   quorum committed, then the missing proposals) or SNAP (the full state, when the follower
//!   is more than `snap_threshold` proposals behind); then NEWLEADER. A follower sets
//!   currentEpoch on NEWLEADER and ACKs; a quorum of ACKs establishes the leader, which
//!   commits its whole initial history and sends UPTODATE.
//! * **Broadcast** (§IV-C): PROPOSAL / ACK / COMMIT with zxid = (epoch, counter); a follower
//!   accepts a proposal only right after its predecessor, so delivery is in zxid order
//!   (primary order). PINGs carry the commit point and let the leader resend what a follower
//!   missed (the simulated network loses messages; ZooKeeper's TCP does not).
//! * **Durable**: the accepted history, `currentEpoch`, `acceptedEpoch` (with the leader it came
//!   from), and how much of the history is known committed.
//! * **Clients** (ZooKeeper's semantics): a client talks to the node it is attached to. Writes
//!   and compare-and-set go to the leader (REQUEST) and are answered once committed and applied
//!   *at that node*. Reads are served locally: sequentially consistent, not linearizable — a
//!   client on a partitioned follower can read stale data. With `sync_reads` every read is
//!   preceded by a sync: the node sends SYNC to the leader, which commits a marker proposal in
//!   its order; the read is answered when the node applies that marker, so it sees everything
//!   the leader had committed when the sync reached it. (ZooKeeper's own `sync` is not a
//!   proposal and can be answered by a deposed leader; committing a marker closes that gap, so
//!   histories with `sync_reads` are expected linearizable.)

pub mod config;
pub mod invariants;

use super::{
    ClientId, ClientOp, ClientResult, Detail, KvStore, LogEntryView, MsgInfo, NodeId, NodeView, NoticeKind, Outbox,
    PeerProgress, Protocol, RequestId, Time,
};
use crate::core::applog::AppendLog;
use crate::core::vecmap::VecMap;
use serde::{Deserialize, Serialize};

/// ZAB settings, as written under `"config"` in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct ZabConfig {
    /// ZooKeeper's tick: leader PINGs and follower retransmissions, in ms.
    pub tick_ms: Time,
    /// ZooKeeper's syncLimit: a follower that has not heard its leader (or a leader that has
    /// not heard a quorum) for this long goes back to LOOKING.
    pub sync_limit_ms: Time,
    /// ZooKeeper's initLimit: discovery and synchronisation must finish within this long.
    pub init_limit_ms: Time,
    /// A LOOKING node re-sends its notification after a time drawn from this range.
    pub notify_ms: [Time; 2],
    /// FastLeaderElection's finalizeWait: after a quorum agrees, wait this long for a better vote.
    pub finalize_wait_ms: Time,
    /// A follower missing more than this many proposals is sent SNAP instead of DIFF.
    pub snap_threshold: u64,
    /// Precede every read with a sync (ZooKeeper's `sync()` then `getData()`).
    pub sync_reads: bool,
}

impl Default for ZabConfig {
    fn default() -> Self {
        ZabConfig {
            tick_ms: 50,
            sync_limit_ms: 400,
            init_limit_ms: 1000,
            notify_ms: [100, 200],
            finalize_wait_ms: 50,
            snap_threshold: 16,
            sync_reads: false,
        }
    }
}

impl ZabConfig {
    /// Check the settings; the error says what is wrong.
    pub fn validate(&self) -> Result<(), String> {
        if self.tick_ms == 0 {
            return Err("config.tick_ms must be at least 1".into());
        }
        if self.notify_ms[0] == 0 || self.notify_ms[0] > self.notify_ms[1] {
            return Err("config.notify_ms must be [min, max] with 0 < min <= max".into());
        }
        if self.sync_limit_ms <= self.tick_ms || self.init_limit_ms <= self.tick_ms {
            return Err("config.sync_limit_ms and config.init_limit_ms must exceed config.tick_ms".into());
        }
        Ok(())
    }
}

/// A ZooKeeper transaction id: (epoch, counter), ordered lexicographically.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Zxid {
    /// Epoch of the leader that proposed it.
    pub epoch: u64,
    /// Position within that epoch (1-based; 0 = before any proposal of the epoch).
    pub counter: u64,
}

impl Zxid {
    /// `epoch:counter`.
    pub fn text(self) -> String {
        format!("{}:{}", self.epoch, self.counter)
    }
}

/// What a proposal carries.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum TxnOp {
    /// A client's write or compare-and-set.
    Client(ClientOp),
    /// A sync marker: a read waiting at some node is answered once it applies this.
    Sync,
}

/// One proposal of the history.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Txn {
    /// Its zxid.
    pub zxid: Zxid,
    /// The client that asked for it.
    pub client: ClientId,
    /// The client's request id.
    pub request: RequestId,
    /// The operation.
    pub op: TxnOp,
}

impl Txn {
    /// e.g. `write x=3` or `sync`.
    pub fn text(&self) -> String {
        match &self.op {
            TxnOp::Client(op) => op.label(),
            TxnOp::Sync => "sync".into(),
        }
    }
}

/// The replicated state machine: key-value data plus per-client sessions (at-most-once).
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct StateMachine {
    /// Key-value data.
    pub kv: KvStore,
    /// Per client: last applied request and its result.
    pub sessions: VecMap<ClientId, (RequestId, ClientResult)>,
}

impl StateMachine {
    fn apply(&mut self, t: &Txn) -> Option<ClientResult> {
        let TxnOp::Client(op) = &t.op else { return None };
        if let Some((last, r)) = self.sessions.get(&t.client) {
            if t.request <= *last {
                return Some(r.clone());
            }
        }
        let r = self.kv.apply(op);
        self.sessions.insert(t.client, (t.request, r.clone()));
        Some(r)
    }
}

/// A vote in FastLeaderElection: a proposed leader, its last zxid and its currentEpoch.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Vote {
    /// Proposed leader.
    pub leader: NodeId,
    /// Its last zxid.
    pub zxid: Zxid,
    /// Its currentEpoch.
    pub epoch: u64,
}

impl Vote {
    fn key(&self) -> (u64, Zxid, NodeId) {
        (self.epoch, self.zxid, self.leader)
    }
}

/// A server's state in ZooKeeper's terms.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum ServerState {
    /// Electing a leader.
    Looking,
    /// Following an elected leader.
    Following,
    /// Leading.
    Leading,
}

impl ServerState {
    /// `LOOKING` / `FOLLOWING` / `LEADING`.
    pub fn name(self) -> &'static str {
        match self {
            ServerState::Looking => "LOOKING",
            ServerState::Following => "FOLLOWING",
            ServerState::Leading => "LEADING",
        }
    }
}

/// ZAB's phase.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Phase {
    /// Fast leader election.
    Election,
    /// Establishing a new epoch.
    Discovery,
    /// Bringing histories in line.
    Sync,
    /// Serving: PROPOSAL / ACK / COMMIT.
    Broadcast,
}

impl Phase {
    /// `ELECTION` / `DISCOVERY` / `SYNC` / `BROADCAST`.
    pub fn name(self) -> &'static str {
        match self {
            Phase::Election => "ELECTION",
            Phase::Discovery => "DISCOVERY",
            Phase::Sync => "SYNC",
            Phase::Broadcast => "BROADCAST",
        }
    }
}

/// Durable state: survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Durable {
    /// The last epoch this node accepted a NEWEPOCH for.
    pub accepted_epoch: u64,
    /// The leader whose NEWEPOCH set `accepted_epoch`.
    pub accepted_from: Option<NodeId>,
    /// The epoch of the last NEWLEADER this node acknowledged (its history's epoch).
    pub current_epoch: u64,
    /// The accepted history, in zxid order (copies share its full chunks).
    pub history: AppendLog<Txn>,
    /// How many entries of `history` are known committed.
    pub committed: usize,
}

/// ZAB's peer messages, named as ZooKeeper names them.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// FastLeaderElection notification: the sender's vote, election round and state.
    Notification { vote: Vote, round: u64, state: ServerState },
    /// Follower → prospective leader: my acceptedEpoch.
    FollowerInfo { accepted_epoch: u64 },
    /// Leader → follower: the new epoch.
    NewEpoch { epoch: u64 },
    /// Follower → leader: accepted; my currentEpoch and last zxid.
    AckEpoch { epoch: u64, current_epoch: u64, last: Zxid },
    /// Leader → follower: proposals after `base` (the follower's last zxid).
    Diff { epoch: u64, base: Zxid, txns: Vec<Txn> },
    /// Leader → follower: cut everything after `to`, then append `txns`.
    Trunc { epoch: u64, to: Zxid, txns: Vec<Txn> },
    /// Leader → follower: the full state (history and commit point).
    Snap { epoch: u64, history: AppendLog<Txn>, committed: usize },
    /// Leader → follower: synchronisation done; adopt the epoch.
    NewLeader { epoch: u64 },
    /// Follower → leader: I hold everything up to `zxid` (or: NEWLEADER acknowledged).
    Ack { epoch: u64, zxid: Zxid, new_leader: bool },
    /// Leader → follower: established; start serving.
    UpToDate { epoch: u64, commit: Zxid },
    /// Leader → followers: a new proposal following `prev`.
    Proposal { epoch: u64, prev: Zxid, txn: Txn },
    /// Leader → followers: everything up to `zxid` is committed.
    Commit { epoch: u64, zxid: Zxid },
    /// Heartbeat both ways: the leader's commit point and last zxid / the follower's last zxid.
    Ping { epoch: u64, commit: Zxid, last: Zxid, reply: bool },
    /// Follower → leader: a client's write or compare-and-set to propose.
    Request { epoch: u64, client: ClientId, request: RequestId, op: ClientOp },
    /// Follower → leader: flush (commit a sync marker) before a read.
    Sync { epoch: u64, client: ClientId, request: RequestId },
}

/// ZAB's timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// LOOKING: re-send notifications.
    Notify,
    /// LOOKING: the finalize wait after a quorum agreed.
    Finalize,
    /// FOLLOWING / LEADING: pings, retransmissions and liveness deadlines.
    Tick,
    /// Never armed by the node: the reader's "time out" button (give up on the leader).
    GiveUp,
}

#[derive(Clone, Debug, Default, Hash)]
struct Learner {
    /// Last zxid the follower reported at ACKEPOCH.
    last: Zxid,
    /// Was sent a sync and NEWLEADER; gets proposals and commits.
    forwarding: bool,
    /// Acknowledged NEWLEADER: its history is a prefix of ours.
    synced: bool,
    /// Highest zxid it acknowledged.
    acked: Zxid,
    heard: Time,
    /// How it was synchronised (`DIFF` / `TRUNC` / `SNAP`), for the view.
    sync: Option<&'static str>,
}

/// One ZooKeeper server.
#[derive(Clone, Debug, Hash)]
pub struct Zab {
    id: NodeId,
    n: u32,
    config: ZabConfig,
    // Durable.
    accepted_epoch: u64,
    accepted_from: Option<NodeId>,
    current_epoch: u64,
    history: AppendLog<Txn>,
    committed: usize,
    // Volatile.
    state: ServerState,
    phase: Phase,
    round: u64,
    vote: Vote,
    recv: VecMap<NodeId, Vote>,
    out_of_election: VecMap<NodeId, (Vote, ServerState)>,
    finalizing: bool,
    leader: Option<NodeId>,
    epoch: u64,
    sm: StateMachine,
    applied: usize,
    deadline: Time,
    last_heard: Time,
    // Follower.
    synced: bool,
    newleader_pending: bool,
    newleader_acked: bool,
    // Leader.
    epoch_chosen: bool,
    infos: VecMap<NodeId, u64>,
    epoch_acks: VecMap<NodeId, ()>,
    learners: VecMap<NodeId, Learner>,
    established: bool,
    // Clients attached here.
    pending_writes: Vec<(ClientId, RequestId)>,
    pending_reads: Vec<(ClientId, RequestId, String)>,
    last_sync_kind: Option<&'static str>,
}

impl Zab {
    /// Server id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// LOOKING / FOLLOWING / LEADING.
    pub fn state(&self) -> ServerState {
        self.state
    }
    /// Current phase.
    pub fn phase(&self) -> Phase {
        self.phase
    }
    /// A leader whose NEWLEADER a quorum acknowledged.
    pub fn established(&self) -> bool {
        self.state == ServerState::Leading && self.established
    }
    /// acceptedEpoch.
    pub fn accepted_epoch(&self) -> u64 {
        self.accepted_epoch
    }
    /// currentEpoch.
    pub fn current_epoch(&self) -> u64 {
        self.current_epoch
    }
    /// The epoch being established / served (0 while electing).
    pub fn epoch(&self) -> u64 {
        self.epoch
    }
    /// The accepted history.
    pub fn history(&self) -> &AppendLog<Txn> {
        &self.history
    }
    /// How many history entries are known committed.
    pub fn committed(&self) -> usize {
        self.committed
    }
    /// The current vote (meaningful while LOOKING).
    pub fn vote(&self) -> Vote {
        self.vote
    }
    /// The leader followed or being led.
    pub fn leader(&self) -> Option<NodeId> {
        self.leader
    }
    /// Applied key-value data.
    pub fn kv(&self) -> &KvStore {
        &self.sm.kv
    }
    /// Zxid of the last history entry.
    pub fn last_zxid(&self) -> Zxid {
        self.history.last().map(|t| t.zxid).unwrap_or_default()
    }
    /// Zxid of the last committed entry.
    pub fn commit_zxid(&self) -> Zxid {
        if self.committed == 0 {
            Zxid::default()
        } else {
            self.history[self.committed - 1].zxid
        }
    }
    /// The synchronisation mode this node last received or sent (`DIFF` / `TRUNC` / `SNAP`).
    pub fn last_sync_kind(&self) -> Option<&'static str> {
        self.last_sync_kind
    }

    fn quorum(&self) -> usize {
        self.n as usize / 2 + 1
    }
    fn peers(&self) -> Vec<NodeId> {
        (0..self.n).filter(|p| *p != self.id).collect()
    }
    fn self_vote(&self) -> Vote {
        Vote { leader: self.id, zxid: self.last_zxid(), epoch: self.current_epoch }
    }
    /// How many history entries have zxid <= z.
    fn upto(&self, z: Zxid) -> usize {
        self.history.partition_point(|t| t.zxid <= z)
    }

    // ----- Election (FastLeaderElection) -----

    fn go_looking(&mut self, now: Time, why: &str, out: &mut Outbox<Self>) {
        if self.state != ServerState::Looking || now > 0 {
            out.notice(NoticeKind::Looking, Some(self.current_epoch), format!("n{} is LOOKING: {why}", self.id));
        }
        self.state = ServerState::Looking;
        self.phase = Phase::Election;
        self.leader = None;
        self.epoch = 0;
        self.synced = false;
        self.newleader_pending = false;
        self.newleader_acked = false;
        self.epoch_chosen = false;
        self.infos.clear();
        self.epoch_acks.clear();
        self.learners.clear();
        self.established = false;
        // Reads never took effect: refusing them is safe. Forwarded writes stay pending: a
        // later leader may still commit them, and applying them here answers the client.
        for (c, r, _) in std::mem::take(&mut self.pending_reads) {
            out.reply(c, r, ClientResult::Unavailable { reason: "node is LOOKING".into() });
        }
        out.cancel_timer(Timer::Tick);
        out.cancel_timer(Timer::Finalize);
        self.round += 1;
        self.vote = self.self_vote();
        self.recv.clear();
        self.recv.insert(self.id, self.vote);
        self.out_of_election.clear();
        self.finalizing = false;
        self.broadcast_notification(out);
        out.set_timer(Timer::Notify, self.config.notify_ms[0], self.config.notify_ms[1]);
        self.check_election_quorum(out);
    }

    fn notification(&self) -> Msg {
        Msg::Notification { vote: self.vote, round: self.round, state: self.state }
    }

    fn broadcast_notification(&self, out: &mut Outbox<Self>) {
        for p in self.peers() {
            out.send(p, self.notification());
        }
    }

    fn agreeing(&self, v: &Vote) -> usize {
        self.recv.values().filter(|x| *x == v).count()
    }

    fn check_election_quorum(&mut self, out: &mut Outbox<Self>) {
        if !self.finalizing && self.agreeing(&self.vote.clone()) >= self.quorum() {
            self.finalizing = true;
            out.set_timer(Timer::Finalize, self.config.finalize_wait_ms, self.config.finalize_wait_ms);
        }
    }

    fn on_notification(
        &mut self,
        now: Time,
        from: NodeId,
        vote: Vote,
        round: u64,
        st: ServerState,
        out: &mut Outbox<Self>,
    ) {
        if self.state != ServerState::Looking {
            // Tell a LOOKING node who leads (how a restarted node rejoins).
            if st == ServerState::Looking {
                out.send(from, self.notification());
            }
            return;
        }
        if st == ServerState::Looking {
            if round > self.round {
                self.round = round;
                self.recv.clear();
                self.finalizing = false;
                out.cancel_timer(Timer::Finalize);
                let mine = self.self_vote();
                self.vote = if vote.key() > mine.key() { vote } else { mine };
                self.broadcast_notification(out);
            } else if round < self.round {
                out.send(from, self.notification());
                return;
            } else if vote.key() > self.vote.key() {
                self.vote = vote;
                self.broadcast_notification(out);
            }
            self.recv.insert(from, vote);
            self.recv.insert(self.id, self.vote);
            self.check_election_quorum(out);
        } else {
            // The sender is out of the election: join its leader when a quorum of servers out of
            // election agree on it and the leader itself says LEADING.
            self.out_of_election.insert(from, (vote, st));
            if vote.leader == self.id {
                return;
            }
            let leading = self.out_of_election.get(&vote.leader).is_some_and(|(_, s)| *s == ServerState::Leading);
            let agree = self.out_of_election.values().filter(|(v, _)| v.leader == vote.leader).count();
            if leading && agree >= self.quorum() {
                self.round = self.round.max(round);
                self.vote = vote;
                self.conclude(now, out);
            }
        }
    }

    fn conclude(&mut self, now: Time, out: &mut Outbox<Self>) {
        out.cancel_timer(Timer::Notify);
        out.cancel_timer(Timer::Finalize);
        self.finalizing = false;
        let l = self.vote.leader;
        self.leader = Some(l);
        self.phase = Phase::Discovery;
        self.deadline = now + self.config.init_limit_ms;
        self.last_heard = now;
        if l == self.id {
            self.state = ServerState::Leading;
            out.notice(
                NoticeKind::LeaderElected,
                Some(self.current_epoch),
                format!("n{} is LEADING (vote zxid {})", self.id, self.vote.zxid.text()),
            );
            self.infos.insert(self.id, self.accepted_epoch);
            self.maybe_choose_epoch(out);
        } else {
            self.state = ServerState::Following;
            out.notice(NoticeKind::Follows, Some(self.current_epoch), format!("n{} is FOLLOWING n{l}", self.id));
            out.send(l, Msg::FollowerInfo { accepted_epoch: self.accepted_epoch });
        }
        out.set_timer(Timer::Tick, self.config.tick_ms, self.config.tick_ms);
    }

    // ----- Leader: discovery, synchronisation, broadcast -----

    fn maybe_choose_epoch(&mut self, out: &mut Outbox<Self>) {
        if self.epoch_chosen || self.infos.len() < self.quorum() {
            return;
        }
        let e = self.infos.values().copied().max().unwrap_or(0).max(self.accepted_epoch) + 1;
        self.epoch_chosen = true;
        self.epoch = e;
        self.accepted_epoch = e;
        self.accepted_from = Some(self.id);
        out.persist(self.durable());
        out.notice(NoticeKind::NewEpoch, Some(e), format!("n{} proposes epoch {e}", self.id));
        self.epoch_acks.insert(self.id, ());
        for p in self.infos.keys().copied().filter(|p| *p != self.id).collect::<Vec<_>>() {
            out.send(p, Msg::NewEpoch { epoch: e });
        }
        self.maybe_start_sync(out);
    }

    fn maybe_start_sync(&mut self, out: &mut Outbox<Self>) {
        if self.phase != Phase::Discovery || self.epoch_acks.len() < self.quorum() {
            return;
        }
        self.current_epoch = self.epoch;
        out.persist(self.durable());
        self.phase = Phase::Sync;
        for p in self.epoch_acks.keys().copied().filter(|p| *p != self.id).collect::<Vec<_>>() {
            self.send_sync(p, out);
        }
        self.maybe_establish(out);
    }

    /// `LearnerHandler.syncFollower`: DIFF, TRUNC or SNAP, then NEWLEADER.
    fn send_sync(&mut self, p: NodeId, out: &mut Outbox<Self>) {
        let Some(l) = self.learners.get(&p) else { return };
        let peer_last = l.last;
        let e = self.epoch;
        let k = self.upto(peer_last);
        let exact = peer_last == Zxid::default() || (k > 0 && self.history[k - 1].zxid == peer_last);
        let missing = (self.history.len() - k) as u64;
        let (kind, msg) = if missing > self.config.snap_threshold {
            ("SNAP", Msg::Snap { epoch: e, history: self.history.clone(), committed: self.committed })
        } else if exact {
            ("DIFF", Msg::Diff { epoch: e, base: peer_last, txns: self.history.iter_from(k).cloned().collect() })
        } else {
            let to = if k == 0 { Zxid::default() } else { self.history[k - 1].zxid };
            ("TRUNC", Msg::Trunc { epoch: e, to, txns: self.history.iter_from(k).cloned().collect() })
        };
        self.last_sync_kind = Some(kind);
        out.send(p, msg);
        out.send(p, Msg::NewLeader { epoch: e });
        if let Some(l) = self.learners.get_mut(&p) {
            l.forwarding = true;
            l.sync = Some(kind);
        }
    }

    fn maybe_establish(&mut self, now_out: &mut Outbox<Self>) {
        if self.phase != Phase::Sync {
            return;
        }
        let synced = 1 + self.learners.values().filter(|l| l.synced).count();
        if synced < self.quorum() {
            return;
        }
        let out = now_out;
        self.established = true;
        self.phase = Phase::Broadcast;
        self.committed = self.history.len();
        out.persist(self.durable());
        out.notice(
            NoticeKind::Established,
            Some(self.epoch),
            format!("n{} established epoch {}: a quorum acknowledged NEWLEADER", self.id, self.epoch),
        );
        self.apply(out);
        let commit = self.commit_zxid();
        for (p, l) in self.learners.iter() {
            if l.synced {
                out.send(*p, Msg::UpToDate { epoch: self.epoch, commit });
            }
        }
    }

    fn propose(&mut self, client: ClientId, request: RequestId, op: TxnOp, out: &mut Outbox<Self>) {
        // A resent request already proposed and not yet committed is not proposed twice.
        if self.history.iter_from(self.committed).any(|t| {
            t.client == client && t.request == request && matches!(t.op, TxnOp::Sync) == matches!(op, TxnOp::Sync)
        }) {
            return;
        }
        let prev = self.last_zxid();
        let counter = if prev.epoch == self.epoch { prev.counter + 1 } else { 1 };
        let txn = Txn { zxid: Zxid { epoch: self.epoch, counter }, client, request, op };
        self.history.push(txn.clone());
        out.persist(self.durable());
        for (p, l) in self.learners.iter() {
            if l.forwarding {
                out.send(*p, Msg::Proposal { epoch: self.epoch, prev, txn: txn.clone() });
            }
        }
        self.maybe_commit(out);
    }

    fn maybe_commit(&mut self, out: &mut Outbox<Self>) {
        if !self.established() {
            return;
        }
        let mut acks: Vec<Zxid> = self.learners.values().filter(|l| l.synced).map(|l| l.acked).collect();
        acks.push(self.last_zxid());
        if acks.len() < self.quorum() {
            return;
        }
        crate::core::sort::sort_by(&mut acks, |a, b| b.cmp(a));
        let z = acks[self.quorum() - 1];
        let k = self.upto(z);
        if k > self.committed {
            self.committed = k;
            out.persist(self.durable());
            self.apply(out);
            for (p, l) in self.learners.iter() {
                if l.forwarding {
                    out.send(*p, Msg::Commit { epoch: self.epoch, zxid: z });
                }
            }
        }
    }

    fn leader_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        match msg {
            Msg::FollowerInfo { accepted_epoch } => {
                // A (re)connecting follower starts over.
                self.learners.insert(from, Learner { heard: now, ..Learner::default() });
                if self.epoch_chosen {
                    out.send(from, Msg::NewEpoch { epoch: self.epoch });
                } else {
                    self.infos.insert(from, accepted_epoch);
                    self.maybe_choose_epoch(out);
                }
            }
            Msg::AckEpoch { epoch, current_epoch, last } if epoch == self.epoch => {
                let Some(l) = self.learners.get_mut(&from) else { return };
                l.heard = now;
                if l.synced {
                    return;
                }
                l.last = last;
                if self.phase == Phase::Discovery {
                    // ZooKeeper's waitForEpochAck: a follower ahead of the leader ends the attempt.
                    if (current_epoch, last) > (self.current_epoch, self.last_zxid()) {
                        self.go_looking(now, &format!("follower n{from} is ahead of it"), out);
                        return;
                    }
                    self.epoch_acks.insert(from, ());
                    self.maybe_start_sync(out);
                } else {
                    self.send_sync(from, out);
                }
            }
            Msg::Ack { epoch, zxid, new_leader } if epoch == self.epoch => {
                let Some(l) = self.learners.get_mut(&from) else { return };
                l.heard = now;
                if new_leader {
                    if !l.forwarding {
                        return;
                    }
                    l.synced = true;
                    l.acked = l.acked.max(zxid);
                    if self.phase == Phase::Sync {
                        self.maybe_establish(out);
                    } else if self.established {
                        out.send(from, Msg::UpToDate { epoch, commit: self.commit_zxid() });
                        self.maybe_commit(out);
                    }
                } else if l.synced {
                    l.acked = l.acked.max(zxid);
                    self.maybe_commit(out);
                }
            }
            Msg::Ping { epoch, last, reply: true, .. } if epoch == self.epoch => {
                let Some(l) = self.learners.get_mut(&from) else { return };
                l.heard = now;
                if !l.synced {
                    return;
                }
                l.acked = l.acked.max(last);
                self.maybe_commit(out);
                // Resend what the follower missed (its history is a prefix of ours).
                let k = self.upto(last);
                if k < self.history.len() && (k == 0 || self.history[k - 1].zxid == last) {
                    let mut prev = last;
                    for t in self.history.iter_from(k).take(16) {
                        out.send(from, Msg::Proposal { epoch, prev, txn: t.clone() });
                        prev = t.zxid;
                    }
                }
            }
            Msg::Request { epoch, client, request, op } if epoch == self.epoch && self.established => {
                self.propose(client, request, TxnOp::Client(op), out)
            }
            Msg::Sync { epoch, client, request } if epoch == self.epoch && self.established => {
                self.propose(client, request, TxnOp::Sync, out)
            }
            _ => {}
        }
    }

    // ----- Follower -----

    fn follower_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        if Some(from) != self.leader {
            return;
        }
        if let Msg::NewEpoch { epoch } = msg {
            if epoch < self.accepted_epoch
                || (epoch == self.accepted_epoch && self.accepted_from != Some(from) && self.epoch != epoch)
            {
                self.go_looking(now, &format!("n{from} proposed epoch {epoch}, not above its acceptedEpoch"), out);
                return;
            }
            if self.phase == Phase::Discovery || (self.phase == Phase::Sync && self.epoch == epoch && !self.synced) {
                if epoch > self.accepted_epoch {
                    self.accepted_epoch = epoch;
                    self.accepted_from = Some(from);
                    out.persist(self.durable());
                }
                self.epoch = epoch;
                self.phase = Phase::Sync;
                self.last_heard = now;
                out.send(from, Msg::AckEpoch { epoch, current_epoch: self.current_epoch, last: self.last_zxid() });
            }
            return;
        }
        let epoch = match &msg {
            Msg::Diff { epoch, .. }
            | Msg::Trunc { epoch, .. }
            | Msg::Snap { epoch, .. }
            | Msg::NewLeader { epoch }
            | Msg::UpToDate { epoch, .. }
            | Msg::Proposal { epoch, .. }
            | Msg::Commit { epoch, .. }
            | Msg::Ping { epoch, .. } => *epoch,
            _ => return,
        };
        if epoch != self.epoch || self.epoch == 0 {
            return;
        }
        self.last_heard = now;
        match msg {
            Msg::Diff { base: to, txns, .. } | Msg::Trunc { to, txns, .. }
                if self.phase == Phase::Sync && !self.synced =>
            {
                let kind = if self.last_zxid() == to { "DIFF" } else { "TRUNC" };
                let keep = self.upto(to);
                if keep < self.committed
                    || (keep > 0 && self.history[keep - 1].zxid != to)
                    || (keep == 0 && to != Zxid::default())
                {
                    self.go_looking(now, "cannot synchronise with the leader's history", out);
                    return;
                }
                let cut = self.history.len() - keep;
                self.history.truncate(keep);
                self.history.extend(txns);
                out.persist(self.durable());
                self.last_sync_kind = Some(kind);
                if cut > 0 {
                    out.notice(
                        NoticeKind::Truncated,
                        Some(epoch),
                        format!("n{} truncated {cut} uncommitted proposal(s) after {}", self.id, to.text()),
                    );
                }
                self.synced_now(out);
            }
            Msg::Snap { history, committed, .. } if self.phase == Phase::Sync && !self.synced => {
                if history.len() < self.committed
                    || !history.range(0, self.committed).eq(self.history.range(0, self.committed))
                {
                    self.go_looking(now, "the leader's snapshot lacks its committed history", out);
                    return;
                }
                self.committed = self.committed.max(committed).min(history.len());
                self.history = history;
                self.sm = StateMachine::default();
                self.applied = 0;
                out.persist(self.durable());
                self.last_sync_kind = Some("SNAP");
                out.notice(NoticeKind::Snapshot, Some(epoch), format!("n{} loaded the leader's snapshot", self.id));
                self.apply(out);
                self.synced_now(out);
            }
            Msg::NewLeader { .. } => {
                if self.synced {
                    self.ack_newleader(out);
                } else {
                    self.newleader_pending = true;
                }
            }
            Msg::UpToDate { commit, .. } if self.newleader_acked && self.phase == Phase::Sync => {
                self.phase = Phase::Broadcast;
                self.commit_to(commit, out);
                out.notice(NoticeKind::Uptodate, Some(epoch), format!("n{} is up to date and serving", self.id));
            }
            Msg::Proposal { prev, txn, .. } if self.synced && prev == self.last_zxid() && txn.zxid > prev => {
                let z = txn.zxid;
                self.history.push(txn);
                out.persist(self.durable());
                out.send(from, Msg::Ack { epoch, zxid: z, new_leader: false });
            }
            Msg::Commit { zxid, .. } if self.synced => self.commit_to(zxid, out),
            Msg::Ping { commit, reply: false, .. } => {
                if self.synced && self.newleader_acked {
                    self.commit_to(commit, out);
                }
                out.send(from, Msg::Ping { epoch, commit: self.commit_zxid(), last: self.last_zxid(), reply: true });
            }
            _ => {}
        }
    }

    fn synced_now(&mut self, out: &mut Outbox<Self>) {
        self.synced = true;
        if self.newleader_pending {
            self.ack_newleader(out);
        }
    }

    fn ack_newleader(&mut self, out: &mut Outbox<Self>) {
        if self.current_epoch < self.epoch {
            self.current_epoch = self.epoch;
            out.persist(self.durable());
        }
        self.newleader_acked = true;
        if let Some(l) = self.leader {
            out.send(l, Msg::Ack { epoch: self.epoch, zxid: self.last_zxid(), new_leader: true });
        }
    }

    /// Commit up to `z` (our history is a prefix of the leader's, so everything we hold up to
    /// `z` is what the leader committed).
    fn commit_to(&mut self, z: Zxid, out: &mut Outbox<Self>) {
        let k = self.upto(z);
        if k > self.committed {
            self.committed = k;
            out.persist(self.durable());
            self.apply(out);
        }
    }

    /// Deliver committed proposals in zxid order; answer the clients waiting here.
    fn apply(&mut self, out: &mut Outbox<Self>) {
        while self.applied < self.committed {
            let t = self.history[self.applied].clone();
            self.applied += 1;
            let result = self.sm.apply(&t);
            let key = (t.client, t.request);
            match (&t.op, result) {
                (TxnOp::Client(_), Some(r)) => {
                    if let Some(i) = self.pending_writes.iter().position(|p| *p == key) {
                        self.pending_writes.remove(i);
                        out.reply(t.client, t.request, r);
                    }
                }
                (TxnOp::Sync, _) => {
                    if let Some(i) = self.pending_reads.iter().position(|(c, r, _)| (*c, *r) == key) {
                        let (c, r, k) = self.pending_reads.remove(i);
                        out.reply(c, r, ClientResult::ReadOk { value: self.sm.kv.data.get(&k).copied() });
                    }
                }
                _ => {}
            }
        }
    }

    fn tick(&mut self, now: Time, out: &mut Outbox<Self>) {
        match self.state {
            ServerState::Looking => return,
            ServerState::Leading => {
                if self.phase != Phase::Broadcast {
                    if now >= self.deadline {
                        self.go_looking(now, "no quorum within initLimit", out);
                        return;
                    }
                } else {
                    let lim = self.config.sync_limit_ms;
                    let alive = 1 + self.learners.values().filter(|l| l.synced && now <= l.heard + lim).count();
                    if alive < self.quorum() {
                        self.go_looking(now, "lost its quorum of followers", out);
                        return;
                    }
                }
                let (commit, last) = (self.commit_zxid(), self.last_zxid());
                for (p, l) in self.learners.iter() {
                    if l.forwarding {
                        out.send(*p, Msg::Ping { epoch: self.epoch, commit, last, reply: false });
                    }
                }
            }
            ServerState::Following => {
                if (self.phase != Phase::Broadcast && now >= self.deadline)
                    || now > self.last_heard + self.config.sync_limit_ms
                {
                    self.go_looking(now, "lost its leader", out);
                    return;
                }
                let Some(l) = self.leader else { return };
                match self.phase {
                    Phase::Discovery => out.send(l, Msg::FollowerInfo { accepted_epoch: self.accepted_epoch }),
                    Phase::Sync if !self.synced || !self.newleader_acked => out.send(
                        l,
                        Msg::AckEpoch { epoch: self.epoch, current_epoch: self.current_epoch, last: self.last_zxid() },
                    ),
                    Phase::Sync => {
                        out.send(l, Msg::Ack { epoch: self.epoch, zxid: self.last_zxid(), new_leader: true })
                    }
                    _ => {}
                }
            }
        }
        out.set_timer(Timer::Tick, self.config.tick_ms, self.config.tick_ms);
    }
}

impl Protocol for Zab {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = ZabConfig;
    type Op = ClientOp;
    type View = ZabView;
    const NAME: &'static str = "zab";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes)
    }
    // ZooKeeper serves reads locally (sequential consistency): stale reads are the lesson. With
    // `sync_reads` every read is ordered through the leader and the histories are expected
    // linearizable (tests/zab.rs checks that over seeds).
    const LINEARIZABLE: bool = false;

    fn prepare_config(config: &mut ZabConfig, _nodes: u32, _seed: u64) -> Result<(), String> {
        config.validate()
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &ZabConfig,
        durable: Option<Durable>,
        now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let d = durable.unwrap_or_default();
        let mut z = Zab {
            id,
            n,
            config: config.clone(),
            accepted_epoch: d.accepted_epoch,
            accepted_from: d.accepted_from,
            current_epoch: d.current_epoch,
            committed: d.committed.min(d.history.len()),
            history: d.history,
            state: ServerState::Looking,
            phase: Phase::Election,
            round: 0,
            vote: Vote::default(),
            recv: VecMap::new(),
            out_of_election: VecMap::new(),
            finalizing: false,
            leader: None,
            epoch: 0,
            sm: StateMachine::default(),
            applied: 0,
            deadline: 0,
            last_heard: 0,
            synced: false,
            newleader_pending: false,
            newleader_acked: false,
            epoch_chosen: false,
            infos: VecMap::new(),
            epoch_acks: VecMap::new(),
            learners: VecMap::new(),
            established: false,
            pending_writes: Vec::new(),
            pending_reads: Vec::new(),
            last_sync_kind: None,
        };
        z.apply(out);
        z.go_looking(now, "starting up", out);
        z
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        match msg {
            Msg::Notification { vote, round, state } => self.on_notification(now, from, vote, round, state, out),
            m => match self.state {
                ServerState::Looking => {}
                ServerState::Leading => self.leader_message(now, from, m, out),
                ServerState::Following => self.follower_message(now, from, m, out),
            },
        }
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Outbox<Self>) {
        match timer {
            Timer::Notify => {
                if self.state == ServerState::Looking {
                    self.broadcast_notification(out);
                    out.set_timer(Timer::Notify, self.config.notify_ms[0], self.config.notify_ms[1]);
                }
            }
            Timer::Finalize => {
                if self.state == ServerState::Looking && self.finalizing {
                    self.finalizing = false;
                    if self.agreeing(&self.vote.clone()) >= self.quorum() {
                        self.conclude(now, out);
                    }
                }
            }
            Timer::Tick => self.tick(now, out),
            Timer::GiveUp => {
                if self.state != ServerState::Looking {
                    self.go_looking(now, "timed out", out);
                }
            }
        }
    }

    fn on_client(&mut self, _now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>) {
        let serving = self.phase == Phase::Broadcast && (self.state != ServerState::Leading || self.established);
        let Some(leader) = self.leader.filter(|_| serving) else {
            let reason = format!("n{} is {} ({}), not serving clients", self.id, self.state.name(), self.phase.name());
            out.reply(client, request, ClientResult::Unavailable { reason });
            return;
        };
        let here = leader == self.id;
        match op {
            ClientOp::Read { key } if !self.config.sync_reads => {
                // ZooKeeper reads are local: sequentially consistent, possibly stale.
                let value = self.sm.kv.data.get(&key).copied();
                out.reply(client, request, ClientResult::ReadOk { value });
            }
            ClientOp::Read { key } => {
                if !self.pending_reads.iter().any(|(c, r, _)| (*c, *r) == (client, request)) {
                    self.pending_reads.push((client, request, key));
                }
                if here {
                    self.propose(client, request, TxnOp::Sync, out);
                } else {
                    out.send(leader, Msg::Sync { epoch: self.epoch, client, request });
                }
            }
            op => {
                if !self.pending_writes.contains(&(client, request)) {
                    self.pending_writes.push((client, request));
                }
                if here {
                    self.propose(client, request, TxnOp::Client(op), out);
                } else {
                    out.send(leader, Msg::Request { epoch: self.epoch, client, request, op });
                }
            }
        }
    }

    fn reconfigure(&mut self, _now: Time, config: &ZabConfig, _out: &mut Outbox<Self>) -> Result<(), String> {
        config.validate()?;
        self.config = config.clone();
        Ok(())
    }

    fn durable(&self) -> Durable {
        Durable {
            accepted_epoch: self.accepted_epoch,
            accepted_from: self.accepted_from,
            current_epoch: self.current_epoch,
            history: self.history.clone(),
            committed: self.committed,
        }
    }

    fn timeout_timer(&self) -> Option<Timer> {
        Some(if self.state == ServerState::Looking { Timer::Notify } else { Timer::GiveUp })
    }

    fn approx_bytes(&self) -> usize {
        // The history is never compacted: one transaction per write. A copy shares its full
        // chunks (core::applog), as the checker's committed history does, so a copy holds only the
        // open tail (calibrated with examples/memprobe.rs, with the checker's share).
        self.history.unshared_bytes(110)
    }
    fn view(&self) -> NodeView<ZabView> {
        let first = self.history.len().saturating_sub(NodeView::LOG_TAIL);
        let looking = self.state == ServerState::Looking;
        let pos = |z: Zxid| self.upto(z) as u64;
        NodeView {
            role: match self.state {
                ServerState::Looking => "looking",
                ServerState::Following => "following",
                ServerState::Leading => "leading",
            }
            .to_string(),
            term: self.current_epoch,
            voted_for: looking.then_some(self.vote.leader),
            leader: self.leader,
            commit_index: self.committed as u64,
            snapshot_index: 0,
            last_index: self.history.len() as u64,
            log: self
                .history
                .iter_from(first)
                .enumerate()
                .map(|(k, t)| LogEntryView {
                    index: (first + k) as u64 + 1,
                    term: t.zxid.epoch,
                    text: t.text(),
                    committed: first + k < self.committed,
                })
                .collect(),
            peers: self
                .learners
                .iter()
                .map(|(p, l)| PeerProgress { id: *p, next_index: pos(l.acked) + 1, match_index: pos(l.acked) })
                .collect(),
            votes: if looking {
                self.recv.iter().filter(|(_, v)| **v == self.vote).map(|(p, _)| *p).collect()
            } else {
                Vec::new()
            },
            kv: self.sm.kv.data.clone(),
            detail: ZabView {
                phase: self.phase.name(),
                state: self.state.name(),
                vote: looking.then(|| ZabVoteView {
                    leader: self.vote.leader,
                    zxid: self.vote.zxid.text(),
                    epoch: self.vote.epoch,
                }),
                round: self.round,
                accepted_epoch: self.accepted_epoch,
                current_epoch: self.current_epoch,
                epoch: self.epoch,
                established: self.established(),
                last_zxid: self.last_zxid().text(),
                commit_zxid: self.commit_zxid().text(),
                history: self
                    .history
                    .iter_from(first)
                    .enumerate()
                    .map(|(k, t)| ZabTxnView {
                        zxid: t.zxid.text(),
                        text: t.text(),
                        committed: first + k < self.committed,
                    })
                    .collect(),
                learners: self
                    .learners
                    .iter()
                    .map(|(p, l)| ZabLearnerView {
                        id: *p,
                        stage: if l.synced {
                            "synced"
                        } else if l.forwarding {
                            "syncing"
                        } else {
                            "discovery"
                        },
                        sync: l.sync,
                        last: l.last.text(),
                        acked: l.acked.text(),
                    })
                    .collect(),
            },
        }
    }

    fn msg_info(msg: &Msg) -> MsgInfo {
        let (kind, is_reply, detail) = match msg {
            Msg::Notification { vote, round, state } => (
                "NOTIFICATION",
                false,
                format!(
                    "vote n{} ({}, epoch {}), round {round}, {}",
                    vote.leader,
                    vote.zxid.text(),
                    vote.epoch,
                    state.name()
                ),
            ),
            Msg::FollowerInfo { accepted_epoch } => ("FOLLOWERINFO", false, format!("acceptedEpoch {accepted_epoch}")),
            Msg::NewEpoch { epoch } => ("NEWEPOCH", false, format!("epoch {epoch}")),
            Msg::AckEpoch { epoch, current_epoch, last } => {
                ("ACKEPOCH", true, format!("epoch {epoch}, currentEpoch {current_epoch}, last {}", last.text()))
            }
            Msg::Diff { base, txns, .. } => ("DIFF", false, format!("{} proposals after {}", txns.len(), base.text())),
            Msg::Trunc { to, txns, .. } => {
                ("TRUNC", false, format!("cut after {}, then {} proposals", to.text(), txns.len()))
            }
            Msg::Snap { history, .. } => ("SNAP", false, format!("full state, {} proposals", history.len())),
            Msg::NewLeader { epoch } => ("NEWLEADER", false, format!("epoch {epoch}")),
            Msg::Ack { zxid, new_leader, .. } => {
                ("ACK", true, if *new_leader { format!("NEWLEADER, last {}", zxid.text()) } else { zxid.text() })
            }
            Msg::UpToDate { commit, .. } => ("UPTODATE", false, format!("committed up to {}", commit.text())),
            Msg::Proposal { txn, .. } => ("PROPOSAL", false, format!("{} {}", txn.zxid.text(), txn.text())),
            Msg::Commit { zxid, .. } => ("COMMIT", false, zxid.text()),
            Msg::Ping { commit, last, reply, .. } => (
                "PING",
                *reply,
                if *reply { format!("last {}", last.text()) } else { format!("commit {}", commit.text()) },
            ),
            Msg::Request { op, .. } => ("REQUEST", false, op.label()),
            Msg::Sync { client, .. } => ("SYNC", false, format!("for client {client}")),
        };
        MsgInfo { kind, is_reply, detail }
    }
}

/// ZAB-specific part of a node's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZabView {
    /// `ELECTION` / `DISCOVERY` / `SYNC` / `BROADCAST`.
    pub phase: &'static str,
    /// `LOOKING` / `FOLLOWING` / `LEADING`.
    pub state: &'static str,
    /// The current vote, while LOOKING.
    pub vote: Option<ZabVoteView>,
    /// Election round (FastLeaderElection's logical clock).
    pub round: u64,
    /// acceptedEpoch.
    pub accepted_epoch: u64,
    /// currentEpoch.
    pub current_epoch: u64,
    /// The epoch being established or served (0 while electing).
    pub epoch: u64,
    /// Leader whose NEWLEADER a quorum acknowledged.
    pub established: bool,
    /// Last zxid, `epoch:counter`.
    pub last_zxid: String,
    /// Last committed zxid, `epoch:counter`.
    pub commit_zxid: String,
    /// The history's tail with the committed prefix marked.
    pub history: Vec<ZabTxnView>,
    /// For a leader: each follower's synchronisation state (empty otherwise).
    pub learners: Vec<ZabLearnerView>,
}

/// Serialised as the frame's `zab` beside the common header.
impl Detail for ZabView {
    fn key(&self) -> Option<&'static str> {
        Some("zab")
    }
}

/// A leader's view of one follower (ZooKeeper's `LearnerHandler`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZabLearnerView {
    /// The follower.
    pub id: NodeId,
    /// `discovery` (FOLLOWERINFO heard, no sync sent yet), `syncing` (DIFF / TRUNC / SNAP and
    /// NEWLEADER sent) or `synced` (NEWLEADER acknowledged: gets proposals and commits).
    pub stage: &'static str,
    /// How it was synchronised: `DIFF`, `TRUNC` or `SNAP`.
    pub sync: Option<&'static str>,
    /// The last zxid it reported at ACKEPOCH, `epoch:counter`.
    pub last: String,
    /// The highest zxid it acknowledged, `epoch:counter`.
    pub acked: String,
}

/// A vote as shown during election.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZabVoteView {
    /// Proposed leader.
    pub leader: NodeId,
    /// Its last zxid, `epoch:counter`.
    pub zxid: String,
    /// Its currentEpoch.
    pub epoch: u64,
}

/// One history entry as shown.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ZabTxnView {
    /// `epoch:counter`.
    pub zxid: String,
    /// e.g. `write x=3`.
    pub text: String,
    /// Known committed here.
    pub committed: bool,
}
