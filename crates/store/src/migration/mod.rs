//! The one migration source for SQLite and PostgreSQL. SeaQuery emits each backend's DDL;
//! a migration never branches on the backend unless a comment says why.

use sea_orm_migration::prelude::*;

mod m0001_foundation;
mod m0002_flight_schedules;
mod m0003_flight_orders;
mod m0004_hotels;
mod m0005_hotel_bookings;
mod m0006_accounts;
mod m0007_hotel_holds;
mod m0008_orders;
mod m0009_sandbox_payments;
mod m0010_payment_records;
mod m0011_outbox;
mod m0012_send_log_templates;
mod m0013_schedule_change_flights;
mod m0014_payment_payer_ip;

pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m0001_foundation::Migration),
            Box::new(m0002_flight_schedules::Migration),
            Box::new(m0003_flight_orders::Migration),
            Box::new(m0004_hotels::Migration),
            Box::new(m0005_hotel_bookings::Migration),
            Box::new(m0006_accounts::Migration),
            Box::new(m0007_hotel_holds::Migration),
            Box::new(m0008_orders::Migration),
            Box::new(m0009_sandbox_payments::Migration),
            Box::new(m0010_payment_records::Migration),
            Box::new(m0011_outbox::Migration),
            Box::new(m0012_send_log_templates::Migration),
            Box::new(m0013_schedule_change_flights::Migration),
            Box::new(m0014_payment_payer_ip::Migration),
        ]
    }
}
