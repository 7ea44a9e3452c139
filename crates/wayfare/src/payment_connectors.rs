//! The real payment connectors' configuration (`[payments.stripe]`, `[payments.paypal]`,
//! `[payments.alipay]`, `[payments.wechatpay]`, `[payments.klarna]`) and their construction.
//!
//! Each connector is off until its section is given. Secrets and private keys are [`Secret`]s
//! (never printed) and are best given as environment variables, e.g.
//! `WAYFARE_PAYMENTS__STRIPE__SECRET_KEY`. Identifiers that are often all digits (Alipay's
//! `app_id`, WeChat Pay's `mch_id`) are read as text even when the environment gives a number;
//! quote a value (`'"0123"'`) to keep leading zeros.
//!
//! The notification URLs Alipay and WeChat Pay need are not configured: they are
//! `{public_base_url}/api/v1/webhooks/alipay` and `…/wechatpay`, where our webhook endpoint is.

use std::fmt;
use std::sync::Arc;
use std::time::Duration;

use serde::{Deserialize, Serialize};
use wayfare_domain::Currency;
use wayfare_payments::alipay::{AlipayConfig, AlipayProvider};
use wayfare_payments::klarna::{KlarnaConfig, KlarnaConfigError, KlarnaProvider, KlarnaRegion};
use wayfare_payments::paypal::{PayPalConfig, PayPalConfigError, PayPalProvider};
use wayfare_payments::stripe::{StripeConfig, StripeProvider};
use wayfare_payments::wechatpay::oauth::{WeChatOAuth, WeChatOAuthConfig};
use wayfare_payments::wechatpay::{WeChatPayConfig, WeChatPayProvider};
use wayfare_payments::{Clock, PaymentProvider};

use crate::config::{ConfigError, PaymentsConfig, Secret};

/// The providers `payments.methods` rules may name.
pub const PROVIDER_NAMES: [&str; 6] = [
    wayfare_payments::sandbox::NAME,
    wayfare_payments::stripe::NAME,
    wayfare_payments::paypal::NAME,
    wayfare_payments::alipay::NAME,
    wayfare_payments::wechatpay::NAME,
    wayfare_payments::klarna::NAME,
];

/// Where our webhook endpoint lives, below the public base URL.
const WEBHOOK_PATH: &str = "/api/v1/webhooks";

/// The base URL `validate` builds providers with (only the notification URLs depend on it).
const PLACEHOLDER_BASE_URL: &str = "https://wayfare.invalid";

/// The longest timeout a connector may be given.
const MAX_TIMEOUT_SECS: u64 = 600;

const DEFAULT_TIMEOUT_SECS: u64 = 30;

/// `[payments.stripe]`: cards through Stripe (PaymentIntents) and Stripe.js on the checkout
/// page.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct StripeSection {
    /// `sk_test_…`/`sk_live_…` (or a restricted `rk_…` key);
    /// `WAYFARE_PAYMENTS__STRIPE__SECRET_KEY`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub secret_key: Secret,
    /// `pk_test_…`/`pk_live_…`, in the same mode as the secret key; given to Stripe.js.
    pub publishable_key: String,
    /// The webhook endpoint's signing secret, `whsec_…`; unset, Stripe's webhooks are refused.
    /// Never printed.
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub webhook_secret: Option<Secret>,
    /// Default `https://api.stripe.com`.
    #[serde(default = "default_stripe_api_base")]
    pub api_base: String,
    /// `Stripe-Version`; default the version the connector was written against.
    #[serde(default = "default_stripe_api_version")]
    pub api_version: String,
    /// Stripe.js, loaded by the checkout page; default `https://js.stripe.com/v3/`.
    #[serde(default = "default_stripe_js_url")]
    pub js_url: String,
    /// Each request, connecting included (1–600 s, default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// How old (or early) a webhook signature may be (default 300 s).
    #[serde(default = "default_stripe_webhook_tolerance_secs")]
    pub webhook_tolerance_secs: u64,
}

/// `[payments.paypal]`: the buyer's PayPal wallet (Orders v2).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct PayPalSection {
    /// The REST app's client id.
    #[serde(deserialize_with = "lenient::string")]
    pub client_id: String,
    /// The REST app's secret; `WAYFARE_PAYMENTS__PAYPAL__CLIENT_SECRET`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub client_secret: Secret,
    /// Our webhook registration's id at PayPal; unset, PayPal's webhooks are refused.
    #[serde(default, deserialize_with = "lenient::opt_string")]
    pub webhook_id: Option<String>,
    /// Live PayPal `https://api-m.paypal.com` by default (as the connector);
    /// `https://api-m.sandbox.paypal.com` for PayPal's sandbox.
    #[serde(default = "default_paypal_api_base")]
    pub api_base: String,
    /// Shown to the buyer on PayPal's pages.
    #[serde(default)]
    pub brand_name: Option<String>,
    /// Each request, connecting included (1–600 s, default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// How far a webhook's transmission time may be from when it arrives (default 900 s).
    #[serde(default = "default_paypal_webhook_tolerance_secs")]
    pub webhook_tolerance_secs: u64,
}

/// `[payments.alipay]`: Alipay page and mobile web pay. Notifications go to
/// `{public_base_url}/api/v1/webhooks/alipay`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct AlipaySection {
    #[serde(deserialize_with = "lenient::string")]
    pub app_id: String,
    /// Our app's RSA private key (PKCS#8 or PKCS#1 PEM, or bare base64);
    /// `WAYFARE_PAYMENTS__ALIPAY__PRIVATE_KEY_PEM`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub private_key_pem: Secret,
    /// Alipay's public key (SPKI or PKCS#1 PEM, or bare base64 as the console shows it).
    pub alipay_public_key_pem: String,
    /// Default the production gateway `https://openapi.alipay.com/gateway.do`; the sandbox is
    /// `https://openapi-sandbox.dl.alipaydev.com/gateway.do`.
    #[serde(default = "default_alipay_gateway")]
    pub gateway: String,
    /// Only `RSA2` (the default) is supported.
    #[serde(default = "default_alipay_sign_type")]
    pub sign_type: String,
    /// Each request, connecting included (1–600 s, default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
}

/// `[payments.wechatpay]`: WeChat Pay APIv3, Native (QR code) and H5 orders. Notifications go
/// to `{public_base_url}/api/v1/webhooks/wechatpay`.
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct WeChatPaySection {
    /// `mchid`.
    #[serde(deserialize_with = "lenient::string")]
    pub mch_id: String,
    /// The `appid` bound to the merchant.
    #[serde(deserialize_with = "lenient::string")]
    pub app_id: String,
    /// The merchant API certificate's serial number.
    #[serde(deserialize_with = "lenient::string")]
    pub merchant_serial_no: String,
    /// The merchant API private key (`apiclient_key.pem`, PKCS#8 PEM);
    /// `WAYFARE_PAYMENTS__WECHATPAY__MERCHANT_PRIVATE_KEY_PEM`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub merchant_private_key_pem: Secret,
    /// The WeChat Pay public key id (`PUB_KEY_ID_…`) answers and notifications carry.
    #[serde(deserialize_with = "lenient::string")]
    pub platform_serial_no: String,
    /// The WeChat Pay public key (PEM `PUBLIC KEY`).
    pub platform_public_key_pem: String,
    /// The APIv3 key, 32 bytes; `WAYFARE_PAYMENTS__WECHATPAY__API_V3_KEY`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub api_v3_key: Secret,
    /// Default `https://api.mch.weixin.qq.com`.
    #[serde(default = "default_wechatpay_api_base")]
    pub api_base: String,
    /// Each request, connecting included (1–600 s, default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// How far a response's or notification's timestamp may be from now (default 300 s).
    #[serde(default = "default_wechatpay_timestamp_tolerance_secs")]
    pub timestamp_tolerance_secs: u64,
    /// The official account's AppSecret (of `app_id`), for WeChat's web authorisation
    /// (`snsapi_base`) that gives a payer's openid; `WAYFARE_PAYMENTS__WECHATPAY__OAUTH_APP_SECRET`.
    /// With it, a traveller inside WeChat pays in WeChat's own payment sheet (JSAPI); without,
    /// they long-press the QR code. Never printed.
    #[serde(default, deserialize_with = "lenient::opt_secret")]
    pub oauth_app_secret: Option<Secret>,
    /// Default `https://open.weixin.qq.com`.
    #[serde(default = "default_wechat_oauth_authorize_base")]
    pub oauth_authorize_base: String,
    /// Default `https://api.weixin.qq.com`.
    #[serde(default = "default_wechat_oauth_api_base")]
    pub oauth_api_base: String,
}

