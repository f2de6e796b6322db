//! The stale-read rule of the CAP scoreboard (src/check/consistency.rs), on hand-made histories.

use cap_playground::check::consistency::Consistency;
use cap_playground::core::history::{Operation, Outcome};
use cap_playground::protocol::{ClientOp, ClientResult};

fn op(id: u64, op: ClientOp, invoke: u64, complete: u64, outcome: Outcome, result: Option<ClientResult>) -> Operation {
    Operation { id, client: id as u32, op, invoke, complete: Some(complete), outcome: Some(outcome), result, node: 0 }
}
fn w(id: u64, v: i64, a: u64, b: u64, outcome: Outcome) -> Operation {
    let result = (outcome == Outcome::Ok).then_some(ClientResult::WriteOk);
    op(id, ClientOp::Write { key: "x".into(), value: v }, a, b, outcome, result)
}
fn r(id: u64, v: Option<i64>, a: u64, b: u64) -> Operation {
    op(id, ClientOp::Read { key: "x".into() }, a, b, Outcome::Ok, Some(ClientResult::ReadOk { value: v }))
}

/// Feed ops as the simulator does: invocations in id order, completions in time order.
fn stale(ops: &[Operation]) -> Vec<u64> {
    let mut c = Consistency::default();
    let mut events: Vec<(u64, bool, &Operation)> =
        ops.iter().flat_map(|o| [(o.invoke, false, o), (o.complete.unwrap(), true, o)]).collect();
    events.sort_by_key(|(t, done, o)| (*t, *done, o.id));
    for (_, done, o) in events {
        if done {
            c.on_complete(o);
        } else {
            let mut pending = o.clone();
            pending.complete = None;
            pending.outcome = None;
            pending.result = None;
            c.on_invoke(&pending);
        }
    }
    c.report().stale_ids
}

#[test]
fn a_read_of_an_overwritten_value_is_stale() {
    // write 1 [0,10], write 2 [20,30], read → 1 [40,50]: 1 was overwritten before the read began.
    assert_eq!(stale(&[w(0, 1, 0, 10, Outcome::Ok), w(1, 2, 20, 30, Outcome::Ok), r(2, Some(1), 40, 50)]), vec![2]);
}

#[test]
fn a_read_concurrent_with_the_overwrite_is_not_stale() {
    assert!(stale(&[w(0, 1, 0, 10, Outcome::Ok), w(1, 2, 20, 45, Outcome::Ok), r(2, Some(1), 40, 50)]).is_empty());
}

#[test]
fn a_read_of_nil_after_an_acknowledged_write_is_stale() {
    assert_eq!(stale(&[w(0, 1, 0, 10, Outcome::Ok), r(1, None, 20, 30)]), vec![1]);
}

#[test]
fn a_value_whose_write_outcome_is_unknown_is_never_called_stale() {
    // write 1 timed out (info): it may take effect at any later time.
    assert!(stale(&[w(0, 1, 0, 100, Outcome::Info), w(1, 2, 20, 30, Outcome::Ok), r(2, Some(1), 40, 50)]).is_empty());
}

#[test]
fn a_failed_write_does_not_overwrite() {
    assert!(stale(&[w(0, 1, 0, 10, Outcome::Ok), w(1, 2, 20, 30, Outcome::Fail), r(2, Some(1), 40, 50)]).is_empty());
}
