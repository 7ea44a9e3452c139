//! Which ways of paying an order may use: the configured method rules
//! (`wayfare_domain::payment::methods`) filtered by the connectors that are on, the order's
//! currency and amount and the traveller's country; the instalment plans it qualifies for; and
//! the traveller's saved cards. [`Orders::pay`] checks a payment against the same answer, so a
//! client cannot pay with a method the checkout would not have shown.

use chrono::NaiveDate;
use wayfare_domain::Money;
use wayfare_domain::order::OrderStatus;
use wayfare_domain::payment::instalments::{InstalmentPolicy, InstalmentQuote, due_dates};
use wayfare_domain::payment::methods::{MethodKind, MethodRule, available, default_rules};
use wayfare_payments::Capture;
use wayfare_payments::klarna::{KlarnaProvider, KlarnaSession, KlarnaSessionRequest};
use wayfare_store::orders::OrderRow;

use crate::error::BookingError;
use crate::view::{currency_of, status_of};
use crate::{Orders, Viewer};

/// How payment methods are offered (from `[payments]` in the configuration).
#[derive(Debug, Clone, Default)]
pub struct PaymentSettings {
    /// First match per kind wins; empty means `default_rules()`.
    pub methods: Vec<MethodRule>,
    pub instalments: InstalmentPolicy,
    /// The Klarna connector when configured, for the payment sessions its widget needs
    /// ([`Orders::klarna_session`]); the same one is among the payment providers.
    pub klarna: Option<KlarnaProvider>,
}

/// What a payment's provider reads as the purchase (the order line Klarna shows, the
/// statement text): the same for a Klarna session and the order placed from it.
pub(crate) fn purchase_description(reference: &str) -> String {
    format!("Wayfare order {reference}")
}

/// One way of paying offered for an order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MethodOffer {
    pub kind: MethodKind,
    /// The connector that takes it.
    pub provider: String,
}

/// A plan the order may be paid in, with the dates each part is due.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InstalmentOffer {
    pub quote: InstalmentQuote,
    pub due_dates: Vec<NaiveDate>,
}

/// A saved card the payer may use (their own, with a connector that is on): the account's
/// payment method as shown.
pub type SavedCard = wayfare_accounts::payment_methods::PaymentMethod;

/// What the checkout may offer for one order.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct PaymentOptions {
    /// What is to pay (the order's total, in its currency).
    pub amount: Money,
    /// The traveller's country the methods were chosen for, when known.
    pub country: Option<String>,
    pub methods: Vec<MethodOffer>,
    /// Empty unless instalments are offered for this order.
    pub instalments: Vec<InstalmentOffer>,
    pub saved_cards: Vec<SavedCard>,
}

impl PaymentOptions {
    /// The offer of `kind` (at `provider`, when given).
    pub fn offer(&self, kind: MethodKind, provider: Option<&str>) -> Option<&MethodOffer> {
        self.methods
            .iter()
            .find(|m| m.kind == kind && provider.is_none_or(|p| p == m.provider))
    }

    /// The plan in `count` instalments, when offered.
    pub fn plan(&self, count: u8) -> Option<&InstalmentOffer> {
        self.instalments.iter().find(|i| i.quote.count == count)
    }
}

/// Whether a connector can authorise now and capture later. Alipay and WeChat Pay take the
/// money when the payer pays, so orders paid with them are charged at once and refunded what a
/// supplier could not confirm.
pub fn capture_for(provider: &str) -> Capture {
    match provider {
        "alipay" | "wechatpay" => Capture::Automatic,
        _ => Capture::Manual,
    }
}

/// The connectors that serve card payments (and may therefore hold saved cards).
fn is_card_provider(provider: &str) -> bool {
    matches!(provider, "sandbox" | "stripe")
}

impl Orders {
    /// The payment settings in force.
    pub fn payment_settings(&self) -> &PaymentSettings {
        &self.inner.config.payments
    }

