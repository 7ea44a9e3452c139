//! Message templates (being built).
