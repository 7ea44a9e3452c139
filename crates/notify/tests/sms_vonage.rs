//! The Vonage SMS connector against a fake Vonage over real HTTP (`fakes/vonage.rs`): the wire
//! format, `type=unicode` for Chinese (which would arrive as question marks without it), long
//! texts in parts, Basic and signed requests, per-message statuses and their retry class, and
//! signed delivery receipts.

#[path = "fakes/vonage.rs"]
mod fake;

use std::time::Duration;

use chrono::Utc;
use wayfare_notify::sms::{
    DeliveryStatus, VonageConfig, VonageCredentials, VonageSignatureMethod, VonageSms,
    parse_vonage_callback, verify_vonage_callback, vonage_params_from_json, vonage_signature,
};
use wayfare_notify::{NotifyError, SmsSender};

use fake::{
    API_KEY, API_SECRET, BARRED_NUMBER, FakeVonage, Fault, INVALID_NUMBER, SIGNATURE_SECRET,
    SigMethod,
};

const TO: &str = "+8613800138000";
const FROM: &str = "Wayfare";

fn config(fake: &FakeVonage) -> VonageConfig {
    let mut config = VonageConfig::new(API_KEY, API_SECRET, FROM);
    config.api_base = fake.base_url().to_owned();
    config.timeout = Duration::from_secs(5);
    config
}

async fn setup() -> (FakeVonage, VonageSms) {
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let sms = VonageSms::new(config(&fake)).unwrap();
    (fake, sms)
}

fn signed(fake: &FakeVonage, method: VonageSignatureMethod) -> VonageSms {
    let mut config = config(fake);
    config.credentials = VonageCredentials::Signature {
        secret: SIGNATURE_SECRET.into(),
        method,
    };
    VonageSms::new(config).unwrap()
}

fn no_secret(e: &NotifyError) {
    let shown = format!("{e} {e:?}");
    for secret in [API_SECRET, SIGNATURE_SECRET, "wrongSECRET"] {
        assert!(!shown.contains(secret), "{shown}");
    }
}

#[tokio::test]
async fn english_goes_as_text() {
    let (fake, sms) = setup().await;
    assert_eq!(sms.provider(), "vonage");
    let text = "Your Wayfare code is 482913. It expires in 10 minutes.";
    let id = sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.message_ids, [id]);
    assert_eq!(m.to, "8613800138000", "no leading +");
    assert_eq!(m.from, FROM);
    assert_eq!(m.kind, "text");
    assert_eq!(m.delivered, text);
    assert_eq!(m.auth, "basic");

    let request = &fake.requests()[0];
    assert_eq!(request.path, "/sms/json");
    assert!(
        request
            .header("authorization")
            .unwrap()
            .starts_with("Basic ")
    );
    assert!(
        request
            .header("content-type")
            .unwrap()
            .starts_with("application/x-www-form-urlencoded")
    );
    // The secret travels only in the Authorization header.
    assert_eq!(request.param("api_secret"), None);
    assert!(!String::from_utf8_lossy(&request.body).contains(API_SECRET));
}

#[tokio::test]
async fn chinese_goes_as_unicode_and_arrives_intact() {
    let (fake, sms) = setup().await;
    let text = "您的验证码是 482913，10 分钟内有效。";
    sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.kind, "unicode");
    assert_eq!(m.delivered, text);
    assert_eq!(fake.requests()[0].param("type").as_deref(), Some("unicode"));
}

#[tokio::test]
async fn gsm_extension_characters_stay_text_and_arrive_intact() {
    let (fake, sms) = setup().await;
    let text = "Total: 120€ [incl. taxes] {ref: WF-1} ~ ^ | \\ Ça coûte? Très bien.";
    sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    // `û` is not GSM: the whole text must go as unicode.
    assert_eq!(m.kind, "unicode");
    assert_eq!(m.delivered, text);
    let text = "Total: 120€ [incl. taxes] {ref: WF-1} ~ ^ | \\ Ça va? Très bien.";
    sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[1];
    assert_eq!(m.kind, "text");
    assert_eq!(m.delivered, text);
}

#[tokio::test]
async fn emoji_go_as_unicode() {
    let (fake, sms) = setup().await;
    let text = "Booking confirmed ✈️😀";
    sms.send_sms(TO, text, Utc::now()).await.unwrap();
    assert_eq!(fake.messages()[0].kind, "unicode");
    assert_eq!(fake.messages()[0].delivered, text);
}

#[tokio::test]
async fn a_long_chinese_text_comes_back_in_parts() {
    let (fake, sms) = setup().await;
    let text = "行程提醒：".to_owned() + &"北京首都国际机场".repeat(20);
    let id = sms.send_sms(TO, &text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.message_ids.len(), 3, "165 code units in parts of 67");
    assert_eq!(m.message_ids[0], id, "the first part's id");
    assert_eq!(m.delivered, text);
}

