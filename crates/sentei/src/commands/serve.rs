//! `sentei serve`: the web application, with a first-run administrator and an optional demo.

use std::path::Path;
use std::sync::Arc;

use sentei_core::workflow::UserRole;
use sentei_store::{NewUser, Store, generate_password};
use sentei_web::{AppState, WebConfig};

use super::{open, store_failure};
use crate::config::Config;
use crate::failure::Failure;
use crate::files::catalog;

/// The organization code made on the first run.
const FIRST_ORG: &str = "main";
/// The administrator made on the first run.
const FIRST_ADMIN: &str = "admin";

pub struct Options {
    pub listen: String,
    pub demo: bool,
    pub public_url: Option<String>,
    pub org_name: String,
}

pub async fn serve(
    config: &Config,
    profiles_dir: Option<&Path>,
    options: Options,
) -> Result<String, Failure> {
    init_logging();
    let catalog = catalog(profiles_dir)?;
    let store = open(config).await?;
    // Held while serving: `sentei restore` will not replace the database under a server.
    let _serving = sentei_store::ServingLock::take(&config.database_url)
        .map_err(|e| super::store_failure(&e))?;
    // With --demo on an empty database, the demo municipality is the only organization (its
    // administrator is demo-admin): an unnamed first one beside it would make every command
    // ask for --org.
    let empty = store.user_count().await.map_err(|e| store_failure(&e))? == 0;
    if !(options.demo && empty) {
        first_run(&store, &options.org_name, &config.data_dir).await?;
    }
    // The demo municipality is loaded once; later starts find it there.
    if options.demo && store.organization(super::demo::DEMO_ORG).await.is_err() {
        super::demo::load(config, profiles_dir, 33).await?;
    }
    let listener = tokio::net::TcpListener::bind(&options.listen)
        .await
        .map_err(|e| Failure::usage(format!("{} で待ち受けられません（{e}）", options.listen)))?;
    let bound = listener.local_addr().ok();
    // The demo on this computer needs no --public-url: its own loopback address is the one
    // its user opens. Anywhere else the address people use must be configured, never guessed
    // from requests (vendor links are built from it).
    let origin = options
        .public_url
        .as_deref()
        .map(|u| u.trim_end_matches('/').to_owned())
        .or_else(|| {
            bound
                .filter(|a| options.demo && a.ip().is_loopback())
                .map(|a| format!("http://{a}"))
        });
    let catalog = Arc::new(catalog);
    // Kept verdicts are brought up to the profiles being served, in the background so that
    // starting is not held up; pages judge afresh meanwhile.
    {
        let (store, catalog) = (store.clone(), catalog.clone());
        tokio::spawn(async move {
            match store.rejudge(&catalog).await {
                Ok(report) if report.changed > 0 || report.unreadable > 0 => {
                    tracing::info!(
                        judged = report.judged,
                        changed = report.changed,
                        unreadable = report.unreadable,
                        "stored assessments judged again under the current profiles"
                    );
                }
                Ok(_) => {}
                Err(error) => tracing::error!(%error, "judging stored assessments again failed"),
            }
        });
    }
    // Ledger entries nearing or past their end are told to their departments in the app
    // (each stage once, whichever server or `sentei notify` gets there first): at start and
    // every hour after, as the date moves on. Mails are sent by `sentei notify`.
    {
        let store = store.clone();
        tokio::spawn(async move {
            let mut hourly = tokio::time::interval(std::time::Duration::from_secs(3600));
            loop {
                hourly.tick().await;
                let today = super::records::today_in_japan();
                if let Err(error) = store.notify_expiring(today).await {
                    tracing::error!(%error, "telling departments of expiring ledger entries failed");
                }
            }
        });
    }
    let state = AppState::new(
        store,
        catalog,
        WebConfig {
            secure_cookies: origin.as_deref().is_some_and(|o| o.starts_with("https://")),
            public_origin: origin.clone(),
            trusted_proxies: config.trusted_proxies.clone(),
            max_token_days: config.max_token_days.unwrap_or(0),
            approval_boxes: config.approval_boxes.clone(),
            upload_readers: config.server.upload_readers,
        },
    );
    let address = listener
        .local_addr()
        .map_or_else(|_| options.listen.clone(), |a| a.to_string());
    println!(
        "sentei を起動しました: {}/",
        origin.unwrap_or_else(|| format!("http://{address}"))
    );
    println!("データベース: {}", config.database_url);
    println!("止めるには Ctrl+C を押してください。");
    let shutdown = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    sentei_web::serve(listener, state, config.server.limits, shutdown)
        .await
        .map_err(|e| Failure::internal(format!("サーバーが止まりました（{e}）")))?;
    Ok("sentei を止めました\n".to_owned())
}

