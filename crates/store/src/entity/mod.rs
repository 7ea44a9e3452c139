//! SeaORM entities: the one schema shared by SQLite and PostgreSQL.

pub mod airline;
pub mod airport;
pub mod app_setting;
pub mod city;
pub mod exchange_rate;
pub mod flight_order_cancellation;
pub mod flight_schedule;
pub mod flight_schedule_change;
pub mod flight_seat_sale;
pub mod flight_supplier_order;
pub mod hotel;
pub mod hotel_booking_cancellation;
pub mod hotel_room_sale;
pub mod hotel_supplier_booking;
