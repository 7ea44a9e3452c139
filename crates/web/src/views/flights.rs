//! The flight pages: the results page (`/flights`) and explore (`/explore`).
//!
//! Both are plain GET forms, so they work without JavaScript and every state has a link: the
//! sort tabs, the price calendar, the filter panel and "show more" are all links or GET forms
//! over the same query string. The search itself is the API's: the query becomes a
//! [`SearchBody`], is validated by [`FlightSearch::validate`] and goes to the aggregator. A
//! refused field renders the form again with the reason beside the field (HTTP 422).
//!
//! Query parameters: `trip` (oneway, round, multi), `from`, `to`, `depart`, `return`; for
//! multi-city also `from2`, `to2`, `depart2` … up to 6 (`from1`… are accepted for the first);
//! `adults`, `children`, `infants`, `cabin`, `stops` (0–2), `change=1` (airport change within a
//! city), `sort`; filters `airline` and `via` (repeated or comma-separated), `dtime0`… (a
//! departure-time preset per slice), `max_price`, `max_hours`; and `limit`.

use std::collections::{BTreeMap, HashMap};
use std::sync::LazyLock;

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::{RawQuery, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, Utc};
use wayfare_domain::Money;
use wayfare_domain::flight::codes::AirportCode;
use wayfare_domain::flight::fare::{Cabin, NoShowRule};
use wayfare_domain::flight::offer::{Offer, OfferSlice};
use wayfare_domain::flight::ranking;
use wayfare_domain::flight::search::{
    FieldError, FlightSearch, MAX_LIMIT, MAX_SEATS, MAX_SLICES, Passengers, PassengersBody,
    SearchBody, SliceBody, TimeWindowBody,
};
use wayfare_domain::reference::Airport;
use wayfare_suppliers::builtin::aircraft;
use wayfare_suppliers::builtin::calendar::{CalendarRoute, DayPrice, GridCell};

use crate::api::flights::Context;
use crate::error::WebError;
use crate::i18n::{FluentArg, Locale};
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::{Choice, Page};

/// Offers per page; "show more" raises `limit` by this much.
const PAGE_STEP: usize = 50;
/// Multi-city rows shown without JavaScript beyond the first.
const EXTRA_ROWS: usize = 2;
/// How many of the cheapest destinations explore lists.
const EXPLORE_LIMIT: usize = 30;

// ------------------------------------------------------------------ query string

/// The query string as ordered pairs (repeated keys kept).
#[derive(Debug, Default)]
struct Params(Vec<(String, String)>);

impl Params {
    fn parse(raw: Option<&str>) -> Params {
        Params(
            raw.and_then(|q| serde_urlencoded::from_str::<Vec<(String, String)>>(q).ok())
                .unwrap_or_default(),
        )
    }

    /// The first value of `key`, trimmed and bounded.
    fn get(&self, key: &str) -> String {
        self.0
            .iter()
            .find(|(k, _)| k == key)
            .map(|(_, v)| v.trim().chars().take(80).collect())
            .unwrap_or_default()
    }

    fn has(&self, key: &str) -> bool {
        !self.get(key).is_empty()
    }

    /// Every value of `key`, comma-separated values split, upper-cased, without repeats.
    fn codes(&self, key: &str) -> Vec<String> {
        let mut out: Vec<String> = Vec::new();
        for (_, v) in self.0.iter().filter(|(k, _)| k == key) {
            for part in v.split(',') {
                let c = part.trim().to_ascii_uppercase();
                if !c.is_empty() && c.len() <= 8 && !out.contains(&c) {
                    out.push(c);
                }
            }
        }
        out.truncate(30);
        out
    }
}

/// Builds a query string from ordered pairs.
fn query_string(pairs: &[(String, String)]) -> String {
    serde_urlencoded::to_string(pairs).unwrap_or_default()
}

// ------------------------------------------------------------------ formatting

/// A display symbol for the common currencies; the code for the rest.
fn currency_prefix(code: &str) -> Option<&'static str> {
    Some(match code {
        "CNY" => "¥",
        "USD" => "US$",
        "EUR" => "€",
        "GBP" => "£",
        "JPY" => "JP¥",
        "HKD" => "HK$",
        "TWD" => "NT$",
        "SGD" => "S$",
        "AUD" => "A$",
        "NZD" => "NZ$",
        "CAD" => "C$",
        "KRW" => "₩",
        _ => return None,
    })
}

fn group_digits(digits: &str) -> String {
    let mut out = String::with_capacity(digits.len() + digits.len() / 3);
    for (i, c) in digits.chars().enumerate() {
        if i > 0 && (digits.len() - i).is_multiple_of(3) {
            out.push(',');
        }
        out.push(c);
    }
    out
}

/// "¥1,234" (whole amounts, or `whole` asked) or "¥1,234.50"; "MYR 120" without a symbol.
pub(super) fn money_text(m: Money, whole: bool) -> String {
    let unit = 10i64.pow(m.currency().exponent());
    let amount = if whole || m.minor() % unit == 0 {
        let units = (m.minor().abs() + unit / 2) / unit;
        let sign = if m.minor() < 0 { "-" } else { "" };
        format!("{sign}{}", group_digits(&units.to_string()))
    } else {
        m.display_grouped()
    };
    match currency_prefix(m.currency().code()) {
        Some(p) => format!("{p}{amount}"),
        None => format!("{} {amount}", m.currency().code()),
    }
}

/// Country names (ISO 3166 alpha-2 → English, Chinese) from the bundled reference data.
static COUNTRIES: LazyLock<HashMap<String, (String, String)>> = LazyLock::new(|| {
    include_str!("../../../../data/reference/countries.csv")
        .lines()
        .skip(1)
        .filter_map(|l| {
            let mut it = l.splitn(3, ',');
            let code = it.next()?.trim().to_owned();
            let en = it.next()?.trim().trim_matches('"').to_owned();
            let zh = it.next()?.trim().trim_matches('"').to_owned();
            Some((code, (en, zh)))
        })
        .collect()
});

/// Everything a flight page formats with: the language, names, money.
struct Fmt<'a> {
    state: &'a AppState,
    locale: Locale,
    chinese: bool,
    display_currency: wayfare_domain::Currency,
    airlines: HashMap<String, String>,
}

