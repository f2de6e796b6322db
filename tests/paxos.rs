//! Paxos and Multi-Paxos, case by case, citing Lamport's "Paxos Made Simple" (2001). The first
//! tests drive nodes by hand (a test picks which messages arrive, no timer fires unless a test
//! fires it) with the invariant checker run after every step; the rest run scenario files and
//! seed sweeps through the simulator.
// Runs in the builds that carry paxos (`cargo test --no-default-features --features paxos`).
#![cfg(feature = "paxos")]

use cap_playground::core::history::Outcome;
use cap_playground::core::notice::NoticeKind;
use cap_playground::protocol::paxos::{Cmd, Durable, Msg, MultiPaxos, Paxos, PaxosConfig, Phase, Roles, Timer, DECREE};
use cap_playground::protocol::{
    ClientId, ClientOp, ClientResult, InvariantChecker, Invariants, NodeId, Outbox, Output, Protocol, RequestId,
    Server, Time,
};
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::sim::scenario::Scenario;
use cap_playground::sim::Sim;
use std::path::Path;

/// A hand-driven cluster with the invariant checker watching every step.
struct Hand<P: Protocol<Msg = Msg, Timer = Timer, Durable = Durable, Config = PaxosConfig, Op = ClientOp> + Invariants>
{
    slots: Vec<Server<P>>,
    config: PaxosConfig,
    wire: Vec<(NodeId, NodeId, Msg)>,
    replies: Vec<(ClientId, RequestId, ClientResult)>,
    now: Time,
    checker: P::Checker,
    violations: Vec<(String, String)>,
}

impl<P: Protocol<Msg = Msg, Timer = Timer, Durable = Durable, Config = PaxosConfig, Op = ClientOp> + Invariants>
    Hand<P>
{
    fn new(n: u32, config: PaxosConfig) -> Self {
        let mut h = Hand {
            slots: Vec::new(),
            config,
            wire: Vec::new(),
            replies: Vec::new(),
            now: 0,
            checker: P::Checker::default(),
            violations: Vec::new(),
        };
        for i in 0..n {
            let mut out = Outbox::new();
            let node = P::start(i, n, &h.config, None, 0, &mut out);
            h.slots.push(Server::running(node));
            h.absorb(i, &mut out);
        }
        h
    }
    fn node(&self, i: NodeId) -> &P {
        self.slots[i as usize].node.as_ref().expect("node is up")
    }
    fn absorb(&mut self, from: NodeId, out: &mut Outbox<P>) {
        for o in out.drain() {
            match o {
                Output::Send { to, msg } => self.wire.push((from, to, msg)),
                Output::Reply { client, request, result } => self.replies.push((client, request, result)),
                _ => {}
            }
        }
        let found = self.checker.check(self.now, from, &self.slots);
        self.violations.extend(found);
    }
    fn with_node(&mut self, i: NodeId, f: impl FnOnce(&mut P, Time, &mut Outbox<P>)) {
        self.now += 1;
        let now = self.now;
        let mut out = Outbox::new();
        if let Some(n) = self.slots[i as usize].node.as_mut() {
            f(n, now, &mut out);
        }
        self.absorb(i, &mut out);
    }
    fn client(&mut self, i: NodeId, client: ClientId, request: RequestId, op: ClientOp) {
        self.with_node(i, |n, now, out| n.on_client(now, client, request, op, out));
    }
    /// Deliver messages in send order (including those sent in response) while `allow` says
    /// so; the others are lost.
    fn deliver(&mut self, allow: impl Fn(NodeId, NodeId, &Msg) -> bool) {
        let mut rounds = 0;
        while !self.wire.is_empty() {
            rounds += 1;
            assert!(rounds < 100_000, "message storm");
            let (from, to, msg) = self.wire.remove(0);
            if allow(from, to, &msg) && self.slots[to as usize].node.is_some() {
                self.with_node(to, |n, now, out| n.on_message(now, from, msg, out));
            }
        }
    }
    fn deliver_within(&mut self, group: &[NodeId]) {
        let g = group.to_vec();
        self.deliver(move |f, t, _| g.contains(&f) && g.contains(&t));
    }
    fn crash(&mut self, i: NodeId) {
        let slot = &mut self.slots[i as usize];
        let node = slot.node.take().expect("up");
        slot.durable = Some(node.durable());
        self.checker.on_crash(i);
        self.wire.retain(|(f, t, _)| *f != i && *t != i);
    }
    fn restart(&mut self, i: NodeId) {
        let mut out = Outbox::new();
        let n = self.slots.len() as u32;
        let d = self.slots[i as usize].durable.take();
        let node = P::start(i, n, &self.config, d, self.now, &mut out);
        self.slots[i as usize].node = Some(node);
        self.checker.on_restart(i);
        self.absorb(i, &mut out);
    }
    fn reply_to(&self, client: ClientId) -> Option<&ClientResult> {
        self.replies.iter().rev().find(|(c, _, _)| *c == client).map(|(_, _, r)| r)
    }
    fn clean(&self) {
        assert!(self.violations.is_empty(), "{:?}", self.violations);
    }
}

