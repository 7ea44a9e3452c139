use chrono::{DateTime, Duration, FixedOffset, Utc};
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
        .post(app.url("/api/v1/flights/search"))
        .header("accept-language", lang)
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

fn t(v: &Value) -> DateTime<FixedOffset> {
    DateTime::parse_from_rfc3339(v.as_str().unwrap()).unwrap()
}

/// Every slice runs origin → destination through segments that connect in time.
fn assert_itineraries_hold_together(offers: &Value, legs: &[(&str, &str)]) {
    for o in offers.as_array().unwrap() {
        let slices = o["slices"].as_array().unwrap();
        assert_eq!(slices.len(), legs.len());
        let mut prev_arrival: Option<DateTime<FixedOffset>> = None;
        for (s, (from, to)) in slices.iter().zip(legs) {
            assert_eq!(s["origin"], *from);
            assert_eq!(s["destination"], *to);
            let segs = s["segments"].as_array().unwrap();
            assert!(!segs.is_empty() && segs.len() <= 3, "{s}");
            assert_eq!(segs[0]["origin"], *from);
            assert_eq!(segs.last().unwrap()["destination"], *to);
            for w in segs.windows(2) {
                assert_eq!(
                    w[0]["destination"], w[1]["origin"],
                    "segments join at the same airport"
                );
                let gap = t(&w[1]["departing_at"]) - t(&w[0]["arriving_at"]);
                assert!(
                    gap >= Duration::minutes(30) && gap <= Duration::hours(8),
                    "layover {gap} in {s}"
                );
            }
            let first = t(&segs[0]["departing_at"]);
            let last = t(&segs.last().unwrap()["arriving_at"]);
            assert_eq!(
                (last - first).num_minutes(),
                s["duration_minutes"].as_i64().unwrap()
            );
            if let Some(p) = prev_arrival {
                assert!(
                    first > p,
                    "a later slice leaves after the earlier one lands"
                );
            }
            prev_arrival = Some(last);
        }
        let seats = o["available_seats"].as_u64().unwrap();
        assert!((1..=9).contains(&seats));
        assert_eq!(o["total_amount"]["currency"], "CNY");
        assert!(t(&o["expires_at"]) > Utc::now().fixed_offset());
    }
}

#[tokio::test]
async fn one_way_pvg_to_lhr_has_direct_and_connecting_flights_in_local_time() {
    let app = spawn_app().await;
    // Long-haul runs on some days of the week; look across one week.
    let (mut direct, mut connecting) = (0, 0);
    for day in 20..27 {
        let (status, body) = search(
            &app,
            json!({"slices": [{"origin": "PVG", "destination": "LHR", "departure_date": date_in(day)}],
                   "passengers": {"adults": 1}, "cabin_class": "economy", "max_connections": 1, "sort": "price", "limit": 200}),
            "en",
        )
        .await;
        assert_eq!(status, 200, "{body}");
        let offers = body["offers"].as_array().unwrap();
        assert!(!offers.is_empty(), "no offers PVG-LHR on day +{day}");
        assert_itineraries_hold_together(&body["offers"], &[("PVG", "LHR")]);
        for o in offers {
            match o["slices"][0]["segments"].as_array().unwrap().len() {
                1 => direct += 1,
                _ => connecting += 1,
            }
            // Shanghai keeps UTC+8 all year.
            assert!(
                o["slices"][0]["segments"][0]["departing_at"]
                    .as_str()
                    .unwrap()
                    .ends_with("+08:00")
            );
        }
        // Sorted by price, cheapest first.
        let prices: Vec<f64> = offers
            .iter()
            .map(|o| {
                o["total_amount"]["amount"]
                    .as_str()
                    .unwrap()
                    .parse()
                    .unwrap()
            })
            .collect();
        assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
        // Conditions are structured.
        let c = &offers[0]["conditions"];
        assert!(c["refund_before_departure"]["allowed"].is_boolean());
        assert!(c["cutoff_hours"].is_number());
    }
    assert!(direct > 0, "a direct PVG-LHR flight during the week");
    assert!(connecting > 0, "connections PVG-LHR during the week");
    app.stop().await;
}

