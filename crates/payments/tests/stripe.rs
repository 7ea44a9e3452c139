//! The Stripe connector against a fake Stripe over real HTTP (`fakes/stripe.rs`): payments,
//! captures, voids, declines, 3-D Secure, refunds, idempotency, failures, the exact wire
//! format, SetupIntents and signed webhooks.

#[path = "fakes/stripe.rs"]
mod fake_stripe;

use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::body::Bytes;
use axum::extract::State;
use axum::http::HeaderMap;
use chrono::{TimeZone, Utc};
use hmac::{Hmac, KeyInit, Mac};
use serde_json::json;
use sha2::Sha256;
use wayfare_domain::{Currency, Money};
use wayfare_payments::stripe::{
    API_VERSION, ClientIntentRequest, SetupIntentStatus, StripeConfig, StripeProvider,
    verify_signature,
};
use wayfare_payments::{
    Capture, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, RefundRequest,
    RefundStatus, WebhookError, WebhookRequest, WebhookSubject,
};

use fake_stripe::{
    FakeStripe, Mode, PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET, signature_header,
};

fn config(fake: &FakeStripe) -> StripeConfig {
    let mut config = StripeConfig::new(SECRET_KEY);
    config.api_base = fake.base_url().to_owned();
    config.webhook_secret = Some(WEBHOOK_SECRET.to_owned());
    config.timeout = Duration::from_secs(10);
    config
}

async fn setup() -> (FakeStripe, StripeProvider) {
    let fake = FakeStripe::start().await;
    let provider = StripeProvider::new(config(&fake)).unwrap();
    (fake, provider)
}

fn money(minor: i64, currency: Currency) -> Money {
    Money::from_minor(minor, currency)
}

fn request(minor: i64, currency: Currency, method: &str, capture: Capture) -> PaymentRequest {
    PaymentRequest {
        amount: money(minor, currency),
        payment_method: method.to_owned(),
        capture,
        idempotency_key: format!("key-{}", rand::random::<u64>()),
        reference: "WF-ABC123".to_owned(),
        description: "Flight PEK-SHA".to_owned(),
        customer_email: Some("a@example.com".to_owned()),
        return_url: Some("https://wayfare.example/pay/return".to_owned()),
        instalments: None,
        payer_ip: None,
    }
}

fn refund(payment_id: &str, amount: Option<Money>, reason: &str) -> RefundRequest {
    RefundRequest {
        payment_id: payment_id.to_owned(),
        amount,
        reason: reason.to_owned(),
        idempotency_key: format!("refund-{}", rand::random::<u64>()),
    }
}

#[tokio::test]
async fn automatic_capture_charges_at_once() {
    let (_fake, stripe) = setup().await;
    assert_eq!(stripe.name(), "stripe");
    let req = request(12_345, Currency::CNY, "pm_card_visa", Capture::Automatic);
    let p = stripe.create_payment(&req).await.unwrap();
    assert!(p.id.starts_with("pi_"), "{}", p.id);
    assert_eq!(p.provider, "stripe");
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(p.amount, req.amount);
    assert_eq!(p.amount_captured, req.amount);
    assert_eq!(p.amount_refunded, money(0, Currency::CNY));
    assert_eq!(p.capture, Capture::Automatic);
    assert_eq!(p.payment_method, "pm_card_visa");
    assert_eq!(p.reference, "WF-ABC123");
    assert_eq!(p.failure, None);
    assert_eq!(p.next_action_url, None);
    assert_eq!(stripe.get_payment(&p.id).await.unwrap(), p);
}

#[tokio::test]
async fn manual_capture_authorises_then_captures_part() {
    let (_fake, stripe) = setup().await;
    let req = request(10_000, Currency::USD, "pm_card_mastercard", Capture::Manual);
    let p = stripe.create_payment(&req).await.unwrap();
    assert_eq!(p.status, PaymentStatus::Authorized);
    assert_eq!(p.capture, Capture::Manual);
    assert_eq!(p.amount_captured, money(0, Currency::USD));
    assert_eq!(p.amount_capturable(), money(10_000, Currency::USD));

    // Checked before anything is sent.
    assert!(matches!(
        stripe
            .capture(&p.id, Some(money(100, Currency::EUR)), "cap-eur")
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        stripe
            .capture(&p.id, Some(money(10_001, Currency::USD)), "cap-big")
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));

    let captured = stripe
        .capture(&p.id, Some(money(6_000, Currency::USD)), "cap-1")
        .await
        .unwrap();
    assert_eq!(captured.status, PaymentStatus::Succeeded);
    assert_eq!(captured.amount, money(10_000, Currency::USD));
    assert_eq!(captured.amount_captured, money(6_000, Currency::USD));
    // Stripe shows the released 40.00 as refunded on the charge; it is not a refund of ours.
    assert_eq!(captured.amount_refunded, money(0, Currency::USD));
    let again = stripe.get_payment(&p.id).await.unwrap();
    assert_eq!(again.amount_refunded, money(0, Currency::USD));
    assert_eq!(again.amount_refundable(), money(6_000, Currency::USD));

    // The same capture again replays; another one finds it captured.
    assert_eq!(
        stripe
            .capture(&p.id, Some(money(6_000, Currency::USD)), "cap-1")
            .await
            .unwrap(),
        captured
    );
    assert_eq!(
        stripe.capture(&p.id, None, "cap-2").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );

    // Refunds count against what was captured only.
    let r = stripe
        .refund(&refund(
            &p.id,
            Some(money(1_000, Currency::USD)),
            "duplicate",
        ))
        .await
        .unwrap();
    assert_eq!(r.status, RefundStatus::Succeeded);
    let after = stripe.get_payment(&p.id).await.unwrap();
    assert_eq!(after.amount_refunded, money(1_000, Currency::USD));
    assert_eq!(after.amount_refundable(), money(5_000, Currency::USD));
    assert!(matches!(
        stripe
            .refund(&refund(
                &p.id,
                Some(money(5_001, Currency::USD)),
                "duplicate"
            ))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
}

#[tokio::test]
async fn full_capture_takes_everything() {
    let (fake, stripe) = setup().await;
    let p = stripe
        .create_payment(&request(
            5_000,
            Currency::JPY,
            "pm_card_visa",
            Capture::Manual,
        ))
        .await
        .unwrap();
    let captured = stripe.capture(&p.id, None, "cap-all").await.unwrap();
    assert_eq!(captured.amount_captured, money(5_000, Currency::JPY));
    let sent = fake.requests_to("POST", &format!("/v1/payment_intents/{}/capture", p.id));
    assert_eq!(sent.len(), 1);
    assert_eq!(sent[0].body, "expand[0]=latest_charge");
}

#[tokio::test]
async fn void_releases_an_authorisation() {
    let (_fake, stripe) = setup().await;
    let p = stripe
        .create_payment(&request(
            8_000,
            Currency::EUR,
            "pm_card_visa",
            Capture::Manual,
        ))
        .await
        .unwrap();
    let voided = stripe.void(&p.id, "void-1").await.unwrap();
    assert_eq!(voided.status, PaymentStatus::Canceled);
    assert_eq!(voided.amount_captured, money(0, Currency::EUR));
    assert_eq!(voided.amount_refunded, money(0, Currency::EUR));
    assert_eq!(stripe.void(&p.id, "void-1").await.unwrap(), voided);
    assert_eq!(
        stripe.void(&p.id, "void-2").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Canceled
        })
    );
    assert_eq!(
        stripe.capture(&p.id, None, "cap-after-void").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Canceled
        })
    );

    let charged = stripe
        .create_payment(&request(
            8_000,
            Currency::EUR,
            "pm_card_visa",
            Capture::Automatic,
        ))
        .await
        .unwrap();
    assert_eq!(
        stripe.void(&charged.id, "void-3").await,
        Err(PaymentError::InvalidState {
            status: PaymentStatus::Succeeded
        })
    );
    assert_eq!(
        stripe.void("pi_missing", "void-4").await,
        Err(PaymentError::NotFound("pi_missing".into()))
    );
}