fn write(v: i64) -> ClientOp {
    ClientOp::Write { key: "x".into(), value: v }
}
fn read() -> ClientOp {
    ClientOp::Read { key: "x".into() }
}
fn chosen_text(h: &Hand<Paxos>, i: NodeId) -> Option<String> {
    h.node(i).chosen().map(|c| c.text())
}

// ------------------------------------------------------- §2.2 Choosing a value (single decree)

#[test]
fn s2_2_a_value_is_chosen_once_a_majority_of_acceptors_accepts_it() {
    let mut h: Hand<Paxos> = Hand::new(5, PaxosConfig::default());
    h.client(0, 0, 1, write(4));
    // Only n0, n1, n2 (three of five acceptors) take part: a majority suffices.
    h.deliver_within(&[0, 1, 2]);
    assert_eq!(chosen_text(&h, 0).as_deref(), Some("x=4"));
    assert_eq!(h.reply_to(0), Some(&ClientResult::WriteOk));
    // §2.4: the learners n1, n2 were told; n3, n4 heard nothing.
    assert_eq!(chosen_text(&h, 1).as_deref(), Some("x=4"));
    assert_eq!(chosen_text(&h, 3), None);
    // A read from any node that knows the value returns it.
    h.client(1, 1, 1, read());
    assert_eq!(h.reply_to(1), Some(&ClientResult::ReadOk { value: Some(4) }));
    h.clean();
}

#[test]
fn s2_2_no_value_is_chosen_without_a_majority() {
    let mut h: Hand<Paxos> = Hand::new(5, PaxosConfig::default());
    h.client(0, 0, 1, write(4));
    h.deliver_within(&[0, 1]); // two of five acceptors
    assert_eq!(h.node(0).phase(), Phase::Preparing, "phase 1 cannot complete");
    // Even if phase 2 were reached, two acceptances are not a majority.
    let mut h2: Hand<Paxos> = Hand::new(5, PaxosConfig::default());
    h2.client(0, 0, 1, write(4));
    h2.deliver(|_, to, m| !matches!(m, Msg::Accept { .. }) || to <= 1);
    assert!(h2.node(0).accepted().get(&DECREE).is_some(), "n0 accepted its own proposal");
    for i in 0..5 {
        assert_eq!(chosen_text(&h2, i), None, "n{i} learned nothing");
    }
    assert!(h.replies.is_empty() && h2.replies.is_empty(), "no client was answered");
    h.clean();
    h2.clean();
}

#[test]
fn s2_2_p2c_a_later_proposer_adopts_the_already_accepted_value() {
    // n0's Accept(1.0, x=4) reaches only n1 (with n0 itself: 2 of 5, not chosen yet).
    let mut h: Hand<Paxos> = Hand::new(5, PaxosConfig::default());
    h.client(0, 0, 1, write(4));
    h.deliver(|_, to, m| !matches!(m, Msg::Accept { .. }) || to == 1);
    assert_eq!(chosen_text(&h, 0), None);
    h.wire.clear();
    // n4 proposes x=7 with a higher ballot; its majority {n1, n2, n4} includes n1, which reports
    // (1.0, x=4) in its Promise. P2c: n4 must propose x=4, not its own value.
    h.client(4, 1, 1, write(7));
    let prepare_ballot = h.node(4).ballot();
    assert!(prepare_ballot.round > 1 || prepare_ballot.node > 0);
    h.deliver_within(&[1, 2, 4]);
    assert_eq!(chosen_text(&h, 4).as_deref(), Some("x=4"), "the accepted value was adopted");
    assert_eq!(
        h.reply_to(1),
        Some(&ClientResult::CasFailed { current: Some(4) }),
        "the reply says which value was chosen; x=7 did not take effect"
    );
    h.clean();
}

