package provider_test

import (
	"bytes"
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/store"
)

// syncBuffer is a log's output, safe for the server's goroutines.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// consoleHarness is adminHarness with its log kept (at debug level) and
// ada, an administrator, signed in to the console in the browser it
// returns (on the users page).
func consoleHarness(t *testing.T) (*harness, *admin.Service, *browser, *syncBuffer) {
	t.Helper()
	logs := &syncBuffer{}
	h, svc := adminHarness(t, func(o *provider.Options) {
		o.Logger = slog.New(slog.NewTextHandler(io.MultiWriter(logs), &slog.HandlerOptions{Level: slog.LevelDebug}))
	})
	h.addUser("ada", adaPW, "tabby")
	if _, err := svc.SetAdmin(context.Background(), "test", "ada", true); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	p := b.get(h.issuer + "/admin")
	p = b.submit(p, map[string]string{"username": "ada", "password": adaPW})
	p = b.submit(p, map[string]string{"answer": "tabby"})
	if p, _ = h.enroll(b, p); p.Step() != "console-users" {
		t.Fatalf("ada's console sign-in: %s", p.Describe())
	}
	return h, svc, b, logs
}

// consoleAction posts the hidden fields of page p (its CSRF token) plus
// values to path without following the answer.
func consoleAction(t *testing.T, b *browser, p *page, path string, values map[string]string) *page {
	t.Helper()
	b.StopAt = func(*url.URL) bool { return true }
	defer func() { b.StopAt = nil }()
	return b.postForm(p, path, values)
}

// followed is the page a console action's redirect leads to; it must be a
// 303 whose Location holds no more than the "done" outcome.
func followed(t *testing.T, b *browser, p *page) *page {
	t.Helper()
	if p.Status != http.StatusSeeOther {
		t.Fatalf("console action: %s, want 303", p.Describe())
	}
	if loc, _ := url.Parse(p.Location); len(loc.Query()) > 1 || (len(loc.Query()) == 1 && loc.Query().Get("done") == "") {
		t.Fatalf("redirect carries data: %q", p.Location)
	}
	return b.must(b.Follow(p.Page))
}

