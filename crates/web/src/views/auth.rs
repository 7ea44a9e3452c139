//! Sign-up, confirmation, sign-in (password or one-time code, then the second factor), sign-out
//! and password recovery as pages. Errors re-render the form with the message next to it and
//! the right status code; nothing typed except passwords is lost.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wayfare_accounts::AuthError;
use wayfare_accounts::signin::{Registration, ResetProof, SignInStep};

use crate::api::auth::signed_in_response;
use crate::auth::{CHALLENGE_COOKIE, SESSION_COOKIE, clear_cookie, url_encode};
use crate::error::WebError;
use crate::extract::WebForm;
use crate::middleware::RequestContext;
use crate::middleware::context::{cookie_value, set_cookie};
use crate::state::AppState;
use crate::views::preferences::safe_next;
use crate::views::{Page, see_other};

/// A form's error: the message, and the field it belongs to (if any).
#[derive(Debug, Clone, Default)]
pub struct FormError {
    pub message: String,
    pub field: String,
}

impl FormError {
    pub(crate) fn from_web(e: &WebError, ctx: &RequestContext) -> FormError {
        FormError {
            message: e.message(ctx.locale),
            field: e
                .details
                .get("field")
                .and_then(|f| f.as_str())
                .unwrap_or("")
                .to_owned(),
        }
    }
}

/// Renders a form again with its error, keeping the error's status (and Retry-After).
fn with_status(e: &WebError, body: impl IntoResponse) -> Response {
    let mut res = body.into_response();
    *res.status_mut() = e.code.status();
    if let Some(secs) = e.details.get("retry_after_secs").and_then(|v| v.as_u64()) {
        res.headers_mut()
            .insert(header::RETRY_AFTER, HeaderValue::from(secs));
    }
    res
}

/// Where to go after signing in: the page that asked, else the account page.
fn after_sign_in(next: Option<&str>) -> &str {
    match safe_next(next) {
        "/" if next.is_none_or(|n| n != "/") => "/account",
        n => n,
    }
}

fn internal_only(e: WebError) -> Result<WebError, WebError> {
    if e.code.status().is_server_error() {
        Err(e)
    } else {
        Ok(e)
    }
}

// ----- sign in --------------------------------------------------------------------------------

#[derive(Debug, Deserialize, Default)]
pub struct NextQuery {
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    reset: Option<String>,
    #[serde(default)]
    to: Option<String>,
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/login.html")]
pub struct LoginTemplate {
    page: Page,
    next: String,
    identifier: String,
    error: Option<FormError>,
    notice: Option<String>,
    providers: Vec<(String, String)>,
}

fn login_page(
    state: &AppState,
    ctx: &RequestContext,
    next: &str,
    identifier: &str,
    error: Option<FormError>,
    notice: Option<String>,
) -> LoginTemplate {
    LoginTemplate {
        page: Page::new(state, ctx),
        next: next.to_owned(),
        identifier: identifier.to_owned(),
        error,
        notice,
        providers: state.oidc_providers(),
    }
}

pub async fn login_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(q): Query<NextQuery>,
) -> Response {
    if ctx.user.is_some() {
        return see_other(after_sign_in(q.next.as_deref()));
    }
    let notice = q.reset.as_deref().map(|_| ctx.locale.t("auth-reset-done"));
    login_page(
        &state,
        &ctx,
        q.next.as_deref().unwrap_or(""),
        "",
        None,
        notice,
    )
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct LoginForm {
    identifier: String,
    password: String,
    #[serde(default)]
    next: Option<String>,
}

pub async fn login(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    WebForm(form): WebForm<LoginForm>,
) -> Result<Response, WebError> {
    let result = state
        .accounts()
        .sign_in_password(&form.identifier, &form.password, &ctx.meta())
        .await;
    let next = form.next.as_deref();
    match result {
        Ok(step) => finish_first_factor(&state, &ctx, &headers, step, next).await,
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            let page = login_page(
                &state,
                &ctx,
                next.unwrap_or(""),
                &form.identifier,
                Some(FormError::from_web(&e, &ctx)),
                None,
            );
            Ok(with_status(&e, page))
        }
    }
}

