//! The states of our own payment and refund records, and which changes between them are
//! allowed.
//!
//! A payment record is written **before** the provider is called (`processing`, with no
//! provider id yet), then follows what the provider says, however it hears it: the call's
//! answer, a webhook, or the reconciliation job asking again. Those can arrive in any order and
//! more than once, so a record only ever moves **forward**: a late "authorised" notification
//! after the capture changes nothing, and a final state is never left.
//!
//! ```text
//!  processing ⇄ requires_action
//!       │  ╲         │
//!       ▼   ╲        ▼
//!  requires_capture ──► succeeded | partially_captured | cancelled
//!       (any non-final) ──► failed | cancelled | succeeded | partially_captured
//! ```
//!
//! Refunds: `pending` → `succeeded` | `failed`; a failed refund goes to `manual_review` for
//! finance, who may still settle it (`succeeded`). `succeeded` is final.

use std::fmt;

use serde::{Deserialize, Serialize};

/// Where one payment attempt stands, as we record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum PaymentRecordStatus {
    /// Recorded before the provider was called, or the provider has not decided yet. With no
    /// provider id, the call's outcome is unknown (a timeout, a crash): reconciliation asks.
    Processing,
    /// The customer must act (3-D Secure, a wallet's approval page, a QR code).
    RequiresAction,
    /// Authorised; waiting to be captured or voided.
    RequiresCapture,
    /// Captured in part; the rest of the authorisation was released. Final.
    PartiallyCaptured,
    /// Captured in full. Final (refunds are their own records).
    Succeeded,
    /// Declined, not authenticated, or never reached the provider. Final.
    Failed,
    /// Voided or abandoned before anything was taken. Final.
    Cancelled,
}

/// Every payment record status, in the order a payment usually goes through them.
pub const PAYMENT_RECORD_STATUSES: &[PaymentRecordStatus] = &[
    PaymentRecordStatus::Processing,
    PaymentRecordStatus::RequiresAction,
    PaymentRecordStatus::RequiresCapture,
    PaymentRecordStatus::PartiallyCaptured,
    PaymentRecordStatus::Succeeded,
    PaymentRecordStatus::Failed,
    PaymentRecordStatus::Cancelled,
];

impl PaymentRecordStatus {
    /// The stored snake_case name.
    pub fn as_str(self) -> &'static str {
        match self {
            PaymentRecordStatus::Processing => "processing",
            PaymentRecordStatus::RequiresAction => "requires_action",
            PaymentRecordStatus::RequiresCapture => "requires_capture",
            PaymentRecordStatus::PartiallyCaptured => "partially_captured",
            PaymentRecordStatus::Succeeded => "succeeded",
            PaymentRecordStatus::Failed => "failed",
            PaymentRecordStatus::Cancelled => "cancelled",
        }
    }

    /// The status named by [`PaymentRecordStatus::as_str`].
    pub fn parse(s: &str) -> Option<PaymentRecordStatus> {
        PAYMENT_RECORD_STATUSES
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
    }

    /// Nothing changes a final record any more (refunds are separate records).
    pub fn is_final(self) -> bool {
        matches!(
            self,
            PaymentRecordStatus::PartiallyCaptured
                | PaymentRecordStatus::Succeeded
                | PaymentRecordStatus::Failed
                | PaymentRecordStatus::Cancelled
        )
    }

    /// Money was taken (all or part): refunds may follow.
    pub fn is_captured(self) -> bool {
        matches!(
            self,
            PaymentRecordStatus::PartiallyCaptured | PaymentRecordStatus::Succeeded
        )
    }

    /// How far along: the customer's part (0), authorised (1), settled (2).
    fn stage(self) -> u8 {
        match self {
            PaymentRecordStatus::Processing | PaymentRecordStatus::RequiresAction => 0,
            PaymentRecordStatus::RequiresCapture => 1,
            _ => 2,
        }
    }

    /// Whether a record in `self` may take `next`: never out of a final state, never back to
    /// an earlier stage; between `processing` and `requires_action` either way (a bank may
    /// ask for authentication after a payment was submitted, and a submitted authentication is
    /// processed). The same status again is not a change.
    pub fn may_become(self, next: PaymentRecordStatus) -> bool {
        if self == next || self.is_final() {
            return false;
        }
        next.stage() >= self.stage()
    }

    /// The settled status for what was captured of the amount: all of it `succeeded`, part of
    /// it `partially_captured`, nothing `cancelled` (the authorisation was released).
    pub fn settled(captured_minor: i64, amount_minor: i64) -> PaymentRecordStatus {
        if captured_minor >= amount_minor {
            PaymentRecordStatus::Succeeded
        } else if captured_minor > 0 {
            PaymentRecordStatus::PartiallyCaptured
        } else {
            PaymentRecordStatus::Cancelled
        }
    }
}

impl fmt::Display for PaymentRecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// Where a refund stands, as we record it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum RefundRecordStatus {
    /// Asked for; the provider has not settled it (or its answer was lost).
    Pending,
    Succeeded,
    /// The provider refused or failed it.
    Failed,
    /// Failed or unknown for too long: finance must look (and may settle it by hand).
    ManualReview,
}

/// Every refund record status.
pub const REFUND_RECORD_STATUSES: &[RefundRecordStatus] = &[
    RefundRecordStatus::Pending,
    RefundRecordStatus::Succeeded,
    RefundRecordStatus::Failed,
    RefundRecordStatus::ManualReview,
];

