//! The HTML part of an e-mail, built from its plain text and the brand: a table layout with
//! inline styles (what e-mail clients reliably render), every character of the text
//! HTML-escaped, links made clickable and a link to our own site shown as a button.

use std::fmt::Write;

use serde::{Deserialize, Serialize};

use super::template_language;

/// How the e-mails look and where they point: the branding settings.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Brand {
    /// Shown in the header bar and the footer (`Wayfare`).
    pub name: String,
    /// The header bar and links: `#rgb` or `#rrggbb`.
    pub primary_color: String,
    /// Buttons: `#rgb` or `#rrggbb`.
    pub accent_color: String,
    /// Shown in the footer.
    pub support_email: String,
    /// The site's address (`https://wayfare.example`): links under it become buttons.
    pub public_url: String,
}

/// Used when a stored colour is not valid, so that nothing else reaches a `style` attribute.
const FALLBACK_PRIMARY: &str = "#1f4e79";
const FALLBACK_ACCENT: &str = "#d9480f";

impl Brand {
    /// Checks the settings before they are saved; the error names the field.
    pub fn validate(&self) -> Result<(), String> {
        let name = self.name.trim();
        if name.is_empty() || name.chars().count() > 80 || name.chars().any(char::is_control) {
            return Err("name: 1 to 80 characters, on one line".to_owned());
        }
        for (field, value) in [
            ("primary_color", &self.primary_color),
            ("accent_color", &self.accent_color),
        ] {
            if parse_color(value).is_none() {
                return Err(format!("{field}: a colour as #rgb or #rrggbb"));
            }
        }
        let email = self.support_email.trim();
        let valid_email = email.len() <= 254
            && email.split_once('@').is_some_and(|(local, domain)| {
                !local.is_empty() && domain.contains('.') && !domain.contains('@')
            })
            && !email
                .chars()
                .any(|c| c.is_whitespace() || c.is_control() || "<>\"'".contains(c));
        if !valid_email {
            return Err("support_email: an e-mail address".to_owned());
        }
        match url::Url::parse(self.public_url.trim()) {
            Ok(u) if matches!(u.scheme(), "http" | "https") && u.host().is_some() => Ok(()),
            _ => Err("public_url: an http:// or https:// address".to_owned()),
        }
    }
}

/// `#rgb` or `#rrggbb` as red, green and blue.
fn parse_color(s: &str) -> Option<(u8, u8, u8)> {
    let hex = s.strip_prefix('#')?;
    if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
        return None;
    }
    let channel = |i: usize, n: usize| u8::from_str_radix(&hex[i..i + n], 16).ok();
    match hex.len() {
        3 => Some((
            channel(0, 1)? * 17,
            channel(1, 1)? * 17,
            channel(2, 1)? * 17,
        )),
        6 => Some((channel(0, 2)?, channel(2, 2)?, channel(4, 2)?)),
        _ => None,
    }
}

/// The colour, or `fallback` when it is not one; with the text colour that reads on it.
fn color_or(s: &str, fallback: &'static str) -> (String, &'static str) {
    match parse_color(s.trim()) {
        Some(rgb) => (s.trim().to_ascii_lowercase(), text_on(rgb)),
        None => (
            fallback.to_owned(),
            text_on(parse_color(fallback).unwrap_or((0, 0, 0))),
        ),
    }
}

/// The text colour with the better contrast on `rgb`: white or the body's near-black
/// (WCAG contrast ratio of relative luminances).
fn text_on(rgb: (u8, u8, u8)) -> &'static str {
    let background = luminance(rgb);
    let contrast = |text: f64| {
        let (light, dark) = if text > background {
            (text, background)
        } else {
            (background, text)
        };
        (light + 0.05) / (dark + 0.05)
    };
    if contrast(1.0) >= contrast(luminance(DARK_TEXT_RGB)) {
        "#ffffff"
    } else {
        DARK_TEXT
    }
}

const DARK_TEXT: &str = "#1f2328";
const DARK_TEXT_RGB: (u8, u8, u8) = (0x1f, 0x23, 0x28);

