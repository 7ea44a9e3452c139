//! WeChat Pay and Klarna from the payment page, against the payments crate's fakes:
//! - Klarna: the page opens a session, Klarna's widget (the fake's JS SDK) authorises, a
//!   refusal is explained, an approval pays the order; the session API for apps;
//! - WeChat Pay on a computer: a QR code, "I have paid" before paying is answered honestly,
//!   the payer scans and WeChat Pay's notification moves the page on by itself;
//! - WeChat Pay inside WeChat: WeChat's web authorisation gives the payer's openid, the page
//!   opens WeChat's payment sheet (the fake's WeixinJSBridge) and the paid order is confirmed;
//! - WeChat Pay in a phone's browser: the H5 page, which sends the payer back to us.

use std::time::Duration as StdDuration;

use fantoccini::Locator;
use serde_json::{Value, json};
use wayfare_testkit::browser::{body_text, click, fill, path};
use wayfare_testkit::{Browser, TestApp, extract_csrf, new_client, spawn_app_with};

use crate::fake_klarna::{FakeKlarna, PASSWORD, USERNAME};
use crate::fake_wechat_oauth::{DEFAULT_OPENID, FakeWeChatOAuth, OAUTH_APP_SECRET};
use crate::fake_wechatpay::{
    API_V3_KEY, APP_ID, FakeWeChatPay, MCH_ID, MERCHANT_SERIAL, PLATFORM_SERIAL, merchant_key,
    notify, platform_key, private_pem, public_pem,
};
use crate::payments::{held_order, held_order_in, post};

/// WeChat's own browser on an iPhone.
const WECHAT_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Mobile/15E148 MicroMessenger/8.0.47(0x18002f2c) NetType/WIFI Language/zh_CN";

/// A stand-in for the WeixinJSBridge WeChat's browser provides: it keeps what the page asked
/// for, and the test answers through `__wxCallback`.
const BRIDGE: &str = "window.WeixinJSBridge = { invoke: function (name, args, cb) { \
    window.__wxName = name; window.__wxArgs = args; window.__wxCallback = cb; } }; \
    document.dispatchEvent(new Event('WeixinJSBridgeReady'));";

/// Safari on an iPhone.
const PHONE_UA: &str = "Mozilla/5.0 (iPhone; CPU iPhone OS 17_0 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/17.0 Mobile/15E148 Safari/604.1";

async fn wait_for(c: &fantoccini::Client, css: &str) {
    c.wait()
        .at_most(StdDuration::from_secs(20))
        .for_element(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} never appeared"));
}

/// Waits until the browser is at `want` (a path).
async fn wait_for_path(c: &fantoccini::Client, want: &str) {
    for _ in 0..100 {
        if path(c).await == want {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(200)).await;
    }
    panic!("never reached {want}; at {}", path(c).await);
}

/// The guest opens their booking by reference and e-mail in the browser.
async fn open_booking(c: &fantoccini::Client, app: &TestApp, reference: &str) {
    c.goto(&app.url("/bookings/find")).await.unwrap();
    fill(c, "#find-reference", reference).await;
    fill(c, "#find-email", "mei@example.com").await;
    click(c, "form[action='/bookings/find'] button[type=submit]").await;
    wait_for(c, "[data-pay-now]").await;
}

/// The guest opens their booking, chooses WeChat Pay on the payment page and pays.
async fn pay_with_wechat(c: &fantoccini::Client, app: &TestApp, reference: &str, id: &str) {
    open_booking(c, app, reference).await;
    c.goto(&app.url(&format!("/bookings/{id}/pay")))
        .await
        .unwrap();
    click(c, "input[name=method][value=wechatpay]").await;
    click(c, "button[data-pay-submit]").await;
}

fn wechatpay_section(fake: &FakeWeChatPay, oauth: Option<&FakeWeChatOAuth>) -> Value {
    let mut section = json!({
        "mch_id": MCH_ID,
        "app_id": APP_ID,
        "merchant_serial_no": MERCHANT_SERIAL,
        "merchant_private_key_pem": private_pem(merchant_key()),
        "platform_serial_no": PLATFORM_SERIAL,
        "platform_public_key_pem": public_pem(platform_key()),
        "api_v3_key": API_V3_KEY,
        "api_base": fake.base_url,
    });
    if let Some(o) = oauth {
        section["oauth_app_secret"] = json!(OAUTH_APP_SECRET);
        section["oauth_authorize_base"] = json!(o.base_url);
        section["oauth_api_base"] = json!(o.base_url);
    }
    section
}

