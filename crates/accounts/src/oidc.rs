//! OpenID Connect sign-in as a relying party: discovery, the authorization-code request with
//! PKCE (S256), state and nonce, the code exchange with `client_secret_basic`, and verification
//! of the ID token (RS256 only) against the provider's JWKS.
//!
//! A small client of our own on reqwest + rsa rather than the `openidconnect` crate, which pins
//! another reqwest and rsa generation. It follows OpenID Connect Core 1.0 §3.1 and RFC 7636.

use std::fmt;
use std::net::IpAddr;
use std::sync::{Arc, RwLock};
use std::time::Duration;

use base64::Engine;
use base64::engine::general_purpose::{GeneralPurpose, GeneralPurposeConfig, URL_SAFE_NO_PAD};
use base64::engine::{DecodePaddingMode, general_purpose};
use chrono::{DateTime, Utc};
use rand::CryptoRng;
use reqwest::header::{ACCEPT, AUTHORIZATION, HeaderValue};
use rsa::{BoxedUint, PublicKey};
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use subtle::ConstantTimeEq;
use url::Url;

/// How far the provider's clock may be from ours when checking `exp`, `iat` and `nbf`.
pub const CLOCK_LEEWAY_SECS: i64 = 60;
/// The only ID-token signature algorithm accepted. Accepting what the token's header names
/// would let an attacker pick `none` or HS256 keyed with our public key (algorithm confusion).
pub const ACCEPTED_ALG: &str = "RS256";
/// Each call to the provider gives up after this long.
const HTTP_TIMEOUT: Duration = Duration::from_secs(10);
/// Discovery, JWKS, token and userinfo documents are small; refuse to buffer a large one.
const MAX_DOCUMENT_BYTES: usize = 256 * 1024;
/// Random bytes in state, nonce and the PKCE verifier (43 base64url characters).
const RANDOM_BYTES: usize = 32;

/// JWK members are base64url; some providers pad them, which is harmless there.
const JWK_BASE64: GeneralPurpose = GeneralPurpose::new(
    &base64::alphabet::URL_SAFE,
    GeneralPurposeConfig::new().with_decode_padding_mode(DecodePaddingMode::Indifferent),
);

// =============================================================================================
// Configuration

/// One configured OpenID provider.
#[derive(Clone, Deserialize)]
pub struct OidcProviderConfig {
    /// Short name used in URLs, e.g. `google` in `/auth/oidc/google/callback`.
    pub id: String,
    /// Shown on the sign-in button.
    pub display_name: String,
    /// The issuer identifier, exactly as the provider's discovery document spells it.
    pub issuer: String,
    pub client_id: String,
    /// Never printed: `Debug` hides it.
    pub client_secret: String,
    #[serde(default = "default_scopes")]
    pub scopes: Vec<String>,
}

/// `openid email profile`.
pub fn default_scopes() -> Vec<String> {
    ["openid", "email", "profile"].map(String::from).to_vec()
}

impl OidcProviderConfig {
    /// A provider with the default scopes.
    pub fn new(
        id: impl Into<String>,
        display_name: impl Into<String>,
        issuer: impl Into<String>,
        client_id: impl Into<String>,
        client_secret: impl Into<String>,
    ) -> OidcProviderConfig {
        OidcProviderConfig {
            id: id.into(),
            display_name: display_name.into(),
            issuer: issuer.into(),
            client_id: client_id.into(),
            client_secret: client_secret.into(),
            scopes: default_scopes(),
        }
    }
}

impl fmt::Debug for OidcProviderConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcProviderConfig")
            .field("id", &self.id)
            .field("display_name", &self.display_name)
            .field("issuer", &self.issuer)
            .field("client_id", &self.client_id)
            .field("client_secret", &"[redacted]")
            .field("scopes", &self.scopes)
            .finish()
    }
}

/// What discovery told us about the provider.
#[derive(Clone, Debug)]
pub struct ProviderMetadata {
    pub issuer: String,
    pub authorization_endpoint: Url,
    pub token_endpoint: Url,
    pub jwks_uri: Url,
    pub userinfo_endpoint: Option<Url>,
    pub id_token_signing_alg_values_supported: Vec<String>,
}

// =============================================================================================
// Errors