fn luminance((r, g, b): (u8, u8, u8)) -> f64 {
    let linear = |c: u8| {
        let c = f64::from(c) / 255.0;
        if c <= 0.039_28 {
            c / 12.92
        } else {
            ((c + 0.055) / 1.055).powf(2.4)
        }
    };
    0.2126 * linear(r) + 0.7152 * linear(g) + 0.0722 * linear(b)
}

/// The button label when the line before the link does not make one.
fn open_link(language: &str) -> &'static str {
    match template_language(language) {
        "zh-CN" => "打开链接",
        _ => "Open link",
    }
}

const FONT: &str = "font-family:-apple-system,BlinkMacSystemFont,'Segoe UI',Helvetica,Arial,'PingFang SC','Microsoft YaHei',sans-serif;";

/// The HTML part of an e-mail whose plain text is `text` (as [`super::render`] makes it):
/// a complete document for e-mail clients, at most 600 pixels wide, with `brand`'s name in a
/// header bar of its primary colour and a footer with its name and support address.
///
/// Paragraphs are separated by blank lines; a single newline is a line break. Every
/// `http(s)://` address becomes a link. An address under `brand.public_url` alone on its line
/// becomes a button in the accent colour, labelled with the line before it when that line is
/// short and ends with a colon ("See your booking:", which is then not repeated), else "Open
/// link"; the address itself follows in small print for clients that hide buttons.
/// Everything from `subject` and `text` is HTML-escaped.
pub fn email_html(brand: &Brand, language: &str, subject: &str, text: &str) -> String {
    let (primary, on_primary) = color_or(&brand.primary_color, FALLBACK_PRIMARY);
    let (accent, on_accent) = color_or(&brand.accent_color, FALLBACK_ACCENT);
    let lang = if !language.is_empty()
        && language.len() <= 35
        && language
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || c == '-')
    {
        language
    } else {
        "en"
    };
    let site = brand.public_url.trim().trim_end_matches('/');
    let name = escape(brand.name.trim());

    let mut body = String::new();
    let text = text.replace("\r\n", "\n");
    for paragraph in paragraphs(&text) {
        let mut lines: Vec<&str> = Vec::new();
        for line in paragraph {
            let trimmed = line.trim();
            if is_own_link(trimmed, site) {
                let label = match lines.last() {
                    Some(prev) if button_label(prev).is_some() => {
                        let label = button_label(prev).unwrap_or_default();
                        lines.pop();
                        label
                    }
                    _ => open_link(language),
                };
                push_paragraph(&mut body, &lines, &primary);
                lines.clear();
                push_button(&mut body, trimmed, label, &accent, on_accent);
            } else {
                lines.push(line);
            }
        }
        push_paragraph(&mut body, &lines, &primary);
    }

    let support = brand.support_email.trim();
    let mut footer = format!("<strong>{name}</strong>");
    if !support.is_empty() {
        let _ = write!(
            footer,
            " &middot; <a href=\"mailto:{support}\" style=\"color:#57606a;\">{support}</a>",
            support = escape(support),
        );
    }

    format!(
        "<!DOCTYPE html>\n\
<html lang=\"{lang}\">\n\
<head>\n\
<meta http-equiv=\"Content-Type\" content=\"text/html; charset=utf-8\">\n\
<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n\
<meta name=\"x-apple-disable-message-reformatting\">\n\
<title>{title}</title>\n\
</head>\n\
<body style=\"margin:0;padding:0;background-color:#f3f4f6;\">\n\
<table role=\"presentation\" width=\"100%\" cellspacing=\"0\" cellpadding=\"0\" border=\"0\" style=\"background-color:#f3f4f6;\">\n\
<tr><td align=\"center\" style=\"padding:24px 12px;\">\n\
<table role=\"presentation\" width=\"600\" cellspacing=\"0\" cellpadding=\"0\" border=\"0\" style=\"width:100%;max-width:600px;background-color:#ffffff;border-radius:8px;overflow:hidden;\">\n\
<tr><td bgcolor=\"{primary}\" style=\"background-color:{primary};padding:20px 24px;{FONT}font-size:20px;line-height:28px;font-weight:bold;color:{on_primary};\">{name}</td></tr>\n\
<tr><td style=\"padding:24px 24px 8px;{FONT}font-size:16px;line-height:24px;color:#1f2328;\">\n\
{body}</td></tr>\n\
<tr><td style=\"padding:16px 24px 24px;border-top:1px solid #e5e7eb;{FONT}font-size:13px;line-height:20px;color:#57606a;\">{footer}</td></tr>\n\
</table>\n\
</td></tr>\n\
</table>\n\
</body>\n\
</html>\n",
        title = escape(subject),
    )
}

