//! The OpenID Connect client against the local fake provider: the whole code flow with PKCE,
//! state and nonce, and every way an ID token or a code can be wrong.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::Utc;
use url::Url;
use wayfare_accounts::oidc::{
    OidcClient, OidcError, OidcProviderConfig, PendingLogin, VerifiedIdentity, pkce_challenge,
};
use wayfare_testkit::fake_oidc::{
    Callback, DEFAULT_CLIENT_SECRET, Endpoint, FakeOidcConfig, FakeOidcProvider, TokenAlg,
};

const REDIRECT_URI: &str = "http://127.0.0.1:9/auth/oidc/fake/callback";

async fn fake() -> FakeOidcProvider {
    let fake = FakeOidcProvider::start(FakeOidcConfig::default()).await;
    fake.register_redirect_uri(REDIRECT_URI);
    fake
}

async fn client_for(fake: &FakeOidcProvider) -> OidcClient {
    OidcClient::discover(reqwest::Client::new(), fake.provider_config("fake"))
        .await
        .expect("discovery")
}

/// Sends the "browser" to the provider and back; returns what the client must keep and where the
/// provider redirected.
async fn authorize(fake: &FakeOidcProvider, client: &OidcClient) -> (PendingLogin, Callback) {
    let (url, pending) = client.authorization_request(REDIRECT_URI, &mut rand::rng());
    let callback = fake.follow_authorization(&url).await;
    (pending, callback)
}

/// A whole sign-in.
async fn sign_in(
    fake: &FakeOidcProvider,
    client: &OidcClient,
) -> Result<VerifiedIdentity, OidcError> {
    let (pending, callback) = authorize(fake, client).await;
    let code = callback.code.expect("a code");
    let state = callback.state.expect("the state");
    client.exchange(&pending, &state, &code, Utc::now()).await
}

fn assert_invalid_id_token(result: Result<VerifiedIdentity, OidcError>, reason_part: &str) {
    match result {
        Err(OidcError::InvalidIdToken(reason)) => assert!(
            reason.contains(reason_part),
            "expected a reason with {reason_part:?}, got {reason:?}"
        ),
        other => panic!("expected InvalidIdToken({reason_part:?}), got {other:?}"),
    }
}

fn assert_token_endpoint(result: Result<VerifiedIdentity, OidcError>, code: u16, err: &str) {
    match result {
        Err(OidcError::TokenEndpoint { status, error }) => {
            assert_eq!((status, error.as_str()), (code, err));
        }
        other => panic!("expected TokenEndpoint {{ {code}, {err} }}, got {other:?}"),
    }
}

#[tokio::test]
async fn happy_path_signs_in_with_pkce_state_nonce_and_a_verified_id_token() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    assert_eq!(client.metadata().issuer, fake.issuer());
    assert_eq!(
        fake.requests_to(Endpoint::Jwks).len(),
        1,
        "keys loaded at discovery"
    );

    let (url, pending) = client.authorization_request(REDIRECT_URI, &mut rand::rng());
    let q = |name: &str| {
        url.query_pairs()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.into_owned())
    };
    assert_eq!(q("response_type").as_deref(), Some("code"));
    assert_eq!(q("client_id"), Some(fake.client_id()));
    assert_eq!(q("redirect_uri").as_deref(), Some(REDIRECT_URI));
    assert_eq!(q("scope").as_deref(), Some("openid email profile"));
    assert_eq!(q("state"), Some(pending.state.clone()));
    assert_eq!(q("nonce"), Some(pending.nonce.clone()));
    assert_eq!(q("code_challenge_method").as_deref(), Some("S256"));
    assert_eq!(
        q("code_challenge"),
        Some(pkce_challenge(&pending.pkce_verifier))
    );
    assert_eq!(pending.pkce_verifier.len(), 43);
    assert_eq!(pending.state.len(), 43);
    assert_ne!(pending.state, pending.nonce);
    assert_eq!(pending.provider_id, "fake");

    let callback = fake.follow_authorization(&url).await;
    assert!(callback.location.as_str().starts_with(REDIRECT_URI));
    assert_eq!(callback.state.as_deref(), Some(pending.state.as_str()));
    let code = callback.code.expect("code");
    let identity = client
        .exchange(&pending, &pending.state, &code, Utc::now())
        .await
        .expect("sign-in");
    assert_eq!(
        identity,
        VerifiedIdentity {
            issuer: fake.issuer().to_owned(),
            subject: "fake-user-alice".into(),
            email: Some("alice@example.com".into()),
            email_verified: true,
            name: Some("Alice Example".into()),
            locale: Some("en".into()),
        }
    );

    // What went over the wire: client_secret_basic with form-encoded credentials, the verifier
    // and redirect URI in the form, never the secret in the body.
    let token_calls = fake.requests_to(Endpoint::Token);
    assert_eq!(token_calls.len(), 1);
    let call = &token_calls[0];
    assert_eq!(call.status, 200);
    let basic = call
        .header("authorization")
        .and_then(|v| v.strip_prefix("Basic "))
        .expect("basic auth");
    let credentials = String::from_utf8(STANDARD.decode(basic).unwrap()).unwrap();
    let encoded_secret: String =
        url::form_urlencoded::byte_serialize(DEFAULT_CLIENT_SECRET.as_bytes()).collect();
    assert_eq!(
        credentials,
        format!("{}:{encoded_secret}", fake.client_id())
    );
    assert_eq!(call.form_param("grant_type"), Some("authorization_code"));
    assert_eq!(call.form_param("code"), Some(code.as_str()));
    assert_eq!(call.form_param("redirect_uri"), Some(REDIRECT_URI));
    assert_eq!(
        call.form_param("code_verifier"),
        Some(pending.pkce_verifier.as_str())
    );
    assert_eq!(call.form_param("client_secret"), None);
    assert_eq!(call.form_param("client_id"), None);
    // The ID token carried the profile, so userinfo was not needed.
    assert!(fake.requests_to(Endpoint::UserInfo).is_empty());
}

