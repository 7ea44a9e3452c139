//! A fake Stripe API on 127.0.0.1:0 for the connector's tests. It enforces what Stripe enforces
//! (payments.md §1): the secret key (Bearer, or Basic with the key as user name), form-encoded
//! bodies only, known and required parameters, idempotency keys (same key and parameters: the
//! saved answer replayed with `Idempotent-Replayed: true`; different parameters:
//! `idempotency_error`), the PaymentIntent state machine, refund limits, Stripe's test payment
//! methods, and Stripe's error JSON. It records every request, emits the events Stripe would
//! send, signs webhooks, and can be told to fail (500) or hang.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use hmac::{Hmac, KeyInit, Mac};
use serde_json::{Value, json};
use sha2::Sha256;

/// The only key the fake accepts.
pub const SECRET_KEY: &str = "sk_test_51FakeWayfareKey0123456789";
/// The webhook signing secret the fake signs with.
pub const WEBHOOK_SECRET: &str = "whsec_fake_wayfare_0123456789";

/// How the fake answers every API request.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    Normal,
    /// 500 `api_error` before doing anything.
    Fail500,
    /// Never answers (well, after a minute).
    Hang,
}

/// One request as the fake received it.
#[derive(Debug, Clone)]
pub struct RecordedRequest {
    pub method: String,
    pub path: String,
    pub query: Option<String>,
    /// Names in lower case.
    pub headers: Vec<(String, String)>,
    pub body: String,
}

impl RecordedRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }

    /// The decoded form parameters of the body.
    pub fn params(&self) -> Vec<(String, String)> {
        url::form_urlencoded::parse(self.body.as_bytes())
            .into_owned()
            .collect()
    }
}

/// A saved answer for an idempotency key.
struct Saved {
    fingerprint: (String, String, Vec<(String, String)>),
    status: StatusCode,
    body: Value,
    request_id: String,
}

#[derive(Default)]
struct Inner {
    base_url: String,
    mode: Option<Mode>,
    requests: Vec<RecordedRequest>,
    intents: HashMap<String, Value>,
    charges: HashMap<String, Value>,
    refunds: HashMap<String, Value>,
    setup_intents: HashMap<String, Value>,
    idempotency: HashMap<String, Saved>,
    events: Vec<Value>,
    counter: u64,
}

type Shared = Arc<Mutex<Inner>>;

/// A running fake.
#[derive(Clone)]
pub struct FakeStripe {
    base_url: String,
    inner: Shared,
}

fn lock(inner: &Shared) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|p| p.into_inner())
}

impl FakeStripe {
    /// Starts a fake on a free port.
    pub async fn start() -> FakeStripe {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner {
            base_url: base_url.clone(),
            ..Inner::default()
        }));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeStripe { base_url, inner }
    }

    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    pub fn set_mode(&self, mode: Mode) {
        lock(&self.inner).mode = Some(mode);
    }

    /// Every request received, oldest first.
    pub fn requests(&self) -> Vec<RecordedRequest> {
        lock(&self.inner).requests.clone()
    }

    /// The requests to `method path`, oldest first.
    pub fn requests_to(&self, method: &str, path: &str) -> Vec<RecordedRequest> {
        self.requests()
            .into_iter()
            .filter(|r| r.method == method && r.path == path)
            .collect()
    }

    pub fn payment_intent_count(&self) -> usize {
        lock(&self.inner).intents.len()
    }

    pub fn payment_intent(&self, id: &str) -> Option<Value> {
        lock(&self.inner).intents.get(id).cloned()
    }

    /// The events Stripe would have sent, oldest first.
    pub fn events(&self) -> Vec<Value> {
        lock(&self.inner).events.clone()
    }

    /// What Stripe.js does after the customer entered a card: the SetupIntent succeeds with
    /// `payment_method`.
    pub fn confirm_setup_intent(&self, id: &str, payment_method: &str) {
        let mut inner = lock(&self.inner);
        let seti = inner.setup_intents.get_mut(id).unwrap();
        seti["status"] = json!("succeeded");
        seti["payment_method"] = json!(payment_method);
        let seti = seti.clone();
        inner.emit("setup_intent.succeeded", seti);
    }

    /// POSTs `event` to `url` signed with `secret` at `timestamp`, as Stripe delivers webhooks.
    pub async fn deliver(
        &self,
        url: &str,
        event: &Value,
        secret: &str,
        timestamp: i64,
    ) -> reqwest::Response {
        let body = serde_json::to_vec(event).unwrap();
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/json; charset=utf-8")
            .header(
                "stripe-signature",
                signature_header(&body, secret, timestamp),
            )
            .body(body)
            .send()
            .await
            .unwrap()
    }
}

