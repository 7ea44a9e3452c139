//! A fake WeChat official-account web authorisation (公众号网页授权) over real HTTP, for the
//! `snsapi_base` client (`wayfare_payments::wechatpay::oauth`) and browser tests. One axum
//! server plays both of WeChat's hosts:
//!
//! - `GET /connect/oauth2/authorize` is `open.weixin.qq.com` as the payer's WeChat browser
//!   meets it: it checks the request as WeChat does (known `appid`, `response_type=code`,
//!   `scope` `snsapi_base` or `snsapi_userinfo`, an absolute http(s) `redirect_uri`, a `state`
//!   of at most 128 bytes of `[A-Za-z0-9]`; 400 with a text body naming the problem
//!   otherwise), then issues a fresh code for the current user ([`FakeWeChatOAuth::set_user`])
//!   and answers `302 Location: {redirect_uri}{?|&}code=CODE&state=STATE`. The user never has
//!   to agree: `snsapi_base` is silent, and so is `snsapi_userinfo` here.
//! - `GET /sns/oauth2/access_token` is `api.weixin.qq.com`: it exchanges a code once, within
//!   5 minutes, for the app that asked for it, with WeChat's errcodes as HTTP 200 JSON.
//!
//! A code is bound to the appid, the user, the scope and the snapshot mode
//! ([`FakeWeChatOAuth::set_snapshot`]) at the moment it is issued.
//!
//! Self-contained: it can be included by `#[path]` from any crate's tests that have `axum`,
//! `rand`, `serde_json`, `tokio` and `url`.

#![allow(dead_code)]

use std::collections::HashMap;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::Router;
use axum::extract::State;
use axum::http::{HeaderValue, Method, StatusCode, Uri};
use axum::response::{IntoResponse, Response};
use serde_json::{Value, json};

/// The official account's appid the fake knows: the same as the fake WeChat Pay's `APP_ID`
/// (tests/fakes/wechatpay.rs), so an openid from here pays a JSAPI order there.
pub const OAUTH_APP_ID: &str = "wxd678efh567hg6787";
/// The official account's AppSecret the fake accepts.
pub const OAUTH_APP_SECRET: &str = "fakeWayfareAppSecret0123456789ab";
/// The user authorising until [`FakeWeChatOAuth::set_user`] says otherwise.
pub const DEFAULT_OPENID: &str = "oFAKEwayfareUser_0123456789a";
/// How long a code may be exchanged (WeChat: 5 minutes).
pub const CODE_TTL: Duration = Duration::from_secs(300);

/// A code the authorisation page issued.
#[derive(Debug, Clone)]
struct Code {
    app_id: String,
    openid: String,
    scope: String,
    snapshot: bool,
    expires_at: Instant,
    used: bool,
}

struct FakeState {
    user: String,
    snapshot: bool,
    codes: HashMap<String, Code>,
    /// Path and query of every authorisation request, as received.
    authorize_seen: Vec<String>,
    /// Every call to `/sns/oauth2/access_token`, answered well or not.
    token_requests: usize,
    /// Codes exchanged for an openid.
    exchanges: usize,
}

type Shared = Arc<Mutex<FakeState>>;

fn lock(shared: &Shared) -> MutexGuard<'_, FakeState> {
    shared.lock().unwrap()
}

/// The running fake. Dropping it stops the server.
pub struct FakeWeChatOAuth {
    /// `http://127.0.0.1:PORT`: both the authorize base and the API base.
    pub base_url: String,
    shared: Shared,
    server: tokio::task::JoinHandle<()>,
}

impl Drop for FakeWeChatOAuth {
    fn drop(&mut self) {
        self.server.abort();
    }
}

impl FakeWeChatOAuth {
    /// Starts the fake on a free local port, with [`DEFAULT_OPENID`] authorising.
    pub async fn start() -> FakeWeChatOAuth {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let base_url = format!("http://{}", listener.local_addr().unwrap());
        let shared: Shared = Arc::new(Mutex::new(FakeState {
            user: DEFAULT_OPENID.to_owned(),
            snapshot: false,
            codes: HashMap::new(),
            authorize_seen: Vec::new(),
            token_requests: 0,
            exchanges: 0,
        }));
        let app = Router::new().fallback(handle).with_state(shared.clone());
        let server = tokio::spawn(async move {
            axum::serve(listener, app).await.unwrap();
        });
        FakeWeChatOAuth {
            base_url,
            shared,
            server,
        }
    }

    /// The WeChat user whose browser authorises from now on (their openid under
    /// [`OAUTH_APP_ID`]). Codes issued before keep their user.
    pub fn set_user(&self, openid: &str) {
        lock(&self.shared).user = openid.to_owned();
    }

    /// Whether codes issued from now on are for a snapshot-page virtual user
    /// (`is_snapshotuser: 1` in the exchange's answer).
    pub fn set_snapshot(&self, on: bool) {
        lock(&self.shared).snapshot = on;
    }

    /// Ages every code issued so far past its 5 minutes.
    pub fn expire_codes(&self) {
        let now = Instant::now();
        for code in lock(&self.shared).codes.values_mut() {
            code.expires_at = now;
        }
    }

    /// How many codes were exchanged for an openid.
    pub fn exchanges(&self) -> usize {
        lock(&self.shared).exchanges
    }

    /// How many exchange requests arrived, refused ones included.
    pub fn token_requests(&self) -> usize {
        lock(&self.shared).token_requests
    }

    /// The path and query of every `/connect/oauth2/authorize` request, in order.
    pub fn authorize_url_seen(&self) -> Vec<String> {
        lock(&self.shared).authorize_seen.clone()
    }
}

