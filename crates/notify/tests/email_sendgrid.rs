//! The SendGrid sender against a fake SendGrid over real HTTP (`fakes/sendgrid.rs`): a Chinese
//! itinerary with HTML and a PDF arrives intact, the `X-Message-Id` is answered, refusals are
//! `Rejected` with SendGrid's reason, failures and timeouts are `Unreachable`, and the API key
//! shows nowhere.

#[path = "fakes/sendgrid.rs"]
mod fake;

use std::time::Duration;

use chrono::Utc;
use wayfare_notify::email::sendgrid::{SendGridConfig, SendGridSender};
use wayfare_notify::{Attachment, Email, EmailSender, NotifyError};

use fake::{API_KEY, FakeSendGrid};

const FROM: &str = "noreply@wayfare.example";

fn config(fake: &FakeSendGrid, key: &str) -> SendGridConfig {
    let mut config = SendGridConfig::new(key, FROM, "途游 Wayfare");
    config.api_base = fake.base_url().to_owned();
    config.timeout = Duration::from_secs(10);
    config
}

async fn setup() -> (FakeSendGrid, SendGridSender) {
    let fake = FakeSendGrid::start().await;
    let sender = SendGridSender::new(config(&fake, API_KEY)).unwrap();
    (fake, sender)
}

/// Bytes like a PDF's: a header, every byte value, CRLFs and dashes that look like MIME.
fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..=255u8).cycle().take(4096));
    pdf.extend_from_slice(b"\r\n--boundary\r\n\r\n%%EOF\n");
    pdf
}

fn itinerary() -> Email {
    Email {
        to: "ann@example.com".into(),
        subject: "您的行程单：北京 → 上海（WF-ABC123）".into(),
        text: "张三您好，\n您的航班 CA1501 已确认。祝您旅途愉快！".into(),
        html: Some("<p>张三您好，</p><p>您的航班 <b>CA1501</b> 已确认。</p>".into()),
        attachments: vec![Attachment {
            filename: "行程单-WF-ABC123.pdf".into(),
            content_type: "application/pdf".into(),
            content: pdf(),
        }],
        message_id: "0197a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5b".into(),
    }
}

