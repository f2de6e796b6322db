//! The space-time (Lamport) record of a run: every message as an arrow from its send to its
//! delivery (or to where it was lost), duplicates as their own arrows, marks for elections,
//! commits, crashes, restarts, partitions and heals, and each client operation from invocation to
//! completion — built from the world's journal ([`crate::sim::journal`]) and kept in a window
//! bounded by count and by time, so its memory does not grow with the length of the run.
//!
//! ```text
//!   journal entries (seq 1, 2, 3, …)          Record { from ─────────── to }
//!   ──────────────────────────────▶ absorb ──▶ msgs ≤ MAX_MESSAGES, sent ≥ to − SPAN_MS
//!        contiguous by seq only               marks ≤ MAX_MARKS, ops ≤ MAX_OPS
//!                                             truncate(seq) when the run forks
//! ```
//!
//! The record is a function of the deterministic run: the same window rebuilt by replaying from a
//! checkpoint holds the same messages, marks and operations, field for field (time travel does
//! this when the reader goes outside the window, see `sim::travel`). Entries are absorbed only
//! when they continue the record without a gap (by journal sequence number); anything else leaves
//! the record as it was and says so, for its owner to rebuild it.
//!
//! Heartbeats ("hide heartbeats" in the panel): Raft's empty AppendEntries, Multi-Paxos's
//! Heartbeat / HeartbeatAck and ZAB's PING, and any reply a node sends at the very moment a
//! heartbeat from that peer reached it (Raft answers a heartbeat with an AppendEntriesResponse).

pub mod shiviz;
pub mod svg;

use crate::core::history::{Json, Operation};
use crate::core::vecmap::VecMap;
use crate::protocol::Time;
use crate::sim::journal::{Entry, MarkKind, Stamped};
use crate::sim::scenario::Member;
use serde::Serialize;
use std::collections::VecDeque;

/// Messages kept at most (the panel draws 10,000 in one window at 60 frames a second).
pub const MAX_MESSAGES: usize = 20_000;
/// Simulated time kept at most (ms): older messages, marks and operations are dropped.
pub const SPAN_MS: Time = 60_000;
/// Marks kept at most.
pub const MAX_MARKS: usize = 4_000;
/// Client operations kept at most.
pub const MAX_OPS: usize = 4_000;

/// What a record keeps at most.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Limits {
    /// Messages.
    pub messages: usize,
    /// Simulated ms between the oldest kept send and the record's end.
    pub span: Time,
    /// Marks.
    pub marks: usize,
    /// Client operations.
    pub ops: usize,
}

impl Default for Limits {
    fn default() -> Self {
        Limits { messages: MAX_MESSAGES, span: SPAN_MS, marks: MAX_MARKS, ops: MAX_OPS }
    }
}

/// Where a message is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Fate {
    /// On the wire (due at `due`).
    InFlight,
    /// Arrived at `end`.
    Delivered,
    /// Lost at `end` (where the arrow ends in ✕).
    Lost,
}

/// One message: an arrow of the diagram.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Msg {
    /// Message id (as in frames).
    pub id: u64,
    /// For a copy made by duplication, the original's id.
    pub dup_of: Option<u64>,
    /// Sender.
    pub from: Member,
    /// Receiver.
    pub to: Member,
    /// Kind, as the paper names it.
    pub kind: &'static str,
    /// A reply (drawn hollow in the cluster).
    pub is_reply: bool,
    /// A heartbeat or the reply to one (see the module docs).
    pub heartbeat: bool,
    /// Fields, one line.
    pub detail: Box<str>,
    /// Send time.
    pub sent: Time,
    /// Time it is (or was) due.
    pub due: Time,
    /// Delivered, lost or still in flight.
    pub fate: Fate,
    /// When it was delivered or lost (`due` while in flight).
    pub end: Time,
    /// Journal sequence number of its send (0: it was already in flight when the record began).
    pub seq: u64,
    /// Journal sequence number that fixed its fate (0 while in flight).
    pub end_seq: u64,
    rev: u64,
}

