//! Paying an order: one conditional move to `awaiting_payment` (a second click, a second tab or
//! the expiry sweeper cannot also move it), an authorisation with the provider, confirmation
//! with every supplier, then capture of what was confirmed. Money is only ever taken for
//! items a supplier confirmed; a hold that ran out while paying is voided, never charged.
//! The traveller's receipt (`payment-received`) is written with the record of the money
//! taken: the capture, or the move to `paid` when the provider took it at once.

use chrono::{DateTime, Utc};
use wayfare_domain::Money;
use wayfare_domain::order::{ItemStatus, OrderEvent, OrderStatus};
use wayfare_domain::payment::instalments::fee_share;
use wayfare_domain::payment::methods::MethodKind;
use wayfare_domain::payment::record::{PaymentRecordStatus, RefundRecordStatus};
use wayfare_payments::{Payment, PaymentError, PaymentRequest, PaymentStatus};
use wayfare_store::orders::{ItemUpdate, OrderItemRow, OrderPaymentRow, OrderRow, PaymentWrite};
use wayfare_suppliers::flight::SupplierError;
use wayfare_suppliers::hotel::{GuestName, HotelBookingRequest};

use crate::error::{BookingError, retryable};
use crate::messages::receipt_events;
use crate::methods::capture_for;
use crate::payments::RefundAsk;
use crate::view::{OrderView, assemble_view, currency_of, status_of};
use crate::{Actor, Orders, Viewer, new_id};

/// A payment the traveller asked for.
#[derive(Debug, Clone, Default)]
pub struct PayRequest {
    /// The way of paying (`card`, `paypal`, `instalments` …). `None`: the first way the
    /// provider offers for this order.
    pub method: Option<MethodKind>,
    /// The connector (`sandbox`, `stripe` …). Empty: the one offering `method`.
    pub provider: String,
    /// The provider's payment method (`pm_card_visa` in the sandbox, a Stripe.js `pm_…`, a
    /// Klarna authorisation token). Empty with `saved_payment_method`.
    pub payment_method: String,
    /// One of the traveller's saved cards (its id), instead of `payment_method`.
    pub saved_payment_method: Option<String>,
    /// Pay in this many monthly instalments (a plan the order is offered).
    pub instalments: Option<u8>,
    /// The traveller's country, for which methods are offered (else the lead traveller's
    /// nationality).
    pub country: Option<String>,
    /// The client's `Idempotency-Key`; the same key never pays twice.
    pub idempotency_key: String,
    /// The payer's IP address as it reached us (WeChat Pay H5 requires it); kept with the
    /// attempt.
    pub payer_ip: Option<String>,
}

/// What a payment request comes to once checked against the order's options.
struct Chosen {
    provider: std::sync::Arc<dyn wayfare_payments::PaymentProvider>,
    payment_method: String,
    /// What is charged: the total, plus the plan's fee when in instalments.
    amount: Money,
    instalments: Option<u8>,
    fee: Money,
}

/// What confirming one item ended in.
enum Confirmed {
    Yes,
    No(String),
}

