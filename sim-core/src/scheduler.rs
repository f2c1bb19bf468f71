//! The event queue: a binary heap keyed by `(time, seq)`, plus cheaply re-armable timers.
//!
//! Equal times run in insertion order because `seq` is the only tie-breaker. Timers are
//! slots, not heap entries: re-arming a timer *later* (the common case: a BFD detection timer
//! pushed back by every received packet) only rewrites the slot's deadline, and the one heap
//! entry re-queues itself when it surfaces. Re-arming *earlier* or cancelling leaves a stale
//! entry that is skipped on pop. Nothing here allocates per event once the heap has grown.

use std::cmp::Ordering;
use std::collections::BinaryHeap;

use crate::time::SimTime;

/// Handle to a timer slot.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct TimerId(pub u32);

#[derive(Clone, Copy, Debug)]
enum Payload<E> {
    Event(E),
    Timer(TimerId),
}

#[derive(Clone, Copy, Debug)]
struct Entry<E> {
    time: SimTime,
    seq: u64,
    payload: Payload<E>,
}

impl<E> PartialEq for Entry<E> {
    fn eq(&self, other: &Self) -> bool {
        self.time == other.time && self.seq == other.seq
    }
}
impl<E> Eq for Entry<E> {}
impl<E> PartialOrd for Entry<E> {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}
impl<E> Ord for Entry<E> {
    /// Reversed, so the std max-heap pops the earliest `(time, seq)` first.
    fn cmp(&self, other: &Self) -> Ordering {
        (other.time, other.seq).cmp(&(self.time, self.seq))
    }
}

/// A timer's state, kept apart from its event so the hot part stays 16 bytes per timer.
#[derive(Clone, Copy, Debug)]
struct TimerSlot {
    /// When the timer should fire; `NONE` when disarmed.
    deadline: u64,
    /// The time of this slot's live heap entry; `NONE` when none is queued.
    queued: u64,
}

const NONE: u64 = u64::MAX;

impl TimerSlot {
    fn deadline(self) -> Option<SimTime> {
        (self.deadline != NONE).then_some(SimTime(self.deadline))
    }
    fn queued(self) -> Option<SimTime> {
        (self.queued != NONE).then_some(SimTime(self.queued))
    }
}

/// A deterministic discrete-event scheduler over events of type `E`.
#[derive(Debug)]
pub struct Scheduler<E: Copy> {
    now: SimTime,
    seq: u64,
    heap: BinaryHeap<Entry<E>>,
    timers: Vec<TimerSlot>,
    timer_events: Vec<E>,
}

impl<E: Copy> Default for Scheduler<E> {
    fn default() -> Self {
        Self::new()
    }
}

impl<E: Copy> Scheduler<E> {
    pub fn new() -> Self {
        Scheduler { now: SimTime::ZERO, seq: 0, heap: BinaryHeap::new(), timers: Vec::new(), timer_events: Vec::new() }
    }

    pub fn now(&self) -> SimTime {
        self.now
    }

    /// Moves the clock forward to `t` when no event lies before it (time passing between
    /// events, e.g. at the end of a run).
    ///
    /// # Panics
    /// If a live event is due before `t`: skipping it would break causality.
    pub fn advance_to(&mut self, t: SimTime) {
        if t <= self.now {
            return;
        }
        if let Some(next) = self.peek_time() {
            assert!(next >= t, "advance_to({t}) would skip an event at {next}");
        }
        self.now = t;
    }

    /// Number of heap entries, stale ones included.
    pub fn pending(&self) -> usize {
        self.heap.len()
    }

    fn push(&mut self, time: SimTime, payload: Payload<E>) {
        debug_assert!(time >= self.now, "event scheduled in the past");
        self.seq += 1;
        self.heap.push(Entry { time, seq: self.seq, payload });
    }

    /// Schedules a one-shot event. Times before `now` are clamped to `now`.
    pub fn schedule(&mut self, at: SimTime, event: E) {
        let at = at.max(self.now);
        self.push(at, Payload::Event(event));
    }

    /// Creates a disarmed timer that delivers `event` when it fires.
    pub fn add_timer(&mut self, event: E) -> TimerId {
        let id = TimerId(u32::try_from(self.timers.len()).expect("more than 2^32 timers"));
        self.timers.push(TimerSlot { deadline: NONE, queued: NONE });
        self.timer_events.push(event);
        id
    }

    /// Arms (or re-arms) a timer to fire at `at`.
    pub fn arm(&mut self, id: TimerId, at: SimTime) {
        let at = at.max(self.now);
        let slot = &mut self.timers[id.0 as usize];
        slot.deadline = at.as_nanos();
        // A live entry that surfaces no later than `at` will re-queue itself.
        if slot.queued == NONE || slot.queued > at.as_nanos() {
            slot.queued = at.as_nanos();
            self.push(at, Payload::Timer(id));
        }
    }

    pub fn cancel(&mut self, id: TimerId) {
        self.timers[id.0 as usize].deadline = NONE;
    }

    pub fn deadline(&self, id: TimerId) -> Option<SimTime> {
        self.timers[id.0 as usize].deadline()
    }

    /// The time of the timer's live heap entry (its deadline, or an earlier time where it
    /// will re-queue itself), if one is queued.
    pub fn queued(&self, id: TimerId) -> Option<SimTime> {
        self.timers[id.0 as usize].queued()
    }

