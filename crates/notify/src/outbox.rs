//! The outbox worker: takes events from the transactional outbox
//! (`wayfare_store::outbox`) under a lease, hands each to the handler of its kind, and records
//! the outcome — delivered; pending again after a backoff that doubles with every attempt; or
//! `dead` after [`RetryPolicy::max_attempts`], for an admin to retry.
//!
//! Delivery is at least once: an event whose worker died is taken again when its lease runs
//! out. Handlers make that safe by sending each message through [`Deliveries::once`], which
//! sends a message only if the event has not sent it before and records it once sent.
//!
//! [`OutboxWorker::deliver_now`] is the same delivery for one event, taken by id under the same
//! lease: what a request does with the event it just wrote when someone is waiting for the
//! message (a sign-in code). If that attempt fails, the event is left to the workers' retries.

use std::collections::HashMap;
use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use chrono::{DateTime, Utc};
use wayfare_domain::Clock;
use wayfare_store::outbox::OutboxEventRow;
use wayfare_store::{Store, StoreError};

/// How often and how long an event is tried.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetryPolicy {
    /// Attempts before the event is `dead` (the first included).
    pub max_attempts: u32,
    /// The wait after the first failure; doubled after each further one.
    pub base: Duration,
    /// The longest wait.
    pub max: Duration,
}

impl Default for RetryPolicy {
    /// Eight attempts over about two hours: 1, 2, 4, 8, 16, 32 minutes, then 1 hour.
    fn default() -> RetryPolicy {
        RetryPolicy {
            max_attempts: 8,
            base: Duration::from_secs(60),
            max: Duration::from_secs(3600),
        }
    }
}

impl RetryPolicy {
    /// The wait after failed attempt number `attempt` (1 for the first): `base × 2^(attempt-1)`,
    /// at most `max`.
    pub fn backoff(&self, attempt: u32) -> Duration {
        let doublings = attempt.saturating_sub(1).min(30);
        self.base
            .checked_mul(1u32 << doublings)
            .map_or(self.max, |d| d.min(self.max))
    }

    /// When an event that failed its `attempts`-th attempt at `now` is tried again; `None`
    /// when that was the last.
    pub fn retry_at(&self, attempts: u32, now: DateTime<Utc>) -> Option<DateTime<Utc>> {
        if attempts >= self.max_attempts {
            return None;
        }
        chrono::Duration::from_std(self.backoff(attempts))
            .ok()
            .map(|d| now + d)
    }
}

/// An event as a handler sees it.
#[derive(Debug, Clone, PartialEq)]
pub struct OutboxEvent {
    pub id: String,
    pub kind: String,
    pub subject_id: Option<String>,
    pub payload: serde_json::Value,
    /// This attempt's number (1 for the first).
    pub attempt: u32,
    pub created_at: DateTime<Utc>,
}

impl OutboxEvent {
    fn from_row(row: &OutboxEventRow) -> OutboxEvent {
        OutboxEvent {
            id: row.id.clone(),
            kind: row.kind.clone(),
            subject_id: row.subject_id.clone(),
            payload: serde_json::from_str(&row.payload).unwrap_or(serde_json::Value::Null),
            attempt: u32::try_from(row.attempts).unwrap_or(1),
            created_at: row.created_at,
        }
    }
}

/// Why a handler did not finish.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum HandleError {
    /// Worth trying again later (a provider down, a timeout).
    #[error("{0}")]
    Retry(String),
    /// Trying again cannot help (the order is gone, the payload unreadable): `dead` at once.
    #[error("{0}")]
    Permanent(String),
}

impl From<StoreError> for HandleError {
    fn from(e: StoreError) -> HandleError {
        HandleError::Retry(format!("store: {e}"))
    }
}

/// What an event of one kind does.
#[async_trait::async_trait]
pub trait EventHandler: Send + Sync {
    async fn handle(&self, event: &OutboxEvent, out: &Deliveries) -> Result<(), HandleError>;
}

/// The messages an event sends, each at most once across retries.
pub struct Deliveries {
    store: Store,
    event_id: String,
    clock: Clock,
}

impl Deliveries {
    /// The send log's id for the message `key` of this event: the same on every retry, so a
    /// retry counts another attempt on the same log row.
    pub fn log_id(&self, key: &str) -> String {
        use sha2::Digest;
        let digest = sha2::Sha256::digest(format!("{}\n{key}", self.event_id).as_bytes());
        format!("ob-{}", &hex::encode(digest)[..32])
    }

