//! The built-in supplier's hotels: one row per property (the fields searches filter on as
//! columns, rooms, rate plans and the rest as compact JSON in `detail`), rooms sold per night,
//! the bundled hotel reference data (brands, landmarks, country names) and the SQL radius
//! query the hotel benchmark measures the in-memory index against.
//!
//! `detail` is written through private mirror types with short keys, not the domain's serde,
//! so the stored format changes only here and a million rows stay small.

use std::borrow::Cow;
use std::collections::HashMap;

use chrono::{NaiveDate, NaiveTime, Timelike, Utc};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection, DatabaseTransaction,
    DbBackend, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder, QuerySelect, Statement,
    TransactionTrait, Value,
};
use serde::{Deserialize, Serialize};
use wayfare_domain::hotel::{
    Amenities, Bed, BedType, Board, BrandCode, CancellationCharge, CancellationPolicy,
    CancellationTier, ChainCode, DateWindow, DemandProfile, GeoPoint, HotelListing, ListedPlan,
    ListedRoom, LocalizedText, Payment, Promotion, PromotionCode, PromotionKind, Property,
    PropertyId, RatePlan, RatePlanCode, ReviewScore, Reviews, RoomCapacity, RoomFacilities,
    RoomType, RoomTypeCode, SHORT_CODE_MAX, StarRating, TaxesAndFees, Themes,
};
use wayfare_domain::{Currency, Money};

use crate::entity::{hotel, hotel_room_sale};
use crate::{Backend, Store, StoreError};

const BRANDS_CSV: &str = include_str!("../../../data/reference/hotel_brands.csv");
const LANDMARKS_CSV: &str = include_str!("../../../data/reference/landmarks.csv");
const COUNTRIES_CSV: &str = include_str!("../../../data/reference/countries.csv");

/// Rows per INSERT: 14 values a row stays far below SQLite's and PostgreSQL's parameter limits.
const WRITE_BATCH: usize = 1_000;
/// Rows per read when streaming every hotel.
const READ_BATCH: u64 = 5_000;
/// Ids per `IN (…)` list.
const ID_BATCH: usize = 500;

/// Rooms sold per (hotel id, room type code, night).
pub type HotelRoomSales = HashMap<(i64, String, NaiveDate), u16>;

// ---------------------------------------------------------------------------------------------
// Bundled reference data

/// A row of `data/reference/hotel_brands.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct HotelBrandRow {
    pub chain_code: String,
    pub chain_name_en: String,
    pub chain_name_zh: String,
    pub brand_code: String,
    pub brand_name_en: String,
    pub brand_name_zh: String,
    /// `luxury`, `upper_upscale`, `upscale`, `upper_midscale`, `midscale` or `economy`.
    pub segment: String,
    pub typical_stars: u8,
    /// `;`-list of `cn, asia, europe, americas, mea, oceania`, or `global`.
    pub regions: String,
    /// `;`-list of theme codes.
    pub typical_themes: String,
}

/// A row of `data/reference/landmarks.csv`.
#[derive(Debug, Clone, PartialEq, Deserialize)]
pub struct LandmarkRow {
    pub landmark_id: String,
    pub name_en: String,
    pub name_zh: String,
    /// `;`-list of other names.
    pub aliases: Option<String>,
    /// `landmark`, `district`, `park`, `station`, `museum`, `beach`, `convention`,
    /// `university` or `theme_park`.
    pub kind: String,
    pub city_geonameid: i64,
    pub city: String,
    pub country: String,
    pub lat: f64,
    pub lon: f64,
}

/// A row of `data/reference/countries.csv`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize)]
pub struct CountryRow {
    pub iso2: String,
    pub name_en: String,
    pub name_zh: Option<String>,
}

/// The curated hotel reference data bundled in the binary (see `data/reference/README.md`).
#[derive(Debug, Clone)]
pub struct HotelReferenceData {
    pub brands: Vec<HotelBrandRow>,
    pub landmarks: Vec<LandmarkRow>,
    pub countries: Vec<CountryRow>,
}

impl HotelReferenceData {
    pub fn load() -> Result<HotelReferenceData, StoreError> {
        Ok(HotelReferenceData {
            brands: parse_csv("hotel_brands.csv", BRANDS_CSV)?,
            landmarks: parse_csv("landmarks.csv", LANDMARKS_CSV)?,
            countries: parse_csv("countries.csv", COUNTRIES_CSV)?,
        })
    }
}

fn parse_csv<T: for<'de> Deserialize<'de>>(name: &str, text: &str) -> Result<Vec<T>, StoreError> {
    csv::Reader::from_reader(text.as_bytes())
        .deserialize()
        .enumerate()
        .map(|(i, r)| r.map_err(|e| StoreError::BundledData(format!("{name} row {}: {e}", i + 2))))
        .collect()
}

// ---------------------------------------------------------------------------------------------
// The stored form of `detail`

fn is_false(b: &bool) -> bool {
    !*b
}

