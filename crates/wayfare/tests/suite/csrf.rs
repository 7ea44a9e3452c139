use wayfare_testkit::{extract_csrf, spawn_app};

#[tokio::test]
async fn language_switcher_sets_a_cookie_that_beats_accept_language() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let res = app
        .client
        .post(app.url("/preferences"))
        .form(&[
            ("csrf_token", token.as_str()),
            ("lang", "en"),
            ("currency", "EUR"),
            ("next", "/airports?q=pvg"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/airports?q=pvg");
    // The choice wins over the browser's language.
    let html = app.get_lang("/", "zh-CN").await.text().await.unwrap();
    assert!(html.contains("<html lang=\"en\">"));
    assert!(html.contains("Display rates in EUR"));
    let (_, body) = app.get_json("/api/v1/currencies", "zh-CN").await;
    assert_eq!(body["selected"], "EUR");
    // …and API messages follow it too.
    let (_, body) = app.get_json("/api/v1/airports?q=x&limit=0", "zh-CN").await;
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Please check")
    );
    app.stop().await;
}

#[tokio::test]
async fn form_posts_without_a_valid_token_are_refused() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    let post = |body: Vec<(&'static str, String)>| {
        app.client
            .post(app.url("/preferences"))
            .header("accept-language", "en")
            .form(&body)
            .send()
    };
    let res = post(vec![("lang", "en".into())]).await.unwrap();
    assert_eq!(res.status(), 403);
    let html = res.text().await.unwrap();
    assert!(html.contains("security check failed"));
    let res = post(vec![
        ("lang", "en".into()),
        ("csrf_token", "forged.token".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 403);
    // A token taken from another visitor's page does not match this visitor's cookie.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .build()
        .unwrap();
    let other_html = other
        .get(app.url("/"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let other_token = extract_csrf(&other_html).unwrap();
    assert_ne!(other_token, token);
    let res = post(vec![("lang", "en".into()), ("csrf_token", other_token)])
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // A cross-site Origin is refused even with the right token.
    let res = app
        .client
        .post(app.url("/preferences"))
        .header("origin", "https://evil.example")
        .form(&[("csrf_token", token.as_str()), ("lang", "en")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    // The right token passes; bad choices are a 422 naming the field, not a 500.
    let res = post(vec![("lang", "xx".into()), ("csrf_token", token.clone())])
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text()
            .await
            .unwrap()
            .contains("that language isn&#39;t available")
    );
    let res = post(vec![
        ("currency", "ZZZ".into()),
        ("csrf_token", token.clone()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 422);
    // `next` never leaves the site.
    let res = post(vec![
        ("lang", "en".into()),
        ("csrf_token", token.clone()),
        ("next", "//evil.example/x".into()),
    ])
    .await
    .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(res.headers()["location"], "/");
    app.stop().await;
}

#[tokio::test]
async fn the_csrf_cookie_is_http_only_and_stable() {
    let app = spawn_app().await;
    let res = app.get("/").await;
    let cookie = res.headers()["set-cookie"].to_str().unwrap().to_owned();
    assert!(
        cookie.starts_with("wf_csrf=")
            && cookie.contains("HttpOnly")
            && cookie.contains("SameSite=Lax")
    );
    // Once set, it is not re-issued on every page.
    let res = app.get("/").await;
    assert!(res.headers().get("set-cookie").is_none());
    app.stop().await;
    let secure = wayfare_testkit::spawn_app_with(|c| c.http.secure_cookies = true).await;
    let res = secure.get("/").await;
    assert!(
        res.headers()["set-cookie"]
            .to_str()
            .unwrap()
            .contains("Secure")
    );
    secure.stop().await;
}
