//! The Duffel connector against a local fake Duffel (wiremock). The fake checks what Duffel
//! checks (bearer token, `Duffel-Version: v2`, `Accept`, JSON bodies in a `data` envelope),
//! answers documents shaped like Duffel's (`shared/providers/travel.md` §1: ids by prefix,
//! money as strings, naive local times with IANA zones, ISO-8601 durations), gzips its answers
//! when asked to, and pages offers with opaque cursors. Hold orders are paid with
//! `POST /air/payments`, which tickets them (13-digit e-tickets in `documents[]`). Error cases
//! are injected as higher-priority mocks in front of it.

use std::collections::{BTreeSet, HashMap, HashSet};
use std::io::Write;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use chrono::{NaiveDate, NaiveTime};
use serde_json::{Value, json};
use wayfare_domain::flight::search::{FlightSearch, Passengers, SliceQuery, SortBy, TimeWindow};
use wayfare_domain::flight::{AirportCode, Cabin, NoShowRule};
use wayfare_domain::{Currency, Money};
use wayfare_suppliers::duffel::webhook::{self, WebhookError, WebhookSecret};
use wayfare_suppliers::duffel::{DuffelConfig, DuffelSupplier};
use wayfare_suppliers::{
    FlightSupplier, OrderMode, OrderRequest, PassengerDetails, PassengerType, SupplierError,
    SupplierOrder, SupplierOrderStatus,
};
use wiremock::matchers::{any, method, path, path_regex};
use wiremock::{Mock, MockServer, Request, Respond, ResponseTemplate};

const TOKEN: &str = "duffel_test_not_a_real_token";

// =============================================================================================
// The fake Duffel

#[derive(Clone, Default)]
struct FakeDuffel {
    state: Arc<Mutex<State>>,
}

#[derive(Default)]
struct State {
    answered: u64,
    next_id: u64,
    /// Offer request id → its offers, by id.
    offer_requests: HashMap<String, Vec<String>>,
    offers: HashMap<String, Value>,
    orders: HashMap<String, Value>,
    cancellations: HashMap<String, Value>,
    /// Every payment accepted by `POST /air/payments`, in order.
    payments: Vec<Value>,
    /// E-tickets issued so far (numbers them).
    tickets_issued: u64,
    airline_changes: Vec<Value>,
    // Scenario knobs.
    expired: HashSet<String>,
    /// Offer id → new total: the airline re-priced it.
    repriced: HashMap<String, String>,
    /// Order creation fails with `price_changed` (and the offer is re-priced by +20.00).
    price_changes_on_order: bool,
    /// Order creation answers 202 Accepted.
    accepts_orders_async: bool,
}

impl FakeDuffel {
    fn state(&self) -> MutexGuard<'_, State> {
        self.state.lock().unwrap()
    }
}

type Answer = (u16, Value);

fn duffel_error(status: u16, kind: &str, code: &str, message: &str) -> Answer {
    (
        status,
        json!({
            "meta": {"status": status},
            "errors": [{
                "type": kind,
                "title": message,
                "message": message,
                "code": code,
                "documentation_url": "https://duffel.com/docs/api/overview/errors"
            }]
        }),
    )
}

fn not_found() -> Answer {
    duffel_error(
        404,
        "invalid_request_error",
        "not_found",
        "The resource you are trying to access does not exist.",
    )
}

fn validation(message: &str) -> Answer {
    // `validation_format` is this fake's own code; Duffel documents `validation_required`.
    duffel_error(422, "validation_error", "validation_format", message)
}

fn header<'r>(req: &'r Request, name: &str) -> Option<&'r str> {
    req.headers.get(name).and_then(|v| v.to_str().ok())
}

fn query(req: &Request, name: &str) -> Option<String> {
    req.url
        .query_pairs()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.into_owned())
}

/// What Duffel refuses before looking at the request (§1.1, §1.9). The codes are the fake's.
fn check_transport(req: &Request) -> Result<Option<Value>, Answer> {
    if header(req, "authorization") != Some(&format!("Bearer {TOKEN}")) {
        return Err(duffel_error(
            401,
            "authentication_error",
            "unauthorized",
            "The access token is missing or invalid.",
        ));
    }
    if header(req, "duffel-version") != Some("v2") {
        return Err(duffel_error(
            400,
            "invalid_request_error",
            "unsupported_version",
            "Duffel-Version must be set to a supported version.",
        ));
    }
    if !header(req, "accept").is_some_and(|a| a.contains("application/json")) {
        return Err(duffel_error(
            406,
            "invalid_request_error",
            "unsupported_format",
            "Accept must be application/json.",
        ));
    }
    if req.body.is_empty() {
        return Ok(None);
    }
    if !header(req, "content-type").is_some_and(|c| c.starts_with("application/json")) {
        return Err(duffel_error(
            400,
            "invalid_request_error",
            "unsupported_content_type",
            "Content-Type must be application/json.",
        ));
    }
    let body: Value = serde_json::from_slice(&req.body).map_err(|_| {
        duffel_error(
            400,
            "invalid_request_error",
            "malformed_json",
            "The body is not valid JSON.",
        )
    })?;
    match body.get("data") {
        Some(data) if data.is_object() => Ok(Some(data.clone())),
        _ => Err(duffel_error(
            422,
            "validation_error",
            "validation_required",
            "Field 'data' can't be blank",
        )),
    }
}

impl Respond for FakeDuffel {
    fn respond(&self, req: &Request) -> ResponseTemplate {
        let mut st = self.state();
        st.answered += 1;
        let request_id = format!("FkReq{:06}xyz", st.answered);
        let (status, mut body) = match check_transport(req) {
            Err(answer) => answer,
            Ok(data) => st.route(req, data),
        };
        let is_error = body.get("errors").is_some();
        if let Some(meta) = body.get_mut("meta").and_then(Value::as_object_mut)
            && is_error
        {
            meta.insert("request_id".into(), json!(request_id));
        }
        let json = serde_json::to_vec(&body).unwrap();
        let template =
            ResponseTemplate::new(status).insert_header("x-request-id", request_id.as_str());
        if header(req, "accept-encoding").is_some_and(|e| e.contains("gzip")) {
            let mut gz = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::fast());
            gz.write_all(&json).unwrap();
            template
                .insert_header("content-encoding", "gzip")
                .set_body_raw(gz.finish().unwrap(), "application/json")
        } else {
            template.set_body_raw(json, "application/json")
        }
    }
}

impl State {
    fn id(&mut self, prefix: &str) -> String {
        self.next_id += 1;
        format!("{prefix}_0000Fk{:04}", self.next_id)
    }

    fn route(&mut self, req: &Request, data: Option<Value>) -> Answer {
        let p = req.url.path().to_owned();
        let parts: Vec<&str> = p.trim_matches('/').split('/').collect();
        match (req.method.as_str(), parts.as_slice()) {
            ("POST", ["air", "offer_requests"]) => self.create_offer_request(req, data),
            ("GET", ["air", "offers"]) => self.list_offers(req),
            ("GET", ["air", "offers", id]) => self.get_offer(id),
            ("POST", ["air", "orders"]) => self.create_order(data),
            ("GET", ["air", "orders", id]) => match self.orders.get(*id) {
                Some(o) => (200, json!({"data": o})),
                None => not_found(),
            },
            ("POST", ["air", "payments"]) => self.create_payment(data),
            ("POST", ["air", "order_cancellations"]) => self.create_cancellation(data),
            ("POST", ["air", "order_cancellations", id, "actions", "confirm"]) => {
                self.confirm_cancellation(id)
            }
            ("GET", ["air", "airline_initiated_changes"]) => match query(req, "order_id") {
                None => validation("order_id is required"),
                Some(order) => {
                    let list: Vec<&Value> = self
                        .airline_changes
                        .iter()
                        .filter(|c| c["order_id"] == json!(order))
                        .collect();
                    (200, json!({"data": list}))
                }
            },
            _ => not_found(),
        }
    }

