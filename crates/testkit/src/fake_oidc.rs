//! A local fake OpenID provider (axum on 127.0.0.1:0) for the OIDC client's tests and the
//! browser sign-in. It checks what a real provider checks: at `/authorize` a known client, a
//! registered redirect URI (errors before that point are shown, never redirected — an open
//! redirect otherwise), `response_type=code`, an `openid` scope, PKCE with S256 and no repeated
//! parameters; at `/token` `client_secret_basic` only (RFC 6749 §2.3.1, form-urlencoded
//! credentials), a form body, `grant_type=authorization_code`, a known, unexpired, single-use
//! code issued to this client (a reused code also revokes what it bought), the same
//! `redirect_uri`, and a `code_verifier` whose S256 is the challenge; at `/userinfo` a live
//! bearer token. ID tokens are RS256 with the committed fixture key (header `kid`).
//!
//! The sign-in page is skipped: `/authorize` answers at once with a 302 back to the client as
//! the user chosen by [`FakeOidcProvider::login_as`]. [`Misbehaviour`] bends the ID token
//! (wrong key, audience, nonce, issuer, expiry, `alg`) for the client's negative tests, and
//! every request is recorded ([`FakeOidcProvider::requests`]).

use std::collections::HashMap;
use std::sync::{Arc, LazyLock, Mutex, MutexGuard};

use axum::Router;
use axum::body::Bytes;
use axum::extract::State;
use axum::http::{HeaderMap, Method, StatusCode, Uri, header};
use axum::response::{IntoResponse, Response};
use base64::Engine;
use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use chrono::{DateTime, TimeDelta, Utc};
use hmac::{Hmac, KeyInit, Mac};
use rand::RngCore;
use rsa::PrivateKey;
use rsa::pkcs8::{DecodePrivateKey, EncodePublicKey, LineEnding};
use rsa::traits::PublicKeyParts;
use serde_json::{Value, json};
use sha2::{Digest, Sha256};
use url::Url;
use wayfare_accounts::oidc::OidcProviderConfig;

pub const DEFAULT_CLIENT_ID: &str = "wayfare-test-client";
pub const DEFAULT_CLIENT_SECRET: &str = "fake-oidc-secret: with %, + and spaces";
/// The `kid` of the fixture key the fake signs with.
pub const KEY_ID: &str = "fake-key-1";
/// The `kid` of the second fixture key, published and used after [`FakeOidcProvider::rotate_keys`].
pub const ROTATED_KEY_ID: &str = "fake-key-2";
/// Issuers with a path (as Keycloak's) exercise the client's well-known URL building.
pub const ISSUER_PATH: &str = "/realms/wayfare";
/// How long a code may wait before it is redeemed.
pub const CODE_TTL_SECS: i64 = 60;
/// How long ID and access tokens live.
pub const TOKEN_TTL_SECS: i64 = 3600;

/// 2048-bit RSA keys, test-only (`fixtures/README.md`).
static SIGNING_KEY: LazyLock<PrivateKey> =
    LazyLock::new(|| load_key(include_str!("../fixtures/oidc_rs256_key.pem")));
static ROTATED_KEY: LazyLock<PrivateKey> =
    LazyLock::new(|| load_key(include_str!("../fixtures/oidc_rs256_key_2.pem")));

fn load_key(pem: &str) -> PrivateKey {
    PrivateKey::from_pkcs8_pem(pem).expect("fixture RSA key parses")
}

// =============================================================================================
// Configuration and knobs

/// A person who can sign in at the fake.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FakeOidcUser {
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub locale: Option<String>,
}

impl FakeOidcUser {
    /// A user with a verified e-mail address.
    pub fn new(subject: &str, email: &str, name: &str, locale: &str) -> FakeOidcUser {
        FakeOidcUser {
            subject: subject.to_owned(),
            email: Some(email.to_owned()),
            email_verified: true,
            name: Some(name.to_owned()),
            locale: Some(locale.to_owned()),
        }
    }
}

