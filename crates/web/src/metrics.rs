//! Prometheus metrics owned by the app state (not a process-global recorder), so every app
//! instance — and every test — counts only its own requests.

use std::time::Duration;

use metrics::{Key, Label, Metadata, Recorder};
use metrics_exporter_prometheus::{
    Matcher, PrometheusBuilder, PrometheusHandle, PrometheusRecorder,
};
use wayfare_store::PoolStats;

const REQUESTS: &str = "http_requests_total";
const DURATION: &str = "http_request_duration_seconds";
const METADATA: Metadata<'static> = Metadata::new(module_path!(), metrics::Level::INFO, None);

/// Latency buckets in seconds: fine below 100 ms where interactive requests should be.
const BUCKETS: &[f64] = &[
    0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];

pub struct Metrics {
    recorder: PrometheusRecorder,
    handle: PrometheusHandle,
}

impl Metrics {
    pub fn new() -> Metrics {
        let recorder = PrometheusBuilder::new()
            .set_buckets_for_metric(Matcher::Full(DURATION.to_owned()), BUCKETS)
            .map(|b| b.build_recorder())
            .unwrap_or_else(|_| PrometheusBuilder::new().build_recorder());
        recorder.describe_counter(
            REQUESTS.into(),
            None,
            "HTTP requests by method, route and status".into(),
        );
        recorder.describe_histogram(
            DURATION.into(),
            Some(metrics::Unit::Seconds),
            "HTTP request latency by method and route".into(),
        );
        let handle = recorder.handle();
        Metrics { recorder, handle }
    }

    /// Counts one finished request. `route` is the matched route template (`/api/v1/airports`),
    /// never the raw path, so label cardinality stays bounded.
    pub fn record_request(&self, method: &str, route: &str, status: u16, elapsed: Duration) {
        let labels = vec![
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
            Label::new("status", status.to_string()),
        ];
        self.recorder
            .register_counter(&Key::from_parts(REQUESTS, labels), &METADATA)
            .increment(1);
        let labels = vec![
            Label::new("method", method.to_owned()),
            Label::new("route", route.to_owned()),
        ];
        self.recorder
            .register_histogram(&Key::from_parts(DURATION, labels), &METADATA)
            .record(elapsed.as_secs_f64());
    }

    /// The exposition text, with pool gauges read at scrape time.
    pub fn render(&self, pool: PoolStats, backend: &str) -> String {
        let gauge = |name: &str, v: u32| {
            self.recorder
                .register_gauge(
                    &Key::from_parts(
                        name.to_owned(),
                        vec![Label::new("backend", backend.to_owned())],
                    ),
                    &METADATA,
                )
                .set(f64::from(v));
        };
        gauge("db_pool_connections", pool.size);
        gauge("db_pool_idle_connections", pool.idle);
        gauge("db_pool_max_connections", pool.max);
        gauge(
            "db_pool_in_use_connections",
            pool.size.saturating_sub(pool.idle),
        );
        self.handle.render()
    }
}

impl Default for Metrics {
    fn default() -> Self {
        Metrics::new()
    }
}
