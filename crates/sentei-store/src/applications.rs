//! Applications (利用申請) through the workflow of `sentei_core::workflow`.
//!
//! Each step reads the application, its assessment and acceptances inside the organization's
//! write transaction (`review.rs`), asks the core rules, and writes the new status, an event,
//! the audit record and, on approval, the ledger — all or nothing. Submission pins the
//! assessment version and its judgement on the application; approval records exactly that
//! pinned state, and a change or renewal application, once approved, rewrites the ledger entry
//! it is for.

use sea_orm::sea_query::{Expr, SimpleExpr};
use sea_orm::{
    ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Set,
};
use sentei_core::access::Capability;
use sentei_core::judgement::{Role, Verdict};
use sentei_core::ledger::{self as ledger_rules};
use sentei_core::notify;
use sentei_core::workflow::{self, Acceptance, Action, Kind, Request, Status};
use serde_json::json;
use time::Date;

use crate::entity::{acceptance, application, application_event, assessment, service};
use crate::ledger::{ABOLISHED, entry_row, fields_of_entry};
use crate::ledger_changes::{self, Approved};
use crate::notifications::{About, actor_name, tell};
use crate::review::{acceptances, load, role_name, role_named};
use crate::services::summarize;
use crate::{Actor, Page, Store, StoreError, audit, page_bounds, text_block};

/// Longest purpose, user scope, comment or reason, in characters.
pub(crate) const MAX_TEXT: usize = 2_000;

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
    /// A new use, or a change or renewal of `ledger_entry_id`.
    pub kind: Kind,
    pub ledger_entry_id: Option<i64>,
}

/// What submission pinned.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct PinnedView {
    pub assessment_version: i64,
    pub profile_id: String,
    pub profile_version: String,
    pub verdict: Verdict,
    pub at: Option<time::OffsetDateTime>,
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
    pub kind: Kind,
    pub ledger_entry_id: Option<i64>,
    /// What submission pinned; `None` before submission (and after a return).
    pub pinned: Option<PinnedView>,
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
        let unknown = |what: &str, value: &str| {
            StoreError::Rejected(format!("申請 {} の{what} `{value}` が不明です", m.id))
        };
        let pinned = match (m.pinned_version, &m.pinned_verdict) {
            (Some(version), Some(verdict)) => Some(PinnedView {
                assessment_version: version,
                profile_id: m.pinned_profile_id.clone().unwrap_or_default(),
                profile_version: m.pinned_profile_version.clone().unwrap_or_default(),
                verdict: Verdict::parse(verdict).ok_or_else(|| unknown("判定", verdict))?,
                at: m.pinned_at,
            }),
            _ => None,
        };
        Ok(ApplicationView {
            status: Status::parse(&m.status).ok_or_else(|| unknown("状態", &m.status))?,
            kind: Kind::parse(&m.kind).ok_or_else(|| unknown("種類", &m.kind))?,
            pinned,
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
            ledger_entry_id: m.ledger_entry_id,
        })
    }
}