/// On a database without any user: an organization and an administrator, whose password is
/// generated (or taken from SENTEI_ADMIN_PASSWORD, never shown then). A generated password is
/// shown once on a terminal; when the output is not one (a service, whose output is its log)
/// it is written to a file only the server's user can read, and the log says where. Never
/// to the log itself. The administrator must change it at the first sign-in.
async fn first_run(store: &Store, org_name: &str, data_dir: &Path) -> Result<(), Failure> {
    if store.user_count().await.map_err(|e| store_failure(&e))? > 0 {
        return Ok(());
    }
    let org = match store
        .organizations()
        .await
        .map_err(|e| store_failure(&e))?
        .into_iter()
        .next()
    {
        Some(org) => org,
        None => store
            .create_organization(FIRST_ORG, org_name)
            .await
            .map_err(|e| store_failure(&e))?,
    };
    let operator = store
        .operator(&org.code)
        .await
        .map_err(|e| store_failure(&e))?;
    let given = std::env::var("SENTEI_ADMIN_PASSWORD")
        .ok()
        .filter(|p| !p.is_empty());
    let password = given.clone().unwrap_or_else(generate_password);
    store
        .add_user(
            &operator,
            NewUser {
                login: FIRST_ADMIN.to_owned(),
                display_name: "システム管理者".to_owned(),
                department: "情報政策課".to_owned(),
                role: UserRole::Admin,
                password: password.clone(),
                email: String::new(),
            },
        )
        .await
        .map_err(|e| store_failure(&e))?;
    println!(
        "初めての起動のため、組織 {}（{}）と管理者 {FIRST_ADMIN} を作りました。",
        org.code, org.name
    );
    if given.is_some() {
        return Ok(());
    }
    store
        .require_password_change(&operator, FIRST_ADMIN)
        .await
        .map_err(|e| store_failure(&e))?;
    if std::io::IsTerminal::is_terminal(&std::io::stdout()) {
        println!("管理者 {FIRST_ADMIN} の初期パスワード（この一度だけ表示します）: {password}");
    } else {
        let path = write_initial_password(data_dir, &password)?;
        println!(
            "管理者 {FIRST_ADMIN} の初期パスワードを {} に書きました（sentei を動かしている利用者だけが読めます）。ログインしてパスワードを変えたら、このファイルを消してください。",
            path.display()
        );
    }
    println!(
        "最初のログインで、初期パスワードを変更してください（変更するまでほかの画面は使えません）。"
    );
    Ok(())
}

/// The file the first administrator's generated password is written to when there is no
/// terminal to show it on: readable by the server's user only.
fn write_initial_password(data_dir: &Path, password: &str) -> Result<std::path::PathBuf, Failure> {
    use std::io::Write;
    let path = data_dir.join("admin-initial-password.txt");
    let failed = |e: std::io::Error| {
        Failure::internal(format!(
            "初期パスワードを {} に書けません（{e}）。SENTEI_ADMIN_PASSWORD で指定して起動し直してください",
            path.display()
        ))
    };
    std::fs::create_dir_all(data_dir).map_err(failed)?;
    let mut options = std::fs::OpenOptions::new();
    options.write(true).create(true).truncate(true);
    #[cfg(unix)]
    std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
    let mut file = options.open(&path).map_err(failed)?;
    // A file left from before keeps its mode: make it the server's user's only, too.
    #[cfg(unix)]
    file.set_permissions(std::os::unix::fs::PermissionsExt::from_mode(0o600))
        .map_err(failed)?;
    writeln!(file, "{password}").map_err(failed)?;
    Ok(path)
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("SENTEI_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info,sqlx=warn,sea_orm=warn"));
    // Colour codes only where a terminal shows them, not in a log file or journal.
    let _ = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .with_writer(std::io::stderr)
        .try_init();
}
