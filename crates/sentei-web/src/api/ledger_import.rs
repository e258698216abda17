//! API: a ledger kept before sentei, read in. The file (CSV or .xlsx) is the request body; a
//! dry run (the default) says how its columns were read, what would be registered, what is
//! already in the ledger and every row that cannot be read; otherwise the rows are registered
//! all or nothing, as the page does.

use axum::body::Bytes;
use axum::extract::rejection::BytesRejection;
use axum::extract::{Query, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use axum::{Extension, Json};
use sentei_core::ledger::ImportedEntry;
use sentei_exchange::ledger_import::{self, MAX_FILE_BYTES};
use sentei_store::ImportSource;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::types::{ErrorBody, Workbook};
use crate::auth::Signed;
use crate::error::ApiError;
use crate::state::AppState;

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerImportParams {
    /// true (the default): only say what would be done. false: register the rows.
    pub dry_run: Option<bool>,
    /// The file's name, for messages and the entries' history.
    pub file: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ColumnBody {
    /// Where the heading is (`台帳!B3`, `3行目 B列`).
    pub place: String,
    pub heading: String,
    /// The ledger field read from the column; null when it is not read.
    pub read_as: Option<String>,
    /// Why the column is not read.
    pub not_read_because: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ImportedRowBody {
    /// Where the row is (`台帳 5行目`, `5行目`).
    pub place: String,
    /// (ア)–(キ).
    #[schema(value_type = Object)]
    pub fields: serde_json::Value,
    pub abolished: bool,
    /// The entry already in the ledger that this row matches; it is not registered again.
    pub existing_entry: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct RowProblemBody {
    pub place: String,
    /// What is wrong, in Japanese.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerImportBody {
    pub dry_run: bool,
    pub columns: Vec<ColumnBody>,
    /// The rows to register (or registered), in file order.
    pub create: Vec<ImportedRowBody>,
    /// The rows already in the ledger.
    pub existing: Vec<ImportedRowBody>,
    /// The ids of the entries registered; empty for a dry run or when refused.
    pub created_ids: Vec<i64>,
    /// Every row that cannot be read; when there is any, nothing is registered (422).
    pub problems: Vec<RowProblemBody>,
}

/// Reads a ledger file and, unless a dry run, registers its rows (情報システム管理者 only).
#[utoipa::path(post, path = "/api/v1/ledger/import", tag = "ledger", params(LedgerImportParams),
    request_body(content = Workbook, description = "the ledger file: CSV (UTF-8, Shift_JIS or UTF-16) or .xlsx", content_type = "text/csv"),
    responses(
        (status = 200, body = LedgerImportBody),
        (status = 400, body = ErrorBody),
        (status = 413, body = ErrorBody),
        (status = 422, description = "rows that cannot be read (or the file as a whole); nothing was registered", body = LedgerImportBody)))]
pub async fn import(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Query(params): Query<LedgerImportParams>,
    body: Result<Bytes, BytesRejection>,
) -> Result<Response, ApiError> {
    let bytes = super::file_body(body, "台帳のファイル", MAX_FILE_BYTES)?;
    let dry_run = params.dry_run.unwrap_or(true);
    // The name is the client's; only its plain base name is read and recorded, with the
    // digest of the bytes actually sent.
    let name = params.file.unwrap_or_default();
    let (source, read) = crate::uploads::read(&state, move || {
        let source = ImportSource::of(&name, &bytes);
        let read = ledger_import::read(source.name(), &bytes);
        (source, read)
    })
    .await?;
    let mut body = LedgerImportBody {
        dry_run,
        columns: Vec::new(),
        create: Vec::new(),
        existing: Vec::new(),
        created_ids: Vec::new(),
        problems: Vec::new(),
    };
    let read = match read {
        Ok(read) => read,
        Err(error) => {
            body.problems = error.problems.iter().map(problem).collect();
            return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
        }
    };
    body.columns = read
        .columns
        .iter()
        .map(|c| ColumnBody {
            place: c.place.clone(),
            heading: c.heading.clone(),
            read_as: c.read_as.ok().map(str::to_owned),
            not_read_because: c.read_as.err().map(str::to_owned),
        })
        .collect();
    body.problems = read.problems.iter().map(problem).collect();
    if read.rows.is_empty() {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, Json(body)).into_response());
    }
    let plan = if dry_run || !body.problems.is_empty() {
        state
            .store
            .plan_ledger_import(&signed.actor, &read.rows)
            .await?
    } else {
        state
            .store
            .import_ledger(&signed.actor, &source, &read.rows)
            .await?
    };
    body.create = plan
        .create
        .iter()
        .map(|i| row(&read.rows[*i], None))
        .collect();
    body.existing = plan
        .existing
        .iter()
        .map(|(i, id)| row(&read.rows[*i], Some(*id)))
        .collect();
    body.created_ids = plan.created_ids;
    let status = if body.problems.is_empty() {
        StatusCode::OK
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };
    Ok((status, Json(body)).into_response())
}

fn problem(p: &ledger_import::Problem) -> RowProblemBody {
    RowProblemBody {
        place: p.place.clone(),
        message: p.message.clone(),
    }
}

fn row(entry: &ImportedEntry, existing: Option<i64>) -> ImportedRowBody {
    ImportedRowBody {
        place: entry.place.clone(),
        fields: serde_json::to_value(&entry.fields).unwrap_or_default(),
        abolished: entry.abolished,
        existing_entry: existing,
    }
}
