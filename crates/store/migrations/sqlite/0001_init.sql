-- tollgate schema, SQLite flavour. Conventions (see src/sqlite/mod.rs):
--   ids are canonical lowercase hyphenated UUID text, so text order = uuid byte order;
--   times are INTEGER unix microseconds (UTC), so comparisons are exact;
--   money is INTEGER micro-dollars; booleans are INTEGER 0/1.

CREATE TABLE users (
    id            TEXT    PRIMARY KEY NOT NULL,
    username      TEXT    NOT NULL,
    email         TEXT    NOT NULL,
    name          TEXT    NOT NULL DEFAULT '',
    avatar_url    TEXT    NOT NULL DEFAULT '',
    password_hash TEXT    NULL,
    login_type    TEXT    NOT NULL,
    status        TEXT    NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'suspended')),
    is_system     INTEGER NOT NULL DEFAULT 0 CHECK (is_system IN (0, 1)),
    deleted       INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL,
    last_seen_at  INTEGER NULL
);
-- A deleted user's name and email may be reused.
CREATE UNIQUE INDEX users_username_lower_key ON users (lower(username)) WHERE deleted = 0;
CREATE UNIQUE INDEX users_email_lower_key ON users (lower(email)) WHERE deleted = 0;

CREATE TABLE user_roles (
    user_id TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    role    TEXT NOT NULL,
    PRIMARY KEY (user_id, role)
);

CREATE TABLE organizations (
    id           TEXT    PRIMARY KEY NOT NULL,
    name         TEXT    NOT NULL,
    display_name TEXT    NOT NULL DEFAULT '',
    description  TEXT    NOT NULL DEFAULT '',
    icon         TEXT    NOT NULL DEFAULT '',
    is_default   INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    created_at   INTEGER NOT NULL,
    updated_at   INTEGER NOT NULL
);
CREATE UNIQUE INDEX organizations_name_lower_key ON organizations (lower(name));
CREATE UNIQUE INDEX organizations_single_default_key ON organizations (is_default) WHERE is_default = 1;

CREATE TABLE organization_members (
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    user_id         TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at      INTEGER NOT NULL,
    PRIMARY KEY (organization_id, user_id)
);
CREATE INDEX organization_members_user_idx ON organization_members (user_id);

