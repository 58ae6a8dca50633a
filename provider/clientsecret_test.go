package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// TestClientSecretUpgradedOnUse: a strong client secret stored with
// argon2id (before the fast form existed) works, and its first use stores
// it again as SHA-256, after which a token request hashes nothing slowly.
// A weak secret an administrator chose keeps argon2id, and after one match
// is checked from the verified-secret cache. Wrong secrets fail either way.
func TestClientSecretUpgradedOnUse(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	strong := credential.NewToken()
	for id, secret := range map[string]string{"strong": strong, "weak": appSecret} {
		err := h.store.CreateClient(context.Background(), &store.Client{ID: id, Name: id, SecretHash: h.hasher.Hash(secret),
			RedirectURIs: store.StringList{rpRedirect}, PostLogoutRedirectURIs: store.StringList{}})
		if err != nil {
			t.Fatal(err)
		}
	}
	h.addUser("erin", erinPW, "Rex")
	storedHash := func(id string) string {
		c, err := h.store.ClientByID(context.Background(), id)
		if err != nil {
			t.Fatal(err)
		}
		return c.SecretHash
	}
	refreshFor := func(id, secret string) string {
		nonce := "n-" + id
		app := h.relyingParty(id, secret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
		code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
		before := h.hasher.Computations()
		tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
		if err != nil || tokens.RefreshToken == "" {
			t.Fatalf("%s: code exchange: %v", id, err)
		}
		if n := h.hasher.Computations() - before; n != 1 {
			t.Errorf("%s: the first token request ran argon2id %d times, want 1", id, n)
		}
		return tokens.RefreshToken
	}
	refresh := func(id, secret, token string) (int, string) {
		before := h.hasher.Computations()
		status, body := h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}, id, secret)
		if n := h.hasher.Computations() - before; status == http.StatusOK && n != 0 {
			t.Errorf("%s: a later token request ran argon2id %d times, want 0", id, n)
		}
		next, _ := body["refresh_token"].(string)
		return status, next
	}

	token := refreshFor("strong", strong)
	if got := storedHash("strong"); !credential.FastClientSecretHash(got) {
		t.Errorf("after its first use the strong secret is stored as %.12q…, want the fast form", got)
	}
	if status, _ := refresh("strong", "wrong-"+strong, token); status != http.StatusUnauthorized {
		t.Errorf("a wrong secret after the upgrade: %d, want 401", status)
	}
	if status, next := refresh("strong", strong, token); status != http.StatusOK || next == "" {
		t.Errorf("refresh after the upgrade: %d", status)
	}

	token = refreshFor("weak", appSecret)
	if got := storedHash("weak"); !strings.HasPrefix(got, "$argon2id$") {
		t.Errorf("a weak secret is stored as %.12q…, want argon2id kept", got)
	}
	if status, _ := refresh("weak", appSecret+"x", token); status != http.StatusUnauthorized {
		t.Errorf("a wrong secret: %d, want 401", status)
	}
	if status, next := refresh("weak", appSecret, token); status != http.StatusOK || next == "" {
		t.Errorf("refresh with the remembered secret: %d", status)
	}
}

// TestClientChangesReachOtherReplicas: each replica keeps the client rows
// it read for 3 seconds; a change made on one replica is seen there at
// once and on every other within those seconds: a removed redirect URI is
// refused and a rotated secret stops working.
func TestClientChangesReachOtherReplicas(t *testing.T) {
	t.Parallel()
	a, b := twoServers(t)
	secret := credential.NewToken()
	a.addClient("app", secret)
	a.addUser("erin", erinPW, "Rex")
	nonce := "n"
	viaA := a.relyingParty("app", secret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	viaB := b.relyingParty("app", secret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code := newBrowser(t).signIn(authURL(viaB, nonce, ""), "erin", erinPW, "rex").code(t)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, viaB)
	if err != nil {
		t.Fatal(err)
	}

	// Replica a rotates the secret and replaces the redirect URIs.
	rotated := credential.NewToken()
	hash := a.hasher.HashClientSecret(rotated)
	uris := store.StringList{"https://" + rpHost + "/elsewhere"}
	if err := a.store.UpdateClient(context.Background(), "app", store.ClientUpdate{SecretHash: &hash, RedirectURIs: &uris}); err != nil {
		t.Fatal(err)
	}
	if p := newBrowser(t).get(authURL(viaA, nonce, "")); p.Step() != "error" {
		t.Fatalf("the replica that made the change still accepts the removed redirect URI: step %q", p.Step())
	}
	refresh := func(h *harness, secret string) int {
		status, _ := h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}}, "app", secret)
		return status
	}
	if status := refresh(a, secret); status != http.StatusUnauthorized {
		t.Fatalf("the old secret on the replica that rotated it: %d, want 401", status)
	}

	a.clock.Advance(3 * time.Second) // the replicas share the clock
	if p := newBrowser(t).get(authURL(viaB, nonce, "")); p.Step() != "error" {
		t.Fatalf("3 s after the change the other replica still accepts the removed redirect URI: step %q", p.Step())
	}
	if status := refresh(b, secret); status != http.StatusUnauthorized {
		t.Fatalf("3 s after the rotation the other replica still accepts the old secret: %d", status)
	}
	if status := refresh(b, rotated); status != http.StatusOK {
		t.Fatalf("the rotated secret on the other replica: %d", status)
	}
}