/// The fake's one registered client and its users. The first user is signed in until
/// [`FakeOidcProvider::login_as`] picks another.
#[derive(Clone, Debug)]
pub struct FakeOidcConfig {
    pub client_id: String,
    pub client_secret: String,
    /// Exact redirect URIs accepted at `/authorize` (more with `register_redirect_uri`).
    pub redirect_uris: Vec<String>,
    pub users: Vec<FakeOidcUser>,
}

impl Default for FakeOidcConfig {
    fn default() -> FakeOidcConfig {
        FakeOidcConfig {
            client_id: DEFAULT_CLIENT_ID.to_owned(),
            client_secret: DEFAULT_CLIENT_SECRET.to_owned(),
            redirect_uris: Vec::new(),
            users: vec![
                FakeOidcUser::new(
                    "fake-user-alice",
                    "alice@example.com",
                    "Alice Example",
                    "en",
                ),
                FakeOidcUser::new("fake-user-li", "li.lei@example.cn", "李雷", "zh-CN"),
            ],
        }
    }
}

/// How the ID token is signed.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum TokenAlg {
    #[default]
    Rs256,
    /// `alg: none`, empty signature.
    None,
    /// HS256 keyed with the published RSA public key (PEM): the classic algorithm confusion.
    Hs256WithPublicKey,
}

/// Ways to break the fake for negative tests; `Default` is a well-behaved provider.
#[derive(Clone, Debug, Default)]
pub struct Misbehaviour {
    pub alg: TokenAlg,
    /// Sign with the other fixture key while the header names the published one.
    pub sign_with_wrong_key: bool,
    /// A `kid` header naming a key the JWKS never publishes.
    pub unpublished_kid: bool,
    /// Replaces `aud`.
    pub audience: Option<Vec<String>>,
    /// Adds `azp`.
    pub authorized_party: Option<String>,
    /// Replaces `iss` in the ID token.
    pub token_issuer: Option<String>,
    /// Replaces `issuer` in the discovery document.
    pub discovery_issuer: Option<String>,
    /// `exp` ten minutes ago (well past the client's leeway).
    pub expired: bool,
    /// `iat` ten minutes ahead.
    pub issued_in_future: bool,
    /// Replaces the nonce the client sent.
    pub nonce: Option<String>,
    /// Leaves e-mail, name and locale out of the ID token (userinfo still has them).
    pub omit_profile_claims: bool,
    /// A wrong `at_hash`.
    pub wrong_at_hash: bool,
    /// Every code is already expired when redeemed.
    pub expire_codes: bool,
    /// `/authorize` answers `error=access_denied` (the user declined).
    pub deny_access: bool,
}

// =============================================================================================
// The recorded traffic

/// Which endpoint a request was for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Endpoint {
    Discovery,
    Authorize,
    Token,
    Jwks,
    UserInfo,
    Other,
}

/// One request the fake received.
#[derive(Clone, Debug)]
pub struct SeenRequest {
    pub endpoint: Endpoint,
    pub method: Method,
    pub path: String,
    pub query: Vec<(String, String)>,
    pub headers: HeaderMap,
    /// Form parameters of a form-encoded body.
    pub form: Vec<(String, String)>,
    pub status: u16,
}

impl SeenRequest {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn query_param(&self, name: &str) -> Option<&str> {
        lookup(&self.query, name)
    }

    pub fn form_param(&self, name: &str) -> Option<&str> {
        lookup(&self.form, name)
    }
}

fn lookup<'a>(pairs: &'a [(String, String)], name: &str) -> Option<&'a str> {
    pairs
        .iter()
        .find(|(k, _)| k == name)
        .map(|(_, v)| v.as_str())
}

/// Where `/authorize` sent the browser back to.
#[derive(Clone, Debug)]
pub struct Callback {
    pub location: Url,
    pub code: Option<String>,
    pub state: Option<String>,
    pub error: Option<String>,
}

// =============================================================================================
// The provider

