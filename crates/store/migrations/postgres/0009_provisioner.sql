-- Templates, template versions and workspace builds run by tollgate's own provisioner
-- (provisioner.md): uploaded files, the job queue with its leases and logs, and each build's
-- Terraform state, kept in the database so that nothing of a job is left on disk.

-- Uploaded template archives (tar), content-addressed: the same bytes are stored once.
CREATE TABLE files (
    id         uuid        PRIMARY KEY,
    sha256     TEXT    NOT NULL,
    created_by uuid    NOT NULL REFERENCES users (id),
    mimetype   TEXT    NOT NULL,
    data       bytea   NOT NULL,
    created_at timestamptz NOT NULL
);
CREATE UNIQUE INDEX files_sha256_key ON files (sha256);

-- One queue for imports and builds. A worker holds a running job while it heartbeats; a job
-- whose heartbeat went stale is failed, never run a second time.
CREATE TABLE provisioner_jobs (
    id              uuid        PRIMARY KEY,
    organization_id uuid    NOT NULL REFERENCES organizations (id),
    initiator_id    uuid    NOT NULL REFERENCES users (id),
    kind            TEXT    NOT NULL CHECK (kind IN ('template_version_import', 'workspace_build')),
    status          TEXT    NOT NULL CHECK (status IN ('pending', 'running', 'succeeded', 'failed', 'canceled')),
    file_id         uuid    NOT NULL REFERENCES files (id),
    input           jsonb   NOT NULL DEFAULT '{}',
    worker_id       TEXT    NULL,
    heartbeat_at    timestamptz NULL,
    started_at      timestamptz NULL,
    completed_at    timestamptz NULL,
    canceled_at     timestamptz NULL,
    error           TEXT    NULL,
    created_at      timestamptz NOT NULL
);
CREATE INDEX provisioner_jobs_pending_idx ON provisioner_jobs (status, created_at);

-- Every line a job printed, in order, with its stage.
CREATE TABLE provisioner_job_logs (
    id         bigserial   PRIMARY KEY,
    job_id     uuid    NOT NULL REFERENCES provisioner_jobs (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    source     TEXT    NOT NULL,
    level      TEXT    NOT NULL,
    stage      TEXT    NOT NULL,
    output     TEXT    NOT NULL
);
CREATE INDEX provisioner_job_logs_job_idx ON provisioner_job_logs (job_id, id);

CREATE TABLE templates (
    id                uuid        PRIMARY KEY,
    organization_id   uuid    NOT NULL REFERENCES organizations (id),
    name              TEXT    NOT NULL,
    active_version_id uuid    NOT NULL,
    created_by        uuid    NOT NULL REFERENCES users (id),
    created_at        timestamptz NOT NULL,
    updated_at        timestamptz NOT NULL
);
CREATE UNIQUE INDEX templates_org_name_lower_key ON templates (organization_id, lower(name));

-- What the import learned (parameters, presets, external auth, planned resources) is kept as the
-- server's JSON: it is read whole and never queried into.
CREATE TABLE template_versions (
    id              uuid        PRIMARY KEY,
    template_id     uuid    NULL REFERENCES templates (id),
    organization_id uuid    NOT NULL REFERENCES organizations (id),
    name            TEXT    NOT NULL,
    file_id         uuid    NOT NULL REFERENCES files (id),
    job_id          uuid    NOT NULL REFERENCES provisioner_jobs (id),
    created_by      uuid    NOT NULL REFERENCES users (id),
    import_result   jsonb   NULL,
    created_at      timestamptz NOT NULL
);

ALTER TABLE workspaces ADD COLUMN template_id uuid NULL REFERENCES templates (id);
ALTER TABLE workspace_builds ADD COLUMN job_id uuid NULL REFERENCES provisioner_jobs (id);
ALTER TABLE workspace_builds ADD COLUMN template_version_id uuid NULL REFERENCES template_versions (id);
ALTER TABLE workspace_builds ADD COLUMN parameters jsonb NOT NULL DEFAULT '[]';
-- The state `terraform apply` left (the next build starts from it); NULL for imported builds.
ALTER TABLE workspace_builds ADD COLUMN terraform_state bytea NULL;
CREATE UNIQUE INDEX workspace_builds_job_key ON workspace_builds (job_id);
