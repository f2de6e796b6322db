//! History formats (issue 17 items 3 and 4): strict input handling with errors that name the
//! line and what is accepted, and Jepsen/Knossos EDN histories of `register` and `cas-register`
//! with Knossos's semantics (initial value 0 by default, `:fail` did not happen, `:ok :read nil`
//! observed nothing), including a round trip through our own EDN export.

use cap_playground::check::formats::edn::read_all;
use cap_playground::check::formats::{parse_history, parse_jepsen, ExternalHistory, ParseOptions, RegisterKind};
use cap_playground::check::linearizability::Verdict;

fn opts() -> ParseOptions {
    ParseOptions::default()
}

fn verdict(text: &str, o: &ParseOptions) -> Option<bool> {
    parse_history(text, o).unwrap_or_else(|e| panic!("{e}\n{text}")).verdict(1_000_000)
}

#[test]
fn a_process_invoking_after_info_or_while_open_is_an_error_naming_the_line() {
    let after_info = "INFO  jepsen.util - 0\t:invoke\t:write\t3\nINFO  jepsen.util - 0\t:info\t:write\t:timed-out\nINFO  jepsen.util - 0\t:invoke\t:read\tnil\nINFO  jepsen.util - 0\t:ok\t:read\t3\n";
    let e = parse_history(after_info, &opts()).unwrap_err();
    assert_eq!(e.line, 3, "{e}");
    assert!(
        e.message.contains("after its operation ended :info at line 2") && e.message.contains("--new-process-on-reuse"),
        "{e}"
    );
    // Accepted as a new process on request: the timed-out write may have taken effect.
    let lenient = ParseOptions { new_process_on_reuse: true, ..opts() };
    assert_eq!(verdict(after_info, &lenient), Some(true));

    let while_open = "{:process 0, :type :invoke, :f :write, :value 1}\n{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 1}\n";
    let e = parse_history(while_open, &opts()).unwrap_err();
    assert_eq!(e.line, 2, "{e}");
    assert!(e.message.contains("while its :write from line 1 is still open"), "{e}");
    assert_eq!(verdict(while_open, &lenient), Some(true), "the open write stays open (unknown outcome)");
}

#[test]
fn unknown_functions_types_and_values_name_the_line_and_what_is_accepted() {
    let e = parse_jepsen("INFO  jepsen.util - 0\t:invoke\t:write\t3\nINFO  jepsen.util - 1\t:invoke\t:frob\t1\n")
        .unwrap_err();
    assert_eq!(e.line, 2);
    assert!(e.message.contains(":frob") && e.message.contains("accepted :read, :write and :cas"), "{e}");
    let e = parse_jepsen("INFO  jepsen.util - 0\t:invoke\t:write\tthree\n").unwrap_err();
    assert!(e.line == 1 && e.message.contains("`three` is not an integer"), "{e}");
    let e = parse_jepsen("INFO  jepsen.util - 0\t:launch\t:write\t3\n").unwrap_err();
    assert!(e.message.contains("accepted :invoke, :ok, :fail and :info"), "{e}");
    let edn = "[{:process 0, :type :invoke, :f :write, :value 1}\n {:process 0, :type :ok, :f :write, :value 1}\n {:process 1, :type :invoke, :f :cas, :value [1 2]}]";
    let reg = ParseOptions { model: Some(RegisterKind::Register), ..opts() };
    let e = parse_history(edn, &reg).unwrap_err();
    assert_eq!(e.line, 3);
    assert!(e.message.contains("unknown function :cas") && e.message.contains("--model cas-register"), "{e}");
    let e = parse_history("{:process 0, :type :invoke, :f :write, :value \"x\"}", &opts()).unwrap_err();
    assert!(e.message.contains("accepted an integer"), "{e}");
    let e = parse_history("{:process 0, :type :invoke, :f :put, :key \"k\", :value 3}", &opts()).unwrap_err();
    assert!(e.message.contains("accepted a string or nil"), "{e}");
    let e = parse_history("hello\n", &opts()).unwrap_err();
    assert_eq!(e.line, 1);
}

#[test]
fn the_edn_reader_bounds_nesting_and_says_where_a_form_is_broken() {
    let e = read_all(&"[".repeat(10_000)).unwrap_err();
    assert!(e.message.contains("nested deeper than 64"), "{e}");
    let e = read_all("{:a 1}\n{:b \"unterminated}\n").unwrap_err();
    assert!(e.line == 2 && e.message.contains("never closed"), "{e}");
    let e = read_all("{:a 1 :b}").unwrap_err();
    assert!(e.message.contains("even number"), "{e}");
    let e = read_all("[1 2}").unwrap_err();
    assert!(e.message.contains("closes the `[`"), "{e}");
    let nodes =
        read_all("; a comment\n[{:process :nemesis, :time 1.5, :value #inst \"2020\"} #_ ignored #{1 2}]").unwrap();
    assert_eq!(nodes.len(), 1);
    assert_eq!(nodes[0].line, 2);
}

