//! The command-line interface: commands, options and their help, in plain words.

use std::path::PathBuf;

use clap::{Parser, Subcommand, ValueEnum};

/// sentei (選定): judge whether an external cloud service may be used for a municipality's
/// information, against that municipality's criteria.
#[derive(Debug, Parser)]
#[command(name = "sentei", version, about, long_about = None)]
pub struct Cli {
    /// Also load profiles (*.yaml) from this folder. A profile with the same id as a
    /// built-in one replaces it, so a revised version can be used without rebuilding.
    #[arg(long, global = true, value_name = "DIR")]
    pub profiles_dir: Option<PathBuf>,

    #[command(subcommand)]
    pub command: Command,
}

#[derive(Debug, Subcommand)]
pub enum Command {
    /// Judge a service against a profile and explain every item.
    ///
    /// FILE is an assessment in YAML or JSON (see docs/assessment-contract.md); `-` reads
    /// standard input. Exit status 0 when a judgement was made, whatever the verdict;
    /// 2 when the input is invalid, with each problem named by line and key.
    Assess {
        /// The assessment file, or `-` for standard input.
        file: PathBuf,
        /// `table` for people (Japanese), `json` for scripts. Default: table on a terminal,
        /// json otherwise.
        #[arg(long, value_enum)]
        format: Option<Format>,
    },
    /// List the profiles that can be used.
    Profiles,
    /// Show or check a profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
}

#[derive(Debug, Subcommand)]
pub enum ProfileCommand {
    /// Print a profile's items in Japanese, with their levels, conditions and sources.
    Show {
        /// The profile id, e.g. city-checklist.
        id: String,
    },
    /// Check a profile file and report every problem; exit status 2 if there is one.
    Check {
        /// The profile file (YAML).
        file: PathBuf,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum Format {
    Table,
    Json,
}