struct IssuedCode {
    client_id: String,
    redirect_uri: String,
    subject: String,
    nonce: Option<String>,
    challenge: String,
    issued_at: DateTime<Utc>,
    used: bool,
    access_tokens: Vec<String>,
}

struct IssuedAccessToken {
    subject: String,
    expires_at: DateTime<Utc>,
}

struct World {
    config: FakeOidcConfig,
    current_user: String,
    codes: HashMap<String, IssuedCode>,
    access_tokens: HashMap<String, IssuedAccessToken>,
    seen: Vec<SeenRequest>,
    misbehaviour: Misbehaviour,
    rotated: bool,
}

/// Aborts the server when the last handle to the fake goes.
struct ServerTask(tokio::task::AbortHandle);

impl Drop for ServerTask {
    fn drop(&mut self) {
        self.0.abort();
    }
}

/// A running fake provider. Clones share the server and its state.
#[derive(Clone)]
pub struct FakeOidcProvider {
    issuer: String,
    world: Arc<Mutex<World>>,
    _server: Arc<ServerTask>,
}

impl std::fmt::Debug for FakeOidcProvider {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("FakeOidcProvider")
            .field("issuer", &self.issuer)
            .finish_non_exhaustive()
    }
}

#[derive(Clone)]
struct Shared {
    issuer: String,
    world: Arc<Mutex<World>>,
}

impl FakeOidcProvider {
    /// Binds 127.0.0.1:0 and serves until the last handle is dropped.
    pub async fn start(config: FakeOidcConfig) -> FakeOidcProvider {
        assert!(!config.users.is_empty(), "the fake needs at least one user");
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
            .await
            .expect("bind the fake OpenID provider");
        let addr = listener.local_addr().expect("local address");
        let issuer = format!("http://{addr}{ISSUER_PATH}");
        let world = Arc::new(Mutex::new(World {
            current_user: config.users[0].subject.clone(),
            config,
            codes: HashMap::new(),
            access_tokens: HashMap::new(),
            seen: Vec::new(),
            misbehaviour: Misbehaviour::default(),
            rotated: false,
        }));
        let shared = Shared {
            issuer: issuer.clone(),
            world: world.clone(),
        };
        let app = Router::new().fallback(handle).with_state(shared);
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        FakeOidcProvider {
            issuer,
            world,
            _server: Arc::new(ServerTask(task.abort_handle())),
        }
    }

    /// `http://127.0.0.1:<port>/realms/wayfare`.
    pub fn issuer(&self) -> &str {
        &self.issuer
    }

    pub fn client_id(&self) -> String {
        self.world().config.client_id.clone()
    }

    pub fn client_secret(&self) -> String {
        self.world().config.client_secret.clone()
    }

    /// The client configuration for this provider under the short name `id`.
    pub fn provider_config(&self, id: &str) -> OidcProviderConfig {
        let world = self.world();
        OidcProviderConfig::new(
            id,
            "Fake ID",
            self.issuer.clone(),
            world.config.client_id.clone(),
            world.config.client_secret.clone(),
        )
    }

    /// Accepts one more exact redirect URI (the app's callback is known only once it listens).
    pub fn register_redirect_uri(&self, uri: &str) {
        self.world().config.redirect_uris.push(uri.to_owned());
    }

    /// Adds a user who can then be chosen with [`login_as`](Self::login_as).
    pub fn add_user(&self, user: FakeOidcUser) {
        self.world().config.users.push(user);
    }

    /// The user the next `/authorize` signs in. Panics on an unknown subject.
    pub fn login_as(&self, subject: &str) {
        let mut world = self.world();
        assert!(
            world.config.users.iter().any(|u| u.subject == subject),
            "no fake OpenID user {subject:?}"
        );
        world.current_user = subject.to_owned();
    }

    /// Changes how the fake misbehaves from now on.
    pub fn misbehave(&self, change: impl FnOnce(&mut Misbehaviour)) {
        change(&mut self.world().misbehaviour);
    }

