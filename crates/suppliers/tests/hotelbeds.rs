//! The Hotelbeds client against a local fake Hotelbeds (axum on 127.0.0.1:0). The fake checks
//! what Hotelbeds checks (`shared/providers/travel.md` §2.1, §2.8, §5): a known `Api-key`, an
//! `X-Signature` equal to sha256(key + secret + t) for some t within ±5 minutes of its own
//! clock, `Accept: application/json`, `Content-Type: application/json` on bodies, JSON that
//! parses, and the mandatory fields and limits of each document. It answers documents shaped
//! like Hotelbeds' (string decimals, `auditData`, errors as `{auditData, error: {code,
//! message}}`, gateway refusals as short non-JSON bodies), gzips when asked to, makes `RECHECK`
//! rates go through CheckRate (once, at a new price and under a new key), refuses `AT_HOTEL`
//! rates with 402 on this (non-secure) host, and never changes a booking on `SIMULATION`.
//!
//! Where the notes are silent the fake chooses, and says so: the 401/403 split for auth
//! failures, error codes of 404/500, `PRODUCT_ERROR`, idempotent repeated cancellation, and
//! refusing an unchecked `RECHECK` rate with 400 `INVALID_DATA`.

use std::collections::{HashMap, HashSet};
use std::io::Write;
use std::str::FromStr;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, NaiveDate, TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use wayfare_domain::Currency;
use wayfare_suppliers::SupplierError;
use wayfare_suppliers::hotelbeds::wire::{
    self, AvailabilityRequest, BookingListQuery, BookingListStatus, BookingRequest, BookingRoom,
    BookingStatus, CheckRateRequest, Holder, Occupancy, Pax, PaymentType, RateType, Stay,
};
use wayfare_suppliers::hotelbeds::{CancellationFlag, HotelbedsClient, HotelbedsConfig};

const API_KEY: &str = "fake-hotel-api-key";
const SECRET: &str = "fake-shared-secret";
const PREFIX: &str = "/hotel-api/1.0";
/// The skew the fake tolerates between its clock and the signed timestamp.
const ALLOWED_SKEW_SECS: i64 = 300;

// =============================================================================================
// The fake Hotelbeds

#[derive(Clone, Default)]
struct FakeHotelbeds {
    world: Arc<Mutex<World>>,
}

impl FakeHotelbeds {
    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap()
    }

    fn seen(&self) -> Vec<Seen> {
        self.world().seen.clone()
    }
}

#[derive(Clone)]
struct Seen {
    method: Method,
    path: String,
    query: HashMap<String, String>,
    headers: HeaderMap,
    body: Vec<u8>,
}

impl Seen {
    fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    fn json(&self) -> Value {
        serde_json::from_slice(&self.body).unwrap()
    }
}

/// A rate the fake has offered, by rate key.
#[derive(Clone)]
struct FakeRate {
    hotel: u32,
    room_code: &'static str,
    room_name: &'static str,
    rate_class: &'static str,
    rate_type: &'static str,
    payment_type: &'static str,
    board: &'static str,
    board_name: &'static str,
    net: Decimal,
    currency: &'static str,
    check_in: NaiveDate,
    check_out: NaiveDate,
    rooms: u32,
    adults: u32,
    children: u32,
    /// `(amount, from)`, the fee from that instant on.
    policies: Vec<(Decimal, String)>,
}

/// An answer replacing whatever the fake would have said, after the gateway checks.
#[derive(Clone)]
struct RawAnswer {
    status: u16,
    content_type: &'static str,
    body: Vec<u8>,
    /// Claim `Content-Encoding: gzip` without compressing.
    lying_gzip: bool,
}

#[derive(Default)]
struct World {
    answered: u64,
    seen: Vec<Seen>,
    rates: HashMap<String, FakeRate>,
    /// A RECHECK key → the key CheckRate answered for it.
    rechecked: HashMap<String, String>,
    bookings: Vec<Value>,
    /// Requests (`path` + body) that failed with a product error: repeating one is a 410.
    failed_products: HashSet<String>,
    gzipped: u32,
    // Scenario knobs.
    /// Rate keys whose product is no longer available (500).
    gone: HashSet<String>,
    /// Authenticated requests left today; at 0 the gateway says `Developer Over Rate`.
    quota_left: Option<u32>,
    over_qps: bool,
    too_many_requests: bool,
    delay: Option<Duration>,
    raw: Option<RawAnswer>,
}

