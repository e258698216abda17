//! The signed-in user's notifications (お知らせ): what waits for them, what was answered or
//! decided, and the ledger entries of their department nearing or past their end; read marks;
//! and how they want them by mail. The unread count in every page's header comes from
//! [`count`], a layer on the page routes.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Path, Query, Request, State};
use axum::http::StatusCode;
use axum::middleware::Next;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::notify::MailMode;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::PageError;
use crate::extract::PageForm;
use crate::layout::{self, Layout};
use crate::pages::{Pager, query_string};
use crate::state::AppState;

/// Counts the signed-in user's unread notifications for the page header. A failure to count
/// leaves the header without a number rather than failing the page.
/// The page then runs knowing its user, so that its error pages show the same header.
pub async fn count(State(state): State<AppState>, mut request: Request, next: Next) -> Response {
    if let Some(signed) = request.extensions_mut().get_mut::<Signed>() {
        match state.store.unread_notifications(&signed.actor).await {
            Ok(unread) => signed.unread = unread,
            Err(error) => tracing::warn!(%error, "unread notifications not counted"),
        }
    }
    let signed = request.extensions().get::<Signed>().cloned();
    crate::error::with_signed(signed, next.run(request)).await
}

pub struct Row {
    id: i64,
    group: &'static str,
    title: String,
    body: String,
    at: String,
    read: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "notifications.html")]
pub struct NotificationsPage {
    layout: Layout,
    unread_only: bool,
    unread: u64,
    rows: Vec<Row>,
    pager: Pager,
    email: String,
    modes: Vec<(&'static str, &'static str, bool)>,
    problem: Option<String>,
}

#[derive(Debug, Default, Deserialize)]
pub struct ListQuery {
    pub unread: Option<String>,
    pub page: Option<u64>,
    pub done: Option<String>,
}

async fn page(
    state: &AppState,
    signed: &Signed,
    query: &ListQuery,
    mail: Option<(String, MailMode)>,
    problem: Option<String>,
) -> Result<NotificationsPage, PageError> {
    let unread_only = query.unread.as_deref() == Some("1");
    let list = state
        .store
        .notifications(&signed.actor, unread_only, query.page.unwrap_or(1), 30)
        .await?;
    let unread = state.store.unread_notifications(&signed.actor).await?;
    let (email, mode) = match mail {
        Some(typed) => typed,
        None => {
            let settings = state.store.mail_settings(&signed.actor).await?;
            (settings.email, settings.mode)
        }
    };
    let pager = Pager::of(
        &list,
        "/notifications",
        &query_string(&[("unread", if unread_only { "1" } else { "" })]),
    );
    let mut signed = signed.clone();
    signed.unread = unread;
    Ok(NotificationsPage {
        layout: Layout::new("お知らせ", Some(&signed), "/notifications")
            .with_notice(query.done.as_deref()),
        unread_only,
        unread,
        rows: list
            .items
            .into_iter()
            .map(|n| Row {
                id: n.id,
                group: n.kind.group(),
                title: n.title,
                body: n.body,
                at: layout::time(n.created_at),
                read: n.read,
            })
            .collect(),
        pager,
        email,
        modes: MailMode::ALL
            .into_iter()
            .map(|m| (m.as_str(), m.label(), m == mode))
            .collect(),
        problem,
    })
}

pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(query): Query<ListQuery>,
) -> Result<NotificationsPage, PageError> {
    page(&state, &signed, &query, None, None).await
}

#[derive(Debug, Default, Deserialize)]
pub struct ReadForm {
    /// `1`: go to the page the notification is about.
    pub open: Option<String>,
}

/// Marks one notification read; opens its page when asked.
pub async fn read(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<ReadForm>,
) -> Result<Response, PageError> {
    let (_, link) = state.store.mark_read(&signed.actor, Some(id)).await?;
    let target = match (form.open.as_deref(), link) {
        // The link was written by sentei itself: always a path of this site.
        (Some("1"), Some(link)) if link.starts_with('/') && !link.starts_with("//") => link,
        _ => "/notifications?done=read".to_owned(),
    };
    Ok(Redirect::to(&target).into_response())
}

/// Marks every notification read.
pub async fn read_all(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Response, PageError> {
    state.store.mark_read(&signed.actor, None).await?;
    Ok(Redirect::to("/notifications?done=read").into_response())
}

#[derive(Debug, Deserialize)]
pub struct MailForm {
    pub email: String,
    pub mode: String,
}

/// Saves how the user wants notifications by mail; a refusal shows the page with what was
/// typed.
pub async fn save_mail(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<MailForm>,
) -> Result<Response, PageError> {
    let mode = MailMode::parse(&form.mode).unwrap_or_default();
    match state
        .store
        .set_mail_settings(&signed.actor, &form.email, mode)
        .await
    {
        Ok(_) => Ok(Redirect::to("/notifications?done=mail").into_response()),
        Err(sentei_store::StoreError::Rejected(message)) => {
            let page = page(
                &state,
                &signed,
                &ListQuery::default(),
                Some((form.email, mode)),
                Some(message),
            )
            .await?;
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(other) => Err(PageError(other.into())),
    }
}
