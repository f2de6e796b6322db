//! Jepsen etcd logs (Porcupine's `test_data/jepsen`): see the parent module's docs for the rules.

use super::Pairing;
use crate::check::linearizability::{ModelOp, RegInput, RegOp, RegOutput};

fn parse_int(s: &str, line: u64, what: &str) -> Result<i64, String> {
    s.parse::<i64>().map_err(|_| format!("line {line}: {what} `{s}` is not an integer"))
}

fn parse_pair(v: &str, line: u64) -> Result<(i64, i64), String> {
    let inner = v
        .strip_prefix('[')
        .and_then(|s| s.strip_suffix(']'))
        .ok_or_else(|| format!("line {line}: expected [FROM TO], found `{v}`"))?;
    let mut it = inner.split_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => Ok((parse_int(a, line, "FROM")?, parse_int(b, line, "TO")?)),
        _ => Err(format!("line {line}: expected [FROM TO], found `{v}`")),
    }
}

/// Parse a Jepsen etcd log (see the module docs for the rules).
pub fn parse_jepsen(text: &str) -> Result<Vec<ModelOp<RegInput, RegOutput>>, String> {
    let mut p: Pairing<RegInput, RegOutput> = Pairing::new();
    for (i, raw) in text.lines().enumerate() {
        let line = (i + 1) as u64;
        if raw.trim().is_empty() {
            continue;
        }
        let toks: Vec<&str> = raw.split_whitespace().collect();
        if toks.len() < 7 || toks[0] != "INFO" || toks[1] != "jepsen.util" || toks[2] != "-" {
            return Err(format!("line {line}: expected `INFO jepsen.util - PROCESS :TYPE :F VALUE`"));
        }
        let process =
            toks[3].parse::<u64>().map_err(|_| format!("line {line}: process `{}` is not a number", toks[3]))?;
        let ty = toks[4].strip_prefix(':').unwrap_or("");
        let f = toks[5].strip_prefix(':').unwrap_or("");
        let value = toks[6..].join(" ");
        let key = String::new();
        match ty {
            "invoke" => {
                let op = match f {
                    "read" => RegOp::Read,
                    "write" => RegOp::Write { value: parse_int(&value, line, "value")? },
                    "cas" => {
                        let (from, to) = parse_pair(&value, line)?;
                        RegOp::Cas { from, to }
                    }
                    _ => return Err(format!("line {line}: unknown operation `{}`", toks[5])),
                };
                p.invoke(process, line, f, RegInput { key, op });
            }
            "ok" | "fail" | "info" => {
                let open = p.complete(process, line, f)?;
                let output = match (ty, open.input.op) {
                    ("ok", RegOp::Read) => Some(RegOutput::Read(if value == "nil" {
                        None
                    } else {
                        Some(parse_int(&value, line, "value read")?)
                    })),
                    ("ok", RegOp::Write { value: w }) => {
                        if parse_int(&value, line, "value")? != w {
                            return Err(format!(
                                "line {line}: :ok :write {value} does not match the invoked value {w}"
                            ));
                        }
                        Some(RegOutput::Written)
                    }
                    ("ok", RegOp::Cas { from, to }) | ("fail", RegOp::Cas { from, to }) if value != ":timed-out" => {
                        if parse_pair(&value, line)? != (from, to) {
                            return Err(format!(
                                "line {line}: :{ty} :cas {value} does not match the invoked [{from} {to}]"
                            ));
                        }
                        Some(if ty == "ok" { RegOutput::CasOk } else { RegOutput::CasFailed })
                    }
                    // A failed read, write or timed-out cas did not take effect / says nothing.
                    ("fail", _) => continue,
                    // Unknown outcome: a read constrains nothing; a write or cas stays open.
                    ("info", RegOp::Read) => continue,
                    ("info", _) => {
                        p.push(&open, None, open.line);
                        continue;
                    }
                    _ => return Err(format!("line {line}: unexpected completion `:{ty} :{f} {value}`")),
                };
                p.push(&open, output, line);
            }
            _ => return Err(format!("line {line}: unknown type `{}`", toks[4])),
        }
    }
    Ok(p.finish(|i: &RegInput| i.op != RegOp::Read))
}
