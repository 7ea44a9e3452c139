//! A fake WeChat Pay API v3 (payments.md §4) over real HTTP: it checks every request's
//! `Authorization` signature with the merchant's public key, the serial and the timestamp
//! (401 `SIGN_ERROR` otherwise), keeps trades and refunds, signs its answers with the platform
//! key, and builds encrypted, signed notifications.
//!
//! Orders: Native (`code_url`), H5 (`h5_url`, needs `scene_info.payer_client_ip`) and JSAPI
//! (`prepay_id`, needs a non-empty `payer.openid`); all need our `appid`/`mchid` and a CNY
//! amount. The payer pays with [`FakeWeChatPay::pay`] (any trade, as if scanned or confirmed)
//! or, for JSAPI, with [`FakeWeChatPay::pay_jsapi`], which first checks the invoke arguments
//! the way WeChat's client does (appId, package, signType and the merchant's `paySign`).
//!
//! For browser tests it also plays the payer's WeChat client: `POST /fake/jsapi-pay` (no
//! signature, CORS open: the page's script calls it) takes
//! `{"args": <getBrandWCPayRequest arguments>, "choice": "pay"|"cancel"}` and answers the
//! `err_msg` WeChat hands the page's callback, paying through the same checks as
//! [`FakeWeChatPay::pay_jsapi`]. [`FakeWeChatPay::weixin_bridge_js`] is a script that defines
//! `window.WeixinJSBridge` on top of it, for a test to inject into a page. A Native QR code is
//! "scanned" with [`FakeWeChatPay::trade_for_code_url`], [`FakeWeChatPay::pay`] and [`notify`]
//! to the trade's [`FakeWeChatPay::notify_url`]. Injected [`Fault`]s do not touch `/fake/*`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, OnceLock};

