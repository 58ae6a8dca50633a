package provider_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// startFlow opens an authorization request in b and returns the password page.
func startFlow(t *testing.T, h *harness, b *browser, extra string) *page {
	t.Helper()
	q := url.Values{"client_id": {"app"}, "redirect_uri": {rpRedirect}, "response_type": {"code"},
		"scope": {"openid"}, "state": {"s"}, "nonce": {"n"}}
	p := b.get(h.issuer + "/authorize?" + q.Encode() + extra)
	if p.Step() != "password" {
		t.Fatalf("step %q status %d", p.Step(), p.Status)
	}
	return p
}

func TestCSRF(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	b := newBrowser(t)
	p := startFlow(t, h, b, "")
	id := p.URL.Query().Get("authRequestID")
	post := func(form url.Values, fetchSite string) *page {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/password", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if fetchSite != "" {
			req.Header.Set("Sec-Fetch-Site", fetchSite)
		}
		return b.do(req)
	}
	form := url.Values{"authRequestID": {id}, "username": {"erin"}, "password": {"erins-password-1"}}
	if p := post(form, ""); p.Status != http.StatusForbidden || p.Step() != "error" {
		t.Fatalf("no token: status %d step %q", p.Status, p.Step())
	}
	if p := post(form, "cross-site"); p.Status != http.StatusForbidden || p.Step() != "error" {
		t.Fatalf("cross-site: status %d step %q", p.Status, p.Step())
	}
	form.Set("csrf", "forged-token-value-that-does-not-match")
	if p := post(form, ""); p.Status != http.StatusForbidden {
		t.Fatalf("wrong token: status %d", p.Status)
	}
	// A same-origin browser request is trusted by its Fetch Metadata.
	form.Del("csrf")
	if p := post(form, "same-origin"); p.Step() != "question" {
		t.Fatalf("same-origin: status %d step %q", p.Status, p.Step())
	}
}

func TestFlowIsBoundToItsBrowser(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	p := startFlow(t, h, newBrowser(t), "")
	other := newBrowser(t)
	for _, u := range []string{p.URL.String(), h.issuer + "/login/next?" + p.URL.RawQuery} {
		if q := other.get(u); q.Status != http.StatusForbidden || q.Step() != "error" {
			t.Fatalf("%s from another browser: status %d step %q", u, q.Status, q.Step())
		}
	}
}

func TestBadInputNeverFails500(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	b := newBrowser(t)
	p := startFlow(t, h, b, "")
	id := p.URL.Query().Get("authRequestID")
	long := strings.Repeat("x", 5000)
	gets := []string{
		"/login/next", "/login/next?authRequestID=unknown", "/login/next?authRequestID=" + long,
		"/login/password", "/login/password?authRequestID=%ff%fe", "/login/setup?authRequestID=" + id,
		"/login/question?authRequestID=" + id, "/authorize", "/authorize?client_id=app&redirect_uri=%zz",
		"/authorize?client_id=app&redirect_uri=" + url.QueryEscape(rpRedirect) + "&response_type=token&scope=openid",
		"/authorize?client_id=app&redirect_uri=" + url.QueryEscape(rpRedirect) + "&scope=openid",
		"/authorize/callback?id=" + id, "/authorize/callback?id=nope", "/userinfo", "/keys", "/nope", "/static/nope.css",
		"/logout?redirect=" + long, "/end_session?post_logout_redirect_uri=x", "/oauth/introspect",
	}
	for _, g := range gets {
		if q := b.get(h.issuer + g); q.Status >= 500 {
			t.Errorf("GET %.80s: %d", g, q.Status)
		}
	}
	posts := map[string]string{
		"/login/password": "authRequestID=" + id + "&username=" + long + "&password=" + long,
		"/oauth/token":    "grant_type=password&username=a&password=b",
		"/revoke":         "token=x",
	}
	for path, body := range posts {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.Header.Set("Sec-Fetch-Site", "same-origin")
		if q := b.do(req); q.Status >= 500 {
			t.Errorf("POST %s: %d %.200s", path, q.Status, q.Body)
		}
	}
	// A 1 MB body is refused cleanly.
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/login/password", strings.NewReader("password="+strings.Repeat("a", 1<<20)))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if q := b.do(req); q.Status != http.StatusRequestEntityTooLarge || q.Step() != "error" {
		t.Errorf("1 MB body: status %d step %q", q.Status, q.Step())
	}
	// The password grant does not exist.
	if status, body := h.tokenRequest(t, url.Values{"grant_type": {"password"}, "username": {"erin"}, "password": {"erins-password-1"}}, "app", appSecret); status == http.StatusOK || body["access_token"] != nil {
		t.Fatalf("password grant answered %d", status)
	}
}

