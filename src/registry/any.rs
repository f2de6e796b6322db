//! One handle for a simulation of any protocol, chosen by the scenario's `protocol` field. The
//! simulator itself is generic ([`Sim<P, O>`]; here read by the consistency column); this enum is the only place that lists protocols,
//! so the CLI and the wasm layer stay protocol-neutral.

use crate::check::consistency::{Consistency, ConsistencyReport};
use crate::core::history::Operation;
#[cfg(feature = "dynamo")]
use crate::protocol::dynamo::{Dynamo, DynamoConfig};
#[cfg(feature = "paxos")]
use crate::protocol::paxos::{MultiPaxos, Paxos, PaxosConfig};
#[cfg(feature = "raft")]
use crate::protocol::raft::{Raft, RaftConfig};
#[cfg(feature = "twopc")]
use crate::protocol::twopc::{TwoPc, TwoPcConfig};
#[cfg(feature = "zab")]
use crate::protocol::zab::{Zab, ZabConfig};
use crate::sim::frame::Frame;
use crate::sim::scenario::{Action, Scenario, PROTOCOLS};
use crate::sim::{Sim, Violation};

#[cfg(not(any(feature = "raft", feature = "paxos", feature = "dynamo", feature = "zab", feature = "twopc")))]
compile_error!("enable at least one protocol feature: raft, paxos, dynamo, zab or twopc");
use crate::core::vecmap::VecMap;
use crate::protocol::{ClientId, ClientOp, NodeView, Time};
use serde::Serialize;

/// A running simulation of some protocol (`Clone`: a time-travel checkpoint).
#[derive(Clone)]
pub enum AnySim {
    /// Raft.
    #[cfg(feature = "raft")]
    Raft(Box<Sim<Raft, Consistency>>),
    /// The Dynamo-style eventually consistent store.
    #[cfg(feature = "dynamo")]
    Dynamo(Box<Sim<Dynamo, Consistency>>),
    /// Single-decree Paxos.
    #[cfg(feature = "paxos")]
    Paxos(Box<Sim<Paxos, Consistency>>),
    /// Multi-Paxos.
    #[cfg(feature = "paxos")]
    MultiPaxos(Box<Sim<MultiPaxos, Consistency>>),
    /// ZooKeeper's ZAB.
    #[cfg(feature = "zab")]
    Zab(Box<Sim<Zab, Consistency>>),
    /// Two-phase commit.
    #[cfg(feature = "twopc")]
    TwoPc(Box<Sim<TwoPc, Consistency>>),
}

macro_rules! each {
    ($self:expr, $s:ident => $body:expr) => {
        match $self {
            #[cfg(feature = "raft")]
            AnySim::Raft($s) => $body,
            #[cfg(feature = "dynamo")]
            AnySim::Dynamo($s) => $body,
            #[cfg(feature = "paxos")]
            AnySim::Paxos($s) => $body,
            #[cfg(feature = "paxos")]
            AnySim::MultiPaxos($s) => $body,
            #[cfg(feature = "zab")]
            AnySim::Zab($s) => $body,
            #[cfg(feature = "twopc")]
            AnySim::TwoPc($s) => $body,
        }
    };
}

/// Final state of one node, as `cap run` prints it.
#[derive(Clone, Debug, Serialize)]
pub struct NodeReport {
    /// Server id.
    pub id: u32,
    /// False when crashed at the end.
    pub alive: bool,
    /// Role, term, commit index, log tail, ….
    #[serde(flatten)]
    pub view: Option<NodeView>,
}

/// What `cap run` prints: final state, history, counters, violations and the trace hash.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    /// Scenario name.
    pub scenario: String,
    /// Protocol.
    pub protocol: String,
    /// Seed.
    pub seed: u64,
    /// Simulated end time (ms).
    pub end_time: Time,
    /// Events processed.
    pub events: u64,
    /// Final node states.
    pub nodes: Vec<NodeReport>,
    /// Client history (most recent operations when it was bounded).
    pub history: Vec<Operation>,
    /// Operations forgotten from the front of the history.
    pub history_dropped: u64,
    /// Messages sent by kind.
    pub messages_sent: VecMap<&'static str, u64>,
    /// Messages delivered.
    pub messages_delivered: u64,
    /// Messages lost.
    pub messages_lost: u64,
    /// Invariant violations.
    pub violations: Vec<Violation>,
    /// Hash of the whole event trace (hex).
    pub trace_hash: String,
}

