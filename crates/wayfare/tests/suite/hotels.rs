//! Hotel search over HTTP on the demo hotels: destinations, filters, sorting, the map box,
//! rates with cancellation tiers, destination suggestions and refusals that name the field.

use chrono::{Duration, Utc};
use serde_json::{Value, json};
use wayfare_testkit::{TestApp, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn search(app: &TestApp, body: Value, lang: &str) -> (u16, Value) {
    let res = app
        .client
        .post(app.url("/api/v1/hotels/search"))
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn shanghai_family(extra: Value) -> Value {
    let mut body = json!({
        "destination": {"city": "上海"},
        "check_in_date": date_in(12),
        "check_out_date": date_in(15),
        "rooms": [{"adults": 2, "children_ages": [5]}],
        "currency": "CNY",
    });
    if let (Some(b), Some(e)) = (body.as_object_mut(), extra.as_object()) {
        for (k, v) in e {
            b.insert(k.clone(), v.clone());
        }
    }
    body
}

fn amount(v: &Value) -> f64 {
    v["amount"].as_str().unwrap().parse().unwrap()
}

#[tokio::test]
async fn shanghai_for_a_family_filtered_sorted_and_consistent_with_the_hotel_rates() {
    let app = spawn_app().await;
    let (status, body) = search(&app, shanghai_family(json!({})), "zh-CN").await;
    assert_eq!(status, 200, "{body}");
    let hotels = body["hotels"].as_array().unwrap();
    assert!(!hotels.is_empty(), "Shanghai has demo hotels");
    assert!(body["total"].as_u64().unwrap() as usize >= hotels.len());
    for h in hotels {
        assert!(h["id"].as_str().unwrap().starts_with("bh_"));
        assert!(!h["name"].as_str().unwrap().is_empty());
        assert!(h["distance_km"].as_f64().unwrap() < 60.0, "{h}");
        assert!(amount(&h["cheapest_rate"]["total_amount"]) > 0.0);
    }

    // 4–5 stars with free cancellation, cheapest first.
    let (status, body) = search(
        &app,
        shanghai_family(json!({"stars": [4, 5], "free_cancellation": true, "sort": "price"})),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let filtered = body["hotels"].as_array().unwrap();
    assert!(!filtered.is_empty());
    let mut last = 0.0;
    for h in filtered {
        let stars = h["stars"].as_u64().unwrap();
        assert!((4..=5).contains(&stars), "{h}");
        assert_eq!(h["cheapest_rate"]["free_cancellation"], true, "{h}");
        let total = amount(&h["cheapest_rate"]["total_amount"]);
        if h["cheapest_rate"]["total_amount"]["currency"] == "CNY" {
            assert!(total >= last, "sorted by price");
            last = total;
        }
    }

    // The hotel's own rates include the one the list showed, every room holding the party.
    let first = &filtered[0];
    let id = first["id"].as_str().unwrap();
    let (status, rates) = app
        .get_json(
            &format!(
                "/api/v1/hotels/{id}/rates?check_in_date={}&check_out_date={}&rooms=2:5",
                date_in(12),
                date_in(15)
            ),
            "zh-CN",
        )
        .await;
    assert_eq!(status, 200, "{rates}");
    let list = rates["rates"].as_array().unwrap();
    assert!(!list.is_empty());
    let shown = first["cheapest_rate"]["rate_id"].as_str().unwrap();
    let same = list
        .iter()
        .find(|r| r["id"] == shown)
        .expect("the listed cheapest rate is among the hotel's rates");
    assert_eq!(same["total_amount"], first["cheapest_rate"]["total_amount"]);
    for r in list {
        assert_eq!(r["rooms"].as_array().unwrap().len(), 1);
        assert_eq!(r["rooms"][0]["adults"], 2);
        assert_eq!(r["rooms"][0]["children_ages"], json!([5]));
        let c = &r["cancellation"];
        if c["refundable"] == true {
            assert!(!c["tiers"].as_array().unwrap().is_empty(), "{r}");
        } else {
            assert!(c["free_until"].is_null());
        }
    }
    let free = list
        .iter()
        .find(|r| r["cancellation"]["free_until"].is_string())
        .expect("a free-cancellation rate");
    assert!(
        free["cancellation"]["tiers"][0]["hours_before_check_in"]
            .as_u64()
            .is_some()
    );
}

#[tokio::test]
async fn chain_deal_and_theme_searches_keep_only_what_they_ask_for() {
    let app = spawn_app().await;
    // Every hotel of one chain in Shanghai: exactly those the unfiltered search had.
    let (_, all) = search(&app, shanghai_family(json!({"limit": 100})), "en").await;
    let all = all["hotels"].as_array().unwrap().clone();
    assert!(all.len() < 100, "the test city fits one page");
    let mut chains: Vec<&str> = all.iter().filter_map(|h| h["chain"].as_str()).collect();
    chains.sort_unstable();
    let chain = chains
        .chunk_by(|a, b| a == b)
        .max_by_key(|g| g.len())
        .map(|g| g[0])
        .expect("chain hotels in Shanghai");
    let expected = all.iter().filter(|h| h["chain"] == chain).count();
    let (status, body) = search(
        &app,
        shanghai_family(json!({"chains": [chain], "limit": 100})),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let hotels = body["hotels"].as_array().unwrap();
    assert_eq!(hotels.len(), expected, "{body}");
    assert!(hotels.iter().all(|h| h["chain"] == chain), "{body}");

    let (status, body) = search(&app, shanghai_family(json!({"deals_only": true})), "en").await;
    assert_eq!(status, 200, "{body}");
    let deals = body["hotels"].as_array().unwrap();
    assert!(!deals.is_empty(), "some Shanghai hotels have promotions");
    for h in deals {
        let was = &h["cheapest_rate"]["was_amount"];
        assert!(was.is_object(), "a deal shows the price before: {h}");
        assert!(amount(was) > amount(&h["cheapest_rate"]["total_amount"]));
    }
}

#[tokio::test]
async fn a_map_box_answers_clusters_that_account_for_every_hotel() {
    let app = spawn_app().await;
    let body = json!({
        "destination": {"bbox": [121.30, 31.10, 121.65, 31.35]},
        "zoom": 11,
        "check_in_date": date_in(12),
        "check_out_date": date_in(15),
        "rooms": [{"adults": 2}],
    });
    let (status, body) = search(&app, body, "en").await;
    assert_eq!(status, 200, "{body}");
    let clusters = body["clusters"].as_array().unwrap();
    assert!(!clusters.is_empty());
    let counted: u64 = clusters.iter().map(|c| c["count"].as_u64().unwrap()).sum();
    assert_eq!(counted, body["total"].as_u64().unwrap());
    for c in clusters {
        let (lat, lng) = (
            c["location"]["lat"].as_f64().unwrap(),
            c["location"]["lng"].as_f64().unwrap(),
        );
        assert!(
            (31.10..=31.35).contains(&lat) && (121.30..=121.65).contains(&lng),
            "{c}"
        );
    }
}

#[tokio::test]
async fn destinations_are_suggested_in_both_languages() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json("/api/v1/places?q=%E5%A4%96%E6%BB%A9", "zh-CN")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["places"][0]["kind"], "landmark");
    assert_eq!(body["places"][0]["name"], "外滩");
    let (_, body) = app.get_json("/api/v1/places?q=shang", "en").await;
    assert_eq!(body["places"][0]["name"], "Shanghai");
    // A landmark found this way is a destination.
    let (status, found) = search(
        &app,
        json!({
            "destination": {"place": "外滩", "radius_km": 3},
            "check_in_date": date_in(12), "check_out_date": date_in(14),
            "rooms": [{"adults": 1}],
        }),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{found}");
    for h in found["hotels"].as_array().unwrap() {
        assert!(h["distance_km"].as_f64().unwrap() <= 3.0, "{h}");
    }
}

#[tokio::test]
async fn bad_searches_are_refused_in_the_users_language_naming_the_field() {
    let app = spawn_app().await;
    let cases = [
        (
            json!({"destination": {"city": "上海"}, "check_in_date": date_in(12), "check_out_date": date_in(12), "rooms": [{"adults": 2}]}),
            "check_out_date",
        ),
        (
            json!({"destination": {"city": "上海"}, "check_in_date": date_in(5), "check_out_date": date_in(40), "rooms": [{"adults": 2}]}),
            "check_out_date",
        ),
        (
            json!({"destination": {"city": "上海"}, "check_in_date": date_in(-3), "check_out_date": date_in(2), "rooms": [{"adults": 2}]}),
            "check_in_date",
        ),
        (
            json!({"destination": {"city": "Xyzzyville"}, "check_in_date": date_in(5), "check_out_date": date_in(7), "rooms": [{"adults": 2}]}),
            "destination.city",
        ),
        (
            json!({"destination": {"lat": 31.2, "lng": 121.4, "radius_km": 0}, "check_in_date": date_in(5), "check_out_date": date_in(7), "rooms": [{"adults": 2}]}),
            "destination.radius_km",
        ),
        (
            json!({"destination": {"city": "上海"}, "check_in_date": date_in(5), "check_out_date": date_in(7), "rooms": vec![json!({"adults": 1}); 9]}),
            "rooms",
        ),
        (
            json!({"destination": {"city": "上海"}, "check_in_date": date_in(5), "check_out_date": date_in(7), "rooms": [{"adults": 2, "children_ages": [18]}]}),
            "rooms[0].children_ages[0]",
        ),
        (
            json!({"destination": {"city": "上海"}, "check_in_date": "12/10/2026", "check_out_date": date_in(7), "rooms": [{"adults": 2}]}),
            "check_in_date",
        ),
    ];
    for (body, field) in cases {
        let (status, zh) = search(&app, body.clone(), "zh-CN").await;
        assert_eq!(status, 422, "{body} → {zh}");
        assert_eq!(zh["error"]["details"]["field"], field, "{zh}");
        let message = zh["error"]["message"].as_str().unwrap();
        assert!(
            message
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{message}"
        );
        let (_, en) = search(&app, body, "en").await;
        let english = en["error"]["message"].as_str().unwrap();
        assert!(
            !english
                .chars()
                .any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{en}"
        );
    }
    // A child with no age is not a valid room; unknown fields are named.
    let (status, body) = search(
        &app,
        json!({"destination": {"city": "上海"}, "check_in_date": date_in(5), "check_out_date": date_in(7), "rooms": [{"adults": 2, "children": 1}]}),
        "en",
    )
    .await;
    assert_eq!(status, 400, "{body}");
    let (status, _) = app
        .get_json(
            "/api/v1/hotels/bh_999999999/rates?check_in_date=2099-01-01&check_out_date=2099-01-02",
            "en",
        )
        .await;
    assert_eq!(
        status, 422,
        "far-future dates are refused before the hotel is looked up"
    );
    let (status, body) = app
        .get_json(
            &format!(
                "/api/v1/hotels/bh_999999999/rates?check_in_date={}&check_out_date={}",
                date_in(5),
                date_in(6)
            ),
            "en",
        )
        .await;
    assert_eq!(status, 404, "{body}");
    let (status, body) = app
        .get_json(
            &format!(
                "/api/v1/hotels/bh_1/rates?check_in_date={}&check_out_date={}&rooms=two",
                date_in(5),
                date_in(6)
            ),
            "zh-CN",
        )
        .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["field"], "rooms");
}

#[tokio::test]
async fn the_openapi_document_describes_hotel_search_rates_and_places() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let search = &doc["paths"]["/api/v1/hotels/search"]["post"];
    assert!(search["requestBody"].is_object());
    assert!(search["responses"]["200"].is_object() && search["responses"]["422"].is_object());
    let rates = &doc["paths"]["/api/v1/hotels/{id}/rates"]["get"];
    let params: Vec<&str> = rates["parameters"]
        .as_array()
        .unwrap()
        .iter()
        .filter_map(|p| p["name"].as_str())
        .collect();
    for p in ["id", "check_in_date", "check_out_date", "rooms"] {
        assert!(params.contains(&p), "{params:?}");
    }
    assert!(doc["paths"]["/api/v1/places"]["get"].is_object());
    for schema in ["HotelJson", "RateJson", "CancellationJson", "ClusterJson"] {
        assert!(doc["components"]["schemas"][schema].is_object(), "{schema}");
    }
}

#[tokio::test]
async fn a_failing_or_slow_hotelbeds_leaves_our_hotels_and_a_warning() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let hotelbeds = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hotel-api/1.0/hotels"))
        .respond_with(ResponseTemplate::new(503).set_body_string("Service Unavailable"))
        .mount(&hotelbeds)
        .await;
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/hotel-api/1.0/hotels"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&slow)
        .await;
    for (server, kind) in [(&hotelbeds, "error"), (&slow, "timeout")] {
        let url = server.uri();
        let app = wayfare_testkit::spawn_app_with(|c| {
            c.hotels.search_budget_ms = 700;
            c.hotels.hotelbeds = Some(wayfare::config::HotelbedsSettings {
                api_key: wayfare::config::Secret::new("hb_key"),
                secret: wayfare::config::Secret::new("hb_secret"),
                base_url: url,
                currency: Some("EUR".into()),
            });
        })
        .await;
        let (status, body) = search(&app, shanghai_family(json!({})), "en").await;
        assert_eq!(status, 200, "{body}");
        assert!(
            !body["hotels"].as_array().unwrap().is_empty(),
            "our hotels still shown"
        );
        assert_eq!(
            body["warnings"],
            json!([{"supplier": "hotelbeds", "kind": kind}])
        );
        app.stop().await;
    }
    // The request went to Hotelbeds signed.
    let received = hotelbeds.received_requests().await.unwrap();
    assert_eq!(received[0].headers["api-key"], "hb_key");
    assert_eq!(received[0].headers["x-signature"].len(), 64);
}