impl<'a> Fmt<'a> {
    fn new(state: &'a AppState, ctx: &RequestContext) -> Fmt<'a> {
        Fmt {
            state,
            locale: ctx.locale,
            chinese: ctx.locale.is_chinese(),
            display_currency: ctx.currency,
            airlines: HashMap::new(),
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

    /// "13 h 20 min" / "13小时20分".
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

    fn weekday(&self, d: NaiveDate) -> String {
        self.t(&format!(
            "flights-weekday-{}",
            d.weekday().number_from_monday()
        ))
    }

    /// "12月10日" / "10 Dec".
    fn date_short(&self, d: NaiveDate) -> String {
        let month = self.t(&format!("flights-month-{}", d.month()));
        self.ts(
            "flights-date-short",
            &[("month", &month), ("day", &d.day().to_string())],
        )
    }

    /// "12月10日 周四" / "Thu 10 Dec".
    fn date_long(&self, d: NaiveDate) -> String {
        self.ts(
            "flights-date-weekday",
            &[("date", &self.date_short(d)), ("weekday", &self.weekday(d))],
        )
    }

    fn airport(&self, code: &str) -> Option<&'a Airport> {
        self.state.airports().get(code)
    }

    /// The airport's name in the reader's language ("北京 PEK" / "Beijing Capital International Airport").
    fn airport_name(&self, code: &str) -> String {
        self.airport(code)
            .map(|a| a.display_name(self.chinese))
            .unwrap_or_else(|| code.to_owned())
    }

    /// The name beside a code badge: without the code when the name already ends with it
    /// ("北京 PEK" → "北京").
    fn airport_label(&self, code: &str) -> String {
        let name = self.airport_name(code);
        match name.strip_suffix(code).map(str::trim_end) {
            Some(short) if !short.is_empty() => short.to_owned(),
            _ => name,
        }
    }

    /// The city the airport serves, in the reader's language.
    fn city(&self, code: &str) -> String {
        match self.airport(code) {
            Some(a) => match (&a.city_zh, self.chinese) {
                (Some(zh), true) => zh.clone(),
                _ if !a.city.is_empty() => a.city.clone(),
                _ => a.display_name(self.chinese),
            },
            None => code.to_owned(),
        }
    }

    fn country(&self, code: &str) -> String {
        match COUNTRIES.get(code) {
            Some((en, zh)) => {
                if self.chinese && !zh.is_empty() {
                    zh.clone()
                } else {
                    en.clone()
                }
            }
            None => code.to_owned(),
        }
    }

    fn airline(&self, code: &str) -> String {
        self.airlines
            .get(code)
            .cloned()
            .unwrap_or_else(|| code.to_owned())
    }

    /// The price in the display currency when that differs from the offer's, approximately.
    fn approx(&self, m: Money) -> Option<String> {
        if m.currency() == self.display_currency {
            return None;
        }
        let conv = self.state.rates().convert(m, self.display_currency).ok()?;
        Some(self.ts("flights-approx", &[("amount", &money_text(conv.to, true))]))
    }

    fn cabin(&self, cabin: Cabin) -> String {
        self.t(&format!(
            "flights-cabin-{}",
            cabin.as_str().replace('_', "-")
        ))
    }

    fn brand(&self, brand: &str) -> String {
        match brand {
            "basic" | "standard" | "flex" => self.t(&format!("flights-brand-{brand}")),
            other => other.to_owned(),
        }
    }

    fn stops(&self, n: usize) -> String {
        self.tn("flights-stops", "count", n as i64)
    }

    fn party(&self, p: Passengers) -> String {
        let mut parts = vec![self.tn("flights-party-adults", "count", i64::from(p.adults))];
        if p.children > 0 {
            parts.push(self.tn("flights-party-children", "count", i64::from(p.children)));
        }
        if p.infants > 0 {
            parts.push(self.tn("flights-party-infants", "count", i64::from(p.infants)));
        }
        parts.join(self.list_sep())
    }
}

// ------------------------------------------------------------------ the search form

/// One airport input: what was typed (or the resolved code) and the name it resolved to.
#[derive(Debug, Clone, Default)]
pub struct AirportField {
    pub value: String,
    pub name: String,
}

/// A further multi-city row (numbered from 2).
#[derive(Debug, Clone, Default)]
pub struct FormRow {
    pub n: usize,
    pub from: AirportField,
    pub to: AirportField,
    pub depart: String,
}

/// A refused field: the form key it belongs to, its label and the localized reason.
#[derive(Debug, Clone)]
pub struct FormError {
    pub field: String,
    pub label: String,
    pub message: String,
}

/// The flight search form as shown (home page hero, results page), with what was asked.
#[derive(Debug, Clone)]
pub struct SearchForm {
    pub trip: String,
    pub from: AirportField,
    pub to: AirportField,
    pub depart: String,
    pub ret: String,
    pub rows: Vec<FormRow>,
    pub adults: String,
    pub children: String,
    pub infants: String,
    pub cabin: String,
    pub stops: String,
    pub change: bool,
    pub sort: String,
    pub min_date: String,
    pub max_date: String,
    pub max_rows: usize,
    pub errors: Vec<FormError>,
    pub trips: Vec<Choice>,
    pub adult_choices: Vec<Choice>,
    pub child_choices: Vec<Choice>,
    pub infant_choices: Vec<Choice>,
    pub cabin_choices: Vec<Choice>,
    pub stop_choices: Vec<Choice>,
    /// The signed-in traveller's preferred airlines, offered ticked on an empty form.
    pub preferred_airlines: Vec<Choice>,
}

fn count_choices(from: u8, to: u8, selected: &str) -> Vec<Choice> {
    (from..=to)
        .map(|n| Choice {
            value: n.to_string(),
            label: n.to_string(),
            selected: n.to_string() == selected,
        })
        .collect()
}

impl SearchForm {
    fn blank(today: NaiveDate, last: NaiveDate) -> SearchForm {
        let depart = (today + Duration::days(7)).min(last);
        let ret = (today + Duration::days(14)).min(last);
        SearchForm {
            trip: "oneway".into(),
            from: AirportField::default(),
            to: AirportField::default(),
            depart: depart.to_string(),
            ret: ret.to_string(),
            rows: Vec::new(),
            adults: "1".into(),
            children: "0".into(),
            infants: "0".into(),
            cabin: "economy".into(),
            stops: "1".into(),
            change: false,
            sort: "best".into(),
            min_date: today.to_string(),
            max_date: last.to_string(),
            max_rows: MAX_SLICES,
            errors: Vec::new(),
            trips: Vec::new(),
            adult_choices: Vec::new(),
            child_choices: Vec::new(),
            infant_choices: Vec::new(),
            cabin_choices: Vec::new(),
            stop_choices: Vec::new(),
            preferred_airlines: Vec::new(),
        }
    }

    /// Fills the select options and pads the multi-city rows, once the values are known.
    fn finish(mut self, locale: Locale) -> SearchForm {
        while self.rows.len() < EXTRA_ROWS {
            let n = self.rows.len() + 2;
            self.rows.push(FormRow {
                n,
                ..FormRow::default()
            });
        }
        self.trips = ["oneway", "round", "multi"]
            .iter()
            .map(|t| Choice {
                value: (*t).to_owned(),
                label: locale.t(&format!("flights-trip-{t}")),
                selected: self.trip == *t,
            })
            .collect();
        self.adult_choices = count_choices(1, MAX_SEATS, &self.adults);
        self.child_choices = count_choices(0, MAX_SEATS - 1, &self.children);
        self.infant_choices = count_choices(0, 4, &self.infants);
        self.cabin_choices = Cabin::ALL
            .iter()
            .map(|c| Choice {
                value: c.as_str().to_owned(),
                label: locale.t(&format!("flights-cabin-{}", c.as_str().replace('_', "-"))),
                selected: self.cabin == c.as_str(),
            })
            .collect();
        self.stop_choices = ["0", "1", "2"]
            .iter()
            .map(|s| Choice {
                value: (*s).to_owned(),
                label: locale.t(&format!("flights-max-stops-{s}")),
                selected: self.stops == *s,
            })
            .collect();
        self
    }

    /// The localized reason for a field, if it was refused.
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }

    /// The reason for a numbered multi-city field (`from2` …).
    pub fn error_at(&self, field: &str, n: impl std::borrow::Borrow<usize>) -> Option<&str> {
        let key = format!("{field}{}", n.borrow());
        self.errors
            .iter()
            .find(|e| e.field == key)
            .map(|e| e.message.as_str())
    }

    pub fn is_trip(&self, trip: &str) -> bool {
        self.trip == trip
    }
}

impl Page {
    /// An empty flight search form (the home page's hero card).
    pub fn flight_form(&self) -> SearchForm {
        // The home page has no catalog at hand; the dates only seed the form (the search
        // validates against the real horizon).
        let today = Utc::now().date_naive();
        SearchForm::blank(today, today + Duration::days(365)).finish(self.locale)
    }
}

/// Resolves what was typed in an airport box: a known three-letter code, "Name (CODE)", or
/// else the best match of the airport search ("北京" → PEK). Anything else is kept as typed and
/// validation refuses it.
fn resolve_airport(state: &AppState, text: &str, chinese: bool) -> AirportField {
    let text = text.trim();
    if text.is_empty() {
        return AirportField::default();
    }
    let named = |a: &Airport| AirportField {
        value: a.iata.clone(),
        name: a.display_name(chinese),
    };
    let looks_like_code = |s: &str| s.len() == 3 && s.chars().all(|c| c.is_ascii_alphabetic());
    if looks_like_code(text) {
        let code = text.to_ascii_uppercase();
        return match state.airports().get(&code) {
            Some(a) => named(a),
            None => AirportField {
                value: code,
                name: String::new(),
            },
        };
    }
    if let Some(inner) = text
        .strip_suffix(')')
        .and_then(|s| s.rsplit_once('('))
        .map(|(_, c)| c.trim())
        .filter(|c| looks_like_code(c))
        && let Some(a) = state.airports().get(&inner.to_ascii_uppercase())
    {
        return named(a);
    }
    match state.airports().search(text, 1).into_iter().next() {
        Some(m) => named(m.airport),
        None => AirportField {
            value: text.to_owned(),
            name: String::new(),
        },
    }
}

/// Departure-time presets: (key, from, to).
const TIME_PRESETS: &[(&str, &str, &str)] = &[
    ("morning", "05:00", "11:59"),
    ("afternoon", "12:00", "17:59"),
    ("evening", "18:00", "21:59"),
    ("night", "22:00", "04:59"),
];

/// Longest journey presets, hours.
const HOUR_PRESETS: &[u32] = &[3, 6, 9, 12, 18, 24, 36];

/// The filters under the results.
#[derive(Debug, Clone, Default)]
struct Filters {
    airlines: Vec<String>,
    via: Vec<String>,
    /// A preset key per slice ("" for any).
    dtimes: Vec<String>,
    max_price: String,
    max_hours: String,
    limit: String,
}

impl Filters {
    fn active(&self) -> usize {
        usize::from(!self.airlines.is_empty())
            + usize::from(!self.via.is_empty())
            + self.dtimes.iter().filter(|d| !d.is_empty()).count()
            + usize::from(!self.max_price.is_empty())
            + usize::from(!self.max_hours.is_empty())
    }
}

/// What the query asked, read leniently; problems are found when the body is validated.
struct Asked {
    form: SearchForm,
    filters: Filters,
    /// Per slice: (origin, destination, date) and the form keys of those three.
    slices: Vec<([String; 3], [String; 3])>,
}

fn read_query(state: &AppState, p: &Params, chinese: bool) -> Asked {
    let flights = state.flights();
    let today = flights.now().date_naive();
    let mut form = SearchForm::blank(today, flights.last_date());
    let trip = match p.get("trip").as_str() {
        "round" => "round",
        "multi" => "multi",
        "oneway" => "oneway",
        _ if p.has("return") => "round",
        _ if p.has("from2") || p.has("to2") => "multi",
        _ => "oneway",
    };
    form.trip = trip.into();
    let first = |k: &str| {
        let v = p.get(k);
        if v.is_empty() {
            p.get(&format!("{k}1"))
        } else {
            v
        }
    };
    form.from = resolve_airport(state, &first("from"), chinese);
    form.to = resolve_airport(state, &first("to"), chinese);
    form.depart = first("depart");
    form.ret = p.get("return");
    for n in 2..=MAX_SLICES {
        let (f, t, d) = (
            p.get(&format!("from{n}")),
            p.get(&format!("to{n}")),
            p.get(&format!("depart{n}")),
        );
        if f.is_empty() && t.is_empty() && d.is_empty() {
            continue;
        }
        let n = form.rows.len() + 2;
        form.rows.push(FormRow {
            n,
            from: resolve_airport(state, &f, chinese),
            to: resolve_airport(state, &t, chinese),
            depart: d,
        });
    }
    let or = |k: &str, default: &str| {
        let v = p.get(k);
        if v.is_empty() { default.to_owned() } else { v }
    };
    form.adults = or("adults", "1");
    form.children = or("children", "0");
    form.infants = or("infants", "0");
    form.cabin = or("cabin", "economy");
    form.stops = or("stops", "1");
    form.change = matches!(p.get("change").as_str(), "1" | "true" | "on");
    form.sort = or("sort", "best");

    let keys = |a: &str, b: &str, c: &str| [a.to_owned(), b.to_owned(), c.to_owned()];
    let mut slices = vec![(
        [
            form.from.value.clone(),
            form.to.value.clone(),
            form.depart.clone(),
        ],
        keys("from", "to", "depart"),
    )];
    match trip {
        "round" => slices.push((
            [
                form.to.value.clone(),
                form.from.value.clone(),
                form.ret.clone(),
            ],
            keys("to", "from", "return"),
        )),
        "multi" => {
            for r in &form.rows {
                slices.push((
                    [r.from.value.clone(), r.to.value.clone(), r.depart.clone()],
                    keys(
                        &format!("from{}", r.n),
                        &format!("to{}", r.n),
                        &format!("depart{}", r.n),
                    ),
                ));
            }
        }
        _ => {}
    }
    let filters = Filters {
        airlines: p.codes("airline"),
        via: p.codes("via"),
        dtimes: (0..slices.len())
            .map(|i| {
                let v = p.get(&format!("dtime{i}"));
                if TIME_PRESETS.iter().any(|(k, _, _)| *k == v) {
                    v
                } else {
                    String::new()
                }
            })
            .collect(),
        max_price: p.get("max_price"),
        max_hours: p.get("max_hours"),
        limit: p.get("limit"),
    };
    Asked {
        form,
        filters,
        slices,
    }
}

/// The localized label of a form key, for the error summary.
fn field_label(locale: Locale, field: &str) -> String {
    let (base, n) = match field.find(|c: char| c.is_ascii_digit()) {
        Some(i) => (&field[..i], field[i..].parse::<i64>().ok()),
        None => (field, None),
    };
    let key = match base {
        "from" | "to" | "depart" | "return" | "adults" | "children" | "infants" | "party"
        | "cabin" | "stops" | "sort" | "airline" | "via" | "max_price" | "max_hours" | "limit"
        | "origin" | "lat" | "budget" | "dtime" | "range_from" | "range_to" => {
            format!("flights-field-{}", base.replace('_', "-"))
        }
        _ => "flights-field-search".to_owned(),
    };
    match (base, n) {
        ("dtime", Some(i)) => locale.t_args(&key, &[("n", FluentArg::Num(i + 1))]),
        (_, Some(n)) => locale.t_args(
            "flights-field-numbered",
            &[
                ("field", FluentArg::Str(locale.t(&key))),
                ("n", FluentArg::Num(n)),
            ],
        ),
        _ => locale.t(&key),
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

/// Maps a validation field (`slices[1].departure_date`) to the form key it came from.
fn form_key(field: &str, slices: &[([String; 3], [String; 3])]) -> String {
    if let Some(rest) = field.strip_prefix("slices[")
        && let Some((idx, name)) = rest.split_once("].")
        && let Ok(i) = idx.parse::<usize>()
    {
        if name.starts_with("departure_time") || name.starts_with("arrival_time") {
            return format!("dtime{i}");
        }
        if let Some((_, keys)) = slices.get(i) {
            return match name {
                "origin" => keys[0].clone(),
                "destination" => keys[1].clone(),
                _ => keys[2].clone(),
            };
        }
    }
    match field {
        "slices" => "from",
        "passengers.adults" => "adults",
        "passengers.infants" => "infants",
        "passengers.children" => "children",
        "passengers" => "party",
        "cabin_class" => "cabin",
        "max_connections" => "stops",
        "airlines" | "exclude_airlines" => "airline",
        "layover_airports" => "via",
        "min_price" | "max_price" => "max_price",
        "max_duration_minutes" => "max_hours",
        "sort" => "sort",
        "limit" => "limit",
        _ => "from",
    }
    .to_owned()
}

/// Turns what was asked into the API's request body, or the fields that cannot be read.
fn build_body(asked: &Asked, locale: Locale) -> Result<SearchBody, Vec<FormError>> {
    let mut errors = Vec::new();
    for (values, keys) in &asked.slices {
        for (v, k) in values.iter().zip(keys) {
            if v.is_empty() && !errors.iter().any(|e: &FormError| e.field == *k) {
                errors.push(form_error(locale, k, "reason-required", None));
            }
        }
    }
    let count = |key: &str, v: &str, errors: &mut Vec<FormError>| -> u8 {
        match v.parse::<u8>() {
            Ok(n) => n,
            Err(_) => {
                errors.push(form_error(locale, key, "flights-reason-choose", None));
                0
            }
        }
    };
    let f = &asked.form;
    let adults = count("adults", &f.adults, &mut errors);
    let children = count("children", &f.children, &mut errors);
    let infants = count("infants", &f.infants, &mut errors);
    let stops = count("stops", &f.stops, &mut errors);
    let max_duration_minutes = if asked.filters.max_hours.is_empty() {
        None
    } else {
        match asked.filters.max_hours.parse::<u32>() {
            Ok(h) if (1..=72).contains(&h) => Some(h * 60),
            _ => {
                errors.push(form_error(
                    locale,
                    "max_hours",
                    "reason-limit-range",
                    Some(("max", 72)),
                ));
                None
            }
        }
    };
    let limit = if asked.filters.limit.is_empty() {
        None
    } else {
        match asked.filters.limit.parse::<u32>() {
            Ok(l) => Some(l),
            Err(_) => {
                errors.push(form_error(
                    locale,
                    "limit",
                    "reason-limit-range",
                    Some(("max", MAX_LIMIT as i64)),
                ));
                None
            }
        }
    };
    if !errors.is_empty() {
        return Err(errors);
    }
    let slices = asked
        .slices
        .iter()
        .enumerate()
        .map(|(i, (v, _))| SliceBody {
            origin: v[0].clone(),
            destination: v[1].clone(),
            departure_date: v[2].clone(),
            departure_time: asked
                .filters
                .dtimes
                .get(i)
                .and_then(|d| TIME_PRESETS.iter().find(|(k, _, _)| k == d))
                .map(|(_, from, to)| TimeWindowBody {
                    from: (*from).to_owned(),
                    to: (*to).to_owned(),
                }),
            arrival_time: None,
        })
        .collect();
    Ok(SearchBody {
        slices,
        passengers: Some(PassengersBody {
            adults,
            children,
            infants,
        }),
        cabin_class: Some(f.cabin.clone()),
        max_connections: Some(stops),
        airlines: asked.filters.airlines.clone(),
        exclude_airlines: Vec::new(),
        min_price: None,
        max_price: (!asked.filters.max_price.is_empty()).then(|| asked.filters.max_price.clone()),
        max_duration_minutes,
        layover_airports: asked.filters.via.clone(),
        max_layover_minutes: None,
        allow_airport_change: f.change,
        sort: Some(f.sort.clone()),
        limit,
    })
}

/// The search's own parameters (no filters, no limit), in a stable order.
fn search_pairs(asked: &Asked) -> Vec<(String, String)> {
    let f = &asked.form;
    let mut v: Vec<(String, String)> = vec![
        ("trip".into(), f.trip.clone()),
        ("from".into(), f.from.value.clone()),
        ("to".into(), f.to.value.clone()),
        ("depart".into(), f.depart.clone()),
    ];
    if f.trip == "round" {
        v.push(("return".into(), f.ret.clone()));
    }
    if f.trip == "multi" {
        for r in &f.rows {
            if r.from.value.is_empty() && r.to.value.is_empty() && r.depart.is_empty() {
                continue;
            }
            v.push((format!("from{}", r.n), r.from.value.clone()));
            v.push((format!("to{}", r.n), r.to.value.clone()));
            v.push((format!("depart{}", r.n), r.depart.clone()));
        }
    }
    v.extend([
        ("adults".into(), f.adults.clone()),
        ("children".into(), f.children.clone()),
        ("infants".into(), f.infants.clone()),
        ("cabin".into(), f.cabin.clone()),
        ("stops".into(), f.stops.clone()),
    ]);
    if f.change {
        v.push(("change".into(), "1".into()));
    }
    v.push(("sort".into(), f.sort.clone()));
    v
}

fn filter_pairs(filters: &Filters) -> Vec<(String, String)> {
    let mut v = Vec::new();
    for a in &filters.airlines {
        v.push(("airline".into(), a.clone()));
    }
    for a in &filters.via {
        v.push(("via".into(), a.clone()));
    }
    for (i, d) in filters.dtimes.iter().enumerate() {
        if !d.is_empty() {
            v.push((format!("dtime{i}"), d.clone()));
        }
    }
    if !filters.max_price.is_empty() {
        v.push(("max_price".into(), filters.max_price.clone()));
    }
    if !filters.max_hours.is_empty() {
        v.push(("max_hours".into(), filters.max_hours.clone()));
    }
    v
}

/// `/flights?…` for these pairs with some replaced (`None` removes the key).
fn href(pairs: &[(String, String)], overrides: &[(&str, Option<String>)]) -> String {
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
    format!("/flights?{}", query_string(&out))
}

// ------------------------------------------------------------------ results

#[derive(Debug, Clone)]
pub struct Line {
    pub ok: bool,
    pub text: String,
}

#[derive(Debug, Clone)]
pub struct LayoverView {
    pub text: String,
    pub change: Option<String>,
    pub long: bool,
}

#[derive(Debug, Clone)]
pub struct SegmentView {
    pub dep_time: String,
    pub dep_date: String,
    pub arr_time: String,
    pub arr_date: String,
    pub plus_days: Option<String>,
    pub origin: String,
    pub origin_name: String,
    pub destination: String,
    pub destination_name: String,
    pub duration: String,
    pub flight: String,
    pub carrier: String,
    pub operated_by: Option<String>,
    pub aircraft: String,
    pub layover: Option<LayoverView>,
}

#[derive(Debug, Clone)]
pub struct SliceView {
    pub label: String,
    pub date: String,
    pub dep_time: String,
    pub arr_time: String,
    pub plus_days: Option<String>,
    pub plus_days_text: String,
    pub origin: String,
    pub origin_city: String,
    pub destination: String,
    pub destination_city: String,
    pub duration: String,
    pub stops: String,
    pub direct: bool,
    pub via: String,
    pub carriers: String,
    pub flights: String,
    pub airport_change: bool,
    pub segments: Vec<SegmentView>,
}

/// One fare (brand) on an itinerary, with its bags and conditions.
#[derive(Debug, Clone)]
pub struct FareView {
    pub id: String,
    pub brand: String,
    pub cabin: String,
    pub price: String,
    pub approx: Option<String>,
    pub seats_left: Option<String>,
    pub baggage: Vec<Line>,
    pub conditions: Vec<Line>,
    pub cheapest: bool,
    /// The checkout for this fare, with the party and the price shown.
    pub book_href: String,
}

/// One itinerary (the same flights at the same times) with every fare found for it.
#[derive(Debug, Clone)]
pub struct OfferView {
    pub id: String,
    pub n: usize,
    pub price_minor: i64,
    pub duration_minutes: i64,
    pub departs: String,
    pub arrives: String,
    pub price: String,
    pub approx: Option<String>,
    pub price_note: String,
    pub cabin: String,
    pub brand: String,
    pub seats_left: Option<String>,
    pub slices: Vec<SliceView>,
    pub fares: Vec<FareView>,
    /// The checkout for the cheapest fare.
    pub book_href: String,
}

/// The offers' itineraries in the order the offers came (so each group sits where its best
/// offer ranked), each with its offers cheapest first.
fn group_itineraries<'o>(offers: &[&'o Offer]) -> Vec<Vec<&'o Offer>> {
    let mut order: Vec<String> = Vec::new();
    let mut groups: HashMap<String, Vec<&Offer>> = HashMap::new();
    for o in offers {
        let key = o
            .slices
            .iter()
            .map(OfferSlice::itinerary_key)
            .collect::<Vec<_>>()
            .join("|");
        if !groups.contains_key(&key) {
            order.push(key.clone());
        }
        groups.entry(key).or_default().push(o);
    }
    order
        .into_iter()
        .filter_map(|k| groups.remove(&k))
        .map(|mut g| {
            g.sort_by_key(|o| (o.price.total.minor(), o.id.clone()));
            g
        })
        .collect()
}

