//! The hotel pages over HTTP (results as a list and a map, a hotel with its rates, deals,
//! chains, themes, refusals), and a family's whole search on a phone in Chromium.

use std::time::Duration as StdDuration;

use chrono::{Duration, Utc};
use fantoccini::{Client, Locator};
use serde_json::Value;
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

/// The text inside every element with this class (first text node only).
fn texts_of(html: &str, class: &str) -> Vec<String> {
    let needle = format!("class=\"{class}\">");
    html.match_indices(&needle)
        .filter_map(|(i, _)| {
            let rest = &html[i + needle.len()..];
            rest.find('<').map(|end| rest[..end].to_owned())
        })
        .collect()
}

fn numbers(html: &str, attr: &str) -> Vec<i64> {
    attr_values(html, attr)
        .iter()
        .map(|p| p.parse().unwrap())
        .collect()
}

/// Shanghai for two adults and a five-year-old, three nights from `days` ahead.
fn shanghai(days: i64, extra: &str) -> String {
    format!(
        "/hotels?dest=%E4%B8%8A%E6%B5%B7&in={}&out={}&rooms=2%3A5{extra}",
        date_in(days),
        date_in(days + 3)
    )
}

#[tokio::test]
async fn results_list_filters_sorting_and_the_map_in_both_languages() {
    let app = spawn_app().await;
    let (status, zh) = page(&app, &shanghai(12, ""), "zh-CN").await;
    assert_eq!(status, 200);
    assert!(zh.contains("<h1 id=\"route-title\" class=\"route-title\">上海酒店</h1>"));
    assert!(zh.contains("3 晚") && zh.contains("1 间客房、2 位成人、1 名儿童"));
    let ids = attr_values(&zh, "data-hotel-id");
    assert!(!ids.is_empty() && ids.len() <= 20, "one page of hotels");
    assert!(ids.iter().all(|i| i.starts_with("bh_")));
    assert!(zh.contains("每间每晚") && zh.contains("class=\"hc-amount\">¥"));
    assert!(zh.contains("/photo/0.svg"), "each card has its picture");
    // Cards link to the hotel with the stay.
    let links: Vec<String> = attr_values(&zh, "href")
        .into_iter()
        .filter(|h| h.starts_with("/hotels/bh_"))
        .collect();
    assert!(links[0].contains(&format!("in={}", date_in(12))) && links[0].contains("rooms=2%3A5"));

    let (status, en) = page(&app, &shanghai(12, ""), "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("Hotels in Shanghai") && en.contains("3 nights"));
    assert!(en.contains("1 room, 2 adults, 1 child"));
    assert_eq!(
        attr_values(&en, "data-hotel-id"),
        ids,
        "same hotels in English"
    );
    assert!(!en.contains("每间每晚"));

    // 4–5 stars with free cancellation.
    let filtered = shanghai(12, "&stars=4&stars=5&free_cancellation=1");
    let (status, html) = page(&app, &filtered, "en").await;
    assert_eq!(status, 200);
    let stars = numbers(&html, "data-stars");
    assert!(
        !stars.is_empty(),
        "Shanghai has 4–5 star hotels to cancel freely"
    );
    assert!(stars.iter().all(|s| (4..=5).contains(s)), "{stars:?}");
    assert_eq!(
        html.matches(" data-free-cancellation ").count(),
        stars.len(),
        "every card cancels free"
    );
    assert!(html.contains("name=\"stars\" value=\"5\" checked"));
    assert!(html.contains("Clear filters"));

    // Cheapest first.
    let (_, html) = page(&app, &shanghai(12, "&sort=price"), "en").await;
    let prices = numbers(&html, "data-price-minor");
    assert!(prices.len() > 1);
    assert!(prices.windows(2).all(|w| w[0] <= w[1]), "{prices:?}");
    assert!(html.contains("aria-current=\"page\">Lowest price<"));

    // The next page.
    let (status, html) = page(&app, &shanghai(12, "&page=2"), "en").await;
    assert_eq!(status, 200);
    let second = attr_values(&html, "data-hotel-id");
    assert!(
        second.iter().all(|i| !ids.contains(i)),
        "page 2 is other hotels"
    );

    // The map: a plot of the pins with no tiles configured, and the hotels beside it.
    let (status, map) = page(&app, &format!("{filtered}&view=map"), "zh-CN").await;
    assert_eq!(status, 200);
    assert!(map.contains("data-hotel-map") && map.contains("<svg class=\"map-plot\""));
    assert!(!map.contains("data-tiles"), "no tile server configured");
    let kinds = attr_values(&map, "data-kind");
    assert!(
        kinds.iter().any(|k| k == "hotel" || k == "cluster"),
        "{kinds:?}"
    );
    assert!(map.contains("data-map-item"));
    assert!(map.contains("aria-current=\"page\" data-view-tab>地图<"));
    // A group on the map opens a closer look (no script needed).
    if let Some(closer) = attr_values(&map, "href")
        .into_iter()
        .find(|h| h.contains("bbox="))
    {
        let (status, html) = page(&app, &closer, "zh-CN").await;
        assert_eq!(status, 200);
        assert!(html.contains("查看整个区域"));
    }

    // The plain form's per-room boxes work like `rooms`.
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Shanghai&place=&in={}&out={}&adults1=2&ages1=5&ages1=&adults2=0&ages2=&adults3=0",
            date_in(12),
            date_in(15)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 200);
    assert_eq!(attr_values(&html, "data-hotel-id"), ids);
    assert!(html.contains("rooms=2%3A5"));
    app.stop().await;
}

