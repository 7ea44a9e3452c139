//! A fake Alipay OpenAPI gateway (payments.md §3) on a local port: it checks every request's
//! RSA2 signature with the merchant's public key, keeps trades and refunds, signs its answers
//! with its own key the way Alipay does, and sends signed async notifications.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::{RawQuery, State};
use axum::http::{Method, StatusCode};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::Generate;
use rsa::pkcs1::DecodeRsaPrivateKey;
use rsa::pkcs1v15::{Signature, SigningKey, VerifyingKey};
use rsa::pkcs8::{EncodePrivateKey, EncodePublicKey, LineEnding};
use rsa::sha2::Sha256;
use rsa::signature::{SignatureEncoding, Signer, Verifier};
use rsa::{PrivateKey, PublicKey};
use serde_json::{Map, Value, json};

pub const APP_ID: &str = "2021000122671080";

/// The merchant's app key: the Node SDK's test key (PKCS#1), so the §3.2 vector holds for it.
pub const MERCHANT_KEY_PEM: &str = "-----BEGIN RSA PRIVATE KEY-----
MIIEowIBAAKCAQEAvpjRtB7IcjsA9LwjZhiK20y3pEoLnEdUASaY1R20eKxhzKC1
Y/GFIVAxTLDS8QddHdY+r4tHAKnQe2+rl6cZ883GgJh200G83WVbsjiED+cHf6+R
rlW2zkZgAR7QwgacWGVSgQTRaOu3TSa3SH2+ZhY/g2yaITvjtqrnbySY/KmFm3G5
kMdJuEHfcqOqHnpUtrAH5qwSB7+ZicPtLLjPTewjeBTl/sJVN39whDHG9tPaZ4B3
hvwyFaXUDc4jHtGQl9Ed+3XYPJQafmmiLJ9eh/WcjhgHYWTEkjyHDK0HuCbNfJ7r
zHs4ZTbnxf/f0KTZHvb7Y03Z7KO/8ZnG1kLD+QIDAQABAoIBAGQXuyEdfWTH6cOc
vfZS8zEhw9tKa3iB2PLVwzNAa1NoK+AbkcbPwntxMsK0pcKgfF078yWbPglyJKN+
TJ3SyoVHznQgHV7qSfX20cXxeiEj0cNTf20PZHZFbQuJlFYgxKCDbWWGEzdHerbQ
mzY9muzfyDELqpHDct2uOOYcUR92ObvmnjH2zNUHYvzMroDLFcJZZXX40VcxVhK9
6Oze9dTm1xAFa+pEiVqtxt6pkGoHgAp9k4Kbr1ysIo1FEmBDFEo55y7CLx05bOL/
/NcwLZPZkEC6LcOa5esFT3aRtpLjmsdxWcYR6QRU8bFW8mQgn/1SSq3DHqHRdOMl
9hzG2rUCgYEA+AmQmJrBnpdM4RNghvSC0c9cPn/UhR2H5L9CoMmphXwhq0CcisHc
netRhi39JbIpAFTXWmRYRiyMHzKiW61KvrwaGXUj90fsLtlVjtqxpMPQifaOrk37
DKAfAtdRmcU27LtvYvCqxytWsyaS5g2pS8rxTHMZ4ena2+9N8VPXm/8CgYEAxLcx
tLVziC93n3eJF1si5Ofp66MPORJVie5/onxORvEjSgqdQfkBcshpM3kf6BcYIhT/
wPenUizs7zLAQVw6TI5ojoFqVDjh5JNNVfcBDUJ1giXNr7PZhJum8ru6BRLSvNPt
zydfqA0XPZGbtE2nD5QjI3jQb32rme12hvqigAcCgYEA5STo+aKW1y2N761YErVX
Gf/Ih1DPA/9JKRFsu2AyhUgtTqmNNT9t0lKwaRaZdLbH3C+FGFP1nTbQaI39olZQ
5C6gqf4nMO64Cnvr5+KwFLh2Ms6d9/fAw2Q14gkLsNSaLk/m0m/mRcQK/8zWD0R1
r7iX/XmkYqoJ7/9/cUB0wv8CgYAZ1OykDEfVlFYjDLFl7cPRR1sCZHE1T2EIMdd0
4Nnumu/FY0tvRGGaTxLxfXBhK9cxcox7LIo+UkPyzTlN2+yT7Qdx3zC1SprvRyCa
r0rmENoZcxllfzqLHV149ong7K3bugC6eTMogD+TCDHoJWJQu2U53T2RxnDoT7SG
2RbJtQKBgDpcl1phYQfGOHDddOXhXpG+h9rKlbvDTDy+KbeBIBaUMTFQV3g3q5Cp
D2TW/C4Pu4xk9Yrt44xdLcuaZ0iyqNL7JmYtaVlZ/5YU9ijV/yRQ07PuHem+08br
awarfVnUiPtuiOwSfYw3//irBNow2h7BvzGx1lbvUI4tXJwTR6ov
-----END RSA PRIVATE KEY-----";

