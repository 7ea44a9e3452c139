//! AWS Signature Version 4 (`messaging.md` §2.3): the `Authorization` header that proves a
//! request was made with an access key's secret, without sending the secret.
//!
//! ```text
//! CanonicalRequest = Method \n CanonicalURI \n CanonicalQuery \n CanonicalHeaders \n
//!                    SignedHeaders \n hex(SHA-256(body))
//! StringToSign     = "AWS4-HMAC-SHA256" \n X-Amz-Date \n Scope \n hex(SHA-256(CanonicalRequest))
//! Scope            = YYYYMMDD/region/service/aws4_request
//! SigningKey       = HMAC(HMAC(HMAC(HMAC("AWS4" + secret, YYYYMMDD), region), service), "aws4_request")
//! Signature        = hex(HMAC(SigningKey, StringToSign))
//! ```
//!
//! Written for SES but general: the path is encoded once more as every service but S3 expects,
//! the query is re-encoded and sorted, header values are trimmed with inner runs of spaces
//! collapsed. The canonical path is not normalised (no `.`/`..` removal): the paths we sign are
//! already normal. Checked against AWS's own test suite (`get-vanilla`,
//! `post-x-www-form-urlencoded`, `get-vanilla-with-session-token`) in the tests below.

use std::fmt;

use chrono::{DateTime, Utc};
use hmac::{Hmac, KeyInit, Mac};
use sha2::{Digest, Sha256};

/// The only algorithm of Signature Version 4 with access keys.
pub const ALGORITHM: &str = "AWS4-HMAC-SHA256";

/// An access key: its id, its secret, and the session token of temporary credentials (from
/// STS or an instance role). `Debug` shows the id only.
#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    /// `AKIA…` (long-term) or `ASIA…` (temporary); not a secret, it is sent with every request.
    pub access_key_id: String,
    pub secret_access_key: String,
    /// Sent and signed as `X-Amz-Security-Token` when present.
    pub session_token: Option<String>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Credentials")
            .field("access_key_id", &self.access_key_id)
            .field("secret_access_key", &"[redacted]")
            .field(
                "session_token",
                &self.session_token.as_ref().map(|_| "[redacted]"),
            )
            .finish()
    }
}

/// One request as it will go on the wire.
#[derive(Debug, Clone, Copy)]
pub struct Request<'a> {
    /// `GET`, `POST` …
    pub method: &'a str,
    /// The path as sent, percent-encoded as in the request line: `/v2/email/outbound-emails`.
    pub path: &'a str,
    /// The query as sent, without `?`; empty for none.
    pub query: &'a str,
    /// The headers to sign, as sent, `host` among them; `x-amz-date` and
    /// `x-amz-security-token` are added by [`sign`]. A name given twice has its values joined
    /// by commas, in order.
    pub headers: &'a [(&'a str, &'a str)],
    /// The exact body bytes.
    pub body: &'a [u8],
}

/// What [`sign`] produced: the headers to add to the request, and the intermediate strings
/// (useful when AWS answers `SignatureDoesNotMatch`: it quotes its own canonical request).
/// `Debug` shows neither the session token nor the canonical request, which contains it.
#[derive(Clone, PartialEq, Eq)]
pub struct Signature {
    /// `Authorization`: `AWS4-HMAC-SHA256 Credential=…/scope, SignedHeaders=…, Signature=…`.
    pub authorization: String,
    /// `X-Amz-Date`: `YYYYMMDD'T'HHMMSS'Z'`.
    pub x_amz_date: String,
    /// `X-Amz-Security-Token`, for temporary credentials.
    pub security_token: Option<String>,
    /// The lowercase hex signature alone.
    pub signature: String,
    pub canonical_request: String,
    pub string_to_sign: String,
}

impl fmt::Debug for Signature {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Signature")
            .field("authorization", &self.authorization)
            .field("x_amz_date", &self.x_amz_date)
            .field(
                "security_token",
                &self.security_token.as_ref().map(|_| "[redacted]"),
            )
            .finish_non_exhaustive()
    }
}

/// Signs `request` for `service` in `region` at time `at` with `credentials`.
pub fn sign(
    request: &Request<'_>,
    credentials: &Credentials,
    region: &str,
    service: &str,
    at: DateTime<Utc>,
) -> Signature {
    let x_amz_date = at.format("%Y%m%dT%H%M%SZ").to_string();
    let date = &x_amz_date[..8];
    let mut headers: Vec<(&str, &str)> = request.headers.to_vec();
    headers.push(("x-amz-date", &x_amz_date));
    if let Some(token) = &credentials.session_token {
        headers.push(("x-amz-security-token", token));
    }
    let (canonical_request, signed_headers) = canonical_request(&Request {
        headers: &headers,
        ..*request
    });
    let scope = format!("{date}/{region}/{service}/aws4_request");
    let string_to_sign = format!(
        "{ALGORITHM}\n{x_amz_date}\n{scope}\n{}",
        hex::encode(Sha256::digest(canonical_request.as_bytes()))
    );
    let key = signing_key(&credentials.secret_access_key, date, region, service);
    let signature = hex::encode(hmac(&key, string_to_sign.as_bytes()));
    Signature {
        authorization: format!(
            "{ALGORITHM} Credential={}/{scope}, SignedHeaders={signed_headers}, Signature={signature}",
            credentials.access_key_id
        ),
        x_amz_date,
        security_token: credentials.session_token.clone(),
        signature,
        canonical_request,
        string_to_sign,
    }
}

