//! `/api/v1/orders`: create a trip order from flight offers and hotel rates (held for payment),
//! pay it, read it, list mine, and find a guest's order by reference and e-mail. `POST` calls
//! take an `Idempotency-Key`: a replay answers the first result (with `Idempotent-Replayed:
//! true`), the same key with another body is 422 `idempotency_key_reused`.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, HeaderValue, StatusCode};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Duration, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wayfare_booking::{
    Actor, BookingError, ContactInput, CreateOrder, HotelRateInput, OrderSummary, OrderView,
    PassengerInput, PayRequest, RoomGuestInput, Viewer,
};
use wayfare_domain::account::{Role, sha256_hex};
use wayfare_domain::payment::methods::MethodKind;
use wayfare_domain::{Currency, Money};
use wayfare_store::orders::Idempotency;

use crate::api::types::{ErrorBody, MoneyJson};
use crate::auth::bearer_token;
use crate::error::{ErrorCode, WebError};
use crate::middleware::RequestContext;
use crate::state::AppState;

pub const IDEMPOTENCY_HEADER: &str = "idempotency-key";
/// A request left in progress this long (a crash) may be run again under its key.
const IDEMPOTENCY_STALE_SECS: i64 = 120;

// ----- request shapes -------------------------------------------------------------------------

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct MoneyInput {
    /// Decimal string in major units, e.g. `"1234.50"`.
    pub amount: String,
    pub currency: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RoomGuestJson {
    /// The room's lead guest, `Given FAMILY` (or `FAMILY, Given`, or a Chinese name).
    pub guest_name: Option<String>,
    pub given_name: Option<String>,
    pub family_name: Option<String>,
    /// Checked against the rate's room when given.
    pub adults: Option<u8>,
    pub children_ages: Option<Vec<u8>>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct HotelRateJson {
    /// A rate id from `GET /hotels/{id}/rates`.
    pub rate_id: String,
    /// One per room of the rate, in its order.
    pub rooms: Vec<RoomGuestJson>,
    pub special_requests: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PassengerJson {
    /// `adult`, `child` (2–11 on the travel date) or `infant` (under 2, on a lap).
    #[serde(rename = "type")]
    pub kind: String,
    /// As on the passport (or, within mainland China, the Chinese name on the ID card).
    pub given_name: String,
    pub family_name: String,
    pub born_on: Option<NaiveDate>,
    /// `m` or `f`.
    pub gender: Option<String>,
    /// ISO 3166-1 alpha-2; required for international trips.
    pub nationality: Option<String>,
    /// Required for international trips.
    pub passport_number: Option<String>,
    /// Must be at least six months after the last flight of an international trip.
    pub passport_expires_on: Option<NaiveDate>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct ContactJson {
    pub email: String,
    /// E.164 (`+8613800138000`); a bare 11-digit number is read as mainland China.
    pub phone: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateOrderRequest {
    /// Offer ids from `POST /flights/search`.
    #[serde(default)]
    pub flight_offer_ids: Vec<String>,
    #[serde(default)]
    pub hotel_rates: Vec<HotelRateJson>,
    #[serde(default)]
    pub passengers: Vec<PassengerJson>,
    pub contact: ContactJson,
    /// The total the traveller saw; a different current total answers 409 `price_changed`
    /// with the new one. `null` accepts the current price.
    pub accept_price: Option<MoneyInput>,
    /// The order's currency; the first item's when absent.
    pub currency: Option<String>,
    /// Agents only: the customer (e-mail or phone) the order is for, created when unknown.
    pub customer: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PayOrderRequest {
    /// The way of paying, one of `GET /orders/{id}/payment-options`' `methods[].kind`: `card`,
    /// `paypal`, `alipay`, `wechatpay`, `klarna`, `instalments`. Omitted: the provider's first.
    #[serde(default)]
    pub method: Option<String>,
    /// The connector (`sandbox`, `stripe` …). Omitted: the one offering `method`.
    #[serde(default)]
    pub provider: Option<String>,
    /// The provider's payment method: a sandbox test method (`pm_card_visa`,
    /// `pm_card_chargeDeclined`, `pm_card_authenticationRequired`, … see the README), a
    /// Stripe.js `pm_…`, a Klarna authorisation token, `alipay_page`, `wechatpay_native` ….
    /// Never a card number: cards are tokenised in the browser.
    #[serde(default)]
    pub payment_method: Option<String>,
    /// One of the traveller's saved cards (`payment_methods[].id` of `/me`), instead of
    /// `payment_method`.
    #[serde(default)]
    pub saved_payment_method: Option<String>,
    /// Pay in this many monthly instalments (with `method` `instalments`); one of the order's
    /// `instalments[].count`. The plan's fee is added to what is charged.
    #[serde(default)]
    pub instalments: Option<u8>,
    /// The payer's country (ISO 3166 alpha-2), which decides the methods offered; omitted: the
    /// lead traveller's nationality.
    #[serde(default)]
    pub country: Option<String>,
}

/// A way of paying offered for an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentMethodOfferJson {
    /// `card`, `paypal`, `alipay`, `wechatpay`, `klarna`, `instalments`.
    pub kind: String,
    /// The connector taking it.
    pub provider: String,
}

/// A plan the order may be paid in.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct InstalmentPlanJson {
    pub count: u8,
    /// The plan's fee, added to the order's total.
    pub fee: MoneyJson,
    /// What is paid in all.
    pub total: MoneyJson,
    /// Each instalment, the first due today; they add up to `total`.
    pub instalments: Vec<MoneyJson>,
    /// When each is due (`YYYY-MM-DD`).
    pub due_dates: Vec<NaiveDate>,
}

/// A saved card that can pay this order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SavedCardJson {
    pub id: String,
    pub provider: String,
    pub brand: String,
    pub last4: String,
    pub exp_month: i32,
    pub exp_year: i32,
    pub is_default: bool,
}

/// Stripe.js settings for tokenising a card in the browser (when Stripe is configured).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct StripeJsJson {
    pub publishable_key: String,
    pub js_url: String,
}

/// Klarna's JS SDK, for its widget (when Klarna is offered).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct KlarnaJsJson {
    pub js_url: String,
}

/// Which client session to open: `klarna`.
#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct PaymentSessionRequest {
    /// `klarna`.
    pub provider: String,
    /// The payer's country (ISO 3166 alpha-2) the methods are chosen for; omitted: the lead
    /// traveller's nationality.
    #[serde(default)]
    pub country: Option<String>,
}

