//! How long Raft takes to elect a leader when only one survivor can win: the measurement behind
//! `cap elections` (issue 14, Figure 2's election timer).
//!
//! **The scenario** ("one up-to-date server of N"), for a cluster of N = 3 or 5 servers, every
//! setting at its default (election timeout 150–300 ms, heartbeats every 50 ms, latency
//! 10–30 ms, no loss), PreVote on or off, CheckQuorum off:
//!
//! 1. The cluster elects a leader L (the probe run finds it and when, `t_L`).
//! 2. At `t_P = t_L + 200 ms` the stale servers are partitioned away from L and from U, the
//!    up-to-date survivor (the lowest-numbered server other than L); with N = 5 a third server X
//!    stays with L. A client writes three values through L (at `t_P` + 100, 300, 500 ms), which
//!    commit on L, U (and X): the stale servers miss them. Without PreVote the stale servers keep
//!    starting elections they cannot win, raising their terms.
//! 3. At `t0 = t_P + 1000 ms` L (and X) crash and the partition heals. The survivors are U and
//!    ⌊N/2⌋ stale servers, a bare majority: every candidate needs every survivor's vote, the
//!    stale ones are refused by U (§5.4.1, their logs are behind), so only U can win.
//! 4. **Measured**: the time from `t0` until a leader is elected (a server becomes leader),
//!    capped at [`LIMIT_MS`].
//!
//! Figure 2 restarts a follower's election timer only when it grants a vote or hears
//! AppendEntries from the current leader, so U stands within one election timeout of its last
//! heartbeat whatever the stale candidates do; a timer restarted by every higher-term message
//! lets each stale campaign postpone U.

use super::scenario::{Action, ClientSpec, Member, NetworkConfig, Scenario, Step};
use super::Sim;
use crate::protocol::raft::{Raft, RaftConfig, Role};
use crate::protocol::{ClientOp, NodeId, Time};

/// How long after the crash a run waits for a leader before giving up.
pub const LIMIT_MS: Time = 60_000;
/// How long the probe run waits for the first leader.
const PROBE_MS: Time = 10_000;

/// One measured run.
#[derive(Clone, Debug)]
pub struct ElectionRun {
    /// The whole scenario (`cap run` reproduces it).
    pub scenario: Scenario,
    /// The crashed leader.
    pub leader: NodeId,
    /// The one up-to-date survivor.
    pub up_to_date: NodeId,
    /// When the leader crashed (`t0`).
    pub crash_at: Time,
    /// Time from the crash until a leader was elected; `None` if none within [`LIMIT_MS`].
    pub elapsed: Option<Time>,
    /// The new leader.
    pub winner: Option<NodeId>,
    /// Elections (RequestVote rounds, not PreVote polls) the stale servers started after `t0`.
    pub stale_elections: u64,
}

fn base(nodes: u32, pre_vote: bool, seed: u64) -> Scenario {
    let config = RaftConfig { pre_vote, ..RaftConfig::default() };
    let text = serde_json::json!({
        "election_timeout_ms": config.election_timeout_ms,
        "heartbeat_ms": config.heartbeat_ms,
        "pre_vote": pre_vote,
        "check_quorum": false,
    });
    Scenario {
        name: format!("one up-to-date server of {nodes}, PreVote {}", if pre_vote { "on" } else { "off" }),
        description: "The leader crashes while the stale servers rejoin; only the one up-to-date survivor can \
                      win (cap elections)."
            .into(),
        protocol: "raft".into(),
        nodes,
        seed,
        config: serde_json::value::to_raw_value(&text).ok(),
        network: NetworkConfig::default(),
        clients: vec![],
        workload: None,
        steps: vec![],
        until: 0,
        history_limit: 1_000,
        schedule: Default::default(),
    }
}

fn sim_of(s: &Scenario) -> Sim<Raft> {
    let config: RaftConfig =
        serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).expect("valid config");
    Sim::new(s.clone(), config)
}

fn leader_of(sim: &Sim<Raft>) -> Option<NodeId> {
    sim.nodes.iter().filter_map(|s| s.node.as_ref()).find(|n| n.role() == Role::Leader).map(|n| n.id())
}

