//! The `sentei` binary: the command line over sentei-core.
//!
//! Each command reads its input completely, checks it, and only then writes anything, so a
//! command that fails on bad input leaves no partial output behind (exit status 2).

mod cli;
mod commands;
mod failure;
mod files;
mod render;

use std::process::ExitCode;

use clap::Parser;

fn main() -> ExitCode {
    let cli = cli::Cli::parse();
    match commands::run(cli) {
        Ok(output) => {
            // A closed pipe (`sentei profiles | head`) is not an error worth reporting.
            let _ = files::write_stdout(&output);
            ExitCode::SUCCESS
        }
        Err(failure) => {
            eprintln!("{failure}");
            ExitCode::from(failure.code)
        }
    }
}