/// The text's paragraphs: runs of lines between blank lines.
fn paragraphs(text: &str) -> Vec<Vec<&str>> {
    let mut out: Vec<Vec<&str>> = Vec::new();
    let mut current: Vec<&str> = Vec::new();
    for line in text.lines() {
        if line.trim().is_empty() {
            if !current.is_empty() {
                out.push(std::mem::take(&mut current));
            }
        } else {
            current.push(line.trim_end());
        }
    }
    if !current.is_empty() {
        out.push(current);
    }
    out
}

/// Whether `line` is one address on our own site (`site` without its trailing slash).
fn is_own_link(line: &str, site: &str) -> bool {
    if site.is_empty() || !(site.starts_with("https://") || site.starts_with("http://")) {
        return false;
    }
    let Some(url) = find_url(line, 0) else {
        return false;
    };
    if url != (0, line.len()) {
        return false;
    }
    match line.get(..site.len()) {
        Some(prefix) if prefix.eq_ignore_ascii_case(site) => {
            matches!(
                line.as_bytes().get(site.len()),
                None | Some(b'/' | b'?' | b'#')
            )
        }
        _ => false,
    }
}

/// The label a line makes for the button after it: short and ending with a colon.
fn button_label(line: &str) -> Option<&str> {
    let label = line
        .trim()
        .strip_suffix(':')
        .or_else(|| line.trim().strip_suffix('：'))?
        .trim();
    (!label.is_empty() && label.chars().count() <= 40 && find_url(label, 0).is_none())
        .then_some(label)
}

fn push_paragraph(out: &mut String, lines: &[&str], link_color: &str) {
    if lines.is_empty() {
        return;
    }
    out.push_str("<p style=\"margin:0 0 16px;\">");
    for (i, line) in lines.iter().enumerate() {
        if i > 0 {
            out.push_str("<br>\n");
        }
        push_linked(out, line, link_color);
    }
    out.push_str("</p>\n");
}

fn push_button(out: &mut String, url: &str, label: &str, accent: &str, on_accent: &str) {
    let href = escape(url);
    let _ = write!(
        out,
        "<table role=\"presentation\" cellspacing=\"0\" cellpadding=\"0\" border=\"0\" style=\"margin:4px 0 8px;\">\
<tr><td align=\"center\" bgcolor=\"{accent}\" style=\"border-radius:6px;background-color:{accent};\">\
<a href=\"{href}\" target=\"_blank\" style=\"display:inline-block;padding:12px 24px;{FONT}font-size:16px;line-height:20px;font-weight:bold;color:{on_accent};text-decoration:none;border-radius:6px;\">{label}</a>\
</td></tr></table>\n\
<p style=\"margin:0 0 16px;font-size:12px;line-height:18px;color:#57606a;word-break:break-all;\"><a href=\"{href}\" target=\"_blank\" style=\"color:#57606a;\">{href}</a></p>\n",
        label = escape(label),
    );
}

/// `line` escaped, with its addresses as links.
fn push_linked(out: &mut String, line: &str, link_color: &str) {
    let mut at = 0;
    while let Some((start, end)) = find_url(line, at) {
        out.push_str(&escape(&line[at..start]));
        let url = escape(&line[start..end]);
        let _ = write!(
            out,
            "<a href=\"{url}\" target=\"_blank\" style=\"color:{link_color};word-break:break-all;\">{url}</a>"
        );
        at = end;
    }
    out.push_str(&escape(&line[at..]));
}

