//! The Mailgun sender against a fake Mailgun over real HTTP (`fakes/mailgun.rs`): a Chinese
//! itinerary with HTML and a PDF arrives intact in the multipart form, Mailgun's id is
//! answered, a wrong key or domain is `Rejected` and nothing is sent, refusals carry Mailgun's
//! message, failures and timeouts are `Unreachable`, and the API key shows nowhere.

#[path = "fakes/mailgun.rs"]
mod fake;

use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use wayfare_notify::email::mailgun::{MailgunConfig, MailgunSender};
use wayfare_notify::{Attachment, Email, EmailSender, NotifyError};

use fake::{API_KEY, DOMAIN, FakeMailgun};

const FROM: &str = "noreply@mg.wayfare.example";

fn config(fake: &FakeMailgun, key: &str) -> MailgunConfig {
    let mut config = MailgunConfig::new(key, DOMAIN, FROM, "途游 Wayfare");
    config.api_base = fake.base_url().to_owned();
    config.timeout = Duration::from_secs(10);
    config
}

async fn setup() -> (FakeMailgun, MailgunSender) {
    let fake = FakeMailgun::start().await;
    let sender = MailgunSender::new(config(&fake, API_KEY)).unwrap();
    (fake, sender)
}

/// Bytes like a PDF's: a header, every byte value, CRLFs and dashes that look like a
/// multipart delimiter.
fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..=255u8).cycle().take(4096));
    pdf.extend_from_slice(b"\r\n--boundary\r\n\r\n%%EOF\r\n");
    pdf
}

fn itinerary() -> Email {
    Email {
        to: "ann@example.com".into(),
        subject: "您的行程单：北京 → 上海（WF-ABC123）".into(),
        text: "张三您好，\n您的航班 CA1501 已确认。祝您旅途愉快！".into(),
        html: Some("<p>张三您好，</p><p>您的航班 <b>CA1501</b> 已确认。</p>".into()),
        attachments: vec![
            Attachment {
                filename: "行程单-WF-ABC123.pdf".into(),
                content_type: "application/pdf".into(),
                content: pdf(),
            },
            Attachment {
                filename: "receipt.txt".into(),
                content_type: "text/plain".into(),
                content: "收据 WF-ABC123".as_bytes().to_vec(),
            },
        ],
        message_id: "0197a0b1-2c3d-7e4f-8a9b-0c1d2e3f4a5b".into(),
    }
}