use aes_gcm::Aes256Gcm;
use aes_gcm::aead::{Aead, KeyInit, Payload};
use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use rsa::pkcs8::{DecodePrivateKey, EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::{PrivateKey, PublicKey};
use serde_json::{Value, json};
use sha2::Sha256;

/// WX-GO `utils/sign_test.go`'s key (payments.md §4.2), the platform key here.
pub const PLATFORM_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvgIBADANBgkqhkiG9w0BAQEFAASCBKgwggSkAgEAAoIBAQDZUJN33V+dSfvd
fL0Mu+39XrZNXFFMQSy1V15FpncHeV47SmV0TzTqZc7hHB0ddqAdDi8Z5k3TKqb7
6sOwYr5TcAfuR6PIPaleyE0/0KrljBum2Isa2Nyq7Dgc3ElBQ6YN4l/a+DpvKaz1
FSKmKrhLNskqokWVSlu4g8OlKlbPXQ9ibII14MZRQrrkTmHYHzfi7GXXM0thAKuR
0HNvyhTHBh4/lrYM3GaMvmWwkwvsMavnOex6+eioZHBOb1/EIZ/LzC6zuHArPpyW
3daGaZ1rtQB1vVzTyERAVVFsXXgBHvfFud3w3ShsJYk8JvMwK2RpJ5/gV0QSARcm
LDRUAlPzAgMBAAECggEBAMc7rDeUaXiWv6bMGbZ3BTXpg1FhdddnWUnYE8HfX/km
OFI7XtBHXcgYFpcjYz4D5787pcsk7ezPidAj58zqenuclmjKnUmT3pfbI5eCA2v4
C9HnbYDrmUPK1ZcADtka4D6ScDccpNYNa1g2TFHzkIrEa6H+q7S3O2fqxY/DRVtN
0JIXalBb8daaqL5QVzSmM2BMVnHy+YITJWIkP2a3pKs9C0W65JGDsnG0wVrHinHF
+cnhFZIbaPEI//DAFMc9NkrWOKVRTEgcCUxCFaHOZVNxDWZD7A2ZfJB2rK6eg//y
gEiFDR2h6mTaDowMB4YF2n2dsIO4/dCG8vPHI20jn4ECgYEA/ZGu6lEMlO0XZnam
AZGtiNgLcCfM/C2ZERZE7QTRPZH1WdK92Al9ndldsswFw4baJrJLCmghjF/iG4zi
hhBvLnOLksnZUfjdumxoHDWXo2QBWbI5QsWIE7AuTiWgWj1I7X4fCXSQf6i+M/y2
6TogQ7d0ANpZFyOkTNMn/tiJvLECgYEA22XqlamG/yfAGWery5KNH2DGlTIyd6xJ
WtJ9j3jU99lZ0bCQ5xhiBbU9ImxCi3zgTsoqLWgA/p00HhNFNoUcTl9ofc0G3zwT
D1y0ZzcnVKxGJdZ6ohW52V0hJStAigtjYAsUgjm7//FH7PiQDBDP1Wa6xSRkDQU/
aSbQxvEE8+MCgYEA3bb8krW7opyM0XL9RHH0oqsFlVO30Oit5lrqebS0oHl3Zsr2
ZGgoBlWBsEzk3UqUhTFwm/DhJLTSJ/TQPRkxnhQ5/mewNhS9C7yua7wQkzVmWN+V
YeUGTvDGDF6qDz12/vJAgSwDDRym8x4NcXD5tTw7mmNRcwIfL22SkysThIECgYAV
BgccoEoXWS/HP2/u6fQr9ZIR6eV8Ij5FPbZacTG3LlS1Cz5XZra95UgebFFUHHtC
EY1JHJY7z8SWvTH8r3Su7eWNaIAoFBGffzqqSVazfm6aYZsOvRY6BfqPHT3p/H1h
Tq6AbBffxrcltgvXnCTORjHPglU0CjSxVs7awW3AEQKBgB5WtaC8VLROM7rkfVIq
+RXqE5vtJfa3e3N7W3RqxKp4zHFAPfr82FK5CX2bppEaxY7SEZVvVInKDc5gKdG/
jWNRBmvvftZhY59PILHO2X5vO4FXh7suEjy6VIh0gsnK36mmRboYIBGsNuDHjXLe
BDa+8mDLkWu5nHEhOxy2JJZl
-----END PRIVATE KEY-----
";

pub const PLATFORM_SERIAL: &str = "PUB_KEY_ID_0000000000000024101100397200000006";
pub const MCH_ID: &str = "1900000001";
pub const APP_ID: &str = "wxd678efh567hg6787";
pub const MERCHANT_SERIAL: &str = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1";
pub const API_V3_KEY: &str = "wayfareTestAPIv3Key0123456789abc";

fn generate() -> PrivateKey {
    PrivateKey::new(&mut aes_gcm::aead::common::getrandom::SysRng, 2048).expect("RSA key")
}

/// The merchant's API key, generated once per test process.
pub fn merchant_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(generate)
}

/// Another key, for "wrong key" tests.
pub fn other_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(generate)
}

pub fn platform_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(|| PrivateKey::from_pkcs8_pem(PLATFORM_KEY_PEM).expect("platform key"))
}

pub fn private_pem(key: &PrivateKey) -> String {
    key.to_pkcs8_pem(LineEnding::LF).unwrap().to_string()
}

pub fn public_pem(key: &PrivateKey) -> String {
    key.to_public_key()
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

fn sign(key: &PrivateKey, message: &[u8]) -> String {
    B64.encode(key.pkcs1v15_sign::<Sha256>(message).unwrap())
}

fn verify(key: &PublicKey, message: &[u8], sig: &str) -> bool {
    B64.decode(sig)
        .is_ok_and(|s| key.pkcs1v15_verify::<Sha256>(message, &s).is_ok())
}

/// How the fake misbehaves on the next calls.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum Fault {
    #[default]
    None,
    /// 500 SYSTEM_ERROR.
    ServerError,
    /// Never answers.
    Hang,
    /// Answers signed with another key.
    BadSignature,
    /// Answers signed under another serial.
    UnknownSerial,
}

/// A request as received.
#[derive(Debug, Clone)]
pub struct Received {
    pub method: String,
    pub path_and_query: String,
    pub body: String,
    pub authorization: String,
    /// The string the fake verified the signature over.
    pub signed_message: String,
}

