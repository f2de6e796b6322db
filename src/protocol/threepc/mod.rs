//! Three-phase commit (Skeen, "Nonblocking Commit Protocols", SIGMOD 1981; the termination
//! protocol of Skeen & Stonebraker, "A Formal Model of Crash Recovery in a Distributed System",
//! IEEE TSE 1983), over 2PC's bank: the same accounts, owners and client operations (transfers
//! between accounts, reads, writes, cas), so the two protocols meet the same faults.
//!
//! **States** (Skeen's names). Every site goes q → w → p → c, or to a:
//!
//! ```text
//!   coordinator (n0)                               participant (cohort)
//!   q1 ─ client request / PREPARE to all ─▶ w1     q ─ PREPARE / vote Yes (logged) ─▶ w
//!   w1 ─ all VOTE Yes / log p, PRE-COMMIT ─▶ p1    q ─ PREPARE / vote No ─▶ a
//!   w1 ─ a No, or vote timeout / ABORT ───▶ a1     w ─ PRE-COMMIT / log p, ACK ─▶ p
//!   p1 ─ every ACK / log c, DO-COMMIT ────▶ c1     w ─ ABORT ─▶ a
//!                                                  p ─ DO-COMMIT ─▶ c
//! ```
//!
//! The extra state p ("prepared to commit") is what makes 3PC nonblocking (Skeen §4): no state
//! is adjacent to both c and a, so a site that survives the coordinator can decide alone.
//! Skeen's rule: *if the concurrency set of a site's state holds a commit state, commit;
//! otherwise abort*. A site in w may be concurrent with a (some vote No) but never with c (the
//! coordinator commits only once everyone is in p): the survivors may abort. A site in p may be
//! concurrent with c but never with a: they may commit.
//!
//! **Termination protocol** (Skeen & Stonebraker, the central-site backup). A participant in w
//! or p that hears nothing for `timeout_ms × (rank + 1)` (rank: its place among the
//! transaction's participants, so the lowest live one goes first) becomes the **backup
//! coordinator**: it sends STATE-REQUEST to the other participants, collects their states for
//! one timeout, and applies the rule: any site in p (itself included) → move everyone to p
//! (PRE-COMMIT, ACK) then DO-COMMIT; all in w → ABORT. A site that answered a backup follows
//! that backup, not the old coordinator. A site that recovers from a crash in w or p never
//! decides alone: it asks, and waits (Skeen's recovery rule).
//!
//! **What it costs and where it breaks.** A committed transaction costs 3 round trips (PREPARE /
//! VOTE, PRE-COMMIT / ACK, DO-COMMIT) against 2PC's 2. The rule is only safe when "no answer"
//! means "crashed": under a network **partition**, the side that holds a site in p commits and
//! the side whose sites are all in w aborts. The atomicity invariant catches it (scenario
//! `3pc-partition-split.json`): 3PC is nonblocking under crashes, not under partitions.

pub mod config;
pub mod invariants;

pub use config::ThreePcConfig;

use super::twopc::{account_name, owner, plan, vote_on, Effect, Install, TwoPcOp, TwoPcResult, Verdict};
use super::{
    ClientId, ClientOp, ClientOperation, ClientReply, ClientResult, Detail, LogEntryView, MsgInfo, NodeId, NodeView,
    NoticeKind, Outbox, Protocol, RequestId, Time, Value,
};
use crate::core::applog::AppendLog;
use crate::core::vecmap::VecMap;
use serde::Serialize;

/// A transaction id, assigned by the coordinator (durable counter, never reused).
pub type TxnId = u64;

/// The coordinator's id.
pub const COORDINATOR: NodeId = 0;

/// How often a node looks at its timeouts (ms).
const TICK_MS: Time = 25;

/// An undecided participant's state (Skeen's w and p).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Phase {
    /// w: voted Yes, waiting.
    W,
    /// p: prepared to commit (got PRE-COMMIT).
    P,
}

impl Phase {
    fn letter(self) -> &'static str {
        match self {
            Phase::W => "w",
            Phase::P => "p",
        }
    }
}

/// One record of a node's durable log (each forced before the message it allows leaves).
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    /// Coordinator, q1 → w1: a transaction started, its participants and the client waiting.
    Begin { txn: TxnId, participants: Vec<NodeId>, client: ClientId, request: RequestId, label: String },
    /// Coordinator, w1 → p1: every vote was Yes.
    PreCommit { txn: TxnId },
    /// Coordinator: c1, with the client's answer.
    Commit { txn: TxnId, result: TwoPcResult },
    /// Coordinator: a1, with the reason.
    Abort { txn: TxnId, result: TwoPcResult },
    /// Participant, q → w: voted Yes; these values are installed on commit.
    Voted { txn: TxnId, participants: Vec<NodeId>, installs: Vec<Install>, locks: Vec<String> },
    /// Participant, w → p: got PRE-COMMIT.
    PreCommitted { txn: TxnId },
    /// Participant: c, values installed.
    Committed { txn: TxnId },
    /// Participant: a.
    Aborted { txn: TxnId },
}

