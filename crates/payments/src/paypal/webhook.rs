//! PayPal webhooks: checked by PayPal's `POST /v1/notifications/verify-webhook-signature`
//! (no RSA or X.509 crate here, and PayPal's current SDKs verify this way too), then read as
//! a [`WebhookEvent`] whose payment id is the order id, as [`crate::Payment::id`] has it.

use reqwest::Method;
use serde_json::Value;

use super::client::Call;
use super::wire::{self, EventBody, Order, Transaction, VerifyResponse};
use super::{NAME, PayPalProvider};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest, WebhookSubject};

/// The delivery headers PayPal signs with, in the order of the verify call's fields.
const HEADERS: [(&str, &str); 5] = [
    ("auth_algo", "paypal-auth-algo"),
    ("cert_url", "paypal-cert-url"),
    ("transmission_id", "paypal-transmission-id"),
    ("transmission_sig", "paypal-transmission-sig"),
    ("transmission_time", "paypal-transmission-time"),
];

/// The verify call's body. `webhook_event` is the received body spliced in byte for byte, not
/// parsed and serialised again: PayPal checks its signature over the bytes it sent, and a
/// re-serialised event (other number formats, key order or escapes) can fail to verify.
fn verify_body(fields: &[(&str, &str)], webhook_id: &str, raw_event: &str) -> String {
    let mut body = String::from("{");
    for (name, value) in fields.iter().chain([("webhook_id", webhook_id)].iter()) {
        body.push_str(&Value::String((*name).to_owned()).to_string());
        body.push(':');
        body.push_str(&Value::String((*value).to_owned()).to_string());
        body.push(',');
    }
    body.push_str("\"webhook_event\":");
    body.push_str(raw_event);
    body.push('}');
    body
}

fn unavailable(e: impl std::fmt::Display) -> WebhookError {
    WebhookError::Unavailable(e.to_string())
}

/// Verifies and reads a notification; see the module docs.
pub(super) async fn parse(
    provider: &PayPalProvider,
    req: &WebhookRequest<'_>,
) -> Result<WebhookEvent, WebhookError> {
    let Some(webhook_id) = provider.inner.webhook_id.as_deref() else {
        return Err(WebhookError::Unsupported);
    };
    let mut fields = Vec::with_capacity(HEADERS.len());
    for (field, header) in HEADERS {
        match req.header(header).map(str::trim) {
            Some(v) if !v.is_empty() => fields.push((field, v)),
            _ => return Err(WebhookError::MissingSignature),
        }
    }
    let sent_at = req
        .header("paypal-transmission-time")
        .and_then(|t| wire::parse_time(Some(t.trim())))
        .ok_or(WebhookError::BadSignature)?;
    let tolerance = chrono::Duration::from_std(provider.inner.webhook_tolerance)
        .unwrap_or(chrono::Duration::MAX);
    if (req.received_at - sent_at).abs() > tolerance {
        return Err(WebhookError::Stale);
    }
    // Anything that is not a JSON object cannot be an event PayPal signed.
    let raw = std::str::from_utf8(req.body).map_err(|_| WebhookError::BadSignature)?;
    let parsed: Value = serde_json::from_str(raw).map_err(|_| WebhookError::BadSignature)?;
    if !parsed.is_object() {
        return Err(WebhookError::BadSignature);
    }
    // No PayPal-Request-Id: a replayed verdict for a different body would be a forgery's pass.
    let answer = provider
        .inner
        .client
        .call(Call {
            method: Method::POST,
            path: "/v1/notifications/verify-webhook-signature".into(),
            body: Some(verify_body(&fields, webhook_id, raw).into_bytes()),
            request_id: None,
        })
        .await
        .map_err(unavailable)?
        .map_err(|e| unavailable(format!("PayPal refused the verify call: {}", e.summary())))?;
    let verdict: VerifyResponse = serde_json::from_value(answer)
        .map_err(|_| unavailable("PayPal's verify answer could not be read"))?;
    match verdict.verification_status.as_str() {
        "SUCCESS" => {}
        "FAILURE" => return Err(WebhookError::BadSignature),
        other => {
            tracing::warn!(
                status = other,
                "PayPal's verify call answered an unknown status"
            );
            return Err(WebhookError::BadSignature);
        }
    }
    let event: EventBody =
        serde_json::from_value(parsed).map_err(|e| WebhookError::Malformed(e.to_string()))?;
    let subject = subject(provider, &event).await?;
    Ok(WebhookEvent {
        provider: NAME.to_owned(),
        event_id: event.id,
        event_type: event.event_type,
        subject,
        occurred_at: wire::parse_time(event.create_time.as_deref()),
    })
}

