//! A Dynamo-style eventually consistent key-value store (DeCandia et al., "Dynamo: Amazon's
//! Highly Available Key-value Store", SOSP 2007): the AP side of the CAP playground.
//!
//! ```text
//!  client ─▶ any node = coordinator (no redirects)
//!              │ read phase (every operation): Get ─▶ the key's N targets, wait for R GetResponses,
//!              │   merge their versions (siblings kept), read-repair stale owners
//!              ├─ read  ──▶ ReadOk(value of the highest-ranked sibling)
//!              ├─ cas   ──▶ value ≠ from: CasFailed; else continue as a write of `to`
//!              └─ write ──▶ new version: clock = merge(versions read) + own tick,
//!                           Put ─▶ N targets, WriteOk after W PutAcks, then WriteAcked to them
//!  every probe (request_timeout_ms / 4): targets that did not answer are suspected (sloppy quorum)
//!     and the request goes to the next healthy nodes on the ring, each carrying a hint
//!     naming the owner it stands in for; a write keeps going after its W acks until N nodes
//!     hold it; at request_timeout_ms the coordinator stops.
//!
//!  replica:  Put ─▶ merge into its store (or into its hints when it is a stand-in) ─▶ PutAck
//!  fallback: every handoff_ms ─ HintedHandoff ─▶ owner ─ HandoffAck ─▶ drop the delivered hints
//!  replica:  every anti_entropy_ms ─ MerkleDigest (hash per shared key range) ─▶ peer replica
//!            ◀─ MerkleDiff (its keys of the ranges that differ) ─ ▶ MerkleDiff (ours, if still different)
//! ```
//!
//! * **Partitioning (§4.2)**: a consistent-hashing ring; every node owns `vnodes` tokens
//!   (virtual nodes), placed by a fixed hash of `(node, vnode)`, so every node computes the same
//!   ring. A key hashes to a ring position; its *range* is the arc ending at the next token.
//! * **Replication (§4.3)**: walking the ring clockwise from the key's position, the first `N`
//!   distinct nodes are the key's *preference list* (its owners; the first is its *home*).
//! * **Versioning (§4.4)**: every write carries a vector clock. The paper's client passes back
//!   the context of its last read; our envelope has no context token, so the coordinator reads
//!   first (R replicas) and the new clock is the merge of every version it read plus one tick of
//!   its own counter: a write supersedes every sibling the coordinator saw. Concurrent versions
//!   (neither clock dominates) are kept side by side as *siblings*. A read returns the sibling
//!   with the highest `(timestamp, coordinator, counter)`; the view shows the sibling count.
//!   The coordinator's counter is durable and never reused, so no two versions share a clock.
//! * **Last-writer-wins** (`last_writer_wins`, §6.1's alternative to vector clocks): each key
//!   holds one version, the one with the highest timestamp. The timestamp is the simulated time
//!   of the write (Lamport-adjusted: at least one more than any version read), ties broken by
//!   coordinator and counter. Clocks are still carried, only to tell *what was lost*: a version
//!   dropped by LWW although its clock is not covered by the winner's was concurrent with the
//!   winner — an overwrite that never saw it. See [`Lost`] for how each one is counted once.
//! * **Sloppy quorum (§4.5)**: with `sloppy_quorum`, the targets are the first `N` nodes on the
//!   ring walk that the coordinator does not suspect. A node learns reachability only from
//!   silence: a target that has not answered by the next probe is suspected for
//!   [`SUSPECT_MS`] (cleared by any message from it). Without it (strict quorum), the targets
//!   are always the `N` owners: with `R + W > N` the side of a partition without enough owners
//!   refuses.
//! * **Hinted handoff (§4.6)**: a stand-in keeps the version apart, under the owner's name, and
//!   hands it over once the owner answers; it deletes the hint only after the owner acknowledged
//!   the exact state it was sent. Without `hinted_handoff` the hint stays with the stand-in.
//! * **Anti-entropy (§4.7)**: the paper keeps a Merkle tree per key range. Here a range holds a
//!   handful of keys, so the tree is one level: a hash per shared range (the roots) is sent,
//!   and the ranges whose roots differ are exchanged key by key, both ways.
//! * **Read repair (§5)**: after a read phase, owners that answered with less than the merged
//!   state are sent it.
//! * **Compare-and-set** is a read followed by a conditional write at the coordinator. It is not
//!   atomic: two coordinators may both see `from` and both write. That is the AP trade-off, and
//!   the linearizability checker reports it; no consensus is attempted.
//! * A **write** whose coordinator gives up with fewer than `W` acks is *not* refused: some
//!   replicas may already hold it, so the client is left to time out (outcome unknown). A read
//!   phase that cannot gather `R` answers is refused (`Unavailable`): nothing was written.
//! * **Durable**: the store, the hints, the counter and the lost writes already reported.
//!   Volatile: requests in flight, suspicions, handoff and anti-entropy progress.

pub mod config;
pub mod invariants;

use super::{
    ClientId, ClientOp, ClientResult, Detail, LogEntryView, MsgInfo, NodeId, NodeView, NoticeKind, Outbox, Protocol,
    RequestId, Time, Value,
};
use crate::core::vecmap::VecMap;
use serde::ser::{SerializeMap, Serializer};
use serde::{Deserialize, Serialize};
use std::hash::{Hash, Hasher};

/// How long a target that did not answer stays suspected (ms).
pub const SUSPECT_MS: Time = 1_000;
/// Acknowledged writes a coordinator remembers for the invariant checker.
const ACKED_WINDOW: usize = 32;
/// Recent writes shown in the view's log.
const RECENT: usize = 8;

/// Dynamo settings, as written under `"config"` in a scenario file.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize, Hash)]
#[serde(deny_unknown_fields, default)]
pub struct DynamoConfig {
    /// Replicas per key (§4.3); at most the number of nodes (larger values are clamped).
    pub n: u32,
    /// Read quorum: answers a read waits for (§4.5).
    pub r: u32,
    /// Write quorum: acknowledgements a write waits for (§4.5).
    pub w: u32,
    /// Tokens (virtual nodes) per node on the ring (§4.2).
    pub vnodes: u32,
    /// Sloppy quorum (§4.5): use the first N healthy nodes, not only the N owners.
    pub sloppy_quorum: bool,
    /// Hinted handoff (§4.6): stand-ins hand their hints back to the owner. Needs `sloppy_quorum`.
    pub hinted_handoff: bool,
    /// Last-writer-wins by timestamp instead of vector clocks with siblings.
    pub last_writer_wins: bool,
    /// Read repair (§5): bring stale owners up to date after a read.
    pub read_repair: bool,
    /// Anti-entropy period in ms (§4.7); 0 turns it off.
    pub anti_entropy_ms: Time,
    /// How often a stand-in tries to hand its hints back (ms).
    pub handoff_ms: Time,
    /// How long a coordinator pursues a request before giving up (ms).
    pub request_timeout_ms: Time,
}

