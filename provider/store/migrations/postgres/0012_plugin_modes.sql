-- Plug-in modes: otpgate as the second factor of another identity
-- provider. A client's mode is '' (the full sign-in), 'second_factor'
-- (factor-only OpenID Connect: the caller names the user, otpgate asks
-- only for the passcode) or 'entra_eam' (a Microsoft Entra ID external
-- authentication method). An Entra client names the Entra application id
-- its hints are issued to and the tenants allowed to use it; a factor-only
-- client may be trusted to name the user by login_hint alone, and may
-- register its own public keys (a JWK set) for request objects and
-- private_key_jwt.
ALTER TABLE clients ADD COLUMN mode varchar(32) NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN entra_app_id varchar(64) NOT NULL DEFAULT '';
ALTER TABLE clients ADD COLUMN entra_tenants text NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN trust_login_hint boolean NOT NULL DEFAULT false;
ALTER TABLE clients ADD COLUMN jwks text NOT NULL DEFAULT '';
-- Who performed a flow's first factor: '' (otpgate's password step),
-- 'entra' (an Entra ID hint) or 'caller' (the relying party of a
-- factor-only client).
ALTER TABLE flows ADD COLUMN first_factor varchar(32) NOT NULL DEFAULT '';
-- Accounts bound to an identity elsewhere: an Entra user (provider
-- 'entra:<tenant id>', subject the object id) and, later, directory and
-- upstream identities. One identity names one account for good.
CREATE TABLE user_links (
    provider varchar(128) NOT NULL,
    subject varchar(128) NOT NULL,
    user_id varchar(64) NOT NULL,
    created_at timestamptz,
    PRIMARY KEY (provider, subject)
);
CREATE INDEX idx_user_links_user_id ON user_links (user_id);
