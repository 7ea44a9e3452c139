//! Admin pages for message templates: every event × channel × language with the version in
//! use (`/admin/templates`), and one template's editor (`/admin/templates/{event}/{channel}/
//! {locale}`) with the event's variables and sample values, its saved versions and a preview
//! on sample data. Checking, previewing and saving (audited) are the JSON API's own
//! (`crate::api::notifications`); `static/admin_templates.js` only makes the preview live.

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use serde_json::Value;
use wayfare_domain::account::Role;
use wayfare_notify::Channel;
use wayfare_notify::sms::segments::{self, Encoding};
use wayfare_notify::templates::{self, TemplateSource, VarKind};

use crate::api::notifications::{
    TEMPLATE_LOCALES, TemplateJson, current_template, preview as render_preview, store_template,
    template_detail, template_key,
};
use crate::auth::{SignedInUser, require_role};
use crate::error::{ErrorCode, WebError};
use crate::extract::WebForm;
use crate::i18n::{FluentArg, Locale};
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::{Page, see_other, when};

/// The site's policy with inline style attributes allowed: the e-mail preview is a sandboxed
/// `srcdoc` frame, which inherits this page's policy, and e-mail HTML is styled inline.
/// Scripts stay our own files only.
const EDITOR_CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; \
style-src-attr 'unsafe-inline'; img-src 'self' data:; font-src 'self'; connect-src 'self'; \
object-src 'none'; base-uri 'self'; form-action 'self'; frame-ancestors 'none'";

const CHANNELS: [Channel; 2] = [Channel::Email, Channel::Sms];

/// `verify_code` → the Fluent key part `verify-code`.
fn key_part(name: &str) -> String {
    name.replace('_', "-")
}

fn event_title(locale: Locale, event: &str) -> String {
    locale.t(&format!("admin-templates-event-{}", key_part(event)))
}

fn event_about(locale: Locale, event: &str) -> String {
    locale.t(&format!("admin-templates-event-{}-about", key_part(event)))
}

fn channel_label(locale: Locale, channel: &str) -> String {
    locale.t(&format!("admin-templates-channel-{channel}"))
}

fn language_label(locale: Locale, language: &str) -> String {
    locale.t(&format!(
        "admin-templates-locale-{}",
        language.to_ascii_lowercase()
    ))
}

/// What a variable means, in the admin's language: the event's own wording where the same
/// name means something else there (`minutes` of a reset link), else the common one.
fn variable_meaning(locale: Locale, event: &str, name: &str) -> String {
    let own = format!("admin-templates-var-{}-{}", key_part(event), key_part(name));
    if locale.has(&own) {
        locale.t(&own)
    } else {
        locale.t(&format!("admin-templates-var-{}", key_part(name)))
    }
}

fn version_label(locale: Locale, version: i32) -> String {
    if version == 0 {
        locale.t("admin-templates-default")
    } else {
        locale.t_args(
            "admin-templates-version-n",
            &[("version", FluentArg::Num(version.into()))],
        )
    }
}

/// Who saved a version: their e-mail address or phone number, looked up once per user.
async fn editor_names(
    state: &AppState,
    ids: Vec<String>,
) -> Result<HashMap<String, String>, WebError> {
    let mut names = HashMap::new();
    for id in ids {
        if names.contains_key(&id) {
            continue;
        }
        let user = state
            .store()
            .user_by_id(&id)
            .await
            .map_err(WebError::internal)?;
        let name = user
            .and_then(|u| u.email.or(u.phone))
            .unwrap_or_else(|| id.clone());
        names.insert(id, name);
    }
    Ok(names)
}

// ----- the list ---------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct TemplateRow {
    pub event: String,
    pub title: String,
    pub channel: String,
    pub channel_label: String,
    pub locale: String,
    pub language_label: String,
    pub version: i32,
    pub version_label: String,
    pub mandatory: bool,
    /// "2026-11-24 16:41 UTC by root@example.com"; empty for the shipped default.
    pub edited: String,
}

