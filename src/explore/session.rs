//! One exploration as the CLI and the browser's worker run it: a [`Spec`] (protocol and bounds,
//! as `cap explore` takes them) opens a [`Session`] that runs in slices (a search, or random walks
//! with `walks`), reports counters, and on a violation turns the path (the search's shortest, the
//! walk's shrunk) into a scenario the simulator replays (`"schedule":
//! "explicit"`), checked here by replaying it exactly as `cap run` does.

use super::twophase::TwoPhase;
use super::walk::{WalkOptions, Walker};
use super::world::{Bounds, Setup, Step, WorldModel, QUANTUM_MS};
use super::{Broken, Explorer, Model, Options, Order, Path, Stats, Status};
use crate::check::linearizability::{check_history, Verdict, DEFAULT_BUDGET};
use crate::protocol::Time;
use crate::protocol::{Invariants, NodeId, Protocol};
use crate::registry::any::AnySim;
use crate::registry::{unsafe_switches, with_protocol, WithProtocol, PROTOCOLS};
use crate::sim::scenario::{Action, ClientSpec, Member, OpText, Scenario, Schedule, Step as ScenarioStep};
use crate::sim::Sim;
use serde::Serialize;
use std::hash::Hash;

/// The TLA+ reference model's name (explorer-only: not a simulated protocol).
pub const TWOPHASE: &str = "twophase";

/// Protocols `cap explore` accepts in this build, in the registry's order: every protocol whose
/// [`Protocol::explore_config`] accepts a cluster, then `twophase`.
pub fn explore_protocols() -> Vec<&'static str> {
    struct Explorable;
    impl WithProtocol for Explorable {
        type Out = bool;
        fn with<P: Protocol>(self) -> bool {
            P::explore_config(3).is_ok()
        }
    }
    let mut out: Vec<&'static str> =
        PROTOCOLS.iter().copied().filter(|p| with_protocol(p, Explorable).unwrap_or(false)).collect();
    out.push(TWOPHASE);
    out
}

/// Whether protocol `P` accepts the spec's cluster for exploring (`Err`: its reason why not).
struct ExploreConfig(u32);
impl WithProtocol for ExploreConfig {
    type Out = Result<(), String>;
    fn with<P: Protocol>(self) -> Result<(), String> {
        P::explore_config(self.0).map(|_| ())
    }
}

/// What to explore, as `cap explore` takes it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, serde::Deserialize)]
#[serde(default, deny_unknown_fields)]
pub struct Spec {
    /// Protocol, one of [`explore_protocols`].
    pub protocol: String,
    /// Servers (for `twophase`: resource managers).
    pub nodes: u32,
    /// Clients.
    pub clients: u32,
    /// Operations per client.
    pub ops: u32,
    /// Longest path explored (`None`: no depth bound).
    pub depth: Option<u32>,
    /// Crashes allowed.
    pub crashes: u32,
    /// Partition changes allowed (cutting one server off, healing).
    pub partitions: u32,
    /// Messages may be lost.
    pub loss: bool,
    /// Timer firings allowed in all (`None`: no bound).
    pub timers: Option<u32>,
    /// Depth-first instead of breadth-first.
    pub dfs: bool,
    /// Symmetry reduction (`twophase` only: see `world.rs` for why not the protocols).
    pub symmetry: bool,
    /// Seeded bugs switched on, by their `--unsafe` names.
    pub unsafe_switches: Vec<String>,
    /// Stop after this many distinct states.
    pub max_states: u64,
    /// Random walks instead of a search (`--walks N`; see [`super::walk`]): a sample, not a proof.
    pub walks: Option<u64>,
    /// Seed of the random walks.
    pub seed: u64,
}

impl Default for Spec {
    fn default() -> Self {
        Spec {
            protocol: "raft".into(),
            nodes: 3,
            clients: 1,
            ops: 1,
            depth: None,
            crashes: 0,
            partitions: 0,
            loss: false,
            timers: None,
            dfs: false,
            symmetry: false,
            unsafe_switches: Vec::new(),
            max_states: 500_000,
            walks: None,
            seed: 1,
        }
    }
}

/// Most random walks a run may take (at most `--depth` steps each, one path in memory).
pub const MAX_WALKS: u64 = 1_000_000_000;

