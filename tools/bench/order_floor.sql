-- One order's least database work, as four transactions like the application's: create (the
-- seat taken with a conditional update, the order's rows, the idempotency record), payment
-- started, payment authorised, suppliers confirmed (ticket, capture, the confirmation's
-- outbox event). No reads beyond what the updates return, no application, no HTTP.
\set f random(1, 24000)
\set n random(1, 2000000000)
SET search_path = order_floor;
BEGIN;
INSERT INTO idempotency VALUES ('orders', 'k' || :client_id || '-' || :n, 'h', NULL, now());
UPDATE seats SET sold = sold + 1 WHERE flight = :f AND sold + 1 <= capacity RETURNING sold;
INSERT INTO orders VALUES ('ord' || :client_id || '-' || :n, 'R' || :client_id || '-' || :n, 'held', NULL,
  'bench@example.com', '+8613800138000', 'CNY', 123400, now() + interval '15 minutes', now(), now())
  RETURNING id \gset o_
INSERT INTO order_items VALUES (:o_id::text || 'i', :o_id::text, 0, 'flight', 'builtin', 'off_abcdefghijklmnopqrstuvwxyz', NULL,
  'held', NULL, repeat('x', 600), 123400, now() + interval '10 days', now() + interval '10 days 3 hours', now());
INSERT INTO order_travellers VALUES (:o_id::text || 't', :o_id::text, 0, 'Wei', 'Li', '1988-05-01', NULL);
INSERT INTO order_reminders VALUES (:o_id::text || 'r', :o_id::text, now() + interval '9 days', NULL);
INSERT INTO order_events (order_id, event, from_status, to_status, actor, reason, at)
  VALUES (:o_id::text, 'created', NULL, 'held', 'guest', '', now());
UPDATE idempotency SET response = :o_id::text WHERE scope = 'orders' AND key = 'k' || :client_id || '-' || :n;
COMMIT;
BEGIN;
UPDATE orders SET status = 'awaiting_payment', updated_at = now() WHERE id = :o_id::text AND status = 'held';
INSERT INTO order_events (order_id, event, from_status, to_status, actor, reason, at)
  VALUES (:o_id::text, 'payment_started', 'held', 'awaiting_payment', 'guest', 'sandbox pm_card_visa', now());
INSERT INTO order_payments VALUES (:o_id::text || 'p', :o_id::text, 'sandbox', NULL, 'processing', 123400, 0, :o_id::text || 'pay', now());
COMMIT;
BEGIN;
UPDATE orders SET status = 'paid', updated_at = now() WHERE id = :o_id::text AND status = 'awaiting_payment';
INSERT INTO order_events (order_id, event, from_status, to_status, actor, reason, at)
  VALUES (:o_id::text, 'payment_succeeded', 'awaiting_payment', 'paid', 'guest', 'authorised', now());
UPDATE order_payments SET status = 'authorised', provider_payment_id = 'pi_' || :n, updated_at = now() WHERE id = :o_id::text || 'p';
COMMIT;
BEGIN;
UPDATE order_items SET status = 'confirmed', confirmation = 'ABC123', supplier_ref = 'PNR' || :n, updated_at = now() WHERE id = :o_id::text || 'i';
UPDATE order_payments SET status = 'succeeded', captured_minor = 123400, updated_at = now() WHERE id = :o_id::text || 'p';
UPDATE orders SET status = 'confirmed', updated_at = now() WHERE id = :o_id::text AND status = 'paid';
INSERT INTO order_events (order_id, event, from_status, to_status, actor, reason, at)
  VALUES (:o_id::text, 'suppliers_confirmed', 'paid', 'confirmed', 'system', '', now());
INSERT INTO outbox (kind, subject_id, dedupe_key, payload, status, due_at)
  VALUES ('order_message', :o_id::text, 'booking-confirmed:' || :o_id::text, repeat('y', 300), 'pending', now());
COMMIT;
