//! Linearizability checker: hand-made histories (Herlihy & Wing 1990's definition; the register
//! examples are Porcupine's, from MIT 6.824's 2017 quiz) and every labelled history of
//! Porcupine's test data (`tests/data/porcupine`, see its README and LICENSE).

use cap_playground::check::cli::run_check_command;
use cap_playground::check::formats::export::{to_jepsen_edn, to_porcupine_json};
use cap_playground::check::formats::{parse_history, parse_jepsen, parse_kv, ExternalHistory, ParseOptions};
use cap_playground::check::linearizability::{
    check_history, check_ops, is_linearizable, CheckResult, Clock, Limit, LiveChecker, LiveVerdict, Model, ModelOp,
    RegInput, RegOp, RegOutput, RegisterModel, Transition, Verdict,
};
use cap_playground::core::history::{Operation, Outcome};
use cap_playground::protocol::{ClientOp, ClientResult};
use std::path::PathBuf;

const BUDGET: u64 = 5_000_000;

fn base(id: u64, client: u32, op: ClientOp, invoke: u64) -> Operation {
    Operation { id, client, op, invoke, complete: None, outcome: None, result: None, node: 0 }
}

fn write(id: u64, client: u32, key: &str, value: i64, t0: u64, t1: u64) -> Operation {
    Operation {
        complete: Some(t1),
        outcome: Some(Outcome::Ok),
        result: Some(ClientResult::WriteOk),
        ..base(id, client, ClientOp::Write { key: key.into(), value }, t0)
    }
}

fn read(id: u64, client: u32, key: &str, value: Option<i64>, t0: u64, t1: u64) -> Operation {
    Operation {
        complete: Some(t1),
        outcome: Some(Outcome::Ok),
        result: Some(ClientResult::ReadOk { value }),
        ..base(id, client, ClientOp::Read { key: key.into() }, t0)
    }
}

fn write_info(id: u64, client: u32, key: &str, value: i64, t0: u64, t1: Option<u64>) -> Operation {
    Operation {
        complete: t1,
        outcome: t1.map(|_| Outcome::Info),
        ..base(id, client, ClientOp::Write { key: key.into(), value }, t0)
    }
}

#[allow(clippy::too_many_arguments)]
fn cas(
    id: u64,
    client: u32,
    key: &str,
    from: i64,
    to: i64,
    t0: u64,
    t1: u64,
    ok: bool,
    current: Option<i64>,
) -> Operation {
    Operation {
        complete: Some(t1),
        outcome: Some(if ok { Outcome::Ok } else { Outcome::Fail }),
        result: Some(if ok { ClientResult::CasOk } else { ClientResult::CasFailed { current } }),
        ..base(id, client, ClientOp::Cas { key: key.into(), from, to }, t0)
    }
}

fn verdict(h: &[Operation]) -> CheckResult {
    check_history(h, BUDGET)
}

fn assert_lin(h: &[Operation]) {
    let r = verdict(h);
    assert!(r.is_linearizable(), "expected linearizable, got {:?}", r.verdict);
}

fn assert_not_lin(h: &[Operation]) -> cap_playground::check::linearizability::Witness {
    match verdict(h).verdict {
        Verdict::NotLinearizable { witness } => witness,
        v => panic!("expected not linearizable, got {v:?}"),
    }
}

#[test]
fn register_put_get_linearizable() {
    // Porcupine's TestRegisterModel, first history: the reads overlap the write.
    let h = [write(0, 0, "x", 100, 0, 100), read(1, 1, "x", Some(100), 25, 75), read(2, 2, "x", None, 30, 60)];
    assert_lin(&h);
}

