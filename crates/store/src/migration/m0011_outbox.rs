//! The transactional outbox (issue 8): every event that someone must hear about is written in
//! the same transaction as the change that caused it, then delivered by a worker.
//!
//! - `outbox_events`: one row per event. `dedupe_key` (unique) makes producing idempotent: the
//!   same change recorded twice is one event. The worker takes a row with a lease (a
//!   conditional update on `lease_owner`/`lease_until`, the same on SQLite and PostgreSQL),
//!   and leaves it `delivered`, or `pending` again at `available_at` (backoff) after a failure,
//!   or `dead` after too many; an admin can make a dead one `pending` again.
//! - `outbox_deliveries`: each message an event caused, by (event, key) — for example
//!   `email:mei@example.com` — recorded once sent, so a retry of the event (after another
//!   recipient failed, or a crash) does not send it again.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OutboxEvents {
    Table,
    Id,
    Kind,
    SubjectId,
    DedupeKey,
    Payload,
    Status,
    Attempts,
    AvailableAt,
    LeaseOwner,
    LeaseUntil,
    LastError,
    CreatedAt,
    UpdatedAt,
    DeliveredAt,
}

#[derive(DeriveIden)]
enum OutboxDeliveries {
    Table,
    EventId,
    Key,
    ProviderMessageId,
    DeliveredAt,
}

const DUE_INDEX: &str = "idx_outbox_events_due";
const SUBJECT_INDEX: &str = "idx_outbox_events_subject";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        // The key's uniqueness is declared with the table, not as an index after it: SQLite
        // checks an upsert's ON CONFLICT target when the statement is prepared, against the
        // schema the connection last read, so a pooled connection that read the table before a
        // separate index existed would refuse the upsert.
        m.create_table(
            Table::create()
                .table(OutboxEvents::Table)
                .if_not_exists()
                .col(string_len(OutboxEvents::Id, 40).primary_key())
                .col(string_len(OutboxEvents::Kind, 64))
                .col(string_len_null(OutboxEvents::SubjectId, 64))
                .col(string_len_null(OutboxEvents::DedupeKey, 200).unique_key())
                .col(text(OutboxEvents::Payload))
                .col(string_len(OutboxEvents::Status, 16))
                .col(integer(OutboxEvents::Attempts).default(0))
                .col(timestamp_with_time_zone(OutboxEvents::AvailableAt))
                .col(string_len_null(OutboxEvents::LeaseOwner, 80))
                .col(timestamp_with_time_zone_null(OutboxEvents::LeaseUntil))
                .col(text_null(OutboxEvents::LastError))
                .col(timestamp_with_time_zone(OutboxEvents::CreatedAt))
                .col(timestamp_with_time_zone(OutboxEvents::UpdatedAt))
                .col(timestamp_with_time_zone_null(OutboxEvents::DeliveredAt))
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(DUE_INDEX)
                .table(OutboxEvents::Table)
                .col(OutboxEvents::Status)
                .col(OutboxEvents::AvailableAt)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_index(
            Index::create()
                .name(SUBJECT_INDEX)
                .table(OutboxEvents::Table)
                .col(OutboxEvents::SubjectId)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(OutboxDeliveries::Table)
                .if_not_exists()
                .col(string_len(OutboxDeliveries::EventId, 40))
                .col(string_len(OutboxDeliveries::Key, 300))
                .col(string_len_null(OutboxDeliveries::ProviderMessageId, 200))
                .col(timestamp_with_time_zone(OutboxDeliveries::DeliveredAt))
                .primary_key(
                    Index::create()
                        .col(OutboxDeliveries::EventId)
                        .col(OutboxDeliveries::Key),
                )
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(OutboxDeliveries::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_table(
            Table::drop()
                .table(OutboxEvents::Table)
                .if_exists()
                .to_owned(),
        )
        .await
    }
}
