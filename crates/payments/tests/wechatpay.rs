//! The WeChat Pay connector against a fake WeChat Pay over real HTTP (tests/fakes/wechatpay.rs).

#[path = "fakes/wechatpay.rs"]
mod fake_wechatpay;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use chrono::Utc;
use fake_wechatpay::{
    API_V3_KEY, APP_ID, FakeWeChatPay, Fault, MCH_ID, MERCHANT_SERIAL, PLATFORM_SERIAL,
    merchant_key, notification_body, other_key, platform_key, private_pem, public_pem,
    signed_headers,
};
use serde_json::{Value, json};
use wayfare_domain::{Currency, Money};
use wayfare_payments::wechatpay::{
    DEFAULT_TIMESTAMP_TOLERANCE, JsapiParams, METHOD_H5, METHOD_JSAPI_PREFIX, METHOD_NATIVE,
    WeChatPayConfig, WeChatPayProvider, authorization, out_trade_no, request_message,
};
use wayfare_payments::{
    Capture, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, RefundRequest,
    RefundStatus, WebhookError, WebhookRequest, WebhookSubject,
};

fn config_for(fake: &FakeWeChatPay) -> WeChatPayConfig {
    WeChatPayConfig {
        mch_id: MCH_ID.into(),
        app_id: APP_ID.into(),
        merchant_serial_no: MERCHANT_SERIAL.into(),
        merchant_private_key_pem: private_pem(merchant_key()),
        platform_serial_no: PLATFORM_SERIAL.into(),
        platform_public_key_pem: public_pem(platform_key()),
        api_v3_key: API_V3_KEY.into(),
        api_base: fake.base_url.clone(),
        notify_url: "https://wayfare.example/api/v1/webhooks/wechatpay".into(),
        timeout: Duration::from_secs(2),
        timestamp_tolerance: DEFAULT_TIMESTAMP_TOLERANCE,
    }
}

async fn setup() -> (FakeWeChatPay, WeChatPayProvider) {
    let fake = FakeWeChatPay::start().await;
    let provider = WeChatPayProvider::new(config_for(&fake)).unwrap();
    (fake, provider)
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn request(amount: Money, method: &str, key: &str) -> PaymentRequest {
    PaymentRequest {
        amount,
        payment_method: method.into(),
        capture: Capture::Automatic,
        idempotency_key: key.into(),
        reference: "WF-ABC123".into(),
        description: "Flight PEK-SHA".into(),
        customer_email: None,
        return_url: None,
        instalments: None,
        payer_ip: None,
    }
}

fn refund(payment_id: &str, amount: Option<Money>, key: &str) -> RefundRequest {
    RefundRequest {
        payment_id: payment_id.into(),
        amount,
        reason: "requested_by_customer".into(),
        idempotency_key: key.into(),
    }
}

async fn paid(fake: &FakeWeChatPay, provider: &WeChatPayProvider, total: i64, key: &str) -> String {
    let p = provider
        .create_payment(&request(cny(total), METHOD_NATIVE, key))
        .await
        .unwrap();
    fake.pay(&p.id);
    p.id
}

#[tokio::test]
async fn native_order_answers_the_code_url_and_signs_exactly_what_it_sends() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(12_345), METHOD_NATIVE, "order-1"))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.id, out_trade_no("order-1"));
    assert!((6..=32).contains(&p.id.len()));
    assert_eq!(
        p.next_action_url.as_deref(),
        Some(format!("weixin://wxpay/bizpayurl?pr={}", p.id).as_str())
    );
    assert_eq!(p.amount, cny(12_345));
    assert_eq!(p.payment_method, METHOD_NATIVE);

    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path_and_query, "/v3/pay/transactions/native");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["amount"], json!({"total": 12_345, "currency": "CNY"}));
    assert_eq!(body["out_trade_no"], p.id.as_str());
    assert_eq!(body["mchid"], MCH_ID);
    assert_eq!(body["appid"], APP_ID);
    assert_eq!(body["attach"], "WF-ABC123");
    assert_eq!(
        body["notify_url"],
        "https://wayfare.example/api/v1/webhooks/wechatpay"
    );
    // The signing string: METHOD, path, timestamp, nonce, the exact body, each line ended.
    let lines: Vec<&str> = r.signed_message.split('\n').collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0], "POST");
    assert_eq!(lines[1], "/v3/pay/transactions/native");
    assert!(lines[2].parse::<i64>().is_ok());
    assert_eq!(lines[3].len(), 32);
    assert_eq!(lines[4], r.body);
    assert_eq!(lines[5], "");
    assert!(
        r.authorization
            .starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"")
    );
    assert!(
        r.authorization
            .contains(&format!("serial_no=\"{MERCHANT_SERIAL}\""))
    );
    assert!(
        r.authorization
            .contains(&format!("timestamp=\"{}\"", lines[2]))
    );

    // A retry with the same key places the same trade.
    let again = provider
        .create_payment(&request(cny(12_345), METHOD_NATIVE, "order-1"))
        .await
        .unwrap();
    assert_eq!(again.id, p.id);
    assert_eq!(fake.trades(), 1);
    // The same key for another amount is refused.
    assert_eq!(
        provider
            .create_payment(&request(cny(1), METHOD_NATIVE, "order-1"))
            .await,
        Err(PaymentError::IdempotencyKeyReused)
    );
}

