//! Per-provider metrics around any [`PaymentProvider`]: call counts by operation and outcome,
//! call latency histograms and webhook outcomes, readable as a snapshot or in the Prometheus
//! text format.
//!
//! Wrap each provider once with [`PaymentMetrics::wrap`]; the wrapper counts its own calls,
//! webhooks included, so [`PaymentMetrics::record_webhook`] is only for notifications refused
//! before they reach a provider (an unknown provider name, a body too large).

use std::collections::BTreeMap;
use std::fmt::Write as _;
use std::sync::{Arc, Mutex, MutexGuard};
use std::time::{Duration, Instant};

use wayfare_domain::Money;

use crate::provider::{
    Payment, PaymentError, PaymentProvider, PaymentRequest, PaymentStatus, Refund, RefundRequest,
};
use crate::webhook::{WebhookError, WebhookEvent, WebhookRequest};

/// Upper bounds of the latency histogram buckets, in seconds (`+Inf` is implied).
pub const LATENCY_BUCKETS_SECONDS: [f64; 11] = [
    0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0, 10.0,
];
/// The same bounds as Prometheus `le` labels.
const LATENCY_BUCKET_LABELS: [&str; 11] = [
    "0.005", "0.01", "0.025", "0.05", "0.1", "0.25", "0.5", "1", "2.5", "5", "10",
];
/// The same bounds in nanoseconds, so observations are compared exactly.
const LATENCY_BUCKET_NANOS: [u64; 11] = [
    5_000_000,
    10_000_000,
    25_000_000,
    50_000_000,
    100_000_000,
    250_000_000,
    500_000_000,
    1_000_000_000,
    2_500_000_000,
    5_000_000_000,
    10_000_000_000,
];

/// A provider call that is counted.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Operation {
    Create,
    Get,
    CompleteAction,
    Capture,
    Void,
    Refund,
    GetRefund,
    Webhook,
}

impl Operation {
    pub const ALL: [Operation; 8] = [
        Operation::Create,
        Operation::Get,
        Operation::CompleteAction,
        Operation::Capture,
        Operation::Void,
        Operation::Refund,
        Operation::GetRefund,
        Operation::Webhook,
    ];

    /// The name used as the `operation` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Operation::Create => "create",
            Operation::Get => "get",
            Operation::CompleteAction => "complete_action",
            Operation::Capture => "capture",
            Operation::Void => "void",
            Operation::Refund => "refund",
            Operation::GetRefund => "get_refund",
            Operation::Webhook => "webhook",
        }
    }
}

/// How a call ended.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Outcome {
    /// The call succeeded (and, creating or completing a payment, the payment did not fail).
    Ok,
    /// The call succeeded but the payment was declined ([`PaymentStatus::Failed`]).
    Declined,
    /// A [`PaymentError`] or, for webhooks, a [`WebhookError`].
    Error,
}

impl Outcome {
    /// The name used as the `outcome` label.
    pub fn as_str(self) -> &'static str {
        match self {
            Outcome::Ok => "ok",
            Outcome::Declined => "declined",
            Outcome::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Default)]
struct Histogram {
    /// Per bucket, not cumulative; the last slot is `+Inf`.
    buckets: [u64; 12],
    count: u64,
    sum_nanos: u128,
}

impl Histogram {
    fn observe(&mut self, elapsed: Duration) {
        let nanos = u64::try_from(elapsed.as_nanos()).unwrap_or(u64::MAX);
        let slot = LATENCY_BUCKET_NANOS
            .iter()
            .position(|&bound| nanos <= bound)
            .unwrap_or(LATENCY_BUCKET_NANOS.len());
        self.buckets[slot] += 1;
        self.count += 1;
        self.sum_nanos += elapsed.as_nanos();
    }

    /// Cumulative counts per `le` bound, `+Inf` last (equal to `count`).
    fn cumulative(&self) -> [u64; 12] {
        let mut out = [0; 12];
        let mut running = 0;
        for (o, b) in out.iter_mut().zip(self.buckets) {
            running += b;
            *o = running;
        }
        out
    }
}

