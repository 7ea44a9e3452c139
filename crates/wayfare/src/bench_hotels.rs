//! `wayfare bench hotels`: a million generated hotels in a scratch database, the in-memory
//! hotel index built over them, and latency percentiles for 5 km radius searches around city
//! centres (two property filters, a 3-night stay, sorted by price) and for map boxes at city
//! zoom. In the same run the radius search is also answered from SQL (the spatial index
//! retrieves the candidates, the same Rust code prices and ranks them); both must return the
//! same hotels at the same prices before any timing counts, then the ratio is printed.

use std::collections::HashMap;
use std::fmt;
use std::time::{Duration, Instant};

use chrono::{DateTime, Duration as Days, NaiveDate, Utc};
use wayfare_domain::hotel::property::StarSet;
use wayfare_domain::hotel::ranking::HotelSort;
use wayfare_domain::hotel::search::{AreaOrigin, Destination, HotelFilters};
use wayfare_domain::hotel::{
    Amenities, Amenity, BoundingBox, GeoPoint, HotelMapSearch, HotelSearch, Party, PropertyId,
    RoomRequest, RoomTypeCode, StarRating, Stay,
};
use wayfare_domain::{Currency, RateTable};
use wayfare_search::hotels::{HotelIndex, HotelResults, RoomNightSales};
use wayfare_store::hotels::{HotelReferenceData, HotelRoomSales};
use wayfare_store::{Store, StoreError, StoreOptions};
use wayfare_suppliers::builtin::hotels::{HotelGenerator, HotelInputs, HotelParams};

use crate::bench::Percentiles;
use crate::seed;

/// The radius the issue measures.
const RADIUS_KM: f64 = 5.0;
const NIGHTS: i64 = 3;
/// The two filters: four or five stars, and wifi.
const STARS: [u8; 2] = [4, 5];
/// Hotels written to the scratch database per batch.
const WRITE_CHUNK: usize = 20_000;
/// A laptop-sized map viewport in pixels.
const VIEWPORT: (f64, f64) = (1280.0, 800.0);

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

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
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

fn ms(d: Duration) -> String {
    format!("{:.3} ms", d.as_secs_f64() * 1e3)
}

fn mib(b: u64) -> f64 {
    b as f64 / 1_048_576.0
}

#[derive(Debug)]
pub struct HotelBenchReport {
    pub hotels: u64,
    /// Generating and writing the scratch database (`None` when an existing one was reused).
    pub generate: Option<Duration>,
    pub load: Duration,
    pub load_rss: u64,
    pub build: Duration,
    pub build_rss: u64,
    pub index_bytes: usize,
    pub cities: usize,
    pub radius: Percentiles,
    pub radius_candidates_mean: f64,
    pub radius_total_mean: f64,
    pub radius_total_max: usize,
    pub bbox: Percentiles,
    pub bbox_small: Percentiles,
    pub bbox_pins_mean: f64,
    pub bbox_pins_max: usize,
    pub compared: usize,
    pub hits_compared: usize,
    pub radius_index: Percentiles,
    pub radius_sql: Percentiles,
}

