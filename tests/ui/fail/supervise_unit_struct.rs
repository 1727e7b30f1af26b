use threadkit::{supervise, Worker};

#[supervise]
struct App;

fn main() {}
