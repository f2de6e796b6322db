//! The explorer's world: the protocols' own state machines (the code the simulator runs and the
//! reader watches) over a nondeterministic network, as a [`Model`].
//!
//! ```text
//!   World = nodes (each: running state or crashed, its persisted copy, the set of armed timers)
//!         + messages in flight (a multiset: from, to, payload)
//!         + clients (the simulator's client state machine, its next operation, its armed retry
//!           and timeout) + the client history
//!         + partition (which server, with its clients, is cut off) + crash / partition budgets
//!         + the invariant checker's memory
//!
//!   successors: deliver any message in flight · drop one (with loss) · fire any armed timer ·
//!               a client invokes its next operation · a client's retry or timeout fires ·
//!               crash a running server / restart a crashed one (within the crash budget) ·
//!               cut one server off / heal (within the partition budget)
//! ```
//!
//! Why it is built this way:
//! * **Timers as a set, time as an over-approximation.** A world records *which* timers are
//!   armed, never when they fire: any armed timer may fire next, whatever its range. That allows
//!   every interleaving the timed simulator can produce and more (a heartbeat may fire twice before
//!   a message is delivered): a violation found here is a real schedule of the code, replayed by
//!   the simulator's explicit schedule (`src/sim/explicit.rs`), but its timing may be one that
//!   real clocks make unlikely. Each step advances the clock passed to the protocols by
//!   [`QUANTUM_MS`], longer than every timeout the protocols are configured with, so a guard such
//!   as "an election timeout has passed since the leader was heard from" sees every earlier step as
//!   long past; a lease (Raft's CheckQuorum / PreVote stickiness) therefore never holds across a
//!   step, which the explorer cannot show (an under-approximation, stated here). Two-phase commit
//!   is the exception: a participant notices it is blocked in the one tick after its decision
//!   timeout ran out, so its worlds step by one tick (25 ms) with the decision timeout set to one
//!   tick, and the clock is part of the fingerprint (see [`Setup::quantum`]).
//! * **Dedup by a fingerprint of the whole world.** Nodes are hashed whole (durable and volatile
//!   state); messages as a sorted list of per-message hashes (a multiset: the simulator's message
//!   ids are not part of the state); timers as their names; clients by what they will do next
//!   (not when they started); the history as the order of its invocations and completions with
//!   their values, not their times (linearizability depends only on that order); the checker's
//!   memory too, so a violation the checker detects from memory (a second leader in a term) is
//!   never pruned away. The clock itself is not hashed: with every guard comparing a stored time
//!   against a timeout shorter than a step (see above), worlds that differ only in the clock behave
//!   the same.
//! * **Properties.** After every step that touched a server, the protocol's own invariant
//!   checker (`check::<protocol>`, the one the simulator runs) is called exactly as the simulator
//!   calls it. When no client has an operation pending, the history is checked for
//!   linearizability (for the protocols that promise it: Raft, Paxos, Multi-Paxos). Dynamo's
//!   convergence is checked at rest: no operation pending or left, no message in flight; the
//!   world is then healed and run to quiescence deterministically (every timer fired, every
//!   message delivered, a few rounds) before `at_rest` judges it.
//! * **Symmetry** over server ids is not offered for these worlds: server ids live inside the
//!   protocols' states (votedFor, leader hints, per-peer progress, ballots ordered by id, the 2PC
//!   coordinator is n0, a ZAB election compares ids), so permuting servers is a symmetry only after
//!   rewriting every one of those fields, and for Paxos and ZAB (ids break ties) not even then.
//!   The TwoPhase model ([`super::twophase`]) is where symmetry reduction is sound and used.

use super::{fp_hasher, Broken, Fp, FpHasher, Model};
use crate::check::linearizability::{check_history, is_linearizable, register_ops, RegisterModel, Verdict};
use crate::core::history::Operation;
use crate::core::ops::{ClientOperation, ClientReply};
use crate::core::vecmap::VecMap;
use crate::protocol::{
    ClientId, InvariantChecker, Invariants, NodeId, Outbox, Output, Protocol, RequestId, Server, Time,
};
use crate::sim::client::{Client, ClientStep};
use crate::sim::scenario::Member;
use crate::sim::{History, Payload, Reply};

