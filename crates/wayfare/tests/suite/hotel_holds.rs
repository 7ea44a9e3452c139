//! Holds at the built-in hotels on a fresh database (SQLite, or PostgreSQL with
//! WAYFARE_TEST_DATABASE_URL): a hold takes rooms until it is confirmed, released or runs out
//! at the supplier's clock; confirmation and release are idempotent; a confirmation racing a
//! release or an expiry has one winner; and two hundred travellers holding the last rooms at
//! once never oversell, with the in-memory index agreeing with the store.
//!
//! Each test builds its own store and `BuiltinHotels` over a few generated hotels with a clock
//! it moves by hand, rather than the whole app.

use std::sync::{Arc, Mutex};

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use tempfile::TempDir;
use wayfare::hotel_suppliers::build_index;
use wayfare_domain::hotel::search::{AreaOrigin, Destination};
use wayfare_domain::hotel::{HotelSearch, ranking::HotelSort};
use wayfare_domain::hotel::{Party, RoomRequest, RoomTypeCode, Stay};
use wayfare_store::hotel_bookings::{ConfirmHeldHotelBooking, HotelBookingState};
use wayfare_store::{Store, StoreOptions};
use wayfare_suppliers::builtin::hotel_supplier::{BuiltinHotels, RateKey};
use wayfare_suppliers::flight::SupplierError;
use wayfare_suppliers::hotel::{
    GuestName, HotelBooking, HotelBookingRequest, HotelBookingStatus, HotelRate, HotelSupplier,
};
use wayfare_testkit::TestDatabase;

/// How long the trip-order flow holds rooms.
const HOLD: Duration = Duration::minutes(15);

/// A store with a few generated hotels, the built-in supplier over it, and its clock.
struct Fixture {
    store: Store,
    hotels: Arc<BuiltinHotels>,
    now: Arc<Mutex<DateTime<Utc>>>,
    _dir: TempDir,
}

fn start() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 11, 2, 1, 30, 0)
        .single()
        .unwrap()
}

impl Fixture {
    async fn new() -> Fixture {
        let dir = tempfile::tempdir().unwrap();
        let db = TestDatabase::new(&dir);
        let store = Store::connect(
            &db.url,
            &StoreOptions {
                max_connections: 8,
                acquire_timeout: std::time::Duration::from_secs(60),
                pg_schema: db.schema.clone(),
                ..StoreOptions::default()
            },
        )
        .await
        .unwrap();
        store.migrate().await.unwrap();
        wayfare::seed::ensure_base_data(&store).await.unwrap();
        let today = start().date_naive();
        wayfare::hotels::generate_hotels_into(&store, 40, today)
            .await
            .unwrap();
        let now = Arc::new(Mutex::new(start()));
        let read = now.clone();
        let clock: wayfare_suppliers::builtin::hotel_supplier::Clock =
            Arc::new(move || *read.lock().unwrap());
        let index = build_index(&store, today).await.unwrap();
        index.set_exchange_rates(store.rate_table().await.unwrap());
        let hotels = Arc::new(BuiltinHotels::new(index, clock).with_store(store.clone()));
        Fixture {
            store,
            hotels,
            now,
            _dir: dir,
        }
    }

    fn now(&self) -> DateTime<Utc> {
        *self.now.lock().unwrap()
    }

    fn set_now(&self, t: DateTime<Utc>) {
        *self.now.lock().unwrap() = t;
    }

    /// Rebuilds the index from the store, as a restart would.
    async fn reload_index(&self) {
        let index = build_index(&self.store, start().date_naive())
            .await
            .unwrap();
        index.set_exchange_rates(self.store.rate_table().await.unwrap());
        self.hotels.replace_index(index);
    }

    /// The search that lists the rate's hotel for its stay and party.
    fn search_for(&self, key: &RateKey, rate: &HotelRate) -> HotelSearch {
        let listing = self.hotels.index().property(key.property).unwrap().clone();
        let centre = listing.property.location;
        HotelSearch {
            destination: Destination::Area {
                centre,
                radius_km: 1.0,
                origin: AreaOrigin::Coordinates,
            },
            stay: Stay::new(key.check_in, key.check_out).unwrap(),
            party: Party::new(
                key.party
                    .iter()
                    .map(|(a, ages)| RoomRequest::new(*a, ages.clone()).unwrap())
                    .collect(),
            )
            .unwrap(),
            currency: rate.price.total.currency(),
            filters: Default::default(),
            distance_from: centre,
            sort: HotelSort::Price,
            limit: 10,
            offset: 0,
        }
    }

