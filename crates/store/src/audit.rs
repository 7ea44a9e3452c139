//! The security audit log: sign-ins, failures, second-factor and password changes, role changes
//! (and later refunds and approvals), appended once and searched by admins.

use chrono::{DateTime, Utc};
use sea_orm::{
    ActiveValue::NotSet, ActiveValue::Set, ColumnTrait, Condition, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect,
};

use crate::entity::audit_entry;
use crate::{Store, StoreError};

pub type AuditRow = audit_entry::Model;

#[derive(Debug, Clone)]
pub struct NewAuditEntry {
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// JSON object; "{}" when there is nothing more to say.
    pub detail: String,
}

/// Filters for the admin search; every one given must match.
#[derive(Debug, Clone)]
pub struct AuditQuery {
    pub actor_user_id: Option<String>,
    pub action: Option<String>,
    pub target: Option<String>,
    pub ip: Option<String>,
    /// Inclusive.
    pub since: Option<DateTime<Utc>>,
    /// Exclusive.
    pub until: Option<DateTime<Utc>>,
    pub limit: u64,
    pub offset: u64,
}

impl Default for AuditQuery {
    fn default() -> Self {
        AuditQuery {
            actor_user_id: None,
            action: None,
            target: None,
            ip: None,
            since: None,
            until: None,
            limit: 50,
            offset: 0,
        }
    }
}

impl AuditQuery {
    fn condition(&self) -> Condition {
        let mut c = Condition::all();
        if let Some(v) = &self.actor_user_id {
            c = c.add(audit_entry::Column::ActorUserId.eq(v.clone()));
        }
        if let Some(v) = &self.action {
            c = c.add(audit_entry::Column::Action.eq(v.clone()));
        }
        if let Some(v) = &self.target {
            c = c.add(audit_entry::Column::Target.eq(v.clone()));
        }
        if let Some(v) = &self.ip {
            c = c.add(audit_entry::Column::Ip.eq(v.clone()));
        }
        if let Some(v) = self.since {
            c = c.add(audit_entry::Column::At.gte(v));
        }
        if let Some(v) = self.until {
            c = c.add(audit_entry::Column::At.lt(v));
        }
        c
    }
}

impl Store {
    /// Appends an entry; returns its id.
    pub async fn append_audit(&self, e: NewAuditEntry) -> Result<i64, StoreError> {
        let inserted = audit_entry::Entity::insert(audit_entry::ActiveModel {
            id: NotSet,
            at: Set(e.at),
            actor_user_id: Set(e.actor_user_id),
            action: Set(e.action),
            target: Set(e.target),
            ip: Set(e.ip),
            detail: Set(e.detail),
        })
        .exec(self.db())
        .await?;
        Ok(inserted.last_insert_id)
    }

    /// Matching entries, newest first, and how many match in all.
    pub async fn search_audit(&self, q: &AuditQuery) -> Result<(Vec<AuditRow>, u64), StoreError> {
        let total = audit_entry::Entity::find()
            .filter(q.condition())
            .count(self.db())
            .await?;
        let rows = audit_entry::Entity::find()
            .filter(q.condition())
            .order_by_desc(audit_entry::Column::At)
            .order_by_desc(audit_entry::Column::Id)
            .limit(q.limit)
            .offset(q.offset)
            .all(self.db())
            .await?;
        Ok((rows, total))
    }

    /// Entries the user did or that were done to them (target = the user id), oldest first.
    pub async fn audit_about_user(&self, user_id: &str) -> Result<Vec<AuditRow>, StoreError> {
        Ok(audit_entry::Entity::find()
            .filter(
                Condition::any()
                    .add(audit_entry::Column::ActorUserId.eq(user_id))
                    .add(audit_entry::Column::Target.eq(user_id)),
            )
            .order_by_asc(audit_entry::Column::At)
            .order_by_asc(audit_entry::Column::Id)
            .all(self.db())
            .await?)
    }
}
