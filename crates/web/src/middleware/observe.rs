//! Observability and time limits: one log line per request (with its request id), Prometheus
//! counters and latency histograms by route, and the per-request timeout.

use std::time::Instant;

use axum::extract::{MatchedPath, Request, State};
use axum::middleware::Next;
use axum::response::{IntoResponse, Response};
use tracing::Instrument;

use crate::error::{ErrorCode, WebError};
use crate::state::AppState;

/// The matched route template, carried out on the response for the metrics layer.
#[derive(Debug, Clone)]
pub struct RouteLabel(pub String);

/// Route layer: records which route template matched.
pub async fn label_route(req: Request, next: Next) -> Response {
    let route = req
        .extensions()
        .get::<MatchedPath>()
        .map(|m| m.as_str().to_owned());
    let mut res = next.run(req).await;
    if let Some(r) = route {
        res.extensions_mut().insert(RouteLabel(r));
    }
    res
}

/// Outer layer: span + log line + metrics for every request, matched or not.
pub async fn observe(State(state): State<AppState>, req: Request, next: Next) -> Response {
    let start = Instant::now();
    let method = req.method().as_str().to_owned();
    let request_id = req
        .headers()
        .get("x-request-id")
        .and_then(|v| v.to_str().ok())
        .unwrap_or("")
        .to_owned();
    let span =
        tracing::info_span!("request", %method, path = %req.uri().path(), request_id = %request_id);
    let res = next.run(req).instrument(span.clone()).await;
    let elapsed = start.elapsed();
    let route = res
        .extensions()
        .get::<RouteLabel>()
        .map(|r| r.0.as_str())
        .unwrap_or("unmatched");
    let status = res.status().as_u16();
    state
        .metrics()
        .record_request(&method, route, status, elapsed);
    span.in_scope(|| {
        tracing::info!(
            status,
            route,
            latency_ms = elapsed.as_secs_f64() * 1000.0,
            "finished"
        );
    });
    res
}

/// Ends a request that runs past the configured limit with a localized 503.
pub async fn timeout(State(state): State<AppState>, req: Request, next: Next) -> Response {
    match tokio::time::timeout(state.config().request_timeout, next.run(req)).await {
        Ok(res) => res,
        Err(_) => WebError::new(ErrorCode::RequestTimeout).into_response(),
    }
}
