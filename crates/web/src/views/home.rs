//! The home page: what Wayfare offers, an airport finder over the real reference data, and
//! today's display rates in the visitor's currency.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use wayfare_domain::{Currency, Money};

use crate::error::WebError;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::Page;
use crate::views::hotels::{HotelForm, LinkItem, Tile, home_tiles};

/// One row of the rates table: 100 units of a currency in the visitor's currency.
#[derive(Debug, Clone)]
pub struct RateRow {
    pub code: String,
    pub name: String,
    pub amount: String,
    pub converted: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "home.html")]
pub struct HomeTemplate {
    page: Page,
    airports: u64,
    airlines: u64,
    cities: u64,
    rates: Vec<RateRow>,
    rates_as_of: String,
    hotel_form: HotelForm,
    hotel_themes: Vec<Tile>,
    hotel_chains: Vec<LinkItem>,
}

const RATE_SAMPLES: &[&str] = &["USD", "EUR", "GBP", "JPY", "HKD", "SGD", "AUD", "CNY"];

pub async fn home(
    State(state): State<AppState>,
    ctx: RequestContext,
) -> Result<HomeTemplate, WebError> {
    let page = Page::new(&state, &ctx);
    let table = state.rates();
    let mut rates = Vec::new();
    for code in RATE_SAMPLES {
        let Ok(cur) = Currency::parse(code) else {
            continue;
        };
        if cur == ctx.currency || !table.supports(cur) {
            continue;
        }
        let amount = Money::from_minor(100 * 10i64.pow(cur.exponent()), cur);
        let Ok(conv) = table.convert(amount, ctx.currency) else {
            continue;
        };
        rates.push(RateRow {
            code: cur.code().to_owned(),
            name: page.t(&format!("currency-{}", cur.code())),
            amount: amount.display_grouped(),
            converted: conv.to.display_grouped(),
        });
    }
    let rates_as_of = table
        .rates()
        .map(|r| r.as_of)
        .max()
        .map(|d| d.format("%Y-%m-%d").to_string())
        .unwrap_or_default();
    let counts = state.reference_counts();
    let (hotel_themes, hotel_chains) = home_tiles(ctx.locale);
    Ok(HomeTemplate {
        hotel_form: page.hotel_form(&state),
        hotel_themes,
        hotel_chains,
        page,
        airports: counts.airports,
        airlines: counts.airlines,
        cities: counts.cities,
        rates,
        rates_as_of,
    })
}