#[tokio::test]
async fn query_signs_the_path_with_its_query_and_follows_the_payer() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(500), METHOD_NATIVE, "order-q"))
        .await
        .unwrap();
    let before = provider.get_payment(&p.id).await.unwrap();
    assert_eq!(before.status, PaymentStatus::RequiresAction);
    assert_eq!(before.reference, "WF-ABC123");
    let q = fake.requests().pop().unwrap();
    let want = format!("/v3/pay/transactions/out-trade-no/{}?mchid={MCH_ID}", p.id);
    assert_eq!(q.path_and_query, want);
    assert!(q.signed_message.starts_with(&format!("GET\n{want}\n")));
    assert!(
        q.signed_message.ends_with("\n\n"),
        "GET signs an empty body"
    );

    fake.pay(&p.id);
    let after = provider.complete_action(&p.id, true).await.unwrap();
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.amount_captured, cny(500));
    // A paid trade cannot be closed.
    assert_eq!(
        provider.void(&p.id, "void-1").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
    // Replaying the create after payment answers the paid trade.
    let replay = provider
        .create_payment(&request(cny(500), METHOD_NATIVE, "order-q"))
        .await
        .unwrap();
    assert_eq!(replay.status, PaymentStatus::Succeeded);
    assert_eq!(
        provider.get_payment("wfnosuchtrade").await,
        Err(PaymentError::NotFound("wfnosuchtrade".into()))
    );
}

#[tokio::test]
async fn h5_order_answers_the_h5_url_with_scene_info() {
    let (fake, provider) = setup().await;
    let mut req = request(cny(800), METHOD_H5, "order-h5");
    req.payer_ip = Some("2001:db8::7".into());
    let p = provider.create_payment(&req).await.unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert!(
        p.next_action_url
            .unwrap()
            .starts_with("https://wx.tenpay.com/")
    );
    let r = fake.requests().pop().unwrap();
    assert_eq!(r.path_and_query, "/v3/pay/transactions/h5");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["scene_info"]["payer_client_ip"], "2001:db8::7");
    assert_eq!(body["scene_info"]["h5_info"]["type"], "Wap");
    assert_eq!(
        provider.get_payment(&p.id).await.unwrap().payment_method,
        METHOD_H5
    );
}

/// An H5 order without the payer's address, or with something else in its place, is refused
/// before WeChat Pay is asked: it would refuse it, or refuse the payer on its page.
#[tokio::test]
async fn an_h5_order_needs_the_payers_ip_address() {
    let (fake, provider) = setup().await;
    for ip in [None, Some("203.0.113.7:443"), Some("localhost"), Some("")] {
        let mut req = request(cny(800), METHOD_H5, "order-h5-noip");
        req.payer_ip = ip.map(str::to_owned);
        assert!(
            matches!(
                provider.create_payment(&req).await,
                Err(PaymentError::InvalidRequest(_))
            ),
            "{ip:?}"
        );
    }
    assert!(fake.requests().is_empty(), "nothing was sent");
    // Native and JSAPI orders do not send it at all.
    let mut req = request(cny(800), METHOD_NATIVE, "order-native-ip");
    req.payer_ip = Some("203.0.113.7".into());
    provider.create_payment(&req).await.unwrap();
    let body: Value = serde_json::from_str(&fake.requests().pop().unwrap().body).unwrap();
    assert!(body.get("scene_info").is_none(), "{body}");
}

#[tokio::test]
async fn an_unpaid_order_is_closed() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(900), METHOD_NATIVE, "order-c"))
        .await
        .unwrap();
    let closed = provider.void(&p.id, "void-c").await.unwrap();
    assert_eq!(closed.status, PaymentStatus::Canceled);
    assert_eq!(fake.trade(&p.id).unwrap().state, "CLOSED");
    let close = fake
        .requests()
        .into_iter()
        .find(|r| r.path_and_query.ends_with("/close"))
        .unwrap();
    assert_eq!(close.body, json!({"mchid": MCH_ID}).to_string());
    // Refusing again answers the closed payment.
    assert_eq!(
        provider.complete_action(&p.id, false).await.unwrap().status,
        PaymentStatus::Canceled
    );
}

#[tokio::test]
async fn refunds_partial_twice_never_over_and_once_per_key() {
    let (fake, provider) = setup().await;
    let id = paid(&fake, &provider, 10_000, "order-r").await;
    let r1 = provider
        .refund(&refund(&id, Some(cny(3_000)), "refund-1"))
        .await
        .unwrap();
    assert_eq!(r1.status, RefundStatus::Succeeded);
    assert_eq!(r1.amount, cny(3_000));
    assert_eq!(r1.payment_id, id);
    let r2 = provider
        .refund(&refund(&id, Some(cny(5_000)), "refund-2"))
        .await
        .unwrap();
    assert_ne!(r1.id, r2.id);
    let body: Value = serde_json::from_str(
        &fake
            .requests()
            .into_iter()
            .rfind(|r| r.path_and_query == "/v3/refund/domestic/refunds")
            .unwrap()
            .body,
    )
    .unwrap();
    assert_eq!(
        body["amount"],
        json!({"refund": 5_000, "total": 10_000, "currency": "CNY"})
    );
    // Replaying a key is the same refund, made once.
    let replay = provider
        .refund(&refund(&id, Some(cny(3_000)), "refund-1"))
        .await
        .unwrap();
    assert_eq!(replay.id, r1.id);
    assert_eq!(fake.refunds().len(), 2);
    // The same key for another amount is refused.
    assert_eq!(
        provider
            .refund(&refund(&id, Some(cny(1_000)), "refund-1"))
            .await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    // More than is left.
    assert!(matches!(
        provider
            .refund(&refund(&id, Some(cny(2_001)), "refund-3"))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        provider
            .refund(&refund(
                &id,
                Some(Money::from_minor(1, Currency::USD)),
                "refund-4"
            ))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let got = provider.get_refund(&r2.id).await.unwrap();
    assert_eq!(got.amount, cny(5_000));
    assert_eq!(got.status, RefundStatus::Succeeded);
    assert_eq!(
        provider.get_payment(&id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}

#[tokio::test]
async fn answers_that_do_not_verify_are_not_trusted() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(100), METHOD_NATIVE, "order-v"))
        .await
        .unwrap();
    for fault in [
        Fault::BadSignature,
        Fault::UnknownSerial,
        Fault::ServerError,
    ] {
        fake.set_fault(fault);
        assert!(
            matches!(
                provider.get_payment(&p.id).await,
                Err(PaymentError::Unavailable(_))
            ),
            "{fault:?}"
        );
    }
    fake.set_fault(Fault::Hang);
    assert_eq!(
        provider.get_payment(&p.id).await,
        Err(PaymentError::Timeout)
    );
}

#[tokio::test]
async fn a_wrong_merchant_key_is_unavailable() {
    let fake = FakeWeChatPay::start().await;
    let provider = WeChatPayProvider::new(WeChatPayConfig {
        merchant_private_key_pem: private_pem(other_key()),
        ..config_for(&fake)
    })
    .unwrap();
    let err = provider
        .create_payment(&request(cny(100), METHOD_NATIVE, "order-k"))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, PaymentError::Unavailable(m) if m.contains("misconfigured")),
        "{err:?}"
    );
}

