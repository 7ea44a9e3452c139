//! Account storage against the real database (SQLite, or PostgreSQL when configured): unique
//! addresses, codes and challenges used once however many requests race, attempts that run
//! out, expiry, TOTP replay, rows scoped by their owner, anonymisation, the one default payment
//! method, throttle compare-and-swap and audit search.

use chrono::{DateTime, Duration, NaiveDate, TimeZone, Utc};
use tempfile::TempDir;
use wayfare_store::accounts::{
    CodeOutcome, NewApiToken, NewChallenge, NewCode, NewIdentity, NewSession, NewUser,
    ProfileUpdate, ThrottleRow,
};
use wayfare_store::audit::{AuditQuery, NewAuditEntry};
use wayfare_store::notifications::NewNotification;
use wayfare_store::travellers::{MAX_TRAVELLERS, NewPaymentMethod, TravellerFields};
use wayfare_store::{Store, StoreError, StoreOptions};
use wayfare_testkit::TestDatabase;

/// A migrated store on a fresh database; the folder keeps a SQLite file alive.
pub(crate) async fn fresh_store() -> (Store, TempDir) {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::new(&dir);
    let opts = StoreOptions {
        max_connections: 10,
        pg_schema: db.schema.clone(),
        ..StoreOptions::default()
    };
    let store = Store::connect(&db.url, &opts).await.expect("connect");
    store.migrate().await.expect("migrate");
    (store, dir)
}

fn t0() -> DateTime<Utc> {
    Utc.with_ymd_and_hms(2026, 12, 1, 8, 0, 0).unwrap()
}

fn new_user(id: &str, email: Option<&str>, phone: Option<&str>) -> NewUser {
    NewUser {
        id: id.to_owned(),
        email: email.map(str::to_owned),
        email_verified_at: None,
        phone: phone.map(str::to_owned),
        phone_verified_at: None,
        password_hash: Some(format!("$argon2id$v=19$m=19456,t=2,p=1$salt${id}")),
        name_zh: None,
        given_name: None,
        family_name: None,
        locale: "zh-CN".into(),
        currency: "CNY".into(),
        now: t0(),
    }
}

async fn user(store: &Store, id: &str, email: &str) {
    store
        .create_user(new_user(id, Some(email), None))
        .await
        .expect("user created");
}

fn session(id: &str, user_id: &str, now: DateTime<Utc>) -> NewSession {
    NewSession {
        id: id.to_owned(),
        token_hash: format!("hash-of-{id}"),
        user_id: user_id.to_owned(),
        ip: Some("203.0.113.7".into()),
        user_agent: Some("Firefox".into()),
        now,
        expires_at: now + Duration::days(14),
    }
}

fn code(id: &str, destination: &str, hash: &str, now: DateTime<Utc>) -> NewCode {
    NewCode {
        id: id.to_owned(),
        purpose: "verify".into(),
        destination: destination.to_owned(),
        user_id: Some("u1".into()),
        code_hash: hash.to_owned(),
        now,
        expires_at: now + Duration::minutes(10),
    }
}

fn card(id: &str, user_id: &str, now: DateTime<Utc>) -> NewPaymentMethod {
    NewPaymentMethod {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        provider: "stripe".into(),
        token_sealed: format!("v1.k1.sealed-{id}"),
        brand: "visa".into(),
        last4: "4242".into(),
        exp_month: 12,
        exp_year: 2030,
        now,
    }
}

fn traveller(given: &str) -> TravellerFields {
    TravellerFields {
        given_name: given.to_owned(),
        family_name: "ZHANG".into(),
        name_zh: Some("张三".into()),
        date_of_birth: NaiveDate::from_ymd_opt(1990, 5, 17),
        gender: Some("M".into()),
        nationality: Some("CN".into()),
        document_type: Some("passport".into()),
        document_number_sealed: Some("v1.k1.sealed-doc".into()),
        document_country: Some("CN".into()),
        document_expiry: NaiveDate::from_ymd_opt(2031, 1, 1),
    }
}

#[tokio::test]
async fn emails_and_phones_belong_to_one_account() {
    let (store, _dir) = fresh_store().await;
    let a = store
        .create_user(new_user(
            "u1",
            Some(" Li.Na@Example.COM "),
            Some("+8613800138000"),
        ))
        .await
        .unwrap();
    assert_eq!(a.email.as_deref(), Some("li.na@example.com"));
    assert_eq!(a.second_factor, "none");
    assert_eq!(a.preferences, "{}");
    assert_eq!(a.password_changed_at, Some(t0()));

    let taken = store
        .create_user(new_user("u2", Some("li.na@example.com"), None))
        .await;
    assert!(
        matches!(taken, Err(StoreError::Conflict("email"))),
        "{taken:?}"
    );
    let taken = store
        .create_user(new_user(
            "u2",
            Some("other@example.com"),
            Some("+8613800138000"),
        ))
        .await;
    assert!(
        matches!(taken, Err(StoreError::Conflict("phone"))),
        "{taken:?}"
    );
    // Accounts without an address never collide.
    store
        .create_user(new_user("u2", None, Some("+8613900139000")))
        .await
        .unwrap();
    store.create_user(new_user("u3", None, None)).await.unwrap();
    store.create_user(new_user("u4", None, None)).await.unwrap();

    assert_eq!(
        store
            .user_by_email("LI.NA@example.com")
            .await
            .unwrap()
            .unwrap()
            .id,
        "u1"
    );
    assert_eq!(
        store
            .user_by_phone("+8613900139000")
            .await
            .unwrap()
            .unwrap()
            .id,
        "u2"
    );
    assert!(
        store
            .user_by_email("nobody@example.com")
            .await
            .unwrap()
            .is_none()
    );

    // Taking another account's address through the profile is refused too.
    let change = ProfileUpdate {
        email: Some(Some("li.na@example.com".into())),
        ..ProfileUpdate::default()
    };
    let r = store.update_profile("u2", &change, t0()).await;
    assert!(matches!(r, Err(StoreError::Conflict("email"))), "{r:?}");
    let change = ProfileUpdate {
        phone: Some(Some("+8613800138000".into())),
        ..ProfileUpdate::default()
    };
    let r = store.update_profile("u3", &change, t0()).await;
    assert!(matches!(r, Err(StoreError::Conflict("phone"))), "{r:?}");
}

