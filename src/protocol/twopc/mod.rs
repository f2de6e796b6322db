//! Two-phase commit with presumed abort (Gray, "Notes on Data Base Operating Systems", 1978;
//! Bernstein, Hadzilacos, Goodman, "Concurrency Control and Recovery in Database Systems", 1987,
//! ch. 7 "Distributed Recovery": §7.4 the 2PC protocol, §7.5 failures, timeouts and cooperative
//! termination; Mohan, Lindsay, Obermarck 1986 for presumed abort), over a small bank.
//!
//! **Roles.** Node `n0` is the coordinator; every other node is a participant (a resource
//! manager) owning some accounts. Ownership is fixed and deterministic ([`owner`]): account
//! `A` belongs to `n1`, `B` to `n2`, … wrapping round the participants (with three nodes: `n1`
//! owns A, C, E…; `n2` owns B, D, F…). Any other key is placed by a stable hash. Accounts
//! `A`.. (`config.accounts` of them) start with `config.initial_balance`.
//!
//! **Transactions.** Every client operation is a transaction run by the coordinator: `transfer`
//! debits one account and credits another (two participants when the owners differ); `read`,
//! `write` and `cas` are one-key transactions. Participants take an exclusive lock per key
//! (strict two-phase locking), so a key locked by one transaction makes any other that touches
//! it vote No at once (no waiting, hence no deadlock): the client sees the abort.
//!
//! ```text
//!  participant                                      coordinator (n0)
//!                                                   client request ─▶ log BEGIN ─▶ COLLECTING
//!   (none) ── PREPARE: keys free ─▶ WORKING               │  PREPARE to each participant
//!     │  key locked ─▶ vote No, ABORTED  │ work done      │
//!     │                                  ▼                │ all Yes ─▶ log COMMIT (forced) ─▶ COMMITTING
//!     │          No funds / cas mismatch / failure ─▶ ABORTED, vote No   │ any No, or vote timeout
//!     │                                  │ log PREPARED (forced), vote Yes         ─▶ log ABORT ─▶ done
//!     │                                  ▼                │ COMMITTING: re-send COMMIT until every ACK
//!     │                              PREPARED ── no decision for decision_timeout ─▶ BLOCKED (locks held!)
//!     │                                  │ COMMIT / ABORT (from n0, or a peer that knows)   │ ask n0 (and,
//!     │                                  ▼                                                  │ with cooperative
//!     └────────────────────────▶ COMMITTED / ABORTED: apply, release locks, ACK            │ termination, peers)
//!                                                         all ACKs ─▶ log END (forget)
//! ```
//!
//! * **Before voting** a participant may abort on its own: a crash in WORKING forgets the
//!   transaction (nothing was logged), and a peer's DECISION-REQUEST about a transaction it has
//!   not voted on makes it abort and answer Abort (BHG §7.5).
//! * **After voting Yes** it is *uncertain*: it must not decide alone, holding its locks until it
//!   learns the outcome. After `decision_timeout_ms` without one it is **blocked** and re-asks the
//!   coordinator every `retry_ms`; with `cooperative_termination` it also asks the other
//!   participants, and any that knows the outcome (or has not voted, and so aborts) answers. If
//!   every participant is uncertain, they stay blocked until the coordinator returns: 2PC's
//!   unavailability.
//! * **Presumed abort**: the coordinator forces only COMMIT to its log before sending it, and
//!   only commits need acknowledgements; an inquiry about a transaction it has no commit record
//!   for is answered Abort. (It also logs BEGIN and ABORT, unforced in a real system, so recovery
//!   can abort actively and the reader can see the log.)
//! * **Recovery** (the seed's §3.1.2; BHG §7.4): a restarted coordinator replays its log, re-sends
//!   COMMIT for every transaction decided Commit without END, and logs and sends ABORT for every
//!   BEGIN without a decision. A restarted participant replays its log: committed and aborted
//!   transactions stay decided; a PREPARED one re-takes its locks and asks the coordinator.
//! * A configurable `fail_percent` makes participants vote No for no reason; the coin is a
//!   stable hash of the scenario's seed, the node and the transaction, never OS entropy, so a
//!   run replays exactly.

pub mod config;
pub mod invariants;
pub mod ops;

pub use ops::{account_name, TwoPcOp, TwoPcResult};

use super::{
    ClientId, ClientOp, ClientOperation, ClientReply, ClientResult, Detail, LogEntryView, MsgInfo, NodeId, NodeView,
    NoticeKind, Outbox, Protocol, RequestId, Time, UnsafeSwitch, Value,
};
use crate::core::applog::AppendLog;
use crate::core::fnv::Fnv;
use crate::core::vecmap::VecMap;
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// A transaction id, assigned by the coordinator (durable counter, so never reused).
pub type TxnId = u64;

/// The coordinator's id.
pub const COORDINATOR: NodeId = 0;

/// How often a node looks at its timeouts (ms).
const TICK_MS: Time = 25;

/// 2PC settings, as written under `"config"` in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct TwoPcConfig {
    /// Number of bank accounts (`A`, `B`, …) that start with `initial_balance`.
    pub accounts: u32,
    /// Starting balance of every account.
    pub initial_balance: Value,
    /// A participant's local work (locking, checking funds) before it votes, drawn per
    /// transaction from this range (ms): the window in which it may still abort on its own.
    pub work_ms: [Time; 2],
    /// The coordinator aborts a transaction whose votes are not all in after this long (ms).
    pub vote_timeout_ms: Time,
    /// A prepared participant without a decision after this long is blocked and starts asking.
    pub decision_timeout_ms: Time,
    /// Re-send period for COMMIT (until acknowledged) and DECISION-REQUEST (while blocked), ms.
    pub retry_ms: Time,
    /// Percent of prepares a participant fails and votes No for (a simulated local failure).
    pub fail_percent: u32,
    /// A blocked participant also asks the other participants (BHG §7.5 cooperative termination).
    pub cooperative_termination: bool,
    /// UNSAFE, for showing what the checker catches: a blocked participant gives up and aborts
    /// on its own (the tempting "fix" for blocking, which breaks atomicity).
    pub unsafe_abort_when_blocked: bool,
    /// UNSAFE, for showing what the checker catches: a participant writes its PREPARED record
    /// but does not force it to stable storage before voting Yes (BHG §7.4: a participant writes
    /// its yes record to its DT log before it sends YES). A crash right after the vote forgets the
    /// transaction it promised to hold.
    pub unsafe_no_force_prepared: bool,
    /// The scenario's seed, for the `fail_percent` coin (set by the simulator, not the file).
    #[serde(skip)]
    pub seed: u64,
}

