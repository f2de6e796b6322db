// The protocols the front end knows, written once: the element, the tutorial / compare elements,
// the pages, scripts/build.mjs and the tests read them from here.
//
// Written by hand for now; it will be GENERATED from the Rust registry (src/registry.rs), the one
// table that also gives the simulator's dispatch and the cargo features, so keep this shape:
//   name          the `protocol` attribute / scenario value
//   bundle        the wasm bundle carrying it (www/pkg/<bundle>/; one cargo feature per bundle)
//   view          its drawing module, www/protocols/<view>.js, loaded with the bundle (the view
//                 interface is documented in www/protocols/README.md)
//   label         its name for readers
//   linearizable  whether it promises linearizable client operations (Sim::promises_linearizability)
// A leaf module: it imports nothing (node's test runner and build.mjs import it too).

/** Every protocol, in the order pickers list them. */
export const PROTOCOLS = [
  { name: 'raft', bundle: 'raft', view: 'raft', label: 'Raft', linearizable: true },
  { name: 'paxos', bundle: 'paxos', view: 'paxos', label: 'Paxos', linearizable: true },
  { name: 'multipaxos', bundle: 'paxos', view: 'paxos', label: 'Multi-Paxos', linearizable: true },
  { name: 'dynamo', bundle: 'dynamo', view: 'dynamo', label: 'Dynamo', linearizable: false },
  { name: 'zab', bundle: 'zab', view: 'zab', label: 'ZAB (ZooKeeper)', linearizable: false },
  { name: '2pc', bundle: 'twopc', view: 'twopc', label: 'Two-phase commit', linearizable: false },
];
