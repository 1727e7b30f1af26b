use threadkit::worker;

#[worker(nmae = "x", daemon = "yes")]
async fn fetch(name: &str, id: &u32) -> u8 {
    let _ = (name, id);
    1
}

fn main() {}
