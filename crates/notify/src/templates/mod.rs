//! Message templates: which events there are and the variables each gets ([`events`]), the
//! texts Wayfare ships for them ([`default_template`]), checking a template an admin wants to
//! save ([`validate`]), rendering one into the plain text that is sent ([`render`]) and the
//! branded HTML part of an e-mail ([`email_html`]). Pure: the store of edited templates and
//! the admin pages are elsewhere.
//!
//! Templates are MiniJinja (Jinja2) text: `{{ reference }}`, `{% if cancelled %}…{% endif %}`,
//! `{% for item in items %}…{% endfor %}`, with a block tag alone on its line leaving no empty
//! line behind. Using a variable the event does not have is an error, as is anything outside
//! the subset that keeps rendering cheap (no `{% set %}`, macros, includes or function calls;
//! see `sandbox.rs`). Output is plain text, nothing is HTML-escaped.

mod catalogue;
mod defaults;
mod html;
mod sandbox;

use minijinja::{AutoEscape, Environment, UndefinedBehavior};
use serde::{Deserialize, Serialize};
use serde_json::Value as Json;

use crate::Channel;
use crate::sms::segments;

pub use catalogue::{EventSpec, VarKind, VarSpec, event, events};
pub use html::{Brand, email_html};

/// The longest template body an admin may save, in characters.
pub const MAX_BODY_CHARS: usize = 20_000;
/// The longest subject template, in characters.
pub const MAX_SUBJECT_CHARS: usize = 1_000;
/// The most SMS parts a message may be sent in: a template whose sample rendering needs more
/// cannot be saved, and a longer rendering is shortened to this.
pub const MAX_SMS_SEGMENTS: usize = 4;

/// A template as an admin edits it: a subject (e-mail only) and a body.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TemplateSource {
    /// Required for e-mail; ignored for SMS.
    pub subject: Option<String>,
    pub body: String,
}

/// What is wrong with a template.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TemplateProblem {
    /// `subject` or `body` (`event` for an unknown event).
    pub field: &'static str,
    pub kind: ProblemKind,
    /// For the admin, in English: the variable's name for [`ProblemKind::UnknownVariable`],
    /// MiniJinja's message for syntax and rendering errors.
    pub detail: String,
    /// 1-based line in the field's template, when known.
    pub line: Option<usize>,
}

impl std::fmt::Display for TemplateProblem {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match self.line {
            Some(line) => write!(f, "{}, line {line}: {}", self.field, self.detail),
            None => write!(f, "{}: {}", self.field, self.detail),
        }
    }
}

impl std::error::Error for TemplateProblem {}

/// The kinds of [`TemplateProblem`]; serialized in snake_case, stable for translations.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum ProblemKind {
    /// The template does not parse.
    Syntax,
    /// It uses a variable its event does not have (on this channel).
    UnknownVariable,
    /// It fails with the sample variables (or, in [`render`], with the real ones): an
    /// attribute or item that is not there, a filter given the wrong type …
    RenderFailed,
    /// The body, or the subject, is empty or renders to nothing.
    Empty,
    /// An e-mail template without a subject.
    MissingSubject,
    /// The source is longer than [`MAX_BODY_CHARS`] / [`MAX_SUBJECT_CHARS`], one expression
    /// is too long (over a hundred parts), an SMS needs more than [`MAX_SMS_SEGMENTS`] parts
    /// with the samples, or rendering would take too much work.
    TooLong,
    /// It uses a construct message templates do not offer (`{% set %}`, macros, includes,
    /// function calls, some filters).
    Unsupported,
    /// No event has that name.
    UnknownEvent,
}

impl ProblemKind {
    /// The snake_case code, as serialized.
    pub fn as_str(self) -> &'static str {
        match self {
            ProblemKind::Syntax => "syntax",
            ProblemKind::UnknownVariable => "unknown_variable",
            ProblemKind::RenderFailed => "render_failed",
            ProblemKind::Empty => "empty",
            ProblemKind::MissingSubject => "missing_subject",
            ProblemKind::TooLong => "too_long",
            ProblemKind::Unsupported => "unsupported",
            ProblemKind::UnknownEvent => "unknown_event",
        }
    }
}

/// A rendered message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Rendered {
    /// E-mail only: one line.
    pub subject: Option<String>,
    /// The plain-text body (the SMS text); see [`email_html`] for an e-mail's HTML part.
    pub text: String,
}

/// Why [`render`] failed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum TemplateError {
    #[error("no message event is called `{0}`")]
    UnknownEvent(String),
    #[error("the template variables must be a JSON object")]
    VariablesNotAnObject,
    #[error("{0}")]
    Template(TemplateProblem),
}

