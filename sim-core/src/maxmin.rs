//! Max-min fair allocation by progressive filling (water-filling).
//!
//! Given resources with capacities and flows with rate caps and paths over those resources,
//! the max-min fair rates are found by raising every unfrozen flow's rate together until a
//! resource saturates or a flow reaches its cap, freezing those flows, and repeating
//! (Bertsekas & Gallager, *Data Networks*, §6.5.2). The solver is pure: it knows nothing of
//! links or TCP, and reuses its buffers so a recomputation does not allocate once warm.
//!
//! Each round needs the smallest fair share over the resources still carrying unfrozen
//! flows (`remaining / count`, the lowest index among equals). A scan of every resource per
//! round made the solve O(flows x resources) when caps freeze flows one at a time (at setup
//! every flow's cap is 0, so 100,000 rounds over 8,000 resources); a tournament tree over
//! the resources keeps that minimum, and freezing a flow updates only the leaves of its path,
//! O(path x log resources). The rounds, their order and every subtraction are the scan's,
//! so the rates are the same to the bit (`reference.rs` keeps the scan; a test compares).

#[cfg(test)]
mod reference;

/// No resource: a tree node whose subtree has no resource carrying an unfrozen flow.
const NONE: u32 = u32::MAX;

/// Reusable scratch space for [`MaxMin::solve`].
#[derive(Debug, Default)]
pub struct MaxMin {
    remaining: Vec<f64>,
    count: Vec<u32>,
    /// `remaining[r] / count[r]`, as the scan computed it; meaningful where `count[r] > 0`.
    share: Vec<f64>,
    /// Tournament tree: `tree[leaves + r]` is `r` or [`NONE`]; each inner node holds the
    /// better of its children (smaller share; the left, lower-indexed one among equals).
    tree: Vec<u32>,
    leaves: usize,
    order: Vec<u32>,
    frozen: Vec<bool>,
    res_start: Vec<u32>,
    res_flows: Vec<u32>,
    fill: Vec<u32>,
}

/// A problem instance in compressed form: flow `f` crosses resources
/// `path[path_start[f]..path_start[f + 1]]`.
pub struct Problem<'a> {
    pub capacity: &'a [f64],
    pub flow_cap: &'a [f64],
    pub path_start: &'a [u32],
    pub path: &'a [u32],
}

impl MaxMin {
    /// Writes the max-min fair rate of every flow into `rate`.
    ///
    /// # Panics
    /// If `path_start` does not have one more entry than there are flows, or a path names a
    /// resource that does not exist: both are bugs in the caller.
    pub fn solve(&mut self, p: &Problem<'_>, rate: &mut Vec<f64>) {
        let nf = p.flow_cap.len();
        let nr = p.capacity.len();
        assert_eq!(p.path_start.len(), nf + 1, "path_start must have one entry per flow plus one");
        rate.clear();
        rate.resize(nf, 0.0);
        self.remaining.clear();
        self.remaining.extend_from_slice(p.capacity);
        self.count.clear();
        self.count.resize(nr, 0);
        self.frozen.clear();
        self.frozen.resize(nf, false);
        let path = |f: usize| &p.path[p.path_start[f] as usize..p.path_start[f + 1] as usize];
        for f in 0..nf {
            for &r in path(f) {
                self.count[r as usize] += 1;
            }
        }
        // Resource -> flows, compressed.
        self.res_start.clear();
        self.res_start.resize(nr + 1, 0);
        for r in 0..nr {
            self.res_start[r + 1] = self.res_start[r] + self.count[r];
        }
        self.res_flows.clear();
        self.res_flows.resize(self.res_start[nr] as usize, 0);
        self.fill.clear();
        self.fill.extend_from_slice(&self.res_start[..nr]);
        for f in 0..nf {
            for &r in path(f) {
                self.res_flows[self.fill[r as usize] as usize] = f as u32;
                self.fill[r as usize] += 1;
            }
        }
        self.order.clear();
        self.order.extend(0..nf as u32);
        let by_cap = |a: &u32, b: &u32| p.flow_cap[*a as usize].total_cmp(&p.flow_cap[*b as usize]).then(a.cmp(b));
        // Flows of one group share their caps, so the order is often the identity already;
        // a linear check then saves the sort (the order is total: the result is the same).
        if !self.order.is_sorted_by(|a, b| by_cap(a, b).is_le()) {
            self.order.sort_by(by_cap);
        }
        self.build_tree(nr);

        let mut left = nf;
        let mut next = 0usize;
        while left > 0 {
            while next < nf && self.frozen[self.order[next] as usize] {
                next += 1;
            }
            let min_cap = if next < nf { p.flow_cap[self.order[next] as usize] } else { f64::INFINITY };
            let bottleneck = self.tree[1];
            let share = if bottleneck == NONE { f64::INFINITY } else { self.share[bottleneck as usize] };
            if min_cap <= share {
                let f = self.order[next] as usize;
                self.freeze(p, f, min_cap.max(0.0), rate);
                left -= 1;
            } else {
                debug_assert!(bottleneck != NONE, "an unfrozen flow with no resource and no cap");
                let b = bottleneck as usize;
                let (s, e) = (self.res_start[b] as usize, self.res_start[b + 1] as usize);
                for k in s..e {
                    let f = self.res_flows[k] as usize;
                    if !self.frozen[f] {
                        self.freeze(p, f, share.max(0.0), rate);
                        left -= 1;
                    }
                }
            }
        }
    }

