-- The per-address limiter counts failed sign-in posts (not successes) in
-- the database, so that replicas share the count and an office behind one
-- address is not limited by its own successful sign-ins. The key is a hash
-- of the address; a row holds the failures of its current window.
CREATE TABLE address_failures (
    address_key text NOT NULL,
    window_start integer NOT NULL DEFAULT 0,
    failures integer NOT NULL DEFAULT 0,
    PRIMARY KEY (address_key)
);
