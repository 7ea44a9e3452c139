//! E-mail delivery reports over real HTTP at `/api/v1/webhooks/notifications/{provider}`:
//! SendGrid's signed Event Webhook and SES's events through SNS move the send log's status on
//! (never back); a report whose signature, topic or certificate is wrong is refused and
//! changes nothing; an SNS subscription is confirmed at its `SubscribeURL`. The app sends
//! through the notify crate's fake SendGrid and fake SES; a fake SNS serves the signing
//! certificate and the confirmation URL.

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use serde_json::{Value, json};
use wayfare_store::notifications::{NotificationRow, SendLogFilter};
use wayfare_testkit::{TestApp, new_client, spawn_app_with};

#[path = "../../../notify/tests/fakes/sendgrid.rs"]
mod fake_sendgrid;

#[path = "../../../notify/tests/fakes/ses.rs"]
mod fake_ses;

#[path = "../../../notify/tests/fakes/sns.rs"]
mod fake_sns;

/// The private key whose public half the app is told is SendGrid's (a test fixture).
const SENDGRID_KEY_PEM: &str =
    include_str!("../../../notify/tests/fixtures/sendgrid-webhook-key.pem");
const SENDGRID_PUBLIC_KEY: &str =
    include_str!("../../../notify/tests/fixtures/sendgrid-webhook-public-key.txt");

fn sendgrid_private_key() -> Vec<u8> {
    let b64: String = SENDGRID_KEY_PEM
        .lines()
        .filter(|l| !l.starts_with("-----"))
        .collect();
    STANDARD.decode(b64).unwrap()
}