/// "+1" and its spoken form when a local arrival falls on a later day.
fn day_shift(
    fmt: &Fmt,
    from: DateTime<FixedOffset>,
    to: DateTime<FixedOffset>,
) -> (Option<String>, String) {
    let days = (to.date_naive() - from.date_naive()).num_days();
    if days == 0 {
        (None, String::new())
    } else {
        (
            Some(format!("{days:+}")),
            fmt.tn("flights-arrives-days-later", "count", days),
        )
    }
}

fn slice_label(fmt: &Fmt, trip: &str, i: usize, total: usize) -> String {
    match (trip, i) {
        _ if total == 1 => fmt.t("flights-slice-oneway"),
        ("round", 0) => fmt.t("flights-slice-outbound"),
        ("round", _) => fmt.t("flights-slice-return"),
        _ => fmt.tn("flights-slice-n", "n", i as i64 + 1),
    }
}

fn slice_view(fmt: &Fmt, s: &OfferSlice, label: String) -> Option<SliceView> {
    let first = s.segments.first()?;
    let last = s.segments.last()?;
    let (plus_days, plus_days_text) = day_shift(fmt, first.departing_at, last.arriving_at);
    let mut carriers: Vec<String> = Vec::new();
    for seg in &s.segments {
        let name = fmt.airline(seg.marketing_carrier.as_str());
        if !carriers.contains(&name) {
            carriers.push(name);
        }
    }
    let via: Vec<String> = s
        .segments
        .iter()
        .skip(1)
        .map(|g| g.origin.to_string())
        .collect();
    let mut segments = Vec::with_capacity(s.segments.len());
    let mut airport_change = false;
    for (i, g) in s.segments.iter().enumerate() {
        let (plus, _) = day_shift(fmt, g.departing_at, g.arriving_at);
        let layover = s.segments.get(i + 1).map(|next| {
            let minutes = (next.departing_at - g.arriving_at).num_minutes();
            let change = (next.origin != g.destination).then(|| {
                airport_change = true;
                fmt.ts(
                    "flights-layover-change",
                    &[
                        ("arrive", &fmt.airport_name(g.destination.as_str())),
                        ("depart", &fmt.airport_name(next.origin.as_str())),
                    ],
                )
            });
            LayoverView {
                text: fmt.ts(
                    "flights-layover",
                    &[
                        ("duration", &fmt.duration(minutes)),
                        ("airport", &fmt.airport_name(g.destination.as_str())),
                    ],
                ),
                change,
                long: minutes >= 6 * 60
                    || g.arriving_at.date_naive() != next.departing_at.date_naive(),
            }
        });
        let operated_by = (g.operating_carrier != g.marketing_carrier).then(|| {
            fmt.ts(
                "flights-operated-by",
                &[("carrier", &fmt.airline(g.operating_carrier.as_str()))],
            )
        });
        segments.push(SegmentView {
            dep_time: g.departing_at.format("%H:%M").to_string(),
            dep_date: fmt.date_long(g.departing_at.date_naive()),
            arr_time: g.arriving_at.format("%H:%M").to_string(),
            arr_date: fmt.date_long(g.arriving_at.date_naive()),
            plus_days: plus,
            origin: g.origin.to_string(),
            origin_name: fmt.airport_label(g.origin.as_str()),
            destination: g.destination.to_string(),
            destination_name: fmt.airport_label(g.destination.as_str()),
            duration: fmt.duration(g.duration_minutes),
            flight: g.flight_designator(),
            carrier: fmt.airline(g.marketing_carrier.as_str()),
            operated_by,
            aircraft: aircraft::by_code(&g.aircraft)
                .map(|a| a.name.to_owned())
                .unwrap_or_else(|| g.aircraft.clone()),
            layover,
        });
    }
    Some(SliceView {
        label,
        date: fmt.date_long(first.departing_at.date_naive()),
        dep_time: first.departing_at.format("%H:%M").to_string(),
        arr_time: last.arriving_at.format("%H:%M").to_string(),
        plus_days,
        plus_days_text,
        origin: s.origin.to_string(),
        origin_city: fmt.city(s.origin.as_str()),
        destination: s.destination.to_string(),
        destination_city: fmt.city(s.destination.as_str()),
        duration: fmt.duration(s.duration_minutes),
        stops: fmt.stops(s.stops()),
        direct: s.stops() == 0,
        via: via.join(" · "),
        carriers: carriers.join(" + "),
        flights: s
            .segments
            .iter()
            .map(|g| g.flight_designator())
            .collect::<Vec<_>>()
            .join(" · "),
        airport_change,
        segments,
    })
}

