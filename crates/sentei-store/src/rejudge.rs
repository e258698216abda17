//! Judging stored assessments again when the reading of the profiles has changed.
//!
//! A save judges an assessment and keeps the verdict (for lists and counts) and the judgement
//! JSON. When sentei is upgraded with revised profiles (a new version, or a corrected reading
//! of a document) or run with revised ones (`--profiles-dir`), those kept judgements may be
//! stale, and a list could show 承認可能 for what is now judged otherwise. [`Store::rejudge`]
//! judges every stored assessment under the current catalog and replaces the kept verdict and
//! judgement where they changed, one audit record each, with the old verdict in it.
//!
//! What is not changed: the document, its version, and `profile_version` — the version under
//! which the answers were saved. An application whose assessment was saved under an older
//! version of its profile is still refused approval until someone saves it again under the
//! current one (`Refusal::ProfileRevised`). A document the current profile no longer reads is
//! left as it is and counted; it is judged again when someone corrects and saves it.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect};
use sentei_core::assessment::Catalog;
use sentei_core::judge;
use serde_json::json;

use crate::entity::{assessment, service};
use crate::{Actor, Store, StoreError, audit};

/// Assessments read per query while re-judging.
const BATCH: u64 = 500;

/// What a re-judging run did.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct RejudgeReport {
    /// Assessments judged again.
    pub judged: u64,
    /// Of those, the ones whose verdict or judgement changed and were updated.
    pub changed: u64,
    /// Documents the current profiles no longer read (left as they are).
    pub unreadable: u64,
}

impl Store {
    /// Judges every stored assessment again under `catalog`, replacing kept verdicts and
    /// judgements that changed. Safe to run on several servers at once: each update names the
    /// verdict it replaces, so a change is made and audited once.
    pub async fn rejudge(&self, catalog: &Catalog) -> Result<RejudgeReport, StoreError> {
        self.rejudge_with(catalog, &mut |_, _| {}).await
    }

    /// [`Store::rejudge`], telling `progress` how many of how many are done after each batch.
    pub async fn rejudge_with(
        &self,
        catalog: &Catalog,
        progress: &mut (dyn FnMut(u64, u64) + Send),
    ) -> Result<RejudgeReport, StoreError> {
        let total = assessment::Entity::find().count(&self.db).await?;
        let mut report = RejudgeReport::default();
        let mut after = 0i64;
        loop {
            let rows = assessment::Entity::find()
                .filter(assessment::Column::Id.gt(after))
                .order_by_asc(assessment::Column::Id)
                .limit(BATCH)
                .all(&self.db)
                .await?;
            let Some(last) = rows.last() else {
                break;
            };
            after = last.id;
            for row in rows {
                report.judged += 1;
                let Ok(parsed) = catalog.parse_assessment(&row.document) else {
                    report.unreadable += 1;
                    continue;
                };
                let Some(profile) = catalog.get(&parsed.profile_id) else {
                    report.unreadable += 1;
                    continue;
                };
                let judgement = judge(profile, &parsed);
                let verdict = judgement.verdict.as_str();
                let json = judgement.to_json();
                if verdict == row.verdict && json == row.judgement {
                    continue;
                }
                if self.replace_judgement(&row, verdict, &json).await? {
                    report.changed += 1;
                }
            }
            progress(report.judged, total.max(report.judged));
        }
        Ok(report)
    }

    /// Replaces one assessment's kept judgement, if it is still the one read; returns whether
    /// it did.
    async fn replace_judgement(
        &self,
        row: &assessment::Model,
        verdict: &str,
        json: &str,
    ) -> Result<bool, StoreError> {
        let txn = self.begin_write(row.org_id).await?;
        let updated = assessment::Entity::update_many()
            .col_expr(assessment::Column::Verdict, Expr::value(verdict))
            .col_expr(assessment::Column::Judgement, Expr::value(json))
            .filter(assessment::Column::Id.eq(row.id))
            .filter(assessment::Column::Version.eq(row.version))
            .filter(assessment::Column::Judgement.eq(row.judgement.clone()))
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            // Saved or judged again meanwhile: that judgement is the current one.
            return Ok(false);
        }
        // The service shows the verdict of its most recently saved assessment.
        let latest = assessment::Entity::find()
            .filter(assessment::Column::ServiceId.eq(row.service_id))
            .order_by_desc(assessment::Column::UpdatedAt)
            .order_by_desc(assessment::Column::Id)
            .one(&txn)
            .await?;
        if latest.is_some_and(|l| l.id == row.id) {
            service::Entity::update_many()
                .col_expr(service::Column::Verdict, Expr::value(verdict))
                .filter(service::Column::Id.eq(row.service_id))
                .exec(&txn)
                .await?;
        }
        audit::append(
            &txn,
            &Actor::operator(row.org_id),
            "assessment.rejudged",
            &format!("assessment:{}", row.id),
            &json!({
                "version": row.version,
                "saved_under": row.profile_version,
                "verdict_before": row.verdict,
                "verdict": verdict,
            }),
        )
        .await?;
        self.commit(txn, row.org_id).await?;
        Ok(true)
    }
}
