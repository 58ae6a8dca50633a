package protocol

import (
	"context"
	"crypto/sha1"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"time"

	jose "github.com/go-jose/go-jose/v4"
)

// encodedKeySet is the published key set as served at /keys, encoded once
// per change of the set rather than per request.
type encodedKeySet struct {
	body []byte
	// ids are the key ids in body, in order: the set's identity.
	ids []string
	// until is when a retired key in body leaves the set (zero: none will).
	until time.Time
}

// JWKS returns the published key set as JSON, encoded when the set last
// changed (a rotation seen by the periodic reload, or a retired key leaving
// it), not per call. The bytes are shared: callers must not change them.
func (k *Keys) JWKS(ctx context.Context) ([]byte, error) {
	if err := k.refresh(ctx); err != nil {
		return nil, err
	}
	k.mu.Lock()
	defer k.mu.Unlock()
	if now := k.store.Now(); k.jwks.expired(now) {
		if err := k.encodeJWKS(now); err != nil {
			return nil, err
		}
	}
	if k.jwks.body == nil {
		return nil, errors.New("no signing key")
	}
	return k.jwks.body, nil
}

// expired reports whether the set must be worked out again at now: never
// encoded, or a retired key in it has reached the end of its publication.
func (e *encodedKeySet) expired(now time.Time) bool {
	return e.body == nil || !e.until.IsZero() && !now.Before(e.until)
}

// encodeJWKS works out the keys published at now and encodes them when
// they differ from the ones encoded last. The caller holds k.mu.
func (k *Keys) encodeJWKS(now time.Time) error {
	var published []*signingKey
	var ids []string
	var until time.Time
	for _, sk := range k.all {
		if !k.isPublished(sk.retiredAt, now) {
			continue
		}
		published, ids = append(published, sk), append(ids, sk.id)
		if sk.retiredAt != nil {
			if leaves := sk.retiredAt.Add(k.publishFor); until.IsZero() || leaves.Before(until) {
				until = leaves
			}
		}
	}
	k.jwks.until = until
	if k.jwks.body != nil && slices.Equal(ids, k.jwks.ids) {
		return nil
	}
	if len(published) == 0 {
		k.jwks = encodedKeySet{}
		return nil
	}
	body, err := encodeKeySet(published)
	if err != nil {
		return err
	}
	k.jwks = encodedKeySet{body: body, ids: ids, until: until}
	return nil
}

// encodeKeySet encodes the public keys as zitadel's op.Keys handler does
// (the same members, and json.Encoder's trailing newline), each with its
// certificate: x5c (standard base64 DER) and x5t (base64url SHA-1
// thumbprint of the DER), which Entra ID requires (RFC 7517 §4.7, §4.8).
func encodeKeySet(keys []*signingKey) ([]byte, error) {
	set := jose.JSONWebKeySet{Keys: make([]jose.JSONWebKey, len(keys))}
	for i, sk := range keys {
		pub := publicKey{sk}
		set.Keys[i] = jose.JSONWebKey{KeyID: pub.ID(), Algorithm: string(pub.Algorithm()), Use: pub.Use(), Key: pub.Key()}
		if sk.cert != nil {
			thumbprint := sha1.Sum(sk.cert.Raw)
			set.Keys[i].Certificates = []*x509.Certificate{sk.cert}
			set.Keys[i].CertificateThumbprintSHA1 = thumbprint[:]
		}
	}
	body, err := json.Marshal(&set)
	if err != nil {
		return nil, fmt.Errorf("encode the key set: %w", err)
	}
	return append(body, '\n'), nil
}