/// `/checkout?offer=…&seen=…&adults=…`: books `o` for the party at the price shown.
fn book_href(o: &Offer, party: Passengers) -> String {
    let pairs: Vec<(String, String)> = vec![
        ("offer".into(), o.id.clone()),
        ("seen".into(), super::bookings::seen_param(o.price.total)),
        ("adults".into(), party.adults.to_string()),
        ("children".into(), party.children.to_string()),
        ("infants".into(), party.infants.to_string()),
    ];
    format!("/checkout?{}", query_string(&pairs))
}

fn fare_view(fmt: &Fmt, o: &Offer, cheapest: bool, party: Passengers) -> FareView {
    let per_person = |m: Money| money_text(m, false);
    // One line for a refund or change rule: allowed with a fee, free, or not allowed.
    let penalty_line = |allowed: bool, penalty: Option<Money>, [fee, free, no]: [&str; 3]| match (
        allowed, penalty,
    ) {
        (true, Some(p)) if p.minor() > 0 => Line {
            ok: true,
            text: fmt.ts(fee, &[("fee", &per_person(p))]),
        },
        (true, _) => Line {
            ok: true,
            text: fmt.t(free),
        },
        (false, _) => Line {
            ok: false,
            text: fmt.t(no),
        },
    };
    let b = o.baggage;
    let mut baggage = vec![if b.checked_pieces > 0 {
        Line {
            ok: true,
            text: fmt.ts(
                "flights-bag-checked",
                &[
                    ("pieces", &b.checked_pieces.to_string()),
                    ("kg", &b.checked_kg.to_string()),
                ],
            ),
        }
    } else {
        Line {
            ok: false,
            text: fmt.t("flights-bag-no-checked"),
        }
    }];
    if b.carry_on_pieces > 0 {
        baggage.push(Line {
            ok: true,
            text: fmt.ts(
                "flights-bag-carry-on",
                &[
                    ("pieces", &b.carry_on_pieces.to_string()),
                    ("kg", &b.carry_on_kg.to_string()),
                ],
            ),
        });
    }
    let c = &o.conditions;
    let mut conditions = vec![
        penalty_line(
            c.refundable,
            c.refund_penalty,
            [
                "flights-refund-fee",
                "flights-refund-free",
                "flights-refund-no",
            ],
        ),
        penalty_line(
            c.changeable,
            c.change_penalty,
            [
                "flights-change-fee",
                "flights-change-free",
                "flights-change-no",
            ],
        ),
    ];
    if c.refundable || c.changeable {
        conditions.push(Line {
            ok: true,
            text: if c.cutoff_hours > 0 {
                fmt.tn("flights-cutoff", "hours", i64::from(c.cutoff_hours))
            } else {
                fmt.t("flights-cutoff-none")
            },
        });
    }
    conditions.push(match c.no_show {
        NoShowRule::ForfeitFare => Line {
            ok: false,
            text: fmt.t("flights-no-show-forfeit"),
        },
        NoShowRule::RefundTaxesOnly => Line {
            ok: false,
            text: fmt.t("flights-no-show-taxes"),
        },
        NoShowRule::ExtraPenalty { amount } => Line {
            ok: false,
            text: fmt.ts("flights-no-show-fee", &[("fee", &per_person(amount))]),
        },
    });
    FareView {
        id: o.id.clone(),
        brand: fmt.brand(&o.fare_brand),
        cabin: fmt.cabin(o.cabin),
        price: money_text(o.price.total, false),
        approx: fmt.approx(o.price.total),
        seats_left: (o.available_seats <= 5)
            .then(|| fmt.tn("flights-seats-left", "count", i64::from(o.available_seats))),
        baggage,
        conditions,
        cheapest,
        book_href: book_href(o, party),
    }
}

