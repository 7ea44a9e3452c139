//! The built-in supplier's orders on the real app's database: hold, pay, cancel with a quote,
//! expiry, idempotency, no overselling under a race, and the schedule-change feed.

use std::sync::Arc;

use chrono::{Duration, NaiveDate, Timelike, Utc};
use wayfare_domain::Money;
use wayfare_domain::flight::search::{FlightSearch, Passengers};
use wayfare_domain::flight::{AirportCode, Cabin, Offer, flight_refund};
use wayfare_store::flight_orders::{
    CreateFlightOrder, FlightOrderStatus, NewFlightOrder, SeatTake,
};
use wayfare_suppliers::builtin::supplier::BuiltinFlights;
use wayfare_suppliers::flight::{
    FlightSupplier, OrderMode, OrderRequest, PassengerDetails, PassengerType, SupplierError,
    SupplierOrderStatus,
};
use wayfare_testkit::{TestApp, spawn_app};

fn builtin(app: &TestApp) -> Arc<BuiltinFlights> {
    app.state
        .flights()
        .builtin()
        .expect("built-in supplier")
        .clone()
}

fn adult(name: &str) -> PassengerDetails {
    PassengerDetails {
        passenger_type: PassengerType::Adult,
        given_name: name.into(),
        family_name: "Li".into(),
        born_on: NaiveDate::from_ymd_opt(1990, 5, 17).unwrap(),
        gender: "f".into(),
        email: "li@example.com".into(),
        phone: "+8613800138000".into(),
        infant_of: None,
    }
}

fn request(offer: &Offer, key: &str, mode: OrderMode) -> OrderRequest {
    OrderRequest {
        offer_id: offer.id.clone(),
        passengers: vec![adult("Wei")],
        mode,
        idempotency_key: key.into(),
    }
}

/// A direct economy offer for one adult, 12 days out, on a busy domestic route.
fn direct_offer(b: &BuiltinFlights, brand: &str) -> Offer {
    let date = Utc::now().date_naive() + Duration::days(12);
    let search = FlightSearch::one_way(
        AirportCode::parse("PEK").unwrap(),
        AirportCode::parse("SHA").unwrap(),
        date,
        Passengers {
            adults: 1,
            children: 0,
            infants: 0,
        },
        Cabin::Economy,
        0,
    );
    b.search_now(&search)
        .into_iter()
        .find(|o| o.fare_brand == brand && o.slices[0].segments.len() == 1)
        .expect("a direct PEK-SHA offer")
}

/// The physical flight an offer's only segment sells seats on.
fn seat_take(b: &BuiltinFlights, offer: &Offer, seats: u16) -> SeatTake {
    let s = &offer.slices[0].segments[0];
    let index = b.index();
    let leg = index
        .find_leg(
            s.marketing_carrier,
            s.flight_number,
            s.departing_at.date_naive(),
            s.origin,
        )
        .unwrap();
    let physical = index.leg(index.operating_leg(leg));
    let flight = index.flight(physical);
    SeatTake {
        carrier: flight.carrier,
        flight_number: flight.flight_number,
        departure_date: physical.date,
        origin: s.origin,
        cabin: Cabin::Economy,
        seats,
        capacity: flight.seats.get(Cabin::Economy),
    }
}

async fn sold(app: &TestApp, t: &SeatTake) -> i32 {
    app.state
        .store()
        .seats_sold(t.carrier, t.flight_number, t.departure_date, t.cabin)
        .await
        .unwrap()
}

