//! SMS providers over their HTTP APIs, and SMS length (`../shared/providers/messaging.md`
//! §4–§7).
//!
//! - [`TwilioSms`], [`VonageSms`] and [`PlivoSms`] are [`crate::SmsSender`]s: small HTTP
//!   clients of our own, one per configured provider, each built from a config struct whose
//!   `Debug` hides the secrets. They send to E.164 numbers (`+8613800138000`) and answer the
//!   provider's message id.
//! - Failures are [`NotifyError::Rejected`] when sending again cannot help (bad number, bad
//!   credentials, any other 4xx, a refusal in the answer) and [`NotifyError::Unreachable`] when
//!   it may (429, 5xx, throttling, no connection, no answer in time): the caller retries only
//!   those. No error, log line or `Debug` carries a secret or the text of a message (it may be
//!   a sign-in code); phone numbers are logged with their middle hidden.
//! - Delivery callbacks: each provider signs them its own way; `verify_*_callback` checks a
//!   signature over what was received, and `parse_*_callback` reads the provider's message id
//!   and a [`DeliveryStatus`] from it.
//! - [`segments`]: which encoding a text needs, how many parts it is sent in, and shortening
//!   a text to a number of parts.

pub mod plivo;
pub mod segments;
pub mod twilio;
pub mod vonage;

use std::time::Duration;

use reqwest::header::HeaderValue;
use url::Url;

use crate::NotifyError;
use crate::http::{status_error, transport_error};

pub use plivo::{
    PlivoConfig, PlivoSms, parse_plivo_callback, plivo_signature_v2, plivo_signature_v3,
    verify_plivo_callback, verify_plivo_callback_v2, verify_plivo_callback_v3,
};
pub use twilio::{
    TwilioConfig, TwilioCredentials, TwilioSender, TwilioSms, parse_twilio_callback,
    twilio_signature, verify_twilio_callback, verify_twilio_json_callback,
};
pub use vonage::{
    VonageConfig, VonageCredentials, VonageSignatureMethod, VonageSms, parse_vonage_callback,
    verify_vonage_callback, vonage_params_from_json, vonage_signature,
};

/// How long one request to a provider may take, connecting included.
pub const DEFAULT_TIMEOUT: Duration = Duration::from_secs(15);

/// Where an SMS stands, as a delivery callback tells it. Providers' intermediate statuses
/// (queued, sending, accepted by the provider, buffered …) are not reported.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum DeliveryStatus {
    /// Handed to the mobile network.
    Sent,
    /// The handset has it.
    Delivered,
    /// Not sent: the provider or the network refused it.
    Failed,
    /// Sent, but the network could not deliver it (handset off too long, number gone).
    Undelivered,
}

impl DeliveryStatus {
    /// `sent`, `delivered`, `failed` or `undelivered`: how the send log writes it.
    pub fn as_str(self) -> &'static str {
        match self {
            DeliveryStatus::Sent => "sent",
            DeliveryStatus::Delivered => "delivered",
            DeliveryStatus::Failed => "failed",
            DeliveryStatus::Undelivered => "undelivered",
        }
    }
}

impl std::fmt::Display for DeliveryStatus {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.as_str())
    }
}

/// The first value of `name` among `params`.
pub(crate) fn param<'a>(params: &'a [(String, String)], name: &str) -> Option<&'a str> {
    params
        .iter()
        .find(|(n, _)| n == name)
        .map(|(_, v)| v.as_str())
}

/// A configuration that cannot work. Never quotes a secret.
fn config_error(provider: &'static str, what: &str) -> NotifyError {
    NotifyError::Rejected {
        provider,
        reason: format!("configuration: {what}"),
    }
}

/// The digits of an E.164 number (`+` then 7 to 15 digits, the first not 0), or a refusal
/// before anything is sent.
fn e164_digits<'a>(provider: &'static str, to: &'a str) -> Result<&'a str, NotifyError> {
    let digits = to.strip_prefix('+').unwrap_or("");
    let valid = (7..=15).contains(&digits.len())
        && digits.bytes().all(|b| b.is_ascii_digit())
        && !digits.starts_with('0');
    if valid {
        Ok(digits)
    } else {
        Err(NotifyError::Rejected {
            provider,
            reason: "the destination is not an E.164 phone number (+ and 7 to 15 digits)"
                .to_owned(),
        })
    }
}

/// An empty text is refused before anything is sent.
fn check_text(provider: &'static str, text: &str) -> Result<(), NotifyError> {
    if text.trim().is_empty() {
        return Err(NotifyError::Rejected {
            provider,
            reason: "the message is empty".to_owned(),
        });
    }
    Ok(())
}

/// `+8613800138000` → `+86*******8000`: enough to tell numbers apart in logs.
fn masked(number: &str) -> String {
    let chars: Vec<char> = number.chars().collect();
    if chars.len() <= 7 {
        return "*".repeat(chars.len());
    }
    let keep_start = 3;
    let keep_end = 4;
    chars[..keep_start]
        .iter()
        .chain(std::iter::repeat_n(
            &'*',
            chars.len() - keep_start - keep_end,
        ))
        .chain(&chars[chars.len() - keep_end..])
        .collect()
}

