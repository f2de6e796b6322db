//! A hand-driven Raft cluster for the paper's figure tests: no timers fire unless a test fires
//! them, and a test chooses which messages are delivered, so every case is exactly the one the
//! paper draws.
#![allow(dead_code)]

use cap_playground::protocol::raft::{Command, Durable, Entry, Msg, Raft, RaftConfig, Role, Timer};
use cap_playground::protocol::{ClientId, ClientOp, ClientResult, NodeId, Outbox, Output, Protocol, RequestId, Time};

/// Servers plus the messages they sent that were not delivered yet.
pub struct Manual {
    pub nodes: Vec<Option<Raft>>,
    pub config: RaftConfig,
    pub wire: Vec<(NodeId, NodeId, Msg)>,
    pub replies: Vec<(ClientId, RequestId, ClientResult)>,
    pub now: Time,
    pub persists: usize,
    /// Every (re)arming of a server's election timer: (server, time).
    pub election_timer_sets: Vec<(NodeId, Time)>,
    /// Every message sent, by kind as the paper names it: (from, to, kind).
    pub sent: Vec<(NodeId, NodeId, &'static str)>,
}

pub fn entry(term: u64, value: i64) -> Entry {
    Entry {
        term,
        command: Command::Client {
            client: 99,
            request: value as u64,
            op: ClientOp::Write { key: "x".into(), value }.into(),
        },
    }
}

/// A log with the given terms, values = position (1-based).
pub fn log_of(terms: &[u64]) -> Vec<Entry> {
    terms.iter().enumerate().map(|(i, t)| entry(*t, i as i64 + 1)).collect()
}

impl Manual {
    pub fn new(n: u32) -> Manual {
        Manual::with(n, RaftConfig::default(), vec![None; n as usize])
    }

    /// Start servers from given durable states (None = fresh).
    pub fn with(n: u32, config: RaftConfig, durable: Vec<Option<Durable>>) -> Manual {
        let mut m = Manual {
            nodes: Vec::new(),
            config,
            wire: Vec::new(),
            replies: Vec::new(),
            now: 0,
            persists: 0,
            election_timer_sets: Vec::new(),
            sent: Vec::new(),
        };
        for (i, d) in durable.into_iter().enumerate() {
            let mut out = Outbox::new();
            let node = Raft::start(i as NodeId, n, &m.config, d, 0, &mut out);
            m.nodes.push(Some(node));
            m.absorb(i as NodeId, &mut out);
        }
        m
    }

    pub fn node(&self, i: NodeId) -> &Raft {
        self.nodes[i as usize].as_ref().expect("node is up")
    }

    fn absorb(&mut self, from: NodeId, out: &mut Outbox<Raft>) {
        for o in out.drain() {
            match o {
                Output::Send { to, msg } => {
                    self.sent.push((from, to, Raft::msg_info(&msg).kind));
                    self.wire.push((from, to, msg))
                }
                Output::Reply { client, request, result } => self.replies.push((client, request, result)),
                Output::Persist(_) => self.persists += 1,
                Output::SetTimer { timer: Timer::Election, .. } => self.election_timer_sets.push((from, self.now)),
                _ => {}
            }
        }
    }

    /// Fire node `i`'s election timer.
    pub fn timeout(&mut self, i: NodeId) {
        self.now += 1;
        let mut out = Outbox::new();
        if let Some(n) = self.nodes[i as usize].as_mut() {
            n.on_timer(self.now, Timer::Election, &mut out);
        }
        self.absorb(i, &mut out);
    }

    /// Fire the leader's heartbeat timer.
    pub fn heartbeat(&mut self, i: NodeId) {
        self.now += 1;
        let mut out = Outbox::new();
        if let Some(n) = self.nodes[i as usize].as_mut() {
            n.on_timer(self.now, Timer::Heartbeat, &mut out);
        }
        self.absorb(i, &mut out);
    }

    /// A client request at node `i`.
    pub fn client(&mut self, i: NodeId, client: ClientId, request: RequestId, op: ClientOp) {
        self.now += 1;
        let mut out = Outbox::new();
        if let Some(n) = self.nodes[i as usize].as_mut() {
            n.on_client(self.now, client, request, op, &mut out);
        }
        self.absorb(i, &mut out);
    }

    /// Deliver one specific message directly.
    pub fn deliver_one(&mut self, from: NodeId, to: NodeId, msg: Msg) {
        self.now += 1;
        let mut out = Outbox::new();
        if let Some(n) = self.nodes[to as usize].as_mut() {
            n.on_message(self.now, from, msg, &mut out);
        }
        self.absorb(to, &mut out);
    }

    /// Deliver messages (in send order, including those sent in response) while `allow` says
    /// so; the rest are lost. Stops when the wire is empty.
    pub fn deliver(&mut self, allow: impl Fn(NodeId, NodeId, &Msg) -> bool) {
        let mut rounds = 0;
        while !self.wire.is_empty() {
            rounds += 1;
            assert!(rounds < 100_000, "message storm");
            let (from, to, msg) = self.wire.remove(0);
            if allow(from, to, &msg) && self.nodes[to as usize].is_some() {
                self.deliver_one(from, to, msg);
            }
        }
    }

    /// Deliver everything between running nodes.
    pub fn deliver_all(&mut self) {
        self.deliver(|_, _, _| true);
    }

    /// Deliver only among the nodes in `group`.
    pub fn deliver_within(&mut self, group: &[NodeId]) {
        let g = group.to_vec();
        self.deliver(move |f, t, _| g.contains(&f) && g.contains(&t));
    }

    pub fn crash(&mut self, i: NodeId) -> Durable {
        let d = self.nodes[i as usize].take().expect("up").durable();
        self.wire.retain(|(f, t, _)| *f != i && *t != i);
        d
    }

    pub fn restart(&mut self, i: NodeId, d: Durable) {
        let mut out = Outbox::new();
        let n = self.nodes.len() as u32;
        let node = Raft::start(i, n, &self.config, Some(d), self.now, &mut out);
        self.nodes[i as usize] = Some(node);
        self.absorb(i, &mut out);
    }

    /// How many times server `i` (re)armed its election timer so far.
    pub fn election_timer_sets_of(&self, i: NodeId) -> usize {
        self.election_timer_sets.iter().filter(|(n, _)| *n == i).count()
    }

    /// How many messages of `kind` went from `from` to `to` so far.
    pub fn sent_count(&self, from: NodeId, to: NodeId, kind: &str) -> usize {
        self.sent.iter().filter(|(f, t, k)| (*f, *t, *k) == (from, to, kind)).count()
    }

    pub fn leaders(&self) -> Vec<NodeId> {
        self.nodes.iter().flatten().filter(|n| n.role() == Role::Leader).map(|n| n.id()).collect()
    }

    pub fn terms_of(&self, i: NodeId) -> Vec<u64> {
        let n = self.node(i);
        (n.snapshot().last_index + 1..=n.last_index()).map(|k| n.term_at(k).unwrap()).collect()
    }

    pub fn entries_of(&self, i: NodeId) -> Vec<Entry> {
        let n = self.node(i);
        (n.snapshot().last_index + 1..=n.last_index()).map(|k| n.entry(k).unwrap().clone()).collect()
    }
}

pub fn durable(term: u64, voted_for: Option<NodeId>, log: Vec<Entry>) -> Durable {
    Durable { current_term: term, voted_for, log, snapshot: Default::default() }
}
