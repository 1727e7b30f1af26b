//! scaling: per-worker cost from 100 to 10,000 workers, against std's own
//! growth.

use crate::spawn_join::{std_spawn_join, supervised_spawn_join};
use crate::support::{median, spread, Metric, Target};
use crate::Effort;

const SMALL_STACK: Option<usize> = Some(64 * 1024);

pub(crate) fn metric(effort: Effort) -> Metric {
    let [small, middle, large] = effort.scale;
    let mut per_worker = [Vec::new(), Vec::new(), Vec::new()];
    let mut std_small = Vec::new();
    let mut std_large = Vec::new();
    supervised_spawn_join(small, SMALL_STACK);
    // Small groups are noisy, so they run as often as it takes to spend
    // about as long on them as on one large group.
    let rounds = effort.reps.div_ceil(3).max(1);
    for _ in 0..rounds {
        for (slot, n) in per_worker.iter_mut().zip(effort.scale) {
            for _ in 0..(large / n).clamp(1, 30) {
                slot.push(supervised_spawn_join(n, SMALL_STACK));
            }
        }
        for _ in 0..(large / small).clamp(1, 30) {
            std_small.push(std_spawn_join(small, SMALL_STACK));
        }
        std_large.push(std_spawn_join(large, SMALL_STACK));
    }
    let [mut at_small, mut at_middle, mut at_large] = per_worker;
    let (std_small, std_large) = (median(&mut std_small), median(&mut std_large));
    let (ours_small, ours_large) = (median(&mut at_small), median(&mut at_large));
    // Both grow because the kernel's thread creation does; the target is
    // that supervision adds (almost) nothing to that growth.
    Metric {
        name: "scaling",
        threadkit: ours_large / ours_small,
        baseline: std_large / std_small,
        baseline_name: format!("std::thread's own growth from {small} to {large} threads"),
        target: Target::Ratio(1.05),
        unit: "x per-worker cost",
        spread: format!("{large}: {}", spread(&mut at_large)),
        detail: format!(
            "per-worker cost from {small} to {large} workers (64 KiB stacks): threadkit {ours_small:.2} -> {:.2} ({middle}) -> {ours_large:.2} us; std {std_small:.2} -> {std_large:.2} us",
            median(&mut at_middle),
        ),
        paired_ratio: None,
    }
}
