//! Tests of sentei-core through its public interface: one test binary, several modules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // in tests, a failed expectation is a failed test

mod controls;
mod input_errors;
mod invariants;
mod profiles;
mod properties;
mod workflow;
