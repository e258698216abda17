//! Evidence files (証跡) attached to an assessment, or to one of its items.
//!
//! Files are stored in the database (so backups and replicas carry them), once per
//! organization by their SHA-256. What a file is comes from its content alone, as
//! `sentei_core::evidence` decides (for an Office file, on the part names read here); the
//! client's file name is kept only to show and to offer on download, never used as a path, and
//! the type the client claims is ignored. Who may attach is who may edit the assessment
//! (`workflow::may_edit_assessment`), or a vendor through its link, to the items it answers.
//! A removed file stays recorded with when it was removed, so that the record of an
//! application lists the evidence there was when it was submitted.

use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sentei_core::access::Capability;
use sentei_core::assessment::Catalog;
use sentei_core::evidence::{self, EvidenceKind, EvidenceRefusal, Sniffed};
use sentei_core::judge;
use sentei_core::workflow::may_edit_assessment;
use serde_json::json;
use sha2::{Digest, Sha256};
use time::OffsetDateTime;

use crate::assessments::rejudge;
use crate::entity::{assessment, assessment_attachment, attachment};
use crate::{Actor, Store, StoreError, VendorAccess, audit};

/// Largest evidence file accepted.
pub const MAX_ATTACHMENT_BYTES: usize = evidence::MAX_EVIDENCE_BYTES;
/// Longest file name kept, in characters.
const MAX_FILE_NAME_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentView {
    pub link_id: i64,
    pub assessment_id: i64,
    /// The item it supports; empty for the assessment as a whole.
    pub item_id: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
    pub added_by: String,
    pub added_at: OffsetDateTime,
    pub removed_at: Option<OffsetDateTime>,
}

impl AttachmentView {
    /// What kind of file it is, as people call it.
    pub fn kind_label(&self) -> &'static str {
        EvidenceKind::of_media_type(&self.media_type).map_or("ファイル", EvidenceKind::label)
    }
}

/// A file's content for download.
#[derive(Clone, Debug)]
pub struct AttachmentFile {
    pub file_name: String,
    pub media_type: String,
    pub content: Vec<u8>,
}

/// What a file is, from its content: refused unless one of the accepted kinds.
pub fn inspect(content: &[u8]) -> Result<EvidenceKind, StoreError> {
    let refused = |e: EvidenceRefusal| StoreError::Rejected(e.to_string());
    match evidence::sniff(content).map_err(refused)? {
        Sniffed::Kind(kind) => Ok(kind),
        Sniffed::Zip => {
            let archive = zip::ZipArchive::new(std::io::Cursor::new(content))
                .map_err(|_| refused(EvidenceRefusal::NotOffice))?;
            if archive.len() > evidence::MAX_OFFICE_PARTS {
                return Err(refused(EvidenceRefusal::NotOffice));
            }
            let parts = archive
                .file_names()
                .collect::<Result<Vec<_>, _>>()
                .map_err(|_| refused(EvidenceRefusal::NotOffice))?;
            evidence::office_kind(&parts).map_err(refused)
        }
    }
}