/// A provider's client session: what its widget or mobile SDK starts with. For Klarna, start
/// `Klarna.Payments.init({client_token})`, load one of `payment_method_categories`, authorise,
/// then pay the order with `{"method":"klarna","payment_method":"<authorization_token>"}`.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentSessionJson {
    pub provider: String,
    pub session_id: String,
    pub client_token: String,
    /// `pay_later`, `pay_over_time`, `pay_now` …, as the provider offers them.
    pub payment_method_categories: Vec<String>,
    /// The provider's JS SDK for a web page.
    pub js_url: Option<String>,
}

/// What may pay an order.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct PaymentOptionsJson {
    /// The order's total.
    pub amount: MoneyJson,
    /// The payer's country the methods were chosen for, when known.
    pub country: Option<String>,
    pub methods: Vec<PaymentMethodOfferJson>,
    /// Empty unless `instalments` is among the methods.
    pub instalments: Vec<InstalmentPlanJson>,
    pub saved_cards: Vec<SavedCardJson>,
    pub stripe: Option<StripeJsJson>,
    pub klarna: Option<KlarnaJsJson>,
}

pub(crate) fn options_json(
    state: &AppState,
    o: &wayfare_booking::PaymentOptions,
) -> PaymentOptionsJson {
    PaymentOptionsJson {
        amount: o.amount.into(),
        country: o.country.clone(),
        methods: o
            .methods
            .iter()
            .map(|m| PaymentMethodOfferJson {
                kind: m.kind.as_str().to_owned(),
                provider: m.provider.clone(),
            })
            .collect(),
        instalments: o
            .instalments
            .iter()
            .map(|p| InstalmentPlanJson {
                count: p.quote.count,
                fee: p.quote.fee.into(),
                total: p.quote.total.into(),
                instalments: p.quote.instalments.iter().map(|&m| m.into()).collect(),
                due_dates: p.due_dates.clone(),
            })
            .collect(),
        saved_cards: o
            .saved_cards
            .iter()
            .map(|c| SavedCardJson {
                id: c.id.clone(),
                provider: c.provider.clone(),
                brand: c.brand.clone(),
                last4: c.last4.clone(),
                exp_month: c.exp_month,
                exp_year: c.exp_year,
                is_default: c.is_default,
            })
            .collect(),
        stripe: state
            .config()
            .stripe_js
            .as_ref()
            .filter(|_| o.methods.iter().any(|m| m.provider == "stripe"))
            .map(|s| StripeJsJson {
                publishable_key: s.publishable_key.clone(),
                js_url: s.js_url.clone(),
            }),
        klarna: state
            .config()
            .klarna_js_url
            .as_ref()
            .filter(|_| o.methods.iter().any(|m| m.provider == "klarna"))
            .map(|u| KlarnaJsJson { js_url: u.clone() }),
    }
}

