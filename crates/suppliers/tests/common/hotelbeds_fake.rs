//! A local fake Hotelbeds (axum on 127.0.0.1:0), shared by the client's and the supplier's
//! tests. It checks what Hotelbeds checks (`shared/providers/travel.md` §2.1, §2.8, §5): a
//! known `Api-key`, an `X-Signature` equal to sha256(key + secret + t) for some t within
//! ±5 minutes of its own clock, `Accept: application/json`, `Content-Type: application/json`
//! on bodies, JSON that parses, and the mandatory fields and limits of each document. It
//! answers documents shaped like Hotelbeds' (string decimals, `auditData`, errors as
//! `{auditData, error: {code, message}}`, gateway refusals as short non-JSON bodies), gzips
//! when asked to, makes `RECHECK` rates go through CheckRate (once, at a new price and under a
//! new key), refuses `AT_HOTEL` rates with 402 on this (non-secure) host, and never changes a
//! booking on `SIMULATION`. Availability honours hotel codes, destination codes and
//! geolocation circles (by great-circle distance), every occupancy of the request (one set of
//! rates each, `rooms`/`adults`/`children`/`childrenAges` echoed), `min`/`maxCategory`, boards
//! and payment type.
//!
//! Where the notes are silent the fake chooses, and says so: the 401/403 split for auth
//! failures, error codes of 404/500, `PRODUCT_ERROR`, idempotent repeated cancellation,
//! refusing an unchecked `RECHECK` rate with 400 `INVALID_DATA`, a `categoryCode` compared by
//! its star count, and booked rates that repeat the taxes, selling rate and offers they were
//! sold with (plus the hotel's coordinates).

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::Duration;

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wayfare_suppliers::hotelbeds::HotelbedsConfig;

pub const API_KEY: &str = "fake-hotel-api-key";
pub const SECRET: &str = "fake-shared-secret";
pub const PREFIX: &str = "/hotel-api/1.0";
/// The skew the fake tolerates between its clock and the signed timestamp.
pub const ALLOWED_SKEW_SECS: i64 = 300;

// =============================================================================================
// The fake Hotelbeds

#[derive(Clone, Default)]
pub struct FakeHotelbeds {
    pub world: Arc<Mutex<World>>,
}

impl FakeHotelbeds {
    pub fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    pub fn seen(&self) -> Vec<Seen> {
        self.world().seen.clone()
    }
}

#[derive(Clone)]
pub struct Seen {
    pub method: Method,
    pub path: String,
    pub query: HashMap<String, String>,
    pub headers: HeaderMap,
    pub body: Vec<u8>,
}

