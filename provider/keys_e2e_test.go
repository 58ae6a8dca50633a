package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/protocol"
	"github.com/otpgate/otpgate/provider/store"
)

// keyShape is what a relying party reads off a published key to use it.
type keyShape struct{ kty, crv string }

// wantShape is the JWK key type and curve each signing algorithm needs.
var wantShape = map[string]keyShape{"RS256": {"RSA", ""}, "ES256": {"EC", "P-256"}, "EdDSA": {"OKP", "Ed25519"}}

// publishedKey is one key of the served key set.
type publishedKey struct {
	jwk jose.JSONWebKey
	keyShape
}

// jwks fetches /keys and returns its keys in order, checking that each is
// a public signing key whose kty and crv fit its alg.
func (h *harness) jwks(t *testing.T) []publishedKey {
	t.Helper()
	resp, err := http.Get(h.issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	var set jose.JSONWebKeySet
	var raw struct {
		Keys []struct{ Kty, Crv string } `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatal(err)
	}
	if err := json.Unmarshal(body, &raw); err != nil {
		t.Fatal(err)
	}
	keys := make([]publishedKey, len(set.Keys))
	for i, k := range set.Keys {
		keys[i] = publishedKey{jwk: k, keyShape: keyShape{raw.Keys[i].Kty, raw.Keys[i].Crv}}
		want, known := wantShape[k.Algorithm]
		if !known || k.Use != "sig" || !k.IsPublic() || keys[i].keyShape != want {
			t.Fatalf("unexpected key in JWKS: alg %q use %q public %v kty %q crv %q", k.Algorithm, k.Use, k.IsPublic(), keys[i].kty, keys[i].crv)
		}
	}
	return keys
}

// jwksKeyIDs are the ids of the served keys of alg ("" for every key).
func (h *harness) jwksKeyIDs(t *testing.T, alg string) []string {
	t.Helper()
	var ids []string
	for _, k := range h.jwks(t) {
		if alg == "" || k.jwk.Algorithm == alg {
			ids = append(ids, k.jwk.KeyID)
		}
	}
	return ids
}

// wantSignedWith checks that token is signed with alg by a key of the
// served key set, verifying it independently of the relying party
// library, and returns its key id.
func (h *harness) wantSignedWith(t *testing.T, token, alg string) string {
	t.Helper()
	sig, err := jose.ParseSigned(token, []jose.SignatureAlgorithm{jose.SignatureAlgorithm(alg)})
	if err != nil {
		t.Fatalf("ID token is not a JWS signed with %s: %v", alg, err)
	}
	kid := sig.Signatures[0].Header.KeyID
	for _, k := range h.jwks(t) {
		if k.jwk.KeyID != kid {
			continue
		}
		if k.jwk.Algorithm != alg {
			t.Fatalf("ID token's key %s is published for %s, want %s", kid, k.jwk.Algorithm, alg)
		}
		if _, err := sig.Verify(k.jwk.Key); err != nil {
			t.Fatalf("ID token does not verify with its published %s key: %v", alg, err)
		}
		return kid
	}
	t.Fatalf("ID token's key %q is not published", kid)
	return ""
}

// algorithmRP is a relying party that accepts the algorithms discovery
// advertises (zitadel's rp accepts RS256 only by default).
func (h *harness) algorithmRP(t *testing.T, clientID string, nonce *string) rp.RelyingParty {
	t.Helper()
	p, err := rp.NewRelyingPartyOIDC(context.Background(), h.issuer, clientID, appSecret, rpRedirect,
		[]string{oidc.ScopeOpenID, oidc.ScopeOfflineAccess}, rp.WithSigningAlgsFromDiscovery(),
		rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return *nonce })))
	if err != nil {
		t.Fatal(err)
	}
	return p
}

// addClientSigningWith registers a confidential client whose ID tokens
// are signed with setting ("" for the default).
func (h *harness) addClientSigningWith(t *testing.T, id, setting string) {
	t.Helper()
	fixtures.AddClient(t, h.store, h.hasher, id, appSecret)
	if setting != "" {
		must(t, h.store.UpdateClient(context.Background(), id, store.ClientUpdate{IDTokenSignedResponseAlg: &setting}))
	}
}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// TestIDTokenSignedWithTheClientsAlgorithm: each client's ID tokens, from
// the code exchange and from a refresh, are signed with the algorithm it
// chose, by that algorithm's current key, which the key set publishes with
// the right alg, kty and crv; a client that chose none gets RS256.
func TestIDTokenSignedWithTheClientsAlgorithm(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	if got := h.jwks(t); len(got) != 3 {
		t.Fatalf("a new provider publishes %d keys, want one per algorithm", len(got))
	}
	for _, tc := range []struct{ client, setting, want string }{
		{"default", "", "RS256"}, {"rsa", "RS256", "RS256"}, {"ecdsa", "ES256", "ES256"}, {"eddsa", "EdDSA", "EdDSA"},
	} {
		t.Run(tc.client, func(t *testing.T) {
			h.addClientSigningWith(t, tc.client, tc.setting)
			nonce := "n-" + tc.client
			app := h.algorithmRP(t, tc.client, &nonce)
			code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
			tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
			if err != nil {
				t.Fatalf("code exchange verified by the relying party: %v", err)
			}
			if tokens.IDTokenClaims.SignatureAlg != jose.SignatureAlgorithm(tc.want) {
				t.Errorf("relying party saw %s, want %s", tokens.IDTokenClaims.SignatureAlg, tc.want)
			}
			kid := h.wantSignedWith(t, tokens.IDToken, tc.want)
			if active := h.jwksKeyIDs(t, tc.want); !slices.Equal(active, []string{kid}) {
				t.Errorf("signed by %s, the %s keys published are %v", kid, tc.want, active)
			}

			nonce = "" // a refreshed ID token carries no nonce
			refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](context.Background(), app, tokens.RefreshToken, "", "")
			if err != nil || refreshed.IDToken == "" {
				t.Fatalf("refresh verified by the relying party: %v (ID token %t)", err, refreshed != nil && refreshed.IDToken != "")
			}
			if got := h.wantSignedWith(t, refreshed.IDToken, tc.want); got != kid {
				t.Errorf("refreshed ID token signed by %s, want %s", got, kid)
			}
		})
	}
}

// TestEndSessionAcceptsHintsOfEveryAlgorithm: an id_token_hint signed with
// any algorithm otpgate signs with is verified at end_session (the
// library's default verifier refuses EdDSA), so the person returns to the
// application's registered address after confirming.
func TestEndSessionAcceptsHintsOfEveryAlgorithm(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	for _, alg := range []string{"RS256", "ES256", "EdDSA"} {
		t.Run(alg, func(t *testing.T) {
			h.addClientSigningWith(t, "app-"+alg, alg)
			nonce := "n-" + alg
			app := h.algorithmRP(t, "app-"+alg, &nonce)
			b := newBrowser(t)
			tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(),
				b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t), app)
			if err != nil {
				t.Fatal(err)
			}
			h.wantSignedWith(t, tokens.IDToken, alg)
			end, err := rp.EndSession(context.Background(), app, tokens.IDToken, fixtures.PostLogoutURI, "bye-"+alg, "", nil)
			if err != nil {
				t.Fatal(err)
			}
			p := b.get(end.String())
			if p.Step() != "logout" {
				t.Fatalf("end_session with an %s hint: step %q status %d", alg, p.Step(), p.Status)
			}
			if p = b.submit(p, nil); p.Location != fixtures.PostLogoutURI+"?state=bye-"+alg {
				t.Fatalf("after confirming a logout with an %s hint: location %q (refused hints end at /logged-out)", alg, p.Location)
			}
		})
	}
}

// TestKeyRotationRotatesEveryAlgorithm: a rotation makes a new key of
// every algorithm; the new keys sign at once (no activation delay here)
// and the served key set changes at once; the retired keys stay published
// until no token they signed can be valid, and then leave the key set.
func TestKeyRotationRotatesEveryAlgorithm(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	h.addClientSigningWith(t, "eddsa", "EdDSA")
	before := h.jwksKeyIDs(t, "")
	// The rotation comes later than the first keys (on the frozen clock two
	// keys made at one instant would tie for newest).
	h.clock.Advance(time.Second)
	rotated, err := h.server.Keys().Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	newIDs := map[string]string{}
	for _, k := range rotated {
		newIDs[k.Algorithm] = k.ID
	}
	if len(rotated) != 3 || len(newIDs) != 3 {
		t.Fatalf("Rotate made %+v, want one key per algorithm", rotated)
	}
	after := h.jwksKeyIDs(t, "")
	for _, id := range append(slices.Clone(before), newIDs["RS256"], newIDs["ES256"], newIDs["EdDSA"]) {
		if !slices.Contains(after, id) {
			t.Fatalf("after rotation JWKS = %v, want the old keys %v and the new %v", after, before, newIDs)
		}
	}
	for alg := range wantShape {
		if got := h.jwksKeyIDs(t, alg); len(got) != 2 {
			t.Errorf("%s keys published after a rotation: %v, want the new and the retired one", alg, got)
		}
	}
	// New tokens are signed with the new keys.
	for client, alg := range map[string]string{"app": "RS256", "eddsa": "EdDSA"} {
		nonce := "n-" + client
		app := h.algorithmRP(t, client, &nonce)
		tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(),
			newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t), app)
		if err != nil {
			t.Fatal(err)
		}
		if kid := h.wantSignedWith(t, tokens.IDToken, alg); kid != newIDs[alg] {
			t.Errorf("%s ID token after rotation signed by %s, want the new key %s", alg, kid, newIDs[alg])
		}
	}
	// The harness's publication period: ID token + access token lifetimes,
	// activation (none) and an hour.
	publishFor := time.Hour + 15*time.Minute + time.Hour
	h.clock.Advance(publishFor - time.Second)
	if got := h.jwksKeyIDs(t, ""); len(got) != 6 {
		t.Fatalf("a second before the end of their publication, JWKS = %v, want the 6 keys", got)
	}
	h.clock.Advance(time.Second)
	if got := h.jwksKeyIDs(t, ""); len(got) != 3 || !slices.Contains(got, newIDs["ES256"]) {
		t.Fatalf("after their publication, JWKS = %v, want only the new keys %v", got, newIDs)
	}
}

// TestKeysRotatedElsewhereAreServed: a rotation by another process (the
// CLI's keys rotate, another replica) reaches the served key set and the
// signatures with the periodic reload.
func TestKeysRotatedElsewhereAreServed(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.KeyReload = time.Nanosecond })
	before := h.jwksKeyIDs(t, "")
	h.clock.Advance(time.Second)
	// The CLI's key manager: its own instance on the same database.
	other := protocol.NewKeys(h.store, h.sealer, time.Hour)
	rotated, err := other.Rotate(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	after := h.jwksKeyIDs(t, "")
	if len(after) != len(before)+3 || !slices.Contains(after, rotated[1].ID) {
		t.Fatalf("after a rotation elsewhere JWKS = %v, want %v and the new %+v", after, before, rotated)
	}
}

// TestKeysPersistAndNeedTheirEncryptionKey restarts the provider on the
// same database: with the same encryption key it serves the same signing
// keys; with another key it refuses to start.
func TestKeysPersistAndNeedTheirEncryptionKey(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	sameKey := func(o *provider.Options) { o.Sealer, _ = credential.NewSealer(key) }
	first := newHarnessOn(t, st, nil, sameKey).jwksKeyIDs(t, "")
	second := newHarnessOn(t, st, nil, sameKey).jwksKeyIDs(t, "")
	if len(first) != 3 || !slices.Equal(first, second) {
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
