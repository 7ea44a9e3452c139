//! Accounts over real HTTP: registration with a confirmation code, sign-in with password and
//! TOTP, brute-force throttling, password reset ending other sessions, one user never reaching
//! another's sessions, open redirects refused, and answers that do not reveal who has an account.

use serde_json::{Value, json};
use wayfare_domain::account::totp;
use wayfare_testkit::{TestApp, code_in, extract_csrf, new_client, spawn_app};

pub(crate) async fn post_json(
    app: &TestApp,
    client: &reqwest::Client,
    path: &str,
    body: Value,
) -> (u16, Value, reqwest::header::HeaderMap) {
    let res = client
        .post(app.url(path))
        .header("accept-language", "en")
        .json(&body)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let headers = res.headers().clone();
    let body = res.json().await.unwrap_or(Value::Null);
    (status, body, headers)
}

const PASSWORD: &str = "lantern-harbour-93";

/// Registers and confirms `email` on `client`, which ends up signed in.
async fn register(app: &TestApp, client: &reqwest::Client, email: &str) {
    let (status, body, _) = post_json(
        app,
        client,
        "/api/v1/auth/register",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 202, "{body}");
    let code = code_in(&app.last_message(email));
    let (status, body, headers) = post_json(
        app,
        client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "signed_in");
    let cookie = headers["set-cookie"].to_str().unwrap();
    assert!(cookie.starts_with("wf_session="), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("SameSite=Lax"),
        "{cookie}"
    );
}

