//! Roles: every account is a customer; staff accounts also hold back-office roles, which only
//! admins grant or revoke. `customer` is implicit and never stored in `user_roles`.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    Customer,
    Agent,
    Supervisor,
    Finance,
    Admin,
}

/// A role name that is not one of ours.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown role {0:?}")]
pub struct UnknownRole(pub String);

impl UnknownRole {
    pub fn reason_key(&self) -> &'static str {
        "reason-unknown-role"
    }
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::Customer,
        Role::Agent,
        Role::Supervisor,
        Role::Finance,
        Role::Admin,
    ];

    /// The roles that can be granted and are stored (all but `customer`).
    pub const GRANTABLE: [Role; 4] = [Role::Agent, Role::Supervisor, Role::Finance, Role::Admin];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::Customer => "customer",
            Role::Agent => "agent",
            Role::Supervisor => "supervisor",
            Role::Finance => "finance",
            Role::Admin => "admin",
        }
    }

    pub fn parse(s: &str) -> Result<Role, UnknownRole> {
        Role::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| UnknownRole(s.to_owned()))
    }

    /// Whether the role opens the back office (every role but `customer`).
    pub fn is_back_office(self) -> bool {
        self != Role::Customer
    }
}

/// Whether someone holding `actor_roles` may grant `role` to an account. Only admins grant,
/// and `customer` is never granted: every account has it.
pub fn can_grant(actor_roles: &[Role], role: Role) -> bool {
    actor_roles.contains(&Role::Admin) && role != Role::Customer
}

/// Revoking follows the same rule as granting. (Keeping at least one admin is the store's
/// check: it needs to count.)
pub fn can_revoke(actor_roles: &[Role], role: Role) -> bool {
    can_grant(actor_roles, role)
}

impl fmt::Display for Role {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Role {
    type Err = UnknownRole;

    fn from_str(s: &str) -> Result<Role, UnknownRole> {
        Role::parse(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_round_trip() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Ok(r));
            assert_eq!(r.to_string(), r.as_str());
            assert_eq!(
                serde_json::to_string(&r).unwrap(),
                format!("\"{}\"", r.as_str())
            );
            assert_eq!(
                serde_json::from_str::<Role>(&format!("\"{r}\"")).unwrap(),
                r
            );
        }
        assert_eq!(Role::parse("Admin"), Err(UnknownRole("Admin".into())));
        assert_eq!(
            Role::parse("root").unwrap_err().reason_key(),
            "reason-unknown-role"
        );
        assert_eq!("finance".parse::<Role>(), Ok(Role::Finance));
    }

    #[test]
    fn back_office_roles() {
        assert!(!Role::Customer.is_back_office());
        for r in Role::GRANTABLE {
            assert!(r.is_back_office());
        }
    }

    #[test]
    fn only_admins_grant_and_never_customer() {
        for r in Role::ALL {
            assert_eq!(can_grant(&[Role::Admin], r), r != Role::Customer, "{r}");
            assert_eq!(
                can_revoke(&[Role::Agent, Role::Admin], r),
                r != Role::Customer
            );
            for actor in [Role::Customer, Role::Agent, Role::Supervisor, Role::Finance] {
                assert!(!can_grant(&[actor], r), "{actor} granting {r}");
                assert!(!can_revoke(&[actor], r));
            }
            assert!(!can_grant(&[], r));
            assert!(!can_grant(
                &[Role::Customer, Role::Agent, Role::Supervisor, Role::Finance],
                r
            ));
        }
    }
}