impl fmt::Display for HotelBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        writeln!(
            f,
            "hotel search over {} generated hotels (one core per query)",
            self.hotels
        )?;
        if let Some(g) = self.generate {
            writeln!(f, "  generated and stored in {:.1} s", g.as_secs_f64())?;
        }
        writeln!(
            f,
            "  read from the store {:.1} s (listings in memory: RSS +{:.0} MiB)",
            self.load.as_secs_f64(),
            mib(self.load_rss)
        )?;
        writeln!(
            f,
            "  index build {:.2} s, index ≈ {:.0} MiB beside the listings (process RSS grew {:.0} MiB)",
            self.build.as_secs_f64(),
            mib(self.index_bytes as u64),
            mib(self.build_rss)
        )?;
        let row = |f: &mut fmt::Formatter<'_>, name: &str, p: &Percentiles| {
            writeln!(
                f,
                "  {name:<46} n={:<5} p50 {:>10}  p99 {:>10}",
                p.n,
                ms(p.p50),
                ms(p.p99)
            )
        };
        row(
            f,
            "radius 5 km, 4-5★ + wifi, 3 nights, by price",
            &self.radius,
        )?;
        writeln!(
            f,
            "    around the centres of the {} cities with most hotels: {:.0} hotels within 5 km on average, {:.0} results (max {})",
            self.cities, self.radius_candidates_mean, self.radius_total_mean, self.radius_total_max
        )?;
        row(f, "map box at city zoom (13-15), all pins", &self.bbox)?;
        row(f, "map box with ≤ 500 pins", &self.bbox_small)?;
        writeln!(
            f,
            "    pins per box: mean {:.0}, max {}",
            self.bbox_pins_mean, self.bbox_pins_max
        )?;
        row(f, "radius search: index", &self.radius_index)?;
        row(
            f,
            "radius search: SQL spatial index + same pricing",
            &self.radius_sql,
        )?;
        writeln!(
            f,
            "  baseline check: {} searches, {} hotels on their pages, identical ids, prices and totals",
            self.compared, self.hits_compared
        )?;
        let ratio =
            self.radius_sql.p50.as_secs_f64() / self.radius_index.p50.as_secs_f64().max(1e-9);
        write!(f, "  ratio (SQL p50 / index p50): {ratio:.0}x")
    }
}

fn to_sales(sales: HotelRoomSales) -> Vec<RoomNightSales> {
    sales
        .into_iter()
        .filter_map(|((hotel, room, night), sold)| {
            Some(RoomNightSales {
                property: PropertyId(u64::try_from(hotel).ok()?),
                room: RoomTypeCode::parse(&room)?,
                night,
                sold,
            })
        })
        .collect()
}

/// Writes `count` generated hotels into the scratch database, streaming in chunks, and sells
/// some rooms at one hotel in twenty so the sparse sales path is measured too.
async fn generate(store: &Store, count: u32, today: NaiveDate) -> Result<(), StoreError> {
    let cities = store.cities().await?;
    let reference = HotelReferenceData::load()?;
    let inputs = HotelInputs::from_reference(&cities, &reference);
    let params = HotelParams {
        count,
        seed: 2026,
        today,
        currency: None,
    };
    let mut generator =
        HotelGenerator::new(&inputs.cities, &inputs.brands, &inputs.landmarks, &params);
    let mut replacement = store.begin_hotel_replacement().await?;
    let mut mix = Mix(99);
    let mut sold = Vec::new();
    loop {
        let chunk: Vec<_> = generator.by_ref().take(WRITE_CHUNK).collect();
        if chunk.is_empty() {
            break;
        }
        for l in &chunk {
            if mix.below(20) == 0
                && let Some(room) = l.rooms.first()
            {
                let night = today + Days::days(7 + mix.below(60) as i64);
                for k in 0..NIGHTS {
                    sold.push((
                        l.property.id.0 as i64,
                        room.room.code,
                        night + Days::days(k),
                        1 + mix.below(u64::from(room.allotment.max(1))) as u16,
                    ));
                }
            }
        }
        replacement.write(&chunk).await?;
    }
    replacement.commit().await?;
    for (hotel, room, night, n) in sold {
        store
            .set_hotel_room_sold(hotel, room.as_str(), night, n)
            .await?;
    }
    Ok(())
}

fn area_search(centre: GeoPoint, stay: Stay, party: Party) -> HotelSearch {
    let mut filters = HotelFilters {
        stars: STARS
            .iter()
            .filter_map(|s| StarRating::new(*s))
            .collect::<StarSet>(),
        ..HotelFilters::default()
    };
    filters.amenities = Amenities::EMPTY.with(Amenity::Wifi);
    HotelSearch {
        destination: Destination::Area {
            centre,
            radius_km: RADIUS_KM,
            origin: AreaOrigin::Coordinates,
        },
        stay,
        party,
        currency: Currency::CNY,
        filters,
        distance_from: centre,
        sort: HotelSort::Price,
        limit: 25,
        offset: 0,
    }
}

