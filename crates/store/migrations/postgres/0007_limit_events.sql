-- limits-plus §6: thresholds, the outbox of limit events and webhooks.
-- `notify_at_percent` is the config's thresholds, comma-separated, ascending (1..=100, ≤ 5).
ALTER TABLE chat_usage_limit_config ADD COLUMN notify_at_percent text NOT NULL DEFAULT '80,95';

-- One row per (user, window instance, kind, threshold), written in the transaction of the cost
-- or refusal that caused it; the unique key makes each fire once.
CREATE TABLE spend_limit_events (
    id              bigserial   PRIMARY KEY,
    type            text        NOT NULL
        CHECK (type IN ('usage_limit.threshold_crossed', 'usage_limit.exceeded')),
    time            timestamptz NOT NULL,
    user_id         uuid        NOT NULL REFERENCES users (id),
    period          text        NOT NULL CHECK (period IN ('day', 'week', 'month')),
    window_start    timestamptz NOT NULL,
    percent         integer     NOT NULL CHECK (percent BETWEEN 1 AND 100),
    spent_micros    bigint      NOT NULL,
    limit_micros    bigint      NOT NULL,
    resets_at       timestamptz NOT NULL,
    UNIQUE (user_id, period, window_start, type, percent)
);

-- Receivers of events. The HMAC secret is sealed with the deployment's secret key (it must be
-- read back to sign), like provider keys.
CREATE TABLE spend_webhooks (
    id                uuid        PRIMARY KEY,
    url               text        NOT NULL,
    secret_ciphertext bytea       NOT NULL,
    created_by        uuid        NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL
);

-- The outbox: one row per (webhook, event), written with the event for every webhook existing
-- then. Delivered rows keep `delivered_at`; a row given up on keeps `abandoned_at`.
CREATE TABLE spend_webhook_deliveries (
    webhook_id      uuid        NOT NULL REFERENCES spend_webhooks (id) ON DELETE CASCADE,
    event_id        bigint      NOT NULL REFERENCES spend_limit_events (id),
    attempts        integer     NOT NULL DEFAULT 0,
    next_attempt_at timestamptz NOT NULL,
    delivered_at    timestamptz NULL,
    abandoned_at    timestamptz NULL,
    last_error      text        NULL,
    PRIMARY KEY (webhook_id, event_id)
);
CREATE INDEX spend_webhook_deliveries_due_idx ON spend_webhook_deliveries (next_attempt_at)
    WHERE delivered_at IS NULL AND abandoned_at IS NULL;