impl AnySim {
    /// Build a simulation from a validated scenario; the error says what is wrong.
    pub fn new(scenario: Scenario) -> Result<AnySim, String> {
        scenario.validate()?;
        match scenario.protocol.as_str() {
            #[cfg(feature = "raft")]
            "raft" => {
                let config: RaftConfig = parse_config(&scenario.config)?;
                if config.election_timeout_ms[0] == 0 || config.election_timeout_ms[0] > config.election_timeout_ms[1] {
                    return Err("config.election_timeout_ms must be [min, max] with 0 < min <= max".into());
                }
                if config.heartbeat_ms == 0 {
                    return Err("config.heartbeat_ms must be at least 1".into());
                }
                Ok(AnySim::Raft(Box::new(Sim::new(scenario, config))))
            }
            #[cfg(feature = "dynamo")]
            "dynamo" => {
                let config: DynamoConfig = parse_config(&scenario.config)?;
                config.validate()?;
                Ok(AnySim::Dynamo(Box::new(Sim::new(scenario, config))))
            }
            #[cfg(feature = "paxos")]
            "paxos" | "multipaxos" => {
                let multi = scenario.protocol == "multipaxos";
                let config: PaxosConfig = parse_config(&scenario.config)?;
                config.validate(scenario.nodes, multi)?;
                Ok(if multi {
                    AnySim::MultiPaxos(Box::new(Sim::new(scenario, config)))
                } else {
                    AnySim::Paxos(Box::new(Sim::new(scenario, config)))
                })
            }
            #[cfg(feature = "zab")]
            "zab" => {
                let config: ZabConfig = parse_config(&scenario.config)?;
                config.validate()?;
                Ok(AnySim::Zab(Box::new(Sim::new(scenario, config))))
            }
            #[cfg(feature = "twopc")]
            "2pc" => {
                let mut config: TwoPcConfig = parse_config(&scenario.config)?;
                config.validate(scenario.nodes)?;
                // The `fail_percent` coin is seeded by the run's seed, never by OS entropy.
                config.seed = scenario.seed;
                Ok(AnySim::TwoPc(Box::new(Sim::new(scenario, config))))
            }
            other => Err(format!("unknown protocol '{other}': accepted protocols are {}", PROTOCOLS.join(", "))),
        }
    }

    /// Parse JSON text and build the simulation.
    pub fn from_json(text: &str) -> Result<AnySim, String> {
        AnySim::new(Scenario::from_json(text)?)
    }