fn offer_view(
    fmt: &Fmt,
    group: &[&Offer],
    n: usize,
    trip: &str,
    party: Passengers,
) -> Option<OfferView> {
    let o = *group.first()?;
    let total = o.slices.len();
    let slices = o
        .slices
        .iter()
        .enumerate()
        .filter_map(|(i, s)| slice_view(fmt, s, slice_label(fmt, trip, i, total)))
        .collect();
    let fares: Vec<FareView> = group
        .iter()
        .enumerate()
        .map(|(i, f)| fare_view(fmt, f, i == 0, party))
        .collect();
    let travellers = i64::from(party.adults) + i64::from(party.children) + i64::from(party.infants);
    let cheapest = money_text(o.price.total, false);
    Some(OfferView {
        id: o.id.clone(),
        n,
        price_minor: o.price.total.minor(),
        duration_minutes: o.total_duration_minutes(),
        departs: o
            .slices
            .first()
            .and_then(OfferSlice::departing_at)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        arrives: o
            .slices
            .first()
            .and_then(OfferSlice::arriving_at)
            .map(|t| t.to_rfc3339())
            .unwrap_or_default(),
        price: if fares.len() > 1 {
            fmt.ts("flights-from-price", &[("price", &cheapest)])
        } else {
            cheapest
        },
        approx: fmt.approx(o.price.total),
        price_note: fmt.tn("flights-price-note", "count", travellers),
        cabin: fmt.cabin(o.cabin),
        brand: fmt.brand(&o.fare_brand),
        seats_left: fares.first().and_then(|f| f.seats_left.clone()),
        book_href: book_href(o, party),
        slices,
        fares,
    })
}

/// A checkbox of the filter panel: a carrier or a connecting airport with its cheapest price.
#[derive(Debug, Clone)]
pub struct Facet {
    pub value: String,
    pub label: String,
    pub detail: String,
    pub checked: bool,
}

#[derive(Debug, Clone)]
pub struct TimeFilter {
    pub key: String,
    pub legend: String,
    pub options: Vec<Choice>,
}

#[derive(Debug, Clone)]
pub struct Hidden {
    pub name: String,
    pub value: String,
}

#[derive(Debug, Clone, Default)]
pub struct FilterPanel {
    pub hidden: Vec<Hidden>,
    pub stops: Vec<Choice>,
    pub airlines: Vec<Facet>,
    pub times: Vec<TimeFilter>,
    pub max_price: String,
    pub price_currency: String,
    pub hours: Vec<Choice>,
    pub via: Vec<Facet>,
    pub active: usize,
    pub clear_href: String,
}

#[derive(Debug, Clone)]
pub struct Tab {
    pub label: String,
    pub href: String,
    pub current: bool,
    /// A tooltip (the "best" score explained).
    pub title: String,
}

#[derive(Debug, Clone)]
pub struct CalDay {
    pub weekday: String,
    pub date: String,
    pub full_date: String,
    pub price: Option<String>,
    pub href: Option<String>,
    pub selected: bool,
    pub cheapest: bool,
}

#[derive(Debug, Clone)]
pub struct CalStrip {
    pub title: String,
    pub days: Vec<CalDay>,
}

#[derive(Debug, Clone)]
pub struct GridRow {
    pub depart: String,
    pub cells: Vec<CalDay>,
}

#[derive(Debug, Clone)]
pub struct CalGrid {
    pub returns: Vec<String>,
    pub rows: Vec<GridRow>,
}

#[derive(Debug, Clone)]
pub struct Suggestion {
    pub text: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "flights.html")]
pub struct FlightsTemplate {
    page: Page,
    form: SearchForm,
    /// False: no search asked yet; the page is just the form.
    searched: bool,
    title: String,
    route: String,
    dates: String,
    party: String,
    strips: Vec<CalStrip>,
    grid: Option<CalGrid>,
    tabs: Vec<Tab>,
    sort_best: bool,
    offers: Vec<OfferView>,
    count: String,
    more_href: Option<String>,
    warning: Option<String>,
    filters: FilterPanel,
    suggestions: Vec<Suggestion>,
    currency_note: Option<String>,
}

impl FlightsTemplate {
    fn landing(page: Page, form: SearchForm) -> FlightsTemplate {
        FlightsTemplate {
            title: page.t("flights-title"),
            page,
            form,
            searched: false,
            route: String::new(),
            dates: String::new(),
            party: String::new(),
            strips: Vec::new(),
            grid: None,
            tabs: Vec::new(),
            sort_best: false,
            offers: Vec::new(),
            count: String::new(),
            more_href: None,
            warning: None,
            filters: FilterPanel::default(),
            suggestions: Vec::new(),
            currency_note: None,
        }
    }
}

fn calendar_day(
    fmt: &Fmt,
    date: NaiveDate,
    price: Option<Money>,
    today: NaiveDate,
    href: String,
    selected: bool,
) -> CalDay {
    let price = price.filter(|_| date >= today);
    CalDay {
        weekday: fmt.weekday(date),
        date: fmt.date_short(date),
        full_date: fmt.date_long(date),
        price: price.map(|m| money_text(m, true)),
        href: price.is_some().then_some(href),
        selected,
        cheapest: false,
    }
}

/// Marks the cheapest day(s) of a strip.
/// "Fly on …" suggestions for the other priced days of a calendar strip.
fn date_suggestions<'a>(
    fmt: &Fmt<'_>,
    days: impl IntoIterator<Item = &'a CalDay>,
) -> Vec<Suggestion> {
    days.into_iter()
        .filter_map(|v| match (v.selected, &v.href, &v.price) {
            (false, Some(h), Some(p)) => Some(Suggestion {
                text: fmt.ts(
                    "flights-suggest-date",
                    &[("date", &v.full_date), ("price", p)],
                ),
                href: h.clone(),
            }),
            _ => None,
        })
        .collect()
}

fn mark_cheapest(days: &mut [CalDay], prices: &[Option<i64>]) {
    if let Some(min) = prices.iter().flatten().min() {
        for (d, p) in days.iter_mut().zip(prices) {
            d.cheapest = *p == Some(*min) && d.href.is_some();
        }
    }
}

/// Renders the page with the form and its errors, as a 422.
fn refused(page: Page, mut form: SearchForm, errors: Vec<FormError>) -> Response {
    form.errors = errors;
    let form = form.finish(page.locale);
    let mut tpl = FlightsTemplate::landing(page, form);
    tpl.searched = false;
    (StatusCode::UNPROCESSABLE_ENTITY, tpl).into_response()
}

