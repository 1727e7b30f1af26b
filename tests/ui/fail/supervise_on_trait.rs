use threadkit::supervise;

#[supervise]
trait App {}

fn main() {}
