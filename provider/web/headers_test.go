package web

import (
	"errors"
	"net/http"
	"net/http/httptest"
	"testing"

	"github.com/labstack/echo/v4"
)

// baseCSP is the policy of a page that posts only to otpgate itself.
const baseCSP = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'"

// pageHeaders are the headers every page and every error page carries.
var pageHeaders = map[string]string{
	"Content-Security-Policy": baseCSP,
	"X-Content-Type-Options":  "nosniff",
	"Referrer-Policy":         "no-referrer",
	"Cache-Control":           "no-store",
}

func checkHeaders(t *testing.T, what string, h http.Header, want map[string]string) {
	t.Helper()
	for k, v := range want {
		if got := h.Get(k); got != v {
			t.Errorf("%s: %s = %q, want %q", what, k, got, v)
		}
	}
}

func TestSecurityHeadersOnPage(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	e.GET("/page", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>hi</p>") }, SecurityHeaders)
	rec := serve(e, http.MethodGet, "/page")
	if rec.Code != http.StatusOK {
		t.Fatalf("status %d", rec.Code)
	}
	checkHeaders(t, "page", rec.Header(), pageHeaders)
	checkHeaders(t, "page", rec.Header(), map[string]string{
		"X-Frame-Options":            "DENY",
		"Cross-Origin-Opener-Policy": "same-origin",
	})
}

// Error pages carry the same policy whether or not the route had the
// page middleware: a 404 of the protocol routes and a failing page alike.
func TestSecurityHeadersOnErrorPage(t *testing.T) {
	e, _ := newEcho(t, NewCookies(false))
	e.GET("/page", func(c echo.Context) error {
		AllowFormAction(c, "https://rp.example/callback")
		return errors.New("boom")
	}, SecurityHeaders)
	for _, target := range []string{"/page", "/no-such-route"} {
		rec := serve(e, http.MethodGet, target)
		checkHeaders(t, target, rec.Header(), pageHeaders)
		if got := rec.Header().Get(echo.HeaderContentType); got != echo.MIMETextHTMLCharsetUTF8 {
			t.Errorf("%s: Content-Type %q", target, got)
		}
	}
}

func TestAllowFormAction(t *testing.T) {
	cases := []struct{ target, formAction string }{
		{"https://rp.example/callback?x=1", "form-action 'self' https://rp.example;"},
		{"http://127.0.0.1:8080/cb", "form-action 'self' http://127.0.0.1:8080;"},
		{"com.example.app:/oauth", "form-action 'self' com.example.app:;"},
		// Nothing to add, or nothing safe to add: the policy stays strict.
		{"/logged-out", "form-action 'self';"},
		{"", "form-action 'self';"},
		{"https:///no-host", "form-action 'self';"},
		{"https://rp.example;script-src/", "form-action 'self';"},
		{"https://rp.example'/", "form-action 'self';"},
		{"://broken", "form-action 'self';"},
	}
	for _, tc := range cases {
		c, rec := newContext(t, httptest.NewRequest(http.MethodGet, "/login/password", nil))
		c.Response().Header().Set("Content-Security-Policy", baseCSP)
		AllowFormAction(c, tc.target)
		got := rec.Header().Get("Content-Security-Policy")
		if want := "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; " + tc.formAction +
			" frame-ancestors 'none'; base-uri 'none'"; got != want {
			t.Errorf("%q: CSP %q, want %q", tc.target, got, want)
		}
	}
}

// TestStrictTransport: an https issuer's responses, error pages included,
// tell browsers to keep to https.
func TestStrictTransport(t *testing.T) {
	e, _ := newEcho(t, NewCookies(true))
	e.Use(StrictTransport)
	e.GET("/page", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>hi</p>") })
	for _, path := range []string{"/page", "/missing"} {
		if got := serve(e, http.MethodGet, path).Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("%s: Strict-Transport-Security = %q", path, got)
		}
	}
}

// TestStrictTransportOnTLS: with a plain-http issuer, only the answers to
// requests that came over TLS (the built-in listener) carry HSTS.
func TestStrictTransportOnTLS(t *testing.T) {
	e, _ := newEcho(t, NewCookies(false))
	e.Use(StrictTransportOnTLS)
	e.GET("/page", func(c echo.Context) error { return c.HTML(http.StatusOK, "<p>hi</p>") })
	for _, path := range []string{"/page", "/missing"} {
		req := httptest.NewRequest(http.MethodGet, path, nil)
		rec := httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != "" {
			t.Errorf("%s over http: Strict-Transport-Security = %q", path, got)
		}
		req = httptest.NewRequest(http.MethodGet, "https://id.example"+path, nil)
		rec = httptest.NewRecorder()
		e.ServeHTTP(rec, req)
		if got := rec.Header().Get("Strict-Transport-Security"); got != "max-age=31536000" {
			t.Errorf("%s over TLS: Strict-Transport-Security = %q", path, got)
		}
	}
}
