-- Look-alike usernames (UTS #39): each account keeps the confusable
-- skeleton of its username, and a new account whose skeleton another
-- account has is refused ("аlice" with a Cyrillic а beside "alice"). The
-- skeleton is computed by otpgate; rows of earlier releases are filled in
-- at start.
ALTER TABLE users ADD COLUMN username_skeleton text NOT NULL DEFAULT '';
CREATE INDEX idx_users_username_skeleton ON users (username_skeleton);
