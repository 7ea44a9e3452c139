//! Back-office pages. Every handler checks the role on the server.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, State};
use axum::http::{HeaderValue, header};
use axum::response::{IntoResponse, Response};
use wayfare_domain::account::Role;

use crate::auth::{SignedInUser, require_role};
use crate::error::WebError;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::Page;

#[derive(Debug, Clone)]
pub struct MailRow {
    pub id: String,
    pub channel: String,
    pub to: String,
    pub subject: String,
    pub body: String,
    pub at: String,
    pub html: bool,
    /// (index, file name, size in KB).
    pub attachments: Vec<(usize, String, String)>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/mailbox.html")]
pub struct MailboxTemplate {
    page: Page,
    /// False when nothing is kept (production).
    local: bool,
    messages: Vec<MailRow>,
}

/// The demo mailbox: every e-mail (text, rendered HTML, attachments) and SMS sent, newest
/// first (kept in memory; demo installations only).
pub async fn mailbox(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
) -> Result<MailboxTemplate, WebError> {
    require_role(&user, &[Role::Admin])?;
    let outbox = state.accounts().notifier().local_outbox();
    let messages = outbox
        .map(|o| {
            o.messages()
                .into_iter()
                .map(|m| MailRow {
                    id: m.id,
                    channel: m.channel.to_owned(),
                    to: m.to,
                    subject: m.subject.unwrap_or_default(),
                    body: m.body,
                    at: when(m.at),
                    html: m.html.is_some(),
                    attachments: m
                        .attachments
                        .iter()
                        .enumerate()
                        .map(|(i, a)| {
                            (
                                i,
                                a.filename.clone(),
                                format!("{:.1}", a.content.len() as f64 / 1024.0),
                            )
                        })
                        .collect(),
                })
                .collect()
        })
        .unwrap_or_default();
    Ok(MailboxTemplate {
        page: Page::new(&state, &ctx),
        local: outbox.is_some(),
        messages,
    })
}

fn kept(state: &AppState, id: &str) -> Result<wayfare_notify::DeliveredMessage, WebError> {
    state
        .accounts()
        .notifier()
        .local_outbox()
        .and_then(|o| o.get(id))
        .ok_or_else(WebError::not_found)
}

/// One e-mail's HTML part as the recipient's client would show it. Sandboxed: no scripts,
/// no forms, nothing fetched but inline styles and images.
pub async fn mailbox_html(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    require_role(&user, &[Role::Admin])?;
    let html = kept(&state, &id)?.html.ok_or_else(WebError::not_found)?;
    let mut res = html.into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/html; charset=utf-8"),
    );
    h.insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(
            "sandbox; default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'self'",
        ),
    );
    h.insert(
        header::X_FRAME_OPTIONS,
        HeaderValue::from_static("SAMEORIGIN"),
    );
    Ok(res)
}

/// An attachment of a kept e-mail, as a download.
pub async fn mailbox_attachment(
    State(state): State<AppState>,
    user: SignedInUser,
    Path((id, n)): Path<(String, usize)>,
) -> Result<Response, WebError> {
    require_role(&user, &[Role::Admin])?;
    let a = kept(&state, &id)?
        .attachments
        .into_iter()
        .nth(n)
        .ok_or_else(WebError::not_found)?;
    let mut res = a.content.into_response();
    let h = res.headers_mut();
    if let Ok(v) = HeaderValue::from_str(&a.content_type) {
        h.insert(header::CONTENT_TYPE, v);
    }
    if let Ok(v) = HeaderValue::from_str(&format!(
        "attachment; filename=\"{}\"",
        a.filename.replace(['"', '\\', '\r', '\n'], "_")
    )) {
        h.insert(header::CONTENT_DISPOSITION, v);
    }
    Ok(res)
}

// ----- the send log -----------------------------------------------------------------------------

#[derive(Template, WebTemplate)]
#[template(path = "admin/notifications.html")]
pub struct SendLogTemplate {
    page: Page,
    rows: Vec<crate::api::notifications::SendLogEntry>,
    q: SendLogForm,
    statuses: Vec<&'static str>,
    next: Option<String>,
}

#[derive(Debug, Clone, Default, serde::Deserialize)]
pub struct SendLogForm {
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub provider: String,
    #[serde(default)]
    pub status: String,
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub recipient: String,
    #[serde(default)]
    pub offset: u64,
}

