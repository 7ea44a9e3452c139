//! The Twilio SMS connector against a fake Twilio over real HTTP (`fakes/twilio.rs`): the wire
//! format, English, Chinese and emoji texts, the sender choices, credentials, failures and
//! their retry class, and signed status callbacks.

#[path = "fakes/twilio.rs"]
mod fake;

use std::time::Duration;

use chrono::Utc;
use wayfare_notify::sms::{
    DeliveryStatus, TwilioConfig, TwilioCredentials, TwilioSender, TwilioSms,
    parse_twilio_callback, twilio_signature, verify_twilio_callback,
};
use wayfare_notify::{NotifyError, SmsSender};

use fake::{
    ACCOUNT_SID, API_KEY_SECRET, API_KEY_SID, AUTH_TOKEN, FROM_NUMBER, FakeTwilio, Fault,
    INVALID_NUMBER, MESSAGING_SERVICE_SID,
};

const TO: &str = "+8613800138000";
const CALLBACK: &str = "https://wayfare.example/hooks/sms/twilio?env=test";

fn config(fake: &FakeTwilio) -> TwilioConfig {
    let mut config = TwilioConfig::new(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER);
    config.api_base = fake.base_url().to_owned();
    config.timeout = Duration::from_secs(5);
    config
}

async fn setup() -> (FakeTwilio, TwilioSms) {
    let fake = FakeTwilio::start().await;
    let sms = TwilioSms::new(config(&fake)).unwrap();
    (fake, sms)
}

fn no_secret(e: &NotifyError) {
    let shown = format!("{e} {e:?}");
    for secret in [AUTH_TOKEN, API_KEY_SECRET, "wrong-token-SECRET"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn english_arrives_as_sent() {
    let (fake, sms) = setup().await;
    assert_eq!(sms.provider(), "twilio");
    let text = "Your Wayfare code is 482913. It expires in 10 minutes.";
    let sid = sms.send_sms(TO, text, Utc::now()).await.unwrap();
    assert!(sid.starts_with("SM") && sid.len() == 34, "{sid}");

    let messages = fake.messages();
    assert_eq!(messages.len(), 1);
    assert_eq!(messages[0].sid, sid);
    assert_eq!(messages[0].to, TO);
    assert_eq!(messages[0].from.as_deref(), Some(FROM_NUMBER));
    assert_eq!(messages[0].body, text);
    assert_eq!(messages[0].authenticated_as, ACCOUNT_SID);
    assert_eq!(messages[0].status_callback, None);

    let request = &fake.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(
        request.path,
        format!("/2010-04-01/Accounts/{ACCOUNT_SID}/Messages.json")
    );
    assert!(
        request
            .header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    assert_eq!(request.header("accept"), Some("application/json"));
    let names: Vec<String> = request.form().into_iter().map(|(k, _)| k).collect();
    assert_eq!(names, ["To", "From", "Body"]);
}

#[tokio::test]
async fn chinese_and_emoji_arrive_intact() {
    let (fake, sms) = setup().await;
    let texts = [
        "您的验证码是 482913，10 分钟内有效。请勿告诉他人。",
        "订单 WF-ABC123 已确认 ✈️ 祝您旅途愉快！😀",
        "Price: 12€ {ok} [x] ~ | ^ \\ & = + % #",
    ];
    for text in texts {
        sms.send_sms(TO, text, Utc::now()).await.unwrap();
    }
    let bodies: Vec<String> = fake.messages().into_iter().map(|m| m.body).collect();
    assert_eq!(bodies, texts);
}

#[tokio::test]
async fn a_long_text_goes_in_one_request() {
    let (fake, sms) = setup().await;
    let text = "行程提醒：".to_owned() + &"北京首都国际机场".repeat(40);
    let sid = sms.send_sms(TO, &text, Utc::now()).await.unwrap();
    assert_eq!(fake.messages()[0].sid, sid);
    assert_eq!(fake.messages()[0].body, text);
}

#[tokio::test]
async fn api_key_and_messaging_service() {
    let fake = FakeTwilio::start().await;
    let mut config = config(&fake);
    config.credentials = TwilioCredentials::ApiKey {
        sid: API_KEY_SID.into(),
        secret: API_KEY_SECRET.into(),
    };
    config.sender = TwilioSender::MessagingService(MESSAGING_SERVICE_SID.into());
    let sms = TwilioSms::new(config).unwrap();
    let sid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.sid, sid);
    assert_eq!(m.authenticated_as, API_KEY_SID);
    assert_eq!(m.from, None);
    assert_eq!(
        m.messaging_service_sid.as_deref(),
        Some(MESSAGING_SERVICE_SID)
    );
    assert_eq!(fake.requests()[0].param("From"), None);
}

#[tokio::test]
async fn bad_credentials_are_rejected() {
    let fake = FakeTwilio::start().await;
    let mut config = config(&fake);
    config.credentials = TwilioCredentials::AuthToken("wrong-token-SECRET".into());
    let sms = TwilioSms::new(config.clone()).unwrap();
    let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { provider: "twilio", reason } if reason.contains("20003")),
        "{e}"
    );
    no_secret(&e);
    // A valid API key of another account is refused too.
    config.account_sid = "AC99999999999999999999999999999999".into();
    config.credentials = TwilioCredentials::ApiKey {
        sid: API_KEY_SID.into(),
        secret: API_KEY_SECRET.into(),
    };
    let e = TwilioSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
    no_secret(&e);
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn invalid_numbers_are_rejected() {
    let (fake, sms) = setup().await;
    let e = sms
        .send_sms(INVALID_NUMBER, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("21211")),
        "{e}"
    );
    // Not E.164: refused before anything is sent.
    let before = fake.requests().len();
    for bad in ["13800138000", "+86 138 0013 8000", "+1", ""] {
        let e = sms.send_sms(bad, "Hello", Utc::now()).await.unwrap_err();
        assert!(matches!(e, NotifyError::Rejected { .. }), "{bad}: {e}");
    }
    let e = sms.send_sms(TO, "  ", Utc::now()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn the_sender_must_be_the_accounts() {
    let fake = FakeTwilio::start().await;
    let mut config = config(&fake);
    config.sender = TwilioSender::From("+15005550007".into());
    let e = TwilioSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("21606")),
        "{e}"
    );
}

