//! The `ledger_entries` table: the 外部サービス利用台帳 as it stands: one row per entry, its latest version.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_entries")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub application_id: Option<i64>,
    pub version: i64,
    /// `active` or `abolished`.
    pub status: String,
    pub service_name: String,
    pub provider: String,
    pub purpose: String,
    pub classification: String,
    pub period_start: TimeDate,
    pub period_end: TimeDate,
    pub applicant_department: String,
    pub applicant_name: String,
    pub user_scope: String,
    pub profile_id: String,
    pub profile_version: String,
    pub verdict: String,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
