//! `wayfare bench booking`: whole orders over HTTP (create, then pay in the sandbox) by many
//! concurrent clients, on SQLite and on PostgreSQL; and the hot-flight race — many clients
//! after the last seats of one flight — through the real order path, next to a
//! `SELECT … FOR UPDATE` baseline run in the same process on the same database.

use std::sync::atomic::{AtomicUsize, Ordering};
use std::time::{Duration, Instant};

use chrono::Utc;
use serde_json::{Value, json};
use wayfare_store::flight_orders::{
    CreateFlightOrder, FlightOrderStatus, NewFlightOrder, SeatTake,
};
use wayfare_store::sea_orm::{self, ConnectionTrait, DbBackend, Statement, TransactionTrait};

use crate::bench::Percentiles;

fn ms(d: Duration) -> String {
    format!("{:.2} ms", d.as_secs_f64() * 1e3)
}

/// Domestic routes with many flights a day: orders spread over them like real demand.
const ROUTES: &[(&str, &str)] = &[
    ("PEK", "SHA"),
    ("SHA", "PEK"),
    ("PEK", "CAN"),
    ("CAN", "PEK"),
    ("PVG", "SZX"),
    ("SZX", "PVG"),
    ("PEK", "CTU"),
    ("CTU", "PEK"),
];

struct Running {
    base: String,
    stop: tokio::sync::oneshot::Sender<()>,
    server: tokio::task::JoinHandle<std::io::Result<()>>,
    state: wayfare_web::AppState,
    schema: Option<String>,
}

