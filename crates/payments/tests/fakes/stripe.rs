//! A fake Stripe API on 127.0.0.1:0 for the connector's tests. It enforces what Stripe enforces
//! (payments.md §1): the secret key (Bearer, or Basic with the key as user name), form-encoded
//! bodies only, known and required parameters, idempotency keys (same key and parameters: the
//! saved answer replayed with `Idempotent-Replayed: true`; different parameters:
//! `idempotency_error`), the PaymentIntent state machine, refund limits, Stripe's test payment
//! methods, and Stripe's error JSON. It records every request, emits the events Stripe would
//! send, signs webhooks, and can be told to fail (500) or hang.
//!
//! It is also a fake **Stripe.js** for browser tests: `GET {base_url}/v3/` serves a small
//! script defining `window.Stripe(publishableKey)` with a card Element and
//! `createPaymentMethod`, which tokenises the card by posting it to the fake's
//! `POST /v1/payment_methods` with [`PUBLISHABLE_KEY`] (so the card number never reaches the
//! merchant's server). The `pm_…` it creates behaves in PaymentIntents like Stripe's test card
//! of that number (4242… succeeds, 4000000000000002 declines, 4000002500003155 needs 3-D
//! Secure…). The fake keeps only brand, last4 and expiry of a card (the recorded request
//! bodies still show what was sent).
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `axum`,
//! `base64`, `chrono`, `hex`, `hmac`, `reqwest`, `serde_json`, `sha2`, `tokio` and `url`.

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
use sha2::{Digest, Sha256};

/// The only key the fake accepts.
pub const SECRET_KEY: &str = "sk_test_51FakeWayfareKey0123456789";
/// The webhook signing secret the fake signs with.
pub const WEBHOOK_SECRET: &str = "whsec_fake_wayfare_0123456789";
/// The only publishable key the fake accepts (Stripe.js, `POST /v1/payment_methods`).
pub const PUBLISHABLE_KEY: &str = "pk_test_51FakeWayfareKey0123456789";
/// The instalment counts the fake offers on every card (Stripe's Mexican `fixed_count` plans).
pub const AVAILABLE_INSTALMENT_COUNTS: &[i64] = &[3, 6, 9, 12, 18, 24];

/// The fake Stripe.js served at `/v3/` and `/v3/stripe.js` (see the module docs).
pub const STRIPE_JS: &str = r##"/* A fake Stripe.js (v3) for Wayfare's browser tests; not Stripe's code. Stripe(pk).elements()
   .create('card') mounts number / expiry / CVC inputs without `name` (so a form never posts the
   card), and createPaymentMethod() posts the card to this fake's /v1/payment_methods with the
   publishable key, resolving like Stripe.js: {paymentMethod} or {error}. */