/// The language whose shipped templates serve `language`: `zh-CN` for `zh`, `zh-CN` and
/// `zh-Hans…` (any case, `_` or `-`), `en` for anything else.
pub fn template_language(language: &str) -> &'static str {
    let tag = language.trim().replace('_', "-").to_ascii_lowercase();
    if tag == "zh" || tag == "zh-cn" || tag == "zh-hans" || tag.starts_with("zh-hans-") {
        "zh-CN"
    } else {
        "en"
    }
}

/// The template Wayfare ships for `event` on `channel` in `language` (see
/// [`template_language`]); `None` for an unknown event.
pub fn default_template(event: &str, channel: Channel, language: &str) -> Option<TemplateSource> {
    defaults::shipped(event, channel, template_language(language))
}

/// Whether `source` can be saved as the template of `event` on `channel`: it parses, uses
/// only the event's variables (on that channel) and the supported constructs, and renders
/// with the sample variables in English and Chinese (each flag both ways) to a non-empty text
/// that, for SMS, fits [`MAX_SMS_SEGMENTS`]. An e-mail needs a subject. Every problem found
/// is returned, at most one rendering problem per field.
pub fn validate(
    event: &str,
    channel: Channel,
    source: &TemplateSource,
) -> Result<(), Vec<TemplateProblem>> {
    let Some(spec) = catalogue::event(event) else {
        return Err(vec![TemplateProblem {
            field: "event",
            kind: ProblemKind::UnknownEvent,
            detail: event.to_owned(),
            line: None,
        }]);
    };
    let mut problems = Vec::new();
    if channel == Channel::Email {
        match source.subject.as_deref() {
            Some(s) if !s.trim().is_empty() => check_field(
                spec,
                channel,
                "subject",
                s,
                MAX_SUBJECT_CHARS,
                &mut problems,
            ),
            _ => problems.push(problem(
                "subject",
                ProblemKind::MissingSubject,
                "an e-mail needs a subject",
                None,
            )),
        }
    }
    if source.body.trim().is_empty() {
        problems.push(problem(
            "body",
            ProblemKind::Empty,
            "the message is empty",
            None,
        ));
    } else {
        check_field(
            spec,
            channel,
            "body",
            &source.body,
            MAX_BODY_CHARS,
            &mut problems,
        );
    }
    if problems.is_empty() {
        Ok(())
    } else {
        Err(problems)
    }
}

/// Checks one field of a template and renders it with the samples.
fn check_field(
    spec: &EventSpec,
    channel: Channel,
    field: &'static str,
    source: &str,
    max_chars: usize,
    problems: &mut Vec<TemplateProblem>,
) {
    let chars = source.chars().count();
    if chars > max_chars {
        problems.push(problem(
            field,
            ProblemKind::TooLong,
            format!("{chars} characters; at most {max_chars}"),
            None,
        ));
        return;
    }
    if let Some((what, line)) = sandbox::overlong_tag(source) {
        problems.push(problem(field, ProblemKind::TooLong, what, Some(line)));
        return;
    }
    let env = environment();
    let template = match env.template_from_named_str(field, source) {
        Ok(t) => t,
        Err(e) => {
            problems.push(problem(field, ProblemKind::Syntax, describe(&e), e.line()));
            return;
        }
    };
    let ast = match sandbox::parse(source, field) {
        Ok(ast) => ast,
        Err(e) => {
            problems.push(problem(field, ProblemKind::Syntax, describe(&e), e.line()));
            return;
        }
    };
    let before = problems.len();
    let report = sandbox::inspect(&ast, &samples(spec, Some(channel), "en", false));
    for (what, line) in &report.unsupported {
        if !problems
            .iter()
            .any(|p| p.field == field && p.detail == *what)
        {
            problems.push(problem(field, ProblemKind::Unsupported, what, Some(*line)));
        }
    }
    let mut unknown: Vec<String> = template
        .undeclared_variables(false)
        .into_iter()
        .filter(|name| spec.variables_for(channel).all(|v| v.name != name))
        .collect();
    unknown.sort_by_key(|name| (report.first_use.get(name).copied(), name.clone()));
    for name in unknown {
        let line = report.first_use.get(&name).copied();
        problems.push(problem(field, ProblemKind::UnknownVariable, name, line));
    }
    if problems.len() > before {
        return;
    }
    let flags = spec.variables.iter().any(|v| v.kind == VarKind::Flag);
    for language in defaults::LANGUAGES {
        for flip in [false, true] {
            if flip && !flags {
                continue;
            }
            let vars = samples(spec, Some(channel), language, flip);
            let with = if flip {
                format!("the {language} sample with its flags reversed")
            } else {
                format!("the {language} sample")
            };
            let text = match render_checked(&template, &ast, field, &vars) {
                Ok(text) => text,
                Err(mut p) => {
                    p.detail = format!("with {with}: {}", p.detail);
                    problems.push(p);
                    return;
                }
            };
            let text = if field == "subject" {
                one_line(&text)
            } else {
                tidy(&text)
            };
            if text.is_empty() {
                problems.push(problem(
                    field,
                    ProblemKind::Empty,
                    format!("renders to nothing with {with}"),
                    None,
                ));
                return;
            }
            if channel == Channel::Sms && field == "body" {
                let parts = segments::segments(&text);
                if parts > MAX_SMS_SEGMENTS {
                    problems.push(problem(
                        field,
                        ProblemKind::TooLong,
                        format!("{parts} SMS parts with {with}; at most {MAX_SMS_SEGMENTS}"),
                        None,
                    ));
                    return;
                }
            }
        }
    }
}

