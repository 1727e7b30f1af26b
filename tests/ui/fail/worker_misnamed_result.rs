use threadkit::worker;

struct Result;

#[worker]
fn fetch() -> Result {
    Result
}

fn main() {}
