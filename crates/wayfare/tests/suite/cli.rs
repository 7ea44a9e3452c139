use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use wayfare_testkit::{is_postgres, run_cli};

const BIN: &str = env!("CARGO_BIN_EXE_wayfare");

#[test]
fn bad_configuration_exits_2_with_one_line_naming_the_key() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(dir.path().join("wayfare.toml"), "bnid = \"0.0.0.0:1\"\n").unwrap();
    let (code, _, err) = run_cli(BIN, &["config"], &[], dir.path());
    assert_eq!(code, 2);
    assert!(err.contains("bnid"), "{err}");
    assert_eq!(err.trim().lines().count(), 1, "{err}");

    std::fs::write(dir.path().join("wayfare.toml"), "").unwrap();
    let (code, _, err) = run_cli(
        BIN,
        &["config"],
        &[("WAYFARE_HTTP__REQUEST_TIMEOUT_SECS", "soon")],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("request_timeout_secs"), "{err}");
    let (code, _, err) = run_cli(
        BIN,
        &["config"],
        &[("WAYFARE_DEFAULT_LOCALE", "fr")],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("default_locale"), "{err}");
    let (code, _, err) = run_cli(
        BIN,
        &["--config", "nowhere.toml", "config"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("nowhere.toml"), "{err}");
}

#[test]
fn unreachable_database_exits_2() {
    let dir = tempfile::tempdir().unwrap();
    let (code, _, err) = run_cli(
        BIN,
        &[
            "migrate",
            "--database",
            "postgres://wayfare:secret@127.0.0.1:1/none",
        ],
        &[("WAYFARE_DATABASE__ACQUIRE_TIMEOUT_SECS", "2")],
        dir.path(),
    );
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("cannot reach the database"), "{err}");
    assert!(!err.contains("secret"), "password is redacted: {err}");
    let (code, _, err) = run_cli(
        BIN,
        &["migrate", "--database", "mysql://x"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("database_url"), "{err}");
}

#[test]
fn config_prints_the_effective_configuration_without_secrets() {
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(
        BIN,
        &["config", "--bind", "0.0.0.0:9999"],
        &[
            (
                "WAYFARE_SECRET_KEY",
                "a-very-secret-key-that-is-long-enough-42",
            ),
            ("DATABASE_URL", "postgres://app:hunter2@db.internal/wayfare"),
        ],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("bind = \"0.0.0.0:9999\""), "{out}");
    assert!(
        out.contains("postgres://app:***@db.internal/wayfare"),
        "{out}"
    );
    assert!(
        !out.contains("hunter2") && !out.contains("very-secret"),
        "{out}"
    );
    assert!(out.contains("[http]") && out.contains("body_limit_bytes"));
}