(function () {
  'use strict';
  var script = document.currentScript;
  if (!script) {
    var all = document.getElementsByTagName('script');
    for (var i = all.length - 1; i >= 0 && !script; i--) {
      if (/\/v3(\/|\/stripe\.js)?(\?.*)?$/.test(all[i].src || '')) script = all[i];
    }
  }
  var src = script && script.src ? script.src : window.location.href;
  var endpoint = new URL('../v1/payment_methods', src).href;

  var MESSAGES = {
    incomplete_number: 'Your card number is incomplete.',
    invalid_number: 'Your card number is invalid.',
    incomplete_expiry: "Your card's expiration date is incomplete.",
    invalid_expiry_month: "Your card's expiration date is invalid.",
    invalid_expiry_month_past: "Your card's expiration date is in the past.",
    invalid_expiry_year_past: "Your card's expiration year is in the past.",
    invalid_expiry_year: "Your card's expiration year is invalid.",
    incomplete_cvc: "Your card's security code is incomplete."
  };
  var LENGTHS = {
    visa: [13, 16, 19], mastercard: [16], amex: [15], diners: [14, 16],
    discover: [16, 17, 18, 19], jcb: [16, 17, 18, 19], unionpay: [16, 17, 18, 19],
    unknown: [12, 13, 14, 15, 16, 17, 18, 19]
  };

  function integrationError(message) {
    var e = new Error(message);
    e.name = 'IntegrationError';
    return e;
  }
  function digits(v) { return String(v || '').replace(/\D/g, ''); }
  function luhn(n) {
    var sum = 0;
    for (var i = 0; i < n.length; i++) {
      var d = +n.charAt(n.length - 1 - i);
      if (i % 2 === 1) { d *= 2; if (d > 9) d -= 9; }
      sum += d;
    }
    return sum % 10 === 0;
  }
  function brandOf(n) {
    if (/^4/.test(n)) return 'visa';
    if (/^(5[1-5]|222[1-9]|22[3-9]|2[3-6]|27[01]|2720)/.test(n)) return 'mastercard';
    if (/^3[47]/.test(n)) return 'amex';
    if (/^(6011|64[4-9]|65)/.test(n)) return 'discover';
    if (/^(30[0-5]|36|38|39)/.test(n)) return 'diners';
    if (/^35/.test(n)) return 'jcb';
    if (/^62/.test(n)) return 'unionpay';
    return 'unknown';
  }
  function checkNumber(n) {
    var lengths = LENGTHS[brandOf(n)];
    if (lengths.indexOf(n.length) >= 0 && luhn(n)) return null;
    var full = n.length >= Math.max.apply(null, lengths) ||
      (lengths.indexOf(n.length) >= 0 && n.length >= 15);
    return full ? 'invalid_number' : 'incomplete_number';
  }
  /* "MM/YY", "MM / YYYY", "MMYY" or "MMYYYY": {month, year} or {code}. */
  function checkExpiry(v) {
    var m = /^\s*(\d{1,2})\s*\/\s*(\d{2}|\d{4})\s*$/.exec(v) ||
      /^\s*(\d{2})(\d{2}|\d{4})\s*$/.exec(v);
    if (!m) return { code: 'incomplete_expiry' };
    var month = +m[1], year = m[2].length === 2 ? 2000 + +m[2] : +m[2];
    var now = new Date(), thisYear = now.getFullYear();
    if (month < 1 || month > 12) return { code: 'invalid_expiry_month' };
    if (year < thisYear) return { code: 'invalid_expiry_year_past' };
    if (year === thisYear && month < now.getMonth() + 1) return { code: 'invalid_expiry_month_past' };
    if (year > thisYear + 50) return { code: 'invalid_expiry_year' };
    return { month: month, year: year };
  }
  function validationError(code) {
    return { type: 'validation_error', code: code, message: MESSAGES[code] };
  }
  function encodeKey(k) {
    return encodeURIComponent(k).replace(/%5B/g, '[').replace(/%5D/g, ']');
  }
  /* Stripe's form encoding: nested objects as key[sub]=v, nulls left out. */
  function flatten(key, value, out) {
    if (value === null || value === undefined) return;
    if (typeof value === 'object') {
      Object.keys(value).forEach(function (k) { flatten(key + '[' + k + ']', value[k], out); });
    } else {
      out.push(encodeKey(key) + '=' + encodeURIComponent(String(value)));
    }
  }

  function CardElement(group) {
    var self = this;
    this._group = group;
    this._handlers = {};
    this._node = null;
    this._destroyed = false;
    this._box = document.createElement('div');
    this._box.className = '__FakeStripeElement';
    this._box.style.display = 'flex';
    this._box.style.gap = '8px';
    function field(id, label, placeholder, autocomplete, maxLength, flex) {
      var input = document.createElement('input');
      input.setAttribute('id', id);
      input.setAttribute('type', 'text');
      input.setAttribute('inputmode', 'numeric');
      input.setAttribute('autocomplete', autocomplete);
      input.setAttribute('placeholder', placeholder);
      input.setAttribute('aria-label', label);
      input.setAttribute('maxlength', String(maxLength));
      input.style.flex = flex;
      input.addEventListener('input', function () { self._changed(); });
      input.addEventListener('focus', function () { self._focus(true); });
      input.addEventListener('blur', function () { self._focus(false); });
      self._box.appendChild(input);
      return input;
    }
    this._inputs = {
      number: field('fake-stripe-number', 'Card number', '1234 1234 1234 1234', 'cc-number', 23, '3'),
      expiry: field('fake-stripe-expiry', 'Expiration date MM / YY', 'MM / YY', 'cc-exp', 9, '1'),
      cvc: field('fake-stripe-cvc', 'CVC', 'CVC', 'cc-csc', 4, '1')
    };
  }
  CardElement.prototype._emit = function (event, payload) {
    (this._handlers[event] || []).slice().forEach(function (h) { h(payload); });
  };
  /* What the customer typed: the card when complete, else the first error. */
  CardElement.prototype._state = function () {
    var number = digits(this._inputs.number.value);
    var expiryText = this._inputs.expiry.value;
    var cvc = digits(this._inputs.cvc.value);
    var numberCode = checkNumber(number);
    var expiry = checkExpiry(expiryText);
    var cvcCode = cvc.length >= 3 && cvc.length <= 4 ? null : 'incomplete_cvc';
    var codes = [numberCode, expiry.code || null, cvcCode].filter(Boolean);
    var shown = codes.filter(function (c) { return c.indexOf('invalid_') === 0; })[0];
    return {
      empty: !number && !expiryText.trim() && !cvc,
      complete: codes.length === 0,
      brand: brandOf(number),
      error: codes.length ? validationError(codes[0]) : undefined,
      shown: shown ? validationError(shown) : undefined,
      card: { number: number, exp_month: expiry.month, exp_year: expiry.year, cvc: cvc }
    };
  };
  CardElement.prototype._classes = function (s, focused) {
    if (!this._node) return;
    var list = this._node.classList;
    list.add('StripeElement');
    list.toggle('StripeElement--empty', s.empty);
    list.toggle('StripeElement--complete', s.complete);
    list.toggle('StripeElement--invalid', !!s.shown);
    if (focused !== undefined) list.toggle('StripeElement--focus', focused);
  };
  CardElement.prototype._changed = function () {
    var s = this._state();
    this._classes(s);
    this._emit('change', {
      elementType: 'card', empty: s.empty, complete: s.complete, brand: s.brand,
      error: s.shown, value: { postalCode: '' }
    });
  };
  CardElement.prototype._focus = function (focused) {
    this._classes(this._state(), focused);
    this._emit(focused ? 'focus' : 'blur', { elementType: 'card' });
  };
  CardElement.prototype.mount = function (target) {
    if (this._destroyed) throw integrationError('This Element has already been destroyed. Please create a new one.');
    if (this._node) throw integrationError('This Element is already mounted. Use `unmount()` to unmount the Element before re-mounting.');
    var node = typeof target === 'string' ? document.querySelector(target) : target;
    if (!node || node.nodeType !== 1) {
      throw integrationError('The selector you specified (' + target + ') applies to no DOM elements that are currently on the page.\nMake sure the element exists on the page before calling mount().');
    }
    node.appendChild(this._box);
    this._node = node;
    this._classes(this._state(), false);
    var self = this;
    setTimeout(function () { if (self._node) self._emit('ready', { elementType: 'card' }); }, 0);
  };
  CardElement.prototype.on = function (event, handler) {
    (this._handlers[event] = this._handlers[event] || []).push(handler);
    return this;
  };
  CardElement.prototype.off = function (event, handler) {
    var list = this._handlers[event] || [];
    this._handlers[event] = handler ? list.filter(function (h) { return h !== handler; }) : [];
    return this;
  };
  CardElement.prototype.unmount = function () {
    if (!this._node) return;
    if (this._box.parentNode) this._box.parentNode.removeChild(this._box);
    this._node.classList.remove('StripeElement', 'StripeElement--empty', 'StripeElement--complete',
      'StripeElement--invalid', 'StripeElement--focus');
    this._node = null;
  };
  CardElement.prototype.destroy = function () {
    this.unmount();
    this._destroyed = true;
    this._handlers = {};
    if (this._group._card === this) this._group._card = null;
  };
  CardElement.prototype.clear = function () {
    var inputs = this._inputs;
    Object.keys(inputs).forEach(function (k) { inputs[k].value = ''; });
    this._changed();
  };
  CardElement.prototype.focus = function () { this._inputs.number.focus(); };
  CardElement.prototype.blur = function () {
    var inputs = this._inputs;
    Object.keys(inputs).forEach(function (k) { inputs[k].blur(); });
  };
  CardElement.prototype.update = function () {};

  function Elements(stripe) {
    this._stripe = stripe;
    this._card = null;
  }
  Elements.prototype.create = function (type) {
    if (type !== 'card') throw integrationError('The fake Stripe.js only has the `card` Element, not: ' + type);
    if (this._card) throw integrationError('Can only create one Element of type card.');
    this._card = new CardElement(this);
    return this._card;
  };
  Elements.prototype.getElement = function (type) { return type === 'card' ? this._card : null; };
  Elements.prototype.update = function () {};

  function Stripe(publishableKey, options) {
    if (!(this instanceof Stripe)) return new Stripe(publishableKey, options);
    if (typeof publishableKey !== 'string' || publishableKey === '') {
      throw integrationError('Please call Stripe() with your publishable key. You used an empty string.');
    }
    if (/^sk_/.test(publishableKey)) {
      throw integrationError('You should not use your secret key with Stripe.js. Please pass a publishable key instead.');
    }
    this._key = publishableKey;
    this._options = options || {};
  }
  Stripe.prototype.elements = function (options) { return new Elements(this, options); };
  /* createPaymentMethod({type: 'card', card: element, billing_details}) or the older
     createPaymentMethod('card', element, {billing_details}). */
  Stripe.prototype.createPaymentMethod = function (a, b, c) {
    var data = typeof a === 'string' ? Object.assign({}, c || {}, { type: a, card: b }) : (a || {});
    if (data.type !== 'card') throw integrationError('Invalid value for createPaymentMethod: type should be `card`. You specified: ' + data.type + '.');
    var element = data.card;
    if (!(element instanceof CardElement)) throw integrationError('Invalid value for createPaymentMethod: card should be a `card` Element.');
    if (element._destroyed || !element._node) {
      throw integrationError('We could not retrieve data from the specified Element. Please make sure the Element you are attempting to use is still mounted.');
    }
    var s = element._state();
    if (s.error) return Promise.resolve({ error: s.error });
    var out = [];
    flatten('type', 'card', out);
    flatten('card', s.card, out);
    flatten('billing_details', data.billing_details, out);
    flatten('metadata', data.metadata, out);
    flatten('key', this._key, out);
    return fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: out.join('&'),
      credentials: 'omit'
    }).then(function (r) { return r.json(); }).then(function (body) {
      return body && body.error ? { error: body.error } : { paymentMethod: body };
    }, function () {
      return { error: { type: 'api_connection_error', message: 'An error occurred with our connection to Stripe.' } };
    });
  };
  Stripe.version = 3;
  Stripe.fake = true;
  window.Stripe = Stripe;
})();
"##;

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
    /// `pm_…` created from card details: the PaymentMethod as answered (brand, last4, expiry;
    /// never the number or CVC).
    payment_methods: HashMap<String, Value>,
    /// `pm_…` → the `pm_card_*` test method whose behaviour it has.
    payment_method_behaviour: HashMap<String, &'static str>,
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

    /// A PaymentMethod created with `POST /v1/payment_methods` (by the fake Stripe.js).
    pub fn payment_method(&self, id: &str) -> Option<Value> {
        lock(&self.inner).payment_methods.get(id).cloned()
    }

    /// `{base_url}/v3/`: where a test page loads the fake Stripe.js from.
    pub fn stripe_js_url(&self) -> String {
        format!("{}/v3/", self.base_url)
    }

    /// True when `needle` (a card number, say) is anywhere in the fake's state: objects,
    /// events and saved idempotent answers. The recorded requests are not searched.
    pub fn retains(&self, needle: &str) -> bool {
        let inner = lock(&self.inner);
        let found = |v: &Value| v.to_string().contains(needle);
        inner.intents.values().any(found)
            || inner.charges.values().any(found)
            || inner.refunds.values().any(found)
            || inner.setup_intents.values().any(found)
            || inner.payment_methods.values().any(found)
            || inner.events.iter().any(found)
            || inner.idempotency.values().any(|saved| {
                saved.body.to_string().contains(needle)
                    || saved
                        .fingerprint
                        .2
                        .iter()
                        .any(|(k, v)| k.contains(needle) || v.contains(needle))
            })
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

/// `payment_method_options[card][installments]` of a PaymentIntent create, accepted only in
/// Stripe's shape: `enabled=true`, and a plan `{count, interval: month, type: fixed_count}` with
/// a count the fake offers ([`AVAILABLE_INSTALMENT_COUNTS`]). The intent keeps it as
/// `payment_method_options.card.installments` (`null` when not asked for).
fn installments(p: &Params) -> Result<Value, (StatusCode, Value)> {
    let name = |s: &str| format!("payment_method_options[card][installments]{s}");
    let enabled = p.bool(&name("[enabled]"))?;
    let count = p.int(&name("[plan][count]"))?;
    let interval = p.get(&name("[plan][interval]"));
    let kind = p.get(&name("[plan][type]"));
    let has_plan = count.is_some() || interval.is_some() || kind.is_some();
    if enabled.is_none() && !has_plan {
        return Ok(Value::Null);
    }
    if has_plan && enabled != Some(true) {
        let param = name("[enabled]");
        return Err(invalid(
            None,
            Some(&param),
            &format!("Installments must be enabled to choose a plan: set {param}=true."),
        ));
    }
    let available: Vec<Value> = AVAILABLE_INSTALMENT_COUNTS
        .iter()
        .map(|c| json!({ "count": c, "interval": "month", "type": "fixed_count" }))
        .collect();
    if !has_plan {
        let available = if enabled == Some(true) {
            available
        } else {
            Vec::new()
        };
        return Ok(json!({ "enabled": enabled, "plan": null, "available_plans": available }));
    }
    let kind = p.required(&name("[plan][type]"))?;
    if kind != "fixed_count" {
        return Err(invalid(
            None,
            Some(&name("[plan][type]")),
            &format!(
                "Invalid {}: must be fixed_count (this card offers no {kind} plans)",
                name("[plan][type]")
            ),
        ));
    }
    p.required(&name("[plan][count]"))?;
    let interval = p.required(&name("[plan][interval]"))?;
    if interval != "month" {
        return Err(invalid(
            None,
            Some(&name("[plan][interval]")),
            &format!("Invalid {}: must be month", name("[plan][interval]")),
        ));
    }
    let count = count.unwrap_or(0);
    if !AVAILABLE_INSTALMENT_COUNTS.contains(&count) {
        return Err(invalid(
            None,
            Some(&name("[plan]")),
            &format!(
                "The installment plan of {count} monthly payments is not available for this PaymentIntent."
            ),
        ));
    }
    Ok(json!({
        "enabled": true,
        "plan": { "count": count, "interval": "month", "type": "fixed_count" },
        "available_plans": available,
    }))
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

/// The `pm_card_*` test method a Stripe test card number behaves like (payments.md §1.8).
fn test_card_method(number: &str) -> Option<&'static str> {
    Some(match number {
        "4242424242424242" => "pm_card_visa",
        "5555555555554444" => "pm_card_mastercard",
        "378282246310005" => "pm_card_amex",
        "4000056655665556" => "pm_card_visa_debit",
        "4000000000000002" => "pm_card_chargeDeclined",
        "4000000000009995" => "pm_card_chargeDeclinedInsufficientFunds",
        "4000002500003155" | "4000002760003184" => "pm_card_authenticationRequired",
        "4000000000003220" => "pm_card_threeDSecure2Required",
        _ => return None,
    })
}

/// The card brand from the number's prefix, in Stripe's names.
fn card_brand(number: &str) -> &'static str {
    let prefix = |n: usize| number.get(..n).and_then(|p| p.parse::<u32>().ok());
    match (prefix(1), prefix(2), prefix(3), prefix(4)) {
        (Some(4), ..) => "visa",
        (_, Some(51..=55), ..) | (.., Some(2221..=2720)) => "mastercard",
        (_, Some(34 | 37), ..) => "amex",
        (.., Some(6011)) | (_, Some(65), ..) | (_, _, Some(644..=649), _) => "discover",
        (_, Some(36 | 38 | 39), ..) | (_, _, Some(300..=305), _) => "diners",
        (_, Some(35), ..) => "jcb",
        (_, Some(62), ..) => "unionpay",
        _ => "unknown",
    }
}

