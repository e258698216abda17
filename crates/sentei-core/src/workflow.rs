//! The application workflow (利用申請), 周南市基準 §5 generalised, and who may do what.
//!
//! draft → pre-consultation (事前協議) → submitted → approved / rejected; "returned for changes"
//! sends an application back to draft. Every rule about who may move an application, accept an
//! exception or edit an assessment lives here, and the store and the web call these functions
//! rather than deciding themselves.

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
    Submitted,
    Approved,
    Rejected,
}

impl Status {
    pub const ALL: [Status; 5] = [
        Status::Draft,
        Status::PreConsultation,
        Status::Submitted,
        Status::Approved,
        Status::Rejected,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Status::Draft => "draft",
            Status::PreConsultation => "pre_consultation",
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
            Status::Submitted => "申請中",
            Status::Approved => "承認済み",
            Status::Rejected => "却下",
        }
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Action {
    /// The applicant asks the approver for pre-consultation.
    StartPreConsultation,
    /// The applicant applies after pre-consultation.
    Submit,
    /// The approver returns the application for changes; it goes back to draft.
    Return,
    Approve,
    Reject,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::StartPreConsultation,
        Action::Submit,
        Action::Return,
        Action::Approve,
        Action::Reject,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "start_pre_consultation",
            Action::Submit => "submit",
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
            Action::Submit => "利用申請する",
            Action::Return => "差し戻す",
            Action::Approve => "承認する",
            Action::Reject => "却下する",
        }
    }

    /// The action as a noun, for sentences: 「承認を行えません」.
    pub fn noun(self) -> &'static str {
        match self {
            Action::StartPreConsultation => "事前協議の依頼",
            Action::Submit => "利用申請",
            Action::Return => "差し戻し",
            Action::Approve => "承認",
            Action::Reject => "却下",
        }
    }

    /// The transition: from which statuses, to which status, by which role.
    fn rule(self) -> (&'static [Status], Status, UserRole) {
        match self {
            Action::StartPreConsultation => (
                &[Status::Draft],
                Status::PreConsultation,
                UserRole::Applicant,
            ),
            Action::Submit => (
                &[Status::PreConsultation],
                Status::Submitted,
                UserRole::Applicant,
            ),
            Action::Return => (
                &[Status::PreConsultation, Status::Submitted],
                Status::Draft,
                UserRole::Approver,
            ),
            Action::Approve => (&[Status::Submitted], Status::Approved, UserRole::Approver),
            Action::Reject => (&[Status::Submitted], Status::Rejected, UserRole::Approver),
        }
    }

    /// Returning and rejecting must tell the applicant why.
    fn needs_comment(self) -> bool {
        matches!(self, Action::Return | Action::Reject)
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

/// What the rules need to know about an application, judged afresh.
#[derive(Clone, Debug)]
pub struct Application<'a> {
    pub status: Status,
    pub applicant_id: i64,
    /// The verdict and approvals of the assessment as it is now, under the current profile.
    pub verdict: Verdict,
    pub required_approvals: Approvals,
    pub assessment_version: i64,
    /// Whether the profile version recorded on the assessment is still the loaded one.
    pub profile_current: bool,
    pub acceptances: &'a [Acceptance],
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
    #[error("{}の受容（理由つき）がまだ記録されていません", role.label())]
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
    #[error("受容には理由を書いてください")]
    ReasonRequired,
    #[error("この判定には{}の受容は必要ありません", role.label())]
    AcceptanceNotNeeded { role: Role },
    #[error("{}の受容はすでに記録されています", role.label())]
    AlreadyAccepted { role: Role },
    #[error("{}は評価を編集できません", role.label())]
    CannotEdit { role: UserRole },
    #[error("この評価は{owner}の評価です。編集できるのは{owner}の情報セキュリティ管理者だけです")]
    OtherDepartment { owner: String },
    #[error("「{}」の申請に使われている評価は編集できません", status.label())]
    AssessmentFrozen { status: Status },
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
        Action::Submit => {
            if matches!(
                application.verdict,
                Verdict::Prohibited | Verdict::NotApprovable | Verdict::Incomplete
            ) {
                return Err(Refusal::VerdictBlocksSubmission {
                    verdict: application.verdict,
                });
            }
        }
        Action::Approve => check_approval(application, request)?,
        Action::StartPreConsultation | Action::Return | Action::Reject => {}
    }
    Ok(to)
}

fn check_approval(application: &Application<'_>, request: &Request<'_>) -> Result<(), Refusal> {
    if !application.profile_current {
        return Err(Refusal::ProfileRevised);
    }
    let seen = request
        .seen_assessment_version
        .ok_or(Refusal::VersionNotShown)?;
    if seen != application.assessment_version {
        return Err(Refusal::Stale {
            seen,
            current: application.assessment_version,
        });
    }
    if !matches!(
        application.verdict,
        Verdict::Approvable | Verdict::Conditional
    ) {
        return Err(Refusal::VerdictBlocksApproval {
            verdict: application.verdict,
        });
    }
    if application.verdict == Verdict::Conditional {
        for role in application.required_approvals.iter() {
            let recorded = application.acceptances.iter().any(|a| {
                a.role == role
                    && a.assessment_version == application.assessment_version
                    && !a.reason.trim().is_empty()
            });
            if !recorded {
                return Err(Refusal::MissingAcceptance { role });
            }
        }
    }
    Ok(())
}

/// Decides whether the actor may record an acceptance for `role` on a submitted, conditional
/// application.
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
            what: "受容する"
        });
    }
    if application.verdict != Verdict::Conditional || !application.required_approvals.contains(role)
    {
        return Err(Refusal::AcceptanceNotNeeded { role });
    }
    if reason.trim().is_empty() {
        return Err(Refusal::ReasonRequired);
    }
    let already = application
        .acceptances
        .iter()
        .any(|a| a.role == role && a.assessment_version == application.assessment_version);
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

/// Decides whether the actor may change an assessment owned by `owner_department`; `status`
/// is that of the open application using it, if any. Only its author may (see
/// [`may_author_assessment`]), and not while it is under review.
pub fn may_edit_assessment(
    actor_role: UserRole,
    actor_department: &str,
    owner_department: &str,
    status: Option<Status>,
) -> Result<(), Refusal> {
    may_author_assessment(actor_role, actor_department, owner_department)?;
    match status {
        Some(status @ Status::Submitted) => Err(Refusal::AssessmentFrozen { status }),
        _ => Ok(()),
    }
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
                seen_assessment_version: Some(application.assessment_version),
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
