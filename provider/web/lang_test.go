package web

import (
	"net/http"
	"net/http/httptest"
	"testing"
)

func TestLang(t *testing.T) {
	k := NewCookies(false)
	// A ?lang= switch wins and is remembered for a year.
	c, rec := newContext(t, httptest.NewRequest(http.MethodGet, "/login/password?lang=ja", nil))
	if got := k.Lang(c, "en"); got != "ja" {
		t.Fatalf("switch: %q", got)
	}
	set := setCookies(rec)
	if len(set) != 1 || set[0].Value != "ja" || set[0].MaxAge != 365*24*3600 {
		t.Fatalf("switch not remembered: %v", set)
	}
	checkCookie(t, set[0], false, "lang")

	// The remembered choice beats ui_locales and Accept-Language; an
	// unknown switch is ignored and sets nothing.
	req := httptest.NewRequest(http.MethodGet, "/login/password?lang=xx", nil)
	req.AddCookie(set[0])
	req.Header.Set("Accept-Language", "en")
	c, rec = newContext(t, req)
	if got := k.Lang(c, "en"); got != "ja" {
		t.Fatalf("remembered: %q", got)
	}
	if got := k.PageLang(c); got != "ja" {
		t.Fatalf("PageLang remembered: %q", got)
	}
	if n := len(setCookies(rec)); n != 0 {
		t.Fatalf("%d cookies set without a switch", n)
	}

	// Without a choice: ui_locales, then Accept-Language.
	req = httptest.NewRequest(http.MethodGet, "/", nil)
	req.Header.Set("Accept-Language", "ja,en;q=0.5")
	c, _ = newContext(t, req)
	if got := k.Lang(c, "en"); got != "en" {
		t.Fatalf("ui_locales: %q", got)
	}
	if got := k.PageLang(c); got != "ja" {
		t.Fatalf("PageLang Accept-Language: %q", got)
	}
}
