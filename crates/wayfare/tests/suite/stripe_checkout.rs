//! Stripe's client-side tokenisation in headless Chromium: with Stripe configured (against the
//! fake Stripe, which serves a Stripe.js of its own), the payment page mounts Stripe's card
//! field, the browser sends the card to Stripe and only the `pm_…` token to us; a declined card
//! is explained and another one pays. Afterwards no card number is in our database, and every
//! request Stripe received from us carried the token, never the number.

use std::time::Duration as StdDuration;

use fantoccini::Locator;
use serde_json::{Value, json};
use wayfare_testkit::browser::{body_text, click, fill, path};
use wayfare_testkit::{Browser, new_client, spawn_app_with};

use crate::fake_stripe::{FakeStripe, PUBLISHABLE_KEY, SECRET_KEY, WEBHOOK_SECRET};
use crate::payments::held_order;

/// Waits (up to 15 s) for an element.
async fn wait_for(c: &fantoccini::Client, css: &str) {
    c.wait()
        .at_most(StdDuration::from_secs(15))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} never appeared"));
}

async fn enter_card(c: &fantoccini::Client, number: &str) {
    wait_for(c, "#fake-stripe-number").await;
    fill(c, "#fake-stripe-number", number).await;
    fill(c, "#fake-stripe-expiry", "12/34").await;
    fill(c, "#fake-stripe-cvc", "123").await;
}

#[tokio::test]
async fn stripe_js_tokenises_the_card_in_the_browser_and_only_the_token_reaches_us() {
    let stripe = FakeStripe::start().await;
    let section = json!({
        "secret_key": SECRET_KEY,
        "publishable_key": PUBLISHABLE_KEY,
        "webhook_secret": WEBHOOK_SECRET,
        "api_base": stripe.base_url(),
        "js_url": stripe.stripe_js_url(),
    });
    let app = spawn_app_with(move |c| {
        c.payments.stripe = Some(serde_json::from_value(section).unwrap());
    })
    .await;
    let order = held_order(&app, &new_client(), 11).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let reference = order["reference"].as_str().unwrap().to_owned();
    let token = order["guest_token"].as_str().unwrap().to_owned();

    // The API offers cards through Stripe, with the key for Stripe.js.
    let options: Value = new_client()
        .get(app.url(&format!("/api/v1/orders/{id}/payment-options")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(
        options["methods"][0],
        json!({"kind": "card", "provider": "stripe"})
    );
    assert_eq!(options["stripe"]["publishable_key"], PUBLISHABLE_KEY);

    let Some(browser) = Browser::start(390, 844, "en").await else {
        return;
    };
    let c = &browser.client;
    // The guest opens the booking by reference and e-mail, then pays.
    c.goto(&app.url("/bookings/find")).await.unwrap();
    fill(c, "#find-reference", &reference).await;
    fill(c, "#find-email", "mei@example.com").await;
    click(c, "form[action='/bookings/find'] button[type=submit]").await;
    wait_for(c, "[data-pay-now]").await;
    c.goto(&app.url(&format!("/bookings/{id}/pay")))
        .await
        .unwrap();
    let html = c.source().await.unwrap();
    assert!(
        !html.contains("pm_card_visa"),
        "no sandbox test cards with Stripe"
    );
    assert!(
        html.contains(&stripe.stripe_js_url()),
        "Stripe.js is loaded"
    );

    // A declined card: the page says so and the order can still be paid.
    enter_card(c, "4000000000000002").await;
    click(c, "button[data-pay-submit]").await;
    wait_for(c, "[data-pay-error]").await;
    let text = body_text(c).await;
    assert!(text.contains("declined"), "{text}");
    assert!(path(c).await.ends_with("/pay"));

    // A good card pays.
    enter_card(c, "4242424242424242").await;
    click(c, "button[data-pay-submit]").await;
    wait_for(c, "[data-confirmed]").await;
    assert_eq!(path(c).await, format!("/bookings/{id}"));
    browser.close().await;

    // Stripe received the card from the browser, and tokens from us.
    let tokenised = stripe.requests_to("POST", "/v1/payment_methods");
    assert_eq!(tokenised.len(), 2, "two cards entered");
    assert!(tokenised[1].body.contains("4242424242424242"));
    let intents = stripe.requests_to("POST", "/v1/payment_intents");
    assert!(!intents.is_empty());
    for r in stripe.requests() {
        // The browser's: Stripe.js itself, and the card it tokenised.
        if !r.path.starts_with("/v1/") || r.path.starts_with("/v1/payment_methods") {
            continue;
        }
        assert!(
            wayfare_domain::payment::card::find_card_number(&r.body).is_none(),
            "a card number in our request {} {}: {}",
            r.method,
            r.path,
            r.body
        );
        assert!(
            r.header("authorization")
                .is_some_and(|a| a.contains(SECRET_KEY)),
            "our server calls with the secret key"
        );
    }
    let paid: Value = new_client()
        .get(app.url(&format!("/api/v1/orders/{id}")))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(paid["status"], "confirmed");
    let payments = paid["payments"].as_array().unwrap();
    assert_eq!(payments.len(), 2, "the declined attempt and the paid one");
    assert_eq!(payments[1]["provider"], "stripe");
    assert!(
        payments[1]["payment_method"]
            .as_str()
            .unwrap()
            .starts_with("pm_")
    );
    assert_eq!(payments[1]["status"], "succeeded");

    // Nothing of the card in our database (SQLite: the file as it lies on disk).
    if let Some(db) = ["wayfare.db", "wayfare.db-wal"]
        .iter()
        .map(|f| app.dir().join(f))
        .find(|p| p.exists())
    {
        let mut text = String::new();
        for f in ["wayfare.db", "wayfare.db-wal"] {
            if let Ok(b) = std::fs::read(app.dir().join(f)) {
                text.push_str(&String::from_utf8_lossy(&b));
            }
        }
        assert!(text.contains("pm_"), "{} was read", db.display());
        assert!(wayfare_domain::payment::card::find_card_number(&text).is_none());
    }
}
