//! The `ledger_versions` table: every version of every ledger entry, appended and never changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub entry_id: i64,
    pub version: i64,
    pub kind: String,
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
    pub comment: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: TimeDateTimeWithTimeZone,
    /// The approved application the version came from, if any.
    pub application_id: Option<i64>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
