//! The deterministic world: one seeded PRNG, simulated time, an event queue ordered by
//! `(time, sequence)`, a network of nodes *and clients* with latency, loss, duplication,
//! partitions and one-way cuts, crashes and restarts, clients with timeouts and Jepsen-style
//! histories, and the invariant checks run after every event.
//!
//! Stable storage is modelled per node: a handler's `Persist(durable)` (the node's durable fields
//! at the point it asked) becomes its [`Server::durable`] before any later message of that outbox
//! leaves. A crash is a power cut: the running state is dropped, and a restart starts from the
//! last persisted copy — whatever changed since is lost.
//!
//! Everything nondeterministic lives here (as in FoundationDB's simulation and madsim): the
//! protocols ask for randomness as ranges and never see a clock. Ordered maps are used wherever
//! iteration order could leak into behaviour, so a scenario and seed give the same trace —
//! and the same [`Sim::trace_hash`] — natively and in wasm.

pub mod client;
#[cfg(feature = "raft")]
pub mod elections;
pub mod explicit;
pub mod frame;
pub mod journal;
pub mod observer;
pub mod queue;
pub mod scenario;
pub mod sweep;

use crate::core::history::{Operation, Outcome};
use crate::core::idmap::IdMap;
use crate::core::vecmap::VecMap;
use crate::protocol::{
    ClientId, ClientOp, ClientOperation, InvariantChecker, Invariants, NodeId, Notice, NoticeKind, Outbox, Output,
    Protocol, RequestId, ResultOf, Server, Time,
};
use client::{Client, ClientStep};
use observer::Observer;
use queue::EventQueue;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;
use scenario::{Action, Member, Scenario};
use std::collections::VecDeque;
use std::hash::{Hash, Hasher};

/// The trace hash, identical natively and in wasm (`core::tracehash`).
pub type TraceHasher = crate::core::tracehash::TraceHash;

/// What travels on a link: `M` the protocol's messages, `O` its client operations, `R` their
/// answers.
#[derive(Clone, Debug, Hash)]
pub enum Payload<M, O, R> {
    /// A protocol message between servers.
    Peer(M),
    /// A client's request to a server.
    Request { request: RequestId, op: O },
    /// A server's answer to a client.
    Response { request: RequestId, result: R },
}

/// A protocol's messages on the wire.
pub type Wire<P> = InFlight<<P as Protocol>::Msg, <P as Protocol>::Op, Reply<P>>;
/// A protocol's answers to its clients.
pub type Reply<P> = ResultOf<<P as Protocol>::Op>;
/// A protocol's client history.
pub type History<P> = Operation<<P as Protocol>::Op, Reply<P>>;

/// A message on the wire, kept until delivered (or, when lost, until it fades out).
#[derive(Clone, Debug)]
pub struct InFlight<M, O, R> {
    /// Sender.
    pub from: Member,
    /// Receiver.
    pub to: Member,
    /// Content.
    pub payload: Payload<M, O, R>,
    /// Send time.
    pub sent: Time,
    /// Delivery time.
    pub deliver_at: Time,
    /// When it was lost (cut link, crash, random drop), if it was.
    pub lost_at: Option<Time>,
    /// An echo of the network's duplication: a copy it made, or a message a node sent while
    /// handling one. Echoes are never duplicated again, so duplication cannot feed on itself
    /// (see [`Sim::send`]).
    pub echo: bool,
}

#[derive(Clone, Debug, PartialEq, Eq)]
enum Event<T> {
    Deliver(u64),
    Timer { node: NodeId, timer: T, generation: u64 },
    ClientTimeout { client: ClientId, request: RequestId },
    ClientRetry { client: ClientId, request: RequestId, attempt: u32 },
    ClientNext { client: ClientId },
    Step(usize),
}

/// An armed timer: when it was set and when it fires.
#[derive(Clone, Debug)]
pub struct ArmedTimer {
    generation: u64,
    /// Time it was armed.
    pub set_at: Time,
    /// Time it fires.
    pub fires_at: Time,
}

/// The world's own bookkeeping for one server, beside the [`Server`] the checkers read.
#[derive(Clone, Debug)]
pub struct Slot<T> {
    /// Armed timers.
    pub timers: VecMap<T, ArmedTimer>,
    /// How many times this node restarted.
    pub restarts: u32,
    /// While it is crashed: its running state as drawn at the crash. Where its durable fields
    /// differ from the persisted copy (the crashed node's view), the crash lost a change that was
    /// not yet on disk.
    pub at_crash: Option<crate::protocol::NodeView<crate::protocol::Erased>>,
    /// While it is crashed: the node's own size estimate at the crash, standing in for what its
    /// persisted copy and `at_crash` hold (see [`Sim::approx_bytes`]).
    pub crashed_bytes: usize,
}

/// The network: partition groups, one-way cuts and one-shot faults.
#[derive(Clone, Debug, Default)]
pub struct Network {
    /// Group of each member that is not in group 0.
    pub groups: VecMap<Member, u32>,
    /// When the partition last changed (partition, heal or cut).
    pub changed_at: Time,
    /// Directed cut links.
    pub cuts: VecMap<(Member, Member), ()>,
    drop_next: VecMap<(Member, Member), ()>,
    duplicate_next: VecMap<(Member, Member), ()>,
}

