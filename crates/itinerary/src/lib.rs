//! The PDF itinerary of an order (being built).