/// What travels on a link in a world of protocol `P`.
pub type Wire<P> = Payload<<P as Protocol>::Msg, <P as Protocol>::Op, Reply<P>>;
use std::hash::{Hash, Hasher};

/// Simulated milliseconds one explorer step takes: longer than every timeout in the default
/// configurations the explorer runs (the longest, ZAB's initLimit and Dynamo's suspicion, are 1 s),
/// so timing guards see earlier steps as long past; short enough that a replayed counterexample
/// can be watched (a step every half second at the element's 10×).
pub const QUANTUM_MS: Time = 5_000;

/// Search steps a linearizability check of one small history may take (a few operations: far
/// more than enough; `Unknown` would be reported, never taken as a pass).
const LIN_BUDGET: u64 = 1_000_000;

/// Rounds of "fire every timer, deliver every message" before Dynamo's convergence is judged.
const SETTLE_ROUNDS: u32 = 6;

/// The bounds of a world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Bounds {
    /// Servers.
    pub nodes: u32,
    /// Crashes allowed in all (each crashed server may restart).
    pub crashes: u32,
    /// Partition changes allowed in all (cutting a server off, healing).
    pub partitions: u32,
    /// May a message in flight be dropped?
    pub loss: bool,
    /// Timer firings allowed in all, node timers and client retries / timeouts alike
    /// (`u32::MAX`: no bound). Time passing is the costliest nondeterminism (every armed timer
    /// may fire at every step); bounding how often it passes is to timing what the crash budget
    /// is to faults, and like every bound it is printed with the result.
    pub timers: u32,
}

/// Everything a world is built from.
#[derive(Clone, Debug)]
pub struct Setup<P: Protocol> {
    /// The protocol's settings (unsafe switches included).
    pub config: P::Config,
    /// Servers and fault budgets.
    pub bounds: Bounds,
    /// Each client's node and the operations it invokes, in order.
    pub clients: Vec<(NodeId, Vec<P::Op>)>,
    /// Check linearizability of the history whenever no operation is pending.
    pub linearizable: bool,
    /// Check convergence at rest (Dynamo).
    pub converge: bool,
    /// Simulated ms one step takes ([`QUANTUM_MS`] unless a protocol's timing needs finer steps).
    pub quantum: Time,
    /// Hash the clock into the fingerprint: needed when a protocol compares the time against
    /// windows shorter than a step allows to ignore (2PC's tick-by-tick blocking detection), so
    /// that worlds at different times are never merged.
    pub hash_now: bool,
}

/// A message in flight.
#[derive(Clone, Debug)]
pub struct Envelope<W> {
    /// Sender.
    pub from: Member,
    /// Receiver.
    pub to: Member,
    /// Content.
    pub payload: W,
    /// Hash of (from, to, payload): the multiset's sort key and its contribution to the
    /// fingerprint.
    pub key: u64,
}

/// A message's identity in the multiset (also how a counterexample's message is found among the
/// simulator's messages in flight).
pub fn message_key<W: Hash>(from: Member, to: Member, payload: &W) -> u64 {
    let mut h = fp_hasher();
    (from, to, payload).hash(&mut h);
    h.finish()
}

/// A client in the world.
#[derive(Clone, Debug)]
pub struct ClientSlot<O> {
    /// The simulator's client state machine (redirects, retries, outcome).
    pub client: Client<O>,
    /// Operations invoked so far.
    pub invoked: u32,
    /// Armed retry: the request and attempt the retry is for.
    pub retry: Option<(RequestId, u32)>,
    /// Armed operation timeout: the request it is for.
    pub timeout: Option<RequestId>,
}

