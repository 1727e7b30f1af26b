//! The rules and exit codes appear twice: in the README (for GitHub and
//! crates.io) and on the crate's front page (`threadkit/src/lib.md`). This
//! keeps the two copies identical.

fn section<'a>(text: &'a str, heading: &str) -> &'a str {
    let start = text
        .find(heading)
        .unwrap_or_else(|| panic!("no {heading:?}"));
    let body = &text[start + heading.len()..];
    let end = body.find("\n#").unwrap_or(body.len());
    body[..end].trim()
}

#[test]
fn the_rules_and_exit_codes_read_the_same_in_the_readme_and_the_crate_docs() {
    let readme = include_str!("../README.md");
    let crate_docs = include_str!("../threadkit/src/lib.md");
    for (in_readme, in_docs) in [
        ("## The rules", "# The rules"),
        ("## Exit codes", "# Exit codes"),
    ] {
        assert_eq!(
            section(readme, in_readme),
            section(crate_docs, in_docs),
            "{in_readme} differs between README.md and threadkit/src/lib.md"
        );
    }
}
