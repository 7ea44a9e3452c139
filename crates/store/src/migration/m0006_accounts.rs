//! Accounts and security: users, roles, sign-in methods, sessions, API tokens, one-time codes,
//! sign-in challenges, recovery codes, throttling, the audit log, saved travellers, stored
//! payment methods and the notifications sent. Secrets are stored hashed or sealed by the
//! account service; this schema never sees them in the clear.

use sea_orm_migration::prelude::*;
use sea_orm_migration::schema::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum Users {
    Table,
    Id,
    Email,
    EmailVerifiedAt,
    Phone,
    PhoneVerifiedAt,
    PasswordHash,
    NameZh,
    GivenName,
    FamilyName,
    Locale,
    Currency,
    Preferences,
    NotificationPrefs,
    SecondFactor,
    TotpSecretSealed,
    TotpLastStep,
    PasswordChangedAt,
    CreatedAt,
    UpdatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum UserRoles {
    Table,
    UserId,
    Role,
    GrantedBy,
    GrantedAt,
}

#[derive(DeriveIden)]
enum UserIdentities {
    Table,
    Id,
    UserId,
    Issuer,
    Subject,
    Email,
    CreatedAt,
}

#[derive(DeriveIden)]
enum Sessions {
    Table,
    Id,
    TokenHash,
    UserId,
    CreatedAt,
    LastSeenAt,
    ExpiresAt,
    Ip,
    UserAgent,
    RevokedAt,
}

#[derive(DeriveIden)]
enum ApiTokens {
    Table,
    Id,
    UserId,
    Name,
    TokenHash,
    Prefix,
    CreatedAt,
    LastUsedAt,
    RevokedAt,
}

#[derive(DeriveIden)]
enum OneTimeCodes {
    Table,
    Id,
    Purpose,
    Destination,
    UserId,
    CodeHash,
    CreatedAt,
    ExpiresAt,
    Attempts,
    ConsumedAt,
}

#[derive(DeriveIden)]
enum AuthChallenges {
    Table,
    Id,
    TokenHash,
    UserId,
    Purpose,
    Data,
    CreatedAt,
    ExpiresAt,
    Attempts,
    ConsumedAt,
    Ip,
}

#[derive(DeriveIden)]
enum RecoveryCodes {
    Table,
    Id,
    UserId,
    CodeHash,
    CreatedAt,
    UsedAt,
}

#[derive(DeriveIden)]
enum AuthThrottle {
    Table,
    Key,
    Failures,
    WindowStartedAt,
    LastFailureAt,
    LockedUntil,
}

#[derive(DeriveIden)]
enum AuditLog {
    Table,
    Id,
    At,
    ActorUserId,
    Action,
    Target,
    Ip,
    Detail,
}

#[derive(DeriveIden)]
enum Travellers {
    Table,
    Id,
    UserId,
    GivenName,
    FamilyName,
    NameZh,
    DateOfBirth,
    Gender,
    Nationality,
    DocumentType,
    DocumentNumberSealed,
    DocumentCountry,
    DocumentExpiry,
    CreatedAt,
    UpdatedAt,
}

#[derive(DeriveIden)]
enum PaymentMethods {
    Table,
    Id,
    UserId,
    Provider,
    TokenSealed,
    Brand,
    Last4,
    ExpMonth,
    ExpYear,
    IsDefault,
    CreatedAt,
    DeletedAt,
}

#[derive(DeriveIden)]
enum Notifications {
    Table,
    Id,
    UserId,
    Channel,
    Destination,
    Event,
    Locale,
    Subject,
    Body,
    Status,
    CreatedAt,
}

/// The owning user of a row: rows go with the user (users are anonymised, never deleted, so
/// the cascade only matters to tooling).
fn owned_by_user(
    table: impl IntoIden,
    column: impl IntoIden,
    name: &str,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(name)
        .from(table, column)
        .to(Users::Table, Users::Id)
        .on_delete(ForeignKeyAction::Cascade)
        .to_owned()
}

async fn index(
    m: &SchemaManager<'_>,
    name: &str,
    table: impl IntoIden,
    cols: impl IntoIterator<Item = DynIden>,
    unique: bool,
) -> Result<(), DbErr> {
    let mut idx = Index::create();
    idx.name(name).table(table);
    for c in cols {
        idx.col(c);
    }
    if unique {
        idx.unique();
    }
    m.create_index(idx.to_owned()).await
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.create_table(
            Table::create()
                .table(Users::Table)
                .if_not_exists()
                .col(string_len(Users::Id, 40).primary_key())
                .col(string_len_null(Users::Email, 320))
                .col(timestamp_with_time_zone_null(Users::EmailVerifiedAt))
                .col(string_len_null(Users::Phone, 32))
                .col(timestamp_with_time_zone_null(Users::PhoneVerifiedAt))
                .col(text_null(Users::PasswordHash))
                .col(string_len_null(Users::NameZh, 100))
                .col(string_len_null(Users::GivenName, 100))
                .col(string_len_null(Users::FamilyName, 100))
                .col(string_len(Users::Locale, 16))
                .col(string_len(Users::Currency, 3))
                .col(text(Users::Preferences).default("{}"))
                .col(text(Users::NotificationPrefs).default("{}"))
                .col(string_len(Users::SecondFactor, 16).default("none"))
                .col(text_null(Users::TotpSecretSealed))
                .col(big_integer_null(Users::TotpLastStep))
                .col(timestamp_with_time_zone_null(Users::PasswordChangedAt))
                .col(timestamp_with_time_zone(Users::CreatedAt))
                .col(timestamp_with_time_zone(Users::UpdatedAt))
                .col(timestamp_with_time_zone_null(Users::DeletedAt))
                .to_owned(),
        )
        .await?;
        // Named unique indexes (not column constraints) so the violation names the field on
        // both backends; NULLs (no address, anonymised accounts) never collide.
        index(
            m,
            "ux_users_email",
            Users::Table,
            [Users::Email.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "ux_users_phone",
            Users::Table,
            [Users::Phone.into_iden()],
            true,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserRoles::Table)
                .if_not_exists()
                .col(string_len(UserRoles::UserId, 40))
                .col(string_len(UserRoles::Role, 32))
                .col(string_len_null(UserRoles::GrantedBy, 40))
                .col(timestamp_with_time_zone(UserRoles::GrantedAt))
                .primary_key(Index::create().col(UserRoles::UserId).col(UserRoles::Role))
                .foreign_key(&mut owned_by_user(
                    UserRoles::Table,
                    UserRoles::UserId,
                    "fk_user_roles_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_user_roles_role",
            UserRoles::Table,
            [UserRoles::Role.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(UserIdentities::Table)
                .if_not_exists()
                .col(string_len(UserIdentities::Id, 40).primary_key())
                .col(string_len(UserIdentities::UserId, 40))
                .col(string_len(UserIdentities::Issuer, 400))
                .col(string_len(UserIdentities::Subject, 255))
                .col(string_len_null(UserIdentities::Email, 320))
                .col(timestamp_with_time_zone(UserIdentities::CreatedAt))
                .foreign_key(&mut owned_by_user(
                    UserIdentities::Table,
                    UserIdentities::UserId,
                    "fk_user_identities_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_user_identities_subject",
            UserIdentities::Table,
            [
                UserIdentities::Issuer.into_iden(),
                UserIdentities::Subject.into_iden(),
            ],
            true,
        )
        .await?;
        index(
            m,
            "idx_user_identities_user",
            UserIdentities::Table,
            [UserIdentities::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Sessions::Table)
                .if_not_exists()
                .col(string_len(Sessions::Id, 40).primary_key())
                .col(string_len(Sessions::TokenHash, 64))
                .col(string_len(Sessions::UserId, 40))
                .col(timestamp_with_time_zone(Sessions::CreatedAt))
                .col(timestamp_with_time_zone(Sessions::LastSeenAt))
                .col(timestamp_with_time_zone(Sessions::ExpiresAt))
                .col(string_len_null(Sessions::Ip, 64))
                .col(text_null(Sessions::UserAgent))
                .col(timestamp_with_time_zone_null(Sessions::RevokedAt))
                .foreign_key(&mut owned_by_user(
                    Sessions::Table,
                    Sessions::UserId,
                    "fk_sessions_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_sessions_token_hash",
            Sessions::Table,
            [Sessions::TokenHash.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "idx_sessions_user",
            Sessions::Table,
            [Sessions::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(ApiTokens::Table)
                .if_not_exists()
                .col(string_len(ApiTokens::Id, 40).primary_key())
                .col(string_len(ApiTokens::UserId, 40))
                .col(string_len(ApiTokens::Name, 100))
                .col(string_len(ApiTokens::TokenHash, 64))
                .col(string_len(ApiTokens::Prefix, 16))
                .col(timestamp_with_time_zone(ApiTokens::CreatedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::LastUsedAt))
                .col(timestamp_with_time_zone_null(ApiTokens::RevokedAt))
                .foreign_key(&mut owned_by_user(
                    ApiTokens::Table,
                    ApiTokens::UserId,
                    "fk_api_tokens_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_api_tokens_token_hash",
            ApiTokens::Table,
            [ApiTokens::TokenHash.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "idx_api_tokens_user",
            ApiTokens::Table,
            [ApiTokens::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(OneTimeCodes::Table)
                .if_not_exists()
                .col(string_len(OneTimeCodes::Id, 40).primary_key())
                .col(string_len(OneTimeCodes::Purpose, 16))
                .col(string_len(OneTimeCodes::Destination, 320))
                .col(string_len_null(OneTimeCodes::UserId, 40))
                .col(string_len(OneTimeCodes::CodeHash, 64))
                .col(timestamp_with_time_zone(OneTimeCodes::CreatedAt))
                .col(timestamp_with_time_zone(OneTimeCodes::ExpiresAt))
                .col(integer(OneTimeCodes::Attempts).default(0))
                .col(timestamp_with_time_zone_null(OneTimeCodes::ConsumedAt))
                .foreign_key(&mut owned_by_user(
                    OneTimeCodes::Table,
                    OneTimeCodes::UserId,
                    "fk_one_time_codes_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_one_time_codes_destination",
            OneTimeCodes::Table,
            [
                OneTimeCodes::Purpose.into_iden(),
                OneTimeCodes::Destination.into_iden(),
                OneTimeCodes::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            m,
            "idx_one_time_codes_user",
            OneTimeCodes::Table,
            [OneTimeCodes::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuthChallenges::Table)
                .if_not_exists()
                .col(string_len(AuthChallenges::Id, 40).primary_key())
                .col(string_len(AuthChallenges::TokenHash, 64))
                .col(string_len(AuthChallenges::UserId, 40))
                .col(string_len(AuthChallenges::Purpose, 16))
                .col(text_null(AuthChallenges::Data))
                .col(timestamp_with_time_zone(AuthChallenges::CreatedAt))
                .col(timestamp_with_time_zone(AuthChallenges::ExpiresAt))
                .col(integer(AuthChallenges::Attempts).default(0))
                .col(timestamp_with_time_zone_null(AuthChallenges::ConsumedAt))
                .col(string_len_null(AuthChallenges::Ip, 64))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "ux_auth_challenges_token_hash",
            AuthChallenges::Table,
            [AuthChallenges::TokenHash.into_iden()],
            true,
        )
        .await?;
        index(
            m,
            "idx_auth_challenges_user",
            AuthChallenges::Table,
            [AuthChallenges::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(RecoveryCodes::Table)
                .if_not_exists()
                .col(string_len(RecoveryCodes::Id, 40).primary_key())
                .col(string_len(RecoveryCodes::UserId, 40))
                .col(string_len(RecoveryCodes::CodeHash, 64))
                .col(timestamp_with_time_zone(RecoveryCodes::CreatedAt))
                .col(timestamp_with_time_zone_null(RecoveryCodes::UsedAt))
                .foreign_key(&mut owned_by_user(
                    RecoveryCodes::Table,
                    RecoveryCodes::UserId,
                    "fk_recovery_codes_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_recovery_codes_user",
            RecoveryCodes::Table,
            [RecoveryCodes::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(AuthThrottle::Table)
                .if_not_exists()
                .col(string_len(AuthThrottle::Key, 400).primary_key())
                .col(big_integer(AuthThrottle::Failures))
                .col(timestamp_with_time_zone(AuthThrottle::WindowStartedAt))
                .col(timestamp_with_time_zone(AuthThrottle::LastFailureAt))
                .col(timestamp_with_time_zone_null(AuthThrottle::LockedUntil))
                .to_owned(),
        )
        .await?;

        // No foreign key: the log outlives what it names.
        m.create_table(
            Table::create()
                .table(AuditLog::Table)
                .if_not_exists()
                .col(big_pk_auto(AuditLog::Id))
                .col(timestamp_with_time_zone(AuditLog::At))
                .col(string_len_null(AuditLog::ActorUserId, 40))
                .col(string_len(AuditLog::Action, 64))
                .col(string_len_null(AuditLog::Target, 200))
                .col(string_len_null(AuditLog::Ip, 64))
                .col(text(AuditLog::Detail).default("{}"))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_audit_log_at",
            AuditLog::Table,
            [AuditLog::At.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "idx_audit_log_actor",
            AuditLog::Table,
            [AuditLog::ActorUserId.into_iden(), AuditLog::At.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "idx_audit_log_action",
            AuditLog::Table,
            [AuditLog::Action.into_iden(), AuditLog::At.into_iden()],
            false,
        )
        .await?;
        index(
            m,
            "idx_audit_log_target",
            AuditLog::Table,
            [AuditLog::Target.into_iden(), AuditLog::At.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(Travellers::Table)
                .if_not_exists()
                .col(string_len(Travellers::Id, 40).primary_key())
                .col(string_len(Travellers::UserId, 40))
                .col(string_len(Travellers::GivenName, 100))
                .col(string_len(Travellers::FamilyName, 100))
                .col(string_len_null(Travellers::NameZh, 100))
                .col(date_null(Travellers::DateOfBirth))
                .col(string_len_null(Travellers::Gender, 16))
                .col(string_len_null(Travellers::Nationality, 2))
                .col(string_len_null(Travellers::DocumentType, 16))
                .col(text_null(Travellers::DocumentNumberSealed))
                .col(string_len_null(Travellers::DocumentCountry, 2))
                .col(date_null(Travellers::DocumentExpiry))
                .col(timestamp_with_time_zone(Travellers::CreatedAt))
                .col(timestamp_with_time_zone(Travellers::UpdatedAt))
                .foreign_key(&mut owned_by_user(
                    Travellers::Table,
                    Travellers::UserId,
                    "fk_travellers_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_travellers_user",
            Travellers::Table,
            [Travellers::UserId.into_iden()],
            false,
        )
        .await?;

        m.create_table(
            Table::create()
                .table(PaymentMethods::Table)
                .if_not_exists()
                .col(string_len(PaymentMethods::Id, 40).primary_key())
                .col(string_len(PaymentMethods::UserId, 40))
                .col(string_len(PaymentMethods::Provider, 32))
                .col(text(PaymentMethods::TokenSealed))
                .col(string_len(PaymentMethods::Brand, 32))
                .col(string_len(PaymentMethods::Last4, 4))
                .col(integer(PaymentMethods::ExpMonth))
                .col(integer(PaymentMethods::ExpYear))
                .col(boolean(PaymentMethods::IsDefault).default(false))
                .col(timestamp_with_time_zone(PaymentMethods::CreatedAt))
                .col(timestamp_with_time_zone_null(PaymentMethods::DeletedAt))
                .foreign_key(&mut owned_by_user(
                    PaymentMethods::Table,
                    PaymentMethods::UserId,
                    "fk_payment_methods_user",
                ))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_payment_methods_user",
            PaymentMethods::Table,
            [PaymentMethods::UserId.into_iden()],
            false,
        )
        .await?;

        // No foreign key: messages to addresses without an account are recorded too.
        m.create_table(
            Table::create()
                .table(Notifications::Table)
                .if_not_exists()
                .col(string_len(Notifications::Id, 40).primary_key())
                .col(string_len_null(Notifications::UserId, 40))
                .col(string_len(Notifications::Channel, 16))
                .col(string_len(Notifications::Destination, 320))
                .col(string_len(Notifications::Event, 64))
                .col(string_len(Notifications::Locale, 16))
                .col(text_null(Notifications::Subject))
                .col(text(Notifications::Body))
                .col(string_len(Notifications::Status, 16))
                .col(timestamp_with_time_zone(Notifications::CreatedAt))
                .to_owned(),
        )
        .await?;
        index(
            m,
            "idx_notifications_user",
            Notifications::Table,
            [
                Notifications::UserId.into_iden(),
                Notifications::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            m,
            "idx_notifications_destination",
            Notifications::Table,
            [
                Notifications::Destination.into_iden(),
                Notifications::CreatedAt.into_iden(),
            ],
            false,
        )
        .await?;
        index(
            m,
            "idx_notifications_created",
            Notifications::Table,
            [Notifications::CreatedAt.into_iden()],
            false,
        )
        .await?;
        Ok(())
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        for t in [
            Notifications::Table.into_iden(),
            PaymentMethods::Table.into_iden(),
            Travellers::Table.into_iden(),
            AuditLog::Table.into_iden(),
            AuthThrottle::Table.into_iden(),
            RecoveryCodes::Table.into_iden(),
            AuthChallenges::Table.into_iden(),
            OneTimeCodes::Table.into_iden(),
            ApiTokens::Table.into_iden(),
            Sessions::Table.into_iden(),
            UserIdentities::Table.into_iden(),
            UserRoles::Table.into_iden(),
            Users::Table.into_iden(),
        ] {
            m.drop_table(Table::drop().table(t).if_exists().to_owned())
                .await?;
        }
        Ok(())
    }
}