/// One state of the explored system.
#[derive(Clone, Debug)]
pub struct World<P: Protocol + Invariants> {
    /// Servers: running state or crashed with its durable copy (what the checkers read).
    pub nodes: Vec<Server<P>>,
    /// Each server's armed timers (which, not when).
    pub timers: Vec<VecMap<P::Timer, ()>>,
    /// Messages in flight, sorted by key.
    pub msgs: Vec<Envelope<Wire<P>>>,
    /// Clients.
    pub clients: Vec<ClientSlot<P::Op>>,
    /// The client history (times are step numbers × [`QUANTUM_MS`]).
    pub history: Vec<History<P>>,
    /// The server cut off (with its clients), if any.
    pub isolated: Option<NodeId>,
    /// Crashes so far.
    pub crashes: u32,
    /// Partition changes so far.
    pub partitions: u32,
    /// Timer firings so far.
    pub fired: u32,
    /// The invariant checker's memory.
    pub checker: P::Checker,
    /// The clock the protocols see.
    pub now: Time,
    /// The property this world violates, found by the step that made it.
    pub broken: Option<Broken>,
}

/// One atomic step of a world.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step<T> {
    /// Deliver the message at this index of `msgs`.
    Deliver(usize),
    /// Drop it (with loss).
    Drop(usize),
    /// Fire a server's armed timer.
    Fire(NodeId, T),
    /// A client invokes its next operation.
    Invoke(ClientId),
    /// A client's retry timer fires (it re-sends its request).
    Retry(ClientId),
    /// A client's operation timeout fires (a write's outcome becomes unknown).
    GiveUp(ClientId),
    /// A server crashes.
    Crash(NodeId),
    /// A crashed server restarts from its durable state.
    Restart(NodeId),
    /// Cut a server (and the clients attached to it) off from the rest.
    Isolate(NodeId),
    /// Heal the partition.
    Heal,
}

/// A protocol's bounded world, explorable.
pub struct WorldModel<P: Protocol> {
    /// What it is built from.
    pub setup: Setup<P>,
}

impl<P> WorldModel<P>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
{
    /// A model of `setup`.
    pub fn new(setup: Setup<P>) -> Self {
        WorldModel { setup }
    }

    fn side(&self, w: &World<P>, m: Member) -> bool {
        let Some(i) = w.isolated else { return false };
        match m {
            Member::Node(n) => n == i,
            Member::Client(c) => w.clients.get(c as usize).is_some_and(|s| s.client.node == i),
        }
    }

    fn connected(&self, w: &World<P>, a: Member, b: Member) -> bool {
        self.side(w, a) == self.side(w, b)
    }

    fn send(&self, w: &mut World<P>, from: Member, to: Member, payload: Wire<P>) {
        if !self.connected(w, from, to) {
            return; // lost on a cut link, as in the simulator
        }
        let key = message_key(from, to, &payload);
        let at = w.msgs.partition_point(|m| m.key <= key);
        w.msgs.insert(at, Envelope { from, to, payload, key });
    }

    /// Carry out what node `id` left in the outbox (the simulator's `flush`).
    fn flush(&self, w: &mut World<P>, id: NodeId, out: &mut Outbox<P>) {
        let outputs: Vec<Output<P>> = out.drain().collect();
        for o in outputs {
            match o {
                Output::Send { to, msg } => self.send(w, Member::Node(id), Member::Node(to), Payload::Peer(msg)),
                Output::SetTimer { timer, .. } => {
                    w.timers[id as usize].insert(timer, ());
                }
                Output::CancelTimer { timer } => {
                    w.timers[id as usize].remove(&timer);
                }
                // The persisted copy a crash restarts from, as in the simulator's `flush`.
                Output::Persist(durable) => w.nodes[id as usize].durable = Some(durable),
                Output::Notice(_) => {}
                Output::Reply { client, request, result } => {
                    if (client as usize) < w.clients.len() {
                        self.send(w, Member::Node(id), Member::Client(client), Payload::Response { request, result });
                    }
                }
            }
        }
    }

