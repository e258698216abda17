//! People over time: editing a user's name, department and e-mail address, deactivating and
//! reactivating them, and renaming the organization (failed sign-ins: `sign_in_trail.rs`).
//!
//! Each change reads the user and counts the organization's active administrators inside its
//! write transaction and asks `sentei_core::people` before writing, so two administrators
//! demoting each other at once cannot both succeed. Deactivation ends every session and API
//! token of the user in the same transaction, and this server forgets them with the commit
//! (`auth_cache.rs`); another server within [`crate::AUTH_CACHE_TTL`].

use sea_orm::sea_query::Expr;
use sea_orm::{
    ColumnTrait, ConnectionTrait, DatabaseTransaction, EntityTrait, PaginatorTrait, QueryFilter,
    Set,
};
use sentei_core::access::Capability;
use sentei_core::audit::Summary;
use sentei_core::people::{Change, Member, may_change, parse_email};
use sentei_core::workflow::UserRole;
use serde_json::json;

use crate::entity::{api_token, organization, session, user};
use crate::users::{Ended, view};
use crate::{Actor, OrganizationView, Store, StoreError, UserView, audit, text_field};

/// A user's name, department and e-mail address, as edited.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct UserEdit {
    pub display_name: String,
    pub department: String,
    /// Empty for none.
    pub email: String,
}

impl Store {
    /// One user of the actor's organization.
    pub async fn user(&self, actor: &Actor, login: &str) -> Result<UserView, StoreError> {
        actor.require(Capability::Administer)?;
        view(find(&self.db, actor, login).await?)
    }

