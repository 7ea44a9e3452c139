//! The Alipay connector against a fake Alipay gateway over real HTTP (tests/fakes/alipay.rs).

#[path = "fakes/alipay.rs"]
mod fake_alipay;

use std::collections::BTreeMap;
use std::time::Duration;

use chrono::Utc;
use fake_alipay::{APP_ID, FakeAlipay, Fault, MERCHANT_KEY_PEM};
use wayfare_domain::{Currency, Money};
use wayfare_payments::alipay::{
    AlipayConfig, AlipayProvider, NOTIFY_ACK, out_request_no, out_trade_no,
};
use wayfare_payments::{
    Capture, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, RefundRequest,
    RefundStatus, WebhookError, WebhookRequest, WebhookSubject,
};

const NOTIFY_URL: &str = "https://wayfare.test/payments/alipay/notify";

fn config(fake: &FakeAlipay) -> AlipayConfig {
    let mut c = AlipayConfig::new(
        APP_ID,
        MERCHANT_KEY_PEM,
        fake_alipay::alipay_public_key_pem(),
    );
    c.gateway = fake.gateway.clone();
    c.notify_url = Some(NOTIFY_URL.into());
    c.timeout = Duration::from_millis(1500);
    c
}

fn provider(fake: &FakeAlipay) -> AlipayProvider {
    AlipayProvider::new(config(fake)).unwrap()
}

fn cny(minor: i64) -> Money {
    Money::from_minor(minor, Currency::CNY)
}

fn request(key: &str, amount: Money) -> PaymentRequest {
    PaymentRequest {
        amount,
        payment_method: "alipay".into(),
        capture: Capture::Automatic,
        idempotency_key: key.into(),
        reference: "WF-ORDER-1".into(),
        description: "Flight PEK-SHA".into(),
        customer_email: None,
        return_url: Some("https://wayfare.test/checkout/return".into()),
        instalments: None,
        payer_ip: None,
    }
}

fn query_of(url: &str) -> BTreeMap<String, String> {
    url::Url::parse(url)
        .unwrap()
        .query_pairs()
        .into_owned()
        .collect()
}

/// Creates the payment and has the buyer's browser open the cashier page.
async fn open_trade(fake: &FakeAlipay, p: &AlipayProvider, key: &str, amount: Money) -> String {
    let payment = p.create_payment(&request(key, amount)).await.unwrap();
    let url = payment.next_action_url.unwrap();
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("cashier"));
    assert!(fake.trade(&payment.id).is_some());
    payment.id
}

async fn paid_trade(fake: &FakeAlipay, p: &AlipayProvider, key: &str, amount: Money) -> String {
    let id = open_trade(fake, p, key, amount).await;
    fake.pay(&id);
    id
}

#[tokio::test]
async fn page_pay_url_is_signed_and_opens_a_trade() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let payment = p
        .create_payment(&request("order-1", cny(123456)))
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::RequiresAction);
    assert_eq!(payment.id, out_trade_no("order-1"));
    assert!(payment.id.len() <= 64);
    assert_eq!(payment.provider, "alipay");
    let url = payment.next_action_url.clone().unwrap();
    assert!(url.starts_with(&fake.gateway));
    let q = query_of(&url);
    assert_eq!(q["method"], "alipay.trade.page.pay");
    assert_eq!(q["sign_type"], "RSA2");
    assert_eq!(q["notify_url"], NOTIFY_URL);
    assert_eq!(q["return_url"], "https://wayfare.test/checkout/return");
    assert!(!q["sign"].is_empty());
    let biz: serde_json::Value = serde_json::from_str(&q["biz_content"]).unwrap();
    assert_eq!(biz["total_amount"], "1234.56");
    assert_eq!(biz["product_code"], "FAST_INSTANT_TRADE_PAY");
    assert_eq!(biz["out_trade_no"], payment.id.as_str());
    assert_eq!(biz["subject"], "Flight PEK-SHA");

    // Before the buyer opens the page Alipay knows no trade.
    let before = p.get_payment(&payment.id).await.unwrap();
    assert_eq!(before.status, PaymentStatus::RequiresAction);

    // The fake checks the signature of the GET, then opens the trade.
    let page = reqwest::get(&url).await.unwrap();
    assert_eq!(page.status(), 200);
    let trade = fake.trade(&payment.id).unwrap();
    assert_eq!(trade.total, 123456);
    assert_eq!(trade.status, "WAIT_BUYER_PAY");
    let fetched = p.get_payment(&payment.id).await.unwrap();
    assert_eq!(fetched.status, PaymentStatus::RequiresAction);
    assert_eq!(fetched.amount, cny(123456));

    // A retry with the same key makes the same trade.
    let again = p
        .create_payment(&request("order-1", cny(123456)))
        .await
        .unwrap();
    assert_eq!(again.id, payment.id);
}

