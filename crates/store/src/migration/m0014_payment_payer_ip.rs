//! Payments keep the payer's IP address.
//!
//! - `order_payments.payer_ip`: the address the traveller paid from (the proxy's
//!   `X-Forwarded-For` when proxy headers are trusted). WeChat Pay's H5 orders require it as
//!   `scene_info.payer_client_ip` and compare it with the browser that opens the payment page,
//!   and an order whose answer was lost is asked for again with the same request, so it is
//!   kept with the attempt. Null for payments made before this, and when it is not known.

use sea_orm_migration::prelude::*;

#[derive(DeriveMigrationName)]
pub struct Migration;

#[derive(DeriveIden)]
enum OrderPayments {
    Table,
    PayerIp,
}

#[async_trait::async_trait]
impl MigrationTrait for Migration {
    async fn up(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OrderPayments::Table)
                .add_column(ColumnDef::new(OrderPayments::PayerIp).string().null())
                .to_owned(),
        )
        .await
    }

    async fn down(&self, m: &SchemaManager) -> Result<(), DbErr> {
        m.alter_table(
            Table::alter()
                .table(OrderPayments::Table)
                .drop_column(OrderPayments::PayerIp)
                .to_owned(),
        )
        .await
    }
}