#[tokio::test]
async fn profile_changes_keep_or_reset_verification() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    let later = t0() + Duration::minutes(5);
    assert!(
        store
            .mark_email_verified("u1", "A@example.com", later)
            .await
            .unwrap()
    );
    // A code for an address the account no longer has verifies nothing.
    assert!(
        !store
            .mark_email_verified("u1", "old@example.com", later)
            .await
            .unwrap()
    );
    assert!(
        !store
            .mark_phone_verified("u1", "+8613800138000", later)
            .await
            .unwrap()
    );

    let same = ProfileUpdate {
        email: Some(Some("a@example.com".into())),
        given_name: Some(Some("NA".into())),
        family_name: Some(Some("LI".into())),
        name_zh: Some(Some("李娜".into())),
        locale: Some("en".into()),
        currency: Some("USD".into()),
        ..ProfileUpdate::default()
    };
    let u = store
        .update_profile("u1", &same, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        u.email_verified_at,
        Some(later),
        "same address stays verified"
    );
    assert_eq!(
        (u.given_name.as_deref(), u.name_zh.as_deref()),
        (Some("NA"), Some("李娜"))
    );
    assert_eq!((u.locale.as_str(), u.currency.as_str()), ("en", "USD"));

    let moved = ProfileUpdate {
        email: Some(Some("New@Example.com".into())),
        name_zh: Some(None),
        ..ProfileUpdate::default()
    };
    let u = store
        .update_profile("u1", &moved, later)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(u.email.as_deref(), Some("new@example.com"));
    assert_eq!(u.email_verified_at, None, "a new address starts unverified");
    assert_eq!(u.name_zh, None);
    assert_eq!(
        u.given_name.as_deref(),
        Some("NA"),
        "fields not named are left alone"
    );
    assert!(
        store
            .update_profile("nobody", &moved, later)
            .await
            .unwrap()
            .is_none()
    );

    assert!(
        store
            .set_preferences("u1", r#"{"cabin":"business"}"#, later)
            .await
            .unwrap()
    );
    assert!(
        store
            .set_notification_prefs("u1", r#"{"email":["trip"]}"#, later)
            .await
            .unwrap()
    );
    assert!(
        store
            .set_password_hash("u1", "$argon2id$new", later)
            .await
            .unwrap()
    );
    let u = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(u.preferences, r#"{"cabin":"business"}"#);
    assert_eq!(u.notification_prefs, r#"{"email":["trip"]}"#);
    assert_eq!(u.password_hash.as_deref(), Some("$argon2id$new"));
    assert_eq!(u.password_changed_at, Some(later));
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn a_right_code_is_consumed_once_however_many_race() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    store
        .insert_code(code("c1", "a@example.com", "right", t0()))
        .await
        .unwrap();
    let now = t0() + Duration::minutes(1);
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                store
                    .consume_code("verify", "a@example.com", "right", now, 100)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let mut outcomes = Vec::new();
    for t in tasks {
        outcomes.push(t.await.unwrap());
    }
    let wins = outcomes
        .iter()
        .filter(|o| {
            **o == CodeOutcome::Ok {
                user_id: Some("u1".into()),
            }
        })
        .count();
    assert_eq!(wins, 1, "{outcomes:?}");
    assert!(
        outcomes
            .iter()
            .all(|o| matches!(o, CodeOutcome::Ok { .. } | CodeOutcome::NotFound)),
        "{outcomes:?}"
    );
    // Used: the same code again finds nothing.
    assert_eq!(
        store
            .consume_code("verify", "a@example.com", "right", now, 5)
            .await
            .unwrap(),
        CodeOutcome::NotFound
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn wrong_guesses_use_up_the_tries_even_in_a_burst() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    let now = t0() + Duration::minutes(1);
    store
        .insert_code(code("c1", "a@example.com", "right", t0()))
        .await
        .unwrap();
    for left in (1..5).rev() {
        assert_eq!(
            store
                .consume_code("verify", "a@example.com", "wrong", now, 5)
                .await
                .unwrap(),
            CodeOutcome::Wrong {
                attempts_left: left
            }
        );
    }
    assert_eq!(
        store
            .consume_code("verify", "a@example.com", "wrong", now, 5)
            .await
            .unwrap(),
        CodeOutcome::Wrong { attempts_left: 0 }
    );
    assert_eq!(
        store
            .consume_code("verify", "a@example.com", "right", now, 5)
            .await
            .unwrap(),
        CodeOutcome::TooManyAttempts,
        "the right code is dead after five wrong ones"
    );

    // Twenty guesses at once get five checks between them, the right one among them or not.
    store
        .insert_code(code("c2", "b@example.com", "right", t0()))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|i| {
            let store = store.clone();
            let guess = if i == 19 { "right" } else { "wrong" };
            tokio::spawn(async move {
                store
                    .consume_code("verify", "b@example.com", guess, now, 5)
                    .await
                    .unwrap()
            })
        })
        .collect();
    let (mut checked, mut right) = (0, false);
    for t in tasks {
        match t.await.unwrap() {
            CodeOutcome::Wrong { .. } => checked += 1,
            CodeOutcome::Ok { .. } => {
                checked += 1;
                right = true;
            }
            CodeOutcome::TooManyAttempts | CodeOutcome::NotFound => {}
            other => panic!("unexpected {other:?}"),
        }
    }
    // Five checks at most; fewer only when the right code was among them and used the code up.
    assert!(checked == 5 || (right && checked < 5), "{checked} checks");
}

#[tokio::test]
async fn codes_expire_and_a_new_code_replaces_the_old() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    store
        .insert_code(code("c1", "a@example.com", "first", t0()))
        .await
        .unwrap();
    assert_eq!(
        store
            .consume_code(
                "verify",
                "a@example.com",
                "first",
                t0() + Duration::minutes(10),
                5
            )
            .await
            .unwrap(),
        CodeOutcome::Expired
    );
    assert_eq!(
        store
            .consume_code("login", "a@example.com", "first", t0(), 5)
            .await
            .unwrap(),
        CodeOutcome::NotFound,
        "codes are per purpose"
    );
    let later = t0() + Duration::minutes(11);
    store
        .insert_code(code("c2", "a@example.com", "second", later))
        .await
        .unwrap();
    assert_eq!(
        store
            .consume_code("verify", "a@example.com", "first", later, 5)
            .await
            .unwrap(),
        CodeOutcome::Wrong { attempts_left: 4 },
        "the earlier code no longer works"
    );
    assert_eq!(
        store
            .consume_code("verify", "a@example.com", "second", later, 5)
            .await
            .unwrap(),
        CodeOutcome::Ok {
            user_id: Some("u1".into())
        }
    );
    assert_eq!(
        store
            .recent_code_count("verify", "a@example.com", t0())
            .await
            .unwrap(),
        2
    );
    assert_eq!(
        store
            .recent_code_count("verify", "a@example.com", later)
            .await
            .unwrap(),
        1
    );
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn totp_steps_cannot_be_replayed() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    assert!(
        store
            .set_second_factor("u1", "totp", Some("v1.k1.secret".into()), t0())
            .await
            .unwrap()
    );
    assert!(store.advance_totp_step("u1", 100).await.unwrap());
    assert!(
        !store.advance_totp_step("u1", 100).await.unwrap(),
        "same step: replay"
    );
    assert!(
        !store.advance_totp_step("u1", 99).await.unwrap(),
        "earlier step"
    );
    assert!(store.advance_totp_step("u1", 101).await.unwrap());

    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.advance_totp_step("u1", 200).await.unwrap() })
        })
        .collect();
    let mut accepted = 0;
    for t in tasks {
        accepted += usize::from(t.await.unwrap());
    }
    assert_eq!(accepted, 1);
    let u = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(u.totp_last_step, Some(200));
    assert_eq!(u.totp_secret_sealed.as_deref(), Some("v1.k1.secret"));

    // A new secret starts the guard again; turning 2FA off drops the secret.
    store
        .set_second_factor("u1", "none", None, t0())
        .await
        .unwrap();
    let u = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(
        (
            u.second_factor.as_str(),
            u.totp_secret_sealed,
            u.totp_last_step
        ),
        ("none", None, None)
    );
}

