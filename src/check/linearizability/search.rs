//! The resumable Wing–Gong–Lowe search over one partition (see the parent module's docs for the
//! algorithm and our additions to it), with its memo of visited configurations.

use super::model::{Model, ModelOp, Transition};
use crate::protocol::sort;
use std::collections::hash_map::Entry;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hash, Hasher};

// ---------------------------------------------------------------------------------------------
// The search
// ---------------------------------------------------------------------------------------------

/// Fast non-cryptographic hasher (FxHash) for interning states; iteration order never leaks.
#[derive(Default)]
struct FxHasher(u64);

impl Hasher for FxHasher {
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            let mut w = [0u8; 8];
            w.copy_from_slice(c);
            self.add(u64::from_le_bytes(w));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            self.add(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 59));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.add(u64::from(i));
    }
    fn write_u32(&mut self, i: u32) {
        self.add(u64::from(i));
    }
    fn write_u64(&mut self, i: u64) {
        self.add(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.add(i as u64);
    }
    fn finish(&self) -> u64 {
        // Final avalanche so hashbrown's top bits are well mixed.
        let mut z = self.0;
        z = (z ^ (z >> 33)).wrapping_mul(0xff51_afd7_ed55_8ccd);
        z ^ (z >> 33)
    }
}

impl FxHasher {
    #[inline]
    fn add(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
}

/// Identity hasher for keys that are already well-mixed 64-bit hashes.
#[derive(Default)]
struct IdHasher(u64);

impl Hasher for IdHasher {
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 = (self.0 << 8) | u64::from(*b);
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = i;
    }
    fn finish(&self) -> u64 {
        self.0
    }
}

type FxBuild = BuildHasherDefault<FxHasher>;
type IdBuild = BuildHasherDefault<IdHasher>;

const NIL: u32 = u32::MAX;

fn fx_hash<T: Hash>(t: &T) -> u64 {
    let mut h = FxHasher::default();
    t.hash(&mut h);
    h.finish()
}
const HEAD: u32 = 0;
const RET: u32 = 1 << 31;

fn splitmix(seed: &mut u64) -> u64 {
    *seed = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    let mut z = *seed;
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    z ^ (z >> 31)
}

/// Result of running a search for a while.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Poll {
    /// Finished: linearizable or not.
    Done(bool),
    /// The step allowance ran out; call `run` again to continue.
    Paused,
}

#[derive(Clone, Copy)]
struct Frame {
    node: u32,
    prev_state: u32,
    forced: bool,
}

/// A resumable Wing–Gong–Lowe search over one partition.
#[derive(Clone)]
pub(crate) struct Search<M: Model> {
    ops: Vec<ModelOp<M::Input, M::Output>>,
    /// Definite and read-only: linearised at once when legal (see module docs).
    pure_op: Vec<bool>,
    /// Blind writes: never linearised right after an unknown-outcome operation (see `try_node`).
    blind_op: Vec<bool>,
    /// For unknown ops: the previous unknown op with an equal input (must be used first).
    class_prev: Vec<u32>,
    ret_node: Vec<u32>,
    // Dancing-links list over node 0 (head) and one node per call/return event.
    next: Vec<u32>,
    prev: Vec<u32>,
    node_op: Vec<u32>,
    // The linearised set, with an incrementally maintained Zobrist hash.
    bits: Vec<u64>,
    /// Bits of the unknown-outcome operations.
    unk_mask: Vec<u64>,
    zkey: Vec<u64>,
    zob: u64,
    // Interned model states: the search and memo work on small ids.
    states: Vec<M::State>,
    /// State hash → first state id with that hash; `state_chain` links ids with equal hashes.
    /// (Keyed by the stored hash so growing the table never rehashes the states themselves.)
    state_index: HashMap<u64, u32, IdBuild>,
    state_chain: Vec<u32>,
    state: u32,
    stack: Vec<Frame>,
    // Memo of visited (linearised set, state): hash → chain of entries in flat arrays.
    cache: HashMap<u64, u32, IdBuild>,
    c_state: Vec<u32>,
    c_next: Vec<u32>,
    c_bits: Vec<u64>,
    n_definite: usize,
    lin_definite: usize,
    cur: u32,
    pure_phase: bool,
    /// Branching order of each op: definite ones by invocation, unknown outcomes last.
    rank: Vec<u32>,
    /// Branching candidates, one slice per configuration in the branch phase on the path.
    cand: Vec<(u32, u32)>,
    /// Per branching configuration: (start of its slice in `cand`, next position to try).
    levels: Vec<(u32, u32)>,
    /// Steps used so far.
    pub(crate) steps: u64,
    result: Option<bool>,
    /// True once `reserve` was called.
    pub(crate) reserved: bool,
}

