use threadkit::worker;

#[worker]
fn job(callback: &dyn Fn() -> u8) -> u8 {
    callback()
}

fn main() {}
