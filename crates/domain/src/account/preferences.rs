//! A traveller's saved preferences (stored as JSON in `users.preferences`, used as search
//! defaults) and which notifications they want on which channel (`users.notification_prefs`).
//!
//! Stored JSON is read leniently (missing fields are empty, unknown notification entries are
//! ignored) so older rows keep loading; what a user submits is checked by
//! [`TravelPreferences::validate`], which names the field and a Fluent reason key.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::flight::codes::AirlineCode;
use crate::flight::fare::Cabin;
use crate::flight::search::FieldError;
use crate::hotel::Amenity;
use crate::money::Currency;

/// At most this many preferred airlines and hotel amenities.
pub const MAX_PREFERRED_AIRLINES: usize = 10;
pub const MAX_HOTEL_AMENITIES: usize = 20;
/// BCP 47 tags in practice are short (`zh-CN`, `en`, `zh-Hant-TW`).
pub const MAX_LANGUAGE_TAG_LEN: usize = 35;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum SeatPreference {
    Window,
    Aisle,
}

impl SeatPreference {
    pub const ALL: [SeatPreference; 2] = [SeatPreference::Window, SeatPreference::Aisle];

    pub fn as_str(self) -> &'static str {
        match self {
            SeatPreference::Window => "window",
            SeatPreference::Aisle => "aisle",
        }
    }

    pub fn parse(s: &str) -> Option<SeatPreference> {
        SeatPreference::ALL.into_iter().find(|p| p.as_str() == s)
    }
}

