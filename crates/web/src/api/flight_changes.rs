//! Flight schedule changes: the admin's simulation and the Duffel webhook (being built).

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Adds the flight-change routes.
pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
}
