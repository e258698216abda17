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
}
