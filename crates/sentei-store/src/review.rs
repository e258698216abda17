//! An application as the rules see it: read in one transaction with its assessment as it stands
//! (judged afresh under the current profile), what submission pinned, its consultation and its
//! acceptances. The workflow steps in `applications.rs` decide on it; pages and the API read
//! it as a [`Review`], and what changed since it was pinned as [`ChangesSince`].

use sea_orm::{ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder};
use sentei_core::access::Capability;
use sentei_core::assessment::Catalog;
use sentei_core::judge;
use sentei_core::judgement::{Approvals, Role, Verdict};
use sentei_core::ledger::LedgerFields;
use sentei_core::profile::PreConsultation;
use sentei_core::record::{Difference, Recorded, RecordedJudgement, differences};
use sentei_core::workflow::{self, Acceptance, Action, Judged, Kind, Refusal, Status};

use crate::assessments::{rejudge, version_row};
use crate::entity::{acceptance, application, application_event, assessment, service, user};
use crate::{Actor, ApplicationView, Store, StoreError};

/// One version of the assessment as judged, with its judgement JSON.
pub(crate) struct Version {
    pub judged: Judged,
    pub json: String,
    pub profile_id: String,
    pub profile_version: String,
}

impl Version {
    fn recorded(&self) -> Result<RecordedJudgement, StoreError> {
        RecordedJudgement::parse(&self.json).map_err(|e| {
            StoreError::Rejected(format!(
                "評価の版 {} の判定の記録を読めません（{e}）",
                self.judged.version
            ))
        })
    }
}

/// An application with everything the rules need, read in one transaction.
pub(crate) struct Loaded {
    pub app: application::Model,
    pub assessment: assessment::Model,
    pub service: service::Model,
    pub applicant: user::Model,
    pub acceptances: Vec<Acceptance>,
    pub kind: Kind,
    /// The assessment as it stands, judged afresh under the current profile.
    pub current: Version,
    /// What submission pinned.
    pub pinned: Option<Version>,
    pub consultation_required: bool,
    pub consulted_version: Option<i64>,
}

impl Loaded {
    pub fn rules(&self) -> workflow::Application<'_> {
        workflow::Application {
            status: Status::parse(&self.app.status).unwrap_or(Status::Draft),
            applicant_id: self.app.applicant_id,
            current: self.current.judged,
            pinned: self.pinned.as_ref().map(|p| p.judged),
            consultation_required: self.consultation_required,
            consulted_version: self.consulted_version,
            acceptances: &self.acceptances,
        }
    }

    /// The version decided on: the pinned one once submitted, the current one before.
    pub fn under_decision(&self) -> &Version {
        self.pinned.as_ref().unwrap_or(&self.current)
    }

    /// (ア)–(キ) as approved: the application's fields with the classification of the
    /// version decided on.
    pub fn ledger_fields(&self, decided: &Version) -> Result<LedgerFields, StoreError> {
        let fields = LedgerFields {
            service_name: self.service.name.clone(),
            provider: self.service.provider.clone(),
            purpose: self.app.purpose.clone(),
            classification: decided.recorded()?.classification_label().to_owned(),
            period_start: self.app.period_start,
            period_end: self.app.period_end,
            applicant_department: self.app.department.clone(),
            applicant_name: self.applicant.display_name.clone(),
            user_scope: self.app.user_scope.clone(),
        };
        fields.validate()?;
        Ok(fields)
    }
}

pub(crate) async fn load<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    catalog: &Catalog,
    id: i64,
) -> Result<Loaded, StoreError> {
    let app = application::Entity::find_by_id(id)
        .filter(application::Column::OrgId.eq(actor.org_id()))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("申請", id))?;
    let assessment = assessment::Entity::find_by_id(app.assessment_id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("評価", app.assessment_id))?;
    let service = service::Entity::find_by_id(app.service_id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("サービス", app.service_id))?;
    let applicant = user::Entity::find_by_id(app.applicant_id)
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("利用者", app.applicant_id))?;
    let acceptances = acceptances(db, id).await?;
    let consulted_version = application_event::Entity::find()
        .filter(application_event::Column::ApplicationId.eq(id))
        .filter(application_event::Column::Action.eq(Action::ConcludeConsultation.as_str()))
        .order_by_desc(application_event::Column::Id)
        .one(db)
        .await?
        .map(|e| e.assessment_version);
    let consultation_required = catalog
        .get(&assessment.profile_id)
        .is_none_or(|p| p.pre_consultation == PreConsultation::Required);
    let kind = Kind::parse(&app.kind).ok_or_else(|| {
        StoreError::Rejected(format!("申請 {} の種類 `{}` が不明です", app.id, app.kind))
    })?;
    Ok(Loaded {
        current: judged_now(catalog, &assessment)?,
        pinned: pinned(catalog, &app)?,
        app,
        assessment,
        service,
        applicant,
        acceptances,
        kind,
        consultation_required,
        consulted_version,
    })
}

