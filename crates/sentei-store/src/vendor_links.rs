//! Vendor answer links: a vendor contact answers one assessment online, without an account.
//!
//! A link is a random token, stored only as a hash; it expires, can be revoked, and reaches
//! one assessment and nothing else. Whoever holds it may read that assessment's items and save
//! answers to it until it is under review. Every use that changes something is in the audit
//! trail under the actor `vendor:LINK_ID`, as are making and revoking links.

use sea_orm::{ActiveModelTrait, ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sentei_core::access::Capability;
use sentei_core::assessment::Catalog;
use serde_json::json;
use time::{Duration, OffsetDateTime};

use crate::entity::{assessment, vendor_link};
use crate::sessions::{hash, random_hex};
use crate::{Actor, Store, StoreError, StoredAssessment, audit, text_field};
use sentei_core::workflow::may_author_assessment;

/// Longest a link may stay valid.
pub const MAX_VENDOR_LINK_DAYS: i64 = 90;
/// Last-used times are refreshed at most this often, so reading pages does not write.
const TOUCH_AFTER: Duration = Duration::minutes(1);

/// A link as the staff who manage it see it (never the token, after creation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VendorLinkView {
    pub id: i64,
    pub assessment_id: i64,
    pub contact: String,
    pub created_by: i64,
    pub created_at: OffsetDateTime,
    pub expires_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked: bool,
}

impl VendorLinkView {
    /// Usable now: neither revoked nor expired.
    pub fn active(&self) -> bool {
        !self.revoked && self.expires_at > crate::now()
    }
}

impl From<vendor_link::Model> for VendorLinkView {
    fn from(m: vendor_link::Model) -> VendorLinkView {
        VendorLinkView {
            id: m.id,
            assessment_id: m.assessment_id,
            contact: m.contact,
            created_by: m.created_by,
            created_at: m.created_at,
            expires_at: m.expires_at,
            last_used_at: m.last_used_at,
            revoked: m.revoked_at.is_some(),
        }
    }
}

/// What a valid link grants: one assessment of one organization. Only [`Store::vendor_access`]
/// makes one.
#[derive(Clone, Debug)]
pub struct VendorAccess {
    link: VendorLinkView,
    actor: Actor,
}

impl VendorAccess {
    pub fn assessment_id(&self) -> i64 {
        self.link.assessment_id
    }

    pub fn contact(&self) -> &str {
        &self.link.contact
    }

    pub fn expires_at(&self) -> OffsetDateTime {
        self.link.expires_at
    }

    pub(crate) fn actor(&self) -> &Actor {
        &self.actor
    }

    /// The user who made the link, behind whatever comes through it.
    pub(crate) fn link_maker(&self) -> i64 {
        self.link.created_by
    }
}

