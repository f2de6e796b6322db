//! `cap`: the native command line over the same simulator the browser runs.
//!
//! ```text
//! cap run FILE                      run a scenario, print the final state as JSON
//! cap sweep --protocol P --seeds N  random fault schedules; first violation → seed + scenario file
//! cap bench [FILE]                  simulated seconds per wall second and peak memory
//! cap elections [--seeds N]         Raft's election time with one up-to-date survivor
//! cap check FILE                    is this Jepsen / Porcupine history linearizable?
//! cap check-bench [DIR]             the checker's time on Porcupine's histories
//! ```
//! Exit codes: 0 ok, 1 an invariant was violated (or a history that must be linearizable is
//! not), 2 bad input (one line on stderr).

use cap_playground::check::linearizability::{check_history, Verdict, DEFAULT_BUDGET};
use cap_playground::sim::any::AnySim;
use cap_playground::sim::scenario::PROTOCOLS;
use cap_playground::sim::sweep::{random_scenario, run_scenario, SweepOptions, UNSAFE_SWITCHES};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

const USAGE: &str = "usage:
  cap run FILE [--compact] [--export-porcupine OUT.json] [--export-edn OUT.edn]
  cap sweep --protocol PROTOCOL --seeds N [--start S] [--unsafe SWITCH]... [--keep-going] [--out DIR] [--quiet]
  cap bench [FILE]
  cap elections [--seeds N] [--start S] [--scenario NODES on|off SEED]
  cap check FILE [--budget N]
  cap check-bench [DIR]";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("sweep") => cmd_sweep(&args[1..]),
        Some("bench") => cmd_bench(&args[1..]),
        Some("elections") => cmd_elections(&args[1..]),
        Some("check") => cmd_check(&args[1..]),
        Some("check-bench") => cmd_check_bench(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            println!("{USAGE}");
            Ok(0)
        }
        Some(other) => Err(format!(
            "unknown command '{other}': accepted commands are run, sweep, bench, elections, check, check-bench"
        )),
        None => {
            Err("no command given: accepted commands are run, sweep, bench, elections, check, check-bench".to_string())
        }
    };
    match result {
        Ok(code) => ExitCode::from(code),
        Err(msg) => {
            eprintln!("cap: {msg}");
            ExitCode::from(2)
        }
    }
}

fn load(path: &str) -> Result<AnySim, String> {
    let text = std::fs::read_to_string(path).map_err(|e| format!("cannot read '{path}': {e}"))?;
    AnySim::from_json(&text).map_err(|e| format!("{path}: {e}"))
}

fn cmd_run(args: &[String]) -> Result<u8, String> {
    let mut file = None;
    let mut compact = false;
    let (mut porcupine, mut edn) = (None, None);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--compact" => compact = true,
            "--export-porcupine" => porcupine = Some(value_of(args, &mut i, "--export-porcupine")?.to_string()),
            "--export-edn" => edn = Some(value_of(args, &mut i, "--export-edn")?.to_string()),
            s if s.starts_with('-') => {
                return Err(format!(
                    "run: unknown option '{s}': accepted --compact, --export-porcupine FILE, --export-edn FILE"
                ))
            }
            s => file = Some(s.to_string()),
        }
        i += 1;
    }
    let file = file.ok_or("run: missing scenario FILE")?;
    let mut sim = load(&file)?;
    let until = sim.scenario().until;
    sim.run_until(until);
    // Histories for Porcupine's visualiser and for Knossos.
    for (path, text) in [
        (&porcupine, porcupine.as_ref().map(|_| cap_playground::check::export::to_porcupine_json(sim.history()))),
        (&edn, edn.as_ref().map(|_| cap_playground::check::export::to_jepsen_edn(sim.history()))),
    ] {
        if let (Some(path), Some(text)) = (path, text) {
            std::fs::write(path, text).map_err(|e| format!("cannot write '{path}': {e}"))?;
        }
    }
    let report = sim.report();
    // Raft promises linearizable reads and writes: check the history (deterministic budget).
    // A windowed history (long runs forget their oldest operations) cannot be checked: the
    // writes that explain its first reads are gone.
    let mut doc = serde_json::to_value(&report).map_err(|e| e.to_string())?;
    let lin = (report.history_dropped == 0).then(|| check_history(sim.history(), DEFAULT_BUDGET));
    let must_be_linearizable = sim.promises_linearizability();
    doc["linearizability"] = match &lin {
        Some(lin) => serde_json::to_value(lin).map_err(|e| e.to_string())?,
        None => serde_json::json!({"verdict": "not_checked", "reason": "the history was windowed (history_limit)"}),
    };
    let text = if compact { serde_json::to_string(&doc) } else { serde_json::to_string_pretty(&doc) };
    println!("{}", text.map_err(|e| e.to_string())?);
    if let Some(v) = report.violations.first() {
        eprintln!(
            "cap: {} violation(s); first at {} ms: {}: {} (seed {}, scenario {file})",
            report.violations.len(),
            v.at,
            v.invariant,
            v.detail,
            report.seed
        );
        return Ok(1);
    }
    if let (true, Some(Verdict::NotLinearizable { witness })) = (must_be_linearizable, lin.as_ref().map(|l| &l.verdict))
    {
        eprintln!("cap: the history is not linearizable: {} (seed {}, scenario {file})", witness.sentence, report.seed);
        return Ok(1);
    }
    Ok(0)
}

