//! A fake Amazon SNS on 127.0.0.1:0 for the tests of SES's delivery events (messaging.md
//! §2.4). It serves what SNS serves to a subscriber: the signing certificate
//! (`fixtures/sns-signing-cert.pem`, a self-signed test certificate) at
//! `{base}SimpleNotificationService-fake.pem`, and the `SubscribeURL` a subscription is
//! confirmed by (`GET {base}confirm?Action=ConfirmSubscription&Token=…`, answered with SNS's
//! XML and recorded). It writes the envelopes SNS posts (`Notification`,
//! `SubscriptionConfirmation`), signed with the certificate's key (`SignatureVersion` 2,
//! SHA256withRSA) over SNS's string to sign, which it builds itself.
//!
//! The base URL is what the app is configured with as `sns_test_url_base`. Self-contained: it
//! can be included by `#[path]` from any crate's tests that have `axum`, `base64`, `rsa`,
//! `serde_json` and `tokio`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};

use axum::Router;
use axum::extract::{Query, State};
use axum::http::{StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use rsa::pkcs8::DecodePrivateKey;
use rsa::signature::{SignatureEncoding, Signer};
use serde_json::{Map, Value, json};

/// The signing certificate and its key (test fixtures, never used elsewhere).
pub const CERT_PEM: &str = include_str!("../fixtures/sns-signing-cert.pem");
const KEY_PEM: &str = include_str!("../fixtures/sns-signing-key.pem");

/// The topic the fake publishes for.
pub const TOPIC_ARN: &str = "arn:aws:sns:us-east-1:123456789012:wayfare-ses-events";

const CERT_PATH: &str = "SimpleNotificationService-fake.pem";

#[derive(Default)]
struct Inner {
    /// How often the certificate was fetched.
    cert_fetches: usize,
    /// The `Token` of each confirmation received.
    confirmations: Vec<String>,
    /// Answer the certificate with this status instead (e.g. 503).
    cert_status: Option<u16>,
    counter: u64,
}

type Shared = Arc<Mutex<Inner>>;

fn lock(inner: &Shared) -> MutexGuard<'_, Inner> {
    inner.lock().unwrap_or_else(|p| p.into_inner())
}

struct Server(tokio::task::JoinHandle<()>);

impl Drop for Server {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake; clones share it. The server stops when the last clone is dropped.
#[derive(Clone)]
pub struct FakeSns {
    base_url: String,
    inner: Shared,
    _server: Arc<Server>,
}

impl FakeSns {
    pub async fn start() -> FakeSns {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}/sns/", listener.local_addr().unwrap());
        let inner: Shared = Arc::new(Mutex::new(Inner::default()));
        let app = Router::new().fallback(handle).with_state(inner.clone());
        let server = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeSns {
            base_url,
            inner,
            _server: Arc::new(Server(server)),
        }
    }

    /// `http://127.0.0.1:port/sns/`: the receiver's test URL base.
    pub fn base_url(&self) -> &str {
        &self.base_url
    }

    /// Where the signing certificate is.
    pub fn cert_url(&self) -> String {
        format!("{}{CERT_PATH}", self.base_url)
    }

    /// How often the certificate was fetched.
    pub fn cert_fetches(&self) -> usize {
        lock(&self.inner).cert_fetches
    }

    /// The `Token` of every confirmation received, oldest first.
    pub fn confirmations(&self) -> Vec<String> {
        lock(&self.inner).confirmations.clone()
    }

    /// The certificate is answered with `status` from now on (`None`: served again).
    pub fn set_cert_status(&self, status: Option<u16>) {
        lock(&self.inner).cert_status = status;
    }

    fn next_id(&self) -> String {
        let mut inner = lock(&self.inner);
        inner.counter += 1;
        format!("00000000-0000-4000-8000-{:012}", inner.counter)
    }