#[tokio::test]
async fn declines_are_failed_payments_with_stripes_codes() {
    let (fake, stripe) = setup().await;
    for (method, decline_code, message) in [
        (
            "pm_card_chargeDeclined",
            "generic_decline",
            "Your card was declined.",
        ),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "insufficient_funds",
            "Your card has insufficient funds.",
        ),
    ] {
        let req = request(3_000, Currency::GBP, method, Capture::Automatic);
        let p = stripe.create_payment(&req).await.unwrap();
        assert!(p.id.starts_with("pi_"), "{}", p.id);
        assert_eq!(p.status, PaymentStatus::Failed, "{method}");
        assert_eq!(p.payment_method, method);
        assert_eq!(p.amount_captured, money(0, Currency::GBP));
        let failure = p.failure.clone().unwrap();
        assert_eq!(failure.code, "card_declined");
        assert_eq!(failure.decline_code.as_deref(), Some(decline_code));
        assert_eq!(failure.message, message);
        // Stripe keeps the decline: the same request replays it, no new attempt.
        let count = fake.payment_intent_count();
        assert_eq!(stripe.create_payment(&req).await.unwrap().id, p.id);
        assert_eq!(fake.payment_intent_count(), count);
        let fetched = stripe.get_payment(&p.id).await.unwrap();
        assert_eq!(fetched.status, PaymentStatus::Failed);
        assert_eq!(fetched.failure, p.failure);
        assert_eq!(fetched.payment_method, method);
        assert!(matches!(
            stripe.refund(&refund(&p.id, None, "")).await,
            Err(PaymentError::InvalidRequest(_))
        ));
    }
}

