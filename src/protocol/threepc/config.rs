//! Three-phase commit's settings, their validation, and what a randomised sweep (`cap sweep
//! --protocol 3pc`) tries.

use crate::core::ops::Draw;
use crate::protocol::Time;
use crate::protocol::Value;
use serde::{Deserialize, Serialize};
use serde_json::json;

/// 3PC settings, as written under `"config"` in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct ThreePcConfig {
    /// Number of bank accounts (`A`, `B`, …) that start with `initial_balance` (as in 2PC).
    pub accounts: u32,
    /// Starting balance of every account.
    pub initial_balance: Value,
    /// A participant's local work before it votes, drawn per transaction from this range (ms).
    pub work_ms: [Time; 2],
    /// The coordinator aborts a transaction whose votes are not all in after this long (ms).
    pub vote_timeout_ms: Time,
    /// A participant in w or p that hears nothing for this long (times its rank + 1) suspects
    /// the coordinator (or the backup) has failed and runs the termination protocol; also how
    /// long a backup collects states and acknowledgements.
    pub timeout_ms: Time,
    /// Re-send period for PRE-COMMIT and STATE-REQUEST, ms.
    pub retry_ms: Time,
}

impl Default for ThreePcConfig {
    fn default() -> Self {
        ThreePcConfig {
            accounts: 4,
            initial_balance: 100,
            work_ms: [10, 40],
            vote_timeout_ms: 500,
            timeout_ms: 400,
            retry_ms: 100,
        }
    }
}

impl ThreePcConfig {
    /// Check the settings against the cluster size; the error names the field and what is accepted.
    pub fn validate(&self, nodes: u32) -> Result<(), String> {
        if !(2..=9).contains(&nodes) {
            return Err(format!(
                "3pc needs a coordinator and at least one participant: nodes = {nodes}, accepted 2..=9"
            ));
        }
        if self.accounts > 26 {
            return Err(format!("config.accounts = {}: accepted 0..=26", self.accounts));
        }
        if self.initial_balance < 0 {
            return Err("config.initial_balance must not be negative".into());
        }
        if self.work_ms[0] > self.work_ms[1] {
            return Err("config.work_ms must be [min, max] with min <= max".into());
        }
        if self.vote_timeout_ms == 0 || self.timeout_ms == 0 || self.retry_ms == 0 {
            return Err("config.vote_timeout_ms, timeout_ms and retry_ms must be at least 1".into());
        }
        if self.retry_ms.saturating_mul(2) > self.timeout_ms {
            // A live node must be heard at least twice per timeout, or a lost message alone
            // would look like a crash (3PC's failure detector must not lie without partitions).
            return Err(format!(
                "config.retry_ms = {} must be at most half of config.timeout_ms = {}",
                self.retry_ms, self.timeout_ms
            ));
        }
        Ok(())
    }
}

/// The settings a sweep draws for a cluster of `_nodes`, in draw order.
pub fn sweep_config(draw: &mut dyn Draw, _nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
    let lo = draw.u64_in(5, 30);
    let work = json!([lo, lo + draw.u64_in(0, 60)]);
    vec![
        ("work_ms", work),
        ("vote_timeout_ms", [200u64, 400, 800][draw.index(3)].into()),
        ("timeout_ms", [300u64, 500][draw.index(2)].into()),
        ("retry_ms", [50u64, 100][draw.index(2)].into()),
    ]
}

/// The sweep's workload: 2PC's bank (transfers, with reads, writes and cas).
pub const SWEEP_WORKLOAD: &str =
    r#"{"interval_ms":120,"read":2,"write":1,"cas":1,"transfer":4,"keys":4,"max_value":60,"start_ms":200}"#;
