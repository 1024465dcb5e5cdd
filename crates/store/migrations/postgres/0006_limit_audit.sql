-- limits-plus §4: an append-only log of spend-limit changes, written in the transaction of the
-- change. Actor and target names are copied so an entry still reads after a rename or deletion;
-- `before`/`after` hold the API's shape of the changed thing at the time.
CREATE TABLE chat_usage_limit_audit (
    id             bigserial   PRIMARY KEY,
    time           timestamptz NOT NULL,
    actor_id       uuid        NOT NULL,
    actor_username text        NOT NULL,
    action         text        NOT NULL CHECK (action IN ('config.update', 'override.set',
                       'override.delete', 'group_override.set', 'group_override.delete')),
    target_id      uuid        NULL,
    target_name    text        NULL,
    before         jsonb       NULL,
    after          jsonb       NULL
);