#[tokio::test]
async fn refuses_what_wechat_pay_cannot_do_without_calling_it() {
    let (fake, provider) = setup().await;
    assert!(matches!(
        provider
            .create_payment(&request(
                Money::from_minor(100, Currency::USD),
                METHOD_NATIVE,
                "k1"
            ))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        provider
            .create_payment(&request(cny(100), "wechatpay_jsapi", "k2"))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let mut manual = request(cny(100), METHOD_NATIVE, "k3");
    manual.capture = Capture::Manual;
    assert!(matches!(
        provider.create_payment(&manual).await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        provider.capture("wfabcdef", None, "cap").await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        provider.get_payment("../../v3/x").await,
        Err(PaymentError::NotFound(_))
    ));
    assert!(fake.requests().is_empty());
}

#[test]
fn config_debug_hides_the_secrets() {
    let config = WeChatPayConfig {
        mch_id: MCH_ID.into(),
        app_id: APP_ID.into(),
        merchant_serial_no: MERCHANT_SERIAL.into(),
        merchant_private_key_pem: "-----BEGIN PRIVATE KEY-----SECRETKEY".into(),
        platform_serial_no: PLATFORM_SERIAL.into(),
        platform_public_key_pem: "pub".into(),
        api_v3_key: "SECRETAPIV3KEY0123456789abcdefgh".into(),
        api_base: "https://api.mch.weixin.qq.com".into(),
        notify_url: "https://x".into(),
        timeout: Duration::from_secs(1),
        timestamp_tolerance: DEFAULT_TIMESTAMP_TOLERANCE,
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains("SECRET"), "{shown}");
    assert!(matches!(
        WeChatPayProvider::new(config),
        Err(PaymentError::InvalidRequest(_))
    ));
}

fn webhook<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> WebhookRequest<'a> {
    WebhookRequest {
        headers,
        body,
        received_at: Utc::now(),
    }
}

fn signed(body: &[u8]) -> Vec<(String, String)> {
    signed_headers(
        platform_key(),
        PLATFORM_SERIAL,
        Utc::now().timestamp(),
        body,
    )
}

#[tokio::test]
async fn notifications_are_verified_decrypted_and_read() {
    let (fake, provider) = setup().await;
    let id = paid(&fake, &provider, 2_000, "order-n").await;
    let body = notification_body("EV-1", "TRANSACTION.SUCCESS", &fake.transaction_json(&id));
    let headers = signed(&body);
    let event = provider
        .parse_webhook(&webhook(&headers, &body))
        .await
        .unwrap();
    assert_eq!(event.provider, "wechatpay");
    assert_eq!(event.event_id, "EV-1");
    assert_eq!(event.event_type, "TRANSACTION.SUCCESS");
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: id.clone(),
            status: PaymentStatus::Succeeded,
            amount: Some(cny(2_000)),
            amount_captured: Some(cny(2_000)),
        }
    );
    assert!(event.occurred_at.is_some());

    let refund_plain = json!({"mchid": MCH_ID, "out_trade_no": id, "out_refund_no": "wr123456",
        "refund_status": "SUCCESS", "amount": {"total": 2_000, "refund": 700, "payer_total": 2_000, "payer_refund": 700}});
    let body = notification_body("EV-2", "REFUND.SUCCESS", &refund_plain);
    let headers = signed(&body);
    let event = provider
        .parse_webhook(&webhook(&headers, &body))
        .await
        .unwrap();
    assert_eq!(
        event.subject,
        WebhookSubject::Refund {
            refund_id: "wr123456".into(),
            payment_id: id,
            status: RefundStatus::Succeeded,
            amount: Some(cny(700)),
        }
    );
}