    fn check_node(&self, w: &mut World<P>, id: NodeId) {
        if w.broken.is_some() {
            return;
        }
        let found = w.checker.check(w.now, id, &w.nodes);
        if let Some((invariant, detail)) = found.into_iter().next() {
            w.broken = Some(Broken { invariant, detail });
        }
    }

    fn client_step(&self, w: &mut World<P>, c: ClientId, step: ClientStep<P::Op>) {
        match step {
            ClientStep::Nothing => {}
            ClientStep::Send { to, request, op, attempt } => {
                self.send(w, Member::Client(c), Member::Node(to), Payload::Request { request, op });
                w.clients[c as usize].retry = Some((request, attempt));
            }
            ClientStep::RetryLater { request, attempt } => w.clients[c as usize].retry = Some((request, attempt)),
            ClientStep::Done { history_index, outcome, result, node } => {
                if let Some(op) = w.history.get_mut(history_index as usize) {
                    op.complete = Some(w.now);
                    op.outcome = Some(outcome);
                    op.result = result;
                    op.node = node;
                }
                let slot = &mut w.clients[c as usize];
                slot.retry = None;
                slot.timeout = None;
                self.check_history(w);
            }
        }
    }

    /// No operation pending: is the history linearizable?
    fn check_history(&self, w: &mut World<P>) {
        if !self.setup.linearizable || w.broken.is_some() || w.clients.iter().any(|c| c.client.busy()) {
            return;
        }
        // The register checkers read the register projection of the history.
        let history: Vec<Operation> = w.history.iter().filter_map(Operation::project).collect();
        match is_linearizable(&RegisterModel::NIL, register_ops(&history), LIN_BUDGET) {
            Some(true) => {}
            found => {
                let detail = match check_history(&history, LIN_BUDGET).verdict {
                    Verdict::NotLinearizable { witness } => witness.sentence,
                    _ if found.is_none() => "the linearizability search ran out of its budget".into(),
                    _ => "no order of the operations explains their results".into(),
                };
                w.broken = Some(Broken { invariant: "Linearizability".into(), detail });
            }
        }
    }

    fn invoke(&self, w: &mut World<P>, c: ClientId) {
        let slot = &w.clients[c as usize];
        let op = self.setup.clients[c as usize].1[slot.invoked as usize].clone();
        let id = w.history.len() as u64;
        let node = slot.client.node;
        w.history.push(Operation {
            id,
            client: c,
            op: op.clone(),
            invoke: w.now,
            complete: None,
            outcome: None,
            result: None,
            node,
        });
        let now = w.now;
        let slot = &mut w.clients[c as usize];
        slot.invoked += 1;
        let (request, step) = slot.client.invoke(op, id, now);
        slot.timeout = Some(request);
        self.client_step(w, c, step);
    }

    fn deliver(&self, w: &mut World<P>, i: usize) {
        let m = w.msgs.remove(i);
        match (m.to, m.from, m.payload) {
            (Member::Node(n), from, payload) => {
                let now = w.now;
                let mut out = Outbox::new();
                let Some(node) = w.nodes[n as usize].node.as_mut() else { return };
                match (from, payload) {
                    (Member::Node(f), Payload::Peer(msg)) => node.on_message(now, f, msg, &mut out),
                    (Member::Client(c), Payload::Request { request, op }) => {
                        node.on_client(now, c, request, op, &mut out)
                    }
                    _ => return,
                }
                self.flush(w, n, &mut out);
                self.check_node(w, n);
            }
            (Member::Client(c), Member::Node(f), Payload::Response { request, result }) => {
                let now = w.now;
                let client = &mut w.clients[c as usize].client;
                client.set_now(now);
                let step = client.on_response(request, f, result);
                self.client_step(w, c, step);
            }
            _ => {}
        }
    }

