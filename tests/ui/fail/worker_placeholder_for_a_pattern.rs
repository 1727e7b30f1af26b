use threadkit::worker;

// `(a, b)` is a pattern, not a named parameter: the name cannot use `a`.
#[worker(name = "sum_{a}")]
fn sum((a, b): (u8, u8)) -> u8 {
    a + b
}

fn main() {}