/// Optional query of `GET /orders/{id}/payment-options`.
#[derive(Debug, Clone, Deserialize, utoipa::IntoParams)]
pub struct PaymentOptionsQuery {
    /// The payer's country (ISO 3166 alpha-2); omitted: the lead traveller's nationality.
    pub country: Option<String>,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FindOrderRequest {
    pub reference: String,
    pub email: String,
}

#[derive(Debug, Clone, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct AuthenticateRequest {
    /// The traveller's answer to their bank's check (sandbox: approve or refuse).
    pub approved: bool,
}

// ----- response shapes ------------------------------------------------------------------------

/// An order with everything in it. `items[].details` is the flight offer or hotel rate as
/// booked.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderJson {
    pub id: String,
    /// Six characters, no look-alikes: what the traveller quotes.
    pub reference: String,
    /// `held`, `awaiting_payment`, `paid`, `confirmed`, `expired`, `cancelled`.
    pub status: String,
    pub hold_expires_at: DateTime<Utc>,
    pub total_amount: MoneyJson,
    pub contact: ContactOut,
    /// Placed by an agent for the traveller.
    pub agent_id: Option<String>,
    #[schema(value_type = Object)]
    pub price: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub items: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub travellers: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub timeline: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub payments: serde_json::Value,
    #[schema(value_type = Vec<Object>)]
    pub refunds: serde_json::Value,
    /// Guest orders only, on creation and from `POST /orders/find`: send as
    /// `Authorization: Bearer <guest_token>` to read and pay this order.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub guest_token: Option<String>,
    /// Set while a payment waits for the traveller's bank (3-D Secure): where to send them.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub next_action_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct ContactOut {
    pub email: String,
    pub phone: String,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderListItem {
    pub id: String,
    pub reference: String,
    pub status: String,
    pub total_amount: MoneyJson,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub hold_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub agent_id: Option<String>,
    /// One per item: `PVG → LHR`, a hotel's name.
    pub titles: Vec<String>,
}

#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct OrderList {
    pub orders: Vec<OrderListItem>,
}

pub fn order_json(o: &OrderView, guest_token: Option<String>) -> OrderJson {
    fn j<T: Serialize>(v: &T) -> serde_json::Value {
        serde_json::to_value(v).unwrap_or_default()
    }
    OrderJson {
        id: o.id.clone(),
        reference: o.reference.clone(),
        status: o.status.as_str().to_owned(),
        hold_expires_at: o.hold_expires_at,
        total_amount: o.total_amount.into(),
        contact: ContactOut {
            email: o.contact_email.clone(),
            phone: o.contact_phone.clone(),
        },
        agent_id: o.agent_id.clone(),
        price: price_json(o),
        items: j(&o.items),
        travellers: j(&o.travellers),
        timeline: j(&o.timeline),
        payments: j(&o.payments),
        refunds: j(&o.refunds),
        guest_token,
        next_action_url: o.pending_action().and_then(|p| p.next_action_url.clone()),
        created_at: o.created_at,
    }
}

fn price_json(o: &OrderView) -> serde_json::Value {
    serde_json::json!({
        "currency": o.price.currency.code(),
        "lines": o.price.lines.iter().map(|l| serde_json::json!({
            "item": l.item,
            "kind": l.kind.as_str(),
            "amount": MoneyJson::from(l.amount),
        })).collect::<Vec<_>>(),
        "total": MoneyJson::from(o.total_amount),
    })
}

fn summary_json(s: &OrderSummary) -> OrderListItem {
    OrderListItem {
        id: s.id.clone(),
        reference: s.reference.clone(),
        status: s.status.as_str().to_owned(),
        total_amount: s.total_amount.into(),
        starts_at: s.starts_at,
        ends_at: s.ends_at,
        hold_expires_at: s.hold_expires_at,
        created_at: s.created_at,
        agent_id: s.agent_id.clone(),
        titles: s.titles.clone(),
    }
}

// ----- errors ---------------------------------------------------------------------------------

