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
//!
//! It is also a fake **Klarna Payments JS SDK** for browser tests: `GET {base_url}/kp/lib/v1/api.js`
//! ([`FakeKlarna::js_url`], in place of `https://x.klarnacdn.net/kp/lib/v1/api.js`) serves
//! [`KLARNA_JS`], whose `Klarna.Payments.load` renders a fake widget with a
//! `<select id="fake-klarna-outcome">` (approve, pending, cancel, deny) and whose
//! `Klarna.Payments.authorize` posts the choice to `POST {base_url}/kp/fake/authorize`. That
//! endpoint makes the authorisation as [`FakeKlarna::authorize`] or
//! [`FakeKlarna::authorize_pending`] would and answers what Klarna's `authorize` callback gets.
//! The script and `/kp/fake/*` are the shopper's browser talking: no Basic auth, CORS open to
//! any origin, and no injected [`Fault`]; the API paths still need the credentials.

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

/// Where the fake serves [`KLARNA_JS`] (Klarna's CDN path).
pub const JS_PATH: &str = "/kp/lib/v1/api.js";

/// What a session's `client_token` is: this prefix and the session id.
const CLIENT_TOKEN_PREFIX: &str = "eyJ.fake.";

/// The payment method categories every session offers (`identifier`, `name`).
const CATEGORIES: &[(&str, &str)] = &[("pay_later", "Pay later"), ("pay_over_time", "Financing")];

/// The outcomes the fake widget offers, as `/kp/fake/authorize` takes them.
pub const OUTCOMES: &[&str] = &["approve", "pending", "cancel", "deny"];

/// The fake Klarna Payments SDK served at [`JS_PATH`] (see the module docs). ES5, no
/// dependencies; it finds this fake's origin from its own `<script src>`.
pub const KLARNA_JS: &str = r##"/* A fake Klarna Payments JS SDK (kp/lib/v1/api.js) for Wayfare's browser tests; not Klarna's
   code. Klarna.Payments.init({client_token}), .load({container, payment_method_category},
   [data], callback) and .authorize({payment_method_category}, [data], callback) with Klarna's
   signatures. load renders a fake widget whose <select id="fake-klarna-outcome"> decides what
   authorize answers; authorize posts the choice to this fake's /kp/fake/authorize, which makes
   the authorization_token, and hands its JSON answer to the callback. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0 && !script; i--) {
      if (/\/kp\/lib\/v1\/api\.js(\?.*)?$/.test(all[i].src || '')) script = all[i];
    }
  }
  var src = script && script.src ? script.src : window.location.href;
  var endpoint = new URL('/kp/fake/authorize', src).href;

  var OUTCOMES = [
    ['approve', 'Approve'],
    ['pending', 'Approve, pending fraud review'],
    ['cancel', 'Close Klarna (the shopper cancels)'],
    ['deny', 'Deny (Klarna refuses the shopper)']
  ];
  var clientToken = null;

  /* Klarna's data argument is optional: the callback is the last function given. */
  function callbackOf(args) {
    for (var i = args.length - 1; i > 0; i--) {
      if (typeof args[i] === 'function') return args[i];
    }
    return function () {};
  }
  /* Klarna calls back asynchronously; so does the fake. */
  function later(callback, value) {
    window.setTimeout(function () { callback(value); }, 0);
  }
  function containerOf(container) {
    if (typeof container === 'string') {
      try { return document.querySelector(container); } catch (e) { return null; }
    }
    return container && container.nodeType === 1 ? container : null;
  }
  function refused() {
    return { approved: false, show_form: false, error: { invalid_fields: [] } };
  }
  /* The outcome chosen in the widget of that category (else in any widget): approve by default. */
  function outcomeFor(category) {
    var widgets = document.getElementsByClassName('fake-klarna-widget');
    var chosen = null;
    for (var i = 0; i < widgets.length; i++) {
      if (widgets[i].getAttribute('data-payment-method-category') === category) {
        chosen = widgets[i].getElementsByTagName('select')[0] || null;
        break;
      }
    }
    chosen = chosen || document.getElementById('fake-klarna-outcome');
    return chosen ? chosen.value : 'approve';
  }

  function init(options) {
    clientToken = options && options.client_token ? String(options.client_token) : null;
  }

  function load(options) {
    var callback = callbackOf(arguments);
    options = options || {};
    var box = containerOf(options.container);
    if (!clientToken || !box) {
      later(callback, { show_form: false, error: { invalid_fields: [] } });
      return;
    }
    var category = String(options.payment_method_category || '');
    while (box.firstChild) box.removeChild(box.firstChild);
    var widget = document.createElement('div');
    widget.className = 'fake-klarna-widget';
    widget.setAttribute('data-payment-method-category', category);
    var heading = document.createElement('h3');
    heading.textContent = 'Klarna (fake): ' + category;
    var label = document.createElement('label');
    label.setAttribute('for', 'fake-klarna-outcome');
    label.textContent = 'Outcome ';
    var select = document.createElement('select');
    select.id = 'fake-klarna-outcome';
    for (var i = 0; i < OUTCOMES.length; i++) {
      var option = document.createElement('option');
      option.value = OUTCOMES[i][0];
      option.textContent = OUTCOMES[i][1];
      select.appendChild(option);
    }
    select.value = 'approve';
    label.appendChild(select);
    widget.appendChild(heading);
    widget.appendChild(label);
    box.appendChild(widget);
    later(callback, { show_form: true });
  }

  function authorize(options) {
    var callback = callbackOf(arguments);
    options = options || {};
    if (!clientToken) {
      later(callback, refused());
      return;
    }
    var category = String(options.payment_method_category || '');
    fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({
        client_token: clientToken,
        payment_method_category: category,
        outcome: outcomeFor(category)
      })
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { callback(answer); }, function () { callback(refused()); });
  }

  window.Klarna = window.Klarna || {};
  window.Klarna.Payments = { init: init, load: load, authorize: authorize };
  /* Like Klarna's SDK: a page's klarnaAsyncCallback runs once the SDK is there. */
  if (typeof window.klarnaAsyncCallback === 'function') window.klarnaAsyncCallback();
})();
"##;

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

    /// The shopper authorised the session in the widget: a new `authorization_token`.
    fn new_authorization(&mut self, session_id: &str, fraud_pending: bool) -> String {
        let token = self.id("auth");
        self.authorizations.insert(
            token.clone(),
            Authorization {
                session_id: session_id.to_owned(),
                fraud_pending,
            },
        );
        token
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
        s.new_authorization(session_id, fraud_pending)
    }

    /// Where the fake Klarna JS SDK is served: `{base_url}/kp/lib/v1/api.js`.
    pub fn js_url(&self) -> String {
        format!("{}{JS_PATH}", self.base_url)
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
    // The shopper's browser: no credentials, no outage.
    if let Some(response) = browser(&shared, &method, uri.path(), &body) {
        return response;
    }
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
                    "client_token": format!("{CLIENT_TOKEN_PREFIX}{id}"),
                    "payment_method_categories": CATEGORIES
                        .iter()
                        .map(|(identifier, name)| json!({ "identifier": identifier, "name": name }))
                        .collect::<Vec<_>>(),
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

/// The browser's side of Klarna: the JS SDK at [`JS_PATH`] and the fake widget's
/// `/kp/fake/*` calls, all with `Access-Control-Allow-Origin: *`. `None` for API paths.
fn browser(shared: &Shared, method: &Method, path: &str, body: &[u8]) -> Option<Response> {
    let fake_path = path.starts_with("/kp/fake/");
    let mut response = match (method.as_str(), path) {
        ("GET", JS_PATH) => (
            [
                ("content-type", "application/javascript; charset=utf-8"),
                ("cache-control", "no-store"),
            ],
            KLARNA_JS,
        )
            .into_response(),
        // The CORS preflight of the JSON POST.
        ("OPTIONS", _) if fake_path => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(
                "access-control-allow-methods",
                HeaderValue::from_static("POST, OPTIONS"),
            );
            h.insert(
                "access-control-allow-headers",
                HeaderValue::from_static("Content-Type"),
            );
            h.insert("access-control-max-age", HeaderValue::from_static("300"));
            response
        }
        ("POST", "/kp/fake/authorize") => {
            let mut s = shared.state.lock().unwrap();
            respond(widget_authorize(&mut s, body))
        }
        _ if fake_path => respond(not_found()),
        _ => return None,
    };
    response
        .headers_mut()
        .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    Some(response)
}