async fn wechat_app(fake: &FakeWeChatPay, oauth: Option<&FakeWeChatOAuth>) -> TestApp {
    let section = wechatpay_section(fake, oauth);
    spawn_app_with(move |c| {
        c.payments.wechatpay = Some(serde_json::from_value(section).unwrap());
    })
    .await
}

/// The order as its guest sees it through the API.
async fn order_json(app: &TestApp, id: &str, token: &str) -> Value {
    guest_get(app, &format!("/api/v1/orders/{id}"), token).await
}

/// An API resource read with a guest token.
async fn guest_get(app: &TestApp, path: &str, token: &str) -> Value {
    new_client()
        .get(app.url(path))
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

#[tokio::test]
async fn klarna_widget_authorises_in_the_page_and_the_order_is_paid() {
    let klarna = FakeKlarna::start().await;
    let section = json!({
        "username": USERNAME,
        "password": PASSWORD,
        "base_url": klarna.base_url,
        "js_url": klarna.js_url(),
    });
    let app = spawn_app_with(move |c| {
        c.payments.klarna = Some(serde_json::from_value(section).unwrap());
    })
    .await;
    let order = held_order_in(&app, &new_client(), 12, Some("GBP"), "GB").await;
    let id = order["id"].as_str().unwrap().to_owned();
    let reference = order["reference"].as_str().unwrap().to_owned();
    let token = order["guest_token"].as_str().unwrap().to_owned();

    // The API offers Klarna with its SDK, and opens a session for an app.
    let options = guest_get(
        &app,
        &format!("/api/v1/orders/{id}/payment-options"),
        &token,
    )
    .await;
    assert!(
        options["methods"]
            .as_array()
            .unwrap()
            .contains(&json!({"kind": "klarna", "provider": "klarna"})),
        "{options}"
    );
    assert_eq!(options["klarna"]["js_url"], klarna.js_url());
    let session = new_client()
        .post(app.url(&format!("/api/v1/orders/{id}/payment-sessions")))
        .bearer_auth(&token)
        .json(&json!({"provider": "klarna"}))
        .send()
        .await
        .unwrap();
    assert_eq!(session.status(), 201);
    let session: Value = session.json().await.unwrap();
    assert!(
        session["client_token"]
            .as_str()
            .is_some_and(|t| !t.is_empty())
    );
    assert_eq!(session["provider"], "klarna");
    assert!(
        !session["payment_method_categories"]
            .as_array()
            .unwrap()
            .is_empty()
    );
    let sessions = klarna.requests_to("POST", "/payments/v1/sessions");
    assert_eq!(sessions.len(), 1);
    let minor: i64 = order["total_amount"]["amount"]
        .as_str()
        .unwrap()
        .replace('.', "")
        .parse()
        .unwrap();
    assert_eq!(sessions[0].json()["order_amount"], json!(minor));
    // Another provider, or an order Klarna is not offered for, is refused in the user's
    // language, and Klarna is not asked.
    let other = new_client()
        .post(app.url(&format!("/api/v1/orders/{id}/payment-sessions")))
        .bearer_auth(&token)
        .header("accept-language", "zh-CN")
        .json(&json!({"provider": "paypal"}))
        .send()
        .await
        .unwrap();
    assert_eq!(other.status(), 422);
    let body: Value = other.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .is_some_and(|m| m.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c))),
        "{body}"
    );
    let cny = held_order(&app, &new_client(), 13).await;
    let (status, body) = post(
        &app,
        &new_client(),
        &format!(
            "/api/v1/orders/{}/payment-sessions",
            cny["id"].as_str().unwrap()
        ),
        &json!({"provider": "klarna"}),
    )
    .await;
    assert_eq!(status, 401, "no guest token: {body}");
    let refused = new_client()
        .post(app.url(&format!(
            "/api/v1/orders/{}/payment-sessions",
            cny["id"].as_str().unwrap()
        )))
        .bearer_auth(cny["guest_token"].as_str().unwrap())
        .json(&json!({"provider": "klarna"}))
        .send()
        .await
        .unwrap();
    assert_eq!(refused.status(), 422, "Klarna does not take CNY");
    assert_eq!(klarna.requests_to("POST", "/payments/v1/sessions").len(), 1);

    let Some(browser) = Browser::start(390, 844, "en").await else {
        return;
    };
    let c = &browser.client;
    open_booking(c, &app, &reference).await;
    c.goto(&app.url(&format!("/bookings/{id}/pay")))
        .await
        .unwrap();
    assert!(c.source().await.unwrap().contains(&klarna.js_url()));
    click(c, "input[name=method][value=klarna]").await;
    // The widget is drawn from a session the page asked for.
    wait_for(c, "#klarna-container #fake-klarna-outcome").await;

    // Klarna refuses this shopper: the page says so and nothing is paid.
    c.execute(
        "document.getElementById('fake-klarna-outcome').value = 'deny';",
        vec![],
    )
    .await
    .unwrap();
    click(c, "button[data-pay-submit]").await;
    wait_for(c, "[data-klarna-error]:not([hidden])").await;
    let text = body_text(c).await;
    assert!(text.contains("Klarna can't be used"), "{text}");
    assert!(path(c).await.ends_with("/pay"));
    assert_eq!(klarna.order_count(), 0);

    // Approved: the authorisation token pays the order.
    c.execute(
        "document.getElementById('fake-klarna-outcome').value = 'approve';",
        vec![],
    )
    .await
    .unwrap();
    click(c, "button[data-pay-submit]").await;
    wait_for(c, "[data-confirmed]").await;
    assert_eq!(path(c).await, format!("/bookings/{id}"));
    browser.close().await;

    assert_eq!(klarna.order_count(), 1);
    let paid = order_json(&app, &id, &token).await;
    assert_eq!(paid["status"], "confirmed", "{paid}");
    let payment = &paid["payments"][0];
    assert_eq!(payment["provider"], "klarna");
    assert_eq!(payment["amount"], order["total_amount"]);
    assert_eq!(
        payment["status"], "succeeded",
        "captured on confirmation: {payment}"
    );
    // The order placed is the session's purchase.
    let placed = klarna.requests_to("POST", "/payments/v1/authorizations/");
    assert_eq!(placed.len(), 1);
    assert_eq!(
        placed[0].json()["order_lines"],
        sessions[0].json()["order_lines"]
    );
}