    fn create_offer_request(&mut self, req: &Request, data: Option<Value>) -> Answer {
        let Some(data) = data else {
            return duffel_error(
                422,
                "validation_error",
                "validation_required",
                "Field 'data' can't be blank",
            );
        };
        if query(req, "return_offers").as_deref() != Some("false") {
            return validation("this fake only serves return_offers=false");
        }
        if let Some(t) = query(req, "supplier_timeout")
            && t.parse::<u32>().is_err()
        {
            return validation("supplier_timeout must be an integer (ms)");
        }
        let Some(slices) = data["slices"].as_array().filter(|s| !s.is_empty()) else {
            return validation("slices can't be blank");
        };
        for s in slices {
            let code_ok = |v: &Value| v.as_str().is_some_and(|c| c.len() == 3);
            let date_ok = s["departure_date"]
                .as_str()
                .is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok());
            if !code_ok(&s["origin"]) || !code_ok(&s["destination"]) || !date_ok {
                return validation("slices need origin, destination and departure_date");
            }
        }
        let Some(passengers) = data["passengers"].as_array().filter(|p| !p.is_empty()) else {
            return validation("passengers can't be blank");
        };
        let mut pax = vec![];
        for p in passengers {
            let id = self.id("pas");
            match (p.get("type"), p.get("age")) {
                (Some(t), None) if t == "adult" => {
                    pax.push(json!({"id": id, "type": "adult", "age": null}))
                }
                // Searched by age: Duffel leaves `type` to be inferred.
                (None, Some(age)) if age.as_u64().is_some_and(|a| a < 18) => {
                    pax.push(json!({"id": id, "type": null, "age": age}))
                }
                _ => return validation("a passenger is either {type: adult} or {age}, never both"),
            }
        }
        if !matches!(
            data["cabin_class"].as_str(),
            None | Some("economy" | "premium_economy" | "business" | "first")
        ) {
            return validation(
                "cabin_class is not one of economy, premium_economy, business, first",
            );
        }
        if data
            .get("max_connections")
            .is_some_and(|m| m.as_u64().is_none_or(|m| m > 2))
        {
            return validation("max_connections must be 0, 1 or 2");
        }
        let orq = self.id("orq");
        let route: Vec<(String, String, String)> = slices
            .iter()
            .map(|s| {
                (
                    s["origin"].as_str().unwrap_or_default().to_owned(),
                    s["destination"].as_str().unwrap_or_default().to_owned(),
                    s["departure_date"].as_str().unwrap_or_default().to_owned(),
                )
            })
            .collect();
        let offers = fixture_offers(&route, &pax, &orq);
        let ids = offers
            .iter()
            .map(|o| o["id"].as_str().unwrap_or_default().to_owned())
            .collect();
        for o in offers {
            self.offers
                .insert(o["id"].as_str().unwrap_or_default().to_owned(), o);
        }
        self.offer_requests.insert(orq.clone(), ids);
        (
            201,
            json!({"data": {
                "id": orq, "live_mode": false, "created_at": "2026-01-10T12:00:00.000000Z",
                "cabin_class": data["cabin_class"], "passengers": pax,
                "slices": route.iter().map(|(o, d, date)| json!({
                    "origin": airport(o), "destination": airport(d), "departure_date": date,
                    "origin_type": "airport", "destination_type": "airport"
                })).collect::<Vec<_>>(),
                "offers": []
            }}),
        )
    }

    fn list_offers(&self, req: &Request) -> Answer {
        let Some(orq) = query(req, "offer_request_id") else {
            return duffel_error(
                422,
                "validation_error",
                "validation_required",
                "offer_request_id can't be blank",
            );
        };
        let Some(ids) = self.offer_requests.get(&orq) else {
            return not_found();
        };
        let limit = match query(req, "limit").map(|l| l.parse::<usize>()) {
            None => 50,
            Some(Ok(l)) if (1..=200).contains(&l) => l,
            _ => return validation("limit must be between 1 and 200"),
        };
        let mut offers: Vec<&Value> = ids.iter().filter_map(|id| self.offers.get(id)).collect();
        let total = |o: &Value| {
            o["total_amount"]
                .as_str()
                .and_then(|t| t.parse::<f64>().ok())
                .unwrap_or(0.0)
        };
        match query(req, "sort").as_deref() {
            None => {}
            Some("total_amount") => offers.sort_by(|a, b| total(a).total_cmp(&total(b))),
            Some("-total_amount") => offers.sort_by(|a, b| total(b).total_cmp(&total(a))),
            Some(_) => return validation("sort is not supported"),
        }
        let start = match query(req, "after") {
            None => 0,
            Some(c) => match decode_cursor(&c) {
                Some(n) => n,
                None => {
                    return duffel_error(
                        400,
                        "invalid_request_error",
                        "invalid_cursor",
                        "The cursor is not valid.",
                    );
                }
            },
        };
        // Pages of at most two, whatever the limit: a client must follow `after`, not count.
        let end = (start + limit.min(2)).min(offers.len());
        let after = (end < offers.len()).then(|| encode_cursor(end));
        (
            200,
            json!({"data": offers[start.min(end)..end], "meta": {"after": after, "before": null, "limit": limit}}),
        )
    }

    fn current_offer(&self, id: &str) -> Result<Value, Answer> {
        let Some(offer) = self.offers.get(id) else {
            return Err(not_found());
        };
        if self.expired.contains(id) {
            return Err(duffel_error(
                422,
                "invalid_state_error",
                "offer_no_longer_available",
                "The offer is no longer available.",
            ));
        }
        let mut offer = offer.clone();
        if let Some(total) = self.repriced.get(id) {
            let tax: f64 = offer["tax_amount"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0.0);
            let new: f64 = total.parse().unwrap_or(0.0);
            offer["total_amount"] = json!(total);
            offer["base_amount"] = json!(format!("{:.2}", new - tax));
        }
        Ok(offer)
    }

    fn get_offer(&self, id: &str) -> Answer {
        match self.current_offer(id) {
            Ok(offer) => (200, json!({"data": offer})),
            Err(answer) => answer,
        }
    }

    fn create_order(&mut self, data: Option<Value>) -> Answer {
        let Some(data) = data else {
            return duffel_error(
                422,
                "validation_error",
                "validation_required",
                "Field 'data' can't be blank",
            );
        };
        let kind = data["type"].as_str().unwrap_or_default();
        if !matches!(kind, "hold" | "instant" | "pay_later") {
            return duffel_error(
                400,
                "invalid_state_error",
                "invalid_order_create_type",
                "type must be instant or hold",
            );
        }
        let Some([offer_id]) = data["selected_offers"].as_array().map(Vec::as_slice) else {
            return validation("selected_offers must hold exactly one offer");
        };
        let offer_id = offer_id.as_str().unwrap_or_default().to_owned();
        let offer = match self.current_offer(&offer_id) {
            Ok(o) => o,
            Err(answer) => return answer,
        };
        if self.price_changes_on_order {
            let now: f64 = offer["total_amount"]
                .as_str()
                .and_then(|t| t.parse().ok())
                .unwrap_or(0.0);
            self.repriced.insert(offer_id, format!("{:.2}", now + 20.0));
            return duffel_error(
                422,
                "invalid_state_error",
                "price_changed",
                "The price of the offer has changed.",
            );
        }
        // Passengers: exactly the offer's, with every field Duffel requires.
        let empty = vec![];
        let sent = data["passengers"].as_array().unwrap_or(&empty);
        let wanted: HashSet<&str> = offer["passengers"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter_map(|p| p["id"].as_str())
            .collect();
        let got: HashSet<&str> = sent.iter().filter_map(|p| p["id"].as_str()).collect();
        if wanted != got || sent.len() != wanted.len() {
            return validation("passengers must be exactly the offer's passengers");
        }
        for p in sent {
            let text = |k: &str| p[k].as_str().is_some_and(|v| !v.trim().is_empty());
            let ok = text("given_name")
                && text("family_name")
                && matches!(
                    p["title"].as_str(),
                    Some("mr" | "ms" | "mrs" | "miss" | "dr")
                )
                && matches!(p["gender"].as_str(), Some("m" | "f"))
                && p["born_on"]
                    .as_str()
                    .is_some_and(|d| NaiveDate::parse_from_str(d, "%Y-%m-%d").is_ok())
                && p["email"].as_str().is_some_and(|e| e.contains('@'))
                && p["phone_number"].as_str().is_some_and(|n| {
                    n.starts_with('+') && n[1..].bytes().all(|b| b.is_ascii_digit())
                });
            if !ok {
                return validation("a passenger lacks a required field or has a malformed one");
            }
        }
        let infants: HashSet<&str> = offer["passengers"]
            .as_array()
            .unwrap_or(&empty)
            .iter()
            .filter(|p| p["age"].as_u64().is_some_and(|a| a < 2))
            .filter_map(|p| p["id"].as_str())
            .collect();
        let linked: HashSet<&str> = sent
            .iter()
            .filter_map(|p| p["infant_passenger_id"].as_str())
            .collect();
        if infants != linked {
            return validation("every infant must be linked to one adult by infant_passenger_id");
        }
        let payments = data["payments"].as_array();
        let instant = kind == "instant";
        if instant {
            let Some([pay]) = payments.map(Vec::as_slice) else {
                return validation("an instant order needs exactly one payment");
            };
            if pay["type"] != "balance" && pay["type"] != "arc_bsp_cash" {
                return validation("payment type must be balance or arc_bsp_cash");
            }
            if pay["amount"] != offer["total_amount"] || pay["currency"] != offer["total_currency"]
            {
                return validation("payment must match the offer total");
            }
        } else if payments.is_some() {
            return validation("hold orders take no payment");
        }
        let order_id = self.id("ord");
        let order = json!({
            "id": order_id,
            "booking_reference": "RZPNX8",
            "live_mode": false,
            "created_at": "2026-01-10T12:05:00.000000Z",
            "cancelled_at": null,
            "total_amount": offer["total_amount"], "total_currency": offer["total_currency"],
            "base_amount": offer["base_amount"], "base_currency": offer["base_currency"],
            "tax_amount": offer["tax_amount"], "tax_currency": offer["tax_currency"],
            "slices": offer["slices"],
            "passengers": sent.iter().map(|p| json!({
                "id": p["id"], "given_name": p["given_name"], "family_name": p["family_name"],
                "title": p["title"], "gender": p["gender"], "born_on": p["born_on"],
                "type": offer["passengers"].as_array().unwrap_or(&empty).iter()
                    .find(|o| o["id"] == p["id"]).map(|o| o["type"].clone()).unwrap_or(Value::Null),
            })).collect::<Vec<_>>(),
            "payment_status": {
                "awaiting_payment": !instant,
                "payment_required_by": if instant { Value::Null } else { json!("2026-01-12T12:00:00Z") },
                "price_guarantee_expires_at": if instant { Value::Null } else { json!("2026-01-11T12:00:00Z") },
                "paid_at": if instant { json!("2026-01-10T12:05:00Z") } else { Value::Null },
            },
            "conditions": offer["conditions"],
            "documents": if instant { json!(self.e_tickets(sent)) } else { json!([]) },
            "available_actions": ["cancel", "update"],
            "airline_initiated_changes": [],
            "metadata": data["metadata"],
        });
        self.orders.insert(order_id, order.clone());
        if self.accepts_orders_async {
            return (202, json!({"data": order}));
        }
        (201, json!({"data": order}))
    }

    /// One 13-digit e-ticket per passenger (`125` is British Airways' ticketing prefix).
    fn e_tickets(&mut self, passengers: &[Value]) -> Vec<Value> {
        passengers
            .iter()
            .map(|p| {
                self.tickets_issued += 1;
                json!({
                    "type": "electronic_ticket",
                    "unique_identifier": format!("125{:010}", 2_345_600_000 + self.tickets_issued),
                    "passenger_ids": [p["id"]]
                })
            })
            .collect()
    }

    /// `POST /air/payments` (§1.5): pays a hold order in full, which tickets it. The refusal
    /// codes for a cancelled or already-paid order are the fake's own (the doc names none), and
    /// a hold past `payment_required_by` is not refused here, as the doc does not say how Duffel
    /// answers it (the connector refuses it before paying).
    fn create_payment(&mut self, data: Option<Value>) -> Answer {
        let Some(data) = data else {
            return duffel_error(
                422,
                "validation_error",
                "validation_required",
                "Field 'data' can't be blank",
            );
        };
        fn keys(v: &Value) -> BTreeSet<&str> {
            v.as_object()
                .map(|o| o.keys().map(String::as_str).collect())
                .unwrap_or_default()
        }
        if keys(&data) != BTreeSet::from(["order_id", "payment"]) {
            return validation("a payment is exactly {order_id, payment}");
        }
        let pay = &data["payment"];
        if keys(pay) != BTreeSet::from(["amount", "currency", "type"]) {
            return validation("payment is exactly {type, amount, currency}");
        }
        if !matches!(pay["type"].as_str(), Some("balance" | "arc_bsp_cash")) {
            return validation("payment type must be balance or arc_bsp_cash");
        }
        let (Some(amount), Some(currency)) = (pay["amount"].as_str(), pay["currency"].as_str())
        else {
            return validation("payment amount and currency are strings");
        };
        let Some(order_id) = data["order_id"].as_str().map(str::to_owned) else {
            return validation("order_id must be a string");
        };
        let Some(order) = self.orders.get(&order_id) else {
            return not_found();
        };
        if !order["cancelled_at"].is_null() {
            return duffel_error(
                422,
                "invalid_state_error",
                "already_cancelled",
                "The order is cancelled.",
            );
        }
        if order["payment_status"]["awaiting_payment"] != true {
            return duffel_error(
                422,
                "invalid_state_error",
                "already_paid",
                "The order has already been paid for.",
            );
        }
        if amount != order["total_amount"] || currency != order["total_currency"] {
            return validation("payment must match the order's current total");
        }
        let passengers = order["passengers"].as_array().cloned().unwrap_or_default();
        let documents = self.e_tickets(&passengers);
        let payment = json!({
            "id": self.id("pay"), "amount": amount, "currency": currency, "type": pay["type"],
            "created_at": "2026-01-10T12:15:00.000000Z", "live_mode": false
        });
        let order = self.orders.get_mut(&order_id).expect("looked up above");
        order["payment_status"]["awaiting_payment"] = json!(false);
        order["payment_status"]["paid_at"] = json!("2026-01-10T12:15:00Z");
        order["documents"] = json!(documents);
        self.payments.push(payment.clone());
        (201, json!({"data": payment}))
    }

    fn create_cancellation(&mut self, data: Option<Value>) -> Answer {
        let Some(order_id) = data
            .as_ref()
            .and_then(|d| d["order_id"].as_str())
            .map(str::to_owned)
        else {
            return duffel_error(
                422,
                "validation_error",
                "validation_required",
                "order_id can't be blank",
            );
        };
        let Some(order) = self.orders.get(&order_id) else {
            return not_found();
        };
        if !order["cancelled_at"].is_null() {
            return duffel_error(
                422,
                "invalid_state_error",
                "already_cancelled",
                "The order is already cancelled.",
            );
        }
        // Hold orders awaiting payment refund 0.00; for paid ones this airline gives no quote.
        let (amount, currency) = if order["payment_status"]["awaiting_payment"] == true {
            (json!("0.00"), order["total_currency"].clone())
        } else {
            (Value::Null, Value::Null)
        };
        let id = self.id("ore");
        let cancellation = json!({
            "id": id, "order_id": order_id, "refund_amount": amount, "refund_currency": currency,
            "refund_to": "balance", "airline_credits": [], "expires_at": "2026-01-10T12:35:00Z",
            "confirmed_at": null, "created_at": "2026-01-10T12:20:00Z", "live_mode": false
        });
        self.cancellations.insert(id, cancellation.clone());
        (201, json!({"data": cancellation}))
    }

    fn confirm_cancellation(&mut self, id: &str) -> Answer {
        let Some(c) = self.cancellations.get_mut(id) else {
            return not_found();
        };
        c["confirmed_at"] = json!("2026-01-10T12:21:00Z");
        let c = c.clone();
        if let Some(order) = c["order_id"].as_str().and_then(|o| self.orders.get_mut(o)) {
            order["cancelled_at"] = json!("2026-01-10T12:21:00Z");
        }
        (200, json!({"data": c}))
    }
}

