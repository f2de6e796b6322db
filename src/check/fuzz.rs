//! A seeded mutator for hostile histories: corpus histories with lines deleted, duplicated,
//! swapped or cut short, tokens exchanged (`:ok` for `:info`, `:read` for `:frob`), numbers made
//! huge or negative, stray brackets, quotes, escapes and bytes inserted, and nesting bombs. Every
//! case goes through every parser ([`parse_history`] with both process rules, and each format's
//! parser directly) and, when it parses, through the checker with small budgets. A case passes
//! when nothing panics and the check stays within its step budget (an answer, or an honest
//! "unknown"). `cargo test --test fuzz` runs a bounded number of cases (and every regression
//! file under `tests/data/fuzz/`); `cap fuzz-check --cases N` runs more.
//!
//! Deterministic: case `k` of seed `s` is the same input everywhere. No file system here (the
//! caller passes the corpus in), so it also builds for wasm.

use crate::check::formats::{parse_history, parse_jepsen, parse_knossos, parse_kv, ParseOptions, RegisterKind};
use crate::check::linearizability::{Limits, ModelOp, RegInput, RegOp, RegOutput, Verdict};
use crate::check::synthetic::{register_history, SyntheticSpec};
use rand::{RngExt, SeedableRng};
use rand_pcg::Pcg64Mcg;

/// The budgets each fuzz case is checked with.
pub const FUZZ_LIMITS: Limits = Limits { steps: 200_000, memory: 64 << 20 };

/// Largest input a mutation may produce (bytes): growth is bounded.
const MAX_INPUT: usize = 400_000;

/// What one case did.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct CaseOutcome {
    /// `parse_history` accepted it (strict rules).
    pub parsed: bool,
    /// The check's verdict, if it parsed: `Some(Some(true))` linearizable, `Some(Some(false))`
    /// not, `Some(None)` unknown (a budget ran out).
    pub verdict: Option<Option<bool>>,
    /// Search steps the check used.
    pub steps: u64,
    /// Why the case failed (the check overran its budget, or a witness was not verified while
    /// budget remained); `None` when it passed.
    pub problem: Option<String>,
}

/// Totals of a run.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct FuzzTotals {
    /// Cases run.
    pub cases: u64,
    /// Cases the strict parser accepted.
    pub parsed: u64,
    /// Cases every parser rejected with an error value.
    pub rejected: u64,
    /// Verdicts: linearizable, not linearizable, unknown.
    pub linearizable: u64,
    /// See `linearizable`.
    pub not_linearizable: u64,
    /// See `linearizable`.
    pub unknown: u64,
    /// The most steps one check took.
    pub max_steps: u64,
}

impl FuzzTotals {
    /// Count one case.
    pub fn add(&mut self, c: &CaseOutcome) {
        self.cases += 1;
        if c.parsed {
            self.parsed += 1;
        } else {
            self.rejected += 1;
        }
        match c.verdict {
            Some(Some(true)) => self.linearizable += 1,
            Some(Some(false)) => self.not_linearizable += 1,
            Some(None) => self.unknown += 1,
            None => {}
        }
        self.max_steps = self.max_steps.max(c.steps);
    }
}

impl std::fmt::Display for FuzzTotals {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(
            f,
            "{} cases: {} parsed ({} linearizable, {} not, {} unknown within the budget), {} rejected with a message; at most {} search steps in one check (budget {} per search)",
            self.cases,
            self.parsed,
            self.linearizable,
            self.not_linearizable,
            self.unknown,
            self.rejected,
            self.max_steps,
            FUZZ_LIMITS.steps
        )
    }
}

/// Extra seed histories beside the caller's corpus: Knossos EDN register histories (plain and
/// with independent tuples, some `:info`, `:fail` and a nemesis line).
pub fn builtin_corpus() -> Vec<(String, String)> {
    let ops = register_history(&SyntheticSpec { ops: 120, clients: 4, seed: 7, stale_read: true });
    vec![
        ("knossos-plain.edn".into(), knossos_edn(&ops, false)),
        ("knossos-independent.edn".into(), knossos_edn(&ops, true)),
    ]
}