impl<M: Model> Search<M> {
    /// Build the event list for one partition's operations.
    pub(crate) fn new(model: &M, ops: Vec<ModelOp<M::Input, M::Output>>) -> Self {
        let n = ops.len();
        // Events sorted by (time, call before return, op index): deterministic, and touching
        // intervals count as concurrent.
        let mut events: Vec<(u64, u32, u32)> = Vec::with_capacity(2 * n);
        for (i, op) in ops.iter().enumerate() {
            events.push((op.call, 0, i as u32));
            if op.output.is_some() {
                events.push((op.ret.max(op.call), 1, i as u32));
            }
        }
        sort::sort(&mut events);
        let nodes = events.len() + 1;
        let mut next = vec![NIL; nodes];
        let mut prev = vec![NIL; nodes];
        let mut node_op = vec![NIL; nodes];
        let mut ret_node = vec![NIL; n];
        for (k, &(_, kind, i)) in events.iter().enumerate() {
            let node = (k + 1) as u32;
            prev[node as usize] = k as u32;
            next[k] = node;
            if kind == 1 {
                node_op[node as usize] = i | RET;
                ret_node[i as usize] = node;
            } else {
                node_op[node as usize] = i;
            }
        }
        let mut class_prev = vec![NIL; n];
        let mut last_of_class: HashMap<&M::Input, u32, FxBuild> = HashMap::default();
        for &(_, kind, i) in &events {
            if kind == 0 && ops[i as usize].output.is_none() {
                let input = &ops[i as usize].input;
                if let Some(p) = last_of_class.insert(input, i) {
                    class_prev[i as usize] = p;
                }
            }
        }
        let pure_op: Vec<bool> =
            ops.iter().map(|o| o.output.as_ref().map(|out| model.read_only(&o.input, out)).unwrap_or(false)).collect();
        let blind_op: Vec<bool> = ops.iter().map(|o| model.blind(&o.input)).collect();
        let n_definite = ops.iter().filter(|o| o.output.is_some()).count();
        // Candidate order: definite operations by invocation (as Porcupine), unknown outcomes
        // last — they are never needed to explain anything unless a definite result demands
        // them. (Ordering by return time was tried: better on some keys, much worse on others.)
        let mut by_rank: Vec<(bool, u64, usize)> =
            ops.iter().enumerate().map(|(i, o)| (o.output.is_none(), o.call, i)).collect();
        sort::sort(&mut by_rank);
        let mut rank = vec![0u32; n];
        for (r, &(_, _, i)) in by_rank.iter().enumerate() {
            rank[i] = r as u32;
        }
        let mut seed = 0x5EED_0FCA_u64;
        // Only definite operations enter the memo's hash: configurations that differ only in
        // which unknown-outcome operations were used land in one chain (see `memo_insert`).
        let zkey: Vec<u64> = ops
            .iter()
            .map(|o| {
                let k = splitmix(&mut seed);
                if o.output.is_some() {
                    k
                } else {
                    0
                }
            })
            .collect();
        let mut unk_mask = vec![0u64; n.div_ceil(64).max(1)];
        for (i, o) in ops.iter().enumerate() {
            if o.output.is_none() {
                unk_mask[i >> 6] |= 1u64 << (i & 63);
            }
        }
        let init = model.init();
        let mut state_index: HashMap<u64, u32, IdBuild> = HashMap::default();
        state_index.insert(fx_hash(&init), 0);
        let words = n.div_ceil(64).max(1);
        Search {
            pure_op,
            blind_op,
            class_prev,
            ret_node,
            next,
            prev,
            node_op,
            bits: vec![0; words],
            unk_mask,
            zkey,
            zob: 0,
            states: vec![init],
            state_index,
            state_chain: vec![NIL],
            state: 0,
            stack: Vec::new(),
            cache: HashMap::default(),
            c_state: Vec::new(),
            c_next: Vec::new(),
            c_bits: Vec::new(),
            n_definite,
            lin_definite: 0,
            cur: HEAD,
            pure_phase: true,
            rank,
            cand: Vec::new(),
            levels: Vec::new(),
            steps: 0,
            result: if n_definite == 0 { Some(true) } else { None },
            reserved: false,
            ops,
        }
        .started()
    }

