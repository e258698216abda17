//! Evidence files attached to an assessment's items.
//!
//! Files are stored in the database (so backups and replicas carry them), once per
//! organization by their SHA-256. The client's file name is kept only to show and to offer on
//! download; it is never used as a path.

use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sentei_core::access::Capability;
use sentei_core::input::Lines;
use serde_json::json;
use sha2::{Digest, Sha256};

use crate::entity::{assessment_attachment, attachment};
use crate::{Actor, Store, StoreError, audit};

/// Largest evidence file accepted.
pub const MAX_ATTACHMENT_BYTES: usize = 10 * 1024 * 1024;
/// Longest file name kept, in characters.
const MAX_FILE_NAME_CHARS: usize = 200;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct AttachmentView {
    pub link_id: i64,
    pub item_id: String,
    pub file_name: String,
    pub sha256: String,
    pub size: i64,
    pub media_type: String,
}

impl Store {
    /// Attaches a file to an item of an assessment.
    pub async fn attach(
        &self,
        actor: &Actor,
        assessment_id: i64,
        item_id: &str,
        file_name: &str,
        media_type: &str,
        content: &[u8],
    ) -> Result<AttachmentView, StoreError> {
        actor.require(Capability::Register)?;
        let user = actor.user()?;
        if content.len() > MAX_ATTACHMENT_BYTES {
            return Err(StoreError::Rejected(format!(
                "ファイルが大きすぎます（{} バイト。上限は {MAX_ATTACHMENT_BYTES} バイトです）",
                content.len()
            )));
        }
        if content.is_empty() {
            return Err(StoreError::Rejected(
                "空のファイルは添付できません".to_owned(),
            ));
        }
        let stored: crate::StoredAssessment = self
            .assessment_row(actor, assessment_id)
            .await?
            .try_into()?;
        if let Some(refusal) = self.edit_refusal(actor, &stored) {
            return Err(refusal.into());
        }
        let file_name = display_name(file_name);
        let media_type =
            if media_type.len() <= 100 && media_type.is_ascii() && !media_type.is_empty() {
                media_type.to_owned()
            } else {
                "application/octet-stream".to_owned()
            };
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
                    media_type: Set(media_type),
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
            assessment_id: Set(assessment_id),
            item_id: Set(item_id.trim().to_owned()),
            attachment_id: Set(stored.id),
            file_name: Set(file_name.clone()),
            created_at: Set(crate::now()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "attachment.add",
            &format!("assessment:{assessment_id}"),
            &json!({ "item": link.item_id, "sha256": sha256, "size": stored.size, "file_name": file_name }),
        )
        .await?;
        txn.commit().await?;
        Ok(AttachmentView {
            link_id: link.id,
            item_id: link.item_id,
            file_name,
            sha256,
            size: stored.size,
            media_type: stored.media_type,
        })
    }

    /// The files attached to an assessment.
    pub async fn attachments(
        &self,
        actor: &Actor,
        assessment_id: i64,
    ) -> Result<Vec<AttachmentView>, StoreError> {
        actor.require(Capability::Read)?;
        self.assessment_row(actor, assessment_id).await?;
        let links = assessment_attachment::Entity::find()
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
            out.push(AttachmentView {
                link_id: link.id,
                item_id: link.item_id,
                file_name: link.file_name,
                sha256: file.sha256,
                size: file.size,
                media_type: file.media_type,
            });
        }
        Ok(out)
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

/// A file name fit for showing: no directories, no control characters, bounded.
fn display_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or(name);
    let clean: String = base
        .chars()
        // Nothing unprintable, and nothing that reorders how the name reads (`gpj.exe`).
        .filter(|c| {
            !c.is_control()
                && sentei_core::input::forbidden_character(c.encode_utf8(&mut [0; 4]), Lines::Many)
                    .is_none()
        })
        .take(MAX_FILE_NAME_CHARS)
        .collect();
    let clean = clean.trim().to_owned();
    if clean.is_empty() || clean == "." || clean == ".." {
        "添付ファイル".to_owned()
    } else {
        clean
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::display_name;

    #[test]
    fn client_file_names_are_reduced_to_a_harmless_label() {
        assert_eq!(display_name("../../etc/passwd"), "passwd");
        assert_eq!(display_name("C:\\Users\\x\\証明書.pdf"), "証明書.pdf");
        assert_eq!(display_name("a\u{0}b\nc.pdf"), "abc.pdf");
        assert_eq!(display_name(".."), "添付ファイル");
        assert_eq!(display_name(&"長".repeat(500)).chars().count(), 200);
    }
}
