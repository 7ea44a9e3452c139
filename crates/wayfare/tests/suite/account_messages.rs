//! Account messages through the transactional outbox, over real HTTP: a code is an
//! `account_message` event written with the code, its secret sealed and removed once sent, and
//! still in the inbox when the request answers; a code asked for while the e-mail provider is
//! down gets the usual answer and arrives, once, when the provider is back; a dead message
//! comes back when an admin retries it; the password-reset link goes the same way; a restart
//! does not send a delivered code again. Also the outbox's deliver-now against the real
//! database: the request's claim and the workers' never hold one event together.

use std::sync::Arc;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use wayfare_notify::outbox::{Deliveries, EventHandler, HandleError, OutboxEvent, OutboxWorker};
use wayfare_store::outbox::{EventFilter, NewEvent, OutboxEventRow, event};
use wayfare_store::sea_orm::sea_query::Expr;
use wayfare_store::sea_orm::{ColumnTrait, EntityTrait, QueryFilter};
use wayfare_store::{Store, StoreOptions};
use wayfare_testkit::{
    TEST_PASSWORD, TestApp, code_in, extract_csrf, new_client, restart_app, spawn_app,
    spawn_app_with,
};
use wiremock::matchers::{method, path};
use wiremock::{Mock, MockServer, ResponseTemplate};

use crate::account_store::fresh_store;
use crate::accounts::post_json;

/// Registers `identifier` with the test password on `client`.
async fn register(app: &TestApp, client: &reqwest::Client, identifier: &str) -> (u16, Value) {
    let (status, body, _) = post_json(
        app,
        client,
        "/api/v1/auth/register",
        json!({"identifier": identifier, "password": TEST_PASSWORD}),
    )
    .await;
    (status, body)
}

/// The account messages recorded for `user_id`, newest first.
async fn account_events(store: &Store, user_id: &str) -> Vec<OutboxEventRow> {
    store
        .outbox_events(
            &EventFilter {
                kind: Some(wayfare_accounts::ACCOUNT_MESSAGE_EVENT.into()),
                subject_id: Some(user_id.into()),
                ..EventFilter::default()
            },
            50,
            0,
        )
        .await
        .unwrap()
        .0
}

async fn user_id(app: &TestApp, email: &str) -> String {
    app.state
        .store()
        .user_by_email(email)
        .await
        .unwrap()
        .expect("the account exists")
        .id
}

fn payload(e: &OutboxEventRow) -> Value {
    serde_json::from_str(&e.payload).unwrap()
}

