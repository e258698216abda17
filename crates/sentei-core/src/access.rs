//! What each role may do, as one table.
//!
//! Routes and commands name the capability they need and ask [`can`]; none of them checks a
//! role by itself. Finer rules (your own application, the application's status) are in
//! [`crate::workflow`].

use crate::workflow::UserRole;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Capability {
    /// See services, assessments, applications and the ledger of the organization.
    Read,
    /// Register services and write assessments (those of one's own department: see
    /// [`crate::workflow::may_author_assessment`]). The approver reviews and does not author.
    Register,
    /// Create applications and move one's own through draft, pre-consultation and submission.
    Apply,
    /// Review: return, approve or reject applications; record the approver's acceptance.
    Review,
    /// Record the CISO's acceptance.
    AcceptAsCiso,
    /// Extend, change and abolish ledger entries.
    KeepLedger,
    /// Read the audit trail and its verification.
    ReadAudit,
    /// Add users, change roles and passwords, make backups.
    Administer,
}

impl Capability {
    pub const ALL: [Capability; 8] = [
        Capability::Read,
        Capability::Register,
        Capability::Apply,
        Capability::Review,
        Capability::AcceptAsCiso,
        Capability::KeepLedger,
        Capability::ReadAudit,
        Capability::Administer,
    ];
}

/// Whether a role has a capability.
pub fn can(role: UserRole, capability: Capability) -> bool {
    use Capability as C;
    use UserRole as R;
    match capability {
        C::Read => true,
        C::Register => role == R::Applicant,
        C::Apply => role == R::Applicant,
        C::Review | C::KeepLedger => role == R::Approver,
        C::AcceptAsCiso => role == R::Ciso,
        C::ReadAudit => matches!(role, R::Auditor | R::Admin),
        C::Administer => role == R::Admin,
    }
}

/// What an API token may do: only read, or whatever its user's role may. A token made to
/// collect figures for a report need not be able to approve anything if it leaks.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub enum Scope {
    ReadOnly,
    ReadWrite,
}

impl Scope {
    pub fn as_str(self) -> &'static str {
        match self {
            Scope::ReadOnly => "read",
            Scope::ReadWrite => "read_write",
        }
    }

    pub fn parse(name: &str) -> Option<Scope> {
        [Scope::ReadOnly, Scope::ReadWrite]
            .into_iter()
            .find(|s| s.as_str() == name)
    }

    pub fn label(self) -> &'static str {
        match self {
            Scope::ReadOnly => "読み取りのみ",
            Scope::ReadWrite => "読み書き",
        }
    }

    /// Whether a token of this scope may use a capability its user's role has.
    pub fn permits(self, capability: Capability) -> bool {
        self == Scope::ReadWrite || matches!(capability, Capability::Read | Capability::ReadAudit)
    }
}

/// How long an API token lives unless its maker says otherwise.
pub const DEFAULT_TOKEN_DAYS: i64 = 90;

/// Whether someone may change a user's role: anyone who administers, but not their own, so
/// that no administrator can raise or keep their own rights alone (another must do it).
pub fn may_change_role(actor_user: Option<i64>, target_user: i64) -> bool {
    actor_user != Some(target_user)
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The whole matrix, written out: a change to `can` must change this table too.
    #[test]
    fn the_capability_matrix() {
        let expected: [(UserRole, [bool; 8]); 5] = [
            // Read Register Apply Review AcceptCiso Ledger Audit Admin
            (
                UserRole::Applicant,
                [true, true, true, false, false, false, false, false],
            ),
            (
                UserRole::Approver,
                [true, false, false, true, false, true, false, false],
            ),
            (
                UserRole::Ciso,
                [true, false, false, false, true, false, false, false],
            ),
            (
                UserRole::Auditor,
                [true, false, false, false, false, false, true, false],
            ),
            (
                UserRole::Admin,
                [true, false, false, false, false, false, true, true],
            ),
        ];
        for (role, row) in expected {
            for (capability, allowed) in Capability::ALL.into_iter().zip(row) {
                assert_eq!(can(role, capability), allowed, "{role:?} {capability:?}");
            }
        }
    }

    #[test]
    fn read_only_tokens_read_and_nothing_else() {
        for capability in Capability::ALL {
            assert!(Scope::ReadWrite.permits(capability));
            assert_eq!(
                Scope::ReadOnly.permits(capability),
                matches!(capability, Capability::Read | Capability::ReadAudit),
                "{capability:?}"
            );
        }
        assert_eq!(Scope::parse("read"), Some(Scope::ReadOnly));
        assert_eq!(Scope::parse("write"), None);
        assert!(!may_change_role(Some(3), 3));
        assert!(may_change_role(Some(3), 4) && may_change_role(None, 4));
    }
}
