-- The metered gateway (gateway.md §2): an API key may carry its own spend limit over a period,
-- enforced with the same reservation as its owner's limits. A key's spend is its day counters in
-- the window plus its live reservations, so a key's cap costs the same whatever its history.
ALTER TABLE api_tokens ADD COLUMN spend_limit_micros INTEGER NULL CHECK (spend_limit_micros > 0);
ALTER TABLE api_tokens ADD COLUMN spend_period TEXT NULL
    CHECK (spend_period IN ('day', 'week', 'month'));
-- Spend per (API key, UTC day: days since 1970-01-01), written in the same transaction as every
-- costed ledger row that names a key (under its owner's spend lock), as `spend_counters` is.
CREATE TABLE spend_key_counters (
    api_key_id   TEXT    NOT NULL,
    day          INTEGER NOT NULL,
    spent_micros INTEGER NOT NULL CHECK (spent_micros >= 0),
    PRIMARY KEY (api_key_id, day)
);
INSERT INTO spend_key_counters (api_key_id, day, spent_micros)
SELECT api_key_id, created_at / 86400000000, sum(cost_micros)
FROM spend_ledger WHERE api_key_id IS NOT NULL AND cost_micros > 0 AND created_at >= 0
GROUP BY api_key_id, created_at / 86400000000;
CREATE INDEX spend_reservations_api_key_idx ON spend_reservations (api_key_id);