/// Why a sign-in with a provider failed. Never carries the client secret, a code or a token.
#[derive(Debug, thiserror::Error)]
pub enum OidcError {
    /// The discovery document could not be fetched, parsed or used.
    #[error("OpenID provider discovery failed: {0}")]
    Discovery(String),
    /// The discovery document names another issuer than the one configured.
    #[error("OpenID provider issuer mismatch: configured {expected}, provider says {found}")]
    IssuerMismatch { expected: String, found: String },
    /// The `state` returned to the callback is not the one this browser was sent off with.
    #[error("the sign-in state does not match")]
    StateMismatch,
    /// The token endpoint refused the code (`invalid_grant`, `invalid_client`, …).
    #[error("the provider's token endpoint answered {status}: {error}")]
    TokenEndpoint { status: u16, error: String },
    /// The ID token is malformed, badly signed, or its claims do not hold.
    #[error("invalid ID token: {0}")]
    InvalidIdToken(String),
    /// The ID token is signed with a key the provider does not publish, even after refetching
    /// its JWKS once.
    #[error("the ID token is signed with an unknown key (kid {kid:?})")]
    UnknownKey { kid: Option<String> },
    /// The JWKS could not be fetched or holds no usable key.
    #[error("the provider's signing keys could not be loaded: {0}")]
    Jwks(String),
    /// The userinfo endpoint failed or answered for another subject.
    #[error("the provider's userinfo endpoint failed: {0}")]
    UserInfo(String),
    /// A transport failure talking to the provider.
    #[error("could not reach the OpenID provider: {0}")]
    Http(String),
}

impl OidcError {
    /// A stable code for logs, metrics and the audit log.
    pub fn code(&self) -> &'static str {
        match self {
            OidcError::Discovery(_) => "oidc_discovery",
            OidcError::IssuerMismatch { .. } => "oidc_issuer_mismatch",
            OidcError::StateMismatch => "oidc_state_mismatch",
            OidcError::TokenEndpoint { .. } => "oidc_token_endpoint",
            OidcError::InvalidIdToken(_) => "oidc_invalid_id_token",
            OidcError::UnknownKey { .. } => "oidc_unknown_key",
            OidcError::Jwks(_) => "oidc_jwks",
            OidcError::UserInfo(_) => "oidc_userinfo",
            OidcError::Http(_) => "oidc_http",
        }
    }
}

fn invalid(reason: impl Into<String>) -> OidcError {
    OidcError::InvalidIdToken(reason.into())
}

fn http_error(e: reqwest::Error) -> OidcError {
    OidcError::Http(e.without_url().to_string())
}

// =============================================================================================
// The flow's values

/// What must survive between sending the browser to the provider and its return: kept
/// server-side (sealed), bound to the browser by `state`.
#[derive(Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct PendingLogin {
    /// The configured provider's `id`, so a callback can be matched to its provider.
    pub provider_id: String,
    pub state: String,
    pub nonce: String,
    pub pkce_verifier: String,
    pub redirect_uri: String,
}

impl fmt::Debug for PendingLogin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("PendingLogin")
            .field("provider_id", &self.provider_id)
            .field("redirect_uri", &self.redirect_uri)
            .finish_non_exhaustive()
    }
}

/// The person the provider vouched for, from a verified ID token (and userinfo when the token
/// leaves e-mail or name out).
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct VerifiedIdentity {
    pub issuer: String,
    pub subject: String,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub locale: Option<String>,
}

/// The claims of an ID token whose signature and claims have been checked.
#[derive(Clone, Debug)]
pub struct IdTokenClaims {
    pub issuer: String,
    pub subject: String,
    pub audiences: Vec<String>,
    pub authorized_party: Option<String>,
    pub expires_at: i64,
    pub issued_at: i64,
    pub at_hash: Option<String>,
    pub email: Option<String>,
    pub email_verified: bool,
    pub name: Option<String>,
    pub locale: Option<String>,
}

// =============================================================================================
// The client

#[derive(Clone)]
struct VerificationKey {
    kid: Option<String>,
    key: PublicKey,
}

/// A relying party for one provider, ready after discovery. Cheap to clone; clones share the
/// cached signing keys.
#[derive(Clone)]
pub struct OidcClient {
    http: reqwest::Client,
    config: Arc<OidcProviderConfig>,
    metadata: Arc<ProviderMetadata>,
    keys: Arc<RwLock<Arc<Vec<VerificationKey>>>>,
}

