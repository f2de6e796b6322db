//! Randomised fault schedules: one seed → one [`Scenario`] with partitions of every shape
//! (majority/minority, an isolated node, a bridge node that sees both sides, one-way cuts),
//! crashes, restarts, forced timeouts, dropped and duplicated messages, and a client workload.
//! A failing seed is written out as an ordinary scenario file that reproduces it.

use super::scenario::{Action, ClientSpec, Member, NetworkConfig, Scenario, Step, Workload};
use crate::protocol::Time;
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// Options for a sweep run.
#[derive(Clone, Debug, Default)]
pub struct SweepOptions {
    /// Extra protocol config merged over the random one (e.g. a test-only unsafe switch).
    pub config_overrides: serde_json::Map<String, serde_json::Value>,
}

/// The random scenario for `seed`.
pub fn random_scenario(protocol: &str, seed: u64, opts: &SweepOptions) -> Scenario {
    // A stream separate from the simulator's own (which is seeded with the same number).
    let mut rng = Pcg64Mcg::seed_from_u64(seed ^ 0x5eed_cafe_f00d_d00d);
    let nodes: u32 = [3, 5, 5, 7][rng.random_range(0..4usize)];
    let until: Time = 8_000;
    let mut config = serde_json::Map::new();
    if protocol == "raft" {
        config.insert("pre_vote".into(), rng.random_bool(0.5).into());
        config.insert("check_quorum".into(), rng.random_bool(0.5).into());
        config.insert("snapshot_threshold".into(), [0u64, 6, 24][rng.random_range(0..3usize)].into());
    } else if protocol == "dynamo" {
        // N, R, W with R + W > N in some runs and not in others; every switch on and off.
        let n: u32 = rng.random_range(1..=3);
        config.insert("n".into(), n.into());
        config.insert("r".into(), rng.random_range(1..=n).into());
        config.insert("w".into(), rng.random_range(1..=n).into());
        config.insert("vnodes".into(), [1u32, 2, 4, 8][rng.random_range(0..4usize)].into());
        let sloppy = rng.random_bool(0.5);
        config.insert("sloppy_quorum".into(), sloppy.into());
        config.insert("hinted_handoff".into(), (sloppy && rng.random_bool(0.8)).into());
        config.insert("last_writer_wins".into(), rng.random_bool(0.3).into());
        config.insert("read_repair".into(), rng.random_bool(0.5).into());
        config.insert("anti_entropy_ms".into(), [100u64, 200, 400][rng.random_range(0..3usize)].into());
    } else if protocol == "paxos" || protocol == "multipaxos" {
        // Every node in every role, or explicit proposer / acceptor / learner sets.
        if rng.random_bool(0.3) {
            let pick = |rng: &mut Pcg64Mcg, p: f64| -> Vec<u32> {
                let mut v: Vec<u32> = (0..nodes).filter(|_| rng.random_bool(p)).collect();
                if v.is_empty() {
                    v.push(rng.random_range(0..nodes));
                }
                v
            };
            let proposers = pick(&mut rng, 0.4);
            let acceptors = pick(&mut rng, 0.7);
            let mut learners = pick(&mut rng, 0.5);
            if protocol == "multipaxos" {
                learners.extend(proposers.iter().copied());
                learners.sort_unstable();
                learners.dedup();
            }
            config.insert(
                "roles".into(),
                serde_json::json!({"proposers": proposers, "acceptors": acceptors, "learners": learners}),
            );
        }
        let lo: Time = rng.random_range(10..=60);
        config.insert("retry_ms".into(), serde_json::json!([lo, lo + rng.random_range(50..=250)]));
        config.insert("random_backoff".into(), rng.random_bool(0.9).into());
        let e: Time = [100u64, 150, 200][rng.random_range(0..3usize)];
        config.insert("election_timeout_ms".into(), serde_json::json!([e, 2 * e]));
        config.insert("heartbeat_ms".into(), [30u64, 50][rng.random_range(0..2usize)].into());
    } else if protocol == "zab" {
        config.insert("sync_reads".into(), rng.random_bool(0.5).into());
        let tick: Time = [30u64, 50][rng.random_range(0..2usize)];
        config.insert("tick_ms".into(), tick.into());
        config.insert("sync_limit_ms".into(), (tick * rng.random_range(4..=10)).into());
        config.insert("init_limit_ms".into(), (tick * rng.random_range(10..=25)).into());
        let lo: Time = rng.random_range(60..=150);
        config.insert("notify_ms".into(), serde_json::json!([lo, lo + rng.random_range(0..=150)]));
        config.insert("finalize_wait_ms".into(), [20u64, 50, 100][rng.random_range(0..3usize)].into());
        config.insert("snap_threshold".into(), [2u64, 8, 32][rng.random_range(0..3usize)].into());
    }
    if protocol == "2pc" {
        config.insert("fail_percent".into(), [0u32, 0, 10, 30][rng.random_range(0..4usize)].into());
        config.insert("cooperative_termination".into(), rng.random_bool(0.5).into());
        let lo: Time = rng.random_range(5..=30);
        config.insert("work_ms".into(), serde_json::json!([lo, lo + rng.random_range(0..=60)]));
        config.insert("vote_timeout_ms".into(), [200u64, 400, 800][rng.random_range(0..3usize)].into());
        config.insert("decision_timeout_ms".into(), [100u64, 300][rng.random_range(0..2usize)].into());
        config.insert("retry_ms".into(), [50u64, 150][rng.random_range(0..2usize)].into());
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
        let action = match rng.random_range(0..11u32) {
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
        workload: Some(if protocol == "2pc" {
            // Transfers between the bank's accounts, with reads, writes and cas on them too.
            Workload { interval_ms: 120, read: 2, write: 1, cas: 1, transfer: 4, keys: 4, max_value: 60, start_ms: 200 }
        } else {
            Workload { interval_ms: 120, read: 2, write: 2, cas: 1, transfer: 0, keys: 2, max_value: 5, start_ms: 200 }
        }),
        steps,
        until,
        history_limit: 100_000,
    }
}
