//! The `ledger_counts` table: how many ledger entries an organization has per status and
//! classification, kept in the transactions that change the ledger, so that a filtered listing's
//! total is a lookup rather than a count of every entry.

use sea_orm::entity::prelude::*;

#[derive(Clone, Debug, PartialEq, Eq, DeriveEntityModel)]
#[sea_orm(table_name = "ledger_counts")]
pub struct Model {
    #[sea_orm(primary_key)]
    pub id: i64,
    pub org_id: i64,
    pub status: String,
    pub classification: String,
    pub entries: i64,
}

#[derive(Copy, Clone, Debug, EnumIter, DeriveRelation)]
pub enum Relation {}

impl ActiveModelBehavior for ActiveModel {}
