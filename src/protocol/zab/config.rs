//! ZAB's settings as a randomised sweep tries them (`cap sweep --protocol zab`): reads with and
//! without sync, and random ticks, limits, notification and snapshot settings. (The settings
//! themselves, `ZabConfig`, are in `mod.rs`.)

use crate::core::ops::Draw;
use serde_json::{json, Value};

/// The settings a sweep draws for a cluster of `_nodes`, in draw order.
pub fn sweep_config(draw: &mut dyn Draw, _nodes: u32) -> Vec<(&'static str, Value)> {
    let sync_reads = draw.chance(0.5);
    let tick = [30u64, 50][draw.index(2)];
    let sync_limit = tick * draw.u64_in(4, 10);
    let init_limit = tick * draw.u64_in(10, 25);
    let lo = draw.u64_in(60, 150);
    let notify = json!([lo, lo + draw.u64_in(0, 150)]);
    vec![
        ("sync_reads", sync_reads.into()),
        ("tick_ms", tick.into()),
        ("sync_limit_ms", sync_limit.into()),
        ("init_limit_ms", init_limit.into()),
        ("notify_ms", notify),
        ("finalize_wait_ms", [20u64, 50, 100][draw.index(3)].into()),
        ("snap_threshold", [2u64, 8, 32][draw.index(3)].into()),
    ]
}
