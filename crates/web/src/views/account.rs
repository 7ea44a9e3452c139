//! The traveller's own account pages: profile and contact details, and security (password,
//! two-factor authentication, recovery codes, active sessions, personal API tokens). Every
//! handler works on the signed-in user's own rows only.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wayfare_accounts::twofactor::TotpEnrolment;

use crate::auth::SignedInUser;
use crate::error::WebError;
use crate::extract::WebForm;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::auth::FormError;
use crate::views::{Page, see_other, when};

/// Which message to show after a redirect (`?done=…`), from a fixed list.
#[derive(Debug, Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

fn done_notice(page: &Page, done: Option<&str>) -> Option<String> {
    let key = match done? {
        "profile" => "account-saved-profile",
        "password" => "account-saved-password",
        "2fa-off" => "account-2fa-disabled",
        "sessions" => "account-sessions-ended",
        "session" => "account-session-ended",
        "token-revoked" => "account-token-revoked",
        "identity-linked" => "account-identity-linked",
        "identity-unlinked" => "account-identity-unlinked",
        "welcome" => "account-welcome",
        _ => return None,
    };
    Some(page.t(key))
}

// ----- overview and profile -------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "account/overview.html")]
pub struct OverviewTemplate {
    page: Page,
    email: String,
    email_verified: bool,
    phone: String,
    phone_verified: bool,
    name_zh: String,
    given_name: String,
    family_name: String,
    locale: String,
    currency: String,
    second_factor: String,
    member_since: String,
    notice: Option<String>,
    error: Option<FormError>,
}

fn overview(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    notice: Option<String>,
    error: Option<FormError>,
) -> OverviewTemplate {
    let page = Page::new(state, ctx);
    let u = &user.user;
    OverviewTemplate {
        email: u.email.clone().unwrap_or_default(),
        email_verified: u.email_verified_at.is_some(),
        phone: u.phone.clone().unwrap_or_default(),
        phone_verified: u.phone_verified_at.is_some(),
        name_zh: u.name_zh.clone().unwrap_or_default(),
        given_name: u.given_name.clone().unwrap_or_default(),
        family_name: u.family_name.clone().unwrap_or_default(),
        locale: u.locale.clone(),
        currency: u.currency.clone(),
        second_factor: u.second_factor.clone(),
        member_since: u.created_at.format("%Y-%m-%d").to_string(),
        notice,
        error,
        page,
    }
}

pub async fn account(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> OverviewTemplate {
    let page = Page::new(&state, &ctx);
    let notice = done_notice(&page, q.done.as_deref());
    overview(&state, &ctx, &user, notice, None)
}

#[derive(Debug, Deserialize)]
pub struct ProfileForm {
    #[serde(default)]
    name_zh: String,
    #[serde(default)]
    given_name: String,
    #[serde(default)]
    family_name: String,
    #[serde(default)]
    locale: String,
    #[serde(default)]
    currency: String,
}

pub async fn save_profile(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<ProfileForm>,
) -> Result<Response, WebError> {
    let update = wayfare_accounts::profile::ProfileInput {
        name_zh: Some(form.name_zh),
        given_name: Some(form.given_name),
        family_name: Some(form.family_name),
        locale: Some(form.locale),
        currency: Some(form.currency),
    };
    match state
        .accounts()
        .update_profile(&user, update, &ctx.meta())
        .await
    {
        Ok(_) => Ok(see_other("/account?done=profile")),
        Err(e) => {
            let e = WebError::from(e);
            if e.code.status().is_server_error() {
                return Err(e);
            }
            let mut res = overview(
                &state,
                &ctx,
                &user,
                None,
                Some(FormError::from_web(&e, &ctx)),
            )
            .into_response();
            *res.status_mut() = e.code.status();
            Ok(res)
        }
    }
}

// ----- security -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct SessionRow {
    pub id: String,
    pub device: String,
    pub ip: String,
    pub signed_in: String,
    pub last_seen: String,
    pub current: bool,
}

#[derive(Debug, Clone)]
pub struct TokenRow {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub created: String,
    pub last_used: String,
}

#[derive(Debug, Clone)]
pub struct IdentityRow {
    pub id: String,
    pub provider: String,
    pub email: String,
    pub linked: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "account/security.html")]
pub struct SecurityTemplate {
    page: Page,
    second_factor: String,
    has_password: bool,
    phone_verified: bool,
    email_verified: bool,
    recovery_left: u64,
    sessions: Vec<SessionRow>,
    tokens: Vec<TokenRow>,
    /// Linked OpenID providers, and the configured ones not linked yet (id, name).
    identities: Vec<IdentityRow>,
    linkable: Vec<(String, String)>,
    /// Shown once: new recovery codes or a new API token.
    recovery_codes: Vec<String>,
    new_token: Option<String>,
    notice: Option<String>,
    error: Option<FormError>,
}

