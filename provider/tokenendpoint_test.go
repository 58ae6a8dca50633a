package provider_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"
	"sync"
	"testing"

	"github.com/otpgate/otpgate/provider"
)

// rawPost posts body to path with the given headers and returns the
// answer, its body read.
func rawPost(t *testing.T, client *http.Client, u, body string, header http.Header) (*http.Response, []byte) {
	t.Helper()
	req, _ := http.NewRequest(http.MethodPost, u, strings.NewReader(body))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for k, v := range header {
		req.Header[k] = v
	}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp, b
}

// TestTokenResponsesAreNotCached (RFC 6749 §5.1): token, introspection
// and revocation answers, errors included, carry no-store and no-cache.
func TestTokenResponsesAreNotCached(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	basic := http.Header{"Authorization": {"Basic " + basicAuth("app", appSecret)}}
	wrong := http.Header{"Authorization": {"Basic " + basicAuth("app", "wrong")}}

	resp, body := rawPost(t, http.DefaultClient, h.issuer+"/oauth/token", codeForm(code, "").Encode(), basic)
	var tokens map[string]any
	_ = json.Unmarshal(body, &tokens)
	access, _ := tokens["access_token"].(string)
	if resp.StatusCode != http.StatusOK || access == "" {
		t.Fatalf("code exchange: %d %s", resp.StatusCode, body)
	}
	checkNoStore(t, "token success", resp)
	for name, r := range map[string]struct {
		path, body string
		header     http.Header
	}{
		"token reused code":     {"/oauth/token", codeForm(code, "").Encode(), basic},
		"token bad client":      {"/oauth/token", codeForm("x", "").Encode(), wrong},
		"token no grant":        {"/oauth/token", "", basic},
		"introspection":         {"/oauth/introspect", url.Values{"token": {access}}.Encode(), basic},
		"introspection refused": {"/oauth/introspect", url.Values{"token": {access}}.Encode(), wrong},
		"revocation":            {"/revoke", url.Values{"token": {"unknown"}}.Encode(), basic},
		"revocation refused":    {"/revoke", url.Values{"token": {"unknown"}}.Encode(), wrong},
	} {
		resp, _ := rawPost(t, http.DefaultClient, h.issuer+r.path, r.body, r.header)
		checkNoStore(t, name, resp)
	}
}

func checkNoStore(t *testing.T, what string, resp *http.Response) {
	t.Helper()
	if cc := resp.Header.Get("Cache-Control"); cc != "no-store" {
		t.Errorf("%s (%d): Cache-Control %q, want no-store", what, resp.StatusCode, cc)
	}
	if p := resp.Header.Get("Pragma"); p != "no-cache" {
		t.Errorf("%s (%d): Pragma %q, want no-cache", what, resp.StatusCode, p)
	}
}

// TestPageHeadersOnRedirectsAndNotFound: the /authorize redirects and the
// catch-all 404 carry the page security headers.
func TestPageHeadersOnRedirectsAndNotFound(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	check := func(what string, p *page) {
		t.Helper()
		for k, v := range map[string]string{"X-Content-Type-Options": "nosniff", "Referrer-Policy": "no-referrer"} {
			if got := p.Header.Get(k); got != v {
				t.Errorf("%s (%d): %s = %q, want %q", what, p.Status, k, got, v)
			}
		}
		if csp := p.Header.Get("Content-Security-Policy"); !strings.Contains(csp, "frame-ancestors 'none'") {
			t.Errorf("%s (%d): CSP %q", what, p.Status, csp)
		}
	}
	b := newBrowser(t)
	p := b.must(b.Load(h.issuer + "/authorize?" + authorizeQuery("app", rpRedirect).Encode()))
	if p.Status != http.StatusFound {
		t.Fatalf("authorize: %d", p.Status)
	}
	check("authorize to login", p)
	q := authorizeQuery("app", rpRedirect)
	q.Del("scope")
	check("authorize error redirect", b.must(b.Load(h.issuer+"/authorize?"+q.Encode())))
	nf := b.must(b.Get(h.issuer + "/no/such/page"))
	if nf.Status != http.StatusNotFound || nf.Step() != "error" {
		t.Errorf("catch-all: status %d step %q, want otpgate's 404 page", nf.Status, nf.Step())
	}
	check("catch-all 404", nf)
	if p := b.must(b.Get(h.issuer + "/keys")); p.Status != http.StatusOK {
		t.Errorf("/keys behind the catch-all: %d", p.Status)
	}
}

// TestStrictTransportOnBuiltInTLS: served over the built-in TLS listener
// (server.tls_cert_file), answers carry HSTS even when the configured
// issuer is not https.
func TestStrictTransportOnBuiltInTLS(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	srv := httptest.NewTLSServer(h.server.Handler())
	t.Cleanup(srv.Close)
	for _, path := range []string{"/healthz", "/no/such/page", "/.well-known/openid-configuration"} {
		resp, err := srv.Client().Get(srv.URL + path)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		if got := resp.Header.Get("Strict-Transport-Security"); !strings.HasPrefix(got, "max-age=") {
			t.Errorf("%s over TLS: Strict-Transport-Security %q", path, got)
		}
	}
	// Plain http to the same handler: no HSTS (browsers ignore it there).
	resp, err := http.Get(h.issuer + "/healthz")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if got := resp.Header.Get("Strict-Transport-Security"); got != "" {
		t.Errorf("plain http: Strict-Transport-Security %q", got)
	}
}

