//! Online backups of the embedded SQLite database, and restoring one.
//!
//! `VACUUM INTO` writes a consistent copy of the live database while others keep reading and
//! writing; the copy is a complete database that `--database-url sqlite://COPY` opens as is,
//! and that [`restore`] puts back in place of the database while the server is stopped.
//! PostgreSQL deployments back up with PostgreSQL's own tools (pg_dump, replication).

use std::path::Path;

use sea_orm::{ConnectionTrait, Database, Statement};

use crate::{Backend, DatabaseUrl, Store, StoreError};

impl Store {
    /// Writes a consistent copy of the SQLite database to `target`, which must not exist.
    pub async fn backup(&self, target: &Path) -> Result<(), StoreError> {
        if self.backend != Backend::Sqlite {
            return Err(StoreError::Rejected(
                "PostgreSQL のバックアップは pg_dump などの PostgreSQL の道具で行ってください"
                    .to_owned(),
            ));
        }
        if target.exists() {
            return Err(StoreError::Rejected(format!(
                "{} はすでにあります。上書きしないため、別の名前を指定してください",
                target.display()
            )));
        }
        let path = target.to_str().ok_or_else(|| {
            StoreError::Rejected("バックアップ先のパスに使えない文字があります".to_owned())
        })?;
        // The path is a bound parameter, never spliced into the SQL.
        self.db
            .execute_raw(Statement::from_sql_and_values(
                sea_orm::DbBackend::Sqlite,
                "VACUUM INTO ?",
                [path.into()],
            ))
            .await?;
        Ok(())
    }
}

/// What a restore put in place.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct RestoreReport {
    pub schema_version: i64,
    pub organizations: u64,
    pub users: u64,
}

/// Puts the SQLite backup `backup` in place of the database at `target`.
///
/// The backup is first copied next to the target and checked there — an SQLite database
/// passing `PRAGMA integrity_check`, with sentei's schema no newer than this binary — and only
/// then moved over the target in one rename, so a failed restore leaves the database as it was.
/// The server must be stopped: a running server holds [`ServingLock`] on the database, and the
/// restore is refused while it does.
pub async fn restore(backup: &Path, target: &DatabaseUrl) -> Result<RestoreReport, StoreError> {
    let Some(target) = target.sqlite_path() else {
        return Err(StoreError::Rejected(
            "PostgreSQL の復元は pg_restore などの PostgreSQL の道具で行ってください".to_owned(),
        ));
    };
    if !backup.is_file() {
        return Err(StoreError::Rejected(format!(
            "バックアップのファイル {} がありません",
            backup.display()
        )));
    }
    let beside = |suffix: &str| {
        let mut name = target.as_os_str().to_owned();
        name.push(suffix);
        std::path::PathBuf::from(name)
    };
    let io = |e: std::io::Error| StoreError::Rejected(format!("ファイルを扱えません（{e}）"));
    let in_use = || {
        StoreError::Rejected(format!(
            "{} はいま sentei のサーバーが使っています。サーバーを止めてから、もう一度実行してください",
            target.display()
        ))
    };
    let lock = lock_file(&target).map_err(io)?;
    match lock.try_lock() {
        Ok(()) => {}
        Err(std::fs::TryLockError::WouldBlock) => return Err(in_use()),
        Err(std::fs::TryLockError::Error(e)) => return Err(io(e)),
    }
    let staged = beside(".restoring");
    std::fs::copy(backup, &staged).map_err(io)?;
    let checked = check_copy(&staged).await;
    let report = match checked {
        Ok(report) => report,
        Err(error) => {
            let _ = std::fs::remove_file(&staged);
            return Err(error);
        }
    };
    // A log left by the replaced database would be replayed into the restored one.
    let _ = std::fs::remove_file(beside("-wal"));
    let _ = std::fs::remove_file(beside("-shm"));
    std::fs::rename(&staged, &target).map_err(|e| {
        let _ = std::fs::remove_file(&staged);
        io(e)
    })?;
    Ok(report)
}

/// A server's hold on its SQLite database, which [`restore`] respects: shared, so that
/// several servers (or commands) may use one file, and released by the system however the
/// process ends.
#[derive(Debug)]
pub struct ServingLock {
    _file: std::fs::File,
}

impl ServingLock {
    /// Takes the hold on the database at `url`; `None` for PostgreSQL, which needs none.
    pub fn take(url: &DatabaseUrl) -> Result<Option<ServingLock>, StoreError> {
        let Some(path) = url.sqlite_path() else {
            return Ok(None);
        };
        let io = |e: std::io::Error| {
            StoreError::Rejected(format!("データベースの使用中の印を付けられません（{e}）"))
        };
        let file = lock_file(&path).map_err(io)?;
        file.lock_shared().map_err(io)?;
        Ok(Some(ServingLock { _file: file }))
    }
}

/// The file beside a database that servers lock while they use it.
fn lock_file(database: &Path) -> std::io::Result<std::fs::File> {
    let mut name = database.as_os_str().to_owned();
    name.push(".lock");
    std::fs::OpenOptions::new()
        .create(true)
        .truncate(false)
        .write(true)
        .open(std::path::PathBuf::from(name))
}

async fn check_copy(path: &Path) -> Result<RestoreReport, StoreError> {
    let not_a_backup = || {
        StoreError::Rejected(format!(
            "{} は sentei のバックアップではないか、壊れています",
            path.display()
        ))
    };
    let url = DatabaseUrl::sqlite(path);
    let db = Database::connect(url.expose())
        .await
        .map_err(|_| not_a_backup())?;
    let one = |sql: &'static str| {
        let db = &db;
        async move {
            db.query_one_raw(Statement::from_string(sea_orm::DbBackend::Sqlite, sql))
                .await
                .ok()
                .flatten()
        }
    };
    let intact = one("PRAGMA integrity_check")
        .await
        .and_then(|row| row.try_get_by_index::<String>(0).ok())
        .is_some_and(|r| r == "ok");
    let version = one("SELECT MAX(version) FROM sentei_schema")
        .await
        .and_then(|row| row.try_get_by_index::<i64>(0).ok());
    let count = |sql| async move {
        one(sql)
            .await
            .and_then(|row| row.try_get_by_index::<i64>(0).ok())
            .and_then(|n| u64::try_from(n).ok())
    };
    let organizations = count("SELECT COUNT(*) FROM organizations").await;
    let users = count("SELECT COUNT(*) FROM users").await;
    let _ = db.close().await;
    let (true, Some(version), Some(organizations), Some(users)) =
        (intact, version, organizations, users)
    else {
        return Err(not_a_backup());
    };
    crate::schema::check_not_newer(version)?;
    Ok(RestoreReport {
        schema_version: version,
        organizations,
        users,
    })
}
