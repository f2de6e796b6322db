//! Exhaustive exploration: every schedule of a bounded world, not a sample of them.
//!
//! Random sweeps (`cap sweep`) sample schedules; they never say "no schedule of this size breaks
//! it". This module does, the way TLC and Stateright do, but over the *same* protocol code the
//! simulator runs and the reader watches (see [`world`]), plus one reference model written from a
//! published TLA+ specification so its state counts can be checked against TLC's ([`twophase`]).
//!
//! ```text
//!   init ──▶ frontier (BFS: a queue, shortest counterexample first; DFS: a stack)
//!              │ pop a state s (depth d < max depth)
//!              ▼
//!           every enabled action a of s ──▶ s' = next(s, a) ──▶ fingerprint(s') (128-bit)
//!              seen before? drop it : record parent, check invariants, push s'
//!              a violation ──▶ walk parents back to init ──▶ the path, re-executed from init
//! ```
//!
//! Design choices (and why):
//! * **Fingerprints, not states, are remembered.** A visited state costs its 128-bit
//!   fingerprint and its parent's (32 bytes plus the table's slack); only the frontier holds whole
//!   states. At 128 bits a collision among even 10^9 states has probability below 10^-20, so a
//!   collision (which would wrongly prune a state) is not a practical concern. The hash is
//!   xxHash3-128, which is portable: the same world gives the same fingerprint natively and in
//!   wasm, so the counts are identical everywhere.
//! * **Paths are rebuilt, not stored.** To print a counterexample we follow parent fingerprints
//!   back to an initial state, then re-execute forward, at each step choosing the action whose
//!   successor has the next fingerprint (as Stateright does). No action is stored per state.
//! * **Bounded, always.** `max_states` bounds the distinct states kept (so memory is bounded: the
//!   visited table and the frontier can never hold more) and `max_depth` bounds path length. The
//!   outcome says honestly whether the search was exhaustive within its bounds.
//! * **No clock below this line.** States per second are measured by the caller (the CLI, the
//!   Web Worker); the explorer counts, so a run is deterministic and can be sliced
//!   ([`Explorer::run`] takes an allowance of expansions and can be resumed).

pub mod session;
pub mod twophase;
pub mod walk;
pub mod world;

use std::collections::{HashMap, VecDeque};
use std::fmt::Debug;
use std::hash::{BuildHasherDefault, Hasher};

/// A state's 128-bit fingerprint.
pub type Fp = u128;

/// The hasher fingerprints are computed with: xxHash3-128 (portable, fast on small writes),
/// writing every `usize` (a `Vec`'s length, an index) as 8 bytes. `Hash` feeds `usize`s in the
/// platform's width, 4 bytes in wasm and 8 natively, so without this a world's fingerprint and
/// its messages' sort keys would differ between the browser and the CLI, and so would the order
/// of enabled actions that random walks draw from.
pub struct FpHasher(xxhash_rust::xxh3::Xxh3Default);

impl FpHasher {
    /// The 128-bit digest of everything written.
    pub fn digest128(&self) -> u128 {
        self.0.digest128()
    }
}

impl Hasher for FpHasher {
    fn finish(&self) -> u64 {
        self.0.finish()
    }
    fn write(&mut self, bytes: &[u8]) {
        self.0.write(bytes)
    }
    fn write_usize(&mut self, n: usize) {
        self.0.write(&(n as u64).to_le_bytes())
    }
    fn write_isize(&mut self, n: isize) {
        self.0.write(&(n as i64).to_le_bytes())
    }
}

/// A fresh fingerprint hasher.
pub fn fp_hasher() -> FpHasher {
    FpHasher(xxhash_rust::xxh3::Xxh3Default::new())
}

/// An invariant broken in some state: which one, and what was seen, in words.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize)]
pub struct Broken {
    /// The invariant's name, e.g. `Election Safety` or `Linearizability`.
    pub invariant: String,
    /// What was seen.
    pub detail: String,
}

/// A system to explore: its initial states, the actions enabled in a state, their effect, a
/// fingerprint and the properties to check.
pub trait Model {
    /// A whole-system state.
    type State: Clone;
    /// One atomic step.
    type Action: Clone + Debug;
    /// The initial states.
    fn init_states(&self) -> Vec<Self::State>;
    /// Every action enabled in `state`, appended to `out` in a deterministic order.
    fn actions(&self, state: &Self::State, out: &mut Vec<Self::Action>);
    /// The successor of `state` under `action` (`None` when the action turns out disabled).
    fn next_state(&self, state: &Self::State, action: &Self::Action) -> Option<Self::State>;
    /// The state's fingerprint; with `symmetry`, the same for every state in its orbit under the
    /// model's symmetry group (so only one representative is explored).
    fn fingerprint(&self, state: &Self::State, symmetry: bool) -> Fp;
    /// The first property `state` violates, if any.
    fn check(&self, state: &Self::State) -> Option<Broken>;
    /// One line naming `action` taken in `state`, the same for the same step wherever it is
    /// taken (the random walker matches a shrunk path's steps by it).
    fn label(&self, _state: &Self::State, action: &Self::Action) -> String {
        format!("{action:?}")
    }
    /// True for a step the environment takes of its own accord (a timer firing, a crash, a
    /// client's next operation), false for one that reacts to what is there (delivering a
    /// message already sent). The random walker varies how often it takes each kind.
    fn spontaneous(&self, _action: &Self::Action) -> bool {
        false
    }
    /// True when `state` may be explored further (a model's own bounds, e.g. crash budgets, are
    /// in its actions; this is for bounds on the state itself).
    fn within_bounds(&self, _state: &Self::State) -> bool {
        true
    }
}

