//! The Klarna connector against a fake Klarna over real HTTP (tests/fakes/klarna.rs).

#[path = "fakes/klarna.rs"]
mod fake_klarna;

use std::time::Duration;

use base64::Engine;
use chrono::Utc;
use fake_klarna::{FakeKlarna, Fault, PASSWORD, USERNAME};
use wayfare_domain::{Currency, Money};
use wayfare_payments::klarna::{KlarnaConfig, KlarnaProvider, KlarnaSessionRequest};
use wayfare_payments::{
    Capture, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, RefundRequest,
    RefundStatus, WebhookError, WebhookRequest, WebhookSubject,
};

fn config_for(fake: &FakeKlarna) -> KlarnaConfig {
    KlarnaConfig {
        base_url: fake.base_url.clone(),
        purchase_country: "DE".into(),
        locale: "de-DE".into(),
        timeout: Duration::from_secs(5),
        ..KlarnaConfig::new(USERNAME, PASSWORD)
    }
}

async fn setup() -> (FakeKlarna, KlarnaProvider) {
    let fake = FakeKlarna::start().await;
    let provider = KlarnaProvider::new(config_for(&fake)).unwrap();
    (fake, provider)
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn session_request(amount: Money) -> KlarnaSessionRequest {
    KlarnaSessionRequest {
        amount,
        country: None,
        locale: None,
        reference: "WF-ABC123".into(),
        description: "Flight BER-LIS".into(),
        instalments: None,
    }
}

fn request(amount: Money, token: &str, capture: Capture, key: &str) -> PaymentRequest {
    PaymentRequest {
        amount,
        payment_method: format!("klarna_auth:{token}"),
        capture,
        idempotency_key: key.into(),
        reference: "WF-ABC123".into(),
        description: "Flight BER-LIS".into(),
        customer_email: Some("customer@email.de".into()),
        return_url: None,
        instalments: None,
        payer_ip: None,
    }
}

/// A session, authorised in the "widget", placed as an order.
async fn placed(
    fake: &FakeKlarna,
    provider: &KlarnaProvider,
    amount: Money,
    capture: Capture,
) -> Payment {
    let session = provider
        .create_session(&session_request(amount))
        .await
        .unwrap();
    let token = fake.authorize(&session.session_id);
    provider
        .create_payment(&request(amount, &token, capture, "k-create"))
        .await
        .unwrap()
}

fn refund_request(payment_id: &str, amount: Option<Money>, key: &str) -> RefundRequest {
    RefundRequest {
        payment_id: payment_id.into(),
        amount,
        reason: "requested_by_customer".into(),
        idempotency_key: key.into(),
    }
}

#[tokio::test]
async fn a_session_carries_the_cart_and_basic_auth() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&KlarnaSessionRequest {
            instalments: Some(3),
            ..session_request(eur(25000))
        })
        .await
        .unwrap();
    assert!(!session.client_token.is_empty());
    assert_eq!(
        session.payment_method_categories,
        vec!["pay_later", "pay_over_time"]
    );
    let sent = &fake.requests_to("POST", "/payments/v1/sessions")[0];
    let expected =
        base64::engine::general_purpose::STANDARD.encode(format!("{USERNAME}:{PASSWORD}"));
    assert_eq!(
        sent.header("authorization"),
        Some(&*format!("Basic {expected}"))
    );
    let body = sent.json();
    assert_eq!(body["purchase_country"], "DE");
    assert_eq!(body["purchase_currency"], "EUR");
    assert_eq!(body["locale"], "de-DE");
    assert_eq!(body["order_amount"], 25000);
    assert_eq!(body["order_tax_amount"], 0);
    let line = &body["order_lines"][0];
    assert_eq!(line["type"], "digital");
    assert_eq!(line["name"], "Flight BER-LIS");
    assert_eq!(line["total_amount"], 25000);
    assert_eq!(line["unit_price"], 25000);
}

#[tokio::test]
async fn taxed_carts_pass_klarnas_checks() {
    let fake = FakeKlarna::start().await;
    let provider = KlarnaProvider::new(KlarnaConfig {
        tax_rate: 1900,
        ..config_for(&fake)
    })
    .unwrap();
    let payment = placed(&fake, &provider, eur(11999), Capture::Manual).await;
    assert_eq!(payment.status, PaymentStatus::Authorized);
    let body = fake.requests_to("POST", "/payments/v1/sessions")[0].json();
    assert_eq!(body["order_tax_amount"], 1916);
}