    /// Back to a well-behaved provider.
    pub fn behave(&self) {
        self.world().misbehaviour = Misbehaviour::default();
    }

    /// Publishes the second fixture key (beside the first) and signs with it from now on.
    pub fn rotate_keys(&self) {
        self.world().rotated = true;
    }

    /// Every request so far, oldest first.
    pub fn requests(&self) -> Vec<SeenRequest> {
        self.world().seen.clone()
    }

    /// The requests to one endpoint.
    pub fn requests_to(&self, endpoint: Endpoint) -> Vec<SeenRequest> {
        self.world()
            .seen
            .iter()
            .filter(|r| r.endpoint == endpoint)
            .cloned()
            .collect()
    }

    /// Plays the browser: GETs an authorization URL without following the redirect and reads
    /// where the fake sent it. Panics if the answer is not a redirect.
    pub async fn follow_authorization(&self, authorization_url: &Url) -> Callback {
        let http = reqwest::Client::builder()
            .redirect(reqwest::redirect::Policy::none())
            .build()
            .expect("http client");
        let response = http
            .get(authorization_url.clone())
            .send()
            .await
            .expect("GET /authorize");
        let status = response.status();
        let location = response
            .headers()
            .get(header::LOCATION)
            .and_then(|v| v.to_str().ok())
            .map(str::to_owned);
        let Some(location) = location.filter(|_| status == StatusCode::FOUND) else {
            let body = response.text().await.unwrap_or_default();
            panic!("/authorize answered {status} without a redirect: {body}");
        };
        let location = Url::parse(&location).expect("redirect is a URL");
        let param = |name: &str| {
            location
                .query_pairs()
                .find(|(k, _)| k == name)
                .map(|(_, v)| v.into_owned())
        };
        Callback {
            code: param("code"),
            state: param("state"),
            error: param("error"),
            location,
        }
    }

    fn world(&self) -> MutexGuard<'_, World> {
        self.world.lock().unwrap_or_else(|e| e.into_inner())
    }
}

// =============================================================================================
// Handlers

type Answer = Response;

async fn handle(
    State(shared): State<Shared>,
    method: Method,
    uri: Uri,
    headers: HeaderMap,
    body: Bytes,
) -> Answer {
    let path = uri.path().to_owned();
    let query = parse_pairs(uri.query().unwrap_or("").as_bytes());
    let is_form = headers
        .get(header::CONTENT_TYPE)
        .and_then(|v| v.to_str().ok())
        .is_some_and(|ct| ct.starts_with("application/x-www-form-urlencoded"));
    let form = if is_form {
        parse_pairs(&body)
    } else {
        Vec::new()
    };
    let endpoint = match path.strip_prefix(ISSUER_PATH) {
        Some("/.well-known/openid-configuration") => Endpoint::Discovery,
        Some("/authorize") => Endpoint::Authorize,
        Some("/token") => Endpoint::Token,
        Some("/jwks") => Endpoint::Jwks,
        Some("/userinfo") => Endpoint::UserInfo,
        _ => Endpoint::Other,
    };
    let mut world = shared.world.lock().unwrap_or_else(|e| e.into_inner());
    let answer = match (endpoint, &method) {
        (Endpoint::Discovery, &Method::GET) => discovery(&shared.issuer, &world),
        (Endpoint::Authorize, &Method::GET) => authorize(&mut world, &query),
        (Endpoint::Authorize, &Method::POST) if is_form => authorize(&mut world, &form),
        (Endpoint::Token, &Method::POST) => {
            token(&shared.issuer, &mut world, &headers, is_form, &form)
        }
        (Endpoint::Jwks, &Method::GET) => jwks(&world),
        (Endpoint::UserInfo, &Method::GET | &Method::POST) => userinfo(&world, &headers),
        (Endpoint::Other, _) => (StatusCode::NOT_FOUND, "not found").into_response(),
        _ => (StatusCode::METHOD_NOT_ALLOWED, "method not allowed").into_response(),
    };
    world.seen.push(SeenRequest {
        endpoint,
        method,
        path,
        query,
        headers,
        form,
        status: answer.status().as_u16(),
    });
    answer
}