/// The provider's API base from the configuration: an absolute http(s) URL.
fn api_base(provider: &'static str, base: &str) -> Result<Url, NotifyError> {
    let url = Url::parse(base).map_err(|_| config_error(provider, "api_base is not a URL"))?;
    if !matches!(url.scheme(), "http" | "https") || url.cannot_be_a_base() {
        return Err(config_error(provider, "api_base must be an http(s) URL"));
    }
    Ok(url)
}

/// A callback URL from the configuration: an absolute http(s) URL.
fn callback_url(provider: &'static str, what: &str, url: &str) -> Result<(), NotifyError> {
    match Url::parse(url) {
        Ok(u) if matches!(u.scheme(), "http" | "https") && u.has_host() => Ok(()),
        _ => Err(config_error(
            provider,
            &format!("{what} must be an absolute http(s) URL"),
        )),
    }
}

/// A required, non-blank setting that must fit in a header or URL path (no control
/// characters). `name` is the setting's name; the value is never quoted.
fn required(provider: &'static str, name: &str, value: &str) -> Result<(), NotifyError> {
    if value.trim().is_empty() {
        return Err(config_error(provider, &format!("{name} is empty")));
    }
    if value.chars().any(char::is_control) {
        return Err(config_error(
            provider,
            &format!("{name} contains control characters"),
        ));
    }
    Ok(())
}

/// `Basic base64(user:password)`, marked sensitive so HTTP-level logging hides it.
fn basic_authorization(
    provider: &'static str,
    user: &str,
    password: &str,
) -> Result<HeaderValue, NotifyError> {
    use base64::Engine;
    let token = base64::engine::general_purpose::STANDARD.encode(format!("{user}:{password}"));
    let mut value = HeaderValue::from_str(&format!("Basic {token}"))
        .map_err(|_| config_error(provider, "the credentials cannot be sent in a header"))?;
    value.set_sensitive(true);
    Ok(value)
}

/// The HTTP client of one connector.
fn http_client(provider: &'static str, timeout: Duration) -> Result<reqwest::Client, NotifyError> {
    reqwest::Client::builder()
        .timeout(timeout)
        .connect_timeout(timeout.min(Duration::from_secs(10)))
        .user_agent(concat!("wayfare-notify/", env!("CARGO_PKG_VERSION")))
        .build()
        .map_err(|e| NotifyError::Unreachable {
            provider,
            reason: format!("HTTP client: {e}"),
        })
}

/// Equal in constant time (for signatures: how long the comparison takes tells nothing about
/// how much of a forged one was right).
fn same(a: &[u8], b: &[u8]) -> bool {
    use subtle::ConstantTimeEq;
    a.len() == b.len() && bool::from(a.ct_eq(b))
}

/// Params grouped by name, names ascending and each name's values ascending: the order
/// Twilio's and Plivo's signatures take them in.
fn sorted_params(params: &[(String, String)], dedup: bool) -> Vec<(&str, &str)> {
    let mut sorted: Vec<(&str, &str)> = params
        .iter()
        .map(|(k, v)| (k.as_str(), v.as_str()))
        .collect();
    sorted.sort_unstable();
    if dedup {
        sorted.dedup();
    }
    sorted
}

/// `scheme://authority` and the rest (`/path?query#fragment`) of an absolute URL, exactly as
/// written (the `url` crate would normalise it and drop default ports, which signatures see).
fn split_authority(url: &str) -> Option<(&str, &str, &str)> {
    let (scheme, rest) = url.split_once("://")?;
    let end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    Some((scheme, &rest[..end], &rest[end..]))
}

/// The host and port parts of an authority (`user@host:port`): `(before_port, port)`.
fn split_port(authority: &str) -> (&str, Option<&str>) {
    let host_start = authority.rfind('@').map_or(0, |i| i + 1);
    let host = &authority[host_start..];
    let colon = if host.starts_with('[') {
        host.find("]:").map(|i| i + 1)
    } else {
        host.rfind(':')
    };
    match colon {
        Some(i) => (&authority[..host_start + i], Some(&host[i + 1..])),
        None => (authority, None),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn e164_numbers() {
        assert_eq!(e164_digits("t", "+8613800138000").unwrap(), "8613800138000");
        assert_eq!(e164_digits("t", "+14155550100").unwrap(), "14155550100");
        for bad in [
            "8613800138000",
            "+0123456789",
            "+1 415 555 0100",
            "+123456",
            "+1234567890123456",
            "+1415555010a",
            "",
            "+",
            "+14155550100<14155550101",
        ] {
            assert!(
                matches!(e164_digits("t", bad), Err(NotifyError::Rejected { .. })),
                "{bad}"
            );
        }
    }

    #[test]
    fn numbers_are_masked_in_logs() {
        assert_eq!(masked("+8613800138000"), "+86*******8000");
        assert_eq!(masked("+1234"), "*****");
    }

    #[test]
    fn authorities_split() {
        assert_eq!(
            split_authority("https://a.example:8443/p?q=1"),
            Some(("https", "a.example:8443", "/p?q=1"))
        );
        assert_eq!(
            split_authority("https://a.example?q"),
            Some(("https", "a.example", "?q"))
        );
        assert_eq!(split_port("a.example:8443"), ("a.example", Some("8443")));
        assert_eq!(split_port("a.example"), ("a.example", None));
        assert_eq!(split_port("[::1]:80"), ("[::1]", Some("80")));
        assert_eq!(split_port("[::1]"), ("[::1]", None));
        assert_eq!(split_port("u:p@h:1"), ("u:p@h", Some("1")));
    }
}
