//! The traveller's own data over real HTTP: saved travellers with sealed document numbers,
//! preferences used as search defaults, stored payment methods (sealed tokens, no card data),
//! notification settings and history, export, and account deletion — each scoped to its owner
//! (another user's ids answer 404) and 401 without a session.

use serde_json::{Value, json};
use wayfare_testkit::{TestApp, code_in, extract_csrf, new_client, spawn_app};

const PASSWORD: &str = "lantern-harbour-93";

/// Sends JSON (or nothing) with `method`, in `lang`; returns status and JSON body.
async fn call(
    app: &TestApp,
    client: &reqwest::Client,
    method: reqwest::Method,
    path: &str,
    body: Option<Value>,
    lang: &str,
) -> (u16, Value) {
    let mut req = client
        .request(method, app.url(path))
        .header("accept-language", lang);
    if let Some(b) = body {
        req = req.json(&b);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

async fn get(app: &TestApp, c: &reqwest::Client, path: &str) -> (u16, Value) {
    call(app, c, reqwest::Method::GET, path, None, "en").await
}

async fn post(app: &TestApp, c: &reqwest::Client, path: &str, body: Value) -> (u16, Value) {
    call(app, c, reqwest::Method::POST, path, Some(body), "en").await
}

/// Registers and confirms `email`; the client ends up signed in. Returns the user id.
async fn register(app: &TestApp, client: &reqwest::Client, email: &str) -> String {
    let (status, body) = post(
        app,
        client,
        "/api/v1/auth/register",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let code = code_in(&app.last_message(email));
    let (status, body) = post(
        app,
        client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, me) = get(app, client, "/api/v1/me").await;
    me["id"].as_str().unwrap().to_owned()
}

fn passport() -> Value {
    json!({
        "given_name": "Wei", "family_name": "Li", "name_zh": "李伟",
        "date_of_birth": "1988-03-14", "gender": "male", "nationality": "cn",
        "document_type": "passport", "document_number": "E1234 5567",
        "document_country": "CN", "document_expiry": "2099-01-31"
    })
}

fn card(token: &str, last4: &str) -> Value {
    json!({"provider_token": token, "brand": "visa", "last4": last4, "exp_month": 12, "exp_year": 2099})
}

#[tokio::test]
async fn account_data_travellers_crud_sealed_validated_and_scoped() {
    let app = spawn_app().await;
    let a = new_client();
    let b = new_client();
    register(&app, &a, "a.traveller@example.com").await;
    register(&app, &b, "b.traveller@example.com").await;

    let (status, t) = post(&app, &a, "/api/v1/me/travellers", passport()).await;
    assert_eq!(status, 201, "{t}");
    assert_eq!(t["given_name"], "WEI");
    assert_eq!(t["nationality"], "CN");
    assert_eq!(t["document_number_masked"], "E•••••567");
    assert!(!t.to_string().contains("E12345567"), "{t}");
    let id = t["id"].as_str().unwrap().to_owned();

    // Sealed at rest, bound to this traveller.
    let user_a = app
        .state
        .store()
        .user_by_email("a.traveller@example.com")
        .await
        .unwrap()
        .unwrap();
    let row = app
        .state
        .store()
        .traveller(&user_a.id, &id)
        .await
        .unwrap()
        .unwrap();
    let sealed = row.document_number_sealed.unwrap();
    assert!(
        !sealed.contains("E12345567") && !sealed.contains("12345567"),
        "{sealed}"
    );
    let sealer = app.state.accounts().sealer();
    assert_eq!(
        sealer
            .open(&sealed, &format!("traveller.document:{id}"))
            .unwrap(),
        "E12345567"
    );
    assert!(sealer.open(&sealed, "traveller.document:other").is_err());

    let (status, list) = get(&app, &a, "/api/v1/me/travellers").await;
    assert_eq!(status, 200);
    assert_eq!(list.as_array().unwrap().len(), 1);

    // A partial change keeps the document.
    let (status, t) = call(
        &app,
        &a,
        reqwest::Method::PATCH,
        &format!("/api/v1/me/travellers/{id}"),
        Some(json!({"nationality": "HK", "name_zh": ""})),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{t}");
    assert_eq!(t["nationality"], "HK");
    assert_eq!(t["name_zh"], Value::Null);
    assert_eq!(t["document_number_masked"], "E•••••567");

    // Validation: 4xx naming the field, in the request's language, never a 500.
    let cases = [
        (
            json!({"given_name": "Wéi", "family_name": "Li"}),
            "given_name",
        ),
        (json!({"family_name": "Li"}), "given_name"),
        (
            json!({"given_name": "Wei", "family_name": "Li", "name_zh": "Li Wei"}),
            "name_zh",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "date_of_birth": "2999-01-01"}),
            "date_of_birth",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "date_of_birth": "14/03/1988"}),
            "date_of_birth",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "gender": "robot"}),
            "gender",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "nationality": "China"}),
            "nationality",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "document_type": "visa"}),
            "document_type",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "document_type": "passport", "document_number": "E1"}),
            "document_number",
        ),
        (
            json!({"given_name": "Wei", "family_name": "Li", "document_type": "passport", "document_expiry": "2001-01-01"}),
            "document_expiry",
        ),
    ];
    for (body, field) in cases {
        let (status, e) = call(
            &app,
            &a,
            reqwest::Method::POST,
            "/api/v1/me/travellers",
            Some(body),
            "zh-CN",
        )
        .await;
        assert_eq!(status, 422, "{field}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{e}");
        let msg = e["error"]["message"].as_str().unwrap();
        assert!(
            msg.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
            "{msg}"
        );
    }
    let (status, e) = post(
        &app,
        &a,
        "/api/v1/me/travellers",
        json!({"given_name": "Wei", "family_name": "Li", "passport": "x"}),
    )
    .await;
    assert_eq!(status, 400, "unknown fields are refused: {e}");

    // B can neither read, change nor delete A's traveller.
    let path = format!("/api/v1/me/travellers/{id}");
    assert_eq!(get(&app, &b, &path).await.0, 404);
    assert_eq!(
        call(
            &app,
            &b,
            reqwest::Method::PATCH,
            &path,
            Some(json!({"nationality": "GB"})),
            "en"
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(&app, &b, reqwest::Method::DELETE, &path, None, "en")
            .await
            .0,
        404
    );
    assert_eq!(get(&app, &b, "/api/v1/me/travellers").await.1, json!([]));

    // Audited, without the number.
    let entries = app
        .state
        .store()
        .audit_about_user(&user_a.id)
        .await
        .unwrap();
    assert!(entries.iter().any(|e| e.action == "traveller_added"));
    assert!(entries.iter().all(|e| !e.detail.contains("E12345567")));

    assert_eq!(
        call(&app, &a, reqwest::Method::DELETE, &path, None, "en")
            .await
            .0,
        204
    );
    assert_eq!(get(&app, &a, &path).await.0, 404);
}

