package provider_test

import (
	"net/http"
	"net/url"
	"strings"
	"testing"
)

// cookieValue is the value of the cookie named name the browser holds
// for the issuer.
func (b *browser) cookieValue(issuer, name string) string {
	u, _ := url.Parse(issuer)
	for _, c := range b.Client.Jar.Cookies(u) {
		if c.Name == name {
			return c.Value
		}
	}
	return ""
}

// plant sets a cookie in the browser, as a page on a sibling host (or a
// network attacker on plain http) could.
func (b *browser) plant(issuer, name, value string) {
	u, _ := url.Parse(issuer)
	b.Client.Jar.SetCookies(u, []*http.Cookie{{Name: name, Value: value, Path: "/"}})
}

// TestFlowFixation: a binding value planted in the victim's browser binds
// nothing unless the server issued it; one the server issued (to the
// attacker) is replaced when the victim's password passes and again when
// the sign-in finishes, so the attacker's copy never reaches the victim's
// pages or the code; the CSRF token is renewed after the sign-in.
func TestFlowFixation(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	const binding = "otpgate-browser"

	// A value the server never issued is ignored and replaced.
	victim := newBrowser(t)
	victim.plant(h.issuer, binding, "chosen-by-the-attacker")
	victim.get(authURL(app, nonce, ""))
	if v := victim.cookieValue(h.issuer, binding); v == "chosen-by-the-attacker" || v == "" {
		t.Fatalf("a planted binding value was adopted: %q", v)
	}

	// A server-issued value copied from the attacker's browser.
	attacker := newBrowser(t)
	attacker.get(authURL(app, nonce, ""))
	issued := attacker.cookieValue(h.issuer, binding)
	victim = newBrowser(t)
	victim.plant(h.issuer, binding, issued)
	p := victim.get(authURL(app, nonce, ""))
	if p.Step() != "password" {
		t.Fatalf("victim's sign-in: step %q", p.Step())
	}
	flowURL := p.URL.String()
	if q := attacker.get(flowURL); q.Step() != "password" {
		t.Fatalf("before the password the copied value is the same browser: step %q", q.Step())
	}
	p = victim.submit(p, map[string]string{"username": "erin", "password": erinPW})
	if p.Step() != "question" {
		t.Fatalf("victim after the password: step %q", p.Step())
	}
	rotated := victim.cookieValue(h.issuer, binding)
	if rotated == issued {
		t.Fatal("the binding was not rotated when the password passed")
	}
	if q := attacker.get(p.URL.String()); q.Step() != "error" || strings.Contains(q.Body, "birth_city") {
		t.Fatalf("the attacker's copy still reaches the victim's question page: step %q status %d", q.Step(), q.Status)
	}
	csrfBefore := victim.cookieValue(h.issuer, "otpgate-csrf")
	p = victim.submit(p, map[string]string{"answer": "rex"})
	if !p.ToRP() {
		t.Fatalf("victim's sign-in did not finish: step %q", p.Step())
	}
	if v := victim.cookieValue(h.issuer, binding); v == rotated || v == "" {
		t.Fatalf("the binding was not rotated when the sign-in finished")
	}
	if csrf := victim.cookieValue(h.issuer, "otpgate-csrf"); csrf != "" && csrf == csrfBefore {
		t.Fatal("the CSRF token survived the sign-in")
	}
	exchange(t, app, p)
}
