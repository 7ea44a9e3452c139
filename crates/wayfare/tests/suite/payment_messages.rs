//! The traveller is told of money taken and given back, over real HTTP and the outbox worker:
//! a paid booking's receipt (by e-mail, in English or Chinese, before the confirmation)
//! with the amount and the card; a replayed or repeated payment notification sends no second
//! receipt; a staff refund and the automatic refund of a booking no supplier confirmed are
//! each told once with the refunded amount; the send log shows them.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_booking::{Actor, BookingError, Orders, OrdersConfig, OrdersParts, PayRequest, Viewer};
use wayfare_domain::Money;
use wayfare_domain::payment::methods::MethodKind;
use wayfare_payments::{
    Payment, PaymentError, PaymentProvider, PaymentRequest, Refund, RefundRequest, SandboxProvider,
};
use wayfare_store::outbox::EventFilter;
use wayfare_suppliers::aggregate::FlightAggregator;
use wayfare_suppliers::flight::FlightSupplier;
use wayfare_suppliers::hotel_aggregate::HotelAggregator;
use wayfare_testkit::{TestApp, new_client, spawn_app, spawn_app_with};

use crate::flight_changes::with_role;
use crate::order_failures::{TicketingDown, order_for};
use crate::orders::{adult, contact, flight_offer, pay_body};

const EMAIL: &str = "mei@example.com";
const PHONE: &str = "+8613800138000";

/// `{"amount": "1234.00", "currency": "CNY"}` as messages write it: `1234.00 CNY`.
fn money(m: &Value) -> String {
    format!(
        "{} {}",
        m["amount"].as_str().unwrap(),
        m["currency"].as_str().unwrap()
    )
}