/// An empty form starts from the signed-in traveller's preferences: their cabin (unless the
/// link names one) and their preferred airlines, ticked.
async fn apply_preferences(
    state: &AppState,
    form: &mut SearchForm,
    params: &Params,
    user: &wayfare_accounts::Authenticated,
) {
    let prefs = wayfare_accounts::preferences::travel_preferences(&user.user);
    if let Some(cabin) = prefs.cabin()
        && !params.has("cabin")
    {
        form.cabin = cabin.as_str().to_owned();
    }
    let codes = prefs.airlines();
    if codes.is_empty() || params.has("airline") {
        return;
    }
    let names: HashMap<String, String> = match state.store().airlines().await {
        Ok(list) => list.into_iter().map(|a| (a.iata, a.name)).collect(),
        Err(e) => {
            tracing::warn!(error = %e, "airline names unavailable");
            HashMap::new()
        }
    };
    form.preferred_airlines = codes
        .iter()
        .map(|c| Choice {
            value: c.as_str().to_owned(),
            label: match names.get(c.as_str()) {
                Some(n) => format!("{} {n}", c.as_str()),
                None => c.as_str().to_owned(),
            },
            selected: true,
        })
        .collect();
}

/// `GET /flights`: the results page (or the search form when nothing was asked).
pub async fn flights(
    State(state): State<AppState>,
    ctx: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &ctx);
    let params = Params::parse(raw.as_deref());
    let chinese = ctx.locale.is_chinese();
    let asked = read_query(&state, &params, chinese);
    let nothing_asked = ["from", "to", "from1", "to1", "depart", "from2"]
        .iter()
        .all(|k| !params.has(k));
    if nothing_asked {
        let mut form = asked.form;
        if let Some(user) = &ctx.user {
            apply_preferences(&state, &mut form, &params, user).await;
        }
        let form = form.finish(ctx.locale);
        return Ok(FlightsTemplate::landing(page, form).into_response());
    }
    let body = match build_body(&asked, ctx.locale) {
        Ok(b) => b,
        Err(errors) => return Ok(refused(page, asked.form, errors)),
    };
    let search = match FlightSearch::validate(&body, &Context { state: &state }) {
        Ok(s) => s,
        Err(FieldError { field, reason, arg }) => {
            let key = form_key(&field, &asked.slices);
            let e = form_error(ctx.locale, &key, reason, arg);
            return Ok(refused(page, asked.form, vec![e]));
        }
    };

    // The search without the airline and connection-airport filters, so the filter panel can
    // offer every carrier and airport present; the filters then apply to its offers.
    let mut base = search.clone();
    base.airlines.clear();
    base.layover_airports.clear();
    base.limit = MAX_LIMIT;
    let flights = state.flights();
    let today = flights.now().date_naive();
    let calendar_job = calendar_task(&state, &search, &asked.form.trip);
    let (outcome, calendar, airlines) = tokio::join!(
        flights.aggregator().search(&base),
        async {
            match calendar_job {
                Some(job) => tokio::task::spawn_blocking(job).await.ok(),
                None => None,
            }
        },
        state.store().airlines()
    );
    let mut fmt = Fmt::new(&state, &ctx);
    match airlines {
        Ok(list) => fmt.airlines = list.into_iter().map(|a| (a.iata, a.name)).collect(),
        Err(e) => tracing::warn!(error = %e, "airline names unavailable"),
    }

    // Every offer that passes the filters, ranked, then gathered into itineraries (the fares
    // of one itinerary are one card); the page shows `limit` itineraries.
    let mut ranked_search = search.clone();
    ranked_search.limit = MAX_LIMIT;
    let ranked = ranking::finish(outcome.offers.clone(), &ranked_search);
    let groups = group_itineraries(&ranked.iter().collect::<Vec<_>>());
    let total_matching = groups.len();
    let s_pairs = search_pairs(&asked);
    let f_pairs = filter_pairs(&asked.filters);
    let all_pairs: Vec<(String, String)> = s_pairs.iter().chain(&f_pairs).cloned().collect();
    let form = &asked.form;

    // Header.
    let first = &search.slices[0];
    let (o, d) = (first.origin.as_str(), first.destination.as_str());
    let route = match form.trip.as_str() {
        "multi" if search.slices.len() > 1 => {
            let mut codes = vec![fmt.city(o)];
            for s in &search.slices {
                codes.push(fmt.city(s.destination.as_str()));
            }
            codes.join(" → ")
        }
        "round" => fmt.ts(
            "flights-route-round",
            &[
                ("from", &format!("{} {o}", fmt.city(o))),
                ("to", &format!("{} {d}", fmt.city(d))),
            ],
        ),
        _ => fmt.ts(
            "flights-route",
            &[
                ("from", &format!("{} {o}", fmt.city(o))),
                ("to", &format!("{} {d}", fmt.city(d))),
            ],
        ),
    };
    let dates = search
        .slices
        .iter()
        .map(|s| fmt.date_long(s.departure_date))
        .collect::<Vec<_>>()
        .join(" – ");
    let party = format!(
        "{} · {}",
        fmt.party(search.passengers),
        fmt.cabin(search.cabin)
    );
    let title = fmt.ts("flights-results-title", &[("route", &format!("{o} → {d}"))]);

    // Calendar.
    let mut strips = Vec::new();
    let mut grid = None;
    let mut cheaper_days: Vec<Suggestion> = Vec::new();
    match calendar {
        Some(Calendar::OneWay(days)) => {
            let mut views: Vec<CalDay> = days
                .iter()
                .map(|d| {
                    calendar_day(
                        &fmt,
                        d.date,
                        d.cheapest,
                        today,
                        href(&all_pairs, &[("depart", Some(d.date.to_string()))]),
                        d.date == first.departure_date,
                    )
                })
                .collect();
            let prices: Vec<Option<i64>> = days
                .iter()
                .map(|d| d.cheapest.filter(|_| d.date >= today).map(|m| m.minor()))
                .collect();
            mark_cheapest(&mut views, &prices);
            cheaper_days.extend(date_suggestions(&fmt, &views));
            strips.push(CalStrip {
                title: fmt.t("flights-calendar-title"),
                days: views,
            });
        }
        Some(Calendar::RoundTrip(cells)) => {
            let (dep, ret) = (
                search.slices[0].departure_date,
                search.slices[1].departure_date,
            );
            let link = |c: &GridCell| {
                href(
                    &all_pairs,
                    &[
                        ("depart", Some(c.departure_date.to_string())),
                        ("return", Some(c.return_date.to_string())),
                    ],
                )
            };
            let cell_view = |c: &GridCell| {
                calendar_day(
                    &fmt,
                    c.departure_date,
                    c.cheapest,
                    today,
                    link(c),
                    c.departure_date == dep && c.return_date == ret,
                )
            };
            let price_of = |c: &GridCell| {
                c.cheapest
                    .filter(|_| c.departure_date >= today)
                    .map(|m| m.minor())
            };
            // Outbound days with the return fixed.
            let column: Vec<&GridCell> = cells.iter().filter(|c| c.return_date == ret).collect();
            let mut out_days: Vec<CalDay> = column.iter().map(|c| cell_view(c)).collect();
            mark_cheapest(
                &mut out_days,
                &column.iter().map(|c| price_of(c)).collect::<Vec<_>>(),
            );
            // Return days with the outbound fixed.
            let row: Vec<&GridCell> = cells.iter().filter(|c| c.departure_date == dep).collect();
            let mut back_days: Vec<CalDay> = row
                .iter()
                .map(|c| {
                    let mut v = cell_view(c);
                    v.weekday = fmt.weekday(c.return_date);
                    v.date = fmt.date_short(c.return_date);
                    v.full_date = fmt.date_long(c.return_date);
                    v
                })
                .collect();
            mark_cheapest(
                &mut back_days,
                &row.iter().map(|c| price_of(c)).collect::<Vec<_>>(),
            );
            cheaper_days.extend(date_suggestions(&fmt, out_days.iter().chain(&back_days)));
            strips.push(CalStrip {
                title: fmt.ts("flights-calendar-depart", &[("date", &fmt.date_long(ret))]),
                days: out_days,
            });
            strips.push(CalStrip {
                title: fmt.ts("flights-calendar-return", &[("date", &fmt.date_long(dep))]),
                days: back_days,
            });
            // The full 7×7 grid.
            let mut returns: Vec<NaiveDate> = cells.iter().map(|c| c.return_date).collect();
            returns.sort();
            returns.dedup();
            let mut departs: Vec<NaiveDate> = cells.iter().map(|c| c.departure_date).collect();
            departs.sort();
            departs.dedup();
            let all: Vec<Option<i64>> = cells.iter().map(price_of).collect();
            let min = all.iter().flatten().min().copied();
            grid = Some(CalGrid {
                returns: returns.iter().map(|d| fmt.date_long(*d)).collect(),
                rows: departs
                    .iter()
                    .map(|dd| GridRow {
                        depart: fmt.date_long(*dd),
                        cells: returns
                            .iter()
                            .filter_map(|rd| {
                                cells
                                    .iter()
                                    .find(|c| c.departure_date == *dd && c.return_date == *rd)
                            })
                            .map(|c| {
                                let mut v = cell_view(c);
                                v.cheapest = min.is_some() && price_of(c) == min;
                                v
                            })
                            .collect(),
                    })
                    .collect(),
            });
        }
        None => {}
    }
    cheaper_days.sort_by_key(|s| s.text.clone());
    cheaper_days.truncate(3);

    // Sort tabs.
    let tabs = ["best", "price", "duration", "departure", "arrival"]
        .iter()
        .map(|key| Tab {
            label: fmt.t(&format!("flights-sort-{key}")),
            href: href(
                &all_pairs,
                &[("sort", Some((*key).to_owned())), ("limit", None)],
            ),
            current: form.sort == *key,
            title: if *key == "best" {
                fmt.t("flights-sort-best-hint")
            } else {
                String::new()
            },
        })
        .collect();

    // Filter panel.
    let mut carrier_min: BTreeMap<String, i64> = BTreeMap::new();
    let mut via_min: BTreeMap<String, i64> = BTreeMap::new();
    for o in &outcome.offers {
        let price = o.price.total.minor();
        for s in &o.slices {
            for g in &s.segments {
                let e = carrier_min
                    .entry(g.marketing_carrier.to_string())
                    .or_insert(price);
                *e = (*e).min(price);
            }
            for g in s.segments.iter().skip(1) {
                let e = via_min.entry(g.origin.to_string()).or_insert(price);
                *e = (*e).min(price);
            }
        }
    }
    let currency = flights.currency();
    let facet = |code: &String, min: &i64, label: String, chosen: &[String]| Facet {
        value: code.clone(),
        label,
        detail: fmt.ts(
            "flights-from-price",
            &[(
                "price",
                &money_text(Money::from_minor(*min, currency), true),
            )],
        ),
        checked: chosen.contains(code),
    };
    let mut airlines_facets: Vec<Facet> = carrier_min
        .iter()
        .map(|(c, m)| {
            facet(
                c,
                m,
                format!("{} {c}", fmt.airline(c)),
                &asked.filters.airlines,
            )
        })
        .collect();
    // A chosen carrier that no longer appears stays listed, so it can be unticked.
    for a in &asked.filters.airlines {
        if !carrier_min.contains_key(a) {
            airlines_facets.push(Facet {
                value: a.clone(),
                label: format!("{} {a}", fmt.airline(a)),
                detail: String::new(),
                checked: true,
            });
        }
    }
    let mut via_facets: Vec<Facet> = via_min
        .iter()
        .map(|(c, m)| facet(c, m, format!("{} {c}", fmt.city(c)), &asked.filters.via))
        .collect();
    for a in &asked.filters.via {
        if !via_min.contains_key(a) {
            via_facets.push(Facet {
                value: a.clone(),
                label: format!("{} {a}", fmt.city(a)),
                detail: String::new(),
                checked: true,
            });
        }
    }
    let times = (0..search.slices.len())
        .map(|i| {
            let key = format!("dtime{i}");
            let chosen = asked.filters.dtimes.get(i).cloned().unwrap_or_default();
            let mut options = vec![Choice {
                value: String::new(),
                label: fmt.t("flights-time-any"),
                selected: chosen.is_empty(),
            }];
            options.extend(TIME_PRESETS.iter().map(|(k, _, _)| Choice {
                value: (*k).to_owned(),
                label: fmt.t(&format!("flights-time-{k}")),
                selected: chosen == *k,
            }));
            let legend = fmt.ts(
                "flights-filter-departure",
                &[(
                    "slice",
                    &slice_label(&fmt, &form.trip, i, search.slices.len()),
                )],
            );
            TimeFilter {
                key,
                legend,
                options,
            }
        })
        .collect();
    let mut hours = vec![Choice {
        value: String::new(),
        label: fmt.t("flights-hours-any"),
        selected: asked.filters.max_hours.is_empty(),
    }];
    hours.extend(HOUR_PRESETS.iter().map(|h| Choice {
        value: h.to_string(),
        label: fmt.tn("flights-hours-max", "hours", i64::from(*h)),
        selected: asked.filters.max_hours == h.to_string(),
    }));
    let hidden = s_pairs
        .iter()
        .filter(|(k, _)| k != "stops")
        .map(|(k, v)| Hidden {
            name: k.clone(),
            value: v.clone(),
        })
        .collect();
    let clear_href = href(&s_pairs, &[]);
    let filters = FilterPanel {
        hidden,
        stops: ["0", "1", "2"]
            .iter()
            .map(|s| Choice {
                value: (*s).to_owned(),
                label: fmt.t(&format!("flights-max-stops-{s}")),
                selected: form.stops == *s,
            })
            .collect(),
        airlines: airlines_facets,
        times,
        max_price: asked.filters.max_price.clone(),
        price_currency: currency.code().to_owned(),
        hours,
        via: via_facets,
        active: asked.filters.active(),
        clear_href: clear_href.clone(),
    };

    // Offers.
    let views: Vec<OfferView> = groups
        .iter()
        .take(search.limit)
        .enumerate()
        .filter_map(|(i, g)| offer_view(&fmt, g, i + 1, &form.trip, search.passengers))
        .collect();
    let count = if total_matching > views.len() {
        fmt.ts(
            "flights-count-some",
            &[
                ("shown", &views.len().to_string()),
                ("total", &total_matching.to_string()),
            ],
        )
    } else {
        fmt.tn("flights-count", "count", views.len() as i64)
    };
    let more_href = (total_matching > views.len() && search.limit < MAX_LIMIT).then(|| {
        href(
            &all_pairs,
            &[(
                "limit",
                Some((search.limit + PAGE_STEP).min(MAX_LIMIT).to_string()),
            )],
        )
    });
    let warning = (!outcome.warnings.is_empty()).then(|| {
        let names: Vec<String> = outcome
            .warnings
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
            "flights-partial",
            &[("suppliers", &names.join(fmt.list_sep()))],
        )
    });

    // Suggestions when nothing matched.
    let mut suggestions = Vec::new();
    if views.is_empty() {
        suggestions.extend(cheaper_days);
        if search.max_connections < 2 {
            suggestions.push(Suggestion {
                text: fmt.t("flights-suggest-stops"),
                href: href(&all_pairs, &[("stops", Some("2".into()))]),
            });
        }
        if !search.allow_airport_change {
            suggestions.push(Suggestion {
                text: fmt.t("flights-suggest-change"),
                href: href(&all_pairs, &[("change", Some("1".into()))]),
            });
        }
        if asked.filters.active() > 0 {
            suggestions.push(Suggestion {
                text: fmt.t("flights-suggest-clear"),
                href: clear_href,
            });
        }
    }

    let currency_note = (ctx.currency != currency).then(|| {
        fmt.ts(
            "flights-currency-note",
            &[
                ("currency", currency.code()),
                ("display", ctx.currency.code()),
            ],
        )
    });
    let sort_best = form.sort == "best";
    let form = asked.form.finish(ctx.locale);
    Ok(FlightsTemplate {
        page,
        form,
        searched: true,
        title,
        route,
        dates,
        party,
        strips,
        grid,
        tabs,
        sort_best,
        offers: views,
        count,
        more_href,
        warning,
        filters,
        suggestions,
        currency_note,
    }
    .into_response())
}

