//! The booking pages over HTTP: the checkout with its price breakdown in both languages, a
//! changed price said in words, refused passengers shown beside their fields with nothing
//! booked, a guest's checkout → payment → order page (with the guest cookie), a declined card
//! and 3-D Secure, find-my-booking, someone else's order, my bookings' sections, and the agent's
//! customer field.

use chrono::{Duration, Utc};
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_testkit::{TestApp, extract_csrf, new_client, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

/// The cheapest one-way offer `days` out for `adults`.
async fn flight_offer(app: &TestApp, from: &str, to: &str, days: i64, adults: u8) -> Value {
    let res = new_client()
        .post(app.url("/api/v1/flights/search"))
        .json(&json!({"slices": [{"origin": from, "destination": to, "departure_date": date_in(days)}],
                "passengers": {"adults": adults}, "cabin_class": "economy", "max_connections": 1,
                "sort": "price", "limit": 20}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    body["offers"][0].clone()
}

/// `1234.50-CNY`, as the flight page's Book link carries the price shown.
fn seen(money: &Value) -> String {
    format!(
        "{}-{}",
        money["amount"].as_str().unwrap(),
        money["currency"].as_str().unwrap()
    )
}

fn checkout_path(offer: &Value, adults: u8) -> String {
    format!(
        "/checkout?offer={}&seen={}&adults={adults}&children=0&infants=0",
        urlencode(offer["id"].as_str().unwrap()),
        seen(&offer["total_amount"])
    )
}

fn urlencode(s: &str) -> String {
    url::form_urlencoded::byte_serialize(s.as_bytes()).collect()
}

async fn page(client: &Client, app: &TestApp, path: &str, lang: &str) -> (u16, String) {
    let res = client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

fn unescape(s: &str) -> String {
    s.replace("&#38;", "&")
        .replace("&amp;", "&")
        .replace("&#34;", "\"")
        .replace("&quot;", "\"")
        .replace("&#39;", "'")
        .replace("&#60;", "<")
        .replace("&#62;", ">")
}

/// The hidden inputs of the form posting to `action` (the CSRF token among them).
fn hidden_fields(html: &str, action: &str) -> Vec<(String, String)> {
    let start = html
        .find(&format!("action=\"{action}\""))
        .unwrap_or_else(|| panic!("no form for {action}"));
    let form = &html[start..];
    let form = &form[..form.find("</form>").unwrap_or(form.len())];
    let mut out = Vec::new();
    for (i, _) in form.match_indices("<input type=\"hidden\"") {
        let tag = &form[i..];
        let tag = &tag[..tag.find('>').unwrap()];
        let attr = |name: &str| {
            let needle = format!("{name}=\"");
            let at = tag.find(&needle)? + needle.len();
            let end = tag[at..].find('"')?;
            Some(unescape(&tag[at..at + end]))
        };
        if let (Some(n), Some(v)) = (attr("name"), attr("value")) {
            out.push((n, v));
        }
    }
    out
}

fn passenger(n: usize, given: &str, family: &str, international: bool) -> Vec<(String, String)> {
    let mut v = vec![
        (format!("p{n}.type"), "adult".to_owned()),
        (format!("p{n}.given_name"), given.to_owned()),
        (format!("p{n}.family_name"), family.to_owned()),
        (format!("p{n}.born_on"), "1988-05-01".to_owned()),
        (format!("p{n}.gender"), "f".to_owned()),
    ];
    if international {
        v.push((format!("p{n}.nationality"), "CN".to_owned()));
        v.push((format!("p{n}.passport_number"), "E12345678".to_owned()));
        v.push((format!("p{n}.passport_expires_on"), date_in(3000)));
    }
    v
}

fn contact(email: &str) -> Vec<(String, String)> {
    vec![
        ("contact_email".into(), email.into()),
        ("contact_phone".into(), "+8613800138000".into()),
    ]
}

async fn post_form(
    client: &Client,
    app: &TestApp,
    path: &str,
    form: &[(String, String)],
    lang: &str,
) -> reqwest::Response {
    client
        .post(app.url(path))
        .header("accept-language", lang)
        .form(form)
        .send()
        .await
        .unwrap()
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default()
}

/// Books `offer` through the checkout page for one adult; answers the order id.
async fn checkout(
    app: &TestApp,
    client: &Client,
    offer: &Value,
    email: &str,
    international: bool,
) -> (String, reqwest::header::HeaderMap) {
    let (status, html) = page(client, app, &checkout_path(offer, 1), "en").await;
    assert_eq!(status, 200, "{html}");
    let mut form = hidden_fields(&html, "/checkout");
    form.extend(passenger(0, "Wei", "Li", international));
    form.extend(contact(email));
    let res = post_form(client, app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let to = location(&res);
    let id = to
        .strip_prefix("/bookings/")
        .and_then(|r| r.strip_suffix("/pay"))
        .unwrap_or_else(|| panic!("to the payment page, not {to}"))
        .to_owned();
    (id, res.headers().clone())
}

/// Pays order `id` on its payment page with a sandbox card; answers the redirect.
async fn pay(app: &TestApp, client: &Client, id: &str, method: &str) -> reqwest::Response {
    let path = format!("/bookings/{id}/pay");
    let (status, html) = page(client, app, &path, "en").await;
    assert_eq!(status, 200, "{html}");
    let mut form = hidden_fields(&html, &path);
    form.push(("payment_method".into(), method.into()));
    post_form(client, app, &path, &form, "en").await
}

/// The part of the page from `id="start"` to the next section.
fn section<'a>(html: &'a str, id: &str) -> &'a str {
    let at = html
        .find(&format!("id=\"{id}\""))
        .unwrap_or_else(|| panic!("no section {id}"));
    let rest = &html[at..];
    let end = rest[1..].find("<section").map_or(rest.len(), |e| e + 1);
    &rest[..end]
}

#[tokio::test]
async fn the_checkout_shows_the_trip_and_its_price_breakdown_in_both_languages() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PVG", "LHR", 20, 1).await;
    let path = checkout_path(&offer, 1);
    let client = new_client();
    let (status, en) = page(&client, &app, &path, "en").await;
    assert_eq!(status, 200, "{en}");
    assert!(en.contains("<h1>Checkout</h1>"), "{en}");
    assert!(en.contains("Price breakdown") && en.contains(">Fare<") && en.contains(">Taxes<"));
    assert!(en.contains("data-total"));
    // The flight's segments with their times and airports.
    assert!(en.contains("PVG") && en.contains("LHR") && en.contains("class=\"seg-time\""));
    // International: passports asked; the price as seen: no notice.
    assert!(en.contains("Passport number") && en.contains("Nationality"));
    assert!(!en.contains("data-price-changed"), "the price did not move");
    // Both in one trip: a hotel at the arrival, three nights from the arrival date.
    assert!(en.contains("Add a hotel in London"), "{en}");
    let add = en
        .split("data-add-hotel")
        .next()
        .unwrap()
        .rsplit("href=\"")
        .next()
        .unwrap();
    assert!(
        add.starts_with("/hotels?") && add.contains("trip_offer="),
        "{add}"
    );
    // Nobody signed in: no agent field.
    assert!(!en.contains("data-agent"));

    let (status, zh) = page(&client, &app, &path, "zh-CN").await;
    assert_eq!(status, 200);
    assert!(zh.contains("价格明细") && zh.contains("护照号码") && zh.contains("总价"));
    assert!(zh.contains("添加伦敦的酒店"), "{zh}");

    // A domestic flight needs no passport.
    let domestic = flight_offer(&app, "PEK", "SHA", 10, 1).await;
    let (status, html) = page(&client, &app, &checkout_path(&domestic, 1), "en").await;
    assert_eq!(status, 200);
    assert!(!html.contains("Passport number"));
    // An offer nobody sells is said plainly, with a way back to searching.
    let (status, html) = page(&client, &app, "/checkout?offer=bi_nonsense", "en").await;
    assert!(status == 404 || status == 410, "{status}");
    assert!(html.contains("data-unavailable") && html.contains("href=\"/flights\""));
    app.stop().await;
}

#[tokio::test]
async fn a_changed_price_is_said_in_words_and_submitting_accepts_it() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 12, 1).await;
    let currency = offer["total_amount"]["currency"].as_str().unwrap();
    let path = format!(
        "/checkout?offer={}&seen=1.00-{currency}&adults=1",
        urlencode(offer["id"].as_str().unwrap())
    );
    let client = new_client();
    let (status, html) = page(&client, &app, &path, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-price-changed"), "{html}");
    assert!(html.contains("The price changed from ¥1 to"), "{html}");
    let (_, zh) = page(&client, &app, &path, "zh-CN").await;
    assert!(zh.contains("价格已从 ¥1 变为"), "{zh}");
    // The form carries the new total: sending it books at that price.
    let mut form = hidden_fields(&html, "/checkout");
    let accept = form
        .iter()
        .find(|(k, _)| k == "accept_price")
        .map(|(_, v)| v.clone())
        .unwrap();
    assert_eq!(accept, seen(&offer["total_amount"]));
    form.extend(passenger(0, "Wei", "Li", false));
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 303);
    // A total that moved after the form was shown comes back as a notice, not an order.
    let (_, html) = page(&client, &app, &checkout_path(&offer, 1), "en").await;
    let mut form: Vec<(String, String)> = hidden_fields(&html, "/checkout")
        .into_iter()
        .map(|(k, v)| {
            if k == "accept_price" {
                (k, format!("2.00-{currency}"))
            } else {
                (k, v)
            }
        })
        .collect();
    form.extend(passenger(0, "Wei", "Li", false));
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 409);
    let html = res.text().await.unwrap();
    assert!(html.contains("The price changed from ¥2 to"), "{html}");
    app.stop().await;
}

