//! A fake Klarna (Payments API v1 + Order Management) for the connector's tests: an axum
//! server on 127.0.0.1:0 enforcing what Klarna would (payments.md §5): HTTP Basic
//! credentials, JSON bodies, the §5.4 order-line money rules, sessions, authorisations made
//! by the test (the browser widget's part), order creation matching the session,
//! `Klarna-Idempotency-Key` replays, and the OM capture/refund/cancel rules. Tests inject
//! outages and read every request.
//!
//! Idempotency: the same key with the same method, path and body replays the first answer;
//! with anything different it is 409 `IDEMPOTENCY_KEY_REUSED` (Klarna's own code is a gap in
//! payments.md; this is our assumption).

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use chrono::{SecondsFormat, Utc};
use serde_json::{Value, json};

pub const USERNAME: &str = "PK1234_fakemerchant";
pub const PASSWORD: &str = "fake-password-XYZ";

/// An outage to simulate on every call.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    /// 503 TEMPORARILY_UNAVAILABLE.
    Unavailable,
    /// Never answers.
    Hang,
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

/// What a session and its order must agree on.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Cart {
    country: String,
    currency: String,
    amount: i64,
    tax: i64,
    /// (quantity, unit_price, total_amount, total_tax_amount, tax_rate) per line.
    lines: Vec<(i64, i64, i64, i64, i64)>,
}

#[derive(Debug, Clone)]
struct Authorization {
    session_id: String,
    fraud_pending: bool,
}

#[derive(Debug, Clone)]
struct Order {
    id: String,
    cart: Cart,
    status: String,
    fraud_status: String,
    captured: i64,
    refunded: i64,
    released: bool,
    merchant_reference1: Option<String>,
    merchant_data: Option<String>,
    captures: Vec<Value>,
    refunds: Vec<Value>,
    created_at: String,
}

impl Order {
    fn remaining(&self) -> i64 {
        if self.released || !matches!(self.status.as_str(), "AUTHORIZED" | "PART_CAPTURED") {
            0
        } else {
            self.cart.amount - self.captured
        }
    }

    fn render(&self) -> Value {
        json!({
            "order_id": self.id,
            "status": self.status,
            "fraud_status": self.fraud_status,
            "purchase_country": self.cart.country,
            "purchase_currency": self.cart.currency,
            "order_amount": self.cart.amount,
            "original_order_amount": self.cart.amount,
            "captured_amount": self.captured,
            "refunded_amount": self.refunded,
            "remaining_authorized_amount": self.remaining(),
            "merchant_reference1": self.merchant_reference1,
            "merchant_data": self.merchant_data,
            "created_at": self.created_at,
            "initial_payment_method": { "type": "INVOICE", "description": "Pay later" },
            "captures": self.captures,
            "refunds": self.refunds,
        })
    }
}

#[derive(Default)]
struct FakeState {
    sessions: HashMap<String, Cart>,
    authorizations: HashMap<String, Authorization>,
    orders: Vec<Order>,
    /// key → (method path body, answer)
    replays: HashMap<String, (String, Answer)>,
    requests: Vec<Received>,
    fault: Option<Fault>,
    next_id: u64,
}

impl FakeState {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}-{:08}-{}", self.next_id, rand::random::<u32>())
    }

    fn order_mut(&mut self, id: &str) -> Option<&mut Order> {
        self.orders.iter_mut().find(|o| o.id == id)
    }
}

#[derive(Debug, Clone)]
struct Answer {
    status: StatusCode,
    body: Value,
    location: Option<String>,
}

fn answer(status: StatusCode, body: Value) -> Answer {
    Answer {
        status,
        body,
        location: None,
    }
}

fn error(status: StatusCode, code: &str, message: &str) -> Answer {
    answer(
        status,
        json!({
            "error_code": code,
            "error_messages": [message],
            "correlation_id": format!("corr-{}", rand::random::<u32>()),
        }),
    )
}

fn bad_value(message: &str) -> Answer {
    error(StatusCode::BAD_REQUEST, "BAD_VALUE", message)
}

fn not_found() -> Answer {
    error(
        StatusCode::NOT_FOUND,
        "NOT_FOUND",
        "The requested resource does not exist.",
    )
}

struct Shared {
    base_url: String,
    state: Mutex<FakeState>,
}

