//! Hostile histories (issue 17): a seeded mutator feeds mutated corpus histories to every parser
//! and the checker — no panic, no check past its step budget, every parse error a value naming a
//! line of the input. A bounded run here (a few seconds); `cap fuzz-check --cases N` runs more.
//! Every finding is kept as a regression file under `tests/data/fuzz/`, run here too.

use cap_playground::check::fuzz::{builtin_corpus, mutate, run_case, FuzzTotals};
use std::path::PathBuf;

fn data() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/data")
}

/// Porcupine's histories (the big c50 pair left out to keep cases fast) and the built-in EDN ones.
pub fn corpus() -> Vec<(String, String)> {
    let mut out = builtin_corpus();
    for sub in ["porcupine/jepsen", "porcupine/kv"] {
        let mut names: Vec<_> =
            std::fs::read_dir(data().join(sub)).expect("corpus").flatten().map(|e| e.path()).collect();
        names.sort();
        for p in names {
            let name = p.file_name().unwrap().to_string_lossy().to_string();
            if name.starts_with("c50") || !(name.ends_with(".log") || name.ends_with(".txt")) {
                continue;
            }
            out.push((name, std::fs::read_to_string(&p).unwrap()));
        }
    }
    out
}

fn run(seed: u64, cases: u64, corpus: &[(String, String)]) -> FuzzTotals {
    let mut totals = FuzzTotals::default();
    for case in 0..cases {
        let input = mutate(seed, case, corpus);
        let outcome = std::panic::catch_unwind(|| run_case(&input)).unwrap_or_else(|_| {
            let path = data().join("fuzz").join(format!("seed{seed}-case{case}.txt"));
            let _ = std::fs::create_dir_all(path.parent().unwrap());
            let _ = std::fs::write(&path, &input);
            panic!("seed {seed} case {case} panicked; input written to {}", path.display())
        });
        assert!(outcome.problem.is_none(), "seed {seed} case {case}: {:?}\ninput:\n{input}", outcome.problem);
        totals.add(&outcome);
    }
    totals
}

#[test]
fn mutated_corpus_histories_never_panic_nor_overrun_the_budget() {
    let corpus = corpus();
    let totals = run(1, 1_500, &corpus);
    println!("fuzz seed 1: {totals}");
    // The mutator must reach both sides: inputs that parse and are checked, and inputs rejected.
    assert!(totals.parsed > 250 && totals.rejected > 250, "{totals}");
    assert!(totals.not_linearizable > 0 && totals.linearizable > 0, "{totals}");
}

#[test]
fn every_regression_file_passes() {
    let dir = data().join("fuzz");
    let mut n = 0;
    for e in std::fs::read_dir(&dir).expect("tests/data/fuzz").flatten() {
        let p = e.path();
        if p.extension().is_some_and(|x| x == "md") {
            continue;
        }
        let input =
            std::fs::read_to_string(&p).unwrap_or_else(|_| String::from_utf8_lossy(&std::fs::read(&p).unwrap()).into());
        let outcome = run_case(&input);
        assert!(outcome.problem.is_none(), "{}: {:?}", p.display(), outcome.problem);
        n += 1;
    }
    assert!(n > 0, "no regression files in {}", dir.display());
}
