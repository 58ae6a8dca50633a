// Package credential hashes and checks the secrets people type: passwords,
// security-question answers and client secrets. Hashes are argon2id in the
// PHC string format, so parameters travel with each hash and a stored hash
// can be upgraded when the parameters rise.
package credential
