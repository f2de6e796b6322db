//! The one place that lists the protocols: one line each, with the cargo feature (= wasm bundle)
//! that carries it, the front end's view module and its display name. Everything that needs the
//! list is generated from this table:
//!
//! * [`any::AnySim`], the handle that runs a scenario of any protocol, and its dispatch;
//! * [`PROTOCOLS`], the names a scenario, the CLI and a share link accept in this build;
//! * [`ALL`], the whole table (the bundle map `scripts/build.mjs` reads, and the manifest
//!   `www/protocols.js` the element reads, both written by `cap manifest`);
//! * [`profile`], what the layers above need of a protocol by name: its client-operation
//!   vocabulary (share links, checks, labels), default workload and sweep profile;
//! * [`unsafe_switches`], every protocol's seeded bugs (`--unsafe`), each declared by its protocol;
//! * [`with_protocol`], generic work on a protocol's type chosen by name (the explorer's
//!   sessions), so a layer above needs no list of protocols of its own.
//!
//! Adding a protocol is its folder under `protocol/`, one line below, and its scenarios.
//! Cargo features appear here and in `Cargo.toml` only.

use crate::check::consistency::Consistency;
pub use crate::core::ops::OwnOp;
use crate::core::ops::{ClientOperation, LinkRead, LinkWrite};
#[allow(unused_imports)] // a build with one protocol uses some of these only
use crate::protocol::{dynamo, paxos, raft, threepc, twopc, zab};
use crate::protocol::{Invariants, Protocol, UnsafeSwitch};
use crate::sim::sweep::SweepProfile;
use crate::sim::Sim;
use std::hash::Hash;

/// One protocol of the table.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Entry {
    /// Its name in scenarios, attributes and links (`Protocol::NAME`).
    pub name: &'static str,
    /// The cargo feature and wasm bundle (`www/pkg/<bundle>/`) that carry it.
    pub bundle: &'static str,
    /// The name of the front end's view module that draws it (one per protocol family).
    pub view: &'static str,
    /// Its display name.
    pub label: &'static str,
    /// Does it promise linearizable reads and writes (`Protocol::LINEARIZABLE`)?
    pub linearizable: bool,
}

/// What the layers above the simulator need of a protocol, by name: its client-operation
/// vocabulary (`core::ops`: share links, checks, labels), its default workload and its sweep
/// profile.
#[derive(Clone, Copy)]
pub struct Profile {
    /// The protocol.
    pub protocol: &'static str,
    /// The operation names it accepts.
    pub names: &'static [&'static str],
    /// Its own operation, if any (2PC's transfer).
    pub own: Option<OwnOp>,
    /// Its share-link operation codes, for messages.
    pub link_codes: &'static str,
    /// Every operation is a register operation.
    pub register_only: bool,
    /// Parse an operation (JSON op shape) and write it into a share link.
    pub write_link: fn(&str, &mut dyn LinkWrite) -> Result<(), String>,
    /// Read one from a share link given its code, as JSON op shape (`None`: unknown code).
    pub read_link: fn(u64, &mut dyn LinkRead) -> Result<Option<String>, String>,
    /// Parse an operation: its label, and whether it is the vocabulary's own operation.
    pub parse: fn(&str) -> Result<(String, bool), String>,
    /// The protocol's default workload for the playground, as scenario JSON (`None`: the
    /// register workload).
    pub playground_workload: Option<&'static str>,
    /// What it brings to a randomised sweep.
    pub sweep: SweepProfile,
}

fn write_link<O: ClientOperation>(text: &str, w: &mut dyn LinkWrite) -> Result<(), String> {
    O::from_json(text)?.write_link(w);
    Ok(())
}

fn read_link<O: ClientOperation>(code: u64, r: &mut dyn LinkRead) -> Result<Option<String>, String> {
    Ok(O::read_link(code, r)?.map(|op| crate::core::ops::to_json(&op)))
}

fn parse<O: ClientOperation>(text: &str) -> Result<(String, bool), String> {
    O::from_json(text).map(|op| (op.label(), op.as_register().is_none()))
}

fn profile_of<P: Protocol>() -> Profile {
    Profile {
        protocol: P::NAME,
        names: <P::Op as ClientOperation>::NAMES,
        own: <P::Op as ClientOperation>::OWN,
        link_codes: <P::Op as ClientOperation>::LINK_CODES,
        register_only: <P::Op as ClientOperation>::REGISTER_ONLY,
        write_link: write_link::<P::Op>,
        read_link: read_link::<P::Op>,
        parse: parse::<P::Op>,
        playground_workload: P::PLAYGROUND_WORKLOAD,
        sweep: SweepProfile { config: P::sweep_config, workload: P::SWEEP_WORKLOAD },
    }
}

/// A seeded bug and the protocols that have it (Paxos and Multi-Paxos share theirs).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Switch {
    /// The switch, as its protocol declares it.
    pub switch: &'static UnsafeSwitch,
    /// The protocols that have it, in the table's order.
    pub protocols: Vec<&'static str>,
}