enum Body {
    Json(Value),
    Text(&'static str),
    Raw(RawAnswer),
}

type Answer = (u16, Body);

fn audit(n: u64) -> Value {
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

fn hb_error(status: u16, code: &str, message: &str) -> Answer {
    (
        status,
        Body::Json(json!({"error": {"code": code, "message": message}})),
    )
}

fn invalid_request(message: &str) -> Answer {
    hb_error(400, "INVALID_REQUEST", message)
}

fn invalid_data(message: &str) -> Answer {
    hb_error(400, "INVALID_DATA", message)
}

/// Hotelbeds' signature, computed here independently of the client.
fn expected_signature(key: &str, secret: &str, t: i64) -> String {
    let digest = Sha256::digest(format!("{key}{secret}{t}").as_bytes());
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

fn header<'h>(headers: &'h HeaderMap, name: &str) -> Option<&'h str> {
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
        let mut party = None;
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
            party.get_or_insert((rooms, adults, children, ages));
        }
        let Some((rooms, adults, children, ages)) = party else {
            return invalid_request("occupancies is mandatory");
        };
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
            Location::Anywhere
        };
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
        let offered = fixture_rates(check_in, check_out, rooms, adults, children);
        let ages_text = ages
            .iter()
            .map(u32::to_string)
            .collect::<Vec<_>>()
            .join(",");
        let mut hotels: Vec<Value> = vec![];
        for hotel in fixture_hotels() {
            if !wanted.holds(&hotel) {
                continue;
            }
            let mut rooms_json: Vec<Value> = vec![];
            for (key, rate) in offered.iter().filter(|(_, r)| r.hotel == hotel.code) {
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
                json!({
                    "status": "CONFIRMED",
                    "id": i + 1,
                    "code": rate.room_code,
                    "name": rate.room_name,
                    "paxes": paxes,
                    "rates": [{
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
                    }]
                })
            })
            .collect();
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
enum Location {
    Hotels(Vec<u32>),
    Destination(String),
    /// Geolocation: every fixture hotel is near enough.
    Anywhere,
}

impl Location {
    fn holds(&self, hotel: &FixtureHotel) -> bool {
        match self {
            Location::Hotels(codes) => codes.contains(&hotel.code),
            Location::Destination(code) => code == hotel.destination,
            Location::Anywhere => true,
        }
    }
}

fn booking_not_found() -> Answer {
    hb_error(404, "INVALID_DATA", "Booking not found")
}

fn product_gone() -> Answer {
    hb_error(
        500,
        "PRODUCT_ERROR",
        "The product is not available anymore. Restart the booking process.",
    )
}

fn fits(s: &str, min: usize, max: usize) -> bool {
    (min..=max).contains(&s.chars().count()) && (min == 0 || !s.trim().is_empty())
}

fn uint(v: &Value, key: &str) -> Option<u32> {
    v.get(key)?.as_u64().and_then(|n| u32::try_from(n).ok())
}

fn date_at(v: &Value, key: &str) -> Option<NaiveDate> {
    v.get(key)?.as_str()?.parse().ok()
}

fn url_pairs(q: &str) -> Vec<(String, String)> {
    q.split('&')
        .filter_map(|p| p.split_once('='))
        .map(|(k, v)| (k.to_owned(), percent_decode(v)))
        .collect()
}

