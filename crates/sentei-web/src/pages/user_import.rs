//! The April transfers from the users page: upload a users file (CSV or .xlsx), see whom it
//! adds and what it changes for whom, and every row that cannot be taken, then apply it all
//! at once.
//!
//! The upload changes nothing. The preview carries the rows it showed in a hidden field; the
//! store checks them again when they come back and applies them in one transaction, so a stale
//! preview changes nothing that was changed meanwhile without saying so.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use sentei_core::people::ImportedUser;
use sentei_exchange::users_file;
use sentei_store::UserImportPlan;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::layout::Layout;
use crate::pages::users::refusal;
use crate::state::AppState;

/// Largest apply form: the rows as JSON, URL-encoded (a Japanese character takes nine bytes).
pub const MAX_APPLY_BYTES: usize = 8 * 1024 * 1024;

struct Added {
    place: String,
    login: String,
    name: String,
    department: String,
    email: String,
    role: &'static str,
    active: bool,
    password: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "user_import.html")]
pub struct ImportPage {
    layout: Layout,
    file: String,
    applied: bool,
    added: Vec<Added>,
    changed: Vec<(String, String, Vec<String>)>,
    unchanged: usize,
    problems: Vec<String>,
    ended: (u64, u64),
    /// The rows to apply, as JSON for the apply form; empty when nothing can be applied.
    rows_json: String,
}

impl ImportPage {
    fn new(signed: &Signed, file: &str) -> ImportPage {
        ImportPage {
            layout: Layout::new("利用者の取り込み", Some(signed), "/users"),
            file: file.to_owned(),
            applied: false,
            added: Vec::new(),
            changed: Vec::new(),
            unchanged: 0,
            problems: Vec::new(),
            ended: (0, 0),
            rows_json: String::new(),
        }
    }

    fn show(mut self, plan: UserImportPlan) -> ImportPage {
        self.applied = plan.applied;
        self.added = plan
            .added
            .into_iter()
            .map(|a| Added {
                place: a.place,
                login: a.login,
                name: a.display_name,
                department: a.department,
                email: a.email,
                role: a.role.label(),
                active: a.active,
                password: a.password,
            })
            .collect();
        self.changed = plan
            .changed
            .into_iter()
            .map(|c| (c.place, c.login, c.changes))
            .collect();
        self.unchanged = plan.unchanged;
        self.problems.extend(
            plan.problems
                .into_iter()
                .map(|p| format!("{}: {}", p.place, p.message)),
        );
        self.ended = (plan.ended.sessions, plan.ended.tokens);
        self
    }

    fn respond(self) -> Response {
        let status = if self.problems.is_empty() {
            StatusCode::OK
        } else {
            StatusCode::UNPROCESSABLE_ENTITY
        };
        (status, self).into_response()
    }
}

/// A users file uploaded: what taking it in would do; nothing is changed.
pub async fn upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (file, bytes) = super::uploaded_file(
        &mut multipart,
        "users",
        "利用者",
        "利用者のファイル（CSV か .xlsx）を選んでから送信してください",
        ("利用者のファイル", users_file::MAX_FILE_BYTES),
    )
    .await?;
    let mut page = ImportPage::new(&signed, &file);
    let read = {
        let file = file.clone();
        crate::uploads::read(&state, move || users_file::read(&file, &bytes)).await?
    };
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            page.problems = error.problems.iter().map(ToString::to_string).collect();
            return Ok(page.respond());
        }
    };
    page.problems = read.problems.iter().map(ToString::to_string).collect();
    let plan = state
        .store
        .import_users(&signed.actor, &file, &read.rows, true)
        .await;
    let plan = match plan {
        Ok(plan) => plan,
        Err(error) => {
            page.problems.push(refusal(error)?);
            return Ok(page.respond());
        }
    };
    let clean = page.problems.is_empty() && plan.problems.is_empty();
    if clean && (!plan.added.is_empty() || !plan.changed.is_empty()) {
        page.rows_json = serde_json::to_string(&read.rows)
            .map_err(|e| AppError::Internal(format!("rows as JSON: {e}")))?;
    }
    Ok(page.show(plan).respond())
}

#[derive(Deserialize)]
pub struct ApplyForm {
    file: String,
    rows: String,
}

/// Applies the rows the preview showed, all or nothing; shows what was done, with the
/// initial passwords of the users added (this once).
pub async fn apply(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<ApplyForm>,
) -> Result<Response, PageError> {
    let rows: Vec<ImportedUser> = serde_json::from_str(&form.rows).map_err(|_| {
        AppError::BadRequest(
            "取り込む内容を読み取れませんでした。ファイルをもう一度読み込んでください".to_owned(),
        )
    })?;
    let page = ImportPage::new(&signed, &form.file);
    match state
        .store
        .import_users(&signed.actor, &form.file, &rows, false)
        .await
    {
        Ok(plan) => Ok(page.show(plan).respond()),
        Err(error) => {
            let mut page = page;
            page.problems.push(refusal(error)?);
            Ok(page.respond())
        }
    }
}