/// Most distinct states a run may keep (the visited table alone is ~40 bytes a state).
pub const MAX_STATES_LIMIT: u64 = 50_000_000;

impl Spec {
    /// Check ranges; the error says what was wrong and what is accepted.
    pub fn validate(&self) -> Result<(), String> {
        let hi = if self.protocol == TWOPHASE { 12 } else { 5 };
        if !(1..=hi).contains(&self.nodes) {
            return Err(format!("--nodes {} is out of range for {}: accepted 1..={hi}", self.nodes, self.protocol));
        }
        if self.protocol != TWOPHASE {
            // The protocol's own word: not in this build, not explorable, or not this size.
            match with_protocol(&self.protocol, ExploreConfig(self.nodes)) {
                None => {
                    return Err(format!(
                        "unknown protocol '{}': accepted {}",
                        self.protocol,
                        explore_protocols().join(", ")
                    ))
                }
                Some(Err(e)) => return Err(e),
                Some(Ok(())) => {}
            }
        }
        if self.clients > 3 {
            return Err(format!("--clients {}: accepted 0..=3", self.clients));
        }
        if self.ops > 4 {
            return Err(format!("--ops {}: accepted 0..=4 per client", self.ops));
        }
        if self.crashes > 3 {
            return Err(format!("--crashes {}: accepted 0..=3", self.crashes));
        }
        if self.partitions > 4 {
            return Err(format!("--partitions {}: accepted 0..=4 partition changes", self.partitions));
        }
        if self.timers.is_some_and(|t| t > 1_000) {
            return Err("--timers: accepted 0..=1000".into());
        }
        if self.depth == Some(0) || self.depth.is_some_and(|d| d > 1_000) {
            return Err("--depth: accepted 1..=1000".into());
        }
        if self.max_states == 0 || self.max_states > MAX_STATES_LIMIT {
            return Err(format!("--max-states {}: accepted 1..={MAX_STATES_LIMIT}", self.max_states));
        }
        if let Some(w) = self.walks {
            if w == 0 || w > MAX_WALKS {
                return Err(format!("--walks {w}: accepted 1..={MAX_WALKS}"));
            }
            if self.depth.is_none() {
                return Err("--walks needs --depth D: the length of each walk (accepted 1..=1000)".into());
            }
            if self.dfs {
                return Err("--walks and --dfs exclude each other: a walk follows one random path".into());
            }
        }
        if self.symmetry && self.protocol != TWOPHASE {
            return Err(format!(
                "--symmetry is sound only for twophase: {}'s states name server ids (votes, leaders, \
                 per-peer progress, id-ordered ballots), so permuting servers is not a symmetry of the \
                 stored state",
                self.protocol
            ));
        }
        let switches = unsafe_switches();
        for s in &self.unsafe_switches {
            match switches.iter().find(|u| u.name == s) {
                Some(u) if u.protocols.contains(&self.protocol.as_str()) => {}
                Some(u) => {
                    return Err(format!("--unsafe {s} is a {} switch, not {}", u.protocols.join("/"), self.protocol))
                }
                None => {
                    let names: Vec<String> =
                        switches.iter().map(|u| format!("{} ({})", u.name, u.protocols.join(", "))).collect();
                    return Err(format!("--unsafe '{s}': accepted {}", names.join(", ")));
                }
            }
        }
        Ok(())
    }

    fn options(&self) -> Options {
        Options {
            order: if self.dfs { Order::Dfs } else { Order::Bfs },
            max_depth: self.depth.unwrap_or(u32::MAX),
            max_states: self.max_states,
            symmetry: self.symmetry,
        }
    }