/// Booking errors as web errors, each with its own status and code.
impl From<BookingError> for WebError {
    fn from(e: BookingError) -> Self {
        match e {
            BookingError::Invalid { field, reason, arg } => {
                let w = WebError::invalid_field(&field, reason);
                match arg {
                    Some((name, value)) => w.arg(name, value),
                    None => w,
                }
            }
            BookingError::NotFound => WebError::not_found(),
            BookingError::OfferUnavailable { item } => {
                WebError::new(ErrorCode::OfferUnavailable).detail("item", item.into())
            }
            BookingError::PriceChanged { total } => WebError::new(ErrorCode::PriceChanged)
                .arg("total", total.display_grouped())
                .detail(
                    "total_amount",
                    serde_json::to_value(MoneyJson::from(total)).unwrap_or_default(),
                ),
            BookingError::SoldOut { item } => {
                WebError::new(ErrorCode::SoldOut).detail("item", item.into())
            }
            BookingError::HoldExpired => WebError::new(ErrorCode::HoldExpired),
            BookingError::NotPayable { status } => {
                WebError::new(ErrorCode::OrderNotPayable).detail("status", status.as_str().into())
            }
            BookingError::PaymentInProgress => WebError::new(ErrorCode::PaymentInProgress),
            BookingError::PaymentDeclined { code, decline_code } => {
                WebError::new(ErrorCode::PaymentDeclined)
                    .detail("decline_code", decline_code.unwrap_or(code.clone()).into())
                    .detail("payment_error", code.into())
            }
            BookingError::UnknownProvider(_) => {
                WebError::invalid_field("provider", "reason-payment-unavailable-provider")
            }
            BookingError::PaymentUnavailable => WebError::new(ErrorCode::PaymentUnavailable),
            BookingError::SupplierUnavailable { supplier } => {
                WebError::new(ErrorCode::SupplierUnavailable).detail("supplier", supplier.into())
            }
            BookingError::SupplierRejected { item, message } => {
                let mut w = WebError::new(ErrorCode::SupplierRejected).detail("item", item.into());
                w.internal = Some(message);
                w
            }
            BookingError::ConfirmationFailed { reference } => {
                WebError::new(ErrorCode::ConfirmationFailed)
                    .arg("reference", reference.clone())
                    .detail("reference", reference.into())
            }
            BookingError::IdempotencyMismatch => WebError::new(ErrorCode::IdempotencyKeyReused),
            BookingError::RequestInProgress => WebError::new(ErrorCode::RequestInProgress),
            BookingError::PaymentState { status } => {
                WebError::new(ErrorCode::PaymentState).detail("status", status.into())
            }
            BookingError::RefundNotAllowed => WebError::new(ErrorCode::RefundNotAllowed),
            BookingError::WebhookRejected(why) => {
                let mut w = WebError::new(ErrorCode::WebhookRejected);
                w.internal = Some(why);
                w
            }
            BookingError::Store(e) => WebError::internal(e),
            BookingError::Internal(e) => WebError::internal(e),
        }
    }
}

// ----- who is asking --------------------------------------------------------------------------

pub(crate) fn is_staff(ctx: &RequestContext) -> bool {
    ctx.user.as_ref().is_some_and(|u| {
        u.has_role(Role::Agent) || u.has_role(Role::Supervisor) || u.has_role(Role::Admin)
    })
}

/// The viewer: a guest token beats the session (a guest's link opens their order alone).
pub(crate) fn viewer(ctx: &RequestContext, headers: &HeaderMap) -> Result<Viewer, WebError> {
    if let Some(t) = bearer_token(headers).filter(|t| t.starts_with("wfg_")) {
        return Ok(Viewer::GuestToken(t.to_owned()));
    }
    match &ctx.user {
        Some(u) => Ok(Viewer::User {
            user_id: u.user.id.clone(),
            staff: is_staff(ctx),
        }),
        None => Err(WebError::new(ErrorCode::Unauthenticated)),
    }
}

pub(crate) fn actor(ctx: &RequestContext, as_agent: bool) -> Actor {
    match &ctx.user {
        Some(u) if as_agent => Actor::Agent {
            agent_id: u.user.id.clone(),
        },
        Some(u) => Actor::Customer {
            user_id: u.user.id.clone(),
        },
        None => Actor::Guest,
    }
}

// ----- idempotency ----------------------------------------------------------------------------

