//! Assessments: stored as the contract's assessment document, judged on every save.
//!
//! Saves are optimistic: each names the version it started from, and a save over someone
//! else's newer version is refused with a conflict rather than silently overwriting it. Every
//! version is also appended to `assessment_versions` and never changed, so an application
//! pinned to one keeps it however the assessment changes afterwards.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sentei_core::access::Capability;
use sentei_core::assessment::{Catalog, Service};
use sentei_core::audit::Summary;
use sentei_core::record::{Recorded, RecordedJudgement, differences};
use sentei_core::workflow::{Refusal, may_edit_assessment};
use sentei_core::{Assessment, Profile, judge};
use serde_json::json;

use crate::entity::{application, assessment, assessment_version, service};
use crate::services::summarize;
use crate::{Actor, Store, StoreError, audit};

#[derive(Clone, Debug)]
pub struct StoredAssessment {
    pub id: i64,
    pub service_id: i64,
    pub profile_id: String,
    pub profile_version: String,
    pub version: i64,
    pub verdict: String,
    /// The assessment file of the contract.
    pub document: serde_json::Value,
    /// The judgement JSON of the contract, as of the last save, verbatim: pages judge again,
    /// and the API passes it on, so it is checked but not taken apart.
    pub judgement: Box<serde_json::value::RawValue>,
    pub updated_by: i64,
    pub updated_at: time::OffsetDateTime,
    /// The department it belongs to, which alone writes it.
    pub department: String,
}

impl TryFrom<assessment::Model> for StoredAssessment {
    type Error = StoreError;
    fn try_from(m: assessment::Model) -> Result<StoredAssessment, StoreError> {
        let parse = |text: &str| {
            serde_json::from_str(text).map_err(|e| {
                StoreError::Rejected(format!("評価 {} の保存内容を読めません（{e}）", m.id))
            })
        };
        Ok(StoredAssessment {
            document: parse(&m.document)?,
            judgement: serde_json::value::RawValue::from_string(m.judgement).map_err(|e| {
                StoreError::Rejected(format!("評価 {} の判定結果を読めません（{e}）", m.id))
            })?,
            id: m.id,
            service_id: m.service_id,
            profile_id: m.profile_id,
            profile_version: m.profile_version,
            version: m.version,
            verdict: m.verdict,
            updated_by: m.updated_by,
            updated_at: m.updated_at,
            department: m.department,
        })
    }
}

/// A document read, checked and judged: what a save writes.
struct Judged<'c> {
    profile: &'c Profile,
    document: String,
    verdict: &'static str,
    judgement: String,
    /// The classification label (機密性2, ...).
    classification: &'static str,
}