impl Default for TwoPcConfig {
    fn default() -> Self {
        TwoPcConfig {
            accounts: 4,
            initial_balance: 100,
            work_ms: [10, 40],
            vote_timeout_ms: 500,
            decision_timeout_ms: 300,
            retry_ms: 200,
            fail_percent: 0,
            cooperative_termination: false,
            unsafe_abort_when_blocked: false,
            unsafe_no_force_prepared: false,
            seed: 0,
        }
    }
}

impl TwoPcConfig {
    /// Check the settings against the cluster size; the error says what is wrong.
    pub fn validate(&self, nodes: u32) -> Result<(), String> {
        if nodes < 2 {
            return Err(format!(
                "2pc needs a coordinator and at least one participant: nodes = {nodes}, accepted 2..=9"
            ));
        }
        if self.accounts > 26 {
            return Err(format!("config.accounts = {}: accepted 0..=26", self.accounts));
        }
        if self.initial_balance < 0 {
            return Err("config.initial_balance must not be negative".into());
        }
        if self.work_ms[0] > self.work_ms[1] {
            return Err("config.work_ms must be [min, max] with min <= max".into());
        }
        if self.vote_timeout_ms == 0 || self.decision_timeout_ms == 0 || self.retry_ms == 0 {
            return Err("config.vote_timeout_ms, decision_timeout_ms and retry_ms must be at least 1".into());
        }
        if self.fail_percent > 100 {
            return Err(format!("config.fail_percent = {}: accepted 0..=100", self.fail_percent));
        }
        Ok(())
    }
}

/// The participant that owns `key` in a cluster of `n` nodes: account `A` (index 0) on `n1`,
/// `B` on `n2`, …, wrapping round the `n - 1` participants; other keys by a stable hash.
pub fn owner(key: &str, n: u32) -> NodeId {
    let parts = u64::from(n.saturating_sub(1).max(1));
    let b = key.as_bytes();
    let index = if b.len() == 1 && b[0].is_ascii_uppercase() {
        u64::from(b[0] - b'A')
    } else {
        let mut h = Fnv::default();
        key.hash(&mut h);
        h.finish()
    };
    1 + (index % parts) as NodeId
}

/// One participant's share of a transaction.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub enum Effect {
    /// Read the key.
    Read { key: String },
    /// Overwrite the key.
    Write { key: String, value: Value },
    /// Set the key to `to` if it holds `from`.
    Cas { key: String, from: Value, to: Value },
    /// Add `delta` to the balance; a debit needs the funds (a transfer's half).
    Add { key: String, delta: Value },
}

impl Effect {
    /// The account (key) it touches.
    pub fn key(&self) -> &str {
        match self {
            Effect::Read { key } | Effect::Write { key, .. } | Effect::Cas { key, .. } | Effect::Add { key, .. } => key,
        }
    }
    /// In a few words, e.g. `A-10` or `cas x 1→2`.
    pub fn text(&self) -> String {
        match self {
            Effect::Read { key } => format!("read {key}"),
            Effect::Write { key, value } => format!("{key}={value}"),
            Effect::Cas { key, from, to } => format!("cas {key} {from}→{to}"),
            Effect::Add { key, delta } => format!("{key}{delta:+}"),
        }
    }
}

/// A new value a prepared transaction will install on commit.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct Install {
    /// The key.
    pub key: String,
    /// Its value when prepared (held under lock, so still current at commit).
    pub old: Option<Value>,
    /// The value to install.
    pub new: Value,
    /// True for writes and compare-and-set, which create or destroy money (counted in
    /// `minted`); false for a transfer's halves, which only move it.
    pub mint: bool,
}

/// One record of a node's durable log.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Record {
    /// Coordinator: a transaction started, with its participants and the client waiting.
    Begin { txn: TxnId, participants: Vec<NodeId>, client: ClientId, request: RequestId, label: String },
    /// Coordinator: decided Commit (forced before any COMMIT is sent), with the client's answer.
    Commit { txn: TxnId, result: TwoPcResult },
    /// Coordinator: decided Abort, with the reason.
    Abort { txn: TxnId, result: TwoPcResult },
    /// Coordinator: every participant acknowledged the commit; the transaction can be forgotten.
    End { txn: TxnId },
    /// Participant: voted Yes; these values will be installed on commit.
    Prepared { txn: TxnId, participants: Vec<NodeId>, installs: Vec<Install>, locks: Vec<String> },
    /// Participant: learned Commit and installed the values.
    Committed { txn: TxnId },
    /// Participant: aborted (voted No, learned Abort, or aborted before voting).
    Aborted { txn: TxnId },
}

