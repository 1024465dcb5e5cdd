-- Limits that hold (accounting.md): the ledger of every billed call, per-day counters derived
-- from it, the reservations of calls in flight, a per-user lock row, and fencing generations.

-- One row per LLM call that was billed (or could have been): chat answers, title calls, gateway
-- requests, runs cut off by a crash. `cost_micros` NULL = unpriced. Append-only.
CREATE TABLE spend_ledger (
    id                    bigserial   PRIMARY KEY,
    user_id               uuid        NOT NULL REFERENCES users (id),
    organization_id       uuid        NOT NULL REFERENCES organizations (id),
    source                text        NOT NULL
        CHECK (source IN ('chat_message', 'title', 'gateway', 'abandoned_run')),
    chat_id               uuid        NULL REFERENCES chats (id),
    message_id            bigint      NULL REFERENCES chat_messages (id),
    api_key_id            text        NULL,
    model_config_id       uuid        NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    input_tokens          bigint      NULL,
    output_tokens         bigint      NULL,
    reasoning_tokens      bigint      NULL,
    cache_read_tokens     bigint      NULL,
    cache_creation_tokens bigint      NULL,
    cost_micros           bigint      NULL CHECK (cost_micros >= 0),
    estimated             boolean     NOT NULL DEFAULT false,
    overrun               boolean     NOT NULL DEFAULT false,
    reservation_id        uuid        NULL,
    created_at            timestamptz NOT NULL
);
CREATE INDEX spend_ledger_user_created_idx ON spend_ledger (user_id, created_at);
CREATE INDEX spend_ledger_created_idx ON spend_ledger (created_at);
CREATE INDEX spend_ledger_chat_idx ON spend_ledger (chat_id);
CREATE INDEX spend_ledger_reservation_idx ON spend_ledger (reservation_id);

-- Spend per (user, organization, UTC day: days since 1970-01-01), written in the same
-- transaction as every costed ledger row. A window's spend is the sum of at most 31 rows.
CREATE TABLE spend_counters (
    user_id         uuid   NOT NULL,
    organization_id uuid   NOT NULL,
    day             bigint NOT NULL,
    spent_micros    bigint NOT NULL CHECK (spent_micros >= 0),
    PRIMARY KEY (user_id, organization_id, day)
);
CREATE INDEX spend_counters_user_day_idx ON spend_counters (user_id, day);

-- Money set aside for a call in flight, held by a replica until its lease expires. A chat run's
-- reservation names the chat and the generation of the claim it belongs to.
CREATE TABLE spend_reservations (
    id               uuid        PRIMARY KEY,
    user_id          uuid        NOT NULL,
    organization_id  uuid        NOT NULL,
    source           text        NOT NULL CHECK (source IN ('chat_message', 'title', 'gateway')),
    chat_id          uuid        NULL,
    generation       bigint      NULL,
    model_config_id  uuid        NULL,
    api_key_id       text        NULL,
    holder           text        NOT NULL,
    amount_micros    bigint      NOT NULL CHECK (amount_micros >= 0),
    progress_micros  bigint      NOT NULL DEFAULT 0 CHECK (progress_micros >= 0),
    lease_expires_at timestamptz NOT NULL,
    created_at       timestamptz NOT NULL
);
CREATE INDEX spend_reservations_user_idx ON spend_reservations (user_id);
CREATE INDEX spend_reservations_lease_idx ON spend_reservations (lease_expires_at);
CREATE INDEX spend_reservations_chat_idx ON spend_reservations (chat_id);

-- The per-user serialisation point of reservations and settlements: the transaction that
-- reserves or settles locks the user's row FOR UPDATE.
CREATE TABLE spend_locks (
    user_id uuid PRIMARY KEY
);

-- Each claim of a chat increments its generation; a run's writes succeed only while its
-- generation is current. A run refused by the limit keeps the refusal's figures here.
ALTER TABLE chats ADD COLUMN generation bigint NOT NULL DEFAULT 0;
ALTER TABLE chats ADD COLUMN last_error_detail jsonb NULL;

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
SELECT user_id, organization_id, floor(extract(epoch FROM created_at) / 86400)::bigint,
       sum(cost_micros)::bigint
FROM spend_ledger WHERE cost_micros IS NOT NULL
GROUP BY user_id, organization_id, floor(extract(epoch FROM created_at) / 86400)::bigint;
