//! The `notifications` table: what each user is told (お知らせ), and the outbox of its mail.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "notifications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub user_id: i64,
    /// `sentei_core::notify::NoticeKind`.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page it is about, as a path (`/applications/3`).
    pub link: String,
    pub application_id: Option<i64>,
    pub ledger_entry_id: Option<i64>,
    pub once_key: Option<String>,
    pub created_at: TimeDateTimeWithTimeZone,
    pub read_at: Option<TimeDateTimeWithTimeZone>,
    /// `none`, `pending`, `sending`, `sent` or `failed`.
    pub mail_state: String,
    pub mail_attempts: i64,
    pub mail_at: Option<TimeDateTimeWithTimeZone>,
    pub mail_error: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