/// A mark: an election, commit, crash, restart, partition or heal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Mark {
    /// When.
    pub at: Time,
    /// Where (`None`: the whole network).
    pub member: Option<Member>,
    /// What.
    pub kind: MarkKind,
    /// Its term, when the protocol has one.
    pub term: Option<u64>,
    /// One line.
    pub text: String,
    /// A partition: the members cut off from the first group.
    pub cut_off: Vec<Member>,
    /// Journal sequence number.
    pub seq: u64,
    rev: u64,
}

/// A client operation: a bar on its client's line.
#[derive(Clone, Debug)]
pub struct Op {
    /// As in the history (its id is the history's), operation and answer as JSON.
    pub op: Operation<Json, Json>,
    /// The operation in words, e.g. `write x=3`, `transfer 10 A→B`.
    pub label: String,
    /// The answer in words, e.g. `→ 3`, once it has one.
    pub result_label: Option<String>,
    /// Journal sequence number of the invocation and of the completion (0 while open).
    pub seq: u64,
    /// See `seq`.
    pub end_seq: u64,
    rev: u64,
}

/// The record (see the module docs).
#[derive(Clone, Debug)]
pub struct Record {
    limits: Limits,
    msgs: VecDeque<Msg>,
    marks: VecDeque<Mark>,
    ops: VecDeque<Op>,
    /// From this time on, every message sent is kept (until trimmed).
    from: Time,
    /// Up to this time.
    to: Time,
    /// Journal sequence number where the record began.
    start_seq: u64,
    /// Journal entries absorbed up to this number.
    last_seq: u64,
    rev: u64,
    /// Heartbeats delivered: (receiver, sender) → time, to recognise the replies to them.
    beats: VecMap<(Member, Member), Time>,
    /// Older entries were dropped to stay within the limits.
    trimmed: bool,
    /// Journal entries the world could not keep (its buffer was full).
    missed: u64,
}

impl Record {
    /// An empty record starting at time `at`, where the journal's sequence number is `seq`, with
    /// the messages then in flight (`World::in_flight_entries`).
    pub fn starting(limits: Limits, at: Time, seq: u64, in_flight: Vec<Stamped>) -> Record {
        let mut r = Record {
            limits,
            msgs: VecDeque::new(),
            marks: VecDeque::new(),
            ops: VecDeque::new(),
            from: at,
            to: at,
            start_seq: seq,
            last_seq: seq,
            rev: 0,
            beats: VecMap::new(),
            trimmed: false,
            missed: 0,
        };
        for e in in_flight {
            r.apply(e);
        }
        r
    }

    /// The limits this record keeps.
    pub fn limits(&self) -> Limits {
        self.limits
    }
    /// Time from which every send is kept.
    pub fn from(&self) -> Time {
        self.from
    }
    /// Time up to which the record runs.
    pub fn to(&self) -> Time {
        self.to
    }
    /// Journal sequence number at the record's start.
    pub fn start_seq(&self) -> u64 {
        self.start_seq
    }
    /// Journal sequence number of the last entry absorbed.
    pub fn last_seq(&self) -> u64 {
        self.last_seq
    }
    /// A counter bumped by every change (see [`Record::changes`]).
    pub fn rev(&self) -> u64 {
        self.rev
    }
    /// True once older entries were dropped to stay within the limits.
    pub fn trimmed(&self) -> bool {
        self.trimmed
    }
    /// Journal entries the world could not keep for this record (0 unless it was not read for a
    /// very long time).
    pub fn missed(&self) -> u64 {
        self.missed
    }
    /// Messages, in send order (= id order).
    pub fn messages(&self) -> impl Iterator<Item = &Msg> {
        self.msgs.iter()
    }
    /// Marks, in time order.
    pub fn marks(&self) -> impl Iterator<Item = &Mark> {
        self.marks.iter()
    }
    /// Client operations, in invocation order.
    pub fn ops(&self) -> impl Iterator<Item = &Op> {
        self.ops.iter()
    }
    /// Does the record hold the moment the world's journal number `seq` (at time `at`) stands for?
    pub fn covers(&self, at: Time, seq: u64) -> bool {
        self.from <= at && self.start_seq <= seq && seq <= self.last_seq
    }

