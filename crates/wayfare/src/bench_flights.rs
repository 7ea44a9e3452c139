//! `wayfare bench flights`: a global-size generated schedule in a scratch database, the
//! in-memory index built over it, and latency percentiles for one-way (≤ 2 stops), round-trip
//! and 7×7 calendar searches. In the same run, the 1-stop search is also done as a SQL join on
//! the database; both must find exactly the same itineraries before the ratio is printed.

use std::collections::{BTreeSet, HashMap};
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{Datelike, Duration as Days, NaiveDate, NaiveTime, Utc};
use chrono_tz::Tz;
use wayfare_domain::Currency;
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::connection::{
    ConnectionStatus, DEFAULT_MAX_LAYOVER_MINUTES, minimum_connection_minutes,
};
use wayfare_domain::flight::fare::Cabin;
use wayfare_domain::flight::geo::great_circle_km;
use wayfare_domain::flight::ranking;
use wayfare_domain::flight::schedule::local_to_utc;
use wayfare_domain::flight::search::{FlightSearch, Passengers, SliceQuery, SortBy};
use wayfare_search::flights::{SliceOptions, approx_bytes};
use wayfare_store::sea_orm::{ConnectionTrait, DbBackend, Statement, Value};
use wayfare_store::{Store, StoreError, StoreOptions};
use wayfare_suppliers::builtin::HUBS;
use wayfare_suppliers::builtin::calendar::CalendarRoute;
use wayfare_suppliers::builtin::supplier::BuiltinFlights;

use crate::bench::Percentiles;
use crate::seed;

/// A deterministic generator for the query mix (SplitMix64).
struct Mix(u64);

impl Mix {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[(self.next() % v.len() as u64) as usize]
    }
}

fn rss_bytes() -> u64 {
    std::fs::read_to_string("/proc/self/statm")
        .ok()
        .and_then(|s| {
            s.split_whitespace()
                .nth(1)
                .and_then(|p| p.parse::<u64>().ok())
        })
        .map(|pages| pages * 4096)
        .unwrap_or(0)
}

#[derive(Debug)]
pub struct FlightBenchReport {
    pub flights_per_day: u32,
    pub days: u32,
    pub schedules: u64,
    pub legs: usize,
    pub build: Duration,
    pub index_bytes: usize,
    pub rss_growth: u64,
    pub one_way: Percentiles,
    pub one_way_offers_mean: f64,
    pub round_trip: Percentiles,
    pub calendar: Percentiles,
    pub one_stop_index: Percentiles,
    pub one_stop_sql: Percentiles,
    pub compared: usize,
    pub itineraries_compared: usize,
}

/// Milliseconds to the microsecond: a 1-stop index search takes tens of µs, and a 0.01 ms
/// rounding would hide most of its digits.
fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

impl fmt::Display for FlightBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "flight search over {} flights/day × {} days ({} schedules, {} dated legs)",
            self.flights_per_day, self.days, self.schedules, self.legs
        )?;
        writeln!(
            f,
            "  index build {:.2} s, index ≈ {:.1} MiB (process RSS grew {:.1} MiB)",
            self.build.as_secs_f64(),
            self.index_bytes as f64 / 1_048_576.0,
            self.rss_growth as f64 / 1_048_576.0
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, p: &Percentiles| {
            writeln!(
                f,
                "  {name:<34} n={:<5} p50 {:>11}  p99 {:>11}",
                p.n,
                ms(p.p50),
                ms(p.p99)
            )
        };
        row(f, "one-way ≤2 stops (priced, ≤500)", &self.one_way)?;
        writeln!(
            f,
            "    mean offers returned: {:.0}",
            self.one_way_offers_mean
        )?;
        row(f, "round-trip ≤1 stop (priced)", &self.round_trip)?;
        row(f, "7×7 round-trip calendar", &self.calendar)?;
        row(f, "1-stop itineraries: index", &self.one_stop_index)?;
        row(f, "1-stop itineraries: SQL baseline", &self.one_stop_sql)?;
        writeln!(
            f,
            "  baseline check: {} queries, {} itineraries, identical sets",
            self.compared, self.itineraries_compared
        )?;
        // From the measured durations (nanoseconds), not from the rounded figures above.
        let ratio =
            self.one_stop_sql.p50.as_secs_f64() / self.one_stop_index.p50.as_secs_f64().max(1e-9);
        write!(
            f,
            "  ratio (SQL p50 / index p50, unrounded: {} ns / {} ns): {ratio:.1}x",
            self.one_stop_sql.p50.as_nanos(),
            self.one_stop_index.p50.as_nanos()
        )
    }
}

