use threadkit::worker;

#[worker]
fn job(ctx: threadkit::Context) {
    let _ = ctx;
}

fn main() {}
