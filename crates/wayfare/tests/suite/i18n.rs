use wayfare_testkit::spawn_app;

#[tokio::test]
async fn chinese_by_default_english_by_accept_language() {
    let app = spawn_app().await;
    let zh = app.get("/").await.text().await.unwrap();
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("查找机场"));
    let en = app
        .get_lang("/", "en-US,en;q=0.9")
        .await
        .text()
        .await
        .unwrap();
    assert!(en.contains("<html lang=\"en\">"));
    assert!(en.contains("Find an airport"));
    assert!(!en.contains("查找机场"));
    let fr_then_zh = app
        .get_lang("/", "fr-FR, zh;q=0.8")
        .await
        .text()
        .await
        .unwrap();
    assert!(fr_then_zh.contains("<html lang=\"zh-CN\">"));
    app.stop().await;
}

#[tokio::test]
async fn not_found_page_in_both_languages() {
    let app = spawn_app().await;
    let res = app.get("/no/such/page").await;
    assert_eq!(res.status(), 404);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/html")
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("页面不存在") && html.contains("<html lang=\"zh-CN\">"));
    let html = app
        .get_lang("/no/such/page", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("Page not found") && html.contains("<html lang=\"en\">"));
    // The error page is a full page with the header and switchers, not a bare message.
    assert!(html.contains("name=\"csrf_token\""));
    app.stop().await;
}

#[tokio::test]
async fn the_home_page_shows_real_data_and_rates_in_the_chosen_currency() {
    let app = spawn_app().await;
    let html = app.get_lang("/", "en").await.text().await.unwrap();
    // Reference data counts come from the database, not from the template.
    let counts = app.state.reference_counts();
    assert!(counts.airports > 7000);
    let grouped = format!("{},{:03}", counts.airports / 1000, counts.airports % 1000);
    assert!(html.contains(&format!("<dd>{grouped}</dd>")), "{grouped}");
    // 100 USD at 7.12 shown in the default display currency (CNY).
    assert!(html.contains("712.00"), "rates table");
    assert!(html.contains("Display rates in CNY"));
    app.stop().await;
}

#[tokio::test]
async fn airport_finder_page_works_without_javascript() {
    let app = spawn_app().await;
    let html = app
        .get_lang("/airports?q=%E4%B8%8A%E6%B5%B7", "zh-CN")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("与“上海”匹配的机场"));
    assert!(html.contains(">PVG<") && html.contains(">SHA<"));
    assert!(html.contains("Asia/Shanghai"));
    let html = app
        .get_lang("/airports?q=zzzzzz", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(html.contains("No airport matches “zzzzzz”"));
    let html = app
        .get_lang("/airports?q=%3Cscript%3E", "en")
        .await
        .text()
        .await
        .unwrap();
    assert!(!html.contains("<script>"), "query is escaped");
    app.stop().await;
}
