//! A fake PayPal REST API for the connector's tests: an axum server on 127.0.0.1:0 enforcing
//! what PayPal enforces (payments.md §2): OAuth2 client credentials and bearer tokens that
//! expire, amount formats per currency, `PayPal-Request-Id` replays, the order, authorisation,
//! capture and refund state machines, and webhook verification of what it sent itself.
//! Tests drive the buyer's side (approve, decline), inject outages and read every request.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{DateTime, SecondsFormat, Utc};
use rand::Rng;
use rand::distr::Alphanumeric;
use serde_json::{Value, json};
use wayfare_domain::Currency;

/// Who the fake accepts and how it issues tokens.
#[derive(Debug, Clone)]
pub struct FakeConfig {
    pub client_id: String,
    pub client_secret: String,
    /// `expires_in` of issued tokens; also when the fake stops accepting them.
    pub expires_in: u64,
    /// The webhook registration the fake signs for.
    pub webhook_id: String,
}

impl Default for FakeConfig {
    fn default() -> Self {
        FakeConfig {
            client_id: "fake-client-id".into(),
            client_secret: "fake-client-secret-XYZ".into(),
            expires_in: 3600,
            webhook_id: "WH-REGISTRATION-1".into(),
        }
    }
}

/// An outage to simulate on every API call (the token endpoint keeps working).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 500 INTERNAL_SERVER_ERROR.
    ServerError,
    /// Never answers.
    Hang,
    /// Refuses every bearer token, even fresh ones, with 401.
    RejectTokens,
}

/// A request as the fake received it.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path: String,
    /// Lower-case names.
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Received {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
struct Order {
    id: String,
    intent: String,
    currency: String,
    /// In PayPal's decimal units of the currency (cents for USD, yen for JPY).
    value: i64,
    reference_id: Option<String>,
    custom_id: Option<String>,
    invoice_id: Option<String>,
    description: Option<String>,
    status: String,
    payment_source: Option<Value>,
    declined: bool,
    authorization: Option<String>,
    captures: Vec<String>,
    create_time: String,
}

#[derive(Debug, Clone)]
struct Authorization {
    id: String,
    order_id: String,
    currency: String,
    value: i64,
    captured: i64,
    status: String,
    create_time: String,
}

#[derive(Debug, Clone)]
struct CaptureRec {
    id: String,
    order_id: String,
    authorization_id: Option<String>,
    currency: String,
    value: i64,
    refunded: i64,
    status: String,
    final_capture: bool,
    create_time: String,
}

#[derive(Debug, Clone)]
struct RefundRec {
    id: String,
    capture_id: String,
    currency: String,
    value: i64,
    status: String,
    custom_id: Option<String>,
    note_to_payer: Option<String>,
    create_time: String,
}

#[derive(Debug, Clone)]
struct Transmission {
    id: String,
    time: String,
    sig: String,
    cert_url: String,
    auth_algo: String,
    webhook_id: String,
    event: Value,
}

#[derive(Default)]
struct FakeState {
    tokens: HashMap<String, Instant>,
    token_fetches: usize,
    orders: Vec<Order>,
    authorizations: Vec<Authorization>,
    captures: Vec<CaptureRec>,
    refunds: Vec<RefundRec>,
    replays: HashMap<String, (StatusCode, Value)>,
    requests: Vec<Received>,
    fault: Option<Fault>,
    transmissions: Vec<Transmission>,
    /// Revoke every token when a request with this method and path arrives (once).
    revoke_at: Option<(String, String)>,
}

struct Shared {
    config: FakeConfig,
    base_url: String,
    state: Mutex<FakeState>,
}

/// The running fake. Dropping it stops the server.
pub struct FakePayPal {
    pub base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakePayPal {
    fn drop(&mut self) {
        self.server.abort();
    }
}

fn now_string() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn random_id(len: usize) -> String {
    rand::rng()
        .sample_iter(&Alphanumeric)
        .take(len)
        .map(|b| char::from(b).to_ascii_uppercase())
        .collect()
}

/// PayPal's decimals for a currency: none for JPY, HUF and TWD; ISO's otherwise.
fn decimals(code: &str) -> Option<u32> {
    match code {
        "JPY" | "HUF" | "TWD" => Some(0),
        _ => Currency::parse(code).ok().map(Currency::exponent),
    }
}

fn format_value(units: i64, currency: &str) -> String {
    let d = decimals(currency).unwrap_or(2);
    if d == 0 {
        return units.to_string();
    }
    let scale = 10i64.pow(d);
    format!(
        "{}.{:0width$}",
        units / scale,
        units % scale,
        width = d as usize
    )
}

fn amount(units: i64, currency: &str) -> Value {
    json!({ "currency_code": currency, "value": format_value(units, currency) })
}

type Answer = (StatusCode, Value);

fn error(status: StatusCode, name: &str, message: &str, issue: Option<(&str, &str)>) -> Answer {
    let mut body = json!({
        "name": name,
        "message": message,
        "debug_id": random_id(13).to_ascii_lowercase(),
        "links": [{ "href": "https://developer.paypal.com/docs/api/orders/v2/", "rel": "information_link" }],
    });
    if let Some((issue, description)) = issue {
        body["details"] = json!([{ "issue": issue, "description": description }]);
    }
    (status, body)
}

fn invalid(issue: &str, description: &str) -> Answer {
    error(
        StatusCode::BAD_REQUEST,
        "INVALID_REQUEST",
        "Request is not well-formed, syntactically incorrect, or violates schema.",
        Some((issue, description)),
    )
}

fn unprocessable(issue: &str, description: &str) -> Answer {
    error(
        StatusCode::UNPROCESSABLE_ENTITY,
        "UNPROCESSABLE_ENTITY",
        "The requested action could not be performed, semantically incorrect, or failed business validation.",
        Some((issue, description)),
    )
}

fn not_found() -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "RESOURCE_NOT_FOUND",
        "The specified resource does not exist.",
        Some((
            "INVALID_RESOURCE_ID",
            "Specified resource ID does not exist.",
        )),
    )
}

