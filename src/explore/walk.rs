//! Random walks over the same transition relation the exhaustive search uses: TLC's `-simulate`
//! mode and Stateright's simulation checker, for state spaces too deep to enumerate.
//!
//! ```text
//!   repeat `walks` times (seeded, so a run is reproducible):
//!     s ← an initial state
//!     until depth D, no action enabled, or a state beyond the model's bounds:
//!       a ← one enabled action at random (swarm: see below);  s ← next(s, a);  check(s)
//!   a violation ──▶ its path, shrunk: steps dropped one (then two) at a time while the rest,
//!                   re-executed from the initial state, still breaks the same invariant
//! ```
//!
//! Why: breadth-first search proves "no schedule of this size breaks it", but some bugs lie
//! deeper than it can reach. Raft's Figure 8 needs four elections and a partial re-replication,
//! 18 steps at the least with three servers; breadth-first search to that depth is beyond a
//! laptop (millions of states by depth 11). A walk costs memory for one path only, so it reaches
//! any depth, and a schedule it finds is then shrunk to one where every remaining step matters.
//!
//! **Swarm walks** (Groce et al., "Swarm Testing", ISSTA 2012): a walk that picks uniformly among
//! enabled actions fires timers as soon as they are armed, so elections duel and the timer budget
//! is spent before any election completes. Each walk therefore draws its own bias, how often it
//! takes a spontaneous step (a timer, a crash, a client's operation: [`Model::spontaneous`])
//! rather than delivering a message, from [`SWARM`]; some walks let every message land before
//! the next timeout, some are uniform, some are impatient.
//!
//! What it cannot say is that nothing is there: a run without a violation is reported as
//! [`Status::Sampled`], never as exhaustive.

use super::{Broken, Model, Path, Stats, Status};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The walker's bounds.
#[derive(Clone, Debug)]
pub struct WalkOptions {
    /// Random walks to take.
    pub walks: u64,
    /// Steps per walk at most.
    pub max_depth: u32,
    /// Seed of the walks' generator.
    pub seed: u64,
}

/// The per-walk chance of taking a spontaneous step when both kinds are enabled; `None` picks
/// uniformly among all enabled actions.
pub const SWARM: [Option<f64>; 5] = [None, Some(0.5), Some(0.2), Some(0.05), Some(0.01)];

/// Shrinking re-executes candidate paths; it stops after this many (each is at most a walk's
/// length of steps), so a long counterexample cannot make it run unboundedly.
const SHRINK_REPLAYS: usize = 50_000;

/// A walk under way: its initial state's index, the actions so far, the state now and its swarm
/// bias.
struct InProgress<M: Model> {
    init: usize,
    path: Vec<M::Action>,
    state: M::State,
    bias: Option<f64>,
}

/// A resumable run of random walks over a [`Model`].
pub struct Walker<M: Model> {
    model: M,
    opts: WalkOptions,
    rng: Pcg64Mcg,
    stats: Stats,
    status: Status,
    /// The walk in progress.
    walk: Option<InProgress<M>>,
    /// The violating walk, once found: initial state's index and the actions taken.
    found: Option<(usize, Vec<M::Action>)>,
    actions: Vec<M::Action>,
}

impl<M: Model> Walker<M> {
    /// Start the walks.
    pub fn new(model: M, opts: WalkOptions) -> Self {
        let rng = Pcg64Mcg::seed_from_u64(opts.seed);
        Walker {
            model,
            opts,
            rng,
            stats: Stats::default(),
            status: Status::Running,
            walk: None,
            found: None,
            actions: Vec::new(),
        }
    }

    /// The model walked.
    pub fn model(&self) -> &M {
        &self.model
    }
    /// Counters so far: `generated` counts steps taken, `walks` walks finished.
    pub fn stats(&self) -> &Stats {
        &self.stats
    }
    /// Where the run stands.
    pub fn status(&self) -> &Status {
        &self.status
    }

    /// Take up to `allowance` steps (a new walk's initial state counts as one).
    pub fn run(&mut self, allowance: u64) -> &Status {
        let mut left = allowance;
        while self.status == Status::Running && left > 0 {
            left -= 1;
            let Some(InProgress { init, mut path, state, bias }) = self.walk.take() else {
                if self.stats.walks >= self.opts.walks {
                    self.status = Status::Sampled { walks: self.stats.walks };
                    break;
                }
                let mut inits = self.model.init_states();
                if inits.is_empty() {
                    self.status = Status::Sampled { walks: self.stats.walks };
                    break;
                }
                let k = self.below(inits.len());
                let s = inits.swap_remove(k);
                self.stats.generated += 1;
                if let Some(b) = self.model.check(&s) {
                    self.found = Some((k, Vec::new()));
                    self.status = Status::Violation(b);
                    break;
                }
                let bias = SWARM[self.below(SWARM.len())];
                self.walk = Some(InProgress { init: k, path: Vec::new(), state: s, bias });
                continue;
            };
            let mut actions = std::mem::take(&mut self.actions);
            actions.clear();
            self.model.actions(&state, &mut actions);
            let depth = path.len() as u32;
            let next = if actions.is_empty() || depth >= self.opts.max_depth || !self.model.within_bounds(&state) {
                None
            } else {
                let a = self.pick(&mut actions, bias);
                self.model.next_state(&state, &a).map(|n| (a, n))
            };
            self.actions = actions;
            let Some((a, next)) = next else {
                self.stats.walks += 1;
                continue;
            };
            self.stats.generated += 1;
            self.stats.max_depth = self.stats.max_depth.max(depth + 1);
            path.push(a);
            if let Some(b) = self.model.check(&next) {
                self.stats.walks += 1;
                self.found = Some((init, path));
                self.status = Status::Violation(b);
                break;
            }
            self.walk = Some(InProgress { init, path, state: next, bias });
        }
        &self.status
    }