impl Record {
    /// The transaction the record is about.
    pub fn txn(&self) -> TxnId {
        match self {
            Record::Begin { txn, .. }
            | Record::PreCommit { txn }
            | Record::Commit { txn, .. }
            | Record::Abort { txn, .. }
            | Record::Voted { txn, .. }
            | Record::PreCommitted { txn }
            | Record::Committed { txn }
            | Record::Aborted { txn } => *txn,
        }
    }
    /// One line for the log view, e.g. `t3 p (PRE-COMMIT)`.
    pub fn text(&self) -> String {
        match self {
            Record::Begin { txn, participants, label, .. } => {
                format!("t{txn} w1 BEGIN {label} @ {}", nodes_text(participants))
            }
            Record::PreCommit { txn } => format!("t{txn} p1 PRE-COMMIT"),
            Record::Commit { txn, .. } => format!("t{txn} c1 COMMIT"),
            Record::Abort { txn, .. } => format!("t{txn} a1 ABORT"),
            Record::Voted { txn, installs, .. } => {
                let w: Vec<String> = installs.iter().map(|i| format!("{}={}", i.key, i.new)).collect();
                format!("t{txn} w YES {}", if w.is_empty() { "(read only)".into() } else { w.join(" ") })
            }
            Record::PreCommitted { txn } => format!("t{txn} p"),
            Record::Committed { txn } => format!("t{txn} c COMMITTED"),
            Record::Aborted { txn } => format!("t{txn} a ABORTED"),
        }
    }
}

fn nodes_text(ns: &[NodeId]) -> String {
    ns.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(",")
}

/// What survives a crash: the log, the balances and the id counter.
#[derive(Clone, Debug, Default, Hash)]
pub struct Durable {
    /// The append-only log.
    pub log: AppendLog<Record>,
    /// Balances as committed (participants).
    pub kv: VecMap<String, Value>,
    /// Money created (or destroyed) by committed writes and compare-and-set.
    pub minted: Value,
    /// Last transaction id handed out (coordinator).
    pub next_txn: TxnId,
}

/// Peer-to-peer messages, named as in Skeen 1981.
#[derive(Clone, Debug, Hash)]
pub enum Msg {
    /// Coordinator → participant: your share; vote.
    Prepare { txn: TxnId, effects: Vec<Effect>, participants: Vec<NodeId> },
    /// Participant → coordinator: Yes (with what it read) or No (with why).
    Vote {
        txn: TxnId,
        yes: bool,
        reads: Vec<(String, Option<Value>)>,
        reason: String,
        cas_current: Option<Option<Value>>,
    },
    /// Coordinator (or backup) → participant: move to p.
    PreCommit { txn: TxnId },
    /// Participant → coordinator (or backup): I am in p.
    Ack { txn: TxnId },
    /// Commit (from the coordinator, a backup, or a site that knows).
    DoCommit { txn: TxnId },
    /// Abort (from the coordinator, a backup, or a site that knows).
    Abort { txn: TxnId },
    /// Termination protocol: what is your state? (`backup`: the sender acts as coordinator.)
    StateRequest { txn: TxnId, backup: bool },
    /// Termination protocol: my state, w or p.
    StateReply { txn: TxnId, phase: Phase },
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Periodic check of deadlines.
    Tick,
    /// A participant's local work is done: vote.
    Work(TxnId),
}

/// A transaction the coordinator runs.
#[derive(Clone, Debug, Hash)]
struct Active {
    participants: Vec<NodeId>,
    effects: Vec<(NodeId, Vec<Effect>)>,
    client: ClientId,
    request: RequestId,
    op: Option<TwoPcOp>,
    started: Time,
    votes: VecMap<NodeId, Vec<(String, Option<Value>)>>,
    /// In p1: waiting for every ACK.
    precommitted: bool,
    acks: Vec<NodeId>,
    last_send: Time,
}

/// A participant's transaction that has not voted yet (q).
#[derive(Clone, Debug, Hash)]
struct Working {
    effects: Vec<Effect>,
    participants: Vec<NodeId>,
    since: Time,
}

/// A backup coordinator's run of the termination protocol.
#[derive(Clone, Debug, Hash)]
struct Termination {
    started: Time,
    last_send: Time,
    replies: VecMap<NodeId, Phase>,
    /// Moving everyone to p: the ACKs so far, and since when.
    precommit: Option<(Time, Vec<NodeId>)>,
}

/// A participant's undecided transaction (w or p).
#[derive(Clone, Debug, Hash)]
struct Uncertain {
    participants: Vec<NodeId>,
    installs: Vec<Install>,
    phase: Phase,
    since: Time,
    /// Last time the coordinator or a backup was heard about it.
    heard: Time,
    /// The backup this site follows (answered its STATE-REQUEST).
    backup: Option<NodeId>,
    /// Restarted in w or p: never decides alone, only asks (Skeen's recovery rule).
    recovered: bool,
    /// This site is the backup.
    term: Option<Termination>,
}

/// One 3PC node: the coordinator (`n0`) or a participant.
#[derive(Clone, Debug, Hash)]
pub struct ThreePc {
    id: NodeId,
    n: u32,
    config: ThreePcConfig,
    d: Durable,
    now: Time,
    active: VecMap<TxnId, Active>,
    by_request: VecMap<(ClientId, RequestId), TxnId>,
    decided: VecMap<TxnId, (bool, TwoPcResult)>,
    locks: VecMap<String, TxnId>,
    working: VecMap<TxnId, Working>,
    uncertain: VecMap<TxnId, Uncertain>,
    outcomes: VecMap<TxnId, bool>,
    recent: Vec<(TxnId, bool, Vec<String>)>,
    committed: u64,
    aborted: u64,
    terminations: u64,
}