#[derive(Debug, Clone)]
pub struct Trade {
    pub out_trade_no: String,
    pub trade_type: String,
    pub state: String,
    pub total: i64,
    pub attach: String,
    pub body: Value,
    pub refunded: i64,
    /// JSAPI: `payer.openid` of the order.
    pub payer_openid: Option<String>,
    /// JSAPI: the `prepay_id` answered.
    pub prepay_id: Option<String>,
    /// Native: the `code_url` answered (what the QR code shows).
    pub code_url: Option<String>,
    /// The order's `notify_url`: where WeChat Pay notifies the trade's outcome.
    pub notify_url: String,
}

#[derive(Debug, Clone)]
pub struct RefundRec {
    pub out_refund_no: String,
    pub out_trade_no: String,
    pub refund: i64,
    pub total: i64,
}

#[derive(Default)]
struct FakeState {
    trades: HashMap<String, Trade>,
    refunds: HashMap<String, RefundRec>,
    requests: Vec<Received>,
    fault: Fault,
    /// The `out_trade_no` of the trade created last.
    last_trade: Option<String>,
}

struct Shared {
    state: Mutex<FakeState>,
    merchant_public: PublicKey,
}

impl Shared {
    /// [`FakeWeChatPay::pay_jsapi`]: shared with `POST /fake/jsapi-pay`.
    fn pay_jsapi(&self, args: &Value) -> Result<String, String> {
        let field = |k: &str| {
            args.get(k)
                .and_then(Value::as_str)
                .ok_or_else(|| format!("missing {k}"))
        };
        let (app_id, time_stamp, nonce_str, package, sign_type, pay_sign) = (
            field("appId")?,
            field("timeStamp")?,
            field("nonceStr")?,
            field("package")?,
            field("signType")?,
            field("paySign")?,
        );
        if app_id != APP_ID {
            return Err(format!("appId {app_id}"));
        }
        if sign_type != "RSA" {
            return Err(format!("signType {sign_type}"));
        }
        if time_stamp.is_empty() || !time_stamp.bytes().all(|b| b.is_ascii_digit()) {
            return Err(format!("timeStamp {time_stamp}"));
        }
        if nonce_str.is_empty() || nonce_str.len() > 32 {
            return Err(format!("nonceStr {nonce_str}"));
        }
        let prepay_id = package
            .strip_prefix("prepay_id=")
            .ok_or_else(|| format!("package {package}"))?;
        let message = format!("{app_id}\n{time_stamp}\n{nonce_str}\n{package}\n");
        if !verify(&self.merchant_public, message.as_bytes(), pay_sign) {
            return Err("paySign does not verify".into());
        }
        let mut s = self.state.lock().unwrap();
        let t = s
            .trades
            .values_mut()
            .find(|t| t.prepay_id.as_deref() == Some(prepay_id))
            .ok_or_else(|| format!("no prepay {prepay_id}"))?;
        if t.state != "NOTPAY" {
            return Err(format!("trade is {}", t.state));
        }
        t.state = "SUCCESS".into();
        Ok(t.out_trade_no.clone())
    }
}

/// The WeixinJSBridge stand-in of [`FakeWeChatPay::weixin_bridge_js`]; `__ENDPOINT__` is
/// replaced by the JSON string of the fake's `/fake/jsapi-pay` URL. ES5, no dependencies.
const WEIXIN_BRIDGE_JS: &str = r##"/* A fake WeixinJSBridge for Wayfare's browser tests; not WeChat's code. */
(function () {
  'use strict';
  var endpoint = __ENDPOINT__;
  function invoke(name, args, callback) {
    var done = typeof callback === 'function' ? callback : function () {};
    if (name !== 'getBrandWCPayRequest') {
      done({ err_msg: name + ':fail' });
      return;
    }
    window.__fakeWeixinArgs = args;
    var choice = window.__fakeWeixinChoice || 'pay';
    fetch(endpoint, {
      method: 'POST',
      headers: { 'Content-Type': 'application/json' },
      body: JSON.stringify({ args: args, choice: choice })
    })
      .then(function (response) { return response.json(); })
      .then(function (answer) { done(answer); },
        function () { done({ err_msg: 'get_brand_wcpay_request:fail' }); });
  }
  window.WeixinJSBridge = { invoke: invoke };
  document.dispatchEvent(new Event('WeixinJSBridgeReady'));
})();
"##;