/// `[payments.klarna]`: Klarna Payments (pay later, pay over time).
#[derive(Debug, Clone, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct KlarnaSection {
    /// The API username tied to the merchant id.
    #[serde(deserialize_with = "lenient::string")]
    pub username: String,
    /// The API password; `WAYFARE_PAYMENTS__KLARNA__PASSWORD`. Never printed.
    #[serde(deserialize_with = "lenient::secret")]
    pub password: Secret,
    /// The region's API: default the European playground
    /// `https://api.playground.klarna.com`; production `https://api.klarna.com` (Europe),
    /// `https://api-na.klarna.com` (North America), `https://api-oc.klarna.com` (Oceania), and
    /// their playgrounds `https://api-na.playground.klarna.com`,
    /// `https://api-oc.playground.klarna.com`.
    #[serde(default = "default_klarna_base_url")]
    pub base_url: String,
    /// ISO 3166 alpha-2 in capitals, for orders and sessions that name none (default `GB`).
    #[serde(default = "default_klarna_purchase_country")]
    pub purchase_country: String,
    /// For orders and sessions that name none (default `en-GB`).
    #[serde(default = "default_klarna_locale")]
    pub locale: String,
    /// The tax included in our prices, two implied decimals (`2500` = 25%); default 0.
    #[serde(default)]
    pub tax_rate: u32,
    /// Each request, connecting included (1–600 s, default 30).
    #[serde(default = "default_timeout_secs")]
    pub timeout_secs: u64,
    /// Klarna's JS SDK for the payment page's widget (default
    /// `https://x.klarnacdn.net/kp/lib/v1/api.js`).
    #[serde(default = "default_klarna_js_url")]
    pub js_url: String,
}

fn default_timeout_secs() -> u64 {
    DEFAULT_TIMEOUT_SECS
}

fn default_stripe_api_base() -> String {
    wayfare_payments::stripe::DEFAULT_API_BASE.to_owned()
}

fn default_stripe_api_version() -> String {
    wayfare_payments::stripe::API_VERSION.to_owned()
}

fn default_stripe_js_url() -> String {
    "https://js.stripe.com/v3/".to_owned()
}

fn default_stripe_webhook_tolerance_secs() -> u64 {
    wayfare_payments::stripe::DEFAULT_WEBHOOK_TOLERANCE.as_secs()
}

fn default_paypal_api_base() -> String {
    wayfare_payments::paypal::LIVE_API_BASE.to_owned()
}

fn default_paypal_webhook_tolerance_secs() -> u64 {
    15 * 60
}

fn default_alipay_gateway() -> String {
    wayfare_payments::alipay::GATEWAY.to_owned()
}

fn default_alipay_sign_type() -> String {
    "RSA2".to_owned()
}

fn default_wechatpay_api_base() -> String {
    wayfare_payments::wechatpay::DEFAULT_API_BASE.to_owned()
}

fn default_wechatpay_timestamp_tolerance_secs() -> u64 {
    wayfare_payments::wechatpay::DEFAULT_TIMESTAMP_TOLERANCE.as_secs()
}

fn default_wechat_oauth_authorize_base() -> String {
    wayfare_payments::wechatpay::oauth::DEFAULT_AUTHORIZE_BASE.to_owned()
}

fn default_wechat_oauth_api_base() -> String {
    wayfare_payments::wechatpay::oauth::DEFAULT_OAUTH_API_BASE.to_owned()
}

fn default_klarna_js_url() -> String {
    "https://x.klarnacdn.net/kp/lib/v1/api.js".to_owned()
}

fn default_klarna_base_url() -> String {
    KlarnaRegion::Europe.playground_url().to_owned()
}

fn default_klarna_purchase_country() -> String {
    "GB".to_owned()
}

fn default_klarna_locale() -> String {
    "en-GB".to_owned()
}

/// Text values that the environment layer may have read as numbers (`WAYFARE_…=1900000109`).
pub(crate) mod lenient {
    use std::fmt;

    use serde::de::{self, Deserialize, Deserializer, Visitor};

    use crate::config::Secret;

    struct Text(String);

    impl<'de> Deserialize<'de> for Text {
        fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Text, D::Error> {
            struct V;
            impl Visitor<'_> for V {
                type Value = Text;
                fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                    f.write_str("a string")
                }
                fn visit_str<E: de::Error>(self, v: &str) -> Result<Text, E> {
                    Ok(Text(v.to_owned()))
                }
                fn visit_string<E: de::Error>(self, v: String) -> Result<Text, E> {
                    Ok(Text(v))
                }
                fn visit_u64<E: de::Error>(self, v: u64) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
                fn visit_i64<E: de::Error>(self, v: i64) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
                fn visit_u128<E: de::Error>(self, v: u128) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
                fn visit_i128<E: de::Error>(self, v: i128) -> Result<Text, E> {
                    Ok(Text(v.to_string()))
                }
            }
            d.deserialize_any(V)
        }
    }

    pub fn string<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
        Text::deserialize(d).map(|t| t.0)
    }

    pub fn opt_string<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
        Option::<Text>::deserialize(d).map(|t| t.map(|t| t.0))
    }

    pub fn secret<'de, D: Deserializer<'de>>(d: D) -> Result<Secret, D::Error> {
        Text::deserialize(d).map(|t| Secret::new(t.0))
    }

    pub fn opt_secret<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Secret>, D::Error> {
        Option::<Text>::deserialize(d).map(|t| t.map(|t| Secret::new(t.0)))
    }
}

/// What the checkout page needs to load Stripe.js.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct StripeJs {
    /// `pk_test_…`/`pk_live_…`.
    pub publishable_key: String,
    pub js_url: String,
}

/// The configured real connectors, in the order stripe, paypal, alipay, wechatpay, klarna
/// (the sandbox is not among them).
pub struct Connectors {
    pub providers: Vec<Arc<dyn PaymentProvider>>,
    /// Set when Stripe is configured.
    pub stripe_js: Option<StripeJs>,
    /// The Klarna connector again (for the sessions its widget needs) and its JS SDK's URL.
    pub klarna: Option<(KlarnaProvider, String)>,
    /// WeChat's web authorisation, when WeChat Pay has `oauth_app_secret`.
    pub wechat_oauth: Option<WeChatOAuth>,
    /// Where the configured providers send a payer from the payment form (see
    /// [`redirect_origins`]).
    pub redirect_origins: Vec<String>,
}

impl fmt::Debug for Connectors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let names: Vec<&str> = self.providers.iter().map(|p| p.name()).collect();
        f.debug_struct("Connectors")
            .field("providers", &names)
            .field("stripe_js", &self.stripe_js)
            .field("klarna_js", &self.klarna.as_ref().map(|k| &k.1))
            .field("wechat_oauth", &self.wechat_oauth.is_some())
            .finish()
    }
}

/// The provider names of the configured connectors, in the order stripe, paypal, alipay,
/// wechatpay, klarna, then `sandbox` (always on).
pub fn enabled_names(payments: &PaymentsConfig) -> Vec<&'static str> {
    let mut names = Vec::new();
    if payments.stripe.is_some() {
        names.push(wayfare_payments::stripe::NAME);
    }
    if payments.paypal.is_some() {
        names.push(wayfare_payments::paypal::NAME);
    }
    if payments.alipay.is_some() {
        names.push(wayfare_payments::alipay::NAME);
    }
    if payments.wechatpay.is_some() {
        names.push(wayfare_payments::wechatpay::NAME);
    }
    if payments.klarna.is_some() {
        names.push(wayfare_payments::klarna::NAME);
    }
    names.push(wayfare_payments::sandbox::NAME);
    names
}