impl Default for DynamoConfig {
    fn default() -> Self {
        DynamoConfig {
            n: 3,
            r: 2,
            w: 2,
            vnodes: 4,
            sloppy_quorum: true,
            hinted_handoff: true,
            last_writer_wins: false,
            read_repair: true,
            anti_entropy_ms: 500,
            handoff_ms: 250,
            request_timeout_ms: 500,
        }
    }
}

impl DynamoConfig {
    /// Check ranges; the error says what is accepted.
    pub fn validate(&self) -> Result<(), String> {
        if !(1..=9).contains(&self.n) {
            return Err(format!("config.n = {}: accepted 1..=9", self.n));
        }
        if self.r == 0 || self.r > self.n || self.w == 0 || self.w > self.n {
            return Err(format!(
                "config.r = {} and config.w = {} must each be in 1..=n (n = {})",
                self.r, self.w, self.n
            ));
        }
        if !(1..=64).contains(&self.vnodes) {
            return Err(format!("config.vnodes = {}: accepted 1..=64", self.vnodes));
        }
        if self.hinted_handoff && !self.sloppy_quorum {
            return Err("config.hinted_handoff needs config.sloppy_quorum (a strict quorum writes no hints)".into());
        }
        if self.request_timeout_ms < 4 || self.handoff_ms == 0 {
            return Err("config.request_timeout_ms must be at least 4 and config.handoff_ms at least 1".into());
        }
        Ok(())
    }

    /// The settings a cluster of `nodes` actually runs with: N at most the cluster, R and W at
    /// most N.
    pub fn effective(&self, nodes: u32) -> DynamoConfig {
        let n = self.n.clamp(1, nodes.max(1));
        DynamoConfig { n, r: self.r.clamp(1, n), w: self.w.clamp(1, n), vnodes: self.vnodes.max(1), ..self.clone() }
    }
}

pub use crate::core::fnv::Fnv;

/// Peers sharing at least one key range with `id`, in anti-entropy order.
fn anti_entropy_peers(id: NodeId, n: u32, ring: &Ring) -> Vec<NodeId> {
    (1..n)
        .map(|k| (id + k) % n)
        .filter(|p| (0..ring.ranges()).any(|r| ring.owners(r).contains(&id) && ring.owners(r).contains(p)))
        .collect()
}

/// splitmix64's finaliser: spreads FNV's output over the ring.
fn mix(mut z: u64) -> u64 {
    z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    z ^ (z >> 31)
}

fn ring_hash(bytes: &[u8]) -> u32 {
    let mut h = Fnv::default();
    h.write(bytes);
    (mix(h.finish()) >> 32) as u32
}

/// Ring position of a key.
pub fn key_position(key: &str) -> u32 {
    ring_hash(key.as_bytes())
}

/// The consistent-hashing ring (§4.2): tokens in ring order and, for every range, the walk of
/// distinct nodes from it (§4.3).
#[derive(Clone, Debug, Hash)]
pub struct Ring {
    /// `(token, node)` sorted by token.
    tokens: Vec<(u32, NodeId)>,
    /// Per range (index of the token that ends it): distinct nodes walking clockwise.
    walks: Vec<Vec<NodeId>>,
    /// Replicas per key.
    replicas: usize,
}

impl Ring {
    /// The ring of `nodes` nodes with `vnodes` tokens each and `replicas` owners per key.
    pub fn new(nodes: u32, vnodes: u32, replicas: u32) -> Ring {
        let mut tokens: Vec<(u32, NodeId)> = (0..nodes)
            .flat_map(|n| (0..vnodes).map(move |v| (ring_hash(&[b'n', n as u8, b'#', v as u8, (v >> 8) as u8]), n)))
            .collect();
        crate::core::sort::sort(&mut tokens);
        let walks = (0..tokens.len())
            .map(|start| {
                let mut walk: Vec<NodeId> = Vec::new();
                for k in 0..tokens.len() {
                    let node = tokens[(start + k) % tokens.len()].1;
                    if !walk.contains(&node) {
                        walk.push(node);
                    }
                }
                walk
            })
            .collect();
        Ring { tokens, walks, replicas: (replicas as usize).clamp(1, nodes.max(1) as usize) }
    }
    /// Number of ranges (tokens).
    pub fn ranges(&self) -> usize {
        self.tokens.len()
    }
    /// The range a key falls in: the first token at or after its position, wrapping.
    pub fn range_of(&self, key: &str) -> usize {
        let pos = key_position(key);
        let i = self.tokens.partition_point(|(t, _)| *t < pos);
        if i == self.tokens.len() {
            0
        } else {
            i
        }
    }
    /// Every node, in ring order from range `range`.
    pub fn walk(&self, range: usize) -> &[NodeId] {
        &self.walks[range]
    }
    /// The N owners of range `range`.
    pub fn owners(&self, range: usize) -> &[NodeId] {
        let w = &self.walks[range];
        &w[..self.replicas.min(w.len())]
    }
    /// The preference list of a key: its N owners, home first (§4.3).
    pub fn preference_list(&self, key: &str) -> Vec<NodeId> {
        self.owners(self.range_of(key)).to_vec()
    }
    /// The tokens of node `node`, in ring order.
    pub fn tokens_of(&self, node: NodeId) -> Vec<u32> {
        self.tokens.iter().filter(|(_, n)| *n == node).map(|(t, _)| *t).collect()
    }
}

/// Identifies one write: its coordinator and that coordinator's counter (never reused).
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize)]
pub struct WriteId {
    /// Coordinator.
    pub node: NodeId,
    /// Coordinator's counter.
    pub seq: u64,
}

/// A vector clock (§4.4): `(node, counter)` pairs sorted by node.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Clock(pub Vec<(NodeId, u64)>);

