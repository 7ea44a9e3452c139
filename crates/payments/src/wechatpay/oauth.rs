//! WeChat official-account web authorisation (公众号网页授权) with the silent `snsapi_base`
//! scope: how we learn the payer's **openid** under our `appid`, which a JSAPI payment
//! ([`super::METHOD_JSAPI_PREFIX`]) needs when the payer is inside WeChat's own browser.
//!
//! The protocol, in two legs:
//! 1. **Browser redirect.** We send the payer's browser to [`WeChatOAuth::authorize_url`]:
//!    `{authorize_base}/connect/oauth2/authorize?appid=APPID&redirect_uri=URLENCODED&response_type=code&scope=snsapi_base&state=STATE#wechat_redirect`
//!    (parameters in that order; the `#wechat_redirect` fragment is required by WeChat). With
//!    `snsapi_base` WeChat asks the user nothing and redirects at once to
//!    `redirect_uri?code=CODE&state=STATE`. A code is single-use and valid for 5 minutes;
//!    `state` (ours, to tie the callback to the session that started it) is at most 128 bytes
//!    of `[A-Za-z0-9]` ([`valid_state`]).
//! 2. **Server exchange.** [`WeChatOAuth::openid`] trades the code for the openid:
//!    `GET {api_base}/sns/oauth2/access_token?appid=APPID&secret=SECRET&code=CODE&grant_type=authorization_code`.
//!    WeChat answers HTTP 200 either way: `{"access_token","expires_in","refresh_token",
//!    "openid","scope","is_snapshotuser"?,"unionid"?}` or `{"errcode","errmsg"}` (40029
//!    invalid code, 40163 code already used, 40125 invalid app secret, 40013 invalid appid …),
//!    mapped onto [`OAuthError`]. `is_snapshotuser: 1` marks the virtual user of a WeChat
//!    "snapshot page" (朋友圈快照页): its openid cannot pay, so it is [`OAuthError::Snapshot`].
//!
//! Only the openid is kept. The web access token (and its refresh token) that comes with it is
//! for `snsapi_userinfo` calls we do not make, so it is never read out of the answer, stored or
//! logged; neither is the app secret, which only travels in the exchange's query string.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::Deserialize;

use crate::provider::PaymentError;

/// WeChat's host for the browser leg (`/connect/oauth2/authorize`).
pub const DEFAULT_AUTHORIZE_BASE: &str = "https://open.weixin.qq.com";

/// WeChat's API host for the code exchange (`/sns/oauth2/access_token`).
pub const DEFAULT_OAUTH_API_BASE: &str = "https://api.weixin.qq.com";

/// The timeout [`WeChatOAuthConfig::new`] sets for the code exchange.
pub const DEFAULT_OAUTH_TIMEOUT: Duration = Duration::from_secs(30);

/// The longest `state` WeChat passes back (bytes of `[A-Za-z0-9]`).
pub const MAX_STATE_LEN: usize = 128;

/// The longest code [`WeChatOAuth::openid`] sends to WeChat (WeChat's are 32 characters).
const MAX_CODE_LEN: usize = 128;

/// The errcode of a code WeChat does not know (unknown, expired or for another appid).
const ERRCODE_INVALID_CODE: i64 = 40029;
/// The errcode of a code that was exchanged already.
const ERRCODE_CODE_USED: i64 = 40163;
/// The errcode of a wrong app secret.
const ERRCODE_INVALID_SECRET: i64 = 40125;
/// The errcode of an appid WeChat does not know.
const ERRCODE_INVALID_APPID: i64 = 40013;

/// Whether `state` is one WeChat passes back unchanged: 1–[`MAX_STATE_LEN`] bytes of
/// `[A-Za-z0-9]`. Use it to make the state and to check the one the callback brings.
pub fn valid_state(state: &str) -> bool {
    (1..=MAX_STATE_LEN).contains(&state.len()) && state.bytes().all(|b| b.is_ascii_alphanumeric())
}

