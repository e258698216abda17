//! The ledger (外部サービス利用台帳): filtered list (the expired first in expiry views), CSV and
//! Excel downloads. An entry's page is `ledger_entry.rs`.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};

use sentei_core::access::Capability;
use sentei_core::facts::CLASSIFICATIONS;
use sentei_store::{LedgerOrder, LedgerQuery, MAX_PAGE_SIZE};
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::layout::{self, Layout};
use crate::pages::{Pager, nonempty, options, query_string};
use crate::state::AppState;

#[derive(Debug, Default, Deserialize)]
pub struct Filters {
    #[serde(default)]
    search: String,
    classification: Option<String>,
    expiring: Option<String>,
    abolished: Option<String>,
    /// Only this applicant's department.
    department: Option<String>,
    /// The column to order by (`service`, `period`, …) and `desc` for largest first.
    sort: Option<String>,
    dir: Option<String>,
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
            expired_only: self.expiring.as_deref() == Some("expired"),
            department: nonempty(&self.department),
            order: self.sort.as_deref().and_then(LedgerOrder::parse),
            descending: self.dir.as_deref() == Some("desc"),
            today: Some(layout::today()),
            page: self.page,
            page_size,
        }
    }

    /// The filters (without the order), for downloads and for the headings' sort links.
    fn filter_string(&self) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        query_string(&[
            ("search", &self.search),
            ("classification", &text(&self.classification)),
            ("expiring", &text(&self.expiring)),
            ("abolished", &text(&self.abolished)),
            ("department", &text(&self.department)),
        ])
    }

    /// The filters and the order, for the pager and for downloads in the order shown.
    fn query_string(&self) -> String {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let filters = self.filter_string();
        let order = query_string(&[("sort", &text(&self.sort)), ("dir", &text(&self.dir))]);
        [filters, order]
            .into_iter()
            .filter(|p| !p.is_empty())
            .collect::<Vec<_>>()
            .join("&")
    }

    /// A column heading that sorts by it: the link, and the mark of the current order.
    fn heading(&self, order: LedgerOrder, label: &'static str) -> Heading {
        let current = self.sort.as_deref().and_then(LedgerOrder::parse) == Some(order);
        let descending = current && self.dir.as_deref() == Some("desc");
        let next = if current && !descending {
            "desc"
        } else {
            "asc"
        };
        let filters = self.filter_string();
        let sort = query_string(&[("sort", order.name()), ("dir", next)]);
        let href = if filters.is_empty() {
            format!("/ledger?{sort}")
        } else {
            format!("/ledger?{filters}&{sort}")
        };
        Heading {
            label,
            href,
            sorted: match (current, descending) {
                (false, _) => "none",
                (true, false) => "ascending",
                (true, true) => "descending",
            },
        }
    }
}

/// A sortable column heading.
struct Heading {
    label: &'static str,
    href: String,
    /// `aria-sort`: `none`, `ascending` or `descending`.
    sorted: &'static str,
}

struct Row {
    id: i64,
    service: String,
    provider: String,
    purpose: String,
    classification: String,
    start: String,
    end: String,
    department: String,
    applicant: String,
    scope: String,
    status: &'static str,
    /// The status's style: `expired`, `abolished` or `active`.
    state: &'static str,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger.html")]
pub struct ListPage {
    layout: Layout,
    search: String,
    expiring: String,
    abolished: bool,
    classifications: Vec<(String, String, bool)>,
    departments: Vec<(String, String, bool)>,
    headings: Vec<Heading>,
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
    let query = filters.query(50);
    let (page, departments) = tokio::try_join!(
        state.store.ledger(&signed.actor, &query),
        state.store.ledger_departments(&signed.actor),
    )?;
    let filter_query = filters.query_string();
    let today = layout::today();
    Ok(ListPage {
        layout: Layout::new("外部サービス利用台帳", Some(&signed), "/ledger")
            .with_notice(filters.done.as_deref()),
        can_import: signed.actor.can(Capability::KeepLedger),
        classifications: options(
            CLASSIFICATIONS.iter().map(|c| (c.label, c.label)),
            filters.classification.as_deref().unwrap_or(""),
        ),
        departments: options(
            departments.iter().map(|d| (d.as_str(), d.as_str())),
            filters.department.as_deref().unwrap_or(""),
        ),
        headings: vec![
            filters.heading(LedgerOrder::Number, "番号"),
            filters.heading(LedgerOrder::Service, "(ア) サービス"),
            filters.heading(LedgerOrder::Provider, "(イ) 提供者"),
            filters.heading(LedgerOrder::Classification, "(エ) 格付"),
            filters.heading(LedgerOrder::PeriodEnd, "(オ) 利用期間"),
            filters.heading(LedgerOrder::Department, "(カ) 申請者"),
        ],
        rows: page
            .items
            .iter()
            .map(|e| Row {
                id: e.id,
                service: e.fields.service_name.clone(),
                provider: e.fields.provider.clone(),
                purpose: e.fields.purpose.clone(),
                classification: e.fields.classification.clone(),
                start: layout::date(e.fields.period_start),
                end: layout::date(e.fields.period_end),
                department: e.fields.applicant_department.clone(),
                applicant: e.fields.applicant_name.clone(),
                scope: e.fields.user_scope.clone(),
                status: e.state_label(today),
                state: if e.abolished {
                    "abolished"
                } else if e.is_expired(today) {
                    "expired"
                } else {
                    "active"
                },
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
    let bytes = sentei_exchange::ledger_xlsx::write(&entries, layout::today(), &state.catalog)
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
    let body = sentei_exchange::ledger_csv::write(&entries, layout::today(), &state.catalog)
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