#[tokio::test]
async fn a_wrong_password_is_an_outage_not_a_panic() {
    let fake = FakeKlarna::start().await;
    let provider = KlarnaProvider::new(KlarnaConfig {
        password: "wrong".into(),
        ..config_for(&fake)
    })
    .unwrap();
    let err = provider
        .create_session(&session_request(eur(100)))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaymentError::Unavailable(ref m) if m.contains("UNAUTHORIZED")),
        "{err:?}"
    );
    assert!(!format!("{err}").contains("wrong"));
}

#[tokio::test]
async fn a_manual_order_is_authorised_then_captured_and_refunded_in_parts() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(50000), Capture::Manual).await;
    assert_eq!(payment.status, PaymentStatus::Authorized);
    assert_eq!(payment.provider, "klarna");
    assert_eq!(payment.amount, eur(50000));
    assert_eq!(payment.amount_captured, eur(0));
    let sent = &fake.requests_to("POST", "/payments/v1/authorizations/")[0];
    assert_eq!(sent.header("klarna-idempotency-key"), Some("k-create"));
    assert_eq!(sent.json()["auto_capture"], false);
    assert_eq!(sent.json()["merchant_reference1"], "WF-ABC123");

    let read = provider.get_payment(&payment.id).await.unwrap();
    assert_eq!(read.status, PaymentStatus::Authorized);
    assert_eq!(read.reference, "WF-ABC123");
    assert_eq!(read.capture, Capture::Manual);

    let captured = provider
        .capture(&payment.id, Some(eur(40000)), "k-capture")
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    assert_eq!(captured.amount_captured, eur(40000));
    // The rest was released: one capture per payment.
    assert_eq!(fake.order(&payment.id)["remaining_authorized_amount"], 0);
    let again = provider.capture(&payment.id, None, "k-capture-2").await;
    assert_eq!(
        again.unwrap_err(),
        PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        }
    );

    let part = provider
        .refund(&refund_request(&payment.id, Some(eur(15000)), "k-r1"))
        .await
        .unwrap();
    assert_eq!(part.status, RefundStatus::Succeeded);
    assert_eq!(part.amount, eur(15000));
    assert!(
        part.id.starts_with(&format!("{}/", payment.id)),
        "{}",
        part.id
    );
    let rest = provider
        .refund(&refund_request(&payment.id, None, "k-r2"))
        .await
        .unwrap();
    assert_eq!(rest.amount, eur(25000));
    let after = provider.get_payment(&payment.id).await.unwrap();
    assert_eq!(after.amount_captured, eur(40000));
    assert_eq!(after.amount_refunded, eur(40000));

    let fetched = provider.get_refund(&part.id).await.unwrap();
    assert_eq!(fetched.id, part.id);
    assert_eq!(fetched.amount, eur(15000));
    assert_eq!(fetched.payment_id, payment.id);
    assert_eq!(fetched.status, RefundStatus::Succeeded);
    assert!(matches!(
        provider.get_refund("nonsense").await,
        Err(PaymentError::NotFound(_))
    ));
}

#[tokio::test]
async fn retried_captures_and_refunds_replay() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(10000), Capture::Manual).await;
    let first = provider.capture(&payment.id, None, "k-c").await.unwrap();
    let second = provider.capture(&payment.id, None, "k-c").await.unwrap();
    assert_eq!(first, second);
    let r1 = provider
        .refund(&refund_request(&payment.id, Some(eur(1000)), "k-r"))
        .await
        .unwrap();
    let r2 = provider
        .refund(&refund_request(&payment.id, Some(eur(1000)), "k-r"))
        .await
        .unwrap();
    assert_eq!(r1.id, r2.id);
    assert_eq!(
        provider
            .refund(&refund_request(&payment.id, Some(eur(2000)), "k-r"))
            .await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    assert_eq!(fake.order(&payment.id)["refunded_amount"], 1000);
    assert_eq!(
        fake.requests_to("POST", "/ordermanagement/v1/orders")
            .iter()
            .filter(|r| r.path.ends_with("/refunds"))
            .count(),
        1
    );
}

#[tokio::test]
async fn a_refund_above_what_was_captured_changes_nothing() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(10000), Capture::Manual).await;
    provider
        .capture(&payment.id, Some(eur(6000)), "k-c")
        .await
        .unwrap();
    let err = provider
        .refund(&refund_request(&payment.id, Some(eur(6001)), "k-r"))
        .await
        .unwrap_err();
    assert!(matches!(err, PaymentError::InvalidRequest(_)), "{err:?}");
    assert_eq!(fake.order(&payment.id)["refunded_amount"], 0);
    assert!(
        fake.requests_to("POST", "/ordermanagement/v1/orders")
            .iter()
            .all(|r| !r.path.ends_with("/refunds"))
    );
}