#[derive(Debug, Clone, Default)]
struct Series {
    calls: BTreeMap<(String, Operation, Outcome), u64>,
    latency: BTreeMap<(String, Operation), Histogram>,
    /// (provider, accepted) → count.
    webhooks: BTreeMap<(String, bool), u64>,
}

/// Counters and latencies for every wrapped provider. Shared as an `Arc`.
#[derive(Debug, Default)]
pub struct PaymentMetrics {
    series: Mutex<Series>,
}

/// One provider's figures at one moment.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ProviderSnapshot {
    pub provider: String,
    /// `create_payment` calls.
    pub attempts: u64,
    /// `create_payment` calls that succeeded with a payment not failed (it may still need the
    /// customer's action).
    pub succeeded: u64,
    /// `create_payment` calls answered with a declined payment.
    pub declined: u64,
    /// `create_payment` calls that ended in an error.
    pub errors: u64,
    /// `complete_action` calls whose payment then failed (authentication refused).
    pub action_declined: u64,
    /// Calls of every operation, and those of them that ended in an error.
    pub calls: u64,
    pub call_errors: u64,
    /// Webhooks accepted and refused.
    pub webhooks_ok: u64,
    pub webhook_failures: u64,
}

impl ProviderSnapshot {
    /// `succeeded / attempts`, or `None` before the first attempt.
    pub fn success_rate(&self) -> Option<f64> {
        if self.attempts == 0 {
            None
        } else {
            Some(self.succeeded as f64 / self.attempts as f64)
        }
    }
}

impl PaymentMetrics {
    pub fn new() -> Arc<PaymentMetrics> {
        Arc::new(PaymentMetrics::default())
    }

    /// `provider` with every call counted and timed here.
    pub fn wrap(self: &Arc<Self>, provider: Arc<dyn PaymentProvider>) -> Arc<dyn PaymentProvider> {
        Arc::new(MeteredProvider {
            inner: provider,
            metrics: Arc::clone(self),
        })
    }

    /// Counts a notification for `provider` accepted (`ok`) or refused, for notifications that
    /// did not go through a wrapped provider (which counts its own).
    pub fn record_webhook(&self, provider: &str, ok: bool) {
        *self
            .lock()
            .webhooks
            .entry((provider.to_owned(), ok))
            .or_default() += 1;
    }

    /// Counts one call of `operation` and its duration.
    pub fn record_call(
        &self,
        provider: &str,
        operation: Operation,
        outcome: Outcome,
        elapsed: Duration,
    ) {
        let mut s = self.lock();
        *s.calls
            .entry((provider.to_owned(), operation, outcome))
            .or_default() += 1;
        s.latency
            .entry((provider.to_owned(), operation))
            .or_default()
            .observe(elapsed);
    }

    /// The figures of every provider seen so far, by provider name.
    pub fn snapshot(&self) -> Vec<ProviderSnapshot> {
        let s = self.lock();
        let mut by_provider: BTreeMap<&str, ProviderSnapshot> = BTreeMap::new();
        for ((provider, op, outcome), &n) in &s.calls {
            let snap = by_provider
                .entry(provider.as_str())
                .or_insert_with(|| ProviderSnapshot {
                    provider: provider.clone(),
                    ..ProviderSnapshot::default()
                });
            snap.calls += n;
            if *outcome == Outcome::Error {
                snap.call_errors += n;
            }
            match (op, outcome) {
                (Operation::Create, o) => {
                    snap.attempts += n;
                    match o {
                        Outcome::Ok => snap.succeeded += n,
                        Outcome::Declined => snap.declined += n,
                        Outcome::Error => snap.errors += n,
                    }
                }
                (Operation::CompleteAction, Outcome::Declined) => snap.action_declined += n,
                _ => {}
            }
        }
        for ((provider, ok), &n) in &s.webhooks {
            let snap = by_provider
                .entry(provider.as_str())
                .or_insert_with(|| ProviderSnapshot {
                    provider: provider.clone(),
                    ..ProviderSnapshot::default()
                });
            if *ok {
                snap.webhooks_ok += n;
            } else {
                snap.webhook_failures += n;
            }
        }
        by_provider.into_values().collect()
    }