type Key = Vec<(String, u16, NaiveDate)>;

struct Airports {
    tz: HashMap<AirportCode, Tz>,
    country: HashMap<AirportCode, String>,
    pos: HashMap<AirportCode, (f64, f64)>,
}

impl Airports {
    fn km(&self, a: AirportCode, b: AirportCode) -> f64 {
        let (x, y) = (self.pos[&a], self.pos[&b]);
        great_circle_km(x.0, x.1, y.0, y.1)
    }
}

/// One leg of a SQL row: carrier, number, origin, destination, minute, block, mask, from, to.
type SqlLeg = (
    String,
    u16,
    AirportCode,
    AirportCode,
    u32,
    i64,
    u8,
    NaiveDate,
    NaiveDate,
);

fn sql_leg(row: &wayfare_store::sea_orm::QueryResult, p: &str) -> Option<SqlLeg> {
    let g = |c: &str| format!("{p}{c}");
    Some((
        row.try_get::<String>("", &g("carrier")).ok()?,
        u16::try_from(row.try_get::<i32>("", &g("flight_number")).ok()?).ok()?,
        AirportCode::parse(&row.try_get::<String>("", &g("origin")).ok()?).ok()?,
        AirportCode::parse(&row.try_get::<String>("", &g("destination")).ok()?).ok()?,
        u32::try_from(row.try_get::<i32>("", &g("departure_minute")).ok()?).ok()?,
        i64::from(row.try_get::<i32>("", &g("block_minutes")).ok()?),
        u8::try_from(row.try_get::<i16>("", &g("days_mask")).ok()?).ok()?,
        row.try_get::<NaiveDate>("", &g("valid_from")).ok()?,
        row.try_get::<NaiveDate>("", &g("valid_to")).ok()?,
    ))
}

/// Departure and arrival in unix minutes of a leg on a local date, if it operates then.
fn dated(l: &SqlLeg, date: NaiveDate, ap: &Airports) -> Option<(i64, i64)> {
    let operates =
        date >= l.7 && date <= l.8 && l.6 & (1 << date.weekday().num_days_from_monday()) != 0;
    if !operates {
        return None;
    }
    let t = NaiveTime::from_hms_opt(l.4 / 60, l.4 % 60, 0)?;
    let dep = local_to_utc(*ap.tz.get(&l.2)?, date, t)
        .timestamp()
        .div_euclid(60);
    Some((dep, dep + l.5))
}