pub struct FakeWeChatPay {
    pub base_url: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWeChatPay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeWeChatPay {
    /// Starts the fake on a free local port, trusting [`merchant_key`].
    pub async fn start() -> FakeWeChatPay {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState::default()),
            merchant_public: merchant_key().to_public_key(),
        });
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeWeChatPay {
            base_url,
            shared,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.shared.state.lock().unwrap()
    }

    pub fn set_fault(&self, fault: Fault) {
        self.state().fault = fault;
    }

    pub fn requests(&self) -> Vec<Received> {
        self.state().requests.clone()
    }

    pub fn trade(&self, out_trade_no: &str) -> Option<Trade> {
        self.state().trades.get(out_trade_no).cloned()
    }

    pub fn trades(&self) -> usize {
        self.state().trades.len()
    }

    pub fn refunds(&self) -> Vec<RefundRec> {
        self.state().refunds.values().cloned().collect()
    }

    /// The payer pays the trade.
    pub fn pay(&self, out_trade_no: &str) {
        let mut s = self.state();
        let t = s.trades.get_mut(out_trade_no).expect("no such trade");
        assert_eq!(t.state, "NOTPAY");
        t.state = "SUCCESS".into();
    }

    /// The payer confirms a JSAPI payment in WeChat: `args` is the object the page passes to
    /// `WeixinJSBridge.invoke('getBrandWCPayRequest', args)`. Checked as WeChat's client does:
    /// `appId` ours, `package` `prepay_id=<a prepay_id we answered>` of an unpaid trade,
    /// `signType` `RSA`, and `paySign` the merchant's SHA256withRSA signature over
    /// `appId\ntimeStamp\nnonceStr\npackage\n`. Answers the paid `out_trade_no`, or why not.
    pub fn pay_jsapi(&self, args: &Value) -> Result<String, String> {
        self.shared.pay_jsapi(args)
    }

    /// The `notify_url` the trade was ordered with.
    pub fn notify_url(&self, out_trade_no: &str) -> Option<String> {
        self.state()
            .trades
            .get(out_trade_no)
            .map(|t| t.notify_url.clone())
    }

    /// The `out_trade_no` of the Native trade whose QR code shows `code_url`: what a payer
    /// scanning it pays.
    pub fn trade_for_code_url(&self, code_url: &str) -> Option<String> {
        self.state()
            .trades
            .values()
            .find(|t| t.code_url.as_deref() == Some(code_url))
            .map(|t| t.out_trade_no.clone())
    }

    /// The `out_trade_no` of the trade created last, if any.
    pub fn last_trade(&self) -> Option<String> {
        self.state().last_trade.clone()
    }

    /// A script for a test to inject (WebDriver `execute`) into a page once it has loaded,
    /// standing in for WeChat's browser: it defines
    /// `window.WeixinJSBridge.invoke(name, args, callback)`. For `getBrandWCPayRequest` it
    /// keeps `args` in `window.__fakeWeixinArgs`, posts
    /// `{args, choice: window.__fakeWeixinChoice || 'pay'}` to this fake's `/fake/jsapi-pay`
    /// and calls back with the answer (`{err_msg: 'get_brand_wcpay_request:ok' | ':cancel' |
    /// ':fail'}`); any other name calls back `{err_msg: name + ':fail'}`. It then dispatches
    /// `WeixinJSBridgeReady` on `document`, as WeChat does once the bridge is there.
    pub fn weixin_bridge_js(&self) -> String {
        let endpoint = Value::String(format!("{}/fake/jsapi-pay", self.base_url)).to_string();
        WEIXIN_BRIDGE_JS.replace("__ENDPOINT__", &endpoint)
    }

    /// The transaction JSON of a trade, as queries and notifications carry it.
    pub fn transaction_json(&self, out_trade_no: &str) -> Value {
        let s = self.state();
        transaction(s.trades.get(out_trade_no).expect("no such trade"))
    }
}

fn transaction(t: &Trade) -> Value {
    let mut v = json!({
        "appid": APP_ID, "mchid": MCH_ID, "out_trade_no": t.out_trade_no,
        "transaction_id": format!("4200{}", &t.out_trade_no[2..20]),
        "trade_type": t.trade_type, "trade_state": t.state,
        "trade_state_desc": "", "attach": t.attach,
        "amount": {"total": t.total, "payer_total": t.total, "currency": "CNY", "payer_currency": "CNY"},
    });
    // Once paid, the transaction names its payer.
    if let Some(openid) = &t.payer_openid
        && (t.state == "SUCCESS" || t.state == "REFUND")
    {
        v["payer"] = json!({"openid": openid});
    }
    v
}

