-- Limits that hold (accounting.md): the ledger of every billed call, per-day counters derived
-- from it, the reservations of calls in flight, a per-user lock row, and fencing generations.

-- One row per LLM call that was billed (or could have been): chat answers, title calls, gateway
-- requests, runs cut off by a crash. `cost_micros` NULL = unpriced. Append-only.
CREATE TABLE spend_ledger (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    user_id               TEXT    NOT NULL REFERENCES users (id),
    organization_id       TEXT    NOT NULL REFERENCES organizations (id),
    source                TEXT    NOT NULL
        CHECK (source IN ('chat_message', 'title', 'gateway', 'abandoned_run')),
    chat_id               TEXT    NULL REFERENCES chats (id),
    message_id            INTEGER NULL REFERENCES chat_messages (id),
    api_key_id            TEXT    NULL,
    model_config_id       TEXT    NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    input_tokens          INTEGER NULL,
    output_tokens         INTEGER NULL,
    reasoning_tokens      INTEGER NULL,
    cache_read_tokens     INTEGER NULL,
    cache_creation_tokens INTEGER NULL,
    cost_micros           INTEGER NULL CHECK (cost_micros >= 0),
    estimated             INTEGER NOT NULL DEFAULT 0 CHECK (estimated IN (0, 1)),
    overrun               INTEGER NOT NULL DEFAULT 0 CHECK (overrun IN (0, 1)),
    reservation_id        TEXT    NULL,
    created_at            INTEGER NOT NULL
);
CREATE INDEX spend_ledger_user_created_idx ON spend_ledger (user_id, created_at);
CREATE INDEX spend_ledger_created_idx ON spend_ledger (created_at);
CREATE INDEX spend_ledger_chat_idx ON spend_ledger (chat_id);
CREATE INDEX spend_ledger_reservation_idx ON spend_ledger (reservation_id);

-- Spend per (user, organization, UTC day: days since 1970-01-01), written in the same
-- transaction as every costed ledger row. A window's spend is the sum of at most 31 rows.
CREATE TABLE spend_counters (
    user_id         TEXT    NOT NULL,
    organization_id TEXT    NOT NULL,
    day             INTEGER NOT NULL,
    spent_micros    INTEGER NOT NULL CHECK (spent_micros >= 0),
    PRIMARY KEY (user_id, organization_id, day)
);
CREATE INDEX spend_counters_user_day_idx ON spend_counters (user_id, day);

-- Money set aside for a call in flight, held by a replica until its lease expires. A chat run's
-- reservation names the chat and the generation of the claim it belongs to.
CREATE TABLE spend_reservations (
    id               TEXT    PRIMARY KEY NOT NULL,
    user_id          TEXT    NOT NULL,
    organization_id  TEXT    NOT NULL,
    source           TEXT    NOT NULL CHECK (source IN ('chat_message', 'title', 'gateway')),
    chat_id          TEXT    NULL,
    generation       INTEGER NULL,
    model_config_id  TEXT    NULL,
    api_key_id       TEXT    NULL,
    holder           TEXT    NOT NULL,
    amount_micros    INTEGER NOT NULL CHECK (amount_micros >= 0),
    progress_micros  INTEGER NOT NULL DEFAULT 0 CHECK (progress_micros >= 0),
    lease_expires_at INTEGER NOT NULL,
    created_at       INTEGER NOT NULL
);
CREATE INDEX spend_reservations_user_idx ON spend_reservations (user_id);
CREATE INDEX spend_reservations_lease_idx ON spend_reservations (lease_expires_at);
CREATE INDEX spend_reservations_chat_idx ON spend_reservations (chat_id);

-- The per-user serialisation point of reservations and settlements (PostgreSQL locks the row;
-- SQLite's write transactions are serialised already).
CREATE TABLE spend_locks (
    user_id TEXT PRIMARY KEY NOT NULL
);

-- Each claim of a chat increments its generation; a run's writes succeed only while its
-- generation is current. A run refused by the limit keeps the refusal's figures here (JSON).
ALTER TABLE chats ADD COLUMN generation INTEGER NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN last_error_detail TEXT NULL;

-- The ledger so far: every costed message and every LLM call (assistant answers, title calls).
INSERT INTO spend_ledger (user_id, organization_id, source, chat_id, message_id, model_config_id,
    input_tokens, output_tokens, reasoning_tokens, cache_read_tokens, cache_creation_tokens,
    cost_micros, created_at)
SELECT c.owner_id, c.organization_id,
       CASE WHEN m.kind = 'title' THEN 'title' ELSE 'chat_message' END,
       c.id, m.id, m.model_config_id, m.input_tokens, m.output_tokens, m.reasoning_tokens,
       m.cache_read_tokens, m.cache_creation_tokens, m.total_cost_micros, m.created_at
FROM chat_messages m JOIN chats c ON c.id = m.chat_id
WHERE m.total_cost_micros IS NOT NULL OR m.role = 'assistant' OR m.kind = 'title'
ORDER BY m.id;

INSERT INTO spend_counters (user_id, organization_id, day, spent_micros)
SELECT user_id, organization_id, created_at / 86400000000, sum(cost_micros)
FROM spend_ledger WHERE cost_micros IS NOT NULL AND created_at >= 0
GROUP BY user_id, organization_id, created_at / 86400000000;