#[tokio::test]
async fn notifications_that_do_not_verify_are_refused() {
    let (_fake, provider) = setup().await;
    let plain =
        json!({"out_trade_no": "wfabcdef", "trade_state": "SUCCESS", "amount": {"total": 1}});
    let body = notification_body("EV-3", "TRANSACTION.SUCCESS", &plain);
    let headers = signed(&body);

    // Signature over another body.
    let mut other = body.clone();
    other.extend_from_slice(b" ");
    assert_eq!(
        provider.parse_webhook(&webhook(&headers, &other)).await,
        Err(WebhookError::BadSignature)
    );
    // A forged signature.
    let mut forged = headers.clone();
    for h in &mut forged {
        if h.0 == "wechatpay-signature" {
            h.1 = signed_headers(other_key(), PLATFORM_SERIAL, 1, &body)[2]
                .1
                .clone();
        }
    }
    assert_eq!(
        provider.parse_webhook(&webhook(&forged, &body)).await,
        Err(WebhookError::BadSignature)
    );
    // Another serial.
    let foreign = signed_headers(
        platform_key(),
        "PUB_KEY_ID_OTHER",
        Utc::now().timestamp(),
        &body,
    );
    assert_eq!(
        provider.parse_webhook(&webhook(&foreign, &body)).await,
        Err(WebhookError::BadSignature)
    );
    // Tampered ciphertext, correctly signed: the AEAD tag refuses it.
    let mut v: Value = serde_json::from_slice(&body).unwrap();
    let ct = v["resource"]["ciphertext"].as_str().unwrap().to_owned();
    let flipped = if ct.starts_with('A') { "B" } else { "A" };
    v["resource"]["ciphertext"] = Value::String(format!("{flipped}{}", &ct[1..]));
    let tampered = v.to_string().into_bytes();
    let headers_t = signed(&tampered);
    assert_eq!(
        provider
            .parse_webhook(&webhook(&headers_t, &tampered))
            .await,
        Err(WebhookError::BadSignature)
    );
    // Stale.
    let old = signed_headers(
        platform_key(),
        PLATFORM_SERIAL,
        Utc::now().timestamp() - 301,
        &body,
    );
    assert_eq!(
        provider.parse_webhook(&webhook(&old, &body)).await,
        Err(WebhookError::Stale)
    );
    // Missing headers.
    for missing in [
        "wechatpay-timestamp",
        "wechatpay-nonce",
        "wechatpay-signature",
        "wechatpay-serial",
    ] {
        let partial: Vec<(String, String)> = headers
            .iter()
            .filter(|(k, _)| k != missing)
            .cloned()
            .collect();
        assert_eq!(
            provider.parse_webhook(&webhook(&partial, &body)).await,
            Err(WebhookError::MissingSignature),
            "{missing}"
        );
    }
    assert_eq!(
        provider
            .parse_webhook(&webhook(&headers, &body))
            .await
            .unwrap()
            .event_id,
        "EV-3"
    );
}

#[tokio::test]
async fn the_fake_posts_notifications_the_connector_takes() {
    let (fake, provider) = setup().await;
    let id = paid(&fake, &provider, 300, "order-post").await;
    let seen: Arc<Mutex<Vec<String>>> = Arc::default();
    let (p, s) = (provider.clone(), seen.clone());
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(
            move |headers: axum::http::HeaderMap, body: axum::body::Bytes| {
                let (p, s) = (p.clone(), s.clone());
                async move {
                    let hs: Vec<(String, String)> = headers
                        .iter()
                        .map(|(k, v)| (k.as_str().to_owned(), v.to_str().unwrap_or("").to_owned()))
                        .collect();
                    match p.parse_webhook(&webhook(&hs, &body)).await {
                        Ok(e) => {
                            s.lock().unwrap().push(e.event_id);
                            axum::http::StatusCode::from_u16(
                                wayfare_payments::wechatpay::NOTIFY_ACK_STATUS,
                            )
                            .unwrap()
                        }
                        Err(_) => axum::http::StatusCode::UNAUTHORIZED,
                    }
                }
            },
        ),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let status = fake_wechatpay::notify(
        &url,
        "EV-9",
        "TRANSACTION.SUCCESS",
        &fake.transaction_json(&id),
    )
    .await;
    assert_eq!(status, 204);
    assert_eq!(seen.lock().unwrap().as_slice(), ["EV-9".to_owned()]);
    server.abort();
}

// ---- JSAPI orders ----

const OPENID: &str = "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o";

fn jsapi_method(openid: &str) -> String {
    format!("{METHOD_JSAPI_PREFIX}{openid}")
}

/// The query of a `weixin://jsapi?…` descriptor, in order, decoded.
fn descriptor_pairs(url: &str) -> Vec<(String, String)> {
    let parsed = url::Url::parse(url).unwrap();
    assert_eq!(parsed.scheme(), "weixin");
    assert_eq!(parsed.host_str(), Some("jsapi"));
    parsed
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect()
}

/// The object the page passes to `getBrandWCPayRequest`, read from the descriptor.
fn invoke_args(url: &str) -> Value {
    Value::Object(
        descriptor_pairs(url)
            .into_iter()
            .map(|(k, v)| (k, Value::String(v)))
            .collect(),
    )
}

/// Whether `pay_sign` is the merchant's SHA256withRSA signature of `message`.
fn merchant_signed(message: &str, pay_sign: &str) -> bool {
    use base64::Engine;
    let Ok(sig) = base64::engine::general_purpose::STANDARD.decode(pay_sign) else {
        return false;
    };
    merchant_key()
        .to_public_key()
        .pkcs1v15_verify::<sha2::Sha256>(message.as_bytes(), &sig)
        .is_ok()
}

