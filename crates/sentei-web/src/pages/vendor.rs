//! Vendor answer links: the staff make and revoke them on the editor page; the vendor, with
//! no account, answers through one. The vendor sees the service's name, the items it has to
//! answer (verbatim text, citation, level) and its own answers; not the facts, the verdict,
//! other assessments or anything else. It can also download the Excel sheet and upload it.

use askama::Template;
use askama_web::WebTemplate;
use axum::Extension;
use axum::extract::{Multipart, Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use sentei_core::judge;
use sentei_core::judgement::AnswerStatus;
use sentei_exchange::sheet::{self, Scope};
use sentei_store::VendorAccess;
use serde::Deserialize;
use serde_json::{Map, Value, json};

use super::evidence::EvidenceRow;
use super::sheets::{self as sheet_pages, ApplyForm, Change};
use crate::auth::{Signed, vendor_csrf, vendor_token};
use crate::error::{AppError, PageError};
use crate::extract::PageForm;
use crate::layout::{self, Layout};
use crate::pages::form_pairs;
use crate::state::AppState;

#[derive(Debug, Deserialize)]
pub struct NewLink {
    pub contact: String,
    pub days: i64,
}

#[derive(Template, WebTemplate)]
#[template(path = "vendor_link_made.html")]
pub struct LinkMade {
    layout: Layout,
    assessment_id: i64,
    contact: String,
    url: String,
    expires: String,
}

/// Makes a link; its address is shown this once.
pub async fn create(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
    PageForm(form): PageForm<NewLink>,
) -> Result<LinkMade, PageError> {
    // Without a public URL there is no address to give the vendor: refuse before making one.
    let origin = public_origin(&state)?;
    let (token, link) = state
        .store
        .create_vendor_link(&signed.actor, id, &form.contact, form.days)
        .await?;
    Ok(LinkMade {
        layout: Layout::new("回答リンクを発行しました", Some(&signed), "/services"),
        assessment_id: id,
        contact: link.contact,
        url: format!("{origin}{}", link_path(&token)),
        expires: layout::time_with_wareki(link.expires_at),
    })
}

/// The path of a link: what the vendor opens.
pub fn link_path(token: &str) -> String {
    format!("/vendor/{token}")
}

/// The origin links are given under: the configured public URL, never the request's `Host`,
/// which whoever sends the request chooses (issue 12, finding 12). Without one, links are not
/// made, and the refusal says how to set it.
pub(crate) fn public_origin(state: &AppState) -> Result<String, AppError> {
    state
        .config
        .public_origin
        .clone()
        .ok_or_else(|| AppError::Refused(NO_PUBLIC_URL.to_owned()))
}

/// Why links cannot be made without a public URL, and what to do.
pub const NO_PUBLIC_URL: &str = "回答リンクのアドレスは、設定された公開アドレスからだけ作ります。sentei serve に --public-url（利用者と事業者が開くアドレス。例: --public-url https://sentei.example.lg.jp）を指定して起動し直してください。それまで回答リンクは発行できません";

/// Revokes a link at once.
pub async fn revoke(
    State(state): State<AppState>,
    Extension(signed): Extension<Signed>,
    Path(id): Path<i64>,
) -> Result<Response, PageError> {
    let assessment = state.store.revoke_vendor_link(&signed.actor, id).await?;
    Ok(Redirect::to(&format!("/assessments/{assessment}?done=link-revoked")).into_response())
}

/// One item as the vendor answers it.
pub struct VendorItem {
    index: usize,
    id: String,
    level: String,
    category: String,
    text: String,
    citation: String,
    status: &'static str,
    reason: String,
    evidence: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "vendor.html")]
pub struct VendorPage {
    layout: Layout,
    base: String,
    csrf: String,
    contact: String,
    service: String,
    profile: String,
    expires: String,
    version: i64,
    may_answer: bool,
    notice: Option<&'static str>,
    evidence: Vec<EvidenceRow>,
    evidence_targets: Vec<(String, String, bool)>,
    attach_problem: Option<String>,
    items: Vec<VendorItem>,
    answers: [(&'static str, &'static str); 4],
}

const ANSWERS: [(&str, &str); 4] = [
    ("met", "満たす"),
    ("unmet", "満たさない"),
    ("not_applicable", "対象外（不要）"),
    ("unanswered", "未回答"),
];

