//! Translations (Fluent files under `crates/web/locales/<lang>/`) and language negotiation:
//! the user's explicit choice (cookie) > `Accept-Language` > the configured default (zh-CN).
//! Adding a language is adding a folder of `.ftl` files; a test keeps every locale complete.

use std::borrow::Cow;
use std::collections::HashMap;
use std::sync::LazyLock;

use fluent_templates::fluent_bundle::FluentValue;
use fluent_templates::{LanguageIdentifier, Loader};

fluent_templates::static_loader! {
    pub static LOCALES = {
        locales: "./locales",
        fallback_language: "en",
        customise: |bundle| bundle.set_use_isolating(false),
    };
}

/// The cookie that remembers an explicit language choice.
pub const LANG_COOKIE: &str = "wf_lang";

/// A supported language, cheap to copy.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Locale(&'static LanguageIdentifier);

static SUPPORTED: LazyLock<Vec<LanguageIdentifier>> = LazyLock::new(|| {
    let mut v: Vec<LanguageIdentifier> = LOCALES.locales().cloned().collect();
    // zh-CN first (the default market), then the rest alphabetically.
    v.sort_by_key(|l| {
        let tag = l.to_string();
        (tag != "zh-CN", tag)
    });
    v
});

impl Locale {
    /// Every language we have files for.
    pub fn all() -> Vec<Locale> {
        SUPPORTED.iter().map(Locale).collect()
    }

    /// Finds a supported language by tag, tolerating case and `_` ("zh_cn" → zh-CN).
    pub fn from_tag(tag: &str) -> Option<Locale> {
        let wanted = tag.trim().replace('_', "-").to_ascii_lowercase();
        SUPPORTED
            .iter()
            .find(|l| l.to_string().to_ascii_lowercase() == wanted)
            .map(Locale)
    }

    /// The closest supported language for a requested tag: exact, then by language subtag
    /// (any `zh-*` → zh-CN, `en-GB` → en).
    pub fn best_match(tag: &str) -> Option<Locale> {
        if let Some(l) = Locale::from_tag(tag) {
            return Some(l);
        }
        let lang = tag
            .trim()
            .split(['-', '_'])
            .next()
            .unwrap_or("")
            .to_ascii_lowercase();
        if lang.is_empty() || lang == "*" {
            return None;
        }
        SUPPORTED
            .iter()
            .find(|l| l.language.as_str().eq_ignore_ascii_case(&lang))
            .map(Locale)
    }

    /// Picks the best language from an `Accept-Language` header, honouring q-values.
    pub fn from_accept_language(header: &str) -> Option<Locale> {
        let mut ranges: Vec<(f32, usize, &str)> = header
            .split(',')
            .enumerate()
            .filter_map(|(i, part)| {
                let mut it = part.split(';');
                let tag = it.next()?.trim();
                let q = it
                    .find_map(|p| p.trim().strip_prefix("q="))
                    .map(|q| q.trim().parse::<f32>().unwrap_or(0.0))
                    .unwrap_or(1.0);
                (q > 0.0 && !tag.is_empty()).then_some((q, i, tag))
            })
            .collect();
        ranges.sort_by(|a, b| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1)));
        ranges
            .into_iter()
            .find_map(|(_, _, tag)| Locale::best_match(tag))
    }

    pub fn id(self) -> &'static LanguageIdentifier {
        self.0
    }

    /// True for Chinese, where names are shown in Chinese (airports, cities).
    pub fn is_chinese(self) -> bool {
        self.0.language.as_str() == "zh"
    }

    /// The BCP 47 tag, for `<html lang>` and cookies: "zh-CN", "en".
    pub fn tag(self) -> String {
        self.0.to_string()
    }

    /// The language's own name ("简体中文", "English").
    pub fn native_name(self) -> String {
        self.t("language-native-name")
    }

    /// The message for `key`; a missing key renders as the key itself (tests forbid that).
    pub fn t(self, key: &str) -> String {
        LOCALES
            .try_lookup(self.0, key)
            .unwrap_or_else(|| key.to_owned())
    }

    /// The message for `key` with named arguments.
    pub fn t_args(self, key: &str, args: &[(&str, FluentArg)]) -> String {
        let map: HashMap<Cow<'static, str>, FluentValue<'_>> = args
            .iter()
            .map(|(k, v)| {
                let value = match v {
                    FluentArg::Str(s) => FluentValue::from(s.clone()),
                    FluentArg::Num(n) => FluentValue::from(*n),
                };
                (Cow::Owned((*k).to_owned()), value)
            })
            .collect();
        LOCALES
            .try_lookup_with_args(self.0, key, &map)
            .unwrap_or_else(|| key.to_owned())
    }

    /// True when `key` exists in this language's own files (no fallback to another language).
    /// A message that needs arguments still counts as existing.
    pub fn has(self, key: &str) -> bool {
        match LOCALES.lookup_single_language::<&str>(self.0, key, None) {
            Ok(_) => true,
            // fluent-templates does not export its LookupError; a formatting error (missing
            // arguments) means the message was found.
            Err(e) => format!("{e:?}").starts_with("FluentError"),
        }
    }
}

/// A Fluent argument value.
#[derive(Debug, Clone)]
pub enum FluentArg {
    Str(String),
    Num(i64),
}

impl From<&str> for FluentArg {
    fn from(s: &str) -> Self {
        FluentArg::Str(s.to_owned())
    }
}

impl From<String> for FluentArg {
    fn from(s: String) -> Self {
        FluentArg::Str(s)
    }
}

impl From<i64> for FluentArg {
    fn from(n: i64) -> Self {
        FluentArg::Num(n)
    }
}

/// Chooses the request's language: cookie choice > Accept-Language > `default`.
pub fn negotiate(cookie: Option<&str>, accept_language: Option<&str>, default: Locale) -> Locale {
    cookie
        .and_then(Locale::from_tag)
        .or_else(|| accept_language.and_then(Locale::from_accept_language))
        .unwrap_or(default)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn zh() -> Locale {
        Locale::from_tag("zh-CN").unwrap()
    }
    fn en() -> Locale {
        Locale::from_tag("en").unwrap()
    }

    #[test]
    fn negotiation_order() {
        assert_eq!(negotiate(None, None, zh()), zh());
        assert_eq!(negotiate(None, Some("en-US,en;q=0.9"), zh()), en());
        assert_eq!(negotiate(Some("zh-CN"), Some("en-US"), zh()), zh());
        assert_eq!(negotiate(Some("en"), None, zh()), en());
        // An unknown cookie value is ignored, not trusted.
        assert_eq!(negotiate(Some("xx"), Some("en"), zh()), en());
    }

    #[test]
    fn accept_language_q_values_and_fallbacks() {
        assert_eq!(
            Locale::from_accept_language("fr;q=1, en;q=0.5, zh;q=0.8"),
            Some(zh())
        );
        assert_eq!(Locale::from_accept_language("zh-TW"), Some(zh()));
        assert_eq!(Locale::from_accept_language("en-GB;q=0.7, de"), Some(en()));
        assert_eq!(Locale::from_accept_language("de, fr"), None);
        assert_eq!(Locale::from_accept_language("en;q=0"), None);
        assert_eq!(Locale::from_accept_language("*"), None);
        assert_eq!(Locale::from_accept_language(""), None);
    }

    #[test]
    fn zh_cn_comes_first_and_names_itself() {
        assert_eq!(Locale::all()[0], zh());
        assert_eq!(zh().native_name(), "简体中文");
        assert_eq!(en().native_name(), "English");
        assert_eq!(zh().tag(), "zh-CN");
    }
}