#[tokio::test]
async fn jsapi_order_sends_the_payer_and_answers_signed_invoke_arguments() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(66_600), &jsapi_method(OPENID), "order-js"))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert_eq!(p.id, out_trade_no("order-js"));
    assert_eq!(p.payment_method, jsapi_method(OPENID));
    assert_eq!(p.amount, cny(66_600));

    // What the fake saw: the jsapi endpoint, the payer, a signature over exactly that body.
    let reqs = fake.requests();
    assert_eq!(reqs.len(), 1);
    let r = &reqs[0];
    assert_eq!(r.path_and_query, "/v3/pay/transactions/jsapi");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["payer"], json!({"openid": OPENID}));
    assert_eq!(body["amount"], json!({"total": 66_600, "currency": "CNY"}));
    assert_eq!(body["appid"], APP_ID);
    assert_eq!(body["mchid"], MCH_ID);
    assert_eq!(body["out_trade_no"], p.id.as_str());
    assert_eq!(body["attach"], "WF-ABC123");
    assert!(body.get("scene_info").is_none());
    let lines: Vec<&str> = r.signed_message.split('\n').collect();
    assert_eq!(lines.len(), 6);
    assert_eq!(lines[0], "POST");
    assert_eq!(lines[1], "/v3/pay/transactions/jsapi");
    assert_eq!(lines[4], r.body);
    assert!(
        r.authorization
            .starts_with("WECHATPAY2-SHA256-RSA2048 mchid=\"1900000001\",nonce_str=\"")
    );
    let trade = fake.trade(&p.id).unwrap();
    assert_eq!(trade.trade_type, "JSAPI");
    assert_eq!(trade.payer_openid.as_deref(), Some(OPENID));
    let prepay_id = trade.prepay_id.unwrap();

    // The descriptor: six arguments in WeChat's order and names, values percent-encoded.
    let url = p.next_action_url.unwrap();
    assert!(url.starts_with("weixin://jsapi?appId="), "{url}");
    assert!(
        url.contains(&format!(
            "&package=prepay_id%3D{prepay_id}&signType=RSA&paySign="
        )),
        "{url}"
    );
    let raw_sign = url.rsplit_once("&paySign=").unwrap().1;
    assert!(!raw_sign.contains(['+', '/', '=']), "{raw_sign}");
    let pairs = descriptor_pairs(&url);
    let keys: Vec<&str> = pairs.iter().map(|(k, _)| k.as_str()).collect();
    assert_eq!(
        keys,
        [
            "appId",
            "timeStamp",
            "nonceStr",
            "package",
            "signType",
            "paySign"
        ]
    );
    let v = |k: &str| pairs.iter().find(|(n, _)| n == k).unwrap().1.clone();
    assert_eq!(v("appId"), APP_ID);
    assert_eq!(v("package"), format!("prepay_id={prepay_id}"));
    assert_eq!(v("signType"), "RSA");
    let ts: i64 = v("timeStamp").parse().unwrap();
    assert!((Utc::now().timestamp() - ts).abs() < 60);
    let nonce = v("nonceStr");
    assert_eq!(nonce.len(), 32);
    assert!(nonce.bytes().all(|b| b.is_ascii_alphanumeric()));

    // paySign: the merchant key over appId, timeStamp, nonceStr, package, each line ended.
    let pay_sign = v("paySign");
    let exact = format!("{APP_ID}\n{ts}\n{nonce}\nprepay_id={prepay_id}\n");
    assert!(merchant_signed(&exact, &pay_sign));
    for wrong in [
        format!("{APP_ID}\n{ts}\n{nonce}\nprepay_id={prepay_id}"),
        format!("{APP_ID}\n{ts}\n{nonce}\n{prepay_id}\n"),
        format!("{APP_ID}\n{ts}\n{nonce}\nprepay_id={prepay_id}\nRSA\n"),
        format!("{ts}\n{nonce}\nprepay_id={prepay_id}\n"),
    ] {
        assert!(!merchant_signed(&wrong, &pay_sign), "{wrong:?}");
    }
}

