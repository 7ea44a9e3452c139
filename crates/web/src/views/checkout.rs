//! The checkout: `GET /checkout?offer=…&rate=…&seen=…&adults=…` prices the trip again and
//! asks for the travellers; `POST /checkout` holds it (`Orders::create`) and goes on to the
//! payment page. A refused field comes back beside its input in the user's language with
//! everything typed kept; a price that moved is said in words and accepted by submitting.

use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{Duration, NaiveDate};
use wayfare_booking::{
    Actor, BookingError, ContactInput, CreateOrder, HotelRateInput, PassengerInput, Quote,
    RoomGuestInput,
};
use wayfare_domain::account::{Role, sha256_hex};
use wayfare_domain::flight::offer::Offer;
use wayfare_domain::{Currency, Money};
use wayfare_store::orders::Idempotency;

use super::{
    PriceView, TripItem, Words, guest_cookies, nonce, parse_seen, price_view, seen_param,
    trip_item, with_cookies,
};
use crate::error::WebError;
use crate::extract::WebForm;
use crate::i18n::FluentArg;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::{Choice, Page, see_other};

/// Most travellers on one booking (the suppliers' limit).
const MAX_PASSENGERS: usize = 9;
/// Most rooms a rate may hold.
const MAX_ROOMS: usize = 9;

/// One input of the form: its name, its id, what it holds and what is wrong with it.
#[derive(Debug, Clone, Default)]
pub struct Field {
    pub name: String,
    pub id: String,
    pub value: String,
    pub error: Option<String>,
}

impl Field {
    fn new(name: String, value: String) -> Field {
        Field {
            id: name.replace(['.', '[', ']'], "-"),
            name,
            value,
            error: None,
        }
    }
}

/// A saved traveller the passenger blocks can be filled from.
#[derive(Debug, Clone)]
pub struct SavedChoice {
    pub value: String,
    pub label: String,
    pub selected: bool,
    pub given: String,
    pub family: String,
    pub born: String,
    pub gender: String,
    pub nationality: String,
    pub expiry: String,
    pub masked: String,
}

#[derive(Debug, Clone)]
pub struct PassengerBlock {
    pub n: usize,
    pub title: String,
    pub kind: Field,
    pub kinds: Vec<Choice>,
    pub given: Field,
    pub family: Field,
    pub born: Field,
    pub gender: Field,
    pub genders: Vec<Choice>,
    pub nationality: Field,
    pub passport: Field,
    pub expiry: Field,
    pub saved: Field,
    pub saved_choices: Vec<SavedChoice>,
    pub passport_hint: Option<String>,
}

#[derive(Debug, Clone)]
pub struct RoomBlock {
    pub title: String,
    pub given: Field,
    pub family: Field,
}

#[derive(Debug, Clone)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

/// A problem in the summary above the form, linked to its field.
#[derive(Debug, Clone)]
pub struct ProblemLink {
    pub href: String,
    pub text: String,
}

#[derive(askama::Template, askama_web::WebTemplate)]
#[template(path = "bookings/checkout.html")]
pub struct CheckoutTemplate {
    page: Page,
    unavailable: Option<String>,
    items: Vec<TripItem>,
    price: Option<PriceView>,
    price_notices: Vec<String>,
    international: bool,
    passengers: Vec<PassengerBlock>,
    rooms: Vec<RoomBlock>,
    special_requests: Field,
    has_hotel: bool,
    email: Field,
    phone: Field,
    customer: Option<Field>,
    hidden: Vec<Hidden>,
    problems: Vec<ProblemLink>,
    general_error: Option<String>,
    add_hotel: Option<(String, String)>,
    accept_total: String,
}

// ------------------------------------------------------------------ what was asked

/// The trip and party the checkout is for.
#[derive(Debug, Clone, Default)]
struct Asked {
    offer: String,
    rate: String,
    /// The prices the traveller saw, per item.
    seen: Vec<Money>,
    adults: usize,
    children: usize,
    infants: usize,
    /// The rate's rooms, when known (from the form).
    rooms: Option<usize>,
    currency: Option<Currency>,
}

fn first<'a>(pairs: &'a [(String, String)], key: &str) -> &'a str {
    pairs
        .iter()
        .find(|(k, _)| k == key)
        .map(|(_, v)| v.trim())
        .unwrap_or("")
}

fn count(pairs: &[(String, String)], key: &str, default: usize) -> usize {
    first(pairs, key).parse::<usize>().unwrap_or(default)
}