/// Search order.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Order {
    /// Breadth-first: the first violation found has a shortest counterexample.
    Bfs,
    /// Depth-first: reaches deep states sooner with a small frontier; paths need not be shortest.
    Dfs,
}

/// The explorer's bounds and switches.
#[derive(Clone, Debug)]
pub struct Options {
    /// BFS or DFS.
    pub order: Order,
    /// States at this depth are not expanded (the initial states are at depth 0).
    pub max_depth: u32,
    /// Stop once this many distinct states are known.
    pub max_states: u64,
    /// Identify states that differ only by a symmetry of the model.
    pub symmetry: bool,
}

impl Default for Options {
    fn default() -> Self {
        Options { order: Order::Bfs, max_depth: u32::MAX, max_states: 1_000_000, symmetry: false }
    }
}

/// Where the search stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Status {
    /// More work left; call [`Explorer::run`] again.
    Running,
    /// Every state within the bounds was explored and none violates a property. `depth_limited`
    /// says whether the depth bound cut some path short (the search is then exhaustive up to that
    /// depth, not for every reachable state).
    Exhaustive {
        /// Some state at the depth bound still had enabled actions.
        depth_limited: bool,
    },
    /// Stopped at `max_states` distinct states: not exhaustive.
    StateLimit,
    /// A reachable state violates a property.
    Violation(Broken),
    /// Random walks ([`walk`]) ended without a violation: a sample, not exhaustive.
    Sampled {
        /// Walks taken.
        walks: u64,
    },
}

/// Counters a caller prints.
#[derive(Clone, Debug, Default, PartialEq, Eq, serde::Serialize)]
pub struct Stats {
    /// Initial states plus every successor computed (duplicates included), as TLC counts
    /// "states generated".
    pub generated: u64,
    /// Distinct states (by fingerprint) found.
    pub distinct: u64,
    /// Deepest state found (initial states at depth 0).
    pub max_depth: u32,
    /// States still waiting in the frontier.
    pub frontier: u64,
    /// Random walks finished (random walks only; see [`walk`]).
    pub walks: u64,
}

/// Identity hashing for fingerprints (they are already uniformly distributed).
#[derive(Default)]
pub struct FpIdentity(u64);

impl Hasher for FpIdentity {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = self.0.rotate_left(8) ^ u64::from(*b);
        }
    }
    fn write_u128(&mut self, n: u128) {
        self.0 = n as u64;
    }
}

/// Fingerprint → (parent fingerprint, depth at which it was reached); the initial states are
/// their own parents. Only looked up, never iterated, so its order cannot leak into results.
type Visited = HashMap<Fp, (Fp, u32), BuildHasherDefault<FpIdentity>>;

/// A resumable search over a [`Model`].
pub struct Explorer<M: Model> {
    model: M,
    opts: Options,
    visited: Visited,
    frontier: VecDeque<(M::State, Fp, u32)>,
    stats: Stats,
    status: Status,
    depth_limited: bool,
    /// Fingerprint of the violating state, when one was found.
    bad: Option<Fp>,
    actions: Vec<M::Action>,
}

impl<M: Model> Explorer<M> {
    /// Start a search: the initial states are fingerprinted and checked.
    pub fn new(model: M, opts: Options) -> Self {
        let mut ex = Explorer {
            model,
            opts,
            visited: Visited::default(),
            frontier: VecDeque::new(),
            stats: Stats::default(),
            status: Status::Running,
            depth_limited: false,
            bad: None,
            actions: Vec::new(),
        };
        for s in ex.model.init_states() {
            ex.stats.generated += 1;
            let fp = ex.model.fingerprint(&s, ex.opts.symmetry);
            if ex.visited.contains_key(&fp) {
                continue;
            }
            ex.visited.insert(fp, (fp, 0));
            ex.stats.distinct += 1;
            if let Some(b) = ex.model.check(&s) {
                ex.bad = Some(fp);
                ex.status = Status::Violation(b);
                break;
            }
            ex.frontier.push_back((s, fp, 0));
        }
        ex.stats.frontier = ex.frontier.len() as u64;
        ex
    }