impl Network {
    /// The side (partition group) a member is on; 0 when unpartitioned.
    pub fn group(&self, m: Member) -> u32 {
        self.groups.get(&m).copied().unwrap_or(0)
    }
    /// Can a message go from `a` to `b` right now?
    pub fn connected(&self, a: Member, b: Member) -> bool {
        self.group(a) == self.group(b) && !self.cuts.contains_key(&(a, b))
    }
}

/// A safety violation found by an invariant check.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Violation {
    /// Simulated time it was detected.
    pub at: Time,
    /// Which invariant, e.g. `Election Safety`.
    pub invariant: String,
    /// What was seen.
    pub detail: String,
}

/// Counters shown on the scoreboard and printed by the CLI.
#[derive(Clone, Debug, Default, serde::Serialize)]
pub struct Counters {
    /// Messages sent, by kind.
    pub sent: VecMap<&'static str, u64>,
    /// Messages delivered.
    pub delivered: u64,
    /// Messages lost (random drop, cut link, crashed receiver).
    pub lost: u64,
    /// Messages duplicated.
    pub duplicated: u64,
    /// Events processed.
    pub events: u64,
}

impl Counters {
    /// One more message of `kind` sent. The kinds are a handful of `'static` names, mostly the
    /// same string each time: found by address first (no string comparison, which wasm does a
    /// byte at a time), by name otherwise.
    #[inline]
    fn count_sent(&mut self, kind: &'static str) {
        let same = |k: &&str| std::ptr::eq(k.as_ptr(), kind.as_ptr()) && k.len() == kind.len();
        if let Some((_, n)) = self.sent.iter_mut().find(|(k, _)| same(k)) {
            *n += 1;
            return;
        }
        *self.sent.get_or_insert_with(kind, || 0) += 1;
    }
}

/// A semantic event with its time and node, for the timeline and the CLI.
#[derive(Clone, Debug, serde::Serialize)]
pub struct TimedNotice {
    /// Sequence number (unique, increasing), so a renderer shows each notice once.
    pub seq: u64,
    /// When.
    pub at: Time,
    /// Which node.
    pub node: NodeId,
    /// What.
    #[serde(flatten)]
    pub notice: Notice,
}

/// How many notices are kept for the UI.
const NOTICE_WINDOW: usize = 200;
/// How long a lost message keeps fading on screen (ms of simulated time, at least).
const LOST_FADE_MS: Time = 200;
/// When a message lost at `lost_at` and due at `deliver_at` has finished fading on screen and
/// is forgotten: at least [`LOST_FADE_MS`] after the loss, at most twice that.
fn faded_at(lost_at: Time, deliver_at: Time) -> Time {
    (lost_at.saturating_add(LOST_FADE_MS)).max(deliver_at.min(lost_at.saturating_add(2 * LOST_FADE_MS)))
}

/// Pause before a client retries after "no leader known".
const RETRY_MS: Time = 100;

/// The simulated world for one protocol `P`, read as it runs by observer `O` (none by default).
/// `Clone` copies the whole world: a time-travel checkpoint (see `crate::travel`).
#[derive(Clone)]
pub struct Sim<P: Protocol + Invariants, O: Observer = ()> {
    scenario: Scenario,
    config: P::Config,
    now: Time,
    seq: u64,
    queue: EventQueue<Event<P::Timer>>,
    rng: Pcg64Mcg,
    /// Servers, as the invariant checkers read them.
    pub nodes: Vec<Server<P>>,
    /// Timers and restart counts, by server.
    slots: Vec<Slot<P::Timer>>,
    /// Messages on the wire, by id (delivered ones leave holes: see [`IdMap`]).
    in_flight: IdMap<Wire<P>>,
    next_msg: u64,
    /// Partitions and cuts.
    pub net: Network,
    clients: Vec<Client<P::Op>>,
    history: Vec<History<P>>,
    history_dropped: u64,
    notices: VecDeque<TimedNotice>,
    notice_seq: u64,
    counters: Counters,
    trace: TraceHasher,
    checker: P::Checker,
    violations: Vec<Violation>,
    observer: O,
    outbox: Outbox<P>,
    /// [`Sim::flush`]'s buffer, kept between calls (one allocation per run, not per event).
    outputs: Vec<Output<P>>,
    /// Set by [`Sim::settle`]: the workload draws no more operations.
    quiet: bool,
    /// What happened, for the space-time diagram (off unless asked for; see [`journal`]).
    journal: journal::Journal,
    /// `"schedule": "explicit"`: the deliveries and timers held for the steps (see [`explicit`]).
    held: Option<explicit::Held>,
    /// The earliest time a lost message in `in_flight` finishes fading (`Time::MAX` when none
    /// is lost): the event loop releases lost messages as time passes, so a long `run_until`
    /// holds only those lost in the last few hundred ms, not every one lost since it started.
    lost_due: Time,
    /// True while a node's sends answer an echo (see [`InFlight::echo`]).
    echoing: bool,
}

impl<P: Protocol + Invariants, O: Observer + Default> Sim<P, O> {
    /// Build the world described by `scenario` with the parsed protocol `config`.
    pub fn new(scenario: Scenario, config: P::Config) -> Self {
        Self::observed(scenario, config, O::default())
    }
}

