//! `/api/v1/payments` and `/api/v1/webhooks`: one payment with its refunds (the order's
//! traveller or staff), capture, void and refunds (staff: agents, supervisors, finance,
//! admins), and the providers' notifications, which are verified by their signature before
//! anything is read and answered 400 when they do not verify.

use axum::body::Bytes;
use axum::extract::{Path, State};
use axum::http::{HeaderMap, StatusCode, header};
use axum::response::{IntoResponse, Response};
use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use wayfare_booking::{BookingError, PaymentDetail, PaymentView, RefundAsk, RefundView, Viewer};
use wayfare_domain::Money;
use wayfare_domain::account::Role;
use wayfare_payments::WebhookRequest;

use crate::api::orders::{
    IDEMPOTENCY_HEADER, MoneyInput, actor, idempotent, parse_json, parse_money, viewer,
};
use crate::api::types::{ErrorBody, MoneyJson};
use crate::auth::require_role;
use crate::error::{ErrorCode, WebError};
use crate::middleware::RequestContext;
use crate::state::AppState;

/// Who may capture, void and refund.
const PAYMENT_STAFF: &[Role] = &[Role::Agent, Role::Supervisor, Role::Finance, Role::Admin];

/// A payment attempt as we record it.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentJson {
    /// Our id, `opy_…`.
    pub id: String,
    /// `sandbox`, `stripe`, `paypal`, `alipay`, `wechatpay`, `klarna`.
    pub provider: String,
    /// `processing`, `requires_action`, `requires_capture`, `partially_captured`, `succeeded`,
    /// `failed` or `cancelled`.
    pub status: String,
    pub payment_method: String,
    pub amount: MoneyJson,
    pub captured: MoneyJson,
    pub refunded: MoneyJson,
    /// An instalment plan's fee, included in `amount`.
    pub fee: MoneyJson,
    pub instalments: Option<u8>,
    pub failure_code: Option<String>,
    pub next_action_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<PaymentView> for PaymentJson {
    fn from(p: PaymentView) -> Self {
        PaymentJson {
            id: p.id,
            provider: p.provider,
            status: p.status,
            payment_method: p.payment_method,
            amount: p.amount.into(),
            captured: p.captured.into(),
            refunded: p.refunded.into(),
            fee: p.fee.into(),
            instalments: p.instalments,
            failure_code: p.failure_code,
            next_action_url: p.next_action_url,
            created_at: p.created_at,
        }
    }
}

