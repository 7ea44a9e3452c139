//! Choosing how to pay over real HTTP: the methods an order is offered (configured connectors,
//! currency, country, amount), paying in instalments with the plan's fee, paying with a saved
//! card, and what is refused (a method not offered, a plan not offered, someone else's card).

use serde_json::{Value, json};
use wayfare_domain::payment::methods::{MethodKind, MethodRule};
use wayfare_testkit::{new_client, spawn_app_with};

use crate::payments::{get, held_order, post};

fn minor(m: &Value) -> i64 {
    let s = m["amount"].as_str().unwrap();
    let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
    let frac = format!("{frac:0<2}");
    whole.parse::<i64>().unwrap() * 100 + frac[..2].parse::<i64>().unwrap()
}

/// Instalments for any CNY amount above ¥1.
fn low_minimum(c: &mut wayfare::config::Config) {
    c.payments
        .instalments
        .min_amount_minor
        .insert("CNY".into(), 100);
}

#[tokio::test]
async fn the_demo_offers_sandbox_cards_and_plans_and_a_traveller_pays_in_six_instalments() {
    let app = spawn_app_with(low_minimum).await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let order = held_order(&app, &client, 12).await;
    let id = order["id"].as_str().unwrap();
    let total = minor(&order["total_amount"]);

    let (status, options) = get(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payment-options"),
    )
    .await;
    assert_eq!(status, 200, "{options}");
    let kinds: Vec<(&str, &str)> = options["methods"]
        .as_array()
        .unwrap()
        .iter()
        .map(|m| (m["kind"].as_str().unwrap(), m["provider"].as_str().unwrap()))
        .collect();
    // Only the sandbox is configured: no Stripe, PayPal, Alipay, WeChat Pay or Klarna.
    assert_eq!(kinds, [("card", "sandbox"), ("instalments", "sandbox")]);
    assert_eq!(options["country"], "CN", "the lead traveller's nationality");
    assert!(options["stripe"].is_null());
    let plans = options["instalments"].as_array().unwrap();
    assert_eq!(
        plans
            .iter()
            .map(|p| p["count"].as_u64().unwrap())
            .collect::<Vec<_>>(),
        [3, 6, 12]
    );
    let six = plans.iter().find(|p| p["count"] == 6).unwrap();
    let fee = minor(&six["fee"]);
    // 3 % of the order (the default plan), rounded to the fen.
    assert!((fee - total * 3 / 100).abs() <= 1, "fee {fee} of {total}");
    assert_eq!(minor(&six["total"]), total + fee);
    let parts: i64 = six["instalments"]
        .as_array()
        .unwrap()
        .iter()
        .map(minor)
        .sum();
    assert_eq!(parts, total + fee, "the instalments add up to the total");
    assert_eq!(six["due_dates"].as_array().unwrap().len(), 6);

    let (status, paid) = post(
        &app,
        &client,
        &format!("/api/v1/orders/{id}/payments"),
        &json!({"method": "instalments", "instalments": 6, "payment_method": "pm_card_visa"}),
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    let payment = &paid["payments"][0];
    assert_eq!(payment["instalments"], 6);
    assert_eq!(minor(&payment["fee"]), fee);
    assert_eq!(minor(&payment["amount"]), total + fee);
    assert_eq!(minor(&payment["captured"]), total + fee);
    assert_eq!(payment["status"], "succeeded");

    // The order page says so.
    let html = client
        .get(app.url(&format!("/bookings/{id}")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains("in 6 instalments"), "{html}");
}

#[tokio::test]
async fn methods_and_plans_not_offered_are_refused_in_the_users_language() {
    let app = spawn_app_with(|c| {
        // Cards only for CNY, instalments never (the minimum is out of reach).
        c.payments.methods = vec![MethodRule {
            kind: MethodKind::Card,
            provider: "sandbox".into(),
            currencies: vec!["CNY".into()],
            countries: vec![],
            min_amount_minor: None,
        }];
    })
    .await;
    let client = new_client();
    let order = held_order(&app, &client, 14).await;
    let id = order["id"].as_str().unwrap();
    let token = order["guest_token"].as_str().unwrap().to_owned();
    let pay = |body: Value, lang: &'static str| {
        let app = &app;
        let token = token.clone();
        async move {
            let res = new_client()
                .post(app.url(&format!("/api/v1/orders/{id}/payments")))
                .header("accept-language", lang)
                .bearer_auth(token)
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap())
        }
    };
    let res = new_client()
        .get(app.url(&format!("/api/v1/orders/{id}/payment-options")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let options: Value = res.json().await.unwrap();
    assert_eq!(
        options["methods"],
        json!([{"kind": "card", "provider": "sandbox"}])
    );
    assert_eq!(options["instalments"], json!([]));

    let (status, e) = pay(
        json!({"method": "instalments", "instalments": 3, "payment_method": "pm_card_visa"}),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "method");
    let (status, e) = pay(json!({"method": "paypal"}), "zh-CN").await;
    assert_eq!(status, 422, "{e}");
    assert!(
        e["error"]["message"].as_str().unwrap().contains("不支持"),
        "{e}"
    );
    let (status, e) = pay(
        json!({"provider": "stripe", "payment_method": "pm_card_visa"}),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "provider");
    let (status, e) = pay(
        json!({"method": "card", "instalments": 3, "payment_method": "pm_card_visa"}),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "instalments");
    let (status, e) = pay(json!({"method": "bitcoin", "payment_method": "x"}), "en").await;
    assert_eq!(status, 422, "{e}");
    let (status, e) = pay(json!({"method": "card"}), "en").await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "payment_method");
    let (status, e) = pay(
        json!({"method": "card", "saved_payment_method": "pmt_nope"}),
        "en",
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "saved_payment_method");
    let res = new_client()
        .get(app.url(&format!(
            "/api/v1/orders/{id}/payment-options?country=China"
        )))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);

    // None of that wrote a payment or moved the order; a card offered still pays.
    let (status, paid) = pay(
        json!({"method": "card", "payment_method": "pm_card_visa"}),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    assert_eq!(paid["payments"].as_array().unwrap().len(), 1);
}

#[tokio::test]
async fn a_traveller_pays_with_a_saved_card_and_nobody_else_can_use_it() {
    let app = spawn_app_with(low_minimum).await;
    let (mei, _) = app.signed_in("mei@example.com").await;
    let (status, saved) = post(
        &app,
        &mei,
        "/api/v1/me/payment-methods",
        &json!({"provider": "sandbox", "provider_token": "pm_card_mastercard", "brand": "mastercard",
                "last4": "4444", "exp_month": 12, "exp_year": 2031}),
    )
    .await;
    assert_eq!(status, 201, "{saved}");
    let card_id = saved["id"].as_str().unwrap().to_owned();

    let order = held_order(&app, &mei, 16).await;
    let id = order["id"].as_str().unwrap();
    let (_, options) = get(&app, &mei, &format!("/api/v1/orders/{id}/payment-options")).await;
    assert_eq!(options["saved_cards"][0]["id"], card_id.as_str());
    assert_eq!(options["saved_cards"][0]["last4"], "4444");
    assert!(options["saved_cards"][0].get("provider_token").is_none());

    // Someone else's order cannot be paid with Mei's card, nor see it.
    let (bo, _) = app.signed_in("bo@example.com").await;
    let other = held_order(&app, &bo, 16).await;
    let other_id = other["id"].as_str().unwrap();
    let (_, theirs) = get(
        &app,
        &bo,
        &format!("/api/v1/orders/{other_id}/payment-options"),
    )
    .await;
    assert_eq!(theirs["saved_cards"], json!([]));
    let (status, e) = post(
        &app,
        &bo,
        &format!("/api/v1/orders/{other_id}/payments"),
        &json!({"method": "card", "saved_payment_method": card_id}),
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert_eq!(e["error"]["details"]["field"], "saved_payment_method");

    // Mei pays in three with her saved card.
    let (status, paid) = post(
        &app,
        &mei,
        &format!("/api/v1/orders/{id}/payments"),
        &json!({"method": "instalments", "instalments": 3, "saved_payment_method": card_id}),
    )
    .await;
    assert_eq!(status, 200, "{paid}");
    assert_eq!(paid["status"], "confirmed");
    assert_eq!(paid["payments"][0]["payment_method"], "pm_card_mastercard");
    assert_eq!(paid["payments"][0]["instalments"], 3);
    // Three instalments carry no fee by default.
    assert_eq!(minor(&paid["payments"][0]["fee"]), 0);
}

#[tokio::test]
async fn on_the_payment_page_a_guest_picks_a_plan_in_six_and_pays() {
    use fantoccini::Locator;
    use wayfare_testkit::Browser;
    use wayfare_testkit::browser::{body_text, click, fill};
    let app = spawn_app_with(low_minimum).await;
    let order = held_order(&app, &new_client(), 13).await;
    let id = order["id"].as_str().unwrap();
    let reference = order["reference"].as_str().unwrap();
    let Some(browser) = Browser::start(390, 844, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/bookings/find")).await.unwrap();
    fill(c, "#find-reference", reference).await;
    fill(c, "#find-email", "mei@example.com").await;
    click(c, "form[action='/bookings/find'] button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("[data-pay-now]"))
        .await
        .unwrap();
    c.goto(&app.url(&format!("/bookings/{id}/pay")))
        .await
        .unwrap();
    // The plans show only once instalments are chosen.
    let plans = c.find(Locator::Css(".pay-plans")).await.unwrap();
    assert!(!plans.is_displayed().await.unwrap());
    click(c, "input[name=method][value=instalments]").await;
    assert!(plans.is_displayed().await.unwrap());
    let text = body_text(c).await;
    assert!(text.contains("6 期 ×"), "{text}");
    click(c, "input[name=instalments][value='6']").await;
    click(c, "input[name=payment_method][value=pm_card_visa]").await;
    click(c, "button[data-pay-submit]").await;
    c.wait()
        .for_element(Locator::Css("[data-confirmed]"))
        .await
        .unwrap();
    let text = body_text(c).await;
    assert!(text.contains("分 6 期"), "{text}");
    browser.close().await;
}
