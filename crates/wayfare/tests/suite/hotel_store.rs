//! The built-in hotels in the real app's database (SQLite, or PostgreSQL with
//! WAYFARE_TEST_DATABASE_URL): listings round-trip exactly, the SQL radius baseline finds
//! exactly what a brute-force scan finds, seeding is idempotent, the demo has hotels where
//! visitors look first, and rooms sold are read back.

use std::collections::{BTreeSet, HashMap};

use chrono::{Duration, NaiveDate};
use wayfare::{hotels, seed};
use wayfare_domain::hotel::{
    Amenities, Amenity, CancellationCharge, CancellationPolicy, CancellationTier, GeoPoint,
    HotelListing, Payment, PropertyId, RoomTypeCode,
};
use wayfare_domain::{Currency, Money};
use wayfare_store::Store;
use wayfare_store::hotels::HotelReferenceData;
use wayfare_store::sea_orm::ConnectionTrait;
use wayfare_suppliers::builtin::hotels::{HotelInputs, HotelParams, generate_hotels};
use wayfare_testkit::{is_postgres, spawn_app};

const SHANGHAI: i64 = 1796236;
const BEIJING: i64 = 1816670;

fn day() -> NaiveDate {
    NaiveDate::from_ymd_opt(2026, 12, 1).unwrap()
}

async fn generated(store: &Store, count: u32) -> Vec<HotelListing> {
    let inputs = HotelInputs::from_reference(
        &store.cities().await.unwrap(),
        &HotelReferenceData::load().unwrap(),
    );
    let params = HotelParams {
        count,
        seed: hotels::HOTEL_SEED,
        today: day(),
        currency: None,
    };
    generate_hotels(&inputs.cities, &inputs.brands, &inputs.landmarks, &params)
}

/// A listing using what the generator does not: other currencies, fixed-amount tiers, a plan
/// on another room type, no stars, no reviews, every amenity bit.
fn unusual(mut l: HotelListing) -> HotelListing {
    l.property.id = PropertyId(99_000_000_000_001);
    l.property.stars = None;
    l.property.reviews.score = None;
    l.property.reviews.count = 0;
    l.property.amenities = Amenity::ALL.iter().copied().collect::<Amenities>();
    l.property.taxes.per_room_night = Some(Money::from_minor(1_250, Currency::EUR));
    let other_room = l.rooms[1].room.code;
    let plan = &mut l.rooms[0].plans[0].plan;
    plan.currency = Currency::USD;
    plan.payment = Payment::PayAtHotel;
    plan.member_only = true;
    plan.room_type = other_room;
    plan.cancellation = CancellationPolicy::tiered(vec![
        CancellationTier {
            hours_before: 96,
            charge: CancellationCharge::Amount(Money::from_minor(5_000, Currency::USD)),
        },
        CancellationTier {
            hours_before: 12,
            charge: CancellationCharge::Percent { permille: 1000 },
        },
    ])
    .unwrap();
    l.rooms[0].room.size_m2 = None;
    l
}

#[tokio::test]
async fn listings_round_trip_exactly() {
    let app = spawn_app().await;
    let store = app.state.store();
    let mut listings = generated(store, 2_000).await;
    listings.push(unusual(listings[0].clone()));
    assert_eq!(store.replace_hotels(&listings).await.unwrap(), 2_001);
    assert_eq!(store.hotel_count().await.unwrap(), 2_001);
    let back = store.hotel_listings().await.unwrap();
    assert_eq!(back.len(), listings.len());
    for (a, b) in listings.iter().zip(&back) {
        assert_eq!(a, b, "hotel {}", a.property.id);
    }
    let one = &listings[1_234];
    assert_eq!(
        store
            .hotel_listing(one.property.id.0 as i64)
            .await
            .unwrap()
            .as_ref(),
        Some(one)
    );
    assert_eq!(store.hotel_listing(1).await.unwrap(), None);
    // Paging covers every hotel once.
    let first = store.hotel_listings_after(None, 700).await.unwrap();
    let after = first.last().unwrap().property.id.0 as i64;
    let second = store.hotel_listings_after(Some(after), 700).await.unwrap();
    assert_eq!(first.len(), 700);
    assert_eq!(second[0], listings[700]);
    app.stop().await;
}

