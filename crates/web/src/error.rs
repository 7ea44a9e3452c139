//! One error type for the web layer. Each kind has its own HTTP status and a stable snake_case
//! code that clients can switch on; the message is translated (`error-<code>` in the Fluent
//! files) when the response is rendered, in the request's language. Handlers return
//! `Result<_, WebError>`; the `render_errors` middleware turns the error into JSON under `/api`
//! and into an HTML page elsewhere.

use std::sync::Arc;

use axum::http::StatusCode;
use axum::response::{IntoResponse, Response};
use serde_json::Value;

use crate::i18n::{FluentArg, Locale};

/// Stable error codes. Never rename one: clients depend on them.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum ErrorCode {
    NotFound,
    MethodNotAllowed,
    InvalidJson,
    InvalidQuery,
    InvalidForm,
    ValidationFailed,
    UnsupportedMediaType,
    PayloadTooLarge,
    CsrfFailed,
    RequestTimeout,
    UnknownCurrency,
    NoExchangeRate,
    DatabaseUnavailable,
    Unauthenticated,
    Forbidden,
    InvalidCredentials,
    TooManyAttempts,
    TooManyCodes,
    AccountNotVerified,
    CodeInvalid,
    CodeExpired,
    ChallengeExpired,
    AlreadyInUse,
    PasswordConfirmationFailed,
    SignInProviderFailed,
    OfferUnavailable,
    PriceChanged,
    SoldOut,
    HoldExpired,
    OrderNotPayable,
    PaymentInProgress,
    PaymentDeclined,
    PaymentUnavailable,
    SupplierUnavailable,
    SupplierRejected,
    ConfirmationFailed,
    IdempotencyKeyReused,
    RequestInProgress,
    PaymentState,
    /// Only a dead outbox event can be retried.
    EventNotDead,
    RefundNotAllowed,
    WebhookRejected,
    Internal,
}

