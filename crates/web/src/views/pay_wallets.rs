//! Paying from the payment page with WeChat Pay and with Klarna.
//!
//! **WeChat Pay** is placed the way the traveller's browser can pay:
//! - inside WeChat (`MicroMessenger` in the user agent) with the payer's openid known: a JSAPI
//!   order, paid in WeChat's own payment sheet (`WeixinJSBridge`); the openid comes from
//!   WeChat's web authorisation (`snsapi_base`, no prompt) when the official account's secret
//!   is configured, and is kept in a cookie;
//! - inside WeChat without it: a Native order, whose QR code the payer long-presses;
//! - in a phone's browser: an H5 order, paid on WeChat Pay's page, which returns here;
//! - on a computer: a Native order, its QR code scanned with the phone.
//!
//! `/bookings/{id}/wechat` shows what is pending (QR code, the JSAPI sheet, the H5 link), looks
//! again every few seconds (WeChat Pay's notification moves the order on), and answers "I have
//! paid" (the trade is queried) and "pay another way" (the trade is closed).
//!
//! **Klarna**: the page asks `/bookings/{id}/klarna-session` for a session, Klarna's widget
//! (its JS SDK) authorises the traveller, and the authorisation token pays the order.

use askama::Template;
use askama_web::WebTemplate;
use axum::Json;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde::Deserialize;
use wayfare_booking::{BookingError, OrderView, PayRequest, PaymentView, Viewer};
use wayfare_domain::order::OrderStatus;
use wayfare_domain::payment::methods::MethodKind;
use wayfare_payments::wechatpay::oauth::OAuthError;
use wayfare_payments::wechatpay::{
    JSAPI_DESCRIPTOR_PREFIX, METHOD_H5, METHOD_JSAPI_PREFIX, METHOD_NATIVE,
};

use super::{
    Countdown, PayChoice, Words, actor_of, answer_payment, countdown, expired_page, load_order,
    nonce, render_pay, with_cookies,
};
use crate::error::WebError;
use crate::extract::WebForm;
use crate::middleware::RequestContext;
use crate::middleware::context::cookie_value;
use crate::state::AppState;
use crate::views::{Page, see_other};

/// The payer's openid under our app id, once WeChat told us.
const OPENID_COOKIE: &str = "wf_wx_openid";

/// The web authorisation under way: `<state>.<idempotency key of the payment>`.
const STATE_COOKIE: &str = "wf_wx_state";

/// How long the openid is remembered (it is the same for every visit of this WeChat user).
const OPENID_COOKIE_SECS: u64 = 30 * 24 * 3600;

/// Seconds between looks while a WeChat payment is pending.
const REFRESH_SECS: u32 = 4;

fn user_agent(headers: &HeaderMap) -> String {
    headers
        .get(header::USER_AGENT)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_ascii_lowercase()
}

/// WeChat's own browser (official accounts, chats, the in-app browser).
fn in_wechat(headers: &HeaderMap) -> bool {
    user_agent(headers).contains("micromessenger")
}

/// A phone's browser: H5 payments are for these.
fn on_phone(headers: &HeaderMap) -> bool {
    let ua = user_agent(headers);
    ["iphone", "android", "mobile", "ipad", "harmonyos"]
        .iter()
        .any(|m| ua.contains(m))
}

/// An openid as WeChat issues them (1–128 of `[A-Za-z0-9_-]`).
fn valid_openid(s: &str) -> bool {
    (1..=128).contains(&s.len())
        && s.bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

fn cookie_flags(state: &AppState, ctx: &RequestContext) -> &'static str {
    if state.config().secure_cookies || ctx.secure {
        "; Secure"
    } else {
        ""
    }
}

fn public_base(state: &AppState) -> String {
    state
        .accounts()
        .config()
        .public_base_url
        .trim_end_matches('/')
        .to_owned()
}

/// How this browser pays with WeChat Pay: a payment method, or first WeChat's authorisation.
pub(super) enum WeChatWay {
    Method(String),
    Authorize(Response),
}

