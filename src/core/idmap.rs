//! A map keyed by ids handed out in increasing order: the simulator's messages in flight.
//!
//! Messages are put on the wire with ever larger ids and leave in roughly the order they were
//! sent, but not exactly (latencies differ). Kept in a sorted `Vec` ([`VecMap`]), every delivery
//! shifted the younger messages down one place: a Raft run spent about 4 % of its instructions
//! moving messages. Here the values sit still in `cells` (a slab: a freed cell is reused), and
//! the ids from `base` up index a ring of cell numbers, one slot per id, so a lookup is an index
//! and a delivered message leaves a hole of four bytes; holes at either end are dropped at once.
//! A straggler (a message held for long, or a fading lost one) would keep every younger hole
//! alive, so when holes outnumber the messages in the ring the oldest slots move out to a small
//! sorted map of stragglers (`old`, ids below `base`). The ring then holds at most twice its
//! messages plus a few slots. Iteration is in id order, as with [`VecMap`].
//!
//! ```text
//!   old: {3 → c4}      base = 7
//!   ring:  7 → c0 | 8 → hole | 9 → c2 | 10 → hole | 11 → c1
//!   remove(7): c0 is freed; the holes at the front go: base = 9, ring 9 → c2 | 10 → hole | ...
//! ```
//!
//! [`VecMap`]: crate::core::vecmap::VecMap

use crate::core::vecmap::VecMap;

/// Holes tolerated beyond the number of values in the ring before the oldest slots move out.
const SLACK: usize = 32;
/// A ring slot with no value.
const HOLE: u32 = u32::MAX;

/// A map from `u64` ids to values, for ids inserted (mostly) in increasing order.
#[derive(Clone, Debug)]
pub struct IdMap<V> {
    /// Each value with its id, in no order; a freed cell is `None` and listed in `free`.
    cells: Vec<(u64, Option<V>)>,
    /// Cells free for reuse.
    free: Vec<u32>,
    /// The cells of ids below `base`, in id order.
    old: VecMap<u64, u32>,
    /// The id of the ring's first slot.
    base: u64,
    /// The ring is `slots[head..]`: its slot `i` holds the cell of id `base + i`, or [`HOLE`].
    /// (A `Vec` whose dropped front is reclaimed in bulk, not a `VecDeque`: less wasm.)
    slots: Vec<u32>,
    head: usize,
    /// Values in the ring.
    in_ring: usize,
}

impl<V> Default for IdMap<V> {
    fn default() -> Self {
        IdMap {
            cells: Vec::new(),
            free: Vec::new(),
            old: VecMap::new(),
            base: 0,
            slots: Vec::new(),
            head: 0,
            in_ring: 0,
        }
    }
}

