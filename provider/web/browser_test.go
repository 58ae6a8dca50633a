package web

import (
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
)

// The binding cookie is issued once by the server; only its hash is handed
// out, and the request that created it already sees it.
func TestBrowserBinding(t *testing.T) {
	k := NewCookies(true)
	c, rec := newContext(t, httptest.NewRequest(http.MethodGet, "/login/next", nil))
	if h := k.BrowserHash(c); h != "" {
		t.Fatalf("no cookie yet, hash %q", h)
	}
	h := k.EnsureBrowser(c)
	if h == "" || k.BrowserHash(c) != h || k.EnsureBrowser(c) != h {
		t.Fatalf("binding not kept within the request")
	}
	got := setCookies(rec)
	if len(got) != 1 {
		t.Fatalf("%d cookies set, want 1", len(got))
	}
	checkCookie(t, got[0], true, "browser")
	if got[0].MaxAge != 0 || got[0].Value == h || credential.HashToken(got[0].Value) != h {
		t.Fatalf("binding cookie: max-age %d, value is its hash %v", got[0].MaxAge, got[0].Value == h)
	}

	// The next request carries the cookie: same hash, no new cookie.
	req := httptest.NewRequest(http.MethodGet, "/login/password", nil)
	req.AddCookie(got[0])
	c2, rec2 := newContext(t, req)
	if k.BrowserHash(c2) != h || k.EnsureBrowser(c2) != h {
		t.Fatal("binding lost on the next request")
	}
	if n := len(setCookies(rec2)); n != 0 {
		t.Fatalf("%d cookies set for a bound browser", n)
	}
}