fn is_one(n: &u8) -> bool {
    *n == 1
}

/// Text in `detail`, borrowed from the row where JSON allows (most strings), so decoding a
/// million rows does not allocate every string twice.
#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(transparent)]
struct Text<'a>(#[serde(borrow)] Cow<'a, str>);

impl<'a> Text<'a> {
    fn of(s: &'a str) -> Text<'a> {
        Text(Cow::Borrowed(s))
    }

    fn owned(self) -> String {
        self.0.into_owned()
    }
}

impl std::ops::Deref for Text<'_> {
    type Target = str;
    fn deref(&self) -> &str {
        &self.0
    }
}

#[derive(Debug, Serialize, Deserialize)]
struct DetailDto<'a> {
    /// Address: English, Chinese.
    #[serde(borrow)]
    a: [Text<'a>; 2],
    /// Check-in and check-out, minutes after local midnight.
    ci: u16,
    co: u16,
    #[serde(borrow)]
    tz: Text<'a>,
    /// The listing's currency: the plans' unless their terms say otherwise, and the fee's.
    #[serde(borrow)]
    cur: Text<'a>,
    /// Taxes in basis points.
    tax: u32,
    /// Fixed fee per room and night, minor units of `cur`.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    fee: Option<i64>,
    /// Fee currency when it is not `cur`.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    fee_cur: Option<Text<'a>>,
    /// Demand: 1 southern hemisphere, 2 leisure, 4 Chinese holidays.
    d: u8,
    /// Rate plan terms, each stored once however many room types carry it: a hotel's plans
    /// differ by room and price, rarely by terms, and this keeps a row near 1 KB.
    #[serde(borrow)]
    t: Vec<PlanTermsDto<'a>>,
    #[serde(borrow)]
    r: Vec<RoomDto<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    p: Vec<PromotionDto<'a>>,
}

#[derive(Debug, Serialize, Deserialize)]
struct RoomDto<'a> {
    #[serde(borrow)]
    c: Text<'a>,
    #[serde(borrow)]
    n: [Text<'a>; 2],
    /// Adults, children, occupancy, infants.
    cap: [u8; 4],
    #[serde(borrow)]
    b: Vec<(Text<'a>, u8)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    s: Option<u16>,
    f: u32,
    al: u16,
    #[serde(borrow)]
    p: Vec<PlanDto<'a>>,
}

/// A plan: its terms (index into `t`) and base price, then (only when needed) its code and
/// room type. The code is otherwise the room type code, `_` and the terms' suffix, and the
/// room type the room's. Written as `[terms, base]` or `[terms, base, code, room type]`.
#[derive(Debug, Deserialize)]
struct PlanDto<'a>(
    usize,
    i64,
    #[serde(borrow, default)] Option<Text<'a>>,
    #[serde(borrow, default)] Option<Text<'a>>,
);

impl Serialize for PlanDto<'_> {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        use serde::ser::SerializeSeq;
        let full = self.2.is_some() || self.3.is_some();
        let mut seq = s.serialize_seq(Some(if full { 4 } else { 2 }))?;
        seq.serialize_element(&self.0)?;
        seq.serialize_element(&self.1)?;
        if full {
            seq.serialize_element(&self.2)?;
            seq.serialize_element(&self.3)?;
        }
        seq.end()
    }
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
struct PlanTermsDto<'a> {
    /// Plan code suffix after `<room type>_`.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    s: Option<Text<'a>>,
    #[serde(borrow)]
    n: [Text<'a>; 2],
    #[serde(borrow)]
    b: Text<'a>,
    /// Payment when it is not `pay_now`.
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    pay: Option<Text<'a>>,
    #[serde(default, skip_serializing_if = "is_false")]
    m: bool,
    /// Cancellation tiers; none is non-refundable.
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    x: Vec<(u32, ChargeDto<'a>)>,
    #[serde(borrow, default, skip_serializing_if = "Option::is_none")]
    cur: Option<Text<'a>>,
    #[serde(borrow, default, skip_serializing_if = "Vec::is_empty")]
    pr: Vec<Text<'a>>,
}

#[derive(Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum ChargeDto<'a> {
    N(u8),
    P(u16),
    A(i64, #[serde(borrow)] Text<'a>),
}

#[derive(Debug, Serialize, Deserialize)]
struct PromotionDto<'a> {
    #[serde(borrow)]
    c: Text<'a>,
    k: KindDto,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    bw: Option<(NaiveDate, NaiveDate)>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    sw: Option<(NaiveDate, NaiveDate)>,
    #[serde(default = "one", skip_serializing_if = "is_one")]
    mn: u8,
}

fn one() -> u8 {
    1
}

#[derive(Debug, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
enum KindDto {
    Pct(u16),
    Early(u16, u16),
    Last(u16, u16),
    StayPay(u8, u8),
}

fn minutes(t: NaiveTime) -> u16 {
    (t.hour() * 60 + t.minute()) as u16
}

