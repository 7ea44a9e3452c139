//! The airport finder page: the same search as the autocomplete API, rendered for browsers
//! without JavaScript and as the target of the home page's finder.

use askama::Template;
use askama_web::WebTemplate;
use axum::extract::State;
use serde::Deserialize;

use crate::error::WebError;
use crate::extract::ApiQuery;
use crate::middleware::RequestContext;
use crate::state::AppState;
use crate::views::Page;

const PAGE_LIMIT: usize = 50;

#[derive(Debug, Deserialize)]
pub struct FinderQuery {
    #[serde(default)]
    q: String,
}

#[derive(Debug, Clone)]
pub struct AirportRow {
    pub iata: String,
    pub name: String,
    pub local_name: Option<String>,
    pub city: String,
    pub country: String,
    pub tz: String,
}

#[derive(Template, WebTemplate)]
#[template(path = "airports.html")]
pub struct AirportsTemplate {
    page: Page,
    query: String,
    rows: Vec<AirportRow>,
}

pub async fn airports(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiQuery(q): ApiQuery<FinderQuery>,
) -> Result<AirportsTemplate, WebError> {
    let query: String = q.q.trim().chars().take(64).collect();
    let chinese = ctx.locale.is_chinese();
    let rows = state
        .airports()
        .search(&query, PAGE_LIMIT)
        .into_iter()
        .map(|m| {
            let a = m.airport;
            AirportRow {
                iata: a.iata.clone(),
                name: a.name.clone(),
                local_name: chinese
                    .then(|| a.display_name_zh())
                    .filter(|n| *n != a.name),
                city: match (&a.city_zh, chinese) {
                    (Some(zh), true) => format!("{zh} · {}", a.city),
                    _ => a.city.clone(),
                },
                country: a.country.clone(),
                tz: a.tz.clone(),
            }
        })
        .collect();
    Ok(AirportsTemplate {
        page: Page::new(&state, &ctx),
        query,
        rows,
    })
}