-- The Everyone group is a row with id = organization_id; its members are implicit (the
-- organization's members) and never stored in group_members.
CREATE TABLE groups (
    id              TEXT    PRIMARY KEY NOT NULL,
    organization_id TEXT    NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    name            TEXT    NOT NULL,
    display_name    TEXT    NOT NULL DEFAULT '',
    avatar_url      TEXT    NOT NULL DEFAULT '',
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
CREATE UNIQUE INDEX groups_org_name_lower_key ON groups (organization_id, lower(name));

CREATE TABLE group_members (
    group_id   TEXT    NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    user_id    TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at INTEGER NOT NULL,
    PRIMARY KEY (group_id, user_id)
);
CREATE INDEX group_members_user_idx ON group_members (user_id);

CREATE TABLE api_tokens (
    id           TEXT    PRIMARY KEY NOT NULL,
    user_id      TEXT    NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    name         TEXT    NOT NULL,
    secret_hash  TEXT    NOT NULL,
    created_at   INTEGER NOT NULL,
    expires_at   INTEGER NOT NULL,
    last_used_at INTEGER NULL
);
CREATE UNIQUE INDEX api_tokens_user_name_key ON api_tokens (user_id, name);

CREATE TABLE chat_usage_limit_config (
    id                   INTEGER PRIMARY KEY NOT NULL CHECK (id = 1),
    enabled              INTEGER NOT NULL DEFAULT 0 CHECK (enabled IN (0, 1)),
    default_limit_micros INTEGER NOT NULL DEFAULT 0 CHECK (default_limit_micros >= 0),
    period               TEXT    NOT NULL DEFAULT 'month' CHECK (period IN ('day', 'week', 'month')),
    group_policy         TEXT    NOT NULL DEFAULT 'lowest' CHECK (group_policy IN ('lowest', 'highest')),
    updated_at           INTEGER NOT NULL
);
INSERT INTO chat_usage_limit_config (id, enabled, default_limit_micros, period, group_policy, updated_at)
VALUES (1, 0, 0, 'month', 'lowest', CAST((julianday('now') - 2440587.5) * 86400000000 AS INTEGER));

CREATE TABLE chat_usage_limit_overrides (
    user_id            TEXT    PRIMARY KEY NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    spend_limit_micros INTEGER NOT NULL CHECK (spend_limit_micros > 0),
    updated_at         INTEGER NOT NULL
);

CREATE TABLE chat_usage_limit_group_overrides (
    group_id           TEXT    PRIMARY KEY NOT NULL REFERENCES groups (id) ON DELETE CASCADE,
    spend_limit_micros INTEGER NOT NULL CHECK (spend_limit_micros > 0),
    updated_at         INTEGER NOT NULL
);

CREATE TABLE chat_providers (
    id                 TEXT    PRIMARY KEY NOT NULL,
    provider           TEXT    NOT NULL UNIQUE,
    display_name       TEXT    NOT NULL DEFAULT '',
    enabled            INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    api_key_ciphertext BLOB    NULL,
    base_url           TEXT    NULL,
    created_at         INTEGER NOT NULL,
    updated_at         INTEGER NOT NULL
);

-- Prices are exact decimals (USD per 1M tokens) kept as text.
CREATE TABLE chat_model_configs (
    id                TEXT    PRIMARY KEY NOT NULL,
    provider          TEXT    NOT NULL,
    model             TEXT    NOT NULL,
    display_name      TEXT    NOT NULL DEFAULT '',
    enabled           INTEGER NOT NULL DEFAULT 1 CHECK (enabled IN (0, 1)),
    is_default        INTEGER NOT NULL DEFAULT 0 CHECK (is_default IN (0, 1)),
    context_limit     INTEGER NOT NULL,
    max_output_tokens INTEGER NULL,
    temperature       REAL    NULL,
    input_price       TEXT    NULL,
    output_price      TEXT    NULL,
    cache_read_price  TEXT    NULL,
    cache_write_price TEXT    NULL,
    created_at        INTEGER NOT NULL,
    updated_at        INTEGER NOT NULL
);
CREATE UNIQUE INDEX chat_model_configs_single_default_key ON chat_model_configs (is_default)
    WHERE is_default = 1;

CREATE TABLE chats (
    id                   TEXT    PRIMARY KEY NOT NULL,
    owner_id             TEXT    NOT NULL REFERENCES users (id),
    organization_id      TEXT    NOT NULL REFERENCES organizations (id),
    workspace_id         TEXT    NULL,
    parent_chat_id       TEXT    NULL REFERENCES chats (id),
    root_chat_id         TEXT    NULL REFERENCES chats (id),
    last_model_config_id TEXT    NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    title                TEXT    NOT NULL DEFAULT '',
    status               TEXT    NOT NULL CHECK (status IN ('waiting', 'pending', 'running', 'error')),
    last_error           TEXT    NULL,
    worker_id            TEXT    NULL,
    heartbeat_at         INTEGER NULL,
    archived             INTEGER NOT NULL DEFAULT 0 CHECK (archived IN (0, 1)),
    labels               TEXT    NOT NULL DEFAULT '{}',
    created_at           INTEGER NOT NULL,
    updated_at           INTEGER NOT NULL
);
CREATE INDEX chats_owner_org_idx ON chats (owner_id, organization_id);
CREATE INDEX chats_status_idx ON chats (status);
CREATE INDEX chats_parent_idx ON chats (parent_chat_id);

-- The spend ledger: costed rows are append-only, soft-deleted rows still count.
CREATE TABLE chat_messages (
    id                    INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id               TEXT    NOT NULL REFERENCES chats (id),
    created_by            TEXT    NULL REFERENCES users (id),
    model_config_id       TEXT    NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    role                  TEXT    NOT NULL CHECK (role IN ('system', 'user', 'assistant', 'tool')),
    content               TEXT    NOT NULL DEFAULT '[]',
    input_tokens          INTEGER NULL,
    output_tokens         INTEGER NULL,
    reasoning_tokens      INTEGER NULL,
    cache_read_tokens     INTEGER NULL,
    cache_creation_tokens INTEGER NULL,
    total_cost_micros     INTEGER NULL CHECK (total_cost_micros >= 0),
    deleted               INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at            INTEGER NOT NULL
);
CREATE INDEX chat_messages_chat_created_idx ON chat_messages (chat_id, created_at);

CREATE TABLE chat_queued_messages (
    id              INTEGER PRIMARY KEY AUTOINCREMENT,
    chat_id         TEXT    NOT NULL REFERENCES chats (id) ON DELETE CASCADE,
    content         TEXT    NOT NULL DEFAULT '[]',
    created_by      TEXT    NOT NULL REFERENCES users (id),
    model_config_id TEXT    NULL REFERENCES chat_model_configs (id) ON DELETE SET NULL,
    created_at      INTEGER NOT NULL
);
CREATE INDEX chat_queued_messages_chat_idx ON chat_queued_messages (chat_id, id);

-- Every (group, member) pair, the Everyone groups' implicit members included.
CREATE VIEW group_memberships (group_id, user_id) AS
    SELECT group_id, user_id FROM group_members
    UNION ALL
    SELECT g.id, om.user_id
    FROM groups g JOIN organization_members om ON om.organization_id = g.id
    WHERE g.id = g.organization_id;
