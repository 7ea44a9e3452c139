//! MIME as the providers take it: the whole RFC 5322 message SES sends as `Content.Raw`
//! (multipart/mixed around multipart/alternative, base64 parts, RFC 2047 headers), and the
//! `multipart/form-data` body Mailgun takes (RFC 7578).
//!
//! Everything written here is 7-bit with CRLF line ends and lines well under 1,000 characters
//! (RFC 5321): bodies are base64 in lines of 76, non-ASCII header text is RFC 2047 encoded
//! words of at most 75 characters on folded lines, non-ASCII file names are RFC 2231
//! parameters split in continuations.

use base64::Engine;
use base64::engine::general_purpose::STANDARD;
use chrono::{DateTime, Utc};

use crate::Attachment;

/// The longest run of UTF-8 bytes in one encoded word: 45 bytes are 60 base64 characters,
/// 72 with `=?UTF-8?B?` and `?=` (RFC 2047 allows 75).
const WORD_BYTES: usize = 45;

/// A header line longer than this (name included) is folded or encoded.
const MAX_PLAIN_HEADER: usize = 78;

/// `=?UTF-8?B?…?=` words for `text`, split on character boundaries, joined by a folding
/// CRLF and space (whitespace between adjacent encoded words is not part of the text).
pub(crate) fn encoded_words(text: &str) -> String {
    let mut words = Vec::new();
    let mut start = 0;
    let mut end = 0;
    for (i, c) in text.char_indices() {
        if i + c.len_utf8() - start > WORD_BYTES {
            words.push(&text[start..end]);
            start = i;
        }
        end = i + c.len_utf8();
    }
    if end > start {
        words.push(&text[start..end]);
    }
    words
        .iter()
        .map(|w| format!("=?UTF-8?B?{}?=", STANDARD.encode(w.as_bytes())))
        .collect::<Vec<_>>()
        .join("\r\n ")
}

/// Unstructured header text (a subject): as it is when it is printable ASCII that fits on the
/// line after `name: ` and cannot be mistaken for an encoded word, else encoded words.
pub(crate) fn header_text(name: &str, text: &str) -> String {
    let plain = text.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !text.contains("=?")
        && name.len() + 2 + text.len() <= MAX_PLAIN_HEADER;
    if plain {
        text.to_owned()
    } else {
        encoded_words(text)
    }
}

/// A mailbox as a header value: the bare address without a name; `Name <addr>` when the name
/// is plain atoms; a quoted string when it is ASCII with specials; encoded words otherwise.
pub(crate) fn mailbox(name: &str, address: &str) -> String {
    if name.is_empty() {
        return address.to_owned();
    }
    let atom = |c: char| c.is_ascii_alphanumeric() || " !#$%&'*+-/=?^_`{|}~".contains(c);
    if name.chars().all(atom) && !name.contains("=?") {
        format!("{name} <{address}>")
    } else if name.bytes().all(|b| b == b' ' || b.is_ascii_graphic()) && !name.contains("=?") {
        let quoted = name.replace('\\', "\\\\").replace('"', "\\\"");
        format!("\"{quoted}\" <{address}>")
    } else {
        format!("{} <{address}>", encoded_words(name))
    }
}

/// A MIME parameter (`filename`, `name`): `name="value"` for printable ASCII without quotes
/// or backslashes, else RFC 2231 `name*0*=UTF-8''…` percent-encoded continuations on folded
/// lines.
fn parameter(name: &str, value: &str) -> String {
    if value.bytes().all(|b| b == b' ' || b.is_ascii_graphic())
        && !value.contains(['"', '\\'])
        && value.len() <= 60
    {
        return format!("{name}=\"{value}\"");
    }
    let mut encoded = String::new();
    for b in value.bytes() {
        if b.is_ascii_alphanumeric() || b"!#$&+-.^_`|~".contains(&b) {
            encoded.push(b as char);
        } else {
            encoded.push_str(&format!("%{b:02X}"));
        }
    }
    // Continuations of at most 60 characters, never splitting a %XX.
    let mut pieces = Vec::new();
    let mut rest = encoded.as_str();
    while !rest.is_empty() {
        let mut cut = rest.len().min(60);
        while cut < rest.len() && rest[..cut].rfind('%').is_some_and(|p| p + 3 > cut) {
            cut -= 1;
        }
        pieces.push(&rest[..cut]);
        rest = &rest[cut..];
    }
    pieces
        .iter()
        .enumerate()
        .map(|(i, piece)| {
            let charset = if i == 0 { "UTF-8''" } else { "" };
            format!("{name}*{i}*={charset}{piece}")
        })
        .collect::<Vec<_>>()
        .join(";\r\n ")
}

