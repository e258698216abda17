//! The signed-in user's notifications and mail settings through the API.

use axum::extract::{Path, Query, State};
use axum::{Extension, Json};
use sentei_core::notify::MailMode;

use super::time_text;
use super::types::*;
use crate::auth::Signed;
use crate::error::{ApiError, AppError};
use crate::extract::ApiJson;
use crate::state::AppState;

/// The signed-in user's notifications, newest first, with the unread count.
#[utoipa::path(get, path = "/api/v1/notifications", tag = "notifications",
    params(NotificationParams),
    responses((status = 200, body = NotificationList)))]
pub async fn list(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(params): Query<NotificationParams>,
) -> Result<Json<NotificationList>, ApiError> {
    let page = state
        .store
        .notifications(
            &signed.actor,
            params.unread.unwrap_or(false),
            params.page.unwrap_or(1),
            params.page_size.unwrap_or(0),
        )
        .await?;
    Ok(Json(NotificationList {
        unread: state.store.unread_notifications(&signed.actor).await?,
        total: page.total,
        page: page.page,
        page_size: page.page_size,
        items: page
            .items
            .into_iter()
            .map(|n| NotificationBody {
                id: n.id,
                kind: n.kind.as_str().to_owned(),
                title: n.title,
                body: n.body,
                link: n.link,
                created_at: time_text(n.created_at),
                read: n.read,
            })
            .collect(),
    }))
}

/// Marks one notification read.
#[utoipa::path(post, path = "/api/v1/notifications/{id}/read", tag = "notifications",
    params(("id" = i64, Path)),
    responses((status = 200, body = MarkedRead), (status = 404, body = ErrorBody)))]
pub async fn read(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Json<MarkedRead>, ApiError> {
    let (marked, _) = state.store.mark_read(&signed.actor, Some(id)).await?;
    Ok(Json(MarkedRead { marked }))
}

/// Marks every notification read.
#[utoipa::path(post, path = "/api/v1/notifications/read-all", tag = "notifications",
    responses((status = 200, body = MarkedRead)))]
pub async fn read_all(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<MarkedRead>, ApiError> {
    let (marked, _) = state.store.mark_read(&signed.actor, None).await?;
    Ok(Json(MarkedRead { marked }))
}

/// How the signed-in user is told by mail.
#[utoipa::path(get, path = "/api/v1/me/mail", tag = "notifications",
    responses((status = 200, body = MailSettingsBody)))]
pub async fn mail(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
) -> Result<Json<MailSettingsBody>, ApiError> {
    let settings = state.store.mail_settings(&signed.actor).await?;
    Ok(Json(MailSettingsBody {
        email: settings.email,
        mode: settings.mode.as_str().to_owned(),
    }))
}

/// Sets how the signed-in user is told by mail.
#[utoipa::path(put, path = "/api/v1/me/mail", tag = "notifications",
    request_body = MailSettingsBody,
    responses((status = 200, body = MailSettingsBody), (status = 422, body = ErrorBody)))]
pub async fn set_mail(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    ApiJson(body): ApiJson<MailSettingsBody>,
) -> Result<Json<MailSettingsBody>, ApiError> {
    let mode = MailMode::parse(&body.mode).ok_or_else(|| {
        AppError::Refused("mode は each・digest・off のどれかにしてください".to_owned())
    })?;
    let settings = state
        .store
        .set_mail_settings(&signed.actor, &body.email, mode)
        .await?;
    Ok(Json(MailSettingsBody {
        email: settings.email,
        mode: settings.mode.as_str().to_owned(),
    }))
}