fn text_pair(t: &LocalizedText) -> [Text<'_>; 2] {
    [Text::of(&t.en), Text::of(&t.zh)]
}

fn to_detail(l: &HotelListing) -> DetailDto<'_> {
    let p = &l.property;
    let cur = l
        .rooms
        .iter()
        .flat_map(|r| r.plans.first())
        .map(|pl| pl.plan.currency)
        .next()
        .or_else(|| p.taxes.per_room_night.map(|m| m.currency()))
        .unwrap_or(Currency::CNY);
    let fee_cur = p
        .taxes
        .per_room_night
        .map(|m| m.currency())
        .filter(|c| *c != cur)
        .map(|c| Text::of(c.code()));
    let mut terms: Vec<PlanTermsDto<'_>> = Vec::new();
    let rooms = l
        .rooms
        .iter()
        .map(|r| RoomDto {
            c: Text::of(r.room.code.as_str()),
            n: text_pair(&r.room.name),
            cap: [
                r.room.capacity.max_adults,
                r.room.capacity.max_children,
                r.room.capacity.max_occupancy,
                r.room.capacity.max_infants,
            ],
            b: r.room
                .beds
                .iter()
                .map(|b| (Text::of(b.kind.as_str()), b.count))
                .collect(),
            s: r.room.size_m2,
            f: r.room.facilities.bits(),
            al: r.allotment,
            p: r.plans
                .iter()
                .map(|lp| plan_dto(lp, &r.room.code, cur, &mut terms))
                .collect(),
        })
        .collect();
    DetailDto {
        a: text_pair(&p.address),
        ci: minutes(p.check_in_time),
        co: minutes(p.check_out_time),
        tz: Text::of(p.time_zone.name()),
        cur: Text::of(cur.code()),
        tax: p.taxes.percent_bp,
        fee: p.taxes.per_room_night.map(|m| m.minor()),
        fee_cur,
        d: u8::from(l.demand.southern_hemisphere)
            | u8::from(l.demand.leisure) << 1
            | u8::from(l.demand.chinese_holidays) << 2,
        t: terms,
        r: rooms,
        p: l.promotions
            .iter()
            .map(|pr| PromotionDto {
                // `code()` returns a copy: nothing to borrow from.
                c: Text(Cow::Owned(pr.code().as_str().to_owned())),
                k: match pr.kind() {
                    PromotionKind::PercentOff { permille } => KindDto::Pct(permille),
                    PromotionKind::EarlyBird {
                        min_days_before,
                        permille,
                    } => KindDto::Early(min_days_before, permille),
                    PromotionKind::LastMinute {
                        max_days_before,
                        permille,
                    } => KindDto::Last(max_days_before, permille),
                    PromotionKind::StayPay {
                        stay_nights,
                        pay_nights,
                    } => KindDto::StayPay(stay_nights, pay_nights),
                },
                bw: pr.booking_window().map(|w| (w.from(), w.to())),
                sw: pr.stay_window().map(|w| (w.from(), w.to())),
                mn: pr.min_nights(),
            })
            .collect(),
    }
}

fn plan_dto<'a>(
    lp: &'a ListedPlan,
    room: &RoomTypeCode,
    cur: Currency,
    terms: &mut Vec<PlanTermsDto<'a>>,
) -> PlanDto<'a> {
    let pl = &lp.plan;
    let suffix = pl
        .code
        .as_str()
        .strip_prefix(room.as_str())
        .and_then(|s| s.strip_prefix('_'))
        .filter(|s| !s.is_empty());
    let t = PlanTermsDto {
        s: suffix.map(Text::of),
        n: text_pair(&pl.name),
        b: Text::of(pl.board.as_str()),
        pay: (pl.payment != Payment::PayNow).then(|| Text::of(pl.payment.as_str())),
        m: pl.member_only,
        x: pl
            .cancellation
            .tiers()
            .iter()
            .map(|t| {
                let c = match t.charge {
                    CancellationCharge::Nights(n) => ChargeDto::N(n),
                    CancellationCharge::Percent { permille } => ChargeDto::P(permille),
                    CancellationCharge::Amount(m) => {
                        ChargeDto::A(m.minor(), Text::of(m.currency().code()))
                    }
                };
                (t.hours_before, c)
            })
            .collect(),
        cur: (pl.currency != cur).then(|| Text::of(pl.currency.code())),
        pr: pl.promotions.iter().map(|c| Text::of(c.as_str())).collect(),
    };
    let index = match terms.iter().position(|x| *x == t) {
        Some(i) => i,
        None => {
            terms.push(t);
            terms.len() - 1
        }
    };
    if suffix.is_some() && pl.room_type == *room {
        PlanDto(index, lp.base_nightly_minor, None, None)
    } else {
        PlanDto(
            index,
            lp.base_nightly_minor,
            Some(Text::of(pl.code.as_str())),
            (pl.room_type != *room).then(|| Text::of(pl.room_type.as_str())),
        )
    }
}

