//! How long an SMS is: which encoding a text needs, how many parts (segments) it is sent in,
//! and shortening a text to a number of parts (`../shared/providers/messaging.md` §7).
//!
//! - A text whose every character is in the GSM 7-bit default alphabet or its extension table
//!   (§7.1) goes as GSM-7: 160 septets in one SMS, 153 per part when concatenated (each part
//!   carries a 6-octet header). Extension characters (`€ ^ { } [ ] ~ \ |` and form feed) cost
//!   two septets: the escape and the code.
//! - Anything else goes as UCS-2: 70 UTF-16 code units in one SMS, 67 per part; a character
//!   outside the Basic Multilingual Plane (most emoji) is two code units.
//! - Parts are packed greedily and never split an escape pair or a surrogate pair, so a text
//!   can need one part more than `ceil(length / 153)` (§7.2). Providers pack the same way as
//!   far as is known; their own count (Twilio's `num_segments`, Vonage's `messages[]`, Plivo's
//!   `Units`) is what they bill.
//! - National language shift tables are not used (§7.1 [gap]): a Turkish `ş` makes the text
//!   UCS-2 here.

/// How an SMS is encoded on the air.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Encoding {
    /// The GSM 7-bit default alphabet with its extension table.
    Gsm7,
    /// UTF-16 (UCS-2 on the air, with surrogate pairs as modern handsets send them).
    Ucs2,
}

impl Encoding {
    /// What fits in a single SMS: septets (GSM-7) or UTF-16 code units (UCS-2).
    pub fn single_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 160,
            Encoding::Ucs2 => 70,
        }
    }

    /// What fits in each part of a concatenated SMS.
    pub fn part_limit(self) -> usize {
        match self {
            Encoding::Gsm7 => 153,
            Encoding::Ucs2 => 67,
        }
    }

    /// How many units `c` takes in this encoding. For GSM-7, `c` must be a GSM character.
    fn cost(self, c: char) -> usize {
        match self {
            Encoding::Gsm7 => gsm_septets(c).map_or(2, usize::from),
            Encoding::Ucs2 => c.len_utf16(),
        }
    }
}

/// The GSM 7-bit default alphabet (3GPP TS 23.038 §6.2.1, messaging.md §7.1) in table order,
/// without the escape (0x1B): 127 characters.
const GSM_BASIC: &str = "@£$¥èéùìòÇ\nØø\rÅåΔ_ΦΓΛΩΠΨΣΘΞÆæßÉ !\"#¤%&'()*+,-./0123456789:;<=>?\
                         ¡ABCDEFGHIJKLMNOPQRSTUVWXYZÄÖÑÜ§¿abcdefghijklmnopqrstuvwxyzäöñüà";

/// The extension table: reached with the escape, so two septets each.
const GSM_EXTENSION: &str = "\u{000C}^{}\\[~]|€";

/// Septets `c` costs in GSM-7: 1 (default alphabet), 2 (extension table), or `None` when it
/// cannot be sent in GSM-7 at all.
pub fn gsm_septets(c: char) -> Option<u8> {
    if c.is_ascii() {
        // Fast path. The ASCII characters outside the alphabet: the controls other than LF,
        // CR (and FF, in the extension table) and the backtick.
        return match c {
            '\n' | '\r' | ' '..='_' | 'a'..='z' if !"[\\]^".contains(c) => Some(1),
            '\u{000C}' | '^' | '{' | '}' | '\\' | '[' | '~' | ']' | '|' => Some(2),
            _ => None,
        };
    }
    if GSM_BASIC.contains(c) {
        Some(1)
    } else if GSM_EXTENSION.contains(c) {
        Some(2)
    } else {
        None
    }
}

/// The encoding `text` needs: GSM-7 when every character is in the default alphabet or its
/// extension table, else UCS-2.
pub fn encoding(text: &str) -> Encoding {
    if text.chars().all(|c| gsm_septets(c).is_some()) {
        Encoding::Gsm7
    } else {
        Encoding::Ucs2
    }
}

/// The length of `text` in its encoding's units: septets for GSM-7 (extension characters
/// count 2), UTF-16 code units for UCS-2.
pub fn units(text: &str) -> usize {
    let encoding = encoding(text);
    text.chars().map(|c| encoding.cost(c)).sum()
}

