use threadkit::worker;

fn main() {
    let fetch = #[worker] || 1;
    let _ = fetch;
}