/// The WeChat Pay method for this browser (see the module docs); inside WeChat with the
/// authorisation configured and no openid yet, the redirect to WeChat's authorisation, which
/// comes back to [`wechat_authorized`] to place the payment under `key`.
pub(super) fn wechat_way(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    order_id: &str,
    key: &str,
) -> WeChatWay {
    if !in_wechat(headers) {
        let method = if on_phone(headers) {
            METHOD_H5
        } else {
            METHOD_NATIVE
        };
        return WeChatWay::Method(method.to_owned());
    }
    if let Some(openid) = cookie_value(headers, OPENID_COOKIE).filter(|o| valid_openid(o)) {
        return WeChatWay::Method(format!("{METHOD_JSAPI_PREFIX}{openid}"));
    }
    let Some(oauth) = &state.config().wechat_oauth else {
        // Without the official account's secret: the QR code, which WeChat reads on a long
        // press.
        return WeChatWay::Method(METHOD_NATIVE.to_owned());
    };
    let st = nonce();
    let back = format!(
        "{}/bookings/{order_id}/wechat/authorized",
        public_base(state)
    );
    let cookie = HeaderValue::from_str(&format!(
        "{STATE_COOKIE}={st}.{key}; Path=/bookings/{order_id}/wechat; Max-Age=600; SameSite=Lax; HttpOnly{}",
        cookie_flags(state, ctx)
    ));
    let res = see_other(&oauth.authorize_url(&back, &st));
    WeChatWay::Authorize(with_cookies(res, cookie.into_iter().collect()))
}

/// The pending WeChat Pay payment of an order, if that is what it waits for.
fn pending_wechat(view: &OrderView) -> Option<&PaymentView> {
    view.pending_action()
        .filter(|p| p.provider == wayfare_payments::wechatpay::NAME)
}

