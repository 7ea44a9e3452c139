//! Travellers as airlines and hotels need them: names as on the passport (or, on flights within
//! China, the Chinese name on the ID card), the passenger type that matches the age on the
//! travel date, and for international flights a nationality and a passport valid for six months
//! after the trip.
//!
//! The age rule is IATA's: an infant is under 2 and a child under 12 on the date of travel. A
//! child is checked on the first flight; an infant on every flight (one who turns 2 before the
//! return needs a seat, so is booked as a child).

use chrono::{Datelike, Months, NaiveDate};
use serde::{Deserialize, Serialize};

use crate::account::{ChineseName, NameError, PassportName};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PassengerKind {
    Adult,
    Child,
    /// On an adult's lap, without a seat.
    Infant,
}

impl PassengerKind {
    pub fn as_str(self) -> &'static str {
        match self {
            PassengerKind::Adult => "adult",
            PassengerKind::Child => "child",
            PassengerKind::Infant => "infant",
        }
    }

    pub fn parse(s: &str) -> Option<PassengerKind> {
        match s.trim().to_ascii_lowercase().as_str() {
            "adult" | "adt" => Some(PassengerKind::Adult),
            "child" | "chd" => Some(PassengerKind::Child),
            "infant" | "inf" | "infant_without_seat" => Some(PassengerKind::Infant),
            _ => None,
        }
    }

    /// The ages (in whole years on the travel date) this kind covers.
    pub fn ages(self) -> std::ops::Range<u32> {
        match self {
            PassengerKind::Adult => 12..200,
            PassengerKind::Child => 2..12,
            PassengerKind::Infant => 0..2,
        }
    }
}

/// A traveller's details as entered.
#[derive(Debug, Clone, PartialEq, Eq, Default, Serialize, Deserialize)]
pub struct TravellerInput {
    pub given_name: String,
    pub family_name: String,
    pub born_on: Option<NaiveDate>,
    /// `m` or `f` (also `male`/`female`, any case).
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub nationality: Option<String>,
    pub passport_number: Option<String>,
    pub passport_expires_on: Option<NaiveDate>,
}

/// What the trip asks of its travellers.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassengerRules {
    /// The traveller's local date today: nobody is born after it.
    pub today: NaiveDate,
    /// The first and last flight dates (the last may equal the first).
    pub first_travel: NaiveDate,
    pub last_travel: NaiveDate,
    /// A border is crossed: passport names only, passport and nationality required.
    pub international: bool,
}

/// One thing wrong with a traveller's details: which field and why (a Fluent reason key).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct PassengerProblem {
    pub field: &'static str,
    reason: &'static str,
    /// The argument the reason takes, if any (`$age`, `$max`, `$months`).
    pub arg: Option<(&'static str, i64)>,
}

impl PassengerProblem {
    fn new(field: &'static str, reason: &'static str) -> PassengerProblem {
        PassengerProblem {
            field,
            reason,
            arg: None,
        }
    }

    fn with(mut self, name: &'static str, value: i64) -> PassengerProblem {
        self.arg = Some((name, value));
        self
    }

    fn name(field: &'static str, e: NameError) -> PassengerProblem {
        PassengerProblem {
            field,
            reason: e.reason_key(),
            arg: e.arg(),
        }
    }

    pub fn reason_key(&self) -> &'static str {
        self.reason
    }

    /// One of each problem, for the translation tests.
    pub fn examples() -> Vec<PassengerProblem> {
        let mut out: Vec<PassengerProblem> = NameError::ALL
            .iter()
            .map(|e| PassengerProblem::name("given_name", *e))
            .collect();
        for r in [
            "reason-required",
            "reason-born-in-future",
            "reason-passenger-too-old",
            "reason-passenger-too-young",
            "reason-passport-required",
            "reason-passport-number",
            "reason-passport-expired",
            "reason-passport-expires-soon",
            "reason-nationality",
            "reason-passenger-gender",
        ] {
            out.push(PassengerProblem::new("x", r));
        }
        out
    }
}

