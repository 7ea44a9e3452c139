//! The admin pages for message templates over real HTTP: the list of every event × channel ×
//! language in English and Chinese; the editor with the event's variables and a preview that
//! works without JavaScript; a saved edit becomes a new version (audited) that the next
//! registration code uses; a template with an unknown variable or a syntax error is refused
//! with its problems named and the text kept; a save over someone else's is explained; only
//! admins get in. One headless Chromium test types into the body and watches the live preview.

use std::time::Duration;

use fantoccini::Locator;
use reqwest::Client;
use serde_json::{Value, json};
use wayfare_testkit::browser::{body_text, click, fill, wait_for_path};
use wayfare_testkit::{Browser, TEST_PASSWORD, TestApp, extract_csrf, new_client, spawn_app};

const ADMIN: &str = "root@example.com";

/// A new account made admin, signed in.
async fn admin(app: &TestApp) -> Client {
    crate::flight_changes::with_role(app, ADMIN, "admin")
        .await
        .0
}

/// GETs a page in `lang`: status and HTML.
async fn page(app: &TestApp, client: &Client, path: &str, lang: &str) -> (u16, String) {
    let res = client
        .get(app.url(path))
        .header("accept-language", lang)
        .send()
        .await
        .unwrap();
    (res.status().as_u16(), res.text().await.unwrap())
}

/// Posts the editor's form in `lang`: status, `Location` and HTML.
async fn post_form(
    app: &TestApp,
    client: &Client,
    path: &str,
    lang: &str,
    fields: &[(&str, &str)],
) -> (u16, String, String) {
    let csrf = extract_csrf(&page(app, client, "/", lang).await.1).unwrap();
    let mut form: Vec<(&str, &str)> = vec![("csrf_token", &csrf)];
    form.extend_from_slice(fields);
    let res = client
        .post(app.url(path))
        .header("accept-language", lang)
        .form(&form)
        .send()
        .await
        .unwrap();
    let status = res.status().as_u16();
    let location = res
        .headers()
        .get("location")
        .map(|v| v.to_str().unwrap().to_owned())
        .unwrap_or_default();
    (status, location, res.text().await.unwrap())
}

/// The template in use, from the JSON API.
async fn api_template(app: &TestApp, client: &Client, key: &str) -> Value {
    let (status, body) =
        crate::orders::get(app, client, &format!("/api/v1/admin/templates/{key}"), None).await;
    assert_eq!(status, 200, "{body}");
    body
}

/// The textarea's text as the page holds it (HTML-escaped).
fn textarea(html: &str) -> &str {
    let start = html.find("id=\"tpl-body\"").expect("the body field");
    let open = start + html[start..].find('>').unwrap() + 1;
    let close = open + html[open..].find("</textarea>").unwrap();
    html[open..close].trim_start_matches('\n')
}