#[tokio::test]
async fn a_hotel_shows_its_rates_with_cancellation_terms_in_plain_words() {
    let app = spawn_app().await;
    let (_, html) = page(
        &app,
        &shanghai(12, "&stars=4&stars=5&free_cancellation=1"),
        "zh-CN",
    )
    .await;
    let link = attr_values(&html, "href")
        .into_iter()
        .find(|h| h.starts_with("/hotels/bh_"))
        .expect("a hotel");
    let (status, zh) = page(&app, &link, "zh-CN").await;
    assert_eq!(status, 200, "{link}");
    assert!(zh.contains("房型和价格") && zh.contains("← 返回搜索结果"));
    assert!(zh.contains("3 晚") && zh.contains("1 名儿童"));
    // Photos of our own, amenities by name, the location plot.
    assert_eq!(zh.matches("<img src=\"/hotels/bh_").count(), 5);
    assert!(zh.contains("酒店设施") && zh.contains("class=\"is-ok\">"));
    assert!(zh.contains("class=\"mk mk-here\""));
    // Free cancellation with its deadline in hotel time, and what it costs after.
    assert!(
        zh.contains("（酒店当地时间）前可免费取消；之后收取"),
        "plain-words cancellation"
    );
    assert!(zh.contains("时间均为酒店当地时间（Asia/Shanghai）"));

    // The rates are the API's for the same stay.
    let id = link
        .trim_start_matches("/hotels/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let (status, api) = app
        .get_json(
            &format!(
                "/api/v1/hotels/{id}/rates?check_in_date={}&check_out_date={}&rooms=2:5",
                date_in(12),
                date_in(15)
            ),
            "zh-CN",
        )
        .await;
    assert_eq!(status, 200, "{api}");
    let mut api_ids: Vec<String> = api["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let mut page_ids = attr_values(&zh, "data-rate-id");
    api_ids.sort();
    page_ids.sort();
    assert!(!page_ids.is_empty());
    assert_eq!(page_ids, api_ids);
    for r in api["rates"].as_array().unwrap() {
        let total = r["total_amount"]["amount"].as_str().unwrap();
        let shown = total.parse::<f64>().map(|v| format!("{:.2}", v)).unwrap();
        let (whole, cents) = shown.split_once('.').unwrap();
        let mut grouped = String::new();
        for (i, ch) in whole.chars().enumerate() {
            if i > 0 && (whole.len() - i) % 3 == 0 {
                grouped.push(',');
            }
            grouped.push(ch);
        }
        let text = if cents == "00" {
            format!("¥{grouped}<")
        } else {
            format!("¥{grouped}.{cents}<")
        };
        assert!(zh.contains(&text), "rate total {text} on the page");
        if r["cancellation"]["refundable"] == false {
            assert!(zh.contains("不可取消：取消或未入住均不退款。"));
        }
    }

    let (status, en) = page(&app, &link, "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("Rooms and prices"));
    assert!(en.contains("Free cancellation until ") && en.contains(" (hotel time); after that "));
    assert!(
        en.contains("night&#39;s price")
            || en.contains("nights&#39; price")
            || en.contains("of the price")
    );

    // Photos are SVG of our own; nonsense is a 404, never a 500.
    let res = app.get(&format!("/hotels/{id}/photo/0.svg")).await;
    assert_eq!(res.status().as_u16(), 200);
    assert_eq!(
        res.headers()["content-type"].to_str().unwrap(),
        "image/svg+xml"
    );
    assert!(res.text().await.unwrap().starts_with("<svg"));
    for bad in [
        format!("/hotels/{id}/photo/9.svg"),
        format!("/hotels/{id}/photo/x.png"),
        "/hotels/bh_999999999/photo/0.svg".to_owned(),
        "/hotels/zz_1/photo/0.svg".to_owned(),
    ] {
        assert_eq!(app.get(&bad).await.status().as_u16(), 404, "{bad}");
    }
    let (status, html) = page(&app, "/hotels/bh_999999999", "zh-CN").await;
    assert_eq!(status, 404);
    assert!(html.contains("<html lang=\"zh-CN\">"));
    // Without dates the hotel still shows, with rates for a week ahead.
    let (status, html) = page(&app, &format!("/hotels/{id}"), "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("data-rate-id") || html.contains("No rooms left"));
    app.stop().await;
}

#[tokio::test]
async fn deals_chains_and_themes() {
    let app = spawn_app().await;
    let (status, zh) = page(&app, "/hotels/deals", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(zh.contains("酒店特惠"));
    let all = attr_values(&zh, "href")
        .into_iter()
        .filter(|h| h.contains("deals=1"))
        .collect::<Vec<_>>();
    assert!(!all.is_empty(), "deals in the top destinations");
    assert!(zh.contains("class=\"deal-tag\">特惠<") && zh.contains("原价 ¥"));
    assert!(zh.contains("class=\"hc-saving\">省 "));
    // A destination's "all deals" is a results page of deals only.
    let (status, html) = page(&app, &all[0], "zh-CN").await;
    assert_eq!(status, 200);
    let n = attr_values(&html, "data-hotel-id").len();
    assert!(n > 0);
    assert_eq!(
        html.matches("class=\"deal-tag\"").count(),
        n,
        "every hotel a deal"
    );
    let (status, en) = page(&app, "/hotels/deals?nights=3", "en").await;
    assert_eq!(status, 200);
    assert!(en.contains("Hotel deals") && en.contains("Was ¥"));

    // Every Hilton-family hotel in Shanghai.
    let (status, html) = page(&app, &shanghai(12, "&chains=hilton"), "zh-CN").await;
    assert_eq!(status, 200);
    let groups = texts_of(&html, "hc-group");
    assert!(!groups.is_empty(), "Hilton hotels in Shanghai");
    assert!(
        groups.iter().all(|g| g.starts_with("希尔顿集团")),
        "{groups:?}"
    );
    assert!(html.contains("name=\"chains\" value=\"hilton\" checked"));
    // Brands of the chosen group can narrow it.
    assert!(html.contains("name=\"brands\" value=\"hampton\""));
    // A group with no place yet asks for one, keeping the group.
    let (status, html) = page(&app, "/hotels?chains=hilton", "en").await;
    assert_eq!(status, 200);
    assert!(html.contains("Hilton hotels"));
    assert!(html.contains("<input type=\"hidden\" name=\"chains\" value=\"hilton\">"));

    // Themes: the home page's tiles start a themed search.
    let (status, home) = page(&app, "/", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(home.contains("data-hotel-form") && home.contains("data-flight-form"));
    assert!(home.contains("href=\"/hotels?themes=resort\""));
    let (status, html) = page(&app, "/hotels?themes=resort", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("度假酒店"));
    assert!(html.contains("<input type=\"hidden\" name=\"themes\" value=\"resort\">"));
    let start = attr_values(&html, "href")
        .into_iter()
        .find(|h| h.contains("themes=resort") && h.contains("place=city"))
        .expect("destinations to start from");
    let (status, html) = page(&app, &start, "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("name=\"themes\" value=\"resort\" checked"));
    let (status, html) = page(&app, &shanghai(12, "&themes=business"), "en").await;
    assert_eq!(status, 200);
    assert!(!attr_values(&html, "data-hotel-id").is_empty());
    app.stop().await;
}

#[tokio::test]
async fn bad_input_renders_the_form_again_naming_the_field() {
    let app = spawn_app().await;
    // An unknown place.
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Xqzzyville&in={}&out={}",
            date_in(10),
            date_in(12)
        ),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<a href=\"#hs-dest\">目的地</a>：无法识别该城市"));
    assert!(html.contains("id=\"hs-dest\" name=\"dest\" type=\"text\" value=\"Xqzzyville\""));
    assert!(html.contains("aria-invalid=\"true\"") && html.contains("class=\"field-error\""));
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Xqzzyville&in={}&out={}",
            date_in(10),
            date_in(12)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("<a href=\"#hs-dest\">Destination</a>: We don&#39;t know that city"));

    // Dates: past, inverted, malformed.
    let (status, html) = page(&app, &shanghai(-3, ""), "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("入住日期</a>：该日期已过"));
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Shanghai&in={}&out={}",
            date_in(10),
            date_in(9)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Check-out</a>: Check-out must be after check-in"));
    let (status, html) = page(&app, "/hotels?dest=Shanghai&in=2026-13-45&out=soon", "en").await;
    assert_eq!(status, 422);
    assert!(html.contains("2026-12-10"), "date format hint");

    // Rooms and children's ages.
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Shanghai&in={}&out={}&rooms=two",
            date_in(10),
            date_in(12)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Rooms and guests</a>: Write rooms as adults"));
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Shanghai&in={}&out={}&adults1=2&ages1=20",
            date_in(10),
            date_in(12)
        ),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("房间 1 的儿童年龄</a>：请填写每名儿童入住时的年龄"));
    let (status, html) = page(
        &app,
        &format!(
            "/hotels?dest=Shanghai&in={}&out={}&rooms=9",
            date_in(10),
            date_in(12)
        ),
        "en",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("Adults (room 1)</a>: Each room needs from 1 to 8 adults"));

    // Filters name their field too.
    let (status, html) = page(&app, &shanghai(10, "&stars=9"), "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("星级</a>：星级须在 1 到 5 之间"));

    // Nonsense never makes a 500, and nothing is echoed unescaped.
    for q in [
        "&sort=cheapest",
        "&page=0",
        "&page=x",
        "&page=999",
        "&min_price=abc",
        "&max_price=-5",
        "&min_price=500&max_price=100",
        "&review=11",
        "&review=good",
        "&amenities=jacuzzi",
        "&themes=party",
        "&chains=%3Cscript%3E",
        "&brands=a%20b",
        "&view=globe",
        "&bbox=1,2,3",
        "&view=map&bbox=200,100,-5,-5",
        "&place=landmark:nowhere",
    ] {
        let (status, html) = page(&app, &shanghai(10, q), "en").await;
        assert!(status == 200 || status == 422, "{q}: {status}");
        assert!(!html.contains("<script>"), "{q} is escaped");
    }
    let (status, _) = page(&app, &shanghai(10, "&min_price=abc"), "en").await;
    assert_eq!(status, 422);

    // A hotel's page with a bad stay keeps the hotel and shows the form.
    let (_, list) = page(&app, &shanghai(10, ""), "en").await;
    let id = attr_values(&list, "data-hotel-id").remove(0);
    let (status, html) = page(
        &app,
        &format!("/hotels/{id}?in=2020-01-01&out=2020-01-03&rooms=2"),
        "zh-CN",
    )
    .await;
    assert_eq!(status, 422);
    assert!(html.contains("入住日期</a>：该日期已过") && html.contains("class=\"hotel-name\""));
    let (status, _) = page(&app, &format!("/hotels/{id}?rooms=0"), "en").await;
    assert_eq!(status, 422);

    // Deals: a bad date or length of stay.
    let (status, html) = page(&app, "/hotels/deals?nights=99", "zh-CN").await;
    assert_eq!(status, 422);
    assert!(html.contains("入住晚数</a>：请选择 1 到 7 晚"));
    let (status, html) = page(&app, "/hotels/deals?in=2020-01-01", "en").await;
    assert_eq!(status, 422);
    assert!(html.contains("Check-in</a>: That date has passed"));

    // Nothing asked: just the form.
    let (status, html) = page(&app, "/hotels", "zh-CN").await;
    assert_eq!(status, 200);
    assert!(html.contains("搜索酒店") && !html.contains("class=\"field-error\""));
    app.stop().await;
}

// ------------------------------------------------------------------ in a browser

/// Polls a script until it returns true.
async fn wait_for(c: &Client, script: &str, what: &str) {
    for _ in 0..150 {
        if c.execute(script, vec![]).await.unwrap() == Value::Bool(true) {
            return;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    panic!("timed out waiting for {what}");
}

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
        == Value::Bool(true)
}

async fn click(c: &Client, css: &str) {
    let el = c
        .find(Locator::Css(css))
        .await
        .unwrap_or_else(|_| panic!("{css} on the page"));
    // Scroll it into view first: a phone page is long.
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&el).unwrap()],
    )
    .await
    .unwrap();
    el.click().await.unwrap();
}

