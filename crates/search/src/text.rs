//! Text folding shared by the indexes: lower case, accents removed, width-normalized.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Folds `s` for matching: NFKD, strip combining marks, lower-case, collapse whitespace.
/// "São Paulo" → "sao paulo"; full-width "ＰＶＧ" → "pvg"; Chinese is unchanged.
pub fn fold(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    let mut last_space = true;
    for c in s.nfkd().filter(|c| !is_combining_mark(*c)) {
        // Apostrophes join ("St. John's" → "st johns"); other punctuation separates words.
        if matches!(c, '\'' | '\u{2019}' | '\u{02BB}') {
            continue;
        }
        if c.is_whitespace()
            || matches!(
                c,
                '-' | '\u{2013}' | '\u{2014}' | '/' | '.' | ',' | '(' | ')'
            )
        {
            if !last_space {
                out.push(' ');
                last_space = true;
            }
            continue;
        }
        for l in c.to_lowercase() {
            out.push(l);
        }
        last_space = false;
    }
    if out.ends_with(' ') {
        out.pop();
    }
    out
}

#[cfg(test)]
mod tests {
    use super::fold;

    #[test]
    fn folds_accents_case_width_and_punctuation() {
        assert_eq!(fold("São Paulo"), "sao paulo");
        assert_eq!(fold("  Zürich-Kloten "), "zurich kloten");
        assert_eq!(fold("ＰＶＧ"), "pvg");
        assert_eq!(fold("上海"), "上海");
        assert_eq!(fold("St. John's"), "st johns");
    }
}