#[tokio::test]
async fn jsapi_invoke_params_use_the_clock_and_sign_the_documented_string() {
    let fake = FakeWeChatPay::start().await;
    let at = chrono::DateTime::from_timestamp(1_764_000_000, 0).unwrap();
    let provider = WeChatPayProvider::with_clock(config_for(&fake), Arc::new(move || at)).unwrap();
    let p = provider.jsapi_invoke_params("wx26112410000000000000000000000001");
    assert_eq!(p.app_id, APP_ID);
    assert_eq!(p.time_stamp, "1764000000");
    assert_eq!(p.package, "prepay_id=wx26112410000000000000000000000001");
    assert_eq!(p.sign_type, "RSA");
    assert_eq!(p.nonce_str.len(), 32);
    assert_eq!(
        p.signing_string(),
        format!(
            "{APP_ID}\n1764000000\n{}\nprepay_id=wx26112410000000000000000000000001\n",
            p.nonce_str
        )
    );
    assert!(merchant_signed(&p.signing_string(), &p.pay_sign));
    let as_json = serde_json::to_value(&p).unwrap();
    let mut keys: Vec<&String> = as_json.as_object().unwrap().keys().collect();
    keys.sort();
    assert_eq!(
        keys,
        [
            "appId",
            "nonceStr",
            "package",
            "paySign",
            "signType",
            "timeStamp"
        ]
    );
    assert_eq!(as_json["package"], p.package.as_str());
    let back: JsapiParams = serde_json::from_value(as_json).unwrap();
    assert_eq!(back, p);
    // A new nonce and signature each time.
    let q = provider.jsapi_invoke_params("wx26112410000000000000000000000001");
    assert_ne!(q.nonce_str, p.nonce_str);
    assert_ne!(q.pay_sign, p.pay_sign);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn bad_openids_are_refused_before_any_call() {
    let (fake, provider) = setup().await;
    let long = "o".repeat(129);
    for (i, openid) in [
        "",
        "o p",
        "../v3/x",
        "oUpF8u%2F",
        "openid中文",
        "o=1&a=b",
        &long,
    ]
    .into_iter()
    .enumerate()
    {
        let got = provider
            .create_payment(&request(
                cny(100),
                &jsapi_method(openid),
                &format!("js-{i}"),
            ))
            .await;
        assert!(
            matches!(got, Err(PaymentError::InvalidRequest(_))),
            "{openid:?}: {got:?}"
        );
    }
    // The longest openid allowed goes.
    assert!(fake.requests().is_empty());
    provider
        .create_payment(&request(cny(100), &jsapi_method(&"o".repeat(128)), "js-ok"))
        .await
        .unwrap();
    assert_eq!(fake.requests().len(), 1);
}

#[tokio::test]
async fn a_jsapi_retry_names_the_same_trade_and_a_paid_one_answers_paid() {
    let (fake, provider) = setup().await;
    let method = jsapi_method(OPENID);
    let first = provider
        .create_payment(&request(cny(1_200), &method, "order-jr"))
        .await
        .unwrap();
    let again = provider
        .create_payment(&request(cny(1_200), &method, "order-jr"))
        .await
        .unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(fake.trades(), 1);
    let package = |url: &str| {
        descriptor_pairs(url)
            .into_iter()
            .find(|(k, _)| k == "package")
            .unwrap()
            .1
    };
    let (u1, u2) = (
        first.next_action_url.unwrap(),
        again.next_action_url.unwrap(),
    );
    assert_eq!(package(&u1), package(&u2));
    let bodies: Vec<String> = fake.requests().into_iter().map(|r| r.body).collect();
    assert_eq!(bodies[0], bodies[1]);
    // The same key for another payer is another order.
    assert_eq!(
        provider
            .create_payment(&request(
                cny(1_200),
                &jsapi_method("oOtherPayer"),
                "order-jr"
            ))
            .await,
        Err(PaymentError::IdempotencyKeyReused)
    );

    // The payer pays with the arguments jsapi_invoke_params makes for the prepay_id.
    let prepay_id = fake.trade(&first.id).unwrap().prepay_id.unwrap();
    let args = serde_json::to_value(provider.jsapi_invoke_params(&prepay_id)).unwrap();
    assert_eq!(fake.pay_jsapi(&args), Ok(first.id.clone()));
    // A retry after payment (ORDERPAID) answers the paid trade.
    let replay = provider
        .create_payment(&request(cny(1_200), &method, "order-jr"))
        .await
        .unwrap();
    assert_eq!(replay.id, first.id);
    assert_eq!(replay.status, PaymentStatus::Succeeded);
    assert_eq!(replay.payment_method, method);
    assert_eq!(replay.next_action_url, None);
    assert_eq!(fake.trades(), 1);
}

#[tokio::test]
async fn a_paid_jsapi_trade_queries_refunds_and_notifies() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(5_000), &jsapi_method(OPENID), "order-jp"))
        .await
        .unwrap();
    let args = invoke_args(p.next_action_url.as_deref().unwrap());
    // WeChat's client refuses tampered arguments.
    for (k, v) in [
        ("nonceStr", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"),
        ("timeStamp", "1"),
        ("appId", "wx0000000000000000"),
        ("signType", "HMAC-SHA256"),
    ] {
        let mut bad = args.clone();
        bad[k] = json!(v);
        assert!(fake.pay_jsapi(&bad).is_err(), "{k}");
    }
    let unpaid = provider.get_payment(&p.id).await.unwrap();
    assert_eq!(unpaid.status, PaymentStatus::RequiresAction);

    assert_eq!(fake.pay_jsapi(&args), Ok(p.id.clone()));
    let got = provider.complete_action(&p.id, true).await.unwrap();
    assert_eq!(got.status, PaymentStatus::Succeeded);
    assert_eq!(got.amount_captured, cny(5_000));
    assert_eq!(got.payment_method, jsapi_method(OPENID));
    assert_eq!(got.reference, "WF-ABC123");
    assert_eq!(fake.transaction_json(&p.id)["trade_type"], "JSAPI");
    // Paying twice is refused.
    assert!(fake.pay_jsapi(&args).is_err());

    // The payment notification is read like any other.
    let body = notification_body(
        "EV-JS",
        "TRANSACTION.SUCCESS",
        &fake.transaction_json(&p.id),
    );
    let headers = signed(&body);
    let event = provider
        .parse_webhook(&webhook(&headers, &body))
        .await
        .unwrap();
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: p.id.clone(),
            status: PaymentStatus::Succeeded,
            amount: Some(cny(5_000)),
            amount_captured: Some(cny(5_000)),
        }
    );

    // Refunds work on it; closing a paid JSAPI trade does not.
    let r = provider
        .refund(&refund(&p.id, Some(cny(1_500)), "refund-js"))
        .await
        .unwrap();
    assert_eq!(r.status, RefundStatus::Succeeded);
    assert_eq!(r.amount, cny(1_500));
    assert_eq!(r.payment_id, p.id);
    assert_eq!(fake.trade(&p.id).unwrap().refunded, 1_500);
    assert_eq!(
        provider.void(&p.id, "void-js").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
}