#[tokio::test]
async fn wap_pay_uses_quick_wap_way_and_one_fen_is_exact() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let mut req = request("order-wap", cny(1));
    req.payment_method = "alipay_wap".into();
    let payment = p.create_payment(&req).await.unwrap();
    let q = query_of(payment.next_action_url.as_deref().unwrap());
    assert_eq!(q["method"], "alipay.trade.wap.pay");
    let biz: serde_json::Value = serde_json::from_str(&q["biz_content"]).unwrap();
    assert_eq!(biz["product_code"], "QUICK_WAP_WAY");
    assert_eq!(biz["total_amount"], "0.01");
    let page = reqwest::get(payment.next_action_url.unwrap())
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert_eq!(fake.trade(&payment.id).unwrap().total, 1);
}

#[tokio::test]
async fn buyer_pays_and_the_payment_reads_succeeded() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-2", cny(123456)).await;
    let paid = p.complete_action(&id, true).await.unwrap();
    assert_eq!(paid.status, PaymentStatus::Succeeded);
    assert_eq!(paid.amount, cny(123456));
    assert_eq!(paid.amount_captured, cny(123456));
    let query = fake
        .requests()
        .into_iter()
        .rfind(|r| r.method() == "alipay.trade.query")
        .unwrap();
    assert_eq!(query.http_method, "POST");
    assert_eq!(query.biz()["out_trade_no"], id.as_str());
    // A paid trade cannot be closed, nor captured again.
    assert_eq!(
        p.void(&id, "void-1").await.unwrap_err(),
        PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        }
    );
    assert!(matches!(
        p.capture(&id, None, "cap-1").await,
        Err(PaymentError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn an_unpaid_trade_is_closed() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = open_trade(&fake, &p, "order-3", cny(5000)).await;
    let closed = p.complete_action(&id, false).await.unwrap();
    assert_eq!(closed.status, PaymentStatus::Canceled);
    assert_eq!(fake.trade(&id).unwrap().status, "TRADE_CLOSED");
    // Closing again answers the closed trade.
    assert_eq!(
        p.void(&id, "void-2").await.unwrap().status,
        PaymentStatus::Canceled
    );
    // A trade the buyer never opened has nothing to close.
    let never = p.void(&out_trade_no("never-opened"), "v").await.unwrap();
    assert_eq!(never.status, PaymentStatus::Canceled);
}

fn refund_req(id: &str, amount: Option<Money>, key: &str) -> RefundRequest {
    RefundRequest {
        payment_id: id.into(),
        amount,
        reason: "schedule change".into(),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn partial_refunds_then_over_refund_is_refused() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-4", cny(10000)).await;
    let r1 = p
        .refund(&refund_req(&id, Some(cny(3000)), "refund-1"))
        .await
        .unwrap();
    assert_eq!(r1.status, RefundStatus::Succeeded);
    assert_eq!(r1.amount, cny(3000));
    let r2 = p
        .refund(&refund_req(&id, Some(cny(4000)), "refund-2"))
        .await
        .unwrap();
    assert_ne!(r1.id, r2.id);
    assert_eq!(fake.trade(&id).unwrap().refunded, 7000);
    let over = p
        .refund(&refund_req(&id, Some(cny(3001)), "refund-3"))
        .await
        .unwrap_err();
    assert!(matches!(over, PaymentError::InvalidRequest(_)), "{over:?}");
    let refund_call = fake
        .requests()
        .into_iter()
        .find(|r| r.method() == "alipay.trade.refund")
        .unwrap();
    assert_eq!(refund_call.biz()["refund_amount"], "30.00");
    assert_eq!(
        refund_call.biz()["out_request_no"],
        out_request_no("refund-1").as_str()
    );
    let read = p.get_refund(&r2.id).await.unwrap();
    assert_eq!(read.amount, cny(4000));
    assert_eq!(read.payment_id, id);
    assert_eq!(read.status, RefundStatus::Succeeded);
    assert!(matches!(
        p.get_refund(&format!("{id}:{}", out_request_no("nope")))
            .await,
        Err(PaymentError::NotFound(_))
    ));
}

#[tokio::test]
async fn a_replayed_refund_refunds_once() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-5", cny(10000)).await;
    let first = p
        .refund(&refund_req(&id, Some(cny(2500)), "refund-a"))
        .await
        .unwrap();
    let again = p
        .refund(&refund_req(&id, Some(cny(2500)), "refund-a"))
        .await
        .unwrap();
    assert_eq!(first.id, again.id);
    assert_eq!(fake.trade(&id).unwrap().refunded, 2500);
    // The same key for another amount.
    assert_eq!(
        p.refund(&refund_req(&id, Some(cny(2600)), "refund-a"))
            .await
            .unwrap_err(),
        PaymentError::IdempotencyKeyReused
    );
    // A refund of everything closes the trade; the payment still reads paid, all refunded.
    p.refund(&refund_req(&id, Some(cny(7500)), "refund-b"))
        .await
        .unwrap();
    let after = p.get_payment(&id).await.unwrap();
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.amount_refunded, cny(10000));
}

#[tokio::test]
async fn refunding_an_unpaid_trade_is_invalid_state() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = open_trade(&fake, &p, "order-6", cny(10000)).await;
    assert_eq!(
        p.refund(&refund_req(&id, Some(cny(100)), "r"))
            .await
            .unwrap_err(),
        PaymentError::InvalidState {
            status: PaymentStatus::RequiresAction
        }
    );
}

