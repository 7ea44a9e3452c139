//! The Hotelbeds [`HotelSupplier`] against the local fake Hotelbeds of
//! `common/hotelbeds_fake.rs`: searches mapped into offers (stars, boards, exact money,
//! cancellation tiers, the party's rooms), map pins, CheckRate, booking with its price check and
//! idempotency, reading, quoting and cancelling, and errors.

mod common;

use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, TimeDelta, Utc};
use serde_json::{Value, json};
use wayfare_domain::hotel::property::StarSet;
use wayfare_domain::hotel::ranking::HotelSort;
use wayfare_domain::hotel::search::{
    AreaOrigin, Destination, HotelFilters, PriceBasis, PriceRange,
};
use wayfare_domain::hotel::{
    Amenity, Board, BoundingBox, CancellationCharge, GeoPoint, HotelMapSearch, HotelSearch, Party,
    Payment, RoomRequest, StarRating, Stay,
};
use wayfare_domain::{Currency, Money};
use wayfare_suppliers::hotel::{GuestName, HotelBookingStatus, RoomAllocation};
use wayfare_suppliers::hotelbeds::transform::RateRef;
use wayfare_suppliers::hotelbeds::{HotelbedsClient, HotelbedsConfig, HotelbedsSupplier};
use wayfare_suppliers::{HotelBookingRequest, HotelOffer, HotelRate, HotelSupplier, SupplierError};

use common::hotelbeds_fake::*;

// =============================================================================================
// Helpers

fn supplier_with(config: HotelbedsConfig) -> HotelbedsSupplier {
    HotelbedsSupplier::new(HotelbedsClient::new(config).unwrap())
}

fn supplier(base: &str) -> HotelbedsSupplier {
    supplier_with(config(base))
}

fn eur(minor: i64) -> Money {
    Money::from_minor(minor, Currency::EUR)
}

fn aveiro() -> GeoPoint {
    GeoPoint::new(40.6405, -8.6538).unwrap()
}

fn party(rooms: &[(u8, &[u8])]) -> Party {
    Party::new(
        rooms
            .iter()
            .map(|(adults, ages)| RoomRequest::new(*adults, ages.to_vec()).unwrap())
            .collect(),
    )
    .unwrap()
}

fn stay(days_ahead: i64) -> Stay {
    let check_in = Utc::now().date_naive() + TimeDelta::days(days_ahead);
    Stay::new(check_in, check_in + TimeDelta::days(2)).unwrap()
}

/// Aveiro as a city, 30 days ahead, two adults in one room.
fn city_search() -> HotelSearch {
    HotelSearch {
        destination: Destination::City {
            city_id: 2_742_611,
            centre: aveiro(),
        },
        stay: stay(30),
        party: party(&[(2, &[])]),
        currency: Currency::EUR,
        filters: HotelFilters::default(),
        distance_from: aveiro(),
        sort: HotelSort::Price,
        limit: 25,
        offset: 0,
    }
}

fn offer<'a>(offers: &'a [HotelOffer], hotel_id: &str) -> &'a HotelOffer {
    offers
        .iter()
        .find(|o| o.hotel.id == hotel_id)
        .unwrap_or_else(|| panic!("{hotel_id} in the results"))
}

/// The rate of `offer` on `room_type` with `board`.
fn rate<'a>(offer: &'a HotelOffer, room_type: &str, board: Board) -> &'a HotelRate {
    offer
        .rates
        .iter()
        .find(|r| r.rooms[0].room_type == room_type && r.board == board)
        .unwrap_or_else(|| panic!("a {room_type} {board:?} rate"))
}

fn availability_requests(fake: &FakeHotelbeds) -> Vec<Value> {
    fake.seen()
        .iter()
        .filter(|s| s.path.ends_with("/hotels"))
        .map(Seen::json)
        .collect()
}

fn booking_calls(fake: &FakeHotelbeds) -> Vec<Seen> {
    fake.seen()
        .into_iter()
        .filter(|s| s.method == axum::http::Method::POST && s.path.ends_with("/bookings"))
        .collect()
}

fn booking_request(rate: &HotelRate, key: &str) -> HotelBookingRequest {
    let guest = |given: &str| GuestName {
        given_name: given.into(),
        family_name: "Lopez".into(),
    };
    HotelBookingRequest {
        rate_id: rate.id.clone(),
        room_guests: (0..rate.rooms.len())
            .map(|i| guest(["Ana", "Luis", "Marta"][i % 3]))
            .collect(),
        holder: guest("Ana"),
        email: "ana@example.com".into(),
        phone: "+34600000000".into(),
        special_requests: Some("  late arrival  ".into()),
        expected_total: rate.price.total,
        idempotency_key: key.into(),
    }
}

