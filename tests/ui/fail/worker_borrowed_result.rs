use threadkit::worker;

#[worker]
fn name(id: u32) -> &'static str {
    if id == 0 { "zero" } else { "other" }
}

#[worker]
fn label(text: String) -> std::borrow::Cow<'_, str> {
    text.into()
}

fn main() {}
