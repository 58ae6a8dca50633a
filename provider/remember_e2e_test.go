package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"strings"
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
	t.Run("the session a remembered sign-in started gives single sign-on where the browser would skip the passcode", func(t *testing.T) {
		later()
		exchange(t, app, b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex"))
		step()
		for _, extra := range [][]rp.URLParamOpt{nil, {rp.WithPromptURLParam(oidc.PromptNone)}} {
			p := b.get(authURL(app, nonce, "", extra...))
			c := exchange(t, app, p)
			if amr := c.AuthenticationMethodsReferences; !slices.Equal(amr, []string{"pwd", "kba"}) ||
				c.AuthenticationContextClassReference != signin.ACRRememberedBrowser {
				t.Fatalf("single sign-on: amr %v acr %q", amr, c.AuthenticationContextClassReference)
			}
		}
		// Where the browser would not skip the passcode, the session does
		// not either: a client that does not allow it, max_age, the MFA acr.
		if p := b.get(authURL(plain, nonce, "")); p.Step() != "password" {
			t.Fatalf("a client without remember_browser: step %q", p.Step())
		}
		if p := b.get(authURL(plain, nonce, "", rp.WithPromptURLParam(oidc.PromptNone))); p.rpQuery(t).Get("error") != "login_required" {
			t.Fatalf("prompt=none at a client without remember_browser: %v", p.rpQuery(t))
		}
		if p := b.get(authURL(app, nonce, "", rp.WithURLParam("max_age", "86400"))); p.Step() != "password" {
			t.Fatalf("max_age: step %q", p.Step())
		}
		// The session without the browser's cookie: another browser.
		thief := newBrowser(t)
		u, _ := url.Parse(h.issuer)
		for _, ck := range b.Client.Jar.Cookies(u) {
			if ck.Name != remembered.Name {
				thief.Client.Jar.SetCookies(u, []*http.Cookie{{Name: ck.Name, Value: ck.Value, Path: "/"}})
			}
		}
		if p := thief.get(authURL(app, nonce, "")); p.Step() != "password" {
			t.Fatalf("the session's cookie without the remembered browser's: step %q", p.Step())
		}
		// Forgotten: the session no longer stands in.
		erin, _ := h.store.UserByUsername(context.Background(), "erin")
		if _, err := h.store.RevokeRememberedBrowsers(context.Background(), erin.ID); err != nil {
			t.Fatal(err)
		}
		if p := b.get(authURL(app, nonce, "")); p.Step() != "password" {
			t.Fatalf("after the browser was forgotten: step %q", p.Step())
		}
		// Remember it again for the subtests below.
		later()
		p := b.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "rex")
		step()
		exchange(t, app, b.submit(p, map[string]string{"code": h.passcode(t, secrets["erin"]), "remember_browser": "on"}))
		for _, ck := range b.Client.Jar.Cookies(u) {
			if ck.Name == "otpgate-remember" {
				remembered = ck
			}
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

// rememberedBrowser enrols name's device (requiring two-factor) in one
// browser, then signs in in another, ticking "remember this browser",
// and returns that browser and the device secret. The client "app" must
// allow remembering.
func rememberedBrowser(t *testing.T, h *harness, name, pw string) (*browser, []byte) {
	t.Helper()
	u, err := h.store.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	h.requireMFA(u)
	nonce := "enrol-" + name
	app := h.relyingParty("app", appSecret, &nonce)
	first := newBrowser(t)
	p := first.toSecondFactor(authURL(app, nonce, ""), name, pw, "rex")
	_, secret := h.enroll(first, p)
	// A later sign-in in another browser, ticking the box (a
	// prompt=login sign-in first, which offers none).
	b := newBrowser(t)
	h.clock.Advance(31 * time.Second)
	p = b.signIn(authURL(app, nonce, "", rp.WithPromptURLParam("login")), name, pw, "rex")
	if p.Step() != "otp" || hasRememberBox(p) {
		t.Fatalf("prompt=login: step %q box %v (remembering is not offered)", p.Step(), hasRememberBox(p))
	}
	p = b.signIn(authURL(app, nonce, ""), name, pw, "rex")
	if p.Step() != "otp" || !hasRememberBox(p) {
		t.Fatalf("%s's passcode page: step %q box %v", name, p.Step(), hasRememberBox(p))
	}
	h.clock.Advance(31 * time.Second)
	exchange(t, app, b.submit(p, map[string]string{"code": h.passcode(t, secret), "remember_browser": "on"}))
	return b, secret
}

// TestAccountRememberedBrowsers: the account page lists the person's
// remembered browsers (this one marked) and forgets them; another
// person's browser cannot be forgotten from their page.
func TestAccountRememberedBrowsers(t *testing.T) {
	h, _ := adminHarness(t, func(o *provider.Options) { o.RememberBrowserDays = 30 })
	setRemember(t, h, "app", true)
	ctx := context.Background()
	secrets := map[string][]byte{}
	browsers := map[string]*browser{}
	h.addUser("bob", "bobs-password-1", "rex")
	for name, pw := range map[string]string{"erin": erinPW, "bob": "bobs-password-1"} {
		browsers[name], secrets[name] = rememberedBrowser(t, h, name, pw)
	}
	rowsOf := func(p *page) []string {
		var ids []string
		find(p.Doc, func(n *htmlNode) bool {
			if n.Data == "tr" && attr(n, "data-browser") != "" {
				ids = append(ids, attr(n, "data-browser")+"|"+attr(n, "data-current"))
			}
			return false
		})
		return ids
	}
	b := browsers["erin"]
	p := b.get(h.issuer + "/account/sessions")
	if p.Step() != "account-sessions" {
		t.Fatalf("erin's sessions page: step %q status %d", p.Step(), p.Status)
	}
	erinRows := rowsOf(p)
	if len(erinRows) != 1 || !strings.HasSuffix(erinRows[0], "|true") {
		t.Fatalf("erin's remembered browsers: %v, want this one", erinRows)
	}
	erinID := strings.TrimSuffix(erinRows[0], "|true")

	// bob, on his own page, names erin's browser: not found, and it stays.
	bp := browsers["bob"].get(h.issuer + "/account/sessions")
	if got := browsers["bob"].postForm(bp, "/account/browsers/forget", map[string]string{"browser": erinID}); got.Status != http.StatusNotFound {
		t.Fatalf("bob forgetting erin's browser: status %d", got.Status)
	}
	erin, _ := h.store.UserByUsername(ctx, "erin")
	if rows, err := h.store.RememberedBrowsers(ctx, erin.ID); err != nil || len(rows) != 1 {
		t.Fatalf("erin's remembered browsers after bob's try: %d, %v", len(rows), err)
	}
	// Without the form's csrf: refused, nothing forgotten.
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/account/browsers/forget", strings.NewReader("browser="+erinID))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if got := b.do(req); got.Status != http.StatusForbidden {
		t.Fatalf("forget without csrf: %d", got.Status)
	}
	// erin forgets it.
	p = b.postForm(p, "/account/browsers/forget", map[string]string{"browser": erinID})
	if p.Step() != "account" || !strings.Contains(string(p.Body), `data-done="browsers"`) {
		t.Fatalf("erin forgetting her browser: status %d step %q", p.Status, p.Step())
	}
	if rows, err := h.store.RememberedBrowsers(ctx, erin.ID); err != nil || len(rows) != 0 {
		t.Fatalf("after forgetting: %d rows, %v", len(rows), err)
	}
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{UserID: erin.ID, Events: []string{store.EventSelfBrowsers}, Limit: 10})
	if err != nil || len(events) != 1 || events[0].Actor != signin.ActorSelf {
		t.Fatalf("audit of the forgetting: %+v, %v", events, err)
	}
	// bob forgets all of his.
	bp = browsers["bob"].get(h.issuer + "/account/sessions")
	if len(rowsOf(bp)) != 1 {
		t.Fatalf("bob's rows: %v", rowsOf(bp))
	}
	if got := browsers["bob"].postForm(bp, "/account/browsers/forget-all", nil); got.Step() != "account" {
		t.Fatalf("bob forgetting all: status %d step %q", got.Status, got.Step())
	}
	bob, _ := h.store.UserByUsername(ctx, "bob")
	if rows, _ := h.store.RememberedBrowsers(ctx, bob.ID); len(rows) != 0 {
		t.Fatalf("bob's rows after forgetting all: %d", len(rows))
	}
	// The next sign-in in her browser asks for the passcode again.
	h.clock.Advance(2 * 24 * time.Hour)
	nonce := "again"
	app := h.relyingParty("app", appSecret, &nonce)
	if p = b.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "otp" {
		t.Fatalf("after forgetting, the sign-in skipped the passcode: step %q", p.Step())
	}
}

// TestConsoleRememberedBrowsers: an administrator sees a user's remembered
// browsers on the user's page and forgets them; the user's next sign-in
// there asks for the passcode.
func TestConsoleRememberedBrowsers(t *testing.T) {
	h, svc := adminHarness(t, func(o *provider.Options) { o.RememberBrowserDays = 30 })
	setRemember(t, h, "app", true)
	ctx := context.Background()
	eb, _ := rememberedBrowser(t, h, "erin", erinPW)
	h.addUser("ada", adaPW, "tabby")
	if _, err := svc.SetAdmin(ctx, "test", "ada", true); err != nil {
		t.Fatal(err)
	}
	a := newBrowser(t)
	p := a.toSecondFactor(h.issuer+"/admin/users/erin", "ada", adaPW, "tabby")
	if p, _ = h.enroll(a, p); p.Step() != "console-user" {
		t.Fatalf("ada's console sign-in to erin's page: step %q status %d", p.Step(), p.Status)
	}
	var ids []string
	find(p.Doc, func(n *htmlNode) bool {
		if n.Data == "tr" && attr(n, "data-browser") != "" {
			ids = append(ids, attr(n, "data-browser"))
		}
		return false
	})
	if len(ids) != 1 {
		t.Fatalf("erin's page lists %d remembered browsers, want 1", len(ids))
	}
	// An id that is none of erin's: 404; what is no id at all: 400.
	if got := consoleAction(t, a, p, "/admin/users/erin/browsers/forget", map[string]string{"browser": strings.Repeat("A", 26)}); got.Status != http.StatusNotFound {
		t.Fatalf("forgetting an unknown browser: %d", got.Status)
	}
	if got := consoleAction(t, a, p, "/admin/users/erin/browsers/forget", map[string]string{"browser": "not-hers"}); got.Status != http.StatusBadRequest {
		t.Fatalf("forgetting a malformed id: %d", got.Status)
	}
	p = followed(t, a, consoleAction(t, a, p, "/admin/users/erin/browsers/forget", map[string]string{"browser": ids[0]}))
	if p.Step() != "console-user" || strings.Contains(p.Body, "data-browser=") {
		t.Fatalf("after forgetting: step %q, a browser still listed", p.Step())
	}
	erin, _ := h.store.UserByUsername(ctx, "erin")
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{UserID: erin.ID, Events: []string{store.EventBrowserForgotten}, Limit: 5})
	if err != nil || len(events) != 1 || events[0].Actor != "console:ada" {
		t.Fatalf("audit: %+v, %v", events, err)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	nonce := "after"
	app := h.relyingParty("app", appSecret, &nonce)
	if p = eb.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "otp" {
		t.Fatalf("erin's browser after the administrator forgot it: step %q", p.Step())
	}
}

// TestAdminAPIRememberedBrowsers: the API lists a user's remembered
// browsers (never their tokens) and forgets one or all; a forgotten
// browser asks for the passcode again, the other keeps skipping it until
// it is forgotten too; each forgetting is the client's in the audit log.
func TestAdminAPIRememberedBrowsers(t *testing.T) {
	h, _ := adminHarness(t, func(o *provider.Options) { o.RememberBrowserDays = 30 })
	setRemember(t, h, "app", true)
	ctx := context.Background()
	write := h.clientToken(t, "writer", writerSecret)
	b1, secret := rememberedBrowser(t, h, "erin", erinPW)
	// A second browser, remembered too.
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b2 := newBrowser(t)
	p := b2.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex")
	h.clock.Advance(31 * time.Second)
	exchange(t, app, b2.submit(p, map[string]string{"code": h.passcode(t, secret), "remember_browser": "on"}))

	got, _, body := h.api(t, http.MethodGet, "/users/erin/remembered-browsers", write)
	list, _ := body["remembered_browsers"].([]any)
	if got != http.StatusOK || len(list) != 2 {
		t.Fatalf("list: %d %v", got, body)
	}
	erin := mustUser(t, h, "erin")
	rows, err := h.store.RememberedBrowsers(ctx, erin.ID)
	if err != nil || len(rows) != 2 {
		t.Fatalf("stored: %v %v", rows, err)
	}
	for i, item := range list {
		b := item.(map[string]any)
		if b["id"] != rows[i].ID || b["client_id"] != "app" || b["label"] == nil || b["created"] == nil || b["last_used"] == nil || b["expires"] == nil {
			t.Fatalf("browser %d: %v, stored %+v", i, b, rows[i])
		}
		for _, r := range rows {
			if strings.Contains(fmt.Sprint(b), r.TokenHash) {
				t.Fatalf("a remembered browser shows its token's hash: %v", b)
			}
		}
	}
	// The most recently used first: b2's.
	newest := rows[0].ID
	if got, _, body := h.api(t, http.MethodDelete, "/users/erin/remembered-browsers/"+newest, write); got != http.StatusNoContent {
		t.Fatalf("forget one: %d %v", got, body)
	}
	if got, _, _ := h.api(t, http.MethodDelete, "/users/erin/remembered-browsers/"+newest, write); got != http.StatusNotFound {
		t.Fatalf("forget it twice: %d", got)
	}
	// Another account cannot name it.
	h.addUser("ada", adaPW, "tabby")
	if got, _, _ := h.api(t, http.MethodDelete, "/users/ada/remembered-browsers/"+rows[1].ID, write); got != http.StatusNotFound {
		t.Fatalf("erin's browser forgotten through ada: %d", got)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	nonce = "after"
	if p := b2.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "otp" {
		t.Fatalf("the forgotten browser: step %q", p.Step())
	}
	if p := b1.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Code() == "" {
		t.Fatalf("the other browser stopped skipping the passcode: step %q", p.Step())
	}
	write = h.clientToken(t, "writer", writerSecret) // the first one expired
	if got, _, body := h.api(t, http.MethodDelete, "/users/erin/remembered-browsers", write); got != http.StatusOK || body["revoked"] != float64(1) {
		t.Fatalf("forget all: %d %v", got, body)
	}
	if got, _, body := h.api(t, http.MethodGet, "/users/erin/remembered-browsers", write); got != http.StatusOK || len(body["remembered_browsers"].([]any)) != 0 {
		t.Fatalf("list after forgetting all: %d %v", got, body)
	}
	h.clock.Advance(2 * 24 * time.Hour)
	if p := b1.signIn(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "otp" {
		t.Fatalf("after forgetting all: step %q", p.Step())
	}
	if n := len(auditBy(t, h, "writer")[store.EventBrowserForgotten]); n != 2 {
		t.Fatalf("%d forgettings audited, want 2", n)
	}
}
