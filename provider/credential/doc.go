// Package credential hashes and checks the secrets people type: passwords,
// security-question answers and client secrets. Hashes are argon2id in the
// PHC string format, so parameters travel with each hash and a stored hash
// can be upgraded when the parameters rise.
//
// It also seals the secrets kept at rest (TOTP secrets, signing keys) with
// AES-256-GCM under the configured encryption key: associated data binds a
// ciphertext to its owner, and anything that does not open is ErrWrongKey.
package credential
