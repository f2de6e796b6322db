//! FNV-1a, 64-bit: a small stable hash, the same on every platform (`usize`/`isize` are widened
//! to 64 bits, so wasm32 and x86_64 agree). The simulator hashes its trace with it; protocols
//! use it where they need a deterministic hash (Dynamo's ring placement and digests).

use std::hash::Hasher;

/// FNV-1a, 64-bit, platform-independent.
#[derive(Clone, Debug)]
pub struct Fnv(u64);

impl Default for Fnv {
    fn default() -> Self {
        Fnv(0xcbf2_9ce4_8422_2325)
    }
}

impl Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for b in bytes {
            self.0 ^= *b as u64;
            self.0 = self.0.wrapping_mul(0x0100_0000_01b3);
        }
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_isize(&mut self, i: isize) {
        self.write_i64(i as i64);
    }
}
