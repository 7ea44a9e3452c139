//! Server-rendered pages (askama templates in `crates/web/templates`). Every page gets a
//! [`Page`] with the language, currency and CSRF token; all text comes from the Fluent files.

pub mod account;
pub mod account_data;
pub mod admin;
pub mod admin_templates;
mod airports;
pub mod auth;
pub mod bookings;
mod flights;
mod home;
mod hotel_art;
mod hotels;
mod preferences;

use askama::Template;
use axum::http::StatusCode;
use wayfare_domain::Currency;

use crate::assets;
use crate::error::WebError;
use crate::i18n::{FluentArg, Locale};
use crate::middleware::RequestContext;
use crate::state::AppState;

/// `303 See Other` to `location` (the answer to a form post); `/` if it is not a valid header.
pub(crate) fn see_other(location: &str) -> axum::response::Response {
    use axum::response::IntoResponse;
    let mut res = StatusCode::SEE_OTHER.into_response();
    res.headers_mut().insert(
        axum::http::header::LOCATION,
        axum::http::HeaderValue::from_str(location)
            .unwrap_or_else(|_| axum::http::HeaderValue::from_static("/")),
    );
    res
}

/// A moment on the account pages: `2026-11-24 16:41 UTC`.
pub(crate) fn when(t: chrono::DateTime<chrono::Utc>) -> String {
    t.format("%Y-%m-%d %H:%M UTC").to_string()
}

pub use airports::airports;
pub use flights::{explore, flights};
pub use home::home;
pub use hotels::{deals as hotel_deals, hotel, hotel_photo, hotels};
pub use preferences::set_preferences;

/// One option of a switcher.
#[derive(Debug, Clone)]
pub struct Choice {
    pub value: String,
    pub label: String,
    pub selected: bool,
}

/// What the shared layout needs on every page.
#[derive(Debug, Clone)]
pub struct Page {
    pub locale: Locale,
    pub lang: String,
    pub csrf_token: String,
    pub path: String,
    pub currency: Currency,
    pub locales: Vec<Choice>,
    pub currencies: Vec<Choice>,
    pub asset_version: &'static str,
    /// The signed-in user's name (or address) for the header; empty when signed out.
    pub user_label: String,
    pub signed_in: bool,
    /// Shows the back-office links.
    pub is_admin: bool,
}

impl Page {
    pub fn new(state: &AppState, ctx: &RequestContext) -> Page {
        let locales = Locale::all()
            .into_iter()
            .map(|l| Choice {
                value: l.tag(),
                label: l.native_name(),
                selected: l == ctx.locale,
            })
            .collect();
        let currencies = state
            .rates()
            .currencies()
            .into_iter()
            .map(|c| Choice {
                value: c.code().to_owned(),
                label: format!(
                    "{} · {}",
                    c.code(),
                    ctx.locale.t(&format!("currency-{}", c.code()))
                ),
                selected: c == ctx.currency,
            })
            .collect();
        Page {
            locale: ctx.locale,
            lang: ctx.locale.tag(),
            csrf_token: ctx.csrf_token.clone(),
            path: ctx.path_and_query.clone(),
            currency: ctx.currency,
            locales,
            currencies,
            asset_version: assets::version(),
            user_label: ctx
                .user
                .as_ref()
                .map(|u| user_label(&u.user))
                .unwrap_or_default(),
            signed_in: ctx.user.is_some(),
            is_admin: ctx
                .user
                .as_ref()
                .is_some_and(|u| u.has_role(wayfare_domain::account::Role::Admin)),
        }
    }

    /// The message for `key` in the page's language.
    pub fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }

    /// The message for `key` with one named argument.
    pub fn t1(&self, key: &str, name: &'static str, value: &str) -> String {
        self.locale
            .t_args(key, &[(name, FluentArg::Str(value.to_owned()))])
    }

    /// The message for `key` with one numeric argument (plural forms choose by it).
    pub fn tn(
        &self,
        key: &str,
        name: &'static str,
        value: impl std::borrow::Borrow<i64>,
    ) -> String {
        self.locale
            .t_args(key, &[(name, FluentArg::Num(*value.borrow()))])
    }

    /// A whole number with thousands grouped ("13,446"); zh-CN and en both group by three.
    pub fn count(&self, n: impl std::borrow::Borrow<u64>) -> String {
        let digits = n.borrow().to_string();
        let mut out = String::with_capacity(digits.len() + digits.len() / 3);
        for (i, c) in digits.chars().enumerate() {
            if i > 0 && (digits.len() - i) % 3 == 0 {
                out.push(',');
            }
            out.push(c);
        }
        out
    }

    /// `aria-current` for navigation links.
    pub fn is_current(&self, prefix: &str) -> bool {
        let path = self.path.split('?').next().unwrap_or("");
        if prefix == "/" {
            path == "/"
        } else {
            path.starts_with(prefix)
        }
    }
}

/// What the header calls a user: their name, else their address.
fn user_label(u: &wayfare_store::accounts::UserRow) -> String {
    if let Some(n) = u.name_zh.as_deref().filter(|n| !n.is_empty()) {
        return n.to_owned();
    }
    if let Some(g) = u.given_name.as_deref().filter(|n| !n.is_empty()) {
        return g.to_owned();
    }
    u.email
        .clone()
        .or_else(|| u.phone.clone())
        .unwrap_or_default()
}

#[derive(Template)]
#[template(path = "error.html")]
struct ErrorTemplate {
    page: Page,
    status: u16,
    title: String,
    message: String,
}

/// Renders the error page body (used by the error-rendering middleware).
pub fn error_page(
    state: &AppState,
    ctx: &RequestContext,
    status: StatusCode,
    error: &WebError,
) -> String {
    let page = Page::new(state, ctx);
    let title_key = match status.as_u16() {
        404 => "error-page-title-404",
        403 => "error-page-title-403",
        s if s >= 500 => "error-page-title-500",
        _ => "error-page-title-400",
    };
    let tpl = ErrorTemplate {
        title: page.t(title_key),
        message: error.message(ctx.locale),
        status: status.as_u16(),
        page,
    };
    tpl.render().unwrap_or_else(|e| {
        tracing::error!(error = %e, "error page failed to render");
        error.message(ctx.locale)
    })
}

/// Everything not routed: a localized 404.
pub async fn not_found() -> WebError {
    WebError::not_found()
}
