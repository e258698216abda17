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
    #[arg(long, global = true, value_name = "DIR", env = "SENTEI_PROFILES_DIR")]
    pub profiles_dir: Option<PathBuf>,

    /// The database: sqlite://PATH or postgres://USER:PASSWORD@HOST/DB. Default: an SQLite
    /// file in the data directory.
    #[arg(
        long,
        global = true,
        value_name = "URL",
        env = "SENTEI_DATABASE_URL",
        hide_env_values = true
    )]
    pub database_url: Option<String>,

    /// The data directory, holding the default SQLite database. Default: ./sentei-data
    #[arg(long, global = true, value_name = "DIR", env = "SENTEI_DATA_DIR")]
    pub data_dir: Option<PathBuf>,

    /// A TOML file with database_url and data_dir, used where flags and environment say nothing.
    #[arg(long, global = true, value_name = "FILE", env = "SENTEI_CONFIG")]
    pub config: Option<PathBuf>,

    /// The organization (municipality) code; needed only when the database holds several.
    #[arg(long, global = true, value_name = "CODE", env = "SENTEI_ORG")]
    pub org: Option<String>,

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
    /// Check sheets as Excel workbooks, for vendors and departments to fill in.
    #[command(subcommand)]
    Sheet(SheetCommand),
    /// List the profiles that can be used.
    Profiles,
    /// Show or check a profile.
    #[command(subcommand)]
    Profile(ProfileCommand),
    /// Prepare the database.
    #[command(subcommand)]
    Db(DbCommand),
    /// Write a consistent copy of the live SQLite database to FILE (which must not exist).
    Backup { file: PathBuf },
    /// Add or list organizations (municipalities) in the database.
    #[command(subcommand)]
    Org(OrgCommand),
    /// Add users, list them, change their role or password.
    #[command(subcommand)]
    User(UserCommand),
    /// The ledger of approved services (外部サービス利用台帳).
    #[command(subcommand)]
    Ledger(LedgerCommand),
    /// Check the audit trail.
    #[command(subcommand)]
    Audit(AuditCommand),
    /// Show the configuration in effect, passwords masked.
    #[command(subcommand)]
    Config(ConfigCommand),
    /// Fill the database with a demonstration municipality.
    #[command(subcommand)]
    Demo(DemoCommand),
    /// Run the web application (Japanese pages and the JSON API under /api/v1).
    ///
    /// On a database without users it first creates an organization and an administrator
    /// `admin`, whose password is printed once (or taken from SENTEI_ADMIN_PASSWORD).
    Serve {
        /// Address and port to listen on.
        #[arg(long, default_value = "127.0.0.1:8080", env = "SENTEI_LISTEN")]
        listen: String,
        /// Also load the demonstration municipality (code demo) with a user for every role.
        #[arg(long)]
        demo: bool,
        /// The address people reach sentei at, e.g. https://sentei.example.lg.jp. Used to check
        /// the origin of forms; an https address also marks cookies Secure.
        #[arg(long, env = "SENTEI_PUBLIC_URL")]
        public_url: Option<String>,
        /// Name of the organization created on the first run.
        #[arg(long, default_value = "（組織名を設定してください）")]
        org_name: String,
    },
}

#[derive(Debug, Subcommand)]
pub enum SheetCommand {
    /// Write the check sheet (.xlsx) of an assessment file: its profile's items, with the
    /// answer, reason and evidence columns open for filling in. Needs no database.
    Export {
        /// The assessment file (YAML or JSON), or `-` for standard input.
        file: PathBuf,
        /// The workbook to write.
        #[arg(short, long, value_name = "SHEET.xlsx")]
        output: PathBuf,
        /// List every item, the ones that do not apply greyed with the reason; by default
        /// only the items that apply.
        #[arg(long)]
        all: bool,
    },
    /// Read a filled check sheet back into an assessment file that `sentei assess` accepts.
    /// Exit status 2, with every problem named by its cell, and no file written, when the
    /// sheet cannot be read.
    Import {
        /// The filled workbook.
        sheet: PathBuf,
        /// The assessment file to write (YAML).
        #[arg(short, long, value_name = "ASSESSMENT.yaml")]
        output: PathBuf,
    },
}

#[derive(Debug, Subcommand)]
pub enum DbCommand {
    /// Create the schema or bring it up to date, and say what was done.
    Migrate,
}