fn party(i: usize) -> Party {
    let rooms = match i % 4 {
        0 => vec![RoomRequest::new(1, vec![])],
        1 | 2 => vec![RoomRequest::new(2, vec![])],
        _ => vec![RoomRequest::new(2, vec![7])],
    };
    Party::new(rooms.into_iter().filter_map(Result::ok).collect()).expect("a valid party")
}

/// The baseline: candidates from SQL (spatial index, stars and amenities in SQL), their rooms
/// sold for the stay, then the same index code over just those hotels.
async fn sql_search(
    store: &Store,
    search: &HotelSearch,
    rates: &RateTable,
    calendar: (NaiveDate, NaiveDate),
    now: DateTime<Utc>,
) -> Result<HotelResults, StoreError> {
    let centre = search.distance_from;
    let listings = store
        .hotels_in_radius_sql(centre, RADIUS_KM, &STARS, search.filters.amenities.bits())
        .await?;
    let ids: Vec<i64> = listings.iter().map(|l| l.property.id.0 as i64).collect();
    let sales = store
        .hotel_room_sales_for(&ids, search.stay.check_in(), search.stay.check_out())
        .await?;
    let index = HotelIndex::build(listings, to_sales(sales), calendar.0, calendar.1);
    index.set_exchange_rates(rates.clone());
    Ok(index.search(search, now, false))
}

type PageKey = (usize, Vec<(PropertyId, i64, i64, u32)>);

fn page_key(r: &HotelResults) -> PageKey {
    (
        r.total,
        r.items
            .iter()
            .map(|h| {
                (
                    h.id,
                    h.cheapest.compared.minor(),
                    h.cheapest.price.total.minor(),
                    h.rates_count,
                )
            })
            .collect(),
    )
}

/// A viewport at `zoom` centred on `centre` (Web Mercator: 256 px tiles).
fn viewport(centre: GeoPoint, zoom: u8) -> Option<BoundingBox> {
    let deg_per_px = 360.0 / (256.0 * f64::from(1u32 << zoom));
    let half_w = VIEWPORT.0 / 2.0 * deg_per_px;
    let half_h = VIEWPORT.1 / 2.0 * deg_per_px * centre.lat().to_radians().cos();
    BoundingBox::new(
        (centre.lat() - half_h).max(-90.0),
        centre.lon() - half_w,
        (centre.lat() + half_h).min(90.0),
        centre.lon() + half_w,
    )
    .ok()
}