enum Calendar {
    OneWay(Vec<DayPrice>),
    RoundTrip(Vec<GridCell>),
}

/// The price calendar to compute beside the search: one-way days, or the round-trip grid.
fn calendar_task(
    state: &AppState,
    search: &FlightSearch,
    trip: &str,
) -> Option<impl FnOnce() -> Calendar + Send + 'static> {
    let builtin = state.flights().builtin()?.clone();
    let first = search.slices.first()?;
    let route = CalendarRoute {
        origin: first.origin,
        destination: first.destination,
        passengers: search.passengers,
        cabin: search.cabin,
        max_connections: search.max_connections,
    };
    let depart = first.departure_date;
    let ret = match (trip, search.slices.len()) {
        (_, 1) => None,
        ("round", 2) if search.is_round_trip() => Some(search.slices[1].departure_date),
        _ => return None,
    };
    Some(move || match ret {
        None => Calendar::OneWay(builtin.cheapest_by_day(route, depart)),
        Some(r) => Calendar::RoundTrip(builtin.round_trip_grid(route, depart, r)),
    })
}

// ------------------------------------------------------------------ explore

#[derive(Debug, Clone)]
pub struct NearbyView {
    pub code: String,
    pub name: String,
    pub distance: String,
}

#[derive(Debug, Clone)]
pub struct DestinationView {
    pub code: String,
    pub name: String,
    pub city: String,
    pub country: String,
    pub date: String,
    pub price: String,
    pub price_minor: i64,
    pub approx: Option<String>,
    pub stops: String,
    pub from: String,
    pub href: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "explore.html")]
pub struct ExploreTemplate {
    page: Page,
    origin: AirportField,
    lat: String,
    lon: String,
    from: String,
    to: String,
    budget: String,
    adults: String,
    adult_choices: Vec<Choice>,
    min_date: String,
    max_date: String,
    budget_currency: String,
    errors: Vec<FormError>,
    searched: bool,
    origins: Vec<NearbyView>,
    destinations: Vec<DestinationView>,
    heading: String,
}

impl ExploreTemplate {
    pub fn error(&self, field: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|e| e.field == field)
            .map(|e| e.message.as_str())
    }
}