impl Clock {
    /// Counter of `node` (0 when absent).
    pub fn get(&self, node: NodeId) -> u64 {
        self.0.iter().find(|(n, _)| *n == node).map(|(_, c)| *c).unwrap_or(0)
    }
    /// Set `node`'s counter.
    pub fn set(&mut self, node: NodeId, c: u64) {
        match self.0.binary_search_by_key(&node, |(n, _)| *n) {
            Ok(i) => self.0[i].1 = c,
            Err(i) => self.0.insert(i, (node, c)),
        }
    }
    /// True when every counter here is at most the other's: `self` happened before or equals.
    pub fn leq(&self, other: &Clock) -> bool {
        self.0.iter().all(|(n, c)| *c <= other.get(*n))
    }
    /// Pointwise maximum.
    pub fn merge(&mut self, other: &Clock) {
        for (n, c) in &other.0 {
            if *c > self.get(*n) {
                self.set(*n, *c);
            }
        }
    }
    /// e.g. `[n0:2 n3:1]`.
    pub fn text(&self) -> String {
        let parts: Vec<String> = self.0.iter().map(|(n, c)| format!("n{n}:{c}")).collect();
        format!("[{}]", parts.join(" "))
    }
}

impl Serialize for Clock {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.0.len()))?;
        for (n, c) in &self.0 {
            m.serialize_entry(&format!("n{n}"), c)?;
        }
        m.end()
    }
}

/// One stored version of a key.
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Version {
    /// The value written.
    pub value: Value,
    /// Its vector clock.
    pub clock: Clock,
    /// Timestamp (simulated ms, Lamport-adjusted) for last-writer-wins and for picking which
    /// sibling a read returns.
    pub ts: Time,
    /// Which write this is.
    pub id: WriteId,
    /// Known acknowledged to the client (the coordinator's `WriteAcked` arrived here).
    pub acked: bool,
}

impl Version {
    /// Total order used by LWW and to pick a sibling: `(timestamp, coordinator, counter)`.
    pub fn rank(&self) -> (Time, NodeId, u64) {
        (self.ts, self.id.node, self.id.seq)
    }
}

/// A version last-writer-wins discarded although it was concurrent with the winner.
///
/// **What `write_lost` counts**: the distinct writes that (a) some replica discarded under
/// last-writer-wins while the winner's clock did not cover them (a concurrent overwrite, not a
/// causal one) and (b) were acknowledged to their client. Replicas record such versions in the
/// key's lost set, which travels with the key (Put, read repair, handoff, anti-entropy) and
/// merges by union (acknowledged = or). Only the key's home node (first in the preference list)
/// emits the notice, once per write id, and remembers durably that it did: each lost
/// acknowledged write is counted once cluster-wide, when the home learns of it (usually at the
/// heal). Acknowledgement is known from the coordinator's `WriteAcked` message; if that one
/// message is lost the write is not counted (an undercount, never a double count).
#[derive(Clone, Debug, PartialEq, Eq, Hash, Serialize)]
pub struct Lost {
    /// The discarded write.
    pub id: WriteId,
    /// Its value.
    pub value: Value,
    /// It had been acknowledged to its client.
    pub acked: bool,
}

/// Everything a replica holds for one key.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash, Serialize)]
pub struct KeyState {
    /// Versions, pairwise concurrent (siblings), sorted by [`Version::rank`]; one under LWW.
    pub versions: Vec<Version>,
    /// Writes LWW discarded while concurrent with the winner (LWW only), sorted by id.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub lost: Vec<Lost>,
}

impl KeyState {
    /// Add one version; true when anything changed.
    pub fn merge_version(&mut self, v: &Version, lww: bool) -> bool {
        if let Some(w) = self.versions.iter_mut().find(|w| w.id == v.id) {
            let flip = v.acked && !w.acked;
            w.acked |= v.acked;
            return flip;
        }
        if lww {
            let Some(w) = self.versions.first().cloned() else {
                self.versions.push(v.clone());
                return true;
            };
            if v.rank() > w.rank() {
                if !w.clock.leq(&v.clock) {
                    self.add_lost(&w);
                }
                self.versions = vec![v.clone()];
                true
            } else if !v.clock.leq(&w.clock) {
                self.add_lost(v)
            } else {
                false
            }
        } else {
            if self.versions.iter().any(|w| v.clock.leq(&w.clock)) {
                return false; // already have it or a descendant
            }
            self.versions.retain(|w| !w.clock.leq(&v.clock));
            self.versions.push(v.clone());
            self.versions.sort_by_key(Version::rank);
            true
        }
    }

    fn add_lost(&mut self, v: &Version) -> bool {
        match self.lost.binary_search_by_key(&v.id, |l| l.id) {
            Ok(i) => {
                let flip = v.acked && !self.lost[i].acked;
                self.lost[i].acked |= v.acked;
                flip
            }
            Err(i) => {
                self.lost.insert(i, Lost { id: v.id, value: v.value, acked: v.acked });
                true
            }
        }
    }

    /// Merge another replica's state; true when anything changed.
    pub fn merge(&mut self, other: &KeyState, lww: bool) -> bool {
        let mut changed = false;
        for v in &other.versions {
            changed |= self.merge_version(v, lww);
        }
        for l in &other.lost {
            let v = Version { value: l.value, clock: Clock::default(), ts: 0, id: l.id, acked: l.acked };
            changed |= self.add_lost(&v);
        }
        changed
    }

    /// Mark write `id` acknowledged wherever it is held; true when anything changed.
    pub fn mark_acked(&mut self, id: WriteId) -> bool {
        let mut changed = false;
        for v in self.versions.iter_mut().filter(|v| v.id == id && !v.acked) {
            v.acked = true;
            changed = true;
        }
        for l in self.lost.iter_mut().filter(|l| l.id == id && !l.acked) {
            l.acked = true;
            changed = true;
        }
        changed
    }

    /// The sibling a read returns: the highest-ranked.
    pub fn winner(&self) -> Option<&Version> {
        self.versions.iter().max_by_key(|v| v.rank())
    }

    /// The context a new write descends from: merged clock and highest timestamp.
    pub fn context(&self) -> (Clock, Time) {
        let mut c = Clock::default();
        let mut ts = 0;
        for v in &self.versions {
            c.merge(&v.clock);
            ts = ts.max(v.ts);
        }
        (c, ts)
    }

    /// Hash of the whole state (a Merkle leaf).
    pub fn digest(&self) -> u64 {
        let mut h = Fnv::default();
        self.hash(&mut h);
        h.finish()
    }

    /// True when nothing is held.
    pub fn is_empty(&self) -> bool {
        self.versions.is_empty() && self.lost.is_empty()
    }
}