/// Where a traveller goes for a pending WeChat Pay payment: WeChat Pay's H5 page (which sends
/// them back to our WeChat page), or our WeChat page for a QR code or WeChat's payment sheet.
pub(super) fn wechat_next(state: &AppState, view: &OrderView) -> Option<String> {
    let p = pending_wechat(view)?;
    let url = p.next_action_url.as_deref()?;
    let ours = format!("/bookings/{}/wechat", view.id);
    if url.starts_with("https://") || url.starts_with("http://") {
        let back = format!("{}{ours}", public_base(state));
        let sep = if url.contains('?') { '&' } else { '?' };
        let query = serde_urlencoded::to_string([("redirect_url", back)]).ok()?;
        return Some(format!("{url}{sep}{query}"));
    }
    Some(ours)
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/wechat.html")]
pub struct WeChatTemplate {
    page: Page,
    id: String,
    reference: String,
    amount: String,
    hold: Countdown,
    /// `native`, `jsapi` or `h5`.
    kind: &'static str,
    /// The Native order's QR code, as a `data:` URI of its SVG.
    qr: Option<String>,
    /// The arguments of `getBrandWCPayRequest`, as JSON.
    invoke: Option<String>,
    /// The H5 page, to go back to.
    h5_url: Option<String>,
    refresh_secs: u32,
    notice: Option<String>,
}

#[derive(Debug, Deserialize, Default)]
pub struct WeChatQuery {
    #[serde(default)]
    notice: Option<String>,
}

/// Where an order that no longer waits for WeChat Pay goes: paying again, or its page.
fn not_waiting(view: &OrderView) -> Response {
    match view.status {
        OrderStatus::Held => see_other(&format!("/bookings/{}/pay", view.id)),
        _ => see_other(&format!("/bookings/{}", view.id)),
    }
}

/// The JSAPI descriptor's six arguments as the JSON object `getBrandWCPayRequest` takes.
fn invoke_arguments(descriptor: &str) -> Option<String> {
    let query = descriptor.strip_prefix(JSAPI_DESCRIPTOR_PREFIX)?;
    let pairs: Vec<(String, String)> = serde_urlencoded::from_str(query).ok()?;
    let map: serde_json::Map<String, serde_json::Value> = pairs
        .into_iter()
        .filter(|(k, _)| {
            matches!(
                k.as_ref(),
                "appId" | "timeStamp" | "nonceStr" | "package" | "signType" | "paySign"
            )
        })
        .map(|(k, v)| (k, serde_json::Value::String(v)))
        .collect();
    (map.len() == 6).then(|| serde_json::Value::Object(map).to_string())
}

/// `GET /bookings/{id}/wechat`: the pending WeChat Pay payment.
pub async fn wechat_page(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<WeChatQuery>,
) -> Result<Response, WebError> {
    let (order, _) = load_order(&state, &ctx, &headers, &id).await?;
    let Some(p) = pending_wechat(&order).filter(|_| order.status == OrderStatus::AwaitingPayment)
    else {
        if order.status == OrderStatus::AwaitingPayment {
            return Ok(see_other(&format!("/bookings/{id}?notice=in-progress")));
        }
        return Ok(not_waiting(&order));
    };
    let w = Words::new(&state, &ctx);
    let url = p.next_action_url.clone().unwrap_or_default();
    let (kind, qr, invoke, h5_url) = if url.starts_with(JSAPI_DESCRIPTOR_PREFIX) {
        ("jsapi", None, invoke_arguments(&url), None)
    } else if url.starts_with("https://") || url.starts_with("http://") {
        ("h5", None, None, wechat_next(&state, &order))
    } else {
        let svg = wayfare_accounts::twofactor::qr_svg(&url).map_err(WebError::internal)?;
        let data =
            base64::Engine::encode(&base64::engine::general_purpose::STANDARD, svg.as_bytes());
        (
            "native",
            Some(format!("data:image/svg+xml;base64,{data}")),
            None,
            None,
        )
    };
    let notice = q
        .notice
        .as_deref()
        .filter(|n| matches!(*n, "not-yet" | "unavailable" | "cancelled" | "failed"))
        .map(|n| w.t(&format!("bookings-wechat-notice-{n}")));
    let tpl = WeChatTemplate {
        page: Page::new(&state, &ctx),
        id: order.id.clone(),
        reference: order.reference.clone(),
        amount: w.money(p.amount),
        hold: countdown(order.hold_expires_at, state.orders().now()),
        kind,
        qr,
        invoke,
        h5_url,
        refresh_secs: REFRESH_SECS,
        notice,
    };
    Ok(tpl.into_response())
}

#[derive(Debug, Deserialize)]
pub struct WeChatAnswerForm {
    /// `check` (the traveller says they paid) or `cancel` (pay another way).
    #[serde(default)]
    action: String,
}

/// `POST /bookings/{id}/wechat`: "I have paid" asks WeChat Pay; "pay another way" closes the
/// trade and goes back to the payment page.
pub async fn wechat_answer(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebForm(form): WebForm<WeChatAnswerForm>,
) -> Result<Response, WebError> {
    let (order, viewer) = load_order(&state, &ctx, &headers, &id).await?;
    let Some(p) = pending_wechat(&order) else {
        return Ok(not_waiting(&order));
    };
    let cancel = form.action.trim() == "cancel";
    let answer = state
        .orders()
        .complete_payment_action(&id, &p.id, !cancel, &viewer, &actor_of(&viewer))
        .await;
    Ok(match answer {
        Ok(view) if view.status == OrderStatus::AwaitingPayment => {
            see_other(&format!("/bookings/{id}/wechat?notice=not-yet"))
        }
        Ok(view) => not_waiting(&view),
        Err(BookingError::PaymentDeclined { code, .. }) if !cancel => {
            see_other(&format!("/bookings/{id}/pay?declined={code}"))
        }
        Err(BookingError::PaymentDeclined { .. }) => see_other(&format!("/bookings/{id}/pay")),
        Err(BookingError::PaymentUnavailable) => {
            see_other(&format!("/bookings/{id}/wechat?notice=unavailable"))
        }
        Err(BookingError::HoldExpired) => {
            let order = state.orders().get(&id, &viewer).await.unwrap_or(order);
            expired_page(&state, &ctx, &order)
        }
        Err(e) => return Err(e.into()),
    })
}

#[derive(Debug, Deserialize, Default)]
pub struct AuthorizedQuery {
    #[serde(default)]
    code: Option<String>,
    #[serde(default)]
    state: Option<String>,
}

/// `GET /bookings/{id}/wechat/authorized`: back from WeChat's web authorisation with a code;
/// the openid it stands for places the JSAPI payment the traveller asked for.
pub async fn wechat_authorized(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<AuthorizedQuery>,
) -> Result<Response, WebError> {
    let (order, viewer) = load_order(&state, &ctx, &headers, &id).await?;
    let w = Words::new(&state, &ctx);
    let chosen = PayChoice {
        method: MethodKind::WeChatPay.as_str().to_owned(),
        ..PayChoice::default()
    };
    if order.status != OrderStatus::Held {
        return Ok(not_waiting(&order));
    }
    // The authorisation this browser started (its state matches), and the payment it was for.
    let started = cookie_value(&headers, STATE_COOKIE)
        .and_then(|v| v.split_once('.'))
        .filter(|(st, key)| q.state.as_deref() == Some(*st) && (1..=100).contains(&key.len()))
        .map(|(_, key)| key.to_owned());
    let code = q.code.as_deref().map(str::trim).unwrap_or_default();
    let (Some(key), Some(oauth), false) = (
        started,
        state.config().wechat_oauth.as_ref(),
        code.is_empty(),
    ) else {
        let message = w.t("bookings-wechat-authorize-failed");
        return refused(&state, &ctx, &order, &viewer, &chosen, message).await;
    };
    let openid = match oauth.openid(code).await {
        Ok(openid) => openid,
        Err(e) => {
            tracing::info!(order = %id, error = ?e, "WeChat authorisation refused");
            let key = match e {
                OAuthError::Unavailable(_) => "bookings-wechat-unavailable",
                _ => "bookings-wechat-authorize-failed",
            };
            return refused(&state, &ctx, &order, &viewer, &chosen, w.t(key)).await;
        }
    };
    let flags = cookie_flags(&state, &ctx);
    let cookies: Vec<HeaderValue> = [
        format!("{OPENID_COOKIE}={openid}; Path=/bookings; Max-Age={OPENID_COOKIE_SECS}; SameSite=Lax; HttpOnly{flags}"),
        format!("{STATE_COOKIE}=; Path=/bookings/{id}/wechat; Max-Age=0; SameSite=Lax; HttpOnly{flags}"),
    ]
    .iter()
    .filter_map(|c| HeaderValue::from_str(c).ok())
    .collect();
    let result = state
        .orders()
        .pay(
            &id,
            &viewer,
            &actor_of(&viewer),
            &PayRequest {
                method: Some(MethodKind::WeChatPay),
                payment_method: format!("{METHOD_JSAPI_PREFIX}{openid}"),
                idempotency_key: key,
                payer_ip: ctx.ip.clone(),
                ..PayRequest::default()
            },
        )
        .await;
    let res = answer_payment(&state, &ctx, &id, order, &viewer, &chosen, result).await?;
    Ok(with_cookies(res, cookies))
}

/// The payment page again, with why WeChat could not be used.
async fn refused(
    state: &AppState,
    ctx: &RequestContext,
    order: &OrderView,
    viewer: &Viewer,
    chosen: &PayChoice,
    message: String,
) -> Result<Response, WebError> {
    render_pay(
        state,
        ctx,
        order,
        viewer,
        chosen,
        Some(message),
        StatusCode::UNPROCESSABLE_ENTITY,
    )
    .await
}

/// `POST /bookings/{id}/klarna-session` (from the page's script, with the CSRF header): a
/// Klarna session for the widget, as JSON `{client_token, categories}`; an error as
/// `{"error": message}` in the page's language.
pub async fn klarna_session(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Response {
    let answer = async {
        let (_, viewer) = load_order(&state, &ctx, &headers, &id).await?;
        let session = state.orders().klarna_session(&id, &viewer, None).await?;
        Ok::<_, WebError>(session)
    }
    .await;
    match answer {
        Ok(s) => Json(serde_json::json!({
            "client_token": s.client_token,
            "categories": s.payment_method_categories,
        }))
        .into_response(),
        Err(e) => (
            e.code.status(),
            Json(serde_json::json!({"error": e.message(ctx.locale)})),
        )
            .into_response(),
    }
}