#[tokio::test]
async fn register_confirm_sign_out_and_sign_in_again() {
    let app = spawn_app().await;
    let client = new_client();
    let email = "li.wei@example.com";
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/register",
        json!({"identifier": email, "password": "password1234"}),
    )
    .await;
    assert_eq!(status, 422, "a common password is refused: {body}");
    assert_eq!(body["error"]["details"]["field"], "password");
    let (status, _, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/register",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 202);
    let message = app.last_message(email);
    let code = code_in(&message);
    // The recorded history never holds the live code.
    let history = app.state.store().notifications_to(email, 10).await.unwrap();
    assert!(!history.is_empty());
    assert!(
        history.iter().all(|n| !n.body.contains(&code)),
        "code leaked into history"
    );
    // Not confirmed yet: the password alone does not sign in.
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 403, "{body}");
    assert_eq!(body["error"]["code"], "account_not_verified");
    let code = code_in(&app.last_message(email));
    let wrong = if code == "000000" { "111111" } else { "000000" };
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": wrong}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "code_invalid");
    assert_eq!(body["error"]["details"]["attempts_left"], 4);
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["email"], email);
    assert_eq!(body["user"]["email_verified"], true);
    // A code works once.
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/verify",
        json!({"identifier": email, "code": code}),
    )
    .await;
    assert_eq!(status, 422);
    assert_eq!(body["error"]["code"], "code_expired");

    let me: Value = client
        .get(app.url("/api/v1/me"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(me["email"], email);
    assert_eq!(me["roles"], json!(["customer"]));
    let res = client
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    let res = client
        .get(app.url("/api/v1/me"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "unauthenticated");
    assert_eq!(body["error"]["message"], "请先登录。");

    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/login",
        json!({"identifier": "LI.WEI@example.com ", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "signed_in");
    // Registering a taken address answers exactly as for a new one, and tells the owner.
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/register",
        json!({"identifier": email, "password": "another-long-passphrase"}),
    )
    .await;
    assert_eq!(
        (status, body["status"].as_str()),
        (202, Some("verification_sent"))
    );
    assert!(app.last_message(email).contains("already has one"));
    app.stop().await;
}

#[tokio::test]
async fn totp_second_factor_with_replay_and_recovery_codes() {
    let app = spawn_app().await;
    let client = new_client();
    let email = "zhang.min@example.com";
    register(&app, &client, email).await;
    // Enrol through the security pages, as a browser would.
    let html = client
        .get(app.url("/account/security/totp"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html).unwrap();
    let field = |name: &str| {
        let at = html.find(&format!("name=\"{name}\" value=\"")).unwrap() + name.len() + 15;
        html[at..at + html[at..].find('"').unwrap()].to_owned()
    };
    let enrolment = field("enrolment");
    let secret_b32 = {
        let at = html.find("data-totp-secret>").unwrap() + 17;
        html[at..at + html[at..].find('<').unwrap()].to_owned()
    };
    let secret = totp::TotpSecret::from_base32(&secret_b32).unwrap();
    let now = || chrono::Utc::now().timestamp() as u64;
    let res = client
        .post(app.url("/account/security/totp"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("enrolment", enrolment.as_str()),
            ("password", PASSWORD),
            ("code", totp::code_at(&secret, now()).as_str()),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    let recovery: Vec<String> = page
        .match_indices("<li><code>")
        .map(|(i, _)| page[i + 10..i + 10 + 11].to_owned())
        .collect();
    assert_eq!(recovery.len(), 10, "recovery codes shown once");

    client
        .post(app.url("/api/v1/auth/logout"))
        .send()
        .await
        .unwrap();
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "second_factor_required", "{body}");
    assert_eq!(body["method"], "totp");
    let challenge = body["challenge"].as_str().unwrap().to_owned();
    // No session before the second factor.
    let res = client.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 401);
    // The code used to enrol is a replay now; the next step's code is fresh.
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": totp::code_at(&secret, now())}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let next = totp::code_at(&secret, now() + 30);
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": next}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["user"]["second_factor"], "totp");
    // The challenge is single-use.
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": next}),
    )
    .await;
    assert_eq!(status, 401);

    // A recovery code works once.
    let other = new_client();
    let (_, body, _) = post_json(
        &app,
        &other,
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    let challenge = body["challenge"].as_str().unwrap().to_owned();
    let (status, body, _) = post_json(
        &app,
        &other,
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": recovery[0].to_uppercase()}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let (_, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    let challenge = body["challenge"].as_str().unwrap().to_owned();
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": recovery[0]}),
    )
    .await;
    assert_eq!(status, 422, "a used recovery code fails");
    app.stop().await;
}

#[tokio::test]
async fn brute_force_is_slowed_then_locked() {
    let app = spawn_app().await;
    let client = new_client();
    let email = "wang.fang@example.com";
    register(&app, &client, email).await;
    let mut statuses = Vec::new();
    let mut retry_after = None;
    for _ in 0..6 {
        let (status, body, headers) = post_json(
            &app,
            &new_client(),
            "/api/v1/auth/login",
            json!({"identifier": email, "password": "wrong-password-000"}),
        )
        .await;
        if status == 429 {
            assert_eq!(body["error"]["code"], "too_many_attempts");
            retry_after = headers
                .get("retry-after")
                .map(|v| v.to_str().unwrap().to_owned());
        }
        statuses.push(status);
    }
    assert_eq!(&statuses[..3], &[401, 401, 401], "{statuses:?}");
    assert!(statuses[3..].contains(&429), "{statuses:?}");
    let secs: u64 = retry_after.expect("Retry-After").parse().unwrap();
    assert!((1..=60).contains(&secs));
    // While throttled even the right password waits: guessing gains nothing.
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 429);
    // Unknown accounts are throttled the same way (no way to tell them apart).
    let mut unknown = Vec::new();
    for _ in 0..5 {
        let (status, _, _) = post_json(
            &app,
            &new_client(),
            "/api/v1/auth/login",
            json!({"identifier": "nobody@example.com", "password": "wrong-password-000"}),
        )
        .await;
        unknown.push(status);
    }
    assert_eq!(&unknown[..3], &[401, 401, 401]);
    assert!(unknown[3..].contains(&429), "{unknown:?}");
    let audit = app
        .state
        .store()
        .search_audit(&wayfare_store::audit::AuditQuery {
            action: Some("sign_in_failed".into()),
            limit: 50,
            ..Default::default()
        })
        .await
        .unwrap();
    assert!(audit.0.len() >= 6, "failed sign-ins are audited");
    app.stop().await;
}

#[tokio::test]
async fn password_reset_by_email_link_ends_other_sessions() {
    let app = spawn_app().await;
    let laptop = new_client();
    let email = "chen.jie@example.com";
    register(&app, &laptop, email).await;
    let phone = new_client();
    let (status, _, _) = post_json(
        &app,
        &phone,
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    let sessions: Value = phone
        .get(app.url("/api/v1/me/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    assert_eq!(sessions.as_array().unwrap().len(), 2);

    // Unknown addresses get the same answer, and nothing is sent.
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset",
        json!({"identifier": "stranger@example.com"}),
    )
    .await;
    assert_eq!((status, body["status"].as_str()), (202, Some("reset_sent")));
    assert_eq!(app.last_message("stranger@example.com"), "");

    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset",
        json!({"identifier": email}),
    )
    .await;
    assert_eq!(status, 202);
    let mail = app.last_message(email);
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/password/reset/"))
        .expect("a link")
        .to_owned();
    let token = link.rsplit('/').next().unwrap().to_owned();
    let path = format!("/password/reset/{token}");
    let res = new_client().get(app.url(&path)).send().await.unwrap();
    assert_eq!(res.status(), 200);
    assert_eq!(res.headers()["referrer-policy"], "no-referrer");
    let (status, body, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "new_password": "short"}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "new_password": "fresh-mountain-path-7"}),
    )
    .await;
    assert_eq!(status, 204);
    // The link works once.
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/password-reset/confirm",
        json!({"token": token, "new_password": "another-mountain-path-8"}),
    )
    .await;
    assert_eq!(status, 401);
    for c in [&laptop, &phone] {
        let res = c.get(app.url("/api/v1/me")).send().await.unwrap();
        assert_eq!(res.status(), 401, "every session ended");
    }
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/login",
        json!({"identifier": email, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 401, "the old password is gone");
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/login",
        json!({"identifier": email, "password": "fresh-mountain-path-7"}),
    )
    .await;
    assert_eq!(status, 200);
    app.stop().await;
}

