//! Simulated clients. Each client is attached to a node, has at most one operation outstanding
//! (as Jepsen's processes do), follows redirects to the leader a node names, retries after a
//! pause when no leader is known, re-sends to its own node when an attempt gets no answer
//! (the leader it was sent to may be cut off, and its node may know a newer one; client
//! sessions make the re-send safe), and gives up at its timeout: a timed-out read is recorded
//! `fail` (it changed nothing), a timed-out write or compare-and-set `info` (it may yet apply).

use crate::core::history::Outcome;
use crate::core::ops::{ClientOperation, ClientReply, ClientResult};
use crate::protocol::{ClientId, NodeId, RequestId, Time};
use serde::Serialize;
use std::collections::VecDeque;

/// Redirects followed before the client falls back to retrying its own node.
const MAX_HOPS: u32 = 4;

/// The operation a client is waiting on (`O`: the protocol's operation type).
#[derive(Clone, Debug, Serialize)]
pub struct Pending<O> {
    /// Request id (unique per client, increasing).
    pub request: RequestId,
    /// The operation.
    pub op: O,
    /// Its position in the history.
    pub history_index: u64,
    /// The node the request was last sent to.
    pub target: NodeId,
    /// Invocation time.
    pub since: Time,
    hops: u32,
    attempt: u32,
}

/// What the client will do next depends on all of this but `since` (the invocation time, kept
/// for latencies): the explorer hashes pending operations without it, so two schedules that
/// differ only in when an operation started reach the same state.
impl<O: std::hash::Hash> std::hash::Hash for Pending<O> {
    fn hash<H: std::hash::Hasher>(&self, h: &mut H) {
        (self.request, &self.op, self.history_index, self.target, self.hops, self.attempt).hash(h);
    }
}

/// How the client's last operation ended, for the ✓ / ✕ / ? next to its icon.
#[derive(Clone, Debug, Serialize)]
pub struct LastOp {
    /// Request id (as returned by `submit`).
    pub request: RequestId,
    /// e.g. `write x=3`.
    pub label: String,
    /// ok / fail / info.
    pub outcome: Outcome,
    /// What came back, e.g. `→ 3`.
    pub result: String,
    /// Completion time.
    pub at: Time,
    /// Latency in ms.
    pub latency: Time,
}

impl<O> Pending<O> {
    /// The same, with the operation turned into something else (a frame carries it as JSON).
    pub fn map_op<T>(&self, f: impl FnOnce(&O) -> T) -> Pending<T> {
        Pending {
            request: self.request,
            op: f(&self.op),
            history_index: self.history_index,
            target: self.target,
            since: self.since,
            hops: self.hops,
            attempt: self.attempt,
        }
    }
}

/// What the simulator must do for a client.
#[derive(Clone, Debug)]
pub enum ClientStep<O: ClientOperation> {
    /// Nothing.
    Nothing,
    /// Send the request to node `to`.
    Send { to: NodeId, request: RequestId, op: O, attempt: u32 },
    /// Try again after a pause.
    RetryLater { request: RequestId, attempt: u32 },
    /// The operation completed.
    Done { history_index: u64, outcome: Outcome, result: Option<O::Result>, node: NodeId },
}

/// One client, issuing operations of type `O`.
#[derive(Clone, Debug, Serialize)]
pub struct Client<O> {
    /// Client id.
    pub id: ClientId,
    /// The node it is attached to.
    pub node: NodeId,
    /// Operation timeout in ms.
    pub timeout: Time,
    /// Explicit operations waiting for the outstanding one to finish.
    pub queue: VecDeque<O>,
    /// The outstanding operation.
    pub current: Option<Pending<O>>,
    /// The last completed operation.
    pub last: Option<LastOp>,
    next_request: RequestId,
    #[serde(skip)]
    now: Time,
}

impl<O: ClientOperation> Client<O> {
    /// A client attached to `node`.
    pub fn new(id: ClientId, node: NodeId, timeout: Time) -> Self {
        Client { id, node, timeout, queue: VecDeque::new(), current: None, last: None, next_request: 1, now: 0 }
    }

    /// True while an operation is outstanding.
    pub fn busy(&self) -> bool {
        self.current.is_some()
    }

    /// Start `op` (recorded at `history_index`) now.
    pub fn invoke(&mut self, op: O, history_index: u64, now: Time) -> (RequestId, ClientStep<O>) {
        let request = self.next_request;
        self.next_request += 1;
        self.now = now;
        self.current = Some(Pending {
            request,
            op: op.clone(),
            history_index,
            target: self.node,
            since: now,
            hops: 0,
            attempt: 0,
        });
        (request, ClientStep::Send { to: self.node, request, op, attempt: 0 })
    }

    /// A node answered.
    pub fn on_response(&mut self, request: RequestId, from: NodeId, result: O::Result) -> ClientStep<O> {
        let Some(p) = self.current.as_mut().filter(|p| p.request == request) else {
            return ClientStep::Nothing;
        };
        match result.as_register() {
            Some(&ClientResult::Redirect { leader: Some(l) }) if p.hops < MAX_HOPS && l != from => {
                p.hops += 1;
                p.target = l;
                p.attempt += 1;
                ClientStep::Send { to: l, request, op: p.op.clone(), attempt: p.attempt }
            }
            Some(ClientResult::Redirect { .. }) => {
                // No leader known (or too many hops): ask our own node again after a pause.
                p.target = self.node;
                p.hops = 0;
                ClientStep::RetryLater { request, attempt: p.attempt }
            }
            Some(ClientResult::Unavailable { .. }) => ClientStep::RetryLater { request, attempt: p.attempt },
            // Ran and did not take effect: a failed compare-and-set, an aborted transaction.
            _ if result.failed() => self.finish(Outcome::Fail, Some(result), from),
            _ => self.finish(Outcome::Ok, Some(result), from),
        }
    }

    /// A retry pause ended, or attempt `attempt` went unanswered for too long.
    pub fn retry(&mut self, request: RequestId, attempt: u32) -> ClientStep<O> {
        let node = self.node;
        match self.current.as_mut() {
            Some(p) if p.request == request && p.attempt == attempt => {
                if p.target != node {
                    // Redirected and then silence: the leader may be cut off. Our own node
                    // may know a newer one.
                    p.target = node;
                    p.hops = 0;
                }
                p.attempt += 1;
                ClientStep::Send { to: p.target, request, op: p.op.clone(), attempt: p.attempt }
            }
            _ => ClientStep::Nothing,
        }
    }

    /// The operation's timeout fired; `None` when it had already completed.
    pub fn on_timeout(&mut self, request: RequestId) -> Option<ClientStep<O>> {
        let p = self.current.as_ref().filter(|p| p.request == request)?;
        let outcome = if p.op.is_mutation() { Outcome::Info } else { Outcome::Fail };
        let target = p.target;
        Some(self.finish(outcome, None, target))
    }

    /// Simulated time as the client last saw it (set by the simulator before each call).
    pub fn set_now(&mut self, now: Time) {
        self.now = now;
    }

    fn finish(&mut self, outcome: Outcome, result: Option<O::Result>, node: NodeId) -> ClientStep<O> {
        let p = self.current.take().expect("an operation is outstanding");
        let text = match &result {
            Some(r) => r.outcome_text(),
            None => "timed out".into(),
        };
        self.last = Some(LastOp {
            request: p.request,
            label: p.op.label(),
            outcome,
            result: text,
            at: self.now,
            latency: self.now.saturating_sub(p.since),
        });
        ClientStep::Done { history_index: p.history_index, outcome, result, node }
    }
}
