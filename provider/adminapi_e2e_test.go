package provider_test

import (
	"context"
	"crypto/rand"
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/adminapi"
	"github.com/otpgate/otpgate/provider/store"
)

const (
	readerSecret = "reader-secret-0123456789-abcdefghijklmnop"
	writerSecret = "writer-secret-0123456789-abcdefghijklmnop"
)

// adminHarness is a provider serving the admin API, with a machine client
// "reader" (admin:read) and "writer" (admin:write), an ordinary client
// "app" and a user erin.
func adminHarness(t *testing.T, edit ...func(*provider.Options)) (*harness, *admin.Service) {
	t.Helper()
	var svc *admin.Service
	h := newHarness(t, append(edit, func(o *provider.Options) {
		var err error
		svc, err = admin.New(admin.Options{Store: o.Store, Hasher: o.Hasher, Sealer: o.Sealer, Random: rand.Reader, Issuer: o.Issuer})
		if err != nil {
			t.Fatal(err)
		}
		o.Admin = svc
	})...)
	ctx := context.Background()
	for _, c := range []struct{ id, secret, scope string }{{"reader", readerSecret, store.ScopeAdminRead}, {"writer", writerSecret, store.ScopeAdminWrite}} {
		if _, err := svc.AddClient(ctx, "test", admin.NewClient{ID: c.id, Secret: c.secret,
			GrantTypes: []string{store.GrantClientCredentials}, Scopes: []string{c.scope}}); err != nil {
			t.Fatal(err)
		}
	}
	h.addClient("app", appSecret)
	h.addUser("erin", erinPW, "rex")
	return h, svc
}

// clientToken gets a token for a client with the client credentials grant.
func (h *harness) clientToken(t *testing.T, id, secret string, scopes ...string) string {
	t.Helper()
	form := url.Values{"grant_type": {"client_credentials"}}
	if len(scopes) > 0 {
		form.Set("scope", strings.Join(scopes, " "))
	}
	status, body := h.tokenRequest(t, form, id, secret)
	tok, _ := body["access_token"].(string)
	if status != http.StatusOK || tok == "" || body["token_type"] != "Bearer" || body["refresh_token"] != nil || body["id_token"] != nil {
		t.Fatalf("client credentials for %s: %d %v", id, status, body)
	}
	return tok
}

// api calls the admin API with token ("" for none) and returns the status,
// the content type and the decoded body.
func (h *harness) api(t *testing.T, method, path, token string) (int, string, map[string]any) {
	t.Helper()
	return h.apiBody(t, method, path, token, "")
}

// apiBody is api with a JSON request body ("" for none).
func (h *harness) apiBody(t *testing.T, method, path, token, reqBody string) (int, string, map[string]any) {
	t.Helper()
	req, err := http.NewRequest(method, h.issuer+adminapi.Prefix+path, strings.NewReader(reqBody))
	if err != nil {
		t.Fatal(err)
	}
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	if reqBody != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	if resp.StatusCode == http.StatusNoContent && len(raw) == 0 {
		return resp.StatusCode, "", nil
	}
	var body map[string]any
	if err := json.Unmarshal(raw, &body); err != nil {
		t.Fatalf("%s %s: %d, not JSON: %q", method, path, resp.StatusCode, raw)
	}
	ct := resp.Header.Get("Content-Type")
	if resp.StatusCode >= 400 && (ct != "application/problem+json" || body["status"] != float64(resp.StatusCode) || body["title"] == "") {
		t.Fatalf("%s %s: %d with %s %v, want a problem document", method, path, resp.StatusCode, ct, body)
	}
	return resp.StatusCode, ct, body
}