/// How many SMS `text` is sent as; 0 for an empty text (there is nothing to send).
pub fn segments(text: &str) -> usize {
    parts(text.chars(), encoding(text))
}

/// Parts needed for `chars` in `encoding`: one when everything fits a single SMS, else packed
/// greedily into parts without splitting a character's units.
fn parts(chars: impl Iterator<Item = char> + Clone, encoding: Encoding) -> usize {
    let total: usize = chars.clone().map(|c| encoding.cost(c)).sum();
    if total == 0 {
        return 0;
    }
    if total <= encoding.single_limit() {
        return 1;
    }
    let limit = encoding.part_limit();
    let mut count = 1;
    let mut used = 0;
    for c in chars {
        let cost = encoding.cost(c);
        if used + cost > limit {
            count += 1;
            used = 0;
        }
        used += cost;
    }
    count
}

/// `text` unchanged when it fits in `max_segments` SMS; otherwise cut so that it fits, with an
/// ellipsis at the end: `...` when the result is GSM-7 (the Unicode `…` is not in the GSM
/// alphabet and would switch the whole text to UCS-2, which holds less than half as much),
/// `…` otherwise.
///
/// The cut is made at a word boundary (before a space) when one lies in the last fifth of
/// what fits, and for text without spaces (Chinese, Japanese) preferably right after a
/// punctuation mark such as `，。；`, else between two such characters. Only a single word
/// longer than a fifth of the room (a URL) is cut inside. A character is never split, nor a
/// character from the accent, variation selector or joiner that follows it. Punctuation and
/// spaces left at the end (`,` `;` `。` …) are dropped before the ellipsis.
///
/// A text that is UCS-2 only because of characters that come after the cut is shortened as
/// GSM-7 when that keeps more of it. `max_segments == 0` gives an empty text.
pub fn shorten(text: &str, max_segments: usize) -> String {
    if segments(text) <= max_segments {
        return text.to_owned();
    }
    if max_segments == 0 {
        return String::new();
    }
    let chars: Vec<char> = text.chars().collect();
    match encoding(text) {
        Encoding::Gsm7 => cut(&chars, chars.len(), Encoding::Gsm7, max_segments).1,
        Encoding::Ucs2 => {
            let as_ucs2 = cut(&chars, chars.len(), Encoding::Ucs2, max_segments);
            // The characters before the first one GSM-7 cannot carry.
            let gsm_prefix = chars
                .iter()
                .position(|&c| gsm_septets(c).is_none())
                .unwrap_or(chars.len());
            if gsm_prefix > as_ucs2.0 {
                let as_gsm = cut(&chars, gsm_prefix, Encoding::Gsm7, max_segments);
                if as_gsm.0 > as_ucs2.0 {
                    return as_gsm.1;
                }
            }
            as_ucs2.1
        }
    }
}

/// The longest nice prefix of `chars[..limit]` that fits `max_segments` in `encoding` with the
/// encoding's ellipsis: how many characters it keeps, and the text.
fn cut(chars: &[char], limit: usize, encoding: Encoding, max_segments: usize) -> (usize, String) {
    let ellipsis = match encoding {
        Encoding::Gsm7 => "...",
        Encoding::Ucs2 => "…",
    };
    let fits = |n: usize| {
        parts(chars[..n].iter().copied().chain(ellipsis.chars()), encoding) <= max_segments
    };
    // The longest prefix that fits (fitting is monotonic in the length).
    let (mut lo, mut hi) = (0, limit);
    while lo < hi {
        let mid = (lo + hi).div_ceil(2);
        if fits(mid) {
            lo = mid;
        } else {
            hi = mid - 1;
        }
    }
    let mut hard = lo;
    if hard == chars.len() {
        // Everything fits (only for a prefix limit shorter than the text): nothing to cut.
        return (hard, chars.iter().collect());
    }
    while hard > 0 && (clings(chars[hard]) || chars[hard - 1] == ZWJ) {
        hard -= 1;
    }
    let end = break_point(chars, hard);
    let mut kept = end;
    while kept > 0 && (chars[kept - 1].is_whitespace() || TRAILING.contains(chars[kept - 1])) {
        kept -= 1;
    }
    if kept == 0 {
        // Nothing but spaces and punctuation before the break: keep them rather than nothing.
        kept = end;
    }
    let mut out: String = chars[..kept].iter().collect();
    out.push_str(ellipsis);
    (kept, out)
}

