//! The `sentei` binary: the command line over sentei-core.
//!
//! Each command reads its input completely, checks it, and only then writes anything, so a
//! command that fails on bad input leaves no partial output behind (exit status 2).

mod cli;
mod commands;
mod config;
mod failure;
mod files;
mod help;
mod progress;
mod render;

use std::process::ExitCode;

use clap::{CommandFactory, FromArgMatches};

// A server request builds many short-lived strings; mimalloc serves them with less locking and
// copying than the system allocator (measured with bench/load.sh; see the README).
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

fn main() -> ExitCode {
    let parsed = help::localized(cli::Cli::command())
        .try_get_matches()
        .and_then(|matches| cli::Cli::from_arg_matches(&matches).map(|cli| (cli, matches)));
    let (cli, matches) = match parsed {
        Ok(parsed) => parsed,
        Err(e) => {
            let (text, code, to_stderr) = help::report(&e);
            if to_stderr {
                eprint!("{text}");
            } else {
                let _ = files::write_stdout(&text);
            }
            return ExitCode::from(code);
        }
    };
    // Where each database setting came from, for `sentei config show`.
    let given = config::Given {
        database_url: cli
            .database_url
            .clone()
            .map(|url| (url, matches.value_source("database_url"))),
        data_dir: cli
            .data_dir
            .clone()
            .map(|dir| (dir, matches.value_source("data_dir"))),
        config_file: cli.config.clone(),
    };
    match commands::run(cli, given) {
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