#[tokio::test]
async fn account_data_needs_a_session() {
    let app = spawn_app().await;
    let c = new_client();
    for (method, path) in [
        (reqwest::Method::GET, "/api/v1/me/travellers"),
        (reqwest::Method::POST, "/api/v1/me/travellers"),
        (reqwest::Method::GET, "/api/v1/me/travellers/x"),
        (reqwest::Method::GET, "/api/v1/me/preferences"),
        (reqwest::Method::PUT, "/api/v1/me/preferences"),
        (reqwest::Method::GET, "/api/v1/me/payment-methods"),
        (
            reqwest::Method::POST,
            "/api/v1/me/payment-methods/x/default",
        ),
        (reqwest::Method::GET, "/api/v1/me/notifications"),
        (reqwest::Method::GET, "/api/v1/me/notification-preferences"),
        (reqwest::Method::GET, "/api/v1/me/export"),
        (reqwest::Method::DELETE, "/api/v1/me"),
    ] {
        let (status, body) = call(&app, &c, method.clone(), path, Some(json!({})), "en").await;
        assert_eq!(status, 401, "{method} {path}: {body}");
        assert_eq!(body["error"]["code"], "unauthenticated", "{path}");
    }
    // Pages send the visitor to sign in.
    let res = c.get(app.url("/account/travellers")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    // The API describes the new endpoints.
    let (_, spec) = get(&app, &c, "/api/openapi.json").await;
    for p in [
        "/api/v1/me/travellers/{id}",
        "/api/v1/me/payment-methods/{id}/default",
        "/api/v1/me/export",
    ] {
        assert!(spec["paths"][p].is_object(), "{p}");
    }
    assert!(spec["paths"]["/api/v1/me"]["delete"].is_object());
    assert!(spec["paths"]["/api/v1/me"]["get"].is_object());
}

#[tokio::test]
async fn account_data_preferences_become_search_defaults() {
    let app = spawn_app().await;
    let c = new_client();
    register(&app, &c, "prefs@example.com").await;
    let (status, p) = get(&app, &c, "/api/v1/me/preferences").await;
    assert_eq!(
        (status, p),
        (
            200,
            json!({"seat": null, "meal": null, "cabin": null,
        "preferred_airlines": [], "hotel_min_stars": null, "hotel_amenities": [],
        "language": null, "currency": null})
        )
    );
    let put = |body: Value| {
        let c = c.clone();
        let app = &app;
        async move {
            call(
                app,
                &c,
                reqwest::Method::PUT,
                "/api/v1/me/preferences",
                Some(body),
                "en",
            )
            .await
        }
    };
    for (body, field) in [
        (json!({"cabin": "luxury"}), "cabin"),
        (json!({"preferred_airlines": ["C"]}), "preferred_airlines"),
        (json!({"hotel_min_stars": 6}), "hotel_min_stars"),
        (
            json!({"hotel_amenities": ["jacuzzi-ish"]}),
            "hotel_amenities",
        ),
        (json!({"seat": "middle"}), "seat"),
        (json!({"language": "fr"}), "language"),
    ] {
        let (status, e) = put(body).await;
        assert_eq!(status, 422, "{e}");
        assert_eq!(e["error"]["details"]["field"], field, "{e}");
    }
    let (status, p) = put(
        json!({"cabin": "Business", "preferred_airlines": ["ca", "MU"],
        "hotel_min_stars": 4, "hotel_amenities": ["wifi", "pool"], "seat": "aisle", "meal": "vgml",
        "language": "en", "currency": "usd"}),
    )
    .await;
    assert_eq!(status, 200, "{p}");
    assert_eq!(p["cabin"], "business");
    assert_eq!(p["preferred_airlines"], json!(["CA", "MU"]));
    assert_eq!(p["meal"], "VGML");

    // The flight search form starts from them…
    let html = c
        .get(app.url("/flights"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"<option value="business" selected>"#),
        "cabin not pre-selected"
    );
    assert!(
        html.contains(r#"name="airline" value="CA" checked"#),
        "airline not ticked"
    );
    assert!(html.contains(r#"name="airline" value="MU" checked"#));
    // …unless the link asks otherwise.
    let html = c
        .get(app.url("/flights?cabin=first"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<option value="first" selected>"#));
    // …and so does the hotel search form.
    let html = c
        .get(app.url("/hotels"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains(r#"name="stars" value="4" checked"#),
        "stars not ticked"
    );
    assert!(html.contains(r#"name="stars" value="5" checked"#));
    assert!(
        html.contains(r#"name="stars" value="3">"#),
        "3 stars must stay unticked"
    );
    assert!(html.contains(r#"name="amenities" value="wifi" checked"#));
    assert!(html.contains(r#"name="amenities" value="pool" checked"#));
    // Signed out: the plain defaults.
    let anon = new_client();
    let html = anon
        .get(app.url("/flights"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(r#"<option value="economy" selected>"#));
    assert!(!html.contains(r#"name="airline""#));
}

#[tokio::test]
async fn account_data_payment_methods_sealed_default_and_no_card_data() {
    let app = spawn_app().await;
    let a = new_client();
    let b = new_client();
    register(&app, &a, "card.a@example.com").await;
    register(&app, &b, "card.b@example.com").await;
    let (status, first) = post(
        &app,
        &a,
        "/api/v1/me/payment-methods",
        card("pm_1QfirstToken42", "4242"),
    )
    .await;
    assert_eq!(status, 201, "{first}");
    assert_eq!(first["is_default"], true);
    assert!(first.get("provider_token").is_none() && !first.to_string().contains("pm_1Q"));
    let (status, second) = post(&app, &a, "/api/v1/me/payment-methods",
        json!({"token": "pm_1QsecondToken7", "brand": "unionpay", "last4": "0005", "exp_month": 1, "exp_year": 2098})).await;
    assert_eq!(status, 201, "{second}");
    assert_eq!(second["is_default"], false);
    let (id1, id2) = (
        first["id"].as_str().unwrap().to_owned(),
        second["id"].as_str().unwrap().to_owned(),
    );

    // Sealed at rest.
    let user_a = app
        .state
        .store()
        .user_by_email("card.a@example.com")
        .await
        .unwrap()
        .unwrap();
    let row = app
        .state
        .store()
        .payment_method(&user_a.id, &id1)
        .await
        .unwrap()
        .unwrap();
    assert!(!row.token_sealed.contains("pm_1Q") && !row.token_sealed.contains("firstToken"));
    assert_eq!(
        app.state
            .accounts()
            .sealer()
            .open(&row.token_sealed, &format!("payment_method.token:{id1}"))
            .unwrap(),
        "pm_1QfirstToken42"
    );

    // Never a card number or security code; never an expired card.
    let refusals = [
        (
            json!({"provider_token": "4242424242424242", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099}),
            "provider_token",
        ),
        (
            json!({"provider_token": "pm_ok12345", "number": "4242424242424242", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099}),
            "number",
        ),
        (
            json!({"provider_token": "pm_ok12345", "cvv": "123", "brand": "visa", "last4": "4242", "exp_month": 12, "exp_year": 2099}),
            "cvv",
        ),
        (
            json!({"provider_token": "pm_ok12345", "brand": "visa", "last4": "4242 4242 4242 4242", "exp_month": 12, "exp_year": 2099}),
            "last4",
        ),
        (
            json!({"provider_token": "pm_ok12345", "brand": "visa", "last4": "4242", "exp_month": 1, "exp_year": 2020}),
            "exp_year",
        ),
        (
            json!({"provider_token": "pm_ok12345", "brand": "visa", "last4": "4242", "exp_month": 13, "exp_year": 2099}),
            "exp_month",
        ),
        (
            json!({"provider_token": "pm_ok12345", "brand": "maestro", "last4": "4242", "exp_month": 1, "exp_year": 2099}),
            "brand",
        ),
    ];
    for (body, field) in refusals {
        let (status, e) = post(&app, &a, "/api/v1/me/payment-methods", body).await;
        assert_eq!(status, 422, "{field}: {e}");
        assert_eq!(e["error"]["details"]["field"], field, "{e}");
    }
    assert_eq!(
        get(&app, &a, "/api/v1/me/payment-methods")
            .await
            .1
            .as_array()
            .unwrap()
            .len(),
        2
    );

    // B cannot touch A's cards.
    assert_eq!(
        post(
            &app,
            &b,
            &format!("/api/v1/me/payment-methods/{id2}/default"),
            json!({})
        )
        .await
        .0,
        404
    );
    assert_eq!(
        call(
            &app,
            &b,
            reqwest::Method::DELETE,
            &format!("/api/v1/me/payment-methods/{id1}"),
            None,
            "en"
        )
        .await
        .0,
        404
    );

    // Exactly one default.
    let (status, list) = post(
        &app,
        &a,
        &format!("/api/v1/me/payment-methods/{id2}/default"),
        json!({}),
    )
    .await;
    assert_eq!(status, 200, "{list}");
    assert_eq!(list[0]["id"], id2.as_str());
    assert_eq!(
        list.as_array()
            .unwrap()
            .iter()
            .filter(|m| m["is_default"] == true)
            .count(),
        1
    );
    assert_eq!(
        call(
            &app,
            &a,
            reqwest::Method::DELETE,
            &format!("/api/v1/me/payment-methods/{id2}"),
            None,
            "en"
        )
        .await
        .0,
        204
    );
    let (_, list) = get(&app, &a, "/api/v1/me/payment-methods").await;
    assert_eq!(list.as_array().unwrap().len(), 1);
    assert_eq!(list[0]["id"], id1.as_str());
    assert_eq!(list[0]["is_default"], true);
}

#[tokio::test]
async fn account_data_notification_settings_and_history() {
    let app = spawn_app().await;
    let c = new_client();
    let email = "notify@example.com";
    register(&app, &c, email).await;
    let (status, s) = get(&app, &c, "/api/v1/me/notification-preferences").await;
    assert_eq!(status, 200);
    assert_eq!(s["email"]["marketing"], false);
    assert_eq!(s["sms"]["booking_confirmed"], true);
    let put = |body: Value| {
        call(
            &app,
            &c,
            reqwest::Method::PUT,
            "/api/v1/me/notification-preferences",
            Some(body),
            "en",
        )
    };
    let (status, s) =
        put(json!({"email": {"marketing": true}, "sms": {"booking_changed": false}})).await;
    assert_eq!(status, 200, "{s}");
    assert_eq!(s["email"]["marketing"], true);
    assert_eq!(s["sms"]["booking_changed"], false);
    assert_eq!(
        get(&app, &c, "/api/v1/me/notification-preferences").await.1,
        s
    );
    let (status, e) = put(json!({"email": {"account_security": false}})).await;
    assert_eq!(status, 422, "{e}");
    // Booking confirmations are the traveller's proof of booking: always sent too.
    let (status, e) = call(
        &app,
        &c,
        reqwest::Method::PUT,
        "/api/v1/me/notification-preferences",
        Some(json!({"sms": {"booking_confirmed": false}})),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422, "{e}");
    assert!(e.to_string().contains("预订确认"), "{e}");
    let (status, _) = put(json!({"push": {"marketing": true}})).await;
    assert_eq!(status, 422);

    // The history holds the confirmation message, its code masked.
    let (status, h) = get(&app, &c, "/api/v1/me/notifications?limit=5").await;
    assert_eq!(status, 200, "{h}");
    let items = h["items"].as_array().unwrap();
    assert!(!items.is_empty(), "{h}");
    assert!(
        items
            .iter()
            .all(|m| m["body"].as_str().unwrap().contains("••••••") || m["event"] != "verify_code")
    );
    assert_eq!(
        get(&app, &c, "/api/v1/me/notifications?limit=x").await.0,
        400
    );
    // The page lists them too.
    let html = c
        .get(app.url("/account/notifications"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(html.contains(email), "history shows the destination");
}

#[tokio::test]
async fn account_data_export_then_delete_the_account() {
    let app = spawn_app().await;
    let c = new_client();
    let email = "leaving@example.com";
    let user_id = register(&app, &c, email).await;
    assert_eq!(
        post(&app, &c, "/api/v1/me/travellers", passport()).await.0,
        201
    );
    assert_eq!(
        post(
            &app,
            &c,
            "/api/v1/me/payment-methods",
            card("pm_1QexportToken9", "1111")
        )
        .await
        .0,
        201
    );

    let res = c.get(app.url("/api/v1/me/export")).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-disposition"]
            .to_str()
            .unwrap()
            .starts_with("attachment")
    );
    let text = res.text().await.unwrap();
    let data: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(data["profile"]["email"], email, "{data}");
    assert_eq!(data["travellers"][0]["document_number"], "E12345567");
    assert_eq!(data["payment_methods"][0]["last4"], "1111");
    assert!(
        !text.contains("pm_1Q")
            && !text.contains("token_sealed")
            && !text.contains("document_number_sealed")
    );
    assert!(!text.contains("argon2"), "no password hash");

    // A second session, to see it end too.
    let other = new_client();
    let (status, _) = post(
        &app,
        &other,
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);

    let del = |pw: &str| {
        call(
            &app,
            &c,
            reqwest::Method::DELETE,
            "/api/v1/me",
            Some(json!({"password": pw})),
            "en",
        )
    };
    let (status, e) = del("wrong-password-1").await;
    assert_eq!(status, 403, "{e}");
    assert_eq!(e["error"]["code"], "password_confirmation_failed");
    let (status, _) = del(PASSWORD).await;
    assert_eq!(status, 204);

    assert_eq!(get(&app, &c, "/api/v1/me").await.0, 401);
    assert_eq!(get(&app, &other, "/api/v1/me").await.0, 401);
    let row = app
        .state
        .store()
        .user_by_id(&user_id)
        .await
        .unwrap()
        .unwrap();
    assert!(row.deleted_at.is_some() && row.email.is_none() && row.password_hash.is_none());
    assert!(
        app.state
            .store()
            .travellers_of(&user_id)
            .await
            .unwrap()
            .is_empty()
    );
    assert!(
        app.state
            .store()
            .payment_methods_of(&user_id)
            .await
            .unwrap()
            .is_empty()
    );
    // The address can register again.
    let (status, _) = post(
        &app,
        &new_client(),
        "/api/v1/auth/register",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 202);
}

#[tokio::test]
async fn account_data_pages_post_with_csrf_and_show_errors_inline() {
    let app = spawn_app().await;
    let c = new_client();
    register(&app, &c, "pages@example.com").await;
    let html = c
        .get(app.url("/account/travellers/new"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html).unwrap();
    // Without the token: refused.
    let res = c
        .post(app.url("/account/travellers"))
        .form(&[("given_name", "WEI"), ("family_name", "LI")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A bad name comes back inline, in Chinese, with a 422.
    let res = c
        .post(app.url("/account/travellers"))
        .header("accept-language", "zh-CN")
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("given_name", "Wéi"),
            ("family_name", "LI"),
            ("document_type", "passport"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let html = res.text().await.unwrap();
    assert!(
        html.contains("field-error") && html.contains("A–Z"),
        "inline error"
    );
    let res = c
        .post(app.url("/account/travellers"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("given_name", "Wei"),
            ("family_name", "Li"),
            ("document_type", "passport"),
            ("document_number", "E12345567"),
            ("document_expiry", "2099-01-01"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let html = c
        .get(app.url("/account/travellers?done=traveller-added"))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        html.contains("E•••••567") && !html.contains("E12345567"),
        "masked in the list"
    );
    // Preferences by form.
    let res = c
        .post(app.url("/account/preferences"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("cabin", "first"),
            ("preferred_airlines", "ca, mu"),
            ("amenities", "wifi"),
            ("amenities", "spa"),
            ("hotel_min_stars", "3"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let (_, p) = get(&app, &c, "/api/v1/me/preferences").await;
    assert_eq!(p["cabin"], "first");
    assert_eq!(p["hotel_amenities"], json!(["wifi", "spa"]));
    // Every page renders.
    for path in [
        "/account/travellers",
        "/account/preferences",
        "/account/payment-methods",
        "/account/notifications",
        "/account/privacy",
    ] {
        for lang in ["zh-CN", "en"] {
            let res = c
                .get(app.url(path))
                .header("accept-language", lang)
                .send()
                .await
                .unwrap();
            assert_eq!(res.status(), 200, "{path} {lang}");
        }
    }
    // A card number typed into the token box is refused and not echoed back.
    let res = c
        .post(app.url("/account/payment-methods"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("provider_token", "4242424242424242"),
            ("brand", "visa"),
            ("last4", "4242"),
            ("exp_month", "12"),
            ("exp_year", "2099"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(!res.text().await.unwrap().contains("4242424242424242"));
}
