-- Machine clients: a client may use the client credentials grant (RFC 6749
-- §4.4) instead of the authorization code grant (grant_types, a JSON list;
-- an empty one means the code and refresh token grants), for the scopes
-- it was granted (allowed_scopes, a JSON list: the admin API's admin:read
-- and admin:write). Its access tokens name no user.
ALTER TABLE clients ADD COLUMN grant_types text NOT NULL DEFAULT '[]';
ALTER TABLE clients ADD COLUMN allowed_scopes text NOT NULL DEFAULT '[]';