impl Seen {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A rate the fake has offered, by rate key.
#[derive(Clone)]
pub struct FakeRate {
    pub hotel: u32,
    pub room_code: &'static str,
    pub room_name: &'static str,
    pub rate_class: &'static str,
    pub rate_type: &'static str,
    pub payment_type: &'static str,
    pub board: &'static str,
    pub board_name: &'static str,
    pub net: Decimal,
    pub currency: &'static str,
    pub check_in: NaiveDate,
    pub check_out: NaiveDate,
    pub rooms: u32,
    pub adults: u32,
    pub children: u32,
    /// `(amount, from)`, the fee from that instant on.
    pub policies: Vec<(Decimal, String)>,
}

/// An answer replacing whatever the fake would have said, after the gateway checks.
#[derive(Clone)]
pub struct RawAnswer {
    pub status: u16,
    pub content_type: &'static str,
    pub body: Vec<u8>,
    /// Claim `Content-Encoding: gzip` without compressing.
    pub lying_gzip: bool,
}

#[derive(Default)]
pub struct World {
    pub answered: u64,
    pub seen: Vec<Seen>,
    pub rates: HashMap<String, FakeRate>,
    /// A RECHECK key → the key CheckRate answered for it.
    pub rechecked: HashMap<String, String>,
    pub bookings: Vec<Value>,
    /// Requests (`path` + body) that failed with a product error: repeating one is a 410.
    pub failed_products: HashSet<String>,
    pub gzipped: u32,
    // Scenario knobs.
    /// Rate keys whose product is no longer available (500).
    pub gone: HashSet<String>,
    /// Authenticated requests left today; at 0 the gateway says `Developer Over Rate`.
    pub quota_left: Option<u32>,
    pub over_qps: bool,
    pub too_many_requests: bool,
    pub delay: Option<Duration>,
    /// Answers `POST /bookings` this late, after booking.
    pub slow_booking: Option<Duration>,
    /// Also offer, for every occupancy, a rate for one adult more (which holds nobody asked).
    pub misfit_rates: bool,
    pub raw: Option<RawAnswer>,
}

pub enum Body {
    Json(Value),
    Text(&'static str),
    Raw(RawAnswer),
}

pub type Answer = (u16, Body);

pub fn audit(n: u64) -> Value {
    json!({
        "processTime": "7",
        "timestamp": Utc::now().format("%Y-%m-%d %H:%M:%S%.3f").to_string(),
        "requestHost": "127.0.0.1",
        "serverId": "fake.hotelbeds.local",
        "environment": "[fake]",
        "release": "fake-1.0",
        "token": format!("FAKE-TOKEN-{n:05}")
    })
}

pub fn hb_error(status: u16, code: &str, message: &str) -> Answer {
    (
        status,
        Body::Json(json!({"error": {"code": code, "message": message}})),
    )
}

pub fn invalid_request(message: &str) -> Answer {
    hb_error(400, "INVALID_REQUEST", message)
}

pub fn invalid_data(message: &str) -> Answer {
    hb_error(400, "INVALID_DATA", message)
}

/// Hotelbeds' signature, computed here independently of the client.
pub fn expected_signature(key: &str, secret: &str, t: i64) -> String {
    let digest = Sha256::digest(format!("{key}{secret}{t}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

pub fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
    headers.get(name).and_then(|v| v.to_str().ok())
}

impl World {
    /// The gateway in front of the API: credentials, signature window, quota and throttling.
    fn gateway(&mut self, headers: &HeaderMap) -> Result<(), Answer> {
        let (Some(key), Some(sig)) = (header(headers, "api-key"), header(headers, "x-signature"))
        else {
            return Err((401, Body::Text("<h1>Authentication Required</h1>")));
        };
        if key != API_KEY {
            return Err((403, Body::Text("<h1>Developer Inactive</h1>")));
        }
        let now = Utc::now().timestamp();
        let valid = (now - ALLOWED_SKEW_SECS..=now + ALLOWED_SKEW_SECS)
            .any(|t| expected_signature(API_KEY, SECRET, t) == sig);
        if !valid {
            return Err((403, Body::Text("<h1>Not Authorized</h1>")));
        }
        if self.too_many_requests {
            return Err((429, Body::Text("Too Many Requests")));
        }
        if self.over_qps {
            return Err((403, Body::Text("<h1>Developer Over Qps</h1>")));
        }
        match &mut self.quota_left {
            Some(0) => return Err((403, Body::Text("<h1>Developer Over Rate</h1>"))),
            Some(n) => *n -= 1,
            None => {}
        }
        Ok(())
    }

    fn answer(&mut self, method: &Method, uri: &Uri, headers: &HeaderMap, body: &[u8]) -> Answer {
        if let Err(refused) = self.gateway(headers) {
            return refused;
        }
        if !header(headers, "accept").is_some_and(|a| a.contains("application/json")) {
            return hb_error(406, "INVALID_REQUEST", "Accept must be application/json");
        }
        let doc = if method == Method::POST || method == Method::PUT {
            if !header(headers, "content-type").is_some_and(|c| c.starts_with("application/json")) {
                return hb_error(
                    415,
                    "INVALID_REQUEST",
                    "Content-Type must be application/json",
                );
            }
            match serde_json::from_slice::<Value>(body) {
                Ok(v) if v.is_object() => Some(v),
                _ => return invalid_request("The request body is not a valid JSON document"),
            }
        } else {
            None
        };
        if let Some(raw) = &self.raw {
            return (raw.status, Body::Raw(raw.clone()));
        }
        let Some(path) = uri.path().strip_prefix(PREFIX) else {
            return (404, Body::Text("Not Found"));
        };
        let query: HashMap<String, String> = uri
            .query()
            .map(|q| {
                url_pairs(q)
                    .into_iter()
                    .collect::<HashMap<String, String>>()
            })
            .unwrap_or_default();
        let parts: Vec<&str> = path.trim_matches('/').split('/').collect();
        let doc = doc.unwrap_or(Value::Null);
        match (method.as_str(), parts.as_slice()) {
            ("GET", ["status"]) => (200, Body::Json(json!({"status": "OK"}))),
            ("POST", ["hotels"]) => self.availability(&doc),
            ("POST", ["checkrates"]) => self.check_rates(&doc, body),
            ("POST", ["bookings"]) => self.book(&doc, body),
            ("GET", ["bookings"]) => self.list(&query),
            ("GET", ["bookings", reference]) => match self.booking(reference) {
                Some(b) => (200, Body::Json(json!({"booking": b}))),
                None => booking_not_found(),
            },
            ("DELETE", ["bookings", reference]) => self.cancel(reference, &query),
            _ => (404, Body::Text("Not Found")),
        }
    }

    // ---- availability -------------------------------------------------------------------

    fn availability(&mut self, doc: &Value) -> Answer {
        let stay = doc
            .get("stay")
            .ok_or_else(|| invalid_request("stay is mandatory"));
        let stay = match stay {
            Ok(s) => s,
            Err(a) => return a,
        };
        let (check_in, check_out) = match (date_at(stay, "checkIn"), date_at(stay, "checkOut")) {
            (Some(i), Some(o)) => (i, o),
            _ => return invalid_request("stay.checkIn and stay.checkOut are mandatory dates"),
        };
        if check_out <= check_in {
            return invalid_data("checkOut must be after checkIn");
        }
        let occupancies = match doc.get("occupancies").and_then(Value::as_array) {
            Some(o) if !o.is_empty() => o,
            _ => return invalid_request("occupancies is mandatory"),
        };
        let mut party: Vec<(u32, u32, u32, Vec<u32>)> = vec![];
        for o in occupancies {
            let (Some(rooms), Some(adults), Some(children)) =
                (uint(o, "rooms"), uint(o, "adults"), uint(o, "children"))
            else {
                return invalid_request("occupancy rooms, adults and children are mandatory");
            };
            if rooms < 1 || adults < 1 {
                return invalid_data("an occupancy needs rooms >= 1 and adults >= 1");
            }
            let paxes = o
                .get("paxes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            let ages: Vec<u32> = paxes
                .iter()
                .filter(|p| p.get("type").and_then(Value::as_str) == Some("CH"))
                .map(|p| uint(p, "age"))
                .collect::<Option<_>>()
                .unwrap_or_default();
            if u32::try_from(ages.len()).ok() != Some(children) {
                return invalid_data("each child needs a CH pax with an age");
            }
            party.push((rooms, adults, children, ages));
        }
        let locations = ["hotels", "destination", "geolocation"]
            .iter()
            .filter(|k| doc.get(**k).is_some())
            .count();
        if locations != 1 {
            return invalid_data("exactly one of hotels, destination and geolocation");
        }
        let wanted = if let Some(h) = doc.get("hotels") {
            let codes: Vec<u32> = h
                .get("hotel")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(|v| v.as_u64().and_then(|n| u32::try_from(n).ok()))
                        .collect()
                })
                .unwrap_or_default();
            if codes.is_empty() || codes.len() > 2000 {
                return invalid_data("hotels.hotel must list 1 to 2000 codes");
            }
            Location::Hotels(codes)
        } else if let Some(d) = doc.get("destination") {
            let Some(dest) = d.get("code").and_then(Value::as_str).map(str::to_owned) else {
                return invalid_request("destination.code is mandatory");
            };
            Location::Destination(dest)
        } else {
            let g = &doc["geolocation"];
            let (Some(lat), Some(lon), Some(radius)) = (
                g.get("latitude").and_then(Value::as_f64),
                g.get("longitude").and_then(Value::as_f64),
                g.get("radius").and_then(Value::as_f64),
            ) else {
                return invalid_request("geolocation latitude, longitude and radius are mandatory");
            };
            let radius_km = match g.get("unit").and_then(Value::as_str) {
                Some("km") => radius,
                Some("m") => radius / 1000.0,
                _ => return invalid_request("geolocation.unit is km or m"),
            };
            Location::Circle {
                lat,
                lon,
                radius_km,
            }
        };
        let category = |key: &str| {
            doc.pointer(&format!("/filter/{key}"))
                .and_then(Value::as_u64)
        };
        let (min_category, max_category) = (category("minCategory"), category("maxCategory"));
        let pay_filter = doc
            .pointer("/filter/paymentType")
            .and_then(Value::as_str)
            .map(str::to_owned);
        let boards: Option<(Vec<String>, bool)> = doc.get("boards").map(|b| {
            let list = b
                .get("board")
                .and_then(Value::as_array)
                .map(|a| {
                    a.iter()
                        .filter_map(Value::as_str)
                        .map(str::to_owned)
                        .collect()
                })
                .unwrap_or_default();
            (
                list,
                b.get("included").and_then(Value::as_bool) != Some(false),
            )
        });
        let mut offered: Vec<(String, FakeRate, String)> = vec![];
        for (rooms, adults, children, ages) in &party {
            let ages_text = ages
                .iter()
                .map(u32::to_string)
                .collect::<Vec<_>>()
                .join(",");
            let mut rates = fixture_rates(check_in, check_out, *rooms, *adults, *children, ages);
            if self.misfit_rates {
                rates.extend(misfit_rates(
                    check_in, check_out, *rooms, *adults, *children,
                ));
            }
            offered.extend(rates.into_iter().map(|(k, r)| (k, r, ages_text.clone())));
        }
        let mut hotels: Vec<Value> = vec![];
        for hotel in fixture_hotels() {
            if !wanted.holds(&hotel) {
                continue;
            }
            let stars = u64::from(hotel.stars);
            if min_category.is_some_and(|m| stars < m) || max_category.is_some_and(|m| stars > m) {
                continue;
            }
            let mut rooms_json: Vec<Value> = vec![];
            for (key, rate, ages_text) in offered.iter().filter(|(_, r, _)| r.hotel == hotel.code) {
                if pay_filter
                    .as_deref()
                    .is_some_and(|p| p != "BOTH" && p != rate.payment_type)
                {
                    continue;
                }
                if let Some((list, included)) = &boards
                    && list.iter().any(|b| b == rate.board) != *included
                {
                    continue;
                }
                self.rates.insert(key.clone(), rate.clone());
                let mut rate_json = rate_json(key, rate);
                rate_json["childrenAges"] = json!(ages_text);
                push_rate(&mut rooms_json, rate, rate_json);
            }
            if rooms_json.is_empty() {
                continue;
            }
            let mut h = hotel_json(&hotel);
            h["rooms"] = json!(rooms_json);
            hotels.push(h);
        }
        (
            200,
            Body::Json(json!({
                "hotels": {
                    "checkIn": check_in.to_string(),
                    "checkOut": check_out.to_string(),
                    "total": hotels.len(),
                    "hotels": hotels,
                }
            })),
        )
    }

    // ---- checkrates ---------------------------------------------------------------------

    fn check_rates(&mut self, doc: &Value, raw: &[u8]) -> Answer {
        let keys: Vec<String> = match doc.get("rooms").and_then(Value::as_array) {
            Some(rooms) if !rooms.is_empty() => {
                match rooms
                    .iter()
                    .map(|r| r.get("rateKey").and_then(Value::as_str).map(str::to_owned))
                    .collect::<Option<Vec<_>>>()
                {
                    Some(keys) => keys,
                    None => return invalid_request("rooms[].rateKey is mandatory"),
                }
            }
            _ => return invalid_request("rooms is mandatory"),
        };
        let request_id = format!("checkrates {}", String::from_utf8_lossy(raw));
        if self.failed_products.contains(&request_id) {
            return hb_error(
                410,
                "INVALID_DATA",
                "Request repeated after a product error",
            );
        }
        let mut answered: Vec<(String, FakeRate, bool)> = vec![];
        for key in keys {
            if self.gone.contains(&key) {
                self.failed_products.insert(request_id);
                return product_gone();
            }
            let key = self.rechecked.get(&key).cloned().unwrap_or(key);
            let Some(rate) = self.rates.get(&key).cloned() else {
                return invalid_data("Invalid rateKey");
            };
            if rate.rate_type == "RECHECK" {
                // The first check finds a new price, under a new key that is bookable.
                let new_key = format!("{key}~CHK");
                let mut fresh = rate.clone();
                fresh.rate_type = "BOOKABLE";
                fresh.net = rate.net + Decimal::new(235, 2);
                fresh.policies = vec![(fresh.net, rate.policies[0].1.clone())];
                self.rates.insert(new_key.clone(), fresh.clone());
                self.rechecked.insert(key, new_key.clone());
                answered.push((new_key, fresh, true));
            } else {
                answered.push((key, rate, false));
            }
        }
        let hotel_code = answered[0].1.hotel;
        let Some(hotel) = fixture_hotels().into_iter().find(|h| h.code == hotel_code) else {
            return invalid_data("Invalid rateKey");
        };
        let mut rooms_json: Vec<Value> = vec![];
        for (key, rate, _) in &answered {
            let mut r = rate_json(key, rate);
            r["rateComments"] = json!("Check-in from 14:00. City tax payable at the hotel.");
            r["rateBreakDown"] = json!({"rateDiscounts": [{"code": "NRF", "amount": "-5.00"}]});
            push_rate(&mut rooms_json, rate, r);
        }
        let mut h = hotel_json(&hotel);
        h["checkIn"] = json!(answered[0].1.check_in.to_string());
        h["checkOut"] = json!(answered[0].1.check_out.to_string());
        h["rooms"] = json!(rooms_json);
        (200, Body::Json(json!({ "hotel": h })))
    }

    // ---- bookings -----------------------------------------------------------------------

    fn book(&mut self, doc: &Value, raw: &[u8]) -> Answer {
        let holder = doc.get("holder");
        let (Some(name), Some(surname)) = (
            holder.and_then(|h| h.get("name")).and_then(Value::as_str),
            holder
                .and_then(|h| h.get("surname"))
                .and_then(Value::as_str),
        ) else {
            return invalid_request("holder.name and holder.surname are mandatory");
        };
        if !fits(name, 1, 50) || !fits(surname, 1, 50) {
            return invalid_data("holder names must be 1 to 50 characters");
        }
        let Some(client_reference) = doc.get("clientReference").and_then(Value::as_str) else {
            return invalid_request("clientReference is mandatory");
        };
        if !fits(client_reference, 1, 20) {
            return invalid_data("clientReference must be 1 to 20 characters");
        }
        if doc
            .get("remark")
            .and_then(Value::as_str)
            .is_some_and(|r| !fits(r, 0, 2000))
        {
            return invalid_data("remark must be at most 2000 characters");
        }
        let rooms = match doc.get("rooms").and_then(Value::as_array) {
            Some(r) if !r.is_empty() => r.clone(),
            _ => return invalid_request("rooms is mandatory"),
        };
        let request_id = format!("bookings {}", String::from_utf8_lossy(raw));
        if self.failed_products.contains(&request_id) {
            return hb_error(
                410,
                "INVALID_DATA",
                "Request repeated after a product error",
            );
        }
        let mut booked: Vec<(FakeRate, Vec<Value>)> = vec![];
        for room in &rooms {
            let Some(key) = room.get("rateKey").and_then(Value::as_str) else {
                return invalid_request("rooms[].rateKey is mandatory");
            };
            let paxes = room
                .get("paxes")
                .and_then(Value::as_array)
                .cloned()
                .unwrap_or_default();
            for p in &paxes {
                match p.get("type").and_then(Value::as_str) {
                    Some("AD") => {}
                    Some("CH") if uint(p, "age").is_some() => {}
                    _ => return invalid_data("a pax is AD, or CH with an age"),
                }
                if p.get("roomId")
                    .is_some_and(|r| r.as_u64().is_none_or(|n| n < 1))
                {
                    return invalid_data("roomId starts at 1");
                }
                for field in ["name", "surname"] {
                    if p.get(field)
                        .and_then(Value::as_str)
                        .is_some_and(|v| !fits(v, 0, 50))
                    {
                        return invalid_data("pax names are at most 50 characters");
                    }
                }
            }
            if self.gone.contains(key) {
                self.failed_products.insert(request_id);
                return product_gone();
            }
            let Some(rate) = self.rates.get(key).cloned() else {
                return invalid_data("Invalid rateKey");
            };
            if rate.rate_type == "RECHECK" {
                return invalid_data("This rate must be checked with CheckRate before booking");
            }
            if rate.payment_type == "AT_HOTEL" {
                return hb_error(
                    402,
                    "INVALID_DATA",
                    "Payment data is required for this rate",
                );
            }
            booked.push((rate, paxes));
        }
        let currency = booked[0].0.currency;
        if booked.iter().any(|(r, _)| r.currency != currency) {
            return invalid_data("All rooms must be of one hotel and currency");
        }
        let total: Decimal = booked.iter().map(|(r, _)| r.net).sum();
        let first = &booked[0].0;
        let Some(hotel) = fixture_hotels().into_iter().find(|h| h.code == first.hotel) else {
            return invalid_data("Invalid rateKey");
        };
        let rooms_json: Vec<Value> = booked
            .iter()
            .enumerate()
            .map(|(i, (rate, paxes))| {
                let mut booked_rate = json!({
                    "rateClass": rate.rate_class,
                    "net": money_text(rate.net, currency),
                    "rateComments": "Check-in from 14:00.",
                    "paymentType": rate.payment_type,
                    "packaging": false,
                    "boardCode": rate.board,
                    "boardName": rate.board_name,
                    "cancellationPolicies": policies_json(rate),
                    "rooms": rate.rooms,
                    "adults": rate.adults,
                    "children": rate.children,
                });
                // Taxes, public price and offers as the rate was sold.
                let sold = rate_json("", rate);
                for field in ["taxes", "sellingRate", "hotelMandatory", "offers"] {
                    if let Some(v) = sold.get(field) {
                        booked_rate[field] = v.clone();
                    }
                }
                json!({
                    "status": "CONFIRMED",
                    "id": i + 1,
                    "code": rate.room_code,
                    "name": rate.room_name,
                    "paxes": paxes,
                    "rates": [booked_rate]
                })
            })
            .collect();
        let selling: Option<Decimal> = rooms_json
            .iter()
            .flat_map(|r| r["rates"].as_array().into_iter().flatten())
            .any(|r| r.get("sellingRate").is_some())
            .then(|| {
                rooms_json
                    .iter()
                    .flat_map(|r| r["rates"].as_array().into_iter().flatten())
                    .map(|r| {
                        let text = r.get("sellingRate").unwrap_or(&r["net"]);
                        Decimal::from_str(text.as_str().unwrap_or("0")).unwrap_or_default()
                    })
                    .sum()
            });
        let reference = format!("102-{:07}", self.bookings.len() + 1);
        let booking = json!({
            "reference": reference,
            "clientReference": client_reference,
            "creationDate": Utc::now().date_naive().to_string(),
            "status": "CONFIRMED",
            "modificationPolicies": {"cancellation": true, "modification": true},
            "creationUser": API_KEY,
            "holder": {"name": name, "surname": surname},
            "hotel": {
                "checkOut": first.check_out.to_string(),
                "checkIn": first.check_in.to_string(),
                "code": hotel.code,
                "name": hotel.name,
                "categoryCode": hotel.category,
                "destinationCode": hotel.destination,
                "destinationName": hotel.destination_name,
                "zoneCode": hotel.zone,
                "zoneName": hotel.zone_name,
                "latitude": hotel.lat.to_string(),
                "longitude": hotel.lon.to_string(),
                "rooms": rooms_json,
                "totalNet": money_text(total, currency),
                "currency": currency,
                "supplier": {"name": "FAKE HOTELBEDS, S.L.U.", "vatNumber": "ESX0000000X"},
            },
            "remark": doc.get("remark").cloned().unwrap_or(Value::Null),
            "totalNet": money_text(total, currency),
            "pendingAmount": money_text(total, currency),
            "currency": currency,
        });
        let mut booking = booking;
        if let Some(selling) = selling {
            booking["totalSellingRate"] = json!(money_text(selling, currency));
        }
        self.bookings.push(booking.clone());
        (200, Body::Json(json!({ "booking": booking })))
    }

    fn booking(&self, reference: &str) -> Option<Value> {
        self.bookings
            .iter()
            .find(|b| b["reference"] == reference)
            .cloned()
    }

    fn cancel(&mut self, reference: &str, query: &HashMap<String, String>) -> Answer {
        let simulate = match query.get("cancellationFlag").map(String::as_str) {
            None | Some("CANCELLATION") => false,
            Some("SIMULATION") => true,
            Some(_) => return invalid_request("cancellationFlag is SIMULATION or CANCELLATION"),
        };
        let Some(index) = self
            .bookings
            .iter()
            .position(|b| b["reference"] == reference)
        else {
            return booking_not_found();
        };
        let stored = &self.bookings[index];
        if stored["status"] == "CANCELLED" {
            // Repeating a cancellation answers the cancelled booking again (the fake's choice).
            return (200, Body::Json(json!({ "booking": stored })));
        }
        let currency = stored["currency"].as_str().unwrap_or("EUR").to_owned();
        let now = Utc::now();
        let fee: Decimal = stored["hotel"]["rooms"]
            .as_array()
            .into_iter()
            .flatten()
            .flat_map(|room| room["rates"].as_array().into_iter().flatten())
            .map(|rate| fee_at(&rate["cancellationPolicies"], now))
            .sum();
        let mut answer = stored.clone();
        answer["hotel"]["cancellationAmount"] = json!(money_text(fee, &currency));
        if simulate {
            return (200, Body::Json(json!({ "booking": answer })));
        }
        answer["status"] = json!("CANCELLED");
        answer["cancellationReference"] = json!(format!("C-{reference}"));
        answer["pendingAmount"] = json!(money_text(Decimal::ZERO, &currency));
        if let Some(rooms) = answer["hotel"]["rooms"].as_array_mut() {
            for room in rooms {
                room["status"] = json!("CANCELLED");
            }
        }
        self.bookings[index] = answer.clone();
        (200, Body::Json(json!({ "booking": answer })))
    }

    fn list(&self, query: &HashMap<String, String>) -> Answer {
        let date = |k: &str| query.get(k).and_then(|v| v.parse::<NaiveDate>().ok());
        let index = |k: &str| query.get(k).and_then(|v| v.parse::<usize>().ok());
        let (Some(start), Some(end), Some(from), Some(to)) =
            (date("start"), date("end"), index("from"), index("to"))
        else {
            return invalid_request("start, end, from and to are mandatory");
        };
        if from < 1 || to < from {
            return invalid_data("from must be >= 1 and to >= from");
        }
        let by_checkin = match query.get("filterType").map(String::as_str) {
            None | Some("CREATION") => false,
            Some("CHECKIN") => true,
            Some(_) => return invalid_request("filterType is CHECKIN or CREATION"),
        };
        let status = query.get("status").map(String::as_str).unwrap_or("ALL");
        let matching: Vec<&Value> = self
            .bookings
            .iter()
            .filter(|b| {
                let d = if by_checkin {
                    &b["hotel"]["checkIn"]
                } else {
                    &b["creationDate"]
                };
                let d = d.as_str().and_then(|s| s.parse::<NaiveDate>().ok());
                d.is_some_and(|d| start <= d && d <= end)
            })
            .filter(|b| match status {
                "ALL" => true,
                "CANCELED" => b["status"] == "CANCELLED",
                s => b["status"] == s,
            })
            .filter(|b| {
                query
                    .get("clientReference")
                    .is_none_or(|c| b["clientReference"] == c.as_str())
            })
            .collect();
        let page: Vec<&Value> = matching
            .iter()
            .skip(from - 1)
            .take(to - from + 1)
            .copied()
            .collect();
        (
            200,
            Body::Json(json!({
                "bookings": {"from": from, "to": to, "total": matching.len(), "bookings": page}
            })),
        )
    }
}

/// Where an availability request searches.
pub enum Location {
    Hotels(Vec<u32>),
    Destination(String),
    Circle { lat: f64, lon: f64, radius_km: f64 },
}

impl Location {
    fn holds(&self, hotel: &FixtureHotel) -> bool {
        match self {
            Location::Hotels(codes) => codes.contains(&hotel.code),
            Location::Destination(code) => code == hotel.destination,
            Location::Circle {
                lat,
                lon,
                radius_km,
            } => distance_km(*lat, *lon, hotel.lat, hotel.lon) <= *radius_km,
        }
    }
}

/// Great-circle distance (haversine, mean Earth radius).
pub fn distance_km(lat1: f64, lon1: f64, lat2: f64, lon2: f64) -> f64 {
    let (p1, p2) = (lat1.to_radians(), lat2.to_radians());
    let dp = p2 - p1;
    let dl = (lon2 - lon1).to_radians();
    let a = (dp / 2.0).sin().powi(2) + p1.cos() * p2.cos() * (dl / 2.0).sin().powi(2);
    2.0 * 6371.0088 * a.sqrt().asin()
}

pub fn booking_not_found() -> Answer {
    hb_error(404, "INVALID_DATA", "Booking not found")
}

pub fn product_gone() -> Answer {
    hb_error(
        500,
        "PRODUCT_ERROR",
        "The product is not available anymore. Restart the booking process.",
    )
}

pub fn fits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count()) && (min == 0 || !s.trim().is_empty())
}

pub fn uint(v: &Value, key: &str) -> Option<u32> {
    v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok())
}

