//! Airline schedule changes applied to orders. Each flight supplier's feed is followed from a
//! cursor kept in the store (Duffel's changes arrive by webhook instead); a change finds the
//! flight item that booked the supplier's order and, in one transaction, the item shows the
//! new itinerary, the timeline says what changed (`schedule_changed`, by `supplier:<name>`)
//! and the traveller is told (`order_message` `flight-changed`), and so is the agent who placed
//! the order, each once per change. The order's status does not change; cancelled and expired
//! orders are left alone.

use std::sync::Arc;
use std::time::Duration as StdDuration;

use chrono::{DateTime, FixedOffset, NaiveDate, Utc};
use serde::Serialize;
use wayfare_domain::flight::offer::{Offer, Segment};
use wayfare_domain::order::OrderStatus;
use wayfare_store::orders::{ItemRevision, ReviseItem};
use wayfare_store::outbox::NewEvent;
use wayfare_suppliers::flight::{FlightOnDate, FlightSupplier, ScheduleChange, SupplierError};

use crate::Orders;
use crate::error::BookingError;
use crate::messages::ORDER_MESSAGE_EVENT;

/// The timeline event of a schedule change.
pub const SCHEDULE_CHANGED_EVENT: &str = "schedule_changed";
/// The message telling the traveller (and the agent) about it.
pub const FLIGHT_CHANGED_MESSAGE: &str = "flight-changed";
/// Orders a change is still recorded on.
const OPEN: [OrderStatus; 4] = [
    OrderStatus::Held,
    OrderStatus::AwaitingPayment,
    OrderStatus::Paid,
    OrderStatus::Confirmed,
];
/// Pages read from one feed in one round, whatever its cursors say.
const MAX_PAGES: usize = 50;
/// Set in a flight item's details when the airline cancelled it without a replacement.
const AIRLINE_CANCELLED: &str = "airline_cancelled";

/// What the traveller's message says changed (the `change` of the outbox event).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FlightChange {
    /// The flight as booked: `MU5101`.
    pub flight: String,
    /// Local departure times at the airport, `YYYY-MM-DD HH:MM`.
    pub old_departure: String,
    /// `None` when cancelled.
    pub new_departure: Option<String>,
    /// The flight flown instead, when the airline moved the traveller to another one.
    pub new_flight: Option<String>,
    pub cancelled: bool,
}

/// What applying one supplier change did.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum ChangeOutcome {
    /// Recorded on the order now.
    Applied { order_id: String },
    /// Recorded before (the same change id): nothing written.
    AlreadyApplied { order_id: String },
    /// The order already shows this itinerary.
    Unchanged { order_id: String },
    /// The order (or its flight item) is cancelled, expired or released: nothing written.
    OrderClosed { order_id: String },
    /// No order of ours booked that supplier order.
    NoOrder,
}

impl ChangeOutcome {
    /// The order that now shows the change, whoever recorded it.
    pub fn shown_on(&self) -> Option<&str> {
        match self {
            ChangeOutcome::Applied { order_id }
            | ChangeOutcome::AlreadyApplied { order_id }
            | ChangeOutcome::Unchanged { order_id } => Some(order_id),
            ChangeOutcome::OrderClosed { .. } | ChangeOutcome::NoOrder => None,
        }
    }
}

/// One flight's change between two itineraries.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Difference {
    flight: String,
    old: (DateTime<FixedOffset>, DateTime<FixedOffset>),
    /// Departure and arrival now; `None` when cancelled.
    new: Option<(DateTime<FixedOffset>, DateTime<FixedOffset>)>,
    new_flight: Option<String>,
}

fn local(t: DateTime<FixedOffset>) -> String {
    t.format("%Y-%m-%d %H:%M").to_string()
}

fn times(s: &Segment) -> (DateTime<FixedOffset>, DateTime<FixedOffset>) {
    (s.departing_at, s.arriving_at)
}

fn same_flight(a: &Segment, b: &Segment) -> bool {
    a.marketing_carrier == b.marketing_carrier && a.flight_number == b.flight_number
}