async fn finish_first_factor(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    step: SignInStep,
    next: Option<&str>,
) -> Result<Response, WebError> {
    match step {
        SignInStep::SignedIn(s) => {
            signed_in_response(state, ctx, headers, s, see_other(after_sign_in(next))).await
        }
        SignInStep::SecondFactor {
            challenge,
            expires_in_secs,
            ..
        } => {
            let secure = state.config().secure_cookies || ctx.secure;
            let mut res = see_other(&format!(
                "/login/2fa?next={}",
                url_encode(after_sign_in(next))
            ));
            res.headers_mut().append(
                header::SET_COOKIE,
                set_cookie(
                    CHALLENGE_COOKIE,
                    &challenge,
                    Some(expires_in_secs.max(0) as u64),
                    true,
                    secure,
                ),
            );
            Ok(res)
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/second_factor.html")]
pub struct SecondFactorTemplate {
    page: Page,
    next: String,
    method: String,
    error: Option<FormError>,
    notice: Option<String>,
}

pub async fn second_factor_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    let Some(challenge) = cookie_value(&headers, CHALLENGE_COOKIE) else {
        return Ok(see_other("/login"));
    };
    let Some(method) = state.accounts().second_factor_method(challenge).await? else {
        return Ok(see_other("/login"));
    };
    Ok(SecondFactorTemplate {
        page: Page::new(&state, &ctx),
        next: q.next.unwrap_or_default(),
        method,
        error: None,
        notice: None,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct SecondFactorForm {
    #[serde(default)]
    code: String,
    #[serde(default)]
    next: Option<String>,
    #[serde(default)]
    resend: Option<String>,
}

pub async fn second_factor(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    WebForm(form): WebForm<SecondFactorForm>,
) -> Result<Response, WebError> {
    let Some(challenge) = cookie_value(&headers, CHALLENGE_COOKIE).map(str::to_owned) else {
        return Ok(see_other("/login"));
    };
    let method = state
        .accounts()
        .second_factor_method(&challenge)
        .await?
        .unwrap_or_default();
    let page = |error: Option<FormError>, notice: Option<String>| SecondFactorTemplate {
        page: Page::new(&state, &ctx),
        next: form.next.clone().unwrap_or_default(),
        method: method.clone(),
        error,
        notice,
    };
    if form.resend.is_some() {
        return match state.accounts().resend_second_factor(&challenge).await {
            Ok(()) => Ok(page(None, Some(ctx.locale.t("auth-code-resent"))).into_response()),
            Err(e) => {
                let e = internal_only(WebError::from(e))?;
                Ok(with_status(
                    &e,
                    page(Some(FormError::from_web(&e, &ctx)), None),
                ))
            }
        };
    }
    match state
        .accounts()
        .sign_in_second_factor(&challenge, &form.code, &ctx.meta())
        .await
    {
        Ok(s) => {
            let secure = state.config().secure_cookies || ctx.secure;
            let mut res = signed_in_response(
                &state,
                &ctx,
                &headers,
                s,
                see_other(after_sign_in(form.next.as_deref())),
            )
            .await?;
            res.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(CHALLENGE_COOKIE, secure));
            Ok(res)
        }
        Err(AuthError::ChallengeExpired) => {
            let e = WebError::from(AuthError::ChallengeExpired);
            let tpl = login_page(
                &state,
                &ctx,
                form.next.as_deref().unwrap_or(""),
                "",
                Some(FormError::from_web(&e, &ctx)),
                None,
            );
            Ok(with_status(&e, tpl))
        }
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            Ok(with_status(
                &e,
                page(Some(FormError::from_web(&e, &ctx)), None),
            ))
        }
    }
}

// ----- sign in with a code --------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "auth/code.html")]
pub struct CodeTemplate {
    page: Page,
    /// `login` or `verify`.
    purpose: String,
    identifier: String,
    next: String,
    sent: bool,
    error: Option<FormError>,
    notice: Option<String>,
}

pub async fn code_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(q): Query<NextQuery>,
) -> CodeTemplate {
    CodeTemplate {
        page: Page::new(&state, &ctx),
        purpose: "login".into(),
        identifier: q.to.unwrap_or_default(),
        next: q.next.unwrap_or_default(),
        sent: false,
        error: None,
        notice: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct CodeForm {
    identifier: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// Without a code: sends one. With a code: signs in.
pub async fn code_sign_in(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    WebForm(form): WebForm<CodeForm>,
) -> Result<Response, WebError> {
    let page = |sent: bool, error: Option<FormError>, notice: Option<String>| CodeTemplate {
        page: Page::new(&state, &ctx),
        purpose: "login".into(),
        identifier: form.identifier.clone(),
        next: form.next.clone().unwrap_or_default(),
        sent,
        error,
        notice,
    };
    let Some(code) = form.code.as_deref().filter(|c| !c.trim().is_empty()) else {
        return match state
            .accounts()
            .send_sign_in_code(&form.identifier, &ctx.meta())
            .await
        {
            Ok(()) => Ok(page(true, None, Some(ctx.locale.t("auth-code-sent"))).into_response()),
            Err(e) => {
                let e = internal_only(WebError::from(e))?;
                Ok(with_status(
                    &e,
                    page(false, Some(FormError::from_web(&e, &ctx)), None),
                ))
            }
        };
    };
    match state
        .accounts()
        .sign_in_code(&form.identifier, code, &ctx.meta())
        .await
    {
        Ok(step) => finish_first_factor(&state, &ctx, &headers, step, form.next.as_deref()).await,
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            Ok(with_status(
                &e,
                page(true, Some(FormError::from_web(&e, &ctx)), None),
            ))
        }
    }
}

// ----- register and confirm -------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "auth/register.html")]
pub struct RegisterTemplate {
    page: Page,
    identifier: String,
    name: String,
    next: String,
    error: Option<FormError>,
    providers: Vec<(String, String)>,
}

pub async fn register_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(q): Query<NextQuery>,
) -> Response {
    if ctx.user.is_some() {
        return see_other("/account");
    }
    RegisterTemplate {
        page: Page::new(&state, &ctx),
        identifier: String::new(),
        name: String::new(),
        next: q.next.unwrap_or_default(),
        error: None,
        providers: state.oidc_providers(),
    }
    .into_response()
}

#[derive(Debug, Deserialize)]
pub struct RegisterForm {
    identifier: String,
    password: String,
    #[serde(default)]
    name: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

pub async fn register(
    State(state): State<AppState>,
    ctx: RequestContext,
    WebForm(form): WebForm<RegisterForm>,
) -> Result<Response, WebError> {
    let result = state
        .accounts()
        .register(
            Registration {
                identifier: form.identifier.clone(),
                password: form.password.clone(),
                name: form.name.clone(),
                currency: Some(ctx.currency.code().to_owned()),
            },
            &ctx.meta(),
        )
        .await;
    match result {
        Ok(()) => Ok(see_other(&format!(
            "/verify?to={}&next={}",
            url_encode(form.identifier.trim()),
            url_encode(form.next.as_deref().unwrap_or(""))
        ))),
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            let tpl = RegisterTemplate {
                page: Page::new(&state, &ctx),
                identifier: form.identifier,
                name: form.name.unwrap_or_default(),
                next: form.next.unwrap_or_default(),
                error: Some(FormError::from_web(&e, &ctx)),
                providers: state.oidc_providers(),
            };
            Ok(with_status(&e, tpl))
        }
    }
}

pub async fn verify_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    Query(q): Query<NextQuery>,
) -> CodeTemplate {
    CodeTemplate {
        page: Page::new(&state, &ctx),
        purpose: "verify".into(),
        identifier: q.to.unwrap_or_default(),
        next: q.next.unwrap_or_default(),
        sent: true,
        error: None,
        notice: None,
    }
}

pub async fn verify(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    WebForm(form): WebForm<CodeForm>,
) -> Result<Response, WebError> {
    let page = |error: Option<FormError>, notice: Option<String>| CodeTemplate {
        page: Page::new(&state, &ctx),
        purpose: "verify".into(),
        identifier: form.identifier.clone(),
        next: form.next.clone().unwrap_or_default(),
        sent: true,
        error,
        notice,
    };
    let Some(code) = form.code.as_deref().filter(|c| !c.trim().is_empty()) else {
        // No code: send another.
        return match state
            .accounts()
            .resend_verification(&form.identifier, &ctx.meta())
            .await
        {
            Ok(()) => Ok(page(None, Some(ctx.locale.t("auth-code-resent"))).into_response()),
            Err(e) => {
                let e = internal_only(WebError::from(e))?;
                Ok(with_status(
                    &e,
                    page(Some(FormError::from_web(&e, &ctx)), None),
                ))
            }
        };
    };
    match state
        .accounts()
        .verify(&form.identifier, code, &ctx.meta())
        .await
    {
        Ok(s) => {
            let next = after_sign_in(form.next.as_deref()).to_owned();
            signed_in_response(&state, &ctx, &headers, s, see_other(&next)).await
        }
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            Ok(with_status(
                &e,
                page(Some(FormError::from_web(&e, &ctx)), None),
            ))
        }
    }
}

// ----- sign out -------------------------------------------------------------------------------

pub async fn logout(
    State(state): State<AppState>,
    ctx: RequestContext,
) -> Result<Response, WebError> {
    if let Some(user) = &ctx.user {
        state.accounts().sign_out(user, &ctx.meta()).await?;
    }
    let secure = state.config().secure_cookies || ctx.secure;
    let mut res = see_other("/");
    res.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, secure));
    Ok(res)
}

