package credential

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"encoding/hex"
)

// NewToken returns 32 random bytes, base64url-encoded: an unguessable
// bearer value (a refresh token, a cookie value).
func NewToken() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b) // crypto/rand never fails
	return base64.RawURLEncoding.EncodeToString(b)
}

// HashToken is the stored form of a random bearer value (an authorization
// code, a refresh token, a cookie): SHA-256 in hex. Such values carry 256
// bits of entropy, so a fast hash is enough; what people choose is hashed
// with argon2id instead.
func HashToken(v string) string {
	sum := sha256.Sum256([]byte(v))
	return hex.EncodeToString(sum[:])
}
