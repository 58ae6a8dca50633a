-- An essential acr (the claims parameter, OIDC Core 5.5.1.1) is kept with
-- the sign-in: the ID token's acr must be one of its values, or the
-- relying party gets unmet_authentication_requirements instead of a code.
ALTER TABLE flows ADD COLUMN essential_acr text;
