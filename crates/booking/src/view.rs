//! Orders as travellers, agents and the API see them: the order with its items, travellers,
//! price breakdown, timeline, payments and refunds; and who may see which order.

use chrono::{DateTime, NaiveDate, Utc};
use serde::Serialize;
use wayfare_domain::account::{constant_time_eq, hmac_code_hash};
use wayfare_domain::order::{ItemStatus, OrderStatus, PriceBreakdown};
use wayfare_domain::{Currency, Money};
use wayfare_store::orders::{
    OrderEventRow, OrderItemRow, OrderPaymentRow, OrderRefundRow, OrderRow, OrderTravellerRow,
};

use crate::error::BookingError;
use crate::{Orders, Viewer};

#[derive(Debug, Clone, Serialize)]
pub struct OrderView {
    pub id: String,
    pub reference: String,
    pub status: OrderStatus,
    pub user_id: Option<String>,
    pub agent_id: Option<String>,
    pub contact_email: String,
    pub contact_phone: String,
    pub total_amount: Money,
    pub price: PriceBreakdown,
    pub hold_expires_at: DateTime<Utc>,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub locale: String,
    pub created_at: DateTime<Utc>,
    pub items: Vec<ItemView>,
    pub travellers: Vec<TravellerView>,
    pub timeline: Vec<OrderEventView>,
    pub payments: Vec<PaymentView>,
    pub refunds: Vec<RefundView>,
}

impl OrderView {
    /// Paid for, with what was bought: what "my bookings" lists as upcoming or past.
    pub fn is_booked(&self) -> bool {
        matches!(self.status, OrderStatus::Confirmed | OrderStatus::Paid)
    }

