//! The native commands over the checker that read files (they compile everywhere, but only the
//! native `cap` calls them; the wasm bundles never link them): `cap check FILE` and the benchmark
//! over Porcupine's labelled histories (the parsers themselves, in [`formats`](super::formats),
//! never touch the file system). Output goes through [`say`]: when stdout is closed
//! (`cap check … | head`), the process ends quietly (exit 0) instead of panicking.

use crate::check::formats::{initial_option, model_option, parse_history, ParseOptions, ACCEPTED_FORMATS};
use crate::check::linearizability::{show_bytes, Limits, Verdict, DEFAULT_MAX_MEMORY, WITNESS_LINES_SHOWN};
use std::io::Write;
use std::path::Path;
use std::time::Instant;

/// Write one line to stdout; if stdout is closed (a broken pipe), end the process quietly.
pub fn say(line: std::fmt::Arguments<'_>) {
    let mut out = std::io::stdout().lock();
    if out.write_fmt(line).and_then(|_| out.write_all(b"\n")).is_err() {
        std::process::exit(0);
    }
}

macro_rules! say {
    ($($t:tt)*) => { say(format_args!($($t)*)) };
}

/// `512M`, `1G`, `64k` or a number of bytes.
pub fn parse_size(s: &str) -> Option<usize> {
    let (num, mult) = match s.trim().to_ascii_lowercase() {
        t if t.ends_with("gb") || t.ends_with('g') => (t.trim_end_matches(['g', 'b']).to_string(), 1usize << 30),
        t if t.ends_with("mb") || t.ends_with('m') => (t.trim_end_matches(['m', 'b']).to_string(), 1 << 20),
        t if t.ends_with("kb") || t.ends_with('k') => (t.trim_end_matches(['k', 'b']).to_string(), 1 << 10),
        t => (t, 1),
    };
    num.parse::<usize>().ok().and_then(|n| n.checked_mul(mult)).filter(|&n| n > 0)
}

/// Peak resident memory of this process (Linux), KiB.
pub fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

const CHECK_USAGE: &str = "usage: cap check FILE [--budget STEPS] [--max-memory SIZE] [--model register|cas-register] [--initial N|nil] [--new-process-on-reuse] [--full-witness] [--stats]";

// ---------------------------------------------------------------------------------------------
// `cap check FILE`
// ---------------------------------------------------------------------------------------------