fn refund_json(r: &RefundRec) -> Value {
    json!({
        "refund_id": format!("5030{}", &r.out_refund_no[2..20]),
        "out_refund_no": r.out_refund_no, "out_trade_no": r.out_trade_no,
        "status": "SUCCESS", "create_time": "2026-11-24T10:00:00+08:00",
        "amount": {"refund": r.refund, "total": r.total, "currency": "CNY"},
    })
}

/// Signed headers for `body` with `key` under `serial` at `timestamp`.
pub fn signed_headers(
    key: &PrivateKey,
    serial: &str,
    timestamp: i64,
    body: &[u8],
) -> Vec<(String, String)> {
    let nonce = format!("n{}", rand::random::<u64>());
    let mut message = format!("{timestamp}\n{nonce}\n").into_bytes();
    message.extend_from_slice(body);
    message.push(b'\n');
    vec![
        ("wechatpay-timestamp".into(), timestamp.to_string()),
        ("wechatpay-nonce".into(), nonce),
        ("wechatpay-signature".into(), sign(key, &message)),
        ("wechatpay-serial".into(), serial.into()),
        (
            "wechatpay-signature-type".into(),
            "WECHATPAY2-SHA256-RSA2048".into(),
        ),
    ]
}

/// An encrypted notification body for `plaintext` (§4.5).
pub fn notification_body(id: &str, event_type: &str, plaintext: &Value) -> Vec<u8> {
    let nonce = "0123456789ab";
    let aad = "transaction";
    let cipher = Aes256Gcm::new_from_slice(API_V3_KEY.as_bytes()).unwrap();
    let n = aes_gcm::Nonce::try_from(nonce.as_bytes()).unwrap();
    let ct = cipher
        .encrypt(
            &n,
            Payload {
                msg: plaintext.to_string().as_bytes(),
                aad: aad.as_bytes(),
            },
        )
        .unwrap();
    json!({
        "id": id, "create_time": "2026-11-24T10:00:00+08:00", "event_type": event_type,
        "resource_type": "encrypt-resource", "summary": "支付成功",
        "resource": {"algorithm": "AEAD_AES_256_GCM", "ciphertext": B64.encode(ct),
                     "associated_data": aad, "nonce": nonce, "original_type": "transaction"},
    })
    .to_string()
    .into_bytes()
}

/// Builds a signed, encrypted notification and POSTs it to `url`; answers the status.
pub async fn notify(url: &str, id: &str, event_type: &str, plaintext: &Value) -> u16 {
    let body = notification_body(id, event_type, plaintext);
    let headers = signed_headers(
        platform_key(),
        PLATFORM_SERIAL,
        chrono::Utc::now().timestamp(),
        &body,
    );
    let mut req = reqwest::Client::new().post(url).body(body);
    for (k, v) in headers {
        req = req.header(k, v);
    }
    req.send().await.map(|r| r.status().as_u16()).unwrap_or(0)
}

fn err(status: StatusCode, code: &str, message: &str) -> (StatusCode, Value) {
    (status, json!({"code": code, "message": message}))
}

