//! The history lab (src/lab/): Porcupine's labelled histories give the verdicts the lab must
//! reach step by step (with progress), the witness it flags on the timeline, and the orders it
//! walks for the "why" panel — none of which works when the history is not linearizable (Herlihy
//! & Wing 1990: a history is linearizable iff some real-time-respecting order is legal). Bad
//! files name their line.

use cap_playground::lab::Lab;

fn corpus(name: &str) -> String {
    std::fs::read_to_string(format!("{}/tests/data/porcupine/{name}", env!("CARGO_MANIFEST_DIR"))).unwrap()
}

fn verdicts() -> Vec<(String, bool)> {
    corpus("verdicts.tsv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            Some((f.first()?.to_string(), *f.get(2)? == "true"))
        })
        .collect()
}

/// Check a history to its end in slices of `slice` steps; the progress reports on the way.
fn check(lab: &mut Lab, slice: u64) -> Vec<cap_playground::lab::Progress> {
    let mut seen = Vec::new();
    for _ in 0..100_000 {
        let p = lab.run(slice);
        let done = p.done;
        seen.push(p);
        if done {
            return seen;
        }
    }
    panic!("the lab did not finish");
}

#[test]
fn the_lab_reaches_porcupines_verdicts_with_progress() {
    let mut n = 0;
    for (file, expected) in verdicts().into_iter().filter(|(f, _)| f.starts_with("jepsen/etcd_00")) {
        let mut lab = Lab::load(&corpus(&file)).unwrap_or_else(|e| panic!("{file}: {e:?}"));
        let s = lab.summary();
        assert!(s.ops > 0 && s.processes > 0, "{file}: {s:?}");
        let progress = check(&mut lab, 1 << 16);
        assert!(progress.windows(2).all(|w| w[0].steps <= w[1].steps), "{file}: steps only grow");
        let r = lab.result().unwrap();
        let want = if expected { "linearizable" } else { "not_linearizable" };
        assert_eq!(r.verdict, want, "{file}");
        if !expected {
            let w = r.witness.as_ref().expect("a witness");
            let (ops, _) = lab.timeline(0).unwrap();
            let flagged: Vec<u64> = ops.iter().filter(|o| o.witness).map(|o| o.id).collect();
            let mut ids = w.ops.clone();
            ids.sort_unstable();
            let mut got = flagged.clone();
            got.sort_unstable();
            assert_eq!(got, ids, "{file}: the timeline flags the witness's operations");
        }
        n += 1;
    }
    assert!(n >= 5, "{n} histories");
}

#[test]
fn why_walks_the_witness_orders_and_none_of_them_works() {
    // etcd_000 is not linearizable (Porcupine's verdicts).
    let mut lab = Lab::load(&corpus("jepsen/etcd_000.log")).unwrap();
    check(&mut lab, u64::MAX);
    let w = lab.result().unwrap().witness.clone().unwrap();
    let why = lab.why(w.failing_op).expect("why for the failing operation");
    assert!(why.total > 0 && !why.orders.is_empty());
    assert_eq!(why.among.len(), w.ops.len().min(9));
    // The witness's operations, the others relaxed (the updates among them: one per value):
    // when the walk took them all, finding no valid order is the proof the witness claims.
    if why.left_out == 0 {
        assert!(why.orders.iter().all(|o| !o.stop.contains("valid order")), "no order of the witness works: {why:?}");
        assert!(why.summary.contains("None of them works"), "{}", why.summary);
    } else {
        assert!(why.summary.contains("left out of this walk"), "{}", why.summary);
    }
    assert!(why.orders.iter().all(|o| !o.ids.is_empty() && !o.stop.is_empty()));
    // Every order respects real time: an operation never follows one invoked after it returned
    // (a relaxed operation has no return: it may take effect at any point after its invocation).
    let (ops, _) = lab.timeline(0).unwrap();
    let at = |id: u64| ops.iter().find(|o| o.id == id).unwrap();
    for o in &why.orders {
        for (i, a) in o.ids.iter().enumerate() {
            for b in o.ids[i + 1..].iter().filter(|b| !why.relaxed.contains(b)) {
                let (a, b) = (at(*a), at(*b));
                assert!(!(b.ret.is_some_and(|r| r < a.call)), "{} placed before {} which returned first", a.id, b.id);
            }
        }
    }
    // A linearizable history: the walk around an operation finds a valid order.
    let mut ok = Lab::load(&corpus("jepsen/etcd_002.log")).unwrap();
    check(&mut ok, u64::MAX);
    assert_eq!(ok.result().unwrap().verdict, "linearizable");
    let (ops, _) = ok.timeline(0).unwrap();
    let mid = ops[ops.len() / 2].id;
    let why = ok.why(mid).unwrap();
    assert!(why.orders.iter().any(|o| o.stop.contains("valid order")), "{why:?}");
    assert!(why.summary.contains("a valid order exists"));
}

