package web

import (
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/labstack/echo/v4"
	"github.com/labstack/echo/v4/middleware"
)

// checkCookie asserts the attributes every otpgate cookie has.
func checkCookie(t *testing.T, ck *http.Cookie, secure bool, name string) {
	t.Helper()
	want := "otpgate-" + name
	if secure {
		want = "__Host-" + want
	}
	if ck.Name != want || ck.Secure != secure || !ck.HttpOnly || ck.SameSite != http.SameSiteLaxMode ||
		ck.Path != "/" || ck.Domain != "" {
		t.Errorf("cookie %q (want %q): secure %v httponly %v samesite %v path %q domain %q",
			ck.Name, want, ck.Secure, ck.HttpOnly, ck.SameSite, ck.Path, ck.Domain)
	}
}

func TestCookieAttributes(t *testing.T) {
	for _, secure := range []bool{true, false} {
		k := NewCookies(secure)
		c, rec := newContext(t, httptest.NewRequest(http.MethodGet, "/", nil))
		k.Set(c, "session", "v1", 0)
		k.Set(c, "lang", "ja", time.Hour)
		k.Set(c, "gone", "", -1)
		got := setCookies(rec)
		if len(got) != 3 {
			t.Fatalf("secure %v: %d cookies", secure, len(got))
		}
		for i, name := range []string{"session", "lang", "gone"} {
			checkCookie(t, got[i], secure, name)
		}
		// 0: a browser-session cookie; > 0: seconds; < 0: deleted now.
		if got[0].MaxAge != 0 || got[1].MaxAge != 3600 || got[2].MaxAge >= 0 {
			t.Errorf("secure %v: max-age %d %d %d", secure, got[0].MaxAge, got[1].MaxAge, got[2].MaxAge)
		}
		if raw := rec.Header().Values("Set-Cookie")[2]; !strings.Contains(raw, "Max-Age=0") {
			t.Errorf("deleting cookie: %q", raw)
		}
	}
}

func TestCookieGet(t *testing.T) {
	k := NewCookies(true)
	cases := []struct {
		name, cookie, want string
	}{
		{"absent", "", ""},
		{"present", "__Host-otpgate-session=abc", "abc"},
		{"largest accepted", "__Host-otpgate-session=" + strings.Repeat("a", 128), strings.Repeat("a", 128)},
		{"oversized", "__Host-otpgate-session=" + strings.Repeat("a", 129), ""},
		// On https a cookie without the __Host- prefix (which a sibling
		// domain or plain http could have planted) is not ours.
		{"unprefixed on https", "otpgate-session=abc", ""},
		{"other cookie", "__Host-otpgate-lang=ja", ""},
	}
	for _, tc := range cases {
		req := httptest.NewRequest(http.MethodGet, "/", nil)
		if tc.cookie != "" {
			req.Header.Set("Cookie", tc.cookie)
		}
		c, _ := newContext(t, req)
		if got := k.Get(c, "session"); got != tc.want {
			t.Errorf("%s: Get = %q, want %q", tc.name, got, tc.want)
		}
	}
}

// The CSRF middleware's cookie is built with the same attributes.
func TestCSRFCookie(t *testing.T) {
	for _, secure := range []bool{true, false} {
		e := echo.New()
		cfg := NewCookies(secure).CSRF(middleware.CSRFConfig{TokenLookup: "form:csrf"}, "csrf", 2*time.Hour)
		e.GET("/", func(c echo.Context) error { return c.NoContent(http.StatusOK) }, middleware.CSRFWithConfig(cfg))
		rec := serve(e, http.MethodGet, "/")
		got := setCookies(rec)
		if len(got) != 1 {
			t.Fatalf("secure %v: %d cookies", secure, len(got))
		}
		checkCookie(t, got[0], secure, "csrf")
		if cfg.CookieMaxAge != 7200 || got[0].Expires.IsZero() {
			t.Errorf("secure %v: max age %d, expires %v", secure, cfg.CookieMaxAge, got[0].Expires)
		}
	}
}
