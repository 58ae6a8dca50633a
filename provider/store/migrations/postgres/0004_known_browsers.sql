-- Password and answer throttling that cannot be turned against the owner
-- (issue 10, finding 3). A browser that finished a sign-in to an account
-- is a known browser of it and keeps its own counters; failures from
-- unknown browsers count on the account's row, where unknown_failures
-- also counts them toward the bound (never decays; an emailed sign-in
-- link or an administrator lets unknown browsers go on). Names that are
-- not accounts get the same counters in login_throttles, keyed by an HMAC
-- of the name, so that nothing tells the two apart.
ALTER TABLE users ADD COLUMN unknown_failures bigint NOT NULL DEFAULT 0;
ALTER TABLE flows ADD COLUMN sign_in_link_user varchar(64);
CREATE TABLE known_browsers (
    user_id varchar(64) NOT NULL,
    token_hash varchar(64) NOT NULL,
    created_at timestamptz,
    last_used_at bigint NOT NULL DEFAULT 0,
    login_failures bigint NOT NULL DEFAULT 0,
    login_lock_level bigint NOT NULL DEFAULT 0,
    login_locked_until bigint NOT NULL DEFAULT 0,
    login_reserved_at bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (user_id, token_hash)
);
CREATE INDEX idx_known_browsers_last_used_at ON known_browsers (last_used_at);
CREATE TABLE login_throttles (
    name_hash varchar(64) NOT NULL,
    login_failures bigint NOT NULL DEFAULT 0,
    login_lock_level bigint NOT NULL DEFAULT 0,
    login_locked_until bigint NOT NULL DEFAULT 0,
    login_reserved_at bigint NOT NULL DEFAULT 0,
    unknown_failures bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (name_hash)
);
CREATE INDEX idx_login_throttles_login_reserved_at ON login_throttles (login_reserved_at);