impl ThreePc {
    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// True for the coordinator.
    pub fn is_coordinator(&self) -> bool {
        self.id == COORDINATOR
    }
    /// The durable log, oldest first.
    pub fn log(&self) -> &AppendLog<Record> {
        &self.d.log
    }
    /// The durable state as it stands.
    pub fn stable(&self) -> &Durable {
        &self.d
    }
    /// Committed balances (participants).
    pub fn balances(&self) -> &VecMap<String, Value> {
        &self.d.kv
    }
    /// Undecided transactions here and their state (w or p).
    pub fn undecided(&self) -> Vec<(TxnId, Phase)> {
        self.uncertain.iter().map(|(t, u)| (*t, u.phase)).collect()
    }
    /// This participant's outcome for `txn`, if decided (true = committed).
    pub fn outcome(&self, txn: TxnId) -> Option<bool> {
        self.outcomes.get(&txn).copied()
    }
    /// Times this site ran the termination protocol as backup coordinator.
    pub fn terminations(&self) -> u64 {
        self.terminations
    }

    fn append(&mut self, r: Record, out: &mut Outbox<Self>) {
        self.d.log.push(r);
        out.persist(self.durable());
    }

    fn plan(&self, op: &TwoPcOp) -> Vec<(NodeId, Vec<Effect>)> {
        plan(op, self.n)
    }

    // ---- coordinator -------------------------------------------------------------------------

    fn begin(&mut self, now: Time, client: ClientId, request: RequestId, op: TwoPcOp, out: &mut Outbox<Self>) {
        if let Some(txn) = self.by_request.get(&(client, request)).copied() {
            if let Some((_, result)) = self.decided.get(&txn) {
                out.reply(client, request, result.clone());
            }
            return;
        }
        self.d.next_txn += 1;
        let txn = self.d.next_txn;
        let effects = self.plan(&op);
        let participants: Vec<NodeId> = effects.iter().map(|(p, _)| *p).collect();
        self.append(Record::Begin { txn, participants: participants.clone(), client, request, label: op.label() }, out);
        self.by_request.insert((client, request), txn);
        for (p, e) in &effects {
            out.send(*p, Msg::Prepare { txn, effects: e.clone(), participants: participants.clone() });
        }
        out.notice(
            NoticeKind::TxnBegin,
            Some(txn),
            format!("n0 began t{txn} (q1 → w1): {} at {}", op.label(), nodes_text(&participants)),
        );
        self.active.insert(
            txn,
            Active {
                participants,
                effects,
                client,
                request,
                op: Some(op),
                started: now,
                votes: VecMap::new(),
                precommitted: false,
                acks: Vec::new(),
                last_send: now,
            },
        );
    }

