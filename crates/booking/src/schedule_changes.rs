//! Airline schedule changes applied to orders (being built).
