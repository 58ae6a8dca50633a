-- A user's given and family names, beside the display name (name, in
-- the schema since the first release): the profile scope's given_name and
-- family_name claims. Empty or NULL means unknown, and the claim is left
-- out; accounts of earlier releases have neither.
ALTER TABLE users ADD COLUMN given_name text;
ALTER TABLE users ADD COLUMN family_name text;