#[tokio::test]
async fn the_chosen_test_user_signs_in() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.login_as("fake-user-li");
    let identity = sign_in(&fake, &client).await.expect("sign-in");
    assert_eq!(identity.subject, "fake-user-li");
    assert_eq!(identity.name.as_deref(), Some("李雷"));
    assert_eq!(identity.locale.as_deref(), Some("zh-CN"));
}

#[tokio::test]
async fn a_state_that_does_not_match_is_refused_before_the_code_is_redeemed() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let (pending, callback) = authorize(&fake, &client).await;
    let code = callback.code.unwrap();
    let (_, other) = client.authorization_request(REDIRECT_URI, &mut rand::rng());
    let result = client
        .exchange(&pending, &other.state, &code, Utc::now())
        .await;
    assert!(
        matches!(result, Err(OidcError::StateMismatch)),
        "{result:?}"
    );
    assert!(fake.requests_to(Endpoint::Token).is_empty());
    let result = client.exchange(&pending, "", &code, Utc::now()).await;
    assert!(
        matches!(result, Err(OidcError::StateMismatch)),
        "{result:?}"
    );
}

#[tokio::test]
async fn the_provider_refuses_a_pkce_verifier_that_does_not_match_the_challenge() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let (mut pending, callback) = authorize(&fake, &client).await;
    // A well-formed verifier, but not the one whose challenge went to /authorize (as an attacker
    // who stole the code but not the session would have).
    let (_, other) = client.authorization_request(REDIRECT_URI, &mut rand::rng());
    pending.pkce_verifier = other.pkce_verifier;
    let state = pending.state.clone();
    let result = client
        .exchange(&pending, &state, &callback.code.unwrap(), Utc::now())
        .await;
    assert_token_endpoint(result, 400, "invalid_grant");
}

#[tokio::test]
async fn a_code_is_single_use() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let (pending, callback) = authorize(&fake, &client).await;
    let code = callback.code.unwrap();
    client
        .exchange(&pending, &pending.state, &code, Utc::now())
        .await
        .expect("first exchange");
    let again = client
        .exchange(&pending, &pending.state, &code, Utc::now())
        .await;
    assert_token_endpoint(again, 400, "invalid_grant");
}

#[tokio::test]
async fn an_expired_code_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.expire_codes = true);
    assert_token_endpoint(sign_in(&fake, &client).await, 400, "invalid_grant");
}

#[tokio::test]
async fn a_wrong_client_secret_is_refused_as_invalid_client() {
    let fake = fake().await;
    let mut config = fake.provider_config("fake");
    config.client_secret = "not-the-secret".into();
    let client = OidcClient::discover(reqwest::Client::new(), config)
        .await
        .unwrap();
    let result = sign_in(&fake, &client).await;
    let shown = format!("{result:?}");
    assert!(!shown.contains("not-the-secret"), "{shown}");
    assert_token_endpoint(result, 401, "invalid_client");
}