// TestPKCEVerifierSyntax (RFC 7636 §4.1): a code_verifier that is not 43
// to 128 unreserved characters is invalid_request, not invalid_grant, and
// does not burn the code.
func TestPKCEVerifierSyntax(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	spa := h.relyingParty("spa", "", &nonce)
	verifier, challenge := pkce()
	code := newBrowser(t).signIn(authURL(spa, nonce, challenge), "erin", "erins-password-1", "rex").code(t)
	for name, bad := range map[string]string{
		"too short": strings.Repeat("a", 42),
		"too long":  strings.Repeat("a", 129),
		"bad chars": strings.Repeat("a", 42) + "+",
		"non-ascii": strings.Repeat("a", 42) + "é",
	} {
		form := codeForm(code, bad)
		form.Set("client_id", "spa")
		if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusBadRequest || body["error"] != "invalid_request" {
			t.Errorf("%s: %d %v, want 400 invalid_request", name, status, body)
		}
	}
	form := codeForm(code, verifier)
	form.Set("client_id", "spa")
	if status, body := h.tokenRequest(t, form, "", ""); status != http.StatusOK {
		t.Fatalf("right verifier after refused ones: %d %v", status, body)
	}
}

// levelRecorder keeps the levels of the records it is given.
type levelRecorder struct {
	mu     sync.Mutex
	errors []string
}

func (r *levelRecorder) Enabled(context.Context, slog.Level) bool { return true }
func (r *levelRecorder) Handle(_ context.Context, rec slog.Record) error {
	if rec.Level >= slog.LevelError {
		r.mu.Lock()
		r.errors = append(r.errors, rec.Message)
		r.mu.Unlock()
	}
	return nil
}
func (r *levelRecorder) WithAttrs([]slog.Attr) slog.Handler { return r }
func (r *levelRecorder) WithGroup(string) slog.Handler      { return r }

func basicAuth(user, pass string) string {
	req, _ := http.NewRequest(http.MethodGet, "/", nil)
	req.SetBasicAuth(user, pass)
	return strings.TrimPrefix(req.Header.Get("Authorization"), "Basic ")
}

