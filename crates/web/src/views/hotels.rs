//! The hotel pages: results (`/hotels`, as a list or a map), one hotel (`/hotels/{id}`) with
//! its rooms and rates for the stay, its generated photos (`/hotels/{id}/photo/{n}.svg`) and
//! the deals page (`/hotels/deals`).
//!
//! Like the flight pages, every state is a GET link or form, so all of it works without
//! JavaScript; `hotels.js` adds destination suggestions, a tidier rooms picker and map tiles.
//! The query becomes the API's [`HotelSearchBody`] and is validated by
//! [`HotelSearch::validate`]; a refused field renders the form again naming it (HTTP 422).
//!
//! Query parameters: `dest` (a city, landmark or airport as typed) and `place` (the id a
//! suggestion chose), `in`, `out`, `rooms` (`2:5|1`: two adults with a five-year-old, and one
//! adult; the plain form sends `adults1`, `ages1` … instead); filters `stars` (repeated),
//! `free_cancellation`, `breakfast`, `pay_at_hotel`, `deals` (`1`), `amenities`, `themes`,
//! `chains`, `brands` (repeated or comma-separated), `min_price`, `max_price` (per room and
//! night, in the display currency) and `review` (lowest score); then `sort`, `page`, `view`
//! (`list` or `map`) and, on the map, `bbox` (`west,south,east,north`).

use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{Path, RawQuery, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, NaiveDate, Utc};
use chrono_tz::Tz;
use wayfare_domain::hotel::cancellation::BookedStay;
use wayfare_domain::hotel::cluster::{Pin, cluster_pins};
use wayfare_domain::hotel::occupancy::{
    MAX_ADULTS_PER_ROOM, MAX_CHILD_AGE, MAX_CHILDREN_PER_ROOM, MAX_ROOMS,
};
use wayfare_domain::hotel::ranking::HotelSort;
use wayfare_domain::hotel::search::{BboxBody, DestinationBody, FiltersBody, RoomBody};
use wayfare_domain::hotel::stay::AppliedPromotion;
use wayfare_domain::hotel::{
    Amenities, Amenity, Board, BoundingBox, CancellationCharge, CancellationPolicy, GeoPoint,
    HotelMapSearch, HotelSearch, HotelSearchBody, Party, Payment, PromotionKind, PropertyId, Theme,
    Themes,
};
use wayfare_domain::{Currency, Money};
use wayfare_search::places::{Place, PlaceKind};
use wayfare_suppliers::builtin::hotel_supplier::property_of;
use wayfare_suppliers::hotel::{HotelOffer, HotelPin, HotelRate};
use wayfare_suppliers::hotel_aggregate::HotelSearchOutcome;

use super::flights::{FormError, Hidden, Line, money_text};
use super::hotel_art::{
    Extent, MapPlot, PHOTO_COUNT, PLOT_WIDTH, SMALL_PLOT_WIDTH, photo_kind, photo_svg,
};
use crate::api::hotels::{
    Context, check_in_instant, earliest_check_in, parse_rooms, stay_search, supplier_error,
};
use crate::error::WebError;
use crate::i18n::{FluentArg, Locale};
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::{Choice, Page};

/// Hotels a results page lists.
const PAGE_SIZE: usize = 20;
/// Room blocks the form always has (a room with no adults is left out).
const FORM_ROOMS: usize = 3;
/// Age boxes each room of the form has.
const AGE_SLOTS: usize = 4;
/// Hotels listed beside the map.
const MAP_LIST: usize = 30;
/// Cities the deals page covers.
const DEAL_CITIES: usize = 6;
/// Deals shown per city.
const DEALS_PER_CITY: usize = 3;
/// How far from its centre a city's map looks for hotels, km.
const CITY_MAP_KM: f64 = 30.0;

// ------------------------------------------------------------------ query string

/// The query string as ordered pairs (repeated keys kept).
#[derive(Debug, Default)]
struct Query(Vec<(String, String)>);

impl Query {
    fn parse(raw: Option<&str>) -> Query {
        Query(
            raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        )
    }

    /// The first value of `key`, trimmed and bounded.
    fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().chars().take(100).collect())
            .unwrap_or_default()
    }

    fn has(&self, key: &str) -> bool {
        self.0.iter().any(|(k, _)| k == key)
    }

    fn flag(&self, key: &str) -> bool {
        matches!(self.get(key).as_str(), "1" | "true" | "on" | "yes")
    }

    /// Every value of `key` as sent, trimmed (empty ones too: an empty age box counts).
    fn all(&self, key: &str) -> Vec<String> {
        self.0
            .iter()
            .filter(|(k, _)| k == key)
            .map(|(_, v)| v.trim().chars().take(20).collect())
            .take(20)
            .collect()
    }

    /// Every value of `key`, comma-separated values split, lower-cased, without repeats.
    fn codes(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.0.iter().filter(|(k, _)| k == key) {
            for part in v.split(',') {
                let c = part.trim().to_lowercase();
                if !c.is_empty() && c.chars().count() <= 40 && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out.truncate(30);
        out
    }
}

fn query_string(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

/// `path?…` for these pairs with some replaced (`None` removes the key).
fn href(path: &str, pairs: &[(String, String)], overrides: &[(&str, Option<String>)]) -> String {
    let mut out: Vec<(String, String)> = pairs
        .iter()
        .filter(|(k, _)| !overrides.iter().any(|(o, _)| o == k))
        .cloned()
        .collect();
    for (k, v) in overrides {
        if let Some(v) = v {
            out.push(((*k).to_owned(), v.clone()));
        }
    }
    if out.is_empty() {
        path.to_owned()
    } else {
        format!("{path}?{}", query_string(&out))
    }
}

fn pair(k: &str, v: impl Into<String>) -> (String, String) {
    (k.to_owned(), v.into())
}

// ------------------------------------------------------------------ reference names

/// A hotel group and its brands, from `data/reference/hotel_brands.csv`.
#[derive(Debug, Clone)]
struct ChainInfo {
    code: String,
    en: String,
    zh: String,
    brands: Vec<(String, String, String)>,
}

static CHAINS: LazyLock<Vec<ChainInfo>> = LazyLock::new(|| {
    let mut chains: Vec<ChainInfo> = Vec::new();
    for line in include_str!("../../../../data/reference/hotel_brands.csv")
        .lines()
        .skip(1)
    {
        // The first six columns never hold commas or quotes.
        let f: Vec<&str> = line.splitn(7, ',').collect();
        if f.len() < 6 {
            continue;
        }
        let brand = (f[3].to_owned(), f[4].to_owned(), f[5].to_owned());
        match chains.iter_mut().find(|c| c.code == f[0]) {
            Some(c) => c.brands.push(brand),
            None => chains.push(ChainInfo {
                code: f[0].to_owned(),
                en: f[1].to_owned(),
                zh: f[2].to_owned(),
                brands: vec![brand],
            }),
        }
    }
    chains
});

fn chain(code: &str) -> Option<&'static ChainInfo> {
    CHAINS.iter().find(|c| c.code == code)
}

fn chain_name(code: &str, chinese: bool) -> String {
    match chain(code) {
        Some(c) if chinese && !c.zh.is_empty() => c.zh.clone(),
        Some(c) => c.en.clone(),
        None => code.to_owned(),
    }
}

fn brand_name(code: &str, chinese: bool) -> String {
    CHAINS
        .iter()
        .flat_map(|c| c.brands.iter())
        .find(|(b, _, _)| b == code)
        .map(|(_, en, zh)| {
            if chinese && !zh.is_empty() {
                zh.clone()
            } else {
                en.clone()
            }
        })
        .unwrap_or_else(|| code.to_owned())
}

fn place_name(p: &Place, chinese: bool) -> String {
    if chinese && !p.name_zh.trim().is_empty() {
        p.name_zh.clone()
    } else {
        p.name_en.clone()
    }
}

// ------------------------------------------------------------------ formatting

/// Everything a hotel page formats with: the language, dates, money.
struct Fmt<'a> {
    state: &'a AppState,
    locale: Locale,
    chinese: bool,
    display: Currency,
}

