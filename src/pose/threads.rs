//! The thread layout of a network, chosen while a stream runs.
//!
//! Which ONNX Runtime layout is fastest depends on what else the machine does, and that changes
//! during a long video:
//! - with free cores, several intra-op threads whose pool spins between operators;
//! - with the cores busy, the same threads without spinning (a spinning pool burns the CPU the
//!   other threads of the process and of other programs need, and a parallel operator waits
//!   for a thread that is not running);
//! - on a host whose cores are not really independent, one thread.
//!
//! So [`layouts`] gives each network one session per layout, and a [`Chooser`] runs the
//! stream on the fastest: it times each run by the time until the next run of the same
//! network starts (the whole per-frame loop, decoding and output included, so a pool that
//! spins at the expense of the rest is seen as slow), tries every layout at the start, uses
//! the best, and now and then tries the others again for a few runs. ONNX Runtime's CPU
//! kernels split work between threads without changing any sum, so every layout gives the
//! same bits (the test `thread_layouts_give_identical_landmarks` checks it): the choice changes
//! the speed, never the result.

use std::collections::VecDeque;

use crate::models::SessionOptions;

/// Timed runs of a layout in one trial; their median is compared.
pub const TRIAL_RUNS: usize = 5;

/// Runs on the chosen layout before the others are tried again, at first; doubled (up to
/// [`MAX_EXPLOIT_RUNS`]) after each trial that changes nothing.
pub const MIN_EXPLOIT_RUNS: usize = 100;

/// Longest stretch between trials.
pub const MAX_EXPLOIT_RUNS: usize = 1600;

/// Another layout must be this much faster (as a fraction) to take over.
pub const SWITCH_MARGIN: f64 = 0.05;

/// Intra-op threads for a pipeline that has the machine to itself: its cores, at most four
/// (these networks gain little beyond).
pub fn machine_threads() -> usize {
    std::thread::available_parallelism()
        .map_or(1, std::num::NonZero::get)
        .min(4)
}

/// The session layouts a network gets: with more than one intra-op thread in `asked` and
/// `adaptive`, the spinning pool, the same pool without spinning and one thread, in that order
/// (all with `asked`'s arena setting); otherwise exactly `asked` with the spinning pool (an
/// explicit `--threads N` keeps ONNX Runtime's spinning pool).
pub fn layouts(asked: SessionOptions, adaptive: bool) -> Vec<SessionOptions> {
    let threads = asked.intra_threads.max(1);
    let layout = |intra_threads, spinning| SessionOptions {
        intra_threads,
        spinning,
        arena: asked.arena,
    };
    if adaptive && threads > 1 {
        vec![
            layout(threads, true),
            layout(threads, false),
            layout(1, true),
        ]
    } else {
        vec![layout(threads, true)]
    }
}

/// The one layout for a network that runs only now and then (the detector in video mode):
/// too few runs to choose from, so the pool without spinning when there is one (never much
/// slower, never wasteful), else the only layout.
pub fn occasional(layouts: &[SessionOptions]) -> SessionOptions {
    layouts
        .iter()
        .find(|l| l.intra_threads > 1 && !l.spinning)
        .or(layouts.first())
        .copied()
        .unwrap_or(SessionOptions::threads(1))
}

/// What the chooser does now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Phase {
    /// Trying `layout` for `left` more timed runs, then the next one; `then` is the layout in
    /// use before the trial (`None` at the start, when every layout is tried).
    Trial {
        layout: usize,
        left: usize,
        then: Option<usize>,
    },
    /// Using the chosen layout for `left` more runs.
    Exploit { left: usize },
}

/// Picks the layout of each run from the measured time per run of every layout.
#[derive(Clone, Debug)]
pub struct Chooser {
    count: usize,
    current: usize,
    phase: Phase,
    exploit_runs: usize,
    /// The last [`TRIAL_RUNS`] timings of each layout, milliseconds.
    recent: Vec<VecDeque<f64>>,
    /// Whether a layout's first run (its warm-up, much slower) has been seen.
    warm: Vec<bool>,
    switches: usize,
}

