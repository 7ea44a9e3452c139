//! Which payment methods may pay an order: configured rules per method and connector, filtered
//! by the enabled connectors, the order's currency and amount and the traveller's country.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::money::Money;

/// A way of paying, as the customer chooses it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum MethodKind {
    Card,
    #[serde(rename = "paypal")]
    PayPal,
    Alipay,
    #[serde(rename = "wechatpay")]
    WeChatPay,
    Klarna,
    Instalments,
}

impl MethodKind {
    pub const ALL: [MethodKind; 6] = [
        MethodKind::Card,
        MethodKind::PayPal,
        MethodKind::Alipay,
        MethodKind::WeChatPay,
        MethodKind::Klarna,
        MethodKind::Instalments,
    ];

    /// The snake_case name, as serialised and configured.
    pub fn as_str(self) -> &'static str {
        match self {
            MethodKind::Card => "card",
            MethodKind::PayPal => "paypal",
            MethodKind::Alipay => "alipay",
            MethodKind::WeChatPay => "wechatpay",
            MethodKind::Klarna => "klarna",
            MethodKind::Instalments => "instalments",
        }
    }

    /// The kind named by [`MethodKind::as_str`].
    pub fn parse(s: &str) -> Option<MethodKind> {
        MethodKind::ALL.into_iter().find(|k| k.as_str() == s)
    }
}

impl fmt::Display for MethodKind {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// One way of paying and the conditions it is offered under.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct MethodRule {
    pub kind: MethodKind,
    /// The connector serving it: `sandbox`, `stripe`, `paypal`, `alipay`, `wechatpay`, `klarna`.
    pub provider: String,
    /// ISO currency codes of the order; empty means any.
    #[serde(default)]
    pub currencies: Vec<String>,
    /// ISO alpha-2 codes of the traveller's country; empty means any.
    #[serde(default)]
    pub countries: Vec<String>,
    /// Offered only at or above this amount, in the order currency's minor units.
    #[serde(default)]
    pub min_amount_minor: Option<i64>,
}

impl MethodRule {
    fn allows(&self, amount: Money, country: Option<&str>, enabled_providers: &[&str]) -> bool {
        let code = amount.currency().code();
        enabled_providers.contains(&self.provider.as_str())
            && (self.currencies.is_empty()
                || self.currencies.iter().any(|c| c.eq_ignore_ascii_case(code)))
            && (self.countries.is_empty()
                || country
                    .is_some_and(|t| self.countries.iter().any(|c| c.eq_ignore_ascii_case(t))))
            && self
                .min_amount_minor
                .is_none_or(|min| amount.minor() >= min)
    }
}

/// The rules that may pay `amount` for a traveller from `country` (unknown: `None`, then rules
/// limited to some countries are left out) with the connectors in `enabled_providers`. Order is
/// kept as configured and each kind is offered once: the first matching rule wins.
pub fn available<'a>(
    rules: &'a [MethodRule],
    amount: Money,
    country: Option<&str>,
    enabled_providers: &[&str],
) -> Vec<&'a MethodRule> {
    let mut offered: Vec<&MethodRule> = Vec::new();
    for rule in rules {
        if rule.allows(amount, country, enabled_providers)
            && !offered.iter().any(|o| o.kind == rule.kind)
        {
            offered.push(rule);
        }
    }
    offered
}

/// Currencies PayPal accepts for payments (CNY only inside China, so not here).
pub const PAYPAL_CURRENCIES: [&str; 23] = [
    "AUD", "BRL", "CAD", "CHF", "CZK", "DKK", "EUR", "GBP", "HKD", "HUF", "ILS", "JPY", "MXN",
    "MYR", "NOK", "NZD", "PHP", "PLN", "SEK", "SGD", "THB", "TWD", "USD",
];

/// Currencies Alipay cross-border settles.
pub const ALIPAY_CURRENCIES: [&str; 8] = ["CNY", "HKD", "USD", "EUR", "GBP", "JPY", "SGD", "AUD"];

