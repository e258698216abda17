//! Signed-in sessions, sign-in throttling and API tokens: everything about who is acting that
//! several server instances must share, kept in the database.
//!
//! Session and API tokens are random 256-bit values shown to their holder once; the database
//! keeps only their SHA-256, so a copy of the database does not let anyone sign in. Signing in
//! and out and managing tokens are audited. Refreshing a session's last-seen time and counting
//! attempts are housekeeping, not records, and are not; the first attempt told to wait in a
//! run of them is (`sign_in_trail.rs`).

use crate::auth_cache::Signed;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::Backend;
use crate::entity::{api_token, session, sign_in_throttle, user};
use crate::sign_in_trail::{Refusal, Slowed};
use crate::{Actor, Store, StoreError, audit, text_field};
use sea_orm::{QuerySelect, SqliteTransactionMode, TransactionOptions, TransactionTrait};
use sentei_core::access::{DEFAULT_TOKEN_DAYS, Scope};
use sentei_core::throttle::{self, Decision, Limit, Run};

/// A session ends this long after sign-in, whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// Last-seen times are refreshed at most this often, so reading pages does not write.
const TOUCH_AFTER: Duration = Duration::minutes(1);
/// Whether a sign-in attempt may verify its password now.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Reservation {
    /// Verify it; it has been counted.
    Granted,
    /// Not yet: too many attempts for the account or the address. Nothing was counted.
    Wait { seconds: i64 },
}

/// A signed-in session.
#[derive(Clone, Debug)]
pub struct Session {
    pub id: i64,
    pub actor: Actor,
    /// The token every state-changing request of this session must carry.
    pub csrf_token: String,
}

/// An API token as its owner sees it (never the token itself, after creation).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TokenView {
    pub id: i64,
    pub name: String,
    pub created_at: OffsetDateTime,
    pub last_used_at: Option<OffsetDateTime>,
    pub revoked: bool,
    pub expires_at: OffsetDateTime,
    pub scope: Scope,
}

impl TokenView {
    /// Usable now: neither revoked nor expired.
    pub fn active(&self) -> bool {
        !self.revoked && crate::now() < self.expires_at
    }
}

