//! Two-phase commit's settings and workload as a randomised sweep tries them (`cap sweep
//! --protocol 2pc`): simulated local failures, cooperative termination on and off, random work
//! and timeout settings, and a bank workload of transfers with reads, writes and cas. (The
//! settings themselves, `TwoPcConfig`, are in `mod.rs`.)

use crate::core::ops::Draw;
use serde_json::{json, Value};

/// The settings a sweep draws for a cluster of `_nodes`, in draw order.
pub fn sweep_config(draw: &mut dyn Draw, _nodes: u32) -> Vec<(&'static str, Value)> {
    let fail = [0u32, 0, 10, 30][draw.index(4)];
    let coop = draw.chance(0.5);
    let lo = draw.u64_in(5, 30);
    let work = json!([lo, lo + draw.u64_in(0, 60)]);
    vec![
        ("fail_percent", fail.into()),
        ("cooperative_termination", coop.into()),
        ("work_ms", work),
        ("vote_timeout_ms", [200u64, 400, 800][draw.index(3)].into()),
        ("decision_timeout_ms", [100u64, 300][draw.index(2)].into()),
        ("retry_ms", [50u64, 150][draw.index(2)].into()),
    ]
}

/// The sweep's workload: transfers between the bank's accounts, with reads, writes and cas on
/// them too.
pub const SWEEP_WORKLOAD: &str =
    r#"{"interval_ms":120,"read":2,"write":1,"cas":1,"transfer":4,"keys":4,"max_value":60,"start_ms":200}"#;
