-- The least database work one order needs, without the application: the tables an order
-- writes (simplified to the columns that matter for size and indexes). See order_floor.sh.
DROP SCHEMA IF EXISTS order_floor CASCADE;
CREATE SCHEMA order_floor;
SET search_path = order_floor;
CREATE TABLE seats (flight int PRIMARY KEY, sold int NOT NULL, capacity int NOT NULL);
INSERT INTO seats SELECT g, 0, 1000000 FROM generate_series(1, 24000) g;
CREATE TABLE orders (id text PRIMARY KEY, reference text UNIQUE NOT NULL, status text NOT NULL,
  user_id text, email text NOT NULL, phone text NOT NULL, currency text NOT NULL,
  total_minor bigint NOT NULL, hold_expires_at timestamptz NOT NULL,
  created_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ON orders (user_id, created_at);
CREATE INDEX ON orders (status, hold_expires_at);
CREATE TABLE order_items (id text PRIMARY KEY, order_id text NOT NULL, position int NOT NULL,
  kind text NOT NULL, supplier text NOT NULL, offer_id text NOT NULL, supplier_ref text,
  status text NOT NULL, confirmation text, details text NOT NULL, total_minor bigint NOT NULL,
  starts_at timestamptz NOT NULL, ends_at timestamptz NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ON order_items (order_id, position);
CREATE INDEX ON order_items (supplier, supplier_ref);
CREATE TABLE order_travellers (id text PRIMARY KEY, order_id text NOT NULL, position int,
  given_name text, family_name text, born_on date, passport_last4 text);
CREATE INDEX ON order_travellers (order_id);
CREATE TABLE order_reminders (id text PRIMARY KEY, order_id text NOT NULL, due_at timestamptz NOT NULL,
  sent_at timestamptz);
CREATE INDEX ON order_reminders (due_at) WHERE sent_at IS NULL;
CREATE TABLE order_events (id bigserial PRIMARY KEY, order_id text NOT NULL, event text NOT NULL,
  from_status text, to_status text NOT NULL, actor text NOT NULL, reason text NOT NULL,
  at timestamptz NOT NULL);
CREATE INDEX ON order_events (order_id, id);
CREATE TABLE order_payments (id text PRIMARY KEY, order_id text NOT NULL, provider text NOT NULL,
  provider_payment_id text, status text NOT NULL, amount_minor bigint NOT NULL,
  captured_minor bigint NOT NULL, idempotency_key text UNIQUE NOT NULL, updated_at timestamptz NOT NULL);
CREATE INDEX ON order_payments (order_id);
CREATE INDEX ON order_payments (provider, provider_payment_id);
CREATE TABLE idempotency (scope text, key text, body_hash text NOT NULL, response text,
  created_at timestamptz NOT NULL, PRIMARY KEY (scope, key));
CREATE TABLE outbox (id bigserial PRIMARY KEY, kind text NOT NULL, subject_id text NOT NULL,
  dedupe_key text UNIQUE, payload text NOT NULL, status text NOT NULL, due_at timestamptz NOT NULL);
CREATE INDEX ON outbox (status, due_at);