impl<P: Protocol + Invariants, O: Observer> Sim<P, O> {
    /// Build the world a validated scenario describes, read by `observer`: its `config` parsed
    /// and checked by the protocol, its client operations by the protocol's vocabulary, its
    /// workload's own-operation weight against what the vocabulary has. The error says what is
    /// wrong and what is accepted.
    pub fn from_scenario(scenario: Scenario, observer: O) -> Result<Self, String> {
        let mut config: P::Config = match &scenario.config {
            Some(raw) if raw.get() != "null" => {
                serde_json::from_str(raw.get()).map_err(|e| format!("invalid config: {e}"))?
            }
            _ => P::Config::default(),
        };
        P::prepare_config(&mut config, scenario.nodes, scenario.seed)?;
        if let Some(w) = &scenario.workload {
            if w.transfer > 0 && <P::Op as ClientOperation>::OWN.is_none() {
                return Err(format!(
                    "workload.transfer: {} has no operation of its own to draw (it takes {})",
                    P::NAME,
                    <P::Op as ClientOperation>::NAMES.join(", ")
                ));
            }
        }
        // Every step's payload is checked now, not when it fires: a `configure` step goes
        // through the protocol's own validation and, in step order, through `reconfigure` on a
        // probe node (which refuses what may not change mid-run), so a malformed scenario is
        // refused at load like any other.
        let mut probe: Option<P> = None;
        for (i, step) in scenario.steps.iter().enumerate() {
            let at = |e: String| format!("steps[{i}] (at {} ms): {e}", step.at);
            match &step.action {
                Action::Client { op, .. } => {
                    P::Op::from_json(op.get()).map_err(at)?;
                }
                Action::Configure { config: text } => {
                    let mut next: P::Config = serde_json::from_str(text.0.get())
                        .map_err(|e| at(format!("configure: invalid config: {e}")))?;
                    P::prepare_config(&mut next, scenario.nodes, scenario.seed)
                        .map_err(|e| at(format!("configure: {e}")))?;
                    let node =
                        probe.get_or_insert_with(|| P::start(0, scenario.nodes, &config, None, 0, &mut Outbox::new()));
                    node.reconfigure(step.at, &next, &mut Outbox::new()).map_err(|e| at(format!("configure: {e}")))?;
                }
                _ => {}
            }
        }
        Ok(Self::observed(scenario, config, observer))
    }

    /// Build the world described by `scenario` with the parsed protocol `config`, read by
    /// `observer`.
    pub fn observed(scenario: Scenario, config: P::Config, observer: O) -> Self {
        let mut sim = Sim {
            rng: Pcg64Mcg::seed_from_u64(scenario.seed),
            config,
            now: 0,
            seq: 0,
            queue: EventQueue::new(),
            nodes: Vec::new(),
            slots: Vec::new(),
            in_flight: IdMap::new(),
            next_msg: 0,
            net: Network::default(),
            clients: scenario
                .clients
                .iter()
                .enumerate()
                .map(|(i, c)| Client::new(i as ClientId, c.node, c.timeout_ms))
                .collect(),
            history: Vec::new(),
            history_dropped: 0,
            notices: VecDeque::new(),
            notice_seq: 0,
            counters: Counters::default(),
            trace: TraceHasher::default(),
            checker: P::Checker::default(),
            violations: Vec::new(),
            observer,
            outbox: Outbox::new(),
            outputs: Vec::new(),
            quiet: false,
            journal: journal::Journal::default(),
            held: explicit::Held::for_scenario(&scenario),
            lost_due: Time::MAX,
            echoing: false,
            scenario,
        };
        for i in 0..sim.scenario.steps.len() {
            let at = sim.scenario.steps[i].at;
            sim.schedule(at, Event::Step(i));
        }
        if let Some(w) = sim.scenario.workload.clone() {
            for c in 0..sim.clients.len() as ClientId {
                sim.schedule(w.start_ms, Event::ClientNext { client: c });
            }
        }
        for id in 0..sim.scenario.nodes {
            sim.nodes.push(Server { node: None, durable: None });
            sim.slots.push(Slot { timers: VecMap::new(), restarts: 0, at_crash: None, crashed_bytes: 0 });
            let node = P::start(id, sim.scenario.nodes, &sim.config, None, 0, &mut sim.outbox);
            sim.nodes[id as usize].node = Some(node);
            sim.flush(id);
        }
        sim
    }