    /// One line naming the bounds, e.g. `raft, 3 servers, 1 client × 2 ops, depth ≤ 20, …`.
    pub fn describe(&self) -> String {
        let mut parts = vec![if self.protocol == TWOPHASE {
            format!("twophase, {} resource managers", self.nodes)
        } else {
            format!(
                "{}, {} servers, {} client{} × {} op{}",
                self.protocol,
                self.nodes,
                self.clients,
                if self.clients == 1 { "" } else { "s" },
                self.ops,
                if self.ops == 1 { "" } else { "s" }
            )
        }];
        if let Some(d) = self.depth {
            parts.push(format!("depth ≤ {d}"));
        }
        if self.crashes > 0 {
            parts.push(format!("{} crash{}", self.crashes, if self.crashes == 1 { "" } else { "es" }));
        }
        if self.partitions > 0 {
            parts.push(format!("{} partition change{}", self.partitions, if self.partitions == 1 { "" } else { "s" }));
        }
        if self.loss {
            parts.push("loss".into());
        }
        if let Some(t) = self.timers {
            parts.push(format!("≤ {t} timer firing{}", if t == 1 { "" } else { "s" }));
        }
        if self.symmetry {
            parts.push("symmetry".into());
        }
        for s in &self.unsafe_switches {
            parts.push(format!("unsafe {s}"));
        }
        if let Some(w) = self.walks {
            parts.push(format!("{w} random walk{} (seed {})", if w == 1 { "" } else { "s" }, self.seed));
        }
        parts.join(", ")
    }
}

/// A violation with its path (shortest from a search, shrunk from a random walk), as a replayable
/// scenario.
#[derive(Clone, Debug, Serialize)]
pub struct Counterexample {
    /// The property broken, in words.
    pub broken: Broken,
    /// One line per step.
    pub steps: Vec<String>,
    /// The scenario (JSON) that replays it (`None` for the TLA+ model, which the simulator does
    /// not run).
    pub scenario: Option<String>,
    /// What replaying the scenario as `cap run` does gave.
    pub replay: Option<Replay>,
}

/// The outcome of replaying a counterexample scenario the way `cap run` does.
#[derive(Clone, Debug, Serialize)]
pub struct Replay {
    /// The run's trace hash (hex, as `cap run` prints it).
    pub trace_hash: String,
    /// The invariant the replay reports (`Linearizability` for a history that is not).
    pub invariant: Option<String>,
    /// Its details.
    pub detail: Option<String>,
    /// True when the replay reports the same invariant as the explorer.
    pub same_violation: bool,
}

/// A running exploration of some protocol.
pub trait Session {
    /// Expand up to `allowance` states.
    fn run(&mut self, allowance: u64) -> Status;
    /// Counters so far.
    fn stats(&self) -> Stats;
    /// The current status.
    fn status(&self) -> Status;
    /// Estimated bytes per stored state: the visited table's share plus the frontier's states.
    fn bytes_per_state(&self) -> usize;
    /// The counterexample, once a violation was found.
    fn counterexample(&self) -> Option<Counterexample>;
    /// What is explored.
    fn spec(&self) -> &Spec;
    /// Follow one schedule instead of searching: each entry is matched as the start of the
    /// explorer's own description of an enabled step (as `cap explore` prints them), e.g.
    /// `deliver n1 → n0 RequestVote (term 2`. For replaying a published counterexample, such as
    /// Figure 8's, in the explorer's world and as a scenario.
    fn follow(&self, _schedule: &[&str]) -> Result<Followed, String> {
        Err(format!("{} has no simulator scenario to follow", self.spec().protocol))
    }
}

/// A schedule followed step by step (see [`Session::follow`]).
#[derive(Clone, Debug, Serialize)]
pub struct Followed {
    /// The property broken in the last world, if any.
    pub broken: Option<Broken>,
    /// One line per step.
    pub steps: Vec<String>,
    /// The scenario that replays it.
    pub scenario: String,
    /// Replaying the scenario as `cap run` does.
    pub replay: Replay,
}

/// Start exploring `spec`.
pub fn open(spec: &Spec) -> Result<Box<dyn Session>, String> {
    spec.validate()?;
    if spec.protocol == TWOPHASE {
        return Ok(Box::new(TwoPhaseSession {
            ex: Engine::new(TwoPhase { rms: spec.nodes as usize }, spec),
            spec: spec.clone(),
        }));
    }
    with_protocol(&spec.protocol, Open(spec))
        .unwrap_or_else(|| Err(format!("protocol '{}' is not in this build", spec.protocol)))
}

/// Open a session of protocol `P` with the config and time step it asks for.
struct Open<'a>(&'a Spec);
impl WithProtocol for Open<'_> {
    type Out = Result<Box<dyn Session>, String>;
    fn with<P>(self) -> Self::Out
    where
        P: Protocol + Invariants + Hash + 'static,
        P::Durable: Hash,
        P::Checker: Hash,
        P::Config: Serialize,
    {
        let (config, tick) = P::explore_config(self.0.nodes)?;
        world_session::<P>(self.0, config, P::LINEARIZABLE, P::CONVERGES, tick.unwrap_or(QUANTUM_MS))
    }
}

