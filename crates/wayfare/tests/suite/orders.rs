//! Trip orders over real HTTP: a flight and a hotel held, paid in the sandbox and confirmed;
//! guest orders found by reference; agents booking for customers; idempotent creation and
//! payment; declines, changed prices, bad travellers, someone else's order; expiry that gives
//! inventory back and is never charged; and 200 buyers racing for the last seats.

use chrono::{Duration, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_testkit::{TestApp, new_client, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

pub(crate) async fn post(
    app: &TestApp,
    client: &Client,
    path: &str,
    body: &Value,
    headers: &[(&str, &str)],
) -> (u16, Value, reqwest::header::HeaderMap) {
    let mut req = client
        .post(app.url(path))
        .header("accept-language", "en")
        .json(body);
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    let h = res.headers().clone();
    (status, res.json().await.unwrap_or(Value::Null), h)
}

pub(crate) async fn get(
    app: &TestApp,
    client: &Client,
    path: &str,
    bearer: Option<&str>,
) -> (u16, Value) {
    let mut req = client.get(app.url(path)).header("accept-language", "en");
    if let Some(t) = bearer {
        req = req.bearer_auth(t);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// The cheapest one-way offer `days` out for `adults`.
pub(crate) async fn flight_offer(
    app: &TestApp,
    from: &str,
    to: &str,
    days: i64,
    adults: u8,
) -> Value {
    let (status, body, _) = post(
        app,
        &new_client(),
        "/api/v1/flights/search",
        &json!({"slices": [{"origin": from, "destination": to, "departure_date": date_in(days)}],
                "passengers": {"adults": adults}, "cabin_class": "economy", "max_connections": 1,
                "sort": "price", "limit": 20}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    body["offers"][0].clone()
}

/// A London hotel rate for two adults, `nights` from `days` out.
async fn london_rate(app: &TestApp, days: i64, nights: i64) -> Value {
    city_rate(app, "London", days, nights).await
}

/// The first rate of the first hotel found in `city` for two adults in one room.
async fn city_rate(app: &TestApp, city: &str, days: i64, nights: i64) -> Value {
    let (status, body, _) = post(
        app,
        &new_client(),
        "/api/v1/hotels/search",
        &json!({"destination": {"city": city}, "check_in_date": date_in(days),
                "check_out_date": date_in(days + nights), "rooms": [{"adults": 2}]}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let id = body["hotels"][0]["id"]
        .as_str()
        .expect("a hotel in the city");
    let (status, rates) = get(
        app,
        &new_client(),
        &format!(
            "/api/v1/hotels/{id}/rates?check_in_date={}&check_out_date={}&rooms=2",
            date_in(days),
            date_in(days + nights)
        ),
        None,
    )
    .await;
    assert_eq!(status, 200, "{rates}");
    let mut rate = rates["rates"][0].clone();
    rate["hotel_id"] = json!(id);
    rate
}

/// A hotel's check-in reminder goes a day before check-in opens at the hotel, in the hotel's
/// own time zone: for Shanghai (UTC+8, check-in 14:00 or 15:00) that is 06:00 or 07:00 UTC the
/// day before, not a fixed hour of UTC; the stay's start and end are the hotel's local times.
#[tokio::test]
async fn a_check_in_reminder_is_due_a_day_before_check_in_opens_at_the_hotel() {
    let app = spawn_app().await;
    let rate = city_rate(&app, "Shanghai", 10, 2).await;
    let hotel_id = rate["hotel_id"].as_str().unwrap().to_owned();
    let body = json!({
        "hotel_rates": [{"rate_id": rate["id"], "rooms": [{"guest_name": "Mei Ling ZHANG", "adults": 2}]}],
        "passengers": [],
        "contact": contact(),
    });
    let (status, order, _) = post(
        &app,
        &new_client(),
        "/api/v1/orders",
        &body,
        &[("idempotency-key", "shanghai-stay")],
    )
    .await;
    assert_eq!(status, 201, "{order}");
    let id = order["id"].as_str().unwrap();
    let builtin = app.state.hotels().builtin().unwrap().clone();
    let pid = wayfare_suppliers::builtin::hotel_supplier::property_of(&hotel_id).unwrap();
    let property = builtin.index().property(pid).unwrap().property.clone();
    assert_eq!(property.time_zone, chrono_tz::Asia::Shanghai);
    let check_in = Utc::now().date_naive() + Duration::days(10);
    let opens = property.check_in_at(check_in);
    assert_eq!(
        opens.time(),
        property.check_in_time - Duration::hours(8),
        "check-in opens at the hotel's local hour"
    );
    let reminders = app.state.store().order_reminders(id).await.unwrap();
    assert_eq!(reminders.len(), 1, "{reminders:?}");
    assert_eq!(reminders[0].kind, "check_in");
    assert_eq!(reminders[0].due_at, opens - Duration::hours(24));
    let items = app.state.store().order_items(id).await.unwrap();
    assert_eq!(items[0].starts_at, opens);
    assert_eq!(
        items[0].ends_at,
        property.check_out_at(check_in + Duration::days(2))
    );
}

pub(crate) fn adult(given: &str, family: &str) -> Value {
    json!({"type": "adult", "given_name": given, "family_name": family, "born_on": "1988-05-01",
           "gender": "f", "nationality": "CN", "passport_number": "E12345678",
           "passport_expires_on": date_in(3000)})
}

pub(crate) fn contact() -> Value {
    json!({"email": "mei@example.com", "phone": "+8613800138000"})
}

pub(crate) fn pay_body(method: &str) -> Value {
    json!({"provider": "sandbox", "payment_method": method})
}

#[tokio::test]
async fn a_traveller_books_pvg_lhr_and_three_nights_in_london_pays_and_finds_it_in_my_bookings() {
    let app = spawn_app().await;
    let (client, user_id) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PVG", "LHR", 20, 2).await;
    let arrival = offer["slices"][0]["segments"]
        .as_array()
        .unwrap()
        .last()
        .unwrap()["arriving_at"]
        .as_str()
        .unwrap()[..10]
        .to_owned();
    let days = (chrono::NaiveDate::parse_from_str(&arrival, "%Y-%m-%d").unwrap()
        - Utc::now().date_naive())
    .num_days();
    let rate = london_rate(&app, days, 3).await;
    let body = json!({
        "flight_offer_ids": [offer["id"]],
        "hotel_rates": [{"rate_id": rate["id"], "rooms": [{"guest_name": "Mei Ling ZHANG", "adults": 2}],
                         "special_requests": "high floor"}],
        "passengers": [adult("Mei Ling", "Zhang"), adult("Wei", "Li")],
        "contact": contact(),
        "currency": "CNY",
    });
    let (status, order, _) = post(
        &app,
        &client,
        "/api/v1/orders",
        &body,
        &[("idempotency-key", "trip-1")],
    )
    .await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["status"], "held");
    let reference = order["reference"].as_str().unwrap();
    assert_eq!(reference.len(), 6);
    assert!(
        order.get("guest_token").is_none(),
        "a signed-in order has no guest token"
    );
    let expires =
        chrono::DateTime::parse_from_rfc3339(order["hold_expires_at"].as_str().unwrap()).unwrap();
    let left = expires.with_timezone(&Utc) - Utc::now();
    assert!(
        left > Duration::minutes(14) && left <= Duration::minutes(15),
        "{left}"
    );
    // The price breakdown adds up to the total, in the order's currency, the hotel converted.
    assert_eq!(order["total_amount"]["currency"], "CNY");
    let lines: f64 = order["price"]["lines"]
        .as_array()
        .unwrap()
        .iter()
        .map(|l| {
            l["amount"]["amount"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
        })
        .sum();
    let total: f64 = order["total_amount"]["amount"]
        .as_str()
        .unwrap()
        .parse()
        .unwrap();
    assert!((lines - total).abs() < 0.001, "{lines} vs {total}");
    assert_eq!(order["items"].as_array().unwrap().len(), 2);
    assert_eq!(
        order["items"][1]["supplier_amount"]["currency"],
        rate["total_amount"]["currency"]
    );
    assert_eq!(
        order["items"][1]["supplier_amount"]["amount"],
        rate["total_amount"]["amount"]
    );
    // Passport numbers never come back whole.
    assert!(!order.to_string().contains("E12345678"));
    assert_eq!(order["travellers"][0]["passport_last4"], "5678");

    let id = order["id"].as_str().unwrap();
    let (status, paid, _) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_visa"),
        &[("idempotency-key", "pay-1")],
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    let flight = &paid["items"][0];
    assert_eq!(flight["status"], "confirmed");
    assert_eq!(flight["confirmation"].as_str().unwrap().len(), 6, "a PNR");
    assert_eq!(
        flight["tickets"].as_array().unwrap().len(),
        2,
        "one ticket per passenger"
    );
    assert_eq!(paid["items"][1]["status"], "confirmed");
    assert!(paid["items"][1]["confirmation"].as_str().is_some());
    assert_eq!(paid["payments"][0]["status"], "succeeded");
    assert_eq!(paid["payments"][0]["captured"], paid["total_amount"]);
    let events: Vec<&str> = paid["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["event"].as_str().unwrap())
        .collect();
    assert_eq!(
        events,
        [
            "created",
            "payment_started",
            "payment_succeeded",
            "suppliers_confirmed"
        ]
    );
    assert_eq!(paid["timeline"][0]["actor"], format!("user:{user_id}"));
    // The confirmation went out by e-mail and SMS, through one outbox event written with the
    // move to confirmed.
    app.wait_for_message("mei@example.com", reference).await;
    app.wait_for_message("+8613800138000", reference).await;
    let (events, n) = app
        .state
        .store()
        .outbox_events(
            &wayfare_store::outbox::EventFilter {
                subject_id: Some(id.to_owned()),
                ..Default::default()
            },
            10,
            0,
        )
        .await
        .unwrap();
    // The receipt, then the confirmation (newest first).
    assert_eq!(n, 2, "{events:?}");
    assert_eq!(
        events[0].dedupe_key.as_deref(),
        Some(format!("booking-confirmed:{id}").as_str())
    );
    assert!(
        events[1]
            .dedupe_key
            .as_deref()
            .is_some_and(|k| k.starts_with("payment-received:")),
        "{events:?}"
    );

    // Paying again (a double click with a new key) charges nothing more.
    let (status, again, _) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_visa"),
        &[("idempotency-key", "pay-2")],
    )
    .await;
    assert_eq!(status, 200, "{again}");
    assert_eq!(again["payments"].as_array().unwrap().len(), 1);

    // My bookings.
    let (status, mine) = get(&app, &client, "/api/v1/orders", None).await;
    assert_eq!(status, 200);
    assert_eq!(mine["orders"][0]["id"], id);
    assert_eq!(mine["orders"][0]["titles"][0], "PVG → LHR");
    // Pre-trip reminders were scheduled for departure and check-in.
    let reminders = app.state.store().order_reminders(id).await.unwrap();
    assert_eq!(reminders.len(), 2);
    // Someone else cannot see it; nobody signed out can.
    let (other, _) = app.signed_in("other@example.com").await;
    assert_eq!(
        get(&app, &other, &format!("/api/v1/orders/{id}"), None)
            .await
            .0,
        404
    );
    assert_eq!(
        get(&app, &new_client(), &format!("/api/v1/orders/{id}"), None)
            .await
            .0,
        401
    );
    let (status, _, _) = post(
        &app,
        &other,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_visa"),
        &[],
    )
    .await;
    assert_eq!(status, 404);
}

#[tokio::test]
async fn a_guest_books_finds_the_order_by_reference_and_pays_with_the_guest_token() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 10, 1).await;
    let guest = new_client();
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let (status, order, _) = post(&app, &guest, "/api/v1/orders", &body, &[]).await;
    assert_eq!(status, 201, "{order}");
    let token = order["guest_token"].as_str().unwrap().to_owned();
    let id = order["id"].as_str().unwrap();
    let (status, seen) = get(
        &app,
        &new_client(),
        &format!("/api/v1/orders/{id}"),
        Some(&token),
    )
    .await;
    assert_eq!(status, 200, "{seen}");
    // The token opens this order only.
    let (_, other, _) = post(&app, &new_client(), "/api/v1/orders", &body, &[]).await;
    let other_id = other["id"].as_str().unwrap();
    assert_eq!(
        get(
            &app,
            &new_client(),
            &format!("/api/v1/orders/{other_id}"),
            Some(&token)
        )
        .await
        .0,
        404
    );
    // Found again by reference and e-mail (any case and spacing).
    let reference = order["reference"].as_str().unwrap().to_lowercase();
    let (status, found, _) = post(
        &app,
        &new_client(),
        "/api/v1/orders/find",
        &json!({"reference": format!(" {reference} "), "email": "MEI@example.com"}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{found}");
    assert_eq!(found["id"], id);
    let (status, _, _) = post(
        &app,
        &new_client(),
        "/api/v1/orders/find",
        &json!({"reference": reference, "email": "someone@example.com"}),
        &[],
    )
    .await;
    assert_eq!(status, 404);
    let found_token = found["guest_token"].as_str().unwrap();
    let res = new_client()
        .post(app.url(&format!("/api/v1/orders/{id}/payments")))
        .bearer_auth(found_token)
        .json(&pay_body("pm_card_mastercard"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "confirmed");
    assert_eq!(paid["timeline"][0]["actor"], "guest");
}

#[tokio::test]
async fn an_agent_books_for_a_customer_who_gets_the_confirmation() {
    let app = spawn_app().await;
    let (agent, agent_id) = app.signed_in("agent@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 11, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")],
                      "contact": {"email": "customer@example.com", "phone": "+8613900139000"},
                      "customer": "customer@example.com"});
    // Not an agent yet: refused.
    let (status, _, _) = post(&app, &agent, "/api/v1/orders", &body, &[]).await;
    assert_eq!(status, 403);
    app.state
        .store()
        .grant_role(&agent_id, "agent", None, Utc::now())
        .await
        .unwrap();
    let (status, order, _) = post(&app, &agent, "/api/v1/orders", &body, &[]).await;
    assert_eq!(status, 201, "{order}");
    assert_eq!(order["agent_id"], agent_id.as_str());
    assert_eq!(order["timeline"][0]["actor"], format!("agent:{agent_id}"));
    let id = order["id"].as_str().unwrap();
    let (status, paid, _) = post(
        &app,
        &agent,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_visa"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    app.wait_for_message("customer@example.com", order["reference"].as_str().unwrap())
        .await;
    // The customer's account was made on the spot and the order is theirs.
    let customer = app
        .state
        .store()
        .user_by_email("customer@example.com")
        .await
        .unwrap()
        .unwrap();
    let row = app.state.store().order(id).await.unwrap().unwrap();
    assert_eq!(row.user_id.as_deref(), Some(customer.id.as_str()));
    // The agent lists it among theirs.
    let (_, mine) = get(&app, &agent, "/api/v1/orders", None).await;
    assert_eq!(mine["orders"][0]["id"], id);
}

#[tokio::test]
async fn creation_and_payment_are_idempotent_and_a_reused_key_with_another_body_is_refused() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 9, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let key = [("idempotency-key", "create-once")];
    let (s1, first, h1) = post(&app, &client, "/api/v1/orders", &body, &key).await;
    let (s2, second, h2) = post(&app, &client, "/api/v1/orders", &body, &key).await;
    assert_eq!((s1, s2), (201, 201));
    assert_eq!(first["id"], second["id"]);
    assert!(h1.get("idempotent-replayed").is_none());
    assert_eq!(h2.get("idempotent-replayed").unwrap(), "true");
    let mut other = body.clone();
    other["contact"]["email"] = json!("else@example.com");
    let (s3, err, _) = post(&app, &client, "/api/v1/orders", &other, &key).await;
    assert_eq!(s3, 422);
    assert_eq!(err["error"]["code"], "idempotency_key_reused");
    let (_, mine) = get(&app, &client, "/api/v1/orders", None).await;
    assert_eq!(
        mine["orders"].as_array().unwrap().len(),
        1,
        "one order for one key"
    );

    // Ten concurrent clicks on "pay" with one key: one payment.
    let id = first["id"].as_str().unwrap().to_owned();
    let clicks = (0..10).map(|_| {
        let client = client.clone();
        let url = app.url(&format!("/api/v1/orders/{id}/payments"));
        tokio::spawn(async move {
            client
                .post(url)
                .header("idempotency-key", "pay-click")
                .json(&pay_body("pm_card_visa"))
                .send()
                .await
                .unwrap()
                .status()
                .as_u16()
        })
    });
    let statuses: Vec<u16> = futures::future::join_all(clicks)
        .await
        .into_iter()
        .map(Result::unwrap)
        .collect();
    assert!(
        statuses.iter().all(|s| *s == 200 || *s == 409),
        "{statuses:?}"
    );
    assert!(statuses.contains(&200));
    let payments = app.state.store().order_payments(&id).await.unwrap();
    assert_eq!(payments.len(), 1, "{payments:?}");
    assert_eq!(payments[0].status, "succeeded");
}

#[tokio::test]
async fn a_declined_card_charges_nothing_and_the_order_can_be_paid_with_another() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 8, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let (_, order, _) = post(&app, &client, "/api/v1/orders", &body, &[]).await;
    let id = order["id"].as_str().unwrap();
    let path = format!("/api/v1/orders/{id}/payments");
    let (status, err, _) = post(
        &app,
        &client,
        &path,
        &pay_body("pm_card_chargeDeclinedInsufficientFunds"),
        &[],
    )
    .await;
    assert_eq!(status, 402, "{err}");
    assert_eq!(err["error"]["code"], "payment_declined");
    assert_eq!(
        err["error"]["details"]["decline_code"],
        "insufficient_funds"
    );
    let (_, now) = get(&app, &client, &format!("/api/v1/orders/{id}"), None).await;
    assert_eq!(now["status"], "held");
    assert_eq!(now["payments"][0]["status"], "failed");
    assert_eq!(now["payments"][0]["captured"]["amount"], "0.00");
    let (status, paid, _) = post(&app, &client, &path, &pay_body("pm_card_visa"), &[]).await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    assert_eq!(
        paid["payments"].as_array().unwrap().len(),
        2,
        "both attempts are kept"
    );
    // A Chinese error message for a Chinese client.
    let res = client
        .post(app.url(&path))
        .header("accept-language", "zh-CN")
        .json(&pay_body("nonsense"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "a confirmed order answers itself");
}

#[tokio::test]
async fn three_d_secure_waits_for_the_bank_then_confirms_or_fails() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 8, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let (_, order, _) = post(&app, &client, "/api/v1/orders", &body, &[]).await;
    let id = order["id"].as_str().unwrap();
    let (status, waiting, _) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_authenticationRequired"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["status"], "awaiting_payment");
    assert!(
        waiting["next_action_url"]
            .as_str()
            .unwrap()
            .starts_with("/payments/sandbox/authenticate/")
    );
    let payment_id = waiting["payments"][0]["id"].as_str().unwrap();
    let (status, done, _) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments/{payment_id}/authenticate"),
        &json!({"approved": true}),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{done}");
    assert_eq!(done["status"], "confirmed");
}

#[tokio::test]
async fn a_changed_price_must_be_accepted_and_bad_travellers_are_refused_by_field() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PVG", "LHR", 25, 1).await;
    let base = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let guest = new_client();
    let mut wrong = base.clone();
    wrong["accept_price"] =
        json!({"amount": "1.00", "currency": offer["total_amount"]["currency"]});
    let (status, err, _) = post(&app, &guest, "/api/v1/orders", &wrong, &[]).await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "price_changed");
    assert_eq!(
        err["error"]["details"]["total_amount"],
        offer["total_amount"]
    );
    let mut right = base.clone();
    right["accept_price"] = offer["total_amount"].clone();
    assert_eq!(
        post(&app, &guest, "/api/v1/orders", &right, &[]).await.0,
        201
    );

    let cases: Vec<(Value, &str, &str)> = vec![
        (
            json!({"given_name": "W3i"}),
            "passengers[0].given_name",
            "passport",
        ),
        (
            json!({"type": "child", "born_on": "2000-01-01"}),
            "passengers[0].born_on",
            "travel date",
        ),
        (
            json!({"passport_expires_on": date_in(40)}),
            "passengers[0].passport_expires_on",
            "6 months",
        ),
        (
            json!({"passport_number": null}),
            "passengers[0].passport_number",
            "passport",
        ),
        (
            json!({"born_on": date_in(2)}),
            "passengers[0].born_on",
            "future",
        ),
    ];
    for (change, field, words) in cases {
        let mut body = base.clone();
        for (k, v) in change.as_object().unwrap() {
            body["passengers"][0][k] = v.clone();
        }
        let (status, err, _) = post(&app, &guest, "/api/v1/orders", &body, &[]).await;
        assert_eq!(status, 422, "{field}: {err}");
        assert_eq!(err["error"]["details"]["field"], field, "{err}");
        assert!(
            err["error"]["message"].as_str().unwrap().contains(words),
            "{err}"
        );
    }
    // In Chinese too.
    let mut body = base.clone();
    body["passengers"][0]["given_name"] = json!("W3i");
    let res = guest
        .post(app.url("/api/v1/orders"))
        .header("accept-language", "zh-CN")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let err: Value = res.json().await.unwrap();
    assert!(
        err["error"]["message"].as_str().unwrap().contains("请检查"),
        "{err}"
    );
    // An unknown offer.
    let mut body = base.clone();
    body["flight_offer_ids"] = json!(["bi_nonsense"]);
    let (status, err, _) = post(&app, &guest, "/api/v1/orders", &body, &[]).await;
    assert!(status == 410 || status == 404, "{status} {err}");
    // Nothing at all.
    let (status, err, _) = post(
        &app,
        &guest,
        "/api/v1/orders",
        &json!({"contact": contact()}),
        &[],
    )
    .await;
    assert_eq!(status, 422, "{err}");
    // Not JSON.
    let res = guest
        .post(app.url("/api/v1/orders"))
        .header("content-type", "application/json")
        .body("{")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
}

#[tokio::test]
async fn an_expired_hold_gives_the_seats_back_and_is_never_charged() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 7, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let (_, order, _) = post(&app, &client, "/api/v1/orders", &body, &[]).await;
    let id = order["id"].as_str().unwrap();
    let store = app.state.store();
    let held_ref = store.order_items(id).await.unwrap()[0]
        .supplier_ref
        .clone()
        .unwrap();
    // Time passes: the hold ends a second ago.
    let mut row = store.order(id).await.unwrap().unwrap();
    row.hold_expires_at = Utc::now() - Duration::seconds(1);
    use wayfare_store::sea_orm::{ActiveModelTrait, IntoActiveModel};
    let mut active = row.clone().into_active_model();
    active.hold_expires_at = wayfare_store::sea_orm::ActiveValue::Set(row.hold_expires_at);
    active.update(store.db()).await.unwrap();
    let report = app.state.orders().sweep().await.unwrap();
    assert_eq!(report.expired, 1);
    let after = store.order(id).await.unwrap().unwrap();
    assert_eq!(after.status, "expired");
    assert_eq!(store.order_items(id).await.unwrap()[0].status, "released");
    let supplier_order = store.flight_order(&held_ref).await.unwrap().unwrap();
    assert_eq!(
        supplier_order.status, "cancelled",
        "the seats went back on sale"
    );
    let (status, err, _) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &pay_body("pm_card_visa"),
        &[],
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "hold_expired");
    assert!(
        store.order_payments(id).await.unwrap().is_empty(),
        "nothing was charged"
    );
    let events: Vec<String> = store
        .order_events(id)
        .await
        .unwrap()
        .into_iter()
        .map(|e| e.event)
        .collect();
    assert_eq!(events, ["created", "hold_expired"]);
}

#[tokio::test]
async fn two_hundred_buyers_race_for_the_last_seats_and_exactly_that_many_get_an_order() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 13, 1).await;
    let offer_id = offer["id"].as_str().unwrap().to_owned();
    // Sell all but four seats of every flight of the offer straight in the store.
    let b = app.state.flights().builtin().unwrap().clone();
    let priced = wayfare_suppliers::flight::FlightSupplier::price(&*b, &offer_id)
        .await
        .unwrap();
    let index = b.index();
    let mut takes = Vec::new();
    for s in priced.slices.iter().flat_map(|s| s.segments.iter()) {
        let leg = index
            .find_leg(
                s.marketing_carrier,
                s.flight_number,
                s.departing_at.date_naive(),
                s.origin,
            )
            .unwrap();
        let physical = index.operating_leg(leg);
        let l = index.leg(physical);
        let f = index.flight(l);
        let capacity = f.seats.get(priced.cabin);
        takes.push(wayfare_store::flight_orders::SeatTake {
            carrier: f.carrier,
            flight_number: f.flight_number,
            departure_date: l.date,
            origin: index.airport(l.origin).code,
            cabin: priced.cabin,
            seats: capacity - 4,
            capacity,
        });
    }
    let presale = app
        .state
        .store()
        .create_flight_order(wayfare_store::flight_orders::NewFlightOrder {
            id: "bfo_presale".into(),
            booking_reference: "PRESAL".into(),
            status: wayfare_store::flight_orders::FlightOrderStatus::Confirmed,
            offer_id: offer_id.clone(),
            offer: "{}".into(),
            passengers: "[]".into(),
            seats: takes.clone(),
            tickets: Vec::new(),
            total: priced.price.total,
            idempotency_key: "presale".into(),
            request_hash: "presale".into(),
            payment_required_by: None,
            now: Utc::now(),
        })
        .await
        .unwrap();
    assert!(matches!(
        presale,
        wayfare_store::flight_orders::CreateFlightOrder::Created(_)
    ));

    let body = json!({"flight_offer_ids": [offer_id], "passengers": [adult("Wei", "Li")], "contact": contact()});
    let attempts = (0..200).map(|_| {
        let url = app.url("/api/v1/orders");
        let body = body.clone();
        tokio::spawn(async move {
            let res = new_client()
                .post(url)
                .header("accept-language", "en")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        })
    });
    let results = futures::future::join_all(attempts).await;
    let mut won = 0;
    for r in results {
        let (status, body) = r.unwrap();
        match status {
            201 => won += 1,
            409 => {
                assert_eq!(body["error"]["code"], "sold_out", "{body}");
                assert!(
                    body["error"]["message"]
                        .as_str()
                        .unwrap()
                        .contains("sold out")
                );
            }
            other => panic!("a losing buyer must hear 'sold out', got {other}: {body}"),
        }
    }
    assert_eq!(won, 4);
    // Exactly four orders, each whole: an item holding a supplier order.
    use wayfare_store::sea_orm::{EntityTrait, PaginatorTrait};
    let orders = wayfare_store::entity::order::Entity::find()
        .count(app.state.store().db())
        .await
        .unwrap();
    assert_eq!(orders, 4);
    let items = wayfare_store::entity::order_item::Entity::find()
        .all(app.state.store().db())
        .await
        .unwrap();
    assert_eq!(items.len(), 4);
    assert!(
        items
            .iter()
            .all(|i| i.supplier_ref.is_some() && i.status == "held")
    );
    for t in &takes {
        let sold = app
            .state
            .store()
            .seats_sold(t.carrier, t.flight_number, t.departure_date, t.cabin)
            .await
            .unwrap();
        assert_eq!(sold, i32::from(t.capacity), "sold out, never beyond");
    }
}