impl Orders {
    /// Pays a held order in full and confirms it with the suppliers.
    pub async fn pay(
        &self,
        order_id: &str,
        viewer: &Viewer,
        actor: &Actor,
        req: &PayRequest,
    ) -> Result<OrderView, BookingError> {
        if wayfare_domain::payment::card::contains_card_number(&req.payment_method) {
            // A card number must never be stored or logged (PCI DSS): refused before anything
            // is written, and not repeated in the answer.
            return Err(BookingError::invalid(
                "payment_method",
                "reason-card-number-not-accepted",
            ));
        }
        let store = &self.inner.store;
        let row = self.visible_row(order_id, viewer).await?;
        let payment_key = format!("{order_id}:{}", req.idempotency_key);
        let earlier = store.order_payments(order_id).await?;
        // The same payment asked for again (a retry after a lost answer): what it came to.
        if let Some(existing) = earlier.iter().find(|p| p.idempotency_key == payment_key) {
            let existing = existing.clone();
            let view = self.view_of(row).await?;
            return match existing.status.as_str() {
                "failed" | "cancelled" => Err(BookingError::PaymentDeclined {
                    code: existing
                        .failure_code
                        .unwrap_or_else(|| "card_declined".into()),
                    decline_code: None,
                }),
                _ => Ok(view),
            };
        }
        let now = self.now();
        match status_of(&row)? {
            OrderStatus::Paid | OrderStatus::Confirmed => return self.view_of(row).await,
            OrderStatus::AwaitingPayment => return Err(BookingError::PaymentInProgress),
            OrderStatus::Expired => return Err(BookingError::HoldExpired),
            status @ OrderStatus::Cancelled => return Err(BookingError::NotPayable { status }),
            OrderStatus::Held if row.hold_expires_at <= now => {
                self.expire_order(&row, "the hold expired before payment")
                    .await?;
                return Err(BookingError::HoldExpired);
            }
            OrderStatus::Held => {}
        }
        let label = actor.label();
        let chosen = self.choose(&row, viewer, req).await?;
        let provider = chosen.provider.clone();
        // The attempt is recorded with the move, before the provider hears of it.
        let mut payment_row = OrderPaymentRow {
            id: new_id("opy"),
            order_id: order_id.to_owned(),
            provider: provider.name().to_owned(),
            provider_payment_id: None,
            status: PaymentRecordStatus::Processing.as_str().into(),
            payment_method: chosen.payment_method.chars().take(100).collect(),
            amount_minor: chosen.amount.minor(),
            captured_minor: 0,
            refunded_minor: 0,
            currency: chosen.amount.currency().code().to_owned(),
            failure_code: None,
            next_action_url: None,
            idempotency_key: payment_key,
            instalments: chosen.instalments.map(i32::from),
            fee_minor: chosen.fee.minor(),
            payer_ip: req
                .payer_ip
                .as_deref()
                .map(|ip| ip.chars().take(64).collect()),
            checked_at: None,
            created_at: now,
            updated_at: now,
        };
        let moved = self
            .move_order_with(
                order_id,
                OrderStatus::Held,
                OrderEvent::PaymentStarted,
                &label,
                &match chosen.instalments {
                    Some(n) => format!(
                        "{} {} in {n} instalments",
                        provider.name(),
                        payment_row.payment_method
                    ),
                    None => format!("{} {}", provider.name(), payment_row.payment_method),
                },
                true,
                Some(PaymentWrite::Insert(&payment_row)),
                &[],
            )
            .await?;
        let Some(row) = moved else {
            // Someone else moved it first, or the hold ran out this instant.
            let again = store.order(order_id).await?.ok_or(BookingError::NotFound)?;
            return match status_of(&again)? {
                OrderStatus::AwaitingPayment => Err(BookingError::PaymentInProgress),
                OrderStatus::Paid | OrderStatus::Confirmed => self.view_of(again).await,
                OrderStatus::Held => {
                    self.expire_order(&again, "the hold expired before payment")
                        .await?;
                    Err(BookingError::HoldExpired)
                }
                OrderStatus::Expired => Err(BookingError::HoldExpired),
                status => Err(BookingError::NotPayable { status }),
            };
        };
        let result = provider
            .create_payment(&self.payment_request(&row, &payment_row)?)
            .await;
        match result {
            Err(PaymentError::Timeout) => {
                // The provider may have taken it: the attempt stays `processing` and the order
                // waits, until the provider's notification or reconciliation says how it went.
                // Nothing is tried again with another key, so nothing is charged twice.
                store
                    .note_order_event(
                        order_id,
                        "payment_unknown",
                        OrderStatus::AwaitingPayment.as_str(),
                        &label,
                        "the payment provider did not answer in time; checking with it",
                        self.now(),
                    )
                    .await?;
                self.load_view(order_id).await
            }
            Err(e) => {
                let expected = payment_row.status.clone();
                payment_row.status = PaymentRecordStatus::Failed.as_str().into();
                payment_row.failure_code = Some(
                    match &e {
                        PaymentError::InvalidRequest(_) => "invalid_request",
                        _ => "provider_unavailable",
                    }
                    .into(),
                );
                payment_row.updated_at = self.now();
                store
                    .update_order_payment_if(&payment_row, &expected)
                    .await?;
                self.payment_failed(&row, &label, "the payment could not be made")
                    .await?;
                match e {
                    PaymentError::InvalidRequest(_) => Err(BookingError::invalid(
                        "payment_method",
                        "reason-payment-method",
                    )),
                    _ => Err(BookingError::PaymentUnavailable),
                }
            }
            Ok(payment) => {
                self.after_payment(row, payment_row, earlier, payment, &label)
                    .await
            }
        }
    }