/// Reads `{currency_code, value}` strictly: the currency must be known and the value must
/// have exactly the currency's decimals.
fn read_amount(v: &Value) -> Result<(String, i64), Answer> {
    let (Some(currency), Some(value)) = (v["currency_code"].as_str(), v["value"].as_str()) else {
        return Err(invalid(
            "MISSING_REQUIRED_PARAMETER",
            "amount needs currency_code and value",
        ));
    };
    let Some(d) = decimals(currency) else {
        return Err(unprocessable(
            "CURRENCY_NOT_SUPPORTED",
            "Currency code is not supported.",
        ));
    };
    let (whole, fraction) = match value.split_once('.') {
        Some((w, f)) => (w, Some(f)),
        None => (value, None),
    };
    let digits = |s: &str| !s.is_empty() && s.len() <= 15 && s.bytes().all(|b| b.is_ascii_digit());
    if !digits(whole) || fraction.is_some_and(|f| !digits(f)) {
        return Err(invalid(
            "INVALID_PARAMETER_SYNTAX",
            "The value of a field does not conform to the expected format.",
        ));
    }
    let fraction = fraction.unwrap_or("");
    if (d == 0 && !fraction.is_empty())
        || (d > 0 && !fraction.is_empty() && fraction.len() != d as usize)
    {
        return Err(unprocessable(
            "DECIMAL_PRECISION",
            "If the currency supports decimals, only two decimal place precision is supported.",
        ));
    }
    let mut units: i64 = whole.parse().unwrap_or(0) * 10i64.pow(d);
    if !fraction.is_empty() {
        units += fraction.parse::<i64>().unwrap_or(0);
    }
    if units <= 0 {
        return Err(unprocessable(
            "CANNOT_BE_ZERO_OR_NEGATIVE",
            "Must be greater than zero.",
        ));
    }
    Ok((currency.to_owned(), units))
}