    /// A one-room rate for two adults, `nights` nights from 20 days out, at the first hotel
    /// that has one: its id, and the room type's allotment.
    async fn rate(&self, nights: i64) -> (HotelRate, RateKey, u16) {
        let check_in = start().date_naive() + Duration::days(20);
        let stay = Stay::new(check_in, check_in + Duration::days(nights)).unwrap();
        let index = self.hotels.index();
        for position in 0..index.len() as u32 {
            let listing = index.listing(position);
            let centre = listing.property.location;
            let search = HotelSearch {
                destination: Destination::Area {
                    centre,
                    radius_km: 0.01,
                    origin: AreaOrigin::Coordinates,
                },
                stay,
                party: Party::new(vec![RoomRequest::new(2, vec![]).unwrap()]).unwrap(),
                currency: wayfare_domain::Currency::CNY,
                filters: Default::default(),
                distance_from: centre,
                sort: HotelSort::Price,
                limit: 10,
                offset: 0,
            };
            let id = format!("bh_{}", listing.property.id.0);
            let Ok(offer) = self.hotels.rates(&id, &search).await else {
                continue;
            };
            if let Some(rate) = offer
                .rates
                .into_iter()
                .find(|r| !r.member_only && RateKey::parse(&r.id).unwrap().parts.len() == 1)
            {
                let key = RateKey::parse(&rate.id).unwrap();
                let allotment = listing
                    .rooms
                    .iter()
                    .find(|r| r.room.code == key.parts[0].0)
                    .unwrap()
                    .allotment;
                return (rate, key, allotment);
            }
        }
        panic!("no one-room rate at any generated hotel");
    }

    /// Leaves exactly `left` rooms of the rate's room type on every night of its stay, in the
    /// store, and reloads the index from it.
    async fn leave(&self, key: &RateKey, allotment: u16, left: u16) {
        for night in nights(key) {
            self.store
                .set_hotel_room_sold(
                    key.property.0 as i64,
                    key.parts[0].0.as_str(),
                    night,
                    allotment - left,
                )
                .await
                .unwrap();
        }
        self.reload_index().await;
    }

    /// Rooms of the rate's room type sold on `night`, as the store has them.
    async fn sold(&self, key: &RateKey, night: NaiveDate) -> u16 {
        self.store
            .hotel_room_sales()
            .await
            .unwrap()
            .get(&(
                key.property.0 as i64,
                key.parts[0].0.as_str().to_owned(),
                night,
            ))
            .copied()
            .unwrap_or(0)
    }

    /// Rooms of the rate's room type left on `night`, as the index has them.
    fn index_left(&self, key: &RateKey, night: NaiveDate) -> u16 {
        self.hotels
            .index()
            .rooms_left(
                key.property,
                key.parts[0].0,
                Stay::new(night, night + Duration::days(1)).unwrap(),
            )
            .unwrap()
    }

    /// Rooms left at the rate as a search shows them (capped at 9).
    async fn search_left(&self, key: &RateKey, rate: &HotelRate) -> u16 {
        let offer = self
            .hotels
            .rates(&rate.hotel_id, &self.search_for(key, rate))
            .await
            .unwrap();
        offer
            .rates
            .iter()
            .find(|r| r.id == rate.id)
            .map_or(0, |r| r.rooms_left)
    }

    /// The store and the index agree on every night of the stay, and neither goes beyond the
    /// allotment.
    async fn assert_index_agrees(&self, key: &RateKey, allotment: u16) {
        for night in nights(key) {
            let sold = self.sold(key, night).await;
            assert!(sold <= allotment, "{sold} sold of {allotment} on {night}");
            assert_eq!(
                self.index_left(key, night),
                allotment - sold,
                "index and store agree on {night}"
            );
        }
    }
}

fn nights(key: &RateKey) -> Vec<NaiveDate> {
    key.check_in
        .iter_days()
        .take_while(|d| *d < key.check_out)
        .collect()
}

fn guest(name: &str) -> GuestName {
    GuestName {
        given_name: name.into(),
        family_name: "Zhang".into(),
    }
}

