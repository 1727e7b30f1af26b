use threadkit::worker;

#[derive(Debug)]
struct LocalError(std::rc::Rc<u8>);

impl std::fmt::Display for LocalError {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("local")
    }
}

impl std::error::Error for LocalError {}

#[worker]
fn fetch() -> Result<u8, LocalError> {
    Ok(1)
}

fn main() {}