fn near(at: DateTime<Utc>, want: DateTime<Utc>) -> bool {
    (at - want).num_seconds().abs() <= 5
}

// =============================================================================================
// Search

#[tokio::test]
async fn a_city_search_maps_hotels_rooms_boards_money_and_cancellation() {
    let (fake, base) = fake_hotelbeds().await;
    fake.world().misfit_rates = true;
    let search = city_search();
    let before = Utc::now();
    let results = supplier(&base).search(&search).await.unwrap();

    // A circle of 15 km around the city's centre, the party as one occupancy.
    let sent = &availability_requests(&fake)[0];
    assert_eq!(
        sent,
        &json!({
            "stay": {"checkIn": search.stay.check_in().to_string(),
                     "checkOut": search.stay.check_out().to_string()},
            "occupancies": [{"rooms": 1, "adults": 2, "children": 0}],
            "geolocation": {"latitude": 40.6405, "longitude": -8.6538, "radius": 15.0, "unit": "km"}
        })
    );
    // Palma is outside the circle; cheapest first.
    let ids: Vec<&str> = results.offers.iter().map(|o| o.hotel.id.as_str()).collect();
    assert_eq!(ids, ["hb_4001", "hb_3424"]);
    assert_eq!(results.total, 2);

    let palace = offer(&results.offers, "hb_3424");
    let h = &palace.hotel;
    assert_eq!(h.supplier, "hotelbeds");
    assert_eq!(
        (h.name.en.as_str(), h.name.zh.as_str()),
        ("Fake Aveiro Palace", "Fake Aveiro Palace")
    );
    assert_eq!(h.stars, StarRating::new(4));
    assert_eq!(h.address.en, "Centro, Aveiro");
    assert_eq!(h.city_id, None);
    assert!((h.location.lat() - 40.640_505_5).abs() < 1e-9);
    assert_eq!(
        offer(&results.offers, "hb_4001").hotel.stars,
        StarRating::new(4),
        "H4_5: four and a half stars, shown as four"
    );

    // Three rates fit two adults in one room; the triple offered beside them does not.
    assert_eq!(palace.rates.len(), 3);
    assert!(
        palace
            .rates
            .iter()
            .all(|r| r.rooms[0].room_type != "TPL.ST")
    );
    let totals: Vec<i64> = palace.rates.iter().map(|r| r.price.total.minor()).collect();
    assert_eq!(totals, [9_950, 12_227, 15_010], "cheapest first");

    // Bed and breakfast, paid now: 118.27 + 4.00 tax paid on top, refundable in two steps.
    let bb = rate(palace, "DBL.ST", Board::Breakfast);
    assert_eq!(bb.hotel_id, "hb_3424");
    assert_eq!(
        bb.rooms,
        [RoomAllocation {
            room_type: "DBL.ST".into(),
            name: wayfare_domain::hotel::LocalizedText::new("DOUBLE STANDARD", "DOUBLE STANDARD"),
            adults: 2,
            children_ages: vec![],
        }]
    );
    assert_eq!(bb.plan_name.en, "BED AND BREAKFAST");
    assert_eq!(bb.payment, Payment::PayNow);
    assert_eq!(
        (bb.check_in, bb.check_out),
        (search.stay.check_in(), search.stay.check_out())
    );
    let p = &bb.price;
    assert_eq!(
        (p.rooms, p.nightly.clone()),
        (1, vec![eur(5_914), eur(5_913)])
    );
    assert_eq!(
        (p.subtotal, p.taxes, p.fees),
        (eur(11_827), eur(400), eur(0))
    );
    assert_eq!(p.total, eur(12_227));
    assert!(!p.is_deal());
    // The fake's policies start at 23:59 (+01:00) seven days and one day before check-in;
    // check-in is taken at 14:00 (+01:00), so 158 h 1 min and 14 h 1 min, rounded up.
    let tiers: Vec<(u32, CancellationCharge)> = bb
        .cancellation
        .tiers()
        .iter()
        .map(|t| (t.hours_before, t.charge))
        .collect();
    assert_eq!(
        tiers,
        [
            (159, CancellationCharge::Amount(eur(5_914))),
            (15, CancellationCharge::Amount(eur(11_827))),
        ]
    );
    let check_in_at = search
        .stay
        .check_in()
        .and_hms_opt(13, 0, 0)
        .unwrap()
        .and_utc();
    assert_eq!(
        bb.free_cancellation_until,
        Some(check_in_at - TimeDelta::hours(159))
    );
    assert_eq!(bb.rooms_left, 5);
    assert!(!bb.needs_price_check);
    let expiry = bb.expires_at - TimeDelta::minutes(30);
    assert!(expiry >= before - TimeDelta::seconds(1) && expiry <= Utc::now());

    // Room only, non-refundable, to be rechecked; its offer makes it a deal.
    let nrf = rate(palace, "DBL.ST", Board::RoomOnly);
    assert!(!nrf.cancellation.is_refundable());
    assert_eq!(nrf.free_cancellation_until, None);
    assert!(nrf.needs_price_check);
    assert_eq!(
        nrf.price.total,
        eur(15_010),
        "the selling rate, not the net"
    );
    assert!(nrf.price.is_deal());
    assert_eq!(nrf.price.was(), Some(eur(16_245)));

    // Paid at the hotel, two rooms left.
    let twin = rate(palace, "TWN.ST", Board::Breakfast);
    assert_eq!(twin.payment, Payment::PayAtHotel);
    assert_eq!(twin.rooms_left, 2);

    // Every rate id gives back its rate key.
    for r in &palace.rates {
        let back = RateRef::parse(&r.id).unwrap();
        assert_eq!(back.rate_keys.len(), 1);
        assert!(
            back.rate_keys[0].contains("|3424|"),
            "{}",
            back.rate_keys[0]
        );
        assert_eq!(back.check_in, search.stay.check_in());
    }
}

