//! The `services` table: the registry of external services.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "services")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub name: String,
    pub provider: String,
    pub description: String,
    /// The latest assessment's classification label, or empty.
    pub classification: String,
    /// The latest assessment's verdict, or empty.
    pub verdict: String,
    /// The latest application's status, or empty.
    pub status: String,
    pub created_by: i64,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