fn malformed(e: impl std::fmt::Display) -> WebhookError {
    WebhookError::Malformed(e.to_string())
}

fn resource<T: serde::de::DeserializeOwned>(event: &EventBody) -> Result<T, WebhookError> {
    serde_json::from_value(event.resource.clone()).map_err(malformed)
}

fn money(t: &Transaction) -> Result<Option<wayfare_domain::Money>, WebhookError> {
    t.amount
        .as_ref()
        .map(|a| a.to_money())
        .transpose()
        .map_err(malformed)
}

/// What the event is about. Captures and authorisations name their order in
/// `supplementary_data.related_ids.order_id`; refunds are traced to it through their capture.
async fn subject(
    provider: &PayPalProvider,
    event: &EventBody,
) -> Result<WebhookSubject, WebhookError> {
    let is_refund = event.resource_type.as_deref() == Some("refund");
    match event.event_type.as_str() {
        "PAYMENT.CAPTURE.REFUNDED" | "PAYMENT.CAPTURE.REVERSED" if is_refund => {
            refund_subject(provider, event).await
        }
        "PAYMENT.CAPTURE.COMPLETED"
        | "PAYMENT.CAPTURE.DENIED"
        | "PAYMENT.CAPTURE.DECLINED"
        | "PAYMENT.CAPTURE.PENDING"
        | "PAYMENT.CAPTURE.REFUNDED"
        | "PAYMENT.CAPTURE.REVERSED" => {
            let capture: Transaction = resource(event)?;
            let order_id = capture
                .order_id()
                .ok_or_else(|| malformed("the capture names no order"))?;
            let status = match event.event_type.as_str() {
                "PAYMENT.CAPTURE.DENIED" | "PAYMENT.CAPTURE.DECLINED" => {
                    crate::PaymentStatus::Failed
                }
                _ => wire::capture_event_status(&capture.status),
            };
            let captured = money(&capture)?.filter(|_| status == crate::PaymentStatus::Succeeded);
            Ok(WebhookSubject::Payment {
                payment_id: order_id.to_owned(),
                status,
                amount: None,
                amount_captured: captured,
            })
        }
        "PAYMENT.AUTHORIZATION.CREATED" | "PAYMENT.AUTHORIZATION.VOIDED" => {
            let auth: Transaction = resource(event)?;
            let order_id = auth
                .order_id()
                .ok_or_else(|| malformed("the authorisation names no order"))?;
            let status = if event.event_type.ends_with("VOIDED") {
                crate::PaymentStatus::Canceled
            } else {
                wire::authorization_event_status(&auth.status)
            };
            Ok(WebhookSubject::Payment {
                payment_id: order_id.to_owned(),
                status,
                amount: money(&auth)?,
                amount_captured: None,
            })
        }
        "CHECKOUT.ORDER.APPROVED" | "CHECKOUT.ORDER.COMPLETED" => {
            let order: Order = resource(event)?;
            let payment =
                wire::order_to_payment(&order, NAME, provider.now()).map_err(malformed)?;
            Ok(WebhookSubject::Payment {
                payment_id: payment.id,
                status: payment.status,
                amount: Some(payment.amount),
                amount_captured: Some(payment.amount_captured),
            })
        }
        _ => Ok(WebhookSubject::Other),
    }
}

async fn refund_subject(
    provider: &PayPalProvider,
    event: &EventBody,
) -> Result<WebhookSubject, WebhookError> {
    let refund: Transaction = resource(event)?;
    let order_id = match refund.order_id() {
        Some(o) => o.to_owned(),
        None => provider
            .order_of_refund(&refund)
            .await
            .map_err(|e| match e {
                crate::PaymentError::Unavailable(_) | crate::PaymentError::Timeout => {
                    unavailable(e)
                }
                other => malformed(other),
            })?,
    };
    Ok(WebhookSubject::Refund {
        refund_id: refund.id.clone(),
        payment_id: order_id,
        status: wire::refund_status(&refund.status),
        amount: money(&refund)?,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_event_is_spliced_in_byte_for_byte() {
        let raw = "{\"id\":\"WH-1\",  \"n\":1.50,\"u\":\"\\u00e9\"}";
        let body = verify_body(
            &[("auth_algo", "SHA256withRSA"), ("transmission_id", "a\"b")],
            "WH-ID",
            raw,
        );
        assert!(body.ends_with(&format!("\"webhook_event\":{raw}}}")));
        let v: Value = serde_json::from_str(&body).unwrap();
        assert_eq!(v["transmission_id"], "a\"b");
        assert_eq!(v["webhook_id"], "WH-ID");
        assert_eq!(v["webhook_event"]["id"], "WH-1");
    }
}
