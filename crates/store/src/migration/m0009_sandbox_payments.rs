//! The sandbox payment provider's records: payments, their refunds, and the captures, voids and
//! authentications done on them. Each table's idempotency key is unique, so a retried request
//! finds what the first one did.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum SandboxPayments {
    Table,
    Id,
    IdempotencyKey,
    RequestHash,
    Reference,
    Description,
    CustomerEmail,
    PaymentMethod,
    CaptureMethod,
    Status,
    AmountMinor,
    AmountCapturedMinor,
    AmountRefundedMinor,
    Currency,
    FailureCode,
    FailureDeclineCode,
    FailureMessage,
    NextActionUrl,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum SandboxRefunds {
    Table,
    Id,
    PaymentId,
    AmountMinor,
    Currency,
    Reason,
    Status,
    IdempotencyKey,
    RequestHash,
    CreatedAt,
}

#[derive(DeriveIden)]
enum SandboxPaymentActions {
    Table,
    IdempotencyKey,
    PaymentId,
    Kind,
    RequestHash,
    Status,
    CreatedAt,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(SandboxPayments::Table)
                .if_not_exists()
                .col(string_len(SandboxPayments::Id, 40).primary_key())
                .col(string_len_uniq(SandboxPayments::IdempotencyKey, 255))
                .col(string_len(SandboxPayments::RequestHash, 64))
                .col(text(SandboxPayments::Reference))
                .col(text(SandboxPayments::Description))
                .col(text_null(SandboxPayments::CustomerEmail))
                .col(string_len(SandboxPayments::PaymentMethod, 64))
                .col(string_len(SandboxPayments::CaptureMethod, 16))
                .col(string_len(SandboxPayments::Status, 24))
                .col(big_integer(SandboxPayments::AmountMinor))
                .col(big_integer(SandboxPayments::AmountCapturedMinor))
                .col(big_integer(SandboxPayments::AmountRefundedMinor))
                .col(string_len(SandboxPayments::Currency, 3))
                .col(string_len_null(SandboxPayments::FailureCode, 64))
                .col(string_len_null(SandboxPayments::FailureDeclineCode, 64))
                .col(text_null(SandboxPayments::FailureMessage))
                .col(text_null(SandboxPayments::NextActionUrl))
                .col(timestamp_with_time_zone(SandboxPayments::CreatedAt))
                .col(timestamp_with_time_zone(SandboxPayments::UpdatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sandbox_payments_reference")
                .table(SandboxPayments::Table)
                .col(SandboxPayments::Reference)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SandboxRefunds::Table)
                .if_not_exists()
                .col(string_len(SandboxRefunds::Id, 40).primary_key())
                .col(string_len(SandboxRefunds::PaymentId, 40))
                .col(big_integer(SandboxRefunds::AmountMinor))
                .col(string_len(SandboxRefunds::Currency, 3))
                .col(text(SandboxRefunds::Reason))
                .col(string_len(SandboxRefunds::Status, 16))
                .col(string_len_uniq(SandboxRefunds::IdempotencyKey, 255))
                .col(string_len(SandboxRefunds::RequestHash, 64))
                .col(timestamp_with_time_zone(SandboxRefunds::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sandbox_refunds_payment")
                .table(SandboxRefunds::Table)
                .col(SandboxRefunds::PaymentId)
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(SandboxPaymentActions::Table)
                .if_not_exists()
                .col(string_len(SandboxPaymentActions::IdempotencyKey, 255).primary_key())
                .col(string_len(SandboxPaymentActions::PaymentId, 40))
                .col(string_len(SandboxPaymentActions::Kind, 16))
                .col(string_len(SandboxPaymentActions::RequestHash, 64))
                .col(string_len(SandboxPaymentActions::Status, 24))
                .col(timestamp_with_time_zone(SandboxPaymentActions::CreatedAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name("idx_sandbox_payment_actions_payment")
                .table(SandboxPaymentActions::Table)
                .col(SandboxPaymentActions::PaymentId)
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            SandboxPaymentActions::Table.into_iden(),
            SandboxRefunds::Table.into_iden(),
            SandboxPayments::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