/// `<room>_<suffix>` as a rate plan code, without allocating.
fn joined_code(room: &str, suffix: &str) -> Option<RatePlanCode> {
    let mut buf = [0u8; 2 * SHORT_CODE_MAX + 1];
    let (r, s) = (room.as_bytes(), suffix.as_bytes());
    let len = r.len() + 1 + s.len();
    if len > buf.len() {
        return None;
    }
    buf[..r.len()].copy_from_slice(r);
    buf[r.len()] = b'_';
    buf[r.len() + 1..len].copy_from_slice(s);
    RatePlanCode::parse(std::str::from_utf8(&buf[..len]).ok()?)
}

fn to_row(l: &HotelListing) -> Result<hotel::ActiveModel, StoreError> {
    let p = &l.property;
    let id = i64::try_from(p.id.0)
        .map_err(|_| StoreError::Corrupt(format!("hotel id {} is too large", p.id)))?;
    let detail = serde_json::to_string(&to_detail(l))
        .map_err(|e| StoreError::Corrupt(format!("hotel {id}: {e}")))?;
    Ok(hotel::ActiveModel {
        id: Set(id),
        city_id: Set(p.city_id),
        lat: Set(p.location.lat()),
        lon: Set(p.location.lon()),
        stars: Set(p.stars.map(|s| i16::from(s.get()))),
        chain: Set(p.chain.map(|c| c.as_str().to_owned())),
        brand: Set(p.brand.map(|b| b.as_str().to_owned())),
        // Bit patterns: the top bit of a u64 set becomes a negative i64 and back.
        amenities: Set(p.amenities.bits() as i64),
        themes: Set(i32::from(p.themes.bits())),
        review_tenths: Set(p.reviews.score.map(|s| i16::from(s.tenths()))),
        review_count: Set(i32::try_from(p.reviews.count).unwrap_or(i32::MAX)),
        name_en: Set(p.name.en.clone()),
        name_zh: Set(p.name.zh.clone()),
        detail: Set(detail),
    })
}

