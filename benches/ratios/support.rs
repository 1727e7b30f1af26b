//! What the benchmarks share: [`Metric`], its targets and its table, and
//! the statistics of interleaved runs.

// Each bench uses only part of this.
#![allow(dead_code)]

use std::fmt::Write as _;
use std::thread;
use std::time::Duration;

/// What a metric's target constrains.
#[derive(Clone, Copy)]
pub enum Target {
    /// `threadkit / baseline` at most this.
    Ratio(f64),
    /// The threadkit value itself at most this (in the metric's unit).
    Value(f64),
}

pub struct Metric {
    pub name: &'static str,
    pub threadkit: f64,
    pub baseline: f64,
    pub baseline_name: String,
    pub target: Target,
    pub unit: &'static str,
    /// How much the repetitions disagree, in words.
    pub spread: String,
    /// Extra numbers worth printing (p99, other baselines, ...).
    pub detail: String,
    /// For interleaved A/B runs: the median of the per-pair ratios, which
    /// cancels drift between pairs better than a ratio of medians.
    pub paired_ratio: Option<f64>,
}

impl Metric {
    pub fn ratio(&self) -> f64 {
        self.paired_ratio.unwrap_or(self.threadkit / self.baseline)
    }

    pub fn met(&self) -> bool {
        match self.target {
            Target::Ratio(max) => self.ratio() <= max,
            Target::Value(max) => self.threadkit <= max,
        }
    }

    fn target_text(&self) -> String {
        match self.target {
            Target::Ratio(max) => format!("ratio <= {max}"),
            Target::Value(max) => format!("<= {max} {}", self.unit),
        }
    }

    fn json(&self) -> String {
        let (target, applies_to) = match self.target {
            Target::Ratio(max) => (max, "ratio"),
            Target::Value(max) => (max, "threadkit"),
        };
        format!(
            "{{\"metric\": \"{}\", \"threadkit\": {}, \"baseline\": {}, \"baseline_name\": \"{}\", \
             \"ratio\": {}, \"target\": {}, \"target_applies_to\": \"{}\", \"unit\": \"{}\", \
             \"met\": {}, \"spread\": \"{}\", \"detail\": \"{}\"}}",
            self.name,
            number(self.threadkit),
            number(self.baseline),
            escape(&self.baseline_name),
            number(self.ratio()),
            target,
            applies_to,
            self.unit,
            self.met(),
            escape(&self.spread),
            escape(&self.detail),
        )
    }
}

pub fn number(value: f64) -> String {
    if value.is_finite() {
        format!("{value:.6}")
    } else {
        "null".to_owned()
    }
}

pub fn escape(text: &str) -> String {
    text.replace('\\', "\\\\").replace('"', "\\\"")
}

pub fn median(values: &mut [f64]) -> f64 {
    percentile(values, 0.5)
}

pub fn percentile(values: &mut [f64], quantile: f64) -> f64 {
    values.sort_by(f64::total_cmp);
    if values.is_empty() {
        return f64::NAN;
    }
    let rank = ((values.len() as f64 * quantile).ceil() as usize).clamp(1, values.len());
    values[rank - 1]
}

pub fn paired_median(ours: &[f64], theirs: &[f64]) -> f64 {
    let mut ratios: Vec<f64> = ours.iter().zip(theirs).map(|(a, b)| a / b).collect();
    median(&mut ratios)
}

/// The interquartile range relative to the median, as a percentage.
pub fn spread(values: &mut [f64]) -> String {
    let middle = median(values);
    let low = percentile(values, 0.25);
    let high = percentile(values, 0.75);
    format!(
        "IQR {:.1}% of median over {} runs",
        (high - low) / middle * 100.0,
        values.len()
    )
}

/// Runs `a` and `b` as `reps` pairs; returns their measurements, pair by pair.
pub fn interleaved(
    reps: usize,
    mut a: impl FnMut() -> f64,
    mut b: impl FnMut() -> f64,
) -> (Vec<f64>, Vec<f64>) {
    // One unmeasured round each warms caches, the allocator and the OS.
    a();
    b();
    let mut first = Vec::with_capacity(reps);
    let mut second = Vec::with_capacity(reps);
    // Alternating which side goes first cancels any advantage of position
    // (the second run of a pair inherits the first one's freed stacks).
    for rep in 0..reps {
        if rep % 2 == 0 {
            first.push(a());
            second.push(b());
        } else {
            second.push(b());
            first.push(a());
        }
    }
    (first, second)
}

pub fn micros(duration: Duration) -> f64 {
    duration.as_secs_f64() * 1e6
}

/// Prints the run: a table (`cargo bench`), JSON lines (`-- --json`), or
/// one line for a smoke run (`cargo test --benches`).
pub fn print(
    suite: &str,
    metrics: &[Metric],
    skipped: &[&str],
    mode: &str,
    elapsed: Duration,
    json: bool,
    bench: bool,
) {
    let met = metrics.iter().filter(|metric| metric.met()).count();
    let missed = metrics.len() - met;
    if json {
        for metric in metrics {
            println!("{}", metric.json());
        }
        for reason in skipped {
            println!("{{\"skipped\": \"{}\"}}", escape(reason));
        }
        println!(
            "{{\"summary\": {{\"met\": {met}, \"missed\": {missed}, \"skipped\": {}}}}}",
            skipped.len()
        );
    } else if !bench {
        // Toy sizes: the point is that every metric still runs.
        println!(
            "{suite} smoke run: {} metrics measured, {} skipped, in {:.1} s (targets are judged by `cargo bench --bench {suite}`)",
            metrics.len(),
            skipped.len(),
            elapsed.as_secs_f64()
        );
    } else {
        print!("{}", table(suite, metrics, mode, elapsed));
        for reason in skipped {
            println!("skipped {reason}");
        }
        println!("{met} met, {missed} missed");
    }
}

fn table(suite: &str, metrics: &[Metric], mode: &str, elapsed: Duration) -> String {
    let mut out = String::new();
    let _ = writeln!(
        out,
        "threadkit {suite} ({mode} run, {:.1} s, {} cores, RUST_BACKTRACE={}, RUST_LIB_BACKTRACE={})",
        elapsed.as_secs_f64(),
        thread::available_parallelism().map_or(0, usize::from),
        std::env::var("RUST_BACKTRACE").unwrap_or_else(|_| "unset".to_owned()),
        std::env::var("RUST_LIB_BACKTRACE").unwrap_or_else(|_| "unset".to_owned()),
    );
    let _ = writeln!(
        out,
        "{:<20} {:>12} {:>12} {:>9}  {:<22} {:<6} unit",
        "metric", "threadkit", "baseline", "ratio", "target", "met"
    );
    for metric in metrics {
        let _ = writeln!(
            out,
            "{:<20} {:>12.3} {:>12.3} {:>9.3}  {:<22} {:<6} {}",
            metric.name,
            metric.threadkit,
            metric.baseline,
            metric.ratio(),
            metric.target_text(),
            if metric.met() { "yes" } else { "NO" },
            metric.unit,
        );
        let _ = writeln!(out, "{:<20} baseline: {}", "", metric.baseline_name);
        let _ = writeln!(out, "{:<20} {}; {}", "", metric.spread, metric.detail);
    }
    out
}
