//! Back-office administration of accounts: finding users, granting and revoking roles, and
//! searching the audit log. Every function checks the caller's roles itself, so no route can
//! forget to.

use chrono::{DateTime, Utc};
use wayfare_domain::account::Role;
use wayfare_domain::account::role::{can_grant, can_revoke};
use wayfare_store::accounts::UserRow;
use wayfare_store::audit::{AuditQuery, AuditRow};

use crate::error::AuthError;
use crate::service::{Accounts, Authenticated, RequestMeta};

/// Page sizes for the admin lists.
pub const MAX_PAGE: u64 = 200;

/// A user as the admin pages show them.
#[derive(Debug, Clone)]
pub struct AdminUser {
    pub user: UserRow,
    pub roles: Vec<Role>,
}

/// What an admin may filter the audit log by.
#[derive(Debug, Clone, Default)]
pub struct AuditFilter {
    pub action: Option<String>,
    /// An account id, or an e-mail / phone that is resolved to one.
    pub actor: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    pub since: Option<DateTime<Utc>>,
    pub until: Option<DateTime<Utc>>,
    pub limit: u64,
    pub offset: u64,
}

fn require_admin(who: &Authenticated) -> Result<(), AuthError> {
    if who.roles.contains(&Role::Admin) {
        Ok(())
    } else {
        Err(AuthError::Forbidden)
    }
}

fn parse_roles(roles: Vec<String>) -> Vec<Role> {
    roles.iter().filter_map(|r| Role::parse(r).ok()).collect()
}

impl Accounts {
    /// Active accounts matching `query` (part of an e-mail, phone, name or id).
    pub async fn admin_users(
        &self,
        who: &Authenticated,
        query: Option<&str>,
        limit: u64,
        offset: u64,
    ) -> Result<(Vec<AdminUser>, u64), AuthError> {
        require_admin(who)?;
        let (rows, total) = self
            .store
            .list_users(query, limit.clamp(1, MAX_PAGE), offset)
            .await?;
        let mut out = Vec::with_capacity(rows.len());
        for user in rows {
            let roles = parse_roles(self.store.roles_of(&user.id).await?);
            out.push(AdminUser { user, roles });
        }
        Ok((out, total))
    }

    /// One account for the admin pages.
    pub async fn admin_user(
        &self,
        who: &Authenticated,
        user_id: &str,
    ) -> Result<AdminUser, AuthError> {
        require_admin(who)?;
        let user = self
            .store
            .user_by_id(user_id)
            .await?
            .filter(|u| u.deleted_at.is_none())
            .ok_or(AuthError::NotFound)?;
        let roles = parse_roles(self.store.roles_of(&user.id).await?);
        Ok(AdminUser { user, roles })
    }

    /// Grants `role` to `user_id`; `false` when they had it already.
    pub async fn grant_role(
        &self,
        who: &Authenticated,
        user_id: &str,
        role: &str,
        meta: &RequestMeta,
    ) -> Result<bool, AuthError> {
        require_admin(who)?;
        let role =
            Role::parse(role).map_err(|_| AuthError::field("role", "reason-unknown-role"))?;
        if !can_grant(&who.roles, role) {
            return Err(AuthError::field("role", "reason-role-not-grantable"));
        }
        let target = self.admin_user(who, user_id).await?;
        let granted = self
            .store
            .grant_role(
                &target.user.id,
                role.as_str(),
                Some(&who.user.id),
                self.now(),
            )
            .await?;
        if granted {
            self.audit(
                Some(&who.user.id),
                "role_granted",
                Some(&target.user.id),
                meta,
                serde_json::json!({ "role": role.as_str() }),
            )
            .await;
        }
        Ok(granted)
    }

    /// Revokes `role` from `user_id`; `false` when they did not have it. The last admin
    /// cannot lose the role (nobody could grant it back).
    pub async fn revoke_role(
        &self,
        who: &Authenticated,
        user_id: &str,
        role: &str,
        meta: &RequestMeta,
    ) -> Result<bool, AuthError> {
        require_admin(who)?;
        let role =
            Role::parse(role).map_err(|_| AuthError::field("role", "reason-unknown-role"))?;
        if !can_revoke(&who.roles, role) {
            return Err(AuthError::field("role", "reason-role-not-grantable"));
        }
        let target = self.admin_user(who, user_id).await?;
        if role == Role::Admin && target.roles.contains(&Role::Admin) {
            let admins = self.store.users_with_role(Role::Admin.as_str()).await?;
            if admins.len() <= 1 {
                return Err(AuthError::field("role", "reason-last-admin"));
            }
        }
        let revoked = self
            .store
            .revoke_role(&target.user.id, role.as_str())
            .await?;
        if revoked {
            self.audit(
                Some(&who.user.id),
                "role_revoked",
                Some(&target.user.id),
                meta,
                serde_json::json!({ "role": role.as_str() }),
            )
            .await;
        }
        Ok(revoked)
    }

    /// Searches the audit log, newest first, with the total matching.
    pub async fn search_audit(
        &self,
        who: &Authenticated,
        filter: AuditFilter,
    ) -> Result<(Vec<AuditRow>, u64), AuthError> {
        require_admin(who)?;
        let actor = match filter
            .actor
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(a) => Some(self.resolve_account(a).await?),
        };
        let target = match filter
            .target
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
        {
            None => None,
            Some(t) => Some(self.resolve_account(t).await?),
        };
        let nonempty = |s: Option<String>| s.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(self
            .store
            .search_audit(&AuditQuery {
                actor_user_id: actor,
                action: nonempty(filter.action),
                target,
                ip: nonempty(filter.ip),
                since: filter.since,
                until: filter.until,
                limit: filter.limit.clamp(1, MAX_PAGE),
                offset: filter.offset,
            })
            .await?)
    }

    /// An e-mail or phone names its account's id; anything else is taken as an id.
    async fn resolve_account(&self, s: &str) -> Result<String, AuthError> {
        if let Ok(id) = wayfare_domain::account::Identifier::parse(s) {
            let user = match &id {
                wayfare_domain::account::Identifier::Email(e) => {
                    self.store.user_by_email(e.as_str()).await?
                }
                wayfare_domain::account::Identifier::Phone(p) => {
                    self.store.user_by_phone(p.as_str()).await?
                }
            };
            if let Some(u) = user {
                return Ok(u.id);
            }
        }
        Ok(s.to_owned())
    }
}