fn from_row(r: hotel::Model) -> Result<HotelListing, StoreError> {
    let id = r.id;
    let bad = |what: &str| StoreError::Corrupt(format!("hotel {id}: {what}"));
    let d: DetailDto = serde_json::from_str(&r.detail).map_err(|e| bad(&e.to_string()))?;
    let currency = |code: &str| Currency::parse(code).map_err(|_| bad("currency"));
    let cur = currency(&d.cur)?;
    let time = |m: u16| {
        NaiveTime::from_hms_opt(u32::from(m / 60), u32::from(m % 60), 0).ok_or_else(|| bad("time"))
    };
    let pair = |[en, zh]: [Text<'_>; 2]| LocalizedText {
        en: en.owned(),
        zh: zh.owned(),
    };
    let fee = match d.fee {
        None => None,
        Some(minor) => Some(Money::from_minor(
            minor,
            match &d.fee_cur {
                Some(c) => currency(c)?,
                None => cur,
            },
        )),
    };
    let mut rooms = Vec::with_capacity(d.r.len());
    for room in d.r {
        let code = RoomTypeCode::parse(&room.c).ok_or_else(|| bad("room type code"))?;
        let mut plans = Vec::with_capacity(room.p.len());
        for pl in room.p {
            let PlanDto(t, base, code_given, room_type) = pl;
            let terms = d.t.get(t).ok_or_else(|| bad("plan terms"))?;
            let plan_code = match (&code_given, &terms.s) {
                (Some(c), _) => RatePlanCode::parse(c),
                (None, Some(suffix)) => joined_code(&room.c, suffix),
                (None, None) => None,
            }
            .ok_or_else(|| bad("rate plan code"))?;
            let tiers = terms
                .x
                .iter()
                .map(|(hours_before, c)| {
                    Ok(CancellationTier {
                        hours_before: *hours_before,
                        charge: match c {
                            ChargeDto::N(n) => CancellationCharge::Nights(*n),
                            ChargeDto::P(permille) => CancellationCharge::Percent {
                                permille: *permille,
                            },
                            ChargeDto::A(minor, c) => {
                                CancellationCharge::Amount(Money::from_minor(*minor, currency(c)?))
                            }
                        },
                    })
                })
                .collect::<Result<Vec<_>, StoreError>>()?;
            let cancellation = if tiers.is_empty() {
                CancellationPolicy::non_refundable()
            } else {
                CancellationPolicy::tiered(tiers).map_err(|e| bad(&e.to_string()))?
            };
            plans.push(ListedPlan {
                plan: RatePlan {
                    code: plan_code,
                    room_type: match &room_type {
                        Some(rt) => RoomTypeCode::parse(rt).ok_or_else(|| bad("room type"))?,
                        None => code,
                    },
                    name: LocalizedText::new(&*terms.n[0], &*terms.n[1]),
                    board: Board::parse(&terms.b).ok_or_else(|| bad("board"))?,
                    payment: match &terms.pay {
                        Some(p) => Payment::parse(p).ok_or_else(|| bad("payment"))?,
                        None => Payment::PayNow,
                    },
                    member_only: terms.m,
                    cancellation,
                    currency: match &terms.cur {
                        Some(c) => currency(c)?,
                        None => cur,
                    },
                    promotions: terms
                        .pr
                        .iter()
                        .map(|c| PromotionCode::parse(c).ok_or_else(|| bad("promotion code")))
                        .collect::<Result<_, _>>()?,
                },
                base_nightly_minor: base,
            });
        }
        rooms.push(ListedRoom {
            room: RoomType {
                code,
                name: pair(room.n),
                capacity: RoomCapacity {
                    max_adults: room.cap[0],
                    max_children: room.cap[1],
                    max_occupancy: room.cap[2],
                    max_infants: room.cap[3],
                },
                beds: room
                    .b
                    .iter()
                    .map(|(kind, count)| {
                        Ok(Bed {
                            kind: BedType::parse(kind).ok_or_else(|| bad("bed type"))?,
                            count: *count,
                        })
                    })
                    .collect::<Result<_, StoreError>>()?,
                size_m2: room.s,
                facilities: RoomFacilities::from_bits(room.f),
            },
            allotment: room.al,
            plans,
        });
    }
    let window = |w: Option<(NaiveDate, NaiveDate)>| match w {
        None => Ok(None),
        Some((from, to)) => DateWindow::new(from, to)
            .map(Some)
            .ok_or_else(|| bad("date window")),
    };
    let mut promotions = Vec::with_capacity(d.p.len());
    for pr in d.p {
        let kind = match pr.k {
            KindDto::Pct(permille) => PromotionKind::PercentOff { permille },
            KindDto::Early(min_days_before, permille) => PromotionKind::EarlyBird {
                min_days_before,
                permille,
            },
            KindDto::Last(max_days_before, permille) => PromotionKind::LastMinute {
                max_days_before,
                permille,
            },
            KindDto::StayPay(stay_nights, pay_nights) => PromotionKind::StayPay {
                stay_nights,
                pay_nights,
            },
        };
        let code = PromotionCode::parse(&pr.c).ok_or_else(|| bad("promotion code"))?;
        let mut promo = Promotion::new(code, kind)
            .map_err(|e| bad(&e.to_string()))?
            .with_min_nights(pr.mn);
        if let Some(w) = window(pr.bw)? {
            promo = promo.with_booking_window(w);
        }
        if let Some(w) = window(pr.sw)? {
            promo = promo.with_stay_window(w);
        }
        promotions.push(promo);
    }
    let property = Property {
        id: PropertyId(u64::try_from(id).map_err(|_| bad("id"))?),
        name: LocalizedText {
            en: r.name_en,
            zh: r.name_zh,
        },
        chain: match &r.chain {
            Some(c) => Some(ChainCode::parse(c).ok_or_else(|| bad("chain"))?),
            None => None,
        },
        brand: match &r.brand {
            Some(b) => Some(BrandCode::parse(b).ok_or_else(|| bad("brand"))?),
            None => None,
        },
        stars: match r.stars {
            Some(s) => Some(
                u8::try_from(s)
                    .ok()
                    .and_then(StarRating::new)
                    .ok_or_else(|| bad("stars"))?,
            ),
            None => None,
        },
        address: pair(d.a),
        city_id: r.city_id,
        location: GeoPoint::new(r.lat, r.lon).ok_or_else(|| bad("position"))?,
        amenities: Amenities::from_bits(r.amenities as u64),
        themes: Themes::from_bits(u16::try_from(r.themes).map_err(|_| bad("themes"))?),
        reviews: Reviews {
            score: match r.review_tenths {
                Some(t) => Some(
                    u8::try_from(t)
                        .ok()
                        .and_then(ReviewScore::from_tenths)
                        .ok_or_else(|| bad("review score"))?,
                ),
                None => None,
            },
            count: u32::try_from(r.review_count).map_err(|_| bad("review count"))?,
        },
        check_in_time: time(d.ci)?,
        check_out_time: time(d.co)?,
        time_zone: d.tz.parse().map_err(|_| bad("time zone"))?,
        taxes: TaxesAndFees {
            percent_bp: d.tax,
            per_room_night: fee,
        },
    };
    Ok(HotelListing {
        property,
        rooms,
        promotions,
        demand: DemandProfile {
            southern_hemisphere: d.d & 1 != 0,
            leisure: d.d & 2 != 0,
            chinese_holidays: d.d & 4 != 0,
        },
    })
}

// ---------------------------------------------------------------------------------------------
// Writing

