use threadkit::worker;

struct Service;

impl Service {
    #[worker]
    fn run(&mut self) {}
}

fn main() {}