    /// Checks a payment request against what may pay this order: the method offered, the
    /// plan offered, the card the traveller's own. Nothing is written.
    async fn choose(
        &self,
        row: &OrderRow,
        viewer: &Viewer,
        req: &PayRequest,
    ) -> Result<Chosen, BookingError> {
        let options = self
            .options_for(row, viewer, req.country.as_deref())
            .await?;
        let asked_provider = Some(req.provider.trim()).filter(|p| !p.is_empty());
        // A saved card names its connector.
        let (saved_provider, saved_token) = match req.saved_payment_method.as_deref() {
            Some(id) => {
                let (p, t) = self.saved_card_token(row, viewer, id.trim()).await?;
                (Some(p), Some(t))
            }
            None => (None, None),
        };
        if let (Some(a), Some(s)) = (asked_provider, saved_provider.as_deref())
            && a != s
        {
            return Err(BookingError::invalid(
                "saved_payment_method",
                "reason-saved-card",
            ));
        }
        let provider_name = asked_provider.or(saved_provider.as_deref());
        let kind = match (req.method, req.instalments) {
            (Some(k), _) => k,
            (None, Some(_)) => MethodKind::Instalments,
            (None, None) => options
                .methods
                .iter()
                .find(|m| provider_name.is_none_or(|p| p == m.provider))
                .map(|m| m.kind)
                .ok_or_else(|| {
                    BookingError::invalid("provider", "reason-payment-unavailable-provider")
                })?,
        };
        let offer = options.offer(kind, provider_name).ok_or_else(|| {
            if provider_name.is_some_and(|p| self.provider(p).is_none()) {
                BookingError::invalid("provider", "reason-payment-unavailable-provider")
            } else {
                BookingError::invalid("method", "reason-payment-method-not-offered")
            }
        })?;
        let provider = self.provider(&offer.provider).cloned().ok_or_else(|| {
            BookingError::invalid("provider", "reason-payment-unavailable-provider")
        })?;
        let (amount, instalments, fee) = match (kind, req.instalments) {
            (MethodKind::Instalments, Some(n)) => {
                let plan = options.plan(n).ok_or_else(|| {
                    BookingError::invalid("instalments", "reason-instalments-not-offered")
                })?;
                (plan.quote.total, Some(n), plan.quote.fee)
            }
            (MethodKind::Instalments, None) => {
                return Err(BookingError::invalid("instalments", "reason-required"));
            }
            (_, Some(_)) => {
                return Err(BookingError::invalid(
                    "instalments",
                    "reason-instalments-not-offered",
                ));
            }
            (_, None) => (options.amount, None, Money::zero(options.amount.currency())),
        };
        let payment_method = match saved_token {
            Some(token) => token,
            None if !req.payment_method.trim().is_empty() => req.payment_method.trim().to_owned(),
            // A wallet needs nothing more: the payer approves on its page.
            None => match kind {
                MethodKind::PayPal => wayfare_payments::paypal::PAYMENT_METHOD.to_owned(),
                MethodKind::Alipay => wayfare_payments::alipay::PAYMENT_METHOD.to_owned(),
                MethodKind::WeChatPay => wayfare_payments::wechatpay::METHOD_NATIVE.to_owned(),
                _ => return Err(BookingError::invalid("payment_method", "reason-required")),
            },
        };
        Ok(Chosen {
            provider,
            payment_method,
            amount,
            instalments,
            fee,
        })
    }

    /// The request a payment attempt sends to its provider, the same every time for the same
    /// attempt (its id is the idempotency key), so asking again finds the first one.
    pub(crate) fn payment_request(
        &self,
        row: &OrderRow,
        payment_row: &OrderPaymentRow,
    ) -> Result<PaymentRequest, BookingError> {
        let currency = currency_of(&payment_row.currency)?;
        Ok(PaymentRequest {
            amount: Money::from_minor(payment_row.amount_minor, currency),
            payment_method: payment_row.payment_method.clone(),
            capture: capture_for(&payment_row.provider),
            idempotency_key: payment_row.id.clone(),
            reference: row.reference.clone(),
            description: crate::methods::purchase_description(&row.reference),
            customer_email: Some(row.contact_email.clone()),
            return_url: Some(format!(
                "{}/bookings/{}",
                self.inner.config.public_base_url.trim_end_matches('/'),
                row.id
            )),
            instalments: payment_row.instalments.and_then(|n| u8::try_from(n).ok()),
            payer_ip: payment_row.payer_ip.clone(),
        })
    }

    /// The order and payment behind a provider's payment id (the 3-D Secure page's link), if
    /// `viewer` may see the order.
    pub async fn payment_for_action(
        &self,
        provider: &str,
        provider_payment_id: &str,
        viewer: &Viewer,
    ) -> Result<(OrderView, String), BookingError> {
        let payment = self
            .inner
            .store
            .order_payment_by_provider_id(provider, provider_payment_id)
            .await?
            .ok_or(BookingError::NotFound)?;
        let view = self.get(&payment.order_id, viewer).await?;
        Ok((view, payment.id))
    }

