//! The transactional outbox and its worker against the real database (SQLite, or PostgreSQL
//! when configured): an event exists exactly when the change that caused it committed, once
//! per key; concurrent workers take each event once; a failing event backs off, dies after its
//! last attempt and comes back when an admin retries it; a retried event does not send a
//! message twice; a lease that runs out lets another worker finish the event.

use std::collections::HashMap;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration as StdDuration;

use chrono::{DateTime, Duration, TimeZone, Utc};
use serde_json::json;
use wayfare_notify::outbox::{
    Deliveries, EventHandler, HandleError, OutboxEvent, OutboxWorker, RetryPolicy,
};
use wayfare_store::Store;
use wayfare_store::outbox::{EventFilter, EventStatus, NewEvent, enqueue_event};
use wayfare_store::sea_orm::TransactionTrait;

use crate::account_store::fresh_store;

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
}

/// A clock the test moves.
#[derive(Clone)]
struct TestClock(Arc<Mutex<DateTime<Utc>>>);

impl TestClock {
    fn new() -> TestClock {
        TestClock(Arc::new(Mutex::new(t0())))
    }
    fn advance(&self, d: Duration) {
        *self.0.lock().unwrap() += d;
    }
    fn clock(&self) -> wayfare_domain::Clock {
        let c = self.0.clone();
        Arc::new(move || *c.lock().unwrap())
    }
}

fn event(kind: &str, key: Option<&str>) -> NewEvent {
    NewEvent {
        kind: kind.to_owned(),
        subject_id: Some("ord_1".into()),
        dedupe_key: key.map(str::to_owned),
        payload: json!({"order": "ord_1"}),
        available_at: t0(),
    }
}

/// Counts, per event, how often it was handled; fails while `failing` says so.
#[derive(Default)]
struct Counting {
    seen: Mutex<HashMap<String, usize>>,
    failing: AtomicUsize,
    permanent: bool,
}

#[async_trait::async_trait]
impl EventHandler for Counting {
    async fn handle(&self, e: &OutboxEvent, _: &Deliveries) -> Result<(), HandleError> {
        *self.seen.lock().unwrap().entry(e.id.clone()).or_default() += 1;
        if self.failing.load(Ordering::SeqCst) > 0 {
            self.failing.fetch_sub(1, Ordering::SeqCst);
            return Err(if self.permanent {
                HandleError::Permanent("the order is gone".into())
            } else {
                HandleError::Retry("the provider is down".into())
            });
        }
        Ok(())
    }
}

async fn status_of(store: &Store, id: &str) -> String {
    store.outbox_event(id).await.unwrap().unwrap().status
}

