//! python_seed: the seeds' Python program, measured when `python3` exists.

use std::process::Command;

use crate::support::{median, Metric, Target};
use crate::Effort;

pub(crate) fn metric(effort: Effort, threadkit_notice_us: f64) -> Option<Metric> {
    let script = concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/benches/python/seed_monitor.py"
    );
    let output = Command::new("python3")
        .arg(script)
        .arg(effort.poll_samples.to_string())
        .arg("8")
        .output()
        .ok()?;
    if !output.status.success() {
        return None;
    }
    let text = String::from_utf8_lossy(&output.stdout);
    let mut notice = json_numbers(&text, "notice_ms");
    let mut teardown = json_numbers(&text, "teardown_ms");
    let python_notice_us = median(&mut notice) * 1e3;
    Some(Metric {
        name: "python_seed",
        threadkit: threadkit_notice_us,
        baseline: python_notice_us,
        baseline_name: "the seeds' Python ExcThread + 0.1 s polling monitor (python3)".to_owned(),
        target: Target::Ratio(0.01),
        unit: "us failure notice (p50)",
        spread: format!("{} python samples", notice.len()),
        detail: format!(
            "python teardown of 8 siblings: p50 {:.1} ms (they poll a stop flag every 0.1 s)",
            median(&mut teardown)
        ),
        paired_ratio: None,
    })
}

/// The numbers of `"key": [...]` in a flat JSON object.
fn json_numbers(text: &str, key: &str) -> Vec<f64> {
    let Some(start) = text.find(&format!("\"{key}\": [")) else {
        return Vec::new();
    };
    let rest = &text[start + key.len() + 5..];
    let end = rest.find(']').unwrap_or(rest.len());
    rest[..end]
        .split(',')
        .filter_map(|number| number.trim().parse().ok())
        .collect()
}
