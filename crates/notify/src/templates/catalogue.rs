//! The events a message can be sent for, and the variables each one's templates may use.

use crate::Channel;

/// One kind of message: what happened, whether the user's notification settings can stop it,
/// and the variables its templates get.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct EventSpec {
    /// `verify_code`, `booking_confirmed` … (as in [`crate::OutgoingMessage::event`]).
    pub name: &'static str,
    /// Sent whatever the user's preferences: security codes, password reset, security notices
    /// and the outcome of a booking the user just paid for.
    pub mandatory: bool,
    /// The notification setting the event is filed under (one of `booking_confirmed`,
    /// `booking_changed`, `payment_receipt`, `refund_update`, `account_security`, `marketing`,
    /// as in `wayfare_domain::account::preferences::NotificationEvent`). It switches the event
    /// off only when the event is not `mandatory`; `None` for answers to the user's own request
    /// (codes, reset) and for messages to staff.
    pub preference: Option<&'static str>,
    /// Every variable the templates may use, the common `brand` and `support_email` first.
    pub variables: &'static [VarSpec],
}

impl EventSpec {
    /// The variables given on `channel` (some are given on one channel only).
    pub fn variables_for(&self, channel: Channel) -> impl Iterator<Item = &'static VarSpec> {
        self.variables
            .iter()
            .filter(move |v| v.channel.is_none_or(|c| c == channel))
    }

    /// The variable called `name`, on any channel.
    pub fn variable(&self, name: &str) -> Option<&'static VarSpec> {
        self.variables.iter().find(|v| v.name == name)
    }
}

/// One variable a template may use, with samples for previews and validation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct VarSpec {
    pub name: &'static str,
    /// For the admin's template editor (English).
    pub description: &'static str,
    /// A realistic value in English, as the caller would pass it.
    pub sample_en: &'static str,
    /// A realistic value in Simplified Chinese.
    pub sample_zh: &'static str,
    /// What the value is; a [`VarKind::List`] sample holds one item a line.
    pub kind: VarKind,
    /// The channel it is given on; `None`: both.
    pub channel: Option<Channel>,
}

/// The type of a variable's value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum VarKind {
    /// A string, already formatted for the reader (money, dates …).
    Text,
    /// An integer (`minutes`).
    Number,
    /// A boolean, for `{% if cancelled %}`.
    Flag,
    /// A list of strings, for `{% for item in items %}`.
    List,
}

const fn text(
    name: &'static str,
    description: &'static str,
    sample_en: &'static str,
    sample_zh: &'static str,
) -> VarSpec {
    VarSpec {
        name,
        description,
        sample_en,
        sample_zh,
        kind: VarKind::Text,
        channel: None,
    }
}

const fn of_kind(v: VarSpec, kind: VarKind) -> VarSpec {
    VarSpec { kind, ..v }
}

const fn only_on(v: VarSpec, channel: Channel) -> VarSpec {
    VarSpec {
        channel: Some(channel),
        ..v
    }
}

const BRAND: VarSpec = text(
    "brand",
    "The brand name, from the branding settings.",
    "Wayfare",
    "Wayfare",
);
const SUPPORT_EMAIL: VarSpec = text(
    "support_email",
    "The customer support e-mail address, from the branding settings.",
    "support@wayfare.example",
    "support@wayfare.example",
);

const CODE: VarSpec = text(
    "code",
    "The one-time code (masked in the message history).",
    "428913",
    "428913",
);
const CODE_MINUTES: VarSpec = of_kind(
    text(
        "minutes",
        "How many minutes the code stays valid.",
        "10",
        "10",
    ),
    VarKind::Number,
);
const RESET_MINUTES: VarSpec = of_kind(
    text(
        "minutes",
        "How many minutes the reset link (e-mail) or code (SMS) stays valid.",
        "30",
        "30",
    ),
    VarKind::Number,
);
const RESET_CODE: VarSpec = only_on(CODE, Channel::Sms);
const RESET_LINK: VarSpec = only_on(
    text(
        "link",
        "The password reset link (masked in the message history).",
        "https://wayfare.example/password/reset/q8Zt3LmW5vXc",
        "https://wayfare.example/password/reset/q8Zt3LmW5vXc",
    ),
    Channel::Email,
);

