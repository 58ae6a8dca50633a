-- A factor-only confidential client may sign its request objects HS256
-- with its client secret (OpenID Connect Core 6.1 and 10.1), so otpgate
-- must be able to read that secret: it is kept sealed (encrypted with the
-- encryption key, bound to the client id) beside its hash. Only
-- factor-only confidential clients have one, written when the client is
-- added or its secret rotated; the clients earlier releases stored have
-- none (NULL) until their secret is rotated.
ALTER TABLE clients ADD COLUMN secret_sealed blob;