    /// Whether this event sent the message `key` before.
    pub async fn sent(&self, key: &str) -> Result<bool, HandleError> {
        Ok(self.store.outbox_delivery_done(&self.event_id, key).await?)
    }

    /// Sends the message `key` (`email:<address>`, `sms:<number>` …) with `send` unless this
    /// event sent it before; `send` answers the provider's message id. `Ok(true)` when sent
    /// now, `Ok(false)` when it had been.
    pub async fn once<F, Fut>(&self, key: &str, send: F) -> Result<bool, HandleError>
    where
        F: FnOnce() -> Fut,
        Fut: Future<Output = Result<Option<String>, HandleError>>,
    {
        if self.store.outbox_delivery_done(&self.event_id, key).await? {
            return Ok(false);
        }
        let provider_id = send().await?;
        self.store
            .record_outbox_delivery(&self.event_id, key, provider_id.as_deref(), (self.clock)())
            .await?;
        Ok(true)
    }
}

/// What one pass of the worker did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RunReport {
    pub delivered: usize,
    pub retried: usize,
    pub dead: usize,
    /// Taken by another worker meanwhile (its lease ran out under this one).
    pub lost: usize,
}

impl RunReport {
    pub fn taken(&self) -> usize {
        self.delivered + self.retried + self.dead + self.lost
    }

    fn count(&mut self, outcome: Outcome) {
        match outcome {
            Outcome::Delivered => self.delivered += 1,
            Outcome::Retried => self.retried += 1,
            Outcome::Dead => self.dead += 1,
            Outcome::Lost => self.lost += 1,
        }
    }
}

/// What became of one event a worker took.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Outcome {
    Delivered,
    /// Failed; pending again after the backoff.
    Retried,
    /// Failed for good, or for the last time.
    Dead,
    /// Taken by another worker meanwhile (the lease ran out under this one).
    Lost,
}

/// Takes due events and hands them to their handlers.
pub struct OutboxWorker {
    store: Store,
    owner: String,
    lease: Duration,
    batch: u64,
    policy: RetryPolicy,
    handlers: HashMap<String, Arc<dyn EventHandler>>,
    clock: Clock,
}

impl std::fmt::Debug for OutboxWorker {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        let mut kinds: Vec<&str> = self.handlers.keys().map(String::as_str).collect();
        kinds.sort_unstable();
        f.debug_struct("OutboxWorker")
            .field("owner", &self.owner)
            .field("policy", &self.policy)
            .field("kinds", &kinds)
            .finish()
    }
}

impl OutboxWorker {
    /// A worker named `owner` (unique per process: its leases carry the name), with a lease of
    /// 2 minutes, batches of 20 and the default [`RetryPolicy`].
    pub fn new(store: Store, owner: impl Into<String>, clock: Clock) -> OutboxWorker {
        OutboxWorker {
            store,
            owner: owner.into(),
            lease: Duration::from_secs(120),
            batch: 20,
            policy: RetryPolicy::default(),
            handlers: HashMap::new(),
            clock,
        }
    }

    pub fn with_policy(mut self, policy: RetryPolicy) -> OutboxWorker {
        self.policy = policy;
        self
    }

    /// How long an event is held before another worker may take it (longer than a handler
    /// takes).
    pub fn with_lease(mut self, lease: Duration) -> OutboxWorker {
        self.lease = lease;
        self
    }

    /// Events of `kind` go to `handler`.
    pub fn handle(mut self, kind: &str, handler: Arc<dyn EventHandler>) -> OutboxWorker {
        self.handlers.insert(kind.to_owned(), handler);
        self
    }

    pub fn policy(&self) -> RetryPolicy {
        self.policy
    }

    /// Now, and when a lease taken now runs out.
    fn lease_window(&self) -> (DateTime<Utc>, DateTime<Utc>) {
        let now = (self.clock)();
        let lease =
            chrono::Duration::from_std(self.lease).unwrap_or_else(|_| chrono::Duration::minutes(2));
        (now, now + lease)
    }

    /// Takes the events due now (one batch) and delivers them.
    pub async fn run_once(&self) -> Result<RunReport, StoreError> {
        let (now, lease_until) = self.lease_window();
        let events = self
            .store
            .claim_outbox_events(&self.owner, now, lease_until, self.batch)
            .await?;
        let mut report = RunReport::default();
        for row in events {
            report.count(self.deliver(&row).await?);
        }
        Ok(report)
    }