fn discovery(issuer: &str, world: &World) -> Answer {
    let claimed_issuer = world
        .misbehaviour
        .discovery_issuer
        .clone()
        .unwrap_or_else(|| issuer.to_owned());
    json_answer(
        StatusCode::OK,
        json!({
            "issuer": claimed_issuer,
            "authorization_endpoint": format!("{issuer}/authorize"),
            "token_endpoint": format!("{issuer}/token"),
            "jwks_uri": format!("{issuer}/jwks"),
            "userinfo_endpoint": format!("{issuer}/userinfo"),
            "response_types_supported": ["code"],
            "response_modes_supported": ["query"],
            "grant_types_supported": ["authorization_code"],
            "subject_types_supported": ["public"],
            "id_token_signing_alg_values_supported": ["RS256"],
            "scopes_supported": ["openid", "email", "profile"],
            "token_endpoint_auth_methods_supported": ["client_secret_basic"],
            "code_challenge_methods_supported": ["S256"],
            "claims_supported": ["iss", "sub", "aud", "exp", "iat", "nonce", "email",
                                 "email_verified", "name", "locale"],
        }),
    )
}

fn authorize(world: &mut World, params: &[(String, String)]) -> Answer {
    // Until client and redirect URI are known good, errors are shown here, never redirected.
    let show = |reason: &str| {
        (
            StatusCode::BAD_REQUEST,
            format!("invalid request: {reason}"),
        )
            .into_response()
    };
    let single = |name: &str| -> Result<Option<&str>, String> {
        let mut values = params.iter().filter(|(k, _)| k == name);
        let first = values.next().map(|(_, v)| v.as_str());
        if values.next().is_some() {
            return Err(format!("{name} repeated"));
        }
        Ok(first)
    };
    let client_id = match single("client_id") {
        Ok(Some(c)) if c == world.config.client_id => c.to_owned(),
        Ok(_) => return show("unknown client_id"),
        Err(e) => return show(&e),
    };
    let redirect_uri = match single("redirect_uri") {
        Ok(Some(r)) if world.config.redirect_uris.iter().any(|u| u == r) => r.to_owned(),
        Ok(_) => return show("redirect_uri is not registered for this client"),
        Err(e) => return show(&e),
    };
    let state = single("state").ok().flatten().map(str::to_owned);
    let back = |pairs: &[(&str, &str)]| -> Answer {
        let mut url = Url::parse(&redirect_uri).expect("registered redirect URIs are URLs");
        {
            let mut q = url.query_pairs_mut();
            for (k, v) in pairs {
                q.append_pair(k, v);
            }
            if let Some(state) = &state {
                q.append_pair("state", state);
            }
        }
        (StatusCode::FOUND, [(header::LOCATION, url.to_string())]).into_response()
    };
    let refuse = |error: &str, description: &str| {
        back(&[("error", error), ("error_description", description)])
    };
    for name in [
        "response_type",
        "scope",
        "state",
        "nonce",
        "code_challenge",
        "code_challenge_method",
    ] {
        if let Err(e) = single(name) {
            return refuse("invalid_request", &e);
        }
    }
    let get = |name: &str| single(name).ok().flatten();
    if get("response_type") != Some("code") {
        return refuse(
            "unsupported_response_type",
            "only the authorization code flow",
        );
    }
    if !get("scope").is_some_and(|s| s.split(' ').any(|s| s == "openid")) {
        return refuse("invalid_scope", "the openid scope is required");
    }
    if get("code_challenge_method") != Some("S256") {
        return refuse(
            "invalid_request",
            "PKCE with code_challenge_method=S256 is required",
        );
    }
    let challenge = get("code_challenge").unwrap_or("");
    if challenge.len() != 43 || !challenge.bytes().all(is_base64url) {
        return refuse(
            "invalid_request",
            "code_challenge must be a base64url SHA-256",
        );
    }
    if world.misbehaviour.deny_access {
        return refuse("access_denied", "the user declined");
    }
    let code = random_token();
    world.codes.insert(
        code.clone(),
        IssuedCode {
            client_id,
            redirect_uri: redirect_uri.clone(),
            subject: world.current_user.clone(),
            nonce: get("nonce").map(str::to_owned),
            challenge: challenge.to_owned(),
            issued_at: Utc::now(),
            used: false,
            access_tokens: Vec::new(),
        },
    );
    back(&[("code", &code)])
}

