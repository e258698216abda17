//! The `assessment_versions` table: every saved version of every assessment, appended and never changed.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_versions")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub assessment_id: i64,
    pub version: i64,
    pub profile_id: String,
    pub profile_version: String,
    pub document: String,
    pub verdict: String,
    pub judgement: String,
    pub updated_by: i64,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
