//! SeaORM entities: the one schema shared by SQLite and PostgreSQL.

pub mod airline;
pub mod airport;
pub mod app_setting;
pub mod city;
pub mod exchange_rate;
pub mod flight_schedule;
pub mod flight_seat_sale;
