//! `after` chains as a graph: each node (a fault, a runbook step) waits for at most one
//! other, so following `next` from any node either ends or comes back to a node it passed.
//!
//! [`first_loop`] finds the loop the naive walk would report (the first node in index order
//! whose chain loops, and the walk from it up to the repeated node) in linear time: each
//! node is walked at most once, and a node known to lead nowhere is never walked again. The
//! callers build `next` from an index of ids (a map lookup per node), never a scan.

/// Where a node stands in [`first_loop`]'s colouring.
#[derive(Clone, Copy, PartialEq, Eq)]
enum Mark {
    Unseen,
    /// On the walk in progress: meeting it again closes a loop.
    OnWalk,
    /// Its chain ends without a loop.
    Ends,
}

/// The walk `[i, next(i), next(next(i)), …, k]` from the first `i` (in index order) whose
/// chain reaches a loop, where `k` is the first node met a second time; `None` when every
/// chain ends.
///
/// This is exactly what walking each node's chain in turn and stopping at the first repeat
/// reports, computed by iterative colouring: a walk that ends marks every node it passed,
/// so later walks stop there.
///
/// # Panics
/// If `next` names a node that does not exist: a bug in the caller.
pub fn first_loop(next: &[Option<usize>]) -> Option<Vec<usize>> {
    let mut mark = vec![Mark::Unseen; next.len()];
    let mut walk = Vec::new();
    for start in 0..next.len() {
        if mark[start] == Mark::Ends {
            continue;
        }
        walk.clear();
        let mut cur = Some(start);
        while let Some(k) = cur {
            match mark[k] {
                Mark::Ends => break,
                Mark::OnWalk => {
                    walk.push(k);
                    return Some(walk);
                }
                Mark::Unseen => {
                    mark[k] = Mark::OnWalk;
                    walk.push(k);
                    cur = next[k];
                }
            }
        }
        for &k in &walk {
            mark[k] = Mark::Ends;
        }
    }
    None
}

/// Which nodes' chains reach a loop (every such node, not only the first), by the same
/// colouring as [`first_loop`].
fn reaches_loop(next: &[Option<usize>]) -> Vec<bool> {
    let mut mark = vec![Mark::Unseen; next.len()];
    let mut bad = vec![false; next.len()];
    let mut walk = Vec::new();
    for start in 0..next.len() {
        if mark[start] == Mark::Ends {
            continue;
        }
        walk.clear();
        let mut cur = Some(start);
        let mut looped = false;
        while let Some(k) = cur {
            match mark[k] {
                Mark::Ends => {
                    looped = bad[k];
                    break;
                }
                Mark::OnWalk => {
                    looped = true;
                    break;
                }
                Mark::Unseen => {
                    mark[k] = Mark::OnWalk;
                    walk.push(k);
                    cur = next[k];
                }
            }
        }
        for &k in &walk {
            mark[k] = Mark::Ends;
            bad[k] = looped;
        }
    }
    bad
}