impl FakeState {
    fn order(&self, id: &str) -> Option<&Order> {
        self.orders.iter().find(|o| o.id == id)
    }
    fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }
    fn auth(&self, id: &str) -> Option<&Authorization> {
        self.authorizations.iter().find(|a| a.id == id)
    }
    fn capture(&self, id: &str) -> Option<&CaptureRec> {
        self.captures.iter().find(|c| c.id == id)
    }

    fn render_auth(&self, a: &Authorization, base: &str) -> Value {
        json!({
            "id": a.id, "status": a.status, "amount": amount(a.value, &a.currency),
            "create_time": a.create_time, "update_time": a.create_time,
            "expiration_time": a.create_time,
            "supplementary_data": { "related_ids": { "order_id": a.order_id } },
            "links": [
                { "href": format!("{base}/v2/payments/authorizations/{}", a.id), "rel": "self", "method": "GET" },
                { "href": format!("{base}/v2/payments/authorizations/{}/capture", a.id), "rel": "capture", "method": "POST" },
                { "href": format!("{base}/v2/payments/authorizations/{}/void", a.id), "rel": "void", "method": "POST" },
                { "href": format!("{base}/v2/checkout/orders/{}", a.order_id), "rel": "up", "method": "GET" }
            ]
        })
    }

    fn render_capture(&self, c: &CaptureRec, base: &str) -> Value {
        let mut related = json!({ "order_id": c.order_id });
        let up = match &c.authorization_id {
            Some(a) => {
                related["authorization_id"] = json!(a);
                format!("{base}/v2/payments/authorizations/{a}")
            }
            None => format!("{base}/v2/checkout/orders/{}", c.order_id),
        };
        json!({
            "id": c.id, "status": c.status, "amount": amount(c.value, &c.currency),
            "final_capture": c.final_capture, "create_time": c.create_time, "update_time": c.create_time,
            "supplementary_data": { "related_ids": related },
            "links": [
                { "href": format!("{base}/v2/payments/captures/{}", c.id), "rel": "self", "method": "GET" },
                { "href": format!("{base}/v2/payments/captures/{}/refund", c.id), "rel": "refund", "method": "POST" },
                { "href": up, "rel": "up", "method": "GET" }
            ]
        })
    }

    /// Refunds carry no order id (as at PayPal): only the `up` link to their capture.
    fn render_refund(&self, r: &RefundRec, base: &str) -> Value {
        let mut v = json!({
            "id": r.id, "status": r.status, "amount": amount(r.value, &r.currency),
            "create_time": r.create_time, "update_time": r.create_time,
            "links": [
                { "href": format!("{base}/v2/payments/refunds/{}", r.id), "rel": "self", "method": "GET" },
                { "href": format!("{base}/v2/payments/captures/{}", r.capture_id), "rel": "up", "method": "GET" }
            ]
        });
        if let Some(c) = &r.custom_id {
            v["custom_id"] = json!(c);
        }
        if let Some(n) = &r.note_to_payer {
            v["note_to_payer"] = json!(n);
        }
        v
    }

    fn render_order(&self, o: &Order, base: &str) -> Value {
        let mut unit = json!({
            "reference_id": o.reference_id.clone().unwrap_or_else(|| "default".into()),
            "amount": amount(o.value, &o.currency),
        });
        for (k, v) in [
            ("custom_id", &o.custom_id),
            ("invoice_id", &o.invoice_id),
            ("description", &o.description),
        ] {
            if let Some(v) = v {
                unit[k] = json!(v);
            }
        }
        let mut payments = serde_json::Map::new();
        if let Some(a) = o.authorization.as_deref().and_then(|a| self.auth(a)) {
            payments.insert("authorizations".into(), json!([self.render_auth(a, base)]));
        }
        let captures: Vec<Value> = o
            .captures
            .iter()
            .filter_map(|c| self.capture(c))
            .map(|c| self.render_capture(c, base))
            .collect();
        if !captures.is_empty() {
            payments.insert("captures".into(), json!(captures));
        }
        let refunds: Vec<Value> = self
            .refunds
            .iter()
            .filter(|r| o.captures.contains(&r.capture_id))
            .map(|r| self.render_refund(r, base))
            .collect();
        if !refunds.is_empty() {
            payments.insert("refunds".into(), json!(refunds));
        }
        if !payments.is_empty() {
            unit["payments"] = Value::Object(payments);
        }
        let mut links = vec![
            json!({ "href": format!("{base}/v2/checkout/orders/{}", o.id), "rel": "self", "method": "GET" }),
        ];
        match o.status.as_str() {
            "PAYER_ACTION_REQUIRED" => links.push(json!({
                "href": format!("https://www.sandbox.paypal.com/checkoutnow?token={}", o.id),
                "rel": "payer-action", "method": "GET" })),
            "CREATED" => links.push(json!({
                "href": format!("https://www.sandbox.paypal.com/checkoutnow?token={}", o.id),
                "rel": "approve", "method": "GET" })),
            _ => {}
        }
        let mut v = json!({
            "id": o.id, "intent": o.intent, "status": o.status,
            "purchase_units": [unit], "links": links,
            "create_time": o.create_time, "update_time": o.create_time,
        });
        if let Some(ps) = &o.payment_source {
            v["payment_source"] = ps.clone();
        }
        v
    }
}

