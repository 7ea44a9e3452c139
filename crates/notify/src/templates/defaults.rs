//! The templates shipped with Wayfare, one file per event, channel and language under
//! `crates/notify/templates/<language>/<event>.<channel>.txt`. An e-mail file starts with a
//! `Subject: …` line and a blank line; the rest is the body.

use super::TemplateSource;
use crate::Channel;

/// The languages defaults exist in; anything else gets English.
pub(super) const LANGUAGES: [&str; 2] = ["en", "zh-CN"];

/// `(event, [en e-mail, en SMS, zh-CN e-mail, zh-CN SMS])`.
macro_rules! shipped {
    ($($event:literal),* $(,)?) => {
        &[$((
            $event,
            [
                include_str!(concat!("../../templates/en/", $event, ".email.txt")),
                include_str!(concat!("../../templates/en/", $event, ".sms.txt")),
                include_str!(concat!("../../templates/zh-CN/", $event, ".email.txt")),
                include_str!(concat!("../../templates/zh-CN/", $event, ".sms.txt")),
            ],
        )),*]
    };
}

pub(super) static SHIPPED: &[(&str, [&str; 4])] = shipped![
    "verify_code",
    "login_code",
    "second_factor_code",
    "password_reset",
    "account_exists",
    "password_changed",
    "second_factor_enabled",
    "second_factor_disabled",
    "identity_linked",
    "identity_unlinked",
    "booking_confirmed",
    "booking_failed",
    "booking_partly_failed",
    "trip_reminder",
    "payment_received",
    "refund_processed",
    "change_processed",
    "flight_changed",
    "flight_changed_agent",
];

/// The shipped file for `event` on `channel` in `language` (`en` or `zh-CN`), split into
/// subject and body.
pub(super) fn shipped(event: &str, channel: Channel, language: &str) -> Option<TemplateSource> {
    let (_, files) = SHIPPED.iter().find(|(name, _)| *name == event)?;
    let column = match (language, channel) {
        ("zh-CN", Channel::Email) => 2,
        ("zh-CN", Channel::Sms) => 3,
        (_, Channel::Email) => 0,
        (_, Channel::Sms) => 1,
    };
    let file = files[column];
    match channel {
        Channel::Sms => Some(TemplateSource {
            subject: None,
            body: file.trim_end().to_owned(),
        }),
        Channel::Email => {
            let (first, rest) = file.split_once('\n')?;
            let subject = first.strip_prefix("Subject:")?.trim();
            Some(TemplateSource {
                subject: Some(subject.to_owned()),
                body: rest.trim_start_matches('\n').trim_end().to_owned(),
            })
        }
    }
}