/// `/admin/notifications`: the send log, filtered.
pub async fn send_log(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    axum::extract::Query(q): axum::extract::Query<SendLogForm>,
) -> Result<SendLogTemplate, WebError> {
    require_role(&user, &[Role::Admin])?;
    let opt = |s: &str| Some(s.to_owned()).filter(|s| !s.trim().is_empty());
    const PAGE: u64 = 50;
    let (filter, _, _) =
        crate::api::notifications::send_log_filter(crate::api::notifications::SendLogQuery {
            channel: opt(&q.channel),
            provider: opt(&q.provider),
            status: opt(&q.status),
            event: opt(&q.event),
            recipient: opt(&q.recipient),
            user: None,
            limit: None,
            offset: None,
        })?;
    let rows = state
        .store()
        .send_log(&filter, PAGE + 1, q.offset)
        .await
        .map_err(WebError::internal)?;
    let more = rows.len() as u64 > PAGE;
    let rows: Vec<_> = rows
        .into_iter()
        .take(PAGE as usize)
        .map(|r| crate::api::notifications::entry(r, false))
        .collect();
    let next = more.then(|| {
        let pairs = [
            ("channel", q.channel.as_str()),
            ("provider", q.provider.as_str()),
            ("status", q.status.as_str()),
            ("event", q.event.as_str()),
            ("recipient", q.recipient.as_str()),
        ];
        let mut ser = url::form_urlencoded::Serializer::new(String::new());
        for (k, v) in pairs {
            if !v.is_empty() {
                ser.append_pair(k, v);
            }
        }
        ser.append_pair("offset", &(q.offset + PAGE).to_string());
        format!("/admin/notifications?{}", ser.finish())
    });
    Ok(SendLogTemplate {
        page: Page::new(&state, &ctx),
        rows,
        q,
        statuses: wayfare_store::notifications::SendStatus::ALL
            .iter()
            .map(|s| s.as_str())
            .collect(),
        next,
    })
}

// ----- navigation shared by the admin pages -----------------------------------------------------

/// `/admin`: the back office's start page is the account list.
pub async fn index(user: SignedInUser) -> Result<axum::response::Redirect, WebError> {
    require_role(&user, &[Role::Admin])?;
    Ok(axum::response::Redirect::to("/admin/users"))
}

fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M:%S UTC").to_string()
}