#[test]
fn register_put_get_not_linearizable_with_witness() {
    // Second history: a read sees 200, a later read (after the first returned) sees nil.
    let h = [write(0, 0, "x", 200, 0, 100), read(1, 1, "x", Some(200), 10, 30), read(2, 2, "x", None, 40, 90)];
    let w = assert_not_lin(&h);
    assert_eq!(w.key, "x");
    assert_eq!(w.failing_op, 2, "{w:?}");
    assert!(w.ops.contains(&1) && w.ops.contains(&2), "{w:?}");
    assert!(w.minimal);
    assert!(!w.sentence.is_empty());
}

#[test]
fn stale_read_sentence_names_the_acknowledged_write() {
    let h = [
        write(0, 0, "x", 1, 0, 10),
        write(1, 0, "x", 2, 20, 640),
        read(2, 1, "x", Some(1), 700, 812),
        read(3, 2, "y", None, 0, 5),
    ];
    let w = assert_not_lin(&h);
    assert_eq!(w.failing_op, 2);
    assert_eq!(w.ops, vec![0, 1, 2]);
    assert!(
        w.sentence.contains("read x → 1") && w.sentence.contains("write x = 2 had been acknowledged at 640 ms"),
        "{}",
        w.sentence
    );
}

#[test]
fn value_from_nowhere_sentence() {
    let h = [write(0, 0, "x", 1, 0, 10), read(1, 1, "x", Some(7), 20, 30)];
    let w = assert_not_lin(&h);
    assert_eq!(w.ops, vec![1]);
    assert!(w.sentence.contains("no operation invoked before it returned could have set x to 7"), "{}", w.sentence);
}

#[test]
fn zero_duration_operations() {
    // Porcupine's TestZeroDuration.
    let ok = [
        write(0, 0, "x", 100, 0, 100),
        read(1, 1, "x", Some(100), 25, 75),
        read(2, 2, "x", None, 30, 30),
        read(3, 3, "x", None, 30, 30),
    ];
    assert_lin(&ok);
    let bad = [
        write(0, 0, "x", 200, 0, 100),
        read(1, 1, "x", Some(200), 10, 10),
        read(2, 2, "x", Some(200), 10, 10),
        read(3, 3, "x", None, 40, 90),
    ];
    assert_not_lin(&bad);
    // Touching intervals are concurrent: a read invoked at the very ms a write returned may
    // still precede it.
    assert_lin(&[write(0, 0, "x", 1, 0, 10), read(1, 1, "x", None, 10, 12)]);
}

#[test]
fn unknown_write_may_take_effect_late() {
    // The write timed out at 20 ms; a read at 500 ms sees it: it took effect late.
    let h = [write_info(0, 0, "x", 5, 0, Some(20)), read(1, 1, "x", None, 30, 40), read(2, 1, "x", Some(5), 500, 510)];
    assert_lin(&h);
    // Still pending (no completion at all) works the same.
    let h = [write_info(0, 0, "x", 5, 0, None), read(1, 1, "x", None, 30, 40), read(2, 1, "x", Some(5), 500, 510)];
    assert_lin(&h);
}

#[test]
fn unknown_write_may_never_take_effect() {
    let h = [write_info(0, 0, "x", 5, 0, Some(20)), read(1, 1, "x", None, 30, 40), read(2, 1, "x", None, 500, 510)];
    assert_lin(&h);
    // But it cannot take effect before it was invoked.
    let h = [read(0, 1, "x", Some(5), 0, 10), write_info(1, 0, "x", 5, 20, Some(30))];
    assert_not_lin(&h);
    // And it can take effect only once: 5, then 6, then 5 again is impossible with one write of 5.
    let h = [
        write_info(0, 0, "x", 5, 0, None),
        read(1, 1, "x", Some(5), 10, 20),
        write(2, 2, "x", 6, 30, 40),
        read(3, 1, "x", Some(5), 50, 60),
    ];
    assert_not_lin(&h);
}

#[test]
fn failed_writes_did_not_happen() {
    let mut w = write(0, 0, "x", 9, 0, 10);
    w.outcome = Some(Outcome::Fail);
    w.result = Some(ClientResult::Unavailable { reason: "not leader".into() });
    assert_not_lin(&[w.clone(), read(1, 1, "x", Some(9), 20, 30)]);
    assert_lin(&[w, read(1, 1, "x", None, 20, 30)]);
}