impl fmt::Debug for OidcClient {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("OidcClient")
            .field("config", &self.config)
            .field("metadata", &self.metadata)
            .finish_non_exhaustive()
    }
}

#[derive(Deserialize)]
struct DiscoveryDocument {
    issuer: String,
    authorization_endpoint: String,
    token_endpoint: String,
    jwks_uri: String,
    #[serde(default)]
    userinfo_endpoint: Option<String>,
    #[serde(default)]
    id_token_signing_alg_values_supported: Vec<String>,
}

impl OidcClient {
    /// Reads `{issuer}/.well-known/openid-configuration`, checks that the provider names the
    /// configured issuer exactly, and loads its signing keys.
    pub async fn discover(
        http: reqwest::Client,
        config: OidcProviderConfig,
    ) -> Result<OidcClient, OidcError> {
        let issuer_url = Url::parse(&config.issuer)
            .map_err(|e| OidcError::Discovery(format!("issuer is not a URL: {e}")))?;
        require_secure(&issuer_url, "issuer").map_err(OidcError::Discovery)?;
        // OpenID Connect Discovery §4: strip one trailing slash, then append the well-known path.
        let well_known = format!(
            "{}/.well-known/openid-configuration",
            config.issuer.strip_suffix('/').unwrap_or(&config.issuer)
        );
        let body = get_document(&http, &well_known, None)
            .await
            .map_err(OidcError::Discovery)?;
        let doc: DiscoveryDocument = serde_json::from_slice(&body)
            .map_err(|e| OidcError::Discovery(format!("unreadable discovery document: {e}")))?;
        if doc.issuer != config.issuer {
            return Err(OidcError::IssuerMismatch {
                expected: config.issuer.clone(),
                found: doc.issuer,
            });
        }
        let endpoint = |value: &str, name: &str| -> Result<Url, OidcError> {
            let url = Url::parse(value)
                .map_err(|e| OidcError::Discovery(format!("{name} is not a URL: {e}")))?;
            require_secure(&url, name).map_err(OidcError::Discovery)?;
            Ok(url)
        };
        let metadata = ProviderMetadata {
            authorization_endpoint: endpoint(
                &doc.authorization_endpoint,
                "authorization_endpoint",
            )?,
            token_endpoint: endpoint(&doc.token_endpoint, "token_endpoint")?,
            jwks_uri: endpoint(&doc.jwks_uri, "jwks_uri")?,
            userinfo_endpoint: doc
                .userinfo_endpoint
                .as_deref()
                .map(|u| endpoint(u, "userinfo_endpoint"))
                .transpose()?,
            // The list is required by Discovery §3 and must contain RS256; a provider that leaves
            // it out is taken to mean the default.
            id_token_signing_alg_values_supported: if doc
                .id_token_signing_alg_values_supported
                .is_empty()
            {
                vec![ACCEPTED_ALG.to_owned()]
            } else {
                doc.id_token_signing_alg_values_supported
            },
            issuer: doc.issuer,
        };
        if !metadata
            .id_token_signing_alg_values_supported
            .iter()
            .any(|a| a == ACCEPTED_ALG)
        {
            return Err(OidcError::Discovery(
                "the provider does not sign ID tokens with RS256".into(),
            ));
        }
        let keys = fetch_jwks(&http, &metadata.jwks_uri).await?;
        Ok(OidcClient {
            http,
            config: Arc::new(config),
            metadata: Arc::new(metadata),
            keys: Arc::new(RwLock::new(Arc::new(keys))),
        })
    }

    pub fn config(&self) -> &OidcProviderConfig {
        &self.config
    }

    pub fn metadata(&self) -> &ProviderMetadata {
        &self.metadata
    }

