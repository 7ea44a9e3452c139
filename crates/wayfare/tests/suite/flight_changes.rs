//! Airline schedule changes over real HTTP: an admin simulates a delay, retime or
//! cancellation of a built-in flight; each open order flying it shows the new times and a
//! `schedule_changed` timeline entry, and its traveller (and the agent who placed it) get one
//! `flight-changed` message each, however often the change is announced; cancelled orders are
//! left alone; bad input is refused in the caller's language.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_domain::flight::AirlineCode;
use wayfare_store::orders::Transition;
use wayfare_suppliers::SupplierError;
use wayfare_suppliers::builtin::simulation::SimulatedChange;
use wayfare_testkit::{TEST_PASSWORD, TestApp, new_client, spawn_app};

const SIMULATE: &str = "/api/v1/admin/flights/schedule-changes";

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    body: &Value,
    lang: &str,
) -> (u16, Value) {
    let res = client
        .post(app.url(path))
        .header("accept-language", lang)
        .json(body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, client: &Client, path: &str) -> (u16, Value) {
    let res = client
        .get(app.url(path))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// A new account for `email`, confirmed and signed in on a client of its own. The address is
/// confirmed in the store rather than from the message, so it works whatever becomes of the
/// message (a provider that is down in an outage test).
pub(crate) async fn signed_in(app: &TestApp, email: &str) -> (Client, String) {
    let client = new_client();
    let credentials = json!({"identifier": email, "password": TEST_PASSWORD});
    let (status, body) = post(app, &client, "/api/v1/auth/register", &credentials, "en").await;
    assert_eq!(status, 202, "{body}");
    let store = app.state.store();
    let user = store.user_by_email(email).await.unwrap().unwrap();
    assert!(
        store
            .mark_email_verified(&user.id, email, Utc::now())
            .await
            .unwrap()
    );
    let (status, body) = post(app, &client, "/api/v1/auth/login", &credentials, "en").await;
    assert_eq!(status, 200, "{body}");
    (client, user.id)
}

/// A signed-in client with `role`.
pub(crate) async fn with_role(app: &TestApp, email: &str, role: &str) -> (Client, String) {
    let (client, id) = signed_in(app, email).await;
    app.state
        .store()
        .grant_role(&id, role, None, Utc::now())
        .await
        .unwrap();
    (client, id)
}

/// The cheapest direct PEK → SHA offer 10 days out, for one adult.
async fn direct_offer(app: &TestApp) -> Value {
    let (status, body) = post(
        app,
        &new_client(),
        "/api/v1/flights/search",
        &json!({"slices": [{"origin": "PEK", "destination": "SHA", "departure_date": date_in(10)}],
                "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 0,
                "sort": "price", "limit": 5}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["offers"][0].clone()
}

fn adult(given: &str) -> Value {
    json!({"type": "adult", "given_name": given, "family_name": "Li", "born_on": "1988-05-01",
           "gender": "f", "nationality": "CN", "passport_number": "E12345678",
           "passport_expires_on": date_in(3000)})
}

/// Books `offer` for `email` (through `client`, for a customer when `customer` is given) and
/// pays in the sandbox; answers the order id.
async fn book_and_pay(
    app: &TestApp,
    client: &Client,
    offer: &Value,
    email: &str,
    customer: Option<&str>,
) -> String {
    let mut body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei")],
                          "contact": {"email": email, "phone": "+8613800138000"}});
    if let Some(c) = customer {
        body["customer"] = json!(c);
    }
    let (status, order) = post(app, client, "/api/v1/orders", &body, "en").await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().unwrap().to_owned();
    let (status, paid) = post(
        app,
        client,
        &format!("/api/v1/orders/{id}/payments"),
        &json!({"provider": "sandbox", "payment_method": "pm_card_visa"}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    id
}

/// The flight of an offer from the search API: (carrier, number, local date, departure).
fn flight_of(offer: &Value) -> (String, u16, String, DateTime<FixedOffset>) {
    let s = &offer["slices"][0]["segments"][0];
    let departs = DateTime::parse_from_rfc3339(s["departing_at"].as_str().unwrap()).unwrap();
    (
        s["marketing_carrier"].as_str().unwrap().to_owned(),
        s["flight_number"].as_str().unwrap().parse().unwrap(),
        departs.date_naive().to_string(),
        departs,
    )
}

fn simulation(offer: &Value, change: Value) -> Value {
    let (carrier, number, date, _) = flight_of(offer);
    let mut body = json!({"carrier": carrier, "flight_number": number, "date": date});
    for (k, v) in change.as_object().unwrap() {
        body[k] = v.clone();
    }
    body
}

/// The order as its traveller's API shows it (read as staff).
async fn order_view(app: &TestApp, admin: &Client, id: &str) -> Value {
    let (status, order) = get(app, admin, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(status, 200, "{order}");
    order
}

fn first_departure(order: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(
        order["items"][0]["details"]["slices"][0]["segments"][0]["departing_at"]
            .as_str()
            .unwrap(),
    )
    .unwrap()
}

fn schedule_changes(order: &Value) -> Vec<Value> {
    order["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["event"] == "schedule_changed")
        .cloned()
        .collect()
}

/// The `flight-changed` messages queued for an order.
async fn flight_changed_events(app: &TestApp, admin: &Client, id: &str) -> Vec<Value> {
    let (status, page) = get(
        app,
        admin,
        &format!("/api/v1/admin/outbox?kind=order_message&subject={id}&limit=200"),
    )
    .await;
    assert_eq!(status, 200, "{page}");
    page["events"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["payload"]["message"] == "flight-changed")
        .cloned()
        .collect()
}

/// The channels (`email`, `sms`) `event` was sent to `to` on, once the outbox worker has sent
/// at least `at_least` (waiting up to 15 s).
async fn sent(app: &TestApp, to: &str, event: &str, at_least: usize) -> Vec<String> {
    let mut channels = Vec::new();
    for _ in 0..150 {
        channels = app
            .state
            .store()
            .notifications_to(to, 100)
            .await
            .unwrap()
            .into_iter()
            .filter(|n| n.event == event && n.status != "failed")
            .map(|n| n.channel)
            .collect();
        if channels.len() >= at_least {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    channels.sort();
    channels
}

#[tokio::test]
async fn a_simulated_delay_is_shown_on_the_order_and_told_to_the_traveller_once() {
    let app = spawn_app().await;
    let (admin, _) = with_role(&app, "admin@example.com", "admin").await;
    let (traveller, _) = signed_in(&app, "mei@example.com").await;
    let offer = direct_offer(&app).await;
    let id = book_and_pay(&app, &traveller, &offer, "mei@example.com", None).await;
    let (carrier, number, date, departs) = flight_of(&offer);
    let before = order_view(&app, &admin, &id).await;

    let delay = simulation(&offer, json!({"change": "delay", "minutes": 90}));
    let (status, body) = post(&app, &admin, SIMULATE, &delay, "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recorded"], 1);
    assert_eq!(body["applied_orders"], json!([id]));

    // The order shows the new departure, in the airport's time, and says why; it stays
    // confirmed.
    let order = order_view(&app, &admin, &id).await;
    assert_eq!(order["status"], "confirmed");
    let now_departs = first_departure(&order);
    assert_eq!(now_departs, departs + Duration::minutes(90));
    assert_eq!(now_departs.offset(), departs.offset());
    let starts = |o: &Value| {
        o["items"][0]["starts_at"]
            .as_str()
            .unwrap()
            .parse::<DateTime<Utc>>()
            .unwrap()
    };
    assert_eq!(starts(&order) - starts(&before), Duration::minutes(90));
    let row = app.state.store().order(&id).await.unwrap().unwrap();
    assert_eq!(
        row.starts_at,
        starts(&order),
        "the trip starts with its flight"
    );
    let entries = schedule_changes(&order);
    assert_eq!(entries.len(), 1, "{}", order["timeline"]);
    assert_eq!(entries[0]["actor"], "supplier:builtin");
    assert_eq!(entries[0]["to_status"], "confirmed");
    let reason = entries[0]["reason"].as_str().unwrap();
    assert!(
        reason.starts_with(&format!(
            "{carrier}{number} on {date} delayed 90 min: departs "
        )),
        "{reason}"
    );

    // One message for the traveller, with what changed.
    let events = flight_changed_events(&app, &admin, &id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    let change = &events[0]["payload"]["change"];
    assert_eq!(change["flight"], format!("{carrier}{number}"));
    assert_eq!(
        change["old_departure"],
        departs.format("%Y-%m-%d %H:%M").to_string()
    );
    assert_eq!(
        change["new_departure"],
        (departs + Duration::minutes(90))
            .format("%Y-%m-%d %H:%M")
            .to_string()
    );
    assert_eq!(change["cancelled"], false);
    assert_eq!(events[0]["payload"]["order_id"], id.as_str());
    assert!(events[0]["payload"].get("audience").is_none());

    // Announced again: nothing new anywhere.
    let (status, again) = post(&app, &admin, SIMULATE, &delay, "en").await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["recorded"], 0);
    assert_eq!(again["applied_orders"], json!([]));
    assert_eq!(
        app.state.orders().follow_schedule_changes().await.unwrap(),
        0
    );
    assert_eq!(flight_changed_events(&app, &admin, &id).await.len(), 1);
    assert_eq!(
        schedule_changes(&order_view(&app, &admin, &id).await).len(),
        1
    );
    // The traveller got it once by e-mail, and the text message once.
    assert_eq!(
        sent(&app, "mei@example.com", "flight_changed", 1).await,
        ["email"]
    );
    assert_eq!(
        sent(&app, "+8613800138000", "flight_changed", 1).await,
        ["sms"]
    );

    // Back on time is a change of its own; the delay counts from the schedule, not from the
    // last change.
    let retime = simulation(
        &offer,
        json!({"change": "retime", "departs": departs.format("%H:%M").to_string()}),
    );
    let (status, body) = post(&app, &admin, SIMULATE, &retime, "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recorded"], 1);
    let order = order_view(&app, &admin, &id).await;
    assert_eq!(first_departure(&order), departs);
    let entries = schedule_changes(&order);
    assert_eq!(entries.len(), 2);
    assert!(
        entries[1]["reason"]
            .as_str()
            .unwrap()
            .contains("brought forward 90 min"),
        "{}",
        entries[1]
    );
    assert_eq!(flight_changed_events(&app, &admin, &id).await.len(), 2);

    // Audited with who did it.
    let (_, audit) = get(
        &app,
        &admin,
        "/api/v1/admin/audit?action=flights.schedule_change_simulated",
    )
    .await;
    assert_eq!(audit["total"], 3, "{audit}");
    assert_eq!(
        audit["entries"][2]["target"],
        format!("{carrier}{number}/{date}")
    );
}

#[tokio::test]
async fn the_agent_is_told_too_and_a_cancelled_order_is_left_alone() {
    let app = spawn_app().await;
    let (admin, _) = with_role(&app, "admin@example.com", "admin").await;
    let (agent, agent_id) = with_role(&app, "agent@example.com", "agent").await;
    let (traveller, _) = signed_in(&app, "mei@example.com").await;
    let offer = direct_offer(&app).await;
    let by_agent = book_and_pay(
        &app,
        &agent,
        &offer,
        "customer@example.com",
        Some("customer@example.com"),
    )
    .await;
    let cancelled = book_and_pay(&app, &traveller, &offer, "mei@example.com", None).await;
    // Cancelled on our side (the airline's booking still stands).
    let store = app.state.store();
    assert!(
        store
            .transition_order(Transition {
                order_id: &cancelled,
                from: &["confirmed"],
                to: "cancelled",
                event: "cancelled",
                actor: "system",
                reason: "test",
                now: Utc::now(),
                hold_unexpired: false,
                payment: None,
                events: Vec::new(),
            })
            .await
            .unwrap()
            .is_some()
    );
    let untouched = order_view(&app, &admin, &cancelled).await;

    let (status, body) = post(
        &app,
        &admin,
        SIMULATE,
        &simulation(&offer, json!({"change": "cancel"})),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["recorded"], 2, "both airline bookings fly it");
    assert_eq!(body["applied_orders"], json!([by_agent]));

    // The agent's order: the traveller's message and the agent's.
    let order = order_view(&app, &admin, &by_agent).await;
    assert_eq!(order["agent_id"], agent_id.as_str());
    assert_eq!(order["status"], "confirmed");
    assert_eq!(order["items"][0]["details"]["airline_cancelled"], true);
    let entries = schedule_changes(&order);
    assert_eq!(entries.len(), 1);
    assert!(
        entries[0]["reason"]
            .as_str()
            .unwrap()
            .ends_with("cancelled by the airline"),
        "{}",
        entries[0]
    );
    let events = flight_changed_events(&app, &admin, &by_agent).await;
    assert_eq!(events.len(), 2, "{events:?}");
    let audiences: Vec<&Value> = events.iter().map(|e| &e["payload"]["audience"]).collect();
    assert!(audiences.contains(&&json!("agent")), "{audiences:?}");
    assert!(audiences.contains(&&Value::Null), "{audiences:?}");
    assert!(
        events
            .iter()
            .all(|e| e["payload"]["change"]["cancelled"] == true
                && e["payload"]["change"]["new_departure"].is_null())
    );

    // The customer by e-mail and text message, the agent by e-mail.
    assert_eq!(
        sent(&app, "customer@example.com", "flight_changed", 1).await,
        ["email"]
    );
    assert_eq!(
        sent(&app, "agent@example.com", "flight_changed_agent", 1).await,
        ["email"]
    );

    // The cancelled order: nothing recorded, nobody told.
    let after = order_view(&app, &admin, &cancelled).await;
    assert_eq!(after["items"], untouched["items"]);
    assert_eq!(after["timeline"], untouched["timeline"]);
    assert!(
        flight_changed_events(&app, &admin, &cancelled)
            .await
            .is_empty()
    );

    // Cancelled twice is still once.
    let (_, again) = post(
        &app,
        &admin,
        SIMULATE,
        &simulation(&offer, json!({"change": "cancel"})),
        "en",
    )
    .await;
    assert_eq!(again["recorded"], 0);
    assert_eq!(
        flight_changed_events(&app, &admin, &by_agent).await.len(),
        2
    );
    assert!(
        sent(&app, "mei@example.com", "flight_changed", 0)
            .await
            .is_empty()
    );
}

#[tokio::test]
async fn only_admins_simulate_and_bad_input_is_refused_in_the_callers_language() {
    let app = spawn_app().await;
    let (admin, _) = with_role(&app, "admin@example.com", "admin").await;
    let (someone, _) = signed_in(&app, "bob@example.com").await;
    let offer = direct_offer(&app).await;
    let delay = simulation(&offer, json!({"change": "delay", "minutes": 30}));
    let (status, _) = post(&app, &someone, SIMULATE, &delay, "en").await;
    assert_eq!(status, 403);
    let (status, _) = post(&app, &new_client(), SIMULATE, &delay, "en").await;
    assert_eq!(status, 401);

    let negative = simulation(&offer, json!({"change": "delay", "minutes": -30}));
    let (status, body) = post(&app, &admin, SIMULATE, &negative, "zh-CN").await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "minutes");
    let message = body["error"]["message"].as_str().unwrap();
    assert!(message.contains("延误分钟数"), "{message}");
    assert!(message.contains("2880"), "{message}");
    let (_, body) = post(&app, &admin, SIMULATE, &negative, "en").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("delay in minutes"),
        "{body}"
    );
    for (bad, field) in [
        (json!({"change": "delay", "minutes": 2881}), "minutes"),
        (json!({"change": "delay"}), "minutes"),
        (
            json!({"change": "retime", "departs": "8 o'clock"}),
            "departs",
        ),
        (json!({"change": "divert"}), "change"),
        (json!({"change": "cancel", "date": "1 December"}), "date"),
        (json!({"change": "cancel", "carrier": "M"}), "carrier"),
        (
            json!({"change": "cancel", "flight_number": 0}),
            "flight_number",
        ),
    ] {
        let (status, body) = post(&app, &admin, SIMULATE, &simulation(&offer, bad), "zh-CN").await;
        assert_eq!(status, 422, "{body}");
        assert_eq!(body["error"]["details"]["field"], field, "{body}");
        assert!(
            !body["error"]["message"]
                .as_str()
                .unwrap()
                .contains("reason-"),
            "{body}"
        );
    }

    // A flight no order has: nothing to record.
    let (status, body) = post(
        &app,
        &admin,
        SIMULATE,
        &json!({"carrier": "ZZ", "flight_number": 9999, "date": date_in(5), "change": "cancel"}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body, json!({"recorded": 0, "applied_orders": []}));

    // The supplier refuses an impossible delay even when called directly.
    let builtin = app.state.flights().builtin().unwrap().clone();
    let err = builtin
        .simulate_schedule_change(
            AirlineCode::parse("MU").unwrap(),
            5101,
            NaiveDate::parse_from_str(&date_in(5), "%Y-%m-%d").unwrap(),
            SimulatedChange::Delay { minutes: 0 },
        )
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, .. } if code == "invalid_delay"),
        "{err:?}"
    );
}

#[tokio::test]
async fn the_feed_is_followed_from_its_cursor_and_duffels_webhook_waits_for_configuration() {
    let app = spawn_app().await;
    let (admin, _) = with_role(&app, "admin@example.com", "admin").await;
    let (traveller, _) = signed_in(&app, "mei@example.com").await;
    let offer = direct_offer(&app).await;
    let id = book_and_pay(&app, &traveller, &offer, "mei@example.com", None).await;
    let (carrier, number, date, departs) = flight_of(&offer);

    // A change recorded by the supplier alone is picked up by the follower, once.
    let builtin = app.state.flights().builtin().unwrap().clone();
    let recorded = builtin
        .simulate_schedule_change(
            AirlineCode::parse(&carrier).unwrap(),
            number,
            NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap(),
            SimulatedChange::Delay { minutes: 45 },
        )
        .await
        .unwrap();
    assert_eq!(recorded.len(), 1);
    let orders = app.state.orders();
    assert_eq!(orders.follow_schedule_changes().await.unwrap(), 1);
    assert_eq!(orders.follow_schedule_changes().await.unwrap(), 0);
    assert_eq!(
        app.state
            .store()
            .setting(&wayfare_store::settings::schedule_change_cursor("builtin"))
            .await
            .unwrap(),
        Some(recorded[0].id.clone())
    );
    let order = order_view(&app, &admin, &id).await;
    assert_eq!(first_departure(&order), departs + Duration::minutes(45));
    // Applying it again by hand changes nothing.
    let outcome = orders
        .apply_schedule_change("builtin", &recorded[0])
        .await
        .unwrap();
    assert_eq!(outcome.shown_on(), Some(id.as_str()));
    assert_eq!(flight_changed_events(&app, &admin, &id).await.len(), 1);

    // Several followers at once (instances, the admin's call and the background loop): the
    // next change is still recorded once.
    builtin
        .simulate_schedule_change(
            AirlineCode::parse(&carrier).unwrap(),
            number,
            NaiveDate::parse_from_str(&date, "%Y-%m-%d").unwrap(),
            SimulatedChange::Delay { minutes: 120 },
        )
        .await
        .unwrap();
    let followers: Vec<_> = (0..4)
        .map(|_| {
            let orders = orders.clone();
            tokio::spawn(async move { orders.follow_schedule_changes().await.unwrap() })
        })
        .collect();
    let mut applied = 0;
    for f in followers {
        applied += f.await.unwrap();
    }
    assert_eq!(applied, 1);
    assert_eq!(flight_changed_events(&app, &admin, &id).await.len(), 2);
    let order = order_view(&app, &admin, &id).await;
    assert_eq!(first_departure(&order), departs + Duration::minutes(120));
    assert_eq!(schedule_changes(&order).len(), 2);

    // Duffel's webhook is outside CSRF and sessions, and answers 404 until it is configured.
    let res = new_client()
        .post(app.url("/api/v1/webhooks/duffel"))
        .header("x-duffel-signature", "t=1,v1=00")
        .header("content-type", "application/json")
        .body(r#"{"id":"wev_1","type":"ping.triggered","data":{"object":{}}}"#)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
}

#[tokio::test]
async fn duffels_webhook_is_verified_then_reads_the_announced_change_from_duffel() {
    use wayfare_suppliers::duffel::webhook::{WebhookSecret, sign};
    use wiremock::matchers::{header, method, path, query_param};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let duffel = MockServer::start().await;
    // Duffel lists no change for ord_0000Quiet, and cannot be read for ord_0000Busy.
    Mock::given(method("GET"))
        .and(path("/air/airline_initiated_changes"))
        .and(query_param("order_id", "ord_0000Quiet"))
        .and(header("authorization", "Bearer duffel_test_token"))
        .respond_with(ResponseTemplate::new(200).set_body_json(json!({"data": [], "meta": null})))
        .mount(&duffel)
        .await;
    Mock::given(method("GET"))
        .and(path("/air/airline_initiated_changes"))
        .and(query_param("order_id", "ord_0000Busy"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "errors": [{"type": "api_error", "title": "Service unavailable", "message": "try later", "code": "service_unavailable"}],
            "meta": {"request_id": "req_1", "status": 503}})))
        .mount(&duffel)
        .await;
    let url = duffel.uri();
    let app = wayfare_testkit::spawn_app_with(|c| {
        c.flights.duffel = Some(wayfare::config::DuffelSettings {
            access_token: wayfare::config::Secret::new("duffel_test_token"),
            base_url: url,
            webhook_secret: Some(wayfare::config::Secret::new("whsec_wayfare_test")),
        });
    })
    .await;
    let secret = WebhookSecret::new("whsec_wayfare_test");
    let deliver = |body: String, signature: Option<String>| {
        let request = new_client()
            .post(app.url("/api/v1/webhooks/duffel"))
            .header("content-type", "application/json")
            .header("accept-language", "zh-CN");
        let request = match signature {
            Some(s) => request.header("x-duffel-signature", s),
            None => request,
        };
        async move {
            let res = request.body(body).send().await.unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let change_event = |order: &str| {
        json!({"id": "wev_0000A1", "type": "order.airline_initiated_change_detected",
               "live_mode": false, "api_version": "v2",
               "data": {"object": {"id": order, "aic_id": "aic_0000B2"}}})
        .to_string()
    };
    let now = Utc::now().timestamp();

    // Unsigned, wrongly signed, or signed long ago: refused before anything is read.
    let body = change_event("ord_0000Quiet");
    let (status, res) = deliver(body.clone(), None).await;
    assert_eq!(status, 400, "{res}");
    assert_eq!(res["error"]["code"], "webhook_rejected", "{res}");
    let forged = sign(&WebhookSecret::new("not_the_secret"), now, body.as_bytes());
    assert_eq!(deliver(body.clone(), Some(forged)).await.0, 400);
    let stale = sign(&secret, now - 3_600, body.as_bytes());
    assert_eq!(deliver(body.clone(), Some(stale)).await.0, 400);
    assert!(
        duffel.received_requests().await.unwrap().is_empty(),
        "nothing is read from Duffel for an event that does not verify"
    );

    // Other events are acknowledged and ignored.
    let ping =
        json!({"id": "wev_0000P", "type": "ping.triggered", "data": {"object": {}}}).to_string();
    let (status, res) = deliver(ping.clone(), Some(sign(&secret, now, ping.as_bytes()))).await;
    assert_eq!(
        (status, res["outcome"].as_str()),
        (200, Some("ignored")),
        "{res}"
    );

    // A verified change is read from Duffel (with the access token) for the order it names.
    let (status, res) = deliver(body.clone(), Some(sign(&secret, now, body.as_bytes()))).await;
    assert_eq!(
        (status, res["outcome"].as_str()),
        (200, Some("no_change")),
        "{res}"
    );
    let asked: Vec<_> = duffel
        .received_requests()
        .await
        .unwrap()
        .into_iter()
        .filter_map(|r| r.url.query().map(str::to_owned))
        .collect();
    assert_eq!(asked, vec!["order_id=ord_0000Quiet".to_owned()]);

    // Duffel not answering now: 503, so Duffel delivers the event again later.
    let busy = change_event("ord_0000Busy");
    let (status, res) = deliver(busy.clone(), Some(sign(&secret, now, busy.as_bytes()))).await;
    assert_eq!(status, 503, "{res}");
    app.stop().await;
}

#[tokio::test]
async fn a_cancelled_return_is_reported_as_the_return_not_the_outbound() {
    let app = spawn_app().await;
    let (admin, _) = with_role(&app, "admin@example.com", "admin").await;
    let (traveller, _) = signed_in(&app, "mei@example.com").await;
    let (status, found) = post(
        &app,
        &new_client(),
        "/api/v1/flights/search",
        &json!({"slices": [
                    {"origin": "PEK", "destination": "SHA", "departure_date": date_in(10)},
                    {"origin": "SHA", "destination": "PEK", "departure_date": date_in(14)}],
                "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 0,
                "sort": "price", "limit": 5}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{found}");
    let offer = found["offers"][0].clone();
    assert_eq!(offer["slices"].as_array().unwrap().len(), 2, "{offer}");
    let id = book_and_pay(&app, &traveller, &offer, "mei@example.com", None).await;
    let back = &offer["slices"][1]["segments"][0];
    let back_departs =
        DateTime::parse_from_rfc3339(back["departing_at"].as_str().unwrap()).unwrap();
    let (carrier, number) = (
        back["marketing_carrier"].as_str().unwrap(),
        back["flight_number"].as_str().unwrap(),
    );
    let cancel = json!({"carrier": carrier, "flight_number": number.parse::<u16>().unwrap(),
                        "date": back_departs.date_naive().to_string(), "change": "cancel"});
    let (status, body) = post(&app, &admin, SIMULATE, &cancel, "en").await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["applied_orders"], json!([id]));

    // The outbound still leaves first, but the timeline and the message name the return.
    let order = order_view(&app, &admin, &id).await;
    let entries = schedule_changes(&order);
    assert_eq!(entries.len(), 1, "{}", order["timeline"]);
    assert_eq!(
        entries[0]["reason"],
        format!(
            "{carrier}{number} on {} cancelled by the airline",
            back_departs.date_naive()
        )
    );
    let events = flight_changed_events(&app, &admin, &id).await;
    assert_eq!(events.len(), 1, "{events:?}");
    assert_eq!(
        events[0]["payload"]["change"]["flight"],
        format!("{carrier}{number}")
    );
    assert_eq!(events[0]["payload"]["change"]["cancelled"], true);
    app.stop().await;
}