#[test]
fn knossos_register_semantics() {
    // Initial value 0 (Knossos's (cas-register 0)): a read of 0 before any write is fine.
    let h = "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 0}\n";
    assert_eq!(verdict(h, &opts()), Some(true));
    assert_eq!(
        verdict(h, &ParseOptions { initial: None, ..opts() }),
        Some(false),
        "with --initial nil, 0 was never written"
    );
    // A nemesis line is skipped; :fail did not happen; :ok :read nil observed nothing.
    let h = "[{:process :nemesis, :type :info, :f :start, :value nil}
 {:process 0, :type :invoke, :f :write, :value 5}
 {:process 0, :type :fail, :f :write, :value 5}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value nil}
 {:process 1, :type :invoke, :f :read, :value nil}
 {:process 1, :type :ok, :f :read, :value 5}]";
    let parsed = parse_history(h, &opts()).unwrap();
    let ExternalHistory::Knossos { ops, kind, .. } = &parsed else { panic!("{parsed:?}") };
    assert_eq!(*kind, RegisterKind::CasRegister);
    assert_eq!(ops.len(), 1, "the failed write and the nil read are gone: {ops:?}");
    assert_eq!(parsed.verdict(1_000_000), Some(false), "5 was never written (the write failed)");
    // A failed cas did not happen either (unlike Jepsen's etcd logs, where it is an observation).
    let h = "{:process 0, :type :invoke, :f :cas, :value [0 1]}\n{:process 0, :type :fail, :f :cas, :value [0 1]}\n{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 0}\n";
    assert_eq!(verdict(h, &opts()), Some(true));
    // :info: may have happened.
    let h = "{:process 0, :type :invoke, :f :cas, :value [0 7]}\n{:process 0, :type :info, :f :cas, :value [0 7]}\n{:process 1, :type :invoke, :f :read, :value nil}\n{:process 1, :type :ok, :f :read, :value 7}\n";
    assert_eq!(verdict(h, &opts()), Some(true));
    // Independent keys: a stale read on one key, found with a witness on that key.
    let h = r#"{:process 0, :type :invoke, :f :write, :value ["a" 1]}
{:process 0, :type :ok, :f :write, :value ["a" 1]}
{:process 0, :type :invoke, :f :write, :value ["b" 1]}
{:process 0, :type :ok, :f :write, :value ["b" 1]}
{:process 0, :type :invoke, :f :write, :value ["b" 2]}
{:process 0, :type :ok, :f :write, :value ["b" 2]}
{:process 1, :type :invoke, :f :read, :value ["b" nil]}
{:process 1, :type :ok, :f :read, :value ["b" 1]}
"#;
    let r = parse_history(h, &opts()).unwrap().check(1_000_000);
    let Verdict::NotLinearizable { witness } = r.verdict else { panic!("{:?}", r.verdict) };
    assert_eq!(witness.key, "b");
    assert_eq!(witness.ops, vec![3, 5, 7]);
    assert!(witness.verified && witness.minimal, "{witness:?}");
    // Mixing plain values and tuples is an error naming the line.
    let mixed = format!("{h}{{:process 2, :type :invoke, :f :write, :value 4}}\n");
    let e = parse_history(&mixed, &opts()).unwrap_err();
    assert_eq!(e.line, 9, "{e}");
}

#[test]
// Runs a Raft scenario: only in builds that carry Raft.
#[cfg(feature = "raft")]
fn our_edn_export_reads_back_with_the_same_verdict() {
    use cap_playground::check::formats::export::to_jepsen_edn;
    use cap_playground::check::linearizability::check_history;
    use cap_playground::registry::any::AnySim;
    for (file, broken) in [("raft-minority-partition.json", false), ("raft-minority-partition.json", true)] {
        let path = format!("{}/www/scenarios/{file}", env!("CARGO_MANIFEST_DIR"));
        let mut sc: serde_json::Value = serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap();
        sc["config"]["unsafe_local_reads"] = broken.into();
        let mut sim = AnySim::from_json(&sc.to_string()).unwrap();
        sim.run_until(sc["until"].as_u64().unwrap_or(10_000));
        let history = sim.history();
        let ours = check_history(&history, 20_000_000).is_linearizable();
        let edn = to_jepsen_edn(&history);
        // Our registers start nil; Jepsen gives a crashed process a new id, as the export does.
        let back = parse_history(&edn, &ParseOptions { initial: None, ..opts() }).unwrap_or_else(|e| panic!("{e}"));
        assert!(matches!(back, ExternalHistory::Knossos { .. }));
        assert_eq!(
            back.verdict(20_000_000),
            Some(ours),
            "{file} unsafe_local_reads={broken}: EDN and native verdicts differ"
        );
        assert_eq!(ours, !broken, "{file}: the scenario should {}be linearizable", if broken { "not " } else { "" });
    }
}

