//! Operations endpoints: liveness, readiness and Prometheus metrics.

use axum::Json;
use axum::extract::State;
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

use crate::state::AppState;

/// Alive: the process answers.
pub async fn healthz() -> Json<serde_json::Value> {
    Json(json!({"status": "ok"}))
}

/// Ready: the database answers a query within the pool's acquire timeout.
pub async fn readyz(State(state): State<AppState>) -> Response {
    let backend = state.store().backend().name();
    match state.store().ping().await {
        Ok(()) => Json(json!({"status": "ready", "database": backend})).into_response(),
        Err(e) => {
            tracing::warn!(error = %e, "readiness check failed");
            (
                StatusCode::SERVICE_UNAVAILABLE,
                Json(json!({"status": "unavailable", "database": backend})),
            )
                .into_response()
        }
    }
}

pub async fn metrics(State(state): State<AppState>) -> Response {
    let store = state.store();
    let mut body = state
        .metrics()
        .render(store.pool_stats(), store.backend().name());
    body.push_str(&state.orders().payment_metrics().render_prometheus());
    body.push_str(&state.accounts().notifier().metrics().render_prometheus());
    let mut res = body.into_response();
    res.headers_mut().insert(
        header::CONTENT_TYPE,
        HeaderValue::from_static("text/plain; version=0.0.4; charset=utf-8"),
    );
    res
}