impl ErrorCode {
    pub const ALL: &'static [ErrorCode] = &[
        ErrorCode::NotFound,
        ErrorCode::MethodNotAllowed,
        ErrorCode::InvalidJson,
        ErrorCode::InvalidQuery,
        ErrorCode::InvalidForm,
        ErrorCode::ValidationFailed,
        ErrorCode::UnsupportedMediaType,
        ErrorCode::PayloadTooLarge,
        ErrorCode::CsrfFailed,
        ErrorCode::RequestTimeout,
        ErrorCode::UnknownCurrency,
        ErrorCode::NoExchangeRate,
        ErrorCode::DatabaseUnavailable,
        ErrorCode::Unauthenticated,
        ErrorCode::Forbidden,
        ErrorCode::InvalidCredentials,
        ErrorCode::TooManyAttempts,
        ErrorCode::TooManyCodes,
        ErrorCode::AccountNotVerified,
        ErrorCode::CodeInvalid,
        ErrorCode::CodeExpired,
        ErrorCode::ChallengeExpired,
        ErrorCode::AlreadyInUse,
        ErrorCode::PasswordConfirmationFailed,
        ErrorCode::SignInProviderFailed,
        ErrorCode::OfferUnavailable,
        ErrorCode::PriceChanged,
        ErrorCode::SoldOut,
        ErrorCode::HoldExpired,
        ErrorCode::OrderNotPayable,
        ErrorCode::PaymentInProgress,
        ErrorCode::PaymentDeclined,
        ErrorCode::PaymentUnavailable,
        ErrorCode::SupplierUnavailable,
        ErrorCode::SupplierRejected,
        ErrorCode::ConfirmationFailed,
        ErrorCode::IdempotencyKeyReused,
        ErrorCode::RequestInProgress,
        ErrorCode::PaymentState,
        ErrorCode::EventNotDead,
        ErrorCode::RefundNotAllowed,
        ErrorCode::WebhookRejected,
        ErrorCode::Internal,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            ErrorCode::NotFound => "not_found",
            ErrorCode::MethodNotAllowed => "method_not_allowed",
            ErrorCode::InvalidJson => "invalid_json",
            ErrorCode::InvalidQuery => "invalid_query",
            ErrorCode::InvalidForm => "invalid_form",
            ErrorCode::ValidationFailed => "validation_failed",
            ErrorCode::UnsupportedMediaType => "unsupported_media_type",
            ErrorCode::PayloadTooLarge => "payload_too_large",
            ErrorCode::CsrfFailed => "csrf_failed",
            ErrorCode::RequestTimeout => "request_timeout",
            ErrorCode::UnknownCurrency => "unknown_currency",
            ErrorCode::NoExchangeRate => "no_exchange_rate",
            ErrorCode::DatabaseUnavailable => "database_unavailable",
            ErrorCode::Unauthenticated => "unauthenticated",
            ErrorCode::Forbidden => "forbidden",
            ErrorCode::InvalidCredentials => "invalid_credentials",
            ErrorCode::TooManyAttempts => "too_many_attempts",
            ErrorCode::TooManyCodes => "too_many_codes",
            ErrorCode::AccountNotVerified => "account_not_verified",
            ErrorCode::CodeInvalid => "code_invalid",
            ErrorCode::CodeExpired => "code_expired",
            ErrorCode::ChallengeExpired => "challenge_expired",
            ErrorCode::AlreadyInUse => "already_in_use",
            ErrorCode::PasswordConfirmationFailed => "password_confirmation_failed",
            ErrorCode::SignInProviderFailed => "sign_in_provider_failed",
            ErrorCode::OfferUnavailable => "offer_unavailable",
            ErrorCode::PriceChanged => "price_changed",
            ErrorCode::SoldOut => "sold_out",
            ErrorCode::HoldExpired => "hold_expired",
            ErrorCode::OrderNotPayable => "order_not_payable",
            ErrorCode::PaymentInProgress => "payment_in_progress",
            ErrorCode::PaymentDeclined => "payment_declined",
            ErrorCode::PaymentUnavailable => "payment_unavailable",
            ErrorCode::SupplierUnavailable => "supplier_unavailable",
            ErrorCode::SupplierRejected => "supplier_rejected",
            ErrorCode::ConfirmationFailed => "confirmation_failed",
            ErrorCode::IdempotencyKeyReused => "idempotency_key_reused",
            ErrorCode::RequestInProgress => "request_in_progress",
            ErrorCode::PaymentState => "payment_state",
            ErrorCode::EventNotDead => "event_not_dead",
            ErrorCode::RefundNotAllowed => "refund_not_allowed",
            ErrorCode::WebhookRejected => "webhook_rejected",
            ErrorCode::Internal => "internal",
        }
    }

    pub fn status(self) -> StatusCode {
        match self {
            ErrorCode::NotFound => StatusCode::NOT_FOUND,
            ErrorCode::MethodNotAllowed => StatusCode::METHOD_NOT_ALLOWED,
            ErrorCode::InvalidJson | ErrorCode::InvalidQuery | ErrorCode::InvalidForm => {
                StatusCode::BAD_REQUEST
            }
            ErrorCode::ValidationFailed
            | ErrorCode::UnknownCurrency
            | ErrorCode::NoExchangeRate => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::UnsupportedMediaType => StatusCode::UNSUPPORTED_MEDIA_TYPE,
            ErrorCode::PayloadTooLarge => StatusCode::PAYLOAD_TOO_LARGE,
            ErrorCode::CsrfFailed => StatusCode::FORBIDDEN,
            ErrorCode::RequestTimeout => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::DatabaseUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::Unauthenticated => StatusCode::UNAUTHORIZED,
            ErrorCode::Forbidden => StatusCode::FORBIDDEN,
            ErrorCode::InvalidCredentials => StatusCode::UNAUTHORIZED,
            ErrorCode::TooManyAttempts => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::TooManyCodes => StatusCode::TOO_MANY_REQUESTS,
            ErrorCode::AccountNotVerified => StatusCode::FORBIDDEN,
            ErrorCode::CodeInvalid => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::CodeExpired => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ChallengeExpired => StatusCode::UNAUTHORIZED,
            ErrorCode::AlreadyInUse => StatusCode::CONFLICT,
            ErrorCode::PasswordConfirmationFailed => StatusCode::FORBIDDEN,
            ErrorCode::SignInProviderFailed => StatusCode::BAD_GATEWAY,
            ErrorCode::OfferUnavailable => StatusCode::GONE,
            ErrorCode::PriceChanged => StatusCode::CONFLICT,
            ErrorCode::SoldOut => StatusCode::CONFLICT,
            ErrorCode::HoldExpired => StatusCode::CONFLICT,
            ErrorCode::OrderNotPayable => StatusCode::CONFLICT,
            ErrorCode::PaymentInProgress => StatusCode::CONFLICT,
            ErrorCode::PaymentDeclined => StatusCode::PAYMENT_REQUIRED,
            ErrorCode::PaymentUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::SupplierUnavailable => StatusCode::SERVICE_UNAVAILABLE,
            ErrorCode::SupplierRejected => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::ConfirmationFailed => StatusCode::BAD_GATEWAY,
            ErrorCode::IdempotencyKeyReused => StatusCode::UNPROCESSABLE_ENTITY,
            ErrorCode::RequestInProgress => StatusCode::CONFLICT,
            ErrorCode::PaymentState => StatusCode::CONFLICT,
            ErrorCode::EventNotDead => StatusCode::CONFLICT,
            ErrorCode::RefundNotAllowed => StatusCode::CONFLICT,
            ErrorCode::WebhookRejected => StatusCode::BAD_REQUEST,
            ErrorCode::Internal => StatusCode::INTERNAL_SERVER_ERROR,
        }
    }

    /// The Fluent key of the message: `error-` plus the code with dashes.
    pub fn message_key(self) -> String {
        format!("error-{}", self.as_str().replace('_', "-"))
    }

    /// The code for a bare status produced outside our handlers (router, body limit …).
    pub fn for_status(status: StatusCode) -> ErrorCode {
        match status {
            StatusCode::NOT_FOUND => ErrorCode::NotFound,
            StatusCode::METHOD_NOT_ALLOWED => ErrorCode::MethodNotAllowed,
            StatusCode::PAYLOAD_TOO_LARGE => ErrorCode::PayloadTooLarge,
            StatusCode::UNSUPPORTED_MEDIA_TYPE => ErrorCode::UnsupportedMediaType,
            StatusCode::FORBIDDEN => ErrorCode::CsrfFailed,
            StatusCode::UNAUTHORIZED => ErrorCode::Unauthenticated,
            StatusCode::TOO_MANY_REQUESTS => ErrorCode::TooManyAttempts,
            StatusCode::REQUEST_TIMEOUT | StatusCode::GATEWAY_TIMEOUT => ErrorCode::RequestTimeout,
            StatusCode::UNPROCESSABLE_ENTITY => ErrorCode::ValidationFailed,
            s if s.is_client_error() => ErrorCode::InvalidQuery,
            _ => ErrorCode::Internal,
        }
    }
}

