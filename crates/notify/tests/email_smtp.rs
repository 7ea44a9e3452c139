//! The SMTP sender against a fake SMTP server over real TCP (`fakes/smtp.rs`): a Chinese
//! itinerary with HTML and a PDF arrives intact (encoded words, quoted-printable and base64
//! undone), AUTH PLAIN and LOGIN with the right password deliver and a wrong one is `Rejected`
//! with nothing delivered, a refused recipient is `Rejected`, `421`/`451` replies, a closed
//! port, a silent server and a server without the TLS asked for are `Unreachable`, connections
//! are pooled, and the password shows nowhere.

#[path = "fakes/smtp.rs"]
mod fake;

use std::time::{Duration, Instant};

use chrono::{DateTime, TimeZone, Utc};
use wayfare_notify::email::smtp::{SmtpConfig, SmtpSecurity, SmtpSender};
use wayfare_notify::{Attachment, Email, EmailSender, NotifyError};

use fake::{FakeSmtp, PASSWORD, USERNAME};

const FROM: &str = "noreply@wayfare.example";

fn at() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2025, 3, 1, 8, 30, 0).unwrap()
}

/// Plain SMTP to the fake, without credentials.
fn config(fake: &FakeSmtp) -> SmtpConfig {
    let mut config = SmtpConfig::new("127.0.0.1", FROM, "途游 Wayfare");
    config.port = fake.port();
    config.security = SmtpSecurity::Plain;
    config.timeout = Duration::from_secs(10);
    config.hello_name = Some("wayfare.test".into());
    config
}

/// Plain SMTP to the fake with `password`.
fn config_with_password(fake: &FakeSmtp, password: &str) -> SmtpConfig {
    let mut config = config(fake);
    config.username = Some(USERNAME.into());
    config.password = Some(password.into());
    config
}

/// Bytes like a PDF's: a header, every byte value, CRLFs, dashes that look like MIME and a
/// line holding a single dot.
fn pdf() -> Vec<u8> {
    let mut pdf = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n".to_vec();
    pdf.extend((0..=255u8).cycle().take(4096));
    pdf.extend_from_slice(b"\r\n--boundary\r\n.\r\n\r\n%%EOF\n");
    pdf
}

