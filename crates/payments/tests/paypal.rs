//! The PayPal connector against a fake PayPal over real HTTP (tests/fakes/paypal.rs).

#[path = "fakes/paypal.rs"]
mod fake_paypal;

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};
use std::time::Duration;

use chrono::Utc;
use fake_paypal::{FakeConfig, FakePayPal, Fault};
use serde_json::Value;
use wayfare_domain::{Currency, Money};
use wayfare_payments::paypal::{PayPalConfig, PayPalProvider};
use wayfare_payments::{
    Capture, Clock, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus,
    RefundRequest, RefundStatus, WebhookError, WebhookRequest, WebhookSubject,
};

/// A clock running with real time, moved forward by hand.
#[derive(Clone, Default)]
struct SteppedClock(Arc<AtomicI64>);

impl SteppedClock {
    fn clock(&self) -> Clock {
        let offset = self.0.clone();
        Arc::new(move || Utc::now() + chrono::Duration::seconds(offset.load(Ordering::SeqCst)))
    }

    fn advance(&self, secs: i64) {
        self.0.fetch_add(secs, Ordering::SeqCst);
    }
}

fn config_for(fake: &FakePayPal) -> PayPalConfig {
    PayPalConfig {
        api_base: fake.base_url.clone(),
        webhook_id: Some(fake.config().webhook_id.clone()),
        timeout: Duration::from_secs(5),
        brand_name: Some("Wayfare".into()),
        ..PayPalConfig::new(
            fake.config().client_id.clone(),
            fake.config().client_secret.clone(),
        )
    }
}

async fn setup() -> (FakePayPal, PayPalProvider) {
    let fake = FakePayPal::start(FakeConfig::default()).await;
    let provider = PayPalProvider::new(config_for(&fake)).unwrap();
    (fake, provider)
}

fn usd(minor: i64) -> Money {
    Money::from_minor(minor, Currency::USD)
}

fn request(amount: Money, capture: Capture, key: &str) -> PaymentRequest {
    PaymentRequest {
        amount,
        payment_method: "paypal".into(),
        capture,
        idempotency_key: key.into(),
        reference: "WF-ABC123".into(),
        description: "Flight PEK-SHA".into(),
        customer_email: Some("buyer@example.com".into()),
        return_url: Some("https://wayfare.example/payments/paypal/return".into()),
        instalments: None,
        payer_ip: None,
    }
}

/// Creates an order, has the buyer approve it and completes it.
async fn paid(
    fake: &FakePayPal,
    provider: &PayPalProvider,
    amount: Money,
    capture: Capture,
    key: &str,
) -> Payment {
    let created = provider
        .create_payment(&request(amount, capture, key))
        .await
        .unwrap();
    fake.approve(&created.id);
    provider.complete_action(&created.id, true).await.unwrap()
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
async fn capture_intent_needs_the_buyer_then_succeeds() {
    let (fake, provider) = setup().await;
    let created = provider
        .create_payment(&request(usd(12_34), Capture::Automatic, "k-create-1"))
        .await
        .unwrap();
    assert_eq!(created.status, PaymentStatus::RequiresAction);
    assert_eq!(created.provider, "paypal");
    assert_eq!(created.reference, "WF-ABC123");
    assert_eq!(created.amount, usd(12_34));
    let link = created.next_action_url.clone().unwrap();
    assert!(link.contains(&created.id), "{link}");

    let sent = &fake.requests_to("POST", "/v2/checkout/orders")[0];
    let body = sent.json();
    assert_eq!(body["intent"], "CAPTURE");
    assert_eq!(body["purchase_units"][0]["reference_id"], "WF-ABC123");
    assert_eq!(body["purchase_units"][0]["custom_id"], "WF-ABC123");
    assert!(
        body["purchase_units"][0]["invoice_id"]
            .as_str()
            .unwrap()
            .starts_with("WF-ABC123-")
    );
    let ctx = &body["payment_source"]["paypal"]["experience_context"];
    assert_eq!(
        ctx["return_url"],
        "https://wayfare.example/payments/paypal/return"
    );
    assert!(
        ctx["cancel_url"]
            .as_str()
            .unwrap()
            .contains("paypal=cancel")
    );
    assert_eq!(ctx["user_action"], "PAY_NOW");
    assert_eq!(ctx["brand_name"], "Wayfare");

    // Before the buyer approves, completing is refused and nothing is captured.
    assert_eq!(
        provider.complete_action(&created.id, true).await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::RequiresAction
        })
    );
    fake.approve(&created.id);
    let done = provider.complete_action(&created.id, true).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    assert_eq!(done.amount_captured, usd(12_34));
    assert_eq!(done.next_action_url, None);
    // The same answer again returns the payment without capturing twice.
    let again = provider.complete_action(&created.id, true).await.unwrap();
    assert_eq!(again.status, PaymentStatus::Succeeded);
    assert_eq!(
        fake.requests_to(
            "POST",
            &format!("/v2/checkout/orders/{}/capture", created.id)
        )
        .len(),
        1
    );
    let read = provider.get_payment(&created.id).await.unwrap();
    assert_eq!(read.status, PaymentStatus::Succeeded);
    assert_eq!(read.amount_captured, usd(12_34));
    assert_eq!(read.amount_refunded, usd(0));
}

