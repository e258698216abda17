//! The application workflow (利用申請), 周南市基準 §5 generalised, and who may do what.
//!
//! draft → pre-consultation (事前協議) → 協議済 → submitted → approved / rejected. The approver
//! answers a consultation 協議済 or 要修正 (back to draft); "returned for changes" sends a
//! submitted application back to draft. Submission pins the assessment version and its
//! judgement: the application is decided on exactly that, and an assessment changed since must
//! be re-submitted (or the application returned) before anyone decides. Every rule about who
//! may move an application, accept an exception or edit an assessment lives here, and the
//! store and the web call these functions rather than deciding themselves.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::judgement::{Approvals, Role, Verdict};

/// A user's role in one organization.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum UserRole {
    /// 情報セキュリティ管理者: registers services, fills check sheets, applies.
    Applicant,
    /// 情報システム管理者 = 利用申請の許可権限者: reviews, approves, keeps the ledger.
    Approver,
    /// 統括情報セキュリティ責任者: accepts exceptions.
    Ciso,
    /// 監査: reads everything, changes nothing.
    Auditor,
    /// システム管理者 of sentei: users, roles, backups.
    Admin,
}

impl UserRole {
    pub const ALL: [UserRole; 5] = [
        UserRole::Applicant,
        UserRole::Approver,
        UserRole::Ciso,
        UserRole::Auditor,
        UserRole::Admin,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            UserRole::Applicant => "applicant",
            UserRole::Approver => "approver",
            UserRole::Ciso => "ciso",
            UserRole::Auditor => "auditor",
            UserRole::Admin => "admin",
        }
    }

    pub fn parse(name: &str) -> Option<UserRole> {
        UserRole::ALL.into_iter().find(|r| r.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            UserRole::Applicant => "情報セキュリティ管理者",
            UserRole::Approver => "情報システム管理者",
            UserRole::Ciso => "統括情報セキュリティ責任者",
            UserRole::Auditor => "監査担当者",
            UserRole::Admin => "システム管理者",
        }
    }

    /// The acceptance this role may record on a conditional judgement, if any.
    pub fn accepts_as(self) -> Option<Role> {
        match self {
            UserRole::Approver => Some(Role::Approver),
            UserRole::Ciso => Some(Role::Ciso),
            _ => None,
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    Draft,
    PreConsultation,
    /// The approver answered the pre-consultation 協議済.
    Consulted,
    Submitted,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 6] = [
        Status::Draft,
        Status::PreConsultation,
        Status::Consulted,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::PreConsultation => "pre_consultation",
            Status::Consulted => "consulted",
            Status::Submitted => "submitted",
            Status::Approved => "approved",
            Status::Rejected => "rejected",
        }
    }

    pub fn parse(name: &str) -> Option<Status> {
        Status::ALL.into_iter().find(|s| s.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Status::Draft => "下書き",
            Status::PreConsultation => "事前協議中",
            Status::Consulted => "協議済",
            Status::Submitted => "申請中",
            Status::Approved => "承認済み",
            Status::Rejected => "却下",
        }
    }

    /// Whether the application is still open: not yet decided.
    pub fn is_open(self) -> bool {
        !matches!(self, Status::Approved | Status::Rejected)
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The applicant asks the approver for pre-consultation (again, after 要修正 or a change).
    StartPreConsultation,
    /// The approver answers the consultation 協議済: the applicant may apply.
    ConcludeConsultation,
    /// The approver answers the consultation 要修正: back to draft, with what to revise.
    RequestRevision,
    /// The applicant applies; the assessment's version and judgement are pinned.
    Submit,
    /// The applicant applies again with the assessment as changed since submission.
    Resubmit,
    /// The approver returns a submitted application for changes; it goes back to draft.
    Return,
    Approve,
    Reject,
}