/// The assessment as it stands, judged under the current profile. A document the current
/// profile no longer reads counts as judged under a revised profile.
fn judged_now(catalog: &Catalog, assessment: &assessment::Model) -> Result<Version, StoreError> {
    let (judged, json) = match rejudge(catalog, assessment) {
        Ok((parsed, profile)) => {
            let judgement = judge(profile, &parsed);
            (
                Judged {
                    version: assessment.version,
                    verdict: judgement.verdict,
                    required_approvals: judgement.required_approvals,
                    profile_current: profile.version == assessment.profile_version,
                },
                judgement.to_json(),
            )
        }
        Err(StoreError::Refused(Refusal::ProfileRevised)) => (
            Judged {
                version: assessment.version,
                verdict: Verdict::Incomplete,
                required_approvals: Approvals::NONE,
                profile_current: false,
            },
            assessment.judgement.clone(),
        ),
        Err(other) => return Err(other),
    };
    Ok(Version {
        judged,
        json,
        profile_id: assessment.profile_id.clone(),
        profile_version: assessment.profile_version.clone(),
    })
}

/// What submission pinned on the application, if anything.
fn pinned(catalog: &Catalog, app: &application::Model) -> Result<Option<Version>, StoreError> {
    let (Some(version), Some(json)) = (app.pinned_version, app.pinned_judgement.clone()) else {
        return Ok(None);
    };
    let profile_id = app.pinned_profile_id.clone().unwrap_or_default();
    let profile_version = app.pinned_profile_version.clone().unwrap_or_default();
    let mut kept = Version {
        judged: Judged {
            version,
            verdict: Verdict::Incomplete,
            required_approvals: Approvals::NONE,
            profile_current: catalog
                .get(&profile_id)
                .is_some_and(|p| p.version == profile_version),
        },
        json,
        profile_id,
        profile_version,
    };
    let recorded = kept.recorded()?;
    kept.judged.verdict = recorded.verdict;
    kept.judged.required_approvals = recorded.required();
    Ok(Some(kept))
}

pub(crate) async fn acceptances<C: ConnectionTrait>(
    db: &C,
    application_id: i64,
) -> Result<Vec<Acceptance>, StoreError> {
    Ok(acceptance::Entity::find()
        .filter(acceptance::Column::ApplicationId.eq(application_id))
        .order_by_asc(acceptance::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .filter_map(|a| {
            Some(Acceptance {
                role: role_named(&a.role)?,
                user_id: a.user_id,
                reason: a.reason,
                assessment_version: a.assessment_version,
            })
        })
        .collect())
}

/// The role an acceptance row names; `None` for a name this binary does not know.
pub(crate) fn role_named(name: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|&r| role_name(r) == name)
}

pub(crate) fn role_name(role: Role) -> &'static str {
    match role {
        Role::Approver => "approver",
        Role::Ciso => "ciso",
    }
}

/// An application as a reader sees it: what is decided on (the pinned version once
/// submitted, the assessment as it stands before), whether the assessment has moved on since,
/// its consultation, and what the actor may do now.
#[derive(Clone, Debug)]
pub struct Review {
    pub application: ApplicationView,
    /// The verdict, approvals, reasons and version decided on.
    pub verdict: Verdict,
    pub required_approvals: Approvals,
    pub reasons: Vec<String>,
    pub assessment_version: i64,
    /// The judgement JSON of that version, as recorded.
    pub judgement: String,
    /// The assessment document of that version; `None` when it was overwritten before
    /// versions were kept.
    pub document: Option<serde_json::Value>,
    pub profile_current: bool,
    /// Whether the version decided on is pinned (the application was submitted).
    pub pinned: bool,
    /// The assessment as it stands now.
    pub current_assessment_version: i64,
    pub current_verdict: Verdict,
    /// The assessment changed after submission: pending, it must be re-submitted or
    /// returned; approved, it shows as 「承認後に変更あり」.
    pub changed_since_pinned: bool,
    pub consultation_required: bool,
    /// The assessment version the latest 協議済 answer was given for.
    pub consulted_version: Option<i64>,
    pub acceptances: Vec<Acceptance>,
    /// The workflow actions the actor may take now.
    pub actions: Vec<Action>,
    /// The acceptance the actor may record now, if any.
    pub may_accept: Option<Role>,
    /// The acceptances still missing before approval (`workflow::missing_acceptances`).
    pub missing_acceptances: Vec<Role>,
    /// Why the actor, a reviewer, may not approve this submitted application now; `None` when
    /// they may, and for anyone who never approves.
    pub approval_refusal: Option<Refusal>,
}

