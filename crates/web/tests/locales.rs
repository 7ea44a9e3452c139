//! Every locale has every key; every key the templates and the code use exists.
//! Adding a language is adding `locales/<tag>/*.ftl`; this test keeps it complete.

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};

use wayfare_web::{ErrorCode, Locale};

fn root() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR"))
}

fn files(dir: &Path, ext: &str, out: &mut Vec<PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap().flatten() {
        let p = entry.path();
        if p.is_dir() {
            files(&p, ext, out);
        } else if p.extension().is_some_and(|e| e == ext) {
            out.push(p);
        }
    }
}

/// Message ids defined in a Fluent file (top-level `id = …` lines).
fn message_ids(text: &str) -> BTreeSet<String> {
    text.lines()
        .filter(|l| !l.starts_with([' ', '#', '\t', '[', '*', '}']) && !l.trim().is_empty())
        .filter_map(|l| l.split_once('=').map(|(k, _)| k.trim().to_owned()))
        .filter(|k| {
            k.chars()
                .all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_')
        })
        .collect()
}

fn locale_keys() -> BTreeMap<String, BTreeSet<String>> {
    let mut map = BTreeMap::new();
    for entry in std::fs::read_dir(root().join("locales")).unwrap().flatten() {
        let mut ftl = Vec::new();
        files(&entry.path(), "ftl", &mut ftl);
        let mut keys = BTreeSet::new();
        for f in ftl {
            keys.extend(message_ids(&std::fs::read_to_string(f).unwrap()));
        }
        map.insert(entry.file_name().to_string_lossy().into_owned(), keys);
    }
    map
}

/// String literals passed to `t(…)`, `t1(…)`, `tn(…)` or naming a key in Rust code.
fn used_keys() -> BTreeSet<String> {
    let mut sources = Vec::new();
    files(&root().join("templates"), "html", &mut sources);
    files(&root().join("src"), "rs", &mut sources);
    // Validation in the domain names reason keys too.
    files(&root().join("../domain/src"), "rs", &mut sources);
    // …and so do the account and booking services.
    files(&root().join("../accounts/src"), "rs", &mut sources);
    files(&root().join("../booking/src"), "rs", &mut sources);
    let prefixes = [
        "flights-",
        "explore-",
        "site-",
        "nav-",
        "prefs-",
        "footer-",
        "home-",
        "airports-",
        "error-page-",
        "reason-",
        "language-",
        "auth-",
        "account-",
        "admin-",
        "form-",
        "bookings-",
    ];
    let mut keys = BTreeSet::new();
    for f in sources {
        let text = std::fs::read_to_string(&f).unwrap();
        if f.extension().is_some_and(|e| e == "html") {
            // Templates: the first argument of every t / t1 / tn call.
            for call in [".t(\"", ".t1(\"", ".tn(\""] {
                for (i, _) in text.match_indices(call) {
                    let rest = &text[i + call.len()..];
                    if let Some(end) = rest.find('"') {
                        keys.insert(rest[..end].to_owned());
                    }
                }
            }
            continue;
        }
        for (i, _) in text.match_indices('"') {
            let rest = &text[i + 1..];
            let Some(end) = rest.find('"') else { continue };
            let lit = &rest[..end];
            if prefixes.iter().any(|p| lit.starts_with(p))
                && lit
                    .chars()
                    .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
                && !lit.ends_with('-')
            {
                keys.insert(lit.to_owned());
            }
        }
    }
    for code in ErrorCode::ALL {
        keys.insert(code.message_key());
    }
    for key in wayfare_domain::account::REASON_KEYS
        .iter()
        .chain(wayfare_domain::order::REASON_KEYS)
    {
        keys.insert((*key).to_owned());
    }
    for state in ["none", "totp", "sms", "email"] {
        keys.insert(format!("account-2fa-state-{state}"));
    }
    keys
}

#[test]
fn zh_cn_and_en_exist_and_every_locale_has_the_same_keys() {
    let keys = locale_keys();
    assert!(
        keys.contains_key("zh-CN") && keys.contains_key("en"),
        "{:?}",
        keys.keys()
    );
    let en = &keys["en"];
    assert!(en.len() > 50, "{} keys", en.len());
    for (lang, k) in &keys {
        let missing: Vec<_> = en.difference(k).collect();
        let extra: Vec<_> = k.difference(en).collect();
        assert!(missing.is_empty(), "{lang} is missing {missing:?}");
        assert!(extra.is_empty(), "{lang} has keys en lacks: {extra:?}");
    }
}

#[test]
fn every_key_the_code_and_templates_use_exists() {
    let en = &locale_keys()["en"];
    let missing: Vec<_> = used_keys()
        .into_iter()
        .filter(|k| !en.contains(k))
        .collect();
    assert!(missing.is_empty(), "keys used but not defined: {missing:?}");
    // Every locale resolves them through the loader too (no fallback to the key itself).
    for locale in Locale::all() {
        for key in en {
            assert!(locale.has(key), "{} cannot resolve {key}", locale.tag());
        }
    }
}

#[test]
fn every_display_currency_has_a_name() {
    let en = &locale_keys()["en"];
    for code in [
        "USD", "CNY", "HKD", "TWD", "JPY", "KRW", "SGD", "MYR", "THB", "EUR", "GBP", "CHF", "AED",
        "AUD", "NZD", "CAD",
    ] {
        assert!(en.contains(&format!("currency-{code}")), "currency-{code}");
    }
}

#[test]
fn the_checker_notices_a_missing_key() {
    // Guard against a checker that passes vacuously.
    let ids = message_ids(
        "a-key = A\nb-key = { $n ->\n    [one] one\n   *[other] many\n}\n# c-key = no\n",
    );
    assert_eq!(ids.into_iter().collect::<Vec<_>>(), vec!["a-key", "b-key"]);
}

/// A message defined twice in one language stops the app at start (Fluent refuses to
/// override); say which file and key instead.
#[test]
fn no_key_is_defined_twice_in_a_language() {
    for entry in std::fs::read_dir(root().join("locales")).unwrap().flatten() {
        let mut ftl = Vec::new();
        files(&entry.path(), "ftl", &mut ftl);
        let mut seen: BTreeMap<String, PathBuf> = BTreeMap::new();
        for f in ftl {
            for k in message_ids(&std::fs::read_to_string(&f).unwrap()) {
                if let Some(first) = seen.insert(k.clone(), f.clone()) {
                    panic!("{k} is in both {} and {}", first.display(), f.display());
                }
            }
        }
    }
}