#[tokio::test]
async fn round_trip_and_multi_city() {
    let app = spawn_app().await;
    let (status, body) = search(
        &app,
        json!({"slices": [
            {"origin": "PEK", "destination": "SHA", "departure_date": date_in(10)},
            {"origin": "SHA", "destination": "PEK", "departure_date": date_in(14)}]}),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(
        !body["offers"].as_array().unwrap().is_empty(),
        "round trip PEK-SHA"
    );
    assert_itineraries_hold_together(&body["offers"], &[("PEK", "SHA"), ("SHA", "PEK")]);

    let (status, body) = search(
        &app,
        json!({"slices": [
            {"origin": "PEK", "destination": "PVG", "departure_date": date_in(10)},
            {"origin": "PVG", "destination": "CAN", "departure_date": date_in(12)},
            {"origin": "CAN", "destination": "PEK", "departure_date": date_in(15)}]}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert!(!body["offers"].as_array().unwrap().is_empty(), "multi-city");
    assert_itineraries_hold_together(
        &body["offers"],
        &[("PEK", "PVG"), ("PVG", "CAN"), ("CAN", "PEK")],
    );
    app.stop().await;
}

#[tokio::test]
async fn filters_apply() {
    let app = spawn_app().await;
    let base = json!({"slices": [{"origin": "PVG", "destination": "LHR", "departure_date": date_in(20),
                      "departure_time": {"from": "06:00", "to": "14:00"}}], "max_connections": 1, "limit": 500});
    let (status, body) = search(&app, base.clone(), "en").await;
    assert_eq!(status, 200);
    for o in body["offers"].as_array().unwrap() {
        let dep = t(&o["slices"][0]["segments"][0]["departing_at"]);
        let hhmm = dep.format("%H:%M").to_string();
        assert!(("06:00".."14:01").contains(&hhmm.as_str()), "{hhmm}");
    }
    let mut direct = base.clone();
    direct["max_connections"] = json!(0);
    let (_, body) = search(&app, direct, "en").await;
    assert!(
        body["offers"]
            .as_array()
            .unwrap()
            .iter()
            .all(|o| o["slices"][0]["segments"].as_array().unwrap().len() == 1)
    );
    let mut cheap = base.clone();
    cheap["max_price"] = json!("5000");
    let (_, body) = search(&app, cheap, "en").await;
    for o in body["offers"].as_array().unwrap() {
        let p: f64 = o["total_amount"]["amount"]
            .as_str()
            .unwrap()
            .parse()
            .unwrap();
        assert!(p <= 5000.0);
    }
    app.stop().await;
}

#[tokio::test]
async fn bad_searches_name_the_field_in_the_users_language() {
    let app = spawn_app().await;
    let one = |o: &str, d: &str, date: String| json!({"slices": [{"origin": o, "destination": d, "departure_date": date}]});
    let cases = [
        (one("XQZ", "LHR", date_in(5)), "slices[0].origin"),
        (one("PVG", "PVG", date_in(5)), "slices[0].destination"),
        (one("PVG", "LHR", date_in(-2)), "slices[0].departure_date"),
        (one("PVG", "LHR", date_in(400)), "slices[0].departure_date"),
        (
            one("PVG", "LHR", "2026-13-45".into()),
            "slices[0].departure_date",
        ),
        (
            json!({"slices": [{"origin": "PVG", "destination": "LHR", "departure_date": date_in(9)},
                           {"origin": "LHR", "destination": "PVG", "departure_date": date_in(5)}]}),
            "slices[1].departure_date",
        ),
        (
            json!({"slices": [{"origin": "PVG", "destination": "LHR", "departure_date": date_in(9)}],
                "passengers": {"adults": 1, "infants": 2}}),
            "passengers.infants",
        ),
        (
            json!({"slices": [{"origin": "PVG", "destination": "LHR", "departure_date": date_in(9)}],
                "passengers": {"adults": 8, "children": 2}}),
            "passengers",
        ),
        (json!({"slices": []}), "slices"),
    ];
    for (body, field) in cases {
        let (status, res) = search(&app, body.clone(), "en").await;
        assert_eq!(status, 422, "{body} → {res}");
        assert_eq!(res["error"]["code"], "validation_failed");
        assert_eq!(res["error"]["details"]["field"], field, "{res}");
        let (_, zh) = search(&app, body, "zh-CN").await;
        assert!(
            zh["error"]["message"]
                .as_str()
                .unwrap()
                .starts_with("请检查"),
            "{zh}"
        );
    }
    let (_, res) = search(&app, one("XQZ", "LHR", date_in(5)), "zh-CN").await;
    assert!(
        res["error"]["message"]
            .as_str()
            .unwrap()
            .contains("无法识别该机场"),
        "{res}"
    );
    // Malformed JSON and unknown fields are 400s, not 500s.
    let res = app
        .client
        .post(app.url("/api/v1/flights/search"))
        .header("content-type", "application/json")
        .body("{\"slices\": [")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 400);
    let (status, res) = search(&app, json!({"slices": [], "colour": "blue"}), "en").await;
    assert_eq!(status, 400, "{res}");
    assert_eq!(res["error"]["code"], "invalid_json");
    app.stop().await;
}

#[tokio::test]
async fn the_openapi_document_describes_flight_search() {
    let app = spawn_app().await;
    let doc: Value = app.get("/api/openapi.json").await.json().await.unwrap();
    let op = &doc["paths"]["/api/v1/flights/search"]["post"];
    assert!(op["requestBody"].is_object());
    assert!(op["responses"]["200"].is_object() && op["responses"]["422"].is_object());
    assert!(doc["components"]["schemas"]["OfferJson"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn price_calendar_one_way_and_round_trip_grid() {
    let app = spawn_app().await;
    let d = date_in(10);
    let (status, body) = app
        .get_json(
            &format!("/api/v1/flights/calendar?origin=PEK&destination=SHA&departure_date={d}"),
            "en",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let days = body["days"].as_array().unwrap();
    assert_eq!(days.len(), 7);
    assert_eq!(days[3]["date"], d.as_str());
    assert!(
        days.iter().all(|x| x["cheapest"]["currency"] == "CNY"),
        "PEK-SHA flies every day: {body}"
    );
    // The calendar's price for a day is the cheapest a search that day finds.
    let (_, offers) = search(
        &app,
        json!({"slices": [{"origin": "PEK", "destination": "SHA", "departure_date": d}], "sort": "price", "limit": 1}),
        "en",
    )
    .await;
    assert_eq!(days[3]["cheapest"], offers["offers"][0]["total_amount"]);

    let r = date_in(17);
    let (status, body) = app
        .get_json(&format!("/api/v1/flights/calendar?origin=PEK&destination=SHA&departure_date={d}&return_date={r}"), "en")
        .await;
    assert_eq!(status, 200, "{body}");
    let grid = body["grid"].as_array().unwrap();
    assert_eq!(grid.len(), 49);
    let cell = grid
        .iter()
        .find(|c| c["departure_date"] == d.as_str() && c["return_date"] == r.as_str())
        .unwrap();
    assert!(cell["cheapest"]["amount"].is_string());

    let (status, body) = app
        .get_json(
            &format!("/api/v1/flights/calendar?origin=PEK&destination=PEK&departure_date={d}"),
            "en",
        )
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"]["field"], "destination");
    let (status, _) = app
        .get_json(&format!("/api/v1/flights/calendar?origin=PEK&destination=SHA&departure_date={d}&return_date={}", date_in(5)), "en")
        .await;
    assert_eq!(status, 422);
    app.stop().await;
}

#[tokio::test]
async fn explore_from_a_position_finds_nearby_airports_and_cheap_destinations() {
    let app = spawn_app().await;
    // People's Square, Shanghai: PVG and SHA are within 50 km.
    let (status, body) = app
        .get_json(
            &format!(
                "/api/v1/flights/explore?lat=31.2304&lon=121.4737&radius_km=60&from={}&to={}",
                date_in(5),
                date_in(8)
            ),
            "zh-CN",
        )
        .await;
    assert_eq!(status, 200, "{body}");
    let origins: Vec<&str> = body["origins"]
        .as_array()
        .unwrap()
        .iter()
        .map(|o| o["iata"].as_str().unwrap())
        .collect();
    assert!(
        origins.contains(&"SHA") && origins.contains(&"PVG"),
        "{origins:?}"
    );
    let dests = body["destinations"].as_array().unwrap();
    assert!(!dests.is_empty());
    let prices: Vec<f64> = dests
        .iter()
        .map(|d| d["cheapest"]["amount"].as_str().unwrap().parse().unwrap())
        .collect();
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "cheapest first");
    assert!(
        dests
            .iter()
            .all(|d| d["destination"] != "PVG" && d["destination"] != "SHA")
    );
    // Under a budget only cheaper ones remain.
    let budget = prices[prices.len() / 2];
    let (_, cheap) = app
        .get_json(
            &format!(
                "/api/v1/flights/explore?origin=PVG&from={}&to={}&budget={budget}",
                date_in(5),
                date_in(8)
            ),
            "en",
        )
        .await;
    for d in cheap["destinations"].as_array().unwrap() {
        assert!(
            d["cheapest"]["amount"]
                .as_str()
                .unwrap()
                .parse::<f64>()
                .unwrap()
                <= budget
        );
    }
    let (status, body) = app
        .get_json("/api/v1/flights/explore?lat=95&lon=0", "en")
        .await;
    assert_eq!(status, 422, "{body}");
    let (status, _) = app.get_json("/api/v1/flights/explore", "en").await;
    assert_eq!(status, 422);
    app.stop().await;
}

#[tokio::test]
async fn a_failing_or_slow_duffel_leaves_builtin_results_and_a_warning() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let duffel = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/air/offer_requests"))
        .respond_with(ResponseTemplate::new(503).set_body_json(json!({
            "errors": [{"type": "api_error", "title": "Service unavailable", "message": "try later", "code": "service_unavailable"}],
            "meta": {"request_id": "req_1", "status": 503}})))
        .mount(&duffel)
        .await;
    let url = duffel.uri();
    let app = wayfare_testkit::spawn_app_with(|c| {
        c.flights.duffel = Some(wayfare::config::DuffelSettings {
            access_token: wayfare::config::Secret::new("duffel_test_token"),
            base_url: url,
            webhook_secret: None,
        });
    })
    .await;
    let body =
        json!({"slices": [{"origin": "PEK", "destination": "SHA", "departure_date": date_in(10)}]});
    let (status, res) = search(&app, body.clone(), "en").await;
    assert_eq!(status, 200, "{res}");
    assert!(
        !res["offers"].as_array().unwrap().is_empty(),
        "built-in offers still shown"
    );
    assert_eq!(
        res["warnings"],
        json!([{"supplier": "duffel", "kind": "error"}])
    );
    // The request really went to Duffel with its headers.
    let received = duffel.received_requests().await.unwrap();
    assert_eq!(received[0].headers["duffel-version"], "v2");
    assert_eq!(
        received[0].headers["authorization"],
        "Bearer duffel_test_token"
    );
    app.stop().await;

    // A Duffel that does not answer within the search budget is left out after the budget.
    let slow = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/air/offer_requests"))
        .respond_with(ResponseTemplate::new(200).set_delay(std::time::Duration::from_secs(5)))
        .mount(&slow)
        .await;
    let url = slow.uri();
    let app = wayfare_testkit::spawn_app_with(|c| {
        c.flights.search_budget_ms = 500;
        c.flights.duffel = Some(wayfare::config::DuffelSettings {
            access_token: wayfare::config::Secret::new("duffel_test_token"),
            base_url: url,
            webhook_secret: None,
        });
    })
    .await;
    let started = std::time::Instant::now();
    let (status, res) = search(&app, body, "en").await;
    assert_eq!(status, 200);
    assert!(started.elapsed() < std::time::Duration::from_secs(3));
    assert!(!res["offers"].as_array().unwrap().is_empty());
    assert_eq!(
        res["warnings"],
        json!([{"supplier": "duffel", "kind": "timeout"}])
    );
    app.stop().await;
}