impl std::ops::Deref for Switch {
    type Target = UnsafeSwitch;
    fn deref(&self) -> &UnsafeSwitch {
        self.switch
    }
}

/// Generic work on one protocol's type, chosen by name at run time ([`with_protocol`]): the
/// explorer opens its sessions this way. The bounds are what exhaustive exploration needs of a
/// protocol (its state hashed whole, durable state and checker memory included, and its config
/// written back as JSON); every protocol of the table meets them.
pub trait WithProtocol {
    /// The work's result.
    type Out;
    /// Do the work with protocol `P`.
    fn with<P>(self) -> Self::Out
    where
        P: Protocol + Invariants + Hash + 'static,
        P::Durable: Hash,
        P::Checker: Hash,
        P::Config: serde::Serialize;
}

/// The table. One line per protocol:
/// `Variant: type, "cargo feature = bundle", "view module", "display name";`
macro_rules! registry {
    ($($variant:ident: $ty:ty, $bundle:literal, $view:literal, $label:literal;)*) => {
        registry!(@emit ($) $($variant: $ty, $bundle, $view, $label;)*);
    };
    (@emit ($d:tt) $($variant:ident: $ty:ty, $bundle:literal, $view:literal, $label:literal;)*) => {
        #[cfg(not(any($(feature = $bundle),*)))]
        compile_error!(concat!("enable at least one protocol feature:" $(, " ", $bundle)*));

        /// A running simulation of some protocol, read by the consistency column (`Clone`: a
        /// time-travel checkpoint).
        #[derive(Clone)]
        pub enum AnySim {
            $(
                #[doc = concat!($label, ".")]
                #[cfg(feature = $bundle)]
                $variant(Box<Sim<$ty, Consistency>>),
            )*
        }

        /// Run `$body` with `$s` bound to the typed simulation inside an [`AnySim`].
        macro_rules! each {
            ($d sim:expr, $d s:ident => $d body:expr) => {
                match $d sim {
                    $(
                        #[cfg(feature = $bundle)]
                        AnySim::$variant($d s) => $d body,
                    )*
                }
            };
        }

        /// The protocols this build runs, in the table's order.
        pub const PROTOCOLS: &[&str] = &[$(
            #[cfg(feature = $bundle)]
            <$ty as Protocol>::NAME,
        )*];

        /// The whole table, whatever this build carries (every protocol module compiles in
        /// every build; a feature only adds it to the dispatch): the bundle map and the manifest
        /// are the same from any build.
        pub const ALL: &[Entry] = &[$(
            Entry {
                name: <$ty as Protocol>::NAME,
                bundle: $bundle,
                view: $view,
                label: $label,
                linearizable: <$ty as Protocol>::LINEARIZABLE,
            },
        )*];

        /// The profile of protocol `name`, if this build has it.
        pub fn profile(name: &str) -> Option<Profile> {
            $(
                #[cfg(feature = $bundle)]
                if name == <$ty as Protocol>::NAME {
                    return Some(profile_of::<$ty>());
                }
            )*
            None
        }

        /// Every protocol's seeded bugs, each once, in the table's order (whatever this build
        /// carries, like [`ALL`]; a caller checks the protocol is in [`PROTOCOLS`]).
        pub fn unsafe_switches() -> Vec<Switch> {
            let mut out: Vec<Switch> = Vec::new();
            $(
                for switch in <$ty as Protocol>::UNSAFE_SWITCHES {
                    let name = <$ty as Protocol>::NAME;
                    match out.iter_mut().find(|o| o.name == switch.name) {
                        Some(o) => o.protocols.push(name),
                        None => out.push(Switch { switch, protocols: vec![name] }),
                    }
                }
            )*
            out
        }

        /// Run `work` with the type of protocol `name` (`None`: this build has no such protocol).
        pub fn with_protocol<W: WithProtocol>(name: &str, work: W) -> Option<W::Out> {
            $(
                #[cfg(feature = $bundle)]
                if name == <$ty as Protocol>::NAME {
                    return Some(work.with::<$ty>());
                }
            )*
            let _ = work;
            None
        }

        /// Build the simulation of a validated scenario of protocol `name` (`None`: this build
        /// has no such protocol).
        fn start(name: &str, scenario: crate::sim::scenario::Scenario) -> Option<Result<AnySim, String>> {
            $(
                #[cfg(feature = $bundle)]
                if name == <$ty as Protocol>::NAME {
                    return Some(
                        Sim::<$ty, Consistency>::from_scenario(scenario, Consistency::default())
                            .map(|s| AnySim::$variant(Box::new(s))),
                    );
                }
            )*
            let _ = scenario;
            None
        }
    };
}

