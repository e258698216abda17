//! The `audit_records` table: the audit trail, one hash chain per organization.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "audit_records")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub seq: i64,
    pub at_micros: i64,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub digest: String,
    pub prev_hash: String,
    pub hash: String,
    /// What changed, in Japanese; none on records made before schema version 6.
    pub summary: Option<String>,
    /// The state of the rows the record is about, after the change (`sentei_core::row_state`);
    /// none on records made before schema version 8 and on records about nothing tracked.
    pub states: Option<String>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
