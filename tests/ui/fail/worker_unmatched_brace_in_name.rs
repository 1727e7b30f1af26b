use threadkit::worker;

#[worker(name = "job_n}")]
fn job(n: u8) -> u8 {
    n
}

fn main() {}