    /// A signed `Notification` of `message` on `topic`, as SNS posts it.
    pub fn notification(&self, topic: &str, message: &str) -> String {
        let mut envelope = as_map(json!({
            "Type": "Notification",
            "MessageId": self.next_id(),
            "TopicArn": topic,
            "Message": message,
            "Timestamp": "2026-11-25T08:00:00.000Z",
            "SignatureVersion": "2",
            "SigningCertURL": self.cert_url(),
            "UnsubscribeURL": format!("{}unsubscribe?SubscriptionArn={topic}:1", self.base_url),
        }));
        sign(&mut envelope);
        Value::Object(envelope).to_string()
    }

    /// A signed `SubscriptionConfirmation` for `topic` with `token`; its `SubscribeURL` is
    /// this fake's.
    pub fn subscription_confirmation(&self, topic: &str, token: &str) -> String {
        let mut envelope = as_map(json!({
            "Type": "SubscriptionConfirmation",
            "MessageId": self.next_id(),
            "Token": token,
            "TopicArn": topic,
            "Message": format!("You have chosen to subscribe to the topic {topic}.\nTo confirm the subscription, visit the SubscribeURL included in this message."),
            "SubscribeURL": format!("{}confirm?Action=ConfirmSubscription&TopicArn={topic}&Token={token}", self.base_url),
            "Timestamp": "2026-11-25T08:00:00.000Z",
            "SignatureVersion": "2",
            "SigningCertURL": self.cert_url(),
        }));
        sign(&mut envelope);
        Value::Object(envelope).to_string()
    }
}

fn as_map(v: Value) -> Map<String, Value> {
    match v {
        Value::Object(m) => m,
        _ => unreachable!("an object"),
    }
}

/// SNS's string to sign, written here independently of the receiver's.
pub fn string_to_sign(envelope: &Map<String, Value>) -> String {
    [
        "Message",
        "MessageId",
        "Subject",
        "SubscribeURL",
        "Timestamp",
        "Token",
        "TopicArn",
        "Type",
    ]
    .iter()
    .filter_map(|k| {
        envelope
            .get(*k)
            .and_then(Value::as_str)
            .map(|v| format!("{k}\n{v}\n"))
    })
    .collect()
}

/// Signs `envelope` (SignatureVersion 2) in place with the certificate's key.
pub fn sign(envelope: &mut Map<String, Value>) {
    let key = rsa::PrivateKey::from_pkcs8_pem(KEY_PEM).unwrap();
    let signer = rsa::pkcs1v15::SigningKey::<rsa::sha2::Sha256>::new(key);
    let signature = signer.sign(string_to_sign(envelope).as_bytes()).to_vec();
    envelope.insert("SignatureVersion".into(), "2".into());
    envelope.insert("Signature".into(), STANDARD.encode(signature).into());
}

async fn handle(
    State(inner): State<Shared>,
    uri: Uri,
    Query(query): Query<HashMap<String, String>>,
) -> Response {
    let path = uri.path();
    if path == format!("/sns/{CERT_PATH}") {
        let mut state = lock(&inner);
        state.cert_fetches += 1;
        if let Some(status) = state.cert_status {
            return StatusCode::from_u16(status).unwrap().into_response();
        }
        return ([("content-type", "application/x-pem-file")], CERT_PEM).into_response();
    }
    if path == "/sns/confirm"
        && query.get("Action").map(String::as_str) == Some("ConfirmSubscription")
    {
        let Some(token) = query.get("Token") else {
            return StatusCode::BAD_REQUEST.into_response();
        };
        lock(&inner).confirmations.push(token.clone());
        let topic = query.get("TopicArn").cloned().unwrap_or_default();
        return (
            [("content-type", "text/xml")],
            format!(
                "<ConfirmSubscriptionResponse xmlns=\"http://sns.amazonaws.com/doc/2010-03-31/\">\
                 <ConfirmSubscriptionResult><SubscriptionArn>{topic}:fake</SubscriptionArn>\
                 </ConfirmSubscriptionResult></ConfirmSubscriptionResponse>"
            ),
        )
            .into_response();
    }
    StatusCode::NOT_FOUND.into_response()
}
