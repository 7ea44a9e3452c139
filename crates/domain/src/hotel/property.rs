//! A hotel as guests choose it: names and address in Chinese and English, chain and brand,
//! stars, position, amenities, themes, reviews and the hotel's local check-in time.

use std::fmt;

use chrono::{DateTime, Duration, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::{Deserialize, Serialize};

use super::codes::{coded_enum, flag_set, short_code};
use super::geo::GeoPoint;
use super::stay::TaxesAndFees;

/// Wayfare's own id for a property (suppliers' ids are mapped to it).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
pub struct PropertyId(pub u64);

impl fmt::Display for PropertyId {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}", self.0)
    }
}

short_code!(
    /// A hotel chain, such as `marriott`, `jinjiang` or `huazhu`.
    ChainCode,
    "chain code"
);

short_code!(
    /// A brand within a chain, such as `courtyard` or `hanting`.
    BrandCode,
    "brand code"
);

/// Official star rating, 1 to 5 whole stars. Unrated properties (many homestays) have none.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
pub struct StarRating(u8);

impl StarRating {
    pub fn new(stars: u8) -> Option<StarRating> {
        (1..=5).contains(&stars).then_some(StarRating(stars))
    }

    pub fn get(self) -> u8 {
        self.0
    }
}

impl<'de> Deserialize<'de> for StarRating {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let n = u8::deserialize(d)?;
        StarRating::new(n).ok_or_else(|| serde::de::Error::custom("stars go from 1 to 5"))
    }
}

/// A set of star ratings, for the "these stars" filter.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct StarSet(u8);

impl StarSet {
    pub const EMPTY: StarSet = StarSet(0);

    #[must_use]
    pub fn with(self, s: StarRating) -> StarSet {
        StarSet(self.0 | (1 << s.0))
    }

    pub fn contains(self, s: StarRating) -> bool {
        self.0 & (1 << s.0) != 0
    }

    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
}

impl FromIterator<StarRating> for StarSet {
    fn from_iter<I: IntoIterator<Item = StarRating>>(iter: I) -> StarSet {
        iter.into_iter().fold(StarSet::EMPTY, StarSet::with)
    }
}

/// A guest review score from 0.0 to 10.0, held as tenths (86 = 8.6) so it compares exactly.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct ReviewScore(u8);

impl ReviewScore {
    pub const MAX_TENTHS: u8 = 100;

    pub fn from_tenths(tenths: u8) -> Option<ReviewScore> {
        (tenths <= Self::MAX_TENTHS).then_some(ReviewScore(tenths))
    }

    /// From a score such as 8.6, rounded to the nearest tenth; outside 0–10 is refused.
    pub fn from_score(score: f64) -> Option<ReviewScore> {
        if !score.is_finite() || !(0.0..=10.0).contains(&score) {
            return None;
        }
        ReviewScore::from_tenths((score * 10.0).round() as u8)
    }

    pub fn tenths(self) -> u8 {
        self.0
    }
}

impl fmt::Display for ReviewScore {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}.{}", self.0 / 10, self.0 % 10)
    }
}

/// On the wire a review score is a number such as 8.6.
impl Serialize for ReviewScore {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_f64(f64::from(self.0) / 10.0)
    }
}

/// The guests' verdict: an average score (none until the first review) and how many reviews.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct Reviews {
    pub score: Option<ReviewScore>,
    pub count: u32,
}

coded_enum! {
    /// What a property offers its guests. Codes are stable: they are stored and sent to clients.
    pub enum Amenity ("amenity") {
        Wifi = "wifi",
        Parking = "parking",
        Pool = "pool",
        Gym = "gym",
        Spa = "spa",
        Restaurant = "restaurant",
        Bar = "bar",
        AirportShuttle = "airport_shuttle",
        Breakfast = "breakfast",
        PetFriendly = "pet_friendly",
        EvCharging = "ev_charging",
        FamilyRooms = "family_rooms",
        Accessible = "accessible",
        BusinessCentre = "business_centre",
        Laundry = "laundry",
        NonSmoking = "non_smoking",
        AirConditioning = "air_conditioning",
        Kitchen = "kitchen",
        FrontDesk24h = "front_desk_24h",
        LuggageStorage = "luggage_storage",
        MeetingRooms = "meeting_rooms",
        KidsClub = "kids_club",
        HotSpring = "hot_spring",
        BeachAccess = "beach_access",
        RoomService = "room_service",
        Elevator = "elevator",
    }
}

