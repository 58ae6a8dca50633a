-- Every signing key is published with a self-signed X.509 certificate
-- holding its public key (x5c and x5t in the key set), as Entra ID's
-- external authentication methods require. A key is created with its
-- certificate; the keys earlier releases stored have none (an empty
-- value) until start-up gives each one with a conditional update, so that
-- replicas starting together agree on one certificate per key.
ALTER TABLE signing_keys ADD COLUMN certificate text NOT NULL DEFAULT '';