impl FakePayPal {
    /// Starts the fake on a free local port.
    pub async fn start(config: FakeConfig) -> FakePayPal {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            config,
            base_url: base_url.clone(),
            state: Mutex::new(FakeState::default()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakePayPal {
            base_url,
            shared,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.shared.state.lock().unwrap()
    }

    pub fn config(&self) -> &FakeConfig {
        &self.shared.config
    }

    /// How many tokens were issued.
    pub fn token_fetches(&self) -> usize {
        self.state().token_fetches
    }

    /// How many orders exist.
    pub fn orders_created(&self) -> usize {
        self.state().orders.len()
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<Received> {
        self.state().requests.clone()
    }

    /// Requests with this method whose path starts with `prefix`.
    pub fn requests_to(&self, method: &str, prefix: &str) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(prefix))
            .collect()
    }

    /// The buyer approves the order at PayPal.
    pub fn approve(&self, order_id: &str) {
        let mut s = self.state();
        let o = s.order_mut(order_id).expect("no such order");
        assert!(
            matches!(o.status.as_str(), "CREATED" | "PAYER_ACTION_REQUIRED"),
            "order {order_id} is {}",
            o.status
        );
        o.status = "APPROVED".into();
    }

    /// The buyer approves with an instrument the bank will decline.
    pub fn approve_with_declined_instrument(&self, order_id: &str) {
        self.approve(order_id);
        self.state().order_mut(order_id).unwrap().declined = true;
    }

    /// Every issued token stops working (as if PayPal revoked them).
    pub fn revoke_tokens(&self) {
        self.state().tokens.clear();
    }

    /// Revokes every token when the next `method` request to `path` arrives, so that call is
    /// refused with a 401 in the middle of an operation.
    pub fn revoke_tokens_at(&self, method: &str, path: &str) {
        self.state().revoke_at = Some((method.to_owned(), path.to_owned()));
    }

    /// Makes every API call fail this way, or work again with `None`.
    pub fn set_fault(&self, fault: Option<Fault>) {
        self.state().fault = fault;
    }

    /// The order as `GET /v2/checkout/orders/{id}` would answer.
    pub fn order_json(&self, id: &str) -> Value {
        let s = self.state();
        let o = s.order(id).expect("no such order");
        s.render_order(o, &self.base_url)
    }

    /// A capture as PayPal would put it in a webhook.
    pub fn capture_json(&self, id: &str) -> Value {
        let s = self.state();
        let c = s.capture(id).expect("no such capture");
        s.render_capture(c, &self.base_url)
    }

    /// An authorisation as PayPal would put it in a webhook.
    pub fn authorization_json(&self, id: &str) -> Value {
        let s = self.state();
        let a = s.auth(id).expect("no such authorization");
        s.render_auth(a, &self.base_url)
    }

    /// A refund as PayPal would put it in a webhook.
    pub fn refund_json(&self, id: &str) -> Value {
        let s = self.state();
        let r = s
            .refunds
            .iter()
            .find(|r| r.id == id)
            .expect("no such refund");
        s.render_refund(r, &self.base_url)
    }

    /// Sends (returns) a signed webhook delivery now: the headers and the body's bytes.
    pub fn webhook(
        &self,
        event_type: &str,
        resource_type: &str,
        resource: Value,
    ) -> (Vec<(String, String)>, Vec<u8>) {
        self.webhook_at(event_type, resource_type, resource, Utc::now())
    }

    /// The same, transmitted at `time`.
    pub fn webhook_at(
        &self,
        event_type: &str,
        resource_type: &str,
        resource: Value,
        time: DateTime<Utc>,
    ) -> (Vec<(String, String)>, Vec<u8>) {
        let event = json!({
            "id": format!("WH-{}", random_id(17)),
            "event_version": "1.0",
            "create_time": time.to_rfc3339_opts(SecondsFormat::Millis, true),
            "resource_type": resource_type,
            "resource_version": "2.0",
            "event_type": event_type,
            "summary": format!("{event_type} event"),
            "resource": resource,
        });
        // Pretty-printed, as PayPal's bodies are not in serde_json's compact form.
        let body = serde_json::to_vec_pretty(&event).unwrap();
        let id = format!(
            "{}-{}",
            random_id(8).to_ascii_lowercase(),
            random_id(12).to_ascii_lowercase()
        );
        let time = time.to_rfc3339_opts(SecondsFormat::Secs, true);
        let sig = base64::engine::general_purpose::STANDARD.encode(random_id(64));
        let cert_url = format!("{}/v1/notifications/certs/CERT-fake", self.base_url);
        let t = Transmission {
            id: id.clone(),
            time: time.clone(),
            sig: sig.clone(),
            cert_url: cert_url.clone(),
            auth_algo: "SHA256withRSA".into(),
            webhook_id: self.shared.config.webhook_id.clone(),
            event,
        };
        self.state().transmissions.push(t);
        let headers = vec![
            ("paypal-transmission-id".to_owned(), id),
            ("paypal-transmission-time".to_owned(), time),
            ("paypal-transmission-sig".to_owned(), sig),
            ("paypal-cert-url".to_owned(), cert_url),
            ("paypal-auth-algo".to_owned(), "SHA256withRSA".to_owned()),
            ("content-type".to_owned(), "application/json".to_owned()),
        ];
        (headers, body)
    }
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let header = |name: &str| {
        headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    };
    let fault = {
        let mut s = shared.state.lock().unwrap();
        s.requests.push(Received {
            method: method.to_string(),
            path: uri.to_string(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: body.to_vec(),
        });
        if s.revoke_at
            .as_ref()
            .is_some_and(|(m, p)| *m == method.as_str() && *p == path)
        {
            s.revoke_at = None;
            s.tokens.clear();
        }
        s.fault
    };
    if path == "/v1/oauth2/token" && method == Method::POST {
        return token(
            &shared,
            header("authorization"),
            header("content-type"),
            &body,
        )
        .into_response();
    }
    match fault {
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(3600)).await;
        }
        Some(Fault::ServerError) => {
            return json_response(error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "INTERNAL_SERVER_ERROR",
                "An internal server error occurred.",
                None,
            ));
        }
        Some(Fault::RejectTokens) | None => {}
    }
    // Every API call needs a valid, unexpired bearer token.
    let authorised = fault != Some(Fault::RejectTokens)
        && header("authorization")
            .and_then(|h| h.strip_prefix("Bearer ").map(str::to_owned))
            .is_some_and(|t| {
                let s = shared.state.lock().unwrap();
                s.tokens.get(&t).is_some_and(|exp| Instant::now() < *exp)
            });
    if !authorised {
        return json_response((
            StatusCode::UNAUTHORIZED,
            json!({
                "name": "AUTHENTICATION_FAILURE",
                "message": "Authentication failed due to invalid authentication credentials or a missing Authorization header.",
                "links": [{ "href": "https://developer.paypal.com/docs/api/overview/#error", "rel": "information_link" }]
            }),
        ));
    }
    if method == Method::POST
        && !body.is_empty()
        && !header("content-type").is_some_and(|c| c.starts_with("application/json"))
    {
        return json_response(error(
            StatusCode::UNSUPPORTED_MEDIA_TYPE,
            "UNSUPPORTED_MEDIA_TYPE",
            "The server does not support the request payload's media type.",
            None,
        ));
    }
    let parsed: Value = if body.is_empty() {
        Value::Null
    } else {
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => {
                return json_response(invalid(
                    "MALFORMED_REQUEST_JSON",
                    "The request JSON is not well formed.",
                ));
            }
        }
    };
    if path == "/v1/notifications/verify-webhook-signature" && method == Method::POST {
        return json_response(verify(&shared, &parsed));
    }
    let request_id = header("paypal-request-id");
    if method == Method::POST {
        let Some(key) = &request_id else {
            return json_response(invalid(
                "MISSING_REQUIRED_PARAMETER",
                "PayPal-Request-Id header is required.",
            ));
        };
        if let Some(stored) = shared.state.lock().unwrap().replays.get(key) {
            // PayPal answers a repeated id with the first answer, whatever the body.
            return json_response(stored.clone());
        }
    }
    let segments: Vec<&str> = path.trim_start_matches('/').split('/').collect();
    let base = shared.base_url.as_str();
    let answer = {
        let mut s = shared.state.lock().unwrap();
        let s = &mut *s;
        match (method.as_str(), segments.as_slice()) {
            ("POST", ["v2", "checkout", "orders"]) => create_order(s, &parsed, base),
            ("GET", ["v2", "checkout", "orders", id]) => match s.order(id) {
                Some(o) => (StatusCode::OK, s.render_order(o, base)),
                None => not_found(),
            },
            (
                "POST",
                [
                    "v2",
                    "checkout",
                    "orders",
                    id,
                    action @ ("capture" | "authorize"),
                ],
            ) => pay_order(s, id, action, base),
            ("GET", ["v2", "payments", "authorizations", id]) => match s.auth(id) {
                Some(a) => (StatusCode::OK, s.render_auth(a, base)),
                None => not_found(),
            },
            ("GET", ["v2", "payments", "captures", id]) => match s.capture(id) {
                Some(c) => (StatusCode::OK, s.render_capture(c, base)),
                None => not_found(),
            },
            ("GET", ["v2", "payments", "refunds", id]) => {
                match s.refunds.iter().find(|r| r.id == *id) {
                    Some(r) => (StatusCode::OK, s.render_refund(r, base)),
                    None => not_found(),
                }
            }
            ("POST", ["v2", "payments", "authorizations", id, "capture"]) => {
                capture_authorization(s, id, &parsed, base)
            }
            ("POST", ["v2", "payments", "authorizations", id, "void"]) => {
                void_authorization(s, id, base)
            }
            ("POST", ["v2", "payments", "captures", id, "refund"]) => {
                refund_capture(s, id, &parsed, base)
            }
            _ => not_found(),
        }
    };
    if let Some(key) = request_id
        && answer.0.is_success()
    {
        shared
            .state
            .lock()
            .unwrap()
            .replays
            .insert(key, answer.clone());
    }
    json_response(answer)
}

