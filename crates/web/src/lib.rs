//! Wayfare's HTTP layer: the axum router with the JSON API (`api/`), server-rendered pages
//! (`views/`), operations endpoints, middleware and the one [`WebError`].

pub mod api;
pub mod assets;
pub mod auth;
pub mod error;
pub mod extract;
pub mod i18n;
pub mod metrics;
pub mod middleware;
pub mod ops;
pub mod state;
pub mod views;

use axum::Router;
use axum::extract::DefaultBodyLimit;
use axum::routing::{get, post};
use tower_http::catch_panic::CatchPanicLayer;
use tower_http::limit::RequestBodyLimitLayer;
use tower_http::request_id::{MakeRequestUuid, PropagateRequestIdLayer, SetRequestIdLayer};
use utoipa_swagger_ui::SwaggerUi;

pub use error::{ErrorCode, WebError};
pub use i18n::Locale;
pub use state::{AppState, Clock, FlightCatalog, HotelCatalog, StripeJsConfig, WebConfig};

/// The whole application router.
pub fn router(state: AppState) -> Router {
    let (api, openapi) = api::router().split_for_parts();
    let body_limit = state.config().body_limit_bytes;
    let pages = Router::new()
        .route("/", get(views::home))
        .route("/airports", get(views::airports))
        .route("/flights", get(views::flights))
        .route("/explore", get(views::explore))
        .route("/hotels", get(views::hotels))
        .route("/hotels/deals", get(views::hotel_deals))
        .route("/hotels/{id}", get(views::hotel))
        .route("/hotels/{id}/photo/{file}", get(views::hotel_photo))
        .route("/preferences", post(views::set_preferences))
        .route(
            "/login",
            get(views::auth::login_form).post(views::auth::login),
        )
        .route(
            "/login/2fa",
            get(views::auth::second_factor_form).post(views::auth::second_factor),
        )
        .route(
            "/login/code",
            get(views::auth::code_form).post(views::auth::code_sign_in),
        )
        .route(
            "/register",
            get(views::auth::register_form).post(views::auth::register),
        )
        .route(
            "/verify",
            get(views::auth::verify_form).post(views::auth::verify),
        )
        .route("/logout", post(views::auth::logout))
        .route(
            "/password/forgot",
            get(views::auth::forgot_form).post(views::auth::forgot),
        )
        .route(
            "/password/reset/{token}",
            get(views::auth::reset_form).post(views::auth::reset),
        )
        .route("/account", get(views::account::account))
        .route("/account/profile", post(views::account::save_profile))
        .route("/account/security", get(views::account::security))
        .route(
            "/account/security/password",
            post(views::account::change_password),
        )
        .route(
            "/account/security/totp",
            get(views::account::totp_form).post(views::account::totp_confirm),
        )
        .route(
            "/account/security/2fa/code",
            post(views::account::enable_code_factor),
        )
        .route(
            "/account/security/2fa/disable",
            post(views::account::disable_second_factor),
        )
        .route(
            "/account/security/recovery",
            post(views::account::regenerate_recovery),
        )
        .route(
            "/account/sessions/revoke-others",
            post(views::account::revoke_other_sessions),
        )
        .route(
            "/account/sessions/{id}/revoke",
            post(views::account::revoke_session),
        )
        .route("/account/tokens", post(views::account::create_token))
        .route(
            "/account/tokens/{id}/revoke",
            post(views::account::revoke_token),
        )
        .route("/auth/oidc/{provider}/start", get(views::auth::oidc_start))
        .route(
            "/auth/oidc/{provider}/callback",
            get(views::auth::oidc_callback),
        )
        .route("/account/identities/link", post(views::auth::oidc_link))
        .route(
            "/account/identities/{id}/unlink",
            post(views::auth::oidc_unlink),
        )
        .route("/admin", get(views::admin::index))
        .route("/admin/users", get(views::admin::users))
        .route("/admin/users/{id}", get(views::admin::user))
        .route("/admin/users/{id}/roles", post(views::admin::grant))
        .route(
            "/admin/users/{id}/roles/{role}/revoke",
            post(views::admin::revoke),
        )
        .route("/admin/audit", get(views::admin::audit))
        .route("/admin/mailbox", get(views::admin::mailbox))
        .route("/admin/mailbox/{id}/html", get(views::admin::mailbox_html))
        .route(
            "/admin/mailbox/{id}/attachments/{n}",
            get(views::admin::mailbox_attachment),
        )
        .route("/admin/notifications", get(views::admin::send_log))
        .route("/admin/templates", get(views::admin_templates::list))
        .route(
            "/admin/templates/{event}/{channel}/{locale}",
            get(views::admin_templates::edit).post(views::admin_templates::save),
        )
        .route("/static/{name}", get(assets::serve))
        .route("/healthz", get(ops::healthz))
        .route("/readyz", get(ops::readyz))
        .route("/metrics", get(ops::metrics));
    let pages = views::account_data::routes(pages);
    let pages = views::bookings::routes(pages);
    let docs: Router<AppState> = SwaggerUi::new("/api/docs")
        .url("/api/openapi.json", openapi)
        .into();
    Router::new()
        .merge(pages)
        .merge(api)
        .merge(docs)
        .fallback(views::not_found)
        .route_layer(axum::middleware::from_fn(middleware::observe::label_route))
        .layer(CatchPanicLayer::new())
        .layer(DefaultBodyLimit::max(body_limit))
        .layer(RequestBodyLimitLayer::new(body_limit))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe::timeout,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::context::request_context,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::security::security_headers,
        ))
        .layer(axum::middleware::from_fn_with_state(
            state.clone(),
            middleware::observe::observe,
        ))
        .layer(PropagateRequestIdLayer::x_request_id())
        .layer(SetRequestIdLayer::x_request_id(MakeRequestUuid))
        .with_state(state)
}