impl<V> IdMap<V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    /// The ring: the cell (or hole) of each id from `base` up.
    #[inline]
    fn ring(&self) -> &[u32] {
        &self.slots[self.head..]
    }
    /// Drop the ring's first slot (its id becomes `base - 1`); returns it.
    fn pop_front(&mut self) -> Option<u32> {
        let c = *self.slots.get(self.head)?;
        self.head += 1;
        self.base += 1;
        // Reclaim the dropped front once it is most of the vector (amortised O(1) per slot).
        if self.head >= SLACK && self.head * 2 >= self.slots.len() {
            self.slots.drain(..self.head);
            self.head = 0;
        }
        Some(c)
    }
    /// The ring slot of `id`, when `id` is at or above `base` and within the ring.
    #[inline]
    fn slot(&self, id: u64) -> Option<usize> {
        let i = usize::try_from(id.checked_sub(self.base)?).ok()?;
        (i < self.ring().len()).then_some(i)
    }
    /// The cell holding `id`'s value, if any.
    #[inline]
    fn cell(&self, id: u64) -> Option<usize> {
        self.cell_at(id, self.slot(id))
    }
    /// As `cell`, with `id`'s ring slot already looked up (`insert` reuses it).
    #[inline]
    fn cell_at(&self, id: u64, slot: Option<usize>) -> Option<usize> {
        let c = match slot {
            Some(i) => self.ring()[i],
            None if id < self.base => *self.old.get(&id)?,
            None => HOLE,
        };
        (c != HOLE).then_some(c as usize)
    }
    /// A cell for `v` (a free one when there is one).
    fn alloc(&mut self, id: u64, v: V) -> u32 {
        match self.free.pop() {
            Some(c) => {
                self.cells[c as usize] = (id, Some(v));
                c
            }
            None => {
                self.cells.push((id, Some(v)));
                (self.cells.len() - 1) as u32
            }
        }
    }
    /// Free cell `c`; returns its value.
    fn release(&mut self, c: u32) -> Option<V> {
        self.free.push(c);
        self.cells[c as usize].1.take()
    }
    /// Insert or replace; returns the previous value.
    pub fn insert(&mut self, id: u64, v: V) -> Option<V> {
        // The usual case first: the next id after the ring's last (a message just sent).
        if id == self.base + self.ring().len() as u64 && !self.ring().is_empty() {
            let c = self.alloc(id, v);
            self.slots.push(c);
            self.in_ring += 1;
            return None;
        }
        // One lookup: the ring slot (if `id` is within the ring) serves both the replace and the
        // fill below (an empty ring has no slot, before or after `base` moves).
        let slot = self.slot(id);
        if let Some(c) = self.cell_at(id, slot) {
            return self.cells[c].1.replace(v);
        }
        if self.ring().is_empty() && id >= self.base {
            self.base = id;
        }
        if id < self.base {
            let c = self.alloc(id, v);
            self.old.insert(id, c);
            return None;
        }
        let c = self.alloc(id, v);
        self.in_ring += 1;
        if let Some(i) = slot {
            self.slots[self.head + i] = c;
            return None;
        }
        // Far past the end: the ring's values become stragglers and the ring starts at `id`
        // (rather than filling a long run of holes).
        let end = self.base + self.ring().len() as u64;
        if id - end > (SLACK + self.ring().len()) as u64 {
            while let Some(c) = self.pop_front() {
                if c != HOLE {
                    self.old.insert(self.base - 1, c);
                    self.in_ring -= 1;
                }
            }
            self.base = id;
        }
        // Past the end: holes for any ids skipped, then the value.
        let end = self.base + self.ring().len() as u64;
        self.slots.resize(self.slots.len() + (id - end) as usize, HOLE);
        self.slots.push(c);
        self.rebalance();
        None
    }
    /// The value under `id`.
    pub fn get(&self, id: &u64) -> Option<&V> {
        self.cells[self.cell(*id)?].1.as_ref()
    }
    /// The value under `id`, mutably.
    pub fn get_mut(&mut self, id: &u64) -> Option<&mut V> {
        let c = self.cell(*id)?;
        self.cells[c].1.as_mut()
    }
    /// Remove `id`; returns its value.
    pub fn remove(&mut self, id: &u64) -> Option<V> {
        let c = match self.slot(*id) {
            Some(i) => {
                let c = std::mem::replace(&mut self.slots[self.head + i], HOLE);
                if c == HOLE {
                    return None;
                }
                self.in_ring -= 1;
                c
            }
            None if *id < self.base => self.old.remove(id)?,
            None => return None,
        };
        let v = self.release(c);
        self.trim();
        self.rebalance();
        v
    }
    /// Drop the holes at both ends of the ring.
    fn trim(&mut self) {
        while self.ring().first() == Some(&HOLE) {
            self.pop_front();
        }
        while self.ring().last() == Some(&HOLE) {
            self.slots.pop();
        }
    }
    /// Move the oldest slots out while holes outnumber the values in the ring.
    #[inline]
    fn rebalance(&mut self) {
        if self.ring().len() > 2 * self.in_ring + SLACK {
            self.move_out_oldest();
        }
    }
    fn move_out_oldest(&mut self) {
        while self.ring().len() > 2 * self.in_ring + SLACK {
            let Some(c) = self.pop_front() else { break };
            if c != HOLE {
                self.old.insert(self.base - 1, c);
                self.in_ring -= 1;
            }
            self.trim();
        }
    }
    /// Keep only the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&u64, &mut V) -> bool) {
        let (cells, free) = (&mut self.cells, &mut self.free);
        let mut keep = |c: u32| {
            let cell = &mut cells[c as usize];
            let keep = match cell {
                (id, Some(v)) => f(id, v),
                (_, None) => false,
            };
            if !keep {
                cell.1 = None;
                free.push(c);
            }
            keep
        };
        self.old.retain(|_, c| keep(*c));
        for slot in self.slots[self.head..].iter_mut() {
            if *slot != HOLE && !keep(*slot) {
                *slot = HOLE;
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
        let cells = &self.cells;
        let value = move |c: u32| match &cells[c as usize] {
            (id, Some(v)) => Some((id, v)),
            (_, None) => None,
        };
        self.old.values().copied().chain(self.ring().iter().copied().filter(|c| *c != HOLE)).filter_map(value)
    }
    /// Visit the entries in id order, values mutable.
    pub fn for_each_mut(&mut self, mut f: impl FnMut(&u64, &mut V)) {
        let cells = &mut self.cells;
        for c in self.old.values().copied().chain(self.slots[self.head..].iter().copied().filter(|c| *c != HOLE)) {
            if let (id, Some(v)) = &mut cells[c as usize] {
                f(id, v);
            }
        }
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
                assert!(map.ring().len() <= 2 * map.in_ring + super::SLACK + 1, "seed {seed}: holes unbounded");
                assert_eq!(map.cells.len() - map.free.len(), map.len(), "seed {seed}: cells leak");
                assert!(map.old.keys().all(|k| *k < map.base), "seed {seed}");
            }
            let mut order = Vec::new();
            map.for_each_mut(|id, v| {
                order.push(*id);
                *v += 1;
            });
            reference.values_mut().for_each(|v| *v += 1);
            assert_eq!(order, reference.keys().copied().collect::<Vec<_>>(), "seed {seed}");
            let (a, b): (Vec<_>, Vec<_>) = (map.iter().collect(), reference.iter().collect());
            assert_eq!(a, b, "seed {seed}");
        }
    }
}
