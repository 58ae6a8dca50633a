-- The schema of the release before versioned migrations, exactly as gorm's
-- AutoMigrate created it on SQLite (same tables, column types, defaults,
-- NOT NULL, primary keys and index names). A database that release
-- created is adopted at this version without running this file.

CREATE TABLE users (
    id text,
    username text NOT NULL,
    email text,
    name text,
    password_hash text NOT NULL,
    must_change_password numeric NOT NULL DEFAULT false,
    question text,
    answer_hash text,
    disabled numeric NOT NULL DEFAULT false,
    require_mfa numeric NOT NULL DEFAULT false,
    otp_failures integer NOT NULL DEFAULT 0,
    otp_locked numeric NOT NULL DEFAULT false,
    login_failures integer NOT NULL DEFAULT 0,
    login_lock_level integer NOT NULL DEFAULT 0,
    login_locked_until integer NOT NULL DEFAULT 0,
    login_reserved_at integer NOT NULL DEFAULT 0,
    otp_reserved_at integer NOT NULL DEFAULT 0,
    proof_hash text,
    proof_expires_at datetime,
    enroll_hold_browser text,
    created_at datetime,
    updated_at datetime,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_users_username ON users (username);

CREATE TABLE clients (
    id text,
    name text,
    secret_hash text,
    public numeric NOT NULL DEFAULT false,
    redirect_uris text NOT NULL,
    post_logout_redirect_uris text NOT NULL,
    require_mfa numeric NOT NULL DEFAULT false,
    from_config numeric NOT NULL DEFAULT false,
    created_at datetime,
    updated_at datetime,
    PRIMARY KEY (id)
);

CREATE TABLE flows (
    id text,
    client_id text NOT NULL,
    redirect_uri text NOT NULL,
    scopes text NOT NULL,
    state text,
    nonce text,
    response_type text,
    response_mode text,
    code_challenge text,
    code_challenge_method text,
    prompt text NOT NULL,
    max_age integer,
    ui_locales text,
    login_hint text,
    acr_values text,
    id_token_hint_subject text,
    browser_hash text,
    user_id text,
    password_at datetime,
    setup_at datetime,
    question_at datetime,
    otp_at datetime,
    pending_secret blob,
    pending_app text,
    pending_attempts integer NOT NULL DEFAULT 0,
    pending_expires_at datetime,
    enrolled_at datetime,
    pending_codes blob,
    codes_ack_at datetime,
    reset_at datetime,
    proof_at datetime,
    amr text NOT NULL,
    acr text,
    auth_time datetime,
    done_at datetime,
    code_hash text,
    code_used_at datetime,
    created_at datetime,
    expires_at datetime,
    PRIMARY KEY (id)
);
CREATE INDEX idx_flows_client_id ON flows (client_id);
CREATE INDEX idx_flows_user_id ON flows (user_id);
CREATE INDEX idx_flows_code_hash ON flows (code_hash);
CREATE INDEX idx_flows_expires_at ON flows (expires_at);

CREATE TABLE sessions (
    id text,
    user_id text NOT NULL,
    amr text NOT NULL,
    acr text,
    auth_time datetime,
    created_at datetime,
    expires_at datetime,
    PRIMARY KEY (id)
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);

CREATE TABLE access_tokens (
    id text,
    grant_id text,
    refresh_token_id text,
    client_id text NOT NULL,
    user_id text NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    created_at datetime,
    expires_at datetime,
    revoked_at datetime,
    PRIMARY KEY (id)
);
CREATE INDEX idx_access_tokens_grant_id ON access_tokens (grant_id);
CREATE INDEX idx_access_tokens_refresh_token_id ON access_tokens (refresh_token_id);
CREATE INDEX idx_access_tokens_user_id ON access_tokens (user_id);
CREATE INDEX idx_access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
    id text,
    token_hash text NOT NULL,
    family_id text NOT NULL,
    grant_id text,
    client_id text NOT NULL,
    user_id text NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    amr text NOT NULL,
    acr text,
    auth_time datetime,
    created_at datetime,
    expires_at datetime,
    used_at datetime,
    revoked_at datetime,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX idx_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    id text,
    algorithm text NOT NULL,
    private_key blob NOT NULL,
    created_at datetime,
    retired_at datetime,
    PRIMARY KEY (id)
);

CREATE TABLE devices (
    id text,
    user_id text NOT NULL,
    app text,
    secret blob NOT NULL,
    last_step integer NOT NULL DEFAULT 0,
    enrolled_at datetime,
    last_used_at datetime,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_devices_user_id ON devices (user_id);

CREATE TABLE recovery_codes (
    id text,
    user_id text NOT NULL,
    code_hash text NOT NULL,
    created_at datetime,
    used_at datetime,
    PRIMARY KEY (id)
);
CREATE INDEX idx_recovery_codes_user_id ON recovery_codes (user_id);

CREATE TABLE audit_events (
    id text,
    at datetime NOT NULL,
    event text NOT NULL,
    user_id text,
    username text,
    client_id text,
    ip text,
    actor text,
    detail text,
    PRIMARY KEY (id)
);
CREATE INDEX idx_audit_events_at ON audit_events (at);
CREATE INDEX idx_audit_events_event ON audit_events (event);
CREATE INDEX idx_audit_events_user_id ON audit_events (user_id);

CREATE TABLE link_tokens (
    id text,
    token_hash text NOT NULL,
    purpose text NOT NULL,
    user_id text NOT NULL,
    flow_id text,
    created_at datetime,
    expires_at datetime,
    used_at datetime,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_link_tokens_token_hash ON link_tokens (token_hash);
CREATE INDEX idx_link_tokens_user_id ON link_tokens (user_id);
CREATE INDEX idx_link_tokens_expires_at ON link_tokens (expires_at);