/// The running fake. Dropping it stops the server.
pub struct FakeKlarna {
    pub base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeKlarna {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeKlarna {
    pub async fn start() -> FakeKlarna {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            base_url: base_url.clone(),
            state: Mutex::new(FakeState::default()),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeKlarna {
            base_url,
            shared,
            server,
        }
    }

    /// The browser widget authorised the session: the `authorization_token`.
    pub fn authorize(&self, session_id: &str) -> String {
        self.make_authorization(session_id, false)
    }

    /// The same, with the order going to fraud review (`fraud_status` PENDING).
    pub fn authorize_pending(&self, session_id: &str) -> String {
        self.make_authorization(session_id, true)
    }

    fn make_authorization(&self, session_id: &str, fraud_pending: bool) -> String {
        let mut s = self.shared.state.lock().unwrap();
        assert!(s.sessions.contains_key(session_id), "unknown session");
        let token = s.id("auth");
        s.authorizations.insert(
            token.clone(),
            Authorization {
                session_id: session_id.to_owned(),
                fraud_pending,
            },
        );
        token
    }

    /// Fraud review accepted the order.
    pub fn accept_fraud(&self, order_id: &str) {
        let mut s = self.shared.state.lock().unwrap();
        s.order_mut(order_id).unwrap().fraud_status = "ACCEPTED".into();
    }

    pub fn set_fault(&self, fault: Option<Fault>) {
        self.shared.state.lock().unwrap().fault = fault;
    }

    pub fn order_count(&self) -> usize {
        self.shared.state.lock().unwrap().orders.len()
    }

    pub fn order(&self, id: &str) -> Value {
        let s = self.shared.state.lock().unwrap();
        s.orders.iter().find(|o| o.id == id).unwrap().render()
    }

    pub fn requests(&self) -> Vec<Received> {
        self.shared.state.lock().unwrap().requests.clone()
    }

    pub fn requests_to(&self, method: &str, path_prefix: &str) -> Vec<Received> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path.starts_with(path_prefix))
            .collect()
    }
}

fn now_string() -> String {
    Utc::now().to_rfc3339_opts(SecondsFormat::Secs, true)
}

fn int(v: &Value, field: &str) -> Result<i64, Answer> {
    v[field]
        .as_i64()
        .ok_or_else(|| bad_value(&format!("{field} must be an integer")))
}

/// Reads and checks a cart (payments.md §5.4).
fn read_cart(body: &Value) -> Result<Cart, Answer> {
    let country = body["purchase_country"]
        .as_str()
        .filter(|c| c.len() == 2)
        .ok_or_else(|| bad_value("purchase_country is required"))?;
    let currency = body["purchase_currency"]
        .as_str()
        .filter(|c| c.len() == 3)
        .ok_or_else(|| bad_value("purchase_currency is required"))?;
    let amount = int(body, "order_amount")?;
    let tax = body["order_tax_amount"].as_i64().unwrap_or(0);
    let Some(lines) = body["order_lines"].as_array() else {
        return Err(bad_value("order_lines is required"));
    };
    if lines.is_empty() || lines.len() > 1000 {
        return Err(bad_value("order_lines must have 1 to 1000 lines"));
    }
    let mut read = Vec::new();
    for line in lines {
        if line["name"].as_str().is_none_or(str::is_empty) {
            return Err(bad_value("order_lines.name is required"));
        }
        let quantity = int(line, "quantity")?;
        let unit_price = int(line, "unit_price")?;
        let total = int(line, "total_amount")?;
        let discount = line["total_discount_amount"].as_i64().unwrap_or(0);
        let line_tax = line["total_tax_amount"].as_i64().unwrap_or(0);
        let rate = line["tax_rate"].as_i64().unwrap_or(0);
        if quantity < 0 || unit_price > 100_000_000 || total > 100_000_000 {
            return Err(bad_value("order_lines amounts out of range"));
        }
        if !(0..=10_000).contains(&rate) {
            return Err(bad_value("order_lines.tax_rate out of range"));
        }
        if total != quantity * unit_price - discount {
            return Err(bad_value(
                "order_lines.total_amount must be quantity × unit_price − total_discount_amount",
            ));
        }
        // |tax − (total − total×10000/(10000+rate))| ≤ 1, multiplied out by (10000+rate).
        let d = 10_000 + i128::from(rate);
        if (i128::from(line_tax) * d - i128::from(total) * i128::from(rate)).abs() > d {
            return Err(bad_value(
                "order_lines.total_tax_amount does not match tax_rate",
            ));
        }
        read.push((quantity, unit_price, total, line_tax, rate));
    }
    if amount != read.iter().map(|l| l.2).sum::<i64>() {
        return Err(bad_value(
            "order_amount must be the sum of order_lines.total_amount",
        ));
    }
    if tax != read.iter().map(|l| l.3).sum::<i64>() {
        return Err(bad_value(
            "order_tax_amount must be the sum of order_lines.total_tax_amount",
        ));
    }
    Ok(Cart {
        country: country.to_owned(),
        currency: currency.to_owned(),
        amount,
        tax,
        lines: read,
    })
}

