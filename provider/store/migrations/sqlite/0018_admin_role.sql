-- The administrator role: a person who signs in to the web console at
-- /admin (granted with otpgate user grant-admin). An administrator's
-- account always requires two-factor sign-in.
ALTER TABLE users ADD COLUMN admin numeric NOT NULL DEFAULT false;