/// The scenario for `seed`: the probe run picks the leader; `None` if no leader in 10 s.
pub fn scenario(nodes: u32, pre_vote: bool, seed: u64) -> Option<(Scenario, NodeId, NodeId, Time)> {
    let mut s = base(nodes, pre_vote, seed);
    let mut probe = sim_of(&s);
    let (leader, elected_at) = loop {
        if let Some(l) = leader_of(&probe) {
            break (l, probe.now());
        }
        if probe.now() > PROBE_MS || !probe.step() {
            return None;
        }
    };
    let up = (0..nodes).find(|n| *n != leader).expect("two or more servers");
    let mut with_leader = vec![leader, up];
    if nodes >= 5 {
        with_leader.push((0..nodes).find(|n| !with_leader.contains(n)).expect("five servers"));
    }
    let stale: Vec<NodeId> = (0..nodes).filter(|n| !with_leader.contains(n)).collect();
    // Whole 100 ms after the election (steps scheduled at the same millisecond as the probe's
    // last event would run before it).
    let t_p = (elected_at + 200).div_ceil(100) * 100;
    let t0 = t_p + 1_000;
    s.clients = vec![ClientSpec { node: leader, timeout_ms: 800 }];
    let mut side: Vec<Member> = with_leader.iter().map(|n| Member::Node(*n)).collect();
    side.push(Member::Client(0));
    s.steps.push(Step {
        at: t_p,
        action: Action::Partition { groups: vec![side, stale.iter().map(|n| Member::Node(*n)).collect()] },
    });
    for (k, at) in [100, 300, 500].into_iter().enumerate() {
        let op = ClientOp::Write { key: "x".into(), value: k as i64 + 1 };
        s.steps.push(Step { at: t_p + at, action: Action::Client { client: 0, op: op.into() } });
    }
    for n in &with_leader {
        if *n != up {
            s.steps.push(Step { at: t0, action: Action::Crash { node: *n } });
        }
    }
    s.steps.push(Step { at: t0, action: Action::Heal });
    s.until = t0 + LIMIT_MS;
    Some((s, leader, up, t0))
}

/// Run the scenario for `seed` and measure the election after the crash. `Err` says why the
/// seed does not give the scenario (no first leader, or the survivor was not ahead at `t0`).
pub fn measure(nodes: u32, pre_vote: bool, seed: u64) -> Result<ElectionRun, String> {
    let (scenario, leader, up, t0) =
        scenario(nodes, pre_vote, seed).ok_or(format!("seed {seed}: no leader within {PROBE_MS} ms"))?;
    let mut sim = sim_of(&scenario);
    sim.run_until(t0);
    if leader_of(&sim).is_some() {
        return Err(format!("seed {seed}: a leader survived the crash at {t0} ms"));
    }
    let key = |n: &Raft| (n.last_term(), n.last_index());
    let u = sim.node(up).map(key).ok_or(format!("seed {seed}: n{up} is down"))?;
    let stale: Vec<&Raft> = (0..nodes).filter(|n| *n != up).filter_map(|n| sim.node(n)).collect();
    if stale.iter().any(|n| key(n) >= u) {
        return Err(format!("seed {seed}: n{up} is not the only up-to-date survivor at {t0} ms"));
    }
    let stale_ids: Vec<NodeId> = stale.iter().map(|n| n.id()).collect();
    let mut stale_elections = 0;
    let mut last_terms: Vec<u64> = stale_ids.iter().map(|i| sim.node(*i).map_or(0, |n| n.current_term())).collect();
    let mut winner = None;
    while sim.now() <= t0 + LIMIT_MS {
        if !sim.step() {
            break;
        }
        for (k, id) in stale_ids.iter().enumerate() {
            if let Some(n) = sim.node(*id) {
                if n.role() == Role::Candidate && n.current_term() > last_terms[k] {
                    stale_elections += 1;
                }
                last_terms[k] = n.current_term();
            }
        }
        if let Some(l) = leader_of(&sim) {
            winner = Some(l);
            break;
        }
    }
    let elapsed = winner.map(|_| sim.now() - t0).filter(|e| *e <= LIMIT_MS);
    Ok(ElectionRun { scenario, leader, up_to_date: up, crash_at: t0, elapsed, winner, stale_elections })
}

/// Median, 99th percentile (nearest rank) and maximum of the election times; a run that found
/// no leader counts as [`LIMIT_MS`].
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Distribution {
    /// Runs measured.
    pub runs: usize,
    /// Median (nearest rank), ms.
    pub median: Time,
    /// 99th percentile (nearest rank), ms.
    pub p99: Time,
    /// Maximum, ms.
    pub max: Time,
    /// Runs with no leader within [`LIMIT_MS`].
    pub no_leader: usize,
}

impl Distribution {
    /// The distribution of `runs`.
    pub fn of(runs: &[ElectionRun]) -> Distribution {
        let mut t: Vec<Time> = runs.iter().map(|r| r.elapsed.unwrap_or(LIMIT_MS)).collect();
        crate::core::sort::sort(&mut t);
        let rank = |p: usize| t[(t.len() * p).div_ceil(100).max(1) - 1];
        Distribution {
            runs: t.len(),
            median: if t.is_empty() { 0 } else { rank(50) },
            p99: if t.is_empty() { 0 } else { rank(99) },
            max: t.last().copied().unwrap_or(0),
            no_leader: runs.iter().filter(|r| r.elapsed.is_none()).count(),
        }
    }
}
