//! Runs a scenario of any protocol to its end and judges it: the invariants (checked after every
//! event), the end-state invariants after a quiet time, and, for the protocols that promise it,
//! the linearizability of the client history. `cap sweep` and the sweep tests use it on the
//! random fault schedules of `sim::sweep`.

use super::any::AnySim;
use super::{accepted, profile};
use crate::protocol::Time;
use crate::sim::scenario::Scenario;
pub use crate::sim::sweep::SweepOptions;

/// The random fault schedule of `protocol` for `seed` (`sim::sweep::random_scenario` with the
/// protocol's sweep profile). An unknown protocol gets the register profile: running the
/// scenario then says the protocol is unknown.
pub fn random_scenario(protocol: &str, seed: u64, opts: &SweepOptions) -> Scenario {
    let sweep = profile(protocol)
        .map(|p| p.sweep)
        .unwrap_or(crate::sim::sweep::SweepProfile { config: |_, _| Vec::new(), workload: None });
    crate::sim::sweep::random_scenario(protocol, seed, opts, &sweep)
}

/// Is `protocol` one this build runs? (The message says which are.)
pub fn known(protocol: &str) -> Result<(), String> {
    profile(protocol).map(|_| ()).ok_or_else(|| format!("unknown protocol '{protocol}': {}", accepted()))
}

/// Search steps the linearizability check of one sweep run may take before answering Unknown.
pub const SWEEP_CHECK_BUDGET: u64 = 2_000_000;

/// What one sweep run found.
#[derive(Clone, Debug)]
pub struct SeedReport {
    /// The scenario that was run (write it out to reproduce a failure).
    pub scenario: Scenario,
    /// The first invariant violation, or a linearizability violation, as (what, detail, time).
    pub violation: Option<(String, String, Time)>,
    /// Events processed.
    pub events: u64,
    /// Client operations in the history.
    pub ops: u64,
    /// The linearizability check ran out of budget.
    pub check_unknown: bool,
    /// The run's trace hash (`cap run` prints it as 16 hex digits): the written scenario
    /// reproduces the run when its replay has the same one.
    pub trace_hash: u64,
}

/// Run one scenario to its end, check invariants (after every event) and, when
/// `linearizable` is set and the protocol promises it, the client history's linearizability.
pub fn run_scenario(scenario: Scenario, linearizable: bool) -> Result<SeedReport, String> {
    use crate::check::linearizability::{check_history, Verdict};
    let mut sim = AnySim::new(scenario.clone())?;
    sim.run_until(scenario.until);
    // End-state invariants (Dynamo's convergence) after a quiet time; a no-op for Raft.
    sim.settle();
    let mut violation = sim.violations().first().map(|v| (v.invariant.clone(), v.detail.clone(), v.at));
    let mut check_unknown = false;
    if violation.is_none() && linearizable && sim.promises_linearizability() {
        match check_history(&sim.history(), SWEEP_CHECK_BUDGET).verdict {
            Verdict::Linearizable => {}
            Verdict::Unknown { .. } => check_unknown = true,
            Verdict::NotLinearizable { witness } => {
                let mut detail = witness.sentence.clone();
                for l in &witness.lines {
                    detail.push_str("\n    ");
                    detail.push_str(l);
                }
                violation = Some(("Linearizability".into(), detail, sim.now()));
            }
        }
    }
    Ok(SeedReport {
        events: sim.events(),
        ops: sim.history_len() as u64,
        trace_hash: sim.trace_hash(),
        scenario,
        violation,
        check_unknown,
    })
}