/// `bytes` in base64, lines of 76 characters, each ending in CRLF.
fn base64_lines(bytes: &[u8]) -> Vec<u8> {
    let encoded = STANDARD.encode(bytes);
    let mut out = Vec::with_capacity(encoded.len() + encoded.len() / 38 + 2);
    for line in encoded.as_bytes().chunks(76) {
        out.extend_from_slice(line);
        out.extend_from_slice(b"\r\n");
    }
    out
}

/// A fresh boundary. `=_` cannot occur in base64 or in encoded words, so a boundary starting
/// with it never meets the content of a part written here.
fn boundary() -> String {
    format!("=_wayfare_{}", uuid::Uuid::new_v4().simple())
}

/// One MIME entity: its own headers and its encoded body.
struct Entity {
    headers: Vec<String>,
    body: Vec<u8>,
}

impl Entity {
    /// A UTF-8 text part, base64-encoded.
    fn text(subtype: &str, text: &str) -> Entity {
        Entity {
            headers: vec![
                format!("Content-Type: text/{subtype}; charset=UTF-8"),
                "Content-Transfer-Encoding: base64".to_owned(),
            ],
            body: base64_lines(text.as_bytes()),
        }
    }

    /// A file to download, base64-encoded.
    fn attachment(a: &Attachment) -> Entity {
        let name = a.filename.trim();
        Entity {
            headers: vec![
                format!(
                    "Content-Type: {};\r\n {}",
                    a.content_type,
                    parameter("name", name)
                ),
                format!(
                    "Content-Disposition: attachment;\r\n {}",
                    parameter("filename", name)
                ),
                "Content-Transfer-Encoding: base64".to_owned(),
            ],
            body: base64_lines(&a.content),
        }
    }

    /// `multipart/{subtype}` around `parts`.
    fn multipart(subtype: &str, parts: Vec<Entity>) -> Entity {
        let boundary = boundary();
        let mut body = Vec::new();
        for part in parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            for h in &part.headers {
                body.extend_from_slice(h.as_bytes());
                body.extend_from_slice(b"\r\n");
            }
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(&part.body);
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        Entity {
            headers: vec![format!(
                "Content-Type: multipart/{subtype};\r\n boundary=\"{boundary}\""
            )],
            body,
        }
    }
}

/// What goes into a raw message.
pub(crate) struct RawMessage<'a> {
    /// The `From` header value ([`mailbox`]).
    pub(crate) from: &'a str,
    /// A checked ASCII address.
    pub(crate) to: &'a str,
    /// One line, any characters.
    pub(crate) subject: &'a str,
    pub(crate) date: DateTime<Utc>,
    /// Our id, sent as `X-Wayfare-Message-Id`.
    pub(crate) message_id: &'a str,
    pub(crate) text: Option<&'a str>,
    pub(crate) html: Option<&'a str>,
    pub(crate) attachments: &'a [Attachment],
}

/// The whole message, headers and body, as SES's `Content.Raw.Data` wants it (before base64):
/// the text and HTML parts as multipart/alternative (plain text first, the part a client
/// prefers last), inside multipart/mixed with the attachments when there are any; a single
/// part when there is only one.
pub(crate) fn raw_message(m: &RawMessage<'_>) -> Vec<u8> {
    let mut bodies = Vec::new();
    if let Some(text) = m.text {
        bodies.push(Entity::text("plain", text));
    }
    if let Some(html) = m.html {
        bodies.push(Entity::text("html", html));
    }
    let body = if bodies.len() == 1 {
        bodies.remove(0)
    } else {
        Entity::multipart("alternative", bodies)
    };
    let entity = if m.attachments.is_empty() {
        body
    } else {
        let mut parts = vec![body];
        parts.extend(m.attachments.iter().map(Entity::attachment));
        Entity::multipart("mixed", parts)
    };
    let mut out = Vec::with_capacity(entity.body.len() + 1024);
    let headers = [
        format!("From: {}", m.from),
        format!("To: {}", m.to),
        format!("Subject: {}", header_text("Subject", m.subject)),
        format!("Date: {}", m.date.to_rfc2822()),
        "MIME-Version: 1.0".to_owned(),
        format!("X-Wayfare-Message-Id: {}", m.message_id),
    ];
    for h in headers.iter().chain(&entity.headers) {
        out.extend_from_slice(h.as_bytes());
        out.extend_from_slice(b"\r\n");
    }
    out.extend_from_slice(b"\r\n");
    out.extend_from_slice(&entity.body);
    out
}