/// A guest books a one-way flight in `locale` and pays it with the sandbox's Visa card.
async fn paid_booking(app: &TestApp, locale: &str) -> Value {
    let offer = flight_offer(app, "PEK", "SHA", 12, 1).await;
    let client = new_client();
    let res = client
        .post(app.url("/api/v1/orders"))
        .header("accept-language", locale)
        .json(&json!({"flight_offer_ids": [offer["id"]],
            "passengers": [adult("Mei", "Wang")], "contact": contact()}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let order: Value = res.json().await.unwrap();
    let id = order["id"].as_str().unwrap();
    let res = client
        .post(app.url(&format!("/api/v1/orders/{id}/payments")))
        .bearer_auth(order["guest_token"].as_str().unwrap())
        .json(&pay_body("pm_card_visa"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "confirmed", "{paid}");
    paid
}

/// The messages the local channel holds for `to` containing `needle`, newest first.
fn messages(app: &TestApp, to: &str, needle: &str) -> Vec<String> {
    app.state
        .accounts()
        .notifier()
        .local_outbox()
        .unwrap()
        .messages()
        .into_iter()
        .filter(|m| m.to == to && m.body.contains(needle))
        .map(|m| m.body)
        .collect()
}

/// The `order_message` events written for an order, by their message.
async fn order_messages(app: &TestApp, order_id: &str, message: &str) -> Vec<Value> {
    let (events, _) = app
        .state
        .store()
        .outbox_events(
            &EventFilter {
                kind: Some("order_message".into()),
                subject_id: Some(order_id.to_owned()),
                ..EventFilter::default()
            },
            100,
            0,
        )
        .await
        .unwrap();
    events
        .into_iter()
        .map(|e| serde_json::from_str::<Value>(&e.payload).unwrap())
        .filter(|p| p["message"] == message)
        .collect()
}

async fn send_log(app: &TestApp, admin: &Client, event: &str) -> Vec<Value> {
    let res = admin
        .get(app.url(&format!("/api/v1/admin/notifications?event={event}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["messages"].as_array().unwrap().clone()
}

#[tokio::test]
async fn a_paid_booking_sends_one_receipt_before_its_confirmation_in_the_bookings_language() {
    let app = spawn_app().await;
    let order = paid_booking(&app, "en").await;
    let reference = order["reference"].as_str().unwrap();
    let id = order["id"].as_str().unwrap();
    let total = money(&order["total_amount"]);

    let receipt = app
        .wait_for_message(
            EMAIL,
            &format!(
                "We received your payment of {total} for booking {reference}, paid with Visa ending in 4242."
            ),
        )
        .await;
    assert!(receipt.contains(&format!("/bookings/{id}")), "{receipt}");
    // The confirmation follows the receipt (newest first).
    app.wait_for_message(EMAIL, &format!("Your booking {reference} is confirmed"))
        .await;
    let mails = messages(&app, EMAIL, reference);
    let confirmation = mails
        .iter()
        .position(|m| m.contains("is confirmed"))
        .unwrap();
    let received = mails
        .iter()
        .position(|m| m.contains("We received your payment"))
        .unwrap();
    assert!(confirmation < received, "{mails:?}");
    assert_eq!(
        mails
            .iter()
            .filter(|m| m.contains("We received your payment"))
            .count(),
        1,
        "one receipt"
    );
    let events = order_messages(&app, id, "payment-received").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["payment_id"], order["payments"][0]["id"]);

    // A Chinese booking's receipt is in Chinese.
    let zh = paid_booking(&app, "zh-CN").await;
    let zh_reference = zh["reference"].as_str().unwrap();
    let zh_total = money(&zh["total_amount"]);
    app.wait_for_message(
        EMAIL,
        &format!(
            "我们已收到您为订单 {zh_reference} 支付的 {zh_total}（尾号 4242 的 Visa 卡），谢谢！"
        ),
    )
    .await;

    // The send log has both bookings' receipts, by e-mail only (the booking's SMS is its
    // confirmation), in their languages.
    let admin = with_role(&app, "root@example.com", "admin").await.0;
    let rows = send_log(&app, &admin, "payment_received").await;
    assert_eq!(rows.len(), 2, "{rows:?}");
    for r in &rows {
        assert_eq!(r["event"], "payment_received");
        assert_eq!(r["status"], "sent", "{r}");
    }
    let mut locales: Vec<&str> = rows.iter().map(|r| r["locale"].as_str().unwrap()).collect();
    locales.sort_unstable();
    assert_eq!(locales, ["en", "zh-CN"]);
    let mut channels: Vec<&str> = rows
        .iter()
        .map(|r| r["channel"].as_str().unwrap())
        .collect();
    channels.sort_unstable();
    assert_eq!(channels, ["email", "email"]);
    let texts = app
        .state
        .accounts()
        .notifier()
        .local_outbox()
        .unwrap()
        .messages();
    assert!(
        !texts.iter().any(|m| m.to == PHONE
            && (m.body.contains("received your payment") || m.body.contains("已收到您"))),
        "no receipt by SMS"
    );
    app.stop().await;
}

/// Posts a sandbox notification signed with the app's webhook secret.
async fn notify(app: &TestApp, body: &str) -> Value {
    let secret = wayfare::app::sandbox_webhook_secret(&app.state.config().secret_key);
    let signature =
        wayfare_payments::sandbox::sign_webhook(&secret, body.as_bytes(), Utc::now().timestamp());
    let res = new_client()
        .post(app.url("/api/v1/webhooks/sandbox"))
        .header("content-type", "application/json")
        .header("Sandbox-Signature", signature)
        .body(body.to_owned())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    res.json().await.unwrap()
}

/// A signed-in traveller's held order paid with the sandbox's asynchronous method: the payment
/// waits for the provider's notification (`delay_secs` later).
async fn awaiting_late_payment(delay_secs: u32) -> (TestApp, Value) {
    let app = spawn_app_with(|c| c.payments.sandbox_webhook_delay_secs = delay_secs).await;
    let (client, _) = app.signed_in(EMAIL).await;
    let order = crate::payments::held_order(&app, &client, 9).await;
    let id = order["id"].as_str().unwrap();
    let (status, waiting) = crate::payments::post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &json!({"provider": "sandbox", "payment_method": "pm_card_sandboxLateWebhook"}),
    )
    .await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["status"], "awaiting_payment");
    (app, order)
}

#[tokio::test]
async fn a_replayed_payment_notification_sends_no_second_receipt_and_a_staff_refund_is_told_once() {
    // Settled later, by the provider's notification.
    let (app, order) = awaiting_late_payment(0).await;
    let id = order["id"].as_str().unwrap();
    let reference = order["reference"].as_str().unwrap();
    let total = money(&order["total_amount"]);
    let currency = order["total_amount"]["currency"].as_str().unwrap();
    app.wait_for_message(
        EMAIL,
        &format!(
            "We received your payment of {total} for booking {reference}, paid with your card."
        ),
    )
    .await;
    let payment = app.state.store().order_payments(id).await.unwrap()[0].clone();
    assert_eq!(payment.status, "succeeded");

    // Every notification the provider sent, again: repeats. A new one saying the same: no
    // change. Reconciliation: nothing to do.
    let seen = app
        .state
        .store()
        .webhook_events_of_payment(&payment.id)
        .await
        .unwrap();
    assert!(!seen.is_empty());
    let body = |event_id: &str| {
        json!({"id": event_id, "object": "event", "type": "payment_intent.succeeded",
            "created": Utc::now().timestamp(),
            "data": {"object": {"id": payment.provider_payment_id, "object": "payment_intent",
                "status": "succeeded", "amount": payment.amount_minor,
                "amount_captured": payment.amount_minor,
                "currency": currency.to_lowercase(), "reference": reference}}})
        .to_string()
    };
    for e in &seen {
        assert_eq!(
            notify(&app, &body(&e.event_id)).await["outcome"],
            "duplicate"
        );
    }
    assert_eq!(
        notify(&app, &body("evt_sbx_said_again")).await["outcome"],
        "no_change"
    );
    let report = app
        .state
        .orders()
        .reconcile(Duration::zero())
        .await
        .unwrap();
    assert!(report.fixed.is_empty(), "{report:?}");

    // Finance refunds part of it; asked twice with the same key, it is one refund.
    let (finance, _) = with_role(&app, "finance@example.com", "finance").await;
    let refunds = format!("/api/v1/payments/{}/refunds", payment.id);
    let mut refund_ids = Vec::new();
    for _ in 0..2 {
        let res = finance
            .post(app.url(&refunds))
            .header("idempotency-key", "seat-fee")
            .json(&json!({"amount": {"amount": "10.00", "currency": currency},
                "reason": "seat fee"}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 201);
        let refund: Value = res.json().await.unwrap();
        assert_eq!(refund["status"], "succeeded", "{refund}");
        refund_ids.push(refund["id"].clone());
    }
    assert_eq!(refund_ids[0], refund_ids[1]);
    app.wait_for_message(
        EMAIL,
        &format!("We've refunded 10.00 {currency} for booking {reference} to your card."),
    )
    .await;
    app.wait_for_message(
        PHONE,
        &format!("We've refunded 10.00 {currency} for booking {reference} to your card."),
    )
    .await;

    // The refund's message was written after anything the notifications could have caused,
    // and the worker sends in order: one receipt, one refund message.
    assert_eq!(
        messages(&app, EMAIL, "We received your payment").len(),
        1,
        "one receipt"
    );
    assert_eq!(messages(&app, PHONE, "We received your payment").len(), 0);
    assert_eq!(messages(&app, PHONE, "We've refunded").len(), 1);
    assert_eq!(messages(&app, EMAIL, "We've refunded").len(), 1);
    assert_eq!(order_messages(&app, id, "payment-received").await.len(), 1);
    let refund_events = order_messages(&app, id, "refund-processed").await;
    assert_eq!(refund_events.len(), 1);
    assert_eq!(refund_events[0]["refund_id"], refund_ids[0]);
    let admin = with_role(&app, "root@example.com", "admin").await.0;
    // The staff refund is audited once, however often it was asked.
    let res = admin
        .get(app.url("/api/v1/admin/audit?action=payment.refund"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let audit: Value = res.json().await.unwrap();
    let entries = audit["entries"].as_array().unwrap();
    assert_eq!(entries.len(), 1, "{audit}");
    assert_eq!(entries[0]["target"], payment.id.as_str());
    assert_eq!(send_log(&app, &admin, "payment_received").await.len(), 1);
    let refunded = send_log(&app, &admin, "refund_processed").await;
    assert_eq!(refunded.len(), 2, "{refunded:?}");
    assert!(refunded.iter().all(|r| r["status"] == "sent"));
    app.stop().await;
}

/// A wallet that takes the money when the payer pays, as Alipay does: the sandbox under the
/// name `alipay` (so the order is charged at once and refunded what is not confirmed).
struct TakenAtOnce(SandboxProvider);

#[async_trait::async_trait]
impl PaymentProvider for TakenAtOnce {
    fn name(&self) -> &'static str {
        "alipay"
    }
    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        self.0.create_payment(req).await
    }
    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        self.0.get_payment(id).await
    }
    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        self.0.complete_action(id, approved).await
    }
    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        key: &str,
    ) -> Result<Payment, PaymentError> {
        self.0.capture(id, amount, key).await
    }
    async fn void(&self, id: &str, key: &str) -> Result<Payment, PaymentError> {
        self.0.void(id, key).await
    }
    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        self.0.refund(req).await
    }
    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        self.0.get_refund(id).await
    }
}

