//! SES's delivery events through SNS, received by [`SnsReceiver`] from a fake SNS over real
//! HTTP (`fakes/sns.rs`, which signs its envelopes on its own): a signed subscription
//! confirmation fetches the `SubscribeURL`, a signed notification hands over its message and
//! the certificate is fetched once, and a tampered message, another topic, a certificate
//! elsewhere or an unknown signature version are refused; a certificate that cannot be
//! fetched now is a failure to try again.

#[path = "fakes/sns.rs"]
mod fake;

use serde_json::{Map, Value, json};
use wayfare_notify::callbacks::CallbackError;
use wayfare_notify::callbacks::sns::{Received, SnsConfig, SnsReceiver, string_to_sign};
use wayfare_notify::{CallbackFailure, NotifyError};

use fake::{FakeSns, TOPIC_ARN};

fn receiver(fake: &FakeSns) -> SnsReceiver {
    let mut config = SnsConfig::new(TOPIC_ARN);
    config.test_url_base = Some(fake.base_url().to_owned());
    SnsReceiver::new(config).unwrap()
}

fn refusal(result: Result<Received, CallbackFailure>) -> CallbackError {
    match result {
        Err(CallbackFailure::Refused(e)) => e,
        other => panic!("not a refusal: {other:?}"),
    }
}

fn map(text: &str) -> Map<String, Value> {
    serde_json::from_str(text).unwrap()
}

#[tokio::test]
async fn a_signed_confirmation_is_confirmed_and_notifications_read_with_one_certificate_fetch() {
    let fake = FakeSns::start().await;
    let r = receiver(&fake);
    let confirmation = fake.subscription_confirmation(TOPIC_ARN, "tok-1");
    assert_eq!(
        r.receive(confirmation.as_bytes()).await.unwrap(),
        Received::SubscriptionConfirmed
    );
    assert_eq!(fake.confirmations(), vec!["tok-1".to_owned()]);
    // Both strings to sign agree (the fake writes its own).
    let envelope = map(&confirmation);
    assert_eq!(string_to_sign(&envelope), fake::string_to_sign(&envelope));

    let event = json!({"eventType": "Delivery", "mail": {"messageId": "m-1"}}).to_string();
    for _ in 0..2 {
        let got = r
            .receive(fake.notification(TOPIC_ARN, &event).as_bytes())
            .await
            .unwrap();
        assert_eq!(got, Received::Notification(event.clone()));
    }
    assert_eq!(fake.cert_fetches(), 1, "the certificate is kept");
}

#[tokio::test]
async fn tampered_foreign_and_misplaced_envelopes_are_refused() {
    let fake = FakeSns::start().await;
    let r = receiver(&fake);
    let good = map(&fake.notification(TOPIC_ARN, "{\"eventType\":\"Bounce\"}"));

    let mut tampered = good.clone();
    tampered.insert("Message".into(), "{\"eventType\":\"Delivery\"}".into());
    let body = Value::Object(tampered).to_string();
    assert_eq!(
        refusal(r.receive(body.as_bytes()).await),
        CallbackError::BadSignature
    );

    // Signed correctly, but for another topic: refused before any certificate is fetched.
    let other = fake.notification("arn:aws:sns:us-east-1:123456789012:someone-else", "{}");
    let fetches = fake.cert_fetches();
    assert_eq!(
        refusal(r.receive(other.as_bytes()).await),
        CallbackError::WrongTopic
    );
    assert_eq!(fake.cert_fetches(), fetches);

    // A certificate on a host that is not SNS's, re-signed so only the URL is wrong.
    let mut elsewhere = good.clone();
    elsewhere.insert(
        "SigningCertURL".into(),
        "https://sns.us-east-1.amazonaws.com.evil.example/SimpleNotificationService-x.pem".into(),
    );
    fake::sign(&mut elsewhere);
    assert_eq!(
        refusal(
            r.receive(Value::Object(elsewhere).to_string().as_bytes())
                .await
        ),
        CallbackError::UntrustedUrl("SigningCertURL")
    );

    let mut version = good.clone();
    version.insert("SignatureVersion".into(), "3".into());
    assert!(matches!(
        refusal(
            r.receive(Value::Object(version).to_string().as_bytes())
                .await
        ),
        CallbackError::Unreadable(_)
    ));

    // A confirmation whose SubscribeURL leads elsewhere is not followed.
    let mut confirmation = map(&fake.subscription_confirmation(TOPIC_ARN, "tok-2"));
    confirmation.insert(
        "SubscribeURL".into(),
        "https://evil.example/?Action=ConfirmSubscription&Token=tok-2".into(),
    );
    fake::sign(&mut confirmation);
    assert_eq!(
        refusal(
            r.receive(Value::Object(confirmation).to_string().as_bytes())
                .await
        ),
        CallbackError::UntrustedUrl("SubscribeURL")
    );
    assert!(fake.confirmations().is_empty());

    // Without the test base, the fake's own certificate URL is not trusted.
    let strict = SnsReceiver::new(SnsConfig::new(TOPIC_ARN)).unwrap();
    let body = Value::Object(good).to_string();
    assert_eq!(
        refusal(strict.receive(body.as_bytes()).await),
        CallbackError::UntrustedUrl("SigningCertURL")
    );
}

#[tokio::test]
async fn a_certificate_that_cannot_be_fetched_is_a_failure_to_try_again() {
    let fake = FakeSns::start().await;
    let r = receiver(&fake);
    fake.set_cert_status(Some(503));
    let body = fake.notification(TOPIC_ARN, "{}");
    assert!(matches!(
        r.receive(body.as_bytes()).await,
        Err(CallbackFailure::Failed(NotifyError::Unreachable { .. }))
    ));
    // Nothing was kept: once the certificate is served, the same envelope checks.
    fake.set_cert_status(None);
    assert_eq!(
        r.receive(body.as_bytes()).await.unwrap(),
        Received::Notification("{}".into())
    );
    assert_eq!(fake.cert_fetches(), 2);
}
