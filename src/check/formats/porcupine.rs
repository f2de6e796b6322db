//! Porcupine kv logs (Porcupine's `test_data/kv`): see the parent module's docs for the rules.

use super::Pairing;
use crate::check::linearizability::{KvInput, KvOp, KvOutput, ModelOp};

/// A value in the small EDN subset used by the kv logs.
#[derive(Clone, Debug, PartialEq)]
enum Edn {
    Nil,
    Int(i64),
    Keyword(String),
    Str(String),
}

/// Parse `{:k v, :k v}` with keyword keys and nil / integer / keyword / string values.
fn parse_edn_map(s: &str, line: u64) -> Result<Vec<(String, Edn)>, String> {
    let err = |what: &str| format!("line {line}: {what}");
    let b: Vec<char> = s.trim().chars().collect();
    if b.first() != Some(&'{') || b.last() != Some(&'}') {
        return Err(err("expected an EDN map `{:process …}`"));
    }
    let mut i = 1;
    let end = b.len() - 1;
    let mut out = Vec::new();
    let skip_ws = |i: &mut usize| {
        while *i < end && (b[*i].is_whitespace() || b[*i] == ',') {
            *i += 1;
        }
    };
    let word = |i: &mut usize| {
        let start = *i;
        while *i < end && !b[*i].is_whitespace() && b[*i] != ',' {
            *i += 1;
        }
        b[start..*i].iter().collect::<String>()
    };
    loop {
        skip_ws(&mut i);
        if i >= end {
            break;
        }
        if b[i] != ':' {
            return Err(err("expected a keyword key like `:process`"));
        }
        i += 1;
        let k = word(&mut i);
        skip_ws(&mut i);
        if i >= end {
            return Err(err(&format!("key :{k} has no value")));
        }
        let v = if b[i] == '"' {
            i += 1;
            let mut s = String::new();
            loop {
                if i >= end {
                    return Err(err("unterminated string"));
                }
                match b[i] {
                    '"' => {
                        i += 1;
                        break;
                    }
                    '\\' if i + 1 < end => {
                        s.push(match b[i + 1] {
                            'n' => '\n',
                            't' => '\t',
                            'r' => '\r',
                            c => c,
                        });
                        i += 2;
                    }
                    c => {
                        s.push(c);
                        i += 1;
                    }
                }
            }
            Edn::Str(s)
        } else if b[i] == ':' {
            i += 1;
            Edn::Keyword(word(&mut i))
        } else {
            let w = word(&mut i);
            if w == "nil" {
                Edn::Nil
            } else {
                Edn::Int(w.parse::<i64>().map_err(|_| err(&format!("unexpected value `{w}`")))?)
            }
        };
        out.push((k, v));
    }
    Ok(out)
}

/// Parse a Porcupine kv log (see the module docs for the rules).
pub fn parse_kv(text: &str) -> Result<Vec<ModelOp<KvInput, KvOutput>>, String> {
    let mut p: Pairing<KvInput, KvOutput> = Pairing::new();
    for (i, raw) in text.lines().enumerate() {
        let line = (i + 1) as u64;
        if raw.trim().is_empty() {
            continue;
        }
        let map = parse_edn_map(raw, line)?;
        let get = |k: &str| map.iter().find(|(kk, _)| kk == k).map(|(_, v)| v);
        let process = match get("process") {
            Some(Edn::Int(p)) if *p >= 0 => *p as u64,
            _ => return Err(format!("line {line}: missing or bad :process")),
        };
        let ty = match get("type") {
            Some(Edn::Keyword(t)) => t.as_str(),
            _ => return Err(format!("line {line}: missing or bad :type")),
        };
        let f = match get("f") {
            Some(Edn::Keyword(f)) => f.as_str(),
            _ => return Err(format!("line {line}: missing or bad :f")),
        };
        let op = match f {
            "get" => KvOp::Get,
            "put" => KvOp::Put,
            "append" => KvOp::Append,
            _ => return Err(format!("line {line}: unknown operation :{f} (expected :get, :put or :append)")),
        };
        let value = match get("value") {
            Some(Edn::Str(s)) => Some(s.clone()),
            Some(Edn::Nil) | None => None,
            Some(_) => return Err(format!("line {line}: :value must be a string or nil")),
        };
        match ty {
            "invoke" => {
                let key = match get("key") {
                    Some(Edn::Str(k)) => k.clone(),
                    _ => return Err(format!("line {line}: missing or bad :key")),
                };
                if op != KvOp::Get && value.is_none() {
                    return Err(format!("line {line}: :{f} needs a string :value"));
                }
                p.invoke(process, line, f, KvInput { op, key, value: value.unwrap_or_default() });
            }
            "ok" => {
                let open = p.complete(process, line, f)?;
                let out = match op {
                    // nil reads as a missing key, i.e. "".
                    KvOp::Get => value.unwrap_or_default(),
                    _ => String::new(),
                };
                p.push(&open, Some(KvOutput { value: out }), line);
            }
            "fail" => {
                p.complete(process, line, f)?;
            }
            "info" => {
                let open = p.complete(process, line, f)?;
                if op != KvOp::Get {
                    p.push(&open, None, open.line);
                }
            }
            _ => return Err(format!("line {line}: unknown :type :{ty}")),
        }
    }
    Ok(p.finish(|i: &KvInput| i.op != KvOp::Get))
}