    /// Fills the shares and the tree from `remaining` and `count`.
    fn build_tree(&mut self, nr: usize) {
        self.leaves = nr.next_power_of_two().max(1);
        self.share.clear();
        self.share.resize(nr, f64::INFINITY);
        self.tree.clear();
        self.tree.resize(2 * self.leaves, NONE);
        for r in 0..nr {
            self.set_leaf(r);
        }
        for i in (1..self.leaves).rev() {
            self.tree[i] = self.better(self.tree[2 * i], self.tree[2 * i + 1]);
        }
    }

    /// Recomputes resource `r`'s share and leaf (not its ancestors). A resource competes
    /// only where the scan's `s < share` (from infinity) could pick it: with unfrozen flows
    /// and a share below infinity.
    fn set_leaf(&mut self, r: usize) {
        let c = self.count[r];
        let s = if c > 0 { self.remaining[r] / f64::from(c) } else { f64::INFINITY };
        self.share[r] = s;
        self.tree[self.leaves + r] = if c > 0 && s < f64::INFINITY { r as u32 } else { NONE };
    }

    /// Of two nodes, the resource the scan would pick: `b` (the higher index) only when its
    /// share is strictly smaller.
    fn better(&self, a: u32, b: u32) -> u32 {
        if a == NONE {
            return b;
        }
        if b != NONE && self.share[b as usize] < self.share[a as usize] { b } else { a }
    }

    fn freeze(&mut self, p: &Problem<'_>, f: usize, x: f64, rate: &mut [f64]) {
        rate[f] = x;
        self.frozen[f] = true;
        for &r in &p.path[p.path_start[f] as usize..p.path_start[f + 1] as usize] {
            let r = r as usize;
            self.remaining[r] = (self.remaining[r] - x).max(0.0);
            self.count[r] -= 1;
            self.set_leaf(r);
            let mut i = (self.leaves + r) / 2;
            while i >= 1 {
                self.tree[i] = self.better(self.tree[2 * i], self.tree[2 * i + 1]);
                i /= 2;
            }
        }
    }
}

#[cfg(test)]
mod tests {

    use super::*;

    fn solve(capacity: &[f64], flows: &[(f64, &[u32])]) -> Vec<f64> {
        let mut path_start = vec![0u32];
        let mut path = vec![];
        for (_, p) in flows {
            path.extend_from_slice(p);
            path_start.push(path.len() as u32);
        }
        let caps: Vec<f64> = flows.iter().map(|f| f.0).collect();
        let mut out = vec![];
        MaxMin::default().solve(&Problem { capacity, flow_cap: &caps, path_start: &path_start, path: &path }, &mut out);
        out
    }

