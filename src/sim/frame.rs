//! The snapshot the renderer draws each animation frame, and the CLI's final report: plain,
//! protocol-neutral data (serialised to JS by the wasm layer and to JSON by the CLI).

use super::client::{LastOp, Pending};
use super::observer::Observer;
use super::scenario::Member;
use super::{Counters, Sim, TimedNotice, Violation, Wire};
use crate::core::history::{Json, Operation, Outcome};
use crate::core::vecmap::VecMap;
use crate::protocol::{Erased, Invariants, NodeView, Protocol, Time};
use serde::Serialize;

/// One server as drawn.
#[derive(Clone, Debug, Serialize)]
pub struct NodeFrame {
    /// Server id.
    pub id: u32,
    /// False while crashed.
    pub alive: bool,
    /// Partition side (group index).
    pub side: u32,
    /// Protocol view: the common header (role, term, log tail, …) and the protocol's detail
    /// under its key (`paxos`, `zab`, …); while crashed, what its durable state holds.
    #[serde(flatten)]
    pub view: Option<NodeView<Erased>>,
    /// While it runs, its persisted copy drawn as a view (the node a crash and restart now would
    /// give): a durable field that differs from the live one is not yet persisted, and a crash
    /// now loses it. Absent while crashed (the view above is that copy then).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub durable: Option<NodeView<Erased>>,
    /// While crashed, its running state at the crash, drawn as a view: a durable field that
    /// differs from the view above (the persisted copy) is a change the crash lost. Absent while
    /// it runs.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub at_crash: Option<NodeView<Erased>>,
    /// The election (or equivalent) timer: `[armed at, fires at]`, to draw a draining arc.
    pub timer: Option<[Time; 2]>,
    /// Restarts so far.
    pub restarts: u32,
}

/// One message as drawn (position = elapsed fraction of `sent..deliver_at`).
#[derive(Clone, Debug, Serialize)]
pub struct MessageFrame {
    /// Id usable with the "drop message" action.
    pub id: u64,
    /// Sender: `n2` or `c0`.
    pub from: String,
    /// Receiver.
    pub to: String,
    /// Name as in the paper.
    pub kind: String,
    /// Replies are drawn hollow.
    pub is_reply: bool,
    /// Fields, for the tooltip.
    pub detail: String,
    /// Send time.
    pub sent: Time,
    /// Delivery time.
    pub deliver_at: Time,
    /// When it was lost, if it was (the renderer fades it out).
    pub lost_at: Option<Time>,
}

/// One client as drawn.
#[derive(Clone, Debug, Serialize)]
pub struct ClientFrame {
    /// Client id.
    pub id: u32,
    /// Node it is attached to.
    pub node: u32,
    /// Partition side.
    pub side: u32,
    /// Outstanding operation (its `target` is the node it currently talks to; the operation
    /// in the protocol's JSON op shape).
    pub pending: Option<Pending<Json>>,
    /// Last completed operation.
    pub last: Option<LastOp>,
}

/// Availability and latency of the operations issued from one side of the partition.
#[derive(Clone, Debug, Default, Serialize)]
pub struct SideStats {
    /// Partition side.
    pub side: u32,
    /// Operations invoked.
    pub attempted: u64,
    /// Completed ok (including compare-and-set that ran and failed its comparison).
    pub ok: u64,
    /// Definitely failed.
    pub failed: u64,
    /// Outcome unknown.
    pub unknown: u64,
    /// Still outstanding.
    pub pending: u64,
    /// ok / (ok + failed + unknown), in percent; `None` before anything completed.
    pub availability: Option<f64>,
    /// Median latency of successful operations (ms).
    pub p50: Option<Time>,
    /// 99th percentile latency of successful operations (ms).
    pub p99: Option<Time>,
}