flag_set! {
    /// A property's amenities as one word: the "has all of these" filter is one AND.
    pub struct Amenities(u64) of Amenity;
}

coded_enum! {
    /// The kind of stay a property is good for; a property may have several.
    pub enum Theme ("theme") {
        Family = "family",
        Business = "business",
        Resort = "resort",
        Boutique = "boutique",
        Homestay = "homestay",
        Hostel = "hostel",
        Spa = "spa",
        Luxury = "luxury",
        Beach = "beach",
        Ski = "ski",
        Romantic = "romantic",
        Budget = "budget",
    }
}

flag_set! {
    pub struct Themes(u16) of Theme;
}

/// Text in English and Chinese. Either may be empty when no source gives it; [`Self::get`]
/// falls back to the other, never to an invented translation.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct LocalizedText {
    pub en: String,
    pub zh: String,
}

impl LocalizedText {
    pub fn new(en: impl Into<String>, zh: impl Into<String>) -> LocalizedText {
        LocalizedText {
            en: en.into(),
            zh: zh.into(),
        }
    }

    /// The text for a reader of Chinese (`chinese`) or of anything else (English).
    pub fn get(&self, chinese: bool) -> &str {
        let (first, other) = if chinese {
            (&self.zh, &self.en)
        } else {
            (&self.en, &self.zh)
        };
        if first.trim().is_empty() {
            other
        } else {
            first
        }
    }
}

/// A hotel, resort, homestay or hostel.
#[derive(Debug, Clone, PartialEq)]
pub struct Property {
    pub id: PropertyId,
    pub name: LocalizedText,
    pub chain: Option<ChainCode>,
    pub brand: Option<BrandCode>,
    pub stars: Option<StarRating>,
    pub address: LocalizedText,
    /// The city's GeoNames id, as in [`crate::reference::City`].
    pub city_id: i64,
    pub location: GeoPoint,
    pub amenities: Amenities,
    pub themes: Themes,
    pub reviews: Reviews,
    /// Earliest check-in, hotel-local (usually 14:00 or 15:00); cancellation deadlines count
    /// back from it.
    pub check_in_time: NaiveTime,
    /// Latest check-out, hotel-local.
    pub check_out_time: NaiveTime,
    pub time_zone: Tz,
    pub taxes: TaxesAndFees,
}

impl Property {
    /// The instant check-in opens on `date` at this hotel. In a DST gap the first valid local
    /// time after it is used; in a repeated hour, the earlier instant.
    pub fn check_in_at(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(self.time_zone, date, self.check_in_time)
    }

    /// The instant check-out closes on `date` at this hotel (gaps and repeats as above).
    pub fn check_out_at(&self, date: NaiveDate) -> DateTime<Utc> {
        local_instant(self.time_zone, date, self.check_out_time)
    }
}