    /// The line network of Bertsekas & Gallager, *Data Networks* (2nd ed.), §6.5.2: links
    /// A-B, B-C, C-D with capacities 1, 2, 1; one long flow over all three links and one
    /// short flow per link. Links 1 and 3 saturate first at 1/2 per flow; the short flow on
    /// link 2 then takes what the long flow leaves: 2 - 1/2 = 3/2.
    #[test]
    fn textbook_max_min_example_gives_exactly_the_textbook_rates() {
        let inf = f64::INFINITY;
        let r = solve(&[1.0, 2.0, 1.0], &[(inf, &[0, 1, 2]), (inf, &[0]), (inf, &[1]), (inf, &[2])]);
        assert_eq!(r, vec![0.5, 0.5, 1.5, 0.5]);
    }

    /// The classic parking-lot example from Jain's and Bertsekas' texts: link capacities
    /// 10, flows a (links 0,1), b (link 0), c (link 1), d (link 1). Link 1 with three flows
    /// saturates first at 10/3; then b takes what a leaves on link 0: 10 - 10/3 = 20/3.
    #[test]
    fn parking_lot_example() {
        let inf = f64::INFINITY;
        let r = solve(&[10.0, 10.0], &[(inf, &[0, 1]), (inf, &[0]), (inf, &[1]), (inf, &[1])]);
        let third = 10.0 / 3.0;
        assert_eq!(r, vec![third, 10.0 - third, third, third]);
    }

    #[test]
    fn demand_capped_flows_leave_their_share_to_others() {
        let r = solve(&[10.0], &[(1.0, &[0]), (2.0, &[0]), (f64::INFINITY, &[0])]);
        assert_eq!(r, vec![1.0, 2.0, 7.0]);
    }

    #[test]
    fn zero_capacity_resource_gives_zero_rate() {
        let r = solve(&[0.0, 5.0], &[(f64::INFINITY, &[0, 1]), (f64::INFINITY, &[1])]);
        assert_eq!(r, vec![0.0, 5.0]);
    }

    /// A small deterministic generator (xorshift64*), so the instances are the same on every run.
    struct Gen(u64);

    impl Gen {
        fn next(&mut self) -> u64 {
            self.0 ^= self.0 >> 12;
            self.0 ^= self.0 << 25;
            self.0 ^= self.0 >> 27;
            self.0.wrapping_mul(0x2545_f491_4f6c_dd1d)
        }
        fn below(&mut self, n: u64) -> u64 {
            self.next() % n.max(1)
        }
        /// Values that tie often (so the order among equal shares and caps is exercised),
        /// zeros, thirds that round, and the odd arbitrary one.
        fn value(&mut self, with_infinity: bool) -> f64 {
            match self.below(8) {
                0 => 0.0,
                1 if with_infinity => f64::INFINITY,
                2 => 10.0 / 3.0,
                3 => (self.below(1000) as f64) * 1.7e6 + 0.1,
                _ => self.below(6) as f64 + 1.0,
            }
        }
    }

    /// The tree-based solver gives the scan's rates to the bit, on random instances small
    /// enough to tie and large enough for a deep tree.
    #[test]
    fn the_tree_solver_matches_the_scan_bit_for_bit_on_random_instances() {
        let mut g = Gen(0x9e37_79b9_7f4a_7c15);
        let mut solver = MaxMin::default();
        let (mut fast, mut slow) = (vec![], vec![]);
        for case in 0..3000 {
            let (max_r, max_f) = if case % 100 == 0 { (600, 3000) } else { (12, 40) };
            let nr = g.below(max_r) as usize;
            let nf = g.below(max_f) as usize;
            let capacity: Vec<f64> = (0..nr).map(|_| g.value(false)).collect();
            let flow_cap: Vec<f64> = (0..nf).map(|_| g.value(true)).collect();
            let mut path_start = vec![0u32];
            let mut path = vec![];
            for _ in 0..nf {
                if nr > 0 {
                    for _ in 0..g.below(5) {
                        path.push(g.below(nr as u64) as u32);
                    }
                }
                path_start.push(path.len() as u32);
            }
            let p = Problem { capacity: &capacity, flow_cap: &flow_cap, path_start: &path_start, path: &path };
            solver.solve(&p, &mut fast);
            reference::solve(&p, &mut slow);
            let bits = |v: &[f64]| v.iter().map(|x| x.to_bits()).collect::<Vec<_>>();
            assert_eq!(bits(&fast), bits(&slow), "case {case}: {nr} resources, {nf} flows");
        }
    }
}