#[tokio::test]
async fn a_booking_no_supplier_confirms_after_the_money_was_taken_is_refunded_and_told() {
    let app = spawn_app().await;
    let store = app.state.store().clone();
    let clock: wayfare_booking::Clock = Arc::new(Utc::now);
    let flights: Arc<dyn FlightSupplier> = Arc::new(TicketingDown(
        app.state.flights().builtin().unwrap().clone(),
    ));
    // The app's own outbox worker sends what this service writes.
    let orders = Orders::new(OrdersParts {
        store: store.clone(),
        flights: Arc::new(FlightAggregator::new().with(flights, StdDuration::from_secs(5))),
        hotels: Arc::new(HotelAggregator::new()),
        payments: vec![Arc::new(TakenAtOnce(SandboxProvider::new(
            store.clone(),
            clock.clone(),
        )))],
        notifier: app.state.accounts().notifier().clone(),
        sealer: app.state.accounts().sealer().clone(),
        clock,
        config: OrdersConfig {
            retry_backoff: StdDuration::from_millis(5),
            token_key: b"test".to_vec(),
            ..OrdersConfig::default()
        },
    })
    .await
    .unwrap();
    let offer = flight_offer(&app, "PEK", "SHA", 9, 1).await;
    let created = orders
        .create(
            &order_for(Some(offer["id"].as_str().unwrap().to_owned()), None),
            &Actor::Guest,
            &app.state.rates(),
        )
        .await
        .unwrap();
    let id = created.order.id.clone();
    let viewer = Viewer::GuestToken(created.guest_token.unwrap());
    let err = orders
        .pay(
            &id,
            &viewer,
            &Actor::Guest,
            &PayRequest {
                method: Some(MethodKind::Alipay),
                provider: "alipay".into(),
                payment_method: "pm_card_visa".into(),
                idempotency_key: "k1".into(),
                ..PayRequest::default()
            },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(err, BookingError::ConfirmationFailed { .. }),
        "{err:?}"
    );
    let payment = &store.order_payments(&id).await.unwrap()[0];
    assert_eq!(payment.status, "succeeded", "taken at once");
    assert_eq!(
        payment.refunded_minor, payment.captured_minor,
        "all given back"
    );
    let refunds = store.order_refunds(&id).await.unwrap();
    assert_eq!(refunds.len(), 1);
    assert_eq!(refunds[0].status, "succeeded");
    let order = store.order(&id).await.unwrap().unwrap();
    let amount = Money::from_minor(
        refunds[0].amount_minor,
        wayfare_domain::Currency::parse(&refunds[0].currency).unwrap(),
    )
    .to_string();
    assert_eq!(refunds[0].amount_minor, order.total_minor);

    let told = app
        .wait_for_message(
            "wei@example.com",
            &format!(
                "We've refunded {amount} for booking {} to Alipay.",
                order.reference
            ),
        )
        .await;
    assert!(told.contains(&format!("/bookings/{id}")), "{told}");
    app.wait_for_message(
        "+8613800138001",
        &format!(
            "We've refunded {amount} for booking {} to Alipay.",
            order.reference
        ),
    )
    .await;
    // The money was taken before the airline failed: its receipt went first.
    app.wait_for_message(
        "wei@example.com",
        &format!(
            "We received your payment of {amount} for booking {}, paid with Alipay.",
            order.reference
        ),
    )
    .await;
    let events = order_messages(&app, &id, "refund-processed").await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(events[0]["refund_id"], refunds[0].id.as_str());
    app.stop().await;
}

