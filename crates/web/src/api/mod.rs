//! The JSON API under `/api/v1`, documented by the OpenAPI document generated from these
//! handlers (`/api/openapi.json`, browsable at `/api/docs`).

pub mod airports;
pub mod flight_tools;
pub mod flights;
pub mod fx;
pub mod hotels;
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
    )
)]
struct ApiDoc;

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
        .routes(routes!(hotels::search_places));
    OpenApiRouter::with_openapi(ApiDoc::openapi()).nest("/api/v1", v1)
}