#[test]
fn migrate_and_seed_twice_on_a_fresh_sqlite_file() {
    if is_postgres() {
        return; // the same commands run against PostgreSQL through the app tests
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(BIN, &["migrate"], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("migrations applied"));
    assert!(
        dir.path().join("data/wayfare.db").is_file(),
        "default database location"
    );
    let (code, first, err) = run_cli(BIN, &["seed", "--demo"], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    let (code, second, _) = run_cli(BIN, &["seed", "--demo"], &[], dir.path());
    assert_eq!(code, 0);
    // Demo accounts and their passwords are printed by the run that creates them, once.
    assert!(first.contains("admin@demo.wayfare.test"), "{first}");
    assert!(!second.contains("Demo-admin-2026"), "{second}");
    assert!(first.ends_with(&second), "{first}\n---\n{second}");
    assert!(first.contains("7884 airports"), "{first}");
}

#[test]
fn bench_prints_percentiles_and_a_ratio_against_its_baseline() {
    if is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let (code, out, err) = run_cli(
        BIN,
        &["bench", "airports", "--queries", "200"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0, "{err}");
    assert!(
        out.contains("in-memory index") && out.contains("p50") && out.contains("p99"),
        "{out}"
    );
    assert!(out.contains("SQL LIKE baseline"), "{out}");
    assert!(out.contains("ratio (baseline p50 / index p50)"), "{out}");
}

#[test]
fn flight_bench_checks_the_index_against_sql_and_prints_percentiles() {
    if is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    let scratch = format!("sqlite://{}/bench.db", dir.path().display());
    let (code, out, err) = run_cli(
        BIN,
        &[
            "bench",
            "flights",
            "--flights-per-day",
            "6000",
            "--days",
            "12",
            "--queries",
            "60",
            "--http-requests",
            "30",
            "--scratch",
            &scratch,
        ],
        &[],
        dir.path(),
    );
    assert_eq!(code, 0, "{out}{err}");
    assert!(out.contains("identical sets"), "{out}");
    // The comparison is not vacuous: some itineraries were found and matched.
    let compared: usize = out
        .lines()
        .find_map(|l| {
            l.trim()
                .strip_prefix("baseline check: ")?
                .split(", ")
                .nth(1)?
                .split(' ')
                .next()?
                .parse()
                .ok()
        })
        .unwrap_or(0);
    assert!(compared > 20, "{out}");
    assert!(
        out.contains("one-way ≤2 stops") && out.contains("p99"),
        "{out}"
    );
    assert!(
        out.contains("searches/s") && out.contains(", 0 failed"),
        "{out}"
    );
}

#[test]
fn serve_prints_its_address_and_stops_cleanly_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/w.db", dir.path().display());
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database",
            &db,
            "--log-format",
            "json",
        ])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("WAYFARE_TEST_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(
        line.starts_with("Wayfare is running at http://127.0.0.1:"),
        "{line}"
    );
    let url = line.split_whitespace().nth(4).unwrap().to_owned();
    let body = reqwest::blocking_get(&format!("{url}/healthz"));
    assert!(body.contains("ok"), "{body}");
    // A second server on the same address fails with exit 2 and says why.
    let addr = url.trim_start_matches("http://");
    let (code, _, err) = run_cli(
        BIN,
        &["serve", "--bind", addr, "--database", &db],
        &[],
        dir.path(),
    );
    assert_eq!(code, 2);
    assert!(err.contains("cannot listen on"), "{err}");

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let status = child.wait().unwrap();
    assert!(status.success(), "exit status {status:?}");
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    let json_line = logs
        .lines()
        .find(|l| l.contains("\"route\":\"/healthz\""))
        .unwrap_or_else(|| panic!("{logs}"));
    let v: serde_json::Value = serde_json::from_str(json_line).unwrap();
    assert!(
        v["request_id"].as_str().is_some_and(|id| !id.is_empty())
            || v["span"]["request_id"].is_string(),
        "{json_line}"
    );
}

mod reqwest {
    /// A tiny blocking GET for a sync test, on its own runtime.
    pub fn blocking_get(url: &str) -> String {
        let rt = tokio::runtime::Builder::new_current_thread()
            .enable_all()
            .build()
            .unwrap();
        rt.block_on(async { ::reqwest::get(url).await.unwrap().text().await.unwrap() })
    }
}

