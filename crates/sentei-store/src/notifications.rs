//! Notifications (お知らせ): written with the event they tell of, read in the app, and mailed
//! from an outbox.
//!
//! Who is told of what is decided by `sentei_core::notify`; here the audience becomes users
//! and each notification a row, in the transaction of the event itself, so an event and its
//! notifications are committed together or not at all. A ledger entry's period is not an
//! event: [`Store::notify_expiring`] looks at the dates and writes each stage once per user
//! (`once_key`), however often it runs and on however many servers.
//!
//! The mail of a notification goes `pending` → `sending` → `sent`. The sender claims a mail
//! (`sending`, committed) only after the relay has accepted the envelope and before it hands
//! over the message; a mail left `sending` by a killed sender may or may not have reached the
//! relay, so it is never sent again by itself: `sentei notify` reports it for a person to check
//! and release (docs/adr/0009-notifications.md).

use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{
    ColumnTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set, TransactionTrait,
};
use sentei_core::notify::{self, Audience, MailMode, NoticeKind, Words};
use sentei_core::workflow::UserRole;
use serde_json::json;
use time::{Date, OffsetDateTime};

use crate::entity::{ledger_entry, notification, organization, user};
use crate::ledger::ACTIVE;
use crate::{Actor, Page, Store, StoreError, audit, page_bounds};

/// States of a notification's mail.
pub(crate) mod mail_state {
    /// No mail: the user had no address or wanted none.
    pub const NONE: &str = "none";
    pub const PENDING: &str = "pending";
    /// Claimed by a sender, which may have handed it to the relay.
    pub const SENDING: &str = "sending";
    pub const SENT: &str = "sent";
    /// The relay refused it for good.
    pub const FAILED: &str = "failed";
}

/// One notification as its user sees it.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct NotificationView {
    pub id: i64,
    pub kind: NoticeKind,
    pub title: String,
    pub body: String,
    /// The page it is about (`/applications/3`).
    pub link: String,
    pub created_at: OffsetDateTime,
    pub read: bool,
}

/// How a user is told by mail.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailSettings {
    /// Empty: no mail.
    pub email: String,
    pub mode: MailMode,
}

/// A mail due: to one user, for one notification or (a digest) several.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct MailJob {
    pub org_id: i64,
    pub user_id: i64,
    pub login: String,
    pub name: String,
    pub email: String,
    pub digest: bool,
    /// The notifications it tells of, oldest first.
    pub notices: Vec<NotificationView>,
}

impl MailJob {
    pub fn ids(&self) -> Vec<i64> {
        self.notices.iter().map(|n| n.id).collect()
    }
}

/// How a mail ended.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum MailOutcome {
    /// The relay accepted it.
    Sent,
    /// The relay did not take it, for now (4xx, or no connection): it stays due.
    Retry(String),
    /// The relay refused it for good (5xx): it is not sent again.
    Failed(String),
}

/// A mail whose sender stopped between handing it over and hearing back.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UncertainMail {
    pub id: i64,
    pub login: String,
    pub title: String,
    pub since: Option<OffsetDateTime>,
}

impl TryFrom<notification::Model> for NotificationView {
    type Error = StoreError;
    fn try_from(m: notification::Model) -> Result<NotificationView, StoreError> {
        Ok(NotificationView {
            kind: NoticeKind::parse(&m.kind).ok_or_else(|| {
                StoreError::Rejected(format!("お知らせ {} の種類 `{}` が不明です", m.id, m.kind))
            })?,
            id: m.id,
            title: m.title,
            body: m.body,
            link: m.link,
            created_at: m.created_at,
            read: m.read_at.is_some(),
        })
    }
}

/// What a notification is about.
pub(crate) struct About {
    pub application_id: Option<i64>,
    pub ledger_entry_id: Option<i64>,
    pub link: String,
    pub once_key: Option<String>,
}

impl About {
    pub(crate) fn application(id: i64) -> About {
        About {
            application_id: Some(id),
            ledger_entry_id: None,
            link: format!("/applications/{id}"),
            once_key: None,
        }
    }
}

