use threadkit::worker;

#[worker]
async fn fetch() -> u32 {
    1
}

fn main() {}