#[tokio::test]
async fn hold_pay_then_cancel_with_a_quote_from_the_fare_conditions() {
    let app = spawn_app().await;
    let b = builtin(&app);
    let offer = direct_offer(&b, "flex");
    let take = seat_take(&b, &offer, 1);
    let seats_before = b.index().sold(
        b.index()
            .find_leg(
                take.carrier,
                take.flight_number,
                take.departure_date,
                take.origin,
            )
            .unwrap(),
    )[0];

    let held = b
        .create_order(&request(&offer, "k-1", OrderMode::Hold))
        .await
        .unwrap();
    assert_eq!(held.status, SupplierOrderStatus::Held);
    assert_eq!(held.booking_reference.len(), 6);
    assert!(
        held.booking_reference
            .chars()
            .all(|c| c.is_ascii_uppercase() || ('2'..='9').contains(&c))
            && !held.booking_reference.contains(['O', 'I', 'L', '0', '1']),
        "{}",
        held.booking_reference
    );
    assert!(held.payment_required_by.unwrap() > Utc::now() + Duration::minutes(25));
    assert!(held.tickets.is_empty());
    assert_eq!(held.total, offer.price.total);
    assert_eq!(sold(&app, &take).await, 1);
    let leg = b
        .index()
        .find_leg(
            take.carrier,
            take.flight_number,
            take.departure_date,
            take.origin,
        )
        .unwrap();
    assert_eq!(
        b.index().sold(leg)[0],
        seats_before + 1,
        "the index follows the sale"
    );

    // The same key and request answers the first order; the same key for another is refused.
    let again = b
        .create_order(&request(&offer, "k-1", OrderMode::Hold))
        .await
        .unwrap();
    assert_eq!(again.id, held.id);
    assert_eq!(sold(&app, &take).await, 1, "a replay takes no seat");
    let other = b
        .create_order(&request(
            &offer,
            "k-1",
            OrderMode::Instant {
                payment: offer.price.total,
            },
        ))
        .await
        .unwrap_err();
    assert!(
        matches!(&other, SupplierError::Rejected { code, .. } if code == "idempotency_key_reused"),
        "{other:?}"
    );

    // Paying the wrong amount is refused with the amount due; the right one tickets.
    let wrong = Money::from_minor(
        offer.price.total.minor() - 100,
        offer.price.total.currency(),
    );
    let err = b.pay_order(&held.id, wrong, "p-1").await.unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: offer.price.total
        }
    );
    let paid = b
        .pay_order(&held.id, offer.price.total, "p-1")
        .await
        .unwrap();
    assert_eq!(paid.status, SupplierOrderStatus::Confirmed);
    assert_eq!(paid.tickets.len(), 1);
    assert!(paid.tickets[0].len() == 13 && paid.tickets[0].chars().all(|c| c.is_ascii_digit()));
    let repaid = b
        .pay_order(&held.id, offer.price.total, "p-1")
        .await
        .unwrap();
    assert_eq!(repaid.tickets, paid.tickets, "paying twice changes nothing");

    // The quote is the domain's refund rule on the booked price and conditions.
    let quote = b.quote_cancellation(&held.id).await.unwrap();
    let expected = flight_refund(
        &offer.conditions,
        &offer.price,
        1,
        Utc::now(),
        offer.slices[0].departing_at().unwrap().with_timezone(&Utc),
    );
    assert_eq!(quote.refund, Some(expected.refund));
    assert!(offer.conditions.refundable && expected.refund.minor() > 0);
    assert!(quote.confirmed_at.is_none());
    let confirmed = b.confirm_cancellation(&quote.id).await.unwrap();
    assert!(confirmed.confirmed_at.is_some());
    assert_eq!(sold(&app, &take).await, 0, "the seat is back on sale");
    assert_eq!(b.index().sold(leg)[0], seats_before);
    assert_eq!(
        b.get_order(&held.id).await.unwrap().status,
        SupplierOrderStatus::Cancelled
    );
    // Confirming again is the same answer; a new quote on a cancelled order is refused.
    assert_eq!(
        b.confirm_cancellation(&quote.id)
            .await
            .unwrap()
            .confirmed_at,
        confirmed.confirmed_at
    );
    assert_eq!(sold(&app, &take).await, 0, "seats are released once");
    assert!(matches!(
        b.quote_cancellation(&held.id).await.unwrap_err(),
        SupplierError::Rejected { code, .. } if code == "order_not_cancellable"
    ));
    assert!(matches!(
        b.get_order("bfo_nope").await.unwrap_err(),
        SupplierError::NotFound(_)
    ));
}