fn encode_cursor(offset: usize) -> String {
    format!("g2wAAAAC{:08x}", offset ^ 0x5f37_59df)
}

fn decode_cursor(cursor: &str) -> Option<usize> {
    let hex = cursor.strip_prefix("g2wAAAAC")?;
    usize::from_str_radix(hex, 16).ok().map(|n| n ^ 0x5f37_59df)
}

// ---------------------------------------------------------------------------------------------
// Fixtures: offers shaped like Duffel's.

fn airport(code: &str) -> Value {
    let (id, name, city, tz, lat, lon) = match code {
        "LHR" => (
            "arp_lhr_gb",
            "Heathrow Airport",
            "LON",
            "Europe/London",
            51.47,
            -0.4543,
        ),
        "JFK" => (
            "arp_jfk_us",
            "John F. Kennedy International Airport",
            "NYC",
            "America/New_York",
            40.6413,
            -73.7781,
        ),
        "DUB" => (
            "arp_dub_ie",
            "Dublin Airport",
            "DUB",
            "Europe/Dublin",
            53.4264,
            -6.2499,
        ),
        other => panic!("the fake knows no airport {other}"),
    };
    json!({
        "type": "airport", "id": id, "iata_code": code, "icao_code": null, "name": name,
        "iata_country_code": &id[id.len() - 2..].to_uppercase(), "iata_city_code": city,
        "city_name": null, "latitude": lat, "longitude": lon, "time_zone": tz
    })
}

struct Leg {
    from: &'static str,
    to: &'static str,
    departing_at: &'static str,
    arriving_at: &'static str,
    duration: &'static str,
    carrier: &'static str,
    number: &'static str,
    aircraft: Option<&'static str>,
    /// Checked and carry-on pieces per passenger.
    bags: Option<(u32, u32)>,
}

fn segment(leg: &Leg, seg_id: &str, passengers: &[Value]) -> Value {
    json!({
        "id": seg_id,
        "origin": airport(leg.from), "destination": airport(leg.to),
        "origin_terminal": "5", "destination_terminal": "7",
        "departing_at": leg.departing_at, "arriving_at": leg.arriving_at,
        "duration": leg.duration, "distance": null,
        "marketing_carrier": {"iata_code": leg.carrier, "name": leg.carrier, "id": format!("arl_{}", leg.carrier)},
        "marketing_carrier_flight_number": leg.number,
        "operating_carrier": {"iata_code": leg.carrier, "name": leg.carrier, "id": format!("arl_{}", leg.carrier)},
        "operating_carrier_flight_number": leg.number,
        "aircraft": leg.aircraft.map(|a| json!({"iata_code": a, "name": a, "id": format!("arc_{a}")})),
        "stops": [],
        "passengers": passengers.iter().map(|p| json!({
            "passenger_id": p["id"], "cabin_class": "economy", "cabin_class_marketing_name": "Economy",
            "fare_basis_code": "OKWAGB",
            "baggages": match leg.bags {
                Some((checked, carry_on)) => json!([
                    {"type": "checked", "quantity": checked},
                    {"type": "carry_on", "quantity": carry_on}
                ]),
                None => json!([]),
            }
        })).collect::<Vec<_>>()
    })
}

fn slice(
    id: &str,
    legs: &[Leg],
    duration: &str,
    brand: Option<&str>,
    passengers: &[Value],
) -> Value {
    json!({
        "id": id,
        "origin": airport(legs[0].from), "destination": airport(legs[legs.len() - 1].to),
        "origin_type": "airport", "destination_type": "airport",
        "duration": duration, "fare_brand_name": brand,
        "segments": legs.iter().enumerate()
            .map(|(i, l)| segment(l, &format!("{id}_seg_{i}").replace("sli_", "seg_"), passengers))
            .collect::<Vec<_>>(),
        "conditions": {"change_before_departure": null, "advance_seat_selection": null},
        "comparison_key": format!("ck_{id}"), "ngs_shelf": 1
    })
}

#[allow(clippy::too_many_arguments)]
fn offer(
    id: String,
    total: &str,
    base: &str,
    tax: Option<&str>,
    slices: Vec<Value>,
    conditions: Value,
    passengers: &[Value],
    partial: bool,
    instant_only: bool,
) -> Value {
    json!({
        "id": id, "live_mode": false, "partial": partial,
        "created_at": "2026-01-10T12:00:01.000000Z", "updated_at": "2026-01-10T12:00:01.000000Z",
        "expires_at": "2026-01-10T12:30:00.000000Z",
        "total_amount": total, "total_currency": "GBP",
        "base_amount": base, "base_currency": "GBP",
        "tax_amount": tax, "tax_currency": tax.map(|_| "GBP"),
        "total_emissions_kg": "460",
        "owner": {"iata_code": "BA", "name": "British Airways", "id": "arl_00009VME7DBKeMags5CliQ"},
        "passengers": passengers,
        "passenger_identity_documents_required": false,
        "payment_requirements": {
            "requires_instant_payment": instant_only,
            "payment_required_by": if instant_only { Value::Null } else { json!("2026-01-12T12:00:00Z") },
            "price_guarantee_expires_at": if instant_only { Value::Null } else { json!("2026-01-11T12:00:00Z") }
        },
        "conditions": conditions,
        "slices": slices,
        "available_services": []
    })
}

const BA117: Leg = Leg {
    from: "LHR",
    to: "JFK",
    departing_at: "2026-01-15T08:25:00",
    arriving_at: "2026-01-15T11:20:00",
    duration: "PT7H55M",
    carrier: "BA",
    number: "117",
    aircraft: Some("77W"),
    bags: Some((0, 1)),
};
const EI155: Leg = Leg {
    from: "LHR",
    to: "DUB",
    departing_at: "2026-01-15T06:10:00",
    arriving_at: "2026-01-15T07:30:00",
    duration: "PT1H20M",
    carrier: "EI",
    number: "155",
    aircraft: Some("320"),
    bags: Some((2, 1)),
};
const EI105: Leg = Leg {
    from: "DUB",
    to: "JFK",
    departing_at: "2026-01-15T10:45:00",
    arriving_at: "2026-01-15T12:55:00",
    duration: "PT7H10M",
    carrier: "EI",
    number: "105",
    aircraft: Some("333"),
    bags: Some((1, 1)),
};
const VS3: Leg = Leg {
    from: "LHR",
    to: "JFK",
    departing_at: "2026-01-15T13:30:00",
    arriving_at: "2026-01-15T16:35:00",
    duration: "PT8H05M",
    carrier: "VS",
    number: "3",
    aircraft: None,
    bags: None,
};
const AA101A: Leg = Leg {
    from: "LHR",
    to: "JFK",
    departing_at: "2026-01-15T10:00:00",
    arriving_at: "2026-01-15T13:00:00",
    duration: "PT8H",
    carrier: "AA",
    number: "101A",
    aircraft: Some("77W"),
    bags: Some((1, 1)),
};
const BA112: Leg = Leg {
    from: "JFK",
    to: "LHR",
    departing_at: "2026-01-22T18:30:00",
    arriving_at: "2026-01-23T06:40:00",
    duration: "PT7H10M",
    carrier: "BA",
    number: "112",
    aircraft: Some("77W"),
    bags: Some((0, 1)),
};
const VS4: Leg = Leg {
    from: "JFK",
    to: "LHR",
    departing_at: "2026-01-22T19:40:00",
    arriving_at: "2026-01-23T07:45:00",
    duration: "PT7H05M",
    carrier: "VS",
    number: "4",
    aircraft: Some("359"),
    bags: Some((1, 1)),
};

fn cond(allowed: bool, amount: Option<&str>, currency: Option<&str>) -> Value {
    json!({"allowed": allowed, "penalty_amount": amount, "penalty_currency": currency})
}

