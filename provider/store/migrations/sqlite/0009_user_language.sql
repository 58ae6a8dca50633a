-- The language of each user's last sign-in ("en", "ja"; "" until the
-- first): the mails otpgate sends them are written in it.
ALTER TABLE users ADD COLUMN lang text NOT NULL DEFAULT '';
