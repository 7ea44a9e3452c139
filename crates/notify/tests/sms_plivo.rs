//! The Plivo SMS connector against a fake Plivo over real HTTP (`fakes/plivo.rs`): the wire
//! format, English, Chinese and emoji texts, credentials, failures and their retry class, and
//! signed status callbacks (V3 and V2).

#[path = "fakes/plivo.rs"]
mod fake;

use std::time::Duration;

use chrono::Utc;
use reqwest::header::{HeaderMap, HeaderName, HeaderValue};
use wayfare_notify::sms::{
    DeliveryStatus, PlivoConfig, PlivoSms, parse_plivo_callback, plivo_signature_v2,
    plivo_signature_v3, verify_plivo_callback, verify_plivo_callback_v2, verify_plivo_callback_v3,
};
use wayfare_notify::{NotifyError, SmsSender};

use fake::{AUTH_ID, AUTH_TOKEN, FakePlivo, Fault, INVALID_NUMBER, SRC};

const TO: &str = "+8613800138000";
const CALLBACK: &str = "https://wayfare.example/hooks/sms/plivo?env=test";

fn config(fake: &FakePlivo) -> PlivoConfig {
    let mut config = PlivoConfig::new(AUTH_ID, AUTH_TOKEN, SRC);
    config.api_base = fake.base_url().to_owned();
    config.timeout = Duration::from_secs(5);
    config
}

async fn setup() -> (FakePlivo, PlivoSms) {
    let fake = FakePlivo::start().await;
    let sms = PlivoSms::new(config(&fake)).unwrap();
    (fake, sms)
}

fn no_secret(e: &NotifyError) {
    let shown = format!("{e} {e:?}");
    for secret in [AUTH_TOKEN, "wrongSECRET"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

fn header_map(pairs: &[(String, String)]) -> HeaderMap {
    let mut map = HeaderMap::new();
    for (k, v) in pairs {
        map.insert(
            HeaderName::from_bytes(k.as_bytes()).unwrap(),
            HeaderValue::from_str(v).unwrap(),
        );
    }
    map
}

#[tokio::test]
async fn english_arrives_as_sent() {
    let (fake, sms) = setup().await;
    assert_eq!(sms.provider(), "plivo");
    let text = "Your Wayfare code is 482913. It expires in 10 minutes.";
    let uuid = sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.message_uuid, uuid);
    assert_eq!(m.src, SRC);
    assert_eq!(m.dst, "8613800138000");
    assert_eq!(m.text, text);
    assert_eq!(m.url, None);

    let request = &fake.requests()[0];
    assert_eq!(request.method, "POST");
    assert_eq!(request.path, format!("/v1/Account/{AUTH_ID}/Message/"));
    assert!(
        request
            .header("content-type")
            .unwrap()
            .starts_with("application/json")
    );
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    let body = request.json();
    assert_eq!(body["dst"], "8613800138000");
    assert_eq!(body["src"], SRC);
    assert!(body.get("url").is_none());
}

#[tokio::test]
async fn chinese_and_emoji_arrive_intact() {
    let (fake, sms) = setup().await;
    let texts = [
        "您的验证码是 482913，10 分钟内有效。请勿告诉他人。",
        "订单 WF-ABC123 已确认 ✈️ 祝您旅途愉快！😀",
        "Price: 12€ {ok} [x] ~ | ^ \\ \"quoted\" & <tag>",
    ];
    for text in texts {
        sms.send_sms(TO, text, Utc::now()).await.unwrap();
    }
    let received: Vec<String> = fake.messages().into_iter().map(|m| m.text).collect();
    assert_eq!(received, texts);
}

#[tokio::test]
async fn bad_credentials_are_rejected() {
    let fake = FakePlivo::start().await;
    let mut config = config(&fake);
    config.auth_token = "wrongSECRET".into();
    let e = PlivoSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { provider: "plivo", reason } if reason.contains("401")),
        "{e}"
    );
    no_secret(&e);
    // Right token, another account's path.
    let mut config = self::config(&fake);
    config.auth_id = "MAOTHERACCOUNT000001".into();
    let e = PlivoSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
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
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("400") && reason.contains("destination")),
        "{e}"
    );
    // Sending to ourselves is refused by Plivo.
    let e = sms
        .send_sms(&format!("+{SRC}"), "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
    // Not E.164, or several numbers smuggled in: refused before anything is sent.
    let before = fake.requests().len();
    for bad in ["8613800138000", "+8613800138000<8613800138001", "+86-138"] {
        let e = sms.send_sms(bad, "Hello", Utc::now()).await.unwrap_err();
        assert!(matches!(e, NotifyError::Rejected { .. }), "{bad}: {e}");
    }
    assert_eq!(fake.requests().len(), before);
}