/// A `multipart/form-data` body being built (RFC 7578), as browsers send forms: field values
/// as UTF-8 without a `Content-Type`, files with their name and type.
pub(crate) struct FormData {
    parts: Vec<(String, Vec<u8>)>,
}

impl FormData {
    pub(crate) fn new() -> FormData {
        FormData { parts: Vec::new() }
    }

    /// A text field.
    pub(crate) fn text(mut self, name: &str, value: &str) -> FormData {
        let head = format!(
            "Content-Disposition: form-data; name=\"{}\"\r\n",
            escape_form_name(name)
        );
        self.parts.push((head, value.as_bytes().to_vec()));
        self
    }

    /// A file field.
    pub(crate) fn file(
        mut self,
        name: &str,
        filename: &str,
        content_type: &str,
        content: &[u8],
    ) -> FormData {
        let head = format!(
            "Content-Disposition: form-data; name=\"{}\"; filename=\"{}\"\r\nContent-Type: {content_type}\r\n",
            escape_form_name(name),
            escape_form_name(filename)
        );
        self.parts.push((head, content.to_vec()));
        self
    }

    /// The `Content-Type` header value and the body. The boundary is checked against every
    /// value (files are sent as they are, not encoded) and drawn again in the unlikely case
    /// that it occurs in one.
    pub(crate) fn finish(self) -> (String, Vec<u8>) {
        let boundary = loop {
            let candidate = boundary();
            let needle = candidate.as_bytes();
            if !self
                .parts
                .iter()
                .any(|(_, value)| value.windows(needle.len()).any(|w| w == needle))
            {
                break candidate;
            }
        };
        let mut body = Vec::new();
        for (head, value) in &self.parts {
            body.extend_from_slice(format!("--{boundary}\r\n").as_bytes());
            body.extend_from_slice(head.as_bytes());
            body.extend_from_slice(b"\r\n");
            body.extend_from_slice(value);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
        (
            format!("multipart/form-data; boundary=\"{boundary}\""),
            body,
        )
    }
}

/// A field or file name in a quoted `Content-Disposition` parameter, escaped as the HTML
/// standard does: `"` as `%22`, CR as `%0D`, LF as `%0A`; other characters as UTF-8.
fn escape_form_name(name: &str) -> String {
    name.replace('"', "%22")
        .replace('\r', "%0D")
        .replace('\n', "%0A")
}

#[cfg(test)]
mod tests {
    use chrono::TimeZone;

    use super::*;

    fn decode_words(header: &str) -> String {
        header
            .split("\r\n ")
            .map(|w| {
                let inner = w
                    .strip_prefix("=?UTF-8?B?")
                    .unwrap()
                    .strip_suffix("?=")
                    .unwrap();
                assert!(w.len() <= 75, "{w}");
                String::from_utf8(STANDARD.decode(inner).unwrap()).unwrap()
            })
            .collect()
    }

    #[test]
    fn encoded_words_split_on_characters_and_stay_short() {
        let subject =
            "您的行程单：北京首都国际机场 → 上海浦东国际机场，2025年3月1日出发，祝您旅途愉快！";
        let header = header_text("Subject", subject);
        assert!(header.lines().count() > 1);
        assert_eq!(decode_words(&header), subject);
        assert_eq!(
            header_text("Subject", "Booking confirmed"),
            "Booking confirmed"
        );
        assert!(header_text("Subject", "a =?x?= b").starts_with("=?UTF-8?B?"));
        assert!(header_text("Subject", &"long ".repeat(30)).starts_with("=?UTF-8?B?"));
    }

