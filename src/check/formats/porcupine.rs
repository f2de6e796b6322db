//! Porcupine kv logs (Porcupine's `test_data/kv`): see the parent module's docs for the rules.

use super::edn::{self, Edn, Node};
use super::knossos::{op_maps, process_of, type_of};
use super::{perr, Pairing, ParseError, ParseOptions};
use crate::check::linearizability::{KvInput, KvOp, KvOutput, ModelOp};

/// Parse a Porcupine kv log with the default (strict) options.
pub fn parse_kv(text: &str) -> Result<Vec<ModelOp<KvInput, KvOutput>>, ParseError> {
    let nodes = edn::read_all(text)?;
    kv_from_maps(&op_maps(&nodes), &ParseOptions::default())
}

/// The kv operations of a history's op maps (see the parent module's docs).
pub fn kv_from_maps(maps: &[&Node], opts: &ParseOptions) -> Result<Vec<ModelOp<KvInput, KvOutput>>, ParseError> {
    let mut p: Pairing<KvInput, KvOutput> = Pairing::new(opts);
    for m in maps {
        let line = m.line;
        let Some(process) = process_of(m)? else {
            continue; // the nemesis
        };
        let ty = type_of(m)?;
        let f = match m.get("f").map(|n| &n.value) {
            Some(Edn::Keyword(f)) => f.as_str(),
            _ => return Err(perr(line, "missing or bad :f: accepted :get, :put and :append")),
        };
        let op = match f {
            "get" => KvOp::Get,
            "put" => KvOp::Put,
            "append" => KvOp::Append,
            _ => return Err(perr(line, format!("unknown function :{f}: accepted :get, :put and :append"))),
        };
        let value = match m.get("value").map(|n| &n.value) {
            Some(Edn::Str(s)) => Some(s.clone()),
            Some(Edn::Nil) | None => None,
            Some(v) => return Err(perr(line, format!(":value {v} is not accepted: accepted a string or nil"))),
        };
        match ty {
            "invoke" => {
                let key = match m.get("key").map(|n| &n.value) {
                    Some(Edn::Str(k)) => k.clone(),
                    _ => return Err(perr(line, "missing or bad :key: accepted a string")),
                };
                if op != KvOp::Get && value.is_none() {
                    return Err(perr(line, format!(":{f} needs a string :value")));
                }
                p.invoke(process, line, f, KvInput { op, key, value: value.unwrap_or_default() })?;
            }
            "ok" => {
                let open = p.complete(process, line, f, false)?;
                let out = match op {
                    // nil reads as a missing key, i.e. "".
                    KvOp::Get => value.unwrap_or_default(),
                    _ => String::new(),
                };
                p.push(&open, Some(KvOutput { value: out }), line);
            }
            "fail" => {
                p.complete(process, line, f, false)?;
            }
            _ => {
                // info
                let open = p.complete(process, line, f, true)?;
                if op != KvOp::Get {
                    p.push(&open, None, open.line);
                }
            }
        }
    }
    Ok(p.finish(|i: &KvInput| i.op != KvOp::Get))
}
