//! Payment rules with no I/O: the states of our payment and refund records and which moves
//! between them are allowed (`record`), instalment plans and their fees (`instalments`), and
//! which payment methods may pay an order (`methods`), and card numbers where none belongs
//! (`card`).

pub mod card;
pub mod instalments;
pub mod methods;
pub mod record;