/// The canonical request of `request` (its headers exactly as given) and its signed-headers
/// list (`host;x-amz-date`).
pub fn canonical_request(request: &Request<'_>) -> (String, String) {
    let mut headers: Vec<(String, String)> = Vec::new();
    for (name, value) in request.headers {
        let name = name.trim().to_ascii_lowercase();
        let value = value.split_whitespace().collect::<Vec<_>>().join(" ");
        match headers.iter_mut().find(|(n, _)| *n == name) {
            Some((_, existing)) => {
                existing.push(',');
                existing.push_str(&value);
            }
            None => headers.push((name, value)),
        }
    }
    headers.sort_by(|a, b| a.0.cmp(&b.0));
    let signed_headers = headers
        .iter()
        .map(|(n, _)| n.as_str())
        .collect::<Vec<_>>()
        .join(";");
    let canonical_headers: String = headers.iter().map(|(n, v)| format!("{n}:{v}\n")).collect();
    let canonical = format!(
        "{}\n{}\n{}\n{canonical_headers}\n{signed_headers}\n{}",
        request.method.to_ascii_uppercase(),
        canonical_uri(request.path),
        canonical_query(request.query),
        hex::encode(Sha256::digest(request.body)),
    );
    (canonical, signed_headers)
}

/// The path as sent, each segment encoded once more (`%` becomes `%25`); `/` when empty.
fn canonical_uri(path: &str) -> String {
    if path.is_empty() {
        return "/".to_owned();
    }
    path.split('/')
        .map(uri_encode)
        .collect::<Vec<_>>()
        .join("/")
}

/// `name=value` pairs, decoded then encoded the AWS way, sorted by name then value.
fn canonical_query(query: &str) -> String {
    let mut pairs: Vec<(String, String)> = query
        .split('&')
        .filter(|p| !p.is_empty())
        .map(|p| {
            let (name, value) = p.split_once('=').unwrap_or((p, ""));
            (
                uri_encode(percent_decode(name)),
                uri_encode(percent_decode(value)),
            )
        })
        .collect();
    pairs.sort();
    pairs
        .iter()
        .map(|(n, v)| format!("{n}={v}"))
        .collect::<Vec<_>>()
        .join("&")
}

/// AWS's UriEncode: every byte but `A-Z a-z 0-9 - . _ ~` as `%XX` with uppercase hex (so a
/// space is `%20`, a `/` is `%2F`).
pub fn uri_encode(text: impl AsRef<[u8]>) -> String {
    let mut out = String::new();
    for &b in text.as_ref() {
        if b.is_ascii_alphanumeric() || b"-._~".contains(&b) {
            out.push(b as char);
        } else {
            out.push_str(&format!("%{b:02X}"));
        }
    }
    out
}

/// `%XX` escapes decoded to bytes; anything else kept.
fn percent_decode(text: &str) -> Vec<u8> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        let hex = bytes
            .get(i + 1..i + 3)
            .and_then(|h| std::str::from_utf8(h).ok())
            .and_then(|h| u8::from_str_radix(h, 16).ok());
        match (bytes[i], hex) {
            (b'%', Some(b)) => {
                out.push(b);
                i += 3;
            }
            (b, _) => {
                out.push(b);
                i += 1;
            }
        }
    }
    out
}

/// The key of one day, region and service, derived from the secret.
pub fn signing_key(secret_access_key: &str, date: &str, region: &str, service: &str) -> [u8; 32] {
    let k_date = hmac(
        format!("AWS4{secret_access_key}").as_bytes(),
        date.as_bytes(),
    );
    let k_region = hmac(&k_date, region.as_bytes());
    let k_service = hmac(&k_region, service.as_bytes());
    hmac(&k_service, b"aws4_request")
}

