-- The schema of the last release before versioned migrations, exactly as
-- gorm's AutoMigrate wrote it on PostgreSQL (pg_dump --schema-only of a
-- database that release created), followed by rows as that release wrote
-- them (pg_dump --data-only --inserts). Only the schema qualifier, psql
-- meta-commands, comments and session SET lines were taken out. Do not
-- edit: the upgrade test adopts this database and checks that every row
-- and value survives.

CREATE TABLE access_tokens (
    id character varying(64) NOT NULL,
    grant_id character varying(64),
    refresh_token_id character varying(64),
    client_id character varying(64) NOT NULL,
    user_id character varying(64) NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    created_at timestamp with time zone,
    expires_at timestamp with time zone,
    revoked_at timestamp with time zone
);

CREATE TABLE audit_events (
    id character varying(64) NOT NULL,
    at timestamp with time zone NOT NULL,
    event character varying(64) NOT NULL,
    user_id character varying(64),
    username character varying(128),
    client_id character varying(64),
    ip character varying(64),
    actor character varying(128),
    detail character varying(512)
);

CREATE TABLE clients (
    id character varying(64) NOT NULL,
    name character varying(200),
    secret_hash character varying(255),
    public boolean DEFAULT false NOT NULL,
    redirect_uris text NOT NULL,
    post_logout_redirect_uris text NOT NULL,
    require_mfa boolean DEFAULT false NOT NULL,
    from_config boolean DEFAULT false NOT NULL,
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

CREATE TABLE devices (
    id character varying(64) NOT NULL,
    user_id character varying(64) NOT NULL,
    app character varying(64),
    secret bytea NOT NULL,
    last_step bigint DEFAULT 0 NOT NULL,
    enrolled_at timestamp with time zone,
    last_used_at timestamp with time zone
);

CREATE TABLE flows (
    id character varying(64) NOT NULL,
    client_id character varying(64) NOT NULL,
    redirect_uri text NOT NULL,
    scopes text NOT NULL,
    state text,
    nonce text,
    response_type character varying(64),
    response_mode character varying(64),
    code_challenge character varying(255),
    code_challenge_method character varying(16),
    prompt text NOT NULL,
    max_age bigint,
    ui_locales text,
    login_hint text,
    acr_values text,
    id_token_hint_subject character varying(64),
    browser_hash character varying(64),
    user_id character varying(64),
    password_at timestamp with time zone,
    setup_at timestamp with time zone,
    question_at timestamp with time zone,
    otp_at timestamp with time zone,
    pending_secret bytea,
    pending_app character varying(64),
    pending_attempts bigint DEFAULT 0 NOT NULL,
    pending_expires_at timestamp with time zone,
    enrolled_at timestamp with time zone,
    pending_codes bytea,
    codes_ack_at timestamp with time zone,
    reset_at timestamp with time zone,
    proof_at timestamp with time zone,
    amr text NOT NULL,
    acr character varying(128),
    auth_time timestamp with time zone,
    done_at timestamp with time zone,
    code_hash character varying(64),
    code_used_at timestamp with time zone,
    created_at timestamp with time zone,
    expires_at timestamp with time zone
);

CREATE TABLE link_tokens (
    id character varying(64) NOT NULL,
    token_hash character varying(64) NOT NULL,
    purpose character varying(16) NOT NULL,
    user_id character varying(64) NOT NULL,
    flow_id character varying(64),
    created_at timestamp with time zone,
    expires_at timestamp with time zone,
    used_at timestamp with time zone
);

CREATE TABLE recovery_codes (
    id character varying(64) NOT NULL,
    user_id character varying(64) NOT NULL,
    code_hash character varying(255) NOT NULL,
    created_at timestamp with time zone,
    used_at timestamp with time zone
);

CREATE TABLE refresh_tokens (
    id character varying(64) NOT NULL,
    token_hash character varying(64) NOT NULL,
    family_id character varying(64) NOT NULL,
    grant_id character varying(64),
    client_id character varying(64) NOT NULL,
    user_id character varying(64) NOT NULL,
    scopes text NOT NULL,
    audience text NOT NULL,
    amr text NOT NULL,
    acr character varying(128),
    auth_time timestamp with time zone,
    created_at timestamp with time zone,
    expires_at timestamp with time zone,
    used_at timestamp with time zone,
    revoked_at timestamp with time zone
);

CREATE TABLE sessions (
    id character varying(64) NOT NULL,
    user_id character varying(64) NOT NULL,
    amr text NOT NULL,
    acr character varying(128),
    auth_time timestamp with time zone,
    created_at timestamp with time zone,
    expires_at timestamp with time zone
);

CREATE TABLE signing_keys (
    id character varying(64) NOT NULL,
    algorithm character varying(16) NOT NULL,
    private_key bytea NOT NULL,
    created_at timestamp with time zone,
    retired_at timestamp with time zone
);

CREATE TABLE users (
    id character varying(64) NOT NULL,
    username character varying(128) NOT NULL,
    email character varying(320),
    name character varying(200),
    password_hash character varying(255) NOT NULL,
    must_change_password boolean DEFAULT false NOT NULL,
    question character varying(64),
    answer_hash character varying(255),
    disabled boolean DEFAULT false NOT NULL,
    require_mfa boolean DEFAULT false NOT NULL,
    otp_failures bigint DEFAULT 0 NOT NULL,
    otp_locked boolean DEFAULT false NOT NULL,
    login_failures bigint DEFAULT 0 NOT NULL,
    login_lock_level bigint DEFAULT 0 NOT NULL,
    login_locked_until bigint DEFAULT 0 NOT NULL,
    login_reserved_at bigint DEFAULT 0 NOT NULL,
    otp_reserved_at bigint DEFAULT 0 NOT NULL,
    proof_hash character varying(255),
    proof_expires_at timestamp with time zone,
    enroll_hold_browser character varying(64),
    created_at timestamp with time zone,
    updated_at timestamp with time zone
);

ALTER TABLE ONLY access_tokens
    ADD CONSTRAINT access_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY audit_events
    ADD CONSTRAINT audit_events_pkey PRIMARY KEY (id);

ALTER TABLE ONLY clients
    ADD CONSTRAINT clients_pkey PRIMARY KEY (id);

ALTER TABLE ONLY devices
    ADD CONSTRAINT devices_pkey PRIMARY KEY (id);

ALTER TABLE ONLY flows
    ADD CONSTRAINT flows_pkey PRIMARY KEY (id);

ALTER TABLE ONLY link_tokens
    ADD CONSTRAINT link_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY recovery_codes
    ADD CONSTRAINT recovery_codes_pkey PRIMARY KEY (id);

ALTER TABLE ONLY refresh_tokens
    ADD CONSTRAINT refresh_tokens_pkey PRIMARY KEY (id);

ALTER TABLE ONLY sessions
    ADD CONSTRAINT sessions_pkey PRIMARY KEY (id);

ALTER TABLE ONLY signing_keys
    ADD CONSTRAINT signing_keys_pkey PRIMARY KEY (id);

ALTER TABLE ONLY users
    ADD CONSTRAINT users_pkey PRIMARY KEY (id);

CREATE INDEX idx_access_tokens_expires_at ON access_tokens USING btree (expires_at);

CREATE INDEX idx_access_tokens_grant_id ON access_tokens USING btree (grant_id);

CREATE INDEX idx_access_tokens_refresh_token_id ON access_tokens USING btree (refresh_token_id);

CREATE INDEX idx_access_tokens_user_id ON access_tokens USING btree (user_id);

CREATE INDEX idx_audit_events_at ON audit_events USING btree (at);

CREATE INDEX idx_audit_events_event ON audit_events USING btree (event);

CREATE INDEX idx_audit_events_user_id ON audit_events USING btree (user_id);

CREATE UNIQUE INDEX idx_devices_user_id ON devices USING btree (user_id);

CREATE INDEX idx_flows_client_id ON flows USING btree (client_id);

CREATE INDEX idx_flows_code_hash ON flows USING btree (code_hash);

CREATE INDEX idx_flows_expires_at ON flows USING btree (expires_at);

CREATE INDEX idx_flows_user_id ON flows USING btree (user_id);

CREATE INDEX idx_link_tokens_expires_at ON link_tokens USING btree (expires_at);

CREATE UNIQUE INDEX idx_link_tokens_token_hash ON link_tokens USING btree (token_hash);

CREATE INDEX idx_link_tokens_user_id ON link_tokens USING btree (user_id);

CREATE INDEX idx_recovery_codes_user_id ON recovery_codes USING btree (user_id);

CREATE INDEX idx_refresh_tokens_expires_at ON refresh_tokens USING btree (expires_at);

CREATE INDEX idx_refresh_tokens_family_id ON refresh_tokens USING btree (family_id);

CREATE INDEX idx_refresh_tokens_grant_id ON refresh_tokens USING btree (grant_id);

CREATE UNIQUE INDEX idx_refresh_tokens_token_hash ON refresh_tokens USING btree (token_hash);

CREATE INDEX idx_refresh_tokens_user_id ON refresh_tokens USING btree (user_id);

CREATE INDEX idx_sessions_expires_at ON sessions USING btree (expires_at);

CREATE INDEX idx_sessions_user_id ON sessions USING btree (user_id);

CREATE UNIQUE INDEX idx_users_username ON users USING btree (username);

INSERT INTO access_tokens VALUES ('at-1', 'g-1', 'rt-1', 'app', 'u-ann', '["openid","profile"]', '["app"]', '2023-11-14 22:13:50.123456+00', '2023-11-14 22:18:50.123456+00', '2023-11-14 22:15:00.123456+00');

INSERT INTO audit_events VALUES ('ev-1', '2023-11-14 22:13:48.123456+00', 'signin.success', 'u-ann', 'ann', 'app', '192.0.2.10', 'user', 'amr pwd kba otp mfa');
INSERT INTO audit_events VALUES ('ev-2', '2023-11-14 22:13:49.123456+00', 'lockout.otp', 'u-bob', 'bob', '', '2001:db8::1', 'user', 'locked after 5 failed second-factor attempts');

INSERT INTO clients VALUES ('app', 'Example App', 'c2VjcmV0aGFzaA', false, '["https://app.example.com/callback","https://app.example.com/cb2"]', '["https://app.example.com/"]', true, true, '2023-11-14 22:13:21.123456+00', '2023-11-14 22:13:22.123456+00');
INSERT INTO clients VALUES ('cli', 'Native CLI', '', true, '["http://127.0.0.1/callback"]', '[]', false, false, '2023-11-14 22:13:23.123456+00', '2023-11-14 22:13:23.123456+00');

INSERT INTO devices VALUES ('d-1', 'u-ann', 'google', '\x5ec2007f', 56666667, '2023-11-14 22:13:44.123456+00', '2023-11-14 22:13:43.123456+00');

INSERT INTO flows VALUES ('f-1', 'app', 'https://app.example.com/callback', '["openid","profile","email"]', 'st-123', 'n-456', 'code', 'query', 'E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM', 'S256', '["login"]', 600, 'ja en', 'ann', 'urn:otpgate:mfa', 'u-ann', '0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0', 'u-ann', '2023-11-14 22:13:40.123456+00', '2023-11-14 22:13:41.123456+00', '2023-11-14 22:13:42.123456+00', '2023-11-14 22:13:43.123456+00', '\x0001feff10', 'authy', 2, '2023-11-14 22:28:20.123456+00', '2023-11-14 22:13:44.123456+00', '\xdeadbeef', '2023-11-14 22:13:45.123456+00', '2023-11-14 22:13:46.123456+00', '2023-11-14 22:13:47.123456+00', '["pwd","kba","otp","mfa"]', 'urn:otpgate:mfa', '2023-11-14 22:13:43.123456+00', '2023-11-14 22:13:48.123456+00', 'c0dehashc0dehashc0dehashc0dehashc0dehashc0dehashc0dehashc0dehash', '2023-11-14 22:13:49.123456+00', '2023-11-14 22:13:39.123456+00', '2023-11-14 22:43:20.123456+00');
INSERT INTO flows VALUES ('f-2', 'cli', 'http://127.0.0.1:5555/callback', '["openid"]', '', '', '', '', '', '', '[]', NULL, '', '', '', '', '', '', NULL, NULL, NULL, NULL, NULL, '', 0, NULL, NULL, NULL, NULL, NULL, NULL, '[]', '', NULL, NULL, '', NULL, '2023-11-14 22:13:50.123456+00', '2023-11-14 22:43:50.123456+00');

INSERT INTO link_tokens VALUES ('lt-1', '11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc', 'reset', 'u-ann', 'f-1', '2023-11-14 22:14:00.123456+00', '2023-11-14 22:29:00.123456+00', NULL);
INSERT INTO link_tokens VALUES ('lt-2', '22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf', 'proof', 'u-bob', '', '2023-11-14 22:14:01.123456+00', '2023-11-14 22:29:01.123456+00', '2023-11-14 22:14:02.123456+00');

INSERT INTO recovery_codes VALUES ('rc-1', 'u-ann', '$argon2id$v=19$m=19456,t=2,p=1$cmNzYWx0$cmNoYXNoMQ', '2023-11-14 22:13:44.123456+00', NULL);
INSERT INTO recovery_codes VALUES ('rc-2', 'u-ann', '$argon2id$v=19$m=19456,t=2,p=1$cmNzYWx0$cmNoYXNoMg', '2023-11-14 22:13:44.123456+00', '2023-11-14 22:21:40.123456+00');

INSERT INTO refresh_tokens VALUES ('rt-1', '7e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e5', 'fam-1', 'g-1', 'app', 'u-ann', '["openid","profile","offline_access"]', '["app"]', '["pwd","otp","mfa"]', 'urn:otpgate:mfa', '2023-11-14 22:13:43.123456+00', '2023-11-14 22:13:50.123456+00', '2023-12-14 22:13:20.123456+00', '2023-11-14 22:14:20.123456+00', '2023-11-14 22:14:21.123456+00');

INSERT INTO sessions VALUES ('5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55', 'u-ann', '["pwd","kba","otp","mfa"]', 'urn:otpgate:mfa', '2023-11-14 22:13:43.123456+00', '2023-11-14 22:13:48.123456+00', '2023-11-15 22:13:20.123456+00');

INSERT INTO signing_keys VALUES ('k-1', 'RS256', '\x01020300ff', '2023-11-13 22:13:20.123456+00', '2023-11-14 22:13:20.123456+00');
INSERT INTO signing_keys VALUES ('k-2', 'ES256', '\x0a0b', '2023-11-14 22:13:20.123456+00', NULL);

INSERT INTO users VALUES ('u-ann', 'ann', 'ann@example.com', 'Ann Example', '$argon2id$v=19$m=19456,t=2,p=1$YW5uc2FsdA$YW5uaGFzaA', false, 'first-pet', '$argon2id$v=19$m=19456,t=2,p=1$YW5zc2FsdA$YW5zaGFzaA', false, true, 3, false, 7, 2, 1700000240, 1700000100, 1700000090, '', NULL, '', '2023-11-14 22:13:20.123456+00', '2023-11-14 22:15:00.123456+00');
INSERT INTO users VALUES ('u-bob', 'bob', 'bob@example.com', 'ボブ', '$argon2id$v=19$m=19456,t=2,p=1$Ym9ic2FsdA$Ym9iaGFzaA', true, '', '', true, false, 5, true, 0, 0, 0, 0, 1700000050, '$argon2id$v=19$m=19456,t=2,p=1$cHJvb2ZzYWx0$cHJvb2ZoYXNo', '2023-11-14 23:13:20.123456+00', 'b7c1e0f2a9d84c3e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70', '2023-11-14 22:13:30.123456+00', '2023-11-14 22:16:40.123456+00');
