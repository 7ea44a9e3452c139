//! The SES sender against a fake SES over real HTTP (`fakes/ses.rs`), which recomputes every
//! AWS Signature Version 4 on its own: a Chinese itinerary with HTML and a PDF arrives intact
//! in the raw MIME message, SES's `MessageId` is answered, a wrong secret, key, token, region
//! or clock is `Rejected` and nothing is sent, refusals carry SES's reason, failures are
//! `Unreachable`, and the secrets show nowhere. Both signers (the connector's and the fake's)
//! are checked against AWS's test vectors.

#[path = "fakes/ses.rs"]
mod fake;

use std::sync::Arc;
use std::time::Duration;

use chrono::{TimeZone, Utc};
use wayfare_notify::email::ses::{SesConfig, SesSender};
use wayfare_notify::email::sigv4::{self, Credentials};
use wayfare_notify::{Attachment, Email, EmailSender, NotifyError};

use fake::{ACCESS_KEY_ID, FakeSes, REGION, SECRET_ACCESS_KEY};

const FROM: &str = "noreply@wayfare.example";

fn config(fake: &FakeSes) -> SesConfig {
    let mut config = SesConfig::new(
        REGION,
        ACCESS_KEY_ID,
        SECRET_ACCESS_KEY,
        FROM,
        "途游 Wayfare",
    );
    config.endpoint = Some(fake.base_url().to_owned());
    config.timeout = Duration::from_secs(10);
    config
}

async fn setup() -> (FakeSes, SesSender) {
    let fake = FakeSes::start().await;
    let sender = SesSender::new(config(&fake)).unwrap();
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
        subject: "您的行程单：北京首都国际机场 → 上海浦东国际机场（WF-ABC123），祝您旅途愉快"
            .into(),
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
            assert_eq!(provider, "ses");
            reason
        }
        other => panic!("expected Rejected, got {other:?}"),
    }
}

fn unreachable(result: Result<String, NotifyError>) -> String {
    match result {
        Err(NotifyError::Unreachable { provider, reason }) => {
            assert_eq!(provider, "ses");
            reason
        }
        other => panic!("expected Unreachable, got {other:?}"),
    }
}

#[tokio::test]
async fn a_chinese_itinerary_with_html_and_a_pdf_arrives_intact() {
    let (fake, sender) = setup().await;
    assert_eq!(sender.provider(), "ses");
    let email = itinerary();
    let at = Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap();
    let id = sender.send_email(&email, at).await.unwrap();

    let [message] = &fake.messages()[..] else {
        panic!("one message expected");
    };
    assert_eq!(id, message.message_id);
    assert_eq!(message.content_kind, "Raw");
    assert_eq!(message.subject, email.subject);
    assert_eq!(message.text.as_deref(), Some(email.text.as_str()));
    assert_eq!(message.html, email.html);
    let [attachment] = &message.attachments[..] else {
        panic!("one attachment expected");
    };
    assert_eq!(attachment.filename, "行程单-WF-ABC123.pdf");
    assert_eq!(attachment.content_type, "application/pdf");
    assert_eq!(attachment.content, pdf());
    assert_eq!(message.to, ["ann@example.com"]);
    assert_eq!(
        message.header("From"),
        Some("途游 Wayfare <noreply@wayfare.example>")
    );
    assert_eq!(message.header("To"), Some("ann@example.com"));
    assert_eq!(
        message.header("Date"),
        Some("Sat, 1 Mar 2025 08:00:00 +0000")
    );
    assert_eq!(message.header("MIME-Version"), Some("1.0"));
    assert_eq!(
        message.header("X-Wayfare-Message-Id"),
        Some(email.message_id.as_str())
    );
    assert_eq!(
        message.tags.get("wayfare_message_id").map(String::as_str),
        Some(email.message_id.as_str())
    );
    // The subject went as RFC 2047 encoded words, folded.
    let raw = String::from_utf8(message.raw.clone()).unwrap();
    assert!(raw.contains("Subject: =?UTF-8?B?"), "{raw}");
    assert!(raw.contains("?=\r\n =?UTF-8?B?"), "{raw}");

    let [request] = &fake.requests()[..] else {
        panic!("one request expected");
    };
    assert_eq!(request.path, "/v2/email/outbound-emails");
    assert_eq!(request.status, 200);
    let authorization = request.header("authorization").unwrap();
    assert!(authorization.starts_with(&format!(
        "AWS4-HMAC-SHA256 Credential={ACCESS_KEY_ID}/{}/{REGION}/ses/aws4_request, \
         SignedHeaders=content-type;host;x-amz-date, Signature=",
        Utc::now().format("%Y%m%d")
    )));
    assert!(request.header("x-amz-security-token").is_none());
}