#[test]
fn s2_2_a_read_with_nothing_accepted_answers_nil_after_phase_1_alone() {
    let mut h: Hand<Paxos> = Hand::new(3, PaxosConfig::default());
    h.client(0, 0, 1, read());
    h.deliver_within(&[0, 1, 2]);
    assert_eq!(h.reply_to(0), Some(&ClientResult::ReadOk { value: None }));
    assert!(h.node(0).accepted().is_empty(), "a read proposes nothing");
    h.clean();
}

#[test]
fn s2_3_durable_acceptor_state_survives_crashes_and_the_value_stays_chosen() {
    let mut h: Hand<Paxos> = Hand::new(5, PaxosConfig::default());
    // Two acceptors are down; the other three still choose a value.
    h.crash(3);
    h.crash(4);
    h.client(0, 0, 1, write(4));
    h.deliver_within(&[0, 1, 2]);
    assert_eq!(chosen_text(&h, 0).as_deref(), Some("x=4"));
    // n1 and n2 crash and restart: their promise and acceptance come back from stable storage.
    for i in [1, 2] {
        let before = h.node(i).durable();
        h.crash(i);
        h.restart(i);
        assert_eq!(h.node(i).durable(), before, "n{i}'s acceptor state survived the crash");
    }
    h.crash(0);
    h.restart(3);
    h.restart(4);
    // A new proposer's majority {n2, n3, n4} still finds x=4 through n2.
    h.client(4, 1, 1, write(9));
    h.deliver_within(&[2, 3, 4]);
    assert_eq!(chosen_text(&h, 4).as_deref(), Some("x=4"));
    assert_eq!(h.reply_to(1), Some(&ClientResult::CasFailed { current: Some(4) }));
    h.clean();
}

#[test]
fn unsafe_forget_on_crash_lets_a_second_value_be_chosen_and_the_checker_catches_it() {
    let config = PaxosConfig { unsafe_forget_on_crash: true, ..PaxosConfig::default() };
    let mut h: Hand<Paxos> = Hand::new(3, config);
    h.client(0, 0, 1, write(4));
    h.deliver_within(&[0, 1]);
    assert_eq!(chosen_text(&h, 0).as_deref(), Some("x=4"), "chosen by n0 and n1");
    // n1 loses its disk: it restarts having promised and accepted nothing.
    h.crash(1);
    h.restart(1);
    let caught: Vec<&str> = h.violations.iter().map(|(w, _)| w.as_str()).collect();
    assert_eq!(caught, ["Durable acceptor state"], "{:?}", h.violations);
    // n2's majority {n1, n2} reports nothing accepted, so it chooses its own value.
    h.client(2, 1, 1, write(7));
    h.deliver_within(&[1, 2]);
    assert_eq!(chosen_text(&h, 2).as_deref(), Some("x=7"));
    assert!(
        h.violations.iter().any(|(w, d)| w == "Agreement" && d.contains("x=4") && d.contains("x=7")),
        "{:?}",
        h.violations
    );
}

#[test]
fn unsafe_forget_on_crash_is_caught_by_the_sweep_for_both_protocols() {
    let mut opts = SweepOptions::default();
    opts.config_overrides.insert("unsafe_forget_on_crash".into(), true.into());
    for protocol in ["paxos", "multipaxos"] {
        let caught =
            (1..=50).find_map(|seed| run_scenario(random_scenario(protocol, seed, &opts), true).unwrap().violation);
        let (what, detail, _) = caught.unwrap_or_else(|| panic!("{protocol}: the broken durability was not caught"));
        assert!(
            ["Durable acceptor state", "Agreement", "Promise kept", "Nontriviality"].contains(&what.as_str()),
            "{protocol}: {what}: {detail}"
        );
    }
}

// ------------------------------------------------------------ §2.4 Progress: dueling proposers

fn scenario_file(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios").join(name)).unwrap()
}