#[test]
fn production_refuses_demo_accounts_and_unconfigured_keys() {
    if is_postgres() {
        return;
    }
    let dir = tempfile::tempdir().unwrap();
    // A development start on this database creates the demo accounts.
    let (code, out, err) = run_cli(BIN, &["seed", "--demo"], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    assert!(out.contains("Demo-admin-2026"), "{out}");

    // Production without configured encryption keys is a configuration error.
    let prod = [("WAYFARE_ENV", "production")];
    let (code, _, err) = run_cli(BIN, &["serve", "--bind", "127.0.0.1:0"], &prod, dir.path());
    assert_eq!(code, 2, "{err}");
    assert!(err.contains("accounts.encryption_keys"), "{err}");

    // With keys, production still refuses to serve while demo accounts exist…
    std::fs::write(
        dir.path().join("prod.toml"),
        "env = \"production\"\nseed_demo_on_first_start = false\n[accounts]\nencryption_keys = [\"k1:AAECAwQFBgcICQoLDA0ODxAREhMUFRYXGBkaGxwdHh8=\"]\n",
    )
    .unwrap();
    let (code, out, err) = run_cli(
        BIN,
        &["--config", "prod.toml", "serve", "--bind", "127.0.0.1:0"],
        &[],
        dir.path(),
    );
    assert_eq!(code, 2, "{out}{err}");
    assert!(err.contains("demo accounts exist"), "{err}");
    assert!(err.contains("admin@demo.wayfare.test"), "{err}");
    assert!(!out.contains("running at"), "{out}");
    // …and `seed --demo` will not make them there.
    let (code, _, err) = run_cli(
        BIN,
        &["--config", "prod.toml", "seed", "--demo"],
        &[],
        dir.path(),
    );
    assert_ne!(code, 0);
    assert!(err.contains("production"), "{err}");
}

/// Passwords, one-time codes, reset links and session tokens never reach the logs, even at
/// `debug`: a real server process is driven through registration, a failed and a good sign-in
/// and a password reset, and its whole log output is searched for each secret.
#[test]
fn secrets_never_appear_in_the_logs() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/w.db", dir.path().display());
    let mut child = Command::new(BIN)
        .args([
            "serve",
            "--bind",
            "127.0.0.1:0",
            "--database",
            &db,
            "--log-format",
            "json",
        ])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("WAYFARE_TEST_DATABASE_URL")
        .env("RUST_LOG", "debug")
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .unwrap();
    let mut stdout = BufReader::new(child.stdout.take().unwrap());
    let mut line = String::new();
    stdout.read_line(&mut line).unwrap();
    let url = line.split_whitespace().nth(4).unwrap().to_owned();
    let mut printed = String::new();
    for _ in 0..6 {
        stdout.read_line(&mut printed).unwrap();
    }
    assert!(printed.contains("Demo-admin-2026"), "{printed}");
    // Keep draining stdout so the server never blocks on it.
    std::thread::spawn(move || std::io::copy(&mut stdout, &mut std::io::sink()));

    let password = "copper-kettle-river-77";
    let secrets = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap()
        .block_on(async {
            let jar = || {
                ::reqwest::Client::builder()
                    .cookie_store(true)
                    .redirect(::reqwest::redirect::Policy::none())
                    .build()
                    .unwrap()
            };
            let (alice, admin) = (jar(), jar());
            let post = |c: &::reqwest::Client, path: &str, body: serde_json::Value| {
                c.post(format!("{url}{path}")).json(&body).send()
            };
            let res = post(
                &admin,
                "/api/v1/auth/login",
                serde_json::json!({"identifier": "admin@demo.wayfare.test", "password": "Demo-admin-2026"}),
            )
            .await
            .unwrap();
            assert_eq!(res.status(), 200);
            let mailbox = |admin: ::reqwest::Client| {
                let url = url.clone();
                async move {
                    admin
                        .get(format!("{url}/admin/mailbox"))
                        .send()
                        .await
                        .unwrap()
                        .text()
                        .await
                        .unwrap()
                }
            };
            let res = post(
                &alice,
                "/api/v1/auth/register",
                serde_json::json!({"identifier": "alice@example.com", "password": password}),
            )
            .await
            .unwrap();
            assert_eq!(res.status(), 202);
            let mail = mailbox(admin.clone()).await;
            // The page's head links assets with a content hash that may hold six digits too:
            // read from the first message on.
            let mail = &mail[mail.find("alice@example.com").unwrap_or(0)..];
            let code: String = mail
                .split(|c: char| !c.is_ascii_digit())
                .find(|w| w.len() == 6)
                .unwrap()
                .to_owned();
            let res = post(
                &alice,
                "/api/v1/auth/verify",
                serde_json::json!({"identifier": "alice@example.com", "code": code}),
            )
            .await
            .unwrap();
            assert_eq!(res.status(), 200);
            let session = res
                .headers()
                .get("set-cookie")
                .unwrap()
                .to_str()
                .unwrap()
                .split(';')
                .next()
                .unwrap()
                .trim_start_matches("wf_session=")
                .to_owned();
            let res = post(
                &jar(),
                "/api/v1/auth/login",
                serde_json::json!({"identifier": "alice@example.com", "password": "wrong-guess-12345"}),
            )
            .await
            .unwrap();
            assert_eq!(res.status(), 401);
            let res = post(
                &jar(),
                "/api/v1/auth/password-reset",
                serde_json::json!({"identifier": "alice@example.com"}),
            )
            .await
            .unwrap();
            assert_eq!(res.status(), 202);
            let mail = mailbox(admin.clone()).await;
            let reset = mail
                .split(|c: char| c.is_whitespace() || c == '<' || c == '"')
                .find_map(|w| w.split("/password/reset/").nth(1))
                .unwrap()
                .to_owned();
            assert!(reset.len() >= 40, "{reset}");
            vec![
                password.to_owned(),
                "wrong-guess-12345".to_owned(),
                code,
                session,
                reset,
                "Demo-admin-2026".to_owned(),
            ]
        });

    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    assert!(child.wait().unwrap().success());
    let mut logs = String::new();
    std::io::Read::read_to_string(&mut child.stderr.take().unwrap(), &mut logs).unwrap();
    assert!(
        logs.contains("/api/v1/auth/login") && logs.lines().count() > 10,
        "the requests were logged at all"
    );
    for secret in secrets {
        assert!(
            !logs.contains(&secret),
            "a secret ({} chars) is in the logs",
            secret.len()
        );
    }
}