/// A correctly signed `Stripe-Signature` header for `body` sent at `timestamp`: `t=…,v1=hex(
/// HMAC-SHA256(secret, "{t}.{body}"))` (payments.md §1.7), computed here independently of the
/// connector.
pub fn signature_header(body: &[u8], secret: &str, timestamp: i64) -> String {
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{timestamp}.").as_bytes());
    mac.update(body);
    format!(
        "t={timestamp},v1={}",
        hex::encode(mac.finalize().into_bytes())
    )
}

fn now() -> i64 {
    chrono::Utc::now().timestamp()
}

/// Stripe's error answer.
fn error(
    status: StatusCode,
    kind: &str,
    code: Option<&str>,
    param: Option<&str>,
    message: &str,
) -> (StatusCode, Value) {
    let mut e = json!({ "type": kind, "message": message });
    if let Some(code) = code {
        e["code"] = json!(code);
        e["doc_url"] = json!(format!("https://stripe.com/docs/error-codes/{code}"));
    }
    if let Some(param) = param {
        e["param"] = json!(param);
    }
    (status, json!({ "error": e }))
}

fn invalid(code: Option<&str>, param: Option<&str>, message: &str) -> (StatusCode, Value) {
    error(
        StatusCode::BAD_REQUEST,
        "invalid_request_error",
        code,
        param,
        message,
    )
}

fn not_found(kind: &str, id: &str) -> (StatusCode, Value) {
    error(
        StatusCode::NOT_FOUND,
        "invalid_request_error",
        Some("resource_missing"),
        Some("id"),
        &format!("No such {kind}: '{id}'"),
    )
}

/// The form parameters of one request.
struct Params(Vec<(String, String)>);

impl Params {
    fn get(&self, name: &str) -> Option<&str> {
        self.0
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }

    /// Refuses parameters Stripe does not know. `allowed` holds plain names, `name[]` for
    /// lists (indexed or not) and `name[*]` for maps.
    fn check_known(&self, allowed: &[&str]) -> Result<(), (StatusCode, Value)> {
        for (key, _) in &self.0 {
            let ok = allowed.iter().any(|a| {
                if let Some(list) = a.strip_suffix("[]") {
                    key.strip_prefix(list)
                        .and_then(|rest| rest.strip_prefix('['))
                        .and_then(|rest| rest.strip_suffix(']'))
                        .is_some_and(|i| i.chars().all(|c| c.is_ascii_digit()))
                } else if let Some(map) = a.strip_suffix("[*]") {
                    key.strip_prefix(map)
                        .is_some_and(|rest| rest.starts_with('[') && rest.ends_with(']'))
                } else {
                    key == a
                }
            });
            if !ok {
                return Err(invalid(
                    Some("parameter_unknown"),
                    Some(key),
                    &format!("Received unknown parameter: {key}"),
                ));
            }
        }
        Ok(())
    }

    fn required(&self, name: &str) -> Result<&str, (StatusCode, Value)> {
        self.get(name).ok_or_else(|| {
            invalid(
                Some("parameter_missing"),
                Some(name),
                &format!("Missing required param: {name}."),
            )
        })
    }

    fn int(&self, name: &str) -> Result<Option<i64>, (StatusCode, Value)> {
        match self.get(name) {
            None => Ok(None),
            Some(v) => v.parse::<i64>().map(Some).map_err(|_| {
                invalid(
                    Some("parameter_invalid_integer"),
                    Some(name),
                    &format!("Invalid integer: {v}"),
                )
            }),
        }
    }

    fn bool(&self, name: &str) -> Result<Option<bool>, (StatusCode, Value)> {
        match self.get(name) {
            None => Ok(None),
            Some("true") => Ok(Some(true)),
            Some("false") => Ok(Some(false)),
            Some(v) => Err(invalid(
                Some("parameter_invalid_boolean"),
                Some(name),
                &format!("Invalid boolean: {v}"),
            )),
        }
    }