/// A refund as we record it.
#[derive(Debug, Serialize, ToSchema)]
pub struct RefundJson {
    /// Our id, `orf_…`.
    pub id: String,
    /// The payment refunded (`opy_…`).
    pub payment_id: String,
    /// `pending`, `succeeded`, `failed` or `manual_review`.
    pub status: String,
    pub amount: MoneyJson,
    pub reason: String,
    pub failure_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

impl From<RefundView> for RefundJson {
    fn from(r: RefundView) -> Self {
        RefundJson {
            id: r.id,
            payment_id: r.payment_id,
            status: r.status,
            amount: r.amount.into(),
            reason: r.reason,
            failure_code: r.failure_code,
            created_at: r.created_at,
        }
    }
}

/// A payment, its order and its refunds.
#[derive(Debug, Serialize, ToSchema)]
pub struct PaymentDetailJson {
    pub payment: PaymentJson,
    pub order_id: String,
    pub order_reference: String,
    pub refunds: Vec<RefundJson>,
}

impl From<PaymentDetail> for PaymentDetailJson {
    fn from(d: PaymentDetail) -> Self {
        PaymentDetailJson {
            payment: d.payment.into(),
            order_id: d.order_id,
            order_reference: d.order_reference,
            refunds: d.refunds.into_iter().map(Into::into).collect(),
        }
    }
}

/// An amount from a request, more than zero.
fn positive_amount(m: &MoneyInput, field: &str) -> Result<Money, WebError> {
    let money = parse_money(m, field)?;
    if money.minor() <= 0 {
        return Err(WebError::invalid_field(
            &format!("{field}.amount"),
            "reason-amount",
        ));
    }
    Ok(money)
}

/// Capture all of an authorised payment, or `amount` of it.
#[derive(Debug, Default, Deserialize, ToSchema)]
pub struct CaptureRequest {
    pub amount: Option<MoneyInput>,
}

/// Refund all that is left of a payment, or `amount` of it.
#[derive(Debug, Deserialize, ToSchema)]
pub struct RefundPaymentRequest {
    pub amount: Option<MoneyInput>,
    /// Why, for the records and the order's timeline.
    pub reason: String,
}

/// What a verified notification came to.
#[derive(Debug, Serialize, ToSchema)]
pub struct WebhookAck {
    /// `applied`, `duplicate`, `no_change`, `unknown`, `amount_mismatch`, `given_back` or
    /// `ignored`.
    pub outcome: String,
}

/// One payment with its order and refunds: the order's traveller (or its guest token), the
/// agent who placed it, or staff.
#[utoipa::path(
    get,
    path = "/payments/{id}",
    tag = "payments",
    params(("id" = String, Path, description = "Our payment id, `opy_…`")),
    responses(
        (status = 200, description = "The payment", body = PaymentDetailJson),
        (status = 401, description = "Neither signed in nor a guest token", body = ErrorBody),
        (status = 404, description = "No such payment, or not yours", body = ErrorBody),
    )
)]
pub async fn get_payment(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<axum::Json<PaymentDetailJson>, WebError> {
    let mut who = viewer(&ctx, &headers)?;
    // Finance reads any payment, as staff do.
    if let (Viewer::User { staff, .. }, Some(user)) = (&mut who, &ctx.user)
        && PAYMENT_STAFF.iter().any(|r| user.has_role(*r))
    {
        *staff = true;
    }
    let detail = state.orders().payment_detail(&id).await?;
    // Seeing the order is what allows seeing its payments (the same 404 otherwise).
    state.orders().get(&detail.order_id, &who).await?;
    Ok(axum::Json(detail.into()))
}

/// Records a staff action on a payment in the audit log (the accounts' audit: the money moved
/// already, so a failure to write is logged, not answered).
async fn audit_payment(
    state: &AppState,
    ctx: &RequestContext,
    action: &str,
    payment_id: &str,
    detail: serde_json::Value,
) {
    let actor = ctx.user.as_ref().map(|u| u.user.id.as_str());
    state
        .accounts()
        .audit(actor, action, Some(payment_id), &ctx.meta(), detail)
        .await;
}

fn staff(ctx: &RequestContext) -> Result<(), WebError> {
    let user = ctx
        .user
        .as_ref()
        .ok_or_else(|| WebError::new(ErrorCode::Unauthenticated))?;
    require_role(user, PAYMENT_STAFF)
}

/// Captures an authorised payment: all of it, or `amount` (the rest is released). Staff only.
#[utoipa::path(
    post,
    path = "/payments/{id}/capture",
    tag = "payments",
    request_body = CaptureRequest,
    params(
        ("id" = String, Path, description = "Our payment id, `opy_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry answers the first result"),
    ),
    responses(
        (status = 200, description = "The payment after the capture", body = PaymentDetailJson),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such payment", body = ErrorBody),
        (status = 409, description = "`payment_state`: not authorised (already captured, voided, failed)", body = ErrorBody),
        (status = 422, description = "The amount is above the authorised one or in another currency", body = ErrorBody),
        (status = 503, description = "`payment_unavailable`: the provider did not answer; nothing recorded", body = ErrorBody),
    )
)]
pub async fn capture_payment(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    idempotent(
        &state,
        &ctx,
        &headers,
        &format!("capture:{id}"),
        &body,
        || async {
            let req: CaptureRequest = if body.iter().all(u8::is_ascii_whitespace) {
                CaptureRequest::default()
            } else {
                parse_json(&body)?
            };
            let amount = req
                .amount
                .as_ref()
                .map(|a| positive_amount(a, "amount"))
                .transpose()?;
            let detail = state
                .orders()
                .capture_payment(&id, amount, &actor(&ctx, true))
                .await?;
            let asked = amount.map(|a| a.to_string());
            audit_payment(
                &state,
                &ctx,
                "payment.capture",
                &id,
                serde_json::json!({"amount": asked}),
            )
            .await;
            Ok((
                StatusCode::OK,
                serde_json::to_value(PaymentDetailJson::from(detail))
                    .map_err(WebError::internal)?,
            ))
        },
    )
    .await
}

/// Voids a payment not yet captured (releases the authorisation). An order waiting for it
/// goes back to `held`. Staff only.
#[utoipa::path(
    post,
    path = "/payments/{id}/void",
    tag = "payments",
    params(
        ("id" = String, Path, description = "Our payment id, `opy_…`"),
        ("Idempotency-Key" = Option<String>, Header, description = "A retry answers the first result"),
    ),
    responses(
        (status = 200, description = "The payment after the void", body = PaymentDetailJson),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such payment", body = ErrorBody),
        (status = 409, description = "`payment_state`: captured, failed, cancelled, or its order is being confirmed", body = ErrorBody),
        (status = 503, description = "`payment_unavailable`", body = ErrorBody),
    )
)]
pub async fn void_payment(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    idempotent(
        &state,
        &ctx,
        &headers,
        &format!("void:{id}"),
        b"",
        || async {
            let detail = state.orders().void_payment(&id, &actor(&ctx, true)).await?;
            audit_payment(&state, &ctx, "payment.void", &id, serde_json::json!({})).await;
            Ok((
                StatusCode::OK,
                serde_json::to_value(PaymentDetailJson::from(detail))
                    .map_err(WebError::internal)?,
            ))
        },
    )
    .await
}