fn json_response((status, body): Answer) -> Response {
    (status, axum::Json(body)).into_response()
}

fn token(
    shared: &Shared,
    authorization: Option<String>,
    content_type: Option<String>,
    body: &[u8],
) -> Response {
    let expected = base64::engine::general_purpose::STANDARD.encode(format!(
        "{}:{}",
        shared.config.client_id, shared.config.client_secret
    ));
    if authorization.as_deref() != Some(&format!("Basic {expected}")) {
        return (
            StatusCode::UNAUTHORIZED,
            axum::Json(json!({ "error": "invalid_client", "error_description": "Client Authentication failed" })),
        )
            .into_response();
    }
    let form_ok = content_type.is_some_and(|c| c.starts_with("application/x-www-form-urlencoded"));
    let grant = url::form_urlencoded::parse(body)
        .find(|(k, _)| k == "grant_type")
        .map(|(_, v)| v.into_owned());
    if !form_ok || grant.as_deref() != Some("client_credentials") {
        return (
            StatusCode::BAD_REQUEST,
            axum::Json(json!({ "error": "unsupported_grant_type", "error_description": "Grant Type is NULL" })),
        )
            .into_response();
    }
    let token = format!("A21AA{}", random_id(60));
    let mut s = shared.state.lock().unwrap();
    s.token_fetches += 1;
    s.tokens.insert(
        token.clone(),
        Instant::now() + Duration::from_secs(shared.config.expires_in),
    );
    axum::Json(json!({
        "scope": "https://uri.paypal.com/services/payments/payment",
        "access_token": token,
        "token_type": "Bearer",
        "app_id": "APP-80W284485P519543T",
        "expires_in": shared.config.expires_in,
        "nonce": random_id(20),
    }))
    .into_response()
}