    /// `name[key]=v` entries as a JSON object.
    fn map(&self, name: &str) -> Value {
        let prefix = format!("{name}[");
        let mut out = serde_json::Map::new();
        for (k, v) in &self.0 {
            if let Some(sub) = k.strip_prefix(&prefix).and_then(|s| s.strip_suffix(']')) {
                out.insert(sub.to_owned(), json!(v));
            }
        }
        Value::Object(out)
    }

    /// `name[0]=…`, `name[1]=…` in index order.
    fn list(&self, name: &str) -> Vec<String> {
        let prefix = format!("{name}[");
        let mut items = BTreeMap::new();
        for (k, v) in &self.0 {
            if let Some(i) = k.strip_prefix(&prefix).and_then(|s| s.strip_suffix(']')) {
                items.insert(i.parse::<usize>().unwrap_or(usize::MAX), v.clone());
            }
        }
        items.into_values().collect()
    }
}

/// What a test payment method does when confirmed (payments.md §1.8).
enum Behaviour {
    Succeed,
    Decline(&'static str, &'static str),
    Authenticate,
}

fn behaviour(pm: &str) -> Option<Behaviour> {
    Some(match pm {
        "pm_card_visa" | "pm_card_mastercard" | "pm_card_amex" | "pm_card_visa_debit" => {
            Behaviour::Succeed
        }
        "pm_card_chargeDeclined" | "pm_card_visa_chargeDeclined" => {
            Behaviour::Decline("generic_decline", "Your card was declined.")
        }
        "pm_card_chargeDeclinedInsufficientFunds"
        | "pm_card_visa_chargeDeclinedInsufficientFunds" => {
            Behaviour::Decline("insufficient_funds", "Your card has insufficient funds.")
        }
        "pm_card_authenticationRequired" | "pm_card_threeDSecure2Required" => {
            Behaviour::Authenticate
        }
        _ => return None,
    })
}

impl Inner {
    fn new_id(&mut self, prefix: &str) -> String {
        self.counter += 1;
        format!("{prefix}_Fake{:010}", self.counter)
    }

    fn emit(&mut self, kind: &str, object: Value) {
        let id = self.new_id("evt");
        self.events.push(json!({
            "id": id, "object": "event", "api_version": "2024-06-20", "created": now(),
            "livemode": false, "type": kind, "data": { "object": object },
            "pending_webhooks": 1, "request": { "id": null, "idempotency_key": null },
        }));
    }

    /// The PaymentIntent as answered: `latest_charge` expanded when asked.
    fn intent_json(&self, id: &str, expand: &[String]) -> Value {
        let mut pi = self.intents[id].clone();
        if expand.iter().any(|e| e == "latest_charge")
            && let Some(charge) = pi["latest_charge"]
                .as_str()
                .and_then(|c| self.charges.get(c))
        {
            pi["latest_charge"] = charge.clone();
        }
        pi
    }

    fn unexpected_state(&self, id: &str, message: String) -> (StatusCode, Value) {
        let (status, mut body) = invalid(Some("payment_intent_unexpected_state"), None, &message);
        body["error"]["payment_intent"] = self.intents[id].clone();
        (status, body)
    }

    fn new_charge(&mut self, pi_id: &str, captured: bool, failed: bool) -> String {
        let id = self.new_id("ch");
        let pi = &self.intents[pi_id];
        let amount = pi["amount"].as_i64().unwrap_or(0);
        let charge = json!({
            "id": id, "object": "charge", "amount": amount,
            "amount_captured": if captured { amount } else { 0 },
            "amount_refunded": 0, "captured": captured, "refunded": false,
            "currency": pi["currency"], "payment_intent": pi_id, "paid": !failed,
            "status": if failed { "failed" } else { "succeeded" }, "created": now(),
        });
        self.charges.insert(id.clone(), charge);
        id
    }

    /// The payment is authorised: charged (automatic) or held (manual).
    fn succeed(&mut self, pi_id: &str) {
        let manual = self.intents[pi_id]["capture_method"] == "manual";
        let charge = self.new_charge(pi_id, !manual, false);
        let pi = self.intents.get_mut(pi_id).unwrap();
        let amount = pi["amount"].clone();
        pi["latest_charge"] = json!(charge);
        pi["next_action"] = Value::Null;
        pi["last_payment_error"] = Value::Null;
        if manual {
            pi["status"] = json!("requires_capture");
            pi["amount_capturable"] = amount;
        } else {
            pi["status"] = json!("succeeded");
            pi["amount_received"] = amount;
        }
        let pi = pi.clone();
        let kind = if manual {
            "payment_intent.amount_capturable_updated"
        } else {
            "payment_intent.succeeded"
        };
        self.emit(kind, pi);
    }

