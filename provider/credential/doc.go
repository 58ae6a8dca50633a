// Package credential hashes and checks the secrets people type: passwords,
// security-question answers and client secrets. Hashes are argon2id in the
// PHC string format, so parameters travel with each hash and a stored hash
// can be upgraded when the parameters rise.
//
// It also seals the secrets kept at rest (TOTP secrets, signing keys) with
// AES-256-GCM under the configured encryption key: associated data binds a
// ciphertext to its owner, and anything that does not open is ErrWrongKey.
// A Sealer is a keyring: values are sealed with the primary key, whose id
// they carry in a short header, and open with the primary or any accepted
// key, so that the encryption key can be rotated while replicas run.
// Values written before key ids (no header) keep opening.
package credential