#[test]
fn failed_compare_and_set_is_an_observation() {
    // cas 1→2 failed while x was definitely 1 throughout: not linearizable.
    let h =
        [write(0, 0, "x", 1, 0, 10), cas(1, 1, "x", 1, 2, 20, 30, false, Some(1)), read(2, 2, "x", Some(1), 40, 50)];
    assert_not_lin(&h);
    // A concurrent write of 3 explains the failure.
    let h = [
        write(0, 0, "x", 1, 0, 10),
        write(1, 2, "x", 3, 15, 35),
        cas(2, 1, "x", 1, 2, 20, 30, false, Some(3)),
        read(3, 2, "x", Some(3), 40, 50),
    ];
    assert_lin(&h);
    // A failed cas on a never-written register is fine (nil ≠ 1).
    assert_lin(&[cas(0, 1, "x", 1, 2, 20, 30, false, None)]);
    // Successful cas needs the value it compared with.
    assert_not_lin(&[write(0, 0, "x", 4, 0, 10), cas(1, 1, "x", 1, 2, 20, 30, true, None)]);
    assert_lin(&[
        write(0, 0, "x", 1, 0, 10),
        cas(1, 1, "x", 1, 2, 20, 30, true, None),
        read(2, 1, "x", Some(2), 40, 41),
    ]);
}

#[test]
fn keys_are_checked_independently() {
    let h = [
        write(0, 0, "a", 1, 0, 10),
        write(1, 1, "b", 2, 0, 10),
        read(2, 0, "a", Some(1), 20, 30),
        read(3, 1, "b", Some(1), 20, 30),
    ];
    let w = assert_not_lin(&h);
    assert_eq!(w.key, "b");
    assert_eq!(verdict(&h).keys, 2);
}

#[test]
fn budget_exhaustion_is_unknown_not_a_hang() {
    // Many concurrent unknown writes of distinct values, then a read of a value nobody wrote:
    // the search must try every subset, so a tiny budget runs out.
    let mut h: Vec<Operation> = (0..40).map(|i| write_info(i, i as u32, "x", i as i64, 0, None)).collect();
    h.push(read(40, 99, "x", Some(-1), 10, 20));
    h.push(read(41, 98, "x", Some(3), 10, 20));
    let r = check_history(&h, 50);
    assert!(matches!(r.verdict, Verdict::Unknown { limit: Limit::Steps, .. }), "{:?}", r.verdict);
    assert!(r.steps <= 50 + 100, "steps {}", r.steps);
}

#[test]
fn generic_model_api_with_lines_clock() {
    let ops = vec![
        ModelOp {
            id: 1,
            client: 0,
            input: RegInput { key: String::new(), op: RegOp::Write { value: 3 } },
            output: Some(RegOutput::Written),
            call: 1,
            ret: 2,
        },
        ModelOp {
            id: 3,
            client: 1,
            input: RegInput { key: String::new(), op: RegOp::Read },
            output: Some(RegOutput::Read(None)),
            call: 3,
            ret: 4,
        },
    ];
    let r = check_ops(&RegisterModel::NIL, ops, BUDGET, Clock::Line);
    let Verdict::NotLinearizable { witness } = r.verdict else { panic!("{:?}", r.verdict) };
    assert!(witness.sentence.contains("line 2"), "{}", witness.sentence);
}