impl From<api_token::Model> for TokenView {
    fn from(t: api_token::Model) -> TokenView {
        let expires_at = expiry(&t);
        let scope = scope_of(&t);
        TokenView {
            id: t.id,
            name: t.name,
            expires_at,
            scope,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

/// When a token stops working: as written, or, for tokens made before tokens expired, the
/// default lifetime after they were made.
fn expiry(token: &api_token::Model) -> OffsetDateTime {
    token
        .expires_at
        .unwrap_or(token.created_at + Duration::days(DEFAULT_TOKEN_DAYS))
}

/// A token's scope; anything unreadable reads only.
fn scope_of(token: &api_token::Model) -> Scope {
    Scope::parse(&token.scope).unwrap_or(Scope::ReadOnly)
}

/// The longest lifetime an API token may be given unless configured otherwise.
pub const MAX_TOKEN_DAYS: i64 = 365;

/// What a new API token is: its name, how many days it lives and what it may do.
#[derive(Clone, Debug)]
pub struct NewToken<'a> {
    pub name: &'a str,
    pub days: i64,
    pub scope: Scope,
    /// The most days allowed (the configuration's `max_token_days`).
    pub max_days: i64,
}

impl<'a> NewToken<'a> {
    /// A token of the default lifetime, within the default limit.
    pub fn new(name: &'a str, scope: Scope) -> NewToken<'a> {
        NewToken {
            name,
            days: DEFAULT_TOKEN_DAYS,
            scope,
            max_days: MAX_TOKEN_DAYS,
        }
    }
}

/// A throttling key for an account, if the login could be one: the hash of the name, so that
/// a row's size never depends on what was typed.
pub fn account_key(login: &str) -> Option<String> {
    let login = login.trim();
    if login.len() > crate::MAX_LOGIN_CHARS {
        return None;
    }
    let login = login.to_lowercase();
    crate::valid_login(&login).then(|| format!("account:{}", hash(&login)))
}

/// A throttling key for a client address (an IP address as text, or `unknown`), bounded.
pub fn address_key(address: &str) -> String {
    let address = if address.len() <= 64 {
        address.to_owned()
    } else {
        hash(address)
    };
    format!("address:{address}")
}

impl Store {
    /// Starts a session for a signed-in actor; returns the token for the cookie.
    pub async fn start_session(&self, actor: &Actor) -> Result<(String, Session), StoreError> {
        let user = actor.user()?;
        let token = random_hex()?;
        let csrf_token = random_hex()?;
        let now = crate::now();
        let txn = self.begin_write(actor.org_id()).await?;
        let row = session::Entity::insert(session::ActiveModel {
            token_hash: Set(hash(&token)),
            org_id: Set(actor.org_id()),
            user_id: Set(user),
            csrf_token: Set(csrf_token.clone()),
            created_at: Set(now),
            last_seen_at: Set(now),
            expires_at: Set(now + SESSION_LIFETIME),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "user.sign_in",
            &format!("user:{user}"),
            &json!({ "session": row.id }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok((
            token,
            Session {
                id: row.id,
                actor: actor.clone(),
                csrf_token,
            },
        ))
    }

    /// The session of a token, if it exists, has not expired or idled out, and its user is
    /// still active.
    pub async fn session(&self, token: &str) -> Result<Option<Session>, StoreError> {
        let key = format!("s:{}", hash(token));
        let generation = self.auth.generation();
        let now = crate::now();
        if let Some(Signed::Session {
            session,
            expires_at,
        }) = self.auth.get(&key)
            && now < expires_at
        {
            return Ok(Some(session));
        }
        let Some(row) = session::Entity::find()
            .filter(session::Column::TokenHash.eq(hash(token)))
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        if now >= row.expires_at || now - row.last_seen_at >= SESSION_IDLE {
            session::Entity::delete_by_id(row.id).exec(&self.db).await?;
            return Ok(None);
        }
        let Some(actor) = self.actor(row.user_id).await? else {
            return Ok(None);
        };
        if now - row.last_seen_at >= TOUCH_AFTER {
            session::Entity::update_many()
                .col_expr(session::Column::LastSeenAt, Expr::value(now))
                .filter(session::Column::Id.eq(row.id))
                .exec(&self.db)
                .await?;
        }
        let session = Session {
            id: row.id,
            actor,
            csrf_token: row.csrf_token,
        };
        self.auth.put(
            key,
            Signed::Session {
                session: session.clone(),
                expires_at: row.expires_at,
            },
            generation,
        );
        Ok(Some(session))
    }

    /// Ends the session of a token (signing out).
    pub async fn end_session(&self, session: &Session) -> Result<(), StoreError> {
        let txn = self.begin_write(session.actor.org_id()).await?;
        session::Entity::delete_by_id(session.id).exec(&txn).await?;
        self.auth.clear();
        audit::append(
            &txn,
            &session.actor,
            "user.sign_out",
            &format!("user:{}", session.actor.user_id().unwrap_or(0)),
            &json!({ "session": session.id }),
        )
        .await?;
        self.commit(txn, session.actor.org_id()).await?;
        Ok(())
    }

    /// Ends every session of a user but `keep` (after a password change).
    pub async fn end_other_sessions(
        &self,
        actor: &Actor,
        keep: Option<i64>,
    ) -> Result<(), StoreError> {
        let mut delete =
            session::Entity::delete_many().filter(session::Column::UserId.eq(actor.user()?));
        if let Some(keep) = keep {
            delete = delete.filter(session::Column::Id.ne(keep));
        }
        delete.exec(&self.db).await?;
        self.auth.clear();
        Ok(())
    }

    /// Reserves one attempt to verify a password for `login` from `address`, before it is
    /// verified: both the account's and the address's runs are read and advanced in one
    /// transaction (rows locked on PostgreSQL, the write lock taken at once on SQLite), so
    /// parallel attempts are counted one after another and no more of them are verified than
    /// the rule of `sentei_core::throttle` lets through. Runs that ended are deleted here too.
    /// An attempt told to wait changes no run; the first of a run of them is recorded in the
    /// audit trail (`sign_in_trail.rs`).
    pub async fn reserve_sign_in(
        &self,
        login: &str,
        address: &str,
    ) -> Result<Reservation, StoreError> {
        let started = crate::now();
        let mut keys: Vec<(String, Limit, Slowed)> =
            vec![(address_key(address), throttle::PER_ADDRESS, Slowed::Address)];
        if let Some(account) = account_key(login) {
            keys.push((account, throttle::PER_ACCOUNT, Slowed::Account));
        }
        // One order for every transaction, so two never wait for each other's rows.
        keys.sort_by(|a, b| a.0.cmp(&b.0));
        let txn = self
            .db
            .begin_with_options(TransactionOptions {
                sqlite_transaction_mode: Some(SqliteTransactionMode::Immediate),
                ..TransactionOptions::default()
            })
            .await?;
        sign_in_throttle::Entity::delete_many()
            .filter(
                sign_in_throttle::Column::LastAt
                    .lt(started - time::Duration::seconds(throttle::RUN_SECONDS)),
            )
            .exec(&txn)
            .await?;
        for (key, ..) in &keys {
            sign_in_throttle::Entity::insert(sign_in_throttle::ActiveModel {
                key: Set(key.clone()),
                attempts: Set(0),
                last_at: Set(started),
                next_at: Set(started),
                ..Default::default()
            })
            .on_conflict_do_nothing_on([sign_in_throttle::Column::Key])
            .exec(&txn)
            .await?;
        }
        let mut select = sign_in_throttle::Entity::find()
            .filter(sign_in_throttle::Column::Key.is_in(keys.iter().map(|(k, ..)| k.clone())))
            .order_by_asc(sign_in_throttle::Column::Key);
        if self.backend == Backend::Postgres {
            select = select.lock_exclusive();
        }
        let rows = select.all(&txn).await?;
        // The time of the attempt is taken once its rows are ours (SQLite: once the write lock
        // is; PostgreSQL: once the rows are locked), so attempts waiting for each other are
        // decided in the order of their times; a time taken before waiting could fall before
        // the previous attempt's, which would make it wait for no reason.
        let now = crate::now();
        let mut runs = Vec::new();
        let mut refusals = Vec::new();
        for (key, limit, slowed) in &keys {
            let row = rows.iter().find(|r| &r.key == key);
            let run = row.filter(|r| r.attempts > 0).map(|r| Run {
                attempts: r.attempts,
                last_at: r.last_at,
                next_at: r.next_at,
            });
            match limit.decide(run, now) {
                Decision::Go(run) => runs.push((row.map(|r| r.id), run)),
                Decision::Wait { seconds } => refusals.push(Refusal {
                    slowed: *slowed,
                    since: run.map_or(now, |r| r.last_at),
                    seconds,
                }),
            }
        }
        if let Some(wait) = refusals.iter().map(|r| r.seconds).max() {
            // Nothing is counted for an attempt that is not verified; the first refusal of a
            // run goes on the audit trail.
            txn.rollback().await?;
            self.record_slowdown(login, address, &refusals).await?;
            return Ok(Reservation::Wait { seconds: wait });
        }
        for (id, run) in runs {
            let Some(id) = id else { continue };
            sign_in_throttle::Entity::update_many()
                .col_expr(
                    sign_in_throttle::Column::Attempts,
                    Expr::value(run.attempts),
                )
                .col_expr(sign_in_throttle::Column::LastAt, Expr::value(run.last_at))
                .col_expr(sign_in_throttle::Column::NextAt, Expr::value(run.next_at))
                .filter(sign_in_throttle::Column::Id.eq(id))
                .exec(&txn)
                .await?;
        }
        txn.commit().await?;
        Ok(Reservation::Granted)
    }

    /// After a successful sign-in: the account's run ends, and the address gets its attempt
    /// back (people behind one proxy who sign in correctly do not slow each other down).
    pub async fn sign_in_succeeded(&self, login: &str, address: &str) -> Result<(), StoreError> {
        if let Some(key) = account_key(login) {
            sign_in_throttle::Entity::delete_many()
                .filter(sign_in_throttle::Column::Key.eq(key))
                .exec(&self.db)
                .await?;
        }
        let now = crate::now();
        sign_in_throttle::Entity::update_many()
            .col_expr(
                sign_in_throttle::Column::Attempts,
                Expr::col(sign_in_throttle::Column::Attempts).sub(1),
            )
            .col_expr(sign_in_throttle::Column::NextAt, Expr::value(now))
            .filter(sign_in_throttle::Column::Key.eq(address_key(address)))
            .filter(sign_in_throttle::Column::Attempts.gt(0))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Creates an API token for the actor; the token is returned this once only. Only a
    /// signed-in person makes tokens: an API token cannot make another (which would outlive
    /// it, or read-write where it only reads).
    pub async fn create_token(
        &self,
        actor: &Actor,
        new: &NewToken<'_>,
    ) -> Result<(String, TokenView), StoreError> {
        let user = actor.user()?;
        if actor.password_change_due() {
            return Err(StoreError::Denied(
                "初期パスワードを変更するまで、API トークンは作れません".to_owned(),
            ));
        }
        if actor.token_scope().is_some() {
            return Err(StoreError::Denied(
                "API トークンでは新しいトークンを作れません。アカウントの画面で作ってください"
                    .to_owned(),
            ));
        }
        let name = text_field(new.name, "トークンの名前", 100, true)?;
        if !(1..=new.max_days).contains(&new.days) {
            return Err(StoreError::Rejected(format!(
                "トークンの有効期間は 1〜{} 日で指定してください",
                new.max_days
            )));
        }
        let token = format!("sentei_{}", random_hex()?);
        let now = crate::now();
        let txn = self.begin_write(actor.org_id()).await?;
        let row = api_token::Entity::insert(api_token::ActiveModel {
            token_hash: Set(hash(&token)),
            org_id: Set(actor.org_id()),
            user_id: Set(user),
            name: Set(name),
            created_at: Set(now),
            last_used_at: Set(None),
            revoked_at: Set(None),
            expires_at: Set(Some(now + Duration::days(new.days))),
            scope: Set(new.scope.as_str().to_owned()),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "token.create",
            &format!("token:{}", row.id),
            &json!({ "name": row.name, "days": new.days, "scope": row.scope }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok((token, row.into()))
    }

    /// The actor's own tokens, newest first.
    pub async fn tokens(&self, actor: &Actor) -> Result<Vec<TokenView>, StoreError> {
        Ok(api_token::Entity::find()
            .filter(api_token::Column::UserId.eq(actor.user()?))
            .order_by_desc(api_token::Column::Id)
            .all(&self.db)
            .await?
            .into_iter()
            .map(TokenView::from)
            .collect())
    }

    /// Revokes one of the actor's own tokens.
    pub async fn revoke_token(&self, actor: &Actor, id: i64) -> Result<(), StoreError> {
        let user = actor.user()?;
        if actor.token_scope() == Some(Scope::ReadOnly) {
            return Err(StoreError::Denied(
                "読み取りのみの API トークンでは、この操作はできません".to_owned(),
            ));
        }
        let txn = self.begin_write(actor.org_id()).await?;
        let updated = api_token::Entity::update_many()
            .col_expr(
                api_token::Column::RevokedAt,
                Expr::value(Some(crate::now())),
            )
            .filter(api_token::Column::Id.eq(id))
            .filter(api_token::Column::UserId.eq(user))
            .filter(api_token::Column::RevokedAt.is_null())
            .exec(&txn)
            .await?;
        if updated.rows_affected != 1 {
            return Err(StoreError::not_found("トークン", id));
        }
        self.auth.clear();
        audit::append(
            &txn,
            actor,
            "token.revoke",
            &format!("token:{id}"),
            &json!({}),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(())
    }

    /// The actor an API token stands for, if it is valid (not revoked, not expired) and its
    /// user active, within the token's scope.
    pub async fn token_actor(&self, token: &str) -> Result<Option<Actor>, StoreError> {
        if !token.starts_with("sentei_") || token.len() > 100 {
            return Ok(None);
        }
        let key = format!("t:{}", hash(token));
        let generation = self.auth.generation();
        if let Some(Signed::Token { actor, expires_at }) = self.auth.get(&key)
            && crate::now() < expires_at
        {
            return Ok(Some(actor));
        }
        let Some(row) = api_token::Entity::find()
            .filter(api_token::Column::TokenHash.eq(hash(token)))
            .filter(api_token::Column::RevokedAt.is_null())
            .one(&self.db)
            .await?
        else {
            return Ok(None);
        };
        let now = crate::now();
        if now >= expiry(&row) {
            return Ok(None);
        }
        if row.last_used_at.is_none_or(|t| now - t >= TOUCH_AFTER) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
                .filter(api_token::Column::Id.eq(row.id))
                .exec(&self.db)
                .await?;
        }
        let user = user::Entity::find_by_id(row.user_id).one(&self.db).await?;
        let actor = match user {
            Some(user) if user.active => Actor::from_user(&user)?.with_token(scope_of(&row)),
            _ => return Ok(None),
        };
        self.auth.put(
            key,
            Signed::Token {
                actor: actor.clone(),
                expires_at: expiry(&row),
            },
            generation,
        );
        Ok(Some(actor))
    }
}

pub(crate) fn hash(token: &str) -> String {
    Sha256::digest(token.as_bytes())
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// 256 random bits as 64 hex digits, for tokens of any kind.
pub fn random_hex() -> Result<String, StoreError> {
    let mut bytes = [0u8; 32];
    getrandom::fill(&mut bytes)
        .map_err(|e| StoreError::Rejected(format!("乱数を得られません（{e}）")))?;
    Ok(bytes.iter().map(|b| format!("{b:02x}")).collect())
}