#[tokio::test]
async fn filters_go_to_hotelbeds_where_it_can_apply_them_and_are_applied_again() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base).with_pricing_currency(Currency::EUR);

    // Four stars with breakfast and free cancellation now.
    let mut search = city_search();
    search.filters.stars = StarSet::EMPTY.with(StarRating::new(4).unwrap());
    search.filters.breakfast_included = true;
    search.filters.free_cancellation = true;
    let results = supplier.search(&search).await.unwrap();
    let sent = availability_requests(&fake).pop().unwrap();
    assert_eq!(sent["filter"], json!({"minCategory": 4, "maxCategory": 4}));
    assert_eq!(sent["boards"]["included"], true);
    assert!(
        sent["boards"]["board"]
            .as_array()
            .unwrap()
            .iter()
            .all(|b| b != "RO")
    );
    let ids: Vec<&str> = results.offers.iter().map(|o| o.hotel.id.as_str()).collect();
    assert_eq!(ids, ["hb_3424"], "the Riverside sells room only");
    let boards: Vec<(String, Payment)> = results.offers[0]
        .rates
        .iter()
        .map(|r| (r.rooms[0].room_type.clone(), r.payment))
        .collect();
    assert_eq!(
        boards,
        [
            ("TWN.ST".to_owned(), Payment::PayAtHotel),
            ("DBL.ST".to_owned(), Payment::PayNow)
        ]
    );

    // Three and five stars: the range goes out, the gap is filtered here.
    let mut search = city_search();
    search.filters.stars = [3, 5].into_iter().filter_map(StarRating::new).collect();
    let results = supplier.search(&search).await.unwrap();
    let sent = availability_requests(&fake).pop().unwrap();
    assert_eq!(sent["filter"], json!({"minCategory": 3, "maxCategory": 5}));
    assert!(
        results.offers.is_empty(),
        "both Aveiro hotels have four stars"
    );
    assert_eq!(results.total, 0);

    // Paying at the hotel.
    let mut search = city_search();
    search.filters.pay_at_hotel = true;
    let results = supplier.search(&search).await.unwrap();
    let sent = availability_requests(&fake).pop().unwrap();
    assert_eq!(sent["filter"], json!({"paymentType": "AT_HOTEL"}));
    assert_eq!(results.offers.len(), 1);
    assert!(
        results.offers[0]
            .rates
            .iter()
            .all(|r| r.payment == Payment::PayAtHotel)
    );

    // At most 60 a night: 120 for the stay goes out as maxRate; taxes count here.
    let mut search = city_search();
    search.filters.price = Some(PriceRange {
        min_minor: None,
        max_minor: Some(6_000),
        basis: PriceBasis::Nightly,
    });
    let results = supplier.search(&search).await.unwrap();
    let sent = availability_requests(&fake).pop().unwrap();
    assert_eq!(sent["filter"], json!({"maxRate": 120}));
    let totals: Vec<(String, i64)> = results
        .offers
        .iter()
        .flat_map(|o| {
            o.rates
                .iter()
                .map(|r| (o.hotel.id.clone(), r.price.total.minor()))
        })
        .collect();
    assert_eq!(
        totals,
        [("hb_4001".to_owned(), 8_400), ("hb_3424".to_owned(), 9_950)]
    );
    // In another currency than the account's, nothing goes out and nothing in EUR passes.
    search.currency = Currency::USD;
    let results = supplier.search(&search).await.unwrap();
    let sent = availability_requests(&fake).pop().unwrap();
    assert!(sent.get("filter").is_none());
    assert!(results.offers.is_empty());

    // Deals only; amenities Hotelbeds does not describe leave nothing.
    let mut search = city_search();
    search.filters.deals_only = true;
    let results = supplier.search(&search).await.unwrap();
    assert_eq!(results.offers.len(), 1);
    assert!(results.offers[0].rates.iter().all(|r| r.price.is_deal()));
    let mut search = city_search();
    search.filters.amenities.insert(Amenity::Pool);
    assert!(supplier.search(&search).await.unwrap().offers.is_empty());
}