macro_rules! meal_codes {
    ($( $(#[$doc:meta])* $variant:ident = $code:literal, )+) => {
        /// An IATA special-meal (SSR) code, as airlines receive it.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum MealPreference {
            $( $(#[$doc])* #[serde(rename = $code)] $variant, )+
        }

        impl MealPreference {
            pub const ALL: &'static [MealPreference] = &[ $( MealPreference::$variant, )+ ];

            /// The four-letter code, `VGML`.
            pub fn as_str(self) -> &'static str {
                match self {
                    $( MealPreference::$variant => $code, )+
                }
            }

            /// From the code in either case.
            pub fn parse(s: &str) -> Option<MealPreference> {
                match s.to_ascii_uppercase().as_str() {
                    $( $code => Some(MealPreference::$variant), )+
                    _ => None,
                }
            }
        }
    };
}

meal_codes! {
    /// Vegetarian Asian (Indian style).
    AsianVegetarian = "AVML",
    /// Infant / baby food.
    Baby = "BBML",
    Bland = "BLML",
    Child = "CHML",
    Diabetic = "DBML",
    FruitPlatter = "FPML",
    GlutenFree = "GFML",
    Hindu = "HNML",
    Kosher = "KSML",
    LowCalorie = "LCML",
    LowFat = "LFML",
    LowSalt = "LSML",
    Muslim = "MOML",
    NoLactose = "NLML",
    RawVegetarian = "RVML",
    Seafood = "SFML",
    /// Vegan: no animal products.
    Vegan = "VGML",
    VegetarianJain = "VJML",
    /// Vegetarian lacto-ovo.
    VegetarianLactoOvo = "VLML",
    VegetarianOriental = "VOML",
}

/// What the traveller usually wants. Every field is optional; empty lists mean no preference.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(default)]
pub struct TravelPreferences {
    #[serde(skip_serializing_if = "Option::is_none")]
    pub seat: Option<SeatPreference>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub meal: Option<MealPreference>,
    /// `economy`, `premium_economy`, `business` or `first`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub cabin: Option<String>,
    /// Two-character IATA airline codes, most preferred first.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub preferred_airlines: Vec<String>,
    /// 1 to 5.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub hotel_min_stars: Option<u8>,
    /// Hotel amenity codes (`wifi`, `pool`, …), as the hotel search filters use them.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub hotel_amenities: Vec<String>,
    /// A BCP 47 language tag such as `zh-CN`; whether the site has it is the web layer's check.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub language: Option<String>,
    /// An ISO 4217 code such as `CNY`.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub currency: Option<String>,
}

impl TravelPreferences {
    /// Tidies what a form or API sent: trims, upper-cases airline and currency codes, lower-cases
    /// cabin and amenity codes, turns blank strings into "no preference" and drops repeated
    /// list entries. Run before [`validate`](Self::validate).
    #[must_use]
    pub fn normalised(self) -> TravelPreferences {
        fn blank_to_none(s: Option<String>, f: fn(&str) -> String) -> Option<String> {
            s.map(|v| f(v.trim())).filter(|v| !v.is_empty())
        }
        fn tidy_list(v: Vec<String>, f: fn(&str) -> String) -> Vec<String> {
            let mut out: Vec<String> = Vec::with_capacity(v.len());
            for s in v {
                let s = f(s.trim());
                if !s.is_empty() && !out.contains(&s) {
                    out.push(s);
                }
            }
            out
        }
        TravelPreferences {
            seat: self.seat,
            meal: self.meal,
            cabin: blank_to_none(self.cabin, str::to_ascii_lowercase),
            preferred_airlines: tidy_list(self.preferred_airlines, str::to_ascii_uppercase),
            hotel_min_stars: self.hotel_min_stars,
            hotel_amenities: tidy_list(self.hotel_amenities, str::to_ascii_lowercase),
            language: blank_to_none(self.language, str::to_owned),
            currency: blank_to_none(self.currency, str::to_ascii_uppercase),
        }
    }

    /// The first field that is not acceptable, in field order.
    pub fn validate(&self) -> Result<(), FieldError> {
        if let Some(c) = &self.cabin
            && Cabin::parse(c).is_none()
        {
            return Err(field("cabin", "reason-unknown-cabin"));
        }
        if self.preferred_airlines.len() > MAX_PREFERRED_AIRLINES {
            return Err(field_max(
                "preferred_airlines",
                "reason-too-many-items",
                MAX_PREFERRED_AIRLINES,
            ));
        }
        for (i, code) in self.preferred_airlines.iter().enumerate() {
            let canonical = AirlineCode::parse(code).is_ok_and(|c| c.as_str() == code);
            if !canonical {
                return Err(field(
                    format!("preferred_airlines[{i}]"),
                    "reason-unknown-airline",
                ));
            }
            if self.preferred_airlines[..i].contains(code) {
                return Err(field(
                    format!("preferred_airlines[{i}]"),
                    "reason-duplicate-item",
                ));
            }
        }
        if let Some(stars) = self.hotel_min_stars
            && !(1..=5).contains(&stars)
        {
            return Err(field("hotel_min_stars", "reason-star-rating"));
        }
        if self.hotel_amenities.len() > MAX_HOTEL_AMENITIES {
            return Err(field_max(
                "hotel_amenities",
                "reason-too-many-items",
                MAX_HOTEL_AMENITIES,
            ));
        }
        for (i, code) in self.hotel_amenities.iter().enumerate() {
            if Amenity::parse(code).is_none() {
                return Err(field(
                    format!("hotel_amenities[{i}]"),
                    "reason-unknown-amenity",
                ));
            }
            if self.hotel_amenities[..i].contains(code) {
                return Err(field(
                    format!("hotel_amenities[{i}]"),
                    "reason-duplicate-item",
                ));
            }
        }
        if let Some(lang) = &self.language
            && !is_language_tag(lang)
        {
            return Err(field("language", "reason-unknown-language"));
        }
        if let Some(cur) = &self.currency
            && Currency::parse(cur).is_err()
        {
            return Err(field("currency", "reason-unknown-currency"));
        }
        Ok(())
    }

    /// The cabin as the flight search takes it (`None` when unset or not valid).
    pub fn cabin(&self) -> Option<Cabin> {
        self.cabin.as_deref().and_then(Cabin::parse)
    }

    /// The preferred airlines that are valid codes, in order.
    pub fn airlines(&self) -> Vec<AirlineCode> {
        self.preferred_airlines
            .iter()
            .filter_map(|c| AirlineCode::parse(c).ok())
            .collect()
    }

    /// The amenities that are known codes, in order.
    pub fn amenities(&self) -> Vec<Amenity> {
        self.hotel_amenities
            .iter()
            .filter_map(|c| Amenity::parse(c))
            .collect()
    }

    pub fn currency(&self) -> Option<Currency> {
        self.currency
            .as_deref()
            .and_then(|c| Currency::parse(c).ok())
    }
}

fn field(name: impl Into<String>, reason: &'static str) -> FieldError {
    FieldError {
        field: name.into(),
        reason,
        arg: None,
    }
}

fn field_max(name: &str, reason: &'static str, max: usize) -> FieldError {
    FieldError {
        field: name.to_owned(),
        reason,
        arg: Some(("max", max as i64)),
    }
}

/// A well-formed BCP 47 tag of the common shape: a 2–3 letter language, then subtags of 1–8
/// letters or digits (`zh-Hans-CN`, `en-GB`, `yue`).
fn is_language_tag(s: &str) -> bool {
    let mut parts = s.split('-');
    let lang_ok = parts
        .next()
        .is_some_and(|l| (2..=3).contains(&l.len()) && l.bytes().all(|b| b.is_ascii_alphabetic()));
    lang_ok
        && s.len() <= MAX_LANGUAGE_TAG_LEN
        && parts.all(|p| (1..=8).contains(&p.len()) && p.bytes().all(|b| b.is_ascii_alphanumeric()))
}

/// Where a notification can go.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationChannel {
    Email,
    Sms,
}

impl NotificationChannel {
    pub const ALL: [NotificationChannel; 2] =
        [NotificationChannel::Email, NotificationChannel::Sms];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationChannel::Email => "email",
            NotificationChannel::Sms => "sms",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationChannel> {
        NotificationChannel::ALL
            .into_iter()
            .find(|c| c.as_str() == s)
    }
}

/// The kinds of notification a user can switch on or off per channel.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum NotificationEvent {
    BookingConfirmed,
    BookingChanged,
    PaymentReceipt,
    RefundUpdate,
    /// Sign-ins, password and 2FA changes: always sent, cannot be switched off.
    AccountSecurity,
    /// Offers and newsletters: off until the user opts in.
    Marketing,
}