/// An error on its way to the client.
#[derive(Debug, Clone)]
pub struct WebError {
    pub code: ErrorCode,
    /// Arguments for the translated message (e.g. the field name).
    pub args: Vec<(&'static str, FluentArg)>,
    /// Machine-readable specifics, e.g. `{"field": "currency"}`.
    pub details: Value,
    /// For logs only; never shown to the client.
    pub internal: Option<String>,
}

impl WebError {
    pub fn new(code: ErrorCode) -> WebError {
        WebError {
            code,
            args: Vec::new(),
            details: Value::Object(Default::default()),
            internal: None,
        }
    }

    pub fn not_found() -> WebError {
        WebError::new(ErrorCode::NotFound)
    }

    /// A field failed validation; `reason_key` is a Fluent key explaining why.
    pub fn invalid_field(field: &str, reason_key: &str) -> WebError {
        WebError::new(ErrorCode::ValidationFailed)
            .arg("field", field)
            .reason(reason_key)
            .detail("field", field.into())
    }

    pub fn internal(cause: impl std::fmt::Display) -> WebError {
        let mut e = WebError::new(ErrorCode::Internal);
        e.internal = Some(cause.to_string());
        e
    }

    pub fn arg(mut self, name: &'static str, value: impl Into<FluentArg>) -> WebError {
        self.args.push((name, value.into()));
        self
    }

    /// A translated reason, included in the message as `{ $reason }`.
    pub fn reason(mut self, reason_key: &str) -> WebError {
        self.args
            .push(("reason_key", FluentArg::Str(reason_key.to_owned())));
        self
    }

    pub fn detail(mut self, key: &str, value: Value) -> WebError {
        if let Value::Object(map) = &mut self.details {
            map.insert(key.to_owned(), value);
        }
        self
    }