    /// The attempt failed: back to `requires_payment_method` with `last_payment_error`.
    fn fail(&mut self, pi_id: &str, last_error: Value, with_charge: bool) {
        let charge = with_charge.then(|| self.new_charge(pi_id, false, true));
        let pi = self.intents.get_mut(pi_id).unwrap();
        pi["status"] = json!("requires_payment_method");
        pi["payment_method"] = Value::Null;
        pi["next_action"] = Value::Null;
        pi["last_payment_error"] = last_error;
        if let Some(charge) = charge {
            pi["latest_charge"] = json!(charge);
        }
        let pi = pi.clone();
        self.emit("payment_intent.payment_failed", pi);
    }

    fn confirm(&mut self, pi_id: &str, pm: &str, return_url: Option<&str>) -> (StatusCode, Value) {
        let Some(b) = behaviour(pm) else {
            return invalid(
                Some("resource_missing"),
                Some("payment_method"),
                &format!("No such PaymentMethod: '{pm}'"),
            );
        };
        self.intents.get_mut(pi_id).unwrap()["payment_method"] = json!(pm);
        match b {
            Behaviour::Succeed => {
                self.succeed(pi_id);
                (StatusCode::OK, self.intents[pi_id].clone())
            }
            Behaviour::Authenticate => {
                let url = format!("{}/3ds/{pi_id}", self.base_url);
                let pi = self.intents.get_mut(pi_id).unwrap();
                pi["status"] = json!("requires_action");
                pi["next_action"] = json!({
                    "type": "redirect_to_url",
                    "redirect_to_url": { "url": url, "return_url": return_url },
                });
                let pi = pi.clone();
                self.emit("payment_intent.requires_action", pi.clone());
                (StatusCode::OK, pi)
            }
            Behaviour::Decline(decline_code, message) => {
                let last_error = json!({
                    "type": "card_error", "code": "card_declined", "decline_code": decline_code,
                    "message": message,
                    "payment_method": { "id": pm, "object": "payment_method", "type": "card" },
                });
                self.fail(pi_id, last_error, true);
                let pi = self.intents[pi_id].clone();
                let (_, mut body) = error(
                    StatusCode::PAYMENT_REQUIRED,
                    "card_error",
                    Some("card_declined"),
                    None,
                    message,
                );
                body["error"]["decline_code"] = json!(decline_code);
                body["error"]["charge"] = pi["latest_charge"].clone();
                body["error"]["payment_intent"] = pi;
                (StatusCode::PAYMENT_REQUIRED, body)
            }
        }
    }

