//! A small ordered map kept as a sorted `Vec`. The maps a node or the simulator keeps per peer,
//! per timer or per client hold a handful of entries; a sorted vector iterates in key order
//! (deterministic, like `BTreeMap`) and compiles to far less wasm than one `BTreeMap`
//! instantiation per key/value type, which matters for the playground's size budget.

use serde::ser::{Serialize, SerializeMap, Serializer};
use std::borrow::Borrow;

/// An ordered map backed by a sorted vector.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct VecMap<K, V> {
    items: Vec<(K, V)>,
}

impl<K, V> Default for VecMap<K, V> {
    fn default() -> Self {
        VecMap { items: Vec::new() }
    }
}

impl<K: Ord, V> VecMap<K, V> {
    /// An empty map.
    pub fn new() -> Self {
        Self::default()
    }
    #[inline(always)] // every map operation goes through it: inlined even in the size-optimised wasm
    fn find<Q: Ord + ?Sized>(&self, k: &Q) -> Result<usize, usize>
    where
        K: Borrow<Q>,
    {
        self.items.binary_search_by(|(x, _)| x.borrow().cmp(k))
    }
    /// Insert or replace; returns the previous value.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(i) => Some(std::mem::replace(&mut self.items[i].1, v)),
            Err(i) => {
                self.grow();
                self.items.insert(i, (k, v));
                None
            }
        }
    }
    /// Room for one more. A large map (Multi-Paxos's slots) grows by a quarter, not by doubling:
    /// less slack, and while it moves, old and new buffers take 2.25 times its size, not 3.
    fn grow(&mut self) {
        let n = self.items.len();
        if n == self.items.capacity() && n >= 1024 {
            self.items.reserve_exact(n / 4);
        }
    }
    /// The value under `k`.
    pub fn get<Q: Ord + ?Sized>(&self, k: &Q) -> Option<&V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| &self.items[i].1)
    }
    /// The value under `k`, mutably.
    pub fn get_mut<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<&mut V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(move |i| &mut self.items[i].1)
    }
    /// The value under `k`, inserted from `f` when absent.
    pub fn get_or_insert_with(&mut self, k: K, f: impl FnOnce() -> V) -> &mut V {
        let i = match self.find(&k) {
            Ok(i) => i,
            Err(i) => {
                self.grow();
                self.items.insert(i, (k, f()));
                i
            }
        };
        &mut self.items[i].1
    }
    /// Remove `k`; returns its value.
    pub fn remove<Q: Ord + ?Sized>(&mut self, k: &Q) -> Option<V>
    where
        K: Borrow<Q>,
    {
        self.find(k).ok().map(|i| self.items.remove(i).1)
    }
    /// Entries with keys at or above `k`, in order.
    pub fn range_from(&self, k: &K) -> impl Iterator<Item = (&K, &V)> {
        let start = self.items.partition_point(|(x, _)| x < k);
        self.items[start..].iter().map(|(k, v)| (k, v))
    }
    /// Drop every entry whose key is below `k`.
    pub fn remove_below(&mut self, k: &K) {
        let end = self.items.partition_point(|(x, _)| x < k);
        self.items.drain(..end);
    }
    /// True when `k` is present.
    pub fn contains_key<Q: Ord + ?Sized>(&self, k: &Q) -> bool
    where
        K: Borrow<Q>,
    {
        self.find(k).is_ok()
    }
}

impl<K, V> VecMap<K, V> {
    /// Keep only the entries for which `f` is true.
    pub fn retain(&mut self, mut f: impl FnMut(&K, &mut V) -> bool) {
        self.items.retain_mut(|(k, v)| f(k, v));
    }
    /// Remove everything.
    pub fn clear(&mut self) {
        self.items.clear();
    }
    /// Number of entries.
    pub fn len(&self) -> usize {
        self.items.len()
    }
    /// True when empty.
    pub fn is_empty(&self) -> bool {
        self.items.is_empty()
    }
    /// Entries in key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.items.iter().map(|(k, v)| (k, v))
    }
    /// Entries in key order, values mutable.
    pub fn iter_mut(&mut self) -> impl Iterator<Item = (&K, &mut V)> {
        self.items.iter_mut().map(|(k, v)| (&*k, v))
    }
    /// Keys in order.
    pub fn keys(&self) -> impl Iterator<Item = &K> {
        self.items.iter().map(|(k, _)| k)
    }
    /// Values in key order.
    pub fn values(&self) -> impl Iterator<Item = &V> {
        self.items.iter().map(|(_, v)| v)
    }
    /// Values in key order, mutably.
    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut V> {
        self.items.iter_mut().map(|(_, v)| v)
    }
    /// The entries, consumed in key order.
    pub fn into_values(self) -> impl Iterator<Item = V> {
        self.items.into_iter().map(|(_, v)| v)
    }
}

impl<K: Ord, V> FromIterator<(K, V)> for VecMap<K, V> {
    fn from_iter<I: IntoIterator<Item = (K, V)>>(iter: I) -> Self {
        let mut m = VecMap::new();
        for (k, v) in iter {
            m.insert(k, v);
        }
        m
    }
}

impl<K: Serialize, V: Serialize> Serialize for VecMap<K, V> {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut m = s.serialize_map(Some(self.items.len()))?;
        for (k, v) in &self.items {
            m.serialize_entry(k, v)?;
        }
        m.end()
    }
}