    /// A number in `0..n`, drawn as a `u64`: `usize` is 32 bits in wasm and 64 natively, and the
    /// generator samples ranges of the two widths differently, so drawing a `usize` would give
    /// other walks in the browser than in the CLI.
    fn below(&mut self, n: usize) -> usize {
        self.rng.random_range(0..n as u64) as usize
    }

    /// One of `actions` (not empty): with `bias` p, a spontaneous one with probability p when
    /// both kinds are enabled; otherwise uniformly.
    fn pick(&mut self, actions: &mut Vec<M::Action>, bias: Option<f64>) -> M::Action {
        if let Some(p) = bias {
            let spontaneous = actions.iter().filter(|a| self.model.spontaneous(a)).count();
            if spontaneous > 0 && spontaneous < actions.len() {
                let want = self.rng.random_bool(p);
                let k = self.below(if want { spontaneous } else { actions.len() - spontaneous });
                let i = actions
                    .iter()
                    .enumerate()
                    .filter(|(_, a)| self.model.spontaneous(a) == want)
                    .nth(k)
                    .map(|(i, _)| i)
                    .expect("k is below the count");
                return actions.swap_remove(i);
            }
        }
        let k = self.below(actions.len());
        actions.swap_remove(k)
    }

    /// The violating walk, shrunk (see the module doc). `None` when no violation was found.
    pub fn counterexample(&self) -> Option<Path<M>> {
        let Status::Violation(broken) = &self.status else { return None };
        let (k, actions) = self.found.as_ref()?;
        let init = self.model.init_states().into_iter().nth(*k)?;
        // The walk as labels, so a shorter candidate can be matched step by step in the states
        // it actually reaches (an action's index-based identity shifts once a step is dropped).
        let mut labels = Vec::with_capacity(actions.len());
        let mut state = init.clone();
        for a in actions {
            labels.push(self.model.label(&state, a));
            state = self.model.next_state(&state, a)?;
        }
        let mut best = self.replay(&init, &labels, broken)?;
        let mut replays = 0;
        // Drop one step, then two, while the rest still breaks the same invariant.
        'shrink: loop {
            let labels: Vec<String> = {
                let mut s = &best.init;
                best.steps
                    .iter()
                    .map(|(a, n)| {
                        let l = self.model.label(s, a);
                        s = n;
                        l
                    })
                    .collect()
            };
            let n = labels.len();
            // Single steps from the end first (a delivery after its send), then pairs (a send
            // and its delivery, neither droppable alone).
            let singles = (0..n).rev().map(|i| (i, i));
            let pairs = (0..n).flat_map(|i| (i + 1..n).map(move |j| (i, j)));
            for (i, j) in singles.chain(pairs) {
                replays += 1;
                if replays > SHRINK_REPLAYS {
                    break 'shrink;
                }
                let cand: Vec<String> =
                    labels.iter().enumerate().filter(|(x, _)| *x != i && *x != j).map(|(_, l)| l.clone()).collect();
                if let Some(p) = self.replay(&init, &cand, broken) {
                    best = p;
                    continue 'shrink;
                }
            }
            break;
        }
        Some(best)
    }

    /// Follow `labels` from `init`, each matched to an enabled action with that label; the path up
    /// to the first state that breaks `broken`'s invariant, or `None` if a label matches no
    /// enabled action or the invariant is never broken.
    fn replay(&self, init: &M::State, labels: &[String], broken: &Broken) -> Option<Path<M>> {
        let mut state = init.clone();
        let mut steps = Vec::new();
        let mut actions = Vec::new();
        for want in labels {
            actions.clear();
            self.model.actions(&state, &mut actions);
            let a = actions.iter().find(|a| self.model.label(&state, a) == *want)?.clone();
            let next = self.model.next_state(&state, &a)?;
            let b = self.model.check(&next);
            steps.push((a, next.clone()));
            state = next;
            if let Some(b) = b {
                return (b.invariant == broken.invariant).then(|| Path { init: init.clone(), steps });
            }
        }
        None
    }
}
