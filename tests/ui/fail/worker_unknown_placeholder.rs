use threadkit::worker;

#[worker(name = "get_config_{id}")]
fn get_config(n: u32) -> u32 {
    n
}

fn main() {}