pub async fn hotels(
    scratch_url: &str,
    count: u32,
    queries: usize,
    baseline_queries: usize,
    reuse: bool,
) -> Result<HotelBenchReport, StoreError> {
    let store = Store::connect(scratch_url, &StoreOptions::default()).await?;
    store.migrate().await?;
    seed::ensure_base_data(&store).await?;
    let now = Utc::now();
    let today = now.date_naive();
    let stored = store.hotel_count().await?;
    let generate_time = if reuse && stored == u64::from(count) {
        None
    } else {
        let t = Instant::now();
        generate(&store, count, today).await?;
        Some(t.elapsed())
    };

    let rss0 = rss_bytes();
    let t = Instant::now();
    let listings = store.hotel_listings().await?;
    let sales = to_sales(store.hotel_room_sales().await?);
    let load = t.elapsed();
    let rss1 = rss_bytes();
    let calendar = (
        today - Days::days(1),
        today + Days::days(crate::hotel_suppliers::HOTEL_HORIZON_DAYS),
    );
    let t = Instant::now();
    let index = HotelIndex::build(listings, sales, calendar.0, calendar.1);
    let build = t.elapsed();
    let build_rss = rss_bytes().saturating_sub(rss1);
    let rates = store.rate_table().await?;
    index.set_exchange_rates(rates.clone());

    // City centres: the reference data's, for the cities with most hotels.
    let centres: HashMap<i64, GeoPoint> = store
        .cities()
        .await?
        .iter()
        .filter_map(|c| Some((c.geonameid, GeoPoint::new(c.lat, c.lon)?)))
        .collect();
    let mut cities: Vec<(usize, i64)> = index
        .cities()
        .filter(|(id, _)| centres.contains_key(id))
        .map(|(id, n)| (n, id))
        .collect();
    cities.sort_unstable_by(|a, b| b.cmp(a));
    cities.truncate(50);
    let mut mix = Mix(7);
    let searches: Vec<HotelSearch> = (0..queries.max(1))
        .map(|i| {
            let (_, city) = cities[i % cities.len().max(1)];
            let check_in = today + Days::days(3 + mix.below(90) as i64);
            let stay = Stay::new(check_in, check_in + Days::days(NIGHTS)).expect("three nights");
            area_search(centres[&city], stay, party(i))
        })
        .collect();

    // The baseline first: the same answers, or no timing at all.
    let (mut idx_samples, mut sql_samples) = (Vec::new(), Vec::new());
    let mut hits_compared = 0;
    for s in searches.iter().take(baseline_queries.max(1)) {
        let t = Instant::now();
        let from_sql = sql_search(&store, s, &rates, calendar, now).await?;
        sql_samples.push(t.elapsed());
        let t = Instant::now();
        let from_index = index.search(s, now, false);
        idx_samples.push(t.elapsed());
        let (a, b) = (page_key(&from_index), page_key(&from_sql));
        if a != b {
            return Err(StoreError::Corrupt(format!(
                "index and SQL baseline disagree around {:?} for {:?}: index total {} first {:?}, SQL total {} first {:?}",
                s.distance_from,
                s.stay,
                a.0,
                a.1.iter().take(3).collect::<Vec<_>>(),
                b.0,
                b.1.iter().take(3).collect::<Vec<_>>()
            )));
        }
        hits_compared += a.1.len();
    }
    let compared = idx_samples.len();

    let mut samples = Vec::with_capacity(searches.len());
    let (mut candidates, mut totals, mut total_max) = (0usize, 0usize, 0usize);
    let mut within = Vec::new();
    for s in &searches {
        let t = Instant::now();
        let r = index.search(s, now, false);
        samples.push(t.elapsed());
        totals += r.total;
        total_max = total_max.max(r.total);
        within.clear();
        index.within_radius(s.distance_from, RADIUS_KM, &mut within);
        candidates += within.len();
    }
    let radius = Percentiles::of(samples);

    let (mut all, mut small) = (Vec::new(), Vec::new());
    let (mut pins, mut pins_max) = (0usize, 0usize);
    for (i, s) in searches.iter().enumerate() {
        let zoom = [13u8, 14, 15][i % 3];
        // Off-centre too: a visitor pans.
        let shift = (mix.below(2001) as f64 - 1000.0) / 1000.0 * 0.02;
        let Some(centre) =
            GeoPoint::new(s.distance_from.lat() + shift, s.distance_from.lon() - shift)
        else {
            continue;
        };
        let Some(bbox) = viewport(centre, zoom) else {
            continue;
        };
        let m = HotelMapSearch {
            bbox,
            zoom,
            stay: s.stay,
            party: s.party.clone(),
            currency: s.currency,
            filters: s.filters.clone(),
        };
        let t = Instant::now();
        let clusters = index.map(&m, now, false);
        let took = t.elapsed();
        let n: usize = clusters.iter().map(|c| c.count as usize).sum();
        all.push(took);
        if n <= 500 {
            small.push(took);
        }
        pins += n;
        pins_max = pins_max.max(n);
    }
    let boxes = all.len().max(1);
    Ok(HotelBenchReport {
        hotels: index.len() as u64,
        generate: generate_time,
        load,
        load_rss: rss1.saturating_sub(rss0),
        build,
        build_rss,
        index_bytes: index.approx_bytes(),
        cities: cities.len(),
        radius_candidates_mean: candidates as f64 / searches.len() as f64,
        radius_total_mean: totals as f64 / searches.len() as f64,
        radius_total_max: total_max,
        radius,
        bbox: Percentiles::of(all),
        bbox_small: Percentiles::of(small),
        bbox_pins_mean: pins as f64 / boxes as f64,
        bbox_pins_max: pins_max,
        compared,
        hits_compared,
        radius_index: Percentiles::of(idx_samples),
        radius_sql: Percentiles::of(sql_samples),
    })
}

