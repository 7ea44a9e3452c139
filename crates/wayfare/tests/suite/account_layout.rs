//! The sign-in and account pages' layout in headless Chromium on a 375 × 812 phone: nothing
//! scrolls sideways, and the stylesheet's account section really applies (16px inputs, 44px
//! targets, a big monospaced code box, the recovery codes in two columns, the QR code on white).

use fantoccini::{Client, Locator};
use serde_json::Value;
use wayfare_domain::account::totp;
use wayfare_testkit::browser::{click, fill, wait_for_path};
use wayfare_testkit::{Browser, code_in, spawn_app};

const WIDTH: u32 = 375;
const HEIGHT: u32 = 812;

/// What the assertions need of one element: its box and a few computed styles.
#[derive(Debug)]
struct Styled {
    width: f64,
    height: f64,
    font_size: f64,
    font_family: String,
    letter_spacing: String,
    background: String,
    display: String,
    grid_columns: String,
    max_width: String,
}

async fn styled(c: &Client, css: &str) -> Styled {
    let v = c
        .execute(
            "const el = document.querySelector(arguments[0]);
             if (!el) return null;
             const cs = getComputedStyle(el);
             const r = el.getBoundingClientRect();
             return {width: r.width, height: r.height, fontSize: parseFloat(cs.fontSize),
                     fontFamily: cs.fontFamily, letterSpacing: cs.letterSpacing,
                     background: cs.backgroundColor, display: cs.display,
                     gridColumns: cs.gridTemplateColumns, maxWidth: cs.maxWidth};",
            vec![Value::from(css)],
        )
        .await
        .unwrap();
    assert!(!v.is_null(), "no element matches {css}");
    let num = |k: &str| v[k].as_f64().unwrap_or_default();
    let text = |k: &str| v[k].as_str().unwrap_or_default().to_owned();
    Styled {
        width: num("width"),
        height: num("height"),
        font_size: num("fontSize"),
        font_family: text("fontFamily"),
        letter_spacing: text("letterSpacing"),
        background: text("background"),
        display: text("display"),
        grid_columns: text("gridColumns"),
        max_width: text("maxWidth"),
    }
}

/// The page is no wider than the phone; on failure, names the elements that stick out.
async fn assert_fits(c: &Client, page: &str) {
    let v = c
        .execute(
            "const w = window.innerWidth;
             const wide = [...document.querySelectorAll('body *')]
               .filter(el => el.getBoundingClientRect().right > w + 0.5)
               .slice(0, 8)
               .map(el => el.tagName.toLowerCase() + '.' + el.className);
             return {fits: document.documentElement.scrollWidth <= window.innerWidth,
                     scrollWidth: document.documentElement.scrollWidth, wide};",
            vec![],
        )
        .await
        .unwrap();
    assert_eq!(
        v["fits"],
        Value::Bool(true),
        "{page} scrolls sideways at {WIDTH}px: {v}"
    );
}

/// A text control comfortable on a phone: 16px text (iOS zooms into smaller) and 44px tall.
async fn assert_phone_input(c: &Client, css: &str) {
    let s = styled(c, css).await;
    assert!(s.font_size >= 16.0, "{css} font {}px", s.font_size);
    assert!(s.height >= 44.0, "{css} is {}px tall", s.height);
}

fn is_transparent(colour: &str) -> bool {
    colour == "transparent" || colour.replace(' ', "").ends_with(",0)")
}

