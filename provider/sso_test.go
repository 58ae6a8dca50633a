package provider_test

import (
	"context"
	"encoding/base64"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// exchange redeems a code and returns the verified ID token claims.
func exchange(t *testing.T, relying rp.RelyingParty, p *page) *oidc.IDTokenClaims {
	t.Helper()
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), relying)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	return tokens.IDTokenClaims
}

func TestBrowserSession(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n1"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	first := exchange(t, app, b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex"))

	t.Run("second authorize skips every step", func(t *testing.T) {
		nonce = "n2"
		p := b.get(authURL(app, nonce, ""))
		c := exchange(t, app, p)
		if c.Subject != first.Subject || !c.AuthTime.AsTime().Equal(first.AuthTime.AsTime()) {
			t.Fatalf("SSO: sub %q auth_time %v, want %q %v", c.Subject, c.AuthTime, first.Subject, first.AuthTime)
		}
	})
	t.Run("prompt=none with a session", func(t *testing.T) {
		nonce = "n3"
		p := b.get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone)))
		exchange(t, app, p)
	})
	t.Run("prompt=login asks again and moves auth_time", func(t *testing.T) {
		h.clock.Advance(1100 * time.Millisecond) // auth_time has one-second resolution
		nonce = "n4"
		p := b.signIn(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin)), "erin", "erins-password-1", "rex")
		c := exchange(t, app, p)
		if !c.AuthTime.AsTime().After(first.AuthTime.AsTime()) {
			t.Fatalf("auth_time did not move: %v vs %v", c.AuthTime, first.AuthTime)
		}
	})
	t.Run("max_age exceeded asks again", func(t *testing.T) {
		h.clock.Advance(1100 * time.Millisecond)
		nonce = "n5"
		p := b.get(authURL(app, nonce, "", rp.WithURLParam("max_age", "1")))
		if p.Step() != "password" {
			t.Fatalf("max_age=1 after >1s: step %q, want password", p.Step())
		}
	})
	t.Run("max_age satisfied skips", func(t *testing.T) {
		nonce = "n6"
		exchange(t, app, b.get(authURL(app, nonce, "", rp.WithURLParam("max_age", "3600"))))
	})
}

func TestPromptNoneWithoutSession(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	p := newBrowser(t).get(authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptNone)))
	q := p.rpQuery(t)
	if q.Get("error") != "login_required" || q.Get("code") != "" || q.Get("state") != "state-n" {
		t.Fatalf("prompt=none without a session: %v", q)
	}
}

// TestLogoutWithUnregisteredReturnAddress: a relying party that sends a
// post-logout URI it did not register exactly (a trailing slash missing)
// has already dropped its own session; otpgate refuses the redirect but
// still signs the person out after they confirm, and names the address
// and the application so that an administrator can fix it.
func TestLogoutWithUnregisteredReturnAddress(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
	for _, hint := range []bool{false, true} {
		q := url.Values{"post_logout_redirect_uri": {"https://rp.example/bye/"}, "state": {"s"}}
		if !hint {
			q.Set("client_id", "app")
		} else {
			claims := base64.RawURLEncoding.EncodeToString([]byte(`{"iss":"x","aud":["app"],"sub":"u"}`))
			q.Set("id_token_hint", "e30."+claims+".c2ln")
		}
		p := b.get(h.issuer + "/end_session?" + q.Encode())
		if p.Step() != "logout" || p.Status != http.StatusOK {
			t.Fatalf("hint %v: step %q status %d", hint, p.Step(), p.Status)
		}
		if got := p.Text("unregistered"); !strings.Contains(got, "https://rp.example/bye/") || !strings.Contains(got, "app") {
			t.Fatalf("hint %v: the page does not name the address and the application: %q", hint, got)
		}
		if strings.Contains(p.Body, `name="post_logout_redirect_uri"`) || strings.Contains(p.Body, `href="/logout?`) &&
			strings.Contains(p.Body, "rp.example%2Fbye") {
			t.Fatalf("hint %v: the refused address travels in a form or a link", hint)
		}
	}
	p := b.get(h.issuer + "/end_session?client_id=app&post_logout_redirect_uri=" + url.QueryEscape("https://rp.example/bye/"))
	if p = b.submit(p, nil); p.URL.Path != "/logged-out" || p.Step() != "logged-out" {
		t.Fatalf("after confirming: %s (%q)", p.URL, p.Step())
	}
	if p := b.get(authURL(app, nonce, "")); p.Step() != "password" {
		t.Fatalf("the session survived a logout with an unregistered return address: step %q", p.Step())
	}
}

