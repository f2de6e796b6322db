//! A map keyed by ids handed out in increasing order: the simulator's messages in flight.
//!
//! Messages are put on the wire with ever larger ids and leave in roughly the order they were
//! sent, but not exactly (latencies differ). Kept in a sorted `Vec` ([`VecMap`]), every delivery
//! shifted the younger messages down one place: a Raft run spent 7 % of its instructions
//! moving messages. Here the ids from `base` up sit in a ring, one slot per id, so a lookup is an
//! index and a delivered message leaves a hole; holes at either end are dropped at once. A
//! straggler (a message held for long, or a fading lost one) would keep every younger hole
//! alive, so when holes outnumber the messages in the ring the oldest slots move out: their
//! messages to a small sorted map of stragglers (`old`, ids below `base`). The map then holds at
//! most twice its messages plus a few slots. Iteration is in id order, as with [`VecMap`].
//!
//! ```text
//!   old: {3: m3}   base = 7
//!   ring:  [7: m7] [8: -] [9: m9] [10: -] [11: -] [12: m12]
//!   remove(7) → the front hole and the one behind it go: base = 9, ring [9: m9] [10: -] ...
//! ```
//!
//! [`VecMap`]: crate::core::vecmap::VecMap

use crate::core::vecmap::VecMap;
use std::collections::VecDeque;

/// Holes tolerated beyond the number of values in the ring before the oldest slots move out.
const SLACK: usize = 32;

/// A map from `u64` ids to values, for ids inserted (mostly) in increasing order.
#[derive(Clone, Debug)]
pub struct IdMap<V> {
    /// Values whose ids are below `base`, in id order.
    old: VecMap<u64, V>,
    /// The id of the ring's first slot.
    base: u64,
    /// Slot `i` is id `base + i`; `None` marks a hole (removed, or never inserted).
    ring: VecDeque<(u64, Option<V>)>,
    /// Values in the ring.
    in_ring: usize,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap { old: VecMap::new(), base: 0, ring: VecDeque::new(), in_ring: 0 }
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// The ring slot of `id`, when `id` is at or above `base` and within the ring.
    #[inline]
    fn slot(&self, id: u64) -> Option<usize> {
        let i = usize::try_from(id.checked_sub(self.base)?).ok()?;
        (i < self.ring.len()).then_some(i)
    }
    /// Insert or replace; returns the previous value.
    pub fn insert(&mut self, id: u64, v: V) -> Option<V> {
        if self.ring.is_empty() && id >= self.base {
            self.base = id;
        }
        if id < self.base {
            return self.old.insert(id, v);
        }
        if let Some(i) = self.slot(id) {
            let old = self.ring[i].1.replace(v);
            if old.is_none() {
                self.in_ring += 1;
            }
            return old;
        }
        // Far past the end: the ring's values become stragglers and the ring starts at `id`
        // (rather than filling a long run of holes).
        let end = self.base + self.ring.len() as u64;
        if id - end > (SLACK + self.ring.len()) as u64 {
            for (k, v) in self.ring.drain(..) {
                if let Some(v) = v {
                    self.old.insert(k, v);
                }
            }
            self.in_ring = 0;
            self.base = id;
        }
        // Past the end: holes for any ids skipped, then the value.
        while self.base + (self.ring.len() as u64) < id {
            let next = self.base + self.ring.len() as u64;
            self.ring.push_back((next, None));
        }
        self.ring.push_back((id, Some(v)));
        self.in_ring += 1;
        self.rebalance();
        None
    }
    /// The value under `id`.
    pub fn get(&self, id: &u64) -> Option<&V> {
        match self.slot(*id) {
            Some(i) => self.ring[i].1.as_ref(),
            None if *id < self.base => self.old.get(id),
            None => None,
        }
    }
    /// The value under `id`, mutably.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        match self.slot(*id) {
            Some(i) => self.ring[i].1.as_mut(),
            None if *id < self.base => self.old.get_mut(id),
            None => None,
        }
    }
    /// Remove `id`; returns its value.
    pub fn remove(&mut self, id: &u64) -> Option<V> {
        let Some(i) = self.slot(*id) else {
            return if *id < self.base { self.old.remove(id) } else { None };
        };
        let v = self.ring[i].1.take()?;
        self.in_ring -= 1;
        self.trim();
        self.rebalance();
        Some(v)
    }
    /// Drop the holes at both ends of the ring.
    fn trim(&mut self) {
        while self.ring.front().is_some_and(|(_, v)| v.is_none()) {
            self.ring.pop_front();
            self.base += 1;
        }
        while self.ring.back().is_some_and(|(_, v)| v.is_none()) {
            self.ring.pop_back();
        }
    }
    /// Move the oldest slots out while holes outnumber the values in the ring.
    fn rebalance(&mut self) {
        while self.ring.len() > 2 * self.in_ring + SLACK {
            let Some((id, v)) = self.ring.pop_front() else { break };
            self.base += 1;
            if let Some(v) = v {
                self.in_ring -= 1;
                self.old.insert(id, v);
            }
            self.trim();
        }
    }
    /// Keep only the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&u64, &mut V) -> bool) {
        self.old.retain(&mut f);
        for (id, slot) in self.ring.iter_mut() {
            if slot.as_mut().is_some_and(|v| !f(id, v)) {
                *slot = None;
                self.in_ring -= 1;
            }
        }
        self.trim();
        self.rebalance();
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.old.len() + self.in_ring
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
    /// Entries in id order.
    pub fn iter(&self) -> impl Iterator<Item = (&u64, &V)> {
        self.old.iter().chain(self.ring.iter().filter_map(|(k, v)| v.as_ref().map(|v| (k, v))))
    }
    /// Entries in id order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&u64, &mut V)> {
        self.old.iter_mut().chain(self.ring.iter_mut().filter_map(|(k, v)| v.as_mut().map(|v| (&*k, v))))
    }
}

