//! Hotel search: `POST /api/v1/hotels/search` (a destination, or a map box with clusters),
//! `GET /api/v1/hotels/{id}/rates` (every bookable rate for a stay with its cancellation
//! tiers) and `GET /api/v1/places` (destination autocomplete: cities, landmarks, airports).

use axum::Json;
use axum::extract::{Path, State};
use chrono::{Duration, NaiveDate, SecondsFormat};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::search::FieldError;
use wayfare_domain::hotel::cancellation::CancellationCharge;
use wayfare_domain::hotel::cluster::{Pin, cluster_pins};
use wayfare_domain::hotel::search::{
    CityCentre, DestinationBody, HotelMapSearchBody, HotelSearchContext, RoomBody,
};
use wayfare_domain::hotel::{
    CancellationPolicy, CancellationTier, GeoPoint, HotelMapSearch, HotelSearch, HotelSearchBody,
    LocalizedText, PropertyId,
};
use wayfare_domain::{Currency, Money, RateTable};
use wayfare_suppliers::flight::SupplierError;
use wayfare_suppliers::hotel::{HotelOffer, HotelPin, HotelRate};

use crate::api::flights::{WarningJson, field_error};
use crate::api::types::{ErrorBody, MoneyJson};
use crate::error::{ErrorCode, WebError};
use crate::extract::{ApiJson, ApiQuery};
use crate::i18n::Locale;
use crate::middleware::context::RequestContext;
use crate::state::AppState;

/// What validation knows: cities, landmarks and airports, and the site's currency.
pub(crate) struct Context<'a> {
    pub(crate) state: &'a AppState,
    pub(crate) currency: Currency,
}

impl HotelSearchContext for Context<'_> {
    fn city(&self, query: &str) -> Option<CityCentre> {
        let p = self.state.places().city(query)?;
        Some(CityCentre {
            city_id: p.city_id?,
            centre: GeoPoint::new(p.lat, p.lon)?,
        })
    }

    fn airport(&self, code: AirportCode) -> Option<GeoPoint> {
        let a = self.state.airports().get(code.as_str())?;
        GeoPoint::new(a.lat, a.lon)
    }

    fn place(&self, text: &str) -> Option<GeoPoint> {
        let p = self.state.places().resolve(text)?;
        GeoPoint::new(p.lat, p.lon)
    }

    fn default_currency(&self) -> Currency {
        self.currency
    }
}

/// The earliest check-in date anywhere: a stay may start on a date that is already
/// yesterday in Shanghai but still today in Honolulu.
pub(crate) fn earliest_check_in(state: &AppState) -> NaiveDate {
    (state.hotels().now() - Duration::hours(12)).date_naive()
}

fn first_error(errors: Vec<FieldError>, rename: impl Fn(&str) -> String) -> WebError {
    match errors.into_iter().next() {
        Some(mut e) => {
            e.field = rename(&e.field);
            field_error(e)
        }
        None => WebError::new(ErrorCode::ValidationFailed),
    }
}

/// A supplier's refusal as the traveller should hear it.
pub(crate) fn supplier_error(e: SupplierError) -> WebError {
    match e {
        SupplierError::NotFound(_) | SupplierError::OfferExpired(_) => WebError::not_found(),
        other => WebError::internal(other),
    }
}