impl NotificationEvent {
    pub const ALL: [NotificationEvent; 6] = [
        NotificationEvent::BookingConfirmed,
        NotificationEvent::BookingChanged,
        NotificationEvent::PaymentReceipt,
        NotificationEvent::RefundUpdate,
        NotificationEvent::AccountSecurity,
        NotificationEvent::Marketing,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            NotificationEvent::BookingConfirmed => "booking_confirmed",
            NotificationEvent::BookingChanged => "booking_changed",
            NotificationEvent::PaymentReceipt => "payment_receipt",
            NotificationEvent::RefundUpdate => "refund_update",
            NotificationEvent::AccountSecurity => "account_security",
            NotificationEvent::Marketing => "marketing",
        }
    }

    pub fn parse(s: &str) -> Option<NotificationEvent> {
        NotificationEvent::ALL.into_iter().find(|e| e.as_str() == s)
    }

    /// Whether it is on for a user who never changed it (marketing needs consent).
    pub fn on_by_default(self) -> bool {
        self != NotificationEvent::Marketing
    }

    /// Whether the user may switch it off: security messages and booking confirmations (the
    /// traveller's proof of booking, with the itinerary) are always sent.
    pub fn is_switchable(self) -> bool {
        !matches!(
            self,
            NotificationEvent::AccountSecurity | NotificationEvent::BookingConfirmed
        )
    }
}

/// A refused notification setting.
#[derive(Debug, Clone, Copy, PartialEq, Eq, thiserror::Error)]
pub enum NotificationPrefsError {
    #[error("security messages and booking confirmations cannot be switched off")]
    NotSwitchable,
}

impl NotificationPrefsError {
    pub fn reason_key(self) -> &'static str {
        match self {
            NotificationPrefsError::NotSwitchable => "reason-notification-required",
        }
    }
}

/// Which notifications a user wants where. Only the user's changes from the defaults are
/// kept, so a new default reaches everyone who never chose; stored as
/// `{"email": {"marketing": true}, "sms": {"booking_changed": false}}`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct NotificationPrefs {
    overrides: BTreeMap<(NotificationChannel, NotificationEvent), bool>,
}

impl NotificationPrefs {
    pub fn is_enabled(&self, channel: NotificationChannel, event: NotificationEvent) -> bool {
        if !event.is_switchable() {
            return true;
        }
        self.overrides
            .get(&(channel, event))
            .copied()
            .unwrap_or(event.on_by_default())
    }

    pub fn set(
        &mut self,
        channel: NotificationChannel,
        event: NotificationEvent,
        on: bool,
    ) -> Result<(), NotificationPrefsError> {
        if !event.is_switchable() {
            return if on {
                Ok(())
            } else {
                Err(NotificationPrefsError::NotSwitchable)
            };
        }
        if on == event.on_by_default() {
            self.overrides.remove(&(channel, event));
        } else {
            self.overrides.insert((channel, event), on);
        }
        Ok(())
    }

