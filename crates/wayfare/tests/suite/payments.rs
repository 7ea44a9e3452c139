//! Payments over real HTTP: the sandbox's late notification confirming an order, forged and
//! repeated notifications, a lost answer resolved by `wayfare payments reconcile`, and staff
//! refunds, captures and voids through `/api/v1/payments`; and no card number in the logs or
//! the database (the SQLite file, or every PostgreSQL row) after a card flow.

use std::time::{Duration as StdDuration, Instant};

use chrono::{Duration, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_testkit::{TestApp, new_client, run_cli, spawn_app, spawn_app_with};

const BIN: &str = env!("CARGO_BIN_EXE_wayfare");

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn send(
    app: &TestApp,
    client: &Client,
    method: reqwest::Method,
    path: &str,
    body: Option<&Value>,
    headers: &[(&str, &str)],
) -> (u16, Value) {
    let mut req = client
        .request(method, app.url(path))
        .header("accept-language", "en");
    if let Some(b) = body {
        req = req.json(b);
    }
    for (k, v) in headers {
        req = req.header(*k, *v);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

pub(crate) async fn post(app: &TestApp, client: &Client, path: &str, body: &Value) -> (u16, Value) {
    send(app, client, reqwest::Method::POST, path, Some(body), &[]).await
}

pub(crate) async fn get(app: &TestApp, client: &Client, path: &str) -> (u16, Value) {
    send(app, client, reqwest::Method::GET, path, None, &[]).await
}

/// A held one-way order PEK→SHA for one adult, made by `client` (contact mei@example.com).
pub(crate) async fn held_order(app: &TestApp, client: &Client, days: i64) -> Value {
    held_order_in(app, client, days, None, "CN").await
}

/// [`held_order`] in `currency` (the offer's when `None`), the traveller of `nationality`.
pub(crate) async fn held_order_in(
    app: &TestApp,
    client: &Client,
    days: i64,
    currency: Option<&str>,
    nationality: &str,
) -> Value {
    let (status, search) = post(
        app,
        &new_client(),
        "/api/v1/flights/search",
        &json!({"slices": [{"origin": "PEK", "destination": "SHA", "departure_date": date_in(days)}],
                "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 1,
                "sort": "price", "limit": 5}),
    )
    .await;
    assert_eq!(status, 200, "{search}");
    let mut body = json!({"flight_offer_ids": [search["offers"][0]["id"]],
        "passengers": [{"type": "adult", "given_name": "Wei", "family_name": "Li",
            "born_on": "1988-05-01", "gender": "f", "nationality": nationality}],
        "contact": {"email": "mei@example.com", "phone": "+8613800138000"}});
    if let Some(c) = currency {
        body["currency"] = json!(c);
    }
    let (status, order) = post(app, client, "/api/v1/orders", &body).await;
    assert_eq!(status, 201, "{order}");
    order
}

async fn pay(app: &TestApp, client: &Client, order_id: &str, method: &str) -> (u16, Value) {
    post(
        app,
        client,
        &format!("/api/v1/orders/{order_id}/payments"),
        &json!({"provider": "sandbox", "payment_method": method}),
    )
    .await
}

/// Polls the order until `done` says so (the sandbox's notifications are sent by the server
/// itself every half second).
async fn wait_for(
    app: &TestApp,
    client: &Client,
    order_id: &str,
    done: impl Fn(&Value) -> bool,
) -> Value {
    let started = Instant::now();
    loop {
        let (_, order) = get(app, client, &format!("/api/v1/orders/{order_id}")).await;
        if done(&order) || started.elapsed() > StdDuration::from_secs(30) {
            return order;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
}

async fn webhook(app: &TestApp, body: &str, signature: Option<&str>) -> (u16, Value) {
    let mut req = new_client()
        .post(app.url("/api/v1/webhooks/sandbox"))
        .header("content-type", "application/json")
        .body(body.to_owned());
    if let Some(s) = signature {
        req = req.header("Sandbox-Signature", s);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_late_notification_confirms_the_order_and_forged_or_repeated_ones_change_nothing() {
    let app = spawn_app_with(|c| c.payments.sandbox_webhook_delay_secs = 0).await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let order = held_order(&app, &client, 9).await;
    let id = order["id"].as_str().unwrap();
    let (status, waiting) = pay(&app, &client, id, "pm_card_sandboxLateWebhook").await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["status"], "awaiting_payment");
    assert_eq!(waiting["payments"][0]["status"], "processing");

    // The notification arrives over HTTP, verified; the order goes on and is confirmed.
    let done = wait_for(&app, &client, id, |o| o["status"] == "confirmed").await;
    assert_eq!(done["status"], "confirmed", "{done}");
    let payment = &done["payments"][0];
    assert_eq!(payment["status"], "succeeded");
    assert_eq!(payment["captured"], payment["amount"]);
    let payment_id = payment["id"].as_str().unwrap();

    // Forged: a wrong signature, none at all, an unknown provider.
    let secret = wayfare::app::sandbox_webhook_secret(&app.state.config().secret_key);
    let now = Utc::now().timestamp();
    let forged =
        json!({"id": "evt_sbx_forged", "object": "event", "type": "payment_intent.succeeded",
        "created": now, "data": {"object": {"id": "pi_sbx_nobody", "object": "payment_intent",
        "status": "succeeded", "amount": 100, "amount_captured": 100, "currency": "eur",
        "reference": "NOBODY"}}})
        .to_string();
    let wrong = wayfare_payments::sandbox::sign_webhook(b"not the secret", forged.as_bytes(), now);
    let (status, err) = webhook(&app, &forged, Some(&wrong)).await;
    assert_eq!(status, 400, "{err}");
    assert_eq!(err["error"]["code"], "webhook_rejected");
    let (status, _) = webhook(&app, &forged, None).await;
    assert_eq!(status, 400);
    let stale = wayfare_payments::sandbox::sign_webhook(&secret, forged.as_bytes(), now - 3600);
    assert_eq!(webhook(&app, &forged, Some(&stale)).await.0, 400);
    let res = new_client()
        .post(app.url("/api/v1/webhooks/nopay"))
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // Genuine but about a payment we do not have: accepted, nothing changes.
    let signed = wayfare_payments::sandbox::sign_webhook(&secret, forged.as_bytes(), now);
    let (status, ack) = webhook(&app, &forged, Some(&signed)).await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["outcome"], "unknown");
    // The same event again is a repeat.
    let (status, ack) = webhook(&app, &forged, Some(&signed)).await;
    assert_eq!(status, 200);
    assert_eq!(ack["outcome"], "duplicate");

    // A genuine, older notification about our payment ("authorised", after the capture)
    // does not move it back; one with another amount is refused as a mismatch.
    let provider_id = app
        .state
        .store()
        .order_payment(payment_id)
        .await
        .unwrap()
        .unwrap()
        .provider_payment_id
        .unwrap();
    let amount_minor = app
        .state
        .store()
        .order_payment(payment_id)
        .await
        .unwrap()
        .unwrap()
        .amount_minor;
    let old = json!({"id": "evt_sbx_old", "object": "event",
        "type": "payment_intent.amount_capturable_updated", "created": now - 60,
        "data": {"object": {"id": provider_id, "object": "payment_intent",
        "status": "authorized", "amount": amount_minor, "amount_captured": 0,
        "currency": done["total_amount"]["currency"].as_str().unwrap().to_lowercase(),
        "reference": done["reference"]}}})
    .to_string();
    let (status, ack) = webhook(
        &app,
        &old,
        Some(&wayfare_payments::sandbox::sign_webhook(
            &secret,
            old.as_bytes(),
            now,
        )),
    )
    .await;
    assert_eq!(status, 200, "{ack}");
    assert_eq!(ack["outcome"], "no_change");
    let wrong_amount = old
        .replace("evt_sbx_old", "evt_sbx_wrong")
        .replace(&format!("\"amount\":{amount_minor}"), "\"amount\":1");
    let (_, ack) = webhook(
        &app,
        &wrong_amount,
        Some(&wayfare_payments::sandbox::sign_webhook(
            &secret,
            wrong_amount.as_bytes(),
            now,
        )),
    )
    .await;
    assert_eq!(ack["outcome"], "amount_mismatch");
    let (_, after) = get(&app, &client, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(after["status"], "confirmed");
    assert_eq!(after["payments"][0]["status"], "succeeded");

    // Counted per provider.
    let metrics = new_client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.contains("payment_webhooks_total{provider=\"sandbox\",outcome=\"rejected\"}"),
        "{metrics}"
    );
    assert!(metrics.contains(
        "payment_provider_calls_total{provider=\"sandbox\",operation=\"create\",outcome=\"ok\"}"
    ));
}

#[tokio::test]
async fn a_lost_answer_leaves_the_order_waiting_until_reconciliation_settles_it() {
    // The sandbox's own notification would come an hour later: reconciliation comes first.
    let app = spawn_app_with(|c| c.payments.sandbox_webhook_delay_secs = 3600).await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let order = held_order(&app, &client, 12).await;
    let id = order["id"].as_str().unwrap();
    let (status, waiting) = pay(&app, &client, id, "pm_card_sandboxTimeout").await;
    assert_eq!(status, 200, "{waiting}");
    assert_eq!(waiting["status"], "awaiting_payment");
    assert_eq!(waiting["payments"][0]["status"], "processing");
    assert!(
        waiting["timeline"]
            .as_array()
            .unwrap()
            .iter()
            .any(|e| e["event"] == "payment_unknown")
    );
    // Paying again meanwhile is refused: no second charge.
    let (status, err) = pay(&app, &client, id, "pm_card_visa").await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "payment_in_progress");

    // The operator runs it with the server's configuration (the same public address, which
    // the payment request names).
    let base_url = app.state.orders().config().public_base_url.clone();
    let mut env = vec![("WAYFARE_ACCOUNTS__PUBLIC_BASE_URL", base_url.as_str())];
    let schema;
    if let Some(s) = &app.config.database.schema {
        schema = s.clone();
        env.push(("WAYFARE_DATABASE__SCHEMA", schema.as_str()));
    }
    let (code, out, err) = run_cli(
        BIN,
        &[
            "payments",
            "reconcile",
            "--database",
            &app.config.database_url,
        ],
        &env,
        app.dir(),
    );
    assert_eq!(code, 0, "{out}\n{err}");
    assert!(out.contains("processing -> "), "{out}");
    let (_, done) = get(&app, &client, &format!("/api/v1/orders/{id}")).await;
    assert_eq!(done["status"], "confirmed", "{done}");
    assert_eq!(done["payments"][0]["status"], "succeeded");
    assert_eq!(
        done["payments"].as_array().unwrap().len(),
        1,
        "charged once"
    );
    // Nothing left to do the second time.
    let report = app
        .state
        .orders()
        .reconcile(Duration::zero())
        .await
        .unwrap();
    assert!(report.fixed.is_empty(), "{report:?}");
}

#[tokio::test]
async fn staff_refund_and_void_through_the_payments_api_and_travellers_only_read() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let order = held_order(&app, &client, 14).await;
    let id = order["id"].as_str().unwrap();
    let (status, paid) = pay(&app, &client, id, "pm_card_visa").await;
    assert_eq!(status, 200, "{paid}");
    let payment_id = paid["payments"][0]["id"].as_str().unwrap().to_owned();
    let total = paid["total_amount"].clone();
    let currency = total["currency"].as_str().unwrap().to_owned();

    // The traveller reads it; someone else gets 404; nobody signed in gets 401.
    let (status, detail) = get(&app, &client, &format!("/api/v1/payments/{payment_id}")).await;
    assert_eq!(status, 200, "{detail}");
    assert_eq!(detail["order_id"], id);
    assert_eq!(detail["payment"]["status"], "succeeded");
    let (stranger, _) = app.signed_in("stranger@example.com").await;
    assert_eq!(
        get(&app, &stranger, &format!("/api/v1/payments/{payment_id}"))
            .await
            .0,
        404
    );
    assert_eq!(
        get(
            &app,
            &new_client(),
            &format!("/api/v1/payments/{payment_id}")
        )
        .await
        .0,
        401
    );

    // Travellers cannot refund themselves.
    let refunds = format!("/api/v1/payments/{payment_id}/refunds");
    let part = json!({"amount": {"amount": "10.00", "currency": currency}, "reason": "seat fee"});
    let (status, _) = send(
        &app,
        &client,
        reqwest::Method::POST,
        &refunds,
        Some(&part),
        &[("idempotency-key", "r1")],
    )
    .await;
    assert_eq!(status, 403);

    let (finance, finance_id) = app.signed_in("finance@example.com").await;
    app.state
        .store()
        .grant_role(&finance_id, "finance", None, Utc::now())
        .await
        .unwrap();
    // A key is required.
    let (status, err) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&part),
        &[],
    )
    .await;
    assert_eq!(status, 422, "{err}");
    let (status, first) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&part),
        &[("idempotency-key", "r1")],
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["status"], "succeeded");
    assert_eq!(first["amount"]["amount"], "10.00");
    // A retry is the same refund.
    let (status, again) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&part),
        &[("idempotency-key", "r1")],
    )
    .await;
    assert_eq!(status, 201);
    assert_eq!(again["id"], first["id"]);
    // More than is left: refused, nothing recorded.
    let too_much =
        json!({"amount": {"amount": "999999.00", "currency": currency}, "reason": "oops"});
    let (status, err) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&too_much),
        &[("idempotency-key", "r2")],
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "refund_not_allowed");
    // The rest.
    let (status, rest) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&json!({"reason": "trip cancelled"})),
        &[("idempotency-key", "r3")],
    )
    .await;
    assert_eq!(status, 201, "{rest}");
    let (_, detail) = get(&app, &finance, &format!("/api/v1/payments/{payment_id}")).await;
    assert_eq!(detail["payment"]["refunded"], detail["payment"]["captured"]);
    assert_eq!(detail["refunds"].as_array().unwrap().len(), 2);
    // Nothing left; and a captured payment can be neither captured nor voided.
    let (status, _) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &refunds,
        Some(&json!({"reason": "again"})),
        &[("idempotency-key", "r4")],
    )
    .await;
    assert_eq!(status, 409);
    let (status, err) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &format!("/api/v1/payments/{payment_id}/capture"),
        Some(&json!({})),
        &[],
    )
    .await;
    assert_eq!(status, 409, "{err}");
    assert_eq!(err["error"]["code"], "payment_state");
    let (status, _) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &format!("/api/v1/payments/{payment_id}/void"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 409);
    // The timeline tells the story.
    let (_, after) = get(&app, &client, &format!("/api/v1/orders/{id}")).await;
    let events: Vec<&str> = after["timeline"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|e| e["event"].as_str())
        .collect();
    assert!(
        events.contains(&"refund_requested") && events.contains(&"refund_succeeded"),
        "{events:?}"
    );

    // A payment waiting for the bank can be voided by staff: the order can be paid again.
    let second = held_order(&app, &client, 15).await;
    let second_id = second["id"].as_str().unwrap();
    let (_, waiting) = pay(&app, &client, second_id, "pm_card_authenticationRequired").await;
    assert_eq!(waiting["payments"][0]["status"], "requires_action");
    let waiting_payment = waiting["payments"][0]["id"].as_str().unwrap();
    let (status, voided) = send(
        &app,
        &finance,
        reqwest::Method::POST,
        &format!("/api/v1/payments/{waiting_payment}/void"),
        None,
        &[],
    )
    .await;
    assert_eq!(status, 200, "{voided}");
    assert_eq!(voided["payment"]["status"], "cancelled");
    let (_, held) = get(&app, &client, &format!("/api/v1/orders/{second_id}")).await;
    assert_eq!(held["status"], "held");
    let (status, paid) = pay(&app, &client, second_id, "pm_card_visa").await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
}