#[tokio::test]
async fn results_are_sorted_and_cut_to_the_page() {
    let (_fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let mut search = city_search();
    search.limit = 1;
    let page = supplier.search(&search).await.unwrap();
    assert_eq!(page.total, 2);
    assert_eq!(page.offers.len(), 1);
    assert_eq!(page.offers[0].hotel.id, "hb_4001", "cheapest first");
    // The page is counted from the first result.
    search.offset = 1;
    let page = supplier.search(&search).await.unwrap();
    assert_eq!(page.offers.len(), 2);
    // Nearest first: the Palace is at the centre.
    search.sort = HotelSort::Distance;
    let page = supplier.search(&search).await.unwrap();
    assert_eq!(page.offers[0].hotel.id, "hb_3424");
}

#[tokio::test]
async fn an_area_search_keeps_its_radius() {
    let (fake, base) = fake_hotelbeds().await;
    let mut search = city_search();
    search.destination = Destination::Area {
        centre: aveiro(),
        radius_km: 2.0,
        origin: AreaOrigin::Coordinates,
    };
    let results = supplier(&base).search(&search).await.unwrap();
    assert_eq!(
        availability_requests(&fake)[0]["geolocation"]["radius"],
        2.0
    );
    let ids: Vec<&str> = results.offers.iter().map(|o| o.hotel.id.as_str()).collect();
    assert_eq!(ids, ["hb_3424"]);
}

#[tokio::test]
async fn a_mixed_party_gets_its_rooms_in_the_order_asked_and_books_them() {
    let (fake, base) = fake_hotelbeds().await;
    fake.world().misfit_rates = true;
    let supplier = supplier(&base);
    let mut search = city_search();
    search.party = party(&[(2, &[]), (1, &[6]), (2, &[])]);
    let results = supplier.search(&search).await.unwrap();
    let sent = &availability_requests(&fake)[0];
    assert_eq!(
        sent["occupancies"],
        json!([
            {"rooms": 2, "adults": 2, "children": 0},
            {"rooms": 1, "adults": 1, "children": 1, "paxes": [{"type": "CH", "age": 6}]}
        ])
    );
    let palace = offer(&results.offers, "hb_3424");
    // One stay per plan: the same board, class and payment for every room.
    assert_eq!(palace.rates.len(), 3);
    let bb = rate(palace, "DBL.ST", Board::Breakfast);
    let rooms: Vec<(&str, u8, &[u8])> = bb
        .rooms
        .iter()
        .map(|r| (r.room_type.as_str(), r.adults, r.children_ages.as_slice()))
        .collect();
    assert_eq!(
        rooms,
        [
            ("DBL.ST", 2, &[][..]),
            ("DBL.ST", 1, &[6][..]),
            ("DBL.ST", 2, &[][..])
        ]
    );
    // Two Hotelbeds rates of 118.27 + 4.00 each (the fake prices any occupancy alike).
    assert_eq!(bb.price.rooms, 3);
    assert_eq!(bb.price.total, eur(24_454));
    // Per room, rounded up: 118.28 ÷ 3 and 236.54 ÷ 3.
    let charges: Vec<CancellationCharge> =
        bb.cancellation.tiers().iter().map(|t| t.charge).collect();
    assert_eq!(
        charges,
        [
            CancellationCharge::Amount(eur(3_943)),
            CancellationCharge::Amount(eur(7_885))
        ]
    );
    let keys = RateRef::parse(&bb.id).unwrap().rate_keys;
    assert_eq!(keys.len(), 2);
    assert!(
        keys[0].contains("|2~2~0|") && keys[1].contains("|1~1~1|6|"),
        "{keys:?}"
    );

    // Checked and booked: one Hotelbeds room per rate key, paxes by roomId in each.
    let checked = supplier.check_rate(&bb.id).await.unwrap();
    assert_eq!(checked.price.total, bb.price.total);
    assert_eq!(checked.rooms, bb.rooms);
    let booked = supplier
        .book(&booking_request(&checked, "WF-MIXED-1"))
        .await
        .unwrap();
    assert_eq!(booked.rate.rooms.len(), 3);
    let body = booking_calls(&fake)[0].json();
    assert_eq!(
        body["rooms"],
        json!([
            {"rateKey": keys[0], "paxes": [
                {"roomId": 1, "type": "AD", "name": "Ana", "surname": "Lopez"},
                {"roomId": 1, "type": "AD"},
                {"roomId": 2, "type": "AD", "name": "Marta", "surname": "Lopez"},
                {"roomId": 2, "type": "AD"}]},
            {"rateKey": keys[1], "paxes": [
                {"roomId": 1, "type": "AD", "name": "Luis", "surname": "Lopez"},
                {"roomId": 1, "type": "CH", "age": 6}]}
        ])
    );
}

#[tokio::test]
async fn a_map_search_keeps_only_the_pins_inside_the_box() {
    let (fake, base) = fake_hotelbeds().await;
    let search = HotelMapSearch {
        bbox: BoundingBox::new(40.60, -8.70, 40.66, -8.60).unwrap(),
        zoom: 14,
        stay: stay(30),
        party: party(&[(2, &[])]),
        currency: Currency::EUR,
        filters: HotelFilters::default(),
    };
    let pins = supplier(&base).map(&search).await.unwrap();
    let geo = &availability_requests(&fake)[0]["geolocation"];
    let (lat, lon, radius) = (
        geo["latitude"].as_f64().unwrap(),
        geo["longitude"].as_f64().unwrap(),
        geo["radius"].as_f64().unwrap(),
    );
    assert!((lat - 40.63).abs() < 1e-9 && (lon + 8.65).abs() < 1e-9);
    // The circle holds the box's corners, and with them the Riverside just east of the box.
    assert!(distance_km(lat, lon, 40.60, -8.70) <= radius);
    assert!(distance_km(lat, lon, 40.63, -8.595) <= radius);
    assert_eq!(pins.len(), 1, "{pins:?}");
    let pin = &pins[0];
    assert_eq!(pin.hotel_id, "hb_3424");
    assert_eq!(pin.stars, StarRating::new(4));
    assert_eq!(pin.cheapest_total, eur(9_950));
    assert!(search.bbox.contains(pin.location));
}

#[tokio::test]
async fn rates_of_one_hotel_come_unfiltered() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let mut search = city_search();
    search.filters.stars = StarSet::EMPTY.with(StarRating::new(5).unwrap());
    let offer = supplier.rates("hb_3424", &search).await.unwrap();
    assert_eq!(offer.hotel.id, "hb_3424");
    assert_eq!(offer.rates.len(), 3);
    assert_eq!(
        availability_requests(&fake)[0]["hotels"],
        json!({"hotel": [3424]})
    );
    for missing in ["hb_999", "bh_3424", "hb_"] {
        assert_eq!(
            supplier.rates(missing, &search).await.unwrap_err(),
            SupplierError::NotFound(missing.into())
        );
    }
}