#[tokio::test]
async fn wechat_pay_on_a_computer_shows_a_code_and_moves_on_when_paid() {
    let wechat = FakeWeChatPay::start().await;
    let app = wechat_app(&wechat, None).await;
    let order = held_order(&app, &new_client(), 14).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let reference = order["reference"].as_str().unwrap().to_owned();
    let token = order["guest_token"].as_str().unwrap().to_owned();

    let Some(browser) = Browser::start(1280, 900, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    pay_with_wechat(c, &app, &reference, &id).await;
    wait_for(c, "img[data-wechat-qr]").await;
    assert_eq!(path(c).await, format!("/bookings/{id}/wechat"));
    let text = body_text(c).await;
    assert!(text.contains("扫一扫"), "{text}");
    let trade = wechat.last_trade().expect("a Native order was placed");
    let placed = wechat.trade(&trade).unwrap();
    assert!(placed.code_url.is_some(), "a Native order");

    // "I have paid" before paying: WeChat Pay is asked, and the page says it has not seen it.
    click(c, "button[data-wechat-check]").await;
    wait_for(c, "[data-wechat-notice]").await;
    let text = body_text(c).await;
    assert!(text.contains("尚未收到"), "{text}");

    // The payer scans and pays; WeChat Pay notifies us; the page moves on by itself.
    wechat.pay(&trade);
    let status = notify(
        &wechat.notify_url(&trade).unwrap(),
        "EV-2026-0001",
        "TRANSACTION.SUCCESS",
        &wechat.transaction_json(&trade),
    )
    .await;
    assert!(
        status == 200 || status == 204,
        "notification taken: {status}"
    );
    wait_for_path(c, &format!("/bookings/{id}")).await;
    wait_for(c, "[data-confirmed]").await;
    browser.close().await;

    let paid = order_json(&app, &id, &token).await;
    assert_eq!(paid["status"], "confirmed", "{paid}");
    assert_eq!(paid["payments"][0]["provider"], "wechatpay");
    assert_eq!(paid["payments"][0]["payment_method"], "wechatpay_native");
}

#[tokio::test]
async fn inside_wechat_the_payer_is_authorised_and_pays_in_wechats_sheet() {
    let wechat = FakeWeChatPay::start().await;
    let oauth = FakeWeChatOAuth::start().await;
    let app = wechat_app(&wechat, Some(&oauth)).await;
    let order = held_order(&app, &new_client(), 15).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let reference = order["reference"].as_str().unwrap().to_owned();
    let token = order["guest_token"].as_str().unwrap().to_owned();

    let Some(browser) = Browser::start_as(390, 844, "zh-CN", Some(WECHAT_UA)).await else {
        return;
    };
    let c = &browser.client;
    pay_with_wechat(c, &app, &reference, &id).await;
    // WeChat's authorisation (no prompt for snsapi_base) comes back with a code; the JSAPI
    // order is placed for the openid it stands for.
    wait_for(c, "[data-wechat-invoke]").await;
    assert_eq!(path(c).await, format!("/bookings/{id}/wechat"));
    assert_eq!(oauth.exchanges(), 1);
    let seen = oauth.authorize_url_seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].contains("scope=snsapi_base"), "{seen:?}");
    let trade = wechat.last_trade().unwrap();
    assert_eq!(
        wechat.trade(&trade).unwrap().code_url,
        None,
        "a JSAPI order, not a QR code"
    );

    // WeChat's browser provides WeixinJSBridge (native, outside the page's CSP): here a stand-in
    // that hands the sheet's arguments to the test, which plays WeChat's client.
    c.execute(BRIDGE, vec![]).await.unwrap();
    let mut args = Value::Null;
    for _ in 0..50 {
        args = c
            .execute("return window.__wxArgs || null;", vec![])
            .await
            .unwrap();
        if !args.is_null() {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert_eq!(
        c.execute("return window.__wxName;", vec![]).await.unwrap(),
        "getBrandWCPayRequest"
    );
    // First the payer closes the sheet: the page says so and stays.
    c.execute(
        "window.__wxCallback({err_msg: 'get_brand_wcpay_request:cancel'});",
        vec![],
    )
    .await
    .unwrap();
    wait_for(c, "[data-wechat-problem]:not([hidden])").await;
    assert!(body_text(c).await.contains("付款已取消"));
    // Then opens it again and pays: WeChat checks the arguments (our paySign) and takes it.
    c.execute("window.__wxArgs = null;", vec![]).await.unwrap();
    click(c, "[data-wechat-open]").await;
    let again = c.execute("return window.__wxArgs;", vec![]).await.unwrap();
    assert_eq!(again, args);
    assert_eq!(wechat.pay_jsapi(&args), Ok(trade.clone()));
    c.execute(
        "window.__wxCallback({err_msg: 'get_brand_wcpay_request:ok'});",
        vec![],
    )
    .await
    .unwrap();
    wait_for_path(c, &format!("/bookings/{id}")).await;
    wait_for(c, "[data-confirmed]").await;
    browser.close().await;

    let paid = order_json(&app, &id, &token).await;
    assert_eq!(paid["status"], "confirmed", "{paid}");
    assert_eq!(
        paid["payments"][0]["payment_method"],
        format!("wechatpay_jsapi:{DEFAULT_OPENID}")
    );
    let jsapi: Vec<_> = wechat
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query == "/v3/pay/transactions/jsapi")
        .collect();
    assert_eq!(jsapi.len(), 1, "one JSAPI order");
}