#[tokio::test]
async fn guessing_booking_references_from_one_address_is_slowed_then_refused() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 10, 1).await;
    let body = json!({"flight_offer_ids": [offer["id"]], "passengers": [adult("Mei", "Wang")],
                      "contact": contact()});
    let (status, order, _) = post(&app, &new_client(), "/api/v1/orders", &body, &[]).await;
    assert_eq!(status, 201, "{order}");
    let reference = order["reference"].as_str().unwrap();
    let find = |email: &str| json!({"reference": reference, "email": email});
    // People mistype: the first misses are answered at once…
    for n in 0..21 {
        let (status, _, _) = post(
            &app,
            &new_client(),
            "/api/v1/orders/find",
            &find(&format!("guess{n}@example.com")),
            &[],
        )
        .await;
        assert_eq!(status, 404, "miss {n}");
    }
    // …then the address must wait, even with the right details, in the caller's language.
    let res = new_client()
        .post(app.url("/api/v1/orders/find"))
        .header("accept-language", "zh-CN")
        .json(&find("mei@example.com"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    let err: Value = res.json().await.unwrap();
    assert_eq!(err["error"]["code"], "too_many_attempts", "{err}");
    assert!(
        err["error"]["message"]
            .as_str()
            .unwrap()
            .contains("尝试次数过多"),
        "{err}"
    );
    // The find page shares the count.
    let client = new_client();
    let home = client
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = wayfare_testkit::extract_csrf(&home).unwrap();
    let res = client
        .post(app.url("/bookings/find"))
        .form(&[
            ("reference", reference),
            ("email", "mei@example.com"),
            ("csrf_token", csrf.as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 429);
    // Once the wait is over, the right details find it.
    tokio::time::sleep(std::time::Duration::from_millis(1_100)).await;
    let (status, found, _) = post(
        &app,
        &new_client(),
        "/api/v1/orders/find",
        &find("mei@example.com"),
        &[],
    )
    .await;
    assert_eq!(status, 200, "{found}");
    app.stop().await;
}