mod bookings {
    use std::sync::Arc;

    use chrono::{Duration, NaiveDate, Utc};
    use wayfare_domain::hotel::{PropertyId, RoomTypeCode, Stay};
    use wayfare_suppliers::builtin::hotel_supplier::{BuiltinHotels, RateKey};
    use wayfare_suppliers::flight::SupplierError;
    use wayfare_suppliers::hotel::{
        GuestName, HotelBookingRequest, HotelBookingStatus, HotelRate, HotelSupplier,
    };
    use wayfare_testkit::{TestApp, spawn_app};

    fn builtin(app: &TestApp) -> Arc<BuiltinHotels> {
        app.state
            .hotels()
            .builtin()
            .expect("built-in hotels")
            .clone()
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
            special_requests: Some("high floor".into()),
            expected_total: rate.price.total,
            idempotency_key: key.into(),
        }
    }

    /// A refundable one-room rate in Shanghai, 20 nights out, for two nights.
    async fn refundable_rate(app: &TestApp) -> HotelRate {
        let check_in = Utc::now().date_naive() + Duration::days(20);
        let q = "/api/v1/hotels/search";
        let body = serde_json::json!({
            "destination": {"city": "Shanghai"},
            "check_in_date": check_in.to_string(),
            "check_out_date": (check_in + Duration::days(2)).to_string(),
            "rooms": [{"adults": 2}],
            "free_cancellation": true, "sort": "price",
        });
        let res: serde_json::Value = app
            .client
            .post(app.url(q))
            .json(&body)
            .send()
            .await
            .unwrap()
            .json()
            .await
            .unwrap();
        let rate_id = res["hotels"][0]["cheapest_rate"]["rate_id"]
            .as_str()
            .expect("a refundable Shanghai rate")
            .to_owned();
        builtin(app).check_rate(&rate_id).await.unwrap()
    }

    async fn sold(app: &TestApp, key: &RateKey, night: NaiveDate) -> u16 {
        let sales = app.state.store().hotel_room_sales().await.unwrap();
        sales
            .get(&(
                key.property.0 as i64,
                key.parts[0].0.as_str().to_owned(),
                night,
            ))
            .copied()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn book_read_quote_and_cancel_a_refundable_stay() {
        let app = spawn_app().await;
        let b = builtin(&app);
        let rate = refundable_rate(&app).await;
        let key = RateKey::parse(&rate.id).unwrap();
        let before = sold(&app, &key, key.check_in).await;

        let stale = HotelBookingRequest {
            expected_total: wayfare_domain::Money::from_minor(1, rate.price.total.currency()),
            ..request(&rate, "stale")
        };
        assert!(matches!(
            b.book(&stale).await.unwrap_err(),
            SupplierError::PriceChanged { new_total } if new_total == rate.price.total
        ));

        let booking = b.book(&request(&rate, "bk-1")).await.unwrap();
        assert_eq!(booking.status, HotelBookingStatus::Confirmed);
        assert!(booking.confirmation.starts_with("WF") && booking.confirmation.len() == 10);
        assert_eq!(booking.rate.price.total, rate.price.total);
        assert_eq!(sold(&app, &key, key.check_in).await, before + 1);
        assert_eq!(
            sold(&app, &key, key.check_in + Duration::days(1)).await,
            before + 1,
            "every night of the stay is taken"
        );
        let again = b.book(&request(&rate, "bk-1")).await.unwrap();
        assert_eq!(again.id, booking.id, "a retry answers the first booking");
        assert_eq!(sold(&app, &key, key.check_in).await, before + 1);
        assert_eq!(
            b.get_booking(&booking.id).await.unwrap().confirmation,
            booking.confirmation
        );

        // Twenty days out a free-cancellation rate costs nothing to cancel.
        let quote = b.quote_cancellation(&booking.id).await.unwrap();
        assert_eq!(quote.fee.minor(), 0);
        assert_eq!(quote.refund, rate.price.total);
        let done = b.confirm_cancellation(&quote.id).await.unwrap();
        assert!(done.confirmed_at.is_some());
        assert_eq!(
            sold(&app, &key, key.check_in).await,
            before,
            "rooms given back"
        );
        assert_eq!(
            b.get_booking(&booking.id).await.unwrap().status,
            HotelBookingStatus::Cancelled
        );
        assert_eq!(
            b.confirm_cancellation(&quote.id)
                .await
                .unwrap()
                .confirmed_at,
            done.confirmed_at
        );
        assert_eq!(
            sold(&app, &key, key.check_in).await,
            before,
            "given back once"
        );
        assert!(b.quote_cancellation(&booking.id).await.is_err());
    }

    #[tokio::test]
    async fn buyers_racing_for_the_last_rooms_never_oversell() {
        let app = spawn_app().await;
        let b = builtin(&app);
        let rate = refundable_rate(&app).await;
        let key = RateKey::parse(&rate.id).unwrap();
        let stay = Stay::new(key.check_in, key.check_out).unwrap();
        let left = b
            .index()
            .rooms_left(
                PropertyId(key.property.0),
                RoomTypeCode::parse(key.parts[0].0.as_str()).unwrap(),
                stay,
            )
            .unwrap();
        assert!(left > 0);
        let attempts = (0..usize::from(left) + 60).map(|i| {
            let b = b.clone();
            let req = request(&rate, &format!("race-{i}"));
            tokio::spawn(async move { b.book(&req).await })
        });
        let mut won = 0;
        for r in futures::future::join_all(attempts).await {
            match r.unwrap() {
                Ok(_) => won += 1,
                Err(SupplierError::NoSeats) => {}
                Err(e) => panic!("a losing buyer hears 'sold out', got {e:?}"),
            }
        }
        assert_eq!(won, usize::from(left));
        let allotment = b
            .index()
            .property(key.property)
            .unwrap()
            .rooms
            .iter()
            .find(|r| r.room.code == key.parts[0].0)
            .unwrap()
            .allotment;
        for night in [key.check_in, key.check_in + Duration::days(1)] {
            assert_eq!(
                sold(&app, &key, night).await,
                allotment,
                "sold out, never beyond"
            );
        }
    }
}