#[test]
fn worker_runs_the_outbox_without_a_web_server_and_stops_on_sigterm() {
    let dir = tempfile::tempdir().unwrap();
    let db = format!("sqlite://{}/w.db", dir.path().display());
    let (code, _, err) = run_cli(BIN, &["migrate", "--database", &db], &[], dir.path());
    assert_eq!(code, 0, "{err}");
    let rt = tokio::runtime::Runtime::new().unwrap();
    let store = rt.block_on(async {
        let store = wayfare_store::Store::connect(&db, &wayfare_store::StoreOptions::default())
            .await
            .unwrap();
        let now = chrono::Utc::now();
        store
            .enqueue_event(
                wayfare_store::outbox::NewEvent {
                    kind: "no_such_kind".into(),
                    subject_id: None,
                    dedupe_key: None,
                    payload: serde_json::json!({}),
                    available_at: now,
                },
                now,
            )
            .await
            .unwrap();
        store
    });
    let mut child = Command::new(BIN)
        .args(["worker", "--database", &db])
        .current_dir(dir.path())
        .env_remove("DATABASE_URL")
        .env_remove("WAYFARE_TEST_DATABASE_URL")
        .stdout(Stdio::piped())
        .stderr(Stdio::null())
        .spawn()
        .unwrap();
    let mut line = String::new();
    BufReader::new(child.stdout.take().unwrap())
        .read_line(&mut line)
        .unwrap();
    assert!(line.starts_with("Wayfare worker running"), "{line}");
    // The worker takes the event; nobody handles that kind, so it is set aside as dead.
    let mut status = String::new();
    for _ in 0..100 {
        let (rows, _) = rt
            .block_on(store.outbox_events(&Default::default(), 10, 0))
            .unwrap();
        status = rows[0].status.clone();
        if status == "dead" {
            assert_eq!(
                rows[0].last_error.as_deref(),
                Some("no handler for events of kind no_such_kind")
            );
            break;
        }
        std::thread::sleep(std::time::Duration::from_millis(100));
    }
    assert_eq!(status, "dead");
    Command::new("kill")
        .args(["-TERM", &child.id().to_string()])
        .status()
        .unwrap();
    let exit = child.wait().unwrap();
    assert!(exit.success(), "exit status {exit:?}");
}