fn percent_decode(s: &str) -> String {
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

fn money_text(d: Decimal, currency: &str) -> String {
    let mut d = d;
    d.rescale(if currency == "JPY" { 0 } else { 2 });
    d.to_string()
}

/// The fee if cancelled at `now`: the amount of the latest policy already in force.
fn fee_at(policies: &Value, now: DateTime<Utc>) -> Decimal {
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

struct FixtureHotel {
    code: u32,
    name: &'static str,
    currency: &'static str,
    category: &'static str,
    destination: &'static str,
    destination_name: &'static str,
    zone: u32,
}

fn fixture_hotels() -> Vec<FixtureHotel> {
    vec![
        FixtureHotel {
            code: 3424,
            name: "Fake Aveiro Palace",
            currency: "EUR",
            category: "4EST",
            destination: "CEN",
            destination_name: "Aveiro",
            zone: 60,
        },
        FixtureHotel {
            code: 168,
            name: "Fake Palma Beach",
            currency: "JPY",
            category: "3EST",
            destination: "PMI",
            destination_name: "Majorca",
            zone: 10,
        },
    ]
}

fn hotel_json(h: &FixtureHotel) -> Value {
    let mut v = json!({
        "code": h.code,
        "name": h.name,
        "categoryCode": h.category,
        "categoryName": "4 STARS",
        "destinationCode": h.destination,
        "destinationName": h.destination_name,
        "zoneCode": h.zone,
        "zoneName": "Centro",
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
        v["latitude"] = json!(39.5696);
        v["longitude"] = json!(2.6502);
        v["minRate"] = json!("15300");
        v["maxRate"] = json!("15300");
    }
    v
}

/// The rates the fake sells for a stay and party, by rate key.
fn fixture_rates(
    check_in: NaiveDate,
    check_out: NaiveDate,
    rooms: u32,
    adults: u32,
    children: u32,
) -> Vec<(String, FakeRate)> {
    let ymd = |d: NaiveDate| d.format("%Y%m%d").to_string();
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
            ..base
        },
    ];
    rates
        .into_iter()
        .map(|r| {
            let key = format!(
                "{}|{}|W|59|{}|{}|ID_B2B_26|{}|{}||{}~{}~{}||N@05~~",
                ymd(check_in),
                ymd(check_out),
                r.hotel,
                r.room_code,
                r.board,
                r.rate_class,
                rooms,
                adults,
                children
            );
            (key, r)
        })
        .collect()
}

fn policies_json(rate: &FakeRate) -> Vec<Value> {
    rate.policies
        .iter()
        .map(|(amount, from)| json!({"amount": money_text(*amount, rate.currency), "from": from}))
        .collect()
}

fn rate_json(key: &str, rate: &FakeRate) -> Value {
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
            v["sellingRate"] = json!("150.10");
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
fn push_rate(rooms: &mut Vec<Value>, rate: &FakeRate, rate_json: Value) {
    if let Some(room) = rooms.iter_mut().find(|r| r["code"] == rate.room_code) {
        if let Some(list) = room["rates"].as_array_mut() {
            list.push(rate_json);
        }
    } else {
        rooms.push(json!({"code": rate.room_code, "name": rate.room_name, "rates": [rate_json]}));
    }
}

fn gzip(bytes: &[u8]) -> Vec<u8> {
    let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
    gz.write_all(bytes).unwrap();
    gz.finish().unwrap()
}

async fn handle(
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
        (status, answer, world.delay, n)
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

async fn fake_hotelbeds() -> (FakeHotelbeds, String) {
    let fake = FakeHotelbeds::default();
    let app = Router::new().fallback(handle).with_state(fake.clone());
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let base = format!("http://{}", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, app).await });
    (fake, base)
}

// =============================================================================================
// Helpers

fn config(base: &str) -> HotelbedsConfig {
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

fn client(base: &str) -> HotelbedsClient {
    HotelbedsClient::new(config(base)).unwrap()
}

fn skewed_client(base: &str, skew: TimeDelta) -> HotelbedsClient {
    HotelbedsClient::with_clock(config(base), Arc::new(move || Utc::now() + skew)).unwrap()
}

fn stay() -> Stay {
    let check_in = Utc::now().date_naive() + TimeDelta::days(30);
    Stay::new(check_in, check_in + TimeDelta::days(2))
}

fn search(hotels: &[u32]) -> AvailabilityRequest {
    AvailabilityRequest::for_hotels(stay(), vec![Occupancy::new(1, 2, &[])], hotels.to_vec())
}

fn eur(a: wire::Amount) -> i64 {
    a.to_minor(Currency::EUR).unwrap()
}

/// The first rate of `hotel` matching `pred`.
fn find_rate(
    doc: &wire::AvailabilityResponse,
    hotel: u32,
    pred: impl Fn(&wire::Rate) -> bool,
) -> wire::Rate {
    doc.hotels
        .hotels
        .iter()
        .filter(|h| h.code == hotel)
        .flat_map(|h| h.rooms.iter().flat_map(|r| r.rates.iter()))
        .find(|r| pred(r))
        .cloned()
        .expect("rate in the availability")
}

async fn bookable_rate(client: &HotelbedsClient) -> wire::Rate {
    let doc = client.availability(&search(&[3424])).await.unwrap();
    find_rate(&doc, 3424, |r| {
        r.rate_type == RateType::Bookable && r.payment_type == PaymentType::AtWeb
    })
}

fn booking_request(rate_key: &str, client_reference: &str) -> BookingRequest {
    BookingRequest {
        holder: Holder {
            name: "Ana".into(),
            surname: "Lopez".into(),
        },
        rooms: vec![BookingRoom {
            rate_key: rate_key.to_owned(),
            paxes: vec![
                Pax {
                    room_id: Some(1),
                    name: Some("Ana".into()),
                    surname: Some("Lopez".into()),
                    ..Pax::adult()
                },
                Pax {
                    room_id: Some(1),
                    name: Some("Luis".into()),
                    surname: Some("Lopez".into()),
                    ..Pax::adult()
                },
            ],
        }],
        client_reference: client_reference.to_owned(),
        remark: Some("late arrival".into()),
        tolerance: Some("2.00".parse().unwrap()),
        language: None,
    }
}

fn raw(status: u16, content_type: &'static str, body: &[u8]) -> RawAnswer {
    RawAnswer {
        status,
        content_type,
        body: body.to_vec(),
        lying_gzip: false,
    }
}

// =============================================================================================
// Transport: signing, headers, compression

#[tokio::test]
async fn every_request_is_signed_and_carries_the_documented_headers() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    client.status().await.unwrap();
    let rate = bookable_rate(&client).await;
    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-HDR-1"))
        .await
        .unwrap();
    client
        .cancel(&booked.booking.reference, CancellationFlag::Simulation)
        .await
        .unwrap();

    let seen = fake.seen();
    assert_eq!(seen.len(), 4);
    let now = Utc::now().timestamp();
    for s in &seen {
        assert!(s.path.starts_with("/hotel-api/1.0/"), "{}", s.path);
        assert_eq!(s.header("api-key"), Some(API_KEY));
        let sig = s.header("x-signature").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(
            sig.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(
            (now - 30..=now).any(|t| expected_signature(API_KEY, SECRET, t) == sig),
            "signed with the current second"
        );
        assert_eq!(s.header("accept"), Some("application/json"));
        assert!(s.header("accept-encoding").unwrap().contains("gzip"));
        let has_body = s.method == Method::POST;
        assert_eq!(
            s.header("content-type") == Some("application/json"),
            has_body,
            "{} {}",
            s.method,
            s.path
        );
    }
    let paths: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        paths,
        [
            "GET /hotel-api/1.0/status".to_owned(),
            "POST /hotel-api/1.0/hotels".to_owned(),
            "POST /hotel-api/1.0/bookings".to_owned(),
            format!(
                "DELETE /hotel-api/1.0/bookings/{}",
                booked.booking.reference
            ),
        ]
    );
    assert_eq!(seen[3].query["cancellationFlag"], "SIMULATION");
    assert_eq!(seen[3].query["language"], "ENG");
}

#[tokio::test]
async fn answers_are_gzip_compressed_and_read() {
    let (fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    assert_eq!(doc.hotels.hotels.len(), 2);
    assert_eq!(fake.world().gzipped, 1, "the fake compressed the answer");
    assert_eq!(
        doc.audit_data.unwrap().token.as_deref(),
        Some("FAKE-TOKEN-00001")
    );
}

#[tokio::test]
async fn a_wrong_secret_or_an_unknown_key_is_an_authentication_error() {
    let (fake, base) = fake_hotelbeds().await;
    let mut wrong_secret = config(&base);
    wrong_secret.secret = "not-the-secret".into();
    let mut wrong_key = config(&base);
    wrong_key.api_key = "someone-else".into();
    for c in [wrong_secret, wrong_key] {
        let err = HotelbedsClient::new(c)
            .unwrap()
            .availability(&search(&[3424]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, SupplierError::Authentication { ref supplier } if supplier == "hotelbeds"),
            "{err:?}"
        );
    }
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_clock_more_than_five_minutes_off_is_refused_and_a_small_skew_is_not() {
    let (_fake, base) = fake_hotelbeds().await;
    for skew in [TimeDelta::minutes(-10), TimeDelta::minutes(6)] {
        let err = skewed_client(&base, skew).status().await.unwrap_err();
        assert!(
            matches!(err, SupplierError::Authentication { .. }),
            "{skew}: {err:?}"
        );
    }
    for skew in [TimeDelta::minutes(-4), TimeDelta::minutes(4)] {
        skewed_client(&base, skew).status().await.unwrap();
    }
}

/// The fake itself, spoken to directly: it refuses what Hotelbeds refuses.
#[tokio::test]
async fn the_fake_refuses_what_hotelbeds_refuses() {
    let (_fake, base) = fake_hotelbeds().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{base}{PREFIX}{p}");
    let signed = |rb: reqwest::RequestBuilder, secret: &str| {
        let t = Utc::now().timestamp();
        rb.header("Api-key", API_KEY)
            .header("X-Signature", expected_signature(API_KEY, secret, t))
            .header("Accept", "application/json")
    };
    let send = |rb: reqwest::RequestBuilder| async move {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    };

    let (status, body) = send(http.get(url("/status"))).await;
    assert_eq!((status, body.contains("Authentication")), (401, true));
    let (status, body) = send(signed(http.get(url("/status")), "wrong")).await;
    assert_eq!((status, body.as_str()), (403, "<h1>Not Authorized</h1>"));
    let (status, body) = send(
        http.get(url("/status"))
            .header("Api-key", "unknown")
            .header("X-Signature", "00"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (403, "<h1>Developer Inactive</h1>")
    );
    let t = Utc::now().timestamp();
    let (status, _) = send(
        http.get(url("/status"))
            .header("Api-key", API_KEY)
            .header("X-Signature", expected_signature(API_KEY, SECRET, t))
            .header("Accept", "text/html"),
    )
    .await;
    assert_eq!(status, 406);
    let (status, _) = send(
        signed(http.post(url("/hotels")), SECRET)
            .header("Content-Type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(status, 415);

    let post = |path: &str, body: &str| {
        signed(http.post(url(path)), SECRET)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
    };
    let code_of = |body: &str| -> String {
        let v: Value = serde_json::from_str(body).unwrap();
        assert!(v.get("auditData").is_some(), "errors carry auditData");
        v["error"]["code"].as_str().unwrap().to_owned()
    };
    let cases = [
        ("/hotels", "{\"stay\": ", 400, "INVALID_REQUEST"),
        (
            "/hotels",
            r#"{"occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_REQUEST",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-02", "checkOut": "2030-01-01"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_DATA",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-01", "checkOut": "2030-01-02"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 1}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_DATA",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-01", "checkOut": "2030-01-02"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}, "destination": {"code": "PMI"}}"#,
            400,
            "INVALID_DATA",
        ),
        ("/checkrates", r#"{"rooms": []}"#, 400, "INVALID_REQUEST"),
        (
            "/bookings",
            r#"{"holder": {"name": "A", "surname": "B"}, "rooms": [{"rateKey": "x"}]}"#,
            400,
            "INVALID_REQUEST",
        ),
        (
            "/bookings",
            r#"{"holder": {"name": "A", "surname": "B"}, "rooms": [{"rateKey": "x"}], "clientReference": "123456789012345678901"}"#,
            400,
            "INVALID_DATA",
        ),
    ];
    for (path, body, want_status, want_code) in cases {
        let (status, answer) = send(post(path, body)).await;
        assert_eq!(
            (status, code_of(&answer).as_str()),
            (want_status, want_code),
            "{path} {body}"
        );
    }
    let (status, _) = send(signed(http.get(url("/bookings?start=2030-01-01")), SECRET)).await;
    assert_eq!(status, 400);
}

// =============================================================================================
// Availability

#[tokio::test]
async fn the_availability_request_carries_stay_occupancies_and_filters() {
    let (fake, base) = fake_hotelbeds().await;
    let mut request =
        AvailabilityRequest::for_hotels(stay(), vec![Occupancy::new(1, 2, &[6, 9])], vec![3424]);
    request.filter = Some(wire::Filter {
        payment_type: Some(wire::PaymentTypeFilter::AtWeb),
        max_rates_per_room: Some(3),
        min_rate: Some("50.5".parse().unwrap()),
        ..wire::Filter::default()
    });
    request.boards = Some(wire::BoardsFilter {
        board: vec!["BB".into()],
        included: true,
    });
    request.source_market = Some("ES".into());
    request.language = Some("ENG".into());
    let doc = client(&base).availability(&request).await.unwrap();

    let sent = fake.seen()[0].json();
    let s = stay();
    assert_eq!(
        sent,
        json!({
            "stay": {"checkIn": s.check_in.to_string(), "checkOut": s.check_out.to_string()},
            "occupancies": [{"rooms": 1, "adults": 2, "children": 2,
                "paxes": [{"type": "CH", "age": 6}, {"type": "CH", "age": 9}]}],
            "hotels": {"hotel": [3424]},
            "filter": {"maxRatesPerRoom": 3, "minRate": 50.5, "paymentType": "AT_WEB"},
            "boards": {"board": ["BB"], "included": true},
            "sourceMarket": "ES",
            "language": "ENG"
        })
    );
    // The filters applied: only the BB rate paid at the web is left.
    let rates: Vec<&wire::Rate> = doc.hotels.hotels[0]
        .rooms
        .iter()
        .flat_map(|r| r.rates.iter())
        .collect();
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].board_code.as_deref(), Some("BB"));
    assert_eq!(rates[0].payment_type, PaymentType::AtWeb);
    assert_eq!(rates[0].children, Some(2));
    assert_eq!(rates[0].children_ages, vec![6, 9]);
}

#[tokio::test]
async fn availability_is_read_with_both_rate_types_policies_taxes_and_offers() {
    let (_fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    let s = stay();
    assert_eq!(doc.hotels.check_in, Some(s.check_in));
    assert_eq!(doc.hotels.total, 2);
    let aveiro = doc.hotels.hotels.iter().find(|h| h.code == 3424).unwrap();
    assert_eq!(aveiro.name.as_deref(), Some("Fake Aveiro Palace"));
    assert_eq!(aveiro.currency, "EUR");
    assert_eq!(aveiro.category_code.as_deref(), Some("4EST"));
    assert_eq!(aveiro.zone_code, Some(60));
    assert_eq!(
        aveiro.latitude,
        Some(Decimal::from_str("40.6405055").unwrap())
    );
    assert_eq!(
        aveiro
            .rooms
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        ["DBL.ST", "TWN.ST"]
    );

    let nor = find_rate(&doc, 3424, |r| {
        r.rate_class.as_deref() == Some("NOR")
            && r.board_code.as_deref() == Some("BB")
            && r.payment_type == PaymentType::AtWeb
    });
    assert_eq!(nor.rate_type, RateType::Bookable);
    assert_eq!(nor.allotment, Some(5));
    assert_eq!(nor.packaging, Some(false));
    assert_eq!(
        (nor.rooms, nor.adults, nor.children),
        (Some(1), Some(2), Some(0))
    );
    assert!(nor.rate_key.contains("|3424|DBL.ST|"));
    assert_eq!(nor.cancellation_policies.len(), 2);
    let first = &nor.cancellation_policies[0];
    assert_eq!(eur(first.amount), 5_914);
    assert_eq!(
        first.from.offset().local_minus_utc(),
        3600,
        "the hotel's offset is kept"
    );
    assert_eq!(first.from.date_naive(), s.check_in - TimeDelta::days(7));
    let taxes = nor.taxes.as_ref().unwrap();
    assert_eq!(taxes.all_included, Some(false));
    assert_eq!(taxes.taxes[0].kind, Some(wire::TaxType::Tax));
    assert_eq!(taxes.taxes[0].included, Some(false));
    assert_eq!(eur(taxes.taxes[0].amount.unwrap()), 400);

    let nrf = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    assert_eq!(nrf.rate_class.as_deref(), Some("NRF"));
    assert_eq!(nrf.hotel_mandatory, Some(true));
    assert_eq!(nrf.promotions[0].code.as_deref(), Some("055"));
    assert_eq!(nrf.offers[0].name.as_deref(), Some("Early booking"));

    let at_hotel = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    assert_eq!(at_hotel.allotment, Some(2));

    let palma = doc.hotels.hotels.iter().find(|h| h.code == 168).unwrap();
    assert_eq!(palma.currency, "JPY");
    assert_eq!(palma.destination_code.as_deref(), Some("PMI"));

    // By destination instead of hotel codes.
    let mut by_destination = search(&[]);
    by_destination.hotels = None;
    by_destination.destination = Some(wire::Destination {
        code: "PMI".into(),
        zone: None,
    });
    let doc = client(&base).availability(&by_destination).await.unwrap();
    let codes: Vec<u32> = doc.hotels.hotels.iter().map(|h| h.code).collect();
    assert_eq!(codes, [168]);
}

#[tokio::test]
async fn money_is_read_exactly_into_integer_minor_units() {
    let (_fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    let nrf = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    // "123.45" as a string.
    assert_eq!(eur(nrf.net), 12_345);
    assert_eq!(eur(nrf.selling_rate.unwrap()), 15_010);
    assert_eq!(eur(nrf.offers[0].amount.unwrap()), -1_235);
    // 99.5 as a JSON number.
    let twin = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    assert_eq!(eur(twin.net), 9_950);
    let aveiro = doc.hotels.hotels.iter().find(|h| h.code == 3424).unwrap();
    assert_eq!(eur(aveiro.min_rate.unwrap()), 9_950);
    assert_eq!(eur(aveiro.max_rate.unwrap()), 12_345);
    // A currency without minor units.
    let palma_rate = find_rate(&doc, 168, |_| true);
    assert_eq!(palma_rate.net.to_minor(Currency::JPY), Ok(15_300));
    let money = nrf.net.to_money(Currency::EUR).unwrap();
    assert_eq!((money.minor(), money.currency()), (12_345, Currency::EUR));
}

#[tokio::test]
async fn requests_outside_the_documented_limits_are_not_sent() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let mut nowhere = search(&[3424]);
    nowhere.hotels = None;
    let mut long_ref = booking_request("some-key", "WF-TOO-LONG-REFERENCE");
    long_ref.client_reference = "X".repeat(21);
    let mut bad_page = BookingListQuery::new(stay().check_in, stay().check_out, 1, 10);
    bad_page.to = 0;
    let errors = [
        client.availability(&nowhere).await.unwrap_err(),
        client.book(&long_ref).await.unwrap_err(),
        client
            .check_rates(&CheckRateRequest {
                rooms: vec![],
                upselling: None,
                language: None,
            })
            .await
            .unwrap_err(),
        client.bookings(&bad_page).await.unwrap_err(),
    ];
    for e in errors {
        match e {
            SupplierError::Rejected { code, message, .. } => {
                assert_eq!(code, "INVALID_DATA");
                assert!(message.starts_with("not sent: "), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(fake.seen().is_empty(), "nothing reached Hotelbeds");
}

// =============================================================================================
// CheckRate and booking

#[tokio::test]
async fn a_recheck_rate_is_checked_once_at_a_new_price_and_key_then_booked() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let recheck = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    assert_eq!(eur(recheck.net), 12_345);

    let checked = client
        .check_rates(&CheckRateRequest::one(&recheck.rate_key))
        .await
        .unwrap();
    assert_eq!(checked.hotel.code, 3424);
    assert_eq!(checked.hotel.currency, "EUR");
    let rate = checked.rates().next().unwrap().clone();
    assert_ne!(rate.rate_key, recheck.rate_key, "book with the new key");
    assert_eq!(rate.rate_type, RateType::Bookable);
    assert_eq!(eur(rate.net), 12_580, "the price changed");
    assert!(rate.rate_comments.as_deref().unwrap().contains("14:00"));

    // Checked again, the price holds.
    let again = client
        .check_rates(&CheckRateRequest::one(&rate.rate_key))
        .await
        .unwrap();
    let same = again.rates().next().unwrap();
    assert_eq!(
        (same.rate_key.as_str(), eur(same.net)),
        (rate.rate_key.as_str(), 12_580)
    );

    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-NRF-1"))
        .await
        .unwrap()
        .booking;
    assert_eq!(booked.status, BookingStatus::Confirmed);
    assert_eq!(eur(booked.total_net), 12_580);
    // Non-refundable: a simulation says cancelling costs everything.
    let quote = client
        .cancel(&booked.reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(eur(quote.cancellation_amount().unwrap()), 12_580);
    assert_eq!(quote.status, BookingStatus::Confirmed);
}

#[tokio::test]
async fn a_recheck_rate_cannot_be_booked_unchecked() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let recheck = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    let err = client
        .book(&booking_request(&recheck.rate_key, "WF-NRF-2"))
        .await
        .unwrap_err();
    match err {
        SupplierError::Rejected { code, message, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert!(message.contains("CheckRate"), "{message}");
            assert!(message.contains("(audit token FAKE-TOKEN-"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn book_read_simulate_then_cancel() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-000123"))
        .await
        .unwrap()
        .booking;
    assert_eq!(booked.status, BookingStatus::Confirmed);
    assert!(booked.reference.starts_with("102-"));
    assert_eq!(booked.client_reference.as_deref(), Some("WF-000123"));
    assert_eq!(booked.creation_date, Some(Utc::now().date_naive()));
    assert_eq!(booked.currency, "EUR");
    assert_eq!(eur(booked.total_net), 11_827);
    assert_eq!(eur(booked.pending_amount.unwrap()), 11_827);
    assert_eq!(booked.remark.as_deref(), Some("late arrival"));
    assert!(booked.modification_policies.unwrap().cancellation);
    let hotel = booked.hotel.as_ref().unwrap();
    assert_eq!((hotel.code, hotel.check_in), (3424, Some(stay().check_in)));
    assert_eq!(hotel.rooms[0].status, Some(BookingStatus::Confirmed));
    assert_eq!(hotel.rooms[0].paxes.len(), 2);
    assert_eq!(hotel.rooms[0].rates[0].cancellation_policies.len(), 2);
    assert_eq!(
        hotel.supplier.as_ref().unwrap().vat_number.as_deref(),
        Some("ESX0000000X")
    );
    let sent = fake.seen().last().unwrap().json();
    assert_eq!(sent["tolerance"], json!(2));
    assert_eq!(
        sent["rooms"][0]["paxes"][0],
        json!({"roomId": 1, "type": "AD", "name": "Ana", "surname": "Lopez"})
    );

    let read = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(read, booked);

    // A simulation gives the fee (none yet: the first policy starts a week before check-in)
    // and changes nothing.
    let simulated = client
        .cancel(&booked.reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(simulated.status, BookingStatus::Confirmed);
    assert_eq!(eur(simulated.cancellation_amount().unwrap()), 0);
    assert_eq!(simulated.cancellation_reference, None);
    let still = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(still.status, BookingStatus::Confirmed);

    let cancelled = client
        .cancel(&booked.reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(
        cancelled.cancellation_reference.as_deref(),
        Some(format!("C-{}", booked.reference).as_str())
    );
    assert_eq!(eur(cancelled.cancellation_amount().unwrap()), 0);
    assert_eq!(
        cancelled.hotel.as_ref().unwrap().rooms[0].status,
        Some(BookingStatus::Cancelled)
    );
    let read = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(read.status, BookingStatus::Cancelled);
    let last = fake.seen().into_iter().rev().nth(1).unwrap();
    assert_eq!(last.method, Method::DELETE);
    assert_eq!(last.query["cancellationFlag"], "CANCELLATION");
}

#[tokio::test]
async fn cancelling_twice_answers_the_cancelled_booking_again() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let reference = client
        .book(&booking_request(&rate.rate_key, "WF-TWICE"))
        .await
        .unwrap()
        .booking
        .reference;
    let first = client
        .cancel(&reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    let second = client
        .cancel(&reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    assert_eq!(first, second);
    let simulated = client
        .cancel(&reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(simulated.status, BookingStatus::Cancelled);
}

#[tokio::test]
async fn bookings_are_listed_by_client_reference_status_and_page() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let mut references = vec![];
    for client_reference in ["WF-LIST-1", "WF-LIST-2", "WF-LIST-3"] {
        let b = client
            .book(&booking_request(&rate.rate_key, client_reference))
            .await
            .unwrap();
        references.push(b.booking.reference);
    }
    client
        .cancel(&references[1], CancellationFlag::Cancellation)
        .await
        .unwrap();
    let today = Utc::now().date_naive();

    let mut by_ref = BookingListQuery::new(today, today, 1, 25);
    by_ref.client_reference = Some("WF-LIST-2".into());
    let found = client.bookings(&by_ref).await.unwrap().bookings;
    assert_eq!(found.total, 1);
    assert_eq!(found.bookings[0].reference, references[1]);
    assert_eq!(found.bookings[0].status, BookingStatus::Cancelled);
    let q = fake.seen().last().unwrap().query.clone();
    assert_eq!(q["start"], today.to_string());
    assert_eq!((q["from"].as_str(), q["to"].as_str()), ("1", "25"));
    assert_eq!(q["clientReference"], "WF-LIST-2");

    let mut confirmed = BookingListQuery::new(today, today, 1, 25);
    confirmed.status = Some(BookingListStatus::Confirmed);
    confirmed.filter_type = Some(wire::BookingListFilterType::Creation);
    let list = client.bookings(&confirmed).await.unwrap().bookings;
    assert_eq!(list.total, 2);
    assert_eq!(fake.seen().last().unwrap().query["filterType"], "CREATION");

    let page_two = client
        .bookings(&BookingListQuery::new(today, today, 2, 2))
        .await
        .unwrap()
        .bookings;
    assert_eq!((page_two.total, page_two.bookings.len()), (3, 1));
    assert_eq!(page_two.bookings[0].reference, references[1]);

    let mut by_checkin = BookingListQuery::new(stay().check_in, stay().check_in, 1, 25);
    by_checkin.filter_type = Some(wire::BookingListFilterType::Checkin);
    assert_eq!(
        client.bookings(&by_checkin).await.unwrap().bookings.total,
        3
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_reference_is_not_found() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    assert_eq!(
        client.booking("999-0000001").await.unwrap_err(),
        SupplierError::NotFound("999-0000001".into())
    );
    assert_eq!(
        client
            .cancel("999-0000001", CancellationFlag::Simulation)
            .await
            .unwrap_err(),
        SupplierError::NotFound("999-0000001".into())
    );
    assert_eq!(fake.seen().len(), 2);
    for bad in ["../status", "1/2", "", "a b"] {
        assert_eq!(
            client.booking(bad).await.unwrap_err(),
            SupplierError::NotFound(bad.into())
        );
    }
    assert_eq!(fake.seen().len(), 2, "malformed references are never sent");
}

#[tokio::test]
async fn an_at_hotel_rate_needs_payment_data() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let at_hotel = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    match client
        .book(&booking_request(&at_hotel.rate_key, "WF-CARD"))
        .await
        .unwrap_err()
    {
        SupplierError::Rejected { code, .. } => assert_eq!(code, "PAYMENT_DATA_REQUIRED"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_product_gone_is_offer_expired_and_repeating_the_request_is_refused() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    fake.world().gone.insert(rate.rate_key.clone());
    assert_eq!(
        client
            .check_rates(&CheckRateRequest::one(&rate.rate_key))
            .await
            .unwrap_err(),
        SupplierError::OfferExpired(rate.rate_key.clone())
    );
    let request = booking_request(&rate.rate_key, "WF-GONE");
    assert_eq!(
        client.book(&request).await.unwrap_err(),
        SupplierError::OfferExpired(rate.rate_key.clone())
    );
    // Hotelbeds answers 410 to the same request within 15 minutes.
    match client.book(&request).await.unwrap_err() {
        SupplierError::Rejected { code, .. } => assert_eq!(code, "INVALID_DATA"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn an_unknown_rate_key_is_rejected_with_hotelbeds_code() {
    let (_fake, base) = fake_hotelbeds().await;
    match client(&base)
        .check_rates(&CheckRateRequest::one(
            "20300101|20300102|W|1|1|X|Y|Z||1~1~0||N@05~~",
        ))
        .await
        .unwrap_err()
    {
        SupplierError::Rejected {
            supplier,
            code,
            message,
        } => {
            assert_eq!(
                (supplier.as_str(), code.as_str()),
                ("hotelbeds", "INVALID_DATA")
            );
            assert!(message.starts_with("Invalid rateKey"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// =============================================================================================
// Failures

#[tokio::test]
async fn throttling_quota_and_429_are_rate_limited() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let limited = |r: Result<(), SupplierError>| {
        assert!(matches!(r, Err(SupplierError::RateLimited { .. })), "{r:?}")
    };
    fake.world().over_qps = true;
    limited(client.status().await);
    fake.world().over_qps = false;
    fake.world().too_many_requests = true;
    limited(client.status().await);
    fake.world().too_many_requests = false;
    // An evaluation key's daily quota, reached after two more calls.
    fake.world().quota_left = Some(2);
    client.status().await.unwrap();
    client.status().await.unwrap();
    limited(client.status().await);
    limited(client.availability(&search(&[3424])).await.map(|_| ()));
}

#[tokio::test]
async fn a_slow_hotelbeds_is_a_timeout() {
    let (fake, base) = fake_hotelbeds().await;
    let mut c = config(&base);
    c.availability_timeout = Duration::from_millis(300);
    let client = HotelbedsClient::new(c).unwrap();
    fake.world().delay = Some(Duration::from_secs(5));
    let started = Instant::now();
    let err = client.availability(&search(&[3424])).await.unwrap_err();
    assert_eq!(
        err,
        SupplierError::Timeout {
            supplier: "hotelbeds".into()
        }
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_bodies_are_protocol_errors_not_panics() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let no_rate_key = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateType": "BOOKABLE", "net": "1.00", "paymentType": "AT_WEB"}]}]}]}});
    let bad_amount = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateKey": "k", "rateType": "BOOKABLE", "net": "1.2.3", "paymentType": "AT_WEB"}]}]}]}});
    let bad_policy = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateKey": "k", "rateType": "BOOKABLE", "net": "1.00", "paymentType": "AT_WEB",
            "cancellationPolicies": [{"amount": "1.00", "from": "tomorrow"}]}]}]}]}});
    let cases: Vec<RawAnswer> = vec![
        raw(200, "application/json", b"{not json"),
        raw(200, "application/json", b""),
        raw(200, "text/html", b"<html>maintenance</html>"),
        raw(200, "application/json", b"[1, 2, 3]"),
        raw(200, "application/json", br#"{"hotels": "none"}"#),
        raw(200, "application/json", no_rate_key.to_string().as_bytes()),
        raw(200, "application/json", bad_amount.to_string().as_bytes()),
        raw(200, "application/json", bad_policy.to_string().as_bytes()),
        RawAnswer {
            lying_gzip: true,
            ..raw(200, "application/json", b"{\"hotels\": {}}")
        },
        raw(400, "application/json", b"{\"error\": 12"),
    ];
    for case in cases {
        let shown = String::from_utf8_lossy(&case.body).into_owned();
        let status = case.status;
        fake.world().raw = Some(case);
        let err = client.availability(&search(&[3424])).await.unwrap_err();
        let ok = match status {
            200 => matches!(err, SupplierError::Protocol { .. }),
            _ => matches!(err, SupplierError::Rejected { ref code, .. } if code == "HTTP_400"),
        };
        assert!(ok, "{shown}: {err:?}");
    }
    // An error document with a 200 status is still an error.
    fake.world().raw = Some(raw(
        200,
        "application/json",
        br#"{"auditData": {"token": "T1"}, "error": {"code": "INVALID_DATA", "message": "No hotels"}}"#,
    ));
    match client.availability(&search(&[3424])).await.unwrap_err() {
        SupplierError::Rejected { code, message, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert_eq!(message, "No hotels (audit token T1)");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn gateway_and_server_errors_are_unavailable() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    for case in [
        raw(502, "text/html", b"<h1>Bad Gateway</h1>"),
        raw(503, "text/plain", b""),
        raw(500, "text/plain", b"Internal Server Error"),
    ] {
        fake.world().raw = Some(case);
        let err = client.availability(&search(&[3424])).await.unwrap_err();
        assert!(matches!(err, SupplierError::Unavailable { .. }), "{err:?}");
    }
    // A Hotelbeds 500 on a search is a refusal, not an outage.
    fake.world().raw = Some(raw(
        500,
        "application/json",
        br#"{"error": {"code": "SYSTEM_ERROR", "message": "try later"}}"#,
    ));
    let err = client.availability(&search(&[3424])).await.unwrap_err();
    assert!(
        matches!(err, SupplierError::Rejected { ref code, .. } if code == "SYSTEM_ERROR"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_hotelbeds_is_unavailable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .status()
        .await
        .unwrap_err();
    assert!(matches!(err, SupplierError::Unavailable { .. }), "{err:?}");
}
