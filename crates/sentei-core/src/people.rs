//! People over time: the rules for changing who may sign in and with which role.
//!
//! Staff move between departments every April, leave, come back; an administrator reflects
//! that by editing, deactivating and reactivating users (one by one or from a CSV file). Who may
//! do that at all is [`crate::access::Capability::Administer`]; what may be done is decided
//! here, once, and the store asks before every change: above all, no change may leave an
//! organization without an active administrator, or nobody could manage its users any more
//! (and the last administrator cannot lock themselves out by mistake).

use crate::workflow::UserRole;

/// A user as these rules see them.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Member {
    pub role: UserRole,
    pub active: bool,
}

impl Member {
    pub fn is_active_admin(self) -> bool {
        self.active && self.role == UserRole::Admin
    }
}

/// A change to one user.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Change {
    /// Sign-in refused from now on; every session and API token ends.
    Deactivate,
    /// Sign-in allowed again (with the password the user had; sessions and tokens do not
    /// come back).
    Activate,
    /// Another role.
    SetRole(UserRole),
    /// Name, department or e-mail address.
    Edit,
}

impl Change {
    /// What the change does, as a verb phrase: 「無効にする」.
    pub fn label(self) -> &'static str {
        match self {
            Change::Deactivate => "無効にする",
            Change::Activate => "有効に戻す",
            Change::SetRole(_) => "役割を変える",
            Change::Edit => "氏名・所属・メールアドレスを変える",
        }
    }

    /// The user after the change.
    pub fn apply(self, member: Member) -> Member {
        match self {
            Change::Deactivate => Member {
                active: false,
                ..member
            },
            Change::Activate => Member {
                active: true,
                ..member
            },
            Change::SetRole(role) => Member { role, ..member },
            Change::Edit => member,
        }
    }
}

/// Why a change to users was refused.
#[derive(Clone, Debug, PartialEq, Eq, thiserror::Error)]
pub enum PeopleRefusal {
    /// The acting administrator is the last active one and would stop being one.
    #[error(
        "あなたは最後の有効なシステム管理者のため、{what}ことはできません。先にほかの利用者をシステム管理者にしてください"
    )]
    LastAdministratorSelf { what: &'static str },
    /// Someone else's change would leave the organization without an active administrator.
    #[error(
        "{login} は最後の有効なシステム管理者のため、{what}ことはできません。先にほかの利用者をシステム管理者にしてください"
    )]
    LastAdministrator { login: String, what: &'static str },
    /// A set of changes (an import) would leave no active administrator.
    #[error(
        "この内容では有効なシステム管理者が一人もいなくなります。少なくとも一人はシステム管理者として有効なままにしてください"
    )]
    NoAdministratorLeft,
    /// An e-mail address that cannot be one.
    #[error("メールアドレス「{0}」の形が正しくありません（例: tanaka@city.example.lg.jp）")]
    BadEmail(String),
}

/// Whether `change` may be made to `target` (whose login is `login`), where `is_self` says the
/// acting user is the target and `active_admins` counts the organization's active
/// administrators now, the target included.
pub fn may_change(
    login: &str,
    target: Member,
    change: Change,
    is_self: bool,
    active_admins: usize,
) -> Result<(), PeopleRefusal> {
    let after = change.apply(target);
    let loses_one = target.is_active_admin() && !after.is_active_admin();
    if loses_one && active_admins <= 1 {
        let demoted = matches!(change, Change::SetRole(_));
        return Err(if is_self {
            PeopleRefusal::LastAdministratorSelf {
                what: if demoted {
                    "自分の役割を変える"
                } else {
                    "自分のアカウントを無効にする"
                },
            }
        } else {
            PeopleRefusal::LastAdministrator {
                login: login.to_owned(),
                what: if demoted {
                    "役割を変える"
                } else {
                    "無効にする"
                },
            }
        });
    }
    Ok(())
}

/// Whether a set of changes made at once (an import) keeps an active administrator: `before`
/// and `after` count the organization's active administrators before and after all of them.
/// An organization that had none is not held to having one.
pub fn keeps_an_administrator(before: usize, after: usize) -> Result<(), PeopleRefusal> {
    if before > 0 && after == 0 {
        Err(PeopleRefusal::NoAdministratorLeft)
    } else {
        Ok(())
    }
}

/// Most users one import may name (a municipality's April transfers are a few hundred).
pub const MAX_IMPORTED_USERS: usize = 2_000;

/// One row of a users file (the April transfers), as read: the store adds the user or brings an
/// existing one to this.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct ImportedUser {
    /// Where the row is in the file, for messages: 「5行目」.
    pub place: String,
    pub login: String,
    pub display_name: String,
    pub department: String,
    /// `None` when the file has no e-mail column (an existing user's address is kept).
    pub email: Option<String>,
    pub role: UserRole,
    /// `None` when the file has no state column (active for new users; kept for existing ones).
    pub active: Option<bool>,
}

