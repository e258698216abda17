//! Online backups of the embedded SQLite database.
//!
//! `VACUUM INTO` writes a consistent copy of the live database while others keep reading and
//! writing; the copy is a complete database that `--database-url sqlite://COPY` opens as is.
//! PostgreSQL deployments back up with PostgreSQL's own tools (pg_dump, replication).

use std::path::Path;

use sea_orm::{ConnectionTrait, Statement};

use crate::{Backend, Store, StoreError};

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