// =============================================================================================
// CheckRate and booking

#[tokio::test]
async fn a_recheck_rate_is_checked_at_its_new_price_under_a_new_key() {
    let (_fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let results = supplier.search(&city_search()).await.unwrap();
    let palace = offer(&results.offers, "hb_3424");
    let nrf = rate(palace, "DBL.ST", Board::RoomOnly);
    assert!(nrf.needs_price_check);

    let checked = supplier.check_rate(&nrf.id).await.unwrap();
    // The fake finds 2.35 more on the net, and the public price follows it.
    assert_eq!(checked.price.total, eur(15_245));
    assert_eq!(checked.price.was(), Some(eur(16_480)));
    assert!(!checked.needs_price_check);
    assert_ne!(checked.id, nrf.id);
    let key = &RateRef::parse(&checked.id).unwrap().rate_keys[0];
    assert!(key.ends_with("~CHK"), "{key}");
    assert_eq!(checked.rooms, nrf.rooms);
    assert!(!checked.cancellation.is_refundable());
    // Checking again, by either id, answers the same.
    assert_eq!(
        supplier.check_rate(&checked.id).await.unwrap().price,
        checked.price
    );
    assert_eq!(supplier.check_rate(&nrf.id).await.unwrap().id, checked.id);

    // A bookable rate checks at its price.
    let bb = rate(palace, "DBL.ST", Board::Breakfast);
    let again = supplier.check_rate(&bb.id).await.unwrap();
    assert_eq!(again.id, bb.id);
    assert_eq!(again.price, bb.price);
    assert_eq!(again.cancellation, bb.cancellation);
}

#[tokio::test]
async fn a_stale_price_is_refused_before_anything_is_booked() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let results = supplier.search(&city_search()).await.unwrap();
    let nrf = rate(offer(&results.offers, "hb_3424"), "DBL.ST", Board::RoomOnly).clone();
    let err = supplier
        .book(&booking_request(&nrf, "WF-STALE-1"))
        .await
        .unwrap_err();
    assert_eq!(
        err,
        SupplierError::PriceChanged {
            new_total: eur(15_245)
        }
    );
    assert!(booking_calls(&fake).is_empty());
    assert!(fake.world().bookings.is_empty());

    // At the new price it books, under the checked key.
    let mut request = booking_request(&nrf, "WF-STALE-2");
    request.expected_total = eur(15_245);
    let booked = supplier.book(&request).await.unwrap();
    assert_eq!(booked.rate.id, nrf.id, "named as the guest booked it");
    assert_eq!(booked.rate.price.total, eur(15_245));
    let sent = booking_calls(&fake)[0].json();
    assert!(
        sent["rooms"][0]["rateKey"]
            .as_str()
            .unwrap()
            .ends_with("~CHK")
    );
}