/// The direct and one-stop itineraries by SQL, with the index's rules applied to the joined rows.
async fn sql_one_stop(
    store: &Store,
    ap: &Airports,
    q: &SliceQuery,
) -> Result<BTreeSet<Key>, StoreError> {
    let backend = store.db().get_database_backend();
    let cols = |p: &str| {
        [
            "carrier",
            "flight_number",
            "origin",
            "destination",
            "departure_minute",
            "block_minutes",
            "days_mask",
            "valid_from",
            "valid_to",
        ]
        .iter()
        .map(|c| format!("{p}.{c} AS {p}_{c}"))
        .collect::<Vec<_>>()
        .join(", ")
    };
    let ph = |n: usize| {
        if backend == DbBackend::Sqlite {
            format!("?{n}")
        } else {
            format!("${n}")
        }
    };
    let date = q.departure_date;
    let later = date + Days::days(2);
    let earlier = date - Days::days(1);
    let direct = format!(
        "SELECT {} FROM flight_schedules a WHERE a.origin = {} AND a.destination = {} AND a.valid_from <= {} AND a.valid_to >= {}",
        cols("a"),
        ph(1),
        ph(2),
        ph(3),
        ph(3)
    );
    let one_stop = format!(
        "SELECT {}, {} FROM flight_schedules a JOIN flight_schedules b ON b.origin = a.destination \
         WHERE a.origin = {} AND b.destination = {} AND a.destination <> {} \
         AND a.valid_from <= {} AND a.valid_to >= {} AND b.valid_from <= {} AND b.valid_to >= {}",
        cols("a"),
        cols("b"),
        ph(1),
        ph(2),
        ph(2),
        ph(3),
        ph(3),
        ph(4),
        ph(5)
    );
    let (o, d) = (q.origin.to_string(), q.destination.to_string());
    let tz = ap.tz[&q.origin];
    let day_start = local_to_utc(tz, date, NaiveTime::MIN)
        .timestamp()
        .div_euclid(60);
    let day_end = local_to_utc(tz, date + Days::days(1), NaiveTime::MIN)
        .timestamp()
        .div_euclid(60);
    let mut out = BTreeSet::new();
    let rows = store
        .db()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            &direct,
            [
                Value::from(o.clone()),
                Value::from(d.clone()),
                Value::from(date),
            ],
        ))
        .await?;
    for r in rows {
        if let Some(l) = sql_leg(&r, "a_")
            && let Some((dep, _)) = dated(&l, date, ap)
            && dep >= day_start
            && dep < day_end
        {
            out.insert(vec![(l.0, l.1, date)]);
        }
    }
    let rows = store
        .db()
        .query_all_raw(Statement::from_sql_and_values(
            backend,
            &one_stop,
            [
                Value::from(o),
                Value::from(d),
                Value::from(date),
                Value::from(later),
                Value::from(earlier),
            ],
        ))
        .await?;
    let direct_km = ap.km(q.origin, q.destination).max(1.0);
    let detour_limit = direct_km * 1.6 + 400.0;
    let max_layover = i64::from(DEFAULT_MAX_LAYOVER_MINUTES);
    for r in rows {
        let (Some(a), Some(b)) = (sql_leg(&r, "a_"), sql_leg(&r, "b_")) else {
            continue;
        };
        let Some((dep1, arr1)) = dated(&a, date, ap) else {
            continue;
        };
        if dep1 < day_start || dep1 >= day_end {
            continue;
        }
        let x = a.3;
        if ap.km(q.origin, x) + ap.km(x, q.destination) > detour_limit {
            continue;
        }
        let arriving_international = ap.country[&a.2] != ap.country[&a.3];
        let departing_international = ap.country[&b.2] != ap.country[&b.3];
        let mct = minimum_connection_minutes(
            x,
            ConnectionStatus {
                arriving_international,
                departing_international,
            },
        );
        for offset in -1..=2 {
            let d2 = date + Days::days(offset);
            if let Some((dep2, _)) = dated(&b, d2, ap)
                && dep2 >= arr1 + i64::from(mct)
                && dep2 <= arr1 + max_layover
            {
                out.insert(vec![(a.0.clone(), a.1, date), (b.0.clone(), b.1, d2)]);
            }
        }
    }
    Ok(out)
}