impl Store {
    /// Makes a link for a vendor contact to answer an assessment; the token is returned this
    /// once only.
    pub async fn create_vendor_link(
        &self,
        actor: &Actor,
        assessment_id: i64,
        contact: &str,
        days: i64,
    ) -> Result<(String, VendorLinkView), StoreError> {
        actor.require(Capability::Register)?;
        let user = actor.user()?;
        let contact = text_field(contact, "回答する方（会社名・氏名）", 200, true)?;
        if !(1..=MAX_VENDOR_LINK_DAYS).contains(&days) {
            return Err(StoreError::Rejected(format!(
                "有効期間は 1〜{MAX_VENDOR_LINK_DAYS} 日で指定してください"
            )));
        }
        // The assessment must be the actor's organization's, and theirs to write: a link
        // lets a vendor answer for the department that issues it.
        let owner = self.assessment_row(actor, assessment_id).await?.department;
        may_author_assessment(actor.role(), actor.department(), &owner)?;
        let token = format!("sv_{}", random_hex()?);
        let now = crate::now();
        let txn = self.begin_write(actor.org_id()).await?;
        let row = vendor_link::ActiveModel {
            token_hash: Set(hash(&token)),
            org_id: Set(actor.org_id()),
            assessment_id: Set(assessment_id),
            created_by: Set(user),
            contact: Set(contact.clone()),
            created_at: Set(now),
            expires_at: Set(now + Duration::days(days)),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "vendor_link.create",
            &format!("assessment:{assessment_id}"),
            &json!({ "link": row.id, "contact": contact, "days": days }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok((token, row.into()))
    }

    /// The links of an assessment, newest first.
    pub async fn vendor_links(
        &self,
        actor: &Actor,
        assessment_id: i64,
    ) -> Result<Vec<VendorLinkView>, StoreError> {
        actor.require(Capability::Read)?;
        Ok(vendor_link::Entity::find()
            .filter(vendor_link::Column::OrgId.eq(actor.org_id()))
            .filter(vendor_link::Column::AssessmentId.eq(assessment_id))
            .order_by_desc(vendor_link::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(VendorLinkView::from)
            .collect())
    }

    /// Revokes a link at once; returns the assessment it was for.
    pub async fn revoke_vendor_link(&self, actor: &Actor, link_id: i64) -> Result<i64, StoreError> {
        actor.require(Capability::Register)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let link = vendor_link::Entity::find_by_id(link_id)
            .filter(vendor_link::Column::OrgId.eq(actor.org_id()))
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("回答リンク", link_id))?;
        let assessment_id = link.assessment_id;
        let owner = self.assessment_row(actor, assessment_id).await?.department;
        may_author_assessment(actor.role(), actor.department(), &owner)?;
        if link.revoked_at.is_none() {
            let mut active: vendor_link::ActiveModel = link.into();
            active.revoked_at = Set(Some(crate::now()));
            active.update(&txn).await?;
            audit::append(
                &txn,
                actor,
                "vendor_link.revoke",
                &format!("assessment:{assessment_id}"),
                &json!({ "link": link_id }),
            )
            .await?;
        }
        self.commit(txn, actor.org_id()).await?;
        Ok(assessment_id)
    }

    /// What a link's token grants, if it is valid now. An unknown, expired or revoked token
    /// gets the same refusal, so a guess learns nothing.
    pub async fn vendor_access(&self, token: &str) -> Result<VendorAccess, StoreError> {
        let refused = || {
            StoreError::Denied(
                "このリンクは使えません。有効期限が過ぎたか、取り消されたか、アドレスが正しくありません。依頼した担当者にお問い合わせください".to_owned(),
            )
        };
        if token.len() > 100 {
            return Err(refused());
        }
        let link = vendor_link::Entity::find()
            .filter(vendor_link::Column::TokenHash.eq(hash(token)))
            .one(&self.db)
            .await?
            .ok_or_else(refused)?;
        let now = crate::now();
        if link.revoked_at.is_some() || link.expires_at <= now {
            return Err(refused());
        }
        if link.last_used_at.is_none_or(|at| now - at > TOUCH_AFTER) {
            vendor_link::Entity::update_many()
                .col_expr(
                    vendor_link::Column::LastUsedAt,
                    sea_orm::sea_query::Expr::value(now),
                )
                .filter(vendor_link::Column::Id.eq(link.id))
                .exec(&self.db)
                .await?;
        }
        let department = assessment::Entity::find_by_id(link.assessment_id)
            .one(&self.db)
            .await?
            .map(|a| a.department)
            .unwrap_or_default();
        let actor = Actor::vendor(link.org_id, link.id, &link.contact, &department);
        Ok(VendorAccess {
            link: link.into(),
            actor,
        })
    }

    /// The assessment a link is for.
    pub async fn vendor_assessment(
        &self,
        access: &VendorAccess,
    ) -> Result<StoredAssessment, StoreError> {
        self.assessment(&access.actor, access.assessment_id()).await
    }

    /// Whether the link's assessment may be answered now. An answer makes a new version of
    /// the assessment; an application already submitted keeps the version it pinned.
    pub async fn vendor_may_answer(&self, access: &VendorAccess) -> Result<bool, StoreError> {
        let stored = self.vendor_assessment(access).await?;
        Ok(self.edit_refusal(&access.actor, &stored).is_none())
    }

    /// Saves the vendor's answers over `expected_version`, as a save by the link's maker
    /// would be checked, recorded in the audit trail as the vendor's.
    pub async fn vendor_save(
        &self,
        access: &VendorAccess,
        catalog: &Catalog,
        expected_version: i64,
        document: &str,
    ) -> Result<StoredAssessment, StoreError> {
        // A vendor answers the items the link shows; the service, its facts, the profile,
        // the default answer and every other item stay as the staff set them.
        let stored = self
            .assessment_row(&access.actor, access.assessment_id())
            .await?;
        let (before, profile) = crate::assessments::rejudge(catalog, &stored)?;
        let after = catalog.parse_assessment(document)?;
        let mut after_with_service = after;
        after_with_service.service = before.service.clone();
        sentei_core::vendor::may_save(profile, &before, &after_with_service)
            .map_err(|refusal| StoreError::Rejected(refusal.to_string()))?;
        self.save_assessment_as(
            &access.actor,
            access.link.created_by,
            catalog,
            access.assessment_id(),
            expected_version,
            document,
        )
        .await
    }

    /// The service name and profile of the link's assessment, for the vendor's page.
    pub async fn vendor_service_name(&self, access: &VendorAccess) -> Result<String, StoreError> {
        let stored = self.vendor_assessment(access).await?;
        Ok(self.service(&access.actor, stored.service_id).await?.name)
    }
}