/// State that survives a crash.
#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct Durable {
    /// Keys this node owns.
    pub store: VecMap<String, KeyState>,
    /// Hints held for other nodes: `(intended owner, key)`.
    pub hints: VecMap<(NodeId, String), KeyState>,
    /// Counter for write ids, vector-clock ticks and request ids.
    pub seq: u64,
    /// Lost acknowledged writes this node (as a home) has already reported.
    pub counted: Vec<WriteId>,
}

/// Dynamo's peer messages.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub enum Msg {
    /// Coordinator → replica: send me what you hold for `key` (§5, get()).
    Get { op: u64, key: String },
    /// Replica → coordinator.
    GetResponse { op: u64, key: String, state: KeyState },
    /// Coordinator → replica: store this version; `hint` names the owner a stand-in replaces
    /// (§4.5, §4.6).
    Put { op: u64, key: String, version: Version, hint: Option<NodeId> },
    /// Replica → coordinator.
    PutAck { op: u64, id: WriteId },
    /// Coordinator → replicas that acknowledged: the client was told the write succeeded.
    WriteAcked { key: String, id: WriteId },
    /// Coordinator → stale owner after a read (§5).
    ReadRepair { key: String, state: KeyState },
    /// Stand-in → owner: the hints held for you (§4.6).
    HintedHandoff { data: Vec<(String, KeyState)> },
    /// Owner → stand-in: stored; the digest of each state received.
    HandoffAck { done: Vec<(String, u64)> },
    /// Replica → replica: Merkle roots of the ranges both replicate (§4.7).
    MerkleDigest { ranges: Vec<(u32, u64)> },
    /// The keys of the ranges whose roots differ; `reply` asks for the sender's side back.
    MerkleDiff { ranges: Vec<u32>, data: Vec<(String, KeyState)>, reply: bool },
}

/// Dynamo's timers.
#[derive(Clone, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Timer {
    /// A coordinator's probe for request `op`: suspect the silent, try more nodes, or give up.
    Op(u64),
    /// Periodic anti-entropy round with the next peer replica.
    AntiEntropy,
    /// Try to hand hints back to their owners.
    Handoff,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Kind {
    Read,
    Write(Value),
    Cas(Value, Value),
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
enum Phase {
    Read,
    Write,
}

/// A request this node coordinates.
#[derive(Clone, Debug, Hash)]
struct Op {
    client: ClientId,
    request: RequestId,
    key: String,
    range: usize,
    kind: Kind,
    phase: Phase,
    started: Time,
    /// Nodes sent this phase's request.
    contacted: Vec<NodeId>,
    /// Nodes that answered this phase, with the digest of their answer (read phase).
    replied: Vec<(NodeId, u64)>,
    /// Merged read state.
    merged: KeyState,
    /// The version being written.
    version: Option<Version>,
    /// The client has been answered (kept until the deadline for late answers).
    done: bool,
}

#[derive(Clone, Debug, Hash)]
enum ReqState {
    InFlight,
    Done(ClientResult),
    Abandoned,
}

/// An acknowledged write, as the coordinator remembers it for the invariant checker.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct AckedWrite {
    /// Key.
    pub key: String,
    /// Write id.
    pub id: WriteId,
    /// Its clock.
    pub clock: Clock,
}

/// One version as the view shows it: what [`Version`] holds.
pub type VersionView = Version;

/// One key on one node, for the renderer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct KeyView {
    /// The key.
    pub key: String,
    /// Its ring position.
    pub pos: u32,
    /// Its preference list (home first).
    pub preference: Vec<NodeId>,
    /// Versions held (siblings when more than one).
    pub versions: Vec<VersionView>,
    /// Number of siblings.
    pub siblings: u32,
    /// Digest of the held state: owners with different digests have diverged.
    pub digest: u32,
    /// Writes LWW discarded here while concurrent with the winner.
    pub lost: u32,
}

/// A hint held for another node.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct HintView {
    /// The owner it will be handed to.
    pub owner: NodeId,
    /// Key.
    pub key: String,
    /// Value of the highest-ranked version held.
    pub value: Option<Value>,
    /// Versions held.
    pub versions: u32,
}

/// Dynamo-specific part of a node's view.
#[derive(Clone, Debug, PartialEq, Eq, Serialize)]
pub struct DynamoView {
    /// This node's ring tokens (u32 ring positions).
    pub tokens: Vec<u32>,
    /// Keys held (as owner), with versions, siblings and preference lists.
    pub keys: Vec<KeyView>,
    /// Hints held for other nodes.
    pub hints: Vec<HintView>,
    /// Nodes this coordinator currently suspects (sloppy quorum).
    pub suspects: Vec<NodeId>,
    /// Replicas, read and write quorums in effect.
    pub nrw: [u32; 3],
}

/// Serialised as the frame's `dynamo` beside the common header.
impl Detail for DynamoView {
    fn key(&self) -> Option<&'static str> {
        Some("dynamo")
    }
}

/// One Dynamo node: coordinator for its clients, replica for its ranges, stand-in for others.
#[derive(Clone, Debug, Hash)]
pub struct Dynamo {
    id: NodeId,
    /// Servers in the cluster.
    nodes: u32,
    config: DynamoConfig,
    ring: Ring,
    /// Peers sharing at least one range, in anti-entropy order.
    ae_peers: Vec<NodeId>,
    // Durable.
    store: VecMap<String, KeyState>,
    hints: VecMap<(NodeId, String), KeyState>,
    seq: u64,
    counted: Vec<WriteId>,
    // Volatile.
    ops: VecMap<u64, Op>,
    requests: VecMap<ClientId, (RequestId, ReqState)>,
    suspects: VecMap<NodeId, Time>,
    local: Vec<Msg>,
    ae_next: usize,
    handoff_armed: bool,
    acked_total: u64,
    acked_recent: Vec<AckedWrite>,
    changes: u64,
    recent: Vec<LogEntryView>,
}

impl Dynamo {
    /// This node's id.
    pub fn id(&self) -> NodeId {
        self.id
    }
    /// The settings in effect.
    pub fn config(&self) -> &DynamoConfig {
        &self.config
    }
    /// The ring.
    pub fn ring(&self) -> &Ring {
        &self.ring
    }
    /// Keys owned, with their versions.
    pub fn store(&self) -> &VecMap<String, KeyState> {
        &self.store
    }
    /// Hints held: `(owner, key)` → state.
    pub fn hints(&self) -> &VecMap<(NodeId, String), KeyState> {
        &self.hints
    }
    /// The versions held for `key` as owner.
    pub fn versions(&self, key: &str) -> &[Version] {
        self.store.get(key).map(|k| k.versions.as_slice()).unwrap_or(&[])
    }
    /// Writes this node acknowledged to clients since it (re)started.
    pub fn acked_total(&self) -> u64 {
        self.acked_total
    }
    /// The most recent of them (at most 32).
    pub fn acked_recent(&self) -> &[AckedWrite] {
        &self.acked_recent
    }
    /// Increments whenever the store or hints change (since the last restart).
    pub fn changes(&self) -> u64 {
        self.changes
    }

