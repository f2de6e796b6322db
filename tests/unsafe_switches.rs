//! The test-only switches that break a protocol on purpose (`cap sweep --unsafe NAME`, each
//! declared by its protocol, `Protocol::UNSAFE_SWITCHES`, and collected by
//! `registry::unsafe_switches`): whatever the broken protocol does, a run ends in a reported
//! invariant (or linearizability) violation with its seed and a scenario that reproduces it —
//! never in a panic, which `cap run` and the browser would turn into an abort.
//!
//! This is the CI-sized sweep (panics unwind here, so one fails the test); the big one runs in
//! the release CLI: `cap sweep --protocol P --unsafe NAME --seeds 2000 --keep-going`.

use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario};
use cap_playground::registry::unsafe_switches;
use cap_playground::sim::sweep::SweepOptions;

/// Seeds per switch and protocol. Before the fix, seeds 26, 31, 43, 53, 62, 67, 79, 110 and 113 of
/// `no-election-restriction` (206 of seeds 1–2000) ended in a panic: a `clamp` in Raft's
/// `handle_append_response` whose lower bound exceeded its upper bound.
const SEEDS: u64 = 120;

#[test]
fn every_unsafe_switch_ends_in_a_reported_reproducible_violation_never_a_panic() {
    for switch in unsafe_switches() {
        // A one-bundle build (`--no-default-features --features zab`) runs only its own switches.
        for protocol in switch.protocols.iter().filter(|p| cap_playground::registry::PROTOCOLS.contains(p)) {
            let mut opts = SweepOptions::default();
            opts.config_overrides.insert(switch.key.into(), true.into());
            let mut found = Vec::new();
            for seed in 1..=SEEDS {
                let r = run_scenario(random_scenario(protocol, seed, &opts), true)
                    .unwrap_or_else(|e| panic!("{protocol} --unsafe {}: seed {seed}: {e}", switch.name));
                if let Some(v) = r.violation {
                    found.push((seed, r.scenario, v));
                }
            }
            if let Some(file) = switch.shown_by {
                // A bug random schedules almost never reach (Figure 8): the sweep above ran every
                // seed without a panic; the scenario written for it shows the violation.
                let path = format!("{}/www/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
                let mut scenario =
                    AnySim::from_json(&std::fs::read_to_string(&path).unwrap()).unwrap().scenario().clone();
                let mut config: serde_json::Map<String, serde_json::Value> =
                    scenario.config.as_ref().map_or(Default::default(), |c| serde_json::from_str(c.get()).unwrap());
                config.insert(switch.key.into(), true.into());
                scenario.config = Some(serde_json::value::to_raw_value(&config).unwrap());
                let r = run_scenario(scenario, true).unwrap();
                let (what, _, at) = r.violation.unwrap_or_else(|| {
                    panic!("{protocol} --unsafe {}: {file} shows no violation ({})", switch.name, switch.breaks)
                });
                eprintln!(
                    "{protocol} --unsafe {}: {SEEDS} random seeds, {} violating, no panic; {file}: {what} at {at} ms",
                    switch.name,
                    found.len()
                );
                continue;
            }
            if switch.explore.is_some() {
                // A bug random schedules almost never reach, found by the explorer instead: the
                // sweep above ran every seed without a panic; tests/persist_mutants.rs finds it.
                eprintln!(
                    "{protocol} --unsafe {}: {SEEDS} random seeds, {} violating, no panic (the explorer shows it)",
                    switch.name,
                    found.len()
                );
                continue;
            }
            let (seed, scenario, (what, _, at)) = found.first().unwrap_or_else(|| {
                panic!("{protocol} --unsafe {} ({}): no violation in {SEEDS} seeds", switch.name, switch.breaks)
            });
            eprintln!(
                "{protocol} --unsafe {}: {SEEDS} seeds, {} violating, first seed {seed}: {what} at {at} ms",
                switch.name,
                found.len()
            );
            // The scenario file the sweep writes for the first seed reproduces it.
            let text = serde_json::to_string_pretty(scenario).unwrap();
            let again = run_scenario(AnySim::from_json(&text).unwrap().scenario().clone(), true).unwrap();
            assert_eq!(
                again.violation.as_ref().map(|(w, _, t)| (w.as_str(), *t)),
                Some((what.as_str(), *at)),
                "{protocol} --unsafe {}: seed {seed}'s scenario file does not reproduce its violation",
                switch.name
            );
        }
    }
}