#[tokio::test]
async fn sessions_are_scoped_by_their_user() {
    let (store, _dir) = fresh_store().await;
    user(&store, "alice", "alice@example.com").await;
    user(&store, "bob", "bob@example.com").await;
    let now = t0();
    for (id, owner) in [
        ("a1", "alice"),
        ("a2", "alice"),
        ("a3", "alice"),
        ("b1", "bob"),
    ] {
        store.create_session(session(id, owner, now)).await.unwrap();
    }
    let (s, u) = store
        .session_by_token_hash("hash-of-b1", now)
        .await
        .unwrap()
        .unwrap();
    assert_eq!((s.id.as_str(), u.id.as_str()), ("b1", "bob"));

    assert!(
        !store.revoke_session("alice", "b1", now).await.unwrap(),
        "not Alice's"
    );
    assert!(
        store
            .session_by_token_hash("hash-of-b1", now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.revoke_session("bob", "b1", now).await.unwrap());
    assert!(
        !store.revoke_session("bob", "b1", now).await.unwrap(),
        "once"
    );
    assert!(
        store
            .session_by_token_hash("hash-of-b1", now)
            .await
            .unwrap()
            .is_none()
    );

    // Expiry, and touching moves it.
    let late = now + Duration::days(14);
    assert!(
        store
            .session_by_token_hash("hash-of-a1", late)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .touch_session("a1", now + Duration::days(1), now + Duration::days(20))
            .await
            .unwrap()
    );
    assert!(
        store
            .session_by_token_hash("hash-of-a1", late)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        !store
            .touch_session("b1", now, now + Duration::days(20))
            .await
            .unwrap(),
        "revoked stays revoked"
    );

    let live: Vec<String> = store
        .sessions_of("alice", now + Duration::hours(1))
        .await
        .unwrap()
        .into_iter()
        .map(|s| s.id)
        .collect();
    assert_eq!(live[0], "a1", "most recently seen first");
    assert_eq!(live.len(), 3);
    assert_eq!(
        store
            .revoke_other_sessions("alice", Some("a2"), now)
            .await
            .unwrap(),
        2
    );
    let live = store.sessions_of("alice", now).await.unwrap();
    assert_eq!(
        live.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
        ["a2"]
    );
    assert!(store.sessions_of("bob", now).await.unwrap().is_empty());
}

#[tokio::test]
async fn api_tokens_are_scoped_and_revocable() {
    let (store, _dir) = fresh_store().await;
    user(&store, "alice", "alice@example.com").await;
    user(&store, "bob", "bob@example.com").await;
    let t = store
        .create_api_token(NewApiToken {
            id: "t1".into(),
            user_id: "alice".into(),
            name: "CI".into(),
            token_hash: "tokhash".into(),
            prefix: "wfp_abcdefgh".into(),
            now: t0(),
        })
        .await
        .unwrap();
    assert_eq!(t.prefix, "wfp_abcdefgh");
    let (row, u) = store.api_token_by_hash("tokhash").await.unwrap().unwrap();
    assert_eq!((row.id.as_str(), u.id.as_str()), ("t1", "alice"));
    assert!(
        store
            .touch_api_token("t1", t0() + Duration::hours(1))
            .await
            .unwrap()
    );
    assert_eq!(
        store.api_tokens_of("alice").await.unwrap()[0].last_used_at,
        Some(t0() + Duration::hours(1))
    );
    assert!(store.api_tokens_of("bob").await.unwrap().is_empty());
    assert!(!store.revoke_api_token("bob", "t1", t0()).await.unwrap());
    assert!(store.api_token_by_hash("tokhash").await.unwrap().is_some());
    assert!(store.revoke_api_token("alice", "t1", t0()).await.unwrap());
    assert!(store.api_token_by_hash("tokhash").await.unwrap().is_none());
    assert!(store.api_tokens_of("alice").await.unwrap().is_empty());
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn challenges_are_single_use_and_die_after_their_tries() {
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "a@example.com").await;
    let challenge = |id: &str, hash: &str| NewChallenge {
        id: id.to_owned(),
        token_hash: hash.to_owned(),
        user_id: "u1".into(),
        purpose: "2fa".into(),
        data: Some("password".into()),
        ip: None,
        now: t0(),
        expires_at: t0() + Duration::minutes(5),
    };
    store
        .insert_challenge(challenge("ch1", "h1"))
        .await
        .unwrap();
    let now = t0() + Duration::minutes(1);
    assert!(
        store
            .challenge_by_hash("h1", "2fa", now)
            .await
            .unwrap()
            .is_some()
    );
    assert!(
        store
            .challenge_by_hash("h1", "reset_link", now)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .challenge_by_hash("h1", "2fa", t0() + Duration::minutes(5))
            .await
            .unwrap()
            .is_none(),
        "expired"
    );
    let tasks: Vec<_> = (0..10)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.consume_challenge("h1", "2fa", now).await.unwrap() })
        })
        .collect();
    let mut wins = 0;
    for t in tasks {
        wins += usize::from(t.await.unwrap());
    }
    assert_eq!(wins, 1);
    assert!(
        store
            .challenge_by_hash("h1", "2fa", now)
            .await
            .unwrap()
            .is_none()
    );

    store
        .insert_challenge(challenge("ch2", "h2"))
        .await
        .unwrap();
    assert_eq!(store.fail_challenge("ch2", 3).await.unwrap(), 2);
    assert_eq!(store.fail_challenge("ch2", 3).await.unwrap(), 1);
    assert!(
        store
            .challenge_by_hash("h2", "2fa", now)
            .await
            .unwrap()
            .is_some()
    );
    assert_eq!(store.fail_challenge("ch2", 3).await.unwrap(), 0);
    assert!(
        store
            .challenge_by_hash("h2", "2fa", now)
            .await
            .unwrap()
            .is_none(),
        "dead"
    );
    assert!(!store.consume_challenge("h2", "2fa", now).await.unwrap());
    assert_eq!(store.fail_challenge("ch2", 3).await.unwrap(), 0);

    // Claiming before checking: a burst gets exactly `max` checks.
    store
        .insert_challenge(challenge("ch3", "h3"))
        .await
        .unwrap();
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move { store.claim_challenge_attempt("ch3", 5).await.unwrap() })
        })
        .collect();
    let mut claimed = Vec::new();
    for t in tasks {
        claimed.extend(t.await.unwrap());
    }
    claimed.sort_unstable();
    assert_eq!(claimed, [0, 1, 2, 3, 4]);
    assert_eq!(
        store
            .recent_challenge_count("u1", "2fa", t0())
            .await
            .unwrap(),
        3
    );
}

