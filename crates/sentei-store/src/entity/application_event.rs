//! The `application_events` table: every transition of an application: who, when, what, and the judgement at that moment.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "application_events")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub application_id: i64,
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: i64,
    pub comment: String,
    pub assessment_version: i64,
    pub verdict: String,
    /// The judgement JSON when the application was submitted or approved.
    pub judgement: Option<String>,
    pub at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
