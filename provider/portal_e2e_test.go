package provider_test

import (
	"context"
	"crypto/rand"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/connector"
)

const adaPW = "quartz-lantern-harbour-9"

// TestPortalConsole: the console at /admin is for administrators signed
// in with the passcode through otpgate itself; a signed-in person who is
// not one gets 403; ending the session or the role ends the access.
func TestPortalConsole(t *testing.T) {
	h, svc := adminHarness(t)
	ctx := context.Background()
	h.addUser("ada", adaPW, "tabby")
	if _, err := svc.SetAdmin(ctx, "test", "ada", true); err != nil {
		t.Fatal(err)
	}

	// No session: the console's sign-in, which asks for the passcode (the
	// administrator's account requires two-factor; she enrols).
	b := newBrowser(t)
	p := b.get(h.issuer + "/admin")
	if p.Step() != "password" {
		t.Fatalf("/admin without a session: step %q status %d, want the password page", p.Step(), p.Status)
	}
	p = b.submit(p, map[string]string{"username": "ada", "password": adaPW})
	p = b.submit(p, map[string]string{"answer": "tabby"})
	if p.Step() != "enroll" {
		t.Fatalf("after ada's answer: step %q, want enroll", p.Step())
	}
	p, secret := h.enroll(b, p)
	if p.Status != http.StatusOK || p.Step() != "console-users" {
		t.Fatalf("after ada's sign-in: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	if !strings.Contains(string(p.Body), "erin") {
		t.Fatal("the users page does not list erin")
	}
	if got := p.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control %q, want no-store", got)
	}
	// Again, with the session: no sign-in.
	if p = b.get(h.issuer + "/admin"); p.Step() != "console-users" {
		t.Fatalf("second visit: step %q", p.Step())
	}

	// A person who is not an administrator, signed in with a passcode:
	// 403, after a sign-in that needed the passcode.
	e := newBrowser(t)
	p = e.toSecondFactor(h.issuer+"/admin", "erin", erinPW, "rex")
	if p.Step() != "enroll" {
		t.Fatalf("erin at the console: step %q, want enroll (the console asks for two-factor)", p.Step())
	}
	p, _ = h.enroll(e, p)
	if p.Status != http.StatusForbidden || p.Step() != "error" {
		t.Fatalf("erin at /admin: status %d step %q, want 403", p.Status, p.Step())
	}
	if !strings.Contains(p.Alert(), "administrator") {
		t.Errorf("erin's 403 says %q", p.Alert())
	}

	// A form posted without a signed-in session is refused, never run.
	stranger := newBrowser(t)
	req, _ := http.NewRequest(http.MethodPost, h.issuer+"/admin", strings.NewReader("csrf=x"))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if p = stranger.do(req); p.Status < 400 {
		t.Fatalf("POST /admin from a stranger: %d", p.Status)
	}

	// The role revoked: 403 at the next request.
	if _, err := svc.SetAdmin(ctx, "test", "ada", false); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/admin"); p.Status != http.StatusForbidden {
		t.Fatalf("after the role was revoked: status %d step %q", p.Status, p.Step())
	}
	if _, err := svc.SetAdmin(ctx, "test", "ada", true); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/admin"); p.Step() != "console-users" {
		t.Fatalf("role granted again: step %q", p.Step())
	}

	// Her sessions revoked: the console asks for the sign-in again.
	if _, err := svc.RevokeSessions(ctx, "test", "ada"); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/admin"); p.Step() != "password" {
		t.Fatalf("after her sessions were revoked: step %q", p.Step())
	}
	p = b.submit(p, map[string]string{"username": "ada", "password": adaPW})
	p = b.submit(p, map[string]string{"answer": "tabby"})
	if p.Step() != "otp" {
		t.Fatalf("ada's second sign-in: step %q, want otp", p.Step())
	}
	h.clock.Advance(31e9)
	if p = b.submit(p, map[string]string{"code": h.passcode(t, secret)}); p.Step() != "console-users" {
		t.Fatalf("ada's second sign-in: step %q alert %q", p.Step(), p.Alert())
	}

	// Disabled: no console.
	if _, err := svc.SetDisabled(ctx, "test", "ada", true); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/admin"); p.Step() == "console-users" {
		t.Fatal("a disabled administrator still sees the console")
	}
}

// TestPortalAccount: the account page is for the person signed in through
// otpgate; its mark is bound to the session, so another person's session
// in the same browser needs the account page's own sign-in.
func TestPortalAccount(t *testing.T) {
	h, svc := adminHarness(t)
	ctx := context.Background()
	h.addUser("ada", adaPW, "tabby")
	b := newBrowser(t)
	p := b.signIn(h.issuer+"/account", "erin", erinPW, "rex")
	if p.Status != http.StatusOK || p.Step() != "account" {
		t.Fatalf("erin's account page: status %d step %q", p.Status, p.Step())
	}
	// The console is not hers: 403 only after the console's own sign-in
	// (her session lacks a passcode, which the console asks for).
	if p = b.get(h.issuer + "/admin"); p.Step() == "console-users" || p.Status == http.StatusOK && p.Step() != "password" {
		t.Fatalf("erin at /admin: status %d step %q", p.Status, p.Step())
	}
	// Ada signs in in the same browser (through the demo-less path: the
	// account page again, after erin's session ended).
	if _, err := svc.RevokeSessions(ctx, "test", "erin"); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/account"); p.Step() != "password" {
		t.Fatalf("after erin's sessions ended: step %q", p.Step())
	}
	if p = b.signIn(h.issuer+"/account", "ada", adaPW, "tabby"); p.Step() != "account" || !strings.Contains(string(p.Body), "ada") {
		t.Fatalf("ada's account page: step %q", p.Step())
	}
}