fn token(
    issuer: &str,
    world: &mut World,
    headers: &HeaderMap,
    is_form: bool,
    form: &[(String, String)],
) -> Answer {
    if !is_form {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "expected a form body",
        );
    }
    let mut seen_names: Vec<&str> = form.iter().map(|(k, _)| k.as_str()).collect();
    seen_names.sort_unstable();
    if seen_names.windows(2).any(|w| w[0] == w[1]) {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "a parameter is repeated",
        );
    }
    let param = |name: &str| lookup(form, name);
    // Client authentication: this client is registered for client_secret_basic only, and a
    // client must not use two methods at once (RFC 6749 §2.3).
    let basic = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Basic "));
    if basic.is_some() && param("client_secret").is_some() {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "two client authentication methods",
        );
    }
    let Some((client_id, client_secret)) = basic.and_then(decode_basic) else {
        return invalid_client();
    };
    if client_id != world.config.client_id || client_secret != world.config.client_secret {
        return invalid_client();
    }
    if param("grant_type") != Some("authorization_code") {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "unsupported_grant_type",
            "authorization_code only",
        );
    }
    let Some(code_value) = param("code") else {
        return oauth_error(StatusCode::BAD_REQUEST, "invalid_request", "no code");
    };
    let now = Utc::now();
    let expire_codes = world.misbehaviour.expire_codes;
    let Some(code) = world.codes.get_mut(code_value) else {
        return invalid_grant("unknown code");
    };
    if code.used {
        // RFC 6749 §4.1.2: a replayed code revokes the tokens it was exchanged for.
        let revoked = std::mem::take(&mut code.access_tokens);
        for t in revoked {
            world.access_tokens.remove(&t);
        }
        return invalid_grant("the code was already used");
    }
    // Single use: whatever happens next, this code is spent.
    code.used = true;
    if expire_codes || now - code.issued_at > TimeDelta::seconds(CODE_TTL_SECS) {
        return invalid_grant("the code has expired");
    }
    if code.client_id != client_id {
        return invalid_grant("the code was issued to another client");
    }
    if param("redirect_uri") != Some(code.redirect_uri.as_str()) {
        return invalid_grant("redirect_uri differs from the authorization request");
    }
    let Some(verifier) = param("code_verifier") else {
        return invalid_grant("code_verifier is required");
    };
    // RFC 7636 §4.1: 43–128 characters of [A-Z a-z 0-9 - . _ ~].
    let well_formed = (43..=128).contains(&verifier.len())
        && verifier
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b"-._~".contains(&b));
    if !well_formed {
        return oauth_error(
            StatusCode::BAD_REQUEST,
            "invalid_request",
            "malformed code_verifier",
        );
    }
    let challenge = URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()));
    if challenge != code.challenge {
        return invalid_grant("code_verifier does not match the code_challenge");
    }

    let access_token = random_token();
    code.access_tokens.push(access_token.clone());
    let subject = code.subject.clone();
    let nonce = code.nonce.clone();
    world.access_tokens.insert(
        access_token.clone(),
        IssuedAccessToken {
            subject: subject.clone(),
            expires_at: now + TimeDelta::seconds(TOKEN_TTL_SECS),
        },
    );
    let user = world
        .config
        .users
        .iter()
        .find(|u| u.subject == subject)
        .cloned()
        .expect("codes are issued for known users");
    let id_token = id_token(issuer, world, &user, nonce, &access_token, now);
    let mut answer = json_answer(
        StatusCode::OK,
        json!({
            "access_token": access_token,
            "token_type": "Bearer",
            "expires_in": TOKEN_TTL_SECS,
            "scope": "openid email profile",
            "id_token": id_token,
        }),
    );
    let h = answer.headers_mut();
    h.insert(header::CACHE_CONTROL, "no-store".parse().expect("header"));
    h.insert(header::PRAGMA, "no-cache".parse().expect("header"));
    answer
}