impl Action {
    pub const ALL: [Action; 8] = [
        Action::StartPreConsultation,
        Action::ConcludeConsultation,
        Action::RequestRevision,
        Action::Submit,
        Action::Resubmit,
        Action::Return,
        Action::Approve,
        Action::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "start_pre_consultation",
            Action::ConcludeConsultation => "conclude_consultation",
            Action::RequestRevision => "request_revision",
            Action::Submit => "submit",
            Action::Resubmit => "resubmit",
            Action::Return => "return",
            Action::Approve => "approve",
            Action::Reject => "reject",
        }
    }

    pub fn parse(name: &str) -> Option<Action> {
        Action::ALL.into_iter().find(|a| a.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "事前協議を依頼する",
            Action::ConcludeConsultation => "協議済として回答する",
            Action::RequestRevision => "要修正として回答する",
            Action::Submit => "利用申請する",
            Action::Resubmit => "再申請する",
            Action::Return => "差し戻す",
            Action::Approve => "承認する",
            Action::Reject => "却下する",
        }
    }

    /// The action as a noun, for sentences: 「承認を行えません」.
    pub fn noun(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "事前協議の依頼",
            Action::ConcludeConsultation => "協議済の回答",
            Action::RequestRevision => "要修正の回答",
            Action::Submit => "利用申請",
            Action::Resubmit => "再申請",
            Action::Return => "差し戻し",
            Action::Approve => "承認",
            Action::Reject => "却下",
        }
    }

    /// The action as it happened, for histories: 「承認した」, not the button's 「承認する」
    /// (docs/glossary.md).
    pub fn event(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "事前協議を依頼した",
            Action::ConcludeConsultation => "協議済と回答した",
            Action::RequestRevision => "要修正と回答した",
            Action::Submit => "利用申請した",
            Action::Resubmit => "再申請した",
            Action::Return => "差し戻した",
            Action::Approve => "承認した",
            Action::Reject => "却下した",
        }
    }

    /// The transition: from which statuses, to which status, by which role.
    fn rule(self) -> (&'static [Status], Status, UserRole) {
        use Status as S;
        match self {
            Action::StartPreConsultation => (
                &[S::Draft, S::Consulted],
                S::PreConsultation,
                UserRole::Applicant,
            ),
            Action::ConcludeConsultation => {
                (&[S::PreConsultation], S::Consulted, UserRole::Approver)
            }
            Action::RequestRevision => (&[S::PreConsultation], S::Draft, UserRole::Approver),
            Action::Submit => (
                &[S::Draft, S::PreConsultation, S::Consulted],
                S::Submitted,
                UserRole::Applicant,
            ),
            Action::Resubmit => (&[S::Submitted], S::Submitted, UserRole::Applicant),
            Action::Return => (&[S::Submitted], S::Draft, UserRole::Approver),
            Action::Approve => (&[S::Submitted], S::Approved, UserRole::Approver),
            Action::Reject => (&[S::Submitted], S::Rejected, UserRole::Approver),
        }
    }

    /// Returning, rejecting and asking for revision must tell the applicant why.
    pub fn needs_comment(self) -> bool {
        matches!(
            self,
            Action::Return | Action::Reject | Action::RequestRevision
        )
    }

    /// Whether the action pins the assessment as it stands now.
    pub fn pins(self) -> bool {
        matches!(self, Action::Submit | Action::Resubmit)
    }
}

/// What an application asks for: a new use, or a change or renewal (更新) of an entry in the
/// ledger, approved the same way (周南市基準 §5(2)③「期間の延長や廃止等変更がある場合は、更新」).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Kind {
    New,
    Change,
    Renewal,
}

impl Kind {
    pub const ALL: [Kind; 3] = [Kind::New, Kind::Change, Kind::Renewal];

    pub fn as_str(self) -> &'static str {
        match self {
            Kind::New => "new",
            Kind::Change => "change",
            Kind::Renewal => "renewal",
        }
    }

    pub fn parse(name: &str) -> Option<Kind> {
        Kind::ALL.into_iter().find(|k| k.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Kind::New => "新規",
            Kind::Change => "変更申請",
            Kind::Renewal => "更新申請",
        }
    }
}

/// An acceptance recorded on an application: who accepted for which role, why, and for which
/// version of the assessment.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Acceptance {
    pub role: Role,
    pub user_id: i64,
    pub reason: String,
    pub assessment_version: i64,
}

/// One version of an assessment as judged.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Judged {
    pub version: i64,
    pub verdict: Verdict,
    pub required_approvals: Approvals,
    /// Whether it was judged under the profile version loaded now.
    pub profile_current: bool,
}

