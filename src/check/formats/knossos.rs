//! Jepsen / Knossos EDN histories of a `register` or `cas-register` (see the parent module's
//! docs for the format and Knossos's semantics of `:fail`, `:info` and `:ok :read nil`).

use super::edn::{Edn, Node};
use super::{perr, Pairing, ParseError, ParseOptions};
use crate::check::linearizability::{ModelOp, RegInput, RegOp, RegOutput};
use crate::protocol::Value;
use serde::Serialize;

/// Knossos's register models.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
pub enum RegisterKind {
    /// `knossos.model/register`: read and write.
    Register,
    /// `knossos.model/cas-register`: read, write and compare-and-set.
    CasRegister,
}

impl RegisterKind {
    /// `register` / `cas-register`.
    pub fn name(self) -> &'static str {
        match self {
            RegisterKind::Register => "register",
            RegisterKind::CasRegister => "cas-register",
        }
    }

    /// Parse `register` / `cas-register`.
    pub fn from_name(s: &str) -> Option<RegisterKind> {
        match s {
            "register" => Some(RegisterKind::Register),
            "cas-register" => Some(RegisterKind::CasRegister),
            _ => None,
        }
    }

    fn accepted(self) -> &'static str {
        match self {
            RegisterKind::Register => "accepted :read and :write (the register model; --model cas-register adds :cas)",
            RegisterKind::CasRegister => "accepted :read, :write and :cas",
        }
    }
}

/// The operation maps of a history: the top-level maps, or the maps inside top-level vectors
/// or lists (a Knossos file is one vector of maps; Jepsen's `history.edn` one map per line).
pub fn op_maps(nodes: &[Node]) -> Vec<&Node> {
    let mut out = Vec::new();
    for n in nodes {
        match &n.value {
            Edn::Vector(items) | Edn::List(items) => out.extend(items.iter()),
            _ => out.push(n),
        }
    }
    out
}

/// The map's integer `:process`; `None` for a nemesis (a keyword process), an error otherwise.
pub(crate) fn process_of(m: &Node) -> Result<Option<u64>, ParseError> {
    if !matches!(m.value, Edn::Map(_)) {
        return Err(perr(
            m.line,
            format!("expected an operation map `{{:process P, :type :invoke, …}}`, found `{}`", m.value),
        ));
    }
    match m.get("process").map(|n| &n.value) {
        Some(Edn::Int(p)) if *p >= 0 => Ok(Some(*p as u64)),
        Some(Edn::Keyword(_)) => Ok(None),
        Some(v) => Err(perr(
            m.line,
            format!(":process {v} is not accepted: accepted a whole number (or a keyword, for the nemesis)"),
        )),
        None => Err(perr(m.line, "missing :process")),
    }
}

/// The map's `:type`, one of invoke / ok / fail / info.
pub(crate) fn type_of(m: &Node) -> Result<&str, ParseError> {
    match m.get("type").map(|n| &n.value) {
        Some(Edn::Keyword(t)) if matches!(t.as_str(), "invoke" | "ok" | "fail" | "info") => Ok(t.as_str()),
        Some(v) => Err(perr(m.line, format!("unknown :type {v}: accepted :invoke, :ok, :fail and :info"))),
        None => Err(perr(m.line, "missing :type: accepted :invoke, :ok, :fail and :info")),
    }
}

fn int_or_nil(v: &Edn, line: u64, what: &str) -> Result<Option<Value>, ParseError> {
    match v {
        Edn::Nil => Ok(None),
        Edn::Int(i) => Ok(Some(*i)),
        other => Err(perr(line, format!("{what} {other} is not accepted: accepted an integer or nil"))),
    }
}

fn int(v: &Edn, line: u64, what: &str) -> Result<Value, ParseError> {
    match v {
        Edn::Int(i) => Ok(*i),
        other => Err(perr(line, format!("{what} {other} is not accepted: accepted an integer"))),
    }
}

fn pair(v: &Edn, line: u64) -> Result<(Value, Value), ParseError> {
    match v {
        Edn::Vector(x) | Edn::List(x) if x.len() == 2 => {
            Ok((int(&x[0].value, line, "cas FROM")?, int(&x[1].value, line, "cas TO")?))
        }
        other => Err(perr(line, format!("the cas value {other} is not accepted: accepted [FROM TO]"))),
    }
}

/// The key of an independent tuple's first element.
fn key_text(v: &Edn) -> String {
    match v {
        Edn::Str(s) => s.clone(),
        Edn::Keyword(k) => format!(":{k}"),
        other => other.to_string(),
    }
}

