//! The resumable Wing–Gong–Lowe search over one partition (see the parent module's docs for the
//! algorithm and our additions to it), with its memo of visited configurations.
//!
//! # The memo, compactly and exactly
//!
//! Lowe's memo keeps every visited configuration: the set of linearised operations and the model
//! state. Stored as a bitset of the whole partition (as Porcupine does), one entry costs n/8
//! bytes, and a search that visits a configuration per operation needs n²/8 bytes: 1.25 GB for
//! a 100,000-operation register. But a configuration's set has a shape: the operations are
//! numbered in invocation order, and every *definite* operation below the first one not yet
//! linearised (`lo`) is linearised, while those above it that are linearised were all invoked
//! before `lo` returned — a window as wide as the history's concurrency. An entry therefore
//! stores `lo`, the highest definite operation linearised, the bitset words of the window
//! between them, and the list of unknown-outcome operations used; a few dozen bytes. It is
//! exact (entries are compared in full, never by hash alone), so a verdict of "not
//! linearizable" is still a proof, and the dominance rule (fewer unknowns used is at least as
//! good) still applies: an entry whose unknowns are all used in the current configuration, with
//! the same state and definite part, prunes it.
//!
//! # Memory
//!
//! [`Search::bytes`] counts what the search holds (operations, event list, memo, states, stack)
//! with fixed sizes per element, so the count, and the step at which a memory limit stops a
//! search, is the same natively and in wasm. A search stops with [`Poll::OutOfMemory`] *before*
//! a memo insertion would grow its tables past the limit.

use super::model::{Model, ModelOp, Transition};
use crate::core::sort;
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
    /// The memory limit would be exceeded: the search stops for good (no answer).
    OutOfMemory,
}

#[derive(Clone, Copy)]
struct Frame {
    node: u32,
    prev_state: u32,
    /// `max_def` before this frame (restored on backtrack).
    prev_max_def: u32,
    forced: bool,
}

/// Accounted bytes per operation (the op itself and its per-op arrays) and per event node.
const BYTES_PER_OP: usize = 96;
const BYTES_PER_NODE: usize = 12;
/// Accounted bytes per slot of a hash table keyed by u64 with a u32 value (key, value, control
/// byte, and the 1/8 of slots hashbrown keeps empty).
const BYTES_PER_TABLE_SLOT: usize = 20;
/// Words of an entry's header in the memo arena: next, state, lo, max_def, window words, unknowns.
const ENTRY_HEADER: usize = 6;
/// How often (in steps) `run` re-counts its bytes, beside the check before each memo insertion.
const MEMORY_CHECK_EVERY: u64 = 1 << 10;

/// A resumable Wing–Gong–Lowe search over one partition.
#[derive(Clone)]
pub(crate) struct Search<M: Model> {
    /// The operations in invocation order (ties: the caller's order).
    ops: Vec<ModelOp<M::Input, M::Output>>,
    /// For each of `ops`, its index in the caller's vector.
    orig: Vec<u32>,
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
    /// The first definite operation not linearised (`n` when all are).
    lo: u32,
    /// The highest definite operation linearised (`NIL` when none).
    max_def: u32,
    /// Unknown-outcome operations linearised on the current path, in the order they were.
    unk_used: Vec<u32>,
    // Interned model states: the search and memo work on small ids.
    states: Vec<M::State>,
    /// Accounted bytes of the interned states (`Model::state_bytes`).
    state_bytes: usize,
    /// State hash → first state id with that hash; `state_chain` links ids with equal hashes.
    /// (Keyed by the stored hash so growing the table never rehashes the states themselves.)
    state_index: HashMap<u64, u32, IdBuild>,
    state_chain: Vec<u32>,
    state: u32,
    stack: Vec<Frame>,
    /// Memo: key (definite set's hash mixed with the state) → offset of the newest entry of its
    /// chain in `arena` (see the module docs for an entry's layout).
    cache: HashMap<u64, u32, IdBuild>,
    arena: Vec<u32>,
    /// Memo entries stored.
    pub(crate) entries: u64,
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
    /// The deepest first pending return seen (a node; 0 = none): every definite operation
    /// returning before it was linearised together, in some configuration.
    front: u32,
    /// Steps used so far.
    pub(crate) steps: u64,
    result: Option<bool>,
    /// Accounted bytes of the fixed structures (operations, event list, bitsets).
    fixed_bytes: usize,
    /// Stop (OutOfMemory) rather than grow past this many accounted bytes.
    memory_limit: usize,
    out_of_memory: bool,
    /// True once `reserve` was called.
    pub(crate) reserved: bool,
}

