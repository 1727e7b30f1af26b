//! A generic group with a field that cannot be supervised: one error, on
//! the field's type, as for a group without parameters.
use threadkit::{supervise, Worker};

#[supervise]
struct Pool<T: Send + 'static> {
    workers: Vec<Worker<T>>,
    settings: String,
}

fn main() {}