#[tokio::test]
async fn refunding_an_uncaptured_order_is_the_wrong_state() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(10000), Capture::Manual).await;
    assert_eq!(
        provider
            .refund(&refund_request(&payment.id, None, "k-r"))
            .await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Authorized
        })
    );
}

#[tokio::test]
async fn voiding_an_authorised_order_cancels_it() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(8000), Capture::Manual).await;
    let voided = provider.void(&payment.id, "k-void").await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(fake.order(&payment.id)["status"], "CANCELLED");
    let cancel = &fake.requests_to("POST", "/ordermanagement/v1/orders")[0];
    assert!(cancel.path.ends_with("/cancel"));
    assert_eq!(cancel.header("klarna-idempotency-key"), Some("k-void"));
    // Voiding again answers the cancelled payment.
    assert_eq!(
        provider.void(&payment.id, "k-void").await.unwrap().status,
        PaymentStatus::Canceled
    );
    assert_eq!(
        provider.capture(&payment.id, None, "k-c").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Canceled
        })
    );
}

#[tokio::test]
async fn voiding_after_capture_is_the_wrong_state() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(8000), Capture::Manual).await;
    provider.capture(&payment.id, None, "k-c").await.unwrap();
    assert_eq!(
        provider.void(&payment.id, "k-void").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
    assert_eq!(fake.order(&payment.id)["status"], "CAPTURED");
}

#[tokio::test]
async fn auto_capture_succeeds_at_once() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(4200), Capture::Automatic).await;
    assert_eq!(payment.status, PaymentStatus::Succeeded);
    assert_eq!(payment.amount_captured, eur(4200));
    let sent = &fake.requests_to("POST", "/payments/v1/authorizations/")[0];
    assert_eq!(sent.json()["auto_capture"], true);
    let read = provider.get_payment(&payment.id).await.unwrap();
    assert_eq!(read.status, PaymentStatus::Succeeded);
    assert_eq!(read.capture, Capture::Automatic);
    assert_eq!(read.amount_captured, eur(4200));
}

#[tokio::test]
async fn fraud_review_is_processing_until_accepted() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(30000)))
        .await
        .unwrap();
    let token = fake.authorize_pending(&session.session_id);
    let payment = provider
        .create_payment(&request(eur(30000), &token, Capture::Manual, "k-p"))
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::Processing);
    assert_eq!(
        provider.get_payment(&payment.id).await.unwrap().status,
        PaymentStatus::Processing
    );
    fake.accept_fraud(&payment.id);
    assert_eq!(
        provider.get_payment(&payment.id).await.unwrap().status,
        PaymentStatus::Authorized
    );
}

#[tokio::test]
async fn a_retried_create_makes_one_order() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(9900)))
        .await
        .unwrap();
    let token = fake.authorize(&session.session_id);
    let req = request(eur(9900), &token, Capture::Manual, "k-once");
    let first = provider.create_payment(&req).await.unwrap();
    let second = provider.create_payment(&req).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(fake.order_count(), 1);
    assert_eq!(
        fake.requests_to("POST", "/payments/v1/authorizations/")
            .len(),
        2
    );
    // The same key for another cart is refused.
    let other = PaymentRequest {
        capture: Capture::Automatic,
        ..req
    };
    assert_eq!(
        provider.create_payment(&other).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    assert_eq!(fake.order_count(), 1);
}

#[tokio::test]
async fn a_cart_other_than_the_sessions_is_refused() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(9900)))
        .await
        .unwrap();
    let token = fake.authorize(&session.session_id);
    let err = provider
        .create_payment(&request(eur(9800), &token, Capture::Manual, "k-x"))
        .await
        .unwrap_err();
    assert!(
        matches!(err, PaymentError::InvalidRequest(ref m) if m.contains("409")),
        "{err:?}"
    );
    let unknown = provider
        .create_payment(&request(eur(9900), "no-such-token", Capture::Manual, "k-y"))
        .await
        .unwrap_err();
    assert!(
        matches!(unknown, PaymentError::InvalidRequest(_)),
        "{unknown:?}"
    );
    assert_eq!(fake.order_count(), 0);
}