    fn create_intent(&mut self, p: &Params) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&[
            "amount",
            "currency",
            "capture_method",
            "confirm",
            "payment_method",
            "payment_method_types[]",
            "automatic_payment_methods[*]",
            "customer",
            "metadata[*]",
            "description",
            "return_url",
            "receipt_email",
            "expand[]",
        ])?;
        p.required("amount")?;
        let amount = p.int("amount")?.unwrap_or(0);
        if amount <= 0 {
            return Err(invalid(
                Some("amount_too_small"),
                Some("amount"),
                "Amount must be at least 1",
            ));
        }
        let currency = p.required("currency")?;
        if currency.len() != 3 || !currency.chars().all(|c| c.is_ascii_lowercase()) {
            return Err(invalid(
                None,
                Some("currency"),
                &format!(
                    "Invalid currency: {currency}. Stripe currently supports these currencies: usd, eur, cny, jpy …"
                ),
            ));
        }
        let capture_method = p.get("capture_method").unwrap_or("automatic_async");
        if !["automatic", "automatic_async", "manual"].contains(&capture_method) {
            return Err(invalid(
                None,
                Some("capture_method"),
                &format!("Invalid capture_method: {capture_method}"),
            ));
        }
        let confirm = p.bool("confirm")?.unwrap_or(false);
        let pm = p.get("payment_method");
        if confirm && pm.is_none() {
            return Err(invalid(
                Some("payment_intent_unexpected_state"),
                None,
                "You cannot confirm this PaymentIntent because it's missing a payment method.",
            ));
        }
        if let Some(pm) = pm
            && behaviour(pm).is_none()
        {
            return Err(invalid(
                Some("resource_missing"),
                Some("payment_method"),
                &format!("No such PaymentMethod: '{pm}'"),
            ));
        }
        let id = self.new_id("pi");
        let pi = json!({
            "id": id, "object": "payment_intent", "amount": amount, "amount_capturable": 0,
            "amount_received": 0, "currency": currency, "capture_method": capture_method,
            "client_secret": format!("{id}_secret_FakeSecret{}", self.counter),
            "confirmation_method": "automatic", "created": now(),
            "description": p.get("description"), "receipt_email": p.get("receipt_email"),
            "customer": p.get("customer"), "metadata": p.map("metadata"),
            "last_payment_error": null, "latest_charge": null, "livemode": false,
            "next_action": null, "payment_method": pm, "cancellation_reason": null,
            "canceled_at": null,
            "payment_method_types": if p.list("payment_method_types").is_empty() { json!(["card"]) } else { json!(p.list("payment_method_types")) },
            "status": if pm.is_some() { "requires_confirmation" } else { "requires_payment_method" },
        });
        self.intents.insert(id.clone(), pi.clone());
        self.emit("payment_intent.created", pi);
        let (status, body) = match (confirm, pm) {
            (true, Some(pm)) => self.confirm(&id, pm, p.get("return_url")),
            _ => (StatusCode::OK, self.intents[&id].clone()),
        };
        if status == StatusCode::OK {
            Ok((status, self.intent_json(&id, &p.list("expand"))))
        } else {
            Ok((status, body))
        }
    }

    fn capture(
        &mut self,
        id: &str,
        p: &Params,
    ) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&[
            "amount_to_capture",
            "expand[]",
            "metadata[*]",
            "final_capture",
            "statement_descriptor",
            "statement_descriptor_suffix",
        ])?;
        let Some(pi) = self.intents.get(id) else {
            return Err(not_found("payment_intent", id));
        };
        let status = pi["status"].as_str().unwrap_or("").to_owned();
        if status != "requires_capture" {
            return Err(self.unexpected_state(id, format!(
                "This PaymentIntent could not be captured because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be captured: requires_capture."
            )));
        }
        let capturable = pi["amount_capturable"].as_i64().unwrap_or(0);
        let amount = p.int("amount_to_capture")?.unwrap_or(capturable);
        if amount <= 0 || amount > capturable {
            return Err(invalid(
                None,
                Some("amount_to_capture"),
                &format!(
                    "The amount to capture ({amount}) must be more than 0 and at most the amount capturable ({capturable})."
                ),
            ));
        }
        let charge_id = pi["latest_charge"].as_str().unwrap_or("").to_owned();
        let total = pi["amount"].as_i64().unwrap_or(0);
        let charge = self.charges.get_mut(&charge_id).unwrap();
        charge["captured"] = json!(true);
        charge["amount_captured"] = json!(amount);
        // Like Stripe: the released rest shows as refunded on the charge.
        charge["amount_refunded"] = json!(total - amount);
        let pi = self.intents.get_mut(id).unwrap();
        pi["status"] = json!("succeeded");
        pi["amount_capturable"] = json!(0);
        pi["amount_received"] = json!(amount);
        let pi = pi.clone();
        self.emit("payment_intent.succeeded", pi);
        Ok((StatusCode::OK, self.intent_json(id, &p.list("expand"))))
    }

    fn cancel(&mut self, id: &str, p: &Params) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&["cancellation_reason", "expand[]"])?;
        let Some(pi) = self.intents.get(id) else {
            return Err(not_found("payment_intent", id));
        };
        let status = pi["status"].as_str().unwrap_or("").to_owned();
        if ![
            "requires_payment_method",
            "requires_capture",
            "requires_confirmation",
            "requires_action",
        ]
        .contains(&status.as_str())
        {
            return Err(self.unexpected_state(id, format!(
                "You cannot cancel this PaymentIntent because it has a status of {status}. Only a PaymentIntent with one of the following statuses may be canceled: requires_payment_method, requires_capture, requires_confirmation, requires_action, processing."
            )));
        }
        let reason = p.get("cancellation_reason");
        if let Some(r) = reason
            && ![
                "abandoned",
                "duplicate",
                "fraudulent",
                "requested_by_customer",
            ]
            .contains(&r)
        {
            return Err(invalid(
                None,
                Some("cancellation_reason"),
                "Invalid cancellation_reason: must be one of abandoned, duplicate, fraudulent, or requested_by_customer",
            ));
        }
        if status == "requires_capture" {
            let charge_id = pi["latest_charge"].as_str().unwrap_or("").to_owned();
            let total = pi["amount"].clone();
            if let Some(charge) = self.charges.get_mut(&charge_id) {
                charge["amount_refunded"] = total;
                charge["refunded"] = json!(true);
            }
        }
        let pi = self.intents.get_mut(id).unwrap();
        pi["status"] = json!("canceled");
        pi["amount_capturable"] = json!(0);
        pi["next_action"] = Value::Null;
        pi["cancellation_reason"] = json!(reason);
        pi["canceled_at"] = json!(now());
        let pi = pi.clone();
        self.emit("payment_intent.canceled", pi);
        Ok((StatusCode::OK, self.intent_json(id, &p.list("expand"))))
    }

    fn create_refund(&mut self, p: &Params) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&[
            "payment_intent",
            "charge",
            "amount",
            "reason",
            "metadata[*]",
            "expand[]",
        ])?;
        let Some(pi_id) = p.get("payment_intent") else {
            return Err(invalid(
                Some("parameter_missing"),
                Some("payment_intent"),
                "One of the following params should be provided for this request: payment_intent or charge.",
            ));
        };
        let Some(pi) = self.intents.get(pi_id) else {
            return Err(invalid(
                Some("resource_missing"),
                Some("payment_intent"),
                &format!("No such payment_intent: '{pi_id}'"),
            ));
        };
        if pi["status"] != "succeeded" {
            return Err(invalid(
                Some("payment_intent_unexpected_state"),
                Some("payment_intent"),
                &format!(
                    "This PaymentIntent ({pi_id}) does not have a successful charge to refund."
                ),
            ));
        }
        if let Some(r) = p.get("reason")
            && !["duplicate", "fraudulent", "requested_by_customer"].contains(&r)
        {
            return Err(invalid(
                None,
                Some("reason"),
                "Invalid reason: must be one of duplicate, fraudulent, or requested_by_customer",
            ));
        }
        let charge_id = pi["latest_charge"].as_str().unwrap_or("").to_owned();
        let charge = &self.charges[&charge_id];
        let total = charge["amount"].as_i64().unwrap_or(0);
        let captured = charge["amount_captured"].as_i64().unwrap_or(0);
        let refunded = charge["amount_refunded"].as_i64().unwrap_or(0);
        let currency = charge["currency"].clone();
        let left = captured - (refunded - (total - captured));
        if left <= 0 {
            return Err(invalid(
                Some("charge_already_refunded"),
                None,
                &format!("Charge {charge_id} has already been refunded."),
            ));
        }
        let amount = p.int("amount")?.unwrap_or(left);
        if amount <= 0 {
            return Err(invalid(None, Some("amount"), "Amount must be at least 1"));
        }
        if amount > left {
            return Err(invalid(
                None,
                Some("amount"),
                &format!(
                    "Refund amount ({amount}) is greater than unrefunded amount on charge ({left})"
                ),
            ));
        }
        let id = self.new_id("re");
        let refund = json!({
            "id": id, "object": "refund", "amount": amount, "charge": charge_id,
            "currency": currency, "created": now(), "metadata": p.map("metadata"),
            "payment_intent": pi_id, "reason": p.get("reason"), "status": "succeeded",
        });
        self.refunds.insert(id.clone(), refund.clone());
        let charge = self.charges.get_mut(&charge_id).unwrap();
        charge["amount_refunded"] = json!(refunded + amount);
        charge["refunded"] = json!(refunded + amount == total);
        let charge = charge.clone();
        self.emit("refund.created", refund.clone());
        self.emit("charge.refunded", charge);
        Ok((StatusCode::OK, refund))
    }

    fn create_setup_intent(
        &mut self,
        p: &Params,
    ) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&[
            "customer",
            "payment_method_types[]",
            "automatic_payment_methods[*]",
            "usage",
            "metadata[*]",
            "description",
            "expand[]",
        ])?;
        if let Some(c) = p.get("customer")
            && !c.starts_with("cus_")
        {
            return Err(invalid(
                Some("resource_missing"),
                Some("customer"),
                &format!("No such customer: '{c}'"),
            ));
        }
        let id = self.new_id("seti");
        let seti = json!({
            "id": id, "object": "setup_intent",
            "client_secret": format!("{id}_secret_FakeSecret{}", self.counter),
            "customer": p.get("customer"), "status": "requires_payment_method",
            "payment_method": null, "usage": p.get("usage").unwrap_or("off_session"),
            "payment_method_types": p.list("payment_method_types"), "created": now(),
        });
        self.setup_intents.insert(id, seti.clone());
        Ok((StatusCode::OK, seti))
    }

    /// Routes one authenticated API request.
    fn route(&mut self, method: &Method, path: &str, p: &Params) -> (StatusCode, Value) {
        let parts: Vec<&str> = path.trim_start_matches('/').split('/').collect();
        let result = match (method.as_str(), parts.as_slice()) {
            ("POST", ["v1", "payment_intents"]) => self.create_intent(p),
            ("GET", ["v1", "payment_intents", id]) => match self.intents.contains_key(*id) {
                true => Ok((StatusCode::OK, self.intent_json(id, &p.list("expand")))),
                false => Err(not_found("payment_intent", id)),
            },
            ("POST", ["v1", "payment_intents", id, "capture"]) => self.capture(id, p),
            ("POST", ["v1", "payment_intents", id, "cancel"]) => self.cancel(id, p),
            ("POST", ["v1", "refunds"]) => self.create_refund(p),
            ("GET", ["v1", "refunds", id]) => match self.refunds.get(*id) {
                Some(r) => Ok((StatusCode::OK, r.clone())),
                None => Err(not_found("refund", id)),
            },
            ("POST", ["v1", "setup_intents"]) => self.create_setup_intent(p),
            ("GET", ["v1", "setup_intents", id]) => match self.setup_intents.get(*id) {
                Some(s) => Ok((StatusCode::OK, s.clone())),
                None => Err(not_found("setup_intent", id)),
            },
            _ => Err(error(
                StatusCode::NOT_FOUND,
                "invalid_request_error",
                None,
                None,
                &format!("Unrecognized request URL ({method}: {path})."),
            )),
        };
        result.unwrap_or_else(|e| e)
    }

    /// The customer's answer on the 3-D Secure page.
    fn authenticate(&mut self, id: &str, approve: bool) -> (StatusCode, Value) {
        match self.intents.get(id) {
            Some(pi) if pi["status"] == "requires_action" => {}
            Some(_) => return (StatusCode::BAD_REQUEST, json!({"page": "nothing to do"})),
            None => return (StatusCode::NOT_FOUND, json!({"page": "no such payment"})),
        }
        if approve {
            self.succeed(id);
        } else {
            let pm = self.intents[id]["payment_method"].clone();
            let last_error = json!({
                "type": "invalid_request_error",
                "code": "payment_intent_authentication_failure",
                "message": "The provided PaymentMethod has failed authentication. You can provide payment_method_data or a new PaymentMethod to attempt to fulfill this PaymentIntent again.",
                "payment_method": { "id": pm, "object": "payment_method" },
            });
            self.fail(id, last_error, false);
        }
        (StatusCode::OK, json!({"page": "done"}))
    }
}