fn request(rate: &HotelRate, key: &str) -> HotelBookingRequest {
    HotelBookingRequest {
        rate_id: rate.id.clone(),
        room_guests: vec![guest("Min")],
        holder: guest("Min"),
        email: "min@example.com".into(),
        phone: "+8613800138000".into(),
        special_requests: None,
        expected_total: rate.price.total,
        idempotency_key: key.into(),
    }
}

fn rejected_code(e: &SupplierError) -> &str {
    match e {
        SupplierError::Rejected { code, .. } => code,
        _ => "",
    }
}

fn assert_held(b: &HotelBooking, until: DateTime<Utc>) {
    assert_eq!(b.status, HotelBookingStatus::Held);
    assert_eq!(b.hold_expires_at, Some(until));
}

#[tokio::test]
async fn a_hold_takes_rooms_until_it_is_confirmed_once() {
    let fx = Fixture::new().await;
    let (rate, key, allotment) = fx.rate(2).await;
    // The rate's only part is the room type these tests count.
    assert_eq!(rate.rooms.len(), 1);
    assert_eq!(
        RoomTypeCode::parse(&rate.rooms[0].room_type),
        Some(key.parts[0].0)
    );
    assert_eq!(key.parts[0].1, 1, "one room");
    fx.leave(&key, allotment, 5).await;
    assert_eq!(fx.search_left(&key, &rate).await, 5);
    let h = &fx.hotels;
    let until = fx.now() + HOLD;

    // The same checks as booking at once.
    let stale = HotelBookingRequest {
        expected_total: wayfare_domain::Money::from_minor(1, rate.price.total.currency()),
        ..request(&rate, "stale")
    };
    assert!(matches!(
        h.hold(&stale, until).await.unwrap_err(),
        SupplierError::PriceChanged { new_total } if new_total == rate.price.total
    ));
    let nobody = HotelBookingRequest {
        room_guests: vec![],
        ..request(&rate, "nobody")
    };
    assert_eq!(
        rejected_code(&h.hold(&nobody, until).await.unwrap_err()),
        "guests_mismatch"
    );
    for bad in [fx.now(), fx.now() + Duration::hours(2)] {
        assert_eq!(
            rejected_code(&h.hold(&request(&rate, "when"), bad).await.unwrap_err()),
            "invalid_hold_time"
        );
    }
    assert_eq!(fx.search_left(&key, &rate).await, 5, "nothing taken yet");

    let held = h.hold(&request(&rate, "trip-1"), until).await.unwrap();
    assert_held(&held, until);
    assert_eq!(held.rate.price.total, rate.price.total);
    assert!(held.id.starts_with("bh_") && held.confirmation.starts_with("WF"));
    assert_eq!(
        fx.search_left(&key, &rate).await,
        4,
        "a hold takes the room"
    );
    for night in nights(&key) {
        assert_eq!(fx.sold(&key, night).await, allotment - 4);
    }
    fx.assert_index_agrees(&key, allotment).await;
    assert_held(&h.get_booking(&held.id).await.unwrap(), until);

    // A retry (the flow recomputes its deadline) answers the first hold; the key cannot book.
    let again = h
        .hold(&request(&rate, "trip-1"), until + Duration::minutes(1))
        .await
        .unwrap();
    assert_eq!(again.id, held.id);
    assert_held(&again, until);
    assert_eq!(
        rejected_code(&h.book(&request(&rate, "trip-1")).await.unwrap_err()),
        "idempotency_key_reused"
    );
    // A hold is not cancelled through a quote.
    assert_eq!(
        rejected_code(&h.quote_cancellation(&held.id).await.unwrap_err()),
        "booking_held"
    );
    assert_eq!(fx.search_left(&key, &rate).await, 4, "taken once");

    fx.set_now(until - Duration::seconds(1));
    let confirmed = h.confirm_hold(&held.id).await.unwrap();
    assert_eq!(confirmed.status, HotelBookingStatus::Confirmed);
    assert_eq!(confirmed.hold_expires_at, None);
    assert_eq!(confirmed.confirmation, held.confirmation);
    // Confirming again answers the booking, after the hold's time too.
    fx.set_now(until + Duration::hours(1));
    let twice = h.confirm_hold(&held.id).await.unwrap();
    assert_eq!(twice.status, HotelBookingStatus::Confirmed);
    assert_eq!(twice.id, held.id);
    assert_eq!(
        h.expire_holds().await.unwrap(),
        0,
        "a confirmed hold never expires"
    );
    assert_eq!(
        h.get_booking(&held.id).await.unwrap().status,
        HotelBookingStatus::Confirmed
    );
    assert_eq!(
        rejected_code(&h.release_hold(&held.id).await.unwrap_err()),
        "booking_confirmed"
    );
    assert_eq!(fx.search_left(&key, &rate).await, 4, "still taken");
    fx.assert_index_agrees(&key, allotment).await;

    // Booked at once, a booking is not a hold: confirming answers it, releasing refuses.
    let booked = h.book(&request(&rate, "at-once")).await.unwrap();
    assert_eq!(booked.hold_expires_at, None);
    assert_eq!(
        h.confirm_hold(&booked.id).await.unwrap().status,
        HotelBookingStatus::Confirmed
    );
    assert_eq!(
        rejected_code(&h.release_hold(&booked.id).await.unwrap_err()),
        "booking_confirmed"
    );
    assert!(matches!(
        h.confirm_hold("bh_bknosuchbooking").await.unwrap_err(),
        SupplierError::NotFound(_)
    ));
    assert!(matches!(
        h.release_hold("bh_bknosuchbooking").await.unwrap_err(),
        SupplierError::NotFound(_)
    ));
}

