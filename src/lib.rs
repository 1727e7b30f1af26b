//! Examples and integration tests for threadkit live beside this crate.
