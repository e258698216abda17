//! The audit trail for auditors and administrators, with verification of its hash chain.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use sentei_core::audit::{action_label, object_label};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::PageError;
use crate::layout::{self, Layout};
use crate::pages::Pager;
use crate::state::AppState;

#[derive(Deserialize)]
pub struct Paging {
    #[serde(default)]
    page: u64,
}

struct Row {
    seq: i64,
    at: String,
    actor: String,
    action: String,
    object: String,
    /// The page of the object, if it has one.
    link: Option<String>,
    digest: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "audit.html")]
pub struct AuditPage {
    layout: Layout,
    verification: Option<String>,
    verified: bool,
    rows: Vec<Row>,
    pager: Pager,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(paging): Query<Paging>,
) -> Result<AuditPage, PageError> {
    page(&state, &signed, paging.page, None).await
}

/// Verifies the organization's chain, then shows the trail with the result.
pub async fn verify(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<AuditPage, PageError> {
    let orgs = state.store.organizations().await?;
    let code = orgs
        .iter()
        .find(|o| o.id == signed.actor.org_id())
        .map(|o| o.code.clone())
        .unwrap_or_default();
    let result = state.store.verify_audit(Some(&code)).await?;
    let verification = result.first().map(|r| match &r.result {
        Ok(summary) => (
            format!(
                "記録 {} 件の鎖を検証しました。改ざんはありません。末尾のハッシュ: {}",
                summary.count, summary.head
            ),
            true,
        ),
        Err(broken) => (format!("監査記録の鎖が壊れています: {broken}"), false),
    });
    page(&state, &signed, 1, verification).await
}

async fn page(
    state: &AppState,
    signed: &Signed,
    page: u64,
    verification: Option<(String, bool)>,
) -> Result<AuditPage, PageError> {
    let records = state.store.audit_page(&signed.actor, page, 100).await?;
    Ok(AuditPage {
        layout: Layout::new("監査記録", Some(signed), "/audit"),
        verified: verification.as_ref().is_some_and(|v| v.1),
        verification: verification.map(|v| v.0),
        rows: records
            .items
            .iter()
            .map(|r| {
                let (object, link) = object_label(&r.object);
                Row {
                    seq: r.seq,
                    at: layout::time(r.at),
                    actor: r.actor.clone(),
                    action: action_label(&r.action),
                    object,
                    link,
                    digest: r.digest.chars().take(16).collect(),
                }
            })
            .collect(),
        pager: Pager::of(&records, "/audit", ""),
    })
}