/// Checks the payment sections; called by `Config::validate`. Each configured connector is
/// built once (which reads its keys) and dropped.
pub fn validate(payments: &PaymentsConfig) -> Result<(), ConfigError> {
    payments
        .instalments
        .validate()
        .map_err(|e| bad("payments.instalments", e.to_string()))?;
    validate_methods(&payments.methods)?;
    build(payments, PLACEHOLDER_BASE_URL, Arc::new(chrono::Utc::now))?;
    Ok(())
}

/// Builds one provider per configured section, in the order stripe, paypal, alipay,
/// wechatpay, klarna, each on `clock` where the connector takes one. `public_base_url` is
/// where the site is reached (`https://travel.example`): Alipay's and WeChat Pay's
/// notifications go to `{public_base_url}/api/v1/webhooks/{alipay,wechatpay}`.
pub fn build(
    payments: &PaymentsConfig,
    public_base_url: &str,
    clock: Clock,
) -> Result<Connectors, ConfigError> {
    let mut providers: Vec<Arc<dyn PaymentProvider>> = Vec::new();
    let mut stripe_js = None;
    let mut klarna = None;
    let mut wechat_oauth = None;
    if payments.alipay.is_some() || payments.wechatpay.is_some() {
        check_url("accounts.public_base_url", public_base_url)?;
    }
    if let Some(s) = &payments.stripe {
        check_stripe(s)?;
        let provider = StripeProvider::new(stripe_config(s))
            .map_err(|e| bad("payments.stripe", e.to_string()))?;
        providers.push(Arc::new(provider));
        stripe_js = Some(StripeJs {
            publishable_key: s.publishable_key.trim().to_owned(),
            js_url: s.js_url.clone(),
        });
    }
    if let Some(s) = &payments.paypal {
        check_paypal(s)?;
        let provider =
            PayPalProvider::with_clock(paypal_config(s), clock.clone()).map_err(|e| match e {
                PayPalConfigError::InvalidApiBase(_) => bad("payments.paypal.api_base", e),
                PayPalConfigError::MissingCredentials => bad("payments.paypal.client_secret", e),
                PayPalConfigError::Http(_) => bad("payments.paypal", e),
            })?;
        providers.push(Arc::new(provider));
    }
    if let Some(s) = &payments.alipay {
        check_alipay(s)?;
        let provider = AlipayProvider::with_clock(alipay_config(s, public_base_url), clock.clone())
            .map_err(|e| bad("payments.alipay", e.to_string()))?;
        providers.push(Arc::new(provider));
    }
    if let Some(s) = &payments.wechatpay {
        check_wechatpay(s)?;
        let provider =
            WeChatPayProvider::with_clock(wechatpay_config(s, public_base_url), clock.clone())
                .map_err(|e| {
                    // The connector's messages name the part, never the key material.
                    let message = e.to_string();
                    let key = if message.contains("private key") {
                        "payments.wechatpay.merchant_private_key_pem"
                    } else if message.contains("public key") {
                        "payments.wechatpay.platform_public_key_pem"
                    } else {
                        "payments.wechatpay"
                    };
                    bad(key, message)
                })?;
        providers.push(Arc::new(provider));
        if let Some(secret) = s.oauth_app_secret.as_ref().map(Secret::expose) {
            let mut config = WeChatOAuthConfig::new(s.app_id.trim(), secret.trim());
            config.authorize_base = s.oauth_authorize_base.trim().to_owned();
            config.api_base = s.oauth_api_base.trim().to_owned();
            config.timeout = Duration::from_secs(s.timeout_secs);
            wechat_oauth = Some(
                WeChatOAuth::new(config)
                    .map_err(|e| bad("payments.wechatpay.oauth_app_secret", e))?,
            );
        }
    }
    if let Some(s) = &payments.klarna {
        check_klarna(s)?;
        let provider = KlarnaProvider::with_clock(klarna_config(s), clock).map_err(|e| {
            let key = match e {
                KlarnaConfigError::InvalidBaseUrl(_) => "payments.klarna.base_url",
                KlarnaConfigError::MissingCredentials => "payments.klarna.password",
                KlarnaConfigError::InvalidCountry(_) => "payments.klarna.purchase_country",
                KlarnaConfigError::InvalidTaxRate(_) => "payments.klarna.tax_rate",
                KlarnaConfigError::Http(_) => "payments.klarna",
            };
            bad(key, e)
        })?;
        providers.push(Arc::new(provider.clone()));
        klarna = Some((provider, s.js_url.trim().to_owned()));
    }
    Ok(Connectors {
        providers,
        stripe_js,
        klarna,
        wechat_oauth,
        redirect_origins: redirect_origins(payments),
    })
}

/// The pages the configured providers send a payer to after the payment form (the payment
/// page's `form-action` allows them): a bank's check through Stripe, PayPal's approval,
/// Alipay's cashier, WeChat Pay's H5 page and WeChat's authorisation. A provider configured
/// against another host (a test's fake) serves its pages there.
pub fn redirect_origins(payments: &PaymentsConfig) -> Vec<String> {
    let mut out: Vec<String> = Vec::new();
    let mut push = |url: &str| {
        if let Ok(u) = reqwest::Url::parse(url.trim())
            && matches!(u.scheme(), "http" | "https")
            && u.host().is_some()
        {
            let origin = u.origin().ascii_serialization();
            if !out.contains(&origin) {
                out.push(origin);
            }
        }
    };
    if let Some(s) = &payments.stripe {
        match s.api_base.trim_end_matches('/') {
            wayfare_payments::stripe::DEFAULT_API_BASE => push("https://hooks.stripe.com"),
            other => push(other),
        }
    }
    if let Some(s) = &payments.paypal {
        match s.api_base.trim_end_matches('/') {
            wayfare_payments::paypal::LIVE_API_BASE => push("https://www.paypal.com"),
            wayfare_payments::paypal::SANDBOX_API_BASE => push("https://www.sandbox.paypal.com"),
            other => push(other),
        }
    }
    if let Some(s) = &payments.alipay {
        push(&s.gateway);
    }
    if let Some(s) = &payments.wechatpay {
        match s.api_base.trim_end_matches('/') {
            wayfare_payments::wechatpay::DEFAULT_API_BASE => push("https://wx.tenpay.com"),
            other => push(other),
        }
        if s.oauth_app_secret.is_some() {
            push(&s.oauth_authorize_base);
        }
    }
    out
}

fn bad(key: &'static str, problem: impl fmt::Display) -> ConfigError {
    ConfigError::BadValue {
        key,
        problem: problem.to_string(),
    }
}

fn required(key: &'static str, value: &str) -> Result<(), ConfigError> {
    if value.trim().is_empty() {
        Err(bad(key, "must be set"))
    } else {
        Ok(())
    }
}

fn check_url(key: &'static str, value: &str) -> Result<(), ConfigError> {
    let ok = reqwest::Url::parse(value.trim())
        .ok()
        .is_some_and(|u| matches!(u.scheme(), "http" | "https") && u.host().is_some());
    if ok {
        Ok(())
    } else {
        Err(bad(key, format!("`{value}` is not an http(s) URL")))
    }
}

pub(crate) fn check_timeout(key: &'static str, secs: u64) -> Result<(), ConfigError> {
    if (1..=MAX_TIMEOUT_SECS).contains(&secs) {
        Ok(())
    } else {
        Err(bad(key, format!("must be from 1 to {MAX_TIMEOUT_SECS}")))
    }
}

fn check_tolerance(key: &'static str, secs: u64) -> Result<(), ConfigError> {
    if (1..=86_400).contains(&secs) {
        Ok(())
    } else {
        Err(bad(key, "must be from 1 to 86400"))
    }
}

/// An optional value given as blank counts as not given.
fn given(value: Option<&str>) -> Option<&str> {
    value.map(str::trim).filter(|v| !v.is_empty())
}

