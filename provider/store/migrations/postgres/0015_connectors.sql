-- Connectors: a directory (LDAP, Active Directory) or an upstream OpenID
-- provider performs the first factor in front of otpgate's passcode. A
-- flow records the connector that did ('' for otpgate's own password),
-- and the sessions and refresh tokens made from it keep it, for the ID
-- token's idp claim. A connector's identities are linked to accounts in
-- user_links (provider 'connector:<id>'); an upstream's subject may be up
-- to 255 characters.
ALTER TABLE flows ADD COLUMN connector varchar(64) NOT NULL DEFAULT '';
ALTER TABLE sessions ADD COLUMN idp varchar(64) NOT NULL DEFAULT '';
ALTER TABLE refresh_tokens ADD COLUMN idp varchar(64) NOT NULL DEFAULT '';
ALTER TABLE user_links ALTER COLUMN subject TYPE varchar(255);