    /// Everything in the Prometheus text exposition format.
    pub fn render_prometheus(&self) -> String {
        // Copied so the formatting happens outside the lock.
        let s = self.lock().clone();
        let mut out = String::new();
        out.push_str("# HELP payment_provider_calls_total Payment provider calls by operation and outcome.\n");
        out.push_str("# TYPE payment_provider_calls_total counter\n");
        for ((provider, op, outcome), n) in &s.calls {
            let _ = writeln!(
                out,
                "payment_provider_calls_total{{provider=\"{}\",operation=\"{}\",outcome=\"{}\"}} {n}",
                escape(provider),
                op.as_str(),
                outcome.as_str()
            );
        }
        out.push_str(
            "# HELP payment_provider_call_duration_seconds Payment provider call latency.\n",
        );
        out.push_str("# TYPE payment_provider_call_duration_seconds histogram\n");
        for ((provider, op), h) in &s.latency {
            let labels = format!(
                "provider=\"{}\",operation=\"{}\"",
                escape(provider),
                op.as_str()
            );
            let cumulative = h.cumulative();
            for (le, n) in LATENCY_BUCKET_LABELS
                .iter()
                .copied()
                .chain(["+Inf"])
                .zip(cumulative)
            {
                let _ = writeln!(
                    out,
                    "payment_provider_call_duration_seconds_bucket{{{labels},le=\"{le}\"}} {n}"
                );
            }
            let _ = writeln!(
                out,
                "payment_provider_call_duration_seconds_sum{{{labels}}} {}",
                seconds(h.sum_nanos)
            );
            let _ = writeln!(
                out,
                "payment_provider_call_duration_seconds_count{{{labels}}} {}",
                h.count
            );
        }
        out.push_str(
            "# HELP payment_webhooks_total Provider notifications accepted or rejected.\n",
        );
        out.push_str("# TYPE payment_webhooks_total counter\n");
        for ((provider, ok), n) in &s.webhooks {
            let outcome = if *ok { "ok" } else { "rejected" };
            let _ = writeln!(
                out,
                "payment_webhooks_total{{provider=\"{}\",outcome=\"{outcome}\"}} {n}",
                escape(provider)
            );
        }
        out
    }

    fn lock(&self) -> MutexGuard<'_, Series> {
        // A panic elsewhere while holding the lock leaves consistent counters behind.
        self.series.lock().unwrap_or_else(|e| e.into_inner())
    }
}

/// Nanoseconds as exact decimal seconds, without trailing zeros: `20643000000` → `20.643`.
fn seconds(nanos: u128) -> String {
    let whole = nanos / 1_000_000_000;
    let frac = nanos % 1_000_000_000;
    if frac == 0 {
        return whole.to_string();
    }
    let digits = format!("{frac:09}");
    format!("{whole}.{}", digits.trim_end_matches('0'))
}

/// A label value escaped as the text format requires.
fn escape(value: &str) -> String {
    value
        .replace('\\', "\\\\")
        .replace('"', "\\\"")
        .replace('\n', "\\n")
}

/// A provider whose every call is counted and timed in a [`PaymentMetrics`].
pub struct MeteredProvider {
    inner: Arc<dyn PaymentProvider>,
    metrics: Arc<PaymentMetrics>,
}

impl MeteredProvider {
    fn record<T>(&self, operation: Operation, started: Instant, result: &Result<T, PaymentError>) {
        let outcome = if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        self.metrics
            .record_call(self.inner.name(), operation, outcome, started.elapsed());
    }

    /// As [`MeteredProvider::record`], a failed payment counting as declined.
    fn record_payment(
        &self,
        operation: Operation,
        started: Instant,
        result: &Result<Payment, PaymentError>,
    ) {
        let outcome = match result {
            Ok(p) if p.status == PaymentStatus::Failed => Outcome::Declined,
            Ok(_) => Outcome::Ok,
            Err(_) => Outcome::Error,
        };
        self.metrics
            .record_call(self.inner.name(), operation, outcome, started.elapsed());
    }
}