#[derive(Debug, Subcommand)]
pub enum OrgCommand {
    /// Add an organization: a short code for commands (e.g. shunan) and its name (e.g. 周南市).
    Add { code: String, name: String },
    /// List the organizations.
    List,
}

#[derive(Debug, Subcommand)]
pub enum UserCommand {
    /// Add a user. Without --password-stdin a password is generated and shown once.
    Add {
        login: String,
        /// The person's name, e.g. 周南 太郎.
        #[arg(long)]
        name: String,
        /// Their department, e.g. 情報政策課.
        #[arg(long)]
        department: String,
        #[arg(long, value_enum)]
        role: RoleArg,
        /// Read the password from the first line of standard input.
        #[arg(long)]
        password_stdin: bool,
    },
    /// List the users of the organization.
    List,
    /// Change a user's role.
    SetRole {
        login: String,
        #[arg(value_enum)]
        role: RoleArg,
    },
    /// Set a user's password. Without --password-stdin a password is generated and shown once.
    Passwd {
        login: String,
        #[arg(long)]
        password_stdin: bool,
    },
}

/// The roles, named as in the standard.
#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    /// 情報セキュリティ管理者: registers services and applies.
    Applicant,
    /// 情報システム管理者: reviews, approves, keeps the ledger.
    Approver,
    /// 統括情報セキュリティ責任者: accepts exceptions.
    Ciso,
    /// 監査: reads everything, changes nothing.
    Auditor,
    /// システム管理者: users and backups.
    Admin,
}

#[derive(Debug, Subcommand)]
pub enum LedgerCommand {
    /// List the ledger's entries (active ones; --include-abolished for all).
    List {
        /// Only entries whose usage period ends within DAYS days from today (JST) or has
        /// already ended (期限切れ), those ending first listed first.
        #[arg(long, value_name = "DAYS")]
        expiring: Option<u16>,
        /// Only entries whose service or provider name contains TEXT.
        #[arg(long, value_name = "TEXT", default_value = "")]
        search: String,
        /// Include abolished entries.
        #[arg(long)]
        include_abolished: bool,
        /// table for people; csv (UTF-8 with BOM, opens in Excel), csv-cp932 (Shift_JIS,
        /// characters it cannot hold shown as 〓), xlsx (an Excel workbook; redirect it to a
        /// file) or json for other programs.
        #[arg(long, value_enum, default_value = "table")]
        format: LedgerFormat,
    },
    /// Read in a ledger kept before sentei: a CSV file (UTF-8, Shift_JIS or UTF-16) or an
    /// Excel workbook (.xlsx), its columns found by their headings, dates western or 和暦.
    /// Every row is registered, or none: with any row that cannot be read, the rows and their
    /// reasons are listed, nothing is changed, and the exit status is 2. Entries already in
    /// the ledger are not registered twice.
    Import {
        /// The ledger file.
        file: PathBuf,
        /// The 情報システム管理者 (approver) recorded as registering the entries.
        #[arg(long = "as", value_name = "LOGIN")]
        as_login: String,
        /// Only show what would be registered and every row that cannot be read.
        #[arg(long)]
        dry_run: bool,
    },
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, ValueEnum)]
pub enum LedgerFormat {
    Table,
    Csv,
    #[value(name = "csv-cp932")]
    CsvCp932,
    Xlsx,
    Json,
}

#[derive(Debug, Subcommand)]
pub enum AuditCommand {
    /// Recompute each organization's hash chain. Exit status 1 and the first altered,
    /// removed or reordered record named when it does not hold.
    Verify {
        /// Also require the chain to end in this hash (as printed by an earlier run), which
        /// detects records cut off the end.
        #[arg(long, value_name = "HASH")]
        expect_head: Option<String>,
    },
}

#[derive(Debug, Subcommand)]
pub enum ConfigCommand {
    /// Print the configuration in effect and where each value came from.
    Show,
}

#[derive(Debug, Subcommand)]
pub enum DemoCommand {
    /// Create the demonstration municipality (code demo) with a user for every role, and
    /// take services through every state of the workflow. Prints a line per committed service.
    Load {
        /// How many services to create.
        #[arg(long, default_value_t = 12)]
        services: u32,
    },
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