    /// Takes the event `id` by itself, due or not, and delivers it now, as [`run_once`]
    /// would: the request that wrote it, for someone waiting for its message. A failure
    /// leaves it pending for the workers after this worker's backoff (or dead, as ever).
    /// `None` when it was not there to take: delivered or dead already, or held by a worker.
    ///
    /// [`run_once`]: OutboxWorker::run_once
    pub async fn deliver_now(&self, id: &str) -> Result<Option<Outcome>, StoreError> {
        let (now, lease_until) = self.lease_window();
        let Some(row) = self
            .store
            .claim_outbox_event(id, &self.owner, now, lease_until)
            .await?
        else {
            return Ok(None);
        };
        Ok(Some(self.deliver(&row).await?))
    }

    /// Hands an event this worker holds to its handler and records the outcome.
    async fn deliver(&self, row: &OutboxEventRow) -> Result<Outcome, StoreError> {
        let event = OutboxEvent::from_row(row);
        let outcome = match self.handlers.get(&event.kind) {
            Some(handler) => {
                let out = Deliveries {
                    store: self.store.clone(),
                    event_id: event.id.clone(),
                    clock: self.clock.clone(),
                };
                handler.handle(&event, &out).await
            }
            None => Err(HandleError::Permanent(format!(
                "no handler for events of kind {}",
                event.kind
            ))),
        };
        let at = (self.clock)();
        let (done, kept) = match &outcome {
            Ok(()) => (
                Outcome::Delivered,
                self.store
                    .outbox_event_delivered(&event.id, &self.owner, at)
                    .await?,
            ),
            Err(e) => {
                let retry_at = match e {
                    HandleError::Retry(_) => self.policy.retry_at(event.attempt, at),
                    HandleError::Permanent(_) => None,
                };
                tracing::warn!(event = %event.id, kind = %event.kind, attempt = event.attempt, error = %e, dead = retry_at.is_none(), "outbox event not delivered");
                let kept = self
                    .store
                    .outbox_event_failed(&event.id, &self.owner, &e.to_string(), retry_at, at)
                    .await?;
                let done = if retry_at.is_some() {
                    Outcome::Retried
                } else {
                    Outcome::Dead
                };
                (done, kept)
            }
        };
        // Not kept: the lease ran out under this worker and another took the event; that one's
        // outcome stands (the messages sent here are recorded, so it will not repeat them).
        Ok(if kept { done } else { Outcome::Lost })
    }

    /// Runs passes until `stop` resolves: at once again after a full batch, else after `idle`.
    pub async fn run_until(self, idle: Duration, stop: impl Future<Output = ()>) {
        tokio::pin!(stop);
        loop {
            let wait = match self.run_once().await {
                Ok(r) if r.taken() as u64 >= self.batch => Duration::ZERO,
                Ok(_) => idle,
                Err(e) => {
                    tracing::warn!(error = %e, "outbox worker could not read the outbox");
                    idle
                }
            };
            tokio::select! {
                () = &mut stop => return,
                () = tokio::time::sleep(wait) => {}
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn backoff_doubles_up_to_the_cap() {
        let p = RetryPolicy {
            max_attempts: 5,
            base: Duration::from_secs(10),
            max: Duration::from_secs(60),
        };
        let waits: Vec<u64> = (1..=6).map(|a| p.backoff(a).as_secs()).collect();
        assert_eq!(waits, vec![10, 20, 40, 60, 60, 60]);
        assert_eq!(p.backoff(0).as_secs(), 10);
        assert_eq!(p.backoff(u32::MAX), Duration::from_secs(60));
    }

    #[test]
    fn the_last_attempt_has_no_retry() {
        let p = RetryPolicy {
            max_attempts: 3,
            base: Duration::from_secs(30),
            max: Duration::from_secs(600),
        };
        let now = DateTime::parse_from_rfc3339("2026-11-25T10:00:00Z")
            .unwrap()
            .with_timezone(&Utc);
        assert_eq!(
            p.retry_at(1, now),
            Some(now + chrono::Duration::seconds(30))
        );
        assert_eq!(
            p.retry_at(2, now),
            Some(now + chrono::Duration::seconds(60))
        );
        assert_eq!(p.retry_at(3, now), None);
        assert_eq!(p.retry_at(9, now), None);
    }

    #[test]
    fn the_default_gives_up_after_about_two_hours() {
        let p = RetryPolicy::default();
        let total: u64 = (1..p.max_attempts).map(|a| p.backoff(a).as_secs()).sum();
        assert_eq!(total, 60 + 120 + 240 + 480 + 960 + 1920 + 3600);
    }
}
