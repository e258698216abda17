//! The ledger (外部サービス利用台帳): filtered list, CSV download, an entry with its history, and
//! the approver's extension, change and abolition.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Redirect, Response};

use crate::extract::PageForm;
use sentei_core::access::Capability;
use sentei_core::facts::CLASSIFICATIONS;
use sentei_store::{LedgerEntryView, LedgerQuery, MAX_PAGE_SIZE};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout, verdict_label};
use crate::pages::{Done, Pager, nonempty, options, query_string};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    search: String,
    classification: Option<String>,
    expiring: Option<String>,
    abolished: Option<String>,
    #[serde(default)]
    page: u64,
    /// `cp932` for Shift_JIS; UTF-8 with a byte-order mark otherwise.
    encoding: Option<String>,
    /// The action just done, for its notice.
    done: Option<String>,
}

impl Filters {
    fn query(&self, page_size: u64) -> LedgerQuery {
        LedgerQuery {
            search: self.search.clone(),
            classification: nonempty(&self.classification),
            include_abolished: self.abolished.is_some(),
            expiring_within: self.expiring.as_deref().and_then(|d| d.parse().ok()),
            today: Some(layout::today()),
            page: self.page,
            page_size,
        }
    }

    fn query_string(&self) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        query_string(&[
            ("search", &self.search),
            ("classification", &text(&self.classification)),
            ("expiring", &text(&self.expiring)),
            ("abolished", &text(&self.abolished)),
        ])
    }
}