fn respond(a: Answer) -> Response {
    let mut response = if a.body.is_null() {
        a.status.into_response()
    } else {
        (a.status, axum::Json(a.body)).into_response()
    };
    if let Some(location) = a.location {
        response
            .headers_mut()
            .insert("location", HeaderValue::from_str(&location).unwrap());
    }
    response
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
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
            path: uri.path().to_owned(),
            headers: headers
                .iter()
                .map(|(n, v)| (n.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                .collect(),
            body: body.to_vec(),
        });
        s.fault
    };
    match fault {
        Some(Fault::Hang) => tokio::time::sleep(Duration::from_secs(3600)).await,
        Some(Fault::Unavailable) => {
            return respond(error(
                StatusCode::SERVICE_UNAVAILABLE,
                "TEMPORARILY_UNAVAILABLE",
                "The service is temporarily unavailable.",
            ));
        }
        None => {}
    }
    let expected = format!(
        "Basic {}",
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"))
    );
    if header("authorization").as_deref() != Some(expected.as_str()) {
        return respond(error(
            StatusCode::UNAUTHORIZED,
            "UNAUTHORIZED",
            "Wrong credentials.",
        ));
    }
    let json_body: Value = if body.is_empty() {
        Value::Null
    } else {
        if !header("content-type").is_some_and(|c| c.starts_with("application/json")) {
            return respond(bad_value("the body must be application/json"));
        }
        match serde_json::from_slice(&body) {
            Ok(v) => v,
            Err(_) => return respond(bad_value("the body is not JSON")),
        }
    };
    let key = header("klarna-idempotency-key");
    let fingerprint = format!("{method} {} {json_body}", uri.path());
    let mut s = shared.state.lock().unwrap();
    if let Some(key) = &key
        && let Some((seen, first)) = s.replays.get(key)
    {
        if *seen == fingerprint {
            return respond(first.clone());
        }
        return respond(error(
            StatusCode::CONFLICT,
            "IDEMPOTENCY_KEY_REUSED",
            "The idempotency key was used for another request.",
        ));
    }
    let segments: Vec<&str> = uri.path().trim_matches('/').split('/').collect();
    let a = route(&mut s, &shared.base_url, &method, &segments, &json_body);
    // Like Klarna's retries "on network, socket and timeout errors": only answers that did
    // something are kept.
    if let Some(key) = key
        && method == Method::POST
        && a.status.is_success()
    {
        s.replays.insert(key, (fingerprint, a.clone()));
    }
    respond(a)
}