/// The first flight of `old` that `new` moves, replaces or drops; `None` when they fly the
/// same. Without a new itinerary, the first of the `cancelled` flights the order flies is the
/// one cancelled, or, when the supplier named none the order flies, its first flight still to
/// leave.
fn difference(
    old: &Offer,
    new: Option<&Offer>,
    cancelled_flights: &[FlightOnDate],
    now: DateTime<Utc>,
) -> Option<Difference> {
    let cancelled = |s: &Segment| Difference {
        flight: s.flight_designator(),
        old: times(s),
        new: None,
        new_flight: None,
    };
    let Some(new) = new else {
        let segments = || old.slices.iter().flat_map(|s| &s.segments);
        let first = segments()
            .find(|s| cancelled_flights.iter().any(|c| c.is(s)))
            .or_else(|| segments().find(|s| s.departing_at.with_timezone(&Utc) > now))
            .or_else(|| segments().next())?;
        return Some(cancelled(first));
    };
    for (i, was) in old.slices.iter().enumerate() {
        let Some(is) = new.slices.get(i) else {
            return was.segments.first().map(cancelled);
        };
        for (k, s) in was.segments.iter().enumerate() {
            match is.segments.iter().find(|n| same_flight(n, s)) {
                Some(n) if times(n) == times(s) => {}
                Some(n) => {
                    return Some(Difference {
                        flight: s.flight_designator(),
                        old: times(s),
                        new: Some(times(n)),
                        new_flight: None,
                    });
                }
                None => {
                    let n = is.segments.get(k).or(is.segments.first())?;
                    return Some(Difference {
                        flight: s.flight_designator(),
                        old: times(s),
                        new: Some(times(n)),
                        new_flight: Some(n.flight_designator()),
                    });
                }
            }
        }
        if was.itinerary_key() != is.itinerary_key() || was.arriving_at() != is.arriving_at() {
            let (s, n) = (was.segments.first()?, is.segments.first()?);
            return Some(Difference {
                flight: s.flight_designator(),
                old: times(s),
                new: Some(times(n)),
                new_flight: (!same_flight(s, n)).then(|| n.flight_designator()),
            });
        }
    }
    None
}

impl Difference {
    fn date(&self) -> NaiveDate {
        self.old.0.date_naive()
    }

    /// For the timeline: `MU5101 on 2026-12-01 delayed 90 min: departs 09:30 instead of 08:00`.
    fn summary(&self) -> String {
        let head = format!("{} on {}", self.flight, self.date());
        // A time on the flight's own day is enough; another day is named.
        let at = |t: DateTime<FixedOffset>| {
            if t.date_naive() == self.date() {
                t.format("%H:%M").to_string()
            } else {
                local(t)
            }
        };
        let was = at(self.old.0);
        let Some((departs, arrives)) = self.new else {
            return format!("{head} cancelled by the airline");
        };
        if let Some(other) = &self.new_flight {
            return format!(
                "{head} replaced by {other}: departs {} instead of {was}",
                at(departs)
            );
        }
        let minutes = (departs - self.old.0).num_minutes();
        match minutes {
            m if m > 0 => format!(
                "{head} delayed {m} min: departs {} instead of {was}",
                at(departs)
            ),
            m if m < 0 => format!(
                "{head} brought forward {} min: departs {} instead of {was}",
                -m,
                at(departs)
            ),
            _ => format!(
                "{head} retimed: arrives {} instead of {}",
                at(arrives),
                at(self.old.1)
            ),
        }
    }

    fn change(&self) -> FlightChange {
        FlightChange {
            flight: self.flight.clone(),
            old_departure: local(self.old.0),
            new_departure: self.new.map(|(d, _)| local(d)),
            new_flight: self.new_flight.clone(),
            cancelled: self.new.is_none(),
        }
    }
}