#[tokio::test]
async fn refused_passengers_come_back_beside_their_field_and_nothing_is_booked() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PVG", "LHR", 22, 1).await;
    let client = new_client();
    let (_, html) = page(&client, &app, &checkout_path(&offer, 1), "en").await;
    let base = hidden_fields(&html, "/checkout");
    assert!(base.iter().any(|(k, _)| k == "csrf_token"));

    // A digit in a passport name.
    let mut form = base.clone();
    form.extend(passenger(0, "W3i", "Li", true));
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let field = html.split("id=\"p0-given_name\"").nth(1).unwrap();
    let field = &field[..field.find("</div>").unwrap()];
    assert!(field.contains("aria-invalid=\"true\""), "{field}");
    assert!(field.contains("class=\"field-error\""), "{field}");
    assert!(field.contains("value=\"W3i\""), "what was typed is kept");
    assert!(
        html.contains("href=\"#p0-given_name\""),
        "the summary links to it"
    );
    assert!(html.contains("value=\"mei@example.com\""));

    // A birth date in the future, in Chinese.
    let mut form = base.clone();
    let mut p = passenger(0, "Wei", "Li", true);
    p[3].1 = date_in(5);
    form.extend(p);
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "zh-CN").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let field = html.split("id=\"p0-born_on\"").nth(1).unwrap();
    let field = &field[..field.find("</div>").unwrap()];
    assert!(field.contains("出生日期不能晚于今天"), "{field}");

    // A passport that runs out too soon, and a date that is no date.
    let mut form = base.clone();
    let mut p = passenger(0, "Wei", "Li", true);
    p[7].1 = date_in(40);
    form.extend(p);
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    let field = html.split("id=\"p0-passport_expires_on\"").nth(1).unwrap();
    assert!(field[..field.find("</div>").unwrap()].contains("6 months"));
    let mut form = base.clone();
    let mut p = passenger(0, "Wei", "Li", true);
    p[3].1 = "1 May".into();
    form.extend(p);
    form.extend(contact("mei@example.com"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 422);
    // A bad e-mail address.
    let mut form = base.clone();
    form.extend(passenger(0, "Wei", "Li", true));
    form.extend(contact("not-an-address"));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(html.contains("href=\"#contact_email\""), "{html}");

    use wayfare_store::sea_orm::{EntityTrait, PaginatorTrait};
    let orders = wayfare_store::entity::order::Entity::find()
        .count(app.state.store().db())
        .await
        .unwrap();
    assert_eq!(orders, 0, "nothing was booked");
    app.stop().await;
}

