//! PayPal: Orders v2 and Payments v2 with OAuth2 client credentials and webhooks (being written).
