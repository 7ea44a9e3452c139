//! The integration suite: the real app over real HTTP on a fresh database per test (SQLite by
//! default; PostgreSQL when WAYFARE_TEST_DATABASE_URL is set). One binary, many modules, so the
//! suite links once.

mod account_data;
mod account_data_pages;
mod account_layout;
mod account_messages;
mod account_pages;
mod account_store;
mod accounts;
mod admin;
mod admin_templates;
mod api;
mod booking_browser;
mod booking_pages;
mod browser;
mod cli;
mod csrf;
mod delivery_callbacks;
mod flight_changes;
mod flight_orders;
mod flight_pages;
mod flights;
mod hotel_holds;
mod hotel_pages;
mod hotel_store;
mod hotels;
mod i18n;
mod notifications;
mod oidc_client;
mod oidc_signin;
mod openapi;
mod ops;
mod order_failures;
mod orders;
mod outbox;
mod payment_messages;
mod payment_methods;
mod payments;
mod storage;
mod stripe_checkout;
mod wallet_checkout;

/// The fake Stripe of the payments crate's tests, with its Stripe.js.
#[path = "../../../payments/tests/fakes/stripe.rs"]
mod fake_stripe;

/// The fake Klarna of the payments crate's tests, with its Klarna JS SDK.
#[path = "../../../payments/tests/fakes/klarna.rs"]
mod fake_klarna;

/// The fake WeChat Pay of the payments crate's tests, with its WeixinJSBridge.
#[path = "../../../payments/tests/fakes/wechatpay.rs"]
mod fake_wechatpay;

/// The fake WeChat web authorisation (official account OAuth).
#[path = "../../../payments/tests/fakes/wechat_oauth.rs"]
mod fake_wechat_oauth;
