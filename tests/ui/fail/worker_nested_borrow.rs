use threadkit::worker;

#[worker]
fn total(items: Vec<&u8>) -> u32 {
    items.iter().map(|&&b| u32::from(b)).sum()
}

fn main() {}