/// The `order_message` events of a change: the traveller's, and the agent's when an agent
/// placed the order; once per order and supplier change.
fn flight_changed_events(
    order_id: &str,
    agent: bool,
    change_id: &str,
    change: &FlightChange,
    now: DateTime<Utc>,
) -> Vec<NewEvent> {
    let event = |key: String, audience: Option<&str>| {
        let mut payload = serde_json::json!({
            "order_id": order_id,
            "message": FLIGHT_CHANGED_MESSAGE,
            "change": change,
        });
        if let Some(a) = audience {
            payload["audience"] = serde_json::json!(a);
        }
        NewEvent {
            kind: ORDER_MESSAGE_EVENT.to_owned(),
            subject_id: Some(order_id.to_owned()),
            dedupe_key: Some(key),
            payload,
            available_at: now,
        }
    };
    let mut events = vec![event(
        format!("{FLIGHT_CHANGED_MESSAGE}:{order_id}:{change_id}"),
        None,
    )];
    if agent {
        events.push(event(
            format!("{FLIGHT_CHANGED_MESSAGE}-agent:{order_id}:{change_id}"),
            Some("agent"),
        ));
    }
    events
}

fn corrupt(what: impl std::fmt::Display) -> BookingError {
    BookingError::Store(wayfare_store::StoreError::Corrupt(what.to_string()))
}

impl Orders {
    /// The flight supplier called `name`.
    fn flight_supplier_named(&self, name: &str) -> Option<&Arc<dyn FlightSupplier>> {
        // The aggregator finds suppliers by their offer ids' prefix.
        let probe = match name {
            "builtin" => "bi_".to_owned(),
            other => format!("{other}:"),
        };
        self.inner
            .flights
            .supplier_for(&probe)
            .filter(|s| s.name() == name)
    }

    /// Records `change`, announced by flight supplier `supplier`, on the order that booked the
    /// supplier's order: once per change, never on a cancelled or expired order.
    pub async fn apply_schedule_change(
        &self,
        supplier: &str,
        change: &ScheduleChange,
    ) -> Result<ChangeOutcome, BookingError> {
        // Another revision of the same item may win the race; then the change is compared
        // with what it wrote.
        for _ in 0..3 {
            if let Some(outcome) = self.try_apply(supplier, change).await? {
                return Ok(outcome);
            }
        }
        Err(BookingError::Internal(format!(
            "schedule change {} kept racing other changes of its order",
            change.id
        )))
    }

