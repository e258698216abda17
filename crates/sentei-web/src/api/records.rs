//! API: the ledger, the audit trail and the dashboard's figures.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};

use crate::extract::ApiJson;
use sentei_store::{LedgerEntryView, LedgerOrder, LedgerQuery};

use super::types::*;
use super::{application_body, date, nonempty, time_text};
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::layout;
use crate::state::AppState;

fn ledger_body(e: LedgerEntryView) -> LedgerBody {
    LedgerBody {
        expired: e.is_expired(layout::today()),
        id: e.id,
        version: e.version,
        status: if e.abolished { "abolished" } else { "active" }.to_owned(),
        fields: serde_json::to_value(&e.fields).unwrap_or_default(),
        profile_id: e.profile_id,
        profile_version: e.profile_version,
        verdict: e.verdict,
        application_id: e.application_id,
    }
}

/// The ledger, filtered; with `expiring`, the expired and those ending soonest first.
#[utoipa::path(get, path = "/api/v1/ledger", tag = "ledger", params(LedgerFilters),
    responses((status = 200, body = LedgerPage)))]
pub async fn ledger(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(f): Query<LedgerFilters>,
) -> Result<Json<LedgerPage>, ApiError> {
    let page = state
        .store
        .ledger(
            &signed.actor,
            &LedgerQuery {
                search: f.search,
                classification: nonempty(f.classification),
                include_abolished: f.include_abolished,
                expiring_within: f.expiring,
                expired_only: f.expired,
                department: nonempty(f.department),
                order: match f.sort.as_deref() {
                    None | Some("") => None,
                    Some(name) => Some(LedgerOrder::parse(name).ok_or_else(|| {
                        AppError::BadRequest(format!(
                            "並べ替えの列 `{name}` はありません（number, service, provider, classification, period, department のいずれか）"
                        ))
                    })?),
                },
                descending: f.dir.as_deref() == Some("desc"),
                today: Some(layout::today()),
                page: f.page,
                page_size: f.page_size,
            },
        )
        .await?;
    Ok(Json(LedgerPage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page.items.into_iter().map(ledger_body).collect(),
    }))
}

/// A ledger entry and every version of it.
#[utoipa::path(get, path = "/api/v1/ledger/{id}", tag = "ledger", params(("id" = i64, Path)),
    responses((status = 200, body = LedgerDetail), (status = 404, body = ErrorBody)))]
pub async fn entry(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<LedgerDetail>, ApiError> {
    let entry = state.store.ledger_entry(&signed.actor, id).await?;
    let history = state.store.ledger_history(&signed.actor, id).await?;
    let changed_after_approval = match entry.application_id {
        Some(app) => {
            state
                .store
                .review(&signed.actor, &state.catalog, app)
                .await?
                .changed_since_pinned
        }
        None => false,
    };
    Ok(Json(LedgerDetail {
        changed_after_approval,
        entry: ledger_body(entry),
        history: history
            .into_iter()
            .map(|v| LedgerVersionBody {
                version: v.version,
                kind: v.kind.as_str().to_owned(),
                application_id: v.application_id,
                fields: serde_json::to_value(&v.fields).unwrap_or_default(),
                comment: v.comment,
                recorded_by: v.recorded_by,
                recorded_at: time_text(v.recorded_at),
            })
            .collect(),
    }))
}

/// Extends an entry's period (延長).
#[utoipa::path(post, path = "/api/v1/ledger/{id}/extend", tag = "ledger", params(("id" = i64, Path)),
    request_body = ExtendBody, responses((status = 200, body = LedgerBody), (status = 409, body = ErrorBody)))]
pub async fn extend(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ExtendBody>,
) -> Result<Json<LedgerBody>, ApiError> {
    let e = state
        .store
        .extend_ledger(&signed.actor, id, b.version, date(&b.new_end)?, &b.comment)
        .await?;
    Ok(Json(ledger_body(e)))
}

/// Changes an entry's fields (変更).
#[utoipa::path(post, path = "/api/v1/ledger/{id}/change", tag = "ledger", params(("id" = i64, Path)),
    request_body = ChangeBody, responses((status = 200, body = LedgerBody), (status = 409, body = ErrorBody)))]
pub async fn change(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<ChangeBody>,
) -> Result<Json<LedgerBody>, ApiError> {
    let fields = serde_json::from_value(b.fields)
        .map_err(|e| AppError::BadRequest(format!("fields が正しくありません（{e}）")))?;
    let e = state
        .store
        .change_ledger(&signed.actor, id, b.version, fields, &b.comment)
        .await?;
    Ok(Json(ledger_body(e)))
}