/// Where to cut at or before `hard` (`chars[..hard]` is kept): the last word boundary or break
/// after Chinese/Japanese punctuation in the last fifth; else the last boundary next to a
/// Chinese, Japanese or Korean character there; else `hard` itself.
fn break_point(chars: &[char], hard: usize) -> usize {
    let low = hard - hard / 5;
    let strong = |b: usize| {
        chars.get(b).is_some_and(|c| c.is_whitespace())
            || (b > 0 && CJK_BREAK_AFTER.contains(chars[b - 1]))
    };
    let weak = |b: usize| {
        b > 0 && b < chars.len() && !clings(chars[b]) && (is_cjk(chars[b - 1]) || is_cjk(chars[b]))
    };
    (low..=hard)
        .rev()
        .filter(|&b| b > 0)
        .find(|&b| strong(b))
        .or_else(|| (low..=hard).rev().find(|&b| weak(b)))
        .unwrap_or(hard)
}

/// Zero-width joiner: glues emoji into one picture (👩‍👩‍👧).
const ZWJ: char = '\u{200D}';

/// Punctuation after which Chinese and Japanese text may be cut.
const CJK_BREAK_AFTER: &str = "，。；：、！？）」』】》〉…";

/// What is dropped from the end before the ellipsis.
const TRAILING: &str = ",;:.-，。；：、";

/// Characters that belong to the one before them: combining accents, variation selectors,
/// the joiner, emoji skin tones, the keycap mark.
fn clings(c: char) -> bool {
    matches!(c,
        '\u{0300}'..='\u{036F}'
        | '\u{1AB0}'..='\u{1AFF}'
        | '\u{1DC0}'..='\u{1DFF}'
        | '\u{20D0}'..='\u{20FF}'
        | '\u{FE00}'..='\u{FE0F}'
        | '\u{FE20}'..='\u{FE2F}'
        | '\u{1F3FB}'..='\u{1F3FF}'
        | '\u{E0100}'..='\u{E01EF}'
        | ZWJ)
}

/// Chinese, Japanese and Korean characters and their punctuation: text written without spaces
/// between words, where a line (or an SMS) may break between any two characters.
fn is_cjk(c: char) -> bool {
    matches!(c,
        '\u{3000}'..='\u{303F}'   // CJK symbols and punctuation
        | '\u{3040}'..='\u{30FF}' // kana
        | '\u{3400}'..='\u{4DBF}' // extension A
        | '\u{4E00}'..='\u{9FFF}' // unified ideographs
        | '\u{AC00}'..='\u{D7AF}' // Hangul syllables
        | '\u{F900}'..='\u{FAFF}' // compatibility ideographs
        | '\u{FF00}'..='\u{FFEF}' // full-width forms (，！？)
        | '\u{20000}'..='\u{3134F}')
}

#[cfg(test)]
mod tests {
    use super::*;

    fn rep(s: &str, n: usize) -> String {
        s.repeat(n)
    }

    #[test]
    fn the_tables_are_complete() {
        assert_eq!(GSM_BASIC.chars().count(), 127);
        assert_eq!(GSM_EXTENSION.chars().count(), 10);
        for c in GSM_BASIC.chars() {
            assert_eq!(gsm_septets(c), Some(1), "{c:?}");
        }
        for c in GSM_EXTENSION.chars() {
            assert_eq!(gsm_septets(c), Some(2), "{c:?}");
        }
        // Every ASCII character agrees with the tables.
        for b in 0u8..128 {
            let c = char::from(b);
            let expected = if GSM_BASIC.contains(c) {
                Some(1)
            } else if GSM_EXTENSION.contains(c) {
                Some(2)
            } else {
                None
            };
            assert_eq!(gsm_septets(c), expected, "{c:?}");
        }
    }

