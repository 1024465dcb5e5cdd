-- Workspaces and the resource trees their builds provisioned (the Terraform conversion's output).
-- `ordinal` keeps each list in conversion order; jsonb columns hold small value lists.

CREATE TABLE workspaces (
    id              uuid        PRIMARY KEY,
    owner_id        uuid        NOT NULL REFERENCES users (id),
    organization_id uuid        NOT NULL REFERENCES organizations (id),
    name            text        NOT NULL,
    deleted         boolean     NOT NULL DEFAULT false,
    created_at      timestamptz NOT NULL,
    updated_at      timestamptz NOT NULL
);
-- Names are unique per owner, case-insensitively, among workspaces not deleted.
CREATE UNIQUE INDEX workspaces_owner_name_lower_key ON workspaces (owner_id, lower(name))
    WHERE NOT deleted;

CREATE TABLE workspace_builds (
    id                 uuid        PRIMARY KEY,
    workspace_id       uuid        NOT NULL REFERENCES workspaces (id) ON DELETE CASCADE,
    build_number       integer     NOT NULL CHECK (build_number > 0),
    transition         text        NOT NULL CHECK (transition IN ('start', 'stop', 'delete')),
    document           text        NOT NULL CHECK (document IN ('state', 'plan')),
    has_ai_task        boolean     NOT NULL DEFAULT false,
    has_external_agent boolean     NOT NULL DEFAULT false,
    created_at         timestamptz NOT NULL,
    UNIQUE (workspace_id, build_number)
);

CREATE TABLE workspace_resources (
    id            uuid    PRIMARY KEY,
    build_id      uuid    NOT NULL REFERENCES workspace_builds (id) ON DELETE CASCADE,
    ordinal       integer NOT NULL,
    address       text    NOT NULL,
    name          text    NOT NULL,
    type          text    NOT NULL,
    module_path   text    NOT NULL DEFAULT '',
    instance_type text    NOT NULL DEFAULT '',
    hide          boolean NOT NULL DEFAULT false,
    icon          text    NOT NULL DEFAULT '',
    daily_cost    integer NOT NULL DEFAULT 0,
    metadata      jsonb   NOT NULL DEFAULT '[]'
);
CREATE INDEX workspace_resources_build_idx ON workspace_resources (build_id, ordinal);

-- Devcontainer sub-agents have a parent agent (and the parent's resource). Only the SHA-256 of
-- an agent's token is stored; NULL means the agent cannot authenticate with a token.
CREATE TABLE workspace_agents (
    id                         uuid    PRIMARY KEY,
    resource_id                uuid    NOT NULL REFERENCES workspace_resources (id) ON DELETE CASCADE,
    parent_agent_id            uuid    NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal                    integer NOT NULL,
    terraform_id               text    NOT NULL DEFAULT '',
    name                       text    NOT NULL,
    auth_method                text    NOT NULL CHECK (auth_method IN ('token', 'instance_id')),
    auth_token_hash            text    NULL,
    auth_instance_id           text    NULL,
    operating_system           text    NOT NULL DEFAULT '',
    architecture               text    NOT NULL DEFAULT '',
    directory                  text    NOT NULL DEFAULT '',
    env                        jsonb   NOT NULL DEFAULT '{}',
    connection_timeout_seconds integer NOT NULL DEFAULT 0,
    troubleshooting_url        text    NOT NULL DEFAULT '',
    motd_file                  text    NOT NULL DEFAULT '',
    display_apps               jsonb   NOT NULL DEFAULT '{}',
    metadata                   jsonb   NOT NULL DEFAULT '[]',
    resources_monitoring       jsonb   NOT NULL DEFAULT '{}',
    api_key_scope              text    NOT NULL DEFAULT '',
    display_order              bigint  NOT NULL DEFAULT 0
);
CREATE INDEX workspace_agents_resource_idx ON workspace_agents (resource_id, ordinal);
CREATE INDEX workspace_agents_parent_idx ON workspace_agents (parent_agent_id);
CREATE UNIQUE INDEX workspace_agents_token_hash_key ON workspace_agents (auth_token_hash)
    WHERE auth_token_hash IS NOT NULL;

CREATE TABLE workspace_apps (
    id                    uuid    PRIMARY KEY,
    agent_id              uuid    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal               integer NOT NULL,
    terraform_id          text    NOT NULL DEFAULT '',
    slug                  text    NOT NULL,
    display_name          text    NOT NULL DEFAULT '',
    command               text    NOT NULL DEFAULT '',
    url                   text    NOT NULL DEFAULT '',
    icon                  text    NOT NULL DEFAULT '',
    group_name            text    NOT NULL DEFAULT '',
    tooltip               text    NOT NULL DEFAULT '',
    display_order         bigint  NOT NULL DEFAULT 0,
    subdomain             boolean NOT NULL DEFAULT false,
    external              boolean NOT NULL DEFAULT false,
    hidden                boolean NOT NULL DEFAULT false,
    sharing_level         text    NOT NULL CHECK (sharing_level IN ('owner', 'authenticated', 'public')),
    open_in               text    NOT NULL CHECK (open_in IN ('slim-window', 'tab')),
    -- NULL: the app has no healthcheck.
    healthcheck_url       text    NULL,
    healthcheck_interval  integer NOT NULL DEFAULT 0,
    healthcheck_threshold integer NOT NULL DEFAULT 0
);
CREATE INDEX workspace_apps_agent_idx ON workspace_apps (agent_id, ordinal);

CREATE TABLE workspace_agent_scripts (
    id                 uuid    PRIMARY KEY,
    agent_id           uuid    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal            integer NOT NULL,
    display_name       text    NOT NULL DEFAULT '',
    icon               text    NOT NULL DEFAULT '',
    script             text    NOT NULL DEFAULT '',
    cron               text    NOT NULL DEFAULT '',
    log_path           text    NOT NULL DEFAULT '',
    run_on_start       boolean NOT NULL DEFAULT false,
    run_on_stop        boolean NOT NULL DEFAULT false,
    start_blocks_login boolean NOT NULL DEFAULT false,
    timeout_seconds    integer NOT NULL DEFAULT 0
);
CREATE INDEX workspace_agent_scripts_agent_idx ON workspace_agent_scripts (agent_id, ordinal);

-- `coder_env` resources, kept apart from the agent's own `env` so their merge strategies apply.
CREATE TABLE workspace_agent_envs (
    agent_id       uuid    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal        integer NOT NULL,
    name           text    NOT NULL,
    value          text    NOT NULL DEFAULT '',
    merge_strategy text    NOT NULL DEFAULT '',
    PRIMARY KEY (agent_id, ordinal)
);

CREATE TABLE workspace_agent_devcontainers (
    id                    uuid    PRIMARY KEY,
    agent_id              uuid    NOT NULL REFERENCES workspace_agents (id) ON DELETE CASCADE,
    ordinal               integer NOT NULL,
    terraform_id          text    NOT NULL DEFAULT '',
    terraform_subagent_id text    NOT NULL DEFAULT '',
    name                  text    NOT NULL,
    workspace_folder      text    NOT NULL DEFAULT '',
    config_path           text    NOT NULL DEFAULT '',
    subagent_id           uuid    NULL REFERENCES workspace_agents (id) ON DELETE SET NULL
);
CREATE INDEX workspace_agent_devcontainers_agent_idx ON workspace_agent_devcontainers (agent_id, ordinal);
