//! The Hotelbeds client against the local fake Hotelbeds of `common/hotelbeds_fake.rs`, which
//! checks what Hotelbeds checks and answers as it does (see that module).

mod common;

use std::str::FromStr;
use std::sync::Arc;
use std::time::{Duration, Instant};

use axum::http::Method;
use chrono::{TimeDelta, Utc};
use rust_decimal::Decimal;
use serde_json::{Value, json};
use wayfare_domain::Currency;
use wayfare_suppliers::SupplierError;
use wayfare_suppliers::hotelbeds::wire::{
    self, AvailabilityRequest, BookingListQuery, BookingListStatus, BookingRequest, BookingRoom,
    BookingStatus, CheckRateRequest, Holder, Occupancy, Pax, PaymentType, RateType, Stay,
};
use wayfare_suppliers::hotelbeds::{CancellationFlag, HotelbedsClient};

use common::hotelbeds_fake::*;

fn client(base: &str) -> HotelbedsClient {
    HotelbedsClient::new(config(base)).unwrap()
}

fn skewed_client(base: &str, skew: TimeDelta) -> HotelbedsClient {
    HotelbedsClient::with_clock(config(base), Arc::new(move || Utc::now() + skew)).unwrap()
}

fn stay() -> Stay {
    let check_in = Utc::now().date_naive() + TimeDelta::days(30);
    Stay::new(check_in, check_in + TimeDelta::days(2))
}

fn search(hotels: &[u32]) -> AvailabilityRequest {
    AvailabilityRequest::for_hotels(stay(), vec![Occupancy::new(1, 2, &[])], hotels.to_vec())
}

fn eur(a: wire::Amount) -> i64 {
    a.to_minor(Currency::EUR).unwrap()
}

/// The first rate of `hotel` matching `pred`.
fn find_rate(
    doc: &wire::AvailabilityResponse,
    hotel: u32,
    pred: impl Fn(&wire::Rate) -> bool,
) -> wire::Rate {
    doc.hotels
        .hotels
        .iter()
        .filter(|h| h.code == hotel)
        .flat_map(|h| h.rooms.iter().flat_map(|r| r.rates.iter()))
        .find(|r| pred(r))
        .cloned()
        .expect("rate in the availability")
}

async fn bookable_rate(client: &HotelbedsClient) -> wire::Rate {
    let doc = client.availability(&search(&[3424])).await.unwrap();
    find_rate(&doc, 3424, |r| {
        r.rate_type == RateType::Bookable && r.payment_type == PaymentType::AtWeb
    })
}

fn booking_request(rate_key: &str, client_reference: &str) -> BookingRequest {
    BookingRequest {
        holder: Holder {
            name: "Ana".into(),
            surname: "Lopez".into(),
        },
        rooms: vec![BookingRoom {
            rate_key: rate_key.to_owned(),
            paxes: vec![
                Pax {
                    room_id: Some(1),
                    name: Some("Ana".into()),
                    surname: Some("Lopez".into()),
                    ..Pax::adult()
                },
                Pax {
                    room_id: Some(1),
                    name: Some("Luis".into()),
                    surname: Some("Lopez".into()),
                    ..Pax::adult()
                },
            ],
        }],
        client_reference: client_reference.to_owned(),
        remark: Some("late arrival".into()),
        tolerance: Some("2.00".parse().unwrap()),
        language: None,
    }
}

// =============================================================================================
// Transport: signing, headers, compression

#[tokio::test]
async fn every_request_is_signed_and_carries_the_documented_headers() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    client.status().await.unwrap();
    let rate = bookable_rate(&client).await;
    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-HDR-1"))
        .await
        .unwrap();
    client
        .cancel(&booked.booking.reference, CancellationFlag::Simulation)
        .await
        .unwrap();

    let seen = fake.seen();
    assert_eq!(seen.len(), 4);
    let now = Utc::now().timestamp();
    for s in &seen {
        assert!(s.path.starts_with("/hotel-api/1.0/"), "{}", s.path);
        assert_eq!(s.header("api-key"), Some(API_KEY));
        let sig = s.header("x-signature").unwrap();
        assert_eq!(sig.len(), 64);
        assert!(
            sig.bytes()
                .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b))
        );
        assert!(
            (now - 30..=now).any(|t| expected_signature(API_KEY, SECRET, t) == sig),
            "signed with the current second"
        );
        assert_eq!(s.header("accept"), Some("application/json"));
        assert!(s.header("accept-encoding").unwrap().contains("gzip"));
        let has_body = s.method == Method::POST;
        assert_eq!(
            s.header("content-type") == Some("application/json"),
            has_body,
            "{} {}",
            s.method,
            s.path
        );
    }
    let paths: Vec<String> = seen
        .iter()
        .map(|s| format!("{} {}", s.method, s.path))
        .collect();
    assert_eq!(
        paths,
        [
            "GET /hotel-api/1.0/status".to_owned(),
            "POST /hotel-api/1.0/hotels".to_owned(),
            "POST /hotel-api/1.0/bookings".to_owned(),
            format!(
                "DELETE /hotel-api/1.0/bookings/{}",
                booked.booking.reference
            ),
        ]
    );
    assert_eq!(seen[3].query["cancellationFlag"], "SIMULATION");
    assert_eq!(seen[3].query["language"], "ENG");
}

