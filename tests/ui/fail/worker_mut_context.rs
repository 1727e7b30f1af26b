use threadkit::{worker, Context};

#[worker]
fn job(ctx: &mut Context) {
    let _ = ctx;
}

fn main() {}