    /// Every channel × event with its current setting, channel by channel, for the settings
    /// page.
    pub fn matrix(&self) -> Vec<(NotificationChannel, NotificationEvent, bool)> {
        NotificationChannel::ALL
            .into_iter()
            .flat_map(|c| NotificationEvent::ALL.into_iter().map(move |e| (c, e)))
            .map(|(c, e)| (c, e, self.is_enabled(c, e)))
            .collect()
    }
}

/// Wire form: channel → event → bool, names as strings so unknown ones can be skipped.
type NotificationWire = BTreeMap<String, BTreeMap<String, bool>>;

impl Serialize for NotificationPrefs {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        let mut wire = NotificationWire::new();
        for (&(channel, event), &on) in &self.overrides {
            wire.entry(channel.as_str().to_owned())
                .or_default()
                .insert(event.as_str().to_owned(), on);
        }
        wire.serialize(s)
    }
}

impl<'de> Deserialize<'de> for NotificationPrefs {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> Result<NotificationPrefs, D::Error> {
        let wire = NotificationWire::deserialize(d)?;
        let mut prefs = NotificationPrefs::default();
        for (channel, events) in wire {
            let Some(channel) = NotificationChannel::parse(&channel) else {
                continue;
            };
            for (event, on) in events {
                if let Some(event) = NotificationEvent::parse(&event) {
                    // Stored data cannot switch security off: `set` refuses, and is ignored here.
                    let _ = prefs.set(channel, event, on);
                }
            }
        }
        Ok(prefs)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn prefs() -> TravelPreferences {
        TravelPreferences {
            seat: Some(SeatPreference::Aisle),
            meal: Some(MealPreference::Muslim),
            cabin: Some("business".into()),
            preferred_airlines: vec!["CA".into(), "MU".into(), "3U".into()],
            hotel_min_stars: Some(4),
            hotel_amenities: vec!["wifi".into(), "pool".into()],
            language: Some("zh-CN".into()),
            currency: Some("CNY".into()),
        }
    }

    #[test]
    fn a_full_set_validates_and_round_trips() {
        let p = prefs();
        assert_eq!(p.validate(), Ok(()));
        let json = serde_json::to_value(&p).unwrap();
        assert_eq!(
            json,
            serde_json::json!({
                "seat": "aisle", "meal": "MOML", "cabin": "business",
                "preferred_airlines": ["CA", "MU", "3U"], "hotel_min_stars": 4,
                "hotel_amenities": ["wifi", "pool"], "language": "zh-CN", "currency": "CNY"
            })
        );
        assert_eq!(
            serde_json::from_value::<TravelPreferences>(json).unwrap(),
            p
        );
        assert_eq!(p.cabin(), Some(Cabin::Business));
        assert_eq!(p.airlines().len(), 3);
        assert_eq!(p.amenities().len(), 2);
        assert_eq!(p.currency(), Some(Currency::CNY));
    }

