package protocol

import (
	"testing"

	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/store"
)

// TestEmailClaims: the email scope gives the address and email_verified
// (addresses are entered by administrators); an account without an
// address gets neither, and without the scope nothing of it is given.
func TestEmailClaims(t *testing.T) {
	with := &store.User{ID: "u1", Username: "ann", Email: "ann@example.com"}
	without := &store.User{ID: "u2", Username: "bo"}
	for _, tc := range []struct {
		name     string
		u        *store.User
		scopes   []string
		email    string
		verified bool
	}{
		{"email scope", with, []string{oidc.ScopeOpenID, oidc.ScopeEmail}, "ann@example.com", true},
		{"no address", without, []string{oidc.ScopeOpenID, oidc.ScopeEmail}, "", false},
		{"no email scope", with, []string{oidc.ScopeOpenID, oidc.ScopeProfile}, "", false},
	} {
		var info oidc.UserInfo
		fillUserinfo(&info, tc.u, tc.scopes)
		if info.Email != tc.email || bool(info.EmailVerified) != tc.verified {
			t.Errorf("%s: email %q verified %v, want %q %v", tc.name, info.Email, info.EmailVerified, tc.email, tc.verified)
		}
	}
}

// TestProfileClaims: the profile scope always gives name (the display
// name, else the username: Dex's OIDC connector refuses a profile without
// it), given_name and family_name only when known; without the scope none
// of them is given.
func TestProfileClaims(t *testing.T) {
	full := &store.User{ID: "u1", Username: "ada", Name: "Ada Lovelace", GivenName: "Ada", FamilyName: "Lovelace"}
	bare := &store.User{ID: "u2", Username: "bo"}
	profile := []string{oidc.ScopeOpenID, oidc.ScopeProfile}
	for _, tc := range []struct {
		name                string
		u                   *store.User
		scopes              []string
		want, given, family string
	}{
		{"display name and its parts", full, profile, "Ada Lovelace", "Ada", "Lovelace"},
		{"no display name", bare, profile, "bo", "", ""},
		{"no profile scope", full, []string{oidc.ScopeOpenID, oidc.ScopeEmail}, "", "", ""},
	} {
		var info oidc.UserInfo
		fillUserinfo(&info, tc.u, tc.scopes)
		if info.Name != tc.want || info.GivenName != tc.given || info.FamilyName != tc.family {
			t.Errorf("%s: name %q given %q family %q, want %q %q %q", tc.name, info.Name, info.GivenName, info.FamilyName,
				tc.want, tc.given, tc.family)
		}
	}
}