pub async fn flights(
    scratch_url: &str,
    flights_per_day: u32,
    days: u32,
    queries: usize,
) -> Result<FlightBenchReport, StoreError> {
    let store = Store::connect(scratch_url, &StoreOptions::default()).await?;
    store.migrate().await?;
    seed::ensure_base_data(&store).await?;
    let today = Utc::now().date_naive();
    let schedules =
        crate::flights::generate_schedules(&store, flights_per_day, today, days).await?;

    let rss_before = rss_bytes();
    let started = Instant::now();
    let index = crate::flights::build_index(&store, today).await?;
    let build = started.elapsed();
    let rss_growth = rss_bytes().saturating_sub(rss_before);
    let legs = index.leg_count();
    let index_bytes = approx_bytes(&index);

    let all = store.airports().await?;
    let ap = Airports {
        tz: all
            .iter()
            .filter_map(|a| Some((AirportCode::parse(&a.iata).ok()?, a.tz.parse().ok()?)))
            .collect(),
        country: all
            .iter()
            .filter_map(|a| Some((AirportCode::parse(&a.iata).ok()?, a.country.clone())))
            .collect(),
        pos: all
            .iter()
            .filter_map(|a| Some((AirportCode::parse(&a.iata).ok()?, (a.lat, a.lon))))
            .collect(),
    };
    let hubs: Vec<AirportCode> = HUBS
        .iter()
        .filter_map(|h| AirportCode::parse(h.airport).ok())
        .collect();
    let spokes: Vec<AirportCode> = store
        .schedules()
        .await?
        .iter()
        .map(|p| p.origin)
        .collect::<BTreeSet<_>>()
        .into_iter()
        .filter(|a| !hubs.contains(a))
        .collect();
    let mut mix = Mix(7);
    let mut pairs = Vec::with_capacity(queries);
    while pairs.len() < queries {
        let (o, d) = match pairs.len() % 3 {
            0 => (*mix.pick(&hubs), *mix.pick(&hubs)),
            1 => (*mix.pick(&hubs), *mix.pick(&spokes)),
            _ => (*mix.pick(&spokes), *mix.pick(&spokes)),
        };
        if o != d {
            let date = today
                + Days::days(1 + (mix.next() % u64::from(days.saturating_sub(10).max(1))) as i64);
            pairs.push((o, d, date));
        }
    }

    let clock: wayfare_web::Clock = std::sync::Arc::new(Utc::now);
    let builtin = BuiltinFlights::new(index, Currency::CNY, clock);
    let mut samples = Vec::with_capacity(pairs.len());
    let mut offers_total = 0usize;
    for &(o, d, date) in &pairs {
        let mut search = FlightSearch::one_way(
            o,
            d,
            date,
            Passengers {
                adults: 1,
                children: 0,
                infants: 0,
            },
            Cabin::Economy,
            2,
        );
        search.sort = SortBy::Best;
        search.limit = 500;
        let t = Instant::now();
        let offers = ranking::finish(builtin.search_now(&search), &search);
        samples.push(t.elapsed());
        offers_total += offers.len();
    }
    let one_way = Percentiles::of(samples);
    let one_way_offers_mean = offers_total as f64 / pairs.len().max(1) as f64;

    let mut samples = Vec::new();
    for &(o, d, date) in pairs.iter().take(queries.min(200)) {
        let mut search = FlightSearch::one_way(
            o,
            d,
            date,
            Passengers {
                adults: 1,
                children: 0,
                infants: 0,
            },
            Cabin::Economy,
            1,
        );
        search.sort = SortBy::Best;
        search.limit = 500;
        search.slices.push(SliceQuery {
            origin: d,
            destination: o,
            departure_date: date + Days::days(7),
            departure_time: None,
            arrival_time: None,
        });
        let t = Instant::now();
        let _ = ranking::finish(builtin.search_now(&search), &search);
        samples.push(t.elapsed());
    }
    let round_trip = Percentiles::of(samples);

    let mut samples = Vec::new();
    for &(o, d, date) in pairs.iter().take(queries.min(100)) {
        let route = CalendarRoute {
            origin: o,
            destination: d,
            passengers: Passengers {
                adults: 1,
                children: 0,
                infants: 0,
            },
            cabin: Cabin::Economy,
            max_connections: 1,
        };
        let t = Instant::now();
        let _ = builtin.round_trip_grid(route, date + Days::days(3), date + Days::days(10));
        samples.push(t.elapsed());
    }
    let calendar = Percentiles::of(samples);

    // The baseline: the same 1-stop itineraries, found by SQL; sets must be identical.
    let index = builtin.index();
    let opts = SliceOptions {
        max_connections: 1,
        max_layover_minutes: DEFAULT_MAX_LAYOVER_MINUTES,
        allow_airport_change: false,
        layover_airports: vec![],
        max_results: usize::MAX,
    };
    let (mut idx_samples, mut sql_samples) = (Vec::new(), Vec::new());
    let mut compared = 0;
    let mut itineraries_compared = 0;
    for &(o, d, date) in pairs.iter().take(queries.min(200)) {
        let q = SliceQuery {
            origin: o,
            destination: d,
            departure_date: date,
            departure_time: None,
            arrival_time: None,
        };
        let t = Instant::now();
        let its = index.search_slice(&q, &opts);
        idx_samples.push(t.elapsed());
        let from_index: BTreeSet<Key> = its
            .iter()
            .map(|it| {
                it.legs
                    .iter()
                    .map(|&l| {
                        let leg = index.leg(l);
                        let f = index.flight(leg);
                        (f.carrier.to_string(), f.flight_number, leg.date)
                    })
                    .collect()
            })
            .collect();
        let t = Instant::now();
        let from_sql = sql_one_stop(&store, &ap, &q).await?;
        sql_samples.push(t.elapsed());
        if from_index != from_sql {
            let only_index: Vec<_> = from_index.difference(&from_sql).take(3).collect();
            let only_sql: Vec<_> = from_sql.difference(&from_index).take(3).collect();
            return Err(StoreError::Corrupt(format!(
                "index and SQL baseline disagree for {o}→{d} on {date}: index-only {only_index:?}, SQL-only {only_sql:?}"
            )));
        }
        compared += 1;
        itineraries_compared += from_index.len();
    }
    Ok(FlightBenchReport {
        flights_per_day,
        days,
        schedules,
        legs,
        build,
        index_bytes,
        rss_growth,
        one_way,
        one_way_offers_mean,
        round_trip,
        calendar,
        one_stop_index: Percentiles::of(idx_samples),
        one_stop_sql: Percentiles::of(sql_samples),
        compared,
        itineraries_compared,
    })
}

