//! [`BuildError`], why a model is invalid, and [`nearest`], the "did you mean" suggestion its
//! `Unknown` variant carries.
//!
//! Plain strings only: nothing here reads a model or a spec. The `invalid` shorthand is
//! shared by the checks and the builder.

use thiserror::Error;

/// Why a model is invalid. Each variant names the element (and field) at fault.
#[derive(Clone, Debug, Error, PartialEq, Eq)]
pub enum BuildError {
    #[error("duplicate id `{id}`: it is already used by a {class}")]
    Duplicate { id: String, class: &'static str },
    #[error("{owner}: unknown {wanted} `{name}`{}", nearest.as_ref().map(|n| format!(" (did you mean `{n}`?)")).unwrap_or_default())]
    Unknown { owner: String, wanted: &'static str, name: String, nearest: Option<String> },
    #[error("{owner}: `{field}` {reason}")]
    Invalid { owner: String, field: &'static str, reason: String },
    #[error("traffic `{group}`: no link joins `{a}` and `{b}`")]
    NoPath { group: String, a: String, b: String },
    #[error("{owner}: a {action} fault cannot target a {class} (`{target}`)")]
    BadTarget { owner: String, action: &'static str, class: &'static str, target: String },
    #[error("runbook steps form a loop: {}", cycle.join(" -> "))]
    RunbookLoop { cycle: Vec<String> },
    #[error("faults form a loop of `after` triggers: {}", cycle.join(" -> "))]
    FaultLoop { cycle: Vec<String> },
}

/// The id among `candidates` closest to `name`, if any is close enough to be a likely typo.
///
/// The closest is the first candidate at the least Levenshtein distance (in characters);
/// it is suggested when that distance is at most a third of the longer id's length in bytes
/// (and always up to 2). The search gives exactly that answer without computing every
/// distance in full: a candidate whose length alone puts it no closer than the best so far
/// is skipped, the others are compared only within a band of the distance that could still
/// matter (Ukkonen's cut-off), and nothing farther than any candidate's threshold is
/// computed at all. A 1,000-character id against 100,000 long ids took minutes before.
/// The total work is capped at [`NEAREST_WORK`] cells; past it the best found so far stands.
pub fn nearest<'a>(name: &str, candidates: impl Iterator<Item = &'a str>) -> Option<String> {
    let candidates: Vec<&str> = candidates.collect();
    let accept = |c: &str| (c.len().max(name.len()) / 3).max(2);
    // No suggestion can be farther than the largest threshold of any candidate.
    let widest = candidates.iter().map(|c| accept(c)).max()?;
    let a: Vec<char> = name.chars().collect();
    let mut b: Vec<char> = Vec::new();
    let mut rows = Rows { left: NEAREST_WORK, ..Rows::default() };
    let mut best: Option<(usize, &str)> = None;
    for c in candidates {
        let bound = best.map_or(widest, |(d, _)| d.saturating_sub(1).min(widest));
        if best.is_some_and(|(d, _)| d == 0) || a.len().abs_diff(c.chars().count()) > bound {
            continue;
        }
        b.clear();
        b.extend(c.chars());
        match rows.levenshtein_within(&a, &b, bound) {
            Some(d) => best = Some((d, c)),
            None if rows.left == 0 => break,
            None => {}
        }
    }
    best.filter(|(d, c)| *d <= accept(c)).map(|(_, c)| c.to_string())
}

/// The most cells of the distance table [`nearest`] fills for one suggestion (about a
/// tenth of a second).
pub const NEAREST_WORK: usize = 1 << 26;

/// The two rows of a banded Levenshtein table, reused across candidates, and the cells
/// left to fill.
#[derive(Default)]
struct Rows {
    prev: Vec<usize>,
    cur: Vec<usize>,
    left: usize,
}

impl Rows {
    /// The Levenshtein distance of `a` and `b` if it is at most `k`, filling only the cells
    /// within `k` of the diagonal and stopping once a whole row exceeds `k`. `None` too
    /// when the cells left run out (`left` is then 0).
    fn levenshtein_within(&mut self, a: &[char], b: &[char], k: usize) -> Option<usize> {
        let (n, m) = (a.len(), b.len());
        if n.abs_diff(m) > k {
            return None;
        }
        // Any value above `k` stands for "too far"; keeping them at `k + 1` avoids overflow.
        let far = k + 1;
        self.prev.clear();
        self.prev.resize(m + 1, far);
        self.cur.clear();
        self.cur.resize(m + 1, far);
        for j in 0..=m.min(k) {
            self.prev[j] = j;
        }
        for i in 1..=n {
            let lo = i.saturating_sub(k).max(1);
            let hi = (i + k).min(m);
            let cells = (hi + 1).saturating_sub(lo);
            if cells > self.left {
                self.left = 0;
                return None;
            }
            self.left -= cells;
            // Column lo - 1: the empty prefix of `b` at the table's edge, or outside the band.
            self.cur[lo - 1] = if lo == 1 { i.min(far) } else { far };
            let mut row_min = self.cur[lo - 1];
            for j in lo..=hi {
                let subst = self.prev[j - 1] + usize::from(a[i - 1] != b[j - 1]);
                let v = subst.min(self.prev[j] + 1).min(self.cur[j - 1] + 1).min(far);
                self.cur[j] = v;
                row_min = row_min.min(v);
            }
            if hi < m {
                // The next row reads one cell past this band.
                self.cur[hi + 1] = far;
            }
            if row_min > k {
                return None;
            }
            std::mem::swap(&mut self.prev, &mut self.cur);
        }
        let d = self.prev[m];
        (d <= k).then_some(d)
    }
}

pub(super) fn invalid(owner: &str, field: &'static str, reason: impl Into<String>) -> BuildError {
    BuildError::Invalid { owner: owner.to_string(), field, reason: reason.into() }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The suggestion as it was first written: every distance in full.
    fn nearest_in_full(name: &str, candidates: &[&str]) -> Option<String> {
        let mut best: Option<(usize, &str)> = None;
        for &c in candidates {
            let d = strsim::levenshtein(name, c);
            if best.is_none_or(|(bd, _)| d < bd) {
                best = Some((d, c));
            }
        }
        best.filter(|(d, c)| *d <= (c.len().max(name.len()) / 3).max(2)).map(|(_, c)| c.to_string())
    }

    /// Strings over a small alphabet (with a non-ASCII letter) from a counter, so that
    /// near misses, ties and length differences all occur.
    fn words(seed: u64, count: usize) -> Vec<String> {
        let alphabet = ['a', 'b', 'c', 'é'];
        let mut x = seed;
        (0..count)
            .map(|_| {
                x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                let len = (x >> 60) as usize;
                (0..len)
                    .map(|i| {
                        let v = x.rotate_left(7 * i as u32 + 3);
                        alphabet[(v >> 62) as usize]
                    })
                    .collect()
            })
            .collect()
    }

    #[test]
    fn banded_distance_is_levenshtein_within_the_band() {
        let w = words(1, 300);
        let mut rows = Rows { left: usize::MAX, ..Rows::default() };
        for pair in w.windows(2) {
            let (a, b): (Vec<char>, Vec<char>) = (pair[0].chars().collect(), pair[1].chars().collect());
            let d = strsim::levenshtein(&pair[0], &pair[1]);
            for k in 0..12 {
                assert_eq!(rows.levenshtein_within(&a, &b, k), (d <= k).then_some(d), "{pair:?} k={k}");
            }
        }
    }

    #[test]
    fn gives_the_same_suggestion_as_every_distance_in_full() {
        let mut suggested = 0;
        for seed in 0..200 {
            let w = words(seed, 40);
            let cands: Vec<&str> = w[1..].iter().map(String::as_str).collect();
            let got = nearest(&w[0], cands.iter().copied());
            assert_eq!(got, nearest_in_full(&w[0], &cands), "{:?} in {cands:?}", w[0]);
            suggested += usize::from(got.is_some());
        }
        // Both outcomes occur, so the comparison covers the threshold as well as the search.
        assert!((20..180).contains(&suggested), "{suggested} of 200 suggested");
    }

    #[test]
    fn a_long_id_against_many_long_ids_is_fast_and_exact() {
        let name = "a".repeat(1000);
        let cands: Vec<String> = (1..=20_000).flat_map(|n| [format!("{name}{n:05}"), format!("{name}{n:05}/ch1")]).collect();
        let got = nearest(&name, cands.iter().map(String::as_str));
        assert_eq!(got.as_deref(), Some(cands[0].as_str()));
    }

    #[test]
    fn no_candidates_no_suggestion() {
        assert_eq!(nearest("x", std::iter::empty()), None);
    }
}