#[tokio::test]
async fn a_guest_checks_out_pays_and_finds_the_booking_again() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 10, 1).await;
    let guest = new_client();
    let (id, headers) = checkout(&app, &guest, &offer, "mei@example.com", false).await;
    // The guest's cookie opens this order's pages only, and scripts cannot read it.
    let cookies: Vec<&str> = headers
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap())
        .collect();
    let name = format!("wf_order_{id}=wfg_");
    let on_order = cookies
        .iter()
        .find(|c| c.starts_with(&name) && c.contains(&format!("Path=/bookings/{id}")))
        .unwrap_or_else(|| panic!("{cookies:?}"));
    assert!(on_order.contains("HttpOnly") && on_order.contains("SameSite=Lax"));
    assert!(!on_order.contains("Secure"), "plain HTTP in tests");
    assert!(
        cookies
            .iter()
            .any(|c| c.starts_with(&name) && c.contains("Path=/payments/sandbox"))
    );

    // The payment page: the hold's countdown, the breakdown, the sandbox's cards.
    let path = format!("/bookings/{id}/pay");
    let (status, html) = page(&guest, &app, &path, "en").await;
    assert_eq!(status, 200, "{html}");
    assert!(html.contains("data-countdown") && html.contains("Held until"));
    assert!(html.contains("value=\"pm_card_visa\" checked"));
    assert!(html.contains("Price breakdown"));
    let mut form = hidden_fields(&html, &path);
    form.push(("payment_method".into(), "pm_card_visa".into()));
    let res = post_form(&guest, &app, &path, &form, "en").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/bookings/{id}"));
    // The same form sent again (a double click) pays nothing more.
    let res = post_form(&guest, &app, &path, &form, "en").await;
    assert_eq!(res.status(), 303);
    let payments = app.state.store().order_payments(&id).await.unwrap();
    assert_eq!(payments.len(), 1, "{payments:?}");

    let (status, html) = page(&guest, &app, &format!("/bookings/{id}"), "en").await;
    assert_eq!(status, 200);
    let row = app.state.store().order(&id).await.unwrap().unwrap();
    let reference = row.reference.clone();
    assert!(
        html.contains(&format!("Booking confirmed — reference {reference}")),
        "{html}"
    );
    assert!(html.contains("data-confirmation") && html.contains("data-ticket"));
    assert!(html.contains("Booking made and held") && html.contains("Payment authorised"));
    assert!(html.contains(">Guest<"), "the timeline says who");
    let (_, zh) = page(&guest, &app, &format!("/bookings/{id}"), "zh-CN").await;
    assert!(zh.contains(&format!("预订成功 — 预订编号 {reference}")));

    // Another browser cannot see it…
    let stranger = new_client();
    let (status, _) = page(&stranger, &app, &format!("/bookings/{id}"), "en").await;
    assert_eq!(status, 404);
    let (other, _) = app.signed_in("other@example.com").await;
    let (status, html) = page(&other, &app, &format!("/bookings/{id}"), "en").await;
    assert_eq!(status, 404);
    assert!(!html.contains(&reference));
    // …until it finds the booking with the reference and the e-mail address.
    let (status, html) = page(&stranger, &app, "/bookings/find", "en").await;
    assert_eq!(status, 200);
    let mut form = hidden_fields(&html, "/bookings/find");
    form.push(("reference".into(), reference.to_lowercase()));
    form.push(("email".into(), "someone@example.com".into()));
    let res = post_form(&stranger, &app, "/bookings/find", &form, "en").await;
    assert_eq!(res.status(), 404);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("We couldn&#39;t find a booking with that reference and e-mail address")
            || html.contains("We couldn't find a booking with that reference and e-mail address"),
        "{html}"
    );
    assert!(html.contains("value=\"someone@example.com\""));
    let mut form = hidden_fields(&html, "/bookings/find");
    form.push((
        "reference".into(),
        format!(" {} ", reference.to_lowercase()),
    ));
    form.push(("email".into(), "MEI@example.com".into()));
    let res = post_form(&stranger, &app, "/bookings/find", &form, "en").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/bookings/{id}"));
    let (status, html) = page(&stranger, &app, &format!("/bookings/{id}"), "en").await;
    assert_eq!(status, 200);
    assert!(html.contains(&reference));
    app.stop().await;
}