/// Replacing every hotel, in one transaction: [`Store::begin_hotel_replacement`], then
/// [`HotelReplacement::write`] as many chunks as needed (a million hotels need not be in
/// memory at once), then [`HotelReplacement::commit`]. Dropped without commit, nothing changes.
pub struct HotelReplacement {
    txn: DatabaseTransaction,
    db: DatabaseConnection,
    backend: Backend,
}

impl std::fmt::Debug for HotelReplacement {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("HotelReplacement")
            .field("backend", &self.backend)
            .finish()
    }
}

impl HotelReplacement {
    /// Adds listings; ids must be new.
    pub async fn write(&mut self, listings: &[HotelListing]) -> Result<(), StoreError> {
        for chunk in listings.chunks(WRITE_BATCH) {
            let rows = chunk.iter().map(to_row).collect::<Result<Vec<_>, _>>()?;
            hotel::Entity::insert_many(rows)
                .exec_without_returning(&self.txn)
                .await?;
        }
        Ok(())
    }

    /// Builds the spatial index (SQLite) and commits; returns the number of hotels.
    pub async fn commit(self) -> Result<u64, StoreError> {
        if self.backend == Backend::Sqlite {
            // One statement after the rows are in: much faster than a row-by-row fill.
            self.txn
                .execute_unprepared(
                    "INSERT INTO hotels_rtree (id, min_lat, max_lat, min_lon, max_lon) \
                     SELECT id, lat, lat, lon, lon FROM hotels",
                )
                .await?;
        }
        let n = hotel::Entity::find().count(&self.txn).await?;
        self.txn.commit().await?;
        if self.backend == Backend::Sqlite {
            // A million hotels leave gigabytes in the write-ahead log; fold them into the
            // database now rather than keep a WAL file as big as the data until the next
            // checkpoint (busy readers just make this a no-op).
            self.db
                .execute_unprepared("PRAGMA wal_checkpoint(TRUNCATE)")
                .await?;
        }
        Ok(n)
    }
}

impl Store {
    /// Starts replacing every hotel (see [`HotelReplacement`]). Rooms sold are kept: they
    /// belong to bookings.
    pub async fn begin_hotel_replacement(&self) -> Result<HotelReplacement, StoreError> {
        let txn = self.db().begin().await?;
        if self.backend() == Backend::Sqlite {
            txn.execute_unprepared("DELETE FROM hotels_rtree").await?;
        }
        hotel::Entity::delete_many().exec(&txn).await?;
        Ok(HotelReplacement {
            txn,
            db: self.db().clone(),
            backend: self.backend(),
        })
    }

    /// Replaces every hotel with `listings`, in one transaction; returns how many are stored.
    pub async fn replace_hotels(&self, listings: &[HotelListing]) -> Result<u64, StoreError> {
        let mut r = self.begin_hotel_replacement().await?;
        r.write(listings).await?;
        r.commit().await
    }

    pub async fn hotel_count(&self) -> Result<u64, StoreError> {
        Ok(hotel::Entity::find().count(self.db()).await?)
    }

    /// One hotel by id.
    pub async fn hotel_listing(&self, id: i64) -> Result<Option<HotelListing>, StoreError> {
        hotel::Entity::find_by_id(id)
            .one(self.db())
            .await?
            .map(from_row)
            .transpose()
    }

    /// Up to `limit` hotels with ids above `after`, in id order: a page for streaming every
    /// hotel without holding them all twice.
    pub async fn hotel_listings_after(
        &self,
        after: Option<i64>,
        limit: u64,
    ) -> Result<Vec<HotelListing>, StoreError> {
        let mut q = hotel::Entity::find();
        if let Some(after) = after {
            q = q.filter(hotel::Column::Id.gt(after));
        }
        q.order_by_asc(hotel::Column::Id)
            .limit(limit)
            .all(self.db())
            .await?
            .into_iter()
            .map(from_row)
            .collect()
    }

    /// Every hotel in id order, read in pages. (A listing takes some kilobytes in memory: to
    /// build something compact from a million, page through [`Store::hotel_listings_after`].)
    pub async fn hotel_listings(&self) -> Result<Vec<HotelListing>, StoreError> {
        let mut out = Vec::with_capacity(usize::try_from(self.hotel_count().await?).unwrap_or(0));
        let mut after = None;
        loop {
            let page = self.hotel_listings_after(after, READ_BATCH).await?;
            let Some(last) = page.last() else {
                break;
            };
            after = Some(last.property.id.0 as i64);
            let full = page.len() as u64 == READ_BATCH;
            out.extend(page);
            if !full {
                break;
            }
        }
        Ok(out)
    }

    /// Every night with rooms sold.
    pub async fn hotel_room_sales(&self) -> Result<HotelRoomSales, StoreError> {
        let rows = hotel_room_sale::Entity::find().all(self.db()).await?;
        Ok(sales_map(rows))
    }