#[test]
fn a_malformed_file_names_its_line() {
    let text = "INFO  jepsen.util - 1\t:invoke\t:read\tnil\nINFO  jepsen.util - 1\t:ok\t:read\tbanana\n";
    let e = Lab::load(text).err().expect("refused");
    assert_eq!(e.line, 2, "{e:?}");
    assert!(e.message.contains("banana") || e.message.contains("not an integer"), "{}", e.message);
    let e = Lab::load("hello\nworld\n").err().expect("refused");
    assert_eq!(e.line, 1);
}

#[test]
fn nemesis_lines_are_fault_markers() {
    let text = concat!(
        "INFO  jepsen.util - 1\t:invoke\t:write\t1\n",
        "INFO  jepsen.util - :nemesis\t:info\t:start\t[:isolated {\"n1\" #{\"n2\"}}]\n",
        "INFO  jepsen.util - 1\t:ok\t:write\t1\n",
    );
    // cap check's Jepsen parser skips the nemesis's line; the lab keeps it as a fault marker.
    let lab = Lab::load(text).expect("a nemesis line is accepted");
    assert_eq!(lab.summary().ops, 1);
    let faults = lab.summary().faults;
    assert_eq!(faults.len(), 1);
    assert_eq!((faults[0].line, faults[0].what.as_str()), (2, "info start"));
}

/// A Jepsen/Knossos EDN register history (tests/data/edn/, written for the lab): read with `cap
/// check`'s EDN parser as Knossos's cas-register from 0, its `:nemesis` maps kept as fault
/// markers, and not linearizable — the read of 1 began after the write of 2 had returned, so no
/// order respecting real time explains it (Herlihy & Wing 1990, §3).
#[test]
fn an_edn_register_history_gets_its_verdict_witness_and_faults() {
    let text =
        std::fs::read_to_string(format!("{}/tests/data/edn/register-stale-read.edn", env!("CARGO_MANIFEST_DIR")))
            .unwrap();
    let mut lab = Lab::load(&text).unwrap_or_else(|e| panic!("{e:?}"));
    let s = lab.summary();
    assert!(s.format.contains("EDN") && s.format.contains("cas-register"), "{}", s.format);
    assert_eq!((s.ops, s.processes), (4, 3), "{s:?}");
    let faults: Vec<(u64, &str)> = s.faults.iter().map(|f| (f.line, f.what.as_str())).collect();
    assert_eq!(faults, [(3, "info start"), (4, "info start"), (11, "info stop"), (12, "info stop")]);
    assert!(s.faults[1].value.contains(":isolated"), "{:?}", s.faults[1]);
    check(&mut lab, 1 << 10);
    let r = lab.result().unwrap();
    assert_eq!(r.verdict, "not_linearizable");
    let w = r.witness.as_ref().unwrap();
    assert!(w.verified, "{w:?}");
    // The witness: write 1 (line 1), write 2 (line 5), the read of 1 (line 7).
    let mut ids = w.ops.clone();
    ids.sort_unstable();
    assert_eq!(ids, [1, 5, 7], "{w:?}");
    let (ops, faults) = lab.timeline(0).unwrap();
    assert_eq!(ops.iter().filter(|o| o.witness).count(), 3);
    assert_eq!(faults.len(), 4);
    // A malformed EDN line is refused with its line, by the same parser.
    let bad = text.replacen(":type :ok, :f :read, :value 1", ":type :ok, :f :read, :value \"one\"", 1);
    let e = Lab::load(&bad).err().expect("refused");
    assert_eq!(e.line, 8, "{e:?}");
}

/// The playground's own EDN export (what the page's "EDN" button downloads) loads in the lab and
/// gets the native checker's verdict: the minority-partition scenario is linearizable, and with
/// `unsafe_local_reads` (a stale leader answers reads alone) it is not. Our registers start nil,
/// so the export is read with `initial: None` (the lab's default is Knossos's 0).
#[test]
// Runs a Raft scenario: only in builds that carry Raft.
#[cfg(feature = "raft")]
fn our_own_edn_export_gets_the_native_verdict_in_the_lab() {
    use cap_playground::check::formats::export::to_jepsen_edn;
    use cap_playground::check::formats::ParseOptions;
    use cap_playground::check::linearizability::check_history;
    use cap_playground::registry::any::AnySim;
    for broken in [false, true] {
        let path = format!("{}/www/scenarios/raft-minority-partition.json", env!("CARGO_MANIFEST_DIR"));
        let mut sc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        sc["config"]["unsafe_local_reads"] = broken.into();
        let mut sim = AnySim::from_json(&sc.to_string()).unwrap();
        sim.run_until(sc["until"].as_u64().unwrap_or(10_000));
        let history = sim.history();
        let native = check_history(&history, 20_000_000).is_linearizable();
        assert_eq!(native, !broken);
        let opts = ParseOptions { initial: None, ..ParseOptions::default() };
        let mut lab = Lab::load_with(&to_jepsen_edn(&history), &opts).unwrap_or_else(|e| panic!("{e:?}"));
        check(&mut lab, 1 << 16);
        let want = if native { "linearizable" } else { "not_linearizable" };
        assert_eq!(lab.result().unwrap().verdict, want, "unsafe_local_reads={broken}");
    }
}