struct Row {
    id: i64,
    service: String,
    provider: String,
    classification: String,
    period: String,
    applicant: String,
    scope: String,
    status: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger.html")]
pub struct ListPage {
    layout: Layout,
    search: String,
    expiring: String,
    abolished: bool,
    classifications: Vec<(String, String, bool)>,
    filter_query: String,
    rows: Vec<Row>,
    pager: Pager,
    can_import: bool,
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<ListPage, PageError> {
    let page = state
        .store
        .ledger(&signed.actor, &filters.query(50))
        .await?;
    let filter_query = filters.query_string();
    Ok(ListPage {
        layout: Layout::new("外部サービス利用台帳", Some(&signed), "/ledger")
            .with_notice(filters.done.as_deref()),
        can_import: signed.actor.can(Capability::KeepLedger),
        classifications: options(
            CLASSIFICATIONS.iter().map(|c| (c.label, c.label)),
            filters.classification.as_deref().unwrap_or(""),
        ),
        rows: page
            .items
            .iter()
            .map(|e| Row {
                id: e.id,
                service: e.fields.service_name.clone(),
                provider: e.fields.provider.clone(),
                classification: e.fields.classification.clone(),
                period: format!("{} 〜 {}", e.fields.period_start, e.fields.period_end),
                applicant: format!(
                    "{} {}",
                    e.fields.applicant_department, e.fields.applicant_name
                ),
                scope: e.fields.user_scope.clone(),
                status: if e.abolished { "廃止" } else { "利用中" },
            })
            .collect(),
        pager: Pager::of(&page, "/ledger", &filter_query),
        search: filters.search.clone(),
        expiring: filters.expiring.clone().unwrap_or_default(),
        abolished: filters.abolished.is_some(),
        filter_query,
    })
}

/// Every entry the filters select, in one read.
async fn all_entries(
    state: &AppState,
    signed: &Signed,
    filters: &Filters,
) -> Result<Vec<sentei_store::LedgerEntryView>, AppError> {
    Ok(state
        .store
        .ledger_export(&signed.actor, &filters.query(MAX_PAGE_SIZE))
        .await?)
}

/// The whole filtered ledger as an Excel workbook.
pub async fn xlsx(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let entries = all_entries(&state, &signed, &filters).await?;
    let bytes = sentei_exchange::ledger_xlsx::write(&entries)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let mut response = bytes.into_response();
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(super::sheets::XLSX),
    );
    let name = format!("attachment; filename=\"ledger-{}.xlsx\"", layout::today());
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

/// The whole filtered ledger as CSV (UTF-8 with BOM, or CP932 on request), for Excel.
pub async fn csv(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(filters): Query<Filters>,
) -> Result<Response, PageError> {
    let entries = all_entries(&state, &signed, &filters).await?;
    let body = sentei_exchange::ledger_csv::write(&entries)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    let cp932 = filters.encoding.as_deref() == Some("cp932");
    let mut response = if cp932 {
        sentei_exchange::ledger_csv::to_cp932(&body)
            .0
            .into_response()
    } else {
        body.into_response()
    };
    let headers = response.headers_mut();
    headers.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static(if cp932 {
            "text/csv; charset=shift_jis"
        } else {
            "text/csv; charset=utf-8"
        }),
    );
    let name = format!("attachment; filename=\"ledger-{}.csv\"", layout::today());
    if let Ok(value) = HeaderValue::from_str(&name) {
        headers.insert(header::CONTENT_DISPOSITION, value);
    }
    Ok(response)
}

struct VersionRow {
    version: i64,
    kind: &'static str,
    at: String,
    by: String,
    period: String,
    scope: String,
    comment: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger_entry.html")]
pub struct EntryPage {
    layout: Layout,
    entry: LedgerEntryView,
    period: String,
    profile: String,
    verdict: &'static str,
    history: Vec<VersionRow>,
    can_keep: bool,
    today: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    Query(done): Query<Done>,
) -> Result<EntryPage, PageError> {
    let actor = &signed.actor;
    let entry = state.store.ledger_entry(actor, id).await?;
    let history = state.store.ledger_history(actor, id).await?;
    let ids: Vec<i64> = history.iter().filter_map(|v| v.recorded_by).collect();
    let names = state.store.display_names(actor, &ids).await?;
    let imported = entry.profile_id.is_empty();
    let profile = match state.catalog.get(&entry.profile_id) {
        Some(p) => format!("{}（版 {}）", p.title, entry.profile_version),
        None if imported => {
            "既存の台帳から取り込んだ項目（sentei での評価はありません）".to_owned()
        }
        None => entry.profile_id.clone(),
    };
    Ok(EntryPage {
        layout: Layout::new(
            format!("台帳 {id}（{}）", entry.fields.service_name),
            Some(&signed),
            "/ledger",
        )
        .with_notice(done.done.as_deref()),
        period: format!(
            "{} 〜 {}",
            layout::date(entry.fields.period_start),
            layout::date(entry.fields.period_end)
        ),
        verdict: if imported {
            ""
        } else {
            verdict_label(&entry.verdict)
        },
        profile,
        history: history
            .iter()
            .map(|v| VersionRow {
                version: v.version,
                kind: v.kind.label(),
                at: layout::time(v.recorded_at),
                by: v
                    .recorded_by
                    .and_then(|u| names.get(&u).cloned())
                    .unwrap_or_default(),
                period: format!("{} 〜 {}", v.fields.period_start, v.fields.period_end),
                scope: v.fields.user_scope.clone(),
                comment: v.comment.clone(),
            })
            .collect(),
        can_keep: actor.can(Capability::KeepLedger),
        today: layout::today().to_string(),
        entry,
    })
}

fn date(text: &str) -> Result<time::Date, AppError> {
    time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| AppError::Refused("日付は 2026-04-01 の形で入力してください".to_owned()))
}

#[derive(Deserialize)]
pub struct ExtendForm {
    version: i64,
    new_end: String,
    #[serde(default)]
    comment: String,
}

pub async fn extend(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ExtendForm>,
) -> Result<Response, PageError> {
    state
        .store
        .extend_ledger(
            &signed.actor,
            id,
            form.version,
            date(&form.new_end)?,
            &form.comment,
        )
        .await?;
    Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response())
}

#[derive(Deserialize)]
pub struct ChangeForm {
    version: i64,
    purpose: String,
    user_scope: String,
    #[serde(default)]
    comment: String,
}

pub async fn change(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ChangeForm>,
) -> Result<Response, PageError> {
    let mut fields = state.store.ledger_entry(&signed.actor, id).await?.fields;
    fields.purpose = form.purpose.trim().to_owned();
    fields.user_scope = form.user_scope.trim().to_owned();
    state
        .store
        .change_ledger(&signed.actor, id, form.version, fields, &form.comment)
        .await?;
    Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response())
}

#[derive(Deserialize)]
pub struct AbolishForm {
    version: i64,
    on: String,
    #[serde(default)]
    comment: String,
}

pub async fn abolish(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<AbolishForm>,
) -> Result<Response, PageError> {
    state
        .store
        .abolish_ledger(
            &signed.actor,
            id,
            form.version,
            date(&form.on)?,
            &form.comment,
        )
        .await?;
    Ok(Redirect::to(&format!("/ledger/{id}?done=ledger")).into_response())
}
