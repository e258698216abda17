//! The `api_tokens` table: tokens users made for API clients. Only a hash is stored.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "api_tokens")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    #[sea_orm(unique)]
    pub token_hash: String,
    pub org_id: i64,
    pub user_id: i64,
    pub name: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub last_used_at: Option<TimeDateTimeWithTimeZone>,
    pub revoked_at: Option<TimeDateTimeWithTimeZone>,
    /// When it stops working; tokens made before expiry existed have none written (see
    /// `sessions.rs`).
    pub expires_at: Option<TimeDateTimeWithTimeZone>,
    /// `read` or `read_write` (`sentei_core::access::Scope`).
    pub scope: String,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
