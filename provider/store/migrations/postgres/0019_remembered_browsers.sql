-- Remembered browsers (issue 16): after a passcode, a person may let a
-- browser skip the passcode for a number of days the operator allows
-- (mfa.remember_browser_days), on clients that allow it
-- (remember_browser). The browser keeps a random token in a cookie; only
-- its hash is stored (token_hash, the lookup key, never shown), and id is
-- a separate random identifier for listing and revoking. Rows go with any
-- device reset or password change of the account, and a row counts only
-- while the device whose passcode earned it (device_id) is the account's.
ALTER TABLE clients ADD COLUMN remember_browser boolean NOT NULL DEFAULT false;
CREATE TABLE remembered_browsers (
    id varchar(64) NOT NULL,
    token_hash varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    device_id varchar(64) NOT NULL DEFAULT '',
    client_id varchar(64) NOT NULL DEFAULT '',
    label varchar(64) NOT NULL DEFAULT '',
    created_at timestamptz,
    expires_at timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_remembered_browsers_token_hash ON remembered_browsers (token_hash);
CREATE INDEX idx_remembered_browsers_user_id ON remembered_browsers (user_id);
CREATE INDEX idx_remembered_browsers_expires_at ON remembered_browsers (expires_at);
