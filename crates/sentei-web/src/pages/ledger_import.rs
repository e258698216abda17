//! Reading in a ledger kept before sentei, from the ledger page: upload a CSV or Excel file,
//! see how its columns were read, what would be registered, what is already in the ledger and
//! every row that cannot be read, then register it all at once.
//!
//! The upload changes nothing in the ledger. The rows the preview shows are kept on the server,
//! bound to the person who uploaded them, with the file's name and SHA-256; the page's form
//! carries only the preview's id, and registering takes the rows from the server, once, in one
//! transaction, skipping those already in the ledger (issue 12, finding 10: the form used to
//! carry the rows, the file name and the places, so whatever it sent back was recorded).

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::ledger::ImportedEntry;
use sentei_exchange::ledger_import::{self, LedgerFile};
use sentei_store::ImportSource;
use serde::Deserialize;

use crate::auth::Signed;
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::layout::Layout;
use crate::state::AppState;

/// Largest apply form: the CSRF token and the preview's id.
pub const MAX_APPLY_BYTES: usize = 4 * 1024;

/// One row as the preview lists it.
struct Row {
    place: String,
    service: String,
    provider: String,
    classification: String,
    period: String,
    applicant: String,
    scope: String,
    abolished: bool,
    /// The entry already in the ledger.
    existing: Option<i64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "ledger_import.html")]
pub struct ImportPage {
    layout: Layout,
    file: String,
    /// File-level problems: nothing could be read.
    refused: Vec<String>,
    columns: Vec<(String, String, String)>,
    create: Vec<Row>,
    existing: Vec<Row>,
    problems: Vec<String>,
    /// The SHA-256 of the file read.
    digest: String,
    /// The id of the preview kept on the server; empty when nothing can be applied.
    preview: String,
}

impl ImportPage {
    fn empty(signed: &Signed) -> ImportPage {
        ImportPage {
            layout: Layout::new("既存の台帳の取り込み", Some(signed), "/ledger"),
            file: String::new(),
            refused: Vec::new(),
            columns: Vec::new(),
            create: Vec::new(),
            existing: Vec::new(),
            problems: Vec::new(),
            digest: String::new(),
            preview: String::new(),
        }
    }
}

/// The upload form.
pub async fn form(Extension(signed): Extension<Signed>) -> ImportPage {
    ImportPage::empty(&signed)
}

/// A ledger file uploaded: what it holds and what registering it would do; nothing is saved.
pub async fn upload(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let (file, bytes) = ledger_field(&mut multipart).await?;
    let (source, read) = crate::uploads::read(&state, move || {
        let source = ImportSource::of(&file, &bytes);
        let read = ledger_import::read(source.name(), &bytes);
        (source, read)
    })
    .await?;
    let mut page = ImportPage::empty(&signed);
    page.file = source.name().to_owned();
    page.digest = source.digest().to_owned();
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            page.refused = error.problems.iter().map(ToString::to_string).collect();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
        }
    };
    page.columns = columns(&read);
    page.problems = read.problems.iter().map(ToString::to_string).collect();
    if read.rows.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response());
    }
    let plan = state
        .store
        .plan_ledger_import(&signed.actor, &read.rows)
        .await?;
    page.create = plan
        .create
        .iter()
        .map(|i| row(&read.rows[*i], None))
        .collect();
    page.existing = plan
        .existing
        .iter()
        .map(|(i, id)| row(&read.rows[*i], Some(*id)))
        .collect();
    if page.problems.is_empty() && !plan.create.is_empty() {
        let rows: Vec<ImportedEntry> = plan.create.iter().map(|i| read.rows[*i].clone()).collect();
        let kept = state
            .store
            .keep_ledger_import_preview(&signed.actor, &source, &rows)
            .await?;
        page.preview = kept.token;
    }
    let status = if page.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, page).into_response())
}

#[derive(Deserialize)]
pub struct ApplyForm {
    preview: String,
}

/// Registers the rows the preview showed, as kept on the server, all or nothing.
pub async fn apply(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    PageForm(form): PageForm<ApplyForm>,
) -> Result<Response, PageError> {
    state
        .store
        .apply_ledger_import_preview(&signed.actor, &form.preview)
        .await?;
    Ok(Redirect::to("/ledger?done=imported").into_response())
}

fn columns(read: &LedgerFile) -> Vec<(String, String, String)> {
    read.columns
        .iter()
        .map(|c| {
            let meaning = match c.read_as {
                Ok(field) => field.to_owned(),
                Err(why) => format!("読み込みません（{why}）"),
            };
            (c.place.clone(), c.heading.clone(), meaning)
        })
        .collect()
}

fn row(entry: &ImportedEntry, existing: Option<i64>) -> Row {
    let f = &entry.fields;
    Row {
        place: entry.place.clone(),
        service: f.service_name.clone(),
        provider: f.provider.clone(),
        classification: f.classification.clone(),
        period: format!("{} 〜 {}", f.period_start, f.period_end),
        applicant: format!("{} {}", f.applicant_department, f.applicant_name),
        scope: f.user_scope.clone(),
        abolished: entry.abolished,
        existing,
    }
}

/// The uploaded file of the form's `ledger` field, with its name.
async fn ledger_field(multipart: &mut Multipart) -> Result<(String, Vec<u8>), AppError> {
    super::uploaded_file(
        multipart,
        "ledger",
        "台帳",
        "台帳のファイル（CSV か .xlsx）を選んでから送信してください",
        ("台帳のファイル", ledger_import::MAX_FILE_BYTES),
    )
    .await
}
