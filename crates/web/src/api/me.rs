//! `/api/v1/me*`: the signed-in user's own profile and sessions. Everything is scoped to the
//! caller; another user's ids answer 404.

use axum::Json;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wayfare_accounts::profile::ProfileInput;
use wayfare_domain::account::Role;
use wayfare_store::accounts::UserRow;

use crate::api::types::ErrorBody;
use crate::auth::SignedInUser;
use crate::error::WebError;
use crate::extract::ApiJson;
use crate::middleware::RequestContext;
use crate::state::AppState;

/// The signed-in user.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct MeJson {
    pub id: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub phone: Option<String>,
    pub phone_verified: bool,
    /// Name in Chinese characters.
    pub name_zh: Option<String>,
    /// As on the passport.
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    pub locale: String,
    pub currency: String,
    /// `none`, `totp`, `sms` or `email`.
    pub second_factor: String,
    /// `customer` plus any back-office roles.
    pub roles: Vec<String>,
    pub created_at: DateTime<Utc>,
}

pub fn me_json(u: &UserRow, roles: &[Role]) -> MeJson {
    let mut names: Vec<String> = vec!["customer".into()];
    names.extend(
        roles
            .iter()
            .filter(|r| **r != Role::Customer)
            .map(|r| r.as_str().to_owned()),
    );
    MeJson {
        id: u.id.clone(),
        email: u.email.clone(),
        email_verified: u.email_verified_at.is_some(),
        phone: u.phone.clone(),
        phone_verified: u.phone_verified_at.is_some(),
        name_zh: u.name_zh.clone(),
        given_name: u.given_name.clone(),
        family_name: u.family_name.clone(),
        locale: u.locale.clone(),
        currency: u.currency.clone(),
        second_factor: u.second_factor.clone(),
        roles: names,
        created_at: u.created_at,
    }
}

/// The signed-in user's profile.
#[utoipa::path(get, path = "/me", tag = "accounts",
    responses((status = 200, description = "The caller", body = MeJson),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_me(user: SignedInUser) -> Json<MeJson> {
    Json(me_json(&user.user, &user.roles))
}

#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MePatch {
    /// Empty string clears.
    pub name_zh: Option<String>,
    /// Latin letters as on the passport; stored in capitals.
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// `zh-CN` or `en`.
    pub locale: Option<String>,
    /// ISO-4217.
    pub currency: Option<String>,
}

/// Changes profile fields; absent fields stay as they are.
#[utoipa::path(patch, path = "/me", tag = "accounts", request_body = MePatch,
    responses((status = 200, description = "Updated", body = MeJson),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 422, description = "A field is invalid", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn patch_me(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    ApiJson(p): ApiJson<MePatch>,
) -> Result<Json<MeJson>, WebError> {
    let row = state
        .accounts()
        .update_profile(
            &user,
            ProfileInput {
                name_zh: p.name_zh,
                given_name: p.given_name,
                family_name: p.family_name,
                locale: p.locale,
                currency: p.currency,
            },
            &ctx.meta(),
        )
        .await?;
    Ok(Json(me_json(&row, &user.roles)))
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SessionJson {
    pub id: String,
    pub current: bool,
    pub ip: Option<String>,
    pub user_agent: Option<String>,
    pub created_at: DateTime<Utc>,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
}

/// The caller's active sessions.
#[utoipa::path(get, path = "/me/sessions", tag = "accounts",
    responses((status = 200, description = "Active sessions, most recent first", body = [SessionJson]),
        (status = 401, description = "Not signed in", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_sessions(
    State(state): State<AppState>,
    user: SignedInUser,
) -> Result<Json<Vec<SessionJson>>, WebError> {
    let rows = state
        .accounts()
        .store()
        .sessions_of(&user.user.id, state.accounts().now())
        .await?;
    Ok(Json(
        rows.into_iter()
            .map(|s| SessionJson {
                current: user.session_id.as_deref() == Some(s.id.as_str()),
                id: s.id,
                ip: s.ip,
                user_agent: s.user_agent,
                created_at: s.created_at,
                last_seen_at: s.last_seen_at,
                expires_at: s.expires_at,
            })
            .collect(),
    ))
}

/// Ends one of the caller's sessions (404 for anyone else's).
#[utoipa::path(delete, path = "/me/sessions/{id}", tag = "accounts",
    params(("id" = String, Path, description = "Session id")),
    responses((status = 204, description = "Ended"),
        (status = 404, description = "No such session of yours", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn delete_session(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .revoke_session(&user, &id, &ctx.meta())
        .await?;
    Ok(StatusCode::NO_CONTENT.into_response())
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RevokedJson {
    pub revoked: u64,
}

/// Signs out every other session ("sign out everywhere else").
#[utoipa::path(post, path = "/me/sessions/revoke-others", tag = "accounts",
    responses((status = 200, description = "How many ended", body = RevokedJson)),
    security(("session" = []), ("bearer" = [])))]
pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<Json<RevokedJson>, WebError> {
    let revoked = state
        .accounts()
        .revoke_other_sessions(&user, &ctx.meta())
        .await?;
    Ok(Json(RevokedJson { revoked }))
}
