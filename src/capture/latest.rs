//! The one-slot "latest wins" hand-over between a fast producer (the camera) and a slow
//! consumer (the pose model).
//!
//! A crossbeam `bounded(1)` channel whose sender keeps a clone of the receiver: when the slot
//! is full, the sender takes the stale value out and puts the new one in. A slow consumer
//! therefore always gets the newest value and no queue ever builds up.

use std::sync::{Arc, Weak};

use crossbeam_channel::{Receiver, Sender, TrySendError};

/// The sending half: [`LatestSender::send`] never blocks and replaces an unread value.
#[derive(Debug)]
pub struct LatestSender<T> {
    tx: Sender<T>,
    /// A clone of the consumer's receiver, used only to evict the stale value.
    evict: Receiver<T>,
    /// Alive while the consumer's [`LatestReceiver`] is: the eviction clone keeps the channel
    /// itself open, so the consumer's presence is tracked separately.
    consumer: Weak<()>,
}

/// The receiving half; dereferences to a crossbeam [`Receiver`] (usable in `select!`).
#[derive(Debug)]
pub struct LatestReceiver<T> {
    rx: Receiver<T>,
    _alive: Arc<()>,
}

impl<T> std::ops::Deref for LatestReceiver<T> {
    type Target = Receiver<T>;

    fn deref(&self) -> &Receiver<T> {
        &self.rx
    }
}

/// What happened to a value handed to [`LatestSender::send`].
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Sent {
    /// The slot was empty.
    Delivered,
    /// The slot held an unread value, which was dropped in favour of the new one.
    ReplacedStale,
    /// The receiver is gone; the value was dropped.
    Disconnected,
}

/// Creates a latest-wins channel.
pub fn channel<T>() -> (LatestSender<T>, LatestReceiver<T>) {
    let (tx, rx) = crossbeam_channel::bounded(1);
    let alive = Arc::new(());
    (
        LatestSender {
            tx,
            evict: rx.clone(),
            consumer: Arc::downgrade(&alive),
        },
        LatestReceiver { rx, _alive: alive },
    )
}

impl<T> LatestSender<T> {
    /// Puts `value` in the slot, replacing an unread one. Never blocks.
    pub fn send(&self, value: T) -> Sent {
        // The eviction receiver keeps the channel open, so a gone consumer must be checked.
        if !self.is_connected() {
            return Sent::Disconnected;
        }
        let mut replaced = false;
        let mut value = value;
        // Two rounds suffice with one producer: after evicting, the slot is empty unless the
        // consumer raced us, and then it took the stale value itself.
        for _ in 0..2 {
            match self.tx.try_send(value) {
                Ok(()) => {
                    return if replaced {
                        Sent::ReplacedStale
                    } else {
                        Sent::Delivered
                    };
                }
                Err(TrySendError::Full(back)) => {
                    replaced |= self.evict.try_recv().is_ok();
                    value = back;
                }
                Err(TrySendError::Disconnected(_)) => return Sent::Disconnected,
            }
        }
        // Only reachable with several producers racing; the newest value of another
        // producer is then in the slot, which is what latest-wins promises.
        Sent::ReplacedStale
    }

    /// Whether the consumer still exists. The sender's own eviction receiver does not count.
    pub fn is_connected(&self) -> bool {
        self.consumer.strong_count() > 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_slot_delivers() {
        let (tx, rx) = channel();
        assert_eq!(tx.send(1), Sent::Delivered);
        assert_eq!(rx.try_recv(), Ok(1));
    }

    #[test]
    fn full_slot_keeps_only_the_newest() {
        let (tx, rx) = channel();
        assert_eq!(tx.send(1), Sent::Delivered);
        assert_eq!(tx.send(2), Sent::ReplacedStale);
        assert_eq!(tx.send(3), Sent::ReplacedStale);
        assert_eq!(rx.try_recv(), Ok(3));
        assert!(rx.try_recv().is_err(), "no queue builds up");
    }

    #[test]
    fn slow_consumer_sees_increasing_values_and_never_blocks_producer() {
        let (tx, rx) = channel();
        let consumer = std::thread::Builder::new()
            .name("latest-test".into())
            .spawn(move || {
                let mut seen = Vec::new();
                while let Ok(v) = rx.recv() {
                    seen.push(v);
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
                seen
            })
            .unwrap();
        for v in 0..500u32 {
            tx.send(v);
        }
        drop(tx);
        let seen = consumer.join().unwrap();
        assert!(seen.windows(2).all(|w| w[0] < w[1]), "values stay in order");
        assert_eq!(seen.last(), Some(&499), "the last value is never lost");
        assert!(seen.len() < 500, "stale values were dropped");
    }

    #[test]
    fn dropped_receiver_is_reported() {
        let (tx, rx) = channel::<u8>();
        assert!(tx.is_connected());
        drop(rx);
        assert!(!tx.is_connected());
        assert_eq!(tx.send(1), Sent::Disconnected);
    }
}