const REFERENCE: VarSpec = text(
    "reference",
    "The booking reference the traveller sees.",
    "WF7Q2K9P",
    "WF7Q2K9P",
);
const BOOKING_LINK: VarSpec = text(
    "link",
    "The booking's page.",
    "https://wayfare.example/bookings/0190a6f2",
    "https://wayfare.example/bookings/0190a6f2",
);
const TOTAL: VarSpec = text(
    "total",
    "The amount paid for what is confirmed, with its currency.",
    "4286.00 CNY",
    "4286.00 CNY",
);
const ITEMS: VarSpec = of_kind(
    text(
        "items",
        "The booked flights and hotels, one line each, with their confirmation numbers.",
        "PEK → JFK, JFK → PEK (X7KQ2M)\nThe Langham, New York (LH88123)",
        "PEK → JFK, JFK → PEK (X7KQ2M)\n纽约朗廷酒店 (LH88123)",
    ),
    VarKind::List,
);
const FIRST_ITEM: VarSpec = text(
    "first_item",
    "The first of `items` (empty when there is none), for short messages.",
    "PEK → JFK, JFK → PEK (X7KQ2M)",
    "PEK → JFK, JFK → PEK (X7KQ2M)",
);

const PAYMENT_AMOUNT: VarSpec = text(
    "amount",
    "The amount paid, with its currency.",
    "4286.00 CNY",
    "4286.00 CNY",
);
const REFUND_AMOUNT: VarSpec = text(
    "amount",
    "The amount refunded, with its currency.",
    "1200.00 CNY",
    "1200.00 CNY",
);
const METHOD: VarSpec = text(
    "method",
    "The payment method, as the traveller knows it: the card's brand and last four digits \
     when known (else \"your card\"), Alipay, WeChat Pay, PayPal or Klarna; a payment in \
     instalments says how many.",
    "Visa ending in 4242",
    "尾号 4242 的 Visa 卡",
);
const SUMMARY: VarSpec = text(
    "summary",
    "What was changed, in one sentence without a full stop.",
    "New flight CA983 on 14 Jun 2025 at 13:00",
    "改为 2025年6月14日 13:00 的 CA983 航班",
);
const FEE: VarSpec = text(
    "fee",
    "The change fee charged, with its currency; empty when there was none.",
    "350.00 CNY",
    "350.00 CNY",
);

const FLIGHT: VarSpec = text(
    "flight",
    "The flight number and route.",
    "CA981 PEK → JFK",
    "CA981 北京首都 → 纽约肯尼迪",
);
const OLD_DEPARTURE: VarSpec = text(
    "old_departure",
    "The departure as it was booked, in the airport's local time.",
    "12 Jun 2025 13:00",
    "2025年6月12日 13:00",
);
const NEW_DEPARTURE: VarSpec = text(
    "new_departure",
    "The new departure in the airport's local time; empty when the flight is cancelled.",
    "12 Jun 2025 15:30",
    "2025年6月12日 15:30",
);
const CANCELLED: VarSpec = of_kind(
    text(
        "cancelled",
        "Whether the flight is cancelled (true) rather than retimed (false).",
        "false",
        "false",
    ),
    VarKind::Flag,
);
const TRAVELLER: VarSpec = text("traveller", "The traveller's name.", "Li Wei", "李伟");
const CONTACT: VarSpec = text(
    "contact",
    "The traveller's phone number or e-mail address.",
    "+86 138 0013 8000",
    "+86 138 0013 8000",
);

const CODE_VARS: &[VarSpec] = &[BRAND, SUPPORT_EMAIL, CODE, CODE_MINUTES];
const NOTICE_VARS: &[VarSpec] = &[BRAND, SUPPORT_EMAIL];
const ORDER_VARS: &[VarSpec] = &[
    BRAND,
    SUPPORT_EMAIL,
    REFERENCE,
    TOTAL,
    ITEMS,
    FIRST_ITEM,
    BOOKING_LINK,
];

const fn code(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        mandatory: true,
        preference: None,
        variables: CODE_VARS,
    }
}

const fn security_notice(name: &'static str) -> EventSpec {
    EventSpec {
        name,
        mandatory: true,
        preference: Some("account_security"),
        variables: NOTICE_VARS,
    }
}

const fn order(name: &'static str, mandatory: bool) -> EventSpec {
    EventSpec {
        name,
        mandatory,
        preference: Some("booking_confirmed"),
        variables: ORDER_VARS,
    }
}