// TestAdminAPIAuthorization: the authorization matrix of every route: no
// token, a read-only token, a write token, an expired one, a person's
// access token, a revoked client's.
func TestAdminAPIAuthorization(t *testing.T) {
	h, svc := adminHarness(t, func(o *provider.Options) { o.RememberBrowserDays = 30 })
	setRemember(t, h, "app", true)
	ctx := context.Background()
	read := h.clientToken(t, "reader", readerSecret)
	write := h.clientToken(t, "writer", writerSecret, store.ScopeAdminWrite)

	// A person's access token (the code flow) is no admin token.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex")
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	person := tokens.AccessToken
	// A browser of erin's that skips the passcode.
	rememberedBrowser(t, h, "erin", erinPW)
	browsers, err := svc.RememberedBrowsers(ctx, "erin")
	if err != nil || len(browsers) != 1 {
		t.Fatalf("erin's remembered browsers: %v %v", browsers, err)
	}

	// One of erin's browser sessions, which her sign-ins made.
	sessions, err := svc.Sessions(ctx, "erin")
	if err != nil || len(sessions) == 0 {
		t.Fatalf("erin's sessions: %v %v", sessions, err)
	}
	handle := sessions[0].Handle
	// Every route, in an order where each write succeeds with the write
	// token (the routes that end sessions after the one that needs one).
	routes := []struct {
		method, path, body string
		write              bool
	}{
		{http.MethodGet, "/users", "", false},
		{http.MethodPost, "/users", `{"username":"newbie","email":"newbie@example.com"}`, true},
		{http.MethodGet, "/users/erin", "", false},
		{http.MethodGet, "/users/erin/sessions", "", false},
		{http.MethodDelete, "/users/erin/sessions/" + handle, "", true},
		{http.MethodDelete, "/users/erin/sessions", "", true},
		{http.MethodGet, "/users/erin/remembered-browsers", "", false},
		{http.MethodDelete, "/users/erin/remembered-browsers/" + browsers[0].ID, "", true},
		{http.MethodDelete, "/users/erin/remembered-browsers", "", true},
		{http.MethodPost, "/users/erin/disable", "", true},
		{http.MethodPost, "/users/erin/enable", "", true},
		{http.MethodPost, "/users/erin/password", `{}`, true},
		{http.MethodPut, "/users/erin/require-mfa", `{"on":true}`, true},
		{http.MethodPost, "/users/erin/unlock", "", true},
		{http.MethodPost, "/users/erin/reset-device", "", true},
		{http.MethodGet, "/clients", "", false},
		{http.MethodPost, "/clients", `{"id":"new-app","redirect_uris":["https://rp.example/cb"]}`, true},
		{http.MethodGet, "/clients/app", "", false},
		{http.MethodPatch, "/clients/new-app", `{"add_redirect_uris":["https://rp.example/cb2"]}`, true},
		{http.MethodPost, "/clients/new-app/rotate-secret", "", true},
		{http.MethodDelete, "/clients/new-app", "", true},
		{http.MethodGet, "/keys", "", false},
		{http.MethodPost, "/keys/rotate", "", true},
		{http.MethodGet, "/audit", "", false},
	}
	served := map[string]bool{}
	for _, r := range adminapi.Routes {
		served[r.Method+" "+r.Path] = r.Scope != ""
	}
	if len(routes) != len(served)-1 {
		t.Fatalf("the matrix has %d routes, %d are served with a scope", len(routes), len(served)-1)
	}
	expiring := h.clientToken(t, "writer", writerSecret)
	for _, r := range routes {
		for _, tc := range []struct {
			who, token string
			want       int
		}{
			{"no token", "", http.StatusUnauthorized},
			{"garbage", "not-a-token", http.StatusUnauthorized},
			{"a person's access token", person, http.StatusUnauthorized},
			{"read", read, map[bool]int{false: http.StatusOK, true: http.StatusForbidden}[r.write]},
			{"write", write, http.StatusOK},
		} {
			got, _, body := h.apiBody(t, r.method, r.path, tc.token, r.body)
			if got/100 != tc.want/100 || (tc.want >= 400 && got != tc.want) {
				t.Errorf("%s %s with %s: %d %v, want %d", r.method, r.path, tc.who, got, body, tc.want)
			}
		}
	}
	// Expired: every route refuses the token.
	h.clock.Advance(16 * time.Minute)
	for _, r := range routes {
		if got, _, body := h.apiBody(t, r.method, r.path, expiring, r.body); got != http.StatusUnauthorized {
			t.Errorf("%s %s with an expired token: %d %v", r.method, r.path, got, body)
		}
	}
	h.clock.Advance(-16 * time.Minute)
	// The token is read from the Authorization header only: a cookie or
	// the query carries nothing.
	req, _ := http.NewRequest(http.MethodGet, h.issuer+adminapi.Prefix+"/users?access_token="+url.QueryEscape(write), nil)
	req.AddCookie(&http.Cookie{Name: "access_token", Value: write})
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != http.StatusUnauthorized {
		t.Fatalf("a token outside the Authorization header: %v %v", resp.StatusCode, err)
	}
	// Revoked with its client: a removed client's token opens nothing.
	if err := svc.RemoveClient(ctx, "test", "reader"); err != nil {
		t.Fatal(err)
	}
	if got, _, _ := h.api(t, http.MethodGet, "/users", read); got != http.StatusUnauthorized {
		t.Fatalf("a removed client's token: %d", got)
	}
	// Expired.
	h.clock.Advance(16 * time.Minute)
	if got, _, _ := h.api(t, http.MethodGet, "/users", write); got != http.StatusUnauthorized {
		t.Fatalf("an expired token: %d", got)
	}
}

