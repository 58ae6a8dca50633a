-- An emailed reset link opened in another browser than the one that asked
-- for it becomes a short code to type there: a link_tokens row of purpose
-- reset_code, whose wrong tries are counted here.
ALTER TABLE link_tokens ADD COLUMN tries integer NOT NULL DEFAULT 0;
