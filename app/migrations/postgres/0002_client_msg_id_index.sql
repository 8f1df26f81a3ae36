-- The writer looks up a whole batch of client message ids at once.
CREATE INDEX messages_client_msg_id ON messages(client_msg_id);
