//! The JSON shapes of the API: what clients rely on, with OpenAPI schemas. Mapped from the
//! store's views so that the API's shape changes only when meant to.

use serde::{Deserialize, Serialize};
use serde_json::Value;
use utoipa::{IntoParams, ToSchema};

#[derive(Serialize, ToSchema)]
pub struct Me {
    pub login: String,
    pub name: String,
    pub department: String,
    /// applicant, approver, ciso, auditor or admin.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileSummary {
    pub id: String,
    pub version: String,
    pub title: String,
    pub items: usize,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileItem {
    pub id: String,
    pub level: String,
    pub category: Vec<String>,
    pub text: String,
    /// When the item applies, in Japanese words.
    pub condition: String,
    pub citation: String,
}

#[derive(Serialize, ToSchema)]
pub struct ProfileDetail {
    pub id: String,
    pub version: String,
    pub title: String,
    pub source: String,
    pub items: Vec<ProfileItem>,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceBody {
    pub id: i64,
    pub name: String,
    pub provider: String,
    pub description: String,
    /// The latest assessment's classification label, or empty.
    pub classification: String,
    /// The latest assessment's verdict, or empty.
    pub verdict: String,
    /// The latest application's status, or empty.
    pub status: String,
}

#[derive(Serialize, ToSchema)]
pub struct ServicePage {
    pub items: Vec<ServiceBody>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct ServiceDetail {
    pub service: ServiceBody,
    pub assessments: Vec<AssessmentBody>,
    pub applications: Vec<ApplicationBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct NewServiceBody {
    pub name: String,
    pub provider: String,
    #[serde(default)]
    pub description: String,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ServiceFilters {
    #[serde(default)]
    pub search: String,
    pub provider: Option<String>,
    pub classification: Option<String>,
    pub verdict: Option<String>,
    pub status: Option<String>,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub page_size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct AssessmentBody {
    pub id: i64,
    pub service_id: i64,
    pub profile_id: String,
    pub profile_version: String,
    pub version: i64,
    pub verdict: String,
    /// The assessment file of the contract.
    #[schema(value_type = Object)]
    pub document: Value,
    /// The judgement JSON of the contract.
    #[schema(value_type = Object)]
    pub judgement: Box<serde_json::value::RawValue>,
}

#[derive(Deserialize, ToSchema)]
pub struct SaveAssessmentBody {
    /// The version this change starts from; a newer stored version is a conflict (409).
    pub version: i64,
    #[schema(value_type = Object)]
    pub document: Value,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationBody {
    pub id: i64,
    pub service_id: i64,
    pub assessment_id: i64,
    pub applicant_id: i64,
    pub department: String,
    pub purpose: String,
    pub user_scope: String,
    pub period_start: String,
    pub period_end: String,
    /// draft, pre_consultation, consulted, submitted, approved or rejected.
    pub status: String,
    pub version: i64,
    /// new, change or renewal.
    pub kind: String,
    /// The ledger entry a change or renewal is for.
    pub ledger_entry_id: Option<i64>,
    /// The assessment version pinned at submission: what the application is decided on.
    pub pinned_assessment_version: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationPage {
    pub items: Vec<ApplicationBody>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ApplicationFilters {
    pub status: Option<String>,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub page_size: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct NewApplicationBody {
    pub service_id: i64,
    pub assessment_id: i64,
    pub purpose: String,
    pub user_scope: String,
    /// YYYY-MM-DD
    pub period_start: String,
    /// YYYY-MM-DD
    pub period_end: String,
    /// new (the default), change or renewal (更新: the period must end later).
    pub kind: Option<String>,
    /// The ledger entry a change or renewal is for.
    pub ledger_entry_id: Option<i64>,
}

#[derive(Serialize, ToSchema)]
pub struct AcceptanceBody {
    /// approver or ciso.
    pub role: String,
    pub user_id: i64,
    pub reason: String,
    pub assessment_version: i64,
}

#[derive(Serialize, ToSchema)]
pub struct EventBody {
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: i64,
    pub comment: String,
    pub assessment_version: i64,
    pub verdict: String,
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ApplicationDetail {
    pub application: ApplicationBody,
    /// The verdict, reasons, approvals and assessment version decided on: pinned at
    /// submission, the assessment as it stands before.
    pub verdict: String,
    pub reasons: Vec<String>,
    pub required_approvals: Vec<String>,
    pub assessment_version: i64,
    pub profile_current: bool,
    /// Whether the version decided on is pinned (the application was submitted).
    pub pinned: bool,
    /// The assessment as it stands now.
    pub current_assessment_version: i64,
    pub current_verdict: String,
    /// The assessment changed after it was pinned: pending, it must be re-submitted or
    /// returned before a decision; approved, 承認後に変更あり (see `/changes`).
    pub changed_since_pinned: bool,
    /// Whether the profile requires a 協議済 answer before submission.
    pub consultation_required: bool,
    /// The assessment version the latest 協議済 answer was given for.
    pub consulted_version: Option<i64>,
    pub acceptances: Vec<AcceptanceBody>,
    /// The actions the caller may take now.
    pub actions: Vec<String>,
    /// The acceptance the caller may record now, if any.
    pub may_accept: Option<String>,
    pub events: Vec<EventBody>,
}

#[derive(Deserialize, ToSchema)]
pub struct ActionBody {
    /// start_pre_consultation, conclude_consultation (協議済), request_revision (要修正),
    /// submit, resubmit, return, approve or reject.
    pub action: String,
    #[serde(default)]
    pub comment: String,
    /// The assessment version the reviewer looked at; required to approve.
    pub seen_assessment_version: Option<i64>,
}

#[derive(Deserialize, ToSchema)]
pub struct AcceptBody {
    pub reason: String,
}

#[derive(Serialize, ToSchema)]
pub struct DifferenceBody {
    /// What differs, in Japanese: 判定, a fact's label, or 項目 5.
    pub subject: String,
    /// The item's id, when an item's answer differs.
    pub item: Option<String>,
    pub before: String,
    pub after: String,
}

#[derive(Serialize, ToSchema)]
pub struct ChangesBody {
    pub application_id: i64,
    /// The version the application pinned (approved or submitted).
    pub pinned_version: i64,
    pub current_version: i64,
    pub differences: Vec<DifferenceBody>,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerBody {
    pub id: i64,
    pub version: i64,
    /// active or abolished.
    pub status: String,
    /// (ア)–(キ).
    #[schema(value_type = Object)]
    pub fields: Value,
    pub profile_id: String,
    pub profile_version: String,
    pub verdict: String,
    /// The approved application the entry stands on (the latest change or renewal).
    pub application_id: Option<i64>,
    /// In use, but the period ended before today (期限切れ).
    pub expired: bool,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerPage {
    pub items: Vec<LedgerBody>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerVersionBody {
    pub version: i64,
    /// registered, imported, extended, changed, renewed or abolished.
    pub kind: String,
    /// The approved application the version came from, if any.
    pub application_id: Option<i64>,
    #[schema(value_type = Object)]
    pub fields: Value,
    pub comment: String,
    pub recorded_by: Option<i64>,
    pub recorded_at: String,
}

#[derive(Serialize, ToSchema)]
pub struct LedgerDetail {
    pub entry: LedgerBody,
    pub history: Vec<LedgerVersionBody>,
    /// The assessment changed after the approval the entry stands on (承認後に変更あり).
    pub changed_after_approval: bool,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct LedgerFilters {
    #[serde(default)]
    pub search: String,
    pub classification: Option<String>,
    /// Only active entries whose period ends within this many days (JST) or has already
    /// ended (期限切れ), the expired first.
    pub expiring: Option<u16>,
    /// Only active entries whose period has ended (期限切れ).
    #[serde(default)]
    pub expired: bool,
    #[serde(default)]
    pub include_abolished: bool,
    /// Only entries of this applicant's department (e.g. 市民課).
    pub department: Option<String>,
    /// Order by `number`, `service`, `provider`, `classification`, `period` (its end) or
    /// `department`; without it, the ledger's own order.
    pub sort: Option<String>,
    /// `desc` for largest first.
    pub dir: Option<String>,
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub page_size: u64,
}

#[derive(Deserialize, ToSchema)]
pub struct ExtendBody {
    pub version: i64,
    /// YYYY-MM-DD
    pub new_end: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, ToSchema)]
pub struct ChangeBody {
    pub version: i64,
    /// (ア)–(キ), all of them.
    #[schema(value_type = Object)]
    pub fields: Value,
    #[serde(default)]
    pub comment: String,
}

#[derive(Deserialize, ToSchema)]
pub struct AbolishBody {
    pub version: i64,
    /// YYYY-MM-DD
    pub on: String,
    #[serde(default)]
    pub comment: String,
}

#[derive(Serialize, ToSchema)]
pub struct AuditRecordBody {
    pub seq: i64,
    pub at: String,
    pub actor: String,
    pub action: String,
    pub object: String,
    pub digest: String,
    pub hash: String,
    /// What changed, in Japanese lines (「所属: 市民課 → 情報政策課」); null on records made
    /// before summaries were kept.
    pub summary: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditFilters {
    #[serde(default)]
    pub page: u64,
    #[serde(default)]
    pub page_size: u64,
    /// Who acted, as recorded: a login, `system`, `vendor:3`, `address:192.0.2.1`.
    pub actor: Option<String>,
    /// What was done, as recorded: `user.deactivate`, `application.approve`.
    pub action: Option<String>,
    /// From this day (YYYY-MM-DD, in Japan).
    pub from: Option<String>,
    /// To this day, included (YYYY-MM-DD, in Japan).
    pub to: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct AuditPage {
    pub items: Vec<AuditRecordBody>,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
}

#[derive(Serialize, ToSchema)]
pub struct Verification {
    pub ok: bool,
    pub records: Option<u64>,
    pub head: Option<String>,
    /// What did not verify, in Japanese, one line each, when not ok: the chain's first break,
    /// a disagreement with the heads published outside the database, each row changed without
    /// a record.
    pub problem: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct UserBody {
    pub id: i64,
    pub login: String,
    pub name: String,
    pub department: String,
    /// Empty when not known.
    pub email: String,
    pub role: String,
    pub active: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct NewUserBody {
    pub login: String,
    pub name: String,
    pub department: String,
    pub role: String,
    #[serde(default)]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct EditUserBody {
    pub name: String,
    pub department: String,
    /// Empty for none.
    #[serde(default)]
    pub email: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RoleBody {
    /// applicant, approver, ciso, auditor or admin.
    pub role: String,
}

#[derive(Serialize, ToSchema)]
pub struct DeactivationResult {
    pub user: UserBody,
    /// Sessions of the user signed out by the deactivation.
    pub sessions_ended: u64,
    /// API tokens of the user revoked by the deactivation.
    pub tokens_revoked: u64,
}

#[derive(Serialize, ToSchema)]
pub struct OrganizationBody {
    pub code: String,
    pub name: String,
}

#[derive(Deserialize, ToSchema)]
pub struct RenameBody {
    pub name: String,
}

#[derive(Serialize, ToSchema)]
pub struct NewUserResult {
    pub user: UserBody,
    /// The initial password, shown this once.
    pub password: String,
}

#[derive(Serialize, ToSchema)]
pub struct TokenBody {
    pub id: i64,
    pub name: String,
    pub created_at: String,
    pub last_used_at: Option<String>,
    /// Neither revoked nor expired.
    pub active: bool,
    pub revoked: bool,
    /// When it stops working.
    pub expires_at: String,
    /// `read` (GET only, in effect) or `read_write` (what the user's role may).
    pub scope: String,
}

#[derive(Serialize, ToSchema)]
pub struct Dashboard {
    /// Applications by status.
    #[schema(value_type = Object)]
    pub applications: Value,
    /// Services by the verdict of their latest assessment.
    #[schema(value_type = Object)]
    pub verdicts: Value,
    /// Entries expiring within 30 / 90 days, the already expired included.
    pub expiring_30: u64,
    pub expiring_90: u64,
    /// Entries in use whose period has ended (期限切れ).
    pub expired: u64,
    pub waiting_for_me: Vec<ApplicationBody>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetDownloadParams {
    /// `1`: every item, those that do not apply greyed; otherwise only the items that apply.
    pub all: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SheetUploadParams {
    /// `true` (the default): only say what the sheet would change; `false`: save it.
    pub dry_run: Option<bool>,
    /// Required to save: the assessment version the change starts from (409 if someone has
    /// saved since). A dry run answers the current one as `version`.
    pub expected_version: Option<i64>,
}

/// An Excel workbook (.xlsx), as bytes: for the OpenAPI document only.
#[derive(ToSchema)]
#[schema(value_type = String, format = Binary)]
pub struct Workbook(());

#[derive(Serialize, ToSchema)]
pub struct AnswerBody {
    /// met, unmet, not_applicable or unanswered.
    pub status: String,
    pub reason: Option<String>,
    pub evidence: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetChangeBody {
    /// The item's id.
    pub item: String,
    /// The answer stored now; null when there is none.
    pub before: Option<AnswerBody>,
    /// The answer in the sheet; null when there is none.
    pub after: Option<AnswerBody>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetProblemBody {
    /// The cell, such as `チェックシート!G12`; null when the problem is the file's.
    pub cell: Option<String>,
    /// What is wrong, in Japanese.
    pub message: String,
}

#[derive(Serialize, ToSchema)]
pub struct SheetPreview {
    pub assessment_id: i64,
    /// The stored version the sheet was compared with: send it as `expected_version` to save.
    pub version: i64,
    /// Each item whose answer the sheet changes.
    pub changes: Vec<SheetChangeBody>,
    /// The sheet carries other facts or service details than those stored now; saving it puts
    /// back those of when it was exported.
    pub facts_differ: bool,
    pub verdict_before: String,
    pub verdict_after: String,
    /// Empty: a sheet with problems is answered 422 with them.
    pub problems: Vec<SheetProblemBody>,
}

#[derive(Serialize, ToSchema)]
pub struct SheetRefusal {
    /// In Japanese: the sheet was not read and nothing was changed.
    pub error: String,
    /// Every problem found, each named by its cell where it has one.
    pub problems: Vec<SheetProblemBody>,
}

#[derive(Serialize, ToSchema)]
pub struct VendorLinkBody {
    pub id: i64,
    pub assessment_id: i64,
    /// Who answers through it (company and name).
    pub contact: String,
    pub created_by: i64,
    pub created_at: String,
    pub expires_at: String,
    pub last_used_at: Option<String>,
    pub revoked: bool,
    /// Usable now: neither revoked nor expired.
    pub active: bool,
}

#[derive(Deserialize, ToSchema)]
pub struct NewVendorLinkBody {
    /// Who answers (company and name), as on the editor's form; up to 200 characters.
    pub contact: String,
    /// How long the link stays valid: 1–90 days.
    pub days: i64,
}

#[derive(Serialize, ToSchema)]
pub struct NewVendorLinkResult {
    /// The link's token, shown this once; only its hash is kept.
    pub token: String,
    /// The link's path, `/vendor/{token}`.
    pub path: String,
    /// The full address: under the configured public URL, or the address this request came to.
    pub url: String,
    pub link: VendorLinkBody,
}

#[derive(Serialize, ToSchema)]
pub struct ReportService {
    pub id: i64,
    pub name: String,
    pub provider: String,
    /// The classification's name in assessment files (`2`, `3B`, ...).
    pub classification: String,
    /// Its Japanese label (機密性2, ...).
    pub classification_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportProfile {
    pub id: String,
    pub title: String,
    /// The version the assessment was judged against.
    pub version: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportAcceptance {
    /// approver or ciso.
    pub role: String,
    pub user_id: i64,
    pub user_name: String,
    pub reason: String,
    pub assessment_version: i64,
    /// When it was recorded (RFC 3339, UTC).
    pub at: Option<String>,
}

#[derive(Serialize, ToSchema)]
pub struct ReportEvent {
    /// start_pre_consultation, conclude_consultation, request_revision, submit, resubmit,
    /// return, approve or reject.
    pub action: String,
    /// The action in Japanese.
    pub action_label: String,
    pub actor_id: i64,
    pub actor_name: String,
    pub from_status: String,
    pub to_status: String,
    pub verdict: String,
    pub assessment_version: i64,
    pub comment: String,
    /// RFC 3339, UTC.
    pub at: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportItemBody {
    pub id: String,
    pub category: Vec<String>,
    /// The requirement, verbatim.
    pub text: String,
    pub level: String,
    pub applies: bool,
    /// Why it applies or not.
    pub why: String,
    /// met, unmet, not_applicable or unanswered.
    pub answer: String,
    pub answer_label: String,
    pub reason: Option<String>,
    pub evidence: Option<String>,
    /// The item's outcome in the judgement JSON (met, blocking, ...).
    pub outcome: String,
    pub outcome_label: String,
}

#[derive(Serialize, ToSchema)]
pub struct ReportBody {
    pub application: ApplicationBody,
    /// Whether the report shows a pinned version (the application was submitted); before
    /// that, the assessment as it stands.
    pub pinned: bool,
    /// The assessment as it stands now, and whether it changed after the version reported.
    pub current_assessment_version: i64,
    pub changed_since_pinned: bool,
    pub applicant_name: String,
    pub service: ReportService,
    pub profile: ReportProfile,
    pub assessment_id: i64,
    pub assessment_version: i64,
    pub verdict: String,
    pub verdict_label: String,
    pub reasons: Vec<String>,
    /// approver and/or ciso, when the verdict is conditional.
    pub required_approvals: Vec<String>,
    pub acceptances: Vec<ReportAcceptance>,
    /// The workflow history, oldest first.
    pub history: Vec<ReportEvent>,
    pub items: Vec<ReportItemBody>,
    /// The evidence files: as attached when the application was submitted, once it was.
    pub evidence: Vec<AttachmentBody>,
}

/// A refusal: an RFC 9457 problem document (`application/problem+json`).
#[derive(Serialize, ToSchema)]
pub struct ErrorBody {
    /// `about:blank`: the status says what kind of problem it is.
    #[serde(rename = "type")]
    pub kind: String,
    /// The kind of refusal in a few words, in Japanese.
    pub title: String,
    /// The HTTP status.
    pub status: u16,
    /// What went wrong, in Japanese.
    pub detail: String,
    /// The same as `detail`, for clients written before problem documents.
    pub error: String,
    /// The id of the request, also in the `X-Request-Id` header and the server's log.
    pub request_id: Option<String>,
}

/// An evidence file attached to an assessment.
#[derive(Serialize, ToSchema)]
pub struct AttachmentBody {
    /// The attachment's id (for download and removal).
    pub id: i64,
    pub assessment_id: i64,
    /// The item it supports; empty for the assessment as a whole.
    pub item: String,
    /// The name it was sent with, for display only.
    pub file_name: String,
    /// The type told from its content.
    pub media_type: String,
    pub kind_label: String,
    pub size: i64,
    /// SHA-256 of the content, hexadecimal.
    pub sha256: String,
    pub added_by: String,
    pub added_at: String,
    /// When it was removed; removed files are listed only in records made before.
    pub removed_at: Option<String>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AttachParams {
    /// The item the file supports (e.g. `1.3`); leave out for the assessment as a whole.
    pub item: Option<String>,
    /// The file's name, for display (e.g. `SLA.pdf`).
    pub file_name: Option<String>,
}

/// A notification (お知らせ) of the signed-in user.
#[derive(Serialize, ToSchema)]
pub struct NotificationBody {
    pub id: i64,
    /// consultation_requested, submitted, resubmitted, acceptance_needed, ciso_accepted,
    /// consulted, revision_requested, returned, approved, rejected, expiring or expired.
    pub kind: String,
    pub title: String,
    pub body: String,
    /// The page it is about (`/applications/3`, `/ledger/5`).
    pub link: String,
    pub created_at: String,
    pub read: bool,
}

#[derive(Serialize, ToSchema)]
pub struct NotificationList {
    pub unread: u64,
    pub total: u64,
    pub page: u64,
    pub page_size: u64,
    pub items: Vec<NotificationBody>,
}

#[derive(Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct NotificationParams {
    /// Only unread ones.
    pub unread: Option<bool>,
    pub page: Option<u64>,
    pub page_size: Option<u64>,
}

#[derive(Serialize, ToSchema)]
pub struct MarkedRead {
    /// How many were unread and are read now.
    pub marked: u64,
}

/// How the signed-in user is told by mail.
#[derive(Serialize, Deserialize, ToSchema)]
pub struct MailSettingsBody {
    /// Where to; empty for no mail.
    pub email: String,
    /// each (one mail per notification), digest (one a day) or off.
    pub mode: String,
}