/// A fresh code: 32 characters of `[0-9A-Za-z]`, like WeChat's.
fn random_token() -> String {
    use rand::Rng;
    const ALPHABET: &[u8] = b"0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";
    let mut rng = rand::rng();
    (0..32)
        .map(|_| ALPHABET[rng.random_range(0..ALPHABET.len())] as char)
        .collect()
}

/// The query of `uri` as (name, value) pairs, decoded; the first value of each name wins.
fn query(uri: &Uri) -> HashMap<String, String> {
    let mut out = HashMap::new();
    for (k, v) in url::form_urlencoded::parse(uri.query().unwrap_or("").as_bytes()) {
        out.entry(k.into_owned()).or_insert_with(|| v.into_owned());
    }
    out
}

async fn handle(State(shared): State<Shared>, method: Method, uri: Uri) -> Response {
    match (method.as_str(), uri.path()) {
        ("GET", "/connect/oauth2/authorize") => authorize(&shared, &uri),
        ("GET", "/sns/oauth2/access_token") => {
            let answer = access_token(&mut lock(&shared), &query(&uri));
            axum::Json(answer).into_response()
        }
        _ => (StatusCode::NOT_FOUND, "no such page").into_response(),
    }
}

/// A 400 page naming what is wrong, as WeChat shows one instead of redirecting.
fn refuse(problem: &str) -> Response {
    (
        StatusCode::BAD_REQUEST,
        [("content-type", "text/plain; charset=utf-8")],
        format!("WeChat authorisation refused: {problem}"),
    )
        .into_response()
}

fn authorize(shared: &Shared, uri: &Uri) -> Response {
    let seen = uri
        .path_and_query()
        .map(|p| p.as_str().to_owned())
        .unwrap_or_default();
    lock(shared).authorize_seen.push(seen);
    let q = query(uri);
    let get = |k: &str| q.get(k).map(String::as_str);
    match get("appid") {
        None | Some("") => return refuse("appid is missing"),
        Some(OAUTH_APP_ID) => {}
        Some(other) => return refuse(&format!("appid {other} is unknown")),
    }
    if get("response_type") != Some("code") {
        return refuse("response_type must be code");
    }
    let scope = match get("scope") {
        Some(s @ ("snsapi_base" | "snsapi_userinfo")) => s.to_owned(),
        Some(other) => {
            return refuse(&format!(
                "scope {other} is not snsapi_base or snsapi_userinfo"
            ));
        }
        None => return refuse("scope is missing"),
    };
    let Some(redirect_uri) = get("redirect_uri").filter(|r| !r.is_empty()) else {
        return refuse("redirect_uri is missing");
    };
    let absolute = url::Url::parse(redirect_uri)
        .is_ok_and(|u| matches!(u.scheme(), "http" | "https") && u.host_str().is_some());
    if !absolute {
        return refuse("redirect_uri must be an absolute http(s) URL");
    }
    let state = get("state");
    if let Some(state) = state
        && (state.len() > 128 || !state.bytes().all(|b| b.is_ascii_alphanumeric()))
    {
        return refuse("state must be at most 128 characters of [A-Za-z0-9]");
    }
    let code = random_token();
    {
        let mut s = lock(shared);
        let issued = Code {
            app_id: OAUTH_APP_ID.to_owned(),
            openid: s.user.clone(),
            scope,
            snapshot: s.snapshot,
            expires_at: Instant::now() + CODE_TTL,
            used: false,
        };
        s.codes.insert(code.clone(), issued);
    }
    // The parameters go before any fragment of redirect_uri.
    let (target, fragment) = match redirect_uri.split_once('#') {
        Some((t, f)) => (t, Some(f)),
        None => (redirect_uri, None),
    };
    let mut location = format!(
        "{target}{}code={code}",
        if target.contains('?') { '&' } else { '?' }
    );
    if let Some(state) = state {
        location.push_str("&state=");
        location.push_str(state);
    }
    if let Some(fragment) = fragment {
        location.push('#');
        location.push_str(fragment);
    }
    let Ok(location) = HeaderValue::from_str(&location) else {
        return refuse("redirect_uri cannot go in a header");
    };
    let mut response = StatusCode::FOUND.into_response();
    response.headers_mut().insert("location", location);
    response
}

fn errcode(code: i64, message: &str) -> Value {
    json!({"errcode": code, "errmsg": message})
}

fn access_token(s: &mut FakeState, q: &HashMap<String, String>) -> Value {
    s.token_requests += 1;
    let get = |k: &str| q.get(k).map(String::as_str).filter(|v| !v.is_empty());
    let Some(app_id) = get("appid") else {
        return errcode(41002, "appid missing");
    };
    let Some(secret) = get("secret") else {
        return errcode(41004, "appsecret missing");
    };
    let Some(code) = get("code") else {
        return errcode(41008, "missing code");
    };
    if get("grant_type") != Some("authorization_code") {
        return errcode(40002, "invalid grant_type");
    }
    if app_id != OAUTH_APP_ID {
        return errcode(40013, "invalid appid");
    }
    if secret != OAUTH_APP_SECRET {
        return errcode(40125, "invalid appsecret");
    }
    let Some(issued) = s.codes.get_mut(code) else {
        return errcode(40029, "invalid code");
    };
    if issued.app_id != app_id || Instant::now() >= issued.expires_at {
        return errcode(40029, "invalid code");
    }
    if issued.used {
        return errcode(40163, "code been used");
    }
    issued.used = true;
    let issued = issued.clone();
    s.exchanges += 1;
    let mut answer = json!({
        "access_token": format!("ACCESS_{}", random_token()),
        "expires_in": 7200,
        "refresh_token": format!("REFRESH_{}", random_token()),
        "openid": issued.openid,
        "scope": issued.scope,
    });
    if issued.snapshot {
        answer["is_snapshotuser"] = json!(1);
    }
    answer
}
