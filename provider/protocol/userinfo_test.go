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