#[tokio::test]
async fn book_read_quote_and_cancel() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    // Three days ahead: the first fee (59.14 from seven days before) is already due.
    let mut search = city_search();
    search.stay = stay(3);
    let results = supplier.search(&search).await.unwrap();
    let bb = rate(
        offer(&results.offers, "hb_3424"),
        "DBL.ST",
        Board::Breakfast,
    )
    .clone();
    assert_eq!(bb.price.total, eur(12_227));

    let before = Utc::now();
    let booked = supplier
        .book(&booking_request(&bb, "WF-000123"))
        .await
        .unwrap();
    assert_eq!(booked.id, "hb_bk_102-0000001");
    assert_eq!(booked.confirmation, "102-0000001");
    assert_eq!(booked.status, HotelBookingStatus::Confirmed);
    assert_eq!(booked.rate.id, bb.id);
    assert_eq!(booked.rate.price, bb.price);
    assert_eq!(booked.rate.cancellation, bb.cancellation);
    assert_eq!(booked.rate.rooms, bb.rooms);
    assert_eq!(booked.rate.board, Board::Breakfast);
    assert_eq!(booked.hotel.id, "hb_3424");
    assert_eq!(
        booked.hotel.location,
        offer(&results.offers, "hb_3424").hotel.location
    );
    assert!(booked.created_at >= before && near(booked.created_at, Utc::now()));
    assert_eq!(booked.cancelled_at, None);
    let sent = booking_calls(&fake)[0].json();
    assert_eq!(sent["holder"], json!({"name": "Ana", "surname": "Lopez"}));
    assert_eq!(sent["clientReference"], "WF-000123");
    assert_eq!(sent["remark"], "late arrival");
    assert_eq!(
        sent["rooms"][0]["paxes"],
        json!([{"roomId": 1, "type": "AD", "name": "Ana", "surname": "Lopez"},
               {"roomId": 1, "type": "AD"}])
    );
    // Checked first, looked up by client reference before that.
    let calls: Vec<String> = fake
        .seen()
        .iter()
        .skip(1)
        .map(|s| format!("{} {}", s.method, s.path.trim_start_matches(PREFIX)))
        .collect();
    assert_eq!(
        calls,
        ["GET /bookings", "POST /checkrates", "POST /bookings"]
    );

    let read = supplier.get_booking(&booked.id).await.unwrap();
    assert_eq!(read.id, booked.id);
    assert_eq!(read.status, HotelBookingStatus::Confirmed);
    assert_eq!(read.rate.id, "hb_booked_102-0000001");
    assert_eq!(read.rate.price, booked.rate.price);
    assert_eq!(read.rate.cancellation, booked.rate.cancellation);
    assert_eq!(read.rate.rooms, booked.rate.rooms);
    assert_eq!(read.hotel, booked.hotel);
    assert_eq!(read.created_at.date_naive(), Utc::now().date_naive());

    // The quote is the fee due now per the policy, and cancels nothing.
    let quote = supplier.quote_cancellation(&booked.id).await.unwrap();
    assert_eq!(quote.id, "hb_cq_102-0000001");
    assert_eq!(quote.booking_id, booked.id);
    assert_eq!(quote.fee, eur(5_914));
    assert_eq!(quote.refund, eur(12_227 - 5_914));
    assert_eq!(quote.confirmed_at, None);
    assert!(near(quote.expires_at, Utc::now() + TimeDelta::minutes(10)));
    assert_eq!(
        fake.seen().last().unwrap().query["cancellationFlag"],
        "SIMULATION"
    );
    assert_eq!(
        supplier.get_booking(&booked.id).await.unwrap().status,
        HotelBookingStatus::Confirmed
    );

    let confirmed = supplier.confirm_cancellation(&quote.id).await.unwrap();
    assert_eq!(confirmed.id, quote.id);
    assert_eq!((confirmed.fee, confirmed.refund), (quote.fee, quote.refund));
    assert!(confirmed.confirmed_at.is_some_and(|t| near(t, Utc::now())));
    assert_eq!(
        fake.seen().last().unwrap().query["cancellationFlag"],
        "CANCELLATION"
    );
    assert_eq!(
        supplier.get_booking(&booked.id).await.unwrap().status,
        HotelBookingStatus::Cancelled
    );
    // Confirming again answers the cancellation as it was; quoting says it is done.
    let again = supplier.confirm_cancellation(&quote.id).await.unwrap();
    assert_eq!((again.fee, again.refund), (quote.fee, quote.refund));
    assert!(again.confirmed_at.is_some());
    let after = supplier.quote_cancellation(&booked.id).await.unwrap();
    assert!(after.confirmed_at.is_some());
    assert_eq!(fake.world().bookings.len(), 1);
}