/// The fake Alipay's own key pair, generated once per test process (slow unoptimised).
fn alipay_key() -> &'static PrivateKey {
    static KEY: OnceLock<PrivateKey> = OnceLock::new();
    KEY.get_or_init(PrivateKey::generate)
}

/// The fake Alipay's public key as SPKI PEM, for the merchant's configuration.
pub fn alipay_public_key_pem() -> String {
    PublicKey::from(alipay_key())
        .to_public_key_pem(LineEnding::LF)
        .unwrap()
}

/// The fake Alipay's private key as PKCS#8 PEM: configured as the merchant key, it makes
/// a merchant whose public key the fake does not know.
pub fn wrong_merchant_key_pem() -> String {
    alipay_key()
        .to_pkcs8_pem(LineEnding::LF)
        .unwrap()
        .to_string()
}

fn sign_content(params: &BTreeMap<String, String>, skip: &[&str]) -> String {
    params
        .iter()
        .filter(|(k, v)| !v.is_empty() && !skip.contains(&k.as_str()))
        .map(|(k, v)| format!("{k}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

fn alipay_sign(content: &str) -> String {
    let key = SigningKey::<Sha256>::new(alipay_key().clone());
    let sig: Signature = key.sign(content.as_bytes());
    STANDARD.encode(sig.to_vec())
}

fn merchant_verifies(content: &str, sign: &str) -> bool {
    let key = PrivateKey::from_pkcs1_pem(MERCHANT_KEY_PEM).unwrap();
    let key = VerifyingKey::<Sha256>::new(PublicKey::from(&key));
    let Ok(bytes) = STANDARD.decode(sign) else {
        return false;
    };
    let Ok(sig) = Signature::try_from(bytes.as_slice()) else {
        return false;
    };
    key.verify(content.as_bytes(), &sig).is_ok()
}

fn yuan(fen: i64) -> String {
    format!("{}.{:02}", fen / 100, fen % 100)
}

/// Alipay amounts as we expect the connector to send them: digits, a dot, two digits.
fn fen(s: &str) -> Option<i64> {
    let (w, f) = s.split_once('.')?;
    if w.is_empty() || f.len() != 2 || !(w.bytes().chain(f.bytes()).all(|b| b.is_ascii_digit())) {
        return None;
    }
    Some(w.parse::<i64>().ok()? * 100 + f.parse::<i64>().ok()?)
}

/// What the next gateway call gets instead of a proper answer.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Fault {
    Http500,
    Hang,
    /// A well-formed answer whose `sign` does not match its text.
    TamperedSignature,
}

#[derive(Debug, Clone)]
pub struct Recorded {
    pub http_method: String,
    pub params: BTreeMap<String, String>,
}

impl Recorded {
    pub fn method(&self) -> &str {
        self.params.get("method").map(String::as_str).unwrap_or("")
    }
    pub fn biz(&self) -> Value {
        serde_json::from_str(
            self.params
                .get("biz_content")
                .map(String::as_str)
                .unwrap_or("null"),
        )
        .unwrap_or(Value::Null)
    }
}

#[derive(Debug, Clone)]
pub struct Trade {
    pub trade_no: String,
    pub total: i64,
    pub subject: String,
    pub product_code: String,
    pub status: &'static str,
    pub paid: bool,
    pub refunded: i64,
    pub refunds: HashMap<String, i64>,
}

#[derive(Default)]
struct FakeState {
    trades: HashMap<String, Trade>,
    requests: Vec<Recorded>,
    faults: Vec<Fault>,
    next_trade_no: u64,
}

struct Shared {
    state: Mutex<FakeState>,
}

pub struct FakeAlipay {
    pub gateway: String,
    shared: Arc<Shared>,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeAlipay {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeAlipay {
    pub async fn start() -> FakeAlipay {
        // Generate the key before serving so the first request is not slowed by it.
        let _ = alipay_key();
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let gateway = format!("http://{}/gateway.do", listener.local_addr().unwrap());
        let shared = Arc::new(Shared {
            state: Mutex::new(FakeState::default()),
        });
        let app = Router::new()
            .route("/gateway.do", axum::routing::any(handle))
            .with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeAlipay {
            gateway,
            shared,
            server,
        }
    }

    fn state(&self) -> std::sync::MutexGuard<'_, FakeState> {
        self.shared.state.lock().unwrap()
    }

    pub fn fail_next(&self, fault: Fault) {
        self.state().faults.push(fault);
    }

    pub fn requests(&self) -> Vec<Recorded> {
        self.state().requests.clone()
    }

    pub fn trade(&self, out_trade_no: &str) -> Option<Trade> {
        self.state().trades.get(out_trade_no).cloned()
    }

    /// The buyer pays the trade on Alipay's page.
    pub fn pay(&self, out_trade_no: &str) {
        let mut st = self.state();
        let t = st.trades.get_mut(out_trade_no).expect("no such trade");
        assert_eq!(t.status, "WAIT_BUYER_PAY");
        t.status = "TRADE_SUCCESS";
        t.paid = true;
    }

    /// A form body as Alipay posts it to `notify_url`, signed over the V1 string.
    pub fn notification_body(fields: &[(&str, &str)]) -> String {
        let mut params: BTreeMap<String, String> = fields
            .iter()
            .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
            .collect();
        params.insert("sign_type".into(), "RSA2".into());
        let sign = alipay_sign(&sign_content(&params, &["sign", "sign_type"]));
        params.insert("sign".into(), sign);
        url::form_urlencoded::Serializer::new(String::new())
            .extend_pairs(params.iter())
            .finish()
    }

    /// The trade's payment notification, as [`FakeAlipay::notification_body`] fields.
    pub fn paid_notification(&self, out_trade_no: &str, notify_id: &str) -> Vec<(String, String)> {
        let t = self.trade(out_trade_no).expect("no such trade");
        [
            ("notify_time", "2026-11-24 21:00:05"),
            ("notify_type", "trade_status_sync"),
            ("notify_id", notify_id),
            ("app_id", APP_ID),
            ("auth_app_id", APP_ID),
            ("charset", "utf-8"),
            ("version", "1.0"),
            ("trade_no", t.trade_no.as_str()),
            ("out_trade_no", out_trade_no),
            ("trade_status", t.status),
            ("total_amount", yuan(t.total).as_str()),
            ("receipt_amount", yuan(t.total).as_str()),
            ("gmt_create", "2026-11-24 21:00:00"),
            ("gmt_payment", "2026-11-24 21:00:04"),
            ("subject", t.subject.as_str()),
            (
                "fund_bill_list",
                r#"[{"amount":"0.10","fundChannel":"ALIPAYACCOUNT"}]"#,
            ),
        ]
        .iter()
        .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
        .collect()
    }

    /// Posts a signed notification to `url` and answers the receiver's body.
    pub async fn notify(url: &str, fields: &[(&str, &str)]) -> String {
        reqwest::Client::new()
            .post(url)
            .header("content-type", "application/x-www-form-urlencoded")
            .body(FakeAlipay::notification_body(fields))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap()
    }
}

fn gateway_error(sub_code: &str, sub_msg: &str) -> (String, Value) {
    (
        "error_response".into(),
        json!({"code":"40002","msg":"Invalid Arguments","sub_code":sub_code,"sub_msg":sub_msg}),
    )
}

fn business_error(key: &str, sub_code: &str) -> (String, Value) {
    (
        key.to_owned(),
        json!({"code":"40004","msg":"Business Failed","sub_code":sub_code,"sub_msg":sub_code}),
    )
}

async fn handle(
    State(shared): State<Arc<Shared>>,
    method: Method,
    RawQuery(query): RawQuery,
    body: Bytes,
) -> Response {
    let mut params: BTreeMap<String, String> =
        url::form_urlencoded::parse(query.unwrap_or_default().as_bytes())
            .into_owned()
            .collect();
    params.extend(url::form_urlencoded::parse(&body).into_owned());
    let fault = {
        let mut st = shared.state.lock().unwrap();
        st.requests.push(Recorded {
            http_method: method.to_string(),
            params: params.clone(),
        });
        if st.faults.is_empty() {
            None
        } else {
            Some(st.faults.remove(0))
        }
    };
    match fault {
        Some(Fault::Http500) => return (StatusCode::INTERNAL_SERVER_ERROR, "oops").into_response(),
        Some(Fault::Hang) => {
            tokio::time::sleep(Duration::from_secs(60)).await;
        }
        _ => {}
    }
    let page = method == Method::GET;
    let (key, inner) = answer(&shared, &params);
    if page && inner.get("code").and_then(Value::as_str) == Some("10000") {
        return (StatusCode::OK, "<html>Alipay cashier</html>").into_response();
    }
    let text = inner.to_string();
    let content = if fault == Some(Fault::TamperedSignature) {
        text.replace("Success", "Succesz")
    } else {
        text.clone()
    };
    let sign = alipay_sign(&content);
    let body = format!(r#"{{"{key}":{text},"sign":"{sign}"}}"#);
    (
        StatusCode::OK,
        [("content-type", "application/json;charset=utf-8")],
        body,
    )
        .into_response()
}

fn answer(shared: &Shared, p: &BTreeMap<String, String>) -> (String, Value) {
    let get = |k: &str| p.get(k).map(String::as_str).unwrap_or("");
    let method = get("method");
    let key = format!("{}_response", method.replace('.', "_"));
    if !merchant_verifies(&sign_content(p, &["sign"]), get("sign")) || get("sign_type") != "RSA2" {
        return gateway_error("isv.invalid-signature", "bad signature");
    }
    if get("app_id") != APP_ID {
        return gateway_error("isv.invalid-app-id", "unknown app_id");
    }
    if get("charset") != "utf-8" || get("version") != "1.0" || get("format") != "JSON" {
        return gateway_error("isv.invalid-arguments", "charset, version or format");
    }
    if chrono::NaiveDateTime::parse_from_str(get("timestamp"), "%Y-%m-%d %H:%M:%S").is_err() {
        return gateway_error("isv.invalid-timestamp", "timestamp");
    }
    let Ok(Value::Object(biz)) = serde_json::from_str::<Value>(get("biz_content")) else {
        return gateway_error("isv.invalid-biz-content", "biz_content is not JSON");
    };
    let b = |k: &str| biz.get(k).and_then(Value::as_str).unwrap_or("").to_owned();
    let out_trade_no = b("out_trade_no");
    let mut st = shared.state.lock().unwrap();
    let ok = |mut fields: Map<String, Value>| {
        fields.insert("code".into(), "10000".into());
        fields.insert("msg".into(), "Success".into());
        (key.clone(), Value::Object(fields))
    };
    match method {
        "alipay.trade.page.pay" | "alipay.trade.wap.pay" => {
            let Some(total) = fen(&b("total_amount")) else {
                return business_error(&key, "ACQ.INVALID_PARAMETER");
            };
            let expected = if method == "alipay.trade.page.pay" {
                "FAST_INSTANT_TRADE_PAY"
            } else {
                "QUICK_WAP_WAY"
            };
            if b("product_code") != expected || b("subject").is_empty() || out_trade_no.is_empty() {
                return business_error(&key, "ACQ.INVALID_PARAMETER");
            }
            if let Some(t) = st.trades.get(&out_trade_no) {
                if t.total != total {
                    return business_error(&key, "ACQ.CONTEXT_INCONSISTENT");
                }
                return ok(Map::new());
            }
            st.next_trade_no += 1;
            let trade_no = format!("2026112422001{:09}", st.next_trade_no);
            st.trades.insert(
                out_trade_no,
                Trade {
                    trade_no,
                    total,
                    subject: b("subject"),
                    product_code: b("product_code"),
                    status: "WAIT_BUYER_PAY",
                    paid: false,
                    refunded: 0,
                    refunds: HashMap::new(),
                },
            );
            ok(Map::new())
        }
        "alipay.trade.query" => {
            let Some(t) = st.trades.get(&out_trade_no) else {
                return business_error(&key, "ACQ.TRADE_NOT_EXIST");
            };
            let mut m = Map::new();
            m.insert("trade_no".into(), t.trade_no.clone().into());
            m.insert("out_trade_no".into(), out_trade_no.clone().into());
            m.insert("trade_status".into(), t.status.into());
            m.insert("total_amount".into(), yuan(t.total).into());
            if t.paid {
                m.insert("send_pay_date".into(), "2026-11-24 21:00:04".into());
                m.insert("receipt_amount".into(), yuan(t.total).into());
            }
            ok(m)
        }
        "alipay.trade.close" => {
            let Some(t) = st.trades.get_mut(&out_trade_no) else {
                return business_error(&key, "ACQ.TRADE_NOT_EXIST");
            };
            if t.status != "WAIT_BUYER_PAY" {
                return business_error(&key, "ACQ.TRADE_STATUS_ERROR");
            }
            t.status = "TRADE_CLOSED";
            let mut m = Map::new();
            m.insert("trade_no".into(), t.trade_no.clone().into());
            m.insert("out_trade_no".into(), out_trade_no.clone().into());
            ok(m)
        }
        "alipay.trade.refund" => {
            let Some(amount) = fen(&b("refund_amount")) else {
                return business_error(&key, "ACQ.INVALID_PARAMETER");
            };
            let request_no = b("out_request_no");
            let Some(t) = st.trades.get_mut(&out_trade_no) else {
                return business_error(&key, "ACQ.TRADE_NOT_EXIST");
            };
            let fund_change = match t.refunds.get(&request_no) {
                Some(&prev) if prev == amount => "N",
                Some(_) => return business_error(&key, "ACQ.DISCORDANT_REPEAT_REQUEST"),
                None => {
                    if !t.paid || t.status != "TRADE_SUCCESS" {
                        return business_error(&key, "ACQ.TRADE_STATUS_ERROR");
                    }
                    if amount <= 0 || t.refunded + amount > t.total {
                        return business_error(&key, "ACQ.REFUND_AMT_NOT_EQUAL_TOTAL");
                    }
                    t.refunded += amount;
                    t.refunds.insert(request_no, amount);
                    if t.refunded == t.total {
                        t.status = "TRADE_CLOSED";
                    }
                    "Y"
                }
            };
            let mut m = Map::new();
            m.insert("trade_no".into(), t.trade_no.clone().into());
            m.insert("out_trade_no".into(), out_trade_no.clone().into());
            m.insert("fund_change".into(), fund_change.into());
            m.insert("refund_fee".into(), yuan(t.refunded).into());
            m.insert("gmt_refund_pay".into(), "2026-11-24 21:10:00".into());
            ok(m)
        }
        "alipay.trade.fastpay.refund.query" => {
            let request_no = b("out_request_no");
            let mut m = Map::new();
            if let Some(t) = st.trades.get(&out_trade_no)
                && let Some(&amount) = t.refunds.get(&request_no)
            {
                m.insert("trade_no".into(), t.trade_no.clone().into());
                m.insert("out_trade_no".into(), out_trade_no.clone().into());
                m.insert("out_request_no".into(), request_no.into());
                m.insert("total_amount".into(), yuan(t.total).into());
                m.insert("refund_amount".into(), yuan(amount).into());
                m.insert("refund_status".into(), "REFUND_SUCCESS".into());
            }
            ok(m)
        }
        _ => gateway_error("isv.invalid-method", "unknown method"),
    }
}