/// The next `http(s)://` address in `text` from byte `from`: it ends at a space, a quote or
/// angle bracket or any non-ASCII character (`。` right after a link in Chinese), without the
/// punctuation that ends a sentence.
fn find_url(text: &str, from: usize) -> Option<(usize, usize)> {
    let rest = &text[from..];
    let lower = rest.to_ascii_lowercase();
    let start = [lower.find("https://"), lower.find("http://")]
        .into_iter()
        .flatten()
        .min()?;
    let tail = &rest[start..];
    let mut end = tail
        .find(|c: char| c.is_whitespace() || !c.is_ascii() || "<>\"'`".contains(c))
        .unwrap_or(tail.len());
    loop {
        let url = &tail[..end];
        let drop = match url.chars().last() {
            Some('.' | ',' | ';' | ':' | '!' | '?') => true,
            Some(')') => url.matches('(').count() < url.matches(')').count(),
            _ => false,
        };
        if !drop {
            break;
        }
        end -= 1;
    }
    let scheme = if tail
        .get(..8)
        .is_some_and(|p| p.eq_ignore_ascii_case("https://"))
    {
        8
    } else {
        7
    };
    if end <= scheme {
        // A bare `https://`: keep looking after it.
        return find_url(text, from + start + scheme);
    }
    Some((from + start, from + start + end))
}