fn value_of<'a>(args: &'a [String], i: &mut usize, flag: &str) -> Result<&'a str, String> {
    *i += 1;
    args.get(*i).map(String::as_str).ok_or(format!("{flag} needs a value"))
}

fn cmd_sweep(args: &[String]) -> Result<u8, String> {
    let mut protocol = None;
    let mut seeds: u64 = 100;
    let mut start: u64 = 1;
    let mut out = PathBuf::from(".");
    let mut quiet = false;
    let mut keep_going = false;
    let mut switches = Vec::new();
    let mut opts = SweepOptions::default();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--protocol" => protocol = Some(value_of(args, &mut i, "--protocol")?.to_string()),
            "--seeds" => {
                seeds = value_of(args, &mut i, "--seeds")?.parse().map_err(|_| "--seeds needs a whole number")?
            }
            "--start" => {
                start = value_of(args, &mut i, "--start")?.parse().map_err(|_| "--start needs a whole number")?
            }
            "--out" => out = PathBuf::from(value_of(args, &mut i, "--out")?),
            "--quiet" => quiet = true,
            "--keep-going" => keep_going = true,
            "--unsafe" => {
                let name = value_of(args, &mut i, "--unsafe")?;
                let switch = UNSAFE_SWITCHES.iter().find(|s| s.name == name).ok_or_else(|| {
                    let accepted: Vec<String> =
                        UNSAFE_SWITCHES.iter().map(|s| format!("{} ({})", s.name, s.protocols.join(", "))).collect();
                    format!("--unsafe '{name}': accepted {}", accepted.join(", "))
                })?;
                switches.push(*switch);
                opts.config_overrides.insert(switch.key.into(), true.into());
            }
            other => return Err(format!("sweep: unknown option '{other}'; {USAGE}")),
        }
        i += 1;
    }
    let protocol =
        protocol.ok_or_else(|| format!("sweep: --protocol is required: accepted {}", PROTOCOLS.join(", ")))?;
    if !PROTOCOLS.contains(&protocol.as_str()) {
        return Err(format!("unknown protocol '{protocol}': accepted protocols are {}", PROTOCOLS.join(", ")));
    }
    if let Some(s) = switches.iter().find(|s| !s.protocols.contains(&protocol.as_str())) {
        return Err(format!("--unsafe {} breaks {} only, not {protocol}", s.name, s.protocols.join(" and ")));
    }
    let t0 = Instant::now();
    let (mut events, mut ops, mut sim_ms, mut unknown) = (0u64, 0u64, 0u64, 0u64);
    // With --keep-going: how many seeds violated an invariant, and the first of them.
    let (mut violating, mut first) = (0u64, None);
    for seed in start..start + seeds {
        let scenario = random_scenario(&protocol, seed, &opts);
        sim_ms += scenario.until;
        let r = run_scenario(scenario, true)?;
        events += r.events;
        ops += r.ops;
        unknown += r.check_unknown as u64;
        if let Some((what, detail, at)) = &r.violation {
            violating += 1;
            if first.is_none() {
                first = Some(seed);
                std::fs::create_dir_all(&out).map_err(|e| format!("cannot create '{}': {e}", out.display()))?;
                let path = out.join(format!("sweep-{protocol}-seed-{seed}.json"));
                let text = serde_json::to_string_pretty(&r.scenario).map_err(|e| e.to_string())?;
                std::fs::write(&path, text + "\n").map_err(|e| format!("cannot write '{}': {e}", path.display()))?;
                println!("VIOLATION seed {seed} at {at} ms: {what}: {detail}");
                println!("reproduce with: cap run {}", path.display());
            } else if !quiet {
                println!("VIOLATION seed {seed} at {at} ms: {what}");
            }
            if !keep_going {
                return Ok(1);
            }
        }
        if !quiet && (seed - start + 1) % 1000 == 0 {
            eprintln!("  {} seeds ok ({:.1} s)", seed - start + 1, t0.elapsed().as_secs_f64());
        }
    }
    if let Some(first) = first {
        let unsafe_text: Vec<&str> = switches.iter().map(|s| s.name).collect();
        println!(
            "{protocol}{}{}: {seeds} seeds ({start}..{}) run to the end, {violating} with a violation (first: seed {first}), no panic, {:.1} s",
            if unsafe_text.is_empty() { "" } else { " --unsafe " },
            unsafe_text.join(" --unsafe "),
            start + seeds - 1,
            t0.elapsed().as_secs_f64()
        );
        return Ok(1);
    }
    // An eventually consistent store (Dynamo) does not promise linearizability: not checked.
    let promises = AnySim::new(random_scenario(&protocol, start, &opts))?.promises_linearizability();
    let lin = if promises {
        format!("histories linearizable ({unknown} undecided within the budget)")
    } else {
        "linearizability not promised (not checked)".to_string()
    };
    println!(
        "{protocol}: {seeds} seeds ({start}..{}) passed: 0 violations, {lin}, {events} events, {ops} client operations, {:.0} simulated s in {:.1} s",
        start + seeds - 1,
        sim_ms as f64 / 1000.0,
        t0.elapsed().as_secs_f64()
    );
    Ok(0)
}

