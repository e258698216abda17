//! The `ledger_import_previews` table: a ledger file's rows as a keeper previewed them, kept
//! on the server until that keeper registers them (issue 12, finding 10).

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_import_previews")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    /// The id the preview page carries, random; useless to anyone but `user_id`.
    #[sea_orm(unique)]
    pub token: String,
    pub org_id: i64,
    pub user_id: i64,
    /// The file's name as sent, reduced to a plain base name.
    pub file_name: String,
    /// SHA-256 of the file's bytes.
    pub digest: String,
    /// The rows to register, as the reader read them (JSON).
    pub rows: String,
    pub created_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