    fn lww(&self) -> bool {
        self.config.last_writer_wins
    }

    fn owns(&self, key: &str) -> bool {
        self.ring.owners(self.ring.range_of(key)).contains(&self.id)
    }

    fn send(&mut self, to: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        if to == self.id {
            self.local.push(msg);
        } else {
            out.send(to, msg);
        }
    }

    /// Deliver messages a node sent itself (it can be coordinator, owner and stand-in at once).
    fn run_local(&mut self, now: Time, out: &mut Outbox<Self>) {
        while !self.local.is_empty() {
            let msg = self.local.remove(0);
            self.handle(now, self.id, msg, out);
        }
    }

    fn suspected(&self, node: NodeId, now: Time) -> bool {
        node != self.id && self.suspects.get(&node).is_some_and(|until| *until > now)
    }

    /// Where a request for range `range` goes: the owners (strict), or the first N nodes on
    /// the ring walk not suspected, each stand-in with the owner it replaces (sloppy, §4.5).
    fn targets(&self, now: Time, range: usize) -> Vec<(NodeId, Option<NodeId>)> {
        let owners = self.ring.owners(range);
        if !self.config.sloppy_quorum {
            return owners.iter().map(|o| (*o, None)).collect();
        }
        let live: Vec<NodeId> =
            self.ring.walk(range).iter().copied().filter(|x| !self.suspected(*x, now)).take(owners.len()).collect();
        let mut missing = owners.iter().filter(|o| !live.contains(o));
        live.iter().map(|t| if owners.contains(t) { (*t, None) } else { (*t, missing.next().copied()) }).collect()
    }

    /// What this node holds for `key`: as owner and as stand-in, merged.
    fn local_state(&self, key: &str) -> KeyState {
        let mut s = self.store.get(key).cloned().unwrap_or_default();
        for ((_, k), h) in self.hints.iter() {
            if k == key {
                s.merge(h, self.lww());
            }
        }
        s
    }

    fn touched(&mut self, key: &str, out: &mut Outbox<Self>) {
        self.changes += 1;
        self.count_lost(key, out);
        // After the count: the store and which lost writes this home already reported reach the
        // disk together, before any acknowledgement of this handler leaves (a restarted home
        // must not report the same lost write twice).
        out.persist(self.durable());
    }

    /// The home of a key reports lost acknowledged writes it has not reported yet (see [`Lost`]).
    fn count_lost(&mut self, key: &str, out: &mut Outbox<Self>) {
        if !self.lww() || self.ring.preference_list(key).first() != Some(&self.id) {
            return;
        }
        let Some(ks) = self.store.get(key) else { return };
        let fresh: Vec<Lost> = ks.lost.iter().filter(|l| l.acked && !self.counted.contains(&l.id)).cloned().collect();
        for l in fresh {
            self.counted.push(l.id);
            out.notice(
                NoticeKind::WriteLost,
                None,
                format!(
                    "n{} (home of {key}): the acknowledged write {key}={} (n{}#{}) was silently discarded by last-writer-wins",
                    self.id, l.value, l.id.node, l.id.seq
                ),
            );
        }
    }

    fn store_merge(&mut self, key: &str, state: &KeyState, out: &mut Outbox<Self>) {
        let lww = self.lww();
        let changed = match self.store.get_mut(key) {
            Some(ks) => ks.merge(state, lww),
            None if state.is_empty() => false,
            None => {
                let mut ks = KeyState::default();
                ks.merge(state, lww);
                self.store.insert(key.to_string(), ks);
                true
            }
        };
        if changed {
            self.touched(key, out);
        }
    }

    fn start_op(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>) {
        let (key, kind) = match op {
            ClientOp::Read { key } => (key, Kind::Read),
            ClientOp::Write { key, value } => (key, Kind::Write(value)),
            ClientOp::Cas { key, from, to } => (key, Kind::Cas(from, to)),
        };
        self.seq += 1;
        out.persist(self.durable());
        let id = self.seq;
        let range = self.ring.range_of(&key);
        self.ops.insert(
            id,
            Op {
                client,
                request,
                key,
                range,
                kind,
                phase: Phase::Read,
                started: now,
                contacted: Vec::new(),
                replied: Vec::new(),
                merged: KeyState::default(),
                version: None,
                done: false,
            },
        );
        self.requests.insert(client, (request, ReqState::InFlight));
        let step = self.probe_ms();
        out.set_timer(Timer::Op(id), step, step);
        self.send_phase(now, id, out);
    }

    fn probe_ms(&self) -> Time {
        (self.config.request_timeout_ms / 4).max(1)
    }

    /// Send this phase's request to every current target that has not answered.
    fn send_phase(&mut self, now: Time, id: u64, out: &mut Outbox<Self>) {
        let Some(op) = self.ops.get(&id) else { return };
        let targets = self.targets(now, op.range);
        let mut msgs = Vec::new();
        for (t, hint) in targets {
            if op.replied.iter().any(|(n, _)| *n == t) {
                continue;
            }
            let msg = match op.phase {
                Phase::Read => Msg::Get { op: id, key: op.key.clone() },
                Phase::Write => {
                    let Some(version) = op.version.clone() else { return };
                    Msg::Put { op: id, key: op.key.clone(), version, hint }
                }
            };
            msgs.push((t, msg));
        }
        let op = self.ops.get_mut(&id).expect("present");
        for (t, _) in &msgs {
            if !op.contacted.contains(t) {
                op.contacted.push(*t);
            }
        }
        for (t, m) in msgs {
            self.send(t, m, out);
        }
    }

    fn finish(&mut self, id: u64, result: ClientResult, out: &mut Outbox<Self>) {
        let Some(op) = self.ops.get_mut(&id) else { return };
        op.done = true;
        let (client, request) = (op.client, op.request);
        out.reply(client, request, result.clone());
        self.requests.insert(client, (request, ReqState::Done(result)));
    }