#[tokio::test]
async fn an_id_token_signed_with_another_key_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.sign_with_wrong_key = true);
    assert_invalid_id_token(sign_in(&fake, &client).await, "signature");
}

#[tokio::test]
async fn an_unsigned_alg_none_id_token_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.alg = TokenAlg::None);
    assert_invalid_id_token(sign_in(&fake, &client).await, "\"none\"");
}

#[tokio::test]
async fn an_hs256_id_token_keyed_with_the_public_key_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.alg = TokenAlg::Hs256WithPublicKey);
    assert_invalid_id_token(sign_in(&fake, &client).await, "\"HS256\"");
}

#[tokio::test]
async fn an_id_token_for_another_audience_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.audience = Some(vec!["someone-else".into()]));
    assert_invalid_id_token(sign_in(&fake, &client).await, "aud");
}

#[tokio::test]
async fn several_audiences_need_azp_naming_this_client() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let both = vec![fake.client_id(), "another-client".to_owned()];
    fake.misbehave(|m| m.audience = Some(both.clone()));
    assert_invalid_id_token(sign_in(&fake, &client).await, "azp");
    fake.misbehave(|m| m.authorized_party = Some("another-client".into()));
    assert_invalid_id_token(sign_in(&fake, &client).await, "azp");
    let me = fake.client_id();
    fake.misbehave(|m| m.authorized_party = Some(me));
    sign_in(&fake, &client).await.expect("azp names us");
}

#[tokio::test]
async fn an_expired_id_token_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.expired = true);
    assert_invalid_id_token(sign_in(&fake, &client).await, "expired");
}

#[tokio::test]
async fn an_id_token_issued_in_the_future_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.issued_in_future = true);
    assert_invalid_id_token(sign_in(&fake, &client).await, "future");
}

#[tokio::test]
async fn a_slightly_fast_provider_clock_is_within_leeway() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    // Our clock 30 s behind the provider's: iat is "in the future" by less than the leeway.
    let (pending, callback) = authorize(&fake, &client).await;
    let now = Utc::now() - chrono::TimeDelta::seconds(30);
    client
        .exchange(&pending, &pending.state, &callback.code.unwrap(), now)
        .await
        .expect("within leeway");
}

#[tokio::test]
async fn an_id_token_with_another_nonce_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.nonce = Some("replayed-nonce".into()));
    assert_invalid_id_token(sign_in(&fake, &client).await, "nonce");
}

#[tokio::test]
async fn an_id_token_from_another_issuer_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.token_issuer = Some("https://evil.example".into()));
    assert_invalid_id_token(sign_in(&fake, &client).await, "iss");
}

#[tokio::test]
async fn an_access_token_that_does_not_match_at_hash_is_refused() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.wrong_at_hash = true);
    assert_invalid_id_token(sign_in(&fake, &client).await, "at_hash");
}

#[tokio::test]
async fn an_unknown_kid_refetches_the_jwks_once_for_a_rotated_key() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    assert_eq!(fake.requests_to(Endpoint::Jwks).len(), 1);

    fake.rotate_keys();
    sign_in(&fake, &client)
        .await
        .expect("signed with the new key");
    assert_eq!(fake.requests_to(Endpoint::Jwks).len(), 2, "one refetch");
    // The new key is cached now.
    sign_in(&fake, &client).await.expect("again");
    assert_eq!(
        fake.requests_to(Endpoint::Jwks).len(),
        2,
        "no further fetch"
    );
}

#[tokio::test]
async fn a_kid_the_provider_never_publishes_is_an_unknown_key_after_one_refetch() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.unpublished_kid = true);
    let result = sign_in(&fake, &client).await;
    assert!(
        matches!(&result, Err(OidcError::UnknownKey { kid: Some(k) }) if k == "never-published"),
        "{result:?}"
    );
    assert_eq!(
        fake.requests_to(Endpoint::Jwks).len(),
        2,
        "exactly one refetch"
    );
}

