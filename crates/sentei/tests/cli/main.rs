//! Tests of the `sentei` binary as users run it: one test binary, several modules.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)] // in tests, a failed expectation is a failed test

mod audit_owner;
mod browser;
mod browser_audit;
mod browser_consultation;
mod browser_desk;
mod browser_editor;
mod browser_evidence;
mod browser_expiry;
mod browser_frozen;
mod browser_notices;
mod browser_people;
mod commands;
mod durability;
mod kill_approvals;
mod ledger_import;
mod notify;
mod ops;
mod people;
mod scenarios;
mod sheets;

use std::path::Path;
use std::process::{Command, Output};

/// Runs the built `sentei` binary in `dir` with `args`, feeding `stdin`.
pub fn sentei(dir: &Path, args: &[&str], stdin: Option<&str>) -> Output {
    sentei_with(dir, args, stdin, &[])
}

/// The `sentei` binary with nothing of the caller's `SENTEI_…` environment but `env`.
pub fn command(dir: &Path, env: &[(&str, &str)]) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_sentei"));
    command.current_dir(dir);
    for (key, _) in std::env::vars() {
        if key.starts_with("SENTEI_") {
            command.env_remove(key);
        }
    }
    command.envs(env.iter().copied());
    command
}

/// Runs the binary with extra environment variables.
pub fn sentei_with(dir: &Path, args: &[&str], stdin: Option<&str>, env: &[(&str, &str)]) -> Output {
    use std::io::Write;
    let mut child = command(dir, env)
        .args(args)
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
