//! The world's event queue: events ordered by (time, sequence number), popped earliest first.
//!
//! A timing wheel in front of a binary heap. Almost every event a run schedules is due within a
//! few hundred simulated milliseconds (message latencies, heartbeats, election timeouts, client
//! pauses), so the near future is kept as one FIFO list per millisecond of a [`SPAN`]-ms window
//! that starts at the time of the last event popped (the *cursor*); a list is appended to in
//! sequence order, so it is already sorted, and a bitmap finds the next busy millisecond. The rare
//! event due further out (a scenario step an hour away, a client's long patience) waits in the
//! heap and moves onto the wheel when the window reaches it. Pushing and popping are then a few
//! word operations instead of a heap's sift through O(log n) 40-byte entries.
//!
//! ```text
//!   push(t) ──┬─ cursor ≤ t < cursor + SPAN ──▶ wheel[t mod SPAN] (append: seq order)
//!             └─ otherwise ───────────────────▶ far (BinaryHeap)
//!   pop ──▶ min(first busy wheel slot from the cursor, far's top) ──▶ cursor = its time
//!            └─ far's entries now inside the window move onto the wheel, earliest first
//! ```
//!
//! Why a list stays sorted: an event for time t enters the heap only while t ≥ cursor + SPAN and
//! the wheel only while t < cursor + SPAN; the cursor never goes back, so every heap entry for t
//! was pushed (lower seq) before any wheel entry for t, and it moves onto the wheel as soon as
//! the window reaches t, before anything can be appended there. The order popped is exactly a
//! binary heap's on (time, seq) — a test below compares the two on random schedules.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// Milliseconds the wheel covers ahead of the cursor (a power of two).
pub const SPAN: u64 = 512;
const MASK: u64 = SPAN - 1;
const WORDS: usize = (SPAN / 64) as usize;
const NIL: u32 = u32::MAX;

/// An event waiting in the heap, ordered by (time, seq) only (seq is unique).
#[derive(Clone, Debug)]
struct Far<E> {
    time: u64,
    seq: u64,
    event: E,
}

impl<E> PartialEq for Far<E> {
    fn eq(&self, other: &Self) -> bool {
        (self.time, self.seq) == (other.time, other.seq)
    }
}
impl<E> Eq for Far<E> {}
impl<E> PartialOrd for Far<E> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Far<E> {
    #[inline(always)]
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        (self.time, self.seq).cmp(&(other.time, other.seq))
    }
}

/// One event on the wheel: a node of its millisecond's list (or of the free list).
#[derive(Clone, Debug)]
struct Entry<E> {
    time: u64,
    seq: u64,
    event: Option<E>,
    next: u32,
}

/// Events by (time, seq), earliest first (see the module doc).
#[derive(Clone, Debug)]
pub struct EventQueue<E> {
    /// Time of the last event popped: the wheel holds times in [cursor, cursor + SPAN).
    cursor: u64,
    /// Per millisecond of the window: first and last entry of its list (NIL when empty).
    slots: Vec<(u32, u32)>,
    /// Bit `t mod SPAN` set when that millisecond's list is not empty.
    busy: [u64; WORDS],
    entries: Vec<Entry<E>>,
    /// Head of the list of unused entries.
    free: u32,
    on_wheel: usize,
    far: BinaryHeap<Reverse<Far<E>>>,
}

impl<E> Default for EventQueue<E> {
    fn default() -> Self {
        EventQueue {
            cursor: 0,
            slots: vec![(NIL, NIL); SPAN as usize],
            busy: [0; WORDS],
            entries: Vec::new(),
            free: NIL,
            on_wheel: 0,
            far: BinaryHeap::new(),
        }
    }
}

impl<E> EventQueue<E> {
    /// An empty queue, its cursor at time 0.
    pub fn new() -> Self {
        Self::default()
    }

    /// Events waiting.
    pub fn len(&self) -> usize {
        self.on_wheel + self.far.len()
    }

    /// True when no event waits.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Add `event`, due at `time`, with sequence number `seq` (unique, increasing from push to push).
    pub fn push(&mut self, time: u64, seq: u64, event: E) {
        if time >= self.cursor && time - self.cursor < SPAN {
            self.append(time, seq, event);
        } else {
            self.far.push(Reverse(Far { time, seq, event }));
        }
    }

    /// (time, seq) of the earliest event, if any.
    pub fn peek(&self) -> Option<(u64, u64)> {
        self.next().map(|(time, seq, _)| (time, seq))
    }

    /// The earliest event: (time, seq, its wheel slot — None when it waits in the heap).
    fn next(&self) -> Option<(u64, u64, Option<usize>)> {
        let near = self.first_busy().map(|i| {
            let e = &self.entries[self.slots[i].0 as usize];
            (e.time, e.seq, Some(i))
        });
        let far = self.far.peek().map(|Reverse(f)| (f.time, f.seq, None));
        match (near, far) {
            (Some(n), Some(f)) => Some(if (f.0, f.1) < (n.0, n.1) { f } else { n }),
            (n, f) => n.or(f),
        }
    }

    /// Time of the earliest event, if any.
    pub fn peek_time(&self) -> Option<u64> {
        self.peek().map(|(t, _)| t)
    }

    /// Remove the earliest event: (time, event).
    pub fn pop(&mut self) -> Option<(u64, E)> {
        self.pop_due(u64::MAX)
    }