registry! {
    Raft:       raft::Raft,        "raft",   "raft",   "Raft";
    Paxos:      paxos::Paxos,      "paxos",  "paxos",  "Paxos";
    MultiPaxos: paxos::MultiPaxos, "paxos",  "paxos",  "Multi-Paxos";
    Dynamo:     dynamo::Dynamo,    "dynamo", "dynamo", "Dynamo";
    Zab:        zab::Zab,          "zab",    "zab",    "ZAB (ZooKeeper)";
    TwoPc:      twopc::TwoPc,      "twopc",  "twopc",  "Two-phase commit";
    ThreePc:    threepc::ThreePc,  "threepc", "threepc", "Three-phase commit";
}

// After the table: the generated `each!` is in scope for these (macros scope textually).
pub mod any;
pub mod run;

/// The bundles, each once, in the table's order.
pub fn bundles() -> Vec<&'static str> {
    let mut out: Vec<&'static str> = Vec::new();
    for e in ALL {
        if !out.contains(&e.bundle) {
            out.push(e.bundle);
        }
    }
    out
}

/// A run's history, given as JSON (`historyJson()`: `Operation::to_json` of each operation), in
/// an outside checker's format, read as protocol `protocol`'s operations: the exporters' own
/// bundle (`pkg/export/`, `wasm/export.rs`), so that no playground page carries them. The error says what was
/// wrong (an unknown protocol, text that is not such a history).
pub fn export_history(
    protocol: &str,
    history_json: &str,
    format: crate::check::formats::export::Format,
) -> Result<String, String> {
    struct Export<'a>(&'a str, crate::check::formats::export::Format);
    impl WithProtocol for Export<'_> {
        type Out = Result<String, String>;
        fn with<P>(self) -> Self::Out
        where
            P: Protocol + Invariants + Hash + 'static,
            P::Durable: Hash,
            P::Checker: Hash,
            P::Config: serde::Serialize,
        {
            crate::check::formats::export::from_history_json::<P::Op>(self.0, self.1)
        }
    }
    with_protocol(protocol, Export(history_json, format))
        .unwrap_or_else(|| Err(format!("unknown protocol \"{protocol}\": {}", accepted())))
}

/// "accepted protocols are raft, paxos, …" for messages.
pub fn accepted() -> String {
    format!("accepted protocols are {}", PROTOCOLS.join(", "))
}

/// Where the manifest lives in the repository.
pub const MANIFEST_PATH: &str = "www/protocols.js";

/// The ES module the element reads (`www/protocols.js`), generated from the table: `PROTOCOLS`
/// is an array of `{ name, bundle, view, label, linearizable }` in the table's order.
pub fn manifest() -> String {
    let mut s = String::from(
        "// GENERATED by `cap manifest --write` from the protocol table in src/registry/mod.rs (the one list of\n\
         // protocols, which also gives the simulator's dispatch and the cargo features): do not edit by hand.\n\
         // `cap manifest --check` and the native test registry::tests::manifest_is_committed fail when it differs.\n\
         //   name          the `protocol` attribute / scenario value\n\
         //   bundle        the wasm bundle carrying it (www/pkg/<bundle>/; one cargo feature per bundle)\n\
         //   view          its drawing module, www/protocols/<view>.js, loaded with the bundle (the view\n\
         //                 interface is documented in www/protocols/README.md)\n\
         //   label         its name for readers\n\
         //   linearizable  whether it promises linearizable client operations (Protocol::LINEARIZABLE)\n\
         // A leaf module: it imports nothing (node's test runner and build.mjs import it too).\n\
         \n\
         /** Every protocol, in the order pickers list them. */\n\
         export const PROTOCOLS = [\n",
    );
    for e in ALL {
        s.push_str(&format!(
            "  {{ name: '{}', bundle: '{}', view: '{}', label: '{}', linearizable: {} }},\n",
            e.name, e.bundle, e.view, e.label, e.linearizable
        ));
    }
    s.push_str("];\n");
    s
}

#[cfg(test)]
mod tests {
    /// Issue 15 deliverable 3: the list of protocols is written once. The committed
    /// `www/protocols.js` (read by the element and scripts/build.mjs) is exactly what the table
    /// generates, in every build (`ALL` is the whole table whatever the features).
    #[test]
    fn manifest_is_committed() {
        let path = concat!(env!("CARGO_MANIFEST_DIR"), "/www/protocols.js");
        let committed = std::fs::read_to_string(path).expect("www/protocols.js is readable");
        assert!(
            committed == super::manifest(),
            "www/protocols.js differs from the registry: run `cargo run --bin cap -- manifest --write`"
        );
    }

    /// Every bundle of the table is a cargo feature of its own, listed once.
    #[test]
    fn bundles_are_listed_once_in_table_order() {
        let b = super::bundles();
        let mut sorted = b.clone();
        sorted.sort();
        sorted.dedup();
        assert_eq!(sorted.len(), b.len());
        assert_eq!(b.first(), Some(&super::ALL[0].bundle));
    }
}