    fn on_get_response(
        &mut self,
        now: Time,
        from: NodeId,
        id: u64,
        key: String,
        state: KeyState,
        out: &mut Outbox<Self>,
    ) {
        let lww = self.lww();
        let r = self.config.r as usize;
        let repair = self.config.read_repair;
        let Some(op) = self.ops.get_mut(&id) else { return };
        if op.key != key || op.phase != Phase::Read || op.replied.iter().any(|(n, _)| *n == from) {
            return;
        }
        let d = state.digest();
        op.replied.push((from, d));
        op.merged.merge(&state, lww);
        if op.done {
            // A late answer: repair it too.
            let merged = op.merged.clone();
            if repair && d != merged.digest() && self.ring.owners(op.range).contains(&from) {
                self.send(from, Msg::ReadRepair { key, state: merged }, out);
            }
            return;
        }
        if op.replied.len() < r {
            return;
        }
        let merged = op.merged.clone();
        let md = merged.digest();
        let stale: Vec<NodeId> = if repair {
            let owners = self.ring.owners(op.range);
            op.replied.iter().filter(|(n, d)| *d != md && owners.contains(n)).map(|(n, _)| *n).collect()
        } else {
            Vec::new()
        };
        let current = merged.winner().map(|v| v.value);
        match op.kind {
            Kind::Read => self.finish(id, ClientResult::ReadOk { value: current }, out),
            Kind::Cas(from, _) if current != Some(from) => self.finish(id, ClientResult::CasFailed { current }, out),
            Kind::Write(value) | Kind::Cas(_, value) => self.start_write(now, id, value, out),
        }
        for n in stale {
            self.send(n, Msg::ReadRepair { key: key.clone(), state: merged.clone() }, out);
        }
    }

    /// The read phase is complete: write a version that descends from everything read (§4.4).
    fn start_write(&mut self, now: Time, id: u64, value: Value, out: &mut Outbox<Self>) {
        let me = self.id;
        let Some(op) = self.ops.get(&id) else { return };
        let (mut clock, ts) = op.merged.context();
        self.seq = self.seq.max(clock.get(me)) + 1;
        clock.set(me, self.seq);
        out.persist(self.durable());
        let version =
            Version { value, clock, ts: now.max(ts + 1), id: WriteId { node: me, seq: self.seq }, acked: false };
        let op = self.ops.get_mut(&id).expect("present");
        op.phase = Phase::Write;
        op.version = Some(version);
        op.contacted.clear();
        op.replied.clear();
        // The write phase starts at once; its probes continue on the op's timer.
        self.send_phase(now, id, out);
    }

    fn on_put_ack(&mut self, from: NodeId, id: u64, wid: WriteId, out: &mut Outbox<Self>) {
        let w = self.config.w as usize;
        let Some(op) = self.ops.get_mut(&id) else { return };
        let Some(version) = op.version.clone() else { return };
        if op.phase != Phase::Write || version.id != wid || op.replied.iter().any(|(n, _)| *n == from) {
            return;
        }
        op.replied.push((from, 0));
        let key = op.key.clone();
        if op.done {
            self.send(from, Msg::WriteAcked { key, id: wid }, out);
            return;
        }
        if op.replied.len() < w {
            return;
        }
        let result = if matches!(op.kind, Kind::Cas(..)) { ClientResult::CasOk } else { ClientResult::WriteOk };
        let ackers: Vec<NodeId> = op.replied.iter().map(|(n, _)| *n).collect();
        let text = format!("write {key}={} {} ({}/{} acks)", version.value, version.clock.text(), ackers.len(), w);
        self.finish(id, result, out);
        self.acked_total += 1;
        if self.acked_recent.len() >= ACKED_WINDOW {
            self.acked_recent.remove(0);
        }
        self.acked_recent.push(AckedWrite { key: key.clone(), id: wid, clock: version.clock.clone() });
        if self.recent.len() >= RECENT {
            self.recent.remove(0);
        }
        self.recent.push(LogEntryView { index: wid.seq, term: 0, text, committed: true });
        for n in ackers {
            self.send(n, Msg::WriteAcked { key: key.clone(), id: wid }, out);
        }
    }

    fn on_op_timer(&mut self, now: Time, id: u64, out: &mut Outbox<Self>) {
        let timeout = self.config.request_timeout_ms;
        let Some(op) = self.ops.get(&id) else { return };
        let deadline = op.started + timeout;
        if now >= deadline {
            let op = self.ops.remove(&id).expect("present");
            if !op.done {
                match op.phase {
                    Phase::Read => {
                        let need = self.config.r;
                        let reason = format!("{} of R = {need} replicas answered", op.replied.len());
                        let result = ClientResult::Unavailable { reason };
                        out.reply(op.client, op.request, result.clone());
                        self.requests.insert(op.client, (op.request, ReqState::Done(result)));
                    }
                    Phase::Write => {
                        // Some replicas may hold it: not refused; the client times out.
                        self.requests.insert(op.client, (op.request, ReqState::Abandoned));
                        out.notice(
                            NoticeKind::WriteAbandoned,
                            None,
                            format!(
                                "n{} gave up on write of {} with {} of W = {} acks; the outcome is unknown",
                                self.id,
                                op.key,
                                op.replied.len(),
                                self.config.w
                            ),
                        );
                    }
                }
            }
            return;
        }
        // A write keeps going after its W acks until N replicas hold it (§4.6: the replica an
        // unreachable owner would hold goes to a stand-in with a hint).
        let pursue = !op.done || (op.phase == Phase::Write && op.replied.len() < self.config.n as usize);
        if pursue {
            if self.config.sloppy_quorum {
                let silent: Vec<NodeId> = op
                    .contacted
                    .iter()
                    .copied()
                    .filter(|n| *n != self.id && !op.replied.iter().any(|(r, _)| r == n))
                    .collect();
                for n in silent {
                    self.suspects.insert(n, now + SUSPECT_MS);
                }
            }
            self.send_phase(now, id, out);
        }
        let step = self.probe_ms().min(deadline - now);
        out.set_timer(Timer::Op(id), step, step);
    }

    fn arm_handoff(&mut self, out: &mut Outbox<Self>) {
        if self.config.hinted_handoff && !self.handoff_armed && !self.hints.is_empty() {
            self.handoff_armed = true;
            let h = self.config.handoff_ms;
            out.set_timer(Timer::Handoff, h, h);
        }
    }

    /// Keys held for the ranges in `ranges`, in key order.
    fn range_data(&self, ranges: &[u32]) -> Vec<(String, KeyState)> {
        self.store
            .iter()
            .filter(|(k, _)| ranges.contains(&(self.ring.range_of(k) as u32)))
            .map(|(k, s)| (k.clone(), s.clone()))
            .collect()
    }

