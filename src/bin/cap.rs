//! `cap`: the native command line over the same simulator the browser runs.
//!
//! ```text
//! cap run FILE                      run a scenario, print the final state as JSON
//!                                   (--repeat N: its schedule N times; --peak-memory: peak RSS)
//! cap sweep --protocol P --seeds N  random fault schedules; first violation → seed + scenario file
//!                                   (--no-partitions: crashes and lost messages only)
//! cap bench [FILE] [--live]         simulated seconds per wall second and peak memory (--live: with the live checker)
//! cap elections [--seeds N]         Raft's election time with one up-to-date survivor
//! cap check FILE                    is this Jepsen / Porcupine / Knossos history linearizable?
//! cap gen-history --ops N           a generated single-register history (benchmarks)
//! cap fuzz-check --cases N          mutated corpus histories through the parsers and the checker
//! cap check-bench [DIR]             the checker's time on Porcupine's histories
//! cap explore --protocol P …        every schedule within bounds; a violation → scenario file
//! cap manifest [--write|--check]    the front end's protocol list (www/protocols.js) from the registry
//! ```
//! Exit codes: 0 ok, 1 an invariant was violated (or a history that must be linearizable is
//! not), 2 bad input (one line on stderr).

use cap_playground::check::linearizability::{check_history, Verdict, DEFAULT_BUDGET};
use cap_playground::registry::any::AnySim;
use cap_playground::registry::run::{random_scenario, run_scenario, SweepOptions};
use cap_playground::registry::unsafe_switches;
use cap_playground::registry::PROTOCOLS;
use cap_playground::sim::scenario::Scenario;
use std::collections::BTreeMap;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Instant;

/// `println!` that ends the process quietly (exit 0) when stdout is closed (`cap … | head`).
macro_rules! say {
    ($($t:tt)*) => { cap_playground::check::cli::say(format_args!($($t)*)) };
}

const USAGE: &str = "usage:
  cap run FILE [--compact] [--repeat N] [--peak-memory] [--export-porcupine OUT.json] [--export-edn OUT.edn]
              [--export-shiviz OUT.log] [--export-svg OUT.svg]
  cap sweep --protocol PROTOCOL --seeds N [--start S] [--unsafe SWITCH]... [--no-partitions] [--keep-going]
            [--out DIR] [--quiet]
  cap bench [FILE] [--live]
  cap elections [--seeds N] [--start S] [--scenario NODES on|off SEED]
  cap check FILE [--budget STEPS] [--max-memory SIZE] [--model register|cas-register] [--initial N|nil]
                 [--new-process-on-reuse] [--full-witness] [--stats]
  cap check-bench [DIR]
  cap gen-history --ops N [--stale-read] [--clients C] [--seed S]
  cap fuzz-check [--cases N] [--seed S] [--out DIR]
  cap fuzz [--scenarios N] [--links N] [--api N] [--seed S] [--out DIR]
  cap explore --protocol P --nodes N --clients C --ops K [--depth D] [--crashes X] [--partitions [P]]
              [--loss] [--timers T] [--dfs] [--symmetry] [--unsafe SWITCH]... [--max-states M]
              [--walks W --depth D [--seed S]] [--out FILE]
  cap manifest [--write | --check] [--file PATH]   (PATH defaults to www/protocols.js)";

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let result = match args.first().map(String::as_str) {
        Some("run") => cmd_run(&args[1..]),
        Some("sweep") => cmd_sweep(&args[1..]),
        Some("bench") => cmd_bench(&args[1..]),
        Some("elections") => cmd_elections(&args[1..]),
        Some("check") => cmd_check(&args[1..]),
        Some("check-bench") => cmd_check_bench(&args[1..]),
        Some("gen-history") => cmd_gen_history(&args[1..]),
        Some("fuzz-check") => cmd_fuzz_check(&args[1..]),
        Some("fuzz") => cmd_fuzz(&args[1..]),
        Some("explore") => cmd_explore(&args[1..]),
        Some("manifest") => cmd_manifest(&args[1..]),
        Some("-h") | Some("--help") | Some("help") => {
            say!("{USAGE}");
            Ok(0)
        }
        Some(other) => Err(format!(
            "unknown command '{other}': accepted commands are run, sweep, bench, elections, check, check-bench, gen-history, fuzz-check, fuzz, explore, manifest"
        )),
        None => Err(
            "no command given: accepted commands are run, sweep, bench, elections, check, check-bench, gen-history, fuzz-check, fuzz, explore, manifest"
                .to_string(),
        ),
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

/// `cap manifest`: print the front end's manifest generated from the registry; `--write` writes
/// it to the file, `--check` exits 1 when the file differs (so the list of protocols is written
/// once, in src/registry/mod.rs).
fn cmd_manifest(args: &[String]) -> Result<u8, String> {
    let (mut write, mut check) = (false, false);
    let mut file = cap_playground::registry::MANIFEST_PATH.to_string();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--write" => write = true,
            "--check" => check = true,
            "--file" => file = value_of(args, &mut i, "--file")?.to_string(),
            s => return Err(format!("manifest: unknown argument '{s}': accepted --write, --check, --file PATH")),
        }
        i += 1;
    }
    if write && check {
        return Err("manifest: give --write or --check, not both".into());
    }
    let text = cap_playground::registry::manifest();
    if write {
        std::fs::write(&file, &text).map_err(|e| format!("cannot write '{file}': {e}"))?;
        eprintln!("cap: wrote {file} ({} protocols)", cap_playground::registry::ALL.len());
        return Ok(0);
    }
    if check {
        let committed = std::fs::read_to_string(&file).map_err(|e| format!("cannot read '{file}': {e}"))?;
        if committed == text {
            return Ok(0);
        }
        eprintln!("cap: {file} differs from the registry (src/registry/mod.rs): run `cap manifest --write`");
        return Ok(1);
    }
    say!("{}", text.strip_suffix('\n').unwrap_or(&text));
    Ok(0)
}