    /// The URL to send the browser to, and what to keep until it comes back: fresh `state`,
    /// `nonce` and PKCE verifier (RFC 7636 §4.1: 32 random bytes, base64url), challenge S256.
    pub fn authorization_request<R: CryptoRng + ?Sized>(
        &self,
        redirect_uri: &str,
        rng: &mut R,
    ) -> (Url, PendingLogin) {
        let pending = PendingLogin {
            provider_id: self.config.id.clone(),
            state: random_token(rng),
            nonce: random_token(rng),
            pkce_verifier: random_token(rng),
            redirect_uri: redirect_uri.to_owned(),
        };
        let challenge = pkce_challenge(&pending.pkce_verifier);
        let mut scopes: Vec<&str> = vec!["openid"];
        scopes.extend(
            self.config
                .scopes
                .iter()
                .map(String::as_str)
                .filter(|s| *s != "openid" && !s.is_empty()),
        );
        let mut url = self.metadata.authorization_endpoint.clone();
        url.query_pairs_mut()
            .append_pair("response_type", "code")
            .append_pair("client_id", &self.config.client_id)
            .append_pair("redirect_uri", redirect_uri)
            .append_pair("scope", &scopes.join(" "))
            .append_pair("state", &pending.state)
            .append_pair("nonce", &pending.nonce)
            .append_pair("code_challenge", &challenge)
            .append_pair("code_challenge_method", "S256");
        (url, pending)
    }

    /// Completes a sign-in: checks the returned `state`, redeems the code at the token
    /// endpoint, and verifies the ID token. `now` is the clock the token's times are checked
    /// against.
    pub async fn exchange(
        &self,
        pending: &PendingLogin,
        returned_state: &str,
        code: &str,
        now: DateTime<Utc>,
    ) -> Result<VerifiedIdentity, OidcError> {
        if !bool::from(pending.state.as_bytes().ct_eq(returned_state.as_bytes())) {
            return Err(OidcError::StateMismatch);
        }
        let tokens = self.redeem_code(pending, code).await?;
        let claims = self
            .verify_id_token(&tokens.id_token, &pending.nonce, now)
            .await?;
        if let Some(at_hash) = &claims.at_hash {
            // Core §3.1.3.6: binds the access token to the ID token; the left half of its SHA-256.
            let digest = Sha256::digest(tokens.access_token.as_bytes());
            let expected = URL_SAFE_NO_PAD.encode(&digest[..digest.len() / 2]);
            if !bool::from(expected.as_bytes().ct_eq(at_hash.as_bytes())) {
                return Err(invalid("at_hash does not match the access token"));
            }
        }
        let mut identity = VerifiedIdentity {
            issuer: claims.issuer,
            subject: claims.subject,
            email: claims.email,
            email_verified: claims.email_verified,
            name: claims.name,
            locale: claims.locale,
        };
        if (identity.email.is_none() || identity.name.is_none())
            && self.metadata.userinfo_endpoint.is_some()
        {
            self.complete_from_userinfo(&mut identity, &tokens.access_token)
                .await?;
        }
        Ok(identity)
    }