    /// The traveller's answer to their bank's check (3-D Secure), then the payment goes on.
    pub async fn complete_payment_action(
        &self,
        order_id: &str,
        payment_id: &str,
        approved: bool,
        viewer: &Viewer,
        actor: &Actor,
    ) -> Result<OrderView, BookingError> {
        let store = &self.inner.store;
        let row = self.visible_row(order_id, viewer).await?;
        let (mine, others): (Vec<_>, Vec<_>) = store
            .order_payments(order_id)
            .await?
            .into_iter()
            .partition(|p| p.id == payment_id);
        let payment_row = mine.into_iter().next().ok_or(BookingError::NotFound)?;
        if payment_row.status != "requires_action" {
            return self.view_of(row).await;
        }
        let provider = self
            .provider(&payment_row.provider)
            .cloned()
            .ok_or_else(|| BookingError::UnknownProvider(payment_row.provider.clone()))?;
        let provider_id = payment_row
            .provider_payment_id
            .clone()
            .ok_or_else(|| BookingError::Internal("payment without provider id".into()))?;
        let payment = provider
            .complete_action(&provider_id, approved)
            .await
            .map_err(|_| BookingError::PaymentUnavailable)?;
        self.after_payment(row, payment_row, others, payment, &actor.label())
            .await
    }

    /// The provider answered: record it and go on according to what it said.
    pub(crate) async fn after_payment(
        &self,
        row: OrderRow,
        mut payment_row: OrderPaymentRow,
        others: Vec<OrderPaymentRow>,
        payment: Payment,
        actor: &str,
    ) -> Result<OrderView, BookingError> {
        let store = &self.inner.store;
        let expected = payment_row.status.clone();
        record_payment(&mut payment_row, &payment, self.now());
        if !matches!(
            payment.status,
            PaymentStatus::Authorized | PaymentStatus::Succeeded
        ) && !store
            .update_order_payment_if(&payment_row, &expected)
            .await?
        {
            // Recorded meanwhile by the provider's notification or reconciliation, which went
            // on from there.
            return self.load_view(&row.id).await;
        }
        // (An authorised one is recorded with the order's move to `paid`, which only one of
        // them wins.)
        match payment.status {
            PaymentStatus::Failed | PaymentStatus::Canceled => {
                let failure = payment.failure.clone();
                let code = failure
                    .as_ref()
                    .map(|f| f.code.clone())
                    .unwrap_or_else(|| "card_declined".into());
                self.payment_failed(&row, actor, &code).await?;
                Err(BookingError::PaymentDeclined {
                    code,
                    decline_code: failure.and_then(|f| f.decline_code),
                })
            }
            PaymentStatus::RequiresAction | PaymentStatus::Processing => {
                store
                    .note_order_event(
                        &row.id,
                        "payment_requires_action",
                        OrderStatus::AwaitingPayment.as_str(),
                        actor,
                        "the bank asks the traveller to confirm",
                        self.now(),
                    )
                    .await?;
                self.load_view(&row.id).await
            }
            PaymentStatus::Authorized | PaymentStatus::Succeeded => {
                self.after_authorised(row, payment_row, others, payment, actor)
                    .await
            }
        }
    }

    /// Back to `held` after a failed attempt, so the traveller can try another card.
    pub(crate) async fn payment_failed(
        &self,
        row: &OrderRow,
        actor: &str,
        reason: &str,
    ) -> Result<(), BookingError> {
        self.move_order(
            &row.id,
            OrderStatus::AwaitingPayment,
            OrderEvent::PaymentFailed,
            actor,
            reason,
            false,
        )
        .await?;
        Ok(())
    }

