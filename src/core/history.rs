//! Jepsen-style client histories: every operation is invoked, then completes `ok`, `fail`
//! (definitely did not take effect) or `info` (outcome unknown: it may take effect at any point
//! after its invocation, or never).

use super::ops::{ClientOp, ClientOperation, ClientReply, ClientResult};
use super::{ClientId, NodeId, Time};
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

/// One client operation from invocation to completion: `O` is the protocol's operation type and
/// `R` its answers (the register vocabulary by default, which is what the checkers read).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub struct Operation<O = ClientOp, R = ClientResult> {
    /// Position in the history (0-based, in invocation order).
    pub id: u64,
    /// The client (Jepsen's "process") that issued it.
    pub client: ClientId,
    /// What was asked.
    pub op: O,
    /// Simulated time of the invocation.
    pub invoke: Time,
    /// Simulated time of the completion; `None` while pending.
    pub complete: Option<Time>,
    /// How it ended; `None` while pending (a checker treats pending like `Info`).
    pub outcome: Option<Outcome>,
    /// The node's answer, for `Ok` and for a `Fail` that observed something (a failed CAS).
    pub result: Option<R>,
    /// The node that finally answered (or was last tried).
    pub node: NodeId,
}

impl<O, R> Operation<O, R> {
    /// True when the operation definitely took effect or may have (ok, info or pending).
    pub fn may_have_taken_effect(&self) -> bool {
        !matches!(self.outcome, Some(Outcome::Fail))
    }
}

impl<O: ClientOperation> Operation<O, O::Result> {
    /// This operation as the register checkers see it: `None` when it is not a register
    /// operation (2PC's transfer); an answer that is not a register answer (an abort) is left
    /// out, so the record says only that it failed.
    pub fn project(&self) -> Option<Operation> {
        Some(Operation {
            id: self.id,
            client: self.client,
            op: self.op.as_register()?.clone(),
            invoke: self.invoke,
            complete: self.complete,
            outcome: self.outcome,
            result: self.result.as_ref().and_then(|r| r.as_register().cloned()),
            node: self.node,
        })
    }

    /// The same record with its operation and answer as JSON (a frame, a report: the front end
    /// reads `op.f`, `result.r`, whatever the protocol).
    pub fn to_json(&self) -> Operation<Json, Json> {
        Operation {
            id: self.id,
            client: self.client,
            op: json(&self.op),
            invoke: self.invoke,
            complete: self.complete,
            outcome: self.outcome,
            result: self.result.as_ref().map(json),
            node: self.node,
        }
    }
}

/// A value already serialised to JSON (what frames carry of protocol-typed data).
pub type Json = Box<serde_json::value::RawValue>;

/// `value` as JSON (`null` if it cannot be serialised, which the types here never are).
pub fn json<T: Serialize>(value: &T) -> Json {
    serde_json::value::to_raw_value(value)
        .unwrap_or_else(|_| serde_json::value::RawValue::from_string("null".into()).expect("null is JSON"))
}
