//! Recognising a payment card number where none belongs. Card numbers never reach our server
//! in the designed flows (providers take them in the browser and give us a token); this finds
//! one sent by mistake, before it is stored or logged, and lets tests scan logs and databases.

/// Whether `text` holds something that looks like a card number: 13 to 19 digits, written
/// together or in groups of 3 to 6 split by single spaces or dashes (4-4-4-4, 4-6-5 …), that
/// start as card numbers do (2–6) and pass the Luhn check. Longer digit runs, and digits
/// grouped otherwise (dates, phone numbers), are not card numbers.
pub fn contains_card_number(text: &str) -> bool {
    find_card_number(text).is_some()
}

/// The first thing in `text` that looks like a card number (see [`contains_card_number`]).
pub fn find_card_number(text: &str) -> Option<&str> {
    let mut run = Run::default();
    let mut previous = ' ';
    for (i, c) in text.char_indices() {
        let before = std::mem::replace(&mut previous, c);
        match c {
            '0'..='9' => {
                if run.digits.is_empty() && run.group == 0 {
                    // The digits after a decimal point are a fraction (a latency in a log).
                    run.fraction = before == '.';
                }
                run.digit(i, c as u8 - b'0')
            }
            ' ' | '-' if run.group > 0 => {
                if run.is_card(text).is_some() {
                    return run.is_card(text);
                }
                run.group_ended();
            }
            _ => {
                if let Some(found) = run.is_card(text) {
                    return Some(found);
                }
                run = Run::default();
            }
        }
    }
    run.is_card(text)
}

/// Digits seen since the last character that cannot be inside a card number.
#[derive(Default)]
struct Run {
    digits: Vec<u8>,
    start: usize,
    end: usize,
    /// Digits in the group being read.
    group: usize,
    /// Lengths of the groups finished (split by a separator).
    groups: Vec<usize>,
    /// A separator was just read.
    after_separator: bool,
    /// The run follows a decimal point.
    fraction: bool,
}

impl Run {
    fn digit(&mut self, at: usize, d: u8) {
        if self.digits.is_empty() {
            self.start = at;
        }
        self.digits.push(d);
        self.group += 1;
        self.end = at + 1;
        self.after_separator = false;
    }

    fn group_ended(&mut self) {
        if self.after_separator {
            // Two separators in a row end the number.
            *self = Run::default();
            return;
        }
        self.groups.push(self.group);
        self.group = 0;
        self.after_separator = true;
    }

    /// The run as a card number, if it is one.
    fn is_card<'t>(&self, text: &'t str) -> Option<&'t str> {
        let grouped_well = self.groups.is_empty()
            || self
                .groups
                .iter()
                .chain(std::iter::once(&self.group))
                .all(|g| (3..=6).contains(g));
        (grouped_well && !self.fraction && self.group > 0 && is_card_number(&self.digits))
            .then(|| &text[self.start..self.end])
    }
}

fn is_card_number(digits: &[u8]) -> bool {
    (13..=19).contains(&digits.len()) && (2..=6).contains(&digits[0]) && luhn_valid(digits)
}

fn luhn_valid(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let x = d * 2;
                if x > 9 { x - 9 } else { x }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn card_numbers_are_found_however_written() {
        for pan in [
            "4242424242424242",
            "4242 4242 4242 4242",
            "5555-5555-5555-4444",
            "3782 822463 10005",
            "card: 4000056655665556 exp 12/30",
            "6200000000000005",
            "2223003122003222",
        ] {
            assert!(contains_card_number(pan), "{pan}");
        }
    }

    #[test]
    fn other_numbers_are_not_card_numbers() {
        for text in [
            "pm_card_visa",
            "4242424242424241",
            "+8613800138000",
            "2026-11-24T22:32:30.512032Z",
            "2026-11-24 22:32:30.512032+00:00",
            "order 1287.00 CNY",
            "0000000000000000",
            "42424242424242424242424",
            "4242  4242 4242 4242",
            "2026-11-232027-01-0877",
            "+44 20 7946 0958 3",
            "elapsed=0.674629999999999 ms",
            "",
        ] {
            assert!(!contains_card_number(text), "{text}");
        }
    }
}
