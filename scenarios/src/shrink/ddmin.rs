//! Delta debugging: Zeller and Hildebrandt's `ddmin` ("Simplifying and Isolating
//! Failure-Inducing Input", IEEE TSE 28(2), 2002), the version that tests subsets and their
//! complements.
//!
//! Given a configuration that fails, `ddmin` splits it into `n` parts (first `n = 2`) and
//! tests each part, then each complement (everything but one part). A failing part becomes
//! the new configuration with `n = 2`; a failing complement becomes it with `n - 1` parts;
//! when neither fails, the granularity doubles, up to one element per part. The result is
//! 1-minimal: removing any single element of it makes the failure go away.
//!
//! The tests of one step are handed over together, in the order the sequential algorithm
//! would run them, and the caller says which is the first that fails; so a caller may run
//! them in parallel and the result is still the sequential one.

/// Reduces `items` (a failing configuration) to a 1-minimal failing subset, keeping the
/// order of `items`. `first_failing(batch)` returns the index of the first configuration
/// of `batch` that still fails, or `None`. The empty configuration is tried first (the
/// algorithm assumes it passes; when it fails, nothing is needed).
pub fn ddmin<T: Clone>(items: &[T], mut first_failing: impl FnMut(&[Vec<T>]) -> Option<usize>) -> Vec<T> {
    if items.is_empty() || first_failing(&[Vec::new()]).is_some() {
        return Vec::new();
    }
    let mut c: Vec<T> = items.to_vec();
    let mut n = 2usize;
    while c.len() >= 2 {
        let parts = split(&c, n);
        let mut batch = parts.clone();
        // With two parts each complement is the other part: nothing new to test.
        if parts.len() > 2 {
            batch.extend((0..parts.len()).map(|i| complement(&parts, i)));
        }
        // An index past the batch would be the caller's bug; it counts as "nothing failed".
        match first_failing(&batch).filter(|&i| i < batch.len()) {
            Some(i) if i < parts.len() => {
                c = parts[i].clone();
                n = 2;
            }
            Some(i) => {
                c = batch[i].clone();
                n = (n - 1).max(2);
            }
            None if n >= c.len() => break,
            None => n = (2 * n).min(c.len()),
        }
    }
    c
}

/// `c` in `n` contiguous parts whose sizes differ by at most one (the first ones larger).
fn split<T: Clone>(c: &[T], n: usize) -> Vec<Vec<T>> {
    let n = n.clamp(1, c.len().max(1));
    let (base, extra) = (c.len() / n, c.len() % n);
    let mut out = Vec::with_capacity(n);
    let mut at = 0;
    for i in 0..n {
        let len = base + usize::from(i < extra);
        out.push(c[at..at + len].to_vec());
        at += len;
    }
    out
}

/// Every part but the `i`-th, in order.
fn complement<T: Clone>(parts: &[Vec<T>], i: usize) -> Vec<T> {
    parts.iter().enumerate().filter(|(j, _)| *j != i).flat_map(|(_, p)| p.iter().cloned()).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs `ddmin` with a sequential test and records every configuration tested.
    fn run(items: &[u32], fails: impl Fn(&[u32]) -> bool) -> (Vec<u32>, Vec<Vec<u32>>) {
        let mut log = Vec::new();
        let out = ddmin(items, |batch| {
            for (i, c) in batch.iter().enumerate() {
                log.push(c.clone());
                if fails(c) {
                    return Some(i);
                }
            }
            None
        });
        (out, log)
    }

    fn one_minimal(out: &[u32], fails: &impl Fn(&[u32]) -> bool) -> bool {
        fails(out) && (0..out.len()).all(|i| !fails(&[&out[..i], &out[i + 1..]].concat()))
    }

    /// The paper's example: eight changes, and the failure needs 1, 7 and 8 together. The
    /// expected trace is the algorithm's definition followed by hand: the empty configuration
    /// first, then subsets before complements at each granularity. Configurations seen
    /// before are handed over again (the shrinker's cache answers those without a run).
    #[test]
    fn zeller_hildebrandt_example_needs_one_seven_and_eight() {
        let items: Vec<u32> = (1..=8).collect();
        let fails = |c: &[u32]| [1, 7, 8].iter().all(|x| c.contains(x));
        let (out, log) = run(&items, fails);
        assert_eq!(out, vec![1, 7, 8]);
        assert!(one_minimal(&out, &fails));
        let expected: Vec<Vec<u32>> = vec![
            vec![],
            // n = 2
            vec![1, 2, 3, 4],
            vec![5, 6, 7, 8],
            // n = 4: subsets, then complements; the second complement fails
            vec![1, 2],
            vec![3, 4],
            vec![5, 6],
            vec![7, 8],
            vec![3, 4, 5, 6, 7, 8],
            vec![1, 2, 5, 6, 7, 8],
            // n = 3 over {1, 2, 5, 6, 7, 8}
            vec![1, 2],
            vec![5, 6],
            vec![7, 8],
            vec![5, 6, 7, 8],
            vec![1, 2, 7, 8],
            // n = 2 over {1, 2, 7, 8}, then n = 4
            vec![1, 2],
            vec![7, 8],
            vec![1],
            vec![2],
            vec![7],
            vec![8],
            vec![2, 7, 8],
            vec![1, 7, 8],
            // n = 3 over {1, 7, 8}: nothing smaller fails
            vec![1],
            vec![7],
            vec![8],
            vec![7, 8],
            vec![1, 8],
            vec![1, 7],
        ];
        assert_eq!(log, expected);
    }

    #[test]
    fn a_single_culprit_is_found_by_halving() {
        let items: Vec<u32> = (0..64).collect();
        let (out, log) = run(&items, |c| c.contains(&37));
        assert_eq!(out, vec![37]);
        assert!(log.len() <= 2 * 7 + 1, "{} tests", log.len());
    }

    #[test]
    fn nothing_needed_gives_the_empty_set() {
        let (out, log) = run(&[1, 2, 3], |_| true);
        assert!(out.is_empty());
        assert_eq!(log.len(), 1);
    }

    #[test]
    fn results_are_one_minimal_for_pairs() {
        let items: Vec<u32> = (0..20).collect();
        for a in 0..20 {
            for b in a + 1..20 {
                let fails = move |c: &[u32]| c.contains(&a) && c.contains(&b);
                let (out, _) = run(&items, fails);
                assert_eq!(out, vec![a, b]);
            }
        }
    }

    #[test]
    fn parts_are_even() {
        assert_eq!(split(&[1, 2, 3, 4, 5], 2), vec![vec![1, 2, 3], vec![4, 5]]);
        assert_eq!(split(&[1, 2, 3], 3), vec![vec![1], vec![2], vec![3]]);
        assert_eq!(complement(&split(&[1, 2, 3, 4], 4), 1), vec![1, 3, 4]);
    }
}