    #[test]
    fn notable_absences_are_ucs2() {
        for c in [
            '`', '\t', 'ç', 'ï', 'Ê', '…', '’', '“', '\u{1B}', '\u{A0}', '中', '😀',
        ] {
            assert_eq!(gsm_septets(c), None, "{c:?}");
        }
        assert_eq!(encoding("Ça va? Très bien, à 10h."), Encoding::Gsm7);
        assert_eq!(encoding("ça va"), Encoding::Ucs2);
        assert_eq!(encoding("it’s"), Encoding::Ucs2);
        assert_eq!(encoding("a`b"), Encoding::Ucs2);
        assert_eq!(encoding("tab\there"), Encoding::Ucs2);
        assert_eq!(encoding(""), Encoding::Gsm7);
    }

    #[test]
    fn extension_characters_cost_two_septets() {
        assert_eq!(encoding("€^{}[]~\\|\u{000C}"), Encoding::Gsm7);
        assert_eq!(units("€"), 2);
        assert_eq!(units("^{}[]~\\|"), 16);
        assert_eq!(units("Price: 12€"), 11);
        assert_eq!(units("@£$¥"), 4);
        // 80 euro signs are exactly one SMS, 81 are two.
        assert_eq!(segments(&rep("€", 80)), 1);
        assert_eq!(segments(&rep("€", 81)), 2);
        assert_eq!(segments(&(rep("a", 158) + "{")), 1);
        assert_eq!(segments(&(rep("a", 159) + "{")), 2);
    }

    #[test]
    fn gsm_boundaries() {
        assert_eq!(segments(""), 0);
        assert_eq!(segments("a"), 1);
        assert_eq!(segments(&rep("a", 160)), 1);
        assert_eq!(segments(&rep("a", 161)), 2);
        assert_eq!(segments(&rep("a", 306)), 2);
        assert_eq!(segments(&rep("a", 307)), 3);
        assert_eq!(segments(&rep("a", 459)), 3);
        assert_eq!(segments(&rep("a", 460)), 4);
        assert_eq!(units(&rep("a", 161)), 161);
    }

    #[test]
    fn ucs2_boundaries() {
        assert_eq!(segments(&rep("中", 70)), 1);
        assert_eq!(segments(&rep("中", 71)), 2);
        assert_eq!(segments(&rep("中", 134)), 2);
        assert_eq!(segments(&rep("中", 135)), 3);
        // One non-GSM character makes the whole text UCS-2.
        assert_eq!(segments(&(rep("a", 69) + "ç")), 1);
        assert_eq!(segments(&(rep("a", 70) + "ç")), 2);
        assert_eq!(segments(&(rep("a", 159) + "…")), 3);
    }

    #[test]
    fn emoji_are_two_code_units() {
        assert_eq!(encoding("😀"), Encoding::Ucs2);
        assert_eq!(units("😀"), 2);
        assert_eq!(units("a😀"), 3);
        assert_eq!(segments(&rep("😀", 35)), 1);
        assert_eq!(segments(&rep("😀", 36)), 2);
        // 33 per part: a 34th would split its surrogate pair.
        assert_eq!(segments(&rep("😀", 66)), 2);
        assert_eq!(segments(&rep("😀", 67)), 3);
        assert_eq!(segments(&(rep("中", 69) + "😀")), 2);
        assert_eq!(segments(&(rep("中", 68) + "😀")), 1);
    }

    #[test]
    fn parts_never_split_an_escape_or_a_surrogate_pair() {
        // 306 septets would be two parts of 153 if the € could be split after its escape.
        let gsm = rep("a", 152) + "€" + &rep("a", 152);
        assert_eq!(units(&gsm), 306);
        assert_eq!(segments(&gsm), 3);
        let gsm = rep("a", 151) + "€" + &rep("a", 153);
        assert_eq!(segments(&gsm), 2);
        // 134 code units would be two parts of 67 if the emoji could be split.
        let ucs2 = rep("中", 66) + "😀" + &rep("中", 66);
        assert_eq!(units(&ucs2), 134);
        assert_eq!(segments(&ucs2), 3);
        let ucs2 = rep("中", 65) + "😀" + &rep("中", 67);
        assert_eq!(segments(&ucs2), 2);
    }