impl RefundRecordStatus {
    pub fn as_str(self) -> &'static str {
        match self {
            RefundRecordStatus::Pending => "pending",
            RefundRecordStatus::Succeeded => "succeeded",
            RefundRecordStatus::Failed => "failed",
            RefundRecordStatus::ManualReview => "manual_review",
        }
    }

    pub fn parse(s: &str) -> Option<RefundRecordStatus> {
        REFUND_RECORD_STATUSES
            .iter()
            .copied()
            .find(|st| st.as_str() == s)
    }

    /// Whether a refund in `self` may take `next`: a pending one settles either way, a failed
    /// one goes to review, a reviewed one may still be settled; `succeeded` is final.
    pub fn may_become(self, next: RefundRecordStatus) -> bool {
        use RefundRecordStatus::*;
        matches!(
            (self, next),
            (Pending, Succeeded | Failed | ManualReview)
                | (Failed, ManualReview)
                | (ManualReview, Succeeded | Failed)
        )
    }

    /// The refund's money counts against what may still be refunded (it may yet go through).
    pub fn holds_money(self) -> bool {
        !matches!(self, RefundRecordStatus::Failed)
    }
}

impl fmt::Display for RefundRecordStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use PaymentRecordStatus::*;

    #[test]
    fn names_round_trip() {
        for s in PAYMENT_RECORD_STATUSES {
            assert_eq!(PaymentRecordStatus::parse(s.as_str()), Some(*s));
            assert_eq!(
                serde_json::to_value(s).unwrap(),
                serde_json::Value::String(s.as_str().into())
            );
        }
        for s in REFUND_RECORD_STATUSES {
            assert_eq!(RefundRecordStatus::parse(s.as_str()), Some(*s));
        }
        assert_eq!(PaymentRecordStatus::parse("authorized"), None);
        assert_eq!(PaymentRecordStatus::parse("canceled"), None);
    }

    #[test]
    fn records_only_move_forward() {
        // Forward moves.
        assert!(Processing.may_become(RequiresAction));
        assert!(RequiresAction.may_become(Processing));
        assert!(Processing.may_become(RequiresCapture));
        assert!(Processing.may_become(Succeeded));
        assert!(Processing.may_become(Failed));
        assert!(RequiresAction.may_become(Failed));
        assert!(RequiresCapture.may_become(Succeeded));
        assert!(RequiresCapture.may_become(PartiallyCaptured));
        assert!(RequiresCapture.may_become(Cancelled));
        // A late "authorised" after the capture, or anything after a final state: no.
        assert!(!Succeeded.may_become(RequiresCapture));
        assert!(!RequiresCapture.may_become(Processing));
        assert!(!RequiresCapture.may_become(RequiresAction));
        for f in [PartiallyCaptured, Succeeded, Failed, Cancelled] {
            assert!(f.is_final());
            for next in PAYMENT_RECORD_STATUSES {
                assert!(!f.may_become(*next), "{f} → {next}");
            }
        }
        // The same status again is no change.
        for s in PAYMENT_RECORD_STATUSES {
            assert!(!s.may_become(*s));
        }
    }

    #[test]
    fn any_order_of_the_same_updates_ends_in_the_same_place() {
        // Apply every permutation of a payment's notifications; the record ends settled.
        let updates = [Processing, RequiresAction, RequiresCapture, Succeeded];
        let mut perms = vec![];
        permute(&updates, &mut vec![], &mut perms);
        for p in perms {
            let mut s = Processing;
            for next in &p {
                if s.may_become(*next) {
                    s = *next;
                }
            }
            assert_eq!(s, Succeeded, "{p:?}");
        }
    }

    fn permute(
        rest: &[PaymentRecordStatus],
        acc: &mut Vec<PaymentRecordStatus>,
        out: &mut Vec<Vec<PaymentRecordStatus>>,
    ) {
        if rest.is_empty() {
            out.push(acc.clone());
            return;
        }
        for i in 0..rest.len() {
            let mut r = rest.to_vec();
            let x = r.remove(i);
            acc.push(x);
            permute(&r, acc, out);
            acc.pop();
        }
    }

    #[test]
    fn settled_status_follows_the_captured_amount() {
        assert_eq!(PaymentRecordStatus::settled(100, 100), Succeeded);
        assert_eq!(PaymentRecordStatus::settled(60, 100), PartiallyCaptured);
        assert_eq!(PaymentRecordStatus::settled(0, 100), Cancelled);
        assert!(Succeeded.is_captured() && PartiallyCaptured.is_captured());
        assert!(!RequiresCapture.is_captured());
    }

    #[test]
    fn refunds_settle_once() {
        use RefundRecordStatus as R;
        assert!(R::Pending.may_become(R::Succeeded));
        assert!(R::Pending.may_become(R::Failed));
        assert!(R::Failed.may_become(R::ManualReview));
        assert!(R::ManualReview.may_become(R::Succeeded));
        assert!(!R::Succeeded.may_become(R::Failed));
        assert!(!R::Succeeded.may_become(R::Pending));
        assert!(!R::Failed.may_become(R::Succeeded));
        assert!(R::Pending.holds_money() && !R::Failed.holds_money());
    }
}
