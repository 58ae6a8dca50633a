package provider_test

// Regression tests for defects found in review: each one reproduces an
// attack that once worked.

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	testbrowser "github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

// TestCallbackIsBoundToTheFlowsBrowser: an attacker who started the
// authorization request (with its own PKCE verifier) cannot lure a victim
// into finishing it: the flow belongs to the browser that asked for it,
// so the victim's browser is refused at the first page. The victim's own
// sign-in answers with the code itself, and the library's callback refuses
// every browser but the flow's.
func TestCallbackIsBoundToTheFlowsBrowser(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	relying := h.relyingParty("app", appSecret, &nonce)
	_, challenge := pkce()
	attacker := newBrowser(t)
	attacker.StopAt = testbrowser.StopAll
	loginURL := attacker.get(authURL(relying, nonce, challenge)).Location
	victim := newBrowser(t)
	if p := victim.get(loginURL); p.Step() != "error" || p.Status != http.StatusForbidden {
		t.Fatalf("a sign-in another browser started: step %q status %d", p.Step(), p.Status)
	}

	victim.StopAt = testbrowser.StopAll
	own := victim.get(authURL(relying, nonce, challenge)).Location
	login, _ := url.Parse(own)
	flowID := login.Query().Get("authRequestID")
	victim.StopAt = nil
	p := victim.get(own)
	p = victim.submit(p, map[string]string{"username": "erin", "password": erinPW})
	p = victim.submit(p, map[string]string{"answer": "rex"})
	p.code(t) // the last step answers with the code
	callback := h.issuer + "/authorize/callback?id=" + url.QueryEscape(flowID)
	attacker.NewJar()
	if got := attacker.get(callback); got.Status != http.StatusForbidden || strings.Contains(got.Location, "code=") {
		t.Fatalf("callback from another browser: status %d location %q", got.Status, got.Location)
	}
	// The flow's own browser gets no second code either.
	victim.StopAt = testbrowser.StopAll
	if got := victim.get(callback); strings.Contains(got.Location, "code=") {
		t.Fatalf("the callback issued a second code: %q", got.Location)
	}
}

