//! External histories: parsers for the two formats of Porcupine's labelled test data, the
//! string key-value model they need, `cap check FILE`, and the benchmark over the data set.
//!
//! Formats (see `tests/data/porcupine/README.md`):
//! - **Jepsen etcd logs** — `INFO  jepsen.util - <process>  :<type>  :<f>  <value>` per line,
//!   fields separated by tabs or runs of spaces; one compare-and-set register, initially nil.
//!   `:fail :cas` is an observation (the value was not FROM), `:fail :read` constrains nothing,
//!   `:info` operations stay open to the end (they may take effect at any later point, or never).
//! - **Porcupine kv logs** — one EDN map per line,
//!   `{:process P, :type :invoke|:ok, :f :get|:put|:append, :key "K", :value nil|"V"}`; a missing
//!   key reads as `""`, `put` overwrites, `append` concatenates; keys are independent.
//!
//! In both, a completion pairs with the most recent open invocation of the same process, and an
//! invocation never completed is an unknown outcome. Times are line numbers, so the order of
//! events is the order of lines.

use crate::check::linearizability::{
    check_ops, is_linearizable, CheckResult, Clock, Model, ModelOp, RegInput, RegOp, RegOutput, RegisterModel,
    Transition, Verdict,
};
use serde::Serialize;
use std::collections::BTreeMap;
use std::path::Path;
use std::time::Instant;

/// The formats `cap check` accepts, for error messages.
pub const ACCEPTED_FORMATS: &str = "Jepsen etcd logs (`INFO jepsen.util - P :invoke :read nil` lines) or Porcupine kv logs (`{:process P, :type :invoke, :f :get, :key \"K\", :value nil}` lines)";

// ---------------------------------------------------------------------------------------------
// The string key-value model (Porcupine's kv test model)
// ---------------------------------------------------------------------------------------------

/// Key-value operations of the Porcupine kv histories.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum KvOp {
    /// Read the key (missing = `""`).
    Get,
    /// Overwrite the key.
    Put,
    /// Concatenate onto the key's value.
    Append,
}

/// A kv operation's input.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct KvInput {
    /// Which operation.
    pub op: KvOp,
    /// The key.
    pub key: String,
    /// The argument of put/append (empty for get).
    pub value: String,
}

/// A kv operation's output: the value a get returned (empty for put/append).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct KvOutput {
    /// The value read.
    pub value: String,
}

/// One string register per key, initially `""`, with get/put/append.
#[derive(Clone, Copy, Debug, Default)]
pub struct KvModel;

impl Model for KvModel {
    type State = String;
    type Input = KvInput;
    type Output = KvOutput;

    fn init(&self) -> String {
        String::new()
    }

    fn step(&self, state: &String, input: &KvInput, output: Option<&KvOutput>) -> Transition<String> {
        match input.op {
            KvOp::Get => match output {
                Some(o) if o.value != *state => Transition::Illegal,
                _ => Transition::Unchanged,
            },
            KvOp::Put => Transition::Next(input.value.clone()),
            KvOp::Append => {
                let mut s = String::with_capacity(state.len() + input.value.len());
                s.push_str(state);
                s.push_str(&input.value);
                Transition::Next(s)
            }
        }
    }

    fn read_only(&self, input: &KvInput, _output: &KvOutput) -> bool {
        input.op == KvOp::Get
    }

    fn blind(&self, input: &KvInput) -> bool {
        input.op == KvOp::Put
    }

    fn partition<'a>(&self, input: &'a KvInput) -> &'a str {
        &input.key
    }

    fn describe(&self, input: &KvInput, output: Option<&KvOutput>) -> String {
        match (input.op, output) {
            (KvOp::Get, Some(o)) => format!("get({:?}) → {:?}", input.key, o.value),
            (KvOp::Get, None) => format!("get({:?})", input.key),
            (KvOp::Put, _) => format!("put({:?}, {:?})", input.key, input.value),
            (KvOp::Append, _) => format!("append({:?}, {:?})", input.key, input.value),
        }
    }
}

// ---------------------------------------------------------------------------------------------
// Parsed histories
// ---------------------------------------------------------------------------------------------

/// A parsed external history.
#[derive(Clone, Debug, PartialEq)]
pub enum ExternalHistory {
    /// A Jepsen etcd log: one compare-and-set register (key `""`).
    Etcd(Vec<ModelOp<RegInput, RegOutput>>),
    /// A Porcupine kv log.
    Kv(Vec<ModelOp<KvInput, KvOutput>>),
}