impl Store {
    /// Creates a draft application by the actor, for a service and one of its assessments:
    /// a new use, or a change or renewal of an entry of the ledger.
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
        let entry = match (new.kind, new.ledger_entry_id) {
            (Kind::New, None) => None,
            (Kind::New, Some(_)) | (Kind::Change | Kind::Renewal, None) => {
                return Err(StoreError::Rejected(
                    "変更申請・更新申請には、対象の台帳の項目を示してください".to_owned(),
                ));
            }
            (kind, Some(entry_id)) => {
                let entry = entry_row(&txn, actor, entry_id).await?;
                if let Some(approved_by) = entry.application_id {
                    let earlier = application::Entity::find_by_id(approved_by)
                        .one(&txn)
                        .await?;
                    if earlier.is_some_and(|a| a.service_id != new.service_id) {
                        return Err(StoreError::Rejected(format!(
                            "台帳の項目 {entry_id} はほかのサービスのものです"
                        )));
                    }
                }
                let mut asked = fields_of_entry(&entry);
                asked.purpose.clone_from(&purpose);
                asked.user_scope.clone_from(&user_scope);
                asked.period_start = new.period_start;
                asked.period_end = new.period_end;
                ledger_rules::approved(
                    &fields_of_entry(&entry),
                    entry.status == ABOLISHED,
                    kind == Kind::Renewal,
                    asked,
                )?;
                Some(entry.id)
            }
        };
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
            kind: Set(new.kind.as_str().to_owned()),
            ledger_entry_id: Set(entry),
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
                "kind": row.kind, "ledger_entry": row.ledger_entry_id,
            }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
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

    /// The approved application a ledger entry stands on (its registration or its latest
    /// change or renewal); `None` for an entry read in from a ledger kept before sentei.
    pub async fn application_for_entry(
        &self,
        actor: &Actor,
        entry_id: i64,
    ) -> Result<Option<ApplicationView>, StoreError> {
        match self.ledger_entry(actor, entry_id).await?.application_id {
            Some(id) => Ok(Some(self.application(actor, id).await?)),
            None => Ok(None),
        }
    }

    /// The change and renewal applications for a ledger entry, newest first.
    pub async fn applications_for_entry(
        &self,
        actor: &Actor,
        entry_id: i64,
    ) -> Result<Vec<ApplicationView>, StoreError> {
        actor.require(Capability::Read)?;
        application::Entity::find()
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .filter(application::Column::LedgerEntryId.eq(entry_id))
            .order_by_desc(application::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(ApplicationView::try_from)
            .collect()
    }

    /// Moves an application through the workflow. To approve, `seen_assessment_version` is the
    /// version of the assessment the reviewer looked at (the pinned one).
    pub async fn act(
        &self,
        actor: &Actor,
        catalog: &sentei_core::Catalog,
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
        let mut update = application::Entity::update_many()
            .col_expr(application::Column::Status, Expr::value(to.as_str()))
            .col_expr(
                application::Column::Version,
                Expr::value(state.app.version + 1),
            )
            .col_expr(application::Column::UpdatedAt, Expr::value(now));
        if action.pins() {
            let current = &state.current;
            let pins: [(application::Column, SimpleExpr); 6] = [
                (
                    application::Column::PinnedVersion,
                    Expr::value(current.judged.version),
                ),
                (
                    application::Column::PinnedProfileId,
                    Expr::value(state.assessment.profile_id.clone()),
                ),
                (
                    application::Column::PinnedProfileVersion,
                    Expr::value(state.assessment.profile_version.clone()),
                ),
                (
                    application::Column::PinnedVerdict,
                    Expr::value(current.judged.verdict.as_str()),
                ),
                (
                    application::Column::PinnedJudgement,
                    Expr::value(current.json.clone()),
                ),
                (application::Column::PinnedAt, Expr::value(now)),
            ];
            for (column, value) in pins {
                update = update.col_expr(column, value);
            }
        } else if to == Status::Draft {
            // Back to draft: it follows the assessment again until submitted anew.
            let no_text = || Expr::value(Option::<String>::None);
            let cleared: [(application::Column, SimpleExpr); 6] = [
                (
                    application::Column::PinnedVersion,
                    Expr::value(Option::<i64>::None),
                ),
                (application::Column::PinnedProfileId, no_text()),
                (application::Column::PinnedProfileVersion, no_text()),
                (application::Column::PinnedVerdict, no_text()),
                (application::Column::PinnedJudgement, no_text()),
                (
                    application::Column::PinnedAt,
                    Expr::value(Option::<time::OffsetDateTime>::None),
                ),
            ];
            for (column, value) in cleared {
                update = update.col_expr(column, value);
            }
        }
        let updated = update
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
        // The event names the version it concerns: the one pinned now, or the one decided on.
        let concerned = if action.pins() {
            &state.current
        } else {
            state.under_decision()
        };
        // Submission and approval keep the judgement they were made on.
        let snapshot = matches!(action, Action::Submit | Action::Resubmit | Action::Approve)
            .then(|| concerned.json.clone());
        application_event::Entity::insert(application_event::ActiveModel {
            org_id: Set(actor.org_id()),
            application_id: Set(id),
            action: Set(action.as_str().to_owned()),
            from_status: Set(state.app.status.clone()),
            to_status: Set(to.as_str().to_owned()),
            actor_id: Set(user),
            comment: Set(comment.trim().to_owned()),
            assessment_version: Set(concerned.judged.version),
            verdict: Set(concerned.judged.verdict.as_str().to_owned()),
            judgement: Set(snapshot),
            at: Set(now),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut summary = sentei_core::audit::Summary::new();
        summary
            .change(
                "状態",
                Status::parse(&state.app.status).map_or("", Status::label),
                to.label(),
            )
            .value("評価の版", &concerned.judged.version.to_string())
            .value("判定", concerned.judged.verdict.label());
        if !comment.trim().is_empty() {
            summary.value("コメント", comment);
        }
        audit::append_summarized(
            &txn,
            actor,
            &format!("application.{}", action.as_str()),
            &format!("application:{id}"),
            &json!({
                "from": state.app.status, "to": to.as_str(), "comment": comment.trim(),
                "assessment_version": concerned.judged.version,
                "verdict": concerned.judged.verdict.as_str(),
            }),
            &summary,
        )
        .await?;
        if action == Action::Approve {
            self.record_approval(&txn, actor, &state).await?;
        }
        let facts = notify::ApplicationFacts {
            service_name: &state.service.name,
            kind: state.kind,
            actor: &actor_name(actor),
            comment,
            verdict: concerned.judged.verdict,
            required: concerned.judged.required_approvals,
        };
        tell(
            &txn,
            actor.org_id(),
            Some(user),
            Some(state.app.applicant_id),
            &notify::after_action(action, concerned.judged.required_approvals),
            |kind| notify::application_words(kind, &facts),
            &About::application(id),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        if action == Action::Approve {
            self.ledger_pages.changed();
        }
        self.application(actor, id).await
    }

    /// Writes the ledger for an approval, with exactly what was pinned: a new entry, or the
    /// change or renewal of the entry the application is for.
    async fn record_approval(
        &self,
        txn: &sea_orm::DatabaseTransaction,
        actor: &Actor,
        state: &crate::review::Loaded,
    ) -> Result<(), StoreError> {
        let pinned = state.under_decision();
        let fields = state.ledger_fields(pinned)?;
        let approved = Approved {
            application_id: state.app.id,
            profile_id: &pinned.profile_id,
            profile_version: &pinned.profile_version,
            verdict: pinned.judged.verdict.as_str(),
        };
        match (state.kind, state.app.ledger_entry_id) {
            (Kind::New, _) | (_, None) => {
                ledger_changes::register(txn, actor, fields, &approved).await
            }
            (kind, Some(entry_id)) => {
                ledger_changes::apply_approved(
                    txn,
                    actor,
                    entry_id,
                    kind == Kind::Renewal,
                    fields,
                    &approved,
                )
                .await
            }
        }
    }

    /// Records the actor's acceptance of a conditional judgement, as approver or CISO, for the
    /// pinned version.
    pub async fn accept(
        &self,
        actor: &Actor,
        catalog: &sentei_core::Catalog,
        id: i64,
        reason: &str,
    ) -> Result<(), StoreError> {
        let user = actor.user()?;
        let role = actor.role().accepts_as().ok_or_else(|| {
            StoreError::Denied(format!(
                "{}は例外の承認を記録できません",
                actor.role().label()
            ))
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
        let version = state.under_decision().judged.version;
        acceptance::Entity::insert(acceptance::ActiveModel {
            org_id: Set(actor.org_id()),
            application_id: Set(id),
            role: Set(role_name(role).to_owned()),
            user_id: Set(user),
            reason: Set(reason.trim().to_owned()),
            assessment_version: Set(version),
            at: Set(crate::now()),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut summary = sentei_core::audit::Summary::new();
        summary
            .value("承認した人の役割", role.label())
            .value("評価の版", &version.to_string())
            .value("理由", reason);
        audit::append_summarized(
            &txn,
            actor,
            "application.accept",
            &format!("application:{id}"),
            &json!({ "role": role_name(role), "reason": reason.trim(), "assessment_version": version }),
            &summary,
        )
        .await?;
        let decided = state.under_decision();
        let facts = notify::ApplicationFacts {
            service_name: &state.service.name,
            kind: state.kind,
            actor: &actor_name(actor),
            comment: reason,
            verdict: decided.judged.verdict,
            required: decided.judged.required_approvals,
        };
        tell(
            &txn,
            actor.org_id(),
            Some(user),
            Some(state.app.applicant_id),
            &notify::after_acceptance(role),
            |kind| notify::application_words(kind, &facts),
            &About::application(id),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
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