/// Our official account at WeChat and where to reach WeChat.
#[derive(Clone)]
pub struct WeChatOAuthConfig {
    /// The official account's `appid` (the same one JSAPI orders carry, so the openid is
    /// the payer's under it).
    pub app_id: String,
    /// The official account's `AppSecret`. Never printed or logged.
    pub app_secret: String,
    /// [`DEFAULT_AUTHORIZE_BASE`], or a local fake in tests.
    pub authorize_base: String,
    /// [`DEFAULT_OAUTH_API_BASE`], or a local fake in tests.
    pub api_base: String,
    /// For the code exchange, connecting included.
    pub timeout: Duration,
}

impl WeChatOAuthConfig {
    /// A config for `app_id` and `app_secret` with WeChat's hosts and
    /// [`DEFAULT_OAUTH_TIMEOUT`].
    pub fn new(app_id: impl Into<String>, app_secret: impl Into<String>) -> WeChatOAuthConfig {
        WeChatOAuthConfig {
            app_id: app_id.into(),
            app_secret: app_secret.into(),
            authorize_base: DEFAULT_AUTHORIZE_BASE.into(),
            api_base: DEFAULT_OAUTH_API_BASE.into(),
            timeout: DEFAULT_OAUTH_TIMEOUT,
        }
    }
}

impl fmt::Debug for WeChatOAuthConfig {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatOAuthConfig")
            .field("app_id", &self.app_id)
            .field("app_secret", &"[redacted]")
            .field("authorize_base", &self.authorize_base)
            .field("api_base", &self.api_base)
            .field("timeout", &self.timeout)
            .finish()
    }
}

/// Why no openid came out of a code.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum OAuthError {
    /// The code is unknown, expired, for another appid or already used (errcodes 40029 and
    /// 40163), or could not be a code at all (refused before calling WeChat). Send the payer
    /// through [`WeChatOAuth::authorize_url`] again.
    #[error("the WeChat authorisation code is invalid, expired or already used")]
    InvalidCode,
    /// The user is the virtual user of a WeChat snapshot page (`is_snapshotuser: 1`), whose
    /// openid cannot pay: the payer must open the page itself.
    #[error("the WeChat user is a snapshot-page virtual user, who cannot pay")]
    Snapshot,
    /// WeChat refused the exchange with another errcode: 40125 (wrong app secret) and 40013
    /// (unknown appid) mean our configuration is wrong.
    #[error("WeChat refused the code exchange: {errcode} {errmsg}")]
    Refused { errcode: i64, errmsg: String },
    /// WeChat could not be reached, did not answer in time, answered other than HTTP 200, or
    /// answered something unreadable (an openid outside `[A-Za-z0-9_-]{1,128}` included).
    #[error("WeChat's authorisation service is unavailable: {0}")]
    Unavailable(String),
}

/// The `snsapi_base` client: builds the authorisation URL and exchanges codes for openids.
/// Cheap to clone.
#[derive(Clone)]
pub struct WeChatOAuth {
    inner: Arc<Inner>,
}

struct Inner {
    http: reqwest::Client,
    app_id: String,
    app_secret: String,
    authorize_base: String,
    api_base: String,
}

impl fmt::Debug for WeChatOAuth {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("WeChatOAuth")
            .field("app_id", &self.inner.app_id)
            .field("authorize_base", &self.inner.authorize_base)
            .field("api_base", &self.inner.api_base)
            .finish_non_exhaustive()
    }
}

/// Checks `base` is an absolute http(s) URL with a host; answers it without a trailing `/`.
fn checked_base(base: &str, what: &str) -> Result<String, PaymentError> {
    let bad = || {
        PaymentError::InvalidRequest(format!("WeChat OAuth config: {what} is not an http(s) URL"))
    };
    let url = url::Url::parse(base).map_err(|_| bad())?;
    if !matches!(url.scheme(), "http" | "https") || url.host_str().is_none_or(str::is_empty) {
        return Err(bad());
    }
    Ok(base.trim_end_matches('/').to_owned())
}