impl<'a> Fmt<'a> {
    fn new(state: &'a AppState, ctx: &RequestContext) -> Fmt<'a> {
        Fmt {
            state,
            locale: ctx.locale,
            chinese: ctx.locale.is_chinese(),
            display: ctx.currency,
        }
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

    fn list_sep(&self) -> &'static str {
        if self.chinese { "、" } else { ", " }
    }

    /// "12月10日" / "10 Dec".
    fn date_short(&self, d: NaiveDate) -> String {
        date_short(self.locale, d)
    }

    /// "12月10日 周四" / "Thu 10 Dec".
    fn date_long(&self, d: NaiveDate) -> String {
        let weekday = self.t(&format!(
            "flights-weekday-{}",
            d.weekday().number_from_monday()
        ));
        self.ts(
            "flights-date-weekday",
            &[("date", &self.date_short(d)), ("weekday", &weekday)],
        )
    }

    /// The price in the display currency when that differs, approximately.
    fn approx(&self, m: Money) -> Option<String> {
        if m.currency() == self.display {
            return None;
        }
        let conv = self.state.rates().convert(m, self.display).ok()?;
        Some(self.ts("flights-approx", &[("amount", &money_text(conv.to, true))]))
    }

    /// An amount in the display currency, for comparing and plotting (itself when it cannot
    /// be converted).
    fn in_display(&self, m: Money) -> Money {
        self.state
            .rates()
            .convert(m, self.display)
            .map_or(m, |c| c.to)
    }

    fn km(&self, km: f64) -> String {
        if km < 10.0 {
            format!("{km:.1}")
        } else {
            format!("{km:.0}")
        }
    }

    fn party(&self, party: &Party) -> String {
        let mut parts = vec![self.tn("hotels-party-rooms", "count", i64::from(party.room_count()))];
        parts.push(self.tn("hotels-party-adults", "count", i64::from(party.adults())));
        if party.children() > 0 {
            parts.push(self.tn(
                "hotels-party-children",
                "count",
                i64::from(party.children()),
            ));
        }
        parts.join(self.list_sep())
    }

    fn stars_text(&self, stars: u8) -> String {
        "★".repeat(usize::from(stars))
    }

    fn review_word(&self, tenths: u8) -> String {
        let key = match tenths {
            90.. => "hotels-review-superb",
            80..=89 => "hotels-review-excellent",
            70..=79 => "hotels-review-good",
            _ => "hotels-review-fair",
        };
        self.t(key)
    }

    fn promotion(&self, p: &AppliedPromotion) -> String {
        let percent = |permille: u16| {
            if permille.is_multiple_of(10) {
                (permille / 10).to_string()
            } else {
                format!("{:.1}", f64::from(permille) / 10.0)
            }
        };
        match p.kind {
            PromotionKind::PercentOff { permille }
            | PromotionKind::EarlyBird { permille, .. }
            | PromotionKind::LastMinute { permille, .. } => self.ts(
                &format!("hotels-promo-{}", p.kind.as_str()),
                &[("percent", &percent(permille))],
            ),
            PromotionKind::StayPay {
                stay_nights,
                pay_nights,
            } => self.ts(
                "hotels-promo-stay_pay",
                &[
                    ("stay", &stay_nights.to_string()),
                    ("pay", &pay_nights.to_string()),
                ],
            ),
        }
    }
}

// ------------------------------------------------------------------ the search form

/// One age box of a room.
#[derive(Debug, Clone)]
pub struct AgeField {
    pub k: usize,
    pub choices: Vec<Choice>,
    pub filled: bool,
}

/// One room of the form.
#[derive(Debug, Clone)]
pub struct RoomField {
    pub n: usize,
    pub adults: Vec<Choice>,
    /// How many children (a script-only control: the age boxes are what is sent).
    pub children: Vec<Choice>,
    pub ages: Vec<AgeField>,
    pub used: bool,
    pub error: Option<String>,
}

/// The hotel search form as shown (home page, results, a hotel's stay box).
#[derive(Debug, Clone)]
pub struct HotelForm {
    pub action: String,
    pub title: String,
    pub submit: String,
    pub show_dest: bool,
    pub dest: String,
    pub place: String,
    pub picked: String,
    pub check_in: String,
    pub check_out: String,
    pub min_date: String,
    pub max_date: String,
    pub rooms: Vec<RoomField>,
    pub max_rooms: usize,
    pub hidden: Vec<Hidden>,
    pub errors: Vec<FormError>,
    /// Hotel classes, ticked from the signed-in traveller's minimum (an empty form only).
    pub pref_stars: Vec<Choice>,
    /// The traveller's preferred amenities, ticked (an empty form only).
    pub pref_amenities: Vec<Choice>,
}

impl HotelForm {
    /// The localized reason for a field, if it was refused.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// A room as asked, kept as typed so the form can show it again.
#[derive(Debug, Clone)]
struct RoomAsk {
    adults: String,
    ages: Vec<String>,
}

fn default_rooms() -> Vec<RoomAsk> {
    vec![RoomAsk {
        adults: "2".into(),
        ages: Vec::new(),
    }]
}

/// Rooms as asked: the form's per-room fields, else `rooms`, else two adults.
fn read_rooms(q: &Query, locale: Locale) -> (Vec<RoomAsk>, Vec<FormError>) {
    if q.has("adults1") {
        let mut asks = Vec::new();
        for n in 1..=MAX_ROOMS {
            let adults = q.get(&format!("adults{n}"));
            let ages: Vec<String> = q
                .all(&format!("ages{n}"))
                .into_iter()
                .filter(|a| !a.is_empty())
                .collect();
            if n > 1 && (adults.is_empty() || adults == "0") && ages.is_empty() {
                continue;
            }
            asks.push(RoomAsk { adults, ages });
        }
        return (asks, Vec::new());
    }
    let rooms = q.get("rooms");
    if rooms.is_empty() {
        return (default_rooms(), Vec::new());
    }
    match parse_rooms(&rooms) {
        Ok(list) => (
            list.into_iter()
                .map(|r| RoomAsk {
                    adults: r.adults.to_string(),
                    ages: r.children_ages.iter().map(i64::to_string).collect(),
                })
                .collect(),
            Vec::new(),
        ),
        Err(()) => (
            default_rooms(),
            vec![form_error(locale, "rooms", "reason-rooms-format", None)],
        ),
    }
}

/// The asked rooms as the API's bodies, or the boxes that cannot be read.
fn room_bodies(asks: &[RoomAsk], locale: Locale) -> Result<Vec<RoomBody>, Vec<FormError>> {
    let mut errors = Vec::new();
    let mut out = Vec::new();
    for (i, a) in asks.iter().enumerate() {
        let n = i + 1;
        let adults = match a.adults.parse::<u32>() {
            Ok(v) => v,
            Err(_) => {
                errors.push(form_error(
                    locale,
                    &format!("adults{n}"),
                    "flights-reason-choose",
                    None,
                ));
                0
            }
        };
        let mut ages = Vec::new();
        for age in &a.ages {
            match age.parse::<i64>() {
                Ok(v) => ages.push(v),
                Err(_) => {
                    if !errors.iter().any(|e| e.field == format!("ages{n}")) {
                        errors.push(form_error(
                            locale,
                            &format!("ages{n}"),
                            "reason-child-age",
                            Some(("max", i64::from(MAX_CHILD_AGE))),
                        ));
                    }
                }
            }
        }
        out.push(RoomBody {
            adults,
            children_ages: ages,
        });
    }
    if errors.is_empty() {
        Ok(out)
    } else {
        Err(errors)
    }
}

/// `2:5|1`.
fn rooms_param(rooms: &[RoomBody]) -> String {
    rooms
        .iter()
        .map(|r| {
            if r.children_ages.is_empty() {
                r.adults.to_string()
            } else {
                let ages: Vec<String> = r.children_ages.iter().map(i64::to_string).collect();
                format!("{}:{}", r.adults, ages.join(","))
            }
        })
        .collect::<Vec<_>>()
        .join("|")
}

fn room_fields(asks: &[RoomAsk], errors: &[FormError], locale: Locale) -> Vec<RoomField> {
    let count = asks.len().clamp(FORM_ROOMS, MAX_ROOMS);
    (1..=count)
        .map(|n| {
            let ask = asks.get(n - 1);
            let adults = ask.map(|a| a.adults.clone()).unwrap_or_else(|| "0".into());
            let ages = ask.map(|a| a.ages.clone()).unwrap_or_default();
            let slots = ages
                .len()
                .max(AGE_SLOTS)
                .min(usize::from(MAX_CHILDREN_PER_ROOM));
            let first = if n == 1 { 1 } else { 0 };
            let adult_choices = (first..=MAX_ADULTS_PER_ROOM)
                .map(|v| Choice {
                    value: v.to_string(),
                    label: if v == 0 {
                        locale.t("hotels-form-room-unused")
                    } else {
                        v.to_string()
                    },
                    selected: v.to_string() == adults,
                })
                .collect();
            let children = (0..=slots)
                .map(|v| Choice {
                    value: v.to_string(),
                    label: v.to_string(),
                    selected: v == ages.len(),
                })
                .collect();
            let age_fields = (1..=slots)
                .map(|k| {
                    let chosen = ages.get(k - 1).cloned().unwrap_or_default();
                    let mut choices = vec![Choice {
                        value: String::new(),
                        label: locale.t("hotels-form-age-none"),
                        selected: chosen.is_empty(),
                    }];
                    choices.extend((0..=MAX_CHILD_AGE).map(|a| Choice {
                        value: a.to_string(),
                        label: if a == 0 {
                            locale.t("hotels-form-age-infant")
                        } else {
                            locale.t_args(
                                "hotels-form-age-years",
                                &[("age", FluentArg::Num(a.into()))],
                            )
                        },
                        selected: chosen == a.to_string(),
                    }));
                    AgeField {
                        k,
                        choices,
                        filled: !chosen.is_empty(),
                    }
                })
                .collect();
            let error = errors
                .iter()
                .find(|e| e.field == format!("adults{n}") || e.field == format!("ages{n}"))
                .map(|e| e.message.clone());
            RoomField {
                n,
                adults: adult_choices,
                children,
                ages: age_fields,
                used: n == 1 || (ask.is_some() && adults != "0"),
                error,
            }
        })
        .collect()
}

/// The dates a blank form suggests: a night a week from now.
fn default_dates(state: &AppState) -> (NaiveDate, NaiveDate) {
    let first = earliest_check_in(state) + Duration::days(1);
    let last = state.hotels().last_night().max(first);
    let check_in = (first + Duration::days(6)).min(last);
    (check_in, check_in + Duration::days(1))
}

#[allow(clippy::too_many_arguments)]
fn build_form(
    state: &AppState,
    locale: Locale,
    action: String,
    show_dest: bool,
    (dest, place, picked): (String, String, String),
    (check_in, check_out): (String, String),
    asks: &[RoomAsk],
    hidden: Vec<Hidden>,
    errors: Vec<FormError>,
) -> HotelForm {
    let today = earliest_check_in(state);
    let last = state.hotels().last_night().max(today) + Duration::days(1);
    HotelForm {
        title: locale.t(if show_dest {
            "hotels-form-title"
        } else {
            "hotels-form-stay-title"
        }),
        submit: locale.t(if show_dest {
            "hotels-form-submit"
        } else {
            "hotels-form-stay-submit"
        }),
        action,
        show_dest,
        dest,
        place,
        picked,
        check_in,
        check_out,
        min_date: today.to_string(),
        max_date: last.to_string(),
        rooms: room_fields(asks, &errors, locale),
        max_rooms: MAX_ROOMS,
        hidden,
        errors,
        pref_stars: Vec::new(),
        pref_amenities: Vec::new(),
    }
}

/// An empty form starts from the signed-in traveller's preferences: the hotel classes from
/// their minimum up and their amenities, ticked — unless the link already asks for some.
fn apply_preferences(
    form: &mut HotelForm,
    filters: &Filters,
    user: &wayfare_accounts::Authenticated,
    locale: Locale,
) {
    let prefs = wayfare_accounts::preferences::travel_preferences(&user.user);
    if let Some(min) = prefs.hotel_min_stars.filter(|s| (1..=5).contains(s))
        && filters.stars.is_empty()
    {
        form.pref_stars = (1..=5u8)
            .map(|n| Choice {
                value: n.to_string(),
                label: locale.t_args(
                    "hotels-stars-label",
                    &[("count", FluentArg::Num(i64::from(n)))],
                ),
                selected: n >= min,
            })
            .collect();
    }
    if filters.amenities.is_empty() {
        form.pref_amenities = prefs
            .amenities()
            .into_iter()
            .map(|a| Choice {
                value: a.as_str().to_owned(),
                label: locale.t(&format!("hotels-amenity-{}", a.as_str())),
                selected: true,
            })
            .collect();
    }
}

impl Page {
    /// An empty hotel search form (the home page's hotel tab).
    pub fn hotel_form(&self, state: &AppState) -> HotelForm {
        let (check_in, check_out) = default_dates(state);
        build_form(
            state,
            self.locale,
            "/hotels".into(),
            true,
            Default::default(),
            (check_in.to_string(), check_out.to_string()),
            &default_rooms(),
            Vec::new(),
            Vec::new(),
        )
    }
}

/// The localized label of a form key, for the error summary.
fn field_label(locale: Locale, field: &str) -> String {
    let (base, n) = match field.find(|c: char| c.is_ascii_digit()) {
        Some(i) => (&field[..i], field[i..].parse::<i64>().ok()),
        None => (field, None),
    };
    let key = match base {
        "dest" | "in" | "out" | "rooms" | "adults" | "ages" | "price" | "stars" | "amenities"
        | "themes" | "chains" | "brands" | "review" | "sort" | "page" | "nights" => {
            format!("hotels-field-{base}")
        }
        _ => "hotels-field-dest".to_owned(),
    };
    match n {
        Some(n) => locale.t_args(
            "hotels-field-room-n",
            &[
                ("field", FluentArg::Str(locale.t(&key))),
                ("n", FluentArg::Num(n)),
            ],
        ),
        None => locale.t(&key),
    }
}

fn form_error(locale: Locale, field: &str, reason: &str, arg: Option<(&str, i64)>) -> FormError {
    let args: Vec<(&str, FluentArg)> = arg
        .map(|(k, v)| vec![(k, FluentArg::Num(v))])
        .unwrap_or_default();
    // Reasons are written to follow "Please check …:"; standing alone they start a sentence.
    let mut message = locale.t_args(reason, &args);
    if let Some(first) = message.chars().next().filter(char::is_ascii_lowercase) {
        message.replace_range(..1, &first.to_ascii_uppercase().to_string());
    }
    FormError {
        field: field.to_owned(),
        label: field_label(locale, field),
        message,
    }
}

/// Maps a validation field (`rooms[1].children_ages[0]`) to the form key it came from.
fn form_key(field: &str) -> String {
    if let Some(rest) = field.strip_prefix("rooms[")
        && let Some((idx, name)) = rest.split_once("].")
        && let Ok(i) = idx.parse::<usize>()
    {
        return if name.starts_with("adults") {
            format!("adults{}", i + 1)
        } else {
            format!("ages{}", i + 1)
        };
    }
    let base = field.split(['[', '.']).next().unwrap_or(field);
    match base {
        "check_in_date" => "in",
        "check_out_date" => "out",
        "rooms" => "rooms",
        "min_price" | "max_price" | "price_basis" | "currency" => "price",
        "stars" => "stars",
        "amenities" => "amenities",
        "themes" => "themes",
        "chains" => "chains",
        "brands" => "brands",
        "min_review_score" => "review",
        "sort" => "sort",
        "offset" | "limit" => "page",
        _ => "dest",
    }
    .to_owned()
}

// ------------------------------------------------------------------ destination

/// What `dest` (and a chosen `place`) resolve to: a city, landmark or airport.
fn resolve_place<'s>(state: &'s AppState, dest: &str, place: &str) -> Option<&'s Place> {
    let places = state.places();
    // A chosen suggestion counts only while the box still shows its name: typing over it
    // without JavaScript leaves the old id behind.
    if !place.is_empty()
        && let Some(p) = places.get(place)
        && (dest.is_empty()
            || p.name_en.eq_ignore_ascii_case(dest)
            || p.name_zh == dest
            || p.id == dest)
    {
        return Some(p);
    }
    let dest = dest.trim();
    if dest.is_empty() {
        return None;
    }
    if let Some(p) = places.city(dest).or_else(|| places.resolve(dest)) {
        return Some(p);
    }
    if dest.len() == 3 && dest.chars().all(|c| c.is_ascii_alphabetic()) {
        let id = format!("airport:{}", dest.to_ascii_uppercase());
        if let Some(p) = places.get(&id) {
            return Some(p);
        }
    }
    places.suggest(dest, 1).into_iter().next()
}

fn destination_body(p: Option<&Place>, dest: &str) -> DestinationBody {
    match p {
        Some(p) => match p.kind {
            PlaceKind::City => DestinationBody {
                city: Some(
                    p.city_id
                        .map(|id| id.to_string())
                        .unwrap_or_else(|| p.name_en.clone()),
                ),
                ..Default::default()
            },
            PlaceKind::Landmark => DestinationBody {
                place: Some(p.id.clone()),
                ..Default::default()
            },
            PlaceKind::Airport => DestinationBody {
                airport: Some(p.id.trim_start_matches("airport:").to_owned()),
                ..Default::default()
            },
        },
        // Unknown: validation refuses it by name.
        None => DestinationBody {
            city: Some(dest.to_owned()),
            ..Default::default()
        },
    }
}

