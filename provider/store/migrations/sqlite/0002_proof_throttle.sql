-- Wrong enrollment proofs (the one-time code of an administrator's reset)
-- are throttled per account in a time window instead of counting toward
-- the passcode lock: guessing them can no longer lock the owner out.
ALTER TABLE users ADD COLUMN proof_failures integer NOT NULL DEFAULT 0;
ALTER TABLE users ADD COLUMN proof_window_start integer NOT NULL DEFAULT 0;