/// Runs `work` once per `Idempotency-Key` (when one is given) within `scope`; stores and
/// replays its answer.
pub(crate) async fn idempotent<F, Fut>(
    state: &AppState,
    ctx: &RequestContext,
    headers: &HeaderMap,
    scope: &str,
    body: &[u8],
    work: F,
) -> Result<Response, WebError>
where
    F: FnOnce() -> Fut,
    Fut: std::future::Future<Output = Result<(StatusCode, serde_json::Value), WebError>>,
{
    let key = match headers.get(IDEMPOTENCY_HEADER) {
        None => None,
        Some(v) => {
            let k = v.to_str().unwrap_or("").trim();
            if k.is_empty() || k.len() > 255 {
                return Err(WebError::invalid_field(
                    "Idempotency-Key",
                    "reason-idempotency-key",
                ));
            }
            Some(k.to_owned())
        }
    };
    let Some(key) = key else {
        let (status, json) = work().await?;
        return Ok((status, axum::Json(json)).into_response());
    };
    let store = state.store();
    let now = state.orders().now();
    let hash = sha256_hex(body);
    match store
        .begin_idempotent(
            scope,
            &key,
            &hash,
            now,
            Duration::seconds(IDEMPOTENCY_STALE_SECS),
        )
        .await
        .map_err(WebError::internal)?
    {
        Idempotency::Replay { status, body } => {
            let status = StatusCode::from_u16(status).unwrap_or(StatusCode::OK);
            let mut r = (
                status,
                [(axum::http::header::CONTENT_TYPE, "application/json")],
                body,
            )
                .into_response();
            r.headers_mut()
                .insert("idempotent-replayed", HeaderValue::from_static("true"));
            Ok(r)
        }
        Idempotency::InProgress => Err(WebError::new(ErrorCode::RequestInProgress)),
        Idempotency::Mismatch => Err(WebError::new(ErrorCode::IdempotencyKeyReused)),
        Idempotency::Started => {
            let result = work().await;
            let (status, json) = match &result {
                Ok((s, j)) => (*s, j.clone()),
                Err(e) => (e.code.status(), e.to_json(ctx.locale)),
            };
            // Outcomes worth replaying are kept; our own failures and "try again" answers are
            // forgotten so a retry runs again.
            let keep = status.is_success()
                || (status.is_client_error()
                    && !matches!(
                        result.as_ref().err().map(|e| e.code),
                        Some(ErrorCode::RequestInProgress | ErrorCode::PaymentInProgress)
                    ));
            if keep {
                store
                    .finish_idempotent(
                        scope,
                        &key,
                        status.as_u16(),
                        &json.to_string(),
                        state.orders().now(),
                    )
                    .await
                    .map_err(WebError::internal)?;
            } else {
                let _ = store.abandon_idempotent(scope, &key).await;
            }
            match result {
                Ok((s, j)) => Ok((s, axum::Json(j)).into_response()),
                Err(e) => Err(e),
            }
        }
    }
}

pub(crate) fn parse_money(m: &MoneyInput, field: &str) -> Result<Money, WebError> {
    let c = Currency::parse(m.currency.trim()).map_err(|_| {
        WebError::invalid_field(&format!("{field}.currency"), "reason-unknown-currency")
    })?;
    Money::parse(m.amount.trim(), c)
        .map_err(|_| WebError::invalid_field(&format!("{field}.amount"), "reason-amount"))
}

/// The service's request from the API's.
pub fn create_request(
    body: &CreateOrderRequest,
    ctx: &RequestContext,
) -> Result<CreateOrder, WebError> {
    let currency = match body
        .currency
        .as_deref()
        .map(str::trim)
        .filter(|c| !c.is_empty())
    {
        Some(c) => Some(
            Currency::parse(c)
                .map_err(|_| WebError::invalid_field("currency", "reason-unknown-currency"))?,
        ),
        None => None,
    };
    Ok(CreateOrder {
        flight_offer_ids: body.flight_offer_ids.clone(),
        hotel_rates: body
            .hotel_rates
            .iter()
            .map(|h| HotelRateInput {
                rate_id: h.rate_id.clone(),
                rooms: h
                    .rooms
                    .iter()
                    .map(|r| RoomGuestInput {
                        guest_name: r.guest_name.clone(),
                        given_name: r.given_name.clone(),
                        family_name: r.family_name.clone(),
                        adults: r.adults,
                        children_ages: r.children_ages.clone(),
                    })
                    .collect(),
                special_requests: h.special_requests.clone(),
            })
            .collect(),
        passengers: body
            .passengers
            .iter()
            .map(|p| PassengerInput {
                kind: p.kind.clone(),
                given_name: p.given_name.clone(),
                family_name: p.family_name.clone(),
                born_on: p.born_on,
                gender: p.gender.clone(),
                nationality: p.nationality.clone(),
                passport_number: p.passport_number.clone(),
                passport_expires_on: p.passport_expires_on,
            })
            .collect(),
        contact: ContactInput {
            email: body.contact.email.clone(),
            phone: body.contact.phone.clone(),
        },
        accept_price: body
            .accept_price
            .as_ref()
            .map(|m| parse_money(m, "accept_price"))
            .transpose()?,
        currency,
        locale: ctx.locale.tag().to_owned(),
        customer: body.customer.clone(),
    })
}

