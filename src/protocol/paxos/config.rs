//! Paxos's and Multi-Paxos's settings as a randomised sweep tries them: every node in every
//! role, or explicit proposer / acceptor / learner sets, and random retry, back-off and
//! election timings. (The settings themselves, `PaxosConfig`, are in `mod.rs`.)

use crate::core::ops::Draw;
use serde_json::{json, Value};

/// The settings a sweep draws for a cluster of `nodes`, in draw order; `multi`: Multi-Paxos,
/// whose proposers must also learn.
pub fn sweep_config(draw: &mut dyn Draw, nodes: u32, multi: bool) -> Vec<(&'static str, Value)> {
    let mut out = Vec::new();
    if draw.chance(0.3) {
        let mut pick = |p: f64| -> Vec<u32> {
            let mut v: Vec<u32> = (0..nodes).filter(|_| draw.chance(p)).collect();
            if v.is_empty() {
                v.push(draw.u32_in(0, nodes - 1));
            }
            v
        };
        let proposers = pick(0.4);
        let acceptors = pick(0.7);
        let mut learners = pick(0.5);
        if multi {
            learners.extend(proposers.iter().copied());
            learners.sort_unstable();
            learners.dedup();
        }
        out.push(("roles", json!({"proposers": proposers, "acceptors": acceptors, "learners": learners})));
    }
    let lo = draw.u64_in(10, 60);
    out.push(("retry_ms", json!([lo, lo + draw.u64_in(50, 250)])));
    out.push(("random_backoff", draw.chance(0.9).into()));
    let e = [100u64, 150, 200][draw.index(3)];
    out.push(("election_timeout_ms", json!([e, 2 * e])));
    out.push(("heartbeat_ms", [30u64, 50][draw.index(2)].into()));
    if multi {
        // Short retention: lagging replicas catch up from snapshots within an 8 s run.
        out.push(("retain_slots", [4u64, 24, 256][draw.index(3)].into()));
    }
    out
}