/// A register history as Knossos EDN, one map per line inside a vector.
fn knossos_edn(ops: &[ModelOp<RegInput, RegOutput>], independent: bool) -> String {
    let mut events: Vec<(u64, u8, usize)> = Vec::new();
    for (i, o) in ops.iter().enumerate() {
        events.push((o.call, 0, i));
        events.push((o.ret, 1, i));
    }
    events.sort_unstable();
    let mut out = String::from("[{:process :nemesis, :type :info, :f :start, :value nil}\n");
    for (n, (_, kind, i)) in events.into_iter().enumerate() {
        let o = &ops[i];
        let (f, v) = match (o.input.op, kind, o.output) {
            (RegOp::Read, 0, _) => ("read", "nil".to_string()),
            (RegOp::Read, _, Some(RegOutput::Read(v))) => ("read", v.map(|v| v.to_string()).unwrap_or("nil".into())),
            (RegOp::Read, _, _) => ("read", "nil".into()),
            (RegOp::Write { value }, _, _) => ("write", value.to_string()),
            (RegOp::Cas { from, to }, _, _) => ("cas", format!("[{from} {to}]")),
        };
        let ty = match kind {
            0 => "invoke",
            _ if n % 17 == 0 && f != "read" => "info",
            _ if n % 23 == 0 => "fail",
            _ => "ok",
        };
        let v = if independent { format!("[\"k{}\" {v}]", o.client % 2) } else { v };
        out.push_str(&format!(" {{:process {}, :type :{ty}, :f :{f}, :value {v}, :time {}}}\n", o.client, n * 1000));
    }
    out.push(']');
    out
}

const TOKENS: &[&str] = &[
    ":invoke",
    ":ok",
    ":fail",
    ":info",
    ":read",
    ":write",
    ":cas",
    ":get",
    ":put",
    ":append",
    ":frob",
    ":process",
    ":type",
    ":f",
    ":value",
    ":key",
    "nil",
    "0",
    "-1",
    "9223372036854775807",
    "99999999999999999999",
    "[1 2]",
    "[1 2 3]",
    "[\"x\" 3]",
    "\"\"",
    "\"a\\\"b\"",
    "{",
    "}",
    "[",
    "]",
    "(",
    ")",
    "#{",
    "#_",
    "#inst",
    "\\",
    "\"",
    ";",
    ",",
    ":",
    "#",
    "INFO",
    "jepsen.util",
    "-",
    "\t",
    "é",
    "\u{0}",
    "1.5",
    "-0",
    "+7",
    "1N",
    ":nemesis",
];

/// The mutated input of case `case` of `seed`, from `corpus` (name, text) pairs.
pub fn mutate(seed: u64, case: u64, corpus: &[(String, String)]) -> String {
    let mut rng = Pcg64Mcg::seed_from_u64(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) ^ case);
    if corpus.is_empty() {
        return String::new();
    }
    let base = &corpus[rng.random_range(0..corpus.len())].1;
    let mut lines: Vec<String> = base.lines().map(str::to_string).collect();
    // Half the cases get one mild mutation (most still parse, so the checker is exercised),
    // the others up to four of any kind.
    let mild = rng.random_bool(0.5);
    let rounds = if mild { 1 } else { rng.random_range(1..=4u32) };
    for _ in 0..rounds {
        let n = lines.len();
        let kind = if mild { [2u32, 12, 12, 13][rng.random_range(0..4usize)] } else { rng.random_range(0..14u32) };
        match kind {
            12 if n > 0 => {
                // Change one number (a value read or written, a process) to a nearby or odd one.
                let i = rng.random_range(0..n);
                let digits: Vec<usize> =
                    lines[i].char_indices().filter(|(_, c)| c.is_ascii_digit()).map(|(j, _)| j).collect();
                if !digits.is_empty() {
                    let at = digits[rng.random_range(0..digits.len())];
                    let with = ["0", "1", "2", "3", "7", "9"][rng.random_range(0..6usize)];
                    lines[i].replace_range(at..at + 1, with);
                }
            }
            13 if n > 0 => {
                // Change one outcome.
                let i = rng.random_range(0..n);
                let (from, to) = [(":ok", ":info"), (":ok", ":fail"), (":fail", ":ok"), (":info", ":ok")]
                    [rng.random_range(0..4usize)];
                lines[i] = lines[i].replacen(from, to, 1);
            }
            0 if n > 0 => {
                lines.remove(rng.random_range(0..n));
            }
            1 if n > 0 => {
                let i = rng.random_range(0..n);
                let l = lines[i].clone();
                lines.insert(rng.random_range(0..=n), l);
            }
            2 if n > 1 => {
                let (a, b) = (rng.random_range(0..n), rng.random_range(0..n));
                lines.swap(a, b);
            }
            3 if n > 0 => {
                // Exchange one token of a line for another.
                let i = rng.random_range(0..n);
                let toks: Vec<&str> = lines[i].split_inclusive([' ', '\t', ',']).collect();
                if !toks.is_empty() {
                    let k = rng.random_range(0..toks.len());
                    let with = TOKENS[rng.random_range(0..TOKENS.len())];
                    let mut out = String::new();
                    for (j, t) in toks.iter().enumerate() {
                        if j == k {
                            let tail: String = t.chars().rev().take_while(|c| matches!(c, ' ' | '\t' | ',')).collect();
                            out.push_str(with);
                            out.extend(tail.chars().rev());
                        } else {
                            out.push_str(t);
                        }
                    }
                    lines[i] = out;
                }
            }
            4 if n > 0 => {
                // Insert a token at a random character position.
                let i = rng.random_range(0..n);
                let at = char_boundary(&lines[i], rng.random_range(0..=lines[i].len()));
                lines[i].insert_str(at, TOKENS[rng.random_range(0..TOKENS.len())]);
            }
            5 if n > 0 => {
                // Cut a line short.
                let i = rng.random_range(0..n);
                let at = char_boundary(&lines[i], rng.random_range(0..=lines[i].len()));
                lines[i].truncate(at);
            }
            6 => {
                // Cut the whole input short.
                let keep = rng.random_range(0..=n);
                lines.truncate(keep);
            }
            7 => {
                // A nesting bomb.
                let depth = rng.random_range(10..3000usize);
                let open = ["[", "{", "(", "#{"][rng.random_range(0..4usize)];
                lines.insert(rng.random_range(0..=n), open.repeat(depth));
            }
            8 if n > 0 => {
                // Change a process number: a new id, a reused one, or a negative one.
                let i = rng.random_range(0..n);
                let p = ["0", "1", "-3", "4294967296", ":worker"][rng.random_range(0..5usize)];
                lines[i] = lines[i].replacen(":process ", &format!(":process {p} :was "), 1).replacen(
                    " - ",
                    &format!(" - {p} "),
                    1,
                );
            }
            9 if n > 0 => {
                // Repeat a block of lines.
                let a = rng.random_range(0..n);
                let b = (a + rng.random_range(1..20usize)).min(n);
                let block: Vec<String> = lines[a..b].to_vec();
                for _ in 0..rng.random_range(1..5u32) {
                    lines.extend(block.iter().cloned());
                }
            }
            10 if n > 0 => {
                // Drop all completions of one process: its operations stay open.
                let p = format!(" {} ", rng.random_range(0..6u32));
                lines.retain(|l| !(l.contains(&p) && !l.contains("invoke")));
            }
            _ => {
                // Random bytes (as chars).
                let i = rng.random_range(0..=n);
                let s: String = (0..rng.random_range(1..12u32))
                    .map(|_| char::from_u32(rng.random_range(0..0x3000u32)).unwrap_or('?'))
                    .collect();
                lines.insert(i.min(lines.len()), s);
            }
        }
    }
    let mut out = lines.join("\n");
    if out.len() > MAX_INPUT {
        let at = char_boundary(&out, MAX_INPUT);
        out.truncate(at);
    }
    out
}