impl Chooser {
    /// A chooser over `count` layouts (index 0 is the preferred one when all tie).
    pub fn new(count: usize) -> Self {
        let count = count.max(1);
        Self {
            count,
            current: 0,
            phase: if count > 1 {
                Phase::Trial {
                    layout: 0,
                    left: TRIAL_RUNS + 1,
                    then: None,
                }
            } else {
                Phase::Exploit { left: usize::MAX }
            },
            exploit_runs: MIN_EXPLOIT_RUNS,
            recent: vec![VecDeque::with_capacity(TRIAL_RUNS); count],
            warm: vec![false; count],
            switches: 0,
        }
    }

    /// The layout for the next run.
    pub fn next_layout(&mut self) -> usize {
        match self.phase {
            Phase::Trial { layout, .. } => layout,
            Phase::Exploit { .. } => self.current,
        }
    }

    /// The layout in use outside trials.
    pub fn current(&self) -> usize {
        self.current
    }

    /// How often the layout in use changed after the first choice.
    pub fn switches(&self) -> usize {
        self.switches
    }

    /// Records that a run on `layout` took `ms` (until the next run started) and moves on.
    pub fn record(&mut self, layout: usize, ms: f64) {
        if layout >= self.count || !ms.is_finite() {
            return;
        }
        if std::mem::replace(&mut self.warm[layout], true) {
            let recent = &mut self.recent[layout];
            if recent.len() == TRIAL_RUNS {
                recent.pop_front();
            }
            recent.push_back(ms);
        }
        self.phase = match self.phase {
            Phase::Trial {
                layout: trying,
                left,
                then,
            } if trying == layout => {
                if left > 1 {
                    Phase::Trial {
                        layout,
                        left: left - 1,
                        then,
                    }
                } else {
                    self.next_trial_or_choose(layout, then)
                }
            }
            Phase::Exploit { left } if layout == self.current => {
                if left > 1 {
                    Phase::Exploit { left: left - 1 }
                } else {
                    self.first_trial()
                }
            }
            phase => phase,
        };
    }

    /// The first layout other than the current one to try, or back to exploiting.
    fn first_trial(&self) -> Phase {
        match (0..self.count).find(|&l| l != self.current) {
            Some(layout) => Phase::Trial {
                layout,
                left: if self.warm[layout] {
                    TRIAL_RUNS
                } else {
                    TRIAL_RUNS + 1
                },
                then: Some(self.current),
            },
            None => Phase::Exploit {
                left: self.exploit_runs,
            },
        }
    }

    /// After the trial of `done`: the next layout to try, or the choice.
    fn next_trial_or_choose(&mut self, done: usize, then: Option<usize>) -> Phase {
        let next = (done + 1..self.count).find(|&l| Some(l) != then);
        if let Some(layout) = next {
            return Phase::Trial {
                layout,
                left: if self.warm[layout] {
                    TRIAL_RUNS
                } else {
                    TRIAL_RUNS + 1
                },
                then,
            };
        }
        let before = then.unwrap_or(0);
        let best = self.best(before);
        if then.is_some() {
            if best == before {
                self.exploit_runs = (self.exploit_runs * 2).min(MAX_EXPLOIT_RUNS);
            } else {
                self.exploit_runs = MIN_EXPLOIT_RUNS;
                self.switches += 1;
            }
        }
        self.current = best;
        Phase::Exploit {
            left: self.exploit_runs,
        }
    }

    /// The layout with the lowest median time, keeping `incumbent` unless another is more
    /// than [`SWITCH_MARGIN`] faster.
    fn best(&self, incumbent: usize) -> usize {
        let Some(incumbent_ms) = median(&self.recent[incumbent]) else {
            return (0..self.count)
                .filter_map(|l| median(&self.recent[l]).map(|ms| (l, ms)))
                .min_by(|a, b| a.1.total_cmp(&b.1))
                .map_or(incumbent, |(l, _)| l);
        };
        (0..self.count)
            .filter(|&l| l != incumbent)
            .filter_map(|l| median(&self.recent[l]).map(|ms| (l, ms)))
            .filter(|&(_, ms)| ms < incumbent_ms * (1.0 - SWITCH_MARGIN))
            .min_by(|a, b| a.1.total_cmp(&b.1))
            .map_or(incumbent, |(l, _)| l)
    }
}

