//! A traffic group's stall lengths, held at the size they need.
//!
//! The report prints a group's stall count, p50 and p99 from an HdrHistogram (1 us .. 10^10
//! us, 3 significant digits) and the exact maximum. A histogram of that range is 200 KiB of
//! counts whether it holds no stall or thousands; with one per group that was most of a
//! large run's memory (196 of bench-scale's 259 MiB), though most groups never stall. So a
//! group keeps its stall lengths (microseconds, as the histogram takes them) in a vector,
//! which allocates on the first stall, and moves them into the histogram only when the
//! vector would outgrow it. The report records the same values into a histogram of the same
//! layout, so every percentile it prints is what the histogram gave before, to the bit:
//! a histogram's counts do not depend on the order values arrive in.

use hdrhistogram::Histogram;

/// Values the vector holds before they move into a histogram: a power of two, so the
/// vector's doubling ends exactly here, at 128 KiB, below the histogram's 200 KiB.
const SPILL_AT: usize = 1 << 14;

#[derive(Clone, Debug, Default)]
pub(crate) struct Stalls {
    /// Stall lengths in microseconds, while there are at most [`SPILL_AT`] of them.
    values: Vec<u64>,
    /// Every value recorded, once there were more than [`SPILL_AT`].
    hist: Option<Box<Histogram<u64>>>,
}

/// The histogram the report reads: microseconds from 1 us to about 3 hours at 3 significant
/// digits (a value above it is not counted, as before).
pub(crate) fn new_histogram() -> Histogram<u64> {
    Histogram::new_with_bounds(1, 10_000_000_000, 3).expect("static histogram bounds are valid")
}

impl Stalls {
    /// Records a stall of `us` microseconds.
    pub fn record(&mut self, us: u64) {
        if let Some(h) = &mut self.hist {
            let _ = h.record(us);
            return;
        }
        if self.values.len() == SPILL_AT {
            let mut h = Box::new(new_histogram());
            for &v in &self.values {
                let _ = h.record(v);
            }
            let _ = h.record(us);
            self.values = Vec::new();
            self.hist = Some(h);
            return;
        }
        self.values.push(us);
    }

    /// The histogram of every stall recorded and of `more` (microseconds), or `None` when
    /// there is none at all (the report then prints no percentile, as for an empty one).
    pub fn histogram(&self, more: impl IntoIterator<Item = u64>) -> Option<Histogram<u64>> {
        let mut more = more.into_iter().peekable();
        let mut h = match &self.hist {
            Some(h) => (**h).clone(),
            None if self.values.is_empty() && more.peek().is_none() => return None,
            None => {
                let mut h = new_histogram();
                for &v in &self.values {
                    let _ = h.record(v);
                }
                h
            }
        };
        for v in more {
            let _ = h.record(v);
        }
        Some(h)
    }

    /// The most heap a group's record can hold, whatever it recorded: the full vector or
    /// the histogram's counts, whichever is larger (the memory estimate's bound per group;
    /// the histogram's own fields, about 100 B, are in the group's fixed bytes).
    pub fn most_heap_bytes() -> u64 {
        let hist = (new_histogram().distinct_values() * 8) as u64;
        hist.max((SPILL_AT * 8) as u64)
    }

    /// Heap bytes held: the vector's capacity, or the histogram's counts (for the tests; the run
    /// does not count them yet, see `budget::stall_histogram_bytes`).
    #[cfg(test)]
    pub fn heap_bytes(&self) -> u64 {
        let hist = self.hist.as_ref().map_or(0, |h| (h.distinct_values() * 8) as u64);
        (self.values.capacity() * 8) as u64 + hist
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn quantiles(h: &Histogram<u64>) -> Vec<u64> {
        [0.0, 0.25, 0.5, 0.9, 0.99, 0.999, 1.0].iter().map(|&q| h.value_at_quantile(q)).collect()
    }

    /// Below and above the spill, with values out of the histogram's range among them, the
    /// record gives the histogram a single histogram fed the same values gives.
    #[test]
    fn the_record_gives_the_histogram_of_its_values_before_and_after_the_spill() {
        let mut x = 0x2545_f491_4f6c_dd1du64;
        for n in [0usize, 1, 7, SPILL_AT - 1, SPILL_AT, SPILL_AT + 1, 3 * SPILL_AT] {
            let (mut s, mut reference) = (Stalls::default(), new_histogram());
            for i in 0..n {
                x ^= x << 13;
                x ^= x >> 7;
                x ^= x << 17;
                let v = if i % 997 == 5 { 20_000_000_000 } else { (x % 5_000_000).max(1) };
                s.record(v);
                let _ = reference.record(v);
            }
            let open = [3_000_000u64, 12];
            for v in open {
                let _ = reference.record(v);
            }
            let h = s.histogram(open).expect("open stalls count");
            assert_eq!((h.len(), quantiles(&h), h.max()), (reference.len(), quantiles(&reference), reference.max()), "{n} values");
            assert!(s.heap_bytes() <= Stalls::most_heap_bytes(), "{n} values: {} B", s.heap_bytes());
        }
        assert!(Stalls::default().histogram([]).is_none(), "no stall, no histogram");
        assert_eq!(Stalls::default().heap_bytes(), 0, "nothing allocated before the first stall");
    }
}
