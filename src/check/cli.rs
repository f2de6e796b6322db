//! The native commands over the checker that read files: `cap check FILE` and the benchmark
//! over Porcupine's labelled histories (the parsers themselves, in [`formats`](super::formats),
//! never touch the file system).

use crate::check::formats::{parse_history, ACCEPTED_FORMATS};
use crate::check::linearizability::Verdict;
use std::path::Path;
use std::time::Instant;

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
        Verdict::Unknown { reason, .. } => println!("unknown: {reason} ({shape}) after {ms:.3} ms"),
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