/// The lengths a number of `brand` may have.
fn card_lengths(brand: &str) -> &'static [usize] {
    match brand {
        "visa" => &[13, 16, 19],
        "mastercard" => &[16],
        "amex" => &[15],
        "diners" => &[14, 16],
        "unknown" => &[12, 13, 14, 15, 16, 17, 18, 19],
        _ => &[16, 17, 18, 19],
    }
}

fn luhn(number: &str) -> bool {
    let sum: u32 = number
        .bytes()
        .rev()
        .enumerate()
        .map(|(i, b)| {
            let d = u32::from(b - b'0');
            match i % 2 {
                1 if d * 2 > 9 => d * 2 - 9,
                1 => d * 2,
                _ => d,
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

/// A declined card detail: 402 `card_error` with `code`, as Stripe answers tokenisation.
fn card_error(code: &str, param: &str, message: &str) -> (StatusCode, Value) {
    error(
        StatusCode::PAYMENT_REQUIRED,
        "card_error",
        Some(code),
        Some(param),
        message,
    )
}

/// A digest standing for a card number or CVC in saved idempotency fingerprints.
fn digest(value: &str) -> String {
    format!("sha256:{}", hex::encode(Sha256::digest(value.as_bytes())))
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

    /// How `pm` behaves when confirmed: a `pm_card_*` test method, or a `pm_…` created from
    /// a test card number.
    fn behaviour_of(&self, pm: &str) -> Option<Behaviour> {
        behaviour(pm).or_else(|| {
            self.payment_method_behaviour
                .get(pm)
                .and_then(|alias| behaviour(alias))
        })
    }

    fn confirm(&mut self, pi_id: &str, pm: &str, return_url: Option<&str>) -> (StatusCode, Value) {
        let Some(b) = self.behaviour_of(pm) else {
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
            "payment_method_options[card][installments][enabled]",
            "payment_method_options[card][installments][plan][count]",
            "payment_method_options[card][installments][plan][interval]",
            "payment_method_options[card][installments][plan][type]",
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
            && self.behaviour_of(pm).is_none()
        {
            return Err(invalid(
                Some("resource_missing"),
                Some("payment_method"),
                &format!("No such PaymentMethod: '{pm}'"),
            ));
        }
        let installments = installments(p)?;
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
            "payment_method_options": { "card": {
                "installments": installments, "request_three_d_secure": "automatic",
            } },
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

    /// `POST /v1/payment_methods` with card details, as Stripe.js sends it: checks the card
    /// like Stripe (Luhn and length, expiry in the future, CVC), keeps brand, last4 and expiry.
    fn create_payment_method(
        &mut self,
        p: &Params,
    ) -> Result<(StatusCode, Value), (StatusCode, Value)> {
        p.check_known(&[
            "type",
            "card[number]",
            "card[exp_month]",
            "card[exp_year]",
            "card[cvc]",
            "billing_details[*]",
            "metadata[*]",
            "expand[]",
            "payment_user_agent",
            "time_on_page",
            "guid",
            "muid",
            "sid",
        ])?;
        let kind = p.required("type")?;
        if kind != "card" {
            return Err(invalid(
                None,
                Some("type"),
                &format!("Invalid type: the fake only creates `card` PaymentMethods, not {kind}"),
            ));
        }
        let number = p.required("card[number]")?;
        let exp_month = p.required("card[exp_month]")?;
        let exp_year = p.required("card[exp_year]")?;
        let brand = card_brand(number);
        if !number.bytes().all(|b| b.is_ascii_digit())
            || !card_lengths(brand).contains(&number.len())
            || !luhn(number)
        {
            return Err(card_error(
                "incorrect_number",
                "number",
                "Your card number is incorrect.",
            ));
        }
        let month = exp_month
            .parse::<u32>()
            .ok()
            .filter(|m| (1..=12).contains(m))
            .ok_or_else(|| {
                card_error(
                    "invalid_expiry_month",
                    "exp_month",
                    "Your card's expiration month is invalid.",
                )
            })?;
        let invalid_year = || {
            card_error(
                "invalid_expiry_year",
                "exp_year",
                "Your card's expiration year is invalid.",
            )
        };
        let year = match exp_year.parse::<i32>() {
            Ok(y) if exp_year.len() == 2 => 2000 + y,
            Ok(y) if exp_year.len() == 4 => y,
            _ => return Err(invalid_year()),
        };
        let today = chrono::Utc::now().date_naive();
        let (this_year, this_month) = (
            chrono::Datelike::year(&today),
            chrono::Datelike::month(&today),
        );
        if year < this_year || year > this_year + 50 {
            return Err(invalid_year());
        }
        if year == this_year && month < this_month {
            return Err(card_error(
                "invalid_expiry_month",
                "exp_month",
                "Your card's expiration month is invalid.",
            ));
        }
        if let Some(cvc) = p.get("card[cvc]")
            && !((3..=4).contains(&cvc.len()) && cvc.bytes().all(|b| b.is_ascii_digit()))
        {
            return Err(card_error(
                "invalid_cvc",
                "cvc",
                "Your card's security code is invalid.",
            ));
        }
        let Some(method) = test_card_method(number) else {
            let (status, mut body) = card_error(
                "card_declined",
                "number",
                "Your card was declined. Your request was in test mode, but used a non test (live) card. For a list of valid test cards, visit: https://stripe.com/docs/testing.",
            );
            body["error"]["decline_code"] = json!("test_mode_live_card");
            return Err((status, body));
        };
        let id = self.new_id("pm");
        let address = p.map("billing_details[address]");
        let field = |name: &str| p.get(&format!("billing_details[{name}]"));
        let pm = json!({
            "id": id, "object": "payment_method", "type": "card", "created": now(),
            "customer": null, "livemode": false, "metadata": p.map("metadata"),
            "billing_details": {
                "address": {
                    "city": address.get("city"), "country": address.get("country"),
                    "line1": address.get("line1"), "line2": address.get("line2"),
                    "postal_code": address.get("postal_code"), "state": address.get("state"),
                },
                "email": field("email"), "name": field("name"), "phone": field("phone"),
            },
            "card": {
                "brand": brand, "last4": &number[number.len() - 4..],
                "exp_month": month, "exp_year": year,
                "funding": if method == "pm_card_visa_debit" { "debit" } else { "credit" },
                "country": "US", "display_brand": brand,
                "checks": {
                    "cvc_check": if p.get("card[cvc]").is_some() { "unchecked" } else { "unavailable" },
                    "address_line1_check": null, "address_postal_code_check": null,
                },
                "networks": { "available": [brand], "preferred": null },
                "three_d_secure_usage": { "supported": true }, "wallet": null,
            },
        });
        self.payment_methods.insert(id.clone(), pm.clone());
        self.payment_method_behaviour.insert(id, method);
        Ok((StatusCode::OK, pm))
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
            ("POST", ["v1", "payment_methods"]) => self.create_payment_method(p),
            ("GET", ["v1", "payment_methods", id]) => match self.payment_methods.get(*id) {
                Some(pm) => Ok((StatusCode::OK, pm.clone())),
                None => Err(not_found("payment_method", id)),
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

/// Why the request's key is refused (the 401 message), or `None` when it is accepted: the
/// secret key anywhere; the publishable key (as Bearer or as the `key` form field) only where
/// Stripe.js may call (`publishable_allowed`).
fn refused_key(
    headers: &HeaderMap,
    form_key: Option<&str>,
    publishable_allowed: bool,
) -> Option<String> {
    if authorised(headers) {
        return None;
    }
    let header = headers
        .get("authorization")
        .map(|v| v.to_str().unwrap_or(""));
    let presented = header
        .and_then(|v| v.strip_prefix("Bearer "))
        .or(form_key)
        .or(header);
    let Some(presented) = presented else {
        return Some("You did not provide an API key. You need to provide your API key in the Authorization header, using Bearer auth (e.g. 'Authorization: Bearer YOUR_SECRET_KEY').".to_owned());
    };
    let tail: String = {
        let chars: Vec<char> = presented.chars().collect();
        chars[chars.len().saturating_sub(4)..].iter().collect()
    };
    match presented {
        k if k == SECRET_KEY => None,
        k if k == PUBLISHABLE_KEY && publishable_allowed => None,
        k if k == PUBLISHABLE_KEY => Some("This API call cannot be made with a publishable API key. Please use a secret API key. You can find a list of your API keys at https://dashboard.stripe.com/account/apikeys.".to_owned()),
        k if k.starts_with("pk_") => Some(format!("Invalid API Key provided: pk_test_****{tail}")),
        _ => Some(format!("Invalid API Key provided: sk_test_****{tail}")),
    }
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

/// Every answer carries `Access-Control-Allow-Origin: *`, as Stripe's API and js.stripe.com do.
async fn handle(
    State(inner): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let mut response = answer(inner, method, uri, headers, body).await;
    response
        .headers_mut()
        .insert("access-control-allow-origin", HeaderValue::from_static("*"));
    response
}

async fn answer(
    inner: Shared,
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

    // A browser's CORS preflight (Stripe.js posting to /v1/payment_methods).
    if method == Method::OPTIONS {
        let allow_headers = headers
            .get("access-control-request-headers")
            .cloned()
            .unwrap_or(HeaderValue::from_static(
                "authorization, content-type, idempotency-key, stripe-version",
            ));
        let mut response = StatusCode::NO_CONTENT.into_response();
        let h = response.headers_mut();
        h.insert(
            "access-control-allow-methods",
            HeaderValue::from_static("GET, POST, DELETE, OPTIONS"),
        );
        h.insert("access-control-allow-headers", allow_headers);
        h.insert("access-control-max-age", HeaderValue::from_static("300"));
        return response;
    }

    // The fake Stripe.js, as https://js.stripe.com/v3/ serves it: no API key.
    if method == Method::GET && matches!(path.as_str(), "/v3" | "/v3/" | "/v3/stripe.js") {
        let mut response = STRIPE_JS.into_response();
        let h = response.headers_mut();
        h.insert(
            "content-type",
            HeaderValue::from_static("application/javascript; charset=utf-8"),
        );
        h.insert("cache-control", HeaderValue::from_static("no-store"));
        return response;
    }

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

    // Stripe.js tokenises cards with the publishable key, sent as the `key` form field.
    let tokenising = method == Method::POST && path == "/v1/payment_methods";
    let form_key = tokenising
        .then(|| {
            url::form_urlencoded::parse(&body)
                .find(|(k, _)| k == "key")
                .map(|(_, v)| v.into_owned())
        })
        .flatten();
    if let Some(message) = refused_key(&headers, form_key.as_deref(), tokenising) {
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
        url::form_urlencoded::parse(&body)
            .into_owned()
            .filter(|(k, _)| !(tokenising && k == "key"))
            .collect()
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
    // Card numbers and CVCs are kept only as digests.
    let mut sorted: Vec<(String, String)> = params
        .0
        .iter()
        .map(|(k, v)| match k.as_str() {
            "card[number]" | "card[cvc]" => (k.clone(), digest(v)),
            _ => (k.clone(), v.clone()),
        })
        .collect();
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