impl Asked {
    fn read(pairs: &[(String, String)]) -> Asked {
        let bounded = |s: &str| -> String { s.chars().take(400).collect() };
        let adults = count(pairs, "adults", 1).clamp(1, MAX_PASSENGERS);
        let children = count(pairs, "children", 0).min(MAX_PASSENGERS - adults);
        let infants = count(pairs, "infants", 0)
            .min(adults)
            .min(MAX_PASSENGERS - adults - children);
        Asked {
            offer: bounded(first(pairs, "offer")),
            rate: bounded(first(pairs, "rate")),
            seen: pairs
                .iter()
                .filter(|(k, _)| k == "seen")
                .filter_map(|(_, v)| parse_seen(v))
                .take(4)
                .collect(),
            adults,
            children,
            infants,
            rooms: first(pairs, "rooms")
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=MAX_ROOMS).contains(n)),
            currency: Currency::parse(first(pairs, "currency")).ok(),
        }
    }

    fn has_flight(&self) -> bool {
        !self.offer.is_empty()
    }

    fn kinds(&self) -> Vec<&'static str> {
        if !self.has_flight() {
            return Vec::new();
        }
        let mut v = vec!["adult"; self.adults];
        v.extend(std::iter::repeat_n("child", self.children));
        v.extend(std::iter::repeat_n("infant", self.infants));
        v
    }

    /// The order request without travellers, for pricing.
    fn request(&self, ctx: &RequestContext, rooms: usize) -> CreateOrder {
        CreateOrder {
            flight_offer_ids: if self.offer.is_empty() {
                Vec::new()
            } else {
                vec![self.offer.clone()]
            },
            hotel_rates: if self.rate.is_empty() {
                Vec::new()
            } else {
                vec![HotelRateInput {
                    rate_id: self.rate.clone(),
                    rooms: vec![RoomGuestInput::default(); rooms],
                    special_requests: None,
                }]
            },
            currency: Some(self.currency.unwrap_or(ctx.currency)),
            locale: ctx.locale.tag(),
            ..Default::default()
        }
    }
}

/// The trip priced now, and the rate's number of rooms.
async fn quote(
    state: &AppState,
    ctx: &RequestContext,
    asked: &Asked,
) -> Result<(Quote, usize), BookingError> {
    let rates = state.rates();
    let mut rooms = asked.rooms.unwrap_or(1);
    for _ in 0..2 {
        match state
            .orders()
            .quote(&asked.request(ctx, rooms), &rates)
            .await
        {
            // The rate is for another number of rooms: it says how many.
            Err(BookingError::Invalid {
                reason: "reason-rate-rooms",
                arg: Some((_, n)),
                ..
            }) if n >= 1 && (n as usize) <= MAX_ROOMS && n as usize != rooms => {
                rooms = n as usize;
            }
            other => return other.map(|q| (q, rooms)),
        }
    }
    Err(BookingError::OfferUnavailable { item: 0 })
}

// ------------------------------------------------------------------ what was typed

#[derive(Debug, Clone, Default)]
struct PassengerValues {
    kind: String,
    given: String,
    family: String,
    born: String,
    gender: String,
    nationality: String,
    passport: String,
    expiry: String,
    saved: String,
}

#[derive(Debug, Clone, Default)]
struct Filled {
    passengers: Vec<PassengerValues>,
    rooms: Vec<(String, String)>,
    special_requests: String,
    email: String,
    phone: String,
    customer: String,
}

fn field_value(pairs: &[(String, String)], key: &str, max: usize) -> String {
    first(pairs, key).chars().take(max).collect()
}

impl Filled {
    fn read(pairs: &[(String, String)], passengers: usize, rooms: usize) -> Filled {
        let v = |k: &str| field_value(pairs, k, 100);
        Filled {
            passengers: (0..passengers)
                .map(|n| PassengerValues {
                    kind: v(&format!("p{n}.type")),
                    given: v(&format!("p{n}.given_name")),
                    family: v(&format!("p{n}.family_name")),
                    born: v(&format!("p{n}.born_on")),
                    gender: v(&format!("p{n}.gender")),
                    nationality: v(&format!("p{n}.nationality")),
                    passport: v(&format!("p{n}.passport_number")),
                    expiry: v(&format!("p{n}.passport_expires_on")),
                    saved: v(&format!("p{n}.saved")),
                })
                .collect(),
            rooms: (0..rooms)
                .map(|r| {
                    (
                        v(&format!("room{r}.given_name")),
                        v(&format!("room{r}.family_name")),
                    )
                })
                .collect(),
            special_requests: field_value(pairs, "special_requests", 600),
            email: field_value(pairs, "contact_email", 254),
            phone: field_value(pairs, "contact_phone", 40),
            customer: field_value(pairs, "customer", 254),
        }
    }
}

/// A refusal to show: on a field (its order path, e.g. `passengers[1].born_on`), or above the
/// form.
#[derive(Debug, Clone, Default)]
struct Problem {
    field: Option<String>,
    message: String,
    /// The price accepted before it moved.
    price_from: Option<Money>,
}

