use threadkit::{worker, Context};

#[worker]
fn job(first: &Context, second: &Context) {
    let _ = (first, second);
}

fn main() {}
