package credential

import (
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
)

// ErrWrongKey is returned when sealed data cannot be opened: the
// encryption key differs from the one the data was written with, or the
// data was moved to another owner.
var ErrWrongKey = errors.New("data cannot be decrypted with the configured encryption key")

// Sealer encrypts small secrets at rest with AES-256-GCM. Associated data
// binds a ciphertext to its owner (a key id, a user and device id), so a
// row copied elsewhere fails to open.
type Sealer struct {
	aead cipher.AEAD
	key  []byte
}

// NewSealer returns a sealer for a 32-byte key.
func NewSealer(key []byte) (*Sealer, error) {
	if len(key) != 32 {
		return nil, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return nil, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return nil, err
	}
	return &Sealer{aead: aead, key: append([]byte(nil), key...)}, nil
}

// Seal encrypts plaintext bound to ad; the nonce is prepended.
func (s *Sealer) Seal(plaintext, ad []byte) []byte {
	nonce := make([]byte, s.aead.NonceSize())
	_, _ = rand.Read(nonce)
	return s.aead.Seal(nonce, nonce, plaintext, ad)
}

// Open decrypts what Seal produced with the same ad.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	n := s.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrWrongKey
	}
	out, err := s.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return out, nil
}

// Derive returns a 32-byte subkey for one purpose (HMAC-SHA256 of the
// purpose under the encryption key), so each use has its own key while
// every replica derives the same one from the shared configuration.
func (s *Sealer) Derive(purpose string) [32]byte {
	m := hmac.New(sha256.New, s.key)
	m.Write([]byte("otpgate/" + purpose))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}