#[tokio::test]
async fn a_plain_text_email_is_one_part_with_a_configuration_set() {
    let fake = FakeSes::start().await;
    let mut config = config(&fake);
    config.configuration_set = Some("wayfare-events".into());
    let sender = SesSender::new(config).unwrap();
    let email = Email::text("bob@example.org", "Your sign-in code", "Code: 123456");
    sender.send_email(&email, Utc::now()).await.unwrap();
    let message = &fake.messages()[0];
    assert_eq!(message.subject, "Your sign-in code");
    assert_eq!(message.text.as_deref(), Some("Code: 123456"));
    assert_eq!(message.html, None);
    assert!(message.attachments.is_empty());
    assert_eq!(message.configuration_set.as_deref(), Some("wayfare-events"));
    let raw = String::from_utf8(message.raw.clone()).unwrap();
    assert!(raw.contains("Subject: Your sign-in code\r\n"));
    assert!(!raw.contains("multipart"));
}

#[tokio::test]
async fn a_wrong_secret_is_rejected_and_nothing_is_sent() {
    let fake = FakeSes::start().await;
    let mut config = config(&fake);
    let wrong = "wrongWayfareSecret/0123456789+abcdefghijKLMNOP";
    config.secret_access_key = wrong.into();
    let sender = SesSender::new(config).unwrap();
    let reason = rejected(sender.send_email(&itinerary(), Utc::now()).await);
    assert!(
        reason.starts_with("HTTP 403: SignatureDoesNotMatch: The request signature we calculated"),
        "{reason}"
    );
    assert!(!reason.contains(wrong));
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn an_unknown_key_a_wrong_region_or_an_old_clock_is_rejected() {
    let fake = FakeSes::start().await;

    let mut unknown = config(&fake);
    unknown.access_key_id = "AKIAUNKNOWNKEY000000".into();
    let reason = rejected(
        SesSender::new(unknown)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("UnrecognizedClientException"), "{reason}");

    let mut region = config(&fake);
    region.region = "us-east-1".into();
    let reason = rejected(
        SesSender::new(region)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("SignatureDoesNotMatch"), "{reason}");
    assert!(reason.contains("region"), "{reason}");

    let late = Arc::new(|| Utc::now() - chrono::TimeDelta::minutes(10));
    let reason = rejected(
        SesSender::with_clock(config(&fake), late)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(
        reason.contains("InvalidSignatureException: Signature expired"),
        "{reason}"
    );

    // Four minutes off is within AWS's five.
    let close = Arc::new(|| Utc::now() - chrono::TimeDelta::minutes(4));
    SesSender::with_clock(config(&fake), close)
        .unwrap()
        .send_email(&itinerary(), Utc::now())
        .await
        .unwrap();
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn temporary_credentials_send_and_sign_their_token() {
    let fake = FakeSes::start().await;
    let token = "FwoGZXIvYXdzEFakeWayfareSessionToken0123456789";
    fake.require_session_token(token);

    let reason = rejected(
        SesSender::new(config(&fake))
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("UnrecognizedClientException"), "{reason}");

    let mut with_token = config(&fake);
    with_token.session_token = Some(token.into());
    let sender = SesSender::new(with_token.clone()).unwrap();
    sender.send_email(&itinerary(), Utc::now()).await.unwrap();
    let request = fake.requests().pop().unwrap();
    assert_eq!(request.header("x-amz-security-token"), Some(token));
    assert!(
        request
            .header("authorization")
            .unwrap()
            .contains("SignedHeaders=content-type;host;x-amz-date;x-amz-security-token,")
    );
    assert!(!format!("{with_token:?} {sender:?}").contains(token));
}

#[tokio::test]
async fn a_refusal_is_rejected_with_ses_s_reason() {
    let (fake, sender) = setup().await;
    fake.set_sandbox(&["wayfare.example", "ann@example.com"]);
    sender.send_email(&itinerary(), Utc::now()).await.unwrap();

    let mut email = itinerary();
    email.to = "bob@example.org".into();
    let reason = rejected(sender.send_email(&email, Utc::now()).await);
    assert_eq!(
        reason,
        "HTTP 400: MessageRejected: Email address is not verified. The following identities \
         failed the check in region EU-WEST-1: bob@example.org"
    );
    assert_eq!(fake.messages().len(), 1);
}

#[tokio::test]
async fn an_email_we_cannot_send_is_rejected_before_any_request() {
    let (fake, sender) = setup().await;
    let mut email = itinerary();
    email.subject = "\r\n".into();
    rejected(sender.send_email(&email, Utc::now()).await);
    let mut email = itinerary();
    email.to = "张三@example.com".into();
    rejected(sender.send_email(&email, Utc::now()).await);
    assert!(fake.requests().is_empty());
}

#[tokio::test]
async fn server_errors_and_throttling_are_unreachable_and_a_later_try_works() {
    let (fake, sender) = setup().await;
    fake.fail_next(1, 500);
    let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(
        reason,
        "HTTP 500: InternalFailure: An internal error occurred."
    );
    fake.fail_next(1, 503);
    let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(reason, "HTTP 503: ServiceUnavailable: Service Unavailable");
    fake.fail_next(1, 429);
    let reason = unreachable(sender.send_email(&itinerary(), Utc::now()).await);
    assert_eq!(
        reason,
        "HTTP 429: TooManyRequestsException: Too Many Requests"
    );
    assert!(fake.messages().is_empty());
    let id = sender.send_email(&itinerary(), Utc::now()).await.unwrap();
    assert_eq!(fake.messages()[0].message_id, id);
}

#[tokio::test]
async fn a_timeout_is_unreachable() {
    let fake = FakeSes::start().await;
    fake.set_delay(Duration::from_secs(2));
    let mut config = config(&fake);
    config.timeout = Duration::from_millis(200);
    let reason = unreachable(
        SesSender::new(config)
            .unwrap()
            .send_email(&itinerary(), Utc::now())
            .await,
    );
    assert!(reason.contains("timed out"), "{reason}");
}

#[tokio::test]
async fn the_secrets_show_nowhere() {
    let fake = FakeSes::start().await;
    let mut config = config(&fake);
    config.session_token = Some("session-token-secret-value".into());
    let sender = SesSender::new(config.clone()).unwrap();
    let shown = format!("{config:?} {sender:?}");
    assert!(!shown.contains(SECRET_ACCESS_KEY), "{shown}");
    assert!(!shown.contains("session-token-secret-value"), "{shown}");
    assert!(shown.contains(ACCESS_KEY_ID));

    let error = sender
        .send_email(&itinerary(), Utc::now())
        .await
        .unwrap_err();
    let shown = format!("{error} {error:?}");
    assert!(!shown.contains(SECRET_ACCESS_KEY), "{shown}");
    assert!(!shown.contains("session-token-secret-value"), "{shown}");

    let mut bad = config.clone();
    bad.secret_access_key = format!("{SECRET_ACCESS_KEY} x");
    let error = SesSender::new(bad).unwrap_err();
    assert_eq!(error.field, "secret_access_key");
    assert!(!error.to_string().contains(SECRET_ACCESS_KEY));
}

// ---------------------------------------------------------------------------------------------
// AWS's Signature Version 4 test vectors (messaging.md §0 V2–V4, §2.3), for both signers.

const VECTOR_KEY_ID: &str = "AKIDEXAMPLE";
const VECTOR_SECRET: &str = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY";
const VECTOR_DATE: &str = "20150830T123600Z";
const VECTOR_TOKEN: &str = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
const FORM_HASH: &str = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";

/// (name, method, headers without x-amz-date, body, token, expected signature)
type Vector = (
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str)],
    &'static [u8],
    Option<&'static str>,
    &'static str,
);

const VECTORS: &[Vector] = &[
    (
        "get-vanilla",
        "GET",
        &[("Host", "example.amazonaws.com")],
        b"",
        None,
        "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31",
    ),
    (
        "post-x-www-form-urlencoded",
        "POST",
        &[
            ("Content-Type", "application/x-www-form-urlencoded"),
            ("Host", "example.amazonaws.com"),
            ("Content-Length", "13"),
            ("x-amz-content-sha256", FORM_HASH),
        ],
        b"Param1=value1",
        None,
        "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b",
    ),
    (
        "get-vanilla-with-session-token",
        "GET",
        &[("Host", "example.amazonaws.com")],
        b"",
        Some(VECTOR_TOKEN),
        "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8",
    ),
];

#[test]
fn the_connector_s_signer_passes_aws_s_vectors() {
    let at = Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap();
    for (name, method, headers, body, token, expected) in VECTORS {
        let credentials = Credentials {
            access_key_id: VECTOR_KEY_ID.into(),
            secret_access_key: VECTOR_SECRET.into(),
            session_token: token.map(str::to_owned),
        };
        let request = sigv4::Request {
            method,
            path: "/",
            query: "",
            headers,
            body,
        };
        let signed = sigv4::sign(&request, &credentials, "us-east-1", "service", at);
        assert_eq!(signed.signature, *expected, "{name}");
        assert_eq!(signed.x_amz_date, VECTOR_DATE, "{name}");
        assert!(
            signed.authorization.starts_with(
                "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, "
            ),
            "{name}"
        );
        assert!(
            signed
                .authorization
                .ends_with(&format!("Signature={expected}")),
            "{name}"
        );
    }
    assert_eq!(
        hex::encode(sigv4::signing_key(
            VECTOR_SECRET,
            "20150830",
            "us-east-1",
            "service"
        ))
        .len(),
        64
    );
}

#[test]
fn the_fake_s_signer_passes_aws_s_vectors() {
    for (name, method, headers, body, token, expected) in VECTORS {
        let mut signed: Vec<(String, String)> = headers
            .iter()
            .map(|(n, v)| (n.to_ascii_lowercase(), v.to_string()))
            .collect();
        signed.push(("x-amz-date".into(), VECTOR_DATE.into()));
        if let Some(token) = token {
            signed.push(("x-amz-security-token".into(), token.to_string()));
        }
        let canonical = fake::canonical_request(method, "/", "", &signed, body);
        let signature = fake::signature(
            VECTOR_SECRET,
            VECTOR_DATE,
            "us-east-1",
            "service",
            &canonical,
        );
        assert_eq!(signature, *expected, "{name}");
    }
    let canonical = fake::canonical_request(
        "GET",
        "/",
        "",
        &[
            ("host".into(), "example.amazonaws.com".into()),
            ("x-amz-date".into(), VECTOR_DATE.into()),
        ],
        b"",
    );
    assert_eq!(
        canonical,
        "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
         e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
    );
}

#[test]
fn the_fake_decodes_encoded_words() {
    assert_eq!(
        fake::decode_words("=?UTF-8?B?6aKE6K6i?=\r\n =?UTF-8?B?56Gu6K6k?= ok"),
        "预订确认 ok"
    );
    assert_eq!(fake::decode_words("=?utf-8?Q?caf=C3=A9_bar?="), "café bar");
    assert_eq!(fake::decode_words("plain =? text"), "plain =? text");
}