#[tokio::test]
async fn signed_requests_carry_no_secret() {
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let sms = signed(&fake, VonageSignatureMethod::HmacSha256);
    let text = "您的验证码是 482913 & 请勿 = 告诉他人";
    let id = sms.send_sms(TO, text, Utc::now()).await.unwrap();
    let m = &fake.messages()[0];
    assert_eq!(m.message_ids[0], id);
    assert_eq!(m.auth, "signed");
    assert_eq!(m.delivered, text);
    let request = &fake.requests()[0];
    assert_eq!(request.header("authorization"), None);
    assert_eq!(request.param("api_key").as_deref(), Some(API_KEY));
    assert!(request.param("timestamp").is_some());
    assert_eq!(request.param("sig").map(|s| s.len()), Some(64));
    assert_eq!(request.param("api_secret"), None);
    let body = String::from_utf8_lossy(&request.body).into_owned();
    assert!(!body.contains(SIGNATURE_SECRET) && !body.contains(API_SECRET));
}

#[tokio::test]
async fn every_signature_method_is_accepted() {
    for (fake_method, method) in [
        (SigMethod::Md5Hash, VonageSignatureMethod::Md5Hash),
        (SigMethod::HmacMd5, VonageSignatureMethod::HmacMd5),
        (SigMethod::HmacSha1, VonageSignatureMethod::HmacSha1),
        (SigMethod::HmacSha256, VonageSignatureMethod::HmacSha256),
        (SigMethod::HmacSha512, VonageSignatureMethod::HmacSha512),
    ] {
        let fake = FakeVonage::start(fake_method).await;
        signed(&fake, method)
            .send_sms(TO, "Hello", Utc::now())
            .await
            .unwrap_or_else(|e| panic!("{method:?}: {e}"));
    }
}

#[tokio::test]
async fn a_wrong_signature_is_rejected() {
    let fake = FakeVonage::start(SigMethod::HmacSha512).await;
    let e = signed(&fake, VonageSignatureMethod::HmacSha256)
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("status 14")),
        "{e}"
    );
    no_secret(&e);
    // A stale timestamp is refused the same way.
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let e = signed(&fake, VonageSignatureMethod::HmacSha256)
        .send_sms(TO, "Hello", Utc::now() - chrono::Duration::hours(1))
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
    assert!(fake.messages().is_empty());
}

#[tokio::test]
async fn bad_credentials_are_rejected() {
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let mut config = config(&fake);
    config.credentials = VonageCredentials::ApiSecret("wrongSECRET".into());
    let e = VonageSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { provider: "vonage", reason } if reason.contains("status 4")),
        "{e}"
    );
    no_secret(&e);
}

#[tokio::test]
async fn invalid_and_barred_numbers_are_rejected() {
    let (fake, sms) = setup().await;
    let e = sms
        .send_sms(INVALID_NUMBER, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("status 3")),
        "{e}"
    );
    let e = sms
        .send_sms(BARRED_NUMBER, "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(
        matches!(&e, NotifyError::Rejected { reason, .. } if reason.contains("status 7")),
        "{e}"
    );
    let before = fake.requests().len();
    let e = sms
        .send_sms("8613800138000", "Hello", Utc::now())
        .await
        .unwrap_err();
    assert!(matches!(e, NotifyError::Rejected { .. }), "{e}");
    assert_eq!(fake.requests().len(), before, "refused before sending");
}

#[tokio::test]
async fn throttling_server_errors_and_rate_limits_are_unreachable() {
    let (fake, sms) = setup().await;
    for fault in [
        Fault::Throttled,
        Fault::Status(500),
        Fault::Status(503),
        Fault::Status(429),
    ] {
        fake.fail_next(1, fault);
        let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
        assert!(
            matches!(
                e,
                NotifyError::Unreachable {
                    provider: "vonage",
                    ..
                }
            ),
            "{fault:?}: {e}"
        );
        no_secret(&e);
    }
    fake.fail_next(2, Fault::Throttled);
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    assert!(sms.send_sms(TO, "Hello", Utc::now()).await.is_err());
    let id = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
    assert_eq!(fake.messages().len(), 1);
    assert_eq!(fake.messages()[0].message_ids[0], id);
}

#[tokio::test]
async fn nobody_listening_is_unreachable() {
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let sms = VonageSms::new(config(&fake)).unwrap();
    drop(fake);
    tokio::time::sleep(Duration::from_millis(50)).await;
    let e = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap_err();
    assert!(matches!(e, NotifyError::Unreachable { .. }), "{e}");
}