    /// The scenario this world runs.
    pub fn scenario(&self) -> &Scenario {
        &self.scenario
    }
    /// Current simulated time (ms).
    pub fn now(&self) -> Time {
        self.now
    }
    /// Hash of every event processed so far: equal hashes mean identical runs.
    pub fn trace_hash(&self) -> u64 {
        self.trace.finish()
    }
    /// Invariant violations found so far.
    pub fn violations(&self) -> &[Violation] {
        &self.violations
    }
    /// The client history (the most recent `history_limit` operations).
    pub fn history(&self) -> &[History<P>] {
        &self.history
    }
    /// Operations dropped from the front of the history to bound memory.
    pub fn history_dropped(&self) -> u64 {
        self.history_dropped
    }
    /// Recent semantic events.
    pub fn notices(&self) -> &VecDeque<TimedNotice> {
        &self.notices
    }
    /// Message and event counters.
    pub fn counters(&self) -> &Counters {
        &self.counters
    }
    /// A deterministic estimate of the bytes a copy of this world holds (time travel budgets its
    /// checkpoints with it): what grows with a run is the client history, the live checker's copy
    /// of it and the protocol's own logs ([`Protocol::approx_bytes`]). Calibrated against a counting allocator on a 64-bit host (examples/memprobe.rs).
    pub fn approx_bytes(&self) -> usize {
        const BASE: usize = 64 * 1024;
        const PER_OP: usize = 130;
        const PER_MESSAGE: usize = 256;
        // Each server's stable storage is a second copy of its durable fields (a log, a history,
        // slots: what grows): counted as the node's own estimate again, an upper bound that needs
        // no size function per protocol. A crashed server holds its persisted copy and the state
        // drawn at its crash, estimated from its size when it crashed.
        let nodes: usize = self
            .nodes
            .iter()
            .zip(&self.slots)
            .map(|(s, slot)| match &s.node {
                Some(node) => node.approx_bytes() * if s.durable.is_some() { 2 } else { 1 },
                None => slot.crashed_bytes * 2,
            })
            .sum();
        BASE + self.history.len() * PER_OP + self.observer.approx_bytes() + self.in_flight.len() * PER_MESSAGE + nodes
    }
    /// The observer reading this run (e.g. the live consistency column).
    pub fn observer(&self) -> &O {
        &self.observer
    }
    /// The observer, to drive it (e.g. one frame's allowance of live checking).
    pub fn observer_mut(&mut self) -> &mut O {
        &mut self.observer
    }
    /// Messages in flight (and lost ones still fading).
    pub fn in_flight(&self) -> &IdMap<Wire<P>> {
        &self.in_flight
    }
    /// Clients.
    pub fn clients(&self) -> &[Client<P::Op>] {
        &self.clients
    }
    /// Live node `id`, if running.
    pub fn node(&self, id: NodeId) -> Option<&P> {
        self.nodes.get(id as usize).and_then(|s| s.node.as_ref())
    }
    /// Time of the next pending event, if any.
    pub fn next_event_time(&self) -> Option<Time> {
        self.queue.peek_time()
    }

    fn schedule(&mut self, time: Time, event: Event<P::Timer>) {
        // An explicit schedule holds deliveries and timers until a step releases them.
        if let Some(held) = self.held.as_mut() {
            if !held.hold(&event) {
                return;
            }
        }
        self.seq += 1;
        self.queue.push(time, self.seq, event);
    }

    fn hash_event(&mut self, tag: u8, a: u64, b: u64) {
        self.now.hash(&mut self.trace);
        tag.hash(&mut self.trace);
        a.hash(&mut self.trace);
        b.hash(&mut self.trace);
    }

    /// Process the next event; false when none is left.
    pub fn step(&mut self) -> bool {
        self.step_due(Time::MAX)
    }

    /// Process the next event if it is due at or before `limit`; false when none is.
    fn step_due(&mut self, limit: Time) -> bool {
        let Some((time, event)) = self.queue.pop_due(limit) else {
            return false;
        };
        self.now = self.now.max(time);
        if self.now >= self.lost_due {
            self.expire_lost();
        }
        self.counters.events += 1;
        self.run_event(event);
        true
    }

    /// Carry out one event now, then check the invariants at the node it touched.
    fn run_event(&mut self, event: Event<P::Timer>) {
        let touched = match event {
            Event::Deliver(id) => self.deliver(id),
            Event::Timer { node, timer, generation } => self.fire_timer(node, timer, generation),
            Event::ClientTimeout { client, request } => {
                self.hash_event(3, client as u64, request);
                self.client_timeout(client, request);
                None
            }
            Event::ClientRetry { client, request, attempt } => {
                self.hash_event(4, client as u64, request);
                let step = self.clients[client as usize].retry(request, attempt);
                self.client_step(client, step);
                None
            }
            Event::ClientNext { client } => {
                self.hash_event(5, client as u64, 0);
                self.workload_next(client);
                None
            }
            Event::Step(i) => {
                self.hash_event(6, i as u64, 0);
                let action = self.scenario.steps[i].action.clone();
                if let Err(e) = self.apply(action) {
                    self.violations.push(Violation { at: self.now, invariant: "scenario".into(), detail: e });
                }
                None
            }
        };
        if let Some(node) = touched {
            self.check_invariants(node);
        }
    }

    /// Run events up to and including time `t`, then set the clock to `t`.
    pub fn run_until(&mut self, t: Time) {
        while self.step_due(t) {}
        self.now = self.now.max(t);
        self.expire_lost();
    }

    /// Time travel's replay (see [`travel`]): process events until `events` have been processed
    /// in all, then set the clock to `at` without processing the events still due at `at` — the
    /// exact point at which the reader acted in the recorded run (after a single `step`, events
    /// due at the same millisecond may still be waiting).
    pub fn replay_to(&mut self, events: u64, at: Time) {
        // An event due after `at` cannot come before the action: stop there even if the count
        // says otherwise (a corrupted share link must not run away).
        while self.counters.events < events && self.step_due(at) {}
        self.now = self.now.max(at);
        self.expire_lost();
    }

    /// Advance simulated time by `ms`.
    pub fn advance(&mut self, ms: Time) {
        let t = self.now + ms;
        self.run_until(t);
    }