#[derive(Debug, Default, Deserialize)]
pub struct Done {
    pub done: Option<String>,
}

/// The vendor's page: the items to answer, with the answers so far.
pub async fn show(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    uri: axum::http::Uri,
    axum::extract::Query(done): axum::extract::Query<Done>,
) -> Result<VendorPage, PageError> {
    let token = vendor_token(uri.path()).to_owned();
    Ok(page(&state, &access, &token, done.done.as_deref(), None).await?)
}

/// The vendor's page; `refused` is an attachment refused, with the item it was for.
pub(crate) async fn page(
    state: &AppState,
    access: &VendorAccess,
    token: &str,
    done: Option<&str>,
    refused: Option<(String, String)>,
) -> Result<VendorPage, AppError> {
    let stored = state.store.vendor_assessment(access).await?;
    let (profile, assessment) = super::read_stored(state, &stored)?;
    let judgement = judge(profile, &assessment);
    // The items shown are those the store lets the link answer: one rule for both.
    let items: Vec<VendorItem> = sentei_core::vendor::shown_items(profile, &assessment)
        .into_iter()
        .filter_map(|index| {
            Some((
                index,
                profile.items.get(index)?,
                judgement.items.get(index)?,
            ))
        })
        .map(|(index, item, judged)| {
            let answer = assessment.answer(index);
            VendorItem {
                index,
                id: item.id.clone(),
                level: judged.level.to_owned(),
                category: item.category.join(" / "),
                text: item.text.clone(),
                citation: item.citation.clone(),
                status: answer.map_or("unanswered", |a| code(a.status)),
                reason: answer.and_then(|a| a.reason.clone()).unwrap_or_default(),
                evidence: answer.and_then(|a| a.evidence.clone()).unwrap_or_default(),
            }
        })
        .collect();
    let (chosen, attach_problem) = match refused {
        Some((item, problem)) => (item, Some(problem)),
        None => (String::new(), None),
    };
    let evidence_targets = super::evidence::targets(items.iter().map(|i| i.id.as_str()), &chosen);
    Ok(VendorPage {
        layout: Layout::new("チェックシートへのご回答", None, ""),
        base: format!("/vendor/{token}"),
        csrf: vendor_csrf(token),
        contact: access.contact().to_owned(),
        service: state.store.vendor_service_name(access).await?,
        profile: format!("{}（版 {}）", profile.title, profile.version),
        expires: layout::time_with_wareki(access.expires_at()),
        version: stored.version,
        may_answer: state.store.vendor_may_answer(access).await?,
        notice: match done {
            Some("saved") => Some("ご回答を保存しました。ありがとうございました。"),
            Some("attached") => Some("ファイルを添付しました。ありがとうございました。"),
            _ => None,
        },
        evidence: state
            .store
            .vendor_attachments(access)
            .await?
            .into_iter()
            .map(EvidenceRow::from)
            .collect(),
        evidence_targets,
        attach_problem,
        items,
        answers: ANSWERS,
    })
}

fn code(status: AnswerStatus) -> &'static str {
    match status {
        AnswerStatus::Met => "met",
        AnswerStatus::Unmet => "unmet",
        AnswerStatus::NotApplicable => "not_applicable",
        AnswerStatus::Unanswered => "unanswered",
    }
}

/// The vendor's answers saved: each item's answer as the form says, written only where it
/// differs from what was there, over the version the page was loaded from.
pub async fn save(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    uri: axum::http::Uri,
    body: String,
) -> Result<Response, PageError> {
    let pairs = form_pairs(&body)?;
    let get = |key: String| {
        pairs
            .iter()
            .find(|(k, _)| *k == key)
            .map(|(_, v)| v.trim().to_owned())
    };
    let version: i64 = get("version".to_owned())
        .and_then(|v| v.parse().ok())
        .ok_or_else(|| AppError::BadRequest("版がありません".to_owned()))?;
    let stored = state.store.vendor_assessment(&access).await?;
    let (profile, assessment) = super::read_stored(&state, &stored)?;
    let mut answers = Map::new();
    for (index, item) in profile.items.iter().enumerate() {
        let Some(status) = get(format!("s.{index}")) else {
            continue;
        };
        let reason = get(format!("r.{index}")).unwrap_or_default();
        let evidence = get(format!("e.{index}")).unwrap_or_default();
        let before = assessment.answer(index);
        let unchanged = before.map_or("unanswered", |a| code(a.status)) == status
            && before.and_then(|a| a.reason.as_deref()).unwrap_or("") == reason
            && before.and_then(|a| a.evidence.as_deref()).unwrap_or("") == evidence;
        if unchanged {
            continue;
        }
        let mut answer = Map::new();
        answer.insert("status".to_owned(), Value::String(status));
        if !reason.is_empty() {
            answer.insert("reason".to_owned(), Value::String(reason));
        }
        if !evidence.is_empty() {
            answer.insert("evidence".to_owned(), Value::String(evidence));
        }
        answers.insert(item.id.clone(), Value::Object(answer));
    }
    let document = with_answers(stored.document, answers);
    state
        .store
        .vendor_save(&access, &state.catalog, version, &document.to_string())
        .await?;
    let token = vendor_token(uri.path());
    Ok(Redirect::to(&format!("/vendor/{token}?done=saved")).into_response())
}

