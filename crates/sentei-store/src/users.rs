//! Users: adding them, their roles and passwords (argon2id), and signing in.

use argon2::Argon2;
use argon2::password_hash::{PasswordHasher, PasswordVerifier};
use sea_orm::sea_query::Expr;
use sea_orm::{ColumnTrait, EntityTrait, QueryFilter, QueryOrder, Set};
use sentei_core::access::Capability;
use sentei_core::workflow::UserRole;
use serde_json::json;

use crate::entity::{api_token, session, user};
use crate::{Actor, Store, StoreError, audit, text_field};

/// Shortest password accepted.
pub const MIN_PASSWORD_CHARS: usize = 12;
/// Longest password accepted (argon2 has no limit; this bounds the work per sign-in).
pub const MAX_PASSWORD_CHARS: usize = 256;

#[derive(Clone, Debug)]
pub struct NewUser {
    pub login: String,
    pub display_name: String,
    pub department: String,
    pub role: UserRole,
    pub password: String,
    /// Empty when not known.
    pub email: String,
}

/// What a password change or a deactivation ended: sessions signed out and API tokens
/// revoked.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Ended {
    pub sessions: u64,
    pub tokens: u64,
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct UserView {
    pub id: i64,
    pub login: String,
    pub display_name: String,
    pub department: String,
    pub email: String,
    pub role: UserRole,
    pub active: bool,
}