#[async_trait::async_trait]
impl PaymentProvider for MeteredProvider {
    fn name(&self) -> &'static str {
        self.inner.name()
    }

    async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
        let started = Instant::now();
        let result = self.inner.create_payment(req).await;
        self.record_payment(Operation::Create, started, &result);
        result
    }

    async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
        let started = Instant::now();
        let result = self.inner.get_payment(id).await;
        self.record(Operation::Get, started, &result);
        result
    }

    async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
        let started = Instant::now();
        let result = self.inner.complete_action(id, approved).await;
        self.record_payment(Operation::CompleteAction, started, &result);
        result
    }

    async fn capture(
        &self,
        id: &str,
        amount: Option<Money>,
        idempotency_key: &str,
    ) -> Result<Payment, PaymentError> {
        let started = Instant::now();
        let result = self.inner.capture(id, amount, idempotency_key).await;
        self.record(Operation::Capture, started, &result);
        result
    }

    async fn void(&self, id: &str, idempotency_key: &str) -> Result<Payment, PaymentError> {
        let started = Instant::now();
        let result = self.inner.void(id, idempotency_key).await;
        self.record(Operation::Void, started, &result);
        result
    }

    async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
        let started = Instant::now();
        let result = self.inner.refund(req).await;
        self.record(Operation::Refund, started, &result);
        result
    }

    async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
        let started = Instant::now();
        let result = self.inner.get_refund(id).await;
        self.record(Operation::GetRefund, started, &result);
        result
    }

    async fn parse_webhook(&self, req: &WebhookRequest<'_>) -> Result<WebhookEvent, WebhookError> {
        let started = Instant::now();
        let result = self.inner.parse_webhook(req).await;
        let outcome = if result.is_ok() {
            Outcome::Ok
        } else {
            Outcome::Error
        };
        let name = self.inner.name();
        self.metrics
            .record_call(name, Operation::Webhook, outcome, started.elapsed());
        self.metrics.record_webhook(name, result.is_ok());
        result
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::provider::{Capture, RefundStatus};
    use crate::webhook::WebhookSubject;
    use chrono::{DateTime, Utc};
    use wayfare_domain::Currency;

    /// Answers by the payment method (`pm_ok`, `pm_decline`, `pm_action`, anything else an
    /// error), by the id for the other calls (`ok…` succeeds, anything else is not found) and
    /// by the body for webhooks (`ok` verifies).
    struct FakeProvider;

    fn payment(status: PaymentStatus) -> Payment {
        let eur = |minor| Money::from_minor(minor, Currency::EUR);
        Payment {
            id: "ok_pi".into(),
            provider: "fake".into(),
            status,
            amount: eur(1_000),
            amount_captured: eur(0),
            amount_refunded: eur(0),
            capture: Capture::Automatic,
            payment_method: "pm_ok".into(),
            reference: "WF-1".into(),
            failure: None,
            next_action_url: None,
            created_at: DateTime::<Utc>::UNIX_EPOCH,
        }
    }

    fn by_id(id: &str, status: PaymentStatus) -> Result<Payment, PaymentError> {
        if id.starts_with("ok") {
            Ok(payment(status))
        } else {
            Err(PaymentError::NotFound(id.into()))
        }
    }

    fn refund_by_id(id: &str) -> Result<Refund, PaymentError> {
        if id.starts_with("ok") {
            Ok(Refund {
                id: "ok_re".into(),
                payment_id: id.into(),
                amount: Money::from_minor(100, Currency::EUR),
                status: RefundStatus::Succeeded,
                reason: "requested_by_customer".into(),
                created_at: DateTime::<Utc>::UNIX_EPOCH,
            })
        } else {
            Err(PaymentError::Timeout)
        }
    }

    #[async_trait::async_trait]
    impl PaymentProvider for FakeProvider {
        fn name(&self) -> &'static str {
            "fake"
        }

        async fn create_payment(&self, req: &PaymentRequest) -> Result<Payment, PaymentError> {
            match req.payment_method.as_str() {
                "pm_ok" => Ok(payment(PaymentStatus::Succeeded)),
                "pm_decline" => Ok(payment(PaymentStatus::Failed)),
                "pm_action" => Ok(payment(PaymentStatus::RequiresAction)),
                _ => Err(PaymentError::Unavailable("down".into())),
            }
        }

        async fn get_payment(&self, id: &str) -> Result<Payment, PaymentError> {
            // A failed payment read back is a successful read, not a decline.
            by_id(id, PaymentStatus::Failed)
        }

        async fn complete_action(&self, id: &str, approved: bool) -> Result<Payment, PaymentError> {
            let status = if approved {
                PaymentStatus::Succeeded
            } else {
                PaymentStatus::Failed
            };
            by_id(id, status)
        }

        async fn capture(
            &self,
            id: &str,
            _amount: Option<Money>,
            _idempotency_key: &str,
        ) -> Result<Payment, PaymentError> {
            by_id(id, PaymentStatus::Succeeded)
        }

        async fn void(&self, id: &str, _idempotency_key: &str) -> Result<Payment, PaymentError> {
            by_id(id, PaymentStatus::Canceled)
        }

        async fn refund(&self, req: &RefundRequest) -> Result<Refund, PaymentError> {
            refund_by_id(&req.payment_id)
        }

        async fn get_refund(&self, id: &str) -> Result<Refund, PaymentError> {
            refund_by_id(id)
        }

        async fn parse_webhook(
            &self,
            req: &WebhookRequest<'_>,
        ) -> Result<WebhookEvent, WebhookError> {
            if req.body == b"ok" {
                Ok(WebhookEvent {
                    provider: "fake".into(),
                    event_id: "evt_1".into(),
                    event_type: "other".into(),
                    subject: WebhookSubject::Other,
                    occurred_at: None,
                })
            } else {
                Err(WebhookError::BadSignature)
            }
        }
    }

    fn request(method: &str) -> PaymentRequest {
        PaymentRequest {
            amount: Money::from_minor(1_000, Currency::EUR),
            payment_method: method.into(),
            capture: Capture::Automatic,
            idempotency_key: format!("key-{method}"),
            reference: "WF-1".into(),
            description: "Flight".into(),
            customer_email: None,
            return_url: None,
            instalments: None,
            payer_ip: None,
        }
    }

    fn refund_request(payment_id: &str) -> RefundRequest {
        RefundRequest {
            payment_id: payment_id.into(),
            amount: None,
            reason: "requested_by_customer".into(),
            idempotency_key: "re-key".into(),
        }
    }

    async fn webhook(provider: &dyn PaymentProvider, body: &[u8]) -> bool {
        let req = WebhookRequest {
            headers: &[],
            body,
            received_at: DateTime::<Utc>::UNIX_EPOCH,
        };
        provider.parse_webhook(&req).await.is_ok()
    }

    fn calls(metrics: &PaymentMetrics, op: Operation, outcome: Outcome) -> u64 {
        metrics
            .lock()
            .calls
            .get(&("fake".to_owned(), op, outcome))
            .copied()
            .unwrap_or(0)
    }

    #[tokio::test]
    async fn counts_every_operation_by_outcome_and_passes_answers_through() {
        let metrics = PaymentMetrics::new();
        let p = metrics.wrap(Arc::new(FakeProvider));
        assert_eq!(p.name(), "fake");

        assert_eq!(
            p.create_payment(&request("pm_ok")).await.unwrap().status,
            PaymentStatus::Succeeded
        );
        p.create_payment(&request("pm_ok")).await.unwrap();
        p.create_payment(&request("pm_action")).await.unwrap();
        assert_eq!(
            p.create_payment(&request("pm_decline"))
                .await
                .unwrap()
                .status,
            PaymentStatus::Failed
        );
        assert_eq!(
            p.create_payment(&request("pm_broken")).await,
            Err(PaymentError::Unavailable("down".into()))
        );
        p.get_payment("ok_1").await.unwrap();
        p.get_payment("missing").await.unwrap_err();
        p.complete_action("ok_1", true).await.unwrap();
        p.complete_action("ok_1", false).await.unwrap();
        p.complete_action("missing", true).await.unwrap_err();
        p.capture("ok_1", None, "k").await.unwrap();
        p.void("missing", "k").await.unwrap_err();
        p.refund(&refund_request("ok_1")).await.unwrap();
        p.refund(&refund_request("missing")).await.unwrap_err();
        p.get_refund("ok_re").await.unwrap();
        assert!(webhook(p.as_ref(), b"ok").await);
        assert!(!webhook(p.as_ref(), b"forged").await);
        assert!(!webhook(p.as_ref(), b"forged").await);

        let m = &metrics;
        assert_eq!(calls(m, Operation::Create, Outcome::Ok), 3);
        assert_eq!(calls(m, Operation::Create, Outcome::Declined), 1);
        assert_eq!(calls(m, Operation::Create, Outcome::Error), 1);
        assert_eq!(calls(m, Operation::Get, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::Get, Outcome::Declined), 0);
        assert_eq!(calls(m, Operation::Get, Outcome::Error), 1);
        assert_eq!(calls(m, Operation::CompleteAction, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::CompleteAction, Outcome::Declined), 1);
        assert_eq!(calls(m, Operation::CompleteAction, Outcome::Error), 1);
        assert_eq!(calls(m, Operation::Capture, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::Void, Outcome::Error), 1);
        assert_eq!(calls(m, Operation::Refund, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::Refund, Outcome::Error), 1);
        assert_eq!(calls(m, Operation::GetRefund, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::Webhook, Outcome::Ok), 1);
        assert_eq!(calls(m, Operation::Webhook, Outcome::Error), 2);

        let snap = metrics.snapshot();
        assert_eq!(snap.len(), 1);
        let s = &snap[0];
        assert_eq!(s.provider, "fake");
        assert_eq!(
            (s.attempts, s.succeeded, s.declined, s.errors),
            (5, 3, 1, 1)
        );
        assert_eq!(s.action_declined, 1);
        assert_eq!(s.calls, 18);
        assert_eq!(s.call_errors, 7);
        assert_eq!((s.webhooks_ok, s.webhook_failures), (1, 2));
        assert_eq!(s.success_rate(), Some(0.6));

        // Every call was timed once.
        let series = metrics.lock().clone();
        let timed: u64 = series.latency.values().map(|h| h.count).sum();
        assert_eq!(timed, 18);
    }

    #[test]
    fn histogram_buckets_are_cumulative_and_inclusive() {
        let metrics = PaymentMetrics::new();
        for ms in [1, 5, 7, 30, 300, 300, 20_000] {
            metrics.record_call(
                "stripe",
                Operation::Create,
                Outcome::Ok,
                Duration::from_millis(ms),
            );
        }
        let text = metrics.render_prometheus();
        let bucket = |le: &str| {
            let prefix = format!(
                "payment_provider_call_duration_seconds_bucket{{provider=\"stripe\",operation=\"create\",le=\"{le}\"}} "
            );
            text.lines()
                .find_map(|l| l.strip_prefix(prefix.as_str()))
                .unwrap_or_else(|| panic!("no bucket {le} in\n{text}"))
                .parse::<u64>()
                .unwrap()
        };
        let expected = [
            ("0.005", 2),
            ("0.01", 3),
            ("0.025", 3),
            ("0.05", 4),
            ("0.1", 4),
            ("0.25", 4),
            ("0.5", 6),
            ("1", 6),
            ("2.5", 6),
            ("5", 6),
            ("10", 6),
            ("+Inf", 7),
        ];
        for (le, n) in expected {
            assert_eq!(bucket(le), n, "le={le}");
        }
        assert!(text.contains(
            "payment_provider_call_duration_seconds_count{provider=\"stripe\",operation=\"create\"} 7\n"
        ));
        assert!(text.contains(
            "payment_provider_call_duration_seconds_sum{provider=\"stripe\",operation=\"create\"} 20.643\n"
        ));
    }

    #[tokio::test]
    async fn renders_the_prometheus_text_format() {
        let metrics = PaymentMetrics::new();
        let p = metrics.wrap(Arc::new(FakeProvider));
        p.create_payment(&request("pm_ok")).await.unwrap();
        p.create_payment(&request("pm_decline")).await.unwrap();
        assert!(webhook(p.as_ref(), b"ok").await);
        metrics.record_webhook("paypal", false);
        let text = metrics.render_prometheus();

        for line in [
            "payment_provider_calls_total{provider=\"fake\",operation=\"create\",outcome=\"ok\"} 1",
            "payment_provider_calls_total{provider=\"fake\",operation=\"create\",outcome=\"declined\"} 1",
            "payment_provider_calls_total{provider=\"fake\",operation=\"webhook\",outcome=\"ok\"} 1",
            "payment_provider_call_duration_seconds_bucket{provider=\"fake\",operation=\"create\",le=\"+Inf\"} 2",
            "payment_provider_call_duration_seconds_count{provider=\"fake\",operation=\"create\"} 2",
            "payment_webhooks_total{provider=\"fake\",outcome=\"ok\"} 1",
            "payment_webhooks_total{provider=\"paypal\",outcome=\"rejected\"} 1",
            "# TYPE payment_provider_calls_total counter",
            "# TYPE payment_provider_call_duration_seconds histogram",
            "# TYPE payment_webhooks_total counter",
        ] {
            assert!(text.lines().any(|l| l == line), "missing {line} in\n{text}");
        }
        for metric in [
            "payment_provider_calls_total",
            "payment_provider_call_duration_seconds",
            "payment_webhooks_total",
        ] {
            assert_eq!(
                text.matches(&format!("# HELP {metric} ")).count(),
                1,
                "{metric}"
            );
            assert_eq!(
                text.matches(&format!("# TYPE {metric} ")).count(),
                1,
                "{metric}"
            );
        }
        assert!(text.lines().any(|l| l.starts_with(
            "payment_provider_call_duration_seconds_sum{provider=\"fake\",operation=\"create\"} "
        )));
        // Every sample line is `name{labels} value` with a numeric value.
        for l in text.lines().filter(|l| !l.starts_with('#')) {
            let (_, value) = l.rsplit_once(' ').unwrap();
            assert!(value.parse::<f64>().is_ok(), "{l}");
        }
        let paypal = metrics
            .snapshot()
            .into_iter()
            .find(|s| s.provider == "paypal")
            .unwrap();
        assert_eq!(paypal.webhook_failures, 1);
        assert_eq!(paypal.success_rate(), None);
    }

    #[test]
    fn sums_are_exact_decimal_seconds() {
        assert_eq!(seconds(0), "0");
        assert_eq!(seconds(20_643_000_000), "20.643");
        assert_eq!(seconds(5_000_000), "0.005");
        assert_eq!(seconds(3_000_000_001), "3.000000001");
        assert_eq!(seconds(10_000_000_000), "10");
    }

    #[test]
    fn label_values_are_escaped() {
        assert_eq!(escape("a\"b\\c\nd"), "a\\\"b\\\\c\\nd");
        let metrics = PaymentMetrics::new();
        metrics.record_webhook("we\"ird", true);
        assert!(
            metrics
                .render_prometheus()
                .contains("payment_webhooks_total{provider=\"we\\\"ird\",outcome=\"ok\"} 1")
        );
    }

    #[test]
    fn bucket_tables_agree() {
        for ((secs, label), nanos) in LATENCY_BUCKETS_SECONDS
            .iter()
            .zip(LATENCY_BUCKET_LABELS)
            .zip(LATENCY_BUCKET_NANOS)
        {
            assert_eq!(label.parse::<f64>().unwrap(), *secs);
            assert_eq!(Duration::from_secs_f64(*secs).as_nanos(), u128::from(nanos));
        }
        assert!(Operation::ALL.iter().all(|o| !o.as_str().is_empty()));
    }
}