    /// One attempt; `None` when the item changed under it.
    async fn try_apply(
        &self,
        supplier: &str,
        change: &ScheduleChange,
    ) -> Result<Option<ChangeOutcome>, BookingError> {
        let store = &self.inner.store;
        let items = store
            .flight_items_by_supplier_ref(supplier, &change.order_id)
            .await?;
        let Some(item) = items
            .iter()
            .find(|i| i.status == "held" || i.status == "confirmed")
            .or(items.first())
        else {
            return Ok(Some(ChangeOutcome::NoOrder));
        };
        let order_id = item.order_id.clone();
        let Some(order) = store.order(&order_id).await? else {
            return Ok(Some(ChangeOutcome::NoOrder));
        };
        let open = OPEN.iter().any(|s| s.as_str() == order.status);
        if !open || !(item.status == "held" || item.status == "confirmed") {
            return Ok(Some(ChangeOutcome::OrderClosed { order_id }));
        }
        let now = self.now();
        let mut details: serde_json::Value = serde_json::from_str(&item.details)
            .map_err(|e| corrupt(format!("item {} details: {e}", item.id)))?;
        let shown: Offer = serde_json::from_value(details.clone())
            .map_err(|e| corrupt(format!("item {} offer: {e}", item.id)))?;
        let cancelled_before = details[AIRLINE_CANCELLED] == serde_json::Value::Bool(true);
        let diff = match (&change.new_offer, cancelled_before) {
            (None, true) => None,
            (new, _) => difference(&shown, new.as_ref(), &change.cancelled, now),
        };
        let Some(diff) = diff else {
            return Ok(Some(ChangeOutcome::Unchanged { order_id }));
        };
        let (starts_at, ends_at) = match &change.new_offer {
            Some(new) => {
                let first = new.slices.first().and_then(|s| s.departing_at());
                let last = new.slices.last().and_then(|s| s.arriving_at());
                match (first, last) {
                    (Some(f), Some(l)) => (f.with_timezone(&Utc), l.with_timezone(&Utc)),
                    _ => (item.starts_at, item.ends_at),
                }
            }
            None => (item.starts_at, item.ends_at),
        };
        if let Some(obj) = details.as_object_mut() {
            match &change.new_offer {
                Some(new) => {
                    let slices = serde_json::to_value(&new.slices)
                        .map_err(|e| BookingError::Internal(format!("slices: {e}")))?;
                    obj.insert("slices".into(), slices);
                    obj.remove(AIRLINE_CANCELLED);
                }
                None => {
                    obj.insert(AIRLINE_CANCELLED.into(), serde_json::Value::Bool(true));
                }
            }
        }
        let flight_change = diff.change();
        let reason = diff.summary();
        let actor = format!("supplier:{supplier}");
        let statuses: Vec<&str> = OPEN.iter().map(|s| s.as_str()).collect();
        let revised = store
            .revise_order_item(ItemRevision {
                order_id: &order_id,
                item_id: &item.id,
                statuses: &statuses,
                expected_details: &item.details,
                details: details.to_string(),
                starts_at,
                ends_at,
                reminder_due: (starts_at != item.starts_at)
                    .then(|| starts_at - self.inner.config.reminder_before),
                event: SCHEDULE_CHANGED_EVENT,
                actor: &actor,
                reason: &reason,
                now,
                events: flight_changed_events(
                    &order_id,
                    order.agent_id.is_some(),
                    &change.id,
                    &flight_change,
                    now,
                ),
            })
            .await?;
        Ok(match revised {
            ReviseItem::Revised(_) => {
                tracing::info!(order = %order_id, supplier, change = %change.id, %reason, "schedule change recorded");
                Some(ChangeOutcome::Applied { order_id })
            }
            ReviseItem::AlreadyRecorded => Some(ChangeOutcome::AlreadyApplied { order_id }),
            ReviseItem::OrderClosed => Some(ChangeOutcome::OrderClosed { order_id }),
            ReviseItem::DetailsChanged => None,
        })
    }

    /// Reads every flight supplier's schedule-change feed on from where the last round stopped
    /// and applies what is new. Answers how many changes were recorded on orders. The cursor
    /// moves on only once a page is applied, so a failure reads it again next time. A change's
    /// id is taken as the cursor of the changes after it when a feed's last page gives none
    /// (as the built-in feed's ids are).
    pub async fn follow_schedule_changes(&self) -> Result<usize, BookingError> {
        let mut applied = 0;
        for name in self.inner.flights.supplier_names() {
            let Some(supplier) = self.flight_supplier_named(name) else {
                continue;
            };
            match self.follow_feed(supplier.as_ref()).await {
                Ok(n) => applied += n,
                // One supplier down does not hold up the others.
                Err(BookingError::SupplierUnavailable { supplier }) => {
                    tracing::warn!(%supplier, "schedule-change feed unavailable; trying again next round");
                }
                Err(e) => return Err(e),
            }
        }
        Ok(applied)
    }

    async fn follow_feed(&self, supplier: &dyn FlightSupplier) -> Result<usize, BookingError> {
        let store = &self.inner.store;
        let name = supplier.name();
        let key = wayfare_store::settings::schedule_change_cursor(name);
        let mut cursor = store.setting(&key).await?;
        let mut applied = 0;
        for _ in 0..MAX_PAGES {
            let page = match supplier.schedule_changes(cursor.as_deref()).await {
                Ok(p) => p,
                // Its changes arrive otherwise (Duffel's by webhook).
                Err(SupplierError::Unsupported { .. }) => return Ok(applied),
                Err(e) => {
                    tracing::warn!(supplier = name, error = %e, "reading schedule changes failed");
                    return Err(BookingError::SupplierUnavailable {
                        supplier: name.to_owned(),
                    });
                }
            };
            for change in &page.changes {
                if let ChangeOutcome::Applied { .. } =
                    self.apply_schedule_change(name, change).await?
                {
                    applied += 1;
                }
            }
            let next = page
                .next_cursor
                .clone()
                .or_else(|| page.changes.last().map(|c| c.id.clone()));
            if let Some(n) = next
                && cursor.as_ref() != Some(&n)
            {
                store.set_setting(&key, &n).await?;
                cursor = Some(n);
            }
            if page.next_cursor.is_none() {
                break;
            }
        }
        Ok(applied)
    }