fn peak_rss_kib() -> Option<u64> {
    let status = std::fs::read_to_string("/proc/self/status").ok()?;
    status.lines().find(|l| l.starts_with("VmHWM:"))?.split_whitespace().nth(1)?.parse().ok()
}

fn cmd_bench(args: &[String]) -> Result<u8, String> {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios/bench-raft.json");
    let file = args.first().cloned().unwrap_or_else(|| default.display().to_string());
    let mut sim = load(&file)?;
    let until = sim.scenario().until;
    let t0 = Instant::now();
    let rss0 = peak_rss_kib();
    // Run in slices to report memory as the run grows.
    let slices = 6;
    println!(
        "bench: {} ({} nodes, {} clients, {} simulated s)",
        sim.scenario().name,
        sim.scenario().nodes,
        sim.scenario().clients.len(),
        until / 1000
    );
    for k in 1..=slices {
        sim.run_until(until * k / slices);
        println!(
            "  t = {:>5} s  events {:>9}  history {:>6} ops  peak RSS {} KiB",
            sim.now() / 1000,
            sim.events(),
            sim.history().len(),
            peak_rss_kib().map(|v| v.to_string()).unwrap_or("?".into())
        );
    }
    let wall = t0.elapsed().as_secs_f64();
    println!("simulated seconds per wall second: {:.0}", until as f64 / 1000.0 / wall);
    println!("events per wall second: {:.0}", sim.events() as f64 / wall);
    println!("peak RSS: {} KiB (at start {} KiB)", peak_rss_kib().unwrap_or(0), rss0.unwrap_or(0));
    println!("violations: {}", sim.violations().len());
    Ok(if sim.violations().is_empty() { 0 } else { 1 })
}

