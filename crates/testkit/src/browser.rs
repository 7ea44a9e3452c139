//! Headless Chromium through chromedriver (Debian's `chromium` and `chromium-driver`).
//! When they are not installed the browser tests say so and skip; `.ci/run` installs them.

use std::net::TcpListener;
use std::process::{Child, Command, Stdio};
use std::time::Duration;

use fantoccini::{Client, ClientBuilder, Locator};

pub const CHROMIUM: &str = "/usr/bin/chromium";
pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";

/// A browser session with its own chromedriver process and profile.
pub struct Browser {
    pub client: Client,
    driver: Child,
    _profile: tempfile::TempDir,
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("Browser")
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .unwrap_or(9515)
}

impl Browser {
    /// Starts Chromium at the given window size and language, or returns None (with a note on
    /// stderr) when Chromium or chromedriver is not installed.
    pub async fn start(width: u32, height: u32, lang: &str) -> Option<Browser> {
        Browser::start_as(width, height, lang, None).await
    }

    /// [`Browser::start`] with another browser's user agent (WeChat's, a phone's).
    pub async fn start_as(
        width: u32,
        height: u32,
        lang: &str,
        user_agent: Option<&str>,
    ) -> Option<Browser> {
        if !std::path::Path::new(CHROMIUM).exists() || !std::path::Path::new(CHROMEDRIVER).exists()
        {
            eprintln!(
                "browser test skipped: {CHROMIUM} / {CHROMEDRIVER} not installed (apt-get install chromium chromium-driver)"
            );
            return None;
        }
        let port = free_port();
        let driver = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .ok()?;
        let profile = tempfile::tempdir().ok()?;
        let mut args: Vec<String> = [
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--no-first-run",
            "--disable-dev-shm-usage",
        ]
        .iter()
        .map(|a| (*a).to_owned())
        .collect();
        args.push(format!("--window-size={width},{height}"));
        args.push(format!("--lang={lang}"));
        args.push(format!("--user-data-dir={}", profile.path().display()));
        if let Some(ua) = user_agent {
            args.push(format!("--user-agent={ua}"));
        }
        let mut caps = serde_json::Map::new();
        caps.insert(
            "goog:chromeOptions".into(),
            serde_json::json!({
                "binary": CHROMIUM,
                "args": args,
                "prefs": {"intl.accept_languages": lang},
            }),
        );
        let url = format!("http://127.0.0.1:{port}");
        let mut last_err = String::new();
        let mut driver = driver;
        for _ in 0..100 {
            let connector = hyper_util::client::legacy::connect::HttpConnector::new();
            match ClientBuilder::new(connector)
                .capabilities(caps.clone())
                .connect(&url)
                .await
            {
                Ok(client) => {
                    // Headless Chromium ignores a --window-size narrower than 500 px; set it
                    // through WebDriver so phone widths (375 px) are real.
                    let _ = client.set_window_size(width, height).await;
                    return Some(Browser {
                        client,
                        driver,
                        _profile: profile,
                    });
                }
                Err(e) => {
                    last_err = e.to_string();
                    tokio::time::sleep(Duration::from_millis(100)).await;
                }
            }
        }
        let _ = driver.kill();
        panic!("chromedriver did not start a session: {last_err}");
    }

    pub async fn close(mut self) {
        let _ = self.client.clone().close().await;
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        let _ = self.driver.kill();
    }
}

// ----- small steps of a browser flow ------------------------------------------------------------

/// Replaces the text of the field matching `css`.
pub async fn fill(c: &Client, css: &str, text: &str) {
    let el = c.find(Locator::Css(css)).await.unwrap();
    el.clear().await.unwrap();
    el.send_keys(text).await.unwrap();
}

/// Clicks the element matching `css` (a submit button, a link).
pub async fn click(c: &Client, css: &str) {
    c.find(Locator::Css(css))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
}

/// The current path with its query.
pub async fn path(c: &Client) -> String {
    let url = c.current_url().await.unwrap();
    let mut p = url.path().to_owned();
    if let Some(q) = url.query() {
        p.push('?');
        p.push_str(q);
    }
    p
}

/// Waits (up to 5 s) until the path and query start with `prefix`.
pub async fn wait_for_path(c: &Client, prefix: &str) {
    for _ in 0..100 {
        if path(c).await.starts_with(prefix) {
            return;
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    panic!("never reached {prefix}; at {}", path(c).await);
}

/// The visible text of the page's `<main>`. A page still loading after a submit can replace
/// `<main>` between finding it and reading it (a stale element): then it is read again.
pub async fn body_text(c: &Client) -> String {
    let mut last = None;
    for _ in 0..50 {
        match c.find(Locator::Css("main")).await {
            Ok(main) => match main.text().await {
                Ok(text) => return text,
                Err(e) => last = Some(e),
            },
            Err(e) => last = Some(e),
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    panic!("no readable <main>: {last:?}")
}