    fn method_rules(&self) -> std::borrow::Cow<'_, [MethodRule]> {
        let rules = &self.inner.config.payments.methods;
        if rules.is_empty() {
            std::borrow::Cow::Owned(default_rules())
        } else {
            std::borrow::Cow::Borrowed(rules.as_slice())
        }
    }

    /// The traveller's country for choosing methods: as asked, else the lead traveller's
    /// nationality.
    async fn payer_country(
        &self,
        row: &OrderRow,
        asked: Option<&str>,
    ) -> Result<Option<String>, BookingError> {
        if let Some(c) = asked.map(str::trim).filter(|c| !c.is_empty()) {
            if c.len() != 2 || !c.bytes().all(|b| b.is_ascii_alphabetic()) {
                return Err(BookingError::invalid("country", "reason-country-code"));
            }
            return Ok(Some(c.to_ascii_uppercase()));
        }
        Ok(self
            .inner
            .store
            .order_travellers(&row.id)
            .await?
            .into_iter()
            .min_by_key(|t| t.position)
            .and_then(|t| t.nationality)
            .map(|n| n.to_ascii_uppercase()))
    }

    /// What may pay `order_id` for a traveller from `country` (else the lead traveller's
    /// nationality): methods, instalment plans and the viewer's saved cards.
    pub async fn payment_options(
        &self,
        order_id: &str,
        viewer: &Viewer,
        country: Option<&str>,
    ) -> Result<PaymentOptions, BookingError> {
        let row = self.visible_row(order_id, viewer).await?;
        self.options_for(&row, viewer, country).await
    }

    pub(crate) async fn options_for(
        &self,
        row: &OrderRow,
        viewer: &Viewer,
        country: Option<&str>,
    ) -> Result<PaymentOptions, BookingError> {
        let amount = Money::from_minor(row.total_minor, currency_of(&row.currency)?);
        let country = self.payer_country(row, country).await?;
        let enabled = self.payment_providers();
        let rules = self.method_rules();
        let methods: Vec<MethodOffer> = available(&rules, amount, country.as_deref(), &enabled)
            .into_iter()
            .map(|r| MethodOffer {
                kind: r.kind,
                provider: r.provider.clone(),
            })
            .collect();
        let instalments = if methods.iter().any(|m| m.kind == MethodKind::Instalments) {
            let first = self.now().date_naive();
            self.inner
                .config
                .payments
                .instalments
                .offers(amount)
                .into_iter()
                .map(|quote| InstalmentOffer {
                    due_dates: due_dates(first, quote.count),
                    quote,
                })
                .collect()
        } else {
            Vec::new()
        };
        let mut saved_cards = Vec::new();
        // Only the order's own traveller pays with their saved cards.
        if let (Viewer::User { user_id, .. }, Some(owner)) = (viewer, row.user_id.as_deref())
            && user_id == owner
        {
            for m in self.inner.store.payment_methods_of(owner).await? {
                if is_card_provider(&m.provider) && enabled.contains(&m.provider.as_str()) {
                    saved_cards.push(SavedCard::from(&m));
                }
            }
        }
        Ok(PaymentOptions {
            amount,
            country,
            methods,
            instalments,
            saved_cards,
        })
    }

    /// A Klarna payment session for `order_id`: the `client_token` Klarna's widget (or an app's
    /// Klarna SDK) is started with. The widget's authorisation token then pays the order with
    /// method `klarna`. Only for a held order Klarna is offered for; the session is for the
    /// order's whole amount, with the reference and description the order placed from it will
    /// carry (Klarna refuses an order that does not match its session).
    pub async fn klarna_session(
        &self,
        order_id: &str,
        viewer: &Viewer,
        country: Option<&str>,
    ) -> Result<KlarnaSession, BookingError> {
        let row = self.visible_row(order_id, viewer).await?;
        match status_of(&row)? {
            OrderStatus::Held if row.hold_expires_at > self.now() => {}
            OrderStatus::Held | OrderStatus::Expired => return Err(BookingError::HoldExpired),
            OrderStatus::AwaitingPayment => return Err(BookingError::PaymentInProgress),
            status => return Err(BookingError::NotPayable { status }),
        }
        let options = self.options_for(&row, viewer, country).await?;
        if options.offer(MethodKind::Klarna, None).is_none() {
            return Err(BookingError::invalid(
                "method",
                "reason-payment-method-not-offered",
            ));
        }
        let klarna = self
            .inner
            .config
            .payments
            .klarna
            .as_ref()
            .ok_or(BookingError::PaymentUnavailable)?;
        klarna
            .create_session(&KlarnaSessionRequest {
                amount: options.amount,
                country: None,
                locale: None,
                reference: row.reference.clone(),
                description: purchase_description(&row.reference),
                instalments: None,
            })
            .await
            .map_err(|e| {
                tracing::warn!(order = %row.id, error = %e, "Klarna session not opened");
                BookingError::PaymentUnavailable
            })
    }

    /// The provider token of a saved card of the order's traveller, opened for charging.
    pub(crate) async fn saved_card_token(
        &self,
        row: &OrderRow,
        viewer: &Viewer,
        id: &str,
    ) -> Result<(String, String), BookingError> {
        let not_theirs = || BookingError::invalid("saved_payment_method", "reason-saved-card");
        let (Viewer::User { user_id, .. }, Some(owner)) = (viewer, row.user_id.as_deref()) else {
            return Err(not_theirs());
        };
        if user_id != owner {
            return Err(not_theirs());
        }
        let m = self
            .inner
            .store
            .payment_method(owner, id)
            .await?
            .ok_or_else(not_theirs)?;
        let token = self
            .inner
            .sealer
            .open(
                &m.token_sealed,
                &wayfare_accounts::payment_methods::token_context(&m.id),
            )
            .map_err(|e| BookingError::Internal(format!("saved card unreadable: {e}")))?;
        Ok((m.provider, token))
    }
}
