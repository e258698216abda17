//! The HTML pages, one module per area. Each handler reads, asks the store (which asks the
//! core rules), and renders a template; none decides a rule itself.

pub mod account;
pub mod application_view;
pub mod applications;
mod assessment_form;
pub mod assessments;
pub mod audit;
pub mod confirm;
pub mod dashboard;
pub mod evidence;
pub mod ledger;
pub mod ledger_entry;
pub mod ledger_import;
pub mod login;
pub mod notifications;
pub mod profiles;
pub mod report;
pub mod services;
pub mod sheets;
pub mod user;
pub mod user_import;
pub mod users;
pub mod vendor;

use std::collections::HashMap;

use sentei_store::{Actor, Page};
use serde::Deserialize;

use crate::error::AppError;
use crate::state::AppState;

/// What an upload form adds around its file: the route's body limit is the file's and this.
pub const FORM_MARGIN: usize = 64 * 1024;

/// A multipart form that could not be read: too large for its route (`what` is the file,
/// `max` its limit, as the API names them), or cut off; the detail goes to the log.
pub(crate) fn unreadable_upload(
    what: &str,
    max: usize,
) -> impl Fn(axum::extract::multipart::MultipartError) -> AppError + Copy + '_ {
    move |e| {
        if e.status() == axum::http::StatusCode::PAYLOAD_TOO_LARGE {
            return AppError::too_large(what, max);
        }
        tracing::info!(
            request_id = crate::guard::request_id().unwrap_or_default(),
            detail = %e,
            "an upload form could not be read"
        );
        AppError::BadRequest(
            "送信されたファイルを読めません。通信が途中で切れた可能性があります。もう一度送ってください"
                .to_owned(),
        )
    }
}

/// The file sent in a multipart form's `field`, with its name (`unnamed` when the browser gave
/// none); `missing` is the message when no file was chosen; `what` and `max` name the file
/// and its limit when it is too large.
pub(crate) async fn uploaded_file(
    multipart: &mut axum::extract::Multipart,
    field: &str,
    unnamed: &str,
    missing: &str,
    (what, max): (&str, usize),
) -> Result<(String, Vec<u8>), AppError> {
    let unreadable = unreadable_upload(what, max);
    while let Some(part) = multipart.next_field().await.map_err(unreadable)? {
        if part.name() != Some(field) {
            continue;
        }
        let name = part
            .file_name()
            .map_or_else(|| unnamed.to_owned(), str::to_owned);
        let bytes = part.bytes().await.map_err(unreadable)?;
        if bytes.is_empty() {
            break;
        }
        // The route reads the form around the file too; the file itself has the API's limit.
        if bytes.len() > max {
            return Err(AppError::too_large(what, max));
        }
        return Ok((name, bytes.to_vec()));
    }
    Err(AppError::BadRequest(missing.to_owned()))
}

/// A stored assessment read again under its profile, for pages that judge or export it.
pub(crate) fn read_stored<'s>(
    state: &'s AppState,
    stored: &sentei_store::StoredAssessment,
) -> Result<(&'s sentei_core::Profile, sentei_core::Assessment), AppError> {
    let profile = state.catalog.get(&stored.profile_id).ok_or_else(|| {
        AppError::NotFound(format!("基準 {} が見つかりません", stored.profile_id))
    })?;
    let assessment = state
        .catalog
        .parse_assessment(&stored.document.to_string())
        .map_err(|_| {
            AppError::Refused(
                "保存されている評価が現在の基準に合いません。評価の画面で確かめてください"
                    .to_owned(),
            )
        })?;
    Ok((profile, assessment))
}

/// The `done=` code pages show a notice for, after an action redirected to them.
#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// Service names by id, loaded at once for a list.
pub struct ServiceNames(HashMap<i64, String>);

impl ServiceNames {
    pub async fn load(
        state: &AppState,
        actor: &Actor,
        ids: impl Iterator<Item = i64>,
    ) -> Result<ServiceNames, AppError> {
        let ids: Vec<i64> = ids.collect();
        let services = state.store.services_by_id(actor, &ids).await?;
        Ok(ServiceNames(
            services.into_iter().map(|s| (s.id, s.name)).collect(),
        ))
    }

    pub fn get(&self, id: i64) -> String {
        self.0
            .get(&id)
            .cloned()
            .unwrap_or_else(|| format!("サービス {id}"))
    }
}

/// Links to the previous and next pages of a list, keeping its filters.
pub struct Pager {
    pub page: u64,
    pub pages: u64,
    pub total: u64,
    pub prev: Option<String>,
    pub next: Option<String>,
}

impl Pager {
    /// `query` is the list's filters as a query string without `page`.
    pub fn of<T>(page: &Page<T>, base: &str, query: &str) -> Pager {
        let pages = page.total.div_ceil(page.page_size.max(1)).max(1);
        let link = |n: u64| {
            let sep = if query.is_empty() { "" } else { "&" };
            format!("{base}?{query}{sep}page={n}")
        };
        Pager {
            page: page.page,
            pages,
            total: page.total,
            prev: (page.page > 1).then(|| link(page.page - 1)),
            next: (page.page < pages).then(|| link(page.page + 1)),
        }
    }
}

/// A query string from pairs, leaving out empty values.
pub fn query_string(pairs: &[(&str, &str)]) -> String {
    pairs
        .iter()
        .filter(|(_, v)| !v.is_empty())
        .map(|(k, v)| format!("{k}={}", crate::auth::encode_query(v)))
        .collect::<Vec<_>>()
        .join("&")
}

/// The pairs of a URL-encoded form body, repeated keys kept (checkbox groups).
pub fn form_pairs(body: &str) -> Result<Vec<(String, String)>, crate::error::AppError> {
    crate::extract::bounded_fields(body.as_bytes())?;
    Ok(body
        .split('&')
        .filter(|p| !p.is_empty())
        .filter_map(|pair| {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            Some((
                crate::auth::form_value(&format!("k={key}"), "k")?,
                crate::auth::form_value(&format!("v={value}"), "v")?,
            ))
        })
        .collect())
}

/// An empty string as None, for optional filters.
pub fn nonempty(value: &Option<String>) -> Option<String> {
    value
        .as_ref()
        .map(|v| v.trim().to_owned())
        .filter(|v| !v.is_empty())
}

/// Options of a select: (value, label, selected).
pub fn options<'a>(
    choices: impl IntoIterator<Item = (&'a str, &'a str)>,
    current: &str,
) -> Vec<(String, String, bool)> {
    choices
        .into_iter()
        .map(|(value, label)| (value.to_owned(), label.to_owned(), value == current))
        .collect()
}