fn create_order(s: &mut FakeState, body: &Value, base: &str) -> Answer {
    let intent = body["intent"].as_str().unwrap_or("");
    if !matches!(intent, "CAPTURE" | "AUTHORIZE") {
        return invalid(
            "INVALID_PARAMETER_VALUE",
            "intent must be CAPTURE or AUTHORIZE",
        );
    }
    let Some(unit) = body["purchase_units"].as_array().and_then(|u| u.first()) else {
        return invalid("MISSING_REQUIRED_PARAMETER", "purchase_units is required");
    };
    let (currency, value) = match read_amount(&unit["amount"]) {
        Ok(a) => a,
        Err(e) => return e,
    };
    let text = |k: &str| unit[k].as_str().map(str::to_owned);
    let invoice_id = text("invoice_id");
    if invoice_id.is_some() && s.orders.iter().any(|o| o.invoice_id == invoice_id) {
        return unprocessable("DUPLICATE_INVOICE_ID", "Duplicate Invoice ID detected.");
    }
    let payment_source = body.get("payment_source").cloned();
    if let Some(ctx) = payment_source
        .as_ref()
        .and_then(|p| p["paypal"].get("experience_context"))
    {
        for k in ["return_url", "cancel_url"] {
            if !ctx[k].as_str().is_some_and(|u| u.starts_with("http")) {
                return invalid(
                    "INVALID_PARAMETER_SYNTAX",
                    "return_url and cancel_url must be URLs",
                );
            }
        }
    }
    let status = if payment_source
        .as_ref()
        .is_some_and(|p| p.get("paypal").is_some())
    {
        "PAYER_ACTION_REQUIRED"
    } else {
        "CREATED"
    };
    let order = Order {
        id: random_id(17),
        intent: intent.to_owned(),
        currency,
        value,
        reference_id: text("reference_id"),
        custom_id: text("custom_id"),
        invoice_id,
        description: text("description"),
        status: status.into(),
        payment_source,
        declined: false,
        authorization: None,
        captures: vec![],
        create_time: now_string(),
    };
    let rendered = s.render_order(&order, base);
    s.orders.push(order);
    (StatusCode::OK, rendered)
}

