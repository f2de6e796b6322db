//! Deterministic generated histories for the checker's benchmarks (`cap gen-history`,
//! `npm run bench`): one register, several clients, every operation acknowledged, linearizable by
//! construction — or with exactly one stale read near the end.
//!
//! How: each client runs operations back to back with random gaps; every operation gets a
//! linearization point strictly inside its interval, and the register is replayed in the order of
//! those points, so a read returns the value of the last write placed before it. Written values
//! are unique (1, 2, 3, …), so a stale read is recognisable. The stale variant replaces the value
//! of one read among the last 1 % with the value of a write that had been overwritten, by a write
//! acknowledged before the read began: no order can explain it.

use crate::check::linearizability::{ModelOp, RegInput, RegOp, RegOutput};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// What [`register_history`] makes.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct SyntheticSpec {
    /// Operations in the history.
    pub ops: usize,
    /// Concurrent clients (processes).
    pub clients: u32,
    /// The generator's seed.
    pub seed: u64,
    /// Replace one late read's value with an overwritten one.
    pub stale_read: bool,
}

impl Default for SyntheticSpec {
    fn default() -> Self {
        SyntheticSpec { ops: 100_000, clients: 5, seed: 1, stale_read: false }
    }
}

/// A single-register history (key `""`, initially nil), operations in invocation order; ids are
/// 0-based positions, times are abstract ticks.
pub fn register_history(spec: &SyntheticSpec) -> Vec<ModelOp<RegInput, RegOutput>> {
    let mut rng = Pcg64Mcg::seed_from_u64(spec.seed ^ 0x5717_4e71_c0de_0001);
    let clients = spec.clients.max(1) as usize;
    // (call, linearization point, return, client, is_write)
    let mut shapes: Vec<(u64, u64, u64, u32, bool)> = Vec::with_capacity(spec.ops);
    let mut free_at = vec![0u64; clients];
    for _ in 0..spec.ops {
        // The client that is free earliest invokes next (ties: lowest id).
        let c = (0..clients).min_by_key(|&c| (free_at[c], c)).unwrap_or(0);
        let call = free_at[c] + rng.random_range(1..20u64);
        let lp = call + rng.random_range(1..30u64);
        let ret = lp + rng.random_range(1..30u64);
        free_at[c] = ret;
        shapes.push((call, lp, ret, c as u32, rng.random_bool(0.5)));
    }
    // Replay in linearization-point order (ties broken by position: still a valid order).
    let mut order: Vec<usize> = (0..shapes.len()).collect();
    order.sort_by_key(|&i| (shapes[i].1, i));
    let mut value: Option<i64> = None;
    let mut next = 0i64;
    let mut outputs: Vec<(RegOp, RegOutput)> = vec![(RegOp::Read, RegOutput::Read(None)); shapes.len()];
    for &i in &order {
        if shapes[i].4 {
            next += 1;
            value = Some(next);
            outputs[i] = (RegOp::Write { value: next }, RegOutput::Written);
        } else {
            outputs[i] = (RegOp::Read, RegOutput::Read(value));
        }
    }
    let mut ops: Vec<ModelOp<RegInput, RegOutput>> = shapes
        .iter()
        .zip(outputs)
        .enumerate()
        .map(|(i, (&(call, _, ret, client, _), (op, out)))| ModelOp {
            id: i as u64,
            client: u64::from(client),
            input: RegInput { key: String::new(), op },
            output: Some(out),
            call,
            ret,
        })
        .collect();
    if spec.stale_read {
        make_one_read_stale(&mut ops);
    }
    ops
}

/// Give one read among the last 1 % the value of a write that an acknowledged write had
/// overwritten before the read began.
fn make_one_read_stale(ops: &mut [ModelOp<RegInput, RegOutput>]) {
    let n = ops.len();
    let from = n - (n / 100).max(1).min(n);
    for r in from..n {
        if ops[r].input.op != RegOp::Read {
            continue;
        }
        let call = ops[r].call;
        // The overwriting write: acknowledged before the read began.
        let Some(w2) = (0..r).rev().find(|&j| matches!(ops[j].input.op, RegOp::Write { .. }) && ops[j].ret < call)
        else {
            continue;
        };
        // The overwritten one: a write that returned before w2 was invoked.
        let Some(w1) =
            (0..w2).rev().find(|&j| matches!(ops[j].input.op, RegOp::Write { .. }) && ops[j].ret < ops[w2].call)
        else {
            continue;
        };
        if let RegOp::Write { value } = ops[w1].input.op {
            ops[r].output = Some(RegOutput::Read(Some(value)));
            return;
        }
    }
}

/// The history as a Jepsen etcd log (`cap check` reads it): events in time order, at equal
/// times invocations first.
pub fn to_jepsen_log(ops: &[ModelOp<RegInput, RegOutput>]) -> String {
    let mut events: Vec<(u64, u8, usize)> = Vec::with_capacity(ops.len() * 2);
    for (i, o) in ops.iter().enumerate() {
        events.push((o.call, 0, i));
        events.push((o.ret, 1, i));
    }
    events.sort_unstable();
    let mut out = String::with_capacity(ops.len() * 80);
    for (_, kind, i) in events {
        let o = &ops[i];
        let (f, invoke_v) = match o.input.op {
            RegOp::Read => ("read", "nil".to_string()),
            RegOp::Write { value } => ("write", value.to_string()),
            RegOp::Cas { from, to } => ("cas", format!("[{from} {to}]")),
        };
        let (ty, v) = if kind == 0 {
            ("invoke", invoke_v)
        } else {
            match o.output {
                Some(RegOutput::Read(v)) => ("ok", v.map(|v| v.to_string()).unwrap_or_else(|| "nil".into())),
                Some(RegOutput::CasFailed) => ("fail", invoke_v),
                Some(_) => ("ok", invoke_v),
                None => ("info", ":timed-out".to_string()),
            }
        };
        out.push_str(&format!("INFO  jepsen.util - {}\t:{ty}\t:{f}\t{v}\n", o.client));
    }
    out
}
