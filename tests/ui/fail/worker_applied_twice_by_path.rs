use threadkit::worker;

#[worker]
#[threadkit::worker]
fn job() -> u8 {
    1
}

fn main() {
    let _: threadkit::Worker<u8> = job();
}
