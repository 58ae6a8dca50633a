package credential

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"crypto/subtle"
	"strings"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/trustelem/zxcvbn"
)

// fastPrefix marks a client secret stored as SHA-256: a secret too random
// to guess needs no slow hash (DESIGN: high-entropy secrets use a fast
// hash, never a slow one per request).
const fastPrefix = "$sha256$"

// minStrongSecret is the shortest client secret stored with the fast hash.
const minStrongSecret = 32

// strongGuesses is the fewest guesses (zxcvbn's estimate) a client secret
// must need to be stored with the fast hash: 10^30, about 2^100. Against
// SHA-256 at 10^13 guesses a second (a hundred GPUs) that is three billion
// years. Generated secrets (32 random bytes, 43 characters) are far above
// it; zxcvbn counts a random character as one in ten, so it underrates
// them, never overrates.
const strongGuesses = 1e30

// StrongClientSecret reports whether secret is random enough for the fast
// hash: at least 32 characters, and at least 10^30 guesses by zxcvbn's
// estimate of its first 64 characters (a longer secret is at least as
// strong as its beginning).
func StrongClientSecret(secret string) bool {
	if len(secret) < minStrongSecret {
		return false
	}
	head := secret
	if utf8.RuneCountInString(head) > estimateRunes {
		head = string([]rune(head)[:estimateRunes])
	}
	return zxcvbn.PasswordStrength(head, nil).Guesses >= strongGuesses
}

// HashClientSecret is the stored form of a client secret: SHA-256 for a
// strong one (StrongClientSecret; every generated secret), argon2id for
// one an administrator chose that is weaker, whose checks the
// verified-secret cache of ClientSecrets keeps rare.
func (h *Hasher) HashClientSecret(secret string) string {
	if StrongClientSecret(secret) {
		return fastHash(secret)
	}
	return h.Hash(secret)
}

func fastHash(secret string) string {
	sum := sha256.Sum256([]byte(secret))
	return fastPrefix + b64.EncodeToString(sum[:])
}

// VerifyClientSecret checks a client secret against its stored form,
// fast or argon2id, without the cache of ClientSecrets.
func (h *Hasher) VerifyClientSecret(secret, encoded string) (bool, error) {
	if FastClientSecretHash(encoded) {
		return subtle.ConstantTimeCompare([]byte(fastHash(secret)), []byte(encoded)) == 1, nil
	}
	return h.Verify(secret, encoded)
}

// FastClientSecretHash reports whether encoded is the fast form.
func FastClientSecretHash(encoded string) bool { return strings.HasPrefix(encoded, fastPrefix) }

// ClientSecrets checks client secrets at the token-type endpoints. A fast
// hash costs a microsecond. An argon2id hash (a weak secret an
// administrator chose, or one stored before the fast form existed) is
// checked once, then remembered: a secret that matched is kept, as an HMAC
// under a key of this process, for cacheFor, while the stored hash stays
// the same. Failures are never remembered.
type ClientSecrets struct {
	hasher *Hasher
	// Now is the clock of the cache's lifetimes.
	Now func() time.Time

	key []byte
	mu  sync.Mutex
	ok  map[string]verified
}

// verified is a secret that matched a client's stored hash.
type verified struct {
	encoded string
	mac     []byte
	until   time.Time
}

// cacheFor is how long a secret checked against a slow hash is trusted
// without hashing it again; maxCached bounds the entries (one per client).
const (
	cacheFor  = 10 * time.Minute
	maxCached = 4096
)

// NewClientSecrets returns a checker that hashes with h.
func NewClientSecrets(h *Hasher, now func() time.Time) *ClientSecrets {
	key := make([]byte, 32)
	_, _ = rand.Read(key) // crypto/rand never fails
	return &ClientSecrets{hasher: h, Now: now, key: key, ok: map[string]verified{}}
}

// Verify checks a client's secret against its stored hash (encoded; ""
// when the client has none, which never matches). When it matches an
// argon2id hash and is strong, upgrade is the fast hash to store in its
// place. Hashing at capacity is ErrBusy.
func (c *ClientSecrets) Verify(ctx context.Context, clientID, secret, encoded string) (ok bool, upgrade string, err error) {
	switch {
	case encoded == "" || secret == "":
		return false, "", nil
	case FastClientSecretHash(encoded):
		return subtle.ConstantTimeCompare([]byte(fastHash(secret)), []byte(encoded)) == 1, "", nil
	}
	mac := c.mac(clientID, secret)
	if c.remembered(clientID, encoded, mac) {
		return true, "", nil
	}
	if ok, err = c.hasher.VerifyContext(ForClient(ctx), secret, encoded); err != nil || !ok {
		return false, "", err
	}
	if StrongClientSecret(secret) {
		return true, fastHash(secret), nil
	}
	c.remember(clientID, encoded, mac)
	return true, "", nil
}

func (c *ClientSecrets) mac(clientID, secret string) []byte {
	m := hmac.New(sha256.New, c.key)
	m.Write([]byte(clientID))
	m.Write([]byte{0})
	m.Write([]byte(secret))
	return m.Sum(nil)
}

func (c *ClientSecrets) remembered(clientID, encoded string, mac []byte) bool {
	c.mu.Lock()
	defer c.mu.Unlock()
	v, found := c.ok[clientID]
	if !found || v.encoded != encoded || !c.Now().Before(v.until) {
		return false
	}
	return hmac.Equal(v.mac, mac)
}

func (c *ClientSecrets) remember(clientID, encoded string, mac []byte) {
	c.mu.Lock()
	defer c.mu.Unlock()
	now := c.Now()
	if len(c.ok) >= maxCached {
		for id, v := range c.ok {
			if !now.Before(v.until) {
				delete(c.ok, id)
			}
		}
		if len(c.ok) >= maxCached {
			clear(c.ok)
		}
	}
	c.ok[clientID] = verified{encoded: encoded, mac: mac, until: now.Add(cacheFor)}
}
