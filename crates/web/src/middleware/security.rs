//! Security headers on every response. Scripts and styles only from our own origin (no inline
//! script anywhere); the API docs page gets the looser style rule Swagger UI needs.

use axum::extract::{Request, State};
use axum::http::{HeaderValue, header};
use axum::middleware::Next;
use axum::response::Response;

use crate::state::AppState;

const CSP: &str = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; form-action 'self'; \
frame-ancestors 'none'";

const CSP_API_DOCS: &str = "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; \
img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'self'; \
form-action 'self'; frame-ancestors 'none'";

pub async fn security_headers(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let docs = req.uri().path().starts_with("/api/docs");
    // The payment page loads Stripe.js, which talks to Stripe and frames its card field.
    let pay_page = req.uri().path().starts_with("/bookings/") && req.uri().path().ends_with("/pay");
    let forwarded_https = state.config().trust_forwarded_proto
        && req
            .headers()
            .get("x-forwarded-proto")
            .and_then(|v| v.to_str().ok())
            .is_some_and(|p| p.eq_ignore_ascii_case("https"));
    let mut res = next.run(req).await;
    let h = res.headers_mut();
    let csp = match tile_origin(state.config().map_tiles_url.as_deref()) {
        Some(origin) if !docs => HeaderValue::from_str(&CSP.replace(
            "img-src 'self' data:;",
            &format!("img-src 'self' data: {origin};"),
        ))
        .unwrap_or_else(|_| HeaderValue::from_static(CSP)),
        _ => HeaderValue::from_static(if docs { CSP_API_DOCS } else { CSP }),
    };
    let csp = match (pay_page, &state.config().stripe_js) {
        (true, Some(stripe)) => csp
            .to_str()
            .ok()
            .and_then(|c| HeaderValue::from_str(&with_stripe(c, &stripe.js_url)).ok())
            .unwrap_or(csp),
        _ => csp,
    };
    h.insert(header::CONTENT_SECURITY_POLICY, csp);
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    // A page may ask for a stricter policy (a reset link carries its secret in the URL).
    if !h.contains_key(header::REFERRER_POLICY) {
        h.insert(
            header::REFERRER_POLICY,
            HeaderValue::from_static("strict-origin-when-cross-origin"),
        );
    }
    h.insert(
        "permissions-policy",
        HeaderValue::from_static("camera=(), microphone=(), payment=(self), geolocation=(self)"),
    );
    h.insert(
        "cross-origin-opener-policy",
        HeaderValue::from_static("same-origin"),
    );
    if state.config().hsts || forwarded_https {
        h.insert(
            header::STRICT_TRANSPORT_SECURITY,
            HeaderValue::from_static("max-age=31536000; includeSubDomains"),
        );
    }
    res
}

/// `csp` opened to Stripe.js at `js_url`: its script, the frames it draws the card field in, and
/// the API it sends the card to (Stripe's published CSP: js.stripe.com, hooks.stripe.com,
/// api.stripe.com; a test's fake Stripe serves all three from one origin).
fn with_stripe(csp: &str, js_url: &str) -> String {
    let Some(origin) = tile_origin(Some(js_url)) else {
        return csp.to_owned();
    };
    let (frames, api) = if origin == "https://js.stripe.com" {
        (
            format!("{origin} https://hooks.stripe.com"),
            "https://api.stripe.com".to_owned(),
        )
    } else {
        (origin.clone(), origin.clone())
    };
    csp.replace(
        "script-src 'self';",
        &format!("script-src 'self' {origin};"),
    )
    .replace("connect-src 'self';", &format!("connect-src 'self' {api};"))
    .replace(
        "object-src 'none';",
        &format!("frame-src {frames}; object-src 'none';"),
    )
}

/// The origin (`https://tile.example:8080`) of the configured map tiles, which pages may load
/// as images; `None` when unset or same-origin (a relative URL).
fn tile_origin(url: Option<&str>) -> Option<String> {
    let url = url?;
    let (scheme, rest) = url.split_once("://")?;
    if scheme != "https" && scheme != "http" {
        return None;
    }
    let host = rest.split(['/', '?', '#']).next()?;
    let safe = !host.is_empty()
        && host
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | ':' | '{' | '}'));
    // `{s}` subdomains (a.tile…, b.tile…) become a wildcard; no other placeholder may be there.
    let host = host.replace("{s}", "*");
    (safe && !host.contains(['{', '}'])).then(|| format!("{scheme}://{host}"))
}

#[cfg(test)]
mod tests {
    use super::tile_origin;

    #[test]
    fn stripe_js_is_allowed_where_stripe_documents_it() {
        let csp = super::with_stripe(super::CSP, "https://js.stripe.com/v3/");
        assert!(
            csp.contains("script-src 'self' https://js.stripe.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("connect-src 'self' https://api.stripe.com;"),
            "{csp}"
        );
        assert!(
            csp.contains("frame-src https://js.stripe.com https://hooks.stripe.com;"),
            "{csp}"
        );
        let fake = super::with_stripe(super::CSP, "http://127.0.0.1:4100/v3/");
        assert!(
            fake.contains("script-src 'self' http://127.0.0.1:4100;"),
            "{fake}"
        );
        assert!(
            fake.contains("connect-src 'self' http://127.0.0.1:4100;"),
            "{fake}"
        );
        assert_eq!(
            super::with_stripe(super::CSP, "javascript:alert(1)"),
            super::CSP
        );
    }

    #[test]
    fn tile_servers_are_allowed_by_origin_only() {
        assert_eq!(
            tile_origin(Some("https://{s}.tile.openstreetmap.org/{z}/{x}/{y}.png")).as_deref(),
            Some("https://*.tile.openstreetmap.org")
        );
        assert_eq!(
            tile_origin(Some("http://127.0.0.1:9000/tiles/{z}/{x}/{y}.png")).as_deref(),
            Some("http://127.0.0.1:9000")
        );
        assert_eq!(tile_origin(Some("/tiles/{z}/{x}/{y}.png")), None);
        assert_eq!(tile_origin(Some("javascript://x")), None);
        assert_eq!(tile_origin(Some("https://a.b; script-src *")), None);
        assert_eq!(tile_origin(None), None);
    }
}