#[tokio::test]
async fn an_event_exists_exactly_when_its_change_committed_and_once_per_key() {
    let (store, _dir) = fresh_store().await;
    // Rolled back with its change: no event.
    let txn = store.db().begin().await.unwrap();
    assert!(
        enqueue_event(
            &txn,
            event("booking_confirmed", Some("confirmed:ord_1")),
            t0()
        )
        .await
        .unwrap()
    );
    txn.rollback().await.unwrap();
    let (none, total) = store
        .outbox_events(&EventFilter::default(), 10, 0)
        .await
        .unwrap();
    assert!(none.is_empty() && total == 0);
    // Committed: one event; the same key again records nothing, in a transaction or not.
    let txn = store.db().begin().await.unwrap();
    assert!(
        enqueue_event(
            &txn,
            event("booking_confirmed", Some("confirmed:ord_1")),
            t0()
        )
        .await
        .unwrap()
    );
    txn.commit().await.unwrap();
    assert!(
        !store
            .enqueue_event(event("booking_confirmed", Some("confirmed:ord_1")), t0())
            .await
            .unwrap()
    );
    // Events without a key are all kept.
    for _ in 0..2 {
        assert!(
            store
                .enqueue_event(event("reminder", None), t0())
                .await
                .unwrap()
        );
    }
    let (rows, total) = store
        .outbox_events(&EventFilter::default(), 10, 0)
        .await
        .unwrap();
    assert_eq!(total, 3);
    assert!(
        rows.iter()
            .all(|r| r.status == "pending" && r.attempts == 0)
    );
    let (confirmed, n) = store
        .outbox_events(
            &EventFilter {
                kind: Some("booking_confirmed".into()),
                subject_id: Some("ord_1".into()),
                ..EventFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!((n, confirmed.len()), (1, 1));
}

#[tokio::test]
async fn concurrent_workers_take_each_event_once() {
    let (store, _dir) = fresh_store().await;
    for i in 0..40 {
        let key = format!("k{i}");
        store
            .enqueue_event(event("booking_confirmed", Some(&key)), t0())
            .await
            .unwrap();
    }
    let clock = TestClock::new();
    let handler = Arc::new(Counting::default());
    let mut tasks = Vec::new();
    for w in 0..8 {
        let worker = OutboxWorker::new(store.clone(), format!("worker-{w}"), clock.clock())
            .handle("booking_confirmed", handler.clone());
        tasks.push(tokio::spawn(async move {
            let mut delivered = 0;
            loop {
                let r = worker.run_once().await.unwrap();
                delivered += r.delivered;
                if r.taken() == 0 {
                    return delivered;
                }
            }
        }));
    }
    let mut delivered = 0;
    for t in tasks {
        delivered += t.await.unwrap();
    }
    assert_eq!(delivered, 40);
    let seen = handler.seen.lock().unwrap().clone();
    assert_eq!(seen.len(), 40);
    assert!(seen.values().all(|&n| n == 1), "{seen:?}");
    let (rows, _) = store
        .outbox_events(
            &EventFilter {
                status: Some(EventStatus::Delivered),
                ..EventFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    assert_eq!(rows.len(), 40);
    assert!(
        rows.iter()
            .all(|r| r.attempts == 1 && r.delivered_at.is_some())
    );
}

#[tokio::test]
async fn a_failing_event_backs_off_dies_and_comes_back_when_an_admin_retries_it() {
    let (store, _dir) = fresh_store().await;
    store
        .enqueue_event(event("booking_confirmed", Some("c1")), t0())
        .await
        .unwrap();
    let clock = TestClock::new();
    let handler = Arc::new(Counting::default());
    handler.failing.store(100, Ordering::SeqCst);
    let policy = RetryPolicy {
        max_attempts: 3,
        base: StdDuration::from_secs(60),
        max: StdDuration::from_secs(600),
    };
    let worker = OutboxWorker::new(store.clone(), "w", clock.clock())
        .with_policy(policy)
        .handle("booking_confirmed", handler.clone());
    let r = worker.run_once().await.unwrap();
    assert_eq!((r.retried, r.delivered, r.dead), (1, 0, 0));
    let (rows, _) = store
        .outbox_events(&EventFilter::default(), 1, 0)
        .await
        .unwrap();
    let id = rows[0].id.clone();
    assert_eq!(rows[0].available_at, t0() + Duration::seconds(60));
    assert_eq!(rows[0].last_error.as_deref(), Some("the provider is down"));
    // Not before its time.
    clock.advance(Duration::seconds(59));
    assert_eq!(worker.run_once().await.unwrap().taken(), 0);
    clock.advance(Duration::seconds(1));
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    // The second wait is twice the first; the third attempt is the last.
    let row = store.outbox_event(&id).await.unwrap().unwrap();
    assert_eq!(row.available_at, t0() + Duration::seconds(60 + 120));
    clock.advance(Duration::seconds(120));
    assert_eq!(worker.run_once().await.unwrap().dead, 1);
    assert_eq!(status_of(&store, &id).await, "dead");
    clock.advance(Duration::hours(5));
    assert_eq!(
        worker.run_once().await.unwrap().taken(),
        0,
        "dead stays dead"
    );
    assert_eq!(handler.seen.lock().unwrap()[&id], 3);

    // The admin retries once the provider is back: delivered.
    handler.failing.store(0, Ordering::SeqCst);
    assert!(
        store
            .retry_outbox_event(&id, (clock.clock())())
            .await
            .unwrap()
    );
    assert!(
        !store
            .retry_outbox_event(&id, (clock.clock())())
            .await
            .unwrap(),
        "only a dead event is retried"
    );
    assert_eq!(worker.run_once().await.unwrap().delivered, 1);
    let row = store.outbox_event(&id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 1));

    // A permanent failure, or a kind nobody handles, is dead at once.
    store
        .enqueue_event(event("booking_confirmed", Some("c2")), (clock.clock())())
        .await
        .unwrap();
    store
        .enqueue_event(event("mystery", None), (clock.clock())())
        .await
        .unwrap();
    let permanent = Arc::new(Counting {
        permanent: true,
        ..Counting::default()
    });
    permanent.failing.store(1, Ordering::SeqCst);
    let worker = OutboxWorker::new(store.clone(), "w2", clock.clock())
        .with_policy(policy)
        .handle("booking_confirmed", permanent);
    let r = worker.run_once().await.unwrap();
    assert_eq!((r.dead, r.retried), (2, 0));
    let (dead, _) = store
        .outbox_events(
            &EventFilter {
                status: Some(EventStatus::Dead),
                ..EventFilter::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    assert_eq!(dead.len(), 2);
    assert!(
        dead.iter()
            .any(|d| d.last_error.as_deref() == Some("no handler for events of kind mystery"))
    );
}

/// Sends to two recipients through `Deliveries::once`; the second fails while `failing`.
#[derive(Default)]
struct TwoRecipients {
    sent: Mutex<Vec<String>>,
    failing: AtomicUsize,
}

#[async_trait::async_trait]
impl EventHandler for TwoRecipients {
    async fn handle(&self, _: &OutboxEvent, out: &Deliveries) -> Result<(), HandleError> {
        for to in ["email:mei@example.com", "sms:+8613800138000"] {
            out.once(to, || async {
                if to.starts_with("sms") && self.failing.load(Ordering::SeqCst) > 0 {
                    self.failing.fetch_sub(1, Ordering::SeqCst);
                    return Err(HandleError::Retry("SMS provider down".into()));
                }
                self.sent.lock().unwrap().push(to.to_owned());
                Ok(Some(format!("msg-{to}")))
            })
            .await?;
        }
        Ok(())
    }
}

#[tokio::test]
async fn a_retried_event_does_not_send_a_message_twice() {
    let (store, _dir) = fresh_store().await;
    store
        .enqueue_event(event("booking_confirmed", Some("c1")), t0())
        .await
        .unwrap();
    let clock = TestClock::new();
    let handler = Arc::new(TwoRecipients::default());
    handler.failing.store(1, Ordering::SeqCst);
    let worker = OutboxWorker::new(store.clone(), "w", clock.clock())
        .handle("booking_confirmed", handler.clone());
    assert_eq!(worker.run_once().await.unwrap().retried, 1);
    assert_eq!(*handler.sent.lock().unwrap(), vec!["email:mei@example.com"]);
    clock.advance(Duration::minutes(5));
    assert_eq!(worker.run_once().await.unwrap().delivered, 1);
    assert_eq!(
        *handler.sent.lock().unwrap(),
        vec!["email:mei@example.com", "sms:+8613800138000"],
        "the e-mail was not sent again"
    );
}

#[tokio::test]
async fn a_lease_that_runs_out_lets_another_worker_finish_the_event() {
    let (store, _dir) = fresh_store().await;
    store
        .enqueue_event(event("booking_confirmed", Some("c1")), t0())
        .await
        .unwrap();
    // Worker A takes the event for a minute and stalls.
    let taken = store
        .claim_outbox_events("a", t0(), t0() + Duration::minutes(1), 10)
        .await
        .unwrap();
    assert_eq!(taken.len(), 1);
    let id = taken[0].id.clone();
    let clock = TestClock::new();
    let handler = Arc::new(Counting::default());
    let b = OutboxWorker::new(store.clone(), "b", clock.clock())
        .handle("booking_confirmed", handler.clone());
    clock.advance(Duration::seconds(30));
    assert_eq!(b.run_once().await.unwrap().taken(), 0, "A's lease holds");
    clock.advance(Duration::seconds(31));
    assert_eq!(b.run_once().await.unwrap().delivered, 1);
    let row = store.outbox_event(&id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 2));
    // A wakes up: its word no longer counts.
    assert!(
        !store
            .outbox_event_delivered(&id, "a", t0() + Duration::minutes(2))
            .await
            .unwrap()
    );
    assert!(
        !store
            .outbox_event_failed(&id, "a", "late", None, t0() + Duration::minutes(2))
            .await
            .unwrap()
    );
    assert_eq!(status_of(&store, &id).await, "delivered");
}