/// Parses `WECHATPAY2-SHA256-RSA2048 k="v",…`.
fn auth_params(header: &str) -> Option<HashMap<String, String>> {
    let rest = header.strip_prefix("WECHATPAY2-SHA256-RSA2048 ")?;
    let mut out = HashMap::new();
    for item in rest.split(',') {
        let (k, v) = item.trim().split_once('=')?;
        out.insert(k.to_owned(), v.trim_matches('"').to_owned());
    }
    Some(out)
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let path_and_query = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    let body_text = String::from_utf8_lossy(&body).into_owned();
    let authorization = headers
        .get("authorization")
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned();
    if uri.path().starts_with("/fake/") {
        return payer_client(&shared, &method, &uri, &path_and_query, &body_text);
    }
    let fault = shared.state.lock().unwrap().fault;
    if fault == Fault::Hang {
        std::future::pending::<()>().await;
    }

    let params = auth_params(&authorization).unwrap_or_default();
    let get = |k: &str| params.get(k).cloned().unwrap_or_default();
    let message = format!(
        "{}\n{}\n{}\n{}\n{}\n",
        method.as_str(),
        path_and_query,
        get("timestamp"),
        get("nonce_str"),
        body_text
    );
    shared.state.lock().unwrap().requests.push(Received {
        method: method.to_string(),
        path_and_query: path_and_query.clone(),
        body: body_text.clone(),
        authorization: authorization.clone(),
        signed_message: message.clone(),
    });
    let fresh = get("timestamp")
        .parse::<i64>()
        .is_ok_and(|ts| (chrono::Utc::now().timestamp() - ts).abs() < 300);
    let signed = get("mchid") == MCH_ID
        && get("serial_no") == MERCHANT_SERIAL
        && fresh
        && verify(
            &shared.merchant_public,
            message.as_bytes(),
            &get("signature"),
        );
    if !signed {
        let (s, v) = err(StatusCode::UNAUTHORIZED, "SIGN_ERROR", "签名错误");
        return (s, axum::Json(v)).into_response();
    }
    if fault == Fault::ServerError {
        let (s, v) = err(
            StatusCode::INTERNAL_SERVER_ERROR,
            "SYSTEM_ERROR",
            "系统错误",
        );
        return (s, axum::Json(v)).into_response();
    }
    let json_body: Value = serde_json::from_slice(&body).unwrap_or(Value::Null);
    let (status, answer) = route(&shared, &method, &uri, &json_body);
    let bytes = match &answer {
        Some(v) => v.to_string().into_bytes(),
        None => Vec::new(),
    };
    if !status.is_success() {
        return (status, bytes).into_response();
    }
    let (key, serial) = match fault {
        Fault::BadSignature => (other_key(), PLATFORM_SERIAL),
        Fault::UnknownSerial => (platform_key(), "PUB_KEY_ID_UNKNOWN"),
        _ => (platform_key(), PLATFORM_SERIAL),
    };
    let mut response = (status, bytes.clone()).into_response();
    for (k, v) in signed_headers(key, serial, chrono::Utc::now().timestamp(), &bytes) {
        response.headers_mut().insert(
            axum::http::HeaderName::try_from(k).unwrap(),
            v.parse().unwrap(),
        );
    }
    if answer.is_some() {
        response
            .headers_mut()
            .insert("content-type", "application/json".parse().unwrap());
    }
    response
}