func TestExpiredFlow(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	b := newBrowser(t)
	p := startFlow(t, h, b, "")
	h.clock.Advance(16 * time.Minute)
	q := b.submit(p, map[string]string{"username": "erin", "password": "erins-password-1"})
	if q.Status != http.StatusGone || q.Step() != "error" || q.Alert() == "" {
		t.Fatalf("expired flow: status %d step %q", q.Status, q.Step())
	}
}

func TestSecurityHeaders(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	p := startFlow(t, h, newBrowser(t), "")
	want := map[string]string{
		"X-Content-Type-Options": "nosniff",
		"Referrer-Policy":        "no-referrer",
		"Cache-Control":          "no-store",
	}
	for k, v := range want {
		if got := p.Header.Get(k); got != v {
			t.Errorf("%s = %q, want %q", k, got, v)
		}
	}
	csp := p.Header.Get("Content-Security-Policy")
	for _, part := range []string{"frame-ancestors 'none'", "default-src 'none'", "form-action 'self' https://rp.example"} {
		if !strings.Contains(csp, part) {
			t.Errorf("CSP %q lacks %q", csp, part)
		}
	}
}

func TestSecureCookiesOnHTTPSIssuer(t *testing.T) {
	t.Parallel()
	st := openStore(t)
	h := newTLSHarness(t, st)
	h.addClient("app", appSecret)
	q := url.Values{"client_id": {"app"}, "redirect_uri": {rpRedirect}, "response_type": {"code"}, "scope": {"openid"}}
	c := h.srv.Client()
	c.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := c.Get(h.issuer + "/authorize?" + q.Encode())
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	resp, err = c.Get(resp.Header.Get("Location"))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	cookies := resp.Cookies()
	if len(cookies) == 0 {
		t.Fatal("no cookies set")
	}
	for _, ck := range cookies {
		if !strings.HasPrefix(ck.Name, "__Host-") || !ck.Secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode || ck.Path != "/" || ck.Domain != "" {
			t.Errorf("cookie %s: secure %v httponly %v samesite %v path %q domain %q", ck.Name, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
		}
	}
}

func TestLanguages(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	htmlLang := func(p *page) string {
		return attr(find(p.Doc, func(n *htmlNode) bool { return n.Data == "html" }), "lang")
	}
	if p := startFlow(t, h, newBrowser(t), "&ui_locales=ja"); htmlLang(p) != "ja" {
		t.Fatalf("ui_locales=ja gave lang %q", htmlLang(p))
	}
	b := newBrowser(t)
	b.Lang = "ja-JP,ja;q=0.9,en;q=0.5"
	p := startFlow(t, h, b, "")
	if htmlLang(p) != "ja" {
		t.Fatalf("Accept-Language ja gave %q", htmlLang(p))
	}
	// The language switch wins and is remembered.
	sw := find(p.Doc, func(n *htmlNode) bool { return n.Data == "a" && strings.Contains(attr(n, "href"), "lang=en") })
	if sw == nil {
		t.Fatal("no language switch link")
	}
	target, _ := p.URL.Parse(attr(sw, "href"))
	if p = b.get(target.String()); htmlLang(p) != "en" || p.Step() != "password" {
		t.Fatalf("after switch: lang %q step %q", htmlLang(p), p.Step())
	}
	p = b.submit(p, map[string]string{"username": "erin", "password": "wrong-password-x"})
	if htmlLang(p) != "en" {
		t.Fatalf("switch not remembered: %q", htmlLang(p))
	}
}

// TestStrictTransportOnlyOnHTTPS: an https issuer's pages, protocol
// answers and error pages carry HSTS; a plain-http development issuer's
// do not (browsers would then refuse it on that host).
func TestStrictTransportOnlyOnHTTPS(t *testing.T) {
	t.Parallel()
	for _, tls := range []bool{true, false} {
		var h *harness
		if tls {
			h = newTLSHarness(t, openStore(t))
		} else {
			h = newHarness(t)
		}
		c := h.srv.Client()
		for _, path := range []string{"/logged-out", "/.well-known/openid-configuration", "/no-such-page"} {
			resp, err := c.Get(h.issuer + path)
			if err != nil {
				t.Fatal(err)
			}
			resp.Body.Close()
			got := resp.Header.Get("Strict-Transport-Security")
			if tls && got != "max-age=31536000" || !tls && got != "" {
				t.Errorf("https %v %s: Strict-Transport-Security = %q", tls, path, got)
			}
		}
	}
}