#[tokio::test]
async fn a_503_is_unavailable() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(1000), Capture::Manual).await;
    fake.set_fault(Some(Fault::Unavailable));
    let err = provider.get_payment(&payment.id).await.unwrap_err();
    assert!(
        matches!(err, PaymentError::Unavailable(ref m) if m.contains("TEMPORARILY_UNAVAILABLE")),
        "{err:?}"
    );
    let err = provider.capture(&payment.id, None, "k").await.unwrap_err();
    assert!(matches!(err, PaymentError::Unavailable(_)), "{err:?}");
}

#[tokio::test]
async fn a_hanging_klarna_is_a_timeout() {
    let fake = FakeKlarna::start().await;
    let provider = KlarnaProvider::new(KlarnaConfig {
        timeout: Duration::from_millis(100),
        ..config_for(&fake)
    })
    .unwrap();
    fake.set_fault(Some(Fault::Hang));
    assert_eq!(
        provider.create_session(&session_request(eur(1000))).await,
        Err(PaymentError::Timeout)
    );
}

#[tokio::test]
async fn complete_action_does_not_apply() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(1000), Capture::Manual).await;
    assert_eq!(
        provider.complete_action(&payment.id, true).await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Authorized
        })
    );
}

fn webhook(body: &[u8]) -> WebhookRequest<'_> {
    WebhookRequest {
        headers: &[],
        body,
        received_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_genuine_notification_takes_its_state_from_klarna() {
    let (fake, provider) = setup().await;
    let payment = placed(&fake, &provider, eur(7000), Capture::Manual).await;
    provider
        .capture(&payment.id, Some(eur(5000)), "k-c")
        .await
        .unwrap();
    // The body claims something else; only the order id is used.
    let body = format!(
        r#"{{"order_id":"{}","event_type":"FRAUD_RISK_REJECTED","status":"CANCELLED"}}"#,
        payment.id
    );
    let event = provider
        .parse_webhook(&webhook(body.as_bytes()))
        .await
        .unwrap();
    assert_eq!(event.provider, "klarna");
    assert_eq!(event.event_type, "klarna.order.CAPTURED");
    assert_eq!(event.event_id, format!("{}:CAPTURED:5000:0", payment.id));
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: payment.id.clone(),
            status: PaymentStatus::Succeeded,
            amount: Some(eur(7000)),
            amount_captured: Some(eur(5000)),
        }
    );
    let again = provider
        .parse_webhook(&webhook(body.as_bytes()))
        .await
        .unwrap();
    assert_eq!(again.event_id, event.event_id);
    assert!(
        !fake
            .requests_to("GET", &format!("/ordermanagement/v1/orders/{}", payment.id))
            .is_empty()
    );
}