pub(crate) fn parse_json<T: serde::de::DeserializeOwned>(body: &[u8]) -> Result<T, WebError> {
    serde_json::from_slice(body)
        .map_err(|e| WebError::new(ErrorCode::InvalidJson).detail("reason", e.to_string().into()))
}

// ----- handlers -------------------------------------------------------------------------------

/// Creates an order: prices every item again, checks the travellers, holds the seats and
/// rooms (15 minutes by default) and answers the order `held`. Signed in, the order is the
/// caller's; an agent books for `customer`; without a session it is a guest order with a
/// `guest_token`.
#[utoipa::path(
    post,
    path = "/orders",
    tag = "orders",
    request_body = CreateOrderRequest,
    params(("Idempotency-Key" = Option<String>, Header, description = "Makes retries safe: a replay answers the first result")),
    responses(
        (status = 201, description = "Held; pay before `hold_expires_at`", body = OrderJson),
        (status = 404, description = "Unknown offer or rate", body = ErrorBody),
        (status = 409, description = "`price_changed` (with `details.total_amount`), `sold_out`, `offer_unavailable` or `request_in_progress`", body = ErrorBody),
        (status = 422, description = "A field is invalid (`details.field`), or `idempotency_key_reused`", body = ErrorBody),
        (status = 503, description = "A supplier is unavailable", body = ErrorBody),
    )
)]
pub async fn create_order(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    body: Bytes,
) -> Result<Response, WebError> {
    if !crate::middleware::context::content_type(&headers).starts_with("application/json") {
        return Err(WebError::new(ErrorCode::UnsupportedMediaType));
    }
    let who = ctx
        .user
        .as_ref()
        .map_or_else(|| "guest".to_owned(), |u| u.user.id.clone());
    let scope = format!("orders:{who}");
    idempotent(&state, &ctx, &headers, &scope, &body, || async {
        let req: CreateOrderRequest = parse_json(&body)?;
        let as_agent = req.customer.is_some();
        if as_agent && !is_staff(&ctx) {
            return Err(WebError::new(ErrorCode::Forbidden));
        }
        let create = create_request(&req, &ctx)?;
        let rates = state.rates();
        let created = state
            .orders()
            .create(&create, &actor(&ctx, as_agent), &rates)
            .await?;
        let json = order_json(&created.order, created.guest_token);
        Ok((
            StatusCode::CREATED,
            serde_json::to_value(json).map_err(WebError::internal)?,
        ))
    })
    .await
}