#[tokio::test]
async fn recovery_codes_work_once_and_are_replaced_whole() {
    let (store, _dir) = fresh_store().await;
    user(&store, "alice", "alice@example.com").await;
    user(&store, "bob", "bob@example.com").await;
    let hashes: Vec<String> = (0..10).map(|i| format!("rc{i}")).collect();
    store
        .replace_recovery_codes("alice", hashes, t0())
        .await
        .unwrap();
    assert_eq!(store.recovery_codes_left("alice").await.unwrap(), 10);
    assert!(
        !store.use_recovery_code("bob", "rc3", t0()).await.unwrap(),
        "not Bob's"
    );
    assert!(store.use_recovery_code("alice", "rc3", t0()).await.unwrap());
    assert!(
        !store.use_recovery_code("alice", "rc3", t0()).await.unwrap(),
        "once"
    );
    assert_eq!(store.recovery_codes_left("alice").await.unwrap(), 9);
    store
        .replace_recovery_codes("alice", vec!["new0".into(), "new1".into()], t0())
        .await
        .unwrap();
    assert!(
        !store.use_recovery_code("alice", "rc4", t0()).await.unwrap(),
        "old set gone"
    );
    assert_eq!(store.recovery_codes_left("alice").await.unwrap(), 2);
    store
        .replace_recovery_codes("alice", Vec::new(), t0())
        .await
        .unwrap();
    assert_eq!(store.recovery_codes_left("alice").await.unwrap(), 0);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn throttle_state_round_trips_and_swaps_count_every_failure() {
    let (store, _dir) = fresh_store().await;
    let key = "acct:a@example.com";
    assert!(store.throttle_state(key).await.unwrap().is_none());
    let until = t0() + Duration::minutes(15);
    store
        .save_throttle_state(key, 3, t0(), t0(), None)
        .await
        .unwrap();
    store
        .save_throttle_state(key, 5, t0(), t0(), Some(until))
        .await
        .unwrap();
    let s = store.throttle_state(key).await.unwrap().unwrap();
    assert_eq!((s.failures, s.locked_until), (5, Some(until)));
    store.clear_throttle(key).await.unwrap();
    assert!(store.throttle_state(key).await.unwrap().is_none());

    // Twenty concurrent failures, each read-compute-swap with retries, all counted.
    let tasks: Vec<_> = (0..20)
        .map(|_| {
            let store = store.clone();
            tokio::spawn(async move {
                loop {
                    let current = store.throttle_state("ip:203.0.113.7").await.unwrap();
                    let next = ThrottleRow {
                        key: "ip:203.0.113.7".into(),
                        failures: current.as_ref().map_or(0, |c| c.failures) + 1,
                        window_started_at: current.as_ref().map_or(t0(), |c| c.window_started_at),
                        last_failure_at: t0(),
                        locked_until: None,
                    };
                    if store
                        .swap_throttle_state(current.as_ref(), &next)
                        .await
                        .unwrap()
                    {
                        break;
                    }
                }
            })
        })
        .collect();
    for t in tasks {
        t.await.unwrap();
    }
    assert_eq!(
        store
            .throttle_state("ip:203.0.113.7")
            .await
            .unwrap()
            .unwrap()
            .failures,
        20
    );
}

#[tokio::test]
async fn anonymising_clears_personal_data_and_keeps_the_row() {
    let (store, _dir) = fresh_store().await;
    let mut nu = new_user("u1", Some("gone@example.com"), Some("+8613800138000"));
    nu.name_zh = Some("王五".into());
    nu.given_name = Some("WU".into());
    store.create_user(nu).await.unwrap();
    user(&store, "other", "other@example.com").await;
    let now = t0();
    store
        .set_second_factor("u1", "totp", Some("v1.k1.s".into()), now)
        .await
        .unwrap();
    store.grant_role("u1", "agent", None, now).await.unwrap();
    store
        .link_identity(NewIdentity {
            id: "i1".into(),
            user_id: "u1".into(),
            issuer: "https://id.example.com".into(),
            subject: "sub-1".into(),
            email: Some("gone@example.com".into()),
            now,
        })
        .await
        .unwrap();
    store
        .create_traveller("u1", "tr1", &traveller("WU"), now)
        .await
        .unwrap();
    store
        .create_traveller("other", "tr2", &traveller("LI"), now)
        .await
        .unwrap();
    store
        .add_payment_method(card("pm1", "u1", now))
        .await
        .unwrap();
    store
        .create_session(session("s1", "u1", now))
        .await
        .unwrap();
    store
        .create_session(session("s2", "other", now))
        .await
        .unwrap();
    store
        .create_api_token(NewApiToken {
            id: "t1".into(),
            user_id: "u1".into(),
            name: "CI".into(),
            token_hash: "tokhash".into(),
            prefix: "wfp_x".into(),
            now,
        })
        .await
        .unwrap();
    store
        .replace_recovery_codes("u1", vec!["rc".into()], now)
        .await
        .unwrap();
    store
        .insert_code(code("c1", "gone@example.com", "h", now))
        .await
        .unwrap();
    store
        .append_audit(NewAuditEntry {
            at: now,
            actor_user_id: Some("u1".into()),
            action: "sign_in".into(),
            target: None,
            ip: Some("203.0.113.7".into()),
            detail: "{}".into(),
        })
        .await
        .unwrap();

    let later = now + Duration::hours(1);
    assert!(store.anonymise_user("u1", later).await.unwrap());
    assert!(!store.anonymise_user("u1", later).await.unwrap(), "once");

    let u = store.user_by_id("u1").await.unwrap().unwrap();
    assert_eq!(u.deleted_at, Some(later));
    assert_eq!((u.email, u.phone, u.password_hash), (None, None, None));
    assert_eq!(
        (u.name_zh, u.given_name, u.totp_secret_sealed),
        (None, None, None)
    );
    assert_eq!(u.second_factor, "none");
    assert!(store.roles_of("u1").await.unwrap().is_empty());
    assert!(store.identities_of("u1").await.unwrap().is_empty());
    assert!(
        store
            .identity("https://id.example.com", "sub-1")
            .await
            .unwrap()
            .is_none()
    );
    assert!(store.travellers_of("u1").await.unwrap().is_empty());
    assert_eq!(store.travellers_of("other").await.unwrap().len(), 1);
    assert!(store.payment_methods_of("u1").await.unwrap().is_empty());
    assert!(
        store
            .session_by_token_hash("hash-of-s1", later)
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        store
            .session_by_token_hash("hash-of-s2", later)
            .await
            .unwrap()
            .is_some()
    );
    assert!(store.api_token_by_hash("tokhash").await.unwrap().is_none());
    assert_eq!(store.recovery_codes_left("u1").await.unwrap(), 0);
    assert_eq!(
        store
            .consume_code("verify", "gone@example.com", "h", later, 5)
            .await
            .unwrap(),
        CodeOutcome::NotFound
    );
    // The audit log stays; the address can register again; a deleted account cannot sign in
    // or change.
    let (entries, _) = store
        .search_audit(&AuditQuery {
            actor_user_id: Some("u1".into()),
            ..AuditQuery::default()
        })
        .await
        .unwrap();
    assert_eq!(entries.len(), 1);
    store
        .create_user(new_user(
            "u2",
            Some("gone@example.com"),
            Some("+8613800138000"),
        ))
        .await
        .unwrap();
    assert!(!store.set_password_hash("u1", "x", later).await.unwrap());
    assert!(!store.advance_totp_step("u1", 1).await.unwrap());
    let export = store.export_user("u1").await.unwrap().unwrap();
    assert_eq!(export["profile"]["email"], serde_json::Value::Null);
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn exactly_one_default_payment_method() {
    let (store, _dir) = fresh_store().await;
    user(&store, "alice", "alice@example.com").await;
    user(&store, "bob", "bob@example.com").await;
    let at = |m: i64| t0() + Duration::minutes(m);
    let first = store
        .add_payment_method(card("pm1", "alice", at(0)))
        .await
        .unwrap();
    assert!(first.is_default, "the first one is the default");
    let second = store
        .add_payment_method(card("pm2", "alice", at(1)))
        .await
        .unwrap();
    assert!(!second.is_default);
    store
        .add_payment_method(card("pm3", "alice", at(2)))
        .await
        .unwrap();
    store
        .add_payment_method(card("pb1", "bob", at(3)))
        .await
        .unwrap();

    let defaults = |rows: Vec<wayfare_store::travellers::PaymentMethodRow>| {
        rows.into_iter()
            .filter(|r| r.is_default)
            .map(|r| r.id)
            .collect::<Vec<_>>()
    };
    assert!(
        !store
            .set_default_payment_method("bob", "pm2")
            .await
            .unwrap(),
        "not Bob's"
    );
    assert!(
        store
            .set_default_payment_method("alice", "pm2")
            .await
            .unwrap()
    );
    assert_eq!(
        defaults(store.payment_methods_of("alice").await.unwrap()),
        ["pm2"]
    );
    assert_eq!(
        defaults(store.payment_methods_of("bob").await.unwrap()),
        ["pb1"]
    );
    assert_eq!(
        store.payment_methods_of("alice").await.unwrap()[0].id,
        "pm2",
        "default first"
    );

    // Deleting the default makes the newest remaining one the default.
    assert!(
        !store
            .delete_payment_method("bob", "pm2", at(5))
            .await
            .unwrap(),
        "not Bob's"
    );
    assert!(
        store
            .delete_payment_method("alice", "pm2", at(5))
            .await
            .unwrap()
    );
    assert!(
        !store
            .delete_payment_method("alice", "pm2", at(5))
            .await
            .unwrap(),
        "once"
    );
    assert_eq!(
        defaults(store.payment_methods_of("alice").await.unwrap()),
        ["pm3"]
    );
    assert!(
        store
            .payment_method("alice", "pm2")
            .await
            .unwrap()
            .is_none()
    );
    assert!(
        !store
            .set_default_payment_method("alice", "pm2")
            .await
            .unwrap(),
        "deleted"
    );

    // Racing "make default" requests still leave exactly one.
    for i in 4..8 {
        store
            .add_payment_method(card(&format!("pm{i}"), "alice", at(i)))
            .await
            .unwrap();
    }
    let ids = ["pm1", "pm3", "pm4", "pm5", "pm6", "pm7"];
    let tasks: Vec<_> = (0..24)
        .map(|i| {
            let store = store.clone();
            let id = ids[i % ids.len()];
            tokio::spawn(
                async move { store.set_default_payment_method("alice", id).await.unwrap() },
            )
        })
        .collect();
    for t in tasks {
        assert!(t.await.unwrap());
    }
    assert_eq!(
        defaults(store.payment_methods_of("alice").await.unwrap()).len(),
        1
    );
    assert_eq!(
        store
            .default_payment_method("alice")
            .await
            .unwrap()
            .map(|p| p.is_default),
        Some(true)
    );

    // Deleting all leaves none and no error.
    for id in ids {
        assert!(
            store
                .delete_payment_method("alice", id, at(30))
                .await
                .unwrap()
        );
    }
    assert!(store.payment_methods_of("alice").await.unwrap().is_empty());
    assert!(
        store
            .default_payment_method("alice")
            .await
            .unwrap()
            .is_none()
    );
}

#[tokio::test]
async fn travellers_are_scoped_and_capped() {
    let (store, _dir) = fresh_store().await;
    user(&store, "alice", "alice@example.com").await;
    user(&store, "bob", "bob@example.com").await;
    let t = store
        .create_traveller("alice", "tr0", &traveller("SAN"), t0())
        .await
        .unwrap();
    assert_eq!(
        t.document_number_sealed.as_deref(),
        Some("v1.k1.sealed-doc")
    );
    assert_eq!(t.date_of_birth, NaiveDate::from_ymd_opt(1990, 5, 17));
    assert!(store.traveller("bob", "tr0").await.unwrap().is_none());
    assert!(
        store
            .update_traveller("bob", "tr0", &traveller("EVIL"), t0())
            .await
            .unwrap()
            .is_none()
    );
    assert!(!store.delete_traveller("bob", "tr0").await.unwrap());
    let mut changed = TravellerFields::from(&t);
    changed.given_name = "SI".into();
    changed.document_number_sealed = None;
    let u = store
        .update_traveller("alice", "tr0", &changed, t0() + Duration::hours(1))
        .await
        .unwrap()
        .unwrap();
    assert_eq!(
        (u.given_name.as_str(), u.document_number_sealed),
        ("SI", None)
    );
    assert_eq!(u.updated_at, t0() + Duration::hours(1));

    for i in 1..MAX_TRAVELLERS {
        store
            .create_traveller("alice", &format!("tr{i}"), &traveller("X"), t0())
            .await
            .unwrap();
    }
    let r = store
        .create_traveller("alice", "one-too-many", &traveller("X"), t0())
        .await;
    assert!(
        matches!(r, Err(StoreError::Conflict("travellers"))),
        "{r:?}"
    );
    assert_eq!(
        store.travellers_of("alice").await.unwrap().len() as u64,
        MAX_TRAVELLERS
    );
    store
        .create_traveller("bob", "b0", &traveller("B"), t0())
        .await
        .unwrap();
    assert!(store.delete_traveller("alice", "tr0").await.unwrap());
    store
        .create_traveller("alice", "again", &traveller("X"), t0())
        .await
        .unwrap();
}

#[tokio::test]
async fn roles_identities_and_the_user_list() {
    let (store, _dir) = fresh_store().await;
    let mut a = new_user("u1", Some("li.na@example.com"), Some("+8613800138000"));
    a.name_zh = Some("李娜".into());
    a.family_name = Some("LI".into());
    store.create_user(a).await.unwrap();
    user(&store, "u2", "100%_real@example.com").await;
    user(&store, "u3", "zhang@example.com").await;
    let now = t0();
    assert!(
        store
            .grant_role("u1", "agent", Some("u3"), now)
            .await
            .unwrap()
    );
    assert!(
        !store
            .grant_role("u1", "agent", Some("u3"), now)
            .await
            .unwrap(),
        "already"
    );
    assert!(store.grant_role("u1", "admin", None, now).await.unwrap());
    assert!(store.grant_role("u2", "agent", None, now).await.unwrap());
    assert_eq!(store.roles_of("u1").await.unwrap(), ["admin", "agent"]);
    let agents: Vec<String> = store
        .users_with_role("agent")
        .await
        .unwrap()
        .into_iter()
        .map(|u| u.id)
        .collect();
    assert_eq!(agents, ["u1", "u2"]);
    assert!(store.revoke_role("u1", "agent").await.unwrap());
    assert!(!store.revoke_role("u1", "agent").await.unwrap());
    assert_eq!(store.roles_of("u1").await.unwrap(), ["admin"]);

    let ids = |v: (Vec<wayfare_store::accounts::UserRow>, u64)| {
        (v.0.into_iter().map(|u| u.id).collect::<Vec<_>>(), v.1)
    };
    assert_eq!(
        ids(store.list_users(None, 10, 0).await.unwrap()),
        (vec!["u1".into(), "u2".into(), "u3".into()], 3)
    );
    assert_eq!(
        ids(store.list_users(None, 1, 1).await.unwrap()),
        (vec!["u2".into()], 3)
    );
    assert_eq!(
        ids(store.list_users(Some("LI.NA"), 10, 0).await.unwrap()),
        (vec!["u1".into()], 1)
    );
    assert_eq!(
        ids(store.list_users(Some("李"), 10, 0).await.unwrap()),
        (vec!["u1".into()], 1)
    );
    assert_eq!(
        ids(store.list_users(Some("13800"), 10, 0).await.unwrap()),
        (vec!["u1".into()], 1)
    );
    assert_eq!(
        ids(store.list_users(Some("%"), 10, 0).await.unwrap()),
        (vec!["u2".into()], 1),
        "% is literal"
    );
    assert_eq!(
        ids(store.list_users(Some("_"), 10, 0).await.unwrap()),
        (vec!["u2".into()], 1),
        "_ is literal"
    );

    let link = |id: &str, user_id: &str, subject: &str| NewIdentity {
        id: id.to_owned(),
        user_id: user_id.to_owned(),
        issuer: "https://id.example.com".into(),
        subject: subject.to_owned(),
        email: Some("Li.Na@Example.com".into()),
        now,
    };
    let i = store
        .link_identity(link("i1", "u1", "sub-1"))
        .await
        .unwrap();
    assert_eq!(i.email.as_deref(), Some("li.na@example.com"));
    let r = store.link_identity(link("i2", "u2", "sub-1")).await;
    assert!(matches!(r, Err(StoreError::Conflict("identity"))), "{r:?}");
    assert_eq!(
        store
            .identity("https://id.example.com", "sub-1")
            .await
            .unwrap()
            .unwrap()
            .user_id,
        "u1"
    );
    assert!(
        !store.unlink_identity("u2", "i1").await.unwrap(),
        "not u2's"
    );
    assert_eq!(store.identities_of("u1").await.unwrap().len(), 1);
    assert!(store.unlink_identity("u1", "i1").await.unwrap());
    assert!(store.identities_of("u1").await.unwrap().is_empty());
}

#[tokio::test]
async fn audit_search_filters_and_pages_newest_first() {
    let (store, _dir) = fresh_store().await;
    let entry = |m: i64, actor: &str, action: &str, target: Option<&str>, ip: &str| NewAuditEntry {
        at: t0() + Duration::minutes(m),
        actor_user_id: Some(actor.to_owned()),
        action: action.to_owned(),
        target: target.map(str::to_owned),
        ip: Some(ip.to_owned()),
        detail: r#"{"k":"v"}"#.into(),
    };
    for e in [
        entry(0, "u1", "sign_in", None, "10.0.0.1"),
        entry(1, "u1", "sign_in_failed", None, "10.0.0.2"),
        entry(2, "admin", "role_granted", Some("u1"), "10.0.0.9"),
        entry(3, "u2", "sign_in", None, "10.0.0.1"),
        entry(4, "u1", "password_changed", Some("u1"), "10.0.0.1"),
    ] {
        store.append_audit(e).await.unwrap();
    }
    let search = |q: AuditQuery| {
        let store = store.clone();
        async move {
            let (rows, total) = store.search_audit(&q).await.unwrap();
            (
                rows.into_iter().map(|r| r.action).collect::<Vec<_>>(),
                total,
            )
        }
    };
    let (all, total) = search(AuditQuery::default()).await;
    assert_eq!(total, 5);
    assert_eq!(all[0], "password_changed", "newest first");
    let (rows, total) = search(AuditQuery {
        actor_user_id: Some("u1".into()),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(
        (rows, total),
        (
            vec![
                "password_changed".into(),
                "sign_in_failed".into(),
                "sign_in".into()
            ],
            3
        )
    );
    let (rows, _) = search(AuditQuery {
        action: Some("sign_in".into()),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(rows.len(), 2);
    let (rows, _) = search(AuditQuery {
        target: Some("u1".into()),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(rows, ["password_changed", "role_granted"]);
    let (rows, _) = search(AuditQuery {
        ip: Some("10.0.0.1".into()),
        action: Some("sign_in".into()),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(rows.len(), 2);
    let (rows, total) = search(AuditQuery {
        since: Some(t0() + Duration::minutes(1)),
        until: Some(t0() + Duration::minutes(3)),
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(
        (rows, total),
        (vec!["role_granted".into(), "sign_in_failed".into()], 2)
    );
    let (rows, total) = search(AuditQuery {
        limit: 2,
        offset: 2,
        ..AuditQuery::default()
    })
    .await;
    assert_eq!(
        (rows, total),
        (vec!["role_granted".into(), "sign_in_failed".into()], 5)
    );
    assert_eq!(store.audit_about_user("u1").await.unwrap().len(), 4);
}

#[tokio::test]
async fn notifications_and_the_export() {
    let (store, _dir) = fresh_store().await;
    let mut nu = new_user("u1", Some("a@example.com"), None);
    nu.given_name = Some("NA".into());
    store.create_user(nu).await.unwrap();
    let note = |id: &str, user_id: Option<&str>, to: &str, m: i64| NewNotification {
        id: id.to_owned(),
        user_id: user_id.map(str::to_owned),
        channel: "email".into(),
        destination: to.to_owned(),
        event: "verify_code".into(),
        locale: "zh-CN".into(),
        subject: Some("验证码".into()),
        body: format!("body {id}"),
        status: "sent".into(),
        provider: "local".into(),
        template_version: Some(0),
        now: t0() + Duration::minutes(m),
    };
    store
        .record_notification(note("n1", Some("u1"), "a@example.com", 0))
        .await
        .unwrap();
    store
        .record_notification(note("n2", None, "b@example.com", 1))
        .await
        .unwrap();
    let n3 = store
        .record_notification(note("n3", Some("u1"), "a@example.com", 2))
        .await
        .unwrap();
    assert_eq!(n3.subject.as_deref(), Some("验证码"));
    let ids = |rows: Vec<wayfare_store::notifications::NotificationRow>| {
        rows.into_iter().map(|n| n.id).collect::<Vec<_>>()
    };
    assert_eq!(
        ids(store.notifications_of("u1", 10, 0).await.unwrap()),
        ["n3", "n1"]
    );
    assert_eq!(
        ids(store.notifications_of("u1", 1, 1).await.unwrap()),
        ["n1"]
    );
    assert_eq!(
        ids(store.notifications_to("b@example.com", 10).await.unwrap()),
        ["n2"]
    );
    assert_eq!(
        ids(store.recent_notifications(2).await.unwrap()),
        ["n3", "n2"]
    );

    store
        .set_preferences("u1", r#"{"seat":"aisle"}"#, t0())
        .await
        .unwrap();
    store.grant_role("u1", "agent", None, t0()).await.unwrap();
    store
        .create_traveller("u1", "tr1", &traveller("NA"), t0())
        .await
        .unwrap();
    store
        .add_payment_method(card("pm1", "u1", t0()))
        .await
        .unwrap();
    store
        .create_session(session("s1", "u1", t0()))
        .await
        .unwrap();
    store
        .append_audit(NewAuditEntry {
            at: t0(),
            actor_user_id: Some("admin".into()),
            action: "role_granted".into(),
            target: Some("u1".into()),
            ip: None,
            detail: r#"{"role":"agent"}"#.into(),
        })
        .await
        .unwrap();
    let export = store.export_user("u1").await.unwrap().unwrap();
    assert_eq!(export["profile"]["email"], "a@example.com");
    assert_eq!(export["profile"]["preferences"]["seat"], "aisle");
    assert_eq!(export["roles"][0], "agent");
    assert_eq!(
        export["travellers"][0]["document_number_sealed"],
        "v1.k1.sealed-doc"
    );
    assert_eq!(export["payment_methods"][0]["last4"], "4242");
    assert_eq!(export["sessions"][0]["ip"], "203.0.113.7");
    assert_eq!(export["notifications"].as_array().unwrap().len(), 2);
    assert_eq!(export["audit"][0]["detail"]["role"], "agent");
    let text = export.to_string();
    for secret in ["$argon2id", "sealed-pm1", "hash-of-s1"] {
        assert!(!text.contains(secret), "{secret} leaked into the export");
    }
    assert!(store.export_user("nobody").await.unwrap().is_none());
}

/// A security notice is written with its change or not at all: nothing is told of a change
/// that did not happen (no such account), and a change that happened has its notice.
#[tokio::test]
async fn security_notices_are_written_with_their_change_or_not_at_all() {
    use wayfare_store::outbox::{EventFilter, NewEvent};
    let (store, _dir) = fresh_store().await;
    user(&store, "u1", "alice@example.com").await;
    let notice = |key: &str| NewEvent {
        kind: "account_message".into(),
        subject_id: Some("u1".into()),
        dedupe_key: Some(key.into()),
        payload: serde_json::json!({"template": "password_changed"}),
        available_at: t0(),
    };
    let count = || async {
        store
            .outbox_events(
                &EventFilter {
                    kind: Some("account_message".into()),
                    ..EventFilter::default()
                },
                10,
                0,
            )
            .await
            .unwrap()
            .1
    };
    // No account: no change, no notice.
    assert_eq!(
        store
            .set_password_hash_with_events("nobody", "x", t0(), vec![notice("n0")])
            .await
            .unwrap(),
        None
    );
    assert_eq!(
        store
            .unlink_identity_with_events("u1", "no-such-identity", vec![notice("n1")], t0())
            .await
            .unwrap(),
        None
    );
    assert_eq!(count().await, 0);
    // The change and its notice, together.
    let ids = store
        .set_password_hash_with_events("u1", "$argon2id$new", t0(), vec![notice("n2")])
        .await
        .unwrap()
        .unwrap();
    assert_eq!(ids.len(), 1);
    assert_eq!(count().await, 1);
    assert_eq!(
        store
            .user_by_id("u1")
            .await
            .unwrap()
            .unwrap()
            .password_hash
            .as_deref(),
        Some("$argon2id$new")
    );
    let ids = store
        .set_second_factor_with_events("u1", "email", None, t0(), vec![notice("n3")])
        .await
        .unwrap()
        .unwrap();
    assert_eq!((ids.len(), count().await), (1, 2));
}