#[tokio::test]
async fn profile_claims_missing_from_the_id_token_come_from_userinfo() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    fake.misbehave(|m| m.omit_profile_claims = true);
    let identity = sign_in(&fake, &client).await.expect("sign-in");
    assert_eq!(identity.email.as_deref(), Some("alice@example.com"));
    assert!(identity.email_verified);
    assert_eq!(identity.name.as_deref(), Some("Alice Example"));
    let calls = fake.requests_to(Endpoint::UserInfo);
    assert_eq!(calls.len(), 1);
    assert_eq!(calls[0].status, 200);
    assert!(
        calls[0]
            .header("authorization")
            .unwrap()
            .starts_with("Bearer ")
    );
}

#[tokio::test]
async fn discovery_refuses_a_provider_that_names_another_issuer() {
    let fake = fake().await;
    fake.misbehave(|m| m.discovery_issuer = Some("https://accounts.example.com".into()));
    let result = OidcClient::discover(reqwest::Client::new(), fake.provider_config("fake")).await;
    assert!(
        matches!(&result, Err(OidcError::IssuerMismatch { found, .. }) if found == "https://accounts.example.com"),
        "{result:?}"
    );
    // A trailing slash is another issuer too: the comparison is exact.
    fake.behave();
    let mut config = fake.provider_config("fake");
    config.issuer.push('/');
    let result = OidcClient::discover(reqwest::Client::new(), config).await;
    assert!(
        matches!(result, Err(OidcError::IssuerMismatch { .. })),
        "{result:?}"
    );
}

#[tokio::test]
async fn discovery_refuses_plain_http_off_loopback() {
    let config = OidcProviderConfig::new("x", "X", "http://id.example.com", "client", "secret");
    let result = OidcClient::discover(reqwest::Client::new(), config).await;
    assert!(matches!(result, Err(OidcError::Discovery(_))), "{result:?}");
}

#[tokio::test]
async fn the_provider_checks_the_authorization_request() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let http = reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let (good, _) = client.authorization_request(REDIRECT_URI, &mut rand::rng());
    let with = |name: &str, value: Option<&str>| -> Url {
        let mut url = good.clone();
        let pairs: Vec<(String, String)> = good
            .query_pairs()
            .into_owned()
            .filter(|(k, _)| k != name)
            .collect();
        let mut q = url.query_pairs_mut();
        q.clear();
        for (k, v) in &pairs {
            q.append_pair(k, v);
        }
        if let Some(value) = value {
            q.append_pair(name, value);
        }
        drop(q);
        url
    };
    // An unregistered redirect URI or unknown client is shown, never redirected to.
    for url in [
        with("redirect_uri", Some("https://evil.example/cb")),
        with("client_id", Some("someone-else")),
    ] {
        let res = http.get(url).send().await.unwrap();
        assert_eq!(res.status(), 400);
        assert!(res.headers().get("location").is_none());
    }
    // Other mistakes go back to the client with an OAuth error.
    for (url, error) in [
        (
            with("code_challenge_method", Some("plain")),
            "invalid_request",
        ),
        (with("code_challenge", None), "invalid_request"),
        (with("scope", Some("email profile")), "invalid_scope"),
        (
            with("response_type", Some("token")),
            "unsupported_response_type",
        ),
    ] {
        let callback = fake.follow_authorization(&url).await;
        assert_eq!(callback.error.as_deref(), Some(error), "{url}");
        assert_eq!(callback.code, None);
    }
    fake.misbehave(|m| m.deny_access = true);
    let callback = fake.follow_authorization(&good).await;
    assert_eq!(callback.error.as_deref(), Some("access_denied"));
}

#[tokio::test]
async fn errors_never_show_the_client_secret() {
    let fake = fake().await;
    let client = client_for(&fake).await;
    let shown = format!("{client:?} {:?}", client.config());
    assert!(!shown.contains(DEFAULT_CLIENT_SECRET), "{shown}");
    let (pending, callback) = authorize(&fake, &client).await;
    let shown = format!("{pending:?}");
    assert!(!shown.contains(&pending.pkce_verifier) && !shown.contains(&pending.nonce));
    let code = callback.code.unwrap();
    fake.misbehave(|m| m.sign_with_wrong_key = true);
    let err = client
        .exchange(&pending, &pending.state, &code, Utc::now())
        .await
        .unwrap_err();
    let shown = format!("{err} {err:?}");
    assert!(
        !shown.contains(DEFAULT_CLIENT_SECRET) && !shown.contains(&code),
        "{shown}"
    );
    assert_eq!(err.code(), "oidc_invalid_id_token");
}