async fn security_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    notice: Option<String>,
    error: Option<FormError>,
) -> Result<SecurityTemplate, WebError> {
    let page = Page::new(state, ctx);
    let store = state.accounts().store();
    let now = state.accounts().now();
    let sessions = store
        .sessions_of(&user.user.id, now)
        .await?
        .into_iter()
        .map(|s| SessionRow {
            current: user.session_id.as_deref() == Some(s.id.as_str()),
            device: s
                .user_agent
                .as_deref()
                .map(describe_agent)
                .unwrap_or_else(|| page.t("account-device-unknown")),
            ip: s.ip.clone().unwrap_or_default(),
            signed_in: when(s.created_at),
            last_seen: when(s.last_seen_at),
            id: s.id,
        })
        .collect();
    let tokens = store
        .api_tokens_of(&user.user.id)
        .await?
        .into_iter()
        .map(|t| TokenRow {
            name: t.name,
            prefix: t.prefix,
            created: when(t.created_at),
            last_used: t
                .last_used_at
                .map(when)
                .unwrap_or_else(|| page.t("account-token-never-used")),
            id: t.id,
        })
        .collect();
    let linked = state.accounts().linked_identities(&user.user.id).await?;
    let linkable = state
        .oidc_providers()
        .into_iter()
        .filter(|(id, _)| !linked.iter().any(|l| l.provider_id.as_deref() == Some(id)))
        .collect();
    let identities = linked
        .into_iter()
        .map(|l| IdentityRow {
            id: l.id,
            provider: l.provider_name,
            email: l.email.unwrap_or_default(),
            linked: when(l.linked_at),
        })
        .collect();
    Ok(SecurityTemplate {
        identities,
        linkable,
        second_factor: user.user.second_factor.clone(),
        has_password: user.user.password_hash.is_some(),
        phone_verified: user.user.phone_verified_at.is_some(),
        email_verified: user.user.email_verified_at.is_some(),
        recovery_left: store.recovery_codes_left(&user.user.id).await?,
        sessions,
        tokens,
        recovery_codes: Vec::new(),
        new_token: None,
        notice,
        error,
        page,
    })
}