/// What the rules need to know about an application.
#[derive(Clone, Debug)]
pub struct Application<'a> {
    pub status: Status,
    pub applicant_id: i64,
    /// The assessment as it stands now, judged afresh under the current profile.
    pub current: Judged,
    /// What was submitted, pinned at submission and kept through the decision; `None` before.
    pub pinned: Option<Judged>,
    /// Whether the profile requires a 協議済 answer before submission (周南市基準 §5(2)①).
    pub consultation_required: bool,
    /// The assessment version the latest 協議済 answer was given for.
    pub consulted_version: Option<i64>,
    pub acceptances: &'a [Acceptance],
}

impl Application<'_> {
    /// The version being decided: the pinned one once submitted, the current one before.
    pub fn under_decision(&self) -> &Judged {
        self.pinned.as_ref().unwrap_or(&self.current)
    }

    /// Whether the assessment changed after it was pinned.
    pub fn changed_since_pinned(&self) -> bool {
        self.pinned
            .is_some_and(|p| p.version != self.current.version)
    }
}

/// Someone asking to do something.
#[derive(Clone, Copy, Debug)]
pub struct Request<'a> {
    pub actor_id: i64,
    pub actor_role: UserRole,
    pub action: Action,
    pub comment: &'a str,
    /// The assessment version the reviewer looked at (required to approve).
    pub seen_assessment_version: Option<i64>,
}

/// Why a request was refused; shown to the person who asked.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("{}は{}を行えません", role.label(), action.noun())]
    RoleCannot { role: UserRole, action: Action },
    #[error("「{}」の申請には{}を行えません", status.label(), action.noun())]
    WrongStatus { status: Status, action: Action },
    #[error("ほかの人の申請には{}を行えません", action.noun())]
    NotOwnApplication { action: Action },
    #[error("自分の申請を「{}」ことはできません", what)]
    OwnApplication { what: &'static str },
    #[error("判定が「{}」のため承認できません", verdict.label())]
    VerdictBlocksApproval { verdict: Verdict },
    #[error("判定が「{}」のため利用申請できません。評価を見直してください", verdict.label())]
    VerdictBlocksSubmission { verdict: Verdict },
    #[error("{}による例外の承認（理由つき）がまだ記録されていません", role.label())]
    MissingAcceptance { role: Role },
    #[error(
        "確認した後に評価が変更されています（確認した版 {seen}、現在の版 {current}）。もう一度確認してください"
    )]
    Stale { seen: i64, current: i64 },
    #[error("承認するには、確認した評価の版を示してください")]
    VersionNotShown,
    #[error("評価したときから基準が改訂されています。現在の基準で評価し直してください")]
    ProfileRevised,
    #[error("{}には理由を書いてください", action.noun())]
    CommentRequired { action: Action },
    #[error("例外の承認には理由を書いてください")]
    ReasonRequired,
    #[error("この判定には{}による例外の承認は必要ありません", role.label())]
    AcceptanceNotNeeded { role: Role },
    #[error("{}による例外の承認はすでに記録されています", role.label())]
    AlreadyAccepted { role: Role },
    #[error("{}は評価を編集できません", role.label())]
    CannotEdit { role: UserRole },
    #[error("この基準では、許可権限者と事前協議をして「協議済」の回答を受けてから利用申請します")]
    ConsultationRequired,
    #[error(
        "「協議済」の回答は評価の版 {consulted} に対するものです（現在の版 {current}）。変更した評価でもう一度事前協議を依頼してください"
    )]
    ConsultationStale { consulted: i64, current: i64 },
    #[error(
        "申請の後に評価が変更されています（申請した版 {submitted}、現在の版 {current}）。申請者の再申請を待つか、差し戻してください"
    )]
    ChangedSinceSubmission { submitted: i64, current: i64 },
    #[error("申請の後に評価は変更されていないため、再申請はできません")]
    NothingToResubmit,
    #[error("この評価は{owner}の評価です。編集できるのは{owner}の情報セキュリティ管理者だけです")]
    OtherDepartment { owner: String },
    #[error("{}は{what}を削除できません", role.label())]
    CannotDelete { role: UserRole, what: &'static str },
    #[error(
        "この{what}は{owner}のものです。削除できるのは{owner}の情報セキュリティ管理者とシステム管理者だけです"
    )]
    DeleteOtherDepartment { what: &'static str, owner: String },
    #[error("下書きの申請だけを削除できます（この申請は「{}」です）", status.label())]
    NotADraft { status: Status },
    #[error("利用申請のあるサービスは削除できません（申請 {count} 件）。記録として残ります")]
    ServiceInUse { count: u64 },
}

