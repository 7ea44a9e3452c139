//! The WeChat `snsapi_base` OAuth client against a fake WeChat over real HTTP
//! (tests/fakes/wechat_oauth.rs): the browser leg is followed with reqwest, redirects off.

#[path = "fakes/wechat_oauth.rs"]
mod fake_wechat_oauth;

use std::time::Duration;

use fake_wechat_oauth::{DEFAULT_OPENID, FakeWeChatOAuth, OAUTH_APP_ID, OAUTH_APP_SECRET};
use wayfare_payments::PaymentError;
use wayfare_payments::wechatpay::oauth::{
    DEFAULT_AUTHORIZE_BASE, DEFAULT_OAUTH_API_BASE, OAuthError, WeChatOAuth, WeChatOAuthConfig,
};

const REDIRECT: &str = "https://wayfare.example/pay/wechat/openid?order=WF-ABC123";

fn config_for(fake: &FakeWeChatOAuth) -> WeChatOAuthConfig {
    WeChatOAuthConfig {
        authorize_base: fake.base_url.clone(),
        api_base: fake.base_url.clone(),
        timeout: Duration::from_secs(2),
        ..WeChatOAuthConfig::new(OAUTH_APP_ID, OAUTH_APP_SECRET)
    }
}

async fn setup() -> (FakeWeChatOAuth, WeChatOAuth) {
    let fake = FakeWeChatOAuth::start().await;
    let client = WeChatOAuth::new(config_for(&fake)).unwrap();
    (fake, client)
}

fn no_redirects() -> reqwest::Client {
    reqwest::Client::builder()
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap()
}

/// The browser opens `url`: answers the status and the `Location` header.
async fn open(url: &str) -> (u16, Option<String>, String) {
    let resp = no_redirects().get(url).send().await.unwrap();
    let status = resp.status().as_u16();
    let location = resp
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned());
    (status, location, resp.text().await.unwrap_or_default())
}

/// The payer's browser goes through the authorisation page: the code WeChat hands back.
async fn code_via_browser(client: &WeChatOAuth, state: &str) -> String {
    let (status, location, _) = open(&client.authorize_url(REDIRECT, state)).await;
    assert_eq!(status, 302);
    let location = url::Url::parse(&location.unwrap()).unwrap();
    let pairs: Vec<(String, String)> = location
        .query_pairs()
        .map(|(k, v)| (k.into_owned(), v.into_owned()))
        .collect();
    assert_eq!(pairs[0], ("order".to_owned(), "WF-ABC123".to_owned()));
    assert_eq!(pairs[1].0, "code");
    assert_eq!(pairs[2], ("state".to_owned(), state.to_owned()));
    pairs[1].1.clone()
}

#[test]
fn the_config_defaults_to_wechats_hosts() {
    let config = WeChatOAuthConfig::new("wx1", "secret");
    assert_eq!(config.authorize_base, DEFAULT_AUTHORIZE_BASE);
    assert_eq!(config.api_base, DEFAULT_OAUTH_API_BASE);
    assert_eq!(config.timeout, Duration::from_secs(30));
    assert_eq!(DEFAULT_AUTHORIZE_BASE, "https://open.weixin.qq.com");
    assert_eq!(DEFAULT_OAUTH_API_BASE, "https://api.weixin.qq.com");
}

#[tokio::test]
async fn the_authorize_url_is_wechats_and_the_fake_redirects_back_with_a_code() {
    let (fake, client) = setup().await;
    let url = client.authorize_url(REDIRECT, "st4te");
    assert_eq!(
        url,
        format!(
            "{}/connect/oauth2/authorize?appid={OAUTH_APP_ID}&redirect_uri=https%3A%2F%2Fwayfare.example%2Fpay%2Fwechat%2Fopenid%3Forder%3DWF-ABC123&response_type=code&scope=snsapi_base&state=st4te#wechat_redirect",
            fake.base_url
        )
    );
    let (status, location, _) = open(&url).await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(
        location.starts_with(&format!("{REDIRECT}&code=")),
        "{location}"
    );
    assert!(location.ends_with("&state=st4te"), "{location}");
    // The fragment never reaches a server.
    let seen = fake.authorize_url_seen();
    assert_eq!(seen.len(), 1);
    assert!(seen[0].starts_with("/connect/oauth2/authorize?appid="));
    assert!(!seen[0].contains("wechat_redirect"));
    assert_eq!(fake.exchanges(), 0);
}