impl Store {
    /// Attaches a file to an item of an assessment (`item_id`), or to the assessment as a
    /// whole (`item_id` empty).
    pub async fn attach(
        &self,
        actor: &Actor,
        catalog: &Catalog,
        assessment_id: i64,
        item_id: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<AttachmentView, StoreError> {
        actor.require(Capability::Register)?;
        let user = actor.user()?;
        let row = self.assessment_row(actor, assessment_id).await?;
        may_edit_assessment(actor.role(), actor.department(), &row.department)?;
        let item_id = item_id.trim();
        if !item_id.is_empty() {
            let (_, profile) = rejudge(catalog, &row)?;
            if !profile.items.iter().any(|i| i.id == item_id) {
                return Err(StoreError::Rejected(format!(
                    "項目 {item_id} はこの評価の基準にありません"
                )));
            }
        }
        self.attach_as(actor, user, &row, item_id, file_name, content)
            .await
    }

    /// Attaches a file through a vendor's link: to the link's assessment only, to an item the
    /// vendor answers or to the assessment as a whole; recorded as the vendor's, stored as
    /// brought in by the user who made the link.
    pub async fn vendor_attach(
        &self,
        access: &VendorAccess,
        catalog: &Catalog,
        item_id: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<AttachmentView, StoreError> {
        let actor = access.actor();
        let row = self.assessment_row(actor, access.assessment_id()).await?;
        // The link acts for the department that issued it.
        may_edit_assessment(actor.role(), actor.department(), &row.department)?;
        let item_id = item_id.trim();
        if !item_id.is_empty() {
            let (parsed, profile) = rejudge(catalog, &row)?;
            let judgement = judge(profile, &parsed);
            let answered = profile
                .items
                .iter()
                .zip(&judgement.items)
                .any(|(item, judged)| item.id == item_id && judged.answered_by_people(item));
            if !answered {
                return Err(StoreError::Rejected(format!(
                    "項目 {item_id} にはこのリンクから添付できません"
                )));
            }
        }
        self.attach_as(
            actor,
            access.link_maker(),
            &row,
            item_id,
            file_name,
            content,
        )
        .await
    }

    async fn attach_as(
        &self,
        actor: &Actor,
        user: i64,
        row: &assessment::Model,
        item_id: &str,
        file_name: &str,
        content: &[u8],
    ) -> Result<AttachmentView, StoreError> {
        let kind = inspect(content)?;
        let file_name = display_name(file_name, kind);
        let sha256 = hex(&Sha256::digest(content));
        let txn = self.begin_write(actor.org_id()).await?;
        let existing = attachment::Entity::find()
            .filter(attachment::Column::OrgId.eq(actor.org_id()))
            .filter(attachment::Column::Sha256.eq(&sha256))
            .one(&txn)
            .await?;
        let stored = match existing {
            Some(row) => row,
            None => {
                attachment::Entity::insert(attachment::ActiveModel {
                    org_id: Set(actor.org_id()),
                    sha256: Set(sha256.clone()),
                    size: Set(i64::try_from(content.len()).unwrap_or(i64::MAX)),
                    media_type: Set(kind.media_type().to_owned()),
                    content: Set(content.to_vec()),
                    created_by: Set(user),
                    created_at: Set(crate::now()),
                    ..Default::default()
                })
                .exec_with_returning(&txn)
                .await?
            }
        };
        let link = assessment_attachment::Entity::insert(assessment_attachment::ActiveModel {
            org_id: Set(actor.org_id()),
            assessment_id: Set(row.id),
            item_id: Set(item_id.to_owned()),
            attachment_id: Set(stored.id),
            file_name: Set(file_name.clone()),
            created_at: Set(crate::now()),
            added_by: Set(actor.display_name().to_owned()),
            removed_at: Set(None),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "attachment.add",
            &format!("assessment:{}", row.id),
            &json!({
                "attachment": link.id, "item": link.item_id, "sha256": sha256,
                "size": stored.size, "type": stored.media_type, "file_name": file_name,
            }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(view(link, &stored))
    }

    /// Removes a file from an assessment; it stays in the records made before.
    pub async fn remove_attachment(
        &self,
        actor: &Actor,
        assessment_id: i64,
        link_id: i64,
    ) -> Result<AttachmentView, StoreError> {
        actor.require(Capability::Register)?;
        actor.user()?;
        let row = self.assessment_row(actor, assessment_id).await?;
        may_edit_assessment(actor.role(), actor.department(), &row.department)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let link = link_row(&txn, actor, assessment_id, link_id).await?;
        if link.removed_at.is_some() {
            return Err(StoreError::Rejected(
                "この添付ファイルはすでに削除されています".to_owned(),
            ));
        }
        let now = crate::now();
        assessment_attachment::Entity::update_many()
            .col_expr(
                assessment_attachment::Column::RemovedAt,
                Expr::value(Some(now)),
            )
            .filter(assessment_attachment::Column::Id.eq(link_id))
            .exec(&txn)
            .await?;
        let file = attachment::Entity::find_by_id(link.attachment_id)
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("添付ファイル", link_id))?;
        audit::append(
            &txn,
            actor,
            "attachment.remove",
            &format!("assessment:{assessment_id}"),
            &json!({ "attachment": link_id, "item": link.item_id, "sha256": file.sha256, "file_name": link.file_name }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        let mut removed = view(link, &file);
        removed.removed_at = Some(now);
        Ok(removed)
    }

    /// The files attached to an assessment now, in the order attached.
    pub async fn attachments(
        &self,
        actor: &Actor,
        assessment_id: i64,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        Ok(self
            .all_attachments(actor, assessment_id)
            .await?
            .into_iter()
            .filter(|a| a.removed_at.is_none())
            .collect())
    }

    /// The files that were attached to an assessment at `at` (attached by then, not yet
    /// removed): the evidence of an application submitted then.
    pub async fn attachments_at(
        &self,
        actor: &Actor,
        assessment_id: i64,
        at: OffsetDateTime,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        Ok(self
            .all_attachments(actor, assessment_id)
            .await?
            .into_iter()
            .filter(|a| a.added_at <= at && a.removed_at.is_none_or(|r| r > at))
            .collect())
    }

    /// Every file ever attached to an assessment, removed ones included.
    pub async fn all_attachments(
        &self,
        actor: &Actor,
        assessment_id: i64,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        actor.require(Capability::Read)?;
        self.assessment_row(actor, assessment_id).await?;
        let links = assessment_attachment::Entity::find()
            .filter(assessment_attachment::Column::OrgId.eq(actor.org_id()))
            .filter(assessment_attachment::Column::AssessmentId.eq(assessment_id))
            .order_by_asc(assessment_attachment::Column::Id)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(links.len());
        for link in links {
            let Some(file) = attachment::Entity::find_by_id(link.attachment_id)
                .one(&self.db)
                .await?
            else {
                continue;
            };
            out.push(view(link, &file));
        }
        Ok(out)
    }

    /// A file attached to an assessment, for download: removed ones too, since records made
    /// before still list them.
    pub async fn attachment_file(
        &self,
        actor: &Actor,
        assessment_id: i64,
        link_id: i64,
    ) -> Result<AttachmentFile, StoreError> {
        actor.require(Capability::Read)?;
        self.assessment_row(actor, assessment_id).await?;
        let link = link_row(&self.db, actor, assessment_id, link_id).await?;
        let file = attachment::Entity::find_by_id(link.attachment_id)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("添付ファイル", link_id))?;
        Ok(AttachmentFile {
            file_name: link.file_name,
            media_type: file.media_type,
            content: file.content,
        })
    }

    /// The files of a vendor link's assessment now.
    pub async fn vendor_attachments(
        &self,
        access: &VendorAccess,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        self.attachments(access.actor(), access.assessment_id())
            .await
    }

    /// A file of a vendor link's assessment, attached now, for download.
    pub async fn vendor_attachment_file(
        &self,
        access: &VendorAccess,
        link_id: i64,
    ) -> Result<AttachmentFile, StoreError> {
        let current = self.vendor_attachments(access).await?;
        if !current.iter().any(|a| a.link_id == link_id) {
            return Err(StoreError::not_found("添付ファイル", link_id));
        }
        self.attachment_file(access.actor(), access.assessment_id(), link_id)
            .await
    }

    /// A file's content by its hash, within the actor's organization.
    pub async fn attachment_content(
        &self,
        actor: &Actor,
        sha256: &str,
    ) -> Result<(String, Vec<u8>), StoreError> {
        actor.require(Capability::Read)?;
        attachment::Entity::find()
            .filter(attachment::Column::OrgId.eq(actor.org_id()))
            .filter(attachment::Column::Sha256.eq(sha256))
            .one(&self.db)
            .await?
            .map(|f| (f.media_type, f.content))
            .ok_or_else(|| StoreError::not_found("添付ファイル", sha256))
    }
}

async fn link_row<C: sea_orm::ConnectionTrait>(
    db: &C,
    actor: &Actor,
    assessment_id: i64,
    link_id: i64,
) -> Result<assessment_attachment::Model, StoreError> {
    assessment_attachment::Entity::find_by_id(link_id)
        .filter(assessment_attachment::Column::OrgId.eq(actor.org_id()))
        .filter(assessment_attachment::Column::AssessmentId.eq(assessment_id))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("添付ファイル", link_id))
}

fn view(link: assessment_attachment::Model, file: &attachment::Model) -> AttachmentView {
    AttachmentView {
        link_id: link.id,
        assessment_id: link.assessment_id,
        item_id: link.item_id,
        file_name: link.file_name,
        sha256: file.sha256.clone(),
        size: file.size,
        media_type: file.media_type.clone(),
        added_by: link.added_by,
        added_at: link.created_at,
        removed_at: link.removed_at,
    }
}

/// A file name fit for showing: no directories, no control characters, bounded; with the
/// kind's extension when it has none.
fn display_name(name: &str, kind: EvidenceKind) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        .filter(|c| !c.is_control() && !is_reordering(*c))
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let clean = clean.trim().to_owned();
    let clean = if clean.is_empty() || clean == "." || clean == ".." {
        "添付ファイル".to_owned()
    } else {
        clean
    };
    if clean.contains('.') {
        clean
    } else {
        format!("{clean}.{}", kind.extension())
    }
}

/// Characters that change the order text is shown in (`gpj.exe` shown as `exe.jpg`).
fn is_reordering(c: char) -> bool {
    matches!(c, '\u{200E}' | '\u{200F}' | '\u{202A}'..='\u{202E}' | '\u{2066}'..='\u{2069}')
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn client_file_names_are_reduced_to_a_harmless_label() {
        let pdf = EvidenceKind::Pdf;
        assert_eq!(display_name("../../etc/passwd", pdf), "passwd.pdf");
        assert_eq!(display_name("C:\\Users\\x\\証明書.pdf", pdf), "証明書.pdf");
        assert_eq!(display_name("a\u{0}b\nc.pdf", pdf), "abc.pdf");
        assert_eq!(display_name("..", pdf), "添付ファイル.pdf");
        assert_eq!(display_name("\u{202E}fdp.exe", pdf), "fdp.exe");
        assert_eq!(display_name(&"長".repeat(500), pdf).chars().count(), 204);
    }
}
