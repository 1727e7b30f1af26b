use threadkit::worker;

#[worker(restart = "permanent")]
fn serve() {}

fn main() {
    let _ = serve();
}
