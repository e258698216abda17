//! Choosing and opening the database: `sqlite://PATH` or `postgres://…`.

use std::fmt;
use std::path::{Path, PathBuf};
use std::time::Duration;

use sea_orm::sea_query::{Alias, Expr, ExprTrait, LockType, Query};
use sea_orm::{
    ConnectOptions, ConnectionTrait, Database, DatabaseConnection, DatabaseTransaction,
    SqliteTransactionMode, TransactionOptions, TransactionTrait,
};

use crate::StoreError;

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Backend {
    Sqlite,
    Postgres,
}

/// A database location, checked. Displays with any password masked.
#[derive(Clone, PartialEq, Eq)]
pub struct DatabaseUrl {
    url: String,
    backend: Backend,
}

impl DatabaseUrl {
    pub fn parse(url: &str) -> Result<DatabaseUrl, StoreError> {
        let backend = if url.starts_with("sqlite://") || url.starts_with("sqlite:") {
            Backend::Sqlite
        } else if url.starts_with("postgres://") || url.starts_with("postgresql://") {
            Backend::Postgres
        } else {
            return Err(StoreError::Rejected(format!(
                "データベースの URL は sqlite://ファイル名 か postgres://… で指定してください（指定: {}）",
                mask(url)
            )));
        };
        Ok(DatabaseUrl {
            url: url.to_owned(),
            backend,
        })
    }

    /// An SQLite database in the file `path`.
    pub fn sqlite(path: &Path) -> DatabaseUrl {
        DatabaseUrl {
            url: format!("sqlite://{}", path.display()),
            backend: Backend::Sqlite,
        }
    }

    pub fn backend(&self) -> Backend {
        self.backend
    }

    /// The path of an SQLite database file.
    pub fn sqlite_path(&self) -> Option<PathBuf> {
        if self.backend != Backend::Sqlite {
            return None;
        }
        let rest = self
            .url
            .trim_start_matches("sqlite://")
            .trim_start_matches("sqlite:");
        let path = rest.split('?').next().unwrap_or(rest);
        Some(PathBuf::from(path))
    }

    /// The URL itself, password included: for connecting only, never for printing.
    pub fn expose(&self) -> &str {
        &self.url
    }
}

impl fmt::Display for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&mask(&self.url))
    }
}

impl fmt::Debug for DatabaseUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "DatabaseUrl({})", mask(&self.url))
    }
}

/// `postgres://user:secret@host/db` → `postgres://user:***@host/db`.
pub fn mask(url: &str) -> String {
    let Some((scheme, rest)) = url.split_once("://") else {
        return url.to_owned();
    };
    let Some((credentials, host)) = rest.split_once('@') else {
        return url.to_owned();
    };
    match credentials.split_once(':') {
        Some((user, _)) => format!("{scheme}://{user}:***@{host}"),
        None => url.to_owned(),
    }
}

/// The SQLite database in a data directory (`sentei.db`), the default installation.
pub fn default_sqlite_url(data_dir: &Path) -> DatabaseUrl {
    DatabaseUrl::sqlite(&data_dir.join("sentei.db"))
}

pub(crate) async fn connect(url: &DatabaseUrl) -> Result<DatabaseConnection, StoreError> {
    let mut options = ConnectOptions::new(url.expose().to_owned());
    options
        .connect_timeout(Duration::from_secs(10))
        .acquire_timeout(Duration::from_secs(30))
        .sqlx_logging(false);
    match url.backend() {
        Backend::Sqlite => {
            let path = url.sqlite_path();
            if let Some(parent) = path.as_deref().and_then(Path::parent)
                && !parent.as_os_str().is_empty()
            {
                std::fs::create_dir_all(parent).map_err(|e| {
                    StoreError::Rejected(format!(
                        "データディレクトリ {} を作れません（{e}）",
                        parent.display()
                    ))
                })?;
            }
            options.max_connections(4).map_sqlx_sqlite_opts(|o| {
                o.create_if_missing(true)
                    // WAL lets readers work while one writer commits; FULL makes every commit
                    // durable on power loss too, which a system of record needs more than speed.
                    .journal_mode(sea_orm::sqlx::sqlite::SqliteJournalMode::Wal)
                    .synchronous(sea_orm::sqlx::sqlite::SqliteSynchronous::Full)
                    .foreign_keys(true)
                    .busy_timeout(Duration::from_secs(10))
            });
        }
        Backend::Postgres => {
            options.max_connections(8);
        }
    }
    Database::connect(options).await.map_err(StoreError::from)
}

pub(crate) async fn begin_write(
    db: &DatabaseConnection,
    backend: Backend,
    org_id: i64,
) -> Result<DatabaseTransaction, StoreError> {
    let txn = db
        .begin_with_options(TransactionOptions {
            sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
            ..TransactionOptions::default()
        })
        .await?;
    if backend == Backend::Postgres {
        txn.query_one(
            &Query::select()
                .column(Alias::new("id"))
                .from(Alias::new("organizations"))
                .and_where(Expr::col(Alias::new("id")).eq(org_id))
                .lock(LockType::Update)
                .to_owned(),
        )
        .await?;
    }
    Ok(txn)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn urls_choose_the_backend_and_hide_passwords() {
        let pg = DatabaseUrl::parse("postgres://sentei:s3cret@db.example/sentei").unwrap();
        assert_eq!(pg.backend(), Backend::Postgres);
        assert_eq!(pg.to_string(), "postgres://sentei:***@db.example/sentei");
        assert!(!format!("{pg:?}").contains("s3cret"));
        let lite = DatabaseUrl::parse("sqlite://data/sentei.db?mode=rwc").unwrap();
        assert_eq!(lite.sqlite_path(), Some(PathBuf::from("data/sentei.db")));
        assert!(DatabaseUrl::parse("mysql://x").is_err());
        assert!(
            !DatabaseUrl::parse("mysql://u:p@h")
                .unwrap_err()
                .to_string()
                .contains(":p@")
        );
    }
}
