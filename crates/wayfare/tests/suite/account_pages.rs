//! The account pages in headless Chromium on a phone-sized window: register by e-mail, confirm
//! the code, turn on an authenticator app, sign out, sign in with password and TOTP, then reset
//! the password from the e-mailed link and find the old session ended.

use fantoccini::Locator;
use wayfare_domain::account::totp;
use wayfare_testkit::browser::{body_text, click, fill, path, wait_for_path};
use wayfare_testkit::{Browser, code_in, spawn_app};

#[tokio::test]
async fn register_enable_totp_sign_in_and_reset_on_a_phone() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    let email = "xiao.hong@example.com";
    let password = "plum-blossom-river-42";

    c.goto(&app.url("/register")).await.unwrap();
    assert!(body_text(c).await.contains("创建账户"));
    fill(c, "#reg-identifier", email).await;
    fill(c, "#reg-password", "123456789").await;
    click(c, "form[action='/register'] button[type=submit]").await;
    // A weak password comes back with the reason, in Chinese, the address kept.
    let text = body_text(c).await;
    assert!(text.contains("至少需要 10 个字符"), "{text}");
    let kept = c
        .find(Locator::Css("#reg-identifier"))
        .await
        .unwrap()
        .prop("value")
        .await
        .unwrap();
    assert_eq!(kept.as_deref(), Some(email));
    fill(c, "#reg-password", password).await;
    click(c, "form[action='/register'] button[type=submit]").await;
    wait_for_path(c, "/verify").await;
    let code = code_in(&app.last_message(email));
    fill(c, "#code-input", &code).await;
    click(c, "form[action='/verify'] button.btn-primary").await;
    wait_for_path(c, "/account").await;
    assert!(body_text(c).await.contains(email));
    // Nothing is wider than the phone.
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        serde_json::Value::Bool(true),
        "account page scrolls sideways"
    );

    // Turn on an authenticator app.
    c.goto(&app.url("/account/security/totp")).await.unwrap();
    let secret = c
        .find(Locator::Css("[data-totp-secret]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = totp::TotpSecret::from_base32(secret.trim()).unwrap();
    let qr = c
        .find(Locator::Css(".qr img"))
        .await
        .unwrap()
        .attr("src")
        .await
        .unwrap()
        .unwrap();
    assert!(qr.starts_with("data:image/svg+xml;base64,"));
    let now = || chrono::Utc::now().timestamp() as u64;
    fill(c, "#totp-code", &totp::code_at(&secret, now())).await;
    fill(c, "#totp-password", password).await;
    click(c, "form[action='/account/security/totp'] button").await;
    // The answer page (same path prefix as the form's) shows the recovery codes once.
    c.wait()
        .for_element(Locator::Css(".recovery-list code"))
        .await
        .unwrap();
    let codes = c
        .find_all(Locator::Css(".recovery-list code"))
        .await
        .unwrap();
    assert_eq!(codes.len(), 10);
    assert!(body_text(c).await.contains("已开启：身份验证器应用"));

    // Sign out, then in with password and the next TOTP code.
    click(c, ".account-links form button").await;
    // Every path starts with "/": wait for the home page itself.
    for _ in 0..100 {
        if path(c).await == "/" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    }
    assert_eq!(path(c).await, "/", "signed out to the home page");
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#login-identifier", email).await;
    fill(c, "#login-password", password).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for_path(c, "/login/2fa").await;
    fill(c, "#tfa-code", &totp::code_at(&secret, now() + 30)).await;
    click(c, "form[action='/login/2fa'] button.btn-primary").await;
    wait_for_path(c, "/account").await;
    c.goto(&app.url("/account/security")).await.unwrap();
    let sessions = c
        .find_all(Locator::Css("#sessions tbody tr"))
        .await
        .unwrap();
    assert_eq!(sessions.len(), 1, "the signed-out session is gone");

    // On another device the password is reset from the e-mailed link: this session ends.
    let other = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .unwrap();
    let res = other
        .post(app.url("/api/v1/auth/password-reset"))
        .json(&serde_json::json!({"identifier": email}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let mail = app.last_message(email);
    let link = mail
        .split_whitespace()
        .find(|w| w.contains("/password/reset/"))
        .unwrap()
        .to_owned();
    let token = link.rsplit('/').next().unwrap();
    let res = other
        .post(app.url("/api/v1/auth/password-reset/confirm"))
        .json(&serde_json::json!({"token": token, "new_password": "new-lantern-festival-9"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 204);
    c.goto(&app.url("/account")).await.unwrap();
    wait_for_path(c, "/login?next=").await;
    // The reset link's page, opened again, says it is used up.
    c.goto(&app.url(&format!("/password/reset/{token}")))
        .await
        .unwrap();
    assert!(body_text(c).await.contains("该链接已过期或已使用"));
    // And the new password signs in.
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#login-identifier", email).await;
    fill(c, "#login-password", "new-lantern-festival-9").await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for_path(c, "/login/2fa").await;
    browser.close().await;
    app.stop().await;
}
