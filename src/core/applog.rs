//! An append-only log whose copies share what they have in common. A protocol that keeps its
//! whole log on stable storage (2PC and 3PC: BHG ch. 7 never truncates it; ZAB's history, which
//! only a TRUNC shortens at its uncommitted end) hands the simulator a
//! copy of its durable fields on every write, and time travel keeps copies of the world as
//! checkpoints. With a plain `Vec` each copy held every record again — a 2PC hour at 10× took
//! 15 MB per copy of the world and a write cost a copy of the whole log. Here full chunks of
//! [`CHUNK`] records are frozen behind an `Arc` the moment they fill, so a copy costs one
//! pointer per chunk plus the short open tail, and every copy — the node's, its persisted one,
//! each checkpoint's — shares the frozen records.
//!
//! It behaves as a `Vec` that grows at its end (and may be cut back there): equality, hashing and
//! `Debug` are those of the records in order (the explorer's state hashes do not see the chunking).

use std::fmt;
use std::hash::{Hash, Hasher};
use std::sync::Arc;

/// Records per frozen chunk.
pub const CHUNK: usize = 64;

/// An append-only sequence of records; clones share every full chunk.
#[derive(Clone)]
pub struct AppendLog<T> {
    /// Full chunks, oldest first, each exactly [`CHUNK`] records.
    frozen: Vec<Arc<[T]>>,
    /// The records after the last full chunk (fewer than [`CHUNK`]).
    tail: Vec<T>,
}

impl<T> Default for AppendLog<T> {
    fn default() -> Self {
        AppendLog { frozen: Vec::new(), tail: Vec::new() }
    }
}

impl<T> AppendLog<T> {
    /// An empty log.
    pub fn new() -> Self {
        Self::default()
    }
    /// Number of records.
    pub fn len(&self) -> usize {
        self.frozen.len() * CHUNK + self.tail.len()
    }
    /// True when nothing has been appended.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Append a record (freezing the tail when it fills a chunk).
    pub fn push(&mut self, record: T) {
        self.tail.push(record);
        if self.tail.len() == CHUNK {
            self.frozen.push(Arc::from(std::mem::take(&mut self.tail)));
        }
    }
    /// The record at `index` (0-based), if there is one.
    pub fn get(&self, index: usize) -> Option<&T> {
        match self.frozen.get(index / CHUNK) {
            Some(chunk) => chunk.get(index % CHUNK),
            None => self.tail.get(index - self.frozen.len() * CHUNK),
        }
    }
    /// The newest record.
    pub fn last(&self) -> Option<&T> {
        self.tail.last().or_else(|| self.frozen.last().and_then(|c| c.last()))
    }
    /// Every record, oldest first.
    pub fn iter(&self) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        self.iter_from(0)
    }
    /// The records `from..to` (clamped to the log), oldest first.
    pub fn range(&self, from: usize, to: usize) -> impl Iterator<Item = &T> + Clone + '_ {
        let to = to.min(self.len());
        self.iter_from(from).take(to.saturating_sub(from))
    }
    /// The index of the first record for which `pred` is false, when the log is partitioned by
    /// it (every true before every false), as `slice::partition_point`.
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len());
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(&self[mid]) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }
    /// The records from `from` on (0-based), oldest first; empty when `from` is past the end.
    pub fn iter_from(&self, from: usize) -> impl DoubleEndedIterator<Item = &T> + Clone + '_ {
        let first = (from / CHUNK).min(self.frozen.len());
        let skip = if first < self.frozen.len() { from % CHUNK } else { 0 };
        let tail_from = from.saturating_sub(self.frozen.len() * CHUNK).min(self.tail.len());
        self.frozen[first..]
            .iter()
            .enumerate()
            .flat_map(move |(k, chunk)| chunk[if k == 0 { skip } else { 0 }..].iter())
            .chain(self.tail[tail_from..].iter())
    }
    /// Append every record of `records`.
    pub fn extend(&mut self, records: impl IntoIterator<Item = T>) {
        for r in records {
            self.push(r);
        }
    }
    /// Keep the first `len` records (a no-op when the log is shorter). Cutting into a frozen chunk
    /// copies its kept records into a fresh tail; the chunk stays intact for the copies sharing it.
    pub fn truncate(&mut self, len: usize)
    where
        T: Clone,
    {
        if len >= self.len() {
            return;
        }
        let keep_chunks = len / CHUNK;
        if keep_chunks < self.frozen.len() {
            let cut = self.frozen[keep_chunks].clone();
            self.frozen.truncate(keep_chunks);
            self.tail = cut[..len % CHUNK].to_vec();
        } else {
            self.tail.truncate(len - keep_chunks * CHUNK);
        }
    }
    /// Bytes a clone holds beyond the chunks it shares, at `per_record` bytes a record: the
    /// chunk pointers and the open tail (time travel budgets its checkpoints with this).
    pub fn unshared_bytes(&self, per_record: usize) -> usize {
        self.frozen.len() * 2 * std::mem::size_of::<usize>() + self.tail.len() * per_record
    }
    /// Bytes of the frozen chunks, at `per_record` bytes a record: held once, whatever the copies.
    pub fn shared_bytes(&self, per_record: usize) -> usize {
        self.frozen.len() * CHUNK * per_record
    }
}