/// Searches per second over HTTP: the real app on the scratch database, `concurrency` clients
/// posting 5 km radius searches for `requests` requests in all.
#[derive(Debug)]
pub struct HttpBenchReport {
    pub startup: Duration,
    pub requests: usize,
    pub concurrency: usize,
    pub elapsed: Duration,
    pub latency: Percentiles,
    pub failures: usize,
    pub first_failure: Option<String>,
}

impl fmt::Display for HttpBenchReport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "  HTTP POST /api/v1/hotels/search (app start {:.1} s): {} requests, {} clients, {:.0} searches/s, p50 {}, p99 {}, {} failed",
            self.startup.as_secs_f64(),
            self.requests,
            self.concurrency,
            self.requests as f64 / self.elapsed.as_secs_f64(),
            ms(self.latency.p50),
            ms(self.latency.p99),
            self.failures
        )?;
        if let Some(why) = &self.first_failure {
            write!(f, "\n    first failure: {why}")?;
        }
        Ok(())
    }
}

pub async fn http(
    scratch_url: &str,
    requests: usize,
    concurrency: usize,
) -> Result<HttpBenchReport, crate::StartupError> {
    let config = crate::Config {
        database_url: scratch_url.to_owned(),
        bind: std::net::SocketAddr::from(([127, 0, 0, 1], 0)),
        ..crate::Config::default()
    };
    let started = Instant::now();
    let app = crate::Application::build(&config).await?;
    let startup = started.elapsed();
    let base = format!("http://{}", app.local_addr());
    let (stop_tx, stop_rx) = tokio::sync::oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = stop_rx.await;
    }));
    // City centres with many hotels (the same kind of query as the in-process phase).
    let centres = [
        (31.2222, 121.4581),
        (39.9075, 116.3972),
        (23.1167, 113.25),
        (22.5455, 114.0683),
        (30.6667, 104.0667),
        (22.2783, 114.1747),
        (35.6895, 139.6917),
        (13.7540, 100.5014),
    ];
    let today = Utc::now().date_naive();
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
            let mut why: Option<String> = None;
            loop {
                let i = next.fetch_add(1, std::sync::atomic::Ordering::Relaxed);
                if i >= requests {
                    break;
                }
                let (lat_c, lon_c) = centres[i % centres.len()];
                let check_in = today + Days::days(3 + (i % 60) as i64);
                let body = serde_json::json!({
                    "destination": {"lat": lat_c, "lon": lon_c, "radius_km": RADIUS_KM},
                    "check_in": check_in.to_string(),
                    "check_out": (check_in + Days::days(NIGHTS)).to_string(),
                    "rooms": [{"adults": 2}],
                    "currency": "CNY",
                    "stars": STARS,
                    "amenities": ["wifi"],
                    "sort": "price",
                });
                let t = Instant::now();
                match client
                    .post(format!("{base}/api/v1/hotels/search"))
                    .json(&body)
                    .send()
                    .await
                {
                    Ok(r) if r.status().is_success() => {
                        let _ = r.bytes().await;
                        lat.push(t.elapsed());
                    }
                    Ok(r) => {
                        if why.is_none() {
                            let status = r.status();
                            let body = r.text().await.unwrap_or_default();
                            why = Some(format!(
                                "{status}: {}",
                                body.chars().take(300).collect::<String>()
                            ));
                        }
                        failed += 1;
                    }
                    Err(e) => {
                        why.get_or_insert_with(|| e.to_string());
                        failed += 1;
                    }
                }
            }
            (lat, failed, why)
        }
    });
    let results = futures::future::join_all(workers).await;
    let elapsed = started.elapsed();
    let _ = stop_tx.send(());
    let _ = server.await;
    let mut all = Vec::new();
    let mut failures = 0;
    let mut first_failure = None;
    for (l, f, why) in results {
        all.extend(l);
        failures += f;
        first_failure = first_failure.or(why);
    }
    Ok(HttpBenchReport {
        startup,
        requests,
        concurrency,
        elapsed,
        latency: Percentiles::of(all),
        failures,
        first_failure,
    })
}
