-- limits-plus §6: thresholds, the outbox of limit events and webhooks.
-- `notify_at_percent` is the config's thresholds, comma-separated, ascending (1..=100, ≤ 5).
ALTER TABLE chat_usage_limit_config ADD COLUMN notify_at_percent TEXT NOT NULL DEFAULT '80,95';

-- One row per (user, window instance, kind, threshold), written in the transaction of the cost
-- or refusal that caused it; the unique key makes each fire once.
CREATE TABLE spend_limit_events (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    type            TEXT    NOT NULL
        CHECK (type IN ('usage_limit.threshold_crossed', 'usage_limit.exceeded')),
    time            INTEGER NOT NULL,
    user_id         TEXT    NOT NULL REFERENCES users (id),
    period          TEXT    NOT NULL CHECK (period IN ('day', 'week', 'month')),
    window_start    INTEGER NOT NULL,
    percent         INTEGER NOT NULL CHECK (percent BETWEEN 1 AND 100),
    spent_micros    INTEGER NOT NULL,
    limit_micros    INTEGER NOT NULL,
    resets_at       INTEGER NOT NULL,
    UNIQUE (user_id, period, window_start, type, percent)
);

-- Receivers of events. The HMAC secret is sealed with the deployment's secret key (it must be
-- read back to sign), like provider keys.
CREATE TABLE spend_webhooks (
    id                TEXT    PRIMARY KEY NOT NULL,
    url               TEXT    NOT NULL,
    secret_ciphertext BLOB    NOT NULL,
    created_by        TEXT    NOT NULL REFERENCES users (id),
    created_at        INTEGER NOT NULL
);

-- The outbox: one row per (webhook, event), written with the event for every webhook existing
-- then. Delivered rows keep `delivered_at`; a row given up on keeps `abandoned_at`.
CREATE TABLE spend_webhook_deliveries (
    webhook_id      TEXT    NOT NULL REFERENCES spend_webhooks (id) ON DELETE CASCADE,
    event_id        INTEGER NOT NULL REFERENCES spend_limit_events (id),
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_attempt_at INTEGER NOT NULL,
    delivered_at    INTEGER NULL,
    abandoned_at    INTEGER NULL,
    last_error      TEXT    NULL,
    PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX spend_webhook_deliveries_due_idx ON spend_webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