fn cmd_run(args: &[String]) -> Result<u8, String> {
    let mut file = None;
    let mut compact = false;
    let (mut porcupine, mut edn, mut shiviz, mut svg) = (None, None, None, None);
    let (mut repeat, mut peak_memory) = (1u32, false);
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--compact" => compact = true,
            "--export-porcupine" => porcupine = Some(value_of(args, &mut i, "--export-porcupine")?.to_string()),
            "--export-edn" => edn = Some(value_of(args, &mut i, "--export-edn")?.to_string()),
            "--export-shiviz" => shiviz = Some(value_of(args, &mut i, "--export-shiviz")?.to_string()),
            "--export-svg" => svg = Some(value_of(args, &mut i, "--export-svg")?.to_string()),
            "--repeat" => {
                repeat = value_of(args, &mut i, "--repeat")?
                    .parse()
                    .ok()
                    .filter(|n| *n >= 1)
                    .ok_or("--repeat needs a whole number of at least 1")?
            }
            "--peak-memory" => peak_memory = true,
            s if s.starts_with('-') => {
                return Err(format!(
                "run: unknown option '{s}': accepted --compact, --repeat N, --peak-memory, --export-porcupine FILE, \
                     --export-edn FILE, --export-shiviz FILE, --export-svg FILE"
            ))
            }
            s => file = Some(s.to_string()),
        }
        i += 1;
    }
    let file = file.ok_or("run: missing scenario FILE")?;
    let t0 = Instant::now();
    let mut sim = if repeat > 1 {
        let text = std::fs::read_to_string(&file).map_err(|e| format!("cannot read '{file}': {e}"))?;
        let scenario =
            Scenario::from_json(&text).and_then(|s| s.repeated(repeat)).map_err(|e| format!("{file}: {e}"))?;
        AnySim::new(scenario).map_err(|e| format!("{file}: {e}"))?
    } else {
        load(&file)?
    };
    sim.scenario().check_run_length().map_err(|e| format!("{file}: {e}"))?;
    let until = sim.scenario().until;
    if shiviz.is_some() || svg.is_some() {
        // The space-time record, fed from the world's journal as the run goes.
        let record = spacetime_run(&mut sim, until);
        if record.trimmed() {
            eprintln!(
                "cap: the space-time export holds the last {} s of the run (at most {} messages are kept)",
                record.limits().span / 1000,
                record.limits().messages
            );
        }
        if let Some(path) = &shiviz {
            let text = cap_playground::spacetime::shiviz::to_shiviz(&record);
            std::fs::write(path, text).map_err(|e| format!("cannot write '{path}': {e}"))?;
        }
        if let Some(path) = &svg {
            let sc = sim.scenario();
            let opt = cap_playground::spacetime::svg::SvgOptions {
                nodes: Some(sc.nodes),
                clients: Some(sc.clients.len() as u32),
                title: Some(format!("{} · {} · seed {}", sc.name, sc.protocol, sc.seed)),
                ..Default::default()
            };
            let text = cap_playground::spacetime::svg::to_svg(&record, &opt);
            std::fs::write(path, text).map_err(|e| format!("cannot write '{path}': {e}"))?;
        }
    } else {
        sim.run_until(until);
    }
    // Histories for Porcupine's visualiser and for Knossos.
    for (path, text) in [
        (&porcupine, porcupine.as_ref().map(|_| sim.export_porcupine())),
        (&edn, edn.as_ref().map(|_| sim.export_edn())),
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
    let lin = (report.history_dropped == 0).then(|| check_history(&sim.history(), DEFAULT_BUDGET));
    let must_be_linearizable = sim.promises_linearizability();
    doc["linearizability"] = match &lin {
        Some(lin) => serde_json::to_value(lin).map_err(|e| e.to_string())?,
        None => serde_json::json!({"verdict": "not_checked", "reason": "the history was windowed (history_limit)"}),
    };
    let text = if compact { serde_json::to_string(&doc) } else { serde_json::to_string_pretty(&doc) };
    say!("{}", text.map_err(|e| e.to_string())?);
    if peak_memory {
        // On stderr (stdout stays the report's JSON), after the report is built and printed,
        // which is part of the run's peak.
        eprintln!(
            "cap: peak memory {} (VmHWM), {} events, {:.1} simulated h in {:.1} s",
            peak_rss_kib()
                .map(|k| format!("{:.1} MB", k as f64 / 1024.0))
                .unwrap_or("unknown (no /proc/self/status)".into()),
            sim.events(),
            sim.now() as f64 / 3_600_000.0,
            t0.elapsed().as_secs_f64()
        );
    }
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

/// Run `sim` to `until` with its journal on, feeding a space-time record every 250 ms.
fn spacetime_run(sim: &mut AnySim, until: u64) -> cap_playground::spacetime::Record {
    use cap_playground::spacetime::{Limits, Record};
    sim.journal_mut().set_on(true);
    let mut record = Record::starting(Limits::default(), sim.now(), sim.journal().seq(), sim.in_flight_entries());
    while sim.now() < until {
        let t = (sim.now() + 250).min(until);
        sim.run_until(t);
        let entries = sim.journal_mut().take();
        record.absorb(entries, sim.now(), sim.journal().seq());
    }
    record.note_missed(sim.journal().overflow());
    record
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
            "--no-partitions" => opts.no_partitions = true,
            "--unsafe" => {
                let name = value_of(args, &mut i, "--unsafe")?;
                let all = unsafe_switches();
                let switch = all.iter().find(|s| s.name == name).ok_or_else(|| {
                    let accepted: Vec<String> =
                        all.iter().map(|s| format!("{} ({})", s.name, s.protocols.join(", "))).collect();
                    format!("--unsafe '{name}': accepted {}", accepted.join(", "))
                })?;
                switches.push(switch.clone());
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
                say!("VIOLATION seed {seed} at {at} ms: {what}: {detail}");
                say!("reproduce with: cap run {}", path.display());
            } else if !quiet {
                say!("VIOLATION seed {seed} at {at} ms: {what}");
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
        say!(
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
    let faults = if opts.no_partitions { " (no partitions)" } else { "" };
    say!(
        "{protocol}{faults}: {seeds} seeds ({start}..{}) passed: 0 violations, {lin}, {events} events, {ops} client operations, {:.0} simulated s in {:.1} s",
        start + seeds - 1,
        sim_ms as f64 / 1000.0,
        t0.elapsed().as_secs_f64()
    );
    for s in switches.iter().filter(|s| s.shown_by.is_some()) {
        eprintln!(
            "cap: random schedules rarely reach what --unsafe {} breaks ({}); www/scenarios/{} shows it (cap run with \"{}\": true in its config)",
            s.name,
            s.breaks,
            s.shown_by.unwrap_or_default(),
            s.key
        );
    }
    for s in switches.iter().filter(|s| s.explore.is_some()) {
        eprintln!(
            "cap: random schedules rarely reach what --unsafe {} breaks ({}); the explorer finds it: cap explore --protocol {protocol} {} --unsafe {}",
            s.name,
            s.breaks,
            s.explore.unwrap_or_default(),
            s.name
        );
    }
    Ok(0)
}

use cap_playground::check::cli::peak_rss_kib;

fn cmd_bench(args: &[String]) -> Result<u8, String> {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios/bench-raft.json");
    let live = args.iter().any(|a| a == "--live");
    let file = args.iter().find(|a| !a.starts_with("--")).cloned().unwrap_or_else(|| default.display().to_string());
    let mut sim = load(&file)?;
    if live {
        // As the browser element runs it: the live linearizability checker on.
        sim.enable_live_check();
    }
    let until = sim.scenario().until;
    let t0 = Instant::now();
    let rss0 = peak_rss_kib();
    // Run in slices to report memory as the run grows.
    let slices = 6;
    say!(
        "bench: {} ({} nodes, {} clients, {} simulated s)",
        sim.scenario().name,
        sim.scenario().nodes,
        sim.scenario().clients.len(),
        until / 1000
    );
    for k in 1..=slices {
        sim.run_until(until * k / slices);
        say!(
            "  t = {:>5} s  events {:>9}  history {:>6} ops  peak RSS {} KiB",
            sim.now() / 1000,
            sim.events(),
            sim.history().len(),
            peak_rss_kib().map(|v| v.to_string()).unwrap_or("?".into())
        );
    }
    let wall = t0.elapsed().as_secs_f64();
    say!("live checker: {}", if live { "on" } else { "off" });
    say!("trace hash: {:016x}", sim.trace_hash());
    say!("simulated seconds per wall second: {:.0}", until as f64 / 1000.0 / wall);
    say!("events per wall second: {:.0}", sim.events() as f64 / wall);
    say!("peak RSS: {} KiB (at start {} KiB)", peak_rss_kib().unwrap_or(0), rss0.unwrap_or(0));
    say!("violations: {}", sim.violations().len());
    Ok(if sim.violations().is_empty() { 0 } else { 1 })
}

/// `cap elections`: the election-time distribution of `sim::elections`' scenario ("one
/// up-to-date server of N") for Raft over seeds, for 3 and 5 servers, with and without PreVote;
/// or, with `--scenario`, one seed's scenario file (for `cap run`).
fn cmd_elections(args: &[String]) -> Result<u8, String> {
    use cap_playground::protocol::raft::{Raft, RaftConfig};
    use cap_playground::sim::elections::{measure, scenario, Distribution, Setup, LIMIT_MS};
    // Raft at its defaults (Figure 2's timer), CheckQuorum off, PreVote as asked.
    let setup = |pre_vote: bool| Setup {
        config: RaftConfig::elections_config(pre_vote),
        label: format!("PreVote {}", if pre_vote { "on" } else { "off" }),
    };
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
                let (s, ..) =
                    scenario::<Raft>(nodes, &setup(pre_vote), seed)?.ok_or(format!("seed {seed}: no first leader"))?;
                say!("{}", serde_json::to_string_pretty(&s).map_err(|e| e.to_string())?);
                return Ok(0);
            }
            other => return Err(format!("elections: unknown option '{other}'; {USAGE}")),
        }
        i += 1;
    }
    if seeds == 0 {
        return Err("--seeds must be at least 1".into());
    }
    say!(
        "Raft: time from the leader's crash to a new leader, one up-to-date survivor (seeds {start}..{}):",
        start + seeds - 1
    );
    say!(
        "{:<7} {:<9} {:>6} {:>10} {:>8} {:>8} {:>10} {:>9}",
        "nodes",
        "PreVote",
        "runs",
        "median ms",
        "p99 ms",
        "max ms",
        "no leader",
        "wall s"
    );
    let mut odd = 0;
    for nodes in [3u32, 5] {
        for pre_vote in [false, true] {
            let t0 = Instant::now();
            let mut runs = Vec::new();
            for seed in start..start + seeds {
                match measure::<Raft>(nodes, &setup(pre_vote), seed) {
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
            say!(
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
    say!("(a run with no leader within {} s counts as {} s; `cap elections --scenario 3 off SEED` prints a run's scenario)", LIMIT_MS / 1000, LIMIT_MS / 1000);
    Ok(if odd == 0 { 0 } else { 1 })
}

fn cmd_check(args: &[String]) -> Result<u8, String> {
    // Prints its own errors (one line, with the line number) and returns 2 on bad input.
    Ok(cap_playground::check::cli::run_check_command(args) as u8)
}

/// `cap check-bench [DIR]`: the checker's time on every Porcupine history, beside Porcupine's.
/// Every file needs a verdict in `verdicts.tsv` and every verdict a file: one missing either
/// way is reported (MISSING) and fails the command, as does a wrong verdict.
fn cmd_check_bench(args: &[String]) -> Result<u8, String> {
    let default = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/porcupine");
    let dir = args.first().map(PathBuf::from).unwrap_or(default);
    let verdicts = std::fs::read_to_string(dir.join("verdicts.tsv"))
        .map_err(|e| format!("cannot read {}: {e}", dir.join("verdicts.tsv").display()))?;
    // file → (expected verdict, None for `NA`: the empty etcd_095, which has none; Go ms)
    let mut reference: BTreeMap<String, (Option<bool>, f64)> = BTreeMap::new();
    for (n, line) in verdicts.lines().enumerate().skip(1) {
        if line.trim().is_empty() {
            continue;
        }
        let f: Vec<&str> = line.split('\t').collect();
        let expect = match f.get(2).copied() {
            Some("true") => Some(true),
            Some("false") => Some(false),
            Some("NA") => None,
            _ => {
                return Err(format!(
                    "{} line {}: expected FILE, OPS, true|false|NA, GO_MS separated by tabs",
                    dir.join("verdicts.tsv").display(),
                    n + 1
                ))
            }
        };
        reference.insert(f[0].to_string(), (expect, f.get(3).and_then(|s| s.parse::<f64>().ok()).unwrap_or(f64::NAN)));
    }
    let rows = cap_playground::check::cli::bench_porcupine(&dir);
    let (mut ours, mut theirs, mut wrong, mut missing, mut failed) = (0.0, 0.0, 0, 0, 0);
    say!("{:<24} {:>10} {:>14}  verdict", "file", "cap ms", "porcupine ms");
    for (file, ms, lin) in &rows {
        let (expect, go) = match reference.get(file) {
            Some(&(e, go)) => (Some(e), go),
            None => (None, f64::NAN),
        };
        let note = match (lin, expect) {
            (Err(e), _) => {
                failed += 1;
                format!("  FAILED: {e}")
            }
            (Ok(_), None) => {
                missing += 1;
                "  MISSING from verdicts.tsv".to_string()
            }
            (Ok(l), Some(Some(e))) if *l != e => {
                wrong += 1;
                "  WRONG".to_string()
            }
            (Ok(_), Some(None)) => "  (no labelled verdict: NA)".to_string(),
            _ => String::new(),
        };
        ours += ms;
        if go.is_finite() {
            theirs += go;
        }
        let shown = match lin {
            Ok(true) => "linearizable",
            Ok(false) => "not linearizable",
            Err(_) => "-",
        };
        say!("{file:<24} {ms:>10.3} {go:>14.3}  {shown}{note}");
    }
    for file in reference.keys().filter(|f| !rows.iter().any(|(r, _, _)| r == *f)) {
        missing += 1;
        say!("{file:<24} MISSING: listed in verdicts.tsv, no such file");
    }
    say!(
        "total: {} files, cap {ours:.1} ms, porcupine (Go) {theirs:.1} ms, {wrong} wrong verdicts, {missing} missing, {failed} failed",
        rows.len()
    );
    Ok(if wrong == 0 && missing == 0 && failed == 0 && !rows.is_empty() { 0 } else { 1 })
}

/// `cap gen-history`: a deterministic single-register history as a Jepsen etcd log on stdout.
fn cmd_gen_history(args: &[String]) -> Result<u8, String> {
    use cap_playground::check::synthetic::{register_history, to_jepsen_log, SyntheticSpec};
    let mut spec = SyntheticSpec::default();
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--ops" => spec.ops = value_of(args, &mut i, "--ops")?.parse().map_err(|_| "--ops needs a whole number")?,
            "--clients" => {
                spec.clients =
                    value_of(args, &mut i, "--clients")?.parse().map_err(|_| "--clients needs a whole number")?
            }
            "--seed" => {
                spec.seed = value_of(args, &mut i, "--seed")?.parse().map_err(|_| "--seed needs a whole number")?
            }
            "--stale-read" => spec.stale_read = true,
            other => {
                return Err(format!(
                    "gen-history: unknown option '{other}': accepted --ops N, --stale-read, --clients C, --seed S"
                ))
            }
        }
        i += 1;
    }
    {
        use std::io::Write;
        if std::io::stdout().lock().write_all(to_jepsen_log(&register_history(&spec)).as_bytes()).is_err() {
            return Ok(0); // a closed pipe: nothing more to say
        }
    }
    Ok(0)
}

/// `cap fuzz-check`: mutated corpus histories (Porcupine's, from the repository) through every
/// parser and the checker. A case that fails is written to DIR (default `tests/data/fuzz`) as a
/// regression file; a panic aborts `cap` (release builds abort on panic), so the case about to
/// run is written to DIR/current-case.txt first and removed when the run ends cleanly.
fn cmd_fuzz_check(args: &[String]) -> Result<u8, String> {
    use cap_playground::check::fuzz::{builtin_corpus, mutate, run_case, FuzzTotals};
    let (mut cases, mut seed) = (10_000u64, 1u64);
    let mut out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "--cases" => {
                cases = value_of(args, &mut i, "--cases")?.parse().map_err(|_| "--cases needs a whole number")?
            }
            "--seed" => seed = value_of(args, &mut i, "--seed")?.parse().map_err(|_| "--seed needs a whole number")?,
            "--out" => out = PathBuf::from(value_of(args, &mut i, "--out")?),
            other => {
                return Err(format!("fuzz-check: unknown option '{other}': accepted --cases N, --seed S, --out DIR"))
            }
        }
        i += 1;
    }
    let mut corpus = builtin_corpus();
    let data = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/porcupine");
    for sub in ["jepsen", "kv"] {
        let mut names: Vec<PathBuf> = std::fs::read_dir(data.join(sub))
            .map_err(|e| format!("cannot read {}: {e}", data.join(sub).display()))?
            .flatten()
            .map(|e| e.path())
            .collect();
        names.sort();
        for p in names {
            let name = p.file_name().map(|n| n.to_string_lossy().to_string()).unwrap_or_default();
            if name.ends_with(".log") || name.ends_with(".txt") {
                let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
                corpus.push((name, text));
            }
        }
    }
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    let current = out.join("current-case.txt");
    let t0 = Instant::now();
    let mut totals = FuzzTotals::default();
    let mut findings = 0u64;
    for case in 0..cases {
        let input = mutate(seed, case, &corpus);
        std::fs::write(&current, &input).map_err(|e| format!("cannot write {}: {e}", current.display()))?;
        let outcome = run_case(&input);
        if let Some(problem) = &outcome.problem {
            findings += 1;
            let path = out.join(format!("seed{seed}-case{case}.txt"));
            std::fs::write(&path, &input).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
            say!("FINDING seed {seed} case {case}: {problem} (input: {})", path.display());
        }
        totals.add(&outcome);
        if (case + 1) % 5_000 == 0 {
            eprintln!("  {} cases ({:.1} s)", case + 1, t0.elapsed().as_secs_f64());
        }
    }
    let _ = std::fs::remove_file(&current);
    say!("fuzz-check seed {seed}: {totals}; {findings} findings; {:.1} s", t0.elapsed().as_secs_f64());
    Ok(if findings == 0 { 0 } else { 1 })
}

/// Peak resident memory of this process (kB), from /proc (Linux); 0 elsewhere.
#[cfg(not(target_arch = "wasm32"))]
fn peak_rss_kb() -> u64 {
    std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| s.lines().find(|l| l.starts_with("VmHWM:")).map(String::from))
        .and_then(|l| l.split_whitespace().nth(1).and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}

/// `cap fuzz` on wasm32 (the binary is compiled there only as a by-product of `cargo test
/// --target wasm32`): the fuzzer is native-only.
#[cfg(target_arch = "wasm32")]
fn cmd_fuzz(_: &[String]) -> Result<u8, String> {
    Err("cap fuzz runs natively only".into())
}

/// Issue 18's fuzzing (src/travel/fuzz.rs): scenario mutants through `cap run`'s path, link
/// mutants through the page's opening path, element-API call sequences through the facade's.
/// The watchdog is here, not in the simulator: a case over 10 s of wall clock is a finding, a
/// panic (caught) is a finding; each finding is written to DIR as a regression file.
#[cfg(not(target_arch = "wasm32"))]
fn cmd_fuzz(args: &[String]) -> Result<u8, String> {
    use cap_playground::travel::fuzz::{api_sequence, link_mutant, run_api, run_link, run_scenario, scenario_mutant};
    let (mut scenarios, mut links, mut api, mut seed) = (1_000u64, 1_000u64, 300u64, 1u64);
    let mut out = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/data/fuzz");
    let mut i = 0;
    let num = |args: &[String], i: &mut usize, flag: &str| -> Result<u64, String> {
        value_of(args, i, flag)?.parse().map_err(|_| format!("{flag} needs a whole number"))
    };
    while i < args.len() {
        match args[i].as_str() {
            "--scenarios" => scenarios = num(args, &mut i, "--scenarios")?,
            "--links" => links = num(args, &mut i, "--links")?,
            "--api" => api = num(args, &mut i, "--api")?,
            "--seed" => seed = num(args, &mut i, "--seed")?,
            "--out" => out = PathBuf::from(value_of(args, &mut i, "--out")?),
            other => {
                return Err(format!(
                    "fuzz: unknown option '{other}': accepted --scenarios N, --links N, --api N, --seed S, --out DIR"
                ))
            }
        }
        i += 1;
    }
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("www/scenarios");
    let mut names: Vec<PathBuf> = std::fs::read_dir(&dir)
        .map_err(|e| format!("cannot read {}: {e}", dir.display()))?
        .flatten()
        .map(|e| e.path())
        .filter(|p| p.extension().is_some_and(|x| x == "json"))
        .collect();
    names.sort();
    let mut corpus = Vec::new();
    for p in names {
        let text = std::fs::read_to_string(&p).map_err(|e| format!("cannot read {}: {e}", p.display()))?;
        corpus.push((p.file_name().unwrap_or_default().to_string_lossy().to_string(), text));
    }
    let library = |name: &str| std::fs::read_to_string(dir.join(format!("{name}.json"))).ok();
    std::fs::create_dir_all(&out).map_err(|e| format!("cannot create {}: {e}", out.display()))?;
    // Hide the default panic message: a panic is counted and written as a finding.
    std::panic::set_hook(Box::new(|_| {}));
    let mut findings = 0u64;
    // The per-case guard: a case still running after HANG_S of wall clock never ends for the
    // fuzzer's purposes (the bound is 10 s); a watchdog thread writes its input as a finding and
    // ends the process, so a run of `cap fuzz` is bounded too and the case is kept.
    const HANG_S: u64 = 60;
    let current: std::sync::Arc<std::sync::Mutex<Option<(PathBuf, String, Instant)>>> = Default::default();
    {
        let current = current.clone();
        std::thread::spawn(move || loop {
            std::thread::sleep(std::time::Duration::from_millis(500));
            let Ok(c) = current.lock() else { return };
            if let Some((path, input, t)) = &*c {
                if t.elapsed().as_secs() >= HANG_S {
                    let _ = std::fs::write(path, input);
                    println!(
                        "FINDING: a case has run for {HANG_S} s without ending (the bound is 10 s); its input: {}",
                        path.display()
                    );
                    std::process::exit(1);
                }
            }
        });
    }
    for (kind, n) in [("scenario", scenarios), ("link", links), ("api", api)] {
        let t0 = Instant::now();
        let (mut refused, mut ran, mut asked, mut found, mut panics) = (0u64, 0u64, 0u64, 0u64, 0u64);
        let mut max_case = std::time::Duration::ZERO;
        for case in 0..n {
            // Making the input is part of the case: a panic there is a finding too.
            let made = std::panic::catch_unwind(std::panic::AssertUnwindSafe(
                || -> (String, Box<dyn Fn() -> cap_playground::travel::fuzz::Outcome>) {
                    match kind {
                        "scenario" => {
                            let text = scenario_mutant(seed, case, &corpus);
                            (text.clone(), Box::new(move || run_scenario(&text)))
                        }
                        "link" => {
                            let link = link_mutant(seed, case);
                            let lib = library.clone();
                            (link.clone(), Box::new(move || run_link(&link, &lib)))
                        }
                        _ => {
                            let (p, nodes, s, calls) = api_sequence(seed, case);
                            (format!("{p} {nodes} {s} {calls:?}"), Box::new(move || run_api(&p, nodes, s, &calls)))
                        }
                    }
                },
            ));
            let (input, run) = match made {
                Ok(m) => m,
                Err(p) => {
                    panics += 1;
                    found += 1;
                    let msg =
                        p.downcast_ref::<String>().cloned().or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()));
                    say!(
                        "FINDING {kind} seed {seed} case {case}: making the mutant panicked: {} (cap fuzz --{kind}s {} --seed {seed} reproduces it)",
                        msg.unwrap_or_default(),
                        case + 1
                    );
                    continue;
                }
            };
            let c0 = Instant::now();
            if let Ok(mut c) = current.lock() {
                *c = Some((out.join(format!("{kind}-seed{seed}-case{case}.txt")), input.clone(), c0));
            }
            let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| run()));
            if let Ok(mut c) = current.lock() {
                *c = None;
            }
            if cfg!(panic = "abort") && case == 0 {
                eprintln!(
                    "cap fuzz: built with panic = abort, a panic ends the run: use --profile fuzz (npm run fuzz)"
                );
            }
            let took = c0.elapsed();
            max_case = max_case.max(took);
            let problem = match result {
                Err(p) => {
                    panics += 1;
                    let msg = p
                        .downcast_ref::<String>()
                        .cloned()
                        .or_else(|| p.downcast_ref::<&str>().map(|s| s.to_string()))
                        .unwrap_or_default();
                    Some(format!("panicked: {msg}"))
                }
                Ok(o) => {
                    if o.refused.is_some() {
                        refused += 1;
                    } else {
                        ran += 1;
                    }
                    asked += o.asked as u64;
                    o.problem
                }
            };
            let problem = problem.or_else(|| {
                (took.as_secs_f64() > 10.0).then(|| format!("took {:.1} s (the bound is 10 s)", took.as_secs_f64()))
            });
            if let Some(problem) = problem {
                found += 1;
                let path = out.join(format!("{kind}-seed{seed}-case{case}.txt"));
                std::fs::write(&path, &input).map_err(|e| format!("cannot write {}: {e}", path.display()))?;
                say!("FINDING {kind} seed {seed} case {case}: {problem} (input: {})", path.display());
            }
            if (case + 1) % 5_000 == 0 {
                eprintln!("  {kind}: {} cases ({:.1} s)", case + 1, t0.elapsed().as_secs_f64());
            }
        }
        findings += found;
        if n > 0 {
            say!(
                "fuzz {kind}s seed {seed}: {n} cases: {refused} refused, {ran} ran{}, {found} findings, {panics} panics; \
                 max case {:.3} s; {:.1} s in all; peak RSS {} MB",
                if kind == "link" { format!(" ({asked} beyond the replay bound: asked first, replayed to it)") } else { String::new() },
                max_case.as_secs_f64(),
                t0.elapsed().as_secs_f64(),
                peak_rss_kb() / 1024
            );
        }
    }
    let _ = std::panic::take_hook();
    Ok(if findings == 0 { 0 } else { 1 })
}

