//! Publishing the head of each audit chain outside the database, and reading it back
//! (issue 12, finding 15).
//!
//! A hash chain cannot tell on its own that its newest records were cut off: what is left still
//! verifies. So after every committed write the store publishes the chain's head (organization,
//! record number, hash, time) where the database's owner does not write: appended as one line
//! to a head file, and, if asked, as a log line with the fixed target `sentei::audit_head`
//! (journald, and from there syslog or another host). `sentei audit verify` reads the file back
//! and checks that every head it names is still in the chain with the same hash: records cut
//! off the end, a chain rebuilt from some record on, or a whole organization's trail removed
//! all show.
//!
//! Several servers on one database may share the file: it is opened with `O_APPEND`, and each
//! line is one `write` of less than a page, so lines never interleave; each is flushed to disk
//! (`fdatasync`) before the next. Lines may come out of order between servers (a server
//! publishes the head it reads after its commit, which may already be a later one), so the
//! reader takes the file as a set of heads, not a sequence.
//!
//! ```text
//! 2026-04-01T00:12:03.123456Z org=shunan seq=1042 hash=9f86d08…
//! ```

use std::collections::{BTreeMap, HashMap};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};
use std::sync::{Arc, Mutex};

use sea_orm::{ColumnTrait, DatabaseConnection, EntityTrait, QueryFilter, QueryOrder};

use crate::StoreError;
use crate::entity::{audit_record, organization};

/// The log target of the head lines, for filters in journald or syslog.
pub const HEAD_LOG_TARGET: &str = "sentei::audit_head";

/// Where heads are published: a file, the log, or both.
#[derive(Debug)]
pub struct HeadPublisher {
    file: Option<(PathBuf, Arc<Mutex<File>>)>,
    log: bool,
    /// Per organization: its code, and the last record number published by this process.
    published: Mutex<HashMap<i64, (String, i64)>>,
}

impl HeadPublisher {
    /// A publisher appending to `file` (created if missing, with its folder) and, when `log`,
    /// writing a log line too. Fails, in words for the operator, when the file cannot be
    /// opened for appending: better not to start than to publish nothing.
    pub fn open(file: Option<&Path>, log: bool) -> Result<HeadPublisher, StoreError> {
        let file = match file {
            None => None,
            Some(path) => {
                if let Some(dir) = path.parent().filter(|d| !d.as_os_str().is_empty()) {
                    std::fs::create_dir_all(dir).map_err(|e| cannot_write(path, &e))?;
                }
                let handle = OpenOptions::new()
                    .create(true)
                    .append(true)
                    .open(path)
                    .map_err(|e| cannot_write(path, &e))?;
                Some((path.to_owned(), Arc::new(Mutex::new(handle))))
            }
        };
        Ok(HeadPublisher {
            file,
            log,
            published: Mutex::new(HashMap::new()),
        })
    }

    /// The head file, if one is written.
    pub fn file(&self) -> Option<&Path> {
        self.file.as_ref().map(|(path, _)| path.as_path())
    }

    /// Publishes the organization's head as it is now, unless this process published it
    /// already. Called after a commit: the write is done whatever happens here, so a failure
    /// is logged for the operator, not returned to the person who acted.
    pub(crate) async fn publish(&self, db: &DatabaseConnection, org_id: i64) {
        if let Err(e) = self.try_publish(db, org_id).await {
            tracing::error!(
                target: HEAD_LOG_TARGET,
                "監査記録の末尾を書き出せませんでした（組織 {org_id}）: {e}"
            );
        }
    }

    async fn try_publish(&self, db: &DatabaseConnection, org_id: i64) -> Result<(), StoreError> {
        let Some(head) = audit_record::Entity::find()
            .filter(audit_record::Column::OrgId.eq(org_id))
            .order_by_desc(audit_record::Column::Seq)
            .one(db)
            .await?
        else {
            return Ok(());
        };
        let known = self.code_of(org_id);
        let code = match known {
            Some(code) => code,
            None => {
                let Some(org) = organization::Entity::find_by_id(org_id).one(db).await? else {
                    return Ok(());
                };
                org.code
            }
        };
        {
            let mut published = self.published.lock().unwrap_or_else(|e| e.into_inner());
            let last = published.entry(org_id).or_insert_with(|| (code.clone(), 0));
            if last.1 >= head.seq {
                return Ok(());
            }
            last.1 = head.seq;
        }
        let line = head_line(&code, head.seq, &head.hash, head.at_micros);
        if self.log {
            tracing::info!(
                target: HEAD_LOG_TARGET,
                org = %code,
                seq = head.seq,
                hash = %head.hash,
                "監査記録の末尾"
            );
        }
        if let Some((path, file)) = &self.file {
            let file = file.clone();
            let path = path.clone();
            tokio::task::spawn_blocking(move || {
                let mut file = file.lock().unwrap_or_else(|e| e.into_inner());
                // One write of the whole line: with O_APPEND it lands whole at the end.
                file.write_all(line.as_bytes())?;
                file.sync_data()
            })
            .await
            .map_err(|e| StoreError::Rejected(format!("{e}")))?
            .map_err(|e| cannot_write(&path, &e))?;
        }
        Ok(())
    }

