//! The world's journal: what happened on the wire and to the cluster, entry by entry, for the
//! space-time diagram (`crate::spacetime`). The world writes it from a few one-line hooks
//! (send, delivery, loss, notices, partitions, client operations); it never reads it back, so
//! the journal cannot change a run (nor its trace hash).
//!
//! ```text
//!   Sim::send / deliver / cut / notice / apply / invoke / complete
//!        │  push(at, || entry)       seq += 1 always; the entry is built only when on
//!        ▼
//!   Journal { seq, entries ≤ JOURNAL_CAP }  ──take()──▶  spacetime::Record (a bounded window)
//! ```
//!
//! **Sequence numbers** count every journal event of the run whether the journal is on or off,
//! so the number at a point of the run is a function of the run alone: a world restored from a
//! checkpoint and replayed numbers its entries exactly as the first pass did, and a record can
//! tell which entries it already holds. The journal is **off** by default (building an entry
//! formats the message's fields): the element turns it on when the space-time panel opens, the
//! CLI when asked for an export. Entries wait in a buffer of at most [`JOURNAL_CAP`] until the
//! reader takes them; beyond that they are counted in [`Journal::overflow`], never kept, so an
//! unread journal cannot grow memory without bound.

use super::scenario::Member;
use super::Payload;
use crate::core::history::{Json, Operation, Outcome};
use crate::core::notice::NoticeKind;
use crate::core::ops::{ClientOperation, ClientReply};
use crate::protocol::{NodeId, Protocol, Time};

/// Entries held at most between two [`Journal::take`]s (a reader takes them every ≤ 250 ms of
/// simulated time; this is room for a very busy cluster, not a window).
pub const JOURNAL_CAP: usize = 1 << 16;

/// One message put on the wire.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SentMsg {
    /// The message id (as in frames and `drop_message`).
    pub id: u64,
    /// For a copy made by the network's duplication: the id of the original.
    pub dup_of: Option<u64>,
    /// Sender.
    pub from: Member,
    /// Receiver.
    pub to: Member,
    /// Kind as the paper names it (`AppendEntries`, `ClientRequest`, …).
    pub kind: &'static str,
    /// Replies are drawn hollow.
    pub is_reply: bool,
    /// Its fields, one line.
    pub detail: String,
    /// When it is due.
    pub deliver_at: Time,
    /// When it is lost, if that was decided as it was sent (a random drop, a cut link).
    pub lost_at: Option<Time>,
}

/// What a mark on the diagram says happened.
#[derive(Clone, Copy, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MarkKind {
    /// A node became leader (Raft, Multi-Paxos, ZAB).
    Leader,
    /// A leader committed (Raft), a value was chosen (Paxos), a transaction committed (2PC).
    Commit,
    /// A node crashed.
    Crash,
    /// A node restarted from its durable state.
    Restart,
    /// The network was partitioned (or a link cut one way).
    Partition,
    /// The network was healed.
    Heal,
}

/// A mark: at a member (a node's election, crash, …) or on the whole cluster (partition, heal).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MarkEntry {
    /// Where, or `None` for the whole network.
    pub member: Option<Member>,
    /// What.
    pub kind: MarkKind,
    /// The term (or epoch, ballot round) it happened in, when the protocol has one.
    pub term: Option<u64>,
    /// One line for the reader, e.g. `n2 became leader in term 3`, `partition n0 n1 | n2 n3 n4`.
    pub text: String,
    /// A partition: the members cut off from the first group (every group after it).
    pub cut_off: Vec<Member>,
}

/// One thing that happened.
#[derive(Clone, Debug)]
pub enum Entry {
    /// A message left its sender (a duplicate is its own entry, naming its original).
    Sent(SentMsg),
    /// Message `id` arrived at its receiver.
    Delivered {
        /// Message id.
        id: u64,
    },
    /// Message `id` was lost on the way (its link was cut, its receiver was down, or the reader
    /// dropped it).
    Lost {
        /// Message id.
        id: u64,
    },
    /// An election, commit, crash, restart, partition or heal.
    Mark(MarkEntry),
    /// A client invoked an operation (as recorded in the history, its operation as JSON).
    Invoke {
        /// The history's record.
        op: Operation<Json, Json>,
        /// The operation in words, e.g. `write x=3`.
        label: String,
    },
    /// A client's operation completed.
    Complete {
        /// History id of the operation.
        id: u64,
        /// ok / fail / info.
        outcome: Outcome,
        /// What the node answered (JSON).
        result: Option<Json>,
        /// The answer in words, e.g. `→ 3`.
        label: Option<String>,
        /// The node that answered.
        node: NodeId,
    },
}

/// An entry with its sequence number and simulated time.
#[derive(Clone, Debug)]
pub struct Stamped {
    /// 1, 2, 3, … over the whole run (see the module docs).
    pub seq: u64,
    /// Simulated time (ms).
    pub at: Time,
    /// What happened.
    pub entry: Entry,
}

/// The journal a world writes (see the module docs).
#[derive(Clone, Debug, Default)]
pub struct Journal {
    /// Entries numbered from this on are kept (`None`: off).
    keep_from: Option<u64>,
    seq: u64,
    entries: Vec<Stamped>,
    overflow: u64,
}