fn pay_order(s: &mut FakeState, id: &str, action: &str, base: &str) -> Answer {
    let Some(order) = s.order(id).cloned() else {
        return not_found();
    };
    let wanted = if action == "capture" {
        "CAPTURE"
    } else {
        "AUTHORIZE"
    };
    if order.intent != wanted {
        return unprocessable(
            "ACTION_DOES_NOT_MATCH_INTENT",
            "Order was created with a different intent.",
        );
    }
    match order.status.as_str() {
        "APPROVED" => {}
        "COMPLETED" if action == "capture" => {
            return unprocessable("ORDER_ALREADY_CAPTURED", "Order already captured.");
        }
        "COMPLETED" => {
            return unprocessable("ORDER_ALREADY_AUTHORIZED", "Order already authorized.");
        }
        _ => {
            return unprocessable(
                "ORDER_NOT_APPROVED",
                "Payer has not yet approved the Order for payment.",
            );
        }
    }
    if order.declined {
        return unprocessable(
            "INSTRUMENT_DECLINED",
            "The instrument presented was either declined by the processor or bank, or it can't be used for this payment.",
        );
    }
    let now = now_string();
    if action == "capture" {
        let c = CaptureRec {
            id: random_id(17),
            order_id: order.id.clone(),
            authorization_id: None,
            currency: order.currency.clone(),
            value: order.value,
            refunded: 0,
            status: "COMPLETED".into(),
            final_capture: true,
            create_time: now,
        };
        let o = s.order_mut(id).unwrap();
        o.captures.push(c.id.clone());
        o.status = "COMPLETED".into();
        s.captures.push(c);
    } else {
        let a = Authorization {
            id: random_id(17),
            order_id: order.id.clone(),
            currency: order.currency.clone(),
            value: order.value,
            captured: 0,
            status: "CREATED".into(),
            create_time: now,
        };
        let o = s.order_mut(id).unwrap();
        o.authorization = Some(a.id.clone());
        o.status = "COMPLETED".into();
        s.authorizations.push(a);
    }
    let o = s.order(id).unwrap();
    (StatusCode::CREATED, s.render_order(o, base))
}

fn capture_authorization(s: &mut FakeState, id: &str, body: &Value, base: &str) -> Answer {
    let Some(auth) = s.auth(id).cloned() else {
        return not_found();
    };
    match auth.status.as_str() {
        "CREATED" | "PARTIALLY_CAPTURED" => {}
        "VOIDED" => {
            return unprocessable(
                "AUTHORIZATION_VOIDED",
                "A voided authorization cannot be captured.",
            );
        }
        _ => {
            return unprocessable(
                "AUTHORIZATION_ALREADY_CAPTURED",
                "Authorization has already been captured.",
            );
        }
    }
    let remaining = auth.value - auth.captured;
    let value = match body.get("amount") {
        Some(a) => match read_amount(a) {
            Ok((currency, _)) if currency != auth.currency => {
                return unprocessable(
                    "CURRENCY_MISMATCH",
                    "Currency of capture must match the authorization.",
                );
            }
            Ok((_, v)) => v,
            Err(e) => return e,
        },
        None => remaining,
    };
    if value > remaining {
        return unprocessable(
            "MAX_CAPTURE_AMOUNT_EXCEEDED",
            "Capture amount exceeds the allowable limit.",
        );
    }
    let final_capture = body["final_capture"].as_bool().unwrap_or(false);
    let c = CaptureRec {
        id: random_id(17),
        order_id: auth.order_id.clone(),
        authorization_id: Some(auth.id.clone()),
        currency: auth.currency.clone(),
        value,
        refunded: 0,
        status: "COMPLETED".into(),
        final_capture,
        create_time: now_string(),
    };
    let a = s.authorizations.iter_mut().find(|a| a.id == id).unwrap();
    a.captured += value;
    a.status = if final_capture || a.captured == a.value {
        "CAPTURED".into()
    } else {
        "PARTIALLY_CAPTURED".into()
    };
    let order_id = auth.order_id.clone();
    s.order_mut(&order_id).unwrap().captures.push(c.id.clone());
    let rendered = s.render_capture(&c, base);
    s.captures.push(c);
    (StatusCode::CREATED, rendered)
}

