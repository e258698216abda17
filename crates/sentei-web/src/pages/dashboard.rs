//! The home page: what needs attention, counts, and approvals over time.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Query, State};
use sentei_core::judgement::Verdict;
use sentei_store::LedgerQuery;

use crate::auth::Signed;
use crate::chart;
use crate::error::PageError;
use crate::layout::{self, Layout, verdict_label};
use crate::pages::{Done, ServiceNames};
use crate::state::AppState;

#[derive(Template, WebTemplate)]
#[template(path = "dashboard.html")]
pub struct Dashboard {
    layout: Layout,
    expired: u64,
    expiring_30: u64,
    expiring_90: u64,
    waiting: Vec<WaitingRow>,
    statuses: Vec<(&'static str, &'static str, u64)>,
    verdicts: Vec<(&'static str, &'static str, u64)>,
    chart: String,
    months: Vec<(String, u64)>,
}

struct WaitingRow {
    id: i64,
    service: String,
    status: &'static str,
    department: String,
    updated: String,
}

pub async fn show(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(done): Query<Done>,
) -> Result<Dashboard, PageError> {
    let store = &state.store;
    let actor = &signed.actor;
    let expiring = |days| LedgerQuery {
        expiring_within: Some(days),
        today: Some(layout::today()),
        page_size: 1,
        ..LedgerQuery::default()
    };
    let expiring_30 = store.ledger(actor, &expiring(30)).await?.total;
    let expiring_90 = store.ledger(actor, &expiring(90)).await?.total;
    let expired = store.ledger_expired_count(actor, layout::today()).await?;
    let waiting = store.waiting_for(actor).await?;
    let names = ServiceNames::load(&state, actor, waiting.iter().map(|a| a.service_id)).await?;
    let waiting = waiting
        .into_iter()
        .map(|a| WaitingRow {
            id: a.id,
            service: names.get(a.service_id),
            status: a.status.label(),
            department: a.department,
            updated: layout::time(a.updated_at),
        })
        .collect();
    let statuses = store
        .application_counts(actor)
        .await?
        .into_iter()
        .map(|(status, n)| (status.as_str(), status.label(), n))
        .collect();
    let counted = store.verdict_counts(actor).await?;
    let verdicts = [
        Verdict::Approvable,
        Verdict::Conditional,
        Verdict::Incomplete,
        Verdict::NotApprovable,
        Verdict::Prohibited,
    ]
    .into_iter()
    .map(|v| {
        let n = counted
            .iter()
            .find(|(name, _)| name == v.as_str())
            .map_or(0, |(_, n)| *n);
        (v.as_str(), verdict_label(v.as_str()), n)
    })
    .collect();
    let since = layout::today() - time::Duration::days(334);
    let months: Vec<(String, u64)> = store
        .approvals_per_month(actor, since)
        .await?
        .into_iter()
        .map(|(y, m, n)| (format!("{y}-{m:02}"), n))
        .collect();
    Ok(Dashboard {
        layout: Layout::new("ホーム", Some(&signed), "/").with_notice(done.done.as_deref()),
        expired,
        expiring_30,
        expiring_90,
        waiting,
        statuses,
        verdicts,
        chart: chart::approvals(&months),
        months,
    })
}