/// What changed in an application's assessment after the version it pinned.
#[derive(Clone, Debug)]
pub struct ChangesSince {
    pub application: ApplicationView,
    pub pinned_version: i64,
    pub current_version: i64,
    pub differences: Vec<Difference>,
}

impl Store {
    /// The application with what it is decided on and what the actor may do.
    pub async fn review(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        id: i64,
    ) -> Result<Review, StoreError> {
        actor.require(Capability::Read)?;
        let state = load(&self.db, actor, catalog, id).await?;
        let rules = state.rules();
        let me = actor.user_id().unwrap_or(0);
        let actions = workflow::available_actions(&rules, me, actor.role());
        let may_accept = actor.role().accepts_as().filter(|&role| {
            workflow::may_accept(&rules, me, actor.role(), role, "（確認用）").is_ok()
        });
        let decided = state.under_decision();
        let approval_refusal = (actor.can(Capability::Review) && rules.status == Status::Submitted)
            .then(|| {
                workflow::decide(
                    &rules,
                    &workflow::Request {
                        actor_id: me,
                        actor_role: actor.role(),
                        action: Action::Approve,
                        comment: "（確認用）",
                        seen_assessment_version: Some(decided.judged.version),
                    },
                )
                .err()
            })
            .flatten();
        let missing_acceptances = workflow::missing_acceptances(&rules);
        let document = self.document_of(&state, decided.judged.version).await?;
        Ok(Review {
            verdict: decided.judged.verdict,
            required_approvals: decided.judged.required_approvals,
            reasons: decided.recorded()?.reasons,
            assessment_version: decided.judged.version,
            judgement: decided.json.clone(),
            document,
            profile_current: decided.judged.profile_current,
            pinned: state.pinned.is_some(),
            current_assessment_version: state.current.judged.version,
            current_verdict: state.current.judged.verdict,
            changed_since_pinned: rules.changed_since_pinned(),
            consultation_required: state.consultation_required,
            consulted_version: state.consulted_version,
            acceptances: state.acceptances.clone(),
            actions,
            may_accept,
            missing_acceptances,
            approval_refusal,
            application: state.app.try_into()?,
        })
    }

    /// What changed in the application's assessment after the version it pinned: facts and
    /// answers, before → after. Empty before submission.
    pub async fn changes_since_pinned(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        id: i64,
    ) -> Result<ChangesSince, StoreError> {
        actor.require(Capability::Read)?;
        let state = load(&self.db, actor, catalog, id).await?;
        let current_version = state.assessment.version;
        let Some(pinned) = &state.pinned else {
            return Ok(ChangesSince {
                pinned_version: current_version,
                current_version,
                differences: Vec::new(),
                application: state.app.try_into()?,
            });
        };
        let before_doc = self.document_of(&state, pinned.judged.version).await?;
        let after_doc = parse_document(&state.assessment.document)?;
        let after = RecordedJudgement::parse(&state.assessment.judgement)
            .map_err(|e| StoreError::Rejected(format!("評価の判定の記録を読めません（{e}）")))?;
        let before = pinned.recorded()?;
        let found = differences(
            Recorded {
                judgement: &before,
                document: before_doc.as_ref(),
            },
            Recorded {
                judgement: &after,
                document: Some(&after_doc),
            },
        );
        Ok(ChangesSince {
            pinned_version: pinned.judged.version,
            current_version,
            differences: found,
            application: state.app.try_into()?,
        })
    }

    /// The assessment document of one version of the application's assessment.
    async fn document_of(
        &self,
        state: &Loaded,
        version: i64,
    ) -> Result<Option<serde_json::Value>, StoreError> {
        if version == state.assessment.version {
            return parse_document(&state.assessment.document).map(Some);
        }
        version_row(&self.db, state.assessment.id, version)
            .await?
            .map(|v| parse_document(&v.document))
            .transpose()
    }
}

fn parse_document(text: &str) -> Result<serde_json::Value, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| StoreError::Rejected(format!("評価の保存内容を読めません（{e}）")))
}