#[tokio::test]
async fn an_unpaid_jsapi_trade_is_closed_and_cannot_be_paid() {
    let (fake, provider) = setup().await;
    let p = provider
        .create_payment(&request(cny(700), &jsapi_method(OPENID), "order-jc"))
        .await
        .unwrap();
    let closed = provider.void(&p.id, "void-jc").await.unwrap();
    assert_eq!(closed.status, PaymentStatus::Canceled);
    // Unpaid, the transaction does not name its payer.
    assert_eq!(closed.payment_method, "wechatpay_jsapi");
    assert_eq!(fake.trade(&p.id).unwrap().state, "CLOSED");
    let args = invoke_args(p.next_action_url.as_deref().unwrap());
    assert!(fake.pay_jsapi(&args).is_err());
}

/// POSTs `body` to the fake's JSAPI endpoint, signed with `key`; answers status and code.
async fn raw_jsapi_order(
    fake: &FakeWeChatPay,
    key: &rsa::PrivateKey,
    body: &Value,
) -> (u16, String) {
    use base64::Engine;
    let path = "/v3/pay/transactions/jsapi";
    let body = body.to_string();
    let ts = Utc::now().timestamp();
    let nonce = "0123456789abcdefghijklmnopqrstuv";
    let message = request_message("POST", path, ts, nonce, &body);
    let signature = base64::engine::general_purpose::STANDARD.encode(
        key.pkcs1v15_sign::<sha2::Sha256>(message.as_bytes())
            .unwrap(),
    );
    let auth = authorization(MCH_ID, nonce, ts, MERCHANT_SERIAL, &signature);
    let resp = reqwest::Client::new()
        .post(format!("{}{path}", fake.base_url))
        .header("authorization", auth)
        .header("content-type", "application/json")
        .body(body)
        .send()
        .await
        .unwrap();
    let status = resp.status().as_u16();
    let answer: Value = resp.json().await.unwrap_or(Value::Null);
    (
        status,
        answer["code"].as_str().unwrap_or_default().to_owned(),
    )
}

#[tokio::test]
async fn the_fake_refuses_jsapi_orders_wechat_pay_would_refuse() {
    let fake = FakeWeChatPay::start().await;
    let good = json!({
        "appid": APP_ID, "mchid": MCH_ID, "description": "d", "out_trade_no": out_trade_no("raw"),
        "notify_url": "https://wayfare.example/n", "amount": {"total": 100, "currency": "CNY"},
        "payer": {"openid": OPENID},
    });
    let with = |path: &[&str], v: Value| {
        let mut b = good.clone();
        let mut at = &mut b;
        for p in &path[..path.len() - 1] {
            at = &mut at[*p];
        }
        at[path[path.len() - 1]] = v;
        b
    };
    for bad in [
        with(&["payer"], Value::Null),
        with(&["payer", "openid"], json!("")),
        with(&["amount", "currency"], json!("USD")),
        with(&["appid"], json!("wx0000000000000000")),
        with(&["mchid"], json!("1900000002")),
    ] {
        assert_eq!(
            raw_jsapi_order(&fake, merchant_key(), &bad).await,
            (400, "PARAM_ERROR".to_owned()),
            "{bad}"
        );
    }
    assert_eq!(
        raw_jsapi_order(&fake, other_key(), &good).await,
        (401, "SIGN_ERROR".to_owned())
    );
    assert_eq!(fake.trades(), 0);
    let (status, _) = raw_jsapi_order(&fake, merchant_key(), &good).await;
    assert_eq!(status, 200);
    assert_eq!(fake.trades(), 1);
}

// ---- The payer's WeChat client for browser tests: /fake/jsapi-pay and the bridge script ----

/// The page's script posting to `/fake/jsapi-pay`: the status and the JSON answered.
async fn jsapi_pay(fake: &FakeWeChatPay, args: &Value, choice: &str) -> (u16, Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/fake/jsapi-pay", fake.base_url))
        .header("content-type", "application/json")
        .header("origin", "http://127.0.0.1:9")
        .body(json!({"args": args, "choice": choice}).to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        resp.headers()
            .get("access-control-allow-origin")
            .map(|v| v.to_str().unwrap()),
        Some("*")
    );
    let status = resp.status().as_u16();
    (status, resp.json().await.unwrap())
}

/// A JSAPI order through the connector, and the invoke arguments for its prepay_id.
async fn jsapi_order(
    fake: &FakeWeChatPay,
    provider: &WeChatPayProvider,
    key: &str,
) -> (String, Value) {
    let p = provider
        .create_payment(&request(cny(8_800), &jsapi_method(OPENID), key))
        .await
        .unwrap();
    let prepay_id = fake.trade(&p.id).unwrap().prepay_id.unwrap();
    let args = serde_json::to_value(provider.jsapi_invoke_params(&prepay_id)).unwrap();
    (p.id, args)
}

#[tokio::test]
async fn the_payers_client_pays_a_jsapi_order_with_its_invoke_arguments() {
    let (fake, provider) = setup().await;
    let (id, args) = jsapi_order(&fake, &provider, "order-bridge").await;
    let (status, answer) = jsapi_pay(&fake, &args, "pay").await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"err_msg": "get_brand_wcpay_request:ok"}));
    assert_eq!(fake.trade(&id).unwrap().state, "SUCCESS");
    let got = provider.get_payment(&id).await.unwrap();
    assert_eq!(got.status, PaymentStatus::Succeeded);
    // Recorded like any request, without a signature.
    let recorded: Vec<_> = fake
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query == "/fake/jsapi-pay")
        .collect();
    assert_eq!(recorded.len(), 1);
    assert!(recorded[0].authorization.is_empty());
    // Paying again fails, as WeChat's client would.
    let (status, answer) = jsapi_pay(&fake, &args, "pay").await;
    assert_eq!(status, 200);
    assert_eq!(answer["err_msg"], "get_brand_wcpay_request:fail");
    assert!(answer["reason"].as_str().unwrap().contains("SUCCESS"));
}

