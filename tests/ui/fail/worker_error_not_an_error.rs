use threadkit::worker;

#[derive(Debug)]
struct Oops;

#[worker]
fn fetch() -> Result<u8, Oops> {
    Err(Oops)
}

fn main() {}
