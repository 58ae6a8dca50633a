package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/store"
)

// accountWithDevice signs ada in to the account page in a new browser,
// enrolling a device on the way; it returns the browser, the account
// page, the device's secret and its recovery codes.
func accountWithDevice(t *testing.T, h *harness) (*browser, *page, []byte, []string) {
	t.Helper()
	u := h.addUser("ada", adaPW, "tabby")
	h.requireMFA(u)
	b := newBrowser(t)
	p := b.toSecondFactor(h.issuer+"/account", "ada", adaPW, "tabby")
	if p.Step() != "enroll" {
		t.Fatalf("ada's sign-in: step %q, want enroll", p.Step())
	}
	p, secret, codes := h.enrollWithCodes(b, p)
	if p.Step() != "account" {
		t.Fatalf("after enrollment: step %q status %d alert %q", p.Step(), p.Status, p.Alert())
	}
	return b, p, secret, codes
}

func (h *harness) otpFailures(t *testing.T, name string) int {
	t.Helper()
	u, err := h.store.UserByUsername(context.Background(), name)
	if err != nil {
		t.Fatal(err)
	}
	return u.OTPFailures
}

func (h *harness) codesLeft(t *testing.T, name string) int64 {
	t.Helper()
	u, _ := h.store.UserByUsername(context.Background(), name)
	n, err := h.store.CountRecoveryCodes(context.Background(), u.ID)
	if err != nil {
		t.Fatal(err)
	}
	return n
}