/// The fake's inventory: LHR→JFK on 2026-01-15, one way or returning JFK→LHR on 2026-01-22.
fn fixture_offers(route: &[(String, String, String)], pax: &[Value], orq: &str) -> Vec<Value> {
    let n = &orq[orq.len() - 4..];
    let key: Vec<(&str, &str, &str)> = route
        .iter()
        .map(|(o, d, t)| (o.as_str(), d.as_str(), t.as_str()))
        .collect();
    let basic = json!({
        "refund_before_departure": cond(false, None, None),
        "change_before_departure": cond(true, Some("50.00"), Some("GBP"))
    });
    match key.as_slice() {
        [("LHR", "JFK", "2026-01-15")] => vec![
            offer(
                format!("off_{n}BA117"),
                "450.20",
                "300.00",
                Some("150.20"),
                vec![slice(
                    &format!("sli_{n}BA117"),
                    &[BA117],
                    "PT7H55M",
                    Some("Basic"),
                    pax,
                )],
                basic,
                pax,
                false,
                false,
            ),
            offer(
                format!("off_{n}EI155"),
                "389.99",
                "250.00",
                Some("139.99"),
                vec![slice(
                    &format!("sli_{n}EI155"),
                    &[EI155, EI105],
                    "PT11H45M",
                    Some("Flex"),
                    pax,
                )],
                json!({
                    "refund_before_departure": cond(true, Some("75.00"), Some("USD")),
                    "change_before_departure": cond(true, Some("0.00"), Some("GBP"))
                }),
                pax,
                false,
                false,
            ),
            offer(
                format!("off_{n}VS3"),
                "520.00",
                "520.00",
                None,
                vec![slice(&format!("sli_{n}VS3"), &[VS3], "PT8H05M", None, pax)],
                json!({"refund_before_departure": null, "change_before_departure": null}),
                pax,
                false,
                true,
            ),
            offer(
                format!("off_{n}AA101"),
                "300.00",
                "200.00",
                Some("100.00"),
                vec![slice(
                    &format!("sli_{n}AA101"),
                    &[AA101A],
                    "PT8H",
                    Some("Main"),
                    pax,
                )],
                json!({"refund_before_departure": null, "change_before_departure": null}),
                pax,
                false,
                false,
            ),
            offer(
                format!("off_{n}Partial"),
                "999.00",
                "900.00",
                Some("99.00"),
                vec![slice(
                    &format!("sli_{n}Partial"),
                    &[BA117],
                    "PT7H55M",
                    Some("Basic"),
                    pax,
                )],
                json!({"refund_before_departure": null, "change_before_departure": null}),
                pax,
                true,
                false,
            ),
        ],
        [("LHR", "JFK", "2026-01-15"), ("JFK", "LHR", "2026-01-22")] => vec![
            offer(
                format!("off_{n}BART"),
                "812.40",
                "600.00",
                Some("212.40"),
                vec![
                    slice(
                        &format!("sli_{n}BAout"),
                        &[BA117],
                        "PT7H55M",
                        Some("Basic"),
                        pax,
                    ),
                    slice(
                        &format!("sli_{n}BAback"),
                        &[BA112],
                        "PT7H10M",
                        Some("Basic"),
                        pax,
                    ),
                ],
                basic,
                pax,
                false,
                false,
            ),
            offer(
                format!("off_{n}VSRT"),
                "901.00",
                "700.00",
                Some("201.00"),
                vec![
                    slice(
                        &format!("sli_{n}VSout"),
                        &[VS3],
                        "PT8H05M",
                        Some("Classic"),
                        pax,
                    ),
                    slice(
                        &format!("sli_{n}VSback"),
                        &[VS4],
                        "PT7H05M",
                        Some("Classic"),
                        pax,
                    ),
                ],
                json!({"refund_before_departure": null, "change_before_departure": null}),
                pax,
                false,
                false,
            ),
        ],
        _ => vec![],
    }
}

// =============================================================================================
// Test helpers

async fn fake_duffel() -> (MockServer, FakeDuffel) {
    let server = MockServer::start().await;
    let fake = FakeDuffel::default();
    Mock::given(any())
        .respond_with(fake.clone())
        .with_priority(10)
        .mount(&server)
        .await;
    (server, fake)
}

fn config(server: &MockServer) -> DuffelConfig {
    let mut config = DuffelConfig::new(TOKEN);
    config.base_url = server.uri();
    config.search_timeout = Duration::from_secs(5);
    config.order_timeout = Duration::from_secs(5);
    config.supplier_timeout_ms = Some(10_000);
    // The fixtures' "now": offers were made at 12:00 and holds must be paid by 2026-01-12.
    config.clock = Arc::new(|| at("2026-01-10T12:10:00Z"));
    config
}

fn at(instant: &str) -> chrono::DateTime<chrono::Utc> {
    instant.parse().unwrap()
}

fn supplier(server: &MockServer) -> DuffelSupplier {
    DuffelSupplier::new(config(server)).unwrap()
}

fn code(s: &str) -> AirportCode {
    AirportCode::parse(s).unwrap()
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
}

fn search(legs: &[(&str, &str, &str)], adults: u8, children: u8, infants: u8) -> FlightSearch {
    FlightSearch {
        slices: legs
            .iter()
            .map(|(o, d, day)| SliceQuery {
                origin: code(o),
                destination: code(d),
                departure_date: date(day),
                departure_time: None,
                arrival_time: None,
            })
            .collect(),
        passengers: Passengers {
            adults,
            children,
            infants,
        },
        cabin: Cabin::Economy,
        max_connections: 1,
        airlines: vec![],
        exclude_airlines: vec![],
        min_price_minor: None,
        max_price_minor: None,
        max_duration_minutes: None,
        layover_airports: vec![],
        max_layover_minutes: 360,
        allow_airport_change: false,
        sort: SortBy::Best,
        limit: 50,
    }
}

fn one_way() -> FlightSearch {
    search(&[("LHR", "JFK", "2026-01-15")], 1, 0, 0)
}

fn gbp(minor: i64) -> Money {
    Money::from_minor(minor, Currency::GBP)
}

fn person(
    kind: PassengerType,
    given: &str,
    gender: &str,
    born: &str,
    infant_of: Option<usize>,
) -> PassengerDetails {
    PassengerDetails {
        passenger_type: kind,
        given_name: given.into(),
        family_name: "Lovelace".into(),
        born_on: date(born),
        gender: gender.into(),
        email: "ada@example.com".into(),
        phone: "+44 20 7946 0000".into(),
        infant_of,
    }
}

async fn requests_to(server: &MockServer, verb: &str, p: &str) -> Vec<Request> {
    server
        .received_requests()
        .await
        .unwrap_or_default()
        .into_iter()
        .filter(|r| r.method.as_str() == verb && r.url.path() == p)
        .collect()
}

fn data_of(r: &Request) -> Value {
    serde_json::from_slice::<Value>(&r.body).unwrap()["data"].clone()
}

// =============================================================================================
// Search

#[tokio::test]
async fn a_one_way_search_maps_offers_with_local_offsets_durations_conditions_and_money() {
    let (server, _fake) = fake_duffel().await;
    let offers = supplier(&server).search(&one_way()).await.unwrap();

    // Five offers come back over three pages; the non-numeric flight number and the partial
    // offer are skipped; Duffel's order (by total) is kept.
    let ids: Vec<&str> = offers.iter().map(|o| o.id.as_str()).collect();
    assert_eq!(ids.len(), 3, "{ids:?}");
    assert!(
        ids[0].starts_with("duffel:off_") && ids[0].ends_with("EI155"),
        "{ids:?}"
    );
    assert!(
        ids[1].ends_with("BA117") && ids[2].ends_with("VS3"),
        "{ids:?}"
    );

    let ba = &offers[1];
    assert_eq!(ba.supplier, "duffel");
    assert_eq!(ba.expires_at.to_rfc3339(), "2026-01-10T12:30:00+00:00");
    assert_eq!(
        (ba.cabin, ba.fare_brand.as_str()),
        (Cabin::Economy, "basic")
    );
    assert_eq!(
        (ba.baggage.checked_pieces, ba.baggage.carry_on_pieces),
        (0, 1)
    );
    assert_eq!(ba.available_seats, 9);
    assert_eq!(ba.price.total, gbp(45_020));
    assert_eq!(ba.price.taxes, gbp(15_020));
    assert_eq!(ba.price.base, gbp(30_000));
    assert!(!ba.conditions.refundable && ba.conditions.refund_penalty.is_none());
    assert!(ba.conditions.changeable);
    assert_eq!(ba.conditions.change_penalty, Some(gbp(5_000)));
    assert_eq!(ba.conditions.no_show, NoShowRule::ForfeitFare);
    let s = &ba.slices[0];
    assert_eq!(
        (
            s.origin.as_str(),
            s.destination.as_str(),
            s.duration_minutes
        ),
        ("LHR", "JFK", 475)
    );
    let seg = &s.segments[0];
    // London in January is UTC+0, New York UTC-5: 08:25Z → 16:20Z is 7h55.
    assert_eq!(seg.departing_at.to_rfc3339(), "2026-01-15T08:25:00+00:00");
    assert_eq!(seg.arriving_at.to_rfc3339(), "2026-01-15T11:20:00-05:00");
    assert_eq!(
        (seg.arriving_at - seg.departing_at).num_minutes(),
        seg.duration_minutes
    );
    assert_eq!(seg.flight_designator(), "BA117");
    assert_eq!(
        (seg.operating_carrier.as_str(), seg.aircraft.as_str()),
        ("BA", "77W")
    );

    let ei = &offers[0];
    assert_eq!(ei.fare_brand, "flex");
    assert_eq!(ei.slices[0].stops(), 1);
    assert_eq!(ei.slices[0].duration_minutes, 11 * 60 + 45);
    assert_eq!(ei.slices[0].segments[1].origin.as_str(), "DUB");
    assert_eq!(
        ei.slices[0].segments[1].arriving_at.to_rfc3339(),
        "2026-01-15T12:55:00-05:00"
    );
    // The smallest allowance across segments (2 then 1 checked bag).
    assert_eq!(ei.baggage.checked_pieces, 1);
    // The refund penalty keeps the airline's currency.
    assert_eq!(
        ei.conditions.refund_penalty,
        Some(Money::from_minor(7_500, Currency::USD))
    );
    assert_eq!(ei.conditions.change_penalty, Some(gbp(0)));

    let vs = &offers[2];
    assert_eq!(vs.fare_brand, "standard");
    assert_eq!(vs.slices[0].segments[0].aircraft, "");
    assert_eq!(vs.slices[0].segments[0].flight_number, 3);
    assert_eq!((vs.price.taxes, vs.price.total), (gbp(0), gbp(52_000)));
    assert!(!vs.conditions.refundable && !vs.conditions.changeable);
    assert_eq!(
        (vs.baggage.checked_pieces, vs.baggage.carry_on_pieces),
        (0, 0)
    );
}

#[tokio::test]
async fn offer_pages_are_followed_through_their_cursors() {
    let (server, _fake) = fake_duffel().await;
    supplier(&server).search(&one_way()).await.unwrap();

    let pages = requests_to(&server, "GET", "/air/offers").await;
    assert_eq!(pages.len(), 3, "five offers in pages of two");
    let q = |r: &Request, k: &str| query(r, k);
    assert_eq!(q(&pages[0], "after"), None);
    assert_eq!(q(&pages[1], "after"), Some(encode_cursor(2)));
    assert_eq!(q(&pages[2], "after"), Some(encode_cursor(4)));
    for page in &pages {
        assert_eq!(q(page, "limit").as_deref(), Some("200"));
        assert_eq!(q(page, "sort").as_deref(), Some("total_amount"));
        assert!(q(page, "offer_request_id").is_some_and(|o| o.starts_with("orq_")));
    }
}

#[tokio::test]
async fn max_offers_stops_paging_early() {
    let (server, _fake) = fake_duffel().await;
    let mut config = config(&server);
    config.max_offers = 1;
    let offers = DuffelSupplier::new(config)
        .unwrap()
        .search(&one_way())
        .await
        .unwrap();
    assert_eq!(offers.len(), 1);
    assert_eq!(requests_to(&server, "GET", "/air/offers").await.len(), 1);
}

