use threadkit::{worker, Context};

#[worker(name = "job_{ctx}")]
fn job(ctx: &Context) {
    let _ = ctx;
}

fn main() {}