#[tokio::test]
async fn auth_and_account_pages_fit_a_phone_and_are_styled() {
    let app = spawn_app().await;
    let Some(browser) = Browser::start(WIDTH, HEIGHT, "en").await else {
        return;
    };
    let c = &browser.client;
    let width = c.execute("return window.innerWidth;", vec![]).await;
    assert_eq!(width.unwrap(), Value::from(WIDTH));
    let email = "layout.check@example.com";
    let password = "terraced-rice-fields-7";

    // Signed out: the sign-in card, its fields and its full-width button.
    c.goto(&app.url("/login")).await.unwrap();
    assert_fits(c, "/login").await;
    let card = styled(c, ".auth-card").await;
    assert!(!is_transparent(&card.background), "{card:?}");
    assert_ne!(card.max_width, "none", "the card has a reading width");
    assert!(card.width <= f64::from(WIDTH));
    assert_phone_input(c, "#login-identifier").await;
    assert_phone_input(c, "#login-password").await;
    let form = styled(c, "form.auth-form").await;
    let button = styled(c, "form.auth-form button.btn-block").await;
    assert!(button.height >= 44.0, "{button:?}");
    assert!(
        button.width >= form.width - 1.0,
        "btn-block fills the form: {} of {}",
        button.width,
        form.width
    );
    let links = styled(c, ".auth-links a").await;
    assert!(links.height >= 44.0, "{links:?}");

    c.goto(&app.url("/register")).await.unwrap();
    assert_fits(c, "/register").await;
    assert_phone_input(c, "#reg-identifier").await;
    assert_phone_input(c, "#reg-name").await;
    assert_phone_input(c, "#reg-password").await;

    // Register and confirm: the code box is big, monospaced and spaced.
    fill(c, "#reg-identifier", email).await;
    fill(c, "#reg-password", password).await;
    click(c, "form[action='/register'] button[type=submit]").await;
    wait_for_path(c, "/verify").await;
    assert_fits(c, "/verify").await;
    let code_box = styled(c, "#code-input").await;
    assert!(code_box.font_size >= 20.0, "{code_box:?}");
    assert!(code_box.height >= 44.0, "{code_box:?}");
    assert!(
        code_box.font_family.to_lowercase().contains("mono"),
        "{code_box:?}"
    );
    assert_ne!(code_box.letter_spacing, "normal", "{code_box:?}");
    let code = code_in(&app.last_message(email));
    fill(c, "#code-input", &code).await;
    click(c, "form[action='/verify'] button.btn-primary").await;
    wait_for_path(c, "/account").await;

    // The account overview: pill nav with the current page filled, cards in a grid.
    c.goto(&app.url("/account")).await.unwrap();
    assert_fits(c, "/account").await;
    let current = styled(c, ".account-nav a[aria-current=page]").await;
    assert!(!is_transparent(&current.background), "{current:?}");
    assert!(current.height >= 44.0, "{current:?}");
    assert_eq!(styled(c, ".account-grid").await.display, "grid");
    assert_eq!(styled(c, ".facts").await.display, "grid");
    assert_phone_input(c, "#p-family").await;
    assert_phone_input(c, "#p-currency").await;

    // Security: the sessions table scrolls inside its card, not the page.
    c.goto(&app.url("/account/security")).await.unwrap();
    assert_fits(c, "/account/security").await;
    assert_phone_input(c, "#cp-new").await;
    assert_phone_input(c, "#tok-name").await;
    let other = styled(c, ".account-nav a:not([aria-current])").await;
    assert!(other.height >= 44.0, "{other:?}");

    // Authenticator set-up: the QR code on white, no wider than its frame.
    c.goto(&app.url("/account/security/totp")).await.unwrap();
    assert_fits(c, "/account/security/totp").await;
    let qr = styled(c, ".qr img").await;
    assert_eq!(qr.background, "rgb(255, 255, 255)", "{qr:?}");
    assert!(qr.width <= 240.0, "{qr:?}");
    let secret = c
        .find(Locator::Css("[data-totp-secret]"))
        .await
        .unwrap()
        .text()
        .await
        .unwrap();
    let secret = totp::TotpSecret::from_base32(secret.trim()).unwrap();
    let now = chrono::Utc::now().timestamp() as u64;
    fill(c, "#totp-code", &totp::code_at(&secret, now)).await;
    fill(c, "#totp-password", password).await;
    click(c, "form[action='/account/security/totp'] button").await;
    wait_for_path(c, "/account/security").await;

    // The recovery codes, shown once: two monospaced columns that still fit the phone.
    c.wait()
        .for_element(Locator::Css(".recovery-list code"))
        .await
        .unwrap();
    assert_fits(c, "/account/security with recovery codes").await;
    let list = styled(c, ".recovery-list").await;
    assert_eq!(list.display, "grid");
    assert_eq!(list.grid_columns.split_whitespace().count(), 2, "{list:?}");
    let code = styled(c, ".recovery-list code").await;
    assert!(code.font_family.to_lowercase().contains("mono"), "{code:?}");

    browser.close().await;
    app.stop().await;
}

/// On a desktop, a signed-in admin with a long address has more header links than one row
/// holds: the nav wraps its links instead of running them under the account links.
#[tokio::test]
async fn a_signed_in_admins_header_keeps_its_links_apart_on_a_desktop() {
    let app = spawn_app().await;
    let email = "operations.administrator@wayfare-example.com";
    let (_, uid) = app.signed_in(email).await;
    app.state
        .store()
        .grant_role(&uid, "admin", None, chrono::Utc::now())
        .await
        .unwrap();
    let Some(browser) = Browser::start(1280, 800, "en").await else {
        return;
    };
    let c = &browser.client;
    c.goto(&app.url("/login")).await.unwrap();
    fill(c, "#login-identifier", email).await;
    fill(c, "#login-password", wayfare_testkit::TEST_PASSWORD).await;
    click(c, "form.auth-form button.btn-block").await;
    for path in ["/admin/templates", "/flights", "/"] {
        c.goto(&app.url(path)).await.unwrap();
        c.wait()
            .for_element(Locator::Css(".account-links a[href='/admin']"))
            .await
            .unwrap();
        let overlaps = c
            .execute(
                "const boxes = [...document.querySelectorAll('.main-nav a, .account-links > *')]
                   .map(el => [el.textContent.trim(), el.getBoundingClientRect()]);
                 const out = [];
                 for (let i = 0; i < boxes.length; i++)
                   for (let j = i + 1; j < boxes.length; j++) {
                     const [a, r] = boxes[i], [b, s] = boxes[j];
                     if (r.left < s.right - 0.5 && s.left < r.right - 0.5
                         && r.top < s.bottom - 0.5 && s.top < r.bottom - 0.5) out.push(a + ' / ' + b);
                   }
                 return out;",
                vec![],
            )
            .await
            .unwrap();
        assert_eq!(overlaps, Value::Array(vec![]), "{path}: links overlap");
        assert_fits(c, path).await;
    }
    browser.close().await;
    app.stop().await;
}