    /// Absorb the journal entries taken from a world that stands at time `now` with sequence
    /// number `seq_now`. Entries already held are skipped; false (nothing changed) when they do not
    /// continue the record (the world was elsewhere: rebuild the record there). `missed` is the
    /// world's journal overflow counter.
    pub fn absorb(&mut self, entries: Vec<Stamped>, now: Time, seq_now: u64) -> bool {
        if let Some(first) = entries.first() {
            if first.seq > self.last_seq + 1 {
                return false;
            }
        } else if seq_now > self.last_seq {
            return false;
        }
        let mut changed = false;
        for e in entries {
            if e.seq > self.last_seq {
                self.last_seq = e.seq;
                self.to = self.to.max(e.at);
                self.apply(e);
                changed = true;
            }
        }
        if seq_now == self.last_seq && now > self.to {
            self.to = now;
        }
        if changed {
            self.trim();
        }
        true
    }

    /// Note journal entries the world dropped (its buffer overflowed): the record has a hole.
    pub fn note_missed(&mut self, n: u64) {
        self.missed += n;
    }

    fn bump(&mut self) -> u64 {
        self.rev += 1;
        self.rev
    }

    fn msg_mut(&mut self, id: u64) -> Option<&mut Msg> {
        let i = self.msgs.binary_search_by(|m| m.id.cmp(&id)).ok()?;
        self.msgs.get_mut(i)
    }

    fn apply(&mut self, e: Stamped) {
        let rev = self.bump();
        match e.entry {
            Entry::Sent(s) => {
                let beat = matches!(s.kind, "Heartbeat" | "HeartbeatAck" | "PING")
                    || (s.kind == "AppendEntries" && s.detail.contains(", 0 entries,"))
                    || (s.is_reply && self.beats.get(&(s.from, s.to)) == Some(&e.at));
                let (fate, end, end_seq) = match s.lost_at {
                    Some(l) => (Fate::Lost, l, e.seq),
                    None => (Fate::InFlight, s.deliver_at, 0),
                };
                let m = Msg {
                    id: s.id,
                    dup_of: s.dup_of,
                    from: s.from,
                    to: s.to,
                    kind: s.kind,
                    is_reply: s.is_reply,
                    heartbeat: beat,
                    detail: s.detail.into_boxed_str(),
                    sent: e.at,
                    due: s.deliver_at,
                    fate,
                    end,
                    seq: e.seq,
                    end_seq,
                    rev,
                };
                // Ids grow with sends; a message already held (a seed) is not added twice.
                if self.msgs.back().is_none_or(|b| b.id < m.id) {
                    self.msgs.push_back(m);
                }
            }
            Entry::Delivered { id } => {
                let mut beat = None;
                if let Some(m) = self.msg_mut(id) {
                    if m.fate == Fate::InFlight {
                        m.fate = Fate::Delivered;
                        m.end = e.at;
                        m.end_seq = e.seq;
                        m.rev = rev;
                        if m.heartbeat && !m.is_reply {
                            beat = Some((m.to, m.from));
                        }
                    }
                }
                if let Some(k) = beat {
                    self.beats.insert(k, e.at);
                }
            }
            Entry::Lost { id } => {
                if let Some(m) = self.msg_mut(id) {
                    if m.fate == Fate::InFlight || (m.fate == Fate::Lost && e.at < m.end) {
                        m.fate = Fate::Lost;
                        m.end = e.at;
                        m.end_seq = e.seq;
                        m.rev = rev;
                    }
                }
            }
            Entry::Mark(k) => {
                self.marks.push_back(Mark {
                    at: e.at,
                    member: k.member,
                    kind: k.kind,
                    term: k.term,
                    text: k.text,
                    cut_off: k.cut_off,
                    seq: e.seq,
                    rev,
                });
            }
            Entry::Invoke { op, label } => {
                if self.ops.back().is_none_or(|b| b.op.id < op.id) {
                    self.ops.push_back(Op { op, label, result_label: None, seq: e.seq, end_seq: 0, rev });
                }
            }
            Entry::Complete { id, outcome, result, label, node } => {
                if let Ok(i) = self.ops.binary_search_by(|o| o.op.id.cmp(&id)) {
                    let o = &mut self.ops[i];
                    o.op.complete = Some(e.at);
                    o.op.outcome = Some(outcome);
                    o.op.result = result;
                    o.result_label = label;
                    o.op.node = node;
                    o.end_seq = e.seq;
                    o.rev = rev;
                }
            }
        }
    }