/// Kills the server when the test ends, however it ends.
struct Server(std::process::Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

/// The text of every row of every table in `schema`; the schema is dropped afterwards.
async fn postgres_rows(url: &str, schema: &str) -> String {
    use wayfare_store::sea_orm::{ConnectionTrait, Database, DbBackend, Statement};
    let conn = Database::connect(url).await.unwrap();
    let tables = conn
        .query_all_raw(Statement::from_sql_and_values(
            DbBackend::Postgres,
            "SELECT table_name::text AS name FROM information_schema.tables WHERE table_schema = $1",
            [schema.into()],
        ))
        .await
        .unwrap();
    assert!(tables.len() > 10, "the server's tables are in {schema}");
    let mut out = String::new();
    for t in tables {
        let name: String = t.try_get("", "name").unwrap();
        let rows = conn
            .query_all_raw(Statement::from_string(
                DbBackend::Postgres,
                format!(
                    "SELECT row_to_json(t)::text AS j FROM {}.{} t",
                    wayfare_store::quote_ident(schema),
                    wayfare_store::quote_ident(&name)
                ),
            ))
            .await
            .unwrap();
        for r in rows {
            let j: String = r.try_get("", "j").unwrap();
            // Text only: numeric columns (a hotel's numeric id) hold no card data, and their
            // digits would be read as one by chance.
            strings_of(&serde_json::from_str(&j).unwrap(), &mut out);
        }
    }
    conn.execute_unprepared(&format!(
        "DROP SCHEMA IF EXISTS {} CASCADE",
        wayfare_store::quote_ident(schema)
    ))
    .await
    .unwrap();
    out
}

/// Every string in a JSON value, one per line.
fn strings_of(v: &Value, out: &mut String) {
    match v {
        Value::String(s) => {
            out.push_str(s);
            out.push('\n');
        }
        Value::Array(a) => a.iter().for_each(|v| strings_of(v, out)),
        Value::Object(o) => o.values().for_each(|v| strings_of(v, out)),
        _ => {}
    }
}

/// Printable text of a file (SQLite pages keep text as bytes).
fn text_of(path: &std::path::Path) -> String {
    std::fs::read(path)
        .map(|b| String::from_utf8_lossy(&b).into_owned())
        .unwrap_or_default()
}

#[tokio::test]
async fn no_card_number_is_stored_or_logged_after_a_card_flow() {
    use std::io::{BufRead, BufReader};
    // The real server in its own process, logging everything at debug level to stderr.
    let dir = tempfile::tempdir().unwrap();
    let db = dir.path().join("cards.db");
    let log = dir.path().join("server.log");
    // SQLite: the file is read as it lies on disk; PostgreSQL: every row of a schema of its own.
    let pg = std::env::var(wayfare_testkit::TEST_DATABASE_ENV)
        .ok()
        .filter(|u| u.starts_with("postgres"));
    let schema = format!("t_cards_{}", std::process::id());
    let mut command = std::process::Command::new(BIN);
    command.args(["serve", "--bind", "127.0.0.1:0", "--database"]);
    match &pg {
        Some(url) => {
            command.arg(url).env("WAYFARE_DATABASE__SCHEMA", &schema);
        }
        None => {
            command.arg(format!("sqlite://{}", db.display()));
        }
    }
    let child = command
        .current_dir(dir.path())
        .env("RUST_LOG", "debug")
        .env("WAYFARE_FLIGHTS__DEMO_FLIGHTS_PER_DAY", "1500")
        .env("WAYFARE_FLIGHTS__HORIZON_DAYS", "45")
        .env("WAYFARE_HOTELS__DEMO_HOTELS", "3000")
        .env("WAYFARE_ACCOUNTS__DEMO_ACCOUNTS", "false")
        .stdout(std::process::Stdio::piped())
        .stderr(std::fs::File::create(&log).unwrap())
        .spawn()
        .expect("start the server");
    let mut server = Server(child);
    let stdout = server.0.stdout.take().unwrap();
    let base = tokio::task::spawn_blocking(move || {
        let mut lines = BufReader::new(stdout).lines();
        loop {
            let line = lines.next()?.ok()?;
            if let Some(rest) = line.split("running at ").nth(1) {
                let url = rest.split_whitespace().next()?.to_owned();
                // Keep reading so the server never blocks on a full pipe.
                std::thread::spawn(move || for _ in lines {});
                return Some(url);
            }
        }
    })
    .await
    .unwrap()
    .expect("the server prints its address");
    let client = new_client();
    let search: Value = client
        .post(format!("{base}/api/v1/flights/search"))
        .json(&json!({"slices": [{"origin": "PEK", "destination": "SHA", "departure_date": date_in(9)}],
            "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 1, "limit": 3}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let order: Value = client
        .post(format!("{base}/api/v1/orders"))
        .json(&json!({"flight_offer_ids": [search["offers"][0]["id"]],
            "passengers": [{"type": "adult", "given_name": "Wei", "family_name": "Li",
                "born_on": "1988-05-01", "gender": "f", "nationality": "CN"}],
            "contact": {"email": "mei@example.com", "phone": "+8613800138000"}}))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let id = order["id"].as_str().expect("an order");
    let token = order["guest_token"].as_str().unwrap();
    let pay = |method: &'static str| {
        client
            .post(format!("{base}/api/v1/orders/{id}/payments"))
            .bearer_auth(token)
            .header("accept-language", "zh-CN")
            .json(&json!({"provider": "sandbox", "payment_method": method}))
            .send()
    };
    // A card number sent by mistake is refused before anything is written, and not echoed.
    let res = pay("4242 4242 4242 4242").await.unwrap();
    assert_eq!(res.status(), 422);
    let body = res.text().await.unwrap();
    assert!(!body.contains("4242"), "{body}");
    assert!(body.contains("令牌"), "a Chinese explanation: {body}");
    let res = pay("pm_card_visa").await.unwrap();
    assert_eq!(res.status(), 200);
    let paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "confirmed");
    drop(server);

    let logs = text_of(&log);
    assert!(
        logs.contains("sandbox payment created"),
        "debug logs were captured"
    );
    let stored = match &pg {
        Some(url) => postgres_rows(url, &schema).await,
        None => {
            let mut stored = text_of(&db);
            stored.push_str(&text_of(&dir.path().join("cards.db-wal")));
            stored
        }
    };
    assert!(stored.contains("pm_card_visa"), "the database was read");
    for (what, text) in [("logs", &logs), ("database", &stored)] {
        assert!(
            !text.contains("4242424242424242") && !text.contains("4242 4242 4242 4242"),
            "{what}"
        );
        if let Some(found) = wayfare_domain::payment::card::find_card_number(text) {
            let at = text.find(found).unwrap_or(0);
            let around: String = text[at..].chars().take(120).collect();
            panic!("a card number in the {what}: {found:?} in {around:?}");
        }
    }
}