// ----- password recovery ----------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "auth/forgot.html")]
pub struct ForgotTemplate {
    page: Page,
    identifier: String,
    /// After a request: e-mail → "check your inbox"; phone → the code form.
    sent_to_email: bool,
    sent_to_phone: bool,
    error: Option<FormError>,
}

pub async fn forgot_form(State(state): State<AppState>, ctx: RequestContext) -> ForgotTemplate {
    ForgotTemplate {
        page: Page::new(&state, &ctx),
        identifier: String::new(),
        sent_to_email: false,
        sent_to_phone: false,
        error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct ForgotForm {
    identifier: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    new_password: Option<String>,
}

/// Requests a reset; with a code and a new password (the SMS path), completes it.
pub async fn forgot(
    State(state): State<AppState>,
    ctx: RequestContext,
    WebForm(form): WebForm<ForgotForm>,
) -> Result<Response, WebError> {
    let is_phone = !form.identifier.contains('@');
    let page = |sent: bool, error: Option<FormError>| ForgotTemplate {
        page: Page::new(&state, &ctx),
        identifier: form.identifier.clone(),
        sent_to_email: sent && !is_phone,
        sent_to_phone: sent && is_phone,
        error,
    };
    if let (Some(code), Some(pw)) = (form.code.as_deref(), form.new_password.as_deref()) {
        return match state
            .accounts()
            .complete_password_reset(
                ResetProof::Code {
                    identifier: form.identifier.clone(),
                    code: code.to_owned(),
                },
                pw,
                &ctx.meta(),
            )
            .await
        {
            Ok(()) => Ok(see_other("/login?reset=1")),
            Err(e) => {
                let e = internal_only(WebError::from(e))?;
                Ok(with_status(
                    &e,
                    page(true, Some(FormError::from_web(&e, &ctx))),
                ))
            }
        };
    }
    match state
        .accounts()
        .request_password_reset(&form.identifier, &ctx.meta())
        .await
    {
        Ok(()) => Ok(page(true, None).into_response()),
        Err(e) => {
            let e = internal_only(WebError::from(e))?;
            Ok(with_status(
                &e,
                page(false, Some(FormError::from_web(&e, &ctx))),
            ))
        }
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "auth/reset.html")]
pub struct ResetTemplate {
    page: Page,
    token: String,
    live: bool,
    error: Option<FormError>,
}

pub async fn reset_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(token): Path<String>,
) -> Result<Response, WebError> {
    let live = state.accounts().reset_link_is_live(&token).await?;
    let tpl = ResetTemplate {
        page: Page::new(&state, &ctx),
        token,
        live,
        error: None,
    };
    let mut res = tpl.into_response();
    // The token is in the URL: keep it out of other sites' Referer headers.
    res.headers_mut().insert(
        header::REFERRER_POLICY,
        HeaderValue::from_static("no-referrer"),
    );
    if !live {
        *res.status_mut() = StatusCode::GONE;
    }
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct ResetForm {
    new_password: String,
}

pub async fn reset(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(token): Path<String>,
    WebForm(form): WebForm<ResetForm>,
) -> Result<Response, WebError> {
    match state
        .accounts()
        .complete_password_reset(
            ResetProof::Link(token.clone()),
            &form.new_password,
            &ctx.meta(),
        )
        .await
    {
        Ok(()) => {
            let secure = state.config().secure_cookies || ctx.secure;
            let mut res = see_other("/login?reset=1");
            res.headers_mut()
                .append(header::SET_COOKIE, clear_cookie(SESSION_COOKIE, secure));
            Ok(res)
        }
        Err(e) => {
            let live = !matches!(e, AuthError::ChallengeExpired);
            let e = internal_only(WebError::from(e))?;
            let tpl = ResetTemplate {
                page: Page::new(&state, &ctx),
                token,
                live,
                error: Some(FormError::from_web(&e, &ctx)),
            };
            Ok(with_status(&e, tpl))
        }
    }
}

// ----- OpenID Connect -------------------------------------------------------------------------

/// Carries the flow's `state` from start to callback in this browser (login-CSRF defence).
pub const OIDC_STATE_COOKIE: &str = "wf_oidc";
/// Long enough for a sign-in at the provider.
const OIDC_COOKIE_SECS: u64 = 600;

fn oidc_redirect(
    state: &AppState,
    ctx: &RequestContext,
    start: wayfare_accounts::oidc_signin::OidcStart,
) -> Response {
    let secure = state.config().secure_cookies || ctx.secure;
    let mut res = see_other(start.authorization_url.as_str());
    res.headers_mut().append(
        header::SET_COOKIE,
        set_cookie(
            OIDC_STATE_COOKIE,
            &start.state,
            Some(OIDC_COOKIE_SECS),
            true,
            secure,
        ),
    );
    res
}

/// Renders the sign-in page with the error of a failed provider round trip.
fn oidc_failure(state: &AppState, ctx: &RequestContext, e: WebError) -> Result<Response, WebError> {
    let e = internal_only(e)?;
    let page = login_page(state, ctx, "", "", Some(FormError::from_web(&e, ctx)), None);
    let mut res = with_status(&e, page);
    let secure = state.config().secure_cookies || ctx.secure;
    res.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(OIDC_STATE_COOKIE, secure));
    Ok(res)
}

/// `GET /auth/oidc/{provider}/start?next=`: off to the provider to sign in or register.
pub async fn oidc_start(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(provider): Path<String>,
    Query(q): Query<NextQuery>,
) -> Result<Response, WebError> {
    if ctx.user.is_some() {
        return Ok(see_other(after_sign_in(q.next.as_deref())));
    }
    let next = Some(after_sign_in(q.next.as_deref()).to_owned());
    match state
        .accounts()
        .oidc_start(&provider, None, next, &ctx.meta())
        .await
    {
        Ok(start) => Ok(oidc_redirect(&state, &ctx, start)),
        Err(AuthError::NotFound) => Err(WebError::not_found()),
        Err(e) => oidc_failure(&state, &ctx, WebError::from(e)),
    }
}

#[derive(Debug, Deserialize)]
pub struct OidcCallback {
    #[serde(default)]
    state: String,
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    error: Option<String>,
}

/// `GET /auth/oidc/{provider}/callback`: the provider sends the browser back here.
pub async fn oidc_callback(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(provider): Path<String>,
    Query(q): Query<OidcCallback>,
) -> Result<Response, WebError> {
    use wayfare_accounts::oidc_signin::OidcOutcome;
    let result = state
        .accounts()
        .oidc_finish(
            &provider,
            &q.state,
            q.code.as_deref(),
            q.error.as_deref(),
            cookie_value(&headers, OIDC_STATE_COOKIE),
            ctx.user.as_deref(),
            &ctx.meta(),
        )
        .await;
    let secure = state.config().secure_cookies || ctx.secure;
    let mut res = match result {
        Ok(OidcOutcome::SignIn {
            step,
            next,
            created,
        }) => {
            let next = if created {
                Some("/account?done=welcome".to_owned())
            } else {
                next
            };
            finish_first_factor(&state, &ctx, &headers, step, next.as_deref()).await?
        }
        Ok(OidcOutcome::Linked { .. }) => see_other("/account/security?done=identity-linked"),
        Err(AuthError::NotFound) => return Err(WebError::not_found()),
        Err(e) => return oidc_failure(&state, &ctx, WebError::from(e)),
    };
    res.headers_mut()
        .append(header::SET_COOKIE, clear_cookie(OIDC_STATE_COOKIE, secure));
    Ok(res)
}

#[derive(Debug, Deserialize)]
pub struct LinkForm {
    provider: String,
}

/// `POST /account/identities/link`: a signed-in user adds a provider (a form with CSRF, so no
/// other site can make a browser link the attacker's provider account).
pub async fn oidc_link(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: crate::auth::SignedInUser,
    WebForm(form): WebForm<LinkForm>,
) -> Result<Response, WebError> {
    let start = state
        .accounts()
        .oidc_start(
            &form.provider,
            Some(&user),
            Some("/account/security".to_owned()),
            &ctx.meta(),
        )
        .await?;
    Ok(oidc_redirect(&state, &ctx, start))
}

/// `POST /account/identities/{id}/unlink`.
pub async fn oidc_unlink(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: crate::auth::SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    state
        .accounts()
        .unlink_identity(&user, &id, &ctx.meta())
        .await?;
    Ok(see_other("/account/security?done=identity-unlinked"))
}
