//! The flight pages: results (`/flights`) and explore (`/explore`) over HTTP, and the whole
//! search on a phone in Chromium.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use fantoccini::{Client, Locator};
use wayfare_testkit::{Browser, TestApp, spawn_app};

fn date_in(days: i64) -> String {
    (Utc::now().date_naive() + Duration::days(days))
        .format("%Y-%m-%d")
        .to_string()
}

async fn page(app: &TestApp, path: &str, lang: &str) -> (u16, String) {
    let res = app.get_lang(path, lang).await;
    let status = res.status().as_u16();
    (status, res.text().await.unwrap())
}

/// Every value of `attr="…"` in the page, in order.
fn attr_values(html: &str, attr: &str) -> Vec<String> {
    let needle = format!("{attr}=\"");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('"')
                .map(|end| rest[..end].replace("&#38;", "&").replace("&amp;", "&"))
        })
        .collect()
}

/// The text inside every element with this class (first text node only, tags stripped).
fn texts_of(html: &str, class: &str) -> Vec<String> {
    let needle = format!("class=\"{class}\">");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('<').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn prices(html: &str) -> Vec<i64> {
    attr_values(html, "data-price-minor")
        .iter()
        .map(|p| p.parse().unwrap())
        .collect()
}

fn one_way(from: &str, to: &str, days: i64) -> String {
    format!(
        "/flights?trip=oneway&from={from}&to={to}&depart={}&adults=1&children=0&infants=0&cabin=economy&stops=1&sort=best",
        date_in(days)
    )
}

#[tokio::test]
async fn results_show_flights_with_local_times_and_prices_in_both_languages() {
    let app = spawn_app().await;
    let path = one_way("PEK", "SHA", 10);
    let (status, zh) = page(&app, &path, "zh-CN").await;
    assert_eq!(status, 200);
    assert!(zh.contains("<html lang=\"zh-CN\">"));
    assert!(zh.contains("北京 PEK → 上海 SHA"), "route in the header");
    let offers = prices(&zh);
    assert!(!offers.is_empty(), "PEK-SHA flies daily");
    assert!(offers.len() <= 50, "one page at most");
    // Local times, prices in the offer currency, stops and the details expansion.
    let times = texts_of(&zh, "fc-time");
    assert!(!times.is_empty());
    for t in &times {
        assert!(
            t.len() == 5
                && t.as_bytes()[2] == b':'
                && t.chars().filter(char::is_ascii_digit).count() == 4,
            "{t}"
        );
    }
    assert!(zh.contains("class=\"fc-amount\">¥"), "price in CNY");
    assert!(zh.contains("直飞"));
    assert!(zh.contains("航班详情与退改规则") && zh.contains("<details class=\"fc-details\">"));
    assert!(zh.contains("机型：") && zh.contains("行李（每位旅客）"));
    assert!(zh.contains("小时"), "durations in Chinese");
    // The price calendar: seven days, the chosen one marked.
    assert_eq!(zh.matches("class=\"cal-day").count(), 7);
    assert!(zh.contains("aria-current=\"date\""));
    // Sort tabs and the filter panel with the carriers present.
    assert!(zh.contains("sort=price") && zh.contains("综合最佳"));
    assert!(zh.contains("name=\"airline\""));

    let (status, en) = page(&app, &path, "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("Beijing PEK → Shanghai SHA"));
    assert!(en.contains("Direct") && en.contains("Flight details and fare rules"));
    let durations = texts_of(&en, "fc-dur");
    assert!(
        !durations.is_empty()
            && durations
                .iter()
                .all(|d| d.ends_with(" h") || d.ends_with(" min")),
        "{durations:?}"
    );
    assert!(!en.contains("小时"));
    assert!(en.contains("Cheapest one-way fare by departure date"));
    assert_eq!(prices(&en), offers, "same flights in both languages");

    // A visitor who chose another display currency also sees an approximate amount.
    let res = app
        .client
        .get(app.url(&path))
        .header("accept-language", "en")
        .header("cookie", "wf_cur=USD")
        .send()
        .await
        .unwrap();
    let usd = res.text().await.unwrap();
    assert!(
        usd.contains("≈ US$") && usd.contains("(approx.)"),
        "converted price"
    );
    app.stop().await;
}

#[tokio::test]
async fn round_trip_multi_city_and_typed_city_names() {
    let app = spawn_app().await;
    let (status, html) = page(
        &app,
        &format!(
            "/flights?trip=round&from=PEK&to=SHA&depart={}&return={}",
            date_in(10),
            date_in(14)
        ),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200);
    assert!(!prices(&html).is_empty());
    assert!(html.contains("去程") && html.contains("返程"));
    assert!(html.contains("北京 PEK ⇄ 上海 SHA"));
    // Two strips (outbound with the return fixed, return with the outbound fixed) and the grid.
    assert_eq!(html.matches("class=\"cal-strip\"").count(), 2);
    assert!(html.contains("class=\"cal-grid\""));

    let (status, html) = page(
        &app,
        &format!(
            "/flights?trip=multi&from=PEK&to=PVG&depart={}&from2=PVG&to2=CAN&depart2={}&from3=&to3=&depart3=",
            date_in(10),
            date_in(12)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 200, "{html}");
    assert!(!prices(&html).is_empty(), "multi-city");
    assert!(html.contains("Flight 2"));

    // Without JavaScript people type city names: they resolve to the best airport.
    let (status, html) = page(
        &app,
        &format!(
            "/flights?from=%E5%8C%97%E4%BA%AC&to=SHA&depart={}",
            date_in(9)
        ),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("北京 PEK → 上海 SHA"), "北京 → PEK");
    assert!(html.contains("name=\"from\" type=\"text\" value=\"PEK\""));
    app.stop().await;
}

#[tokio::test]
async fn sorting_and_filters_are_plain_links_and_get_forms() {
    let app = spawn_app().await;
    let base = one_way("PEK", "SHA", 11);
    let (_, html) = page(&app, &base.replace("sort=best", "sort=price"), "en").await;
    let by_price = prices(&html);
    assert!(by_price.len() > 1);
    assert!(by_price.windows(2).all(|w| w[0] <= w[1]), "{by_price:?}");
    assert!(html.contains("aria-current=\"page\">Cheapest<"));

    let (_, html) = page(&app, &base.replace("sort=best", "sort=departure"), "en").await;
    let departs = attr_values(&html, "data-departs");
    assert!(departs.windows(2).all(|w| w[0] <= w[1]), "{departs:?}");

    // Direct only.
    let (_, html) = page(&app, &base.replace("stops=1", "stops=0"), "en").await;
    let cards = prices(&html).len();
    assert!(cards > 0);
    assert_eq!(html.matches("class=\"fc-stops is-direct\"").count(), cards);

    // One airline: every flight on the page is that carrier's.
    let carrier = attr_values(&html, "name=\"airline\" value")
        .into_iter()
        .next()
        .expect("an airline facet");
    let (_, html) = page(&app, &format!("{base}&airline={carrier}"), "en").await;
    let flights = texts_of(&html, "fc-flights");
    assert!(!flights.is_empty());
    for f in &flights {
        assert!(
            f.split(" · ").all(|n| n.starts_with(carrier.as_str())),
            "{f} not {carrier}"
        );
    }
    assert!(html.contains("Clear filters"));

    // Morning departures only.
    let (_, html) = page(&app, &format!("{base}&dtime0=morning"), "en").await;
    for d in attr_values(&html, "data-departs") {
        let hhmm = &d[11..16];
        assert!(("05:00".."12:00").contains(&hhmm), "{d}");
    }

    // A price cap nobody meets: the empty state suggests other dates and more stops.
    let (status, html) = page(&app, &format!("{base}&max_price=1"), "zh-CN").await;
    assert_eq!(status, 200);
    assert!(prices(&html).is_empty());
    assert!(html.contains("没有符合条件的航班"));
    assert!(html.contains("允许最多中转 2 次") && html.contains("清除全部筛选"));
    app.stop().await;
}

#[tokio::test]
async fn long_lists_page_and_a_failing_supplier_leaves_a_notice() {
    use wiremock::matchers::{method, path};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let duffel = MockServer::start().await;
    Mock::given(method("POST"))
        .and(path("/air/offer_requests"))
        .respond_with(ResponseTemplate::new(503).set_body_json(serde_json::json!({
            "errors": [{"type": "api_error", "title": "Service unavailable", "message": "try later", "code": "service_unavailable"}],
            "meta": {"request_id": "req_1", "status": 503}})))
        .mount(&duffel)
        .await;
    let url = duffel.uri();
    let app = wayfare_testkit::spawn_app_with(|c| {
        c.flights.duffel = Some(wayfare::config::DuffelSettings {
            access_token: wayfare::config::Secret::new("duffel_test_token"),
            base_url: url,
            webhook_secret: None,
        });
    })
    .await;
    let (status, html) = page(&app, &one_way("PEK", "SHA", 10), "zh-CN").await;
    assert_eq!(status, 200);
    assert!(!prices(&html).is_empty(), "built-in flights still shown");
    assert!(
        html.contains("部分结果未能及时加载（Duffel）"),
        "partial results notice"
    );

    // Up to two stops between two far hubs: more itineraries than a page holds.
    let many = format!(
        "/flights?trip=round&from=PVG&to=LHR&depart={}&return={}&stops=2&sort=price",
        date_in(20),
        date_in(27)
    );
    let (status, html) = page(&app, &many, "en").await;
    assert_eq!(status, 200);
    let first = prices(&html).len();
    assert_eq!(first, 50, "one page");
    assert!(html.contains("Showing 50 of "));
    let more = attr_values(&html, "href")
        .into_iter()
        .find(|h| h.contains("limit=100"))
        .expect("a show-more link");
    let (_, html) = page(&app, &more, "en").await;
    let second = prices(&html);
    assert!(second.len() > first);
    assert!(second.windows(2).all(|w| w[0] <= w[1]));
    app.stop().await;
}

#[tokio::test]
async fn bad_searches_render_the_form_again_with_a_localized_422() {
    let app = spawn_app().await;
    // Unknown airport.
    let (status, html) = page(&app, &one_way("XQZ", "SHA", 10), "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("无法识别该机场"), "reason in Chinese");
    assert!(html.contains("class=\"field-error\""));
    assert!(html.contains("id=\"fs-from\" name=\"from\" type=\"text\" value=\"XQZ\""));
    assert!(html.contains("aria-invalid=\"true\""));
    assert!(
        html.contains("action=\"/flights\""),
        "the form is there to fix it"
    );
    let (status, html) = page(&app, &one_way("XQZ", "SHA", 10), "en").await;
    assert_eq!(status, 422);
    assert!(
        html.contains("We don&#39;t know that airport"),
        "reason in English"
    );

    // A date in the past.
    let (status, html) = page(&app, &one_way("PEK", "SHA", -3), "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("该日期已过"));
    let (status, html) = page(&app, &one_way("PEK", "SHA", -3), "en").await;
    assert_eq!(status, 422);
    assert!(html.contains("That date has passed"));

    // Round trip without a return date; more infants than adults; same origin and destination.
    let (status, html) = page(
        &app,
        &format!("/flights?trip=round&from=PEK&to=SHA&depart={}", date_in(10)),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("id=\"fs-return-error\""));
    let (status, html) = page(
        &app,
        &format!(
            "{}&infants=2",
            one_way("PEK", "SHA", 10).replace("&infants=0", "")
        ),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("每名婴儿需由一名成人怀抱"));
    let (status, _) = page(&app, &one_way("PEK", "PEK", 10), "en").await;
    assert_eq!(status, 422);

    // Nonsense never makes a 500.
    for q in [
        "adults=abc",
        "stops=9",
        "max_price=abc",
        "limit=0",
        "limit=x",
        "sort=cheapest",
        "cabin=luxury",
        "dtime0=teatime",
        "max_hours=999",
        "airline=%3Cscript%3E",
        "via=ZZZZ",
    ] {
        let (status, html) = page(&app, &format!("{}&{q}", one_way("PEK", "SHA", 10)), "en").await;
        assert!(status == 200 || status == 422, "{q}: {status}");
        assert!(!html.contains("<script>"), "{q} is escaped");
    }
    let (status, html) = page(&app, "/flights?from=PEK&to=SHA&depart=2026-13-45", "en").await;
    assert_eq!(status, 422);
    assert!(html.contains("2026-12-10"), "date format hint");

    // Nothing asked: just the form.
    let (status, html) = page(&app, "/flights", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("搜索机票") && !html.contains("class=\"field-error\""));
    app.stop().await;
}

#[tokio::test]
async fn explore_lists_the_cheapest_destinations_with_links_to_results() {
    let app = spawn_app().await;
    let (status, html) = page(
        &app,
        &format!("/explore?origin=PVG&from={}&to={}", date_in(5), date_in(8)),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 200);
    assert!(html.contains("从 上海 PVG 出发的特价机票"));
    let list = prices(&html);
    assert!(!list.is_empty(), "destinations from PVG");
    assert!(list.windows(2).all(|w| w[0] <= w[1]), "cheapest first");
    assert!(html.contains("直飞"));
    let links: Vec<String> = attr_values(&html, "href")
        .into_iter()
        .filter(|h| h.starts_with("/flights?trip=oneway&from=PVG"))
        .collect();
    assert_eq!(links.len(), list.len());
    // A destination's link shows that day's flights.
    let (status, results) = page(&app, &links[0], "zh-CN").await;
    assert_eq!(status, 200);
    assert!(!prices(&results).is_empty());

    let (status, en) = page(&app, "/explore?origin=PVG", "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("Cheapest flights from Shanghai PVG"));

    // A city typed by name explores from all its airports.
    let (status, html) = page(&app, "/explore?origin=%E4%B8%8A%E6%B5%B7", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("从 上海 出发的特价机票"));
    assert!(html.contains(">PVG<") && html.contains(">SHA<"));

    // From a position (People's Square, Shanghai): the nearby airports are listed.
    let (status, html) = page(&app, "/explore?lat=31.2304&lon=121.4737", "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Flying from:") && html.contains(">SHA<") && html.contains(">PVG<"));

    // Bad input: a 422 with the form.
    let (status, html) = page(&app, "/explore?origin=XQZ", "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("无法识别该机场") && html.contains("data-explore-form"));
    let (status, _) = page(&app, "/explore?lat=95&lon=0", "en").await;
    assert_eq!(status, 422);
    let (status, _) = page(&app, "/explore?origin=PVG&budget=cheap", "en").await;
    assert_eq!(status, 422);
    let (status, html) = page(&app, "/explore", "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Use my location"));
    app.stop().await;
}

/// Polls a script until it returns true.
async fn wait_for(c: &Client, script: &str, what: &str) {
    for _ in 0..100 {
        if c.execute(script, vec![]).await.unwrap() == serde_json::Value::Bool(true) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

/// Headless Chromium keeps windows at least 500 px wide whatever `--window-size` says; the
/// WebDriver window call does get a real 375 px phone viewport.
async fn phone_viewport(c: &Client) {
    c.set_window_size(375, 812).await.unwrap();
    let width = c
        .execute("return window.innerWidth;", vec![])
        .await
        .unwrap();
    assert_eq!(width, serde_json::json!(375), "a 375 px viewport");
}

async fn fits_the_screen(c: &Client) -> bool {
    c.execute(
        "return document.documentElement.scrollWidth <= window.innerWidth;",
        vec![],
    )
    .await
    .unwrap()
        == serde_json::Value::Bool(true)
}

/// Types into an airport box and picks `code` from the suggestions.
async fn pick_airport(c: &Client, input: &str, text: &str, code: &str) {
    let el = c.find(Locator::Css(input)).await.unwrap();
    el.send_keys(text).await.unwrap();
    let option = c
        .wait()
        .for_element(Locator::Css(&format!(
            "{input}-list li[role=option][data-code={code}]"
        )))
        .await
        .unwrap_or_else(|_| panic!("{code} offered for {text}"));
    option.click().await.unwrap();
    assert_eq!(
        el.prop("value").await.unwrap().as_deref(),
        Some(code),
        "{input} holds the code"
    );
}

#[tokio::test]
async fn search_on_a_phone_in_chinese() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    phone_viewport(c).await;
    assert!(
        fits_the_screen(c).await,
        "home page scrolls sideways at 375px"
    );

    // One-way hides the return date; round trip shows it.
    let ret = c.find(Locator::Css("#fs-return")).await.unwrap();
    assert!(!ret.is_displayed().await.unwrap());
    c.find(Locator::Css("input[data-trip][value=round]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(ret.is_displayed().await.unwrap());
    c.find(Locator::Css("input[data-trip][value=oneway]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(!ret.is_displayed().await.unwrap());

    pick_airport(c, "#fs-from", "北京", "PEK").await;
    let picked = c
        .find(Locator::Css("#fs-from-picked"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(picked.contains("北京"), "{picked}");
    pick_airport(c, "#fs-to", "上海", "SHA").await;
    // The departure date is filled in a week ahead; search.
    c.find(Locator::Css(".fs-submit"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        c,
        "return location.pathname === '/flights' && document.querySelectorAll('article[data-offer]').length > 0;",
        "result cards",
    )
    .await;
    let url = c.current_url().await.unwrap();
    assert!(
        url.query().unwrap_or("").contains("from=PEK")
            && url.query().unwrap_or("").contains("to=SHA"),
        "{url}"
    );
    assert!(
        !url.query().unwrap_or("").contains("return="),
        "one-way sends no return date"
    );
    assert!(fits_the_screen(c).await, "results scroll sideways at 375px");

    // The filter panel is folded on a phone and opens.
    let filters = c.find(Locator::Css("details[data-filters]")).await.unwrap();
    assert!(filters.attr("open").await.unwrap().is_none());
    c.find(Locator::Css("details[data-filters] > summary"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(
        c.find(Locator::Css(".filter-form input[name=stops]"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );

    // Open the first card's details: segments and fares show.
    let summary = c
        .find(Locator::Css("#offer-1 .fc-details > summary"))
        .await
        .unwrap();
    summary.click().await.unwrap();
    let seg = c
        .find(Locator::Css("#offer-1 .timeline .seg"))
        .await
        .unwrap();
    assert!(seg.is_displayed().await.unwrap());
    let fare = c
        .find(Locator::Css("#offer-1 .fare-option"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(fare.contains("经济舱") && fare.contains("¥"), "{fare}");
    assert!(fits_the_screen(c).await, "open details scroll sideways");

    // Sort by price: cheapest first.
    c.find(Locator::Css(".sort-tabs a[href*='sort=price']"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    wait_for(
        c,
        "return location.search.indexOf('sort=price') >= 0 && document.querySelectorAll('article[data-offer]').length > 0;",
        "price sort",
    )
    .await;
    let prices = c
        .execute(
            "return Array.from(document.querySelectorAll('article[data-offer]')).map(a => +a.dataset.priceMinor);",
            vec![],
        )
        .await
        .unwrap();
    let prices: Vec<i64> = prices
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_i64().unwrap())
        .collect();
    assert!(!prices.is_empty());
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    let current = c
        .find(Locator::Css(".sort-tabs a[aria-current=page]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert_eq!(current, "价格最低");
    assert!(fits_the_screen(c).await);
    browser.close().await;
    app.stop().await;
}

#[tokio::test]
async fn explore_and_multi_city_in_english_on_a_phone() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "en").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/explore?origin=PVG")).await.unwrap();
    phone_viewport(c).await;
    assert!(
        c.find(Locator::Css(".dest-card"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    assert!(
        fits_the_screen(c).await,
        "explore scrolls sideways at 375px"
    );

    // Multi-city: the extra rows appear, and "add another flight" reveals the next one.
    c.goto(&app.url("/")).await.unwrap();
    c.find(Locator::Css("input[data-trip][value=multi]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    let row2 = c.find(Locator::Css("#fs-from2")).await.unwrap();
    assert!(row2.is_displayed().await.unwrap());
    let row3 = c.find(Locator::Css("#fs-from3")).await.unwrap();
    assert!(!row3.is_displayed().await.unwrap());
    pick_airport(c, "#fs-from", "PEK", "PEK").await;
    pick_airport(c, "#fs-to", "PVG", "PVG").await;
    c.find(Locator::Css("[data-add-row]"))
        .await
        .unwrap()
        .click()
        .await
        .unwrap();
    assert!(row3.is_displayed().await.unwrap());
    assert!(fits_the_screen(c).await, "multi-city form fits");
    browser.close().await;
    app.stop().await;
}
