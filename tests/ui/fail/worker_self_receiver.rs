use threadkit::worker;

struct Client;

impl Client {
    #[worker]
    fn fetch(&self) -> u32 {
        1
    }
}

fn main() {}