impl Store {
    /// Creates an assessment of a service from an assessment document (YAML or JSON). The
    /// document's service name and provider are replaced by the registry's. It belongs to the
    /// actor's department.
    pub async fn create_assessment(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        service_id: i64,
        document: &str,
    ) -> Result<StoredAssessment, StoreError> {
        actor.require(Capability::Register)?;
        let user = actor.user()?;
        let service = self.service_row(actor, service_id).await?;
        let judged = read_and_judge(catalog, document, &service.name, &service.provider)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let now = crate::now();
        let row = assessment::Entity::insert(assessment::ActiveModel {
            org_id: Set(actor.org_id()),
            service_id: Set(service.id),
            profile_id: Set(judged.profile.id.clone()),
            profile_version: Set(judged.profile.version.clone()),
            document: Set(judged.document),
            version: Set(1),
            verdict: Set(judged.verdict.to_owned()),
            judgement: Set(judged.judgement),
            updated_by: Set(user),
            department: Set(actor.department().trim().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        keep_version(&txn, &row).await?;
        summarize(
            &txn,
            service.id,
            service::Column::Classification,
            judged.classification,
        )
        .await?;
        summarize(&txn, service.id, service::Column::Verdict, judged.verdict).await?;
        audit::append(
            &txn,
            actor,
            "assessment.create",
            &format!("assessment:{}", row.id),
            &json!({ "service": service.id, "profile": row.profile_id, "version": 1, "verdict": row.verdict, "document": row.document }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        row.try_into()
    }

    /// Saves a new document over version `expected_version` as the next version; judged afresh
    /// under the current profile. Refused on conflict. Applications already submitted keep the
    /// version they pinned.
    pub async fn save_assessment(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        id: i64,
        expected_version: i64,
        document: &str,
    ) -> Result<StoredAssessment, StoreError> {
        let user = actor.user()?;
        self.save_assessment_as(actor, user, catalog, id, expected_version, document)
            .await
    }

    /// The save itself, recording `updated_by` as the user behind it (for a vendor, the user
    /// who made the link) and `actor` in the audit trail.
    pub(crate) async fn save_assessment_as(
        &self,
        actor: &Actor,
        user: i64,
        catalog: &Catalog,
        id: i64,
        expected_version: i64,
        document: &str,
    ) -> Result<StoredAssessment, StoreError> {
        actor.require(Capability::Register)?;
        let current = self.assessment_row(actor, id).await?;
        may_edit_assessment(actor.role(), actor.department(), &current.department)?;
        let service = self.service_row(actor, current.service_id).await?;
        let judged = read_and_judge(catalog, document, &service.name, &service.provider)?;
        let txn = self.begin_write(actor.org_id()).await?;
        // Read again under the write lock: the version check and the update are one step.
        let latest = assessment::Entity::find_by_id(id).one(&txn).await?;
        let latest_version = latest.as_ref().map_or(0, |r| r.version);
        if latest_version != expected_version {
            return Err(StoreError::conflict(
                "この評価",
                expected_version,
                latest_version,
            ));
        }
        // Before the update below takes the judged document and judgement.
        let summary = save_summary(latest.as_ref(), &judged, expected_version + 1);
        let updated = assessment::Entity::update_many()
            .col_expr(
                assessment::Column::ProfileId,
                Expr::value(judged.profile.id.clone()),
            )
            .col_expr(
                assessment::Column::ProfileVersion,
                Expr::value(judged.profile.version.clone()),
            )
            .col_expr(
                assessment::Column::Document,
                Expr::value(judged.document.clone()),
            )
            .col_expr(
                assessment::Column::Version,
                Expr::value(expected_version + 1),
            )
            .col_expr(assessment::Column::Verdict, Expr::value(judged.verdict))
            .col_expr(assessment::Column::Judgement, Expr::value(judged.judgement))
            .col_expr(assessment::Column::UpdatedBy, Expr::value(user))
            .col_expr(assessment::Column::UpdatedAt, Expr::value(crate::now()))
            .filter(assessment::Column::Id.eq(id))
            .filter(assessment::Column::Version.eq(expected_version))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::conflict(
                "この評価",
                expected_version,
                latest_version,
            ));
        }
        let saved = assessment::Entity::find_by_id(id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("評価", id))?;
        keep_version(&txn, &saved).await?;
        summarize(
            &txn,
            service.id,
            service::Column::Classification,
            judged.classification,
        )
        .await?;
        summarize(&txn, service.id, service::Column::Verdict, judged.verdict).await?;
        audit::append_summarized(
            &txn,
            actor,
            "assessment.save",
            &format!("assessment:{id}"),
            &json!({ "version": expected_version + 1, "verdict": judged.verdict, "document": judged.document }),
            &summary,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        self.assessment(actor, id).await
    }

    pub async fn assessment(&self, actor: &Actor, id: i64) -> Result<StoredAssessment, StoreError> {
        actor.require(Capability::Read)?;
        self.assessment_row(actor, id).await?.try_into()
    }

    /// The assessments of a service, newest first.
    pub async fn assessments_of_service(
        &self,
        actor: &Actor,
        service_id: i64,
    ) -> Result<Vec<StoredAssessment>, StoreError> {
        actor.require(Capability::Read)?;
        assessment::Entity::find()
            .filter(assessment::Column::OrgId.eq(actor.org_id()))
            .filter(assessment::Column::ServiceId.eq(service_id))
            .order_by_desc(assessment::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(StoredAssessment::try_from)
            .collect()
    }

    pub(crate) async fn assessment_row(
        &self,
        actor: &Actor,
        id: i64,
    ) -> Result<assessment::Model, StoreError> {
        assessment::Entity::find_by_id(id)
            .filter(assessment::Column::OrgId.eq(actor.org_id()))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("評価", id))
    }

    /// Why the actor may not change the assessment, if they may not: the rule of
    /// [`may_edit_assessment`], for pages to show the editor read-only with the reason.
    pub fn edit_refusal(&self, actor: &Actor, assessment: &StoredAssessment) -> Option<Refusal> {
        may_edit_assessment(actor.role(), actor.department(), &assessment.department).err()
    }

    /// The applications of the actor's organization that use an assessment, newest first.
    pub async fn applications_of_assessment(
        &self,
        actor: &Actor,
        assessment_id: i64,
    ) -> Result<Vec<crate::ApplicationView>, StoreError> {
        actor.require(Capability::Read)?;
        application::Entity::find()
            .filter(application::Column::OrgId.eq(actor.org_id()))
            .filter(application::Column::AssessmentId.eq(assessment_id))
            .order_by_desc(application::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(crate::ApplicationView::try_from)
            .collect()
    }

    /// One kept version of an assessment; `None` when it was overwritten before versions
    /// were kept (databases older than schema version 4).
    pub async fn assessment_at(
        &self,
        actor: &Actor,
        id: i64,
        version: i64,
    ) -> Result<Option<StoredAssessment>, StoreError> {
        actor.require(Capability::Read)?;
        let current = self.assessment_row(actor, id).await?;
        version_row(&self.db, id, version)
            .await?
            .map(|v| {
                StoredAssessment::try_from(assessment::Model {
                    id,
                    org_id: v.org_id,
                    service_id: current.service_id,
                    profile_id: v.profile_id,
                    profile_version: v.profile_version,
                    document: v.document,
                    version: v.version,
                    verdict: v.verdict,
                    judgement: v.judgement,
                    updated_by: v.updated_by,
                    created_at: current.created_at,
                    updated_at: v.updated_at,
                    department: current.department.clone(),
                })
            })
            .transpose()
    }
}

/// A kept version of an assessment.
pub(crate) async fn version_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    assessment_id: i64,
    version: i64,
) -> Result<Option<assessment_version::Model>, StoreError> {
    Ok(assessment_version::Entity::find()
        .filter(assessment_version::Column::AssessmentId.eq(assessment_id))
        .filter(assessment_version::Column::Version.eq(version))
        .one(db)
        .await?)
}

/// Appends a saved version to the versions kept.
async fn keep_version(
    txn: &sea_orm::DatabaseTransaction,
    row: &assessment::Model,
) -> Result<(), StoreError> {
    assessment_version::Entity::insert(assessment_version::ActiveModel {
        org_id: Set(row.org_id),
        assessment_id: Set(row.id),
        version: Set(row.version),
        profile_id: Set(row.profile_id.clone()),
        profile_version: Set(row.profile_version.clone()),
        document: Set(row.document.clone()),
        verdict: Set(row.verdict.clone()),
        judgement: Set(row.judgement.clone()),
        updated_by: Set(row.updated_by),
        updated_at: Set(row.updated_at),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// The assessment of a stored document, judged again under the catalog's current profile.
pub(crate) fn rejudge<'c>(
    catalog: &'c Catalog,
    row: &assessment::Model,
) -> Result<(Assessment, &'c Profile), StoreError> {
    let assessment = catalog
        .parse_assessment(&row.document)
        .map_err(|_| StoreError::Refused(sentei_core::workflow::Refusal::ProfileRevised))?;
    let profile = catalog
        .get(&assessment.profile_id)
        .ok_or_else(|| StoreError::not_found("プロファイル", &assessment.profile_id))?;
    Ok((assessment, profile))
}

/// What a save changed, for the audit trail: the version, then the verdict, facts and answers
/// before → after, in the words of the 「承認後に変更あり」 page (`sentei_core::record`).
fn save_summary(before: Option<&assessment::Model>, after: &Judged<'_>, version: i64) -> Summary {
    let mut summary = Summary::new();
    summary.change(
        "版",
        &before.map_or(String::new(), |b| b.version.to_string()),
        &version.to_string(),
    );
    let recorded = |judgement: &str, document: &str| {
        Some((
            RecordedJudgement::parse(judgement).ok()?,
            serde_json::from_str::<serde_json::Value>(document).ok(),
        ))
    };
    let (Some(before), Some(after)) = (
        before.and_then(|b| recorded(&b.judgement, &b.document)),
        recorded(&after.judgement, &after.document),
    ) else {
        return summary;
    };
    let found = differences(
        Recorded {
            judgement: &before.0,
            document: before.1.as_ref(),
        },
        Recorded {
            judgement: &after.0,
            document: after.1.as_ref(),
        },
    );
    if found.is_empty() {
        summary.note("内容の変更はありません");
    }
    for difference in found {
        summary.change(&difference.subject, &difference.before, &difference.after);
    }
    summary
}

fn read_and_judge<'c>(
    catalog: &'c Catalog,
    document: &str,
    name: &str,
    provider: &str,
) -> Result<Judged<'c>, StoreError> {
    let mut assessment = catalog.parse_assessment(document)?;
    assessment.service = Service {
        name: name.to_owned(),
        provider: provider.to_owned(),
    };
    let profile = catalog
        .get(&assessment.profile_id)
        .ok_or_else(|| StoreError::not_found("プロファイル", &assessment.profile_id))?;
    let judgement = judge(profile, &assessment);
    let classification = sentei_core::facts::CLASSIFICATIONS
        .get(usize::from(
            assessment.facts.value(sentei_core::facts::CLASSIFICATION),
        ))
        .map_or("", |c| c.label);
    Ok(Judged {
        profile,
        document: assessment.to_document(profile).to_string(),
        verdict: judgement.verdict.as_str(),
        judgement: judgement.to_json(),
        classification,
    })
}