    /// Forget lost messages that have finished fading (what `run_until` does at its end), so the
    /// state at a point of the run does not depend on how the run got there.
    /// The event loop calls it too, whenever a lost message is due to go ([`Sim::step`]), so
    /// which messages are held is a function of the time alone, whatever the caller's slices.
    pub fn expire_lost(&mut self) {
        let now = self.now;
        let mut due = Time::MAX;
        self.in_flight.retain(|_, m| match m.lost_at {
            Some(l) => {
                let gone = faded_at(l, m.deliver_at);
                let keep = now < gone;
                if keep {
                    due = due.min(gone);
                }
                keep
            }
            None => true,
        });
        self.lost_due = due;
    }

    /// A message due at `deliver_at` was lost at `lost_at`: the event loop releases it once it
    /// has faded.
    fn note_lost(&mut self, lost_at: Time, deliver_at: Time) {
        self.lost_due = self.lost_due.min(faded_at(lost_at, deliver_at));
    }

    /// End of a run, for protocols with end-state invariants (Dynamo's convergence; see
    /// [`InvariantChecker::SETTLE_MS`]): stop the workload, heal the network, run the quiet
    /// time, then check [`InvariantChecker::at_rest`]. Does nothing for other protocols.
    pub fn settle(&mut self) {
        let quiet = <P::Checker as InvariantChecker<P>>::SETTLE_MS;
        if quiet == 0 {
            return;
        }
        self.quiet = true;
        let _ = self.apply(Action::Heal);
        self.run_until(self.now + quiet);
        let found = self.checker.at_rest(self.now, &self.nodes);
        for (invariant, detail) in found {
            if self.violations.len() < 100 {
                self.violations.push(Violation { at: self.now, invariant, detail });
            }
        }
    }

    fn check_invariants(&mut self, node: NodeId) {
        let found = self.checker.check(self.now, node, &self.nodes);
        for (invariant, detail) in found {
            if self.violations.len() < 100 {
                self.violations.push(Violation { at: self.now, invariant, detail });
            }
        }
    }

    fn deliver(&mut self, id: u64) -> Option<NodeId> {
        let now = self.now;
        let m = self.in_flight.get_mut(&id)?;
        // The link may have been cut while the message flew (already marked lost then).
        if m.lost_at.is_some() {
            return None;
        }
        // A crashed receiver loses it; so does a node that does not exist (a broken protocol's
        // redirect or send must not bring the simulator down). It stays on the wire, fading.
        if let Member::Node(n) = m.to {
            if self.nodes.get(n as usize).is_none_or(|s| s.node.is_none()) {
                m.lost_at = Some(now);
                let due = m.deliver_at;
                self.counters.lost += 1;
                self.note_lost(now, due);
                self.journal_lost(id);
                return None;
            }
        }
        let m = self.in_flight.remove(&id)?;
        let (from, to) = (m.from, m.to);
        match to {
            Member::Node(n) => {
                self.counters.delivered += 1;
                self.journal_delivered(id);
                let mut h = TraceHasher::default();
                m.payload.hash(&mut h);
                self.hash_event(1, id, h.finish());
                let now = self.now;
                let node = self.nodes[n as usize].node.as_mut().expect("alive");
                match m.payload {
                    Payload::Peer(msg) => {
                        let Member::Node(f) = from else { return None };
                        node.on_message(now, f, msg, &mut self.outbox);
                    }
                    Payload::Request { request, op } => {
                        let Member::Client(c) = from else { return None };
                        node.on_client(now, c, request, op, &mut self.outbox);
                    }
                    Payload::Response { .. } => return None,
                }
                // What a node sends in answer to an echo is an echo too (never duplicated).
                self.echoing = m.echo;
                self.flush(n);
                self.echoing = false;
                Some(n)
            }
            Member::Client(c) => {
                self.counters.delivered += 1;
                self.journal_delivered(id);
                if let Payload::Response { request, result } = m.payload {
                    let Member::Node(f) = from else { return None };
                    self.hash_event(2, c as u64, request);
                    self.clients[c as usize].set_now(self.now);
                    let step = self.clients[c as usize].on_response(request, f, result);
                    self.client_step(c, step);
                }
                None
            }
        }
    }

    fn fire_timer(&mut self, id: NodeId, timer: P::Timer, generation: u64) -> Option<NodeId> {
        match self.slots[id as usize].timers.get(&timer) {
            Some(t) if t.generation == generation => {}
            _ => return None,
        }
        self.slots[id as usize].timers.remove(&timer);
        let mut h = TraceHasher::default();
        timer.hash(&mut h);
        self.hash_event(7, id as u64, h.finish());
        let now = self.now;
        let node = self.nodes[id as usize].node.as_mut()?;
        node.on_timer(now, timer, &mut self.outbox);
        self.flush(id);
        Some(id)
    }

