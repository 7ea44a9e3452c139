//! The back office for admins over real HTTP: only admins reach the account list, role changes
//! and the audit log (pages and API, checked on the server); granting and revoking roles is
//! audited with who, whom, when and from where; the last admin keeps the role; bad filters get
//! a 4xx in the user's language.

use serde_json::{Value, json};
use wayfare_testkit::{TestApp, extract_csrf, new_client, spawn_app, spawn_app_with};

async fn signed_in(app: &TestApp, email: &str) -> (reqwest::Client, String) {
    app.signed_in(email).await
}

async fn get_json(client: &reqwest::Client, url: &str) -> (u16, Value) {
    let res = client
        .get(url)
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    (
        res.status().as_u16(),
        res.json().await.unwrap_or(Value::Null),
    )
}

#[tokio::test]
async fn only_admins_reach_the_back_office() {
    let app = spawn_app().await;
    let (bob, _) = signed_in(&app, "bob@example.com").await;
    // Signed out: the API says 401, the page sends to sign-in.
    let anon = new_client();
    let (status, body) = get_json(&anon, &app.url("/api/v1/admin/users")).await;
    assert_eq!(status, 401, "{body}");
    assert_eq!(body["error"]["code"], "unauthenticated");
    let res = anon.get(app.url("/admin/audit")).send().await.unwrap();
    assert_eq!(res.status(), 303);
    assert!(
        res.headers()["location"]
            .to_str()
            .unwrap()
            .starts_with("/login?next=")
    );
    // A customer: 403 everywhere, in their language.
    for path in ["/api/v1/admin/users", "/api/v1/admin/audit"] {
        let (status, body) = get_json(&bob, &app.url(path)).await;
        assert_eq!(status, 403, "{path}: {body}");
        assert_eq!(body["error"]["code"], "forbidden");
    }
    for path in ["/admin", "/admin/users", "/admin/audit", "/admin/mailbox"] {
        let res = bob
            .get(app.url(path))
            .header("accept-language", "zh-CN")
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 403, "{path}");
    }
    let res = bob
        .post(app.url("/api/v1/admin/users/anyone/roles"))
        .json(&json!({"role": "admin"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "a customer cannot make themselves admin");
    app.stop().await;
}

#[tokio::test]
async fn admins_grant_and_revoke_roles_and_every_change_is_audited() {
    let app = spawn_app().await;
    let (admin, admin_id) = signed_in(&app, "root@example.com").await;
    app.state
        .store()
        .grant_role(&admin_id, "admin", None, chrono::Utc::now())
        .await
        .unwrap();
    let (bob, bob_id) = signed_in(&app, "bob@example.com").await;

    // Find Bob, grant him the agent role over the API.
    let (status, body) = get_json(&admin, &app.url("/api/v1/admin/users?q=BOB@")).await;
    assert_eq!(status, 200, "{body}");
    assert_eq!(body["total"], 1);
    assert_eq!(body["users"][0]["id"], bob_id.as_str());
    let res = admin
        .post(app.url(&format!("/api/v1/admin/users/{bob_id}/roles")))
        .json(&json!({"role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["roles"], json!(["customer", "agent"]));
    // Bob's own session sees the role at once.
    let (_, me) = get_json(&bob, &app.url("/api/v1/me")).await;
    assert_eq!(me["roles"], json!(["customer", "agent"]));
    // Unknown and ungrantable roles are refused with a reason.
    for role in ["pilot", "customer"] {
        let res = admin
            .post(app.url(&format!("/api/v1/admin/users/{bob_id}/roles")))
            .header("accept-language", "en")
            .json(&json!({"role": role}))
            .send()
            .await
            .unwrap();
        assert_eq!(res.status(), 422, "{role}");
        let body: Value = res.json().await.unwrap();
        assert_eq!(body["error"]["details"]["field"], "role");
    }
    let res = admin
        .post(app.url("/api/v1/admin/users/nobody/roles"))
        .json(&json!({"role": "agent"}))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 404);

    // The page grants finance and revokes agent, with the CSRF token.
    let page = admin
        .get(app.url(&format!("/admin/users/{bob_id}")))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(page.contains("bob@example.com"));
    let csrf = extract_csrf(&page).unwrap();
    let res = admin
        .post(app.url(&format!("/admin/users/{bob_id}/roles")))
        .form(&[("csrf_token", csrf.as_str()), ("role", "finance")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = admin
        .post(app.url(&format!("/admin/users/{bob_id}/roles/agent/revoke")))
        .form(&[("csrf_token", csrf.as_str())])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 303);
    let res = admin
        .post(app.url(&format!("/admin/users/{bob_id}/roles/agent/revoke")))
        .form(&[("csrf_token", "forged")])
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 403, "no CSRF token, no change");
    assert_eq!(
        app.state.store().roles_of(&bob_id).await.unwrap(),
        vec!["finance".to_owned()]
    );

    // The last admin cannot drop the role: first the demo admin's goes, then this one stays.
    let (_, body) = get_json(&admin, &app.url("/api/v1/admin/users?q=admin@demo")).await;
    let demo_admin = body["users"][0]["id"].as_str().unwrap().to_owned();
    let res = admin
        .delete(app.url(&format!("/api/v1/admin/users/{demo_admin}/roles/admin")))
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 200);
    let res = admin
        .delete(app.url(&format!("/api/v1/admin/users/{admin_id}/roles/admin")))
        .header("accept-language", "en")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("last admin"),
        "{body}"
    );

    // The audit log has every change with actor, target and IP, newest first; the actor can be
    // given by e-mail.
    let (status, body) = get_json(
        &admin,
        &app.url("/api/v1/admin/audit?actor=root@example.com&target=bob@example.com"),
    )
    .await;
    assert_eq!(status, 200, "{body}");
    let actions: Vec<&str> = body["entries"]
        .as_array()
        .unwrap()
        .iter()
        .map(|e| e["action"].as_str().unwrap())
        .collect();
    assert_eq!(actions, ["role_revoked", "role_granted", "role_granted"]);
    let first = &body["entries"][2];
    assert_eq!(first["actor_user_id"], admin_id.as_str());
    assert_eq!(first["target"], bob_id.as_str());
    assert_eq!(first["ip"], "127.0.0.1");
    assert_eq!(first["detail"]["role"], "agent");

    // The audit page filters and shows the same; a malformed date is a 422 in Chinese.
    let page = admin
        .get(app.url("/admin/audit?action=role_granted"))
        .send()
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(page.matches("data-action=\"role_granted\"").count(), 2);
    assert!(!page.contains("data-action=\"sign_in\""));
    let res = admin
        .get(app.url("/admin/audit?from=2026-13-45"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    assert!(res.text().await.unwrap().contains("起始日期"));
    let (status, _) = get_json(&admin, &app.url("/api/v1/admin/audit?since=yesterday")).await;
    assert_eq!(status, 400);
    app.stop().await;
}

#[tokio::test]
async fn admins_see_dead_outbox_events_and_send_them_again() {
    let app = spawn_app_with(|c| c.notifications.worker = false).await;
    let (admin, admin_id) = signed_in(&app, "root@example.com").await;
    let (bob, _) = signed_in(&app, "bob@example.com").await;
    let store = app.state.store();
    store
        .grant_role(&admin_id, "admin", None, chrono::Utc::now())
        .await
        .unwrap();
    // An event that failed for good: taken, then refused with no retry.
    let now = chrono::Utc::now();
    store
        .enqueue_event(
            wayfare_store::outbox::NewEvent {
                kind: "order_message".into(),
                subject_id: Some("ord_x".into()),
                dedupe_key: Some("booking-confirmed:ord_x".into()),
                payload: json!({"order_id": "ord_x", "message": "booking-confirmed"}),
                available_at: now,
            },
            now,
        )
        .await
        .unwrap();
    let taken = store
        .claim_outbox_events("w", now, now + chrono::Duration::minutes(1), 10)
        .await
        .unwrap();
    let id = taken[0].id.clone();
    assert!(
        store
            .outbox_event_failed(&id, "w", "SendGrid said 401", None, now)
            .await
            .unwrap()
    );

    let (status, body) = get_json(&bob, &app.url("/api/v1/admin/outbox")).await;
    assert_eq!(status, 403, "{body}");
    let (status, page) = get_json(&admin, &app.url("/api/v1/admin/outbox?status=dead")).await;
    assert_eq!(status, 200, "{page}");
    assert_eq!(page["total"], 1);
    assert_eq!(page["events"][0]["id"], id.as_str());
    assert_eq!(page["events"][0]["last_error"], "SendGrid said 401");
    assert_eq!(page["events"][0]["payload"]["order_id"], "ord_x");
    // (The sign-up codes were delivered through the outbox too.)
    let (status, none) = get_json(
        &admin,
        &app.url("/api/v1/admin/outbox?status=delivered&kind=order_message"),
    )
    .await;
    assert_eq!((status, none["total"].as_u64()), (200, Some(0)));
    let res = admin
        .get(app.url("/api/v1/admin/outbox?status=lost"))
        .header("accept-language", "zh-CN")
        .send()
        .await
        .unwrap();
    assert_eq!(res.status(), 422);
    let body: Value = res.json().await.unwrap();
    assert!(
        body["error"]["message"]
            .as_str()
            .unwrap()
            .contains("pending"),
        "{body}"
    );

    // Sent again: pending, attempts from zero, audited; a second retry is a conflict.
    let csrf = extract_csrf(
        &admin
            .get(app.url("/"))
            .send()
            .await
            .unwrap()
            .text()
            .await
            .unwrap(),
    );
    let retry = |c: &reqwest::Client| {
        let mut req = c.post(app.url(&format!("/api/v1/admin/outbox/{id}/retry")));
        if let Some(t) = &csrf {
            req = req.header("x-csrf-token", t);
        }
        req.send()
    };
    assert_eq!(retry(&bob).await.unwrap().status(), 403);
    let res = retry(&admin).await.unwrap();
    assert_eq!(res.status(), 200);
    let event: Value = res.json().await.unwrap();
    assert_eq!(
        (event["status"].as_str(), event["attempts"].as_i64()),
        (Some("pending"), Some(0))
    );
    let res = retry(&admin).await.unwrap();
    assert_eq!(res.status(), 409);
    let body: Value = res.json().await.unwrap();
    assert_eq!(body["error"]["code"], "event_not_dead");
    let (_, audit) = get_json(&admin, &app.url("/api/v1/admin/audit?action=outbox.retry")).await;
    assert_eq!(audit["total"], 1, "{audit}");
    assert_eq!(audit["entries"][0]["target"], id.as_str());
    app.stop().await;
}