/// The document with these answers set in `answers.items`.
fn with_answers(mut document: Value, answers: Map<String, Value>) -> Value {
    if let Some(root) = document.as_object_mut() {
        let section = root.entry("answers").or_insert_with(|| json!({}));
        if let Some(section) = section.as_object_mut() {
            let items = section.entry("items").or_insert_with(|| json!({}));
            if let Some(items) = items.as_object_mut() {
                items.extend(answers);
            }
        }
    }
    document
}

/// The link's check sheet, as a download.
pub async fn download(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
) -> Result<Response, PageError> {
    let stored = state.store.vendor_assessment(&access).await?;
    let (profile, assessment) = super::read_stored(&state, &stored)?;
    let bytes = sheet::export(profile, &assessment, Scope::Applicable)
        .map_err(|e| AppError::Internal(e.to_string()))?;
    Ok(sheet_pages::xlsx_download(
        bytes,
        stored.id,
        &assessment.service.name,
    ))
}

#[derive(Template, WebTemplate)]
#[template(path = "vendor_sheet.html")]
pub struct VendorSheetPage {
    layout: Layout,
    base: String,
    csrf: String,
    version: i64,
    document: String,
    changes: Vec<Change>,
    problems: Vec<String>,
}

/// An uploaded sheet: what it would change, to confirm; or what is wrong with it.
pub async fn upload(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    uri: axum::http::Uri,
    mut multipart: Multipart,
) -> Result<Response, PageError> {
    let token = vendor_token(uri.path()).to_owned();
    let stored = state.store.vendor_assessment(&access).await?;
    let (profile, before) = super::read_stored(&state, &stored)?;
    let (file, bytes) = sheet_pages::sheet_field(&mut multipart).await?;
    let mut page = VendorSheetPage {
        layout: Layout::new("チェックシートの読み込み", None, ""),
        base: format!("/vendor/{token}"),
        csrf: vendor_csrf(&token),
        version: stored.version,
        document: String::new(),
        changes: Vec::new(),
        problems: Vec::new(),
    };
    let catalog = state.catalog.clone();
    let imported =
        crate::uploads::read(&state, move || sheet::import(&file, &bytes, &catalog)).await?;
    match imported {
        Ok(imported) if imported.assessment.profile_id == before.profile_id => {
            page.changes = sheet_pages::changes(profile, &before, &imported.assessment);
            page.document = imported.document.to_string();
            Ok(page.into_response())
        }
        Ok(_) => {
            page.problems =
                vec!["このチェックシートは、ご依頼の評価のものではありません".to_owned()];
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
        Err(error) => {
            page.problems = error.problems.iter().map(ToString::to_string).collect();
            Ok((StatusCode::UNPROCESSABLE_ENTITY, page).into_response())
        }
    }
}

/// Applies a previewed sheet; only its answers can change (the store refuses anything else).
pub async fn apply(
    State(state): State<AppState>,
    Extension(access): Extension<VendorAccess>,
    uri: axum::http::Uri,
    PageForm(form): PageForm<ApplyForm>,
) -> Result<Response, PageError> {
    state
        .store
        .vendor_save(&access, &state.catalog, form.version, &form.document)
        .await?;
    let token = vendor_token(uri.path());
    Ok(Redirect::to(&format!("/vendor/{token}?done=saved")).into_response())
}