    fn started(mut self) -> Self {
        self.cur = self.next[HEAD as usize];
        self
    }

    /// Pre-allocate the memo for `entries` entries, so that growing it never stalls a frame.
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.reserved = true;
        self.cache.reserve(entries);
        self.c_state.reserve(entries);
        self.c_next.reserve(entries);
        self.c_bits.reserve(entries.saturating_mul(self.bits.len()));
    }

    #[inline]
    fn bit(&self, op: u32) -> bool {
        self.bits[(op >> 6) as usize] & (1u64 << (op & 63)) != 0
    }

    #[inline]
    fn flip(&mut self, op: u32) {
        self.bits[(op >> 6) as usize] ^= 1u64 << (op & 63);
    }

    fn intern(&mut self, s: M::State) -> u32 {
        let h = fx_hash(&s);
        let new_id = self.states.len() as u32;
        match self.state_index.entry(h) {
            Entry::Occupied(mut e) => {
                let mut i = *e.get();
                while i != NIL {
                    if self.states[i as usize] == s {
                        return i;
                    }
                    i = self.state_chain[i as usize];
                }
                self.state_chain.push(*e.get());
                e.insert(new_id);
            }
            Entry::Vacant(e) => {
                self.state_chain.push(NIL);
                e.insert(new_id);
            }
        }
        self.states.push(s);
        new_id
    }

    /// Insert (current bits, state) into the memo; false when it was already there — or when
    /// a visited configuration *dominates* it: same state, same definite operations placed,
    /// and a subset of the unknown-outcome ones used. Having used fewer unknowns leaves more
    /// options, so if that one failed, this one fails too (Knossos-style pruning of `info`).
    fn memo_insert(&mut self, hash: u64, state: u32) -> bool {
        let words = self.bits.len();
        let key = hash ^ (u64::from(state) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let new_idx = self.c_state.len() as u32;
        let chain = match self.cache.entry(key) {
            Entry::Occupied(mut e) => {
                let mut i = *e.get();
                // Newest entries first; a bounded walk keeps every step O(1) (missing a match
                // only costs re-exploration, never soundness).
                let mut walk = 0;
                while i != NIL && walk < 24 {
                    walk += 1;
                    let iu = i as usize;
                    if self.c_state[iu] == state {
                        let seen = &self.c_bits[iu * words..(iu + 1) * words];
                        let dominated = seen.iter().zip(&self.bits).zip(&self.unk_mask).all(|((&old, &cur), &unk)| {
                            // Definite parts equal, and old's unknowns ⊆ current unknowns.
                            (old ^ cur) & !unk == 0 && old & unk & !cur == 0
                        });
                        if dominated {
                            return false;
                        }
                    }
                    i = self.c_next[iu];
                }
                let old = *e.get();
                e.insert(new_idx);
                old
            }
            Entry::Vacant(e) => {
                e.insert(new_idx);
                NIL
            }
        };
        self.c_state.push(state);
        self.c_next.push(chain);
        self.c_bits.extend_from_slice(&self.bits);
        true
    }

    #[inline]
    fn unlink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = n;
        if n != NIL {
            self.prev[n as usize] = p;
        }
    }

    #[inline]
    fn relink(&mut self, node: u32) {
        let (p, n) = (self.prev[node as usize], self.next[node as usize]);
        self.next[p as usize] = node;
        if n != NIL {
            self.prev[n as usize] = node;
        }
    }

    /// Pop choices until one with untried alternatives; false when the stack is empty.
    fn backtrack(&mut self) -> bool {
        while let Some(f) = self.stack.pop() {
            let op = self.node_op[f.node as usize];
            let r = self.ret_node[op as usize];
            if r != NIL {
                self.relink(r);
            }
            self.relink(f.node);
            self.flip(op);
            self.zob ^= self.zkey[op as usize];
            self.state = f.prev_state;
            if r != NIL {
                self.lin_definite -= 1;
            }
            if !f.forced {
                // Back at the configuration that chose this frame: its level has the next
                // candidate.
                self.pure_phase = false;
                return true;
            }
        }
        false
    }

    /// Collect the branching candidates of the current configuration (calls before the first
    /// pending return, except read-only ones, which the pure phase already tried), in `rank`
    /// order.
    fn push_level(&mut self) -> u64 {
        let start = self.cand.len();
        let mut e = self.next[HEAD as usize];
        let mut scanned = 0u64;
        while e != NIL {
            let tag = self.node_op[e as usize];
            if tag & RET != 0 {
                break;
            }
            scanned += 1;
            let op = tag as usize;
            if !self.pure_op[op] {
                let p = self.class_prev[op];
                if p == NIL || self.bit(p) {
                    self.cand.push((self.rank[op], e));
                }
            }
            e = self.next[e as usize];
        }
        sort::sort(&mut self.cand[start..]);
        self.levels.push((start as u32, start as u32));
        scanned
    }

    /// Make `e` (a call node) the next linearised operation if legal and not memoised; returns
    /// `Some(true)` when it was linearised, `Some(false)` when skipped, `None` when a forced
    /// move hit the memo (the configuration fails).
    #[inline]
    fn try_node(&mut self, model: &M, e: u32) -> Option<bool> {
        let op = self.node_op[e as usize] as usize;
        let pure = self.pure_op[op];
        let definite = self.ret_node[op] != NIL;
        if self.blind_op[op] {
            // Unknown u then blind b is dominated by b alone (u stays available for later):
            // the sibling branch that places b without u covers it.
            if let Some(top) = self.stack.last() {
                if self.ret_node[self.node_op[top.node as usize] as usize] == NIL {
                    return Some(false);
                }
            }
        }
        let o = &self.ops[op];
        let new_state = match model.step(&self.states[self.state as usize], &o.input, o.output.as_ref()) {
            Transition::Illegal => return Some(false),
            Transition::Unchanged => self.state,
            Transition::Next(s) => self.intern(s),
        };
        if !definite && new_state == self.state {
            // Taking effect without changing anything is the same as not yet taking effect.
            return Some(false);
        }
        self.flip(op as u32);
        let hash = self.zob ^ self.zkey[op];
        if !self.memo_insert(hash, new_state) {
            self.flip(op as u32);
            return if pure { None } else { Some(false) };
        }
        self.stack.push(Frame { node: e, prev_state: self.state, forced: pure });
        self.state = new_state;
        self.zob = hash;
        self.unlink(e);
        if definite {
            let r = self.ret_node[op];
            self.unlink(r);
            self.lin_definite += 1;
        }
        Some(true)
    }

    /// Search for up to `budget` more steps.
    pub(crate) fn run(&mut self, model: &M, budget: u64) -> Poll {
        if let Some(r) = self.result {
            return Poll::Done(r);
        }
        let limit = self.steps.saturating_add(budget);
        while self.steps < limit {
            self.steps += 1;
            if self.pure_phase {
                // Pure phase: linearise any legal read-only operation at once (forced move).
                let e = self.cur;
                let tag = if e == NIL { RET } else { self.node_op[e as usize] };
                if tag & RET != 0 {
                    self.pure_phase = false;
                    self.steps += self.push_level();
                    continue;
                }
                if !self.pure_op[tag as usize] {
                    self.cur = self.next[e as usize];
                    continue;
                }
                match self.try_node(model, e) {
                    Some(false) => self.cur = self.next[e as usize],
                    Some(true) => {
                        if self.lin_definite == self.n_definite {
                            self.result = Some(true);
                            return Poll::Done(true);
                        }
                        self.cur = self.next[HEAD as usize];
                    }
                    None => {
                        if !self.backtrack() {
                            self.result = Some(false);
                            return Poll::Done(false);
                        }
                    }
                }
                continue;
            }
            // Branch phase: try the current configuration's next candidate.
            let Some(&(start, pos)) = self.levels.last() else {
                self.result = Some(false);
                return Poll::Done(false);
            };
            if pos as usize >= self.cand.len() {
                self.levels.pop();
                self.cand.truncate(start as usize);
                if !self.backtrack() {
                    self.result = Some(false);
                    return Poll::Done(false);
                }
                continue;
            }
            if let Some(top) = self.levels.last_mut() {
                top.1 = pos + 1;
            }
            let e = self.cand[pos as usize].1;
            if self.try_node(model, e) == Some(true) {
                if self.lin_definite == self.n_definite {
                    self.result = Some(true);
                    return Poll::Done(true);
                }
                self.pure_phase = true;
                self.cur = self.next[HEAD as usize];
            }
        }
        Poll::Paused
    }
}