    /// The translated message in `locale`.
    pub fn message(&self, locale: Locale) -> String {
        let mut args: Vec<(&str, FluentArg)> = self
            .args
            .iter()
            .filter(|(k, _)| *k != "reason_key")
            .map(|(k, v)| (*k, v.clone()))
            .collect();
        if args.is_empty() && !self.args.iter().any(|(k, _)| *k == "reason_key") {
            // Codes whose message takes arguments have a generic wording for when none are known.
            let generic = format!("{}-generic", self.code.message_key());
            if locale.has(&generic) {
                return locale.t(&generic);
            }
        }
        // A field with a label in this language is named by it (`field-password` → “密码”).
        for (k, v) in args.iter_mut() {
            if let ("field", FluentArg::Str(name)) = (*k, &*v) {
                let label = format!("field-{name}");
                if locale.has(&label) {
                    *v = FluentArg::Str(locale.t(&label));
                }
            }
        }
        // The reason is itself a message and may use the same arguments (e.g. `$max`).
        if let Some((_, FluentArg::Str(key))) = self.args.iter().find(|(k, _)| *k == "reason_key") {
            let reason = locale.t_args(key, &args);
            args.push(("reason", FluentArg::Str(reason)));
        }
        locale.t_args(&self.code.message_key(), &args)
    }

    /// The JSON body: `{"error": {"code", "message", "details"}}`.
    pub fn to_json(&self, locale: Locale) -> Value {
        serde_json::json!({
            "error": {
                "code": self.code.as_str(),
                "message": self.message(locale),
                "details": self.details,
            }
        })
    }
}

impl From<wayfare_store::StoreError> for WebError {
    fn from(e: wayfare_store::StoreError) -> Self {
        match e {
            wayfare_store::StoreError::Unreachable { .. } => {
                let mut w = WebError::new(ErrorCode::DatabaseUnavailable);
                w.internal = Some(e.to_string());
                w
            }
            other => WebError::internal(other),
        }
    }
}

impl IntoResponse for WebError {
    /// The body is rendered later by `render_errors`, which knows the request's language.
    fn into_response(self) -> Response {
        if let Some(cause) = &self.internal {
            tracing::error!(code = self.code.as_str(), cause = %cause, "request failed");
        }
        let mut res = self.code.status().into_response();
        if let Some(secs) = self
            .details
            .get("retry_after_secs")
            .and_then(|v| v.as_u64())
        {
            res.headers_mut().insert(
                axum::http::header::RETRY_AFTER,
                axum::http::HeaderValue::from(secs),
            );
        }
        res.extensions_mut().insert(Arc::new(self));
        res
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_code_is_unique_and_snake_case() {
        let mut seen = std::collections::HashSet::new();
        for c in ErrorCode::ALL {
            assert!(seen.insert(c.as_str()), "{} twice", c.as_str());
            assert!(
                c.as_str()
                    .chars()
                    .all(|ch| ch.is_ascii_lowercase() || ch == '_')
            );
        }
    }

    #[test]
    fn client_errors_are_4xx() {
        for c in ErrorCode::ALL {
            let s = c.status();
            match c {
                // An outside service failed, or nothing was done and it is ours to fix.
                ErrorCode::Internal
                | ErrorCode::SignInProviderFailed
                | ErrorCode::ConfirmationFailed => assert!(s.is_server_error()),
                // Down for now: try again later.
                ErrorCode::DatabaseUnavailable
                | ErrorCode::RequestTimeout
                | ErrorCode::PaymentUnavailable
                | ErrorCode::SupplierUnavailable => {
                    assert_eq!(s, StatusCode::SERVICE_UNAVAILABLE)
                }
                _ => assert!(s.is_client_error(), "{c:?}"),
            }
        }
    }

    #[test]
    fn messages_are_translated_with_arguments() {
        let zh = Locale::from_tag("zh-CN").unwrap();
        let en = Locale::from_tag("en").unwrap();
        let e = WebError::invalid_field("currency", "reason-unknown-currency");
        let m_en = e.message(en);
        let m_zh = e.message(zh);
        assert!(m_en.contains("currency"), "{m_en}");
        // The field is named by its label in the user's language.
        assert!(m_zh.contains("币种"), "{m_zh}");
        assert_ne!(m_en, m_zh);
        assert!(!m_en.contains("error-"), "{m_en}");
        let json = e.to_json(en);
        assert_eq!(json["error"]["code"], "validation_failed");
        assert_eq!(json["error"]["details"]["field"], "currency");
    }
}
