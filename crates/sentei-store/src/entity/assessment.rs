//! The `assessments` table: a service judged against a profile; the document is the assessment file of the contract, as JSON.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub service_id: i64,
    pub profile_id: String,
    pub profile_version: String,
    pub document: String,
    /// Bumped by every save; saves name the version they started from.
    pub version: i64,
    pub verdict: String,
    pub judgement: String,
    pub updated_by: i64,
    /// The department the assessment belongs to: only its people (and the vendor links they
    /// issue) write it.
    pub department: String,
    pub created_at: TimeDateTimeWithTimeZone,
    pub updated_at: TimeDateTimeWithTimeZone,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