/// Whether `code` can be a WeChat code: 1–128 characters of `[A-Za-z0-9_-]`.
fn plausible_code(code: &str) -> bool {
    (1..=MAX_CODE_LEN).contains(&code.len())
        && code
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-'))
}

/// Whether `openid` is one JSAPI orders take: 1–128 characters of `[A-Za-z0-9_-]`.
fn plausible_openid(openid: &str) -> bool {
    plausible_code(openid)
}

/// The fields of the exchange's answer we read. The tokens are left unread on purpose.
#[derive(Deserialize)]
struct TokenAnswer {
    errcode: Option<i64>,
    errmsg: Option<String>,
    openid: Option<String>,
    is_snapshotuser: Option<i64>,
}

/// Reads the body of an HTTP 200 answer of `/sns/oauth2/access_token`.
fn read_answer(body: &[u8]) -> Result<String, OAuthError> {
    let unreadable = || OAuthError::Unavailable("unreadable answer to the code exchange".into());
    let answer: TokenAnswer = serde_json::from_slice(body).map_err(|_| unreadable())?;
    match answer.errcode {
        None | Some(0) => {}
        Some(ERRCODE_INVALID_CODE | ERRCODE_CODE_USED) => return Err(OAuthError::InvalidCode),
        Some(errcode) => {
            let errmsg: String = answer
                .errmsg
                .unwrap_or_default()
                .chars()
                .take(200)
                .collect();
            return Err(OAuthError::Refused { errcode, errmsg });
        }
    }
    if answer.is_snapshotuser == Some(1) {
        return Err(OAuthError::Snapshot);
    }
    match answer.openid {
        Some(openid) if plausible_openid(&openid) => Ok(openid),
        _ => Err(unreadable()),
    }
}

impl WeChatOAuth {
    /// A client for `config`: the appid and secret must be set and both bases be http(s)
    /// URLs ([`PaymentError::InvalidRequest`] otherwise).
    pub fn new(config: WeChatOAuthConfig) -> Result<WeChatOAuth, PaymentError> {
        let bad = |what: &str| PaymentError::InvalidRequest(format!("WeChat OAuth config: {what}"));
        if config.app_id.trim().is_empty() {
            return Err(bad("app_id is required"));
        }
        if config.app_secret.trim().is_empty() {
            return Err(bad("app_secret is required"));
        }
        let authorize_base = checked_base(&config.authorize_base, "authorize_base")?;
        let api_base = checked_base(&config.api_base, "api_base")?;
        let http = reqwest::Client::builder()
            .timeout(config.timeout)
            .connect_timeout(config.timeout)
            .build()
            .map_err(|e| PaymentError::Unavailable(format!("cannot build the HTTP client: {e}")))?;
        Ok(WeChatOAuth {
            inner: Arc::new(Inner {
                http,
                app_id: config.app_id,
                app_secret: config.app_secret,
                authorize_base,
                api_base,
            }),
        })
    }

    /// Where to send the payer's browser (inside WeChat) to learn their openid silently:
    /// `{authorize_base}/connect/oauth2/authorize?appid=…&redirect_uri=…&response_type=code&scope=snsapi_base&state=…#wechat_redirect`,
    /// `redirect_uri` (absolute, on a domain registered with the official account)
    /// form-urlencoded. WeChat comes back to `redirect_uri?code=CODE&state=STATE`. `state`
    /// should pass [`valid_state`]; it is encoded all the same, so it never breaks the URL.
    pub fn authorize_url(&self, redirect_uri: &str, state: &str) -> String {
        let enc = |s: &str| url::form_urlencoded::byte_serialize(s.as_bytes()).collect::<String>();
        format!(
            "{}/connect/oauth2/authorize?appid={}&redirect_uri={}&response_type=code&scope=snsapi_base&state={}#wechat_redirect",
            self.inner.authorize_base,
            enc(&self.inner.app_id),
            enc(redirect_uri),
            enc(state),
        )
    }

