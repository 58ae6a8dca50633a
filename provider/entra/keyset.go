package entra

import (
	"context"
	"crypto/rsa"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"

	jose "github.com/go-jose/go-jose/v4"
)

// minRSABits is the smallest RSA key accepted; Entra's are 2048 bits.
const minRSABits = 2048

// fetch gets tenant tid's key set from {base}/{tid}/discovery/v2.0/keys
// within the fetch timeout and the size bound, and returns its usable
// keys: RSA, for signatures (use "sig" or none), at least 2048 bits, with
// a kid. Keys it cannot parse are skipped. Every error wraps
// ErrUnavailable, including an answer without a usable key.
func (a *Authority) fetch(ctx context.Context, tid string) (map[string]*rsa.PublicKey, error) {
	ctx, cancel := context.WithTimeout(ctx, a.fetchTimeout)
	defer cancel()
	keysURL := a.base + "/" + tid + "/discovery/v2.0/keys"
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, keysURL, nil)
	if err != nil {
		return nil, fmt.Errorf("%w: %w", ErrUnavailable, err)
	}
	req.Header.Set("Accept", "application/json")
	resp, err := a.client.Do(req)
	if err != nil {
		return nil, fmt.Errorf("%w: fetch keys of tenant %s: %w", ErrUnavailable, tid, err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("%w: fetch keys of tenant %s: status %d", ErrUnavailable, tid, resp.StatusCode)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, a.maxBytes+1))
	if err != nil {
		return nil, fmt.Errorf("%w: read keys of tenant %s: %w", ErrUnavailable, tid, err)
	}
	if int64(len(body)) > a.maxBytes {
		return nil, fmt.Errorf("%w: keys of tenant %s: answer larger than %d bytes", ErrUnavailable, tid, a.maxBytes)
	}
	keys, err := parseKeySet(body)
	if err != nil {
		return nil, fmt.Errorf("%w: keys of tenant %s: %w", ErrUnavailable, tid, err)
	}
	return keys, nil
}

// parseKeySet returns the usable signing keys of a JWKS document by kid.
// Each key is parsed on its own, so that one key of a kind go-jose does
// not know does not hide the others.
func parseKeySet(body []byte) (map[string]*rsa.PublicKey, error) {
	var set struct {
		Keys []json.RawMessage `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		return nil, fmt.Errorf("not a key set: %w", err)
	}
	keys := make(map[string]*rsa.PublicKey)
	for _, raw := range set.Keys {
		var k jose.JSONWebKey
		if err := k.UnmarshalJSON(raw); err != nil {
			continue
		}
		pub, ok := k.Key.(*rsa.PublicKey)
		if !ok || k.KeyID == "" || (k.Use != "" && k.Use != "sig") || pub.N.BitLen() < minRSABits {
			continue
		}
		if k.Algorithm != "" && k.Algorithm != string(jose.RS256) {
			continue
		}
		keys[k.KeyID] = pub
	}
	if len(keys) == 0 {
		return nil, errors.New("no usable signing key")
	}
	return keys, nil
}