/// The exporters' bundle (`pkg/export/`) exports a playground run from its history JSON (`historyJson()`), not from
/// the running simulation: for every protocol of the build and a sweep of random runs (2PC's
/// transfers and aborts, Dynamo's stale reads, Raft's unknown outcomes), the text is exactly what
/// the run's own exporters (`cap run --porcupine / --edn`) write.
#[test]
fn history_exports_from_json_equal_the_runs_own() {
    use cap_playground::check::formats::export::Format;
    use cap_playground::registry::any::AnySim;
    use cap_playground::registry::run::{random_scenario, SweepOptions};
    use cap_playground::registry::{export_history, PROTOCOLS};
    let mut exported = 0;
    for protocol in PROTOCOLS {
        for seed in 1..=6 {
            let sc = random_scenario(protocol, seed, &SweepOptions::default());
            let mut sim = AnySim::new(sc.clone()).unwrap_or_else(|e| panic!("{protocol} seed {seed}: {e}"));
            sim.run_until(sc.until);
            let json = serde_json::to_string(&sim.history_json()).unwrap();
            let say = |f: &str| {
                format!("{protocol} seed {seed} ({f}); reproduce: `cap sweep --protocol {protocol} --seeds 1 --start {seed}`")
            };
            let porcupine = export_history(protocol, &json, Format::Porcupine)
                .unwrap_or_else(|e| panic!("{}: {e}", say("porcupine")));
            assert_eq!(porcupine, sim.export_porcupine(), "{}", say("porcupine"));
            let edn = export_history(protocol, &json, Format::Edn).unwrap_or_else(|e| panic!("{}: {e}", say("edn")));
            assert_eq!(edn, sim.export_edn(), "{}", say("edn"));
            exported += sim.history_len();
        }
    }
    assert!(exported > 0, "the sweep made no operations to export");
    // Bad input says what was wrong.
    let e = export_history("nope", "[]", Format::Edn).unwrap_err();
    assert!(e.contains("unknown protocol \"nope\"") && e.contains("accepted protocols are"), "{e}");
    let e = export_history(PROTOCOLS[0], "{\"id\": 1}", Format::Porcupine).unwrap_err();
    assert!(e.starts_with("not a history of this protocol's operations"), "{e}");
}

/// The lab's controls and `cap check`'s flags read the same words: a read of 0 before any write
/// is linearizable from Knossos's default initial value 0 and not from nil; `register` refuses
/// `:cas`; a bad word says what is accepted.
#[test]
fn the_lab_options_read_like_cap_check_flags() {
    let h = "{:process 0, :type :invoke, :f :read, :value nil}\n{:process 0, :type :ok, :f :read, :value 0}\n";
    let default = ParseOptions::from_words("", "", false).unwrap();
    assert_eq!(default, ParseOptions::default());
    assert_eq!(verdict(h, &default), Some(true));
    let nil = ParseOptions::from_words("cas-register", "nil", false).unwrap();
    assert_eq!(nil.initial, None);
    assert_eq!(verdict(h, &nil), Some(false));
    let seven = ParseOptions::from_words(" register ", " 7 ", true).unwrap();
    assert_eq!((seven.model, seven.initial, seven.new_process_on_reuse), (Some(RegisterKind::Register), Some(7), true));
    let cas = "{:process 0, :type :invoke, :f :cas, :value [0 1]}\n{:process 0, :type :ok, :f :cas, :value [0 1]}\n";
    let err = parse_history(cas, &seven).unwrap_err();
    assert_eq!(err.line, 1, "{err:?}");
    let e = ParseOptions::from_words("queue", "", false).unwrap_err();
    assert!(e.contains("`queue`") && e.contains("accepted register, cas-register"), "{e}");
    let e = ParseOptions::from_words("", "zero", false).unwrap_err();
    assert!(e.contains("`zero`") && e.contains("an integer") && e.contains("nil"), "{e}");
}
