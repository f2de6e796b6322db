//! Notices: the semantic events a node reports for the reader (the timeline, the element's
//! events, the CLI's trace). Their kinds are one enum, serialised in snake_case
//! (`leader_elected`, `write_lost`, …), which is what the front end compares against.

use serde::{Deserialize, Serialize};

/// What happened, by kind. Kinds are shared across protocols where the event is the same
/// (a leader elected, an entry committed); the rest belong to one protocol (noted per group).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NoticeKind {
    // ---- shared
    /// A node became leader (Raft, ZAB, Multi-Paxos): the timeline marks it, the element fires
    /// `leader-elected`.
    LeaderElected,
    /// A leader stepped down.
    SteppedDown,
    /// Entries committed (Raft, ZAB).
    Committed,
    /// A value was chosen (Paxos).
    Chosen,
    /// An acknowledged write was discarded (Dynamo's last-writer-wins): a lost write.
    WriteLost,
    /// The node crashed (reported by the simulator).
    Crashed,
    /// The node restarted from its durable state (reported by the simulator).
    Restarted,
    // ---- Raft
    /// A snapshot was taken (Raft, ZAB).
    Snapshot,
    /// A follower installed a leader's snapshot.
    SnapshotInstalled,
    /// A leader lost contact with a majority and stepped down (CheckQuorum).
    CheckQuorum,
    /// A PreVote round started.
    PreVote,
    /// An election started.
    Election,
    // ---- Paxos
    /// A proposer started phase 1 (Prepare).
    Prepare,
    /// A proposer was preempted by a higher ballot.
    Preempted,
    /// A Multi-Paxos proposer won phase 1 but lacks slots the acceptors folded away: it catches
    /// up from a snapshot before it leads.
    Behind,
    // ---- ZAB
    /// A leader established its epoch.
    Established,
    /// A server follows a leader.
    Follows,
    /// A server went LOOKING.
    Looking,
    /// A new epoch was accepted.
    NewEpoch,
    /// A follower was brought up to date.
    Uptodate,
    /// Uncommitted history was truncated.
    Truncated,
    // ---- 2PC
    /// Recovery from the log after a restart.
    Recovery,
    /// A participant is blocked: voted Yes, decision unknown.
    Blocked,
    /// The coordinator began a transaction.
    TxnBegin,
    /// The coordinator decided Commit.
    TxnCommit,
    /// The coordinator decided Abort.
    TxnAbort,
    /// A participant committed.
    TxnCommitted,
    /// A participant aborted.
    TxnAborted,
    // ---- Dynamo
    /// A write was abandoned (no quorum answered).
    WriteAbandoned,
}

/// Something worth showing the reader, e.g. "n2 became leader in term 4".
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Notice {
    /// What happened.
    pub kind: NoticeKind,
    /// The protocol's term / epoch / ballot round the notice refers to, when it has one.
    pub term: Option<u64>,
    /// One sentence for the reader.
    pub text: String,
}
