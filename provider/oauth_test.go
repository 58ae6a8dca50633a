package provider_test

import (
	"context"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
)

const appSecret = "app-secret-0123456789"

// setupApp is a harness with a confidential client "app", a public client
// "spa" and a user "erin".
func setupApp(t *testing.T) *harness {
	h := newHarness(t)
	h.addClient("app", appSecret)
	h.addClient("spa", "")
	h.addUser("erin", "erins-password-1", "Rex")
	return h
}

// tokenRequest posts a form to the token endpoint.
func (h *harness) tokenRequest(t *testing.T, form url.Values, basicUser, basicPass string) (int, map[string]any) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/oauth/token", strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if basicUser != "" {
		req.SetBasicAuth(basicUser, basicPass)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	out := map[string]any{}
	_ = json.Unmarshal(body, &out)
	return resp.StatusCode, out
}

func codeForm(code, verifier string) url.Values {
	f := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect}}
	if verifier != "" {
		f.Set("code_verifier", verifier)
	}
	return f
}

func (h *harness) userinfoStatus(t *testing.T, accessToken string) int {
	t.Helper()
	req, _ := http.NewRequest(http.MethodGet, h.issuer+"/userinfo", nil)
	req.Header.Set("Authorization", "Bearer "+accessToken)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp.StatusCode
}

func TestUnregisteredRedirectURIShowsErrorPageWithoutRedirect(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	b := newBrowser(t)
	for name, q := range map[string]url.Values{
		"unregistered": {"client_id": {"app"}, "redirect_uri": {"https://evil.example/cb"}, "response_type": {"code"}, "scope": {"openid"}},
		"prefix only":  {"client_id": {"app"}, "redirect_uri": {rpRedirect + "/more"}, "response_type": {"code"}, "scope": {"openid"}},
		"unknown app":  {"client_id": {"nope"}, "redirect_uri": {rpRedirect}, "response_type": {"code"}, "scope": {"openid"}},
		"no client":    {"redirect_uri": {rpRedirect}},
	} {
		p := b.get(h.issuer + "/authorize?" + q.Encode())
		if p.Status != http.StatusBadRequest || p.Step() != "error" || p.Location != "" || p.Alert() == "" {
			t.Errorf("%s: status %d step %q location %q alert %q", name, p.Status, p.Step(), p.Location, p.Alert())
		}
	}
}

func TestPKCE(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	spa := h.relyingParty("spa", "", &nonce)

	t.Run("public client without PKCE is refused", func(t *testing.T) {
		p := newBrowser(t).get(authURL(spa, nonce, ""))
		if q := p.rpQuery(t); q.Get("error") != "invalid_request" {
			t.Fatalf("error = %q", q.Get("error"))
		}
	})
	t.Run("plain is refused", func(t *testing.T) {
		u := authURL(spa, nonce, "") + "&code_challenge=abcdefghijklmnopqrstuvwxyzabcdefghijklmnopq&code_challenge_method=plain"
		p := newBrowser(t).get(u)
		if q := p.rpQuery(t); q.Get("error") != "invalid_request" || q.Get("code") != "" {
			t.Fatalf("plain PKCE: %v", q)
		}
	})
	t.Run("wrong verifier is refused, right one works", func(t *testing.T) {
		verifier, challenge := pkce()
		p := newBrowser(t).signIn(authURL(spa, nonce, challenge), "erin", "erins-password-1", "rex")
		code := p.code(t)
		form := codeForm(code, credential32())
		form.Set("client_id", "spa")
		if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_grant" {
			t.Fatalf("wrong verifier: %d %v", status, body)
		}
		// The failed attempt did not burn the code.
		form.Set("code_verifier", verifier)
		if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusOK || body["id_token"] == nil {
			t.Fatalf("right verifier: %d %v", status, body)
		}
	})
}

func credential32() string { return strings.Repeat("x", 43) }

func TestCodeIsSingleUseAndReuseRevokes(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	p := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
	code := p.code(t)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
	if err != nil {
		t.Fatal(err)
	}
	if st := h.userinfoStatus(t, tokens.AccessToken); st != http.StatusOK {
		t.Fatalf("userinfo before reuse: %d", st)
	}
	status, body := h.tokenRequest(t, codeForm(code, ""), "app", appSecret)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("second redemption: %d %v", status, body)
	}
	if st := h.userinfoStatus(t, tokens.AccessToken); st == http.StatusOK {
		t.Fatalf("access token from the reused code still works: %d", st)
	}
}

