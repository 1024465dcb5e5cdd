-- The metered gateway (gateway.md §2): an API key may carry its own spend limit over a period,
-- enforced with the same reservation as its owner's limits. A key's spend is its ledger rows in
-- the window plus its live reservations, found by these indexes.
ALTER TABLE api_tokens ADD COLUMN spend_limit_micros INTEGER NULL CHECK (spend_limit_micros > 0);
ALTER TABLE api_tokens ADD COLUMN spend_period TEXT NULL
    CHECK (spend_period IN ('day', 'week', 'month'));
CREATE INDEX spend_ledger_api_key_idx ON spend_ledger (api_key_id, created_at);
CREATE INDEX spend_reservations_api_key_idx ON spend_reservations (api_key_id);