fn route(s: &mut FakeState, base: &str, method: &Method, seg: &[&str], body: &Value) -> Answer {
    match (method.as_str(), seg) {
        ("POST", ["payments", "v1", "sessions"]) => {
            let cart = match read_cart(body) {
                Ok(c) => c,
                Err(e) => return e,
            };
            let id = s.id("sess");
            s.sessions.insert(id.clone(), cart);
            answer(
                StatusCode::OK,
                json!({
                    "session_id": id,
                    "client_token": format!("eyJ.fake.{id}"),
                    "payment_method_categories": [
                        { "identifier": "pay_later", "name": "Pay later" },
                        { "identifier": "pay_over_time", "name": "Financing" },
                    ],
                }),
            )
        }
        ("POST", ["payments", "v1", "authorizations", token, "order"]) => {
            let Some(auth) = s.authorizations.get(*token).cloned() else {
                return error(
                    StatusCode::NOT_FOUND,
                    "NOT_FOUND",
                    "Authorization does not exist.",
                );
            };
            let cart = match read_cart(body) {
                Ok(c) => c,
                Err(e) => return e,
            };
            if s.sessions.get(&auth.session_id) != Some(&cart) {
                return error(
                    StatusCode::CONFLICT,
                    "CONFLICT",
                    "The order data does not match the session.",
                );
            }
            // Placing the order closes the session and uses the authorisation.
            s.authorizations.remove(*token);
            s.sessions.remove(&auth.session_id);
            let id = s.id("order");
            let auto = body["auto_capture"].as_bool().unwrap_or(false);
            let fraud = if auth.fraud_pending {
                "PENDING"
            } else {
                "ACCEPTED"
            };
            let captured = auto && !auth.fraud_pending;
            let amount = cart.amount;
            s.orders.push(Order {
                id: id.clone(),
                cart,
                status: if captured { "CAPTURED" } else { "AUTHORIZED" }.into(),
                fraud_status: fraud.into(),
                captured: if captured { amount } else { 0 },
                refunded: 0,
                released: false,
                merchant_reference1: body["merchant_reference1"].as_str().map(str::to_owned),
                merchant_data: body["merchant_data"].as_str().map(str::to_owned),
                captures: if captured {
                    vec![json!({ "capture_id": format!("cap-auto-{id}"), "captured_amount": amount })]
                } else {
                    vec![]
                },
                refunds: vec![],
                created_at: now_string(),
            });
            answer(
                StatusCode::OK,
                json!({
                    "order_id": id,
                    "redirect_url": format!("{base}/confirmation/{id}"),
                    "fraud_status": fraud,
                    "authorized_payment_method": { "type": "invoice" },
                }),
            )
        }
        ("GET", ["ordermanagement", "v1", "orders", id]) => {
            match s.orders.iter().find(|o| o.id == *id) {
                Some(o) => answer(StatusCode::OK, o.render()),
                None => not_found(),
            }
        }
        ("GET", ["ordermanagement", "v1", "orders", id, "refunds", rid]) => {
            let refund = s
                .orders
                .iter()
                .find(|o| o.id == *id)
                .and_then(|o| o.refunds.iter().find(|r| r["refund_id"] == *rid));
            match refund {
                Some(r) => answer(StatusCode::OK, r.clone()),
                None => not_found(),
            }
        }
        ("POST", ["ordermanagement", "v1", "orders", id, action]) => {
            let new_id = s.id(action);
            let Some(order) = s.order_mut(id) else {
                return not_found();
            };
            om_action(order, base, action, body, new_id)
        }
        _ => not_found(),
    }
}

fn om_action(order: &mut Order, base: &str, action: &str, body: &Value, new_id: String) -> Answer {
    let forbidden = |code: &str, m: &str| error(StatusCode::FORBIDDEN, code, m);
    match action {
        "captures" => {
            let amount = match int(body, "captured_amount") {
                Ok(a) => a,
                Err(e) => return e,
            };
            if order.fraud_status != "ACCEPTED" {
                return forbidden("CAPTURE_NOT_ALLOWED", "The order is in fraud review.");
            }
            if amount <= 0 || amount > order.remaining() {
                return forbidden(
                    "CAPTURE_NOT_ALLOWED",
                    "captured_amount is above the remaining authorized amount.",
                );
            }
            order.captured += amount;
            order.status = if order.captured == order.cart.amount {
                "CAPTURED"
            } else {
                "PART_CAPTURED"
            }
            .into();
            order.captures.push(json!({
                "capture_id": new_id, "captured_amount": amount,
                "reference": body["reference"], "captured_at": now_string(),
            }));
            Answer {
                status: StatusCode::CREATED,
                body: Value::Null,
                location: Some(format!(
                    "{base}/ordermanagement/v1/orders/{}/captures/{new_id}",
                    order.id
                )),
            }
        }
        "release-remaining-authorization" => {
            if order.remaining() == 0 || order.captured == 0 {
                return forbidden("NOT_ALLOWED", "Nothing to release.");
            }
            order.released = true;
            order.status = "CAPTURED".into();
            answer(StatusCode::NO_CONTENT, Value::Null)
        }
        "cancel" => {
            if order.captured > 0 || order.status != "AUTHORIZED" {
                return forbidden("CANCEL_NOT_ALLOWED", "The order cannot be cancelled.");
            }
            order.status = "CANCELLED".into();
            answer(StatusCode::NO_CONTENT, Value::Null)
        }
        "refunds" => {
            let amount = match int(body, "refunded_amount") {
                Ok(a) => a,
                Err(e) => return e,
            };
            if amount <= 0 || amount > order.captured - order.refunded {
                return forbidden(
                    "REFUND_NOT_ALLOWED",
                    "refunded_amount is above the captured amount not yet refunded.",
                );
            }
            order.refunded += amount;
            order.refunds.push(json!({
                "refund_id": new_id, "refunded_amount": amount,
                "reference": body["reference"], "description": body["description"],
                "refunded_at": now_string(),
            }));
            Answer {
                status: StatusCode::CREATED,
                body: Value::Null,
                location: Some(format!(
                    "{base}/ordermanagement/v1/orders/{}/refunds/{new_id}",
                    order.id
                )),
            }
        }
        _ => not_found(),
    }
}