impl<M: Model> Search<M> {
    /// Build the event list; the search stops with [`Poll::OutOfMemory`] rather than account
    /// more than `memory_limit` bytes.
    pub(crate) fn with_limit(model: &M, ops: Vec<ModelOp<M::Input, M::Output>>, memory_limit: usize) -> Self {
        // Invocation order (ties: the caller's), so that a configuration's linearised set is a
        // prefix plus a window (see the module docs).
        let mut order: Vec<(u64, u32)> = ops.iter().enumerate().map(|(i, o)| (o.call, i as u32)).collect();
        sort::sort(&mut order);
        let orig: Vec<u32> = order.iter().map(|&(_, i)| i).collect();
        let mut slots: Vec<Option<ModelOp<M::Input, M::Output>>> = ops.into_iter().map(Some).collect();
        let ops: Vec<ModelOp<M::Input, M::Output>> =
            orig.iter().filter_map(|&i| slots.get_mut(i as usize).and_then(Option::take)).collect();
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
        drop(last_of_class);
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
        let words = n.div_ceil(64).max(1);
        let mut unk_mask = vec![0u64; words];
        for (i, o) in ops.iter().enumerate() {
            if o.output.is_none() {
                unk_mask[i >> 6] |= 1u64 << (i & 63);
            }
        }
        let init = model.init();
        let state_bytes = model.state_bytes(&init);
        let mut state_index: HashMap<u64, u32, IdBuild> = HashMap::default();
        state_index.insert(fx_hash(&init), 0);
        let fixed_bytes = n * BYTES_PER_OP + nodes * BYTES_PER_NODE + words * 16;
        let mut search = Search {
            orig,
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
            lo: 0,
            max_def: NIL,
            unk_used: Vec::new(),
            states: vec![init],
            state_bytes,
            state_index,
            state_chain: vec![NIL],
            state: 0,
            stack: Vec::new(),
            cache: HashMap::default(),
            arena: Vec::new(),
            entries: 0,
            n_definite,
            lin_definite: 0,
            cur: HEAD,
            pure_phase: true,
            rank,
            cand: Vec::new(),
            levels: Vec::new(),
            front: 0,
            steps: 0,
            result: if n_definite == 0 { Some(true) } else { None },
            fixed_bytes,
            memory_limit,
            out_of_memory: false,
            reserved: false,
            ops,
        };
        search.lo = search.next_lo(0);
        search.cur = search.next[HEAD as usize];
        search
    }

    /// Pre-allocate the memo for `entries` entries, so that growing it never stalls a frame.
    pub(crate) fn reserve(&mut self, entries: usize) {
        self.reserved = true;
        self.cache.reserve(entries);
        self.arena.reserve(entries.saturating_mul(ENTRY_HEADER + 2));
    }

    /// Change the memory limit (the search stops before accounting more than this).
    pub(crate) fn set_memory_limit(&mut self, bytes: usize) {
        self.memory_limit = bytes;
    }

