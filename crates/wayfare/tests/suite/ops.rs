use wayfare_testkit::{is_postgres, spawn_app, spawn_app_with};

#[tokio::test]
async fn health_and_readiness() {
    let app = spawn_app().await;
    let res = app.get("/healthz").await;
    assert_eq!(res.status(), 200);
    let (status, body) = app.get_json("/readyz", "en").await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "ready");
    assert_eq!(
        body["database"],
        if is_postgres() { "postgres" } else { "sqlite" }
    );
    app.stop().await;
}

#[tokio::test]
async fn readiness_fails_when_the_database_is_gone() {
    let app = spawn_app().await;
    app.state.store().clone().close().await.expect("close pool");
    let res = app.get("/readyz").await;
    assert_eq!(res.status(), 503);
    app.stop().await;
}

#[tokio::test]
async fn metrics_count_the_requests_just_made() {
    let app = spawn_app().await;
    for _ in 0..3 {
        assert_eq!(app.get("/api/v1/airports?q=PVG").await.status(), 200);
    }
    assert_eq!(app.get("/api/v1/airports").await.status(), 400);
    assert_eq!(app.get("/no/such/page").await.status(), 404);
    let text = app.get("/metrics").await.text().await.unwrap();
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/airports",status="200"} 3"#
        ),
        "{text}"
    );
    assert!(
        text.contains(
            r#"http_requests_total{method="GET",route="/api/v1/airports",status="400"} 1"#
        )
    );
    assert!(text.contains(r#"http_requests_total{method="GET",route="unmatched",status="404"} 1"#));
    assert!(text.contains("http_request_duration_seconds_bucket{method=\"GET\",route=\"/api/v1/airports\",le=\"0.005\"}"));
    assert!(text.contains("db_pool_max_connections"));
    assert!(text.contains("db_pool_connections{backend="));
    app.stop().await;
}

#[tokio::test]
async fn every_response_has_a_request_id_and_security_headers() {
    let app = spawn_app().await;
    for path in [
        "/",
        "/api/v1/airports?q=x",
        "/nope",
        "/static/app.css",
        "/api/v1/fx/convert",
    ] {
        let res = app.get(path).await;
        let h = res.headers();
        let id = h
            .get("x-request-id")
            .map(|v| v.to_str().unwrap().to_owned());
        assert!(id.is_some_and(|id| id.len() >= 32), "{path}: no request id");
        let csp = h.get("content-security-policy").unwrap().to_str().unwrap();
        assert!(
            csp.contains("script-src 'self'") && !csp.contains("unsafe-inline"),
            "{path}: {csp}"
        );
        assert!(csp.contains("frame-ancestors 'none'"));
        assert_eq!(h.get("x-content-type-options").unwrap(), "nosniff");
        assert!(
            h.get("strict-transport-security").is_none(),
            "no HSTS over plain HTTP"
        );
    }
    // An incoming id is kept, so logs join up across services.
    let res = app
        .client
        .get(app.url("/healthz"))
        .header("x-request-id", "trace-abc-123")
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers().get("x-request-id").unwrap(), "trace-abc-123");
    app.stop().await;
}

#[tokio::test]
async fn hsts_behind_tls() {
    let app = spawn_app_with(|c| c.http.trust_forwarded_proto = true).await;
    let res = app
        .client
        .get(app.url("/"))
        .header("x-forwarded-proto", "https")
        .send()
        .await
        .unwrap();
    assert!(
        res.headers()
            .get("strict-transport-security")
            .unwrap()
            .to_str()
            .unwrap()
            .starts_with("max-age=")
    );
    let res = app.get("/").await;
    assert!(res.headers().get("strict-transport-security").is_none());
    app.stop().await;
    let app = spawn_app_with(|c| c.http.hsts = true).await;
    assert!(
        app.get("/")
            .await
            .headers()
            .get("strict-transport-security")
            .is_some()
    );
    app.stop().await;
}

