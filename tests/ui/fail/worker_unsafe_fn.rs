use threadkit::worker;

#[worker]
unsafe fn fetch() -> u8 {
    1
}

fn main() {}