#[tokio::test]
async fn too_long_is_rejected_by_twilio() {
    let (_fake, sms) = setup().await;
    let e = sms
        .send_sms(TO, &"a".repeat(1601), Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("21617")),
        "{e}"
    );
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unreachable() {
    let (fake, sms) = setup().await;
    for status in [500, 503, 429] {
        fake.fail_next(1, Fault::Status(status));
        let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
        assert!(
            matches!(&e, NotifyError::Unreachable { provider: "twilio", reason } if reason.contains(&status.to_string())),
            "{status}: {e}"
        );
        no_secret(&e);
    }
    // Two failures, then the retry goes through.
    fake.fail_next(2, Fault::Status(503));
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    let sid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.messages()[0].sid, sid);
}

#[tokio::test]
async fn nobody_listening_is_unreachable() {
    let fake = FakeTwilio::start().await;
    let sms = TwilioSms::new(config(&fake)).unwrap();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Unreachable { .. }), "{e}");
    no_secret(&e);
}

#[tokio::test]
async fn status_callbacks_verify_and_parse() {
    let fake = FakeTwilio::start().await;
    let mut config = config(&fake);
    config.status_callback = Some(CALLBACK.to_owned());
    let sms = TwilioSms::new(config).unwrap();
    let sid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    assert_eq!(
        fake.requests()[0].param("StatusCallback").as_deref(),
        Some(CALLBACK)
    );

    for (status, expected) in [
        ("queued", None),
        ("sent", Some(DeliveryStatus::Sent)),
        ("delivered", Some(DeliveryStatus::Delivered)),
        ("undelivered", Some(DeliveryStatus::Undelivered)),
        ("failed", Some(DeliveryStatus::Failed)),
    ] {
        let cb = fake.status_callback(&sid, status);
        assert!(
            verify_twilio_callback(AUTH_TOKEN, &cb.url, &cb.params, &cb.signature),
            "{status}"
        );
        assert_eq!(
            parse_twilio_callback(&cb.params),
            expected.map(|s| (sid.clone(), s)),
            "{status}"
        );
        // Changed params, another token or another URL: refused.
        let mut forged = cb.params.clone();
        forged.retain(|(k, _)| k != "MessageStatus");
        forged.push(("MessageStatus".into(), "delivered".into()));
        if status != "delivered" {
            assert!(!verify_twilio_callback(
                AUTH_TOKEN,
                &cb.url,
                &forged,
                &cb.signature
            ));
        }
        assert!(!verify_twilio_callback(
            "another-token",
            &cb.url,
            &cb.params,
            &cb.signature
        ));
        assert!(!verify_twilio_callback(
            AUTH_TOKEN,
            "https://wayfare.example/hooks/sms/twilio?env=prod",
            &cb.params,
            &cb.signature
        ));
    }
}

#[tokio::test]
async fn callbacks_to_a_url_with_a_port_verify_either_way() {
    let fake = FakeTwilio::start().await;
    let mut config = config(&fake);
    config.status_callback = Some("https://wayfare.example:443/hooks/sms/twilio".to_owned());
    let sms = TwilioSms::new(config).unwrap();
    let sid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    let cb = fake.status_callback(&sid, "delivered");
    // The fake signs without the port; the URL we know has it.
    assert!(verify_twilio_callback(
        AUTH_TOKEN,
        &cb.url,
        &cb.params,
        &cb.signature
    ));
}

#[test]
fn v5_vectors_through_the_public_api() {
    let params: Vec<(String, String)> = [
        ("CallSid", "CA1234567890ABCDE"),
        ("Caller", "+14158675309"),
        ("Digits", "1234"),
        ("From", "+14158675309"),
        ("To", "+18005551212"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let url = "https://mycompany.com/myapp.php?foo=1&bar=2";
    assert_eq!(
        twilio_signature("12345", url, &params),
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
    assert_eq!(
        fake::sign("12345", url, &params),
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    );
    assert!(verify_twilio_callback(
        "12345",
        url,
        &params,
        "RSOYDt4T1cUTdK1PDd93/VVr8B8="
    ));
    assert!(verify_twilio_callback(
        "12345",
        url,
        &params,
        "kvajT1Ptam85bY51eRf/AJRuM3w="
    ));
}

#[test]
fn secrets_stay_out_of_debug() {
    let mut config = TwilioConfig::new(ACCOUNT_SID, AUTH_TOKEN, FROM_NUMBER);
    let shown = format!("{config:?}");
    assert!(!shown.contains(AUTH_TOKEN), "{shown}");
    assert!(shown.contains(ACCOUNT_SID), "{shown}");
    assert!(!format!("{:?}", TwilioSms::new(config.clone()).unwrap()).contains(AUTH_TOKEN));
    config.credentials = TwilioCredentials::ApiKey {
        sid: API_KEY_SID.into(),
        secret: API_KEY_SECRET.into(),
    };
    let shown = format!("{config:?}");
    assert!(!shown.contains(API_KEY_SECRET), "{shown}");
    assert!(!format!("{:?}", TwilioSms::new(config).unwrap()).contains(API_KEY_SECRET));
}
