//! The `assessment_attachments` table: which evidence file supports which item of an assessment. The client's file name is kept for display only.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "assessment_attachments")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub assessment_id: i64,
    pub item_id: String,
    pub attachment_id: i64,
    pub file_name: String,
    pub created_at: TimeDateTimeWithTimeZone,
    /// Who attached it, as shown: a user's name or a vendor link's contact.
    pub added_by: String,
    /// When it was removed; a removed file stays listed in the records made before.
    pub removed_at: Option<TimeDateTimeWithTimeZone>,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