    /// Changes a user's name, department and e-mail address.
    pub async fn edit_user(
        &self,
        actor: &Actor,
        login: &str,
        edit: UserEdit,
    ) -> Result<UserView, StoreError> {
        actor.require(Capability::Administer)?;
        let display_name = text_field(&edit.display_name, "氏名", 200, true)?;
        let department = text_field(&edit.department, "所属", 200, true)?;
        let email = parse_email(&edit.email).map_err(|e| StoreError::Rejected(e.to_string()))?;
        let txn = self.begin_write(actor.org_id()).await?;
        let before = member_in(&txn, actor, login).await?;
        check(&txn, actor, &before, Change::Edit).await?;
        let mut summary = Summary::new();
        summary
            .value("ログイン名", &before.login)
            .change("氏名", &before.display_name, &display_name)
            .change("所属", &before.department, &department)
            .change("メールアドレス", &before.email, &email);
        if before.display_name == display_name
            && before.department == department
            && before.email == email
        {
            return view(before);
        }
        let row = user::Entity::update(user::ActiveModel {
            id: Set(before.id),
            display_name: Set(display_name),
            department: Set(department),
            email: Set(email),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        audit::append_summarized(
            &txn,
            actor,
            "user.edit",
            &format!("user:{}", row.id),
            &json!({
                "login": row.login,
                "display_name": row.display_name,
                "department": row.department,
                "email": row.email,
            }),
            &summary,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        // Pages show the signed-in user's name and department from the session's actor.
        self.auth.clear();
        view(row)
    }

    /// Deactivates a user: sign-in is refused from now on, and every session and API token of
    /// theirs ends at once. Refused for the last active administrator.
    pub async fn deactivate_user(
        &self,
        actor: &Actor,
        login: &str,
    ) -> Result<(UserView, Ended), StoreError> {
        self.set_active(actor, login, false).await
    }

    /// Lets a deactivated user sign in again (with their password; what ended stays ended).
    pub async fn activate_user(&self, actor: &Actor, login: &str) -> Result<UserView, StoreError> {
        Ok(self.set_active(actor, login, true).await?.0)
    }

    async fn set_active(
        &self,
        actor: &Actor,
        login: &str,
        active: bool,
    ) -> Result<(UserView, Ended), StoreError> {
        actor.require(Capability::Administer)?;
        let change = if active {
            Change::Activate
        } else {
            Change::Deactivate
        };
        let txn = self.begin_write(actor.org_id()).await?;
        let before = member_in(&txn, actor, login).await?;
        check(&txn, actor, &before, change).await?;
        if before.active == active {
            return Ok((view(before)?, Ended::default()));
        }
        let row = user::Entity::update(user::ActiveModel {
            id: Set(before.id),
            active: Set(active),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let ended = if active {
            Ended::default()
        } else {
            end_sign_ins(&txn, row.id).await?
        };
        audit::append_summarized(
            &txn,
            actor,
            if active {
                "user.activate"
            } else {
                "user.deactivate"
            },
            &format!("user:{}", row.id),
            &json!({
                "login": row.login,
                "active": active,
                "sessions_ended": ended.sessions,
                "tokens_revoked": ended.tokens,
            }),
            &active_summary(&row.login, active, ended),
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        // After the commit: a lookup that read the user as active before it is not kept.
        self.auth.clear();
        Ok((view(row)?, ended))
    }

    /// Renames the actor's organization (the name people read; its code stays).
    pub async fn rename_organization(
        &self,
        actor: &Actor,
        name: &str,
    ) -> Result<OrganizationView, StoreError> {
        actor.require(Capability::Administer)?;
        let name = text_field(name, "組織の名称", 200, true)?;
        let txn = self.begin_write(actor.org_id()).await?;
        let before = organization::Entity::find_by_id(actor.org_id())
            .one(&txn)
            .await?
            .ok_or_else(|| StoreError::not_found("組織", actor.org_id()))?;
        if before.name == name {
            return Ok(before.into());
        }
        let row = organization::Entity::update(organization::ActiveModel {
            id: Set(before.id),
            name: Set(name),
            ..Default::default()
        })
        .exec(&txn)
        .await?;
        let mut summary = Summary::new();
        summary.change("名称", &before.name, &row.name);
        audit::append_summarized(
            &txn,
            actor,
            "organization.rename",
            &format!("organization:{}", row.id),
            &json!({ "code": row.code, "name": row.name }),
            &summary,
        )
        .await?;
        self.commit(txn, actor.org_id()).await?;
        Ok(row.into())
    }

    /// The names of the organization's users by login, for showing who acted in the trail.
    pub async fn names_by_login(
        &self,
        actor: &Actor,
    ) -> Result<std::collections::HashMap<String, String>, StoreError> {
        actor.require(Capability::Read)?;
        Ok(user::Entity::find()
            .filter(user::Column::OrgId.eq(actor.org_id()))
            .all(&self.db)
            .await?
            .into_iter()
            .map(|u| (u.login, u.display_name))
            .collect())
    }

    /// The actor's own organization.
    pub async fn own_organization(&self, actor: &Actor) -> Result<OrganizationView, StoreError> {
        organization::Entity::find_by_id(actor.org_id())
            .one(&self.db)
            .await?
            .map(OrganizationView::from)
            .ok_or_else(|| StoreError::not_found("組織", actor.org_id()))
    }
}

/// A user of the actor's organization, read with `db` (the write transaction, for changes).
pub(crate) async fn find<C: ConnectionTrait>(
    db: &C,
    actor: &Actor,
    login: &str,
) -> Result<user::Model, StoreError> {
    user::Entity::find()
        .filter(user::Column::Login.eq(login.trim()))
        .filter(user::Column::OrgId.eq(actor.org_id()))
        .one(db)
        .await?
        .ok_or_else(|| StoreError::not_found("利用者", login.trim()))
}

/// A user about to be changed, read in the change's transaction.
pub(crate) async fn member_in(
    txn: &DatabaseTransaction,
    actor: &Actor,
    login: &str,
) -> Result<user::Model, StoreError> {
    find(txn, actor, login).await
}

/// The organization's active administrators, counted in `db`.
pub(crate) async fn active_admins<C: ConnectionTrait>(
    db: &C,
    org_id: i64,
) -> Result<usize, StoreError> {
    let count = user::Entity::find()
        .filter(user::Column::OrgId.eq(org_id))
        .filter(user::Column::Role.eq(UserRole::Admin.as_str()))
        .filter(user::Column::Active.eq(true))
        .count(db)
        .await?;
    Ok(usize::try_from(count).unwrap_or(usize::MAX))
}

/// Asks `sentei_core::people` whether `change` may be made to `target`.
pub(crate) async fn check(
    txn: &DatabaseTransaction,
    actor: &Actor,
    target: &user::Model,
    change: Change,
) -> Result<(), StoreError> {
    let member = Member {
        role: UserRole::parse(&target.role).unwrap_or(UserRole::Applicant),
        active: target.active,
    };
    let admins = active_admins(txn, actor.org_id()).await?;
    may_change(
        &target.login,
        member,
        change,
        actor.user_id() == Some(target.id),
        admins,
    )
    .map_err(|refusal| StoreError::Rejected(refusal.to_string()))
}

/// Ends every session and API token of a user, in the caller's transaction.
pub(crate) async fn end_sign_ins(
    txn: &DatabaseTransaction,
    user_id: i64,
) -> Result<Ended, StoreError> {
    let sessions = session::Entity::delete_many()
        .filter(session::Column::UserId.eq(user_id))
        .exec(txn)
        .await?
        .rows_affected;
    let tokens = api_token::Entity::update_many()
        .col_expr(
            api_token::Column::RevokedAt,
            Expr::value(Some(crate::now())),
        )
        .filter(api_token::Column::UserId.eq(user_id))
        .filter(api_token::Column::RevokedAt.is_null())
        .exec(txn)
        .await?
        .rows_affected;
    Ok(Ended { sessions, tokens })
}

/// A stored role's label; the stored name itself if this build does not know it.
pub(crate) fn role_label(role: &str) -> &str {
    match UserRole::parse(role) {
        Some(role) => role.label(),
        None => role,
    }
}

/// The summary of a user added.
pub(crate) fn added_summary(row: &user::Model) -> Summary {
    let mut summary = Summary::new();
    summary
        .value("ログイン名", &row.login)
        .value("氏名", &row.display_name)
        .value("所属", &row.department)
        .value("役割", role_label(&row.role));
    if !row.email.is_empty() {
        summary.value("メールアドレス", &row.email);
    }
    summary
}

/// The summary of a user deactivated or reactivated.
pub(crate) fn active_summary(login: &str, active: bool, ended: Ended) -> Summary {
    let state = |active: bool| if active { "有効" } else { "無効" };
    let mut summary = Summary::new();
    summary
        .value("ログイン名", login)
        .change("状態", state(!active), state(active));
    if !active {
        summary.note(&format!(
            "終了したセッション {} 件、無効にした API トークン {} 件",
            ended.sessions, ended.tokens
        ));
    }
    summary
}