#[tokio::test]
async fn unknown_payment_methods_and_payments_are_refused() {
    let (_fake, stripe) = setup().await;
    assert!(matches!(
        stripe
            .create_payment(&request(
                100,
                Currency::USD,
                "pm_nonsense",
                Capture::Automatic
            ))
            .await,
        Err(PaymentError::InvalidRequest(m)) if m.contains("pm_nonsense")
    ));
    assert!(matches!(
        stripe
            .create_payment(&request(
                0,
                Currency::USD,
                "pm_card_visa",
                Capture::Automatic
            ))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let mut no_key = request(100, Currency::USD, "pm_card_visa", Capture::Automatic);
    no_key.idempotency_key = String::new();
    assert!(matches!(
        stripe.create_payment(&no_key).await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert_eq!(
        stripe.get_payment("pi_unknown").await,
        Err(PaymentError::NotFound("pi_unknown".into()))
    );
    assert_eq!(
        stripe.get_payment("").await,
        Err(PaymentError::NotFound(String::new()))
    );
    assert_eq!(
        stripe.get_refund("re_unknown").await,
        Err(PaymentError::NotFound("re_unknown".into()))
    );
    assert_eq!(
        stripe.refund(&refund("pi_unknown", None, "")).await,
        Err(PaymentError::NotFound("pi_unknown".into()))
    );
}

/// The customer's browser on the bank's page.
async fn answer_3ds(url: &str, outcome: &str) {
    let status = reqwest::get(format!("{url}?outcome={outcome}"))
        .await
        .unwrap()
        .status();
    assert!(status.is_success(), "{status}");
}

#[tokio::test]
async fn three_d_secure_then_the_customer_comes_back() {
    let (fake, stripe) = setup().await;
    for (capture, after) in [
        (Capture::Manual, PaymentStatus::Authorized),
        (Capture::Automatic, PaymentStatus::Succeeded),
    ] {
        let p = stripe
            .create_payment(&request(
                20_000,
                Currency::HKD,
                "pm_card_authenticationRequired",
                capture,
            ))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::RequiresAction);
        let url = p.next_action_url.clone().unwrap();
        assert!(url.starts_with(fake.base_url()), "{url}");
        answer_3ds(&url, "approve").await;
        let done = stripe.complete_action(&p.id, true).await.unwrap();
        assert_eq!(done.status, after);
        assert_eq!(done.next_action_url, None);
        // Coming back twice is harmless.
        assert_eq!(stripe.complete_action(&p.id, true).await.unwrap(), done);
        // Refusing after the bank approved is the other answer.
        assert_eq!(
            stripe.complete_action(&p.id, false).await,
            Err(PaymentError::InvalidState { status: after })
        );
    }
}

#[tokio::test]
async fn three_d_secure_refused_or_failed() {
    let (fake, stripe) = setup().await;
    let p = stripe
        .create_payment(&request(
            20_000,
            Currency::EUR,
            "pm_card_authenticationRequired",
            Capture::Automatic,
        ))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    let canceled = stripe.complete_action(&p.id, false).await.unwrap();
    assert_eq!(canceled.status, PaymentStatus::Canceled);
    assert_eq!(
        stripe.complete_action(&p.id, false).await.unwrap(),
        canceled
    );
    let cancels = fake.requests_to("POST", &format!("/v1/payment_intents/{}/cancel", p.id));
    assert_eq!(cancels.len(), 1, "the second answer only looks");
    assert_eq!(
        cancels[0].body,
        "cancellation_reason=abandoned&expand[0]=latest_charge"
    );
    assert!(cancels[0].header("idempotency-key").is_some());

    // The bank said no: Stripe's authentication failure.
    let p = stripe
        .create_payment(&request(
            20_000,
            Currency::EUR,
            "pm_card_authenticationRequired",
            Capture::Manual,
        ))
        .await
        .unwrap();
    answer_3ds(p.next_action_url.as_deref().unwrap(), "fail").await;
    let failed = stripe.complete_action(&p.id, true).await.unwrap();
    assert_eq!(failed.status, PaymentStatus::Failed);
    assert_eq!(
        failed.failure.unwrap().code,
        "payment_intent_authentication_failure"
    );
    assert_eq!(failed.payment_method, "pm_card_authenticationRequired");
    // Giving up after the failure closes it.
    let closed = stripe.complete_action(&p.id, false).await.unwrap();
    assert_eq!(closed.status, PaymentStatus::Canceled);
}

#[tokio::test]
async fn refunds_partial_twice_then_too_much() {
    let (fake, stripe) = setup().await;
    let p = stripe
        .create_payment(&request(
            10_000,
            Currency::EUR,
            "pm_card_visa",
            Capture::Automatic,
        ))
        .await
        .unwrap();

    let first_req = refund(
        &p.id,
        Some(money(3_000, Currency::EUR)),
        "requested_by_customer",
    );
    let first = stripe.refund(&first_req).await.unwrap();
    assert!(first.id.starts_with("re_"), "{}", first.id);
    assert_eq!(first.payment_id, p.id);
    assert_eq!(first.amount, money(3_000, Currency::EUR));
    assert_eq!(first.status, RefundStatus::Succeeded);
    assert_eq!(first.reason, "requested_by_customer");
    // A retry with the same key is the same refund.
    assert_eq!(stripe.refund(&first_req).await.unwrap(), first);

    let second = stripe
        .refund(&refund(
            &p.id,
            Some(money(2_000, Currency::EUR)),
            "schedule change",
        ))
        .await
        .unwrap();
    assert_eq!(second.reason, "schedule change");
    let sent: Vec<String> = fake
        .requests_to("POST", "/v1/refunds")
        .into_iter()
        .map(|r| r.body)
        .collect();
    assert_eq!(
        sent[0],
        format!(
            "payment_intent={}&amount=3000&reason=requested_by_customer",
            p.id
        )
    );
    assert_eq!(
        sent[2],
        format!(
            "payment_intent={}&amount=2000&metadata[reason]=schedule+change",
            p.id
        )
    );

    let after = stripe.get_payment(&p.id).await.unwrap();
    assert_eq!(after.status, PaymentStatus::Succeeded);
    assert_eq!(after.amount_refunded, money(5_000, Currency::EUR));

    assert!(matches!(
        stripe
            .refund(&refund(&p.id, Some(money(6_000, Currency::EUR)), ""))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    assert!(matches!(
        stripe
            .refund(&refund(&p.id, Some(money(100, Currency::USD)), ""))
            .await,
        Err(PaymentError::InvalidRequest(_))
    ));
    let rest = stripe.refund(&refund(&p.id, None, "")).await.unwrap();
    assert_eq!(rest.amount, money(5_000, Currency::EUR));
    assert_eq!(
        stripe.get_payment(&p.id).await.unwrap().amount_refunded,
        money(10_000, Currency::EUR)
    );
    assert!(matches!(
        stripe.refund(&refund(&p.id, None, "")).await,
        Err(PaymentError::InvalidRequest(_))
    ));

    assert_eq!(stripe.get_refund(&first.id).await.unwrap(), first);
    assert_eq!(stripe.get_refund(&second.id).await.unwrap(), second);
}

#[tokio::test]
async fn idempotent_replay_returns_the_same_payment() {
    let (fake, stripe) = setup().await;
    let req = request(4_200, Currency::USD, "pm_card_visa", Capture::Automatic);
    let first = stripe.create_payment(&req).await.unwrap();
    let second = stripe.create_payment(&req).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.payment_intent_count(), 1);
    let creates = fake.requests_to("POST", "/v1/payment_intents");
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0].body, creates[1].body);
    assert_eq!(
        creates[1].header("idempotency-key"),
        Some(req.idempotency_key.as_str())
    );
}

#[tokio::test]
async fn a_reused_key_with_another_amount_is_refused() {
    let (fake, stripe) = setup().await;
    let req = request(4_200, Currency::USD, "pm_card_visa", Capture::Automatic);
    stripe.create_payment(&req).await.unwrap();
    let other = PaymentRequest {
        amount: money(4_300, Currency::USD),
        ..req.clone()
    };
    assert_eq!(
        stripe.create_payment(&other).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    assert_eq!(fake.payment_intent_count(), 1);
}

#[tokio::test]
async fn a_wrong_secret_key_is_unavailable_and_never_echoed() {
    let fake = FakeStripe::start().await;
    let mut config = config(&fake);
    config.secret_key = "sk_test_WrongKeyDoNotShow9876".to_owned();
    let stripe = StripeProvider::new(config).unwrap();
    let err = stripe
        .create_payment(&request(
            100,
            Currency::USD,
            "pm_card_visa",
            Capture::Automatic,
        ))
        .await
        .unwrap_err();
    let PaymentError::Unavailable(message) = &err else {
        panic!("{err:?}");
    };
    assert!(message.contains("misconfigured"), "{message}");
    for part in ["WrongKey", "9876", "sk_test", SECRET_KEY] {
        assert!(!message.contains(part), "{message}");
        assert!(!format!("{err:?}").contains(part));
    }
    assert_eq!(fake.payment_intent_count(), 0);
    assert!(matches!(
        stripe.get_payment("pi_x").await,
        Err(PaymentError::Unavailable(_))
    ));
}

#[tokio::test]
async fn basic_auth_with_the_key_as_user_is_also_accepted_by_the_fake() {
    let fake = FakeStripe::start().await;
    let response = reqwest::Client::new()
        .get(format!("{}/v1/payment_intents/pi_none", fake.base_url()))
        .basic_auth(SECRET_KEY, Some(""))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 404);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "resource_missing");
    // A JSON body is refused: Stripe's v1 takes forms only.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents", fake.base_url()))
        .bearer_auth(SECRET_KEY)
        .json(&json!({"amount": 100, "currency": "usd"}))
        .send()
        .await
        .unwrap();
    assert_eq!(response.status(), 400);
}

#[tokio::test]
async fn a_server_error_is_unavailable_and_the_retry_works() {
    let (fake, stripe) = setup().await;
    fake.set_mode(Mode::Fail500);
    let req = request(1_000, Currency::USD, "pm_card_visa", Capture::Automatic);
    assert!(matches!(
        stripe.create_payment(&req).await,
        Err(PaymentError::Unavailable(_))
    ));
    fake.set_mode(Mode::Normal);
    let p = stripe.create_payment(&req).await.unwrap();
    assert_eq!(p.status, PaymentStatus::Succeeded);
}

#[tokio::test]
async fn no_answer_in_time_is_a_timeout() {
    let fake = FakeStripe::start().await;
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(300);
    let stripe = StripeProvider::new(config).unwrap();
    fake.set_mode(Mode::Hang);
    let started = std::time::Instant::now();
    assert_eq!(
        stripe
            .create_payment(&request(
                1_000,
                Currency::USD,
                "pm_card_visa",
                Capture::Automatic
            ))
            .await,
        Err(PaymentError::Timeout)
    );
    assert!(started.elapsed() < Duration::from_secs(5));
}

#[tokio::test]
async fn nothing_listening_is_unavailable() {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let addr = listener.local_addr().unwrap();
    drop(listener);
    let mut config = StripeConfig::new(SECRET_KEY);
    config.api_base = format!("http://{addr}");
    let stripe = StripeProvider::new(config).unwrap();
    assert!(matches!(
        stripe.get_payment("pi_1").await,
        Err(PaymentError::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_wire_format_of_a_create_is_stripes() {
    let (fake, stripe) = setup().await;
    let mut req = request(12_345, Currency::CNY, "pm_card_visa", Capture::Manual);
    req.idempotency_key = "order-WF-ABC123:pay:1".to_owned();
    let p = stripe.create_payment(&req).await.unwrap();

    let sent = fake.requests_to("POST", "/v1/payment_intents");
    assert_eq!(sent.len(), 1);
    let sent = &sent[0];
    assert_eq!(
        sent.body,
        "amount=12345&currency=cny&capture_method=manual&confirm=true\
         &payment_method=pm_card_visa&return_url=https%3A%2F%2Fwayfare.example%2Fpay%2Freturn\
         &description=Flight+PEK-SHA&receipt_email=a%40example.com\
         &metadata[reference]=WF-ABC123&expand[0]=latest_charge"
    );
    assert_eq!(
        sent.header("authorization"),
        Some(format!("Bearer {SECRET_KEY}").as_str())
    );
    assert_eq!(sent.header("stripe-version"), Some(API_VERSION));
    assert_eq!(
        sent.header("idempotency-key"),
        Some("order-WF-ABC123:pay:1")
    );
    assert_eq!(
        sent.header("content-type"),
        Some("application/x-www-form-urlencoded")
    );

    // Retrieves ask for the charge, carry no idempotency key.
    stripe.get_payment(&p.id).await.unwrap();
    let get = &fake.requests_to("GET", &format!("/v1/payment_intents/{}", p.id))[0];
    assert_eq!(get.query.as_deref(), Some("expand[0]=latest_charge"));
    assert_eq!(get.header("idempotency-key"), None);
    assert_eq!(get.header("stripe-version"), Some(API_VERSION));

    // Zero-decimal currency, no return URL (no redirecting methods), no email.
    let mut yen = request(5_000, Currency::JPY, "pm_card_visa", Capture::Automatic);
    yen.return_url = None;
    yen.customer_email = None;
    yen.description = String::new();
    stripe.create_payment(&yen).await.unwrap();
    let sent = fake.requests_to("POST", "/v1/payment_intents");
    assert_eq!(
        sent[1].body,
        "amount=5000&currency=jpy&capture_method=automatic&confirm=true\
         &payment_method=pm_card_visa&automatic_payment_methods[enabled]=true\
         &automatic_payment_methods[allow_redirects]=never\
         &metadata[reference]=WF-ABC123&expand[0]=latest_charge"
    );
}

#[tokio::test]
async fn a_browser_flow_intent_carries_its_client_secret() {
    let (fake, stripe) = setup().await;
    let intent = stripe
        .create_intent_for_client(&ClientIntentRequest {
            amount: money(9_900, Currency::USD),
            capture: Capture::Automatic,
            idempotency_key: "client-1".into(),
            reference: "WF-XYZ".into(),
            description: "Hotel".into(),
            customer_email: None,
            payment_method_types: vec!["card".into()],
        })
        .await
        .unwrap();
    assert!(intent.client_secret.starts_with(&intent.payment.id));
    assert!(intent.client_secret.contains("_secret_"));
    assert!(!format!("{intent:?}").contains(&intent.client_secret));
    assert_eq!(intent.payment.status, PaymentStatus::RequiresAction);
    assert_eq!(intent.payment.next_action_url, None);
    assert_eq!(intent.payment.reference, "WF-XYZ");
    let sent = &fake.requests_to("POST", "/v1/payment_intents")[0];
    assert_eq!(
        sent.body,
        "amount=9900&currency=usd&capture_method=automatic&payment_method_types[0]=card\
         &description=Hotel&metadata[reference]=WF-XYZ&expand[0]=latest_charge"
    );
}

#[tokio::test]
async fn setup_intents_save_a_card_without_seeing_it() {
    let (fake, stripe) = setup().await;
    let setup = stripe
        .create_setup_intent(Some("cus_123"), &["card".to_owned()], "setup-1")
        .await
        .unwrap();
    assert!(setup.id.starts_with("seti_"), "{}", setup.id);
    assert_eq!(setup.status, SetupIntentStatus::RequiresPaymentMethod);
    assert!(setup.client_secret.starts_with(&setup.id));
    assert_eq!(setup.payment_method, None);
    let sent = &fake.requests_to("POST", "/v1/setup_intents")[0];
    assert_eq!(sent.body, "customer=cus_123&payment_method_types[0]=card");
    assert_eq!(sent.header("idempotency-key"), Some("setup-1"));

    fake.confirm_setup_intent(&setup.id, "pm_card_visa");
    let done = stripe.retrieve_setup_intent(&setup.id).await.unwrap();
    assert_eq!(done.status, SetupIntentStatus::Succeeded);
    assert_eq!(done.payment_method.as_deref(), Some("pm_card_visa"));
    assert_eq!(
        stripe.retrieve_setup_intent("seti_missing").await,
        Err(PaymentError::NotFound("seti_missing".into()))
    );
    let auto = stripe
        .create_setup_intent(None, &[], "setup-2")
        .await
        .unwrap();
    assert_eq!(auto.status, SetupIntentStatus::RequiresPaymentMethod);
    let sent = &fake.requests_to("POST", "/v1/setup_intents")[1];
    assert_eq!(sent.body, "automatic_payment_methods[enabled]=true");
}

// ---------------------------------------------------------------------------------------------
// Webhooks

/// Our webhook endpoint, as far as these tests need it: keeps what arrived.
#[derive(Clone, Default)]
struct Received(Arc<Mutex<Vec<Delivery>>>);

/// One webhook as it arrived: headers (names in lower case) and the raw body.
type Delivery = (Vec<(String, String)>, Vec<u8>);

async fn receive(
    State(received): State<Received>,
    headers: HeaderMap,
    body: Bytes,
) -> &'static str {
    let headers = headers
        .iter()
        .map(|(n, v)| {
            (
                n.as_str().to_owned(),
                String::from_utf8_lossy(v.as_bytes()).into_owned(),
            )
        })
        .collect();
    received.0.lock().unwrap().push((headers, body.to_vec()));
    "ok"
}

async fn start_receiver() -> (String, Received) {
    let received = Received::default();
    let app = axum::Router::new()
        .route("/api/v1/webhooks/stripe", axum::routing::post(receive))
        .with_state(received.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!(
        "http://{}/api/v1/webhooks/stripe",
        listener.local_addr().unwrap()
    );
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    (url, received)
}

fn find_event(fake: &FakeStripe, kind: &str) -> serde_json::Value {
    fake.events()
        .into_iter()
        .rev()
        .find(|e| e["type"] == kind)
        .unwrap_or_else(|| panic!("no {kind} event"))
}

#[tokio::test]
async fn signed_events_delivered_over_http_are_read() {
    let (fake, stripe) = setup().await;
    let (url, received) = start_receiver().await;
    let p = stripe
        .create_payment(&request(
            7_500,
            Currency::USD,
            "pm_card_visa",
            Capture::Manual,
        ))
        .await
        .unwrap();
    stripe
        .capture(&p.id, Some(money(5_000, Currency::USD)), "cap")
        .await
        .unwrap();
    let r = stripe
        .refund(&refund(
            &p.id,
            Some(money(1_000, Currency::USD)),
            "fraudulent",
        ))
        .await
        .unwrap();

    let now = Utc::now();
    for kind in [
        "payment_intent.amount_capturable_updated",
        "payment_intent.succeeded",
        "refund.created",
        "charge.refunded",
        "payment_intent.created",
    ] {
        let event = find_event(&fake, kind);
        let response = fake
            .deliver(&url, &event, WEBHOOK_SECRET, now.timestamp())
            .await;
        assert!(response.status().is_success());
    }
    let received = received.0.lock().unwrap().clone();
    assert_eq!(received.len(), 5);
    let mut events = Vec::new();
    for (headers, body) in &received {
        let req = WebhookRequest {
            headers,
            body,
            received_at: now,
        };
        events.push(stripe.parse_webhook(&req).await.unwrap());
    }
    let usd = |minor| Some(money(minor, Currency::USD));
    assert_eq!(
        events[0].event_type,
        "payment_intent.amount_capturable_updated"
    );
    assert!(events[0].event_id.starts_with("evt_"));
    assert_eq!(events[0].provider, "stripe");
    assert!(events[0].occurred_at.is_some());
    assert_eq!(
        events[0].subject,
        WebhookSubject::Payment {
            payment_id: p.id.clone(),
            status: PaymentStatus::Authorized,
            amount: usd(7_500),
            amount_captured: usd(0),
        }
    );
    assert_eq!(
        events[1].subject,
        WebhookSubject::Payment {
            payment_id: p.id.clone(),
            status: PaymentStatus::Succeeded,
            amount: usd(7_500),
            amount_captured: usd(5_000),
        }
    );
    assert_eq!(
        events[2].subject,
        WebhookSubject::Refund {
            refund_id: r.id.clone(),
            payment_id: p.id.clone(),
            status: RefundStatus::Succeeded,
            amount: usd(1_000),
        }
    );
    assert_eq!(
        events[3].subject,
        WebhookSubject::Payment {
            payment_id: p.id.clone(),
            status: PaymentStatus::Succeeded,
            amount: usd(7_500),
            amount_captured: usd(5_000),
        }
    );
    assert_eq!(events[4].subject, WebhookSubject::Other);
}

#[tokio::test]
async fn a_declined_payment_event_says_failed() {
    let (fake, stripe) = setup().await;
    let p = stripe
        .create_payment(&request(
            1_000,
            Currency::EUR,
            "pm_card_chargeDeclined",
            Capture::Automatic,
        ))
        .await
        .unwrap();
    let body = serde_json::to_vec(&find_event(&fake, "payment_intent.payment_failed")).unwrap();
    let now = Utc::now();
    let headers = vec![(
        "stripe-signature".to_owned(),
        signature_header(&body, WEBHOOK_SECRET, now.timestamp()),
    )];
    let event = stripe
        .parse_webhook(&WebhookRequest {
            headers: &headers,
            body: &body,
            received_at: now,
        })
        .await
        .unwrap();
    assert!(matches!(
        event.subject,
        WebhookSubject::Payment { payment_id, status: PaymentStatus::Failed, .. } if payment_id == p.id
    ));
}

fn signed(body: &[u8], secret: &str, t: i64) -> Vec<(String, String)> {
    vec![
        ("content-type".to_owned(), "application/json".to_owned()),
        (
            "stripe-signature".to_owned(),
            signature_header(body, secret, t),
        ),
    ]
}

#[tokio::test]
async fn tampered_stale_unsigned_and_rotated_webhooks() {
    let (_fake, stripe) = setup().await;
    let body = json!({
        "id": "evt_1", "object": "event", "type": "payment_intent.canceled", "created": 1_700_000_000,
        "data": {"object": {"id": "pi_1", "object": "payment_intent", "amount": 500,
            "amount_received": 0, "currency": "eur", "status": "canceled", "created": 1_700_000_000}}
    })
    .to_string()
    .into_bytes();
    let t = 1_700_000_000;
    let now = Utc.timestamp_opt(t + 10, 0).unwrap();
    let parse = |headers: Vec<(String, String)>, body: Vec<u8>, received_at| {
        let stripe = stripe.clone();
        async move {
            stripe
                .parse_webhook(&WebhookRequest {
                    headers: &headers,
                    body: &body,
                    received_at,
                })
                .await
        }
    };

    let ok = parse(signed(&body, WEBHOOK_SECRET, t), body.clone(), now)
        .await
        .unwrap();
    assert_eq!(ok.event_id, "evt_1");
    assert_eq!(ok.occurred_at, Some(Utc.timestamp_opt(t, 0).unwrap()));
    assert!(matches!(
        ok.subject,
        WebhookSubject::Payment {
            status: PaymentStatus::Canceled,
            ..
        }
    ));

    // One byte changed after signing.
    let mut tampered = body.clone();
    let pos = tampered.iter().position(|b| *b == b'5').unwrap();
    tampered[pos] = b'9';
    assert_eq!(
        parse(signed(&body, WEBHOOK_SECRET, t), tampered, now).await,
        Err(WebhookError::BadSignature)
    );
    // Signed with another secret.
    assert_eq!(
        parse(signed(&body, "whsec_other", t), body.clone(), now).await,
        Err(WebhookError::BadSignature)
    );
    // Correctly signed, but long ago (a replay) or far ahead.
    let later = Utc.timestamp_opt(t + 301, 0).unwrap();
    assert_eq!(
        parse(signed(&body, WEBHOOK_SECRET, t), body.clone(), later).await,
        Err(WebhookError::Stale)
    );
    let earlier = Utc.timestamp_opt(t - 301, 0).unwrap();
    assert_eq!(
        parse(signed(&body, WEBHOOK_SECRET, t), body.clone(), earlier).await,
        Err(WebhookError::Stale)
    );
    // No header at all.
    assert_eq!(
        parse(Vec::new(), body.clone(), now).await,
        Err(WebhookError::MissingSignature)
    );
    // Several v1 (secret rotation) and a v0: one v1 matching is enough.
    let good = signature_header(&body, WEBHOOK_SECRET, t);
    let good_v1 = good.split("v1=").nth(1).unwrap().to_owned();
    let other_v1 = signature_header(&body, "whsec_old", t)
        .split("v1=")
        .nth(1)
        .unwrap()
        .to_owned();
    let header = format!("t={t},v1={other_v1},v1={good_v1},v0=deadbeef");
    let headers = vec![("Stripe-Signature".to_owned(), header)];
    assert!(parse(headers, body.clone(), now).await.is_ok());
    // Only wrong v1 values.
    let header = format!("t={t},v1={other_v1},v0={good_v1}");
    let headers = vec![("stripe-signature".to_owned(), header)];
    assert_eq!(
        parse(headers, body.clone(), now).await,
        Err(WebhookError::BadSignature)
    );

    // Without a webhook secret nothing is accepted.
    let fake = FakeStripe::start().await;
    let mut no_secret = config(&fake);
    no_secret.webhook_secret = None;
    let unconfigured = StripeProvider::new(no_secret).unwrap();
    let headers = signed(&body, WEBHOOK_SECRET, t);
    assert_eq!(
        unconfigured
            .parse_webhook(&WebhookRequest {
                headers: &headers,
                body: &body,
                received_at: now,
            })
            .await,
        Err(WebhookError::Unsupported)
    );
}

#[tokio::test]
async fn the_documented_test_vector() {
    // payments.md §1.7: the SDK's test secret and payload at t=1700000000.
    let secret = "whsec_test_secret";
    let payload = "{\n  \"id\": \"evt_test_webhook\",\n  \"object\": \"event\",\n  \"data\": { \"object\": { \"id\": \"rdr_123\", \"object\": \"terminal.reader\" } }\n}";
    let expected = "3bfab77baf5f7b6991a46c9b53b6547d7afc56148b10468fcad9f35c1992ffbd";

    // Computed here with `hmac` directly.
    let mut mac = Hmac::<Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("1700000000.{payload}").as_bytes());
    assert_eq!(hex::encode(mac.finalize().into_bytes()), expected);
    // The fake's signer and the connector's own agree.
    assert_eq!(
        signature_header(payload.as_bytes(), secret, 1_700_000_000),
        format!("t=1700000000,v1={expected}")
    );
    assert_eq!(
        wayfare_payments::stripe::sign_payload(secret, 1_700_000_000, payload.as_bytes()),
        expected
    );
    let received_at = Utc.timestamp_opt(1_700_000_060, 0).unwrap();
    assert_eq!(
        verify_signature(
            &format!("t=1700000000,v1={expected}"),
            payload.as_bytes(),
            secret,
            received_at,
            Duration::from_secs(300),
        ),
        Ok(())
    );

    // Through the provider: the signature verifies, then the event (which has no `type`) is
    // not one we can read.
    let fake = FakeStripe::start().await;
    let mut config = config(&fake);
    config.webhook_secret = Some(secret.to_owned());
    let stripe = StripeProvider::new(config).unwrap();
    let headers = vec![(
        "stripe-signature".to_owned(),
        format!("t=1700000000,v1={expected}"),
    )];
    assert!(matches!(
        stripe
            .parse_webhook(&WebhookRequest {
                headers: &headers,
                body: payload.as_bytes(),
                received_at,
            })
            .await,
        Err(WebhookError::Malformed(_))
    ));
}

// ---- Card instalments -------------------------------------------------------------------

fn instalment_request(count: u8) -> PaymentRequest {
    let mut req = request(36_000, Currency::USD, "pm_card_visa", Capture::Manual);
    req.instalments = Some(count);
    req
}

#[tokio::test]
async fn instalments_send_stripes_plan_and_the_intent_keeps_it() {
    let (fake, stripe) = setup().await;
    let req = instalment_request(3);
    let p = stripe.create_payment(&req).await.unwrap();
    assert_eq!(p.status, PaymentStatus::Authorized);
    assert_eq!(p.amount_capturable(), money(36_000, Currency::USD));

    let sent = &fake.requests_to("POST", "/v1/payment_intents")[0];
    let params = sent.params();
    for (name, value) in [
        (
            "payment_method_options[card][installments][enabled]",
            "true",
        ),
        (
            "payment_method_options[card][installments][plan][count]",
            "3",
        ),
        (
            "payment_method_options[card][installments][plan][interval]",
            "month",
        ),
        (
            "payment_method_options[card][installments][plan][type]",
            "fixed_count",
        ),
    ] {
        assert!(
            params.contains(&(name.to_owned(), value.to_owned())),
            "{name}={value} not in {}",
            sent.body
        );
    }
    assert!(
        sent.body.contains(
            "&payment_method_options[card][installments][enabled]=true\
             &payment_method_options[card][installments][plan][count]=3\
             &payment_method_options[card][installments][plan][interval]=month\
             &payment_method_options[card][installments][plan][type]=fixed_count&"
        ),
        "{}",
        sent.body
    );
    let intent = fake.payment_intent(&p.id).unwrap();
    assert_eq!(
        intent["payment_method_options"]["card"]["installments"]["plan"],
        json!({ "count": 3, "interval": "month", "type": "fixed_count" })
    );
    assert_eq!(
        intent["payment_method_options"]["card"]["installments"]["enabled"],
        json!(true)
    );

    // 6 and 12 too; without instalments nothing of it is sent.
    for count in [6, 12] {
        let p = stripe
            .create_payment(&instalment_request(count))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Authorized);
        let intent = fake.payment_intent(&p.id).unwrap();
        assert_eq!(
            intent["payment_method_options"]["card"]["installments"]["plan"]["count"],
            json!(count)
        );
    }
    let plain = stripe
        .create_payment(&request(
            100,
            Currency::USD,
            "pm_card_visa",
            Capture::Automatic,
        ))
        .await
        .unwrap();
    assert!(
        !fake.requests_to("POST", "/v1/payment_intents")[3]
            .body
            .contains("payment_method_options")
    );
    assert_eq!(
        fake.payment_intent(&plain.id).unwrap()["payment_method_options"]["card"]["installments"],
        serde_json::Value::Null
    );
}

#[tokio::test]
async fn an_instalment_count_not_offered_is_refused_before_sending() {
    let (fake, stripe) = setup().await;
    for count in [0, 1, 2, 4, 9, 24, 255] {
        assert!(
            matches!(
                stripe.create_payment(&instalment_request(count)).await,
                Err(PaymentError::InvalidRequest(_))
            ),
            "{count}"
        );
    }
    assert!(fake.requests().is_empty());
    assert_eq!(fake.payment_intent_count(), 0);
}

#[tokio::test]
async fn an_instalment_payment_retried_with_the_same_key_replays() {
    let (fake, stripe) = setup().await;
    let req = instalment_request(12);
    let first = stripe.create_payment(&req).await.unwrap();
    let second = stripe.create_payment(&req).await.unwrap();
    assert_eq!(first, second);
    assert_eq!(fake.payment_intent_count(), 1);
    let creates = fake.requests_to("POST", "/v1/payment_intents");
    assert_eq!(creates.len(), 2);
    assert_eq!(creates[0].body, creates[1].body);
    // Another plan under the same key is another request.
    let other = PaymentRequest {
        instalments: Some(6),
        ..req.clone()
    };
    assert_eq!(
        stripe.create_payment(&other).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    let without = PaymentRequest {
        instalments: None,
        ..req
    };
    assert_eq!(
        stripe.create_payment(&without).await,
        Err(PaymentError::IdempotencyKeyReused)
    );
    assert_eq!(fake.payment_intent_count(), 1);
}

/// A PaymentIntent create straight to the fake with the secret key.
async fn raw_create(fake: &FakeStripe, extra: &[(&str, &str)]) -> (u16, serde_json::Value) {
    let mut form = vec![
        ("amount", "1000"),
        ("currency", "mxn"),
        ("payment_method", "pm_card_visa"),
        ("confirm", "true"),
        ("capture_method", "manual"),
    ];
    form.extend_from_slice(extra);
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents", fake.base_url()))
        .bearer_auth(SECRET_KEY)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = response.status().as_u16();
    (status, response.json().await.unwrap())
}

#[tokio::test]
async fn the_fake_takes_instalments_only_in_stripes_shape() {
    let fake = FakeStripe::start().await;
    const E: &str = "payment_method_options[card][installments][enabled]";
    const C: &str = "payment_method_options[card][installments][plan][count]";
    const I: &str = "payment_method_options[card][installments][plan][interval]";
    const T: &str = "payment_method_options[card][installments][plan][type]";
    let good = [(E, "true"), (C, "6"), (I, "month"), (T, "fixed_count")];
    let (status, pi) = raw_create(&fake, &good).await;
    assert_eq!(status, 200, "{pi}");
    assert_eq!(pi["status"], "requires_capture");
    assert_eq!(
        pi["payment_method_options"]["card"]["installments"]["plan"],
        json!({ "count": 6, "interval": "month", "type": "fixed_count" })
    );

    // Enabled without a plan: the plans on offer, none chosen.
    let (status, pi) = raw_create(&fake, &[(E, "true")]).await;
    assert_eq!(status, 200, "{pi}");
    let installments = &pi["payment_method_options"]["card"]["installments"];
    assert_eq!(installments["plan"], serde_json::Value::Null);
    assert!(
        installments["available_plans"]
            .as_array()
            .unwrap()
            .contains(&json!({ "count": 3, "interval": "month", "type": "fixed_count" }))
    );

    let refused: Vec<Vec<(&str, &str)>> = vec![
        vec![(C, "3"), (I, "month"), (T, "fixed_count")],
        vec![(E, "false"), (C, "3"), (I, "month"), (T, "fixed_count")],
        vec![(E, "yes")],
        vec![(E, "true"), (C, "3"), (I, "week"), (T, "fixed_count")],
        vec![(E, "true"), (C, "3"), (I, "month"), (T, "revolving")],
        vec![(E, "true"), (C, "5"), (I, "month"), (T, "fixed_count")],
        vec![(E, "true"), (C, "three"), (I, "month"), (T, "fixed_count")],
        vec![(E, "true"), (C, "3"), (I, "month")],
        vec![(E, "true"), (I, "month"), (T, "fixed_count")],
        vec![(E, "true"), (C, "3"), (T, "fixed_count")],
        vec![(
            "payment_method_options[card][installments][plan][months]",
            "3",
        )],
        vec![("payment_method_options[card][instalments][enabled]", "true")],
    ];
    for params in refused {
        let (status, body) = raw_create(&fake, &params).await;
        assert_eq!(status, 400, "{params:?}: {body}");
        assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
    }
    assert_eq!(fake.payment_intent_count(), 2);
}

// ---- The fake Stripe.js and card tokenisation ------------------------------------------

fn next_year() -> String {
    use chrono::Datelike;
    (Utc::now().year() + 1).to_string()
}

/// What the fake Stripe.js posts, with `key` as the form field (or left out when `None`).
async fn tokenise(
    fake: &FakeStripe,
    number: &str,
    exp_month: &str,
    exp_year: &str,
    cvc: &str,
    key: Option<&str>,
) -> reqwest::Response {
    let mut form = vec![
        ("type", "card"),
        ("card[number]", number),
        ("card[exp_month]", exp_month),
        ("card[exp_year]", exp_year),
        ("card[cvc]", cvc),
        ("billing_details[name]", "Ada Lovelace"),
    ];
    if let Some(key) = key {
        form.push(("key", key));
    }
    reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", fake.base_url()))
        .header("origin", "http://127.0.0.1:1")
        .form(&form)
        .send()
        .await
        .unwrap()
}

async fn tokenise_ok(fake: &FakeStripe, number: &str) -> String {
    let response = tokenise(
        fake,
        number,
        "12",
        &next_year(),
        "123",
        Some(PUBLISHABLE_KEY),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    let pm: serde_json::Value = response.json().await.unwrap();
    pm["id"].as_str().unwrap().to_owned()
}

#[tokio::test]
async fn the_fake_serves_stripe_js_with_cors() {
    let fake = FakeStripe::start().await;
    assert_eq!(fake.stripe_js_url(), format!("{}/v3/", fake.base_url()));
    for path in ["/v3/", "/v3/stripe.js"] {
        let response = reqwest::get(format!("{}{path}", fake.base_url()))
            .await
            .unwrap();
        assert_eq!(response.status().as_u16(), 200);
        let header = |name: &str| {
            response
                .headers()
                .get(name)
                .and_then(|v| v.to_str().ok())
                .map(str::to_owned)
        };
        assert!(
            header("content-type")
                .unwrap()
                .starts_with("application/javascript")
        );
        assert_eq!(header("access-control-allow-origin").as_deref(), Some("*"));
        let js = response.text().await.unwrap();
        for needle in [
            "window.Stripe = Stripe",
            "createPaymentMethod",
            "document.currentScript",
            "../v1/payment_methods",
            "fake-stripe-number",
            "fake-stripe-expiry",
            "fake-stripe-cvc",
        ] {
            assert!(js.contains(needle), "{needle}");
        }
        // The card inputs never get a name, so no form can post them to the merchant.
        assert!(!js.contains("setAttribute('name'") && !js.contains("input.name"));
    }

    // The browser's preflight, were Stripe.js to send a non-simple request.
    let preflight = reqwest::Client::new()
        .request(
            reqwest::Method::OPTIONS,
            format!("{}/v1/payment_methods", fake.base_url()),
        )
        .header("origin", "http://127.0.0.1:1")
        .header("access-control-request-method", "POST")
        .header(
            "access-control-request-headers",
            "authorization, content-type",
        )
        .send()
        .await
        .unwrap();
    assert!(preflight.status().is_success());
    let h = preflight.headers();
    assert_eq!(h["access-control-allow-origin"], "*");
    assert!(
        h["access-control-allow-methods"]
            .to_str()
            .unwrap()
            .contains("POST")
    );
    assert!(
        h["access-control-allow-headers"]
            .to_str()
            .unwrap()
            .contains("authorization")
    );
}

#[tokio::test]
async fn tokenising_with_the_publishable_key_keeps_only_brand_last4_and_expiry() {
    let fake = FakeStripe::start().await;
    let year = next_year();
    let response = tokenise(
        &fake,
        "4242424242424242",
        "12",
        &year,
        "123",
        Some(PUBLISHABLE_KEY),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    assert_eq!(response.headers()["access-control-allow-origin"], "*");
    let pm: serde_json::Value = response.json().await.unwrap();
    assert!(pm["id"].as_str().unwrap().starts_with("pm_"), "{pm}");
    assert_eq!(pm["object"], "payment_method");
    assert_eq!(pm["type"], "card");
    assert_eq!(pm["card"]["brand"], "visa");
    assert_eq!(pm["card"]["last4"], "4242");
    assert_eq!(pm["card"]["exp_month"], 12);
    assert_eq!(pm["card"]["exp_year"], year.parse::<i64>().unwrap());
    assert_eq!(pm["billing_details"]["name"], "Ada Lovelace");
    assert_eq!(fake.payment_method(pm["id"].as_str().unwrap()).unwrap(), pm);
    // Stripe's side saw the number; it keeps none of it, nor the CVC.
    let sent = &fake.requests_to("POST", "/v1/payment_methods")[0];
    assert!(sent.body.contains("4242424242424242"));
    assert!(!pm.to_string().contains("4242424242424242"));
    assert!(!fake.retains("4242424242424242"));
    assert!(!pm.to_string().contains("\"123\""));

    // Mastercard by its prefix; the key as Bearer; the secret key works server-side too.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", fake.base_url()))
        .bearer_auth(PUBLISHABLE_KEY)
        .header("idempotency-key", "tok-1")
        .form(&[
            ("type", "card"),
            ("card[number]", "5555555555554444"),
            ("card[exp_month]", "1"),
            ("card[exp_year]", year.as_str()),
            ("card[cvc]", "9876"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let pm: serde_json::Value = response.json().await.unwrap();
    assert_eq!(pm["card"]["brand"], "mastercard");
    assert_eq!(pm["card"]["last4"], "4444");
    // Not even in the saved idempotency fingerprint.
    assert!(!fake.retains("5555555555554444"));
    assert!(!fake.retains("9876"));
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", fake.base_url()))
        .bearer_auth(SECRET_KEY)
        .form(&[
            ("type", "card"),
            ("card[number]", "378282246310005"),
            ("card[exp_month]", "6"),
            ("card[exp_year]", year.as_str()),
            ("card[cvc]", "1234"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 200);
    let pm: serde_json::Value = response.json().await.unwrap();
    assert_eq!(pm["card"]["brand"], "amex");
    assert_eq!(pm["card"]["last4"], "0005");
}

#[tokio::test]
async fn tokenising_with_a_wrong_or_no_key_is_401() {
    let fake = FakeStripe::start().await;
    let year = next_year();
    for key in [
        Some("pk_test_51SomeoneElsesKey0000000000"),
        Some("pk_live_51FakeWayfareKey0123456789"),
        Some("sk_test_wrong"),
        None,
    ] {
        let response = tokenise(&fake, "4242424242424242", "12", &year, "123", key).await;
        assert_eq!(response.status().as_u16(), 401, "{key:?}");
        assert_eq!(response.headers()["access-control-allow-origin"], "*");
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], "invalid_request_error", "{body}");
    }
    // The publishable key cannot do what the secret key does.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_intents", fake.base_url()))
        .bearer_auth(PUBLISHABLE_KEY)
        .form(&[("amount", "100"), ("currency", "usd")])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 401);
    assert_eq!(fake.payment_intent_count(), 0);
}

#[tokio::test]
async fn tokenising_checks_the_card_like_stripe() {
    use chrono::Datelike;
    let fake = FakeStripe::start().await;
    let year = next_year();
    let now = Utc::now();
    let last_year = (now.year() - 1).to_string();
    let cases: Vec<(&str, &str, String, &str, &str)> = vec![
        (
            "4242424242424241",
            "12",
            year.clone(),
            "123",
            "incorrect_number",
        ),
        (
            "424242424242",
            "12",
            year.clone(),
            "123",
            "incorrect_number",
        ),
        (
            "42424242424242424",
            "12",
            year.clone(),
            "123",
            "incorrect_number",
        ),
        (
            "4242 4242 4242 4242",
            "12",
            year.clone(),
            "123",
            "incorrect_number",
        ),
        (
            "37828224631000",
            "12",
            year.clone(),
            "123",
            "incorrect_number",
        ),
        (
            "4242424242424242",
            "13",
            year.clone(),
            "123",
            "invalid_expiry_month",
        ),
        (
            "4242424242424242",
            "0",
            year.clone(),
            "123",
            "invalid_expiry_month",
        ),
        (
            "4242424242424242",
            "12",
            last_year,
            "123",
            "invalid_expiry_year",
        ),
        (
            "4242424242424242",
            "12",
            "99999".into(),
            "123",
            "invalid_expiry_year",
        ),
        ("4242424242424242", "12", year.clone(), "12", "invalid_cvc"),
        (
            "4242424242424242",
            "12",
            year.clone(),
            "12345",
            "invalid_cvc",
        ),
        ("4242424242424242", "12", year.clone(), "12a", "invalid_cvc"),
    ];
    for (number, month, year, cvc, code) in &cases {
        let response = tokenise(&fake, number, month, year, cvc, Some(PUBLISHABLE_KEY)).await;
        assert_eq!(
            response.status().as_u16(),
            402,
            "{number} {month}/{year} {cvc}"
        );
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["type"], "card_error", "{body}");
        assert_eq!(body["error"]["code"], *code, "{body}");
        assert!(body["error"]["message"].is_string());
    }
    if now.month() > 1 {
        let response = tokenise(
            &fake,
            "4242424242424242",
            &(now.month() - 1).to_string(),
            &now.year().to_string(),
            "123",
            Some(PUBLISHABLE_KEY),
        )
        .await;
        let body: serde_json::Value = response.json().await.unwrap();
        assert_eq!(body["error"]["code"], "invalid_expiry_month", "{body}");
    }
    // A real card in test mode, as Stripe answers it.
    let response = tokenise(
        &fake,
        "4111111111111111",
        "12",
        &year,
        "123",
        Some(PUBLISHABLE_KEY),
    )
    .await;
    assert_eq!(response.status().as_u16(), 402);
    let body: serde_json::Value = response.json().await.unwrap();
    assert_eq!(body["error"]["code"], "card_declined");
    assert_eq!(body["error"]["decline_code"], "test_mode_live_card");
    // Two-digit years are this century's.
    let response = tokenise(
        &fake,
        "4242424242424242",
        "12",
        &year[2..],
        "123",
        Some(PUBLISHABLE_KEY),
    )
    .await;
    assert_eq!(response.status().as_u16(), 200);
    // Missing details and unknown parameters are refused as Stripe does.
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", fake.base_url()))
        .form(&[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("key", PUBLISHABLE_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    let response = reqwest::Client::new()
        .post(format!("{}/v1/payment_methods", fake.base_url()))
        .form(&[
            ("type", "card"),
            ("card[number]", "4242424242424242"),
            ("card[exp_month]", "12"),
            ("card[exp_year]", year.as_str()),
            ("card[pin]", "0000"),
            ("key", PUBLISHABLE_KEY),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(response.status().as_u16(), 400);
    assert_eq!(
        fake.requests_to("POST", "/v1/payment_methods").len(),
        cases.len() + 5 - usize::from(now.month() == 1)
    );
}

#[tokio::test]
async fn a_tokenised_card_pays_like_its_stripe_test_card() {
    let (fake, stripe) = setup().await;
    let visa = tokenise_ok(&fake, "4242424242424242").await;
    let p = stripe
        .create_payment(&request(5_000, Currency::EUR, &visa, Capture::Automatic))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Succeeded);
    assert_eq!(p.payment_method, visa);
    assert_eq!(p.amount_captured, money(5_000, Currency::EUR));

    let mastercard = tokenise_ok(&fake, "5555555555554444").await;
    let p = stripe
        .create_payment(&request(5_000, Currency::EUR, &mastercard, Capture::Manual))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::Authorized);

    for (number, decline_code) in [
        ("4000000000000002", "generic_decline"),
        ("4000000000009995", "insufficient_funds"),
    ] {
        let pm = tokenise_ok(&fake, number).await;
        let p = stripe
            .create_payment(&request(5_000, Currency::EUR, &pm, Capture::Automatic))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Failed, "{number}");
        let failure = p.failure.unwrap();
        assert_eq!(failure.code, "card_declined");
        assert_eq!(failure.decline_code.as_deref(), Some(decline_code));
        assert_eq!(p.payment_method, pm);
    }

    let three_ds = tokenise_ok(&fake, "4000002500003155").await;
    let p = stripe
        .create_payment(&request(
            5_000,
            Currency::EUR,
            &three_ds,
            Capture::Automatic,
        ))
        .await
        .unwrap();
    assert_eq!(p.status, PaymentStatus::RequiresAction);
    let url = p.next_action_url.clone().unwrap();
    answer_3ds(&url, "approve").await;
    assert_eq!(
        stripe.complete_action(&p.id, true).await.unwrap().status,
        PaymentStatus::Succeeded
    );

    // With instalments too.
    let mut req = request(36_000, Currency::USD, &visa, Capture::Manual);
    req.instalments = Some(3);
    assert_eq!(
        stripe.create_payment(&req).await.unwrap().status,
        PaymentStatus::Authorized
    );
    for number in [
        "4242424242424242",
        "5555555555554444",
        "4000000000000002",
        "4000000000009995",
        "4000002500003155",
    ] {
        assert!(!fake.retains(number), "{number}");
    }
}