#[tokio::test]
async fn a_declined_card_can_be_retried_and_three_d_secure_asks_the_bank() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    let offer = flight_offer(&app, "PEK", "SHA", 9, 1).await;
    let (id, headers) = checkout(&app, &client, &offer, "mei@example.com", false).await;
    assert!(
        headers.get("set-cookie").is_none(),
        "a signed-in order needs no guest cookie"
    );
    let res = pay(
        &app,
        &client,
        &id,
        "pm_card_chargeDeclinedInsufficientFunds",
    )
    .await;
    assert_eq!(res.status(), 402);
    let html = res.text().await.unwrap();
    assert!(html.contains("insufficient funds"), "{html}");
    assert!(html.contains("data-pay-error"));
    // Back to held: another card, this one with the bank's check.
    let res = pay(&app, &client, &id, "pm_card_authenticationRequired").await;
    assert_eq!(res.status(), 303);
    let to = location(&res);
    assert!(to.starts_with("/payments/sandbox/authenticate/"), "{to}");
    let (status, html) = page(&client, &app, &to, "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Your bank wants to confirm this payment"));
    assert!(html.contains("Sandbox bank"));
    // Nobody else may answer for this payment.
    let (status, _) = page(&new_client(), &app, &to, "en").await;
    assert_eq!(status, 404);
    let mut form = hidden_fields(&html, &to);
    form.push(("answer".into(), "approve".into()));
    let res = post_form(&client, &app, &to, &form, "en").await;
    assert_eq!(res.status(), 303);
    assert_eq!(location(&res), format!("/bookings/{id}"));
    let row = app.state.store().order(&id).await.unwrap().unwrap();
    assert_eq!(row.status, "confirmed");
    let (_, html) = page(&client, &app, &format!("/bookings/{id}"), "en").await;
    assert!(html.contains("Bank asked to confirm the payment"));
    assert!(html.contains("Payment declined"));
    assert!(html.contains(">You<"));
    app.stop().await;
}

