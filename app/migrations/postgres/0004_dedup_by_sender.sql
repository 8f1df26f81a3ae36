-- Duplicate checks look a client id up by its sender, which the unique (sender_kind, sender_id,
-- client_msg_id) index covers; the index on the client id alone served a lookup across senders.
DROP INDEX messages_client_msg_id;
