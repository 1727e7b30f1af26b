use threadkit::supervise;

struct App;

#[supervise]
impl App {}

fn main() {}