/// Pays a held order in full and confirms it with the suppliers. The answer is the order,
/// `confirmed`; or `awaiting_payment` with `next_action_url` when the bank wants the traveller
/// to confirm (3-D Secure).
#[utoipa::path(
    post,
    path = "/orders/{id}/payments",
    tag = "orders",
    request_body = PayOrderRequest,
    params(
        ("id" = String, Path, description = "Order id"),
        ("Idempotency-Key" = Option<String>, Header, description = "A double click or a retry never pays twice"),
    ),
    responses(
        (status = 200, description = "Confirmed (or waiting for the bank)", body = OrderJson),
        (status = 402, description = "`payment_declined`, with `details.decline_code`", body = ErrorBody),
        (status = 404, description = "No such order, or not yours", body = ErrorBody),
        (status = 409, description = "`hold_expired`, `order_not_payable`, `payment_in_progress`", body = ErrorBody),
        (status = 422, description = "A field is invalid, or `idempotency_key_reused`", body = ErrorBody),
        (status = 502, description = "`confirmation_failed`: no supplier confirmed; nothing was charged", body = ErrorBody),
    )
)]
pub async fn pay_order(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    if !crate::middleware::context::content_type(&headers).starts_with("application/json") {
        return Err(WebError::new(ErrorCode::UnsupportedMediaType));
    }
    let who = viewer(&ctx, &headers)?;
    let scope = format!("payments:{id}");
    let key = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(|k| k.trim().to_owned())
        .unwrap_or_else(|| {
            format!(
                "auto-{}",
                sha256_hex(format!("{id}{:?}", state.orders().now()).as_bytes())
            )
        });
    idempotent(&state, &ctx, &headers, &scope, &body, || async {
        let req: PayOrderRequest = parse_json(&body)?;
        let view = state
            .orders()
            .pay(
                &id,
                &who,
                &actor(&ctx, false),
                &PayRequest {
                    method: match req.method.as_deref().map(str::trim) {
                        None | Some("") => None,
                        Some(m) => Some(MethodKind::parse(m).ok_or_else(|| {
                            WebError::from(BookingError::invalid(
                                "method",
                                "reason-payment-method-not-offered",
                            ))
                        })?),
                    },
                    provider: req.provider.unwrap_or_default(),
                    payment_method: req.payment_method.unwrap_or_default(),
                    saved_payment_method: req.saved_payment_method,
                    instalments: req.instalments,
                    country: req.country,
                    idempotency_key: key,
                    payer_ip: ctx.ip.clone(),
                },
            )
            .await?;
        Ok((
            StatusCode::OK,
            serde_json::to_value(order_json(&view, None)).map_err(WebError::internal)?,
        ))
    })
    .await
}

/// What may pay a held order: the methods offered for its currency, amount and the payer's
/// country (only connectors that are configured), the instalment plans with their fees and due
/// dates, the caller's saved cards, and the Stripe.js key when cards go through Stripe.
#[utoipa::path(
    get,
    path = "/orders/{id}/payment-options",
    tag = "orders",
    params(("id" = String, Path, description = "Order id"), PaymentOptionsQuery),
    responses(
        (status = 200, description = "What may pay it", body = PaymentOptionsJson),
        (status = 404, description = "No such order, or not yours", body = ErrorBody),
        (status = 422, description = "`country` is not two letters", body = ErrorBody),
    )
)]
pub async fn payment_options(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    axum::extract::Query(q): axum::extract::Query<PaymentOptionsQuery>,
) -> Result<axum::Json<PaymentOptionsJson>, WebError> {
    let who = viewer(&ctx, &headers)?;
    let options = state
        .orders()
        .payment_options(&id, &who, q.country.as_deref())
        .await?;
    Ok(axum::Json(options_json(&state, &options)))
}

/// Opens a provider's client session for a held order (Klarna: the `client_token` for its
/// widget or SDK), when that provider is offered for the order.
#[utoipa::path(
    post,
    path = "/orders/{id}/payment-sessions",
    tag = "orders",
    request_body = PaymentSessionRequest,
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 201, description = "The session", body = PaymentSessionJson),
        (status = 404, description = "No such order, or not yours", body = ErrorBody),
        (status = 409, description = "The order is not waiting for payment, or its hold expired", body = ErrorBody),
        (status = 422, description = "That provider is not offered for this order", body = ErrorBody),
        (status = 503, description = "The provider did not answer", body = ErrorBody),
    )
)]
pub async fn create_payment_session(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    crate::extract::ApiJson(req): crate::extract::ApiJson<PaymentSessionRequest>,
) -> Result<(StatusCode, axum::Json<PaymentSessionJson>), WebError> {
    let who = viewer(&ctx, &headers)?;
    if req.provider.trim() != wayfare_payments::klarna::NAME {
        return Err(WebError::invalid_field(
            "provider",
            "reason-payment-method-not-offered",
        ));
    }
    let session = state
        .orders()
        .klarna_session(&id, &who, req.country.as_deref())
        .await?;
    Ok((
        StatusCode::CREATED,
        axum::Json(session_json(&state, session)),
    ))
}

pub(crate) fn session_json(
    state: &AppState,
    s: wayfare_payments::klarna::KlarnaSession,
) -> PaymentSessionJson {
    PaymentSessionJson {
        provider: wayfare_payments::klarna::NAME.to_owned(),
        session_id: s.session_id,
        client_token: s.client_token,
        payment_method_categories: s.payment_method_categories,
        js_url: state.config().klarna_js_url.clone(),
    }
}

