use threadkit::worker;

type Fetched<T> = Result<T, std::io::Error>;

#[worker]
fn fetch() -> Fetched<u8> {
    Ok(1)
}

fn main() {}