fn id_token(
    issuer: &str,
    world: &World,
    user: &FakeOidcUser,
    nonce: Option<String>,
    access_token: &str,
    now: DateTime<Utc>,
) -> String {
    let m = &world.misbehaviour;
    let issued_at = if m.issued_in_future {
        now + TimeDelta::minutes(10)
    } else if m.expired {
        now - TimeDelta::minutes(70)
    } else {
        now
    };
    let expires_at = if m.expired {
        now - TimeDelta::minutes(10)
    } else {
        issued_at + TimeDelta::seconds(TOKEN_TTL_SECS)
    };
    let audience = match &m.audience {
        Some(list) if list.len() == 1 => json!(list[0]),
        Some(list) => json!(list),
        None => json!(world.config.client_id),
    };
    let digest = Sha256::digest(access_token.as_bytes());
    let mut at_hash = URL_SAFE_NO_PAD.encode(&digest[..16]);
    if m.wrong_at_hash {
        at_hash = URL_SAFE_NO_PAD.encode([0u8; 16]);
    }
    let mut claims = json!({
        "iss": m.token_issuer.clone().unwrap_or_else(|| issuer.to_owned()),
        "sub": user.subject,
        "aud": audience,
        "exp": expires_at.timestamp(),
        "iat": issued_at.timestamp(),
        "auth_time": issued_at.timestamp(),
        "at_hash": at_hash,
    });
    let obj = claims.as_object_mut().expect("object");
    if let Some(azp) = &m.authorized_party {
        obj.insert("azp".into(), json!(azp));
    }
    if let Some(nonce) = m.nonce.clone().or(nonce) {
        obj.insert("nonce".into(), json!(nonce));
    }
    if !m.omit_profile_claims {
        if let Some(email) = &user.email {
            obj.insert("email".into(), json!(email));
            obj.insert("email_verified".into(), json!(user.email_verified));
        }
        if let Some(name) = &user.name {
            obj.insert("name".into(), json!(name));
        }
        if let Some(locale) = &user.locale {
            obj.insert("locale".into(), json!(locale));
        }
    }
    let (published_kid, published_key) = signing_key(world.rotated);
    let kid = if m.unpublished_kid {
        "never-published"
    } else {
        published_kid
    };
    let alg = match m.alg {
        TokenAlg::Rs256 => "RS256",
        TokenAlg::None => "none",
        TokenAlg::Hs256WithPublicKey => "HS256",
    };
    let header = json!({ "alg": alg, "typ": "JWT", "kid": kid });
    let signing_input = format!(
        "{}.{}",
        URL_SAFE_NO_PAD.encode(header.to_string()),
        URL_SAFE_NO_PAD.encode(claims.to_string())
    );
    let signature = match m.alg {
        TokenAlg::Rs256 => {
            let key: &PrivateKey = if m.sign_with_wrong_key {
                signing_key(!world.rotated).1
            } else {
                published_key
            };
            key.pkcs1v15_sign::<Sha256>(signing_input.as_bytes())
                .expect("RS256 signature")
        }
        TokenAlg::None => Vec::new(),
        TokenAlg::Hs256WithPublicKey => {
            let pem = published_key
                .to_public_key()
                .to_public_key_pem(LineEnding::LF)
                .expect("public key PEM");
            let mut mac =
                Hmac::<Sha256>::new_from_slice(pem.as_bytes()).expect("HMAC takes any key");
            mac.update(signing_input.as_bytes());
            mac.finalize().into_bytes().to_vec()
        }
    };
    format!("{signing_input}.{}", URL_SAFE_NO_PAD.encode(signature))
}