/// The line under the destination box: what it resolved to.
fn picked_text(p: &Place, chinese: bool, locale: Locale) -> String {
    let kind = locale.t(match p.kind {
        PlaceKind::City => "hotels-place-city",
        PlaceKind::Landmark => "hotels-place-landmark",
        PlaceKind::Airport => "hotels-place-airport",
    });
    let city = if chinese && !p.city_zh.is_empty() {
        &p.city_zh
    } else {
        &p.city_en
    };
    if p.kind == PlaceKind::City || city.is_empty() {
        format!("{kind} · {}", p.country)
    } else {
        format!("{kind} · {city}")
    }
}

/// The cities with the most of our own hotels, biggest first; with `themes` or `chains`,
/// the most hotels of those (a resort search starts where the resorts are).
fn top_cities<'s>(
    state: &'s AppState,
    n: usize,
    themes: Themes,
    chains: &[String],
) -> Vec<&'s Place> {
    let Some(builtin) = state.hotels().builtin() else {
        return Vec::new();
    };
    let index = builtin.index();
    let matches = |pos: &u32| {
        let p = &index.listing(*pos).property;
        (themes.is_empty() || p.themes.intersects(themes))
            && (chains.is_empty()
                || p.chain
                    .is_some_and(|c| chains.iter().any(|x| x == c.as_str())))
    };
    let mut cities: Vec<(i64, usize)> = index
        .cities()
        .map(|(id, count)| {
            if themes.is_empty() && chains.is_empty() {
                (id, count)
            } else {
                (
                    id,
                    index
                        .city_properties(id)
                        .iter()
                        .filter(|p| matches(p))
                        .count(),
                )
            }
        })
        .filter(|(_, count)| *count > 0)
        .collect();
    cities.sort_by_key(|(id, count)| (std::cmp::Reverse(*count), *id));
    cities
        .into_iter()
        .filter_map(|(id, _)| state.places().get(&format!("city:{id}")))
        .take(n)
        .collect()
}

// ------------------------------------------------------------------ what was asked

/// The filters, read leniently; problems are found when the body is validated.
#[derive(Debug, Clone, Default)]
struct Filters {
    stars: Vec<String>,
    free_cancellation: bool,
    breakfast: bool,
    pay_at_hotel: bool,
    deals: bool,
    amenities: Vec<String>,
    themes: Vec<String>,
    chains: Vec<String>,
    brands: Vec<String>,
    min_price: String,
    max_price: String,
    review: String,
}

impl Filters {
    fn read(q: &Query) -> Filters {
        Filters {
            stars: q.codes("stars"),
            free_cancellation: q.flag("free_cancellation"),
            breakfast: q.flag("breakfast"),
            pay_at_hotel: q.flag("pay_at_hotel"),
            deals: q.flag("deals"),
            amenities: q.codes("amenities"),
            themes: q.codes("themes"),
            chains: q.codes("chains"),
            brands: q.codes("brands"),
            min_price: q.get("min_price"),
            max_price: q.get("max_price"),
            review: q.get("review"),
        }
    }

    fn active(&self) -> usize {
        usize::from(!self.stars.is_empty())
            + usize::from(self.free_cancellation)
            + usize::from(self.breakfast)
            + usize::from(self.pay_at_hotel)
            + usize::from(self.deals)
            + self.amenities.len()
            + self.themes.len()
            + self.chains.len()
            + self.brands.len()
            + usize::from(!self.min_price.is_empty() || !self.max_price.is_empty())
            + usize::from(!self.review.is_empty())
    }

    /// As query pairs, without the fields `skip` names (refused ones).
    fn pairs(&self, skip: &[String]) -> Vec<(String, String)> {
        let mut v = Vec::new();
        let keep = |k: &str| !skip.iter().any(|s| s == k);
        if keep("stars") {
            v.extend(self.stars.iter().map(|s| pair("stars", s.clone())));
        }
        for (on, k) in [
            (self.free_cancellation, "free_cancellation"),
            (self.breakfast, "breakfast"),
            (self.pay_at_hotel, "pay_at_hotel"),
            (self.deals, "deals"),
        ] {
            if on {
                v.push(pair(k, "1"));
            }
        }
        for (list, k) in [
            (&self.amenities, "amenities"),
            (&self.themes, "themes"),
            (&self.chains, "chains"),
            (&self.brands, "brands"),
        ] {
            if keep(k) {
                v.extend(list.iter().map(|s| pair(k, s.clone())));
            }
        }
        if keep("price") {
            if !self.min_price.is_empty() {
                v.push(pair("min_price", self.min_price.clone()));
            }
            if !self.max_price.is_empty() {
                v.push(pair("max_price", self.max_price.clone()));
            }
        }
        if keep("review") && !self.review.is_empty() {
            v.push(pair("review", self.review.clone()));
        }
        v
    }

    fn body(&self, locale: Locale, errors: &mut Vec<FormError>) -> FiltersBody {
        let mut stars = Vec::new();
        for s in &self.stars {
            match s.parse::<i64>() {
                Ok(n) => stars.push(n),
                Err(_) => {
                    if !errors.iter().any(|e| e.field == "stars") {
                        errors.push(form_error(locale, "stars", "reason-star-rating", None));
                    }
                }
            }
        }
        let min_review_score = if self.review.is_empty() {
            None
        } else {
            match self.review.parse::<f64>() {
                Ok(v) => Some(v),
                Err(_) => {
                    errors.push(form_error(
                        locale,
                        "review",
                        "reason-review-score-range",
                        None,
                    ));
                    None
                }
            }
        };
        let opt = |s: &str| (!s.is_empty()).then(|| s.to_owned());
        FiltersBody {
            min_price: opt(&self.min_price),
            max_price: opt(&self.max_price),
            price_basis: None,
            stars,
            amenities: self.amenities.clone(),
            min_review_score,
            max_distance_km: None,
            distance_from: None,
            free_cancellation: self.free_cancellation,
            breakfast_included: self.breakfast,
            pay_at_hotel: self.pay_at_hotel,
            chains: self.chains.clone(),
            brands: self.brands.clone(),
            themes: self.themes.clone(),
            deals_only: self.deals,
        }
    }
}

/// Everything `/hotels` was asked, read leniently.
struct Asked<'s> {
    dest: String,
    place: Option<&'s Place>,
    check_in: String,
    check_out: String,
    rooms: Vec<RoomAsk>,
    errors: Vec<FormError>,
    filters: Filters,
    sort: String,
    page: String,
    map: bool,
    bbox: Option<Extent>,
}

fn read_asked<'s>(state: &'s AppState, q: &Query, locale: Locale) -> Asked<'s> {
    let dest = q.get("dest");
    let place = resolve_place(state, &dest, &q.get("place"));
    let (rooms, errors) = read_rooms(q, locale);
    let (d_in, d_out) = default_dates(state);
    let or = |k: &str, default: String| {
        let v = q.get(k);
        if v.is_empty() { default } else { v }
    };
    Asked {
        dest,
        place,
        check_in: or("in", d_in.to_string()),
        check_out: or("out", d_out.to_string()),
        rooms,
        errors,
        filters: Filters::read(q),
        sort: or("sort", "recommended".into()),
        page: or("page", "1".into()),
        map: q.get("view") == "map",
        bbox: Extent::parse(&q.get("bbox")),
    }
}

impl Asked<'_> {
    /// The destination box's text, the place id and the line under the box.
    fn dest_fields(&self, chinese: bool, locale: Locale) -> (String, String, String) {
        match self.place {
            Some(p) => (
                place_name(p, chinese),
                p.id.clone(),
                picked_text(p, chinese, locale),
            ),
            None => (self.dest.clone(), String::new(), String::new()),
        }
    }

    /// The search's own parameters, in a stable order.
    fn search_pairs(&self, rooms: &str, chinese: bool) -> Vec<(String, String)> {
        let mut v = Vec::new();
        match self.place {
            Some(p) => {
                v.push(pair("dest", place_name(p, chinese)));
                v.push(pair("place", p.id.clone()));
            }
            None => v.push(pair("dest", self.dest.clone())),
        }
        v.push(pair("in", self.check_in.clone()));
        v.push(pair("out", self.check_out.clone()));
        v.push(pair("rooms", rooms));
        v
    }
}

// ------------------------------------------------------------------ result cards

#[derive(Debug, Clone)]
pub struct Badge {
    pub text: String,
    pub class: &'static str,
}

/// One hotel in a list: what it is, where, and its cheapest stay.
#[derive(Debug, Clone)]
pub struct HotelCard {
    pub n: usize,
    pub id: String,
    pub href: String,
    pub photo: String,
    pub name: String,
    pub alt_name: String,
    pub stars: u8,
    pub stars_text: String,
    pub stars_label: String,
    pub score: Option<String>,
    pub score_word: String,
    pub reviews: String,
    pub address: String,
    pub distance: String,
    pub group: String,
    pub amenities: Vec<String>,
    pub badges: Vec<Badge>,
    pub nightly: String,
    pub total: String,
    pub was: Option<String>,
    pub saving: Option<String>,
    pub promo: Option<String>,
    pub approx: Option<String>,
    pub rooms_left: Option<String>,
    /// The stay's total in the display currency, minor units (for ordering checks).
    pub price_minor: i64,
    pub free_cancellation: bool,
}

/// Amenities worth naming on a card, most telling first.
const CARD_AMENITIES: &[Amenity] = &[
    Amenity::Pool,
    Amenity::Spa,
    Amenity::BeachAccess,
    Amenity::HotSpring,
    Amenity::KidsClub,
    Amenity::Gym,
    Amenity::AirportShuttle,
    Amenity::Parking,
    Amenity::Restaurant,
    Amenity::FamilyRooms,
    Amenity::PetFriendly,
    Amenity::Wifi,
];

fn amenity_name(fmt: &Fmt, a: Amenity) -> String {
    fmt.t(&format!("hotels-amenity-{}", a.as_str()))
}

fn saving_percent(rate: &HotelRate) -> Option<i64> {
    let was = rate.price.was()?.minor();
    let now = rate.price.total.minor();
    (was > now && was > 0).then(|| ((was - now) * 100 + was / 2) / was)
}

fn group_text(chain: Option<&str>, brand: Option<&str>, chinese: bool) -> String {
    match (chain, brand) {
        (Some("independent"), _) | (None, None) => String::new(),
        (Some(c), Some(b)) => {
            let (c, b) = (chain_name(c, chinese), brand_name(b, chinese));
            if c == b { c } else { format!("{c} · {b}") }
        }
        (Some(c), None) => chain_name(c, chinese),
        (None, Some(b)) => brand_name(b, chinese),
    }
}

fn rate_is_free(rate: &HotelRate, now: DateTime<Utc>) -> bool {
    rate.free_cancellation_until.is_some_and(|t| now < t)
}

/// A card for an offer; `stay` is the query its link carries (dates, rooms, where from).
fn hotel_card(
    fmt: &Fmt,
    o: &HotelOffer,
    n: usize,
    stay: &[(String, String)],
    from: Option<(GeoPoint, String)>,
    now: DateTime<Utc>,
) -> Option<HotelCard> {
    let rate = o.cheapest()?;
    let h = &o.hotel;
    let name = h.name.get(fmt.chinese).to_owned();
    let alt = h.name.get(!fmt.chinese).to_owned();
    let stars = h.stars.map_or(0, |s| s.get());
    let mut badges = Vec::new();
    let free = rate_is_free(rate, now);
    if free {
        badges.push(Badge {
            text: fmt.t("hotels-badge-free-cancellation"),
            class: "is-ok",
        });
    }
    if rate.board.includes_breakfast() {
        badges.push(Badge {
            text: fmt.t(&format!("hotels-board-{}", rate.board.as_str())),
            class: "is-ok",
        });
    }
    if rate.payment == Payment::PayAtHotel {
        badges.push(Badge {
            text: fmt.t("hotels-payment-pay_at_hotel"),
            class: "is-info",
        });
    }
    let saving = saving_percent(rate);
    let nights = rate.price.nights().max(1) as i64;
    Some(HotelCard {
        n,
        id: h.id.clone(),
        href: href(&format!("/hotels/{}", h.id), stay, &[]),
        photo: format!("/hotels/{}/photo/0.svg", h.id),
        alt_name: if alt != name { alt } else { String::new() },
        name,
        stars,
        stars_text: fmt.stars_text(stars),
        stars_label: if stars > 0 {
            fmt.tn("hotels-stars-label", "count", i64::from(stars))
        } else {
            String::new()
        },
        score: h.reviews.score.map(|s| s.to_string()),
        score_word: h
            .reviews
            .score
            .map(|s| fmt.review_word(s.tenths()))
            .unwrap_or_default(),
        reviews: if h.reviews.count > 0 {
            fmt.tn("hotels-reviews", "count", i64::from(h.reviews.count))
        } else {
            fmt.t("hotels-reviews-none")
        },
        address: h.address.get(fmt.chinese).to_owned(),
        distance: match from {
            Some((p, label)) => fmt.ts(
                "hotels-distance-from",
                &[
                    ("km", &fmt.km(h.location.distance_km(p))),
                    ("place", &label),
                ],
            ),
            None => String::new(),
        },
        group: group_text(h.chain.as_deref(), h.brand.as_deref(), fmt.chinese),
        amenities: CARD_AMENITIES
            .iter()
            .filter(|a| h.amenities.contains(**a))
            .take(4)
            .map(|a| amenity_name(fmt, *a))
            .collect(),
        badges,
        nightly: money_text(rate.price.average_nightly(), true),
        total: fmt.ts(
            "hotels-price-total",
            &[
                ("amount", &money_text(rate.price.total, false)),
                ("nights", &fmt.tn("hotels-nights", "count", nights)),
            ],
        ),
        was: rate
            .price
            .was()
            .map(|w| fmt.ts("hotels-was-price", &[("amount", &money_text(w, false))])),
        saving: saving.map(|p| fmt.ts("hotels-saving", &[("percent", &p.to_string())])),
        promo: rate.price.promotion.as_ref().map(|p| fmt.promotion(p)),
        approx: fmt.approx(rate.price.average_nightly()),
        rooms_left: (rate.rooms_left <= 5)
            .then(|| fmt.tn("hotels-rooms-left", "count", i64::from(rate.rooms_left))),
        price_minor: fmt.in_display(rate.price.total).minor(),
        free_cancellation: free,
    })
}