/// The node client `c` of `clients` talks to: spread from the first server to the last.
pub fn client_node(c: u32, clients: u32, nodes: u32) -> NodeId {
    if clients <= 1 {
        0
    } else {
        (c * (nodes - 1) + (clients - 1) / 2) / (clients - 1)
    }
}

fn world_session<P>(
    spec: &Spec,
    config: P::Config,
    linearizable: bool,
    converge: bool,
    quantum: Time,
) -> Result<Box<dyn Session>, String>
where
    P: Protocol + Invariants + Hash + 'static,
    P::Durable: Hash,
    P::Checker: Hash,
    P::Config: Serialize,
{
    // Unsafe switches: set the config fields by name through JSON, as `cap sweep` does.
    let mut json = serde_json::to_value(&config).map_err(|e| e.to_string())?;
    for s in &spec.unsafe_switches {
        let field = unsafe_switches().iter().find(|u| u.name == s).map(|u| u.key).expect("validated");
        json[field] = true.into();
    }
    let config: P::Config = serde_json::from_value(json).map_err(|e| format!("config: {e}"))?;
    let setup = Setup {
        config,
        bounds: Bounds {
            nodes: spec.nodes,
            crashes: spec.crashes,
            partitions: spec.partitions,
            loss: spec.loss,
            timers: spec.timers.unwrap_or(u32::MAX),
        },
        clients: (0..spec.clients)
            .map(|c| {
                (
                    client_node(c, spec.clients, spec.nodes),
                    (0..spec.ops).map(|k| P::explore_op(c, k, spec.ops)).collect(),
                )
            })
            .collect(),
        linearizable,
        converge,
        quantum,
        hash_now: quantum < QUANTUM_MS,
    };
    Ok(Box::new(WorldSession { ex: Engine::new(WorldModel::<P>::new(setup), spec), spec: spec.clone() }))
}

/// The exhaustive search, or random walks when the spec asks for them.
enum Engine<M: Model> {
    Search(Explorer<M>),
    Walk(Walker<M>),
}

impl<M: Model> Engine<M> {
    fn new(model: M, spec: &Spec) -> Self {
        match spec.walks {
            Some(walks) => Engine::Walk(Walker::new(
                model,
                WalkOptions { walks, max_depth: spec.depth.unwrap_or(u32::MAX), seed: spec.seed },
            )),
            None => Engine::Search(Explorer::new(model, spec.options())),
        }
    }
    fn run(&mut self, allowance: u64) -> &Status {
        match self {
            Engine::Search(x) => x.run(allowance),
            Engine::Walk(w) => w.run(allowance),
        }
    }
    fn stats(&self) -> &Stats {
        match self {
            Engine::Search(x) => x.stats(),
            Engine::Walk(w) => w.stats(),
        }
    }
    fn status(&self) -> &Status {
        match self {
            Engine::Search(x) => x.status(),
            Engine::Walk(w) => w.status(),
        }
    }
    fn model(&self) -> &M {
        match self {
            Engine::Search(x) => x.model(),
            Engine::Walk(w) => w.model(),
        }
    }
    /// The visited table's bytes (a walker keeps none).
    fn table_bytes(&self) -> usize {
        match self {
            Engine::Search(x) => x.table_bytes(),
            Engine::Walk(_) => 0,
        }
    }
    /// The search's shortest path, or the walk's shrunk one.
    fn counterexample(&self) -> Option<Path<M>> {
        match self {
            Engine::Search(x) => x.counterexample(),
            Engine::Walk(w) => w.counterexample(),
        }
    }
}

struct TwoPhaseSession {
    ex: Engine<TwoPhase>,
    spec: Spec,
}