fn void_authorization(s: &mut FakeState, id: &str, base: &str) -> Answer {
    let Some(auth) = s.auth(id).cloned() else {
        return not_found();
    };
    match auth.status.as_str() {
        "CREATED" | "PARTIALLY_CAPTURED" => {}
        "VOIDED" => {
            return unprocessable(
                "AUTHORIZATION_VOIDED",
                "Authorization has already been voided.",
            );
        }
        _ => {
            return unprocessable(
                "AUTHORIZATION_ALREADY_CAPTURED",
                "Authorization has been fully captured and cannot be voided.",
            );
        }
    }
    let a = s.authorizations.iter_mut().find(|a| a.id == id).unwrap();
    a.status = "VOIDED".into();
    let a = a.clone();
    (StatusCode::OK, s.render_auth(&a, base))
}

fn refund_capture(s: &mut FakeState, id: &str, body: &Value, base: &str) -> Answer {
    let Some(capture) = s.capture(id).cloned() else {
        return not_found();
    };
    match capture.status.as_str() {
        "COMPLETED" | "PARTIALLY_REFUNDED" => {}
        "REFUNDED" => {
            return unprocessable(
                "CAPTURE_FULLY_REFUNDED",
                "The capture has already been fully refunded.",
            );
        }
        _ => {
            return unprocessable(
                "REFUND_NOT_ALLOWED",
                "Refund cannot be issued for this capture.",
            );
        }
    }
    let remaining = capture.value - capture.refunded;
    let value = match body.get("amount") {
        Some(a) => match read_amount(a) {
            Ok((currency, _)) if currency != capture.currency => {
                return unprocessable(
                    "REFUND_CURRENCY_MISMATCH",
                    "Refund must be in the capture's currency.",
                );
            }
            Ok((_, v)) => v,
            Err(e) => return e,
        },
        None => remaining,
    };
    if value > remaining {
        return unprocessable(
            "REFUND_AMOUNT_EXCEEDED",
            "The refund amount must be less than or equal to the capture amount that has not yet been refunded.",
        );
    }
    let r = RefundRec {
        id: random_id(17),
        capture_id: capture.id.clone(),
        currency: capture.currency.clone(),
        value,
        status: "COMPLETED".into(),
        custom_id: body["custom_id"].as_str().map(str::to_owned),
        note_to_payer: body["note_to_payer"].as_str().map(str::to_owned),
        create_time: now_string(),
    };
    let c = s.captures.iter_mut().find(|c| c.id == id).unwrap();
    c.refunded += value;
    c.status = if c.refunded == c.value {
        "REFUNDED".into()
    } else {
        "PARTIALLY_REFUNDED".into()
    };
    let rendered = s.render_refund(&r, base);
    s.refunds.push(r);
    (StatusCode::CREATED, rendered)
}

/// SUCCESS only for a transmission the fake sent, with every header, our webhook id and the
/// event unchanged.
fn verify(shared: &Shared, body: &Value) -> Answer {
    let field = |k: &str| body[k].as_str().map(str::to_owned);
    let required = [
        "auth_algo",
        "cert_url",
        "transmission_id",
        "transmission_sig",
        "transmission_time",
        "webhook_id",
    ];
    if required.iter().any(|k| field(k).is_none()) || body.get("webhook_event").is_none() {
        return invalid("MISSING_REQUIRED_PARAMETER", "A required field is missing.");
    }
    let s = shared.state.lock().unwrap();
    let ok = s.transmissions.iter().any(|t| {
        field("transmission_id").as_deref() == Some(&t.id)
            && field("transmission_time").as_deref() == Some(&t.time)
            && field("transmission_sig").as_deref() == Some(&t.sig)
            && field("cert_url").as_deref() == Some(&t.cert_url)
            && field("auth_algo").as_deref() == Some(&t.auth_algo)
            && field("webhook_id").as_deref() == Some(&t.webhook_id)
            && body["webhook_event"] == t.event
    });
    (
        StatusCode::OK,
        json!({ "verification_status": if ok { "SUCCESS" } else { "FAILURE" } }),
    )
}