/// Registers `email`, which sends it a code through the configured provider; answers that
/// message's send-log row once it is there.
async fn send_code(app: &TestApp, email: &str) -> NotificationRow {
    let res = new_client()
        .post(app.url("/api/v1/auth/register"))
        .json(&json!({"identifier": email, "password": wayfare_testkit::TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    for _ in 0..100 {
        if let Some(row) = email_row(app, email).await
            && row.status == "sent"
        {
            return row;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!(
        "no sent e-mail to {email}: {:?}",
        email_row(app, email).await
    );
}

/// The newest e-mail to `email` in the send log.
async fn email_row(app: &TestApp, email: &str) -> Option<NotificationRow> {
    let filter = SendLogFilter {
        channel: Some("email".into()),
        destination: Some(email.into()),
        ..SendLogFilter::default()
    };
    app.state
        .store()
        .send_log(&filter, 1, 0)
        .await
        .unwrap()
        .pop()
}

/// Posts `body` to the provider's callback URL; answers the status and the JSON answer.
async fn post(
    app: &TestApp,
    provider: &str,
    headers: &[(&str, String)],
    body: &str,
) -> (u16, Value) {
    let mut req = new_client()
        .post(app.url(&format!("/api/v1/webhooks/notifications/{provider}")))
        .header("content-type", "application/json")
        .body(body.to_owned());
    for (name, value) in headers {
        req = req.header(*name, value);
    }
    let res = req.send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

/// SendGrid's headers for `body`, signed now with `key` (PKCS#8 DER), or at `at`.
fn sendgrid_headers(key: &[u8], body: &str, at: i64) -> Vec<(&'static str, String)> {
    let ts = at.to_string();
    let signature = wayfare_notify::callbacks::sendgrid::sign(key, &ts, body.as_bytes()).unwrap();
    vec![
        ("x-twilio-email-event-webhook-timestamp", ts),
        ("x-twilio-email-event-webhook-signature", signature),
    ]
}

#[tokio::test]
async fn sendgrid_events_signed_by_sendgrid_move_the_message_forward_and_others_are_refused() {
    let sendgrid = fake_sendgrid::FakeSendGrid::start().await;
    let base = sendgrid.base_url().to_owned();
    let app = spawn_app_with(|c| {
        c.notifications.email.provider = wayfare::notify_connectors::EmailProvider::SendGrid;
        c.notifications.email.sendgrid = Some(wayfare::notify_connectors::SendGridSection {
            api_key: wayfare::config::Secret::new(fake_sendgrid::API_KEY),
            api_base: base,
            event_webhook_public_key: Some(SENDGRID_PUBLIC_KEY.trim().to_owned()),
        });
    })
    .await;
    let row = send_code(&app, "ann@example.com").await;
    let sent = sendgrid.messages();
    assert_eq!(sent.len(), 1);
    // The send log keeps SendGrid's X-Message-Id, which its events' sg_message_id begins with.
    assert_eq!(row.provider.as_str(), "sendgrid");
    assert_eq!(
        row.provider_message_id.as_deref(),
        Some(sent[0].id.as_str())
    );
    let event = |kind: &str| {
        json!([{"email": "ann@example.com", "timestamp": 1_700_000_000, "event": kind,
            "sg_event_id": format!("ev-{kind}"),
            "sg_message_id": format!("{}.filterdrecv-5bd8-1-5F5FC76C-9.0", sent[0].id),
            "smtp-id": format!("<{}@ismtpd0039p1iad1.sendgrid.net>", sent[0].id),
            "reason": "550 5.1.1 mailbox unavailable",
            "wayfare_message_id": row.id}])
        .to_string()
    };
    let key = sendgrid_private_key();
    let now = chrono::Utc::now().timestamp();

    // A bounce carrying the signature of another body, one signed long ago, and one without
    // a signature: refused, nothing changes.
    let wrong = sendgrid_headers(&key, &event("delivered"), now);
    let (status, body) = post(&app, "sendgrid", &wrong, &event("bounce")).await;
    assert_eq!(status, 400, "{body}");
    assert_eq!(body["error"]["code"], "webhook_rejected", "{body}");
    let stale = sendgrid_headers(&key, &event("bounce"), now - 3600);
    assert_eq!(
        post(&app, "sendgrid", &stale, &event("bounce")).await.0,
        400
    );
    assert_eq!(post(&app, "sendgrid", &[], &event("bounce")).await.0, 400);
    assert_eq!(
        email_row(&app, "ann@example.com").await.unwrap().status,
        "sent"
    );

    // Signed by SendGrid's key: processed changes nothing, delivered moves it on.
    let batch = {
        let mut events: Vec<Value> = serde_json::from_str(&event("processed")).unwrap();
        events.extend(serde_json::from_str::<Vec<Value>>(&event("delivered")).unwrap());
        events.push(json!({"event": "open", "sg_message_id": "someone-elses.filter"}));
        events.push(json!({"event": "delivered", "sg_message_id": "unknown.filter"}));
        Value::Array(events).to_string()
    };
    let (status, body) = post(
        &app,
        "sendgrid",
        &sendgrid_headers(&key, &batch, now),
        &batch,
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "delivered");
    let row = email_row(&app, "ann@example.com").await.unwrap();
    assert_eq!(row.status, "delivered");

    // A late, correctly signed "processed" does not move it back.
    let late = event("processed");
    let (status, body) = post(&app, "sendgrid", &sendgrid_headers(&key, &late, now), &late).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("delivered")));
    assert_eq!(
        email_row(&app, "ann@example.com").await.unwrap().status,
        "delivered"
    );

    // SES is not configured here: its callbacks are not taken.
    assert_eq!(post(&app, "ses", &[], "{}").await.0, 404);
    app.stop().await;
}

#[tokio::test]
async fn ses_events_through_sns_are_checked_confirmed_and_applied() {
    let ses = fake_ses::FakeSes::start().await;
    let sns = fake_sns::FakeSns::start().await;
    let (ses_base, sns_base) = (ses.base_url().to_owned(), sns.base_url().to_owned());
    let app = spawn_app_with(|c| {
        c.notifications.email.provider = wayfare::notify_connectors::EmailProvider::Ses;
        c.notifications.email.ses = Some(wayfare::notify_connectors::SesSection {
            region: fake_ses::REGION.into(),
            access_key_id: fake_ses::ACCESS_KEY_ID.into(),
            secret_access_key: wayfare::config::Secret::new(fake_ses::SECRET_ACCESS_KEY),
            session_token: None,
            endpoint: Some(ses_base),
            configuration_set: Some("wayfare-events".into()),
            sns_topic_arn: Some(fake_sns::TOPIC_ARN.into()),
            sns_test_url_base: Some(sns_base),
        });
    })
    .await;

    // The subscription: confirmed by fetching its SubscribeURL.
    let confirmation = sns.subscription_confirmation(fake_sns::TOPIC_ARN, "token-1");
    let (status, body) = post(&app, "ses", &[], &confirmation).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(sns.confirmations(), vec!["token-1".to_owned()]);

    let row = send_code(&app, "bo@example.com").await;
    let sent = ses.messages();
    assert_eq!(sent.len(), 1);
    assert_eq!(row.provider.as_str(), "ses");
    assert_eq!(
        row.provider_message_id.as_deref(),
        Some(sent[0].message_id.as_str())
    );
    let event = |kind: &str| {
        json!({"eventType": kind,
            "mail": {"messageId": sent[0].message_id, "destination": ["bo@example.com"],
                "tags": {"wayfare_message_id": [row.id]}},
            "bounce": {"bounceType": "Permanent", "bounceSubType": "General",
                "bouncedRecipients": [{"emailAddress": "bo@example.com", "status": "5.1.1",
                    "diagnosticCode": "smtp; 550 5.1.1 user unknown"}]}})
        .to_string()
    };

    // From another topic; with the certificate on a host that is not SNS's; tampered with:
    // refused, and the message is still only sent.
    let other_topic = sns.notification(
        "arn:aws:sns:us-east-1:123456789012:someone-else",
        &event("Bounce"),
    );
    let (status, body) = post(&app, "ses", &[], &other_topic).await;
    assert_eq!(
        (status, body["error"]["code"].as_str()),
        (400, Some("webhook_rejected"))
    );
    let mut elsewhere: serde_json::Map<String, Value> =
        serde_json::from_str(&sns.notification(fake_sns::TOPIC_ARN, &event("Bounce"))).unwrap();
    elsewhere.insert(
        "SigningCertURL".into(),
        "https://certificates.example.com/SimpleNotificationService-x.pem".into(),
    );
    fake_sns::sign(&mut elsewhere);
    let elsewhere = Value::Object(elsewhere).to_string();
    assert_eq!(post(&app, "ses", &[], &elsewhere).await.0, 400);
    let tampered = sns
        .notification(fake_sns::TOPIC_ARN, &event("Delivery"))
        .replace("Delivery", "Bounce");
    assert_eq!(post(&app, "ses", &[], &tampered).await.0, 400);
    assert_eq!(
        email_row(&app, "bo@example.com").await.unwrap().status,
        "sent"
    );

    // The bounce, signed and from our topic: the message is bounced, with SES's diagnostic.
    let bounce = sns.notification(fake_sns::TOPIC_ARN, &event("Bounce"));
    let (status, body) = post(&app, "ses", &[], &bounce).await;
    assert_eq!(
        (status, body["status"].as_str()),
        (200, Some("bounced")),
        "{body}"
    );
    let row = email_row(&app, "bo@example.com").await.unwrap();
    assert_eq!(row.status, "bounced");
    assert!(
        row.last_error
            .as_deref()
            .is_some_and(|e| e.contains("550 5.1.1 user unknown")),
        "{row:?}"
    );
    // A delivery reported after the bounce does not move it back.
    let delivery = sns.notification(fake_sns::TOPIC_ARN, &event("Delivery"));
    let (status, body) = post(&app, "ses", &[], &delivery).await;
    assert_eq!((status, body["status"].as_str()), (200, Some("bounced")));
    assert_eq!(sns.cert_fetches(), 1, "the certificate is fetched once");

    // SendGrid's events are not taken without its verification key.
    assert_eq!(post(&app, "sendgrid", &[], "[]").await.0, 404);
    app.stop().await;
}
