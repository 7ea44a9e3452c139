//! What the HTTP connectors (e-mail and SMS) make of a failed call: no answer is worth trying
//! again; an answer's status says whether it is.

use std::error::Error as _;

use reqwest::StatusCode;

use crate::NotifyError;

/// A request that got no HTTP answer (connection refused, TLS failure, timeout) or whose answer
/// could not be read: [`NotifyError::Unreachable`]. The URL is left out of the reason.
pub(crate) fn transport_error(provider: &'static str, error: reqwest::Error) -> NotifyError {
    let mut reason = if error.is_timeout() {
        "the request timed out".to_owned()
    } else if error.is_connect() {
        "could not connect".to_owned()
    } else {
        "the request failed".to_owned()
    };
    let error = error.without_url();
    let mut source = error.source();
    while let Some(e) = source {
        reason.push_str(": ");
        reason.push_str(&e.to_string());
        source = e.source();
    }
    NotifyError::Unreachable { provider, reason }
}

/// A non-2xx answer as a [`NotifyError`]: 429 and 5xx are [`NotifyError::Unreachable`] (try
/// later), any other 4xx is [`NotifyError::Rejected`] (the provider will not take this message
/// or our credentials), anything else (a 1xx or 3xx) is an unexpected answer and
/// [`NotifyError::Unreachable`]. `reason` is the provider's explanation, already scrubbed.
pub(crate) fn status_error(
    provider: &'static str,
    status: StatusCode,
    reason: &str,
) -> NotifyError {
    let reason = format!("HTTP {}: {reason}", status.as_u16());
    if status.is_client_error() && status != StatusCode::TOO_MANY_REQUESTS {
        NotifyError::Rejected { provider, reason }
    } else {
        NotifyError::Unreachable { provider, reason }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn statuses_map_to_rejected_or_unreachable() {
        let rejected = |s: u16| {
            matches!(
                status_error("p", StatusCode::from_u16(s).unwrap(), "r"),
                NotifyError::Rejected { .. }
            )
        };
        for code in [400, 401, 403, 404, 405, 413, 422] {
            assert!(rejected(code), "{code}");
        }
        for code in [429, 500, 502, 503, 504, 302] {
            assert!(!rejected(code), "{code}");
        }
        assert!(matches!(
            status_error("p", StatusCode::BAD_REQUEST, "bad to"),
            NotifyError::Rejected { reason, .. } if reason == "HTTP 400: bad to"
        ));
    }
}
