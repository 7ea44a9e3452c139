//! Notifications for staff and providers: the send log (`/admin/notifications`), message
//! templates with a live preview (`/admin/templates`), and the providers' delivery callbacks
//! (`/webhooks/notifications/{provider}`), which are checked by signature before they move a
//! message's status on.

use axum::Json;
use axum::body::Bytes;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderMap, Method, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;
use wayfare_domain::account::Role;
use wayfare_notify::callbacks::{Callback, CallbackError};
use wayfare_notify::templates::{self, TemplateSource};
use wayfare_notify::{CallbackFailure, Channel};
use wayfare_store::audit::NewAuditEntry;
use wayfare_store::notifications::{NotificationRow, SendLogFilter, SendStatus};

use crate::AppState;
use crate::api::types::ErrorBody;
use crate::auth::{SignedInUser, require_role};
use crate::error::{ErrorCode, WebError};
use crate::extract::{ApiJson, ApiQuery};
use crate::middleware::RequestContext;

/// Adds the notification routes.
pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r.routes(routes!(send_log))
        .routes(routes!(send_log_entry))
        .routes(routes!(list_templates))
        .routes(routes!(get_template, save_template))
        .routes(routes!(preview_template))
        .routes(routes!(delivery_callback, delivery_callback_get))
}

