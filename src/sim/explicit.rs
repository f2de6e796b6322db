//! The explicit schedule (`"schedule": "explicit"` in a scenario): the steps, not the clock,
//! decide when each message arrives and each timer fires.
//!
//! The exhaustive explorer (`src/explore/`) finds a violation as a sequence of choices — deliver
//! this message, fire that timer, let this client invoke — with no timing in it. To replay such
//! a path in the simulator (and so in `cap run`, the element and share links), the simulator must
//! not draw when things happen: here every message stays in flight until a `deliver` step
//! delivers it (or `drop_message` drops it), every node timer stays armed until a `fire_timer`
//! step fires it, and a client's retry and operation timeout wait for a `client_timer` step.
//! Everything else — the nodes, the clients, the invariant checks, the trace hash — runs exactly
//! as in a timed run, so the same violation appears with the same trace hash everywhere.
//!
//! The one hook in the simulator is in `Sim::schedule`: an explicit run's deliveries, timers and
//! client timers are kept here instead of entering the event queue (a node timer's generation and a
//! message already live in the node slot and the in-flight table, so only client timers need
//! storing).

use super::observer::Observer;
use super::scenario::{Scenario, Schedule};
use super::{Event, Sim};
use crate::core::vecmap::VecMap;
use crate::protocol::{ClientId, Invariants, NodeId, Protocol, RequestId};

/// What an explicit run holds back from the event queue.
#[derive(Clone, Debug, Default)]
pub struct Held {
    /// Each client's latest retry (request, attempt): an earlier one is stale once a later one
    /// is armed, so only the latest is kept.
    retry: VecMap<ClientId, (RequestId, u32)>,
    /// Each client's armed operation timeout (its request).
    timeout: VecMap<ClientId, RequestId>,
}

impl Held {
    /// `Some` for a scenario with `"schedule": "explicit"`.
    pub fn for_scenario(s: &Scenario) -> Option<Held> {
        (s.schedule == Schedule::Explicit).then(Held::default)
    }

    /// Should `event` enter the event queue? Deliveries and timers do not: they wait for a step.
    pub(super) fn hold<T>(&mut self, event: &Event<T>) -> bool {
        match event {
            Event::Deliver(_) | Event::Timer { .. } => false,
            Event::ClientRetry { client, request, attempt } => {
                self.retry.insert(*client, (*request, *attempt));
                false
            }
            Event::ClientTimeout { client, request } => {
                self.timeout.insert(*client, *request);
                false
            }
            Event::ClientNext { .. } | Event::Step(_) => true,
        }
    }
}

impl<P: Protocol + Invariants, O: Observer> Sim<P, O> {
    /// `deliver`: message `id`, held in flight, arrives now.
    pub(super) fn deliver_held(&mut self, id: u64) -> Result<(), String> {
        match self.in_flight.get(&id) {
            Some(m) if m.lost_at.is_none() => {}
            Some(_) => return Err(format!("deliver: message {id} was lost")),
            None => return Err(format!("deliver: message {id} is not in flight")),
        }
        self.run_event(Event::Deliver(id));
        Ok(())
    }

    /// `fire_timer`: node `node`'s armed timer whose name (as the protocol spells it) is `name`.
    pub(super) fn fire_held_timer(&mut self, node: NodeId, name: &str) -> Result<(), String> {
        let slot = &self.slots[node as usize];
        let armed: Vec<String> = slot.timers.keys().map(|t| format!("{t:?}")).collect();
        let Some(i) = armed.iter().position(|a| a == name) else {
            return Err(if armed.is_empty() {
                format!("fire_timer: n{node} has no armed timer")
            } else {
                format!("fire_timer: n{node} has no armed timer '{name}': armed are {}", armed.join(", "))
            });
        };
        let (timer, t) = slot.timers.iter().nth(i).map(|(k, v)| (k.clone(), v.generation)).expect("listed");
        self.run_event(Event::Timer { node, timer, generation: t });
        Ok(())
    }

    /// `client_timer`: client `client`'s `retry` or `timeout`.
    pub(super) fn fire_held_client_timer(&mut self, client: ClientId, name: &str) -> Result<(), String> {
        let held = self.held.as_mut().ok_or("client_timer needs \"schedule\": \"explicit\"")?;
        let event = match name {
            "retry" => {
                held.retry.remove(&client).map(|(request, attempt)| Event::ClientRetry { client, request, attempt })
            }
            "timeout" => held.timeout.remove(&client).map(|request| Event::ClientTimeout { client, request }),
            other => return Err(format!("client timer '{other}' does not exist: accepted retry, timeout")),
        };
        let event = event.ok_or(format!("client_timer: c{client} has no armed {name} timer"))?;
        self.run_event(event);
        Ok(())
    }
}
