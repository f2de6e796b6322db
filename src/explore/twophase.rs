//! Gray and Lamport's `TwoPhase` specification, the TLA+ model of two-phase commit from
//! "Consensus on Transaction Commit" (ACM TODS 31(1), 2006, section 3 and appendix A.2), written
//! action for action as a [`Model`] so the explorer's state counts can be checked against TLC's.
//!
//! It is an explorer-only model: not a simulated protocol (the simulator's 2PC, with its bank,
//! locks, timers and recovery, is `protocol::twopc`), not in the browser's protocol list.
//!
//! ```text
//!   VARIABLES rmState  \in [RM -> {"working", "prepared", "committed", "aborted"}]
//!             tmState  \in {"init", "committed", "aborted"}
//!             tmPrepared \subseteq RM             (RMs whose "Prepared" the TM received)
//!             msgs     \subseteq Message          (every message ever sent; never removed)
//!
//!   rm:  working ──RMPrepare──▶ prepared ──RMRcvCommitMsg──▶ committed
//!          │                       └──────RMRcvAbortMsg───▶ aborted
//!          └──RMChooseToAbort / RMRcvAbortMsg──▶ aborted
//!   tm:  init ──TMCommit (tmPrepared = RM)──▶ committed      init ──TMAbort──▶ aborted
//! ```
//!
//! Faithfulness notes. `TPNext` is the disjunction of `TMCommit`, `TMAbort` and, for every RM,
//! `TMRcvPrepared`, `RMPrepare`, `RMChooseToAbort`, `RMRcvCommitMsg` and `RMRcvAbortMsg`; an
//! action instance is enabled exactly when its guard holds, even when its effect leaves the state
//! unchanged (the TM receiving a "Prepared" it already has, an RM receiving "Commit" twice), because
//! that is how TLC enumerates successors: so "states generated" matches TLC's too, not only the
//! distinct count. `msgs` is a set, as in the spec: a message is never consumed. The invariants
//! checked are `TPTypeOK` (true by construction of the Rust types) and the Transaction Commit
//! spec's `TCConsistent`: no RM has aborted while another has committed.
//!
//! The state has the same shape as the TLA+ variables (a vector per RM, a set of messages), which
//! is also the shape Stateright's two-phase-commit example uses, so the benchmark compares the two
//! explorers on equal terms.
//!
//! **Symmetry.** The spec treats RMs interchangeably (TLC accepts `SYMMETRY Permutations(RM)`), so
//! permuting RM names maps reachable states to reachable states and preserves `TCConsistent`. The
//! canonical form sorts the per-RM records (state, in `tmPrepared`, has sent "Prepared"): two
//! states get the same fingerprint exactly when some permutation maps one onto the other, which
//! is the orbit TLC's symmetry reduction keeps one state of.

use super::{fp_hasher, Broken, Fp, Model};
use std::collections::BTreeSet;
use std::hash::Hash;

/// A resource manager's state (`rmState[rm]`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum RmState {
    /// "working"
    Working,
    /// "prepared"
    Prepared,
    /// "committed"
    Committed,
    /// "aborted"
    Aborted,
}

/// The transaction manager's state (`tmState`).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum TmState {
    /// "init"
    Init,
    /// "committed"
    Committed,
    /// "aborted"
    Aborted,
}

/// A message of the set `Message`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Message {
    /// `[type |-> "Prepared", rm |-> rm]`, RM to TM.
    Prepared(usize),
    /// `[type |-> "Commit"]`, TM to every RM.
    Commit,
    /// `[type |-> "Abort"]`, TM to every RM.
    Abort,
}

/// The four variables of the spec.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct TwoPhaseState {
    /// `rmState`
    pub rm_state: Vec<RmState>,
    /// `tmState`
    pub tm_state: TmState,
    /// `tmPrepared`, as a membership vector over RMs.
    pub tm_prepared: Vec<bool>,
    /// `msgs`
    pub msgs: BTreeSet<Message>,
}

/// The disjuncts of `TPNext`.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TwoPhaseAction {
    /// `TMRcvPrepared(rm)`
    TmRcvPrepared(usize),
    /// `TMCommit`
    TmCommit,
    /// `TMAbort`
    TmAbort,
    /// `RMPrepare(rm)`
    RmPrepare(usize),
    /// `RMChooseToAbort(rm)`
    RmChooseToAbort(usize),
    /// `RMRcvCommitMsg(rm)`
    RmRcvCommitMsg(usize),
    /// `RMRcvAbortMsg(rm)`
    RmRcvAbortMsg(usize),
}