fn char_boundary(s: &str, mut i: usize) -> usize {
    i = i.min(s.len());
    while !s.is_char_boundary(i) {
        i -= 1;
    }
    i
}

/// Run one input through every parser and, if it parses, the checker (see the module docs).
pub fn run_case(text: &str) -> CaseOutcome {
    let mut out = CaseOutcome::default();
    // Every parser sees every input; errors are values and only need a line number in range.
    let lines = text.lines().count() as u64 + 1;
    let mut check_err = |e: &crate::check::formats::ParseError| {
        if e.line == 0 || e.line > lines {
            out.problem = Some(format!("a parse error names line {} of a {}-line input: {e}", e.line, lines - 1));
        }
    };
    if let Err(e) = parse_jepsen(text) {
        check_err(&e);
    }
    if let Err(e) = parse_kv(text) {
        check_err(&e);
    }
    for kind in [RegisterKind::Register, RegisterKind::CasRegister] {
        if let Err(e) = parse_knossos(text, kind, &ParseOptions::default()) {
            check_err(&e);
        }
    }
    let lenient = ParseOptions { new_process_on_reuse: true, ..ParseOptions::default() };
    let strict = parse_history(text, &ParseOptions::default());
    if let Err(e) = &strict {
        check_err(e);
    }
    let history = match (strict, parse_history(text, &lenient)) {
        (Ok(h), _) => {
            out.parsed = true;
            h
        }
        (Err(_), Ok(h)) => h,
        (Err(_), Err(e)) => {
            check_err(&e);
            return out;
        }
    };
    let r = history.check(FUZZ_LIMITS);
    out.steps = r.steps;
    // The verdict's search and the witness's each have the step budget; building a search is
    // charged as one step per operation, at most a few times over.
    let bound = 2 * FUZZ_LIMITS.steps + 8 * (history.len() as u64) + 100_000;
    if r.steps > bound {
        out.problem = Some(format!("the check took {} steps, past its budget ({bound})", r.steps));
    }
    out.verdict = Some(match &r.verdict {
        Verdict::Linearizable => Some(true),
        Verdict::NotLinearizable { .. } => Some(false),
        Verdict::Unknown { .. } => None,
    });
    out
}