    /// Exchanges the `code` WeChat's redirect brought for the payer's openid. A code that
    /// cannot be one (empty, longer than 128, characters outside `[A-Za-z0-9_-]`) is
    /// [`OAuthError::InvalidCode`] without calling WeChat.
    pub async fn openid(&self, code: &str) -> Result<String, OAuthError> {
        if !plausible_code(code) {
            return Err(OAuthError::InvalidCode);
        }
        let mut url = url::Url::parse(&format!("{}/sns/oauth2/access_token", self.inner.api_base))
            .map_err(|_| OAuthError::Unavailable("the API base is not a URL".into()))?;
        url.query_pairs_mut()
            .append_pair("appid", &self.inner.app_id)
            .append_pair("secret", &self.inner.app_secret)
            .append_pair("code", code)
            .append_pair("grant_type", "authorization_code");
        // The URL holds the secret: errors are described by kind, never printed with it.
        let response = self
            .inner
            .http
            .get(url)
            .header(reqwest::header::ACCEPT, "application/json")
            .send()
            .await
            .map_err(transport)?;
        let status = response.status();
        if status != reqwest::StatusCode::OK {
            tracing::warn!(
                status = status.as_u16(),
                "WeChat OAuth code exchange failed"
            );
            return Err(OAuthError::Unavailable(format!(
                "the code exchange answered HTTP {}",
                status.as_u16()
            )));
        }
        let body = response.bytes().await.map_err(transport)?;
        let answer = read_answer(&body);
        match &answer {
            Ok(_) => {}
            Err(OAuthError::Refused { errcode, .. })
                if matches!(*errcode, ERRCODE_INVALID_SECRET | ERRCODE_INVALID_APPID) =>
            {
                tracing::error!(
                    errcode,
                    "WeChat refused our official account: check the WeChat OAuth app_id and app_secret"
                );
            }
            Err(OAuthError::Refused { errcode, .. }) => {
                tracing::warn!(errcode, "WeChat refused the OAuth code exchange");
            }
            Err(OAuthError::Unavailable(why)) => {
                tracing::warn!(why = why.as_str(), "WeChat OAuth code exchange failed");
            }
            Err(e) => tracing::debug!(error = %e, "WeChat OAuth code not exchanged"),
        }
        answer
    }
}

