//! When each lazy session's next kept packet falls due, in one dense array by link.
//!
//! Every instant that asks "which lazy session has a packet due first?" (the peek that ends
//! an instant, work left for the next instant) or "catch up whatever is due" used to look
//! at every session: a pointer chase into each ~700-byte `Session` for four timer values,
//! about a sixth of a lazy bench-scale run (issue 15). The answer only changes when a lazy
//! session replays, fires or leaves lazy mode, so the control plane writes it here then,
//! and the scans read 8 bytes per link from one contiguous array.
//!
//! A binary heap and a calendar queue (Brown 1988) of the sessions were tried first and
//! both lost to this scan on bench-scale (lazy 2.6 s CPU → 3.7 s and 3.5 s): a large share of
//! the sessions falls due between two instants, so the index does O(log n) or bucket work
//! per replay, where the scan does a compare.

/// No packet kept: the session is not lazy, or keeps none yet.
pub(super) const NONE: u64 = u64::MAX;

#[derive(Debug, Default)]
pub(super) struct Kept {
    at: Vec<u64>,
}

impl Kept {
    pub(super) fn with_links(n: usize) -> Kept {
        Kept { at: vec![NONE; n] }
    }

    /// Records when the session on `link` keeps its next packet (`None`: not lazy, or none).
    pub(super) fn set(&mut self, link: usize, packet: Option<(u64, u64)>) {
        self.at[link] = packet.map_or(NONE, |(t, _)| t);
    }

    /// The first link from `from` on whose kept packet falls due strictly before `limit`.
    pub(super) fn next_due(&self, from: usize, limit: u64) -> Option<usize> {
        self.at.get(from..)?.iter().position(|&t| t < limit).map(|i| from + i)
    }

    /// When the first kept packet falls due, if any.
    pub(super) fn first(&self) -> Option<u64> {
        self.at.iter().copied().min().filter(|&t| t != NONE)
    }

    /// The links whose kept packet falls due exactly at `t`, in link order.
    pub(super) fn at(&self, t: u64) -> impl Iterator<Item = usize> + '_ {
        self.at.iter().enumerate().filter(move |&(_, &a)| a == t).map(|(l, _)| l)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn due_links_come_in_link_order_and_a_packet_at_the_limit_is_not_due() {
        let mut kept = Kept::with_links(4);
        kept.set(0, Some((30, 5)));
        kept.set(1, Some((10, 2)));
        kept.set(2, Some((40, 9)));
        kept.set(3, None);
        assert_eq!(kept.next_due(0, 40), Some(0));
        assert_eq!(kept.next_due(1, 40), Some(1));
        assert_eq!(kept.next_due(2, 40), None);
        assert_eq!(kept.next_due(2, 41), Some(2));
        assert_eq!(kept.next_due(9, 41), None);
        assert_eq!(kept.first(), Some(10));
        kept.set(1, Some((30, 11)));
        assert_eq!(kept.at(30).collect::<Vec<_>>(), vec![0, 1]);
        for l in 0..3 {
            kept.set(l, None);
        }
        assert_eq!(kept.first(), None);
    }
}