    /// Verifies an ID token's signature (RS256, key from the JWKS by `kid`, refetched once when
    /// the key is unknown) and its claims (Core §3.1.3.7).
    pub async fn verify_id_token(
        &self,
        id_token: &str,
        expected_nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<IdTokenClaims, OidcError> {
        let mut parts = id_token.split('.');
        let (Some(header_b64), Some(payload_b64), Some(signature_b64), None) =
            (parts.next(), parts.next(), parts.next(), parts.next())
        else {
            return Err(invalid("not a JWS in compact serialisation"));
        };
        let header = decode_json_segment(header_b64, "header")?;
        let alg = header.get("alg").and_then(Value::as_str).unwrap_or("");
        if alg != ACCEPTED_ALG {
            let shown: String = alg.chars().take(16).collect();
            return Err(invalid(format!(
                "signature algorithm {shown:?} is not accepted (RS256 only)"
            )));
        }
        if header.contains_key("crit") {
            return Err(invalid(
                "the header has critical extensions we do not understand",
            ));
        }
        let kid = match header.get("kid") {
            None => None,
            Some(Value::String(k)) => Some(k.as_str()),
            Some(_) => return Err(invalid("kid is not a string")),
        };
        let signature = URL_SAFE_NO_PAD
            .decode(signature_b64)
            .map_err(|_| invalid("the signature is not base64url"))?;
        let key = self.key_for(kid).await?;
        let signing_input = &id_token[..header_b64.len() + 1 + payload_b64.len()];
        key.pkcs1v15_verify::<Sha256>(signing_input.as_bytes(), &signature)
            .map_err(|_| invalid("the signature does not verify"))?;

        let claims = decode_json_segment(payload_b64, "payload")?;
        self.check_claims(&claims, expected_nonce, now)
    }

    fn check_claims(
        &self,
        claims: &Map<String, Value>,
        expected_nonce: &str,
        now: DateTime<Utc>,
    ) -> Result<IdTokenClaims, OidcError> {
        let issuer = string_claim(claims, "iss")?.ok_or_else(|| invalid("no iss"))?;
        if issuer != self.metadata.issuer {
            return Err(invalid("iss is not the provider's issuer"));
        }
        let subject = string_claim(claims, "sub")?.ok_or_else(|| invalid("no sub"))?;
        if subject.is_empty() || subject.len() > 255 {
            return Err(invalid("sub is empty or longer than 255 characters"));
        }
        let audiences = match claims.get("aud") {
            Some(Value::String(a)) => vec![a.clone()],
            Some(Value::Array(list)) => list
                .iter()
                .map(|a| a.as_str().map(str::to_owned))
                .collect::<Option<Vec<_>>>()
                .ok_or_else(|| invalid("aud holds a non-string"))?,
            _ => return Err(invalid("no aud")),
        };
        let client_id = &self.config.client_id;
        if !audiences.iter().any(|a| a == client_id) {
            return Err(invalid("aud does not name this client"));
        }
        let authorized_party = string_claim(claims, "azp")?;
        match &authorized_party {
            Some(azp) if azp != client_id => {
                return Err(invalid("azp is not this client"));
            }
            None if audiences.len() > 1 => {
                return Err(invalid("several audiences and no azp"));
            }
            _ => {}
        }
        let now = now.timestamp();
        let expires_at = time_claim(claims, "exp")?.ok_or_else(|| invalid("no exp"))?;
        if expires_at <= now - CLOCK_LEEWAY_SECS {
            return Err(invalid("the token has expired"));
        }
        let issued_at = time_claim(claims, "iat")?.ok_or_else(|| invalid("no iat"))?;
        if issued_at > now + CLOCK_LEEWAY_SECS {
            return Err(invalid("the token is issued in the future"));
        }
        if let Some(not_before) = time_claim(claims, "nbf")?
            && not_before > now + CLOCK_LEEWAY_SECS
        {
            return Err(invalid("the token is not valid yet"));
        }
        let nonce = string_claim(claims, "nonce")?.ok_or_else(|| invalid("no nonce"))?;
        if !bool::from(nonce.as_bytes().ct_eq(expected_nonce.as_bytes())) {
            return Err(invalid("nonce does not match"));
        }
        Ok(IdTokenClaims {
            issuer,
            subject,
            audiences,
            authorized_party,
            expires_at,
            issued_at,
            at_hash: string_claim(claims, "at_hash")?,
            email: string_claim(claims, "email")?,
            email_verified: bool_claim(claims, "email_verified"),
            name: string_claim(claims, "name")?,
            locale: string_claim(claims, "locale")?,
        })
    }

    /// The key for `kid`; when it is unknown the JWKS is fetched again once, as providers
    /// rotate keys by publishing the new one before signing with it.
    async fn key_for(&self, kid: Option<&str>) -> Result<PublicKey, OidcError> {
        if let Some(key) = self.cached_key(kid)? {
            return Ok(key);
        }
        let fresh = fetch_jwks(&self.http, &self.metadata.jwks_uri).await?;
        *self.keys.write().unwrap_or_else(|e| e.into_inner()) = Arc::new(fresh);
        self.cached_key(kid)?.ok_or_else(|| OidcError::UnknownKey {
            kid: kid.map(|k| k.chars().take(64).collect()),
        })
    }

    fn cached_key(&self, kid: Option<&str>) -> Result<Option<PublicKey>, OidcError> {
        let keys = self.keys.read().unwrap_or_else(|e| e.into_inner()).clone();
        match kid {
            Some(kid) => Ok(keys
                .iter()
                .find(|k| k.kid.as_deref() == Some(kid))
                .map(|k| k.key.clone())),
            // Without a kid only a provider publishing a single key is unambiguous.
            None => match keys.as_slice() {
                [] => Ok(None),
                [only] => Ok(Some(only.key.clone())),
                _ => Err(invalid("no kid, and the provider publishes several keys")),
            },
        }
    }

    async fn redeem_code(
        &self,
        pending: &PendingLogin,
        code: &str,
    ) -> Result<TokenResponse, OidcError> {
        let response = self
            .http
            .post(self.metadata.token_endpoint.clone())
            .timeout(HTTP_TIMEOUT)
            .header(AUTHORIZATION, client_secret_basic(&self.config)?)
            .header(ACCEPT, "application/json")
            .form(&[
                ("grant_type", "authorization_code"),
                ("code", code),
                ("redirect_uri", pending.redirect_uri.as_str()),
                ("code_verifier", pending.pkce_verifier.as_str()),
            ])
            .send()
            .await
            .map_err(http_error)?;
        let status = response.status();
        let body = read_limited(response).await.map_err(OidcError::Http)?;
        if !status.is_success() {
            // RFC 6749 §5.2: `{"error": "...", "error_description": "..."}`.
            let error = serde_json::from_slice::<Value>(&body)
                .ok()
                .and_then(|v| v.get("error").and_then(Value::as_str).map(short_code))
                .unwrap_or_else(|| "unreadable_error".to_owned());
            return Err(OidcError::TokenEndpoint {
                status: status.as_u16(),
                error,
            });
        }
        let raw: RawTokenResponse =
            serde_json::from_slice(&body).map_err(|_| OidcError::TokenEndpoint {
                status: status.as_u16(),
                error: "unreadable_token_response".to_owned(),
            })?;
        if !raw.token_type.eq_ignore_ascii_case("bearer") {
            return Err(OidcError::TokenEndpoint {
                status: status.as_u16(),
                error: "unsupported_token_type".to_owned(),
            });
        }
        let id_token = raw
            .id_token
            .ok_or_else(|| invalid("the token response holds no id_token"))?;
        Ok(TokenResponse {
            access_token: raw.access_token,
            id_token,
        })
    }

    /// Fills e-mail, name and locale the ID token left out from the userinfo endpoint, whose
    /// `sub` must be the token's (Core §5.3.2: otherwise the answer may be substituted).
    async fn complete_from_userinfo(
        &self,
        identity: &mut VerifiedIdentity,
        access_token: &str,
    ) -> Result<(), OidcError> {
        let Some(endpoint) = &self.metadata.userinfo_endpoint else {
            return Ok(());
        };
        let mut bearer = HeaderValue::try_from(format!("Bearer {access_token}"))
            .map_err(|_| OidcError::UserInfo("the access token is not a header value".into()))?;
        bearer.set_sensitive(true);
        let body = get_document(&self.http, endpoint.as_str(), Some(bearer))
            .await
            .map_err(OidcError::UserInfo)?;
        let info: Map<String, Value> = serde_json::from_slice(&body)
            .map_err(|_| OidcError::UserInfo("the answer is not a JSON object".into()))?;
        let sub = info.get("sub").and_then(Value::as_str);
        if sub != Some(identity.subject.as_str()) {
            return Err(OidcError::UserInfo(
                "the answer is for another subject".into(),
            ));
        }
        let text = |name: &str| info.get(name).and_then(Value::as_str).map(str::to_owned);
        if identity.email.is_none() {
            identity.email = text("email");
            identity.email_verified =
                identity.email.is_some() && bool_claim(&info, "email_verified");
        }
        if identity.name.is_none() {
            identity.name = text("name");
        }
        if identity.locale.is_none() {
            identity.locale = text("locale");
        }
        Ok(())
    }
}

#[derive(Deserialize)]
struct RawTokenResponse {
    access_token: String,
    token_type: String,
    #[serde(default)]
    id_token: Option<String>,
}

struct TokenResponse {
    access_token: String,
    id_token: String,
}

// =============================================================================================
// Helpers

/// 32 random bytes, base64url without padding.
fn random_token<R: CryptoRng + ?Sized>(rng: &mut R) -> String {
    let mut bytes = [0u8; RANDOM_BYTES];
    rng.fill_bytes(&mut bytes);
    URL_SAFE_NO_PAD.encode(bytes)
}

/// RFC 7636 §4.2, S256: base64url(SHA-256(ASCII(verifier))).
pub fn pkce_challenge(verifier: &str) -> String {
    URL_SAFE_NO_PAD.encode(Sha256::digest(verifier.as_bytes()))
}

/// RFC 6749 §2.3.1: the client id and secret are form-urlencoded before being joined and
/// base64-encoded (a plain `basic_auth` would send a secret containing `:` or `%` wrongly).
fn client_secret_basic(config: &OidcProviderConfig) -> Result<HeaderValue, OidcError> {
    let encode = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
    let credentials = format!(
        "{}:{}",
        encode(&config.client_id),
        encode(&config.client_secret)
    );
    let mut value = HeaderValue::try_from(format!(
        "Basic {}",
        general_purpose::STANDARD.encode(credentials)
    ))
    .map_err(|_| OidcError::Discovery("client credentials are not a header value".into()))?;
    value.set_sensitive(true);
    Ok(value)
}

/// Endpoints must be HTTPS; plain HTTP only on the loopback interface (local fakes, dev).
fn require_secure(url: &Url, what: &str) -> Result<(), String> {
    match url.scheme() {
        "https" => Ok(()),
        "http" if is_loopback(url) => Ok(()),
        _ => Err(format!("{what} must use https")),
    }
}

fn is_loopback(url: &Url) -> bool {
    match url.host() {
        Some(url::Host::Domain(d)) => d.eq_ignore_ascii_case("localhost"),
        Some(url::Host::Ipv4(ip)) => IpAddr::V4(ip).is_loopback(),
        Some(url::Host::Ipv6(ip)) => IpAddr::V6(ip).is_loopback(),
        None => false,
    }
}

/// GETs a JSON document, at most `MAX_DOCUMENT_BYTES`, failing on a non-2xx answer.
async fn get_document(
    http: &reqwest::Client,
    url: &str,
    authorization: Option<HeaderValue>,
) -> Result<Vec<u8>, String> {
    let mut request = http
        .get(url)
        .timeout(HTTP_TIMEOUT)
        .header(ACCEPT, "application/json");
    if let Some(value) = authorization {
        request = request.header(AUTHORIZATION, value);
    }
    let response = request
        .send()
        .await
        .map_err(|e| e.without_url().to_string())?;
    let status = response.status();
    if !status.is_success() {
        return Err(format!("{url} answered {status}"));
    }
    read_limited(response).await
}

async fn read_limited(mut response: reqwest::Response) -> Result<Vec<u8>, String> {
    if response
        .content_length()
        .is_some_and(|n| n > MAX_DOCUMENT_BYTES as u64)
    {
        return Err("the answer is too large".into());
    }
    let mut body = Vec::new();
    while let Some(chunk) = response
        .chunk()
        .await
        .map_err(|e| e.without_url().to_string())?
    {
        if body.len() + chunk.len() > MAX_DOCUMENT_BYTES {
            return Err("the answer is too large".into());
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The provider's RSA signing keys; other key types and encryption keys are skipped.
async fn fetch_jwks(http: &reqwest::Client, uri: &Url) -> Result<Vec<VerificationKey>, OidcError> {
    let body = get_document(http, uri.as_str(), None)
        .await
        .map_err(OidcError::Jwks)?;
    let doc: Value = serde_json::from_slice(&body)
        .map_err(|e| OidcError::Jwks(format!("unreadable JWKS: {e}")))?;
    let Some(entries) = doc.get("keys").and_then(Value::as_array) else {
        return Err(OidcError::Jwks("no keys array".into()));
    };
    let keys: Vec<VerificationKey> = entries.iter().filter_map(rsa_signing_key).collect();
    if keys.is_empty() {
        return Err(OidcError::Jwks("no usable RSA signing key".into()));
    }
    Ok(keys)
}

fn rsa_signing_key(jwk: &Value) -> Option<VerificationKey> {
    let member = |name: &str| jwk.get(name).and_then(Value::as_str);
    if member("kty") != Some("RSA")
        || member("use").is_some_and(|u| u != "sig")
        || member("alg").is_some_and(|a| a != ACCEPTED_ALG)
    {
        return None;
    }
    let n = JWK_BASE64.decode(member("n")?).ok()?;
    let e = JWK_BASE64.decode(member("e")?).ok()?;
    let key = PublicKey::new(
        BoxedUint::from_be_slice_vartime(&n),
        BoxedUint::from_be_slice_vartime(&e),
    );
    match key {
        Ok(key) => Some(VerificationKey {
            kid: member("kid").map(str::to_owned),
            key,
        }),
        Err(e) => {
            tracing::warn!(error = %e, kid = ?member("kid"), "skipping an unusable JWKS key");
            None
        }
    }
}

fn decode_json_segment(segment: &str, what: &str) -> Result<Map<String, Value>, OidcError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(segment)
        .map_err(|_| invalid(format!("the {what} is not base64url")))?;
    match serde_json::from_slice::<Value>(&bytes) {
        Ok(Value::Object(map)) => Ok(map),
        _ => Err(invalid(format!("the {what} is not a JSON object"))),
    }
}

fn string_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<String>, OidcError> {
    match claims.get(name) {
        None | Some(Value::Null) => Ok(None),
        Some(Value::String(s)) => Ok(Some(s.clone())),
        Some(_) => Err(invalid(format!("{name} is not a string"))),
    }
}

/// A NumericDate (seconds, possibly fractional) as whole seconds.
fn time_claim(claims: &Map<String, Value>, name: &str) -> Result<Option<i64>, OidcError> {
    match claims.get(name) {
        None => Ok(None),
        Some(Value::Number(n)) => n
            .as_i64()
            .or_else(|| {
                n.as_f64()
                    .filter(|f| f.is_finite() && f.abs() < 1e15)
                    // Truncation is intended: the value was checked to be small and finite.
                    .map(|f| f.floor() as i64)
            })
            .map(Some)
            .ok_or_else(|| invalid(format!("{name} is not a time"))),
        Some(_) => Err(invalid(format!("{name} is not a number"))),
    }
}

/// `email_verified` is a boolean, though some providers send the string `"true"`.
fn bool_claim(claims: &Map<String, Value>, name: &str) -> bool {
    match claims.get(name) {
        Some(Value::Bool(b)) => *b,
        Some(Value::String(s)) => s.eq_ignore_ascii_case("true"),
        _ => false,
    }
}

/// An OAuth error code as received, kept short and printable.
fn short_code(code: &str) -> String {
    code.chars()
        .filter(|c| c.is_ascii_graphic())
        .take(64)
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand::SeedableRng;

    #[test]
    fn pkce_challenge_matches_rfc_7636_appendix_b() {
        assert_eq!(
            pkce_challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk"),
            "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM"
        );
    }

    #[test]
    fn client_secret_basic_form_encodes_id_and_secret() {
        let config = OidcProviderConfig::new("p", "P", "https://id.example", "my app", "s:e%c");
        let value = client_secret_basic(&config).unwrap();
        assert!(value.is_sensitive());
        let encoded = value.to_str().unwrap().strip_prefix("Basic ").unwrap();
        let decoded = general_purpose::STANDARD.decode(encoded).unwrap();
        assert_eq!(decoded, b"my+app:s%3Ae%25c");
    }

    #[test]
    fn debug_never_prints_the_secret_or_the_verifier() {
        let config =
            OidcProviderConfig::new("p", "P", "https://id.example", "client", "hunter2-secret");
        assert!(!format!("{config:?}").contains("hunter2"));
        let mut rng = rand::rngs::StdRng::seed_from_u64(7);
        let pending = PendingLogin {
            provider_id: "p".into(),
            state: random_token(&mut rng),
            nonce: random_token(&mut rng),
            pkce_verifier: random_token(&mut rng),
            redirect_uri: "https://wayfare.example/cb".into(),
        };
        let shown = format!("{pending:?}");
        assert!(!shown.contains(&pending.pkce_verifier));
        assert!(!shown.contains(&pending.state));
        assert!(!shown.contains(&pending.nonce));
    }

    #[test]
    fn random_tokens_are_43_base64url_characters() {
        let mut rng = rand::rngs::StdRng::seed_from_u64(1);
        let token = random_token(&mut rng);
        assert_eq!(token.len(), 43);
        assert!(
            token
                .bytes()
                .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_')
        );
    }

    #[test]
    fn plain_http_is_only_for_loopback() {
        let ok = |u: &str| require_secure(&Url::parse(u).unwrap(), "issuer").is_ok();
        assert!(ok("https://accounts.google.com"));
        assert!(ok("http://127.0.0.1:8080/realms/x"));
        assert!(ok("http://localhost:3000"));
        assert!(ok("http://[::1]:3000"));
        assert!(!ok("http://accounts.example.com"));
        assert!(!ok("ftp://127.0.0.1"));
    }
}