pub fn date_at(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)?.as_str()?.parse().ok()
}

pub fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

pub fn percent_decode(s: &str) -> String {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let escaped = (bytes[i] == b'%' && i + 2 < bytes.len())
            .then(|| std::str::from_utf8(&bytes[i + 1..i + 3]).ok())
            .flatten()
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (escaped, bytes[i]) {
            (Some(b), _) => {
                out.push(b);
                i += 3;
                continue;
            }
            (None, b'+') => out.push(b' '),
            (None, b) => out.push(b),
        }
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

pub fn money_text(d: Decimal, currency: &str) -> String {
    let mut d = d;
    d.rescale(if currency == "JPY" { 0 } else { 2 });
    d.to_string()
}

/// The fee if cancelled at `now`: the amount of the latest policy already in force.
pub fn fee_at(policies: &Value, now: DateTime<Utc>) -> Decimal {
    policies
        .as_array()
        .into_iter()
        .flatten()
        .filter_map(|p| {
            let from = DateTime::parse_from_rfc3339(p["from"].as_str()?).ok()?;
            let amount = Decimal::from_str(p["amount"].as_str()?).ok()?;
            (from <= now).then_some((from, amount))
        })
        .max_by_key(|(from, _)| *from)
        .map_or(Decimal::ZERO, |(_, amount)| amount)
}

pub struct FixtureHotel {
    pub code: u32,
    pub name: &'static str,
    pub currency: &'static str,
    pub category: &'static str,
    pub destination: &'static str,
    pub destination_name: &'static str,
    pub zone: u32,
    pub zone_name: &'static str,
    pub lat: f64,
    pub lon: f64,
    /// What `minCategory`/`maxCategory` compare.
    pub stars: u8,
}

pub fn fixture_hotels() -> Vec<FixtureHotel> {
    vec![
        FixtureHotel {
            code: 3424,
            name: "Fake Aveiro Palace",
            currency: "EUR",
            category: "4EST",
            destination: "CEN",
            destination_name: "Aveiro",
            zone: 60,
            zone_name: "Centro",
            lat: 40.640_505_5,
            lon: -8.653_753_9,
            stars: 4,
        },
        FixtureHotel {
            code: 168,
            name: "Fake Palma Beach",
            currency: "JPY",
            category: "3EST",
            destination: "PMI",
            destination_name: "Majorca",
            zone: 10,
            zone_name: "Palma",
            lat: 39.5696,
            lon: 2.6502,
            stars: 3,
        },
        // 4.7 km east of the centre of Aveiro, beside the Palace.
        FixtureHotel {
            code: 4001,
            name: "Fake Aveiro Riverside",
            currency: "EUR",
            category: "H4_5",
            destination: "CEN",
            destination_name: "Aveiro",
            zone: 61,
            zone_name: "Beira Rio",
            lat: 40.63,
            lon: -8.595,
            stars: 4,
        },
    ]
}

pub fn hotel_json(h: &FixtureHotel) -> Value {
    let mut v = json!({
        "code": h.code,
        "name": h.name,
        "categoryCode": h.category,
        "categoryName": "4 STARS",
        "destinationCode": h.destination,
        "destinationName": h.destination_name,
        "zoneCode": h.zone,
        "zoneName": h.zone_name,
        "currency": h.currency,
        // Something Hotelbeds might add one day: ignored.
        "exclusiveDeal": 1,
    });
    if h.code == 3424 {
        v["latitude"] = json!("40.6405055");
        v["longitude"] = json!("-8.6537539");
        v["minRate"] = json!(99.5);
        v["maxRate"] = json!("123.45");
    } else {
        v["latitude"] = json!(h.lat);
        v["longitude"] = json!(h.lon);
    }
    if h.code == 168 {
        v["minRate"] = json!("15300");
        v["maxRate"] = json!("15300");
    }
    v
}

/// The rates the fake sells for a stay and party, by rate key.
pub fn fixture_rates(
    check_in: NaiveDate,
    check_out: NaiveDate,
    rooms: u32,
    adults: u32,
    children: u32,
    ages: &[u32],
) -> Vec<(String, FakeRate)> {
    let at = |d: NaiveDate| format!("{d}T23:59:00+01:00");
    let today = Utc::now().date_naive();
    let d = |s: &str| Decimal::from_str(s).unwrap();
    let base = FakeRate {
        hotel: 3424,
        room_code: "DBL.ST",
        room_name: "DOUBLE STANDARD",
        rate_class: "NOR",
        rate_type: "BOOKABLE",
        payment_type: "AT_WEB",
        board: "BB",
        board_name: "BED AND BREAKFAST",
        net: d("118.27"),
        currency: "EUR",
        check_in,
        check_out,
        rooms,
        adults,
        children,
        policies: vec![
            (d("59.14"), at(check_in - TimeDelta::days(7))),
            (d("118.27"), at(check_in - TimeDelta::days(1))),
        ],
    };
    let rates = vec![
        base.clone(),
        FakeRate {
            rate_class: "NRF",
            rate_type: "RECHECK",
            board: "RO",
            board_name: "ROOM ONLY",
            net: d("123.45"),
            // Non-refundable: the whole price from the moment it is booked.
            policies: vec![(d("123.45"), at(today - TimeDelta::days(1)))],
            ..base.clone()
        },
        FakeRate {
            room_code: "TWN.ST",
            room_name: "TWIN STANDARD",
            payment_type: "AT_HOTEL",
            net: d("99.5"),
            policies: vec![(d("99.50"), at(check_in - TimeDelta::days(2)))],
            ..base.clone()
        },
        FakeRate {
            hotel: 168,
            room_code: "DBL.SU",
            room_name: "DOUBLE SUPERIOR",
            board: "HB",
            board_name: "HALF BOARD",
            net: d("15300"),
            currency: "JPY",
            policies: vec![(d("15300"), at(check_in - TimeDelta::days(3)))],
            ..base.clone()
        },
        FakeRate {
            hotel: 4001,
            board: "RO",
            board_name: "ROOM ONLY",
            net: d("80.00"),
            policies: vec![(d("40.00"), at(check_in - TimeDelta::days(2)))],
            ..base
        },
    ];
    keyed(rates, check_in, check_out, ages)
}

/// Rates for one adult more than asked, which hold nobody of the party.
pub fn misfit_rates(
    check_in: NaiveDate,
    check_out: NaiveDate,
    rooms: u32,
    adults: u32,
    children: u32,
) -> Vec<(String, FakeRate)> {
    let (_, base) = fixture_rates(check_in, check_out, rooms, adults, children, &[])
        .into_iter()
        .next()
        .unwrap();
    let triple = FakeRate {
        room_code: "TPL.ST",
        room_name: "TRIPLE STANDARD",
        adults: adults + 1,
        net: Decimal::from_str("99.00").unwrap(),
        ..base
    };
    keyed(vec![triple], check_in, check_out, &[])
}

fn keyed(
    rates: Vec<FakeRate>,
    check_in: NaiveDate,
    check_out: NaiveDate,
    ages: &[u32],
) -> Vec<(String, FakeRate)> {
    let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
    let ages = ages
        .iter()
        .map(u32::to_string)
        .collect::<Vec<_>>()
        .join("-");
    rates
        .into_iter()
        .map(|r| {
            let key = format!(
                "{}|{}|W|59|{}|{}|ID_B2B_26|{}|{}||{}~{}~{}|{}|N@05~~",
                ymd(check_in),
                ymd(check_out),
                r.hotel,
                r.room_code,
                r.board,
                r.rate_class,
                r.rooms,
                r.adults,
                r.children,
                ages
            );
            (key, r)
        })
        .collect()
}

pub fn policies_json(rate: &FakeRate) -> Vec<Value> {
    rate.policies
        .iter()
        .map(|(amount, from)| json!({"amount": money_text(*amount, rate.currency), "from": from}))
        .collect()
}

pub fn rate_json(key: &str, rate: &FakeRate) -> Value {
    let mut v = json!({
        "rateKey": key,
        "rateClass": rate.rate_class,
        "rateType": rate.rate_type,
        "net": money_text(rate.net, rate.currency),
        "allotment": 5,
        "paymentType": rate.payment_type,
        "packaging": false,
        "boardCode": rate.board,
        "boardName": rate.board_name,
        "cancellationPolicies": policies_json(rate),
        "rooms": rate.rooms,
        "adults": rate.adults,
        "children": rate.children,
        "dailyRates": [{"offset": 1, "dailyNet": "118.27"}],
    });
    match (rate.room_code, rate.rate_class) {
        ("DBL.ST", "NOR") => {
            v["taxes"] = json!({"allIncluded": false, "taxes": [{
                "included": false, "amount": "4.00", "currency": "EUR",
                "clientAmount": "4.00", "clientCurrency": "EUR", "type": "TAX"}]});
        }
        ("DBL.ST", "NRF") => {
            // The public price the hotel asks for, above the net (150.10 for 123.45).
            v["sellingRate"] = json!(money_text(rate.net + Decimal::new(2665, 2), rate.currency));
            v["hotelMandatory"] = json!(true);
            v["promotions"] = json!([{"code": "055", "name": "Non-refundable rate"}]);
            v["offers"] = json!([{"code": "9901", "name": "Early booking", "amount": "-12.35"}]);
        }
        ("TWN.ST", _) => {
            // A number, as some answers carry.
            v["net"] = json!(99.5);
            v["allotment"] = json!(2);
        }
        _ => {}
    }
    v
}

/// Adds a rate under its room, creating the room on first sight.
pub fn push_rate(rooms: &mut Vec<Value>, rate: &FakeRate, rate_json: Value) {
    if let Some(room) = rooms.iter_mut().find(|r| r["code"] == rate.room_code) {
        if let Some(list) = room["rates"].as_array_mut() {
            list.push(rate_json);
        }
    } else {
        rooms.push(json!({"code": rate.room_code, "name": rate.room_name, "rates": [rate_json]}));
    }
}

pub fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

pub async fn handle(
    State(fake): State<FakeHotelbeds>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Response {
    let wants_gzip = header(&headers, "accept-encoding").is_some_and(|e| e.contains("gzip"));
    let (status, body, delay, n) = {
        let mut world = fake.world();
        world.answered += 1;
        let n = world.answered;
        world.seen.push(Seen {
            method: method.clone(),
            path: uri.path().to_owned(),
            query: uri
                .query()
                .map(url_pairs)
                .unwrap_or_default()
                .into_iter()
                .collect(),
            headers: headers.clone(),
            body: body.to_vec(),
        });
        let (status, answer) = world.answer(&method, &uri, &headers, &body);
        if wants_gzip && matches!(answer, Body::Json(_)) {
            world.gzipped += 1;
        }
        let booking = method == Method::POST && uri.path() == format!("{PREFIX}/bookings");
        let delay = world
            .delay
            .or(world.slow_booking.filter(|_| booking && status == 200));
        (status, answer, delay, n)
    };
    if let Some(delay) = delay {
        tokio::time::sleep(delay).await;
    }
    let status = StatusCode::from_u16(status).unwrap();
    let mut response = match body {
        Body::Json(mut doc) => {
            doc["auditData"] = audit(n);
            let bytes = serde_json::to_vec(&doc).unwrap();
            let mut r = if wants_gzip {
                let mut r = (status, gzip(&bytes)).into_response();
                r.headers_mut()
                    .insert("content-encoding", HeaderValue::from_static("gzip"));
                r
            } else {
                (status, bytes).into_response()
            };
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static("application/json"));
            r
        }
        Body::Text(text) => (status, text).into_response(),
        Body::Raw(raw) => {
            let mut r = (status, raw.body).into_response();
            r.headers_mut()
                .insert("content-type", HeaderValue::from_static(raw.content_type));
            if raw.lying_gzip {
                r.headers_mut()
                    .insert("content-encoding", HeaderValue::from_static("gzip"));
            }
            r
        }
    };
    response
        .headers_mut()
        .insert("server", HeaderValue::from_static("fake-hotelbeds"));
    response
}

pub async fn fake_hotelbeds() -> (FakeHotelbeds, String) {
    let fake = FakeHotelbeds::default();
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, base)
}

// =============================================================================================
// Helpers

pub fn config(base: &str) -> HotelbedsConfig {
    let mut c = HotelbedsConfig::new(API_KEY, SECRET);
    c.base_url = base.to_owned();
    for t in [
        &mut c.availability_timeout,
        &mut c.check_rate_timeout,
        &mut c.booking_timeout,
        &mut c.read_timeout,
    ] {
        *t = Duration::from_secs(10);
    }
    c
}

pub fn raw(status: u16, content_type: &'static str, body: &[u8]) -> RawAnswer {
    RawAnswer {
        status,
        content_type,
        body: body.to_vec(),
        lying_gzip: false,
    }
}
