//! Randomised fault schedules: one seed → one [`Scenario`] with partitions of every shape
//! (majority/minority, an isolated node, a bridge node that sees both sides, one-way cuts),
//! crashes, restarts, forced timeouts, dropped and duplicated messages, and a client workload.
//! A failing seed is written out as an ordinary scenario file that reproduces it.

use super::scenario::{Action, ClientSpec, Member, NetworkConfig, Scenario, Step, Workload};
use crate::core::ops::Draw;
use crate::protocol::Time;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Options for a sweep run.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// Extra protocol config merged over the random one (e.g. a test-only unsafe switch).
    pub config_overrides: serde_json::Map<String, serde_json::Value>,
    /// No partitions or one-way cuts: only crashes, restarts, timeouts and lost or duplicated
    /// messages (the fault model of a protocol that assumes a network that never splits, such
    /// as three-phase commit). Off by default, so every seed's schedule is as it always was.
    pub no_partitions: bool,
}

/// What a protocol brings to a sweep (the registry hands it over by name): the settings it
/// tries, drawn from the sweep's generator, and its workload when it is not the register one.
#[derive(Clone, Copy)]
pub struct SweepProfile {
    /// Draw the protocol's settings for a cluster of the given size (`Protocol::sweep_config`).
    pub config: fn(&mut dyn Draw, u32) -> Vec<(&'static str, serde_json::Value)>,
    /// Its workload as scenario JSON (`Protocol::SWEEP_WORKLOAD`).
    pub workload: Option<&'static str>,
}

/// The random scenario of `protocol` for `seed` (see `registry::run::random_scenario`, which
/// finds the protocol's profile by name).
pub fn random_scenario(protocol: &str, seed: u64, opts: &SweepOptions, profile: &SweepProfile) -> Scenario {
    // A stream separate from the simulator's own (which is seeded with the same number).
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x5eed_cafe_f00d_d00d);
    let nodes: u32 = [3, 5, 5, 7][rng.random_range(0..4usize)];
    let until: Time = 8_000;
    let mut config = serde_json::Map::new();
    for (k, v) in (profile.config)(&mut super::RngDraw(&mut rng), nodes) {
        config.insert(k.into(), v);
    }
    for (k, v) in &opts.config_overrides {
        config.insert(k.clone(), v.clone());
    }
    let lo: Time = rng.random_range(2..=15);
    let network = NetworkConfig {
        latency_ms: [lo, lo + rng.random_range(0..=40)],
        drop: [0.0, 0.01, 0.05][rng.random_range(0..3usize)],
        duplicate: [0.0, 0.01, 0.05][rng.random_range(0..3usize)],
    };
    let n_clients = 3u32;
    let clients = (0..n_clients).map(|_| ClientSpec { node: rng.random_range(0..nodes), timeout_ms: 600 }).collect();
    let mut steps = Vec::new();
    let mut t: Time = 300;
    let mut crashed: Vec<u32> = Vec::new();
    let member = |rng: &mut Pcg64Mcg| -> Member {
        if rng.random_bool(0.8) {
            Member::Node(rng.random_range(0..nodes))
        } else {
            Member::Client(rng.random_range(0..n_clients))
        }
    };
    loop {
        t += rng.random_range(100..=900);
        // Faults stop before the final heal and restarts, so the cluster can settle.
        if t >= until - 2_500 {
            break;
        }
        let pick = rng.random_range(0..11u32);
        if opts.no_partitions && pick <= 4 {
            continue;
        }
        let action = match pick {
            0 | 1 => {
                // Majority/minority or any split, clients scattered too.
                let mut a = Vec::new();
                let mut b = Vec::new();
                for n in 0..nodes {
                    if rng.random_bool(0.5) {
                        a.push(Member::Node(n))
                    } else {
                        b.push(Member::Node(n))
                    }
                }
                for c in 0..n_clients {
                    if rng.random_bool(0.5) {
                        a.push(Member::Client(c))
                    } else {
                        b.push(Member::Client(c))
                    }
                }
                Action::Partition { groups: vec![a, b] }
            }
            2 => {
                let lonely = rng.random_range(0..nodes);
                let rest = (0..nodes).filter(|n| *n != lonely).map(Member::Node).collect();
                Action::Partition { groups: vec![rest, vec![Member::Node(lonely)]] }
            }
            3 => {
                // A bridge: one node hears both halves, which cannot hear each other.
                let bridge = rng.random_range(0..nodes);
                let others: Vec<u32> = (0..nodes).filter(|n| *n != bridge).collect();
                let half = others.len() / 2;
                for &a in &others[..half] {
                    for &b in &others[half..] {
                        steps.push(Step { at: t, action: Action::Cut { from: Member::Node(a), to: Member::Node(b) } });
                        steps.push(Step { at: t, action: Action::Cut { from: Member::Node(b), to: Member::Node(a) } });
                    }
                }
                continue;
            }
            4 => Action::Cut { from: member(&mut rng), to: member(&mut rng) },
            5 => Action::Heal,
            6 | 7 => {
                let n = rng.random_range(0..nodes);
                if crashed.contains(&n) {
                    crashed.retain(|c| *c != n);
                    Action::Restart { node: n }
                } else if crashed.len() + 1 < nodes as usize {
                    crashed.push(n);
                    Action::Crash { node: n }
                } else {
                    continue;
                }
            }
            8 => Action::Timeout { node: rng.random_range(0..nodes) },
            9 => Action::DropNext { from: member(&mut rng), to: member(&mut rng) },
            _ => Action::DuplicateNext { from: member(&mut rng), to: member(&mut rng) },
        };
        steps.push(Step { at: t, action });
    }
    // Let the cluster settle so liveness problems show as unfinished work, not noise.
    steps.push(Step { at: until - 2_000, action: Action::Heal });
    for n in crashed {
        steps.push(Step { at: until - 2_000, action: Action::Restart { node: n } });
    }
    Scenario {
        name: format!("sweep seed {seed}"),
        description: format!("Random fault schedule generated by `cap sweep --protocol {protocol}` for seed {seed}."),
        protocol: protocol.to_string(),
        nodes,
        seed,
        config: serde_json::value::to_raw_value(&config).ok(),
        network,
        clients,
        workload: Some(profile.workload.and_then(|w| serde_json::from_str(w).ok()).unwrap_or(Workload {
            interval_ms: 120,
            read: 2,
            write: 2,
            cas: 1,
            transfer: 0,
            keys: 2,
            max_value: 5,
            start_ms: 200,
        })),
        steps,
        until,
        history_limit: 100_000,
        schedule: Default::default(),
    }
}