// ------------------------------------------------------------------ maps

/// A map as a page shows it: the plot, and what the script needs to lay it over tiles.
#[derive(Debug, Clone)]
pub struct MapView {
    pub plot: MapPlot,
    pub label: String,
    pub caption: String,
    pub tiles: Option<String>,
    pub attribution: String,
    /// The search as JSON (no destination) for fetching clusters as the map moves; empty
    /// when the map does not refetch.
    pub search_json: String,
    /// A hotel's page, with `{id}` for the hotel.
    pub hotel_href: String,
    /// Nights × rooms: map prices are per room and night.
    pub per: String,
    pub currency: String,
    pub zoom_out: Option<String>,
}

fn map_view(fmt: &Fmt, plot: MapPlot, label: String, caption: String) -> MapView {
    let state = fmt.state;
    let tiles = state.config().map_tiles_url.clone();
    // OpenStreetMap's tiles must credit its contributors; others are named by their host.
    let attribution = tiles
        .as_deref()
        .and_then(|t| t.split("//").nth(1))
        .and_then(|rest| rest.split('/').next())
        .map(|host| {
            if host.contains("openstreetmap") {
                fmt.t("hotels-map-osm-credit")
            } else {
                host.to_owned()
            }
        })
        .unwrap_or_default();
    MapView {
        plot,
        label,
        caption,
        tiles,
        attribution,
        search_json: String::new(),
        hotel_href: String::new(),
        per: "1".into(),
        currency: String::new(),
        zoom_out: None,
    }
}

/// The pins' prices per room and night in the display currency, cheapest first.
fn priced_pins(fmt: &Fmt, pins: Vec<HotelPin>, per: i64) -> Vec<(HotelPin, Money)> {
    let mut priced: Vec<(HotelPin, Money)> = pins
        .into_iter()
        .map(|p| {
            let m = fmt.in_display(p.cheapest_total);
            let nightly = Money::from_minor(m.minor() / per.max(1), m.currency());
            (p, nightly)
        })
        .collect();
    priced.sort_by(|a, b| {
        a.1.minor()
            .cmp(&b.1.minor())
            .then_with(|| a.0.hotel_id.cmp(&b.0.hotel_id))
    });
    priced
}

/// An item of the list beside the map.
#[derive(Debug, Clone)]
pub struct MapItem {
    pub name: String,
    pub stars_text: String,
    pub stars_label: String,
    pub price: String,
    pub href: String,
}

// ------------------------------------------------------------------ results page

#[derive(Debug, Clone)]
pub struct Facet {
    pub value: String,
    pub label: String,
    pub checked: bool,
}

#[derive(Debug, Clone, Default)]
pub struct FilterPanel {
    pub hidden: Vec<Hidden>,
    pub stars: Vec<Facet>,
    pub reviews: Vec<Choice>,
    pub toggles: Vec<Facet>,
    pub themes: Vec<Facet>,
    pub chains: Vec<Facet>,
    pub brands: Vec<Facet>,
    pub amenities: Vec<Facet>,
    pub amenities_open: bool,
    pub min_price: String,
    pub max_price: String,
    pub currency: String,
    pub active: usize,
    pub clear_href: String,
}

#[derive(Debug, Clone)]
pub struct LinkTab {
    pub label: String,
    pub href: String,
    pub current: bool,
}