/// `GET /explore`: the cheapest destinations from an airport, a city or where you are.
pub async fn explore(
    State(state): State<AppState>,
    ctx: RequestContext,
    RawQuery(raw): RawQuery,
) -> Result<Response, WebError> {
    let page = Page::new(&state, &ctx);
    let p = Params::parse(raw.as_deref());
    let locale = ctx.locale;
    let chinese = locale.is_chinese();
    let flights = state.flights();
    let today = flights.now().date_naive();
    let last = flights.last_date();
    let mut tpl = ExploreTemplate {
        heading: page.t("explore-title"),
        page,
        origin: resolve_airport(&state, &p.get("origin"), chinese),
        lat: p.get("lat"),
        lon: p.get("lon"),
        from: p.get("from"),
        to: p.get("to"),
        budget: p.get("budget"),
        adults: {
            let a = p.get("adults");
            if a.is_empty() { "1".into() } else { a }
        },
        adult_choices: Vec::new(),
        min_date: today.to_string(),
        max_date: last.to_string(),
        budget_currency: flights.currency().code().to_owned(),
        errors: Vec::new(),
        searched: false,
        origins: Vec::new(),
        destinations: Vec::new(),
    };
    tpl.adult_choices = count_choices(1, MAX_SEATS, &tpl.adults);
    let has_position = !tpl.lat.is_empty() || !tpl.lon.is_empty();
    if tpl.origin.value.is_empty() && !has_position {
        if tpl.from.is_empty() {
            tpl.from = (today + Duration::days(1)).min(last).to_string();
        }
        if tpl.to.is_empty() {
            tpl.to = (today + Duration::days(14)).min(last).to_string();
        }
        return Ok(tpl.into_response());
    }
    let Some(builtin) = flights.builtin().cloned() else {
        tpl.searched = true;
        return Ok(tpl.into_response());
    };
    let index = builtin.index();
    let mut errors = Vec::new();
    let mut err = |field: &str, reason: &str, arg: Option<(&str, i64)>| {
        errors.push(form_error(locale, field, reason, arg));
    };

    // Where from: an airport (or city) typed, else the position.
    let mut origins: Vec<(AirportCode, f64)> = Vec::new();
    if !tpl.origin.value.is_empty() {
        match AirportCode::parse(&tpl.origin.value)
            .ok()
            .filter(|c| state.airports().get(c.as_str()).is_some())
        {
            Some(code) => {
                // A city typed by name explores from all its airports; a code, from that one.
                let typed = p.get("origin");
                let by_name = !(typed.len() == 3 && typed.chars().all(|c| c.is_ascii_alphabetic()));
                let city = state.airports().get(code.as_str()).map(|a| a.city.clone());
                origins.push((code, 0.0));
                if let Some(a) = state.airports().get(code.as_str()).filter(|_| by_name) {
                    for (near, _) in index.airports_near(a.lat, a.lon, 80.0) {
                        let same_city = state
                            .airports()
                            .get(near.as_str())
                            .is_some_and(|n| Some(&n.city) == city.as_ref() && !n.city.is_empty());
                        if near != code && same_city && origins.len() < 4 {
                            // Distances are shown from the visitor only; here there is none.
                            origins.push((near, 0.0));
                        }
                    }
                }
            }
            None => err("origin", "reason-unknown-airport", None),
        }
    } else {
        match (tpl.lat.parse::<f64>(), tpl.lon.parse::<f64>()) {
            (Ok(lat), Ok(lon))
                if (-90.0..=90.0).contains(&lat) && (-180.0..=180.0).contains(&lon) =>
            {
                origins = index
                    .airports_near(lat, lon, 150.0)
                    .into_iter()
                    .take(5)
                    .collect();
                if origins.is_empty() {
                    err("origin", "explore-none-nearby", None);
                }
            }
            _ => err("origin", "explore-bad-position", None),
        }
    }
    // A missing date takes its default; a malformed one is refused.
    let parse = |s: &str, default: NaiveDate| -> Option<NaiveDate> {
        if s.is_empty() {
            Some(default)
        } else {
            NaiveDate::parse_from_str(s, "%Y-%m-%d").ok()
        }
    };
    let from = parse(&tpl.from, (today + Duration::days(1)).min(last));
    if from.is_none() {
        err("range_from", "reason-invalid-date", None);
    }
    let to = from.and_then(|f| parse(&tpl.to, (f + Duration::days(13)).min(last)));
    if from.is_some() && to.is_none() {
        err("range_to", "reason-invalid-date", None);
    }
    if let (Some(f), Some(t)) = (from, to) {
        if f < today {
            err("range_from", "reason-date-in-past", None);
        } else if f > last {
            err("range_from", "reason-date-beyond-horizon", None);
        } else if t < f {
            err("range_to", "reason-range-inverted", None);
        } else if (t - f).num_days() > 30 {
            err("range_to", "reason-limit-range", Some(("max", 31)));
        }
    }
    let budget_minor = if tpl.budget.is_empty() {
        None
    } else {
        match Money::parse(&tpl.budget, flights.currency()) {
            Ok(m) if m.minor() > 0 => Some(m.minor()),
            _ => {
                err("budget", "reason-not-a-number", None);
                None
            }
        }
    };
    let adults = match tpl.adults.parse::<u8>() {
        Ok(n) if (1..=MAX_SEATS).contains(&n) => n,
        _ => {
            err("adults", "flights-reason-choose", None);
            1
        }
    };
    tpl.from = from.map(|d| d.to_string()).unwrap_or(tpl.from);
    tpl.to = to.map(|d| d.to_string()).unwrap_or(tpl.to);
    if !errors.is_empty() {
        tpl.errors = errors;
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, tpl).into_response());
    }
    let (Some(from), Some(to)) = (from, to) else {
        return Ok((StatusCode::UNPROCESSABLE_ENTITY, tpl).into_response());
    };
    let party = Passengers {
        adults,
        children: 0,
        infants: 0,
    };
    let codes: Vec<AirportCode> = origins.iter().map(|o| o.0).collect();
    let found = tokio::task::spawn_blocking(move || {
        builtin.explore(&codes, from, to, party, budget_minor, EXPLORE_LIMIT)
    })
    .await
    .map_err(WebError::internal)?;

    let fmt = Fmt::new(&state, &ctx);
    tpl.searched = true;
    tpl.origins = origins
        .iter()
        .map(|(c, km)| NearbyView {
            code: c.to_string(),
            name: fmt.airport_label(c.as_str()),
            distance: if *km > 0.5 {
                fmt.ts("explore-distance", &[("km", &format!("{:.0}", km))])
            } else {
                String::new()
            },
        })
        .collect();
    tpl.heading = match origins.as_slice() {
        _ if tpl.origin.value.is_empty() => fmt.t("explore-heading-near"),
        [(one, _)] => fmt.ts(
            "explore-heading-from",
            &[("place", &format!("{} {}", fmt.city(one.as_str()), one))],
        ),
        [(first, _), ..] => fmt.ts(
            "explore-heading-from",
            &[("place", &fmt.city(first.as_str()))],
        ),
        [] => fmt.t("explore-heading-near"),
    };
    tpl.destinations = found
        .into_iter()
        .map(|d| {
            let code = d.destination.to_string();
            let airport = fmt.airport(&code);
            let city = fmt.city(&code);
            let label = fmt.airport_label(&code);
            DestinationView {
                name: if label == city { String::new() } else { label },
                city,
                country: airport.map(|a| fmt.country(&a.country)).unwrap_or_default(),
                date: fmt.date_long(d.date),
                price: money_text(d.cheapest, false),
                price_minor: d.cheapest.minor(),
                approx: fmt.approx(d.cheapest),
                stops: fmt.stops(d.stops),
                from: d.origin.to_string(),
                href: format!(
                    "/flights?{}",
                    query_string(&[
                        ("trip".into(), "oneway".into()),
                        ("from".into(), d.origin.to_string()),
                        ("to".into(), code.clone()),
                        ("depart".into(), d.date.to_string()),
                        ("adults".into(), adults.to_string()),
                        ("sort".into(), "price".into()),
                    ])
                ),
                code,
            }
        })
        .collect();
    Ok(tpl.into_response())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn money_is_shown_with_a_symbol_and_grouping() {
        let cny = wayfare_domain::Currency::CNY;
        assert_eq!(money_text(Money::from_minor(123_400, cny), false), "¥1,234");
        assert_eq!(
            money_text(Money::from_minor(123_450, cny), false),
            "¥1,234.50"
        );
        assert_eq!(money_text(Money::from_minor(123_450, cny), true), "¥1,235");
        let myr = wayfare_domain::Currency::parse("MYR").unwrap();
        assert_eq!(money_text(Money::from_minor(12_000, myr), false), "MYR 120");
    }

    #[test]
    fn validation_fields_map_back_to_the_form() {
        let k = |a: &str, b: &str, c: &str| [a.to_owned(), b.to_owned(), c.to_owned()];
        let slices = vec![
            (k("PVG", "LHR", "x"), k("from", "to", "depart")),
            (k("LHR", "PVG", "y"), k("to", "from", "return")),
        ];
        assert_eq!(form_key("slices[0].origin", &slices), "from");
        assert_eq!(form_key("slices[1].departure_date", &slices), "return");
        assert_eq!(form_key("slices[1].departure_time.from", &slices), "dtime1");
        assert_eq!(form_key("passengers.infants", &slices), "infants");
        assert_eq!(form_key("passengers", &slices), "party");
    }

    #[test]
    fn query_pairs_keep_repeats_and_split_commas() {
        let p = Params::parse(Some("airline=CA&airline=mu,FM&from=%E5%8C%97%E4%BA%AC"));
        assert_eq!(p.codes("airline"), vec!["CA", "MU", "FM"]);
        assert_eq!(p.get("from"), "北京");
        assert_eq!(
            href(
                &[("a".into(), "1".into()), ("b".into(), "x y".into())],
                &[("a", Some("2".into())), ("c", None)]
            ),
            "/flights?b=x+y&a=2"
        );
    }
}