/// Everything the renderer needs for one frame; `C` is what the run's observer reports (the
/// consistency column; nothing for an unobserved world).
#[derive(Clone, Debug, Serialize)]
pub struct Frame<C = ()> {
    /// Simulated time (ms).
    pub now: Time,
    /// Protocol name.
    pub protocol: String,
    /// Seed of this run.
    pub seed: u64,
    /// Servers.
    pub nodes: Vec<NodeFrame>,
    /// Messages in flight (and lost ones still fading).
    pub messages: Vec<MessageFrame>,
    /// Partition groups as member names (`n0`, `c1`); one group when healed.
    pub groups: Vec<Vec<String>>,
    /// One-way cut links `[from, to]`.
    pub cuts: Vec<[String; 2]>,
    /// Clients.
    pub clients: Vec<ClientFrame>,
    /// Recent semantic events (newest last).
    pub notices: Vec<TimedNotice>,
    /// Per-side availability and latency of the operations invoked since the partition last
    /// changed (at `sides_since`), so the scoreboard shows the current trade-off.
    pub sides: Vec<SideStats>,
    /// When the partition last changed (ms).
    pub sides_since: Time,
    /// The consistency column: live linearizability verdict, stale reads, lost writes.
    pub consistency: C,
    /// The most recent client operations (for the client timeline), oldest first; operations
    /// and answers in the protocol's JSON shapes (`op.f`, `result.r`).
    pub ops: Vec<Operation<Json, Json>>,
    /// Message counters.
    pub counters: Counters,
    /// Invariant violations so far.
    pub violations: Vec<Violation>,
    /// Hash of the trace so far.
    pub trace_hash: String,
}

/// How many operations a frame carries for the timeline.
const FRAME_OPS: usize = 60;
/// How many notices a frame carries.
const FRAME_NOTICES: usize = 30;

impl<P: Protocol + Invariants, O: Observer> Sim<P, O> {
    /// The snapshot the renderer draws.
    pub fn frame(&self) -> Frame<O::Report> {
        self.frame_with(true)
    }

    /// The animation loop's frame between full ones (the element pulls a full frame ~10 times a
    /// second): the same shape, but without what only the slow parts draw — node logs and stores,
    /// the operations of the timeline and the per-side scoreboard, which are the bulk of a busy
    /// frame (and `sides` scans the history) — left empty for the element to carry over.
    pub fn light_frame(&self) -> Frame<O::Report> {
        self.frame_with(false)
    }

    fn frame_with(&self, full: bool) -> Frame<O::Report> {
        let now = self.now();
        let strip = |mut v: NodeView<Erased>| {
            if !full {
                v.log = Vec::new();
                v.kv = VecMap::new();
            }
            v
        };
        let trim = |v: NodeView<P::View>| strip(v.erase());
        let nodes = self
            .nodes
            .iter()
            .zip(&self.slots)
            .enumerate()
            .map(|(i, (server, slot))| {
                let id = i as u32;
                let node = server.node.as_ref();
                let timer = node
                    .and_then(|n| n.timeout_timer())
                    .and_then(|t| slot.timers.get(&t))
                    .map(|t| [t.set_at, t.fires_at]);
                NodeFrame {
                    id,
                    alive: node.is_some(),
                    side: self.net.group(Member::Node(id)),
                    view: node.map(|n| n.view()).or_else(|| self.durable_view(id)).map(trim),
                    durable: node.and_then(|_| self.durable_view(id)).map(trim),
                    at_crash: node.is_none().then(|| slot.at_crash.clone()).flatten().map(strip),
                    timer,
                    restarts: slot.restarts,
                }
            })
            .collect();
        let messages = self.in_flight().iter().map(|(id, m)| message_frame::<P>(*id, m)).collect();
        let clients = self
            .clients()
            .iter()
            .map(|c| ClientFrame {
                id: c.id,
                node: c.node,
                side: self.net.group(Member::Client(c.id)),
                pending: c.current.as_ref().map(|p| p.map_op(crate::core::history::json)),
                last: c.last.clone(),
            })
            .collect();
        Frame {
            now,
            protocol: P::NAME.to_string(),
            seed: self.scenario().seed,
            nodes,
            messages,
            groups: self.groups(),
            cuts: self.net.cuts.keys().map(|(a, b)| [a.to_string(), b.to_string()]).collect(),
            clients,
            notices: self.notices().iter().rev().take(FRAME_NOTICES).rev().cloned().collect(),
            sides: if full { self.side_stats() } else { Vec::new() },
            sides_since: self.net.changed_at,
            consistency: self.observer().report(),
            ops: if full {
                self.history().iter().rev().take(FRAME_OPS).rev().map(Operation::to_json).collect()
            } else {
                Vec::new()
            },
            counters: self.counters().clone(),
            violations: self.violations().to_vec(),
            trace_hash: format!("{:016x}", self.trace_hash()),
        }
    }