fn median(values: &VecDeque<f64>) -> Option<f64> {
    if values.is_empty() {
        return None;
    }
    let mut sorted: Vec<f64> = values.iter().copied().collect();
    sorted.sort_by(f64::total_cmp);
    Some(sorted[sorted.len() / 2])
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Runs the chooser for `runs` runs where layout `l` takes `cost(l, run)` ms; returns the
    /// layout of every run.
    fn drive(chooser: &mut Chooser, runs: usize, cost: impl Fn(usize, usize) -> f64) -> Vec<usize> {
        (0..runs)
            .map(|run| {
                let layout = chooser.next_layout();
                chooser.record(layout, cost(layout, run));
                layout
            })
            .collect()
    }

    #[test]
    fn one_layout_is_always_used() {
        let mut chooser = Chooser::new(1);
        assert!(drive(&mut chooser, 500, |_, _| 1.0).iter().all(|&l| l == 0));
    }

    #[test]
    fn every_layout_is_tried_first_and_the_fastest_kept() {
        let mut chooser = Chooser::new(3);
        let cost = |layout: usize, run: usize| {
            // The first run of each layout is a slow warm-up, which must not count.
            if run.is_multiple_of(TRIAL_RUNS + 1) {
                50.0
            } else {
                [4.0, 3.0, 6.0][layout]
            }
        };
        let used = drive(&mut chooser, 3 * (TRIAL_RUNS + 1) + 50, cost);
        let trial = 3 * (TRIAL_RUNS + 1);
        assert_eq!(&used[..=TRIAL_RUNS], &[0; TRIAL_RUNS + 1]);
        assert_eq!(
            &used[TRIAL_RUNS + 1..2 * (TRIAL_RUNS + 1)],
            &[1; TRIAL_RUNS + 1]
        );
        assert_eq!(&used[2 * (TRIAL_RUNS + 1)..trial], &[2; TRIAL_RUNS + 1]);
        assert!(used[trial..].iter().all(|&l| l == 1), "{used:?}");
        assert_eq!(chooser.switches(), 0, "the first choice is not a switch");
    }

    #[test]
    fn a_layout_that_becomes_slow_is_left_at_the_next_trial() {
        let mut chooser = Chooser::new(3);
        // Quiet at first: the spinning pool (0) is fastest. From run 300 on the cores are
        // busy: it becomes 3x slower and one thread (2) is best.
        let cost = |layout: usize, run: usize| {
            if run < 300 {
                [2.0, 2.5, 4.0][layout]
            } else {
                [12.0, 6.0, 4.5][layout]
            }
        };
        let used = drive(&mut chooser, 1000, cost);
        assert_eq!(used[250], 0);
        assert_eq!(used[999], 2, "one thread once the cores are busy");
        let slow = used[300..].iter().filter(|&&l| l == 0).count();
        assert!(slow < 100, "{slow} runs stayed on the slow layout");
        assert!(chooser.switches() >= 1);
    }

    #[test]
    fn small_differences_do_not_flip_the_choice_and_trials_get_rarer() {
        let mut chooser = Chooser::new(2);
        let used = drive(&mut chooser, 5000, |layout, _| [3.0, 2.9][layout]);
        assert_eq!(chooser.current(), 0, "2.9 is within the margin of 3.0");
        assert_eq!(chooser.switches(), 0);
        let on_other = used[100..].iter().filter(|&&l| l == 1).count();
        // Trials back off to one every MAX_EXPLOIT_RUNS runs.
        assert!(on_other < 60, "{on_other} runs spent on trials");
    }

    fn with_arena(intra_threads: usize) -> SessionOptions {
        SessionOptions {
            arena: true,
            ..SessionOptions::threads(intra_threads)
        }
    }

    #[test]
    fn layouts_follow_the_request() {
        let fixed = layouts(SessionOptions::threads(2), false);
        assert_eq!(fixed.len(), 1);
        assert_eq!((fixed[0].intra_threads, fixed[0].spinning), (2, true));
        assert_eq!(
            layouts(with_arena(1), true).len(),
            1,
            "one thread has nothing to choose"
        );
        let adaptive = layouts(with_arena(2), true);
        let shape: Vec<(usize, bool)> = adaptive
            .iter()
            .map(|l| (l.intra_threads, l.spinning))
            .collect();
        assert_eq!(shape, [(2, true), (2, false), (1, true)]);
        assert!(adaptive.iter().all(|l| l.arena));
        let occasional_shape = |l: SessionOptions| (l.intra_threads, l.spinning);
        assert_eq!(occasional_shape(occasional(&adaptive)), (2, false));
        assert_eq!(occasional_shape(occasional(&fixed)), (2, true));
    }
}
