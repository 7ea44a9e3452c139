//! The JSON API under `/api/v1`, documented by the OpenAPI document generated from these
//! handlers (`/api/openapi.json`, browsable at `/api/docs`).

pub mod admin;
pub mod airports;
pub mod auth;
pub mod flight_changes;
pub mod flight_tools;
pub mod flights;
pub mod fx;
pub mod hotels;
pub mod me;
pub mod me_data;
pub mod notifications;
pub mod orders;
pub mod payments;
pub mod types;

use utoipa::OpenApi;
use utoipa_axum::router::OpenApiRouter;
use utoipa_axum::routes;

use crate::state::AppState;

#[derive(OpenApi)]
#[openapi(
    info(
        title = "Wayfare API",
        description = "Flights, hotels and trips. Errors are `{\"error\": {\"code\", \"message\", \"details\"}}` \
with a stable snake_case `code` and a `message` in the request's language (`Accept-Language`, \
zh-CN or en). Money is `{\"amount\": \"1234.50\", \"currency\": \"CNY\"}`: a decimal string in major \
units and an ISO-4217 code. Every response carries `x-request-id`.",
        license(name = "Apache-2.0")
    ),
    tags(
        (name = "reference", description = "Airports, airlines and cities from published data sets"),
        (name = "currency", description = "Display currencies and exchange rates"),
        (name = "flights", description = "Flight search across suppliers"),
        (name = "hotels", description = "Hotel search across suppliers: destinations, rates, map"),
        (name = "accounts", description = "Registration, sign-in with two-factor authentication, password reset, the caller's profile and sessions. \
Signing in sets the `wf_session` cookie; scripts and apps may instead send a personal API token as `Authorization: Bearer wfp_…`. \
Unauthenticated calls to `/me` get 401 `unauthenticated`."),
        (name = "orders", description = "Trip orders: a flight offer, a hotel rate or both, held for payment, paid and confirmed with the suppliers. \
`POST` calls take an `Idempotency-Key` header: a replay answers the first result. Guests read and pay their order with `Authorization: Bearer <guest_token>`."),
        (name = "payments", description = "Payment records and refunds; capture, void and refunds are for staff (agents, supervisors, finance, admins). \
Provider notifications arrive at `POST /api/v1/webhooks/{provider}` and are verified by signature (Stripe-Signature, PayPal's verify call, Alipay RSA2, WeChat Pay WECHATPAY2-SHA256-RSA2048, Sandbox-Signature; Klarna's by reading the order back from Klarna) before anything is read."),
        (name = "admin", description = "Back office for admins: accounts, roles and the audit log. Other callers get 403 `forbidden`."),
    ),
    modifiers(&SecuritySchemes)
)]
struct ApiDoc;

/// The two ways to authenticate: the session cookie and a personal API token.
struct SecuritySchemes;

impl utoipa::Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        use utoipa::openapi::security::{
            ApiKey, ApiKeyValue, HttpAuthScheme, HttpBuilder, SecurityScheme,
        };
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "session",
            SecurityScheme::ApiKey(ApiKey::Cookie(ApiKeyValue::new("wf_session"))),
        );
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(HttpBuilder::new().scheme(HttpAuthScheme::Bearer).build()),
        );
    }
}

/// The `/api/v1` routes with their OpenAPI description.
pub fn router() -> OpenApiRouter<AppState> {
    let v1 = OpenApiRouter::new()
        .routes(routes!(airports::search_airports))
        .routes(routes!(fx::list_currencies))
        .routes(routes!(fx::convert))
        .routes(routes!(flights::search_flights))
        .routes(routes!(flight_tools::calendar))
        .routes(routes!(flight_tools::explore))
        .routes(routes!(hotels::search_hotels))
        .routes(routes!(hotels::hotel_rates))
        .routes(routes!(hotels::search_places))
        .routes(routes!(auth::register))
        .routes(routes!(auth::verify))
        .routes(routes!(auth::resend_verification))
        .routes(routes!(auth::send_code))
        .routes(routes!(auth::login))
        .routes(routes!(auth::second_factor))
        .routes(routes!(auth::password_reset))
        .routes(routes!(auth::password_reset_confirm))
        .routes(routes!(auth::logout))
        .routes(routes!(me::get_me, me::patch_me))
        .routes(routes!(me::list_sessions))
        .routes(routes!(me::delete_session))
        .routes(routes!(me::revoke_other_sessions))
        .routes(routes!(admin::list_users))
        .routes(routes!(admin::grant_role))
        .routes(routes!(admin::revoke_role))
        .routes(routes!(admin::search_audit))
        .routes(routes!(admin::list_outbox))
        .routes(routes!(admin::retry_outbox_event))
        .routes(routes!(orders::create_order, orders::list_orders))
        .routes(routes!(orders::find_order))
        .routes(routes!(orders::get_order))
        .routes(routes!(orders::get_itinerary))
        .routes(routes!(orders::pay_order))
        .routes(routes!(orders::payment_options))
        .routes(routes!(orders::create_payment_session))
        .routes(routes!(orders::authenticate_payment))
        .routes(routes!(payments::get_payment))
        .routes(routes!(payments::capture_payment))
        .routes(routes!(payments::void_payment))
        .routes(routes!(payments::refund_payment))
        .routes(routes!(payments::webhook));
    let v1 = me_data::routes(v1);
    let v1 = flight_changes::routes(v1);
    let v1 = notifications::routes(v1);
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}