    /// Drop what the limits no longer allow, oldest first.
    fn trim(&mut self) {
        let horizon = self.to.saturating_sub(self.limits.span);
        while let Some(m) = self.msgs.front() {
            if self.msgs.len() <= self.limits.messages && m.sent >= horizon {
                break;
            }
            self.from = self.from.max(m.sent + 1);
            self.msgs.pop_front();
            self.trimmed = true;
        }
        self.from = self.from.max(horizon);
        while self.marks.front().is_some_and(|k| self.marks.len() > self.limits.marks || k.at < self.from) {
            self.marks.pop_front();
            self.trimmed = true;
        }
        while self
            .ops
            .front()
            .is_some_and(|o| self.ops.len() > self.limits.ops || o.op.complete.is_some_and(|c| c < self.from))
        {
            self.ops.pop_front();
            self.trimmed = true;
        }
        if self.beats.len() > 256 {
            let h = self.to;
            self.beats.retain(|_, t| *t == h);
        }
    }

    /// The run forked at journal number `seq` (time `at`): forget everything after it — messages
    /// sent later go, fates fixed later are open again, and so are completions.
    pub fn truncate(&mut self, at: Time, seq: u64) {
        if seq >= self.last_seq {
            self.to = self.to.max(at);
            return;
        }
        let rev = self.bump();
        while self.msgs.back().is_some_and(|m| m.seq > seq) {
            self.msgs.pop_back();
        }
        for m in self.msgs.iter_mut().filter(|m| m.end_seq > seq) {
            m.fate = Fate::InFlight;
            m.end = m.due;
            m.end_seq = 0;
            m.rev = rev;
        }
        while self.marks.back().is_some_and(|k| k.seq > seq) {
            self.marks.pop_back();
        }
        while self.ops.back().is_some_and(|o| o.seq > seq) {
            self.ops.pop_back();
        }
        for o in self.ops.iter_mut().filter(|o| o.end_seq > seq) {
            o.op.complete = None;
            o.op.outcome = None;
            o.op.result = None;
            o.result_label = None;
            o.end_seq = 0;
            o.rev = rev;
        }
        self.beats.clear();
        self.last_seq = seq;
        self.to = at;
    }

    /// The messages whose arrows cross the time window `[a, b]`, in send order.
    pub fn messages_in(&self, a: Time, b: Time) -> impl Iterator<Item = &Msg> {
        self.msgs.iter().filter(move |m| m.sent <= b && m.end.max(m.sent) >= a)
    }
    /// The marks in `[a, b]`.
    pub fn marks_in(&self, a: Time, b: Time) -> impl Iterator<Item = &Mark> {
        self.marks.iter().filter(move |k| k.at >= a && k.at <= b)
    }
    /// The operations whose bars cross `[a, b]` (an open one reaches the record's end).
    pub fn ops_in(&self, a: Time, b: Time) -> impl Iterator<Item = &Op> {
        let to = self.to;
        self.ops.iter().filter(move |o| o.op.invoke <= b && o.op.complete.unwrap_or(to) >= a)
    }

