use wayfare_testkit::spawn_app;

#[tokio::test]
async fn openapi_document_is_valid_and_lists_the_api() {
    let app = spawn_app().await;
    let res = app.get("/api/openapi.json").await;
    assert_eq!(res.status(), 200);
    let text = res.text().await.unwrap();
    let spec = oas3::from_json(&text).expect("a valid OpenAPI 3.1 document");
    assert!(spec.openapi.starts_with("3."));
    let paths = spec.paths.as_ref().expect("paths");
    for p in [
        "/api/v1/airports",
        "/api/v1/currencies",
        "/api/v1/fx/convert",
    ] {
        let item = paths.get(p).unwrap_or_else(|| panic!("{p} missing"));
        let get = item
            .get
            .as_ref()
            .unwrap_or_else(|| panic!("{p} has no GET"));
        assert!(
            get.responses
                .as_ref()
                .is_some_and(|r| r.contains_key("200")),
            "{p}"
        );
    }
    let raw: serde_json::Value = serde_json::from_str(&text).unwrap();
    assert!(raw["components"]["schemas"]["MoneyJson"].is_object());
    assert!(raw["components"]["schemas"]["ErrorBody"].is_object());
    app.stop().await;
}

#[tokio::test]
async fn api_docs_page_works_offline() {
    let app = spawn_app().await;
    let res = app.get("/api/docs/").await;
    assert_eq!(res.status(), 200);
    let html = res.text().await.unwrap();
    assert!(html.contains("swagger-ui-bundle.js"));
    assert!(
        !html.contains("http://") && !html.contains("https://"),
        "no remote assets"
    );
    let init = app
        .get("/api/docs/swagger-initializer.js")
        .await
        .text()
        .await
        .unwrap();
    assert!(init.contains("/api/openapi.json"));
    let bundle = app.get("/api/docs/swagger-ui-bundle.js").await;
    assert_eq!(bundle.status(), 200);
    assert!(bundle.bytes().await.unwrap().len() > 100_000);
    app.stop().await;
}
