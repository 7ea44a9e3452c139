//! Notifications end to end over real HTTP: a confirmed booking's e-mail (text, branded HTML,
//! the PDF itinerary attached) and SMS land in the demo mailbox and the send log; the order
//! page and the API download the same PDF (its text checked with `pdftotext`); admins read the
//! send log, and edit templates with a preview that refuses unknown variables, the next
//! message using the new version; a provider that is down makes the message retry and then
//! dead-letter without being lost; `/metrics` counts by channel and provider.

use std::time::Duration;

use serde_json::{Value, json};
use wayfare_testkit::{TestApp, new_client, spawn_app, spawn_app_with};

use crate::orders::{adult, contact, flight_offer, get, pay_body};

/// A new account made admin, signed in.
async fn admin_client(app: &TestApp) -> reqwest::Client {
    crate::flight_changes::with_role(app, "root@example.com", "admin")
        .await
        .0
}

/// Books and pays a one-way flight for two named passengers; answers the confirmed order.
async fn confirmed_order(app: &TestApp, locale: &str) -> Value {
    let offer = flight_offer(app, "PEK", "SHA", 12, 2).await;
    let client = new_client();
    let body = json!({"flight_offer_ids": [offer["id"]],
        "passengers": [adult("Mei", "Wang"), adult("Lei", "Li")],
        "contact": contact()});
    let res = client
        .post(app.url("/api/v1/orders"))
        .header("accept-language", locale)
        .json(&body)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 201);
    let order: Value = res.json().await.unwrap();
    let token = order["guest_token"].as_str().unwrap().to_owned();
    let id = order["id"].as_str().unwrap();
    let res = client
        .post(app.url(&format!("/api/v1/orders/{id}/payments")))
        .bearer_auth(&token)
        .json(&pay_body("pm_card_visa"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let mut paid: Value = res.json().await.unwrap();
    assert_eq!(paid["status"], "confirmed", "{paid}");
    paid["guest_token"] = token.into();
    paid
}

/// The PDF's text, or `None` when `pdftotext` is not installed.
fn pdf_text(pdf: &[u8]) -> Option<String> {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("it.pdf");
    std::fs::write(&path, pdf).unwrap();
    let out = std::process::Command::new("pdftotext")
        .arg("-layout")
        .arg(&path)
        .arg("-")
        .output()
        .ok()?;
    assert!(out.status.success(), "pdftotext failed");
    Some(String::from_utf8_lossy(&out.stdout).into_owned())
}

fn has_cjk_font() -> bool {
    wayfare_itinerary::Fonts::discover(None).is_ok_and(|f| f.has_cjk())
}

#[tokio::test]
async fn a_booking_sends_a_branded_email_with_the_itinerary_and_an_sms_logged_and_downloadable() {
    let app = spawn_app().await;
    let order = confirmed_order(&app, "en").await;
    let reference = order["reference"].as_str().unwrap();
    let id = order["id"].as_str().unwrap();
    // The confirmation, not the payment receipt sent before it.
    let confirmed = format!("Your booking {reference} is confirmed");
    app.wait_for_message("mei@example.com", &confirmed).await;
    app.wait_for_message("+8613800138000", reference).await;
    let outbox = app.state.accounts().notifier().local_outbox().unwrap();
    let email = outbox
        .messages()
        .into_iter()
        .find(|m| m.to == "mei@example.com" && m.body.contains(&confirmed))
        .unwrap();
    let html = email.html.as_deref().expect("an HTML part");
    assert!(
        html.contains("Wayfare") && html.contains(reference),
        "{html}"
    );
    assert_eq!(email.attachments.len(), 1, "the itinerary is attached");
    let pdf = &email.attachments[0];
    assert_eq!(pdf.content_type, "application/pdf");
    assert_eq!(pdf.filename, format!("itinerary-{reference}.pdf"));
    assert!(pdf.content.starts_with(b"%PDF"));
    if let Some(text) = pdf_text(&pdf.content) {
        for needle in [reference, "WANG/Mei", "LI/Lei", "Itinerary", "PEK"] {
            assert!(
                text.to_uppercase().contains(&needle.to_uppercase()),
                "{needle} missing in\n{text}"
            );
        }
    } else {
        eprintln!("pdftotext missing: PDF text not checked");
    }

    // The same PDF from the API (guest token) and the order page.
    let res = new_client()
        .get(app.url(&format!("/api/v1/orders/{id}/itinerary.pdf")))
        .bearer_auth(order["guest_token"].as_str().unwrap())
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["content-type"], "application/pdf");
    assert!(res.bytes().await.unwrap().starts_with(b"%PDF"));
    let res = new_client()
        .get(app.url(&format!("/api/v1/orders/{id}/itinerary.pdf")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "no itinerary without the order's owner");

    // The send log: both messages sent by the local provider, from the default template.
    let admin = admin_client(&app).await;
    let (status, log) = get(
        &app,
        &admin,
        "/api/v1/admin/notifications?event=booking_confirmed",
        None,
    )
    .await;
    assert_eq!(status, 200, "{log}");
    let rows = log["messages"].as_array().unwrap();
    assert_eq!(rows.len(), 2, "{log}");
    for r in rows {
        assert_eq!(r["status"], "sent");
        assert_eq!(r["provider"], "local");
        assert_eq!(r["template_version"], 0);
        assert_eq!(r["attempts"], 1);
        let to = r["recipient"].as_str().unwrap();
        assert!(
            to == "m***@example.com" || to == "+86138****8000",
            "masked: {to}"
        );
    }
    let (status, _) = get(
        &app,
        &admin,
        "/api/v1/admin/notifications?status=lost",
        None,
    )
    .await;
    assert_eq!(status, 422);
    // The pages: send log and mailbox with the attachment.
    let page = admin
        .get(app.url("/admin/notifications"))
        .send()
        .await
        .unwrap();
    assert_eq!(page.status(), 200);
    assert!(page.text().await.unwrap().contains("booking_confirmed"));
    let page = admin
        .get(app.url("/admin/mailbox"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        page.contains(&format!("itinerary-{reference}.pdf")),
        "mailbox lists the attachment"
    );
    let att = admin
        .get(app.url(&format!("/admin/mailbox/{}/attachments/0", email.id)))
        .send()
        .await
        .unwrap();
    assert_eq!(att.status(), 200);
    assert!(att.bytes().await.unwrap().starts_with(b"%PDF"));
    let shown = admin
        .get(app.url(&format!("/admin/mailbox/{}/html", email.id)))
        .send()
        .await
        .unwrap();
    assert!(
        shown.headers()["content-security-policy"]
            .to_str()
            .unwrap()
            .starts_with("sandbox")
    );

    // /metrics counts them.
    let metrics = new_client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        metrics.lines().any(|l| l.starts_with(
            "notifications_total{channel=\"email\",provider=\"local\",outcome=\"sent\"}"
        )),
        "{metrics}"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_chinese_booking_gets_a_chinese_itinerary_when_a_cjk_font_exists() {
    let app = spawn_app().await;
    let order = confirmed_order(&app, "zh-CN").await;
    let reference = order["reference"].as_str().unwrap();
    let confirmed = format!("您的订单 {reference} 已确认");
    let body = app.wait_for_message("mei@example.com", &confirmed).await;
    assert!(
        body.chars().any(|c| ('\u{4e00}'..='\u{9fff}').contains(&c)),
        "Chinese e-mail: {body}"
    );
    let email = app
        .state
        .accounts()
        .notifier()
        .local_outbox()
        .unwrap()
        .messages()
        .into_iter()
        .find(|m| m.to == "mei@example.com" && m.body.contains(&confirmed))
        .unwrap();
    let Some(text) = pdf_text(&email.attachments[0].content) else {
        eprintln!("pdftotext missing: skipped");
        return;
    };
    if has_cjk_font() {
        assert!(text.contains("行程单"), "{text}");
    } else {
        eprintln!("no CJK font: the itinerary is in English");
        assert!(text.contains("Itinerary"), "{text}");
    }
    app.stop().await;
}

#[tokio::test]
async fn admins_edit_templates_with_a_preview_and_unknown_variables_are_refused() {
    let app = spawn_app().await;
    let admin = admin_client(&app).await;
    let csrf = wayfare_testkit::extract_csrf(
        &admin
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    )
    .unwrap_or_default();
    let send = |path: &'static str, body: Value| {
        let admin = admin.clone();
        let url = app.url(path);
        let csrf = csrf.clone();
        async move {
            let res = admin
                .post(url)
                .header("x-csrf-token", csrf)
                .header("accept-language", "zh-CN")
                .json(&body)
                .send()
                .await
                .unwrap();
            let status = res.status().as_u16();
            (status, res.json::<Value>().await.unwrap_or(Value::Null))
        }
    };
    let (status, list) = get(&app, &admin, "/api/v1/admin/templates", None).await;
    assert_eq!(status, 200, "{list}");
    assert!(list["templates"].as_array().unwrap().len() >= 40);
    // An unknown variable cannot be saved or previewed; the message is in the admin's language.
    let (status, err) = send(
        "/api/v1/admin/templates/booking_confirmed/sms/en",
        json!({"body": "[{{ brand }}] {{ reference }} {{ passport_number }}"}),
    )
    .await;
    assert_eq!(status, 422, "{err}");
    assert_eq!(
        err["error"]["details"]["problems"][0]["kind"], "unknown_variable",
        "{err}"
    );
    assert!(
        err["error"]["message"].as_str().unwrap().contains("模板"),
        "{err}"
    );
    let (status, _) = send(
        "/api/v1/admin/templates/preview",
        json!({"event": "booking_confirmed", "channel": "sms", "locale": "en", "body": "{% if %}"}),
    )
    .await;
    assert_eq!(status, 422);
    let (status, preview) = send(
        "/api/v1/admin/templates/preview",
        json!({"event": "booking_confirmed", "channel": "sms", "locale": "en",
               "body": "[{{ brand }}] Trip {{ reference }} is booked!"}),
    )
    .await;
    assert_eq!(status, 200, "{preview}");
    assert!(
        preview["text"]
            .as_str()
            .unwrap()
            .starts_with("[Wayfare] Trip "),
        "{preview}"
    );
    assert_eq!(preview["segments"], 1);
    let (status, saved) = send(
        "/api/v1/admin/templates/booking_confirmed/sms/en",
        json!({"body": "[{{ brand }}] Trip {{ reference }} is booked!"}),
    )
    .await;
    assert_eq!(status, 200, "{saved}");
    assert_eq!(saved["version"], 1);
    // The next booking's SMS uses it, and the log says which version.
    let order = confirmed_order(&app, "en").await;
    let reference = order["reference"].as_str().unwrap();
    let sms = app
        .wait_for_message("+8613800138000", &format!("Trip {reference} is booked!"))
        .await;
    assert!(sms.starts_with("[Wayfare]"));
    let (_, log) = get(
        &app,
        &admin,
        "/api/v1/admin/notifications?event=booking_confirmed&channel=sms",
        None,
    )
    .await;
    assert_eq!(log["messages"][0]["template_version"], 1, "{log}");
    app.stop().await;
}

#[tokio::test]
async fn a_provider_outage_retries_then_dead_letters_without_losing_the_message() {
    // SendGrid at an address where nothing listens: every send fails as unreachable.
    let dead = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let port = dead.local_addr().unwrap().port();
    drop(dead);
    let app = spawn_app_with(|c| {
        c.notifications.email.provider = wayfare::notify_connectors::EmailProvider::SendGrid;
        c.notifications.email.timeout_secs = 2;
        c.notifications.email.sendgrid = Some(wayfare::notify_connectors::SendGridSection {
            api_key: wayfare::config::Secret::new("SG.test-key"),
            api_base: format!("http://127.0.0.1:{port}"),
            event_webhook_public_key: None,
        });
        c.notifications.max_attempts = 2;
        c.notifications.backoff_base_secs = 1;
        c.notifications.backoff_max_secs = 1;
        c.notifications.poll_millis = 100;
    })
    .await;
    let order = confirmed_order(&app, "en").await;
    let id = order["id"].as_str().unwrap();
    let reference = order["reference"].as_str().unwrap();
    // The SMS (local) goes once; the e-mail keeps failing.
    app.wait_for_message("+8613800138000", reference).await;
    let admin = admin_client(&app).await;
    let mut event = Value::Null;
    for _ in 0..100 {
        let (_, page) = get(
            &app,
            &admin,
            &format!("/api/v1/admin/outbox?kind=order_message&subject={id}&status=dead"),
            None,
        )
        .await;
        // The confirmation's event (the payment receipt before it fails the same way).
        if let Some(e) = page["events"].as_array().and_then(|a| {
            a.iter()
                .find(|e| e["payload"]["message"] == "booking-confirmed")
        }) {
            event = e.clone();
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(event["status"], "dead", "the event is dead-lettered");
    assert_eq!(event["attempts"], 2);
    assert!(
        event["last_error"].as_str().unwrap().contains("sendgrid"),
        "{event}"
    );
    // One log row for the e-mail, failed after two attempts; one SMS, sent, not repeated.
    let (_, log) = get(
        &app,
        &admin,
        "/api/v1/admin/notifications?event=booking_confirmed",
        None,
    )
    .await;
    let rows = log["messages"].as_array().unwrap();
    let email: Vec<&Value> = rows.iter().filter(|r| r["channel"] == "email").collect();
    let sms: Vec<&Value> = rows.iter().filter(|r| r["channel"] == "sms").collect();
    assert_eq!((email.len(), sms.len()), (1, 1), "{log}");
    assert_eq!(email[0]["status"], "failed");
    assert_eq!(email[0]["provider"], "sendgrid");
    assert_eq!(email[0]["attempts"], 2);
    assert_eq!(sms[0]["status"], "sent");
    assert_eq!(sms[0]["attempts"], 1);
    // Two attempts at the confirmation and two at the receipt at least (the admin's own
    // sign-up code goes the same way, retried on its own schedule).
    let metrics = new_client()
        .get(app.url("/metrics"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let failed: u64 = metrics
        .lines()
        .find_map(|l| {
            l.strip_prefix(
                "notifications_total{channel=\"email\",provider=\"sendgrid\",outcome=\"failed\"} ",
            )
        })
        .and_then(|n| n.parse().ok())
        .unwrap_or_else(|| panic!("no failed SendGrid count: {metrics}"));
    assert!(failed >= 4, "{failed}: {metrics}");
    app.stop().await;
}