impl Store {
    /// Adds a user to the actor's organization.
    pub async fn add_user(&self, actor: &Actor, new: NewUser) -> Result<UserView, StoreError> {
        actor.require(Capability::Administer)?;
        let login = check_login(&new.login)?;
        let display_name = text_field(&new.display_name, "氏名", 200, true)?;
        let department = text_field(&new.department, "所属", 200, true)?;
        let email = sentei_core::people::parse_email(&new.email)
            .map_err(|e| StoreError::Rejected(e.to_string()))?;
        let hash = hash_password(&new.password).await?;
        if user::Entity::find()
            .filter(user::Column::Login.eq(&login))
            .one(&self.db)
            .await?
            .is_some()
        {
            return Err(StoreError::Rejected(format!(
                "ログイン名 {login} はすでに使われています"
            )));
        }
        let txn = self.begin_write(actor.org_id()).await?;
        let now = crate::now();
        let row = user::Entity::insert(user::ActiveModel {
            org_id: Set(actor.org_id()),
            login: Set(login),
            display_name: Set(display_name),
            department: Set(department),
            role: Set(new.role.as_str().to_owned()),
            password_hash: Set(hash),
            active: Set(true),
            created_at: Set(now),
            password_changed_at: Set(now),
            email: Set(email),
            must_change_password: Set(false),
            ..Default::default()
        })
        .exec_with_returning(&txn)
        .await?;
        audit::append_summarized(
            &txn,
            actor,
            "user.add",
            &format!("user:{}", row.id),
            &json!({ "login": row.login, "role": row.role, "department": row.department }),
            &crate::people::added_summary(&row),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        view(row)
    }

    pub async fn users(&self, actor: &Actor) -> Result<Vec<UserView>, StoreError> {
        actor.require(Capability::Administer)?;
        user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id()))
            .order_by_asc(user::Column::Login)
            .all(&self.db)
            .await?
            .into_iter()
            .map(view)
            .collect()
    }

    /// Gives a user another role; refused when it would leave the organization without an
    /// active administrator (`sentei_core::people`).
    pub async fn set_role(
        &self,
        actor: &Actor,
        login: &str,
        role: UserRole,
    ) -> Result<UserView, StoreError> {
        actor.require(Capability::Administer)?;
        let row = self.user_in_org(actor, login).await?;
        if !sentei_core::access::may_change_role(actor.user_id(), row.id) {
            return Err(StoreError::Denied(
                "自分の役割は変更できません。ほかのシステム管理者に依頼してください".to_owned(),
            ));
        }
        let txn = self.begin_write(actor.org_id()).await?;
        let before = crate::people::member_in(&txn, actor, login).await?;
        crate::people::check(
            &txn,
            actor,
            &before,
            sentei_core::people::Change::SetRole(role),
        )
        .await?;
        let row = user::Entity::update(user::ActiveModel {
            id: Set(before.id),
            role: Set(role.as_str().to_owned()),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut summary = sentei_core::audit::Summary::new();
        summary.value("ログイン名", &row.login).change(
            "役割",
            crate::people::role_label(&before.role),
            role.label(),
        );
        audit::append_summarized(
            &txn,
            actor,
            "user.set_role",
            &format!("user:{}", row.id),
            &json!({ "login": row.login, "role": row.role }),
            &summary,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        self.auth.clear();
        view(row)
    }

    /// An administrator's (or, from the command line, the operator's) reset of a user's
    /// password. Whoever knew the old one may have opened sessions or made API tokens with it:
    /// every session and token of the user ends in the same transaction, and this server
    /// forgets them at once (another server within [`crate::AUTH_CACHE_TTL`]).
    pub async fn reset_password(
        &self,
        actor: &Actor,
        login: &str,
        password: &str,
    ) -> Result<Ended, StoreError> {
        actor.require(Capability::Administer)?;
        let row = self.user_in_org(actor, login).await?;
        self.write_password(actor, &row, password, None, true, "user.password_reset")
            .await
    }

    /// A signed-in user's change of their own password: their other sessions end (all but
    /// `keep_session`), and their API tokens too when `end_tokens` is set.
    pub async fn change_own_password(
        &self,
        actor: &Actor,
        password: &str,
        keep_session: Option<i64>,
        end_tokens: bool,
    ) -> Result<Ended, StoreError> {
        actor.user()?;
        let row = self.user_in_org(actor, actor.login()).await?;
        self.write_password(
            actor,
            &row,
            password,
            keep_session,
            end_tokens,
            "user.password",
        )
        .await
    }

    async fn write_password(
        &self,
        actor: &Actor,
        row: &user::Model,
        password: &str,
        keep_session: Option<i64>,
        end_tokens: bool,
        action: &str,
    ) -> Result<Ended, StoreError> {
        let hash = hash_password(password).await?;
        let txn = self.begin_write(actor.org_id()).await?;
        let now = crate::now();
        // A password the user chose themselves is no longer the generated one; a reset by
        // someone else leaves the user as they were.
        let own = actor.user_id() == Some(row.id);
        user::Entity::update(user::ActiveModel {
            id: Set(row.id),
            password_hash: Set(hash),
            password_changed_at: Set(now),
            must_change_password: if own {
                Set(false)
            } else {
                sea_orm::ActiveValue::NotSet
            },
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut sessions =
            session::Entity::delete_many().filter(session::Column::UserId.eq(row.id));
        if let Some(keep) = keep_session {
            sessions = sessions.filter(session::Column::Id.ne(keep));
        }
        let sessions = sessions.exec(&txn).await?.rows_affected;
        let tokens = if end_tokens {
            api_token::Entity::update_many()
                .col_expr(api_token::Column::RevokedAt, Expr::value(Some(now)))
                .filter(api_token::Column::UserId.eq(row.id))
                .filter(api_token::Column::RevokedAt.is_null())
                .exec(&txn)
                .await?
                .rows_affected
        } else {
            0
        };
        // The record says that the password changed and what ended, never what it is.
        audit::append(
            &txn,
            actor,
            action,
            &format!("user:{}", row.id),
            &json!({ "login": row.login, "sessions_ended": sessions, "tokens_revoked": tokens }),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        self.auth.clear();
        Ok(Ended { sessions, tokens })
    }

    /// Marks a user's password as generated: at sign-in they can do nothing but change it
    /// (the first administrator, made at the first start).
    pub async fn require_password_change(
        &self,
        actor: &Actor,
        login: &str,
    ) -> Result<(), StoreError> {
        actor.require(Capability::Administer)?;
        let row = self.user_in_org(actor, login).await?;
        let txn = self.begin_write(actor.org_id()).await?;
        user::Entity::update(user::ActiveModel {
            id: Set(row.id),
            must_change_password: Set(true),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit::append(
            &txn,
            actor,
            "user.password_change_required",
            &format!("user:{}", row.id),
            &json!({ "login": row.login }),
        )
        .await?;
        txn.commit().await?;
        self.auth.clear();
        Ok(())
    }

    /// How many users the whole database has (zero on a first run).
    pub async fn user_count(&self) -> Result<u64, StoreError> {
        use sea_orm::PaginatorTrait;
        Ok(user::Entity::find().count(&self.db).await?)
    }

    /// Signs a user in: the actor if the password is right and the user active.
    pub async fn authenticate(
        &self,
        login: &str,
        password: &str,
    ) -> Result<Option<Actor>, StoreError> {
        // A name nobody can have is not looked up (nor, so, is a megabyte of one).
        if !valid_login(login) {
            return Ok(None);
        }
        let row = user::Entity::find()
            .filter(user::Column::Login.eq(login.trim()))
            .one(&self.db)
            .await?;
        // Verify against a real hash even for unknown users, so timing does not reveal logins.
        let hash = row
            .as_ref()
            .map_or_else(|| DUMMY_HASH.clone(), |r| r.password_hash.clone());
        let password = password.to_owned();
        let ok = tokio::task::spawn_blocking(move || {
            password.chars().count() <= MAX_PASSWORD_CHARS
                && Argon2::default()
                    .verify_password(password.as_bytes(), hash.as_str())
                    .is_ok()
        })
        .await
        .unwrap_or(false);
        match row {
            Some(row) if ok && row.active => Actor::from_user(&row).map(Some),
            _ => Ok(None),
        }
    }

    /// The actor for a user id (e.g. from a session), if the user still exists and is active.
    pub async fn actor(&self, user_id: i64) -> Result<Option<Actor>, StoreError> {
        match user::Entity::find_by_id(user_id).one(&self.db).await? {
            Some(row) if row.active => Actor::from_user(&row).map(Some),
            _ => Ok(None),
        }
    }

    /// For commands run on the server: the operator acting as one of the organization's active
    /// users, so what is done is recorded as that person's and limited to their role.
    pub async fn acting_as(&self, operator: &Actor, login: &str) -> Result<Actor, StoreError> {
        if operator.user_id().is_some() {
            return Err(StoreError::Denied(
                "他の利用者として操作できるのはサーバー上のコマンドだけです".to_owned(),
            ));
        }
        let row = self.user_in_org(operator, login.trim()).await?;
        if !row.active {
            return Err(StoreError::Rejected(format!(
                "利用者 {} は無効にされています",
                row.login
            )));
        }
        Actor::from_user(&row)
    }

    /// Display names of users of the actor's organization, by id.
    pub async fn display_names(
        &self,
        actor: &Actor,
        ids: &[i64],
    ) -> Result<std::collections::HashMap<i64, String>, StoreError> {
        actor.require(sentei_core::access::Capability::Read)?;
        Ok(user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id()))
            .filter(user::Column::Id.is_in(ids.iter().copied()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.id, u.display_name))
            .collect())
    }

    async fn user_in_org(&self, actor: &Actor, login: &str) -> Result<user::Model, StoreError> {
        user::Entity::find()
            .filter(user::Column::Login.eq(login))
            .filter(user::Column::OrgId.eq(actor.org_id()))
            .one(&self.db)
            .await?
            .ok_or_else(|| StoreError::not_found("利用者", login))
    }
}

/// A real argon2id hash of a password nobody knows, made once, for timing-safe misses.
static DUMMY_HASH: std::sync::LazyLock<String> = std::sync::LazyLock::new(|| {
    let secret: [u8; 32] = argon2::password_hash::generate_salt()
        .repeat(2)
        .try_into()
        .unwrap_or([7; 32]);
    Argon2::default()
        .hash_password(&secret)
        .map(|h| h.to_string())
        .unwrap_or_default()
});

/// A new random password of 20 characters from an alphabet without look-alikes (no 0/O, 1/l/I),
/// for accounts created from the command line and shown once.
pub fn generate_password() -> String {
    const ALPHABET: &[u8] = b"abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789";
    let mut bytes = argon2::password_hash::generate_salt().to_vec();
    bytes.extend(argon2::password_hash::generate_salt());
    bytes
        .iter()
        .take(20)
        .map(|b| char::from(ALPHABET[usize::from(*b) % ALPHABET.len()]))
        .collect()
}

/// Longest login name.
pub const MAX_LOGIN_CHARS: usize = 64;

/// Whether `login` (trimmed) could be someone's login name: 3 to [`MAX_LOGIN_CHARS`] lower-case
/// letters, digits and `. - _`. What is not is never looked up, counted or shown back.
pub fn valid_login(login: &str) -> bool {
    let login = login.trim();
    (3..=MAX_LOGIN_CHARS).contains(&login.len())
        && login
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || matches!(c, '.' | '-' | '_'))
}

pub(crate) fn check_login(login: &str) -> Result<String, StoreError> {
    let login = login.trim();
    if valid_login(login) {
        Ok(login.to_owned())
    } else {
        Err(StoreError::Rejected(
            "ログイン名は英小文字・数字と . - _ で、3〜64 文字にしてください".to_owned(),
        ))
    }
}

pub(crate) async fn hash_password(password: &str) -> Result<String, StoreError> {
    let chars = password.chars().count();
    if !(MIN_PASSWORD_CHARS..=MAX_PASSWORD_CHARS).contains(&chars) {
        return Err(StoreError::Rejected(format!(
            "パスワードは {MIN_PASSWORD_CHARS}〜{MAX_PASSWORD_CHARS} 文字にしてください"
        )));
    }
    let password = password.to_owned();
    // argon2 takes tens of milliseconds by design: keep it off the async workers.
    tokio::task::spawn_blocking(move || {
        Argon2::default()
            .hash_password(password.as_bytes())
            .map(|h| h.to_string())
            .map_err(|e| StoreError::Rejected(format!("パスワードを処理できません（{e}）")))
    })
    .await
    .map_err(|e| StoreError::Rejected(format!("パスワードを処理できません（{e}）")))?
}

pub(crate) fn view(row: user::Model) -> Result<UserView, StoreError> {
    let role = UserRole::parse(&row.role).ok_or_else(|| {
        StoreError::Rejected(format!(
            "利用者 {} の役割 `{}` が不明です",
            row.login, row.role
        ))
    })?;
    Ok(UserView {
        id: row.id,
        login: row.login,
        display_name: row.display_name,
        department: row.department,
        email: row.email,
        role,
        active: row.active,
    })
}
