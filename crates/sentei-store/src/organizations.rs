//! Organizations (municipalities) sharing one deployment, each isolated from the others.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set, TransactionTrait};
use serde_json::json;

use crate::entity::organization;
use crate::{Actor, Store, StoreError, audit};

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct OrganizationView {
    pub id: i64,
    pub code: String,
    pub name: String,
}

impl From<organization::Model> for OrganizationView {
    fn from(m: organization::Model) -> OrganizationView {
        OrganizationView {
            id: m.id,
            code: m.code,
            name: m.name,
        }
    }
}

impl Store {
    /// Creates an organization. `code` is short ASCII used in commands (`shunan`); `name` is
    /// shown to people (周南市).
    pub async fn create_organization(
        &self,
        code: &str,
        name: &str,
    ) -> Result<OrganizationView, StoreError> {
        let code = code.trim();
        let valid = !code.is_empty()
            && code.len() <= 32
            && code
                .chars()
                .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-');
        if !valid {
            return Err(StoreError::Rejected(
                "組織コードは英小文字・数字・ハイフン（32 文字まで）で書いてください".to_owned(),
            ));
        }
        if name.trim().is_empty() || name.chars().count() > 200 {
            return Err(StoreError::Rejected(
                "組織の名称を 200 文字以内で書いてください".to_owned(),
            ));
        }
        crate::text_field(name, "組織の名称", 200, true)?;
        if self.organization(code).await.is_ok() {
            return Err(StoreError::Rejected(format!(
                "組織コード {code} はすでに使われています"
            )));
        }
        // The organization's first write creates the row its later writes lock.
        let txn = self.db.begin().await?;
        let org = organization::Entity::insert(organization::ActiveModel {
            code: Set(code.to_owned()),
            name: Set(name.trim().to_owned()),
            created_at: Set(crate::now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            &Actor::operator(org.id),
            "organization.create",
            &format!("organization:{}", org.id),
            &json!({ "code": org.code, "name": org.name }),
        )
        .await?;
        self.commit(txn, org.id).await?;
        Ok(org.into())
    }

    /// The organization with this code.
    pub async fn organization(&self, code: &str) -> Result<OrganizationView, StoreError> {
        organization::Entity::find()
            .filter(organization::Column::Code.eq(code))
            .one(&self.db)
            .await?
            .map(OrganizationView::from)
            .ok_or_else(|| StoreError::not_found("組織", code))
    }

    pub async fn organizations(&self) -> Result<Vec<OrganizationView>, StoreError> {
        Ok(organization::Entity::find()
            .order_by_asc(organization::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(OrganizationView::from)
            .collect())
    }

    /// The operator of an organization: for commands run on the server (`sentei user add`),
    /// by whoever has access to the database anyway. Never for signed-in users.
    pub async fn operator(&self, org_code: &str) -> Result<Actor, StoreError> {
        Ok(Actor::operator(self.organization(org_code).await?.id))
    }
}