    fn commit_result(a: &Active) -> TwoPcResult {
        let reads: Vec<(String, Option<Value>)> = a.votes.values().flat_map(|r| r.iter().cloned()).collect();
        match &a.op {
            Some(TwoPcOp::Register(ClientOp::Read { key })) => {
                ClientResult::ReadOk { value: reads.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v) }
            }
            Some(TwoPcOp::Register(ClientOp::Cas { .. })) => ClientResult::CasOk,
            _ => ClientResult::WriteOk,
        }
        .into()
    }

    /// c1 or a1: log it, tell every participant, answer the client.
    fn decide(&mut self, txn: TxnId, commit: bool, result: TwoPcResult, why: &str, out: &mut Outbox<Self>) {
        let Some(a) = self.active.remove(&txn) else { return };
        let rec = if commit {
            Record::Commit { txn, result: result.clone() }
        } else {
            Record::Abort { txn, result: result.clone() }
        };
        self.append(rec, out);
        self.decided.insert(txn, (commit, result.clone()));
        if commit {
            self.committed += 1;
        } else {
            self.aborted += 1;
        }
        for p in &a.participants {
            out.send(*p, if commit { Msg::DoCommit { txn } } else { Msg::Abort { txn } });
        }
        out.reply(a.client, a.request, result.clone());
        let what = if commit { "c1 COMMIT" } else { "a1 ABORT" };
        out.notice(
            if commit { NoticeKind::TxnCommit } else { NoticeKind::TxnAbort },
            Some(txn),
            format!("n0 logged {what} t{txn}{why}: {}", result.label()),
        );
    }

    fn on_vote(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        let Msg::Vote { txn, yes, reads, reason, cas_current } = msg else { return };
        let Some(a) = self.active.get_mut(&txn).filter(|a| !a.precommitted) else {
            if let Some((commit, _)) = self.decided.get(&txn) {
                if yes {
                    out.send(from, if *commit { Msg::DoCommit { txn } } else { Msg::Abort { txn } });
                }
            }
            return;
        };
        if !yes {
            let result = match cas_current {
                Some(current) => ClientResult::CasFailed { current }.into(),
                None => TwoPcResult::Aborted { reason: format!("n{from} voted No: {reason}") },
            };
            return self.decide(txn, false, result, "", out);
        }
        a.votes.insert(from, reads);
        if a.votes.len() < a.participants.len() {
            return;
        }
        // w1 → p1: every vote is Yes. Forced before any PRE-COMMIT leaves.
        a.precommitted = true;
        a.last_send = now;
        let participants = a.participants.clone();
        self.append(Record::PreCommit { txn }, out);
        for p in &participants {
            out.send(*p, Msg::PreCommit { txn });
        }
        out.notice(NoticeKind::TxnCommit, Some(txn), format!("n0 logged p1 PRE-COMMIT t{txn}: every vote was Yes"));
    }

    fn on_ack(&mut self, from: NodeId, txn: TxnId, out: &mut Outbox<Self>) {
        let Some(a) = self.active.get_mut(&txn).filter(|a| a.precommitted) else { return };
        if !a.acks.contains(&from) {
            a.acks.push(from);
        }
        if a.acks.len() == a.participants.len() {
            let result = Self::commit_result(a);
            self.decide(txn, true, result, "", out);
        }
    }

    /// A participant (a backup, or a site that knows) tells the coordinator the outcome.
    fn coordinator_learns(&mut self, from: NodeId, txn: TxnId, commit: bool, out: &mut Outbox<Self>) {
        let Some(a) = self.active.get(&txn) else { return };
        let result = if commit {
            Self::commit_result(a)
        } else {
            TwoPcResult::Aborted { reason: format!("the termination protocol aborted it (told by n{from})") }
        };
        self.decide(txn, commit, result, &format!(" (told by n{from})"), out);
    }

    fn coordinator_tick(&mut self, now: Time, out: &mut Outbox<Self>) {
        for txn in self.active.keys().copied().collect::<Vec<_>>() {
            let Some(a) = self.active.get_mut(&txn) else { continue };
            if a.precommitted {
                // p1: wait for every ACK (never commit on a timeout: a lost ACK is not a crash).
                if now.saturating_sub(a.last_send) >= self.config.retry_ms {
                    a.last_send = now;
                    for p in a.participants.iter().filter(|p| !a.acks.contains(p)) {
                        out.send(*p, Msg::PreCommit { txn });
                    }
                }
            } else if now.saturating_sub(a.started) >= self.config.vote_timeout_ms {
                let missing: Vec<NodeId> =
                    a.participants.iter().copied().filter(|p| !a.votes.contains_key(p)).collect();
                let reason = format!("no vote from {} within {} ms", nodes_text(&missing), self.config.vote_timeout_ms);
                self.decide(txn, false, TwoPcResult::Aborted { reason }, "", out);
            }
        }
    }

    // ---- participant -------------------------------------------------------------------------

    fn on_prepare(&mut self, txn: TxnId, effects: Vec<Effect>, participants: Vec<NodeId>, out: &mut Outbox<Self>) {
        if let Some(commit) = self.outcomes.get(&txn).copied() {
            if !commit {
                let reason = "already aborted here".to_string();
                out.send(COORDINATOR, Msg::Vote { txn, yes: false, reads: vec![], reason, cas_current: None });
            }
            return;
        }
        if self.uncertain.contains_key(&txn) {
            out.send(
                COORDINATOR,
                Msg::Vote { txn, yes: true, reads: vec![], reason: String::new(), cas_current: None },
            );
            return;
        }
        if self.working.contains_key(&txn) {
            return;
        }
        if let Some((key, holder)) = effects.iter().find_map(|e| self.locks.get(e.key()).map(|h| (e.key(), *h))) {
            let reason = format!("{key} is locked by t{holder}");
            self.finish(txn, false, Vec::new(), out);
            out.send(COORDINATOR, Msg::Vote { txn, yes: false, reads: vec![], reason, cas_current: None });
            return;
        }
        for e in &effects {
            self.locks.insert(e.key().to_string(), txn);
        }
        self.working.insert(txn, Working { effects, participants, since: self.now });
        let [lo, hi] = self.config.work_ms;
        out.set_timer(Timer::Work(txn), lo, hi);
    }

    fn on_work_done(&mut self, now: Time, txn: TxnId, out: &mut Outbox<Self>) {
        let Some(w) = self.working.remove(&txn) else { return };
        let keys: Vec<String> = w.effects.iter().map(|e| e.key().to_string()).collect();
        let (installs, reads) = match vote_on(&self.d.kv, &w.effects) {
            Verdict::Yes { installs, reads } => (installs, reads),
            Verdict::No { reason, cas_current } => {
                self.finish(txn, false, keys, out);
                out.send(COORDINATOR, Msg::Vote { txn, yes: false, reads: vec![], reason, cas_current });
                return;
            }
        };
        // q → w: forced before the Yes leaves.
        self.append(
            Record::Voted { txn, participants: w.participants.clone(), installs: installs.clone(), locks: keys },
            out,
        );
        self.uncertain.insert(
            txn,
            Uncertain {
                participants: w.participants,
                installs,
                phase: Phase::W,
                since: now,
                heard: now,
                backup: None,
                recovered: false,
                term: None,
            },
        );
        out.send(COORDINATOR, Msg::Vote { txn, yes: true, reads, reason: String::new(), cas_current: None });
    }

    /// Record the outcome (c or a), install on commit, release the locks.
    fn finish(&mut self, txn: TxnId, commit: bool, keys: Vec<String>, out: &mut Outbox<Self>) {
        let mut keys = keys;
        if let Some(u) = self.uncertain.remove(&txn) {
            if commit {
                for i in &u.installs {
                    self.d.kv.insert(i.key.clone(), i.new);
                    if i.mint {
                        self.d.minted += i.new - i.old.unwrap_or(0);
                    }
                }
            }
            keys.extend(u.installs.iter().map(|i| i.key.clone()));
        }
        if let Some(w) = self.working.remove(&txn) {
            keys.extend(w.effects.iter().map(|e| e.key().to_string()));
        }
        self.locks.retain(|_, t| *t != txn);
        keys.sort();
        keys.dedup();
        self.outcomes.insert(txn, commit);
        self.append(if commit { Record::Committed { txn } } else { Record::Aborted { txn } }, out);
        if commit {
            self.committed += 1;
        } else {
            self.aborted += 1;
        }
        if self.recent.len() >= 8 {
            self.recent.remove(0);
        }
        self.recent.push((txn, commit, keys));
    }

    /// Learned c or a from someone: finish, and say so.
    fn learn(&mut self, from: NodeId, txn: TxnId, commit: bool, out: &mut Outbox<Self>) {
        if self.outcomes.contains_key(&txn) {
            return;
        }
        if commit && !self.uncertain.contains_key(&txn) {
            return; // cannot happen: commit needs our Yes
        }
        out.cancel_timer(Timer::Work(txn));
        let via = if from == COORDINATOR { String::new() } else { format!(" (told by n{from})") };
        self.finish(txn, commit, Vec::new(), out);
        let (what, kind) =
            if commit { ("committed", NoticeKind::TxnCommitted) } else { ("aborted", NoticeKind::TxnAborted) };
        out.notice(kind, Some(txn), format!("n{} {what} t{txn}{via}", self.id));
    }

    fn tell(&self, to: NodeId, txn: TxnId, commit: bool, out: &mut Outbox<Self>) {
        out.send(to, if commit { Msg::DoCommit { txn } } else { Msg::Abort { txn } });
    }

    fn on_precommit(&mut self, now: Time, from: NodeId, txn: TxnId, out: &mut Outbox<Self>) {
        if let Some(commit) = self.outcomes.get(&txn).copied() {
            return self.tell(from, txn, commit, out);
        }
        let me = self.id;
        let Some(u) = self.uncertain.get_mut(&txn) else { return };
        // Follow one coordinator: the backup once answered, else the coordinator.
        let follows = match u.backup {
            Some(b) => b == from,
            None => from == COORDINATOR && u.term.is_none(),
        };
        if !follows {
            return;
        }
        u.heard = now;
        if u.phase == Phase::W {
            u.phase = Phase::P;
            self.append(Record::PreCommitted { txn }, out);
            out.notice(NoticeKind::TxnCommit, Some(txn), format!("n{me} w → p on t{txn} (PRE-COMMIT from n{from})"));
        }
        out.send(from, Msg::Ack { txn });
    }

    fn on_state_request(&mut self, now: Time, from: NodeId, txn: TxnId, backup: bool, out: &mut Outbox<Self>) {
        if let Some(commit) = self.outcomes.get(&txn).copied() {
            return self.tell(from, txn, commit, out);
        }
        let me = self.id;
        if let Some(u) = self.uncertain.get_mut(&txn) {
            if backup && from != me {
                // The lowest-ranked backup wins; a site that is itself backup yields to a lower one.
                let rank = |n: NodeId| u.participants.iter().position(|p| *p == n).unwrap_or(usize::MAX);
                let mine = u.term.as_ref().map(|_| rank(me));
                if mine.is_none_or(|r| rank(from) < r)
                    && u.backup
                        .is_none_or(|b| rank(from) <= rank(b) || now.saturating_sub(u.heard) >= self.config.timeout_ms)
                {
                    u.term = None;
                    u.backup = Some(from);
                    u.heard = now;
                }
            }
            let phase = u.phase;
            out.send(from, Msg::StateReply { txn, phase });
            return;
        }
        if self.is_coordinator() {
            return;
        }
        // Not voted yet (q), or never heard of it: abort unilaterally and say so (q is adjacent to a).
        out.cancel_timer(Timer::Work(txn));
        self.finish(txn, false, Vec::new(), out);
        out.notice(NoticeKind::TxnAborted, Some(txn), format!("n{me} aborted t{txn} in q (asked by n{from})"));
        out.send(from, Msg::Abort { txn });
    }

    fn participant_tick(&mut self, now: Time, out: &mut Outbox<Self>) {
        let me = self.id;
        let (timeout, retry) = (self.config.timeout_ms, self.config.retry_ms);
        for txn in self.uncertain.keys().copied().collect::<Vec<_>>() {
            let Some(u) = self.uncertain.get_mut(&txn) else { continue };
            let others: Vec<NodeId> = u.participants.iter().copied().filter(|p| *p != me).collect();
            if let Some(t) = u.term.as_mut() {
                if let Some((since, acks)) = &t.precommit {
                    let everyone = t.replies.keys().all(|p| acks.contains(p));
                    if everyone || now.saturating_sub(*since) >= timeout {
                        // Everyone alive is in p: commit (Skeen's rule, a p state's concurrency set holds c).
                        self.finish(txn, true, Vec::new(), out);
                        for p in others.iter().copied().chain([COORDINATOR]) {
                            out.send(p, Msg::DoCommit { txn });
                        }
                        out.notice(
                            NoticeKind::TxnCommitted,
                            Some(txn),
                            format!("n{me}, backup, committed t{txn}: every live site is in p"),
                        );
                    } else if now.saturating_sub(t.last_send) >= retry {
                        t.last_send = now;
                        for p in t.replies.keys().filter(|p| !acks.contains(p)) {
                            out.send(*p, Msg::PreCommit { txn });
                        }
                    }
                    continue;
                }
                if t.replies.len() < others.len() && now.saturating_sub(t.started) < timeout {
                    if now.saturating_sub(t.last_send) >= retry {
                        t.last_send = now;
                        for p in others.iter().filter(|p| !t.replies.contains_key(p)) {
                            out.send(*p, Msg::StateRequest { txn, backup: true });
                        }
                    }
                    continue;
                }
                // Decide (Skeen & Stonebraker): any site in p → commit via p; all in w → abort.
                let any_p = u.phase == Phase::P || t.replies.values().any(|p| *p == Phase::P);
                let heard = nodes_text(&t.replies.keys().copied().collect::<Vec<_>>());
                if any_p {
                    let phase = u.phase;
                    u.phase = Phase::P;
                    t.precommit = Some((now, Vec::new()));
                    t.last_send = now;
                    let to: Vec<NodeId> = t.replies.keys().copied().collect();
                    if phase == Phase::W {
                        self.append(Record::PreCommitted { txn }, out);
                    }
                    for p in to {
                        out.send(p, Msg::PreCommit { txn });
                    }
                    out.notice(
                        NoticeKind::Recovery,
                        Some(txn),
                        format!("n{me}, backup: a site is in p (heard {heard}) → PRE-COMMIT, then commit"),
                    );
                } else {
                    self.finish(txn, false, Vec::new(), out);
                    for p in others.iter().copied().chain([COORDINATOR]) {
                        out.send(p, Msg::Abort { txn });
                    }
                    out.notice(
                        NoticeKind::TxnAborted,
                        Some(txn),
                        format!(
                            "n{me}, backup, aborted t{txn}: every live site is in w (heard {})",
                            if heard.is_empty() { "none".into() } else { heard }
                        ),
                    );
                }
                continue;
            }
            let rank = u.participants.iter().position(|p| *p == me).unwrap_or(0) as Time;
            let silence = now.saturating_sub(u.heard);
            if u.recovered {
                // Skeen's recovery rule: ask everyone, decide nothing alone.
                if silence >= retry {
                    u.heard = now;
                    for p in others.iter().copied().chain([COORDINATOR]) {
                        out.send(p, Msg::StateRequest { txn, backup: false });
                    }
                }
                continue;
            }
            if silence >= timeout.saturating_mul(rank + 1) {
                let phase = u.phase;
                u.backup = None;
                u.term = Some(Termination { started: now, last_send: now, replies: VecMap::new(), precommit: None });
                u.heard = now;
                self.terminations += 1;
                for p in &others {
                    out.send(*p, Msg::StateRequest { txn, backup: true });
                }
                out.notice(
                    NoticeKind::Blocked,
                    Some(txn),
                    format!(
                        "n{me} heard nothing on t{txn} in {}: runs the termination protocol as backup",
                        phase.letter()
                    ),
                );
            }
        }
    }
}

