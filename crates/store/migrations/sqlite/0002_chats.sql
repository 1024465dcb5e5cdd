-- The chat daemon (chats.md §3).

-- `message` rows are the visible history; `title` rows are the hidden, costed title-generation
-- calls. Every kind's cost is spend.
ALTER TABLE chat_messages ADD COLUMN kind TEXT NOT NULL DEFAULT 'message'
    CHECK (kind IN ('message', 'title'));

-- Set when a queued message is promoted into the history while a run is in flight, so that the
-- run's end makes the chat `pending` again instead of leaving that message unanswered.
ALTER TABLE chats ADD COLUMN rerun_requested INTEGER NOT NULL DEFAULT 0
    CHECK (rerun_requested IN (0, 1));

-- claim_chat takes the oldest pending chat; requeue_stale_chats scans the running ones.
DROP INDEX chats_status_idx;
CREATE INDEX chats_status_updated_idx ON chats (status, updated_at, id);
-- list_chats: an owner's chats, newest first.
CREATE INDEX chats_owner_updated_idx ON chats (owner_id, archived, updated_at);
-- History pages and stream replay walk a chat's messages by id (the queue already has
-- chat_queued_messages_chat_idx on (chat_id, id)).
CREATE INDEX chat_messages_chat_id_idx ON chat_messages (chat_id, id);
-- Cost roll-ups over a period.
CREATE INDEX chat_messages_created_idx ON chat_messages (created_at);