async fn start(url: &str, pool: u32) -> Result<Running, crate::StartupError> {
    let mut config = crate::Config {
        database_url: url.to_owned(),
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..crate::Config::default()
    };
    config.flights.demo_flights_per_day = 3_000;
    config.flights.horizon_days = 30;
    config.hotels.demo_hotels = 2_000;
    config.database.max_connections = pool;
    config.accounts.demo_accounts = false;
    if url.starts_with("postgres") {
        config.database.schema = Some(format!("bench_booking_{}", std::process::id()));
    }
    let schema = config.database.schema.clone();
    let app = crate::Application::build(&config).await?;
    let base = format!("http://{}", app.local_addr());
    let state = app.state().clone();
    let (stop, rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    Ok(Running {
        base,
        stop,
        server,
        state,
        schema,
    })
}

async fn offers(client: &reqwest::Client, base: &str, want: usize) -> Vec<String> {
    let mut out = Vec::new();
    let today = Utc::now().date_naive();
    'outer: for day in 5..30 {
        for (from, to) in ROUTES {
            let body = json!({"slices": [{"origin": from, "destination": to,
                "departure_date": (today + chrono::Duration::days(day)).to_string()}],
                "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 0, "limit": 50});
            let Ok(r) = client
                .post(format!("{base}/api/v1/flights/search"))
                .json(&body)
                .send()
                .await
            else {
                continue;
            };
            let v: Value = r.json().await.unwrap_or(Value::Null);
            for o in v["offers"].as_array().into_iter().flatten() {
                if let Some(id) = o["id"].as_str() {
                    out.push(id.to_owned());
                }
            }
            if out.len() >= want {
                break 'outer;
            }
        }
    }
    out
}

fn order_body(offer: &str, n: usize) -> Value {
    json!({"flight_offer_ids": [offer],
           "passengers": [{"type": "adult", "given_name": "Wei", "family_name": "Li",
                           "born_on": "1988-05-01", "gender": "m"}],
           "contact": {"email": format!("bench{n}@example.com"), "phone": "+8613800138000"}})
}

/// Orders end to end: create then pay, by `clients` at once.
async fn throughput(run: &Running, orders: usize, clients: usize) -> String {
    let client = reqwest::Client::new();
    let ids = offers(&client, &run.base, 400).await;
    if ids.is_empty() {
        return "  no offers found".into();
    }
    let next = AtomicUsize::new(0);
    let started = Instant::now();
    let workers = (0..clients).map(|_| {
        let client = client.clone();
        let base = run.base.clone();
        let (next, ids) = (&next, &ids);
        async move {
            // Each order's create and pay requests' times; the whole order is their sum.
            let (mut parts, mut failed, mut sold_out, mut why) = (
                Vec::<(Duration, Duration)>::new(),
                0usize,
                0usize,
                None::<String>,
            );
            loop {
                let n = next.fetch_add(1, Ordering::Relaxed);
                if n >= orders {
                    break;
                }
                let t = Instant::now();
                let created = client
                    .post(format!("{base}/api/v1/orders"))
                    .header("idempotency-key", format!("bench-{n}"))
                    .json(&order_body(&ids[n % ids.len()], n))
                    .send()
                    .await;
                let order: Value = match created {
                    Ok(r) if r.status().as_u16() == 201 => r.json().await.unwrap_or(Value::Null),
                    Ok(r) if r.status().as_u16() == 409 => {
                        sold_out += 1;
                        continue;
                    }
                    Ok(r) => {
                        failed += 1;
                        let s = r.status();
                        why.get_or_insert(format!(
                            "create {s}: {}",
                            r.text()
                                .await
                                .unwrap_or_default()
                                .chars()
                                .take(200)
                                .collect::<String>()
                        ));
                        continue;
                    }
                    Err(e) => {
                        failed += 1;
                        why.get_or_insert(e.to_string());
                        continue;
                    }
                };
                let created_in = t.elapsed();
                let id = order["id"].as_str().unwrap_or_default();
                let token = order["guest_token"].as_str().unwrap_or_default();
                let paid = client
                    .post(format!("{base}/api/v1/orders/{id}/payments"))
                    .bearer_auth(token)
                    .header("idempotency-key", format!("pay-{n}"))
                    .json(&json!({"provider": "sandbox", "payment_method": "pm_card_visa"}))
                    .send()
                    .await;
                match paid {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        parts.push((created_in, t.elapsed() - created_in));
                    }
                    Ok(r) => {
                        failed += 1;
                        let s = r.status();
                        why.get_or_insert(format!(
                            "pay {s}: {}",
                            r.text()
                                .await
                                .unwrap_or_default()
                                .chars()
                                .take(200)
                                .collect::<String>()
                        ));
                    }
                    Err(e) => {
                        failed += 1;
                        why.get_or_insert(e.to_string());
                    }
                }
            }
            (parts, failed, sold_out, why)
        }
    });
    let results = futures::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let (mut parts, mut failed, mut sold_out, mut why) = (Vec::new(), 0, 0, None);
    for (p, f, s, w) in results {
        parts.extend(p);
        failed += f;
        sold_out += s;
        why = why.or(w);
    }
    let done = parts.len();
    let p = Percentiles::of(parts.iter().map(|(c, p)| *c + *p).collect());
    let mut s = format!(
        "  orders (create + pay in the sandbox), {clients} clients: {done} confirmed in {:.1} s = {:.0} orders/s; p50 {} p99 {} per order; {sold_out} sold out, {failed} failed",
        elapsed.as_secs_f64(),
        done as f64 / elapsed.as_secs_f64().max(1e-9),
        ms(p.p50),
        ms(p.p99)
    );
    let create = Percentiles::of(parts.iter().map(|(c, _)| *c).collect());
    let pay = Percentiles::of(parts.iter().map(|(_, p)| *p).collect());
    s.push_str(&format!(
        "\n    of which POST /orders p50 {} p99 {}, POST /orders/{{id}}/payments p50 {} p99 {}",
        ms(create.p50),
        ms(create.p99),
        ms(pay.p50),
        ms(pay.p99)
    ));
    if let Some(w) = why {
        s.push_str(&format!("\n    first failure: {w}"));
    }
    s
}

/// `clients` buyers after the last `seats` seats of one flight, through POST /orders.
async fn hot_flight(run: &Running, clients: usize, seats: u16) -> Result<String, String> {
    let client = reqwest::Client::new();
    // The flight's fullest fare (nested buckets: it may sell every seat left in the cabin), so
    // that sold = min(seats, demand) is the right expectation.
    let today = Utc::now().date_naive();
    let body = json!({"slices": [{"origin": "PEK", "destination": "SHA",
        "departure_date": (today + chrono::Duration::days(12)).to_string()}],
        "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 0, "limit": 200});
    let found: Value = client
        .post(format!("{}/api/v1/flights/search", run.base))
        .json(&body)
        .send()
        .await
        .map_err(|e| e.to_string())?
        .json()
        .await
        .map_err(|e| e.to_string())?;
    let all = found["offers"].as_array().cloned().unwrap_or_default();
    let first = all.first().ok_or("no offer")?;
    let flight_of = |o: &Value| {
        o["slices"][0]["segments"][0]["flight_number"].to_string()
            + o["slices"][0]["segments"][0]["departing_at"]
                .as_str()
                .unwrap_or("")
    };
    let amount = |o: &Value| {
        o["total_amount"]["amount"]
            .as_str()
            .and_then(|a| a.parse::<f64>().ok())
            .unwrap_or(0.0)
    };
    let offer_id = all
        .iter()
        .filter(|o| flight_of(o) == flight_of(first))
        .max_by(|a, b| amount(a).total_cmp(&amount(b)))
        .and_then(|o| o["id"].as_str())
        .ok_or("no offer id")?
        .to_owned();
    let builtin = run
        .state
        .flights()
        .builtin()
        .ok_or("no built-in airline")?
        .clone();
    let offer = wayfare_suppliers::flight::FlightSupplier::price(&*builtin, &offer_id)
        .await
        .map_err(|e| e.to_string())?;
    let seg = &offer.slices[0].segments[0];
    let index = builtin.index();
    let leg = index
        .find_leg(
            seg.marketing_carrier,
            seg.flight_number,
            seg.departing_at.date_naive(),
            seg.origin,
        )
        .ok_or("leg")?;
    let l = index.leg(index.operating_leg(leg));
    let f = index.flight(l);
    let capacity = f.seats.get(offer.cabin);
    let take = SeatTake {
        carrier: f.carrier,
        flight_number: f.flight_number,
        departure_date: l.date,
        origin: index.airport(l.origin).code,
        cabin: offer.cabin,
        seats: capacity.saturating_sub(seats),
        capacity,
    };
    let store = run.state.store();
    let presale = store
        .create_flight_order(NewFlightOrder {
            id: "bfo_bench_presale".into(),
            booking_reference: "BENCH2".into(),
            status: FlightOrderStatus::Confirmed,
            offer_id: offer_id.clone(),
            offer: "{}".into(),
            passengers: "[]".into(),
            seats: vec![take.clone()],
            tickets: Vec::new(),
            total: offer.price.total,
            idempotency_key: "bench-presale".into(),
            request_hash: "bench-presale".into(),
            payment_required_by: None,
            now: Utc::now(),
        })
        .await
        .map_err(|e| e.to_string())?;
    if !matches!(presale, CreateFlightOrder::Created(_)) {
        return Err("presale refused".into());
    }
    let started = Instant::now();
    let attempts = (0..clients).map(|n| {
        let client = client.clone();
        let base = run.base.clone();
        let body = order_body(&offer_id, 1_000_000 + n);
        async move {
            let t = Instant::now();
            let r = client
                .post(format!("{base}/api/v1/orders"))
                .json(&body)
                .send()
                .await;
            (r.map(|r| r.status().as_u16()).unwrap_or(0), t.elapsed())
        }
    });
    let results = futures::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let won = results.iter().filter(|(s, _)| *s == 201).count();
    let refused = results.iter().filter(|(s, _)| *s == 409).count();
    let other = clients - won - refused;
    let sold = store
        .seats_sold(
            take.carrier,
            take.flight_number,
            take.departure_date,
            take.cabin,
        )
        .await
        .map_err(|e| e.to_string())?;
    let oversold = (sold - i32::from(capacity)).max(0);
    let expected = usize::from(seats).min(clients);
    let p = Percentiles::of(results.iter().map(|(_, d)| *d).collect());
    Ok(format!(
        "  hot flight, orders API: {clients} clients after {seats} seats: sold {won} (expected {expected}), {refused} told sold out, {other} other, {oversold} oversold; {} wall, p50 {} p99 {}",
        ms(elapsed),
        ms(p.p50),
        ms(p.p99)
    ))
}

/// The textbook way: lock the row, read, decide, write — `SELECT … FOR UPDATE` on PostgreSQL;
/// on SQLite, where there is no row lock, the same transaction.
async fn for_update_baseline(run: &Running, clients: usize, seats: i64) -> Result<String, String> {
    let db = run.state.store().db().clone();
    let backend = db.get_database_backend();
    let exec = |sql: &str| Statement::from_string(backend, sql.to_owned());
    db.execute_raw(exec("DROP TABLE IF EXISTS bench_hot_seats"))
        .await
        .map_err(|e| e.to_string())?;
    db.execute_raw(exec("CREATE TABLE bench_hot_seats (id INTEGER PRIMARY KEY, sold BIGINT NOT NULL, capacity BIGINT NOT NULL)"))
        .await
        .map_err(|e| e.to_string())?;
    db.execute_raw(exec(&format!(
        "INSERT INTO bench_hot_seats (id, sold, capacity) VALUES (1, 0, {seats})"
    )))
    .await
    .map_err(|e| e.to_string())?;
    let lock = if backend == DbBackend::Postgres {
        " FOR UPDATE"
    } else {
        ""
    };
    let started = Instant::now();
    let attempts = (0..clients).map(|_| {
        let db = db.clone();
        async move {
            let t = Instant::now();
            let r: Result<bool, sea_orm::DbErr> = async {
                let txn = db.begin().await?;
                let row = txn
                    .query_one_raw(Statement::from_string(
                        backend,
                        format!("SELECT sold, capacity FROM bench_hot_seats WHERE id = 1{lock}"),
                    ))
                    .await?;
                let (sold, cap): (i64, i64) = match row {
                    Some(r) => (r.try_get("", "sold")?, r.try_get("", "capacity")?),
                    None => return Ok(false),
                };
                if sold >= cap {
                    txn.rollback().await?;
                    return Ok(false);
                }
                txn.execute_raw(Statement::from_string(
                    backend,
                    "UPDATE bench_hot_seats SET sold = sold + 1 WHERE id = 1".to_owned(),
                ))
                .await?;
                txn.commit().await?;
                Ok(true)
            }
            .await;
            (r, t.elapsed())
        }
    });
    let results = futures::future::join_all(attempts).await;
    let elapsed = started.elapsed();
    let won = results
        .iter()
        .filter(|(r, _)| matches!(r, Ok(true)))
        .count();
    let refused = results
        .iter()
        .filter(|(r, _)| matches!(r, Ok(false)))
        .count();
    let errors = results.iter().filter(|(r, _)| r.is_err()).count();
    let sold: i64 = db
        .query_one_raw(exec("SELECT sold FROM bench_hot_seats WHERE id = 1"))
        .await
        .map_err(|e| e.to_string())?
        .and_then(|r| r.try_get("", "sold").ok())
        .unwrap_or(0);
    let _ = db
        .execute_raw(exec("DROP TABLE IF EXISTS bench_hot_seats"))
        .await;
    let p = Percentiles::of(results.iter().map(|(_, d)| *d).collect());
    Ok(format!(
        "  hot flight, SELECT{lock} baseline (seat row only, no order): {clients} clients after {seats} seats: sold {won} (row says {sold}), {refused} refused, {errors} errors; {} wall, p50 {} p99 {}",
        ms(elapsed),
        ms(p.p50),
        ms(p.p99)
    ))
}

/// Runs the benchmark on each database in turn and returns the report.
pub async fn booking(
    urls: &[String],
    orders: usize,
    clients: usize,
    race_clients: usize,
    race_seats: u16,
    pool: u32,
) -> Result<String, crate::StartupError> {
    let mut out = vec![format!(
        "booking: {orders} orders by {clients} concurrent clients, {pool} database connections; hot flight: {race_clients} clients after {race_seats} seats"
    )];
    for url in urls {
        if let Some(path) = url.strip_prefix("sqlite://") {
            for suffix in ["", "-wal", "-shm"] {
                let _ = std::fs::remove_file(format!("{path}{suffix}"));
            }
        }
        let started = Instant::now();
        let run = start(url, pool.max(1)).await?;
        let backend = run.state.store().backend().name();
        out.push(format!(
            "{backend} (app start {:.1} s)",
            started.elapsed().as_secs_f64()
        ));
        out.push(throughput(&run, orders, clients).await);
        out.push(
            hot_flight(&run, race_clients, race_seats)
                .await
                .unwrap_or_else(|e| format!("  hot flight: {e}")),
        );
        out.push(
            for_update_baseline(&run, race_clients, i64::from(race_seats))
                .await
                .unwrap_or_else(|e| format!("  baseline: {e}")),
        );
        if let Some(schema) = &run.schema {
            let db = run.state.store().db();
            let _ = db
                .execute_raw(Statement::from_string(
                    DbBackend::Postgres,
                    format!("DROP SCHEMA IF EXISTS {schema} CASCADE"),
                ))
                .await;
        }
        let _ = run.stop.send(());
        let _ = run.server.await;
    }
    Ok(out.join("\n"))
}
