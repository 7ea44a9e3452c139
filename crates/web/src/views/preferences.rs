//! The language and currency switchers: a form post (CSRF-checked) that stores the choice in
//! cookies and sends the visitor back where they were.

use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wayfare_domain::Currency;

use crate::error::WebError;
use crate::extract::WebForm;
use crate::i18n::{LANG_COOKIE, Locale};
use crate::middleware::RequestContext;
use crate::middleware::context::{CURRENCY_COOKIE, set_cookie};
use crate::state::AppState;

const ONE_YEAR: u64 = 365 * 24 * 3600;

#[derive(Debug, Deserialize)]
pub struct PreferencesForm {
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    currency: Option<String>,
    #[serde(default)]
    next: Option<String>,
}

/// Only same-site relative paths; anything else goes home (no open redirect). Browsers drop
/// tabs and newlines from URLs, so `/\t/evil.example` would become `//evil.example`: any control
/// character or space disqualifies.
pub(crate) fn safe_next(next: Option<&str>) -> &str {
    match next {
        Some(n)
            if n.starts_with('/')
                && !n.starts_with("//")
                && !n.contains('\\')
                && !n.chars().any(|c| c.is_control() || c.is_whitespace()) =>
        {
            n
        }
        _ => "/",
    }
}

pub async fn set_preferences(
    State(state): State<AppState>,
    ctx: RequestContext,
    WebForm(form): WebForm<PreferencesForm>,
) -> Result<Response, WebError> {
    let secure = state.config().secure_cookies || ctx.secure;
    let mut cookies = Vec::new();
    if let Some(tag) = form.lang.as_deref().filter(|s| !s.is_empty()) {
        let locale = Locale::from_tag(tag)
            .ok_or_else(|| WebError::invalid_field("lang", "reason-unknown-language"))?;
        cookies.push(set_cookie(
            LANG_COOKIE,
            &locale.tag(),
            Some(ONE_YEAR),
            false,
            secure,
        ));
    }
    if let Some(code) = form.currency.as_deref().filter(|s| !s.is_empty()) {
        let currency = Currency::parse(code)
            .ok()
            .filter(|c| state.rates().supports(*c))
            .ok_or_else(|| WebError::invalid_field("currency", "reason-unknown-currency"))?;
        cookies.push(set_cookie(
            CURRENCY_COOKIE,
            currency.code(),
            Some(ONE_YEAR),
            false,
            secure,
        ));
    }
    let location = safe_next(form.next.as_deref());
    let mut res = StatusCode::SEE_OTHER.into_response();
    res.headers_mut().insert(
        header::LOCATION,
        HeaderValue::from_str(location).unwrap_or_else(|_| HeaderValue::from_static("/")),
    );
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    Ok(res)
}

#[cfg(test)]
mod tests {
    use super::safe_next;

    #[test]
    fn next_is_never_an_open_redirect() {
        assert_eq!(safe_next(Some("/flights?x=1")), "/flights?x=1");
        assert_eq!(safe_next(Some("//evil.example")), "/");
        assert_eq!(safe_next(Some("https://evil.example")), "/");
        assert_eq!(safe_next(Some("/\\evil.example")), "/");
        assert_eq!(safe_next(None), "/");
        assert_eq!(safe_next(Some("/\t/evil.example")), "/");
        assert_eq!(safe_next(Some("/ /evil.example")), "/");
    }
}