#[tokio::test]
async fn a_hold_cancelled_before_payment_refunds_nothing_and_an_expired_hold_frees_its_seats() {
    let app = spawn_app().await;
    let b = builtin(&app);
    let offer = direct_offer(&b, "basic");
    let take = seat_take(&b, &offer, 1);

    let held = b
        .create_order(&request(&offer, "hold-a", OrderMode::Hold))
        .await
        .unwrap();
    let quote = b.quote_cancellation(&held.id).await.unwrap();
    assert_eq!(
        quote.refund,
        Some(Money::zero(offer.price.total.currency()))
    );
    b.confirm_cancellation(&quote.id).await.unwrap();
    assert_eq!(sold(&app, &take).await, 0);

    let held = b
        .create_order(&request(&offer, "hold-b", OrderMode::Hold))
        .await
        .unwrap();
    assert_eq!(sold(&app, &take).await, 1);
    let expired = app
        .state
        .store()
        .expire_flight_holds(Utc::now() + Duration::minutes(31))
        .await
        .unwrap();
    assert_eq!(expired.len(), 1);
    assert_eq!(sold(&app, &take).await, 0);
    let order = b.get_order(&held.id).await.unwrap();
    assert_eq!(order.status, SupplierOrderStatus::Expired);
    assert!(matches!(
        b.pay_order(&held.id, offer.price.total, "x")
            .await
            .unwrap_err(),
        SupplierError::OfferExpired(_)
    ));
    // Expiring again finds nothing and gives nothing back twice.
    let again = app
        .state
        .store()
        .expire_flight_holds(Utc::now() + Duration::minutes(31))
        .await
        .unwrap();
    assert!(again.is_empty());
    assert_eq!(sold(&app, &take).await, 0);
}

#[tokio::test]
async fn a_party_that_does_not_match_the_offer_is_refused_before_any_seat_is_taken() {
    let app = spawn_app().await;
    let b = builtin(&app);
    let offer = direct_offer(&b, "standard");
    let take = seat_take(&b, &offer, 1);
    let mut two = request(&offer, "party", OrderMode::Hold);
    two.passengers.push(adult("Fang"));
    assert!(matches!(
        b.create_order(&two).await.unwrap_err(),
        SupplierError::Rejected { code, .. } if code == "passengers_mismatch"
    ));
    let mut nameless = request(&offer, "nameless", OrderMode::Hold);
    nameless.passengers[0].given_name = " ".into();
    assert!(b.create_order(&nameless).await.is_err());
    let stale = request(
        &offer,
        "stale",
        OrderMode::Instant {
            payment: Money::from_minor(1, offer.price.total.currency()),
        },
    );
    assert!(matches!(
        b.create_order(&stale).await.unwrap_err(),
        SupplierError::PriceChanged { .. }
    ));
    assert_eq!(sold(&app, &take).await, 0);
}

#[tokio::test]
async fn two_hundred_buyers_race_for_the_last_five_seats_and_exactly_five_get_one() {
    let app = spawn_app().await;
    let b = builtin(&app);
    let offer = direct_offer(&b, "flex");
    let capacity = seat_take(&b, &offer, 0).capacity;
    // Everything but five seats sold straight in the store: the index does not know, so the
    // store's conditional update alone must stop the overselling.
    let presale = app
        .state
        .store()
        .create_flight_order(NewFlightOrder {
            id: "bfo_presale".into(),
            booking_reference: "PRESAL".into(),
            status: FlightOrderStatus::Confirmed,
            offer_id: offer.id.clone(),
            offer: "{}".into(),
            passengers: "[]".into(),
            seats: vec![seat_take(&b, &offer, capacity - 5)],
            tickets: Vec::new(),
            total: offer.price.total,
            idempotency_key: "presale".into(),
            request_hash: "presale".into(),
            payment_required_by: None,
            now: Utc::now(),
        })
        .await
        .unwrap();
    assert!(matches!(presale, CreateFlightOrder::Created(_)));

    let attempts = (0..200).map(|i| {
        let b = b.clone();
        let req = request(
            &offer,
            &format!("race-{i}"),
            OrderMode::Instant {
                payment: offer.price.total,
            },
        );
        tokio::spawn(async move { b.create_order(&req).await })
    });
    let results = futures::future::join_all(attempts).await;
    let mut won = 0;
    for r in results {
        match r.unwrap() {
            Ok(o) => {
                assert_eq!(o.status, SupplierOrderStatus::Confirmed);
                won += 1;
            }
            Err(SupplierError::NoSeats) => {}
            Err(e) => panic!("a losing buyer must hear 'no seats', got {e:?}"),
        }
    }
    assert_eq!(won, 5);
    let take = seat_take(&b, &offer, 0);
    assert_eq!(sold(&app, &take).await, i32::from(capacity));
    let orders = app.state.store().active_flight_orders().await.unwrap();
    assert_eq!(orders.len(), 6, "no half-made orders");
}

