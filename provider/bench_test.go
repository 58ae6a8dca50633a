package provider_test

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// BenchmarkSignIn measures one full sign-in as a relying party sees it:
// authorize, password, security question, and the code exchange with ID
// token verification, on SQLite with the production argon2id parameters
// (credential.OWASP). Run: go test -run '^$' -bench SignIn ./provider/
func BenchmarkSignIn(b *testing.B) {
	owasp := credential.NewHasher(credential.OWASP)
	h := newHarness(b, func(o *provider.Options) { o.Hasher = owasp })
	h.hasher = owasp
	h.addClient("app", appSecret)
	h.addUser("bench", "bench-password-1", "answer")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b.ReportMetric(float64(credential.OWASP.Memory), "argon2-KiB")
	b.ResetTimer()
	for i := 0; b.Loop(); i++ {
		nonce = fmt.Sprint("n", i)
		p := newBrowser(b).signIn(authURL(app, nonce, ""), "bench", "bench-password-1", "answer")
		if _, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(b), app); err != nil {
			b.Fatal(err)
		}
	}
}

// benchTokens signs an account in once and returns the harness, the
// client's secret and the first token response (with a refresh token).
// The client signs its ID tokens with alg ("" for the default, RS256).
func benchTokens(b *testing.B, alg string) (*harness, string, *oidc.Tokens[*oidc.IDTokenClaims]) {
	h := newHarness(b)
	secret := credential.NewToken()
	h.addClient("app", secret)
	if alg != "" {
		if err := h.store.UpdateClient(context.Background(), "app", store.ClientUpdate{IDTokenSignedResponseAlg: &alg}); err != nil {
			b.Fatal(err)
		}
	}
	h.addUser("bench", "bench-password-1", "answer")
	nonce := "n"
	app := h.relyingParty("app", secret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess)
	p := newBrowser(b).signIn(authURL(app, nonce, ""), "bench", "bench-password-1", "answer")
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(b), app)
	if err != nil || tokens.RefreshToken == "" {
		b.Fatalf("code exchange: %v", err)
	}
	return h, secret, tokens
}

// BenchmarkRefresh measures one refresh grant (client authentication,
// rotation, a new ID token signed with the default RS256, or ES256), the
// HTTP round trip on loopback included. Run: go test -run '^$' -bench Refresh ./provider/
func BenchmarkRefresh(b *testing.B) {
	for _, alg := range []string{"RS256", "ES256"} {
		b.Run(alg, func(b *testing.B) { benchRefresh(b, alg) })
	}
}

func benchRefresh(b *testing.B, alg string) {
	h, secret, tokens := benchTokens(b, alg)
	token := tokens.RefreshToken
	client := &http.Client{}
	b.ResetTimer()
	for b.Loop() {
		form := url.Values{"grant_type": {"refresh_token"}, "refresh_token": {token}}
		req, _ := http.NewRequest(http.MethodPost, h.issuer+"/oauth/token", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("app", secret)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		var out struct {
			RefreshToken string `json:"refresh_token"`
		}
		err = json.NewDecoder(resp.Body).Decode(&out)
		resp.Body.Close()
		if err != nil || resp.StatusCode != http.StatusOK || out.RefreshToken == "" {
			b.Fatalf("refresh: %d %v", resp.StatusCode, err)
		}
		token = out.RefreshToken
	}
}

// BenchmarkUserinfo measures one userinfo request with a bearer token.
// Run: go test -run '^$' -bench Userinfo ./provider/
func BenchmarkUserinfo(b *testing.B) {
	h, _, tokens := benchTokens(b, "")
	client := &http.Client{}
	b.ResetTimer()
	for b.Loop() {
		req, _ := http.NewRequest(http.MethodGet, h.issuer+"/userinfo", nil)
		req.Header.Set("Authorization", "Bearer "+tokens.AccessToken)
		resp, err := client.Do(req)
		if err != nil {
			b.Fatal(err)
		}
		_, _ = io.Copy(io.Discard, resp.Body)
		resp.Body.Close()
		if resp.StatusCode != http.StatusOK {
			b.Fatalf("userinfo: %d", resp.StatusCode)
		}
	}
}
