//! scaling: per-worker cost from 100 to 10,000 workers, against std's own
//! growth.

use crate::spawn_join::{std_spawn_join, supervised_spawn_join};
use crate::support::{median, spread, Metric, Target};
use crate::Effort;

const SMALL_STACK: Option<usize> = Some(64 * 1024);

pub(crate) fn metric(effort: Effort) -> Metric {
    let [small, middle, large] = effort.scale;
    let mut ours = [Vec::new(), Vec::new(), Vec::new()];
    let mut std = [Vec::new(), Vec::new(), Vec::new()];
    // Supervision's overhead at each size, from back-to-back runs of the
    // same size: pairing cancels the machine's drift between sizes, which
    // a ratio of four separate medians does not.
    let mut overhead = [Vec::new(), Vec::new(), Vec::new()];
    supervised_spawn_join(small, SMALL_STACK);
    // Small groups are noisy, so they run as often as it takes to spend
    // about as long on them as on one large group.
    let rounds = effort.reps.div_ceil(3).max(1);
    for _ in 0..rounds {
        for (size, n) in effort.scale.into_iter().enumerate() {
            for run in 0..(large / n).clamp(1, 30) {
                // Alternating which goes first, so neither always runs
                // while the other's threads are still being reaped.
                let (supervised, plain) = if run % 2 == 0 {
                    let supervised = supervised_spawn_join(n, SMALL_STACK);
                    (supervised, std_spawn_join(n, SMALL_STACK))
                } else {
                    let plain = std_spawn_join(n, SMALL_STACK);
                    (supervised_spawn_join(n, SMALL_STACK), plain)
                };
                ours[size].push(supervised);
                std[size].push(plain);
                overhead[size].push(supervised / plain);
            }
        }
    }
    let [ours_small, mut ours_middle, ours_large] = ours;
    let [std_small, _, std_large] = std;
    let [mut overhead_small, mut overhead_middle, mut overhead_large] = overhead;
    let spread_large = format!("{large}: overhead {}", spread(&mut overhead_large));
    let [ours_small, ours_large, std_small, std_large] =
        [ours_small, ours_large, std_small, std_large].map(|mut runs| median(&mut runs));
    let (overhead_small, overhead_large) =
        (median(&mut overhead_small), median(&mut overhead_large));
    // Both grow because the kernel's thread creation does; the target is
    // that supervision adds (almost) nothing to that growth, i.e. that its
    // overhead over std at 10,000 workers is its overhead at 100.
    Metric {
        name: "scaling",
        threadkit: ours_large / ours_small,
        baseline: std_large / std_small,
        baseline_name: format!("std::thread's own growth from {small} to {large} threads"),
        target: Target::Ratio(1.05),
        unit: "x per-worker cost",
        spread: spread_large,
        detail: format!(
            "per-worker cost from {small} to {large} workers (64 KiB stacks): threadkit {ours_small:.2} -> {:.2} ({middle}) -> {ours_large:.2} us; std {std_small:.2} -> {std_large:.2} us; \
             ratio = overhead over std at {large} ({overhead_large:.3}, median of paired runs) / at {small} ({overhead_small:.3}; {:.3} at {middle})",
            median(&mut ours_middle),
            median(&mut overhead_middle),
        ),
        paired_ratio: Some(overhead_large / overhead_small),
    }
}
