-- The schema of the release before versioned migrations, exactly as gorm's
-- AutoMigrate created it on PostgreSQL (same tables, column types, defaults,
-- NOT NULL, primary keys and index names). A database that release
-- created is adopted at this version without running this file.

CREATE TABLE users (
    id varchar(64) NOT NULL,
    username varchar(128) NOT NULL,
    email varchar(320),
    name varchar(200),
    password_hash varchar(255) NOT NULL,
    must_change_password boolean NOT NULL DEFAULT false,
    question varchar(64),
    answer_hash varchar(255),
    disabled boolean NOT NULL DEFAULT false,
    require_mfa boolean NOT NULL DEFAULT false,
    otp_failures bigint NOT NULL DEFAULT 0,
    otp_locked boolean NOT NULL DEFAULT false,
    login_failures bigint NOT NULL DEFAULT 0,
    login_lock_level bigint NOT NULL DEFAULT 0,
    login_locked_until bigint NOT NULL DEFAULT 0,
    login_reserved_at bigint NOT NULL DEFAULT 0,
    otp_reserved_at bigint NOT NULL DEFAULT 0,
    proof_hash varchar(255),
    proof_expires_at timestamptz,
    enroll_hold_browser varchar(64),
    created_at timestamptz,
    updated_at timestamptz,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_users_username ON users (username);

CREATE TABLE clients (
    id varchar(64) NOT NULL,
    name varchar(200),
    secret_hash varchar(255),
    public boolean NOT NULL DEFAULT false,
    redirect_uris text NOT NULL,
    post_logout_redirect_uris text NOT NULL,
    require_mfa boolean NOT NULL DEFAULT false,
    from_config boolean NOT NULL DEFAULT false,
    created_at timestamptz,
    updated_at timestamptz,
    PRIMARY KEY (id)
);

CREATE TABLE flows (
    id varchar(64) NOT NULL,
    client_id varchar(64) NOT NULL,
    redirect_uri text NOT NULL,
    scopes text NOT NULL,
    state text,
    nonce text,
    response_type varchar(64),
    response_mode varchar(64),
    code_challenge varchar(255),
    code_challenge_method varchar(16),
    prompt text NOT NULL,
    max_age bigint,
    ui_locales text,
    login_hint text,
    acr_values text,
    id_token_hint_subject varchar(64),
    browser_hash varchar(64),
    user_id varchar(64),
    password_at timestamptz,
    setup_at timestamptz,
    question_at timestamptz,
    otp_at timestamptz,
    pending_secret bytea,
    pending_app varchar(64),
    pending_attempts bigint NOT NULL DEFAULT 0,
    pending_expires_at timestamptz,
    enrolled_at timestamptz,
    pending_codes bytea,
    codes_ack_at timestamptz,
    reset_at timestamptz,
    proof_at timestamptz,
    amr text NOT NULL,
    acr varchar(128),
    auth_time timestamptz,
    done_at timestamptz,
    code_hash varchar(64),
    code_used_at timestamptz,
    created_at timestamptz,
    expires_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX idx_flows_client_id ON flows (client_id);
CREATE INDEX idx_flows_user_id ON flows (user_id);
CREATE INDEX idx_flows_code_hash ON flows (code_hash);
CREATE INDEX idx_flows_expires_at ON flows (expires_at);

CREATE TABLE sessions (
    id varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    amr text NOT NULL,
    acr varchar(128),
    auth_time timestamptz,
    created_at timestamptz,
    expires_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX idx_sessions_user_id ON sessions (user_id);
CREATE INDEX idx_sessions_expires_at ON sessions (expires_at);

CREATE TABLE access_tokens (
    id varchar(64) NOT NULL,
    grant_id varchar(64),
    refresh_token_id varchar(64),
    client_id varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    created_at timestamptz,
    expires_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX idx_access_tokens_grant_id ON access_tokens (grant_id);
CREATE INDEX idx_access_tokens_refresh_token_id ON access_tokens (refresh_token_id);
CREATE INDEX idx_access_tokens_user_id ON access_tokens (user_id);
CREATE INDEX idx_access_tokens_expires_at ON access_tokens (expires_at);

CREATE TABLE refresh_tokens (
    id varchar(64) NOT NULL,
    token_hash varchar(64) NOT NULL,
    family_id varchar(64) NOT NULL,
    grant_id varchar(64),
    client_id varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    amr text NOT NULL,
    acr varchar(128),
    auth_time timestamptz,
    created_at timestamptz,
    expires_at timestamptz,
    used_at timestamptz,
    revoked_at timestamptz,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_refresh_tokens_token_hash ON refresh_tokens (token_hash);
CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens (family_id);
CREATE INDEX idx_refresh_tokens_grant_id ON refresh_tokens (grant_id);
CREATE INDEX idx_refresh_tokens_user_id ON refresh_tokens (user_id);
CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens (expires_at);

CREATE TABLE signing_keys (
    id varchar(64) NOT NULL,
    algorithm varchar(16) NOT NULL,
    private_key bytea NOT NULL,
    created_at timestamptz,
    retired_at timestamptz,
    PRIMARY KEY (id)
);

CREATE TABLE devices (
    id varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    app varchar(64),
    secret bytea NOT NULL,
    last_step bigint NOT NULL DEFAULT 0,
    enrolled_at timestamptz,
    last_used_at timestamptz,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_devices_user_id ON devices (user_id);

CREATE TABLE recovery_codes (
    id varchar(64) NOT NULL,
    user_id varchar(64) NOT NULL,
    code_hash varchar(255) NOT NULL,
    created_at timestamptz,
    used_at timestamptz,
    PRIMARY KEY (id)
);
CREATE INDEX idx_recovery_codes_user_id ON recovery_codes (user_id);

CREATE TABLE audit_events (
    id varchar(64) NOT NULL,
    at timestamptz NOT NULL,
    event varchar(64) NOT NULL,
    user_id varchar(64),
    username varchar(128),
    client_id varchar(64),
    ip varchar(64),
    actor varchar(128),
    detail varchar(512),
    PRIMARY KEY (id)
);
CREATE INDEX idx_audit_events_at ON audit_events (at);
CREATE INDEX idx_audit_events_event ON audit_events (event);
CREATE INDEX idx_audit_events_user_id ON audit_events (user_id);

CREATE TABLE link_tokens (
    id varchar(64) NOT NULL,
    token_hash varchar(64) NOT NULL,
    purpose varchar(16) NOT NULL,
    user_id varchar(64) NOT NULL,
    flow_id varchar(64),
    created_at timestamptz,
    expires_at timestamptz,
    used_at timestamptz,
    PRIMARY KEY (id)
);
CREATE UNIQUE INDEX idx_link_tokens_token_hash ON link_tokens (token_hash);
CREATE INDEX idx_link_tokens_user_id ON link_tokens (user_id);
CREATE INDEX idx_link_tokens_expires_at ON link_tokens (expires_at);