fn json_response(status: StatusCode, body: &Value, request_id: &str) -> Response {
    let mut response = (status, axum::Json(body.clone())).into_response();
    if let Ok(v) = HeaderValue::from_str(request_id) {
        response.headers_mut().insert("request-id", v);
    }
    response
}

/// Is this the configured key, as Bearer or as Basic user name?
fn authorised(headers: &HeaderMap) -> bool {
    let Some(value) = headers.get("authorization").and_then(|v| v.to_str().ok()) else {
        return false;
    };
    if let Some(key) = value.strip_prefix("Bearer ") {
        return key == SECRET_KEY;
    }
    if let Some(encoded) = value.strip_prefix("Basic ")
        && let Ok(decoded) = base64::engine::general_purpose::STANDARD.decode(encoded)
        && let Ok(decoded) = String::from_utf8(decoded)
    {
        return decoded.split_once(':').map(|(user, _)| user) == Some(SECRET_KEY);
    }
    false
}

async fn handle(
    State(inner): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path = uri.path().to_owned();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let mode = {
        let mut inner = lock(&inner);
        inner.requests.push(RecordedRequest {
            method: method.to_string(),
            path: path.clone(),
            query: uri.query().map(str::to_owned),
            headers: headers
                .iter()
                .map(|(n, v)| {
                    (
                        n.as_str().to_owned(),
                        String::from_utf8_lossy(v.as_bytes()).into_owned(),
                    )
                })
                .collect(),
            body: body_text.clone(),
        });
        inner.counter += 1;
        inner.mode.unwrap_or(Mode::Normal)
    };

    // The customer's browser on the 3-D Secure page: no API key.
    if let Some(id) = path.strip_prefix("/3ds/") {
        let approve = uri.query() == Some("outcome=approve");
        let (status, body) = lock(&inner).authenticate(id, approve);
        return (status, axum::Json(body)).into_response();
    }

    match mode {
        Mode::Normal => {}
        Mode::Fail500 => {
            let (status, body) = error(
                StatusCode::INTERNAL_SERVER_ERROR,
                "api_error",
                None,
                None,
                "An unknown error occurred",
            );
            return json_response(status, &body, "req_fail");
        }
        Mode::Hang => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
    }

    let request_id = {
        let mut inner = lock(&inner);
        inner.new_id("req")
    };

    if !authorised(&headers) {
        let message = match headers.get("authorization") {
            None => "You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').".to_owned(),
            Some(v) => {
                let shown = v.to_str().unwrap_or("");
                let tail: String = shown.chars().rev().take(4).collect::<Vec<_>>().into_iter().rev().collect();
                format!("Invalid API Key provided: sk_test_****{tail}")
            }
        };
        let (status, body) = error(
            StatusCode::UNAUTHORIZED,
            "invalid_request_error",
            None,
            None,
            &message,
        );
        return json_response(status, &body, &request_id);
    }

    let params = if method == Method::POST {
        let content_type = headers
            .get("content-type")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        if !body.is_empty() && !content_type.starts_with("application/x-www-form-urlencoded") {
            let (status, body) = invalid(
                None,
                None,
                &format!(
                    "Invalid request: unsupported Content-Type {content_type}. If error persists and you need assistance, please contact support@stripe.com."
                ),
            );
            return json_response(status, &body, &request_id);
        }
        url::form_urlencoded::parse(&body).into_owned().collect()
    } else {
        url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes())
            .into_owned()
            .collect()
    };
    let params = Params(params);

    let key = if method == Method::POST {
        headers
            .get("idempotency-key")
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned)
    } else {
        None
    };
    let mut sorted = params.0.clone();
    sorted.sort();
    let fingerprint = (method.to_string(), path.clone(), sorted);

    let mut inner = lock(&inner);
    if let Some(key) = &key {
        if key.len() > 255 {
            let (status, body) = invalid(
                None,
                None,
                "Idempotency-Key must be at most 255 characters long.",
            );
            return json_response(status, &body, &request_id);
        }
        if let Some(saved) = inner.idempotency.get(key) {
            if saved.fingerprint != fingerprint {
                let (status, body) = error(
                    StatusCode::BAD_REQUEST,
                    "idempotency_error",
                    None,
                    None,
                    &format!(
                        "Keys for idempotent requests can only be used with the same parameters they were first used with. Try using a key other than '{key}' if you meant to execute a different request."
                    ),
                );
                return json_response(status, &body, &request_id);
            }
            let mut response = json_response(saved.status, &saved.body, &request_id);
            response
                .headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            if let Ok(v) = HeaderValue::from_str(&saved.request_id) {
                response.headers_mut().insert("original-request", v);
            }
            return response;
        }
    }
    let (status, body) = inner.route(&method, &path, &params);
    // Stripe keeps the answer once the endpoint ran: successes and declines.
    if let Some(key) = key
        && (status.is_success() || status == StatusCode::PAYMENT_REQUIRED)
    {
        inner.idempotency.insert(
            key,
            Saved {
                fingerprint,
                status,
                body: body.clone(),
                request_id: request_id.clone(),
            },
        );
    }
    json_response(status, &body, &request_id)
}