#[tokio::test]
async fn my_bookings_sorts_orders_into_upcoming_past_and_ended() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    // Signed in, the nav offers my bookings; signed out, finding one.
    let (_, html) = page(&client, &app, "/", "en").await;
    assert!(html.contains("href=\"/bookings\"") && !html.contains("data-find-booking"));
    let (_, html) = page(&new_client(), &app, "/", "en").await;
    assert!(html.contains("href=\"/bookings/find\"") && !html.contains("data-my-bookings"));
    // Signed out, my bookings asks to sign in first.
    let res = new_client().get(app.url("/bookings")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(location(&res).starts_with("/login?next=%2Fbookings"));

    let held = flight_offer(&app, "PEK", "SHA", 8, 1).await;
    let (held_id, _) = checkout(&app, &client, &held, "mei@example.com", false).await;
    let paid = flight_offer(&app, "PEK", "SHA", 11, 1).await;
    let (paid_id, _) = checkout(&app, &client, &paid, "mei@example.com", false).await;
    assert_eq!(
        pay(&app, &client, &paid_id, "pm_card_visa").await.status(),
        303
    );
    let gone = flight_offer(&app, "PEK", "SHA", 13, 1).await;
    let (gone_id, _) = checkout(&app, &client, &gone, "mei@example.com", false).await;
    let old = flight_offer(&app, "PEK", "SHA", 14, 1).await;
    let (old_id, _) = checkout(&app, &client, &old, "mei@example.com", false).await;
    assert_eq!(
        pay(&app, &client, &old_id, "pm_card_visa").await.status(),
        303
    );
    // Time passes: one hold runs out, one trip is over.
    let store = app.state.store();
    use wayfare_store::sea_orm::{ActiveModelTrait, ActiveValue, IntoActiveModel};
    let row = store.order(&gone_id).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.hold_expires_at = ActiveValue::Set(Utc::now() - Duration::seconds(1));
    active.update(store.db()).await.unwrap();
    app.state.orders().sweep().await.unwrap();
    let row = store.order(&old_id).await.unwrap().unwrap();
    let mut active = row.into_active_model();
    active.starts_at = ActiveValue::Set(Utc::now() - Duration::days(10));
    active.ends_at = ActiveValue::Set(Utc::now() - Duration::days(10));
    active.update(store.db()).await.unwrap();

    let reference = |id: &str| {
        let id = id.to_owned();
        async move { store.order(&id).await.unwrap().unwrap().reference }
    };
    let (status, html) = page(&client, &app, "/bookings", "en").await;
    assert_eq!(status, 200, "{html}");
    let upcoming = section(&html, "upcoming");
    let past = section(&html, "past");
    let ended = section(&html, "ended");
    let (held_ref, paid_ref, gone_ref, old_ref) = (
        reference(&held_id).await,
        reference(&paid_id).await,
        reference(&gone_id).await,
        reference(&old_id).await,
    );
    assert!(
        upcoming.contains(&held_ref) && upcoming.contains(&paid_ref),
        "{upcoming}"
    );
    assert!(
        upcoming.contains(&format!("href=\"/bookings/{held_id}/pay\"")),
        "a held order can be paid from the list"
    );
    assert!(!upcoming.contains(&format!("href=\"/bookings/{paid_id}/pay\"")));
    assert!(upcoming.contains("Held, awaiting payment") && upcoming.contains("Confirmed"));
    assert!(
        past.contains(&old_ref) && !past.contains(&paid_ref),
        "{past}"
    );
    assert!(
        ended.contains(&gone_ref) && ended.contains("Expired"),
        "{ended}"
    );
    assert!(upcoming.contains("Beijing → Shanghai") || upcoming.contains("PEK → SHA"));
    let (_, zh) = page(&client, &app, "/bookings", "zh-CN").await;
    assert!(zh.contains("即将出行") && zh.contains("已取消和已过期"));

    // The expired order's payment page says so, with a way back to searching.
    let (status, html) = page(&client, &app, &format!("/bookings/{gone_id}/pay"), "en").await;
    assert_eq!(status, 409);
    assert!(html.contains("The time to pay ran out") && html.contains("href=\"/flights\""));
    app.stop().await;
}

