//! One small stable sort for the whole crate. The standard library's sorts are fast but large:
//! each element type instantiates a pattern-defeating quicksort or driftsort with its small-sort
//! networks (2–4 KB of wasm per type), and the browser bundle sorted a dozen types. This is an
//! insertion sort for short slices (most of ours: quorums, latencies, candidate lists) and a
//! bottom-up merge sort above that, a few hundred bytes per type.
//!
//! Stable, so it gives exactly what `sort_by` / `sort_by_key` gave; where a call site used an
//! unstable sort its order compares whole values, so equal elements are indistinguishable and
//! every correct sort gives the same result (runs, and trace hashes, do not change).

use std::cmp::Ordering;

/// Slices up to this length are insertion-sorted in place (no allocation).
const SHORT: usize = 24;

/// Sort `v` stably by `cmp`.
pub fn sort_by<T: Copy>(v: &mut [T], mut cmp: impl FnMut(&T, &T) -> Ordering) {
    let n = v.len();
    if n <= SHORT {
        insertion(v, &mut cmp);
        return;
    }
    // Bottom-up merge sort: sorted runs of SHORT, then merge pairs of runs back and forth.
    for run in v.chunks_mut(SHORT) {
        insertion(run, &mut cmp);
    }
    let mut buf = v.to_vec();
    let mut width = SHORT;
    let mut in_v = true; // where the current runs live
    while width < n {
        let (src, dst): (&[T], &mut [T]) = if in_v { (&*v, &mut buf[..]) } else { (&buf[..], &mut *v) };
        let mut lo = 0;
        while lo < n {
            let mid = (lo + width).min(n);
            let hi = (lo + 2 * width).min(n);
            let (mut i, mut j) = (lo, mid);
            for slot in &mut dst[lo..hi] {
                // Take from the right run only when strictly smaller: stability.
                if j < hi && (i >= mid || cmp(&src[j], &src[i]) == Ordering::Less) {
                    *slot = src[j];
                    j += 1;
                } else {
                    *slot = src[i];
                    i += 1;
                }
            }
            lo = hi;
        }
        in_v = !in_v;
        width *= 2;
    }
    if !in_v {
        v.copy_from_slice(&buf);
    }
}

fn insertion<T: Copy>(v: &mut [T], cmp: &mut impl FnMut(&T, &T) -> Ordering) {
    for i in 1..v.len() {
        let x = v[i];
        let mut j = i;
        while j > 0 && cmp(&x, &v[j - 1]) == Ordering::Less {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = x;
    }
}

/// Sort `v` stably in ascending order.
pub fn sort<T: Copy + Ord>(v: &mut [T]) {
    sort_by(v, T::cmp);
}

/// Sort `v` stably by the key `f` gives.
pub fn sort_by_key<T: Copy, K: Ord>(v: &mut [T], mut f: impl FnMut(&T) -> K) {
    sort_by(v, |a, b| f(a).cmp(&f(b)));
}

#[cfg(test)]
mod tests {
    use super::*;

    /// A tiny deterministic generator, so the test needs no crate.
    fn xorshift(s: &mut u64) -> u64 {
        *s ^= *s << 13;
        *s ^= *s >> 7;
        *s ^= *s << 17;
        *s
    }

    #[test]
    fn agrees_with_std_stable_sort_on_every_length_and_many_duplicates() {
        let mut s = 0x9e37_79b9_7f4a_7c15u64;
        for n in (0..70).chain([100, 257, 1000, 4099]) {
            // (key, original position): few distinct keys, so stability is exercised.
            let v: Vec<(u64, usize)> = (0..n).map(|i| (xorshift(&mut s) % 7, i)).collect();
            let mut ours = v.clone();
            sort_by_key(&mut ours, |p| p.0);
            let mut std_ = v.clone();
            std_.sort_by_key(|p| p.0);
            assert_eq!(ours, std_, "n = {n}");
            let mut desc = v.clone();
            sort_by(&mut desc, |a, b| b.cmp(a));
            let mut std_desc = v;
            std_desc.sort_unstable_by(|a, b| b.cmp(a));
            assert_eq!(desc, std_desc, "n = {n}, descending");
        }
    }
}