impl Session for TwoPhaseSession {
    fn run(&mut self, allowance: u64) -> Status {
        self.ex.run(allowance).clone()
    }
    fn stats(&self) -> Stats {
        self.ex.stats().clone()
    }
    fn status(&self) -> Status {
        self.ex.status().clone()
    }
    fn bytes_per_state(&self) -> usize {
        let s = self.ex.stats();
        let state =
            std::mem::size_of::<(super::twophase::TwoPhaseState, super::Fp, u32)>() + 3 * self.spec.nodes as usize + 64;
        (self.ex.table_bytes() + s.frontier as usize * state) / (s.distinct.max(1) as usize)
    }
    fn counterexample(&self) -> Option<Counterexample> {
        let Status::Violation(broken) = self.ex.status() else { return None };
        let path = self.ex.counterexample()?;
        let steps = path.steps.iter().map(|(a, _)| format!("{a:?}")).collect();
        Some(Counterexample { broken: broken.clone(), steps, scenario: None, replay: None })
    }
    fn spec(&self) -> &Spec {
        &self.spec
    }
}

struct WorldSession<P>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
{
    ex: Engine<WorldModel<P>>,
    spec: Spec,
}

impl<P> Session for WorldSession<P>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
    P::Config: Serialize,
{
    fn run(&mut self, allowance: u64) -> Status {
        self.ex.run(allowance).clone()
    }
    fn stats(&self) -> Stats {
        self.ex.stats().clone()
    }
    fn status(&self) -> Status {
        self.ex.status().clone()
    }
    fn bytes_per_state(&self) -> usize {
        let s = self.ex.stats();
        let model = self.ex.model();
        // The frontier's states, estimated from the initial world (worlds stay about that size
        // within small bounds), plus the visited table.
        let per = model.init_states().first().map(|w| model.approx_bytes(w)).unwrap_or(0);
        (self.ex.table_bytes() + s.frontier as usize * per) / (s.distinct.max(1) as usize)
    }
    fn counterexample(&self) -> Option<Counterexample> {
        let Status::Violation(broken) = self.ex.status() else { return None };
        let path = self.ex.counterexample()?;
        let model = self.ex.model();
        let (scenario, steps) = match to_scenario(model, &path, &self.spec) {
            Ok(x) => x,
            Err(e) => {
                return Some(Counterexample {
                    broken: broken.clone(),
                    steps: vec![format!("(could not build the replay scenario: {e})")],
                    scenario: None,
                    replay: None,
                })
            }
        };
        let json = serde_json::to_string_pretty(&scenario).ok();
        let replay = json.as_deref().map(|j| replay(j, &broken.invariant));
        Some(Counterexample { broken: broken.clone(), steps, scenario: json, replay })
    }
    fn spec(&self) -> &Spec {
        &self.spec
    }
    fn follow(&self, schedule: &[&str]) -> Result<Followed, String> {
        let model = self.ex.model();
        let init = model.init_states().remove(0);
        let mut state = init.clone();
        let mut steps = Vec::new();
        let mut actions = Vec::new();
        for (k, want) in schedule.iter().enumerate() {
            actions.clear();
            model.actions(&state, &mut actions);
            let Some(a) = actions.iter().find(|a| model.describe(&state, a).starts_with(want)) else {
                let enabled: Vec<String> = actions.iter().map(|a| model.describe(&state, a)).collect();
                return Err(format!(
                    "step {}: no enabled step starts with '{want}'; enabled: {}",
                    k + 1,
                    enabled.join(" | ")
                ));
            };
            let next = model.next_state(&state, a).ok_or("a disabled step")?;
            steps.push((a.clone(), next.clone()));
            state = next;
        }
        let broken = state.broken.clone();
        let path = Path { init, steps };
        let (scenario, lines) = to_scenario(model, &path, &self.spec)?;
        let json = serde_json::to_string_pretty(&scenario).map_err(|e| e.to_string())?;
        let replay = replay(&json, broken.as_ref().map(|b| b.invariant.as_str()).unwrap_or(""));
        Ok(Followed { broken, steps: lines, scenario: json, replay })
    }
}