#[tokio::test]
async fn only_agents_see_the_customer_field_and_book_for_that_customer() {
    let app = spawn_app().await;
    let offer = flight_offer(&app, "PEK", "SHA", 12, 1).await;
    let path = checkout_path(&offer, 1);
    let (agent, agent_id) = app.signed_in("agent@example.com").await;
    let (_, html) = page(&agent, &app, &path, "en").await;
    assert!(!html.contains("data-agent") && !html.contains("Customer (e-mail or phone)"));
    // A signed-in traveller has their address filled in.
    assert!(html.contains("value=\"agent@example.com\""));
    app.state
        .store()
        .grant_role(&agent_id, "agent", None, Utc::now())
        .await
        .unwrap();
    let (_, html) = page(&agent, &app, &path, "en").await;
    assert!(html.contains("data-agent") && html.contains("Customer (e-mail or phone)"));
    let (_, zh) = page(&agent, &app, &path, "zh-CN").await;
    assert!(zh.contains("客户（邮箱或手机号）"));

    let mut form = hidden_fields(&html, "/checkout");
    form.extend(passenger(0, "Wei", "Li", false));
    form.extend(contact("customer@example.com"));
    form.push(("customer".into(), "customer@example.com".into()));
    let res = post_form(&agent, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 303);
    let id = location(&res)
        .trim_start_matches("/bookings/")
        .trim_end_matches("/pay")
        .to_owned();
    let row = app.state.store().order(&id).await.unwrap().unwrap();
    assert_eq!(row.agent_id.as_deref(), Some(agent_id.as_str()));
    let customer = app
        .state
        .store()
        .user_by_email("customer@example.com")
        .await
        .unwrap()
        .unwrap();
    assert_eq!(row.user_id.as_deref(), Some(customer.id.as_str()));
    // The agent sees it in their list and may open it.
    let (_, html) = page(&agent, &app, "/bookings", "en").await;
    assert!(html.contains(&row.reference) && html.contains("placed by you for a customer"));
    let (status, _) = page(&agent, &app, &format!("/bookings/{id}"), "en").await;
    assert_eq!(status, 200);
    // A traveller who is no agent cannot book for someone else: the field is ignored.
    let (traveller, traveller_id) = app.signed_in("mei@example.com").await;
    let (_, html) = page(&traveller, &app, &path, "en").await;
    let mut form = hidden_fields(&html, "/checkout");
    form.extend(passenger(0, "Wei", "Li", false));
    form.extend(contact("mei@example.com"));
    form.push(("customer".into(), "victim@example.com".into()));
    let res = post_form(&traveller, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 303);
    let id = location(&res)
        .trim_start_matches("/bookings/")
        .trim_end_matches("/pay")
        .to_owned();
    let row = app.state.store().order(&id).await.unwrap().unwrap();
    assert_eq!(row.user_id.as_deref(), Some(traveller_id.as_str()));
    assert!(row.agent_id.is_none());
    assert!(
        extract_csrf(&html).is_some(),
        "the checkout form carries the CSRF token"
    );
    app.stop().await;
}

