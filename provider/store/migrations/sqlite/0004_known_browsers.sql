-- Password and answer throttling that cannot be turned against the owner
-- (issue 10, finding 3). A browser that finished a sign-in to an account
-- is a known browser of it and keeps its own counters; failures from
-- unknown browsers count on the account's row, where unknown_failures
-- also counts them toward the bound (never decays; an emailed sign-in
-- link or an administrator lets unknown browsers go on). Names that are
-- not accounts get the same counters in login_throttles, keyed by an HMAC
-- of the name, so that nothing tells the two apart.
ALTER TABLE users ADD COLUMN unknown_failures integer NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN sign_in_link_user text;
CREATE TABLE known_browsers (
    user_id text NOT NULL,
    token_hash text NOT NULL,
    created_at datetime,
    last_used_at integer NOT NULL DEFAULT 0,
    login_failures integer NOT NULL DEFAULT 0,
    login_lock_level integer NOT NULL DEFAULT 0,
    login_locked_until integer NOT NULL DEFAULT 0,
    login_reserved_at integer NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, token_hash)
);
CREATE INDEX idx_known_browsers_last_used_at ON known_browsers (last_used_at);
CREATE TABLE login_throttles (
    name_hash text NOT NULL,
    login_failures integer NOT NULL DEFAULT 0,
    login_lock_level integer NOT NULL DEFAULT 0,
    login_locked_until integer NOT NULL DEFAULT 0,
    login_reserved_at integer NOT NULL DEFAULT 0,
    unknown_failures integer NOT NULL DEFAULT 0,
    PRIMARY KEY (name_hash)
);
CREATE INDEX idx_login_throttles_login_reserved_at ON login_throttles (login_reserved_at);