    /// Carry out everything node `id` left in the outbox.
    fn flush(&mut self, id: NodeId) {
        let mut outputs = std::mem::take(&mut self.outputs);
        self.outbox.move_into(&mut outputs);
        for o in outputs.drain(..) {
            match o {
                Output::Send { to, msg } => {
                    let kind = P::msg_kind(&msg);
                    self.counters.count_sent(kind);
                    self.send(Member::Node(id), Member::Node(to), Payload::Peer(msg));
                }
                Output::SetTimer { timer, min, max } => {
                    let d = if max > min { self.rng.random_range(min..=max) } else { min };
                    // A protocol setting may ask for any u64 of ms: such a timer never fires,
                    // rather than wrapping the clock.
                    let at = self.now.saturating_add(d);
                    self.seq += 1;
                    let generation = self.seq;
                    self.slots[id as usize]
                        .timers
                        .insert(timer.clone(), ArmedTimer { generation, set_at: self.now, fires_at: at });
                    self.schedule(at, Event::Timer { node: id, timer, generation });
                }
                Output::CancelTimer { timer } => {
                    self.slots[id as usize].timers.remove(&timer);
                }
                // Stable storage: the copy the node wrote is on disk before any of this outbox's
                // later messages or replies leave (see `Output::Persist`). It is what a crash
                // restarts from; nothing else survives a power cut.
                Output::Persist(durable) => self.nodes[id as usize].durable = Some(durable),
                Output::Reply { client, request, result } => {
                    self.counters.count_sent("ClientResponse");
                    if (client as usize) < self.clients.len() {
                        self.send(Member::Node(id), Member::Client(client), Payload::Response { request, result });
                    }
                }
                Output::Notice(notice) => self.notice(id, notice),
            }
        }
        self.outputs = outputs;
    }

    fn send(&mut self, from: Member, to: Member, payload: Payload<P::Msg, P::Op, Reply<P>>) {
        let [lo, hi] = self.scenario.network.latency_ms;
        let mut copies = 1;
        let mut lost = !self.net.connected(from, to);
        if self.net.drop_next.remove(&(from, to)).is_some() {
            lost = true;
        }
        if self.net.duplicate_next.remove(&(from, to)).is_some() {
            copies = 2;
        }
        // Draw in a fixed order whatever the outcome, so one fault does not shift the stream.
        let p_drop = self.scenario.network.drop;
        let p_dup = self.scenario.network.duplicate;
        if p_drop > 0.0 && bernoulli(&mut self.rng, p_drop) {
            lost = true;
        }
        // A duplicate is never duplicated again, nor is anything sent in answer to one: each
        // message the cluster sends on its own has at most one echo, and the echoes cannot
        // multiply round trip after round trip (which made `duplicate` near 1 never end).
        if p_dup > 0.0 && bernoulli(&mut self.rng, p_dup) && !self.echoing {
            copies = 2;
        }
        // The last copy takes the payload itself: a clone only for a duplicate.
        let mut payload = Some(payload);
        for c in 0..copies {
            let Some(this) = (if c + 1 < copies { payload.clone() } else { payload.take() }) else { break };
            let latency = if hi > lo { self.rng.random_range(lo..=hi) } else { lo };
            let id = self.next_msg;
            self.next_msg += 1;
            if c > 0 {
                self.counters.duplicated += 1;
            }
            let lost_at = if lost {
                self.counters.lost += 1;
                self.note_lost(self.now + latency / 2, self.now + latency);
                Some(self.now + latency / 2)
            } else {
                None
            };
            self.in_flight.insert(
                id,
                InFlight {
                    from,
                    to,
                    payload: this,
                    sent: self.now,
                    deliver_at: self.now + latency,
                    lost_at,
                    echo: c > 0 || self.echoing,
                },
            );
            self.schedule(self.now + latency, Event::Deliver(id));
            self.journal_sent(id, c);
        }
    }

    fn client_step(&mut self, c: ClientId, step: ClientStep<P::Op>) {
        match step {
            ClientStep::Nothing => {}
            ClientStep::Send { to, request, op, attempt } => {
                self.counters.count_sent("ClientRequest");
                self.send(Member::Client(c), Member::Node(to), Payload::Request { request, op });
                // No answer within a third of the timeout: try again (see client.rs).
                let patience = (self.clients[c as usize].timeout / 3).max(2 * RETRY_MS);
                self.schedule(self.now + patience, Event::ClientRetry { client: c, request, attempt });
            }
            ClientStep::RetryLater { request, attempt } => {
                self.schedule(self.now + RETRY_MS, Event::ClientRetry { client: c, request, attempt })
            }
            ClientStep::Done { history_index, outcome, result, node } => {
                self.complete_op(history_index, outcome, result, node);
                self.after_completion(c);
            }
        }
    }

    fn complete_op(&mut self, history_index: u64, outcome: Outcome, result: Option<Reply<P>>, node: NodeId) {
        let Some(first) = self.history.first().map(|o| o.id) else {
            return;
        };
        if history_index < first {
            return;
        }
        if let Some(op) = self.history.get_mut((history_index - first) as usize) {
            op.complete = Some(self.now);
            op.outcome = Some(outcome);
            op.result = result;
            op.node = node;
            self.observer.on_complete(op);
            self.journal_complete(history_index);
        }
    }

    fn after_completion(&mut self, c: ClientId) {
        // Start the next queued explicit operation, else (with a workload) pause, then draw one.
        if let Some(op) = self.clients[c as usize].queue.pop_front() {
            self.invoke(c, op);
        } else if let Some(w) = &self.scenario.workload {
            let mean = w.interval_ms;
            let pause = self.rng.random_range(mean / 2..=mean + mean / 2);
            self.schedule(self.now + pause, Event::ClientNext { client: c });
        }
    }

    fn client_timeout(&mut self, c: ClientId, request: RequestId) {
        self.clients[c as usize].set_now(self.now);
        if let Some(done) = self.clients[c as usize].on_timeout(request) {
            self.client_step(c, done);
        }
    }

