//! Stripe: PaymentIntents, refunds, SetupIntents and signed webhooks (being written).