/// The pay form's hidden fields on the payment page for this client.
async fn pay_form_fields(app: &TestApp, id: &str) -> (String, String) {
    let html = app
        .get(&format!("/bookings/{id}/pay"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html).expect("csrf token");
    let nonce = html
        .split("name=\"nonce\" value=\"")
        .nth(1)
        .and_then(|r| r.split('"').next())
        .expect("nonce")
        .to_owned();
    (csrf, nonce)
}

#[tokio::test]
async fn in_a_phones_browser_wechat_pay_sends_the_payer_to_its_page_and_back() {
    let wechat = FakeWeChatPay::start().await;
    // Behind a proxy: the payer's own address is the first of X-Forwarded-For.
    let section = wechatpay_section(&wechat, None);
    let app = spawn_app_with(move |c| {
        c.payments.wechatpay = Some(serde_json::from_value(section).unwrap());
        c.http.trust_forwarded_proto = true;
    })
    .await;
    let order = held_order(&app, &new_client(), 16).await;
    let id = order["id"].as_str().unwrap().to_owned();
    let reference = order["reference"].as_str().unwrap().to_owned();

    // The guest opens the booking with this client's cookies.
    let csrf = app.csrf_token().await;
    let res = app
        .client
        .post(app.url("/bookings/find"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("reference", reference.as_str()),
            ("email", "mei@example.com"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);

    // The CSP of the payment page lets the form's answer lead to WeChat Pay's page.
    let page = app.get(&format!("/bookings/{id}/pay")).await;
    let csp = page.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("form-action 'self' {}", wechat.base_url)),
        "{csp}"
    );
    let html = page.text().await.unwrap();
    assert!(html.contains("value=\"wechatpay\""), "WeChat Pay offered");

    let (csrf, nonce) = pay_form_fields(&app, &id).await;
    let res = app
        .client
        .post(app.url(&format!("/bookings/{id}/pay")))
        .header("user-agent", PHONE_UA)
        .header("x-forwarded-for", "203.0.113.7, 10.0.0.2")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("nonce", nonce.as_str()),
            ("method", "wechatpay"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let location = res.headers()["location"].to_str().unwrap().to_owned();
    assert!(
        location.starts_with("https://wx.tenpay.com/cgi-bin/mmpayweb-bin/checkmweb?prepay_id="),
        "{location}"
    );
    let back = format!("{}/bookings/{id}/wechat", app.url(""));
    let encoded: String = url::form_urlencoded::byte_serialize(back.as_bytes()).collect();
    assert!(
        location.ends_with(&format!("&redirect_url={encoded}")),
        "{location}"
    );
    let h5: Vec<_> = wechat
        .requests()
        .into_iter()
        .filter(|r| r.path_and_query == "/v3/pay/transactions/h5")
        .collect();
    assert_eq!(h5.len(), 1);
    // WeChat Pay is told the payer's address (it refuses its page to another network), and
    // the attempt keeps it for a request asked again.
    let sent: Value = serde_json::from_str(&h5[0].body).unwrap();
    assert_eq!(sent["scene_info"]["payer_client_ip"], "203.0.113.7");
    let payments = app.state.store().order_payments(&id).await.unwrap();
    assert_eq!(payments[0].payer_ip.as_deref(), Some("203.0.113.7"));

    // Back from WeChat Pay's page: ours waits for the answer, and leads to the H5 page again.
    let page = app.get(&format!("/bookings/{id}/wechat")).await;
    assert_eq!(page.status(), 200);
    let html = page.text().await.unwrap();
    assert!(html.contains("data-wechat-pay=\"h5\""), "{html}");
    assert!(html.contains("data-wechat-h5"));
    // The order page points there too.
    let html = app
        .get(&format!("/bookings/{id}"))
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("redirect_url="), "{html}");

    // "Pay another way" closes the trade and reopens the payment page.
    let page_html = app
        .get(&format!("/bookings/{id}/wechat"))
        .await
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&page_html).unwrap();
    let res = app
        .client
        .post(app.url(&format!("/bookings/{id}/wechat")))
        .form(&[("csrf_token", csrf.as_str()), ("action", "cancel")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"].to_str().unwrap(),
        format!("/bookings/{id}/pay")
    );
    let trade = wechat.last_trade().unwrap();
    assert_eq!(wechat.trade(&trade).unwrap().state, "CLOSED");
    let token = order["guest_token"].as_str().unwrap();
    let view = order_json(&app, &id, token).await;
    assert_eq!(view["status"], "held", "payable again: {view}");
    assert_eq!(view["payments"][0]["status"], "cancelled", "{view}");
}