    /// Accounted bytes held by this search (see the module docs).
    pub(crate) fn bytes(&self) -> usize {
        self.fixed_bytes
            + self.arena.capacity() * 4
            + self.cache.capacity() * BYTES_PER_TABLE_SLOT
            + self.state_index.capacity() * BYTES_PER_TABLE_SLOT
            + self.state_bytes
            + self.state_chain.capacity() * 4
            + self.stack.capacity() * 16
            + self.cand.capacity() * 8
            + self.levels.capacity() * 8
            + self.unk_used.capacity() * 4
    }

    /// The caller's index of the operation whose return was the deepest first pending return
    /// the search reached: every cut of the history before that return is linearizable.
    pub(crate) fn frontier_op(&self) -> Option<usize> {
        if self.front == 0 {
            return None;
        }
        let op = (self.node_op[self.front as usize] & !RET) as usize;
        self.orig.get(op).map(|&i| i as usize)
    }

    #[inline]
    fn bit(&self, op: u32) -> bool {
        self.bits[(op >> 6) as usize] & (1u64 << (op & 63)) != 0
    }

    #[inline]
    fn flip(&mut self, op: u32) {
        self.bits[(op >> 6) as usize] ^= 1u64 << (op & 63);
    }

    /// The first definite operation at or after `from` that is not linearised (`n` if none).
    fn next_lo(&self, from: u32) -> u32 {
        let n = self.ops.len() as u32;
        let mut w = (from >> 6) as usize;
        if w >= self.bits.len() {
            return n;
        }
        // Definite and not linearised; bits below `from` masked off.
        let mut word = !self.bits[w] & !self.unk_mask[w] & (!0u64 << (from & 63));
        loop {
            if word != 0 {
                return ((w as u32) << 6 | word.trailing_zeros()).min(n);
            }
            w += 1;
            if w >= self.bits.len() {
                return n;
            }
            word = !self.bits[w] & !self.unk_mask[w];
        }
    }

    fn intern(&mut self, model: &M, s: M::State) -> u32 {
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
        self.state_bytes += model.state_bytes(&s);
        self.states.push(s);
        new_id
    }

    /// The window of definite operations above `lo` up to `max_def`, as bitset words (definite
    /// bits only): with `lo`, it is the exact definite part of the linearised set.
    fn window(&self, lo: u32, max_def: u32) -> std::ops::Range<usize> {
        if max_def == NIL || max_def < lo {
            return 0..0;
        }
        (lo >> 6) as usize..(max_def >> 6) as usize + 1
    }

    /// Insert the current configuration (bits already include the new operation; `lo`,
    /// `max_def` and `unk_used` are the new configuration's) into the memo. `Some(false)` when
    /// it was there already — or when a visited configuration *dominates* it: same state, same
    /// definite operations placed, and a subset of the unknown-outcome ones used. Having used
    /// fewer unknowns leaves more options, so if that one failed, this one fails too
    /// (Knossos-style pruning of `info`). `None` when storing it would exceed the memory limit.
    fn memo_insert(&mut self, hash: u64, state: u32, lo: u32, max_def: u32) -> Option<bool> {
        let key = hash ^ (u64::from(state) + 1).wrapping_mul(0x9E37_79B9_7F4A_7C15);
        let win = self.window(lo, max_def);
        let nwords = win.len();
        let head = self.cache.get(&key).copied();
        if let Some(mut i) = head {
            // Newest entries first; a bounded walk keeps every step O(1) (missing a match only
            // costs re-exploration, never soundness).
            let mut walk = 0;
            while i != NIL && walk < 24 {
                walk += 1;
                let e = i as usize;
                let a = &self.arena;
                if a[e + 1] == state && a[e + 2] == lo && a[e + 3] == max_def && a[e + 4] as usize == nwords {
                    let words = &a[e + ENTRY_HEADER..e + ENTRY_HEADER + 2 * nwords];
                    let same_definite = win.clone().zip(words.chunks_exact(2)).all(|(w, pair)| {
                        let stored = u64::from(pair[0]) | (u64::from(pair[1]) << 32);
                        stored == self.bits[w] & !self.unk_mask[w]
                    });
                    if same_definite {
                        let nu = a[e + 5] as usize;
                        let us = &a[e + ENTRY_HEADER + 2 * nwords..e + ENTRY_HEADER + 2 * nwords + nu];
                        if us.iter().all(|&u| self.bit(u)) {
                            return Some(false);
                        }
                    }
                }
                i = a[e];
            }
        }
        let len = ENTRY_HEADER + 2 * nwords + self.unk_used.len();
        if !self.fits(len, head.is_none()) {
            self.out_of_memory = true;
            return None;
        }
        let at = self.arena.len() as u32;
        self.arena.extend_from_slice(&[
            head.unwrap_or(NIL),
            state,
            lo,
            max_def,
            nwords as u32,
            self.unk_used.len() as u32,
        ]);
        for w in win {
            let word = self.bits[w] & !self.unk_mask[w];
            self.arena.push(word as u32);
            self.arena.push((word >> 32) as u32);
        }
        self.arena.extend_from_slice(&self.unk_used);
        self.cache.insert(key, at);
        self.entries += 1;
        Some(true)
    }

