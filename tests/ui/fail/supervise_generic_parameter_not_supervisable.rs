//! A group generic in a field's whole type is started only where that type
//! can be supervised: `run()` on `Holder<String>` is one error, naming the
//! unmet bound.
use threadkit::{supervise, Worker};

#[supervise]
struct Holder<T> {
    inner: T,
}

fn main() {
    let _ = Holder { inner: Worker::infallible("ok", |_ctx| 1u8) }.run();
    let _ = Holder { inner: String::new() }.run();
}