    fn crash(&self, w: &mut World<P>, n: NodeId) {
        let slot = &mut w.nodes[n as usize];
        // A power cut: the last persisted copy stays, unpersisted changes are lost.
        if slot.node.take().is_some() {
            w.timers[n as usize].clear();
            w.checker.on_crash(n);
            w.crashes += 1;
        }
    }

    fn restart(&self, w: &mut World<P>, n: NodeId) {
        let mut out = Outbox::new();
        let durable = w.nodes[n as usize].durable.clone();
        let node = P::start(n, self.setup.bounds.nodes, &self.setup.config, durable, w.now, &mut out);
        w.nodes[n as usize].node = Some(node);
        w.checker.on_restart(n);
        self.flush(w, n, &mut out);
        self.check_node(w, n);
    }

    fn isolate(&self, w: &mut World<P>, n: NodeId) {
        w.isolated = Some(n);
        w.partitions += 1;
        // Messages in flight across the new cut are lost (as in the simulator).
        let keep: Vec<bool> = w.msgs.iter().map(|m| self.connected(w, m.from, m.to)).collect();
        let mut k = keep.iter();
        w.msgs.retain(|_| *k.next().expect("one flag per message"));
    }

    /// Heal, then run to quiescence (every timer fired, every message delivered, a few rounds),
    /// then Dynamo's convergence check.
    fn settle(&self, w: &World<P>) -> Option<Broken> {
        let mut w = w.clone();
        w.isolated = None;
        for _ in 0..SETTLE_ROUNDS {
            for n in 0..w.nodes.len() as NodeId {
                let timers: Vec<P::Timer> = w.timers[n as usize].keys().cloned().collect();
                for t in timers {
                    self.fire(&mut w, n, t);
                }
            }
            let mut budget = 10_000;
            while !w.msgs.is_empty() && budget > 0 {
                budget -= 1;
                self.deliver(&mut w, 0);
            }
        }
        let found = w.checker.at_rest(w.now, &w.nodes);
        found.into_iter().next().map(|(invariant, detail)| Broken { invariant, detail })
    }

    fn fire(&self, w: &mut World<P>, n: NodeId, timer: P::Timer) {
        if w.timers[n as usize].remove(&timer).is_none() {
            return;
        }
        let now = w.now;
        let mut out = Outbox::new();
        let Some(node) = w.nodes[n as usize].node.as_mut() else { return };
        node.on_timer(now, timer, &mut out);
        self.flush(w, n, &mut out);
        self.check_node(w, n);
    }

    /// The operation client `c` invokes next, if any.
    pub fn next_op(&self, w: &World<P>, c: ClientId) -> Option<P::Op> {
        self.setup.clients.get(c as usize)?.1.get(w.clients[c as usize].invoked as usize).cloned()
    }

    /// A deterministic estimate of the bytes one stored world holds (its struct, the nodes'
    /// growing state, messages, history).
    pub fn approx_bytes(&self, w: &World<P>) -> usize {
        std::mem::size_of::<World<P>>()
            + w.nodes.len() * (std::mem::size_of::<Server<P>>() + 64)
            + w.nodes.iter().filter_map(|s| s.node.as_ref()).map(P::approx_bytes).sum::<usize>()
            + w.msgs.len() * (std::mem::size_of::<Envelope<Wire<P>>>() + 32)
            + w.clients.len() * std::mem::size_of::<ClientSlot<P::Op>>()
            + w.history.len() * (std::mem::size_of::<History<P>>() + 16)
    }
}

impl<P> Model for WorldModel<P>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
{
    type State = World<P>;
    type Action = Step<P::Timer>;