/// A destination or a theme to start from.
#[derive(Debug, Clone)]
pub struct Tile {
    pub label: String,
    pub detail: String,
    pub href: String,
    pub kind: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotels.html")]
pub struct HotelsTemplate {
    page: Page,
    form: HotelForm,
    searched: bool,
    title: String,
    heading: String,
    lead: String,
    meta: String,
    destinations: Vec<Tile>,
    views: Vec<LinkTab>,
    map: Option<MapView>,
    map_items: Vec<MapItem>,
    map_note: String,
    tabs: Vec<LinkTab>,
    cards: Vec<HotelCard>,
    count: String,
    pages: Vec<LinkTab>,
    prev_href: Option<String>,
    next_href: Option<String>,
    warning: Option<String>,
    filters: FilterPanel,
    suggestions: Vec<Tile>,
    currency_note: Option<String>,
}

impl HotelsTemplate {
    fn landing(page: Page, form: HotelForm) -> HotelsTemplate {
        HotelsTemplate {
            title: page.t("hotels-title"),
            heading: page.t("hotels-title"),
            lead: page.t("hotels-lead"),
            page,
            form,
            searched: false,
            meta: String::new(),
            destinations: Vec::new(),
            views: Vec::new(),
            map: None,
            map_items: Vec::new(),
            map_note: String::new(),
            tabs: Vec::new(),
            cards: Vec::new(),
            count: String::new(),
            pages: Vec::new(),
            prev_href: None,
            next_href: None,
            warning: None,
            filters: FilterPanel::default(),
            suggestions: Vec::new(),
            currency_note: None,
        }
    }
}

fn hidden(pairs: &[(String, String)]) -> Vec<Hidden> {
    pairs
        .iter()
        .map(|(k, v)| Hidden {
            name: k.clone(),
            value: v.clone(),
        })
        .collect()
}

fn warning_text(
    fmt: &Fmt,
    warnings: &[wayfare_suppliers::aggregate::SupplierWarning],
) -> Option<String> {
    (!warnings.is_empty()).then(|| {
        let names: Vec<String> = warnings
            .iter()
            .map(|w| {
                let mut name = w.supplier.clone();
                if let Some(first) = name.get(..1).map(str::to_ascii_uppercase) {
                    name.replace_range(..1, &first);
                }
                name
            })
            .collect();
        fmt.ts(
            "hotels-partial",
            &[("suppliers", &names.join(fmt.list_sep()))],
        )
    })
}

/// Themes offered as starting points, with the city that suits each best.
const THEME_TILES: &[Theme] = &[
    Theme::Family,
    Theme::Resort,
    Theme::Business,
    Theme::Luxury,
    Theme::Boutique,
    Theme::Homestay,
    Theme::Spa,
    Theme::Budget,
];

/// Links to start from on a landing page: the top destinations with what was asked so far.
fn destination_tiles(
    state: &AppState,
    fmt: &Fmt,
    filters: &Filters,
    check_in: &str,
    check_out: &str,
) -> Vec<Tile> {
    let carry = filters.pairs(&[]);
    let themes: Themes = filters
        .themes
        .iter()
        .filter_map(|t| Theme::parse(t))
        .collect();
    top_cities(state, 8, themes, &filters.chains)
        .into_iter()
        .map(|p| {
            let mut pairs = vec![
                pair("dest", place_name(p, fmt.chinese)),
                pair("place", p.id.clone()),
                pair("in", check_in),
                pair("out", check_out),
                pair("rooms", "2"),
            ];
            pairs.extend(carry.iter().cloned());
            Tile {
                label: place_name(p, fmt.chinese),
                detail: place_name(p, !fmt.chinese),
                href: href("/hotels", &pairs, &[]),
                kind: "city".into(),
            }
        })
        .collect()
}

/// Renders the landing page with the form and its errors, as a 422.
fn refused(tpl: HotelsTemplate) -> Response {
    (StatusCode::UNPROCESSABLE_ENTITY, tpl).into_response()
}

/// `GET /hotels`: results as a list or a map (or the search form when nothing was asked).
pub async fn hotels(
    State(state): State<AppState>,
    ctx: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &ctx);
    let locale = ctx.locale;
    let fmt = Fmt::new(&state, &ctx);
    let chinese = fmt.chinese;
    let q = Query::parse(raw.as_deref());
    // A flight being booked with a hotel: carried to the hotel page's Book links.
    let trip = super::bookings::trip_pairs(&q.0);
    let asked = read_asked(&state, &q, locale);
    let mut errors = asked.errors.clone();
    let bodies = match room_bodies(&asked.rooms, locale) {
        Ok(b) => Some(b),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    let filters_body = asked.filters.body(locale, &mut errors);
    let page_no = match asked.page.parse::<usize>() {
        Ok(n) if n >= 1 => n,
        _ => {
            errors.push(form_error(
                locale,
                "page",
                "reason-offset-range",
                Some((
                    "max",
                    (wayfare_domain::hotel::search::MAX_OFFSET / PAGE_SIZE) as i64,
                )),
            ));
            1
        }
    };
    let nothing_asked = !q.has("dest") && !q.has("place") && !q.has("in");
    let make_form = |errors: Vec<FormError>| {
        let skip: Vec<String> = errors.iter().map(|e| e.field.clone()).collect();
        let mut carry = asked.filters.pairs(&skip);
        if asked.sort != "recommended" && !skip.iter().any(|s| s == "sort") {
            carry.push(pair("sort", asked.sort.clone()));
        }
        if asked.map {
            carry.push(pair("view", "map"));
        }
        carry.extend(trip.iter().cloned());
        build_form(
            &state,
            locale,
            "/hotels".into(),
            true,
            asked.dest_fields(chinese, locale),
            (asked.check_in.clone(), asked.check_out.clone()),
            &asked.rooms,
            hidden(&carry),
            errors,
        )
    };
    if nothing_asked {
        let mut form = make_form(errors);
        if let Some(user) = &ctx.user {
            apply_preferences(&mut form, &asked.filters, user, locale);
        }
        let mut tpl = HotelsTemplate::landing(page, form);
        let (d_in, d_out) = default_dates(&state);
        tpl.destinations = destination_tiles(
            &state,
            &fmt,
            &asked.filters,
            &d_in.to_string(),
            &d_out.to_string(),
        );
        // A theme or a group asked without a place: say so above the form.
        let themes: Vec<String> = asked
            .filters
            .themes
            .iter()
            .filter(|t| Theme::parse(t).is_some())
            .map(|t| fmt.t(&format!("hotels-theme-{t}")))
            .collect();
        let chains: Vec<String> = asked
            .filters
            .chains
            .iter()
            .filter(|c| chain(c).is_some())
            .map(|c| chain_name(c, chinese))
            .collect();
        if !themes.is_empty() || !chains.is_empty() {
            let what = themes
                .into_iter()
                .chain(chains)
                .collect::<Vec<_>>()
                .join(fmt.list_sep());
            tpl.heading = fmt.ts("hotels-landing-heading", &[("what", &what)]);
            tpl.title = tpl.heading.clone();
            tpl.lead = fmt.t("hotels-landing-lead");
        }
        return Ok(tpl.into_response());
    }
    let Some(rooms) = bodies.filter(|_| errors.is_empty()) else {
        return Ok(refused(HotelsTemplate::landing(page, make_form(errors))));
    };
    let body = HotelSearchBody {
        destination: destination_body(asked.place, &asked.dest),
        check_in: asked.check_in.clone(),
        check_out: asked.check_out.clone(),
        rooms: rooms.clone(),
        currency: None,
        filters: filters_body.clone(),
        sort: Some(asked.sort.clone()),
        limit: Some(PAGE_SIZE as u32),
        offset: Some(((page_no - 1) * PAGE_SIZE).min(u32::MAX as usize) as u32),
        zoom: None,
    };
    let today = earliest_check_in(&state);
    let last = state.hotels().last_night();
    let search = match HotelSearch::validate(
        &body,
        today,
        last,
        &Context {
            state: &state,
            currency: ctx.currency,
        },
    ) {
        Ok(s) => s,
        Err(refusals) => {
            let mut errors: Vec<FormError> = Vec::new();
            for e in refusals {
                let key = form_key(&e.field);
                if !errors.iter().any(|x| x.field == key) {
                    errors.push(form_error(locale, &key, e.reason, e.arg));
                }
            }
            return Ok(refused(HotelsTemplate::landing(page, make_form(errors))));
        }
    };

    let rooms_str = rooms_param(&rooms);
    let mut s_pairs = asked.search_pairs(&rooms_str, chinese);
    s_pairs.extend(trip.iter().cloned());
    let f_pairs = asked.filters.pairs(&[]);
    let mut state_pairs: Vec<(String, String)> = s_pairs.iter().chain(&f_pairs).cloned().collect();
    state_pairs.push(pair("sort", search.sort.as_str()));
    if asked.map {
        state_pairs.push(pair("view", "map"));
    }
    let dest_name = asked
        .place
        .map(|p| place_name(p, chinese))
        .unwrap_or_else(|| asked.dest.clone());
    let nights = i64::from(search.stay.nights());
    let per = nights * i64::from(search.party.room_count());

    // The list page, and the pins when the map is asked.
    let rates = state.rates();
    let map_request = if asked.map {
        let query_box = asked.bbox.unwrap_or_else(|| {
            let c = search.destination.centre();
            let km = match &search.destination {
                wayfare_domain::hotel::search::Destination::Area { radius_km, .. } => *radius_km,
                _ => CITY_MAP_KM,
            };
            Extent::around(c.lat(), c.lon(), km)
        });
        Some(query_box)
    } else {
        None
    };
    let map_search = match map_request {
        Some(e) => {
            let map_body = wayfare_domain::hotel::search::HotelMapSearchBody {
                bbox: BboxBody {
                    south: e.south,
                    west: e.west,
                    north: e.north,
                    east: e.east,
                },
                zoom: 12,
                check_in: body.check_in.clone(),
                check_out: body.check_out.clone(),
                rooms: rooms.clone(),
                currency: None,
                filters: filters_body.clone(),
            };
            HotelMapSearch::validate(&map_body, today, last, ctx.currency).ok()
        }
        None => None,
    };
    let aggregator = state.hotels().aggregator();
    let (outcome, pins) = tokio::join!(
        async {
            if asked.map {
                HotelSearchOutcome::default()
            } else {
                aggregator.search(&search, &rates).await
            }
        },
        async {
            match &map_search {
                Some(m) => Some(aggregator.map(m).await),
                None => None,
            }
        }
    );
    let now = state.hotels().now();
    let centre_label = match asked.place.map(|p| p.kind) {
        Some(PlaceKind::City) | None => fmt.t("hotels-distance-centre"),
        Some(_) => dest_name.clone(),
    };
    let stay_link: Vec<(String, String)> = s_pairs.clone();
    let mut tpl = HotelsTemplate::landing(page, make_form(Vec::new()));
    tpl.searched = true;
    tpl.title = fmt.ts("hotels-results-title", &[("place", &dest_name)]);
    tpl.heading = tpl.title.clone();
    tpl.meta = format!(
        "{} – {} · {} · {}",
        fmt.date_long(search.stay.check_in()),
        fmt.date_long(search.stay.check_out()),
        fmt.tn("hotels-nights", "count", nights),
        fmt.party(&search.party)
    );

    // List or map.
    tpl.views = ["list", "map"]
        .iter()
        .map(|v| LinkTab {
            label: fmt.t(&format!("hotels-view-{v}")),
            href: href(
                "/hotels",
                &state_pairs,
                &[
                    ("view", (*v == "map").then(|| "map".to_owned())),
                    ("page", None),
                    ("bbox", None),
                ],
            ),
            current: (*v == "map") == asked.map,
        })
        .collect();
    tpl.tabs = HotelSort::ALL
        .iter()
        .map(|s| LinkTab {
            label: fmt.t(&format!("hotels-sort-{}", s.as_str())),
            href: href(
                "/hotels",
                &state_pairs,
                &[("sort", Some(s.as_str().to_owned())), ("page", None)],
            ),
            current: *s == search.sort,
        })
        .collect();

    if let Some(outcome) = pins {
        let box_used = map_request.unwrap_or_else(|| Extent::around(0.0, 0.0, 10.0));
        tpl.warning = warning_text(&fmt, &outcome.warnings);
        let priced = priced_pins(&fmt, outcome.pins, per);
        let points: Vec<(f64, f64)> = priced
            .iter()
            .map(|(p, _)| (p.location.lat(), p.location.lon()))
            .collect();
        // The middle nine tenths of the hotels, with room around them; "look closer" and
        // "show the whole area" links move from there.
        let extent = match asked.bbox {
            Some(b) => b,
            None if points.len() >= 2 => Extent::of_most(&points, 0.05)
                .map(|e| {
                    let (lat, lng) = ((e.south + e.north) / 2.0, (e.west + e.east) / 2.0);
                    e.zoomed_at(lat, lng, 1.25)
                })
                .unwrap_or(box_used),
            None => box_used,
        };
        let mut plot = MapPlot::new(extent, PLOT_WIDTH);
        let domain_pins: Vec<Pin> = priced
            .iter()
            .enumerate()
            .map(|(i, (p, m))| Pin {
                id: PropertyId(i as u64),
                location: p.location,
                price: Some(*m),
            })
            .collect();
        let pe = plot.extent;
        let clusters = match BoundingBox::new(pe.south, pe.west, pe.north, pe.east) {
            Ok(b) => cluster_pins(&domain_pins, b, plot.zoom),
            Err(_) => Vec::new(),
        };
        let c = search.destination.centre();
        plot.add(
            "centre",
            (c.lat(), c.lon()),
            dest_name.clone(),
            dest_name.clone(),
            None,
            0,
            String::new(),
        );
        for cl in &clusters {
            let at = (cl.centre.lat(), cl.centre.lon());
            let price = cl
                .min_price
                .map(|m| money_text(m, true))
                .unwrap_or_default();
            match cl.property.and_then(|id| priced.get(id.0 as usize)) {
                Some((p, m)) if cl.count == 1 => plot.add(
                    "hotel",
                    at,
                    money_text(*m, true),
                    p.name.get(chinese).to_owned(),
                    Some(href(&format!("/hotels/{}", p.hotel_id), &stay_link, &[])),
                    1,
                    p.hotel_id.clone(),
                ),
                _ => {
                    let zoomed = plot.extent.zoomed_at(at.0, at.1, 1.0 / 3.0);
                    plot.add(
                        "cluster",
                        at,
                        cl.count.to_string(),
                        fmt.ts(
                            "hotels-map-cluster",
                            &[("count", &cl.count.to_string()), ("price", &price)],
                        ),
                        Some(href(
                            "/hotels",
                            &state_pairs,
                            &[("bbox", Some(zoomed.to_param())), ("page", None)],
                        )),
                        cl.count,
                        String::new(),
                    );
                }
            }
        }
        let mut map = map_view(
            &fmt,
            plot,
            fmt.ts("hotels-map-label", &[("place", &dest_name)]),
            fmt.tn("hotels-map-caption", "count", priced.len() as i64),
        );
        let filters_json = &filters_body;
        map.search_json = serde_json::json!({
            "check_in_date": body.check_in,
            "check_out_date": body.check_out,
            "rooms": rooms.iter().map(|r| serde_json::json!({"adults": r.adults, "children_ages": r.children_ages})).collect::<Vec<_>>(),
            "currency": ctx.currency.code(),
            "min_price": filters_json.min_price,
            "max_price": filters_json.max_price,
            "stars": filters_json.stars,
            "amenities": filters_json.amenities,
            "min_review_score": filters_json.min_review_score,
            "free_cancellation": filters_json.free_cancellation,
            "breakfast_included": filters_json.breakfast_included,
            "pay_at_hotel": filters_json.pay_at_hotel,
            "chains": filters_json.chains,
            "brands": filters_json.brands,
            "themes": filters_json.themes,
            "deals_only": filters_json.deals_only,
        })
        .to_string();
        map.hotel_href = format!("/hotels/{{id}}?{}", query_string(&stay_link));
        map.per = per.to_string();
        map.currency = ctx.currency.code().to_owned();
        // Back out to everything: from a closer look, or when far-off hotels were left out.
        let whole = Extent::of(points.iter().copied());
        let all_shown = whole.is_some_and(|w| {
            w.west >= pe.west && w.east <= pe.east && w.south >= pe.south && w.north <= pe.north
        });
        map.zoom_out = match (asked.bbox, whole) {
            (Some(_), _) => Some(href(
                "/hotels",
                &state_pairs,
                &[("bbox", None), ("page", None)],
            )),
            (None, Some(w)) if !all_shown => Some(href(
                "/hotels",
                &state_pairs,
                &[
                    (
                        "bbox",
                        Some(
                            w.zoomed_at((w.south + w.north) / 2.0, (w.west + w.east) / 2.0, 1.1)
                                .to_param(),
                        ),
                    ),
                    ("page", None),
                ],
            )),
            _ => None,
        };
        tpl.map_note = if priced.len() > MAP_LIST {
            fmt.ts(
                "hotels-map-list-some",
                &[
                    ("shown", &MAP_LIST.to_string()),
                    ("total", &priced.len().to_string()),
                ],
            )
        } else {
            fmt.tn("hotels-count", "count", priced.len() as i64)
        };
        tpl.count = tpl.map_note.clone();
        tpl.map_items = priced
            .iter()
            .take(MAP_LIST)
            .map(|(p, m)| {
                let stars = p.stars.map_or(0, |s| s.get());
                MapItem {
                    name: p.name.get(chinese).to_owned(),
                    stars_text: fmt.stars_text(stars),
                    stars_label: if stars > 0 {
                        fmt.tn("hotels-stars-label", "count", i64::from(stars))
                    } else {
                        String::new()
                    },
                    price: fmt.ts("hotels-from-nightly", &[("price", &money_text(*m, true))]),
                    href: href(&format!("/hotels/{}", p.hotel_id), &stay_link, &[]),
                }
            })
            .collect();
        tpl.map = Some(map);
    } else {
        tpl.warning = warning_text(&fmt, &outcome.warnings);
        let from = Some((search.distance_from, centre_label));
        tpl.cards = outcome
            .offers
            .iter()
            .enumerate()
            .filter_map(|(i, o)| {
                hotel_card(
                    &fmt,
                    o,
                    search.offset + i + 1,
                    &stay_link,
                    from.clone(),
                    now,
                )
            })
            .collect();
        let total = outcome.total;
        tpl.count = if total > tpl.cards.len() {
            fmt.ts(
                "hotels-count-some",
                &[
                    ("from", &(search.offset + 1).to_string()),
                    ("to", &(search.offset + tpl.cards.len()).to_string()),
                    ("total", &total.to_string()),
                ],
            )
        } else {
            fmt.tn("hotels-count", "count", tpl.cards.len() as i64)
        };
        let last_page = total
            .div_ceil(PAGE_SIZE)
            .clamp(1, wayfare_domain::hotel::search::MAX_OFFSET / PAGE_SIZE + 1);
        let page_href = |n: usize| {
            href(
                "/hotels",
                &state_pairs,
                &[("page", (n > 1).then(|| n.to_string()))],
            )
        };
        if last_page > 1 {
            let lo = page_no.saturating_sub(2).max(1);
            let hi = (lo + 4).min(last_page);
            tpl.pages = (lo..=hi)
                .map(|n| LinkTab {
                    label: n.to_string(),
                    href: page_href(n),
                    current: n == page_no,
                })
                .collect();
            tpl.prev_href = (page_no > 1).then(|| page_href(page_no - 1));
            tpl.next_href = (page_no < last_page).then(|| page_href(page_no + 1));
        }
    }

    // Nothing found: ways out.
    let empty = if asked.map {
        tpl.map_items.is_empty()
    } else {
        tpl.cards.is_empty()
    };
    if empty {
        if asked.filters.active() > 0 {
            tpl.suggestions.push(Tile {
                label: fmt.t("hotels-suggest-clear"),
                detail: String::new(),
                href: href("/hotels", &s_pairs, &[]),
                kind: "clear".into(),
            });
        }
        let next_week = search.stay.check_in() + Duration::days(7);
        if next_week <= last {
            let out = next_week + Duration::days(nights);
            tpl.suggestions.push(Tile {
                label: fmt.ts(
                    "hotels-suggest-dates",
                    &[("date", &fmt.date_long(next_week))],
                ),
                detail: String::new(),
                href: href(
                    "/hotels",
                    &state_pairs,
                    &[
                        ("in", Some(next_week.to_string())),
                        ("out", Some(out.to_string())),
                        ("page", None),
                    ],
                ),
                kind: "dates".into(),
            });
        }
    }

    tpl.filters = filter_panel(&fmt, &asked, &s_pairs, search.sort, ctx.currency);
    tpl.currency_note = Some(fmt.ts("hotels-currency-note", &[("currency", ctx.currency.code())]));
    Ok(tpl.into_response())
}

fn filter_panel(
    fmt: &Fmt,
    asked: &Asked,
    s_pairs: &[(String, String)],
    sort: HotelSort,
    currency: Currency,
) -> FilterPanel {
    let f = &asked.filters;
    let mut keep = s_pairs.to_vec();
    keep.push(pair("sort", sort.as_str()));
    if asked.map {
        keep.push(pair("view", "map"));
    }
    let facet = |value: &str, label: String, chosen: &[String]| Facet {
        value: value.to_owned(),
        label,
        checked: chosen.iter().any(|c| c == value),
    };
    let mut brands = Vec::new();
    for c in f.chains.iter().filter_map(|c| chain(c)) {
        for (code, _, _) in &c.brands {
            brands.push(facet(code, brand_name(code, fmt.chinese), &f.brands));
        }
    }
    for b in &f.brands {
        if !brands.iter().any(|x| &x.value == b) {
            brands.push(facet(b, brand_name(b, fmt.chinese), &f.brands));
        }
    }
    let mut reviews = vec![Choice {
        value: String::new(),
        label: fmt.t("hotels-review-any"),
        selected: f.review.is_empty(),
    }];
    reviews.extend(["9", "8", "7"].iter().map(|v| Choice {
        value: (*v).to_owned(),
        label: fmt.ts("hotels-review-min", &[("score", v)]),
        selected: f.review == *v,
    }));
    let mut keep_clear = s_pairs.to_vec();
    if asked.map {
        keep_clear.push(pair("view", "map"));
    }
    FilterPanel {
        hidden: hidden(&keep),
        stars: (1..=5u8)
            .rev()
            .map(|s| {
                facet(
                    &s.to_string(),
                    fmt.tn("hotels-stars-label", "count", i64::from(s)),
                    &f.stars,
                )
            })
            .collect(),
        reviews,
        toggles: [
            (
                "free_cancellation",
                "hotels-filter-free-cancellation",
                f.free_cancellation,
            ),
            ("breakfast", "hotels-filter-breakfast", f.breakfast),
            ("pay_at_hotel", "hotels-filter-pay-at-hotel", f.pay_at_hotel),
            ("deals", "hotels-filter-deals", f.deals),
        ]
        .iter()
        .map(|(k, label, on)| Facet {
            value: (*k).to_owned(),
            label: fmt.t(label),
            checked: *on,
        })
        .collect(),
        themes: Theme::ALL
            .iter()
            .map(|t| {
                facet(
                    t.as_str(),
                    fmt.t(&format!("hotels-theme-{}", t.as_str())),
                    &f.themes,
                )
            })
            .collect(),
        chains: CHAINS
            .iter()
            .filter(|c| c.code != "independent")
            .map(|c| facet(&c.code, chain_name(&c.code, fmt.chinese), &f.chains))
            .collect(),
        brands,
        amenities: Amenity::ALL
            .iter()
            .map(|a| facet(a.as_str(), amenity_name(fmt, *a), &f.amenities))
            .collect(),
        amenities_open: !f.amenities.is_empty(),
        min_price: f.min_price.clone(),
        max_price: f.max_price.clone(),
        currency: currency.code().to_owned(),
        active: f.active(),
        clear_href: href("/hotels", &keep_clear, &[]),
    }
}

// ------------------------------------------------------------------ a hotel

#[derive(Debug, Clone)]
pub struct Photo {
    pub src: String,
    pub alt: String,
}

/// One bookable rate, in plain words.
#[derive(Debug, Clone)]
pub struct RateView {
    pub id: String,
    pub plan: String,
    pub lines: Vec<Line>,
    pub cancellation: Vec<Line>,
    pub member: bool,
    pub free: bool,
    pub promo: Option<String>,
    pub was: Option<String>,
    pub total: String,
    pub nightly: String,
    pub approx: Option<String>,
    pub taxes: String,
    pub rooms_left: Option<String>,
    pub price_minor: i64,
    /// The checkout for this rate (with the trip's flight when one is being booked).
    pub book_href: String,
}

/// A room type (or, for several rooms, the set of them) with its rates, cheapest first.
#[derive(Debug, Clone)]
pub struct RoomGroup {
    pub n: usize,
    pub name: String,
    pub details: Vec<String>,
    pub facilities: Vec<String>,
    pub rates: Vec<RateView>,
}

#[derive(Debug, Clone)]
pub struct LinkItem {
    pub text: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotel.html")]
pub struct HotelTemplate {
    page: Page,
    title: String,
    id: String,
    name: String,
    alt_name: String,
    stars_text: String,
    stars_label: String,
    score: Option<String>,
    score_word: String,
    reviews: String,
    group: String,
    address: String,
    photos: Vec<Photo>,
    stay: String,
    form: HotelForm,
    groups: Vec<RoomGroup>,
    rate_count: String,
    amenities: Vec<String>,
    themes: Vec<LinkItem>,
    map: Option<MapView>,
    location: Vec<String>,
    policies: Vec<String>,
    more: Vec<LinkItem>,
    back: Option<String>,
    other_dates: Vec<LinkItem>,
    currency_note: Option<String>,
}

/// Where the hotel's clock is: our own hotels know; for others the nearest airport's zone.
fn hotel_zone(state: &AppState, id: &str, at: GeoPoint) -> Option<Tz> {
    if let Some(builtin) = state.hotels().builtin()
        && let Some(pid) = property_of(id)
        && let Some(l) = builtin.index().property(pid)
    {
        return Some(l.property.time_zone);
    }
    state
        .airports()
        .all()
        .iter()
        .filter_map(|a| {
            let p = GeoPoint::new(a.lat, a.lon)?;
            Some((p.distance_km(at), a))
        })
        .filter(|(km, _)| *km < 300.0)
        .min_by(|a, b| a.0.total_cmp(&b.0))
        .and_then(|(_, a)| a.tz.parse::<Tz>().ok())
}

/// "12月10日" / "10 Dec" in `locale`.
pub(super) fn date_short(locale: Locale, d: NaiveDate) -> String {
    let month = locale.t(&format!("flights-month-{}", d.month()));
    locale.t_args(
        "flights-date-short",
        &[
            ("month", FluentArg::Str(month)),
            ("day", FluentArg::Str(d.day().to_string())),
        ],
    )
}

/// "12月12日 14:00" / "12 Dec 14:00" in the hotel's time (UTC when unknown).
fn deadline_text(locale: Locale, at: DateTime<Utc>, zone: Option<Tz>) -> String {
    let (date, time) = match zone {
        Some(z) => {
            let local = at.with_timezone(&z);
            (local.date_naive(), local.format("%H:%M").to_string())
        }
        None => (at.date_naive(), at.format("%H:%M UTC").to_string()),
    };
    format!("{} {time}", date_short(locale, date))
}

fn with_str(locale: Locale, key: &str, args: &[(&'static str, &str)]) -> String {
    let args: Vec<(&str, FluentArg)> = args
        .iter()
        .map(|(k, v)| (*k, FluentArg::Str((*v).to_owned())))
        .collect();
    locale.t_args(key, &args)
}

/// What cancelling costs under one charge, with the amount for this stay.
fn charge_text(locale: Locale, charge: CancellationCharge, fee: Money, total: Money) -> String {
    let amount = money_text(fee, false);
    if fee.minor() >= total.minor() {
        return with_str(locale, "hotels-charge-all", &[("amount", &amount)]);
    }
    match charge {
        CancellationCharge::Nights(n) => locale.t_args(
            "hotels-charge-nights",
            &[
                ("nights", FluentArg::Num(i64::from(n))),
                ("amount", FluentArg::Str(amount)),
            ],
        ),
        CancellationCharge::Percent { permille } => {
            let percent = if permille.is_multiple_of(10) {
                (permille / 10).to_string()
            } else {
                format!("{:.1}", f64::from(permille) / 10.0)
            };
            with_str(
                locale,
                "hotels-charge-percent",
                &[("percent", &percent), ("amount", &amount)],
            )
        }
        CancellationCharge::Amount(_) => {
            with_str(locale, "hotels-charge-amount", &[("amount", &amount)])
        }
    }
}

/// A stay's cancellation terms in plain words, one line per step still ahead: for the rates
/// on the hotel page and for booked or quoted stays on the booking pages.
pub(super) fn cancellation_lines(
    locale: Locale,
    policy: &CancellationPolicy,
    stay: BookedStay,
    check_in_at: DateTime<Utc>,
    zone: Option<Tz>,
    now: DateTime<Utc>,
) -> Vec<Line> {
    if !policy.is_refundable() {
        return vec![Line {
            ok: false,
            text: locale.t("hotels-cancel-none-detail"),
        }];
    }
    let total = stay.total;
    let fee = |at: DateTime<Utc>| policy.fee_at(at, check_in_at, stay).unwrap_or(total);
    let steps: Vec<(DateTime<Utc>, CancellationCharge)> = policy.schedule(check_in_at).collect();
    let mut lines = Vec::new();
    for (i, (start, charge)) in steps.iter().enumerate() {
        let next_start = steps.get(i + 1).map(|s| s.0);
        if next_start.is_some_and(|n| n <= now) {
            // Already past: a later step applies now.
            continue;
        }
        let charge_words = charge_text(locale, *charge, fee(*start), total);
        let deadline = deadline_text(locale, *start, zone);
        if i == 0 && now < *start {
            lines.push(Line {
                ok: true,
                text: with_str(
                    locale,
                    "hotels-cancel-free-then",
                    &[("deadline", &deadline), ("charge", &charge_words)],
                ),
            });
        } else if *start <= now {
            lines.push(Line {
                ok: false,
                text: with_str(locale, "hotels-cancel-now", &[("charge", &charge_words)]),
            });
        } else {
            lines.push(Line {
                ok: false,
                text: with_str(
                    locale,
                    "hotels-cancel-then",
                    &[("deadline", &deadline), ("charge", &charge_words)],
                ),
            });
        }
    }
    lines
}

fn rate_view(
    fmt: &Fmt,
    rate: &HotelRate,
    check_in_at: DateTime<Utc>,
    zone: Option<Tz>,
    now: DateTime<Utc>,
) -> RateView {
    let mut lines = vec![Line {
        ok: rate.board != Board::RoomOnly,
        text: fmt.t(&format!("hotels-board-{}", rate.board.as_str())),
    }];
    lines.push(Line {
        ok: true,
        text: match rate.payment {
            Payment::PayAtHotel => fmt.t("hotels-rate-pay-at-hotel"),
            Payment::PayNow => fmt.t("hotels-rate-pay-now"),
        },
    });
    let nights = rate.price.nights().max(1) as i64;
    let taxes = Money::from_minor(
        rate.price.taxes.minor() + rate.price.fees.minor(),
        rate.price.total.currency(),
    );
    RateView {
        id: rate.id.clone(),
        plan: rate.plan_name.get(fmt.chinese).to_owned(),
        lines,
        cancellation: cancellation_lines(
            fmt.locale,
            &rate.cancellation,
            (&rate.price).into(),
            check_in_at,
            zone,
            now,
        ),
        member: rate.member_only,
        free: rate_is_free(rate, now),
        promo: rate.price.promotion.as_ref().map(|p| fmt.promotion(p)),
        was: rate
            .price
            .was()
            .map(|w| fmt.ts("hotels-was-price", &[("amount", &money_text(w, false))])),
        total: money_text(rate.price.total, false),
        nightly: fmt.ts(
            "hotels-rate-nightly",
            &[
                ("amount", &money_text(rate.price.average_nightly(), false)),
                ("nights", &fmt.tn("hotels-nights", "count", nights)),
            ],
        ),
        approx: fmt.approx(rate.price.total),
        taxes: if taxes.minor() > 0 {
            fmt.ts(
                "hotels-rate-taxes",
                &[("amount", &money_text(taxes, false))],
            )
        } else {
            fmt.t("hotels-rate-taxes-none")
        },
        rooms_left: (rate.rooms_left <= 5)
            .then(|| fmt.tn("hotels-rooms-left", "count", i64::from(rate.rooms_left))),
        price_minor: fmt.in_display(rate.price.total).minor(),
        book_href: String::new(),
    }
}

/// `GET /hotels/{id}`: the hotel with its rooms and rates for the stay asked.
pub async fn hotel(
    State(state): State<AppState>,
    ctx: RequestContext,
    Path(id): Path<String>,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &ctx);
    let locale = ctx.locale;
    let fmt = Fmt::new(&state, &ctx);
    let chinese = fmt.chinese;
    let q = Query::parse(raw.as_deref());
    let trip = super::bookings::trip_pairs(&q.0);
    if id.len() > 200 {
        return Err(WebError::not_found());
    }
    let supplier = state
        .hotels()
        .aggregator()
        .supplier_for(&id)
        .ok_or_else(WebError::not_found)?
        .clone();
    let (d_in, d_out) = default_dates(&state);
    let or = |k: &str, default: String| {
        let v = q.get(k);
        if v.is_empty() { default } else { v }
    };
    let check_in = or("in", d_in.to_string());
    let check_out = or("out", d_out.to_string());
    let (asks, mut errors) = read_rooms(&q, locale);
    let rooms = match room_bodies(&asks, locale) {
        Ok(r) => Some(r),
        Err(e) => {
            errors.extend(e);
            None
        }
    };
    // Where the traveller came from, to go back.
    let back_place = resolve_place(&state, &q.get("dest"), &q.get("place"));
    let search = match rooms.filter(|_| errors.is_empty()) {
        Some(rooms) => {
            match stay_search(&state, &check_in, &check_out, rooms, None, ctx.currency) {
                Ok(s) => Some(s),
                Err(refusals) => {
                    for e in refusals {
                        let key = form_key(&e.field);
                        if !errors.iter().any(|x| x.field == key) {
                            errors.push(form_error(locale, &key, e.reason, e.arg));
                        }
                    }
                    None
                }
            }
        }
        None => None,
    };
    // Without a valid stay the hotel is still shown (from a stay a week ahead), so the form
    // can be put right beside it.
    let probe = match &search {
        Some(s) => s.clone(),
        None => stay_search(
            &state,
            &d_in.to_string(),
            &d_out.to_string(),
            vec![RoomBody {
                adults: 2,
                children_ages: Vec::new(),
            }],
            None,
            ctx.currency,
        )
        .map_err(|_| WebError::internal("the default stay does not validate"))?,
    };
    let offer = supplier.rates(&id, &probe).await.map_err(supplier_error)?;
    let h = &offer.hotel;
    let now = state.hotels().now();
    let zone = hotel_zone(&state, &id, h.location);
    let listing = state.hotels().builtin().and_then(|b| {
        let idx = b.index();
        property_of(&id).and_then(|pid| idx.property(pid).cloned())
    });

    let rooms_str = match &search {
        Some(s) => rooms_param(
            &s.party
                .rooms()
                .iter()
                .map(|r| RoomBody {
                    adults: u32::from(r.adults()),
                    children_ages: r.children_ages().iter().map(|a| i64::from(*a)).collect(),
                })
                .collect::<Vec<_>>(),
        ),
        None => "2".to_owned(),
    };
    let mut back_pairs: Vec<(String, String)> = Vec::new();
    if let Some(p) = back_place {
        back_pairs.push(pair("dest", place_name(p, chinese)));
        back_pairs.push(pair("place", p.id.clone()));
    }
    let mut hidden_pairs = back_pairs.clone();
    back_pairs.push(pair("in", check_in.clone()));
    back_pairs.push(pair("out", check_out.clone()));
    back_pairs.push(pair("rooms", rooms_str.clone()));
    back_pairs.extend(trip.iter().cloned());
    let back = back_place.map(|_| href("/hotels", &back_pairs, &[]));
    hidden_pairs.retain(|(k, _)| k == "dest" || k == "place");
    hidden_pairs.extend(trip.iter().cloned());
    let form_open = !errors.is_empty();
    let form = build_form(
        &state,
        locale,
        format!("/hotels/{id}"),
        false,
        Default::default(),
        (check_in.clone(), check_out.clone()),
        &asks,
        hidden(&hidden_pairs),
        errors,
    );

    // The hotel.
    let name = h.name.get(chinese).to_owned();
    let alt = h.name.get(!chinese).to_owned();
    let stars = h.stars.map_or(0, |s| s.get());
    let photos = (0..PHOTO_COUNT)
        .map(|n| Photo {
            src: format!("/hotels/{id}/photo/{n}.svg"),
            alt: fmt.ts(
                &format!("hotels-photo-{}", photo_kind(n, h.themes, h.amenities)),
                &[("hotel", &name)],
            ),
        })
        .collect();
    let city_place = h
        .city_id
        .and_then(|c| state.places().get(&format!("city:{c}")));
    let city_name = city_place.map(|p| place_name(p, chinese));
    let stay_pairs = |extra: &[(String, String)]| {
        let mut v: Vec<(String, String)> = Vec::new();
        if let Some(p) = city_place {
            v.push(pair("dest", place_name(p, chinese)));
            v.push(pair("place", p.id.clone()));
        }
        v.push(pair("in", check_in.clone()));
        v.push(pair("out", check_out.clone()));
        v.push(pair("rooms", rooms_str.clone()));
        v.extend(extra.iter().cloned());
        v.extend(trip.iter().cloned());
        v
    };
    let themes = h
        .themes
        .iter()
        .map(|t| LinkItem {
            text: fmt.t(&format!("hotels-theme-{}", t.as_str())),
            href: if city_place.is_some() {
                href("/hotels", &stay_pairs(&[pair("themes", t.as_str())]), &[])
            } else {
                href("/hotels", &[pair("themes", t.as_str())], &[])
            },
        })
        .collect();
    let mut more = Vec::new();
    if let (Some(c), Some(city)) = (h.chain.as_deref(), &city_name)
        && c != "independent"
    {
        more.push(LinkItem {
            text: fmt.ts(
                "hotels-more-chain",
                &[("chain", &chain_name(c, chinese)), ("city", city)],
            ),
            href: href("/hotels", &stay_pairs(&[pair("chains", c)]), &[]),
        });
    }
    if let Some(city) = &city_name {
        more.push(LinkItem {
            text: fmt.ts("hotels-more-city", &[("city", city)]),
            href: href("/hotels", &stay_pairs(&[]), &[]),
        });
    }

    // Rooms and rates.
    let mut groups: Vec<RoomGroup> = Vec::new();
    let check_in_at = check_in_instant(&offer, probe.stay.check_in());
    if search.is_some() {
        let mut rates: Vec<&HotelRate> = offer.rates.iter().collect();
        rates.sort_by_key(|r| (fmt.in_display(r.price.total).minor(), r.id.clone()));
        for r in rates {
            let key: Vec<&str> = r.rooms.iter().map(|a| a.room_type.as_str()).collect();
            let name = {
                let mut names: Vec<String> = Vec::new();
                for a in &r.rooms {
                    let n = a.name.get(chinese).to_owned();
                    if !names.contains(&n) {
                        names.push(n);
                    }
                }
                names.join(" + ")
            };
            let mut view = rate_view(&fmt, r, check_in_at, zone, now);
            view.book_href = super::bookings::rate_book_href(&r.id, r.price.total, &trip);
            match groups.iter_mut().find(|g| g.name == name) {
                Some(g) => g.rates.push(view),
                None => {
                    let (details, facilities) = room_details(&fmt, listing.as_ref(), &key);
                    groups.push(RoomGroup {
                        n: groups.len() + 1,
                        name,
                        details,
                        facilities,
                        rates: vec![view],
                    });
                }
            }
        }
    }
    let rate_count = fmt.tn("hotels-rate-count", "count", offer.rates.len() as i64);

    // Other dates when nothing is left.
    let mut other_dates = Vec::new();
    if let Some(s) = search.as_ref().filter(|_| offer.rates.is_empty()) {
        let nights = i64::from(s.stay.nights());
        for shift in [-7i64, 7, 14] {
            let d = s.stay.check_in() + Duration::days(shift);
            if d < earliest_check_in(&state) || d > state.hotels().last_night() {
                continue;
            }
            other_dates.push(LinkItem {
                text: fmt.date_long(d),
                href: href(
                    &format!("/hotels/{id}"),
                    &[
                        pair("in", d.to_string()),
                        pair("out", (d + Duration::days(nights)).to_string()),
                        pair("rooms", rooms_str.clone()),
                    ],
                    &[],
                ),
            });
        }
    }

    // Location: the hotel among its neighbours.
    let around = Extent::around(h.location.lat(), h.location.lon(), 1.5);
    let neighbours = match HotelMapSearch::validate(
        &wayfare_domain::hotel::search::HotelMapSearchBody {
            bbox: BboxBody {
                south: around.south,
                west: around.west,
                north: around.north,
                east: around.east,
            },
            zoom: 15,
            check_in: probe.stay.check_in().to_string(),
            check_out: probe.stay.check_out().to_string(),
            rooms: vec![RoomBody {
                adults: 1,
                children_ages: Vec::new(),
            }],
            currency: None,
            filters: FiltersBody::default(),
        },
        earliest_check_in(&state),
        state.hotels().last_night(),
        ctx.currency,
    ) {
        Ok(m) => state.hotels().aggregator().map(&m).await.pins,
        Err(_) => Vec::new(),
    };
    let per = i64::from(probe.stay.nights());
    let mut plot = MapPlot::new(around, SMALL_PLOT_WIDTH);
    let link_pairs = stay_pairs(&[]);
    for (p, m) in priced_pins(&fmt, neighbours, per)
        .into_iter()
        .filter(|(p, _)| p.hotel_id != id)
        .take(24)
    {
        plot.add(
            "hotel",
            (p.location.lat(), p.location.lon()),
            money_text(m, true),
            p.name.get(chinese).to_owned(),
            Some(href(&format!("/hotels/{}", p.hotel_id), &link_pairs, &[])),
            1,
            p.hotel_id.clone(),
        );
    }
    if let Some(c) = city_place
        && GeoPoint::new(c.lat, c.lon).is_some_and(|p| p.distance_km(h.location) < 1.4)
    {
        plot.add(
            "centre",
            (c.lat, c.lon),
            place_name(c, chinese),
            place_name(c, chinese),
            None,
            0,
            String::new(),
        );
    }
    plot.add(
        "here",
        (h.location.lat(), h.location.lon()),
        name.clone(),
        name.clone(),
        None,
        1,
        id.clone(),
    );
    let map = map_view(
        &fmt,
        plot,
        fmt.ts("hotels-location-map", &[("hotel", &name)]),
        fmt.t("hotels-location-caption"),
    );
    let mut location = Vec::new();
    let address = h.address.get(chinese).to_owned();
    if let (Some(c), Some(city)) = (city_place, &city_name)
        && let Some(centre) = GeoPoint::new(c.lat, c.lon)
    {
        location.push(fmt.ts(
            "hotels-location-centre",
            &[
                ("km", &fmt.km(h.location.distance_km(centre))),
                ("city", city),
            ],
        ));
    }
    location.push(fmt.ts(
        "hotels-location-coordinates",
        &[
            ("lat", &format!("{:.5}", h.location.lat())),
            ("lng", &format!("{:.5}", h.location.lon())),
        ],
    ));
    let mut policies = Vec::new();
    if let Some(l) = &listing {
        policies.push(fmt.ts(
            "hotels-policy-check-in",
            &[(
                "time",
                &l.property.check_in_time.format("%H:%M").to_string(),
            )],
        ));
        policies.push(fmt.ts(
            "hotels-policy-check-out",
            &[(
                "time",
                &l.property.check_out_time.format("%H:%M").to_string(),
            )],
        ));
    }
    policies.push(match zone {
        Some(z) => fmt.ts("hotels-policy-zone", &[("zone", z.name())]),
        None => fmt.t("hotels-policy-zone-utc"),
    });

    let stay = match &search {
        Some(s) => format!(
            "{} – {} · {} · {}",
            fmt.date_long(s.stay.check_in()),
            fmt.date_long(s.stay.check_out()),
            fmt.tn("hotels-nights", "count", i64::from(s.stay.nights())),
            fmt.party(&s.party)
        ),
        None => String::new(),
    };
    let status = if form_open {
        StatusCode::UNPROCESSABLE_ENTITY
    } else {
        StatusCode::OK
    };
    let currency_note = offer
        .rates
        .first()
        .map(|r| r.price.total.currency())
        .filter(|c| *c != ctx.currency)
        .map(|c| {
            fmt.ts(
                "hotels-rate-currency-note",
                &[("currency", c.code()), ("display", ctx.currency.code())],
            )
        });
    let tpl = HotelTemplate {
        title: name.clone(),
        id: id.clone(),
        alt_name: if alt != name { alt } else { String::new() },
        stars_text: fmt.stars_text(stars),
        stars_label: if stars > 0 {
            fmt.tn("hotels-stars-label", "count", i64::from(stars))
        } else {
            String::new()
        },
        score: h.reviews.score.map(|s| s.to_string()),
        score_word: h
            .reviews
            .score
            .map(|s| fmt.review_word(s.tenths()))
            .unwrap_or_default(),
        reviews: if h.reviews.count > 0 {
            fmt.tn("hotels-reviews", "count", i64::from(h.reviews.count))
        } else {
            fmt.t("hotels-reviews-none")
        },
        group: group_text(h.chain.as_deref(), h.brand.as_deref(), chinese),
        address,
        photos,
        stay,
        form,
        groups,
        rate_count,
        amenities: h.amenities.iter().map(|a| amenity_name(&fmt, a)).collect(),
        themes,
        map: Some(map),
        location,
        policies,
        more,
        back,
        other_dates,
        currency_note,
        name,
        page,
    };
    Ok((status, tpl).into_response())
}

/// Beds, size and facilities of the room types a rate uses (our own hotels describe them).
fn room_details(
    fmt: &Fmt,
    listing: Option<&wayfare_domain::hotel::HotelListing>,
    codes: &[&str],
) -> (Vec<String>, Vec<String>) {
    let Some(listing) = listing else {
        return (Vec::new(), Vec::new());
    };
    let Some(room) = codes
        .first()
        .and_then(|c| listing.rooms.iter().find(|r| r.room.code.as_str() == *c))
        .map(|r| &r.room)
    else {
        return (Vec::new(), Vec::new());
    };
    let mut details: Vec<String> = room
        .beds
        .iter()
        .map(|b| {
            fmt.tn(
                &format!("hotels-bed-{}", b.kind.as_str()),
                "count",
                i64::from(b.count),
            )
        })
        .collect();
    if let Some(m2) = room.size_m2 {
        details.push(fmt.tn("hotels-room-size", "m2", i64::from(m2)));
    }
    let facilities = room
        .facilities
        .iter()
        .map(|f| fmt.t(&format!("hotels-facility-{}", f.as_str())))
        .collect();
    (details, facilities)
}

// ------------------------------------------------------------------ photos

/// `GET /hotels/{id}/photo/{n}.svg`: one of the hotel's generated photos.
pub async fn hotel_photo(
    State(state): State<AppState>,
    Path((id, file)): Path<(String, String)>,
) -> Result<Response, WebError> {
    let n = file
        .strip_suffix(".svg")
        .and_then(|n| n.parse::<usize>().ok())
        .filter(|n| *n < PHOTO_COUNT)
        .ok_or_else(WebError::not_found)?;
    if id.is_empty()
        || id.len() > 64
        || !id
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '_' || c == '-')
        || state.hotels().aggregator().supplier_for(&id).is_none()
    {
        return Err(WebError::not_found());
    }
    let (stars, themes, amenities) = match (state.hotels().builtin(), property_of(&id)) {
        (Some(b), Some(pid)) => {
            let index = b.index();
            let p = &index
                .property(pid)
                .ok_or_else(WebError::not_found)?
                .property;
            (p.stars.map_or(3, |s| s.get()), p.themes, p.amenities)
        }
        _ => (3, Themes::EMPTY, Amenities::EMPTY),
    };
    let mut res = photo_svg(&id, n, stars, themes, amenities).into_response();
    let h = res.headers_mut();
    h.insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("image/svg+xml"),
    );
    h.insert(
        header::CACHE_CONTROL,
        HeaderValue::from_static("public, max-age=86400"),
    );
    Ok(res)
}

// ------------------------------------------------------------------ deals

/// One destination's best deals.
#[derive(Debug, Clone)]
pub struct DealCity {
    pub name: String,
    pub href: String,
    pub cards: Vec<HotelCard>,
}

#[derive(Template, WebTemplate)]
#[template(path = "hotel_deals.html")]
pub struct DealsTemplate {
    page: Page,
    check_in: String,
    nights: Vec<Choice>,
    min_date: String,
    max_date: String,
    errors: Vec<FormError>,
    cities: Vec<DealCity>,
    when: String,
    chains: Vec<LinkItem>,
}

impl DealsTemplate {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// `GET /hotels/deals`: the biggest current savings in the top destinations, for a near date
/// (`in`, default a week ahead) and `nights` (1–7, default 2), two adults.
pub async fn deals(
    State(state): State<AppState>,
    ctx: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &ctx);
    let locale = ctx.locale;
    let fmt = Fmt::new(&state, &ctx);
    let chinese = fmt.chinese;
    let q = Query::parse(raw.as_deref());
    let (d_in, _) = default_dates(&state);
    let check_in = {
        let v = q.get("in");
        if v.is_empty() { d_in.to_string() } else { v }
    };
    let nights_asked = {
        let v = q.get("nights");
        if v.is_empty() { "2".to_owned() } else { v }
    };
    let mut errors = Vec::new();
    let nights = match nights_asked.parse::<i64>() {
        Ok(n) if (1..=7).contains(&n) => n,
        _ => {
            errors.push(form_error(
                locale,
                "nights",
                "hotels-reason-nights",
                Some(("max", 7)),
            ));
            2
        }
    };
    let today = earliest_check_in(&state);
    let mut tpl = DealsTemplate {
        check_in: check_in.clone(),
        nights: (1..=7)
            .map(|n: i64| Choice {
                value: n.to_string(),
                label: fmt.tn("hotels-nights", "count", n),
                selected: n == nights,
            })
            .collect(),
        min_date: today.to_string(),
        max_date: state.hotels().last_night().to_string(),
        errors: Vec::new(),
        cities: Vec::new(),
        when: String::new(),
        chains: CHAINS
            .iter()
            .filter(|c| c.code != "independent")
            .map(|c| LinkItem {
                text: chain_name(&c.code, chinese),
                href: href("/hotels", &[pair("chains", c.code.clone())], &[]),
            })
            .collect(),
        page,
    };
    let check_out = NaiveDate::parse_from_str(&check_in, "%Y-%m-%d")
        .map(|d| (d + Duration::days(nights)).to_string())
        .unwrap_or_default();
    let cities = top_cities(&state, DEAL_CITIES, Themes::EMPTY, &[]);
    let searches: Vec<(
        &Place,
        Result<HotelSearch, Vec<wayfare_domain::hotel::search::FieldError>>,
    )> = cities
        .into_iter()
        .map(|p| {
            let body = HotelSearchBody {
                destination: destination_body(Some(p), ""),
                check_in: check_in.clone(),
                check_out: check_out.clone(),
                rooms: vec![RoomBody {
                    adults: 2,
                    children_ages: Vec::new(),
                }],
                currency: None,
                filters: FiltersBody {
                    deals_only: true,
                    ..Default::default()
                },
                sort: Some("recommended".into()),
                limit: Some(40),
                offset: None,
                zoom: None,
            };
            let s = HotelSearch::validate(
                &body,
                today,
                state.hotels().last_night(),
                &Context {
                    state: &state,
                    currency: ctx.currency,
                },
            );
            (p, s)
        })
        .collect();
    for (_, s) in &searches {
        if let Err(refusals) = s {
            for e in refusals {
                let key = match form_key(&e.field).as_str() {
                    "out" => "nights".to_owned(),
                    k => k.to_owned(),
                };
                if !errors.iter().any(|x: &FormError| x.field == key) {
                    errors.push(form_error(locale, &key, e.reason, e.arg));
                }
            }
        }
    }
    if !errors.is_empty() {
        tpl.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, tpl).into_response());
    }
    let rates = state.rates();
    let aggregator = state.hotels().aggregator();
    let found = futures::future::join_all(searches.iter().filter_map(|(p, s)| {
        let s = s.as_ref().ok()?;
        let rates = &rates;
        Some(async move { (*p, s, aggregator.search(s, rates).await) })
    }))
    .await;
    let now = state.hotels().now();
    let mut numbered = 0;
    for (p, s, outcome) in found {
        let mut offers: Vec<&HotelOffer> = outcome
            .offers
            .iter()
            .filter(|o| o.cheapest().is_some_and(|r| r.price.is_deal()))
            .collect();
        offers.sort_by_key(|o| {
            (
                std::cmp::Reverse(o.cheapest().and_then(saving_percent).unwrap_or(0)),
                o.hotel.id.clone(),
            )
        });
        let name = place_name(p, chinese);
        let stay = vec![
            pair("dest", name.clone()),
            pair("place", p.id.clone()),
            pair("in", s.stay.check_in().to_string()),
            pair("out", s.stay.check_out().to_string()),
            pair("rooms", "2"),
        ];
        let cards: Vec<HotelCard> = offers
            .iter()
            .take(DEALS_PER_CITY)
            .enumerate()
            .filter_map(|(i, o)| {
                hotel_card(
                    &fmt,
                    o,
                    numbered + i + 1,
                    &stay,
                    Some((s.distance_from, fmt.t("hotels-distance-centre"))),
                    now,
                )
            })
            .collect();
        if cards.is_empty() {
            continue;
        }
        numbered += cards.len();
        let mut all = stay.clone();
        all.push(pair("deals", "1"));
        all.push(pair("sort", "price"));
        tpl.cities.push(DealCity {
            name,
            href: href("/hotels", &all, &[]),
            cards,
        });
    }
    if let Ok(d) = NaiveDate::parse_from_str(&check_in, "%Y-%m-%d") {
        tpl.when = format!(
            "{} – {} · {}",
            fmt.date_long(d),
            fmt.date_long(d + Duration::days(nights)),
            fmt.tn("hotels-party-adults", "count", 2)
        );
    }
    Ok(tpl.into_response())
}