/// Renders `source`, the template of `event` on `channel`, with `vars` (an object of strings,
/// numbers, booleans and lists, as [`sample_vars`] makes them): strictly (a variable or
/// attribute that is not there is an error), without HTML escaping, trailing whitespace
/// trimmed and blank lines collapsed to one. An e-mail's subject is made one line. An SMS
/// longer than [`MAX_SMS_SEGMENTS`] parts is shortened at a word (or, in Chinese, after
/// punctuation) with an ellipsis, keeping a link that ends it.
pub fn render(
    event: &str,
    channel: Channel,
    source: &TemplateSource,
    vars: &Json,
) -> Result<Rendered, TemplateError> {
    if catalogue::event(event).is_none() {
        return Err(TemplateError::UnknownEvent(event.to_owned()));
    }
    let Some(vars) = vars.as_object() else {
        return Err(TemplateError::VariablesNotAnObject);
    };
    let subject = match channel {
        Channel::Sms => None,
        Channel::Email => {
            let source = source
                .subject
                .as_deref()
                .filter(|s| !s.trim().is_empty())
                .ok_or_else(|| {
                    TemplateError::Template(problem(
                        "subject",
                        ProblemKind::MissingSubject,
                        "an e-mail needs a subject",
                        None,
                    ))
                })?;
            let subject = one_line(&render_field("subject", source, MAX_SUBJECT_CHARS, vars)?);
            if subject.is_empty() {
                return Err(TemplateError::Template(problem(
                    "subject",
                    ProblemKind::Empty,
                    "the subject renders to nothing",
                    None,
                )));
            }
            Some(subject)
        }
    };
    let mut text = tidy(&render_field("body", &source.body, MAX_BODY_CHARS, vars)?);
    if text.is_empty() {
        return Err(TemplateError::Template(problem(
            "body",
            ProblemKind::Empty,
            "the message renders to nothing",
            None,
        )));
    }
    if channel == Channel::Sms {
        text = fit_sms(&text, MAX_SMS_SEGMENTS);
    }
    Ok(Rendered { subject, text })
}

/// Parses, checks and renders one field with the caller's variables.
fn render_field(
    field: &'static str,
    source: &str,
    max_chars: usize,
    vars: &serde_json::Map<String, Json>,
) -> Result<String, TemplateError> {
    let fail = |kind, detail: String, line| {
        Err(TemplateError::Template(problem(field, kind, detail, line)))
    };
    let chars = source.chars().count();
    if chars > max_chars {
        return fail(
            ProblemKind::TooLong,
            format!("{chars} characters; at most {max_chars}"),
            None,
        );
    }
    if let Some((what, line)) = sandbox::overlong_tag(source) {
        return fail(ProblemKind::TooLong, what, Some(line));
    }
    let env = environment();
    let template = match env.template_from_named_str(field, source) {
        Ok(t) => t,
        Err(e) => return fail(ProblemKind::Syntax, describe(&e), e.line()),
    };
    let ast = match sandbox::parse(source, field) {
        Ok(ast) => ast,
        Err(e) => return fail(ProblemKind::Syntax, describe(&e), e.line()),
    };
    render_checked(&template, &ast, field, vars).map_err(TemplateError::Template)
}

/// Renders `template` after checking its tree `ast` against the subset and the work bound.
fn render_checked(
    template: &minijinja::Template<'_, '_>,
    ast: &minijinja::machinery::ast::Stmt<'_>,
    field: &'static str,
    vars: &serde_json::Map<String, Json>,
) -> Result<String, TemplateProblem> {
    let report = sandbox::inspect(ast, vars);
    if let Some((what, line)) = report.unsupported.first() {
        return Err(problem(field, ProblemKind::Unsupported, what, Some(*line)));
    }
    if report.work > sandbox::MAX_WORK {
        return Err(problem(
            field,
            ProblemKind::TooLong,
            "rendering would take too much work: avoid nested loops and long chains of filters",
            None,
        ));
    }
    template
        .render(vars)
        .map_err(|e| problem(field, ProblemKind::RenderFailed, describe(&e), e.line()))
}

