//! Airport autocomplete by IATA/ICAO code, city or airport name, in Chinese or English.

use axum::Json;
use axum::extract::State;
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wayfare_search::MatchKind;

use crate::api::types::ErrorBody;
use crate::error::WebError;
use crate::extract::ApiQuery;
use crate::middleware::RequestContext;
use crate::state::AppState;

const MAX_LIMIT: usize = 50;
const MAX_QUERY_CHARS: usize = 64;

#[derive(Debug, Deserialize, IntoParams)]
pub struct AirportQuery {
    /// Code, city or name, e.g. `PVG`, `上海`, `lon`.
    q: String,
    /// How many results (1–50, default 10).
    limit: Option<usize>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AirportJson {
    #[schema(example = "PVG")]
    pub iata: String,
    pub icao: Option<String>,
    /// English name.
    pub name: String,
    /// The name in the request's language (Chinese: the published name, else city + code).
    pub display_name: String,
    pub city: String,
    pub city_zh: Option<String>,
    /// ISO 3166-1 alpha-2.
    pub country: String,
    pub latitude: f64,
    pub longitude: f64,
    /// IANA time zone.
    pub time_zone: String,
    /// How the query matched: code, city, city_prefix, name, substring.
    #[schema(value_type = String)]
    pub matched_by: MatchKind,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct AirportsResponse {
    pub airports: Vec<AirportJson>,
}

/// Autocomplete airports.
#[utoipa::path(
    get,
    path = "/airports",
    tag = "reference",
    params(AirportQuery),
    responses(
        (status = 200, description = "Best matches first", body = AirportsResponse),
        (status = 400, description = "Missing or malformed query", body = ErrorBody),
        (status = 422, description = "Invalid limit or query", body = ErrorBody),
    )
)]
pub async fn search_airports(
    State(state): State<AppState>,
    ctx: RequestContext,
    ApiQuery(query): ApiQuery<AirportQuery>,
) -> Result<Json<AirportsResponse>, WebError> {
    let limit = query.limit.unwrap_or(10);
    if limit == 0 || limit > MAX_LIMIT {
        return Err(
            WebError::invalid_field("limit", "reason-limit-range").arg("max", MAX_LIMIT as i64)
        );
    }
    if query.q.trim().is_empty() {
        return Err(WebError::invalid_field("q", "reason-required"));
    }
    if query.q.chars().count() > MAX_QUERY_CHARS {
        return Err(WebError::invalid_field("q", "reason-too-long"));
    }
    let chinese = ctx.locale.is_chinese();
    let airports = state
        .airports()
        .search(&query.q, limit)
        .into_iter()
        .map(|m| {
            let a = m.airport;
            AirportJson {
                iata: a.iata.clone(),
                icao: a.icao.clone(),
                name: a.name.clone(),
                display_name: a.display_name(chinese),
                city: a.city.clone(),
                city_zh: a.city_zh.clone(),
                country: a.country.clone(),
                latitude: a.lat,
                longitude: a.lon,
                time_zone: a.tz.clone(),
                matched_by: m.kind,
            }
        })
        .collect();
    Ok(Json(AirportsResponse { airports }))
}