#[tokio::test]
async fn the_offer_request_carries_slices_passengers_windows_and_query() {
    let (server, _fake) = fake_duffel().await;
    let mut s = search(&[("LHR", "JFK", "2026-01-15")], 2, 1, 1);
    let t = |h| NaiveTime::from_hms_opt(h, 0, 0).unwrap();
    s.slices[0].departure_time = Some(TimeWindow {
        from: t(6),
        to: t(12),
    });
    // Over midnight: not expressible to Duffel, left to our own filter.
    s.slices[0].arrival_time = Some(TimeWindow {
        from: t(22),
        to: t(6),
    });
    s.cabin = Cabin::Economy;
    s.max_connections = 0;
    supplier(&server).search(&s).await.unwrap();

    let posts = requests_to(&server, "POST", "/air/offer_requests").await;
    assert_eq!(posts.len(), 1);
    let r = &posts[0];
    assert_eq!(query(r, "return_offers").as_deref(), Some("false"));
    assert_eq!(query(r, "supplier_timeout").as_deref(), Some("10000"));
    assert_eq!(
        data_of(r),
        json!({
            "slices": [{
                "origin": "LHR", "destination": "JFK", "departure_date": "2026-01-15",
                "departure_time": {"from": "06:00", "to": "12:00"}
            }],
            "passengers": [{"type": "adult"}, {"type": "adult"}, {"age": 8}, {"age": 1}],
            "cabin_class": "economy",
            "max_connections": 0
        })
    );
}

#[tokio::test]
async fn a_round_trip_maps_both_slices_with_their_own_offsets() {
    let (server, _fake) = fake_duffel().await;
    let rt = search(
        &[("LHR", "JFK", "2026-01-15"), ("JFK", "LHR", "2026-01-22")],
        1,
        0,
        0,
    );
    let offers = supplier(&server).search(&rt).await.unwrap();
    assert_eq!(offers.len(), 2);
    let ba = &offers[0];
    assert_eq!(ba.price.total, gbp(81_240));
    assert_eq!(ba.slices.len(), 2);
    let back = &ba.slices[1];
    assert_eq!(
        (back.origin.as_str(), back.destination.as_str()),
        ("JFK", "LHR")
    );
    let seg = &back.segments[0];
    assert_eq!(seg.departing_at.to_rfc3339(), "2026-01-22T18:30:00-05:00");
    assert_eq!(seg.arriving_at.to_rfc3339(), "2026-01-23T06:40:00+00:00");
    assert_eq!((seg.duration_minutes, back.duration_minutes), (430, 430));
    assert_eq!(ba.total_duration_minutes(), 475 + 430);
    assert_eq!(offers[1].fare_brand, "classic");
}

#[tokio::test]
async fn a_route_without_flights_is_an_empty_answer() {
    let (server, _fake) = fake_duffel().await;
    let offers = supplier(&server)
        .search(&search(&[("LHR", "DUB", "2026-01-15")], 1, 0, 0))
        .await
        .unwrap();
    assert!(offers.is_empty());
}

#[tokio::test]
async fn a_failing_later_page_keeps_the_offers_already_read() {
    let (server, _fake) = fake_duffel().await;
    Mock::given(method("GET"))
        .and(path("/air/offers"))
        .and(|r: &Request| query(r, "after").is_some())
        .respond_with(ResponseTemplate::new(503).set_body_string("upstream busy"))
        .with_priority(1)
        .mount(&server)
        .await;
    let offers = supplier(&server).search(&one_way()).await.unwrap();
    // Page one held AA101A (skipped) and EI155.
    assert_eq!(offers.len(), 1);
    assert!(offers[0].id.ends_with("EI155"));
}

// =============================================================================================
// The client's headers, and the fake's checks of them

#[tokio::test]
async fn every_request_carries_duffels_headers() {
    let (server, _fake) = fake_duffel().await;
    supplier(&server).search(&one_way()).await.unwrap();
    let all = server.received_requests().await.unwrap();
    assert!(all.len() >= 4);
    for r in &all {
        assert_eq!(
            header(r, "authorization"),
            Some(format!("Bearer {TOKEN}").as_str())
        );
        assert_eq!(header(r, "duffel-version"), Some("v2"));
        assert_eq!(header(r, "accept"), Some("application/json"));
        assert!(header(r, "accept-encoding").is_some_and(|e| e.contains("gzip")));
        assert!(header(r, "user-agent").is_some_and(|u| u.starts_with("wayfare/")));
        if !r.body.is_empty() {
            assert_eq!(header(r, "content-type"), Some("application/json"));
        }
    }
}

#[tokio::test]
async fn the_fake_refuses_what_duffel_refuses() {
    let (server, _fake) = fake_duffel().await;
    let raw = reqwest::Client::builder().gzip(false).build().unwrap();
    let url = |p: &str| format!("{}{p}", server.uri());
    let body = json!({"data": {"slices": [{"origin": "LHR", "destination": "JFK", "departure_date": "2026-01-15"}],
                               "passengers": [{"type": "adult"}]}});
    let status_and_type = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        (
            status,
            v["errors"][0]["type"]
                .as_str()
                .unwrap_or_default()
                .to_owned(),
            v["meta"]["request_id"].is_string(),
        )
    };

    // No token.
    let r = raw
        .get(url("/air/offers/off_1"))
        .header("duffel-version", "v2")
        .header("accept", "application/json")
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_type(r).await,
        (401, "authentication_error".into(), true)
    );
    // A client that forgets Duffel-Version, or sends v1.
    for version in [None, Some("v1")] {
        let mut req = raw
            .get(url("/air/offers/off_1"))
            .bearer_auth(TOKEN)
            .header("accept", "application/json");
        if let Some(v) = version {
            req = req.header("duffel-version", v);
        }
        let r = req.send().await.unwrap();
        assert_eq!(
            status_and_type(r).await,
            (400, "invalid_request_error".into(), true)
        );
    }
    // Wrong Accept.
    let r = raw
        .get(url("/air/offers/off_1"))
        .bearer_auth(TOKEN)
        .header("duffel-version", "v2")
        .header("accept", "text/html")
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 406);
    let authed = |req: reqwest::RequestBuilder| {
        req.bearer_auth(TOKEN)
            .header("duffel-version", "v2")
            .header("accept", "application/json")
    };
    // A body without Content-Type.
    let r = authed(raw.post(url("/air/offer_requests?return_offers=false")))
        .body(body.to_string())
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_type(r).await,
        (400, "invalid_request_error".into(), true)
    );
    // A body without the data envelope.
    let r = authed(raw.post(url("/air/offer_requests?return_offers=false")))
        .json(&body["data"])
        .send()
        .await
        .unwrap();
    assert_eq!(
        status_and_type(r).await,
        (422, "validation_error".into(), true)
    );
    // All of it right: accepted, with a request id, gzipped when asked.
    let r = authed(raw.post(url("/air/offer_requests?return_offers=false")))
        .header("accept-encoding", "gzip")
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status().as_u16(), 201);
    assert!(r.headers().contains_key("x-request-id"));
    assert_eq!(
        r.headers()
            .get("content-encoding")
            .and_then(|v| v.to_str().ok()),
        Some("gzip")
    );
    assert_eq!(&r.bytes().await.unwrap()[..2], &[0x1f, 0x8b]);
}

// =============================================================================================
// Re-pricing

#[tokio::test]
async fn price_rereads_the_offer_with_its_current_total() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    fake.state().repriced.insert(
        ba.id.trim_start_matches("duffel:").to_owned(),
        "470.20".into(),
    );

    let again = duffel.price(&ba.id).await.unwrap();
    assert_eq!(again.id, ba.id);
    assert_eq!(again.price.total, gbp(47_020));
    assert_eq!(again.price.base, gbp(32_000));
    assert_eq!(again.slices, ba.slices);
    // Our prefix is optional on the way in.
    let bare = duffel
        .price(ba.id.trim_start_matches("duffel:"))
        .await
        .unwrap();
    assert_eq!(bare.id, ba.id);
}

// =============================================================================================
// Orders and cancellations

fn family() -> Vec<PassengerDetails> {
    vec![
        person(PassengerType::Adult, "Ada", "f", "1985-12-10", None),
        person(PassengerType::Child, "Byron", "M", "2017-05-01", None),
        person(
            PassengerType::InfantWithoutSeat,
            "Anne",
            "f",
            "2025-06-01",
            Some(0),
        ),
    ]
}

#[tokio::test]
async fn hold_then_read_then_cancel_an_order() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel
        .search(&search(&[("LHR", "JFK", "2026-01-15")], 1, 1, 1))
        .await
        .unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();

    let order = duffel
        .create_order(&OrderRequest {
            offer_id: ba.id.clone(),
            passengers: family(),
            mode: OrderMode::Hold,
            idempotency_key: "bk_01JABCDEF".into(),
        })
        .await
        .unwrap();
    assert!(order.id.starts_with("duffel:ord_"));
    assert_eq!(order.booking_reference, "RZPNX8");
    assert_eq!(order.status, SupplierOrderStatus::Held);
    assert_eq!(order.total, gbp(45_020));
    assert_eq!(
        order.payment_required_by.map(|t| t.to_rfc3339()).as_deref(),
        Some("2026-01-12T12:00:00+00:00")
    );
    assert_eq!(order.offer.slices, ba.slices);
    assert_eq!(order.offer.conditions, ba.conditions);

    // What went to Duffel: the offer's pas_ ids by type, the infant on the adult, no payment.
    let sent = data_of(&requests_to(&server, "POST", "/air/orders").await[0]);
    assert_eq!(sent["type"], "hold");
    assert!(sent.get("payments").is_none());
    assert_eq!(
        sent["selected_offers"],
        json!([ba.id.trim_start_matches("duffel:")])
    );
    assert_eq!(sent["metadata"]["wayfare_idempotency_key"], "bk_01JABCDEF");
    let pax = sent["passengers"].as_array().unwrap();
    assert_eq!(pax.len(), 3);
    assert_eq!(
        (pax[0]["title"].as_str(), pax[0]["gender"].as_str()),
        (Some("ms"), Some("f"))
    );
    assert_eq!(
        (pax[1]["title"].as_str(), pax[1]["gender"].as_str()),
        (Some("mr"), Some("m"))
    );
    assert_eq!(pax[0]["infant_passenger_id"], pax[2]["id"]);
    assert_eq!(pax[1]["born_on"], "2017-05-01");
    assert_eq!(pax[0]["phone_number"], "+442079460000");
    assert!(
        pax.iter()
            .all(|p| p["id"].as_str().is_some_and(|id| id.starts_with("pas_")))
    );

    let read = duffel.get_order(&order.id).await.unwrap();
    assert_eq!(read, order);

    let quote = duffel.quote_cancellation(&order.id).await.unwrap();
    assert!(quote.id.starts_with("duffel:ore_"));
    assert_eq!(quote.order_id, order.id);
    assert_eq!(
        quote.refund,
        Some(gbp(0)),
        "a hold awaiting payment refunds 0.00"
    );
    assert!(quote.expires_at.is_some() && quote.confirmed_at.is_none());

    let confirmed = duffel.confirm_cancellation(&quote.id).await.unwrap();
    assert_eq!(confirmed.id, quote.id);
    assert!(confirmed.confirmed_at.is_some());
    let confirm_request = &requests_to(
        &server,
        "POST",
        &format!(
            "/air/order_cancellations/{}/actions/confirm",
            quote.id.trim_start_matches("duffel:")
        ),
    )
    .await[0];
    assert!(confirm_request.body.is_empty());
    assert_eq!(
        duffel.get_order(&order.id).await.unwrap().status,
        SupplierOrderStatus::Cancelled
    );
}