#[tokio::test]
async fn a_payment_given_up_on_that_the_provider_took_after_all_is_refunded_in_full() {
    let (app, order) = awaiting_late_payment(3600).await;
    let id = order["id"].as_str().unwrap();
    let reference = order["reference"].as_str().unwrap();
    let total = money(&order["total_amount"]);
    let currency = order["total_amount"]["currency"].as_str().unwrap();
    // We give up on it before the provider's word arrives (as after an outage)…
    let store = app.state.store();
    let mut row = store.order_payments(id).await.unwrap()[0].clone();
    row.status = "failed".into();
    store.update_order_payment(row.clone()).await.unwrap();
    // …but the provider took the money, and says so.
    // (The bank settles it an hour and more later: authorised, then captured.)
    let later: wayfare_booking::Clock = Arc::new(|| Utc::now() + Duration::hours(2));
    let sandbox = SandboxProvider::with_webhooks(
        store.clone(),
        later,
        wayfare_payments::sandbox::SandboxWebhooks {
            secret: wayfare::app::sandbox_webhook_secret(&app.state.config().secret_key),
            delay: StdDuration::from_secs(3600),
        },
    );
    let settled = sandbox
        .claim_due_webhooks(10, StdDuration::from_secs(3600))
        .await
        .unwrap();
    assert_eq!(settled.len(), 1, "the bank settles it");
    let provider_id = row.provider_payment_id.clone().unwrap();
    let taken = sandbox
        .capture(&provider_id, None, "taken-anyway")
        .await
        .unwrap();
    assert_eq!(taken.amount_captured.minor(), row.amount_minor, "{taken:?}");
    let body =
        json!({"id": "evt_sbx_taken_anyway", "object": "event", "type": "payment_intent.succeeded",
        "created": Utc::now().timestamp(),
        "data": {"object": {"id": provider_id, "object": "payment_intent",
            "status": "succeeded", "amount": row.amount_minor,
            "amount_captured": row.amount_minor,
            "currency": currency.to_lowercase(), "reference": reference}}})
        .to_string();
    assert_eq!(notify(&app, &body).await["outcome"], "given_back");

    // It is given back, all of it, and the traveller told so (no receipt for it).
    let refunds = store.refunds_of_payment(&row.id).await.unwrap();
    assert_eq!(refunds.len(), 1, "{refunds:?}");
    assert_eq!(refunds[0].status, "succeeded", "{refunds:?}");
    assert_eq!(refunds[0].amount_minor, row.amount_minor);
    let payment = store.order_payments(id).await.unwrap()[0].clone();
    assert_eq!(
        (payment.captured_minor, payment.refunded_minor),
        (row.amount_minor, row.amount_minor),
        "{payment:?}"
    );
    app.wait_for_message(
        EMAIL,
        &format!("We've refunded {total} for booking {reference}"),
    )
    .await;
    assert!(
        messages(&app, EMAIL, "We received your payment").is_empty(),
        "no receipt for money given straight back"
    );
    app.stop().await;
}