/// The path as a scenario with an explicit schedule, one step per explorer step at
/// `k × quantum`, messages named by the ids the simulator gives them (found by running the
/// simulator along the path).
fn to_scenario<P>(
    model: &WorldModel<P>,
    path: &Path<WorldModel<P>>,
    spec: &Spec,
) -> Result<(Scenario, Vec<String>), String>
where
    P: Protocol + Invariants + Hash,
    P::Durable: Hash,
    P::Checker: Hash,
    P::Config: Serialize,
{
    let setup = &model.setup;
    let mut scenario = Scenario::default_for(P::NAME, setup.bounds.nodes, 1);
    scenario.name = format!("explore: {}", spec.describe());
    scenario.description = format!(
        "A counterexample found by `cap explore` ({}). Explicit schedule: each step delivers a \
         message, fires a timer or acts, in the explorer's order.",
        spec.describe()
    );
    scenario.config = Some(serde_json::value::to_raw_value(&setup.config).map_err(|e| e.to_string())?);
    scenario.clients = setup.clients.iter().map(|(node, _)| ClientSpec { node: *node, timeout_ms: 1_000 }).collect();
    scenario.schedule = Schedule::Explicit;
    let mut sim = Sim::<P>::new(scenario.clone(), setup.config.clone());
    let mut prev = &path.init;
    let mut steps = Vec::new();
    let mut lines = Vec::new();
    for (k, (a, next)) in path.steps.iter().enumerate() {
        let at = (k as u64 + 1) * setup.quantum;
        sim.run_until(at);
        let find = |i: usize| -> Result<u64, String> {
            let env = &prev.msgs[i];
            sim.in_flight()
                .iter()
                .find(|(_, m)| {
                    m.lost_at.is_none()
                        && m.from == env.from
                        && m.to == env.to
                        && super::world::message_key(m.from, m.to, &m.payload) == env.key
                })
                .map(|(id, _)| *id)
                .ok_or_else(|| format!("step {}: the simulator has no such message in flight", k + 1))
        };
        let action = match a {
            Step::Deliver(i) => Action::Deliver { id: find(*i)? },
            Step::Drop(i) => Action::DropMessage { id: find(*i)? },
            Step::Fire(n, t) => Action::FireTimer { node: *n, timer: format!("{t:?}") },
            Step::Invoke(c) => {
                let op = model.next_op(prev, *c).ok_or("no operation left")?;
                Action::Client { client: *c, op: OpText::of(&op) }
            }
            Step::Retry(c) => Action::ClientTimer { client: *c, timer: "retry".into() },
            Step::GiveUp(c) => Action::ClientTimer { client: *c, timer: "timeout".into() },
            Step::Crash(n) => Action::Crash { node: *n },
            Step::Restart(n) => Action::Restart { node: *n },
            Step::Isolate(n) => {
                let mut cut = vec![Member::Node(*n)];
                let mut rest = Vec::new();
                for m in 0..setup.bounds.nodes {
                    if m != *n {
                        rest.push(Member::Node(m));
                    }
                }
                for (c, (node, _)) in setup.clients.iter().enumerate() {
                    if node == n {
                        cut.push(Member::Client(c as u32))
                    } else {
                        rest.push(Member::Client(c as u32))
                    }
                }
                Action::Partition { groups: vec![rest, cut] }
            }
            Step::Heal => Action::Heal,
        };
        sim.apply(action.clone())?;
        lines.push(model.describe(prev, a));
        steps.push(ScenarioStep { at, action });
        prev = next;
    }
    scenario.until = (path.steps.len() as u64 + 1) * setup.quantum;
    scenario.steps = steps;
    Ok((scenario, lines))
}

/// Replay a scenario as `cap run` does: run to `until`, then the invariant violations and, for
/// a protocol that promises it, the history's linearizability.
pub fn replay(json: &str, expected: &str) -> Replay {
    let mut sim = match AnySim::from_json(json) {
        Ok(s) => s,
        Err(e) => {
            return Replay {
                trace_hash: String::new(),
                invariant: Some("scenario".into()),
                detail: Some(e),
                same_violation: false,
            }
        }
    };
    let until = sim.scenario().until;
    sim.run_until(until);
    let trace_hash = format!("{:016x}", sim.trace_hash());
    let (invariant, detail) = match sim.violations().first() {
        Some(v) => (Some(v.invariant.clone()), Some(v.detail.clone())),
        None if sim.promises_linearizability() => match check_history(&sim.history(), DEFAULT_BUDGET).verdict {
            Verdict::NotLinearizable { witness } => (Some("Linearizability".into()), Some(witness.sentence)),
            _ => (None, None),
        },
        None => (None, None),
    };
    let same_violation = invariant.as_deref() == Some(expected);
    Replay { trace_hash, invariant, detail, same_violation }
}

/// Fold a model's path into step descriptions (for models without a scenario).
pub fn describe_path<M: Model>(path: &Path<M>) -> Vec<String> {
    path.steps.iter().map(|(a, _)| format!("{a:?}")).collect()
}