/// Abolishes an entry (廃止).
#[utoipa::path(post, path = "/api/v1/ledger/{id}/abolish", tag = "ledger", params(("id" = i64, Path)),
    request_body = AbolishBody, responses((status = 200, body = LedgerBody), (status = 409, body = ErrorBody)))]
pub async fn abolish(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    ApiJson(b): ApiJson<AbolishBody>,
) -> Result<Json<LedgerBody>, ApiError> {
    let e = state
        .store
        .abolish_ledger(&signed.actor, id, b.version, date(&b.on)?, &b.comment)
        .await?;
    Ok(Json(ledger_body(e)))
}

/// The audit trail, newest first, filtered by who acted, what was done and dates in Japan.
#[utoipa::path(get, path = "/api/v1/audit", tag = "audit", params(AuditFilters), responses((status = 200, body = AuditPage)))]
pub async fn audit(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(f): Query<AuditFilters>,
) -> Result<Json<AuditPage>, ApiError> {
    let query = sentei_store::AuditQuery {
        actor: nonempty(f.actor),
        action: nonempty(f.action),
        from: nonempty(f.from).as_deref().map(date).transpose()?,
        to: nonempty(f.to).as_deref().map(date).transpose()?,
        page: f.page,
        page_size: f.page_size,
    };
    let page = state.store.audit_search(&signed.actor, &query).await?;
    Ok(Json(AuditPage {
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page
            .items
            .into_iter()
            .map(|r| AuditRecordBody {
                seq: r.seq,
                at: time_text(r.at),
                actor: r.actor,
                action: r.action,
                object: r.object,
                digest: r.digest,
                hash: r.hash,
                summary: r.summary,
            })
            .collect(),
    }))
}

/// Recomputes the organization's audit chain.
#[utoipa::path(get, path = "/api/v1/audit/verify", tag = "audit", responses((status = 200, body = Verification)))]
pub async fn verify(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<Verification>, ApiError> {
    // Verification reads the trail, so it needs what reading the trail needs.
    state.store.audit_page(&signed.actor, 1, 1).await?;
    let orgs = state.store.organizations().await?;
    let code = orgs
        .iter()
        .find(|o| o.id == signed.actor.org_id())
        .map(|o| o.code.clone())
        .unwrap_or_default();
    let result = state.store.verify_audit(Some(&code)).await?;
    let Some(result) = result.into_iter().next() else {
        return Err(ApiError(AppError::NotFound(
            "組織が見つかりません".to_owned(),
        )));
    };
    // The chain, the published heads and the rows (issue 12, finding 15).
    let problems = result.problems();
    let problem = (!problems.is_empty()).then(|| problems.join("\n"));
    Ok(Json(match result.result {
        Ok(s) => Verification {
            ok: problem.is_none(),
            records: Some(s.count),
            head: Some(s.head),
            problem,
        },
        Err(_) => Verification {
            ok: false,
            records: None,
            head: None,
            problem,
        },
    }))
}

/// Counts for a dashboard and the applications waiting for the caller.
#[utoipa::path(get, path = "/api/v1/dashboard", tag = "dashboard", responses((status = 200, body = Dashboard)))]
pub async fn dashboard(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<Dashboard>, ApiError> {
    let actor = &signed.actor;
    let store = &state.store;
    let applications: serde_json::Map<String, serde_json::Value> = store
        .application_counts(actor)
        .await?
        .into_iter()
        .map(|(s, n)| (s.as_str().to_owned(), n.into()))
        .collect();
    let verdicts: serde_json::Map<String, serde_json::Value> = store
        .verdict_counts(actor)
        .await?
        .into_iter()
        .map(|(v, n)| (if v.is_empty() { "none".to_owned() } else { v }, n.into()))
        .collect();
    let expiring = |days| LedgerQuery {
        expiring_within: Some(days),
        today: Some(layout::today()),
        page_size: 1,
        ..Default::default()
    };
    Ok(Json(Dashboard {
        applications: applications.into(),
        verdicts: verdicts.into(),
        expiring_30: store.ledger(actor, &expiring(30)).await?.total,
        expiring_90: store.ledger(actor, &expiring(90)).await?.total,
        expired: store.ledger_expired_count(actor, layout::today()).await?,
        waiting_for_me: store
            .waiting_for(actor)
            .await?
            .into_iter()
            .map(application_body)
            .collect(),
    }))
}
