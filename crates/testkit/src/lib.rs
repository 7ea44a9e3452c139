//! Test support: start the real application on port 0 with a fresh database — a new SQLite file,
//! or a new PostgreSQL schema when `WAYFARE_TEST_DATABASE_URL` is a postgres:// URL — and drive
//! it over real HTTP. Also a headless-Chromium driver for browser flows.

pub mod browser;
pub mod fake_oidc;

use std::path::PathBuf;

use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use wayfare::{Application, Config};
use wayfare_web::AppState;

pub use browser::Browser;

/// The variable that points the suite at PostgreSQL.
pub const TEST_DATABASE_ENV: &str = "WAYFARE_TEST_DATABASE_URL";

/// True when this run targets PostgreSQL.
pub fn is_postgres() -> bool {
    std::env::var(TEST_DATABASE_ENV).is_ok_and(|u| u.starts_with("postgres"))
}

/// A fresh, empty database for one test.
#[derive(Debug)]
pub struct TestDatabase {
    pub url: String,
    /// PostgreSQL: the schema made for this test.
    pub schema: Option<String>,
    /// SQLite: the file.
    pub sqlite_path: Option<PathBuf>,
}

impl TestDatabase {
    pub fn new(dir: &TempDir) -> TestDatabase {
        match std::env::var(TEST_DATABASE_ENV) {
            Ok(url) if url.starts_with("postgres") => TestDatabase {
                url,
                schema: Some(format!("t_{}", uuid::Uuid::new_v4().simple())),
                sqlite_path: None,
            },
            _ => {
                let path = dir.path().join("wayfare.db");
                TestDatabase {
                    url: format!("sqlite://{}", path.display()),
                    schema: None,
                    sqlite_path: Some(path),
                }
            }
        }
    }

    /// Applies this database to a configuration.
    pub fn configure(&self, config: &mut Config) {
        config.database_url = self.url.clone();
        config.database.schema = self.schema.clone();
    }
}

/// A configuration for tests: port 0, quiet, fast shutdown, the given database.
pub fn test_config(db: &TestDatabase) -> Config {
    let mut c = Config {
        bind: "127.0.0.1:0"
            .parse()
            .unwrap_or_else(|_| std::net::SocketAddr::from(([127, 0, 0, 1], 0))),
        ..Config::default()
    };
    c.http.shutdown_grace_secs = 5;
    // A smaller network than the demo's keeps each test's start-up short; the trunk routes the
    // tests fly are all in it.
    c.flights.demo_flights_per_day = 1_500;
    c.flights.horizon_days = 45;
    c.hotels.demo_hotels = 3_000;
    c.database.max_connections = 5;
    db.configure(&mut c);
    c
}

/// The password [`TestApp::signed_in`] registers with.
pub const TEST_PASSWORD: &str = "lantern-harbour-93";

/// The application running in this process for one test.
pub struct TestApp {
    pub address: String,
    pub port: u16,
    /// A client that keeps cookies and does not follow redirects.
    pub client: reqwest::Client,
    pub config: Config,
    pub db: TestDatabase,
    pub state: AppState,
    /// Scratch folder: the SQLite file lives here; tests may write backups here.
    dir: Option<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

impl std::fmt::Debug for TestApp {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("TestApp")
            .field("address", &self.address)
            .finish()
    }
}

/// Starts the app with the default test configuration.
pub async fn spawn_app() -> TestApp {
    spawn_app_with(|_| {}).await
}

/// Starts the app after `customise` adjusts the configuration.
pub async fn spawn_app_with(customise: impl FnOnce(&mut Config)) -> TestApp {
    let dir = tempfile::tempdir().expect("temp dir");
    let db = TestDatabase::new(&dir);
    let mut config = test_config(&db);
    customise(&mut config);
    start(config, db, dir).await
}

/// Starts the app again on the database a stopped app left — its configuration, and the
/// folder [`TestApp::stop`] handed back: a restart of the same installation.
pub async fn restart_app(config: Config, dir: TempDir) -> TestApp {
    let db = TestDatabase {
        url: config.database_url.clone(),
        schema: config.database.schema.clone(),
        sqlite_path: config
            .database_url
            .strip_prefix("sqlite://")
            .map(PathBuf::from),
    };
    start(config, db, dir).await
}

async fn start(config: Config, db: TestDatabase, dir: TempDir) -> TestApp {
    let app = Application::build(&config)
        .await
        .expect("application starts");
    let port = app.local_addr().port();
    let state = app.state().clone();
    let (tx, rx) = oneshot::channel::<()>();
    let server = tokio::spawn(app.run_until(async move {
        let _ = rx.await;
    }));
    let client = reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client");
    TestApp {
        address: format!("http://127.0.0.1:{port}"),
        port,
        client,
        config,
        db,
        state,
        dir: Some(dir),
        shutdown: Some(tx),
        server: Some(server),
    }
}

impl TestApp {
    pub fn url(&self, path: &str) -> String {
        format!("{}{}", self.address, path)
    }

    pub async fn get(&self, path: &str) -> reqwest::Response {
        self.client.get(self.url(path)).send().await.expect("GET")
    }