impl Journal {
    /// Keep entries from now on (`true`) or only count them (`false`, the default).
    pub fn set_on(&mut self, on: bool) {
        self.keep_from = on.then_some(0);
        if !on {
            self.entries = Vec::new();
        }
    }
    /// Keep only the entries numbered after `seq` (a reader already holds those up to it: a
    /// replay through them then costs no formatting).
    pub fn keep_after(&mut self, seq: u64) {
        self.keep_from = Some(seq + 1);
    }
    /// Are entries kept?
    pub fn is_on(&self) -> bool {
        self.keep_from.is_some()
    }
    /// The sequence number of the last journal event of the run so far.
    pub fn seq(&self) -> u64 {
        self.seq
    }
    /// Entries not kept because the buffer was full (a reader that looked too seldom).
    pub fn overflow(&self) -> u64 {
        self.overflow
    }
    /// Take the entries written since the last take.
    pub fn take(&mut self) -> Vec<Stamped> {
        std::mem::take(&mut self.entries)
    }
    /// Count one journal event at `at`, and keep it (built by `entry`) when on.
    pub(crate) fn push(&mut self, at: Time, entry: impl FnOnce() -> Entry) {
        self.seq += 1;
        if self.keep_from.is_none_or(|k| self.seq < k) {
            return;
        }
        if self.entries.len() >= JOURNAL_CAP {
            self.overflow += 1;
            return;
        }
        self.entries.push(Stamped { seq: self.seq, at, entry: entry() });
    }
    /// A protocol notice as a mark, for the kinds the diagram marks.
    pub(crate) fn notice(&mut self, at: Time, node: NodeId, kind: &NoticeKind, term: Option<u64>, text: &str) {
        let kind = match kind {
            NoticeKind::LeaderElected => MarkKind::Leader,
            NoticeKind::Committed | NoticeKind::Chosen => MarkKind::Commit,
            NoticeKind::Crashed => MarkKind::Crash,
            NoticeKind::Restarted => MarkKind::Restart,
            _ => return,
        };
        self.push(at, || {
            Entry::Mark(MarkEntry {
                member: Some(Member::Node(node)),
                kind,
                term,
                text: text.to_string(),
                cut_off: Vec::new(),
            })
        });
    }
}

/// A payload's kind, direction and fields, as frames and the journal show it.
pub fn payload_info<P: Protocol>(payload: &Payload<P::Msg, P::Op, super::Reply<P>>) -> (&'static str, bool, String) {
    match payload {
        Payload::Peer(msg) => {
            let info = P::msg_info(msg);
            (info.kind, info.is_reply, info.detail)
        }
        Payload::Request { request, op } => ("ClientRequest", false, format!("#{request} {}", op.label())),
        Payload::Response { request, result } => ("ClientResponse", true, format!("#{request} {}", result.label())),
    }
}

// The world's hooks: one call at each place where something the diagram shows happens.
impl<P: Protocol + crate::protocol::Invariants, O: super::observer::Observer> super::Sim<P, O> {
    /// The journal (read its sequence number or overflow).
    pub fn journal(&self) -> &Journal {
        &self.journal
    }
    /// The journal, to turn it on or take its entries.
    pub fn journal_mut(&mut self) -> &mut Journal {
        &mut self.journal
    }
    /// `Sent` entries for the messages on the wire now (a record starting here knows what is in
    /// flight). They carry their original send times; nothing is counted.
    pub fn in_flight_entries(&self) -> Vec<Stamped> {
        self.in_flight
            .iter()
            .map(|(&id, m)| Stamped { seq: 0, at: m.sent, entry: Entry::Sent(sent_msg::<P>(id, None, m)) })
            .collect()
    }
    /// Copy `copy` (0 = the original) of a message just put on the wire as `id`.
    pub(super) fn journal_sent(&mut self, id: u64, copy: usize) {
        if let Some(m) = self.in_flight.get(&id) {
            let dup_of = (copy > 0).then(|| id - copy as u64);
            self.journal.push(m.sent, || Entry::Sent(sent_msg::<P>(id, dup_of, m)));
        }
    }
    /// Message `id` arrived.
    pub(super) fn journal_delivered(&mut self, id: u64) {
        self.journal.push(self.now, || Entry::Delivered { id });
    }
    /// Message `id` was lost now.
    pub(super) fn journal_lost(&mut self, id: u64) {
        self.journal.push(self.now, || Entry::Lost { id });
    }
    /// A partition, cut or heal (called before it is carried out).
    pub(super) fn journal_network(&mut self, action: &super::scenario::Action) {
        use super::scenario::Action;
        let kind = if matches!(action, Action::Heal) { MarkKind::Heal } else { MarkKind::Partition };
        self.journal.push(self.now, || {
            let cut_off = match action {
                Action::Partition { groups } => groups.iter().skip(1).flatten().copied().collect(),
                _ => Vec::new(),
            };
            Entry::Mark(MarkEntry {
                member: None,
                kind,
                term: None,
                text: super::scenario::describe(action, |_| String::new()),
                cut_off,
            })
        });
    }
    /// The operation just appended to the history was invoked.
    pub(super) fn journal_invoke(&mut self) {
        if let Some(op) = self.history.last() {
            self.journal.push(op.invoke, || Entry::Invoke { op: op.to_json(), label: op.op.label() });
        }
    }
    /// History operation `id` just completed.
    pub(super) fn journal_complete(&mut self, id: u64) {
        let Some(first) = self.history.first().map(|o| o.id) else { return };
        if let Some(op) = self.history.get(id.wrapping_sub(first) as usize) {
            let (outcome, node) = (op.outcome.unwrap_or(Outcome::Info), op.node);
            self.journal.push(self.now, || Entry::Complete {
                id,
                outcome,
                result: op.to_json().result,
                label: op.result.as_ref().map(|r| r.label()),
                node,
            });
        }
    }
}

fn sent_msg<P: Protocol>(id: u64, dup_of: Option<u64>, m: &super::Wire<P>) -> SentMsg {
    let (kind, is_reply, detail) = payload_info::<P>(&m.payload);
    SentMsg { id, dup_of, from: m.from, to: m.to, kind, is_reply, detail, deliver_at: m.deliver_at, lost_at: m.lost_at }
}
