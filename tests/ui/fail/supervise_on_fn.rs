use threadkit::{supervise, Worker};

#[supervise]
fn app() -> Worker<()> {
    unimplemented!()
}

fn main() {}
