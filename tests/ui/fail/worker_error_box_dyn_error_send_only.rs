use threadkit::worker;

#[worker]
fn fetch() -> Result<u8, Box<dyn std::error::Error + Send>> {
    Ok(1)
}

fn main() {}
