use threadkit::worker;

#[worker]
fn job(items: Vec<impl Send + 'static>) -> usize {
    items.len()
}

fn main() {}