fn paxos_sim(text: &str) -> Sim<Paxos> {
    let s = Scenario::from_json(text).unwrap();
    let config: PaxosConfig = serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).unwrap();
    Sim::new(s, config)
}

fn multi_sim(text: &str) -> Sim<MultiPaxos> {
    let s = Scenario::from_json(text).unwrap();
    let config: PaxosConfig = serde_json::from_str(s.config.as_ref().map(|c| c.get()).unwrap_or("{}")).unwrap();
    Sim::new(s, config)
}

#[test]
fn s2_4_dueling_proposers_livelock_without_back_off_and_terminate_with_it() {
    let text = scenario_file("paxos-dueling-proposers.json");
    // Without the remedy: ballots keep climbing and nothing is ever chosen.
    let mut sim = paxos_sim(&text);
    sim.run_until(5_000);
    let rounds = (0..5).map(|i| sim.node(i).unwrap().ballot().round).max().unwrap();
    assert!(rounds >= 50, "the proposers kept pre-empting each other ({rounds} rounds)");
    assert!((0..5).all(|i| sim.node(i).unwrap().chosen().is_none()), "no value was chosen");
    assert!(sim.history().iter().all(|o| o.outcome != Some(Outcome::Ok)));
    assert!(sim.violations().is_empty());
    // With randomised back-off: a value is chosen and both clients are answered.
    let fixed = text.replace("\"random_backoff\": false", "\"random_backoff\": true");
    assert_ne!(fixed, text);
    let mut sim = paxos_sim(&fixed);
    sim.run_until(2_000);
    let chosen: Vec<Option<String>> = (0..5).map(|i| sim.node(i).unwrap().chosen().map(|c| c.text())).collect();
    assert!(chosen[0].is_some() && chosen.iter().all(|c| *c == chosen[0]), "{chosen:?}");
    assert_eq!(sim.history().iter().filter(|o| o.outcome.is_some()).count(), 2, "both writes answered");
    assert!(sim.violations().is_empty());
}

#[test]
fn s2_basic_scenario_chooses_once_and_the_value_never_changes() {
    let mut sim = paxos_sim(&scenario_file("paxos-basic.json"));
    let mut first = None;
    for t in (100..=4_000).step_by(100) {
        sim.run_until(t);
        for i in 0..5 {
            if let Some(c) = sim.node(i).unwrap().chosen() {
                let c = c.text();
                assert_eq!(first.get_or_insert(c.clone()), &c, "n{i} at {t} ms");
            }
        }
    }
    assert_eq!(first.as_deref(), Some("x=4"));
    let lin = cap_playground::check::linearizability::check_history(&sim.history(), 1_000_000);
    assert!(lin.is_linearizable(), "{lin:?}");
    assert!(sim.violations().is_empty());
}

// -------------------------------------------------------- §3 Implementing a state machine

#[test]
fn s3_multipaxos_leader_failover_fills_gaps_with_no_ops_and_applies_in_slot_order() {
    let mut sim = multi_sim(&scenario_file("multipaxos-leader-failover.json"));
    sim.run_until(1_400);
    assert_eq!(sim.node(0).unwrap().phase(), Phase::Leading, "n0 leads before the failover");
    sim.run_until(6_000);
    assert!(sim.violations().is_empty(), "{:?}", sim.violations());
    let reference: Vec<(u64, Cmd)> = sim.node(1).unwrap().learned().iter().map(|(s, c)| (*s, c.clone())).collect();
    assert_eq!(reference[0], (1, Cmd::Noop), "slot 1 (accepted by n0 and n4 only) became a no-op");
    assert_eq!(reference[1].1.text(), "x=2", "slot 2 kept the value n1 had accepted");
    assert!(reference.iter().skip(2).any(|(_, c)| c.text() == "x=1"), "c0's re-sent write landed later");
    assert!(
        sim.notices()
            .iter()
            .any(|n| n.notice.kind == NoticeKind::LeaderElected && n.notice.text.contains("1 no-op gap")),
        "the new leader reported the gap"
    );
    for i in 0..5 {
        let n = sim.node(i).unwrap();
        let learned: Vec<(u64, Cmd)> = n.learned().iter().map(|(s, c)| (*s, c.clone())).collect();
        assert_eq!(learned, reference, "n{i} learned the same slots");
        assert_eq!(n.applied(), reference.len() as u64, "n{i} applied every slot, in order");
        assert_eq!(n.replica(), sim.node(1).unwrap().replica(), "n{i}'s state machine");
    }
    let lin = cap_playground::check::linearizability::check_history(&sim.history(), 1_000_000);
    assert!(lin.is_linearizable(), "{lin:?}");
}

