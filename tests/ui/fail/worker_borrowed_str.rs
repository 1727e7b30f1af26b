use threadkit::worker;

#[worker]
fn greet(name: &str) -> usize {
    name.len()
}

fn main() {}
