//! The sandbox provider against a real database: a fresh SQLite file per test, and also a fresh
//! PostgreSQL schema when WAYFARE_TEST_DATABASE_URL is a postgres:// URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;
use tempfile::TempDir;
use wayfare_domain::{Currency, Money};
use wayfare_payments::sandbox::{
    MAX_AMOUNT_MINOR, NAME, SIGNATURE_HEADER, SandboxWebhook, SandboxWebhooks, authenticate_path,
    sign_webhook,
};
use wayfare_payments::{
    Capture, Clock, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus,
    RefundRequest, RefundStatus, SandboxProvider, TEST_METHODS, WebhookError, WebhookEvent,
    WebhookRequest, WebhookSubject,
};
use wayfare_store::sea_orm::{ConnectionTrait, Database};
use wayfare_store::{Store, StoreOptions, quote_ident};

const TEST_DATABASE_ENV: &str = "WAYFARE_TEST_DATABASE_URL";

/// One fresh database.
struct TestDb {
    label: &'static str,
    url: String,
    opts: StoreOptions,
    _dir: Option<TempDir>,
}

impl TestDb {
    async fn store(&self) -> Store {
        let store = Store::connect(&self.url, &self.opts)
            .await
            .unwrap_or_else(|e| panic!("{}: {e}", self.label));
        store.migrate().await.unwrap();
        store
    }

    async fn drop_schema(&self) {
        if let Some(schema) = &self.opts.pg_schema {
            let admin = Database::connect(self.url.as_str()).await.unwrap();
            admin
                .execute_unprepared(&format!("DROP SCHEMA {} CASCADE", quote_ident(schema)))
                .await
                .unwrap();
            admin.close().await.unwrap();
        }
    }
}

/// A fresh SQLite file, and a fresh PostgreSQL schema when the variable asks for it.
fn databases() -> Vec<TestDb> {
    let dir = tempfile::tempdir().unwrap();
    let mut dbs = vec![TestDb {
        label: "sqlite",
        url: format!("sqlite://{}", dir.path().join("payments.db").display()),
        opts: StoreOptions::default(),
        _dir: Some(dir),
    }];
    if let Ok(url) = std::env::var(TEST_DATABASE_ENV)
        && url.starts_with("postgres")
    {
        let suffix: String = rand::rng()
            .sample_iter(rand::distr::Alphanumeric)
            .take(16)
            .map(|b| char::from(b).to_ascii_lowercase())
            .collect();
        dbs.push(TestDb {
            label: "postgres",
            url,
            opts: StoreOptions {
                pg_schema: Some(format!("t_pay_{suffix}")),
                ..StoreOptions::default()
            },
            _dir: None,
        });
    }
    dbs
}

/// A clock that stands still until moved.
#[derive(Clone)]
struct TestClock(Arc<AtomicI64>);

impl TestClock {
    fn new() -> TestClock {
        let start = Utc.with_ymd_and_hms(2026, 3, 2, 9, 30, 0).unwrap();
        TestClock(Arc::new(AtomicI64::new(start.timestamp())))
    }

    fn now(&self) -> DateTime<Utc> {
        DateTime::from_timestamp(self.0.load(Ordering::SeqCst), 0).unwrap()
    }

    fn advance(&self, by: Duration) {
        self.0.fetch_add(by.num_seconds(), Ordering::SeqCst);
    }

    fn clock(&self) -> Clock {
        let me = self.clone();
        Arc::new(move || me.now())
    }
}

