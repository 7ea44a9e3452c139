//! Display currencies and conversions at the stored display rates.

use axum::Json;
use axum::extract::State;
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};
use wayfare_domain::{Currency, FxError, Money, MoneyError};

use crate::api::types::{ErrorBody, MoneyJson};
use crate::error::{ErrorCode, WebError};
use crate::extract::ApiQuery;
use crate::middleware::RequestContext;
use crate::state::AppState;

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrencyJson {
    #[schema(example = "CNY")]
    pub code: String,
    /// Name in the request's language.
    pub name: String,
    /// Minor-unit digits (2 for CNY, 0 for JPY).
    pub exponent: u32,
    /// Units of this currency per one unit of the reference currency.
    pub rate: String,
    pub as_of: Option<DateTime<Utc>>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct CurrenciesResponse {
    /// The currency all rates are quoted against.
    pub reference: String,
    /// The visitor's display currency (cookie, else the site default).
    pub selected: String,
    pub currencies: Vec<CurrencyJson>,
}

/// Currencies prices can be shown in, with their rates.
#[utoipa::path(get, path = "/currencies", tag = "currency",
    responses((status = 200, description = "Supported display currencies", body = CurrenciesResponse)))]
pub async fn list_currencies(
    State(state): State<AppState>,
    ctx: RequestContext,
) -> Json<CurrenciesResponse> {
    let table = state.rates();
    let currencies = table
        .currencies()
        .into_iter()
        .map(|c| {
            let stored = table.rates().find(|r| r.quote == c);
            CurrencyJson {
                code: c.code().to_owned(),
                name: ctx.locale.t(&format!("currency-{}", c.code())),
                exponent: c.exponent(),
                rate: stored
                    .map(|r| r.rate.normalize().to_string())
                    .unwrap_or_else(|| "1".into()),
                as_of: stored.map(|r| r.as_of),
            }
        })
        .collect();
    Json(CurrenciesResponse {
        reference: table.reference().code().to_owned(),
        selected: ctx.currency.code().to_owned(),
        currencies,
    })
}

#[derive(Debug, Deserialize, IntoParams)]
pub struct ConvertQuery {
    /// Decimal amount in major units, e.g. `100.00`.
    amount: String,
    /// ISO-4217 code to convert from.
    from: String,
    /// ISO-4217 code to convert to.
    to: String,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct RateUsed {
    pub base: String,
    pub quote: String,
    pub rate: String,
    pub source: String,
    pub as_of: DateTime<Utc>,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ConversionJson {
    pub from: MoneyJson,
    /// Rounded half to even at the target currency's precision.
    pub to: MoneyJson,
    /// Effective rate: one unit of `from` in `to`.
    pub rate: String,
    /// The stored rates behind `rate`.
    pub rates_used: Vec<RateUsed>,
}

fn parse_currency(field: &str, code: &str) -> Result<Currency, WebError> {
    Currency::parse(code.trim()).map_err(|_| {
        WebError::new(ErrorCode::UnknownCurrency)
            .arg("code", code)
            .detail("field", field.into())
    })
}

/// Converts an amount at the display rates.
#[utoipa::path(get, path = "/fx/convert", tag = "currency", params(ConvertQuery),
    responses(
        (status = 200, description = "The converted amount and the rates used", body = ConversionJson),
        (status = 400, description = "Missing parameter", body = ErrorBody),
        (status = 422, description = "Bad amount, unknown currency or no rate", body = ErrorBody),
    ))]
pub async fn convert(
    State(state): State<AppState>,
    ApiQuery(q): ApiQuery<ConvertQuery>,
) -> Result<Json<ConversionJson>, WebError> {
    let from = parse_currency("from", &q.from)?;
    let to = parse_currency("to", &q.to)?;
    let amount = Money::parse(&q.amount, from).map_err(|e| match e {
        MoneyError::TooPrecise { max, .. } => {
            WebError::invalid_field("amount", "reason-too-precise").arg("digits", i64::from(max))
        }
        _ => WebError::invalid_field("amount", "reason-not-a-number"),
    })?;
    let conv = state.rates().convert(amount, to).map_err(|e| match e {
        FxError::NoRate(c) => WebError::new(ErrorCode::NoExchangeRate)
            .arg("code", c.code())
            .detail("currency", c.code().into()),
        FxError::Money(_) => WebError::invalid_field("amount", "reason-out-of-range"),
        other => WebError::internal(other),
    })?;
    Ok(Json(ConversionJson {
        from: conv.from.into(),
        to: conv.to.into(),
        rate: conv.rate.normalize().to_string(),
        rates_used: conv
            .rates_used
            .into_iter()
            .map(|r| RateUsed {
                base: r.base.code().to_owned(),
                quote: r.quote.code().to_owned(),
                rate: r.rate.normalize().to_string(),
                source: r.source,
                as_of: r.as_of,
            })
            .collect(),
    }))
}