#[test]
fn s3_multipaxos_minority_side_stalls_while_the_majority_serves() {
    let mut sim = multi_sim(&scenario_file("multipaxos-minority-partition.json"));
    sim.run_until(2_000);
    let applied_minority = sim.node(0).unwrap().applied().max(sim.node(1).unwrap().applied());
    sim.run_until(6_900);
    let ok = |c: u32| {
        sim.history()
            .iter()
            .filter(|o| {
                o.client == c
                    && o.invoke > 2_100
                    && o.complete.is_some_and(|t| t < 6_900)
                    && o.outcome == Some(Outcome::Ok)
            })
            .count()
    };
    assert_eq!(ok(0), 0, "the two-node side answered nothing");
    assert!(ok(1) >= 5, "the three-node side kept serving ({} ok)", ok(1));
    assert_eq!(
        sim.node(0).unwrap().applied().max(sim.node(1).unwrap().applied()),
        applied_minority,
        "no slot was chosen on the minority side"
    );
    sim.run_until(9_000);
    let top = (0..5).map(|i| sim.node(i).unwrap().applied()).max().unwrap();
    sim.run_until(10_000);
    let applied: Vec<u64> = (0..5).map(|i| sim.node(i).unwrap().applied()).collect();
    assert!(
        applied.iter().all(|a| *a >= top),
        "all learners caught up after the heal: {applied:?} (top at 9 s: {top})"
    );
    assert!(sim.violations().is_empty());
    let lin = cap_playground::check::linearizability::check_history(&sim.history(), 2_000_000);
    assert!(lin.is_linearizable(), "{lin:?}");
}