/// Searches per second over HTTP: the real app on the scratch database, `concurrency` clients
/// posting one-way searches for `requests` requests in all.
#[derive(Debug)]
pub struct HttpBenchReport {
    pub requests: usize,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub latency: Percentiles,
    pub failures: usize,
}

impl fmt::Display for HttpBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  HTTP POST /api/v1/flights/search: {} requests, {} clients, {:.0} searches/s, p50 {}, p99 {}, {} failed",
            self.requests,
            self.concurrency,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            ms(self.latency.p50),
            ms(self.latency.p99),
            self.failures
        )
    }
}

pub async fn http(
    scratch_url: &str,
    days: u32,
    requests: usize,
    concurrency: usize,
) -> Result<HttpBenchReport, crate::StartupError> {
    let mut config = crate::Config {
        database_url: scratch_url.to_owned(),
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..crate::Config::default()
    };
    config.flights.horizon_days = 30;
    let app = crate::Application::build(&config).await?;
    let base = format!("http://{}", app.local_addr());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stop_rx.await;
    }));
    let today = Utc::now().date_naive();
    let routes = [
        ("PEK", "SHA"),
        ("PVG", "CAN"),
        ("LHR", "JFK"),
        ("PVG", "LHR"),
        ("HKG", "SIN"),
        ("FRA", "ORD"),
        ("CTU", "SZX"),
        ("DXB", "LHR"),
    ];
    let client = reqwest::Client::new();
    let next = std::sync::atomic::AtomicUsize::new(0);
    let started = Instant::now();
    let workers = (0..concurrency).map(|_| {
        let client = client.clone();
        let base = base.clone();
        let next = &next;
        async move {
            let mut lat = Vec::new();
            let mut failed = 0;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let (o, d) = routes[i % routes.len()];
                // Dates inside the generated schedule.
                let span = (days.saturating_sub(4)).clamp(1, 20) as usize;
                let date = today + Days::days(2 + (i % span) as i64);
                let body = serde_json::json!({"slices": [{"origin": o, "destination": d, "departure_date": date.to_string()}], "max_connections": 1});
                let t = Instant::now();
                match client.post(format!("{base}/api/v1/flights/search")).json(&body).send().await {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    _ => failed += 1,
                }
            }
            (lat, failed)
        }
    });
    let results = futures::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let _ = stop_tx.send(());
    let _ = server.await;
    let mut all = Vec::new();
    let mut failures = 0;
    for (l, f) in results {
        all.extend(l);
        failures += f;
    }
    Ok(HttpBenchReport {
        requests,
        concurrency,
        elapsed,
        latency: Percentiles::of(all),
        failures,
    })
}