// TestMalformedTokenRequestsAreClientErrors is a fuzz-style table over
// malformed token requests: none gets a 5xx or logs at ERROR level; an
// unknown or unauthenticated client gets 401 invalid_client, with a Basic
// challenge when Basic was used. Not parallel: it watches the process's
// default logger, which the library logs to.
func TestMalformedTokenRequestsAreClientErrors(t *testing.T) {
	rec := &levelRecorder{}
	old := slog.Default()
	slog.SetDefault(slog.New(rec))
	t.Cleanup(func() { slog.SetDefault(old) })
	h2 := newHarnessOn(t, openStore(t), nil, func(o *provider.Options) { o.Logger = slog.New(rec) })
	h2.addClient("app", appSecret)
	h2.addClient("spa", "")
	nonce := "n"
	app := h2.relyingParty("app", appSecret, &nonce)
	h2.addUser("erin", "erins-password-1", "Rex")
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	_, tokens := h2.tokenRequest(t, codeForm(code, ""), "app", appSecret)
	refresh, _ := tokens["refresh_token"].(string)
	if refresh == "" {
		refresh = "no-refresh-token"
	}

	type req struct {
		body          url.Values
		user, pass    string
		invalidClient bool
	}
	grants := []string{"refresh_token", "authorization_code", "client_credentials",
		"urn:ietf:params:oauth:grant-type:jwt-bearer", "urn:ietf:params:oauth:grant-type:token-exchange",
		"urn:ietf:params:oauth:grant-type:device_code", "password", "", "x\x00y"}
	var cases []req
	for _, g := range grants {
		base := url.Values{"grant_type": {g}, "refresh_token": {refresh}, "code": {code}, "redirect_uri": {rpRedirect}}
		with := func(kv ...string) url.Values {
			v := url.Values{}
			for k, vs := range base {
				v[k] = append([]string(nil), vs...)
			}
			for i := 0; i+1 < len(kv); i += 2 {
				v.Set(kv[i], kv[i+1])
			}
			return v
		}
		known := g == "refresh_token" || g == "authorization_code"
		cases = append(cases,
			req{body: with(), invalidClient: known},
			req{body: with("client_id", "nope"), invalidClient: known},
			req{body: with("client_id", "nope", "client_secret", "x"), invalidClient: known},
			req{body: with(), user: "nope", pass: "x", invalidClient: known},
			// A wrong secret with a spent code is invalid_grant (the library
			// looks the code up first); with a refresh token, invalid_client.
			req{body: with(), user: "app", pass: "wrong", invalidClient: g == "refresh_token"},
			req{body: with(), user: "", pass: ""},
			req{body: with("client_id", "app"), user: "app", pass: appSecret},
			req{body: with("client_id", "app", "client_secret", appSecret), user: "app", pass: appSecret},
			req{body: with("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "a.b.c")},
			req{body: with("client_assertion_type", "urn:ietf:params:oauth:client-assertion-type:jwt-bearer", "client_assertion", "a.b.c", "client_id", "app")},
			req{body: with("client_id", "spa", "code_verifier", strings.Repeat("a", 43))},
			req{body: with("client_id", "spa", "refresh_token", "")},
			req{body: with("client_id", strings.Repeat("x", 5000))},
			req{body: with("scope", strings.Repeat("openid ", 500), "client_id", "spa")},
			req{body: with("redirect_uri", "://bad", "client_id", "app", "client_secret", appSecret)},
		)
	}
	for i, c := range cases {
		hdr := http.Header{}
		if c.user != "" || c.pass != "" {
			hdr.Set("Authorization", "Basic "+basicAuth(c.user, c.pass))
		}
		resp, body := rawPost(t, http.DefaultClient, h2.issuer+"/oauth/token", c.body.Encode(), hdr)
		if resp.StatusCode >= 500 {
			t.Errorf("case %d (%q, basic %q): %d %s", i, c.body.Encode(), c.user, resp.StatusCode, body)
			continue
		}
		if c.invalidClient {
			var e map[string]any
			_ = json.Unmarshal(body, &e)
			if resp.StatusCode != http.StatusUnauthorized || e["error"] != "invalid_client" {
				t.Errorf("case %d (%q, basic %q): %d %s, want 401 invalid_client", i, c.body.Encode(), c.user, resp.StatusCode, body)
			}
			if hdr.Get("Authorization") != "" && !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Basic") {
				t.Errorf("case %d: Basic was used, WWW-Authenticate %q", i, resp.Header.Get("WWW-Authenticate"))
			}
		}
	}
	// Raw bodies a form decoder may choke on.
	for _, raw := range []string{"%zz", "grant_type=refresh_token&refresh_token=%", strings.Repeat("a=b&", 2000),
		"grant_type=refresh_token&client_id=app&client_id=spa", string(bytes.Repeat([]byte{0xff}, 64))} {
		resp, body := rawPost(t, http.DefaultClient, h2.issuer+"/oauth/token", raw, nil)
		if resp.StatusCode >= 500 {
			t.Errorf("raw %.40q: %d %s", raw, resp.StatusCode, body)
		}
	}
	rec.mu.Lock()
	defer rec.mu.Unlock()
	if len(rec.errors) > 0 {
		t.Errorf("malformed token requests logged at ERROR level: %v", rec.errors)
	}
}

// failTokenInserts makes every insert of an access token fail in the
// database, as a write during an outage does, while reads still work.
func failTokenInserts(t *testing.T, h *harness) {
	t.Helper()
	db, err := h.store.SQLDB()
	if err != nil {
		t.Fatal(err)
	}
	stmts := []string{`CREATE TRIGGER fail_token_insert BEFORE INSERT ON access_tokens
		BEGIN SELECT RAISE(ABORT, 'injected fault: database unavailable'); END`}
	if os.Getenv("OTPGATE_TEST_POSTGRES_DSN") != "" {
		stmts = []string{
			`CREATE FUNCTION fail_token_insert() RETURNS trigger AS $$
			 BEGIN RAISE EXCEPTION 'injected fault: database unavailable'; END $$ LANGUAGE plpgsql`,
			`CREATE TRIGGER fail_token_insert BEFORE INSERT ON access_tokens
			 FOR EACH ROW EXECUTE FUNCTION fail_token_insert()`,
		}
	}
	for _, s := range stmts {
		if _, err := db.Exec(s); err != nil {
			t.Fatal(err)
		}
	}
}

// TestCodeExchangeDuringOutageIsRetryable: when the database fails while
// a code is exchanged (the code found, the tokens not written), the answer
// is 503 temporarily_unavailable, never 500, and the code still works
// once the database is back.
func TestCodeExchangeDuringOutageIsRetryable(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	code := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	failTokenInserts(t, h)
	status, body := h.tokenRequest(t, codeForm(code, ""), "app", appSecret)
	if status != http.StatusServiceUnavailable || body["error"] != "temporarily_unavailable" {
		t.Fatalf("code exchange while token writes fail: %d %v, want 503 temporarily_unavailable", status, body)
	}
	db, _ := h.store.SQLDB()
	if _, err := db.Exec(`DROP TRIGGER fail_token_insert` + map[bool]string{true: " ON access_tokens"}[os.Getenv("OTPGATE_TEST_POSTGRES_DSN") != ""]); err != nil {
		t.Fatal(err)
	}
	if status, body := h.tokenRequest(t, codeForm(code, ""), "app", appSecret); status != http.StatusOK {
		t.Fatalf("code exchange after the outage: %d %v", status, body)
	}
}