    fn workload_next(&mut self, c: ClientId) {
        let Some(w) = self.scenario.workload.clone() else {
            return;
        };
        if self.quiet || self.clients[c as usize].busy() {
            return;
        }
        let total = w.read + w.write + w.cas + w.transfer;
        let pick = self.rng.random_range(0..total);
        // With the protocol's own operations in the mix, every key is one of its own (2PC's bank
        // accounts `A`, `B`, …).
        let name = if w.transfer > 0 { P::Op::workload_key } else { crate::core::ops::key_name };
        let key = name(self.rng.random_range(0..w.keys));
        let max = w.max_value.max(1);
        let op: P::Op = if pick >= w.read + w.write + w.cas {
            // The protocol's own operation (2PC: a transfer between two accounts). Accepted only
            // in scenarios of protocols that have one (see `Sim::from_scenario`).
            match P::Op::draw_own(&mut RngDraw(&mut self.rng), w.keys, max) {
                Some(op) => op,
                None => ClientOp::Read { key }.into(),
            }
        } else if pick < w.read {
            ClientOp::Read { key }.into()
        } else if pick < w.read + w.write {
            ClientOp::Write { key, value: self.rng.random_range(1..=max) }.into()
        } else {
            let from = self.rng.random_range(1..=max);
            let to = self.rng.random_range(1..=max);
            ClientOp::Cas { key, from, to }.into()
        };
        self.invoke(c, op);
    }

    /// Client `c` invokes `op` now (queued behind an outstanding operation).
    pub fn invoke(&mut self, c: ClientId, op: P::Op) {
        let client = &mut self.clients[c as usize];
        if client.busy() {
            client.queue.push_back(op);
            return;
        }
        let id = self.history_dropped + self.history.len() as u64;
        let node = client.node;
        self.history.push(Operation {
            id,
            client: c,
            op: op.clone(),
            invoke: self.now,
            complete: None,
            outcome: None,
            result: None,
            node,
        });
        self.observer.on_invoke(self.history.last().expect("just pushed"));
        self.journal_invoke();
        if self.history.len() > self.scenario.history_limit.max(16) {
            // Keep memory bounded on long runs: forget the oldest operations.
            let cut = self.history.len() / 4;
            self.history.drain(..cut);
            self.history_dropped += cut as u64;
        }
        let (request, step) = self.clients[c as usize].invoke(op, id, self.now);
        let timeout = self.clients[c as usize].timeout;
        self.schedule(self.now + timeout, Event::ClientTimeout { client: c, request });
        self.client_step(c, step);
    }