/// Longest e-mail address (RFC 5321's path limit).
pub const MAX_EMAIL_CHARS: usize = 254;

/// An e-mail address as typed, trimmed; empty means none. Only its shape is checked (one `@`,
/// something before it, a domain with a dot after it, no spaces or control characters): whether
/// it reaches someone is for the municipality's mail system to say.
pub fn parse_email(text: &str) -> Result<String, PeopleRefusal> {
    let text = text.trim();
    if text.is_empty() {
        return Ok(String::new());
    }
    let bad = || PeopleRefusal::BadEmail(text.chars().take(80).collect());
    if text.chars().count() > MAX_EMAIL_CHARS
        || text
            .chars()
            .any(|c| c.is_whitespace() || c.is_control() || matches!(c, '<' | '>' | ',' | ';'))
    {
        return Err(bad());
    }
    let Some((local, domain)) = text.split_once('@') else {
        return Err(bad());
    };
    let domain_ok = !domain.contains('@')
        && domain.contains('.')
        && domain
            .split('.')
            .all(|label| !label.is_empty() && !label.starts_with('-') && !label.ends_with('-'));
    if local.is_empty() || !domain_ok {
        return Err(bad());
    }
    Ok(text.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    const ADMIN: Member = Member {
        role: UserRole::Admin,
        active: true,
    };
    const APPLICANT: Member = Member {
        role: UserRole::Applicant,
        active: true,
    };

    #[test]
    fn the_last_administrator_cannot_leave_the_organization_without_one() {
        let demote = Change::SetRole(UserRole::Approver);
        for change in [Change::Deactivate, demote] {
            let own = may_change("admin", ADMIN, change, true, 1).unwrap_err();
            assert!(matches!(own, PeopleRefusal::LastAdministratorSelf { .. }));
            assert!(
                own.to_string()
                    .starts_with("あなたは最後の有効なシステム管理者")
            );
            // Nor may anyone else (the operator on the command line) do it to them.
            let other = may_change("admin", ADMIN, change, false, 1).unwrap_err();
            assert!(
                other.to_string().starts_with("admin は最後の有効な"),
                "{other}"
            );
            // With a second administrator, both are allowed, one's own included.
            assert_eq!(may_change("admin", ADMIN, change, true, 2), Ok(()));
        }
        // Staying an administrator, or editing one's name, is always allowed.
        let keep = Change::SetRole(UserRole::Admin);
        assert_eq!(may_change("admin", ADMIN, keep, true, 1), Ok(()));
        assert_eq!(may_change("admin", ADMIN, Change::Edit, true, 1), Ok(()));
        // An inactive administrator is not the one keeping the organization managed.
        let inactive = Member {
            active: false,
            ..ADMIN
        };
        assert_eq!(
            may_change("old", inactive, Change::Deactivate, false, 1),
            Ok(())
        );
        assert_eq!(may_change("old", inactive, demote, false, 0), Ok(()));
    }

    #[test]
    fn anyone_else_may_be_deactivated_and_activated() {
        for change in [Change::Deactivate, Change::Activate, Change::Edit] {
            assert_eq!(may_change("tanaka", APPLICANT, change, false, 1), Ok(()));
        }
        assert!(!Change::Deactivate.apply(APPLICANT).active);
        assert!(
            Change::Activate
                .apply(Change::Deactivate.apply(APPLICANT))
                .active
        );
    }

    #[test]
    fn an_import_keeps_an_administrator_where_there_was_one() {
        assert_eq!(keeps_an_administrator(1, 1), Ok(()));
        assert_eq!(keeps_an_administrator(0, 0), Ok(()));
        assert_eq!(
            keeps_an_administrator(2, 0),
            Err(PeopleRefusal::NoAdministratorLeft)
        );
    }

    #[test]
    fn email_addresses_are_checked_for_their_shape_only() {
        assert_eq!(parse_email("  ").unwrap(), "");
        assert_eq!(
            parse_email(" tanaka@city.shunan.lg.jp ").unwrap(),
            "tanaka@city.shunan.lg.jp"
        );
        assert_eq!(parse_email("田中@市役所.jp").unwrap(), "田中@市役所.jp");
        for bad in [
            "tanaka",
            "@city.jp",
            "tanaka@",
            "tanaka@localhost",
            "a@b@c.jp",
            "tanaka @city.jp",
            "tanaka@city..jp",
            "tanaka@-city.jp",
            "\"x\"<a@b.jp>",
            "a@b.jp\n",
        ] {
            let refused = parse_email(bad);
            // A trailing newline is trimmed like any blank.
            if bad.ends_with('\n') {
                assert!(refused.is_ok());
                continue;
            }
            assert!(
                matches!(refused, Err(PeopleRefusal::BadEmail(_))),
                "{bad:?}"
            );
        }
        let long = format!("{}@city.jp", "a".repeat(250));
        assert!(parse_email(&long).is_err());
    }
}