fn rejected(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Rejected { provider, reason }) => {
            assert_eq!(provider, "mailgun");
            reason
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn unreachable(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Unreachable { provider, reason }) => {
            assert_eq!(provider, "mailgun");
            reason
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_chinese_itinerary_with_html_and_a_pdf_arrives_intact() {
    let (fake, sender) = setup().await;
    assert_eq!(sender.provider(), "mailgun");
    let email = itinerary();
    let id = sender.send_email(&email, Utc::now()).await.unwrap();

    let [message] = &fake.messages()[..] else {
        panic!("one message expected");
    };
    // Mailgun's id without its angle brackets, as its webhooks show it.
    assert_eq!(format!("<{id}>"), message.id);
    assert!(id.ends_with(&format!("@{DOMAIN}")), "{id}");
    // The display name as an RFC 2047 encoded word: `from` becomes the header as it is.
    assert_eq!(
        message.from,
        format!(
            "=?UTF-8?B?{}?= <noreply@mg.wayfare.example>",
            STANDARD.encode("途游 Wayfare")
        )
    );
    assert_eq!(message.to, ["ann@example.com"]);
    assert_eq!(message.subject.as_deref(), Some(email.subject.as_str()));
    assert_eq!(message.text.as_deref(), Some(email.text.as_str()));
    assert_eq!(message.html, email.html);
    assert_eq!(
        message.header("X-Wayfare-Message-Id"),
        Some(email.message_id.as_str())
    );
    assert_eq!(
        message.variable("wayfare_message_id"),
        Some(email.message_id.as_str())
    );
    let [pdf_part, receipt] = &message.attachments[..] else {
        panic!("two attachments expected");
    };
    assert_eq!(pdf_part.filename, "行程单-WF-ABC123.pdf");
    assert_eq!(pdf_part.content_type.as_deref(), Some("application/pdf"));
    assert_eq!(pdf_part.content, pdf());
    assert_eq!(receipt.filename, "receipt.txt");
    assert_eq!(receipt.content, "收据 WF-ABC123".as_bytes());

    let [request] = &fake.requests()[..] else {
        panic!("one request expected");
    };
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v3/{DOMAIN}/messages"));
    assert!(
        request
            .header("content-type")
            .unwrap()
            .starts_with("multipart/form-data; boundary=")
    );
    assert_eq!(request.status, 200);
}

#[tokio::test]
async fn a_plain_text_email_sends_no_html_and_no_files() {
    let (fake, sender) = setup().await;
    let email = Email::text("bob@example.org", "Your sign-in code", "Code: 123456");
    sender.send_email(&email, Utc::now()).await.unwrap();
    let message = &fake.messages()[0];
    assert_eq!(message.text.as_deref(), Some("Code: 123456"));
    assert_eq!(message.html, None);
    assert!(message.attachments.is_empty());
    assert!(message.fields.iter().all(|f| f.name != "html"));
}

#[tokio::test]
async fn a_wrong_key_is_rejected_and_nothing_is_sent() {
    let fake = FakeMailgun::start().await;
    let wrong = "key-wrong0123456789abcdef0123456";
    let sender = MailgunSender::new(config(&fake, wrong)).unwrap();
    let reason = rejected(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(reason, "HTTP 401: Forbidden");
    assert!(fake.messages().is_empty());
    assert_eq!(fake.requests()[0].status, 401);
}

#[tokio::test]
async fn a_refusal_is_rejected_with_mailgun_s_message() {
    let (fake, sender) = setup().await;
    // We take `ann@localhost`; Mailgun does not.
    let mut email = itinerary();
    email.to = "ann@localhost".into();
    let reason = rejected(sender.send_email(&email, Utc::now()).await);
    assert_eq!(
        reason,
        "HTTP 400: to parameter is not a valid address. please check documentation"
    );

    let mut other_domain = config(&fake, API_KEY);
    other_domain.domain = "mg.elsewhere.example".into();
    let reason = rejected(
        MailgunSender::new(other_domain)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert_eq!(reason, "HTTP 404: Domain not found: mg.elsewhere.example");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn an_email_we_cannot_send_is_rejected_before_any_request() {
    let (fake, sender) = setup().await;
    let mut email = itinerary();
    email.text = String::new();
    email.html = None;
    rejected(sender.send_email(&email, Utc::now()).await);
    let mut email = itinerary();
    email.attachments[0].filename = " ".into();
    rejected(sender.send_email(&email, Utc::now()).await);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unreachable_and_a_later_try_works() {
    let (fake, sender) = setup().await;
    fake.fail_next(1, 500);
    let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(reason, "HTTP 500: Internal Server Error");
    fake.fail_next(1, 429);
    let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(reason, "HTTP 429: Too many requests");
    fake.fail_next(2, 503);
    unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert!(fake.messages().is_empty());
    let id = sender.send_email(&itinerary(), Utc::now()).await.unwrap();
    assert_eq!(fake.messages()[0].id, format!("<{id}>"));
}

#[tokio::test]
async fn a_timeout_is_unreachable() {
    let fake = FakeMailgun::start().await;
    fake.set_delay(Duration::from_secs(2));
    let mut config = config(&fake, API_KEY);
    config.timeout = Duration::from_millis(200);
    let reason = unreachable(
        MailgunSender::new(config)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("timed out"), "{reason}");
}

#[tokio::test]
async fn the_key_shows_nowhere() {
    let fake = FakeMailgun::start().await;
    let config = config(&fake, API_KEY);
    let sender = MailgunSender::new(config.clone()).unwrap();
    let shown = format!("{config:?} {sender:?}");
    assert!(!shown.contains(API_KEY), "{shown}");

    let mut bad = config.clone();
    bad.api_key = format!("{API_KEY}\n");
    let error = MailgunSender::new(bad).unwrap_err();
    assert!(!error.to_string().contains(API_KEY), "{error}");

    for status in [500, 503] {
        fake.fail_next(1, status);
        let error = sender
            .send_email(&itinerary(), Utc::now())
            .await
            .unwrap_err();
        assert!(!format!("{error} {error:?}").contains(API_KEY));
    }
}
