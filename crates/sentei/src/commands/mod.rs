//! The commands: each turns its arguments into the text to print, or a [`Failure`].
//!
//! Commands that use the database run on a tokio runtime made here, so the judging commands
//! stay plain synchronous code.

mod admin;
mod demo;
mod judge;
mod ledger_import;
mod notify;
mod people;
mod records;
mod serve;
mod sheet;

use std::future::Future;

use sentei_store::{Store, StoreError};

use crate::cli::{
    AuditCommand, Cli, Command, ConfigCommand, DbCommand, DemoCommand, LedgerCommand, OrgCommand,
    ProfileCommand, SheetCommand,
};
use crate::config::{Config, Given};
use crate::failure::Failure;

pub fn run(cli: Cli, given: Given) -> Result<String, Failure> {
    let dir = cli.profiles_dir.as_deref();
    let org = cli.org.as_deref();
    // Judging needs no database: a broken database setting must not stop it.
    let config = || Config::resolve(given);
    match cli.command {
        Command::Assess { file, format } => judge::assess(dir, &file, format),
        Command::Profiles => judge::profiles(dir),
        Command::Sheet(SheetCommand::Export {
            file,
            output,
            all,
            force,
        }) => sheet::export(dir, &file, &output, all, force),
        Command::Sheet(SheetCommand::Import {
            sheet,
            output,
            force,
        }) => sheet::import(dir, &sheet, &output, force),
        Command::Profile(ProfileCommand::Show { id }) => judge::show(dir, &id),
        Command::Profile(ProfileCommand::Check { file }) => judge::check(&file),
        Command::Profile(ProfileCommand::Controls) => judge::controls(dir),
        Command::Config(ConfigCommand::Show) => Ok(config()?.show()),
        Command::Db(DbCommand::Migrate) => block_on(admin::migrate(&config()?)),
        Command::Backup { file } => block_on(admin::backup(&config()?, &file)),
        Command::Restore { file, force } => block_on(admin::restore(&config()?, &file, force)),
        Command::Org(OrgCommand::Add { code, name }) => {
            block_on(admin::org_add(&config()?, &code, &name))
        }
        Command::Org(OrgCommand::List) => block_on(admin::org_list(&config()?)),
        Command::Org(OrgCommand::Rename { name }) => {
            block_on(people::org_rename(&config()?, org, &name))
        }
        Command::User(command) => block_on(admin::user(&config()?, org, command)),
        Command::Ledger(LedgerCommand::List {
            expiring,
            search,
            include_abolished,
            format,
        }) => block_on(records::ledger(
            &config()?,
            dir,
            org,
            expiring,
            &search,
            include_abolished,
            format,
        )),
        Command::Ledger(LedgerCommand::Import {
            file,
            as_login,
            dry_run,
        }) => block_on(ledger_import::import(
            &config()?,
            org,
            &file,
            &as_login,
            dry_run,
        )),
        Command::Audit(AuditCommand::Verify {
            expect_head,
            head_file,
        }) => block_on(records::verify(
            &config()?,
            org,
            expect_head.as_deref(),
            head_file.as_deref(),
        )),
        Command::Notify {
            dry_run,
            resend_uncertain,
        } => block_on(notify::notify(&config()?, dry_run, resend_uncertain)),
        Command::Demo(DemoCommand::Load { services }) => {
            block_on(demo::load(&config()?, dir, services))
        }
        Command::Serve {
            listen,
            demo,
            public_url,
            org_name,
        } => {
            let options = serve::Options {
                listen,
                demo,
                public_url,
                org_name,
            };
            block_on(serve::serve(&config()?, dir, options))
        }
    }
}

fn block_on<F: Future<Output = Result<String, Failure>>>(future: F) -> Result<String, Failure> {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .map_err(|e| Failure::internal(format!("実行環境を準備できません（{e}）")))?
        .block_on(future)
}

/// Opens the store, publishing the head of each audit chain after every write where the
/// configuration says (`[audit]`).
async fn open(config: &Config) -> Result<Store, Failure> {
    let store = open_reading(config).await?;
    let audit = &config.audit;
    if audit.head_file.is_none() && !audit.head_log {
        return Ok(store);
    }
    let publisher = sentei_store::HeadPublisher::open(audit.head_file.as_deref(), audit.head_log)
        .map_err(|e| store_failure(&e))?;
    store
        .publishing_heads(publisher)
        .await
        .map_err(|e| store_failure(&e))
}

/// Opens the store without publishing heads: for commands that only read, such as
/// `sentei audit verify`, which must not add to what it checks.
async fn open_reading(config: &Config) -> Result<Store, Failure> {
    Store::open(&config.database_url)
        .await
        .map_err(|e| store_failure(&e))
}

/// The operator of the organization `org`, or of the only organization there is.
async fn operator(store: &Store, org: Option<&str>) -> Result<sentei_store::Actor, Failure> {
    let code = match org {
        Some(code) => code.to_owned(),
        None => {
            let orgs = store.organizations().await.map_err(|e| store_failure(&e))?;
            match orgs.as_slice() {
                [] => {
                    return Err(Failure::usage(
                        "組織がまだありません。sentei org add CODE 名称 で作ってください",
                    ));
                }
                [only] => only.code.clone(),
                many => {
                    let codes: Vec<_> = many.iter().map(|o| o.code.as_str()).collect();
                    return Err(Failure::usage(format!(
                        "組織が複数あります。--org で指定してください（{}）",
                        codes.join(", ")
                    )));
                }
            }
        }
    };
    store.operator(&code).await.map_err(|e| store_failure(&e))
}

/// Database failures are the system's (exit 1); everything else is the user's to fix (exit 2).
pub fn store_failure(error: &StoreError) -> Failure {
    match error {
        StoreError::Database(_) => Failure::internal(error.to_string()),
        _ => Failure::usage(error.to_string()),
    }
}