/// HTML-escaped for text and double- or single-quoted attributes.
fn escape(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn brand() -> Brand {
        Brand {
            name: "Wayfare".to_owned(),
            primary_color: "#0B5FFF".to_owned(),
            accent_color: "#f90".to_owned(),
            support_email: "support@wayfare.example".to_owned(),
            public_url: "https://wayfare.example/".to_owned(),
        }
    }

    #[test]
    fn brand_settings_are_checked() {
        assert_eq!(brand().validate(), Ok(()));
        for (change, field) in [
            (
                (|b: &mut Brand| b.primary_color = "blue".to_owned()) as fn(&mut Brand),
                "primary_color",
            ),
            (|b| b.primary_color = "#12345".to_owned(), "primary_color"),
            (|b| b.accent_color = "#12g".to_owned(), "accent_color"),
            (
                |b| b.accent_color = "#fff;background:url(x)".to_owned(),
                "accent_color",
            ),
            (|b| b.name = "  ".to_owned(), "name"),
            (|b| b.name = "Way\nfare".to_owned(), "name"),
            (|b| b.support_email = "support".to_owned(), "support_email"),
            (
                |b| b.support_email = "a\"b@x.example".to_owned(),
                "support_email",
            ),
            (
                |b| b.public_url = "javascript:alert(1)".to_owned(),
                "public_url",
            ),
            (
                |b| b.public_url = "wayfare.example".to_owned(),
                "public_url",
            ),
        ] {
            let mut b = brand();
            change(&mut b);
            let err = b.validate().expect_err(field);
            assert!(err.starts_with(field), "{err}");
        }
    }

    #[test]
    fn colours_and_their_text() {
        assert_eq!(parse_color("#f90"), Some((255, 153, 0)));
        assert_eq!(parse_color("#0B5FFF"), Some((11, 95, 255)));
        assert_eq!(parse_color("0b5fff"), None);
        assert_eq!(text_on((0, 0, 0)), "#ffffff");
        assert_eq!(text_on((255, 255, 255)), "#1f2328");
        assert_eq!(text_on((255, 221, 0)), "#1f2328");
        assert_eq!(text_on((31, 78, 121)), "#ffffff");
        // Orange: white reads better than the near-black.
        assert_eq!(text_on((0xd9, 0x48, 0x0f)), "#ffffff");
        assert_eq!(text_on((0xff, 0x99, 0x00)), "#1f2328");
    }

    #[test]
    fn the_document_has_the_layout_and_the_brand() {
        let html = email_html(
            &brand(),
            "en",
            "Booking confirmed: WF7Q2K9P",
            "Your booking is confirmed.\nTotal paid: 4286.00 CNY.\n\nSee your booking:\nhttps://wayfare.example/bookings/0190a6f2\n\nQuestions? Write to us.",
        );
        assert!(html.starts_with("<!DOCTYPE html>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(html.contains("max-width:600px"));
        assert!(html.contains("<title>Booking confirmed: WF7Q2K9P</title>"));
        assert!(html.contains("background-color:#0b5fff"));
        assert!(html.contains("<p style=\"margin:0 0 16px;\">Your booking is confirmed.<br>\nTotal paid: 4286.00 CNY.</p>"));
        // The line before the address labels the button and is not repeated.
        assert!(html.contains(">See your booking</a>"), "{html}");
        assert!(!html.contains("See your booking:"), "{html}");
        assert!(html.contains("bgcolor=\"#f90\""));
        assert!(html.contains("href=\"https://wayfare.example/bookings/0190a6f2\""));
        assert!(html.contains("mailto:support@wayfare.example"));
        assert!(html.contains(
            "<strong>Wayfare</strong> &middot; <a href=\"mailto:support@wayfare.example\""
        ));
        assert!(html.trim_end().ends_with("</html>"));
    }

    #[test]
    fn variables_cannot_inject_markup() {
        let mut b = brand();
        b.name = "<script>alert(\"x\")</script>".to_owned();
        b.primary_color = "red\" onload=\"x".to_owned();
        let html = email_html(
            &b,
            "en\"><script>",
            "Hi <script>\"",
            "Dear <script>alert('x')</script> \"O'Brien\" & co\nhttps://evil.example/\"onmouseover=\"x",
        );
        assert!(!html.contains("<script"), "{html}");
        assert!(html.contains("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;"));
        assert!(html.contains(
            "&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt; &quot;O&#39;Brien&quot; &amp; co"
        ));
        assert!(html.contains("<title>Hi &lt;script&gt;&quot;</title>"));
        assert!(html.contains("<html lang=\"en\">"));
        assert!(!html.contains("onload"));
        assert!(html.contains("background-color:#1f4e79"));
        // The address ends at the quote; the rest is text.
        assert!(html.contains("href=\"https://evil.example/\""));
        assert!(html.contains("&quot;onmouseover=&quot;x"));
        assert!(!html.contains("\"onmouseover"));
    }

    #[test]
    fn only_our_own_addresses_alone_on_a_line_become_buttons() {
        let html = email_html(
            &brand(),
            "en",
            "s",
            "https://elsewhere.example/x\nhttps://wayfare.example.evil.com/x\nsee https://wayfare.example/a here\n\nhttps://wayfare.example/reset/abc",
        );
        assert_eq!(html.matches("display:inline-block").count(), 1, "{html}");
        assert!(html.contains(">Open link</a>"));
        assert!(html.contains("see <a href=\"https://wayfare.example/a\""));
        assert!(html.contains("href=\"https://elsewhere.example/x\""));
    }

    #[test]
    fn chinese_is_kept_and_links_stop_at_chinese_punctuation() {
        let html = email_html(
            &brand(),
            "zh-CN",
            "预订已确认：WF7Q2K9P",
            "您的订单 WF7Q2K9P 已确认。\n\n详情请见 https://wayfare.example/bookings/1。谢谢！\n\n查看订单详情：\nhttps://wayfare.example/bookings/1",
        );
        assert!(html.contains("<html lang=\"zh-CN\">"));
        assert!(html.contains("<title>预订已确认：WF7Q2K9P</title>"));
        assert!(html.contains("您的订单 WF7Q2K9P 已确认。"));
        assert!(html.contains("\">https://wayfare.example/bookings/1</a>。谢谢！"));
        assert!(html.contains(">查看订单详情</a>"));
    }

    #[test]
    fn addresses_lose_the_punctuation_after_them() {
        let t = "Go to https://a.example/x. Or (https://b.example/y), or https://c.example/(z)!";
        let found: Vec<&str> = {
            let mut v = Vec::new();
            let mut at = 0;
            while let Some((s, e)) = find_url(t, at) {
                v.push(&t[s..e]);
                at = e;
            }
            v
        };
        assert_eq!(
            found,
            [
                "https://a.example/x",
                "https://b.example/y",
                "https://c.example/(z)"
            ]
        );
        assert_eq!(find_url("just https:// here", 0), None);
    }
}