    /// The money is secured: unless the hold ran out meanwhile, confirm with the suppliers and
    /// capture what they confirmed.
    async fn after_authorised(
        &self,
        row: OrderRow,
        mut payment_row: OrderPaymentRow,
        others: Vec<OrderPaymentRow>,
        payment: Payment,
        actor: &str,
    ) -> Result<OrderView, BookingError> {
        let store = &self.inner.store;
        let now = self.now();
        if row.hold_expires_at <= now {
            // Too late: the seats and rooms may be someone else's by now. Never charge.
            self.give_money_back(&mut payment_row, &payment, None, "hold_expired")
                .await;
            let moved = self
                .move_order(
                    &row.id,
                    OrderStatus::AwaitingPayment,
                    OrderEvent::HoldExpired,
                    "system",
                    "the hold expired while paying; the payment was given back",
                    false,
                )
                .await?;
            if moved.is_some() {
                self.release_items(&row.id).await?;
            }
            return Err(BookingError::HoldExpired);
        }
        let Some(row) = self
            .move_order_recording(
                &row.id,
                OrderStatus::AwaitingPayment,
                OrderEvent::PaymentSucceeded,
                actor,
                &format!(
                    "{} {} authorised",
                    payment_row.provider,
                    payment_row.provider_payment_id.as_deref().unwrap_or("")
                ),
                &payment_row,
            )
            .await?
        else {
            let again = store.order(&row.id).await?.ok_or(BookingError::NotFound)?;
            return match status_of(&again)? {
                // The same payment's notification (or reconciliation) moved it first and is
                // confirming it: that one goes on.
                OrderStatus::Paid | OrderStatus::Confirmed => self.view_of(again).await,
                // Moved elsewhere (expired, cancelled): keep the money safe.
                status => {
                    self.give_money_back(&mut payment_row, &payment, None, "order_changed")
                        .await;
                    Err(BookingError::NotPayable { status })
                }
            };
        };

        // Confirm every item with its supplier.
        let items = store.order_items(&row.id).await?;
        let mut confirmed_minor = 0i64;
        let mut failed = Vec::new();
        for item in &items {
            if item.status == ItemStatus::Confirmed.as_str() {
                confirmed_minor += item.total_minor;
                continue;
            }
            match self.confirm_item(&row, item).await {
                Confirmed::Yes => confirmed_minor += item.total_minor,
                Confirmed::No(why) => failed.push((item, why)),
            }
        }
        let currency = currency_of(&row.currency)?;
        if confirmed_minor == 0 {
            self.give_money_back(&mut payment_row, &payment, None, "supplier_failed")
                .await;
            let reason = failed
                .iter()
                .map(|(i, why)| format!("item {}: {why}", i.position))
                .collect::<Vec<_>>()
                .join("; ");
            self.move_order_telling(
                &row.id,
                OrderStatus::Paid,
                OrderEvent::SuppliersFailed,
                &reason,
                &["booking-failed"],
            )
            .await?;
            self.release_items(&row.id).await?;
            return Err(BookingError::ConfirmationFailed {
                reference: row.reference,
            });
        }
        // Take what was confirmed; the rest of the authorisation lapses.
        // With a plan, its fee shrinks in proportion to what is kept.
        let capture_amount = (!failed.is_empty()).then(|| {
            let fee = fee_share(
                Money::from_minor(payment_row.fee_minor, currency),
                confirmed_minor,
                row.total_minor,
            );
            Money::from_minor(confirmed_minor + fee.minor(), currency)
        });
        match (payment.status, capture_amount) {
            // Taken at once (Alipay, WeChat Pay): what was not confirmed goes back.
            (PaymentStatus::Succeeded, Some(keep)) => {
                let back = payment.amount_captured.minor() - keep.minor();
                if back > 0 {
                    self.give_money_back(
                        &mut payment_row,
                        &payment,
                        Some(Money::from_minor(back, currency)),
                        "supplier_failed",
                    )
                    .await;
                }
            }
            _ => {
                self.capture(&mut payment_row, &payment, capture_amount)
                    .await
            }
        }
        for (item, why) in &failed {
            store
                .update_order_item(
                    &item.id,
                    ItemUpdate {
                        status: Some(ItemStatus::Failed.as_str().into()),
                        last_error: Some(Some(why.clone())),
                        ..Default::default()
                    },
                    self.now(),
                )
                .await?;
            if let Err(e) = self
                .release_hold(&item.kind, &item.offer_id, item.supplier_ref.as_deref())
                .await
            {
                tracing::warn!(item = %item.id, error = %e, "could not release a failed item's hold");
            }
        }
        let reason = if failed.is_empty() {
            String::new()
        } else {
            format!(
                "not confirmed and not charged: {}",
                failed
                    .iter()
                    .map(|(i, why)| format!("item {}: {why}", i.position))
                    .collect::<Vec<_>>()
                    .join("; ")
            )
        };
        let messages: &[&str] = if failed.is_empty() {
            &["booking-confirmed"]
        } else {
            &["booking-confirmed", "booking-partly-failed"]
        };
        let confirmed = self
            .move_order_telling(
                &row.id,
                OrderStatus::Paid,
                OrderEvent::SuppliersConfirmed,
                &reason,
                messages,
            )
            .await?;
        let view = match confirmed {
            // Shown from what is known here; only what the suppliers and the timeline wrote
            // is read back.
            Some(row) => {
                let mut payments = others;
                payments.push(payment_row);
                payments.sort_by(|a, b| a.created_at.cmp(&b.created_at).then(a.id.cmp(&b.id)));
                let items = store.order_items(&row.id).await?;
                let travellers = store.order_travellers(&row.id).await?;
                let events = store.order_events(&row.id).await?;
                let refunds = store.order_refunds(&row.id).await?;
                assemble_view(row, items, travellers, events, payments, refunds)?
            }
            None => self.load_view(&row.id).await?,
        };
        Ok(view)
    }

