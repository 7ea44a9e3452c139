//! Simulated airline schedule changes: an admin delays, retimes or cancels one dated flight of
//! the built-in airline, and every held or ticketed order on it gets a change in the same feed
//! as detected ones ([`crate::flight::FlightSupplier::schedule_changes`]), recorded once.
//!
//! Times are the schedule's: a delay of 90 minutes means 90 minutes after the booked departure,
//! however often it is announced, and a retime sets the local departure and keeps the booked
//! block time. A connection of the same slice that would now leave before the moved flight
//! lands moves with it, keeping its layover. The itinerary changed is the order's latest (the
//! last change recorded for it), so successive changes build on one another.

use chrono::{DateTime, Duration, FixedOffset, NaiveDate, NaiveTime, TimeZone, Utc};
use wayfare_domain::flight::codes::AirlineCode;
use wayfare_domain::flight::offer::{Offer, Segment};
use wayfare_search::flight_offers::SUPPLIER;

use super::orders::{cancelled_json, schedule_change, store_error};
use super::supplier::BuiltinFlights;
use crate::flight::{FlightOnDate, ScheduleChange, SupplierError};

/// The longest delay that can be simulated: two days.
pub const MAX_DELAY_MINUTES: u32 = 48 * 60;

/// What happens to the flight.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SimulatedChange {
    /// Leaves and lands `minutes` later than scheduled (1 to [`MAX_DELAY_MINUTES`]).
    Delay { minutes: u32 },
    /// Leaves at this local time on its date, with its scheduled block time.
    Retime { departs_local: NaiveTime },
    /// Does not fly; no replacement is offered.
    Cancel,
}

impl SimulatedChange {
    /// A delay of zero or beyond two days is refused (`invalid_delay`).
    pub fn check(self) -> Result<SimulatedChange, SupplierError> {
        match self {
            SimulatedChange::Delay { minutes } if minutes == 0 || minutes > MAX_DELAY_MINUTES => {
                Err(SupplierError::Rejected {
                    supplier: SUPPLIER.into(),
                    code: "invalid_delay".into(),
                    message: format!(
                        "a delay is from 1 to {MAX_DELAY_MINUTES} minutes, not {minutes}"
                    ),
                })
            }
            ok => Ok(ok),
        }
    }
}

/// What a simulated change does to one order's itinerary.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Moved {
    /// The order does not fly that flight on that date (or no longer does).
    NotOnIt,
    /// The flight has left already: history, not a change.
    Flown,
    /// It already flies at those times.
    Unchanged,
    /// The itinerary as it flies after the change.
    Offer(Offer),
    Cancelled,
}

/// The slice and segment of `offer` flying `carrier` `number` leaving on local `date`.
fn find_segment(
    offer: &Offer,
    carrier: AirlineCode,
    number: u16,
    date: NaiveDate,
) -> Option<(usize, usize)> {
    offer.slices.iter().enumerate().find_map(|(s, slice)| {
        slice
            .segments
            .iter()
            .position(|g| {
                g.marketing_carrier == carrier
                    && g.flight_number == number
                    && g.departing_at.date_naive() == date
            })
            .map(|g| (s, g))
    })
}

/// The departure and arrival `change` gives the `scheduled` segment.
fn new_times(
    scheduled: &Segment,
    date: NaiveDate,
    change: SimulatedChange,
) -> Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)> {
    let block = scheduled.arriving_at - scheduled.departing_at;
    let departs = match change {
        SimulatedChange::Delay { minutes } => {
            scheduled.departing_at + Duration::minutes(i64::from(minutes))
        }
        SimulatedChange::Retime { departs_local } => scheduled
            .departing_at
            .offset()
            .from_local_datetime(&date.and_time(departs_local))
            .single()?,
        SimulatedChange::Cancel => return None,
    };
    let arrives = (departs + block).with_timezone(scheduled.arriving_at.offset());
    Some((departs, arrives))
}

