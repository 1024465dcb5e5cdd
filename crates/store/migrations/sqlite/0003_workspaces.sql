-- Workspaces and the resource trees their builds provisioned (the Terraform conversion's output).
-- `ordinal` keeps each list in conversion order; JSON columns hold small value lists.

CREATE TABLE workspaces (
    id              TEXT    PRIMARY KEY NOT NULL,
    owner_id        TEXT    NOT NULL REFERENCES users (id),
    organization_id TEXT    NOT NULL REFERENCES organizations (id),
    name            TEXT    NOT NULL,
    deleted         INTEGER NOT NULL DEFAULT 0 CHECK (deleted IN (0, 1)),
    created_at      INTEGER NOT NULL,
    updated_at      INTEGER NOT NULL
);
-- Names are unique per owner, case-insensitively, among workspaces not deleted.
CREATE UNIQUE INDEX workspaces_owner_name_lower_key ON workspaces (owner_id, lower(name))
    WHERE deleted = 0;

CREATE TABLE workspace_builds (
    id                 TEXT    PRIMARY KEY NOT NULL,
    workspace_id       TEXT    NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    build_number       INTEGER NOT NULL CHECK (build_number > 0),
    transition         TEXT    NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
    document           TEXT    NOT NULL CHECK (document IN ('state', 'plan')),
    has_ai_task        INTEGER NOT NULL DEFAULT 0 CHECK (has_ai_task IN (0, 1)),
    has_external_agent INTEGER NOT NULL DEFAULT 0 CHECK (has_external_agent IN (0, 1)),
    created_at         INTEGER NOT NULL,
    UNIQUE (workspace_id, build_number)
);

CREATE TABLE workspace_resources (
    id            TEXT    PRIMARY KEY NOT NULL,
    build_id      TEXT    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    ordinal       INTEGER NOT NULL,
    address       TEXT    NOT NULL,
    name          TEXT    NOT NULL,
    type          TEXT    NOT NULL,
    module_path   TEXT    NOT NULL DEFAULT '',
    instance_type TEXT    NOT NULL DEFAULT '',
    hide          INTEGER NOT NULL DEFAULT 0 CHECK (hide IN (0, 1)),
    icon          TEXT    NOT NULL DEFAULT '',
    daily_cost    INTEGER NOT NULL DEFAULT 0,
    metadata      TEXT    NOT NULL DEFAULT '[]'
);
CREATE INDEX workspace_resources_build_idx ON workspace_resources (build_id, ordinal);

-- Devcontainer sub-agents have a parent agent (and the parent's resource). Only the SHA-256 of
-- an agent's token is stored; NULL means the agent cannot authenticate with a token.
CREATE TABLE workspace_agents (
    id                         TEXT    PRIMARY KEY NOT NULL,
    resource_id                TEXT    NOT NULL REFERENCES workspace_resources (id) ON DELETE CASCADE,
    parent_agent_id            TEXT    NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal                    INTEGER NOT NULL,
    terraform_id               TEXT    NOT NULL DEFAULT '',
    name                       TEXT    NOT NULL,
    auth_method                TEXT    NOT NULL CHECK (auth_method IN ('token', 'instance_id')),
    auth_token_hash            TEXT    NULL,
    auth_instance_id           TEXT    NULL,
    operating_system           TEXT    NOT NULL DEFAULT '',
    architecture               TEXT    NOT NULL DEFAULT '',
    directory                  TEXT    NOT NULL DEFAULT '',
    env                        TEXT    NOT NULL DEFAULT '{}',
    connection_timeout_seconds INTEGER NOT NULL DEFAULT 0,
    troubleshooting_url        TEXT    NOT NULL DEFAULT '',
    motd_file                  TEXT    NOT NULL DEFAULT '',
    display_apps               TEXT    NOT NULL DEFAULT '{}',
    metadata                   TEXT    NOT NULL DEFAULT '[]',
    resources_monitoring       TEXT    NOT NULL DEFAULT '{}',
    api_key_scope              TEXT    NOT NULL DEFAULT '',
    display_order              INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workspace_agents_resource_idx ON workspace_agents (resource_id, ordinal);
CREATE INDEX workspace_agents_parent_idx ON workspace_agents (parent_agent_id);
CREATE UNIQUE INDEX workspace_agents_token_hash_key ON workspace_agents (auth_token_hash)
    WHERE auth_token_hash IS NOT NULL;

CREATE TABLE workspace_apps (
    id                    TEXT    PRIMARY KEY NOT NULL,
    agent_id              TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal               INTEGER NOT NULL,
    terraform_id          TEXT    NOT NULL DEFAULT '',
    slug                  TEXT    NOT NULL,
    display_name          TEXT    NOT NULL DEFAULT '',
    command               TEXT    NOT NULL DEFAULT '',
    url                   TEXT    NOT NULL DEFAULT '',
    icon                  TEXT    NOT NULL DEFAULT '',
    group_name            TEXT    NOT NULL DEFAULT '',
    tooltip               TEXT    NOT NULL DEFAULT '',
    display_order         INTEGER NOT NULL DEFAULT 0,
    subdomain             INTEGER NOT NULL DEFAULT 0 CHECK (subdomain IN (0, 1)),
    external              INTEGER NOT NULL DEFAULT 0 CHECK (external IN (0, 1)),
    hidden                INTEGER NOT NULL DEFAULT 0 CHECK (hidden IN (0, 1)),
    sharing_level         TEXT    NOT NULL CHECK (sharing_level IN ('owner', 'authenticated', 'public')),
    open_in               TEXT    NOT NULL CHECK (open_in IN ('slim-window', 'tab')),
    -- NULL: the app has no healthcheck.
    healthcheck_url       TEXT    NULL,
    healthcheck_interval  INTEGER NOT NULL DEFAULT 0,
    healthcheck_threshold INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workspace_apps_agent_idx ON workspace_apps (agent_id, ordinal);

CREATE TABLE workspace_agent_scripts (
    id                 TEXT    PRIMARY KEY NOT NULL,
    agent_id           TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal            INTEGER NOT NULL,
    display_name       TEXT    NOT NULL DEFAULT '',
    icon               TEXT    NOT NULL DEFAULT '',
    script             TEXT    NOT NULL DEFAULT '',
    cron               TEXT    NOT NULL DEFAULT '',
    log_path           TEXT    NOT NULL DEFAULT '',
    run_on_start       INTEGER NOT NULL DEFAULT 0 CHECK (run_on_start IN (0, 1)),
    run_on_stop        INTEGER NOT NULL DEFAULT 0 CHECK (run_on_stop IN (0, 1)),
    start_blocks_login INTEGER NOT NULL DEFAULT 0 CHECK (start_blocks_login IN (0, 1)),
    timeout_seconds    INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX workspace_agent_scripts_agent_idx ON workspace_agent_scripts (agent_id, ordinal);

-- `coder_env` resources, kept apart from the agent's own `env` so their merge strategies apply.
CREATE TABLE workspace_agent_envs (
    agent_id       TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal        INTEGER NOT NULL,
    name           TEXT    NOT NULL,
    value          TEXT    NOT NULL DEFAULT '',
    merge_strategy TEXT    NOT NULL DEFAULT '',
    PRIMARY KEY (agent_id, ordinal)
);

CREATE TABLE workspace_agent_devcontainers (
    id                    TEXT    PRIMARY KEY NOT NULL,
    agent_id              TEXT    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal               INTEGER NOT NULL,
    terraform_id          TEXT    NOT NULL DEFAULT '',
    terraform_subagent_id TEXT    NOT NULL DEFAULT '',
    name                  TEXT    NOT NULL,
    workspace_folder      TEXT    NOT NULL DEFAULT '',
    config_path           TEXT    NOT NULL DEFAULT '',
    subagent_id           TEXT    NULL REFERENCES workspace_agents (id) ON DELETE SET NULL
);
CREATE INDEX workspace_agent_devcontainers_agent_idx ON workspace_agent_devcontainers (agent_id, ordinal);
