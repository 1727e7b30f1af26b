use threadkit::worker;

#[worker]
fn job(ctx: &mut threadkit::Context) {
    let _ = ctx;
}

fn main() {}