/// Whole years from `born_on` to `on` (a birthday on 29 February falls on 1 March in other
/// years). Zero before the birth.
pub fn age_on(born_on: NaiveDate, on: NaiveDate) -> u32 {
    if on < born_on {
        return 0;
    }
    let mut years = on.year() - born_on.year();
    if (on.month(), on.day()) < (born_on.month(), born_on.day()) {
        years -= 1;
    }
    u32::try_from(years).unwrap_or(0)
}

/// A passenger name part: a passport name, or (where allowed) a Chinese name.
fn check_name(
    field: &'static str,
    input: &str,
    chinese_allowed: bool,
) -> Result<String, PassengerProblem> {
    match PassportName::parse(input) {
        Ok(n) => Ok(n.as_str().to_owned()),
        Err(NameError::PassportCharacters) if chinese_allowed => ChineseName::parse(input)
            .map(|n| n.as_str().to_owned())
            .map_err(|e| {
                // Someone typing Latin letters and digits is told about the passport form.
                if input.chars().any(|c| c.is_ascii_alphanumeric()) {
                    PassengerProblem::name(field, NameError::PassportCharacters)
                } else {
                    PassengerProblem::name(field, e)
                }
            }),
        Err(e) => Err(PassengerProblem::name(field, e)),
    }
}

/// The passport number as airlines take it: 5–20 letters and digits, upper case.
fn check_passport_number(input: &str) -> Option<String> {
    let s: String = input
        .chars()
        .filter(|c| !c.is_whitespace())
        .map(|c| c.to_ascii_uppercase())
        .collect();
    ((5..=20).contains(&s.len()) && s.bytes().all(|b| b.is_ascii_alphanumeric())).then_some(s)
}

/// A flight passenger's details, checked and normalised (names upper case, gender `m`/`f`,
/// nationality upper case), or every problem found, field by field.
pub fn validate_passenger(
    kind: PassengerKind,
    input: &TravellerInput,
    rules: &PassengerRules,
) -> Result<TravellerInput, Vec<PassengerProblem>> {
    let mut problems = Vec::new();
    let mut out = TravellerInput::default();
    let chinese = !rules.international;
    match check_name("given_name", &input.given_name, chinese) {
        Ok(n) => out.given_name = n,
        Err(p) => problems.push(p),
    }
    match check_name("family_name", &input.family_name, chinese) {
        Ok(n) => out.family_name = n,
        Err(p) => problems.push(p),
    }
    match input.born_on {
        None => problems.push(PassengerProblem::new("born_on", "reason-required")),
        Some(b) if b > rules.today => {
            problems.push(PassengerProblem::new("born_on", "reason-born-in-future"))
        }
        Some(b) => {
            out.born_on = Some(b);
            let first = age_on(b, rules.first_travel);
            let last = age_on(b, rules.last_travel);
            let ages = kind.ages();
            if first < ages.start {
                problems.push(
                    PassengerProblem::new("born_on", "reason-passenger-too-young")
                        .with("age", i64::from(first)),
                );
            } else if first >= ages.end || (kind == PassengerKind::Infant && last >= ages.end) {
                problems.push(
                    PassengerProblem::new("born_on", "reason-passenger-too-old")
                        .with("age", i64::from(first.max(last))),
                );
            }
        }
    }
    match input
        .gender
        .as_deref()
        .map(|g| g.trim().to_ascii_lowercase())
    {
        None => problems.push(PassengerProblem::new("gender", "reason-required")),
        Some(g) if g.is_empty() => {
            problems.push(PassengerProblem::new("gender", "reason-required"))
        }
        Some(g) => match g.as_str() {
            "m" | "male" => out.gender = Some("m".into()),
            "f" | "female" => out.gender = Some("f".into()),
            _ => problems.push(PassengerProblem::new("gender", "reason-passenger-gender")),
        },
    }
    let nationality = input
        .nationality
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match nationality {
        Some(n) if n.len() == 2 && n.bytes().all(|b| b.is_ascii_alphabetic()) => {
            out.nationality = Some(n.to_ascii_uppercase())
        }
        Some(_) => problems.push(PassengerProblem::new("nationality", "reason-nationality")),
        None if rules.international => {
            problems.push(PassengerProblem::new("nationality", "reason-required"))
        }
        None => {}
    }
    let number = input
        .passport_number
        .as_deref()
        .map(str::trim)
        .filter(|n| !n.is_empty());
    match number {
        Some(n) => match check_passport_number(n) {
            Some(n) => out.passport_number = Some(n),
            None => problems.push(PassengerProblem::new(
                "passport_number",
                "reason-passport-number",
            )),
        },
        None if rules.international => problems.push(PassengerProblem::new(
            "passport_number",
            "reason-passport-required",
        )),
        None => {}
    }
    match input.passport_expires_on {
        Some(e) if e < rules.first_travel.max(rules.today) => problems.push(PassengerProblem::new(
            "passport_expires_on",
            "reason-passport-expired",
        )),
        Some(e)
            if rules.international
                && rules
                    .last_travel
                    .checked_add_months(Months::new(6))
                    .is_some_and(|limit| e < limit) =>
        {
            problems.push(
                PassengerProblem::new("passport_expires_on", "reason-passport-expires-soon")
                    .with("months", 6),
            )
        }
        Some(e) => out.passport_expires_on = Some(e),
        None if rules.international => problems.push(PassengerProblem::new(
            "passport_expires_on",
            "reason-passport-required",
        )),
        None => {}
    }
    if problems.is_empty() {
        Ok(out)
    } else {
        Err(problems)
    }
}