    /// Sets a timer to fire at `deadline` with its heap entry at `queued` (no later), as if a
    /// chain of later re-arms had left it there: lazy control packets give back a deadline
    /// timer in the state the per-packet run's re-arms would have left.
    pub fn arm_queued(&mut self, id: TimerId, deadline: SimTime, queued: SimTime) {
        let queued = queued.max(self.now).min(deadline);
        let slot = &mut self.timers[id.0 as usize];
        slot.deadline = deadline.as_nanos();
        if slot.queued != queued.as_nanos() {
            slot.queued = queued.as_nanos();
            self.push(queued, Payload::Timer(id));
        }
    }

    /// Time of the next live event, without running it. Stale timer entries on top are
    /// discarded and deferred ones re-queued on the way.
    pub fn peek_time(&mut self) -> Option<SimTime> {
        loop {
            let top = *self.heap.peek()?;
            let Payload::Timer(id) = top.payload else { return Some(top.time) };
            let slot = self.timers[id.0 as usize];
            if slot.queued() == Some(top.time) && slot.deadline() == Some(top.time) {
                return Some(top.time);
            }
            self.heap.pop();
            self.settle_timer_entry(id, top.time);
        }
    }

    /// [`Self::peek_time`], but settling stale timer entries only while they come before
    /// `bound`: `Err(q)` when a stale entry at `q >= bound` is on top. A caller that knows of
    /// events kept off the heap (lazy control packets, due from `bound`) settles exactly the
    /// entries a heap holding them would have settled before reaching them.
    pub fn peek_time_before(&mut self, bound: SimTime) -> Result<Option<SimTime>, SimTime> {
        loop {
            let Some(&top) = self.heap.peek() else { return Ok(None) };
            let Payload::Timer(id) = top.payload else { return Ok(Some(top.time)) };
            let slot = self.timers[id.0 as usize];
            if slot.queued() == Some(top.time) && slot.deadline() == Some(top.time) {
                return Ok(Some(top.time));
            }
            if top.time >= bound {
                return Err(top.time);
            }
            self.heap.pop();
            self.settle_timer_entry(id, top.time);
        }
    }

    /// A timer's heap entry at `time` was taken off the heap without firing: forget it if it
    /// is stale, or re-queue it at the deadline it was pushed back to.
    fn settle_timer_entry(&mut self, id: TimerId, time: SimTime) {
        let slot = &mut self.timers[id.0 as usize];
        if slot.queued != time.as_nanos() {
            return; // superseded by an earlier re-arm
        }
        if slot.deadline == NONE {
            slot.queued = NONE;
            return;
        }
        // Re-armed later while queued: follow the deadline.
        let d = SimTime(slot.deadline);
        slot.queued = d.as_nanos();
        self.push(d, Payload::Timer(id));
    }

    /// Removes and returns the next live event, advancing `now` to its time.
    pub fn pop(&mut self) -> Option<(SimTime, E)> {
        loop {
            let entry = self.heap.pop()?;
            match entry.payload {
                Payload::Event(e) => {
                    self.now = entry.time;
                    return Some((entry.time, e));
                }
                Payload::Timer(id) => {
                    let slot = &mut self.timers[id.0 as usize];
                    if slot.queued == entry.time.as_nanos() && slot.deadline == entry.time.as_nanos() {
                        slot.queued = NONE;
                        slot.deadline = NONE;
                        self.now = entry.time;
                        return Some((entry.time, self.timer_events[id.0 as usize]));
                    }
                    self.settle_timer_entry(id, entry.time);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn equal_times_pop_in_insertion_order() {
        let mut s = Scheduler::new();
        for i in 0..5u32 {
            s.schedule(SimTime(10), i);
        }
        s.schedule(SimTime(5), 99);
        let order: Vec<u32> = std::iter::from_fn(|| s.pop().map(|(_, e)| e)).collect();
        assert_eq!(order, vec![99, 0, 1, 2, 3, 4]);
    }

    #[test]
    fn rearming_later_fires_once_at_the_new_deadline() {
        let mut s = Scheduler::new();
        let t = s.add_timer(7u32);
        s.arm(t, SimTime(100));
        s.arm(t, SimTime(300));
        s.arm(t, SimTime(200));
        assert_eq!(s.pop(), Some((SimTime(200), 7)));
        assert_eq!(s.pop(), None);
        assert_eq!(s.pending(), 0, "no stale entries left for later re-arms");
    }

    #[test]
    fn rearming_earlier_fires_early_and_skips_the_stale_entry() {
        let mut s = Scheduler::new();
        let t = s.add_timer(1u32);
        s.arm(t, SimTime(300));
        s.arm(t, SimTime(100));
        assert_eq!(s.peek_time(), Some(SimTime(100)));
        assert_eq!(s.pop(), Some((SimTime(100), 1)));
        assert_eq!(s.pop(), None);
    }

    #[test]
    fn cancelled_timer_never_fires_and_can_be_rearmed() {
        let mut s = Scheduler::new();
        let t = s.add_timer(1u32);
        s.arm(t, SimTime(100));
        s.cancel(t);
        s.schedule(SimTime(150), 2);
        assert_eq!(s.pop(), Some((SimTime(150), 2)));
        s.arm(t, SimTime(400));
        assert_eq!(s.pop(), Some((SimTime(400), 1)));
    }
}