impl Record {
    /// The transaction the record is about.
    pub fn txn(&self) -> TxnId {
        match self {
            Record::Begin { txn, .. }
            | Record::Commit { txn, .. }
            | Record::Abort { txn, .. }
            | Record::End { txn }
            | Record::Prepared { txn, .. }
            | Record::Committed { txn }
            | Record::Aborted { txn } => *txn,
        }
    }
    /// One line for the log view, e.g. `t3 COMMIT`.
    pub fn text(&self) -> String {
        match self {
            Record::Begin { txn, participants, label, .. } => {
                format!("t{txn} BEGIN {label} @ {}", nodes_text(participants))
            }
            Record::Commit { txn, .. } => format!("t{txn} COMMIT"),
            Record::Abort { txn, .. } => format!("t{txn} ABORT"),
            Record::End { txn } => format!("t{txn} END"),
            Record::Prepared { txn, installs, .. } => {
                let w: Vec<String> = installs.iter().map(|i| format!("{}={}", i.key, i.new)).collect();
                format!("t{txn} PREPARED {}", if w.is_empty() { "(read only)".into() } else { w.join(" ") })
            }
            Record::Committed { txn } => format!("t{txn} COMMITTED"),
            Record::Aborted { txn } => format!("t{txn} ABORTED"),
        }
    }
}

fn nodes_text(ns: &[NodeId]) -> String {
    ns.iter().map(|n| format!("n{n}")).collect::<Vec<_>>().join(",")
}

/// What survives a crash: the log, the balances (the database) and the id counter.
#[derive(Clone, Debug, Default, Hash)]
pub struct Durable {
    /// The append-only log.
    pub log: AppendLog<Record>,
    /// Balances as committed (participants).
    pub kv: VecMap<String, Value>,
    /// Money created (or destroyed, negative) by committed writes and compare-and-set.
    pub minted: Value,
    /// Last transaction id handed out (coordinator).
    pub next_txn: TxnId,
}

/// Peer-to-peer messages (names as in BHG ch. 7).
#[derive(Clone, Debug, Hash)]
pub enum Msg {
    /// Coordinator → participant: here is your share; vote.
    Prepare { txn: TxnId, effects: Vec<Effect>, participants: Vec<NodeId> },
    /// Participant → coordinator: Yes (prepared, with what it read) or No (with why).
    Vote {
        txn: TxnId,
        yes: bool,
        reads: Vec<(String, Option<Value>)>,
        reason: String,
        cas_current: Option<Option<Value>>,
    },
    /// The outcome, from the coordinator or from a peer that knows it.
    Decision { txn: TxnId, commit: bool },
    /// Participant → coordinator: the commit is applied.
    Ack { txn: TxnId },
    /// An uncertain participant asks for the outcome (the coordinator, or peers when cooperating).
    DecisionRequest { txn: TxnId },
}

/// Timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// Periodic check of vote, decision and re-send deadlines.
    Tick,
    /// A participant's local work on a transaction is done: vote.
    Work(TxnId),
    /// Right after a restart: act on what the log says (kept out of `start`, so that rebuilding
    /// a crashed node's view from its log changes nothing).
    Recover,
}

/// A transaction the coordinator is running.
#[derive(Clone, Debug, Hash)]
struct Active {
    participants: Vec<NodeId>,
    effects: Vec<(NodeId, Vec<Effect>)>,
    client: ClientId,
    request: RequestId,
    op: Option<TwoPcOp>,
    started: Time,
    votes: VecMap<NodeId, Vec<(String, Option<Value>)>>,
    /// Decided Commit: waiting for acknowledgements.
    committing: bool,
    acks: Vec<NodeId>,
    last_send: Time,
}

/// A participant's transaction that has not voted yet.
#[derive(Clone, Debug, Hash)]
struct Working {
    effects: Vec<Effect>,
    participants: Vec<NodeId>,
    since: Time,
}

/// A participant's prepared (uncertain) transaction.
#[derive(Clone, Debug, Hash)]
struct Uncertain {
    participants: Vec<NodeId>,
    installs: Vec<Install>,
    since: Time,
    last_ask: Time,
}

/// One 2PC node: the coordinator (`n0`) or a participant.
#[derive(Clone, Debug, Hash)]
pub struct TwoPc {
    id: NodeId,
    n: u32,
    config: TwoPcConfig,
    d: Durable,
    now: Time,
    // Coordinator: transactions in progress (rebuilt from the log on restart).
    active: VecMap<TxnId, Active>,
    /// Coordinator: each client request's transaction, for re-sent requests.
    by_request: VecMap<(ClientId, RequestId), TxnId>,
    /// Coordinator: decided transactions and the client's answer.
    decided: VecMap<TxnId, (bool, TwoPcResult)>,
    // Participant.
    locks: VecMap<String, TxnId>,
    working: VecMap<TxnId, Working>,
    uncertain: VecMap<TxnId, Uncertain>,
    /// Participant: outcomes learned (true = committed).
    outcomes: VecMap<TxnId, bool>,
    /// Recent outcomes here, newest last, with how long each was blocked: (txn, commit, keys, blocked ms).
    recent: Vec<(TxnId, bool, Vec<String>, Time)>,
    committed: u64,
    aborted: u64,
    /// Coordinator, after a restart: BEGINs without a decision, to abort.
    undecided: Vec<(TxnId, Vec<NodeId>)>,
    blocked_txns: u64,
    blocked_ms: Time,
}

fn coin(seed: u64, node: NodeId, txn: TxnId) -> u32 {
    let mut h = Fnv::default();
    (seed, node, txn).hash(&mut h);
    (h.finish() % 100) as u32
}

/// How a participant's share ends when its work is done.
/// A participant's vote on its share of a transaction.
pub enum Verdict {
    /// Yes: what it will install on commit, and what its reads saw.
    Yes { installs: Vec<Install>, reads: Vec<(String, Option<Value>)> },
    /// No: why, and for a failed compare-and-set the value it found.
    No { reason: String, cas_current: Option<Option<Value>> },
}

