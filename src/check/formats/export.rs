//! Export of our histories for outside checkers, so a run can be cross-checked with Porcupine
//! (Go) or Knossos (Clojure) and read in their visualisers.
//!
//! - [`to_porcupine_json`]: a JSON array of Porcupine `Operation`s,
//!   `{"ClientId", "Input", "Call", "Output", "Return", "Metadata"}`, for a register-per-key
//!   model. `Input` is `{"Op": "read"|"write"|"cas", "Key", "Value"?, "From"?, "To"?}`; `Output`
//!   is `{"Value": n|null}` for reads, `{}` for writes, `{"Ok": bool}` for compare-and-set, and
//!   `{"Unknown": true}` for an unknown outcome, whose `Return` is one past the last timestamp
//!   (Porcupine's and Knossos's convention: open until the end of the history). Times are our
//!   simulated milliseconds. Only operations that constrain the check are exported (as
//!   [`register_op`] keeps them): failed writes and unknown reads are left out. A Go model for
//!   this input is Porcupine's etcd model with a `Partition` by `Key`.
//! - [`from_history_json`]: either of them from a run's history as JSON (what the playground's
//!   `historyJson()` returns), so that the exporters run in a bundle of their own (`pkg/export/`,
//!   `wasm/export.rs`), not in every playground page.
//! - [`to_jepsen_edn`]: one Jepsen event map per line, in time order (at equal times,
//!   invocations first, as our checker treats touching operations as concurrent), ready for
//!   Knossos's `cas-register` model under `jepsen.independent`: `:value` is the independent
//!   tuple `[key v]`, with `v` = `nil`/N for reads, N for writes and `[FROM TO]` for
//!   compare-and-set; `:time` is in nanoseconds. An operation whose outcome is unknown gets an
//!   `:info` completion (or none, while pending); since Jepsen never reuses a process after an
//!   `:info`, later operations of that client get a fresh process number (client + k × clients).

use crate::check::linearizability::{register_op, RegOp, RegOutput};
use crate::core::history::{Operation, Outcome};
use crate::protocol::{ClientOperation, ClientReply, ClientResult};
use serde_json::{json, Value as Json};
use std::collections::BTreeMap;

/// The two export formats.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Format {
    /// Porcupine's JSON ([`to_porcupine_json`]).
    Porcupine,
    /// Jepsen's EDN ([`to_jepsen_edn`]).
    Edn,
}

/// Export a history given as JSON (`Operation::to_json` of each operation, in order) in
/// `format`, reading its operations and answers as vocabulary `O`'s; the error says what was
/// wrong with the text.
pub fn from_history_json<O: ClientOperation>(history_json: &str, format: Format) -> Result<String, String> {
    let history: Vec<Operation<O, O::Result>> =
        serde_json::from_str(history_json).map_err(|e| format!("not a history of this protocol's operations: {e}"))?;
    Ok(match format {
        Format::Porcupine => to_porcupine_json(&history),
        Format::Edn => to_jepsen_edn(&history),
    })
}

/// Porcupine `Operation` JSON for a register-per-key model (see the module docs).
pub fn to_porcupine_json<O: ClientOperation>(history: &[Operation<O, O::Result>]) -> String {
    let end = history.iter().map(|o| o.complete.unwrap_or(o.invoke).max(o.invoke)).max().unwrap_or(0) + 1;
    let ops: Vec<Json> = history
        .iter()
        .filter_map(|op| {
            let m = register_op(&op.project()?)?;
            let input = match m.input.op {
                RegOp::Read => json!({"Op": "read", "Key": m.input.key}),
                RegOp::Write { value } => {
                    json!({"Op": "write", "Key": m.input.key, "Value": value})
                }
                RegOp::Cas { from, to } => {
                    json!({"Op": "cas", "Key": m.input.key, "From": from, "To": to})
                }
            };
            let (output, ret) = match m.output {
                Some(RegOutput::Read(v)) => (json!({"Value": v}), m.ret),
                Some(RegOutput::Written) => (json!({}), m.ret),
                Some(RegOutput::CasOk) => (json!({"Ok": true}), m.ret),
                Some(RegOutput::CasFailed) => (json!({"Ok": false}), m.ret),
                None => (json!({"Unknown": true}), end),
            };
            Some(json!({
                "ClientId": m.client,
                "Input": input,
                "Call": m.call,
                "Output": output,
                "Return": ret,
                "Metadata": format!("op #{}", m.id),
            }))
        })
        .collect();
    serde_json::to_string_pretty(&Json::Array(ops)).unwrap_or_else(|_| "[]".to_string())
}

fn edn_str(s: &str) -> String {
    let mut out = String::with_capacity(s.len() + 2);
    out.push('"');
    for c in s.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\n' => out.push_str("\\n"),
            c => out.push(c),
        }
    }
    out.push('"');
    out
}

fn edn_opt(v: Option<i64>) -> String {
    v.map(|v| v.to_string()).unwrap_or_else(|| "nil".to_string())
}

/// Jepsen/Knossos EDN event log, one map per line (see the module docs).
pub fn to_jepsen_edn<O: ClientOperation>(history: &[Operation<O, O::Result>]) -> String {
    let stride = history.iter().map(|o| u64::from(o.client)).max().unwrap_or(0) + 1;
    // (time, 0 = invoke / 1 = completion, op id) → line; sorted gives Jepsen's event order.
    let mut events: BTreeMap<(u64, u8, u64), String> = BTreeMap::new();
    let mut generation: BTreeMap<u32, u64> = BTreeMap::new();
    let mut ordered: Vec<&Operation<O, O::Result>> = history.iter().collect();
    crate::core::sort::sort_by_key(&mut ordered, |o| (o.invoke, o.id));
    for op in ordered {
        let g = generation.entry(op.client).or_insert(0);
        let process = u64::from(op.client) + *g * stride;
        let key = edn_str(op.op.key());
        let (f, invoke_v) = op.op.jepsen(edn_str);
        let ns = |ms: u64| ms.saturating_mul(1_000_000);
        events.insert(
            (op.invoke, 0, op.id),
            format!(
                "{{:process {process}, :type :invoke, :f :{f}, :value [{key} {invoke_v}], :time {}}}",
                ns(op.invoke)
            ),
        );
        let Some(done) = op.complete else {
            *g += 1; // still pending: this process stays open
            continue;
        };
        let (ty, v) = match (op.outcome, op.result.as_ref().and_then(|r| r.as_register())) {
            (Some(Outcome::Ok), Some(ClientResult::ReadOk { value })) => ("ok", edn_opt(*value)),
            (Some(Outcome::Ok), Some(ClientResult::WriteOk | ClientResult::CasOk)) => ("ok", invoke_v.clone()),
            (Some(Outcome::Ok | Outcome::Fail), Some(ClientResult::CasFailed { .. })) => ("fail", invoke_v.clone()),
            (Some(Outcome::Fail), _) => ("fail", invoke_v.clone()),
            _ => ("info", invoke_v.clone()),
        };
        if ty == "info" {
            *g += 1;
        }
        let done = done.max(op.invoke);
        events.insert(
            (done, 1, op.id),
            format!("{{:process {process}, :type :{ty}, :f :{f}, :value [{key} {v}], :time {}}}", ns(done)),
        );
    }
    let mut out = String::new();
    for line in events.values() {
        out.push_str(line);
        out.push('\n');
    }
    out
}
