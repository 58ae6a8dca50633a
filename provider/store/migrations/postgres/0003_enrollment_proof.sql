-- An enrollment proof is issued either by an administrator's reset (the
-- account then chooses a new password and answer right after presenting
-- it) or for a first enrollment (mfa.enrollment_proof = admin), which
-- renews nothing. Every proof issued before this release came from a reset.
ALTER TABLE users ADD COLUMN proof_renews boolean NOT NULL DEFAULT false;
UPDATE users SET proof_renews = true WHERE proof_hash <> '';
