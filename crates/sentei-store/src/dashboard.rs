//! Figures for the dashboard: counts by status and verdict, approvals per month, and the
//! applications waiting for the actor.

use sea_orm::sea_query::{Expr, Func};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, QuerySelect};
use sentei_core::access::Capability;
use sentei_core::workflow::{Status, UserRole};
use time::Date;

use crate::applications::ApplicationView;
use crate::entity::{acceptance, application, application_event, service};
use crate::{Actor, Store, StoreError};

impl Store {
    /// How many applications are in each status.
    pub async fn application_counts(
        &self,
        actor: &Actor,
    ) -> Result<Vec<(Status, u64)>, StoreError> {
        actor.require(Capability::Read)?;
        let rows: Vec<(String, i64)> = application::Entity::find()
            .select_only()
            .column(application::Column::Status)
            .expr(Func::count(Expr::col(application::Column::Id)))
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .group_by(application::Column::Status)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(Status::ALL
            .into_iter()
            .map(|status| {
                let n = rows
                    .iter()
                    .find(|(s, _)| s == status.as_str())
                    .map_or(0, |(_, n)| *n);
                (status, u64::try_from(n).unwrap_or(0))
            })
            .collect())
    }

    /// How many services have each verdict in their latest assessment ("" = not assessed).
    pub async fn verdict_counts(&self, actor: &Actor) -> Result<Vec<(String, u64)>, StoreError> {
        actor.require(Capability::Read)?;
        let rows: Vec<(String, i64)> = service::Entity::find()
            .select_only()
            .column(service::Column::Verdict)
            .expr(Func::count(Expr::col(service::Column::Id)))
            .filter(service::Column::OrgId.eq(actor.org_id()))
            .group_by(service::Column::Verdict)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(v, n)| (v, u64::try_from(n).unwrap_or(0)))
            .collect())
    }

    /// Approvals per calendar month (UTC) from `since`, oldest first, months without any
    /// included.
    pub async fn approvals_per_month(
        &self,
        actor: &Actor,
        since: Date,
    ) -> Result<Vec<(i32, u8, u64)>, StoreError> {
        actor.require(Capability::Read)?;
        let from = since
            .replace_day(1)
            .unwrap_or(since)
            .midnight()
            .assume_utc();
        let times: Vec<time::OffsetDateTime> = application_event::Entity::find()
            .select_only()
            .column(application_event::Column::At)
            .filter(application_event::Column::OrgId.eq(actor.org_id()))
            .filter(application_event::Column::Action.eq("approve"))
            .filter(application_event::Column::At.gte(from))
            .into_tuple()
            .all(&self.db)
            .await?;
        let mut months = Vec::new();
        let mut cursor = from.date();
        let today = crate::now().date();
        while cursor <= today {
            let (y, m) = (cursor.year(), cursor.month());
            let n = times
                .iter()
                .filter(|t| t.year() == y && t.month() == m)
                .count() as u64;
            months.push((y, u8::from(m), n));
            cursor = next_month(cursor);
        }
        Ok(months)
    }

    /// Applications the actor should act on now: for approvers, those in pre-consultation or
    /// submitted by others; for the CISO, submitted ones needing the CISO's acceptance not yet
    /// given; for applicants, their own drafts, consultations and 協議済 ones.
    pub async fn waiting_for(&self, actor: &Actor) -> Result<Vec<ApplicationView>, StoreError> {
        actor.require(Capability::Read)?;
        let me = actor.user_id().unwrap_or(0);
        let base = application::Entity::find()
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .order_by_asc(application::Column::UpdatedAt)
            .limit(100);
        let rows = match actor.role() {
            UserRole::Approver => {
                base.filter(
                    application::Column::Status
                        .is_in([Status::PreConsultation.as_str(), Status::Submitted.as_str()]),
                )
                .filter(application::Column::ApplicantId.ne(me))
                .all(&self.db)
                .await?
            }
            UserRole::Ciso => {
                let submitted = base
                    .filter(application::Column::Status.eq(Status::Submitted.as_str()))
                    .all(&self.db)
                    .await?;
                let mut waiting = Vec::new();
                for app in submitted {
                    if self.needs_ciso(&app).await? {
                        waiting.push(app);
                    }
                }
                waiting
            }
            UserRole::Applicant => {
                base.filter(application::Column::ApplicantId.eq(me))
                    .filter(application::Column::Status.is_in([
                        Status::Draft.as_str(),
                        Status::PreConsultation.as_str(),
                        Status::Consulted.as_str(),
                    ]))
                    .all(&self.db)
                    .await?
            }
            UserRole::Auditor | UserRole::Admin => Vec::new(),
        };
        rows.into_iter().map(ApplicationView::try_from).collect()
    }

    /// Whether the judgement a submitted application pinned needs the CISO, who has not yet
    /// accepted that version of it.
    async fn needs_ciso(&self, app: &application::Model) -> Result<bool, StoreError> {
        let (Some(version), Some(pinned)) = (app.pinned_version, &app.pinned_judgement) else {
            return Ok(false);
        };
        let judgement: serde_json::Value = serde_json::from_str(pinned).unwrap_or_default();
        let required = judgement["required_approvals"]
            .as_array()
            .is_some_and(|roles| roles.iter().any(|r| r == "ciso"));
        if !required {
            return Ok(false);
        }
        let accepted = acceptance::Entity::find()
            .filter(acceptance::Column::ApplicationId.eq(app.id))
            .filter(acceptance::Column::Role.eq("ciso"))
            .filter(acceptance::Column::AssessmentVersion.eq(version))
            .one(&self.db)
            .await?;
        Ok(accepted.is_none())
    }
}

fn next_month(date: Date) -> Date {
    let (year, month) = if date.month() == time::Month::December {
        (date.year() + 1, time::Month::January)
    } else {
        (date.year(), date.month().next())
    };
    Date::from_calendar_date(year, month, 1).unwrap_or(date)
}