#[tokio::test]
async fn an_instant_order_pays_the_current_total_from_the_balance() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let vs = offers.iter().find(|o| o.id.ends_with("VS3")).unwrap();
    let order = duffel
        .create_order(&OrderRequest {
            offer_id: vs.id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Instant {
                payment: gbp(52_000),
            },
            idempotency_key: "bk_2".into(),
        })
        .await
        .unwrap();
    assert_eq!(
        (order.status, order.payment_required_by),
        (SupplierOrderStatus::Confirmed, None)
    );
    // Paid at booking, so ticketed at once.
    assert_eq!(order.tickets.len(), 1);
    assert!(is_e_ticket_number(&order.tickets[0]), "{:?}", order.tickets);
    // Paying it again answers it and pays nothing.
    let again = duffel
        .pay_order(&order.id, gbp(52_000), "bk_2")
        .await
        .unwrap();
    assert_eq!(again, order);
    assert!(
        requests_to(&server, "POST", "/air/payments")
            .await
            .is_empty()
    );
    let sent = data_of(&requests_to(&server, "POST", "/air/orders").await[0]);
    assert_eq!(sent["type"], "instant");
    assert_eq!(
        sent["payments"],
        json!([{"type": "balance", "amount": "520.00", "currency": "GBP"}])
    );
    // A paid order whose airline gives no refund quote (v2: refund_amount null).
    let quote = duffel.quote_cancellation(&order.id).await.unwrap();
    assert_eq!(quote.refund, None);
}

#[tokio::test]
async fn an_instant_order_at_a_stale_price_is_stopped_before_booking() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    fake.state().repriced.insert(
        ba.id.trim_start_matches("duffel:").to_owned(),
        "455.20".into(),
    );
    let err = duffel
        .create_order(&OrderRequest {
            offer_id: ba.id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Instant {
                payment: ba.price.total,
            },
            idempotency_key: "bk_3".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: gbp(45_520)
        }
    );
    assert!(requests_to(&server, "POST", "/air/orders").await.is_empty());
}

#[tokio::test]
async fn duffels_price_changed_answer_becomes_price_changed_with_the_new_total() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    fake.state().price_changes_on_order = true;
    let err = duffel
        .create_order(&OrderRequest {
            offer_id: ba.id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Hold,
            idempotency_key: "bk_4".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: gbp(47_020)
        }
    );
}

#[tokio::test]
async fn an_order_accepted_but_not_confirmed_is_not_reported_as_booked() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    fake.state().accepts_orders_async = true;
    let err = duffel
        .create_order(&OrderRequest {
            offer_id: offers[0].id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Hold,
            idempotency_key: "bk_5".into(),
        })
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, message, .. } if code == "order_pending" && message.contains("FkReq")),
        "{err:?}"
    );
}

#[tokio::test]
async fn orders_that_cannot_match_the_offer_are_refused_before_booking() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    let vs = offers.iter().find(|o| o.id.ends_with("VS3")).unwrap();
    let order = |offer: &str, passengers, mode| OrderRequest {
        offer_id: offer.to_owned(),
        passengers,
        mode,
        idempotency_key: "bk_6".into(),
    };
    // The offer was searched for one adult.
    let err = duffel
        .create_order(&order(&ba.id, family(), OrderMode::Hold))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, .. } if code == "passenger_mismatch"),
        "{err:?}"
    );
    // VS3 must be paid now.
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let err = duffel
        .create_order(&order(&vs.id, adult.clone(), OrderMode::Hold))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, .. } if code == "instant_payment_required"),
        "{err:?}"
    );
    let mut odd = adult;
    odd[0].gender = "x".into();
    let err = duffel
        .create_order(&order(&ba.id, odd, OrderMode::Hold))
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, .. } if code == "invalid_passenger"),
        "{err:?}"
    );
    assert!(requests_to(&server, "POST", "/air/orders").await.is_empty());
}

// =============================================================================================
// Paying a hold

async fn hold(duffel: &DuffelSupplier, passengers: Vec<PassengerDetails>) -> SupplierOrder {
    let count = |kind| {
        u8::try_from(
            passengers
                .iter()
                .filter(|p| p.passenger_type == kind)
                .count(),
        )
        .unwrap()
    };
    let party = search(
        &[("LHR", "JFK", "2026-01-15")],
        count(PassengerType::Adult),
        count(PassengerType::Child),
        count(PassengerType::InfantWithoutSeat),
    );
    let offers = duffel.search(&party).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    duffel
        .create_order(&OrderRequest {
            offer_id: ba.id.clone(),
            passengers,
            mode: OrderMode::Hold,
            idempotency_key: "bk_hold".into(),
        })
        .await
        .unwrap()
}

fn is_e_ticket_number(t: &str) -> bool {
    t.len() == 13 && t.bytes().all(|b| b.is_ascii_digit())
}

#[tokio::test]
async fn a_held_order_is_paid_once_then_ticketed_and_a_retry_pays_nothing() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let order = hold(&duffel, family()).await;
    assert_eq!(order.status, SupplierOrderStatus::Held);
    assert!(order.tickets.is_empty());
    let raw_id = order.id.trim_start_matches("duffel:").to_owned();
    let order_path = format!("/air/orders/{raw_id}");
    let reads_before = requests_to(&server, "GET", &order_path).await.len();

    let paid = duffel
        .pay_order(&order.id, gbp(45_020), "pay_01JABC")
        .await
        .unwrap();
    assert_eq!(paid.id, order.id);
    assert_eq!(paid.status, SupplierOrderStatus::Confirmed);
    assert_eq!(paid.payment_required_by, None);
    assert_eq!(paid.total, gbp(45_020));
    assert_eq!(paid.offer.slices, order.offer.slices);
    // One e-ticket per passenger (the infant too), in Duffel's order.
    assert_eq!(paid.tickets.len(), 3, "{:?}", paid.tickets);
    assert!(
        paid.tickets.iter().all(|t| is_e_ticket_number(t)),
        "{:?}",
        paid.tickets
    );
    assert_eq!(
        paid.tickets.iter().collect::<HashSet<_>>().len(),
        3,
        "distinct numbers"
    );

    // What went to Duffel: the order read first, exactly {order_id, payment}, the order read again.
    let payments = requests_to(&server, "POST", "/air/payments").await;
    assert_eq!(payments.len(), 1);
    assert_eq!(
        data_of(&payments[0]),
        json!({"order_id": raw_id, "payment": {"type": "balance", "amount": "450.20", "currency": "GBP"}})
    );
    assert_eq!(
        requests_to(&server, "GET", &order_path).await.len(),
        reads_before + 2
    );
    assert_eq!(duffel.get_order(&order.id).await.unwrap(), paid);

    // A retry (same or another key) answers the paid order and pays nothing more.
    let again = duffel
        .pay_order(&order.id, gbp(45_020), "pay_01JABC")
        .await
        .unwrap();
    assert_eq!(again, paid);
    let again = duffel
        .pay_order(order.id.trim_start_matches("duffel:"), gbp(45_020), "other")
        .await
        .unwrap();
    assert_eq!(again, paid);
    assert_eq!(requests_to(&server, "POST", "/air/payments").await.len(), 1);
    assert_eq!(fake.state().payments.len(), 1);
}

#[tokio::test]
async fn paying_a_stale_amount_is_price_changed_and_pays_nothing() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let order = hold(&duffel, adult).await;
    // The price guarantee ran out and the airline re-priced the hold.
    {
        let mut st = fake.state();
        let stored = st
            .orders
            .get_mut(order.id.trim_start_matches("duffel:"))
            .unwrap();
        stored["total_amount"] = json!("470.20");
        stored["base_amount"] = json!("320.00");
    }
    let err = duffel
        .pay_order(&order.id, gbp(45_020), "pay_2")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: gbp(47_020)
        }
    );
    // The right amount in the wrong currency is no better.
    let err = duffel
        .pay_order(&order.id, Money::from_minor(47_020, Currency::EUR), "pay_2")
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: gbp(47_020)
        }
    );
    assert!(
        requests_to(&server, "POST", "/air/payments")
            .await
            .is_empty()
    );

    // Paying the new total goes through.
    let paid = duffel
        .pay_order(&order.id, gbp(47_020), "pay_2")
        .await
        .unwrap();
    assert_eq!(paid.status, SupplierOrderStatus::Confirmed);
    assert_eq!(paid.tickets.len(), 1);
    assert_eq!(
        data_of(&requests_to(&server, "POST", "/air/payments").await[0])["payment"]["amount"],
        "470.20"
    );
}

#[tokio::test]
async fn a_cancelled_unknown_or_lapsed_hold_is_not_paid() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let order = hold(&duffel, adult.clone()).await;
    let quote = duffel.quote_cancellation(&order.id).await.unwrap();
    duffel.confirm_cancellation(&quote.id).await.unwrap();
    let err = duffel
        .pay_order(&order.id, gbp(45_020), "pay_3")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, .. } if code == "order_cancelled"),
        "{err:?}"
    );

    let err = duffel
        .pay_order("duffel:ord_0000Nope", gbp(45_020), "pay_3")
        .await
        .unwrap_err();
    assert_eq!(err, SupplierError::NotFound("duffel:ord_0000Nope".into()));

    // Past `payment_required_by` (2026-01-12T12:00Z) the hold has lapsed: gone, search again.
    let held = hold(&duffel, adult).await;
    let mut late = config(&server);
    late.clock = Arc::new(|| at("2026-01-12T12:00:01Z"));
    let late = DuffelSupplier::new(late).unwrap();
    assert_eq!(
        late.get_order(&held.id).await.unwrap().status,
        SupplierOrderStatus::Expired
    );
    let err = late
        .pay_order(&held.id, gbp(45_020), "pay_3")
        .await
        .unwrap_err();
    assert_eq!(err, SupplierError::OfferExpired(held.id.clone()));

    assert!(
        requests_to(&server, "POST", "/air/payments")
            .await
            .is_empty()
    );
    // Still payable on time.
    let paid = duffel
        .pay_order(&held.id, gbp(45_020), "pay_3")
        .await
        .unwrap();
    assert_eq!(paid.status, SupplierOrderStatus::Confirmed);
}