impl ExternalHistory {
    /// Number of operations that constrain the check.
    pub fn len(&self) -> usize {
        match self {
            ExternalHistory::Etcd(v) => v.len(),
            ExternalHistory::Kv(v) => v.len(),
        }
    }
    /// True when there are no operations.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Human name of the format and model.
    pub fn format_name(&self) -> &'static str {
        match self {
            ExternalHistory::Etcd(_) => "Jepsen etcd log, compare-and-set register",
            ExternalHistory::Kv(_) => "Porcupine kv log, string get/put/append map",
        }
    }
    /// Full check with a witness on violation.
    pub fn check(&self, budget: u64) -> CheckResult {
        match self {
            ExternalHistory::Etcd(v) => check_ops(&RegisterModel, v.clone(), budget, Clock::Line),
            ExternalHistory::Kv(v) => check_ops(&KvModel, v.clone(), budget, Clock::Line),
        }
    }
    /// Verdict only (`None` = budget exhausted).
    pub fn verdict(&self, budget: u64) -> Option<bool> {
        match self {
            ExternalHistory::Etcd(v) => is_linearizable(&RegisterModel, v.clone(), budget),
            ExternalHistory::Kv(v) => is_linearizable(&KvModel, v.clone(), budget),
        }
    }
}

/// Detect the format from the content and parse it; empty input is an empty etcd history.
pub fn parse_history(text: &str) -> Result<ExternalHistory, String> {
    let first = text.lines().map(str::trim).find(|l| !l.is_empty());
    match first {
        None => Ok(ExternalHistory::Etcd(Vec::new())),
        Some(l) if l.starts_with('{') => parse_kv(text).map(ExternalHistory::Kv),
        Some(l) if l.starts_with("INFO") || l.contains("jepsen.util") => parse_jepsen(text).map(ExternalHistory::Etcd),
        Some(_) => {
            let n = text.lines().position(|l| !l.trim().is_empty()).unwrap_or(0) + 1;
            Err(format!("line {n}: not a Jepsen log line nor an EDN map"))
        }
    }
}

/// An invocation waiting for its completion.
struct Open<I> {
    line: u64,
    f: String,
    input: I,
    process: u64,
}

/// Tracks open invocations per process and pairs completions (most recent open one).
struct Pairing<I, O> {
    open: BTreeMap<u64, Vec<usize>>,
    pending: Vec<Option<Open<I>>>,
    out: Vec<(u64, ModelOp<I, O>)>,
}

impl<I: Clone, O> Pairing<I, O> {
    fn new() -> Self {
        Pairing { open: BTreeMap::new(), pending: Vec::new(), out: Vec::new() }
    }

    fn invoke(&mut self, process: u64, line: u64, f: &str, input: I) {
        self.open.entry(process).or_default().push(self.pending.len());
        self.pending.push(Some(Open { line, f: f.to_string(), input, process }));
    }

    /// Close the most recent open invocation of `process`.
    fn complete(&mut self, process: u64, line: u64, f: &str) -> Result<Open<I>, String> {
        let slot = self
            .open
            .get_mut(&process)
            .and_then(|v| v.pop())
            .ok_or_else(|| format!("line {line}: completion for process {process} has no open invocation"))?;
        let open = self
            .pending
            .get_mut(slot)
            .and_then(Option::take)
            .ok_or_else(|| format!("line {line}: completion for process {process} has no open invocation"))?;
        if open.f != f {
            return Err(format!(
                "line {line}: completion :{f} does not match process {process}'s open :{} invocation (line {})",
                open.f, open.line
            ));
        }
        Ok(open)
    }

    fn push(&mut self, open: &Open<I>, output: Option<O>, ret: u64) {
        self.out.push((
            open.line,
            ModelOp { id: open.line, client: open.process, input: open.input.clone(), output, call: open.line, ret },
        ));
    }

    /// Invocations never completed stay open to the end (unknown outcome); `keep_unknown`
    /// decides per input whether an unknown outcome still matters (reads do not).
    fn finish(mut self, keep_unknown: impl Fn(&I) -> bool) -> Vec<ModelOp<I, O>> {
        let left: Vec<Open<I>> = self.pending.iter_mut().filter_map(Option::take).collect();
        for open in left {
            if keep_unknown(&open.input) {
                self.push(&open, None, open.line);
            }
        }
        self.out.sort_by_key(|(line, _)| *line);
        self.out.into_iter().map(|(_, op)| op).collect()
    }
}

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