/// `POST /kp/fake/authorize` `{client_token, payment_method_category, outcome}`: what the
/// widget's `authorize` callback gets. `approve` and `pending` make an authorisation as
/// [`FakeKlarna::authorize`] and [`FakeKlarna::authorize_pending`] do; `cancel` is the shopper
/// closing Klarna's popup; `deny` is Klarna refusing the shopper. Anything unknown is 400 with
/// a refusal the callback can read.
fn widget_authorize(s: &mut FakeState, body: &[u8]) -> Answer {
    let refuse = |message: &str, fields: &[&str]| {
        answer(
            StatusCode::BAD_REQUEST,
            json!({
                "approved": false,
                "show_form": false,
                "error": { "invalid_fields": fields, "message": message },
            }),
        )
    };
    let Ok(request) = serde_json::from_slice::<Value>(body) else {
        return refuse("the body is not JSON", &[]);
    };
    let session_id = request["client_token"]
        .as_str()
        .and_then(|t| t.strip_prefix(CLIENT_TOKEN_PREFIX))
        .filter(|id| s.sessions.contains_key(*id))
        .map(str::to_owned);
    let Some(session_id) = session_id else {
        return refuse("unknown client_token", &[]);
    };
    let category = request["payment_method_category"].as_str().unwrap_or("");
    if !CATEGORIES.iter().any(|(c, _)| *c == category) {
        return refuse(
            "payment_method_category is not offered by the session",
            &["payment_method_category"],
        );
    }
    let outcome = request["outcome"].as_str().unwrap_or("");
    match outcome {
        "approve" | "pending" => {
            let token = s.new_authorization(&session_id, outcome == "pending");
            answer(
                StatusCode::OK,
                json!({ "approved": true, "show_form": true, "authorization_token": token }),
            )
        }
        "cancel" => answer(
            StatusCode::OK,
            json!({ "approved": false, "show_form": true }),
        ),
        "deny" => answer(
            StatusCode::OK,
            json!({ "approved": false, "show_form": false, "error": { "invalid_fields": [] } }),
        ),
        _ => refuse(
            "outcome must be approve, pending, cancel or deny",
            &["outcome"],
        ),
    }
}