/// One option of a filter.
#[derive(Debug, Clone)]
pub struct FilterOption {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/templates.html")]
pub struct TemplatesTemplate {
    page: Page,
    rows: Vec<TemplateRow>,
    events: Vec<FilterOption>,
    channels: Vec<FilterOption>,
    locales: Vec<FilterOption>,
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct ListQuery {
    #[serde(default)]
    pub event: String,
    #[serde(default)]
    pub channel: String,
    #[serde(default)]
    pub locale: String,
}

/// `/admin/templates`: every event × channel × language, the version in use and who saved it.
pub async fn list(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Query(q): Query<ListQuery>,
) -> Result<TemplatesTemplate, WebError> {
    require_role(&user, &[Role::Admin])?;
    let locale = ctx.locale;
    let saved = state
        .store()
        .current_templates()
        .await
        .map_err(WebError::internal)?;
    let names = editor_names(
        &state,
        saved.iter().filter_map(|r| r.created_by.clone()).collect(),
    )
    .await?;
    let saved: HashMap<(&str, &str, &str), &wayfare_store::templates::TemplateRow> = saved
        .iter()
        .map(|r| ((r.event.as_str(), r.channel.as_str(), r.locale.as_str()), r))
        .collect();
    let wanted = |filter: &str, value: &str| filter.is_empty() || filter == value;
    let mut rows = Vec::new();
    for spec in templates::events() {
        if !wanted(&q.event, spec.name) {
            continue;
        }
        for channel in CHANNELS {
            if !wanted(&q.channel, channel.as_str()) {
                continue;
            }
            for language in TEMPLATE_LOCALES {
                if !wanted(&q.locale, language) {
                    continue;
                }
                let row = saved.get(&(spec.name, channel.as_str(), language));
                let version = row.map_or(0, |r| r.version);
                let edited = row
                    .map(|r| {
                        let who = r
                            .created_by
                            .as_ref()
                            .and_then(|id| names.get(id))
                            .cloned()
                            .unwrap_or_default();
                        locale.t_args(
                            "admin-templates-edited-by",
                            &[
                                ("when", FluentArg::Str(when(r.created_at))),
                                ("who", FluentArg::Str(who)),
                            ],
                        )
                    })
                    .unwrap_or_default();
                rows.push(TemplateRow {
                    event: spec.name.to_owned(),
                    title: event_title(locale, spec.name),
                    channel: channel.as_str().to_owned(),
                    channel_label: channel_label(locale, channel.as_str()),
                    locale: language.to_owned(),
                    language_label: language_label(locale, language),
                    version,
                    version_label: version_label(locale, version),
                    mandatory: spec.mandatory,
                    edited,
                });
            }
        }
    }
    let option = |value: &str, label: String, chosen: &str| FilterOption {
        value: value.to_owned(),
        label,
        selected: value == chosen,
    };
    Ok(TemplatesTemplate {
        page: Page::new(&state, &ctx),
        rows,
        events: templates::events()
            .iter()
            .map(|e| option(e.name, event_title(locale, e.name), &q.event))
            .collect(),
        channels: CHANNELS
            .iter()
            .map(|c| option(c.as_str(), channel_label(locale, c.as_str()), &q.channel))
            .collect(),
        locales: TEMPLATE_LOCALES
            .iter()
            .map(|l| option(l, language_label(locale, l), &q.locale))
            .collect(),
    })
}

// ----- the editor -------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct VariableRow {
    /// `{{ name }}`, `{% if name %}` or `{% for item in name %}`: how it is written.
    pub usage: String,
    pub name: String,
    pub meaning: String,
    pub sample: String,
}

#[derive(Debug, Clone)]
pub struct VersionRow {
    pub version: i32,
    pub label: String,
    pub saved: String,
    pub by: String,
    pub in_use: bool,
}

/// A template's problem, said in the admin's language.
#[derive(Debug, Clone)]
pub struct ProblemView {
    pub kind: String,
    pub message: String,
}

/// The template as written, rendered with the sample values.
#[derive(Debug, Clone, Default)]
pub struct PreviewView {
    pub subject: String,
    pub text: String,
    /// E-mail only: the branded HTML part, shown in a sandboxed frame.
    pub html: String,
    /// SMS only.
    pub segments: usize,
    pub encoding: String,
}

/// The version in use, shown beside the admin's text when someone saved meanwhile.
#[derive(Debug, Clone)]
pub struct ConflictView {
    pub message: String,
    pub subject: Option<String>,
    pub body: String,
}

/// Labels the script fills in for the problems it shows: `{detail}`, `{field}`, `{line}` and
/// `{message}` stand for the values.
#[derive(Debug, Clone)]
pub struct ProblemLabels {
    pub kinds: Vec<(&'static str, String)>,
    pub at_line: String,
    pub in_field: String,
    pub subject: String,
    pub body: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "admin/template_edit.html")]
pub struct EditTemplate {
    page: Page,
    event: String,
    channel: String,
    locale: String,
    title: String,
    about: String,
    channel_label: String,
    language_label: String,
    version_label: String,
    mandatory: bool,
    is_email: bool,
    /// The version the text was loaded from the page as: a save checks nobody saved since.
    base_version: i32,
    subject: String,
    body: String,
    notice: Option<String>,
    conflict: Option<ConflictView>,
    problems: Vec<ProblemView>,
    /// False when the text has problems (the preview is then empty and hidden).
    has_preview: bool,
    preview: PreviewView,
    labels: ProblemLabels,
    encoding_gsm7: String,
    encoding_ucs2: String,
    variables: Vec<VariableRow>,
    versions: Vec<VersionRow>,
}

/// The text in the editor and what to say about it.
struct Editing {
    source: TemplateSource,
    base_version: i32,
    notice: Option<String>,
    conflict: Option<ConflictView>,
    /// Problems already known (a refused save); else the preview finds them.
    problems: Option<Vec<ProblemView>>,
}

/// `event`, `channel` and `locale` from the path, or 404.
fn template_of(event: &str, channel: &str, locale: &str) -> Result<Channel, WebError> {
    template_key(event, channel, locale).map_err(|_| WebError::not_found())
}

/// What the editor calls the body: an e-mail's "Body", an SMS's "Text".
fn body_label(locale: Locale, channel: Channel) -> String {
    match channel {
        Channel::Email => locale.t("admin-templates-body"),
        Channel::Sms => locale.t("admin-templates-sms-text"),
    }
}

/// A template problem in the admin's language: what is wrong, and where.
fn problem_message(
    locale: Locale,
    channel: Channel,
    field: &str,
    kind: &str,
    detail: &str,
    line: Option<u64>,
) -> String {
    let arg = |name: &'static str, v: &str| [(name, FluentArg::Str(v.to_owned()))];
    let what = match kind {
        "unknown_variable" => locale.t_args(
            "admin-templates-problem-unknown-variable",
            &arg("detail", detail),
        ),
        "syntax" => locale.t_args("admin-templates-problem-syntax", &arg("detail", detail)),
        "render_failed" => locale.t_args(
            "admin-templates-problem-render-failed",
            &arg("detail", detail),
        ),
        "empty" => locale.t("admin-templates-problem-empty"),
        "missing_subject" => locale.t("admin-templates-problem-missing-subject"),
        "too_long" => locale.t_args("admin-templates-problem-too-long", &arg("detail", detail)),
        "unsupported" => locale.t_args(
            "admin-templates-problem-unsupported",
            &arg("detail", detail),
        ),
        _ => detail.to_owned(),
    };
    let field = if field == "subject" {
        locale.t("admin-templates-subject")
    } else {
        body_label(locale, channel)
    };
    match line {
        Some(line) => locale.t_args(
            "admin-templates-problem-at-line",
            &[
                ("field", FluentArg::Str(field)),
                (
                    "line",
                    FluentArg::Num(i64::try_from(line).unwrap_or(i64::MAX)),
                ),
                ("message", FluentArg::Str(what)),
            ],
        ),
        None => locale.t_args(
            "admin-templates-problem-in-field",
            &[
                ("field", FluentArg::Str(field)),
                ("message", FluentArg::Str(what)),
            ],
        ),
    }
}

/// The problems a refused preview or save lists in `details.problems`, if it is that.
fn problems_of(e: &WebError, locale: Locale, channel: Channel) -> Option<Vec<ProblemView>> {
    if e.code != ErrorCode::ValidationFailed {
        return None;
    }
    let list = e.details.get("problems")?.as_array()?;
    Some(
        list.iter()
            .map(|p| {
                let s = |k: &str| p.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
                let kind = s("kind");
                ProblemView {
                    message: problem_message(
                        locale,
                        channel,
                        &s("field"),
                        &kind,
                        &s("detail"),
                        p.get("line").and_then(Value::as_u64),
                    ),
                    kind,
                }
            })
            .collect(),
    )
}

/// The script's copies of the problem wordings, with `{…}` where the values go.
fn problem_labels(locale: Locale, channel: Channel) -> ProblemLabels {
    let with = |key: &str| locale.t_args(key, &[("detail", FluentArg::Str("{detail}".into()))]);
    ProblemLabels {
        kinds: vec![
            (
                "unknown_variable",
                with("admin-templates-problem-unknown-variable"),
            ),
            ("syntax", with("admin-templates-problem-syntax")),
            (
                "render_failed",
                with("admin-templates-problem-render-failed"),
            ),
            ("empty", locale.t("admin-templates-problem-empty")),
            (
                "missing_subject",
                locale.t("admin-templates-problem-missing-subject"),
            ),
            ("too_long", with("admin-templates-problem-too-long")),
            ("unsupported", with("admin-templates-problem-unsupported")),
        ],
        at_line: locale.t_args(
            "admin-templates-problem-at-line",
            &[
                ("field", FluentArg::Str("{field}".into())),
                ("line", FluentArg::Str("{line}".into())),
                ("message", FluentArg::Str("{message}".into())),
            ],
        ),
        in_field: locale.t_args(
            "admin-templates-problem-in-field",
            &[
                ("field", FluentArg::Str("{field}".into())),
                ("message", FluentArg::Str("{message}".into())),
            ],
        ),
        subject: locale.t("admin-templates-subject"),
        body: body_label(locale, channel),
    }
}

fn encoding_label(locale: Locale, e: Encoding) -> String {
    match e {
        Encoding::Gsm7 => locale.t("admin-templates-encoding-gsm7"),
        Encoding::Ucs2 => locale.t("admin-templates-encoding-ucs2"),
    }
}

/// A sample value as the template gets it: lists one item a line.
fn sample_text(v: &Value) -> String {
    match v {
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(sample_text).collect::<Vec<_>>().join("\n"),
        Value::Null => String::new(),
        other => other.to_string(),
    }
}

/// Form text with the browser's CRLF line ends made LF, as the API's callers send it.
fn lf(s: &str) -> String {
    s.replace("\r\n", "\n")
}

/// The editor page with `editing` in it, answered with `status`.
async fn editor(
    state: &AppState,
    ctx: &RequestContext,
    event: &str,
    channel: Channel,
    locale: &str,
    editing: Editing,
    status: StatusCode,
) -> Result<Response, WebError> {
    let l = ctx.locale;
    let detail = template_detail(state, event, channel, locale).await?;
    let current = &detail.template;
    let is_email = channel == Channel::Email;

    let (problems, preview) = match editing.problems {
        Some(problems) if !problems.is_empty() => (problems, None),
        _ => match render_preview(state, event, channel, locale, &editing.source) {
            Ok(p) => (
                Vec::new(),
                Some(PreviewView {
                    subject: p.subject.unwrap_or_default(),
                    encoding: encoding_label(l, segments::encoding(&p.text)),
                    text: p.text,
                    html: p.html.unwrap_or_default(),
                    segments: p.segments.unwrap_or(0),
                }),
            ),
            Err(e) => match problems_of(&e, l, channel) {
                Some(problems) => (problems, None),
                None => return Err(e),
            },
        },
    };
    let status = if problems.is_empty() || status != StatusCode::OK {
        status
    } else {
        StatusCode::UNPROCESSABLE_ENTITY
    };

    // The sample values the preview uses: the catalogue's, with the installation's brand.
    let samples = match templates::sample_vars(event, locale) {
        Value::Object(m) => state.accounts().notifier().with_brand_vars(m),
        other => other,
    };
    let spec = templates::event(event);
    let variables = detail
        .variables
        .iter()
        .map(|v| {
            let usage = match spec.and_then(|s| s.variable(&v.name)).map(|s| s.kind) {
                Some(VarKind::Flag) => format!("{{% if {} %}}", v.name),
                Some(VarKind::List) => format!("{{% for item in {} %}}", v.name),
                _ => format!("{{{{ {} }}}}", v.name),
            };
            VariableRow {
                usage,
                meaning: variable_meaning(l, event, &v.name),
                sample: sample_text(samples.get(&v.name).unwrap_or(&v.sample)),
                name: v.name.clone(),
            }
        })
        .collect();

    let saved: Vec<&TemplateJson> = std::iter::once(current)
        .filter(|t| t.version > 0)
        .chain(detail.history.iter())
        .collect();
    let names = editor_names(
        state,
        saved.iter().filter_map(|t| t.updated_by.clone()).collect(),
    )
    .await?;
    let mut versions: Vec<VersionRow> = saved
        .iter()
        .map(|t| VersionRow {
            version: t.version,
            label: version_label(l, t.version),
            saved: t.updated_at.map(when).unwrap_or_default(),
            by: t
                .updated_by
                .as_ref()
                .and_then(|id| names.get(id))
                .cloned()
                .unwrap_or_default(),
            in_use: t.version == current.version,
        })
        .collect();
    versions.push(VersionRow {
        version: 0,
        label: version_label(l, 0),
        saved: String::new(),
        by: String::new(),
        in_use: current.version == 0,
    });

    let page = EditTemplate {
        page: Page::new(state, ctx),
        event: event.to_owned(),
        channel: channel.as_str().to_owned(),
        locale: locale.to_owned(),
        title: event_title(l, event),
        about: event_about(l, event),
        channel_label: channel_label(l, channel.as_str()),
        language_label: language_label(l, locale),
        version_label: version_label(l, current.version),
        mandatory: current.mandatory,
        is_email,
        base_version: editing.base_version,
        subject: editing.source.subject.unwrap_or_default(),
        body: editing.source.body,
        notice: editing.notice,
        conflict: editing.conflict,
        problems,
        has_preview: preview.is_some(),
        preview: preview.unwrap_or_default(),
        labels: problem_labels(l, channel),
        encoding_gsm7: encoding_label(l, Encoding::Gsm7),
        encoding_ucs2: encoding_label(l, Encoding::Ucs2),
        variables,
        versions,
    };
    let mut res = (status, page).into_response();
    res.headers_mut().insert(
        header::CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(EDITOR_CSP),
    );
    Ok(res)
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct EditQuery {
    /// Just saved as this version: say so.
    #[serde(default)]
    pub saved: Option<i32>,
    /// Load this earlier version (0: the shipped default) into the editor.
    #[serde(default)]
    pub version: Option<i32>,
}

/// `GET /admin/templates/{event}/{channel}/{locale}`: the editor, with the version in use (or
/// the one asked for) and its preview.
pub async fn edit(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path((event, channel, locale)): Path<(String, String, String)>,
    Query(q): Query<EditQuery>,
) -> Result<Response, WebError> {
    require_role(&user, &[Role::Admin])?;
    let ch = template_of(&event, &channel, &locale)?;
    let current = current_template(&state, &event, ch, &locale).await?;
    let mut notice = q.saved.map(|v| {
        ctx.locale.t_args(
            "admin-templates-saved",
            &[("version", FluentArg::Num(v.into()))],
        )
    });
    let mut source = TemplateSource {
        subject: current.subject.clone(),
        body: current.body.clone(),
    };
    match q.version {
        Some(v) if v != current.version => {
            let earlier = if v == 0 {
                templates::default_template(&event, ch, &locale)
            } else {
                state
                    .store()
                    .template_versions(&event, ch.as_str(), &locale, 1000)
                    .await
                    .map_err(WebError::internal)?
                    .into_iter()
                    .find(|r| r.version == v)
                    .map(|r| TemplateSource {
                        subject: r.subject,
                        body: r.body,
                    })
            };
            if let Some(earlier) = earlier {
                source = earlier;
                notice = Some(ctx.locale.t_args(
                    "admin-templates-loaded",
                    &[("version", FluentArg::Str(version_label(ctx.locale, v)))],
                ));
            }
        }
        _ => {}
    }
    editor(
        &state,
        &ctx,
        &event,
        ch,
        &locale,
        Editing {
            source,
            base_version: current.version,
            notice,
            conflict: None,
            problems: None,
        },
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct TemplateForm {
    #[serde(default)]
    pub subject: Option<String>,
    #[serde(default)]
    pub body: String,
    /// The version in use when the editor was opened.
    #[serde(default)]
    pub base_version: Option<i32>,
    /// `preview` or `save`.
    #[serde(default)]
    pub action: String,
}

/// `POST /admin/templates/{event}/{channel}/{locale}`: "Preview" shows the page again with the
/// text rendered on sample data; "Save" stores it as a new version (the API's checks and
/// audit) and goes back to the editor, or shows the page again with the problems (422) or,
/// when someone saved since the editor was opened, with the version now in use (409). The
/// admin's text is kept either way.
pub async fn save(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: SignedInUser,
    Path((event, channel, locale)): Path<(String, String, String)>,
    WebForm(form): WebForm<TemplateForm>,
) -> Result<Response, WebError> {
    require_role(&user, &[Role::Admin])?;
    let ch = template_of(&event, &channel, &locale)?;
    let source = TemplateSource {
        subject: form
            .subject
            .as_deref()
            .map(lf)
            .filter(|_| ch == Channel::Email),
        body: lf(&form.body),
    };
    let current = current_template(&state, &event, ch, &locale).await?;
    let base_version = form.base_version.unwrap_or(current.version);
    let conflict = |current: &TemplateJson| ConflictView {
        message: ctx.locale.t_args(
            "admin-templates-conflict",
            &[("version", FluentArg::Num(current.version.into()))],
        ),
        subject: current.subject.clone(),
        body: current.body.clone(),
    };
    let again = |source: TemplateSource,
                 problems: Option<Vec<ProblemView>>,
                 conflict: Option<ConflictView>,
                 status: StatusCode| {
        let base_version = if conflict.is_some() {
            current.version
        } else {
            base_version
        };
        editor(
            &state,
            &ctx,
            &event,
            ch,
            &locale,
            Editing {
                source,
                base_version,
                notice: None,
                conflict,
                problems,
            },
            status,
        )
    };
    if form.action == "preview" {
        return again(source, None, None, StatusCode::OK).await;
    }
    if base_version != current.version {
        let c = conflict(&current);
        return again(source, None, Some(c), StatusCode::CONFLICT).await;
    }
    match store_template(&state, &ctx, &user, &event, ch, &locale, source.clone()).await {
        Ok(row) => Ok(see_other(&format!(
            "/admin/templates/{event}/{}/{locale}?saved={}",
            ch.as_str(),
            row.version
        ))),
        Err(e) if e.code == ErrorCode::AlreadyInUse => {
            // Someone saved in the same instant.
            let now = current_template(&state, &event, ch, &locale).await?;
            let c = conflict(&now);
            editor(
                &state,
                &ctx,
                &event,
                ch,
                &locale,
                Editing {
                    source,
                    base_version: now.version,
                    notice: None,
                    conflict: Some(c),
                    problems: None,
                },
                StatusCode::CONFLICT,
            )
            .await
        }
        Err(e) => match problems_of(&e, ctx.locale, ch) {
            Some(problems) => {
                again(
                    source,
                    Some(problems),
                    None,
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await
            }
            None => Err(e),
        },
    }
}