// TestPortalCallbackRefusals: the console's redirect URI accepts only the
// answer to this browser's own sign-in, once: another browser (a login
// CSRF planting an administrator's code), a changed state and a replay are
// refused, and none of them signs anyone in.
func TestPortalCallbackRefusals(t *testing.T) {
	h, svc := adminHarness(t)
	ctx := context.Background()
	h.addUser("ada", adaPW, "tabby")
	if _, err := svc.SetAdmin(ctx, "test", "ada", true); err != nil {
		t.Fatal(err)
	}
	b := newBrowser(t)
	isCallback := func(u *url.URL) bool { return u.Path == "/admin/callback" }
	b.StopAt = isCallback
	p := b.toSecondFactor(h.issuer+"/admin", "ada", adaPW, "tabby")
	p, _ = h.enroll(b, p)
	target := p.RedirectTarget()
	if target == nil || !isCallback(target) {
		t.Fatalf("expected a redirect to the callback, got status %d location %q", p.Status, p.Location)
	}
	callback := target.String()

	// An attacker's browser, with a sign-in of its own in progress.
	a := newBrowser(t)
	a.Load(h.issuer + "/admin/login")
	if p = a.get(callback); p.Status != http.StatusBadRequest {
		t.Fatalf("ada's callback in another browser: status %d step %q", p.Status, p.Step())
	}
	if p = a.get(h.issuer + "/admin"); p.Step() == "console-users" {
		t.Fatal("the attacker's browser reached the console")
	}
	// A stranger with no sign-in in progress.
	if p = newBrowser(t).get(callback); p.Status != http.StatusBadRequest {
		t.Fatalf("callback without a sign-in in progress: %d", p.Status)
	}
	// The state changed in ada's own browser: refused, and her sign-in in
	// progress is over.
	forged := *target
	q := forged.Query()
	q.Set("state", q.Get("state")+"x")
	forged.RawQuery = q.Encode()
	b.StopAt = nil
	if p = b.get(forged.String()); p.Status != http.StatusBadRequest {
		t.Fatalf("changed state: %d", p.Status)
	}
	if p = b.get(callback); p.Status != http.StatusBadRequest {
		t.Fatalf("the real callback after a refused one: %d", p.Status)
	}
	// A new sign-in (her session suffices: no pages) reaches the console,
	// and replaying its callback is refused.
	b.StopAt = isCallback
	p = b.get(h.issuer + "/admin")
	target = p.RedirectTarget()
	if target == nil || !isCallback(target) {
		t.Fatalf("second sign-in: status %d location %q step %q", p.Status, p.Location, p.Step())
	}
	b.StopAt = nil
	if p = b.get(target.String()); p.Step() != "console-users" {
		t.Fatalf("second sign-in's callback: status %d step %q", p.Status, p.Step())
	}
	if p = b.get(target.String()); p.Status != http.StatusBadRequest {
		t.Fatalf("replayed callback: %d", p.Status)
	}
}

// TestPortalConsoleUpstream: a sign-in an upstream provider did (its
// methods copied into the session, its MFA trusted) never opens the
// console, even for an administrator: the console wants otpgate's own
// password and passcode, and says so instead of reusing the session in a
// loop of sign-ins.
func TestPortalConsoleUpstream(t *testing.T) {
	var svc *admin.Service
	h := upstreamHarness(t, connector.MFATrust{Trust: true}, func(o *provider.Options) {
		var err error
		svc, err = admin.New(admin.Options{Store: o.Store, Hasher: o.Hasher, Sealer: o.Sealer, Random: rand.Reader, Issuer: o.Issuer})
		if err != nil {
			t.Fatal(err)
		}
		o.Admin = svc
	})
	b := newBrowser(t)
	p := b.viaUpstream(b.get(h.issuer+"/admin"), "mia", miaPassword)
	if p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "administrator") {
		t.Fatalf("mia (no role) at the console: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	mia, err := h.store.UserByLink(context.Background(), connector.LinkProvider("up"), "mia-sub")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.SetAdmin(context.Background(), "test", mia.Username, true); err != nil {
		t.Fatal(err)
	}
	if p = b.get(h.issuer + "/admin"); p.Status != http.StatusForbidden || !strings.Contains(p.Alert(), "otpgate password") {
		t.Fatalf("mia (administrator, upstream session) at the console: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
}
