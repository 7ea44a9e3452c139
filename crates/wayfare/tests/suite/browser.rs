use fantoccini::Locator;
use wayfare_testkit::{Browser, spawn_app};

#[tokio::test]
async fn switch_language_and_find_an_airport_on_a_phone() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    let lang = c
        .find(Locator::Css("html"))
        .await
        .unwrap()
        .attr("lang")
        .await
        .unwrap();
    assert_eq!(lang.as_deref(), Some("zh-CN"));
    // The viewport really is a phone's, and nothing is wider than it.
    let width = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(375));
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
        "page scrolls sideways at 375px"
    );

    // Type a Chinese city: the listbox offers its airports.
    let input = c.find(Locator::Css("#finder-q")).await.unwrap();
    input.send_keys("上海").await.unwrap();
    let first = c
        .wait()
        .for_element(Locator::Css("#finder-results li[role=option]"))
        .await
        .unwrap();
    assert_eq!(
        first.attr("data-code").await.unwrap().as_deref(),
        Some("PVG")
    );
    let expanded = input.attr("aria-expanded").await.unwrap();
    assert_eq!(expanded.as_deref(), Some("true"));
    // Keyboard: arrow down and enter chooses it and shows the airport page.
    input.send_keys("\u{E015}").await.unwrap(); // ArrowDown
    input.send_keys("\u{E007}").await.unwrap(); // Enter
    c.wait()
        .for_url(&url_of(&app, "/airports?q=PVG"))
        .await
        .unwrap();
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("PVG"), "{heading}");

    // Switch to English with the language select: the page reloads in English, same place.
    let select = c.find(Locator::Css("#pref-lang")).await.unwrap();
    select.select_by_value("en").await.unwrap();
    c.wait()
        .for_element(Locator::Css("html[lang=en]"))
        .await
        .expect("page reloaded in English");
    let heading = c
        .find(Locator::Css("h1"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(heading.contains("Airports matching"), "{heading}");
    assert!(
        c.current_url()
            .await
            .unwrap()
            .as_str()
            .ends_with("/airports?q=PVG")
    );
    browser.close().await;
    app.stop().await;
}

fn url_of(app: &wayfare_testkit::TestApp, path: &str) -> url::Url {
    url::Url::parse(&app.url(path)).unwrap()
}
