//! How long a leader-based protocol takes to elect a leader when only one survivor can win: the
//! measurement behind `cap elections` (issue 14, Raft's election timer as Figure 2 gives it).
//!
//! **The scenario** ("one up-to-date server of N"), for a cluster of N = 3 or 5 servers with the
//! protocol's config as the caller gives it (`cap elections`: Raft at its defaults, election
//! timeout 150–300 ms, heartbeats every 50 ms, latency 10–30 ms, no loss, PreVote on or off,
//! CheckQuorum off):
//!
//! 1. The cluster elects a leader L (the probe run finds it and when, `t_L`).
//! 2. At `t_P = t_L + 200 ms` the stale servers are partitioned away from L and from U, the
//!    up-to-date survivor (the lowest-numbered server other than L); with N = 5 a third server X
//!    stays with L. A client writes three values through L (at `t_P` + 100, 300, 500 ms), which
//!    commit on L, U (and X): the stale servers miss them. Without PreVote the stale servers keep
//!    starting elections they cannot win, raising their terms.
//! 3. At `t0 = t_P + 1000 ms` L (and X) crash and the partition heals. The survivors are U and
//!    ⌊N/2⌋ stale servers, a bare majority: every candidate needs every survivor's vote, the
//!    stale ones are refused by U (Raft §5.4.1: their logs are behind), so only U can win.
//! 4. **Measured**: the time from `t0` until a leader is elected (a server becomes leader),
//!    capped at [`LIMIT_MS`].
//!
//! Figure 2 restarts a follower's election timer only when it grants a vote or hears
//! AppendEntries from the current leader, so U stands within one election timeout of its last
//! heartbeat whatever the stale candidates do; a timer restarted by every higher-term message
//! lets each stale campaign postpone U.
//!
//! Protocol-neutral: it reads the common header of each node's view (role `leader` or
//! `candidate`, term, the last log entry's term and index), so it names no protocol; the caller
//! picks the protocol type and its config.

use super::scenario::{Action, ClientSpec, Member, NetworkConfig, Scenario, Step};
use super::Sim;
use crate::protocol::{ClientOp, Invariants, NodeId, Protocol, Time};

/// How long after the crash a run waits for a leader before giving up.
pub const LIMIT_MS: Time = 60_000;
/// How long the probe run waits for the first leader.
const PROBE_MS: Time = 10_000;

/// What is measured: the protocol's config (scenario JSON) and a few words naming it.
#[derive(Clone, Debug)]
pub struct Setup {
    /// The protocol's config, as a scenario's `config`.
    pub config: serde_json::Value,
    /// The setting in words, for the scenario's name (e.g. `PreVote off`).
    pub label: String,
}

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
    /// Elections (vote rounds, not PreVote polls) the stale servers started after `t0`.
    pub stale_elections: u64,
}

fn base<P: Protocol>(nodes: u32, setup: &Setup, seed: u64) -> Scenario {
    Scenario {
        name: format!("one up-to-date server of {nodes}, {}", setup.label),
        description: "The leader crashes while the stale servers rejoin; only the one up-to-date survivor can \
                      win (cap elections)."
            .into(),
        protocol: P::NAME.into(),
        nodes,
        seed,
        config: serde_json::value::to_raw_value(&setup.config).ok(),
        network: NetworkConfig::default(),
        clients: vec![],
        workload: None,
        steps: vec![],
        until: 0,
        history_limit: 1_000,
        schedule: Default::default(),
    }
}

fn sim_of<P: Protocol + Invariants>(s: &Scenario) -> Result<Sim<P>, String> {
    let config: P::Config =
        serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).map_err(|e| format!("config: {e}"))?;
    Ok(Sim::new(s.clone(), config))
}

/// The node's view says it leads.
fn leads<P: Protocol>(n: &P) -> bool {
    n.view().role == "leader"
}

fn leader_of<P: Protocol + Invariants>(sim: &Sim<P>) -> Option<NodeId> {
    (0..sim.nodes.len() as NodeId).find(|id| sim.node(*id).is_some_and(leads))
}

/// How far a node's log reaches: (term of its last entry, its last index), the order of
/// Raft's §5.4.1 "at least as up-to-date".
fn reach<P: Protocol>(n: &P) -> (u64, u64) {
    let v = n.view();
    (v.log.last().map_or(0, |e| e.term), v.last_index)
}

/// The scenario for `seed`: the probe run picks the leader; `None` if no leader in 10 s.
pub fn scenario<P: Protocol + Invariants>(
    nodes: u32,
    setup: &Setup,
    seed: u64,
) -> Result<Option<(Scenario, NodeId, NodeId, Time)>, String> {
    let mut s = base::<P>(nodes, setup, seed);
    let mut probe = sim_of::<P>(&s)?;
    let (leader, elected_at) = loop {
        if let Some(l) = leader_of(&probe) {
            break (l, probe.now());
        }
        if probe.now() > PROBE_MS || !probe.step() {
            return Ok(None);
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
    Ok(Some((s, leader, up, t0)))
}

/// Run the scenario for `seed` and measure the election after the crash. `Err` says why the
/// seed does not give the scenario (no first leader, or the survivor was not ahead at `t0`).
pub fn measure<P: Protocol + Invariants>(nodes: u32, setup: &Setup, seed: u64) -> Result<ElectionRun, String> {
    let (scenario, leader, up, t0) =
        scenario::<P>(nodes, setup, seed)?.ok_or(format!("seed {seed}: no leader within {PROBE_MS} ms"))?;
    let mut sim = sim_of::<P>(&scenario)?;
    sim.run_until(t0);
    if leader_of(&sim).is_some() {
        return Err(format!("seed {seed}: a leader survived the crash at {t0} ms"));
    }
    let u = sim.node(up).map(reach).ok_or(format!("seed {seed}: n{up} is down"))?;
    let stale_ids: Vec<NodeId> = (0..nodes).filter(|n| *n != up && sim.node(*n).is_some()).collect();
    if stale_ids.iter().any(|n| sim.node(*n).map(reach) >= Some(u)) {
        return Err(format!("seed {seed}: n{up} is not the only up-to-date survivor at {t0} ms"));
    }
    let mut stale_elections = 0;
    let mut last_terms: Vec<u64> = stale_ids.iter().map(|i| sim.node(*i).map_or(0, |n| n.view().term)).collect();
    let mut winner = None;
    while sim.now() <= t0 + LIMIT_MS {
        if !sim.step() {
            break;
        }
        for (k, id) in stale_ids.iter().enumerate() {
            if let Some(n) = sim.node(*id) {
                let v = n.view();
                if v.role == "candidate" && v.term > last_terms[k] {
                    stale_elections += 1;
                }
                last_terms[k] = v.term;
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
