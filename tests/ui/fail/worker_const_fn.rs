use threadkit::worker;

#[worker]
const fn fetch() -> u8 {
    1
}

fn main() {}
