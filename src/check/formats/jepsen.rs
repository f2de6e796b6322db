//! Jepsen etcd logs (Porcupine's `test_data/jepsen`): see the parent module's docs for the rules.

use super::{perr, Pairing, ParseError, ParseOptions};
use crate::check::linearizability::{ModelOp, RegInput, RegOp, RegOutput};

const ACCEPTED_F: &str = "accepted :read, :write and :cas";
const ACCEPTED_TYPES: &str = "accepted :invoke, :ok, :fail and :info";

fn parse_int(s: &str, line: u64, what: &str) -> Result<i64, ParseError> {
    s.parse::<i64>().map_err(|_| perr(line, format!("{what} `{s}` is not an integer (accepted: a 64-bit integer)")))
}

fn parse_pair(v: &str, line: u64) -> Result<(i64, i64), ParseError> {
    let bad = || perr(line, format!("expected a compare-and-set pair [FROM TO] of integers, found `{v}`"));
    let inner = v.strip_prefix('[').and_then(|s| s.strip_suffix(']')).ok_or_else(bad)?;
    let mut it = inner.split_whitespace();
    match (it.next(), it.next(), it.next()) {
        (Some(a), Some(b), None) => Ok((parse_int(a, line, "FROM")?, parse_int(b, line, "TO")?)),
        _ => Err(bad()),
    }
}

/// Parse a Jepsen etcd log with the default (strict) options.
pub fn parse_jepsen(text: &str) -> Result<Vec<ModelOp<RegInput, RegOutput>>, ParseError> {
    parse_jepsen_with(text, &ParseOptions::default())
}

/// Parse a Jepsen etcd log (see the parent module's docs for the rules).
pub fn parse_jepsen_with(text: &str, opts: &ParseOptions) -> Result<Vec<ModelOp<RegInput, RegOutput>>, ParseError> {
    let mut p: Pairing<RegInput, RegOutput> = Pairing::new(opts);
    for (i, raw) in text.lines().enumerate() {
        let line = (i + 1) as u64;
        if raw.trim().is_empty() {
            continue;
        }
        let toks: Vec<&str> = raw.split_whitespace().collect();
        if toks.len() < 7 || toks[0] != "INFO" || toks[1] != "jepsen.util" || toks[2] != "-" {
            return Err(perr(line, "expected `INFO jepsen.util - PROCESS :TYPE :F VALUE`"));
        }
        // The nemesis's lines (`INFO jepsen.util - :nemesis :info :start nil`) record faults, not
        // operations on the register: skipped here, as the EDN reader skips them (the history lab
        // draws them as fault markers).
        if toks[3] == ":nemesis" {
            continue;
        }
        let process =
            toks[3].parse::<u64>().map_err(|_| perr(line, format!("process `{}` is not a whole number", toks[3])))?;
        let (Some(ty), Some(f)) = (toks[4].strip_prefix(':'), toks[5].strip_prefix(':')) else {
            return Err(perr(
                line,
                format!("expected keywords for the type and function, found `{} {}`", toks[4], toks[5]),
            ));
        };
        let value = toks[6..].join(" ");
        let key = String::new();
        match ty {
            "invoke" => {
                let op = match f {
                    "read" => RegOp::Read,
                    "write" => RegOp::Write { value: parse_int(&value, line, "the value written")? },
                    "cas" => {
                        let (from, to) = parse_pair(&value, line)?;
                        RegOp::Cas { from, to }
                    }
                    _ => return Err(perr(line, format!("unknown function `{}`: {ACCEPTED_F}", toks[5]))),
                };
                p.invoke(process, line, f, RegInput { key, op })?;
            }
            "ok" | "fail" | "info" => {
                if !matches!(f, "read" | "write" | "cas") {
                    return Err(perr(line, format!("unknown function `{}`: {ACCEPTED_F}", toks[5])));
                }
                let open = p.complete(process, line, f, ty == "info")?;
                let output = match (ty, open.input.op) {
                    ("ok", RegOp::Read) => Some(RegOutput::Read(if value == "nil" {
                        None
                    } else {
                        Some(parse_int(&value, line, "the value read")?)
                    })),
                    ("ok", RegOp::Write { value: w }) => {
                        if parse_int(&value, line, "the value written")? != w {
                            return Err(perr(line, format!(":ok :write {value} does not match the invoked value {w}")));
                        }
                        Some(RegOutput::Written)
                    }
                    ("ok", RegOp::Cas { from, to }) | ("fail", RegOp::Cas { from, to }) if value != ":timed-out" => {
                        if parse_pair(&value, line)? != (from, to) {
                            return Err(perr(
                                line,
                                format!(":{ty} :cas {value} does not match the invoked [{from} {to}]"),
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
                    _ => return Err(perr(line, format!("unexpected completion `:{ty} :{f} {value}`"))),
                };
                p.push(&open, output, line);
            }
            _ => return Err(perr(line, format!("unknown type `{}`: {ACCEPTED_TYPES}", toks[4]))),
        }
    }
    Ok(p.finish(|i: &RegInput| i.op != RegOp::Read))
}
