-- Upstream OpenID providers: a flow that sent its browser to an upstream
-- keeps, until the upstream's answer comes back once, the SHA-256 of the
-- state it sent (the answer finds the flow by it), the nonce the ID token
-- must carry, the sealed PKCE verifier, the connector it went to and when
-- that answer stops being accepted. The answer clears the nonce and
-- verifier in the same conditional write that hands them out, so a
-- replayed or raced answer gets nothing. A flow whose first factor an
-- upstream performed records the upstream's methods (its ID token's amr,
-- never "mfa") and, when the connector trusts the upstream's MFA and its
-- token proved one, when that MFA was accepted: the finish may claim
-- "mfa" only with a passcode or that.
ALTER TABLE flows ADD COLUMN upstream_state_hash varchar(64) NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN upstream_nonce varchar(64) NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN upstream_verifier bytea;
ALTER TABLE flows ADD COLUMN upstream_connector varchar(64) NOT NULL DEFAULT '';
ALTER TABLE flows ADD COLUMN upstream_expires_at timestamptz;
ALTER TABLE flows ADD COLUMN upstream_amr text NOT NULL DEFAULT '[]';
ALTER TABLE flows ADD COLUMN upstream_mfa_at timestamptz;
CREATE INDEX idx_flows_upstream_state_hash ON flows (upstream_state_hash);