/// `date` at `time` in `tz`, as UTC. Gaps (spring forward) move forward minute by minute, at
/// most a day; no zone has a longer gap.
pub fn local_instant(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    for minutes in 0..=24 * 60 {
        if let Some(dt) = tz
            .from_local_datetime(&(naive + Duration::minutes(minutes)))
            .earliest()
        {
            return dt.with_timezone(&Utc);
        }
    }
    // Unreachable for real zones; read the time as UTC rather than fail.
    naive.and_utc()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn stars_and_star_sets() {
        assert!(StarRating::new(0).is_none() && StarRating::new(6).is_none());
        let four = StarRating::new(4).unwrap();
        let five = StarRating::new(5).unwrap();
        let set: StarSet = [four, five].into_iter().collect();
        assert!(set.contains(four) && set.contains(five));
        assert!(!set.contains(StarRating::new(3).unwrap()));
        assert!(StarSet::EMPTY.is_empty() && !set.is_empty());
        assert!(serde_json::from_str::<StarRating>("0").is_err());
        assert_eq!(serde_json::from_str::<StarRating>("3").unwrap().get(), 3);
    }

    #[test]
    fn review_scores_are_tenths() {
        assert_eq!(ReviewScore::from_score(8.6).unwrap().tenths(), 86);
        assert_eq!(ReviewScore::from_score(10.0).unwrap().tenths(), 100);
        assert_eq!(ReviewScore::from_score(0.0).unwrap().tenths(), 0);
        assert_eq!(ReviewScore::from_score(8.55).unwrap().tenths(), 86);
        for bad in [-0.1, 10.01, f64::NAN, f64::INFINITY] {
            assert!(ReviewScore::from_score(bad).is_none(), "{bad}");
        }
        assert!(ReviewScore::from_tenths(101).is_none());
        assert_eq!(ReviewScore::from_tenths(86).unwrap().to_string(), "8.6");
        assert_eq!(ReviewScore::from_tenths(100).unwrap().to_string(), "10.0");
        assert_eq!(
            serde_json::to_string(&ReviewScore::from_tenths(86).unwrap()).unwrap(),
            "8.6"
        );
    }

    #[test]
    fn amenity_and_theme_codes_are_stable_and_unique() {
        let mut seen = std::collections::HashSet::new();
        for a in Amenity::ALL {
            assert_eq!(Amenity::parse(a.as_str()), Some(*a));
            assert!(seen.insert(a.as_str()), "{a}");
            assert!(
                a.as_str()
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '_')
            );
        }
        for t in Theme::ALL {
            assert_eq!(Theme::parse(t.as_str()), Some(*t));
        }
        assert_eq!(Amenity::parse("WiFi"), None);
        let want: Amenities = [Amenity::Pool, Amenity::Wifi].into_iter().collect();
        let has = want.with(Amenity::Gym);
        assert!(has.contains_all(want) && !want.contains_all(has));
        assert_eq!(
            serde_json::to_string(&want).unwrap(),
            r#"["wifi","pool"]"#,
            "code order, not insertion order"
        );
    }

    #[test]
    fn localized_text_falls_back_to_the_other_language() {
        let t = LocalizedText::new("Peace Hotel", "和平饭店");
        assert_eq!(t.get(true), "和平饭店");
        assert_eq!(t.get(false), "Peace Hotel");
        let en_only = LocalizedText::new("Peace Hotel", "");
        assert_eq!(en_only.get(true), "Peace Hotel");
        let zh_only = LocalizedText::new(" ", "和平饭店");
        assert_eq!(zh_only.get(false), "和平饭店");
    }

    #[test]
    fn check_in_is_the_hotels_local_time() {
        let d = NaiveDate::from_ymd_opt(2026, 12, 10).unwrap();
        let t = NaiveTime::from_hms_opt(14, 0, 0).unwrap();
        let sh = local_instant(chrono_tz::Asia::Shanghai, d, t);
        assert_eq!(sh.to_rfc3339(), "2026-12-10T06:00:00+00:00");
        // New York springs forward at 02:00 on 8 March 2026: 02:30 does not exist.
        let gap = local_instant(
            chrono_tz::America::New_York,
            NaiveDate::from_ymd_opt(2026, 3, 8).unwrap(),
            NaiveTime::from_hms_opt(2, 30, 0).unwrap(),
        );
        assert_eq!(gap.to_rfc3339(), "2026-03-08T07:00:00+00:00");
        // 01:30 on 1 November 2026 happens twice: the earlier (EDT) is taken.
        let twice = local_instant(
            chrono_tz::America::New_York,
            NaiveDate::from_ymd_opt(2026, 11, 1).unwrap(),
            NaiveTime::from_hms_opt(1, 30, 0).unwrap(),
        );
        assert_eq!(twice.to_rfc3339(), "2026-11-01T05:30:00+00:00");
    }
}