    /// GET with an `Accept-Language` header.
    pub async fn get_lang(&self, path: &str, lang: &str) -> reqwest::Response {
        self.client
            .get(self.url(path))
            .header("accept-language", lang)
            .send()
            .await
            .expect("GET")
    }

    /// GET and parse JSON, returning status and body.
    pub async fn get_json(&self, path: &str, lang: &str) -> (u16, serde_json::Value) {
        let res = self.get_lang(path, lang).await;
        let status = res.status().as_u16();
        let body = res.json().await.unwrap_or(serde_json::Value::Null);
        (status, body)
    }

    /// The CSRF token the site put in its forms for this client's cookie.
    pub async fn csrf_token(&self) -> String {
        let html = self.get("/").await.text().await.expect("home page");
        extract_csrf(&html).expect("csrf token in page")
    }

    /// The body of the newest message the built-in local channel holds for `to` ("" if none).
    pub fn last_message(&self, to: &str) -> String {
        self.state
            .accounts()
            .notifier()
            .local_outbox()
            .expect("local channel in tests")
            .last_to(to)
            .map(|m| m.body)
            .unwrap_or_default()
    }

    /// The newest message to `to` that contains `needle`, waiting (up to 15 s) for the outbox
    /// worker to send it; panics when none came.
    pub async fn wait_for_message(&self, to: &str, needle: &str) -> String {
        for _ in 0..150 {
            let outbox = self
                .state
                .accounts()
                .notifier()
                .local_outbox()
                .expect("local channel in tests");
            if let Some(m) = outbox
                .messages()
                .into_iter()
                .find(|m| m.to == to && m.body.contains(needle))
            {
                return m.body;
            }
            tokio::time::sleep(std::time::Duration::from_millis(100)).await;
        }
        panic!(
            "no message to {to} containing {needle:?}; last: {:?}",
            self.last_message(to)
        );
    }

    /// Registers and confirms `email` (password `lantern-harbour-93`) on a new client, signed
    /// in; returns the client and the user id.
    pub async fn signed_in(&self, email: &str) -> (reqwest::Client, String) {
        let client = new_client();
        let res = client
            .post(self.url("/api/v1/auth/register"))
            .json(&serde_json::json!({"identifier": email, "password": TEST_PASSWORD}))
            .send()
            .await
            .expect("register");
        assert_eq!(res.status(), 202, "registering {email}");
        let code = code_in(&self.last_message(email));
        let res = client
            .post(self.url("/api/v1/auth/verify"))
            .json(&serde_json::json!({"identifier": email, "code": code}))
            .send()
            .await
            .expect("verify");
        assert_eq!(res.status(), 200, "confirming {email}");
        let me: serde_json::Value = client
            .get(self.url("/api/v1/me"))
            .send()
            .await
            .expect("me")
            .json()
            .await
            .expect("me json");
        (client, me["id"].as_str().expect("user id").to_owned())
    }

    /// The scratch folder (the SQLite file lives here).
    pub fn dir(&self) -> &std::path::Path {
        self.dir
            .as_ref()
            .map(|d| d.path())
            .unwrap_or(std::path::Path::new("."))
    }

    /// Shuts the server down gracefully, waits for it, and hands back the scratch folder so a
    /// test can keep working with the database files after the server is gone.
    pub async fn stop(mut self) -> Option<TempDir> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            let _ = server.await;
        }
        self.dir.take()
    }
}

impl Drop for TestApp {
    fn drop(&mut self) {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
    }
}

/// A client of its own (another browser, another device): keeps cookies, never follows
/// redirects, so tests see each `303` and its `Location`.
pub fn new_client() -> reqwest::Client {
    reqwest::Client::builder()
        .cookie_store(true)
        .redirect(reqwest::redirect::Policy::none())
        .build()
        .expect("http client")
}

/// The 6-digit code in a message.
pub fn code_in(body: &str) -> String {
    body.split(|c: char| !c.is_ascii_digit())
        .find(|w| w.len() == 6)
        .unwrap_or_else(|| panic!("no code in {body:?}"))
        .to_owned()
}

/// Finds `name="csrf_token" value="…"` in a page.
pub fn extract_csrf(html: &str) -> Option<String> {
    let at = html.find("name=\"csrf_token\"")?;
    let rest = &html[at..];
    let v = rest.find("value=\"")? + 7;
    let end = rest[v..].find('"')?;
    Some(rest[v..v + end].to_owned())
}

/// Runs the `wayfare` binary with arguments and environment, returning (exit code, stdout, stderr).
pub fn run_cli(
    bin: &str,
    args: &[&str],
    env: &[(&str, &str)],
    cwd: &std::path::Path,
) -> (i32, String, String) {
    let mut cmd = std::process::Command::new(bin);
    cmd.args(args)
        .current_dir(cwd)
        .env_remove("DATABASE_URL")
        .env("RUST_LOG", "warn");
    for (k, _) in std::env::vars() {
        if k.starts_with("WAYFARE_") {
            cmd.env_remove(k);
        }
    }
    for (k, v) in env {
        cmd.env(k, v);
    }
    let out = cmd.output().expect("run wayfare");
    (
        out.status.code().unwrap_or(-1),
        String::from_utf8_lossy(&out.stdout).into_owned(),
        String::from_utf8_lossy(&out.stderr).into_owned(),
    )
}