    /// Follows the schedule-change feeds every `every` until the task is dropped.
    pub async fn follow_schedule_changes_forever(self, every: StdDuration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.follow_schedule_changes().await {
                Ok(0) => {}
                Ok(n) => tracing::info!(changes = n, "schedule changes recorded on orders"),
                Err(e) => {
                    tracing::warn!(error = %e, "following schedule changes failed; trying again next round")
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use wayfare_domain::flight::codes::{AirlineCode, AirportCode};
    use wayfare_domain::flight::fare::{Baggage, Cabin, FareConditions, NoShowRule};
    use wayfare_domain::flight::offer::{OfferPrice, OfferSlice};
    use wayfare_domain::{Currency, Money};

    fn at(s: &str) -> DateTime<FixedOffset> {
        DateTime::parse_from_rfc3339(s).unwrap()
    }

    fn seg(number: u16, dep: &str, arr: &str) -> Segment {
        Segment {
            origin: AirportCode::parse("SHA").unwrap(),
            destination: AirportCode::parse("PEK").unwrap(),
            departing_at: at(dep),
            arriving_at: at(arr),
            marketing_carrier: AirlineCode::parse("MU").unwrap(),
            flight_number: number,
            operating_carrier: AirlineCode::parse("MU").unwrap(),
            aircraft: "320".into(),
            duration_minutes: (at(arr) - at(dep)).num_minutes(),
        }
    }

    fn offer(segments: Vec<Vec<Segment>>) -> Offer {
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
            slices: segments
                .into_iter()
                .map(|segments| OfferSlice {
                    origin: segments[0].origin,
                    destination: segments[segments.len() - 1].destination,
                    duration_minutes: 0,
                    segments,
                })
                .collect(),
        }
    }

    fn now() -> DateTime<Utc> {
        "2026-11-20T00:00:00Z".parse().unwrap()
    }

    fn round_trip(out: (&str, &str), back: (&str, &str)) -> Offer {
        offer(vec![
            vec![seg(5101, out.0, out.1)],
            vec![seg(5102, back.0, back.1)],
        ])
    }

    fn booked() -> Offer {
        round_trip(
            ("2026-12-01T08:00:00+08:00", "2026-12-01T10:15:00+08:00"),
            ("2026-12-05T18:00:00+08:00", "2026-12-05T20:15:00+08:00"),
        )
    }

    #[test]
    fn a_delay_is_described_in_local_times() {
        let new = round_trip(
            ("2026-12-01T09:30:00+08:00", "2026-12-01T11:45:00+08:00"),
            ("2026-12-05T18:00:00+08:00", "2026-12-05T20:15:00+08:00"),
        );
        let d = difference(&booked(), Some(&new), &[], now()).unwrap();
        assert_eq!(
            d.summary(),
            "MU5101 on 2026-12-01 delayed 90 min: departs 09:30 instead of 08:00"
        );
        assert_eq!(
            d.change(),
            FlightChange {
                flight: "MU5101".into(),
                old_departure: "2026-12-01 08:00".into(),
                new_departure: Some("2026-12-01 09:30".into()),
                new_flight: None,
                cancelled: false,
            }
        );
        assert_eq!(difference(&new, Some(&new), &[], now()), None);
    }

    #[test]
    fn the_return_moved_earlier_past_midnight_and_arrival_only_changes() {
        let earlier = round_trip(
            ("2026-12-01T08:00:00+08:00", "2026-12-01T10:15:00+08:00"),
            ("2026-12-05T17:15:00+08:00", "2026-12-05T19:30:00+08:00"),
        );
        assert_eq!(
            difference(&booked(), Some(&earlier), &[], now())
                .unwrap()
                .summary(),
            "MU5102 on 2026-12-05 brought forward 45 min: departs 17:15 instead of 18:00"
        );
        let next_day = round_trip(
            ("2026-12-02T01:00:00+08:00", "2026-12-02T03:15:00+08:00"),
            ("2026-12-05T18:00:00+08:00", "2026-12-05T20:15:00+08:00"),
        );
        assert_eq!(
            difference(&booked(), Some(&next_day), &[], now())
                .unwrap()
                .summary(),
            "MU5101 on 2026-12-01 delayed 1020 min: departs 2026-12-02 01:00 instead of 08:00"
        );
        let lands_later = round_trip(
            ("2026-12-01T08:00:00+08:00", "2026-12-01T10:40:00+08:00"),
            ("2026-12-05T18:00:00+08:00", "2026-12-05T20:15:00+08:00"),
        );
        assert_eq!(
            difference(&booked(), Some(&lands_later), &[], now())
                .unwrap()
                .summary(),
            "MU5101 on 2026-12-01 retimed: arrives 10:40 instead of 10:15"
        );
    }

    #[test]
    fn a_replacement_and_a_cancellation() {
        let mut other = booked();
        other.slices[0].segments[0] = seg(
            5103,
            "2026-12-01T11:00:00+08:00",
            "2026-12-01T13:15:00+08:00",
        );
        let d = difference(&booked(), Some(&other), &[], now()).unwrap();
        assert_eq!(
            d.summary(),
            "MU5101 on 2026-12-01 replaced by MU5103: departs 11:00 instead of 08:00"
        );
        assert_eq!(d.change().new_flight.as_deref(), Some("MU5103"));
        let gone = difference(&booked(), None, &[], now()).unwrap();
        assert_eq!(
            gone.summary(),
            "MU5101 on 2026-12-01 cancelled by the airline"
        );
        assert_eq!(
            gone.change(),
            FlightChange {
                flight: "MU5101".into(),
                old_departure: "2026-12-01 08:00".into(),
                new_departure: None,
                new_flight: None,
                cancelled: true,
            }
        );
        // Once the outbound has flown, a cancellation is the return's.
        let later: DateTime<Utc> = "2026-12-02T00:00:00Z".parse().unwrap();
        assert_eq!(
            difference(&booked(), None, &[], later).unwrap().flight,
            "MU5102"
        );
        // A supplier that names the cancelled flight: the return, while the outbound still
        // flies; a named flight the order does not fly falls back to the first to leave.
        let the_return = FlightOnDate {
            flight: "MU5102".into(),
            date: "2026-12-05".parse().unwrap(),
        };
        let named = difference(&booked(), None, std::slice::from_ref(&the_return), now()).unwrap();
        assert_eq!(
            named.summary(),
            "MU5102 on 2026-12-05 cancelled by the airline"
        );
        let elsewhere = FlightOnDate {
            date: "2026-12-06".parse().unwrap(),
            ..the_return
        };
        assert_eq!(
            difference(&booked(), None, &[elsewhere], now())
                .unwrap()
                .flight,
            "MU5101"
        );
    }

    #[test]
    fn the_traveller_and_the_agent_are_told_once_per_change() {
        let change = difference(&booked(), None, &[], now()).unwrap().change();
        let events = flight_changed_events("ord_1", true, "42", &change, now());
        assert_eq!(events.len(), 2);
        assert_eq!(
            events[0].dedupe_key.as_deref(),
            Some("flight-changed:ord_1:42")
        );
        assert_eq!(
            events[1].dedupe_key.as_deref(),
            Some("flight-changed-agent:ord_1:42")
        );
        assert!(events.iter().all(|e| e.kind == ORDER_MESSAGE_EVENT
            && e.subject_id.as_deref() == Some("ord_1")
            && e.payload["message"] == FLIGHT_CHANGED_MESSAGE
            && e.payload["change"]["cancelled"] == true));
        assert_eq!(events[0].payload.get("audience"), None);
        assert_eq!(events[1].payload["audience"], "agent");
        assert_eq!(
            flight_changed_events("ord_1", false, "42", &change, now()).len(),
            1
        );
    }
}