// TestAdminAPIUnlockAndReset: the routes the black-box tests rely on,
// audited with the client as the actor.
func TestAdminAPIUnlockAndReset(t *testing.T) {
	h, _ := adminHarness(t)
	ctx := context.Background()
	write := h.clientToken(t, "writer", writerSecret)
	erin, _ := h.store.UserByUsername(ctx, "erin")
	// Lock erin's unknown browsers with wrong passwords.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	for range h.loginAttempts() {
		p = b.submit(p, map[string]string{"username": "erin", "password": "wrong-password"})
	}
	_, _, body := h.api(t, http.MethodGet, "/users?locked=true", write)
	if users, _ := body["users"].([]any); len(users) != 1 || users[0].(map[string]any)["username"] != "erin" ||
		users[0].(map[string]any)["locked_until"] == nil {
		t.Fatalf("locked users: %v", body)
	}
	if got, _, body := h.api(t, http.MethodPost, "/users/erin/unlock", write); got != http.StatusOK || body["was_locked"] != true {
		t.Fatalf("unlock: %d %v", got, body)
	}
	if _, _, body := h.api(t, http.MethodGet, "/users?locked=true", write); len(body["users"].([]any)) != 0 {
		t.Fatalf("still locked after the unlock: %v", body)
	}
	got, _, body := h.api(t, http.MethodPost, "/users/ERIN/reset-device", write)
	code, _ := body["enrollment_code"].(string)
	until, err := time.Parse(time.RFC3339, body["valid_until"].(string))
	if got != http.StatusOK || code == "" || err != nil || !until.After(h.store.Now()) {
		t.Fatalf("reset-device: %d %v", got, body)
	}
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{UserID: erin.ID})
	if err != nil {
		t.Fatal(err)
	}
	var byWriter []string
	for _, e := range events {
		if e.Actor == "writer" {
			byWriter = append(byWriter, e.Event)
		}
		if strings.Contains(e.Detail, code) {
			t.Fatalf("the enrollment code is in the audit log: %+v", e)
		}
	}
	if !slices.Contains(byWriter, store.EventUnlock) || !slices.Contains(byWriter, store.EventAdminResetOTP) {
		t.Fatalf("events by the client: %v (all %+v)", byWriter, events)
	}
}

// TestAdminAPIBadInput: bad input is a problem document, never a 500.
func TestAdminAPIBadInput(t *testing.T) {
	h, _ := adminHarness(t)
	write := h.clientToken(t, "writer", writerSecret)
	for _, tc := range []struct {
		method, path string
		want         int
	}{
		{http.MethodGet, "/users?locked=maybe", http.StatusBadRequest},
		{http.MethodGet, "/users/nobody", http.StatusNotFound},
		{http.MethodPost, "/users/nobody/unlock", http.StatusNotFound},
		{http.MethodPost, "/users/nobody/reset-device", http.StatusNotFound},
		{http.MethodGet, "/nothing-here", http.StatusNotFound},
		{http.MethodDelete, "/users/erin", http.StatusNotFound},
		{http.MethodPost, "/users/" + url.PathEscape(strings.Repeat("x", 5000)) + "/unlock", http.StatusNotFound},
	} {
		if got, _, body := h.api(t, tc.method, tc.path, write); got != tc.want {
			t.Errorf("%s %s: %d %v, want %d", tc.method, tc.path, got, body, tc.want)
		}
	}
}

