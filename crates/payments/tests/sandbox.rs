//! The sandbox provider against a real database: a fresh SQLite file per test, and also a fresh
//! PostgreSQL schema when WAYFARE_TEST_DATABASE_URL is a postgres:// URL.

use std::sync::Arc;
use std::sync::atomic::{AtomicI64, Ordering};

use chrono::{DateTime, Duration, TimeZone, Utc};
use rand::Rng;
use tempfile::TempDir;
use wayfare_domain::{Currency, Money};
use wayfare_payments::sandbox::{MAX_AMOUNT_MINOR, NAME, authenticate_path};
use wayfare_payments::{
    Capture, Clock, Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus,
    RefundRequest, RefundStatus, SandboxProvider, TEST_METHODS,
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
    ] {
        assert!(
            TEST_METHODS.iter().any(|(n, _)| *n == required),
            "{required} is missing"
        );
    }
}