fn upper_first(s: &str) -> String {
    let mut c = s.chars();
    match c.next() {
        Some(f) => f.to_uppercase().chain(c).collect(),
        None => String::new(),
    }
}

/// The words for a refused field: its reason alone (the label is beside it).
fn reason_text(ctx: &RequestContext, reason: &str, arg: Option<(&'static str, i64)>) -> String {
    let args: Vec<(&str, FluentArg)> = arg
        .map(|(k, v)| vec![(k, FluentArg::Num(v))])
        .unwrap_or_default();
    upper_first(&ctx.locale.t_args(reason, &args))
}

// ------------------------------------------------------------------ rendering

fn gender_from_saved(g: Option<&str>) -> String {
    match g {
        Some("female") => "f".into(),
        Some("male") => "m".into(),
        _ => String::new(),
    }
}

/// Saved travellers of the signed-in user, as choices for the passenger blocks.
async fn saved_travellers(state: &AppState, ctx: &RequestContext) -> Vec<SavedChoice> {
    let Some(user) = &ctx.user else {
        return Vec::new();
    };
    let list = match state.accounts().travellers(user).await {
        Ok(l) => l,
        Err(e) => {
            tracing::warn!(error = %e, "saved travellers unavailable");
            return Vec::new();
        }
    };
    list.into_iter()
        .map(|t| {
            let passport = t.document_type.as_deref() == Some("passport");
            SavedChoice {
                label: match t.name_zh.as_deref().filter(|n| !n.is_empty()) {
                    Some(zh) => format!("{} {} ({zh})", t.family_name, t.given_name),
                    None => format!("{} {}", t.family_name, t.given_name),
                },
                value: t.id,
                selected: false,
                given: t.given_name,
                family: t.family_name,
                born: t.date_of_birth.map(|d| d.to_string()).unwrap_or_default(),
                gender: gender_from_saved(t.gender.as_deref()),
                nationality: t.nationality.unwrap_or_default(),
                expiry: if passport {
                    t.document_expiry.map(|d| d.to_string()).unwrap_or_default()
                } else {
                    String::new()
                },
                masked: if passport {
                    t.document_number_masked.unwrap_or_default()
                } else {
                    String::new()
                },
            }
        })
        .collect()
}

/// The form as first shown: the account's contact, and the first saved travellers in the
/// passenger blocks (the select can change them).
fn prefill(ctx: &RequestContext, kinds: &[&str], rooms: usize, saved: &[SavedChoice]) -> Filled {
    let agent = ctx.user.as_ref().is_some_and(|u| u.has_role(Role::Agent));
    let user = ctx.user.as_ref().map(|u| &u.user);
    let passengers: Vec<PassengerValues> = kinds
        .iter()
        .enumerate()
        .map(|(n, kind)| match saved.get(n).filter(|_| !agent) {
            Some(s) => PassengerValues {
                kind: (*kind).to_owned(),
                given: s.given.clone(),
                family: s.family.clone(),
                born: s.born.clone(),
                gender: s.gender.clone(),
                nationality: s.nationality.clone(),
                passport: String::new(),
                expiry: s.expiry.clone(),
                saved: s.value.clone(),
            },
            None => PassengerValues {
                kind: (*kind).to_owned(),
                ..Default::default()
            },
        })
        .collect();
    // The first room's guest: the first passenger, else the account holder.
    let lead = passengers
        .first()
        .filter(|p| !p.family.is_empty())
        .map(|p| (p.given.clone(), p.family.clone()))
        .or_else(|| {
            user.filter(|_| !agent).map(|u| {
                (
                    u.given_name.clone().unwrap_or_default(),
                    u.family_name.clone().unwrap_or_default(),
                )
            })
        })
        .unwrap_or_default();
    Filled {
        passengers,
        rooms: (0..rooms)
            .map(|r| {
                if r == 0 {
                    lead.clone()
                } else {
                    Default::default()
                }
            })
            .collect(),
        special_requests: String::new(),
        email: user
            .filter(|_| !agent)
            .and_then(|u| u.email.clone())
            .unwrap_or_default(),
        phone: user
            .filter(|_| !agent)
            .and_then(|u| u.phone.clone())
            .unwrap_or_default(),
        customer: String::new(),
    }
}

/// "Add a hotel in London": the hotel search for the flight's arrival, carrying the flight.
fn add_hotel_link(w: &Words, asked: &Asked, quote: &Quote) -> Option<(String, String)> {
    let [item] = quote.items.as_slice() else {
        return None;
    };
    if item.kind != "flight" {
        return None;
    }
    let offer: Offer = serde_json::from_value(item.details.clone()).ok()?;
    let arrival = offer.slices.first()?.segments.last()?;
    let code = arrival.destination.to_string();
    let check_in = arrival.arriving_at.date_naive();
    let check_out = offer
        .slices
        .get(1)
        .and_then(|s| s.segments.first())
        .map(|s| s.departing_at.date_naive())
        .filter(|d| *d > check_in && (*d - check_in).num_days() <= 30)
        .unwrap_or(check_in + Duration::days(3));
    let airport = w.state.airports().get(&code);
    let place = airport
        .and_then(|a| a.city_geonameid)
        .and_then(|id| w.state.places().get(&format!("city:{id}")))
        .or_else(|| airport.and_then(|a| w.state.places().city(&a.city)))
        .or_else(|| w.state.places().get(&format!("airport:{code}")));
    let city = w.city(&code);
    let mut pairs: Vec<(String, String)> = Vec::new();
    match place {
        Some(p) => {
            pairs.push((
                "dest".into(),
                if w.chinese && !p.name_zh.is_empty() {
                    p.name_zh.clone()
                } else {
                    p.name_en.clone()
                },
            ));
            pairs.push(("place".into(), p.id.clone()));
        }
        None => pairs.push(("dest".into(), city.clone())),
    }
    pairs.push(("in".into(), check_in.to_string()));
    pairs.push(("out".into(), check_out.to_string()));
    pairs.push(("rooms".into(), asked.adults.to_string()));
    pairs.push(("trip_offer".into(), item.offer_id.clone()));
    pairs.push(("trip_seen".into(), seen_param(item.supplier_total)));
    pairs.push((
        "trip_party".into(),
        format!("{}.{}.{}", asked.adults, asked.children, asked.infants),
    ));
    Some((
        format!(
            "/hotels?{}",
            serde_urlencoded::to_string(&pairs).unwrap_or_default()
        ),
        w.ts("bookings-add-hotel", &[("city", &city)]),
    ))
}

/// The page for a trip that cannot be priced any more.
fn unavailable(
    state: &AppState,
    ctx: &RequestContext,
    e: BookingError,
) -> Result<Response, WebError> {
    let e = WebError::from(e);
    if e.code.status().is_server_error() {
        return Err(e);
    }
    let status = e.code.status();
    let tpl = CheckoutTemplate {
        page: Page::new(state, ctx),
        unavailable: Some(e.message(ctx.locale)),
        items: Vec::new(),
        price: None,
        price_notices: Vec::new(),
        international: false,
        passengers: Vec::new(),
        rooms: Vec::new(),
        special_requests: Field::default(),
        has_hotel: false,
        email: Field::default(),
        phone: Field::default(),
        customer: None,
        hidden: Vec::new(),
        problems: Vec::new(),
        general_error: None,
        add_hotel: None,
        accept_total: String::new(),
    };
    Ok((status, tpl).into_response())
}

async fn render(
    state: &AppState,
    ctx: &RequestContext,
    asked: &Asked,
    filled: Option<Filled>,
    problem: Option<Problem>,
    status: StatusCode,
) -> Result<Response, WebError> {
    if asked.offer.is_empty() && asked.rate.is_empty() {
        return unavailable(
            state,
            ctx,
            BookingError::invalid("flight_offer_ids", "reason-order-empty"),
        );
    }
    let (quote, room_count) = match quote(state, ctx, asked).await {
        Ok(q) => q,
        Err(e) => return unavailable(state, ctx, e),
    };
    let w = Words::new(state, ctx).with_airlines().await;
    let items: Vec<TripItem> = quote
        .items
        .iter()
        .map(|i| trip_item(&w, i.kind, &i.details, i.total, i.supplier_total))
        .collect();
    let titles: Vec<String> = items.iter().map(|i| i.title.clone()).collect();
    let price = price_view(&w, &quote.price, &titles, quote.total);

    // What moved since the traveller saw it.
    let mut price_notices = Vec::new();
    if let Some(from) = problem.as_ref().and_then(|p| p.price_from)
        && from != quote.total
    {
        price_notices.push(w.ts(
            "bookings-price-changed",
            &[("from", &w.money(from)), ("to", &w.money(quote.total))],
        ));
    } else if asked.seen.len() == 1 && quote.items.len() == 1 {
        let (seen, item) = (asked.seen[0], &quote.items[0]);
        let now = if seen.currency() == item.supplier_total.currency() {
            Some(item.supplier_total)
        } else if seen.currency() == quote.total.currency() {
            Some(quote.total)
        } else {
            None
        };
        if let Some(now) = now.filter(|n| *n != seen) {
            price_notices.push(w.ts(
                "bookings-price-changed",
                &[("from", &w.money(seen)), ("to", &w.money(now))],
            ));
        }
    } else {
        for (item, (seen, trip)) in quote.items.iter().zip(asked.seen.iter().zip(&items)) {
            if seen.currency() == item.supplier_total.currency() && *seen != item.supplier_total {
                price_notices.push(w.ts(
                    "bookings-price-changed-item",
                    &[
                        ("item", &trip.title),
                        ("from", &w.money(*seen)),
                        ("to", &w.money(item.supplier_total)),
                    ],
                ));
            }
        }
    }

    let kinds = asked.kinds();
    let saved = saved_travellers(state, ctx).await;
    let filled = match filled {
        Some(f) => f,
        None => prefill(ctx, &kinds, room_count, &saved),
    };
    let error_for = |path: &str| -> Option<String> {
        problem
            .as_ref()
            .filter(|p| p.field.as_deref() == Some(path))
            .map(|p| p.message.clone())
    };
    let kind_label = |k: &str| w.t(&format!("bookings-kind-{k}"));
    let mut passengers = Vec::new();
    for (n, kind) in kinds.iter().enumerate() {
        let v = filled.passengers.get(n).cloned().unwrap_or_default();
        let kind_value = if ["adult", "child", "infant"].contains(&v.kind.as_str()) {
            v.kind.clone()
        } else {
            (*kind).to_owned()
        };
        let field = |suffix: &str, path: &str, value: &str| {
            let mut f = Field::new(format!("p{n}.{suffix}"), value.to_owned());
            f.error = error_for(&format!("passengers[{n}].{path}"));
            f
        };
        let saved_value = v.saved.clone();
        let masked = saved
            .iter()
            .find(|s| s.value == saved_value)
            .map(|s| s.masked.clone())
            .filter(|m| !m.is_empty());
        passengers.push(PassengerBlock {
            n: n + 1,
            title: w.ts(
                "bookings-passenger-title",
                &[("n", &(n + 1).to_string()), ("kind", &kind_label(kind))],
            ),
            kinds: ["adult", "child", "infant"]
                .iter()
                .map(|k| Choice {
                    value: (*k).to_owned(),
                    label: kind_label(k),
                    selected: *k == kind_value,
                })
                .collect(),
            kind: field("type", "type", &kind_value),
            given: field("given_name", "given_name", &v.given),
            family: field("family_name", "family_name", &v.family),
            born: field("born_on", "born_on", &v.born),
            genders: [
                ("", "bookings-choose"),
                ("f", "bookings-gender-f"),
                ("m", "bookings-gender-m"),
            ]
            .iter()
            .map(|(value, key)| Choice {
                value: (*value).to_owned(),
                label: w.t(key),
                selected: v.gender == *value,
            })
            .collect(),
            gender: field("gender", "gender", &v.gender),
            nationality: field("nationality", "nationality", &v.nationality),
            passport: field("passport_number", "passport_number", &v.passport),
            expiry: field("passport_expires_on", "passport_expires_on", &v.expiry),
            saved: field("saved", "saved", &saved_value),
            saved_choices: saved
                .iter()
                .map(|s| SavedChoice {
                    selected: s.value == saved_value,
                    ..s.clone()
                })
                .collect(),
            passport_hint: masked.map(|m| w.ts("bookings-passport-saved", &[("masked", &m)])),
        });
    }
    let has_hotel = quote.items.iter().any(|i| i.kind == "hotel");
    let room_names: Vec<String> = quote
        .items
        .iter()
        .find(|i| i.kind == "hotel")
        .and_then(|i| i.details["rooms"].as_array().cloned())
        .unwrap_or_default()
        .iter()
        .map(|r| {
            let name = &r["name"];
            let pick = if w.chinese { &name["zh"] } else { &name["en"] };
            pick.as_str()
                .filter(|s| !s.is_empty())
                .or_else(|| name["en"].as_str())
                .unwrap_or("")
                .to_owned()
        })
        .collect();
    let rooms = if has_hotel {
        (0..room_count)
            .map(|r| {
                let (given, family) = filled.rooms.get(r).cloned().unwrap_or_default();
                let field = |suffix: &str, value: String| {
                    let mut f = Field::new(format!("room{r}.{suffix}"), value);
                    f.error =
                        error_for(&format!("hotel_rates[0].rooms[{r}].{suffix}")).or_else(|| {
                            (suffix == "given_name")
                                .then(|| {
                                    error_for(&format!("hotel_rates[0].rooms[{r}].guest_name"))
                                })
                                .flatten()
                        });
                    f
                };
                RoomBlock {
                    title: match room_names.get(r).filter(|n| !n.is_empty()) {
                        Some(name) => w.ts(
                            "bookings-room-title-named",
                            &[("n", &(r + 1).to_string()), ("room", name)],
                        ),
                        None => w.ts("bookings-room-title", &[("n", &(r + 1).to_string())]),
                    },
                    given: field("given_name", given),
                    family: field("family_name", family),
                }
            })
            .collect()
    } else {
        Vec::new()
    };
    let mut special_requests =
        Field::new("special_requests".into(), filled.special_requests.clone());
    special_requests.error = error_for("hotel_rates[0].special_requests");
    let mut email = Field::new("contact_email".into(), filled.email.clone());
    email.error = error_for("contact.email");
    let mut phone = Field::new("contact_phone".into(), filled.phone.clone());
    phone.error = error_for("contact.phone");
    let customer = ctx
        .user
        .as_ref()
        .filter(|u| u.has_role(Role::Agent))
        .map(|_| {
            let mut f = Field::new("customer".into(), filled.customer.clone());
            f.error = error_for("customer");
            f
        });

    // The summary of problems, each linked to its field.
    let mut problems = Vec::new();
    let mut general_error = None;
    if let Some(p) = &problem {
        let mut linked = false;
        if p.field.is_some() {
            let blocks = passengers
                .iter()
                .flat_map(|b| {
                    [
                        (&b.kind, "bookings-field-type"),
                        (&b.given, "bookings-field-given-name"),
                        (&b.family, "bookings-field-family-name"),
                        (&b.born, "bookings-field-born-on"),
                        (&b.gender, "bookings-field-gender"),
                        (&b.nationality, "bookings-field-nationality"),
                        (&b.passport, "bookings-field-passport-number"),
                        (&b.expiry, "bookings-field-passport-expiry"),
                    ]
                    .into_iter()
                    .map(move |(f, key)| (f, key, b.title.clone()))
                })
                .chain(rooms.iter().flat_map(|r| {
                    [
                        (&r.given, "bookings-field-given-name"),
                        (&r.family, "bookings-field-family-name"),
                    ]
                    .into_iter()
                    .map(move |(f, key)| (f, key, r.title.clone()))
                }))
                .chain([
                    (
                        &special_requests,
                        "bookings-special-requests",
                        String::new(),
                    ),
                    (&email, "bookings-contact-email", String::new()),
                    (&phone, "bookings-contact-phone", String::new()),
                ])
                .chain(
                    customer
                        .iter()
                        .map(|c| (c, "bookings-customer", String::new())),
                );
            for (f, key, block) in blocks {
                if f.error.is_some() {
                    let label = w.t(key);
                    problems.push(ProblemLink {
                        href: format!("#{}", f.id),
                        text: if block.is_empty() {
                            format!("{label}: {}", p.message)
                        } else {
                            format!("{block} · {label}: {}", p.message)
                        },
                    });
                    linked = true;
                    break;
                }
            }
        }
        if !linked && p.price_from.is_none() {
            general_error = Some(p.message.clone());
        }
    }

    let mut hidden = vec![
        Hidden {
            name: "nonce".into(),
            value: nonce(),
        },
        Hidden {
            name: "accept_price".into(),
            value: seen_param(quote.total),
        },
        Hidden {
            name: "currency".into(),
            value: quote.total.currency().code().to_owned(),
        },
        Hidden {
            name: "adults".into(),
            value: asked.adults.to_string(),
        },
        Hidden {
            name: "children".into(),
            value: asked.children.to_string(),
        },
        Hidden {
            name: "infants".into(),
            value: asked.infants.to_string(),
        },
    ];
    if !asked.offer.is_empty() {
        hidden.push(Hidden {
            name: "offer".into(),
            value: asked.offer.clone(),
        });
    }
    if !asked.rate.is_empty() {
        hidden.push(Hidden {
            name: "rate".into(),
            value: asked.rate.clone(),
        });
        hidden.push(Hidden {
            name: "rooms".into(),
            value: room_count.to_string(),
        });
    }
    // The prices now, as seen: a resubmission compares against these.
    for item in &quote.items {
        hidden.push(Hidden {
            name: "seen".into(),
            value: seen_param(item.supplier_total),
        });
    }
    let add_hotel = add_hotel_link(&w, asked, &quote);
    let tpl = CheckoutTemplate {
        page: Page::new(state, ctx),
        unavailable: None,
        accept_total: w.money(quote.total),
        items,
        price: Some(price),
        price_notices,
        international: quote.international,
        passengers,
        rooms,
        special_requests,
        has_hotel,
        email,
        phone,
        customer,
        hidden,
        problems,
        general_error,
        add_hotel,
    };
    Ok((status, tpl).into_response())
}

// ------------------------------------------------------------------ handlers

pub async fn form(
    State(state): State<AppState>,
    ctx: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let pairs: Vec<(String, String)> = raw
        .as_deref()
        .and_then(|q| serde_urlencoded::from_str(q).ok())
        .unwrap_or_default();
    let mut asked = Asked::read(&pairs);
    // A link's currency choice is the display currency's, never the query's.
    asked.currency = None;
    asked.rooms = None;
    render(&state, &ctx, &asked, None, None, StatusCode::OK).await
}

fn parse_date(s: &str, path: String, ctx: &RequestContext) -> Result<Option<NaiveDate>, Problem> {
    let s = s.trim();
    if s.is_empty() {
        return Ok(None);
    }
    NaiveDate::parse_from_str(s, "%Y-%m-%d")
        .map(Some)
        .map_err(|_| Problem {
            field: Some(path),
            message: reason_text(ctx, "reason-date-format", None),
            price_from: None,
        })
}

fn opt(s: &str) -> Option<String> {
    let s = s.trim();
    (!s.is_empty()).then(|| s.to_owned())
}

/// The order request from the form, or the first field that cannot even be read.
async fn create_request(
    state: &AppState,
    ctx: &RequestContext,
    asked: &Asked,
    filled: &Filled,
    rooms: usize,
    accept: Option<Money>,
) -> Result<CreateOrder, Problem> {
    let mut req = asked.request(ctx, rooms);
    for (n, p) in filled.passengers.iter().enumerate() {
        let mut p = p.clone();
        let mut passport_number = opt(&p.passport);
        // A saved traveller chosen: blank fields come from them (the way to use the select
        // without JavaScript), and a blank passport number is the one on file, as long as the
        // names are that traveller's.
        if !p.saved.is_empty()
            && let Some(user) = &ctx.user
            && let Ok(t) = state.accounts().traveller(user, &p.saved).await
        {
            let passport = t.document_type.as_deref() == Some("passport");
            if p.given.trim().is_empty() && p.family.trim().is_empty() {
                p.given = t.given_name.clone();
                p.family = t.family_name.clone();
                let fill = |field: &mut String, value: Option<String>| {
                    if field.trim().is_empty() {
                        *field = value.unwrap_or_default();
                    }
                };
                fill(&mut p.born, t.date_of_birth.map(|d| d.to_string()));
                fill(&mut p.gender, Some(gender_from_saved(t.gender.as_deref())));
                fill(&mut p.nationality, t.nationality.clone());
                if passport {
                    fill(&mut p.expiry, t.document_expiry.map(|d| d.to_string()));
                }
            }
            let same = |a: &str, b: &str| a.trim().eq_ignore_ascii_case(b.trim());
            if passport_number.is_none()
                && passport
                && same(&p.given, &t.given_name)
                && same(&p.family, &t.family_name)
            {
                passport_number = state
                    .accounts()
                    .traveller_document_number(user, &p.saved)
                    .await
                    .ok()
                    .flatten();
            }
        }
        let born_on = parse_date(&p.born, format!("passengers[{n}].born_on"), ctx)?;
        let passport_expires_on = parse_date(
            &p.expiry,
            format!("passengers[{n}].passport_expires_on"),
            ctx,
        )?;
        req.passengers.push(PassengerInput {
            kind: p.kind.clone(),
            given_name: p.given.trim().to_owned(),
            family_name: p.family.trim().to_owned(),
            born_on,
            gender: opt(&p.gender),
            nationality: opt(&p.nationality),
            passport_number,
            passport_expires_on,
        });
    }
    if let Some(h) = req.hotel_rates.first_mut() {
        h.rooms = filled
            .rooms
            .iter()
            .map(|(given, family)| RoomGuestInput {
                given_name: Some(given.trim().to_owned()),
                family_name: Some(family.trim().to_owned()),
                ..Default::default()
            })
            .collect();
        h.special_requests = opt(&filled.special_requests);
    }
    req.contact = ContactInput {
        email: filled.email.trim().to_owned(),
        phone: filled.phone.trim().to_owned(),
    };
    req.accept_price = accept;
    req.customer = opt(&filled.customer);
    Ok(req)
}

/// What a refused order says to the traveller.
fn problem_of(
    ctx: &RequestContext,
    e: BookingError,
    accepted: Option<Money>,
) -> Result<(Problem, StatusCode), WebError> {
    match e {
        BookingError::Invalid { field, reason, arg } => {
            let status = StatusCode::UNPROCESSABLE_ENTITY;
            let field_known = field.contains('.') || field == "customer";
            let message = if field_known {
                reason_text(ctx, reason, arg)
            } else {
                let w = WebError::invalid_field(&field, reason);
                match arg {
                    Some((k, v)) => w.arg(k, v),
                    None => w,
                }
                .message(ctx.locale)
            };
            Ok((
                Problem {
                    field: field_known.then_some(field),
                    message,
                    price_from: None,
                },
                status,
            ))
        }
        BookingError::PriceChanged { .. } => Ok((
            Problem {
                field: None,
                message: String::new(),
                price_from: accepted,
            },
            StatusCode::CONFLICT,
        )),
        other => {
            let w = WebError::from(other);
            if w.code.status().is_server_error() {
                return Err(w);
            }
            Ok((
                Problem {
                    field: None,
                    message: w.message(ctx.locale),
                    price_from: None,
                },
                w.code.status(),
            ))
        }
    }
}

/// Idempotency scope of this browser's checkouts: the account, or the guest's CSRF cookie.
fn scope(ctx: &RequestContext) -> String {
    match &ctx.user {
        Some(u) => format!("checkout:{}", u.user.id),
        None => format!(
            "checkout:guest:{}",
            &sha256_hex(ctx.csrf_token.as_bytes())[..24]
        ),
    }
}

/// The answer to a checkout that made order `order_id`: on to paying it.
fn to_payment(state: &AppState, ctx: &RequestContext, order_id: &str, guest: bool) -> Response {
    let res = see_other(&format!("/bookings/{order_id}/pay"));
    if guest {
        let token = state.orders().guest_token(order_id);
        with_cookies(res, guest_cookies(state, ctx, order_id, &token))
    } else {
        res
    }
}

pub async fn submit(
    State(state): State<AppState>,
    ctx: RequestContext,
    WebForm(pairs): WebForm<Vec<(String, String)>>,
) -> Result<Response, WebError> {
    let asked = Asked::read(&pairs);
    let passengers = asked.kinds().len();
    let rooms = if asked.rate.is_empty() {
        0
    } else {
        asked.rooms.unwrap_or(1)
    };
    let filled = Filled::read(&pairs, passengers, rooms);
    let accept = parse_seen(first(&pairs, "accept_price"));
    let agent = ctx.user.as_ref().is_some_and(|u| u.has_role(Role::Agent));
    let actor = match &ctx.user {
        Some(u) if agent && !filled.customer.trim().is_empty() => Actor::Agent {
            agent_id: u.user.id.clone(),
        },
        Some(u) => Actor::Customer {
            user_id: u.user.id.clone(),
        },
        None => Actor::Guest,
    };
    let guest = actor == Actor::Guest;
    let mut filled_for_request = filled.clone();
    if !agent {
        filled_for_request.customer.clear();
    }
    let req = match create_request(&state, &ctx, &asked, &filled_for_request, rooms, accept).await {
        Ok(r) => r,
        Err(p) => {
            return render(
                &state,
                &ctx,
                &asked,
                Some(filled),
                Some(p),
                StatusCode::UNPROCESSABLE_ENTITY,
            )
            .await;
        }
    };

    // One order per rendering of the form, however often it is sent.
    let store = state.store();
    let key: String = first(&pairs, "nonce").chars().take(64).collect();
    let scope = scope(&ctx);
    let body_hash = {
        let mut canonical: Vec<&(String, String)> =
            pairs.iter().filter(|(k, _)| k != "csrf_token").collect();
        canonical.sort();
        sha256_hex(
            serde_urlencoded::to_string(&canonical)
                .unwrap_or_default()
                .as_bytes(),
        )
    };
    let mut idempotent = false;
    let mut waiting = false;
    if !key.is_empty() {
        for _ in 0..40 {
            waiting = false;
            match store
                .begin_idempotent(
                    &scope,
                    &key,
                    &body_hash,
                    state.orders().now(),
                    chrono::Duration::seconds(120),
                )
                .await
                .map_err(WebError::internal)?
            {
                Idempotency::Started => {
                    idempotent = true;
                    break;
                }
                Idempotency::Replay { status: 303, body } => {
                    return Ok(to_payment(&state, &ctx, &body, guest));
                }
                // Refused before: run again (the form may have been put right).
                Idempotency::Replay { .. } | Idempotency::Mismatch => break,
                Idempotency::InProgress => {
                    waiting = true;
                    tokio::time::sleep(std::time::Duration::from_millis(250)).await;
                }
            }
        }
    }
    if waiting {
        // The first sending of this form is still being booked: never book it twice.
        let (problem, status) = problem_of(&ctx, BookingError::RequestInProgress, accept)?;
        return render(&state, &ctx, &asked, Some(filled), Some(problem), status).await;
    }
    let rates = state.rates();
    let result = state.orders().create(&req, &actor, &rates).await;
    match result {
        Ok(created) => {
            if idempotent {
                let _ = store
                    .finish_idempotent(&scope, &key, 303, &created.order.id, state.orders().now())
                    .await;
            }
            Ok(to_payment(
                &state,
                &ctx,
                &created.order.id,
                created.guest_token.is_some(),
            ))
        }
        Err(e) => {
            if idempotent {
                let _ = store.abandon_idempotent(&scope, &key).await;
            }
            let (problem, status) = problem_of(&ctx, e, accept)?;
            render(&state, &ctx, &asked, Some(filled), Some(problem), status).await
        }
    }
}