/// Split a client operation into each participant's share, by the accounts' owners among `n`
/// nodes (the bank's rule; three-phase commit plans the same way).
pub fn plan(op: &TwoPcOp, n: u32) -> Vec<(NodeId, Vec<Effect>)> {
    let effects = match op.clone() {
        TwoPcOp::Register(ClientOp::Read { key }) => vec![Effect::Read { key }],
        TwoPcOp::Register(ClientOp::Write { key, value }) => vec![Effect::Write { key, value }],
        TwoPcOp::Register(ClientOp::Cas { key, from, to }) => vec![Effect::Cas { key, from, to }],
        TwoPcOp::Transfer { from, to, amount } => {
            vec![Effect::Add { key: from, delta: -amount }, Effect::Add { key: to, delta: amount }]
        }
    };
    let mut plan: Vec<(NodeId, Vec<Effect>)> = Vec::new();
    for e in effects {
        let p = owner(e.key(), n);
        match plan.iter_mut().find(|(q, _)| *q == p) {
            Some((_, v)) => v.push(e),
            None => plan.push((p, vec![e])),
        }
    }
    plan.sort_by_key(|(p, _)| *p);
    plan
}

/// The bank's vote on a share against the participant's balances `kv` (BHG §7.4: a participant
/// votes Yes only if it can carry out its part): No on a compare-and-set that does not hold or a
/// debit beyond the balance, else Yes with the new values to install.
pub fn vote_on(kv: &VecMap<String, Value>, effects: &[Effect]) -> Verdict {
    let mut installs = Vec::new();
    let mut reads = Vec::new();
    for e in effects {
        let cur = kv.get(e.key()).copied();
        match e {
            Effect::Read { key } => reads.push((key.clone(), cur)),
            Effect::Write { key, value } => {
                installs.push(Install { key: key.clone(), old: cur, new: *value, mint: true })
            }
            Effect::Cas { key, from, to } => {
                if cur != Some(*from) {
                    return Verdict::No { reason: format!("cas {key}: holds {}", show(cur)), cas_current: Some(cur) };
                }
                installs.push(Install { key: key.clone(), old: cur, new: *to, mint: true });
            }
            Effect::Add { key, delta } => {
                let b = cur.unwrap_or(0);
                if b + delta < 0 {
                    return Verdict::No {
                        reason: format!("insufficient funds: {key} holds {b}, needs {}", -delta),
                        cas_current: None,
                    };
                }
                installs.push(Install { key: key.clone(), old: cur, new: b + delta, mint: false });
            }
        }
    }
    Verdict::Yes { installs, reads }
}

impl TwoPc {
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
    /// The durable state as it stands (what a crash now would keep).
    pub fn stable(&self) -> &Durable {
        &self.d
    }
    /// Committed balances (participants).
    pub fn balances(&self) -> &VecMap<String, Value> {
        &self.d.kv
    }
    /// Keys locked and by which transaction.
    pub fn locks(&self) -> &VecMap<String, TxnId> {
        &self.locks
    }
    /// Prepared transactions waiting for their outcome.
    pub fn uncertain(&self) -> Vec<TxnId> {
        self.uncertain.keys().copied().collect()
    }
    /// True while some prepared transaction has waited past the decision timeout.
    pub fn blocked(&self) -> bool {
        self.uncertain.values().any(|u| self.now.saturating_sub(u.since) >= self.config.decision_timeout_ms)
    }
    /// The cooperative termination switch.
    pub fn cooperative(&self) -> bool {
        self.config.cooperative_termination
    }

    fn append(&mut self, r: Record, out: &mut Outbox<Self>) {
        self.d.log.push(r);
        out.persist(self.durable());
    }

    /// Split a client operation into each participant's share.
    fn plan(&self, op: &TwoPcOp) -> Vec<(NodeId, Vec<Effect>)> {
        plan(op, self.n)
    }

    // ---- coordinator -------------------------------------------------------------------------

