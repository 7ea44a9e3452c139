//! Booking pages (being written).

use axum::Router;

use crate::state::AppState;

/// Adds the booking pages to the site's router.
pub fn routes(pages: Router<AppState>) -> Router<AppState> {
    pages
}
