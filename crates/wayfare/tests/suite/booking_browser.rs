//! Booking in headless Chromium: a signed-in traveller books PVG→LHR for two with three nights
//! in London through the pages (flight results → checkout → "add a hotel" → a rate → checkout
//! → the payment page's countdown → the sandbox visa → confirmed → my bookings); and a guest on
//! a phone books a domestic flight, pays, and finds the booking again in a fresh browser.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use fantoccini::{Client, Locator};
use serde_json::json;
use wayfare_testkit::browser::{body_text, click, fill, path, wait_for_path};
use wayfare_testkit::{Browser, TEST_PASSWORD, TestApp, code_in, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// A confirmed account, made over the API; answers a client signed in to it.
async fn account(app: &TestApp, email: &str) -> reqwest::Client {
    let c = wayfare_testkit::new_client();
    let res = c
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"identifier": email, "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let res = c
        .post(app.url("/api/v1/auth/verify"))
        .json(&json!({"identifier": email, "code": code_in(&app.last_message(email))}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    c
}

/// Sets a field's value by script (date inputs take their value in the browser's own format
/// when typed).
async fn set_value(c: &Client, css: &str, value: &str) {
    c.execute(
        "document.querySelector(arguments[0]).value = arguments[1];",
        vec![json!(css), json!(value)],
    )
    .await
    .unwrap();
}

async fn select(c: &Client, css: &str, value: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .select_by_value(value)
        .await
        .unwrap();
}

async fn text_of(c: &Client, css: &str) -> String {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .text()
        .await
        .unwrap()
}

/// Waits (up to 15 s) until the path starts with `prefix` and does not end with `not_suffix`.
async fn wait_for_page(c: &Client, prefix: &str, not_suffix: &str) -> String {
    for _ in 0..300 {
        let p = path(c).await;
        if p.starts_with(prefix) && !p.ends_with(not_suffix) {
            return p;
        }
        tokio::time::sleep(StdDuration::from_millis(50)).await;
    }
    panic!("never reached {prefix}; at {}", path(c).await);
}

/// One passenger block, international.
async fn passenger(c: &Client, n: usize, given: &str, family: &str, gender: &str) {
    fill(c, &format!("#p{n}-family_name"), family).await;
    fill(c, &format!("#p{n}-given_name"), given).await;
    set_value(c, &format!("#p{n}-born_on"), "1988-05-01").await;
    select(c, &format!("#p{n}-gender"), gender).await;
    fill(c, &format!("#p{n}-nationality"), "CN").await;
    fill(
        c,
        &format!("#p{n}-passport_number"),
        &format!("E1234567{n}"),
    )
    .await;
    set_value(c, &format!("#p{n}-passport_expires_on"), &date_in(3000)).await;
}

#[tokio::test]
async fn a_traveller_books_a_flight_and_a_london_hotel_pays_and_finds_it_in_my_bookings() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(1280, 900, "en").await else {
        return;
    };
    let c = &browser.client;
    let email = "mei.trip@example.com";
    let api = account(&app, email).await;
    // A saved traveller, to fill the second passenger from.
    let res = api
        .post(app.url("/api/v1/me/travellers"))
        .json(
            &json!({"given_name": "WEI", "family_name": "LI", "date_of_birth": "1987-07-07",
                      "gender": "male", "nationality": "CN", "document_type": "passport",
                      "document_number": "E11223344", "document_expiry": date_in(3000)}),
        )
        .send()
        .await
        .unwrap();
    assert!(res.status().is_success());
    c.goto(&app.url("/login?next=%2Fflights")).await.unwrap();
    fill(c, "#login-identifier", email).await;
    fill(c, "#login-password", TEST_PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for_path(c, "/flights").await;

    // Flights PVG → LHR for two adults; book the first.
    c.goto(&app.url(&format!(
        "/flights?trip=oneway&from=PVG&to=LHR&depart={}&adults=2&children=0&infants=0&cabin=economy&stops=1&sort=best",
        date_in(20)
    )))
    .await
    .unwrap();
    click(c, "a[data-book]").await;
    wait_for_path(c, "/checkout?").await;
    assert!(body_text(c).await.contains("Price breakdown"));

    // Both in one trip: a hotel in London for three nights from the arrival.
    let add = c.find(Locator::Css("a[data-add-hotel]")).await.unwrap();
    assert!(add.text().await.unwrap().contains("London"));
    add.click().await.unwrap();
    wait_for_path(c, "/hotels?").await;
    let p = path(c).await;
    assert!(p.contains("trip_offer="), "{p}");
    let day = |key: &str| {
        let at = p.find(&format!("{key}=")).unwrap() + key.len() + 1;
        chrono::NaiveDate::parse_from_str(&p[at..at + 10], "%Y-%m-%d").unwrap()
    };
    assert_eq!((day("out") - day("in")).num_days(), 3, "{p}");
    click(c, ".hotel-card .hc-name a").await;
    wait_for_path(c, "/hotels/bh_").await;
    assert!(path(c).await.contains("trip_offer="));
    click(c, "a[data-book-rate]").await;
    wait_for_path(c, "/checkout?").await;
    let p = path(c).await;
    assert!(p.contains("offer=") && p.contains("rate="), "{p}");
    let text = body_text(c).await;
    assert!(text.contains("Flight") && text.contains("Hotel"), "{text}");
    assert!(text.contains("Passenger 2"), "two passenger blocks: {text}");

    // Two passengers and the room's guest; the account's address is filled in.
    // The first block came filled with the saved traveller; the first passenger is someone
    // else, and the second is chosen from the saved travellers (the script fills the block).
    let prefilled = c
        .find(Locator::Css("#p0-family_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(prefilled.as_deref(), Some("LI"));
    select(c, "#p0-saved", "").await;
    passenger(c, 0, "Mei Ling", "Zhang", "f").await;
    let saved_id = c
        .find(Locator::Css("#p1-saved option:nth-child(2)"))
        .await
        .unwrap()
        .attr("value")
        .await
        .unwrap()
        .unwrap();
    select(c, "#p1-saved", &saved_id).await;
    let filled = c
        .find(Locator::Css("#p1-family_name"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(filled.as_deref(), Some("LI"), "the script filled the block");
    let hint = text_of(c, "#p1-passport_number-hint").await;
    assert!(hint.contains("E•"), "{hint}");
    fill(c, "#room0-family_name", "Zhang").await;
    fill(c, "#room0-given_name", "Mei Ling").await;
    let kept = c
        .find(Locator::Css("#contact_email"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(email));
    fill(c, "#contact_phone", "+8613800138000").await;
    click(c, "form[action='/checkout'] button[data-submit]").await;
    wait_for_page(c, "/bookings/ord_", "/checkout").await;
    wait_for_path(c, "/bookings/ord_").await;
    assert!(path(c).await.ends_with("/pay"), "{}", path(c).await);

    // The countdown runs.
    let first = text_of(c, "[data-countdown-clock]").await;
    assert!(
        first.starts_with("14:") || first.starts_with("15:"),
        "{first}"
    );
    tokio::time::sleep(StdDuration::from_millis(1300)).await;
    let later = text_of(c, "[data-countdown-clock]").await;
    assert_ne!(first, later, "the clock counts down");
    assert!(body_text(c).await.contains("Time left to pay"));

    // Pay with the sandbox visa (chosen already).
    let visa = c
        .find(Locator::Css(
            "input[name=payment_method][value=pm_card_visa]",
        ))
        .await
        .unwrap();
    assert!(visa.prop("checked").await.unwrap().as_deref() == Some("true"));
    click(c, "button[data-pay-submit]").await;
    let order_path = wait_for_page(c, "/bookings/ord_", "/pay").await;
    let text = body_text(c).await;
    assert!(text.contains("Booking confirmed — reference"), "{text}");
    let reference = text_of(c, "[data-reference]").await;
    assert_eq!(reference.len(), 6);
    assert!(text.contains("Confirmed"));
    assert!(
        text.contains("Passport ending 3344"),
        "the saved passport: {text}"
    );

    // My bookings lists it under upcoming.
    click(c, "a[data-my-bookings]").await;
    wait_for_path(c, "/bookings").await;
    let upcoming = text_of(c, "#upcoming").await;
    assert!(upcoming.contains(&reference), "{upcoming}");
    let link = c
        .find(Locator::Css(&format!("[data-booking='{reference}'] a")))
        .await
        .unwrap()
        .attr("href")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(link, order_path);
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn a_guest_books_on_a_phone_and_finds_the_booking_in_a_fresh_browser() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url(&format!(
        "/flights?trip=oneway&from=PEK&to=SHA&depart={}&adults=1&children=0&infants=0&cabin=economy&stops=1&sort=best",
        date_in(9)
    )))
    .await
    .unwrap();
    click(c, "a[data-book]").await;
    wait_for_path(c, "/checkout?").await;
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(fits, json!(true), "the checkout scrolls sideways at 375px");
    let text = body_text(c).await;
    assert!(
        text.contains("价格明细") && !text.contains("护照号码"),
        "{text}"
    );
    fill(c, "#p0-family_name", "李").await;
    fill(c, "#p0-given_name", "伟").await;
    set_value(c, "#p0-born_on", "1990-03-04").await;
    select(c, "#p0-gender", "m").await;
    fill(c, "#contact_email", "li.wei@example.com").await;
    fill(c, "#contact_phone", "13800138000").await;
    click(c, "form[action='/checkout'] button[data-submit]").await;
    wait_for_page(c, "/bookings/ord_", "/checkout").await;
    assert!(path(c).await.ends_with("/pay"));
    assert!(body_text(c).await.contains("剩余支付时间"));
    click(c, "button[data-pay-submit]").await;
    wait_for_page(c, "/bookings/ord_", "/pay").await;
    let text = body_text(c).await;
    assert!(text.contains("预订成功"), "{text}");
    let reference = text_of(c, "[data-reference]").await;
    browser.close().await;

    // Another browser: nothing of the guest's; found by reference and e-mail.
    let Some(fresh) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &fresh.client;
    c.goto(&app.url("/")).await.unwrap();
    click(c, "a[data-find-booking]").await;
    wait_for_path(c, "/bookings/find").await;
    fill(c, "#find-reference", &reference).await;
    fill(c, "#find-email", "someone.else@example.com").await;
    click(c, "form[action='/bookings/find'] button[type=submit]").await;
    c.wait()
        .for_element(Locator::Css("[data-find-error]"))
        .await
        .unwrap();
    assert!(body_text(c).await.contains("未找到"));
    fill(c, "#find-email", "li.wei@example.com").await;
    click(c, "form[action='/bookings/find'] button[type=submit]").await;
    wait_for_page(c, "/bookings/ord_", "/find").await;
    let text = body_text(c).await;
    assert!(
        text.contains(&reference) && text.contains("预订成功"),
        "{text}"
    );
    fresh.close().await;
    app.stop().await;
}