#[tokio::test]
async fn a_payment_refused_because_another_attempt_paid_first_answers_the_paid_order() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let order = hold(&duffel, adult).await;
    // Between our read and our payment, a concurrent attempt pays the order; Duffel then
    // refuses ours.
    let racer = fake.clone();
    Mock::given(method("POST"))
        .and(path("/air/payments"))
        .respond_with(move |req: &Request| {
            let (status, _) = racer.state().route(req, Some(data_of(req)));
            assert_eq!(status, 201, "the concurrent payment");
            let (status, body) = duffel_error(
                422,
                "invalid_state_error",
                "already_paid",
                "The order has already been paid for.",
            );
            ResponseTemplate::new(status).set_body_json(body)
        })
        .with_priority(1)
        .up_to_n_times(1)
        .expect(1)
        .mount(&server)
        .await;
    let paid = duffel
        .pay_order(&order.id, gbp(45_020), "pay_4")
        .await
        .unwrap();
    server.verify().await;
    assert_eq!(paid.status, SupplierOrderStatus::Confirmed);
    assert_eq!(paid.tickets.len(), 1);
    assert_eq!(fake.state().payments.len(), 1);
    assert_eq!(requests_to(&server, "POST", "/air/payments").await.len(), 1);
}

#[tokio::test]
async fn an_unexplained_payment_refusal_is_rejected_with_duffels_code() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let order = hold(&duffel, adult).await;
    Mock::given(method("POST"))
        .and(path("/air/payments"))
        .respond_with(
            ResponseTemplate::new(422)
                .insert_header("x-request-id", "FkNoFunds")
                .set_body_json(json!({
                    "meta": {"status": 422, "request_id": "FkNoFunds"},
                    "errors": [{"type": "invalid_state_error", "code": "insufficient_balance",
                                "title": "Insufficient balance", "message": "Top up your balance."}]
                })),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let err = duffel
        .pay_order(&order.id, gbp(45_020), "pay_5")
        .await
        .unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, message, .. } if code == "insufficient_balance" && message.contains("FkNoFunds")),
        "{err:?}"
    );
    assert_eq!(
        duffel.get_order(&order.id).await.unwrap().status,
        SupplierOrderStatus::Held
    );
}

#[tokio::test]
async fn the_fake_refuses_payments_duffel_would_refuse() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let adult = vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)];
    let order = hold(&duffel, adult).await;
    let raw_id = order.id.trim_start_matches("duffel:").to_owned();
    let raw = reqwest::Client::new();
    let post = |data: Value| {
        raw.post(format!("{}/air/payments", server.uri()))
            .bearer_auth(TOKEN)
            .header("duffel-version", "v2")
            .header("accept", "application/json")
            .json(&json!({ "data": data }))
    };
    let answer = |r: reqwest::Response| async move {
        let status = r.status().as_u16();
        let v: Value = r.json().await.unwrap();
        let code = v["errors"][0]["code"]
            .as_str()
            .unwrap_or_default()
            .to_owned();
        (status, code, v)
    };
    let good = || json!({"order_id": raw_id, "payment": {"type": "balance", "amount": "450.20", "currency": "GBP"}});

    // The headers, as on every route.
    let r = raw
        .post(format!("{}/air/payments", server.uri()))
        .header("duffel-version", "v2")
        .header("accept", "application/json")
        .json(&json!({ "data": good() }))
        .send()
        .await
        .unwrap();
    assert_eq!(answer(r).await.0, 401);
    // The body's shape.
    let mut extra = good();
    extra["metadata"] = json!({"k": "v"});
    let mut no_currency = good();
    no_currency["payment"]
        .as_object_mut()
        .unwrap()
        .remove("currency");
    let mut card = good();
    card["payment"]["type"] = json!("card");
    let mut number = good();
    number["payment"]["amount"] = json!(450.2);
    for bad in [extra, no_currency, card, number] {
        let (status, code, _) = answer(post(bad.clone()).send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (422, "validation_format"), "{bad}");
    }
    // An unknown order; a wrong amount or currency.
    let mut unknown = good();
    unknown["order_id"] = json!("ord_0000Nope");
    assert_eq!(answer(post(unknown).send().await.unwrap()).await.0, 404);
    for (amount, currency) in [("450.00", "GBP"), ("450.20", "EUR")] {
        let mut wrong = good();
        wrong["payment"]["amount"] = json!(amount);
        wrong["payment"]["currency"] = json!(currency);
        let (status, code, _) = answer(post(wrong).send().await.unwrap()).await;
        assert_eq!((status, code.as_str()), (422, "validation_format"));
    }
    assert!(fake.state().payments.is_empty());
    // Right: paid (a `pay_` id) and ticketed; a second payment is refused.
    let (status, _, body) = answer(post(good()).send().await.unwrap()).await;
    assert_eq!(status, 201);
    assert!(
        body["data"]["id"]
            .as_str()
            .is_some_and(|id| id.starts_with("pay_"))
    );
    {
        let st = fake.state();
        let stored = &st.orders[&raw_id];
        assert_eq!(stored["payment_status"]["awaiting_payment"], false);
        assert!(stored["payment_status"]["paid_at"].is_string());
        assert_eq!(stored["documents"][0]["type"], "electronic_ticket");
    }
    let (status, code, _) = answer(post(good()).send().await.unwrap()).await;
    assert_eq!((status, code.as_str()), (422, "already_paid"));
    assert_eq!(fake.state().payments.len(), 1);
}

// =============================================================================================
// Airline-initiated changes

#[tokio::test]
async fn schedule_changes_are_read_per_order_and_the_feed_is_unsupported() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let ba = offers.iter().find(|o| o.id.ends_with("BA117")).unwrap();
    let order = duffel
        .create_order(&OrderRequest {
            offer_id: ba.id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Hold,
            idempotency_key: "bk_7".into(),
        })
        .await
        .unwrap();
    assert!(
        duffel
            .airline_initiated_changes(&order.id)
            .await
            .unwrap()
            .is_empty()
    );

    // The airline moves BA117 two hours later.
    {
        let mut st = fake.state();
        let order_id = order.id.trim_start_matches("duffel:").to_owned();
        let removed = st.orders[&order_id]["slices"][0].clone();
        let pax: Vec<Value> = st.orders[&order_id]["passengers"]
            .as_array()
            .unwrap()
            .clone();
        let later = Leg {
            departing_at: "2026-01-15T10:25:00",
            arriving_at: "2026-01-15T13:20:00",
            ..BA117
        };
        let added = slice("sli_0000NewBA117", &[later], "PT7H55M", Some("Basic"), &pax);
        st.airline_changes.push(json!({
            "id": "aic_0000Fk0001", "order_id": order_id, "added": [added], "removed": [removed],
            "action_taken": null, "action_taken_at": null, "available_actions": ["accept", "cancel", "change"],
            "travel_agent_ticket": null, "created_at": "2026-01-11T09:00:00.000000Z", "updated_at": "2026-01-11T09:00:00.000000Z"
        }));
    }
    let changes = duffel.airline_initiated_changes(&order.id).await.unwrap();
    assert_eq!(changes.len(), 1);
    let change = &changes[0];
    assert_eq!(
        (change.id.as_str(), change.order_id.as_str()),
        ("duffel:aic_0000Fk0001", order.id.as_str())
    );
    assert_eq!(change.detected_at.to_rfc3339(), "2026-01-11T09:00:00+00:00");
    let new = change.new_offer.as_ref().unwrap();
    assert_eq!(new.slices.len(), 1);
    assert_eq!(
        new.slices[0].segments[0].departing_at.to_rfc3339(),
        "2026-01-15T10:25:00+00:00"
    );
    assert_eq!(
        new.slices[0].segments[0].arriving_at.to_rfc3339(),
        "2026-01-15T13:20:00-05:00"
    );
    assert!(change.cancelled.is_empty());

    // Then cancels it with nothing in its place: the removed flight is named.
    {
        let mut st = fake.state();
        let order_id = order.id.trim_start_matches("duffel:").to_owned();
        let removed = st.orders[&order_id]["slices"][0].clone();
        st.airline_changes.push(json!({
            "id": "aic_0000Fk0002", "order_id": order_id, "added": [], "removed": [removed],
            "action_taken": null, "action_taken_at": null, "available_actions": ["accept", "cancel"],
            "travel_agent_ticket": null, "created_at": "2026-01-12T09:00:00.000000Z", "updated_at": "2026-01-12T09:00:00.000000Z"
        }));
    }
    let changes = duffel.airline_initiated_changes(&order.id).await.unwrap();
    let gone = changes
        .iter()
        .find(|c| c.id == "duffel:aic_0000Fk0002")
        .unwrap();
    assert_eq!(gone.new_offer, None);
    assert_eq!(
        gone.cancelled,
        vec![wayfare_suppliers::FlightOnDate {
            flight: "BA117".into(),
            date: "2026-01-15".parse().unwrap(),
        }]
    );

    let err = duffel.schedule_changes(None).await.unwrap_err();
    assert!(matches!(
        err,
        SupplierError::Unsupported {
            operation: "schedule_changes",
            ..
        }
    ));
}

// =============================================================================================
// Webhooks

/// What the fake signs its webhook deliveries with (§1.11).
const WEBHOOK_SECRET: &str = "whsec_fake_duffel_0001";

impl FakeDuffel {
    /// Records an airline-initiated change moving `order_id`'s first slice by `leg`, as the
    /// airline would, and answers the delivery Duffel would make of its
    /// `order.airline_initiated_change_detected` event sent at `sent`: the
    /// `X-Duffel-Signature` header and the raw body.
    fn airline_moves(
        &self,
        order_id: &str,
        aic_id: &str,
        leg: Leg,
        sent: chrono::DateTime<chrono::Utc>,
    ) -> (String, Vec<u8>) {
        let mut st = self.state();
        let removed = st.orders[order_id]["slices"][0].clone();
        let pax: Vec<Value> = st.orders[order_id]["passengers"]
            .as_array()
            .unwrap()
            .clone();
        let added = slice(
            &format!("sli_{aic_id}"),
            &[leg],
            "PT7H55M",
            Some("Basic"),
            &pax,
        );
        let created = sent.format("%Y-%m-%dT%H:%M:%S%.6fZ").to_string();
        st.airline_changes.push(json!({
            "id": aic_id, "order_id": order_id, "added": [added], "removed": [removed],
            "action_taken": null, "action_taken_at": null, "available_actions": ["accept", "cancel", "change"],
            "travel_agent_ticket": null, "created_at": created, "updated_at": created
        }));
        let event = json!({
            "id": format!("wev_{aic_id}"), "api_version": "v2",
            "type": "order.airline_initiated_change_detected",
            "data": {"object": {"id": order_id, "aic_id": aic_id}},
            "live_mode": false, "idempotency_key": aic_id, "created_at": created,
            "identity_organisation_id": "org_0000Fk"
        });
        let body = serde_json::to_vec(&event).unwrap();
        let header = webhook::sign(&WebhookSecret::new(WEBHOOK_SECRET), sent.timestamp(), &body);
        (header, body)
    }
}

