//! Payment records as issue 7 names their states, and what the webhook endpoint, the
//! reconciliation job and instalment plans keep:
//!
//! - `order_payments.status` takes the record's names: `pending` becomes `processing` (saved,
//!   the provider's answer not known), `authorized` becomes `requires_capture`, `canceled`
//!   becomes `cancelled`; `partially_captured` is new. The columns added: `instalments` and
//!   `fee_minor` (a plan's count and its fee, included in `amount_minor`), `checked_at` (when
//!   reconciliation last asked the provider) and `payment_id` on refunds stays as it was.
//! - `order_refunds` gains `idempotency_key` (unique: a staff refund retried is the same
//!   refund), `failure_code` and `updated_at`; its statuses are `pending`, `succeeded`,
//!   `failed` and `manual_review`.
//! - `payment_webhook_events`: every verified notification by (provider, event id), so a
//!   repeat changes nothing.
//! - `sandbox_webhook_events`: the notifications the sandbox provider sends, like a real one,
//!   to `POST /api/v1/webhooks/sandbox`, delivered with a lease and retries.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderPayments {
    Table,
    Status,
    Instalments,
    FeeMinor,
    CheckedAt,
}

#[derive(DeriveIden)]
enum OrderRefunds {
    Table,
    IdempotencyKey,
    FailureCode,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentWebhookEvents {
    Table,
    Provider,
    EventId,
    EventType,
    PaymentId,
    Outcome,
    ReceivedAt,
}

#[derive(DeriveIden)]
enum SandboxWebhookEvents {
    Table,
    Id,
    PaymentId,
    EventType,
    Body,
    DeliverAt,
    LeaseUntil,
    DeliveredAt,
    Attempts,
    LastError,
    CreatedAt,
}

const REFUND_KEY_INDEX: &str = "idx_order_refunds_idempotency_key";
const PAYMENT_STATUS_INDEX: &str = "idx_order_payments_status";
const SANDBOX_DUE_INDEX: &str = "idx_sandbox_webhook_events_due";

async fn rename_status(m: &SchemaManager<'_>, from: &str, to: &str) -> Result<(), DbErr> {
    m.exec_stmt(
        Query::update()
            .table(OrderPayments::Table)
            .value(OrderPayments::Status, to)
            .and_where(Expr::col(OrderPayments::Status).eq(from))
            .to_owned(),
    )
    .await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // SQLite adds one column per ALTER TABLE.
        m.alter_table(
            Table::alter()
                .table(OrderPayments::Table)
                .add_column(integer_null(OrderPayments::Instalments))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderPayments::Table)
                .add_column(big_integer(OrderPayments::FeeMinor).default(0))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderPayments::Table)
                .add_column(timestamp_with_time_zone_null(OrderPayments::CheckedAt))
                .to_owned(),
        )
        .await?;
        rename_status(m, "pending", "processing").await?;
        rename_status(m, "authorized", "requires_capture").await?;
        rename_status(m, "canceled", "cancelled").await?;
        m.create_index(
            Index::create()
                .name(PAYMENT_STATUS_INDEX)
                .table(OrderPayments::Table)
                .col(OrderPayments::Status)
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.alter_table(
            Table::alter()
                .table(OrderRefunds::Table)
                .add_column(string_len_null(OrderRefunds::IdempotencyKey, 240))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderRefunds::Table)
                .add_column(string_len_null(OrderRefunds::FailureCode, 64))
                .to_owned(),
        )
        .await?;
        m.alter_table(
            Table::alter()
                .table(OrderRefunds::Table)
                .add_column(timestamp_with_time_zone_null(OrderRefunds::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(REFUND_KEY_INDEX)
                .table(OrderRefunds::Table)
                .col(OrderRefunds::IdempotencyKey)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PaymentWebhookEvents::Table)
                .if_not_exists()
                .col(string_len(PaymentWebhookEvents::Provider, 20))
                .col(string_len(PaymentWebhookEvents::EventId, 120))
                .col(string_len(PaymentWebhookEvents::EventType, 80))
                .col(string_len_null(PaymentWebhookEvents::PaymentId, 40))
                .col(string_len(PaymentWebhookEvents::Outcome, 40))
                .col(timestamp_with_time_zone(PaymentWebhookEvents::ReceivedAt))
                .primary_key(
                    Index::create()
                        .col(PaymentWebhookEvents::Provider)
                        .col(PaymentWebhookEvents::EventId),
                )
                .to_owned(),
        )
        .await?;

        m.create_table(
            Table::create()
                .table(SandboxWebhookEvents::Table)
                .if_not_exists()
                .col(string_len(SandboxWebhookEvents::Id, 40).primary_key())
                .col(string_len(SandboxWebhookEvents::PaymentId, 40))
                .col(string_len(SandboxWebhookEvents::EventType, 60))
                .col(text(SandboxWebhookEvents::Body))
                .col(timestamp_with_time_zone(SandboxWebhookEvents::DeliverAt))
                .col(timestamp_with_time_zone_null(
                    SandboxWebhookEvents::LeaseUntil,
                ))
                .col(timestamp_with_time_zone_null(
                    SandboxWebhookEvents::DeliveredAt,
                ))
                .col(integer(SandboxWebhookEvents::Attempts).default(0))
                .col(text_null(SandboxWebhookEvents::LastError))
                .col(timestamp_with_time_zone(SandboxWebhookEvents::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(SANDBOX_DUE_INDEX)
                .table(SandboxWebhookEvents::Table)
                .col(SandboxWebhookEvents::DeliveredAt)
                .col(SandboxWebhookEvents::DeliverAt)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(SandboxWebhookEvents::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(PaymentWebhookEvents::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(REFUND_KEY_INDEX)
                .table(OrderRefunds::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        for col in [
            OrderRefunds::UpdatedAt,
            OrderRefunds::FailureCode,
            OrderRefunds::IdempotencyKey,
        ] {
            m.alter_table(
                Table::alter()
                    .table(OrderRefunds::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        m.drop_index(
            Index::drop()
                .name(PAYMENT_STATUS_INDEX)
                .table(OrderPayments::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        rename_status(m, "cancelled", "canceled").await?;
        rename_status(m, "requires_capture", "authorized").await?;
        rename_status(m, "partially_captured", "succeeded").await?;
        rename_status(m, "processing", "pending").await?;
        for col in [
            OrderPayments::CheckedAt,
            OrderPayments::FeeMinor,
            OrderPayments::Instalments,
        ] {
            m.alter_table(
                Table::alter()
                    .table(OrderPayments::Table)
                    .drop_column(col)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