#[tokio::test]
async fn releasing_a_hold_gives_its_rooms_back_once() {
    let fx = Fixture::new().await;
    let (rate, key, allotment) = fx.rate(3).await;
    fx.leave(&key, allotment, 2).await;
    let h = &fx.hotels;
    let until = fx.now() + HOLD;
    let held = h.hold(&request(&rate, "trip-2"), until).await.unwrap();
    assert_eq!(fx.search_left(&key, &rate).await, 1);

    let released = h.release_hold(&held.id).await.unwrap();
    assert_eq!(released.status, HotelBookingStatus::Expired);
    assert_eq!(released.hold_expires_at, None);
    assert_eq!(fx.search_left(&key, &rate).await, 2, "rooms back on sale");
    for night in nights(&key) {
        assert_eq!(fx.sold(&key, night).await, allotment - 2);
    }
    fx.assert_index_agrees(&key, allotment).await;

    // Releasing again answers the released hold and gives nothing back twice.
    assert_eq!(
        h.release_hold(&held.id).await.unwrap().status,
        HotelBookingStatus::Expired
    );
    assert_eq!(fx.search_left(&key, &rate).await, 2);
    fx.assert_index_agrees(&key, allotment).await;
    // A released hold cannot be confirmed, even within its time, nor expire again.
    assert!(matches!(
        h.confirm_hold(&held.id).await.unwrap_err(),
        SupplierError::OfferExpired(id) if id == held.id
    ));
    fx.set_now(until + Duration::minutes(1));
    assert_eq!(h.expire_holds().await.unwrap(), 0);
    assert_eq!(fx.search_left(&key, &rate).await, 2);
    assert_eq!(
        h.get_booking(&held.id).await.unwrap().status,
        HotelBookingStatus::Expired
    );
    // A retry of the hold answers it as it stands.
    assert_eq!(
        h.hold(&request(&rate, "trip-2"), fx.now() + HOLD)
            .await
            .unwrap()
            .status,
        HotelBookingStatus::Expired
    );
    assert_eq!(
        rejected_code(&h.quote_cancellation(&held.id).await.unwrap_err()),
        "booking_expired"
    );
}