/// Refunds part or all of a captured payment to the method it was paid with. The
/// `Idempotency-Key` header is required: the same key is the same refund. Staff only.
#[utoipa::path(
    post,
    path = "/payments/{id}/refunds",
    tag = "payments",
    request_body = RefundPaymentRequest,
    params(
        ("id" = String, Path, description = "Our payment id, `opy_…`"),
        ("Idempotency-Key" = String, Header, description = "Required: the same key never refunds twice"),
    ),
    responses(
        (status = 201, description = "The refund: `succeeded`, or `pending` while the provider settles it, or `failed`", body = RefundJson),
        (status = 403, description = "Not staff", body = ErrorBody),
        (status = 404, description = "No such payment", body = ErrorBody),
        (status = 409, description = "`payment_state` (nothing captured) or `refund_not_allowed` (more than is left)", body = ErrorBody),
        (status = 422, description = "A field is invalid, the key is missing, or `idempotency_key_reused`", body = ErrorBody),
    )
)]
pub async fn refund_payment(
    State(state): State<AppState>,
    ctx: RequestContext,
    headers: HeaderMap,
    Path(id): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    staff(&ctx)?;
    let Some(key) = headers
        .get(IDEMPOTENCY_HEADER)
        .and_then(|v| v.to_str().ok())
        .map(str::trim)
        .filter(|k| !k.is_empty())
        .map(str::to_owned)
    else {
        return Err(WebError::invalid_field(
            "Idempotency-Key",
            "reason-required",
        ));
    };
    idempotent(
        &state,
        &ctx,
        &headers,
        &format!("refund:{id}"),
        &body,
        || async {
            let req: RefundPaymentRequest = parse_json(&body)?;
            if req.reason.trim().is_empty() {
                return Err(WebError::invalid_field("reason", "reason-required"));
            }
            let amount = req
                .amount
                .as_ref()
                .map(|a| positive_amount(a, "amount"))
                .transpose()?;
            let refund = state
                .orders()
                .refund_payment(
                    &id,
                    &RefundAsk {
                        amount,
                        reason: req.reason.trim().to_owned(),
                        idempotency_key: key.clone(),
                    },
                    &actor(&ctx, true),
                )
                .await?;
            let detail = serde_json::json!({"refund": refund.id, "amount": refund.amount.to_string(),
                "status": refund.status, "reason": refund.reason});
            audit_payment(&state, &ctx, "payment.refund", &id, detail).await;
            Ok((
                StatusCode::CREATED,
                serde_json::to_value(RefundJson::from(refund)).map_err(WebError::internal)?,
            ))
        },
    )
    .await
}

/// A payment provider's notification (`stripe`, `paypal`, `alipay`, `wechatpay`, `klarna`,
/// `sandbox`). The signature is checked over the raw body first; one that does not verify is
/// 400 and changes nothing. Repeats (by the provider's event id) are answered without acting
/// again; the payment's state is then read from the provider, so notifications may come in
/// any order. Alipay is answered `success` in plain text, as it expects.
#[utoipa::path(
    post,
    path = "/webhooks/{provider}",
    tag = "payments",
    request_body(content = String, description = "The notification exactly as the provider sends it (JSON, or a form for Alipay)", content_type = "application/octet-stream"),
    params(("provider" = String, Path, description = "The provider's name")),
    responses(
        (status = 200, description = "Verified and handled", body = WebhookAck),
        (status = 400, description = "`webhook_rejected`: missing or wrong signature, stale timestamp, unreadable", body = ErrorBody),
        (status = 404, description = "No such provider configured", body = ErrorBody),
        (status = 503, description = "Could not be verified or handled now; the provider will retry", body = ErrorBody),
    )
)]
pub async fn webhook(
    State(state): State<AppState>,
    headers: HeaderMap,
    Path(provider): Path<String>,
    body: Bytes,
) -> Result<Response, WebError> {
    let header_list: Vec<(String, String)> = headers
        .iter()
        .filter_map(|(n, v)| {
            v.to_str()
                .ok()
                .map(|v| (n.as_str().to_ascii_lowercase(), v.to_owned()))
        })
        .collect();
    let req = WebhookRequest {
        headers: &header_list,
        body: &body,
        received_at: state.orders().now(),
    };
    // Verified or rejected, it is counted per provider by the metered provider.
    let result = state.orders().handle_webhook(&provider, &req).await;
    let outcome = match result {
        Ok(o) => o,
        Err(BookingError::WebhookRejected(why)) => {
            let mut e = WebError::new(ErrorCode::WebhookRejected);
            e.internal = Some(why);
            return Err(e);
        }
        Err(e) => return Err(e.into()),
    };
    if provider == "alipay" {
        return Ok((
            StatusCode::OK,
            [(header::CONTENT_TYPE, "text/plain; charset=utf-8")],
            "success",
        )
            .into_response());
    }
    Ok(axum::Json(WebhookAck {
        outcome: outcome.as_str().to_owned(),
    })
    .into_response())
}