#[tokio::test]
async fn a_family_finds_a_hotel_in_shanghai_on_a_phone() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(375, 812, "zh-CN").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/")).await.unwrap();
    phone_viewport(c).await;

    // The hotel tab.
    let dest = c.find(Locator::Css("#hs-dest")).await.unwrap();
    assert!(!dest.is_displayed().await.unwrap(), "flights first");
    click(c, "#tab-hotels").await;
    assert!(dest.is_displayed().await.unwrap());
    assert!(
        fits_the_screen(c).await,
        "home page scrolls sideways at 375px"
    );

    // Shanghai from the suggestions.
    dest.send_keys("上海").await.unwrap();
    let option = c
        .wait()
        .for_element(Locator::Css("#hs-dest-list li[data-place='city:1796236']"))
        .await
        .expect("上海 suggested");
    option.click().await.unwrap();
    assert_eq!(dest.prop("value").await.unwrap().as_deref(), Some("上海"));
    let place = c
        .execute(
            "return document.querySelector('#search-hotels [data-place-id]').value;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(place, serde_json::json!("city:1796236"));

    // Three nights, two adults and a five-year-old.
    c.execute(
        "document.getElementById('hs-in').value = arguments[0];\
         document.getElementById('hs-in').dispatchEvent(new Event('change'));\
         document.getElementById('hs-out').value = arguments[1];",
        vec![
            serde_json::json!(date_in(12)),
            serde_json::json!(date_in(15)),
        ],
    )
    .await
    .unwrap();
    let age = c.find(Locator::Css("#hs-ages1-1")).await.unwrap();
    assert!(
        !age.is_displayed().await.unwrap(),
        "no age box before a child"
    );
    c.find(Locator::Css("#hs-children1"))
        .await
        .unwrap()
        .select_by_value("1")
        .await
        .unwrap();
    assert!(age.is_displayed().await.unwrap());
    age.select_by_value("5").await.unwrap();
    assert!(
        !c.find(Locator::Css("#hs-ages1-2"))
            .await
            .unwrap()
            .is_displayed()
            .await
            .unwrap()
    );
    click(c, "#search-hotels .fs-submit").await;
    wait_for(
        c,
        "return location.pathname === '/hotels' && document.querySelectorAll('article[data-hotel]').length > 0;",
        "hotel results",
    )
    .await;
    let url = c.current_url().await.unwrap();
    let query = url.query().unwrap_or("").to_owned();
    assert!(
        query.contains("rooms=2%3A5") && query.contains("place=city%3A1796236"),
        "{query}"
    );
    assert!(!query.contains("adults1"), "the rooms travel as one value");
    assert!(fits_the_screen(c).await, "results scroll sideways at 375px");

    // Filters: 4–5 stars with free cancellation.
    let filters = c.find(Locator::Css("details[data-filters]")).await.unwrap();
    assert!(
        filters.attr("open").await.unwrap().is_none(),
        "folded on a phone"
    );
    click(c, "details[data-filters] > summary").await;
    click(c, ".filter-form input[name=stars][value='5']").await;
    click(c, ".filter-form input[name=stars][value='4']").await;
    click(c, ".filter-form input[name=free_cancellation]").await;
    click(c, ".filter-form button[type=submit]").await;
    wait_for(
        c,
        "return location.search.indexOf('free_cancellation=1') >= 0 && document.querySelectorAll('article[data-hotel]').length > 0;",
        "filtered results",
    )
    .await;
    let ok = c
        .execute(
            "return Array.from(document.querySelectorAll('article[data-hotel]')).every(a => (a.dataset.stars === '4' || a.dataset.stars === '5') && a.hasAttribute('data-free-cancellation'));",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(ok, Value::Bool(true), "only 4–5 stars that cancel free");

    // The map: a plot of the pins (no tiles configured, no network needed).
    click(c, ".view-tabs a[href*='view=map']").await;
    wait_for(
        c,
        "return location.search.indexOf('view=map') >= 0 && !!document.querySelector('svg.map-plot');",
        "the map",
    )
    .await;
    let plot = c.find(Locator::Css("svg.map-plot")).await.unwrap();
    assert!(plot.is_displayed().await.unwrap());
    let markers = c
        .execute(
            "return document.querySelectorAll('svg.map-plot .mk-hotel, svg.map-plot .mk-cluster').length;",
            vec![],
        )
        .await
        .unwrap();
    assert!(markers.as_u64().unwrap() > 0, "pins on the plot");
    let plot_width = c
        .execute(
            "return document.querySelector('svg.map-plot').getBoundingClientRect().width;",
            vec![],
        )
        .await
        .unwrap();
    assert!(
        plot_width.as_f64().unwrap() > 300.0,
        "the plot fills the phone"
    );
    assert!(
        fits_the_screen(c).await,
        "the map scrolls sideways at 375px"
    );

    // Open a hotel: its rates for the stay, with cancellation terms in words.
    click(c, ".map-list a[data-map-item]").await;
    wait_for(
        c,
        "return location.pathname.indexOf('/hotels/bh_') === 0 && document.querySelectorAll('[data-rate]').length > 0;",
        "the hotel's rates",
    )
    .await;
    let stay = c
        .find(Locator::Css(".stay-summary"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    assert!(stay.contains("3 晚") && stay.contains("1 名儿童"), "{stay}");
    let free = c
        .find(Locator::Css(".rate.is-free .rate-cancel li"))
        .await
        .expect("a rate that cancels free");
    c.execute(
        "arguments[0].scrollIntoView({block: 'center'});",
        vec![serde_json::to_value(&free).unwrap()],
    )
    .await
    .unwrap();
    assert!(free.is_displayed().await.unwrap());
    let words = free.text().await.unwrap();
    assert!(
        words.contains("（酒店当地时间）前可免费取消") && words.contains("之后收取"),
        "{words}"
    );
    // The same rates the API quotes for this stay.
    let path = c.current_url().await.unwrap().path().to_owned();
    let id = path.trim_start_matches("/hotels/").to_owned();
    let (_, api) = app
        .get_json(
            &format!(
                "/api/v1/hotels/{id}/rates?check_in_date={}&check_out_date={}&rooms=2:5",
                date_in(12),
                date_in(15)
            ),
            "zh-CN",
        )
        .await;
    let mut want: Vec<String> = api["rates"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["id"].as_str().unwrap().to_owned())
        .collect();
    let shown = c
        .execute(
            "return Array.from(document.querySelectorAll('[data-rate]')).map(r => r.dataset.rateId);",
            vec![],
        )
        .await
        .unwrap();
    let mut shown: Vec<String> = shown
        .as_array()
        .unwrap()
        .iter()
        .map(|v| v.as_str().unwrap().to_owned())
        .collect();
    want.sort();
    shown.sort();
    assert_eq!(shown, want);
    let photo_ok = c
        .execute(
            "const img = document.querySelector('.gallery img'); return img.complete && img.naturalWidth > 0;",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(photo_ok, Value::Bool(true), "the generated photo loads");
    assert!(
        fits_the_screen(c).await,
        "the hotel page scrolls sideways at 375px"
    );
    browser.close().await;
    app.stop().await;
}

/// A 1 × 1 PNG, the tile every request gets.
const PNG: &[u8] = &[
    0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x48, 0x44, 0x52,
    0x00, 0x00, 0x00, 0x01, 0x00, 0x00, 0x00, 0x01, 0x08, 0x06, 0x00, 0x00, 0x00, 0x1f, 0x15, 0xc4,
    0x89, 0x00, 0x00, 0x00, 0x0d, 0x49, 0x44, 0x41, 0x54, 0x78, 0x9c, 0x63, 0xf8, 0xcf, 0xc0, 0xf0,
    0x1f, 0x00, 0x05, 0x00, 0x01, 0xff, 0x89, 0x99, 0x3d, 0x1d, 0x00, 0x00, 0x00, 0x00, 0x49, 0x45,
    0x4e, 0x44, 0xae, 0x42, 0x60, 0x82,
];

#[tokio::test]
async fn with_a_tile_server_the_map_lays_the_pins_over_tiles() {
    use wiremock::matchers::{method, path_regex};
    use wiremock::{Mock, MockServer, ResponseTemplate};
    let tiles = MockServer::start().await;
    Mock::given(method("GET"))
        .and(path_regex(r"^/tiles/\d+/\d+/\d+\.png$"))
        .respond_with(
            ResponseTemplate::new(200)
                .insert_header("content-type", "image/png")
                .set_body_bytes(PNG),
        )
        .mount(&tiles)
        .await;
    let url = format!("{}/tiles/{{z}}/{{x}}/{{y}}.png", tiles.uri());
    let app = wayfare_testkit::spawn_app_with(|c| c.hotels.map_tiles_url = Some(url)).await;
    let map_path = shanghai(12, "&view=map");
    let res = app.get_lang(&map_path, "en").await;
    let csp = res.headers()["content-security-policy"]
        .to_str()
        .unwrap()
        .to_owned();
    assert!(
        csp.contains(&format!("img-src 'self' data: {};", tiles.uri())),
        "{csp}"
    );
    let html = res.text().await.unwrap();
    assert!(html.contains("data-tiles=\"http://127.0.0.1:") && html.contains("data-search="));

    let Some(browser) = Browser::start(375, 812, "en").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url(&map_path)).await.unwrap();
    phone_viewport(c).await;
    c.goto(&app.url(&map_path)).await.unwrap();
    wait_for(
        c,
        "const m = document.querySelector('.tile-map'); return !!m && m.querySelectorAll('.tm-tiles img').length > 0 && Array.from(m.querySelectorAll('.tm-tiles img')).some(i => i.complete && i.naturalWidth > 0);",
        "tiles drawn",
    )
    .await;
    let state = c
        .execute(
            "return {plotHidden: document.querySelector('svg.map-plot').hasAttribute('hidden'), markers: document.querySelectorAll('.tile-map .tm-marker').length};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(state["plotHidden"], Value::Bool(true), "the plot gives way");
    assert!(state["markers"].as_u64().unwrap() > 0, "pins on the tiles");
    assert!(fits_the_screen(c).await);
    // Zooming in fetches the hotels of the closer view from the API.
    let before = tiles.received_requests().await.unwrap_or_default().len();
    click(c, ".tm-controls button").await;
    wait_for(
        c,
        "return performance.getEntriesByType('resource').some(e => e.name.endsWith('/api/v1/hotels/search')) && document.querySelectorAll('.tile-map .tm-marker').length > 0;",
        "the closer view's hotels from the API",
    )
    .await;
    for _ in 0..50 {
        if tiles.received_requests().await.unwrap_or_default().len() > before {
            break;
        }
        tokio::time::sleep(StdDuration::from_millis(100)).await;
    }
    assert!(
        tiles.received_requests().await.unwrap_or_default().len() > before,
        "tiles of the next zoom level"
    );
    browser.close().await;
    app.stop().await;
}