/// Currencies and traveller countries Klarna serves.
pub const KLARNA_CURRENCIES: [&str; 7] = ["EUR", "GBP", "USD", "SEK", "NOK", "DKK", "AUD"];
pub const KLARNA_COUNTRIES: [&str; 14] = [
    "DE", "AT", "NL", "BE", "FI", "SE", "NO", "DK", "GB", "US", "AU", "ES", "IT", "FR",
];

/// Currencies Stripe offers card instalment plans in.
pub const STRIPE_INSTALMENT_CURRENCIES: [&str; 2] = ["MXN", "JPY"];

/// The rules used when the configuration gives none: the real connectors first, then the
/// built-in sandbox's card and instalments for the demo.
pub fn default_rules() -> Vec<MethodRule> {
    let rule = |kind, provider: &str, currencies: &[&str], countries: &[&str]| MethodRule {
        kind,
        provider: provider.to_owned(),
        currencies: currencies.iter().map(|&c| c.to_owned()).collect(),
        countries: countries.iter().map(|&c| c.to_owned()).collect(),
        min_amount_minor: None,
    };
    vec![
        rule(MethodKind::Card, "stripe", &[], &[]),
        rule(MethodKind::PayPal, "paypal", &PAYPAL_CURRENCIES, &[]),
        rule(MethodKind::Alipay, "alipay", &ALIPAY_CURRENCIES, &[]),
        rule(MethodKind::WeChatPay, "wechatpay", &["CNY"], &[]),
        rule(
            MethodKind::Klarna,
            "klarna",
            &KLARNA_CURRENCIES,
            &KLARNA_COUNTRIES,
        ),
        // Stripe's card instalments exist for Mexican and Japanese cards.
        rule(
            MethodKind::Instalments,
            "stripe",
            &STRIPE_INSTALMENT_CURRENCIES,
            &[],
        ),
        rule(MethodKind::Card, "sandbox", &[], &[]),
        rule(MethodKind::Instalments, "sandbox", &[], &[]),
    ]
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::money::Currency;

    const ALL_PROVIDERS: [&str; 6] = [
        "stripe",
        "paypal",
        "alipay",
        "wechatpay",
        "klarna",
        "sandbox",
    ];

    fn kinds(rules: &[&MethodRule]) -> Vec<(MethodKind, String)> {
        rules.iter().map(|r| (r.kind, r.provider.clone())).collect()
    }

    fn kind_names(rules: &[&MethodRule]) -> Vec<&'static str> {
        rules.iter().map(|r| r.kind.as_str()).collect()
    }

    fn m(minor: i64, code: &str) -> Money {
        Money::from_minor(minor, Currency::parse(code).unwrap())
    }

    #[test]
    fn kinds_round_trip_and_serialise_in_snake_case() {
        for k in MethodKind::ALL {
            assert_eq!(MethodKind::parse(k.as_str()), Some(k));
            assert_eq!(
                serde_json::to_value(k).unwrap(),
                serde_json::Value::String(k.as_str().into())
            );
            assert_eq!(
                serde_json::from_value::<MethodKind>(k.as_str().into()).unwrap(),
                k
            );
            assert_eq!(k.to_string(), k.as_str());
        }
        assert_eq!(MethodKind::parse("PayPal"), None);
        assert_eq!(MethodKind::parse("pay_pal"), None);
        assert_eq!(MethodKind::parse("we_chat_pay"), None);
    }

    #[test]
    fn rules_read_from_configuration() {
        let json = r#"[{"kind":"wechatpay","provider":"wechatpay","currencies":["CNY"]},
                       {"kind":"card","provider":"stripe","min_amount_minor":100}]"#;
        let rules: Vec<MethodRule> = serde_json::from_str(json).unwrap();
        assert_eq!(rules[0].kind, MethodKind::WeChatPay);
        assert!(rules[0].countries.is_empty());
        assert_eq!(rules[1].min_amount_minor, Some(100));
        assert!(rules[1].currencies.is_empty());
    }

    #[test]
    fn only_enabled_providers_are_offered() {
        let rules = default_rules();
        let got = available(&rules, m(10_000, "EUR"), Some("DE"), &["sandbox"]);
        assert_eq!(
            kinds(&got),
            [
                (MethodKind::Card, "sandbox".to_owned()),
                (MethodKind::Instalments, "sandbox".to_owned())
            ]
        );
        assert!(available(&rules, m(10_000, "EUR"), Some("DE"), &[]).is_empty());
    }

    #[test]
    fn the_first_rule_of_a_kind_wins() {
        let rules = default_rules();
        let got = available(&rules, m(10_000, "EUR"), None, &["sandbox", "stripe"]);
        assert_eq!(
            kinds(&got),
            [
                (MethodKind::Card, "stripe".to_owned()),
                (MethodKind::Instalments, "sandbox".to_owned())
            ]
        );
    }

    #[test]
    fn currency_filters_methods() {
        let rules = default_rules();
        let cny = available(&rules, m(10_000, "CNY"), Some("CN"), &ALL_PROVIDERS);
        assert_eq!(
            kind_names(&cny),
            ["card", "alipay", "wechatpay", "instalments"]
        );
        let eur = available(&rules, m(10_000, "EUR"), Some("FR"), &ALL_PROVIDERS);
        assert_eq!(
            kind_names(&eur),
            ["card", "paypal", "alipay", "klarna", "instalments"]
        );
        let jpy = available(&rules, m(10_000, "JPY"), Some("JP"), &ALL_PROVIDERS);
        assert_eq!(
            kind_names(&jpy),
            ["card", "paypal", "alipay", "instalments"]
        );
        let sek = available(&rules, m(10_000, "SEK"), Some("SE"), &ALL_PROVIDERS);
        assert_eq!(
            kind_names(&sek),
            ["card", "paypal", "klarna", "instalments"]
        );
    }

    #[test]
    fn country_filters_methods_and_unknown_country_is_not_offered_limited_ones() {
        let rules = default_rules();
        let offered = |country| {
            available(&rules, m(10_000, "EUR"), country, &["klarna"])
                .iter()
                .map(|r| r.kind)
                .collect::<Vec<_>>()
        };
        assert_eq!(offered(Some("DE")), [MethodKind::Klarna]);
        assert_eq!(offered(Some("de")), [MethodKind::Klarna]);
        assert!(offered(Some("CN")).is_empty());
        assert!(offered(None).is_empty());
        // Rules without countries are offered whatever the country, known or not.
        assert_eq!(
            available(&rules, m(10_000, "EUR"), None, &["stripe"]).len(),
            1
        );
    }

    #[test]
    fn minimum_amount_is_inclusive() {
        let rules = vec![MethodRule {
            kind: MethodKind::Klarna,
            provider: "klarna".into(),
            currencies: vec!["EUR".into()],
            countries: vec![],
            min_amount_minor: Some(3_500),
        }];
        assert_eq!(
            available(&rules, m(3_500, "EUR"), None, &["klarna"]).len(),
            1
        );
        assert!(available(&rules, m(3_499, "EUR"), None, &["klarna"]).is_empty());
    }

    #[test]
    fn order_is_kept_as_configured() {
        let mut rules = default_rules();
        rules.reverse();
        let got = available(&rules, m(10_000, "CNY"), Some("CN"), &ALL_PROVIDERS);
        assert_eq!(
            kinds(&got),
            [
                (MethodKind::Instalments, "sandbox".to_owned()),
                (MethodKind::Card, "sandbox".to_owned()),
                (MethodKind::WeChatPay, "wechatpay".to_owned()),
                (MethodKind::Alipay, "alipay".to_owned()),
            ]
        );
    }

    #[test]
    fn default_rules_are_sound() {
        let rules = default_rules();
        let paypal = rules.iter().find(|r| r.kind == MethodKind::PayPal).unwrap();
        for c in ["EUR", "USD", "GBP", "AUD", "CAD", "JPY", "HKD", "SGD"] {
            assert!(paypal.currencies.iter().any(|p| p == c), "{c}");
        }
        assert!(!paypal.currencies.iter().any(|p| p == "CNY"));
        for r in &rules {
            for c in &r.currencies {
                assert!(Currency::parse(c).is_ok(), "{c}");
            }
            for c in &r.countries {
                assert!(c.len() == 2 && c.chars().all(|ch| ch.is_ascii_uppercase()));
            }
            assert!(ALL_PROVIDERS.contains(&r.provider.as_str()));
        }
    }
}