func TestCodeRaceExactlyOneWins(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	var wg sync.WaitGroup
	statuses := make(chan int, 10)
	for range 10 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			status, _ := h.tokenRequest(t, codeForm(code, ""), "app", appSecret)
			statuses <- status
		}()
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		switch s {
		case http.StatusOK:
			ok++
		case http.StatusBadRequest:
		default:
			t.Errorf("unexpected status %d", s)
		}
	}
	if ok != 1 {
		t.Fatalf("%d redemptions succeeded, want exactly 1", ok)
	}
}

func TestClientSecretPostAndWrongSecret(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	form := codeForm(code, "")
	form.Set("client_id", "app")
	form.Set("client_secret", "wrong-secret-000000")
	if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusUnauthorized && status != http.StatusBadRequest || body["error"] != "invalid_client" {
		t.Fatalf("wrong secret: %d %v", status, body)
	}
	form.Set("client_secret", appSecret)
	if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusOK {
		t.Fatalf("client_secret_post: %d %v", status, body)
	}
}

func TestRefreshRotationAndReuseDetection(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	first, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
	if err != nil || first.RefreshToken == "" {
		t.Fatalf("no refresh token: %v", err)
	}
	nonce = "" // a refreshed ID token carries no nonce
	second, err := rp.RefreshTokens[*oidc.IDTokenClaims](context.Background(), app, first.RefreshToken, "", "")
	if err != nil || second.RefreshToken == "" || second.RefreshToken == first.RefreshToken {
		t.Fatalf("rotation: %v", err)
	}
	// auth_time and amr survive the refresh.
	if !second.IDTokenClaims.AuthTime.AsTime().Equal(first.IDTokenClaims.AuthTime.AsTime()) ||
		strings.Join(second.IDTokenClaims.AuthenticationMethodsReferences, " ") != "pwd kba" {
		t.Fatalf("refreshed ID token: auth_time %v amr %v", second.IDTokenClaims.AuthTime, second.IDTokenClaims.AuthenticationMethodsReferences)
	}
	// Replaying the first refresh token fails and revokes the family.
	status, body := h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {first.RefreshToken}}, "app", appSecret)
	if status != http.StatusBadRequest || body["error"] != "invalid_grant" {
		t.Fatalf("replay: %d %v", status, body)
	}
	status, _ = h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {second.RefreshToken}}, "app", appSecret)
	if status != http.StatusBadRequest {
		t.Fatalf("successor still usable after replay: %d", status)
	}
	if st := h.userinfoStatus(t, second.AccessToken); st == http.StatusOK {
		t.Fatalf("access token of the revoked family still works: %d", st)
	}
}

func TestRevocationAndIntrospection(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
	if err != nil {
		t.Fatal(err)
	}
	introspect := func(token string) map[string]any {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+"/oauth/introspect", strings.NewReader(url.Values{"token": {token}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.SetBasicAuth("app", appSecret)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		out := map[string]any{}
		_ = json.NewDecoder(resp.Body).Decode(&out)
		return out
	}
	if got := introspect(tokens.AccessToken); got["active"] != true || got["client_id"] != "app" {
		t.Fatalf("introspection of a live token: %v", got)
	}
	if err := rp.RevokeToken(context.Background(), app, tokens.RefreshToken, "refresh_token"); err != nil {
		t.Fatalf("revoke: %v", err)
	}
	status, _ := h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}}, "app", appSecret)
	if status != http.StatusBadRequest {
		t.Fatalf("revoked refresh token still works: %d", status)
	}
	if got := introspect(tokens.AccessToken); got["active"] == true {
		t.Fatalf("access token of the revoked refresh token is still active: %v", got)
	}
	// Revoking garbage is not an error (RFC 7009).
	if err := rp.RevokeToken(context.Background(), app, "garbage", ""); err != nil {
		t.Fatalf("revoke garbage: %v", err)
	}
}