#[tokio::test]
async fn the_radius_baseline_finds_exactly_what_a_scan_finds() {
    let app = spawn_app().await;
    let store = app.state.store();
    if !is_postgres() {
        let row = store
            .db()
            .query_one_raw(wayfare_store::sea_orm::Statement::from_string(
                wayfare_store::sea_orm::DbBackend::Sqlite,
                "SELECT sqlite_compileoption_used('ENABLE_RTREE') AS rtree",
            ))
            .await
            .unwrap()
            .unwrap();
        assert_eq!(row.try_get::<i32>("", "rtree").unwrap(), 1);
    }
    let mut listings = generated(store, 4_000).await;
    // Hotels on both sides of the antimeridian (Fiji) and near the pole.
    let template = listings[0].clone();
    for (i, (lat, lon)) in [
        (-17.70, 179.99),
        (-17.71, -179.99),
        (-17.72, 179.97),
        (-17.69, -179.80),
        (89.95, 10.0),
        (89.96, -170.0),
    ]
    .into_iter()
    .enumerate()
    {
        let mut l = template.clone();
        l.property.id = PropertyId(99_100_000_000_000 + i as u64);
        l.property.location = GeoPoint::new(lat, lon).unwrap();
        listings.push(l);
    }
    store.replace_hotels(&listings).await.unwrap();
    let all = store.hotel_listings().await.unwrap();
    let pool = Amenities::EMPTY.with(Amenity::Pool);
    let gym_wifi = Amenities::EMPTY.with(Amenity::Gym).with(Amenity::Wifi);
    let centres = [
        (31.2304, 121.4737, "Shanghai"),
        (39.9042, 116.4074, "Beijing"),
        (48.8566, 2.3522, "Paris"),
        (35.6762, 139.6503, "Tokyo"),
        (-17.70, 180.0, "antimeridian"),
        (89.99, 0.0, "pole"),
    ];
    let mut checked = 0;
    let mut found = 0;
    for (lat, lon, name) in centres {
        let centre = GeoPoint::new(lat, lon).unwrap();
        for radius in [0.5, 3.0, 15.0, 60.0] {
            for stars in [&[][..], &[4, 5][..], &[2][..]] {
                for amenities in [Amenities::EMPTY, pool, gym_wifi] {
                    let sql: Vec<u64> = store
                        .hotels_in_radius_sql(centre, radius, stars, amenities.bits())
                        .await
                        .unwrap()
                        .iter()
                        .map(|l| l.property.id.0)
                        .collect();
                    let scan: Vec<u64> = all
                        .iter()
                        .filter(|l| l.property.location.distance_km(centre) <= radius)
                        .filter(|l| {
                            stars.is_empty()
                                || l.property.stars.is_some_and(|s| stars.contains(&s.get()))
                        })
                        .filter(|l| l.property.amenities.contains_all(amenities))
                        .map(|l| l.property.id.0)
                        .collect();
                    assert_eq!(sql, scan, "{name} {radius} km {stars:?} {amenities:?}");
                    checked += 1;
                    found += sql.len();
                }
            }
        }
    }
    assert_eq!(checked, 216);
    assert!(found > 1_000, "{found}");
    // The baseline returns whole listings.
    let near = store
        .hotels_in_radius_sql(GeoPoint::new(31.2304, 121.4737).unwrap(), 2.0, &[], 0)
        .await
        .unwrap();
    let by_id: HashMap<u64, &HotelListing> = all.iter().map(|l| (l.property.id.0, l)).collect();
    assert!(!near.is_empty());
    for l in &near {
        assert_eq!(by_id[&l.property.id.0], l);
    }
    // Both sides of the antimeridian within 5 km of it.
    let fiji: BTreeSet<u64> = store
        .hotels_in_radius_sql(GeoPoint::new(-17.70, 180.0).unwrap(), 5.0, &[], 0)
        .await
        .unwrap()
        .iter()
        .map(|l| l.property.id.0)
        .collect();
    assert_eq!(
        fiji,
        BTreeSet::from([99_100_000_000_000, 99_100_000_000_001, 99_100_000_000_002])
    );
    app.stop().await;
}