/// [`first_loop`] for nodes named by ids that may repeat, as a spec before its duplicate
/// check holds them: `next[i]` is the *first* node carrying the id node `i` waits for, and
/// a walk stops at the first *id* it meets twice. Only a start that is not the first of its
/// id can differ from [`first_loop`]: its walk also stops on reaching the first node of its
/// own id. That node, earlier in index order, leads nowhere (or its own loop is reported
/// first), so the question is whether it lies on the chain of `next[start]`: an ancestor
/// test on the forest of chains that end, by intervals of one depth-first numbering.
///
/// `first_of[i]` is the first node with node `i`'s id (`first_of[i] <= i`). Returns the walk
/// as node indices; the walk's first node is the start, later nodes are first of their id.
pub fn first_loop_by_id(next: &[Option<usize>], first_of: &[usize]) -> Option<Vec<usize>> {
    let n = next.len();
    if (0..n).all(|i| first_of[i] == i) {
        return first_loop(next);
    }
    let bad = reaches_loop(next);
    // Depth-first numbering of the forest where a node's parent is the node it waits for.
    let mut children: Vec<Vec<usize>> = vec![Vec::new(); n];
    let mut roots = Vec::new();
    for k in 0..n {
        if bad[k] {
            continue;
        }
        match next[k] {
            Some(p) => children[p].push(k),
            None => roots.push(k),
        }
    }
    let (mut enter, mut leave) = (vec![0usize; n], vec![0usize; n]);
    let mut clock = 0;
    let mut stack: Vec<(usize, usize)> = Vec::new();
    for &r in &roots {
        enter[r] = clock;
        clock += 1;
        stack.push((r, 0));
        while let Some(top) = stack.last_mut() {
            let (k, child) = *top;
            if let Some(&c) = children[k].get(child) {
                top.1 += 1;
                enter[c] = clock;
                clock += 1;
                stack.push((c, 0));
            } else {
                leave[k] = clock;
                stack.pop();
            }
        }
    }
    let on_chain_of = |anc: usize, k: usize| enter[anc] <= enter[k] && leave[k] <= leave[anc];
    let fails = |i: usize| {
        if first_of[i] == i {
            return bad[i];
        }
        let own = first_of[i];
        match next[i] {
            None => false,
            Some(t) => bad[t] || on_chain_of(own, t),
        }
    };
    let start = (0..n).find(|&i| fails(i))?;
    // The walk itself, as the naive check takes it (its length is at most n + 1).
    let mut seen = vec![false; n];
    seen[first_of[start]] = true;
    let mut walk = vec![start];
    let mut cur = next[start];
    while let Some(k) = cur {
        walk.push(k);
        if seen[k] {
            return Some(walk);
        }
        seen[k] = true;
        cur = next[k];
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The check as it was written first: each node's chain walked with a list of the ids
    /// seen. Quadratic per chain, so it is the oracle for small graphs only.
    fn naive(next: &[Option<usize>], first_of: &[usize]) -> Option<Vec<usize>> {
        for start in 0..next.len() {
            let mut seen = vec![first_of[start]];
            let mut walk = vec![start];
            let mut cur = next[start];
            while let Some(k) = cur {
                walk.push(k);
                if seen.contains(&k) {
                    return Some(walk);
                }
                seen.push(k);
                cur = next[k];
            }
        }
        None
    }

    fn unique(n: usize) -> Vec<usize> {
        (0..n).collect()
    }

    #[test]
    fn a_self_loop_is_a_loop() {
        assert_eq!(first_loop(&[None, Some(1)]), Some(vec![1, 1]));
    }

    #[test]
    fn a_loop_not_reachable_from_the_first_node_is_found() {
        // 0 -> 1 -> end; 2 -> 3 -> 2.
        let next = [Some(1), None, Some(3), Some(2)];
        assert_eq!(first_loop(&next), Some(vec![2, 3, 2]));
    }

    #[test]
    fn a_long_chain_ending_in_a_loop_reports_the_walk_from_its_first_node() {
        // 0 -> 1 -> … -> 999 -> 998: the walk from 0 runs down the chain to the repeat.
        let n = 1000;
        let mut next: Vec<Option<usize>> = (0..n).map(|i| Some(i + 1)).collect();
        next[n - 1] = Some(n - 2);
        let mut expect: Vec<usize> = (0..n).collect();
        expect.push(n - 2);
        assert_eq!(first_loop(&next), Some(expect));
    }

    #[test]
    fn a_diamond_is_not_a_loop() {
        // Two nodes wait for 3, which waits for 0; 4 waits for 1 and 2 for 1: chains merge.
        let next = [None, Some(3), Some(1), Some(0), Some(1)];
        assert_eq!(first_loop(&next), None);
    }

    #[test]
    fn an_unknown_target_ends_the_chain() {
        assert_eq!(first_loop(&[None, Some(0), None]), None);
    }

    #[test]
    fn a_chain_into_a_loop_found_earlier_is_reported_from_the_earlier_node() {
        // 0 -> 2 -> 1 -> 2: node 0's walk meets 2 again.
        let next = [Some(2), Some(2), Some(1)];
        assert_eq!(first_loop(&next), Some(vec![0, 2, 1, 2]));
    }

    #[test]
    fn a_repeated_id_stops_the_walk_of_its_second_node() {
        // Nodes 0 and 2 share an id; 2 waits for 1, which waits for 0: the walk from 2 meets
        // its own id again.
        let next = [None, Some(0), Some(1)];
        let first_of = [0, 1, 0];
        assert_eq!(first_loop(&next), None);
        assert_eq!(first_loop_by_id(&next, &first_of), Some(vec![2, 1, 0]));
        assert_eq!(first_loop_by_id(&next, &first_of), naive(&next, &first_of));
    }

    /// Every graph of up to five nodes (each waits for nothing or any node), with and
    /// without repeated ids, against the naive walk.
    #[test]
    fn agrees_with_the_naive_walk_on_every_small_graph() {
        for n in 1..=5usize {
            let choices = n + 1;
            let total = choices.pow(n as u32);
            for code in 0..total {
                let mut c = code;
                let next: Vec<Option<usize>> = (0..n)
                    .map(|_| {
                        let d = c % choices;
                        c /= choices;
                        (d < n).then_some(d)
                    })
                    .collect();
                assert_eq!(first_loop(&next), naive(&next, &unique(n)), "{next:?}");
                // Ids: node i repeats the id of node i / 2 when i is odd-numbered past 2.
                let first_of: Vec<usize> = (0..n).map(|i| if i >= 3 && i % 2 == 1 { i / 2 } else { i }).collect();
                // `next` must point at first nodes of their id, as a spec's lookup does.
                let next: Vec<Option<usize>> = next.iter().map(|t| t.map(|k| first_of[k])).collect();
                assert_eq!(first_loop_by_id(&next, &first_of), naive(&next, &first_of), "{next:?} {first_of:?}");
            }
        }
    }
}
