package protocol

import (
	"context"
	"crypto"
	"crypto/rand"
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
// replica (or the CLI) rotated the keys.
const keyRefresh = 30 * time.Second

// signingKey is one key pair; it serves as op.SigningKey and op.Key.
type signingKey struct {
	id        string
	alg       jose.SignatureAlgorithm
	private   crypto.Signer
	createdAt time.Time
	retiredAt *time.Time
	// cert is the key's self-signed certificate, published as x5c and
	// x5t; nil for a key an earlier release stored until EnsureKey gives
	// it one.
	cert *x509.Certificate
}

func (k *signingKey) SignatureAlgorithm() jose.SignatureAlgorithm { return k.alg }
func (k *signingKey) Algorithm() jose.SignatureAlgorithm          { return k.alg }
func (k *signingKey) Use() string                                 { return "sig" }
func (k *signingKey) ID() string                                  { return k.id }

// Key returns the private key when used as op.SigningKey (*rsa.PrivateKey,
// *ecdsa.PrivateKey or ed25519.PrivateKey); the public key set is built by
// publicKey below.
func (k *signingKey) Key() any { return k.private }

type publicKey struct{ *signingKey }

// Key returns the public key as op.Key requires: *rsa.PublicKey,
// *ecdsa.PublicKey, or ed25519.PublicKey (a value).
func (k publicKey) Key() any { return k.private.Public() }

// KeyInfo describes a signing key for the administrator (public facts
// only).
type KeyInfo struct {
	ID        string
	Algorithm string
	CreatedAt time.Time
	RetiredAt *time.Time
	Published bool
	// Signing is true for the key of its algorithm that signs now.
	Signing bool
	// SignsFrom is when a key newer than the signing one starts signing
	// (its creation plus the activation delay); nil for the others.
	SignsFrom *time.Time
}

// Sealer encrypts the private keys at rest (credential.Sealer); Open fails
// with credential.ErrWrongKey when the encryption key differs.
type Sealer interface {
	Seal(plaintext, ad []byte) []byte
	Open(sealed, ad []byte) ([]byte, error)
}

// Keys loads, creates and rotates signing keys kept encrypted in the
// store: one current key per algorithm of SigningAlgorithms.
type Keys struct {
	store *store.Store
	seal  Sealer
	// publishFor is how long a retired key stays in the key set: longer
	// than any token signed with it can live.
	publishFor time.Duration
	// Activation is how long a new key is published before it signs, so
	// relying parties that cache the key set (commonly for a minute, Entra
	// ID for about a day) know it before they meet it. The first key of an
	// algorithm signs at once.
	Activation time.Duration
	// Reload is how often the key set is read again, so that a rotation
	// by another replica or the CLI is seen; NewKeys sets keyRefresh.
	Reload time.Duration

	// reloading serialises reads of the key set, so that a slow read never
	// replaces the set a later one loaded (a rotation's own reload).
	reloading sync.Mutex
	mu        sync.Mutex
	loadedAt  time.Time
	all       []*signingKey // newest first
	jwks      encodedKeySet
}

// NewKeys returns a key manager.
func NewKeys(st *store.Store, seal Sealer, publishFor time.Duration) *Keys {
	return &Keys{store: st, seal: seal, publishFor: publishFor, Reload: keyRefresh}
}

// EnsureKey loads the keys, gives a certificate to every key that has
// none (one an earlier release stored), and creates the first key of every
// algorithm that has none (a new database, or one the releases before
// ES256 and EdDSA wrote). It fails with credential.ErrWrongKey when the
// stored keys were encrypted with another encryption key.
func (k *Keys) EnsureKey(ctx context.Context) error {
	if err := k.reload(ctx); err != nil {
		return err
	}
	k.mu.Lock()
	have := map[jose.SignatureAlgorithm]bool{}
	var uncertified []*signingKey
	for _, sk := range k.all {
		have[sk.alg] = true
		if sk.cert == nil {
			uncertified = append(uncertified, sk)
		}
	}
	k.mu.Unlock()
	changed := len(uncertified) > 0
	for _, sk := range uncertified {
		// Replicas starting together race here too: the first certificate
		// stored is kept, and every replica then loads that one.
		cert, err := newCertificate(sk.id, sk.private, sk.createdAt)
		if err != nil {
			return err
		}
		if _, err := k.store.SetSigningKeyCertificate(ctx, sk.id, cert); err != nil {
			return err
		}
	}
	for _, alg := range SigningAlgorithms {
		if have[alg] {
			continue
		}
		// Replicas starting together race here: one key per algorithm is
		// stored, and every replica then loads that one.
		row, err := k.newKey(alg)
		if err != nil {
			return err
		}
		if _, err := k.store.AddFirstSigningKey(ctx, row); err != nil {
			return err
		}
		changed = true
	}
	if !changed {
		return nil
	}
	return k.reload(ctx)
}

// Load reads and decrypts the stored keys without creating any, nor any
// certificate (a key an earlier release stored is published without x5c
// until EnsureKey gives it one). It fails with credential.ErrWrongKey when
// they were encrypted with another encryption key.
func (k *Keys) Load(ctx context.Context) error { return k.reload(ctx) }

// Rotate creates a new key for every algorithm, each published at once and
// signing after Activation; older keys stay published until their tokens
// have expired. It returns the new keys, in the order of SigningAlgorithms.
func (k *Keys) Rotate(ctx context.Context) ([]KeyInfo, error) {
	rows := make([]*store.SigningKey, 0, len(SigningAlgorithms))
	for _, alg := range SigningAlgorithms {
		row, err := k.newKey(alg)
		if err != nil {
			return nil, err
		}
		rows = append(rows, row)
	}
	if err := k.store.AddSigningKeys(ctx, rows...); err != nil {
		return nil, err
	}
	out := make([]KeyInfo, len(rows))
	for i, r := range rows {
		out[i] = KeyInfo{ID: r.ID, Algorithm: r.Algorithm, CreatedAt: r.CreatedAt, Published: true}
	}
	return out, k.reload(ctx)
}

// newKey generates a signing key of alg, sealed for storage, with its
// certificate.
func (k *Keys) newKey(alg jose.SignatureAlgorithm) (*store.SigningKey, error) {
	kind := keyKinds[alg]
	priv, err := kind.generate()
	if err != nil {
		return nil, fmt.Errorf("generate %s signing key: %w", alg, err)
	}
	der, err := kind.marshal(priv)
	if err != nil {
		return nil, fmt.Errorf("encode %s signing key: %w", alg, err)
	}
	// rand.Text is base32: the id is also base64url-safe, as Entra asks.
	id := rand.Text()[:16]
	now := k.store.Now()
	cert, err := newCertificate(id, priv, now)
	if err != nil {
		return nil, err
	}
	return &store.SigningKey{
		ID:          id,
		Algorithm:   string(alg),
		PrivateKey:  k.seal.Seal(der, SigningKeyAD(id)),
		CreatedAt:   now,
		Certificate: cert,
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
	cutoff := now.Add(-k.Activation)
	// The signing key of each algorithm, by activeKey's rule over the rows
	// (newest first): the newest published for Activation, else the oldest.
	signing := map[string]string{}
	for _, r := range rows {
		if _, ok := signing[r.Algorithm]; ok {
			continue
		}
		if !r.CreatedAt.After(cutoff) {
			signing[r.Algorithm] = r.ID
		}
	}
	for i := len(rows) - 1; i >= 0; i-- {
		if _, ok := signing[rows[i].Algorithm]; !ok {
			signing[rows[i].Algorithm] = rows[i].ID
		}
	}
	out := make([]KeyInfo, 0, len(rows))
	for _, r := range rows {
		info := KeyInfo{ID: r.ID, Algorithm: r.Algorithm, CreatedAt: r.CreatedAt, RetiredAt: r.RetiredAt,
			Published: k.isPublished(r.RetiredAt, now), Signing: signing[r.Algorithm] == r.ID}
		if !info.Signing && r.RetiredAt == nil {
			from := r.CreatedAt.Add(k.Activation)
			info.SignsFrom = &from
		}
		out = append(out, info)
	}
	return out, nil
}

// isPublished is the publication rule: a key is in the key set while it is
// active and for publishFor after it was retired.
func (k *Keys) isPublished(retiredAt *time.Time, now time.Time) bool {
	return retiredAt == nil || retiredAt.Add(k.publishFor).After(now)
}

// reload reads the key set and makes it the one used.
func (k *Keys) reload(ctx context.Context) error {
	k.reloading.Lock()
	defer k.reloading.Unlock()
	return k.reloadLocked(ctx)
}

// reloadLocked is reload; the caller holds k.reloading.
func (k *Keys) reloadLocked(ctx context.Context) error {
	rows, err := k.store.SigningKeys(ctx)
	if err != nil {
		return err
	}
	var all []*signingKey
	for _, r := range rows {
		sk, err := k.open(r)
		if err != nil {
			return fmt.Errorf("signing key %s: %w", r.ID, err)
		}
		all = append(all, sk)
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	k.all, k.loadedAt = all, time.Now()
	return k.encodeJWKS(k.store.Now())
}

// open decrypts and parses one stored key.
func (k *Keys) open(r store.SigningKey) (*signingKey, error) {
	alg := jose.SignatureAlgorithm(r.Algorithm)
	kind, ok := keyKinds[alg]
	if !ok {
		return nil, fmt.Errorf("%w %q", ErrUnknownAlgorithm, r.Algorithm)
	}
	der, err := k.seal.Open(r.PrivateKey, SigningKeyAD(r.ID))
	if err != nil {
		return nil, err
	}
	priv, err := kind.parse(der)
	if err != nil {
		return nil, fmt.Errorf("%s key: %w", alg, err)
	}
	sk := &signingKey{id: r.ID, alg: alg, private: priv, createdAt: r.CreatedAt, retiredAt: r.RetiredAt}
	if r.Certificate != "" {
		if sk.cert, err = parseCertificate(r.Certificate, priv.Public()); err != nil {
			return nil, err
		}
	}
	return sk, nil
}

// activeKey is the key of alg that signs now: the newest one published for
// at least Activation, or, when every key of alg is younger (its first key,
// or rotations in quick succession), the one published longest. keys are
// newest first; the caller holds k.mu.
func (k *Keys) activeKey(keys []*signingKey, alg jose.SignatureAlgorithm) *signingKey {
	cutoff := k.store.Now().Add(-k.Activation)
	var oldest *signingKey
	for _, sk := range keys {
		if sk.alg != alg {
			continue
		}
		if !sk.createdAt.After(cutoff) {
			return sk
		}
		oldest = sk
	}
	return oldest
}

// refresh reads the key set again when the one loaded is older than
// Reload, so that a rotation on another replica is seen. One request
// reads; the others meanwhile use the keys already loaded. A failure to
// read keeps the keys already loaded, if any.
func (k *Keys) refresh(ctx context.Context) error {
	if !k.stale() {
		return nil
	}
	if !k.reloading.TryLock() {
		if k.loaded() {
			return nil
		}
		k.reloading.Lock()
	}
	defer k.reloading.Unlock()
	if !k.stale() {
		return nil // read while this request waited
	}
	err := k.reloadLocked(ctx)
	if err == nil || !k.loaded() {
		return err
	}
	// Keep signing with the keys already loaded: a database hiccup must
	// not fail a token response whose tokens are committed.
	slog.WarnContext(ctx, "signing keys not reloaded; using the cached set", "err", err)
	return nil
}

// stale reports whether the loaded key set is older than Reload.
func (k *Keys) stale() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return time.Since(k.loadedAt) > k.Reload
}

// loaded reports whether a key set is loaded.
func (k *Keys) loaded() bool {
	k.mu.Lock()
	defer k.mu.Unlock()
	return len(k.all) > 0
}

// signing returns the active key of alg.
func (k *Keys) signing(ctx context.Context, alg jose.SignatureAlgorithm) (op.SigningKey, error) {
	if err := k.refresh(ctx); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	active := k.activeKey(k.all, alg)
	if active == nil {
		return nil, fmt.Errorf("no active %s signing key", alg)
	}
	return active, nil
}

// published returns the public keys that verify live tokens.
func (k *Keys) published(ctx context.Context) ([]op.Key, error) {
	if err := k.refresh(ctx); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	now := k.store.Now()
	var out []op.Key
	for _, sk := range k.all {
		if k.isPublished(sk.retiredAt, now) {
			out = append(out, publicKey{sk})
		}
	}
	if len(out) == 0 {
		return nil, errors.New("no signing key")
	}
	return out, nil
}

// SigningKeyAD is the associated data of a signing key's sealed private key.
func SigningKeyAD(id string) []byte { return []byte("signing-key:" + id) }