/// `test` or `live` from a Stripe key's prefix (`sk_test_`, `pk_live_` …), for one of
/// `kinds`; nothing else of the key is looked at.
fn stripe_mode(key: &str, kinds: &[&str]) -> Option<&'static str> {
    kinds.iter().find_map(|kind| {
        let rest = key.strip_prefix(kind)?;
        if rest.starts_with("test_") && rest.len() > 5 {
            Some("test")
        } else if rest.starts_with("live_") && rest.len() > 5 {
            Some("live")
        } else {
            None
        }
    })
}

fn check_stripe(s: &StripeSection) -> Result<(), ConfigError> {
    let secret = s.secret_key.expose().trim();
    required("payments.stripe.secret_key", secret)?;
    let secret_mode = stripe_mode(secret, &["sk_", "rk_"]).ok_or_else(|| {
        bad(
            "payments.stripe.secret_key",
            "must be a Stripe secret key (sk_test_…, sk_live_…, or restricted rk_test_…, rk_live_…)",
        )
    })?;
    required("payments.stripe.publishable_key", &s.publishable_key)?;
    let publishable_mode = stripe_mode(s.publishable_key.trim(), &["pk_"]).ok_or_else(|| {
        bad(
            "payments.stripe.publishable_key",
            "must be a Stripe publishable key (pk_test_… or pk_live_…)",
        )
    })?;
    if secret_mode != publishable_mode {
        return Err(bad(
            "payments.stripe.publishable_key",
            format!("is a {publishable_mode} key but secret_key is a {secret_mode} key"),
        ));
    }
    if let Some(w) = given(s.webhook_secret.as_ref().map(Secret::expose))
        && !w.starts_with("whsec_")
    {
        return Err(bad(
            "payments.stripe.webhook_secret",
            "must be a webhook signing secret (whsec_…)",
        ));
    }
    check_url("payments.stripe.api_base", &s.api_base)?;
    required("payments.stripe.api_version", &s.api_version)?;
    check_url("payments.stripe.js_url", &s.js_url)?;
    check_timeout("payments.stripe.timeout_secs", s.timeout_secs)?;
    check_tolerance(
        "payments.stripe.webhook_tolerance_secs",
        s.webhook_tolerance_secs,
    )
}

fn stripe_config(s: &StripeSection) -> StripeConfig {
    StripeConfig {
        secret_key: s.secret_key.expose().trim().to_owned(),
        webhook_secret: given(s.webhook_secret.as_ref().map(Secret::expose)).map(str::to_owned),
        api_base: s.api_base.trim().to_owned(),
        api_version: s.api_version.trim().to_owned(),
        timeout: Duration::from_secs(s.timeout_secs),
        webhook_tolerance: Duration::from_secs(s.webhook_tolerance_secs),
    }
}

fn check_paypal(s: &PayPalSection) -> Result<(), ConfigError> {
    required("payments.paypal.client_id", &s.client_id)?;
    required("payments.paypal.client_secret", s.client_secret.expose())?;
    check_url("payments.paypal.api_base", &s.api_base)?;
    check_timeout("payments.paypal.timeout_secs", s.timeout_secs)?;
    check_tolerance(
        "payments.paypal.webhook_tolerance_secs",
        s.webhook_tolerance_secs,
    )
}

fn paypal_config(s: &PayPalSection) -> PayPalConfig {
    PayPalConfig {
        client_id: s.client_id.trim().to_owned(),
        client_secret: s.client_secret.expose().trim().to_owned(),
        webhook_id: given(s.webhook_id.as_deref()).map(str::to_owned),
        api_base: s.api_base.trim().to_owned(),
        timeout: Duration::from_secs(s.timeout_secs),
        brand_name: given(s.brand_name.as_deref()).map(str::to_owned),
        webhook_tolerance: Duration::from_secs(s.webhook_tolerance_secs),
    }
}

fn check_alipay(s: &AlipaySection) -> Result<(), ConfigError> {
    use wayfare_payments::alipay::sign;
    required("payments.alipay.app_id", &s.app_id)?;
    required(
        "payments.alipay.private_key_pem",
        s.private_key_pem.expose(),
    )?;
    // The parsers' messages are fixed texts: no key material.
    sign::parse_private_key(s.private_key_pem.expose())
        .map_err(|e| bad("payments.alipay.private_key_pem", e))?;
    required(
        "payments.alipay.alipay_public_key_pem",
        &s.alipay_public_key_pem,
    )?;
    sign::parse_public_key(&s.alipay_public_key_pem)
        .map_err(|e| bad("payments.alipay.alipay_public_key_pem", e))?;
    check_url("payments.alipay.gateway", &s.gateway)?;
    if s.sign_type != "RSA2" {
        return Err(bad(
            "payments.alipay.sign_type",
            format!("`{}` is not supported, only RSA2", s.sign_type),
        ));
    }
    check_timeout("payments.alipay.timeout_secs", s.timeout_secs)
}

/// `{public_base_url}/api/v1/webhooks/{provider}`.
fn notify_url(public_base_url: &str, provider: &str) -> String {
    format!(
        "{}{WEBHOOK_PATH}/{provider}",
        public_base_url.trim().trim_end_matches('/')
    )
}

fn alipay_config(s: &AlipaySection, public_base_url: &str) -> AlipayConfig {
    AlipayConfig {
        app_id: s.app_id.trim().to_owned(),
        private_key_pem: s.private_key_pem.expose().to_owned(),
        alipay_public_key_pem: s.alipay_public_key_pem.clone(),
        gateway: s.gateway.trim().to_owned(),
        notify_url: Some(notify_url(public_base_url, wayfare_payments::alipay::NAME)),
        timeout: Duration::from_secs(s.timeout_secs),
        sign_type: s.sign_type.clone(),
    }
}

fn check_wechatpay(s: &WeChatPaySection) -> Result<(), ConfigError> {
    required("payments.wechatpay.mch_id", &s.mch_id)?;
    required("payments.wechatpay.app_id", &s.app_id)?;
    required(
        "payments.wechatpay.merchant_serial_no",
        &s.merchant_serial_no,
    )?;
    required(
        "payments.wechatpay.merchant_private_key_pem",
        s.merchant_private_key_pem.expose(),
    )?;
    required(
        "payments.wechatpay.platform_serial_no",
        &s.platform_serial_no,
    )?;
    required(
        "payments.wechatpay.platform_public_key_pem",
        &s.platform_public_key_pem,
    )?;
    if s.api_v3_key.expose().len() != 32 {
        return Err(bad(
            "payments.wechatpay.api_v3_key",
            "must be exactly 32 bytes",
        ));
    }
    check_url("payments.wechatpay.api_base", &s.api_base)?;
    if let Some(secret) = &s.oauth_app_secret {
        required("payments.wechatpay.oauth_app_secret", secret.expose())?;
        check_url(
            "payments.wechatpay.oauth_authorize_base",
            &s.oauth_authorize_base,
        )?;
        check_url("payments.wechatpay.oauth_api_base", &s.oauth_api_base)?;
    }
    check_timeout("payments.wechatpay.timeout_secs", s.timeout_secs)?;
    check_tolerance(
        "payments.wechatpay.timestamp_tolerance_secs",
        s.timestamp_tolerance_secs,
    )
}

fn wechatpay_config(s: &WeChatPaySection, public_base_url: &str) -> WeChatPayConfig {
    WeChatPayConfig {
        mch_id: s.mch_id.trim().to_owned(),
        app_id: s.app_id.trim().to_owned(),
        merchant_serial_no: s.merchant_serial_no.trim().to_owned(),
        merchant_private_key_pem: s.merchant_private_key_pem.expose().trim().to_owned(),
        platform_serial_no: s.platform_serial_no.trim().to_owned(),
        platform_public_key_pem: s.platform_public_key_pem.trim().to_owned(),
        api_v3_key: s.api_v3_key.expose().to_owned(),
        api_base: s.api_base.trim().to_owned(),
        notify_url: notify_url(public_base_url, wayfare_payments::wechatpay::NAME),
        timeout: Duration::from_secs(s.timeout_secs),
        timestamp_tolerance: Duration::from_secs(s.timestamp_tolerance_secs),
    }
}

