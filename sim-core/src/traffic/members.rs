//! Which fluid flows cross each link direction, in the order the solver walks them.
//!
//! The order of a list is part of the model's behaviour: the connected component is found
//! by a breadth-first walk over these lists, and its order is the order of the max-min
//! problem, of the rates set and of the timers armed. A flow joins at the end of each list on
//! its path and leaves by a swap with the last entry (a `swap_remove`), as it always has; what
//! changed is how it finds itself. A scan of the list for its position made a repath of a
//! group of a million flows quadratic (58 s for one cut); each flow now keeps, per hop, the
//! list and the position it holds, and the entry moved into the hole is told its new one.

/// The lists of flows per link direction, and each flow's place in them.
#[derive(Debug, Default)]
pub(crate) struct Members {
    lists: Vec<Vec<u32>>,
    /// Per flow, per hop of the path it joined with: (link direction, position in its list).
    at: Vec<Places>,
}

/// One flow's places: inline for paths of up to two hops, so a flow allocates nothing here.
type Places = smallvec::SmallVec<[(u32, u32); 2]>;

/// Marks a hop already left, while a flow leaves hop by hop.
const LEFT: u32 = u32::MAX;

impl Members {
    pub fn new(directions: usize, flows: usize) -> Members {
        Members { lists: vec![Vec::new(); directions], at: vec![Places::new(); flows] }
    }

    /// The flows on link direction `r`, in order.
    pub fn on(&self, r: usize) -> &[u32] {
        &self.lists[r]
    }

    /// Flow `f` joins the end of each list of `path` (link directions, in hop order).
    pub fn join(&mut self, f: u32, path: impl Iterator<Item = usize>) {
        let mut at = std::mem::take(&mut self.at[f as usize]);
        debug_assert!(at.is_empty(), "a flow joins once before it leaves");
        for r in path {
            at.push((r as u32, self.lists[r].len() as u32));
            self.lists[r].push(f);
        }
        self.at[f as usize] = at;
    }

    /// Flow `f` leaves every list it joined, hop by hop in the order it joined them. From
    /// each list it removes the first entry that is `f` (a path that crosses one direction
    /// twice is in its list twice), by a swap with the last entry.
    pub fn leave(&mut self, f: u32) {
        let mut at = std::mem::take(&mut self.at[f as usize]);
        for k in 0..at.len() {
            let r = at[k].0;
            let hop = (0..at.len())
                .filter(|&j| at[j].0 == r && at[j].1 != LEFT)
                .min_by_key(|&j| at[j].1)
                .expect("a joined hop is in its list until it leaves");
            let p = at[hop].1 as usize;
            at[hop].1 = LEFT;
            let list = &mut self.lists[r as usize];
            list.swap_remove(p);
            if p < list.len() {
                let (moved, from) = (list[p], list.len() as u32);
                let places = if moved == f { &mut at } else { &mut self.at[moved as usize] };
                let entry = places.iter_mut().find(|e| **e == (r, from)).expect("the moved entry knows its place");
                entry.1 = p as u32;
            }
        }
        at.clear();
        self.at[f as usize] = at;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The lists as they were kept first: a scan for the position, then `swap_remove`.
    #[derive(Default)]
    struct Scanned {
        lists: Vec<Vec<u32>>,
    }

    impl Scanned {
        fn join(&mut self, f: u32, path: &[usize]) {
            for &r in path {
                self.lists[r].push(f);
            }
        }
        fn leave(&mut self, f: u32, path: &[usize]) {
            for &r in path {
                if let Some(p) = self.lists[r].iter().position(|x| *x == f) {
                    self.lists[r].swap_remove(p);
                }
            }
        }
    }

    /// Random joins and leaves of 40 flows over 6 directions, with paths of up to four hops
    /// that may cross a direction twice, keep every list in exactly the scanned order.
    #[test]
    fn leaving_keeps_the_order_a_scan_and_swap_remove_kept() {
        let (nres, nflows) = (6usize, 40u32);
        let mut m = Members::new(nres, nflows as usize);
        let mut naive = Scanned { lists: vec![Vec::new(); nres] };
        let mut paths: Vec<Option<Vec<usize>>> = vec![None; nflows as usize];
        let mut x = 0x9e37_79b9_7f4a_7c15u64;
        let mut next = |n: u64| {
            x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
            ((x >> 33) % n) as usize
        };
        for step in 0..20_000 {
            let f = next(u64::from(nflows)) as u32;
            match paths[f as usize].take() {
                Some(path) => {
                    m.leave(f);
                    naive.leave(f, &path);
                }
                None => {
                    let path: Vec<usize> = (0..1 + next(4)).map(|_| next(nres as u64)).collect();
                    m.join(f, path.iter().copied());
                    naive.join(f, &path);
                    paths[f as usize] = Some(path);
                }
            }
            for r in 0..nres {
                assert_eq!(m.on(r), &naive.lists[r][..], "direction {r} after step {step}");
            }
        }
    }

    #[test]
    fn a_flow_that_crosses_a_direction_twice_leaves_both_entries() {
        let mut m = Members::new(2, 3);
        m.join(0, [0, 1, 0].into_iter());
        m.join(1, [0].into_iter());
        m.join(2, [0, 0].into_iter());
        assert_eq!(m.on(0), &[0, 0, 1, 2, 2]);
        m.leave(0);
        assert_eq!(m.on(0), &[2, 2, 1]);
        assert_eq!(m.on(1), &[] as &[u32]);
        m.leave(2);
        assert_eq!(m.on(0), &[1]);
    }
}