#[test]
fn live_checker_finds_violation_within_per_call_budget() {
    let mut history: Vec<Operation> = Vec::new();
    let mut live = LiveChecker::new(2_000);
    let mut t = 0;
    // 300 sequential, linearizable operations on 3 keys, fed a few at a time.
    let mut last: [Option<i64>; 3] = [None; 3];
    for i in 0..300u64 {
        let k = ((i / 2) % 3) as usize;
        let key = ["a", "b", "c"][k];
        let op = if i % 2 == 0 {
            last[k] = Some(i as i64);
            write(i, (i % 5) as u32, key, i as i64, t, t + 3)
        } else {
            read(i, (i % 5) as u32, key, last[k], t, t + 3)
        };
        // pending first, then completed
        let mut pending = op.clone();
        pending.complete = None;
        pending.outcome = None;
        pending.result = None;
        history.push(pending);
        live.sync(&history);
        history[i as usize] = op;
        t += 5;
        let before = live.status().steps;
        let s = live.check();
        assert!(s.steps - before <= 2_000 + 400, "per-call budget exceeded: {}", s.steps - before);
        assert!(!matches!(s.verdict, LiveVerdict::Violation { .. }), "false alarm at op {i}: {:?}", s.verdict);
    }
    live.sync(&history);
    for _ in 0..1000 {
        if !live.check().busy {
            break;
        }
    }
    let s = live.status();
    assert_eq!(s.verdict, LiveVerdict::LinearizableSoFar);
    assert_eq!(s.ops, 300);
    // A stale read appears.
    history.push(read(300, 7, "a", Some(0), t + 10, t + 12));
    live.sync(&history);
    for _ in 0..1000 {
        if !live.check().busy {
            break;
        }
    }
    match live.status().verdict {
        LiveVerdict::Violation { witness: Some(witness) } => {
            assert_eq!(witness.failing_op, 300);
            assert!(witness.verified, "{witness:?}");
            assert!(witness.minimal);
            assert!(witness.ops.len() <= 3, "{witness:?}");
        }
        v => panic!("expected a violation, got {v:?}"),
    }
}

#[test]
fn jepsen_parser_rules() {
    let log = "INFO  jepsen.util - 0\t:invoke\t:write\t3\n\
               INFO  jepsen.util - 1\t:invoke\t:read\tnil\n\
               INFO  jepsen.util - 0\t:info\t:write\t:timed-out\n\
               INFO  jepsen.util - 1\t:ok\t:read\t3\n\
               INFO  jepsen.util - 2\t:invoke\t:read\tnil\n\
               INFO  jepsen.util - 2\t:fail\t:read\t:timed-out\n\
               INFO  jepsen.util - 3   :invoke   :cas   [3 4]\n\
               INFO  jepsen.util - 3   :fail   :cas   [3 4]\n";
    let ops = parse_jepsen(log).expect("parses");
    assert_eq!(ops.len(), 3, "{ops:?}");
    assert_eq!(ops[0].output, None, "info write stays open");
    assert_eq!(ops[1].output, Some(RegOutput::Read(Some(3))));
    assert_eq!(ops[2].output, Some(RegOutput::CasFailed));
    // The timed-out write explains the read of 3; the failed cas needs x ≠ 3 at some point in its interval, which no order gives.
    let h = ExternalHistory::Etcd(ops);
    assert_eq!(h.verdict(BUDGET), Some(false));
    let err = parse_jepsen("INFO  jepsen.util - 0\t:ok\t:read\t3\n").unwrap_err();
    assert_eq!(err.line, 1, "{err}");
    let err =
        parse_jepsen("INFO  jepsen.util - 0\t:invoke\t:write\t3\nINFO  jepsen.util - 0 :invoke :frob 1\n").unwrap_err();
    assert_eq!(err.line, 2, "{err}");
}