    /// The record (or what changed in it since revision `since`) as the JSON the element reads
    /// (see [`RecordJson`]); `a`..`b` limits it to a time window.
    pub fn to_json(&self, a: Time, b: Time, since: Option<u64>) -> RecordJson<'_> {
        let new = |rev: u64| since.is_none_or(|s| rev > s);
        let mut kinds: Vec<&'static str> = Vec::new();
        let mut kind_index = |k: &'static str| match kinds.iter().position(|x| *x == k) {
            Some(i) => i,
            None => {
                kinds.push(k);
                kinds.len() - 1
            }
        };
        let msgs = self
            .messages_in(a, b)
            .filter(|m| new(m.rev))
            .map(|m| {
                let fate = match m.fate {
                    Fate::InFlight => 0,
                    Fate::Delivered => 1,
                    Fate::Lost => 2,
                };
                let flags = u8::from(m.is_reply) | (u8::from(m.heartbeat) << 1) | (fate << 2);
                let dup = m.dup_of.map(|d| d as i64).unwrap_or(-1);
                (m.id, dup, m.from, m.to, kind_index(m.kind), flags, m.sent, m.due, m.end, &*m.detail, m.seq, m.end_seq)
            })
            .collect();
        let marks = self
            .marks_in(a, b)
            .filter(|k| new(k.rev))
            .map(|k| {
                let member = k.member.map(|m| m.to_string()).unwrap_or_default();
                (k.seq, k.at, member, k.kind, k.term, k.text.as_str(), &k.cut_off[..])
            })
            .collect();
        let ops: Vec<&Op> = self.ops_in(a, b).filter(|o| new(o.rev)).collect();
        let op_meta = ops.iter().map(|o| (o.seq, o.end_seq, o.label.as_str(), o.result_label.as_deref())).collect();
        let ops = ops.into_iter().map(|o| &o.op).collect();
        RecordJson {
            epoch: 0,
            now: self.to,
            end: self.to,
            in_past: false,
            rev: self.rev,
            since,
            from: self.from,
            to: self.to,
            trimmed: self.trimmed,
            missed: self.missed,
            limits: [self.limits.messages as u64, self.limits.span],
            first: [
                self.msgs.front().map_or(u64::MAX, |m| m.id),
                self.ops.front().map_or(u64::MAX, |o| o.op.id),
                self.marks.front().map_or(u64::MAX, |k| k.seq),
            ],
            msgs,
            kinds,
            marks,
            ops,
            op_meta,
        }
    }
}

/// The record read back from its JSON (what [`Record::to_json`] wrote for the whole window):
/// the exporters run in the tools bundle (`pkg/lab/`), which gets the record from the page.
#[derive(serde::Deserialize)]
struct RecordIn {
    from: Time,
    to: Time,
    trimmed: bool,
    missed: u64,
    limits: [u64; 2],
    msgs: Vec<(u64, i64, Member, Member, usize, u8, Time, Time, Time, String, u64, u64)>,
    kinds: Vec<String>,
    marks: Vec<(u64, Time, String, MarkKind, Option<u64>, String, Vec<Member>)>,
    ops: Vec<Operation<Json, Json>>,
    op_meta: Vec<(u64, u64, String, Option<String>)>,
}

/// A kind name as `&'static str`: each distinct name is kept once for the life of the program
/// (there are a few dozen; more than [`MAX_KINDS`] is refused).
fn intern(kind: &str) -> Option<&'static str> {
    static KINDS: std::sync::Mutex<Vec<&'static str>> = std::sync::Mutex::new(Vec::new());
    let mut k = KINDS.lock().unwrap_or_else(|e| e.into_inner());
    if let Some(x) = k.iter().find(|x| **x == kind) {
        return Some(x);
    }
    if k.len() >= MAX_KINDS {
        return None;
    }
    let x: &'static str = Box::leak(kind.to_string().into_boxed_str());
    k.push(x);
    Some(x)
}
/// Distinct message kinds a program reads back at most (see [`intern`]).
const MAX_KINDS: usize = 256;

