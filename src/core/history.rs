//! Jepsen-style client histories: every operation is invoked, then completes `ok`, `fail`
//! (definitely did not take effect) or `info` (outcome unknown: it may take effect at any point
//! after its invocation, or never).

use crate::protocol::{ClientId, ClientOp, ClientResult, NodeId, Time};
use serde::{Deserialize, Serialize};

/// How an operation ended, in Jepsen's vocabulary.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Took effect; `result` holds what it returned.
    Ok,
    /// Definitely did not take effect (refused, or a compare-and-set whose comparison failed).
    Fail,
    /// Outcome unknown (timed out after the request may have been applied).
    Info,
}

/// One client operation from invocation to completion.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operation {
    /// Position in the history (0-based, in invocation order).
    pub id: u64,
    /// The client (Jepsen's "process") that issued it.
    pub client: ClientId,
    /// What was asked.
    pub op: ClientOp,
    /// Simulated time of the invocation.
    pub invoke: Time,
    /// Simulated time of the completion; `None` while pending.
    pub complete: Option<Time>,
    /// How it ended; `None` while pending (a checker treats pending like `Info`).
    pub outcome: Option<Outcome>,
    /// The node's answer, for `Ok` and for a `Fail` that observed something (a failed CAS).
    pub result: Option<ClientResult>,
    /// The node that finally answered (or was last tried).
    pub node: NodeId,
}

impl Operation {
    /// True when the operation definitely took effect or may have (ok, info or pending).
    pub fn may_have_taken_effect(&self) -> bool {
        !matches!(self.outcome, Some(Outcome::Fail))
    }
}