/// Waits (up to 15 s) until the event is `status`; answers it.
async fn wait_for_status(store: &Store, id: &str, status: &str) -> OutboxEventRow {
    let mut row = None;
    for _ in 0..150 {
        row = store.outbox_event(id).await.unwrap();
        if row.as_ref().is_some_and(|r| r.status == status) {
            return row.unwrap();
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("event {id} never became {status}: {row:?}");
}

/// The messages the app's mailbox holds for `to`.
fn messages_to(app: &TestApp, to: &str) -> usize {
    app.state
        .accounts()
        .notifier()
        .local_outbox()
        .expect("a mailbox in tests")
        .messages()
        .iter()
        .filter(|m| m.to == to)
        .count()
}

/// A fake SendGrid, answering `status` to every send.
async fn sendgrid_answering(server: &MockServer, status: u16) {
    server.reset().await;
    Mock::given(method("POST"))
        .and(path("/v3/mail/send"))
        .respond_with(ResponseTemplate::new(status).insert_header("X-Message-Id", "sg-msg-1"))
        .mount(server)
        .await;
}

/// The app sending e-mail through `sendgrid`, retrying after a second, `max_attempts` times.
async fn app_with_sendgrid(sendgrid: &MockServer, max_attempts: u32) -> TestApp {
    let base = sendgrid.uri();
    spawn_app_with(move |c| {
        c.notifications.email.provider = wayfare::notify_connectors::EmailProvider::SendGrid;
        c.notifications.email.timeout_secs = 2;
        c.notifications.email.sendgrid = Some(wayfare::notify_connectors::SendGridSection {
            api_key: wayfare::config::Secret::new("SG.test-key"),
            api_base: base,
            event_webhook_public_key: None,
        });
        c.notifications.max_attempts = max_attempts;
        c.notifications.backoff_base_secs = 1;
        c.notifications.backoff_max_secs = 1;
        c.notifications.poll_millis = 100;
    })
    .await
}

/// Sends to SendGrid that carried `to`.
async fn sendgrid_requests_to(server: &MockServer, to: &str) -> usize {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .iter()
        .filter(|r| String::from_utf8_lossy(&r.body).contains(to))
        .count()
}

#[tokio::test]
async fn a_code_is_an_outbox_event_with_its_secret_sealed_and_removed_once_sent() {
    let app = spawn_app().await;
    let email = "li.na@example.com";
    let client = new_client();
    let (status, body) = register(&app, &client, email).await;
    assert_eq!(status, 202, "{body}");
    // Delivered by the request itself: in the inbox when the answer comes, no worker awaited.
    let message = app.last_message(email);
    let code = code_in(&message);
    assert!(
        message.contains("works for 10 minutes"),
        "the minutes it is valid: {message}"
    );
    let store = app.state.store();
    let uid = user_id(&app, email).await;
    let events = account_events(store, &uid).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let e = &events[0];
    assert_eq!((e.status.as_str(), e.attempts), ("delivered", 1), "{e:?}");
    assert!(
        !e.payload.contains(&code),
        "the code in clear: {}",
        e.payload
    );
    let p = payload(e);
    assert_eq!(p["template"], "verify_code");
    assert_eq!(
        (p["channel"].as_str(), p["to"].as_str()),
        (Some("email"), Some(email))
    );
    assert_eq!(p["secret"]["name"], "code");
    assert!(p["secret"]["sealed"].is_null(), "scrubbed once sent: {p}");
    assert!(
        store
            .outbox_delivery_done(&e.id, &format!("email:{email}"))
            .await
            .unwrap()
    );
    // The send log has it once, the code masked.
    let log = store.notifications_to(email, 10).await.unwrap();
    assert_eq!(log.len(), 1);
    assert_eq!((log[0].status.as_str(), log[0].attempts), ("sent", 1));
    assert!(!log[0].body.contains(&code));
    // And the code works.
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // A notice (someone registering the confirmed address again) is an account message too,
    // with no secret.
    let (status, _) = register(&app, &client, email).await;
    assert_eq!(status, 202, "the same answer for a confirmed address");
    let events = account_events(store, &uid).await;
    assert_eq!(events.len(), 2);
    let notice = payload(&events[0]);
    assert_eq!(notice["template"], "account_exists");
    assert!(notice["secret"].is_null(), "{notice}");
    assert_eq!(events[0].status, "delivered");
    assert_eq!(messages_to(&app, email), 2);
    app.stop().await;
}

#[tokio::test]
async fn a_code_asked_for_while_the_provider_is_down_arrives_once_when_it_is_back() {
    let sendgrid = MockServer::start().await;
    sendgrid_answering(&sendgrid, 503).await;
    let app = app_with_sendgrid(&sendgrid, 8).await;
    let email = "wang.fang@example.com";
    let client = new_client();
    // The answer is the usual one: the code is not lost, only late.
    let (status, body) = register(&app, &client, email).await;
    assert_eq!(status, 202, "{body}");
    assert_eq!(app.last_message(email), "", "not delivered yet");
    let store = app.state.store();
    let uid = user_id(&app, email).await;
    let events = account_events(store, &uid).await;
    assert_eq!(events.len(), 1);
    let id = events[0].id.clone();
    let pending = store.outbox_event(&id).await.unwrap().unwrap();
    assert_eq!(pending.status, "pending");
    assert!(pending.attempts >= 1);
    assert!(
        pending
            .last_error
            .as_deref()
            .unwrap_or("")
            .contains("sendgrid"),
        "{pending:?}"
    );
    // Kept sealed while it is still to be sent.
    let sealed = payload(&pending)["secret"]["sealed"]
        .as_str()
        .expect("sealed while unsent")
        .to_owned();
    assert!(sealed.starts_with("v1."), "{sealed}");

    sendgrid_answering(&sendgrid, 202).await;
    let message = app.wait_for_message(email, "").await;
    let code = code_in(&message);
    let delivered = wait_for_status(store, &id, "delivered").await;
    assert!(delivered.attempts >= 2, "{delivered:?}");
    assert!(!delivered.payload.contains(&code));
    assert!(payload(&delivered)["secret"]["sealed"].is_null());
    assert!(!sealed.contains(&code));
    // Exactly once: one accepted send, one message, one send-log row with every attempt.
    assert_eq!(sendgrid_requests_to(&sendgrid, email).await, 1);
    assert_eq!(messages_to(&app, email), 1);
    let log = store.notifications_to(email, 10).await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].status, "sent");
    assert_eq!(i64::from(log[0].attempts), i64::from(delivered.attempts));
    // Neither another worker pass nor another deliver-now sends it again.
    let worker = OutboxWorker::new(store.clone(), "late-worker", Arc::new(Utc::now)).handle(
        wayfare_accounts::ACCOUNT_MESSAGE_EVENT,
        app.state.accounts().message_handler(),
    );
    assert_eq!(worker.run_once().await.unwrap().taken(), 0);
    assert_eq!(worker.deliver_now(&id).await.unwrap(), None);
    assert_eq!(sendgrid_requests_to(&sendgrid, email).await, 1);
    // The late code works.
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn a_dead_account_message_is_sent_when_an_admin_retries_it() {
    let sendgrid = MockServer::start().await;
    sendgrid_answering(&sendgrid, 202).await;
    let app = app_with_sendgrid(&sendgrid, 2).await;
    let (admin, _) = crate::flight_changes::with_role(&app, "root@example.com", "admin").await;
    // The provider goes down; a traveller asks for a sign-in code.
    sendgrid_answering(&sendgrid, 503).await;
    let email = "zhao.lei@example.com";
    let (_, uid) = crate::flight_changes::signed_in(&app, email).await;
    let store = app.state.store();
    let before = account_events(store, &uid).await.len();
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/code",
        json!({"identifier": email}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let events = account_events(store, &uid).await;
    assert_eq!(events.len(), before + 1);
    assert_eq!(payload(&events[0])["template"], "login_code");
    let id = events[0].id.clone();
    // Two attempts (the request's and a worker's), then set aside.
    let dead = wait_for_status(store, &id, "dead").await;
    assert_eq!(dead.attempts, 2);
    assert!(dead.last_error.unwrap().contains("sendgrid"));
    // (Its registration code too, so nothing else is left to send to the address.)
    for e in account_events(store, &uid).await {
        wait_for_status(store, &e.id, "dead").await;
    }
    assert!(
        payload(&store.outbox_event(&id).await.unwrap().unwrap())["secret"]["sealed"].is_string(),
        "a dead message keeps its sealed code for a retry"
    );
    assert_eq!(app.last_message(email), "");

    // Fixed; the admin sends it again from the outbox page's API.
    sendgrid_answering(&sendgrid, 202).await;
    let page = admin
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let mut req = admin.post(app.url(&format!("/api/v1/admin/outbox/{id}/retry")));
    if let Some(t) = extract_csrf(&page) {
        req = req.header("x-csrf-token", t);
    }
    let res = req.send().await.unwrap();
    assert_eq!(res.status(), 200);
    let message = app.wait_for_message(email, "").await;
    let code = code_in(&message);
    wait_for_status(store, &id, "delivered").await;
    assert_eq!(sendgrid_requests_to(&sendgrid, email).await, 1);
    // The code signs in.
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/login",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

#[tokio::test]
async fn the_password_reset_link_goes_through_the_outbox() {
    let app = spawn_app().await;
    let email = "sun.mei@example.com";
    let (_, uid) = app.signed_in(email).await;
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset",
        json!({"identifier": email}),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (202, Some("reset_sent")));
    let mail = app.last_message(email);
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/password/reset/"))
        .expect("a link")
        .to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    // (In the account's language: "请在 30 分钟内打开" here.)
    assert!(mail.contains(" 30 "), "the minutes it is valid: {mail}");
    let store = app.state.store();
    let events = account_events(store, &uid).await;
    let reset = events
        .iter()
        .find(|e| payload(e)["template"] == "password_reset")
        .expect("the reset's event");
    assert_eq!(reset.status, "delivered");
    assert!(!reset.payload.contains(&token), "{}", reset.payload);
    assert_eq!(payload(reset)["secret"]["name"], "link");
    assert!(payload(reset)["secret"]["sealed"].is_null());
    // The link works, once, and the change is told through the outbox too.
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "new_password": "fresh-mountain-path-7"}),
    )
    .await;
    assert_eq!(status, 204);
    let events = account_events(store, &uid).await;
    assert_eq!(payload(&events[0])["template"], "password_changed");
    assert_eq!(events[0].status, "delivered");
    app.stop().await;
}