#[tokio::test]
async fn seeding_is_idempotent_and_deterministic() {
    let app = spawn_app().await;
    let store = app.state.store();
    let before = store.hotel_listings().await.unwrap();
    assert_eq!(before.len(), 3_000);
    let today = day();
    let r1 = seed::seed_demo(store, 200, today, 30, 500).await.unwrap();
    assert_eq!(
        r1.hotels, 3_000,
        "hotels are generated only when there are none"
    );
    assert_eq!(store.hotel_listings().await.unwrap(), before);

    assert_eq!(
        hotels::generate_hotels_into(store, 1_500, today)
            .await
            .unwrap(),
        1_500
    );
    let first = store.hotel_listings().await.unwrap();
    hotels::generate_hotels_into(store, 1_500, today)
        .await
        .unwrap();
    assert_eq!(store.hotel_listings().await.unwrap(), first);
    assert_eq!(first, generated(store, 1_500).await);
    app.stop().await;
}

#[tokio::test]
async fn the_demo_has_hotels_in_shanghai_and_beijing() {
    let app = spawn_app().await;
    let store = app.state.store();
    assert_eq!(store.hotel_count().await.unwrap(), 3_000);
    let all = store.hotel_listings().await.unwrap();
    let in_city = |id: i64| all.iter().filter(|l| l.property.city_id == id).count();
    assert!(in_city(SHANGHAI) >= 40, "Shanghai: {}", in_city(SHANGHAI));
    assert!(in_city(BEIJING) >= 30, "Beijing: {}", in_city(BEIJING));
    let shanghai = all.iter().find(|l| l.property.city_id == SHANGHAI).unwrap();
    assert_eq!(shanghai.property.time_zone, chrono_tz::Asia::Shanghai);
    assert_eq!(shanghai.rooms[0].plans[0].plan.currency, Currency::CNY);
    app.stop().await;
}

#[tokio::test]
async fn rooms_sold_are_read_back_and_survive_regeneration() {
    let app = spawn_app().await;
    let store = app.state.store();
    let all = store.hotel_listings_after(None, 3).await.unwrap();
    let (a, b) = (all[0].property.id.0 as i64, all[1].property.id.0 as i64);
    let room = |l: &HotelListing| l.rooms[0].room.code;
    let (ra, rb): (RoomTypeCode, RoomTypeCode) = (room(&all[0]), room(&all[1]));
    let d = day();
    store
        .set_hotel_room_sold(a, ra.as_str(), d, 3)
        .await
        .unwrap();
    store
        .set_hotel_room_sold(a, ra.as_str(), d + Duration::days(1), 1)
        .await
        .unwrap();
    store
        .set_hotel_room_sold(a, ra.as_str(), d + Duration::days(5), 2)
        .await
        .unwrap();
    store
        .set_hotel_room_sold(b, rb.as_str(), d, 7)
        .await
        .unwrap();
    // Setting again overwrites.
    store
        .set_hotel_room_sold(a, ra.as_str(), d, 4)
        .await
        .unwrap();
    let sales = store.hotel_room_sales().await.unwrap();
    assert_eq!(sales.len(), 4);
    assert_eq!(sales[&(a, ra.as_str().to_owned(), d)], 4);
    let window = store
        .hotel_room_sales_for(&[a, 12345], d, d + Duration::days(5))
        .await
        .unwrap();
    assert_eq!(window.len(), 2, "{window:?}");
    assert_eq!(
        window[&(a, ra.as_str().to_owned(), d + Duration::days(1))],
        1
    );
    hotels::generate_hotels_into(store, 3_000, d).await.unwrap();
    assert_eq!(store.hotel_room_sales().await.unwrap(), sales);
    app.stop().await;
}