#[tokio::test]
async fn the_list_shows_every_template_in_english_and_chinese() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let events = wayfare_notify::templates::events();

    let (status, en) = page(&app, &admin, "/admin/templates", "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("<h1>Message templates</h1>"), "{en}");
    assert_eq!(en.matches("<tr data-template=").count(), events.len() * 4);
    for key in [
        "verify_code/email/en",
        "verify_code/sms/zh-CN",
        "flight_changed_agent/sms/en",
    ] {
        assert!(en.contains(&format!("data-template=\"{key}\" data-version=\"0\"")));
        assert!(
            en.contains(&format!("href=\"/admin/templates/{key}\"")),
            "{key}"
        );
    }
    assert!(en.contains("Registration code") && en.contains("Shipped default"));

    let (status, zh) = page(&app, &admin, "/admin/templates", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(zh.contains("<h1>消息模板</h1>"));
    assert!(zh.contains("注册验证码") && zh.contains("航班变动") && zh.contains("系统默认"));
    assert!(!zh.contains("admin-templates-"), "an untranslated key");

    // The filters narrow it down.
    let (_, sms) = page(
        &app,
        &admin,
        "/admin/templates?event=verify_code&channel=sms&locale=",
        "en",
    )
    .await;
    assert_eq!(sms.matches("<tr data-template=").count(), 2);
    assert!(sms.contains("data-template=\"verify_code/sms/en\""));
    assert!(sms.contains("data-template=\"verify_code/sms/zh-CN\""));

    // Every event's editor, in Chinese, names the event and each variable in Chinese.
    for spec in events {
        for channel in ["email", "sms"] {
            let path = format!("/admin/templates/{}/{channel}/zh-CN", spec.name);
            let (status, html) = page(&app, &admin, &path, "zh-CN").await;
            assert_eq!(status, 200, "{path}");
            assert!(
                !html.contains("admin-templates-"),
                "an untranslated key on {path}"
            );
            for v in spec.variables_for(if channel == "email" {
                wayfare_notify::Channel::Email
            } else {
                wayfare_notify::Channel::Sms
            }) {
                assert!(
                    html.contains(&format!("data-variable=\"{}\"", v.name)),
                    "{path}: {}",
                    v.name
                );
                assert!(
                    !html.contains(v.description),
                    "{path}: {} in English",
                    v.name
                );
            }
        }
    }
    let (status, _) = page(&app, &admin, "/admin/templates/no_such_event/sms/en", "en").await;
    assert_eq!(status, 404);
    let (status, _) = page(&app, &admin, "/admin/templates/verify_code/fax/en", "en").await;
    assert_eq!(status, 404);
    app.stop().await;
}

#[tokio::test]
async fn a_saved_edit_is_a_new_version_the_next_registration_code_uses() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let path = "/admin/templates/verify_code/email/zh-CN";

    // The editor: the event, its variables with sample values, the text in use and a preview.
    let (status, html) = page(&app, &admin, path, "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("注册验证码") && html.contains("确认新账户邮箱或手机号的验证码"));
    assert!(html.contains("data-variable=\"code\""), "{html}");
    assert!(html.contains("data-variable=\"minutes\""));
    assert!(html.contains("一次性验证码") && html.contains("428913"));
    assert!(
        html.contains("name=\"subject\"") && html.contains("name=\"base_version\" value=\"0\"")
    );
    assert!(textarea(&html).contains("{{ code }}"), "{html}");
    assert!(html.contains("data-preview-text>"), "{html}");
    assert!(
        html.contains("sandbox=\"\" srcdoc=\"&#60;!DOCTYPE html&#62;"),
        "the e-mail's HTML in the frame"
    );

    let body = "{{ brand }} 欢迎加入！验证码：{{ code }}（{{ minutes }} 分钟内有效）。\r\n如有问题请联系 {{ support_email }}。";
    let (status, location, _) = post_form(
        &app,
        &admin,
        path,
        "zh-CN",
        &[
            ("base_version", "0"),
            ("subject", "欢迎加入 {{ brand }}"),
            ("body", body),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 303);
    assert_eq!(location, format!("{path}?saved=1"));
    let (_, html) = page(&app, &admin, &location, "zh-CN").await;
    assert!(html.contains("已保存为版本 1"), "{html}");
    assert!(html.contains("name=\"base_version\" value=\"1\""));
    assert!(html.contains("data-history-version=\"1\""));
    assert!(html.contains(&format!("<td>{ADMIN}</td>")), "who saved it");

    // The API agrees (line ends as LF), and the list shows the version and who saved it.
    let t = api_template(&app, &admin, "verify_code/email/zh-CN").await;
    assert_eq!(t["version"], 1, "{t}");
    assert_eq!(t["subject"], "欢迎加入 {{ brand }}");
    assert_eq!(t["body"], body.replace("\r\n", "\n"));
    let (_, list) = page(&app, &admin, "/admin/templates?event=verify_code", "en").await;
    assert!(list.contains("data-template=\"verify_code/email/zh-CN\" data-version=\"1\""));
    assert!(list.contains(&format!("by {ADMIN}")), "{list}");
    // Audited like the API's save.
    let (_, audit) = page(&app, &admin, "/admin/audit?action=template.save", "en").await;
    assert!(audit.contains("verify_code/email/zh-CN"), "{audit}");

    // The next registration in Chinese gets the new text.
    let res = new_client()
        .post(app.url("/api/v1/auth/register"))
        .header("accept-language", "zh-CN")
        .json(&json!({"identifier": "new.user@example.com", "password": TEST_PASSWORD}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 202);
    let mail = app
        .wait_for_message("new.user@example.com", "欢迎加入！验证码：")
        .await;
    assert!(mail.contains("分钟内有效"), "{mail}");

    // An earlier version loads into the editor, to be saved again.
    let (_, html) = page(&app, &admin, &format!("{path}?version=0"), "zh-CN").await;
    assert!(html.contains("系统默认 已载入编辑器"), "{html}");
    assert!(!textarea(&html).contains("欢迎加入"));
    assert!(html.contains("name=\"base_version\" value=\"1\""));
    app.stop().await;
}

#[tokio::test]
async fn an_invalid_template_or_a_stale_editor_is_not_saved_and_the_text_is_kept() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let path = "/admin/templates/booking_confirmed/sms/en";

    // An unknown variable: 422, named in the admin's language, the text kept, nothing saved.
    let (status, _, html) = post_form(
        &app,
        &admin,
        path,
        "en",
        &[
            ("base_version", "0"),
            ("body", "Trip {{ reference }}: {{ nonsense }}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("This template cannot be saved"), "{html}");
    assert!(html.contains("data-kind=\"unknown_variable\""));
    assert!(
        html.contains("Text, line 1: unknown variable “nonsense”"),
        "{html}"
    );
    assert_eq!(textarea(&html), "Trip {{ reference }}: {{ nonsense }}");
    assert_eq!(
        api_template(&app, &admin, "booking_confirmed/sms/en").await["version"],
        0
    );

    // A syntax error, in Chinese.
    let (status, _, html) = post_form(
        &app,
        &admin,
        path,
        "zh-CN",
        &[
            ("base_version", "0"),
            ("body", "{% if %}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("data-kind=\"syntax\""), "{html}");
    assert!(html.contains("模板无法解析"), "{html}");
    assert_eq!(textarea(&html), "{% if %}");
    // An e-mail without a subject.
    let (status, _, html) = post_form(
        &app,
        &admin,
        "/admin/templates/booking_confirmed/email/en",
        "en",
        &[
            ("base_version", "0"),
            ("subject", " "),
            ("body", "Booked: {{ reference }}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(
        html.contains("Subject: an e-mail needs a subject."),
        "{html}"
    );
    let (_, list) = page(&app, &admin, "/admin/templates", "en").await;
    assert!(!list.contains("data-version=\"1\""), "nothing was saved");

    // Someone saves while this editor is open (it was opened at version 0): this save is
    // refused with the reason and the version now in use; the text stays.
    let csrf = extract_csrf(&page(&app, &admin, "/", "en").await.1).unwrap();
    let res = admin
        .post(app.url("/api/v1/admin/templates/booking_confirmed/sms/en"))
        .header("x-csrf-token", csrf)
        .json(&json!({"body": "[{{ brand }}] {{ reference }} is booked."}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let (status, _, html) = post_form(
        &app,
        &admin,
        path,
        "en",
        &[
            ("base_version", "0"),
            ("body", "Mine: {{ reference }}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 409);
    assert!(
        html.contains("Someone saved version 1 of this template while you were editing"),
        "{html}"
    );
    assert!(
        html.contains("[{{ brand }}] {{ reference }} is booked."),
        "the version in use"
    );
    assert_eq!(textarea(&html), "Mine: {{ reference }}");
    assert!(
        html.contains("name=\"base_version\" value=\"1\""),
        "saving again replaces it"
    );
    assert_eq!(
        api_template(&app, &admin, "booking_confirmed/sms/en").await["version"],
        1
    );
    // Saving again from that page is on top of version 1.
    let (status, location, _) = post_form(
        &app,
        &admin,
        path,
        "en",
        &[
            ("base_version", "1"),
            ("body", "Mine: {{ reference }}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(
        (status, location.as_str()),
        (303, "/admin/templates/booking_confirmed/sms/en?saved=2")
    );
    app.stop().await;
}

#[tokio::test]
async fn the_preview_button_renders_on_the_server_and_saves_nothing() {
    let app = spawn_app().await;
    let admin = admin(&app).await;
    let (status, _, html) = post_form(
        &app,
        &admin,
        "/admin/templates/booking_confirmed/sms/en",
        "en",
        &[
            ("base_version", "0"),
            ("body", "[{{ brand }}] Trip {{ reference }} is on."),
            ("action", "preview"),
        ],
    )
    .await;
    assert_eq!(status, 200);
    assert!(
        html.contains("data-preview-text>[Wayfare] Trip WF7Q2K9P is on.</pre>"),
        "{html}"
    );
    assert!(html.contains("data-preview-segments>1</dd>"));
    assert!(html.contains("GSM-7"));
    assert_eq!(textarea(&html), "[{{ brand }}] Trip {{ reference }} is on.");
    // Chinese text goes as UCS-2; a long one takes more parts.
    let long = "[{{ brand }}] 您的预订 {{ reference }} 已确认，祝您旅途愉快！请在出发前查看行程详情并携带有效证件。如需帮助，请随时联系我们的客服团队，我们全天候为您服务。";
    let (status, _, html) = post_form(
        &app,
        &admin,
        "/admin/templates/booking_confirmed/sms/zh-CN",
        "zh-CN",
        &[("base_version", "0"), ("body", long), ("action", "preview")],
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("data-preview-segments>2</dd>"), "{html}");
    assert!(html.contains("UCS-2"));
    // An e-mail: subject, text and the branded HTML in a sandboxed frame; the page lets the
    // frame's inline styles through and nothing else.
    let res = admin
        .post(app.url("/admin/templates/trip_reminder/email/en"))
        .header("accept-language", "en")
        .form(&[
            (
                "csrf_token",
                extract_csrf(&page(&app, &admin, "/", "en").await.1)
                    .unwrap()
                    .as_str(),
            ),
            ("base_version", "0"),
            ("subject", "Soon: {{ reference }}"),
            ("body", "Pack for {{ first_item }}."),
            ("action", "preview"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(csp.contains("script-src 'self';") && csp.contains("style-src-attr 'unsafe-inline'"));
    let html = res.text().await.unwrap();
    assert!(
        html.contains("data-preview-subject>Soon: WF7Q2K9P</p>"),
        "{html}"
    );
    assert!(html.contains("Pack for PEK → JFK, JFK → PEK (X7KQ2M)."));
    assert!(
        html.contains("<iframe class=\"tpl-frame\" sandbox=\"\" srcdoc=\"&#60;!DOCTYPE html&#62;")
    );
    // A preview with a problem is a 422 with the problem, like a save.
    let (status, _, html) = post_form(
        &app,
        &admin,
        "/admin/templates/booking_confirmed/sms/en",
        "en",
        &[
            ("base_version", "0"),
            ("body", "{{ nonsense }}"),
            ("action", "preview"),
        ],
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("unknown variable “nonsense”"));
    let (_, list) = page(&app, &admin, "/admin/templates", "en").await;
    assert!(
        !list.contains("data-version=\"1\""),
        "a preview saves nothing"
    );
    app.stop().await;
}

#[tokio::test]
async fn only_admins_reach_the_template_pages() {
    let app = spawn_app().await;
    let (customer, _) = app.signed_in("customer@example.com").await;
    for path in ["/admin/templates", "/admin/templates/verify_code/sms/en"] {
        let (status, html) = page(&app, &customer, path, "zh-CN").await;
        assert_eq!(status, 403, "{path}");
        assert!(!html.contains("data-template-form"));
        let res = new_client().get(app.url(path)).send().await.unwrap();
        assert_eq!(res.status(), 303, "{path}");
        assert!(
            res.headers()["location"]
                .to_str()
                .unwrap()
                .starts_with("/login?next=%2Fadmin%2Ftemplates")
        );
    }
    let (status, _, _) = post_form(
        &app,
        &customer,
        "/admin/templates/verify_code/sms/en",
        "en",
        &[
            ("base_version", "0"),
            ("body", "{{ code }}"),
            ("action", "save"),
        ],
    )
    .await;
    assert_eq!(status, 403);
    // A form without the CSRF token is refused even for an admin.
    let admin = admin(&app).await;
    let res = admin
        .post(app.url("/admin/templates/verify_code/sms/en"))
        .form(&[
            ("base_version", "0"),
            ("body", "{{ code }}"),
            ("action", "save"),
        ])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403);
    assert_eq!(
        api_template(&app, &admin, "verify_code/sms/en").await["version"],
        0
    );
    app.stop().await;
}

/// Runs `script` until it answers true, for up to 10 s.
async fn wait_until(c: &fantoccini::Client, script: &str) -> bool {
    for _ in 0..100 {
        if c.execute(script, vec![]).await.unwrap() == Value::Bool(true) {
            return true;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    false
}

#[tokio::test]
async fn typing_updates_the_live_preview_on_a_phone() {
    let app = spawn_app().await;
    let _ = admin(&app).await;
    let Some(browser) = Browser::start(375, 812, "en").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/login?next=%2Fadmin%2Ftemplates%2Fbooking_confirmed%2Fsms%2Fen"))
        .await
        .unwrap();
    fill(c, "#login-identifier", ADMIN).await;
    fill(c, "#login-password", TEST_PASSWORD).await;
    click(c, "form[action='/login'] button[type=submit]").await;
    wait_for_path(c, "/admin/templates/booking_confirmed/sms/en").await;
    assert!(body_text(c).await.contains("Booking confirmed"));
    c.wait()
        .for_element(Locator::Css("form[data-live-preview=on]"))
        .await
        .expect("the script started");
    let fits = c
        .execute(
            "return document.documentElement.scrollWidth <= window.innerWidth;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        fits,
        Value::Bool(true),
        "the editor scrolls sideways at 375px"
    );

    fill(c, "#tpl-body", "[{{ brand }}] Live {{ reference }}").await;
    assert!(
        wait_until(
            c,
            "return document.querySelector('[data-preview-text]').textContent === '[Wayfare] Live WF7Q2K9P';"
        )
        .await,
        "the preview never showed the typed text"
    );
    assert!(
        wait_until(
            c,
            "return document.querySelector('[data-preview-encoding]').textContent.indexOf('GSM-7') === 0;"
        )
        .await
    );
    // An unknown variable shows up as a problem, named, while typing.
    c.find(Locator::Css("#tpl-body"))
        .await
        .unwrap()
        .send_keys(" {{ nonsense }}")
        .await
        .unwrap();
    assert!(
        wait_until(
            c,
            "var b = document.querySelector('[data-problems-box]'); return !b.hidden && b.textContent.indexOf('unknown variable “nonsense”') >= 0;"
        )
        .await,
        "the problem was not shown"
    );
    // Fixed with Chinese text: the problem goes, the encoding becomes UCS-2.
    fill(c, "#tpl-body", "[{{ brand }}] 预订 {{ reference }} 已确认").await;
    assert!(
        wait_until(
            c,
            "return document.querySelector('[data-problems-box]').hidden && document.querySelector('[data-preview-encoding]').textContent.indexOf('UCS-2') === 0 && document.querySelector('[data-preview-text]').textContent === '[Wayfare] 预订 WF7Q2K9P 已确认';"
        )
        .await,
        "the preview did not follow"
    );
    // Nothing was saved by previewing; Save does.
    assert_eq!(
        app.state
            .store()
            .current_template("booking_confirmed", "sms", "en")
            .await
            .unwrap()
            .map(|r| r.version),
        None
    );
    click(c, "button[name=action][value=save]").await;
    wait_for_path(c, "/admin/templates/booking_confirmed/sms/en?saved=1").await;
    assert!(body_text(c).await.contains("Saved as version 1."));
    browser.close().await;
    app.stop().await;
}