    /// Moves the order with what the provider answered about `payment_row`, and the
    /// traveller's receipt when that answer is money taken (Alipay and WeChat Pay take it at
    /// once), in one transaction; `None` when the order was no longer in `from`.
    async fn move_order_recording(
        &self,
        order_id: &str,
        from: OrderStatus,
        event: OrderEvent,
        actor: &str,
        reason: &str,
        payment_row: &OrderPaymentRow,
    ) -> Result<Option<OrderRow>, BookingError> {
        self.move_order_writing(
            order_id,
            from,
            event,
            actor,
            reason,
            false,
            Some(PaymentWrite::Update(payment_row)),
            |now| receipt_events(payment_row, now),
        )
        .await
    }

    /// Confirms one item with its supplier, retrying what may pass on a second try.
    async fn confirm_item(&self, order: &OrderRow, item: &OrderItemRow) -> Confirmed {
        let attempts = self.inner.config.confirm_attempts.max(1);
        let mut wait = self.inner.config.retry_backoff;
        let mut last = String::new();
        for attempt in 0..attempts {
            if attempt > 0 {
                tokio::time::sleep(wait).await;
                wait *= 2;
            }
            let result = self.confirm_once(order, item).await;
            let now = self.now();
            match result {
                Ok(update) => {
                    let mut u = update;
                    u.status = Some(ItemStatus::Confirmed.as_str().into());
                    u.attempt = true;
                    u.last_error = Some(None);
                    if let Err(e) = self.inner.store.update_order_item(&item.id, u, now).await {
                        tracing::error!(item = %item.id, error = %e, "confirmed at the supplier but not recorded");
                    }
                    return Confirmed::Yes;
                }
                Err(e) => {
                    last = e.to_string();
                    let _ = self
                        .inner
                        .store
                        .update_order_item(
                            &item.id,
                            ItemUpdate {
                                attempt: true,
                                last_error: Some(Some(last.clone())),
                                ..Default::default()
                            },
                            now,
                        )
                        .await;
                    tracing::warn!(item = %item.id, attempt, error = %e, "supplier confirmation failed");
                    if !retryable(&e) {
                        break;
                    }
                }
            }
        }
        Confirmed::No(last)
    }

    async fn confirm_once(
        &self,
        order: &OrderRow,
        item: &OrderItemRow,
    ) -> Result<ItemUpdate, SupplierError> {
        let not_found = || SupplierError::NotFound(item.offer_id.clone());
        match item.kind.as_str() {
            "flight" => {
                let supplier = self
                    .flight_supplier(&item.offer_id, 0)
                    .map_err(|_| not_found())?;
                let reference = item.supplier_ref.as_deref().ok_or_else(not_found)?;
                let currency = wayfare_domain::Currency::parse(&item.supplier_currency)
                    .map_err(|_| not_found())?;
                let paid = supplier
                    .pay_order(
                        reference,
                        Money::from_minor(item.supplier_total_minor, currency),
                        &item.id,
                    )
                    .await?;
                Ok(ItemUpdate {
                    confirmation: Some(paid.booking_reference),
                    tickets: Some(
                        serde_json::to_string(&paid.tickets).unwrap_or_else(|_| "[]".into()),
                    ),
                    ..Default::default()
                })
            }
            _ => {
                let supplier = self
                    .hotel_supplier(&item.offer_id, 0)
                    .map_err(|_| not_found())?;
                let booking = match item.supplier_ref.as_deref() {
                    Some(id) => supplier.confirm_hold(id).await?,
                    None => {
                        // A supplier that cannot hold books now, at the price checked.
                        let guests = self
                            .inner
                            .store
                            .order_travellers(&order.id)
                            .await
                            .map_err(|_| not_found())?
                            .into_iter()
                            .filter(|t| t.role == "guest" && t.item_position == Some(item.position))
                            .collect::<Vec<_>>();
                        let names: Vec<GuestName> = guests
                            .iter()
                            .map(|g| GuestName {
                                given_name: g.given_name.clone(),
                                family_name: g.family_name.clone(),
                            })
                            .collect();
                        let currency = wayfare_domain::Currency::parse(&item.supplier_currency)
                            .map_err(|_| not_found())?;
                        supplier
                            .book(&HotelBookingRequest {
                                rate_id: item.offer_id.clone(),
                                holder: names.first().cloned().unwrap_or(GuestName {
                                    given_name: String::new(),
                                    family_name: String::new(),
                                }),
                                room_guests: names,
                                email: order.contact_email.clone(),
                                phone: order.contact_phone.clone(),
                                special_requests: guests
                                    .iter()
                                    .find_map(|g| g.special_requests.clone()),
                                expected_total: Money::from_minor(
                                    item.supplier_total_minor,
                                    currency,
                                ),
                                idempotency_key: item.id.clone(),
                            })
                            .await?
                    }
                };
                Ok(ItemUpdate {
                    supplier_ref: Some(booking.id),
                    confirmation: Some(booking.confirmation),
                    ..Default::default()
                })
            }
        }
    }

