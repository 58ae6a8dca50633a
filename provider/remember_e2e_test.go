package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

func setRemember(t *testing.T, h *harness, clientID string, on bool) {
	t.Helper()
	err := h.store.EditClient(context.Background(), clientID, func(*store.Client) (store.ClientUpdate, error) {
		return store.ClientUpdate{RememberBrowser: &on}, nil
	})
	if err != nil {
		t.Fatal(err)
	}
}

// hasRememberBox reports whether the passcode page offers to remember the
// browser.
func hasRememberBox(p *page) bool {
	return find(p.Doc, func(n *htmlNode) bool { return n.Data == "input" && attr(n, "name") == "remember_browser" }) != nil
}

func TestRememberBrowser(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.RememberBrowserDays = 30 })
	h.addClient("app", appSecret)
	h.addClient("plain", appSecret)
	setRemember(t, h, "app", true)
	secrets := map[string][]byte{}
	for _, name := range []string{"erin", "bob"} {
		h.requireMFA(h.addUser(name, name+"s-password-1", "Rex"))
		nonce := "enrol-" + name
		app := h.relyingParty("app", appSecret, &nonce)
		b := newBrowser(t)
		p := b.toSecondFactor(authURL(app, nonce, ""), name, name+"s-password-1", "rex")
		_, secrets[name] = h.enroll(b, p)
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	plain := h.relyingParty("plain", appSecret, &nonce)
	step := func() { h.clock.Advance(31 * time.Second) }
	// later moves past every browser session (but within the 30 days).
	later := func() { h.clock.Advance(2 * 24 * time.Hour) }

	// erin passes a passcode in browser b and ticks the box.
	b := newBrowser(t)
	step()
	p := b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
	if p.Step() != "otp" || !hasRememberBox(p) {
		t.Fatalf("passcode page: step %q, box %v", p.Step(), hasRememberBox(p))
	}
	c := exchange(t, app, b.submit(p, map[string]string{"code": h.passcode(t, secrets["erin"]), "remember_browser": "on"}))
	if !slices.Contains(c.AuthenticationMethodsReferences, "otp") {
		t.Fatalf("the remembering sign-in itself passed a passcode: amr %v", c.AuthenticationMethodsReferences)
	}
	u, _ := url.Parse(h.issuer)
	var remembered *http.Cookie
	for _, ck := range b.Client.Jar.Cookies(u) {
		if ck.Name == "otpgate-remember" {
			remembered = ck
		}
	}
	if remembered == nil {
		t.Fatalf("no remember cookie was set")
	}

	t.Run("the remembered browser skips the passcode, and the tokens say so", func(t *testing.T) {
		later()
		p := b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
		c := exchange(t, app, p)
		if amr := c.AuthenticationMethodsReferences; !slices.Equal(amr, []string{"pwd", "kba"}) ||
			c.AuthenticationContextClassReference != signin.ACRRememberedBrowser {
			t.Fatalf("amr %v acr %q; want [pwd kba] and %q", amr, c.AuthenticationContextClassReference, signin.ACRRememberedBrowser)
		}
		// The session it started does not stand in for a passcode either.
		nonce = "n-sso-mfa"
		p = b.get(authURL(app, nonce, "", rp.WithURLParam("acr_values", signin.ACRMFA)))
		if p.Step() != "password" {
			t.Fatalf("a remembered session satisfied acr_values=MFA: step %q", p.Step())
		}
	})
	t.Run("password and answer without the cookie still need the passcode", func(t *testing.T) {
		later()
		p := newBrowser(t).signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
		if p.Step() != "otp" {
			t.Fatalf("step %q, want otp", p.Step())
		}
	})
	t.Run("erin's cookie does nothing for bob", func(t *testing.T) {
		later()
		ob := newBrowser(t)
		ob.Client.Jar.SetCookies(u, []*http.Cookie{{Name: remembered.Name, Value: remembered.Value, Path: "/"}})
		p := ob.signIn(authURL(app, nonce, ""), "bob", "bobs-password-1", "rex")
		if p.Step() != "otp" {
			t.Fatalf("bob with erin's cookie: step %q, want otp", p.Step())
		}
	})
	t.Run("fresh second factor requests: no box, no skip", func(t *testing.T) {
		for name, extra := range map[string][]rp.URLParamOpt{
			"max_age":      {rp.WithURLParam("max_age", "86400")},
			"acr_values":   {rp.WithURLParam("acr_values", signin.ACRMFA)},
			"prompt=login": {rp.WithPromptURLParam(oidc.PromptLogin)},
		} {
			later()
			p := b.signIn(authURL(app, nonce, "", extra...), "erin", "erins-password-1", "rex")
			if p.Step() != "otp" || hasRememberBox(p) {
				t.Fatalf("%s: step %q box %v; want the passcode page without the box", name, p.Step(), hasRememberBox(p))
			}
		}
		later()
		p := b.signIn(authURL(plain, nonce, ""), "erin", "erins-password-1", "rex")
		if p.Step() != "otp" || hasRememberBox(p) {
			t.Fatalf("a client without remember_browser: step %q box %v", p.Step(), hasRememberBox(p))
		}
		// The box posted anyway remembers nothing.
		before, _ := h.store.RememberedBrowsers(context.Background(), p.userID(t, h, "erin"))
		step()
		exchange(t, plain, b.postFormFollow(p, "/login/otp", map[string]string{"code": h.passcode(t, secrets["erin"]), "remember_browser": "on"}))
		after, _ := h.store.RememberedBrowsers(context.Background(), p.userID(t, h, "erin"))
		if len(after) != len(before) {
			t.Fatalf("a box posted where none was offered remembered the browser: %d rows, was %d", len(after), len(before))
		}
	})
	t.Run("a revoked browser asks again", func(t *testing.T) {
		later()
		erin, _ := h.store.UserByUsername(context.Background(), "erin")
		rows, err := h.store.RememberedBrowsers(context.Background(), erin.ID)
		if err != nil || len(rows) == 0 {
			t.Fatalf("rows %v err %v", rows, err)
		}
		if _, err := h.store.RevokeRememberedBrowsers(context.Background(), erin.ID); err != nil {
			t.Fatal(err)
		}
		p := b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
		if p.Step() != "otp" {
			t.Fatalf("after revocation: step %q, want otp", p.Step())
		}
	})
}

// userID is the id of the account username.
func (p *page) userID(t *testing.T, h *harness, username string) string {
	t.Helper()
	u, err := h.store.UserByUsername(context.Background(), username)
	if err != nil {
		t.Fatal(err)
	}
	return u.ID
}

// postFormFollow is postForm that follows the answer's redirects.
func (b *browser) postFormFollow(p *page, path string, values map[string]string) *page {
	b.t.Helper()
	r := b.postForm(p, path, values)
	f, err := b.Follow(r.Page)
	return b.must(f, err)
}
