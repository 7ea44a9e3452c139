//! The send log and message templates (issue 8).
//!
//! - `notifications` becomes the send log: which provider took a message, its id there (how a
//!   delivery callback finds the row), the template version it was rendered from, how many
//!   attempts it took, the last error, and when its status last moved. Status is one of
//!   `queued`, `sent`, `delivered`, `failed`, `bounced`.
//! - `message_templates`: what admins wrote, per event × channel × language, every save a new
//!   version (never updated or deleted); the newest version is the one used. With none, the
//!   defaults shipped in `wayfare_notify::templates` (version 0) are used.
//!
//! SQLite alters one column per statement, so each column is its own `ALTER TABLE`.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Provider,
    ProviderMessageId,
    TemplateVersion,
    Attempts,
    LastError,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum MessageTemplates {
    Table,
    Id,
    Event,
    Channel,
    Locale,
    Version,
    Subject,
    Body,
    CreatedBy,
    CreatedAt,
}

const PROVIDER_ID_INDEX: &str = "idx_notifications_provider_message";
const TEMPLATE_VERSION_INDEX: &str = "ux_message_templates_version";

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        let columns = [
            ColumnDef::new(Notifications::Provider)
                .string_len(32)
                .not_null()
                .default("")
                .to_owned(),
            ColumnDef::new(Notifications::ProviderMessageId)
                .string_len(200)
                .null()
                .to_owned(),
            ColumnDef::new(Notifications::TemplateVersion)
                .integer()
                .null()
                .to_owned(),
            ColumnDef::new(Notifications::Attempts)
                .integer()
                .not_null()
                .default(1)
                .to_owned(),
            ColumnDef::new(Notifications::LastError)
                .text()
                .null()
                .to_owned(),
            ColumnDef::new(Notifications::UpdatedAt)
                .timestamp_with_time_zone()
                .null()
                .to_owned(),
        ];
        for mut column in columns {
            m.alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .add_column(&mut column)
                    .to_owned(),
            )
            .await?;
        }
        m.create_index(
            Index::create()
                .name(PROVIDER_ID_INDEX)
                .table(Notifications::Table)
                .col(Notifications::Provider)
                .col(Notifications::ProviderMessageId)
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        m.create_table(
            Table::create()
                .table(MessageTemplates::Table)
                .if_not_exists()
                .col(string_len(MessageTemplates::Id, 40).primary_key())
                .col(string_len(MessageTemplates::Event, 64))
                .col(string_len(MessageTemplates::Channel, 16))
                .col(string_len(MessageTemplates::Locale, 35))
                .col(integer(MessageTemplates::Version))
                .col(text_null(MessageTemplates::Subject))
                .col(text(MessageTemplates::Body))
                .col(string_len_null(MessageTemplates::CreatedBy, 64))
                .col(timestamp_with_time_zone(MessageTemplates::CreatedAt))
                .to_owned(),
        )
        .await?;
        // Two admins saving at once cannot both write version n.
        m.create_index(
            Index::create()
                .name(TEMPLATE_VERSION_INDEX)
                .table(MessageTemplates::Table)
                .col(MessageTemplates::Event)
                .col(MessageTemplates::Channel)
                .col(MessageTemplates::Locale)
                .col(MessageTemplates::Version)
                .unique()
                .if_not_exists()
                .to_owned(),
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.drop_table(
            Table::drop()
                .table(MessageTemplates::Table)
                .if_exists()
                .to_owned(),
        )
        .await?;
        m.drop_index(
            Index::drop()
                .name(PROVIDER_ID_INDEX)
                .table(Notifications::Table)
                .to_owned(),
        )
        .await?;
        for column in [
            Notifications::UpdatedAt,
            Notifications::LastError,
            Notifications::Attempts,
            Notifications::TemplateVersion,
            Notifications::ProviderMessageId,
            Notifications::Provider,
        ] {
            m.alter_table(
                Table::alter()
                    .table(Notifications::Table)
                    .drop_column(column)
                    .to_owned(),
            )
            .await?;
        }
        Ok(())
    }
}