#[tokio::test]
async fn too_long_is_rejected_by_plivo() {
    let (_fake, sms) = setup().await;
    let e = sms
        .send_sms(TO, &"长".repeat(738), Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
}

#[tokio::test]
async fn server_errors_and_rate_limits_are_unreachable() {
    let (fake, sms) = setup().await;
    for status in [500, 503, 429] {
        fake.fail_next(1, Fault::Status(status));
        let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
        assert!(
            matches!(&e, NotifyError::Unreachable { provider: "plivo", reason } if reason.contains(&status.to_string())),
            "{status}: {e}"
        );
        no_secret(&e);
    }
    fake.fail_next(2, Fault::Status(500));
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    let uuid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.messages()[0].message_uuid, uuid);
}

#[tokio::test]
async fn nobody_listening_is_unreachable() {
    let fake = FakePlivo::start().await;
    let sms = PlivoSms::new(config(&fake)).unwrap();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Unreachable { .. }), "{e}");
}

#[tokio::test]
async fn status_callbacks_verify_and_parse() {
    let fake = FakePlivo::start().await;
    let mut config = config(&fake);
    config.callback_url = Some(CALLBACK.to_owned());
    let sms = PlivoSms::new(config).unwrap();
    let uuid = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    let body = fake.requests()[0].json();
    assert_eq!(body["url"], CALLBACK);
    assert_eq!(body["method"], "POST");

    for (status, expected) in [
        ("queued", None),
        ("sent", Some(DeliveryStatus::Sent)),
        ("delivered", Some(DeliveryStatus::Delivered)),
        ("undelivered", Some(DeliveryStatus::Undelivered)),
        ("failed", Some(DeliveryStatus::Failed)),
    ] {
        let cb = fake.status_callback(&uuid, status);
        let headers = header_map(&cb.headers);
        assert!(
            verify_plivo_callback(AUTH_TOKEN, &cb.method, &cb.url, &cb.params, &headers),
            "{status}"
        );
        assert_eq!(
            parse_plivo_callback(&cb.params),
            expected.map(|s| (uuid.clone(), s))
        );
        let header = |name: &str| {
            cb.headers
                .iter()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.as_str())
                .unwrap()
        };
        assert!(verify_plivo_callback_v3(
            AUTH_TOKEN,
            "POST",
            &cb.url,
            &cb.params,
            header("x-plivo-signature-v3-nonce"),
            header("x-plivo-signature-v3"),
        ));
        assert!(verify_plivo_callback_v2(
            AUTH_TOKEN,
            &cb.url,
            header("x-plivo-signature-v2-nonce"),
            header("x-plivo-signature-v2"),
        ));
        // A changed status no longer verifies (V3 covers the params), nor another token.
        let mut forged = cb.params.clone();
        for (k, v) in &mut forged {
            if k == "Status" {
                *v = "delivered".into();
            }
        }
        if status != "delivered" {
            assert!(!verify_plivo_callback(
                AUTH_TOKEN, "POST", &cb.url, &forged, &headers
            ));
        }
        assert!(!verify_plivo_callback(
            "anotherToken",
            "POST",
            &cb.url,
            &cb.params,
            &headers
        ));
    }
}

#[test]
fn v8_and_v9_vectors_through_the_public_api() {
    assert_eq!(
        plivo_signature_v2("my_auth_token", "https://answer.url", "12345"),
        "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
    );
    assert_eq!(
        fake::sign_v2("my_auth_token", "https://answer.url", "12345"),
        "ehV3IKhLysWBxC1sy8INm0qGoQYdYsHwuoKjsX7FsXc="
    );
    let params: Vec<(String, String)> = [
        ("MessageUUID", "5b40a428-bfc7-4daf-9d06-726c558bf3b8"),
        ("Status", "delivered"),
        ("To", "14155550100"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    let url = "https://example.com/plivo/status?b=2&a=1";
    assert_eq!(
        plivo_signature_v3("my_auth_token", "POST", url, &params, "12345"),
        "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
    );
    assert_eq!(
        fake::sign_v3("my_auth_token", "POST", url, &params, "12345"),
        "Nvgy00GlFAKYIIA6nyffihgCPeWUiCRd2fBeGygzfNI="
    );
    assert_eq!(
        fake::sign_v3(
            "my_auth_token",
            "POST",
            "https://example.com/plivo/status",
            &params,
            "12345"
        ),
        "6zriUknwl5jGXhb/cWO/az2Ay9obLOuWKyGUIpkTro0="
    );
    assert!(verify_plivo_callback_v3(
        "my_auth_token",
        "POST",
        "https://example.com/plivo/status",
        &params,
        "12345",
        "6zriUknwl5jGXhb/cWO/az2Ay9obLOuWKyGUIpkTro0="
    ));
}

#[test]
fn secrets_stay_out_of_debug() {
    let config = PlivoConfig::new(AUTH_ID, AUTH_TOKEN, SRC);
    let shown = format!("{config:?}");
    assert!(
        !shown.contains(AUTH_TOKEN) && shown.contains(AUTH_ID),
        "{shown}"
    );
    assert!(!format!("{:?}", PlivoSms::new(config).unwrap()).contains(AUTH_TOKEN));
}
