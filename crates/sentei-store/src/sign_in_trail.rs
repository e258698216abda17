//! Sign-ins that did not happen, in the audit trail: failed passwords, and attempts the
//! throttle told to wait.
//!
//! Lockouts were replaced by growing waits (`sentei_core::throttle`), but an auditor still
//! needs to see that someone was guessing, and for whom and from where. Recording every
//! refused attempt would let anyone fill the trail by asking again and again during a wait,
//! so a wait is recorded once per *run of refusals*: the first refusal after the account's (or
//! the address's) last attempt that was let through. Each attempt let through is itself a
//! failed sign-in on the record, so the waits on the record can never outnumber the failures,
//! however fast the refusals come.
//!
//! Neither record ever holds the password, and the login only when it has the form of one
//! (people type their password into the login field by mistake).

use sea_orm::{
    ColumnTrait, ConnectionTrait, EntityTrait, PaginatorTrait, QueryFilter, QuerySelect,
};
use sentei_core::audit::{Summary, address_actor};
use serde_json::json;
use time::OffsetDateTime;

use crate::entity::{audit_record, organization, user};
use crate::{Store, StoreError, audit};

/// The audit action of a wait imposed on sign-in attempts.
pub const SLOWED: &str = "user.sign_in_throttled";

/// Whose run of attempts made an attempt wait.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum Slowed {
    /// Too many failures for the account, from wherever they came.
    Account,
    /// Too many failures from the client address, for whichever accounts.
    Address,
}

/// One reason an attempt was told to wait: whose run, since when (that run's last attempt let
/// through) and for how long.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct Refusal {
    pub slowed: Slowed,
    pub since: OffsetDateTime,
    pub seconds: i64,
}

/// What a sign-in attempt concerns: the organization whose trail records it, the object
/// (`user:7`, `login:name` for a name no user has, `login:-` for what cannot be a name), and
/// the user and the login when known.
struct Subject {
    org_id: i64,
    object: String,
    user: Option<user::Model>,
    login: Option<String>,
}

/// The subject of an attempt with `typed` as its login: the user's organization, when the
/// login exists, or the only organization there is; `None` with several organizations and no
/// such user (an unknown name belongs to none of them).
async fn subject<C: ConnectionTrait>(db: &C, typed: &str) -> Result<Option<Subject>, StoreError> {
    let typed = typed.trim();
    let login =
        (typed.len() <= 64 && crate::users::check_login(typed).is_ok()).then(|| typed.to_owned());
    let known = match &login {
        Some(login) => {
            user::Entity::find()
                .filter(user::Column::Login.eq(login.as_str()))
                .one(db)
                .await?
        }
        None => None,
    };
    let org_id = match &known {
        Some(user) => user.org_id,
        None => {
            let orgs = organization::Entity::find().limit(2).all(db).await?;
            match orgs.as_slice() {
                [only] => only.id,
                _ => return Ok(None),
            }
        }
    };
    let object = match (&known, &login) {
        (Some(user), _) => format!("user:{}", user.id),
        (None, Some(login)) => format!("login:{login}"),
        (None, None) => "login:-".to_owned(),
    };
    Ok(Some(Subject {
        org_id,
        object,
        user: known,
        login,
    }))
}

fn micros(at: OffsetDateTime) -> i64 {
    i64::try_from(at.unix_timestamp_nanos() / 1_000).unwrap_or(i64::MAX)
}

impl Store {
    /// Records a failed sign-in in the audit trail of the organization it concerns (see
    /// [`subject`]). The actor is the address the attempt came from.
    pub async fn record_failed_sign_in(
        &self,
        login: &str,
        address: &str,
    ) -> Result<(), StoreError> {
        let Some(subject) = subject(&self.db, login).await? else {
            return Ok(());
        };
        let mut summary = Summary::new();
        match (&subject.user, &subject.login) {
            (Some(user), _) => summary
                .value("ログイン名", &user.login)
                .note(if user.active {
                    "パスワードが違います"
                } else {
                    "無効にされた利用者です"
                }),
            (None, Some(login)) => summary
                .value("ログイン名", login)
                .note("該当する利用者はいません"),
            (None, None) => {
                summary.note("ログイン名の形ではない入力のため、入力されたものは記録しません")
            }
        };
        let who = address_actor(address);
        summary.value("接続元", who.trim_start_matches("address:"));
        let txn = self.begin_write(subject.org_id).await?;
        audit::append_as(
            &txn,
            subject.org_id,
            &who,
            "user.sign_in_failed",
            &subject.object,
            &json!({ "login": subject.login, "known": subject.user.is_some() }),
            summary.text(),
        )
        .await?;
        self.commit(txn, subject.org_id).await?;
        Ok(())
    }

    /// Records that an attempt to sign in as `login` from `address` was told to wait, once for
    /// each run of refusals (see the module comment): a refusal whose run already has a
    /// record since its last attempt let through adds nothing. The check is made again inside
    /// the write transaction, which appends one at a time, so parallel refusals record once.
    pub(crate) async fn record_slowdown(
        &self,
        login: &str,
        address: &str,
        refusals: &[Refusal],
    ) -> Result<(), StoreError> {
        let Some(subject) = subject(&self.db, login).await? else {
            return Ok(());
        };
        let who = address_actor(address);
        let object_of = |refusal: &Refusal| match refusal.slowed {
            Slowed::Account => subject.object.clone(),
            Slowed::Address => who.clone(),
        };
        // Most refusals of a run find their record here, with a read only.
        let mut new = Vec::new();
        for refusal in refusals {
            if !recorded(&self.db, subject.org_id, &object_of(refusal), refusal.since).await? {
                new.push(*refusal);
            }
        }
        if new.is_empty() {
            return Ok(());
        }
        let txn = self.begin_write(subject.org_id).await?;
        for refusal in &new {
            let object = object_of(refusal);
            if recorded(&txn, subject.org_id, &object, refusal.since).await? {
                continue;
            }
            let mut summary = Summary::new();
            let why = match refusal.slowed {
                Slowed::Account => {
                    if let Some(login) = &subject.login {
                        summary.value("ログイン名", login);
                    }
                    "このログイン名へのログインの失敗が続いたため"
                }
                Slowed::Address => "この接続元からのログインの失敗が続いたため",
            };
            summary
                .value("理由", why)
                .value("接続元", who.trim_start_matches("address:"))
                .value("待ち時間", &format!("次の試行まで {} 秒", refusal.seconds))
                .note("続けて待たせた試行は、次に試行を受け付けるまで記録しません");
            let kind = match refusal.slowed {
                Slowed::Account => "account",
                Slowed::Address => "address",
            };
            audit::append_as(
                &txn,
                subject.org_id,
                &who,
                SLOWED,
                &object,
                &json!({ "login": subject.login, "slowed": kind, "wait_seconds": refusal.seconds }),
                summary.text(),
            )
            .await?;
        }
        self.commit(txn, subject.org_id).await?;
        Ok(())
    }
}

/// Whether the run of `object` has a record of a wait since `since`.
async fn recorded<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
    object: &str,
    since: OffsetDateTime,
) -> Result<bool, StoreError> {
    let count = audit_record::Entity::find()
        .filter(audit_record::Column::OrgId.eq(org_id))
        .filter(audit_record::Column::Action.eq(SLOWED))
        .filter(audit_record::Column::Object.eq(object))
        .filter(audit_record::Column::AtMicros.gte(micros(since)))
        .count(db)
        .await?;
    Ok(count > 0)
}