    /// Rooms sold at these hotels for the nights from `from` up to (not including) `to`.
    pub async fn hotel_room_sales_for(
        &self,
        ids: &[i64],
        from: NaiveDate,
        to: NaiveDate,
    ) -> Result<HotelRoomSales, StoreError> {
        let mut out = HotelRoomSales::new();
        for chunk in ids.chunks(ID_BATCH) {
            let rows = hotel_room_sale::Entity::find()
                .filter(hotel_room_sale::Column::HotelId.is_in(chunk.iter().copied()))
                .filter(hotel_room_sale::Column::Night.gte(from))
                .filter(hotel_room_sale::Column::Night.lt(to))
                .all(self.db())
                .await?;
            out.extend(sales_map(rows));
        }
        Ok(out)
    }

    /// Sets the rooms sold for one room type and night (what a booking flow records; tests
    /// and tools use it directly).
    pub async fn set_hotel_room_sold(
        &self,
        hotel_id: i64,
        room_type: &str,
        night: NaiveDate,
        sold: u16,
    ) -> Result<(), StoreError> {
        hotel_room_sale::Entity::insert(hotel_room_sale::ActiveModel {
            hotel_id: Set(hotel_id),
            room_type: Set(room_type.to_owned()),
            night: Set(night),
            sold: Set(i32::from(sold)),
            updated_at: Set(Utc::now()),
        })
        .on_conflict(
            OnConflict::columns([
                hotel_room_sale::Column::HotelId,
                hotel_room_sale::Column::RoomType,
                hotel_room_sale::Column::Night,
            ])
            .update_columns([
                hotel_room_sale::Column::Sold,
                hotel_room_sale::Column::UpdatedAt,
            ])
            .to_owned(),
        )
        .exec_without_returning(self.db())
        .await?;
        Ok(())
    }

    /// The SQL baseline for "hotels within `radius_km` of `centre`": the bounding box through
    /// the spatial index (SQLite R*Tree, PostgreSQL B-tree on lat/lon), stars in `stars` (any
    /// when empty) and every amenity bit of `amenities_all_bits` in SQL, then the exact
    /// great-circle distance in Rust. In id order.
    pub async fn hotels_in_radius_sql(
        &self,
        centre: GeoPoint,
        radius_km: f64,
        stars: &[u8],
        amenities_all_bits: u64,
    ) -> Result<Vec<HotelListing>, StoreError> {
        if radius_km.is_nan() || radius_km < 0.0 {
            return Ok(Vec::new());
        }
        let backend = self.backend();
        let mut values: Vec<Value> = Vec::new();
        let mut param = |v: Value| {
            values.push(v);
            match backend {
                Backend::Sqlite => "?".to_owned(),
                Backend::Postgres => format!("${}", values.len()),
            }
        };
        let mut boxes = Vec::new();
        for [south, north, west, east] in radius_boxes(centre, radius_km) {
            let (s, n, w, e) = (
                param(south.into()),
                param(north.into()),
                param(west.into()),
                param(east.into()),
            );
            boxes.push(match backend {
                Backend::Sqlite => format!(
                    "(r.max_lat >= {s} AND r.min_lat <= {n} AND r.max_lon >= {w} AND r.min_lon <= {e})"
                ),
                Backend::Postgres => {
                    format!("(h.lat BETWEEN {s} AND {n} AND h.lon BETWEEN {w} AND {e})")
                }
            });
        }
        let mut sql = match backend {
            Backend::Sqlite => {
                "SELECT h.* FROM hotels_rtree r JOIN hotels h ON h.id = r.id WHERE (".to_owned()
            }
            Backend::Postgres => "SELECT h.* FROM hotels h WHERE (".to_owned(),
        };
        sql.push_str(&boxes.join(" OR "));
        sql.push(')');
        if !stars.is_empty() {
            let list: Vec<String> = stars
                .iter()
                .map(|s| param(Value::SmallInt(Some(i16::from(*s)))))
                .collect();
            sql.push_str(&format!(" AND h.stars IN ({})", list.join(", ")));
        }
        if amenities_all_bits != 0 {
            let bits = amenities_all_bits as i64;
            let (a, b) = (param(bits.into()), param(bits.into()));
            sql.push_str(&format!(" AND (h.amenities & {a}) = {b}"));
        }
        sql.push_str(" ORDER BY h.id");
        let db_backend = match backend {
            Backend::Sqlite => DbBackend::Sqlite,
            Backend::Postgres => DbBackend::Postgres,
        };
        let rows = hotel::Entity::find()
            .from_raw_sql(Statement::from_sql_and_values(db_backend, sql, values))
            .all(self.db())
            .await?;
        rows.into_iter()
            .filter(|r| {
                GeoPoint::new(r.lat, r.lon).is_some_and(|p| p.distance_km(centre) <= radius_km)
            })
            .map(from_row)
            .collect()
    }
}

fn sales_map(rows: Vec<hotel_room_sale::Model>) -> HotelRoomSales {
    rows.into_iter()
        .map(|r| {
            (
                (r.hotel_id, r.room_type, r.night),
                u16::try_from(r.sold.max(0)).unwrap_or(u16::MAX),
            )
        })
        .collect()
}