    /// Would storing an entry of `len` words (and, if `new_key`, a table slot) stay within the
    /// memory limit, counting the doubling of whichever table or arena it would grow?
    fn fits(&self, len: usize, new_key: bool) -> bool {
        if self.memory_limit == usize::MAX {
            return true;
        }
        let mut extra = 0usize;
        if self.arena.len() + len > self.arena.capacity() {
            extra += self.arena.capacity().max(len) * 4;
        }
        if new_key && self.cache.len() >= self.cache.capacity() {
            extra += self.cache.capacity().max(4) * BYTES_PER_TABLE_SLOT;
        }
        self.bytes().saturating_add(extra) <= self.memory_limit
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
            self.max_def = f.prev_max_def;
            if r != NIL {
                self.lin_definite -= 1;
                self.lo = self.lo.min(op);
            } else {
                self.unk_used.pop();
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
                self.front = self.front.max(e);
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
    /// move hit the memo (the configuration fails). Sets `out_of_memory` when the memo is full.
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
            Transition::Next(s) => self.intern(model, s),
        };
        if !definite && new_state == self.state {
            // Taking effect without changing anything is the same as not yet taking effect.
            return Some(false);
        }
        let op32 = op as u32;
        self.flip(op32);
        let (new_lo, new_max) = if definite {
            let lo = if op32 == self.lo { self.next_lo(op32 + 1) } else { self.lo };
            (lo, if self.max_def == NIL { op32 } else { self.max_def.max(op32) })
        } else {
            self.unk_used.push(op32);
            (self.lo, self.max_def)
        };
        let hash = self.zob ^ self.zkey[op];
        match self.memo_insert(hash, new_state, new_lo, new_max) {
            Some(true) => {}
            outcome => {
                self.flip(op32);
                if !definite {
                    self.unk_used.pop();
                }
                return match outcome {
                    None => Some(false), // out of memory: `run` stops at once
                    _ if pure => None,
                    _ => Some(false),
                };
            }
        }
        self.stack.push(Frame { node: e, prev_state: self.state, prev_max_def: self.max_def, forced: pure });
        self.state = new_state;
        self.zob = hash;
        self.lo = new_lo;
        self.max_def = new_max;
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
        if self.out_of_memory {
            return Poll::OutOfMemory;
        }
        let limit = self.steps.saturating_add(budget);
        while self.steps < limit {
            self.steps += 1;
            if self.out_of_memory
                || (self.steps % MEMORY_CHECK_EVERY == 0
                    && self.memory_limit != usize::MAX
                    && self.bytes() > self.memory_limit)
            {
                self.out_of_memory = true;
                return Poll::OutOfMemory;
            }
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
        if self.out_of_memory {
            return Poll::OutOfMemory;
        }
        Poll::Paused
    }
}