#[tokio::test]
async fn answers_are_gzip_compressed_and_read() {
    let (fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    assert_eq!(doc.hotels.hotels.len(), 2);
    assert_eq!(fake.world().gzipped, 1, "the fake compressed the answer");
    assert_eq!(
        doc.audit_data.unwrap().token.as_deref(),
        Some("FAKE-TOKEN-00001")
    );
}

#[tokio::test]
async fn a_wrong_secret_or_an_unknown_key_is_an_authentication_error() {
    let (fake, base) = fake_hotelbeds().await;
    let mut wrong_secret = config(&base);
    wrong_secret.secret = "not-the-secret".into();
    let mut wrong_key = config(&base);
    wrong_key.api_key = "someone-else".into();
    for c in [wrong_secret, wrong_key] {
        let err = HotelbedsClient::new(c)
            .unwrap()
            .availability(&search(&[3424]))
            .await
            .unwrap_err();
        assert!(
            matches!(err, SupplierError::Authentication { ref supplier } if supplier == "hotelbeds"),
            "{err:?}"
        );
    }
    assert_eq!(fake.seen().len(), 2);
}

#[tokio::test]
async fn a_clock_more_than_five_minutes_off_is_refused_and_a_small_skew_is_not() {
    let (_fake, base) = fake_hotelbeds().await;
    for skew in [TimeDelta::minutes(-10), TimeDelta::minutes(6)] {
        let err = skewed_client(&base, skew).status().await.unwrap_err();
        assert!(
            matches!(err, SupplierError::Authentication { .. }),
            "{skew}: {err:?}"
        );
    }
    for skew in [TimeDelta::minutes(-4), TimeDelta::minutes(4)] {
        skewed_client(&base, skew).status().await.unwrap();
    }
}

/// The fake itself, spoken to directly: it refuses what Hotelbeds refuses.
#[tokio::test]
async fn the_fake_refuses_what_hotelbeds_refuses() {
    let (_fake, base) = fake_hotelbeds().await;
    let http = reqwest::Client::new();
    let url = |p: &str| format!("{base}{PREFIX}{p}");
    let signed = |rb: reqwest::RequestBuilder, secret: &str| {
        let t = Utc::now().timestamp();
        rb.header("Api-key", API_KEY)
            .header("X-Signature", expected_signature(API_KEY, secret, t))
            .header("Accept", "application/json")
    };
    let send = |rb: reqwest::RequestBuilder| async move {
        let r = rb.send().await.unwrap();
        let status = r.status().as_u16();
        (status, r.text().await.unwrap())
    };

    let (status, body) = send(http.get(url("/status"))).await;
    assert_eq!((status, body.contains("Authentication")), (401, true));
    let (status, body) = send(signed(http.get(url("/status")), "wrong")).await;
    assert_eq!((status, body.as_str()), (403, "<h1>Not Authorized</h1>"));
    let (status, body) = send(
        http.get(url("/status"))
            .header("Api-key", "unknown")
            .header("X-Signature", "00"),
    )
    .await;
    assert_eq!(
        (status, body.as_str()),
        (403, "<h1>Developer Inactive</h1>")
    );
    let t = Utc::now().timestamp();
    let (status, _) = send(
        http.get(url("/status"))
            .header("Api-key", API_KEY)
            .header("X-Signature", expected_signature(API_KEY, SECRET, t))
            .header("Accept", "text/html"),
    )
    .await;
    assert_eq!(status, 406);
    let (status, _) = send(
        signed(http.post(url("/hotels")), SECRET)
            .header("Content-Type", "text/plain")
            .body("{}"),
    )
    .await;
    assert_eq!(status, 415);

    let post = |path: &str, body: &str| {
        signed(http.post(url(path)), SECRET)
            .header("Content-Type", "application/json")
            .body(body.to_owned())
    };
    let code_of = |body: &str| -> String {
        let v: Value = serde_json::from_str(body).unwrap();
        assert!(v.get("auditData").is_some(), "errors carry auditData");
        v["error"]["code"].as_str().unwrap().to_owned()
    };
    let cases = [
        ("/hotels", "{\"stay\": ", 400, "INVALID_REQUEST"),
        (
            "/hotels",
            r#"{"occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_REQUEST",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-02", "checkOut": "2030-01-01"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_DATA",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-01", "checkOut": "2030-01-02"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 1}], "hotels": {"hotel": [1]}}"#,
            400,
            "INVALID_DATA",
        ),
        (
            "/hotels",
            r#"{"stay": {"checkIn": "2030-01-01", "checkOut": "2030-01-02"}, "occupancies": [{"rooms": 1, "adults": 2, "children": 0}], "hotels": {"hotel": [1]}, "destination": {"code": "PMI"}}"#,
            400,
            "INVALID_DATA",
        ),
        ("/checkrates", r#"{"rooms": []}"#, 400, "INVALID_REQUEST"),
        (
            "/bookings",
            r#"{"holder": {"name": "A", "surname": "B"}, "rooms": [{"rateKey": "x"}]}"#,
            400,
            "INVALID_REQUEST",
        ),
        (
            "/bookings",
            r#"{"holder": {"name": "A", "surname": "B"}, "rooms": [{"rateKey": "x"}], "clientReference": "123456789012345678901"}"#,
            400,
            "INVALID_DATA",
        ),
    ];
    for (path, body, want_status, want_code) in cases {
        let (status, answer) = send(post(path, body)).await;
        assert_eq!(
            (status, code_of(&answer).as_str()),
            (want_status, want_code),
            "{path} {body}"
        );
    }
    let (status, _) = send(signed(http.get(url("/bookings?start=2030-01-01")), SECRET)).await;
    assert_eq!(status, 400);
}

// =============================================================================================
// Availability

#[tokio::test]
async fn the_availability_request_carries_stay_occupancies_and_filters() {
    let (fake, base) = fake_hotelbeds().await;
    let mut request =
        AvailabilityRequest::for_hotels(stay(), vec![Occupancy::new(1, 2, &[6, 9])], vec![3424]);
    request.filter = Some(wire::Filter {
        payment_type: Some(wire::PaymentTypeFilter::AtWeb),
        max_rates_per_room: Some(3),
        min_rate: Some("50.5".parse().unwrap()),
        ..wire::Filter::default()
    });
    request.boards = Some(wire::BoardsFilter {
        board: vec!["BB".into()],
        included: true,
    });
    request.source_market = Some("ES".into());
    request.language = Some("ENG".into());
    let doc = client(&base).availability(&request).await.unwrap();

    let sent = fake.seen()[0].json();
    let s = stay();
    assert_eq!(
        sent,
        json!({
            "stay": {"checkIn": s.check_in.to_string(), "checkOut": s.check_out.to_string()},
            "occupancies": [{"rooms": 1, "adults": 2, "children": 2,
                "paxes": [{"type": "CH", "age": 6}, {"type": "CH", "age": 9}]}],
            "hotels": {"hotel": [3424]},
            "filter": {"maxRatesPerRoom": 3, "minRate": 50.5, "paymentType": "AT_WEB"},
            "boards": {"board": ["BB"], "included": true},
            "sourceMarket": "ES",
            "language": "ENG"
        })
    );
    // The filters applied: only the BB rate paid at the web is left.
    let rates: Vec<&wire::Rate> = doc.hotels.hotels[0]
        .rooms
        .iter()
        .flat_map(|r| r.rates.iter())
        .collect();
    assert_eq!(rates.len(), 1);
    assert_eq!(rates[0].board_code.as_deref(), Some("BB"));
    assert_eq!(rates[0].payment_type, PaymentType::AtWeb);
    assert_eq!(rates[0].children, Some(2));
    assert_eq!(rates[0].children_ages, vec![6, 9]);
}

#[tokio::test]
async fn availability_is_read_with_both_rate_types_policies_taxes_and_offers() {
    let (_fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    let s = stay();
    assert_eq!(doc.hotels.check_in, Some(s.check_in));
    assert_eq!(doc.hotels.total, 2);
    let aveiro = doc.hotels.hotels.iter().find(|h| h.code == 3424).unwrap();
    assert_eq!(aveiro.name.as_deref(), Some("Fake Aveiro Palace"));
    assert_eq!(aveiro.currency, "EUR");
    assert_eq!(aveiro.category_code.as_deref(), Some("4EST"));
    assert_eq!(aveiro.zone_code, Some(60));
    assert_eq!(
        aveiro.latitude,
        Some(Decimal::from_str("40.6405055").unwrap())
    );
    assert_eq!(
        aveiro
            .rooms
            .iter()
            .map(|r| r.code.as_str())
            .collect::<Vec<_>>(),
        ["DBL.ST", "TWN.ST"]
    );

    let nor = find_rate(&doc, 3424, |r| {
        r.rate_class.as_deref() == Some("NOR")
            && r.board_code.as_deref() == Some("BB")
            && r.payment_type == PaymentType::AtWeb
    });
    assert_eq!(nor.rate_type, RateType::Bookable);
    assert_eq!(nor.allotment, Some(5));
    assert_eq!(nor.packaging, Some(false));
    assert_eq!(
        (nor.rooms, nor.adults, nor.children),
        (Some(1), Some(2), Some(0))
    );
    assert!(nor.rate_key.contains("|3424|DBL.ST|"));
    assert_eq!(nor.cancellation_policies.len(), 2);
    let first = &nor.cancellation_policies[0];
    assert_eq!(eur(first.amount), 5_914);
    assert_eq!(
        first.from.offset().local_minus_utc(),
        3600,
        "the hotel's offset is kept"
    );
    assert_eq!(first.from.date_naive(), s.check_in - TimeDelta::days(7));
    let taxes = nor.taxes.as_ref().unwrap();
    assert_eq!(taxes.all_included, Some(false));
    assert_eq!(taxes.taxes[0].kind, Some(wire::TaxType::Tax));
    assert_eq!(taxes.taxes[0].included, Some(false));
    assert_eq!(eur(taxes.taxes[0].amount.unwrap()), 400);

    let nrf = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    assert_eq!(nrf.rate_class.as_deref(), Some("NRF"));
    assert_eq!(nrf.hotel_mandatory, Some(true));
    assert_eq!(nrf.promotions[0].code.as_deref(), Some("055"));
    assert_eq!(nrf.offers[0].name.as_deref(), Some("Early booking"));

    let at_hotel = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    assert_eq!(at_hotel.allotment, Some(2));

    let palma = doc.hotels.hotels.iter().find(|h| h.code == 168).unwrap();
    assert_eq!(palma.currency, "JPY");
    assert_eq!(palma.destination_code.as_deref(), Some("PMI"));

    // By destination instead of hotel codes.
    let mut by_destination = search(&[]);
    by_destination.hotels = None;
    by_destination.destination = Some(wire::Destination {
        code: "PMI".into(),
        zone: None,
    });
    let doc = client(&base).availability(&by_destination).await.unwrap();
    let codes: Vec<u32> = doc.hotels.hotels.iter().map(|h| h.code).collect();
    assert_eq!(codes, [168]);
}

#[tokio::test]
async fn money_is_read_exactly_into_integer_minor_units() {
    let (_fake, base) = fake_hotelbeds().await;
    let doc = client(&base)
        .availability(&search(&[3424, 168]))
        .await
        .unwrap();
    let nrf = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    // "123.45" as a string.
    assert_eq!(eur(nrf.net), 12_345);
    assert_eq!(eur(nrf.selling_rate.unwrap()), 15_010);
    assert_eq!(eur(nrf.offers[0].amount.unwrap()), -1_235);
    // 99.5 as a JSON number.
    let twin = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    assert_eq!(eur(twin.net), 9_950);
    let aveiro = doc.hotels.hotels.iter().find(|h| h.code == 3424).unwrap();
    assert_eq!(eur(aveiro.min_rate.unwrap()), 9_950);
    assert_eq!(eur(aveiro.max_rate.unwrap()), 12_345);
    // A currency without minor units.
    let palma_rate = find_rate(&doc, 168, |_| true);
    assert_eq!(palma_rate.net.to_minor(Currency::JPY), Ok(15_300));
    let money = nrf.net.to_money(Currency::EUR).unwrap();
    assert_eq!((money.minor(), money.currency()), (12_345, Currency::EUR));
}

#[tokio::test]
async fn requests_outside_the_documented_limits_are_not_sent() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let mut nowhere = search(&[3424]);
    nowhere.hotels = None;
    let mut long_ref = booking_request("some-key", "WF-TOO-LONG-REFERENCE");
    long_ref.client_reference = "X".repeat(21);
    let mut bad_page = BookingListQuery::new(stay().check_in, stay().check_out, 1, 10);
    bad_page.to = 0;
    let errors = [
        client.availability(&nowhere).await.unwrap_err(),
        client.book(&long_ref).await.unwrap_err(),
        client
            .check_rates(&CheckRateRequest {
                rooms: vec![],
                upselling: None,
                language: None,
            })
            .await
            .unwrap_err(),
        client.bookings(&bad_page).await.unwrap_err(),
    ];
    for e in errors {
        match e {
            SupplierError::Rejected { code, message, .. } => {
                assert_eq!(code, "INVALID_DATA");
                assert!(message.starts_with("not sent: "), "{message}");
            }
            other => panic!("{other:?}"),
        }
    }
    assert!(fake.seen().is_empty(), "nothing reached Hotelbeds");
}

// =============================================================================================
// CheckRate and booking

#[tokio::test]
async fn a_recheck_rate_is_checked_once_at_a_new_price_and_key_then_booked() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let recheck = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    assert_eq!(eur(recheck.net), 12_345);

    let checked = client
        .check_rates(&CheckRateRequest::one(&recheck.rate_key))
        .await
        .unwrap();
    assert_eq!(checked.hotel.code, 3424);
    assert_eq!(checked.hotel.currency, "EUR");
    let rate = checked.rates().next().unwrap().clone();
    assert_ne!(rate.rate_key, recheck.rate_key, "book with the new key");
    assert_eq!(rate.rate_type, RateType::Bookable);
    assert_eq!(eur(rate.net), 12_580, "the price changed");
    assert!(rate.rate_comments.as_deref().unwrap().contains("14:00"));

    // Checked again, the price holds.
    let again = client
        .check_rates(&CheckRateRequest::one(&rate.rate_key))
        .await
        .unwrap();
    let same = again.rates().next().unwrap();
    assert_eq!(
        (same.rate_key.as_str(), eur(same.net)),
        (rate.rate_key.as_str(), 12_580)
    );

    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-NRF-1"))
        .await
        .unwrap()
        .booking;
    assert_eq!(booked.status, BookingStatus::Confirmed);
    assert_eq!(eur(booked.total_net), 12_580);
    // Non-refundable: a simulation says cancelling costs everything.
    let quote = client
        .cancel(&booked.reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(eur(quote.cancellation_amount().unwrap()), 12_580);
    assert_eq!(quote.status, BookingStatus::Confirmed);
}

#[tokio::test]
async fn a_recheck_rate_cannot_be_booked_unchecked() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let recheck = find_rate(&doc, 3424, |r| r.rate_type == RateType::Recheck);
    let err = client
        .book(&booking_request(&recheck.rate_key, "WF-NRF-2"))
        .await
        .unwrap_err();
    match err {
        SupplierError::Rejected { code, message, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert!(message.contains("CheckRate"), "{message}");
            assert!(message.contains("(audit token FAKE-TOKEN-"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn book_read_simulate_then_cancel() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let booked = client
        .book(&booking_request(&rate.rate_key, "WF-000123"))
        .await
        .unwrap()
        .booking;
    assert_eq!(booked.status, BookingStatus::Confirmed);
    assert!(booked.reference.starts_with("102-"));
    assert_eq!(booked.client_reference.as_deref(), Some("WF-000123"));
    assert_eq!(booked.creation_date, Some(Utc::now().date_naive()));
    assert_eq!(booked.currency, "EUR");
    assert_eq!(eur(booked.total_net), 11_827);
    assert_eq!(eur(booked.pending_amount.unwrap()), 11_827);
    assert_eq!(booked.remark.as_deref(), Some("late arrival"));
    assert!(booked.modification_policies.unwrap().cancellation);
    let hotel = booked.hotel.as_ref().unwrap();
    assert_eq!((hotel.code, hotel.check_in), (3424, Some(stay().check_in)));
    assert_eq!(hotel.rooms[0].status, Some(BookingStatus::Confirmed));
    assert_eq!(hotel.rooms[0].paxes.len(), 2);
    assert_eq!(hotel.rooms[0].rates[0].cancellation_policies.len(), 2);
    assert_eq!(
        hotel.supplier.as_ref().unwrap().vat_number.as_deref(),
        Some("ESX0000000X")
    );
    let sent = fake.seen().last().unwrap().json();
    assert_eq!(sent["tolerance"], json!(2));
    assert_eq!(
        sent["rooms"][0]["paxes"][0],
        json!({"roomId": 1, "type": "AD", "name": "Ana", "surname": "Lopez"})
    );

    let read = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(read, booked);

    // A simulation gives the fee (none yet: the first policy starts a week before check-in)
    // and changes nothing.
    let simulated = client
        .cancel(&booked.reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(simulated.status, BookingStatus::Confirmed);
    assert_eq!(eur(simulated.cancellation_amount().unwrap()), 0);
    assert_eq!(simulated.cancellation_reference, None);
    let still = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(still.status, BookingStatus::Confirmed);

    let cancelled = client
        .cancel(&booked.reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    assert_eq!(cancelled.status, BookingStatus::Cancelled);
    assert_eq!(
        cancelled.cancellation_reference.as_deref(),
        Some(format!("C-{}", booked.reference).as_str())
    );
    assert_eq!(eur(cancelled.cancellation_amount().unwrap()), 0);
    assert_eq!(
        cancelled.hotel.as_ref().unwrap().rooms[0].status,
        Some(BookingStatus::Cancelled)
    );
    let read = client.booking(&booked.reference).await.unwrap().booking;
    assert_eq!(read.status, BookingStatus::Cancelled);
    let last = fake.seen().into_iter().rev().nth(1).unwrap();
    assert_eq!(last.method, Method::DELETE);
    assert_eq!(last.query["cancellationFlag"], "CANCELLATION");
}

#[tokio::test]
async fn cancelling_twice_answers_the_cancelled_booking_again() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let reference = client
        .book(&booking_request(&rate.rate_key, "WF-TWICE"))
        .await
        .unwrap()
        .booking
        .reference;
    let first = client
        .cancel(&reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    let second = client
        .cancel(&reference, CancellationFlag::Cancellation)
        .await
        .unwrap()
        .booking;
    assert_eq!(first, second);
    let simulated = client
        .cancel(&reference, CancellationFlag::Simulation)
        .await
        .unwrap()
        .booking;
    assert_eq!(simulated.status, BookingStatus::Cancelled);
}

#[tokio::test]
async fn bookings_are_listed_by_client_reference_status_and_page() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    let mut references = vec![];
    for client_reference in ["WF-LIST-1", "WF-LIST-2", "WF-LIST-3"] {
        let b = client
            .book(&booking_request(&rate.rate_key, client_reference))
            .await
            .unwrap();
        references.push(b.booking.reference);
    }
    client
        .cancel(&references[1], CancellationFlag::Cancellation)
        .await
        .unwrap();
    let today = Utc::now().date_naive();

    let mut by_ref = BookingListQuery::new(today, today, 1, 25);
    by_ref.client_reference = Some("WF-LIST-2".into());
    let found = client.bookings(&by_ref).await.unwrap().bookings;
    assert_eq!(found.total, 1);
    assert_eq!(found.bookings[0].reference, references[1]);
    assert_eq!(found.bookings[0].status, BookingStatus::Cancelled);
    let q = fake.seen().last().unwrap().query.clone();
    assert_eq!(q["start"], today.to_string());
    assert_eq!((q["from"].as_str(), q["to"].as_str()), ("1", "25"));
    assert_eq!(q["clientReference"], "WF-LIST-2");

    let mut confirmed = BookingListQuery::new(today, today, 1, 25);
    confirmed.status = Some(BookingListStatus::Confirmed);
    confirmed.filter_type = Some(wire::BookingListFilterType::Creation);
    let list = client.bookings(&confirmed).await.unwrap().bookings;
    assert_eq!(list.total, 2);
    assert_eq!(fake.seen().last().unwrap().query["filterType"], "CREATION");

    let page_two = client
        .bookings(&BookingListQuery::new(today, today, 2, 2))
        .await
        .unwrap()
        .bookings;
    assert_eq!((page_two.total, page_two.bookings.len()), (3, 1));
    assert_eq!(page_two.bookings[0].reference, references[1]);

    let mut by_checkin = BookingListQuery::new(stay().check_in, stay().check_in, 1, 25);
    by_checkin.filter_type = Some(wire::BookingListFilterType::Checkin);
    assert_eq!(
        client.bookings(&by_checkin).await.unwrap().bookings.total,
        3
    );
}

#[tokio::test]
async fn an_unknown_or_malformed_reference_is_not_found() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    assert_eq!(
        client.booking("999-0000001").await.unwrap_err(),
        SupplierError::NotFound("999-0000001".into())
    );
    assert_eq!(
        client
            .cancel("999-0000001", CancellationFlag::Simulation)
            .await
            .unwrap_err(),
        SupplierError::NotFound("999-0000001".into())
    );
    assert_eq!(fake.seen().len(), 2);
    for bad in ["../status", "1/2", "", "a b"] {
        assert_eq!(
            client.booking(bad).await.unwrap_err(),
            SupplierError::NotFound(bad.into())
        );
    }
    assert_eq!(fake.seen().len(), 2, "malformed references are never sent");
}

#[tokio::test]
async fn an_at_hotel_rate_needs_payment_data() {
    let (_fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let doc = client.availability(&search(&[3424])).await.unwrap();
    let at_hotel = find_rate(&doc, 3424, |r| r.payment_type == PaymentType::AtHotel);
    match client
        .book(&booking_request(&at_hotel.rate_key, "WF-CARD"))
        .await
        .unwrap_err()
    {
        SupplierError::Rejected { code, .. } => assert_eq!(code, "PAYMENT_DATA_REQUIRED"),
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn a_product_gone_is_offer_expired_also_when_the_request_is_repeated() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let rate = bookable_rate(&client).await;
    fake.world().gone.insert(rate.rate_key.clone());
    assert_eq!(
        client
            .check_rates(&CheckRateRequest::one(&rate.rate_key))
            .await
            .unwrap_err(),
        SupplierError::OfferExpired(rate.rate_key.clone())
    );
    let request = booking_request(&rate.rate_key, "WF-GONE");
    assert_eq!(
        client.book(&request).await.unwrap_err(),
        SupplierError::OfferExpired(rate.rate_key.clone())
    );
    // Hotelbeds answers 410 to the same request within 15 minutes: the product is still gone.
    assert_eq!(
        client.book(&request).await.unwrap_err(),
        SupplierError::OfferExpired(rate.rate_key.clone())
    );
    assert_eq!(
        fake.seen().last().unwrap().path,
        format!("{PREFIX}/bookings"),
        "it was sent, and answered 410"
    );
}

#[tokio::test]
async fn an_unknown_rate_key_is_rejected_with_hotelbeds_code() {
    let (_fake, base) = fake_hotelbeds().await;
    match client(&base)
        .check_rates(&CheckRateRequest::one(
            "20300101|20300102|W|1|1|X|Y|Z||1~1~0||N@05~~",
        ))
        .await
        .unwrap_err()
    {
        SupplierError::Rejected {
            supplier,
            code,
            message,
        } => {
            assert_eq!(
                (supplier.as_str(), code.as_str()),
                ("hotelbeds", "INVALID_DATA")
            );
            assert!(message.starts_with("Invalid rateKey"), "{message}");
        }
        other => panic!("{other:?}"),
    }
}

// =============================================================================================
// Failures

#[tokio::test]
async fn throttling_quota_and_429_are_rate_limited() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let limited = |r: Result<(), SupplierError>| {
        assert!(matches!(r, Err(SupplierError::RateLimited { .. })), "{r:?}")
    };
    fake.world().over_qps = true;
    limited(client.status().await);
    fake.world().over_qps = false;
    fake.world().too_many_requests = true;
    limited(client.status().await);
    fake.world().too_many_requests = false;
    // An evaluation key's daily quota, reached after two more calls.
    fake.world().quota_left = Some(2);
    client.status().await.unwrap();
    client.status().await.unwrap();
    limited(client.status().await);
    limited(client.availability(&search(&[3424])).await.map(|_| ()));
}

#[tokio::test]
async fn a_slow_hotelbeds_is_a_timeout() {
    let (fake, base) = fake_hotelbeds().await;
    let mut c = config(&base);
    c.availability_timeout = Duration::from_millis(300);
    let client = HotelbedsClient::new(c).unwrap();
    fake.world().delay = Some(Duration::from_secs(5));
    let started = Instant::now();
    let err = client.availability(&search(&[3424])).await.unwrap_err();
    assert_eq!(
        err,
        SupplierError::Timeout {
            supplier: "hotelbeds".into()
        }
    );
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn malformed_bodies_are_protocol_errors_not_panics() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    let no_rate_key = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateType": "BOOKABLE", "net": "1.00", "paymentType": "AT_WEB"}]}]}]}});
    let bad_amount = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateKey": "k", "rateType": "BOOKABLE", "net": "1.2.3", "paymentType": "AT_WEB"}]}]}]}});
    let bad_policy = json!({"hotels": {"total": 1, "hotels": [{"code": 1, "currency": "EUR",
        "rooms": [{"code": "DBL", "rates": [{"rateKey": "k", "rateType": "BOOKABLE", "net": "1.00", "paymentType": "AT_WEB",
            "cancellationPolicies": [{"amount": "1.00", "from": "tomorrow"}]}]}]}]}});
    let cases: Vec<RawAnswer> = vec![
        raw(200, "application/json", b"{not json"),
        raw(200, "application/json", b""),
        raw(200, "text/html", b"<html>maintenance</html>"),
        raw(200, "application/json", b"[1, 2, 3]"),
        raw(200, "application/json", br#"{"hotels": "none"}"#),
        raw(200, "application/json", no_rate_key.to_string().as_bytes()),
        raw(200, "application/json", bad_amount.to_string().as_bytes()),
        raw(200, "application/json", bad_policy.to_string().as_bytes()),
        RawAnswer {
            lying_gzip: true,
            ..raw(200, "application/json", b"{\"hotels\": {}}")
        },
        raw(400, "application/json", b"{\"error\": 12"),
    ];
    for case in cases {
        let shown = String::from_utf8_lossy(&case.body).into_owned();
        let status = case.status;
        fake.world().raw = Some(case);
        let err = client.availability(&search(&[3424])).await.unwrap_err();
        let ok = match status {
            200 => matches!(err, SupplierError::Protocol { .. }),
            _ => matches!(err, SupplierError::Rejected { ref code, .. } if code == "HTTP_400"),
        };
        assert!(ok, "{shown}: {err:?}");
    }
    // An error document with a 200 status is still an error.
    fake.world().raw = Some(raw(
        200,
        "application/json",
        br#"{"auditData": {"token": "T1"}, "error": {"code": "INVALID_DATA", "message": "No hotels"}}"#,
    ));
    match client.availability(&search(&[3424])).await.unwrap_err() {
        SupplierError::Rejected { code, message, .. } => {
            assert_eq!(code, "INVALID_DATA");
            assert_eq!(message, "No hotels (audit token T1)");
        }
        other => panic!("{other:?}"),
    }
}

#[tokio::test]
async fn gateway_and_server_errors_are_unavailable() {
    let (fake, base) = fake_hotelbeds().await;
    let client = client(&base);
    for case in [
        raw(502, "text/html", b"<h1>Bad Gateway</h1>"),
        raw(503, "text/plain", b""),
        raw(500, "text/plain", b"Internal Server Error"),
    ] {
        fake.world().raw = Some(case);
        let err = client.availability(&search(&[3424])).await.unwrap_err();
        assert!(matches!(err, SupplierError::Unavailable { .. }), "{err:?}");
    }
    // A Hotelbeds 500 on a search is a refusal, not an outage.
    fake.world().raw = Some(raw(
        500,
        "application/json",
        br#"{"error": {"code": "SYSTEM_ERROR", "message": "try later"}}"#,
    ));
    let err = client.availability(&search(&[3424])).await.unwrap_err();
    assert!(
        matches!(err, SupplierError::Rejected { ref code, .. } if code == "SYSTEM_ERROR"),
        "{err:?}"
    );
}

#[tokio::test]
async fn an_unreachable_hotelbeds_is_unavailable() {
    let port = {
        let l = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        l.local_addr().unwrap().port()
    };
    let err = client(&format!("http://127.0.0.1:{port}"))
        .status()
        .await
        .unwrap_err();
    assert!(matches!(err, SupplierError::Unavailable { .. }), "{err:?}");
}