fn hmac(key: &[u8], message: &[u8]) -> [u8; 32] {
    let mut mac = <Hmac<Sha256> as KeyInit>::new_from_slice(key)
        .expect("HMAC-SHA256 takes keys of any length");
    mac.update(message);
    mac.finalize().into_bytes().into()
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn credentials(token: Option<&str>) -> Credentials {
        Credentials {
            access_key_id: "AKIDEXAMPLE".into(),
            secret_access_key: "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY".into(),
            session_token: token.map(str::to_owned),
        }
    }

    fn at() -> DateTime<Utc> {
        Utc.with_ymd_and_hms(2015, 8, 30, 12, 36, 0).unwrap()
    }

    /// V2: AWS's `get-vanilla`.
    #[test]
    fn get_vanilla() {
        let request = Request {
            method: "GET",
            path: "/",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: b"",
        };
        let s = sign(&request, &credentials(None), "us-east-1", "service", at());
        assert_eq!(
            s.canonical_request,
            "GET\n/\n\nhost:example.amazonaws.com\nx-amz-date:20150830T123600Z\n\nhost;x-amz-date\n\
             e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855"
        );
        assert_eq!(
            hex::encode(Sha256::digest(s.canonical_request.as_bytes())),
            "bb579772317eb040ac9ed261061d46c1f17a8133879d6129b6e1c25292927e63"
        );
        assert_eq!(
            s.signature,
            "5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(
            s.authorization,
            "AWS4-HMAC-SHA256 Credential=AKIDEXAMPLE/20150830/us-east-1/service/aws4_request, \
             SignedHeaders=host;x-amz-date, \
             Signature=5fa00fa31553b73ebf1942676e86291e8372ff2a2260956d9b8aae1d763fbf31"
        );
        assert_eq!(s.x_amz_date, "20150830T123600Z");
        assert_eq!(s.security_token, None);
    }

    /// V3: AWS's `post-x-www-form-urlencoded` with the body hash signed.
    #[test]
    fn post_x_www_form_urlencoded() {
        let body_hash = "9095672bbd1f56dfc5b65f3e153adc8731a4a654192329106275f4c7b24d0b6e";
        assert_eq!(hex::encode(Sha256::digest(b"Param1=value1")), body_hash);
        let request = Request {
            method: "POST",
            path: "/",
            query: "",
            headers: &[
                ("Content-Type", "application/x-www-form-urlencoded"),
                ("Host", "example.amazonaws.com"),
                ("Content-Length", "13"),
                ("x-amz-content-sha256", body_hash),
            ],
            body: b"Param1=value1",
        };
        let s = sign(&request, &credentials(None), "us-east-1", "service", at());
        // The hash of the canonical request, the last line of the string to sign.
        assert!(
            s.string_to_sign
                .ends_with("\nb1edd1d03544c25390e32085d55b57acc9a3961bb59415ff86c45c3d89d16cfb")
        );
        assert!(s.authorization.contains(
            "SignedHeaders=content-length;content-type;host;x-amz-content-sha256;x-amz-date, "
        ));
        assert_eq!(
            s.signature,
            "d3875051da38690788ef43de4db0d8f280229d82040bfac253562e56c3f20e0b"
        );
    }

    /// V4: AWS's `get-vanilla-with-session-token`.
    #[test]
    fn get_vanilla_with_session_token() {
        let token = "6e86291e8372ff2a2260956d9b8aae1d763fbf315fa00fa31553b73ebf194267";
        let request = Request {
            method: "GET",
            path: "/",
            query: "",
            headers: &[("Host", "example.amazonaws.com")],
            body: b"",
        };
        let s = sign(
            &request,
            &credentials(Some(token)),
            "us-east-1",
            "service",
            at(),
        );
        assert!(
            s.authorization
                .contains("SignedHeaders=host;x-amz-date;x-amz-security-token, ")
        );
        assert_eq!(
            s.signature,
            "07ec1639c89043aa0e3e2de82b96708f198cceab042d4a97044c66dd9f74e7f8"
        );
        assert_eq!(s.security_token.as_deref(), Some(token));
        assert!(!format!("{s:?}").contains(token));
    }

    #[test]
    fn headers_are_trimmed_collapsed_and_joined() {
        let (canonical, signed) = canonical_request(&Request {
            method: "get",
            path: "",
            query: "",
            headers: &[
                ("My-Header1", "  value1  a   b "),
                ("my-header1", "value2"),
                ("Host", "h"),
            ],
            body: b"",
        });
        assert!(canonical.starts_with("GET\n/\n\nhost:h\nmy-header1:value1 a b,value2\n\n"));
        assert_eq!(signed, "host;my-header1");
    }

    #[test]
    fn paths_and_queries_are_encoded_the_aws_way() {
        assert_eq!(
            canonical_uri("/v2/email/outbound-emails"),
            "/v2/email/outbound-emails"
        );
        assert_eq!(canonical_uri("/a%3A0/b c"), "/a%253A0/b%20c");
        assert_eq!(canonical_query("b=2&a=x%20y&a=1&c"), "a=1&a=x%20y&b=2&c=");
        assert_eq!(uri_encode("a b/~*"), "a%20b%2F~%2A");
    }

    #[test]
    fn debug_hides_the_secret() {
        let c = credentials(Some("token-value"));
        let shown = format!("{c:?}");
        assert!(shown.contains("AKIDEXAMPLE"));
        assert!(!shown.contains("EXAMPLEKEY"));
        assert!(!shown.contains("token-value"));
    }
}
