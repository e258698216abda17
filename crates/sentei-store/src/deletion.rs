//! Deleting what was never decided: a draft application, and a service that no application
//! names, with its assessments, their versions, files and answer links.
//!
//! Who may is `sentei_core::workflow::may_delete` (the owning department's information
//! security managers, or the system administrator). What is decided is never deleted, and the
//! audit trail is never touched: the deletion is itself an audit record that says what was
//! deleted, so the trail still accounts for every record it mentions.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder};
use sentei_core::access::Capability;
use sentei_core::workflow::{Deletable, Refusal, Status, may_delete};
use serde_json::json;

use crate::entity::{
    acceptance, application, application_event, assessment, assessment_attachment,
    assessment_version, attachment, service, user, vendor_link,
};
use crate::{Actor, Store, StoreError, audit};

/// What a deleted service took with it, for the page that says it was deleted.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct DeletedService {
    pub name: String,
    pub assessments: u64,
    pub files: u64,
}

impl Store {
    /// Deletes a draft application (never submitted, or returned and not submitted again),
    /// with its history of steps and any acceptances of earlier submissions. Its audit records
    /// stay, and one more says what was deleted.
    pub async fn delete_draft(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        actor.require(Capability::Read)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let app = application::Entity::find_by_id(id)
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("申請", id))?;
        may_delete(
            Deletable::Draft,
            actor.role(),
            actor.department(),
            &app.department,
        )?;
        let status = Status::parse(&app.status).unwrap_or(Status::Draft);
        if status != Status::Draft {
            return Err(Refusal::NotADraft { status }.into());
        }
        let events = application_event::Entity::delete_many()
            .filter(application_event::Column::ApplicationId.eq(id))
            .exec(&txn)
            .await?
            .rows_affected;
        acceptance::Entity::delete_many()
            .filter(acceptance::Column::ApplicationId.eq(id))
            .exec(&txn)
            .await?;
        application::Entity::delete_by_id(id).exec(&txn).await?;
        // The service's list shows its latest application's status: now the one before, if any.
        let latest = application::Entity::find()
            .filter(application::Column::ServiceId.eq(app.service_id))
            .order_by_desc(application::Column::Id)
            .one(&txn)
            .await?
            .map(|a| a.status)
            .unwrap_or_default();
        service::Entity::update_many()
            .col_expr(service::Column::Status, Expr::value(latest))
            .filter(service::Column::Id.eq(app.service_id))
            .exec(&txn)
            .await?;
        let service_name = service::Entity::find_by_id(app.service_id)
            .one(&txn)
            .await?
            .map(|s| s.name)
            .unwrap_or_default();
        let mut summary = sentei_core::audit::Summary::new();
        summary
            .value("削除した下書き", &format!("申請 {id}（{service_name}）"))
            .value("(カ) 利用申請者の課", &app.department)
            .value("(ウ) 利用目的", &app.purpose)
            .value(
                "(オ) 利用期間",
                &format!("{} 〜 {}", app.period_start, app.period_end),
            )
            .value("削除した経過", &format!("{events} 件"));
        audit::append_summarized(
            &txn,
            actor,
            "application.delete",
            &format!("application:{id}"),
            &json!({
                "service": app.service_id, "assessment": app.assessment_id,
                "department": app.department, "purpose": app.purpose,
                "user_scope": app.user_scope, "kind": app.kind,
                "period": [app.period_start.to_string(), app.period_end.to_string()],
                "ledger_entry": app.ledger_entry_id, "events": events,
            }),
            &summary,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(())
    }

    /// Deletes a service that no application names, with its assessments, every version of
    /// them, their answer links and files. Its audit records stay, and one more says what was
    /// deleted.
    pub async fn delete_service(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<DeletedService, StoreError> {
        actor.require(Capability::Read)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let row = service::Entity::find_by_id(id)
            .filter(service::Column::OrgId.eq(actor.org_id()))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("サービス", id))?;
        let assessments = assessment::Entity::find()
            .filter(assessment::Column::ServiceId.eq(id))
            .order_by_asc(assessment::Column::Id)
            .all(&txn)
            .await?;
        // The service belongs to the departments that assess it; one never assessed, to the
        // department of whoever registered it.
        let owner = match assessments
            .iter()
            .find(|a| a.department.trim() != actor.department().trim())
            .or(assessments.first())
        {
            Some(a) => a.department.clone(),
            None => user::Entity::find_by_id(row.created_by)
                .one(&txn)
                .await?
                .map(|u| u.department)
                .unwrap_or_default(),
        };
        may_delete(
            Deletable::UnusedService,
            actor.role(),
            actor.department(),
            &owner,
        )?;
        let count = application::Entity::find()
            .filter(application::Column::ServiceId.eq(id))
            .count(&txn)
            .await?;
        if count > 0 {
            return Err(Refusal::ServiceInUse { count }.into());
        }
        let ids: Vec<i64> = assessments.iter().map(|a| a.id).collect();
        let links = assessment_attachment::Entity::find()
            .filter(assessment_attachment::Column::AssessmentId.is_in(ids.clone()))
            .all(&txn)
            .await?;
        vendor_link::Entity::delete_many()
            .filter(vendor_link::Column::AssessmentId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        assessment_attachment::Entity::delete_many()
            .filter(assessment_attachment::Column::AssessmentId.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        // A file goes with its last link; one attached elsewhere too stays for that one.
        let mut files = 0;
        let mut seen = std::collections::BTreeSet::new();
        for link in &links {
            if !seen.insert(link.attachment_id) {
                continue;
            }
            let elsewhere = assessment_attachment::Entity::find()
                .filter(assessment_attachment::Column::AttachmentId.eq(link.attachment_id))
                .count(&txn)
                .await?;
            if elsewhere == 0 {
                attachment::Entity::delete_by_id(link.attachment_id)
                    .exec(&txn)
                    .await?;
                files += 1;
            }
        }
        let versions = assessment_version::Entity::delete_many()
            .filter(assessment_version::Column::AssessmentId.is_in(ids.clone()))
            .exec(&txn)
            .await?
            .rows_affected;
        assessment::Entity::delete_many()
            .filter(assessment::Column::Id.is_in(ids.clone()))
            .exec(&txn)
            .await?;
        service::Entity::delete_by_id(id).exec(&txn).await?;
        let listed = |ids: &[i64]| {
            ids.iter()
                .map(|i| format!("評価 {i}"))
                .collect::<Vec<_>>()
                .join("、")
        };
        let mut summary = sentei_core::audit::Summary::new();
        summary
            .value(
                "削除したサービス",
                &format!("{}（{}）", row.name, row.provider),
            )
            .value(
                "ともに削除した評価",
                &if ids.is_empty() {
                    "なし".to_owned()
                } else {
                    format!("{} 件（{}、版 {versions} 件）", ids.len(), listed(&ids))
                },
            )
            .value("ともに削除した添付ファイル", &format!("{files} 件"));
        let removed: Vec<String> = ids.iter().map(|i| format!("assessment:{i}")).collect();
        audit::append_summarized_removing(
            &txn,
            actor,
            "service.delete",
            &format!("service:{id}"),
            &json!({
                "name": row.name, "provider": row.provider, "description": row.description,
                "assessments": ids, "versions": versions, "files": files,
                "attachments": links.iter().map(|l| json!({
                    "assessment": l.assessment_id, "item": l.item_id, "file_name": l.file_name,
                })).collect::<Vec<_>>(),
            }),
            &summary,
            &removed,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(DeletedService {
            name: row.name,
            assessments: ids.len() as u64,
            files,
        })
    }
}