// ------------------------------------------------------------------ home page

/// The home page's hotel starting points: themes, and the hotel groups.
pub fn home_tiles(locale: Locale) -> (Vec<Tile>, Vec<LinkItem>) {
    let chinese = locale.is_chinese();
    let themes = THEME_TILES
        .iter()
        .map(|t| Tile {
            label: locale.t(&format!("hotels-theme-{}", t.as_str())),
            detail: locale.t(&format!("hotels-theme-blurb-{}", t.as_str())),
            href: href("/hotels", &[pair("themes", t.as_str())], &[]),
            kind: t.as_str().to_owned(),
        })
        .collect();
    let chains = CHAINS
        .iter()
        .filter(|c| c.code != "independent")
        .map(|c| LinkItem {
            text: chain_name(&c.code, chinese),
            href: href("/hotels", &[pair("chains", c.code.clone())], &[]),
        })
        .collect();
    (themes, chains)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn rooms_round_trip_through_the_query() {
        let q = Query::parse(Some("rooms=2%3A5%7C1"));
        let (asks, errors) = read_rooms(&q, Locale::all()[0]);
        assert!(errors.is_empty());
        let bodies = room_bodies(&asks, Locale::all()[0]).unwrap();
        assert_eq!(rooms_param(&bodies), "2:5|1");
        // The plain form: empty age boxes and unused rooms are left out.
        let q = Query::parse(Some(
            "adults1=2&ages1=5&ages1=&ages1=&adults2=0&ages2=&adults3=1&ages3=0",
        ));
        let (asks, _) = read_rooms(&q, Locale::all()[0]);
        let bodies = room_bodies(&asks, Locale::all()[0]).unwrap();
        assert_eq!(rooms_param(&bodies), "2:5|1:0");
        let (_, errors) = read_rooms(&Query::parse(Some("rooms=two")), Locale::all()[0]);
        assert_eq!(errors[0].field, "rooms");
    }

    #[test]
    fn validation_fields_map_back_to_the_form() {
        assert_eq!(form_key("destination.city"), "dest");
        assert_eq!(form_key("check_in_date"), "in");
        assert_eq!(form_key("check_out_date"), "out");
        assert_eq!(form_key("rooms[1].adults"), "adults2");
        assert_eq!(form_key("rooms[0].children_ages[2]"), "ages1");
        assert_eq!(form_key("stars[1]"), "stars");
        assert_eq!(form_key("max_price"), "price");
        assert_eq!(form_key("offset"), "page");
    }

    #[test]
    fn chains_and_brands_have_names_in_both_languages() {
        assert!(CHAINS.len() >= 10);
        assert_eq!(chain_name("hilton", false), "Hilton");
        assert_eq!(chain_name("hilton", true), "希尔顿集团");
        assert_eq!(brand_name("ibis", true), "宜必思");
        assert_eq!(
            group_text(Some("accor"), Some("ibis"), false),
            "Accor · ibis"
        );
        assert_eq!(group_text(Some("independent"), Some("x"), false), "");
    }

    /// Keys this module names as literals exist in every language (the locale test covers
    /// templates and the other prefixes).
    #[test]
    fn every_hotels_key_named_here_exists() {
        let src = include_str!("hotels.rs");
        let mut missing = Vec::new();
        for (i, _) in src.match_indices("\"hotels-") {
            let rest = &src[i + 1..];
            let Some(end) = rest.find('"') else { continue };
            let key = &rest[..end];
            if key.ends_with('-') || key.contains('{') {
                continue;
            }
            for l in Locale::all() {
                if !l.has(key) {
                    missing.push(format!("{}: {key}", l.tag()));
                }
            }
        }
        assert!(missing.is_empty(), "{missing:?}");
    }
}