// adminReset resets erin's device with a known proof.
func adminReset(t *testing.T, h *harness) string {
	t.Helper()
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	proof := "abcd-efgh-jkmn"
	if err := h.store.AdminResetDevice(context.Background(), erin.ID, h.hasher.Hash(mfa.NormalizeRecoveryCode(proof)),
		time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	return proof
}

// TestPossessionProvenInOneBrowserOnly: once the owner presented the
// proof (and left before enrolling), someone with only the password and
// the answer in another browser can neither enrol nor sign in, while the
// owner's browser can still enrol.
func TestPossessionProvenInOneBrowserOnly(t *testing.T) {
	t.Parallel()
	for _, requireMFA := range []bool{true, false} {
		t.Run(fmt.Sprint("require_mfa=", requireMFA), func(t *testing.T) {
			h, _, _ := enrolled(t)
			erin, _ := h.store.UserByUsername(context.Background(), "erin")
			if requireMFA {
				h.requireMFA(erin)
			}
			proof := adminReset(t, h)
			nonce := "n"
			app := h.relyingParty("app", appSecret, &nonce)
			owner := newBrowser(t)
			p := owner.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
			if p = owner.submit(p, map[string]string{"proof": proof}); p.Step() != "setup" {
				t.Fatalf("owner after the proof: %q, want setup (a new password and answer)", p.Step())
			}
			att := newBrowser(t)
			q := att.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
			if q.Step() != "enroll-proof" || strings.Contains(q.Location, "code=") {
				t.Fatalf("other browser: step %q location %q", q.Step(), q.Location)
			}
			// The owner's browser, even in a new sign-in, sets the new
			// credentials and enrols.
			p = owner.get(authURL(app, nonce, ""))
			p = owner.submit(p, map[string]string{"username": "erin", "password": erinPW})
			p = owner.submit(h.setNewCredentials(owner, p), map[string]string{"answer": erinNewAnswer})
			p, _ = h.enroll(owner, p)
			exchange(t, app, p)
		})
	}
}

// TestSelfResetHoldsEnrollmentForItsBrowser: after a recovery-code reset
// in one browser, the password and answer alone do not sign in elsewhere.
func TestSelfResetHoldsEnrollmentForItsBrowser(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	p, _, codes := h.enrollWithCodes(b, p)
	p.code(t)
	if err := h.store.SetUserRequireMFA(ctx, erin.ID, false); err != nil {
		t.Fatal(err)
	}
	owner := newBrowser(t)
	p = lostDevice(t, h, owner, app, "n2")
	if p = owner.submit(p, map[string]string{"recovery_code": codes[0]}); p.Step() != "enroll" {
		t.Fatalf("owner after the recovery code: %q", p.Step())
	}
	att := newBrowser(t)
	if q := att.toSecondFactor(authURL(app, "n3", ""), "erin", erinPW, "rex"); q.Step() != "enroll-proof" || strings.Contains(q.Location, "code=") {
		t.Fatalf("other browser during the reset: step %q location %q", q.Step(), q.Location)
	}
}

// TestFlowNeverChangesAccount: a flow whose account is disabled after the
// passcode ends; it is not handed to the next person who types a password.
func TestFlowNeverChangesAccount(t *testing.T) {
	t.Parallel()
	h, _, secret := enrolled(t)
	ctx := context.Background()
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	h.addUser("bob", "bob-password-123", "fido")
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	r := b.post(p, map[string]string{"code": h.passcode(t, secret)})
	erin, _ := h.store.UserByUsername(ctx, "erin")
	if err := h.store.SetUserDisabled(ctx, erin.ID, true); err != nil {
		t.Fatal(err)
	}
	// The last step answered with the code; the account disabled right
	// after gets no tokens for it.
	next, _ := p.URL.Parse(r.Location)
	code := next.Query().Get("code")
	if code == "" {
		t.Fatalf("the passcode step answered %d %q, not the code", r.Status, r.Location)
	}
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, code, app); err == nil {
		t.Fatal("a code of a disabled account was exchanged for tokens")
	}
	form := map[string]string{"username": "bob", "password": "bob-password-123"}
	if q := b.postForm(p, "/login/password", form); q.Step() == "question" || strings.Contains(q.Location, "code=") {
		t.Fatalf("the flow accepted another account: step %q", q.Step())
	}
}

// TestLongAuthorizeParametersNeverFailTheServer: long but well-formed
// parameters are accepted or refused with invalid_request, the same on
// SQLite and PostgreSQL, never server_error.
func TestLongAuthorizeParametersNeverFailTheServer(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	relying := h.relyingParty("app", appSecret, &nonce)
	cases := map[string]rp.URLParamOpt{
		"login_hint 312":     rp.WithURLParam("login_hint", strings.Repeat("a", 300)+"@example.com"),
		"ui_locales 60 tags": rp.WithURLParam("ui_locales", strings.TrimSpace(strings.Repeat("en-US ", 60))),
		"acr_values long":    rp.WithURLParam("acr_values", "urn:otpgate:acr:password "+strings.Repeat("x", 300)),
		"response_mode long": rp.WithURLParam("response_mode", strings.Repeat("q", 100)),
	}
	for name, opt := range cases {
		b := newBrowser(t)
		b.StopAt = testbrowser.StopAll
		p := b.get(authURL(relying, nonce, "", opt))
		if p.Status >= 500 || strings.Contains(p.Location, "server_error") ||
			!(strings.Contains(p.Location, "/login/next") || strings.Contains(p.Location, "error=invalid_request")) {
			t.Errorf("%s: status %d location %.120s", name, p.Status, p.Location)
		}
	}
}

// burst submits n wrong guesses of one flow at once.
func burst(b *browser, p *page, n int, field func(i int) map[string]string) {
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b.submit(p, field(i))
		}()
	}
	wg.Wait()
}

// countFailures counts audited failures whose detail contains substr.
func countFailures(t *testing.T, h *harness, userID, substr string) int {
	events, err := h.store.AuditEvents(context.Background(), store.AuditQuery{UserID: userID})
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, e := range events {
		if e.Event == store.EventSignInFailed && strings.Contains(e.Detail, substr) {
			n++
		}
	}
	return n
}

