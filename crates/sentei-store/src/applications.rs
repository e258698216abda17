//! Applications (利用申請) through the workflow of `sentei_core::workflow`.
//!
//! Each step reads the application, its assessment and acceptances inside the organization's
//! write transaction, re-judges the assessment under the current profile, asks the core rules,
//! and writes the new status, an event, the audit record and, on approval, the ledger entry —
//! all or nothing.

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sentei_core::access::Capability;
use sentei_core::assessment::Catalog;
use sentei_core::facts::CLASSIFICATIONS;
use sentei_core::judge;
use sentei_core::judgement::{Role, Verdict};
use sentei_core::ledger::LedgerFields;
use sentei_core::workflow::{self, Acceptance, Action, Refusal, Request, Status};
use serde_json::json;
use time::Date;

use crate::assessments::rejudge;
use crate::entity::{acceptance, application, application_event, assessment, service, user};
use crate::services::summarize;
use crate::{Actor, Page, Store, StoreError, audit, ledger_changes, page_bounds, text_block};

/// Longest purpose, user scope, comment or reason, in characters.
const MAX_TEXT: usize = 2_000;

#[derive(Clone, Debug)]
pub struct NewApplication {
    pub service_id: i64,
    pub assessment_id: i64,
    /// (ウ) 利用目的（業務内容）
    pub purpose: String,
    /// (キ) 利用者の範囲
    pub user_scope: String,
    /// (オ) 利用期間
    pub period_start: Date,
    pub period_end: Date,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct ApplicationView {
    pub id: i64,
    pub service_id: i64,
    pub assessment_id: i64,
    pub applicant_id: i64,
    pub department: String,
    pub purpose: String,
    pub user_scope: String,
    pub period_start: Date,
    pub period_end: Date,
    pub status: Status,
    pub version: i64,
    pub updated_at: time::OffsetDateTime,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct EventView {
    pub action: String,
    pub from_status: String,
    pub to_status: String,
    pub actor_id: i64,
    pub comment: String,
    pub assessment_version: i64,
    pub verdict: String,
    pub at: time::OffsetDateTime,
}

impl TryFrom<application::Model> for ApplicationView {
    type Error = StoreError;
    fn try_from(m: application::Model) -> Result<ApplicationView, StoreError> {
        Ok(ApplicationView {
            status: Status::parse(&m.status).ok_or_else(|| {
                StoreError::Rejected(format!("申請 {} の状態 `{}` が不明です", m.id, m.status))
            })?,
            id: m.id,
            service_id: m.service_id,
            assessment_id: m.assessment_id,
            applicant_id: m.applicant_id,
            department: m.department,
            purpose: m.purpose,
            user_scope: m.user_scope,
            period_start: m.period_start,
            period_end: m.period_end,
            version: m.version,
            updated_at: m.updated_at,
        })
    }
}

impl Store {
    /// Creates a draft application by the actor, for a service and one of its assessments.
    pub async fn create_application(
        &self,
        actor: &Actor,
        new: NewApplication,
    ) -> Result<ApplicationView, StoreError> {
        actor.require(Capability::Apply)?;
        let user = actor.user()?;
        let purpose = text_block(&new.purpose, "(ウ) 利用目的", MAX_TEXT, true)?;
        let user_scope = text_block(&new.user_scope, "(キ) 利用者の範囲", MAX_TEXT, true)?;
        if new.period_end < new.period_start {
            return Err(StoreError::Rejected(
                "(オ) 利用期間の終了日が開始日より前です".to_owned(),
            ));
        }
        let txn = self.begin_write(actor.org_id()).await?;
        let assessment = assessment::Entity::find_by_id(new.assessment_id)
            .filter(assessment::Column::OrgId.eq(actor.org_id()))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("評価", new.assessment_id))?;
        if assessment.service_id != new.service_id {
            return Err(StoreError::Rejected(format!(
                "評価 {} はサービス {} のものではありません",
                assessment.id, new.service_id
            )));
        }
        let now = crate::now();
        let row = application::Entity::insert(application::ActiveModel {
            org_id: Set(actor.org_id()),
            service_id: Set(new.service_id),
            assessment_id: Set(new.assessment_id),
            applicant_id: Set(user),
            department: Set(actor.department().to_owned()),
            purpose: Set(purpose),
            user_scope: Set(user_scope),
            period_start: Set(new.period_start),
            period_end: Set(new.period_end),
            status: Set(Status::Draft.as_str().to_owned()),
            version: Set(1),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        summarize(
            &txn,
            row.service_id,
            service::Column::Status,
            Status::Draft.as_str(),
        )
        .await?;
        audit::append(
            &txn,
            actor,
            "application.create",
            &format!("application:{}", row.id),
            &json!({
                "service": row.service_id, "assessment": row.assessment_id, "purpose": row.purpose,
                "user_scope": row.user_scope, "period": [row.period_start.to_string(), row.period_end.to_string()],
            }),
        )
        .await?;
        txn.commit().await?;
        row.try_into()
    }

    pub async fn application(&self, actor: &Actor, id: i64) -> Result<ApplicationView, StoreError> {
        actor.require(Capability::Read)?;
        application::Entity::find_by_id(id)
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("申請", id))?
            .try_into()
    }

    /// Applications of the actor's organization, optionally in one status, newest first.
    pub async fn applications(
        &self,
        actor: &Actor,
        status: Option<Status>,
        page: u64,
        page_size: u64,
    ) -> Result<Page<ApplicationView>, StoreError> {
        actor.require(Capability::Read)?;
        let (page, page_size) = page_bounds(page, page_size);
        let mut query =
            application::Entity::find().filter(application::Column::OrgId.eq(actor.org_id()));
        if let Some(status) = status {
            query = query.filter(application::Column::Status.eq(status.as_str()));
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(application::Column::Id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(ApplicationView::try_from)
                .collect::<Result<_, _>>()?,
            total,
            page,
            page_size,
        })
    }

    /// Moves an application through the workflow. To approve, `seen_assessment_version` is the
    /// version of the assessment the reviewer looked at.
    pub async fn act(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        id: i64,
        action: Action,
        comment: &str,
        seen_assessment_version: Option<i64>,
    ) -> Result<ApplicationView, StoreError> {
        actor.require(Capability::Read)?;
        let user = actor.user()?;
        if comment.chars().count() > MAX_TEXT {
            return Err(StoreError::Rejected(format!(
                "コメントは {MAX_TEXT} 文字以内にしてください"
            )));
        }
        text_block(comment, "コメント", MAX_TEXT, false)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let state = load(&txn, actor, catalog, id).await?;
        let request = Request {
            actor_id: user,
            actor_role: actor.role(),
            action,
            comment,
            seen_assessment_version,
        };
        let to = workflow::decide(&state.rules(), &request)?;
        let now = crate::now();
        let updated = application::Entity::update_many()
            .col_expr(application::Column::Status, Expr::value(to.as_str()))
            .col_expr(
                application::Column::Version,
                Expr::value(state.app.version + 1),
            )
            .col_expr(application::Column::UpdatedAt, Expr::value(now))
            .filter(application::Column::Id.eq(id))
            .filter(application::Column::Version.eq(state.app.version))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::conflict(
                "この申請",
                state.app.version,
                state.app.version + 1,
            ));
        }
        summarize(
            &txn,
            state.app.service_id,
            service::Column::Status,
            to.as_str(),
        )
        .await?;
        // Submission and approval keep the judgement they were made on.
        let snapshot = matches!(action, Action::Submit | Action::Approve)
            .then(|| state.judgement_json.clone());
        application_event::Entity::insert(application_event::ActiveModel {
            org_id: Set(actor.org_id()),
            application_id: Set(id),
            action: Set(action.as_str().to_owned()),
            from_status: Set(state.app.status.clone()),
            to_status: Set(to.as_str().to_owned()),
            actor_id: Set(user),
            comment: Set(comment.trim().to_owned()),
            assessment_version: Set(state.assessment.version),
            verdict: Set(state.verdict.as_str().to_owned()),
            judgement: Set(snapshot),
            at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            &format!("application.{}", action.as_str()),
            &format!("application:{id}"),
            &json!({
                "from": state.app.status, "to": to.as_str(), "comment": comment.trim(),
                "assessment_version": state.assessment.version, "verdict": state.verdict.as_str(),
            }),
        )
        .await?;
        if action == Action::Approve {
            ledger_changes::register(
                &txn,
                actor,
                &state.app,
                state.ledger_fields()?,
                &state.assessment,
                state.verdict,
            )
            .await?;
        }
        txn.commit().await?;
        if action == Action::Approve {
            self.ledger_pages.changed();
        }
        self.application(actor, id).await
    }

    /// Records the actor's acceptance of a conditional judgement, as approver or CISO.
    pub async fn accept(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let user = actor.user()?;
        let role = actor.role().accepts_as().ok_or_else(|| {
            StoreError::Denied(format!("{}は受容を記録できません", actor.role().label()))
        })?;
        if reason.chars().count() > MAX_TEXT {
            return Err(StoreError::Rejected(format!(
                "理由は {MAX_TEXT} 文字以内にしてください"
            )));
        }
        text_block(reason, "理由", MAX_TEXT, false)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let state = load(&txn, actor, catalog, id).await?;
        workflow::may_accept(&state.rules(), user, actor.role(), role, reason)?;
        acceptance::Entity::insert(acceptance::ActiveModel {
            org_id: Set(actor.org_id()),
            application_id: Set(id),
            role: Set(role_name(role).to_owned()),
            user_id: Set(user),
            reason: Set(reason.trim().to_owned()),
            assessment_version: Set(state.assessment.version),
            at: Set(crate::now()),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "application.accept",
            &format!("application:{id}"),
            &json!({ "role": role_name(role), "reason": reason.trim(), "assessment_version": state.assessment.version }),
        )
        .await?;
        txn.commit().await?;
        Ok(())
    }

    /// The transitions of an application, oldest first.
    pub async fn application_events(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<EventView>, StoreError> {
        self.application(actor, id).await?;
        Ok(application_event::Entity::find()
            .filter(application_event::Column::ApplicationId.eq(id))
            .order_by_asc(application_event::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(|e| EventView {
                action: e.action,
                from_status: e.from_status,
                to_status: e.to_status,
                actor_id: e.actor_id,
                comment: e.comment,
                assessment_version: e.assessment_version,
                verdict: e.verdict,
                at: e.at,
            })
            .collect())
    }

    /// The acceptances recorded on an application.
    pub async fn acceptances(&self, actor: &Actor, id: i64) -> Result<Vec<Acceptance>, StoreError> {
        self.application(actor, id).await?;
        acceptances(&self.db, id).await
    }

    /// When each acceptance of an application was recorded, in the order recorded.
    pub async fn acceptance_times(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<Vec<(Role, i64, time::OffsetDateTime)>, StoreError> {
        self.application(actor, id).await?;
        Ok(acceptance::Entity::find()
            .filter(acceptance::Column::ApplicationId.eq(id))
            .order_by_asc(acceptance::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .filter_map(|a| Some((role_named(&a.role)?, a.assessment_version, a.at)))
            .collect())
    }
}

/// An application as a reviewer sees it now: judged afresh under the current profile, with
/// what the actor may do to it.
#[derive(Clone, Debug)]
pub struct Review {
    pub application: ApplicationView,
    pub verdict: Verdict,
    pub required_approvals: sentei_core::judgement::Approvals,
    pub reasons: Vec<String>,
    pub assessment_version: i64,
    pub profile_current: bool,
    pub acceptances: Vec<Acceptance>,
    /// The workflow actions the actor may take now.
    pub actions: Vec<Action>,
    /// The acceptance the actor may record now, if any.
    pub may_accept: Option<Role>,
}

impl Store {
    /// The application with its current judgement and what the actor may do.
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
        let judgement: serde_json::Value =
            serde_json::from_str(&state.judgement_json).unwrap_or_default();
        let reasons = judgement["reasons"]
            .as_array()
            .map(|r| {
                r.iter()
                    .filter_map(|v| v.as_str().map(str::to_owned))
                    .collect()
            })
            .unwrap_or_default();
        Ok(Review {
            verdict: state.verdict,
            required_approvals: state.required,
            reasons,
            assessment_version: state.assessment.version,
            profile_current: state.profile_current,
            acceptances: state.acceptances.clone(),
            actions,
            may_accept,
            application: state.app.try_into()?,
        })
    }
}

/// An application with everything the rules need, read in one transaction.
struct Loaded {
    app: application::Model,
    assessment: assessment::Model,
    service: service::Model,
    applicant: user::Model,
    acceptances: Vec<Acceptance>,
    verdict: Verdict,
    required: sentei_core::judgement::Approvals,
    profile_current: bool,
    judgement_json: String,
    classification: &'static str,
}

impl Loaded {
    fn rules(&self) -> workflow::Application<'_> {
        workflow::Application {
            status: Status::parse(&self.app.status).unwrap_or(Status::Draft),
            applicant_id: self.app.applicant_id,
            verdict: self.verdict,
            required_approvals: self.required,
            assessment_version: self.assessment.version,
            profile_current: self.profile_current,
            acceptances: &self.acceptances,
        }
    }

    fn ledger_fields(&self) -> Result<LedgerFields, StoreError> {
        let fields = LedgerFields {
            service_name: self.service.name.clone(),
            provider: self.service.provider.clone(),
            purpose: self.app.purpose.clone(),
            classification: self.classification.to_owned(),
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

async fn load<C: sea_orm::ConnectionTrait>(
    txn: &C,
    actor: &Actor,
    catalog: &Catalog,
    id: i64,
) -> Result<Loaded, StoreError> {
    let app = application::Entity::find_by_id(id)
        .filter(application::Column::OrgId.eq(actor.org_id()))
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("申請", id))?;
    let assessment = assessment::Entity::find_by_id(app.assessment_id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("評価", app.assessment_id))?;
    let service = service::Entity::find_by_id(app.service_id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("サービス", app.service_id))?;
    let applicant = user::Entity::find_by_id(app.applicant_id)
        .one(txn)
        .await?
        .ok_or_else(|| StoreError::not_found("利用者", app.applicant_id))?;
    let acceptances = acceptances(txn, id).await?;
    // A document the current profile no longer reads counts as judged under a revised profile.
    let (verdict, required, judgement_json, classification, profile_current) =
        match rejudge(catalog, &assessment) {
            Ok((parsed, profile)) => {
                let judgement = judge(profile, &parsed);
                let classification = CLASSIFICATIONS
                    .get(usize::from(
                        parsed.facts.value(sentei_core::facts::CLASSIFICATION),
                    ))
                    .map_or("", |c| c.label);
                (
                    judgement.verdict,
                    judgement.required_approvals,
                    judgement.to_json(),
                    classification,
                    profile.version == assessment.profile_version,
                )
            }
            Err(StoreError::Refused(Refusal::ProfileRevised)) => (
                Verdict::Incomplete,
                Default::default(),
                assessment.judgement.clone(),
                "",
                false,
            ),
            Err(other) => return Err(other),
        };
    Ok(Loaded {
        app,
        assessment,
        service,
        applicant,
        acceptances,
        verdict,
        required,
        profile_current,
        judgement_json,
        classification,
    })
}

async fn acceptances<C: sea_orm::ConnectionTrait>(
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
fn role_named(name: &str) -> Option<Role> {
    Role::ALL.into_iter().find(|&r| role_name(r) == name)
}

fn role_name(role: Role) -> &'static str {
    match role {
        Role::Approver => "approver",
        Role::Ciso => "ciso",
    }
}