    fn init_states(&self) -> Vec<World<P>> {
        let mut w = World {
            nodes: Vec::new(),
            timers: Vec::new(),
            msgs: Vec::new(),
            clients: self
                .setup
                .clients
                .iter()
                .enumerate()
                .map(|(i, (node, _))| ClientSlot {
                    client: Client::new(i as ClientId, *node, 1_000),
                    invoked: 0,
                    retry: None,
                    timeout: None,
                })
                .collect(),
            history: Vec::new(),
            isolated: None,
            crashes: 0,
            partitions: 0,
            fired: 0,
            checker: P::Checker::default(),
            now: 0,
            broken: None,
        };
        let n = self.setup.bounds.nodes;
        for id in 0..n {
            w.nodes.push(Server { node: None, durable: None });
            w.timers.push(VecMap::new());
            let mut out = Outbox::new();
            let node = P::start(id, n, &self.setup.config, None, 0, &mut out);
            w.nodes[id as usize].node = Some(node);
            self.flush(&mut w, id, &mut out);
        }
        vec![w]
    }

    fn actions(&self, w: &World<P>, out: &mut Vec<Step<P::Timer>>) {
        if w.broken.is_some() {
            return;
        }
        let b = &self.setup.bounds;
        // Messages: one action per distinct message (copies are interchangeable). A message to a
        // crashed server waits (it may be delivered after a restart).
        for (i, m) in w.msgs.iter().enumerate() {
            if i > 0 && w.msgs[i - 1].key == m.key {
                continue;
            }
            let alive = match m.to {
                Member::Node(n) => w.nodes[n as usize].node.is_some(),
                Member::Client(_) => true,
            };
            if alive {
                out.push(Step::Deliver(i));
            }
            if b.loss {
                out.push(Step::Drop(i));
            }
        }
        let time_left = w.fired < b.timers;
        for (n, slot) in w.nodes.iter().enumerate() {
            if slot.node.is_some() && time_left {
                for t in w.timers[n].keys() {
                    out.push(Step::Fire(n as NodeId, t.clone()));
                }
            }
        }
        for (c, slot) in w.clients.iter().enumerate() {
            let c = c as ClientId;
            if !slot.client.busy() && (slot.invoked as usize) < self.setup.clients[c as usize].1.len() {
                out.push(Step::Invoke(c));
            }
            if slot.client.busy() && time_left {
                if slot.retry.is_some() {
                    out.push(Step::Retry(c));
                }
                if slot.timeout.is_some() {
                    out.push(Step::GiveUp(c));
                }
            }
        }
        for (n, slot) in w.nodes.iter().enumerate() {
            let n = n as NodeId;
            match slot.node {
                Some(_) if w.crashes < b.crashes => out.push(Step::Crash(n)),
                None => out.push(Step::Restart(n)),
                _ => {}
            }
        }
        if w.partitions < b.partitions {
            match w.isolated {
                None => (0..b.nodes).for_each(|n| out.push(Step::Isolate(n))),
                Some(_) => out.push(Step::Heal),
            }
        }
    }

    fn next_state(&self, s: &World<P>, a: &Step<P::Timer>) -> Option<World<P>> {
        let mut w = s.clone();
        w.now = s.now + self.setup.quantum;
        if matches!(a, Step::Fire(..) | Step::Retry(_) | Step::GiveUp(_)) {
            w.fired += 1;
        }
        match a {
            Step::Deliver(i) => self.deliver(&mut w, *i),
            Step::Drop(i) => {
                w.msgs.remove(*i);
            }
            Step::Fire(n, t) => self.fire(&mut w, *n, t.clone()),
            Step::Invoke(c) => self.invoke(&mut w, *c),
            Step::Retry(c) => {
                let (request, attempt) = w.clients[*c as usize].retry.take()?;
                let step = w.clients[*c as usize].client.retry(request, attempt);
                self.client_step(&mut w, *c, step);
            }
            Step::GiveUp(c) => {
                let request = w.clients[*c as usize].timeout.take()?;
                let now = w.now;
                let client = &mut w.clients[*c as usize].client;
                client.set_now(now);
                if let Some(step) = client.on_timeout(request) {
                    self.client_step(&mut w, *c, step);
                }
            }
            Step::Crash(n) => self.crash(&mut w, *n),
            Step::Restart(n) => self.restart(&mut w, *n),
            Step::Isolate(n) => self.isolate(&mut w, *n),
            Step::Heal => {
                w.isolated = None;
                w.partitions += 1;
            }
        }
        if self.setup.converge && w.broken.is_none() && w.msgs.is_empty() && self.at_rest(&w) {
            w.broken = self.settle(&w);
        }
        Some(w)
    }