#[tokio::test]
async fn a_signed_webhook_announces_the_change_read_from_duffel_and_a_forged_or_stale_one_is_refused()
 {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let order = hold(
        &duffel,
        vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
    )
    .await;
    let order_id = order.id.trim_start_matches("duffel:").to_owned();
    let sent = at("2026-01-11T09:00:00Z");
    // Two changes; the webhook announces the second.
    fake.airline_moves(
        &order_id,
        "aic_0000Fk0001",
        Leg {
            departing_at: "2026-01-15T09:25:00",
            arriving_at: "2026-01-15T12:20:00",
            ..BA117
        },
        sent,
    );
    let (header, body) = fake.airline_moves(
        &order_id,
        "aic_0000Fk0002",
        Leg {
            departing_at: "2026-01-15T10:25:00",
            arriving_at: "2026-01-15T13:20:00",
            ..BA117
        },
        sent,
    );
    let secret = WebhookSecret::new(WEBHOOK_SECRET);
    let tolerance = webhook::default_tolerance();

    // Genuine, a few seconds later.
    let now = sent + chrono::Duration::seconds(3);
    assert_eq!(
        webhook::verify_signature(&secret, Some(&header), &body, now, tolerance),
        Ok(())
    );
    let event = webhook::parse_event(&body).unwrap();
    assert_eq!(event.id, "wev_aic_0000Fk0002");
    let notice = event.airline_initiated_change().unwrap();
    assert_eq!(notice.order_id, order.id);
    let changes = duffel.announced_changes(&notice).await.unwrap();
    assert_eq!(changes.len(), 1);
    assert_eq!(changes[0].id, "duffel:aic_0000Fk0002");
    assert_eq!(changes[0].order_id, order.id);
    assert_eq!(
        changes[0].new_offer.as_ref().unwrap().slices[0].segments[0]
            .departing_at
            .to_rfc3339(),
        "2026-01-15T10:25:00+00:00"
    );
    // Read from Duffel, not from the event: the order's changes were listed.
    assert_eq!(
        requests_to(&server, "GET", "/air/airline_initiated_changes")
            .await
            .len(),
        1
    );

    // Forged: another secret, or a body changed on the way.
    assert_eq!(
        webhook::verify_signature(
            &WebhookSecret::new("whsec_someone_else"),
            Some(&header),
            &body,
            now,
            tolerance
        ),
        Err(WebhookError::SignatureMismatch)
    );
    let mut tampered = body.clone();
    let pos = String::from_utf8(tampered.clone())
        .unwrap()
        .find("aic_0000Fk0002")
        .unwrap();
    tampered[pos + 13] = b'1';
    assert_eq!(
        webhook::verify_signature(&secret, Some(&header), &tampered, now, tolerance),
        Err(WebhookError::SignatureMismatch)
    );
    assert_eq!(
        webhook::verify_signature(&secret, None, &body, now, tolerance),
        Err(WebhookError::MissingSignature)
    );
    // Stale: a genuine delivery replayed six minutes later.
    assert!(matches!(
        webhook::verify_signature(
            &secret,
            Some(&header),
            &body,
            sent + chrono::Duration::minutes(6),
            tolerance
        ),
        Err(WebhookError::Stale { seconds: 360 })
    ));

    // An event naming no change reads all of the order's.
    let all = duffel
        .announced_changes(&webhook::ChangeNotice {
            order_id: order.id.clone(),
            change_id: None,
        })
        .await
        .unwrap();
    assert_eq!(all.len(), 2);
}

// =============================================================================================
// Errors

#[tokio::test]
async fn a_wrong_token_is_an_authentication_error() {
    let (server, _fake) = fake_duffel().await;
    let mut config = config(&server);
    config.access_token = "duffel_test_wrong".into();
    let err = DuffelSupplier::new(config)
        .unwrap()
        .search(&one_way())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::Authentication {
            supplier: "duffel".into()
        }
    );
}

#[tokio::test]
async fn unknown_and_malformed_ids_are_not_found() {
    let (server, _fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let err = duffel.price("duffel:off_0000Nope").await.unwrap_err();
    assert_eq!(err, SupplierError::NotFound("duffel:off_0000Nope".into()));
    let err = duffel.get_order("duffel:ord_0000Nope").await.unwrap_err();
    assert_eq!(err, SupplierError::NotFound("duffel:ord_0000Nope".into()));
    // Never sent: it could not be a Duffel id and must not reach a URL path.
    let before = server.received_requests().await.unwrap().len();
    let err = duffel
        .price("duffel:../air/orders/ord_1")
        .await
        .unwrap_err();
    assert!(matches!(err, SupplierError::NotFound(_)));
    assert_eq!(server.received_requests().await.unwrap().len(), before);
}

#[tokio::test]
async fn an_offer_no_longer_available_is_offer_expired() {
    let (server, fake) = fake_duffel().await;
    let duffel = supplier(&server);
    let offers = duffel.search(&one_way()).await.unwrap();
    let id = offers[0].id.clone();
    fake.state()
        .expired
        .insert(id.trim_start_matches("duffel:").to_owned());
    assert_eq!(
        duffel.price(&id).await.unwrap_err(),
        SupplierError::OfferExpired(id.clone())
    );
    let err = duffel
        .create_order(&OrderRequest {
            offer_id: id.clone(),
            passengers: vec![person(PassengerType::Adult, "Ada", "f", "1985-12-10", None)],
            mode: OrderMode::Hold,
            idempotency_key: "bk_8".into(),
        })
        .await
        .unwrap_err();
    assert_eq!(err, SupplierError::OfferExpired(id));
}

#[tokio::test]
async fn rate_limited_answers_pause_calls_until_the_reset() {
    let (server, _fake) = fake_duffel().await;
    let reset = (chrono::Utc::now() + chrono::Duration::seconds(30))
        .to_rfc2822()
        .replace("+0000", "GMT");
    Mock::given(method("GET"))
        .and(path_regex("^/air/offers/"))
        .respond_with(
            ResponseTemplate::new(429)
                .insert_header("x-request-id", "FkRateLimited")
                .insert_header("ratelimit-limit", "60")
                .insert_header("ratelimit-remaining", "0")
                .insert_header("ratelimit-reset", reset.as_str())
                .set_body_json(json!({
                    "meta": {"status": 429, "request_id": "FkRateLimited"},
                    "errors": [{"type": "rate_limit_error", "code": "rate_limit_exceeded",
                                "title": "Rate limit exceeded",
                                "message": "Retry your request after the time specified in the `ratelimit-reset` header."}]
                })),
        )
        .with_priority(1)
        .expect(1)
        .mount(&server)
        .await;
    let duffel = supplier(&server);
    let limited = SupplierError::RateLimited {
        supplier: "duffel".into(),
    };
    assert_eq!(duffel.price("duffel:off_1").await.unwrap_err(), limited);
    // Within the reset window nothing more goes out, to any endpoint.
    assert_eq!(duffel.price("duffel:off_1").await.unwrap_err(), limited);
    assert_eq!(duffel.search(&one_way()).await.unwrap_err(), limited);
    server.verify().await;
    assert_eq!(server.received_requests().await.unwrap().len(), 1);
}

#[tokio::test]
async fn server_errors_are_unavailable_and_name_the_request_id() {
    let (server, _fake) = fake_duffel().await;
    Mock::given(method("POST"))
        .and(path("/air/offer_requests"))
        .respond_with(
            ResponseTemplate::new(500)
                .insert_header("x-request-id", "FkBoom500")
                .set_body_raw(
                    "<html><body>Internal Server Error</body></html>",
                    "text/html",
                ),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path_regex("^/air/orders/"))
        .respond_with(
            ResponseTemplate::new(503).insert_header("x-request-id", "FkBusy503").set_body_json(json!({
                "meta": {"status": 503, "request_id": "FkBusy503"},
                "errors": [{"type": "api_error", "code": "service_unavailable", "title": "Unavailable",
                            "message": "Try again later."}]
            })),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    let duffel = supplier(&server);
    let err = duffel.search(&one_way()).await.unwrap_err();
    assert!(
        matches!(&err, SupplierError::Unavailable { reason, .. } if reason.contains("500") && reason.contains("FkBoom500")),
        "{err:?}"
    );
    let err = duffel.get_order("duffel:ord_1").await.unwrap_err();
    assert!(
        matches!(&err, SupplierError::Unavailable { reason, .. } if reason.contains("service_unavailable") && reason.contains("FkBusy503")),
        "{err:?}"
    );
}

#[tokio::test]
async fn a_validation_refusal_is_rejected_with_duffels_code() {
    let (server, _fake) = fake_duffel().await;
    let mut s = one_way();
    s.max_connections = 3;
    let err = supplier(&server).search(&s).await.unwrap_err();
    assert!(
        matches!(&err, SupplierError::Rejected { code, message, .. } if code == "validation_format" && message.contains("FkReq")),
        "{err:?}"
    );
}

#[tokio::test]
async fn malformed_bodies_are_protocol_errors_not_panics() {
    let (server, _fake) = fake_duffel().await;
    Mock::given(method("GET"))
        .and(path("/air/offers/off_0000Truncated"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(r#"{"data": {"id": "off_0000Trunc"#, "application/json"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/air/offers/off_0000WrongShape"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_json(json!({"data": {"id": "off_0000WrongShape", "unexpected": true}})),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("GET"))
        .and(path("/air/orders/ord_0000Garbage"))
        .respond_with(
            ResponseTemplate::new(200)
                .set_body_raw(vec![0xff, 0xfe, 0x00, 0x12], "application/json"),
        )
        .with_priority(1)
        .mount(&server)
        .await;
    Mock::given(method("POST"))
        .and(path("/air/order_cancellations"))
        .respond_with(ResponseTemplate::new(422).set_body_raw("not json at all", "text/plain"))
        .with_priority(1)
        .mount(&server)
        .await;
    let duffel = supplier(&server);
    for result in [
        duffel.price("duffel:off_0000Truncated").await.map(|_| ()),
        duffel.price("duffel:off_0000WrongShape").await.map(|_| ()),
        duffel.get_order("duffel:ord_0000Garbage").await.map(|_| ()),
        duffel
            .quote_cancellation("duffel:ord_0000Any")
            .await
            .map(|_| ()),
    ] {
        assert!(
            matches!(result, Err(SupplierError::Protocol { .. })),
            "{result:?}"
        );
    }
}

#[tokio::test]
async fn a_slow_duffel_is_a_timeout() {
    let (server, _fake) = fake_duffel().await;
    Mock::given(method("POST"))
        .and(path("/air/offer_requests"))
        .respond_with(ResponseTemplate::new(201).set_delay(Duration::from_secs(3)))
        .with_priority(1)
        .mount(&server)
        .await;
    let mut config = config(&server);
    config.search_timeout = Duration::from_millis(200);
    let started = Instant::now();
    let err = DuffelSupplier::new(config)
        .unwrap()
        .search(&one_way())
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::Timeout {
            supplier: "duffel".into()
        }
    );
    assert!(started.elapsed() < Duration::from_secs(2));
}

#[tokio::test]
async fn an_unreachable_duffel_is_unavailable() {
    let (server, _fake) = fake_duffel().await;
    let mut config = config(&server);
    // A port nobody listens on (wiremock pools its servers, so dropping one does not close it).
    let closed = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    config.base_url = format!("http://{}", closed.local_addr().unwrap());
    drop(closed);
    let err = DuffelSupplier::new(config)
        .unwrap()
        .search(&one_way())
        .await
        .unwrap_err();
    assert!(matches!(err, SupplierError::Unavailable { .. }), "{err:?}");
}
