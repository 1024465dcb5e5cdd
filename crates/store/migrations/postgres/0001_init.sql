-- tollgate schema, PostgreSQL flavour: the same logical shape as the SQLite one, with native
-- uuid, timestamptz, bigint money and bigserial message ids.

CREATE TABLE users (
    id            uuid        PRIMARY KEY,
    username      text        NOT NULL,
    email         text        NOT NULL,
    name          text        NOT NULL DEFAULT '',
    avatar_url    text        NOT NULL DEFAULT '',
    password_hash text        NULL,
    login_type    text        NOT NULL,
    status        text        NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    is_system     boolean     NOT NULL DEFAULT false,
    deleted       boolean     NOT NULL DEFAULT false,
    created_at    timestamptz NOT NULL,
    updated_at    timestamptz NOT NULL,
    last_seen_at  timestamptz NULL
);
-- A deleted user's name and email may be reused.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username)) WHERE NOT deleted;
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email)) WHERE NOT deleted;

CREATE TABLE user_roles (
    user_id uuid NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    text NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE organizations (
    id           uuid        PRIMARY KEY,
    name         text        NOT NULL,
    display_name text        NOT NULL DEFAULT '',
    description  text        NOT NULL DEFAULT '',
    icon         text        NOT NULL DEFAULT '',
    is_default   boolean     NOT NULL DEFAULT false,
    created_at   timestamptz NOT NULL,
    updated_at   timestamptz NOT NULL
);
CREATE UNIQUE INDEX organizations_name_lower_key ON organizations (lower(name));
CREATE UNIQUE INDEX organizations_single_default_key ON organizations (is_default) WHERE is_default;

CREATE TABLE organization_members (
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      timestamptz NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

-- The Everyone group is a row with id = organization_id; its members are implicit (the
-- organization's members) and never stored in group_members.
CREATE TABLE groups (
    id              uuid        PRIMARY KEY,
    organization_id uuid        NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            text        NOT NULL,
    display_name    text        NOT NULL DEFAULT '',
    avatar_url      text        NOT NULL DEFAULT '',
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
CREATE UNIQUE INDEX groups_org_name_lower_key ON groups (organization_id, lower(name));

CREATE TABLE group_members (
    group_id   uuid        NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

-- Every (group, member) pair, the Everyone groups' implicit members included.
CREATE VIEW group_memberships (group_id, user_id) AS
    SELECT group_id, user_id FROM group_members
    UNION ALL
    SELECT g.id, om.user_id
    FROM groups g JOIN organization_members om ON om.organization_id = g.id
    WHERE g.id = g.organization_id;

CREATE TABLE api_tokens (
    id           text        PRIMARY KEY,
    user_id      uuid        NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         text        NOT NULL,
    secret_hash  text        NOT NULL,
    created_at   timestamptz NOT NULL,
    expires_at   timestamptz NOT NULL,
    last_used_at timestamptz NULL
);
CREATE UNIQUE INDEX api_tokens_user_name_key ON api_tokens (user_id, name);

CREATE TABLE chat_usage_limit_config (
    id                   integer     PRIMARY KEY CHECK (id = 1),
    enabled              boolean     NOT NULL DEFAULT false,
    default_limit_micros bigint      NOT NULL DEFAULT 0 CHECK (default_limit_micros >= 0),
    period               text        NOT NULL DEFAULT 'month' CHECK (period IN ('day', 'week', 'month')),
    group_policy         text        NOT NULL DEFAULT 'lowest' CHECK (group_policy IN ('lowest', 'highest')),
    updated_at           timestamptz NOT NULL
);
INSERT INTO chat_usage_limit_config (id, enabled, default_limit_micros, period, group_policy, updated_at)
VALUES (1, false, 0, 'month', 'lowest', date_trunc('microseconds', now()));

CREATE TABLE chat_usage_limit_overrides (
    user_id            uuid        PRIMARY KEY REFERENCES users (id) ON DELETE CASCADE,
    spend_limit_micros bigint      NOT NULL CHECK (spend_limit_micros > 0),
    updated_at         timestamptz NOT NULL
);

CREATE TABLE chat_usage_limit_group_overrides (
    group_id           uuid        PRIMARY KEY REFERENCES groups (id) ON DELETE CASCADE,
    spend_limit_micros bigint      NOT NULL CHECK (spend_limit_micros > 0),
    updated_at         timestamptz NOT NULL
);

CREATE TABLE chat_providers (
    id                 uuid        PRIMARY KEY,
    provider           text        NOT NULL UNIQUE,
    display_name       text        NOT NULL DEFAULT '',
    enabled            boolean     NOT NULL DEFAULT true,
    api_key_ciphertext bytea       NULL,
    base_url           text        NULL,
    created_at         timestamptz NOT NULL,
    updated_at         timestamptz NOT NULL
);

-- Prices are exact decimals (USD per 1M tokens) kept as text, as on SQLite.
CREATE TABLE chat_model_configs (
    id                uuid             PRIMARY KEY,
    provider          text             NOT NULL,
    model             text             NOT NULL,
    display_name      text             NOT NULL DEFAULT '',
    enabled           boolean          NOT NULL DEFAULT true,
    is_default        boolean          NOT NULL DEFAULT false,
    context_limit     bigint           NOT NULL,
    max_output_tokens bigint           NULL,
    temperature       double precision NULL,
    input_price       text             NULL,
    output_price      text             NULL,
    cache_read_price  text             NULL,
    cache_write_price text             NULL,
    created_at        timestamptz      NOT NULL,
    updated_at        timestamptz      NOT NULL
);
CREATE UNIQUE INDEX chat_model_configs_single_default_key ON chat_model_configs (is_default)
    WHERE is_default;

CREATE TABLE chats (
    id                   uuid        PRIMARY KEY,
    owner_id             uuid        NOT NULL REFERENCES users (id),
    organization_id      uuid        NOT NULL REFERENCES organizations (id),
    workspace_id         uuid        NULL,
    parent_chat_id       uuid        NULL REFERENCES chats (id),
    root_chat_id         uuid        NULL REFERENCES chats (id),
    last_model_config_id uuid        NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    title                text        NOT NULL DEFAULT '',
    status               text        NOT NULL CHECK (status IN ('waiting', 'pending', 'running', 'error')),
    last_error           text        NULL,
    worker_id            uuid        NULL,
    heartbeat_at         timestamptz NULL,
    archived             boolean     NOT NULL DEFAULT false,
    labels               jsonb       NOT NULL DEFAULT '{}',
    created_at           timestamptz NOT NULL,
    updated_at           timestamptz NOT NULL
);
CREATE INDEX chats_owner_org_idx ON chats (owner_id, organization_id);
CREATE INDEX chats_status_idx ON chats (status);
CREATE INDEX chats_parent_idx ON chats (parent_chat_id);

-- The spend ledger: costed rows are append-only, soft-deleted rows still count.
CREATE TABLE chat_messages (
    id                    bigserial   PRIMARY KEY,
    chat_id               uuid        NOT NULL REFERENCES chats (id),
    created_by            uuid        NULL REFERENCES users (id),
    model_config_id       uuid        NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    role                  text        NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content               jsonb       NOT NULL DEFAULT '[]',
    input_tokens          bigint      NULL,
    output_tokens         bigint      NULL,
    reasoning_tokens      bigint      NULL,
    cache_read_tokens     bigint      NULL,
    cache_creation_tokens bigint      NULL,
    total_cost_micros     bigint      NULL CHECK (total_cost_micros >= 0),
    deleted               boolean     NOT NULL DEFAULT false,
    created_at            timestamptz NOT NULL
);
CREATE INDEX chat_messages_chat_created_idx ON chat_messages (chat_id, created_at);

CREATE TABLE chat_queued_messages (
    id              bigserial   PRIMARY KEY,
    chat_id         uuid        NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    content         jsonb       NOT NULL DEFAULT '[]',
    created_by      uuid        NOT NULL REFERENCES users (id),
    model_config_id uuid        NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX chat_queued_messages_chat_idx ON chat_queued_messages (chat_id, id);