    /// Carry out one action now (from a scenario step or the reader).
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        let op = self.check_action(&action)?;
        if matches!(action, Action::Partition { .. } | Action::Heal | Action::Cut { .. }) {
            self.net.changed_at = self.now;
            self.journal_network(&action);
        }
        let mut h = TraceHasher::default();
        match (&action, &op) {
            // As the derived hash of an action holding the parsed operation (variant 6).
            (Action::Client { client, .. }, Some(op)) => {
                6isize.hash(&mut h);
                client.hash(&mut h);
                op.hash(&mut h);
            }
            _ => action.hash(&mut h),
        }
        self.hash_event(8, h.finish(), 0);
        match action {
            Action::Partition { groups } => {
                self.net.groups.clear();
                for (g, members) in groups.iter().enumerate() {
                    for m in members {
                        if g > 0 {
                            self.net.groups.insert(*m, g as u32);
                        }
                    }
                }
                self.cut_in_flight();
            }
            Action::Heal => {
                self.net.groups.clear();
                self.net.cuts.clear();
            }
            Action::Cut { from, to } => {
                self.net.cuts.insert((from, to), ());
                self.cut_in_flight();
            }
            Action::Crash { node } => self.crash(node),
            Action::Restart { node } => self.restart(node),
            Action::Timeout { node } => {
                if let Some(timer) = self.node(node).and_then(|n| n.timeout_timer()) {
                    self.slots[node as usize].timers.remove(&timer);
                    let now = self.now;
                    let n = self.nodes[node as usize].node.as_mut().expect("alive");
                    n.on_timer(now, timer, &mut self.outbox);
                    self.flush(node);
                    self.check_invariants(node);
                }
            }
            Action::Client { client, .. } => {
                if let Some(op) = op {
                    self.invoke(client, op);
                }
            }
            Action::DropNext { from, to } => {
                self.net.drop_next.insert((from, to), ());
            }
            Action::DuplicateNext { from, to } => {
                self.net.duplicate_next.insert((from, to), ());
            }
            Action::MoveClient { client, node } => self.clients[client as usize].node = node,
            Action::Configure { config } => {
                let config: P::Config =
                    serde_json::from_str(config.0.get()).map_err(|e| format!("invalid config: {e}"))?;
                // Check on a copy first, so a refusal leaves every node as it was.
                if let Some(probe) = self.nodes.iter().find_map(|s| s.node.clone()) {
                    let mut probe = probe;
                    probe.reconfigure(self.now, &config, &mut Outbox::new())?;
                }
                let now = self.now;
                for id in 0..self.nodes.len() as NodeId {
                    if let Some(node) = self.nodes[id as usize].node.as_mut() {
                        node.reconfigure(now, &config, &mut self.outbox)?;
                        self.flush(id);
                    }
                }
                // Nodes restarting later start with the new settings.
                self.config = config;
            }
            Action::Deliver { id } => self.deliver_held(id)?,
            Action::FireTimer { node, timer } => self.fire_held_timer(node, &timer)?,
            Action::ClientTimer { client, timer } => self.fire_held_client_timer(client, &timer)?,
            Action::DropMessage { id } => {
                let now = self.now;
                if let Some(m) = self.in_flight.get_mut(&id) {
                    if m.lost_at.is_none() {
                        m.lost_at = Some(now);
                        let due = m.deliver_at;
                        self.counters.lost += 1;
                        self.note_lost(now, due);
                        self.journal_lost(id);
                    }
                }
            }
        }
        Ok(())
    }

    /// Check an action against this world: the scenario's ranges and ids, and a client
    /// operation against the protocol's vocabulary (returned parsed).
    pub fn check_action(&self, action: &Action) -> Result<Option<P::Op>, String> {
        self.scenario.check_action(action)?;
        match action {
            Action::Client { op, .. } => P::Op::from_json(op.get()).map(Some),
            _ => Ok(None),
        }
    }

    /// Messages in flight across a link that is now cut are lost (turmoil's `partition`).
    fn cut_in_flight(&mut self) {
        let now = self.now;
        let (net, counters, record, lost_due) = (&self.net, &mut self.counters, &mut self.journal, &mut self.lost_due);
        self.in_flight.for_each_mut(|&id, m| {
            if m.lost_at.is_none() && !net.connected(m.from, m.to) {
                m.lost_at = Some(now);
                *lost_due = (*lost_due).min(faded_at(now, m.deliver_at));
                counters.lost += 1;
                record.push(now, || journal::Entry::Lost { id });
            }
        });
    }

    fn notice(&mut self, node: NodeId, notice: Notice) {
        if notice.kind == NoticeKind::WriteLost {
            self.observer.on_lost_write();
        }
        if self.notices.len() >= NOTICE_WINDOW {
            self.notices.pop_front();
        }
        self.notice_seq += 1;
        self.journal.notice(self.now, node, &notice.kind, notice.term, &notice.text);
        self.notices.push_back(TimedNotice { seq: self.notice_seq, at: self.now, node, notice });
    }

    /// What node `id`'s stable storage holds, as a view: the node a restart now would give,
    /// rebuilt from its last persisted copy (a fresh node if it never persisted).
    pub fn durable_view(&self, id: NodeId) -> Option<crate::protocol::NodeView<P::View>> {
        let durable = self.nodes.get(id as usize)?.durable.clone();
        let node = P::start(id, self.scenario.nodes, &self.config, durable, self.now, &mut Outbox::new());
        Some(node.view())
    }

    /// A power cut: the running state is gone, the last persisted copy stays (whatever the node
    /// changed in its durable fields since its last `Persist` is lost with the rest).
    fn crash(&mut self, id: NodeId) {
        let slot = &mut self.nodes[id as usize];
        if let Some(node) = slot.node.take() {
            self.slots[id as usize].timers.clear();
            self.slots[id as usize].at_crash = Some(node.view().erase());
            self.slots[id as usize].crashed_bytes = node.approx_bytes();
            self.checker.on_crash(id);
            self.notice(id, Notice { kind: NoticeKind::Crashed, term: None, text: format!("n{id} crashed") });
        }
    }

    fn restart(&mut self, id: NodeId) {
        if self.nodes[id as usize].node.is_some() {
            return;
        }
        // The disk keeps its copy: a second crash before the next persist restarts from it again.
        let durable = self.nodes[id as usize].durable.clone();
        let node = P::start(id, self.scenario.nodes, &self.config, durable, self.now, &mut self.outbox);
        self.nodes[id as usize].node = Some(node);
        self.slots[id as usize].restarts += 1;
        self.slots[id as usize].at_crash = None;
        self.slots[id as usize].crashed_bytes = 0;
        self.checker.on_restart(id);
        self.notice(
            id,
            Notice { kind: NoticeKind::Restarted, term: None, text: format!("n{id} restarted from its durable state") },
        );
        self.flush(id);
        self.check_invariants(id);
    }
}

/// The simulator's generator, drawing what a protocol's vocabulary asks for (the same calls, in
/// the same order, as drawing directly: a seed's run does not depend on who asks).
pub struct RngDraw<'a>(pub &'a mut Pcg64Mcg);

impl crate::core::ops::Draw for RngDraw<'_> {
    fn u32_in(&mut self, lo: u32, hi: u32) -> u32 {
        self.0.random_range(lo..=hi)
    }
    fn u64_in(&mut self, lo: u64, hi: u64) -> u64 {
        self.0.random_range(lo..=hi)
    }
    fn value_in(&mut self, lo: crate::core::Value, hi: crate::core::Value) -> crate::core::Value {
        self.0.random_range(lo..=hi)
    }
    fn index(&mut self, n: usize) -> usize {
        self.0.random_range(0..n)
    }
    fn chance(&mut self, p: f64) -> bool {
        bernoulli(&mut self.0, p)
    }
}

/// True with probability `p`: the same draw as rand's `random_bool`, but a `p` outside 0..=1
/// (which scenarios never pass: `validate` refuses it) counts as false instead of panicking.
/// `random_bool`'s panic message prints `p` with `{:?}`, which alone kept core's `f64` Debug
/// (its shortest and exact float formatting) in every page's wasm: 0.7 to 1.0 KB gzipped.
fn bernoulli(rng: &mut Pcg64Mcg, p: f64) -> bool {
    rand::distr::Bernoulli::new(p).is_ok_and(|d| rng.sample(d))
}