/// "Firefox on Windows" from a user-agent string, roughly.
fn describe_agent(ua: &str) -> String {
    let browser = [
        ("Edg/", "Edge"),
        ("OPR/", "Opera"),
        ("Firefox/", "Firefox"),
        ("MicroMessenger", "WeChat"),
        ("Chrome/", "Chrome"),
        ("Safari/", "Safari"),
        ("curl/", "curl"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v)
    .unwrap_or("Browser");
    let os = [
        ("iPhone", "iPhone"),
        ("iPad", "iPad"),
        ("Android", "Android"),
        ("Windows", "Windows"),
        ("Mac OS X", "macOS"),
        ("Linux", "Linux"),
    ]
    .iter()
    .find(|(k, _)| ua.contains(k))
    .map(|(_, v)| *v);
    match os {
        Some(os) => format!("{browser} · {os}"),
        None => browser.to_owned(),
    }
}

pub async fn security(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<DoneQuery>,
) -> Result<SecurityTemplate, WebError> {
    let page = Page::new(&state, &ctx);
    let notice = done_notice(&page, q.done.as_deref());
    security_page(&state, &ctx, &user, notice, None).await
}

/// Renders the security page with an error (4xx) or fails (5xx).
async fn security_error(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    e: wayfare_accounts::AuthError,
) -> Result<Response, WebError> {
    let e = WebError::from(e);
    if e.code.status().is_server_error() {
        return Err(e);
    }
    let tpl = security_page(state, ctx, user, None, Some(FormError::from_web(&e, ctx))).await?;
    let mut res = tpl.into_response();
    *res.status_mut() = e.code.status();
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct PasswordForm {
    current_password: String,
    new_password: String,
}

pub async fn change_password(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<PasswordForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .change_password(
            &user,
            &form.current_password,
            &form.new_password,
            &ctx.meta(),
        )
        .await
    {
        Ok(()) => Ok(see_other("/account/security?done=password")),
        Err(e) => security_error(&state, &ctx, &user, e).await,
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "account/totp.html")]
pub struct TotpTemplate {
    page: Page,
    enrolment: TotpEnrolment,
    error: Option<FormError>,
}

/// Starts TOTP enrolment: a QR code and the secret to type in.
pub async fn totp_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<Response, WebError> {
    let enrolment = state.accounts().begin_totp(&user).await?;
    let mut res = TotpTemplate {
        page: Page::new(&state, &ctx),
        enrolment,
        error: None,
    }
    .into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct TotpConfirmForm {
    enrolment: String,
    password: String,
    code: String,
}

pub async fn totp_confirm(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<TotpConfirmForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .confirm_totp(
            &user,
            &form.enrolment,
            &form.password,
            &form.code,
            &ctx.meta(),
        )
        .await
    {
        Ok(codes) => recovery_codes_page(&state, &ctx, &user, codes, "account-2fa-enabled").await,
        Err(wayfare_accounts::AuthError::ChallengeExpired) => {
            Ok(see_other("/account/security/totp"))
        }
        Err(e) => {
            let e = WebError::from(e);
            if e.code.status().is_server_error() {
                return Err(e);
            }
            // Show the same secret again so the user can retry without re-scanning.
            let enrolment = state.accounts().resume_totp(&user, &form.enrolment).await?;
            let mut res = TotpTemplate {
                page: Page::new(&state, &ctx),
                enrolment,
                error: Some(FormError::from_web(&e, &ctx)),
            }
            .into_response();
            *res.status_mut() = e.code.status();
            Ok(res)
        }
    }
}

async fn recovery_codes_page(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    codes: Vec<String>,
    notice_key: &str,
) -> Result<Response, WebError> {
    // The user row in the request predates the change: read it again.
    let fresh = state
        .accounts()
        .store()
        .user_by_id(&user.user.id)
        .await?
        .ok_or_else(WebError::not_found)?;
    let mut auth = (*user.0).clone();
    auth.user = fresh;
    let user = SignedInUser(std::sync::Arc::new(auth));
    let page = Page::new(state, ctx);
    let notice = Some(page.t(notice_key));
    let mut tpl = security_page(state, ctx, &user, notice, None).await?;
    tpl.recovery_codes = codes;
    let mut res = tpl.into_response();
    res.headers_mut()
        .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct PasswordOnlyForm {
    password: String,
    #[serde(default)]
    method: String,
}

pub async fn enable_code_factor(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<PasswordOnlyForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .enable_code_second_factor(&user, &form.method, &form.password, &ctx.meta())
        .await
    {
        Ok(codes) => recovery_codes_page(&state, &ctx, &user, codes, "account-2fa-enabled").await,
        Err(e) => security_error(&state, &ctx, &user, e).await,
    }
}

pub async fn disable_second_factor(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<PasswordOnlyForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .disable_second_factor(&user, &form.password, &ctx.meta())
        .await
    {
        Ok(()) => Ok(see_other("/account/security?done=2fa-off")),
        Err(e) => security_error(&state, &ctx, &user, e).await,
    }
}

pub async fn regenerate_recovery(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<PasswordOnlyForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .regenerate_recovery_codes(&user, &form.password, &ctx.meta())
        .await
    {
        Ok(codes) => {
            recovery_codes_page(&state, &ctx, &user, codes, "account-recovery-regenerated").await
        }
        Err(e) => security_error(&state, &ctx, &user, e).await,
    }
}

pub async fn revoke_session(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .revoke_session(&user, &id, &ctx.meta())
        .await?;
    if user.session_id.as_deref() == Some(id.as_str()) {
        return Ok(see_other("/"));
    }
    Ok(see_other("/account/security?done=session"))
}

pub async fn revoke_other_sessions(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<Response, WebError> {
    state
        .accounts()
        .revoke_other_sessions(&user, &ctx.meta())
        .await?;
    Ok(see_other("/account/security?done=sessions"))
}

#[derive(Debug, Deserialize)]
pub struct TokenForm {
    name: String,
}

pub async fn create_token(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    WebForm(form): WebForm<TokenForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .create_api_token(&user, &form.name, &ctx.meta())
        .await
    {
        Ok((_, secret)) => {
            let page = Page::new(&state, &ctx);
            let mut tpl = security_page(
                &state,
                &ctx,
                &user,
                Some(page.t("account-token-created")),
                None,
            )
            .await?;
            tpl.new_token = Some(secret);
            let mut res = tpl.into_response();
            res.headers_mut()
                .insert(header::CACHE_CONTROL, HeaderValue::from_static("no-store"));
            Ok(res)
        }
        Err(e) => security_error(&state, &ctx, &user, e).await,
    }
}

pub async fn revoke_token(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .revoke_api_token(&user, &id, &ctx.meta())
        .await?;
    Ok(see_other("/account/security?done=token-revoked"))
}

#[cfg(test)]
mod tests {
    use super::describe_agent;

    #[test]
    fn describes_common_agents() {
        assert_eq!(
            describe_agent(
                "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 Version/17.0 Mobile/15E148 Safari/604.1"
            ),
            "Safari · iPhone"
        );
        assert_eq!(
            describe_agent(
                "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 Chrome/156.0 Safari/537.36"
            ),
            "Chrome · Linux"
        );
    }
}
