//! The registry of external services.

use sea_orm::sea_query::{Expr, ExprTrait, Func, LikeExpr};
use sea_orm::{
    ColumnTrait, Condition, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sentei_core::access::Capability;
use serde_json::json;

use crate::entity::service;
use crate::{
    Actor, Page, Store, StoreError, audit, page_bounds, query_text, text_block, text_field,
};

/// Longest service name, provider or description, in characters.
const MAX_TEXT: usize = 2_000;

#[derive(Clone, Debug)]
pub struct NewService {
    pub name: String,
    pub provider: String,
    pub description: String,
}

/// What to list.
#[derive(Clone, Debug, Default)]
pub struct ServiceQuery {
    /// Part of the name or provider.
    pub search: String,
    /// Exactly this provider.
    pub provider: Option<String>,
    /// The latest assessment's classification label (機密性2, ...).
    pub classification: Option<String>,
    /// The latest assessment's verdict (approvable, ...).
    pub verdict: Option<String>,
    /// The latest application's status (submitted, ...).
    pub status: Option<String>,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ServiceView {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub description: String,
    /// The latest assessment's classification label, or empty.
    pub classification: String,
    /// The latest assessment's verdict, or empty.
    pub verdict: String,
    /// The latest application's status, or empty.
    pub status: String,
    pub created_by: i64,
    pub created_at: time::OffsetDateTime,
}

impl From<service::Model> for ServiceView {
    fn from(m: service::Model) -> ServiceView {
        ServiceView {
            id: m.id,
            name: m.name,
            provider: m.provider,
            description: m.description,
            classification: m.classification,
            verdict: m.verdict,
            status: m.status,
            created_by: m.created_by,
            created_at: m.created_at,
        }
    }
}

impl Store {
    pub async fn create_service(
        &self,
        actor: &Actor,
        new: NewService,
    ) -> Result<ServiceView, StoreError> {
        actor.require(Capability::Register)?;
        let user = actor.user()?;
        let name = text_field(&new.name, "サービスの名称", MAX_TEXT, true)?;
        let provider = text_field(&new.provider, "提供者の名称", MAX_TEXT, true)?;
        let description = text_block(&new.description, "説明", MAX_TEXT, false)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let now = crate::now();
        let row = service::Entity::insert(service::ActiveModel {
            org_id: Set(actor.org_id()),
            name: Set(name),
            provider: Set(provider),
            description: Set(description),
            classification: Set(String::new()),
            verdict: Set(String::new()),
            status: Set(String::new()),
            created_by: Set(user),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "service.create",
            &format!("service:{}", row.id),
            &json!({ "name": row.name, "provider": row.provider }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(row.into())
    }

    pub async fn service(&self, actor: &Actor, id: i64) -> Result<ServiceView, StoreError> {
        actor.require(Capability::Read)?;
        Ok(self.service_row(actor, id).await?.into())
    }

    pub(crate) async fn service_row(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<service::Model, StoreError> {
        service::Entity::find_by_id(id)
            .filter(service::Column::OrgId.eq(actor.org_id()))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("サービス", id))
    }

    /// Services of the actor's organization, filtered, by name.
    pub async fn services(
        &self,
        actor: &Actor,
        query: &ServiceQuery,
    ) -> Result<Page<ServiceView>, StoreError> {
        actor.require(Capability::Read)?;
        query_text(&query.search, "検索する文字")?;
        for value in [
            &query.provider,
            &query.classification,
            &query.verdict,
            &query.status,
        ]
        .into_iter()
        .flatten()
        {
            query_text(value, "絞り込みの値")?;
        }
        let (page, page_size) = page_bounds(query.page, query.page_size);
        let mut select = service::Entity::find().filter(service::Column::OrgId.eq(actor.org_id()));
        if !query.search.trim().is_empty() {
            select = select.filter(
                Condition::any()
                    .add(contains(service::Column::Name, &query.search))
                    .add(contains(service::Column::Provider, &query.search)),
            );
        }
        for (value, column) in [
            (&query.provider, service::Column::Provider),
            (&query.classification, service::Column::Classification),
            (&query.verdict, service::Column::Verdict),
            (&query.status, service::Column::Status),
        ] {
            if let Some(value) = value {
                select = select.filter(column.eq(value.as_str()));
            }
        }
        let total = select.clone().count(&self.db).await?;
        let rows = select
            .order_by_asc(service::Column::Name)
            .order_by_asc(service::Column::Id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows.into_iter().map(ServiceView::from).collect(),
            total,
            page,
            page_size,
        })
    }

    /// Services of the actor's organization by id (missing ids are left out).
    pub async fn services_by_id(
        &self,
        actor: &Actor,
        ids: &[i64],
    ) -> Result<Vec<ServiceView>, StoreError> {
        actor.require(Capability::Read)?;
        Ok(service::Entity::find()
            .filter(service::Column::OrgId.eq(actor.org_id()))
            .filter(service::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(ServiceView::from)
            .collect())
    }

    /// The providers of the organization's services, for filter menus.
    pub async fn providers(&self, actor: &Actor) -> Result<Vec<String>, StoreError> {
        actor.require(Capability::Read)?;
        Ok(service::Entity::find()
            .select_only()
            .column(service::Column::Provider)
            .distinct()
            .filter(service::Column::OrgId.eq(actor.org_id()))
            .order_by_asc(service::Column::Provider)
            .into_tuple::<String>()
            .all(&self.db)
            .await?)
    }
}

/// Keeps a service's summary of its latest assessment or application, in the caller's
/// transaction.
pub(crate) async fn summarize(
    txn: &sea_orm::DatabaseTransaction,
    service_id: i64,
    column: service::Column,
    value: &str,
) -> Result<(), StoreError> {
    service::Entity::update_many()
        .col_expr(column, Expr::value(value))
        .col_expr(service::Column::UpdatedAt, Expr::value(crate::now()))
        .filter(service::Column::Id.eq(service_id))
        .exec(txn)
        .await?;
    Ok(())
}

/// `column` contains `text`, ignoring case, with LIKE's own wildcards in `text` taken
/// literally. `LOWER(col) LIKE lower(text)` rather than PostgreSQL's ILIKE: it reads the same on
/// both databases, and sea-query 1.0 renders `ILIKE … ESCAPE` in a form PostgreSQL rejects.
pub(crate) fn contains<C: ColumnTrait>(column: C, text: &str) -> sea_orm::sea_query::SimpleExpr {
    let escaped = text
        .trim()
        .to_lowercase()
        .replace('\\', "\\\\")
        .replace('%', "\\%")
        .replace('_', "\\_");
    Expr::expr(Func::lower(Expr::col(column)))
        .like(LikeExpr::new(format!("%{escaped}%")).escape('\\'))
}