#[tokio::test]
async fn the_payers_client_refuses_tampered_arguments_and_cancels() {
    let (fake, provider) = setup().await;
    let (id, args) = jsapi_order(&fake, &provider, "order-bridge-2").await;
    let mut tampered = args.clone();
    let sign = tampered["paySign"].as_str().unwrap().to_owned();
    // Another first character: still base64, no longer the signature.
    let first = if sign.starts_with('A') { 'B' } else { 'A' };
    tampered["paySign"] = json!(format!("{first}{}", &sign[1..]));
    let (status, answer) = jsapi_pay(&fake, &tampered, "pay").await;
    assert_eq!(status, 200);
    assert_eq!(answer["err_msg"], "get_brand_wcpay_request:fail");
    assert_eq!(answer["reason"], "paySign does not verify");
    assert_eq!(fake.trade(&id).unwrap().state, "NOTPAY");

    let (status, answer) = jsapi_pay(&fake, &args, "cancel").await;
    assert_eq!(status, 200);
    assert_eq!(answer, json!({"err_msg": "get_brand_wcpay_request:cancel"}));
    assert_eq!(fake.trade(&id).unwrap().state, "NOTPAY");
    let (status, answer) = jsapi_pay(&fake, &args, "shrug").await;
    assert_eq!(status, 400);
    assert_eq!(answer["err_msg"], "get_brand_wcpay_request:fail");
    assert_eq!(fake.trade(&id).unwrap().state, "NOTPAY");
    // Still payable after a cancel.
    assert_eq!(jsapi_pay(&fake, &args, "pay").await.0, 200);
    assert_eq!(fake.trade(&id).unwrap().state, "SUCCESS");
}

#[tokio::test]
async fn the_payers_client_answers_the_preflight_and_ignores_faults() {
    let (fake, provider) = setup().await;
    let resp = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/fake/jsapi-pay", fake.base_url),
        )
        .header("origin", "http://127.0.0.1:9")
        .header("access-control-request-method", "POST")
        .header("access-control-request-headers", "content-type")
        .send()
        .await
        .unwrap();
    assert!(resp.status().is_success(), "{}", resp.status());
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_ascii_lowercase())
            .unwrap_or_default()
    };
    assert_eq!(header("access-control-allow-origin"), "*");
    assert!(header("access-control-allow-methods").contains("post"));
    assert!(header("access-control-allow-headers").contains("content-type"));

    // An API outage is WeChat Pay's servers, not the payer's client.
    let (id, args) = jsapi_order(&fake, &provider, "order-bridge-3").await;
    fake.set_fault(Fault::ServerError);
    assert_eq!(
        jsapi_pay(&fake, &args, "pay").await,
        (200, json!({"err_msg": "get_brand_wcpay_request:ok"}))
    );
    assert_eq!(fake.trade(&id).unwrap().state, "SUCCESS");
}

#[tokio::test]
async fn the_bridge_script_posts_to_this_fake() {
    let fake = FakeWeChatPay::start().await;
    let js = fake.weixin_bridge_js();
    assert!(
        js.contains(&format!(
            "var endpoint = \"{}/fake/jsapi-pay\";",
            fake.base_url
        )),
        "{js}"
    );
    for needle in [
        "window.WeixinJSBridge = { invoke: invoke }",
        "getBrandWCPayRequest",
        "window.__fakeWeixinArgs = args",
        "window.__fakeWeixinChoice || 'pay'",
        "document.dispatchEvent(new Event('WeixinJSBridgeReady'))",
    ] {
        assert!(js.contains(needle), "{needle}");
    }
    for es6 in ["=>", "let ", "const ", "`", "__ENDPOINT__"] {
        assert!(!js.contains(es6), "{es6}");
    }
}

#[tokio::test]
async fn a_scanned_qr_code_names_its_trade_and_where_to_notify() {
    let (fake, provider) = setup().await;
    assert_eq!(fake.last_trade(), None);
    let p = provider
        .create_payment(&request(cny(3_300), METHOD_NATIVE, "order-qr"))
        .await
        .unwrap();
    let code_url = p.next_action_url.clone().unwrap();
    assert_eq!(fake.trade_for_code_url(&code_url), Some(p.id.clone()));
    assert_eq!(
        fake.trade_for_code_url("weixin://wxpay/bizpayurl?pr=x"),
        None
    );
    assert_eq!(fake.last_trade(), Some(p.id.clone()));
    assert_eq!(
        fake.notify_url(&p.id).as_deref(),
        Some("https://wayfare.example/api/v1/webhooks/wechatpay")
    );
    assert_eq!(fake.notify_url("wf-unknown"), None);
    // A JSAPI order has no code_url and becomes the last trade.
    let (js_id, _) = jsapi_order(&fake, &provider, "order-qr-js").await;
    assert_eq!(fake.trade(&js_id).unwrap().code_url, None);
    assert_eq!(fake.last_trade(), Some(js_id));
    // A retry of the Native order is not a new trade.
    provider
        .create_payment(&request(cny(3_300), METHOD_NATIVE, "order-qr"))
        .await
        .unwrap();
    assert_ne!(fake.last_trade(), Some(p.id.clone()));
    // Scanning pays it.
    fake.pay(&p.id);
    assert_eq!(
        provider.get_payment(&p.id).await.unwrap().status,
        PaymentStatus::Succeeded
    );
}