/// `cap elections`: the election-time distribution of `sim::elections`' scenario ("one
/// up-to-date server of N") over seeds, for 3 and 5 servers, with and without PreVote; or, with
/// `--scenario`, one seed's scenario file (for `cap run`).
fn cmd_elections(args: &[String]) -> Result<u8, String> {
    use cap_playground::sim::elections::{measure, scenario, Distribution, LIMIT_MS};
    let (mut seeds, mut start) = (300u64, 1u64);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--seeds" => {
                seeds = value_of(args, &mut i, "--seeds")?.parse().map_err(|_| "--seeds needs a whole number")?
            }
            "--start" => {
                start = value_of(args, &mut i, "--start")?.parse().map_err(|_| "--start needs a whole number")?
            }
            "--scenario" => {
                let usage = "--scenario needs NODES (3 or 5), PREVOTE (on or off) and SEED";
                let nodes: u32 = value_of(args, &mut i, "--scenario")?.parse().map_err(|_| usage)?;
                let pre_vote = match value_of(args, &mut i, "--scenario")? {
                    "on" => true,
                    "off" => false,
                    _ => return Err(usage.into()),
                };
                let seed: u64 = value_of(args, &mut i, "--scenario")?.parse().map_err(|_| usage)?;
                if !(3..=9).contains(&nodes) {
                    return Err(usage.into());
                }
                let (s, ..) = scenario(nodes, pre_vote, seed).ok_or(format!("seed {seed}: no first leader"))?;
                println!("{}", serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?);
                return Ok(0);
            }
            other => return Err(format!("elections: unknown option '{other}'; {USAGE}")),
        }
        i += 1;
    }
    if seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    println!(
        "Raft: time from the leader's crash to a new leader, one up-to-date survivor (seeds {start}..{}):",
        start + seeds - 1
    );
    println!(
        "{:<7} {:<9} {:>6} {:>10} {:>8} {:>8} {:>10} {:>9}",
        "nodes", "PreVote", "runs", "median ms", "p99 ms", "max ms", "no leader", "wall s"
    );
    let mut odd = 0;
    for nodes in [3u32, 5] {
        for pre_vote in [false, true] {
            let t0 = Instant::now();
            let mut runs = Vec::new();
            for seed in start..start + seeds {
                match measure(nodes, pre_vote, seed) {
                    Ok(r) => {
                        if r.winner.is_some_and(|w| w != r.up_to_date) {
                            odd += 1;
                            eprintln!(
                                "seed {seed}: n{} won, not the up-to-date n{}",
                                r.winner.unwrap_or(0),
                                r.up_to_date
                            );
                        }
                        runs.push(r)
                    }
                    Err(e) => eprintln!("skipped: {e}"),
                }
            }
            let d = Distribution::of(&runs);
            println!(
                "{:<7} {:<9} {:>6} {:>10} {:>8} {:>8} {:>10} {:>9.1}",
                nodes,
                if pre_vote { "on" } else { "off" },
                d.runs,
                d.median,
                d.p99,
                d.max,
                d.no_leader,
                t0.elapsed().as_secs_f64()
            );
        }
    }
    println!("(a run with no leader within {} s counts as {} s; `cap elections --scenario 3 off SEED` prints a run's scenario)", LIMIT_MS / 1000, LIMIT_MS / 1000);
    Ok(if odd == 0 { 0 } else { 1 })
}

fn cmd_check(args: &[String]) -> Result<u8, String> {
    // Prints its own errors (one line, with the line number) and returns 2 on bad input.
    Ok(cap_playground::check::porcupine::run_check_command(args) as u8)
}

/// `cap check-bench [DIR]`: the checker's time on every Porcupine history, beside Porcupine's.
fn cmd_check_bench(args: &[String]) -> Result<u8, String> {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/porcupine");
    let dir = args.first().map(PathBuf::from).unwrap_or(default);
    let verdicts = std::fs::read_to_string(dir.join("verdicts.tsv"))
        .map_err(|e| format!("cannot read {}: {e}", dir.join("verdicts.tsv").display()))?;
    let mut reference = std::collections::BTreeMap::new();
    for line in verdicts.lines().skip(1) {
        let f: Vec<&str> = line.split('\t').collect();
        // `NA` marks the empty etcd_095 history, which has no verdict: any answer is accepted.
        if f.len() >= 4 && f[2] != "NA" {
            reference.insert(f[0].to_string(), (f[2] == "true", f[3].parse::<f64>().unwrap_or(f64::NAN)));
        }
    }
    let rows = cap_playground::check::porcupine::bench_porcupine(&dir);
    let (mut ours, mut theirs, mut wrong) = (0.0, 0.0, 0);
    println!("{:<24} {:>10} {:>14}  verdict", "file", "cap ms", "porcupine ms");
    for (file, ms, lin) in &rows {
        let (expect, go) = reference.get(file).copied().unwrap_or((*lin, f64::NAN));
        if expect != *lin {
            wrong += 1;
        }
        ours += ms;
        if go.is_finite() {
            theirs += go;
        }
        println!(
            "{file:<24} {ms:>10.3} {go:>14.3}  {}{}",
            if *lin { "linearizable" } else { "not linearizable" },
            if expect != *lin { "  WRONG" } else { "" }
        );
    }
    println!("total: {} files, cap {ours:.1} ms, porcupine (Go) {theirs:.1} ms, {wrong} wrong verdicts", rows.len());
    Ok(if wrong == 0 && !rows.is_empty() { 0 } else { 1 })
}