    /// Partition groups as member names, every node and client listed once.
    pub fn groups(&self) -> Vec<Vec<String>> {
        let mut groups: VecMap<u32, Vec<String>> = VecMap::new();
        for id in 0..self.nodes.len() as u32 {
            groups.get_or_insert_with(self.net.group(Member::Node(id)), Vec::new).push(format!("n{id}"));
        }
        for c in 0..self.clients().len() as u32 {
            groups.get_or_insert_with(self.net.group(Member::Client(c)), Vec::new).push(format!("c{c}"));
        }
        groups.into_values().collect()
    }

    /// Availability and latency per partition side, by the side each client is on now, over the
    /// operations invoked since the partition last changed.
    pub fn side_stats(&self) -> Vec<SideStats> {
        let mut sides: VecMap<u32, (SideStats, Vec<Time>)> = VecMap::new();
        let since = self.net.changed_at;
        for op in self.history().iter().filter(|op| op.invoke >= since) {
            let side = self.net.group(Member::Client(op.client));
            let (s, lat) = sides.get_or_insert_with(side, || (SideStats { side, ..Default::default() }, Vec::new()));
            count_op(s, lat, op);
        }
        for c in 0..self.clients().len() as u32 {
            let side = self.net.group(Member::Client(c));
            sides.get_or_insert_with(side, || (SideStats { side, ..Default::default() }, Vec::new()));
        }
        sides
            .into_values()
            .map(|(mut s, mut lat)| {
                let done = s.ok + s.failed + s.unknown;
                s.availability = (done > 0).then(|| 100.0 * s.ok as f64 / done as f64);
                crate::core::sort::sort(&mut lat);
                s.p50 = percentile(&lat, 50);
                s.p99 = percentile(&lat, 99);
                s
            })
            .collect()
    }
}

fn count_op<O, R>(s: &mut SideStats, lat: &mut Vec<Time>, op: &Operation<O, R>) {
    s.attempted += 1;
    match (op.outcome, &op.result) {
        (None, _) => s.pending += 1,
        (Some(Outcome::Ok), _) | (Some(Outcome::Fail), Some(_)) => {
            s.ok += 1;
            lat.push(op.complete.unwrap_or(op.invoke) - op.invoke);
        }
        (Some(Outcome::Fail), None) => s.failed += 1,
        (Some(Outcome::Info), _) => s.unknown += 1,
    }
}

fn percentile(sorted: &[Time], p: usize) -> Option<Time> {
    if sorted.is_empty() {
        return None;
    }
    let rank = (p * sorted.len()).div_ceil(100).max(1) - 1;
    Some(sorted[rank.min(sorted.len() - 1)])
}

fn message_frame<P: Protocol>(id: u64, m: &Wire<P>) -> MessageFrame {
    let (kind, is_reply, detail) = super::journal::payload_info::<P>(&m.payload);
    MessageFrame {
        id,
        from: m.from.to_string(),
        to: m.to.to_string(),
        kind: kind.to_string(),
        is_reply,
        detail,
        sent: m.sent,
        deliver_at: m.deliver_at,
        lost_at: m.lost_at,
    }
}