#[tokio::test]
async fn retimed_and_cancelled_flights_appear_once_in_the_schedule_change_feed() {
    let app = spawn_app().await;
    let b = builtin(&app);
    let store = app.state.store();
    let first = direct_offer(&b, "standard");
    let order = b
        .create_order(&request(
            &first,
            "sc-1",
            OrderMode::Instant {
                payment: first.price.total,
            },
        ))
        .await
        .unwrap();
    assert_eq!(
        b.detect_schedule_changes().await.unwrap(),
        0,
        "nothing moved yet"
    );

    // The airline retimes the flight.
    let seg = first.slices[0].segments[0].clone();
    let mut patterns = store.schedules().await.unwrap();
    let p = patterns
        .iter_mut()
        .find(|p| {
            p.carrier == seg.marketing_carrier
                && p.flight_number == seg.flight_number
                && p.origin == seg.origin
        })
        .unwrap();
    // 90 minutes later, or earlier for a late flight, so it stays on its day.
    let shift = if p.departure_local.hour() >= 20 {
        -90
    } else {
        90
    };
    p.departure_local += Duration::minutes(shift);
    store.replace_schedules(&patterns).await.unwrap();
    b.replace_index(
        wayfare::flights::build_index(store, Utc::now().date_naive())
            .await
            .unwrap(),
    );

    assert_eq!(b.detect_schedule_changes().await.unwrap(), 1);
    assert_eq!(
        b.detect_schedule_changes().await.unwrap(),
        0,
        "recorded once"
    );
    let page = b.schedule_changes(None).await.unwrap();
    assert_eq!(page.changes.len(), 1);
    assert!(page.next_cursor.is_none());
    let change = &page.changes[0];
    assert_eq!(change.order_id, order.id);
    let new = change.new_offer.as_ref().unwrap();
    let new_seg = &new.slices[0].segments[0];
    assert_eq!(new_seg.flight_number, seg.flight_number);
    assert_eq!(
        new_seg.departing_at - seg.departing_at,
        Duration::minutes(shift)
    );
    assert_eq!(new.price, first.price, "a schedule change does not reprice");
    let after = b.schedule_changes(Some(&change.id)).await.unwrap();
    assert!(after.changes.is_empty());
    assert!(matches!(
        b.schedule_changes(Some("not-a-cursor")).await.unwrap_err(),
        SupplierError::Rejected { .. }
    ));

    // Then the airline drops the flight altogether.
    patterns.retain(|p| {
        !(p.carrier == seg.marketing_carrier
            && p.flight_number == seg.flight_number
            && p.origin == seg.origin)
    });
    store.replace_schedules(&patterns).await.unwrap();
    b.replace_index(
        wayfare::flights::build_index(store, Utc::now().date_naive())
            .await
            .unwrap(),
    );
    assert_eq!(b.detect_schedule_changes().await.unwrap(), 1);
    let page = b.schedule_changes(Some(&change.id)).await.unwrap();
    assert_eq!(page.changes.len(), 1);
    // Re-accommodated on the same airline's next flight that day, or none.
    if let Some(o) = &page.changes[0].new_offer {
        let s = &o.slices[0].segments[0];
        assert_eq!(s.marketing_carrier, seg.marketing_carrier);
        assert_ne!(s.flight_number, seg.flight_number);
        assert!(s.departing_at >= seg.departing_at);
    }
}
