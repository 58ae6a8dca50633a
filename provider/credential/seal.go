package credential

import (
	"bytes"
	"crypto/aes"
	"crypto/cipher"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
)

// ErrWrongKey is returned when sealed data cannot be opened: the
// encryption key differs from the one the data was written with, or the
// data was moved to another owner.
var ErrWrongKey = errors.New("data cannot be decrypted with the configured encryption key")

// sealMagic starts every value sealed since key ids exist: "og", then the
// format version 1. Values sealed before have no header (nonce||ciphertext)
// and keep opening.
var sealMagic = []byte{'o', 'g', 1}

const (
	keyIDLen  = 4
	headerLen = 3 + keyIDLen // magic and version, key id
)

// sealKey is one key of the keyring with its id.
type sealKey struct {
	id   [keyIDLen]byte
	aead cipher.AEAD
	raw  []byte
}

// Sealer encrypts small secrets at rest with AES-256-GCM. Associated data
// binds a ciphertext to its owner (a key id, a user and device id), so a
// row copied elsewhere fails to open.
//
// A Sealer holds a keyring: the primary key seals (its id goes into a
// short header: magic, version, key id, then nonce||ciphertext), and the
// primary or any accepted key opens. Accepted keys exist for rotating the
// encryption key across replicas: see the Deployment section of the README.
type Sealer struct {
	primary  sealKey
	accepted []sealKey // never the primary's key again
}

// NewSealer returns a sealer that seals with the 32-byte primary key and
// opens with it or any of the accepted keys (open only).
func NewSealer(primary []byte, accepted ...[]byte) (*Sealer, error) {
	p, err := newSealKey(primary)
	if err != nil {
		return nil, err
	}
	s := &Sealer{primary: p}
	for _, key := range accepted {
		k, err := newSealKey(key)
		if err != nil {
			return nil, fmt.Errorf("accepted %w", err)
		}
		if !s.has(k.raw) {
			s.accepted = append(s.accepted, k)
		}
	}
	return s, nil
}

func newSealKey(key []byte) (sealKey, error) {
	if len(key) != 32 {
		return sealKey{}, fmt.Errorf("encryption key must be 32 bytes, got %d", len(key))
	}
	block, err := aes.NewCipher(key)
	if err != nil {
		return sealKey{}, err
	}
	aead, err := cipher.NewGCM(block)
	if err != nil {
		return sealKey{}, err
	}
	return sealKey{id: keyID(key), aead: aead, raw: bytes.Clone(key)}, nil
}

func (s *Sealer) has(raw []byte) bool {
	for _, k := range s.keys() {
		if hmac.Equal(k.raw, raw) {
			return true
		}
	}
	return false
}

// keys returns the primary key, then the accepted ones.
func (s *Sealer) keys() []sealKey { return append([]sealKey{s.primary}, s.accepted...) }

// keyID is the first bytes of a domain-separated SHA-256 of the key: it
// names the key in sealed values and in output without revealing it.
func keyID(key []byte) [keyIDLen]byte {
	sum := sha256.Sum256(append([]byte("otpgate/key-id\x00"), key...))
	var id [keyIDLen]byte
	copy(id[:], sum[:])
	return id
}

// KeyID returns the id (8 hex characters) a value sealed with key carries.
func KeyID(key []byte) string {
	id := keyID(key)
	return hex.EncodeToString(id[:])
}

// KeyID returns the id of the primary key, which seals.
func (s *Sealer) KeyID() string { return hex.EncodeToString(s.primary.id[:]) }

// SealedKeyID returns the key id in a sealed value's header, and false for
// a value sealed before key ids (no header). A legacy value's random nonce
// may look like a header, so this is a hint for reports, never a proof.
func SealedKeyID(sealed []byte) (string, bool) {
	if len(sealed) < headerLen || !bytes.HasPrefix(sealed, sealMagic) {
		return "", false
	}
	return hex.EncodeToString(sealed[len(sealMagic):headerLen]), true
}

// Seal encrypts plaintext bound to ad with the primary key: the header
// (magic, version, key id), then the nonce, then the ciphertext.
func (s *Sealer) Seal(plaintext, ad []byte) []byte {
	k := s.primary
	out := make([]byte, headerLen+k.aead.NonceSize(), headerLen+k.aead.NonceSize()+len(plaintext)+k.aead.Overhead())
	copy(out, sealMagic)
	copy(out[len(sealMagic):], k.id[:])
	nonce := out[headerLen:]
	_, _ = rand.Read(nonce)
	return k.aead.Seal(out, nonce, plaintext, ad)
}

// Open decrypts what Seal produced with the same ad, with whichever key of
// the keyring the header names; a value without a header (written before
// key ids), or whose header names no key here, is tried with every key.
func (s *Sealer) Open(sealed, ad []byte) ([]byte, error) {
	if id, ok := SealedKeyID(sealed); ok {
		for _, k := range s.keys() {
			if hex.EncodeToString(k.id[:]) == id {
				if out, err := open(k, sealed[headerLen:], ad); err == nil {
					return out, nil
				}
			}
		}
	}
	// The legacy format: nonce||ciphertext. Its random nonce may start like
	// a header, so this runs whenever the header did not lead to a key.
	for _, k := range s.keys() {
		if out, err := open(k, sealed, ad); err == nil {
			return out, nil
		}
	}
	return nil, ErrWrongKey
}

func open(k sealKey, sealed, ad []byte) ([]byte, error) {
	n := k.aead.NonceSize()
	if len(sealed) < n {
		return nil, ErrWrongKey
	}
	out, err := k.aead.Open(nil, sealed[:n], sealed[n:], ad)
	if err != nil {
		return nil, ErrWrongKey
	}
	return out, nil
}

// Derive returns a 32-byte subkey for one purpose (HMAC-SHA256 of the
// purpose under the primary encryption key), so each use has its own key
// while every replica derives the same one from the shared configuration.
// A new primary key means new subkeys: see DeriveAll.
func (s *Sealer) Derive(purpose string) [32]byte { return derive(s.primary.raw, purpose) }

// DeriveAll returns the subkey for purpose under every key of the keyring,
// the primary's first: what was signed or encrypted with a subkey of an
// accepted key (by a replica still on the old primary, during a rollout)
// is still recognised. Use Derive to sign or encrypt, DeriveAll to verify
// or decrypt.
func (s *Sealer) DeriveAll(purpose string) [][32]byte {
	var out [][32]byte
	for _, k := range s.keys() {
		out = append(out, derive(k.raw, purpose))
	}
	return out
}

func derive(key []byte, purpose string) [32]byte {
	m := hmac.New(sha256.New, key)
	m.Write([]byte("otpgate/" + purpose))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}
