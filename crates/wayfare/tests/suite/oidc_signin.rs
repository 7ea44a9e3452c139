//! Signing in with an OpenID provider through the app's pages, against the local fake provider
//! (which checks PKCE, the client's credentials and the redirect URI as a real one does): a new
//! person registers, comes back to the same account, a callback from another browser or a
//! replayed one is refused, an existing e-mail is never merged silently but can be linked by its
//! owner, and the only way into an account cannot be unlinked. In Chromium the button on the
//! sign-in page takes a phone user through the provider and back, signed in.

use fantoccini::Locator;
use reqwest::header::{LOCATION, SET_COOKIE};
use serde_json::Value;
use url::Url;
use wayfare_testkit::fake_oidc::{FakeOidcConfig, FakeOidcProvider};
use wayfare_testkit::{Browser, TestApp, code_in, extract_csrf, new_client, spawn_app_with};

async fn app_with_provider() -> (TestApp, FakeOidcProvider) {
    let fake = FakeOidcProvider::start(FakeOidcConfig::default()).await;
    let provider = fake.provider_config("fake");
    let app = spawn_app_with(|c| {
        c.accounts.oidc = vec![wayfare::config::OidcSettings {
            id: provider.id.clone(),
            display_name: "Fake ID".into(),
            issuer: provider.issuer.clone(),
            client_id: provider.client_id.clone(),
            client_secret: wayfare::config::Secret::new(provider.client_secret.clone()),
            scopes: provider.scopes.clone(),
        }];
    })
    .await;
    fake.register_redirect_uri(&app.url("/auth/oidc/fake/callback"));
    (app, fake)
}

fn location(res: &reqwest::Response) -> String {
    res.headers()
        .get(LOCATION)
        .and_then(|v| v.to_str().ok())
        .unwrap_or_default()
        .to_owned()
}

