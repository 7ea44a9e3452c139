//! `/api/v1/admin/*`: accounts, roles and the audit log, for admins only (403 `forbidden`
//! otherwise; the service checks the role again).

use axum::Json;
use axum::extract::{Path, State};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wayfare_accounts::admin::AuditFilter;
use wayfare_domain::account::Role;
use wayfare_store::audit::NewAuditEntry;
use wayfare_store::outbox::{EventFilter, EventStatus};

use crate::api::me::{MeJson, me_json};
use crate::api::types::ErrorBody;
use crate::auth::{SignedInUser, require_role};
use crate::error::{ErrorCode, WebError};
use crate::extract::{ApiJson, ApiQuery};
use crate::middleware::RequestContext;
use crate::state::AppState;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct UsersQuery {
    /// Part of an e-mail, phone, name or id.
    pub q: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct UsersPage {
    pub users: Vec<MeJson>,
    pub total: u64,
}

/// Lists and searches accounts.
#[utoipa::path(get, path = "/admin/users", tag = "admin", params(UsersQuery),
    responses((status = 200, description = "Accounts, oldest first", body = UsersPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_users(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiQuery(q): ApiQuery<UsersQuery>,
) -> Result<Json<UsersPage>, WebError> {
    let (users, total) = state
        .accounts()
        .admin_users(
            &user,
            q.q.as_deref(),
            q.limit.unwrap_or(50),
            q.offset.unwrap_or(0),
        )
        .await?;
    Ok(Json(UsersPage {
        users: users.iter().map(|u| me_json(&u.user, &u.roles)).collect(),
        total,
    }))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoleGrant {
    /// `agent`, `supervisor`, `finance` or `admin`.
    pub role: String,
}

/// Grants a role (idempotent).
#[utoipa::path(post, path = "/admin/users/{id}/roles", tag = "admin", request_body = RoleGrant,
    params(("id" = String, Path, description = "Account id")),
    responses((status = 200, description = "The account with its roles", body = MeJson),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 422, description = "Unknown or ungrantable role", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn grant_role(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
    ApiJson(body): ApiJson<RoleGrant>,
) -> Result<Json<MeJson>, WebError> {
    let accounts = state.accounts();
    accounts
        .grant_role(&user, &id, &body.role, &ctx.meta())
        .await?;
    let u = accounts.admin_user(&user, &id).await?;
    Ok(Json(me_json(&u.user, &u.roles)))
}

/// Revokes a role (idempotent); the last admin keeps theirs.
#[utoipa::path(delete, path = "/admin/users/{id}/roles/{role}", tag = "admin",
    params(("id" = String, Path, description = "Account id"), ("role" = String, Path, description = "Role")),
    responses((status = 200, description = "The account with its roles", body = MeJson),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such account", body = ErrorBody),
        (status = 422, description = "Unknown role, or the last admin", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn revoke_role(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path((id, role)): Path<(String, String)>,
) -> Result<Json<MeJson>, WebError> {
    let accounts = state.accounts();
    accounts.revoke_role(&user, &id, &role, &ctx.meta()).await?;
    let u = accounts.admin_user(&user, &id).await?;
    Ok(Json(me_json(&u.user, &u.roles)))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct AuditParams {
    /// e.g. `sign_in`, `sign_in_failed`, `role_granted`.
    pub action: Option<String>,
    /// Account id, e-mail or phone of who acted.
    pub actor: Option<String>,
    /// Account id, e-mail or phone acted upon.
    pub target: Option<String>,
    pub ip: Option<String>,
    /// RFC 3339, inclusive.
    pub since: Option<DateTime<Utc>>,
    /// RFC 3339, exclusive.
    pub until: Option<DateTime<Utc>>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditEntryJson {
    pub id: i64,
    pub at: DateTime<Utc>,
    pub actor_user_id: Option<String>,
    pub action: String,
    pub target: Option<String>,
    pub ip: Option<String>,
    #[schema(value_type = Object)]
    pub detail: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AuditPage {
    pub entries: Vec<AuditEntryJson>,
    pub total: u64,
}

/// Searches the audit log, newest first.
#[utoipa::path(get, path = "/admin/audit", tag = "admin", params(AuditParams),
    responses((status = 200, description = "Entries, newest first", body = AuditPage),
        (status = 400, description = "A malformed parameter", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn search_audit(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiQuery(p): ApiQuery<AuditParams>,
) -> Result<Json<AuditPage>, WebError> {
    let (rows, total) = state
        .accounts()
        .search_audit(
            &user,
            AuditFilter {
                action: p.action,
                actor: p.actor,
                target: p.target,
                ip: p.ip,
                since: p.since,
                until: p.until,
                limit: p.limit.unwrap_or(50),
                offset: p.offset.unwrap_or(0),
            },
        )
        .await?;
    Ok(Json(AuditPage {
        entries: rows
            .into_iter()
            .map(|r| AuditEntryJson {
                id: r.id,
                at: r.at,
                actor_user_id: r.actor_user_id,
                action: r.action,
                target: r.target,
                ip: r.ip,
                detail: serde_json::from_str(&r.detail).unwrap_or(serde_json::Value::Null),
            })
            .collect(),
        total,
    }))
}

// ------------------------------------------------------------------ the outbox

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct OutboxQuery {
    /// `pending`, `delivered` or `dead`.
    pub status: Option<String>,
    /// `order_message` …
    pub kind: Option<String>,
    /// What the events are about (an order id).
    pub subject: Option<String>,
    /// 1–200, default 50.
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

/// One outbox event.
#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxEventJson {
    pub id: String,
    pub kind: String,
    pub subject_id: Option<String>,
    pub payload: serde_json::Value,
    /// `pending`, `delivered` or `dead`.
    pub status: String,
    pub attempts: i32,
    /// Not tried before this.
    pub available_at: DateTime<Utc>,
    pub last_error: Option<String>,
    pub created_at: DateTime<Utc>,
    pub delivered_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct OutboxPage {
    pub events: Vec<OutboxEventJson>,
    pub total: u64,
}

fn outbox_json(r: wayfare_store::outbox::OutboxEventRow) -> OutboxEventJson {
    OutboxEventJson {
        payload: serde_json::from_str(&r.payload).unwrap_or(serde_json::Value::Null),
        id: r.id,
        kind: r.kind,
        subject_id: r.subject_id,
        status: r.status,
        attempts: r.attempts,
        available_at: r.available_at,
        last_error: r.last_error,
        created_at: r.created_at,
        delivered_at: r.delivered_at,
    }
}

/// The events the notification worker delivers (what travellers are told), newest first: a
/// dead one shows why it failed.
#[utoipa::path(get, path = "/admin/outbox", tag = "admin", params(OutboxQuery),
    responses((status = 200, description = "Events, newest first", body = OutboxPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "An unknown status", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_outbox(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiQuery(q): ApiQuery<OutboxQuery>,
) -> Result<Json<OutboxPage>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let status = match q.status.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
        None => None,
        Some(s) => Some(
            EventStatus::parse(s)
                .ok_or_else(|| WebError::invalid_field("status", "reason-unknown-status"))?,
        ),
    };
    let filter = EventFilter {
        status,
        kind: q.kind.filter(|k| !k.trim().is_empty()),
        subject_id: q.subject.filter(|s| !s.trim().is_empty()),
    };
    let (rows, total) = state
        .store()
        .outbox_events(
            &filter,
            q.limit.unwrap_or(50).clamp(1, 200),
            q.offset.unwrap_or(0),
        )
        .await
        .map_err(WebError::internal)?;
    Ok(Json(OutboxPage {
        events: rows.into_iter().map(outbox_json).collect(),
        total,
    }))
}

/// Sends a dead event again, its attempts counted from zero (once its cause is fixed: a
/// provider's key, an address). Audited.
#[utoipa::path(post, path = "/admin/outbox/{id}/retry", tag = "admin",
    params(("id" = String, Path, description = "Event id")),
    responses((status = 200, description = "Pending again", body = OutboxEventJson),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such event", body = ErrorBody),
        (status = 409, description = "The event is not dead", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn retry_outbox_event(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Json<OutboxEventJson>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let store = state.store();
    let now = state.orders().now();
    if id.len() > 64
        || store
            .outbox_event(&id)
            .await
            .map_err(WebError::internal)?
            .is_none()
    {
        return Err(WebError::not_found());
    }
    if !store
        .retry_outbox_event(&id, now)
        .await
        .map_err(WebError::internal)?
    {
        return Err(WebError::new(ErrorCode::EventNotDead));
    }
    store
        .append_audit(NewAuditEntry {
            at: now,
            actor_user_id: Some(user.user.id.clone()),
            action: "outbox.retry".into(),
            target: Some(id.clone()),
            ip: ctx.ip.clone(),
            detail: "{}".into(),
        })
        .await
        .map_err(WebError::internal)?;
    let row = store
        .outbox_event(&id)
        .await
        .map_err(WebError::internal)?
        .ok_or_else(WebError::not_found)?;
    Ok(Json(outbox_json(row)))
}
