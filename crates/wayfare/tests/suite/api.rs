use wayfare_testkit::spawn_app;

fn codes(body: &serde_json::Value) -> Vec<String> {
    body["airports"]
        .as_array()
        .unwrap()
        .iter()
        .map(|a| a["iata"].as_str().unwrap().to_owned())
        .collect()
}

#[tokio::test]
async fn airport_autocomplete_in_chinese_and_english() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json("/api/v1/airports?q=%E4%B8%8A%E6%B5%B7", "zh-CN")
        .await;
    assert_eq!(status, 200);
    let c = codes(&body);
    assert_eq!(&c[..2], &["PVG", "SHA"], "{c:?}");
    assert_eq!(body["airports"][0]["display_name"], "上海 PVG");
    assert_eq!(body["airports"][0]["time_zone"], "Asia/Shanghai");

    let (_, body) = app
        .get_json("/api/v1/airports?q=%E5%8C%97%E4%BA%AC", "zh-CN")
        .await;
    let c = codes(&body);
    assert!(
        c[..2].contains(&"PEK".to_owned()) && c[..2].contains(&"PKX".to_owned()),
        "{c:?}"
    );

    let (_, body) = app.get_json("/api/v1/airports?q=lon", "en").await;
    let c = codes(&body);
    assert_eq!(c[0], "LHR", "{c:?}");
    for london in ["LGW", "STN", "LCY", "LTN"] {
        assert!(
            c.contains(&london.to_owned()),
            "{london} missing from {c:?}"
        );
    }
    assert_eq!(
        body["airports"][0]["display_name"],
        "London Heathrow Airport"
    );

    let (_, body) = app.get_json("/api/v1/airports?q=jfk", "en").await;
    assert_eq!(codes(&body)[0], "JFK");
    assert_eq!(body["airports"][0]["matched_by"], "code");
    let (_, body) = app
        .get_json("/api/v1/airports?q=heathrow&limit=1", "en")
        .await;
    assert_eq!(codes(&body), vec!["LHR"]);
    let (_, body) = app
        .get_json("/api/v1/airports?q=%E4%BC%A6%E6%95%A6", "zh-CN")
        .await;
    assert_eq!(codes(&body)[0], "LHR");
    app.stop().await;
}

#[tokio::test]
async fn airport_autocomplete_rejects_bad_input_in_the_users_language() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/airports", "en").await;
    assert_eq!(status, 400);
    assert_eq!(body["error"]["code"], "invalid_query");
    let (status, body) = app.get_json("/api/v1/airports?q=%20", "en").await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "validation_failed");
    assert_eq!(body["error"]["details"]["field"], "q");
    assert_eq!(
        body["error"]["message"],
        "Please check “q”: this is required."
    );
    let (status, body) = app.get_json("/api/v1/airports?q=x&limit=0", "zh-CN").await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["message"],
        "请检查“limit”：请选择 1 到 50 之间的数字。"
    );
    let (status, _) = app.get_json("/api/v1/airports?q=x&limit=abc", "en").await;
    assert_eq!(status, 400);
    let long = "a".repeat(65);
    let (status, body) = app
        .get_json(&format!("/api/v1/airports?q={long}"), "en")
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"]["field"], "q");
    app.stop().await;
}

#[tokio::test]
async fn unknown_routes_and_methods_answer_in_json_under_api() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/no-such-thing", "en").await;
    assert_eq!(status, 404);
    assert_eq!(body["error"]["code"], "not_found");
    assert_eq!(
        body["error"]["message"],
        "We couldn't find what you asked for."
    );
    let res = app
        .client
        .post(app.url("/api/v1/airports?q=x"))
        .header("content-type", "application/json")
        .body("{}")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 405);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "method_not_allowed");
    // A form post to the API (what a cross-site form would send) is refused.
    let res = app
        .client
        .post(app.url("/api/v1/airports"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body("q=x")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 415);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unsupported_media_type");
    app.stop().await;
}

#[tokio::test]
async fn currency_conversion_says_which_rate_it_used() {
    let app = spawn_app().await;
    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=100.00&from=USD&to=CNY", "en")
        .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(
        body["from"],
        serde_json::json!({"amount": "100.00", "currency": "USD"})
    );
    assert_eq!(
        body["to"],
        serde_json::json!({"amount": "712.00", "currency": "CNY"})
    );
    assert_eq!(body["rate"], "7.12");
    assert_eq!(body["rates_used"][0]["quote"], "CNY");
    assert_eq!(body["rates_used"][0]["as_of"], "2026-11-01T00:00:00Z");

    // Cross rate through USD, rounded half to even at JPY's zero decimals.
    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=1000&from=CNY&to=JPY", "en")
        .await;
    assert_eq!(status, 200);
    assert_eq!(body["to"]["currency"], "JPY");
    assert_eq!(body["to"]["amount"], "21404"); // 1000 / 7.12 * 152.40 = 21404.49…
    assert_eq!(body["rates_used"].as_array().unwrap().len(), 2);

    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=1.234&from=CNY&to=USD", "en")
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["details"]["field"], "amount");
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("2 decimal places")
    );
    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=abc&from=CNY&to=USD", "zh-CN")
        .await;
    assert_eq!(status, 422);
    assert_eq!(
        body["error"]["message"],
        "请检查“amount”：请输入金额，例如 100 或 99.50。"
    );
    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=1&from=CNY&to=ZZZ", "en")
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "unknown_currency");
    let (status, body) = app
        .get_json("/api/v1/fx/convert?amount=1&from=CNY&to=BRL", "en")
        .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "no_exchange_rate");
    assert_eq!(
        body["error"]["message"],
        "We have no exchange rate for BRL."
    );
    let (status, _) = app
        .get_json(
            "/api/v1/fx/convert?amount=99999999999999999999&from=CNY&to=USD",
            "en",
        )
        .await;
    assert_eq!(status, 422);
    app.stop().await;
}

#[tokio::test]
async fn currencies_list_the_display_rates() {
    let app = spawn_app().await;
    let (status, body) = app.get_json("/api/v1/currencies", "zh-CN").await;
    assert_eq!(status, 200);
    assert_eq!(body["reference"], "USD");
    assert_eq!(body["selected"], "CNY");
    let cny = body["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "CNY")
        .unwrap()
        .clone();
    assert_eq!(cny["name"], "人民币");
    assert_eq!(cny["exponent"], 2);
    assert_eq!(cny["rate"], "7.12");
    let jpy = body["currencies"]
        .as_array()
        .unwrap()
        .iter()
        .find(|c| c["code"] == "JPY")
        .unwrap()
        .clone();
    assert_eq!(jpy["exponent"], 0);
    app.stop().await;
}