fn rejected(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Rejected { provider, reason }) => {
            assert_eq!(provider, "sendgrid");
            reason
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn unreachable(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Unreachable { provider, reason }) => {
            assert_eq!(provider, "sendgrid");
            reason
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_chinese_itinerary_with_html_and_a_pdf_arrives_intact() {
    let (fake, sender) = setup().await;
    assert_eq!(sender.provider(), "sendgrid");
    let email = itinerary();
    let id = sender.send_email(&email, Utc::now()).await.unwrap();

    let [message] = &fake.messages()[..] else {
        panic!("one message expected");
    };
    assert_eq!(id, message.id);
    assert_eq!(message.from_email, FROM);
    assert_eq!(message.from_name.as_deref(), Some("途游 Wayfare"));
    assert_eq!(message.to, ["ann@example.com"]);
    assert_eq!(message.subject, email.subject);
    assert_eq!(message.text.as_deref(), Some(email.text.as_str()));
    assert_eq!(message.html, email.html);
    assert_eq!(message.content_types, ["text/plain", "text/html"]);
    let [attachment] = &message.attachments[..] else {
        panic!("one attachment expected");
    };
    assert_eq!(attachment.filename, "行程单-WF-ABC123.pdf");
    assert_eq!(attachment.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(attachment.disposition, "attachment");
    assert_eq!(attachment.content, pdf());
    assert_eq!(
        message.custom_args["wayfare_message_id"],
        email.message_id.as_str()
    );

    let [request] = &fake.requests()[..] else {
        panic!("one request expected");
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, "/v3/mail/send");
    assert_eq!(
        request.header("authorization"),
        Some(format!("Bearer {API_KEY}").as_str())
    );
    assert_eq!(request.header("content-type"), Some("application/json"));
    assert_eq!(request.status, 202);
}

#[tokio::test]
async fn a_plain_text_email_has_one_content_part() {
    let (fake, sender) = setup().await;
    let email = Email::text("bob@example.org", "Your sign-in code", "Code: 123456");
    sender.send_email(&email, Utc::now()).await.unwrap();
    let message = &fake.messages()[0];
    assert_eq!(message.content_types, ["text/plain"]);
    assert!(message.attachments.is_empty());
    assert_eq!(
        fake.requests()[0].json()["custom_args"]["wayfare_message_id"],
        email.message_id.as_str()
    );
}

#[tokio::test]
async fn a_wrong_key_is_rejected_and_nothing_is_sent() {
    let fake = FakeSendGrid::start().await;
    let wrong = "SG.wrong-key-for-this-account";
    let sender = SendGridSender::new(config(&fake, wrong)).unwrap();
    let reason = rejected(sender.send_email(&itinerary(), Utc::now()).await);
    assert!(reason.contains("401"), "{reason}");
    assert!(
        reason.contains("authorization grant is invalid"),
        "{reason}"
    );
    assert!(!reason.contains(wrong));
    assert!(fake.messages().is_empty());
    assert_eq!(fake.requests()[0].status, 401);
}

#[tokio::test]
async fn a_refusal_is_rejected_with_sendgrid_s_reason() {
    let (fake, sender) = setup().await;
    // We take `ann@localhost`; SendGrid does not.
    let mut email = itinerary();
    email.to = "ann@localhost".into();
    let reason = rejected(sender.send_email(&email, Utc::now()).await);
    assert_eq!(
        reason,
        "HTTP 400: Does not contain a valid address. (personalizations.0.to.0.email)"
    );
    assert!(fake.messages().is_empty());

    fake.set_verified_senders(&["bookings@wayfare.example"]);
    let reason = rejected(sender.send_email(&itinerary(), Utc::now()).await);
    assert!(
        reason.starts_with("HTTP 403: The from address does not match a verified Sender Identity"),
        "{reason}"
    );
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn an_email_we_cannot_send_is_rejected_before_any_request() {
    let (fake, sender) = setup().await;
    let mut email = itinerary();
    email.to = "not an address".into();
    rejected(sender.send_email(&email, Utc::now()).await);
    let mut email = itinerary();
    email.attachments[0].content.clear();
    rejected(sender.send_email(&email, Utc::now()).await);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unreachable_and_a_later_try_works() {
    let (fake, sender) = setup().await;
    for status in [500, 503, 429] {
        fake.fail_next(1, status);
        let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
        assert!(reason.starts_with(&format!("HTTP {status}:")), "{reason}");
    }
    assert!(fake.messages().is_empty());
    fake.fail_next(2, 503);
    unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    let id = sender.send_email(&itinerary(), Utc::now()).await.unwrap();
    assert_eq!(fake.messages()[0].id, id);
    assert_eq!(fake.requests().len(), 6);
}

#[tokio::test]
async fn a_timeout_or_no_server_is_unreachable() {
    let fake = FakeSendGrid::start().await;
    let mut slow = config(&fake, API_KEY);
    slow.timeout = Duration::from_millis(200);
    fake.set_delay(Duration::from_secs(2));
    let reason = unreachable(
        SendGridSender::new(slow)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("timed out"), "{reason}");

    // Dropping the fake stops it: nothing answers at its address any more.
    let gone = config(&fake, API_KEY);
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let reason = unreachable(
        SendGridSender::new(gone)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(!reason.contains(API_KEY));
}

#[tokio::test]
async fn the_key_shows_nowhere() {
    let fake = FakeSendGrid::start().await;
    let config = config(&fake, API_KEY);
    let sender = SendGridSender::new(config.clone()).unwrap();
    let shown = format!("{config:?} {sender:?}");
    assert!(!shown.contains(API_KEY), "{shown}");
    assert!(!shown.contains("fake-wayfare-key"), "{shown}");

    let mut bad = config.clone();
    bad.api_key = format!("{API_KEY} with a space");
    let error = SendGridSender::new(bad).unwrap_err();
    assert!(!error.to_string().contains("fake-wayfare-key"), "{error}");

    for status in [500, 429] {
        fake.fail_next(1, status);
        let error = sender
            .send_email(&itinerary(), Utc::now())
            .await
            .unwrap_err();
        assert!(!format!("{error} {error:?}").contains(API_KEY));
    }
}