/// Starts a sign-in at the app and lets the fake provider answer as `subject`; returns the
/// callback path and query the provider sent the browser back to.
async fn through_provider(
    app: &TestApp,
    fake: &FakeOidcProvider,
    client: &reqwest::Client,
    subject: &str,
) -> String {
    let res = client
        .get(app.url("/auth/oidc/fake/start?next=/hotels"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let cookies: Vec<_> = res.headers().get_all(SET_COOKIE).iter().collect();
    assert!(
        cookies
            .iter()
            .any(|c| c.to_str().unwrap().starts_with("wf_oidc=")
                && c.to_str().unwrap().contains("HttpOnly")),
        "{cookies:?}"
    );
    follow(fake, &location(&res), subject).await
}

async fn follow(fake: &FakeOidcProvider, authorize: &str, subject: &str) -> String {
    let url = Url::parse(authorize).unwrap();
    assert!(url.as_str().starts_with(fake.issuer()), "{url}");
    let q: Vec<(String, String)> = url.query_pairs().into_owned().collect();
    let get = |k: &str| q.iter().find(|(n, _)| n == k).map(|(_, v)| v.clone());
    assert_eq!(get("code_challenge_method").as_deref(), Some("S256"));
    assert!(get("nonce").is_some_and(|n| n.len() >= 43));
    fake.login_as(subject);
    let cb = fake.follow_authorization(&url).await;
    format!(
        "/auth/oidc/fake/callback?code={}&state={}",
        cb.code.expect("a code"),
        cb.state.expect("the state back")
    )
}

async fn me(app: &TestApp, client: &reqwest::Client) -> (u16, Value) {
    let res = client.get(app.url("/api/v1/me")).send().await.unwrap();
    let status = res.status().as_u16();
    (status, res.json().await.unwrap_or(Value::Null))
}

#[tokio::test]
async fn a_new_person_registers_with_the_provider_and_comes_back_to_the_same_account() {
    let (app, fake) = app_with_provider().await;
    let client = new_client();
    let login = client
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(
        login.contains("/auth/oidc/fake/start"),
        "the button is offered"
    );

    let callback = through_provider(&app, &fake, &client, "fake-user-alice").await;
    let res = client.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(res.status(), 303, "{}", res.text().await.unwrap());
    assert_eq!(location(&res), "/account?done=welcome");
    let (status, body) = me(&app, &client).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["email"], "alice@example.com");
    assert_eq!(body["email_verified"], true, "{body}");

    // The same callback again is refused and signs nobody in.
    let other = new_client();
    let res = other.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(res.status(), 401);
    assert_eq!(me(&app, &other).await.0, 401);

    // Signing out and in again reaches the same account, not a second one.
    let user_id = body["id"].as_str().unwrap().to_owned();
    let csrf = extract_csrf(
        &client
            .get(app.url("/account"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let res = client
        .post(app.url("/logout"))
        .form(&[("csrf_token", csrf.unwrap().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(me(&app, &client).await.0, 401);
    let callback = through_provider(&app, &fake, &client, "fake-user-alice").await;
    let res = client.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(location(&res), "/hotels", "back where the sign-in began");
    assert_eq!(me(&app, &client).await.1["id"], user_id.as_str());
    let identities = app.state.store().identities_of(&user_id).await.unwrap();
    assert_eq!(identities.len(), 1);

    // The account's only way in cannot be removed.
    let page = client
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("Fake ID"), "linked provider listed");
    let res = client
        .post(app.url(&format!("/account/identities/{}/unlink", identities[0].id)))
        .form(&[("csrf_token", extract_csrf(&page).unwrap().as_str())])
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(
        res.text().await.unwrap().contains("only way to sign in"),
        "a clear reason"
    );
    app.stop().await;
}

#[tokio::test]
async fn a_callback_not_started_in_this_browser_is_refused() {
    let (app, fake) = app_with_provider().await;
    let victim = new_client();
    let attacker = new_client();
    // The attacker starts a flow, signs in at the provider as themselves, and sends the victim
    // the callback link: the victim's browser lacks the state cookie.
    let callback = through_provider(&app, &fake, &attacker, "fake-user-alice").await;
    let res = victim
        .get(app.url(&callback))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body = res.text().await.unwrap();
    assert!(body.contains("登录"), "the sign-in page, in Chinese");
    assert_eq!(me(&app, &victim).await.0, 401);
    // A made-up state from a browser that has a cookie for another flow is refused too.
    let res = attacker
        .get(app.url("/auth/oidc/fake/callback?code=x&state=forged"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    // An unknown provider is a 404, and the provider cancelling is a clear error, not a 500.
    let res = attacker
        .get(app.url("/auth/oidc/nope/start"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let start = attacker
        .get(app.url("/auth/oidc/fake/start"))
        .send()
        .await
        .unwrap();
    let state = Url::parse(&location(&start))
        .unwrap()
        .query_pairs()
        .find(|(k, _)| k == "state")
        .map(|(_, v)| v.into_owned())
        .unwrap();
    let res = attacker
        .get(app.url(&format!(
            "/auth/oidc/fake/callback?error=access_denied&state={state}"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 502);
    app.stop().await;
}

#[tokio::test]
async fn an_existing_email_is_not_merged_but_its_owner_can_link_the_provider() {
    let (app, fake) = app_with_provider().await;
    // Li Lei has a password account with the address the provider also vouches for.
    let li = new_client();
    let res = li
        .post(app.url("/api/v1/auth/register"))
        .json(&serde_json::json!({"identifier": "li.lei@example.cn", "password": "jade-mountain-2026"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let code = code_in(&app.last_message("li.lei@example.cn"));
    let res = li
        .post(app.url("/api/v1/auth/verify"))
        .json(&serde_json::json!({"identifier": "li.lei@example.cn", "code": code}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);

    // Someone signing in at the provider with that address does not get into Li's account.
    let stranger = new_client();
    let callback = through_provider(&app, &fake, &stranger, "fake-user-li").await;
    let res = stranger.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(res.status(), 409);
    assert_eq!(me(&app, &stranger).await.0, 401);

    // Li, signed in, links the provider from the security page (a CSRF-protected form).
    let page = li
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = li
        .post(app.url("/account/identities/link"))
        .form(&[
            ("csrf_token", extract_csrf(&page).unwrap().as_str()),
            ("provider", "fake"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let callback = follow(&fake, &location(&res), "fake-user-li").await;
    let res = li.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(location(&res), "/account/security?done=identity-linked");
    let li_id = me(&app, &li).await.1["id"].as_str().unwrap().to_owned();
    assert_eq!(
        app.state.store().identities_of(&li_id).await.unwrap().len(),
        1
    );

    // From now on the provider signs Li in.
    let phone = new_client();
    let callback = through_provider(&app, &fake, &phone, "fake-user-li").await;
    let res = phone.get(app.url(&callback)).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(me(&app, &phone).await.1["id"], li_id.as_str());

    // Li has a password, so the provider can be unlinked again.
    let identity = &app.state.store().identities_of(&li_id).await.unwrap()[0];
    let page = li
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let res = li
        .post(app.url(&format!("/account/identities/{}/unlink", identity.id)))
        .form(&[("csrf_token", extract_csrf(&page).unwrap().as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(location(&res), "/account/security?done=identity-unlinked");
    assert!(
        app.state
            .store()
            .identities_of(&li_id)
            .await
            .unwrap()
            .is_empty()
    );
    app.stop().await;
}

#[tokio::test]
async fn the_provider_button_signs_a_phone_user_in() {
    let (app, _fake) = app_with_provider().await;
    let Some(browser) = Browser::start(375, 812, "en").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/login")).await.unwrap();
    c.find(Locator::Css("a[href^='/auth/oidc/fake/start']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    for _ in 0..100 {
        if c.current_url().await.unwrap().path() == "/account" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    let url = c.current_url().await.unwrap();
    assert_eq!(url.path(), "/account", "{url}");
    let text = c
        .find(Locator::Css("main"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(text.contains("alice@example.com"), "{text}");
    assert!(text.contains("Welcome"), "{text}");
    browser.close().await;
    app.stop().await;
}
