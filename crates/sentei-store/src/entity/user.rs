//! The `users` table: people who sign in, each with one role in one organization.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "users")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    #[sea_orm(unique)]
    pub login: String,
    pub display_name: String,
    pub department: String,
    pub role: String,
    pub password_hash: String,
    pub active: bool,
    pub created_at: TimeDateTimeWithTimeZone,
    pub password_changed_at: TimeDateTimeWithTimeZone,
    /// Where notifications are mailed; empty when not known (schema version 6).
    pub email: String,
    /// `each`, `digest` or `off` (`sentei_core::notify::MailMode`).
    pub mail_mode: String,
    /// The password was generated for the user (the first administrator): nothing but
    /// changing it until it is changed (schema version 10).
    pub must_change_password: bool,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