/// `current` (the order's itinerary as flown now) after `change` to the flight, whose scheduled
/// times are those in `booked`.
pub(crate) fn moved_offer(
    booked: &Offer,
    current: &Offer,
    (carrier, number, date): (AirlineCode, u16, NaiveDate),
    change: SimulatedChange,
    now: DateTime<Utc>,
) -> Moved {
    let Some((s, g)) = find_segment(booked, carrier, number, date) else {
        return Moved::NotOnIt;
    };
    let scheduled = &booked.slices[s].segments[g];
    if scheduled.departing_at.with_timezone(&Utc) <= now {
        return Moved::Flown;
    }
    let same_flight = |x: &Segment| x.marketing_carrier == carrier && x.flight_number == number;
    let Some(slice) = current.slices.get(s) else {
        return Moved::NotOnIt;
    };
    let at = match slice.segments.get(g) {
        Some(x) if same_flight(x) => g,
        _ => match slice.segments.iter().position(same_flight) {
            Some(p) => p,
            // Detection re-accommodated the order on another flight.
            None => return Moved::NotOnIt,
        },
    };
    let Some((departs, arrives)) = new_times(scheduled, date, change) else {
        return Moved::Cancelled;
    };
    let was = &slice.segments[at];
    if was.departing_at == departs && was.arriving_at == arrives {
        return Moved::Unchanged;
    }
    let shift = departs - was.departing_at;
    let mut moved = current.clone();
    let segments = &mut moved.slices[s].segments;
    segments[at].departing_at = departs;
    segments[at].arriving_at = arrives;
    segments[at].duration_minutes = (arrives - departs).num_minutes();
    // Connections keep their layover when the moved flight would now overlap them.
    for k in at + 1..segments.len() {
        if segments[k].departing_at < segments[k - 1].arriving_at {
            segments[k].departing_at += shift;
            segments[k].arriving_at += shift;
        }
    }
    for k in (0..at).rev() {
        if segments[k].arriving_at > segments[k + 1].departing_at {
            segments[k].departing_at += shift;
            segments[k].arriving_at += shift;
        }
    }
    let slice = &mut moved.slices[s];
    if let (Some(first), Some(last)) = (slice.departing_at(), slice.arriving_at()) {
        slice.duration_minutes = (last - first).num_minutes();
    }
    Moved::Offer(moved)
}

