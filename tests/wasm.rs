//! The wasm facade, run by wasm-bindgen-test-runner (`cargo test --target wasm32-unknown-unknown
//! --test wasm`): the same simulator in wasm, driven through the JS-facing `Playground` handle.
//! Natively this file is empty; `tests/browser/determinism.test.mjs` compares wasm and native
//! trace hashes scenario by scenario.
#![cfg(target_arch = "wasm32")]

use cap_playground::wasm::Playground;
use wasm_bindgen_test::wasm_bindgen_test as test;

const BASIC: &str = include_str!("../www/scenarios/raft-basic.json");
const MINORITY: &str = include_str!("../www/scenarios/raft-minority-partition.json");

fn frame(p: &Playground) -> serde_json::Value {
    serde_json::from_str(&p.frame_json()).expect("frameJson is JSON")
}

#[test]
fn a_leader_is_elected_in_wasm() {
    let mut p = Playground::new(BASIC).unwrap();
    p.advance(2_000.0).unwrap();
    let f = frame(&p);
    let leaders = f["nodes"].as_array().unwrap().iter().filter(|n| n["role"] == "leader").count();
    assert_eq!(leaders, 1);
    assert_eq!(f["violations"].as_array().unwrap().len(), 0);
}

#[test]
fn the_same_scenario_gives_the_same_trace_in_wasm() {
    let run = || {
        let mut p = Playground::new(MINORITY).unwrap();
        p.advance(10_000.0).unwrap();
        p.trace_hash()
    };
    assert_eq!(run(), run());
}

#[test]
fn reader_actions_and_their_errors() {
    let mut p = Playground::with_defaults("raft", 5, 3.0).unwrap();
    p.advance(1_500.0).unwrap();
    p.set_partition(r#"[["n0","n1","c0"],["n2","n3","n4","c1"]]"#).unwrap();
    let f = frame(&p);
    assert_eq!(f["groups"].as_array().unwrap().len(), 2);
    p.heal().unwrap();
    p.crash(1).unwrap();
    p.restart(1).unwrap();
    p.submit(0, r#"{"f":"write","key":"x","value":4}"#).unwrap();
    p.apply(r#"{"action":"cut","from":"n0","to":"n1"}"#).unwrap();
    assert!(p.crash(9).is_err(), "node out of range");
    assert!(p.set_partition(r#"[["n0","zz"]]"#).is_err());
    assert!(p.submit(0, r#"{"f":"delete","key":"x"}"#).is_err());
    assert!(p.apply(r#"{"action":"explode"}"#).is_err());
    assert!(Playground::with_defaults("nope", 3, 1.0).is_err());
    assert!(Playground::with_defaults("raft", 3, -1.0).is_err());
    assert!(Playground::new("{not json").is_err());
}

/// Issue 18: the wasm facade refuses what `cap run` refuses at load, with the same message (a
/// duplicate probability out of range, a `configure` step the protocol refuses).
#[test]
fn out_of_range_scenarios_are_refused_with_the_native_message() {
    let message =
        |e: wasm_bindgen::JsError| -> String { js_sys::Error::from(wasm_bindgen::JsValue::from(e)).message().into() };
    let duplicate = BASIC.replace("\"until\": 10000", "\"network\": {\"duplicate\": 1.0}, \"until\": 10000");
    let configure = BASIC.replace(
        "\"until\": 10000",
        "\"steps\": [{\"at\": 2000, \"action\": \"configure\", \"config\": {\"heartbeat_ms\": 40}}], \"until\": 10000",
    );
    for text in [duplicate, configure] {
        let native = cap_playground::registry::any::AnySim::from_json(&text).err().expect("refused natively");
        let wasm = message(Playground::new(&text).err().expect("refused in wasm"));
        assert_eq!(wasm, native);
    }
}
