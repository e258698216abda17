//! Tests of the `sentei` binary as users run it: one test binary, several modules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // in tests, a failed expectation is a failed test

mod commands;
mod scenarios;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `sentei` binary in `dir` with `args`, feeding `stdin`.
pub fn sentei(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    use std::io::Write;
    let mut child = Command::new(env!("CARGO_BIN_EXE_sentei"))
        .args(args)
        .current_dir(dir)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("the sentei binary starts");
    if let Some(mut pipe) = child.stdin.take() {
        pipe.write_all(stdin.unwrap_or("").as_bytes())
            .expect("stdin is written");
    }
    child
        .wait_with_output()
        .expect("the sentei binary finishes")
}

pub fn text(bytes: &[u8]) -> String {
    String::from_utf8(bytes.to_vec()).expect("output is UTF-8")
}
