//! What can go wrong in the store, in words for the person who asked.

use sea_orm::DbErr;
use sentei_core::InputError;
use sentei_core::ledger::LedgerRefusal;
use sentei_core::workflow::Refusal;

#[derive(Debug, thiserror::Error)]
pub enum StoreError {
    /// The record does not exist in the actor's organization.
    #[error("{0}")]
    NotFound(String),
    /// The actor's role does not allow it.
    #[error("{0}")]
    Denied(String),
    /// A workflow rule refused it.
    #[error("{0}")]
    Refused(#[from] Refusal),
    /// A ledger rule refused it.
    #[error("{0}")]
    Ledger(#[from] LedgerRefusal),
    /// Someone else changed the record since the caller read it.
    #[error("{message}")]
    Conflict {
        message: String,
        current_version: i64,
    },
    /// The input is invalid (an assessment document, a field).
    #[error("{0}")]
    Invalid(#[from] InputError),
    /// A name, login or code is already taken, or a value is out of bounds.
    #[error("{0}")]
    Rejected(String),
    /// The database schema cannot be used by this binary.
    #[error("{0}")]
    Schema(String),
    /// The database failed; details are for the log, not for the user.
    #[error("データベースの操作に失敗しました（{0}）")]
    Database(#[from] DbErr),
}

impl StoreError {
    pub(crate) fn not_found(what: &str, id: impl std::fmt::Display) -> StoreError {
        StoreError::NotFound(format!("{what} {id} は見つかりません"))
    }

    pub(crate) fn conflict(what: &str, seen: i64, current: i64) -> StoreError {
        StoreError::Conflict {
            message: format!(
                "{what}は、あなたが読み込んだ後にほかの人が変更しました（読み込んだ版 {seen}、現在の版 {current}）。最新の内容を読み込み直してから、もう一度変更してください"
            ),
            current_version: current,
        }
    }
}