#[cfg(test)]
mod tests {
    use super::IdMap;
    use crate::core::vecmap::VecMap;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    #[test]
    fn behaves_as_an_ordered_map_and_stays_within_twice_its_size() {
        for seed in 0..100u64 {
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            let (mut map, mut reference) = (IdMap::new(), VecMap::new());
            let mut next = 0u64;
            for step in 0..4000u64 {
                match rng.random_range(0..10) {
                    0..=3 => {
                        next += if rng.random_range(0..200) == 0 { 1000 } else { rng.random_range(1..3) };
                        assert_eq!(map.insert(next, step), reference.insert(next, step), "seed {seed}");
                    }
                    4..=6 => {
                        // Mostly the oldest ids, as deliveries are.
                        let id = next.saturating_sub(rng.random_range(0..40));
                        assert_eq!(map.remove(&id), reference.remove(&id), "seed {seed}");
                    }
                    7 => {
                        let id = next.saturating_sub(rng.random_range(0..40));
                        assert_eq!(map.insert(id, step), reference.insert(id, step), "seed {seed}");
                    }
                    8 => {
                        let id = next.saturating_sub(rng.random_range(0..40));
                        if let (Some(a), Some(b)) = (map.get_mut(&id), reference.get_mut(&id)) {
                            *a += 1;
                            *b += 1;
                        }
                        assert_eq!(map.get(&id), reference.get(&id), "seed {seed}");
                    }
                    _ => {
                        let cut = rng.random_range(0..4000);
                        map.retain(|_, v| *v > cut);
                        reference.retain(|_, v| *v > cut);
                    }
                }
                assert_eq!(map.len(), reference.len(), "seed {seed}");
                assert!(map.ring.len() <= 2 * map.in_ring + super::SLACK + 1, "seed {seed}: holes unbounded");
                assert!(map.old.keys().all(|k| *k < map.base), "seed {seed}");
            }
            let (a, b): (Vec<_>, Vec<_>) = (map.iter().collect(), reference.iter().collect());
            assert_eq!(a, b, "seed {seed}");
        }
    }
}
