-- ID tokens are signed with RS256, ES256 or EdDSA, chosen per client. A
-- client's algorithm is id_token_signed_response_alg (OpenID Connect
-- Dynamic Client Registration's name); empty or NULL means RS256, so every
-- existing client keeps RS256. signing_keys has had its algorithm column
-- since the first release, and every key the releases before this one made
-- is RS256: they stay the RS256 keys, and the ES256 and EdDSA keys are
-- added at start-up.
ALTER TABLE clients ADD COLUMN id_token_signed_response_alg varchar(16);
