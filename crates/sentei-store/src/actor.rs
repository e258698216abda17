//! Who is acting: made only by this crate, from a user row or for the operator.
//!
//! Callers cannot build an actor with a role of their choosing; they get one by signing a user
//! in ([`crate::Store::authenticate`]) or by loading it ([`crate::Store::actor`]), and the
//! operator actor ([`crate::Store::operator`]) is for commands run on the server itself.

use sentei_core::access::{Capability, Scope, can};
use sentei_core::workflow::UserRole;

use crate::StoreError;
use crate::entity::user;

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Actor {
    user_id: Option<i64>,
    org_id: i64,
    login: String,
    display_name: String,
    department: String,
    role: UserRole,
    /// The scope of the API token this actor came with; `None` for sessions and commands.
    token: Option<Scope>,
    /// The user's password was generated and must be changed before anything else.
    password_change_due: bool,
}

/// Login recorded in the audit trail for the operator.
pub const OPERATOR_LOGIN: &str = "system";

impl Actor {
    pub(crate) fn from_user(user: &user::Model) -> Result<Actor, StoreError> {
        let role = UserRole::parse(&user.role).ok_or_else(|| {
            StoreError::Rejected(format!(
                "利用者 {} の役割 `{}` が不明です",
                user.login, user.role
            ))
        })?;
        Ok(Actor {
            user_id: Some(user.id),
            org_id: user.org_id,
            login: user.login.clone(),
            display_name: user.display_name.clone(),
            department: user.department.clone(),
            role,
            token: None,
            password_change_due: user.must_change_password,
        })
    }

    pub(crate) fn operator(org_id: i64) -> Actor {
        Actor {
            user_id: None,
            org_id,
            login: OPERATOR_LOGIN.to_owned(),
            display_name: "システム（操作員）".to_owned(),
            department: String::new(),
            role: UserRole::Admin,
            token: None,
            password_change_due: false,
        }
    }

    /// A vendor answering through a link: known by the link, never a user. Made only by the
    /// vendor-link methods, which confine it to the link's one assessment. It acts for the
    /// department the assessment belongs to, which issued the link.
    pub(crate) fn vendor(org_id: i64, link_id: i64, contact: &str, department: &str) -> Actor {
        Actor {
            user_id: None,
            org_id,
            login: format!("vendor:{link_id}"),
            display_name: format!("{contact}（回答リンク）"),
            department: department.to_owned(),
            // What a vendor may do to the assessment is what its applicant may: answer it
            // until it is under review.
            role: UserRole::Applicant,
            token: None,
            password_change_due: false,
        }
    }

    pub fn org_id(&self) -> i64 {
        self.org_id
    }

    /// The user's id; `None` for the operator.
    pub fn user_id(&self) -> Option<i64> {
        self.user_id
    }

    pub fn login(&self) -> &str {
        &self.login
    }

    pub fn display_name(&self) -> &str {
        &self.display_name
    }

    pub fn department(&self) -> &str {
        &self.department
    }

    pub fn role(&self) -> UserRole {
        self.role
    }

    /// The role's capability, within the token's scope when the actor came with one.
    pub fn can(&self, capability: Capability) -> bool {
        can(self.role, capability) && self.token.is_none_or(|scope| scope.permits(capability))
    }

    /// The user signed in with a generated password, which must be changed before anything
    /// else (the pages allow only the account page until it is; no token can be made).
    pub fn password_change_due(&self) -> bool {
        self.password_change_due
    }

    /// The scope of the API token the actor came with, if it came with one.
    pub fn token_scope(&self) -> Option<Scope> {
        self.token
    }

    /// The same actor, as one who came with an API token of this scope.
    pub(crate) fn with_token(mut self, scope: Scope) -> Actor {
        self.token = Some(scope);
        self
    }

    pub(crate) fn require(&self, capability: Capability) -> Result<(), StoreError> {
        if self.can(capability) {
            Ok(())
        } else if can(self.role, capability) {
            Err(StoreError::Denied(
                "読み取りのみの API トークンでは、この操作はできません".to_owned(),
            ))
        } else {
            Err(StoreError::Denied(format!(
                "{}にはこの操作の権限がありません",
                self.role.label()
            )))
        }
    }

    /// The user id, for actions only a signed-in user can take.
    pub(crate) fn user(&self) -> Result<i64, StoreError> {
        self.user_id.ok_or_else(|| {
            StoreError::Denied("この操作は利用者としてログインして行ってください".to_owned())
        })
    }
}
