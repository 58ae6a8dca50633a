package protocol

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"sync"
	"time"

	jose "github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/op"

	"github.com/otpgate/otpgate/provider/store"
)

// keyRefresh bounds how long a replica serves a stale key set after another
// replica rotated the keys.
const keyRefresh = 30 * time.Second

// signingKey is one RSA key pair; it serves as op.SigningKey and op.Key.
type signingKey struct {
	id        string
	private   *rsa.PrivateKey
	createdAt time.Time
	retiredAt *time.Time
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return jose.RS256 }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return jose.RS256 }
func (k *signingKey) Use() string                                 { return "sig" }
func (k *signingKey) ID() string                                  { return k.id }

// Key returns the private key when used as op.SigningKey; the public key
// set is built by publicKey below.
func (k *signingKey) Key() any { return k.private }

type publicKey struct{ *signingKey }

// Key returns the public key as a pointer, as op.Key requires for RSA.
func (k publicKey) Key() any { return &k.private.PublicKey }

// KeyInfo describes a signing key for the admin CLI.
type KeyInfo struct {
	ID        string
	Algorithm string
	CreatedAt time.Time
	RetiredAt *time.Time
	Published bool
}

// Sealer encrypts the private keys at rest (credential.Sealer); Open fails
// with credential.ErrWrongKey when the encryption key differs.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(sealed, ad []byte) ([]byte, error)
}

// Keys loads, creates and rotates signing keys kept encrypted in the store.
type Keys struct {
	store *store.Store
	seal  Sealer
	// publishFor is how long a retired key stays in the key set: longer
	// than any token signed with it can live.
	publishFor time.Duration
	// Activation is how long a new key is published before it signs, so
	// relying parties that cache the key set (commonly for a minute) know
	// it before they meet it. The first key signs at once.
	Activation time.Duration

	mu       sync.Mutex
	loadedAt time.Time
	all      []*signingKey // newest first
}

// NewKeys returns a key manager.
func NewKeys(st *store.Store, seal Sealer, publishFor time.Duration) *Keys {
	return &Keys{store: st, seal: seal, publishFor: publishFor}
}

// EnsureKey loads the keys and creates the first one when there is none.
// It fails with credential.ErrWrongKey when the stored keys were encrypted with
// another encryption key.
func (k *Keys) EnsureKey(ctx context.Context) error {
	if err := k.reload(ctx); err != nil {
		return err
	}
	k.mu.Lock()
	have := len(k.all) > 0
	k.mu.Unlock()
	if have {
		return nil
	}
	// Replicas starting together on an empty database race here: one key
	// is stored, and every replica then loads that one.
	row, err := k.newKey()
	if err != nil {
		return err
	}
	if _, err := k.store.AddFirstSigningKey(ctx, row); err != nil {
		return err
	}
	return k.reload(ctx)
}

// Rotate creates a new active key; older keys stay published until their
// tokens have expired.
func (k *Keys) Rotate(ctx context.Context) (string, error) {
	row, err := k.newKey()
	if err != nil {
		return "", err
	}
	if err := k.store.AddSigningKey(ctx, row); err != nil {
		return "", err
	}
	return row.ID, k.reload(ctx)
}

// newKey generates a signing key, sealed for storage.
func (k *Keys) newKey() (*store.SigningKey, error) {
	priv, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("generate signing key: %w", err)
	}
	id := rand.Text()[:16]
	return &store.SigningKey{
		ID:         id,
		Algorithm:  string(jose.RS256),
		PrivateKey: k.seal.Seal(x509.MarshalPKCS1PrivateKey(priv), SigningKeyAD(id)),
		CreatedAt:  k.store.Now(),
	}, nil
}

// Prune deletes the keys retired so long ago that no token signed with
// them can still be valid (they are no longer published either).
func (k *Keys) Prune(ctx context.Context) error {
	return k.store.DeleteSigningKeysRetiredBefore(ctx, k.store.Now().Add(-k.publishFor))
}

// List describes every stored key.
func (k *Keys) List(ctx context.Context) ([]KeyInfo, error) {
	rows, err := k.store.SigningKeys(ctx)
	if err != nil {
		return nil, err
	}
	now := k.store.Now()
	out := make([]KeyInfo, 0, len(rows))
	for _, r := range rows {
		out = append(out, KeyInfo{ID: r.ID, Algorithm: r.Algorithm, CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt,
			Published: r.RetiredAt == nil || r.RetiredAt.Add(k.publishFor).After(now)})
	}
	return out, nil
}

func (k *Keys) reload(ctx context.Context) error {
	rows, err := k.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	var all []*signingKey
	for _, r := range rows {
		der, err := k.seal.Open(r.PrivateKey, SigningKeyAD(r.ID))
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.ID, err)
		}
		priv, err := x509.ParsePKCS1PrivateKey(der)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.ID, err)
		}
		all = append(all, &signingKey{id: r.ID, private: priv, createdAt: r.CreatedAt, retiredAt: r.RetiredAt})
	}
	k.mu.Lock()
	k.all, k.loadedAt = all, time.Now()
	k.mu.Unlock()
	return nil
}

// activeKey is the key that signs now: the newest one published for at
// least Activation, or, when every key is younger (the first key ever, or
// rotations in quick succession), the one published longest. keys are
// newest first.
func (k *Keys) activeKey(keys []*signingKey) *signingKey {
	if len(keys) == 0 {
		return nil
	}
	cutoff := k.store.Now().Add(-k.Activation)
	for _, sk := range keys {
		if !sk.createdAt.After(cutoff) {
			return sk
		}
	}
	return keys[len(keys)-1]
}

func (k *Keys) current(ctx context.Context) (*signingKey, []*signingKey, error) {
	k.mu.Lock()
	stale := time.Since(k.loadedAt) > keyRefresh
	k.mu.Unlock()
	if stale {
		if err := k.reload(ctx); err != nil {
			k.mu.Lock()
			cached := len(k.all) > 0
			k.mu.Unlock()
			if !cached {
				return nil, nil, err
			}
			// Keep signing with the keys already loaded: a database hiccup
			// must not fail a token response whose tokens are committed.
			slog.WarnContext(ctx, "signing keys not reloaded; using the cached set", "err", err)
		}
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	active := k.activeKey(k.all)
	if active == nil {
		return nil, nil, errors.New("no active signing key")
	}
	return active, k.all, nil
}

// signing returns the active key.
func (k *Keys) signing(ctx context.Context) (op.SigningKey, error) {
	active, _, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	return active, nil
}

// published returns the public keys that verify live tokens.
func (k *Keys) published(ctx context.Context) ([]op.Key, error) {
	_, all, err := k.current(ctx)
	if err != nil {
		return nil, err
	}
	now := k.store.Now()
	var out []op.Key
	for _, sk := range all {
		if sk.retiredAt == nil || sk.retiredAt.Add(k.publishFor).After(now) {
			out = append(out, publicKey{sk})
		}
	}
	return out, nil
}

// SigningKeyAD is the associated data of a signing key's sealed private key.
func SigningKeyAD(id string) []byte { return []byte("signing-key:" + id) }