#[tokio::test]
async fn a_restart_does_not_send_a_delivered_code_again() {
    let app = spawn_app().await;
    let phone = "+8613912345678";
    let client = new_client();
    let (status, body) = register(&app, &client, phone).await;
    assert_eq!(status, 202, "{body}");
    let code = code_in(&app.last_message(phone));
    let uid = app
        .state
        .store()
        .user_by_phone(phone)
        .await
        .unwrap()
        .unwrap()
        .id;
    let id = account_events(app.state.store(), &uid).await[0].id.clone();
    let config = app.config.clone();
    let dir = app.stop().await.expect("the scratch folder");
    // The process died after the provider took the message and before the event was marked
    // delivered: the event is pending again under a lease that ran out.
    let store = Store::connect(
        &config.database_url,
        &StoreOptions {
            pg_schema: config.database.schema.clone(),
            ..StoreOptions::default()
        },
    )
    .await
    .unwrap();
    let past = Utc::now() - Duration::minutes(5);
    let reopened = event::Entity::update_many()
        .col_expr(event::Column::Status, Expr::value("pending"))
        .col_expr(
            event::Column::DeliveredAt,
            Expr::value(None::<chrono::DateTime<Utc>>),
        )
        .col_expr(
            event::Column::LeaseOwner,
            Expr::value("a-process-that-died"),
        )
        .col_expr(event::Column::LeaseUntil, Expr::value(past))
        .col_expr(event::Column::AvailableAt, Expr::value(past))
        .filter(event::Column::Id.eq(id.clone()))
        .exec(store.db())
        .await
        .unwrap();
    assert_eq!(reopened.rows_affected, 1);
    store.close().await.unwrap();

    let app = restart_app(config, dir).await;
    let store = app.state.store();
    // The new process's worker takes the event again and finds the message sent.
    let row = wait_for_status(store, &id, "delivered").await;
    assert_eq!(row.attempts, 2);
    assert_eq!(messages_to(&app, phone), 0, "not sent again");
    let log = store.notifications_to(phone, 10).await.unwrap();
    assert_eq!(log.len(), 1, "{log:?}");
    assert_eq!(log[0].attempts, 1);
    // The code the traveller has is still the one that works.
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/verify",
        json!({"identifier": phone, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    app.stop().await;
}

/// Counts what it handles.
#[derive(Default)]
struct Counting(AtomicUsize);

#[async_trait::async_trait]
impl EventHandler for Counting {
    async fn handle(&self, _: &OutboxEvent, _: &Deliveries) -> Result<(), HandleError> {
        self.0.fetch_add(1, Ordering::SeqCst);
        Ok(())
    }
}

#[tokio::test]
async fn deliver_now_takes_its_event_under_the_workers_lease() {
    let (store, _dir) = fresh_store().await;
    let now = Utc::now();
    let new = |available_at| NewEvent {
        kind: "note".into(),
        subject_id: None,
        dedupe_key: None,
        payload: json!({}),
        available_at,
    };
    let counting = Arc::new(Counting::default());
    let worker = |owner: &str| {
        OutboxWorker::new(store.clone(), owner, Arc::new(Utc::now)).handle("note", counting.clone())
    };
    // Left to its request for a while: the workers do not take it; the request does.
    let id = store
        .enqueue_event_id(new(now + Duration::seconds(30)), now)
        .await
        .unwrap()
        .expect("recorded");
    assert_eq!(worker("w1").run_once().await.unwrap().taken(), 0);
    assert_eq!(
        worker("request").deliver_now(&id).await.unwrap(),
        Some(wayfare_notify::outbox::Outcome::Delivered)
    );
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
    let row = store.outbox_event(&id).await.unwrap().unwrap();
    assert_eq!((row.status.as_str(), row.attempts), ("delivered", 1));
    // Once delivered, nobody takes it again.
    assert_eq!(worker("request").deliver_now(&id).await.unwrap(), None);
    assert_eq!(worker("w1").run_once().await.unwrap().taken(), 0);
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);

    // Held by a worker: the request leaves it alone; once that lease has run out, it may take it.
    let id = store
        .enqueue_event_id(new(now), now)
        .await
        .unwrap()
        .unwrap();
    let held = store
        .claim_outbox_event(&id, "w1", now, now + Duration::minutes(2))
        .await
        .unwrap()
        .expect("the worker takes it");
    assert_eq!(held.attempts, 1);
    assert!(
        store
            .claim_outbox_event(&id, "w2", now, now + Duration::minutes(2))
            .await
            .unwrap()
            .is_none(),
        "one holder at a time"
    );
    assert_eq!(worker("request").deliver_now(&id).await.unwrap(), None);
    let later = now + Duration::minutes(3);
    let retaken = store
        .claim_outbox_event(&id, "w2", later, later + Duration::minutes(2))
        .await
        .unwrap()
        .expect("an expired lease is free");
    assert_eq!(
        (retaken.attempts, retaken.lease_owner.as_deref()),
        (2, Some("w2"))
    );
    // The first holder's outcome no longer counts.
    assert!(
        !store
            .outbox_event_delivered(&id, "w1", later)
            .await
            .unwrap()
    );
    assert!(
        store
            .outbox_event_delivered(&id, "w2", later)
            .await
            .unwrap()
    );
    assert_eq!(counting.0.load(Ordering::SeqCst), 1);
}