// TestGuessBurstsNeverExceedTheLockout: however many guesses race, no more
// are checked than the lockout allows.
func TestGuessBurstsNeverExceedTheLockout(t *testing.T) {
	t.Parallel()
	t.Run("passcodes", func(t *testing.T) {
		h, _, secret := enrolled(t)
		nonce := "n"
		app := h.relyingParty("app", appSecret, &nonce)
		b := newBrowser(t)
		p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
		good := atoi(h.passcode(t, secret))
		burst(b, p, 40, func(i int) map[string]string {
			return map[string]string{"code": fmt.Sprintf("%06d", (good+1000+i)%1000000)}
		})
		erin, _ := h.store.UserByUsername(context.Background(), "erin")
		if n := countFailures(t, h, erin.ID, "wrong passcode"); n != 5 || !erin.OTPLocked {
			t.Fatalf("%d wrong passcodes checked (locked %v), want exactly 5", n, erin.OTPLocked)
		}
	})
	t.Run("passwords", func(t *testing.T) {
		h := setupApp(t)
		nonce := "n"
		app := h.relyingParty("app", appSecret, &nonce)
		b := newBrowser(t)
		p := b.get(authURL(app, nonce, ""))
		burst(b, p, 40, func(i int) map[string]string {
			return map[string]string{"username": "erin", "password": fmt.Sprint("wrong-password-", i)}
		})
		erin, _ := h.store.UserByUsername(context.Background(), "erin")
		if n := countFailures(t, h, erin.ID, ""); n != 40 || countFailures(t, h, erin.ID, "temporarily locked") != 30 {
			t.Fatalf("%d failures, %d refused as locked; want 40 and 30", n, countFailures(t, h, erin.ID, "temporarily locked"))
		}
		if erin.LoginLockedUntil == 0 {
			t.Fatal("not locked after the burst")
		}
	})
}

// TestAdminResetLoopIsBroken: someone holding the password and answer can
// lock the account with wrong passcodes once, but after the
// administrator's reset their wrong enrollment codes neither lock it again
// nor void the administrator's code; the owner presents the code, must
// choose a new password and answer before enrolling, and the old password
// stops working (issue "Whoever holds a stolen password and answer",
// finding 2).
func TestAdminResetLoopIsBroken(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	proof := adminReset(t, h)
	attacker := newBrowser(t)
	p := attacker.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	for i := 1; i <= 8; i++ {
		p = attacker.submit(p, map[string]string{"proof": "wxyz-wxyz-wxyz"})
		want := http.StatusUnauthorized
		if i > 5 {
			want = http.StatusTooManyRequests
		}
		if p.Step() != "enroll-proof" || p.Status != want || p.Alert() == "" {
			t.Fatalf("wrong enrollment code %d: step %q status %d alert %q", i, p.Step(), p.Status, p.Alert())
		}
	}
	erin, _ := h.store.UserByUsername(context.Background(), "erin")
	if erin.OTPLocked || erin.ProofHash == "" {
		t.Fatalf("wrong enrollment codes locked the account (%v) or voided the code (%q)", erin.OTPLocked, erin.ProofHash)
	}
	h.clock.Advance(15 * time.Minute)
	owner := newBrowser(t)
	q := owner.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	q = owner.submit(q, map[string]string{"proof": proof})
	if r := attacker.get(authURL(app, nonce, "")); r.Step() != "password" {
		t.Fatalf("attacker: step %q", r.Step())
	} else if r = attacker.submit(r, map[string]string{"username": "erin", "password": erinPW}); r.Step() == "setup" {
		t.Fatalf("the attacker reached the owner's new-credentials step")
	}
	q, _ = h.enroll(owner, h.setNewCredentials(owner, q))
	exchange(t, app, q)
	r := attacker.get(authURL(app, nonce, ""))
	if r = attacker.submit(r, map[string]string{"username": "erin", "password": erinPW}); r.Step() != "password" || r.Status != http.StatusUnauthorized {
		t.Fatalf("the old password after the owner's new credentials: step %q status %d", r.Step(), r.Status)
	}
}