fn is_country(c: &str) -> bool {
    c.len() == 2 && c.bytes().all(|b| b.is_ascii_alphabetic())
}

fn check_klarna(s: &KlarnaSection) -> Result<(), ConfigError> {
    required("payments.klarna.username", &s.username)?;
    required("payments.klarna.password", s.password.expose())?;
    check_url("payments.klarna.base_url", &s.base_url)?;
    check_url("payments.klarna.js_url", &s.js_url)?;
    if !(is_country(&s.purchase_country)
        && s.purchase_country.bytes().all(|b| b.is_ascii_uppercase()))
    {
        return Err(bad(
            "payments.klarna.purchase_country",
            format!(
                "`{}` is not an ISO 3166 alpha-2 code in capitals (`GB`)",
                s.purchase_country
            ),
        ));
    }
    let locale_ok = !s.locale.is_empty()
        && s.locale.len() <= 16
        && s.locale
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-');
    if !locale_ok {
        return Err(bad(
            "payments.klarna.locale",
            format!("`{}` is not a language tag (`en-GB`)", s.locale),
        ));
    }
    if s.tax_rate > 10_000 {
        return Err(bad(
            "payments.klarna.tax_rate",
            "must be from 0 to 10000 (two implied decimals: 2500 = 25%)",
        ));
    }
    check_timeout("payments.klarna.timeout_secs", s.timeout_secs)
}

fn klarna_config(s: &KlarnaSection) -> KlarnaConfig {
    KlarnaConfig {
        username: s.username.trim().to_owned(),
        password: s.password.expose().to_owned(),
        base_url: s.base_url.trim().to_owned(),
        purchase_country: s.purchase_country.clone(),
        locale: s.locale.clone(),
        tax_rate: s.tax_rate,
        timeout: Duration::from_secs(s.timeout_secs),
    }
}