fn signing_key(rotated: bool) -> (&'static str, &'static PrivateKey) {
    if rotated {
        (ROTATED_KEY_ID, &ROTATED_KEY)
    } else {
        (KEY_ID, &SIGNING_KEY)
    }
}

fn jwks(world: &World) -> Answer {
    let jwk = |kid: &str, key: &PrivateKey| {
        json!({
            "kty": "RSA",
            "use": "sig",
            "alg": "RS256",
            "kid": kid,
            "n": URL_SAFE_NO_PAD.encode(key.n_bytes()),
            "e": URL_SAFE_NO_PAD.encode(key.e_bytes()),
        })
    };
    let mut keys = vec![jwk(KEY_ID, &SIGNING_KEY)];
    if world.rotated {
        keys.push(jwk(ROTATED_KEY_ID, &ROTATED_KEY));
    }
    json_answer(StatusCode::OK, json!({ "keys": keys }))
}

fn userinfo(world: &World, headers: &HeaderMap) -> Answer {
    let token = headers
        .get(header::AUTHORIZATION)
        .and_then(|v| v.to_str().ok())
        .and_then(|v| v.strip_prefix("Bearer "));
    let live = token
        .and_then(|t| world.access_tokens.get(t))
        .filter(|t| t.expires_at > Utc::now());
    let Some(issued) = live else {
        return (
            StatusCode::UNAUTHORIZED,
            [(header::WWW_AUTHENTICATE, "Bearer error=\"invalid_token\"")],
        )
            .into_response();
    };
    let Some(user) = world
        .config
        .users
        .iter()
        .find(|u| u.subject == issued.subject)
    else {
        return (StatusCode::UNAUTHORIZED, "unknown subject").into_response();
    };
    json_answer(
        StatusCode::OK,
        json!({
            "sub": user.subject,
            "email": user.email,
            "email_verified": user.email_verified,
            "name": user.name,
            "locale": user.locale,
        }),
    )
}

// =============================================================================================
// Helpers

fn json_answer(status: StatusCode, body: Value) -> Answer {
    (status, axum::Json(body)).into_response()
}

fn oauth_error(status: StatusCode, error: &str, description: &str) -> Answer {
    json_answer(
        status,
        json!({ "error": error, "error_description": description }),
    )
}

fn invalid_grant(description: &str) -> Answer {
    oauth_error(StatusCode::BAD_REQUEST, "invalid_grant", description)
}

fn invalid_client() -> Answer {
    let mut answer = oauth_error(
        StatusCode::UNAUTHORIZED,
        "invalid_client",
        "client authentication failed (client_secret_basic required)",
    );
    answer.headers_mut().insert(
        header::WWW_AUTHENTICATE,
        "Basic realm=\"fake-oidc\"".parse().expect("header"),
    );
    answer
}

/// RFC 6749 §2.3.1: base64 of `urlencode(id):urlencode(secret)`.
fn decode_basic(encoded: &str) -> Option<(String, String)> {
    let raw = STANDARD.decode(encoded.trim()).ok()?;
    let raw = String::from_utf8(raw).ok()?;
    let (id, secret) = raw.split_once(':')?;
    let decode = |s: &str| {
        url::form_urlencoded::parse(format!("v={s}").as_bytes())
            .next()
            .map(|(_, v)| v.into_owned())
    };
    Some((decode(id)?, decode(secret)?))
}

fn parse_pairs(bytes: &[u8]) -> Vec<(String, String)> {
    url::form_urlencoded::parse(bytes).into_owned().collect()
}

fn is_base64url(b: u8) -> bool {
    b.is_ascii_alphanumeric() || b == b'-' || b == b'_'
}

fn random_token() -> String {
    let mut bytes = [0u8; 32];
    rand::rng().fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}