#[tokio::test]
async fn request_body_limit_is_enforced_with_a_clear_error() {
    let app = spawn_app_with(|c| c.http.body_limit_bytes = 2048).await;
    let big = "x".repeat(10_000);
    let res = app
        .client
        .post(app.url("/api/v1/airports"))
        .header("content-type", "application/json")
        .header("accept-language", "en")
        .body(format!("{{\"q\":\"{big}\"}}"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 413);
    let body: serde_json::Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "payload_too_large");
    assert_eq!(body["error"]["message"], "The request is too large.");
    app.stop().await;
}

#[tokio::test]
async fn static_assets_are_embedded_and_cacheable() {
    let app = spawn_app().await;
    let res = app.get("/static/app.css").await;
    assert_eq!(res.status(), 200);
    assert!(
        res.headers()["content-type"]
            .to_str()
            .unwrap()
            .starts_with("text/css")
    );
    assert!(
        res.headers()["cache-control"]
            .to_str()
            .unwrap()
            .contains("immutable")
    );
    let etag = res.headers()["etag"].to_str().unwrap().to_owned();
    let again = app
        .client
        .get(app.url("/static/app.css"))
        .header("if-none-match", etag)
        .send()
        .await
        .unwrap();
    assert_eq!(again.status(), 304);
    assert_eq!(app.get("/static/app.js").await.status(), 200);
    assert_eq!(app.get("/static/../Cargo.toml").await.status(), 404);
    assert_eq!(app.get("/static/nope.css").await.status(), 404);
    app.stop().await;
}

#[tokio::test]
async fn graceful_shutdown_lets_in_flight_requests_finish() {
    let app = spawn_app().await;
    let token = app.csrf_token().await;
    // A request whose body is still arriving when shutdown begins.
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    let body = reqwest::Body::wrap_stream(tokio_stream_from(rx));
    let req = app
        .client
        .post(app.url("/preferences"))
        .header("content-type", "application/x-www-form-urlencoded")
        .body(body)
        .send();
    let in_flight = tokio::spawn(req);
    tx.send(Ok(bytes::Bytes::from(format!("csrf_token={token}&"))))
        .await
        .unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    let address = app.address.clone();
    let stopping = tokio::spawn(app.stop());
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;
    // New connections are refused once shutdown has begun…
    assert!(reqwest::get(format!("{address}/healthz")).await.is_err());
    // …but the request already in flight completes normally.
    tx.send(Ok(bytes::Bytes::from_static(b"lang=en&next=/")))
        .await
        .unwrap();
    drop(tx);
    let res = in_flight
        .await
        .unwrap()
        .expect("in-flight request answered");
    assert_eq!(res.status(), 303);
    stopping.await.unwrap();
}

fn tokio_stream_from(
    mut rx: tokio::sync::mpsc::Receiver<Result<bytes::Bytes, std::io::Error>>,
) -> impl futures::Stream<Item = Result<bytes::Bytes, std::io::Error>> {
    futures::stream::poll_fn(move |cx| rx.poll_recv(cx))
}

#[tokio::test]
async fn a_request_that_runs_past_the_timeout_gets_a_localized_503() {
    let app = spawn_app_with(|c| c.http.request_timeout_secs = 1).await;
    let token = app.csrf_token().await;
    let (tx, rx) = tokio::sync::mpsc::channel::<Result<bytes::Bytes, std::io::Error>>(4);
    tx.send(Ok(bytes::Bytes::from(format!("csrf_token={token}&"))))
        .await
        .unwrap();
    // The rest of the body never arrives.
    let res = app
        .client
        .post(app.url("/preferences"))
        .header("content-type", "application/x-www-form-urlencoded")
        .header("accept-language", "en")
        .body(reqwest::Body::wrap_stream(tokio_stream_from(rx)))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 503);
    assert!(res.text().await.unwrap().contains("That took too long"));
    drop(tx);
    app.stop().await;
}