fn cmd_explore(args: &[String]) -> Result<u8, String> {
    use cap_playground::explore::session::{open, Spec};
    use cap_playground::explore::Status;
    let mut spec = Spec { protocol: String::new(), ..Spec::default() };
    let mut out: Option<String> = None;
    let num = |v: &str, flag: &str| -> Result<u64, String> {
        v.parse().map_err(|_| format!("{flag} needs a whole number, not '{v}'"))
    };
    let mut i = 0;
    while i < args.len() {
        let a = args[i].as_str();
        match a {
            "--protocol" => spec.protocol = value_of(args, &mut i, a)?.to_string(),
            "--nodes" => spec.nodes = num(value_of(args, &mut i, a)?, a)?.min(1000) as u32,
            "--clients" => spec.clients = num(value_of(args, &mut i, a)?, a)?.min(1000) as u32,
            "--ops" => spec.ops = num(value_of(args, &mut i, a)?, a)?.min(1000) as u32,
            "--depth" => spec.depth = Some(num(value_of(args, &mut i, a)?, a)?.min(100_000) as u32),
            "--crashes" => spec.crashes = num(value_of(args, &mut i, a)?, a)?.min(1000) as u32,
            "--partitions" => {
                // A bare --partitions allows a cut and a heal; --partitions N allows N changes.
                match args.get(i + 1).filter(|v| !v.starts_with('-')) {
                    Some(v) => {
                        spec.partitions = num(v, a)?.min(1000) as u32;
                        i += 1;
                    }
                    None => spec.partitions = 2,
                }
            }
            "--loss" => spec.loss = true,
            "--timers" => spec.timers = Some(num(value_of(args, &mut i, a)?, a)?.min(100_000) as u32),
            "--dfs" => spec.dfs = true,
            "--symmetry" => spec.symmetry = true,
            "--unsafe" => spec.unsafe_switches.push(value_of(args, &mut i, a)?.to_string()),
            "--max-states" => spec.max_states = num(value_of(args, &mut i, a)?, a)?,
            "--walks" => spec.walks = Some(num(value_of(args, &mut i, a)?, a)?),
            "--seed" => spec.seed = num(value_of(args, &mut i, a)?, a)?,
            "--out" => out = Some(value_of(args, &mut i, a)?.to_string()),
            other => return Err(format!("explore: unknown option '{other}'; {USAGE}")),
        }
        i += 1;
    }
    if spec.protocol.is_empty() {
        return Err(format!(
            "explore: --protocol is required: accepted {}",
            cap_playground::explore::session::explore_protocols().join(", ")
        ));
    }
    let mut session = open(&spec)?;
    let order = match (spec.walks, spec.dfs) {
        (Some(_), _) => "random walks: a sample, not exhaustive",
        (None, true) => "depth-first",
        (None, false) => "breadth-first",
    };
    println!("exploring {} ({order})", spec.describe());
    let t0 = Instant::now();
    let mut last = t0;
    let status = loop {
        let status = session.run(20_000);
        if status != Status::Running {
            break status;
        }
        if last.elapsed().as_secs_f64() >= 2.0 {
            last = Instant::now();
            let s = session.stats();
            if spec.walks.is_some() {
                eprintln!(
                    "  {:>10} walks  {:>11} steps  deepest {:>3}  {:.0} steps/s",
                    s.walks,
                    s.generated,
                    s.max_depth,
                    s.generated as f64 / t0.elapsed().as_secs_f64()
                );
                continue;
            }
            eprintln!(
                "  {:>10} distinct  {:>11} generated  depth {:>3}  frontier {:>9}  {:.0} states/s",
                s.distinct,
                s.generated,
                s.max_depth,
                s.frontier,
                s.distinct as f64 / t0.elapsed().as_secs_f64()
            );
        }
    };
    let secs = t0.elapsed().as_secs_f64();
    let s = session.stats();
    if spec.walks.is_some() {
        println!("walks:            {}", s.walks);
        println!("steps taken:      {}", s.generated);
        println!("deepest walk:     {}", s.max_depth);
        println!("time:             {secs:.2} s");
        println!("steps/s:          {:.0}", s.generated as f64 / secs.max(1e-9));
    } else {
        println!("states generated: {}", s.generated);
        println!("distinct states:  {}", s.distinct);
        println!("maximum depth:    {}", s.max_depth);
        println!("time:             {secs:.2} s");
        println!(
            "states/s:         {:.0} distinct ({:.0} generated)",
            s.distinct as f64 / secs.max(1e-9),
            s.generated as f64 / secs.max(1e-9)
        );
        println!("memory per stored state: ~{} bytes (visited table + frontier, estimated)", session.bytes_per_state());
    }
    match status {
        Status::Sampled { walks } => {
            println!(
                "no violation in {walks} random walks of at most {} steps (a sample, not exhaustive)",
                spec.depth.unwrap_or_default()
            );
            Ok(0)
        }
        Status::Exhaustive { depth_limited: false } => {
            println!("no violation within these bounds (exhaustive)");
            Ok(0)
        }
        Status::Exhaustive { depth_limited: true } => {
            println!("no violation within these bounds (exhaustive to depth {})", spec.depth.unwrap_or_default());
            Ok(0)
        }
        Status::StateLimit => {
            println!("stopped at {} states (not exhaustive)", spec.max_states);
            Ok(0)
        }
        Status::Violation(b) => {
            println!("VIOLATION: {}: {}", b.invariant, b.detail);
            let Some(cx) = session.counterexample() else {
                return Err("the counterexample path could not be rebuilt".into());
            };
            if spec.walks.is_some() {
                println!(
                    "counterexample ({} steps, shrunk from the walk: no step or pair of steps can be dropped):",
                    cx.steps.len()
                );
            } else {
                println!("counterexample ({} steps):", cx.steps.len());
            }
            for (k, line) in cx.steps.iter().enumerate() {
                println!("  {:>3}. {line}", k + 1);
            }
            if let Some(json) = &cx.scenario {
                let path = out.unwrap_or_else(|| format!("explore-{}-counterexample.json", spec.protocol));
                std::fs::write(&path, json.clone() + "\n").map_err(|e| format!("cannot write '{path}': {e}"))?;
                println!("scenario written: {path}");
                if let Some(r) = &cx.replay {
                    println!(
                        "replayed as `cap run {path}`: {} (trace_hash {})",
                        match (&r.invariant, &r.detail) {
                            (Some(i), Some(d)) => format!("{i}: {d}"),
                            _ => "no violation".into(),
                        },
                        r.trace_hash
                    );
                    if !r.same_violation {
                        println!("WARNING: the replay does not report the same violation");
                    }
                }
            }
            Ok(1)
        }
        Status::Running => unreachable!("the loop runs until the status changes"),
    }
}