#[tokio::test]
async fn users_cannot_reach_each_others_sessions_and_redirects_stay_home() {
    let app = spawn_app().await;
    let alice = new_client();
    let bob = new_client();
    register(&app, &alice, "alice@example.com").await;
    register(&app, &bob, "bob@example.com").await;
    let bobs: Value = bob
        .get(app.url("/api/v1/me/sessions"))
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap();
    let bob_session = bobs[0]["id"].as_str().unwrap().to_owned();
    let res = alice
        .delete(app.url(&format!("/api/v1/me/sessions/{bob_session}")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);
    let res = bob.get(app.url("/api/v1/me")).send().await.unwrap();
    assert_eq!(res.status(), 200, "Bob is still signed in");
    // The page form refuses the same, and a form post without the CSRF token is refused.
    let res = alice
        .post(app.url(&format!("/account/sessions/{bob_session}/revoke")))
        .form(&[("x", "1")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);

    // Sign-in never redirects off-site.
    let login_page = new_client();
    let html = login_page
        .get(app.url("/login"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html).unwrap();
    for next in [
        "//evil.example/x",
        "https://evil.example",
        "/\t/evil.example",
    ] {
        let res = login_page
            .post(app.url("/login"))
            .form(&[
                ("csrf_token", csrf.as_str()),
                ("identifier", "alice@example.com"),
                ("password", PASSWORD),
                ("next", next),
            ])
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 303);
        assert_eq!(res.headers()["location"], "/account", "next={next:?}");
    }
    let res = login_page
        .post(app.url("/login"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("identifier", "alice@example.com"),
            ("password", PASSWORD),
            ("next", "/hotels?city=shanghai"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.headers()["location"], "/hotels?city=shanghai");
    // Pages that need an account send visitors to sign in and back.
    let res = new_client()
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    assert_eq!(
        res.headers()["location"],
        "/login?next=%2Faccount%2Fsecurity"
    );
    app.stop().await;
}

#[tokio::test]
async fn api_tokens_authenticate_and_are_revocable() {
    let app = spawn_app().await;
    let client = new_client();
    register(&app, &client, "script@example.com").await;
    let html = client
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&html).unwrap();
    let page = client
        .post(app.url("/account/tokens"))
        .form(&[("csrf_token", csrf.as_str()), ("name", "price watcher")])
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let at = page.find("wfp_").expect("token shown once");
    let token: String = page[at..]
        .chars()
        .take_while(|c| c.is_ascii_alphanumeric() || *c == '_' || *c == '-')
        .collect();
    let bare = reqwest::Client::new();
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth("wfp_not-a-real-token")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401);
    let id = app
        .state
        .store()
        .api_tokens_of(
            &app.state
                .store()
                .user_by_email("script@example.com")
                .await
                .unwrap()
                .unwrap()
                .id,
        )
        .await
        .unwrap()[0]
        .id
        .clone();
    let res = client
        .post(app.url(&format!("/account/tokens/{id}/revoke")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = bare
        .get(app.url("/api/v1/me"))
        .bearer_auth(&token)
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 401, "a revoked token stops working");
    app.stop().await;
}

#[tokio::test]
async fn the_accounts_language_and_currency_apply_unless_the_switcher_chose_others() {
    let app = spawn_app().await;
    let client = new_client();
    register(&app, &client, "mei@example.com").await;
    let res = client
        .put(app.url("/api/v1/me/preferences"))
        .json(&json!({"language": "en", "currency": "USD"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200, "{}", res.text().await.unwrap());
    // No cookie, a browser asking for Chinese: the account's choice wins.
    let page = client
        .get(app.url("/"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"en\""), "account language");
    assert!(page.contains("USD"), "account currency");
    // The switcher's cookie still wins over the account.
    let page = client
        .get(app.url("/"))
        .header("cookie", "wf_lang=zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"zh-CN\""));
    // Signed out, the same browser gets the default again.
    let anon = new_client();
    let page = anon
        .get(app.url("/"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("<html lang=\"zh-CN\""));
    app.stop().await;
}

#[tokio::test]
async fn a_phone_account_with_sms_two_step_and_passwordless_codes() {
    let app = spawn_app().await;
    let client = new_client();
    // A +86 number that is not a mainland mobile is refused, naming the field.
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/register",
        json!({"identifier": "+86 010 1234 5678", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 422, "{body}");
    assert_eq!(body["error"]["details"]["field"], "identifier");
    // A bare 11-digit mobile is a mainland number in E.164.
    let phone = "+8613812345678";
    let (status, _, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/register",
        json!({"identifier": "138 1234 5678", "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 202);
    let code = code_in(&app.last_message(phone));
    let (status, body, _) = post_json(
        &app,
        &client,
        "/api/v1/auth/verify",
        json!({"identifier": phone, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    // The same code again is used up.
    let (status, _, _) = post_json(
        &app,
        &new_client(),
        "/api/v1/auth/verify",
        json!({"identifier": phone, "code": code}),
    )
    .await;
    assert!(status == 422 || status == 401, "{status}");

    // SMS two-step: turning it on needs the password.
    let page = client
        .get(app.url("/account/security"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let csrf = extract_csrf(&page).unwrap();
    let res = client
        .post(app.url("/account/security/2fa/code"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("method", "sms"),
            ("password", "not-my-password-1"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    let res = client
        .post(app.url("/account/security/2fa/code"))
        .form(&[
            ("csrf_token", csrf.as_str()),
            ("method", "sms"),
            ("password", PASSWORD),
        ])
        .send()
        .await
        .unwrap();
    // The page shows the recovery codes, once.
    assert_eq!(res.status(), 200);
    let page = res.text().await.unwrap();
    assert!(page.contains("recovery-list"), "recovery codes shown");
    let (_, me, _) = (
        0,
        client
            .get(app.url("/api/v1/me"))
            .send()
            .await
            .unwrap()
            .json::<Value>()
            .await
            .unwrap(),
        0,
    );
    assert_eq!(me["second_factor"], "sms");

    // Sign in elsewhere: password, then the code sent by SMS.
    let phone_b = new_client();
    let (status, body, _) = post_json(
        &app,
        &phone_b,
        "/api/v1/auth/login",
        json!({"identifier": phone, "password": PASSWORD}),
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(body["status"], "second_factor_required", "{body}");
    assert_eq!(body["method"], "sms");
    let challenge = body["challenge"].as_str().unwrap().to_owned();
    let sms = app.last_message(phone);
    let code = code_in(&sms);
    let (status, _, _) = post_json(
        &app,
        &phone_b,
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": "000000"}),
    )
    .await;
    assert_eq!(status, 422, "a wrong code");
    let (status, body, _) = post_json(
        &app,
        &phone_b,
        "/api/v1/auth/2fa",
        json!({"challenge": challenge, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "signed_in");

    // Passwordless: a one-time sign-in code by SMS, then still the second factor.
    let phone_c = new_client();
    let (status, _, _) = post_json(
        &app,
        &phone_c,
        "/api/v1/auth/code",
        json!({"identifier": phone}),
    )
    .await;
    assert_eq!(status, 202);
    let code = code_in(&app.last_message(phone));
    let (status, body, _) = post_json(
        &app,
        &phone_c,
        "/api/v1/auth/login",
        json!({"identifier": phone, "code": code}),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["status"], "second_factor_required");
    app.stop().await;
}
