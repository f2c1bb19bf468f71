//! What a sweep runs: the points (one scenario, or one per `--vary` value) times the seeds,
//! as one list of runs in point-major order. A shard is a contiguous slice of that list.
//! `sweep` builds the plan from its arguments, `merge` from a shard's manifest, so both
//! number the runs the same way.

use std::ops::Range;

use scenarios::{Scenario, ScenarioError};

use crate::vary::Vary;

/// One point of the sweep: the scenario it runs and, under `--vary`, the value it sets.
#[derive(Clone, Debug)]
pub struct Point {
    pub value: Option<String>,
    pub scenario: Scenario,
}

#[derive(Clone, Debug)]
pub struct Plan {
    /// The scenario as given (its source is what the manifest records).
    pub base: Scenario,
    pub vary: Option<Vary>,
    pub points: Vec<Point>,
    pub seeds: Range<u64>,
}

impl Plan {
    /// The plan of `base` over `seeds`, each `--vary` value applied to a copy of it.
    pub fn new(base: Scenario, vary: Option<Vary>, seeds: Range<u64>) -> Result<Plan, ScenarioError> {
        let points = match &vary {
            None => vec![Point { value: None, scenario: base.clone() }],
            Some(v) => v
                .values
                .iter()
                .map(|value| Ok(Point { value: Some(value.clone()), scenario: crate::vary::apply(&base, &v.key, value)? }))
                .collect::<Result<Vec<_>, ScenarioError>>()?,
        };
        Ok(Plan { base, vary, points, seeds })
    }

    pub fn seeds_len(&self) -> u64 {
        self.seeds.end - self.seeds.start
    }

    /// Every (point, seed) pair.
    pub fn runs(&self) -> u64 {
        self.points.len() as u64 * self.seeds_len()
    }

    /// Run `k` of the list: (point, seed).
    pub fn run(&self, k: u64) -> (usize, u64) {
        let len = self.seeds_len().max(1);
        ((k / len) as usize, self.seeds.start + k % len)
    }

    /// The list offset of (point, seed), if the pair is in the plan.
    pub fn offset(&self, point: usize, seed: u64) -> Option<u64> {
        (point < self.points.len() && self.seeds.contains(&seed)).then(|| point as u64 * self.seeds_len() + (seed - self.seeds.start))
    }

    /// Runs `r` as (point, seeds) ranges, split where a point ends.
    pub fn split(&self, r: Range<u64>) -> Vec<(usize, Range<u64>)> {
        let len = self.seeds_len().max(1);
        let mut out = Vec::new();
        let mut k = r.start;
        while k < r.end {
            let (p, seed) = self.run(k);
            let end = r.end.min((p as u64 + 1) * len);
            out.push((p, seed..seed + (end - k)));
            k = end;
        }
        out
    }

    /// `seeds 301..401`, or under `--vary` the runs and the values they span.
    pub fn describe(&self, r: &Range<u64>) -> String {
        if self.vary.is_none() {
            return format!("seeds {}..{}", self.seeds.start + r.start, self.seeds.start + r.end);
        }
        let parts: Vec<String> = self
            .split(r.clone())
            .iter()
            .map(|(p, s)| format!("{}={} seeds {}..{}", self.key(), self.points[*p].value.as_deref().unwrap_or(""), s.start, s.end))
            .collect();
        if parts.is_empty() {
            format!("runs {}..{} (none)", r.start, r.end)
        } else {
            format!("runs {}..{} of {} ({})", r.start, r.end, self.runs(), parts.join(", "))
        }
    }

    fn key(&self) -> &str {
        self.vary.as_ref().map_or("", |v| v.key.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn plan(points: usize, seeds: Range<u64>) -> Plan {
        let base = scenarios::load_library("channel-cut").expect("library scenario");
        let vary = (points > 1).then(|| Vary { key: "convergence".into(), values: (0..points).map(|i| format!("{}s", i + 1)).collect() });
        Plan::new(base, vary, seeds).expect("plan")
    }

    #[test]
    fn runs_are_point_major_and_round_trip() {
        let p = plan(3, 10..14);
        assert_eq!(p.runs(), 12);
        assert_eq!(p.run(0), (0, 10));
        assert_eq!(p.run(5), (1, 11));
        for k in 0..12 {
            let (pt, seed) = p.run(k);
            assert_eq!(p.offset(pt, seed), Some(k));
        }
        assert_eq!(p.offset(3, 10), None);
        assert_eq!(p.offset(0, 14), None);
        assert_eq!(p.split(2..9), vec![(0, 12..14), (1, 10..14), (2, 10..11)]);
        assert_eq!(p.describe(&(4..8)), "runs 4..8 of 12 (convergence=2s seeds 10..14)");
        assert_eq!(plan(1, 301..1901).describe(&(0..100)), "seeds 301..401");
    }
}