/// `cap check FILE [options]` (`args` are the words after `check`; see [`CHECK_USAGE`]):
/// prints the verdict, the witness and the time; exit 0 for any verdict, 2 for unreadable or
/// malformed input (one line on stderr naming the line of the file and what is accepted).
pub fn run_check_command(args: &[String]) -> i32 {
    let mut file: Option<&str> = None;
    let mut limits = Limits { steps: crate::check::linearizability::DEFAULT_BUDGET * 10, memory: DEFAULT_MAX_MEMORY };
    let mut opts = ParseOptions::default();
    let (mut full, mut stats) = (false, false);
    let mut it = args.iter();
    while let Some(a) = it.next() {
        match a.as_str() {
            "--budget" => match it.next().and_then(|s| s.parse::<u64>().ok()) {
                Some(b) => limits.steps = b,
                None => {
                    eprintln!("cap check: --budget needs a number of search steps");
                    return 2;
                }
            },
            "--max-memory" => match it.next().and_then(|s| parse_size(s)) {
                Some(b) => limits.memory = b,
                None => {
                    eprintln!("cap check: --max-memory needs a size: accepted a number of bytes or e.g. 512M, 2G");
                    return 2;
                }
            },
            "--model" => match model_option(it.next().map(String::as_str).unwrap_or("")) {
                Ok(k) => opts.model = Some(k),
                Err(e) => {
                    eprintln!("cap check: --model: {e}");
                    return 2;
                }
            },
            "--initial" => match initial_option(it.next().map(String::as_str).unwrap_or("")) {
                Ok(v) => opts.initial = v,
                Err(e) => {
                    eprintln!("cap check: --initial needs the registers' first value: {e}");
                    return 2;
                }
            },
            "--new-process-on-reuse" => opts.new_process_on_reuse = true,
            "--full-witness" => full = true,
            "--stats" => stats = true,
            s if s.starts_with("--") => {
                eprintln!("cap check: unknown option `{s}`; {CHECK_USAGE}");
                return 2;
            }
            _ if file.is_none() => file = Some(a),
            _ => {
                eprintln!("cap check: unexpected argument `{a}`; {CHECK_USAGE}");
                return 2;
            }
        }
    }
    let Some(file) = file else {
        eprintln!("cap check: missing FILE; {CHECK_USAGE}; accepted formats: {ACCEPTED_FORMATS}");
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
    let history = match parse_history(&text, &opts) {
        Ok(h) => h,
        Err(e) => {
            eprintln!("cap check: {file} {e}");
            return 2;
        }
    };
    drop(text);
    let start = Instant::now();
    let result = history.check(limits);
    let ms = start.elapsed().as_secs_f64() * 1e3;
    let shape = format!("{}, {} ops, {} keys", history.format_name(), result.ops, result.keys);
    match &result.verdict {
        Verdict::Linearizable => say!("linearizable ({shape}) in {ms:.3} ms"),
        Verdict::Unknown { reason, .. } => say!("unknown: {reason} ({shape}) after {ms:.3} ms"),
        Verdict::NotLinearizable { witness } => {
            say!("not linearizable ({shape}) in {ms:.3} ms, witness included");
            say!("  {}", witness.sentence);
            say!(
                "  witness: {} operations{}. {}",
                witness.ops.len(),
                if witness.key.is_empty() { String::new() } else { format!(" on key {}", witness.key) },
                witness.reduction
            );
            let shown = if full { witness.lines.len() } else { WITNESS_LINES_SHOWN.min(witness.lines.len()) };
            for l in &witness.lines[..shown] {
                say!("    {l}");
            }
            if shown < witness.lines.len() {
                say!(
                    "    … shortened for display: {} of the witness's {} operations shown (--full-witness lists them all)",
                    shown,
                    witness.lines.len()
                );
            }
        }
    }
    if stats {
        say!(
            "stats: {} search steps of {}; peak memory accounted {} of the {} budget; peak RSS {}",
            result.steps,
            limits.steps,
            show_bytes(result.peak_bytes),
            show_bytes(limits.memory),
            peak_rss_kib().map(|k| show_bytes(k as usize * 1024)).unwrap_or_else(|| "?".into())
        );
    }
    0
}

// ---------------------------------------------------------------------------------------------
// Benchmark
// ---------------------------------------------------------------------------------------------

/// One history of the benchmark: its path under the data directory, the mean time of the
/// verdict in ms, and the verdict (`Err` when the file could not be read or parsed, or the
/// check ran out of budget: it counts as a failure).
pub type BenchRow = (String, f64, Result<bool, String>);

/// Time the verdict (parsing excluded, as Porcupine's benchmarks do) of every history under
/// `dir` (`jepsen/*.log`, `kv/*.txt`, sorted). Each file is checked repeatedly (at least 3
/// times, until ~10 ms were spent, at most 200 times) and the mean is reported.
pub fn bench_porcupine(dir: &Path) -> Vec<BenchRow> {
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
        let text = match std::fs::read_to_string(dir.join(&f)) {
            Ok(t) => t,
            Err(e) => {
                out.push((f, 0.0, Err(format!("cannot read: {e}"))));
                continue;
            }
        };
        let h = match parse_history(&text, &ParseOptions::default()) {
            Ok(h) => h,
            Err(e) => {
                out.push((f, 0.0, Err(e.to_string())));
                continue;
            }
        };
        let mut runs = 0u32;
        let mut total = 0.0f64;
        let mut verdict = None;
        while runs < 3 || (total < 10.0 && runs < 200) {
            let t = Instant::now();
            verdict = h.verdict(u64::MAX);
            total += t.elapsed().as_secs_f64() * 1e3;
            runs += 1;
        }
        out.push((f, total / f64::from(runs), verdict.ok_or_else(|| "a budget ran out".to_string())));
    }
    out
}
