//! Schedules as airlines publish them (SSIM-style): a flight departs at a local time at its
//! origin on certain days of the week within a period, and takes a block time. Dated legs are
//! computed with the airports' IANA time zones, so DST and date-line crossings come out right.

use chrono::{DateTime, Datelike, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use chrono_tz::Tz;
use serde::Serialize;

use super::codes::{AirlineCode, AirportCode};
use super::fare::Cabin;

/// Days of operation, bit 0 = Monday … bit 6 = Sunday (SSIM's `1234567`).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
pub struct DaysOfWeek(pub u8);

impl DaysOfWeek {
    pub const DAILY: DaysOfWeek = DaysOfWeek(0b111_1111);

    pub fn operates_on(self, date: NaiveDate) -> bool {
        self.0 & (1 << date.weekday().num_days_from_monday()) != 0
    }

    /// SSIM notation: "1234567", "1.3.5.7".
    pub fn ssim(self) -> String {
        (0..7)
            .map(|i| {
                if self.0 & (1 << i) != 0 {
                    char::from(b'1' + i)
                } else {
                    '.'
                }
            })
            .collect()
    }
}

/// Seats per cabin on an aircraft.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default, Serialize)]
pub struct CabinSeats {
    pub economy: u16,
    pub premium_economy: u16,
    pub business: u16,
    pub first: u16,
}

impl CabinSeats {
    pub fn get(&self, cabin: Cabin) -> u16 {
        match cabin {
            Cabin::Economy => self.economy,
            Cabin::PremiumEconomy => self.premium_economy,
            Cabin::Business => self.business,
            Cabin::First => self.first,
        }
    }
}

/// One published flight.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SchedulePattern {
    pub carrier: AirlineCode,
    pub flight_number: u16,
    /// The airline flying it when `carrier` only markets it (codeshare).
    pub operating_carrier: Option<AirlineCode>,
    pub origin: AirportCode,
    pub destination: AirportCode,
    pub departure_local: NaiveTime,
    pub block_minutes: u16,
    pub days: DaysOfWeek,
    pub valid_from: NaiveDate,
    pub valid_to: NaiveDate,
    /// IATA aircraft type code, e.g. `359`.
    pub aircraft: String,
    pub seats: CabinSeats,
}

impl SchedulePattern {
    pub fn operates_on(&self, date: NaiveDate) -> bool {
        date >= self.valid_from && date <= self.valid_to && self.days.operates_on(date)
    }
}

/// The times of one dated leg.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LegTimes {
    pub departure_utc: DateTime<Utc>,
    pub arrival_utc: DateTime<Utc>,
    pub departure_local: DateTime<FixedOffset>,
    pub arrival_local: DateTime<FixedOffset>,
}

impl LegTimes {
    pub fn duration_minutes(&self) -> i64 {
        (self.arrival_utc - self.departure_utc).num_minutes()
    }
}

/// Resolves a local wall-clock time at an airport. A time that does not exist (the hour skipped
/// when clocks go forward) is moved past the gap, as airlines republish it; a repeated hour
/// (clocks go back) takes the first occurrence.
pub fn local_to_utc(tz: Tz, date: NaiveDate, time: NaiveTime) -> DateTime<Utc> {
    let naive = date.and_time(time);
    if let Some(dt) = tz.from_local_datetime(&naive).earliest() {
        return dt.with_timezone(&Utc);
    }
    for minutes in (15..=180).step_by(15) {
        if let Some(dt) = tz
            .from_local_datetime(&(naive + Duration::minutes(minutes)))
            .earliest()
        {
            return dt.with_timezone(&Utc);
        }
    }
    // No zone skips more than three hours; fall back to reading the time as UTC.
    Utc.from_utc_datetime(&naive)
}

/// The dated times of a leg departing on `date` (local date at the origin).
pub fn leg_times(
    date: NaiveDate,
    departure_local: NaiveTime,
    block_minutes: u16,
    origin_tz: Tz,
    destination_tz: Tz,
) -> LegTimes {
    let departure_utc = local_to_utc(origin_tz, date, departure_local);
    let arrival_utc = departure_utc + Duration::minutes(i64::from(block_minutes));
    LegTimes {
        departure_utc,
        arrival_utc,
        departure_local: departure_utc.with_timezone(&origin_tz).fixed_offset(),
        arrival_local: arrival_utc.with_timezone(&destination_tz).fixed_offset(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn d(y: i32, m: u32, day: u32) -> NaiveDate {
        NaiveDate::from_ymd_opt(y, m, day).unwrap()
    }
    fn t(h: u32, m: u32) -> NaiveTime {
        NaiveTime::from_hms_opt(h, m, 0).unwrap()
    }

    #[test]
    fn pvg_to_lhr_crosses_time_zones() {
        // Departs Shanghai 13:00 (UTC+8), 13 h block, arrives London 18:00 GMT the same day.
        let lt = leg_times(
            d(2026, 12, 10),
            t(13, 0),
            780,
            chrono_tz::Asia::Shanghai,
            chrono_tz::Europe::London,
        );
        assert_eq!(lt.departure_local.to_rfc3339(), "2026-12-10T13:00:00+08:00");
        assert_eq!(lt.arrival_local.to_rfc3339(), "2026-12-10T18:00:00+00:00");
        assert_eq!(lt.duration_minutes(), 780);
        // In British summer time the same flight lands at 19:00 BST.
        let lt = leg_times(
            d(2026, 7, 10),
            t(13, 0),
            780,
            chrono_tz::Asia::Shanghai,
            chrono_tz::Europe::London,
        );
        assert_eq!(lt.arrival_local.to_rfc3339(), "2026-07-10T19:00:00+01:00");
    }

    #[test]
    fn eastbound_over_the_date_line_lands_the_day_before() {
        // Tokyo 17:00 → Los Angeles after 10 h: 10:00 the same calendar morning in LA.
        let lt = leg_times(
            d(2026, 12, 10),
            t(17, 0),
            600,
            chrono_tz::Asia::Tokyo,
            chrono_tz::America::Los_Angeles,
        );
        assert_eq!(lt.arrival_local.to_rfc3339(), "2026-12-10T10:00:00-08:00");
    }

    #[test]
    fn dst_gap_and_overlap() {
        // 2026-03-29 01:30 does not exist in London (clocks jump from 01:00 GMT to 02:00 BST).
        let u = local_to_utc(chrono_tz::Europe::London, d(2026, 3, 29), t(1, 30));
        assert_eq!(u.to_rfc3339(), "2026-03-29T01:00:00+00:00");
        // 2026-10-25 01:30 happens twice in London; the first is BST (00:30 UTC).
        let u = local_to_utc(chrono_tz::Europe::London, d(2026, 10, 25), t(1, 30));
        assert_eq!(u.to_rfc3339(), "2026-10-25T00:30:00+00:00");
        // A duration across the change is real elapsed time.
        let lt = leg_times(
            d(2026, 10, 24),
            t(23, 0),
            180,
            chrono_tz::Europe::London,
            chrono_tz::Europe::London,
        );
        assert_eq!(lt.arrival_local.to_rfc3339(), "2026-10-25T01:00:00+00:00");
    }

    #[test]
    fn days_of_operation() {
        let mon_wed_fri = DaysOfWeek(0b0010101);
        assert_eq!(mon_wed_fri.ssim(), "1.3.5..");
        assert!(mon_wed_fri.operates_on(d(2026, 11, 23))); // Monday
        assert!(!mon_wed_fri.operates_on(d(2026, 11, 24))); // Tuesday
        assert!(DaysOfWeek::DAILY.operates_on(d(2026, 11, 29)));
    }
}