    #[test]
    fn empty_json_is_no_preference() {
        let p: TravelPreferences = serde_json::from_str("{}").unwrap();
        assert_eq!(p, TravelPreferences::default());
        assert_eq!(p.validate(), Ok(()));
        assert_eq!(serde_json::to_string(&p).unwrap(), "{}");
        // Unknown stored fields are ignored rather than failing the whole row.
        let p: TravelPreferences = serde_json::from_str(r#"{"seat":"window","legacy":1}"#).unwrap();
        assert_eq!(p.seat, Some(SeatPreference::Window));
    }

    #[test]
    fn normalising_tidies_input() {
        let p = TravelPreferences {
            cabin: Some(" Premium_Economy ".into()),
            preferred_airlines: vec![" ca".into(), "CA".into(), "".into(), "mu ".into()],
            hotel_amenities: vec!["WiFi".into(), "wifi".into()],
            language: Some("  ".into()),
            currency: Some("usd".into()),
            ..TravelPreferences::default()
        }
        .normalised();
        assert_eq!(p.cabin.as_deref(), Some("premium_economy"));
        assert_eq!(p.preferred_airlines, ["CA", "MU"]);
        assert_eq!(p.hotel_amenities, ["wifi"]);
        assert_eq!(p.language, None);
        assert_eq!(p.currency.as_deref(), Some("USD"));
        assert_eq!(p.validate(), Ok(()));
    }

    #[test]
    fn each_field_is_refused_with_its_reason() {
        let cases: Vec<(TravelPreferences, &str, &str)> = vec![
            (
                TravelPreferences {
                    cabin: Some("luxury".into()),
                    ..prefs()
                },
                "cabin",
                "reason-unknown-cabin",
            ),
            (
                TravelPreferences {
                    preferred_airlines: vec!["CA".into(), "C".into()],
                    ..prefs()
                },
                "preferred_airlines[1]",
                "reason-unknown-airline",
            ),
            (
                TravelPreferences {
                    preferred_airlines: vec!["ca".into()],
                    ..prefs()
                },
                "preferred_airlines[0]",
                "reason-unknown-airline",
            ),
            (
                TravelPreferences {
                    preferred_airlines: vec!["99".into()],
                    ..prefs()
                },
                "preferred_airlines[0]",
                "reason-unknown-airline",
            ),
            (
                TravelPreferences {
                    preferred_airlines: vec!["CA".into(), "CA".into()],
                    ..prefs()
                },
                "preferred_airlines[1]",
                "reason-duplicate-item",
            ),
            (
                TravelPreferences {
                    hotel_min_stars: Some(0),
                    ..prefs()
                },
                "hotel_min_stars",
                "reason-star-rating",
            ),
            (
                TravelPreferences {
                    hotel_min_stars: Some(6),
                    ..prefs()
                },
                "hotel_min_stars",
                "reason-star-rating",
            ),
            (
                TravelPreferences {
                    hotel_amenities: vec!["jacuzzi-ish".into()],
                    ..prefs()
                },
                "hotel_amenities[0]",
                "reason-unknown-amenity",
            ),
            (
                TravelPreferences {
                    hotel_amenities: vec!["pool".into(), "pool".into()],
                    ..prefs()
                },
                "hotel_amenities[1]",
                "reason-duplicate-item",
            ),
            (
                TravelPreferences {
                    language: Some("chinese!".into()),
                    ..prefs()
                },
                "language",
                "reason-unknown-language",
            ),
            (
                TravelPreferences {
                    language: Some("z".into()),
                    ..prefs()
                },
                "language",
                "reason-unknown-language",
            ),
            (
                TravelPreferences {
                    currency: Some("XXX".into()),
                    ..prefs()
                },
                "currency",
                "reason-unknown-currency",
            ),
            (
                TravelPreferences {
                    currency: Some("cny".into()),
                    ..prefs()
                },
                "currency",
                "reason-unknown-currency",
            ),
        ];
        for (p, field, reason) in cases {
            let e = p.validate().unwrap_err();
            assert_eq!((e.field.as_str(), e.reason), (field, reason), "{p:?}");
        }
        let many = TravelPreferences {
            preferred_airlines: (0..11).map(|i| format!("A{i}")).collect(),
            ..prefs()
        };
        let e = many.validate().unwrap_err();
        assert_eq!(e.reason, "reason-too-many-items");
        assert_eq!(e.arg, Some(("max", 10)));
        assert_eq!(
            (TravelPreferences {
                preferred_airlines: (0..10).map(|i| format!("A{i}")).collect(),
                ..prefs()
            })
            .validate(),
            Ok(())
        );
    }

    #[test]
    fn first_problem_wins() {
        let p = TravelPreferences {
            cabin: Some("x".into()),
            currency: Some("x".into()),
            ..prefs()
        };
        assert_eq!(p.validate().unwrap_err().field, "cabin");
    }

    #[test]
    fn meal_codes() {
        for m in MealPreference::ALL {
            assert_eq!(MealPreference::parse(m.as_str()), Some(*m));
            assert_eq!(MealPreference::parse(&m.as_str().to_lowercase()), Some(*m));
            assert_eq!(
                serde_json::to_string(m).unwrap(),
                format!("\"{}\"", m.as_str())
            );
            assert_eq!(m.as_str().len(), 4);
            assert!(m.as_str().ends_with("ML"));
        }
        for code in [
            "VGML", "AVML", "MOML", "KSML", "HNML", "CHML", "DBML", "GFML",
        ] {
            assert!(MealPreference::parse(code).is_some(), "{code}");
        }
        assert_eq!(MealPreference::parse("XXML"), None);
        assert!(serde_json::from_str::<TravelPreferences>(r#"{"meal":"XXML"}"#).is_err());
        assert_eq!(SeatPreference::parse("aisle"), Some(SeatPreference::Aisle));
        assert_eq!(SeatPreference::parse("middle"), None);
    }

    #[test]
    fn language_tags() {
        for ok in ["en", "zh-CN", "zh-Hans-CN", "yue", "en-GB", "es-419"] {
            assert!(is_language_tag(ok), "{ok}");
        }
        for bad in [
            "",
            "e",
            "english",
            "zh_CN",
            "zh-",
            "-CN",
            "zh-toolongsubtag",
            "中文",
        ] {
            assert!(!is_language_tag(bad), "{bad}");
        }
    }

    #[test]
    fn notification_defaults() {
        let p = NotificationPrefs::default();
        for (c, e, on) in p.matrix() {
            assert_eq!(on, e != NotificationEvent::Marketing, "{c:?} {e:?}");
        }
        assert_eq!(p.matrix().len(), 12);
        assert_eq!(serde_json::to_string(&p).unwrap(), "{}");
    }

    #[test]
    fn security_and_booking_confirmations_cannot_be_switched_off() {
        let mut p = NotificationPrefs::default();
        for c in NotificationChannel::ALL {
            for event in [
                NotificationEvent::AccountSecurity,
                NotificationEvent::BookingConfirmed,
            ] {
                let e = p.set(c, event, false).unwrap_err();
                assert_eq!(e.reason_key(), "reason-notification-required");
                assert_eq!(p.set(c, event, true), Ok(()));
                assert!(p.is_enabled(c, event));
            }
        }
        let switchable: Vec<_> = NotificationEvent::ALL
            .into_iter()
            .filter(|e| e.is_switchable())
            .collect();
        assert_eq!(
            switchable,
            [
                NotificationEvent::BookingChanged,
                NotificationEvent::PaymentReceipt,
                NotificationEvent::RefundUpdate,
                NotificationEvent::Marketing
            ]
        );
        // Not even through stored JSON.
        let p: NotificationPrefs =
            serde_json::from_str(r#"{"email":{"account_security":false}}"#).unwrap();
        assert!(p.is_enabled(
            NotificationChannel::Email,
            NotificationEvent::AccountSecurity
        ));
        assert_eq!(p, NotificationPrefs::default());
    }

    #[test]
    fn changes_are_stored_as_overrides_only() {
        use NotificationChannel::*;
        use NotificationEvent::*;
        let mut p = NotificationPrefs::default();
        p.set(Email, Marketing, true).unwrap();
        p.set(Sms, BookingChanged, false).unwrap();
        p.set(Email, BookingConfirmed, true).unwrap(); // the default: nothing stored
        assert!(p.is_enabled(Email, Marketing));
        assert!(!p.is_enabled(Sms, Marketing));
        assert!(!p.is_enabled(Sms, BookingChanged));
        assert!(p.is_enabled(Email, BookingChanged));
        let json = serde_json::to_string(&p).unwrap();
        assert_eq!(
            json,
            r#"{"email":{"marketing":true},"sms":{"booking_changed":false}}"#
        );
        assert_eq!(serde_json::from_str::<NotificationPrefs>(&json).unwrap(), p);
        // Switching back to the default removes the override.
        p.set(Email, Marketing, false).unwrap();
        p.set(Sms, BookingChanged, true).unwrap();
        assert_eq!(p, NotificationPrefs::default());
    }

    #[test]
    fn unknown_stored_entries_are_ignored() {
        let p: NotificationPrefs = serde_json::from_str(
            r#"{"push":{"marketing":true},"email":{"flight_delay":false,"marketing":true}}"#,
        )
        .unwrap();
        assert!(p.is_enabled(NotificationChannel::Email, NotificationEvent::Marketing));
        assert_eq!(
            serde_json::to_string(&p).unwrap(),
            r#"{"email":{"marketing":true}}"#
        );
        assert_eq!(
            NotificationEvent::parse("refund_update"),
            Some(NotificationEvent::RefundUpdate)
        );
        assert_eq!(
            NotificationChannel::parse("sms"),
            Some(NotificationChannel::Sms)
        );
    }
}
