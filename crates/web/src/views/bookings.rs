//! Booking pages: the checkout (`checkout.rs`), paying a held order in the sandbox (with its
//! 3-D Secure page), the order page, "my bookings" and "find my booking". Everything works
//! without JavaScript; `bookings.js` adds the hold countdown, filling a passenger from a saved
//! traveller and a guard against double submits.
//!
//! A guest's order is opened by its guest token, kept in an HttpOnly cookie per order
//! (`wf_order_<id>`) on the order's paths and the sandbox's 3-D Secure path.

#[path = "checkout.rs"]
mod checkout;
#[path = "pay_wallets.rs"]
mod pay_wallets;

use std::collections::HashMap;

use askama::Template;
use askama_web::WebTemplate;
use axum::Router;
use axum::extract::{Path, Query, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use chrono::{DateTime, Datelike, NaiveDate, Utc};
use serde::Deserialize;
use wayfare_booking::{
    Actor, BookingError, ItemView, OrderView, PayRequest, PaymentOptions, Viewer,
};
use wayfare_domain::account::Role;
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::hotel::{CancellationPolicy, LocalizedText};
use wayfare_domain::order::{ItemStatus, OrderStatus, PriceBreakdown};
use wayfare_domain::payment::methods::MethodKind;
use wayfare_domain::{Currency, Money};

use super::flights::{Line, money_text};
use crate::error::{ErrorCode, WebError};
use crate::extract::WebForm;
use crate::i18n::{FluentArg, Locale};
use crate::middleware::RequestContext;
use crate::middleware::context::cookie_value;
use crate::state::AppState;
use crate::views::{Page, see_other, when};

/// Adds the booking pages to the site's router.
pub mod itinerary;

pub fn routes(pages: Router<AppState>) -> Router<AppState> {
    pages
        .route("/checkout", get(checkout::form).post(checkout::submit))
        .route("/bookings/{id}/itinerary.pdf", get(itinerary::download))
        .route("/bookings", get(my_bookings))
        .route("/bookings/find", get(find_form).post(find))
        .route("/bookings/{id}", get(order_page))
        .route("/bookings/{id}/pay", get(pay_form).post(pay))
        .route(
            "/bookings/{id}/wechat",
            get(pay_wallets::wechat_page).post(pay_wallets::wechat_answer),
        )
        .route(
            "/bookings/{id}/wechat/authorized",
            get(pay_wallets::wechat_authorized),
        )
        .route(
            "/bookings/{id}/klarna-session",
            axum::routing::post(pay_wallets::klarna_session),
        )
        .route(
            "/payments/sandbox/authenticate/{payment}",
            get(authenticate_form).post(authenticate),
        )
}

// ------------------------------------------------------------------ the trip being built

/// The query keys that carry a flight being booked with a hotel through the hotel pages.
pub(crate) const TRIP_KEYS: [&str; 3] = ["trip_offer", "trip_seen", "trip_party"];

/// The trip keys present in a query (first value each, bounded), in a fixed order.
pub(crate) fn trip_pairs(pairs: &[(String, String)]) -> Vec<(String, String)> {
    TRIP_KEYS
        .iter()
        .filter_map(|k| {
            pairs
                .iter()
                .find(|(q, v)| q == k && !v.trim().is_empty() && v.len() <= 400)
                .map(|(q, v)| (q.clone(), v.trim().to_owned()))
        })
        .collect()
}

/// `1234.50-CNY`: an amount as a link carries it.
pub(crate) fn seen_param(m: Money) -> String {
    format!("{}-{}", m.amount_string(), m.currency().code())
}

/// Reads `1234.50-CNY`.
pub(crate) fn parse_seen(s: &str) -> Option<Money> {
    let (amount, code) = s.trim().rsplit_once('-')?;
    let currency = Currency::parse(code.trim()).ok()?;
    Money::parse(amount.trim(), currency).ok()
}

/// The checkout link of a hotel rate: with the trip's flight when one is being booked.
pub(crate) fn rate_book_href(rate_id: &str, total: Money, trip: &[(String, String)]) -> String {
    let get = |k: &str| trip.iter().find(|(q, _)| q == k).map(|(_, v)| v.clone());
    let mut pairs: Vec<(String, String)> = Vec::new();
    if let Some(offer) = get("trip_offer") {
        pairs.push(("offer".into(), offer));
        if let Some(seen) = get("trip_seen") {
            pairs.push(("seen".into(), seen));
        }
        if let Some(party) = get("trip_party") {
            let mut it = party.split('.');
            for k in ["adults", "children", "infants"] {
                if let Some(n) = it.next().filter(|n| n.parse::<u8>().is_ok()) {
                    pairs.push((k.into(), n.to_owned()));
                }
            }
        }
    }
    pairs.push(("rate".into(), rate_id.to_owned()));
    pairs.push(("seen".into(), seen_param(total)));
    format!(
        "/checkout?{}",
        serde_urlencoded::to_string(&pairs).unwrap_or_default()
    )
}

// ------------------------------------------------------------------ who may see an order

/// The guest cookie of one order.
fn order_cookie(order_id: &str) -> String {
    format!("wf_order_{order_id}")
}

/// Guest tokens live for three months in the browser.
const GUEST_COOKIE_SECS: u64 = 90 * 24 * 3600;

/// `Set-Cookie` values that let this browser open a guest order: on the order's pages and on
/// the sandbox's 3-D Secure page.
fn guest_cookies(
    state: &AppState,
    ctx: &RequestContext,
    order_id: &str,
    token: &str,
) -> Vec<HeaderValue> {
    let secure = if state.config().secure_cookies || ctx.secure {
        "; Secure"
    } else {
        ""
    };
    let name = order_cookie(order_id);
    [
        format!("/bookings/{order_id}"),
        "/payments/sandbox".to_owned(),
    ]
    .iter()
    .filter_map(|path| {
        HeaderValue::from_str(&format!(
            "{name}={token}; Path={path}; Max-Age={GUEST_COOKIE_SECS}; SameSite=Lax; HttpOnly{secure}"
        ))
        .ok()
    })
    .collect()
}

fn with_cookies(mut res: Response, cookies: Vec<HeaderValue>) -> Response {
    for c in cookies {
        res.headers_mut().append(header::SET_COOKIE, c);
    }
    res
}

fn is_staff(ctx: &RequestContext) -> bool {
    ctx.user.as_ref().is_some_and(|u| {
        u.has_role(Role::Agent) || u.has_role(Role::Supervisor) || u.has_role(Role::Admin)
    })
}

/// Every way this request may open order `order_id`: the session, then the order's guest
/// cookie (or, with no id known yet, every guest cookie sent).
fn viewers(ctx: &RequestContext, headers: &HeaderMap, order_id: Option<&str>) -> Vec<Viewer> {
    let mut out = Vec::new();
    if let Some(u) = &ctx.user {
        out.push(Viewer::User {
            user_id: u.user.id.clone(),
            staff: is_staff(ctx),
        });
    }
    match order_id {
        Some(id) => {
            if let Some(t) =
                cookie_value(headers, &order_cookie(id)).filter(|t| t.starts_with("wfg_"))
            {
                out.push(Viewer::GuestToken(t.to_owned()));
            }
        }
        None => {
            for pair in headers
                .get_all(header::COOKIE)
                .iter()
                .filter_map(|v| v.to_str().ok())
                .flat_map(|v| v.split(';'))
                .filter_map(|p| p.trim().split_once('='))
                .filter(|(k, v)| k.starts_with("wf_order_") && v.starts_with("wfg_"))
                .take(20)
            {
                out.push(Viewer::GuestToken(pair.1.to_owned()));
            }
        }
    }
    out
}

fn actor_of(viewer: &Viewer) -> Actor {
    match viewer {
        Viewer::User { user_id, .. } => Actor::Customer {
            user_id: user_id.clone(),
        },
        Viewer::GuestToken(_) => Actor::Guest,
    }
}

/// The order if this request may see it, with the viewer that opened it; 404 otherwise.
async fn load_order(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    id: &str,
) -> Result<(OrderView, Viewer), WebError> {
    if id.len() > 64 {
        return Err(WebError::not_found());
    }
    for v in viewers(ctx, headers, Some(id)) {
        match state.orders().get(id, &v).await {
            Ok(o) => return Ok((o, v)),
            Err(BookingError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WebError::not_found())
}

// ------------------------------------------------------------------ words

/// Formatting in the page's language: dates, durations, places, money.
struct Words<'a> {
    state: &'a AppState,
    locale: Locale,
    chinese: bool,
    airlines: HashMap<String, String>,
}

impl<'a> Words<'a> {
    fn new(state: &'a AppState, ctx: &RequestContext) -> Words<'a> {
        Words::in_locale(state, ctx.locale)
    }

    fn in_locale(state: &'a AppState, locale: Locale) -> Words<'a> {
        Words {
            state,
            locale,
            chinese: locale.is_chinese(),
            airlines: HashMap::new(),
        }
    }

    /// With the airlines' names (for flight items).
    async fn with_airlines(mut self) -> Words<'a> {
        match self.state.store().airlines().await {
            Ok(list) => self.airlines = list.into_iter().map(|a| (a.iata, a.name)).collect(),
            Err(e) => tracing::warn!(error = %e, "airline names unavailable"),
        }
        self
    }

    fn t(&self, key: &str) -> String {
        self.locale.t(key)
    }

    fn ts(&self, key: &str, args: &[(&'static str, &str)]) -> String {
        let args: Vec<(&str, FluentArg)> = args
            .iter()
            .map(|(k, v)| (*k, FluentArg::Str((*v).to_owned())))
            .collect();
        self.locale.t_args(key, &args)
    }

    fn tn(&self, key: &str, name: &'static str, n: i64) -> String {
        self.locale.t_args(key, &[(name, FluentArg::Num(n))])
    }

    fn money(&self, m: Money) -> String {
        money_text(m, false)
    }

    /// "10 Dec" / "12月10日".
    fn date_short(&self, d: NaiveDate) -> String {
        super::hotels::date_short(self.locale, d)
    }

    /// "Thu 10 Dec" / "12月10日 周四".
    fn date_long(&self, d: NaiveDate) -> String {
        let weekday = self.t(&format!(
            "flights-weekday-{}",
            d.weekday().number_from_monday()
        ));
        let date = self.date_short(d);
        let with_year = if d.year() != self.state.orders().now().year() {
            format!("{date} {}", d.year())
        } else {
            date
        };
        self.ts(
            "flights-date-weekday",
            &[("date", &with_year), ("weekday", &weekday)],
        )
    }

    /// "13 h 20 min".
    fn duration(&self, minutes: i64) -> String {
        let minutes = minutes.max(0);
        let (h, m) = (minutes / 60, minutes % 60);
        match (h, m) {
            (0, m) => self.ts("flights-duration-m", &[("m", &m.to_string())]),
            (h, 0) => self.ts("flights-duration-h", &[("h", &h.to_string())]),
            (h, m) => self.ts(
                "flights-duration-hm",
                &[("h", &h.to_string()), ("m", &m.to_string())],
            ),
        }
    }

    /// The airport's name beside its code badge ("上海 PVG" → "上海").
    fn airport_name(&self, code: &str) -> String {
        let name = self
            .state
            .airports()
            .get(code)
            .map(|a| a.display_name(self.chinese))
            .unwrap_or_else(|| code.to_owned());
        match name.strip_suffix(code).map(str::trim_end) {
            Some(short) if !short.is_empty() => short.to_owned(),
            _ => name,
        }
    }

    /// The city an airport serves, in the reader's language.
    fn city(&self, code: &str) -> String {
        match self.state.airports().get(code) {
            Some(a) => match (&a.city_zh, self.chinese) {
                (Some(zh), true) => zh.clone(),
                _ if !a.city.is_empty() => a.city.clone(),
                _ => a.display_name(self.chinese),
            },
            None => code.to_owned(),
        }
    }

    fn airline(&self, code: &str) -> String {
        self.airlines
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    fn text(&self, t: &LocalizedText) -> String {
        t.get(self.chinese).to_owned()
    }

    fn status(&self, s: OrderStatus) -> String {
        self.t(&format!("bookings-status-{}", s.as_str().replace('_', "-")))
    }
}

/// A CSS modifier for an order status.
fn status_class(s: OrderStatus) -> &'static str {
    match s {
        OrderStatus::Confirmed | OrderStatus::Paid => "is-ok",
        OrderStatus::Held | OrderStatus::AwaitingPayment => "is-waiting",
        OrderStatus::Expired | OrderStatus::Cancelled => "is-off",
    }
}

// ------------------------------------------------------------------ the trip's items

/// One flight of a slice.
#[derive(Debug, Clone)]
pub struct SegmentLine {
    pub dep_time: String,
    pub dep_date: String,
    pub origin: String,
    pub origin_name: String,
    pub arr_time: String,
    pub arr_date: String,
    pub destination: String,
    pub destination_name: String,
    pub flight: String,
    pub carrier: String,
    pub duration: String,
    pub layover: Option<String>,
}

/// One way of a flight item.
#[derive(Debug, Clone)]
pub struct SliceBox {
    pub label: String,
    pub route: String,
    pub date: String,
    pub summary: String,
    pub segments: Vec<SegmentLine>,
}

/// An item of a trip (a flight or a stay) in words, for the checkout and the order page.
#[derive(Debug, Clone, Default)]
pub struct TripItem {
    pub kind: String,
    pub title: String,
    pub status: String,
    pub status_ok: bool,
    pub confirmation: String,
    pub tickets: Vec<String>,
    pub total: String,
    /// The price in the supplier's currency, when the order is in another.
    pub supplier_total: Option<String>,
    pub slices: Vec<SliceBox>,
    pub fare: String,
    pub conditions: Vec<Line>,
    pub hotel_name: String,
    pub stay: String,
    pub rooms: Vec<String>,
    pub plan: String,
    pub cancellation: Vec<Line>,
}

fn flight_item(w: &Words, details: &serde_json::Value, total: Money) -> TripItem {
    let Ok(offer) = serde_json::from_value::<Offer>(details.clone()) else {
        return TripItem {
            kind: "flight".into(),
            title: title_from_details(details),
            total: w.money(total),
            ..Default::default()
        };
    };
    let count = offer.slices.len();
    let slices: Vec<SliceBox> = offer
        .slices
        .iter()
        .enumerate()
        .filter_map(|(i, s)| {
            let first = s.segments.first()?;
            let last = s.segments.last()?;
            let label = match (count, i) {
                (1, _) => w.t("flights-slice-oneway"),
                (2, 0) => w.t("flights-slice-outbound"),
                (2, _) => w.t("flights-slice-return"),
                _ => w.tn("flights-slice-n", "n", i as i64 + 1),
            };
            let segments = s
                .segments
                .iter()
                .enumerate()
                .map(|(j, g)| SegmentLine {
                    dep_time: g.departing_at.format("%H:%M").to_string(),
                    dep_date: w.date_long(g.departing_at.date_naive()),
                    origin: g.origin.to_string(),
                    origin_name: w.airport_name(g.origin.as_str()),
                    arr_time: g.arriving_at.format("%H:%M").to_string(),
                    arr_date: w.date_long(g.arriving_at.date_naive()),
                    destination: g.destination.to_string(),
                    destination_name: w.airport_name(g.destination.as_str()),
                    flight: g.flight_designator(),
                    carrier: w.airline(g.marketing_carrier.as_str()),
                    duration: w.duration(g.duration_minutes),
                    layover: s.segments.get(j + 1).map(|next| {
                        w.ts(
                            "flights-layover",
                            &[
                                (
                                    "duration",
                                    &w.duration((next.departing_at - g.arriving_at).num_minutes()),
                                ),
                                ("airport", &w.airport_name(g.destination.as_str())),
                            ],
                        )
                    }),
                })
                .collect();
            Some(SliceBox {
                label,
                route: format!(
                    "{} {} → {} {}",
                    w.city(s.origin.as_str()),
                    s.origin,
                    w.city(s.destination.as_str()),
                    s.destination
                ),
                date: w.date_long(first.departing_at.date_naive()),
                summary: format!(
                    "{} → {} · {} · {}",
                    first.departing_at.format("%H:%M"),
                    last.arriving_at.format("%H:%M"),
                    w.duration(s.duration_minutes),
                    w.tn("flights-stops", "count", s.stops() as i64)
                ),
                segments,
            })
        })
        .collect();
    let c = &offer.conditions;
    let penalty =
        |allowed: bool, fee: Option<Money>, [with_fee, free, no]: [&str; 3]| match (allowed, fee) {
            (true, Some(p)) if p.minor() > 0 => Line {
                ok: true,
                text: w.ts(with_fee, &[("fee", &w.money(p))]),
            },
            (true, _) => Line {
                ok: true,
                text: w.t(free),
            },
            (false, _) => Line {
                ok: false,
                text: w.t(no),
            },
        };
    let conditions = vec![
        penalty(
            c.refundable,
            c.refund_penalty,
            [
                "flights-refund-fee",
                "flights-refund-free",
                "flights-refund-no",
            ],
        ),
        penalty(
            c.changeable,
            c.change_penalty,
            [
                "flights-change-fee",
                "flights-change-free",
                "flights-change-no",
            ],
        ),
    ];
    let brand = match offer.fare_brand.as_str() {
        b @ ("basic" | "standard" | "flex") => w.t(&format!("flights-brand-{b}")),
        other => other.to_owned(),
    };
    TripItem {
        kind: "flight".into(),
        title: offer
            .slices
            .iter()
            .map(|s| {
                format!(
                    "{} → {}",
                    w.city(s.origin.as_str()),
                    w.city(s.destination.as_str())
                )
            })
            .collect::<Vec<_>>()
            .join(", "),
        total: w.money(total),
        slices,
        fare: format!(
            "{} · {}",
            w.t(&format!(
                "flights-cabin-{}",
                offer.cabin.as_str().replace('_', "-")
            )),
            brand
        ),
        conditions,
        ..Default::default()
    }
}

/// A title from an item's details when they cannot be read in full.
fn title_from_details(details: &serde_json::Value) -> String {
    details["slices"]
        .as_array()
        .map(|slices| {
            slices
                .iter()
                .map(|s| {
                    format!(
                        "{} → {}",
                        s["origin"].as_str().unwrap_or("?"),
                        s["destination"].as_str().unwrap_or("?")
                    )
                })
                .collect::<Vec<_>>()
                .join(", ")
        })
        .unwrap_or_default()
}

#[derive(Debug, Deserialize)]
struct RateRoom {
    #[serde(default)]
    name: LocalizedText,
    #[serde(default)]
    adults: u8,
    #[serde(default)]
    children_ages: Vec<u8>,
}

#[derive(Debug, Deserialize)]
struct RatePrice {
    #[serde(default)]
    nightly: Vec<Money>,
    #[serde(default)]
    rooms: u8,
    total: Money,
}

/// The parts of a hotel rate (as priced or as booked) the pages show.
#[derive(Debug, Deserialize)]
struct RateDetails {
    #[serde(default)]
    hotel_id: String,
    #[serde(default)]
    hotel_name: Option<LocalizedText>,
    #[serde(default)]
    rooms: Vec<RateRoom>,
    #[serde(default)]
    plan_name: LocalizedText,
    #[serde(default)]
    board: String,
    #[serde(default)]
    payment: String,
    cancellation: CancellationPolicy,
    check_in: NaiveDate,
    check_out: NaiveDate,
    price: RatePrice,
}

/// Our own hotels' names, zones and check-in times.
fn builtin_property(state: &AppState, hotel_id: &str) -> Option<wayfare_domain::hotel::Property> {
    let b = state.hotels().builtin()?;
    let pid = wayfare_suppliers::builtin::hotel_supplier::property_of(hotel_id)?;
    b.index().property(pid).map(|l| l.property.clone())
}

fn hotel_item(w: &Words, details: &serde_json::Value, total: Money) -> TripItem {
    let Ok(rate) = serde_json::from_value::<RateDetails>(details.clone()) else {
        return TripItem {
            kind: "hotel".into(),
            title: details["hotel_id"].as_str().unwrap_or("").to_owned(),
            total: w.money(total),
            ..Default::default()
        };
    };
    let property = builtin_property(w.state, &rate.hotel_id);
    let name = rate
        .hotel_name
        .as_ref()
        .map(|n| w.text(n))
        .filter(|n| !n.is_empty())
        .or_else(|| property.as_ref().map(|p| w.text(&p.name)))
        .unwrap_or_else(|| rate.hotel_id.clone());
    let nights = (rate.check_out - rate.check_in).num_days();
    let check_in_at = property
        .as_ref()
        .map(|p| p.check_in_at(rate.check_in))
        .unwrap_or_else(|| {
            rate.check_in
                .and_hms_opt(14, 0, 0)
                .unwrap_or_default()
                .and_utc()
        });
    let zone = property.as_ref().map(|p| p.time_zone);
    let rooms = rate
        .rooms
        .iter()
        .map(|r| {
            let mut party = vec![w.tn("flights-party-adults", "count", i64::from(r.adults))];
            if !r.children_ages.is_empty() {
                party.push(w.tn(
                    "flights-party-children",
                    "count",
                    r.children_ages.len() as i64,
                ));
            }
            format!(
                "{} · {}",
                w.text(&r.name),
                party.join(if w.chinese { "、" } else { ", " })
            )
        })
        .collect();
    let mut plan = w.text(&rate.plan_name);
    if !rate.board.is_empty() {
        let board = w.t(&format!("hotels-board-{}", rate.board));
        if !plan.to_lowercase().contains(&board.to_lowercase()) {
            plan = format!("{plan} · {board}");
        }
    }
    match rate.payment.as_str() {
        "pay_at_hotel" => plan = format!("{plan} · {}", w.t("hotels-rate-pay-at-hotel")),
        "pay_now" => plan = format!("{plan} · {}", w.t("hotels-rate-pay-now")),
        _ => {}
    }
    TripItem {
        kind: "hotel".into(),
        title: name.clone(),
        total: w.money(total),
        hotel_name: name,
        stay: format!(
            "{} – {} · {}",
            w.date_long(rate.check_in),
            w.date_long(rate.check_out),
            w.tn("hotels-nights", "count", nights)
        ),
        rooms,
        plan,
        cancellation: super::hotels::cancellation_lines(
            w.locale,
            &rate.cancellation,
            wayfare_domain::hotel::cancellation::BookedStay {
                nightly: &rate.price.nightly,
                rooms: rate.price.rooms.max(1),
                total: rate.price.total,
            },
            check_in_at,
            zone,
            w.state.orders().now(),
        ),
        ..Default::default()
    }
}

/// An item as priced or booked, by its kind: `total` in the order's currency, `supplier` in
/// the supplier's.
fn trip_item(
    w: &Words,
    kind: &str,
    details: &serde_json::Value,
    total: Money,
    supplier: Money,
) -> TripItem {
    let mut item = match kind {
        "flight" => flight_item(w, details, total),
        _ => hotel_item(w, details, total),
    };
    if supplier.currency() != total.currency() {
        item.supplier_total =
            Some(w.ts("bookings-supplier-price", &[("amount", &w.money(supplier))]));
    }
    item
}

/// A booked item with its status and confirmation.
fn booked_item(w: &Words, item: &ItemView) -> TripItem {
    let mut t = trip_item(
        w,
        &item.kind,
        &item.details,
        item.total_amount,
        item.supplier_amount,
    );
    t.status = w.t(&format!("bookings-item-status-{}", item.status.as_str()));
    t.status_ok = item.status == ItemStatus::Confirmed;
    t.confirmation = item.confirmation.clone().unwrap_or_default();
    t.tickets = item.tickets.clone();
    t
}

// ------------------------------------------------------------------ prices

#[derive(Debug, Clone)]
pub struct PriceRow {
    pub label: String,
    pub amount: String,
}

#[derive(Debug, Clone)]
pub struct PriceGroup {
    pub title: String,
    pub rows: Vec<PriceRow>,
    pub subtotal: String,
}

#[derive(Debug, Clone)]
pub struct PriceView {
    pub groups: Vec<PriceGroup>,
    pub total: String,
}

fn price_view(w: &Words, price: &PriceBreakdown, titles: &[String], total: Money) -> PriceView {
    let mut groups: Vec<PriceGroup> = titles
        .iter()
        .enumerate()
        .map(|(i, title)| PriceGroup {
            title: title.clone(),
            rows: Vec::new(),
            subtotal: price.item_total(i).map(|m| w.money(m)).unwrap_or_default(),
        })
        .collect();
    for line in &price.lines {
        let Some(g) = groups.get_mut(line.item) else {
            continue;
        };
        g.rows.push(PriceRow {
            label: w.t(&format!(
                "bookings-line-{}",
                line.kind.as_str().replace('_', "-")
            )),
            amount: w.money(line.amount),
        });
    }
    PriceView {
        groups,
        total: w.money(total),
    }
}

// ------------------------------------------------------------------ the order page

#[derive(Debug, Clone)]
pub struct TravellerLine {
    pub name: String,
    pub kind: String,
    pub details: Vec<String>,
}

#[derive(Debug, Clone)]
pub struct PaymentLine {
    pub method: String,
    pub amount: String,
    pub status: String,
    pub when: String,
    pub detail: String,
}

#[derive(Debug, Clone)]
pub struct EventLine {
    pub what: String,
    pub when: String,
    pub who: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/order.html")]
pub struct OrderTemplate {
    page: Page,
    id: String,
    reference: String,
    status: String,
    status_class: &'static str,
    confirmed: bool,
    payable: bool,
    /// Waiting for the payment provider's answer: the page looks again by itself.
    processing: bool,
    pending_action: Option<String>,
    /// The words of the link to it: the bank's check, or WeChat Pay's.
    pending_label: String,
    notice: Option<String>,
    hold: Option<Countdown>,
    booked_on: String,
    contact: String,
    items: Vec<TripItem>,
    passengers: Vec<TravellerLine>,
    guests: Vec<TravellerLine>,
    price: PriceView,
    payments: Vec<PaymentLine>,
    refunds: Vec<PaymentLine>,
    timeline: Vec<EventLine>,
}

/// The hold's end: seconds left for the script, the time for readers without it.
#[derive(Debug, Clone)]
pub struct Countdown {
    pub seconds: i64,
    pub clock: String,
    pub until: String,
}

fn countdown(expires: DateTime<Utc>, now: DateTime<Utc>) -> Countdown {
    let seconds = (expires - now).num_seconds().max(0);
    Countdown {
        seconds,
        clock: format!("{:02}:{:02}", seconds / 60, seconds % 60),
        until: when(expires),
    }
}

/// Who did something, in words: the reader themselves, the traveller, an agent, Wayfare.
fn actor_words(w: &Words, actor: &str, me: Option<&str>) -> String {
    if actor == "guest" {
        return w.t("bookings-actor-guest");
    }
    if actor == "system" {
        return w.t("bookings-actor-system");
    }
    if let Some(id) = actor.strip_prefix("user:") {
        return if me == Some(id) {
            w.t("bookings-actor-you")
        } else {
            w.t("bookings-actor-traveller")
        };
    }
    if let Some(id) = actor.strip_prefix("agent:") {
        return if me == Some(id) {
            w.t("bookings-actor-you")
        } else {
            w.t("bookings-actor-agent")
        };
    }
    actor.to_owned()
}

fn event_words(w: &Words, event: &str) -> String {
    let key = format!("bookings-event-{}", event.replace('_', "-"));
    if w.locale.has(&key) {
        w.t(&key)
    } else {
        event.replace('_', " ")
    }
}

/// A sandbox test method's card, without its outcome: "Visa 4242 4242 4242 4242".
fn method_label(method: &str) -> String {
    wayfare_payments::TEST_METHODS
        .iter()
        .find(|(m, _)| *m == method)
        .and_then(|(_, d)| d.split(':').next())
        .map(str::to_owned)
        .unwrap_or_else(|| method.to_owned())
}

fn payment_status_words(w: &Words, status: &str) -> String {
    let key = format!("bookings-payment-status-{}", status.replace('_', "-"));
    if w.locale.has(&key) {
        w.t(&key)
    } else {
        status.to_owned()
    }
}

#[derive(Debug, Deserialize, Default)]
pub struct NoticeQuery {
    #[serde(default)]
    notice: Option<String>,
}

pub async fn order_page(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<NoticeQuery>,
) -> Result<Response, WebError> {
    let (order, _) = load_order(&state, &ctx, &headers, &id).await?;
    let w = Words::new(&state, &ctx).with_airlines().await;
    let now = state.orders().now();
    let me = ctx.user.as_ref().map(|u| u.user.id.clone());
    let items: Vec<TripItem> = order.items.iter().map(|i| booked_item(&w, i)).collect();
    let titles: Vec<String> = items.iter().map(|i| i.title.clone()).collect();
    let mut passengers = Vec::new();
    let mut guests = Vec::new();
    for t in &order.travellers {
        let name = format!("{} {}", t.family_name, t.given_name)
            .trim()
            .to_owned();
        if t.role == "guest" {
            let mut details = Vec::new();
            if let Some(room) = t.room {
                let hotel = t
                    .item
                    .and_then(|i| items.get(i))
                    .map(|i| i.title.clone())
                    .unwrap_or_default();
                details.push(w.ts(
                    "bookings-guest-room",
                    &[("room", &(room + 1).to_string()), ("hotel", &hotel)],
                ));
            }
            if let Some(s) = t.special_requests.as_deref().filter(|s| !s.is_empty()) {
                details.push(w.ts("bookings-special-requests-shown", &[("text", s)]));
            }
            guests.push(TravellerLine {
                name,
                kind: w.t("bookings-lead-guest"),
                details,
            });
        } else {
            let mut details = Vec::new();
            if let Some(b) = t.born_on {
                details.push(w.ts("bookings-born-on", &[("date", &b.to_string())]));
            }
            if let Some(n) = &t.nationality {
                details.push(w.ts("bookings-nationality-shown", &[("country", n)]));
            }
            if let Some(l) = &t.passport_last4 {
                let expiry = t
                    .passport_expires_on
                    .map(|d| d.to_string())
                    .unwrap_or_default();
                details.push(w.ts(
                    "bookings-passport-shown",
                    &[("last4", l), ("expiry", &expiry)],
                ));
            }
            passengers.push(TravellerLine {
                name,
                kind: w.t(&format!("bookings-kind-{}", t.kind)),
                details,
            });
        }
    }
    let payments = order
        .payments
        .iter()
        .map(|p| PaymentLine {
            method: method_label(&p.payment_method),
            amount: w.money(p.amount),
            status: payment_status_words(&w, &p.status),
            when: when(p.created_at),
            detail: {
                let mut parts = Vec::new();
                if let Some(n) = p.instalments {
                    parts.push(w.ts(
                        "bookings-payment-instalments",
                        &[("count", &n.to_string()), ("fee", &w.money(p.fee))],
                    ));
                }
                if p.captured.minor() > 0 {
                    parts.push(w.ts(
                        "bookings-payment-captured",
                        &[("amount", &w.money(p.captured))],
                    ));
                }
                parts.join(" · ")
            },
        })
        .collect();
    // Waiting for the provider (a late notification, a lost answer): say so, and look again.
    let processing = order.status == OrderStatus::AwaitingPayment
        && order.pending_action().is_none()
        && order.payments.iter().any(|p| p.status == "processing");
    let refunds = order
        .refunds
        .iter()
        .map(|r| PaymentLine {
            method: String::new(),
            amount: w.money(r.amount),
            status: payment_status_words(&w, &r.status),
            when: when(r.created_at),
            detail: r.reason.clone(),
        })
        .collect();
    let timeline = order
        .timeline
        .iter()
        .map(|e| EventLine {
            what: event_words(&w, &e.event),
            when: when(e.at),
            who: actor_words(&w, &e.actor, me.as_deref()),
        })
        .collect();
    let held = order.status == OrderStatus::Held && order.hold_expires_at > now;
    let notice = match q.notice.as_deref() {
        Some("confirmation-failed") => Some(
            WebError::new(ErrorCode::ConfirmationFailed)
                .arg("reference", order.reference.clone())
                .message(ctx.locale),
        ),
        Some("in-progress") if !processing => Some(w.t("bookings-payment-in-progress")),
        _ => None,
    };
    let tpl = OrderTemplate {
        page: Page::new(&state, &ctx),
        id: order.id.clone(),
        reference: order.reference.clone(),
        status: w.status(order.status),
        status_class: status_class(order.status),
        confirmed: order.status == OrderStatus::Confirmed,
        payable: held,
        pending_action: next_step(&state, &order),
        pending_label: w.t(
            if order
                .pending_action()
                .is_some_and(|p| p.provider == wayfare_payments::wechatpay::NAME)
            {
                "bookings-wechat-continue"
            } else {
                "bookings-finish-3ds"
            },
        ),
        notice,
        processing,
        hold: (order.status.holds_inventory_unpaid() && order.hold_expires_at > now)
            .then(|| countdown(order.hold_expires_at, now)),
        booked_on: when(order.created_at),
        contact: format!("{} · {}", order.contact_email, order.contact_phone),
        price: price_view(&w, &order.price, &titles, order.total_amount),
        items,
        passengers,
        guests,
        payments,
        refunds,
        timeline,
    };
    Ok(tpl.into_response())
}

// ------------------------------------------------------------------ my bookings

#[derive(Debug, Clone)]
pub struct BookingRow {
    pub id: String,
    pub reference: String,
    pub titles: String,
    pub dates: String,
    pub total: String,
    pub status: String,
    pub status_class: &'static str,
    pub pay_href: Option<String>,
    pub placed_by_agent: bool,
}

/// Upcoming, past, or cancelled and expired.
#[derive(Debug, Clone)]
pub struct BookingSection {
    pub key: &'static str,
    pub title: String,
    pub empty: String,
    pub rows: Vec<BookingRow>,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/list.html")]
pub struct ListTemplate {
    page: Page,
    sections: Vec<BookingSection>,
}

pub async fn my_bookings(
    State(state): State<AppState>,
    ctx: RequestContext,
    user: crate::auth::SignedInUser,
) -> Result<ListTemplate, WebError> {
    let w = Words::new(&state, &ctx);
    let now = state.orders().now();
    let list = state.orders().list_for(&user.user.id, 200).await?;
    let (mut upcoming, mut past, mut ended) = (Vec::new(), Vec::new(), Vec::new());
    for o in list {
        let unpaid_and_open = o.status.holds_inventory_unpaid() && o.hold_expires_at > now;
        // A hold that ran out is expired even before the sweeper gets to it.
        let status = if o.status.holds_inventory_unpaid() && !unpaid_and_open {
            OrderStatus::Expired
        } else {
            o.status
        };
        let start = o.starts_at.date_naive();
        let end = o.ends_at.date_naive();
        let row = BookingRow {
            reference: o.reference.clone(),
            titles: o.titles.join(" · "),
            dates: if start == end {
                w.date_long(start)
            } else {
                format!("{} – {}", w.date_long(start), w.date_long(end))
            },
            total: w.money(o.total_amount),
            status: w.status(status),
            status_class: status_class(status),
            pay_href: (o.status == OrderStatus::Held && unpaid_and_open)
                .then(|| format!("/bookings/{}/pay", o.id)),
            placed_by_agent: o.agent_id.as_deref() == Some(user.user.id.as_str()),
            id: o.id,
        };
        match status {
            OrderStatus::Held | OrderStatus::AwaitingPayment => upcoming.push(row),
            OrderStatus::Paid | OrderStatus::Confirmed if o.starts_at > now => upcoming.push(row),
            OrderStatus::Paid | OrderStatus::Confirmed => past.push(row),
            OrderStatus::Expired | OrderStatus::Cancelled => ended.push(row),
        }
    }
    let section = |key: &'static str, title: &str, empty: &str, rows| BookingSection {
        key,
        title: w.t(title),
        empty: w.t(empty),
        rows,
    };
    let sections = vec![
        section(
            "upcoming",
            "bookings-upcoming",
            "bookings-upcoming-empty",
            upcoming,
        ),
        section("past", "bookings-past", "bookings-past-empty", past),
        section("ended", "bookings-ended", "bookings-ended-empty", ended),
    ];
    Ok(ListTemplate {
        page: Page::new(&state, &ctx),
        sections,
    })
}

// ------------------------------------------------------------------ find my booking

#[derive(Template, WebTemplate)]
#[template(path = "bookings/find.html")]
pub struct FindTemplate {
    page: Page,
    reference: String,
    email: String,
    error: Option<String>,
}

pub async fn find_form(State(state): State<AppState>, ctx: RequestContext) -> FindTemplate {
    FindTemplate {
        page: Page::new(&state, &ctx),
        reference: String::new(),
        email: String::new(),
        error: None,
    }
}

#[derive(Debug, Deserialize)]
pub struct FindForm {
    #[serde(default)]
    reference: String,
    #[serde(default)]
    email: String,
}

pub async fn find(
    State(state): State<AppState>,
    ctx: RequestContext,
    WebForm(form): WebForm<FindForm>,
) -> Result<Response, WebError> {
    let reference: String = form.reference.trim().chars().take(20).collect();
    let email: String = form.email.trim().chars().take(254).collect();
    let meta = ctx.meta();
    state.accounts().lookup_allowed(&meta).await?;
    match state.orders().find_by_reference(&reference, &email).await {
        Ok((order, token)) => {
            let cookies = guest_cookies(&state, &ctx, &order.id, &token);
            Ok(with_cookies(
                see_other(&format!("/bookings/{}", order.id)),
                cookies,
            ))
        }
        Err(BookingError::NotFound) => {
            state.accounts().lookup_missed(&meta).await;
            let tpl = FindTemplate {
                page: Page::new(&state, &ctx),
                error: Some(ctx.locale.t("bookings-find-not-found")),
                reference,
                email,
            };
            Ok((StatusCode::NOT_FOUND, tpl).into_response())
        }
        Err(e) => Err(e.into()),
    }
}

// ------------------------------------------------------------------ paying

/// A sandbox test card to choose.
#[derive(Debug, Clone)]
pub struct CardChoice {
    pub value: String,
    pub label: String,
    pub outcome: String,
    pub selected: bool,
}

/// The sandbox's test cards: those that pay, and the rest (declines, the bank's check). The
/// sandbox's own failure switches (`sandbox only`) are left to the API.
fn card_choices(w: &Words, selected: &str) -> (Vec<CardChoice>, Vec<CardChoice>) {
    let mut pays = Vec::new();
    let mut more = Vec::new();
    for (m, d) in wayfare_payments::TEST_METHODS {
        if d.starts_with("the same as") || d.starts_with("sandbox only") {
            continue;
        }
        let (label, rest) = d.split_once(':').unwrap_or((d, ""));
        let rest = rest.trim();
        let fails = ["fails with ", "fail with "]
            .iter()
            .find_map(|p| rest.find(p).map(|at| &rest[at + p.len()..]));
        let succeeds = rest.starts_with("succeeds");
        let outcome = if succeeds {
            w.t("bookings-card-succeeds")
        } else if rest.contains("3-D Secure") {
            w.t("bookings-card-3ds")
        } else if let Some(code) = fails {
            w.ts("bookings-card-fails", &[("code", code.trim())])
        } else {
            rest.to_owned()
        };
        let choice = CardChoice {
            value: (*m).to_owned(),
            label: label.trim().to_owned(),
            outcome,
            selected: *m == selected,
        };
        if succeeds {
            pays.push(choice);
        } else {
            more.push(choice);
        }
    }
    (pays, more)
}

/// A way of paying on the payment page.
#[derive(Debug, Clone)]
pub struct MethodChoice {
    pub kind: String,
    pub label: String,
    pub hint: String,
    pub checked: bool,
}

/// An instalment plan on the payment page.
#[derive(Debug, Clone)]
pub struct PlanChoice {
    pub count: u8,
    /// "3 × €206.00"
    pub label: String,
    /// "Fee €18.00 · €618.00 in all · due 24 Nov, 24 Dec, 24 Jan"
    pub detail: String,
    pub checked: bool,
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/pay.html")]
pub struct PayTemplate {
    page: Page,
    id: String,
    reference: String,
    hold: Countdown,
    items: Vec<TripItem>,
    price: PriceView,
    methods: Vec<MethodChoice>,
    /// The card connector is the sandbox: its test cards are listed.
    sandbox_cards: bool,
    /// The card connector is Stripe: Stripe.js tokenises the card in the browser.
    stripe: Option<crate::state::StripeJsConfig>,
    /// Klarna is offered: its widget's script.
    klarna_js: Option<String>,
    saved: Vec<CardChoice>,
    cards: Vec<CardChoice>,
    more_cards: Vec<CardChoice>,
    more_open: bool,
    plans: Vec<PlanChoice>,
    nonce: String,
    error: Option<String>,
}

/// What the traveller chose last (kept when the page is shown again after a decline).
#[derive(Debug, Clone, Default)]
struct PayChoice {
    method: String,
    card: String,
    instalments: Option<u8>,
}

fn method_words(w: &Words, kind: MethodKind) -> (String, String) {
    let k = kind.as_str();
    (
        w.t(&format!("bookings-method-{k}")),
        w.t(&format!("bookings-method-{k}-hint")),
    )
}

/// The page's methods: those the order is offered that the page can take (Klarna when its
/// widget's script is configured), instalments only with the card connector.
fn page_methods(
    w: &Words,
    options: &PaymentOptions,
    chosen: &PayChoice,
    klarna_widget: bool,
) -> (Vec<MethodChoice>, Option<String>) {
    let card_provider = options
        .offer(MethodKind::Card, None)
        .map(|o| o.provider.clone());
    let mut out: Vec<MethodChoice> = Vec::new();
    for m in &options.methods {
        let shown = match m.kind {
            MethodKind::Card | MethodKind::PayPal | MethodKind::Alipay | MethodKind::WeChatPay => {
                true
            }
            MethodKind::Instalments => {
                card_provider.as_deref() == Some(m.provider.as_str())
                    && !options.instalments.is_empty()
            }
            MethodKind::Klarna => klarna_widget,
        };
        if shown {
            let (label, hint) = method_words(w, m.kind);
            out.push(MethodChoice {
                kind: m.kind.as_str().to_owned(),
                label,
                hint,
                checked: false,
            });
        }
    }
    let pick = out
        .iter()
        .position(|m| m.kind == chosen.method)
        .unwrap_or(0);
    if let Some(m) = out.get_mut(pick) {
        m.checked = true;
    }
    (out, card_provider)
}

fn plan_choices(w: &Words, options: &PaymentOptions, chosen: &PayChoice) -> Vec<PlanChoice> {
    let mut plans: Vec<PlanChoice> = options
        .instalments
        .iter()
        .map(|p| {
            let first = p
                .quote
                .instalments
                .first()
                .copied()
                .unwrap_or(p.quote.total);
            let dates = p
                .due_dates
                .iter()
                .map(|d| w.date_short(*d))
                .collect::<Vec<_>>()
                .join(", ");
            PlanChoice {
                count: p.quote.count,
                label: w.ts(
                    "bookings-plan-label",
                    &[
                        ("count", &p.quote.count.to_string()),
                        ("amount", &w.money(first)),
                    ],
                ),
                detail: w.ts(
                    "bookings-plan-detail",
                    &[
                        ("fee", &w.money(p.quote.fee)),
                        ("total", &w.money(p.quote.total)),
                        ("dates", &dates),
                    ],
                ),
                checked: chosen.instalments == Some(p.quote.count),
            }
        })
        .collect();
    if !plans.iter().any(|p| p.checked)
        && let Some(p) = plans.first_mut()
    {
        p.checked = true;
    }
    plans
}

fn saved_choices(
    options: &PaymentOptions,
    card_provider: Option<&str>,
    chosen: &str,
) -> Vec<CardChoice> {
    options
        .saved_cards
        .iter()
        .filter(|c| Some(c.provider.as_str()) == card_provider)
        .map(|c| {
            let value = format!("saved:{}", c.id);
            CardChoice {
                selected: value == chosen,
                label: format!("{} •••• {}", upper_brand(&c.brand), c.last4),
                outcome: format!("{:02}/{}", c.exp_month, c.exp_year % 100),
                value,
            }
        })
        .collect()
}

fn upper_brand(brand: &str) -> String {
    match brand {
        "visa" => "Visa".into(),
        "mastercard" => "Mastercard".into(),
        "amex" => "American Express".into(),
        "unionpay" => "UnionPay".into(),
        "jcb" => "JCB".into(),
        "discover" => "Discover".into(),
        "diners" => "Diners Club".into(),
        other => other.to_owned(),
    }
}

#[derive(Template, WebTemplate)]
#[template(path = "bookings/expired.html")]
pub struct ExpiredTemplate {
    page: Page,
    id: String,
    reference: String,
}

/// A random token: the idempotency key of one rendering of a form.
fn nonce() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789abcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..24)
        .map(|_| char::from(ALPHABET[rng.random_range(0..ALPHABET.len())]))
        .collect()
}

fn expired_page(state: &AppState, ctx: &RequestContext, order: &OrderView) -> Response {
    (
        StatusCode::CONFLICT,
        ExpiredTemplate {
            page: Page::new(state, ctx),
            id: order.id.clone(),
            reference: order.reference.clone(),
        },
    )
        .into_response()
}

/// The message for a declined payment, by the bank's reason when we have words for it.
fn declined_message(w: &Words, code: &str) -> String {
    let key = format!("bookings-declined-{}", code.replace('_', "-"));
    if w.locale.has(&key) {
        w.t(&key)
    } else {
        WebError::new(ErrorCode::PaymentDeclined).message(w.locale)
    }
}

async fn render_pay(
    state: &AppState,
    ctx: &RequestContext,
    order: &OrderView,
    viewer: &Viewer,
    chosen: &PayChoice,
    error: Option<String>,
    status: StatusCode,
) -> Result<Response, WebError> {
    let w = Words::new(state, ctx).with_airlines().await;
    let now = state.orders().now();
    let options = state
        .orders()
        .payment_options(&order.id, viewer, None)
        .await?;
    let items: Vec<TripItem> = order.items.iter().map(|i| booked_item(&w, i)).collect();
    let titles: Vec<String> = items.iter().map(|i| i.title.clone()).collect();
    let klarna_js = state.config().klarna_js_url.clone();
    let (methods, card_provider) = page_methods(&w, &options, chosen, klarna_js.is_some());
    let klarna_js = klarna_js.filter(|_| methods.iter().any(|m| m.kind == "klarna"));
    let sandbox_cards = card_provider.as_deref() == Some("sandbox");
    let stripe = match (card_provider.as_deref(), &state.config().stripe_js) {
        (Some("stripe"), Some(s)) => Some(s.clone()),
        _ => None,
    };
    // Ticked: the traveller's last choice, else their first saved card, else the test Visa.
    let selected = if chosen.card.is_empty() {
        options
            .saved_cards
            .iter()
            .find(|c| Some(c.provider.as_str()) == card_provider.as_deref())
            .map_or_else(|| "pm_card_visa".to_owned(), |c| format!("saved:{}", c.id))
    } else {
        chosen.card.clone()
    };
    let saved = saved_choices(&options, card_provider.as_deref(), &selected);
    let (cards, more_cards) = if sandbox_cards {
        card_choices(&w, &selected)
    } else {
        (Vec::new(), Vec::new())
    };
    let plans = plan_choices(&w, &options, chosen);
    let tpl = PayTemplate {
        page: Page::new(state, ctx),
        id: order.id.clone(),
        reference: order.reference.clone(),
        hold: countdown(order.hold_expires_at, now),
        price: price_view(&w, &order.price, &titles, order.total_amount),
        items,
        methods,
        sandbox_cards,
        stripe,
        klarna_js,
        saved,
        more_open: more_cards.iter().any(|c| c.selected),
        cards,
        more_cards,
        plans,
        nonce: nonce(),
        error,
    };
    Ok((status, tpl).into_response())
}

#[derive(Debug, Deserialize, Default)]
pub struct PayQuery {
    #[serde(default)]
    declined: Option<String>,
}

pub async fn pay_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    Query(q): Query<PayQuery>,
) -> Result<Response, WebError> {
    let (order, viewer) = load_order(&state, &ctx, &headers, &id).await?;
    let now = state.orders().now();
    match order.status {
        OrderStatus::Held if order.hold_expires_at > now => {}
        OrderStatus::Held | OrderStatus::Expired => return Ok(expired_page(&state, &ctx, &order)),
        OrderStatus::AwaitingPayment => {
            if let Some(url) = next_step(&state, &order) {
                return Ok(see_other(&url));
            }
            return Ok(see_other(&format!("/bookings/{id}?notice=in-progress")));
        }
        _ => return Ok(see_other(&format!("/bookings/{id}"))),
    }
    let w = Words::new(&state, &ctx);
    let error = q
        .declined
        .as_deref()
        .map(|c| declined_message(&w, &c.chars().take(60).collect::<String>()));
    render_pay(
        &state,
        &ctx,
        &order,
        &viewer,
        &PayChoice::default(),
        error,
        StatusCode::OK,
    )
    .await
}

#[derive(Debug, Deserialize)]
pub struct PayForm {
    /// `card`, `instalments`, `paypal`, `alipay`, `wechatpay`, `klarna`; empty: card.
    #[serde(default)]
    method: String,
    /// A sandbox test method, or `saved:<id>` for a saved card.
    #[serde(default)]
    payment_method: String,
    /// The `pm_…` Stripe.js made in the browser.
    #[serde(default)]
    stripe_token: String,
    /// The authorisation token Klarna's widget gave.
    #[serde(default)]
    klarna_token: String,
    #[serde(default)]
    instalments: String,
    #[serde(default)]
    nonce: String,
}

pub async fn pay(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    WebForm(form): WebForm<PayForm>,
) -> Result<Response, WebError> {
    let (order, viewer) = load_order(&state, &ctx, &headers, &id).await?;
    let card: String = form.payment_method.trim().chars().take(100).collect();
    let kind = match form.method.trim() {
        "" => MethodKind::Card,
        m => MethodKind::parse(m).unwrap_or(MethodKind::Card),
    };
    let instalments = if kind == MethodKind::Instalments {
        Some(form.instalments.trim().parse::<u8>().unwrap_or(0))
    } else {
        None
    };
    let chosen = PayChoice {
        method: kind.as_str().to_owned(),
        card: card.clone(),
        instalments,
    };
    let key = if form.nonce.trim().is_empty() || form.nonce.len() > 100 {
        nonce()
    } else {
        form.nonce.trim().to_owned()
    };
    let (payment_method, saved) = match kind {
        MethodKind::Card | MethodKind::Instalments => match card.strip_prefix("saved:") {
            Some(id) => (String::new(), Some(id.to_owned())),
            None if !form.stripe_token.trim().is_empty() => {
                (form.stripe_token.trim().chars().take(100).collect(), None)
            }
            None => (card.clone(), None),
        },
        MethodKind::Klarna => {
            let token: String = form.klarna_token.trim().chars().take(200).collect();
            if token.is_empty() {
                // Klarna's widget gives the token; without it (no script) there is nothing
                // to pay with.
                let w = Words::new(&state, &ctx);
                return render_pay(
                    &state,
                    &ctx,
                    &order,
                    &viewer,
                    &chosen,
                    Some(w.t("bookings-klarna-needs-js")),
                    StatusCode::UNPROCESSABLE_ENTITY,
                )
                .await;
            }
            (token, None)
        }
        MethodKind::WeChatPay => match pay_wallets::wechat_way(&state, &ctx, &headers, &id, &key) {
            pay_wallets::WeChatWay::Method(m) => (m, None),
            pay_wallets::WeChatWay::Authorize(res) => return Ok(res),
        },
        MethodKind::PayPal | MethodKind::Alipay => (String::new(), None),
    };
    let result = state
        .orders()
        .pay(
            &id,
            &viewer,
            &actor_of(&viewer),
            &PayRequest {
                method: Some(kind),
                provider: String::new(),
                payment_method,
                saved_payment_method: saved,
                instalments,
                country: None,
                idempotency_key: key,
                payer_ip: ctx.ip.clone(),
            },
        )
        .await;
    answer_payment(&state, &ctx, &id, order, &viewer, &chosen, result).await
}

/// The page after a payment was asked for: the next step, or the payment page again with what
/// went wrong.
async fn answer_payment(
    state: &AppState,
    ctx: &RequestContext,
    id: &str,
    order: OrderView,
    viewer: &Viewer,
    chosen: &PayChoice,
    result: Result<OrderView, BookingError>,
) -> Result<Response, WebError> {
    let orders = state.orders();
    let w = Words::new(state, ctx);
    match result {
        Ok(view) => Ok(after_payment(state, &view)),
        Err(BookingError::PaymentDeclined { code, decline_code }) => {
            let order = orders.get(id, viewer).await?;
            let msg = declined_message(&w, decline_code.as_deref().unwrap_or(&code));
            render_pay(
                state,
                ctx,
                &order,
                viewer,
                chosen,
                Some(msg),
                StatusCode::PAYMENT_REQUIRED,
            )
            .await
        }
        Err(BookingError::HoldExpired) => {
            let order = orders.get(id, viewer).await.unwrap_or(order);
            Ok(expired_page(state, ctx, &order))
        }
        Err(BookingError::PaymentInProgress) => {
            // A second click while the first is under way: wait for the first to finish.
            for _ in 0..40 {
                tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                let now = orders.get(id, viewer).await?;
                if now.status != OrderStatus::AwaitingPayment || now.pending_action().is_some() {
                    return Ok(after_payment(state, &now));
                }
            }
            Ok(see_other(&format!("/bookings/{id}?notice=in-progress")))
        }
        Err(BookingError::ConfirmationFailed { .. }) => Ok(see_other(&format!(
            "/bookings/{id}?notice=confirmation-failed"
        ))),
        Err(BookingError::NotPayable { .. }) => Ok(see_other(&format!("/bookings/{id}"))),
        Err(e @ (BookingError::Invalid { .. } | BookingError::PaymentUnavailable)) => {
            let e = WebError::from(e);
            let order = orders.get(id, viewer).await?;
            if order.status != OrderStatus::Held {
                return Ok(see_other(&format!("/bookings/{id}")));
            }
            render_pay(
                state,
                ctx,
                &order,
                viewer,
                chosen,
                Some(e.message(ctx.locale)),
                e.code.status(),
            )
            .await
        }
        Err(e) => Err(e.into()),
    }
}

/// Where a payment waiting for the traveller continues: WeChat Pay's own steps, else the
/// provider's page (the bank's check, PayPal, Alipay).
fn next_step(state: &AppState, view: &OrderView) -> Option<String> {
    pay_wallets::wechat_next(state, view).or_else(|| {
        view.pending_action()
            .and_then(|p| p.next_action_url.clone())
    })
}

/// Where to go once a payment answered: the bank's check, or the order.
fn after_payment(state: &AppState, view: &OrderView) -> Response {
    match next_step(state, view) {
        Some(url) if view.status == OrderStatus::AwaitingPayment => see_other(&url),
        _ => see_other(&format!("/bookings/{}", view.id)),
    }
}

// ------------------------------------------------------------------ the sandbox's 3-D Secure

#[derive(Template, WebTemplate)]
#[template(path = "bookings/authenticate.html")]
pub struct AuthenticateTemplate {
    page: Page,
    payment: String,
    reference: String,
    amount: String,
    method: String,
}

/// The order behind a sandbox payment, for whoever may see it.
async fn action_order(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    payment: &str,
) -> Result<(OrderView, String, Viewer), WebError> {
    if payment.len() > 100 {
        return Err(WebError::not_found());
    }
    for v in viewers(ctx, headers, None) {
        match state
            .orders()
            .payment_for_action("sandbox", payment, &v)
            .await
        {
            Ok((order, payment_id)) => return Ok((order, payment_id, v)),
            Err(BookingError::NotFound) => continue,
            Err(e) => return Err(e.into()),
        }
    }
    Err(WebError::not_found())
}

pub async fn authenticate_form(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(payment): Path<String>,
) -> Result<Response, WebError> {
    let (order, payment_id, _) = action_order(&state, &ctx, &headers, &payment).await?;
    let Some(p) = order
        .payments
        .iter()
        .find(|p| p.id == payment_id && p.status == "requires_action")
    else {
        // Answered already: the order says how it ended.
        return Ok(see_other(&format!("/bookings/{}", order.id)));
    };
    let w = Words::new(&state, &ctx);
    Ok(AuthenticateTemplate {
        page: Page::new(&state, &ctx),
        reference: order.reference.clone(),
        amount: w.money(p.amount),
        method: method_label(&p.payment_method),
        payment,
    }
    .into_response())
}

#[derive(Debug, Deserialize)]
pub struct AuthenticateForm {
    #[serde(default)]
    answer: String,
}

pub async fn authenticate(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(payment): Path<String>,
    WebForm(form): WebForm<AuthenticateForm>,
) -> Result<Response, WebError> {
    let (order, payment_id, viewer) = action_order(&state, &ctx, &headers, &payment).await?;
    let approved = form.answer == "approve";
    match state
        .orders()
        .complete_payment_action(
            &order.id,
            &payment_id,
            approved,
            &viewer,
            &actor_of(&viewer),
        )
        .await
    {
        Ok(view) => Ok(see_other(&format!("/bookings/{}", view.id))),
        Err(BookingError::PaymentDeclined { code, decline_code }) => Ok(see_other(&format!(
            "/bookings/{}/pay?declined={}",
            order.id,
            crate::auth::url_encode(decline_code.as_deref().unwrap_or(&code))
        ))),
        Err(BookingError::HoldExpired) => Ok(see_other(&format!("/bookings/{}/pay", order.id))),
        Err(BookingError::ConfirmationFailed { .. }) => Ok(see_other(&format!(
            "/bookings/{}?notice=confirmation-failed",
            order.id
        ))),
        Err(e) => Err(e.into()),
    }
}