/// Split `:value` into (key, value) when it is an independent tuple `[k v]` for function `f`;
/// `None` for a plain value. (A cas pair `[1 2]` is a plain value; `[k [1 2]]` a tuple.)
fn tuple<'a>(f: &str, v: &'a Edn) -> Option<(String, &'a Edn)> {
    let Edn::Vector(x) = v else { return None };
    if x.len() != 2 {
        return None;
    }
    let second_is_pair = matches!(&x[1].value, Edn::Vector(p) if p.len() == 2);
    match f {
        "cas" if !second_is_pair => None,
        _ => Some((key_text(&x[0].value), &x[1].value)),
    }
}

/// The register operations of a history's op maps under `kind`, with Knossos's semantics.
pub fn register_from_maps(
    maps: &[&Node],
    kind: RegisterKind,
    opts: &ParseOptions,
) -> Result<Vec<ModelOp<RegInput, RegOutput>>, ParseError> {
    let mut p: Pairing<RegInput, RegOutput> = Pairing::new(opts);
    // Independent tuples or plain values: decided by the first operation, then required.
    let mut independent: Option<(bool, u64)> = None;
    for m in maps {
        let line = m.line;
        let Some(process) = process_of(m)? else {
            continue; // the nemesis
        };
        let ty = type_of(m)?;
        let f = match m.get("f").map(|n| &n.value) {
            Some(Edn::Keyword(f)) => f.as_str(),
            Some(v) => return Err(perr(line, format!("unknown function {v}: {}", kind.accepted()))),
            None => return Err(perr(line, format!("missing :f: {}", kind.accepted()))),
        };
        let allowed = match kind {
            RegisterKind::Register => matches!(f, "read" | "write"),
            RegisterKind::CasRegister => matches!(f, "read" | "write" | "cas"),
        };
        if !allowed {
            return Err(perr(line, format!("unknown function :{f}: {}", kind.accepted())));
        }
        let nil = Edn::Nil;
        let raw = m.get("value").map(|n| &n.value).unwrap_or(&nil);
        let (key, v) = match tuple(f, raw) {
            Some((k, v)) => (Some(k), v),
            None => (None, raw),
        };
        // An invocation of a read carries nil (or [k nil]): its form says nothing.
        let informative = !(ty == "invoke" && f == "read" && matches!(v, Edn::Nil));
        if informative || key.is_some() {
            match independent {
                None => independent = Some((key.is_some(), line)),
                Some((ind, first)) if ind != key.is_some() => {
                    let (this, that) = if ind {
                        ("a plain value", "independent tuples [key value]")
                    } else {
                        ("an independent tuple [key value]", "plain values")
                    };
                    return Err(perr(
                        line,
                        format!(":value {raw} is {this}, but line {first} started the history with {that}: accepted one form throughout"),
                    ));
                }
                _ => {}
            }
        }
        let key = key.unwrap_or_default();
        match ty {
            "invoke" => {
                let op = match f {
                    "read" => RegOp::Read,
                    "write" => RegOp::Write { value: int(v, line, "the value written")? },
                    _ => {
                        let (from, to) = pair(v, line)?;
                        RegOp::Cas { from, to }
                    }
                };
                p.invoke(process, line, f, RegInput { key, op })?;
            }
            "ok" => {
                let open = p.complete(process, line, f, false)?;
                if open.input.key != key && !(f == "read" && key.is_empty()) {
                    return Err(perr(
                        line,
                        format!(
                            "the completion's key {key:?} differs from its invocation's {:?} (line {})",
                            open.input.key, open.line
                        ),
                    ));
                }
                let output = match open.input.op {
                    // Knossos: a read of nil observed nothing; it constrains nothing.
                    RegOp::Read => match int_or_nil(v, line, "the value read")? {
                        None => continue,
                        Some(x) => RegOutput::Read(Some(x)),
                    },
                    RegOp::Write { .. } => RegOutput::Written,
                    RegOp::Cas { .. } => RegOutput::CasOk,
                };
                p.push(&open, Some(output), line);
            }
            "fail" => {
                // Knossos: a failed operation did not happen.
                p.complete(process, line, f, false)?;
            }
            _ => {
                // info: the outcome is unknown; a read says nothing, an update stays open.
                let open = p.complete(process, line, f, true)?;
                if open.input.op != RegOp::Read {
                    p.push(&open, None, open.line);
                }
            }
        }
    }
    Ok(p.finish(|i: &RegInput| i.op != RegOp::Read))
}

/// Parse a Jepsen/Knossos EDN register history.
pub fn parse_knossos(
    text: &str,
    kind: RegisterKind,
    opts: &ParseOptions,
) -> Result<Vec<ModelOp<RegInput, RegOutput>>, ParseError> {
    let nodes = super::edn::read_all(text)?;
    register_from_maps(&op_maps(&nodes), kind, opts)
}
