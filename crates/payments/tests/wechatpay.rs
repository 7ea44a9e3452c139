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
    DEFAULT_TIMESTAMP_TOLERANCE, METHOD_H5, METHOD_NATIVE, WeChatPayConfig, WeChatPayProvider,
    out_trade_no,
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
    let p = provider
        .create_payment(&request(cny(800), METHOD_H5, "order-h5"))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    assert!(
        p.next_action_url
            .unwrap()
            .starts_with("https://wx.tenpay.com/")
    );
    let r = fake.requests().pop().unwrap();
    assert_eq!(r.path_and_query, "/v3/pay/transactions/h5");
    let body: Value = serde_json::from_str(&r.body).unwrap();
    assert_eq!(body["scene_info"]["payer_client_ip"], "127.0.0.1");
    assert_eq!(body["scene_info"]["h5_info"]["type"], "Wap");
    assert_eq!(
        provider.get_payment(&p.id).await.unwrap().payment_method,
        METHOD_H5
    );
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