#[tokio::test]
async fn a_retried_booking_is_not_booked_twice() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let results = supplier.search(&city_search()).await.unwrap();
    let bb = rate(
        offer(&results.offers, "hb_3424"),
        "DBL.ST",
        Board::Breakfast,
    )
    .clone();
    // A key longer than Hotelbeds takes goes as a 20-character digest.
    let key = "0190f3c2-7d1e-7a51-9a53-2f1c0e4b7a10";
    let first = supplier.book(&booking_request(&bb, key)).await.unwrap();
    let again = supplier.book(&booking_request(&bb, key)).await.unwrap();
    assert_eq!(again.id, first.id);
    assert_eq!(again.rate.id, bb.id);
    assert_eq!(booking_calls(&fake).len(), 1);
    assert_eq!(fake.world().bookings.len(), 1);
    let reference = booking_calls(&fake)[0].json()["clientReference"]
        .as_str()
        .unwrap()
        .to_owned();
    assert_eq!(reference.len(), 20);
    assert!(reference.starts_with("WF"));

    // Another key books again.
    let other = supplier
        .book(&booking_request(&bb, "WF-OTHER-1"))
        .await
        .unwrap();
    assert_ne!(other.id, first.id);
    assert_eq!(fake.world().bookings.len(), 2);
}

#[tokio::test]
async fn a_lost_booking_answer_is_found_by_its_client_reference() {
    let (fake, base) = fake_hotelbeds().await;
    let mut c = config(&base);
    c.booking_timeout = Duration::from_millis(300);
    let supplier = supplier_with(c);
    let results = supplier.search(&city_search()).await.unwrap();
    let bb = rate(
        offer(&results.offers, "hb_3424"),
        "DBL.ST",
        Board::Breakfast,
    )
    .clone();
    // Hotelbeds books, then answers too late.
    fake.world().slow_booking = Some(Duration::from_secs(2));
    let booked = supplier
        .book(&booking_request(&bb, "WF-LOST-1"))
        .await
        .unwrap();
    assert_eq!(booked.id, "hb_bk_102-0000001");
    assert_eq!(booked.status, HotelBookingStatus::Confirmed);
    // A retry finds it too, without booking.
    let retried = supplier
        .book(&booking_request(&bb, "WF-LOST-1"))
        .await
        .unwrap();
    assert_eq!(retried.id, booked.id);
    assert_eq!(booking_calls(&fake).len(), 1);
    assert_eq!(fake.world().bookings.len(), 1);
}

