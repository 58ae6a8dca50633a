-- The schema of the last release before versioned migrations, exactly as
-- gorm's AutoMigrate wrote it on SQLite (the sqlite3 ".schema" output of a
-- database that release created), followed by rows as that release wrote
-- them (the INSERT statements of sqlite3 ".dump"). Do not edit: the upgrade
-- test adopts this database and checks that every row and value survives.

CREATE TABLE `users` (`id` text,`username` text NOT NULL,`email` text,`name` text,`password_hash` text NOT NULL,`must_change_password` numeric NOT NULL DEFAULT false,`question` text,`answer_hash` text,`disabled` numeric NOT NULL DEFAULT false,`require_mfa` numeric NOT NULL DEFAULT false,`otp_failures` integer NOT NULL DEFAULT 0,`otp_locked` numeric NOT NULL DEFAULT false,`login_failures` integer NOT NULL DEFAULT 0,`login_lock_level` integer NOT NULL DEFAULT 0,`login_locked_until` integer NOT NULL DEFAULT 0,`login_reserved_at` integer NOT NULL DEFAULT 0,`otp_reserved_at` integer NOT NULL DEFAULT 0,`proof_hash` text,`proof_expires_at` datetime,`enroll_hold_browser` text,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX `idx_users_username` ON `users`(`username`);
CREATE TABLE `clients` (`id` text,`name` text,`secret_hash` text,`public` numeric NOT NULL DEFAULT false,`redirect_uris` text NOT NULL,`post_logout_redirect_uris` text NOT NULL,`require_mfa` numeric NOT NULL DEFAULT false,`from_config` numeric NOT NULL DEFAULT false,`created_at` datetime,`updated_at` datetime,PRIMARY KEY (`id`));
CREATE TABLE `flows` (`id` text,`client_id` text NOT NULL,`redirect_uri` text NOT NULL,`scopes` text NOT NULL,`state` text,`nonce` text,`response_type` text,`response_mode` text,`code_challenge` text,`code_challenge_method` text,`prompt` text NOT NULL,`max_age` integer,`ui_locales` text,`login_hint` text,`acr_values` text,`id_token_hint_subject` text,`browser_hash` text,`user_id` text,`password_at` datetime,`setup_at` datetime,`question_at` datetime,`otp_at` datetime,`pending_secret` blob,`pending_app` text,`pending_attempts` integer NOT NULL DEFAULT 0,`pending_expires_at` datetime,`enrolled_at` datetime,`pending_codes` blob,`codes_ack_at` datetime,`reset_at` datetime,`proof_at` datetime,`amr` text NOT NULL,`acr` text,`auth_time` datetime,`done_at` datetime,`code_hash` text,`code_used_at` datetime,`created_at` datetime,`expires_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_flows_expires_at` ON `flows`(`expires_at`);
CREATE INDEX `idx_flows_code_hash` ON `flows`(`code_hash`);
CREATE INDEX `idx_flows_user_id` ON `flows`(`user_id`);
CREATE INDEX `idx_flows_client_id` ON `flows`(`client_id`);
CREATE TABLE `sessions` (`id` text,`user_id` text NOT NULL,`amr` text NOT NULL,`acr` text,`auth_time` datetime,`created_at` datetime,`expires_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_sessions_expires_at` ON `sessions`(`expires_at`);
CREATE INDEX `idx_sessions_user_id` ON `sessions`(`user_id`);
CREATE TABLE `access_tokens` (`id` text,`grant_id` text,`refresh_token_id` text,`client_id` text NOT NULL,`user_id` text NOT NULL,`scopes` text NOT NULL,`audience` text NOT NULL,`created_at` datetime,`expires_at` datetime,`revoked_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_access_tokens_expires_at` ON `access_tokens`(`expires_at`);
CREATE INDEX `idx_access_tokens_user_id` ON `access_tokens`(`user_id`);
CREATE INDEX `idx_access_tokens_refresh_token_id` ON `access_tokens`(`refresh_token_id`);
CREATE INDEX `idx_access_tokens_grant_id` ON `access_tokens`(`grant_id`);
CREATE TABLE `refresh_tokens` (`id` text,`token_hash` text NOT NULL,`family_id` text NOT NULL,`grant_id` text,`client_id` text NOT NULL,`user_id` text NOT NULL,`scopes` text NOT NULL,`audience` text NOT NULL,`amr` text NOT NULL,`acr` text,`auth_time` datetime,`created_at` datetime,`expires_at` datetime,`used_at` datetime,`revoked_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_refresh_tokens_expires_at` ON `refresh_tokens`(`expires_at`);
CREATE INDEX `idx_refresh_tokens_user_id` ON `refresh_tokens`(`user_id`);
CREATE INDEX `idx_refresh_tokens_grant_id` ON `refresh_tokens`(`grant_id`);
CREATE INDEX `idx_refresh_tokens_family_id` ON `refresh_tokens`(`family_id`);
CREATE UNIQUE INDEX `idx_refresh_tokens_token_hash` ON `refresh_tokens`(`token_hash`);
CREATE TABLE `signing_keys` (`id` text,`algorithm` text NOT NULL,`private_key` blob NOT NULL,`created_at` datetime,`retired_at` datetime,PRIMARY KEY (`id`));
CREATE TABLE `devices` (`id` text,`user_id` text NOT NULL,`app` text,`secret` blob NOT NULL,`last_step` integer NOT NULL DEFAULT 0,`enrolled_at` datetime,`last_used_at` datetime,PRIMARY KEY (`id`));
CREATE UNIQUE INDEX `idx_devices_user_id` ON `devices`(`user_id`);
CREATE TABLE `recovery_codes` (`id` text,`user_id` text NOT NULL,`code_hash` text NOT NULL,`created_at` datetime,`used_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_recovery_codes_user_id` ON `recovery_codes`(`user_id`);
CREATE TABLE `audit_events` (`id` text,`at` datetime NOT NULL,`event` text NOT NULL,`user_id` text,`username` text,`client_id` text,`ip` text,`actor` text,`detail` text,PRIMARY KEY (`id`));
CREATE INDEX `idx_audit_events_user_id` ON `audit_events`(`user_id`);
CREATE INDEX `idx_audit_events_event` ON `audit_events`(`event`);
CREATE INDEX `idx_audit_events_at` ON `audit_events`(`at`);
CREATE TABLE `link_tokens` (`id` text,`token_hash` text NOT NULL,`purpose` text NOT NULL,`user_id` text NOT NULL,`flow_id` text,`created_at` datetime,`expires_at` datetime,`used_at` datetime,PRIMARY KEY (`id`));
CREATE INDEX `idx_link_tokens_expires_at` ON `link_tokens`(`expires_at`);
CREATE INDEX `idx_link_tokens_user_id` ON `link_tokens`(`user_id`);
CREATE UNIQUE INDEX `idx_link_tokens_token_hash` ON `link_tokens`(`token_hash`);

INSERT INTO users VALUES('u-ann','ann','ann@example.com','Ann Example','$argon2id$v=19$m=19456,t=2,p=1$YW5uc2FsdA$YW5uaGFzaA',0,'first-pet','$argon2id$v=19$m=19456,t=2,p=1$YW5zc2FsdA$YW5zaGFzaA',0,1,3,0,7,2,1700000240,1700000100,1700000090,'',NULL,'','2023-11-14 22:13:20.123456+00:00','2023-11-14 22:15:00.123456+00:00');
INSERT INTO users VALUES('u-bob','bob','bob@example.com','ボブ','$argon2id$v=19$m=19456,t=2,p=1$Ym9ic2FsdA$Ym9iaGFzaA',1,'','',1,0,5,1,0,0,0,0,1700000050,'$argon2id$v=19$m=19456,t=2,p=1$cHJvb2ZzYWx0$cHJvb2ZoYXNo','2023-11-14 23:13:20.123456+00:00','b7c1e0f2a9d84c3e8f1a2b3c4d5e6f708192a3b4c5d6e7f8091a2b3c4d5e6f70','2023-11-14 22:13:30.123456+00:00','2023-11-14 22:16:40.123456+00:00');
INSERT INTO clients VALUES('app','Example App','c2VjcmV0aGFzaA',0,'["https://app.example.com/callback","https://app.example.com/cb2"]','["https://app.example.com/"]',1,1,'2023-11-14 22:13:21.123456+00:00','2023-11-14 22:13:22.123456+00:00');
INSERT INTO clients VALUES('cli','Native CLI','',1,'["http://127.0.0.1/callback"]','[]',0,0,'2023-11-14 22:13:23.123456+00:00','2023-11-14 22:13:23.123456+00:00');
INSERT INTO flows VALUES('f-1','app','https://app.example.com/callback','["openid","profile","email"]','st-123','n-456','code','query','E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM','S256','["login"]',600,'ja en','ann','urn:otpgate:mfa','u-ann','0f1e2d3c4b5a69788796a5b4c3d2e1f00f1e2d3c4b5a69788796a5b4c3d2e1f0','u-ann','2023-11-14 22:13:40.123456+00:00','2023-11-14 22:13:41.123456+00:00','2023-11-14 22:13:42.123456+00:00','2023-11-14 22:13:43.123456+00:00',X'0001feff10','authy',2,'2023-11-14 22:28:20.123456+00:00','2023-11-14 22:13:44.123456+00:00',X'deadbeef','2023-11-14 22:13:45.123456+00:00','2023-11-14 22:13:46.123456+00:00','2023-11-14 22:13:47.123456+00:00','["pwd","kba","otp","mfa"]','urn:otpgate:mfa','2023-11-14 22:13:43.123456+00:00','2023-11-14 22:13:48.123456+00:00','c0dehashc0dehashc0dehashc0dehashc0dehashc0dehashc0dehashc0dehash','2023-11-14 22:13:49.123456+00:00','2023-11-14 22:13:39.123456+00:00','2023-11-14 22:43:20.123456+00:00');
INSERT INTO flows VALUES('f-2','cli','http://127.0.0.1:5555/callback','["openid"]','','','','','','','[]',NULL,'','','','','','',NULL,NULL,NULL,NULL,NULL,'',0,NULL,NULL,NULL,NULL,NULL,NULL,'[]','',NULL,NULL,'',NULL,'2023-11-14 22:13:50.123456+00:00','2023-11-14 22:43:50.123456+00:00');
INSERT INTO sessions VALUES('5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55','u-ann','["pwd","kba","otp","mfa"]','urn:otpgate:mfa','2023-11-14 22:13:43.123456+00:00','2023-11-14 22:13:48.123456+00:00','2023-11-15 22:13:20.123456+00:00');
INSERT INTO access_tokens VALUES('at-1','g-1','rt-1','app','u-ann','["openid","profile"]','["app"]','2023-11-14 22:13:50.123456+00:00','2023-11-14 22:18:50.123456+00:00','2023-11-14 22:15:00.123456+00:00');
INSERT INTO refresh_tokens VALUES('rt-1','7e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e57e57a5e5','fam-1','g-1','app','u-ann','["openid","profile","offline_access"]','["app"]','["pwd","otp","mfa"]','urn:otpgate:mfa','2023-11-14 22:13:43.123456+00:00','2023-11-14 22:13:50.123456+00:00','2023-12-14 22:13:20.123456+00:00','2023-11-14 22:14:20.123456+00:00','2023-11-14 22:14:21.123456+00:00');
INSERT INTO signing_keys VALUES('k-1','RS256',X'01020300ff','2023-11-13 22:13:20.123456+00:00','2023-11-14 22:13:20.123456+00:00');
INSERT INTO signing_keys VALUES('k-2','ES256',X'0a0b','2023-11-14 22:13:20.123456+00:00',NULL);
INSERT INTO devices VALUES('d-1','u-ann','google',X'5ec2007f',56666667,'2023-11-14 22:13:44.123456+00:00','2023-11-14 22:13:43.123456+00:00');
INSERT INTO recovery_codes VALUES('rc-1','u-ann','$argon2id$v=19$m=19456,t=2,p=1$cmNzYWx0$cmNoYXNoMQ','2023-11-14 22:13:44.123456+00:00',NULL);
INSERT INTO recovery_codes VALUES('rc-2','u-ann','$argon2id$v=19$m=19456,t=2,p=1$cmNzYWx0$cmNoYXNoMg','2023-11-14 22:13:44.123456+00:00','2023-11-14 22:21:40.123456+00:00');
INSERT INTO audit_events VALUES('ev-1','2023-11-14 22:13:48.123456+00:00','signin.success','u-ann','ann','app','192.0.2.10','user','amr pwd kba otp mfa');
INSERT INTO audit_events VALUES('ev-2','2023-11-14 22:13:49.123456+00:00','lockout.otp','u-bob','bob','','2001:db8::1','user','locked after 5 failed second-factor attempts');
INSERT INTO link_tokens VALUES('lt-1','11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc','reset','u-ann','f-1','2023-11-14 22:14:00.123456+00:00','2023-11-14 22:29:00.123456+00:00',NULL);
INSERT INTO link_tokens VALUES('lt-2','22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf22pf','proof','u-bob','','2023-11-14 22:14:01.123456+00:00','2023-11-14 22:29:01.123456+00:00','2023-11-14 22:14:02.123456+00:00');
