//! The background work: unpaid holds whose time is up are expired and their seats and rooms
//! given back (an item whose release failed is tried again on the next round), and the
//! pre-trip reminders that are due go out, and payments left open are reconciled with their
//! providers. Safe to run on several instances at once: every
//! step is a conditional update or a claimed lease.

use std::time::Duration as StdDuration;

use chrono::Duration;
use wayfare_domain::order::OrderStatus;

use crate::Orders;
use crate::error::BookingError;
use crate::view::status_of;

/// What one round did.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct SweepReport {
    pub expired: usize,
    pub released: usize,
    pub reminders_sent: usize,
    /// Payments and refunds reconciliation changed.
    pub payments_fixed: usize,
}

const BATCH: u64 = 200;

impl Orders {
    /// One round of expiry, release and reminders.
    pub async fn sweep(&self) -> Result<SweepReport, BookingError> {
        let mut report = SweepReport::default();
        let store = &self.inner.store;
        let now = self.now();
        for row in store.expired_holds(now, BATCH).await? {
            if self
                .expire_order(&row, "the hold expired before payment")
                .await?
            {
                report.expired += 1;
            }
        }
        for item in store.items_to_release(BATCH).await? {
            self.release_item(&item).await?;
            report.released += 1;
        }
        for reminder in store
            .claim_due_reminders(now, Duration::minutes(5), BATCH)
            .await?
        {
            if let Some(row) = store.order(&reminder.order_id).await?
                && status_of(&row)? == OrderStatus::Confirmed
                && row.starts_at > now
            {
                store
                    .enqueue_event(
                        crate::messages::order_message_event(&row.id, "trip-reminder", now),
                        now,
                    )
                    .await?;
                report.reminders_sent += 1;
            }
            // Sent, or no longer worth sending (cancelled, already departed): done either way.
            store.mark_reminder_sent(&reminder.id, self.now()).await?;
        }
        let reconciled = self.reconcile(self.inner.config.reconcile_after).await?;
        for e in &reconciled.errors {
            tracing::warn!(error = %e, "reconciliation could not settle a payment yet");
        }
        for m in &reconciled.mismatches {
            tracing::error!(mismatch = %m, "payment amount differs from the provider's");
        }
        report.payments_fixed = reconciled.fixed.len();
        Ok(report)
    }

    /// Sweeps every `every` until the task is dropped.
    pub async fn sweep_forever(self, every: StdDuration) {
        let mut tick = tokio::time::interval(every);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            match self.sweep().await {
                Ok(r) if r != SweepReport::default() => {
                    tracing::info!(
                        expired = r.expired,
                        released = r.released,
                        reminders = r.reminders_sent,
                        payments_fixed = r.payments_fixed,
                        "order sweep"
                    )
                }
                Ok(_) => {}
                Err(e) => tracing::warn!(error = %e, "order sweep failed; trying again next round"),
            }
        }
    }
}