    fn begin(&mut self, now: Time, client: ClientId, request: RequestId, op: TwoPcOp, out: &mut Outbox<Self>) {
        if let Some(txn) = self.by_request.get(&(client, request)).copied() {
            // A re-sent request: answer it if decided, else it is still running.
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
            format!("n0 began t{txn}: {} at {}", op.label(), nodes_text(&participants)),
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
                committing: false,
                acks: Vec::new(),
                last_send: now,
            },
        );
    }

    fn decide(&mut self, now: Time, txn: TxnId, commit: bool, result: TwoPcResult, out: &mut Outbox<Self>) {
        let Some(a) = self.active.get_mut(&txn) else { return };
        let (client, request, participants) = (a.client, a.request, a.participants.clone());
        if commit {
            a.committing = true;
            a.last_send = now;
        }
        // The decision is durable before anyone hears it (for Commit this is the forced write;
        // presumed abort would not need to force Abort).
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
        for p in &participants {
            out.send(*p, Msg::Decision { txn, commit });
        }
        out.reply(client, request, result.clone());
        let what = if commit { "COMMIT" } else { "ABORT" };
        out.notice(
            if commit { NoticeKind::TxnCommit } else { NoticeKind::TxnAbort },
            Some(txn),
            format!("n0 logged {what} t{txn}: {}", result.label()),
        );
        if !commit {
            // Presumed abort: no acknowledgements needed.
            self.active.remove(&txn);
        }
    }

    fn on_vote(&mut self, now: Time, from: NodeId, txn: TxnId, yes: bool, msg: Msg, out: &mut Outbox<Self>) {
        let Some(a) = self.active.get_mut(&txn).filter(|a| !a.committing) else {
            // Already decided (or unknown: presumed abort): tell a Yes voter the outcome.
            if yes {
                let commit = matches!(self.decided.get(&txn), Some((true, _)));
                out.send(from, Msg::Decision { txn, commit });
            }
            return;
        };
        let Msg::Vote { reads, reason, cas_current, .. } = msg else { return };
        if !yes {
            let result = match cas_current {
                Some(current) => ClientResult::CasFailed { current }.into(),
                None => TwoPcResult::Aborted { reason: format!("n{from} voted No: {reason}") },
            };
            return self.decide(now, txn, false, result, out);
        }
        a.votes.insert(from, reads);
        if a.votes.len() < a.participants.len() {
            return;
        }
        let reads: Vec<(String, Option<Value>)> = a.votes.values().flat_map(|r| r.iter().cloned()).collect();
        let result = match &a.op {
            Some(TwoPcOp::Register(ClientOp::Read { key })) => {
                ClientResult::ReadOk { value: reads.iter().find(|(k, _)| k == key).and_then(|(_, v)| *v) }
            }
            Some(TwoPcOp::Register(ClientOp::Cas { .. })) => ClientResult::CasOk,
            _ => ClientResult::WriteOk,
        }
        .into();
        self.decide(now, txn, true, result, out);
    }

    fn on_ack(&mut self, from: NodeId, txn: TxnId, out: &mut Outbox<Self>) {
        let Some(a) = self.active.get_mut(&txn).filter(|a| a.committing) else { return };
        if !a.acks.contains(&from) {
            a.acks.push(from);
        }
        if a.acks.len() == a.participants.len() {
            self.active.remove(&txn);
            self.append(Record::End { txn }, out);
        }
    }

    fn coordinator_tick(&mut self, now: Time, out: &mut Outbox<Self>) {
        let ids: Vec<TxnId> = self.active.keys().copied().collect();
        for txn in ids {
            let Some(a) = self.active.get_mut(&txn) else { continue };
            if a.committing {
                if now.saturating_sub(a.last_send) >= self.config.retry_ms {
                    a.last_send = now;
                    for p in a.participants.iter().filter(|p| !a.acks.contains(p)) {
                        out.send(*p, Msg::Decision { txn, commit: true });
                    }
                }
            } else if now.saturating_sub(a.started) >= self.config.vote_timeout_ms {
                let missing: Vec<NodeId> =
                    a.participants.iter().copied().filter(|p| !a.votes.contains_key(p)).collect();
                let reason = format!("no vote from {} within {} ms", nodes_text(&missing), self.config.vote_timeout_ms);
                self.decide(now, txn, false, TwoPcResult::Aborted { reason }, out);
            }
        }
    }

    /// Recovery (BHG §7.4; the seed's §3.1.2), right after a restart: the coordinator re-sends
    /// COMMIT for decided transactions and aborts undecided ones; a participant in PREPARED asks.
    fn recover(&mut self, out: &mut Outbox<Self>) {
        let committing: Vec<(TxnId, Vec<NodeId>)> =
            self.active.iter().filter(|(_, a)| a.committing).map(|(t, a)| (*t, a.participants.clone())).collect();
        for (txn, participants) in committing {
            for p in &participants {
                out.send(*p, Msg::Decision { txn, commit: true });
            }
            out.notice(NoticeKind::Recovery, Some(txn), format!("n0 recovered: COMMIT t{txn} in its log, re-sends it"));
        }
        for (txn, participants) in std::mem::take(&mut self.undecided) {
            if self.decided.contains_key(&txn) {
                continue;
            }
            // Never decided: its votes were lost with the crash. Abort it (presumed abort).
            let result = TwoPcResult::Aborted { reason: "the coordinator restarted before deciding".into() };
            self.append(Record::Abort { txn, result: result.clone() }, out);
            self.decided.insert(txn, (false, result));
            self.aborted += 1;
            for p in &participants {
                out.send(*p, Msg::Decision { txn, commit: false });
            }
            out.notice(
                NoticeKind::Recovery,
                Some(txn),
                format!("n0 recovered: BEGIN t{txn} without a decision, aborts it"),
            );
        }
        for txn in self.uncertain.keys().copied().collect::<Vec<_>>() {
            out.send(COORDINATOR, Msg::DecisionRequest { txn });
            out.notice(
                NoticeKind::Recovery,
                Some(txn),
                format!("n{} recovered in PREPARED for t{txn}: asks n0", self.id),
            );
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
            // A duplicate PREPARE: repeat the Yes (reads are only needed once).
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
            // Strict 2PL without waiting: a conflict is a No, so there is no deadlock.
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

    fn judge(&self, txn: TxnId, effects: &[Effect]) -> Verdict {
        if self.config.fail_percent > 0 && coin(self.config.seed, self.id, txn) < self.config.fail_percent {
            return Verdict::No {
                reason: format!("n{} failed to prepare (simulated failure)", self.id),
                cas_current: None,
            };
        }
        vote_on(&self.d.kv, effects)
    }

    fn on_work_done(&mut self, now: Time, txn: TxnId, out: &mut Outbox<Self>) {
        let Some(w) = self.working.remove(&txn) else { return };
        let participants = w.participants.clone();
        match self.judge(txn, &w.effects) {
            Verdict::No { reason, cas_current } => {
                self.finish(txn, false, w.effects.iter().map(|e| e.key().to_string()).collect(), out);
                out.send(COORDINATOR, Msg::Vote { txn, yes: false, reads: vec![], reason, cas_current });
            }
            Verdict::Yes { installs, reads } => {
                let locks: Vec<String> = w.effects.iter().map(|e| e.key().to_string()).collect();
                // Forced: prepared state must survive a crash before the Yes leaves.
                let prepared =
                    Record::Prepared { txn, participants: participants.clone(), installs: installs.clone(), locks };
                if self.config.unsafe_no_force_prepared {
                    self.d.log.push(prepared); // in memory only: a crash loses it
                } else {
                    self.append(prepared, out);
                }
                self.uncertain.insert(txn, Uncertain { participants, installs, since: now, last_ask: now });
                out.send(COORDINATOR, Msg::Vote { txn, yes: true, reads, reason: String::new(), cas_current: None });
            }
        }
    }

    /// Record the outcome, install on commit, release the locks of `txn`.
    fn finish(&mut self, txn: TxnId, commit: bool, keys: Vec<String>, out: &mut Outbox<Self>) {
        let mut keys = keys;
        let mut blocked = 0;
        if let Some(u) = self.uncertain.remove(&txn) {
            let waited = self.now.saturating_sub(u.since);
            if waited >= self.config.decision_timeout_ms {
                blocked = waited - self.config.decision_timeout_ms;
                self.blocked_txns += 1;
                self.blocked_ms += blocked;
            }
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
        self.recent.push((txn, commit, keys, blocked));
    }

    fn on_decision(&mut self, from: NodeId, txn: TxnId, commit: bool, out: &mut Outbox<Self>) {
        match self.outcomes.get(&txn).copied() {
            Some(c) => {
                if c && from == COORDINATOR {
                    out.send(COORDINATOR, Msg::Ack { txn }); // the first ACK was lost
                }
            }
            None => {
                if commit && !self.uncertain.contains_key(&txn) {
                    return; // cannot happen: commit needs our Yes
                }
                out.cancel_timer(Timer::Work(txn));
                let via = if from == COORDINATOR { String::new() } else { format!(" (told by n{from})") };
                self.finish(txn, commit, Vec::new(), out);
                let (what, kind) =
                    if commit { ("committed", NoticeKind::TxnCommitted) } else { ("aborted", NoticeKind::TxnAborted) };
                out.notice(kind, Some(txn), format!("n{} {what} t{txn}{via}", self.id));
                if commit {
                    out.send(COORDINATOR, Msg::Ack { txn });
                }
            }
        }
    }

    fn on_peer_request(&mut self, from: NodeId, txn: TxnId, out: &mut Outbox<Self>) {
        if let Some(commit) = self.outcomes.get(&txn).copied() {
            out.send(from, Msg::Decision { txn, commit });
        } else if !self.uncertain.contains_key(&txn) {
            // Not voted yet (working, or never heard of it): abort unilaterally and say so.
            out.cancel_timer(Timer::Work(txn));
            self.finish(txn, false, Vec::new(), out);
            out.notice(
                NoticeKind::TxnAborted,
                Some(txn),
                format!("n{} aborted t{txn} before voting (asked by n{from})", self.id),
            );
            out.send(from, Msg::Decision { txn, commit: false });
        }
        // Uncertain too: it cannot help.
    }

    fn participant_tick(&mut self, now: Time, out: &mut Outbox<Self>) {
        let (timeout, retry, coop) =
            (self.config.decision_timeout_ms, self.config.retry_ms, self.config.cooperative_termination);
        let me = self.id;
        let mut newly = Vec::new();
        let ids: Vec<TxnId> = self.uncertain.keys().copied().collect();
        for txn in &ids {
            let Some(u) = self.uncertain.get_mut(txn) else { continue };
            let waited = now.saturating_sub(u.since);
            if waited < timeout {
                continue;
            }
            if waited.saturating_sub(timeout) < TICK_MS {
                newly.push(*txn);
            }
            if now.saturating_sub(u.last_ask) >= retry || waited.saturating_sub(timeout) < TICK_MS {
                u.last_ask = now;
                out.send(COORDINATOR, Msg::DecisionRequest { txn: *txn });
                if coop {
                    for p in u.participants.iter().filter(|p| **p != me) {
                        out.send(*p, Msg::DecisionRequest { txn: *txn });
                    }
                }
            }
        }
        if self.config.unsafe_abort_when_blocked {
            for txn in &newly {
                self.finish(*txn, false, Vec::new(), out);
            }
        }
        for txn in newly {
            out.notice(
                NoticeKind::Blocked,
                Some(txn),
                format!("n{me} is blocked on t{txn}: voted Yes, holds its locks, no decision"),
            );
        }
    }
}

fn show(v: Option<Value>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "nil".into())
}

impl Protocol for TwoPc {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = TwoPcConfig;
    type Op = TwoPcOp;
    type View = TwoPcView;
    const NAME: &'static str = "2pc";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes)
    }
    const SWEEP_WORKLOAD: Option<&'static str> = Some(config::SWEEP_WORKLOAD);
    // Strict two-phase locking makes single-key operations linearizable, but transfers span
    // keys: the register model does not apply. The invariants judge atomicity instead.
    const LINEARIZABLE: bool = false;
    const UNSAFE_SWITCHES: &'static [UnsafeSwitch] = &[
        UnsafeSwitch {
            name: "abort-when-blocked",
            key: "unsafe_abort_when_blocked",
            breaks: "a blocked 2PC participant aborts on its own",
            shown_by: None,
            explore: None,
        },
        UnsafeSwitch {
            name: "no-force-prepared",
            key: "unsafe_no_force_prepared",
            breaks: "a 2PC participant votes Yes before its PREPARED record is forced to its log",
            shown_by: None,
            explore: None,
        },
    ];

    /// A participant notices it is blocked in the tick after its decision timeout ran out: the
    /// explorer steps tick by tick, with the decision timeout one tick long.
    fn explore_config(nodes: u32) -> Result<(TwoPcConfig, Option<Time>), String> {
        const TICK_MS: Time = 25;
        let mut config = TwoPcConfig { decision_timeout_ms: TICK_MS, ..TwoPcConfig::default() };
        // The `fail_percent` coin is seeded with the scenario's seed, 1 in an exploration.
        Self::prepare_config(&mut config, nodes, 1)?;
        Ok((config, Some(TICK_MS)))
    }

    /// Transfers between accounts A and B (client 0 from A, client 1 from B, …) and reads of A,
    /// alternating as the register workload does.
    fn explore_op(c: u32, k: u32, _ops: u32) -> TwoPcOp {
        if (c + k) % 2 == 0 {
            let (from, to) = if c % 2 == 0 { ("A", "B") } else { ("B", "A") };
            TwoPcOp::Transfer { from: from.into(), to: to.into(), amount: 10 }
        } else {
            TwoPcOp::from(ClientOp::Read { key: "A".into() })
        }
    }
    // A bank: transfers between accounts A..D, and balance reads.
    const PLAYGROUND_WORKLOAD: Option<&'static str> =
        Some(r#"{"interval_ms":700,"read":1,"write":0,"cas":0,"transfer":3,"keys":4,"max_value":30,"start_ms":500}"#);

    fn prepare_config(config: &mut TwoPcConfig, nodes: u32, seed: u64) -> Result<(), String> {
        config.validate(nodes)?;
        // The `fail_percent` coin is seeded by the run's seed, never by OS entropy.
        config.seed = seed;
        Ok(())
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &TwoPcConfig,
        durable: Option<Durable>,
        now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let fresh = durable.is_none();
        let mut node = TwoPc {
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
            undecided: Vec::new(),
            blocked_txns: 0,
            blocked_ms: 0,
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
        // Recovery: replay the log (BHG §7.4; the seed's §3.1.2).
        let log = node.d.log.clone();
        let mut begun: VecMap<TxnId, (Vec<NodeId>, ClientId, RequestId)> = VecMap::new();
        for r in log.iter() {
            match r {
                Record::Begin { txn, participants, client, request, .. } => {
                    begun.insert(*txn, (participants.clone(), *client, *request));
                    node.by_request.insert((*client, *request), *txn);
                }
                Record::Commit { txn, result } => {
                    node.decided.insert(*txn, (true, result.clone()));
                    node.committed += 1;
                }
                Record::Abort { txn, result } => {
                    node.decided.insert(*txn, (false, result.clone()));
                    node.aborted += 1;
                    begun.remove(txn);
                }
                Record::End { txn } => {
                    begun.remove(txn);
                }
                Record::Prepared { txn, participants, installs, locks } => {
                    for k in locks {
                        node.locks.insert(k.clone(), *txn);
                    }
                    node.uncertain.insert(
                        *txn,
                        Uncertain {
                            participants: participants.clone(),
                            installs: installs.clone(),
                            since: now,
                            last_ask: now,
                        },
                    );
                }
                Record::Committed { txn } | Record::Aborted { txn } => {
                    let commit = matches!(r, Record::Committed { .. });
                    node.outcomes.insert(*txn, commit);
                    if commit {
                        node.committed += 1;
                    } else {
                        node.aborted += 1;
                    }
                    node.uncertain.remove(txn);
                    node.locks.retain(|_, t| t != txn);
                }
            }
        }
        for (txn, (participants, client, request)) in begun.iter() {
            let txn = *txn;
            if let Some((true, _)) = node.decided.get(&txn) {
                // Decided Commit, not all acknowledged: finish it (recovery re-sends COMMIT).
                node.active.insert(
                    txn,
                    Active {
                        participants: participants.clone(),
                        effects: Vec::new(),
                        client: *client,
                        request: *request,
                        op: None,
                        started: now,
                        votes: VecMap::new(),
                        committing: true,
                        acks: Vec::new(),
                        last_send: now,
                    },
                );
            } else {
                node.undecided.push((txn, participants.clone()));
            }
        }
        if !fresh {
            out.set_timer(Timer::Recover, 0, 0);
        }
        out.set_timer(Timer::Tick, TICK_MS, TICK_MS);
        node
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        self.now = now;
        match msg {
            Msg::Prepare { txn, effects, participants } if !self.is_coordinator() => {
                self.on_prepare(txn, effects, participants, out)
            }
            Msg::Vote { txn, yes, .. } if self.is_coordinator() => self.on_vote(now, from, txn, yes, msg, out),
            Msg::Ack { txn } if self.is_coordinator() => self.on_ack(from, txn, out),
            Msg::DecisionRequest { txn } if self.is_coordinator() => {
                // Presumed abort: no commit record means Abort. Still collecting votes: wait.
                match self.decided.get(&txn) {
                    Some((commit, _)) => out.send(from, Msg::Decision { txn, commit: *commit }),
                    None if self.active.contains_key(&txn) => {}
                    None => out.send(from, Msg::Decision { txn, commit: false }),
                }
            }
            Msg::DecisionRequest { txn } => self.on_peer_request(from, txn, out),
            Msg::Decision { txn, commit } if !self.is_coordinator() => self.on_decision(from, txn, commit, out),
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
            Timer::Recover => self.recover(out),
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

    fn reconfigure(&mut self, _now: Time, config: &TwoPcConfig, _out: &mut Outbox<Self>) -> Result<(), String> {
        config.validate(self.n)?;
        if config.accounts != self.config.accounts || config.initial_balance != self.config.initial_balance {
            return Err("config.accounts and config.initial_balance are fixed for a run: reload the scenario".into());
        }
        let seed = self.config.seed;
        self.config = TwoPcConfig { seed, ..config.clone() };
        Ok(())
    }

    fn durable(&self) -> Durable {
        self.d.clone()
    }

    fn timeout_timer(&self) -> Option<Timer> {
        Some(Timer::Tick)
    }

    fn approx_bytes(&self) -> usize {
        // The durable log only grows (BHG ch. 7 keeps it for recovery), but a copy shares its full
        // chunks (core::applog), so a copy holds only the open tail; the decisions and outcomes
        // remembered for re-sent requests grow in every copy (calibrated with examples/memprobe.rs,
        // with the checker's share).
        self.d.log.unshared_bytes(140) + (self.decided.len() + self.outcomes.len() + self.by_request.len()) * 48
    }
    fn view(&self) -> NodeView<TwoPcView> {
        let first = self.d.log.len().saturating_sub(NodeView::LOG_TAIL);
        let mut txns: Vec<TxnView> = Vec::new();
        let timeout = self.config.decision_timeout_ms;
        if self.is_coordinator() {
            for (txn, a) in self.active.iter() {
                txns.push(TxnView {
                    id: *txn,
                    state: if a.committing { "committing" } else { "collecting" },
                    keys: a.effects.iter().flat_map(|(_, e)| e.iter().map(|e| e.key().to_string())).collect(),
                    text: format!(
                        "{} @ {}{}",
                        a.op.as_ref().map(|o| o.label()).unwrap_or_else(|| "recovered".into()),
                        nodes_text(&a.participants),
                        if a.committing {
                            format!(", acks {}/{}", a.acks.len(), a.participants.len())
                        } else {
                            format!(", votes {}/{}", a.votes.len(), a.participants.len())
                        }
                    ),
                    since: a.started,
                    blocked_ms: 0,
                    delta: 0,
                });
            }
        } else {
            for (txn, w) in self.working.iter() {
                txns.push(TxnView {
                    id: *txn,
                    state: "working",
                    keys: w.effects.iter().map(|e| e.key().to_string()).collect(),
                    text: w.effects.iter().map(Effect::text).collect::<Vec<_>>().join(", "),
                    since: w.since,
                    blocked_ms: 0,
                    delta: 0,
                });
            }
            for (txn, u) in self.uncertain.iter() {
                let waited = self.now.saturating_sub(u.since);
                let blocked = waited >= timeout;
                txns.push(TxnView {
                    id: *txn,
                    state: if blocked { "blocked" } else { "prepared" },
                    keys: u.installs.iter().map(|i| i.key.clone()).collect(),
                    text: format!(
                        "voted Yes, {}",
                        u.installs.iter().map(|i| format!("{}={}", i.key, i.new)).collect::<Vec<_>>().join(" ")
                    ),
                    since: u.since,
                    blocked_ms: if blocked { waited - timeout } else { 0 },
                    delta: u.installs.iter().filter(|i| !i.mint).map(|i| i.new - i.old.unwrap_or(0)).sum(),
                });
            }
        }
        for (txn, commit, keys, blocked) in self.recent.iter().rev() {
            txns.push(TxnView {
                id: *txn,
                state: if *commit { "committed" } else { "aborted" },
                keys: keys.clone(),
                text: String::new(),
                since: 0,
                blocked_ms: *blocked,
                delta: 0,
            });
        }
        let blocked_now: Time = txns.iter().filter(|t| t.state == "blocked").map(|t| t.blocked_ms).sum();
        let owns: Vec<String> = if self.is_coordinator() {
            Vec::new()
        } else {
            (0..self.config.accounts).map(account_name).filter(|k| owner(k, self.n) == self.id).collect()
        };
        let decisions = if self.is_coordinator() {
            self.d
                .log
                .iter()
                .rev()
                .filter(|r| matches!(r, Record::Commit { .. } | Record::Abort { .. }))
                .take(12)
                .map(|r| r.text())
                .collect()
        } else {
            Vec::new()
        };
        NodeView {
            role: if self.is_coordinator() { "coordinator" } else { "participant" }.to_string(),
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
            detail: TwoPcView {
                role: if self.is_coordinator() { "coordinator" } else { "participant" },
                owns,
                txns,
                locks: self.locks.iter().map(|(k, t)| LockView { key: k.clone(), txn: *t }).collect(),
                blocked: self.blocked(),
                blocked_ms: self.blocked_ms + blocked_now,
                blocked_txns: self.blocked_txns
                    + self.uncertain.values().filter(|u| self.now - u.since >= timeout).count() as u64,
                committed: self.committed,
                aborted: self.aborted,
                minted: self.d.minted,
                cooperative_termination: self.config.cooperative_termination,
                decisions,
            },
        }
    }

    fn msg_info(msg: &Msg) -> MsgInfo {
        let (kind, is_reply, detail) = match msg {
            Msg::Prepare { txn, effects, .. } => (
                "Prepare",
                false,
                format!("t{txn}: {}", effects.iter().map(Effect::text).collect::<Vec<_>>().join(", ")),
            ),
            Msg::Vote { txn, yes: true, .. } => ("VoteYes", true, format!("t{txn}: Yes (prepared)")),
            Msg::Vote { txn, reason, .. } => ("VoteNo", true, format!("t{txn}: No, {reason}")),
            Msg::Decision { txn, commit: true } => ("Commit", false, format!("t{txn}")),
            Msg::Decision { txn, .. } => ("Abort", false, format!("t{txn}")),
            Msg::Ack { txn } => ("Ack", true, format!("t{txn} applied")),
            Msg::DecisionRequest { txn } => ("DecisionRequest", false, format!("what happened to t{txn}?")),
        };
        MsgInfo { kind, is_reply, detail }
    }
}

/// 2PC-specific part of a node's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TwoPcView {
    /// `coordinator` or `participant`.
    pub role: &'static str,
    /// Accounts this participant owns.
    pub owns: Vec<String>,
    /// Transactions in progress here, then the last few decided (newest first).
    pub txns: Vec<TxnView>,
    /// Keys locked and the transaction holding each.
    pub locks: Vec<LockView>,
    /// Some prepared transaction has waited past the decision timeout.
    pub blocked: bool,
    /// Total time spent blocked here (ms), including the current wait.
    pub blocked_ms: Time,
    /// Transactions that were (or are) blocked here.
    pub blocked_txns: u64,
    /// Transactions committed here (participant: applied; coordinator: decided).
    pub committed: u64,
    /// Transactions aborted here.
    pub aborted: u64,
    /// Money created by committed writes and compare-and-set (transfers only move it).
    pub minted: Value,
    /// The cooperative termination switch.
    pub cooperative_termination: bool,
    /// Coordinator: the decision log, newest first.
    pub decisions: Vec<String>,
}

/// Serialised as the frame's `twopc` beside the common header.
impl Detail for TwoPcView {
    fn key(&self) -> Option<&'static str> {
        Some("twopc")
    }
}

/// One transaction as a node sees it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct TxnView {
    /// Transaction id.
    pub id: TxnId,
    /// `working` / `prepared` / `blocked` / `committed` / `aborted` (participant);
    /// `collecting` / `committing` (coordinator).
    pub state: &'static str,
    /// Keys it locks here.
    pub keys: Vec<String>,
    /// What it does here.
    pub text: String,
    /// When it reached this state.
    pub since: Time,
    /// How long it has been (or was) blocked, ms.
    pub blocked_ms: Time,
    /// Prepared here: the money this transaction will move into (+) or out of (−) the accounts
    /// here on commit (writes excluded).
    pub delta: Value,
}

/// A held lock.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct LockView {
    /// The key.
    pub key: String,
    /// The holder.
    pub txn: TxnId,
}