#[tokio::test]
async fn a_response_with_a_tampered_signature_is_not_trusted() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-7", cny(100)).await;
    fake.fail_next(Fault::TamperedSignature);
    assert_eq!(
        p.get_payment(&id).await.unwrap_err(),
        PaymentError::Unavailable("response signature invalid".into())
    );
}

#[tokio::test]
async fn a_wrong_merchant_key_is_refused_by_alipay() {
    let fake = FakeAlipay::start().await;
    let mut c = config(&fake);
    c.private_key_pem = fake_alipay::wrong_merchant_key_pem();
    let p = AlipayProvider::new(c).unwrap();
    let err = p.get_payment(&out_trade_no("x")).await.unwrap_err();
    assert!(
        matches!(&err, PaymentError::Unavailable(m) if m.contains("isv.invalid-signature")),
        "{err:?}"
    );
}

#[tokio::test]
async fn server_errors_and_hangs() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    fake.fail_next(Fault::Http500);
    assert!(matches!(
        p.get_payment("wfabc").await,
        Err(PaymentError::Unavailable(_))
    ));
    fake.fail_next(Fault::Hang);
    assert_eq!(
        p.get_payment("wfabc").await.unwrap_err(),
        PaymentError::Timeout
    );
}

#[tokio::test]
async fn bad_requests_are_refused_before_any_call() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let usd = request("k1", Money::from_minor(100, Currency::USD));
    assert!(matches!(
        p.create_payment(&usd).await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let mut manual = request("k2", cny(100));
    manual.capture = Capture::Manual;
    assert!(matches!(
        p.create_payment(&manual).await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let mut card = request("k3", cny(100));
    card.payment_method = "card".into();
    assert!(matches!(
        p.create_payment(&card).await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        p.get_payment("../etc").await,
        Err(PaymentError::NotFound(_))
    ));
    assert!(fake.requests().is_empty());
    let debug = format!("{:?} {:?}", config(&fake), p);
    assert!(!debug.contains("PRIVATE KEY") && !debug.contains("MIIEow"));
}

fn webhook(body: &str) -> WebhookRequest<'_> {
    WebhookRequest {
        headers: &[],
        body: body.as_bytes(),
        received_at: Utc::now(),
    }
}

fn as_refs(fields: &[(String, String)]) -> Vec<(&str, &str)> {
    fields
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect()
}

#[tokio::test]
async fn notifications_are_verified_and_read() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-8", cny(123456)).await;
    let fields = fake.paid_notification(&id, "notify-1");
    let body = FakeAlipay::notification_body(&as_refs(&fields));
    let event = p.parse_webhook(&webhook(&body)).await.unwrap();
    assert_eq!(event.provider, "alipay");
    assert_eq!(event.event_id, "notify-1");
    assert_eq!(event.event_type, "TRADE_SUCCESS");
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: id.clone(),
            status: PaymentStatus::Succeeded,
            amount: Some(cny(123456)),
            amount_captured: Some(cny(123456)),
        }
    );
    assert_eq!(
        event.occurred_at.unwrap().to_rfc3339(),
        "2026-11-24T13:00:05+00:00"
    );
    assert_eq!(NOTIFY_ACK, "success");

    // Tampered: the amount changed after signing.
    let tampered = body.replace("total_amount=1234.56", "total_amount=1.00");
    assert_ne!(tampered, body);
    assert_eq!(
        p.parse_webhook(&webhook(&tampered)).await.unwrap_err(),
        WebhookError::BadSignature
    );
    // No signature.
    let unsigned: String = url::form_urlencoded::parse(body.as_bytes())
        .filter(|(k, _)| k != "sign")
        .fold(
            url::form_urlencoded::Serializer::new(String::new()),
            |mut s, (k, v)| {
                s.append_pair(&k, &v);
                s
            },
        )
        .finish();
    assert_eq!(
        p.parse_webhook(&webhook(&unsigned)).await.unwrap_err(),
        WebhookError::MissingSignature
    );
    // Signed by Alipay, but for another app.
    let other: Vec<(String, String)> = fields
        .iter()
        .map(|(k, v)| {
            let v = if k == "app_id" { "2021999999999999" } else { v };
            (k.clone(), v.to_owned())
        })
        .collect();
    let other = FakeAlipay::notification_body(&as_refs(&other));
    assert!(matches!(
        p.parse_webhook(&webhook(&other)).await.unwrap_err(),
        WebhookError::Malformed(_)
    ));
}