    /// Captures an authorised payment (all of it, or `amount`), trying a few times. A capture
    /// that keeps failing leaves the authorisation in place and is logged for finance.
    async fn capture(
        &self,
        payment_row: &mut OrderPaymentRow,
        payment: &Payment,
        amount: Option<Money>,
    ) {
        if payment.status != PaymentStatus::Authorized {
            return;
        }
        let Some(provider) = self.provider(&payment_row.provider).cloned() else {
            return;
        };
        let key = format!("{}:capture", payment_row.id);
        for attempt in 0..3u32 {
            if attempt > 0 {
                tokio::time::sleep(self.inner.config.retry_backoff * attempt).await;
            }
            match provider.capture(&payment.id, amount, &key).await {
                Ok(p) => {
                    let now = self.now();
                    record_payment(payment_row, &p, now);
                    // The receipt goes with the record of the money taken.
                    if let Err(e) = self
                        .inner
                        .store
                        .update_order_payment_telling(
                            payment_row.clone(),
                            receipt_events(payment_row, now),
                        )
                        .await
                    {
                        tracing::error!(payment = %payment_row.id, error = %e, "captured but not recorded");
                    }
                    return;
                }
                Err(e) => {
                    tracing::warn!(payment = %payment_row.id, attempt, error = %e, "capture failed")
                }
            }
        }
        tracing::error!(payment = %payment_row.id, "capture failed three times; the authorisation stands");
    }

    /// Voids an authorisation, or refunds a captured payment, recording the refund.
    pub(crate) async fn give_money_back(
        &self,
        payment_row: &mut OrderPaymentRow,
        payment: &Payment,
        amount: Option<Money>,
        reason: &str,
    ) {
        let Some(provider) = self.provider(&payment_row.provider).cloned() else {
            return;
        };
        let now = self.now();
        match payment.status {
            PaymentStatus::Authorized
            | PaymentStatus::RequiresAction
            | PaymentStatus::Processing => {
                match provider
                    .void(&payment.id, &format!("{}:void", payment_row.id))
                    .await
                {
                    Ok(p) => record_payment(payment_row, &p, now),
                    Err(e) => {
                        tracing::error!(payment = %payment_row.id, error = %e, "void failed; the authorisation will lapse")
                    }
                }
            }
            PaymentStatus::Succeeded => {
                // Recorded as taken first (from the provider's word: a payment we had given
                // up on is still `failed` here), so the refund can be reserved against it. No
                // receipt for money that goes straight back: the refund's message tells it.
                record_payment(payment_row, payment, now);
                if let Err(e) = self
                    .inner
                    .store
                    .update_order_payment(payment_row.clone())
                    .await
                {
                    tracing::error!(error = %e, "payment state not recorded");
                }
                let ask = RefundAsk {
                    amount,
                    reason: reason.to_owned(),
                    idempotency_key: format!("auto:{reason}"),
                };
                match self.refund_record(payment_row, &ask, "system").await {
                    Ok(r) => {
                        payment_row.refunded_minor += r.amount_minor;
                        if r.status == RefundRecordStatus::Failed.as_str() {
                            // The traveller must get this back: a person takes it from here.
                            if let Err(e) = self.to_manual_review(r).await {
                                tracing::error!(error = %e, "refund review not recorded");
                            }
                        }
                    }
                    Err(e) => {
                        tracing::error!(payment = %payment_row.id, error = %e, "refund failed")
                    }
                }
            }
            PaymentStatus::Failed | PaymentStatus::Canceled => {}
        }
        payment_row.updated_at = now;
        if let Err(e) = self
            .inner
            .store
            .update_order_payment(payment_row.clone())
            .await
        {
            tracing::error!(error = %e, "payment state not recorded");
        }
    }