#[tokio::test]
async fn the_callback_url_is_sent_with_a_receipt_request() {
    let fake = FakeVonage::start(SigMethod::HmacSha256).await;
    let mut config = config(&fake);
    config.callback_url = Some("https://wayfare.example/hooks/sms/vonage".into());
    VonageSms::new(config)
        .unwrap()
        .send_sms(TO, "Hello", Utc::now())
        .await
        .unwrap();
    let request = &fake.requests()[0];
    assert_eq!(
        request.param("callback").as_deref(),
        Some("https://wayfare.example/hooks/sms/vonage")
    );
    assert_eq!(request.param("status-report-req").as_deref(), Some("1"));
}

#[tokio::test]
async fn delivery_receipts_verify_and_parse() {
    for (fake_method, method) in [
        (SigMethod::HmacSha256, VonageSignatureMethod::HmacSha256),
        (SigMethod::HmacMd5, VonageSignatureMethod::HmacMd5),
        (SigMethod::Md5Hash, VonageSignatureMethod::Md5Hash),
    ] {
        let fake = FakeVonage::start(fake_method).await;
        let sms = VonageSms::new(config(&fake)).unwrap();
        let id = sms.send_sms(TO, "Hello", Utc::now()).await.unwrap();
        for (status, expected) in [
            ("delivered", Some(DeliveryStatus::Delivered)),
            ("accepted", Some(DeliveryStatus::Sent)),
            ("expired", Some(DeliveryStatus::Undelivered)),
            ("failed", Some(DeliveryStatus::Failed)),
            ("rejected", Some(DeliveryStatus::Failed)),
            ("unknown", None),
        ] {
            let receipt = fake.delivery_receipt(&id, status);
            assert!(
                verify_vonage_callback(&receipt, SIGNATURE_SECRET, method),
                "{method:?} {status}"
            );
            assert_eq!(
                parse_vonage_callback(&receipt),
                expected.map(|s| (id.clone(), s))
            );
            let mut forged = receipt.clone();
            for (k, v) in &mut forged {
                if k == "status" {
                    *v = "delivered".into();
                }
            }
            if status != "delivered" {
                assert!(!verify_vonage_callback(&forged, SIGNATURE_SECRET, method));
            }
            assert!(!verify_vonage_callback(&receipt, API_SECRET, method));
            // The same receipt posted as JSON.
            let json = serde_json::Value::Object(
                receipt
                    .iter()
                    .map(|(k, v)| (k.clone(), serde_json::Value::String(v.clone())))
                    .collect(),
            );
            let params = vonage_params_from_json(json.to_string().as_bytes()).unwrap();
            assert!(verify_vonage_callback(&params, SIGNATURE_SECRET, method));
        }
    }
}

#[test]
fn v7_vectors_through_the_public_api() {
    let params: Vec<(String, String)> = [
        ("param1", "value1"),
        ("param2", "value2"),
        ("timestamp", "1234567890"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert_eq!(
        vonage_signature(
            &params,
            "signature_secret",
            VonageSignatureMethod::HmacSha256
        ),
        "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
    );
    assert_eq!(
        fake::sign(&params, "signature_secret", SigMethod::HmacSha256),
        "280c4320703dbc98bfa22db676655ed2acfbfe8792b062ff7622e67f1183c287"
    );
    assert_eq!(
        fake::sign(&params, "signature_secret", SigMethod::HmacMd5),
        "724c2bf6ca423c36e20631b11d1c5753"
    );
    assert_eq!(
        fake::sign(&params, "signature_secret", SigMethod::Md5Hash),
        "d72f75ac8cda9bbce891c4fa62bee6cd"
    );
    let received: Vec<(String, String)> = [
        ("param", "value"),
        ("timestamp", "1234567890"),
        ("sig", "655a4d0b7f064dff438defc52b012cf5"),
    ]
    .iter()
    .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
    .collect();
    assert!(verify_vonage_callback(
        &received,
        "signature_secret",
        VonageSignatureMethod::HmacMd5
    ));
}

#[test]
fn secrets_stay_out_of_debug() {
    let mut config = VonageConfig::new(API_KEY, API_SECRET, FROM);
    assert!(!format!("{config:?}").contains(API_SECRET));
    assert!(!format!("{:?}", VonageSms::new(config.clone()).unwrap()).contains(API_SECRET));
    config.credentials = VonageCredentials::Signature {
        secret: SIGNATURE_SECRET.into(),
        method: VonageSignatureMethod::HmacSha256,
    };
    assert!(!format!("{config:?}").contains(SIGNATURE_SECRET));
    assert!(!format!("{:?}", VonageSms::new(config).unwrap()).contains(SIGNATURE_SECRET));
}