/// Sample variables of `event` in `language`, for previews: every variable on either channel,
/// lists as arrays, flags as booleans, numbers as numbers. An empty object for an unknown
/// event.
pub fn sample_vars(event: &str, language: &str) -> Json {
    match catalogue::event(event) {
        Some(spec) => Json::Object(samples(spec, None, template_language(language), false)),
        None => Json::Object(serde_json::Map::new()),
    }
}

/// The samples of `spec`'s variables on `channel` (all when `None`) in `language` (`en` or
/// `zh-CN`), with flags reversed when `flip`.
fn samples(
    spec: &EventSpec,
    channel: Option<Channel>,
    language: &str,
    flip: bool,
) -> serde_json::Map<String, Json> {
    spec.variables
        .iter()
        .filter(|v| channel.is_none_or(|c| v.channel.is_none_or(|vc| vc == c)))
        .map(|v| {
            let sample = if language == "zh-CN" {
                v.sample_zh
            } else {
                v.sample_en
            };
            let value = match v.kind {
                VarKind::Text => Json::from(sample),
                VarKind::Number => sample.parse::<i64>().map_or(Json::from(sample), Json::from),
                VarKind::Flag => Json::from((sample == "true") != flip),
                VarKind::List => Json::from(sample.lines().collect::<Vec<_>>()),
            };
            (v.name.to_owned(), value)
        })
        .collect()
}

/// The engine as message templates use it.
fn environment<'s>() -> Environment<'s> {
    let mut env = Environment::new();
    env.set_undefined_behavior(UndefinedBehavior::Strict);
    env.set_auto_escape_callback(|_| AutoEscape::None);
    env.set_trim_blocks(true);
    env.set_lstrip_blocks(true);
    env.set_keep_trailing_newline(false);
    env.set_recursion_limit(32);
    env
}

fn problem(
    field: &'static str,
    kind: ProblemKind,
    detail: impl Into<String>,
    line: Option<usize>,
) -> TemplateProblem {
    TemplateProblem {
        field,
        kind,
        detail: detail.into(),
        line,
    }
}

/// MiniJinja's message without the template name and line, which the problem carries.
fn describe(e: &minijinja::Error) -> String {
    match e.detail() {
        Some(detail) => format!("{}: {detail}", e.kind()),
        None => e.kind().to_string(),
    }
}

/// Trailing whitespace off every line, leading and trailing blank lines off, and any run of
/// blank lines made one.
fn tidy(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    let mut blank = false;
    for line in text.lines() {
        let line = line.trim_end();
        if line.is_empty() {
            blank = true;
            continue;
        }
        if !out.is_empty() {
            out.push_str(if blank { "\n\n" } else { "\n" });
        }
        blank = false;
        out.push_str(line);
    }
    out
}

/// A subject: every run of whitespace (newlines included) one space, none at the ends.
fn one_line(text: &str) -> String {
    text.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// `text` in at most `max` SMS parts. When it must be shortened and ends with a link, the
/// link is kept whole and the text before it shortened to leave it room.
fn fit_sms(text: &str, max: usize) -> String {
    if segments::segments(text) <= max {
        return text.to_owned();
    }
    let link_start = [text.rfind("https://"), text.rfind("http://")]
        .into_iter()
        .flatten()
        .max();
    let Some(start) = link_start.filter(|&s| !text[s..].contains(char::is_whitespace)) else {
        return segments::shorten(text, max);
    };
    let (before, link) = text.split_at(start);
    let head = before.trim_end();
    let separator = if before.ends_with('\n') { "\n" } else { " " };
    let tail = format!("{separator}{link}");
    // The link alone must leave room for some text.
    if head.is_empty() || segments::segments(&tail) >= max {
        return segments::shorten(text, max);
    }
    // Shorten the head with a stand-in for the tail in front: `shorten` cuts at the end, and
    // the stand-in costs at least what the tail costs in either encoding.
    let room = tail
        .chars()
        .map(|c| segments::gsm_septets(c).map_or(2, usize::from))
        .sum::<usize>()
        .max(tail.encode_utf16().count());
    let stand_in = "x".repeat(room);
    let shortened = segments::shorten(&format!("{stand_in}{head}"), max);
    if let Some(short_head) = shortened.strip_prefix(&stand_in) {
        let candidate = format!("{short_head}{tail}");
        if !short_head.is_empty() && segments::segments(&candidate) <= max {
            return candidate;
        }
    }
    for parts in (1..max).rev() {
        let candidate = format!("{}{tail}", segments::shorten(head, parts));
        if segments::segments(&candidate) <= max {
            return candidate;
        }
    }
    segments::shorten(text, max)
}

#[cfg(test)]
mod tests;
