//! The JSON API under `/api/v1`, for programs. Signed in with a Bearer token (made on the
//! account page); every route calls the same store functions as the pages.

pub mod admin;
pub mod evidence;
pub mod exchange;
pub mod ledger_import;
pub mod notifications;
pub mod people;
pub mod records;
pub mod registry;
pub mod types;
pub mod workflow;

use axum::Json;
use sentei_core::judgement::Role;
use sentei_store::ApplicationView;
use utoipa::OpenApi;
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};

use crate::error::AppError;
use types::ApplicationBody;

#[derive(OpenApi)]
#[openapi(
    info(title = "sentei API", description = "外部サービスの選定・利用申請・利用台帳の API。Authorization: Bearer <トークン> で呼び出します。"),
    paths(
        registry::me, registry::profiles, registry::profile, registry::judge_document,
        registry::services, registry::create_service, registry::service, registry::create_assessment,
        registry::assessment, registry::save_assessment,
        workflow::applications, workflow::create, workflow::application, workflow::changes, workflow::act, workflow::accept,
        records::ledger, records::entry, records::extend, records::change, records::abolish,
        ledger_import::import,
        records::audit, records::verify, records::dashboard,
        admin::users, admin::create_user, admin::tokens, admin::revoke_token,
        people::edit, people::set_role, people::deactivate, people::activate, people::import,
        people::organization, people::rename_organization,
        exchange::sheet_download, exchange::sheet_upload,
        exchange::vendor_links, exchange::create_vendor_link, exchange::revoke_vendor_link,
        exchange::report,
        evidence::list, evidence::attach, evidence::fetch, evidence::remove,
        notifications::list, notifications::read, notifications::read_all,
        notifications::mail, notifications::set_mail,
        openapi,
    ),
    modifiers(&BearerAuth),
    security(("bearer" = [])),
)]
pub struct ApiDoc;

struct BearerAuth;

impl utoipa::Modify for BearerAuth {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// This document.
#[utoipa::path(get, path = "/api/v1/openapi.json", tag = "api", security(()), responses((status = 200, description = "OpenAPI 3")))]
pub async fn openapi() -> Json<utoipa::openapi::OpenApi> {
    Json(ApiDoc::openapi())
}

/// A file sent as the whole request body: refused when larger than the route allows (`max`
/// bytes) or empty; `what` names it in the messages (チェックシート, 台帳のファイル).
pub fn file_body(
    body: Result<axum::body::Bytes, axum::extract::rejection::BytesRejection>,
    what: &str,
    max: usize,
) -> Result<axum::body::Bytes, AppError> {
    let bytes = body.map_err(|rejection| {
        if rejection.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            AppError::too_large(what, max)
        } else {
            tracing::info!(
                request_id = crate::guard::request_id().unwrap_or_default(),
                detail = %rejection.body_text(),
                "an uploaded body could not be read"
            );
            AppError::BadRequest(
                "送信されたファイルを読めません。通信が途中で切れた可能性があります。もう一度送ってください"
                    .to_owned(),
            )
        }
    })?;
    if bytes.is_empty() {
        return Err(AppError::BadRequest(format!(
            "本文が空です。{what}を本文として送ってください"
        )));
    }
    Ok(bytes)
}

pub fn application_body(a: ApplicationView) -> ApplicationBody {
    ApplicationBody {
        id: a.id,
        service_id: a.service_id,
        assessment_id: a.assessment_id,
        applicant_id: a.applicant_id,
        department: a.department,
        purpose: a.purpose,
        user_scope: a.user_scope,
        period_start: a.period_start.to_string(),
        period_end: a.period_end.to_string(),
        status: a.status.as_str().to_owned(),
        version: a.version,
        kind: a.kind.as_str().to_owned(),
        ledger_entry_id: a.ledger_entry_id,
        pinned_assessment_version: a.pinned.map(|p| p.assessment_version),
    }
}

pub fn date(text: &str) -> Result<time::Date, AppError> {
    time::Date::parse(text, &time::format_description::well_known::Iso8601::DATE)
        .map_err(|_| AppError::BadRequest(format!("日付 {text} は YYYY-MM-DD で書いてください")))
}

pub fn nonempty(value: Option<String>) -> Option<String> {
    value.map(|v| v.trim().to_owned()).filter(|v| !v.is_empty())
}

pub fn role_name(role: Role) -> &'static str {
    match role {
        Role::Approver => "approver",
        Role::Ciso => "ciso",
    }
}

/// RFC 3339 in UTC.
pub fn time_text(at: time::OffsetDateTime) -> String {
    at.format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default()
}
