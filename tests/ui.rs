//! The compile-time contract of `#[worker]` and `#[supervise]`: every misuse
//! in `tests/ui/fail` fails with the committed message, every accepted form
//! in `tests/ui/pass` compiles and runs. One test, so CI compiles the cases
//! once.

#[test]
fn ui() {
    let cases = trybuild::TestCases::new();
    cases.compile_fail("tests/ui/fail/*.rs");
    // What needs an optional feature fails without it.
    #[cfg(not(feature = "signals"))]
    cases.compile_fail("tests/ui/without_signals/*.rs");
    #[cfg(not(feature = "systemd"))]
    cases.compile_fail("tests/ui/without_systemd/*.rs");
    cases.pass("tests/ui/pass/*.rs");
}