impl Record {
    /// Read a record back from the JSON [`Record::to_json`] wrote (all of it, no `since`).
    pub fn from_json(text: &str) -> Result<Record, String> {
        let r: RecordIn = serde_json::from_str(text).map_err(|e| format!("not a space-time record ({e})"))?;
        let kinds: Vec<&'static str> = r
            .kinds
            .iter()
            .map(|k| intern(k).ok_or_else(|| format!("more than {MAX_KINDS} message kinds")))
            .collect::<Result<_, _>>()?;
        let limits = Limits { messages: r.limits[0] as usize, span: r.limits[1], ..Limits::default() };
        let mut rec = Record::starting(limits, r.from, 0, Vec::new());
        rec.to = r.to;
        rec.trimmed = r.trimmed;
        rec.missed = r.missed;
        for (id, dup, from, to, kind, flags, sent, due, end, detail, seq, end_seq) in r.msgs {
            let kind = *kinds.get(kind).ok_or("a message's kind is not in the kinds table")?;
            let fate = match flags >> 2 {
                1 => Fate::Delivered,
                2 => Fate::Lost,
                _ => Fate::InFlight,
            };
            rec.msgs.push_back(Msg {
                id,
                dup_of: (dup >= 0).then_some(dup as u64),
                from,
                to,
                kind,
                is_reply: flags & 1 != 0,
                heartbeat: flags & 2 != 0,
                detail: detail.into_boxed_str(),
                sent,
                due,
                fate,
                end,
                seq,
                end_seq,
                rev: 0,
            });
        }
        for (seq, at, member, kind, term, text, cut_off) in r.marks {
            let member = Member::parse(&member).ok();
            rec.marks.push_back(Mark { at, member, kind, term, text, cut_off, seq, rev: 0 });
        }
        let mut meta = r.op_meta.into_iter();
        for op in r.ops {
            let (seq, end_seq, label, result_label) = meta.next().unwrap_or((0, 0, String::new(), None));
            rec.ops.push_back(Op { op, label, result_label, seq, end_seq, rev: 0 });
        }
        rec.last_seq = rec.msgs.iter().map(|m| m.seq.max(m.end_seq)).max().unwrap_or(0);
        Ok(rec)
    }
}

/// One message as the element reads it: `[id, dup_of (-1: none), from, to, kind (index into
/// kinds), flags (1 reply, 2 heartbeat, 4 × fate: 0 in flight, 1 delivered, 2 lost), sent, due,
/// end, detail, seq, end_seq]` (the journal's numbers of its send and of its fate: the order the
/// simulator processed things in, which the exporters need).
pub type MsgJson<'a> = (u64, i64, Member, Member, usize, u8, Time, Time, Time, &'a str, u64, u64);

/// One mark as the element reads it (see [`RecordJson::marks`]).
pub type MarkJson<'a> = (u64, Time, String, MarkKind, Option<u64>, &'a str, &'a [Member]);

/// The record as JSON (compact: one array per message).
#[derive(Serialize)]
pub struct RecordJson<'a> {
    /// Bumped when the record was rebuilt or cut back: changes since an older epoch mean nothing.
    pub epoch: u64,
    /// The run's current moment (the diagram's cursor).
    pub now: Time,
    /// The end of the recorded run.
    pub end: Time,
    /// The run is behind its recorded end (time travel).
    pub in_past: bool,
    /// Revision: ask for changes since it next time.
    pub rev: u64,
    /// The revision the changes are relative to (`None`: everything in the window).
    pub since: Option<u64>,
    /// Every send from this time on is kept.
    pub from: Time,
    /// The record runs up to this time.
    pub to: Time,
    /// Older entries were dropped (the limits).
    pub trimmed: bool,
    /// Journal entries lost to an overflow (0 normally).
    pub missed: u64,
    /// `[messages, span ms]` kept at most.
    pub limits: [u64; 2],
    /// The oldest message id, operation id and mark sequence number held (a reader keeping
    /// changes drops what is older); `u64::MAX` when there is none.
    pub first: [u64; 3],
    /// Messages (see [`MsgJson`]); with `since`, only new or changed ones.
    pub msgs: Vec<MsgJson<'a>>,
    /// Kind names that `msgs` index.
    pub kinds: Vec<&'static str>,
    /// Marks: `[seq, at, member ("" for the network), kind, term, text, cut off (a partition's
    /// members outside the first group)]`.
    pub marks: Vec<MarkJson<'a>>,
    /// Client operations, as in the history (operation and answer as JSON).
    pub ops: Vec<&'a Operation<Json, Json>>,
    /// Per operation: the journal's numbers of its invocation and completion (0: open), and the
    /// operation and its answer in words.
    pub op_meta: Vec<(u64, u64, &'a str, Option<&'a str>)>,
}
