//! The `applications` table: 利用申請: an application to use a service under an assessment.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "applications")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub service_id: i64,
    pub assessment_id: i64,
    pub applicant_id: i64,
    pub department: String,
    pub purpose: String,
    pub user_scope: String,
    pub period_start: TimeDate,
    pub period_end: TimeDate,
    pub status: String,
    /// Bumped by every transition, so two reviewers never both act on the same state.
    pub version: i64,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
    /// `new`, `change` or `renewal` (`sentei_core::workflow::Kind`).
    pub kind: String,
    /// The ledger entry a change or renewal is for.
    pub ledger_entry_id: Option<i64>,
    /// What submission pinned: the assessment version decided on, under which profile, its
    /// verdict and judgement JSON, and when. Empty before submission and after a return.
    pub pinned_version: Option<i64>,
    pub pinned_profile_id: Option<String>,
    pub pinned_profile_version: Option<String>,
    pub pinned_verdict: Option<String>,
    pub pinned_judgement: Option<String>,
    pub pinned_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