/// The model with `CONSTANT RM = {r1, …, r<rms>}`.
#[derive(Clone, Debug)]
pub struct TwoPhase {
    /// Number of resource managers.
    pub rms: usize,
}

impl Model for TwoPhase {
    type State = TwoPhaseState;
    type Action = TwoPhaseAction;

    /// `TPInit`
    fn init_states(&self) -> Vec<TwoPhaseState> {
        vec![TwoPhaseState {
            rm_state: vec![RmState::Working; self.rms],
            tm_state: TmState::Init,
            tm_prepared: vec![false; self.rms],
            msgs: BTreeSet::new(),
        }]
    }

    /// The enabled disjuncts of `TPNext`, in the spec's order.
    fn actions(&self, s: &TwoPhaseState, out: &mut Vec<TwoPhaseAction>) {
        use TwoPhaseAction::*;
        if s.tm_state == TmState::Init && s.tm_prepared.iter().all(|p| *p) {
            out.push(TmCommit);
        }
        if s.tm_state == TmState::Init {
            out.push(TmAbort);
        }
        for rm in 0..self.rms {
            if s.tm_state == TmState::Init && s.msgs.contains(&Message::Prepared(rm)) {
                out.push(TmRcvPrepared(rm));
            }
            if s.rm_state[rm] == RmState::Working {
                out.push(RmPrepare(rm));
                out.push(RmChooseToAbort(rm));
            }
            if s.msgs.contains(&Message::Commit) {
                out.push(RmRcvCommitMsg(rm));
            }
            if s.msgs.contains(&Message::Abort) {
                out.push(RmRcvAbortMsg(rm));
            }
        }
    }

    fn next_state(&self, s: &TwoPhaseState, a: &TwoPhaseAction) -> Option<TwoPhaseState> {
        let mut t = s.clone();
        match *a {
            // tmPrepared' = tmPrepared \cup {rm}
            TwoPhaseAction::TmRcvPrepared(rm) => t.tm_prepared[rm] = true,
            // tmState' = "committed", msgs' = msgs \cup {[type |-> "Commit"]}
            TwoPhaseAction::TmCommit => {
                t.tm_state = TmState::Committed;
                t.msgs.insert(Message::Commit);
            }
            // tmState' = "aborted", msgs' = msgs \cup {[type |-> "Abort"]}
            TwoPhaseAction::TmAbort => {
                t.tm_state = TmState::Aborted;
                t.msgs.insert(Message::Abort);
            }
            // rmState' = [rmState EXCEPT ![rm] = "prepared"], msgs' = msgs \cup {Prepared(rm)}
            TwoPhaseAction::RmPrepare(rm) => {
                t.rm_state[rm] = RmState::Prepared;
                t.msgs.insert(Message::Prepared(rm));
            }
            TwoPhaseAction::RmChooseToAbort(rm) => t.rm_state[rm] = RmState::Aborted,
            TwoPhaseAction::RmRcvCommitMsg(rm) => t.rm_state[rm] = RmState::Committed,
            TwoPhaseAction::RmRcvAbortMsg(rm) => t.rm_state[rm] = RmState::Aborted,
        }
        Some(t)
    }

    fn fingerprint(&self, s: &TwoPhaseState, symmetry: bool) -> Fp {
        let mut h = fp_hasher();
        if symmetry {
            // One record per RM, sorted: equal for every state of the orbit under Permutations(RM).
            let mut recs: Vec<(RmState, bool, bool)> = (0..self.rms)
                .map(|rm| (s.rm_state[rm], s.tm_prepared[rm], s.msgs.contains(&Message::Prepared(rm))))
                .collect();
            recs.sort_unstable();
            recs.hash(&mut h);
            s.tm_state.hash(&mut h);
            s.msgs.contains(&Message::Commit).hash(&mut h);
            s.msgs.contains(&Message::Abort).hash(&mut h);
        } else {
            s.hash(&mut h);
        }
        h.digest128()
    }

    /// `TCConsistent`: no RM has aborted while another has committed.
    fn check(&self, s: &TwoPhaseState) -> Option<Broken> {
        let committed = s.rm_state.iter().position(|r| *r == RmState::Committed)?;
        let aborted = s.rm_state.iter().position(|r| *r == RmState::Aborted)?;
        Some(Broken {
            invariant: "TCConsistent".into(),
            detail: format!("r{} committed while r{} aborted", committed + 1, aborted + 1),
        })
    }
}