#[tokio::test]
async fn holds_expire_at_the_clocks_time_and_give_their_rooms_back() {
    let fx = Fixture::new().await;
    let (rate, key, allotment) = fx.rate(2).await;
    fx.leave(&key, allotment, 3).await;
    let h = &fx.hotels;
    let until = fx.now() + HOLD;
    let a = h.hold(&request(&rate, "a"), until).await.unwrap();
    let b = h.hold(&request(&rate, "b"), until).await.unwrap();
    let later = h
        .hold(&request(&rate, "later"), until + Duration::minutes(5))
        .await
        .unwrap();
    assert_eq!(fx.search_left(&key, &rate).await, 0);
    assert!(matches!(
        h.hold(&request(&rate, "one-too-many"), until)
            .await
            .unwrap_err(),
        SupplierError::NoSeats
    ));

    fx.set_now(until - Duration::seconds(1));
    assert_eq!(h.expire_holds().await.unwrap(), 0, "not yet");
    assert_held(&h.get_booking(&a.id).await.unwrap(), until);

    // At the deadline a hold reads as expired even before the sweep has written so.
    fx.set_now(until);
    assert_eq!(
        h.get_booking(&a.id).await.unwrap().status,
        HotelBookingStatus::Expired
    );
    assert_eq!(
        fx.store
            .hotel_booking(&a.id)
            .await
            .unwrap()
            .unwrap()
            .state()
            .unwrap(),
        HotelBookingState::Held
    );
    assert_eq!(h.expire_holds().await.unwrap(), 2);
    assert_eq!(h.expire_holds().await.unwrap(), 0, "each expires once");
    assert_eq!(fx.search_left(&key, &rate).await, 2, "two rooms back");
    for night in nights(&key) {
        assert_eq!(fx.sold(&key, night).await, allotment - 2);
    }
    fx.assert_index_agrees(&key, allotment).await;
    assert!(matches!(
        h.confirm_hold(&a.id).await.unwrap_err(),
        SupplierError::OfferExpired(id) if id == a.id
    ));
    assert_eq!(
        h.release_hold(&b.id).await.unwrap().status,
        HotelBookingStatus::Expired,
        "releasing an expired hold answers it"
    );
    assert_eq!(fx.search_left(&key, &rate).await, 2, "given back once");
    assert_held(
        &h.get_booking(&later.id).await.unwrap(),
        until + Duration::minutes(5),
    );

    // Past its time but not swept: confirming fails and gives the room back.
    fx.set_now(until + Duration::minutes(6));
    assert!(matches!(
        h.confirm_hold(&later.id).await.unwrap_err(),
        SupplierError::OfferExpired(_)
    ));
    assert_eq!(fx.search_left(&key, &rate).await, 3);
    fx.assert_index_agrees(&key, allotment).await;

    // Holding and booking sweep first: the last room, held and run out, can be booked.
    fx.leave(&key, allotment, 1).await;
    let last = h
        .hold(&request(&rate, "last"), fx.now() + HOLD)
        .await
        .unwrap();
    assert_eq!(fx.search_left(&key, &rate).await, 0);
    fx.set_now(fx.now() + HOLD);
    let booked = h.book(&request(&rate, "after-expiry")).await.unwrap();
    assert_eq!(booked.status, HotelBookingStatus::Confirmed);
    assert_eq!(
        h.get_booking(&last.id).await.unwrap().status,
        HotelBookingStatus::Expired
    );
    for night in nights(&key) {
        assert_eq!(
            fx.sold(&key, night).await,
            allotment,
            "sold out, never beyond"
        );
    }
    fx.assert_index_agrees(&key, allotment).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_confirmation_racing_a_release_or_an_expiry_has_one_winner() {
    let fx = Fixture::new().await;
    let (rate, key, allotment) = fx.rate(2).await;
    fx.leave(&key, allotment, 4).await;
    let h = &fx.hotels;
    let mut wins = (0, 0);
    for round in 0..16 {
        let held = h
            .hold(&request(&rate, &format!("race-{round}")), fx.now() + HOLD)
            .await
            .unwrap();
        let base = allotment - 4;
        assert_eq!(fx.sold(&key, key.check_in).await, base + 1);
        let (hc, hr) = (h.clone(), h.clone());
        let (ic, ir) = (held.id.clone(), held.id.clone());
        let confirm = async move { hc.confirm_hold(&ic).await };
        let release = async move { hr.release_hold(&ir).await };
        // Either may start first.
        let (c, r) = if round % 2 == 0 {
            let (c, r) = tokio::join!(tokio::spawn(confirm), tokio::spawn(release));
            (c.unwrap(), r.unwrap())
        } else {
            let (r, c) = tokio::join!(tokio::spawn(release), tokio::spawn(confirm));
            (c.unwrap(), r.unwrap())
        };
        let confirmed = match (c, r) {
            (Ok(c), Err(r)) => {
                assert_eq!(c.status, HotelBookingStatus::Confirmed);
                assert_eq!(rejected_code(&r), "booking_confirmed", "{r:?}");
                wins.0 += 1;
                true
            }
            (Err(c), Ok(r)) => {
                assert!(matches!(c, SupplierError::OfferExpired(_)), "{c:?}");
                assert_eq!(r.status, HotelBookingStatus::Expired);
                wins.1 += 1;
                false
            }
            other => panic!("exactly one of confirm and release wins: {other:?}"),
        };
        for night in nights(&key) {
            assert_eq!(
                fx.sold(&key, night).await,
                base + u16::from(confirmed),
                "kept if confirmed, given back once if released"
            );
        }
        fx.assert_index_agrees(&key, allotment).await;
        if confirmed {
            fx.leave(&key, allotment, 4).await;
        }
    }
    eprintln!("confirm won {} times, release {}", wins.0, wins.1);

    // Two processes whose clocks straddle the deadline: one confirms, one sweeps.
    fx.leave(&key, allotment, 4).await;
    for round in 0..8 {
        let until = fx.now() + HOLD;
        let held = h
            .hold(&request(&rate, &format!("skew-{round}")), until)
            .await
            .unwrap();
        let before = fx.sold(&key, key.check_in).await;
        let (s1, s2) = (fx.store.clone(), fx.store.clone());
        let id = held.id.clone();
        let (confirm, sweep) = tokio::join!(
            tokio::spawn(async move {
                s1.confirm_held_hotel_booking(&id, until - Duration::seconds(1))
                    .await
            }),
            tokio::spawn(async move { s2.expire_hotel_holds(until).await }),
        );
        let won_confirm = matches!(
            confirm.unwrap().unwrap(),
            ConfirmHeldHotelBooking::Confirmed(_)
        );
        let swept = sweep.unwrap().unwrap();
        assert_ne!(won_confirm, swept.len() == 1, "exactly one wins");
        let state = fx
            .store
            .hotel_booking(&held.id)
            .await
            .unwrap()
            .unwrap()
            .state()
            .unwrap();
        if won_confirm {
            assert_eq!(state, HotelBookingState::Confirmed);
            assert_eq!(fx.sold(&key, key.check_in).await, before);
            fx.leave(&key, allotment, 4).await;
        } else {
            assert_eq!(state, HotelBookingState::Expired);
            assert_eq!(fx.sold(&key, key.check_in).await, before - 1, "given back");
            fx.reload_index().await;
        }
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn two_hundred_travellers_holding_the_last_seven_rooms_never_oversell() {
    const LEFT: u16 = 7;
    let fx = Fixture::new().await;
    let (rate, key, allotment) = fx.rate(2).await;
    assert!(allotment >= LEFT);
    fx.leave(&key, allotment, LEFT).await;
    assert_eq!(fx.search_left(&key, &rate).await, LEFT);
    let until = fx.now() + HOLD;
    let attempts = (0..200).map(|i| {
        let h = fx.hotels.clone();
        let req = request(&rate, &format!("crowd-{i}"));
        tokio::spawn(async move { h.hold(&req, until).await })
    });
    let mut won = Vec::new();
    for r in futures::future::join_all(attempts).await {
        match r.unwrap() {
            Ok(b) => {
                assert_held(&b, until);
                won.push(b.id);
            }
            Err(SupplierError::NoSeats) => {}
            Err(e) => panic!("a losing traveller hears 'sold out', got {e:?}"),
        }
    }
    assert_eq!(won.len(), usize::from(LEFT));
    for night in nights(&key) {
        assert_eq!(
            fx.sold(&key, night).await,
            allotment,
            "sold out, never beyond"
        );
    }
    fx.assert_index_agrees(&key, allotment).await;
    assert_eq!(fx.search_left(&key, &rate).await, 0);

    // Release some, let the rest run out: every room comes back, in the store and the index.
    for id in &won[..3] {
        fx.hotels.release_hold(id).await.unwrap();
    }
    fx.assert_index_agrees(&key, allotment).await;
    fx.set_now(until);
    assert_eq!(
        fx.hotels.expire_holds().await.unwrap(),
        usize::from(LEFT) - 3
    );
    for night in nights(&key) {
        assert_eq!(fx.sold(&key, night).await, allotment - LEFT);
    }
    fx.assert_index_agrees(&key, allotment).await;
    assert_eq!(fx.search_left(&key, &rate).await, LEFT);
    // After a restart the index reads the same from the store.
    fx.reload_index().await;
    fx.assert_index_agrees(&key, allotment).await;
}