#[tokio::test]
async fn authorize_intent_then_a_partial_capture() {
    let (fake, provider) = setup().await;
    let authorized = paid(&fake, &provider, usd(50_00), Capture::Manual, "k-auth-1").await;
    assert_eq!(authorized.status, PaymentStatus::Authorized);
    assert_eq!(authorized.amount_captured, usd(0));
    assert_eq!(authorized.amount_capturable(), usd(50_00));
    assert_eq!(
        fake.requests_to("POST", "/v2/checkout/orders")[0].json()["intent"],
        "AUTHORIZE"
    );

    let captured = provider
        .capture(&authorized.id, Some(usd(30_00)), "k-cap-1")
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    assert_eq!(captured.amount_captured, usd(30_00));
    assert_eq!(captured.amount, usd(50_00));
    let sent = &fake.requests_to("POST", "/v2/payments/authorizations/")[0];
    assert_eq!(sent.json()["amount"]["value"], "30.00");
    assert_eq!(sent.json()["final_capture"], true);
    assert_eq!(sent.header("paypal-request-id"), Some("k-cap-1"));

    // A retry with the same key is answered as before; another key finds it captured.
    let replay = provider
        .capture(&authorized.id, Some(usd(30_00)), "k-cap-1")
        .await
        .unwrap();
    assert_eq!(replay.amount_captured, usd(30_00));
    assert_eq!(
        provider.capture(&authorized.id, None, "k-cap-2").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
}

#[tokio::test]
async fn capturing_more_than_authorised_is_invalid() {
    let (fake, provider) = setup().await;
    let authorized = paid(&fake, &provider, usd(10_00), Capture::Manual, "k-auth-2").await;
    assert!(matches!(
        provider.capture(&authorized.id, Some(usd(10_01)), "k-cap-3").await,
        Err(PaymentError::InvalidRequest(m)) if m.contains("MAX_CAPTURE_AMOUNT_EXCEEDED")
    ));
    assert!(matches!(
        provider
            .capture(
                &authorized.id,
                Some(Money::from_minor(5, Currency::EUR)),
                "k-cap-4"
            )
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let full = provider
        .capture(&authorized.id, None, "k-cap-5")
        .await
        .unwrap();
    assert_eq!(full.amount_captured, usd(10_00));
}

#[tokio::test]
async fn an_authorisation_is_voided() {
    let (fake, provider) = setup().await;
    let authorized = paid(&fake, &provider, usd(20_00), Capture::Manual, "k-auth-3").await;
    let voided = provider.void(&authorized.id, "k-void-1").await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(voided.amount_captured, usd(0));
    let sent = &fake.requests_to("POST", "/v2/payments/authorizations/")[0];
    assert!(sent.path.ends_with("/void"));
    assert_eq!(sent.header("paypal-request-id"), Some("k-void-1"));
    // Replayed with the same key, the same answer.
    assert_eq!(
        provider
            .void(&authorized.id, "k-void-1")
            .await
            .unwrap()
            .status,
        PaymentStatus::Canceled
    );
    assert_eq!(
        provider.capture(&authorized.id, None, "k-cap-6").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Canceled
        })
    );
    // A captured payment cannot be voided.
    let captured = paid(&fake, &provider, usd(20_00), Capture::Automatic, "k-auth-4").await;
    assert_eq!(
        provider.void(&captured.id, "k-void-2").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
}

#[tokio::test]
async fn a_declined_instrument_is_a_failed_payment_not_an_error() {
    let (fake, provider) = setup().await;
    for (capture, key) in [
        (Capture::Automatic, "k-dec-1"),
        (Capture::Manual, "k-dec-2"),
    ] {
        let created = provider
            .create_payment(&request(usd(99_00), capture, key))
            .await
            .unwrap();
        fake.approve_with_declined_instrument(&created.id);
        let failed = provider.complete_action(&created.id, true).await.unwrap();
        assert_eq!(failed.status, PaymentStatus::Failed);
        let failure = failed.failure.unwrap();
        assert_eq!(failure.code, "INSTRUMENT_DECLINED");
        assert!(!failure.message.is_empty());
        assert_eq!(failed.amount_captured, usd(0));
    }
}

#[tokio::test]
async fn a_buyer_who_does_not_approve_cancels() {
    let (fake, provider) = setup().await;
    let created = provider
        .create_payment(&request(usd(5_00), Capture::Automatic, "k-cancel-1"))
        .await
        .unwrap();
    let canceled = provider.complete_action(&created.id, false).await.unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    assert_eq!(canceled.next_action_url, None);
    assert!(
        fake.requests_to("POST", &format!("/v2/checkout/orders/{}/", created.id))
            .is_empty()
    );
    // Voiding an order still waiting on the buyer needs nothing from PayPal either.
    assert_eq!(
        provider.void(&created.id, "k-void-3").await.unwrap().status,
        PaymentStatus::Canceled
    );
    // After a capture, refusing is a wrong state.
    let done = paid(
        &fake,
        &provider,
        usd(5_00),
        Capture::Automatic,
        "k-cancel-2",
    )
    .await;
    assert_eq!(
        provider.complete_action(&done.id, false).await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
}

#[tokio::test]
async fn partial_refunds_then_an_over_refund() {
    let (fake, provider) = setup().await;
    let payment = paid(&fake, &provider, usd(10_000), Capture::Automatic, "k-ref-p").await;
    let first = provider
        .refund(&refund_request(&payment.id, Some(usd(30_00)), "k-ref-1"))
        .await
        .unwrap();
    assert_eq!(first.amount, usd(30_00));
    assert_eq!(first.status, RefundStatus::Succeeded);
    assert_eq!(first.payment_id, payment.id);
    assert_eq!(first.reason, "requested_by_customer");
    let second = provider
        .refund(&refund_request(&payment.id, Some(usd(50_00)), "k-ref-2"))
        .await
        .unwrap();
    assert_ne!(first.id, second.id);
    let sent = fake.requests_to("POST", "/v2/payments/captures/");
    assert_eq!(sent.len(), 2);
    assert_eq!(sent[1].json()["amount"]["value"], "50.00");
    assert_eq!(sent[1].header("paypal-request-id"), Some("k-ref-2"));

    let over = provider
        .refund(&refund_request(&payment.id, Some(usd(20_01)), "k-ref-3"))
        .await;
    assert!(
        matches!(&over, Err(PaymentError::InvalidRequest(m)) if m.contains("REFUND_AMOUNT_EXCEEDED")),
        "{over:?}"
    );
    // A replay answers the first refund, without refunding again.
    let replay = provider
        .refund(&refund_request(&payment.id, Some(usd(30_00)), "k-ref-1"))
        .await
        .unwrap();
    assert_eq!(replay.id, first.id);
    // The same key for another amount is refused.
    assert_eq!(
        provider
            .refund(&refund_request(&payment.id, Some(usd(1_00)), "k-ref-1"))
            .await,
        Err(PaymentError::IdempotencyKeyReused)
    );

    let read = provider.get_payment(&payment.id).await.unwrap();
    assert_eq!(read.amount_refunded, usd(80_00));
    assert_eq!(read.amount_refundable(), usd(20_00));
    assert_eq!(read.status, PaymentStatus::Succeeded);

    // Without an amount, the rest.
    let rest = provider
        .refund(&refund_request(&payment.id, None, "k-ref-4"))
        .await
        .unwrap();
    assert_eq!(rest.amount, usd(20_00));

    let got = provider.get_refund(&second.id).await.unwrap();
    assert_eq!(got.id, second.id);
    assert_eq!(got.payment_id, payment.id);
    assert_eq!(got.amount, usd(50_00));
    assert_eq!(got.status, RefundStatus::Succeeded);
    assert!(matches!(
        provider.get_refund("NOSUCHREFUND").await,
        Err(PaymentError::NotFound(_))
    ));
}

#[tokio::test]
async fn refunding_an_uncaptured_payment_is_a_wrong_state() {
    let (fake, provider) = setup().await;
    let authorized = paid(&fake, &provider, usd(10_00), Capture::Manual, "k-ref-a").await;
    assert_eq!(
        provider
            .refund(&refund_request(&authorized.id, None, "k-ref-5"))
            .await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Authorized
        })
    );
    assert!(matches!(
        provider.get_payment("NOSUCHORDER").await,
        Err(PaymentError::NotFound(_))
    ));
    assert!(matches!(
        provider.get_payment("../v1/oauth2/token").await,
        Err(PaymentError::NotFound(_))
    ));
}

#[tokio::test]
async fn the_token_is_fetched_once_for_concurrent_callers_and_refreshed_after_expiry() {
    let fake = FakePayPal::start(FakeConfig {
        expires_in: 600,
        ..FakeConfig::default()
    })
    .await;
    let clock = SteppedClock::default();
    let provider = PayPalProvider::with_clock(config_for(&fake), clock.clock()).unwrap();
    let calls = (0..20).map(|i| {
        let provider = provider.clone();
        async move {
            provider
                .create_payment(&request(
                    usd(1_00 + i),
                    Capture::Automatic,
                    &format!("k-con-{i}"),
                ))
                .await
        }
    });
    let results = futures::future::join_all(calls).await;
    assert!(results.iter().all(Result::is_ok), "{results:?}");
    assert_eq!(fake.token_fetches(), 1);
    assert_eq!(fake.orders_created(), 20);
    let id = results[0].as_ref().unwrap().id.clone();
    for _ in 0..5 {
        provider.get_payment(&id).await.unwrap();
    }
    assert_eq!(fake.token_fetches(), 1);
    // Every API call carried the bearer token.
    for r in fake
        .requests()
        .iter()
        .filter(|r| r.path.starts_with("/v2/"))
    {
        assert!(
            r.header("authorization")
                .unwrap()
                .starts_with("Bearer A21AA")
        );
    }

    // Shortly before expiry the token is replaced.
    clock.advance(590);
    provider.get_payment(&id).await.unwrap();
    assert_eq!(fake.token_fetches(), 2);
    provider.get_payment(&id).await.unwrap();
    assert_eq!(fake.token_fetches(), 2);

    let token_requests = fake.requests_to("POST", "/v1/oauth2/token");
    assert_eq!(token_requests.len(), 2);
    assert_eq!(token_requests[0].body, b"grant_type=client_credentials");
    assert!(
        token_requests[0]
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
}

#[tokio::test]
async fn a_refused_token_is_fetched_again_once() {
    let (fake, provider) = setup().await;
    let created = provider
        .create_payment(&request(usd(7_00), Capture::Automatic, "k-401-1"))
        .await
        .unwrap();
    assert_eq!(fake.token_fetches(), 1);
    fake.revoke_tokens();
    let read = provider.get_payment(&created.id).await.unwrap();
    assert_eq!(read.id, created.id);
    assert_eq!(fake.token_fetches(), 2);
    let gets = fake.requests_to("GET", &format!("/v2/checkout/orders/{}", created.id));
    assert_eq!(gets.len(), 2, "the refused call and its retry");
    assert_ne!(
        gets[0].header("authorization"),
        gets[1].header("authorization")
    );
    // A POST refused mid-way is retried once, with the same PayPal-Request-Id.
    fake.approve(&created.id);
    let capture_path = format!("/v2/checkout/orders/{}/capture", created.id);
    fake.revoke_tokens_at("POST", &capture_path);
    let done = provider.complete_action(&created.id, true).await.unwrap();
    assert_eq!(done.status, PaymentStatus::Succeeded);
    let posts = fake.requests_to("POST", &capture_path);
    assert_eq!(posts.len(), 2, "the refused call and its retry");
    assert_eq!(
        posts[0].header("paypal-request-id"),
        posts[1].header("paypal-request-id")
    );
    assert!(posts[0].header("paypal-request-id").is_some());
    assert_eq!(fake.token_fetches(), 3);
    // A token refused again right after a fresh fetch is an outage, not a loop.
    fake.set_fault(Some(Fault::RejectTokens));
    let before = fake
        .requests_to("GET", &format!("/v2/checkout/orders/{}", created.id))
        .len();
    let err = provider.get_payment(&created.id).await.unwrap_err();
    assert!(
        matches!(&err, PaymentError::Unavailable(m) if !m.contains("A21AA")),
        "{err:?}"
    );
    assert_eq!(fake.token_fetches(), 4);
    let after = fake
        .requests_to("GET", &format!("/v2/checkout/orders/{}", created.id))
        .len();
    assert_eq!(after - before, 2);
}

#[tokio::test]
async fn the_same_key_replays_the_same_order() {
    let (fake, provider) = setup().await;
    let req = request(usd(42_00), Capture::Automatic, "k-replay-1");
    let first = provider.create_payment(&req).await.unwrap();
    let second = provider.create_payment(&req).await.unwrap();
    assert_eq!(first.id, second.id);
    assert_eq!(fake.orders_created(), 1);
    let posts = fake.requests_to("POST", "/v2/checkout/orders");
    assert_eq!(posts.len(), 2);
    for p in &posts {
        assert_eq!(p.header("paypal-request-id"), Some("k-replay-1"));
        assert_eq!(p.header("prefer"), Some("return=representation"));
        assert_eq!(p.header("content-type"), Some("application/json"));
    }
    // The same key for a different request: PayPal answers the first order; we refuse it.
    let other = PaymentRequest {
        amount: usd(43_00),
        ..req.clone()
    };
    assert_eq!(
        provider.create_payment(&other).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    let other = PaymentRequest {
        description: "Hotel".into(),
        ..req.clone()
    };
    assert_eq!(
        provider.create_payment(&other).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    assert_eq!(fake.orders_created(), 1);
    // Another key for the same request is another order (the invoice id differs).
    let another = PaymentRequest {
        idempotency_key: "k-replay-2".into(),
        ..req
    };
    assert_ne!(
        provider.create_payment(&another).await.unwrap().id,
        first.id
    );
    assert_eq!(fake.orders_created(), 2);
}

#[tokio::test]
async fn wrong_credentials_are_unavailable_without_the_secret() {
    let fake = FakePayPal::start(FakeConfig::default()).await;
    let secret = "very-wrong-secret-123";
    let provider = PayPalProvider::new(PayPalConfig {
        client_secret: secret.into(),
        ..config_for(&fake)
    })
    .unwrap();
    let err = provider
        .create_payment(&request(usd(1_00), Capture::Automatic, "k-cred-1"))
        .await
        .unwrap_err();
    let PaymentError::Unavailable(message) = &err else {
        panic!("{err:?}");
    };
    assert!(!message.contains(secret), "{message}");
    assert!(!format!("{err:?}").contains(secret));
    assert!(!format!("{provider:?}").contains(secret));
    assert!(message.contains("401"), "{message}");
    assert_eq!(fake.orders_created(), 0);
}

#[tokio::test]
async fn a_server_error_is_unavailable() {
    let (fake, provider) = setup().await;
    fake.set_fault(Some(Fault::ServerError));
    assert!(matches!(
        provider
            .create_payment(&request(usd(1_00), Capture::Automatic, "k-500-1"))
            .await,
        Err(PaymentError::Unavailable(m)) if m.contains("500")
    ));
    fake.set_fault(None);
    provider
        .create_payment(&request(usd(1_00), Capture::Automatic, "k-500-1"))
        .await
        .unwrap();
}

#[tokio::test]
async fn a_hanging_paypal_is_a_timeout() {
    let fake = FakePayPal::start(FakeConfig::default()).await;
    let provider = PayPalProvider::new(PayPalConfig {
        timeout: Duration::from_millis(300),
        ..config_for(&fake)
    })
    .unwrap();
    fake.set_fault(Some(Fault::Hang));
    assert_eq!(
        provider.get_payment("SOMEORDER").await,
        Err(PaymentError::Timeout)
    );
}

#[tokio::test]
async fn a_closed_port_is_unavailable() {
    let fake = FakePayPal::start(FakeConfig::default()).await;
    let config = config_for(&fake);
    drop(fake);
    let provider = PayPalProvider::new(config).unwrap();
    assert!(matches!(
        provider.get_payment("SOMEORDER").await,
        Err(PaymentError::Unavailable(_))
    ));
}

#[tokio::test]
async fn amounts_are_sent_with_the_currency_digits() {
    let (fake, provider) = setup().await;
    provider
        .create_payment(&request(
            Money::from_minor(1500, Currency::JPY),
            Capture::Automatic,
            "k-jpy",
        ))
        .await
        .unwrap();
    let usd_payment = provider
        .create_payment(&request(usd(12_34), Capture::Automatic, "k-usd"))
        .await
        .unwrap();
    let huf = Currency::parse("HUF").unwrap();
    let huf_payment = provider
        .create_payment(&request(
            Money::from_minor(150_000, huf),
            Capture::Automatic,
            "k-huf",
        ))
        .await
        .unwrap();
    let amounts: Vec<Value> = fake
        .requests_to("POST", "/v2/checkout/orders")
        .iter()
        .map(|r| r.json()["purchase_units"][0]["amount"].clone())
        .collect();
    assert_eq!(amounts[0]["currency_code"], "JPY");
    assert_eq!(amounts[0]["value"], "1500");
    assert_eq!(amounts[1]["currency_code"], "USD");
    assert_eq!(amounts[1]["value"], "12.34");
    assert_eq!(amounts[2]["value"], "1500");
    assert_eq!(usd_payment.amount, usd(12_34));
    assert_eq!(huf_payment.amount, Money::from_minor(150_000, huf));
    // HUF with fillér cannot go to PayPal.
    assert!(matches!(
        provider
            .create_payment(&request(
                Money::from_minor(150_050, huf),
                Capture::Automatic,
                "k-huf-2"
            ))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        provider
            .create_payment(&request(usd(0), Capture::Automatic, "k-zero"))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn requests_without_what_paypal_needs_are_refused() {
    let (fake, provider) = setup().await;
    let base = request(usd(1_00), Capture::Automatic, "k-bad");
    for bad in [
        PaymentRequest {
            return_url: None,
            instalments: None,
            ..base.clone()
        },
        PaymentRequest {
            return_url: Some("ftp://x".into()),
            instalments: None,
            ..base.clone()
        },
        PaymentRequest {
            payment_method: "pm_card_visa".into(),
            ..base.clone()
        },
        PaymentRequest {
            idempotency_key: " ".into(),
            ..base.clone()
        },
        PaymentRequest {
            reference: String::new(),
            ..base.clone()
        },
    ] {
        assert!(
            matches!(
                provider.create_payment(&bad).await,
                Err(PaymentError::InvalidRequest(_))
            ),
            "{bad:?}"
        );
    }
    assert_eq!(fake.orders_created(), 0);
}

fn webhook_request<'a>(headers: &'a [(String, String)], body: &'a [u8]) -> WebhookRequest<'a> {
    WebhookRequest {
        headers,
        body,
        received_at: Utc::now(),
    }
}

#[tokio::test]
async fn a_capture_webhook_is_verified_and_read() {
    let (fake, provider) = setup().await;
    let payment = paid(&fake, &provider, usd(25_00), Capture::Automatic, "k-wh-1").await;
    let order = fake.order_json(&payment.id);
    let capture_id = order["purchase_units"][0]["payments"]["captures"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (headers, body) = fake.webhook(
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        fake.capture_json(&capture_id),
    );
    let event = provider
        .parse_webhook(&webhook_request(&headers, &body))
        .await
        .unwrap();
    assert_eq!(event.provider, "paypal");
    assert_eq!(event.event_type, "PAYMENT.CAPTURE.COMPLETED");
    assert!(event.event_id.starts_with("WH-"));
    assert!(event.occurred_at.is_some());
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: payment.id.clone(),
            status: PaymentStatus::Succeeded,
            amount: None,
            amount_captured: Some(usd(25_00)),
        }
    );
    let verify = &fake.requests_to("POST", "/v1/notifications/verify-webhook-signature")[0];
    let sent = verify.json();
    assert_eq!(sent["webhook_id"], fake.config().webhook_id);
    assert_eq!(sent["auth_algo"], "SHA256withRSA");
    // The event went out byte for byte as received.
    let raw = String::from_utf8(verify.body.clone()).unwrap();
    assert!(raw.contains(std::str::from_utf8(&body).unwrap()));

    // An order event names the order itself.
    let (headers, body) = fake.webhook("CHECKOUT.ORDER.COMPLETED", "checkout-order", order);
    let event = provider
        .parse_webhook(&webhook_request(&headers, &body))
        .await
        .unwrap();
    assert!(
        matches!(event.subject, WebhookSubject::Payment { payment_id, status: PaymentStatus::Succeeded, .. } if payment_id == payment.id)
    );
}

#[tokio::test]
async fn authorisation_refund_and_other_webhooks_are_read() {
    let (fake, provider) = setup().await;
    let authorized = paid(&fake, &provider, usd(10_00), Capture::Manual, "k-wh-2").await;
    let auth_id =
        fake.order_json(&authorized.id)["purchase_units"][0]["payments"]["authorizations"][0]["id"]
            .as_str()
            .unwrap()
            .to_owned();
    let (headers, body) = fake.webhook(
        "PAYMENT.AUTHORIZATION.CREATED",
        "authorization",
        fake.authorization_json(&auth_id),
    );
    let event = provider
        .parse_webhook(&webhook_request(&headers, &body))
        .await
        .unwrap();
    assert_eq!(
        event.subject,
        WebhookSubject::Payment {
            payment_id: authorized.id.clone(),
            status: PaymentStatus::Authorized,
            amount: Some(usd(10_00)),
            amount_captured: None,
        }
    );

    let payment = paid(&fake, &provider, usd(10_00), Capture::Automatic, "k-wh-3").await;
    let refund = provider
        .refund(&refund_request(&payment.id, Some(usd(4_00)), "k-wh-ref"))
        .await
        .unwrap();
    let (headers, body) = fake.webhook(
        "PAYMENT.CAPTURE.REFUNDED",
        "refund",
        fake.refund_json(&refund.id),
    );
    let event = provider
        .parse_webhook(&webhook_request(&headers, &body))
        .await
        .unwrap();
    assert_eq!(
        event.subject,
        WebhookSubject::Refund {
            refund_id: refund.id.clone(),
            payment_id: payment.id.clone(),
            status: RefundStatus::Succeeded,
            amount: Some(usd(4_00)),
        }
    );

    let (headers, body) = fake.webhook(
        "CUSTOMER.DISPUTE.CREATED",
        "dispute",
        serde_json::json!({ "dispute_id": "PP-D-1" }),
    );
    let event = provider
        .parse_webhook(&webhook_request(&headers, &body))
        .await
        .unwrap();
    assert_eq!(event.subject, WebhookSubject::Other);
}

#[tokio::test]
async fn tampered_or_unknown_webhooks_fail_verification() {
    let (fake, provider) = setup().await;
    let payment = paid(&fake, &provider, usd(25_00), Capture::Automatic, "k-wh-4").await;
    let order = fake.order_json(&payment.id);
    let capture_id = order["purchase_units"][0]["payments"]["captures"][0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    let (headers, body) = fake.webhook(
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        fake.capture_json(&capture_id),
    );

    let tampered = String::from_utf8(body.clone())
        .unwrap()
        .replace("25.00", "2500.00");
    assert_ne!(tampered.as_bytes(), body.as_slice());
    assert_eq!(
        provider
            .parse_webhook(&webhook_request(&headers, tampered.as_bytes()))
            .await,
        Err(WebhookError::BadSignature)
    );

    let mut made_up = headers.clone();
    for (name, value) in &mut made_up {
        if name == "paypal-transmission-id" {
            *value = "00000000-made-up".into();
        }
    }
    assert_eq!(
        provider
            .parse_webhook(&webhook_request(&made_up, &body))
            .await,
        Err(WebhookError::BadSignature)
    );
    assert_eq!(
        provider
            .parse_webhook(&webhook_request(&headers, b"not json"))
            .await,
        Err(WebhookError::BadSignature)
    );

    for missing in [
        "paypal-transmission-id",
        "paypal-transmission-sig",
        "paypal-cert-url",
        "paypal-auth-algo",
        "paypal-transmission-time",
    ] {
        let fewer: Vec<(String, String)> = headers
            .iter()
            .filter(|(n, _)| n != missing)
            .cloned()
            .collect();
        assert_eq!(
            provider
                .parse_webhook(&webhook_request(&fewer, &body))
                .await,
            Err(WebhookError::MissingSignature),
            "{missing}"
        );
    }

    // Old transmissions are replays.
    let (old_headers, old_body) = fake.webhook_at(
        "PAYMENT.CAPTURE.COMPLETED",
        "capture",
        fake.capture_json(&capture_id),
        Utc::now() - chrono::Duration::hours(2),
    );
    assert_eq!(
        provider
            .parse_webhook(&webhook_request(&old_headers, &old_body))
            .await,
        Err(WebhookError::Stale)
    );

    // The original still verifies.
    assert!(
        provider
            .parse_webhook(&webhook_request(&headers, &body))
            .await
            .is_ok()
    );
}

#[tokio::test]
async fn webhooks_need_a_webhook_id_and_a_reachable_paypal() {
    let fake = FakePayPal::start(FakeConfig::default()).await;
    let provider = PayPalProvider::new(PayPalConfig {
        webhook_id: None,
        ..config_for(&fake)
    })
    .unwrap();
    let (headers, body) = fake.webhook(
        "CHECKOUT.ORDER.APPROVED",
        "checkout-order",
        serde_json::json!({ "id": "X" }),
    );
    assert_eq!(
        provider
            .parse_webhook(&webhook_request(&headers, &body))
            .await,
        Err(WebhookError::Unsupported)
    );
    let provider = PayPalProvider::new(config_for(&fake)).unwrap();
    fake.set_fault(Some(Fault::ServerError));
    assert!(matches!(
        provider
            .parse_webhook(&webhook_request(&headers, &body))
            .await,
        Err(WebhookError::Unavailable(_))
    ));
    // A registration id other than the one PayPal signed for does not verify.
    fake.set_fault(None);
    let other = PayPalProvider::new(PayPalConfig {
        webhook_id: Some("WH-SOMEONE-ELSE".into()),
        ..config_for(&fake)
    })
    .unwrap();
    assert_eq!(
        other.parse_webhook(&webhook_request(&headers, &body)).await,
        Err(WebhookError::BadSignature)
    );
}