// ---------------------------------------------------------------------------------------------
// `cap check FILE`
// ---------------------------------------------------------------------------------------------

/// `cap check FILE [--budget STEPS]` (`args` are the words after `check`): prints the verdict,
/// the witness and the time; exit 0 for any verdict, 2 for unreadable or malformed input.
pub fn run_check_command(args: &[String]) -> i32 {
    let mut file: Option<&str> = None;
    let mut budget = crate::check::linearizability::DEFAULT_BUDGET * 10;
    let mut it = args.iter();
    while let Some(a) = it.next() {
        if a == "--budget" {
            match it.next().and_then(|s| s.parse::<u64>().ok()) {
                Some(b) => budget = b,
                None => {
                    eprintln!("cap check: --budget needs a number of search steps");
                    return 2;
                }
            }
        } else if file.is_none() {
            file = Some(a);
        } else {
            eprintln!("cap check: unexpected argument `{a}`; usage: cap check FILE [--budget STEPS]");
            return 2;
        }
    }
    let Some(file) = file else {
        eprintln!(
            "cap check: missing FILE; usage: cap check FILE [--budget STEPS]; accepted formats: {ACCEPTED_FORMATS}"
        );
        return 2;
    };
    let bytes = match std::fs::read(file) {
        Ok(b) => b,
        Err(e) => {
            eprintln!("cap check: {file}: cannot read ({e}); accepted formats: {ACCEPTED_FORMATS}");
            return 2;
        }
    };
    let text = match String::from_utf8(bytes) {
        Ok(t) => t,
        Err(e) => {
            let upto = &e.as_bytes()[..e.utf8_error().valid_up_to()];
            let n = upto.iter().filter(|&&c| c == b'\n').count() + 1;
            eprintln!("cap check: {file} line {n}: not UTF-8 text; accepted formats: {ACCEPTED_FORMATS}");
            return 2;
        }
    };
    let history = match parse_history(&text) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("cap check: {file} {e}; accepted formats: {ACCEPTED_FORMATS}");
            return 2;
        }
    };
    let start = Instant::now();
    let result = history.check(budget);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let shape = format!("{}, {} ops, {} keys", history.format_name(), result.ops, result.keys);
    match &result.verdict {
        Verdict::Linearizable => println!("linearizable ({shape}) in {ms:.3} ms"),
        Verdict::Unknown => println!("unknown: search budget of {budget} steps exhausted ({shape}) after {ms:.3} ms"),
        Verdict::NotLinearizable { witness } => {
            println!("not linearizable ({shape}) in {ms:.3} ms, witness included");
            println!("  {}", witness.sentence);
            for l in &witness.lines {
                println!("    {l}");
            }
        }
    }
    0
}

// ---------------------------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------------------------

/// Time the verdict (parsing excluded, as Porcupine's benchmarks do) of every history under
/// `dir` (`jepsen/*.log`, `kv/*.txt`, sorted): `(relative path, mean ms, linearizable)`.
/// Each file is checked repeatedly (at least 3 times, until ~10 ms were spent, at most 200
/// times) and the mean is reported. Unreadable or malformed files are skipped.
pub fn bench_porcupine(dir: &Path) -> Vec<(String, f64, bool)> {
    let mut files: Vec<String> = Vec::new();
    for sub in ["jepsen", "kv"] {
        if let Ok(rd) = std::fs::read_dir(dir.join(sub)) {
            for e in rd.flatten() {
                let name = e.file_name().to_string_lossy().to_string();
                if name.ends_with(".log") || name.ends_with(".txt") {
                    files.push(format!("{sub}/{name}"));
                }
            }
        }
    }
    files.sort();
    let mut out = Vec::new();
    for f in files {
        let Ok(text) = std::fs::read_to_string(dir.join(&f)) else {
            continue;
        };
        let Ok(h) = parse_history(&text) else {
            continue;
        };
        let mut runs = 0u32;
        let mut total = 0.0f64;
        let mut verdict = false;
        while runs < 3 || (total < 10.0 && runs < 200) {
            let t = Instant::now();
            verdict = h.verdict(u64::MAX) == Some(true);
            total += t.elapsed().as_secs_f64() * 1e3;
            runs += 1;
        }
        out.push((f, total / f64::from(runs), verdict));
    }
    out
}
