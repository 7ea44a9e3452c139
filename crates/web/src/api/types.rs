//! Shapes shared by several endpoints.

use serde::Serialize;
use utoipa::ToSchema;
use wayfare_domain::Money;

/// An amount of money: a decimal string in major units plus the ISO-4217 code.
#[derive(Debug, Clone, Serialize, ToSchema)]
#[schema(example = json!({"amount": "1234.50", "currency": "CNY"}))]
pub struct MoneyJson {
    pub amount: String,
    pub currency: String,
}

impl From<Money> for MoneyJson {
    fn from(m: Money) -> Self {
        MoneyJson {
            amount: m.amount_string(),
            currency: m.currency().code().to_owned(),
        }
    }
}

/// The error envelope every failing request returns.
#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorBody {
    pub error: ErrorDetail,
}

#[derive(Debug, Serialize, ToSchema)]
pub struct ErrorDetail {
    /// Stable machine-readable code, e.g. `validation_failed`.
    pub code: String,
    /// Human-readable message in the request's language.
    pub message: String,
    /// Specifics such as the offending `field`.
    #[schema(value_type = Object)]
    pub details: serde_json::Value,
}