/// A transport failure, described without the URL (it holds the secret).
fn transport(e: reqwest::Error) -> OAuthError {
    let kind = if e.is_timeout() {
        "did not answer in time"
    } else if e.is_connect() {
        "could not connect"
    } else {
        "request failed"
    };
    tracing::warn!(kind, "WeChat OAuth code exchange failed");
    OAuthError::Unavailable(format!("the code exchange {kind}"))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn client() -> WeChatOAuth {
        WeChatOAuth::new(WeChatOAuthConfig::new(
            "wxd678efh567hg6787",
            "s3cr3t-app-secret",
        ))
        .unwrap()
    }

    #[test]
    fn the_authorize_url_is_wechats_exactly() {
        assert_eq!(
            client().authorize_url(
                "https://wayfare.example/pay/wechat/callback?order=WF 1",
                "abc123XYZ"
            ),
            "https://open.weixin.qq.com/connect/oauth2/authorize?appid=wxd678efh567hg6787&redirect_uri=https%3A%2F%2Fwayfare.example%2Fpay%2Fwechat%2Fcallback%3Forder%3DWF+1&response_type=code&scope=snsapi_base&state=abc123XYZ#wechat_redirect"
        );
        // A trailing slash on the base does not double.
        let c = WeChatOAuth::new(WeChatOAuthConfig {
            authorize_base: "http://127.0.0.1:9/".into(),
            ..WeChatOAuthConfig::new("wx1", "s")
        })
        .unwrap();
        assert!(
            c.authorize_url("http://x/", "s")
                .starts_with("http://127.0.0.1:9/connect/oauth2/authorize?appid=wx1&")
        );
    }

    #[test]
    fn configs_are_checked() {
        let with = |f: &dyn Fn(&mut WeChatOAuthConfig)| {
            let mut c = WeChatOAuthConfig::new("wx1", "secret");
            f(&mut c);
            WeChatOAuth::new(c)
        };
        assert!(with(&|_| {}).is_ok());
        for f in [
            &(|c: &mut WeChatOAuthConfig| c.app_id = String::new())
                as &dyn Fn(&mut WeChatOAuthConfig),
            &|c| c.app_secret = " ".into(),
            &|c| c.api_base = "not a url".into(),
            &|c| c.api_base = "ftp://api.weixin.qq.com".into(),
            &|c| c.authorize_base = "file:///etc".into(),
            &|c| c.authorize_base = String::new(),
        ] {
            assert!(matches!(with(f), Err(PaymentError::InvalidRequest(_))));
        }
    }

    #[test]
    fn debug_hides_the_secret() {
        let config = WeChatOAuthConfig::new("wx1", "s3cr3t-app-secret");
        assert!(!format!("{config:?}").contains("s3cr3t"));
        let client = WeChatOAuth::new(config).unwrap();
        let shown = format!("{client:?}");
        assert!(shown.contains("wx1") && !shown.contains("s3cr3t"));
    }

    #[test]
    fn answers_map_onto_errors() {
        let read = |v: serde_json::Value| read_answer(v.to_string().as_bytes());
        assert_eq!(
            read(
                serde_json::json!({"access_token": "AT", "expires_in": 7200, "refresh_token": "RT",
                                    "openid": "oUpF8uMuAJO_M2pxb1Q9zNjWeS6o", "scope": "snsapi_base"})
            ),
            Ok("oUpF8uMuAJO_M2pxb1Q9zNjWeS6o".into())
        );
        assert_eq!(
            read(serde_json::json!({"openid": "o1", "is_snapshotuser": 0, "errcode": 0})),
            Ok("o1".into())
        );
        assert_eq!(
            read(serde_json::json!({"openid": "o1", "is_snapshotuser": 1})),
            Err(OAuthError::Snapshot)
        );
        for code in [40029, 40163] {
            assert_eq!(
                read(serde_json::json!({"errcode": code, "errmsg": "invalid code"})),
                Err(OAuthError::InvalidCode)
            );
        }
        assert_eq!(
            read(serde_json::json!({"errcode": 40125, "errmsg": "invalid appsecret"})),
            Err(OAuthError::Refused {
                errcode: 40125,
                errmsg: "invalid appsecret".into()
            })
        );
        for bad in [
            serde_json::json!({"access_token": "AT"}),
            serde_json::json!({"openid": ""}),
            serde_json::json!({"openid": "o/../x"}),
            serde_json::json!({"openid": "o".repeat(129)}),
            serde_json::json!({"errcode": "40029"}),
        ] {
            assert!(
                matches!(read(bad.clone()), Err(OAuthError::Unavailable(_))),
                "{bad}"
            );
        }
        assert!(matches!(
            read_answer(b"<html>"),
            Err(OAuthError::Unavailable(_))
        ));
    }

    #[test]
    fn codes_and_states_are_checked() {
        assert!(plausible_code("061Ab2ll2p4NzF4fHQml2xXkmG3Ab2lu"));
        for bad in ["", "a b", "a&secret=x", "码", &"c".repeat(129)] {
            assert!(!plausible_code(bad), "{bad}");
        }
        assert!(valid_state("abc123XYZ"));
        assert!(valid_state(&"s".repeat(128)));
        for bad in ["", "a-b", "a_b", "a b", &"s".repeat(129)] {
            assert!(!valid_state(bad), "{bad}");
        }
    }
}