/// A hotel guest's name: a passport name or a Chinese name, checked and normalised.
pub fn validate_guest_name(
    given: &str,
    family: &str,
) -> Result<(String, String), Vec<PassengerProblem>> {
    let g = check_name("given_name", given, true);
    let f = check_name("family_name", family, true);
    match (g, f) {
        (Ok(g), Ok(f)) => Ok((g, f)),
        (g, f) => Err([g.err(), f.err()].into_iter().flatten().collect()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(s: &str) -> NaiveDate {
        NaiveDate::parse_from_str(s, "%Y-%m-%d").unwrap()
    }

    fn rules(international: bool) -> PassengerRules {
        PassengerRules {
            today: d("2026-11-24"),
            first_travel: d("2026-12-20"),
            last_travel: d("2027-01-03"),
            international,
        }
    }

    fn adult() -> TravellerInput {
        TravellerInput {
            given_name: "Mei Ling".into(),
            family_name: "zhang".into(),
            born_on: Some(d("1988-05-01")),
            gender: Some("F".into()),
            nationality: Some("cn".into()),
            passport_number: Some("e1234 5678".into()),
            passport_expires_on: Some(d("2031-02-01")),
        }
    }

    fn reasons(
        r: Result<TravellerInput, Vec<PassengerProblem>>,
    ) -> Vec<(&'static str, &'static str)> {
        r.unwrap_err()
            .into_iter()
            .map(|p| (p.field, p.reason_key()))
            .collect()
    }

    #[test]
    fn a_valid_adult_is_normalised() {
        let ok = validate_passenger(PassengerKind::Adult, &adult(), &rules(true)).unwrap();
        assert_eq!(ok.given_name, "MEI LING");
        assert_eq!(ok.family_name, "ZHANG");
        assert_eq!(ok.gender.as_deref(), Some("f"));
        assert_eq!(ok.nationality.as_deref(), Some("CN"));
        assert_eq!(ok.passport_number.as_deref(), Some("E12345678"));
    }

    #[test]
    fn names_with_digits_are_refused() {
        let mut p = adult();
        p.given_name = "J0hn".into();
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![("given_name", "reason-passport-name-characters")]
        );
        // Within China a Chinese name is fine, but digits still are not.
        p.given_name = "美玲".into();
        p.family_name = "张".into();
        assert!(validate_passenger(PassengerKind::Adult, &p, &rules(false)).is_ok());
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![
                ("given_name", "reason-passport-name-characters"),
                ("family_name", "reason-passport-name-characters")
            ]
        );
        p.given_name = "美玲2".into();
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(false))),
            vec![("given_name", "reason-passport-name-characters")]
        );
    }

    #[test]
    fn a_child_who_is_an_adult_on_the_travel_date_is_refused() {
        let mut p = adult();
        // 12 on 2026-12-19, the day before the flight.
        p.born_on = Some(d("2014-12-19"));
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Child, &p, &rules(true))),
            vec![("born_on", "reason-passenger-too-old")]
        );
        // 12 on the day after the first flight: still a child for this trip.
        p.born_on = Some(d("2014-12-21"));
        assert!(validate_passenger(PassengerKind::Child, &p, &rules(true)).is_ok());
        // and too young to fly as an adult alone in the booking.
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![("born_on", "reason-passenger-too-young")]
        );
    }

    #[test]
    fn an_infant_turning_two_during_the_trip_needs_a_seat() {
        let mut p = adult();
        p.born_on = Some(d("2024-12-25"));
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Infant, &p, &rules(true))),
            vec![("born_on", "reason-passenger-too-old")]
        );
        p.born_on = Some(d("2025-06-01"));
        assert!(validate_passenger(PassengerKind::Infant, &p, &rules(true)).is_ok());
    }

    #[test]
    fn births_in_the_future_and_on_29_february() {
        let mut p = adult();
        p.born_on = Some(d("2026-11-25"));
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Infant, &p, &rules(true))),
            vec![("born_on", "reason-born-in-future")]
        );
        assert_eq!(age_on(d("2012-02-29"), d("2024-02-28")), 11);
        assert_eq!(age_on(d("2012-02-29"), d("2024-02-29")), 12);
        assert_eq!(age_on(d("2012-02-29"), d("2023-03-01")), 11);
        assert_eq!(age_on(d("2012-02-29"), d("2011-01-01")), 0);
    }

    #[test]
    fn passports_must_outlast_an_international_trip_by_six_months() {
        let mut p = adult();
        // The last flight is 2027-01-03: the passport must be valid until 2027-07-03.
        p.passport_expires_on = Some(d("2027-07-02"));
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![("passport_expires_on", "reason-passport-expires-soon")]
        );
        p.passport_expires_on = Some(d("2027-07-03"));
        assert!(validate_passenger(PassengerKind::Adult, &p, &rules(true)).is_ok());
        p.passport_expires_on = Some(d("2026-12-01"));
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(false))),
            vec![("passport_expires_on", "reason-passport-expired")]
        );
        // Domestic trips do not ask for a passport at all.
        p.passport_expires_on = None;
        p.passport_number = None;
        p.nationality = None;
        assert!(validate_passenger(PassengerKind::Adult, &p, &rules(false)).is_ok());
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![
                ("nationality", "reason-required"),
                ("passport_number", "reason-passport-required"),
                ("passport_expires_on", "reason-passport-required")
            ]
        );
    }

    #[test]
    fn bad_gender_nationality_and_passport_numbers() {
        let mut p = adult();
        p.gender = Some("x".into());
        p.nationality = Some("CHN".into());
        p.passport_number = Some("E12-3".into());
        assert_eq!(
            reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true))),
            vec![
                ("gender", "reason-passenger-gender"),
                ("nationality", "reason-nationality"),
                ("passport_number", "reason-passport-number")
            ]
        );
        p.gender = None;
        p.born_on = None;
        let r = reasons(validate_passenger(PassengerKind::Adult, &p, &rules(true)));
        assert!(r.contains(&("gender", "reason-required")));
        assert!(r.contains(&("born_on", "reason-required")));
    }

    #[test]
    fn guest_names() {
        assert_eq!(
            validate_guest_name("li", "王").unwrap(),
            ("LI".to_owned(), "王".to_owned())
        );
        assert_eq!(validate_guest_name("R2D2", "").unwrap_err().len(), 2);
    }

    #[test]
    fn kinds_parse() {
        assert_eq!(PassengerKind::parse("ADULT"), Some(PassengerKind::Adult));
        assert_eq!(PassengerKind::parse("inf"), Some(PassengerKind::Infant));
        assert_eq!(PassengerKind::parse("senior"), None);
    }
}