// ----- accounts and roles -------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct UserListRow {
    pub id: String,
    pub email: String,
    pub phone: String,
    pub name: String,
    pub roles: Vec<String>,
    pub created: String,
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct UsersQuery {
    #[serde(default)]
    q: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/users.html")]
pub struct UsersTemplate {
    page: Page,
    q: String,
    users: Vec<UserListRow>,
    total: i64,
    page_no: u64,
    pages: u64,
}

const USERS_PER_PAGE: u64 = 50;

fn display_name(u: &wayfare_store::accounts::UserRow) -> String {
    let latin = [u.given_name.as_deref(), u.family_name.as_deref()]
        .into_iter()
        .flatten()
        .collect::<Vec<_>>()
        .join(" ");
    match (u.name_zh.as_deref(), latin.is_empty()) {
        (Some(zh), true) => zh.to_owned(),
        (Some(zh), false) => format!("{zh} ({latin})"),
        (None, _) => latin,
    }
}

/// `/admin/users?q=`: find accounts.
pub async fn users(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    axum::extract::Query(q): axum::extract::Query<UsersQuery>,
) -> Result<UsersTemplate, WebError> {
    require_role(&user, &[Role::Admin])?;
    let page_no = q.page.unwrap_or(1).clamp(1, 10_000);
    let (rows, total) = state
        .accounts()
        .admin_users(
            &user,
            q.q.as_deref(),
            USERS_PER_PAGE,
            (page_no - 1) * USERS_PER_PAGE,
        )
        .await?;
    Ok(UsersTemplate {
        page: Page::new(&state, &ctx),
        q: q.q.unwrap_or_default(),
        users: rows
            .into_iter()
            .map(|u| UserListRow {
                name: display_name(&u.user),
                id: u.user.id,
                email: u.user.email.unwrap_or_default(),
                phone: u.user.phone.unwrap_or_default(),
                roles: u
                    .roles
                    .iter()
                    .filter(|r| **r != Role::Customer)
                    .map(|r| r.as_str().to_owned())
                    .collect(),
                created: when(u.user.created_at),
            })
            .collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page_no,
        pages: total.div_ceil(USERS_PER_PAGE).max(1),
    })
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/user.html")]
pub struct UserTemplate {
    page: Page,
    id: String,
    email: String,
    phone: String,
    name: String,
    created: String,
    second_factor: String,
    roles: Vec<String>,
    grantable: Vec<String>,
    notice: Option<String>,
    error: Option<crate::views::auth::FormError>,
}

#[derive(Debug, serde::Deserialize, Default)]
pub struct DoneQuery {
    #[serde(default)]
    done: Option<String>,
}

async fn user_page(
    state: &AppState,
    ctx: &RequestContext,
    admin: &SignedInUser,
    id: &str,
    notice: Option<String>,
    error: Option<crate::views::auth::FormError>,
) -> Result<UserTemplate, WebError> {
    let u = state.accounts().admin_user(admin, id).await?;
    let roles: Vec<String> = u
        .roles
        .iter()
        .filter(|r| **r != Role::Customer)
        .map(|r| r.as_str().to_owned())
        .collect();
    Ok(UserTemplate {
        page: Page::new(state, ctx),
        id: u.user.id.clone(),
        email: u.user.email.clone().unwrap_or_default(),
        phone: u.user.phone.clone().unwrap_or_default(),
        name: display_name(&u.user),
        created: when(u.user.created_at),
        second_factor: u.user.second_factor.clone(),
        grantable: Role::GRANTABLE
            .iter()
            .map(|r| r.as_str().to_owned())
            .filter(|r| !roles.contains(r))
            .collect(),
        roles,
        notice,
        error,
    })
}

/// `/admin/users/{id}`: one account with its roles.
pub async fn user(
    State(state): State<AppState>,
    ctx: RequestContext,
    admin: SignedInUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    axum::extract::Query(q): axum::extract::Query<DoneQuery>,
) -> Result<UserTemplate, WebError> {
    require_role(&admin, &[Role::Admin])?;
    let notice = match q.done.as_deref() {
        Some("granted") => Some(ctx.locale.t("admin-role-granted")),
        Some("revoked") => Some(ctx.locale.t("admin-role-revoked")),
        _ => None,
    };
    user_page(&state, &ctx, &admin, &id, notice, None).await
}

#[derive(Debug, serde::Deserialize)]
pub struct RoleForm {
    role: String,
}

async fn role_change(
    state: AppState,
    ctx: RequestContext,
    admin: SignedInUser,
    id: String,
    role: String,
    grant: bool,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    require_role(&admin, &[Role::Admin])?;
    let accounts = state.accounts();
    let result = if grant {
        accounts.grant_role(&admin, &id, &role, &ctx.meta()).await
    } else {
        accounts.revoke_role(&admin, &id, &role, &ctx.meta()).await
    };
    match result {
        Ok(_) => Ok(crate::views::see_other(&format!(
            "/admin/users/{id}?done={}",
            if grant { "granted" } else { "revoked" }
        ))),
        Err(e) => {
            let e = WebError::from(e);
            if e.code.status().is_server_error()
                || e.code.status() == axum::http::StatusCode::NOT_FOUND
                || e.code.status() == axum::http::StatusCode::FORBIDDEN
            {
                return Err(e);
            }
            let status = e.code.status();
            let form = crate::views::auth::FormError::from_web(&e, &ctx);
            let page = user_page(&state, &ctx, &admin, &id, None, Some(form)).await?;
            Ok((status, page).into_response())
        }
    }
}

/// `POST /admin/users/{id}/roles`: grant.
pub async fn grant(
    State(state): State<AppState>,
    ctx: RequestContext,
    admin: SignedInUser,
    axum::extract::Path(id): axum::extract::Path<String>,
    crate::extract::WebForm(form): crate::extract::WebForm<RoleForm>,
) -> Result<axum::response::Response, WebError> {
    role_change(state, ctx, admin, id, form.role, true).await
}

/// `POST /admin/users/{id}/roles/{role}/revoke`.
pub async fn revoke(
    State(state): State<AppState>,
    ctx: RequestContext,
    admin: SignedInUser,
    axum::extract::Path((id, role)): axum::extract::Path<(String, String)>,
) -> Result<axum::response::Response, WebError> {
    role_change(state, ctx, admin, id, role, false).await
}

// ----- the audit log ------------------------------------------------------------------------------

#[derive(Debug, serde::Deserialize, Default)]
pub struct AuditQueryForm {
    #[serde(default)]
    action: Option<String>,
    #[serde(default)]
    actor: Option<String>,
    #[serde(default)]
    target: Option<String>,
    #[serde(default)]
    ip: Option<String>,
    /// `YYYY-MM-DD`, inclusive, UTC.
    #[serde(default)]
    from: Option<String>,
    /// `YYYY-MM-DD`, inclusive, UTC.
    #[serde(default)]
    to: Option<String>,
    #[serde(default)]
    page: Option<u64>,
}

#[derive(Debug, Clone)]
pub struct AuditRowView {
    pub at: String,
    pub action: String,
    pub actor: String,
    pub target: String,
    pub ip: String,
    pub detail: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/audit.html")]
pub struct AuditTemplate {
    page: Page,
    action: String,
    actor: String,
    target: String,
    ip: String,
    from: String,
    to: String,
    actions: &'static [&'static str],
    rows: Vec<AuditRowView>,
    total: i64,
    page_no: u64,
    pages: u64,
    /// The filters as a query string, for the paging links.
    query: String,
    error: Option<crate::views::auth::FormError>,
}

/// Actions offered in the filter's list (any other action can still be typed).
const AUDIT_ACTIONS: &[&str] = &[
    "sign_in",
    "sign_in_failed",
    "sign_in_oidc",
    "sign_out",
    "second_factor_failed",
    "registered",
    "register_oidc",
    "verified",
    "password_changed",
    "password_reset_requested",
    "password_reset",
    "second_factor_enabled",
    "second_factor_disabled",
    "recovery_codes_regenerated",
    "role_granted",
    "role_revoked",
    "identity_linked",
    "identity_unlinked",
    "oidc_sign_in_failed",
    "oidc_state_refused",
    "oidc_email_in_use",
    "session_revoked",
    "sessions_revoked",
    "api_token_created",
    "api_token_revoked",
    "profile_updated",
    "preferences_updated",
    "notification_prefs_updated",
    "traveller_added",
    "traveller_updated",
    "traveller_deleted",
    "payment_method_added",
    "payment_method_default",
    "payment_method_deleted",
    "data_exported",
    "account_deleted",
    "payment.capture",
    "payment.void",
    "payment.refund",
    "template.save",
    "outbox.retry",
    "flights.schedule_change_simulated",
];

const AUDIT_PER_PAGE: u64 = 50;

fn parse_day(field: &'static str, s: Option<&str>) -> Result<Option<chrono::NaiveDate>, WebError> {
    match s.map(str::trim).filter(|s| !s.is_empty()) {
        None => Ok(None),
        Some(s) => chrono::NaiveDate::parse_from_str(s, "%Y-%m-%d")
            .map(Some)
            .map_err(|_| WebError::invalid_field(field, "reason-date-format")),
    }
}

/// `/admin/audit`: who did what, when, from where.
pub async fn audit(
    State(state): State<AppState>,
    ctx: RequestContext,
    admin: SignedInUser,
    axum::extract::Query(q): axum::extract::Query<AuditQueryForm>,
) -> Result<axum::response::Response, WebError> {
    use axum::response::IntoResponse;
    require_role(&admin, &[Role::Admin])?;
    let page_no = q.page.unwrap_or(1).clamp(1, 100_000);
    let days = parse_day("from", q.from.as_deref())
        .and_then(|f| Ok((f, parse_day("to", q.to.as_deref())?)));
    let mut error = None;
    let (rows, total) = match days {
        Ok((from, to)) => {
            state
                .accounts()
                .search_audit(
                    &admin,
                    wayfare_accounts::admin::AuditFilter {
                        action: q.action.clone(),
                        actor: q.actor.clone(),
                        target: q.target.clone(),
                        ip: q.ip.clone(),
                        since: from.map(|d| d.and_time(chrono::NaiveTime::MIN).and_utc()),
                        until: to.map(|d| {
                            (d + chrono::Days::new(1))
                                .and_time(chrono::NaiveTime::MIN)
                                .and_utc()
                        }),
                        limit: AUDIT_PER_PAGE,
                        offset: (page_no - 1) * AUDIT_PER_PAGE,
                    },
                )
                .await?
        }
        Err(e) => {
            error = Some(e);
            (Vec::new(), 0)
        }
    };
    let query = serde_urlencoded::to_string([
        ("action", q.action.as_deref().unwrap_or("")),
        ("actor", q.actor.as_deref().unwrap_or("")),
        ("target", q.target.as_deref().unwrap_or("")),
        ("ip", q.ip.as_deref().unwrap_or("")),
        ("from", q.from.as_deref().unwrap_or("")),
        ("to", q.to.as_deref().unwrap_or("")),
    ])
    .unwrap_or_default();
    let status = error
        .as_ref()
        .map(|e| e.code.status())
        .unwrap_or(axum::http::StatusCode::OK);
    let tpl = AuditTemplate {
        page: Page::new(&state, &ctx),
        action: q.action.unwrap_or_default(),
        actor: q.actor.unwrap_or_default(),
        target: q.target.unwrap_or_default(),
        ip: q.ip.unwrap_or_default(),
        from: q.from.unwrap_or_default(),
        to: q.to.unwrap_or_default(),
        actions: AUDIT_ACTIONS,
        rows: rows
            .into_iter()
            .map(|r| AuditRowView {
                at: when(r.at),
                action: r.action,
                actor: r.actor_user_id.unwrap_or_default(),
                target: r.target.unwrap_or_default(),
                ip: r.ip.unwrap_or_default(),
                detail: if r.detail == "{}" {
                    String::new()
                } else {
                    r.detail
                },
            })
            .collect(),
        total: i64::try_from(total).unwrap_or(i64::MAX),
        page_no,
        pages: total.div_ceil(AUDIT_PER_PAGE).max(1),
        query,
        error: error
            .as_ref()
            .map(|e| crate::views::auth::FormError::from_web(e, &ctx)),
    };
    Ok((status, tpl).into_response())
}
