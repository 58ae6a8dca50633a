package provider_test

import (
	"context"
	"encoding/json"
	"net/http"
	"slices"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/store"
)

// TestProfileClaimsInTokens: with the profile scope the ID token, its
// refreshed successor and userinfo carry name (the display name, or the
// username when the account has none) and given_name and family_name when
// known; a refresh after an administrator renamed the account carries the
// new names; discovery lists the three claims.
func TestProfileClaimsInTokens(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	const secret = "app-secret-0123456789"
	h.addClient("app", secret)
	ada := h.addUser("ada", "adas-password-12", "rex")
	bo := h.addUser("bo", "bos-password-123", "rex")
	ctx := context.Background()
	set := func(id, name, given, family string) {
		t.Helper()
		if err := h.store.SetUserNames(ctx, id, store.UserNames{Name: &name, GivenName: &given, FamilyName: &family}); err != nil {
			t.Fatal(err)
		}
	}
	set(ada.ID, "Ada Lovelace", "Ada", "Lovelace")
	set(bo.ID, "", "", "")

	for _, tc := range []struct {
		user, pw                  string
		id                        string
		name, given, family       string
		renamed, renamedGiven     string
		renamedFamily, renamedVia string
	}{
		{"ada", "adas-password-12", ada.ID, "Ada Lovelace", "Ada", "Lovelace", "Ada King", "Ada", "King", "family name changed"},
		{"bo", "bos-password-123", bo.ID, "bo", "", "", "Bo Berg", "", "", "display name set"},
	} {
		t.Run(tc.user, func(t *testing.T) {
			nonce := "n-" + tc.user
			app := h.relyingParty("app", secret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess)
			code := newBrowser(t).signIn(authURL(app, nonce, ""), tc.user, tc.pw, "rex").code(t)
			tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, app)
			if err != nil {
				t.Fatalf("code exchange: %v", err)
			}
			c := tokens.IDTokenClaims
			if c.Name != tc.name || c.GivenName != tc.given || c.FamilyName != tc.family || c.PreferredUsername != tc.user {
				t.Errorf("ID token: name %q given %q family %q preferred_username %q; want %q %q %q %q",
					c.Name, c.GivenName, c.FamilyName, c.PreferredUsername, tc.name, tc.given, tc.family, tc.user)
			}
			info, err := rp.Userinfo[*oidc.UserInfo](ctx, tokens.AccessToken, "Bearer", c.Subject, app)
			if err != nil || info.Name != tc.name || info.GivenName != tc.given || info.FamilyName != tc.family {
				t.Errorf("userinfo: %v name %q given %q family %q; want %q %q %q", err, info.Name, info.GivenName, info.FamilyName,
					tc.name, tc.given, tc.family)
			}

			set(tc.id, tc.renamed, tc.renamedGiven, tc.renamedFamily)
			nonce = "" // a refreshed ID token carries no nonce
			refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, app, tokens.RefreshToken, "", "")
			if err != nil {
				t.Fatalf("refresh: %v", err)
			}
			if r := refreshed.IDTokenClaims; r.Name != tc.renamed || r.GivenName != tc.renamedGiven || r.FamilyName != tc.renamedFamily {
				t.Errorf("refreshed ID token after %s: name %q given %q family %q; want %q %q %q", tc.renamedVia,
					r.Name, r.GivenName, r.FamilyName, tc.renamed, tc.renamedGiven, tc.renamedFamily)
			}
		})
	}

	resp, err := http.Get(h.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d oidc.DiscoveryConfiguration
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	for _, claim := range []string{"name", "given_name", "family_name", "preferred_username"} {
		if !slices.Contains(d.ClaimsSupported, claim) {
			t.Errorf("discovery's claims_supported %v lacks %s", d.ClaimsSupported, claim)
		}
	}
}
