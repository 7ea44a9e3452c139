//! Notification templates, the send log and provider delivery callbacks (being built).

use utoipa_axum::router::OpenApiRouter;

use crate::AppState;

/// Adds the notification routes.
pub fn routes(r: OpenApiRouter<AppState>) -> OpenApiRouter<AppState> {
    r
}