fn route(shared: &Shared, method: &Method, uri: &Uri, body: &Value) -> (StatusCode, Option<Value>) {
    let mut s = shared.state.lock().unwrap();
    let path = uri.path();
    let bad = |code: &str, msg: &str, st: StatusCode| {
        let (s, v) = err(st, code, msg);
        (s, Some(v))
    };
    match (method.as_str(), path) {
        ("POST", "/v3/pay/transactions/native")
        | ("POST", "/v3/pay/transactions/h5")
        | ("POST", "/v3/pay/transactions/jsapi") => {
            let h5 = path.ends_with("/h5");
            let jsapi = path.ends_with("/jsapi");
            let (Some(no), Some(total)) = (
                body["out_trade_no"].as_str(),
                body["amount"]["total"].as_i64(),
            ) else {
                return bad("PARAM_ERROR", "缺少参数", StatusCode::BAD_REQUEST);
            };
            if body["mchid"] != MCH_ID || body["appid"] != APP_ID || total <= 0 {
                return bad("PARAM_ERROR", "参数错误", StatusCode::BAD_REQUEST);
            }
            // `currency` may be left out (CNY); anything else is refused.
            if !(body["amount"]["currency"].is_null() || body["amount"]["currency"] == "CNY") {
                return bad("PARAM_ERROR", "币种错误", StatusCode::BAD_REQUEST);
            }
            // H5 needs the payer's address, IPv4 or IPv6 (WeChat Pay compares it with the
            // network the payment page is opened from).
            if h5
                && body["scene_info"]["payer_client_ip"]
                    .as_str()
                    .and_then(|ip| ip.parse::<std::net::IpAddr>().ok())
                    .is_none()
            {
                return bad(
                    "PARAM_ERROR",
                    "scene_info.payer_client_ip格式错误",
                    StatusCode::BAD_REQUEST,
                );
            }
            let openid = body["payer"]["openid"].as_str().filter(|o| !o.is_empty());
            if jsapi && openid.is_none() {
                return bad("PARAM_ERROR", "缺少payer.openid", StatusCode::BAD_REQUEST);
            }
            if let Some(t) = s.trades.get(no) {
                if t.state == "SUCCESS" || t.state == "REFUND" {
                    return bad("ORDERPAID", "该订单已支付", StatusCode::BAD_REQUEST);
                }
                if t.body != *body {
                    return bad(
                        "OUT_TRADE_NO_USED",
                        "商户订单号重复",
                        StatusCode::BAD_REQUEST,
                    );
                }
            } else {
                s.trades.insert(
                    no.to_owned(),
                    Trade {
                        out_trade_no: no.to_owned(),
                        trade_type: if h5 {
                            "MWEB"
                        } else if jsapi {
                            "JSAPI"
                        } else {
                            "NATIVE"
                        }
                        .into(),
                        state: "NOTPAY".into(),
                        total,
                        attach: body["attach"].as_str().unwrap_or_default().to_owned(),
                        body: body.clone(),
                        refunded: 0,
                        payer_openid: openid.filter(|_| jsapi).map(str::to_owned),
                        prepay_id: jsapi.then(|| {
                            format!(
                                "wx2611241000{}",
                                no.chars().skip(2).take(24).collect::<String>()
                            )
                        }),
                        code_url: (!jsapi && !h5)
                            .then(|| format!("weixin://wxpay/bizpayurl?pr={no}")),
                        notify_url: body["notify_url"].as_str().unwrap_or_default().to_owned(),
                    },
                );
                s.last_trade = Some(no.to_owned());
            }
            if jsapi {
                // The same order asked again answers its prepay_id again.
                let prepay_id = s.trades[no].prepay_id.clone();
                (StatusCode::OK, Some(json!({"prepay_id": prepay_id})))
            } else if h5 {
                (
                    StatusCode::OK,
                    Some(
                        json!({"h5_url": format!("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id={no}")}),
                    ),
                )
            } else {
                (
                    StatusCode::OK,
                    Some(json!({"code_url": s.trades[no].code_url})),
                )
            }
        }
        ("GET", p) if p.starts_with("/v3/pay/transactions/out-trade-no/") => {
            let no = &p["/v3/pay/transactions/out-trade-no/".len()..];
            if uri.query() != Some(&format!("mchid={MCH_ID}")) {
                return bad("PARAM_ERROR", "mchid", StatusCode::BAD_REQUEST);
            }
            match s.trades.get(no) {
                Some(t) => (StatusCode::OK, Some(transaction(t))),
                None => bad("ORDER_NOT_EXIST", "订单不存在", StatusCode::NOT_FOUND),
            }
        }
        ("POST", p)
            if p.starts_with("/v3/pay/transactions/out-trade-no/") && p.ends_with("/close") =>
        {
            let no = &p["/v3/pay/transactions/out-trade-no/".len()..p.len() - "/close".len()];
            if body["mchid"] != MCH_ID {
                return bad("PARAM_ERROR", "mchid", StatusCode::BAD_REQUEST);
            }
            match s.trades.get_mut(no) {
                None => bad("ORDER_NOT_EXIST", "订单不存在", StatusCode::NOT_FOUND),
                Some(t) if t.state == "SUCCESS" || t.state == "REFUND" => {
                    bad("ORDERPAID", "该订单已支付", StatusCode::BAD_REQUEST)
                }
                Some(t) => {
                    t.state = "CLOSED".into();
                    (StatusCode::NO_CONTENT, None)
                }
            }
        }
        ("POST", "/v3/refund/domestic/refunds") => {
            let (Some(no), Some(refund_no), Some(refund), Some(total)) = (
                body["out_trade_no"].as_str(),
                body["out_refund_no"].as_str(),
                body["amount"]["refund"].as_i64(),
                body["amount"]["total"].as_i64(),
            ) else {
                return bad("PARAM_ERROR", "缺少参数", StatusCode::BAD_REQUEST);
            };
            if let Some(r) = s.refunds.get(refund_no) {
                return (StatusCode::OK, Some(refund_json(r)));
            }
            let Some(t) = s.trades.get_mut(no) else {
                return bad("RESOURCE_NOT_EXISTS", "订单不存在", StatusCode::NOT_FOUND);
            };
            if t.state != "SUCCESS" && t.state != "REFUND" {
                return bad("INVALID_REQUEST", "订单未支付", StatusCode::BAD_REQUEST);
            }
            if total != t.total || refund <= 0 {
                return bad("PARAM_ERROR", "金额错误", StatusCode::BAD_REQUEST);
            }
            if t.refunded + refund > t.total {
                return bad("NOT_ENOUGH", "可退金额不足", StatusCode::FORBIDDEN);
            }
            t.refunded += refund;
            t.state = "REFUND".into();
            let r = RefundRec {
                out_refund_no: refund_no.to_owned(),
                out_trade_no: no.to_owned(),
                refund,
                total,
            };
            let answer = refund_json(&r);
            s.refunds.insert(refund_no.to_owned(), r);
            (StatusCode::OK, Some(answer))
        }
        ("GET", p) if p.starts_with("/v3/refund/domestic/refunds/") => {
            let no = &p["/v3/refund/domestic/refunds/".len()..];
            match s.refunds.get(no) {
                Some(r) => (StatusCode::OK, Some(refund_json(r))),
                None => bad("RESOURCE_NOT_EXISTS", "退款单不存在", StatusCode::NOT_FOUND),
            }
        }
        _ => bad("NOT_FOUND", "no such API", StatusCode::NOT_FOUND),
    }
}