    fn code_of(&self, org_id: i64) -> Option<String> {
        let published = self.published.lock().unwrap_or_else(|e| e.into_inner());
        published.get(&org_id).map(|(code, _)| code.clone())
    }
}

fn cannot_write(path: &Path, e: &std::io::Error) -> StoreError {
    StoreError::Rejected(format!(
        "監査記録の末尾を書き出すファイル {} に書き込めません（{e}）",
        path.display()
    ))
}

/// One line of the head file.
fn head_line(org: &str, seq: i64, hash: &str, at_micros: i64) -> String {
    let at = time::OffsetDateTime::from_unix_timestamp_nanos(i128::from(at_micros) * 1_000)
        .unwrap_or(time::OffsetDateTime::UNIX_EPOCH);
    let at = at
        .format(&time::format_description::well_known::Rfc3339)
        .unwrap_or_default();
    format!("{at} org={org} seq={seq} hash={hash}\n")
}

/// The heads a file names, per organization code: record number → hash.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct PublishedHeads {
    pub path: PathBuf,
    pub heads: BTreeMap<String, BTreeMap<i64, Vec<String>>>,
}

impl PublishedHeads {
    /// Reads a head file. A line that is not a head is refused with its number: a file
    /// someone has edited is not evidence of anything.
    pub fn read(path: &Path) -> Result<PublishedHeads, StoreError> {
        let text = std::fs::read_to_string(path).map_err(|e| {
            StoreError::Rejected(format!(
                "監査記録の末尾を書き出したファイル {} を読めません（{e}）",
                path.display()
            ))
        })?;
        let mut heads: BTreeMap<String, BTreeMap<i64, Vec<String>>> = BTreeMap::new();
        let lines: Vec<&str> = text.lines().collect();
        for (n, line) in lines.iter().enumerate() {
            if line.trim().is_empty() {
                continue;
            }
            // A last line without its line end was being written when the machine stopped:
            // it is left out, not held against the file.
            let unfinished = n + 1 == lines.len() && !text.ends_with('\n');
            if unfinished && parse_line(line).is_none() {
                continue;
            }
            let (org, seq, hash) = parse_line(line).ok_or_else(|| {
                StoreError::Rejected(format!(
                    "監査記録の末尾を書き出したファイル {} の {} 行目が末尾の記録として読めません（書き換えられていないか確かめてください）",
                    path.display(),
                    n + 1
                ))
            })?;
            let hashes = heads.entry(org).or_default().entry(seq).or_default();
            if !hashes.contains(&hash) {
                hashes.push(hash);
            }
        }
        Ok(PublishedHeads {
            path: path.to_owned(),
            heads,
        })
    }

    /// The heads published for one organization.
    pub fn of(&self, org: &str) -> Option<&BTreeMap<i64, Vec<String>>> {
        self.heads.get(org)
    }
}

fn parse_line(line: &str) -> Option<(String, i64, String)> {
    let mut parts = line.split(' ');
    let _at = parts.next()?;
    let org = parts.next()?.strip_prefix("org=")?;
    let seq = parts.next()?.strip_prefix("seq=")?.parse().ok()?;
    let hash = parts.next()?.strip_prefix("hash=")?;
    let hex = hash.len() == 64 && hash.bytes().all(|b| b.is_ascii_hexdigit());
    (parts.next().is_none() && !org.is_empty() && hex)
        .then(|| (org.to_owned(), seq, hash.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lines_are_written_and_read_back() {
        let hash = "ab".repeat(32);
        let line = head_line("shunan", 42, &hash, 1_775_000_000_000_000);
        assert!(line.starts_with("2026-"), "{line}");
        assert!(line.ends_with(&format!(" org=shunan seq=42 hash={hash}\n")));
        assert_eq!(
            parse_line(line.trim_end()),
            Some(("shunan".to_owned(), 42, hash.clone()))
        );
        assert_eq!(parse_line("x org=shunan seq=4x hash=ab"), None);
        assert_eq!(
            parse_line(&format!("x org=shunan seq=4 hash={hash} more")),
            None
        );
    }
}