#[tokio::test]
async fn saved_travellers_fill_the_passengers_and_their_passport_is_used_unseen() {
    let app = spawn_app().await;
    let (client, _) = app.signed_in("mei@example.com").await;
    for (given, family, number) in [
        ("MEI LING", "ZHANG", "E99887766"),
        ("WEI", "LI", "E11223344"),
    ] {
        let res = client
            .post(app.url("/api/v1/me/travellers"))
            .json(
                &json!({"given_name": given, "family_name": family, "date_of_birth": "1985-02-03",
                          "gender": "female", "nationality": "CN", "document_type": "passport",
                          "document_number": number, "document_country": "CN",
                          "document_expiry": date_in(3000)}),
            )
            .send()
            .await
            .unwrap();
        assert!(res.status().is_success(), "{}", res.text().await.unwrap());
    }
    let offer = flight_offer(&app, "PVG", "LHR", 24, 2).await;
    let (status, html) = page(&client, &app, &checkout_path(&offer, 2), "en").await;
    assert_eq!(status, 200);
    // Without a script the first saved travellers are already in the passenger blocks…
    assert!(html.contains("data-fill-traveller") && html.contains("Fill from a saved traveller"));
    let block = |n: usize| {
        let b = html
            .split(&format!("data-passenger=\"{n}\""))
            .nth(1)
            .unwrap();
        b[..b.find("</fieldset>").unwrap()].to_owned()
    };
    assert!(block(1).contains("value=\"ZHANG\"") && block(1).contains("value=\"1985-02-03\""));
    assert!(block(2).contains("value=\"LI\""));
    // …the passport number never is: only its masked form, as a hint.
    assert!(!html.contains("E99887766"));
    assert!(block(1).contains("Leave blank to use the saved passport E"));
    // The account's address is the contact.
    assert!(html.contains("value=\"mei@example.com\""));

    // Sent as shown, with the passport numbers left blank: the saved ones are used.
    let mut form = hidden_fields(&html, "/checkout");
    for n in 0..2 {
        let b = block(n + 1);
        let value = |name: &str| {
            let at = b.find(&format!("name=\"p{n}.{name}\"")).unwrap();
            let rest = &b[at..];
            if rest[..rest.find('>').unwrap()].contains("value=\"") {
                let v = rest.find("value=\"").unwrap() + 7;
                rest[v..v + rest[v..].find('"').unwrap()].to_owned()
            } else {
                // A select: its chosen option.
                let sel = rest.find(" selected").map(|s| &rest[..s]).unwrap_or("");
                let v = sel.rfind("value=\"").map(|v| v + 7).unwrap_or(0);
                sel[v..v + sel[v..].find('"').unwrap_or(0)].to_owned()
            }
        };
        for name in [
            "type",
            "given_name",
            "family_name",
            "born_on",
            "gender",
            "nationality",
            "passport_expires_on",
            "saved",
        ] {
            form.push((format!("p{n}.{name}"), value(name)));
        }
        form.push((format!("p{n}.passport_number"), String::new()));
    }
    form.push(("contact_email".into(), "mei@example.com".into()));
    form.push(("contact_phone".into(), "+8613800138000".into()));
    let res = post_form(&client, &app, "/checkout", &form, "en").await;
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    let id = location(&res)
        .trim_start_matches("/bookings/")
        .trim_end_matches("/pay")
        .to_owned();
    let travellers = app.state.store().order_travellers(&id).await.unwrap();
    let last4: Vec<_> = travellers
        .iter()
        .filter_map(|t| t.document_last4.clone())
        .collect();
    assert_eq!(last4, ["7766", "3344"]);
    app.stop().await;
}
