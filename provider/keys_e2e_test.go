package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
)

func (h *harness) jwksKeyIDs(t *testing.T) []string {
	t.Helper()
	resp, err := http.Get(h.issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, k := range set.Keys {
		if k.Algorithm != "RS256" || k.Use != "sig" || !k.IsPublic() {
			t.Fatalf("unexpected key in JWKS: alg %q use %q public %v", k.Algorithm, k.Use, k.IsPublic())
		}
		ids = append(ids, k.KeyID)
	}
	return ids
}

func TestKeyRotationKeepsOldKeyPublished(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	before := h.jwksKeyIDs(t)
	if len(before) != 1 {
		t.Fatalf("JWKS has %d keys, want 1", len(before))
	}
	// The rotation comes later than the first key (on the frozen clock two
	// keys made at one instant would tie for newest).
	h.clock.Advance(time.Second)
	newID, err := h.server.Keys().Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := h.jwksKeyIDs(t)
	if len(after) != 2 || !slices.Contains(after, before[0]) || !slices.Contains(after, newID) {
		t.Fatalf("after rotation JWKS = %v, want old %s and new %s", after, before[0], newID)
	}
	// New tokens are signed with the new key and verify against the JWKS.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(),
		newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	sig, err := jose.ParseSigned(tokens.IDToken, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil || sig.Signatures[0].Header.KeyID != newID {
		t.Fatalf("ID token kid: %v %v, want %s", err, sig, newID)
	}
}

// TestKeysPersistAndNeedTheirEncryptionKey restarts the provider on the
// same database: with the same encryption key it serves the same signing
// key; with another key it refuses to start.
func TestKeysPersistAndNeedTheirEncryptionKey(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sameKey := func(o *provider.Options) { o.Sealer, _ = credential.NewSealer(key) }
	first := newHarnessOn(t, st, nil, sameKey).jwksKeyIDs(t)
	second := newHarnessOn(t, st, nil, sameKey).jwksKeyIDs(t)
	if !slices.Equal(first, second) {
		t.Fatalf("keys changed across restart: %v vs %v", first, second)
	}
	other := make([]byte, 32)
	_, _ = rand.Read(other)
	sealer, _ := credential.NewSealer(other)
	_, err := provider.New(context.Background(), withDefaultPolicy(provider.Options{Issuer: "http://127.0.0.1:1", Store: st, Sealer: sealer}))
	if !errors.Is(err, credential.ErrWrongKey) {
		t.Fatalf("start with another encryption key: %v, want ErrWrongKey", err)
	}
}