#[test]
fn kv_parser_rules() {
    let log = "{:process 0, :type :invoke, :f :put, :key \"k\", :value \"a\"}\n\
               {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
               {:process 0, :type :ok, :f :put, :key \"k\", :value \"a\"}\n\
               {:process 1, :type :ok, :f :get, :key \"k\", :value \"\"}\n\
               {:process 0, :type :invoke, :f :append, :key \"k\", :value \"b\"}\n\
               {:process 0, :type :ok, :f :append, :key \"k\", :value \"b\"}\n\
               {:process 1, :type :invoke, :f :get, :key \"k\", :value nil}\n\
               {:process 1, :type :ok, :f :get, :key \"k\", :value \"ab\"}\n";
    let ops = parse_kv(log).expect("parses");
    assert_eq!(ops.len(), 4);
    assert_eq!(ExternalHistory::Kv(ops).verdict(BUDGET), Some(true));
    let bad = log.replace("\"ab\"}", "\"ba\"}");
    assert_eq!(parse_history(&bad, &ParseOptions::default()).unwrap().verdict(BUDGET), Some(false));
    let err = parse_kv("{:process 0, :type :invoke, :f :get, :key \"k\" :value nil\n").unwrap_err();
    assert_eq!(err.line, 1, "{err}");
}

fn data_dir() -> PathBuf {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data/porcupine");
    if !dir.join("verdicts.tsv").is_file() {
        // Deliberately a failure, not a skip: these 108 histories are the checker's reference.
        panic!(
            "Porcupine test data not found at {} (it ships in the repository: tests/data/porcupine/verdicts.tsv)",
            dir.display()
        );
    }
    dir
}

#[test]
fn every_porcupine_history_gets_its_labelled_verdict() {
    let dir = data_dir();
    let tsv = std::fs::read_to_string(dir.join("verdicts.tsv")).expect("read verdicts.tsv");
    let mut checked = 0;
    let mut failures = Vec::new();
    for line in tsv.lines().skip(1).filter(|l| !l.trim().is_empty()) {
        let cols: Vec<&str> = line.split('\t').collect();
        let (file, expected) = (cols[0], cols[2]);
        let text = std::fs::read_to_string(dir.join(file)).unwrap_or_else(|e| panic!("{file}: {e}"));
        let h = parse_history(&text, &ParseOptions::default()).unwrap_or_else(|e| panic!("{file}: {e}"));
        let r = h.check(200_000_000);
        if expected != "true" && expected != "false" {
            // etcd_095: empty, no verdict; must be accepted as an empty history.
            assert!(h.is_empty() && r.is_linearizable(), "{file}: {:?}", r.verdict);
            continue;
        }
        checked += 1;
        match (&r.verdict, expected) {
            (Verdict::Linearizable, "true") => {}
            (Verdict::NotLinearizable { witness }, "false") => {
                assert!(witness.ops.contains(&witness.failing_op), "{file}: {witness:?}");
                assert!(!witness.sentence.is_empty() && !witness.lines.is_empty(), "{file}");
            }
            (v, e) => failures.push(format!("{file}: expected {e}, got {v:?}")),
        }
    }
    assert!(failures.is_empty(), "{}", failures.join("\n"));
    assert_eq!(checked, 108);
}

#[test]
fn cli_exit_codes() {
    let dir = data_dir();
    let file = dir.join("jepsen/etcd_000.log").display().to_string();
    assert_eq!(run_check_command(&[file]), 0);
    assert_eq!(run_check_command(&[dir.join("jepsen/etcd_095.log").display().to_string()]), 0);
    assert_eq!(run_check_command(&["/nonexistent/history.log".to_string()]), 2);
    assert_eq!(run_check_command(&[]), 2);
    let bad = std::env::temp_dir().join(format!("cap-check-bad-{}.log", std::process::id()));
    std::fs::write(&bad, "INFO  jepsen.util - 0\t:invoke\t:read\tnil\nhello\n").unwrap();
    assert_eq!(run_check_command(&[bad.display().to_string()]), 2);
    let _ = std::fs::remove_file(bad);
}

#[test]
fn exports_are_well_formed() {
    let h = [
        write(0, 0, "x", 1, 0, 10),
        write_info(1, 1, "x", 2, 5, Some(30)),
        read(2, 1, "x", Some(2), 40, 50),
        cas(3, 2, "x", 7, 8, 41, 45, false, Some(2)),
    ];
    let json: serde_json::Value = serde_json::from_str(&to_porcupine_json(&h)).expect("valid JSON");
    let arr = json.as_array().expect("array");
    assert_eq!(arr.len(), 4);
    assert_eq!(arr[1]["Output"]["Unknown"], true);
    assert_eq!(arr[1]["Return"], 51);
    assert_eq!(arr[3]["Output"]["Ok"], false);
    let edn = to_jepsen_edn(&h);
    let lines: Vec<&str> = edn.lines().collect();
    assert_eq!(lines.len(), 8);
    assert_eq!(lines[0], "{:process 0, :type :invoke, :f :write, :value [\"x\" 1], :time 0}");
    assert!(lines.iter().any(|l| l.contains(":type :info") && l.contains(":process 1,")));
    assert!(
        lines.iter().any(|l| l.contains(":process 4, :type :invoke, :f :read")),
        "fresh process after :info\n{edn}"
    );
    assert!(lines.iter().any(|l| l.contains(":type :fail, :f :cas, :value [\"x\" [7 8]]")));
}

/// Brute force: try every order of every subset that contains all definite operations.
fn brute_force(ops: &[ModelOp<RegInput, RegOutput>]) -> bool {
    fn go(ops: &[ModelOp<RegInput, RegOutput>], used: &mut Vec<bool>, state: Option<i64>) -> bool {
        if ops.iter().zip(used.iter()).all(|(o, &u)| u || o.output.is_none()) {
            return true;
        }
        for i in 0..ops.len() {
            if used[i] {
                continue;
            }
            // i may go next only if no unused definite op returned before i was invoked.
            let blocked =
                ops.iter().enumerate().any(|(j, o)| !used[j] && j != i && o.output.is_some() && o.ret < ops[i].call);
            if blocked {
                continue;
            }
            let next = match RegisterModel::NIL.step(&state, &ops[i].input, ops[i].output.as_ref()) {
                Transition::Illegal => continue,
                Transition::Unchanged => state,
                Transition::Next(s) => s,
            };
            used[i] = true;
            let ok = go(ops, used, next);
            used[i] = false;
            if ok {
                return true;
            }
        }
        false
    }
    go(ops, &mut vec![false; ops.len()], None)
}

#[test]
fn agrees_with_brute_force_on_small_random_histories() {
    let mut seed = 0x2545_F491_4F6C_DD1Du64;
    let mut rnd = |m: u64| {
        seed ^= seed << 13;
        seed ^= seed >> 7;
        seed ^= seed << 17;
        seed % m
    };
    let (mut lin, mut not) = (0, 0);
    for _ in 0..4000 {
        let n = 1 + rnd(7) as usize;
        let ops: Vec<ModelOp<RegInput, RegOutput>> = (0..n)
            .map(|i| {
                let call = rnd(12);
                let ret = call + rnd(6);
                let (op, out) = match rnd(3) {
                    0 => (RegOp::Read, RegOutput::Read(if rnd(4) == 0 { None } else { Some(rnd(3) as i64) })),
                    1 => (RegOp::Write { value: rnd(3) as i64 }, RegOutput::Written),
                    _ => (
                        RegOp::Cas { from: rnd(3) as i64, to: rnd(3) as i64 },
                        if rnd(2) == 0 { RegOutput::CasOk } else { RegOutput::CasFailed },
                    ),
                };
                let unknown = op != RegOp::Read && rnd(4) == 0;
                ModelOp {
                    id: i as u64,
                    client: i as u64,
                    input: RegInput { key: "x".into(), op },
                    output: if unknown { None } else { Some(out) },
                    call,
                    ret,
                }
            })
            .collect();
        let expected = brute_force(&ops);
        let got = is_linearizable(&RegisterModel::NIL, ops.clone(), 1_000_000);
        assert_eq!(got, Some(expected), "history {ops:#?}");
        if expected {
            lin += 1;
        } else {
            not += 1;
        }
    }
    assert!(lin > 500 && not > 500, "poor mix: {lin} linearizable, {not} not");
}
