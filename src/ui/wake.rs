//! [`Wake`]: how the pipeline, the desktop backend and the window's background reads wake
//! whoever runs the [`super::App`] — the window (its `egui::Context`) while one exists, or the
//! tray loop ([`super::App::run_in_tray`]), which blocks on the channel this hands out.
//!
//! One waker for both, so the callbacks given to threads at start (the pipeline's
//! `on_update`, the desktop's command waker, today's and the review's reads) stay right when
//! the window is opened and closed again.

use std::sync::{Arc, Mutex, PoisonError};

use crossbeam_channel::{Receiver, Sender};

/// Wakes the window when there is one, else the tray loop. Cheap to clone and to call.
#[derive(Clone)]
pub struct Wake {
    inner: Arc<Inner>,
}

struct Inner {
    /// The open window's context (`None`: no window, the tray loop waits).
    window: Mutex<Option<egui::Context>>,
    /// One pending wake is enough: the loop drains everything when it runs.
    tx: Sender<()>,
}

impl std::fmt::Debug for Wake {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Wake")
            .field("window", &self.has_window())
            .finish_non_exhaustive()
    }
}

impl Wake {
    /// A waker and the channel the tray loop blocks on.
    pub fn new() -> (Self, Receiver<()>) {
        let (tx, rx) = crossbeam_channel::bounded(1);
        let wake = Self {
            inner: Arc::new(Inner {
                window: Mutex::new(None),
                tx,
            }),
        };
        (wake, rx)
    }

    /// Asks the window for a repaint, or wakes the tray loop when no window exists.
    pub fn wake(&self) {
        let window = self
            .inner
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner);
        if let Some(ctx) = window.as_ref() {
            ctx.request_repaint();
        } else {
            // Full: a wake is pending already.
            let _ = self.inner.tx.try_send(());
        }
    }

    /// From now on wakes go to the window of `ctx`.
    pub fn attach(&self, ctx: &egui::Context) {
        *self
            .inner
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = Some(ctx.clone());
    }

    /// The window is gone: from now on wakes go to the tray loop.
    pub fn detach(&self) {
        *self
            .inner
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner) = None;
    }

    /// Whether a window is attached.
    pub fn has_window(&self) -> bool {
        self.inner
            .window
            .lock()
            .unwrap_or_else(PoisonError::into_inner)
            .is_some()
    }

    /// [`Self::wake`] as a callback for another thread.
    pub fn callback(&self) -> Arc<dyn Fn() + Send + Sync> {
        let wake = self.clone();
        Arc::new(move || wake.wake())
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    #[test]
    fn wakes_the_tray_loop_without_a_window_and_the_window_with_one() {
        let (wake, rx) = Wake::new();
        wake.wake();
        wake.wake();
        assert!(rx.try_recv().is_ok(), "the loop is woken");
        assert!(rx.try_recv().is_err(), "one pending wake, not a queue");

        let ctx = egui::Context::default();
        let repaints = Arc::new(std::sync::atomic::AtomicUsize::new(0));
        let counted = Arc::clone(&repaints);
        ctx.set_request_repaint_callback(move |_| {
            counted.fetch_add(1, std::sync::atomic::Ordering::SeqCst);
        });
        wake.attach(&ctx);
        wake.callback()();
        assert!(
            repaints.load(std::sync::atomic::Ordering::SeqCst) > 0,
            "the window repaints"
        );
        assert!(rx.try_recv().is_err(), "the loop is not woken");

        wake.detach();
        wake.wake();
        assert!(rx.recv_timeout(Duration::from_secs(1)).is_ok());
    }
}