    /// Merkle root of range `range`: the hash of its keys and their leaf digests.
    fn range_root(&self, range: usize) -> u64 {
        let mut h = Fnv::default();
        for (k, s) in self.store.iter() {
            if self.ring.range_of(k) == range && !s.is_empty() {
                k.hash(&mut h);
                s.digest().hash(&mut h);
            }
        }
        h.finish()
    }

    fn on_anti_entropy(&mut self, out: &mut Outbox<Self>) {
        if self.ae_peers.is_empty() {
            return;
        }
        let peer = self.ae_peers[self.ae_next % self.ae_peers.len()];
        self.ae_next += 1;
        let ranges: Vec<(u32, u64)> = (0..self.ring.ranges())
            .filter(|r| {
                let o = self.ring.owners(*r);
                o.contains(&self.id) && o.contains(&peer)
            })
            .map(|r| (r as u32, self.range_root(r)))
            .collect();
        self.send(peer, Msg::MerkleDigest { ranges }, out);
    }

    fn handle(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        let lww = self.lww();
        match msg {
            Msg::Get { op, key } => {
                let state = self.local_state(&key);
                self.send(from, Msg::GetResponse { op, key, state }, out);
            }
            Msg::GetResponse { op, key, state } => self.on_get_response(now, from, op, key, state, out),
            Msg::Put { op, key, version, hint } => {
                let id = version.id;
                match hint.filter(|_| !self.owns(&key)) {
                    Some(owner) => {
                        let ks = self.hints.get_or_insert_with((owner, key.clone()), KeyState::default);
                        if ks.merge_version(&version, lww) {
                            self.changes += 1;
                            out.persist(self.durable());
                        }
                        self.arm_handoff(out);
                    }
                    None => {
                        let ks = self.store.get_or_insert_with(key.clone(), KeyState::default);
                        if ks.merge_version(&version, lww) {
                            self.touched(&key, out);
                        }
                    }
                }
                self.send(from, Msg::PutAck { op, id }, out);
            }
            Msg::PutAck { op, id } => self.on_put_ack(from, op, id, out),
            Msg::WriteAcked { key, id } => {
                let mut changed = self.store.get_mut(&key).is_some_and(|ks| ks.mark_acked(id));
                let held: Vec<(NodeId, String)> = self.hints.keys().filter(|(_, k)| *k == key).cloned().collect();
                for h in held {
                    changed |= self.hints.get_mut(&h).is_some_and(|ks| ks.mark_acked(id));
                }
                if changed {
                    self.touched(&key, out);
                }
            }
            Msg::ReadRepair { key, state } => {
                if self.owns(&key) {
                    self.store_merge(&key, &state, out);
                }
            }
            Msg::HintedHandoff { data } => {
                let mut done = Vec::new();
                for (key, state) in data {
                    if self.owns(&key) {
                        self.store_merge(&key, &state, out);
                        done.push((key, state.digest()));
                    }
                }
                self.send(from, Msg::HandoffAck { done }, out);
            }
            Msg::HandoffAck { done } => {
                let mut changed = false;
                for (key, d) in done {
                    let k = (from, key);
                    if self.hints.get(&k).is_some_and(|s| s.digest() == d) {
                        self.hints.remove(&k);
                        changed = true;
                    }
                }
                if changed {
                    self.changes += 1;
                    out.persist(self.durable());
                }
            }
            Msg::MerkleDigest { ranges } => {
                let differ: Vec<u32> = ranges
                    .iter()
                    .filter(|(r, root)| {
                        (*r as usize) < self.ring.ranges()
                            && self.ring.owners(*r as usize).contains(&self.id)
                            && self.range_root(*r as usize) != *root
                    })
                    .map(|(r, _)| *r)
                    .collect();
                if !differ.is_empty() {
                    let data = self.range_data(&differ);
                    self.send(from, Msg::MerkleDiff { ranges: differ, data, reply: true }, out);
                }
            }
            Msg::MerkleDiff { ranges, data, reply } => {
                for (key, state) in &data {
                    if self.owns(key) {
                        self.store_merge(key, state, out);
                    }
                }
                if reply {
                    let mine = self.range_data(&ranges);
                    if mine != data {
                        self.send(from, Msg::MerkleDiff { ranges, data: mine, reply: false }, out);
                    }
                }
            }
        }
    }
}

impl Protocol for Dynamo {
    type Msg = Msg;
    type Timer = Timer;
    type Durable = Durable;
    type Config = DynamoConfig;
    type Op = ClientOp;
    type View = DynamoView;
    const NAME: &'static str = "dynamo";

    fn sweep_config(draw: &mut dyn crate::core::ops::Draw, nodes: u32) -> Vec<(&'static str, serde_json::Value)> {
        config::sweep_config(draw, nodes)
    }
    const LINEARIZABLE: bool = false;
    const CONVERGES: bool = true;

    fn prepare_config(config: &mut DynamoConfig, _nodes: u32, _seed: u64) -> Result<(), String> {
        config.validate()
    }

    fn start(
        id: NodeId,
        n: u32,
        config: &DynamoConfig,
        durable: Option<Durable>,
        _now: Time,
        out: &mut Outbox<Self>,
    ) -> Self {
        let config = config.effective(n);
        let ring = Ring::new(n, config.vnodes, config.n);
        let ae_peers = anti_entropy_peers(id, n, &ring);
        let d = durable.unwrap_or_default();
        let mut node = Dynamo {
            id,
            nodes: n,
            config,
            ring,
            ae_peers,
            store: d.store,
            hints: d.hints,
            seq: d.seq,
            counted: d.counted,
            ops: VecMap::new(),
            requests: VecMap::new(),
            suspects: VecMap::new(),
            local: Vec::new(),
            ae_next: 0,
            handoff_armed: false,
            acked_total: 0,
            acked_recent: Vec::new(),
            changes: 0,
            recent: Vec::new(),
        };
        let ae = node.config.anti_entropy_ms;
        if ae > 0 {
            out.set_timer(Timer::AntiEntropy, ae, ae + ae / 2);
        }
        node.arm_handoff(out);
        node
    }

