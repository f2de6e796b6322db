//! Raft's settings as a randomised sweep tries them (`cap sweep --protocol raft`): PreVote and
//! CheckQuorum on and off, snapshots at several thresholds. (The settings themselves,
//! `RaftConfig`, are in `mod.rs`.)

use crate::core::ops::Draw;
use serde_json::Value;

/// The settings a sweep draws for a cluster of `_nodes`, in draw order.
pub fn sweep_config(draw: &mut dyn Draw, _nodes: u32) -> Vec<(&'static str, Value)> {
    vec![
        ("pre_vote", draw.chance(0.5).into()),
        ("check_quorum", draw.chance(0.5).into()),
        ("snapshot_threshold", [0u64, 6, 24][draw.index(3)].into()),
    ]
}