async fn sandbox(db: &TestDb, clock: &TestClock) -> SandboxProvider {
    SandboxProvider::new(db.store().await, clock.clock())
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn request(key: &str, method: &str, minor: i64, capture: Capture) -> PaymentRequest {
    PaymentRequest {
        amount: eur(minor),
        payment_method: method.to_owned(),
        capture,
        idempotency_key: key.to_owned(),
        reference: format!("WF-{key}"),
        description: "Flight PEK-SHA".to_owned(),
        customer_email: Some("traveller@example.com".to_owned()),
        return_url: None,
        instalments: None,
        payer_ip: None,
    }
}

fn refund(payment: &Payment, minor: Option<i64>, key: &str) -> RefundRequest {
    RefundRequest {
        payment_id: payment.id.clone(),
        amount: minor.map(eur),
        reason: "requested_by_customer".to_owned(),
        idempotency_key: key.to_owned(),
    }
}

fn assert_invalid<T: std::fmt::Debug>(r: Result<T, PaymentError>) {
    assert!(
        matches!(r, Err(PaymentError::InvalidRequest(_))),
        "expected InvalidRequest, got {r:?}"
    );
}

fn assert_state<T: std::fmt::Debug>(r: Result<T, PaymentError>, status: PaymentStatus) {
    match r {
        Err(PaymentError::InvalidState { status: s }) => assert_eq!(s, status),
        other => panic!("expected InvalidState({status}), got {other:?}"),
    }
}

#[tokio::test]
async fn succeeding_cards_charge_at_once() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = sandbox(&db, &clock).await;
        assert_eq!(sbx.name(), "sandbox");
        for method in [
            "pm_card_visa",
            "pm_card_mastercard",
            "pm_card_amex",
            "pm_card_visa_debit",
        ] {
            let p = sbx
                .create_payment(&request(method, method, 12_345, Capture::Automatic))
                .await
                .unwrap();
            assert_eq!(p.status, PaymentStatus::Succeeded, "{method}");
            assert_eq!(p.provider, NAME);
            assert_eq!(p.amount, eur(12_345));
            assert_eq!(p.amount_captured, eur(12_345));
            assert_eq!(p.amount_refunded, eur(0));
            assert_eq!(p.payment_method, method);
            assert_eq!(p.reference, format!("WF-{method}"));
            assert_eq!(p.failure, None);
            assert_eq!(p.next_action_url, None);
            assert_eq!(p.created_at, clock.now());
            let rest = p.id.strip_prefix("pi_sbx_").unwrap();
            assert_eq!(rest.len(), 24);
            assert!(rest.chars().all(|c| c.is_ascii_alphanumeric()));
            assert_eq!(sbx.get_payment(&p.id).await.unwrap(), p);
        }
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn declines_answer_a_failed_payment_with_stripes_codes() {
    let cases: &[(&str, &str, Option<&str>)] = &[
        (
            "pm_card_chargeDeclined",
            "card_declined",
            Some("generic_decline"),
        ),
        (
            "pm_card_visa_chargeDeclined",
            "card_declined",
            Some("generic_decline"),
        ),
        (
            "pm_card_chargeDeclinedInsufficientFunds",
            "card_declined",
            Some("insufficient_funds"),
        ),
        (
            "pm_card_visa_chargeDeclinedInsufficientFunds",
            "card_declined",
            Some("insufficient_funds"),
        ),
        (
            "pm_card_chargeDeclinedLostCard",
            "card_declined",
            Some("lost_card"),
        ),
        (
            "pm_card_chargeDeclinedStolenCard",
            "card_declined",
            Some("stolen_card"),
        ),
        ("pm_card_chargeDeclinedExpiredCard", "expired_card", None),
        ("pm_card_chargeDeclinedIncorrectCvc", "incorrect_cvc", None),
        (
            "pm_card_chargeDeclinedProcessingError",
            "processing_error",
            None,
        ),
        (
            "pm_card_chargeCustomerFail",
            "card_declined",
            Some("generic_decline"),
        ),
    ];
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        for &(method, code, decline_code) in cases {
            for capture in [Capture::Automatic, Capture::Manual] {
                let key = format!("{method}-{}", capture.as_str());
                let p = sbx
                    .create_payment(&request(&key, method, 5_000, capture))
                    .await
                    .unwrap();
                assert_eq!(p.status, PaymentStatus::Failed, "{method}");
                let failure = p.failure.clone().unwrap();
                assert_eq!(failure.code, code, "{method}");
                assert_eq!(failure.decline_code.as_deref(), decline_code, "{method}");
                assert!(!failure.message.is_empty());
                assert_eq!(p.amount_captured, eur(0));
                assert_eq!(sbx.get_payment(&p.id).await.unwrap(), p);
                assert_state(
                    sbx.capture(&p.id, None, &format!("{key}-c")).await,
                    PaymentStatus::Failed,
                );
                assert_state(
                    sbx.refund(&refund(&p, None, &format!("{key}-r"))).await,
                    PaymentStatus::Failed,
                );
                assert_state(
                    sbx.void(&p.id, &format!("{key}-v")).await,
                    PaymentStatus::Failed,
                );
                assert_state(
                    sbx.complete_action(&p.id, true).await,
                    PaymentStatus::Failed,
                );
            }
        }
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn three_d_secure_approved_goes_on_as_without_it() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        for method in [
            "pm_card_authenticationRequired",
            "pm_card_threeDSecure2Required",
            "pm_card_authenticationRequiredOnSetup",
        ] {
            // Automatic capture: approved, it is charged.
            let p = sbx
                .create_payment(&request(method, method, 20_000, Capture::Automatic))
                .await
                .unwrap();
            assert_eq!(p.status, PaymentStatus::RequiresAction, "{method}");
            assert_eq!(p.next_action_url, Some(authenticate_path(&p.id)));
            assert_eq!(
                p.next_action_url.as_deref(),
                Some(format!("/payments/sandbox/authenticate/{}", p.id).as_str())
            );
            assert_eq!(p.amount_captured, eur(0));
            assert_state(
                sbx.refund(&refund(&p, None, &format!("{method}-early")))
                    .await,
                PaymentStatus::RequiresAction,
            );
            let done = sbx.complete_action(&p.id, true).await.unwrap();
            assert_eq!(done.status, PaymentStatus::Succeeded);
            assert_eq!(done.amount_captured, eur(20_000));
            assert_eq!(done.next_action_url, None);
            assert_eq!(done.failure, None);
            // The page submitted twice: the same answer again is fine, the other is not.
            assert_eq!(sbx.complete_action(&p.id, true).await.unwrap(), done);
            assert_state(
                sbx.complete_action(&p.id, false).await,
                PaymentStatus::Succeeded,
            );

            // Manual capture: approved, it is authorised and captured later.
            let key = format!("{method}-manual");
            let p = sbx
                .create_payment(&request(&key, method, 20_000, Capture::Manual))
                .await
                .unwrap();
            assert_eq!(p.status, PaymentStatus::RequiresAction);
            let done = sbx.complete_action(&p.id, true).await.unwrap();
            assert_eq!(done.status, PaymentStatus::Authorized);
            assert_eq!(done.amount_captured, eur(0));
            let captured = sbx
                .capture(&p.id, None, &format!("{key}-capture"))
                .await
                .unwrap();
            assert_eq!(captured.status, PaymentStatus::Succeeded);
            assert_eq!(captured.amount_captured, eur(20_000));
        }
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn three_d_secure_refused_fails_the_payment() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        for capture in [Capture::Automatic, Capture::Manual] {
            let p = sbx
                .create_payment(&request(
                    capture.as_str(),
                    "pm_card_authenticationRequired",
                    9_900,
                    capture,
                ))
                .await
                .unwrap();
            let failed = sbx.complete_action(&p.id, false).await.unwrap();
            assert_eq!(failed.status, PaymentStatus::Failed);
            let failure = failed.failure.clone().unwrap();
            assert_eq!(failure.code, "payment_intent_authentication_failure");
            assert_eq!(failure.decline_code, None);
            assert_eq!(failed.next_action_url, None);
            assert_eq!(failed.amount_captured, eur(0));
            assert_eq!(sbx.complete_action(&p.id, false).await.unwrap(), failed);
            assert_state(
                sbx.complete_action(&p.id, true).await,
                PaymentStatus::Failed,
            );
            assert_eq!(sbx.get_payment(&p.id).await.unwrap(), failed);
        }
        // Only a payment waiting for the customer takes an answer.
        let plain = sbx
            .create_payment(&request("plain", "pm_card_visa", 100, Capture::Automatic))
            .await
            .unwrap();
        assert_state(
            sbx.complete_action(&plain.id, true).await,
            PaymentStatus::Succeeded,
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn manual_capture_takes_all_or_part_once() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;

        // Full capture.
        let p = sbx
            .create_payment(&request("full", "pm_card_visa", 50_000, Capture::Manual))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Authorized);
        assert_eq!(p.amount_captured, eur(0));
        assert_eq!(p.amount_capturable(), eur(50_000));
        assert_state(
            sbx.refund(&refund(&p, None, "full-refund-early")).await,
            PaymentStatus::Authorized,
        );
        let c = sbx.capture(&p.id, None, "full-capture").await.unwrap();
        assert_eq!(c.status, PaymentStatus::Succeeded);
        assert_eq!(c.amount_captured, eur(50_000));
        // A retry with the same key answers the capture; another capture is refused.
        assert_eq!(sbx.capture(&p.id, None, "full-capture").await.unwrap(), c);
        assert_state(
            sbx.capture(&p.id, None, "full-capture-again").await,
            PaymentStatus::Succeeded,
        );
        assert_eq!(
            sbx.capture(&p.id, Some(eur(10)), "full-capture").await,
            Err(PaymentError::IdempotencyKeyReused)
        );

        // Partial capture: the rest is released and only the captured part can be refunded.
        let p = sbx
            .create_payment(&request(
                "part",
                "pm_card_mastercard",
                50_000,
                Capture::Manual,
            ))
            .await
            .unwrap();
        assert_invalid(sbx.capture(&p.id, Some(eur(50_001)), "part-too-much").await);
        assert_invalid(sbx.capture(&p.id, Some(eur(0)), "part-zero").await);
        assert_invalid(
            sbx.capture(
                &p.id,
                Some(Money::from_minor(100, Currency::USD)),
                "part-usd",
            )
            .await,
        );
        assert_invalid(sbx.capture(&p.id, None, "").await);
        let c = sbx
            .capture(&p.id, Some(eur(30_000)), "part-capture")
            .await
            .unwrap();
        assert_eq!(c.status, PaymentStatus::Succeeded);
        assert_eq!(c.amount, eur(50_000));
        assert_eq!(c.amount_captured, eur(30_000));
        assert_eq!(c.amount_refundable(), eur(30_000));
        assert_invalid(sbx.refund(&refund(&p, Some(30_001), "part-r1")).await);
        let r = sbx.refund(&refund(&p, None, "part-r2")).await.unwrap();
        assert_eq!(r.amount, eur(30_000));

        // A payment that was charged at once cannot be captured.
        let auto = sbx
            .create_payment(&request("auto", "pm_card_visa", 1_000, Capture::Automatic))
            .await
            .unwrap();
        assert_state(
            sbx.capture(&auto.id, None, "auto-capture").await,
            PaymentStatus::Succeeded,
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn void_releases_an_authorisation_but_not_a_capture() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        let p = sbx
            .create_payment(&request("void", "pm_card_amex", 42_000, Capture::Manual))
            .await
            .unwrap();
        let v = sbx.void(&p.id, "void-1").await.unwrap();
        assert_eq!(v.status, PaymentStatus::Canceled);
        assert_eq!(v.amount_captured, eur(0));
        assert_eq!(v.amount_capturable(), eur(0));
        assert_eq!(sbx.void(&p.id, "void-1").await.unwrap(), v);
        assert_state(sbx.void(&p.id, "void-2").await, PaymentStatus::Canceled);
        assert_state(
            sbx.capture(&p.id, None, "void-capture").await,
            PaymentStatus::Canceled,
        );
        assert_state(
            sbx.refund(&refund(&p, None, "void-refund")).await,
            PaymentStatus::Canceled,
        );

        // Captured: a void is refused, a refund is the way back.
        let p = sbx
            .create_payment(&request(
                "captured",
                "pm_card_visa",
                42_000,
                Capture::Manual,
            ))
            .await
            .unwrap();
        sbx.capture(&p.id, None, "captured-capture").await.unwrap();
        assert_state(
            sbx.void(&p.id, "captured-void").await,
            PaymentStatus::Succeeded,
        );
        let auto = sbx
            .create_payment(&request("auto", "pm_card_visa", 42_000, Capture::Automatic))
            .await
            .unwrap();
        assert_state(
            sbx.void(&auto.id, "auto-void").await,
            PaymentStatus::Succeeded,
        );

        // A payment waiting for 3-D Secure can be abandoned.
        let p = sbx
            .create_payment(&request(
                "3ds",
                "pm_card_threeDSecure2Required",
                42_000,
                Capture::Automatic,
            ))
            .await
            .unwrap();
        let v = sbx.void(&p.id, "3ds-void").await.unwrap();
        assert_eq!(v.status, PaymentStatus::Canceled);
        assert_eq!(v.next_action_url, None);
        assert_state(
            sbx.complete_action(&p.id, true).await,
            PaymentStatus::Canceled,
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn refunds_partial_full_and_never_beyond_captured() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = sandbox(&db, &clock).await;
        let p = sbx
            .create_payment(&request("r", "pm_card_visa", 10_000, Capture::Automatic))
            .await
            .unwrap();

        let r1 = sbx.refund(&refund(&p, Some(3_000), "r-1")).await.unwrap();
        assert!(r1.id.starts_with("re_sbx_"));
        assert_eq!(r1.id.len(), "re_sbx_".len() + 24);
        assert_eq!(r1.payment_id, p.id);
        assert_eq!(r1.amount, eur(3_000));
        assert_eq!(r1.status, RefundStatus::Succeeded);
        assert_eq!(r1.reason, "requested_by_customer");
        assert_eq!(sbx.get_refund(&r1.id).await.unwrap(), r1);
        // Retried: the same refund, nothing more refunded.
        assert_eq!(
            sbx.refund(&refund(&p, Some(3_000), "r-1")).await.unwrap(),
            r1
        );
        assert_eq!(
            sbx.refund(&refund(&p, Some(2_000), "r-1")).await,
            Err(PaymentError::IdempotencyKeyReused)
        );

        clock.advance(Duration::hours(2));
        let r2 = sbx.refund(&refund(&p, Some(5_000), "r-2")).await.unwrap();
        assert_eq!(r2.created_at, clock.now());
        let now = sbx.get_payment(&p.id).await.unwrap();
        assert_eq!(now.status, PaymentStatus::Succeeded);
        assert_eq!(now.amount_refunded, eur(8_000));
        assert_eq!(now.amount_refundable(), eur(2_000));

        // Over-refunds and bad amounts are refused and keep nothing.
        assert_invalid(sbx.refund(&refund(&p, Some(2_001), "r-over")).await);
        assert_invalid(sbx.refund(&refund(&p, Some(0), "r-zero")).await);
        assert_invalid(sbx.refund(&refund(&p, Some(-1), "r-negative")).await);
        let mut usd = refund(&p, None, "r-usd");
        usd.amount = Some(Money::from_minor(100, Currency::USD));
        assert_invalid(sbx.refund(&usd).await);
        assert_invalid(sbx.refund(&refund(&p, Some(100), "")).await);
        assert_eq!(
            sbx.get_payment(&p.id).await.unwrap().amount_refunded,
            eur(8_000)
        );

        // The key of a refused request is still free.
        clock.advance(Duration::hours(2));
        let r3 = sbx.refund(&refund(&p, None, "r-over")).await.unwrap();
        assert_eq!(r3.amount, eur(2_000));
        let done = sbx.get_payment(&p.id).await.unwrap();
        assert_eq!(done.amount_refunded, eur(10_000));
        assert_eq!(done.status, PaymentStatus::Succeeded);
        assert_invalid(sbx.refund(&refund(&p, None, "r-4")).await);
        assert_invalid(sbx.refund(&refund(&p, Some(1), "r-5")).await);

        let all = sbx.refunds_of(&p.id).await.unwrap();
        assert_eq!(
            all.iter().map(|r| r.id.as_str()).collect::<Vec<_>>(),
            vec![r1.id.as_str(), r2.id.as_str(), r3.id.as_str()]
        );
        db.drop_schema().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_refunds_never_exceed_the_captured_amount() {
    for db in databases() {
        let sbx = Arc::new(sandbox(&db, &TestClock::new()).await);
        let p = sbx
            .create_payment(&request(
                "many",
                "pm_card_visa",
                100_000,
                Capture::Automatic,
            ))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..50)
            .map(|i| {
                let sbx = sbx.clone();
                let id = p.id.clone();
                tokio::spawn(async move {
                    sbx.refund(&RefundRequest {
                        payment_id: id,
                        amount: Some(eur(10_000)),
                        reason: "requested_by_customer".into(),
                        idempotency_key: format!("many-{i}"),
                    })
                    .await
                })
            })
            .collect();
        let mut ok = 0;
        for result in futures::future::join_all(tasks).await {
            match result.unwrap() {
                Ok(r) => {
                    assert_eq!(r.amount, eur(10_000));
                    ok += 1;
                }
                Err(PaymentError::InvalidRequest(_)) => {}
                Err(e) => panic!("{}: unexpected {e:?}", db.label),
            }
        }
        assert_eq!(ok, 10, "{}", db.label);
        let after = sbx.get_payment(&p.id).await.unwrap();
        assert_eq!(after.amount_refunded, eur(100_000));
        let refunds = sbx.refunds_of(&p.id).await.unwrap();
        assert_eq!(refunds.len(), 10);
        assert_eq!(
            refunds.iter().map(|r| r.amount.minor()).sum::<i64>(),
            100_000
        );
        db.drop_schema().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_full_refunds_refund_once() {
    for db in databases() {
        let sbx = Arc::new(sandbox(&db, &TestClock::new()).await);
        let p = sbx
            .create_payment(&request("whole", "pm_card_visa", 7_777, Capture::Automatic))
            .await
            .unwrap();
        let tasks: Vec<_> = (0..10)
            .map(|i| {
                let sbx = sbx.clone();
                let req = refund(&p, None, &format!("whole-{i}"));
                tokio::spawn(async move { sbx.refund(&req).await })
            })
            .collect();
        let results = futures::future::join_all(tasks).await;
        let ok: Vec<_> = results
            .into_iter()
            .filter_map(|r| r.unwrap().ok())
            .collect();
        assert_eq!(ok.len(), 1, "{}", db.label);
        assert_eq!(ok[0].amount, eur(7_777));
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn idempotent_creation_replays_or_refuses() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        let req = request("idem", "pm_card_visa", 15_000, Capture::Automatic);
        let first = sbx.create_payment(&req).await.unwrap();
        let again = sbx.create_payment(&req).await.unwrap();
        assert_eq!(again, first);
        assert_eq!(
            sbx.payments_for_reference("WF-idem").await.unwrap().len(),
            1
        );

        let mut other_amount = req.clone();
        other_amount.amount = eur(15_001);
        assert_eq!(
            sbx.create_payment(&other_amount).await,
            Err(PaymentError::IdempotencyKeyReused)
        );
        let mut other_method = req.clone();
        other_method.payment_method = "pm_card_amex".into();
        assert_eq!(
            sbx.create_payment(&other_method).await,
            Err(PaymentError::IdempotencyKeyReused)
        );

        // A declined attempt is replayed as declined: a new attempt needs a new key.
        let declined = request(
            "idem-declined",
            "pm_card_chargeDeclined",
            15_000,
            Capture::Automatic,
        );
        let d1 = sbx.create_payment(&declined).await.unwrap();
        assert_eq!(sbx.create_payment(&declined).await.unwrap(), d1);

        // A replay answers the payment as it is now.
        let three_ds = request(
            "idem-3ds",
            "pm_card_authenticationRequired",
            15_000,
            Capture::Automatic,
        );
        let t = sbx.create_payment(&three_ds).await.unwrap();
        let approved = sbx.complete_action(&t.id, true).await.unwrap();
        assert_eq!(sbx.create_payment(&three_ds).await.unwrap(), approved);
        db.drop_schema().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_with_one_key_make_one_payment() {
    for db in databases() {
        let sbx = Arc::new(sandbox(&db, &TestClock::new()).await);
        let req = request("race", "pm_card_visa", 2_500, Capture::Automatic);
        let tasks: Vec<_> = (0..8)
            .map(|_| {
                let sbx = sbx.clone();
                let req = req.clone();
                tokio::spawn(async move { sbx.create_payment(&req).await })
            })
            .collect();
        let ids: Vec<String> = futures::future::join_all(tasks)
            .await
            .into_iter()
            .map(|r| r.unwrap().unwrap().id)
            .collect();
        assert!(ids.iter().all(|id| *id == ids[0]), "{ids:?}");
        assert_eq!(
            sbx.payments_for_reference("WF-race").await.unwrap().len(),
            1
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn invalid_requests_keep_nothing() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        assert_invalid(
            sbx.create_payment(&request(
                "bad",
                "pm_card_unknown",
                1_000,
                Capture::Automatic,
            ))
            .await,
        );
        assert_invalid(
            sbx.create_payment(&request("bad", "tok_visa", 1_000, Capture::Automatic))
                .await,
        );
        assert_invalid(
            sbx.create_payment(&request("bad", "pm_card_visa", 0, Capture::Automatic))
                .await,
        );
        assert_invalid(
            sbx.create_payment(&request("bad", "pm_card_visa", -100, Capture::Automatic))
                .await,
        );
        assert_invalid(
            sbx.create_payment(&request(
                "bad",
                "pm_card_visa",
                MAX_AMOUNT_MINOR + 1,
                Capture::Automatic,
            ))
            .await,
        );
        assert_invalid(
            sbx.create_payment(&request("", "pm_card_visa", 1_000, Capture::Automatic))
                .await,
        );
        assert_invalid(
            sbx.create_payment(&request(
                &"k".repeat(256),
                "pm_card_visa",
                1_000,
                Capture::Automatic,
            ))
            .await,
        );
        assert!(
            sbx.payments_for_reference("WF-bad")
                .await
                .unwrap()
                .is_empty()
        );
        // The key is still free.
        let p = sbx
            .create_payment(&request("bad", "pm_card_visa", 1_000, Capture::Automatic))
            .await
            .unwrap();
        assert_eq!(p.status, PaymentStatus::Succeeded);
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn unknown_ids_are_not_found() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        let missing = "pi_sbx_000000000000000000000000";
        let nf = |r: Result<Payment, PaymentError>| {
            assert_eq!(r, Err(PaymentError::NotFound(missing.into())));
        };
        nf(sbx.get_payment(missing).await);
        nf(sbx.complete_action(missing, true).await);
        nf(sbx.capture(missing, None, "nf-capture").await);
        nf(sbx.void(missing, "nf-void").await);
        assert_eq!(
            sbx.refund(&RefundRequest {
                payment_id: missing.into(),
                amount: None,
                reason: "duplicate".into(),
                idempotency_key: "nf-refund".into(),
            })
            .await,
            Err(PaymentError::NotFound(missing.into()))
        );
        assert_eq!(
            sbx.get_refund("re_sbx_nope").await,
            Err(PaymentError::NotFound("re_sbx_nope".into()))
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn outages_and_lost_answers_can_be_simulated() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        let down = request(
            "down",
            "pm_card_sandboxUnavailable",
            3_000,
            Capture::Automatic,
        );
        for _ in 0..2 {
            assert!(matches!(
                sbx.create_payment(&down).await,
                Err(PaymentError::Unavailable(_))
            ));
        }
        assert!(
            sbx.payments_for_reference("WF-down")
                .await
                .unwrap()
                .is_empty()
        );
        // Nothing was kept: the key is free once the provider is back.
        let mut back = down.clone();
        back.payment_method = "pm_card_visa".into();
        assert_eq!(
            sbx.create_payment(&back).await.unwrap().status,
            PaymentStatus::Succeeded
        );

        // The answer is lost, the payment is made; a retry with the key finds it.
        let slow = request("slow", "pm_card_sandboxTimeout", 3_000, Capture::Automatic);
        assert_eq!(sbx.create_payment(&slow).await, Err(PaymentError::Timeout));
        let found = sbx.create_payment(&slow).await.unwrap();
        assert_eq!(found.status, PaymentStatus::Succeeded);
        assert_eq!(found.amount_captured, eur(3_000));
        assert_eq!(
            sbx.payments_for_reference("WF-slow").await.unwrap(),
            vec![found]
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn payments_survive_a_reconnect() {
    for db in databases() {
        let clock = TestClock::new();
        let first = sandbox(&db, &clock).await;
        let charged = first
            .create_payment(&request("keep", "pm_card_visa", 80_000, Capture::Automatic))
            .await
            .unwrap();
        let held = first
            .create_payment(&request("hold", "pm_card_visa", 60_000, Capture::Manual))
            .await
            .unwrap();
        let waiting = first
            .create_payment(&request(
                "wait",
                "pm_card_authenticationRequired",
                10_000,
                Capture::Automatic,
            ))
            .await
            .unwrap();
        drop(first);

        // A week later, on a new connection.
        clock.advance(Duration::days(7));
        let second = sandbox(&db, &clock).await;
        assert_eq!(second.get_payment(&charged.id).await.unwrap(), charged);
        let r = second
            .refund(&refund(&charged, Some(25_000), "keep-refund"))
            .await
            .unwrap();
        assert_eq!(r.amount, eur(25_000));
        assert_eq!(r.created_at, clock.now());
        let captured = second
            .capture(&held.id, Some(eur(45_000)), "hold-capture")
            .await
            .unwrap();
        assert_eq!(captured.amount_captured, eur(45_000));
        assert_eq!(
            second
                .complete_action(&waiting.id, true)
                .await
                .unwrap()
                .status,
            PaymentStatus::Succeeded
        );
        // Replays still answer after the restart.
        assert_eq!(
            second
                .create_payment(&request("keep", "pm_card_visa", 80_000, Capture::Automatic))
                .await
                .unwrap()
                .id,
            charged.id
        );
        assert_eq!(
            second
                .refund(&refund(&charged, Some(25_000), "keep-refund"))
                .await
                .unwrap(),
            r
        );
        assert_eq!(
            second
                .get_payment(&charged.id)
                .await
                .unwrap()
                .amount_refunded,
            eur(25_000)
        );
        db.drop_schema().await;
    }
}

#[test]
fn test_methods_are_documented() {
    for (name, what) in TEST_METHODS {
        assert!(name.starts_with("pm_card_"), "{name}");
        assert!(!what.is_empty(), "{name}");
    }
    for required in [
        "pm_card_visa",
        "pm_card_mastercard",
        "pm_card_amex",
        "pm_card_visa_debit",
        "pm_card_chargeDeclined",
        "pm_card_chargeDeclinedInsufficientFunds",
        "pm_card_chargeDeclinedLostCard",
        "pm_card_chargeDeclinedStolenCard",
        "pm_card_chargeDeclinedExpiredCard",
        "pm_card_chargeDeclinedIncorrectCvc",
        "pm_card_chargeDeclinedProcessingError",
        "pm_card_authenticationRequired",
        "pm_card_threeDSecure2Required",
        "pm_card_sandboxUnavailable",
        "pm_card_sandboxTimeout",
        "pm_card_sandboxLateWebhook",
    ] {
        assert!(
            TEST_METHODS.iter().any(|(n, _)| *n == required),
            "{required} is missing"
        );
    }
}

const WEBHOOK_SECRET: &[u8] = b"sandbox-webhook-secret";
const WEBHOOK_DELAY: std::time::Duration = std::time::Duration::from_secs(60);
const LEASE: std::time::Duration = std::time::Duration::from_secs(30);

async fn notifying_sandbox(db: &TestDb, clock: &TestClock) -> SandboxProvider {
    SandboxProvider::with_webhooks(
        db.store().await,
        clock.clock(),
        SandboxWebhooks {
            secret: WEBHOOK_SECRET.to_vec(),
            delay: WEBHOOK_DELAY,
        },
    )
}

/// What our endpoint would make of a notification received now.
async fn receive(
    sbx: &SandboxProvider,
    body: &[u8],
    signature: Option<&str>,
    received_at: DateTime<Utc>,
) -> Result<WebhookEvent, WebhookError> {
    let headers: Vec<(String, String)> = signature
        .map(|s| (SIGNATURE_HEADER.to_ascii_lowercase(), s.to_owned()))
        .into_iter()
        .collect();
    sbx.parse_webhook(&WebhookRequest {
        headers: &headers,
        body,
        received_at,
    })
    .await
}

async fn received(sbx: &SandboxProvider, w: &SandboxWebhook, at: DateTime<Utc>) -> WebhookEvent {
    receive(sbx, w.body.as_bytes(), Some(&w.signature), at)
        .await
        .unwrap()
}

fn payment_subject(status: PaymentStatus, p: &Payment, captured: i64) -> WebhookSubject {
    WebhookSubject::Payment {
        payment_id: p.id.clone(),
        status,
        amount: Some(p.amount),
        amount_captured: Some(eur(captured)),
    }
}

#[tokio::test]
async fn late_webhooks_settle_the_payment_when_sent() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = notifying_sandbox(&db, &clock).await;
        let store = db.store().await;
        for (capture, settled, kind, captured) in [
            (
                Capture::Manual,
                PaymentStatus::Authorized,
                "payment_intent.amount_capturable_updated",
                0,
            ),
            (
                Capture::Automatic,
                PaymentStatus::Succeeded,
                "payment_intent.succeeded",
                25_000,
            ),
        ] {
            let key = format!("late-{}", capture.as_str());
            let p = sbx
                .create_payment(&request(
                    &key,
                    "pm_card_sandboxLateWebhook",
                    25_000,
                    capture,
                ))
                .await
                .unwrap();
            assert_eq!(p.status, PaymentStatus::Processing);
            assert_eq!(p.amount_captured, eur(0));
            assert_eq!(sbx.get_payment(&p.id).await.unwrap(), p);
            // A retry with the key answers the same payment and queues nothing more.
            assert_eq!(
                sbx.create_payment(&request(
                    &key,
                    "pm_card_sandboxLateWebhook",
                    25_000,
                    capture
                ))
                .await
                .unwrap(),
                p
            );
            assert_eq!(store.sandbox_webhooks_of(&p.id).await.unwrap().len(), 1);

            // Not before the delay.
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            clock.advance(Duration::seconds(59));
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            assert_eq!(
                sbx.get_payment(&p.id).await.unwrap().status,
                PaymentStatus::Processing
            );
            clock.advance(Duration::seconds(1));
            let sent = sbx.claim_due_webhooks(10, LEASE).await.unwrap();
            assert_eq!(sent.len(), 1);
            let w = &sent[0];
            assert!(w.id.starts_with("evt_sbx_"));
            let event = received(&sbx, w, clock.now()).await;
            assert_eq!(event.provider, NAME);
            assert_eq!(event.event_id, w.id);
            assert_eq!(event.event_type, kind);
            assert_eq!(event.occurred_at, Some(clock.now()));
            assert_eq!(event.subject, payment_subject(settled, &p, captured));
            let body: serde_json::Value = serde_json::from_str(&w.body).unwrap();
            assert_eq!(body["data"]["object"]["currency"], "eur");
            assert_eq!(body["data"]["object"]["reference"], format!("WF-{key}"));
            let now = sbx.get_payment(&p.id).await.unwrap();
            assert_eq!(now.status, settled);
            assert_eq!(now.amount_captured, eur(captured));

            // Leased: not handed out again until the lease runs out.
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            clock.advance(Duration::seconds(30));
            let again = sbx.claim_due_webhooks(10, LEASE).await.unwrap();
            assert_eq!(again.len(), 1);
            assert_eq!((&again[0].id, &again[0].body), (&w.id, &w.body));

            // A failed delivery is due again after the retry delay.
            sbx.webhook_failed(&w.id, "HTTP 503", std::time::Duration::from_secs(120))
                .await
                .unwrap();
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            clock.advance(Duration::seconds(119));
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            clock.advance(Duration::seconds(1));
            let retried = sbx.claim_due_webhooks(10, LEASE).await.unwrap();
            assert_eq!(retried.len(), 1);
            assert_eq!(retried[0].body, w.body);
            assert_eq!(
                received(&sbx, &retried[0], clock.now()).await.subject,
                payment_subject(settled, &p, captured)
            );
            let row = store.sandbox_webhook(&w.id).await.unwrap().unwrap();
            assert_eq!(row.attempts, 3);
            assert_eq!(row.last_error.as_deref(), Some("HTTP 503"));

            // Delivered: never again.
            sbx.webhook_delivered(&w.id).await.unwrap();
            clock.advance(Duration::days(1));
            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            let row = store.sandbox_webhook(&w.id).await.unwrap().unwrap();
            assert!(row.delivered_at.is_some());
            assert_eq!(row.lease_until, None);
        }
        assert_eq!(
            sbx.webhook_delivered("evt_sbx_nope").await,
            Err(PaymentError::NotFound("evt_sbx_nope".into()))
        );
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn lost_answers_are_still_notified() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = notifying_sandbox(&db, &clock).await;
        let store = db.store().await;
        for (capture, status, kind, captured) in [
            (
                Capture::Manual,
                PaymentStatus::Authorized,
                "payment_intent.amount_capturable_updated",
                0,
            ),
            (
                Capture::Automatic,
                PaymentStatus::Succeeded,
                "payment_intent.succeeded",
                7_000,
            ),
        ] {
            let key = format!("slow-{}", capture.as_str());
            let slow = request(&key, "pm_card_sandboxTimeout", 7_000, capture);
            assert_eq!(sbx.create_payment(&slow).await, Err(PaymentError::Timeout));
            let p = sbx.create_payment(&slow).await.unwrap();
            assert_eq!(p.status, status);
            let queued = store.sandbox_webhooks_of(&p.id).await.unwrap();
            assert_eq!(queued.len(), 1, "one notification, not one per retry");
            assert_eq!(queued[0].event_type, kind);

            assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
            clock.advance(Duration::seconds(60));
            let sent = sbx.claim_due_webhooks(10, LEASE).await.unwrap();
            assert_eq!(sent.len(), 1);
            assert_eq!(sent[0].id, queued[0].id);
            let event = received(&sbx, &sent[0], clock.now()).await;
            assert_eq!(event.event_type, kind);
            assert_eq!(event.subject, payment_subject(status, &p, captured));
            sbx.webhook_delivered(&sent[0].id).await.unwrap();
        }
        // Other methods notify nothing.
        let visa = sbx
            .create_payment(&request("visa", "pm_card_visa", 1_000, Capture::Automatic))
            .await
            .unwrap();
        assert!(
            store
                .sandbox_webhooks_of(&visa.id)
                .await
                .unwrap()
                .is_empty()
        );
        clock.advance(Duration::days(1));
        assert!(sbx.claim_due_webhooks(10, LEASE).await.unwrap().is_empty());
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn notifications_are_signed() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = notifying_sandbox(&db, &clock).await;
        let debug = format!("{sbx:?}");
        assert!(!debug.contains("sandbox-webhook-secret"), "{debug}");
        assert!(
            !debug.contains(&format!("{:?}", WEBHOOK_SECRET.to_vec())),
            "{debug}"
        );

        let p = sbx
            .create_payment(&request(
                "signed",
                "pm_card_sandboxLateWebhook",
                4_200,
                Capture::Automatic,
            ))
            .await
            .unwrap();
        clock.advance(Duration::seconds(60));
        let w = sbx.claim_due_webhooks(1, LEASE).await.unwrap().remove(0);
        let now = clock.now();
        let body = w.body.as_bytes();
        assert_eq!(
            w.signature,
            sign_webhook(WEBHOOK_SECRET, body, now.timestamp())
        );
        assert_eq!(
            receive(&sbx, body, Some(&w.signature), now)
                .await
                .unwrap()
                .subject,
            payment_subject(PaymentStatus::Succeeded, &p, 4_200)
        );

        let tampered = w.body.replace("\"amount\":4200", "\"amount\":1");
        assert_ne!(tampered, w.body);
        assert_eq!(
            receive(&sbx, tampered.as_bytes(), Some(&w.signature), now).await,
            Err(WebhookError::BadSignature)
        );
        let wrong_key = sign_webhook(b"another secret", body, now.timestamp());
        assert_eq!(
            receive(&sbx, body, Some(&wrong_key), now).await,
            Err(WebhookError::BadSignature)
        );
        assert_eq!(
            receive(&sbx, body, None, now).await,
            Err(WebhookError::MissingSignature)
        );
        assert_eq!(
            receive(&sbx, body, Some("t=1,v1=zz"), now).await,
            Err(WebhookError::BadSignature)
        );
        // Signed 301 s before it arrived: a replay.
        let old = sign_webhook(WEBHOOK_SECRET, body, now.timestamp() - 301);
        assert_eq!(
            receive(&sbx, body, Some(&old), now).await,
            Err(WebhookError::Stale)
        );
        assert!(
            receive(&sbx, body, Some(&w.signature), now + Duration::seconds(300))
                .await
                .is_ok()
        );
        // Several v1 (a key being rotated): one matching is enough.
        let t = now.timestamp();
        let v1 = w.signature.split_once(",v1=").unwrap().1;
        let rotated = format!("t={t},v1={},v1={v1},v0=00", "ab".repeat(32));
        assert!(receive(&sbx, body, Some(&rotated), now).await.is_ok());
        // A valid signature over something unreadable.
        let junk = br#"{"id":"evt_sbx_x","type":"payment_intent.succeeded"}"#;
        let signed_junk = sign_webhook(WEBHOOK_SECRET, junk, t);
        assert!(matches!(
            receive(&sbx, junk, Some(&signed_junk), now).await,
            Err(WebhookError::Malformed(_))
        ));

        // A sandbox without notifications takes none and queues none.
        let quiet = sandbox(&db, &clock).await;
        assert_eq!(
            receive(&quiet, body, Some(&w.signature), now).await,
            Err(WebhookError::Unsupported)
        );
        let late = quiet
            .create_payment(&request(
                "quiet",
                "pm_card_sandboxLateWebhook",
                4_200,
                Capture::Automatic,
            ))
            .await
            .unwrap();
        assert_eq!(late.status, PaymentStatus::Processing);
        clock.advance(Duration::days(1));
        assert!(
            quiet
                .claim_due_webhooks(10, LEASE)
                .await
                .unwrap()
                .is_empty()
        );
        assert!(
            db.store()
                .await
                .sandbox_webhooks_of(&late.id)
                .await
                .unwrap()
                .is_empty()
        );
        db.drop_schema().await;
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_claimers_never_send_one_event_twice() {
    for db in databases() {
        let clock = TestClock::new();
        let sbx = notifying_sandbox(&db, &clock).await;
        let mut payments = Vec::new();
        for i in 0..20 {
            let capture = if i % 2 == 0 {
                Capture::Manual
            } else {
                Capture::Automatic
            };
            let method = if i % 4 < 2 {
                "pm_card_sandboxLateWebhook"
            } else {
                "pm_card_sandboxTimeout"
            };
            match sbx
                .create_payment(&request(&format!("many-{i}"), method, 1_000 + i, capture))
                .await
            {
                Ok(p) => payments.push(p.id),
                Err(PaymentError::Timeout) => {}
                Err(e) => panic!("{e}"),
            }
        }
        clock.advance(Duration::seconds(60));
        let claimers: Vec<_> = (0..8)
            .map(|_| {
                let sbx = sbx.clone();
                tokio::spawn(async move {
                    let mut mine = Vec::new();
                    loop {
                        let batch = sbx.claim_due_webhooks(3, LEASE).await.unwrap();
                        if batch.is_empty() {
                            return mine;
                        }
                        for w in batch {
                            sbx.webhook_delivered(&w.id).await.unwrap();
                            mine.push(w.id);
                        }
                    }
                })
            })
            .collect();
        let mut sent = Vec::new();
        for claimer in claimers {
            sent.extend(claimer.await.unwrap());
        }
        let mut unique = sent.clone();
        unique.sort_unstable();
        unique.dedup();
        assert_eq!(unique.len(), sent.len(), "an event was sent twice");
        assert_eq!(sent.len(), 20, "every event is sent");
        clock.advance(Duration::days(1));
        assert!(sbx.claim_due_webhooks(100, LEASE).await.unwrap().is_empty());
        // Every late payment settled.
        for id in payments {
            assert_ne!(
                sbx.get_payment(&id).await.unwrap().status,
                PaymentStatus::Processing
            );
        }
        db.drop_schema().await;
    }
}

#[tokio::test]
async fn a_card_plan_is_authorised_in_3_6_or_12_and_keyed_with_its_count() {
    for db in databases() {
        let sbx = sandbox(&db, &TestClock::new()).await;
        let mut req = request("plan", "pm_card_visa", 61_800, Capture::Manual);
        req.instalments = Some(6);
        let p = sbx.create_payment(&req).await.unwrap();
        assert_eq!(p.status, PaymentStatus::Authorized, "{}", db.label);
        assert_eq!(p.amount, eur(61_800));
        assert_eq!(sbx.create_payment(&req).await.unwrap(), p);
        // The same attempt in another plan (or as a one-off) is another request.
        let mut other = req.clone();
        other.instalments = Some(3);
        assert_eq!(
            sbx.create_payment(&other).await,
            Err(PaymentError::IdempotencyKeyReused)
        );
        other.instalments = None;
        assert_eq!(
            sbx.create_payment(&other).await,
            Err(PaymentError::IdempotencyKeyReused)
        );
        let mut odd = request("plan-4", "pm_card_visa", 61_800, Capture::Manual);
        odd.instalments = Some(4);
        assert!(matches!(
            sbx.create_payment(&odd).await,
            Err(PaymentError::InvalidRequest(m)) if m.contains("3, 6 or 12")
        ));
        assert!(
            sbx.payments_for_reference("WF-plan-4")
                .await
                .unwrap()
                .is_empty()
        );
        db.drop_schema().await;
    }
}