// TestConsoleUsers: an administrator finds a locked user (search, the
// locked filter, locked first), unlocks both locks with one click, and
// the user signs in; a device reset shows the enrollment code once (in
// the POST's answer, never a URL), and the user re-enrols with it. The
// user's page shows the device, recovery codes left, sessions and events.
func TestConsoleUsers(t *testing.T) {
	h, svc, a, logs := consoleHarness(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	e := newBrowser(t)
	p, secret := h.enroll(e, e.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex"))
	exchange(t, app, p)

	// erin locks herself out: five wrong passcodes, then ten wrong passwords.
	h.clock.NextTOTPStep()
	e = newBrowser(t)
	p = e.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	for range 5 {
		p = e.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
	}
	if p.Step() != "locked" {
		t.Fatalf("after five wrong passcodes: %s", p.Describe())
	}
	e = newBrowser(t)
	p = e.get(authURL(app, nonce, ""))
	for range 10 {
		p = e.submit(p, map[string]string{"username": "erin", "password": "wrong-password-1"})
	}
	if u, _ := h.store.UserByID(ctx, erin.ID); !u.OTPLocked || u.LoginLockedUntil <= h.store.Now().Unix() {
		t.Fatalf("erin is not locked both ways: otp %v until %d", u.OTPLocked, u.LoginLockedUntil)
	}

	// The list: locked first; the filter and the search.
	list := a.get(h.issuer + "/admin")
	if i, j := strings.Index(list.Body, ">erin<"), strings.Index(list.Body, ">ada<"); i < 0 || j < 0 || i > j {
		t.Fatalf("erin (locked) is not listed before ada")
	}
	if q := a.get(h.issuer + "/admin?locked=1"); !strings.Contains(q.Body, ">erin<") || strings.Contains(q.Body, ">ada<") {
		t.Fatal("the locked filter")
	}
	if q := a.get(h.issuer + "/admin?q=ERI"); !strings.Contains(q.Body, ">erin<") || strings.Contains(q.Body, ">ada<") {
		t.Fatal("the search")
	}
	if q := a.get(h.issuer + "/admin?q=nobody-at-all"); strings.Contains(q.Body, ">erin<") || q.Status != http.StatusOK {
		t.Fatal("a search that matches nobody")
	}

	// One click unlocks both; erin signs in with her device.
	p = followed(t, a, consoleAction(t, a, list, "/admin/users/erin/unlock", nil))
	if p.Step() != "console-user" || !strings.Contains(p.Body, `role="status"`) {
		t.Fatalf("after unlock: %s", p.Describe())
	}
	u, _ := h.store.UserByID(ctx, erin.ID)
	if u.OTPLocked || u.LoginLockedUntil != 0 {
		t.Fatalf("after unlock: otp %v until %d", u.OTPLocked, u.LoginLockedUntil)
	}
	h.clock.NextTOTPStep()
	e = newBrowser(t)
	p = e.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	exchange(t, app, e.submit(p, map[string]string{"code": h.passcode(t, secret)}))

	// Her page: device, recovery codes left, her session, the events.
	p = a.get(h.issuer + "/admin/users/erin")
	if p.Step() != "console-user" || strings.TrimSpace(p.Text("recovery-codes-left")) != "10" ||
		!strings.Contains(p.Body, "admin.unlock_otp") || !strings.Contains(p.Body, "console:ada") ||
		!strings.Contains(p.Body, "pwd kba otp") {
		t.Fatalf("erin's page: %s\n%s", p.Describe(), p.Body)
	}

	// Reset: the code is in the POST's answer only, with no-store.
	r := consoleAction(t, a, p, "/admin/users/erin/reset-device", nil)
	code := strings.TrimSpace(r.Text("enrollment-code"))
	if r.Status != http.StatusOK || r.Step() != "console-enrollment-code" || r.Location != "" || code == "" ||
		r.Header.Get("Cache-Control") != "no-store" || !strings.Contains(r.Body, "<time datetime=") {
		t.Fatalf("reset: %s cache %q code %q", r.Describe(), r.Header.Get("Cache-Control"), code)
	}
	if p = a.get(h.issuer + "/admin/users/erin"); strings.Contains(p.Body, code) || p.Text("recovery-codes-left") != "" {
		t.Fatal("the user's page after the reset shows the code or a device")
	}
	// erin re-enrols with the code.
	h.clock.NextTOTPStep()
	e = newBrowser(t)
	p = e.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	if p.Step() != "enroll-proof" {
		t.Fatalf("after the reset: %s", p.Describe())
	}
	p = e.submit(p, map[string]string{"proof": code})
	p, _ = h.enroll(e, h.setNewCredentials(e, p))
	exchange(t, app, p)

	// Sessions: revoke all.
	p = a.get(h.issuer + "/admin/users/erin")
	if !strings.Contains(p.Body, "/admin/users/erin/sessions/revoke-all") {
		t.Fatal("erin's page lists no session")
	}
	p = followed(t, a, consoleAction(t, a, p, "/admin/users/erin/sessions/revoke-all", nil))
	if s, _ := svc.Sessions(ctx, "erin"); len(s) != 0 {
		t.Fatalf("sessions after revoke-all: %d", len(s))
	}
	// Two-factor off and on, disable and enable.
	for _, step := range []struct {
		path string
		form map[string]string
		ok   func(*store.User) bool
	}{
		{"/admin/users/erin/require-mfa", map[string]string{"on": "off"}, func(u *store.User) bool { return !u.RequireMFA }},
		{"/admin/users/erin/require-mfa", map[string]string{"on": "on"}, func(u *store.User) bool { return u.RequireMFA }},
		{"/admin/users/erin/disable", nil, func(u *store.User) bool { return u.Disabled }},
		{"/admin/users/erin/enable", nil, func(u *store.User) bool { return !u.Disabled }},
	} {
		followed(t, a, consoleAction(t, a, p, step.path, step.form))
		if u, _ := h.store.UserByID(ctx, erin.ID); !step.ok(u) {
			t.Errorf("%s %v: not done", step.path, step.form)
		}
	}
	if strings.Contains(logs.String(), code) {
		t.Error("the enrollment code is in the log")
	}
}

// TestConsoleClients: a client registered in the console works with the
// secret shown once; single URIs are added and removed; the secret is
// rotated; a configuration client is read-only; removal asks first.
func TestConsoleClients(t *testing.T) {
	h, svc, a, logs := consoleHarness(t)
	ctx := context.Background()
	p := a.get(h.issuer + "/admin/clients")
	if p.Step() != "console-clients" || !strings.Contains(p.Body, ">app<") {
		t.Fatalf("clients: %s", p.Describe())
	}
	// Refused input: the form comes back refilled, 4xx.
	r := consoleAction(t, a, p, "/admin/clients", map[string]string{"id": "bad id!", "redirect_uri": rpRedirect, "type": "confidential"})
	if r.Status != http.StatusBadRequest || r.Alert() == "" || !strings.Contains(r.Body, `value="bad id!"`) {
		t.Fatalf("bad id: %s", r.Describe())
	}
	r = consoleAction(t, a, p, "/admin/clients", map[string]string{"id": "wiki", "redirect_uri": "not a uri", "type": "confidential"})
	if r.Status != http.StatusBadRequest || r.Alert() == "" || !strings.Contains(r.Body, `value="not a uri"`) {
		t.Fatalf("bad URI: %s", r.Describe())
	}
	r = consoleAction(t, a, p, "/admin/clients", map[string]string{"id": "app", "redirect_uri": rpRedirect, "type": "confidential"})
	if r.Status != http.StatusConflict || r.Alert() == "" {
		t.Fatalf("existing id: %s", r.Describe())
	}
	// Registered: the secret is in the answer, once.
	r = consoleAction(t, a, p, "/admin/clients", map[string]string{"id": "wiki", "name": "Wiki", "redirect_uri": rpRedirect, "type": "confidential"})
	secret := strings.TrimSpace(r.Text("client-secret"))
	if r.Status != http.StatusOK || r.Step() != "console-client-secret" || r.Location != "" || secret == "" ||
		r.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new client: %s", r.Describe())
	}
	nonce := "n"
	wiki := h.relyingParty("wiki", secret, &nonce)
	exchange(t, wiki, newBrowser(t).signIn(authURL(wiki, nonce, ""), "erin", erinPW, "rex"))

	// Single URIs: add, refuse a bad one, remove, refuse removing the last.
	p = a.get(h.issuer + "/admin/clients/wiki")
	if p.Step() != "console-client" || strings.Contains(p.Body, secret) {
		t.Fatalf("client page: %s", p.Describe())
	}
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/redirect-uris", map[string]string{"redirect_uri": "https://wiki.example/cb2"}))
	r = consoleAction(t, a, p, "/admin/clients/wiki/redirect-uris", map[string]string{"redirect_uri": "https://wiki.example/cb#frag"})
	if r.Status != http.StatusBadRequest || r.Step() != "console-client" || !strings.Contains(r.Body, `value="https://wiki.example/cb#frag"`) {
		t.Fatalf("bad redirect URI: %s", r.Describe())
	}
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/post-logout-uris", map[string]string{"post_logout_uri": "https://wiki.example/bye"}))
	cl, _ := svc.Client(ctx, "wiki")
	if len(cl.RedirectURIs) != 2 || len(cl.PostLogoutRedirectURIs) != 1 {
		t.Fatalf("after adding: %v %v", cl.RedirectURIs, cl.PostLogoutRedirectURIs)
	}
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/redirect-uris/remove", map[string]string{"uri": "https://wiki.example/cb2"}))
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/post-logout-uris/remove", map[string]string{"uri": "https://wiki.example/bye"}))
	if r = consoleAction(t, a, p, "/admin/clients/wiki/redirect-uris/remove", map[string]string{"uri": rpRedirect}); r.Status != http.StatusBadRequest {
		t.Fatalf("removing the last redirect URI: %s", r.Describe())
	}
	if cl, _ = svc.Client(ctx, "wiki"); len(cl.RedirectURIs) != 1 || len(cl.PostLogoutRedirectURIs) != 0 {
		t.Fatalf("after removing: %v %v", cl.RedirectURIs, cl.PostLogoutRedirectURIs)
	}

	// Rotation: the new secret works, the old one no longer does.
	r = consoleAction(t, a, p, "/admin/clients/wiki/rotate-secret", nil)
	rotated := strings.TrimSpace(r.Text("client-secret"))
	if r.Status != http.StatusOK || r.Location != "" || rotated == "" || rotated == secret {
		t.Fatalf("rotation: %s", r.Describe())
	}
	old := h.relyingParty("wiki", secret, &nonce)
	signedIn := newBrowser(t).signIn(authURL(old, nonce, ""), "erin", erinPW, "rex")
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, signedIn.code(t), old); err == nil {
		t.Error("the old secret still works after the rotation")
	}
	wiki = h.relyingParty("wiki", rotated, &nonce)
	exchange(t, wiki, newBrowser(t).signIn(authURL(wiki, nonce, ""), "erin", erinPW, "rex"))
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/require-mfa", map[string]string{"on": "on"}))
	if cl, _ = svc.Client(ctx, "wiki"); !cl.RequireMFA {
		t.Fatal("require-mfa on: not done")
	}
	// Remembering browsers: allowed, and the page says it is off for
	// every client while mfa.remember_browser_days is 0 (as here).
	q := followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/remember-browser", map[string]string{"on": "on"}))
	if cl, _ = svc.Client(ctx, "wiki"); !cl.RememberBrowser || !strings.Contains(q.Text("remember-browser"), "remember_browser_days is 0") {
		t.Fatalf("remember-browser on: stored %v, page %q", cl.RememberBrowser, q.Text("remember-browser"))
	}
	followed(t, a, consoleAction(t, a, p, "/admin/clients/wiki/remember-browser", map[string]string{"on": "off"}))
	if cl, _ = svc.Client(ctx, "wiki"); cl.RememberBrowser {
		t.Fatal("remember-browser off: not done")
	}
	if n := countDetail(auditBy(t, h, "console:ada")[store.EventAdminClient], "remember-browser"); n != 2 {
		t.Fatalf("%d remember-browser changes audited, want 2", n)
	}

	// An automation client of the admin API: its secret shown once gets
	// a token for the scope chosen, and nothing else.
	r = consoleAction(t, a, p, "/admin/clients/machine", map[string]string{"machine_id": "bad id!", "scope": "admin:write"})
	if r.Status != http.StatusBadRequest || !strings.Contains(r.Body, `value="bad id!"`) || !strings.Contains(r.Body, `id="machine_id" name="machine_id" value="bad id!" required maxlength="64" pattern="[A-Za-z0-9._\-]{1,64}" autocomplete="off" aria-describedby="machine-id-hint error" aria-invalid="true"`) {
		t.Fatalf("a bad automation client id: %s", r.Describe())
	}
	if r = consoleAction(t, a, p, "/admin/clients/machine", map[string]string{"machine_id": "robot", "scope": "admin:everything"}); r.Status != http.StatusBadRequest {
		t.Fatalf("an unknown scope: %s", r.Describe())
	}
	r = consoleAction(t, a, p, "/admin/clients/machine", map[string]string{"machine_id": "robot", "machine_name": "Nightly sync", "scope": "admin:read"})
	robotSecret := strings.TrimSpace(r.Text("client-secret"))
	if r.Status != http.StatusOK || r.Step() != "console-client-secret" || robotSecret == "" {
		t.Fatalf("automation client: %s", r.Describe())
	}
	if cl, err := svc.Client(ctx, "robot"); err != nil || !cl.UsesClientCredentials() || strings.Join(cl.AllowedScopes, " ") != store.ScopeAdminRead || len(cl.RedirectURIs) != 0 {
		t.Fatalf("robot: %+v %v", cl, err)
	}
	robot := h.clientToken(t, "robot", robotSecret)
	if got, _, _ := h.api(t, http.MethodGet, "/users", robot); got != http.StatusOK {
		t.Fatalf("robot reads users: %d", got)
	}
	if got, _, _ := h.api(t, http.MethodPost, "/users/erin/unlock", robot); got != http.StatusForbidden {
		t.Fatalf("robot (admin:read) unlocks: %d", got)
	}
	if l := logs.String(); strings.Contains(l, robotSecret) {
		t.Error("the automation client's secret is in the log")
	}

	// A configuration client is read-only.
	if err := h.store.SaveClient(ctx, &store.Client{ID: "cfg", FromConfig: true, RedirectURIs: store.StringList{rpRedirect},
		PostLogoutRedirectURIs: store.StringList{}, EntraTenants: store.StringList{}, GrantTypes: store.StringList{},
		AllowedScopes: store.StringList{}}); err != nil {
		t.Fatal(err)
	}
	q = a.get(h.issuer + "/admin/clients/cfg")
	if q.Text("read-only") == "" || strings.Contains(q.Body, "/admin/clients/cfg/redirect-uris") {
		t.Fatalf("configuration client: %s", q.Describe())
	}
	if r = consoleAction(t, a, p, "/admin/clients/cfg/redirect-uris", map[string]string{"redirect_uri": "https://cfg.example/cb"}); r.Status != http.StatusConflict || r.Alert() == "" {
		t.Fatalf("editing a configuration client: %s", r.Describe())
	}

	// Removal asks first.
	q = a.get(h.issuer + "/admin/clients/wiki/remove")
	if q.Step() != "console-client-remove" {
		t.Fatalf("remove: %s", q.Describe())
	}
	q = a.submit(q, nil)
	if q.Step() != "console-clients" || strings.Contains(q.Body, ">wiki<") {
		t.Fatalf("after removal: %s", q.Describe())
	}
	if _, err := svc.Client(ctx, "wiki"); err == nil {
		t.Fatal("wiki is still registered")
	}
	if l := logs.String(); strings.Contains(l, secret) || strings.Contains(l, rotated) {
		t.Error("a client secret is in the log")
	}
}