/// `/fake/*`: the payer's WeChat client, called by the page's script (no signature, CORS open
/// to any origin). `POST /fake/jsapi-pay` takes `{"args": {...}, "choice": "pay"|"cancel"}`:
/// `pay` pays as [`FakeWeChatPay::pay_jsapi`] does and answers
/// `{"err_msg":"get_brand_wcpay_request:ok"}`, or `…:fail` with a `reason` when WeChat's checks
/// refuse the arguments; `cancel` answers `…:cancel` and pays nothing.
fn payer_client(
    shared: &Shared,
    method: &Method,
    uri: &Uri,
    path_and_query: &str,
    body: &str,
) -> Response {
    shared.state.lock().unwrap().requests.push(Received {
        method: method.to_string(),
        path_and_query: path_and_query.to_owned(),
        body: body.to_owned(),
        authorization: String::new(),
        signed_message: String::new(),
    });
    let fail = |status: StatusCode, reason: &str| {
        (
            status,
            axum::Json(json!({"err_msg": "get_brand_wcpay_request:fail", "reason": reason})),
        )
            .into_response()
    };
    let mut response = match (method.as_str(), uri.path()) {
        // The CORS preflight of the JSON POST.
        ("OPTIONS", _) => {
            let mut response = StatusCode::NO_CONTENT.into_response();
            let h = response.headers_mut();
            h.insert(
                "access-control-allow-methods",
                axum::http::HeaderValue::from_static("POST, OPTIONS"),
            );
            h.insert(
                "access-control-allow-headers",
                axum::http::HeaderValue::from_static("Content-Type"),
            );
            h.insert(
                "access-control-max-age",
                axum::http::HeaderValue::from_static("300"),
            );
            response
        }
        ("POST", "/fake/jsapi-pay") => {
            let request: Value = serde_json::from_str(body).unwrap_or(Value::Null);
            match request["choice"].as_str() {
                Some("pay") => match shared.pay_jsapi(&request["args"]) {
                    Ok(_) => {
                        axum::Json(json!({"err_msg": "get_brand_wcpay_request:ok"})).into_response()
                    }
                    Err(reason) => fail(StatusCode::OK, &reason),
                },
                Some("cancel") => {
                    axum::Json(json!({"err_msg": "get_brand_wcpay_request:cancel"})).into_response()
                }
                _ => fail(StatusCode::BAD_REQUEST, "choice must be pay or cancel"),
            }
        }
        _ => fail(StatusCode::NOT_FOUND, "no such page"),
    };
    response.headers_mut().insert(
        "access-control-allow-origin",
        axum::http::HeaderValue::from_static("*"),
    );
    response
}