/// Request body (documentation shape; the filters sit at the top level).
#[derive(Debug, ToSchema)]
#[allow(dead_code)]
pub struct HotelSearchRequest {
    /// One of `{"city": "Shanghai" | "上海" | "1796236"}`, `{"place": "外滩"}`,
    /// `{"airport": "PVG"}`, `{"lat", "lng", "radius_km"}` (radius 10 km by default, at most
    /// 100) or `{"bbox": [min_lng, min_lat, max_lng, max_lat]}` for the map.
    #[schema(value_type = Object, example = json!({"city": "Shanghai"}))]
    destination: serde_json::Value,
    #[schema(example = "2026-12-10")]
    check_in_date: String,
    #[schema(example = "2026-12-13")]
    check_out_date: String,
    /// 1–8 rooms: `[{"adults": 2, "children_ages": [5]}]`.
    #[schema(value_type = Vec<Object>)]
    rooms: Vec<serde_json::Value>,
    currency: Option<String>,
    /// Decimal strings in the search currency; per room and night unless `price_basis` is `total`.
    min_price: Option<String>,
    max_price: Option<String>,
    price_basis: Option<String>,
    stars: Option<Vec<u8>>,
    /// All of these: wifi, parking, pool, gym, spa, restaurant, breakfast …
    amenities: Option<Vec<String>>,
    min_review_score: Option<f64>,
    max_distance_km: Option<f64>,
    free_cancellation: Option<bool>,
    breakfast_included: Option<bool>,
    pay_at_hotel: Option<bool>,
    /// Chain codes (marriott, hilton, ihg, huazhu …) or brand codes.
    chains: Option<Vec<String>>,
    brands: Option<Vec<String>>,
    /// family, business, resort, boutique, homestay, hostel, spa …
    themes: Option<Vec<String>>,
    deals_only: Option<bool>,
    /// recommended (default), price, distance, review_score, stars.
    sort: Option<String>,
    /// 1–100 (default 25).
    limit: Option<u32>,
    offset: Option<u32>,
    /// Map zoom for a `bbox` destination (default 12).
    zoom: Option<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct LatLng {
    pub lat: f64,
    pub lng: f64,
}

impl From<GeoPoint> for LatLng {
    fn from(p: GeoPoint) -> Self {
        LatLng {
            lat: p.lat(),
            lng: p.lon(),
        }
    }
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CheapestRateJson {
    pub rate_id: String,
    /// The whole stay, every room, taxes and fees included.
    pub total_amount: MoneyJson,
    /// Per room and night, taxes included.
    pub nightly_amount: MoneyJson,
    /// What it would cost without the promotion, when one applies.
    pub was_amount: Option<MoneyJson>,
    pub free_cancellation: bool,
    pub breakfast: bool,
    pub pay_at_hotel: bool,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotelJson {
    pub id: String,
    pub supplier: String,
    /// In the request's language.
    pub name: String,
    pub name_en: String,
    pub name_zh: String,
    pub stars: Option<u8>,
    /// 0–10.
    pub review_score: Option<f64>,
    pub review_count: u32,
    pub location: LatLng,
    pub distance_km: Option<f64>,
    pub chain: Option<String>,
    pub brand: Option<String>,
    pub address: Option<String>,
    pub amenities: Vec<String>,
    pub themes: Vec<String>,
    pub deal: bool,
    pub cheapest_rate: Option<CheapestRateJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ClusterJson {
    pub location: LatLng,
    pub count: u32,
    pub min_price: Option<MoneyJson>,
    /// The hotel, when the cluster is one hotel.
    pub hotel_id: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotelSearchResponse {
    pub hotels: Vec<HotelJson>,
    /// Hotels that matched, beyond this page.
    pub total: usize,
    /// For a `bbox` search: the hotels grouped where dense at the zoom.
    pub clusters: Option<Vec<ClusterJson>>,
    pub warnings: Vec<WarningJson>,
}

fn per_night(rate: &HotelRate) -> Money {
    let nights = i64::try_from(rate.price.nights().max(1)).unwrap_or(1);
    let rooms = i64::from(rate.price.rooms.max(1));
    let t = rate.price.total;
    Money::from_minor(t.minor() / (nights * rooms), t.currency())
}

fn cheapest_json(r: &HotelRate, now: chrono::DateTime<chrono::Utc>) -> CheapestRateJson {
    CheapestRateJson {
        rate_id: r.id.clone(),
        total_amount: r.price.total.into(),
        nightly_amount: per_night(r).into(),
        was_amount: r.price.was().map(MoneyJson::from),
        free_cancellation: r.free_cancellation_until.is_some_and(|t| now < t),
        breakfast: r.board.includes_breakfast(),
        pay_at_hotel: r.payment == wayfare_domain::hotel::Payment::PayAtHotel,
    }
}

fn text(t: &LocalizedText, locale: Locale) -> String {
    t.get(locale.is_chinese()).to_owned()
}

fn hotel_json(
    o: &HotelOffer,
    locale: Locale,
    from: Option<GeoPoint>,
    now: chrono::DateTime<chrono::Utc>,
) -> HotelJson {
    let h = &o.hotel;
    HotelJson {
        id: h.id.clone(),
        supplier: h.supplier.clone(),
        name: text(&h.name, locale),
        name_en: h.name.en.clone(),
        name_zh: h.name.zh.clone(),
        stars: h.stars.map(|s| s.get()),
        review_score: h.reviews.score.map(|s| f64::from(s.tenths()) / 10.0),
        review_count: h.reviews.count,
        location: h.location.into(),
        distance_km: from.map(|p| (h.location.distance_km(p) * 100.0).round() / 100.0),
        chain: h.chain.clone(),
        brand: h.brand.clone(),
        address: Some(text(&h.address, locale)).filter(|a| !a.is_empty()),
        amenities: h.amenities.iter().map(|a| a.as_str().to_owned()).collect(),
        themes: h.themes.iter().map(|t| t.as_str().to_owned()).collect(),
        deal: o.rates.iter().any(|r| r.price.is_deal()),
        cheapest_rate: o.cheapest().map(|r| cheapest_json(r, now)),
    }
}

fn pin_hotel_json(p: &HotelPin, locale: Locale) -> HotelJson {
    HotelJson {
        id: p.hotel_id.clone(),
        supplier: String::new(),
        name: text(&p.name, locale),
        name_en: p.name.en.clone(),
        name_zh: p.name.zh.clone(),
        stars: p.stars.map(|s| s.get()),
        review_score: None,
        review_count: 0,
        location: p.location.into(),
        distance_km: None,
        chain: None,
        brand: None,
        address: None,
        amenities: Vec::new(),
        themes: Vec::new(),
        deal: false,
        cheapest_rate: None,
    }
}

fn in_currency(m: Money, to: Currency, rates: &RateTable) -> Money {
    rates.convert(m, to).map_or(m, |c| c.to)
}

/// Search hotels by destination, or pins and clusters in a map box.
#[utoipa::path(
    post,
    path = "/hotels/search",
    tag = "hotels",
    request_body = HotelSearchRequest,
    responses(
        (status = 200, description = "One page of hotels, recommended first by default", body = HotelSearchResponse),
        (status = 400, description = "Malformed JSON", body = ErrorBody),
        (status = 422, description = "A field is invalid; `details.field` names it", body = ErrorBody),
    )
)]
pub async fn search_hotels(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiJson(body): ApiJson<HotelSearchBody>,
) -> Result<Json<HotelSearchResponse>, WebError> {
    let locale = ctx.locale;
    let today = earliest_check_in(&state);
    let last = state.hotels().last_night();
    let currency = ctx.currency;
    let rates = state.rates();
    let now = state.hotels().now();
    if let Some(map_body) = HotelMapSearchBody::from_search_body(&body) {
        let search = HotelMapSearch::validate(&map_body, today, last, currency).map_err(|e| {
            first_error(e, |f| {
                if f.starts_with("bbox") {
                    "destination.bbox".to_owned()
                } else {
                    f.to_owned()
                }
            })
        })?;
        let outcome = state.hotels().aggregator().map(&search).await;
        let mut pins = outcome.pins;
        pins.sort_by_key(|p| in_currency(p.cheapest_total, search.currency, &rates).minor());
        let domain_pins: Vec<Pin> = pins
            .iter()
            .enumerate()
            .map(|(i, p)| Pin {
                id: PropertyId(i as u64),
                location: p.location,
                price: Some(in_currency(p.cheapest_total, search.currency, &rates)),
            })
            .collect();
        let clusters = cluster_pins(&domain_pins, search.bbox, search.zoom)
            .into_iter()
            .map(|c| ClusterJson {
                location: c.centre.into(),
                count: c.count,
                min_price: c.min_price.map(MoneyJson::from),
                hotel_id: c
                    .property
                    .and_then(|id| pins.get(id.0 as usize))
                    .map(|p| p.hotel_id.clone()),
            })
            .collect();
        let limit = body.limit.map_or(25, |l| l.clamp(1, 500) as usize);
        return Ok(Json(HotelSearchResponse {
            hotels: pins
                .iter()
                .take(limit)
                .map(|p| {
                    let mut h = pin_hotel_json(p, locale);
                    h.cheapest_rate = None;
                    h
                })
                .collect(),
            total: pins.len(),
            clusters: Some(clusters),
            warnings: warnings(outcome.warnings),
        }));
    }
    let search = HotelSearch::validate(
        &body,
        today,
        last,
        &Context {
            state: &state,
            currency,
        },
    )
    .map_err(|e| first_error(e, str::to_owned))?;
    let outcome = state.hotels().aggregator().search(&search, &rates).await;
    Ok(Json(HotelSearchResponse {
        hotels: outcome
            .offers
            .iter()
            .map(|o| hotel_json(o, locale, Some(search.distance_from), now))
            .collect(),
        total: outcome.total,
        clusters: None,
        warnings: warnings(outcome.warnings),
    }))
}

fn warnings(w: Vec<wayfare_suppliers::aggregate::SupplierWarning>) -> Vec<WarningJson> {
    w.into_iter()
        .map(|w| WarningJson {
            supplier: w.supplier,
            kind: w.kind.to_owned(),
        })
        .collect()
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct RatesQuery {
    /// `YYYY-MM-DD`
    pub check_in_date: String,
    pub check_out_date: String,
    /// Rooms separated by `|`, each `adults[:age,age…]`: `2:5|1` is two adults with a
    /// five-year-old, and one adult. Default `2`.
    pub rooms: Option<String>,
    pub currency: Option<String>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct TierJson {
    /// The charge applies from this instant on (RFC 3339, UTC).
    pub from: String,
    pub hours_before_check_in: u32,
    /// `amount` (per room), `nights` or `percent`.
    pub kind: String,
    pub amount: Option<MoneyJson>,
    pub nights: Option<u8>,
    /// Percent of the stay total, e.g. 50.0.
    pub percent: Option<f64>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CancellationJson {
    pub refundable: bool,
    /// Free before this instant (RFC 3339), if ever.
    pub free_until: Option<String>,
    pub tiers: Vec<TierJson>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RoomJson {
    pub room_type: String,
    pub name: String,
    pub adults: u8,
    pub children_ages: Vec<u8>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateJson {
    pub id: String,
    pub rooms: Vec<RoomJson>,
    pub plan_name: String,
    /// room_only, breakfast, half_board, full_board, all_inclusive.
    pub board: String,
    /// pay_now or pay_at_hotel.
    pub payment: String,
    pub member_only: bool,
    pub total_amount: MoneyJson,
    pub nightly_amount: MoneyJson,
    pub taxes_amount: MoneyJson,
    pub fees_amount: MoneyJson,
    pub was_amount: Option<MoneyJson>,
    pub promotion: Option<String>,
    pub rooms_left: u16,
    pub needs_price_check: bool,
    pub cancellation: CancellationJson,
    pub expires_at: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct HotelRatesResponse {
    pub hotel: HotelJson,
    pub check_in_date: String,
    pub check_out_date: String,
    pub rates: Vec<RateJson>,
}

pub(crate) fn cancellation_json(
    policy: &CancellationPolicy,
    free_until: Option<chrono::DateTime<chrono::Utc>>,
    check_in_at: chrono::DateTime<chrono::Utc>,
) -> CancellationJson {
    CancellationJson {
        refundable: policy.is_refundable(),
        free_until: free_until.map(|t| t.to_rfc3339_opts(SecondsFormat::Secs, true)),
        tiers: policy
            .tiers()
            .iter()
            .map(|t: &CancellationTier| {
                let from = check_in_at - Duration::hours(i64::from(t.hours_before));
                let (kind, amount, nights, percent) = match t.charge {
                    CancellationCharge::Amount(m) => ("amount", Some(m.into()), None, None),
                    CancellationCharge::Nights(n) => ("nights", None, Some(n), None),
                    CancellationCharge::Percent { permille } => {
                        ("percent", None, None, Some(f64::from(permille) / 10.0))
                    }
                };
                TierJson {
                    from: from.to_rfc3339_opts(SecondsFormat::Secs, true),
                    hours_before_check_in: t.hours_before,
                    kind: kind.to_owned(),
                    amount,
                    nights,
                    percent,
                }
            })
            .collect(),
    }
}

pub(crate) fn rate_json(
    r: &HotelRate,
    locale: Locale,
    check_in_at: chrono::DateTime<chrono::Utc>,
) -> RateJson {
    RateJson {
        id: r.id.clone(),
        rooms: r
            .rooms
            .iter()
            .map(|a| RoomJson {
                room_type: a.room_type.clone(),
                name: text(&a.name, locale),
                adults: a.adults,
                children_ages: a.children_ages.clone(),
            })
            .collect(),
        plan_name: text(&r.plan_name, locale),
        board: r.board.as_str().to_owned(),
        payment: r.payment.as_str().to_owned(),
        member_only: r.member_only,
        total_amount: r.price.total.into(),
        nightly_amount: per_night(r).into(),
        taxes_amount: r.price.taxes.into(),
        fees_amount: r.price.fees.into(),
        was_amount: r.price.was().map(MoneyJson::from),
        promotion: r
            .price
            .promotion
            .as_ref()
            .map(|p| p.code.as_str().to_owned()),
        rooms_left: r.rooms_left,
        needs_price_check: r.needs_price_check,
        cancellation: cancellation_json(&r.cancellation, r.free_cancellation_until, check_in_at),
        expires_at: r.expires_at.to_rfc3339_opts(SecondsFormat::Secs, true),
    }
}

/// Parses `2:5,7|1` into rooms; `None` names what is wrong.
pub(crate) fn parse_rooms(s: &str) -> Result<Vec<RoomBody>, ()> {
    s.split('|')
        .map(|room| {
            let (adults, ages) = room.split_once(':').unwrap_or((room, ""));
            Ok(RoomBody {
                adults: adults.trim().parse().map_err(|_| ())?,
                children_ages: ages
                    .split(',')
                    .map(str::trim)
                    .filter(|a| !a.is_empty())
                    .map(|a| a.parse::<i64>().map_err(|_| ()))
                    .collect::<Result<_, _>>()?,
            })
        })
        .collect()
}

/// Every bookable rate at one hotel for a stay and party, with cancellation tiers.
#[utoipa::path(
    get,
    path = "/hotels/{id}/rates",
    tag = "hotels",
    params(("id" = String, Path, description = "Hotel id from a search"), RatesQuery),
    responses(
        (status = 200, description = "Rates, cheapest first", body = HotelRatesResponse),
        (status = 404, description = "No such hotel", body = ErrorBody),
        (status = 422, description = "A parameter is invalid; `details.field` names it", body = ErrorBody),
    )
)]
pub async fn hotel_rates(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(id): Path<String>,
    ApiQuery(q): ApiQuery<RatesQuery>,
) -> Result<Json<HotelRatesResponse>, WebError> {
    let locale = ctx.locale;
    let (search, offer) = rates_for(&state, &id, &q, ctx.currency).await?;
    let check_in_at = check_in_instant(&offer, search.stay.check_in());
    let now = state.hotels().now();
    Ok(Json(HotelRatesResponse {
        hotel: hotel_json(&offer, locale, None, now),
        check_in_date: search.stay.check_in().to_string(),
        check_out_date: search.stay.check_out().to_string(),
        rates: offer
            .rates
            .iter()
            .map(|r| rate_json(r, locale, check_in_at))
            .collect(),
    }))
}

/// When cancellation deadlines count back from: check-in at the hotel, as its supplier gives
/// it with every rate; 14:00 UTC on the check-in date only for a hotel with no rate left.
pub(crate) fn check_in_instant(
    offer: &HotelOffer,
    check_in: NaiveDate,
) -> chrono::DateTime<chrono::Utc> {
    offer.rates.first().map_or_else(
        || check_in.and_hms_opt(14, 0, 0).unwrap_or_default().and_utc(),
        |r| r.check_in_at,
    )
}

/// A stay at one hotel (dates, rooms, currency) validated as a search; every refusal is
/// returned, naming its field.
pub(crate) fn stay_search(
    state: &AppState,
    check_in: &str,
    check_out: &str,
    rooms: Vec<RoomBody>,
    currency_code: Option<String>,
    currency: Currency,
) -> Result<HotelSearch, Vec<FieldError>> {
    // The destination is the hotel itself; validation still checks dates, party and currency.
    let body = HotelSearchBody {
        destination: DestinationBody {
            lat: Some(0.0),
            lon: Some(0.0),
            ..Default::default()
        },
        check_in: check_in.to_owned(),
        check_out: check_out.to_owned(),
        rooms,
        currency: currency_code,
        ..Default::default()
    };
    HotelSearch::validate(
        &body,
        earliest_check_in(state),
        state.hotels().last_night(),
        &Context { state, currency },
    )
}

/// Validates a rates query and asks the hotel's supplier.
pub(crate) async fn rates_for(
    state: &AppState,
    id: &str,
    q: &RatesQuery,
    currency: Currency,
) -> Result<(HotelSearch, HotelOffer), WebError> {
    let rooms = parse_rooms(q.rooms.as_deref().unwrap_or("2"))
        .map_err(|()| WebError::invalid_field("rooms", "reason-rooms-format"))?;
    let search = stay_search(
        state,
        &q.check_in_date,
        &q.check_out_date,
        rooms,
        q.currency.clone(),
        currency,
    )
    .map_err(|e| first_error(e, str::to_owned))?;
    let supplier = state
        .hotels()
        .aggregator()
        .supplier_for(id)
        .ok_or_else(WebError::not_found)?;
    let offer = supplier.rates(id, &search).await.map_err(supplier_error)?;
    Ok((search, offer))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct PlacesQuery {
    /// A city, landmark or airport, in Chinese or English.
    pub q: String,
    /// 1–20 (default 8).
    pub limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlaceJson {
    /// `city:<GeoNames id>`, `landmark:<id>` or `airport:<IATA>`; send it back as
    /// `destination.city` (cities) or `destination.place`.
    pub id: String,
    /// city, landmark or airport
    pub kind: String,
    pub name: String,
    pub name_en: String,
    pub name_zh: String,
    pub city: String,
    pub country: String,
    pub location: LatLng,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct PlacesResponse {
    pub places: Vec<PlaceJson>,
}

/// Destination suggestions for the hotel search box.
#[utoipa::path(
    get,
    path = "/places",
    tag = "hotels",
    params(PlacesQuery),
    responses((status = 200, description = "Best matches first", body = PlacesResponse))
)]
pub async fn search_places(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiQuery(q): ApiQuery<PlacesQuery>,
) -> Json<PlacesResponse> {
    let zh = ctx.locale.is_chinese();
    let limit = q.limit.unwrap_or(8).clamp(1, 20);
    Json(PlacesResponse {
        places: state
            .places()
            .suggest(&q.q, limit)
            .into_iter()
            .map(|p| PlaceJson {
                id: p.id.clone(),
                kind: match p.kind {
                    wayfare_search::places::PlaceKind::City => "city",
                    wayfare_search::places::PlaceKind::Landmark => "landmark",
                    wayfare_search::places::PlaceKind::Airport => "airport",
                }
                .to_owned(),
                name: if zh {
                    p.name_zh.clone()
                } else {
                    p.name_en.clone()
                },
                name_en: p.name_en.clone(),
                name_zh: p.name_zh.clone(),
                city: if zh {
                    p.city_zh.clone()
                } else {
                    p.city_en.clone()
                },
                country: p.country.clone(),
                location: LatLng {
                    lat: p.lat,
                    lng: p.lon,
                },
            })
            .collect(),
    })
}