    #[test]
    fn short_texts_are_left_alone() {
        let text = "Your Wayfare code is 123456.";
        assert_eq!(shorten(text, 1), text);
        assert_eq!(shorten(&rep("a", 160), 1), rep("a", 160));
        assert_eq!(shorten(&rep("中", 134), 2), rep("中", 134));
        assert_eq!(shorten("", 1), "");
        assert_eq!(shorten("anything", 0), "");
    }

    const ENGLISH: &str = "Your flight CA981 from Beijing Capital to New York JFK departs \
        tomorrow at 13:00 from terminal 3. Please arrive at the airport at least three hours \
        before departure, bring your passport and the card you paid with, and check the \
        baggage allowance in your booking.";

    #[test]
    fn english_is_cut_at_a_word_with_three_dots() {
        assert!(segments(ENGLISH) > 1);
        let short = shorten(ENGLISH, 1);
        assert_eq!(encoding(&short), Encoding::Gsm7, "{short}");
        assert_eq!(segments(&short), 1, "{short}");
        assert!(short.ends_with("..."), "{short}");
        assert!(!short.ends_with(" ..."), "{short}");
        let kept = short.trim_end_matches("...");
        assert!(ENGLISH.starts_with(kept), "{short}");
        // The cut falls before a space: the last kept word is whole.
        assert_eq!(ENGLISH.as_bytes()[kept.len()], b' ', "{short}");
        // And not much is lost: at least four fifths of what fits.
        assert!(units(&short) >= 160 * 4 / 5, "{short}");
        assert_eq!(
            short,
            "Your flight CA981 from Beijing Capital to New York JFK departs tomorrow at 13:00 \
             from terminal 3. Please arrive at the airport at least three hours before..."
        );
    }

    #[test]
    fn trailing_punctuation_goes_before_the_dots() {
        // 150 characters of words, then "end," and a long word: the cut comes after the comma.
        let text = rep("word ", 30) + "end, " + &rep("x", 20);
        let short = shorten(&text, 1);
        assert_eq!(short, rep("word ", 30) + "end...");
        let text = rep("word ", 30) + "end. " + &rep("x", 20);
        assert_eq!(shorten(&text, 1), rep("word ", 30) + "end...");
        let text = rep("词", 60) + "；" + &rep("字", 20);
        assert_eq!(shorten(&text, 1), rep("词", 60) + "…");
    }

    #[test]
    fn english_shortened_to_several_parts() {
        let long = rep(ENGLISH, 4);
        for max in 1..=4 {
            let short = shorten(&long, max);
            assert_eq!(segments(&short), max, "{max}: {short}");
            assert_eq!(encoding(&short), Encoding::Gsm7);
            let kept = short.trim_end_matches("...");
            assert!(long.starts_with(kept));
            assert_eq!(long.as_bytes()[kept.len()], b' ', "{max}: {short}");
        }
    }

    #[test]
    fn a_word_longer_than_the_room_is_cut_inside() {
        let text = format!("See https://wayfare.example/t/{}", rep("abcdefghij", 20));
        let short = shorten(&text, 1);
        assert_eq!(units(&short), 160, "{short}");
        assert!(short.ends_with("..."));
    }

    const CHINESE: &str = "您的航班CA981将于明天13:00从北京首都国际机场3号航站楼起飞，\
        请您至少提前三个小时到达机场柜台办理值机手续；请携带护照以及付款时使用的银行卡。\
        行李额度请以订单中的说明为准，如有疑问请联系客服，我们全天为您服务。";

    #[test]
    fn chinese_is_cut_after_punctuation_with_an_ellipsis() {
        assert_eq!(encoding(CHINESE), Encoding::Ucs2);
        assert!(segments(CHINESE) > 1);
        let short = shorten(CHINESE, 1);
        assert_eq!(segments(&short), 1, "{short}");
        assert!(short.ends_with('…'), "{short}");
        let kept = short.trim_end_matches('…');
        assert!(CHINESE.starts_with(kept), "{short}");
        // Cut right after "；" (dropped before the ellipsis), in the last fifth of the room,
        // rather than inside "银行卡" at the very end of the room.
        assert_eq!(
            short,
            "您的航班CA981将于明天13:00从北京首都国际机场3号航站楼起飞，\
             请您至少提前三个小时到达机场柜台办理值机手续…"
        );
        assert!(units(&short) >= 70 * 4 / 5);
    }