fn validate_methods(
    rules: &[wayfare_domain::payment::methods::MethodRule],
) -> Result<(), ConfigError> {
    for rule in rules {
        if !PROVIDER_NAMES.contains(&rule.provider.as_str()) {
            return Err(bad(
                "payments.methods.provider",
                format!(
                    "`{}` is not one of {}",
                    rule.provider,
                    PROVIDER_NAMES.join(", ")
                ),
            ));
        }
        for code in &rule.currencies {
            Currency::parse(code).map_err(|e| bad("payments.methods.currencies", e))?;
        }
        if let Some(c) = rule.countries.iter().find(|c| !is_country(c)) {
            return Err(bad(
                "payments.methods.countries",
                format!("`{c}` is not an ISO 3166 alpha-2 code (two letters)"),
            ));
        }
        if rule.min_amount_minor.is_some_and(|m| m < 0) {
            return Err(bad(
                "payments.methods.min_amount_minor",
                format!("the {} rule's minimum is negative", rule.kind),
            ));
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::config::{Config, Overrides};
    use figment::Jail;

    const STRIPE_SECRET: &str = "sk_test_51TopSecretStripeKey";
    const STRIPE_WEBHOOK_SECRET: &str = "whsec_TopSecretStripeWebhook";
    const PAYPAL_SECRET: &str = "TopSecretPayPalClientSecret";
    const WECHATPAY_V3_KEY: &str = "TopSecretV3Key0123456789abcdefgh";
    const KLARNA_PASSWORD: &str = "TopSecretKlarnaPassword";

    /// Generated for these tests with
    /// `openssl genpkey -algorithm RSA -pkeyopt rsa_keygen_bits:2048`; protects nothing.
    const TEST_PRIVATE_KEY_PEM: &str = "-----BEGIN PRIVATE KEY-----
MIIEvQIBADANBgkqhkiG9w0BAQEFAASCBKcwggSjAgEAAoIBAQDO/f0HiSTKHP8W
6ACNNl31M1JbKyxnH9VaD5gMisuUnepL5L4BO6lNFB02mTE1nipDLhIzTXkcQ0j/
/hbqsAnvT+ReS0razMB0QfPOpNg3ObwZkXmgMqiVCK1v8+nIIPjXey5+y7ki7SYR
juqWasWXV0Ac6qbXOsAe1QRs3Fmq0TGinHy/h/SzMN1YO9NvFJkiegDnrZ1tPEU1
YrUcWEgbspedTw51j8C2HvK6Y2+Mm+wpYs+/zE+NoGkTMSXm/FQMT0FpN++OlF45
lW3yjwr9eEs9jJ9M/xkIXafo4EZMdZM6QnJlp60P1bcWTYB4oDho5Gxa2hk8RQKj
b4r7tFEJAgMBAAECggEAC57cN/JV16fxlThgoYziEPw43SfrFf4GRQhXlaqsG7OS
3gBhP2H5Uvu0WSaYCeXPgxaAzJMGn9TSMhbyc+n+oMoILNgGw4pXqp8yQBFmlxEd
c4UEgj8d0kIatIyJvSPGvJgsh89JnUGZj8ZJerjTT3gFQCpXRAGHHCQC29ayDQIY
Lm6Ck/x2AK/zBwQHPPIB/0u6C7UMCFFrzx5e4KhrNSUpzUX+Fl+E3MdHmQM5sYcC
HlojVm7I5YGd9eWWLb1ZW7hrZPVitwzRLhhxbf+7WpS7CWHbSY2G4/Pv5WagQUUN
Jbw4GSwWa1Og2LjxHHD0tnaKmcRxCtgTSabAIE9EZQKBgQDtmCfNFfjewrpi8x9Y
XL46Mg+tXNdOm3wONQS3IfKDUOLq0GxXYz4kWih/hNXtyYTkB0CYPu40/DFqG5/a
SHQTj2QGuLWRjgg9+Z5Qy+qGmTfJxZn5ITq1iLWkwDQavS8FZVy5CHeS9/R+TTYm
EhmH43WSjhD9RL+5gRwAlcX4RQKBgQDfBvI07K7VAuwNZrmgJFLuQGYO6CdwLLY0
NypzkLh5IziI605dOBfPBvG1uWIcGzunuTCoonLTALmR6vP4mxGYRmJS5Or3vgb4
Q+NRGJOMzmycY06+N4n7D7cNT7R9z01YAmlcy9LXfo7qK9Jb/dbaB+3LQPZ8/iy4
Jk6dr1PL9QKBgQCPDmJIlcY3OkBHe+OPrKfNGn9d/tyUtAHJ/BpOud3vOzCl+cCC
DXtJIA/qV+0HM6MUOVmnUZzTwlVuchuZrq5VaKztbyHD9iT4S+gK9fzL9k0k7Bl9
a4iR7TKRdDjrMKWzNgjSUErO7wUDVzIXUiaVL1uHVorcNBzMcPSPVZ7RkQKBgE6l
/W3KdVDqyeFj81vU02XvUc458gZtzgcV2SONym/1iq9GA4l+CW9ZbI2ABWgR9nSM
Kuuc9c8Q91/MsiJeVNMVJwFCdtXMrlqIXjYv64CBHu37Wz5bCY5+mTfZfrXLD+RU
XWF7Ayw5Fh7gOztzhXu3xhSiIQos/AoogBq9RFitAoGAEDl8AQcMgst0beU56xpo
wHpaxzzuaUuut2MRZUEX/EhekYSQjfJPlMKMu046G76muyRJFJmpBa9rQwhciu3L
rL6BxSXCAPVxXtDg+mkhMU0BM35L+K/0+I1UO7eYuqOLUq5MgIjt7gMhgLI3esaR
adYktNFbaVpCjv+EfL+m3Jw=
-----END PRIVATE KEY-----
";

    const TEST_PUBLIC_KEY_PEM: &str = "-----BEGIN PUBLIC KEY-----
MIIBIjANBgkqhkiG9w0BAQEFAAOCAQ8AMIIBCgKCAQEAzv39B4kkyhz/FugAjTZd
9TNSWyssZx/VWg+YDIrLlJ3qS+S+ATupTRQdNpkxNZ4qQy4SM015HENI//4W6rAJ
70/kXktK2szAdEHzzqTYNzm8GZF5oDKolQitb/PpyCD413sufsu5Iu0mEY7qlmrF
l1dAHOqm1zrAHtUEbNxZqtExopx8v4f0szDdWDvTbxSZInoA562dbTxFNWK1HFhI
G7KXnU8OdY/Ath7yumNvjJvsKWLPv8xPjaBpEzEl5vxUDE9BaTfvjpReOZVt8o8K
/XhLPYyfTP8ZCF2n6OBGTHWTOkJyZaetD9W3Fk2AeKA4aORsWtoZPEUCo2+K+7RR
CQIDAQAB
-----END PUBLIC KEY-----
";

    /// A line of the private key's body, which must never be printed.
    fn private_key_body() -> &'static str {
        TEST_PRIVATE_KEY_PEM
            .lines()
            .nth(3)
            .expect("a PEM body line")
    }

    fn secrets() -> Vec<&'static str> {
        vec![
            STRIPE_SECRET,
            STRIPE_WEBHOOK_SECRET,
            PAYPAL_SECRET,
            WECHATPAY_V3_KEY,
            KLARNA_PASSWORD,
            private_key_body(),
        ]
    }

    fn clock() -> Clock {
        Arc::new(chrono::Utc::now)
    }

    fn load() -> Result<Config, ConfigError> {
        Config::load(None, &Overrides::default())
    }

    /// Every section in the file, every secret in the environment.
    fn full_toml() -> String {
        format!(
            r#"
[accounts]
public_base_url = "https://travel.example"

[payments.stripe]
publishable_key = "pk_test_51Publishable"
timeout_secs = 20

[payments.paypal]
client_id = "paypal-client-id"
webhook_id = "WH-7YX49823S2290830K"
api_base = "https://api-m.sandbox.paypal.com"
brand_name = "Wayfare"

[payments.alipay]
app_id = "2021000000000001"
alipay_public_key_pem = '''{public}'''
gateway = "https://openapi-sandbox.dl.alipaydev.com/gateway.do"

[payments.wechatpay]
mch_id = "1900000109"
app_id = "wxd678efh567hg6787"
merchant_serial_no = "5157F09EFDC096DE15EBE81A47057A7232F1B8E1"
platform_serial_no = "PUB_KEY_ID_0114232134912410000000000000"
platform_public_key_pem = '''{public}'''

[payments.klarna]
username = "PK12345_0a1b2c3d4e5f"
purchase_country = "SE"
locale = "sv-SE"
tax_rate = 2500
"#,
            public = TEST_PUBLIC_KEY_PEM
        )
    }

    fn set_secrets(jail: &mut Jail) {
        jail.set_env("WAYFARE_PAYMENTS__STRIPE__SECRET_KEY", STRIPE_SECRET);
        jail.set_env(
            "WAYFARE_PAYMENTS__STRIPE__WEBHOOK_SECRET",
            STRIPE_WEBHOOK_SECRET,
        );
        jail.set_env("WAYFARE_PAYMENTS__PAYPAL__CLIENT_SECRET", PAYPAL_SECRET);
        jail.set_env(
            "WAYFARE_PAYMENTS__ALIPAY__PRIVATE_KEY_PEM",
            TEST_PRIVATE_KEY_PEM,
        );
        jail.set_env(
            "WAYFARE_PAYMENTS__WECHATPAY__MERCHANT_PRIVATE_KEY_PEM",
            TEST_PRIVATE_KEY_PEM,
        );
        jail.set_env("WAYFARE_PAYMENTS__WECHATPAY__API_V3_KEY", WECHATPAY_V3_KEY);
        jail.set_env("WAYFARE_PAYMENTS__KLARNA__PASSWORD", KLARNA_PASSWORD);
    }

    fn names(c: &Connectors) -> Vec<&'static str> {
        c.providers.iter().map(|p| p.name()).collect()
    }

    #[test]
    fn every_section_loads_from_file_and_env_and_builds_five_providers() {
        Jail::expect_with(|jail| {
            jail.create_file("wayfare.toml", &full_toml())?;
            set_secrets(jail);
            let c = load().map_err(|e| e.to_string())?;
            let p = &c.payments;
            let stripe = p.stripe.as_ref().expect("stripe");
            assert_eq!(stripe.secret_key.expose(), STRIPE_SECRET);
            assert_eq!(
                stripe.webhook_secret.as_ref().map(Secret::expose),
                Some(STRIPE_WEBHOOK_SECRET)
            );
            assert_eq!(stripe.timeout_secs, 20);
            let alipay = p.alipay.as_ref().expect("alipay");
            assert_eq!(alipay.private_key_pem.expose(), TEST_PRIVATE_KEY_PEM.trim());
            let wechatpay = p.wechatpay.as_ref().expect("wechatpay");
            assert_eq!(wechatpay.mch_id, "1900000109");
            assert_eq!(wechatpay.api_v3_key.expose(), WECHATPAY_V3_KEY);
            let klarna = p.klarna.as_ref().expect("klarna");
            assert_eq!(klarna.tax_rate, 2500);
            assert_eq!(klarna.purchase_country, "SE");

            let base = c.accounts.public_base_url.as_deref().expect("base url");
            let built = build(p, base, clock()).map_err(|e| e.to_string())?;
            assert_eq!(
                names(&built),
                ["stripe", "paypal", "alipay", "wechatpay", "klarna"]
            );
            assert_eq!(
                built.stripe_js,
                Some(StripeJs {
                    publishable_key: "pk_test_51Publishable".into(),
                    js_url: "https://js.stripe.com/v3/".into(),
                })
            );
            assert_eq!(
                enabled_names(p),
                [
                    "stripe",
                    "paypal",
                    "alipay",
                    "wechatpay",
                    "klarna",
                    "sandbox"
                ]
            );
            Ok(())
        });
    }

    #[test]
    fn defaults_follow_the_connectors() {
        Jail::expect_with(|jail| {
            jail.create_file(
                "wayfare.toml",
                &format!(
                    r#"
[payments.stripe]
secret_key = "sk_live_abc"
publishable_key = "pk_live_abc"
[payments.paypal]
client_id = "id"
client_secret = "secret"
[payments.alipay]
app_id = "2021000000000001"
private_key_pem = '''{private}'''
alipay_public_key_pem = '''{public}'''
[payments.wechatpay]
mch_id = "1900000109"
app_id = "wx1"
merchant_serial_no = "ABC"
merchant_private_key_pem = '''{private}'''
platform_serial_no = "PUB_KEY_ID_1"
platform_public_key_pem = '''{public}'''
api_v3_key = "{v3}"
[payments.klarna]
username = "u"
password = "p"
"#,
                    private = TEST_PRIVATE_KEY_PEM,
                    public = TEST_PUBLIC_KEY_PEM,
                    v3 = WECHATPAY_V3_KEY,
                ),
            )?;
            let c = load().map_err(|e| e.to_string())?;
            let p = &c.payments;
            let stripe = p.stripe.as_ref().expect("stripe");
            assert_eq!(stripe.api_base, wayfare_payments::stripe::DEFAULT_API_BASE);
            assert_eq!(stripe.api_version, wayfare_payments::stripe::API_VERSION);
            assert_eq!(stripe.js_url, "https://js.stripe.com/v3/");
            assert!(stripe.webhook_secret.is_none());
            assert_eq!(
                (stripe.timeout_secs, stripe.webhook_tolerance_secs),
                (30, 300)
            );
            let paypal = p.paypal.as_ref().expect("paypal");
            assert_eq!(paypal.api_base, wayfare_payments::paypal::LIVE_API_BASE);
            assert_eq!(paypal.webhook_tolerance_secs, 900);
            assert!(paypal.webhook_id.is_none() && paypal.brand_name.is_none());
            let alipay = p.alipay.as_ref().expect("alipay");
            assert_eq!(alipay.gateway, wayfare_payments::alipay::GATEWAY);
            assert_eq!(alipay.sign_type, "RSA2");
            let wechatpay = p.wechatpay.as_ref().expect("wechatpay");
            assert_eq!(
                wechatpay.api_base,
                wayfare_payments::wechatpay::DEFAULT_API_BASE
            );
            assert_eq!(wechatpay.timestamp_tolerance_secs, 300);
            let klarna = p.klarna.as_ref().expect("klarna");
            assert_eq!(klarna.base_url, "https://api.playground.klarna.com");
            assert_eq!(
                (klarna.purchase_country.as_str(), klarna.locale.as_str()),
                ("GB", "en-GB")
            );
            assert_eq!((klarna.tax_rate, klarna.timeout_secs), (0, 30));
            let built = build(p, "http://127.0.0.1:8080", clock()).map_err(|e| e.to_string())?;
            assert_eq!(built.providers.len(), 5);
            Ok(())
        });
    }

    #[test]
    fn secrets_never_print() {
        Jail::expect_with(|jail| {
            jail.create_file("wayfare.toml", &full_toml())?;
            set_secrets(jail);
            let c = load().map_err(|e| e.to_string())?;
            let built =
                build(&c.payments, "https://travel.example", clock()).map_err(|e| e.to_string())?;
            let shown = [
                format!("{c:?}"),
                format!("{:?}", c.payments),
                format!("{built:?}"),
                c.to_redacted_toml(),
                toml::to_string(&c).map_err(|e| e.to_string())?,
                serde_json::to_string(&c).map_err(|e| e.to_string())?,
            ];
            for text in &shown {
                for secret in secrets() {
                    assert!(!text.contains(secret), "`{secret}` printed in {text}");
                }
                assert!(!text.contains("PRIVATE KEY"), "{text}");
            }
            assert!(shown[0].contains("Secret(***)"));
            assert!(shown[2].contains("stripe") && shown[2].contains("klarna"));
            Ok(())
        });
    }

    #[test]
    fn nothing_configured_builds_nothing() {
        Jail::expect_with(|_| {
            let c = load().map_err(|e| e.to_string())?;
            let built = build(&c.payments, "not even a URL", clock()).map_err(|e| e.to_string())?;
            assert!(built.providers.is_empty());
            assert!(built.stripe_js.is_none());
            assert_eq!(enabled_names(&c.payments), ["sandbox"]);
            validate(&PaymentsConfig::default()).map_err(|e| e.to_string())?;
            Ok(())
        });
    }

    #[test]
    fn numeric_ids_and_keys_from_the_environment_stay_text() {
        Jail::expect_with(|jail| {
            jail.create_file("wayfare.toml", &full_toml())?;
            set_secrets(jail);
            jail.set_env("WAYFARE_PAYMENTS__WECHATPAY__MCH_ID", "1900000110");
            jail.set_env("WAYFARE_PAYMENTS__ALIPAY__APP_ID", "2021000000000002");
            jail.set_env(
                "WAYFARE_PAYMENTS__WECHATPAY__API_V3_KEY",
                "12345678901234567890123456789012",
            );
            let c = load().map_err(|e| e.to_string())?;
            let wechatpay = c.payments.wechatpay.as_ref().expect("wechatpay");
            assert_eq!(wechatpay.mch_id, "1900000110");
            assert_eq!(
                wechatpay.api_v3_key.expose(),
                "12345678901234567890123456789012"
            );
            let alipay = c.payments.alipay.as_ref().expect("alipay");
            assert_eq!(alipay.app_id, "2021000000000002");
            Ok(())
        });
    }

    #[test]
    fn bad_sections_fail_to_load_naming_the_key() {
        Jail::expect_with(|jail| {
            let cases = [
                (
                    "[payments.stripe]\nsecret_key = \"sk_live_abc\"\npublishable_key = \"pk_test_abc\"\n",
                    "payments.stripe.publishable_key",
                ),
                (
                    "[payments.klarna]\nusername = \"u\"\npassword = \"p\"\nregion = \"eu\"\n",
                    "region",
                ),
                ("[payments.paypal]\nclient_id = \"id\"\n", "client_secret"),
                (
                    "[payments.alipay]\napp_id = \"1\"\nprivate_key_pem = \"TopSecretNotAKey\"\nalipay_public_key_pem = \"x\"\n",
                    "payments.alipay.private_key_pem",
                ),
                (
                    "[[payments.methods]]\nkind = \"card\"\nprovider = \"adyen\"\n",
                    "payments.methods.provider",
                ),
            ];
            for (toml, key) in cases {
                jail.create_file("wayfare.toml", toml)?;
                let e = load().expect_err(toml).to_string();
                assert!(e.contains(key), "{toml}: {e}");
                assert!(!e.contains("TopSecret"), "{e}");
                assert!(!e.contains('\n'), "{e}");
            }
            Ok(())
        });
    }

    fn stripe() -> StripeSection {
        StripeSection {
            secret_key: Secret::new(STRIPE_SECRET),
            publishable_key: "pk_test_abc".into(),
            webhook_secret: Some(Secret::new(STRIPE_WEBHOOK_SECRET)),
            api_base: default_stripe_api_base(),
            api_version: default_stripe_api_version(),
            js_url: default_stripe_js_url(),
            timeout_secs: 30,
            webhook_tolerance_secs: 300,
        }
    }

    fn paypal() -> PayPalSection {
        PayPalSection {
            client_id: "id".into(),
            client_secret: Secret::new(PAYPAL_SECRET),
            webhook_id: None,
            api_base: default_paypal_api_base(),
            brand_name: None,
            timeout_secs: 30,
            webhook_tolerance_secs: 900,
        }
    }

    fn alipay() -> AlipaySection {
        AlipaySection {
            app_id: "2021000000000001".into(),
            private_key_pem: Secret::new(TEST_PRIVATE_KEY_PEM),
            alipay_public_key_pem: TEST_PUBLIC_KEY_PEM.into(),
            gateway: default_alipay_gateway(),
            sign_type: "RSA2".into(),
            timeout_secs: 30,
        }
    }

    fn wechatpay() -> WeChatPaySection {
        WeChatPaySection {
            mch_id: "1900000109".into(),
            app_id: "wx1".into(),
            merchant_serial_no: "ABC".into(),
            merchant_private_key_pem: Secret::new(TEST_PRIVATE_KEY_PEM),
            platform_serial_no: "PUB_KEY_ID_1".into(),
            platform_public_key_pem: TEST_PUBLIC_KEY_PEM.into(),
            api_v3_key: Secret::new(WECHATPAY_V3_KEY),
            api_base: default_wechatpay_api_base(),
            timeout_secs: 30,
            timestamp_tolerance_secs: 300,
            oauth_app_secret: None,
            oauth_authorize_base: default_wechat_oauth_authorize_base(),
            oauth_api_base: default_wechat_oauth_api_base(),
        }
    }

    fn klarna() -> KlarnaSection {
        KlarnaSection {
            username: "u".into(),
            password: Secret::new(KLARNA_PASSWORD),
            base_url: default_klarna_base_url(),
            purchase_country: "GB".into(),
            locale: "en-GB".into(),
            tax_rate: 0,
            timeout_secs: 30,
            js_url: default_klarna_js_url(),
        }
    }

    fn all_sections() -> PaymentsConfig {
        PaymentsConfig {
            stripe: Some(stripe()),
            paypal: Some(paypal()),
            alipay: Some(alipay()),
            wechatpay: Some(wechatpay()),
            klarna: Some(klarna()),
            ..PaymentsConfig::default()
        }
    }

    fn rule(provider: &str, currencies: &[&str], countries: &[&str]) -> MethodRule {
        serde_json::from_value(serde_json::json!({
            "kind": "card",
            "provider": provider,
            "currencies": currencies,
            "countries": countries,
        }))
        .expect("a method rule")
    }

    use wayfare_domain::payment::methods::MethodRule;

    #[test]
    fn each_bad_value_names_its_key() {
        validate(&all_sections()).expect("the sections are valid");
        type Change = fn(&mut PaymentsConfig);
        fn s(p: &mut PaymentsConfig) -> &mut StripeSection {
            p.stripe.as_mut().expect("stripe")
        }
        fn pp(p: &mut PaymentsConfig) -> &mut PayPalSection {
            p.paypal.as_mut().expect("paypal")
        }
        fn a(p: &mut PaymentsConfig) -> &mut AlipaySection {
            p.alipay.as_mut().expect("alipay")
        }
        fn w(p: &mut PaymentsConfig) -> &mut WeChatPaySection {
            p.wechatpay.as_mut().expect("wechatpay")
        }
        fn k(p: &mut PaymentsConfig) -> &mut KlarnaSection {
            p.klarna.as_mut().expect("klarna")
        }
        let cases: Vec<(Change, &str)> = vec![
            (
                |p| s(p).secret_key = Secret::new(" "),
                "payments.stripe.secret_key",
            ),
            (
                |p| s(p).secret_key = Secret::new("pk_test_TopSecret"),
                "payments.stripe.secret_key",
            ),
            (
                |p| s(p).secret_key = Secret::new("sk_TopSecret"),
                "payments.stripe.secret_key",
            ),
            (
                |p| s(p).publishable_key = String::new(),
                "payments.stripe.publishable_key",
            ),
            (
                |p| s(p).publishable_key = "sk_test_abc".into(),
                "payments.stripe.publishable_key",
            ),
            (
                |p| s(p).publishable_key = "pk_live_abc".into(),
                "payments.stripe.publishable_key",
            ),
            (
                |p| s(p).webhook_secret = Some(Secret::new("TopSecret")),
                "payments.stripe.webhook_secret",
            ),
            (
                |p| s(p).api_base = "ftp://api.stripe.com".into(),
                "payments.stripe.api_base",
            ),
            (
                |p| s(p).js_url = "js.stripe.com/v3/".into(),
                "payments.stripe.js_url",
            ),
            (|p| s(p).timeout_secs = 0, "payments.stripe.timeout_secs"),
            (
                |p| s(p).webhook_tolerance_secs = 0,
                "payments.stripe.webhook_tolerance_secs",
            ),
            (
                |p| pp(p).client_id = String::new(),
                "payments.paypal.client_id",
            ),
            (
                |p| pp(p).client_secret = Secret::new(""),
                "payments.paypal.client_secret",
            ),
            (
                |p| pp(p).api_base = "api-m.paypal.com".into(),
                "payments.paypal.api_base",
            ),
            (|p| pp(p).timeout_secs = 601, "payments.paypal.timeout_secs"),
            (|p| a(p).app_id = String::new(), "payments.alipay.app_id"),
            (
                |p| a(p).private_key_pem = Secret::new("TopSecret not a key"),
                "payments.alipay.private_key_pem",
            ),
            (
                |p| a(p).private_key_pem = Secret::new(TEST_PUBLIC_KEY_PEM),
                "payments.alipay.private_key_pem",
            ),
            (
                |p| {
                    a(p).alipay_public_key_pem =
                        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into()
                },
                "payments.alipay.alipay_public_key_pem",
            ),
            (
                |p| a(p).gateway = "openapi.alipay.com".into(),
                "payments.alipay.gateway",
            ),
            (
                |p| a(p).sign_type = "RSA".into(),
                "payments.alipay.sign_type",
            ),
            (|p| w(p).mch_id = String::new(), "payments.wechatpay.mch_id"),
            (|p| w(p).app_id = String::new(), "payments.wechatpay.app_id"),
            (
                |p| w(p).merchant_serial_no = String::new(),
                "payments.wechatpay.merchant_serial_no",
            ),
            (
                |p| w(p).merchant_private_key_pem = Secret::new(TEST_PUBLIC_KEY_PEM),
                "payments.wechatpay.merchant_private_key_pem",
            ),
            (
                |p| w(p).platform_serial_no = String::new(),
                "payments.wechatpay.platform_serial_no",
            ),
            (
                |p| {
                    w(p).platform_public_key_pem =
                        "-----BEGIN PUBLIC KEY-----\nAAAA\n-----END PUBLIC KEY-----\n".into()
                },
                "payments.wechatpay.platform_public_key_pem",
            ),
            (
                |p| w(p).api_v3_key = Secret::new("TopSecretShort"),
                "payments.wechatpay.api_v3_key",
            ),
            (
                |p| w(p).oauth_app_secret = Some(Secret::new(" ")),
                "payments.wechatpay.oauth_app_secret",
            ),
            (
                |p| {
                    w(p).oauth_app_secret = Some(Secret::new("TopSecret"));
                    w(p).oauth_api_base = "ftp://weixin".into();
                },
                "payments.wechatpay.oauth_api_base",
            ),
            (
                |p| k(p).js_url = "klarna.js".into(),
                "payments.klarna.js_url",
            ),
            (
                |p| w(p).api_base = "https//api.mch.weixin.qq.com".into(),
                "payments.wechatpay.api_base",
            ),
            (
                |p| k(p).username = String::new(),
                "payments.klarna.username",
            ),
            (
                |p| k(p).password = Secret::new(""),
                "payments.klarna.password",
            ),
            (
                |p| k(p).base_url = "klarna".into(),
                "payments.klarna.base_url",
            ),
            (
                |p| k(p).purchase_country = "gb".into(),
                "payments.klarna.purchase_country",
            ),
            (|p| k(p).locale = String::new(), "payments.klarna.locale"),
            (|p| k(p).tax_rate = 10_001, "payments.klarna.tax_rate"),
            (
                |p| p.methods = vec![rule("adyen", &[], &[])],
                "payments.methods.provider",
            ),
            (
                |p| p.methods = vec![rule("stripe", &["EUR", "XYZ"], &[])],
                "payments.methods.currencies",
            ),
            (
                |p| p.methods = vec![rule("klarna", &[], &["SE", "SWE"])],
                "payments.methods.countries",
            ),
            (
                |p| p.methods = vec![rule("sandbox", &[], &["1A"])],
                "payments.methods.countries",
            ),
            (
                |p| p.instalments.options[0].count = 1,
                "payments.instalments",
            ),
        ];
        for (change, want) in cases {
            let mut p = all_sections();
            change(&mut p);
            match validate(&p) {
                Err(ConfigError::BadValue { key, problem }) => {
                    assert_eq!(key, want, "{problem}");
                    for secret in secrets() {
                        assert!(!problem.contains(secret), "{key}: {problem}");
                    }
                    assert!(!problem.contains("TopSecret"), "{key}: {problem}");
                }
                other => panic!("{want}: expected a bad value, got {other:?}"),
            }
        }
        let mut good = all_sections();
        good.methods = vec![
            rule("wechatpay", &["CNY"], &["cn"]),
            rule("stripe", &[], &[]),
        ];
        good.stripe.as_mut().expect("stripe").webhook_secret = Some(Secret::new(""));
        validate(&good).expect("valid rules and a blank webhook secret");
    }

    #[test]
    fn notify_urls_come_from_the_public_base_url() {
        let config = alipay_config(&alipay(), "https://travel.example/");
        assert_eq!(
            config.notify_url.as_deref(),
            Some("https://travel.example/api/v1/webhooks/alipay")
        );
        let config = wechatpay_config(&wechatpay(), "https://travel.example");
        assert_eq!(
            config.notify_url,
            "https://travel.example/api/v1/webhooks/wechatpay"
        );
        let payments = PaymentsConfig {
            wechatpay: Some(wechatpay()),
            ..PaymentsConfig::default()
        };
        match build(&payments, "travel.example", clock()) {
            Err(ConfigError::BadValue { key, .. }) => assert_eq!(key, "accounts.public_base_url"),
            other => panic!("expected a bad base URL, got {other:?}"),
        }
        let built = build(&payments, "https://travel.example", clock()).expect("built");
        assert_eq!(names(&built), ["wechatpay"]);
        assert!(built.stripe_js.is_none());
        assert_eq!(enabled_names(&payments), ["wechatpay", "sandbox"]);
    }
}