    /// Gives back a supplier hold. Already released or expired counts as done.
    pub(crate) async fn release_hold(
        &self,
        kind: &str,
        offer_id: &str,
        supplier_ref: Option<&str>,
    ) -> Result<(), SupplierError> {
        let Some(reference) = supplier_ref else {
            return Ok(());
        };
        let gone = |e: &SupplierError| {
            matches!(
                e,
                SupplierError::OfferExpired(_) | SupplierError::NotFound(_)
            ) || matches!(e, SupplierError::Rejected { code, .. }
                    if code == "order_not_cancellable" || code == "order_cancelled" || code == "booking_cancelled")
        };
        if kind == "flight" {
            let Some(s) = self.inner.flights.supplier_for(offer_id) else {
                return Ok(());
            };
            let quote = match s.quote_cancellation(reference).await {
                Ok(q) => q,
                Err(e) if gone(&e) => return Ok(()),
                Err(e) => return Err(e),
            };
            match s.confirm_cancellation(&quote.id).await {
                Ok(_) => Ok(()),
                Err(e) if gone(&e) => Ok(()),
                Err(e) => Err(e),
            }
        } else {
            let Some(s) = self.inner.hotels.supplier_for(offer_id) else {
                return Ok(());
            };
            match s.release_hold(reference).await {
                Ok(_) => Ok(()),
                Err(e) if gone(&e) => Ok(()),
                Err(e) => Err(e),
            }
        }
    }

    /// Releases every item of an order still holding inventory, marking each released.
    pub(crate) async fn release_items(&self, order_id: &str) -> Result<(), BookingError> {
        for item in self.inner.store.order_items(order_id).await? {
            if item.status != ItemStatus::Held.as_str() {
                continue;
            }
            self.release_item(&item).await?;
        }
        Ok(())
    }

    pub(crate) async fn release_item(&self, item: &OrderItemRow) -> Result<(), BookingError> {
        match self
            .release_hold(&item.kind, &item.offer_id, item.supplier_ref.as_deref())
            .await
        {
            Ok(()) => {
                self.inner
                    .store
                    .update_order_item(
                        &item.id,
                        ItemUpdate {
                            status: Some(ItemStatus::Released.as_str().into()),
                            ..Default::default()
                        },
                        self.now(),
                    )
                    .await?;
            }
            // Left held: the sweeper tries again, and the supplier's own hold ends anyway.
            Err(e) => tracing::warn!(item = %item.id, error = %e, "could not release a hold yet"),
        }
        Ok(())
    }

    /// Moves an unpaid order whose hold ran out to `expired` and gives its inventory back.
    /// Answers whether this call expired it.
    pub(crate) async fn expire_order(
        &self,
        row: &OrderRow,
        reason: &str,
    ) -> Result<bool, BookingError> {
        let moved = self
            .move_order(
                &row.id,
                OrderStatus::Held,
                OrderEvent::HoldExpired,
                "system",
                reason,
                false,
            )
            .await?;
        if moved.is_some() {
            self.release_items(&row.id).await?;
        }
        Ok(moved.is_some())
    }
}

/// Our record's status for what the provider says.
pub(crate) fn record_status(p: &Payment) -> PaymentRecordStatus {
    match p.status {
        PaymentStatus::RequiresAction => PaymentRecordStatus::RequiresAction,
        PaymentStatus::Processing => PaymentRecordStatus::Processing,
        PaymentStatus::Authorized => PaymentRecordStatus::RequiresCapture,
        PaymentStatus::Succeeded => {
            PaymentRecordStatus::settled(p.amount_captured.minor(), p.amount.minor())
        }
        PaymentStatus::Canceled => PaymentRecordStatus::Cancelled,
        PaymentStatus::Failed => PaymentRecordStatus::Failed,
    }
}

pub(crate) fn record_payment(row: &mut OrderPaymentRow, p: &Payment, now: DateTime<Utc>) {
    row.provider_payment_id = Some(p.id.clone());
    row.status = record_status(p).as_str().into();
    row.captured_minor = p.amount_captured.minor();
    row.refunded_minor = p.amount_refunded.minor();
    row.failure_code = p.failure.as_ref().map(|f| f.code.clone());
    // A provider that does not repeat the action when asked again (WeChat Pay's query has no
    // `code_url`) leaves the one it gave first, while that action is still pending.
    if p.next_action_url.is_some() || p.status != PaymentStatus::RequiresAction {
        row.next_action_url = p.next_action_url.clone();
    }
    row.updated_at = now;
}