/// `m***@example.com`, `+86 138****8000`: enough to tell messages apart in a list.
pub fn mask_recipient(to: &str) -> String {
    if let Some((local, domain)) = to.split_once('@') {
        let first: String = local.chars().take(1).collect();
        return format!("{first}***@{domain}");
    }
    let chars: Vec<char> = to.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let head: String = chars[..chars.len() - 8].iter().collect();
    let tail: String = chars[chars.len() - 4..].iter().collect();
    format!("{head}****{tail}")
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SendLogEntry {
    pub id: String,
    pub channel: String,
    pub provider: String,
    /// Masked in lists; whole in one entry.
    pub recipient: String,
    pub user_id: Option<String>,
    pub event: String,
    pub locale: String,
    /// 0 is the shipped default.
    pub template_version: Option<i32>,
    /// queued, sent, delivered, failed or bounced.
    pub status: String,
    pub provider_message_id: Option<String>,
    pub attempts: i32,
    pub last_error: Option<String>,
    pub subject: Option<String>,
    /// Only in one entry (codes and links masked).
    pub body: Option<String>,
    pub created_at: DateTime<Utc>,
    pub updated_at: Option<DateTime<Utc>>,
}

/// A send-log row as shown: the recipient masked unless `whole`, the text only then.
pub fn entry(r: NotificationRow, whole: bool) -> SendLogEntry {
    SendLogEntry {
        recipient: if whole {
            r.destination.clone()
        } else {
            mask_recipient(&r.destination)
        },
        id: r.id,
        channel: r.channel,
        provider: r.provider,
        user_id: r.user_id,
        event: r.event,
        locale: r.locale,
        template_version: r.template_version,
        status: r.status,
        provider_message_id: r.provider_message_id,
        attempts: r.attempts,
        last_error: r.last_error,
        subject: r.subject,
        body: whole.then_some(r.body),
        created_at: r.created_at,
        updated_at: r.updated_at,
    }
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct SendLogQuery {
    /// email or sms.
    pub channel: Option<String>,
    pub provider: Option<String>,
    /// queued, sent, delivered, failed or bounced.
    pub status: Option<String>,
    pub event: Option<String>,
    /// The exact address or number.
    pub recipient: Option<String>,
    pub user: Option<String>,
    pub limit: Option<u64>,
    pub offset: Option<u64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct SendLogPage {
    pub messages: Vec<SendLogEntry>,
}

fn given(v: Option<String>) -> Option<String> {
    v.map(|s| s.trim().to_owned()).filter(|s| !s.is_empty())
}

/// The filter of a send-log query, checked.
pub fn send_log_filter(q: SendLogQuery) -> Result<(SendLogFilter, u64, u64), WebError> {
    let status = match given(q.status) {
        None => None,
        Some(s) => Some(
            SendStatus::parse(&s)
                .ok_or_else(|| WebError::invalid_field("status", "reason-unknown-send-status"))?,
        ),
    };
    let channel = given(q.channel);
    if let Some(c) = &channel
        && c != "email"
        && c != "sms"
    {
        return Err(WebError::invalid_field("channel", "reason-unknown-channel"));
    }
    Ok((
        SendLogFilter {
            channel,
            provider: given(q.provider),
            status,
            event: given(q.event),
            user_id: given(q.user),
            destination: given(q.recipient),
        },
        q.limit.unwrap_or(50).clamp(1, 200),
        q.offset.unwrap_or(0),
    ))
}

/// Every message sent or tried, newest first: channel, provider, masked recipient, template
/// version, status, provider id, attempts, last error.
#[utoipa::path(get, path = "/admin/notifications", tag = "admin", params(SendLogQuery),
    responses((status = 200, description = "Messages, newest first", body = SendLogPage),
        (status = 401, description = "Not signed in", body = ErrorBody),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "An unknown status or channel", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn send_log(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiQuery(q): ApiQuery<SendLogQuery>,
) -> Result<Json<SendLogPage>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let (filter, limit, offset) = send_log_filter(q)?;
    let rows = state
        .store()
        .send_log(&filter, limit, offset)
        .await
        .map_err(WebError::internal)?;
    Ok(Json(SendLogPage {
        messages: rows.into_iter().map(|r| entry(r, false)).collect(),
    }))
}

/// One message with its whole recipient and text (codes and links masked).
#[utoipa::path(get, path = "/admin/notifications/{id}", tag = "admin",
    params(("id" = String, Path, description = "Message id")),
    responses((status = 200, description = "The message", body = SendLogEntry),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 404, description = "No such message", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn send_log_entry(
    State(state): State<AppState>,
    user: SignedInUser,
    Path(id): Path<String>,
) -> Result<Json<SendLogEntry>, WebError> {
    require_role(&user, &[Role::Admin])?;
    if id.len() > 64 {
        return Err(WebError::not_found());
    }
    let row = state
        .store()
        .notification(&id)
        .await
        .map_err(WebError::internal)?
        .ok_or_else(WebError::not_found)?;
    Ok(Json(entry(row, true)))
}

// ------------------------------------------------------------------ templates

#[derive(Debug, Serialize, ToSchema)]
pub struct VariableJson {
    pub name: String,
    pub description: String,
    pub sample: serde_json::Value,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateJson {
    pub event: String,
    pub channel: String,
    pub locale: String,
    /// 0: the shipped default is in use.
    pub version: i32,
    pub subject: Option<String>,
    pub body: String,
    pub mandatory: bool,
    pub updated_by: Option<String>,
    pub updated_at: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateDetail {
    #[serde(flatten)]
    pub template: TemplateJson,
    pub variables: Vec<VariableJson>,
    /// Earlier saved versions, newest first.
    pub history: Vec<TemplateJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TemplateList {
    pub templates: Vec<TemplateJson>,
}

/// The languages templates are kept in.
pub const TEMPLATE_LOCALES: [&str; 2] = ["en", "zh-CN"];

fn channel_of(s: &str) -> Result<Channel, WebError> {
    match s {
        "email" => Ok(Channel::Email),
        "sms" => Ok(Channel::Sms),
        _ => Err(WebError::invalid_field("channel", "reason-unknown-channel")),
    }
}

pub(crate) fn template_key(event: &str, channel: &str, locale: &str) -> Result<Channel, WebError> {
    if templates::event(event).is_none() {
        return Err(WebError::invalid_field("event", "reason-unknown-event"));
    }
    if !TEMPLATE_LOCALES.contains(&locale) {
        return Err(WebError::invalid_field(
            "locale",
            "reason-unknown-template-locale",
        ));
    }
    channel_of(channel)
}

/// The template in use for one key.
pub async fn current_template(
    state: &AppState,
    event: &str,
    channel: Channel,
    locale: &str,
) -> Result<TemplateJson, WebError> {
    let mandatory = templates::event(event).is_some_and(|e| e.mandatory);
    if let Some(row) = state
        .store()
        .current_template(event, channel.as_str(), locale)
        .await
        .map_err(WebError::internal)?
    {
        return Ok(TemplateJson {
            event: row.event,
            channel: row.channel,
            locale: row.locale,
            version: row.version,
            subject: row.subject,
            body: row.body,
            mandatory,
            updated_by: row.created_by,
            updated_at: Some(row.created_at),
        });
    }
    let d = templates::default_template(event, channel, locale)
        .ok_or_else(|| WebError::internal(format!("no default template for {event}")))?;
    Ok(TemplateJson {
        event: event.to_owned(),
        channel: channel.as_str().to_owned(),
        locale: locale.to_owned(),
        version: 0,
        subject: d.subject,
        body: d.body,
        mandatory,
        updated_by: None,
        updated_at: None,
    })
}

/// Every event × channel × language with the version in use.
#[utoipa::path(get, path = "/admin/templates", tag = "admin",
    responses((status = 200, description = "Every template in use", body = TemplateList),
        (status = 403, description = "Not an admin", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn list_templates(
    State(state): State<AppState>,
    user: SignedInUser,
) -> Result<Json<TemplateList>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let mut out = Vec::new();
    for spec in templates::events() {
        for channel in [Channel::Email, Channel::Sms] {
            for locale in TEMPLATE_LOCALES {
                out.push(current_template(&state, spec.name, channel, locale).await?);
            }
        }
    }
    Ok(Json(TemplateList { templates: out }))
}

/// One template: the version in use, its variables with sample values, and its history.
#[utoipa::path(get, path = "/admin/templates/{event}/{channel}/{locale}", tag = "admin",
    params(("event" = String, Path), ("channel" = String, Path), ("locale" = String, Path)),
    responses((status = 200, description = "The template", body = TemplateDetail),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "No such event, channel or language", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn get_template(
    State(state): State<AppState>,
    user: SignedInUser,
    Path((event, channel, locale)): Path<(String, String, String)>,
) -> Result<Json<TemplateDetail>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let ch = template_key(&event, &channel, &locale)?;
    Ok(Json(template_detail(&state, &event, ch, &locale).await?))
}

pub async fn template_detail(
    state: &AppState,
    event: &str,
    channel: Channel,
    locale: &str,
) -> Result<TemplateDetail, WebError> {
    let template = current_template(state, event, channel, locale).await?;
    let samples = templates::sample_vars(event, locale);
    let variables = templates::event(event)
        .map(|spec| {
            spec.variables_for(channel)
                .map(|v| VariableJson {
                    name: v.name.to_owned(),
                    description: v.description.to_owned(),
                    sample: samples[v.name].clone(),
                })
                .collect()
        })
        .unwrap_or_default();
    let history = state
        .store()
        .template_versions(event, channel.as_str(), locale, 20)
        .await
        .map_err(WebError::internal)?
        .into_iter()
        .skip(1)
        .map(|row| TemplateJson {
            event: row.event,
            channel: row.channel,
            locale: row.locale,
            version: row.version,
            subject: row.subject,
            body: row.body,
            mandatory: template.mandatory,
            updated_by: row.created_by,
            updated_at: Some(row.created_at),
        })
        .collect();
    Ok(TemplateDetail {
        template,
        variables,
        history,
    })
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct TemplateInput {
    /// E-mail only.
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
}

#[derive(Debug, Deserialize, ToSchema)]
pub struct PreviewInput {
    pub event: String,
    pub channel: String,
    pub locale: String,
    #[serde(default)]
    pub subject: Option<String>,
    pub body: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PreviewJson {
    pub subject: Option<String>,
    pub text: String,
    /// E-mail only: the branded HTML part.
    pub html: Option<String>,
    /// SMS only: how many segments it takes.
    pub segments: Option<usize>,
}

/// A template's problems as a 422: the field, the kind and where.
fn template_problems(problems: Vec<templates::TemplateProblem>) -> WebError {
    let field = problems.first().map(|p| p.field).unwrap_or("body");
    let list: Vec<serde_json::Value> = problems
        .iter()
        .map(|p| {
            serde_json::json!({
                "field": p.field,
                "kind": p.kind.as_str(),
                "detail": p.detail,
                "line": p.line,
            })
        })
        .collect();
    WebError::invalid_field(field, "reason-template-invalid")
        .detail("problems", serde_json::Value::Array(list))
}

/// Renders a template as written (not saved) with the event's sample values.
pub fn preview(
    state: &AppState,
    event: &str,
    channel: Channel,
    locale: &str,
    source: &TemplateSource,
) -> Result<PreviewJson, WebError> {
    templates::validate(event, channel, source).map_err(template_problems)?;
    let notifier = state.accounts().notifier();
    let brand = notifier.brand();
    let samples = match templates::sample_vars(event, locale) {
        serde_json::Value::Object(m) => m,
        _ => serde_json::Map::new(),
    };
    let vars = notifier.with_brand_vars(samples);
    let r = templates::render(event, channel, source, &vars)
        .map_err(|e| WebError::invalid_field("body", "reason-template-invalid").detail("problems", serde_json::json!([{"field": "body", "kind": "render_failed", "detail": e.to_string()}])))?;
    Ok(PreviewJson {
        html: (channel == Channel::Email).then(|| {
            templates::email_html(brand, locale, r.subject.as_deref().unwrap_or(""), &r.text)
        }),
        segments: (channel == Channel::Sms)
            .then(|| wayfare_notify::sms::segments::segments(&r.text)),
        subject: r.subject,
        text: r.text,
    })
}

/// Renders a template as written, with sample data: what the admin sees while editing.
#[utoipa::path(post, path = "/admin/templates/preview", tag = "admin", request_body = PreviewInput,
    responses((status = 200, description = "The rendered message", body = PreviewJson),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 422, description = "The template cannot be used: details.problems says why", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn preview_template(
    State(state): State<AppState>,
    user: SignedInUser,
    ApiJson(input): ApiJson<PreviewInput>,
) -> Result<Json<PreviewJson>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let channel = template_key(&input.event, &input.channel, &input.locale)?;
    let source = TemplateSource {
        subject: input.subject,
        body: input.body,
    };
    Ok(Json(preview(
        &state,
        &input.event,
        channel,
        &input.locale,
        &source,
    )?))
}

/// Saves a new version, used from the next message on. A template that uses an unknown
/// variable or does not render is refused (422 with the problems). Audited.
#[utoipa::path(post, path = "/admin/templates/{event}/{channel}/{locale}", tag = "admin",
    params(("event" = String, Path), ("channel" = String, Path), ("locale" = String, Path)),
    request_body = TemplateInput,
    responses((status = 200, description = "Saved; the new version", body = TemplateDetail),
        (status = 403, description = "Not an admin", body = ErrorBody),
        (status = 409, description = "Someone saved at the same moment; reload", body = ErrorBody),
        (status = 422, description = "The template cannot be used: details.problems says why", body = ErrorBody)),
    security(("session" = []), ("bearer" = [])))]
pub async fn save_template(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path((event, channel, locale)): Path<(String, String, String)>,
    ApiJson(input): ApiJson<TemplateInput>,
) -> Result<Json<TemplateDetail>, WebError> {
    require_role(&user, &[Role::Admin])?;
    let ch = template_key(&event, &channel, &locale)?;
    let source = TemplateSource {
        subject: input.subject.filter(|_| ch == Channel::Email),
        body: input.body,
    };
    let row = store_template(&state, &ctx, &user, &event, ch, &locale, source).await?;
    let _ = row;
    Ok(Json(template_detail(&state, &event, ch, &locale).await?))
}

/// Checks, saves and audits a template version.
pub async fn store_template(
    state: &AppState,
    ctx: &RequestContext,
    user: &SignedInUser,
    event: &str,
    channel: Channel,
    locale: &str,
    source: TemplateSource,
) -> Result<wayfare_store::templates::TemplateRow, WebError> {
    templates::validate(event, channel, &source).map_err(template_problems)?;
    let now = state.orders().now();
    let row = match state
        .store()
        .save_template(wayfare_store::templates::NewTemplate {
            event: event.to_owned(),
            channel: channel.as_str().to_owned(),
            locale: locale.to_owned(),
            subject: source.subject,
            body: source.body,
            created_by: Some(user.user.id.clone()),
            now,
        })
        .await
    {
        Ok(r) => r,
        Err(wayfare_store::StoreError::Conflict(_)) => {
            return Err(WebError::new(ErrorCode::AlreadyInUse).arg("field", "version"));
        }
        Err(e) => return Err(WebError::internal(e)),
    };
    state
        .store()
        .append_audit(NewAuditEntry {
            at: now,
            actor_user_id: Some(user.user.id.clone()),
            action: "template.save".into(),
            target: Some(format!("{event}/{}/{locale}", channel.as_str())),
            ip: ctx.ip.clone(),
            detail: serde_json::json!({"version": row.version}).to_string(),
        })
        .await
        .map_err(WebError::internal)?;
    Ok(row)
}

// ------------------------------------------------------------------ delivery callbacks

#[derive(Debug, Serialize, ToSchema)]
pub struct CallbackAck {
    /// The message's status now, when it is one of ours.
    pub status: Option<String>,
}

async fn callback(
    state: &AppState,
    method: &Method,
    provider: &str,
    headers: &HeaderMap,
    query: Option<String>,
    body: &[u8],
) -> Result<Response, WebError> {
    let base = state
        .accounts()
        .config()
        .public_base_url
        .trim_end_matches('/');
    let mut url = format!("{base}/api/v1/webhooks/notifications/{provider}");
    if let Some(q) = query.as_deref().filter(|q| !q.is_empty()) {
        url.push('?');
        url.push_str(q);
    }
    let query_params: Vec<(String, String)> = query
        .as_deref()
        .map(|q| {
            url::form_urlencoded::parse(q.as_bytes())
                .into_owned()
                .collect()
        })
        .unwrap_or_default();
    let cb = Callback {
        method: method.as_str(),
        url: &url,
        headers,
        query: &query_params,
        body,
    };
    let notifier = state.accounts().notifier();
    match notifier.callback(provider, &cb, state.orders().now()).await {
        Ok(row) => Ok(Json(CallbackAck {
            status: row.map(|r| r.status),
        })
        .into_response()),
        Err(CallbackFailure::Refused(CallbackError::NotConfigured(_))) => {
            Err(WebError::not_found())
        }
        Err(CallbackFailure::Refused(why)) => {
            let mut e = WebError::new(ErrorCode::WebhookRejected);
            e.internal = Some(why.to_string());
            Err(e)
        }
        Err(CallbackFailure::Failed(e)) => Err(WebError::internal(e)),
    }
}

/// A provider's delivery report (Twilio, Vonage, Plivo, Mailgun, SendGrid's Event Webhook,
/// SES events through SNS), checked by its signature; moves the message's status on (sent →
/// delivered, failed or bounced; never back). An SNS subscription's confirmation is confirmed.
#[utoipa::path(post, path = "/webhooks/notifications/{provider}", tag = "notifications",
    params(("provider" = String, Path, description = "twilio, vonage, plivo, mailgun, sendgrid or ses")),
    request_body(content = String, description = "The report exactly as the provider sends it (a form, JSON, or SNS's envelope)", content_type = "application/octet-stream"),
    responses((status = 200, description = "Applied (or not about a status we keep)", body = CallbackAck),
        (status = 400, description = "The signature does not check", body = ErrorBody),
        (status = 404, description = "That provider's callbacks are not configured", body = ErrorBody)))]
pub async fn delivery_callback(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Result<Response, WebError> {
    callback(&state, &method, &provider, &headers, query, &body).await
}

/// The same for providers that report with GET (Vonage can).
#[utoipa::path(get, path = "/webhooks/notifications/{provider}", tag = "notifications",
    params(("provider" = String, Path, description = "vonage")),
    responses((status = 200, description = "Applied", body = CallbackAck),
        (status = 400, description = "The signature does not check", body = ErrorBody)))]
pub async fn delivery_callback_get(
    State(state): State<AppState>,
    method: Method,
    headers: HeaderMap,
    Path(provider): Path<String>,
    RawQuery(query): RawQuery,
) -> Result<Response, WebError> {
    callback(&state, &method, &provider, &headers, query, &[])
        .await
        .map(|r| (StatusCode::OK, r).into_response())
}