func TestLogoutEndsTheSession(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex").code(t)
	end, err := rp.EndSession(context.Background(), app, "", "https://rp.example/bye", "bye-state", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	u := end.String() + "&client_id=app"
	p := b.get(u)
	if p.Step() != "logout" {
		t.Fatalf("end_session: step %q status %d", p.Step(), p.Status)
	}
	p = b.submit(p, nil)
	if p.Location != "https://rp.example/bye?state=bye-state" {
		t.Fatalf("after logout: location %q", p.Location)
	}
	// The session is gone: a new authorize asks for the password.
	if p := b.get(authURL(app, nonce, "")); p.Step() != "password" {
		t.Fatalf("after logout: step %q", p.Step())
	}
	// An unregistered post-logout URI is never redirected to; the page says
	// so and names it (in text only), and confirming still signs out.
	p = b.get(h.issuer + "/end_session?client_id=app&post_logout_redirect_uri=" + url.QueryEscape("https://evil.example/"))
	if p.Step() != "logout" || strings.Contains(p.Body, `value="https://evil.example/"`) ||
		!strings.Contains(p.Text("unregistered"), "https://evil.example/") {
		t.Fatalf("unregistered post-logout URI: status %d step %q", p.Status, p.Step())
	}
	if p = b.submit(p, nil); p.URL.Path != "/logged-out" {
		t.Fatalf("unregistered post-logout URI led to %s", p.URL)
	}
	// A forged confirmation link falls back to the local signed-out page.
	p = b.get(h.issuer + "/logout?redirect=" + url.QueryEscape("https://evil.example/") + "&sig=forged")
	if p.Step() != "logout" || strings.Contains(p.Body, "evil.example") {
		t.Fatalf("forged logout link: step %q", p.Step())
	}
	if p = b.submit(p, nil); p.URL.Path != "/logged-out" || p.Step() != "logged-out" {
		t.Fatalf("forged logout link led to %s (%q)", p.URL, p.Step())
	}
}

// TestLogoutCancelKeepsTheSession: Cancel on the confirmation ends
// nothing; the application that asked gets its browser back at its
// registered address, and a logout nobody verified says "still signed in".
func TestLogoutCancelKeepsTheSession(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex").code(t)
	end, err := rp.EndSession(context.Background(), app, "", "https://rp.example/bye", "bye-state", "", nil)
	if err != nil {
		t.Fatal(err)
	}
	p := b.get(end.String() + "&client_id=app")
	if p.Step() != "logout" || p.Text("cancel") == "" {
		t.Fatalf("end_session: step %q, no Cancel", p.Step())
	}
	p = b.postForm(p, "/logout", map[string]string{"cancel": "yes"})
	if p.Location != "https://rp.example/bye?state=bye-state" {
		t.Fatalf("after Cancel: location %q", p.Location)
	}
	if p := b.get(authURL(app, nonce, "")); p.code(t) == "" {
		t.Fatal("the session did not survive Cancel")
	}
	// Without a verified return address: a page that says nothing ended.
	p = b.get(h.issuer + "/logout")
	p = b.postForm(p, "/logout", map[string]string{"cancel": "yes"})
	if p.Step() != "logged-out" || !strings.Contains(p.Body, "You are still signed in.") {
		t.Fatalf("Cancel without a return address: step %q\n%s", p.Step(), p.Body)
	}
	if p := b.get(authURL(app, nonce, "")); p.code(t) == "" {
		t.Fatal("the session did not survive Cancel")
	}
	// Without a CSRF token, Cancel is refused like any other post.
	p = b.get(h.issuer + "/logout")
	if p = b.postForm(p, "/logout", map[string]string{"cancel": "yes", "csrf": "forged"}); p.Status != http.StatusForbidden {
		t.Fatalf("Cancel with a forged CSRF token: status %d", p.Status)
	}
}

// TestErrorPageStartAgainOnlyForItsBrowser: an expired sign-in offers
// "Start again" (its own authorization request) in the browser it belongs
// to; another browser that opens the same sign-in's address (a shared or
// shoulder-surfed link) gets "Back to the application" only, and never the
// request's state, nonce or PKCE challenge.
func TestErrorPageStartAgainOnlyForItsBrowser(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n-secret-nonce"
	app := h.relyingParty("app", appSecret, &nonce)
	own := newBrowser(t)
	p := own.get(authURL(app, nonce, "pkce-challenge-0123456789012345678901234567"))
	id := p.URL.Query().Get("authRequestID")
	if p.Step() != "password" || id == "" {
		t.Fatalf("authorize: step %q url %s", p.Step(), p.URL)
	}
	next := h.issuer + "/login/next?authRequestID=" + url.QueryEscape(id)
	for _, q := range []*page{newBrowser(t).get(next), func() *page { h.clock.Advance(25 * time.Hour); return newBrowser(t).get(next) }()} {
		if q.Step() != "error" || strings.Contains(q.Body, "start-again") || strings.Contains(q.Body, "n-secret-nonce") ||
			strings.Contains(q.Body, "state-") || strings.Contains(q.Body, "pkce-challenge") || !strings.Contains(q.Body, `id="back-to-app"`) {
			t.Fatalf("another browser's error page (status %d) offers the request:\n%s", q.Status, q.Body)
		}
	}
	q := own.get(next)
	if q.Status != http.StatusGone || !strings.Contains(q.Body, `id="start-again"`) || !strings.Contains(q.Body, "n-secret-nonce") {
		t.Fatalf("the expired sign-in in its own browser: status %d\n%s", q.Status, q.Body)
	}
}
