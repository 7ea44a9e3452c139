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
    // The payment page loads the providers' widgets (Stripe.js, Klarna) and sends travellers on
    // to the providers' pages.
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
    let csp = if pay_page {
        let c = state.config();
        let opened = with_payment_widgets(
            csp.to_str().unwrap_or(CSP),
            c.stripe_js.as_ref().map(|s| s.js_url.as_str()),
            c.klarna_js_url.as_deref(),
            &c.payment_redirect_origins,
        );
        HeaderValue::from_str(&opened).unwrap_or(csp)
    } else {
        csp
    };
    // A response may bring its own, stricter policy (the demo mailbox's sandboxed e-mail,
    // shown in a frame of our own page).
    if !h.contains_key(header::CONTENT_SECURITY_POLICY) {
        h.insert(header::CONTENT_SECURITY_POLICY, csp);
    }
    h.insert(
        header::X_CONTENT_TYPE_OPTIONS,
        HeaderValue::from_static("nosniff"),
    );
    if !h.contains_key(header::X_FRAME_OPTIONS) {
        h.insert(header::X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    }
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

/// The payment page's `csp`, opened to what the configured providers need there:
/// - Stripe.js at `stripe_js`: its script, the frames it draws the card field in, and the API
///   it sends the card to (Stripe's published CSP: js.stripe.com, hooks.stripe.com,
///   api.stripe.com; a test's fake Stripe serves all three from one origin);
/// - Klarna's JS SDK at `klarna_js`: its script, and the frames and APIs of its widget on
///   Klarna's domains (`*.klarna.com`, `*.klarnacdn.net`, `*.klarnaservices.com`; a fake serves
///   everything from one origin);
/// - `redirects`: the providers' pages the payment form's answer sends the traveller to
///   (PayPal, Alipay, WeChat Pay, a bank's check), which `form-action` must allow because
///   browsers check it on the redirect after a form is sent.
fn with_payment_widgets(
    csp: &str,
    stripe_js: Option<&str>,
    klarna_js: Option<&str>,
    redirects: &[String],
) -> String {
    let mut script = Vec::new();
    let mut connect = Vec::new();
    let mut frame = Vec::new();
    let mut img = Vec::new();
    if let Some(origin) = stripe_js.and_then(|u| tile_origin(Some(u))) {
        if origin == "https://js.stripe.com" {
            frame.push(format!("{origin} https://hooks.stripe.com"));
            connect.push("https://api.stripe.com".to_owned());
        } else {
            frame.push(origin.clone());
            connect.push(origin.clone());
        }
        script.push(origin);
    }
    if let Some(origin) = klarna_js.and_then(|u| tile_origin(Some(u))) {
        if origin == "https://x.klarnacdn.net" {
            let domains =
                "https://*.klarna.com https://*.klarnacdn.net https://*.klarnaservices.com";
            frame.push(domains.to_owned());
            connect.push(domains.to_owned());
            img.push(domains.to_owned());
        } else {
            frame.push(origin.clone());
            connect.push(origin.clone());
        }
        script.push(origin);
    }
    let forms: Vec<String> = redirects
        .iter()
        .filter_map(|u| tile_origin(Some(u)))
        .collect();
    let add = |csp: String, directive: &str, extra: &[String]| {
        if extra.is_empty() {
            return csp;
        }
        csp.replacen(directive, &format!("{directive} {}", extra.join(" ")), 1)
    };
    let mut out = add(csp.to_owned(), "script-src 'self'", &script);
    out = add(out, "connect-src 'self'", &connect);
    out = add(out, "img-src 'self' data:", &img);
    out = add(out, "form-action 'self'", &forms);
    if !frame.is_empty() {
        out = out.replacen(
            "object-src 'none';",
            &format!("frame-src {}; object-src 'none';", frame.join(" ")),
            1,
        );
    }
    out
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

    fn opened(stripe: Option<&str>, klarna: Option<&str>, redirects: &[&str]) -> String {
        let redirects: Vec<String> = redirects.iter().map(|r| (*r).to_owned()).collect();
        super::with_payment_widgets(super::CSP, stripe, klarna, &redirects)
    }

    #[test]
    fn stripe_js_is_allowed_where_stripe_documents_it() {
        let csp = opened(Some("https://js.stripe.com/v3/"), None, &[]);
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
        let fake = opened(Some("http://127.0.0.1:4100/v3/"), None, &[]);
        assert!(
            fake.contains("script-src 'self' http://127.0.0.1:4100;"),
            "{fake}"
        );
        assert!(
            fake.contains("connect-src 'self' http://127.0.0.1:4100;"),
            "{fake}"
        );
        assert_eq!(opened(Some("javascript:alert(1)"), None, &[]), super::CSP);
    }

    #[test]
    fn klarna_and_stripe_together_and_the_providers_pages_for_forms() {
        let csp = opened(
            Some("https://js.stripe.com/v3/"),
            Some("https://x.klarnacdn.net/kp/lib/v1/api.js"),
            &[
                "https://www.paypal.com",
                "https://wx.tenpay.com/cgi-bin",
                "javascript:x",
            ],
        );
        assert!(
            csp.contains("script-src 'self' https://js.stripe.com https://x.klarnacdn.net;"),
            "{csp}"
        );
        assert!(
            csp.contains(
                "frame-src https://js.stripe.com https://hooks.stripe.com https://*.klarna.com"
            ),
            "{csp}"
        );
        assert!(
            csp.contains("connect-src 'self' https://api.stripe.com https://*.klarna.com"),
            "{csp}"
        );
        assert!(
            csp.contains("form-action 'self' https://www.paypal.com https://wx.tenpay.com;"),
            "{csp}"
        );
        assert_eq!(csp.matches("frame-src").count(), 1, "{csp}");
        assert_eq!(opened(None, None, &[]), super::CSP);
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