    /// The model explored.
    pub fn model(&self) -> &M {
        &self.model
    }
    /// Counters so far.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Where the search stands.
    pub fn status(&self) -> &Status {
        &self.status
    }
    /// The options it runs with.
    pub fn options(&self) -> &Options {
        &self.opts
    }
    /// Bytes the visited table holds per distinct state (entry plus control byte and the table's
    /// spare capacity), a deterministic figure computed from its capacity.
    pub fn table_bytes(&self) -> usize {
        self.visited.capacity() * (std::mem::size_of::<(Fp, (Fp, u32))>() + 1)
    }

    /// Expand up to `allowance` states; returns the status afterwards (`Running` when the
    /// allowance ran out first).
    pub fn run(&mut self, allowance: u64) -> &Status {
        let mut left = allowance;
        while self.status == Status::Running {
            if left == 0 {
                return &self.status;
            }
            left -= 1;
            let popped = match self.opts.order {
                Order::Bfs => self.frontier.pop_front(),
                Order::Dfs => self.frontier.pop_back(),
            };
            let Some((state, fp, depth)) = popped else {
                self.status = Status::Exhaustive { depth_limited: self.depth_limited };
                break;
            };
            self.expand(state, fp, depth);
            self.stats.frontier = self.frontier.len() as u64;
        }
        &self.status
    }

    fn expand(&mut self, state: M::State, fp: Fp, depth: u32) {
        let mut actions = std::mem::take(&mut self.actions);
        actions.clear();
        self.model.actions(&state, &mut actions);
        if depth >= self.opts.max_depth || !self.model.within_bounds(&state) {
            if !actions.is_empty() {
                self.depth_limited = true;
            }
            self.actions = actions;
            return;
        }
        for a in &actions {
            let Some(next) = self.model.next_state(&state, a) else { continue };
            self.stats.generated += 1;
            let nfp = self.model.fingerprint(&next, self.opts.symmetry);
            if let Some(seen) = self.visited.get_mut(&nfp) {
                // Depth-first with a depth bound: a state first reached on a long path and now on
                // a shorter one is explored again from here, or states within the bound that are
                // only reachable through it would be missed. (Breadth-first reaches every state
                // first on a shortest path, so this never happens there.)
                if seen.1 > depth + 1 && self.opts.max_depth != u32::MAX {
                    *seen = (fp, depth + 1);
                    self.frontier.push_back((next, nfp, depth + 1));
                }
                continue;
            }
            if self.stats.distinct >= self.opts.max_states {
                self.status = Status::StateLimit;
                break;
            }
            self.visited.insert(nfp, (fp, depth + 1));
            self.stats.distinct += 1;
            self.stats.max_depth = self.stats.max_depth.max(depth + 1);
            if let Some(b) = self.model.check(&next) {
                self.bad = Some(nfp);
                self.status = Status::Violation(b);
                break;
            }
            self.frontier.push_back((next, nfp, depth + 1));
        }
        self.actions = actions;
    }

    /// The path to the violating state: the initial state and each action with the state it
    /// leads to. `None` when no violation was found.
    pub fn counterexample(&self) -> Option<Path<M>> {
        let bad = self.bad?;
        // Fingerprints from the violating state back to an initial state.
        let mut fps = vec![bad];
        let mut cur = bad;
        loop {
            let (parent, _) = *self.visited.get(&cur)?;
            if parent == cur {
                break;
            }
            fps.push(parent);
            cur = parent;
            if fps.len() as u64 > self.stats.distinct + 1 {
                return None; // a cycle cannot happen; refuse rather than loop
            }
        }
        fps.reverse();
        let sym = self.opts.symmetry;
        let init = self.model.init_states().into_iter().find(|s| self.model.fingerprint(s, sym) == fps[0])?;
        let mut steps = Vec::new();
        let mut state = init.clone();
        let mut actions = Vec::new();
        for want in &fps[1..] {
            actions.clear();
            self.model.actions(&state, &mut actions);
            let (a, next) = actions.iter().find_map(|a| {
                let n = self.model.next_state(&state, a)?;
                (self.model.fingerprint(&n, sym) == *want).then(|| (a.clone(), n))
            })?;
            steps.push((a, next.clone()));
            state = next;
        }
        Some(Path { init, steps })
    }
}

/// A path through the state space: an initial state and each step's action and resulting state.
pub struct Path<M: Model> {
    /// Where it starts.
    pub init: M::State,
    /// Each action and the state after it.
    pub steps: Vec<(M::Action, M::State)>,
}

impl<M: Model> Path<M> {
    /// The state the path ends in.
    pub fn last(&self) -> &M::State {
        self.steps.last().map(|(_, s)| s).unwrap_or(&self.init)
    }
}