/// Decides a request; on success, the application's new status.
pub fn decide(application: &Application<'_>, request: &Request<'_>) -> Result<Status, Refusal> {
    let action = request.action;
    let (from, to, role) = action.rule();
    if request.actor_role != role {
        return Err(Refusal::RoleCannot {
            role: request.actor_role,
            action,
        });
    }
    if !from.contains(&application.status) {
        return Err(Refusal::WrongStatus {
            status: application.status,
            action,
        });
    }
    let own = request.actor_id == application.applicant_id;
    match role {
        UserRole::Applicant if !own => return Err(Refusal::NotOwnApplication { action }),
        UserRole::Approver if own => {
            return Err(Refusal::OwnApplication {
                what: "審査する"
            });
        }
        _ => {}
    }
    if action.needs_comment() && request.comment.trim().is_empty() {
        return Err(Refusal::CommentRequired { action });
    }
    match action {
        Action::Submit | Action::Resubmit => check_submission(application, action)?,
        Action::Approve => check_approval(application, request)?,
        Action::Reject => check_unchanged(application)?,
        Action::StartPreConsultation
        | Action::ConcludeConsultation
        | Action::RequestRevision
        | Action::Return => {}
    }
    Ok(to)
}

/// What is pinned must be what is judged now under the current profile, judged well enough
/// to be approved, and, where the profile says so, consulted on in this very version.
fn check_submission(application: &Application<'_>, action: Action) -> Result<(), Refusal> {
    let current = &application.current;
    if action == Action::Resubmit && !application.changed_since_pinned() {
        return Err(Refusal::NothingToResubmit);
    }
    if !current.profile_current {
        return Err(Refusal::ProfileRevised);
    }
    if action == Action::Submit && application.consultation_required {
        if application.status != Status::Consulted {
            return Err(Refusal::ConsultationRequired);
        }
        match application.consulted_version {
            Some(consulted) if consulted == current.version => {}
            Some(consulted) => {
                return Err(Refusal::ConsultationStale {
                    consulted,
                    current: current.version,
                });
            }
            None => return Err(Refusal::ConsultationRequired),
        }
    }
    if matches!(
        current.verdict,
        Verdict::Prohibited | Verdict::NotApprovable | Verdict::Incomplete
    ) {
        return Err(Refusal::VerdictBlocksSubmission {
            verdict: current.verdict,
        });
    }
    Ok(())
}

/// No decision is made on a pinned version the assessment has since moved on from.
fn check_unchanged(application: &Application<'_>) -> Result<(), Refusal> {
    match application.pinned {
        Some(pinned) if pinned.version != application.current.version => {
            Err(Refusal::ChangedSinceSubmission {
                submitted: pinned.version,
                current: application.current.version,
            })
        }
        _ => Ok(()),
    }
}

fn check_approval(application: &Application<'_>, request: &Request<'_>) -> Result<(), Refusal> {
    let decided = application.under_decision();
    if !decided.profile_current {
        return Err(Refusal::ProfileRevised);
    }
    let seen = request
        .seen_assessment_version
        .ok_or(Refusal::VersionNotShown)?;
    if seen != decided.version {
        return Err(Refusal::Stale {
            seen,
            current: decided.version,
        });
    }
    check_unchanged(application)?;
    if !matches!(decided.verdict, Verdict::Approvable | Verdict::Conditional) {
        return Err(Refusal::VerdictBlocksApproval {
            verdict: decided.verdict,
        });
    }
    if let Some(&role) = missing_acceptances(application).first() {
        return Err(Refusal::MissingAcceptance { role });
    }
    Ok(())
}

/// The acceptances a conditional judgement still needs before approval, in [`Role::ALL`]
/// order: each role it requires without a reasoned acceptance of the version decided on.
/// Empty for any other verdict.
pub fn missing_acceptances(application: &Application<'_>) -> Vec<Role> {
    let decided = application.under_decision();
    if decided.verdict != Verdict::Conditional {
        return Vec::new();
    }
    decided
        .required_approvals
        .iter()
        .filter(|&role| {
            !application.acceptances.iter().any(|a| {
                a.role == role
                    && a.assessment_version == decided.version
                    && !a.reason.trim().is_empty()
            })
        })
        .collect()
}

