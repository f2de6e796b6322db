//! The trace hash: a fast 64-bit hash of everything a run did, the same on every platform. Each
//! 64-bit word is folded in with one rotate, xor and multiply (FxHash's step, rustc's own
//! hasher), bytes eight at a time, and `finish` avalanches the state with splitmix64's finaliser.
//! It replaced byte-at-a-time FNV-1a for the trace (8 % of a Raft run's time went to hashing
//! message payloads); it tells runs apart and is not meant to resist an adversary.

use std::hash::Hasher;

const K: u64 = 0x517c_c1b7_2722_0a95;

/// The simulator's trace hasher (see the module doc).
#[derive(Clone, Debug)]
pub struct TraceHash(u64);

impl Default for TraceHash {
    fn default() -> Self {
        // Not zero: from a zero state, zero words would leave it zero (and go unnoticed).
        TraceHash(0xcbf2_9ce4_8422_2325)
    }
}

impl TraceHash {
    #[inline]
    fn word(&mut self, w: u64) {
        self.0 = (self.0.rotate_left(5) ^ w).wrapping_mul(K);
    }
}

impl Hasher for TraceHash {
    fn finish(&self) -> u64 {
        // splitmix64's finaliser: every input bit reaches every output bit.
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
        z ^ (z >> 31)
    }
    fn write(&mut self, bytes: &[u8]) {
        let mut chunks = bytes.chunks_exact(8);
        for c in &mut chunks {
            self.word(u64::from_le_bytes(c.try_into().expect("8 bytes")));
        }
        let rest = chunks.remainder();
        if !rest.is_empty() {
            let mut w = [0u8; 8];
            w[..rest.len()].copy_from_slice(rest);
            // The length keeps "ab" + "" apart from "a" + "b".
            self.word(u64::from_le_bytes(w) ^ ((rest.len() as u64) << 56));
        }
    }
    fn write_u8(&mut self, i: u8) {
        self.word(i as u64);
    }
    fn write_u16(&mut self, i: u16) {
        self.word(i as u64);
    }
    fn write_u32(&mut self, i: u32) {
        self.word(i as u64);
    }
    fn write_u64(&mut self, i: u64) {
        self.word(i);
    }
    fn write_usize(&mut self, i: usize) {
        self.word(i as u64);
    }
    fn write_i64(&mut self, i: i64) {
        self.word(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.word(i as i64 as u64);
    }
}

#[cfg(test)]
mod tests {
    use super::TraceHash;
    use std::hash::{Hash, Hasher};

    fn h<T: Hash>(t: T) -> u64 {
        let mut s = TraceHash::default();
        t.hash(&mut s);
        s.finish()
    }

    #[test]
    fn tells_apart_what_a_trace_holds() {
        assert_ne!(h((1u64, 2u64)), h((2u64, 1u64)), "order matters");
        assert_ne!(h(("ab", "")), h(("a", "b")), "string boundaries matter");
        assert_ne!(h("abcdefgh1"), h("abcdefgh2"), "the tail after full words counts");
        assert_ne!(h(0u64), h(()), "a zero word is not nothing");
        assert_eq!(h((7u32, "x")), h((7u32, "x")), "deterministic");
        // usize is hashed as 64 bits: wasm32 and x86_64 agree.
        assert_eq!(h(5usize), h(5u64));
    }
}
