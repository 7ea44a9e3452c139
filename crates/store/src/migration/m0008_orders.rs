//! Trip orders: the order with its price, items (one per supplier booking), travellers,
//! timeline (every state change with actor and reason), payments and refunds (never deleted),
//! idempotency records for retried requests, and pre-trip reminders.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Orders {
    Table,
    Id,
    Reference,
    Status,
    UserId,
    AgentId,
    ContactEmail,
    ContactPhone,
    Currency,
    TotalMinor,
    Price,
    HoldExpiresAt,
    GuestTokenHash,
    Locale,
    StartsAt,
    EndsAt,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderItems {
    Table,
    Id,
    OrderId,
    Position,
    Kind,
    Supplier,
    Status,
    OfferId,
    SupplierRef,
    Confirmation,
    Tickets,
    Details,
    SupplierTotalMinor,
    SupplierCurrency,
    TotalMinor,
    StartsAt,
    EndsAt,
    Attempts,
    LastError,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderTravellers {
    Table,
    Id,
    OrderId,
    Position,
    Role,
    Kind,
    ItemPosition,
    Room,
    GivenName,
    FamilyName,
    BornOn,
    Gender,
    Nationality,
    DocumentSealed,
    DocumentLast4,
    DocumentExpiresOn,
    SpecialRequests,
}

#[derive(DeriveIden)]
enum OrderEvents {
    Table,
    Id,
    OrderId,
    Event,
    FromStatus,
    ToStatus,
    Actor,
    Reason,
    At,
}

#[derive(DeriveIden)]
enum OrderPayments {
    Table,
    Id,
    OrderId,
    Provider,
    ProviderPaymentId,
    Status,
    PaymentMethod,
    AmountMinor,
    CapturedMinor,
    RefundedMinor,
    Currency,
    FailureCode,
    NextActionUrl,
    IdempotencyKey,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderRefunds {
    Table,
    Id,
    OrderId,
    PaymentId,
    ProviderRefundId,
    Status,
    AmountMinor,
    Currency,
    Reason,
    CreatedAt,
}

#[derive(DeriveIden)]
enum IdempotencyRecords {
    Table,
    Scope,
    Key,
    RequestHash,
    StatusCode,
    Response,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum OrderReminders {
    Table,
    Id,
    OrderId,
    ItemPosition,
    Kind,
    DueAt,
    ClaimedUntil,
    SentAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Orders::Table)
                .if_not_exists()
                .col(string_len(Orders::Id, 40).primary_key())
                .col(string_len_uniq(Orders::Reference, 8))
                .col(string_len(Orders::Status, 20))
                .col(string_len_null(Orders::UserId, 40))
                .col(string_len_null(Orders::AgentId, 40))
                .col(string_len(Orders::ContactEmail, 320))
                .col(string_len(Orders::ContactPhone, 32))
                .col(string_len(Orders::Currency, 3))
                .col(big_integer(Orders::TotalMinor))
                .col(text(Orders::Price))
                .col(timestamp_with_time_zone(Orders::HoldExpiresAt))
                .col(string_len_null(Orders::GuestTokenHash, 64))
                .col(string_len(Orders::Locale, 16))
                .col(timestamp_with_time_zone(Orders::StartsAt))
                .col(timestamp_with_time_zone(Orders::EndsAt))
                .col(timestamp_with_time_zone(Orders::CreatedAt))
                .col(timestamp_with_time_zone(Orders::UpdatedAt))
                .to_owned(),
        )
        .await?;
        for (name, col) in [
            ("idx_orders_user", Orders::UserId),
            ("idx_orders_agent", Orders::AgentId),
            ("idx_orders_status_hold", Orders::Status),
        ] {
            let mut index = Index::create();
            index.name(name).table(Orders::Table).col(col);
            if name == "idx_orders_status_hold" {
                index.col(Orders::HoldExpiresAt);
            }
            m.create_index(index.to_owned()).await?;
        }
        m.create_table(
            Table::create()
                .table(OrderItems::Table)
                .if_not_exists()
                .col(string_len(OrderItems::Id, 40).primary_key())
                .col(string_len(OrderItems::OrderId, 40))
                .col(integer(OrderItems::Position))
                .col(string_len(OrderItems::Kind, 10))
                .col(string_len(OrderItems::Supplier, 40))
                .col(string_len(OrderItems::Status, 16))
                .col(text(OrderItems::OfferId))
                .col(string_len_null(OrderItems::SupplierRef, 200))
                .col(string_len_null(OrderItems::Confirmation, 64))
                .col(text(OrderItems::Tickets))
                .col(text(OrderItems::Details))
                .col(big_integer(OrderItems::SupplierTotalMinor))
                .col(string_len(OrderItems::SupplierCurrency, 3))
                .col(big_integer(OrderItems::TotalMinor))
                .col(timestamp_with_time_zone(OrderItems::StartsAt))
                .col(timestamp_with_time_zone(OrderItems::EndsAt))
                .col(integer(OrderItems::Attempts))
                .col(text_null(OrderItems::LastError))
                .col(timestamp_with_time_zone(OrderItems::CreatedAt))
                .col(timestamp_with_time_zone(OrderItems::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_items_order")
                .table(OrderItems::Table)
                .col(OrderItems::OrderId)
                .col(OrderItems::Position)
                .unique()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderTravellers::Table)
                .if_not_exists()
                .col(string_len(OrderTravellers::Id, 40).primary_key())
                .col(string_len(OrderTravellers::OrderId, 40))
                .col(integer(OrderTravellers::Position))
                .col(string_len(OrderTravellers::Role, 10))
                .col(string_len(OrderTravellers::Kind, 10))
                .col(integer_null(OrderTravellers::ItemPosition))
                .col(integer_null(OrderTravellers::Room))
                .col(string_len(OrderTravellers::GivenName, 100))
                .col(string_len(OrderTravellers::FamilyName, 100))
                .col(date_null(OrderTravellers::BornOn))
                .col(string_len_null(OrderTravellers::Gender, 1))
                .col(string_len_null(OrderTravellers::Nationality, 2))
                .col(text_null(OrderTravellers::DocumentSealed))
                .col(string_len_null(OrderTravellers::DocumentLast4, 4))
                .col(date_null(OrderTravellers::DocumentExpiresOn))
                .col(text_null(OrderTravellers::SpecialRequests))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_travellers_order")
                .table(OrderTravellers::Table)
                .col(OrderTravellers::OrderId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderEvents::Table)
                .if_not_exists()
                .col(big_integer(OrderEvents::Id).primary_key().auto_increment())
                .col(string_len(OrderEvents::OrderId, 40))
                .col(string_len(OrderEvents::Event, 32))
                .col(string_len_null(OrderEvents::FromStatus, 20))
                .col(string_len(OrderEvents::ToStatus, 20))
                .col(string_len(OrderEvents::Actor, 80))
                .col(text(OrderEvents::Reason))
                .col(timestamp_with_time_zone(OrderEvents::At))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_events_order")
                .table(OrderEvents::Table)
                .col(OrderEvents::OrderId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderPayments::Table)
                .if_not_exists()
                .col(string_len(OrderPayments::Id, 40).primary_key())
                .col(string_len(OrderPayments::OrderId, 40))
                .col(string_len(OrderPayments::Provider, 20))
                .col(string_len_null(OrderPayments::ProviderPaymentId, 100))
                .col(string_len(OrderPayments::Status, 20))
                .col(string_len(OrderPayments::PaymentMethod, 100))
                .col(big_integer(OrderPayments::AmountMinor))
                .col(big_integer(OrderPayments::CapturedMinor))
                .col(big_integer(OrderPayments::RefundedMinor))
                .col(string_len(OrderPayments::Currency, 3))
                .col(string_len_null(OrderPayments::FailureCode, 64))
                .col(text_null(OrderPayments::NextActionUrl))
                .col(string_len_uniq(OrderPayments::IdempotencyKey, 240))
                .col(timestamp_with_time_zone(OrderPayments::CreatedAt))
                .col(timestamp_with_time_zone(OrderPayments::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_payments_order")
                .table(OrderPayments::Table)
                .col(OrderPayments::OrderId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderRefunds::Table)
                .if_not_exists()
                .col(string_len(OrderRefunds::Id, 40).primary_key())
                .col(string_len(OrderRefunds::OrderId, 40))
                .col(string_len(OrderRefunds::PaymentId, 40))
                .col(string_len_null(OrderRefunds::ProviderRefundId, 100))
                .col(string_len(OrderRefunds::Status, 20))
                .col(big_integer(OrderRefunds::AmountMinor))
                .col(string_len(OrderRefunds::Currency, 3))
                .col(text(OrderRefunds::Reason))
                .col(timestamp_with_time_zone(OrderRefunds::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_refunds_order")
                .table(OrderRefunds::Table)
                .col(OrderRefunds::OrderId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(IdempotencyRecords::Table)
                .if_not_exists()
                .col(string_len(IdempotencyRecords::Scope, 120))
                .col(string_len(IdempotencyRecords::Key, 255))
                .col(string_len(IdempotencyRecords::RequestHash, 64))
                .col(integer_null(IdempotencyRecords::StatusCode))
                .col(text_null(IdempotencyRecords::Response))
                .col(timestamp_with_time_zone(IdempotencyRecords::CreatedAt))
                .col(timestamp_with_time_zone(IdempotencyRecords::UpdatedAt))
                .primary_key(
                    Index::create()
                        .col(IdempotencyRecords::Scope)
                        .col(IdempotencyRecords::Key),
                )
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OrderReminders::Table)
                .if_not_exists()
                .col(string_len(OrderReminders::Id, 40).primary_key())
                .col(string_len(OrderReminders::OrderId, 40))
                .col(integer(OrderReminders::ItemPosition))
                .col(string_len(OrderReminders::Kind, 16))
                .col(timestamp_with_time_zone(OrderReminders::DueAt))
                .col(timestamp_with_time_zone_null(OrderReminders::ClaimedUntil))
                .col(timestamp_with_time_zone_null(OrderReminders::SentAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_order_reminders_due")
                .table(OrderReminders::Table)
                .col(OrderReminders::SentAt)
                .col(OrderReminders::DueAt)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            OrderReminders::Table.into_iden(),
            IdempotencyRecords::Table.into_iden(),
            OrderRefunds::Table.into_iden(),
            OrderPayments::Table.into_iden(),
            OrderEvents::Table.into_iden(),
            OrderTravellers::Table.into_iden(),
            OrderItems::Table.into_iden(),
            Orders::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