    fn fingerprint(&self, w: &World<P>, _symmetry: bool) -> Fp {
        let mut h: FpHasher = fp_hasher();
        for (slot, timers) in w.nodes.iter().zip(&w.timers) {
            slot.node.hash(&mut h);
            slot.durable.hash(&mut h);
            for t in timers.keys() {
                t.hash(&mut h);
            }
            0xffu8.hash(&mut h);
        }
        w.msgs.len().hash(&mut h);
        for m in &w.msgs {
            m.key.hash(&mut h);
        }
        for c in &w.clients {
            (c.client.node, &c.client.current, c.invoked, c.retry, c.timeout).hash(&mut h);
        }
        // The history as the order of its events and their values, not their times.
        let mut events: Vec<(Time, u8, u64)> = Vec::with_capacity(w.history.len() * 2);
        for op in &w.history {
            (op.client, &op.op, op.outcome, &op.result).hash(&mut h);
            events.push((op.invoke, 0, op.id));
            if let Some(t) = op.complete {
                events.push((t, 1, op.id));
            }
        }
        events.sort_unstable();
        for (_, kind, id) in &events {
            (kind, id).hash(&mut h);
        }
        (w.isolated, w.crashes, w.partitions, w.fired).hash(&mut h);
        w.checker.hash(&mut h);
        w.broken.is_some().hash(&mut h);
        if self.setup.hash_now {
            w.now.hash(&mut h);
        }
        h.digest128()
    }

    fn check(&self, w: &World<P>) -> Option<Broken> {
        w.broken.clone()
    }

    fn label(&self, w: &World<P>, a: &Step<P::Timer>) -> String {
        self.describe(w, a)
    }

    fn spontaneous(&self, a: &Step<P::Timer>) -> bool {
        !matches!(a, Step::Deliver(_) | Step::Drop(_))
    }
}

impl<P> WorldModel<P>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
{
    /// Every client has invoked all its operations and none is pending.
    fn at_rest(&self, w: &World<P>) -> bool {
        w.clients
            .iter()
            .enumerate()
            .all(|(c, s)| !s.client.busy() && s.invoked as usize == self.setup.clients[c].1.len())
            && !w.history.is_empty()
    }

    /// One line for a step taken from world `w`, e.g. `deliver n0 → n1 RequestVote (term 2 …)`.
    pub fn describe(&self, w: &World<P>, a: &Step<P::Timer>) -> String {
        let msg = |i: &usize| {
            let m = &w.msgs[*i];
            let what = match &m.payload {
                Payload::Peer(p) => {
                    let info = P::msg_info(p);
                    format!("{} ({})", info.kind, info.detail)
                }
                Payload::Request { op, .. } => format!("request {}", op.label()),
                Payload::Response { result, .. } => format!("reply {}", result.label()),
            };
            format!("{} → {} {what}", m.from, m.to)
        };
        match a {
            Step::Deliver(i) => format!("deliver {}", msg(i)),
            Step::Drop(i) => format!("drop {}", msg(i)),
            Step::Fire(n, t) => format!("n{n}'s {t:?} timer fires"),
            Step::Invoke(c) => {
                format!("c{c} invokes {}", self.next_op(w, *c).map(|o| o.label()).unwrap_or_default())
            }
            Step::Retry(c) => format!("c{c} retries"),
            Step::GiveUp(c) => format!("c{c}'s operation times out"),
            Step::Crash(n) => format!("n{n} crashes"),
            Step::Restart(n) => format!("n{n} restarts"),
            Step::Isolate(n) => format!("n{n} is cut off"),
            Step::Heal => "the partition heals".into(),
        }
    }
}