#[tokio::test]
async fn pay_at_hotel_rates_and_wrong_guest_counts_are_refused_before_booking() {
    let (fake, base) = fake_hotelbeds().await;
    let supplier = supplier(&base);
    let results = supplier.search(&city_search()).await.unwrap();
    let palace = offer(&results.offers, "hb_3424");
    let twin = rate(palace, "TWN.ST", Board::Breakfast);
    match supplier.book(&booking_request(twin, "WF-TWIN-1")).await {
        Err(SupplierError::Rejected { code, .. }) => assert_eq!(code, "PAYMENT_DATA_REQUIRED"),
        other => panic!("{other:?}"),
    }
    let bb = rate(palace, "DBL.ST", Board::Breakfast);
    let mut request = booking_request(bb, "WF-GUESTS-1");
    request.room_guests.push(request.holder.clone());
    match supplier.book(&request).await {
        Err(SupplierError::Rejected { code, .. }) => assert_eq!(code, "INVALID_DATA"),
        other => panic!("{other:?}"),
    }
    assert!(booking_calls(&fake).is_empty());
}

// =============================================================================================
// Errors

#[tokio::test]
async fn errors_are_mapped_and_name_our_ids() {
    let (fake, base) = fake_hotelbeds().await;
    let search = city_search();

    let mut wrong = config(&base);
    wrong.secret = "not-the-secret".into();
    assert!(matches!(
        supplier_with(wrong).search(&search).await,
        Err(SupplierError::Authentication { .. })
    ));

    let supplier = supplier(&base);
    for id in ["hb_bk_102-9999999", "hb_bk_", "nope", "hb_bk_../status"] {
        assert_eq!(
            supplier.get_booking(id).await.unwrap_err(),
            SupplierError::NotFound(id.into())
        );
    }
    for id in ["hb_cq_102-9999999", "hb_bk_102-0000001"] {
        assert_eq!(
            supplier.confirm_cancellation(id).await.unwrap_err(),
            SupplierError::NotFound(id.into())
        );
    }
    assert_eq!(
        supplier
            .quote_cancellation("hb_bk_102-9999999")
            .await
            .unwrap_err(),
        SupplierError::NotFound("hb_bk_102-9999999".into())
    );
    for id in ["hb_rate_", "hb_rate_!!", "hb_3424"] {
        assert_eq!(
            supplier.check_rate(id).await.unwrap_err(),
            SupplierError::NotFound(id.into())
        );
    }

    // A product gone at CheckRate is the rate expired, by our id.
    let results = supplier.search(&search).await.unwrap();
    let bb = rate(
        offer(&results.offers, "hb_3424"),
        "DBL.ST",
        Board::Breakfast,
    )
    .clone();
    let key = RateRef::parse(&bb.id).unwrap().rate_keys[0].clone();
    fake.world().gone.insert(key);
    assert_eq!(
        supplier.check_rate(&bb.id).await.unwrap_err(),
        SupplierError::OfferExpired(bb.id.clone())
    );
    assert_eq!(
        supplier
            .book(&booking_request(&bb, "WF-GONE-1"))
            .await
            .unwrap_err(),
        SupplierError::OfferExpired(bb.id.clone())
    );

    let mut slow = config(&base);
    slow.availability_timeout = Duration::from_millis(200);
    fake.world().delay = Some(Duration::from_secs(2));
    assert!(matches!(
        supplier_with(slow).search(&search).await,
        Err(SupplierError::Timeout { .. })
    ));
    fake.world().delay = None;

    fake.world().over_qps = true;
    assert!(matches!(
        supplier.search(&search).await,
        Err(SupplierError::RateLimited { .. })
    ));
}

#[tokio::test]
async fn the_supplier_is_named_and_usable_as_a_trait_object() {
    let (_fake, base) = fake_hotelbeds().await;
    let supplier: Arc<dyn HotelSupplier> = Arc::new(supplier(&base));
    assert_eq!(supplier.name(), "hotelbeds");
    assert_eq!(supplier.search(&city_search()).await.unwrap().total, 2);
}
