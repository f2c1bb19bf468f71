//! The solver as it was before the tournament tree (test-only): every round scans every
//! resource for the smallest fair share, O(flows x resources). It is the reference the
//! tree-based [`super::MaxMin`] must match bit for bit.

use super::Problem;

/// Writes the max-min fair rate of every flow into `rate`, scanning every resource per round.
pub fn solve(p: &Problem<'_>, rate: &mut Vec<f64>) {
    let nf = p.flow_cap.len();
    let nr = p.capacity.len();
    assert_eq!(p.path_start.len(), nf + 1, "path_start must have one entry per flow plus one");
    rate.clear();
    rate.resize(nf, 0.0);
    let mut remaining = p.capacity.to_vec();
    let mut count = vec![0u32; nr];
    let mut frozen = vec![false; nf];
    let path = |f: usize| &p.path[p.path_start[f] as usize..p.path_start[f + 1] as usize];
    for f in 0..nf {
        for &r in path(f) {
            count[r as usize] += 1;
        }
    }
    let mut res_start = vec![0u32; nr + 1];
    for r in 0..nr {
        res_start[r + 1] = res_start[r] + count[r];
    }
    let mut res_flows = vec![0u32; res_start[nr] as usize];
    let mut fill = res_start[..nr].to_vec();
    for f in 0..nf {
        for &r in path(f) {
            res_flows[fill[r as usize] as usize] = f as u32;
            fill[r as usize] += 1;
        }
    }
    let mut order: Vec<u32> = (0..nf as u32).collect();
    order.sort_by(|&a, &b| p.flow_cap[a as usize].total_cmp(&p.flow_cap[b as usize]).then(a.cmp(&b)));
    let mut freeze = |f: usize, x: f64, remaining: &mut [f64], count: &mut [u32], frozen: &mut [bool]| {
        rate[f] = x;
        frozen[f] = true;
        for &r in path(f) {
            let r = r as usize;
            remaining[r] = (remaining[r] - x).max(0.0);
            count[r] -= 1;
        }
    };
    let mut left = nf;
    let mut next = 0usize;
    while left > 0 {
        while next < nf && frozen[order[next] as usize] {
            next += 1;
        }
        let min_cap = if next < nf { p.flow_cap[order[next] as usize] } else { f64::INFINITY };
        let mut share = f64::INFINITY;
        let mut bottleneck = usize::MAX;
        for r in 0..nr {
            if count[r] > 0 {
                let s = remaining[r] / f64::from(count[r]);
                if s < share {
                    share = s;
                    bottleneck = r;
                }
            }
        }
        if min_cap <= share {
            freeze(order[next] as usize, min_cap.max(0.0), &mut remaining, &mut count, &mut frozen);
            left -= 1;
        } else {
            let (s, e) = (res_start[bottleneck] as usize, res_start[bottleneck + 1] as usize);
            for &f in &res_flows[s..e] {
                let f = f as usize;
                if !frozen[f] {
                    freeze(f, share.max(0.0), &mut remaining, &mut count, &mut frozen);
                    left -= 1;
                }
            }
        }
    }
}
