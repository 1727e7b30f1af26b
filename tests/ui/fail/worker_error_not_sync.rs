use std::cell::Cell;
use threadkit::worker;

// `Send` but not `Sync`: a worker's error is shared with whoever reads the
// report, so it must be both.
#[derive(Debug)]
struct Counted(Cell<u32>);

impl std::fmt::Display for Counted {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "counted {}", self.0.get())
    }
}

impl std::error::Error for Counted {}

#[worker]
fn count() -> Result<(), Counted> {
    Err(Counted(Cell::new(1)))
}

fn main() {
    let _ = count();
}