/// Writes notifications for an audience in the transaction of their event. `applicant` is the
/// application's applicant; `actor` is never told of what they did themselves.
pub(crate) async fn tell(
    txn: &DatabaseTransaction,
    org_id: i64,
    actor: Option<i64>,
    applicant: Option<i64>,
    told: &[(Audience, NoticeKind)],
    words: impl Fn(NoticeKind) -> Words,
    about: &About,
) -> Result<u64, StoreError> {
    let mut written = 0;
    for &(audience, kind) in told {
        let query = user::Entity::find()
            .filter(user::Column::OrgId.eq(org_id))
            .filter(user::Column::Active.eq(true));
        let users = match audience {
            Audience::Applicant => match applicant {
                Some(id) => query.filter(user::Column::Id.eq(id)).all(txn).await?,
                None => Vec::new(),
            },
            Audience::Everyone(role) => {
                query
                    .filter(user::Column::Role.eq(role.as_str()))
                    .order_by_asc(user::Column::Id)
                    .all(txn)
                    .await?
            }
        };
        let words = words(kind);
        for person in users.iter().filter(|u| Some(u.id) != actor) {
            insert(txn, org_id, person, kind, &words, about).await?;
            written += 1;
        }
    }
    Ok(written)
}

async fn insert(
    txn: &DatabaseTransaction,
    org_id: i64,
    person: &user::Model,
    kind: NoticeKind,
    words: &Words,
    about: &About,
) -> Result<(), StoreError> {
    let mailed = !person.email.is_empty()
        && MailMode::parse(&person.mail_mode).unwrap_or_default() != MailMode::Off;
    notification::Entity::insert(notification::ActiveModel {
        org_id: Set(org_id),
        user_id: Set(person.id),
        kind: Set(kind.as_str().to_owned()),
        title: Set(words.title.clone()),
        body: Set(words.body.clone()),
        link: Set(about.link.clone()),
        application_id: Set(about.application_id),
        ledger_entry_id: Set(about.ledger_entry_id),
        once_key: Set(about.once_key.clone()),
        created_at: Set(crate::now()),
        read_at: Set(None),
        mail_state: Set(if mailed {
            mail_state::PENDING
        } else {
            mail_state::NONE
        }
        .to_owned()),
        mail_attempts: Set(0),
        mail_at: Set(None),
        mail_error: Set(String::new()),
        ..Default::default()
    })
    .exec(txn)
    .await?;
    Ok(())
}

/// 「田中 一郎（情報政策課）」: the actor as a notification names them.
pub(crate) fn actor_name(actor: &Actor) -> String {
    if actor.department().is_empty() {
        actor.display_name().to_owned()
    } else {
        format!("{}（{}）", actor.display_name(), actor.department())
    }
}