    /// The scenario being run.
    pub fn scenario(&self) -> &Scenario {
        each!(self, s => s.scenario())
    }
    /// Simulated time (ms).
    pub fn now(&self) -> Time {
        each!(self, s => s.now())
    }
    /// Process one event; false when none is left.
    pub fn step(&mut self) -> bool {
        each!(self, s => s.step())
    }
    /// Run all events up to time `t`.
    pub fn run_until(&mut self, t: Time) {
        each!(self, s => s.run_until(t))
    }
    /// Advance by `ms`.
    pub fn advance(&mut self, ms: Time) {
        each!(self, s => s.advance(ms))
    }
    /// Carry out a reader's action now.
    pub fn apply(&mut self, action: Action) -> Result<(), String> {
        each!(self, s => s.apply(action))
    }
    /// Client `c` invokes `op`.
    pub fn invoke(&mut self, c: ClientId, op: ClientOp) -> Result<(), String> {
        self.apply(Action::Client { client: c, op })
    }
    /// The renderer's snapshot.
    pub fn frame(&self) -> Frame<ConsistencyReport> {
        each!(self, s => s.frame())
    }
    /// The animation loop's light snapshot (see `Sim::light_frame`).
    pub fn light_frame(&self) -> Frame<ConsistencyReport> {
        each!(self, s => s.light_frame())
    }
    /// Hash of the trace so far.
    pub fn trace_hash(&self) -> u64 {
        each!(self, s => s.trace_hash())
    }
    /// Violations so far.
    pub fn violations(&self) -> &[Violation] {
        each!(self, s => s.violations())
    }
    /// Client history.
    pub fn history(&self) -> &[Operation] {
        each!(self, s => s.history())
    }
    /// A deterministic estimate of the bytes a copy of this world holds (see [`Sim::approx_bytes`]).
    pub fn approx_bytes(&self) -> usize {
        each!(self, s => s.approx_bytes())
    }
    /// Turn on the live linearizability verdict (before the run starts).
    pub fn enable_live_check(&mut self) {
        // 2PC's transfers are multi-key transactions the register checker cannot model; its
        // atomicity and conservation invariants judge the run instead (protocol::twopc::invariants).
        #[cfg(feature = "twopc")]
        #[allow(irrefutable_let_patterns)] // a build with only the twopc feature
        if let AnySim::TwoPc(_) = self {
            return;
        }
        each!(self, s => s.enable_live_check())
    }
    /// Spend one frame's allowance on the live verdict.
    pub fn check_consistency(&mut self) {
        each!(self, s => s.check_consistency())
    }
    /// Time of the next scheduled event.
    pub fn next_event_time(&self) -> Option<Time> {
        each!(self, s => s.next_event_time())
    }
    /// Does this protocol promise linearizable reads and writes? (Raft and Multi-Paxos do; ZAB's
    /// local reads and an eventually consistent store do not: their violations are the lesson,
    /// not bugs.)
    pub fn promises_linearizability(&self) -> bool {
        match self {
            #[cfg(feature = "raft")]
            AnySim::Raft(_) => true,
            #[cfg(feature = "dynamo")]
            AnySim::Dynamo(_) => false,
            // Single-decree Paxos serves a write-once register (see protocol::paxos): its
            // histories are linearizable as a register, and the sweep checks them.
            #[cfg(feature = "paxos")]
            AnySim::Paxos(_) | AnySim::MultiPaxos(_) => true,
            // ZooKeeper serves reads locally (sequential consistency): stale reads are the
            // lesson. With `sync_reads` every read is ordered through the leader and the
            // histories are expected linearizable (tests/zab.rs checks that over seeds).
            #[cfg(feature = "zab")]
            AnySim::Zab(_) => false,
            // Strict two-phase locking makes single-key operations linearizable, but transfers
            // span keys: the register model does not apply. protocol::twopc::invariants judges atomicity.
            #[cfg(feature = "twopc")]
            AnySim::TwoPc(_) => false,
        }
    }
    /// End of run: stop the workload, heal, wait the protocol's quiet time and check its
    /// end-state invariants (Dynamo's convergence); nothing for protocols without any.
    pub fn settle(&mut self) {
        each!(self, s => s.settle())
    }
    /// Events processed.
    pub fn events(&self) -> u64 {
        each!(self, s => s.counters().events)
    }
    /// Time travel's replay: process events until `events` in all, then set the clock to `at`
    /// (see [`Sim::replay_to`]).
    pub fn replay_to(&mut self, events: u64, at: Time) {
        each!(self, s => s.replay_to(events, at))
    }
    /// Forget lost messages that have finished fading (see [`Sim::expire_lost`]).
    pub fn expire_lost(&mut self) {
        each!(self, s => s.expire_lost())
    }
    /// Recent semantic events, newest last.
    pub fn notices(&self) -> &std::collections::VecDeque<crate::sim::TimedNotice> {
        each!(self, s => s.notices())
    }
    /// The journal for the space-time record (see [`super::journal`]).
    pub fn journal(&self) -> &crate::sim::journal::Journal {
        each!(self, s => s.journal())
    }
    /// The journal, to turn it on or take its entries.
    pub fn journal_mut(&mut self) -> &mut crate::sim::journal::Journal {
        each!(self, s => s.journal_mut())
    }
    /// The messages on the wire now, as journal entries (a record starting here begins with them).
    pub fn in_flight_entries(&self) -> Vec<crate::sim::journal::Stamped> {
        each!(self, s => s.in_flight_entries())
    }
    /// Stale reads so far.
    pub fn stale_reads(&self) -> u64 {
        each!(self, s => s.consistency().stale_reads())
    }

    /// The final report `cap run` prints.
    pub fn report(&self) -> Report {
        let f = self.frame();
        Report {
            scenario: self.scenario().name.clone(),
            protocol: f.protocol,
            seed: f.seed,
            end_time: f.now,
            events: f.counters.events,
            nodes: f.nodes.into_iter().map(|n| NodeReport { id: n.id, alive: n.alive, view: n.view }).collect(),
            history: self.history().to_vec(),
            history_dropped: each!(self, s => s.history_dropped()),
            messages_sent: f.counters.sent,
            messages_delivered: f.counters.delivered,
            messages_lost: f.counters.lost,
            violations: f.violations,
            trace_hash: f.trace_hash,
        }
    }
}

fn parse_config<T: serde::de::DeserializeOwned + Default>(
    raw: &Option<Box<serde_json::value::RawValue>>,
) -> Result<T, String> {
    match raw {
        None => Ok(T::default()),
        Some(raw) if raw.get() == "null" => Ok(T::default()),
        Some(raw) => serde_json::from_str(raw.get()).map_err(|e| format!("invalid config: {e}")),
    }
}