/// Mean earth radius, as the great-circle distance uses.
const EARTH_RADIUS_KM: f64 = 6371.0088;

/// Latitude/longitude boxes `[south, north, west, east]` that together cover every point
/// within `radius_km` of `centre`: one box, two where it crosses the antimeridian, the whole
/// band of longitudes where it reaches a pole. A hair larger than exact; the caller checks
/// distances.
fn radius_boxes(centre: GeoPoint, radius_km: f64) -> Vec<[f64; 4]> {
    const MARGIN: f64 = 1e-6;
    let angle = radius_km / EARTH_RADIUS_KM;
    let dlat = angle.to_degrees() + MARGIN;
    let (lat, lon) = (centre.lat(), centre.lon());
    let south = lat - dlat;
    let north = lat + dlat;
    if angle >= std::f64::consts::PI / 2.0 || south <= -90.0 || north >= 90.0 {
        return vec![[south.max(-90.0), north.min(90.0), -180.0, 180.0]];
    }
    let ratio = angle.sin() / lat.to_radians().cos();
    if ratio >= 1.0 {
        return vec![[south, north, -180.0, 180.0]];
    }
    let dlon = ratio.asin().to_degrees() + MARGIN;
    let (west, east) = (lon - dlon, lon + dlon);
    if west < -180.0 {
        vec![
            [south, north, west + 360.0, 180.0],
            [south, north, -180.0, east],
        ]
    } else if east > 180.0 {
        vec![
            [south, north, west, 180.0],
            [south, north, -180.0, east - 360.0],
        ]
    } else {
        vec![[south, north, west, east]]
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_hotel_reference_parses() {
        let d = HotelReferenceData::load().unwrap();
        assert!(d.brands.len() > 100, "{}", d.brands.len());
        assert!(d.landmarks.len() > 600, "{}", d.landmarks.len());
        assert!(d.countries.iter().any(|c| c.iso2 == "CN"));
        let ritz = d
            .brands
            .iter()
            .find(|b| b.brand_code == "ritz_carlton")
            .unwrap();
        assert_eq!(ritz.brand_name_zh, "丽思卡尔顿");
        assert!(
            d.landmarks
                .iter()
                .any(|l| l.name_zh == "陆家嘴" && l.city_geonameid == 1796236)
        );
    }

    #[test]
    fn detail_text_borrows_from_the_row() {
        let json = r#"{"c":"deluxe_king","n":["Deluxe \"King\"","豪华大床房"],"cap":[2,1,3,1],"b":[["king",1]],"f":0,"al":5,"p":[[0,100],[1,200,"x_y",null]]}"#;
        let room: RoomDto<'_> = serde_json::from_str(json).unwrap();
        assert!(matches!(room.c.0, Cow::Borrowed("deluxe_king")));
        assert!(matches!(room.n[1].0, Cow::Borrowed("豪华大床房")));
        // Escapes need an owned string.
        assert!(matches!(&room.n[0].0, Cow::Owned(s) if s == "Deluxe \"King\""));
        assert!(matches!(room.p[0], PlanDto(0, 100, None, None)));
        assert!(matches!(&room.p[1], PlanDto(1, 200, Some(c), None) if &**c == "x_y"));
        assert_eq!(
            serde_json::to_string(&room.p).unwrap(),
            r#"[[0,100],[1,200,"x_y",null]]"#
        );
    }

    #[test]
    fn radius_boxes_cover_the_circle() {
        let p = |lat, lon| GeoPoint::new(lat, lon).unwrap();
        // Shanghai, 5 km: one box about ±0.045° lat.
        let b = radius_boxes(p(31.23, 121.47), 5.0);
        assert_eq!(b.len(), 1);
        assert!((b[0][1] - 31.23 - 0.045).abs() < 0.001);
        // Across the antimeridian (Fiji): two boxes.
        let b = radius_boxes(p(-17.7, 179.95), 20.0);
        assert_eq!(b.len(), 2);
        assert!(b.iter().any(|x| x[3] == 180.0) && b.iter().any(|x| x[2] == -180.0));
        // Near the pole: every longitude.
        let b = radius_boxes(p(89.9, 10.0), 50.0);
        assert_eq!(b, vec![[b[0][0], 90.0, -180.0, 180.0]]);
        // Every point on a 10 km circle is inside the box.
        let c = p(60.0, 25.0);
        let b = radius_boxes(c, 10.0)[0];
        for i in 0..360 {
            let t = f64::from(i).to_radians();
            let (dlat, dlon) = (
                10.0 / 111.195 * t.cos() * 0.999,
                10.0 / (111.195 * 60f64.to_radians().cos()) * t.sin() * 0.999,
            );
            let (la, lo) = (60.0 + dlat, 25.0 + dlon);
            assert!(la >= b[0] && la <= b[1] && lo >= b[2] && lo <= b[3], "{i}");
        }
    }
}