fn itinerary() -> Email {
    Email {
        to: "ann@example.com".into(),
        subject: "您的行程单：北京 → 上海（WF-ABC123），2025年3月1日出发，祝您旅途愉快！".into(),
        text: "张三您好，\n您的航班 CA1501 已确认。\n.\n祝您旅途愉快！".into(),
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
            assert_eq!(provider, "smtp");
            reason
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn unreachable(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Unreachable { provider, reason }) => {
            assert_eq!(provider, "smtp");
            reason
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_chinese_itinerary_with_html_and_a_pdf_arrives_intact() {
    let fake = FakeSmtp::with_auth().await;
    let sender = SmtpSender::new(config_with_password(&fake, PASSWORD)).unwrap();
    assert_eq!(sender.provider(), "smtp");
    let email = itinerary();
    let id = sender.send_email(&email, at()).await.unwrap();
    assert_eq!(id, format!("<{}@wayfare.example>", email.message_id));

    let [received] = &fake.messages()[..] else {
        panic!("one message expected");
    };
    assert_eq!(received.mail_from, FROM);
    assert_eq!(received.rcpt_to, ["ann@example.com"]);
    assert_eq!(received.authenticated_as.as_deref(), Some(USERNAME));
    // 7-bit with CRLF line ends and short lines: any relay passes it on unchanged.
    assert!(received.data.is_ascii());
    assert!(!received.bare_lf);
    assert!(received.longest_line <= 998, "{}", received.longest_line);
    assert_eq!(fake.hello_names(), ["wayfare.test"]);

    let message = received.parsed();
    assert_eq!(message.header("Message-ID"), Some(id.as_str()));
    assert_eq!(
        message.header("X-Wayfare-Message-Id"),
        Some(email.message_id.as_str())
    );
    assert_eq!(
        message.decoded_header("Subject").as_deref(),
        Some(email.subject.as_str())
    );
    assert_ne!(message.header("Subject"), Some(email.subject.as_str()));
    assert_eq!(
        message.decoded_header("From").as_deref(),
        Some("途游 Wayfare <noreply@wayfare.example>")
    );
    assert_eq!(message.header("To"), Some("ann@example.com"));
    assert_eq!(message.header("MIME-Version"), Some("1.0"));
    let date = DateTime::parse_from_rfc2822(message.header("Date").unwrap()).unwrap();
    assert_eq!(date, at());
    for name in ["From", "To", "Subject", "Date", "Message-ID"] {
        assert_eq!(message.header_count(name), 1, "{name}");
    }

    assert_eq!(message.mime_type(), "multipart/mixed");
    let [body, attachment] = &message.parts[..] else {
        panic!("the body and one attachment expected: {:?}", message.parts);
    };
    assert_eq!(body.mime_type(), "multipart/alternative");
    let [plain, html] = &body.parts[..] else {
        panic!("text and HTML expected");
    };
    assert_eq!(plain.mime_type(), "text/plain");
    assert_eq!(plain.text(), email.text);
    assert_eq!(html.mime_type(), "text/html");
    assert_eq!(Some(html.text()), email.html);

    assert_eq!(attachment.mime_type(), "application/pdf");
    assert_eq!(attachment.disposition().as_deref(), Some("attachment"));
    assert_eq!(
        attachment
            .param("Content-Disposition", "filename")
            .as_deref(),
        Some("行程单-WF-ABC123.pdf")
    );
    assert_eq!(attachment.body, pdf());
}

#[tokio::test]
async fn dots_long_lines_and_html_alone_survive() {
    let fake = FakeSmtp::start().await;
    let sender = SmtpSender::new(config(&fake)).unwrap();
    // ASCII text is sent as it is, so SMTP's dot-stuffing is what keeps these lines.
    let text = format!(
        "Booking WF-ABC123\n.\n..two dots\n. a dot and a space\n{}\nend",
        "x".repeat(2000)
    );
    let email = Email::text("ann@example.com", "Booking confirmed", &text);
    sender.send_email(&email, at()).await.unwrap();

    let mut html_only = Email::text("bob@example.com", "Ihre Buchung", "");
    html_only.html = Some("<p>Grüße aus Zürich</p>\n<p>.</p>".into());
    sender.send_email(&html_only, at()).await.unwrap();

    let [first, second] = &fake.messages()[..] else {
        panic!("two messages expected");
    };
    assert!(first.longest_line <= 998, "{}", first.longest_line);
    assert!(!first.bare_lf && !second.bare_lf);
    let message = first.parsed();
    assert!(message.parts.is_empty());
    assert_eq!(message.mime_type(), "text/plain");
    assert_eq!(
        message.decoded_header("Subject").as_deref(),
        Some("Booking confirmed")
    );
    // SMTP ends the last line with CRLF; nothing more is added.
    assert_eq!(message.text(), format!("{text}\n"));

    let message = second.parsed();
    assert_eq!(second.rcpt_to, ["bob@example.com"]);
    assert!(message.parts.is_empty());
    assert_eq!(message.mime_type(), "text/html");
    assert_eq!(
        message.text(),
        format!("{}\n", html_only.html.as_deref().unwrap())
    );
}

#[tokio::test]
async fn auth_login_works_where_plain_is_not_offered() {
    let fake = FakeSmtp::with_mechanisms(&["LOGIN"]).await;
    let sender = SmtpSender::new(config_with_password(&fake, PASSWORD)).unwrap();
    sender
        .send_email(&Email::text("ann@example.com", "Hi", "Hello"), at())
        .await
        .unwrap();
    assert_eq!(
        fake.auth_attempts(),
        [fake::AuthAttempt {
            mechanism: "LOGIN".into(),
            username: USERNAME.into(),
            success: true,
        }]
    );
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn a_wrong_password_is_rejected_and_nothing_is_delivered() {
    let fake = FakeSmtp::with_auth().await;
    let wrong = "not-the-Pa55word-at-all";
    let sender = SmtpSender::new(config_with_password(&fake, wrong)).unwrap();
    let reason = rejected(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains("535"), "{reason}");
    assert!(!reason.contains(wrong), "{reason}");

    assert!(fake.messages().is_empty());
    let [attempt] = &fake.auth_attempts()[..] else {
        panic!("one AUTH expected");
    };
    assert_eq!(attempt.mechanism, "PLAIN");
    assert_eq!(attempt.username, USERNAME);
    assert!(!attempt.success);
    let commands = fake.commands();
    assert!(
        !commands.iter().any(|c| c.starts_with("MAIL")),
        "{commands:?}"
    );
    assert!(!commands.iter().any(|c| c.contains(wrong)), "{commands:?}");
}

#[tokio::test]
async fn mail_without_the_required_auth_is_rejected() {
    let fake = FakeSmtp::with_auth().await;
    let sender = SmtpSender::new(config(&fake)).unwrap();
    let reason = rejected(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains("530"), "{reason}");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn a_refused_recipient_is_rejected_and_the_next_e_mail_still_goes() {
    let fake = FakeSmtp::with_auth().await;
    fake.set_recipient_reply(
        "nobody@example.com",
        "550 5.1.1 <nobody@example.com>: Recipient address rejected: mailbox unavailable",
    );
    let sender = SmtpSender::new(config_with_password(&fake, PASSWORD)).unwrap();
    let mut email = itinerary();
    email.to = "nobody@example.com".into();
    let reason = rejected(sender.send_email(&email, at()).await);
    assert!(reason.contains("550"), "{reason}");
    assert!(reason.contains("mailbox unavailable"), "{reason}");
    assert!(fake.messages().is_empty());

    sender.send_email(&itinerary(), at()).await.unwrap();
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn a_temporary_failure_at_the_end_of_data_is_unreachable_and_passes() {
    let fake = FakeSmtp::with_auth().await;
    fake.set_data_reply(Some("451 4.3.0 Temporary local problem, try again later"));
    let sender = SmtpSender::new(config_with_password(&fake, PASSWORD)).unwrap();
    let reason = unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains("451"), "{reason}");
    assert!(fake.messages().is_empty());

    fake.set_data_reply(None);
    sender.send_email(&itinerary(), at()).await.unwrap();
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn a_server_closing_with_421_is_unreachable() {
    let fake = FakeSmtp::start().await;
    fake.set_greeting("421 4.3.2 fake-smtp.test Service not available, closing channel");
    let sender = SmtpSender::new(config(&fake)).unwrap();
    let reason = unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains("421"), "{reason}");

    // A 421 for one recipient (the server shutting down mid-session) too.
    let fake = FakeSmtp::start().await;
    fake.set_recipient_reply("ann@example.com", "421 4.4.5 Too busy, closing channel");
    let sender = SmtpSender::new(config(&fake)).unwrap();
    let reason = unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains("421"), "{reason}");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn nothing_listening_is_unreachable() {
    let port = {
        let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
        listener.local_addr().unwrap().port()
    };
    let mut config = SmtpConfig::new("127.0.0.1", FROM, "Wayfare");
    config.port = port;
    config.security = SmtpSecurity::Plain;
    config.timeout = Duration::from_secs(5);
    let sender = SmtpSender::new(config).unwrap();
    let reason = unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(reason.contains(&format!("127.0.0.1:{port}")), "{reason}");
}

#[tokio::test]
async fn a_silent_server_times_out_as_unreachable() {
    let fake = FakeSmtp::silent().await;
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(300);
    let sender = SmtpSender::new(config).unwrap();
    let started = Instant::now();
    unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(started.elapsed() < Duration::from_secs(5));
    assert_eq!(fake.connections(), 1);
}

#[tokio::test]
async fn starttls_required_but_not_offered_sends_nothing() {
    let fake = FakeSmtp::with_auth().await;
    let mut config = config_with_password(&fake, PASSWORD);
    config.security = SmtpSecurity::StartTls;
    let sender = SmtpSender::new(config).unwrap();
    let reason = unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(reason.to_ascii_lowercase().contains("starttls"), "{reason}");
    assert!(fake.auth_attempts().is_empty());
    assert!(fake.messages().is_empty());
    let commands = fake.commands();
    assert!(
        commands
            .iter()
            .all(|c| c.starts_with("EHLO") || c == "QUIT"),
        "{commands:?}"
    );
}

#[tokio::test]
async fn implicit_tls_to_a_plain_server_is_unreachable() {
    let fake = FakeSmtp::with_auth().await;
    let mut config = config_with_password(&fake, PASSWORD);
    config.security = SmtpSecurity::Tls;
    config.host = "localhost".into();
    let sender = SmtpSender::new(config).unwrap();
    unreachable(sender.send_email(&itinerary(), at()).await);
    assert!(fake.auth_attempts().is_empty());
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn connections_are_pooled() {
    let fake = FakeSmtp::with_auth().await;
    let sender = SmtpSender::new(config_with_password(&fake, PASSWORD)).unwrap();
    for i in 0..3 {
        let mut email = Email::text("ann@example.com", "Hi", "Hello");
        email.message_id = format!("m-{i}");
        assert_eq!(
            sender.send_email(&email, at()).await.unwrap(),
            format!("<m-{i}@wayfare.example>")
        );
        // lettre puts a connection back in the pool from a spawned task.
        tokio::task::yield_now().await;
    }
    assert_eq!(fake.messages().len(), 3);
    assert_eq!(fake.connections(), 1);
    assert_eq!(fake.auth_attempts().len(), 1);
}

#[tokio::test]
async fn the_password_shows_nowhere() {
    let fake = FakeSmtp::with_auth().await;
    let config = config_with_password(&fake, PASSWORD);
    let shown = format!("{config:?}");
    assert!(!shown.contains(PASSWORD), "{shown}");
    assert!(
        shown.contains("[redacted]") && shown.contains(USERNAME),
        "{shown}"
    );
    let sender = SmtpSender::new(config).unwrap();
    assert!(!format!("{sender:?}").contains(PASSWORD));
    sender.send_email(&itinerary(), at()).await.unwrap();
    let received = &fake.messages()[0];
    assert!(find(&received.data, PASSWORD.as_bytes()).is_none());
}

fn find(haystack: &[u8], needle: &[u8]) -> Option<usize> {
    haystack.windows(needle.len()).position(|w| w == needle)
}