#[test]
fn s3_the_leader_skips_phase_1_for_later_slots_while_its_ballot_holds() {
    let mut sim = multi_sim(r#"{"protocol":"multipaxos","nodes":3,"seed":4,"clients":[{"node":0}],"until":3000}"#);
    sim.run_until(1_000);
    let prepares = sim.counters().sent.get("Prepare").copied().unwrap_or(0);
    for v in 0..10 {
        sim.invoke(0, write(v));
    }
    sim.run_until(3_000);
    assert_eq!(sim.counters().sent.get("Prepare").copied().unwrap_or(0), prepares, "no new phase 1");
    assert_eq!(sim.history().iter().filter(|o| o.outcome == Some(Outcome::Ok)).count(), 10);
    let leader = (0..3).find(|i| sim.node(*i).unwrap().phase() == Phase::Leading).unwrap();
    assert_eq!(sim.node(leader).unwrap().replica().kv.data.get("x"), Some(&9));
}

#[test]
fn roles_can_be_split_and_bad_role_lists_are_rejected() {
    let text = r#"{"protocol":"multipaxos","nodes":5,"seed":3,
        "config":{"roles":{"proposers":[0,1],"acceptors":[1,2,3],"learners":[0,1,4]}},
        "clients":[{"node":4}],"workload":{"interval_ms":100,"start_ms":500},"until":4000}"#;
    let mut sim = multi_sim(text);
    sim.run_until(4_000);
    assert!(sim.violations().is_empty());
    assert!(sim.history().iter().filter(|o| o.outcome == Some(Outcome::Ok)).count() > 5);
    let v = sim.node(2).unwrap().view().detail;
    assert_eq!(v.roles, "A");
    assert_eq!(sim.node(0).unwrap().view().detail.roles, "PL");
    assert!(sim.node(2).unwrap().learned().is_empty(), "an acceptor-only node learns nothing");
    for (bad, expect) in [
        (r#"{"roles":{"acceptors":[]}}"#, "is empty"),
        (r#"{"roles":{"proposers":[7]}}"#, "node 7 does not exist"),
        (r#"{"roles":{"proposers":[0],"learners":[1]}}"#, "must also be a learner"),
        (r#"{"ballots":1}"#, "unknown field `ballots`"),
    ] {
        let s = format!(r#"{{"protocol":"multipaxos","nodes":3,"config":{bad}}}"#);
        let e = AnySim::from_json(&s).err().unwrap_or_else(|| panic!("accepted {bad}"));
        assert!(e.contains(expect), "{bad}: {e}");
    }
    let _ = Roles::default();
}

#[test]
fn views_and_message_details_use_the_papers_names() {
    let mut sim = AnySim::from_json(&scenario_file("multipaxos-minority-partition.json")).unwrap();
    let mut kinds = std::collections::BTreeSet::new();
    for _ in 0..200 {
        sim.advance(10);
        for m in sim.frame().messages {
            kinds.insert(m.kind.clone());
            if m.kind == "Accept" {
                assert!(m.detail.starts_with("ballot "), "{}", m.detail);
            }
        }
    }
    for k in ["Prepare", "Promise", "Accept", "Accepted", "Chosen", "Heartbeat"] {
        assert!(kinds.contains(k), "{k} not seen in {kinds:?}");
    }
    let f = sim.frame();
    let json = serde_json::to_value(&f).unwrap();
    let n = &json["nodes"][2];
    assert_eq!(n["paxos"]["roles"], "PAL");
    assert!(n["paxos"]["slots"].as_array().unwrap().len() <= 20);
    assert!(n["paxos"]["promised"].as_str().unwrap().contains('.'));
    assert!(n.get("dynamo").is_none());
}

#[test]
fn same_scenario_and_seed_give_the_same_trace() {
    for file in ["paxos-dueling-proposers.json", "multipaxos-minority-partition.json"] {
        let text = scenario_file(file);
        let run = || {
            let mut s = AnySim::from_json(&text).unwrap();
            s.run_until(5_000);
            (s.trace_hash(), s.events())
        };
        assert_eq!(run(), run(), "{file}");
    }
}

// ------------------------------------------------------------------------------- sweeps

fn sweep(protocol: &str, seeds: u64) {
    let mut unknown = 0;
    let mut ok_ops = 0;
    for seed in 1..=seeds {
        let r = run_scenario(random_scenario(protocol, seed, &SweepOptions::default()), true).unwrap();
        if let Some((what, detail, at)) = r.violation {
            panic!("seed {seed} at {at} ms: {what}: {detail}\nreproduce: cap sweep --protocol {protocol} --seeds 1 --start {seed}");
        }
        unknown += r.check_unknown as u32;
        ok_ops += r.ops;
    }
    assert!(unknown <= 10, "{unknown} histories were too hard to decide");
    assert!(ok_ops > seeds * 10, "the workload ran");
}

#[test]
fn sweep_of_1000_seeds_single_decree_paxos_is_safe_and_linearizable() {
    sweep("paxos", 1_000);
}

#[test]
fn sweep_of_1000_seeds_multipaxos_is_safe_and_linearizable() {
    sweep("multipaxos", 1_000);
}

#[test]
fn s2_4_the_back_off_remedy_switched_on_live_ends_a_livelock() {
    use cap_playground::sim::scenario::Action;
    let mut sim = paxos_sim(&scenario_file("paxos-dueling-proposers.json"));
    sim.run_until(2_000);
    assert!((0..5).all(|i| sim.node(i).unwrap().chosen().is_none()), "livelocked so far");
    // The reader flips the remedy switch: the scenario's config with random_backoff on.
    let on: Action = serde_json::from_str(
        r#"{"action":"configure","config":{"roles":{"proposers":[0,4]},"retry_ms":[10,200],"random_backoff":true,"round_timeout_ms":1000}}"#,
    )
    .unwrap();
    sim.apply(on).unwrap();
    sim.run_until(5_000);
    let chosen: Vec<Option<String>> = (0..5).map(|i| sim.node(i).unwrap().chosen().map(|c| c.text())).collect();
    assert!(chosen[0].is_some() && chosen.iter().all(|c| *c == chosen[0]), "{chosen:?}");
    // Roles define the run: changing them live is refused with a reason.
    let roles: Action = serde_json::from_str(r#"{"action":"configure","config":{"random_backoff":true}}"#).unwrap();
    let e = sim.apply(roles).unwrap_err();
    assert!(e.contains("roles and unsafe_forget_on_crash are fixed"), "{e}");
    assert!(sim.violations().is_empty());
}