/// The traveller's answer to a 3-D Secure check on a payment (sandbox).
#[utoipa::path(
    post,
    path = "/orders/{id}/payments/{payment_id}/authenticate",
    tag = "orders",
    request_body = AuthenticateRequest,
    params(("id" = String, Path, description = "Order id"), ("payment_id" = String, Path, description = "Payment id from the order")),
    responses(
        (status = 200, description = "The order after the answer", body = OrderJson),
        (status = 402, description = "Refused: `payment_declined`", body = ErrorBody),
        (status = 404, description = "No such order or payment", body = ErrorBody),
    )
)]
pub async fn authenticate_payment(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path((id, payment_id)): Path<(String, String)>,
    crate::extract::ApiJson(req): crate::extract::ApiJson<AuthenticateRequest>,
) -> Result<axum::Json<OrderJson>, WebError> {
    let who = viewer(&ctx, &headers)?;
    let view = state
        .orders()
        .complete_payment_action(&id, &payment_id, req.approved, &who, &actor(&ctx, false))
        .await?;
    Ok(axum::Json(order_json(&view, None)))
}

/// One order: items, travellers, price breakdown, timeline, payments and refunds. The
/// traveller, the agent who placed it, staff, or `Authorization: Bearer <guest_token>`.
#[utoipa::path(
    get,
    path = "/orders/{id}",
    tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The order", body = OrderJson),
        (status = 401, description = "Neither signed in nor a guest token", body = ErrorBody),
        (status = 404, description = "No such order, or not yours", body = ErrorBody),
    )
)]
pub async fn get_order(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<OrderJson>, WebError> {
    let who = viewer(&ctx, &headers)?;
    let view = state.orders().get(&id, &who).await?;
    Ok(axum::Json(order_json(&view, None)))
}

/// The order's PDF itinerary (flights with local times, passengers, PNR and tickets, hotels
/// with address, dates, rooms and cancellation terms, price and payments, a QR code of the
/// reference), in the order's language. Who may read the order may read it.
#[utoipa::path(
    get,
    path = "/orders/{id}/itinerary.pdf",
    tag = "orders",
    params(("id" = String, Path, description = "Order id")),
    responses(
        (status = 200, description = "The itinerary", content_type = "application/pdf", body = Vec<u8>),
        (status = 401, description = "Neither signed in nor a guest token", body = ErrorBody),
        (status = 404, description = "No such order, or not yours", body = ErrorBody),
    )
)]
pub async fn get_itinerary(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::response::Response, WebError> {
    let who = viewer(&ctx, &headers)?;
    let view = state.orders().get(&id, &who).await?;
    let pdf = crate::views::bookings::itinerary::pdf_of(&state, &view)
        .await
        .map_err(|e| WebError::internal(format!("itinerary: {e}")))?;
    Ok(crate::views::bookings::itinerary::pdf_response(pdf))
}

/// My orders (and those I placed as an agent), newest first.
#[utoipa::path(
    get,
    path = "/orders",
    tag = "orders",
    responses(
        (status = 200, description = "The caller's orders", body = OrderList),
        (status = 401, description = "Not signed in", body = ErrorBody),
    )
)]
pub async fn list_orders(
    State(state): State<AppState>,
    user: crate::auth::SignedInUser,
) -> Result<axum::Json<OrderList>, WebError> {
    let list = state.orders().list_for(&user.0.user.id, 200).await?;
    Ok(axum::Json(OrderList {
        orders: list.iter().map(summary_json).collect(),
    }))
}

/// Finds an order by its reference and contact e-mail, and answers it with its `guest_token`.
#[utoipa::path(
    post,
    path = "/orders/find",
    tag = "orders",
    request_body = FindOrderRequest,
    responses(
        (status = 200, description = "The order, with `guest_token`", body = OrderJson),
        (status = 404, description = "No order with that reference and e-mail", body = ErrorBody),
        (status = 429, description = "`too_many_attempts`: too many look-ups found nothing from this address; retry later", body = ErrorBody),
    )
)]
pub async fn find_order(
    State(state): State<AppState>,
    ctx: RequestContext,
    crate::extract::ApiJson(req): crate::extract::ApiJson<FindOrderRequest>,
) -> Result<axum::Json<OrderJson>, WebError> {
    let meta = ctx.meta();
    state.accounts().lookup_allowed(&meta).await?;
    match state
        .orders()
        .find_by_reference(&req.reference, &req.email)
        .await
    {
        Ok((view, token)) => Ok(axum::Json(order_json(&view, Some(token)))),
        Err(BookingError::NotFound) => {
            state.accounts().lookup_missed(&meta).await;
            Err(BookingError::NotFound.into())
        }
        Err(e) => Err(e.into()),
    }
}
