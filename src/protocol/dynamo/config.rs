//! Dynamo's settings as a randomised sweep tries them (`cap sweep --protocol dynamo`): N, R, W
//! with R + W > N in some runs and not in others, and every switch on and off. (The settings
//! themselves, `DynamoConfig`, are in `mod.rs`.)

use crate::core::ops::Draw;
use serde_json::Value;

/// The settings a sweep draws for a cluster of `_nodes`, in draw order.
pub fn sweep_config(draw: &mut dyn Draw, _nodes: u32) -> Vec<(&'static str, Value)> {
    let n = draw.u32_in(1, 3);
    let r = draw.u32_in(1, n);
    let w = draw.u32_in(1, n);
    let vnodes = [1u32, 2, 4, 8][draw.index(4)];
    let sloppy = draw.chance(0.5);
    let hinted = sloppy && draw.chance(0.8);
    vec![
        ("n", n.into()),
        ("r", r.into()),
        ("w", w.into()),
        ("vnodes", vnodes.into()),
        ("sloppy_quorum", sloppy.into()),
        ("hinted_handoff", hinted.into()),
        ("last_writer_wins", draw.chance(0.3).into()),
        ("read_repair", draw.chance(0.5).into()),
        ("anti_entropy_ms", [100u64, 200, 400][draw.index(3)].into()),
    ]
}