#[tokio::test]
async fn a_refund_notification_keeps_the_payment_paid() {
    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-9", cny(10000)).await;
    let mut fields = fake.paid_notification(&id, "notify-2");
    for (k, v) in fields.iter_mut() {
        if k == "trade_status" {
            *v = "TRADE_CLOSED".into();
        }
    }
    fields.push(("refund_fee".into(), "100.00".into()));
    fields.push(("gmt_refund".into(), "2026-11-24 21:10:00.123".into()));
    let body = FakeAlipay::notification_body(&as_refs(&fields));
    let event = p.parse_webhook(&webhook(&body)).await.unwrap();
    assert_eq!(event.event_type, "TRADE_CLOSED");
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: id,
            status: PaymentStatus::Succeeded,
            amount: Some(cny(10000)),
            amount_captured: Some(cny(10000)),
        }
    );
}

#[tokio::test]
async fn a_notification_posted_by_the_fake_is_acknowledged_and_verifies() {
    use std::sync::{Arc, Mutex};

    let fake = FakeAlipay::start().await;
    let p = provider(&fake);
    let id = paid_trade(&fake, &p, "order-10", cny(1)).await;
    let received: Arc<Mutex<Vec<u8>>> = Arc::default();
    let store = received.clone();
    let app = axum::Router::new().route(
        "/notify",
        axum::routing::post(move |body: axum::body::Bytes| async move {
            *store.lock().unwrap() = body.to_vec();
            NOTIFY_ACK
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/notify", listener.local_addr().unwrap());
    let server = tokio::spawn(async move { axum::serve(listener, app).await.unwrap() });
    let fields = fake.paid_notification(&id, "notify-3");
    let answer = FakeAlipay::notify(&url, &as_refs(&fields)).await;
    assert_eq!(answer, "success");
    let body = received.lock().unwrap().clone();
    let event = p
        .parse_webhook(&WebhookRequest {
            headers: &[],
            body: &body,
            received_at: Utc::now(),
        })
        .await
        .unwrap();
    assert_eq!(event.event_id, "notify-3");
    assert!(matches!(
        event.subject,
        WebhookSubject::Payment { amount: Some(a), .. } if a == cny(1)
    ));
    // The same field twice is refused even though the signature covers both.
    let doubled = format!("{}&total_amount=0.01", String::from_utf8(body).unwrap());
    assert!(matches!(
        p.parse_webhook(&webhook(&doubled)).await.unwrap_err(),
        WebhookError::Malformed(_)
    ));
    server.abort();
}