#[tokio::test]
async fn a_code_from_the_browser_gives_the_users_openid_once() {
    let (fake, client) = setup().await;
    let code = code_via_browser(&client, "s1").await;
    assert_eq!(code.len(), 32);
    assert_eq!(client.openid(&code).await, Ok(DEFAULT_OPENID.to_owned()));
    assert_eq!(fake.exchanges(), 1);
    // Single use.
    assert_eq!(client.openid(&code).await, Err(OAuthError::InvalidCode));
    assert_eq!(fake.exchanges(), 1);

    // Another WeChat user authorising gets their own openid.
    fake.set_user("oOtherPayer-2_xyz");
    let code = code_via_browser(&client, "s2").await;
    assert_eq!(
        client.openid(&code).await,
        Ok("oOtherPayer-2_xyz".to_owned())
    );
    assert_eq!(fake.exchanges(), 2);
}

#[tokio::test]
async fn unknown_and_expired_codes_are_invalid() {
    let (fake, client) = setup().await;
    assert_eq!(
        client.openid("061Ab2ll2p4NzF4fHQml2xXkmG3Ab2lu").await,
        Err(OAuthError::InvalidCode)
    );
    let code = code_via_browser(&client, "s").await;
    fake.expire_codes();
    assert_eq!(client.openid(&code).await, Err(OAuthError::InvalidCode));
    assert_eq!(fake.token_requests(), 2);
    assert_eq!(fake.exchanges(), 0);
}

#[tokio::test]
async fn a_wrong_secret_is_refused_and_leaves_the_code_usable() {
    let (fake, client) = setup().await;
    let code = code_via_browser(&client, "s").await;
    let wrong = WeChatOAuth::new(WeChatOAuthConfig {
        app_secret: "not-the-secret".into(),
        ..config_for(&fake)
    })
    .unwrap();
    assert_eq!(
        wrong.openid(&code).await,
        Err(OAuthError::Refused {
            errcode: 40125,
            errmsg: "invalid appsecret".into()
        })
    );
    assert_eq!(client.openid(&code).await, Ok(DEFAULT_OPENID.to_owned()));
}

#[tokio::test]
async fn a_wrong_app_id_is_refused_on_both_legs() {
    let (fake, client) = setup().await;
    let code = code_via_browser(&client, "s").await;
    let other = WeChatOAuth::new(WeChatOAuthConfig {
        app_id: "wx0000000000000000".into(),
        ..config_for(&fake)
    })
    .unwrap();
    let (status, location, body) = open(&other.authorize_url(REDIRECT, "s")).await;
    assert_eq!((status, location), (400, None));
    assert!(body.contains("appid"), "{body}");
    assert_eq!(
        other.openid(&code).await,
        Err(OAuthError::Refused {
            errcode: 40013,
            errmsg: "invalid appid".into()
        })
    );
    assert_eq!(fake.exchanges(), 0);
}

#[tokio::test]
async fn a_snapshot_user_cannot_pay() {
    let (fake, client) = setup().await;
    fake.set_snapshot(true);
    let code = code_via_browser(&client, "s").await;
    assert_eq!(client.openid(&code).await, Err(OAuthError::Snapshot));
    // A real visit afterwards is fine.
    fake.set_snapshot(false);
    let code = code_via_browser(&client, "s").await;
    assert_eq!(client.openid(&code).await, Ok(DEFAULT_OPENID.to_owned()));
}

#[tokio::test]
async fn garbage_codes_are_refused_without_calling_wechat() {
    let (fake, client) = setup().await;
    let long = "c".repeat(129);
    for code in [
        "",
        "a b",
        "x&secret=y",
        "../../sns",
        "码码",
        "%41",
        long.as_str(),
    ] {
        assert_eq!(
            client.openid(code).await,
            Err(OAuthError::InvalidCode),
            "{code:?}"
        );
    }
    assert_eq!(fake.token_requests(), 0);
}