    /// The payment waiting for the traveller's bank (3-D Secure), if any.
    pub fn pending_action(&self) -> Option<&PaymentView> {
        self.payments
            .iter()
            .rev()
            .find(|p| p.status == "requires_action" && p.next_action_url.is_some())
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct ItemView {
    pub position: usize,
    /// `flight` or `hotel`.
    pub kind: String,
    pub supplier: String,
    pub status: ItemStatus,
    pub offer_id: String,
    /// PNR or hotel confirmation number, once known.
    pub confirmation: Option<String>,
    pub tickets: Vec<String>,
    pub total_amount: Money,
    pub supplier_amount: Money,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    /// The flight offer or hotel rate as booked (the suppliers' shapes).
    pub details: serde_json::Value,
}

#[derive(Debug, Clone, Serialize)]
pub struct TravellerView {
    /// `passenger` or `guest`.
    pub role: String,
    /// `adult`, `child`, `infant`.
    #[serde(rename = "type")]
    pub kind: String,
    pub given_name: String,
    pub family_name: String,
    pub born_on: Option<NaiveDate>,
    pub gender: Option<String>,
    pub nationality: Option<String>,
    /// Only the last four characters are ever shown.
    pub passport_last4: Option<String>,
    pub passport_expires_on: Option<NaiveDate>,
    /// For guests: the hotel item and room they lead.
    pub item: Option<usize>,
    pub room: Option<usize>,
    pub special_requests: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OrderEventView {
    pub event: String,
    pub from_status: Option<String>,
    pub to_status: String,
    pub actor: String,
    pub reason: String,
    pub at: DateTime<Utc>,
}

#[derive(Debug, Clone, Serialize)]
pub struct PaymentView {
    pub id: String,
    pub provider: String,
    pub status: String,
    pub payment_method: String,
    pub amount: Money,
    pub captured: Money,
    pub refunded: Money,
    /// An instalment plan's fee (included in `amount`); zero otherwise.
    pub fee: Money,
    /// The number of instalments of a plan payment.
    pub instalments: Option<u8>,
    pub failure_code: Option<String>,
    pub next_action_url: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A payment record as shown.
pub(crate) fn payment_view(p: OrderPaymentRow) -> Result<PaymentView, BookingError> {
    let c = currency_of(&p.currency)?;
    Ok(PaymentView {
        amount: Money::from_minor(p.amount_minor, c),
        captured: Money::from_minor(p.captured_minor, c),
        refunded: Money::from_minor(p.refunded_minor, c),
        fee: Money::from_minor(p.fee_minor, c),
        instalments: p.instalments.and_then(|n| u8::try_from(n).ok()),
        id: p.id,
        provider: p.provider,
        status: p.status,
        payment_method: p.payment_method,
        failure_code: p.failure_code,
        next_action_url: p.next_action_url,
        created_at: p.created_at,
    })
}

/// A refund record as shown.
pub(crate) fn refund_view(r: OrderRefundRow) -> Result<RefundView, BookingError> {
    let c = currency_of(&r.currency)?;
    Ok(RefundView {
        amount: Money::from_minor(r.amount_minor, c),
        id: r.id,
        payment_id: r.payment_id,
        status: r.status,
        reason: r.reason,
        failure_code: r.failure_code,
        created_at: r.created_at,
    })
}

#[derive(Debug, Clone, Serialize)]
pub struct RefundView {
    pub id: String,
    pub payment_id: String,
    pub status: String,
    pub amount: Money,
    pub reason: String,
    pub failure_code: Option<String>,
    pub created_at: DateTime<Utc>,
}

/// A line of "my bookings".
#[derive(Debug, Clone, Serialize)]
pub struct OrderSummary {
    pub id: String,
    pub reference: String,
    pub status: OrderStatus,
    pub total_amount: Money,
    pub starts_at: DateTime<Utc>,
    pub ends_at: DateTime<Utc>,
    pub hold_expires_at: DateTime<Utc>,
    pub created_at: DateTime<Utc>,
    pub agent_id: Option<String>,
    /// One line per item: `PVG → LHR`, or the hotel's name.
    pub titles: Vec<String>,
}

fn corrupt(what: impl std::fmt::Display) -> BookingError {
    BookingError::Store(wayfare_store::StoreError::Corrupt(what.to_string()))
}

pub(crate) fn currency_of(code: &str) -> Result<Currency, BookingError> {
    Currency::parse(code).map_err(|_| corrupt(format!("currency {code}")))
}

pub(crate) fn status_of(row: &OrderRow) -> Result<OrderStatus, BookingError> {
    OrderStatus::parse(&row.status).ok_or_else(|| corrupt(format!("order {} status", row.id)))
}

/// A short title for an item: the route of a flight, the hotel's name for a stay.
pub(crate) fn item_title(item: &OrderItemRow, zh: bool) -> String {
    let details: serde_json::Value = serde_json::from_str(&item.details).unwrap_or_default();
    title(&item.kind, &details, zh)
}

/// The same for an item already loaded.
pub fn item_title_of(item: &ItemView, zh: bool) -> String {
    title(&item.kind, &item.details, zh)
}

fn title(kind: &str, details: &serde_json::Value, zh: bool) -> String {
    match kind {
        "flight" => {
            let slices = details["slices"].as_array().cloned().unwrap_or_default();
            let route: Vec<String> = slices
                .iter()
                .map(|s| {
                    format!(
                        "{} → {}",
                        s["origin"].as_str().unwrap_or("?"),
                        s["destination"].as_str().unwrap_or("?")
                    )
                })
                .collect();
            route.join(", ")
        }
        _ => {
            let name = &details["hotel_name"];
            let pick = if zh { &name["zh"] } else { &name["en"] };
            pick.as_str()
                .or_else(|| name["en"].as_str())
                .map(str::to_owned)
                .unwrap_or_else(|| details["hotel_id"].as_str().unwrap_or("hotel").to_owned())
        }
    }
}

impl Orders {
    /// The order if `viewer` may see it. Someone else's order is "not found", like an unknown
    /// one.
    pub async fn get(&self, id: &str, viewer: &Viewer) -> Result<OrderView, BookingError> {
        let row = self.visible_row(id, viewer).await?;
        self.view_of(row).await
    }

    /// The stored order if `viewer` may see it; [`BookingError::NotFound`] otherwise.
    pub(crate) async fn visible_row(
        &self,
        id: &str,
        viewer: &Viewer,
    ) -> Result<OrderRow, BookingError> {
        let row = self
            .inner
            .store
            .order(id)
            .await?
            .ok_or(BookingError::NotFound)?;
        if self.may_see(&row, viewer) {
            Ok(row)
        } else {
            Err(BookingError::NotFound)
        }
    }

    /// A guest's way back to an order: the reference and the contact e-mail. Answers the order
    /// and its guest token.
    pub async fn find_by_reference(
        &self,
        reference: &str,
        email: &str,
    ) -> Result<(OrderView, String), BookingError> {
        let reference = wayfare_domain::order::BookingReference::parse(reference)
            .ok_or(BookingError::NotFound)?;
        let row = self
            .inner
            .store
            .order_by_reference(reference.as_str())
            .await?
            .ok_or(BookingError::NotFound)?;
        let email_ok = constant_time_eq(
            row.contact_email.trim().to_lowercase().as_bytes(),
            email.trim().to_lowercase().as_bytes(),
        );
        if !email_ok {
            return Err(BookingError::NotFound);
        }
        let token = self.guest_token(&row.id);
        let view = self.view_of(row).await?;
        Ok((view, token))
    }

    /// The signed-in user's orders (as traveller, or placed by them as agent), newest first.
    pub async fn list_for(
        &self,
        user_id: &str,
        limit: u64,
    ) -> Result<Vec<OrderSummary>, BookingError> {
        let mut rows = self.inner.store.orders_of_user(user_id, limit).await?;
        for r in self.inner.store.orders_placed_by(user_id, limit).await? {
            if !rows.iter().any(|x| x.id == r.id) {
                rows.push(r);
            }
        }
        rows.sort_by(|a, b| b.created_at.cmp(&a.created_at).then(b.id.cmp(&a.id)));
        rows.truncate(usize::try_from(limit).unwrap_or(usize::MAX));
        let mut out = Vec::with_capacity(rows.len());
        for row in rows {
            let items = self.inner.store.order_items(&row.id).await?;
            let currency = currency_of(&row.currency)?;
            out.push(OrderSummary {
                status: status_of(&row)?,
                total_amount: Money::from_minor(row.total_minor, currency),
                titles: items
                    .iter()
                    .map(|i| item_title(i, row.locale.starts_with("zh")))
                    .collect(),
                id: row.id,
                reference: row.reference,
                starts_at: row.starts_at,
                ends_at: row.ends_at,
                hold_expires_at: row.hold_expires_at,
                created_at: row.created_at,
                agent_id: row.agent_id,
            });
        }
        Ok(out)
    }

    pub(crate) async fn load_view(&self, id: &str) -> Result<OrderView, BookingError> {
        let row = self
            .inner
            .store
            .order(id)
            .await?
            .ok_or(BookingError::NotFound)?;
        self.view_of(row).await
    }

    pub(crate) async fn view_of(&self, row: OrderRow) -> Result<OrderView, BookingError> {
        let store = &self.inner.store;
        let items = store.order_items(&row.id).await?;
        let travellers = store.order_travellers(&row.id).await?;
        let events = store.order_events(&row.id).await?;
        let payments = store.order_payments(&row.id).await?;
        let refunds = store.order_refunds(&row.id).await?;
        assemble_view(row, items, travellers, events, payments, refunds)
    }
}

/// The order as the pages and the API show it, from its rows (read, or just written).
pub(crate) fn assemble_view(
    row: OrderRow,
    item_rows: Vec<OrderItemRow>,
    traveller_rows: Vec<OrderTravellerRow>,
    event_rows: Vec<OrderEventRow>,
    payment_rows: Vec<OrderPaymentRow>,
    refund_rows: Vec<OrderRefundRow>,
) -> Result<OrderView, BookingError> {
    let currency = currency_of(&row.currency)?;
    let money = |minor: i64| Money::from_minor(minor, currency);
    let price: PriceBreakdown = serde_json::from_str(&row.price)
        .map_err(|e| corrupt(format!("order {} price: {e}", row.id)))?;
    let mut items = Vec::new();
    for i in item_rows {
        let supplier_currency = currency_of(&i.supplier_currency)?;
        let mut details: serde_json::Value = serde_json::from_str(&i.details)
            .map_err(|e| corrupt(format!("item {} details: {e}", i.id)))?;
        // Hotel names travel with the rate for the pages; the rate itself does not carry it.
        if let Some(obj) = details.as_object_mut()
            && i.kind == "hotel"
            && !obj.contains_key("hotel_name")
        {
            obj.insert("hotel_name".into(), serde_json::Value::Null);
        }
        items.push(ItemView {
            position: usize::try_from(i.position).unwrap_or(0),
            status: ItemStatus::parse(&i.status)
                .ok_or_else(|| corrupt(format!("item {} status", i.id)))?,
            tickets: serde_json::from_str(&i.tickets).unwrap_or_default(),
            total_amount: money(i.total_minor),
            supplier_amount: Money::from_minor(i.supplier_total_minor, supplier_currency),
            kind: i.kind,
            supplier: i.supplier,
            offer_id: i.offer_id,
            confirmation: i.confirmation,
            starts_at: i.starts_at,
            ends_at: i.ends_at,
            details,
        });
    }
    let travellers = traveller_rows
        .into_iter()
        .map(|t| TravellerView {
            role: t.role,
            kind: t.kind,
            given_name: t.given_name,
            family_name: t.family_name,
            born_on: t.born_on,
            gender: t.gender,
            nationality: t.nationality,
            passport_last4: t.document_last4,
            passport_expires_on: t.document_expires_on,
            item: t.item_position.and_then(|p| usize::try_from(p).ok()),
            room: t.room.and_then(|p| usize::try_from(p).ok()),
            special_requests: t.special_requests,
        })
        .collect();
    let timeline = event_rows
        .into_iter()
        .map(|e| OrderEventView {
            event: e.event,
            from_status: e.from_status,
            to_status: e.to_status,
            actor: e.actor,
            reason: e.reason,
            at: e.at,
        })
        .collect();
    let payments = payment_rows
        .into_iter()
        .map(payment_view)
        .collect::<Result<Vec<_>, _>>()?;
    let refunds = refund_rows
        .into_iter()
        .map(refund_view)
        .collect::<Result<Vec<_>, _>>()?;
    Ok(OrderView {
        status: status_of(&row)?,
        total_amount: money(row.total_minor),
        id: row.id,
        reference: row.reference,
        user_id: row.user_id,
        agent_id: row.agent_id,
        contact_email: row.contact_email,
        contact_phone: row.contact_phone,
        price,
        hold_expires_at: row.hold_expires_at,
        starts_at: row.starts_at,
        ends_at: row.ends_at,
        locale: row.locale,
        created_at: row.created_at,
        items,
        travellers,
        timeline,
        payments,
        refunds,
    })
}

impl Orders {
    /// The token that opens one order alone: an HMAC of its id under the installation's key,
    /// so the "find my booking" page can hand it out again without storing it.
    pub fn guest_token(&self, order_id: &str) -> String {
        format!(
            "wfg_{}",
            hmac_code_hash(&self.inner.config.token_key, "guest-order", order_id, "")
        )
    }

    /// The traveller, the agent who placed it, staff, or the holder of its guest token.
    pub(crate) fn may_see(&self, row: &OrderRow, viewer: &Viewer) -> bool {
        match viewer {
            Viewer::User { user_id, staff } => {
                *staff
                    || row.user_id.as_deref() == Some(user_id.as_str())
                    || row.agent_id.as_deref() == Some(user_id.as_str())
            }
            Viewer::GuestToken(token) => {
                constant_time_eq(token.as_bytes(), self.guest_token(&row.id).as_bytes())
            }
        }
    }
}
