//! The account-data pages in headless Chromium on a 375 px phone: sign in, save a traveller,
//! choose business class as the preferred cabin, and find it pre-selected on the flight
//! search form.

use fantoccini::{Client, Locator};
use serde_json::json;
use wayfare_testkit::browser::{body_text, click, fill, wait_for_path};
use wayfare_testkit::{Browser, TestApp, code_in, spawn_app};

const PASSWORD: &str = "plum-blossom-river-42";

/// A confirmed account, made over the API.
async fn account(app: &TestApp, email: &str) {
    let c = reqwest::Client::new();
    let res = c
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"identifier": email, "password": PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let body = app.last_message(email);
    let res = c
        .post(app.url("/api/v1/auth/verify"))
        .json(&json!({"identifier": email, "code": code_in(&body)}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
}

async fn fits_the_phone(c: &Client, what: &str) {
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "{what} scrolls sideways"
    );
}

#[tokio::test]
async fn account_data_traveller_and_cabin_preference_on_a_phone() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    let email = "phone.prefs@example.com";
    account(&app, email).await;

    c.goto(&app.url("/login?next=/account/travellers"))
        .await
        .unwrap();
    fill(c, "#login-identifier", email).await;
    fill(c, "#login-password", PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for_path(c, "/account/travellers").await;
    assert!(body_text(c).await.contains("还没有保存旅客"));
    fits_the_phone(c, "travellers list").await;

    // Add a traveller; a mistake first, explained in Chinese next to the field.
    click(c, "#add-traveller").await;
    wait_for_path(c, "/account/travellers/new").await;
    fits_the_phone(c, "traveller form").await;
    fill(c, "#tr-family", "Zhang").await;
    fill(c, "#tr-given", "Xiaohong").await;
    fill(c, "#tr-zh", "张小红").await;
    fill(c, "#tr-docnum", "E1").await;
    click(c, "#traveller-form button[type=submit]").await;
    let text = body_text(c).await;
    assert!(text.contains("证件号码"), "{text}");
    fill(c, "#tr-docnum", "E12345567").await;
    click(c, "#traveller-form button[type=submit]").await;
    wait_for_path(c, "/account/travellers?done=").await;
    let text = body_text(c).await;
    assert!(
        text.contains("ZHANG XIAOHONG") && text.contains("E•••••567"),
        "{text}"
    );
    assert!(!text.contains("E12345567"));

    // Prefer business class.
    c.goto(&app.url("/account/preferences")).await.unwrap();
    fits_the_phone(c, "preferences").await;
    c.find(Locator::Css("#pf-cabin option[value='business']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    click(c, "#preferences-form button[type=submit]").await;
    wait_for_path(c, "/account/preferences?done=").await;

    // The flight search form starts from it.
    c.goto(&app.url("/flights")).await.unwrap();
    let cabin = c
        .find(Locator::Css("#fs-cabin"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(cabin.as_deref(), Some("business"));
    fits_the_phone(c, "flight search").await;

    for page in [
        "/account/payment-methods",
        "/account/notifications",
        "/account/privacy",
    ] {
        c.goto(&app.url(page)).await.unwrap();
        fits_the_phone(c, page).await;
    }
    browser.close().await;
}