#[tokio::test]
async fn an_unreachable_or_wrong_wechat_is_unavailable() {
    // A port nothing listens on.
    let listener = std::net::TcpListener::bind("127.0.0.1:0").unwrap();
    let dead = format!("http://{}", listener.local_addr().unwrap());
    drop(listener);
    let client = WeChatOAuth::new(WeChatOAuthConfig {
        authorize_base: dead.clone(),
        api_base: dead,
        timeout: Duration::from_secs(2),
        ..WeChatOAuthConfig::new(OAUTH_APP_ID, OAUTH_APP_SECRET)
    })
    .unwrap();
    let got = client.openid("061Ab2ll2p4NzF4fHQml2xXkmG3Ab2lu").await;
    let Err(OAuthError::Unavailable(why)) = got else {
        panic!("{got:?}");
    };
    assert!(!why.contains(OAUTH_APP_SECRET), "{why}");

    // Not HTTP 200: a base where the API is not.
    let fake = FakeWeChatOAuth::start().await;
    let client = WeChatOAuth::new(WeChatOAuthConfig {
        api_base: format!("{}/elsewhere", fake.base_url),
        ..config_for(&fake)
    })
    .unwrap();
    assert!(matches!(
        client.openid("061Ab2ll2p4NzF4fHQml2xXkmG3Ab2lu").await,
        Err(OAuthError::Unavailable(_))
    ));
}

#[tokio::test]
async fn an_openid_that_cannot_pay_is_unavailable() {
    let (fake, client) = setup().await;
    fake.set_user("not an openid/..");
    let code = code_via_browser(&client, "s").await;
    assert!(matches!(
        client.openid(&code).await,
        Err(OAuthError::Unavailable(_))
    ));
}

#[tokio::test]
async fn the_fake_refuses_authorisations_wechat_would_refuse() {
    let fake = FakeWeChatOAuth::start().await;
    let page = |query: &str| format!("{}/connect/oauth2/authorize?{query}", fake.base_url);
    let redirect = "redirect_uri=https%3A%2F%2Fwayfare.example%2Fcb";
    for (query, named) in [
        (
            format!("{redirect}&response_type=code&scope=snsapi_base"),
            "appid",
        ),
        (
            format!("appid={OAUTH_APP_ID}&{redirect}&response_type=token&scope=snsapi_base"),
            "response_type",
        ),
        (
            format!("appid={OAUTH_APP_ID}&{redirect}&response_type=code&scope=snsapi_login"),
            "scope",
        ),
        (
            format!("appid={OAUTH_APP_ID}&response_type=code&scope=snsapi_base"),
            "redirect_uri",
        ),
        (
            format!("appid={OAUTH_APP_ID}&redirect_uri=%2Fcb&response_type=code&scope=snsapi_base"),
            "redirect_uri",
        ),
        (
            format!(
                "appid={OAUTH_APP_ID}&{redirect}&response_type=code&scope=snsapi_base&state=a-b"
            ),
            "state",
        ),
    ] {
        let (status, location, body) = open(&page(&query)).await;
        assert_eq!((status, location), (400, None), "{query}");
        assert!(body.contains(named), "{query}: {body}");
    }
    // snsapi_userinfo is accepted, and without a state none comes back.
    let (status, location, _) = open(&page(&format!(
        "appid={OAUTH_APP_ID}&{redirect}&response_type=code&scope=snsapi_userinfo"
    )))
    .await;
    assert_eq!(status, 302);
    let location = location.unwrap();
    assert!(
        location.starts_with("https://wayfare.example/cb?code="),
        "{location}"
    );
    assert!(!location.contains("state="), "{location}");
}

#[test]
fn debug_never_shows_the_secret() {
    let config = WeChatOAuthConfig::new(OAUTH_APP_ID, OAUTH_APP_SECRET);
    let shown = format!("{config:?}");
    assert!(shown.contains(OAUTH_APP_ID));
    assert!(!shown.contains(OAUTH_APP_SECRET), "{shown}");
    let client = WeChatOAuth::new(config).unwrap();
    let shown = format!("{client:?}");
    assert!(shown.contains(OAUTH_APP_ID));
    assert!(!shown.contains(OAUTH_APP_SECRET), "{shown}");
}

#[test]
fn bad_configs_are_refused() {
    for config in [
        WeChatOAuthConfig::new("", OAUTH_APP_SECRET),
        WeChatOAuthConfig::new(OAUTH_APP_ID, ""),
        WeChatOAuthConfig {
            api_base: "api.weixin.qq.com".into(),
            ..WeChatOAuthConfig::new(OAUTH_APP_ID, OAUTH_APP_SECRET)
        },
        WeChatOAuthConfig {
            authorize_base: "javascript:alert(1)".into(),
            ..WeChatOAuthConfig::new(OAUTH_APP_ID, OAUTH_APP_SECRET)
        },
    ] {
        assert!(matches!(
            WeChatOAuth::new(config),
            Err(PaymentError::InvalidRequest(_))
        ));
    }
}