impl<T> std::ops::Index<usize> for AppendLog<T> {
    type Output = T;
    fn index(&self, index: usize) -> &T {
        match self.get(index) {
            Some(r) => r,
            None => panic!("index {index} out of a log of {} records", self.len()),
        }
    }
}

impl<T> From<Vec<T>> for AppendLog<T> {
    fn from(records: Vec<T>) -> Self {
        records.into_iter().collect()
    }
}

impl<T: PartialEq> PartialEq for AppendLog<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len() == other.len() && self.iter().eq(other.iter())
    }
}
impl<T: Eq> Eq for AppendLog<T> {}

impl<T: Hash> Hash for AppendLog<T> {
    // As a `Vec<T>` hashes (length, then each record), so a state's hash is the records'.
    fn hash<H: Hasher>(&self, state: &mut H) {
        state.write_usize(self.len());
        for r in self.iter() {
            r.hash(state);
        }
    }
}

impl<T: fmt::Debug> fmt::Debug for AppendLog<T> {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_list().entries(self.iter()).finish()
    }
}

impl<T> FromIterator<T> for AppendLog<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut log = AppendLog::new();
        for r in iter {
            log.push(r);
        }
        log
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn behaves_as_a_growing_vec_across_chunk_boundaries() {
        let mut log = AppendLog::new();
        let mut v = Vec::new();
        for i in 0..(3 * CHUNK + 5) {
            log.push(i);
            v.push(i);
            assert_eq!(log.len(), v.len());
            assert_eq!(log.last(), v.last());
            for from in [0, i / 2, i.saturating_sub(1), i, i + 1, i + CHUNK] {
                assert!(log.iter_from(from).eq(v.get(from..).unwrap_or(&[]).iter()), "from {from} at {i}");
            }
            assert!(log.iter().rev().eq(v.iter().rev()));
            assert_eq!(log.get(i), Some(&i));
            assert_eq!(log.get(i + 1), None);
            assert_eq!(log.partition_point(|x| *x < i / 2), i / 2);
            assert!(log.range(i / 3, i / 2 + 1).eq(v[i / 3..i / 2 + 1].iter()));
        }
    }

    #[test]
    fn truncation_cuts_into_a_chunk_without_touching_the_copies_that_share_it() {
        for keep in [0, 1, CHUNK - 1, CHUNK, CHUNK + 1, 2 * CHUNK + 2, 3 * CHUNK] {
            let mut a: AppendLog<usize> = (0..(2 * CHUNK + 5)).collect();
            let b = a.clone();
            a.truncate(keep);
            let mut v: Vec<usize> = (0..(2 * CHUNK + 5)).collect();
            v.truncate(keep);
            assert!(a.iter().eq(v.iter()), "truncate({keep})");
            a.extend(1000..1000 + CHUNK + 3);
            v.extend(1000..1000 + CHUNK + 3);
            assert!(a.iter().eq(v.iter()) && a.len() == v.len(), "truncate({keep}) then extend");
            assert!(b.iter().copied().eq(0..(2 * CHUNK + 5)), "the copy kept its records");
        }
    }

    #[test]
    fn clones_share_frozen_chunks_and_stay_independent() {
        let mut a: AppendLog<u64> = (0..(2 * CHUNK as u64 + 3)).collect();
        let b = a.clone();
        assert!(Arc::ptr_eq(&a.frozen[0], &b.frozen[0]));
        a.push(99);
        assert_eq!(b.len(), 2 * CHUNK + 3);
        assert_eq!(a.len(), 2 * CHUNK + 4);
        assert_ne!(a, b);
        let mut h1 = crate::core::fnv::Fnv::default();
        let mut h2 = crate::core::fnv::Fnv::default();
        b.hash(&mut h1);
        b.iter().copied().collect::<Vec<u64>>().hash(&mut h2);
        assert_eq!(h1.finish(), h2.finish(), "hashes as the Vec of its records");
    }
}
