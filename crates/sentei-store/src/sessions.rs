//! Signed-in sessions, sign-in throttling and API tokens: everything about who is acting that
//! several server instances must share, kept in the database.
//!
//! Session and API tokens are random 256-bit values shown to their holder once; the database
//! keeps only their SHA-256, so a copy of the database does not let anyone sign in. Signing in
//! and out and managing tokens are audited. Refreshing a session's last-seen time and counting
//! failed sign-ins are housekeeping, not records, and are not.

use crate::auth_cache::Signed;
use sea_orm::sea_query::{Expr, ExprTrait};
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use serde_json::json;
use sha2::{Digest, Sha256};
use time::{Duration, OffsetDateTime};

use crate::entity::{api_token, login_failure, session, user};
use crate::{Actor, Store, StoreError, audit, text_field};

/// A session ends this long after sign-in, whatever happens.
pub const SESSION_LIFETIME: Duration = Duration::hours(12);
/// A session ends after this long without a request.
pub const SESSION_IDLE: Duration = Duration::hours(2);
/// Last-seen times are refreshed at most this often, so reading pages does not write.
const TOUCH_AFTER: Duration = Duration::minutes(1);
/// Failed sign-ins are counted over this window.
pub const THROTTLE_WINDOW: Duration = Duration::minutes(15);
/// Failed sign-ins allowed per account within the window.
pub const MAX_FAILURES_PER_ACCOUNT: i64 = 5;
/// Failed sign-ins allowed per client address within the window.
pub const MAX_FAILURES_PER_ADDRESS: i64 = 30;

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
}

impl From<api_token::Model> for TokenView {
    fn from(t: api_token::Model) -> TokenView {
        TokenView {
            id: t.id,
            name: t.name,
            created_at: t.created_at,
            last_used_at: t.last_used_at,
            revoked: t.revoked_at.is_some(),
        }
    }
}

/// A throttling key for an account.
pub fn account_key(login: &str) -> String {
    format!("account:{}", login.trim().to_lowercase())
}

/// A throttling key for a client address.
pub fn address_key(address: &str) -> String {
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
        txn.commit().await?;
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
        txn.commit().await?;
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

    /// Whether sign-in is refused for any of these keys; the minutes left if so.
    pub async fn sign_in_blocked(
        &self,
        login: &str,
        address: &str,
    ) -> Result<Option<i64>, StoreError> {
        let now = crate::now();
        let limits = [
            (account_key(login), MAX_FAILURES_PER_ACCOUNT),
            (address_key(address), MAX_FAILURES_PER_ADDRESS),
        ];
        for (key, limit) in limits {
            if let Some(row) = login_failure::Entity::find()
                .filter(login_failure::Column::Key.eq(&key))
                .one(&self.db)
                .await?
            {
                let ends = row.window_start + THROTTLE_WINDOW;
                if now < ends && row.failures >= limit {
                    return Ok(Some(Ord::max((ends - now).whole_minutes() + 1, 1)));
                }
            }
        }
        Ok(None)
    }

    /// Counts a failed sign-in against the account and the address.
    pub async fn record_sign_in_failure(
        &self,
        login: &str,
        address: &str,
    ) -> Result<(), StoreError> {
        let now = crate::now();
        for key in [account_key(login), address_key(address)] {
            let row = login_failure::Entity::find()
                .filter(login_failure::Column::Key.eq(&key))
                .one(&self.db)
                .await?;
            match row {
                Some(row) if now - row.window_start < THROTTLE_WINDOW => {
                    login_failure::Entity::update_many()
                        .col_expr(
                            login_failure::Column::Failures,
                            Expr::col(login_failure::Column::Failures).add(1),
                        )
                        .filter(login_failure::Column::Id.eq(row.id))
                        .exec(&self.db)
                        .await?;
                }
                Some(row) => {
                    login_failure::Entity::update_many()
                        .col_expr(login_failure::Column::Failures, Expr::value(1))
                        .col_expr(login_failure::Column::WindowStart, Expr::value(now))
                        .filter(login_failure::Column::Id.eq(row.id))
                        .exec(&self.db)
                        .await?;
                }
                None => {
                    // Two failures at once may both try to insert; the loser's count is lost,
                    // which only makes throttling one failure later.
                    let _ = login_failure::Entity::insert(login_failure::ActiveModel {
                        key: Set(key),
                        failures: Set(1),
                        window_start: Set(now),
                        ..Default::default()
                    })
                    .exec(&self.db)
                    .await;
                }
            }
        }
        Ok(())
    }

    /// Forgets the failed sign-ins of an account (after a successful one).
    pub async fn clear_sign_in_failures(&self, login: &str) -> Result<(), StoreError> {
        login_failure::Entity::delete_many()
            .filter(login_failure::Column::Key.eq(account_key(login)))
            .exec(&self.db)
            .await?;
        Ok(())
    }

    /// Creates an API token for the actor; the token is returned this once only.
    pub async fn create_token(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<(String, TokenView), StoreError> {
        let user = actor.user()?;
        let name = text_field(name, "トークンの名前", 100, true)?;
        let token = format!("sentei_{}", random_hex()?);
        let txn = self.begin_write(actor.org_id()).await?;
        let row = api_token::Entity::insert(api_token::ActiveModel {
            token_hash: Set(hash(&token)),
            org_id: Set(actor.org_id()),
            user_id: Set(user),
            name: Set(name),
            created_at: Set(crate::now()),
            last_used_at: Set(None),
            revoked_at: Set(None),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "token.create",
            &format!("token:{}", row.id),
            &json!({ "name": row.name }),
        )
        .await?;
        txn.commit().await?;
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
        txn.commit().await?;
        Ok(())
    }

    /// The actor an API token stands for, if it is valid and its user active.
    pub async fn token_actor(&self, token: &str) -> Result<Option<Actor>, StoreError> {
        if !token.starts_with("sentei_") || token.len() > 100 {
            return Ok(None);
        }
        let key = format!("t:{}", hash(token));
        let generation = self.auth.generation();
        if let Some(Signed::Token(actor)) = self.auth.get(&key) {
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
        if row.last_used_at.is_none_or(|t| now - t >= TOUCH_AFTER) {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::LastUsedAt, Expr::value(Some(now)))
                .filter(api_token::Column::Id.eq(row.id))
                .exec(&self.db)
                .await?;
        }
        let user = user::Entity::find_by_id(row.user_id).one(&self.db).await?;
        let actor = match user {
            Some(user) if user.active => Actor::from_user(&user)?,
            _ => return Ok(None),
        };
        self.auth.put(key, Signed::Token(actor.clone()), generation);
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