impl Protocol for ThreePc {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = ThreePcConfig;
    type Op = TwoPcOp;
    type View = ThreePcView;
    const NAME: &'static str = "3pc";
    // Judged by its own invariants (atomicity, money conserved), as 2PC.
    const LINEARIZABLE: bool = false;
    // 2PC's bank: transfers between accounts A..D, and balance reads.
    const PLAYGROUND_WORKLOAD: Option<&'static str> =
        Some(r#"{"interval_ms":700,"read":1,"write":0,"cas":0,"transfer":3,"keys":4,"max_value":30,"start_ms":500}"#);
    const SWEEP_WORKLOAD: Option<&'static str> = Some(config::SWEEP_WORKLOAD);

    fn prepare_config(config: &mut ThreePcConfig, nodes: u32, _seed: u64) -> Result<(), String> {
        config.validate(nodes)
    }

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes)
    }

    /// Not explored: Skeen's termination rule is correct only with a failure detector that never
    /// suspects a live node (his synchronous model), and the explorer lets any armed timer fire
    /// at any step, so it would "find" splits the paper's model excludes. 3PC's sweep runs its
    /// own fault model instead (crashes and lost messages, no partitions).
    fn explore_config(_nodes: u32) -> Result<(ThreePcConfig, Option<Time>), String> {
        Err("3pc is not explored: its termination protocol is correct only with a failure detector that \
             never suspects a live node (Skeen's synchronous model), and the explorer fires any armed \
             timer at any step, so every timeout would look like a crash; `cap sweep --protocol 3pc \
             --no-partitions` runs its own fault model"
            .into())
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &ThreePcConfig,
        durable: Option<Durable>,
        now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let fresh = durable.is_none();
        let mut node = ThreePc {
            id,
            n,
            config: config.clone(),
            d: durable.unwrap_or_default(),
            now,
            active: VecMap::new(),
            by_request: VecMap::new(),
            decided: VecMap::new(),
            locks: VecMap::new(),
            working: VecMap::new(),
            uncertain: VecMap::new(),
            outcomes: VecMap::new(),
            recent: Vec::new(),
            committed: 0,
            aborted: 0,
            terminations: 0,
        };
        if fresh && id != COORDINATOR {
            for i in 0..config.accounts {
                let key = account_name(i);
                if owner(&key, n) == id {
                    node.d.kv.insert(key, config.initial_balance);
                }
            }
            out.persist(node.durable());
        }
        // Recovery: replay the log.
        let mut begun: VecMap<TxnId, (Vec<NodeId>, ClientId, RequestId, bool)> = VecMap::new();
        for r in node.d.log.iter().cloned().collect::<Vec<_>>() {
            let decided_commit = matches!(r, Record::Commit { .. });
            match r {
                Record::Begin { txn, participants, client, request, .. } => {
                    begun.insert(txn, (participants, client, request, false));
                    node.by_request.insert((client, request), txn);
                }
                Record::PreCommit { txn } => {
                    if let Some(b) = begun.get_mut(&txn) {
                        b.3 = true;
                    }
                }
                Record::Commit { txn, result } | Record::Abort { txn, result } => {
                    let commit = decided_commit;
                    node.decided.insert(txn, (commit, result));
                    if commit {
                        node.committed += 1;
                    } else {
                        node.aborted += 1;
                    }
                    begun.remove(&txn);
                }
                Record::Voted { txn, participants, installs, locks } => {
                    for k in locks {
                        node.locks.insert(k, txn);
                    }
                    node.uncertain.insert(
                        txn,
                        Uncertain {
                            participants,
                            installs,
                            phase: Phase::W,
                            since: now,
                            heard: now,
                            backup: None,
                            recovered: true,
                            term: None,
                        },
                    );
                }
                Record::PreCommitted { txn } => {
                    if let Some(u) = node.uncertain.get_mut(&txn) {
                        u.phase = Phase::P;
                    }
                }
                Record::Committed { txn } | Record::Aborted { txn } => {
                    let commit = matches!(
                        node.d
                            .log
                            .iter()
                            .find(|x| x.txn() == txn && matches!(x, Record::Committed { .. } | Record::Aborted { .. })),
                        Some(Record::Committed { .. })
                    );
                    node.outcomes.insert(txn, commit);
                    if commit {
                        node.committed += 1;
                    } else {
                        node.aborted += 1;
                    }
                    node.uncertain.remove(&txn);
                    node.locks.retain(|_, t| *t != txn);
                }
            }
        }
        for (txn, (participants, client, request, pre)) in begun.iter() {
            // Coordinator back in w1 or p1. In p1 it carries on (PRE-COMMIT until every ACK, or
            // a participant tells the outcome). In w1 nobody can be in p: abort (on the first tick).
            node.active.insert(
                *txn,
                Active {
                    participants: participants.clone(),
                    effects: Vec::new(),
                    client: *client,
                    request: *request,
                    op: None,
                    started: now.saturating_sub(config.vote_timeout_ms),
                    votes: VecMap::new(),
                    precommitted: *pre,
                    acks: Vec::new(),
                    last_send: now.saturating_sub(config.retry_ms),
                },
            );
        }
        out.set_timer(Timer::Tick, TICK_MS, TICK_MS);
        node
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        self.now = now;
        let coord = self.is_coordinator();
        match msg {
            Msg::Prepare { txn, effects, participants } if !coord => self.on_prepare(txn, effects, participants, out),
            Msg::Vote { .. } if coord => self.on_vote(now, from, msg, out),
            Msg::Ack { txn } if coord => self.on_ack(from, txn, out),
            Msg::Ack { txn } => {
                if let Some((_, acks)) =
                    self.uncertain.get_mut(&txn).and_then(|u| u.term.as_mut()).and_then(|t| t.precommit.as_mut())
                {
                    if !acks.contains(&from) {
                        acks.push(from);
                    }
                }
            }
            Msg::DoCommit { txn } | Msg::Abort { txn } if coord => {
                let commit = matches!(msg, Msg::DoCommit { .. });
                self.coordinator_learns(from, txn, commit, out);
            }
            Msg::DoCommit { txn } => self.learn(from, txn, true, out),
            Msg::Abort { txn } => self.learn(from, txn, false, out),
            Msg::PreCommit { txn } if !coord => self.on_precommit(now, from, txn, out),
            Msg::StateRequest { txn, .. } if coord => {
                if let Some((commit, _)) = self.decided.get(&txn) {
                    let commit = *commit;
                    self.tell(from, txn, commit, out);
                }
            }
            Msg::StateRequest { txn, backup } => self.on_state_request(now, from, txn, backup, out),
            Msg::StateReply { txn, phase } if !coord => {
                if let Some(t) = self.uncertain.get_mut(&txn).and_then(|u| u.term.as_mut()) {
                    if t.precommit.is_none() {
                        t.replies.insert(from, phase);
                    }
                }
            }
            _ => {}
        }
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Outbox<Self>) {
        self.now = now;
        match timer {
            Timer::Tick => {
                out.set_timer(Timer::Tick, TICK_MS, TICK_MS);
                if self.is_coordinator() {
                    self.coordinator_tick(now, out);
                } else {
                    self.participant_tick(now, out);
                }
            }
            Timer::Work(txn) => self.on_work_done(now, txn, out),
        }
    }

    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: TwoPcOp, out: &mut Outbox<Self>) {
        self.now = now;
        if self.is_coordinator() {
            self.begin(now, client, request, op, out);
        } else {
            out.reply(client, request, ClientResult::Redirect { leader: Some(COORDINATOR) });
        }
    }

    fn durable(&self) -> Durable {
        self.d.clone()
    }

    fn timeout_timer(&self) -> Option<Timer> {
        Some(Timer::Tick)
    }

    fn approx_bytes(&self) -> usize {
        // As 2PC's: a copy shares the log's full chunks and holds its own maps.
        self.d.log.unshared_bytes(140) + (self.decided.len() + self.outcomes.len() + self.by_request.len()) * 48
    }

    fn view(&self) -> NodeView<ThreePcView> {
        let first = self.d.log.len().saturating_sub(NodeView::LOG_TAIL);
        let mut txns: Vec<TxnView> = Vec::new();
        if self.is_coordinator() {
            for (txn, a) in self.active.iter() {
                txns.push(TxnView {
                    id: *txn,
                    state: if a.precommitted { "p" } else { "w" },
                    keys: a.effects.iter().flat_map(|(_, e)| e.iter().map(|e| e.key().to_string())).collect(),
                    text: format!(
                        "{} @ {}{}",
                        a.op.as_ref().map(|o| o.label()).unwrap_or_else(|| "recovered".into()),
                        nodes_text(&a.participants),
                        if a.precommitted {
                            format!(", acks {}/{}", a.acks.len(), a.participants.len())
                        } else {
                            format!(", votes {}/{}", a.votes.len(), a.participants.len())
                        }
                    ),
                    backup: false,
                });
            }
        } else {
            for (txn, w) in self.working.iter() {
                txns.push(TxnView {
                    id: *txn,
                    state: "q",
                    keys: w.effects.iter().map(|e| e.key().to_string()).collect(),
                    text: w.effects.iter().map(Effect::text).collect::<Vec<_>>().join(", "),
                    backup: false,
                });
            }
            for (txn, u) in self.uncertain.iter() {
                txns.push(TxnView {
                    id: *txn,
                    state: u.phase.letter(),
                    keys: u.installs.iter().map(|i| i.key.clone()).collect(),
                    text: format!(
                        "{}{}",
                        u.installs.iter().map(|i| format!("{}={}", i.key, i.new)).collect::<Vec<_>>().join(" "),
                        match (&u.term, u.backup, u.recovered) {
                            (Some(_), _, _) => " · backup coordinator".to_string(),
                            (None, Some(b), _) => format!(" · follows backup n{b}"),
                            (None, None, true) => " · recovered: asking".to_string(),
                            _ => String::new(),
                        }
                    ),
                    backup: u.term.is_some(),
                });
            }
        }
        for (txn, commit, keys) in self.recent.iter().rev() {
            txns.push(TxnView {
                id: *txn,
                state: if *commit { "c" } else { "a" },
                keys: keys.clone(),
                text: String::new(),
                backup: false,
            });
        }
        let owns: Vec<String> = if self.is_coordinator() {
            Vec::new()
        } else {
            (0..self.config.accounts).map(account_name).filter(|k| owner(k, self.n) == self.id).collect()
        };
        let role = if self.is_coordinator() { "coordinator" } else { "participant" };
        NodeView {
            role: role.to_string(),
            term: 0,
            voted_for: None,
            leader: Some(COORDINATOR),
            commit_index: self.d.log.len() as u64,
            snapshot_index: 0,
            last_index: self.d.log.len() as u64,
            log: self
                .d
                .log
                .iter_from(first)
                .enumerate()
                .map(|(k, r)| LogEntryView {
                    index: (first + k) as u64 + 1,
                    term: r.txn(),
                    text: r.text(),
                    committed: true,
                })
                .collect(),
            peers: Vec::new(),
            votes: Vec::new(),
            kv: self.d.kv.clone(),
            detail: ThreePcView {
                role,
                owns,
                txns,
                locks: self.locks.iter().map(|(k, t)| (k.clone(), *t)).collect(),
                committed: self.committed,
                aborted: self.aborted,
                terminations: self.terminations,
                minted: self.d.minted,
            },
        }
    }

    fn msg_info(msg: &Msg) -> MsgInfo {
        let (kind, is_reply, detail) = match msg {
            Msg::Prepare { txn, effects, .. } => (
                "PREPARE",
                false,
                format!("t{txn}: {}", effects.iter().map(Effect::text).collect::<Vec<_>>().join(", ")),
            ),
            Msg::Vote { txn, yes: true, .. } => ("VOTE-YES", true, format!("t{txn}: Yes (w)")),
            Msg::Vote { txn, reason, .. } => ("VOTE-NO", true, format!("t{txn}: No, {reason}")),
            Msg::PreCommit { txn } => ("PRE-COMMIT", false, format!("t{txn}: move to p")),
            Msg::Ack { txn } => ("ACK", true, format!("t{txn}: in p")),
            Msg::DoCommit { txn } => ("DO-COMMIT", false, format!("t{txn}")),
            Msg::Abort { txn } => ("ABORT", false, format!("t{txn}")),
            Msg::StateRequest { txn, backup: true } => {
                ("STATE-REQUEST", false, format!("t{txn}: backup asks your state"))
            }
            Msg::StateRequest { txn, .. } => ("STATE-REQUEST", false, format!("t{txn}: recovered site asks")),
            Msg::StateReply { txn, phase } => ("STATE-REPLY", true, format!("t{txn}: {}", phase.letter())),
        };
        MsgInfo { kind, is_reply, detail }
    }
}

/// 3PC's part of a node's picture.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct ThreePcView {
    /// `coordinator` or `participant`.
    pub role: &'static str,
    /// Accounts this participant owns.
    pub owns: Vec<String>,
    /// Transactions in progress here (state q, w, p), then the last few decided (c, a).
    pub txns: Vec<TxnView>,
    /// Keys locked and the transaction holding each.
    pub locks: Vec<(String, TxnId)>,
    /// Transactions committed here.
    pub committed: u64,
    /// Transactions aborted here.
    pub aborted: u64,
    /// Times this site ran the termination protocol as backup.
    pub terminations: u64,
    /// Money created by committed writes and compare-and-set.
    pub minted: Value,
}

/// Serialised as the frame's `threepc` beside the common header.
impl Detail for ThreePcView {
    fn key(&self) -> Option<&'static str> {
        Some("threepc")
    }
}

/// One transaction as a node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxnView {
    /// Transaction id.
    pub id: TxnId,
    /// Skeen's state: `q`, `w`, `p`, `c`, `a`.
    pub state: &'static str,
    /// Keys it locks here.
    pub keys: Vec<String>,
    /// What it does here.
    pub text: String,
    /// This site is its backup coordinator.
    pub backup: bool,
}