    #[test]
    fn mailboxes() {
        assert_eq!(mailbox("", "a@x.com"), "a@x.com");
        assert_eq!(
            mailbox("Wayfare Travel", "a@x.com"),
            "Wayfare Travel <a@x.com>"
        );
        assert_eq!(
            mailbox("Wayfare, Inc.", "a@x.com"),
            "\"Wayfare, Inc.\" <a@x.com>"
        );
        assert_eq!(
            mailbox("Say \"hi\"", "a@x.com"),
            "\"Say \\\"hi\\\"\" <a@x.com>"
        );
        let encoded = mailbox("途游旅行", "a@x.com");
        assert_eq!(encoded, format!("{} <a@x.com>", encoded_words("途游旅行")));
    }

    #[test]
    fn parameters() {
        assert_eq!(
            parameter("filename", "ticket.pdf"),
            "filename=\"ticket.pdf\""
        );
        assert_eq!(
            parameter("filename", "行程.pdf"),
            "filename*0*=UTF-8''%E8%A1%8C%E7%A8%8B.pdf"
        );
        let long = parameter("filename", &"行".repeat(30));
        let pieces: Vec<&str> = long.split(";\r\n ").collect();
        assert!(pieces.len() > 1);
        for (i, p) in pieces.iter().enumerate() {
            assert!(p.starts_with(&format!("filename*{i}*=")), "{p}");
            assert!(p.len() < 80);
            let value = p.split_once('=').unwrap().1.trim_start_matches("UTF-8''");
            assert!(value.len() % 3 == 0, "a %XX was split: {p}");
        }
    }

    #[test]
    fn raw_messages_are_seven_bit_with_short_lines() {
        let attachments = [Attachment {
            filename: "行程单.pdf".into(),
            content_type: "application/pdf".into(),
            content: (0..=255u8).cycle().take(5000).collect(),
        }];
        let raw = raw_message(&RawMessage {
            from: &mailbox("途游", "noreply@wayfare.example"),
            to: "ann@example.com",
            subject: "预订确认",
            date: Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap(),
            message_id: "m-1",
            text: Some("你好"),
            html: Some("<p>你好</p>"),
            attachments: &attachments,
        });
        assert!(raw.is_ascii());
        let text = String::from_utf8(raw).unwrap();
        assert!(text.split("\r\n").all(|l| l.len() <= 78), "{text}");
        assert!(!text.replace("\r\n", "").contains('\n'));
        assert!(text.contains("Date: Sat, 1 Mar 2025 08:00:00 +0000\r\n"));
        assert!(text.contains("X-Wayfare-Message-Id: m-1\r\n"));
        assert!(text.contains("Content-Type: multipart/mixed;\r\n boundary="));
        assert!(text.contains("Content-Type: multipart/alternative;"));
        let plain = text.find("text/plain").unwrap();
        let html = text.find("text/html").unwrap();
        assert!(plain < html);
    }

    #[test]
    fn a_single_part_needs_no_multipart() {
        let raw = raw_message(&RawMessage {
            from: "a@x.com",
            to: "b@x.com",
            subject: "Hi",
            date: Utc.with_ymd_and_hms(2025, 3, 1, 8, 0, 0).unwrap(),
            message_id: "m-1",
            text: Some("Hello"),
            html: None,
            attachments: &[],
        });
        let text = String::from_utf8(raw).unwrap();
        assert!(!text.contains("multipart"));
        assert!(text.contains("Content-Type: text/plain; charset=UTF-8\r\n"));
        assert!(text.ends_with("\r\n\r\nSGVsbG8=\r\n"));
    }

    #[test]
    fn form_data() {
        let (content_type, body) = FormData::new()
            .text("subject", "预订")
            .file("attachment", "a\"b.pdf", "application/pdf", b"%PDF")
            .finish();
        let boundary = content_type
            .strip_prefix("multipart/form-data; boundary=\"")
            .unwrap()
            .strip_suffix('"')
            .unwrap();
        let body = String::from_utf8(body).unwrap();
        assert_eq!(
            body,
            format!(
                "--{boundary}\r\nContent-Disposition: form-data; name=\"subject\"\r\n\r\n预订\r\n\
                 --{boundary}\r\nContent-Disposition: form-data; name=\"attachment\"; \
                 filename=\"a%22b.pdf\"\r\nContent-Type: application/pdf\r\n\r\n%PDF\r\n\
                 --{boundary}--\r\n"
            )
        );
    }
}