// TestClientCredentialsGrant: only machine clients get tokens for
// themselves, only for the scopes they were granted.
func TestClientCredentialsGrant(t *testing.T) {
	h, _ := adminHarness(t)
	for _, tc := range []struct {
		name, id, secret, scope, want string
	}{
		{"wrong secret", "writer", "not-the-secret-0123456789", "", "invalid_client"},
		{"unknown client", "nobody", writerSecret, "", "invalid_client"},
		// Authenticated, but not allowed the grant (RFC 6749 §5.2).
		{"a person's application", "app", appSecret, "", "unauthorized_client"},
		{"a person's application, wrong secret", "app", "not-the-secret-0123456789", "", "invalid_client"},
		{"a scope not granted", "reader", readerSecret, store.ScopeAdminWrite, "invalid_scope"},
		{"an OpenID scope", "reader", readerSecret, oidc.ScopeOpenID, "invalid_scope"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := url.Values{"grant_type": {"client_credentials"}}
			if tc.scope != "" {
				form.Set("scope", tc.scope)
			}
			status, body := h.tokenRequest(t, form, tc.id, tc.secret)
			if status < 400 || body["error"] != tc.want || body["access_token"] != nil {
				t.Fatalf("%d %v, want %s", status, body, tc.want)
			}
		})
	}
	// A machine client cannot sign anyone in: it has no redirect URI.
	q := url.Values{"client_id": {"writer"}, "redirect_uri": {"https://rp.example/callback"}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"}}
	if p := newBrowser(t).get(h.issuer + "/authorize?" + q.Encode()); p.Code() != "" || p.Step() == "password" {
		t.Fatalf("a machine client started a sign-in: step %q", p.Step())
	}
}

// TestAdminAPIOpenAPIMatchesRoutes: the OpenAPI description names exactly
// the routes served, with their methods and scopes, and is served.
func TestAdminAPIOpenAPIMatchesRoutes(t *testing.T) {
	h, _ := adminHarness(t)
	var doc struct {
		OpenAPI string `json:"openapi"`
		Paths   map[string]map[string]struct {
			Security []map[string][]string `json:"security"`
		} `json:"paths"`
	}
	if err := json.Unmarshal(adminapi.OpenAPI, &doc); err != nil {
		t.Fatal(err)
	}
	if doc.OpenAPI != "3.1.0" {
		t.Fatalf("openapi %q", doc.OpenAPI)
	}
	described := 0
	for _, ops := range doc.Paths {
		described += len(ops)
	}
	if described != len(adminapi.Routes) {
		t.Errorf("%d operations described, %d served", described, len(adminapi.Routes))
	}
	for _, r := range adminapi.Routes {
		op, ok := doc.Paths[r.Path][strings.ToLower(r.Method)]
		if !ok {
			t.Errorf("%s %s is served but not described", r.Method, r.Path)
			continue
		}
		var scopes []string
		for _, s := range op.Security {
			scopes = append(scopes, s["clientCredentials"]...)
		}
		if (r.Scope == "" && len(scopes) != 0) || (r.Scope != "" && !slices.Equal(scopes, []string{r.Scope})) {
			t.Errorf("%s %s: described scopes %v, served %q", r.Method, r.Path, scopes, r.Scope)
		}
	}
	// Every $ref names a component that exists.
	var whole map[string]any
	if err := json.Unmarshal(adminapi.OpenAPI, &whole); err != nil {
		t.Fatal(err)
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case map[string]any:
			if ref, ok := v["$ref"].(string); ok {
				var at any = whole
				for _, part := range strings.Split(strings.TrimPrefix(ref, "#/"), "/") {
					m, _ := at.(map[string]any)
					at = m[part]
				}
				if at == nil {
					t.Errorf("$ref %s names nothing", ref)
				}
			}
			for _, e := range v {
				walk(e)
			}
		case []any:
			for _, e := range v {
				walk(e)
			}
		}
	}
	walk(whole)
	got, ct, _ := h.api(t, http.MethodGet, "/openapi.json", "")
	if got != http.StatusOK || ct != "application/json" {
		t.Fatalf("openapi.json: %d %s", got, ct)
	}
}
