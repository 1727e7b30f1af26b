use threadkit::worker;

#[worker(name = "job_{r#nope}")]
fn job(r#type: u8) -> u8 {
    r#type
}

fn main() {}
