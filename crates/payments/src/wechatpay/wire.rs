//! WeChat Pay's JSON, as far as we read it (payments.md §4.4, §4.5). Unknown fields are ignored.

use serde::Deserialize;

/// `amount` of a transaction or a refund.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Amount {
    #[serde(default)]
    pub total: Option<i64>,
    #[serde(default)]
    pub refund: Option<i64>,
    #[serde(default)]
    pub currency: Option<String>,
}

/// A Transaction (order query, payment notification).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Transaction {
    pub out_trade_no: String,
    #[serde(default)]
    pub trade_type: Option<String>,
    pub trade_state: String,
    #[serde(default)]
    pub trade_state_desc: Option<String>,
    #[serde(default)]
    pub attach: Option<String>,
    #[serde(default)]
    pub amount: Amount,
    #[serde(default)]
    pub payer: Option<Payer>,
}

/// `payer` of a transaction: the payer's openid under our `appid`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct Payer {
    #[serde(default)]
    pub openid: Option<String>,
}

/// A Refund (refund create and query; refund notifications name the status `refund_status`).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct RefundBody {
    pub out_refund_no: String,
    pub out_trade_no: String,
    #[serde(alias = "refund_status")]
    pub status: String,
    #[serde(default)]
    pub amount: Amount,
    #[serde(default)]
    pub create_time: Option<String>,
}

/// A 4xx/5xx body: `{"code","message","detail"?}`.
#[derive(Debug, Clone, Default, Deserialize)]
pub(crate) struct ErrorBody {
    #[serde(default)]
    pub code: String,
    #[serde(default)]
    pub message: String,
}

/// A notification (§4.5).
#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Notification {
    pub id: String,
    #[serde(default)]
    pub create_time: Option<String>,
    pub event_type: String,
    pub resource: Resource,
}

#[derive(Debug, Clone, Deserialize)]
pub(crate) struct Resource {
    pub algorithm: String,
    pub ciphertext: String,
    #[serde(default)]
    pub associated_data: String,
    pub nonce: String,
}
