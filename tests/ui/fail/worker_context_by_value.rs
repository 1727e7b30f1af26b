use threadkit::{worker, Context};

#[worker]
fn job(ctx: Context) {
    let _ = ctx;
}

fn main() {}