    /// N, R, W and the switches can change while running (the reader's sliders). A new N or
    /// vnode count rebuilds the ring: keys gain or lose owners, and new owners receive old
    /// data through read repair and anti-entropy (with anti-entropy off, only through reads).
    fn reconfigure(&mut self, _now: Time, config: &DynamoConfig, out: &mut Outbox<Self>) -> Result<(), String> {
        config.validate()?;
        let config = config.effective(self.nodes);
        if (config.n, config.vnodes) != (self.config.n, self.config.vnodes) {
            self.ring = Ring::new(self.nodes, config.vnodes, config.n);
            self.ae_peers = anti_entropy_peers(self.id, self.nodes, &self.ring);
            self.ae_next = 0;
        }
        let ae_was_off = self.config.anti_entropy_ms == 0;
        self.config = config;
        let ae = self.config.anti_entropy_ms;
        if ae_was_off && ae > 0 {
            out.set_timer(Timer::AntiEntropy, ae, ae + ae / 2);
        }
        self.arm_handoff(out);
        Ok(())
    }

    fn on_message(&mut self, now: Time, from: NodeId, msg: Msg, out: &mut Outbox<Self>) {
        // Any message shows the sender is reachable.
        self.suspects.remove(&from);
        self.handle(now, from, msg, out);
        self.run_local(now, out);
    }

    fn on_timer(&mut self, now: Time, timer: Timer, out: &mut Outbox<Self>) {
        match timer {
            Timer::Op(id) => self.on_op_timer(now, id, out),
            Timer::AntiEntropy => {
                self.on_anti_entropy(out);
                let ae = self.config.anti_entropy_ms;
                if ae > 0 {
                    out.set_timer(Timer::AntiEntropy, ae, ae + ae / 2);
                }
            }
            Timer::Handoff => {
                self.handoff_armed = false;
                let mut by_owner: VecMap<NodeId, Vec<(String, KeyState)>> = VecMap::new();
                for ((owner, key), s) in self.hints.iter() {
                    by_owner.get_or_insert_with(*owner, Vec::new).push((key.clone(), s.clone()));
                }
                let batches: Vec<(NodeId, Vec<(String, KeyState)>)> =
                    by_owner.iter().map(|(o, d)| (*o, d.clone())).collect();
                for (owner, data) in batches {
                    self.send(owner, Msg::HintedHandoff { data }, out);
                }
                self.arm_handoff(out);
            }
        }
        self.run_local(now, out);
    }

    fn on_client(&mut self, now: Time, client: ClientId, request: RequestId, op: ClientOp, out: &mut Outbox<Self>) {
        if let Some((last, state)) = self.requests.get(&client) {
            if *last > request {
                return;
            }
            if *last == request {
                match state {
                    ReqState::InFlight | ReqState::Abandoned => return,
                    ReqState::Done(ClientResult::Unavailable { .. }) => {}
                    ReqState::Done(result) => {
                        out.reply(client, request, result.clone());
                        return;
                    }
                }
            }
        }
        self.start_op(now, client, request, op, out);
        self.run_local(now, out);
    }

    fn durable(&self) -> Durable {
        Durable { store: self.store.clone(), hints: self.hints.clone(), seq: self.seq, counted: self.counted.clone() }
    }

    fn timeout_timer(&self) -> Option<Timer> {
        (self.config.anti_entropy_ms > 0).then_some(Timer::AntiEntropy)
    }

    fn view(&self) -> NodeView<DynamoView> {
        let keys = self
            .store
            .iter()
            .map(|(k, s)| KeyView {
                key: k.clone(),
                pos: key_position(k),
                preference: self.ring.preference_list(k),
                versions: s.versions.clone(),
                siblings: s.versions.len() as u32,
                digest: s.digest() as u32,
                lost: s.lost.len() as u32,
            })
            .collect();
        let hints = self
            .hints
            .iter()
            .map(|((owner, key), s)| HintView {
                owner: *owner,
                key: key.clone(),
                value: s.winner().map(|v| v.value),
                versions: s.versions.len() as u32,
            })
            .collect();
        NodeView {
            role: "replica".to_string(),
            term: self.seq,
            voted_for: None,
            leader: None,
            commit_index: 0,
            snapshot_index: 0,
            last_index: 0,
            log: self.recent.clone(),
            peers: Vec::new(),
            votes: Vec::new(),
            kv: self.store.iter().filter_map(|(k, s)| s.winner().map(|v| (k.clone(), v.value))).collect(),
            detail: DynamoView {
                tokens: self.ring.tokens_of(self.id),
                keys,
                hints,
                suspects: self.suspects.keys().copied().collect(),
                nrw: [self.config.n, self.config.r, self.config.w],
            },
        }
    }

    fn msg_info(msg: &Msg) -> MsgInfo {
        match msg {
            Msg::Get { key, .. } => MsgInfo { kind: "Get", is_reply: false, detail: format!("get {key}") },
            Msg::GetResponse { key, state, .. } => MsgInfo {
                kind: "GetResponse",
                is_reply: true,
                detail: format!("{key}: {} version(s)", state.versions.len()),
            },
            Msg::Put { key, version, hint, .. } => MsgInfo {
                kind: "Put",
                is_reply: false,
                detail: match hint {
                    Some(h) => format!("{key}={} {}, hint for n{h}", version.value, version.clock.text()),
                    None => format!("{key}={} {}", version.value, version.clock.text()),
                },
            },
            Msg::PutAck { id, .. } => {
                MsgInfo { kind: "PutAck", is_reply: true, detail: format!("stored n{}#{}", id.node, id.seq) }
            }
            Msg::WriteAcked { key, id } => MsgInfo {
                kind: "WriteAcked",
                is_reply: false,
                detail: format!("{key}: n{}#{} acknowledged to the client", id.node, id.seq),
            },
            Msg::ReadRepair { key, state } => MsgInfo {
                kind: "ReadRepair",
                is_reply: false,
                detail: format!("{key}: {} version(s)", state.versions.len()),
            },
            Msg::HintedHandoff { data } => {
                MsgInfo { kind: "HintedHandoff", is_reply: false, detail: format!("{} hinted key(s)", data.len()) }
            }
            Msg::HandoffAck { done } => {
                MsgInfo { kind: "HandoffAck", is_reply: true, detail: format!("{} key(s) taken over", done.len()) }
            }
            Msg::MerkleDigest { ranges } => {
                MsgInfo { kind: "MerkleDigest", is_reply: false, detail: format!("roots of {} range(s)", ranges.len()) }
            }
            Msg::MerkleDiff { ranges, data, .. } => MsgInfo {
                kind: "MerkleDiff",
                is_reply: true,
                detail: format!("{} range(s) differ, {} key(s)", ranges.len(), data.len()),
            },
        }
    }
}