// TestAccountPasscodeProvesChanges: a hijacked account-page session
// without the device changes nothing: the passcode just used at the
// sign-in is refused (single use across pages), a wrong one is counted
// toward the sign-in's passcode lockout, and the fifth locks the account;
// a right one makes new recovery codes and the old ones die.
func TestAccountPasscodeProvesChanges(t *testing.T) {
	h, _ := adminHarness(t)
	b, _, secret, oldCodes := accountWithDevice(t, h)

	p := b.get(h.issuer + "/account/codes")
	if p.Step() != "account-codes" {
		t.Fatalf("codes page: step %q", p.Step())
	}
	// The code of the enrollment, same time step: a replay.
	if p = b.submit(p, map[string]string{"code": h.passcode(t, secret)}); p.Step() != "account-codes" || p.Status != http.StatusUnauthorized {
		t.Fatalf("replayed passcode: status %d step %q", p.Status, p.Step())
	}
	if n := h.otpFailures(t, "ada"); n != 1 {
		t.Fatalf("after a replayed passcode: %d failures counted, want 1", n)
	}
	if p = b.submit(p, map[string]string{"code": "000000"}); p.Status != http.StatusUnauthorized {
		t.Fatalf("wrong passcode: status %d", p.Status)
	}
	if h.otpFailures(t, "ada") != 2 || h.codesLeft(t, "ada") != 10 {
		t.Fatal("a wrong passcode was not counted, or changed the codes")
	}
	// No passcode: refused, changes nothing.
	if p = b.submit(p, map[string]string{"code": ""}); p.Status != http.StatusBadRequest {
		t.Fatalf("missing passcode: status %d", p.Status)
	}
	// Without csrf: refused, nothing changes.
	h.clock.Advance(31e9)
	good := h.passcode(t, secret)
	for _, path := range []string{"/account/codes", "/account/device", "/account/password", "/account/question",
		"/account/sessions/end-others", "/account/device/verify", "/account/sessions/end",
		"/account/browsers/forget", "/account/browsers/forget-all"} {
		req, _ := http.NewRequest(http.MethodPost, h.issuer+path, strings.NewReader(url.Values{"code": {good}}.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if r := b.do(req); r.Status != http.StatusForbidden {
			t.Errorf("POST %s without csrf: status %d, want 403", path, r.Status)
		}
	}
	if h.codesLeft(t, "ada") != 10 || h.otpFailures(t, "ada") != 2 {
		t.Fatal("a POST without csrf changed something")
	}
	// The right passcode: new codes, shown once, not cached.
	p = b.get(h.issuer + "/account/codes")
	if p = b.submit(p, map[string]string{"code": good}); p.Step() != "account-codes-new" {
		t.Fatalf("right passcode: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	newCodes := p.RecoveryCodes()
	if len(newCodes) != 10 || p.Header.Get("Cache-Control") != "no-store" {
		t.Fatalf("new codes: %d, Cache-Control %q", len(newCodes), p.Header.Get("Cache-Control"))
	}
	if strings.Contains(p.URL.String(), newCodes[0]) {
		t.Fatal("a code is in the URL")
	}
	if h.otpFailures(t, "ada") != 0 {
		t.Fatal("a right passcode did not clear the count")
	}
	// An old code is dead: as the proof of a device replacement it is refused.
	p = b.get(h.issuer + "/account/device")
	if p = b.submit(p, map[string]string{"recovery_code": oldCodes[0]}); p.Step() != "account-device" || p.Status != http.StatusUnauthorized {
		t.Fatalf("old recovery code: status %d step %q", p.Status, p.Step())
	}
	// Wrong codes up to the page's limit, one short of the lock: the
	// session ends, never the account (a borrowed browser alone cannot
	// lock its owner out), and the count stays for the sign-in.
	limit := store.AccountAttemptLimit(config.Default().Lockout.PasscodeAttempts)
	for h.otpFailures(t, "ada") < limit-1 {
		p = b.get(h.issuer + "/account/codes")
		if p = b.submit(p, map[string]string{"code": "000000"}); p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong passcode below the limit: status %d alert %q", p.Status, p.Alert())
		}
	}
	p = b.get(h.issuer + "/account/codes")
	if p = b.submit(p, map[string]string{"code": "000000"}); p.Status != http.StatusForbidden {
		t.Fatalf("at the page's limit: status %d alert %q", p.Status, p.Alert())
	}
	u, _ := h.store.UserByUsername(context.Background(), "ada")
	if u.OTPLocked || u.OTPFailures != limit {
		t.Fatalf("after the page's limit: locked %v, %d failures; want unlocked at %d", u.OTPLocked, u.OTPFailures, limit)
	}
	// The session ended: the page asks for the sign-in again, with the
	// passcode, which the owner passes (and that clears the count).
	if p = b.get(h.issuer + "/account/codes"); p.Step() != "password" {
		t.Fatalf("after the page's limit: step %q, want the sign-in", p.Step())
	}
	p = b.submit(p, map[string]string{"username": "ada", "password": adaPW})
	p = b.submit(p, map[string]string{"answer": "tabby"})
	h.clock.Advance(31e9)
	if p = b.submit(p, map[string]string{"code": h.passcode(t, secret)}); p.Step() != "account-codes" {
		t.Fatalf("the owner's sign-in after the limit: step %q alert %q", p.Step(), p.Alert())
	}
	if h.otpFailures(t, "ada") != 0 {
		t.Fatal("the owner's passcode did not clear the count")
	}
	events, _ := h.store.AuditEvents(context.Background(), store.AuditQuery{UserID: u.ID, Event: store.EventSelfCodes})
	if len(events) != 1 || events[0].Actor != "self" {
		t.Fatalf("audit of new codes: %+v", events)
	}
}

// TestAccountReplaceDevice: the new key is not active until verified, the
// old device works until then and stops after; the old recovery codes
// die; an offer is used once.
func TestAccountReplaceDevice(t *testing.T) {
	h, _ := adminHarness(t)
	b, _, oldSecret, oldCodes := accountWithDevice(t, h)
	h.clock.Advance(31e9)
	p := b.get(h.issuer + "/account/device")
	p = b.submit(p, map[string]string{"code": h.passcode(t, oldSecret)})
	if p.Step() != "account-device-key" {
		t.Fatalf("proof: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	keyPage := p
	newSecret := p.setupSecret(t)
	if strings.Contains(p.URL.String(), "offer") {
		t.Fatal("the offer is in a URL")
	}
	// Pending: the new key does not sign anything; the old device still does.
	h.clock.Advance(31e9)
	if p = b.submit(b.get(h.issuer+"/account/codes"), map[string]string{"code": h.passcode(t, newSecret)}); p.Step() == "account-codes-new" {
		t.Fatal("a pending key's code was accepted before it was verified")
	}
	if p = b.submit(b.get(h.issuer+"/account/codes"), map[string]string{"code": h.passcode(t, oldSecret)}); p.Step() != "account-codes-new" {
		t.Fatalf("the old device stopped before the new one was verified: %q", p.Alert())
	}
	codesBefore := p.RecoveryCodes()
	// A wrong first code: the key is shown again, nothing replaced.
	if p = b.submit(keyPage, map[string]string{"app": "google-authenticator", "code": "000000"}); p.Step() != "account-device-key" {
		t.Fatalf("wrong first code: step %q", p.Step())
	}
	h.clock.Advance(31e9)
	p = b.submit(keyPage, map[string]string{"app": "google-authenticator", "code": h.passcode(t, newSecret)})
	if p.Step() != "account-codes-new" || len(p.RecoveryCodes()) != 10 {
		t.Fatalf("verify: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	// The offer again: refused (used once).
	h.clock.Advance(31e9)
	if p = b.submit(keyPage, map[string]string{"app": "google-authenticator", "code": h.passcode(t, newSecret)}); p.Step() == "account-codes-new" {
		t.Fatal("an offer was used twice")
	}
	// Old device and old codes dead; the new device works.
	if p = b.submit(b.get(h.issuer+"/account/codes"), map[string]string{"code": h.passcode(t, oldSecret)}); p.Step() == "account-codes-new" {
		t.Fatal("the old device still proves changes")
	}
	for _, rc := range []string{oldCodes[1], codesBefore[0]} {
		if p = b.submit(b.get(h.issuer+"/account/device"), map[string]string{"recovery_code": rc}); p.Step() != "account-device" {
			t.Fatal("a recovery code from before the replacement still works")
		}
	}
	h.clock.Advance(31e9)
	if p = b.submit(b.get(h.issuer+"/account/codes"), map[string]string{"code": h.passcode(t, newSecret)}); p.Step() != "account-codes-new" {
		t.Fatalf("the new device does not work: %q", p.Alert())
	}
	// A new sign-in asks the new device.
	b2 := newBrowser(t)
	p = b2.toSecondFactor(h.issuer+"/account", "ada", adaPW, "tabby")
	h.clock.Advance(31e9)
	if p = b2.submit(p, map[string]string{"code": h.passcode(t, oldSecret)}); p.Step() == "account" {
		t.Fatal("the old device signs in")
	}
	if p = b2.submit(p, map[string]string{"code": h.passcode(t, newSecret)}); p.Step() != "account" {
		t.Fatalf("the new device does not sign in: step %q alert %q", p.Step(), p.Alert())
	}
}

// TestAccountPasswordChange: the current password is needed (and
// throttled like sign-in passwords) and a passcode when there is a
// device; success ends the other sessions and keeps this one.
func TestAccountPasswordChange(t *testing.T) {
	h, _ := adminHarness(t)
	b, _, secret, _ := accountWithDevice(t, h)
	other := newBrowser(t)
	p := other.toSecondFactor(h.issuer+"/account", "ada", adaPW, "tabby")
	h.clock.Advance(31e9)
	if p = other.submit(p, map[string]string{"code": h.passcode(t, secret)}); p.Step() != "account" {
		t.Fatalf("ada's second browser: step %q", p.Step())
	}
	const newPW = "lighthouse-copper-meadow-4"
	form := func(current, code string) map[string]string {
		return map[string]string{"current_password": current, "code": code, "new_password": newPW, "new_password_confirm": newPW}
	}
	// Right password, no passcode: refused.
	if p = b.submit(b.get(h.issuer+"/account/password"), form(adaPW, "")); p.Status == http.StatusSeeOther || p.Step() != "account-password" {
		t.Fatalf("no passcode: status %d step %q", p.Status, p.Step())
	}
	// Wrong current passwords: refused, then throttled (no unbounded guessing).
	limited := false
	for i := 0; i < 12 && !limited; i++ {
		p = b.submit(b.get(h.issuer+"/account/password"), form("wrong-password-guess", "123456"))
		limited = p.Status == http.StatusTooManyRequests
		if !limited && p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong current password: status %d", p.Status)
		}
	}
	if !limited {
		t.Fatal("wrong current passwords are never throttled")
	}
	if n := h.otpFailures(t, "ada"); n != 0 {
		t.Fatalf("a wrong current password checked the passcode (%d counted)", n)
	}
	h.clock.Advance(2 * 3600e9) // the temporary lock ends
	h.clock.Advance(31e9)
	p = b.submit(b.get(h.issuer+"/account/password"), form(adaPW, h.passcode(t, secret)))
	if p.Step() != "account" || !strings.Contains(string(p.Body), `data-done="password"`) {
		t.Fatalf("password change: status %d step %q alert %q", p.Status, p.Step(), p.Alert())
	}
	if p = other.get(h.issuer + "/account"); p.Step() == "account" {
		t.Fatal("the other browser's session survived the password change")
	}
	if p = b.get(h.issuer + "/account"); p.Step() != "account" {
		t.Fatal("this browser's session ended with the password change")
	}
	u, _ := h.store.UserByUsername(context.Background(), "ada")
	if ok, _ := h.hasher.Verify(newPW, u.PasswordHash); !ok {
		if ok2, _, _ := h.hasher.VerifyPassword(context.Background(), newPW, u.PasswordHash); !ok2 {
			t.Fatal("the new password is not stored")
		}
	}
}

// TestAccountSessions: a person ends only their own sessions (another
// person's id is not found); ending one ends that browser's SSO.
func TestAccountSessions(t *testing.T) {
	h, _ := adminHarness(t)
	b := newBrowser(t)
	h.addUser("ada", adaPW, "tabby")
	if p := b.signIn(h.issuer+"/account", "ada", adaPW, "tabby"); p.Step() != "account" {
		t.Fatalf("ada: step %q", p.Step())
	}
	e := newBrowser(t)
	if p := e.signIn(h.issuer+"/account", "erin", erinPW, "rex"); p.Step() != "account" {
		t.Fatalf("erin: step %q", p.Step())
	}
	a2 := newBrowser(t)
	if p := a2.signIn(h.issuer+"/account", "ada", adaPW, "tabby"); p.Step() != "account" {
		t.Fatalf("ada's second browser: step %q", p.Step())
	}
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	sessions, _ := h.store.SessionsOfUser(context.Background(), erin.ID)
	p := b.get(h.issuer + "/account/sessions")
	if p.Step() != "account-sessions" {
		t.Fatalf("sessions page: step %q", p.Step())
	}
	// The methods in the person's words, not RFC 8176 codes.
	if !strings.Contains(p.Body, "<td>Password, Security question</td>") || strings.Contains(p.Body, "mfa") {
		t.Fatalf("sessions page's methods:\n%s", p.Body)
	}
	if p = b.postForm(p, "/account/sessions/end", map[string]string{"session": sessions[0].ID}); p.Status != http.StatusNotFound {
		t.Fatalf("ending erin's session: status %d", p.Status)
	}
	if p = e.get(h.issuer + "/account"); p.Step() != "account" {
		t.Fatal("ada ended erin's session")
	}
	p = b.get(h.issuer + "/account/sessions")
	p = b.postForm(p, "/account/sessions/end-others", nil)
	if p.Step() != "account" {
		t.Fatalf("end others: step %q", p.Step())
	}
	if p = a2.get(h.issuer + "/account"); p.Step() == "account" {
		t.Fatal("ada's other browser is still signed in")
	}
	if p = b.get(h.issuer + "/account"); p.Step() != "account" {
		t.Fatal("this browser's session ended")
	}
}

// TestAccountRaceSamePasscode: two regenerations racing with the same
// passcode: exactly one makes codes.
func TestAccountRaceSamePasscode(t *testing.T) {
	h, _ := adminHarness(t)
	b, _, secret, _ := accountWithDevice(t, h)
	h.clock.Advance(31e9)
	code := h.passcode(t, secret)
	pages := []*page{b.get(h.issuer + "/account/codes"), b.get(h.issuer + "/account/device")}
	var wg sync.WaitGroup
	results := make([]string, 4)
	for i := range results {
		wg.Add(1)
		go func() {
			defer wg.Done()
			p, err := b.Submit(pages[i%2].Page, map[string]string{"code": code})
			if err == nil {
				results[i] = p.Step()
			}
		}()
	}
	wg.Wait()
	won := 0
	for _, s := range results {
		if s == "account-codes-new" || s == "account-device-key" {
			won++
		}
	}
	if won != 1 {
		t.Fatalf("%d of the racing changes accepted one passcode: %v", won, results)
	}
}

// TestAccountNoDeviceKeepsCredentials: on an account without a device,
// whoever signed in with the password and the answer (one factor: both
// are knowledge, and may be phished together) cannot replace them on the
// account page and keep the owner out.
func TestAccountNoDeviceKeepsCredentials(t *testing.T) {
	h, _ := adminHarness(t)
	h.addUser("ada", adaPW, "tabby")
	attacker := newBrowser(t)
	if p := attacker.signIn(h.issuer+"/account", "ada", adaPW, "tabby"); p.Step() != "account" {
		t.Fatalf("step %q", p.Step())
	}
	before, _ := h.store.UserByUsername(context.Background(), "ada")
	p := attacker.get(h.issuer + "/account/password")
	if p.Step() != "account-password" || !strings.Contains(p.Body, `id="needs-device"`) || strings.Contains(p.Body, `name="new_password"`) {
		t.Fatalf("password page without a device: step %q, offers a form", p.Step())
	}
	const newPW = "attacker-chosen-password-77"
	for path, form := range map[string]map[string]string{
		"/account/password": {"current_password": adaPW, "new_password": newPW, "new_password_confirm": newPW},
		"/account/question": {"current_password": adaPW, "question": "first_pet", "answer": "attacker answer", "answer_confirm": "attacker answer"},
	} {
		if got := attacker.postForm(p, path, form); got.Status != http.StatusForbidden {
			t.Errorf("POST %s without a device: status %d, want 403", path, got.Status)
		}
	}
	after, _ := h.store.UserByUsername(context.Background(), "ada")
	if after.PasswordHash != before.PasswordHash || after.AnswerHash != before.AnswerHash || after.Question != before.Question {
		t.Fatal("the password and answer alone replaced themselves")
	}
	// The owner still signs in.
	if p := newBrowser(t).signIn(h.issuer+"/account", "ada", adaPW, "tabby"); p.Step() != "account" {
		t.Fatalf("the owner's sign-in: step %q", p.Step())
	}
}