    #[test]
    fn chinese_without_punctuation_is_cut_between_characters() {
        let text = rep("北京上海广州深圳", 20);
        let short = shorten(&text, 1);
        assert_eq!(
            short,
            rep("北京上海广州深圳", 20)
                .chars()
                .take(69)
                .collect::<String>()
                + "…"
        );
        assert_eq!(units(&short), 70);
        let short = shorten(&text, 2);
        assert_eq!(segments(&short), 2);
        assert_eq!(short.chars().count(), 134);
    }

    #[test]
    fn chinese_shortened_to_two_parts() {
        let long = rep(CHINESE, 3);
        let short = shorten(&long, 2);
        assert_eq!(segments(&short), 2, "{short}");
        assert!(short.ends_with('…'));
        let kept = short.trim_end_matches('…');
        assert!(long.starts_with(kept));
        // The first copy whole, its final "。" dropped before the ellipsis.
        assert_eq!(short, CHINESE.trim_end_matches('。').to_owned() + "…");
    }

    #[test]
    fn emoji_and_accents_are_kept_whole() {
        let text = rep("中", 68) + "👍🏽" + &rep("中", 10);
        let short = shorten(&text, 1);
        assert_eq!(segments(&short), 1);
        assert!(
            !short.contains('\u{1F3FD}') || short.contains("👍🏽"),
            "{short}"
        );
        let family = rep("好", 67) + "👩\u{200D}👩\u{200D}👧" + &rep("好", 10);
        let short = shorten(&family, 1);
        assert!(!short.ends_with("\u{200D}…"), "{short}");
        assert!(!short.contains("👩\u{200D}…"), "{short}");
        let accents = rep("e\u{0301}", 80);
        let short = shorten(&accents, 1);
        assert!(
            short.trim_end_matches('…').ends_with('\u{0301}'),
            "{short:?}"
        );
    }

    #[test]
    fn a_gsm_start_stays_gsm_when_the_unicode_is_cut_off() {
        let text = rep("Your booking is confirmed. ", 8) + "Enjoy your trip 😀";
        assert_eq!(encoding(&text), Encoding::Ucs2);
        let short = shorten(&text, 1);
        assert_eq!(encoding(&short), Encoding::Gsm7, "{short}");
        assert!(short.ends_with("..."));
        assert!(short.chars().count() > 140, "{short}");
        // Unicode early in the text: UCS-2 it is.
        let text = "Hi 😀 ".to_owned() + &rep("word ", 40);
        let short = shorten(&text, 1);
        assert!(short.starts_with("Hi 😀"));
        assert!(short.ends_with("word…"), "{short}");
        assert_eq!(segments(&short), 1);
    }

    #[test]
    fn extension_characters_near_the_end_still_fit() {
        let text = rep("{x} ", 60);
        for max in 1..=2 {
            let short = shorten(&text, max);
            assert_eq!(segments(&short), max, "{short}");
            assert!(short.ends_with("}..."), "{short}");
        }
    }

    #[test]
    fn every_length_fits_after_shortening() {
        let samples = [
            rep("The quick brown fox jumps over the lazy dog. ", 12),
            rep("中文短信测试，", 40),
            rep("€uro [ok] ", 60),
            rep("😀 ", 100),
            rep("日本語のテキストです。", 30),
        ];
        for sample in &samples {
            let chars: Vec<char> = sample.chars().collect();
            for n in (1..chars.len()).step_by(7) {
                let text: String = chars[..n].iter().collect();
                for max in 1..=3 {
                    let short = shorten(&text, max);
                    assert!(segments(&short) <= max, "{max} {text:?} → {short:?}");
                    if segments(&text) <= max {
                        assert_eq!(short, text);
                    } else {
                        assert!(short.ends_with("...") || short.ends_with('…'), "{short:?}");
                    }
                }
            }
        }
    }
}