#[tokio::test]
async fn forged_and_garbage_notifications_are_refused() {
    let (fake, provider) = setup().await;
    assert_eq!(
        provider
            .parse_webhook(&webhook(br#"{"order_id":"order-00000000-1"}"#))
            .await,
        Err(WebhookError::BadSignature)
    );
    for garbage in [
        &b"not json"[..],
        br#"{"no":"order"}"#,
        br#"{"order_id":"../x"}"#,
    ] {
        assert!(matches!(
            provider.parse_webhook(&webhook(garbage)).await,
            Err(WebhookError::Malformed(_))
        ));
    }
    fake.set_fault(Some(Fault::Unavailable));
    assert!(matches!(
        provider
            .parse_webhook(&webhook(br#"{"order_id":"order-1"}"#))
            .await,
        Err(WebhookError::Unavailable(_))
    ));
}

// ---- The fake Klarna JS SDK and its widget's authorise call (browser tests use them) ----

/// POSTs `body` to the widget's `/kp/fake/authorize` as a browser would: no credentials.
async fn widget_authorize(fake: &FakeKlarna, body: serde_json::Value) -> (u16, serde_json::Value) {
    let resp = reqwest::Client::new()
        .post(format!("{}/kp/fake/authorize", fake.base_url))
        .header("content-type", "application/json")
        .header("origin", "http://127.0.0.1:9")
        .body(body.to_string())
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

fn widget_request(client_token: &str, outcome: &str) -> serde_json::Value {
    serde_json::json!({
        "client_token": client_token,
        "payment_method_category": "pay_later",
        "outcome": outcome,
    })
}

#[tokio::test]
async fn the_fake_serves_klarnas_js_sdk_to_any_origin() {
    let fake = FakeKlarna::start().await;
    assert_eq!(fake.js_url(), format!("{}/kp/lib/v1/api.js", fake.base_url));
    let resp = reqwest::get(fake.js_url()).await.unwrap();
    assert_eq!(resp.status().as_u16(), 200);
    let header = |name: &str| {
        resp.headers()
            .get(name)
            .map(|v| v.to_str().unwrap().to_owned())
    };
    assert!(
        header("content-type")
            .unwrap()
            .starts_with("application/javascript")
    );
    assert_eq!(header("access-control-allow-origin").as_deref(), Some("*"));
    let js = resp.text().await.unwrap();
    assert_eq!(js, fake_klarna::KLARNA_JS);
    for needle in [
        "window.Klarna",
        "init: init",
        "load: load",
        "authorize: authorize",
        "fake-klarna-outcome",
        "/kp/fake/authorize",
        "document.currentScript",
    ] {
        assert!(js.contains(needle), "{needle}");
    }
    // ES5: no arrow functions, block-scoped declarations or template literals.
    for es6 in ["=>", "let ", "const ", "`"] {
        assert!(!js.contains(es6), "{es6}");
    }
    // The SDK needs no credentials; the API still does.
    let api = reqwest::Client::new()
        .post(format!("{}/payments/v1/sessions", fake.base_url))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(api.status().as_u16(), 401);
    assert!(
        fake.requests_to("GET", "/kp/lib/v1/api.js").len() == 1,
        "the SDK download is in the log"
    );
}

#[tokio::test]
async fn the_widget_preflight_is_answered() {
    let fake = FakeKlarna::start().await;
    let resp = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/kp/fake/authorize", fake.base_url),
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
}

#[tokio::test]
async fn the_widget_approves_and_the_token_places_an_order() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(18_000)))
        .await
        .unwrap();
    let (status, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "approve")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["approved"], true);
    assert_eq!(answer["show_form"], true);
    let token = answer["authorization_token"].as_str().unwrap();
    let recorded = fake.requests_to("POST", "/kp/fake/authorize");
    assert_eq!(recorded.len(), 1);
    assert_eq!(recorded[0].json()["outcome"], "approve");
    assert_eq!(recorded[0].header("authorization"), None);

    let payment = provider
        .create_payment(&request(eur(18_000), token, Capture::Manual, "k-widget"))
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::Authorized);
    assert_eq!(fake.order(&payment.id)["fraud_status"], "ACCEPTED");
    // Placing the order closed the session: its token no longer authorises.
    let (status, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "approve")).await;
    assert_eq!(status, 400);
    assert_eq!(answer["approved"], false);
}

#[tokio::test]
async fn the_widget_pending_outcome_goes_to_fraud_review() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(9_900)))
        .await
        .unwrap();
    let (status, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "pending")).await;
    assert_eq!(status, 200);
    assert_eq!(answer["approved"], true);
    assert_eq!(answer["show_form"], true);
    let token = answer["authorization_token"].as_str().unwrap();
    let payment = provider
        .create_payment(&request(eur(9_900), token, Capture::Manual, "k-pending"))
        .await
        .unwrap();
    assert_eq!(payment.status, PaymentStatus::Processing);
    assert_eq!(fake.order(&payment.id)["fraud_status"], "PENDING");
}

#[tokio::test]
async fn the_widget_cancel_deny_and_unknown_tokens_authorise_nothing() {
    let (fake, provider) = setup().await;
    let session = provider
        .create_session(&session_request(eur(5_000)))
        .await
        .unwrap();
    let (status, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "cancel")).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        serde_json::json!({"approved": false, "show_form": true})
    );
    let (status, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "deny")).await;
    assert_eq!(status, 200);
    assert_eq!(
        answer,
        serde_json::json!({"approved": false, "show_form": false, "error": {"invalid_fields": []}})
    );
    for bad in [
        widget_request("eyJ.fake.sess-00000000-1", "approve"),
        widget_request("not-a-token", "approve"),
        widget_request(&session.client_token, "maybe"),
        serde_json::json!({"client_token": session.client_token, "payment_method_category": "pay_now", "outcome": "approve"}),
    ] {
        let (status, answer) = widget_authorize(&fake, bad.clone()).await;
        assert_eq!(status, 400, "{bad}");
        assert_eq!(answer["approved"], false, "{bad}");
        assert!(answer.get("authorization_token").is_none(), "{bad}");
    }
    // The session is still open: the shopper may try again and be approved.
    let (_, answer) =
        widget_authorize(&fake, widget_request(&session.client_token, "approve")).await;
    assert_eq!(answer["approved"], true);
    assert_eq!(fake.order_count(), 0);
}