func TestOnlyTheCodeFlow(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	for _, rt := range []string{"token", "id_token", "id_token token", "code id_token"} {
		q := url.Values{"client_id": {"app"}, "redirect_uri": {rpRedirect}, "response_type": {rt}, "scope": {"openid"}, "nonce": {"n"}, "state": {"s"}}
		p := newBrowser(t).get(h.issuer + "/authorize?" + q.Encode())
		u, _ := url.Parse(p.Location)
		if p.Location == "" || strings.Contains(p.Location, "access_token") || strings.Contains(p.Location, "id_token=") ||
			(u.Query().Get("error") == "" && !strings.Contains(u.Fragment, "error=")) {
			t.Errorf("response_type=%q: status %d location %q step %q", rt, p.Status, p.Location, p.Step())
		}
	}
	// Discovery advertises only what is offered: the code flow, and Entra
	// ID's id_token form post (for Entra clients only; see
	// TestOrdinaryClientsRefuseEntrasIDToken).
	resp, err := http.Get(h.issuer + "/.well-known/openid-configuration")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var d oidc.DiscoveryConfiguration
	if err := json.NewDecoder(resp.Body).Decode(&d); err != nil {
		t.Fatal(err)
	}
	if strings.Join(d.ResponseTypesSupported, ",") != "code,id_token" || len(d.CodeChallengeMethodsSupported) != 1 ||
		d.CodeChallengeMethodsSupported[0] != oidc.CodeChallengeMethodS256 || d.DeviceAuthorizationEndpoint != "" {
		t.Fatalf("discovery: response types %v, PKCE %v, device %q", d.ResponseTypesSupported, d.CodeChallengeMethodsSupported, d.DeviceAuthorizationEndpoint)
	}
	for _, g := range d.GrantTypesSupported {
		if g != oidc.GrantTypeCode && g != oidc.GrantTypeRefreshToken && g != oidc.GrantTypeClientCredentials {
			t.Fatalf("discovery advertises grant %q", g)
		}
	}
}

func TestCORSIsAnAllowList(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.CORSOrigins = []string{"https://spa.example"} })
	for origin, want := range map[string]string{"https://spa.example": "https://spa.example", "https://evil.example": ""} {
		for _, path := range []string{"/oauth/token", "/.well-known/openid-configuration", "/keys"} {
			req, _ := http.NewRequest(http.MethodOptions, h.issuer+path, nil)
			req.Header.Set("Origin", origin)
			req.Header.Set("Access-Control-Request-Method", "POST")
			resp, err := http.DefaultClient.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			if got := resp.Header.Get("Access-Control-Allow-Origin"); got != want {
				t.Errorf("%s from %s: Access-Control-Allow-Origin %q, want %q", path, origin, got, want)
			}
			if resp.Header.Get("Access-Control-Allow-Credentials") == "true" {
				t.Errorf("%s: credentials allowed cross-origin", path)
			}
		}
	}
}

// TestProtocolErrorsFollowTheRFCs: userinfo answers RFC 6750 challenges,
// introspection answers RFC 6749 JSON client errors, and a refused logout
// is a page.
func TestProtocolErrorsFollowTheRFCs(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	do := func(req *http.Request) (*http.Response, string) {
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}
	req, _ := http.NewRequest(http.MethodGet, h.issuer+"/userinfo", nil)
	resp, _ := do(req)
	if resp.StatusCode != http.StatusUnauthorized || !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") ||
		strings.Contains(resp.Header.Get("WWW-Authenticate"), "invalid_token") {
		t.Fatalf("userinfo without a token: %d %q", resp.StatusCode, resp.Header.Get("WWW-Authenticate"))
	}
	req.Header.Set("Authorization", "Bearer not-a-token")
	resp, body := do(req)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) ||
		!strings.Contains(body, `"invalid_token"`) {
		t.Fatalf("userinfo with a bad token: %d %q %s", resp.StatusCode, resp.Header.Get("WWW-Authenticate"), body)
	}
	req, _ = http.NewRequest(http.MethodPost, h.issuer+"/oauth/introspect", strings.NewReader("token=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	req.SetBasicAuth("app", "wrong-secret-0000000")
	resp, body = do(req)
	if resp.StatusCode != http.StatusUnauthorized || !strings.Contains(body, `"error":"invalid_client"`) {
		t.Fatalf("introspection with a wrong secret: %d %s", resp.StatusCode, body)
	}
	// A refused logout request still lets the person sign out here (the
	// application has dropped its session already), without any redirect.
	p := newBrowser(t).get(h.issuer + "/end_session?id_token_hint=garbage")
	if p.Status != http.StatusOK || p.Step() != "logout" || p.Header.Get("Content-Security-Policy") == "" ||
		strings.Contains(p.Body, "post_logout_redirect_uri") {
		t.Fatalf("bad logout request: %d step %q", p.Status, p.Step())
	}
}