/// What may be deleted, and who may delete it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Deletable {
    /// An application still in draft: never submitted, or returned and not submitted again.
    Draft,
    /// A service that no application names (whatever its assessments).
    UnusedService,
}

impl Deletable {
    fn noun(self) -> &'static str {
        match self {
            Deletable::Draft => "下書きの申請",
            Deletable::UnusedService => "サービス",
        }
    }
}

/// Who may delete a draft application or a service no application names: the information
/// security managers of the department that owns it (the department, not only the person who
/// typed it, since people move in April), or the system administrator, who tidies up what a
/// department left behind after a reorganisation. Nothing decided is ever deleted: an
/// application past draft stays for the record (it can be withdrawn only by being returned),
/// and a service with any application stays with it. The audit trail keeps what was deleted.
pub fn may_delete(
    what: Deletable,
    actor_role: UserRole,
    actor_department: &str,
    owner_department: &str,
) -> Result<(), Refusal> {
    match actor_role {
        UserRole::Admin => Ok(()),
        UserRole::Applicant if actor_department.trim() == owner_department.trim() => Ok(()),
        UserRole::Applicant => Err(Refusal::DeleteOtherDepartment {
            what: what.noun(),
            owner: owner_department.trim().to_owned(),
        }),
        role => Err(Refusal::CannotDelete {
            role,
            what: what.noun(),
        }),
    }
}

/// Decides whether the actor may record an acceptance for `role` on a submitted, conditional
/// application; the acceptance is of the pinned version.
pub fn may_accept(
    application: &Application<'_>,
    actor_id: i64,
    actor_role: UserRole,
    role: Role,
    reason: &str,
) -> Result<(), Refusal> {
    if actor_role.accepts_as() != Some(role) {
        return Err(Refusal::RoleCannot {
            role: actor_role,
            action: Action::Approve,
        });
    }
    if application.status != Status::Submitted {
        return Err(Refusal::WrongStatus {
            status: application.status,
            action: Action::Approve,
        });
    }
    if actor_id == application.applicant_id {
        return Err(Refusal::OwnApplication {
            what: "例外を承認する",
        });
    }
    check_unchanged(application)?;
    let decided = application.under_decision();
    if decided.verdict != Verdict::Conditional || !decided.required_approvals.contains(role) {
        return Err(Refusal::AcceptanceNotNeeded { role });
    }
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    let already = application
        .acceptances
        .iter()
        .any(|a| a.role == role && a.assessment_version == decided.version);
    if already {
        return Err(Refusal::AlreadyAccepted { role });
    }
    Ok(())
}

/// Who writes an assessment: its department's information security manager (申請する課), or
/// a vendor through a link that department issued (the link acts for the department). The
/// approver reviews what the department wrote and never writes it, so that the person who
/// approves is never also its author; the CISO, auditors and administrators do not write it
/// either.
pub fn may_author_assessment(
    actor_role: UserRole,
    actor_department: &str,
    owner_department: &str,
) -> Result<(), Refusal> {
    if actor_role != UserRole::Applicant {
        return Err(Refusal::CannotEdit { role: actor_role });
    }
    if actor_department.trim() != owner_department.trim() {
        return Err(Refusal::OtherDepartment {
            owner: owner_department.trim().to_owned(),
        });
    }
    Ok(())
}

/// Decides whether the actor may change an assessment owned by `owner_department`. Only its
/// author may (see [`may_author_assessment`]); any change makes a new version, and an
/// application already submitted keeps the version it pinned, so nothing needs freezing
/// (docs/adr/0008-frozen-approvals.md).
pub fn may_edit_assessment(
    actor_role: UserRole,
    actor_department: &str,
    owner_department: &str,
) -> Result<(), Refusal> {
    may_author_assessment(actor_role, actor_department, owner_department)
}

/// The actions the actor could take now, for showing only the buttons that work.
pub fn available_actions(
    application: &Application<'_>,
    actor_id: i64,
    actor_role: UserRole,
) -> Vec<Action> {
    Action::ALL
        .into_iter()
        .filter(|&action| {
            let request = Request {
                actor_id,
                actor_role,
                action,
                comment: "（確認用）",
                seen_assessment_version: Some(application.under_decision().version),
            };
            decide(application, &request).is_ok()
        })
        .collect()
}

impl fmt::Display for Status {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.label())
    }
}