impl BuiltinFlights {
    /// Simulates the airline delaying, retiming or cancelling flight `carrier` `flight_number`
    /// leaving on local `date`: records a schedule change for every held or ticketed order
    /// flying it, and answers the changes recorded. Announcing the same change again records
    /// nothing; a flight no order has answers none.
    pub async fn simulate_schedule_change(
        &self,
        carrier: AirlineCode,
        flight_number: u16,
        date: NaiveDate,
        change: SimulatedChange,
    ) -> Result<Vec<ScheduleChange>, SupplierError> {
        let change = change.check()?;
        let store = self.order_store()?;
        let now = (self.clock)();
        let flight = (carrier, flight_number, date);
        let mut recorded = Vec::new();
        for row in store.active_flight_orders().await.map_err(store_error)? {
            let Ok(booked) = serde_json::from_str::<Offer>(&row.offer) else {
                tracing::error!(order = %row.id, "stored offer unreadable; skipped in a simulated schedule change");
                continue;
            };
            if find_segment(&booked, carrier, flight_number, date).is_none() {
                continue;
            }
            // The order as the airline flies it now: its latest change, if any.
            let latest = store
                .latest_flight_schedule_change(&row.id)
                .await
                .map_err(store_error)?;
            let (current, after) = match &latest {
                None => (booked.clone(), 0),
                Some(l) => match l.new_offer.as_deref().map(serde_json::from_str::<Offer>) {
                    Some(Ok(o)) => (o, l.id),
                    // Cancelled before: nothing is left to change.
                    None => continue,
                    Some(Err(e)) => {
                        tracing::error!(order = %row.id, change = l.id, error = %e, "recorded change unreadable; skipped");
                        continue;
                    }
                },
            };
            let (what, json, cancelled) = match moved_offer(&booked, &current, flight, change, now)
            {
                Moved::Offer(o) => {
                    let departs = o
                        .slices
                        .iter()
                        .flat_map(|s| &s.segments)
                        .find(|g| {
                            g.marketing_carrier == carrier && g.flight_number == flight_number
                        })
                        .map(|g| {
                            g.departing_at
                                .with_timezone(&Utc)
                                .format("%Y%m%d%H%M")
                                .to_string()
                        })
                        .unwrap_or_default();
                    let json = serde_json::to_string(&o).map_err(|e| {
                        store_error(wayfare_store::StoreError::Corrupt(format!("offer: {e}")))
                    })?;
                    (format!("departs:{departs}"), Some(json), None)
                }
                Moved::Cancelled => (
                    "cancelled".to_owned(),
                    None,
                    Some(cancelled_json(&[FlightOnDate {
                        flight: format!("{carrier}{flight_number}"),
                        date,
                    }])?),
                ),
                Moved::NotOnIt | Moved::Flown | Moved::Unchanged => continue,
            };
            // Built on the order's latest change, so a change back and forth is recorded each
            // time, and the same announcement twice once.
            let key = format!("simulated:{carrier}{flight_number}:{date}:{what}:after:{after}");
            if let Some(r) = store
                .insert_flight_schedule_change(&row.id, &key, json, cancelled, now)
                .await
                .map_err(store_error)?
            {
                recorded.push(schedule_change(&r)?);
            }
        }
        Ok(recorded)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::flight::codes::AirportCode;
    use wayfare_domain::flight::fare::{Baggage, Cabin, FareConditions, NoShowRule};
    use wayfare_domain::flight::offer::{OfferPrice, OfferSlice};
    use wayfare_domain::{Currency, Money};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn seg(number: u16, from: &str, to: &str, dep: &str, arr: &str) -> Segment {
        let (d, a) = (at(dep), at(arr));
        Segment {
            origin: AirportCode::parse(from).unwrap(),
            destination: AirportCode::parse(to).unwrap(),
            departing_at: d,
            arriving_at: a,
            marketing_carrier: AirlineCode::parse("MU").unwrap(),
            flight_number: number,
            operating_carrier: AirlineCode::parse("MU").unwrap(),
            aircraft: "320".into(),
            duration_minutes: (a - d).num_minutes(),
        }
    }

    fn slice(segments: Vec<Segment>) -> OfferSlice {
        let first = segments.first().unwrap().departing_at;
        let last = segments.last().unwrap().arriving_at;
        OfferSlice {
            origin: segments.first().unwrap().origin,
            destination: segments.last().unwrap().destination,
            duration_minutes: (last - first).num_minutes(),
            segments,
        }
    }

    fn offer(slices: Vec<OfferSlice>) -> Offer {
        let cny = |m| Money::from_minor(m, Currency::CNY);
        Offer {
            id: "bi_test".into(),
            supplier: "builtin".into(),
            expires_at: "2026-11-01T00:00:00Z".parse().unwrap(),
            cabin: Cabin::Economy,
            fare_brand: "standard".into(),
            baggage: Baggage {
                checked_pieces: 1,
                checked_kg: 23,
                carry_on_pieces: 1,
                carry_on_kg: 7,
            },
            conditions: FareConditions {
                refundable: false,
                refund_penalty: None,
                changeable: false,
                change_penalty: None,
                cutoff_hours: 0,
                no_show: NoShowRule::ForfeitFare,
            },
            price: OfferPrice {
                base: cny(80_000),
                taxes: cny(10_000),
                total: cny(90_000),
            },
            available_seats: 9,
            slices,
        }
    }

    /// SHA 08:00 → PEK 10:15, then PEK 11:30 → HRB 13:40 (a 75-minute connection).
    fn connecting() -> Offer {
        offer(vec![slice(vec![
            seg(
                5101,
                "SHA",
                "PEK",
                "2026-12-01T08:00:00+08:00",
                "2026-12-01T10:15:00+08:00",
            ),
            seg(
                5161,
                "PEK",
                "HRB",
                "2026-12-01T11:30:00+08:00",
                "2026-12-01T13:40:00+08:00",
            ),
        ])])
    }

    fn mu(number: u16) -> (AirlineCode, u16, NaiveDate) {
        (
            AirlineCode::parse("MU").unwrap(),
            number,
            NaiveDate::from_ymd_opt(2026, 12, 1).unwrap(),
        )
    }

    fn now() -> DateTime<Utc> {
        "2026-11-20T00:00:00Z".parse().unwrap()
    }

    fn moved(o: Moved) -> Offer {
        match o {
            Moved::Offer(o) => o,
            other => panic!("expected a moved offer, got {other:?}"),
        }
    }

    #[test]
    fn a_delay_shifts_the_flight_and_a_connection_it_would_overlap() {
        let booked = connecting();
        let o = moved(moved_offer(
            &booked,
            &booked,
            mu(5101),
            SimulatedChange::Delay { minutes: 90 },
            now(),
        ));
        let s = &o.slices[0].segments;
        assert_eq!(s[0].departing_at, at("2026-12-01T09:30:00+08:00"));
        assert_eq!(s[0].arriving_at, at("2026-12-01T11:45:00+08:00"));
        // 11:45 is after the connection's 11:30: it moves too, keeping 75 minutes.
        assert_eq!(s[1].departing_at, at("2026-12-01T13:00:00+08:00"));
        assert_eq!(s[1].arriving_at, at("2026-12-01T15:10:00+08:00"));
        assert_eq!(o.slices[0].duration_minutes, 5 * 60 + 40);
        assert_eq!(o.price, booked.price, "a schedule change does not reprice");

        // A short delay leaves the connection alone.
        let o = moved(moved_offer(
            &booked,
            &booked,
            mu(5101),
            SimulatedChange::Delay { minutes: 30 },
            now(),
        ));
        assert_eq!(
            o.slices[0].segments[1].departing_at,
            booked.slices[0].segments[1].departing_at
        );
    }

    #[test]
    fn a_delay_counts_from_the_schedule_so_announcing_it_twice_changes_nothing() {
        let booked = connecting();
        let delay = SimulatedChange::Delay { minutes: 90 };
        let once = moved(moved_offer(&booked, &booked, mu(5101), delay, now()));
        assert_eq!(
            moved_offer(&booked, &once, mu(5101), delay, now()),
            Moved::Unchanged
        );
        // Back to the schedule is a change again.
        let back = moved(moved_offer(
            &booked,
            &once,
            mu(5101),
            SimulatedChange::Retime {
                departs_local: NaiveTime::from_hms_opt(8, 0, 0).unwrap(),
            },
            now(),
        ));
        assert_eq!(back.slices[0].segments[0], booked.slices[0].segments[0]);
    }

    #[test]
    fn a_retime_keeps_the_block_time_and_the_offsets() {
        let booked = offer(vec![slice(vec![seg(
            551,
            "PVG",
            "LHR",
            "2026-12-01T12:00:00+08:00",
            "2026-12-01T16:40:00+00:00",
        )])]);
        let o = moved(moved_offer(
            &booked,
            &booked,
            mu(551),
            SimulatedChange::Retime {
                departs_local: NaiveTime::from_hms_opt(13, 25, 0).unwrap(),
            },
            now(),
        ));
        let s = &o.slices[0].segments[0];
        assert_eq!(s.departing_at, at("2026-12-01T13:25:00+08:00"));
        assert_eq!(s.arriving_at, at("2026-12-01T18:05:00+00:00"));
        assert_eq!(s.arriving_at.offset().local_minus_utc(), 0);
        assert_eq!(
            s.duration_minutes,
            booked.slices[0].segments[0].duration_minutes
        );
    }

    #[test]
    fn an_earlier_retime_moves_an_overlapping_first_leg_back() {
        let booked = connecting();
        let o = moved(moved_offer(
            &booked,
            &booked,
            mu(5161),
            SimulatedChange::Retime {
                departs_local: NaiveTime::from_hms_opt(10, 0, 0).unwrap(),
            },
            now(),
        ));
        let s = &o.slices[0].segments;
        assert_eq!(s[1].departing_at, at("2026-12-01T10:00:00+08:00"));
        assert_eq!(s[0].departing_at, at("2026-12-01T06:30:00+08:00"));
        assert_eq!(s[0].arriving_at, at("2026-12-01T08:45:00+08:00"));
    }

    #[test]
    fn other_flights_dates_flown_flights_and_cancellations() {
        let booked = connecting();
        let delay = SimulatedChange::Delay { minutes: 60 };
        assert_eq!(
            moved_offer(&booked, &booked, mu(5103), delay, now()),
            Moved::NotOnIt
        );
        let next_day = (
            mu(5101).0,
            5101,
            NaiveDate::from_ymd_opt(2026, 12, 2).unwrap(),
        );
        assert_eq!(
            moved_offer(&booked, &booked, next_day, delay, now()),
            Moved::NotOnIt
        );
        let later: DateTime<Utc> = "2026-12-01T01:00:00Z".parse().unwrap();
        assert_eq!(
            moved_offer(&booked, &booked, mu(5101), delay, later),
            Moved::Flown
        );
        assert_eq!(
            moved_offer(&booked, &booked, mu(5161), SimulatedChange::Cancel, now()),
            Moved::Cancelled
        );
    }

    #[test]
    fn delays_out_of_range_are_refused() {
        for minutes in [0, MAX_DELAY_MINUTES + 1] {
            assert!(matches!(
                SimulatedChange::Delay { minutes }.check(),
                Err(SupplierError::Rejected { code, .. }) if code == "invalid_delay"
            ));
        }
        for minutes in [1, MAX_DELAY_MINUTES] {
            assert!(SimulatedChange::Delay { minutes }.check().is_ok());
        }
        assert!(SimulatedChange::Cancel.check().is_ok());
    }
}