impl Store {
    /// The actor's notifications, newest first.
    pub async fn notifications(
        &self,
        actor: &Actor,
        unread_only: bool,
        page: u64,
        page_size: u64,
    ) -> Result<Page<NotificationView>, StoreError> {
        let (page, page_size) = page_bounds(page, page_size);
        let Some(me) = actor.user_id() else {
            return Ok(Page {
                items: Vec::new(),
                total: 0,
                page,
                page_size,
            });
        };
        let mut query = notification::Entity::find()
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::OrgId.eq(actor.org_id()));
        if unread_only {
            query = query.filter(notification::Column::ReadAt.is_null());
        }
        let total = query.clone().count(&self.db).await?;
        let rows = query
            .order_by_desc(notification::Column::Id)
            .offset((page - 1) * page_size)
            .limit(page_size)
            .all(&self.db)
            .await?;
        Ok(Page {
            items: rows
                .into_iter()
                .map(NotificationView::try_from)
                .collect::<Result<_, _>>()?,
            total,
            page,
            page_size,
        })
    }

    /// How many of the actor's notifications are unread, for the page header.
    pub async fn unread_notifications(&self, actor: &Actor) -> Result<u64, StoreError> {
        let Some(me) = actor.user_id() else {
            return Ok(0);
        };
        Ok(notification::Entity::find()
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::ReadAt.is_null())
            .count(&self.db)
            .await?)
    }

    /// Marks one of the actor's notifications read (or all of them with `None`); returns how
    /// many were unread, and the link of the one named.
    pub async fn mark_read(
        &self,
        actor: &Actor,
        id: Option<i64>,
    ) -> Result<(u64, Option<String>), StoreError> {
        let me = actor.user()?;
        let mut link = None;
        if let Some(id) = id {
            let row = notification::Entity::find_by_id(id)
                .filter(notification::Column::UserId.eq(me))
                .one(&self.db)
                .await?
                .ok_or_else(|| StoreError::not_found("お知らせ", id))?;
            link = Some(row.link);
        }
        let mut update = notification::Entity::update_many()
            .col_expr(notification::Column::ReadAt, Expr::value(crate::now()))
            .filter(notification::Column::UserId.eq(me))
            .filter(notification::Column::ReadAt.is_null());
        if let Some(id) = id {
            update = update.filter(notification::Column::Id.eq(id));
        }
        let done = update.exec(&self.db).await?;
        Ok((done.rows_affected, link))
    }

    /// The actor's own mail settings.
    pub async fn mail_settings(&self, actor: &Actor) -> Result<MailSettings, StoreError> {
        let me = actor.user()?;
        let row = user::Entity::find_by_id(me)
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("利用者", me))?;
        Ok(MailSettings {
            email: row.email,
            mode: MailMode::parse(&row.mail_mode).unwrap_or_default(),
        })
    }

    /// Sets where and how the actor is told by mail. Notifications already written keep the
    /// choice made when they were written, except that one no longer wanted is not mailed.
    pub async fn set_mail_settings(
        &self,
        actor: &Actor,
        email: &str,
        mode: MailMode,
    ) -> Result<MailSettings, StoreError> {
        let me = actor.user()?;
        let email =
            notify::email_address(email).map_err(|e| StoreError::Rejected(e.to_string()))?;
        let txn = self.begin_write(actor.org_id()).await?;
        user::Entity::update_many()
            .col_expr(user::Column::Email, Expr::value(email.clone()))
            .col_expr(user::Column::MailMode, Expr::value(mode.as_str()))
            .filter(user::Column::Id.eq(me))
            .exec(&txn)
            .await?;
        audit::append(
            &txn,
            actor,
            "user.mail",
            &format!("user:{me}"),
            &json!({ "email": email, "mail_mode": mode.as_str() }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(MailSettings { email, mode })
    }

    /// Tells the departments of ledger entries ending within
    /// [`notify::EXPIRY_NOTICE_DAYS`] days or past their end, in every organization, each
    /// stage once per user. Returns how many notifications were written.
    pub async fn notify_expiring(&self, today: Date) -> Result<u64, StoreError> {
        let horizon = today + time::Duration::days(notify::EXPIRY_NOTICE_DAYS);
        let mut written = 0;
        for org in organization::Entity::find()
            .order_by_asc(organization::Column::Id)
            .all(&self.db)
            .await?
        {
            let due = ledger_entry::Entity::find()
                .filter(ledger_entry::Column::OrgId.eq(org.id))
                .filter(ledger_entry::Column::Status.eq(ACTIVE))
                .filter(ledger_entry::Column::PeriodEnd.lte(horizon))
                .order_by_asc(ledger_entry::Column::Id)
                .all(&self.db)
                .await?;
            if due.is_empty() {
                continue;
            }
            let txn = self.begin_write(org.id).await?;
            for entry in due {
                let Some(kind) = notify::expiry_stage(entry.period_end, today) else {
                    continue;
                };
                let once = format!("{}:{}:{}", kind.as_str(), entry.id, entry.period_end);
                let told = user::Entity::find()
                    .filter(user::Column::OrgId.eq(org.id))
                    .filter(user::Column::Active.eq(true))
                    .filter(user::Column::Department.eq(entry.applicant_department.trim()))
                    .order_by_asc(user::Column::Id)
                    .all(&txn)
                    .await?;
                let words = notify::entry_words(
                    kind,
                    &notify::EntryFacts {
                        service_name: &entry.service_name,
                        department: &entry.applicant_department,
                        period_end: entry.period_end,
                        today,
                    },
                );
                let about = About {
                    application_id: None,
                    ledger_entry_id: Some(entry.id),
                    link: format!("/ledger/{}", entry.id),
                    once_key: Some(once.clone()),
                };
                for person in told {
                    let role = UserRole::parse(&person.role);
                    if !role.is_some_and(notify::told_of_expiry) {
                        continue;
                    }
                    let already = notification::Entity::find()
                        .filter(notification::Column::UserId.eq(person.id))
                        .filter(notification::Column::OnceKey.eq(once.as_str()))
                        .one(&txn)
                        .await?;
                    if already.is_none() {
                        insert(&txn, org.id, &person, kind, &words, &about).await?;
                        written += 1;
                    }
                }
            }
            self.commit(txn, org.id).await?;
        }
        Ok(written)
    }

    /// The mails due now, in every organization: one for each notification of users who want
    /// each one, and one digest for users who want a daily one, of what was written before
    /// `digest_cutoff` (the latest daily sending time already past).
    pub async fn mail_due(
        &self,
        digest_cutoff: OffsetDateTime,
    ) -> Result<Vec<MailJob>, StoreError> {
        let pending = notification::Entity::find()
            .filter(notification::Column::MailState.eq(mail_state::PENDING))
            .order_by_asc(notification::Column::Id)
            .all(&self.db)
            .await?;
        let mut jobs: Vec<MailJob> = Vec::new();
        let mut people: std::collections::BTreeMap<i64, Option<user::Model>> = Default::default();
        for row in pending {
            if let std::collections::btree_map::Entry::Vacant(slot) = people.entry(row.user_id) {
                slot.insert(user::Entity::find_by_id(row.user_id).one(&self.db).await?);
            }
            let Some(Some(person)) = people.get(&row.user_id) else {
                continue;
            };
            let mode = MailMode::parse(&person.mail_mode).unwrap_or_default();
            let digest = mode == MailMode::Digest;
            if digest && row.created_at >= digest_cutoff {
                continue;
            }
            let view = NotificationView::try_from(row.clone())?;
            let job = MailJob {
                org_id: row.org_id,
                user_id: person.id,
                login: person.login.clone(),
                name: person.display_name.clone(),
                email: person.email.clone(),
                digest,
                notices: vec![view.clone()],
            };
            match jobs
                .iter_mut()
                .find(|j| digest && j.digest && j.user_id == person.id)
            {
                Some(existing) => existing.notices.push(view),
                None => jobs.push(job),
            }
        }
        Ok(jobs)
    }

    /// Marks the mails of users who no longer want them (no address, or mail off) as not to be
    /// sent; returns how many.
    pub async fn mail_unwanted(&self) -> Result<u64, StoreError> {
        let unwanted: Vec<i64> = user::Entity::find()
            .select_only()
            .column(user::Column::Id)
            .filter(
                user::Column::Email
                    .eq("")
                    .or(user::Column::MailMode.eq(MailMode::Off.as_str()))
                    .or(user::Column::Active.eq(false)),
            )
            .into_tuple()
            .all(&self.db)
            .await?;
        if unwanted.is_empty() {
            return Ok(0);
        }
        let done = notification::Entity::update_many()
            .col_expr(
                notification::Column::MailState,
                Expr::value(mail_state::NONE),
            )
            .filter(notification::Column::MailState.eq(mail_state::PENDING))
            .filter(notification::Column::UserId.is_in(unwanted))
            .exec(&self.db)
            .await?;
        Ok(done.rows_affected)
    }

    /// Claims a job's mail for sending: `true` when every one of its notifications was still
    /// due and is now `sending` (committed); `false`, changing nothing, when another sender got
    /// any of them first. Call it after the relay accepted the envelope, just before handing
    /// over the message.
    pub async fn claim_mail(&self, job: &MailJob) -> Result<bool, StoreError> {
        let ids = job.ids();
        let txn = self.begin_write(job.org_id).await?;
        let claimed = notification::Entity::update_many()
            .col_expr(
                notification::Column::MailState,
                Expr::value(mail_state::SENDING),
            )
            .col_expr(notification::Column::MailAt, Expr::value(crate::now()))
            .col_expr(
                notification::Column::MailAttempts,
                Expr::col(notification::Column::MailAttempts).add(1),
            )
            .filter(notification::Column::Id.is_in(ids.clone()))
            .filter(notification::Column::MailState.eq(mail_state::PENDING))
            .exec(&txn)
            .await?;
        if claimed.rows_affected != ids.len() as u64 {
            txn.rollback().await?;
            return Ok(false);
        }
        self.commit(txn, job.org_id).await?;
        Ok(true)
    }

    /// Records how a claimed mail ended. A mail the relay did not take goes back to due (or to
    /// failed, for good); one it accepted is sent.
    pub async fn finish_mail(
        &self,
        job: &MailJob,
        outcome: &MailOutcome,
    ) -> Result<(), StoreError> {
        let (state, error) = match outcome {
            MailOutcome::Sent => (mail_state::SENT, String::new()),
            MailOutcome::Retry(e) => (mail_state::PENDING, e.clone()),
            MailOutcome::Failed(e) => (mail_state::FAILED, e.clone()),
        };
        let txn = self.begin_write(job.org_id).await?;
        notification::Entity::update_many()
            .col_expr(notification::Column::MailState, Expr::value(state))
            .col_expr(notification::Column::MailAt, Expr::value(crate::now()))
            .col_expr(
                notification::Column::MailError,
                Expr::value(error.chars().take(500).collect::<String>()),
            )
            .filter(notification::Column::Id.is_in(job.ids()))
            .filter(notification::Column::MailState.eq(mail_state::SENDING))
            .exec(&txn)
            .await?;
        self.commit(txn, job.org_id).await?;
        Ok(())
    }

    /// Records that a due mail could not be sent for now, without having been claimed (the
    /// relay refused the envelope, or could not be reached).
    pub async fn defer_mail(
        &self,
        job: &MailJob,
        error: &str,
        for_good: bool,
    ) -> Result<(), StoreError> {
        let state = if for_good {
            mail_state::FAILED
        } else {
            mail_state::PENDING
        };
        notification::Entity::update_many()
            .col_expr(notification::Column::MailState, Expr::value(state))
            .col_expr(
                notification::Column::MailError,
                Expr::value(error.chars().take(500).collect::<String>()),
            )
            .filter(notification::Column::Id.is_in(job.ids()))
            .filter(notification::Column::MailState.eq(mail_state::PENDING))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Mails left `sending`: their sender stopped after claiming them, so the relay may or may
    /// not have them.
    pub async fn uncertain_mail(&self) -> Result<Vec<UncertainMail>, StoreError> {
        let rows = notification::Entity::find()
            .filter(notification::Column::MailState.eq(mail_state::SENDING))
            .order_by_asc(notification::Column::Id)
            .all(&self.db)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let login = user::Entity::find_by_id(row.user_id)
                .one(&self.db)
                .await?
                .map(|u| u.login)
                .unwrap_or_default();
            out.push(UncertainMail {
                id: row.id,
                login,
                title: row.title,
                since: row.mail_at,
            });
        }
        Ok(out)
    }

    /// Makes mails left `sending` due again, after a person has checked the relay's log that
    /// they did not arrive; returns how many.
    pub async fn release_uncertain_mail(&self) -> Result<u64, StoreError> {
        let txn = self.db.begin().await?;
        let done = notification::Entity::update_many()
            .col_expr(
                notification::Column::MailState,
                Expr::value(mail_state::PENDING),
            )
            .filter(notification::Column::MailState.eq(mail_state::SENDING))
            .exec(&txn)
            .await?;
        txn.commit().await?;
        Ok(done.rows_affected)
    }

    /// How many mails are in each state, for `sentei notify`'s report.
    pub async fn mail_counts(&self) -> Result<Vec<(String, u64)>, StoreError> {
        let rows: Vec<(String, i64)> = notification::Entity::find()
            .select_only()
            .column(notification::Column::MailState)
            .expr(sea_orm::sea_query::Func::count(Expr::col(
                notification::Column::Id,
            )))
            .group_by(notification::Column::MailState)
            .into_tuple()
            .all(&self.db)
            .await?;
        Ok(rows
            .into_iter()
            .map(|(s, n)| (s, u64::try_from(n).unwrap_or(0)))
            .collect())
    }
}
