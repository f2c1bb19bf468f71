//! The cap on simulations running at once, across every call and task of the server: one
//! slot per simulation thread, as many slots as cores unless `--max-running` says otherwise.
//! A run or an explain takes one slot; a sweep or a shrink takes one and as many more as
//! are free (up to the cap) and runs that many seeds at once, so a second sweep shares the
//! machine instead of doubling the threads. A call that finds no free slot waits; when
//! [`WAITING_PER_SLOT`] calls per slot already wait, it is refused at once with a message
//! that says why, instead of queueing without bound.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};

use tokio::sync::{OwnedSemaphorePermit, Semaphore};

/// Calls allowed to wait per slot before another is refused as busy.
pub const WAITING_PER_SLOT: usize = 4;

pub struct Slots {
    sem: Arc<Semaphore>,
    size: usize,
    waiting: AtomicUsize,
}

/// Slots held by one call; given back when dropped (when its blocking work has ended, not
/// when a cancelled call stops waiting for it).
pub struct Held {
    _permits: OwnedSemaphorePermit,
    pub count: usize,
}

impl Slots {
    pub fn new(size: usize) -> Slots {
        let size = size.max(1);
        Slots { sem: Arc::new(Semaphore::new(size)), size, waiting: AtomicUsize::new(0) }
    }

    pub fn size(&self) -> usize {
        self.size
    }

    /// One slot, and up to `want - 1` more when they are free now; waits for the first,
    /// or fails when too many calls wait already.
    pub async fn take(&self, want: usize) -> Result<Held, String> {
        let mut permits = match self.sem.clone().try_acquire_owned() {
            Ok(p) => p,
            Err(_) => {
                let limit = self.size * WAITING_PER_SLOT;
                let waiting = self.waiting.fetch_add(1, Ordering::SeqCst);
                if waiting >= limit {
                    self.waiting.fetch_sub(1, Ordering::SeqCst);
                    return Err(format!(
                        "busy: all {} simulation slots are taken (the most this server runs at once, --max-running) and {waiting} calls wait for one; retry when a call has answered",
                        self.size
                    ));
                }
                let got = self.sem.clone().acquire_owned().await;
                self.waiting.fetch_sub(1, Ordering::SeqCst);
                got.map_err(|_| "the server is shutting down".to_string())?
            }
        };
        let mut count = 1;
        while count < want.min(self.size) {
            match self.sem.clone().try_acquire_owned() {
                Ok(more) => {
                    permits.merge(more);
                    count += 1;
                }
                Err(_) => break,
            }
        }
        Ok(Held { _permits: permits, count })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test]
    async fn a_sweep_takes_what_is_free_and_the_queue_is_bounded() {
        let s = Slots::new(2);
        let a = s.take(8).await.expect("free");
        assert_eq!(a.count, 2);
        // Every slot is held and as many calls wait as may: the next one is refused.
        s.waiting.store(2 * WAITING_PER_SLOT, Ordering::SeqCst);
        let e = s.take(1).await.err().expect("busy");
        assert!(e.starts_with("busy: all 2 simulation slots are taken"), "{e}");
        s.waiting.store(0, Ordering::SeqCst);
        drop(a);
        assert_eq!(s.take(1).await.expect("free again").count, 1);
    }
}