static EVENTS: &[EventSpec] = &[
    code("verify_code"),
    code("login_code"),
    code("second_factor_code"),
    EventSpec {
        name: "password_reset",
        mandatory: true,
        preference: None,
        variables: &[BRAND, SUPPORT_EMAIL, RESET_LINK, RESET_CODE, RESET_MINUTES],
    },
    security_notice("account_exists"),
    security_notice("password_changed"),
    security_notice("second_factor_enabled"),
    security_notice("second_factor_disabled"),
    security_notice("identity_linked"),
    security_notice("identity_unlinked"),
    order("booking_confirmed", true),
    order("booking_failed", true),
    order("booking_partly_failed", true),
    order("trip_reminder", false),
    EventSpec {
        name: "payment_received",
        mandatory: false,
        preference: Some("payment_receipt"),
        variables: &[
            BRAND,
            SUPPORT_EMAIL,
            REFERENCE,
            PAYMENT_AMOUNT,
            METHOD,
            BOOKING_LINK,
        ],
    },
    EventSpec {
        name: "refund_processed",
        mandatory: false,
        preference: Some("refund_update"),
        variables: &[
            BRAND,
            SUPPORT_EMAIL,
            REFERENCE,
            REFUND_AMOUNT,
            METHOD,
            BOOKING_LINK,
        ],
    },
    EventSpec {
        name: "change_processed",
        mandatory: false,
        preference: Some("booking_changed"),
        variables: &[BRAND, SUPPORT_EMAIL, REFERENCE, SUMMARY, FEE, BOOKING_LINK],
    },
    EventSpec {
        name: "flight_changed",
        mandatory: false,
        preference: Some("booking_changed"),
        variables: &[
            BRAND,
            SUPPORT_EMAIL,
            REFERENCE,
            FLIGHT,
            OLD_DEPARTURE,
            NEW_DEPARTURE,
            CANCELLED,
            BOOKING_LINK,
        ],
    },
    // To the agency or travel manager who made the booking: not a traveller's setting.
    EventSpec {
        name: "flight_changed_agent",
        mandatory: true,
        preference: None,
        variables: &[
            BRAND,
            SUPPORT_EMAIL,
            REFERENCE,
            FLIGHT,
            OLD_DEPARTURE,
            NEW_DEPARTURE,
            CANCELLED,
            BOOKING_LINK,
            TRAVELLER,
            CONTACT,
        ],
    },
];

/// Every event, accounts first, then bookings.
pub fn events() -> &'static [EventSpec] {
    EVENTS
}

/// The event called `name`.
pub fn event(name: &str) -> Option<&'static EventSpec> {
    EVENTS.iter().find(|e| e.name == name)
}

#[cfg(test)]
mod tests {
    use super::*;

    const PREFERENCES: [&str; 6] = [
        "booking_confirmed",
        "booking_changed",
        "payment_receipt",
        "refund_update",
        "account_security",
        "marketing",
    ];

    #[test]
    fn the_catalogue_is_consistent() {
        for (i, e) in events().iter().enumerate() {
            assert!(
                events()[..i].iter().all(|o| o.name != e.name),
                "{} twice",
                e.name
            );
            assert!(
                e.name.chars().all(|c| c.is_ascii_lowercase() || c == '_'),
                "{}",
                e.name
            );
            assert_eq!(e.variables[0].name, "brand");
            assert_eq!(e.variables[1].name, "support_email");
            if let Some(p) = e.preference {
                assert!(PREFERENCES.contains(&p), "{}: {p}", e.name);
            }
            assert!(
                e.mandatory || e.preference.is_some(),
                "{}: nothing could switch it off",
                e.name
            );
            for channel in [Channel::Email, Channel::Sms] {
                let names: Vec<_> = e.variables_for(channel).map(|v| v.name).collect();
                for (j, n) in names.iter().enumerate() {
                    assert!(!names[..j].contains(n), "{}: {n} twice", e.name);
                }
            }
            for v in e.variables {
                assert!(!v.description.is_empty());
                match v.kind {
                    VarKind::Number => {
                        assert!(v.sample_en.parse::<i64>().is_ok());
                        assert!(v.sample_zh.parse::<i64>().is_ok());
                    }
                    VarKind::Flag => {
                        assert!(v.sample_en.parse::<bool>().is_ok());
                        assert!(v.sample_zh.parse::<bool>().is_ok());
                    }
                    VarKind::Text | VarKind::List => {}
                }
            }
        }
        assert_eq!(
            event("trip_reminder").map(|e| e.name),
            Some("trip_reminder")
        );
        assert!(event("trip-reminder").is_none());
    }

    #[test]
    fn password_reset_variables_depend_on_the_channel() {
        let e = event("password_reset").expect("password_reset");
        let email: Vec<_> = e.variables_for(Channel::Email).map(|v| v.name).collect();
        let sms: Vec<_> = e.variables_for(Channel::Sms).map(|v| v.name).collect();
        assert!(email.contains(&"link") && !email.contains(&"code"));
        assert!(sms.contains(&"code") && !sms.contains(&"link"));
    }
}