    /// Remove the earliest event if it is due at or before `limit`: (time, event).
    pub fn pop_due(&mut self, limit: u64) -> Option<(u64, E)> {
        let (due, _, slot) = self.next()?;
        if due > limit {
            return None;
        }
        let (time, event) = if let Some(i) = slot {
            let at = self.slots[i].0;
            let e = &mut self.entries[at as usize];
            let (time, next, event) = (e.time, e.next, e.event.take());
            e.next = self.free;
            self.free = at;
            self.on_wheel -= 1;
            if next == NIL {
                self.slots[i] = (NIL, NIL);
                self.busy[i / 64] &= !(1 << (i % 64));
            } else {
                self.slots[i].0 = next;
            }
            (time, event?)
        } else {
            let Reverse(f) = self.far.pop()?;
            (f.time, f.event)
        };
        if time > self.cursor {
            self.cursor = time;
            // The window moved: what the heap holds inside it goes onto the wheel (earliest first,
            // so each millisecond's list stays in seq order).
            while let Some(Reverse(f)) = self.far.peek() {
                if f.time < self.cursor || f.time - self.cursor >= SPAN {
                    break;
                }
                let Some(Reverse(f)) = self.far.pop() else { break };
                self.append(f.time, f.seq, f.event);
            }
        }
        Some((time, event))
    }

    /// Append to the list of `time`'s millisecond (inside the window).
    fn append(&mut self, time: u64, seq: u64, event: E) {
        let entry = Entry { time, seq, event: Some(event), next: NIL };
        let at = if self.free == NIL {
            self.entries.push(entry);
            (self.entries.len() - 1) as u32
        } else {
            let at = self.free;
            self.free = self.entries[at as usize].next;
            self.entries[at as usize] = entry;
            at
        };
        let i = (time & MASK) as usize;
        match self.slots[i] {
            (NIL, _) => {
                self.slots[i] = (at, at);
                self.busy[i / 64] |= 1 << (i % 64);
            }
            (_, last) => {
                self.entries[last as usize].next = at;
                self.slots[i].1 = at;
            }
        }
        self.on_wheel += 1;
    }

    /// The first busy millisecond at or after the cursor, in window order.
    fn first_busy(&self) -> Option<usize> {
        if self.on_wheel == 0 {
            return None;
        }
        let start = (self.cursor & MASK) as usize;
        let (w0, b0) = (start / 64, start % 64);
        // The cursor's word from its bit on, the following words, then the cursor's word below it.
        let first = self.busy[w0] & (!0u64 << b0);
        if first != 0 {
            return Some(w0 * 64 + first.trailing_zeros() as usize);
        }
        for k in 1..=WORDS {
            let w = (w0 + k) % WORDS;
            let bits = if k == WORDS { self.busy[w] & !(!0u64 << b0) } else { self.busy[w] };
            if bits != 0 {
                return Some(w * 64 + bits.trailing_zeros() as usize);
            }
        }
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::{RngExt, SeedableRng};
    use rand_pcg::Pcg64Mcg;

    /// The reference: a binary heap on (time, seq).
    #[test]
    fn pops_in_the_order_of_a_binary_heap_on_time_then_seq() {
        for seed in 0..200u64 {
            let mut rng = Pcg64Mcg::seed_from_u64(seed);
            let mut q = EventQueue::new();
            let mut reference = BinaryHeap::new();
            let (mut now, mut seq) = (0u64, 0u64);
            for _ in 0..3000 {
                if rng.random_bool(0.55) {
                    seq += 1;
                    // Mostly near (same millisecond included), sometimes far, now and then in the
                    // past of the cursor (a late event must still come out first).
                    let d = match rng.random_range(0..20) {
                        0 => rng.random_range(0..100_000),
                        1 => u64::MAX - now,
                        2 => SPAN + rng.random_range(0..3),
                        3 => 0,
                        _ => rng.random_range(0..700),
                    };
                    let time = if rng.random_range(0..50) == 0 {
                        now.saturating_sub(rng.random_range(1..5))
                    } else {
                        now.saturating_add(d)
                    };
                    q.push(time, seq, seq);
                    reference.push(Reverse((time, seq)));
                } else if rng.random_bool(0.3) {
                    // Popping only what is due by a limit (the world's run_until).
                    let limit = now.saturating_add(rng.random_range(0..400));
                    let want = match reference.peek() {
                        Some(&Reverse((t, s))) if t <= limit => {
                            reference.pop();
                            Some((t, s))
                        }
                        _ => None,
                    };
                    let got = q.pop_due(limit);
                    assert_eq!(got, want, "seed {seed}: pop_due({limit})");
                    if let Some((t, _)) = got {
                        now = now.max(t);
                    }
                } else {
                    let want = reference.pop().map(|Reverse((t, s))| (t, s));
                    assert_eq!(q.peek(), want, "seed {seed}: peek");
                    let got = q.pop();
                    assert_eq!(got, want, "seed {seed}");
                    if let Some((t, _)) = got {
                        now = now.max(t);
                    }
                }
                assert_eq!(q.len(), reference.len(), "seed {seed}: length");
            }
            while let Some(Reverse((t, s))) = reference.pop() {
                assert_eq!(q.pop(), Some((t, s)), "seed {seed}: draining");
            }
            assert!(q.pop().is_none() && q.is_empty());
        }
    }

    #[test]
    fn a_clone_pops_the_same_events() {
        let mut q = EventQueue::new();
        for (i, t) in [5u64, 900, 5, 3, 70_000, 511, 512].into_iter().enumerate() {
            q.push(t, i as u64, i);
        }
        q.pop();
        let mut c = q.clone();
        let (mut a, mut b) = (vec![], vec![]);
        while let Some(x) = q.pop() {
            a.push(x);
        }
        while let Some(x) = c.pop() {
            b.push(x);
        }
        assert_eq!(a, b);
        assert_eq!(a, vec![(5, 0), (5, 2), (511, 5), (512, 6), (900, 1), (70_000, 4)]);
    }
}
