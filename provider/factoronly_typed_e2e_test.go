package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/provider/signin"
)

// typedEnrolled is a factor-only harness where ada enrolled a device in a
// sign-in that named her (a request object); it returns the device's
// secret, her recovery codes and the browser that enrolled it, now a
// known browser of hers.
func typedEnrolled(t *testing.T) (*factorHarness, rp.RelyingParty, []byte, []string, *browser) {
	t.Helper()
	f := newFactorHarness(t)
	f.addUser("ada", "correct-horse-battery", "blue")
	nonce := "n"
	app := f.relyingParty("idp", factorSecret, &nonce)
	owner := newBrowser(t)
	p := owner.get(authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"}))))
	p, secret, codes := f.enrollWithCodes(owner, p)
	p.code(t)
	f.clock.NextTOTPStep()
	return f, app, secret, codes, owner
}

// typedPasscodePage starts a sign-in of app that names nobody in b and
// types name at its username step.
func typedPasscodePage(t *testing.T, b *browser, app rp.RelyingParty, name string) *page {
	t.Helper()
	p := b.get(authURL(app, "n", ""))
	if p.Step() != "username" {
		t.Fatalf("a request that names nobody: step %q, want username (status %d alert %q)", p.Step(), p.Status, p.Alert())
	}
	return b.submit(p, map[string]string{"username": name})
}

// TestFactorOnlyTypedUsername: a factor-only request that names nobody
// asks for a username, then the passcode; the token names the account.
// Whoever knows only the username spends the throttling budget a
// password would: the passcode lockout never triggers, and the owner's
// browser signs in while a stranger's is held.
func TestFactorOnlyTypedUsername(t *testing.T) {
	f, app, secret, _, owner := typedEnrolled(t)
	ctx := context.Background()

	stranger := newBrowser(t)
	p := typedPasscodePage(t, stranger, app, "ada")
	if p.Step() != "otp" || p.Text("lost-device") != "" {
		t.Fatalf("after the username: step %q, lost-device link %q; want otp without a reset", p.Step(), p.Text("lost-device"))
	}
	attempts := config.Default().Lockout.LoginAttempts
	if attempts <= config.Default().Lockout.PasscodeAttempts {
		t.Fatalf("the test needs more password attempts (%d) than passcode attempts (%d)", attempts, config.Default().Lockout.PasscodeAttempts)
	}
	var first *page
	for i := range attempts {
		p = stranger.submit(p, map[string]string{"code": f.wrongCode(t, secret)})
		if p.Step() != "otp" || p.Status != http.StatusUnauthorized {
			t.Fatalf("wrong code %d: step %q status %d alert %q", i+1, p.Step(), p.Status, p.Alert())
		}
		if first == nil {
			first = p
		} else if p.Alert() != first.Alert() {
			t.Fatalf("wrong code %d: alert %q, the first said %q", i+1, p.Alert(), first.Alert())
		}
	}
	// The budget is spent: even the right code is refused, for a while.
	p = stranger.submit(p, map[string]string{"code": f.passcode(t, secret)})
	if p.Status != http.StatusTooManyRequests || p.Code() != "" {
		t.Fatalf("right code past the budget: status %d code %q alert %q", p.Status, p.Code(), p.Alert())
	}
	ada, err := f.store.UserByUsername(ctx, "ada")
	if err != nil {
		t.Fatal(err)
	}
	if ada.OTPLocked || ada.OTPFailures != 0 {
		t.Fatalf("a typed username's guesses reached the passcode lockout: locked %v failures %d", ada.OTPLocked, ada.OTPFailures)
	}

	// The owner's browser keeps its own budget.
	p = typedPasscodePage(t, owner, app, "ada")
	p = owner.submit(p, map[string]string{"code": f.passcode(t, secret)})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; c.Subject != ada.ID || c.PreferredUsername != "ada" ||
		!slices.Equal(c.AuthenticationMethodsReferences, []string{"otp"}) || c.AuthenticationContextClassReference != signin.ACRSecondFactor {
		t.Fatalf("ID token: sub %q preferred_username %q amr %v acr %q", c.Subject, c.PreferredUsername,
			c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
}

// TestFactorOnlyTypedDecoys: a typed name that cannot sign in here (no
// account, no device, a locked account) gets the same passcode page and
// the same refusal as an account's wrong code, and no code opens it.
func TestFactorOnlyTypedDecoys(t *testing.T) {
	f, app, secret, _, _ := typedEnrolled(t)
	ctx := context.Background()
	f.addUser("bob", "correct-horse-battery", "green") // no device
	f.addUser("cy", "correct-horse-battery", "red")
	cy, _ := f.store.UserByUsername(ctx, "cy")
	if err := f.store.SetUserDisabled(ctx, cy.ID, true); err != nil {
		t.Fatal(err)
	}

	wrong := f.wrongCode(t, secret)
	ref := newBrowser(t)
	want := typedPasscodePage(t, ref, app, "ada")
	before := f.store.Statements()
	want = ref.submit(want, map[string]string{"code": wrong})
	wantStatements := f.store.Statements() - before
	for _, name := range []string{"nobody", "bob", "cy", "ADA-not", "  nobody  "} {
		t.Run(name, func(t *testing.T) {
			b := newBrowser(t)
			p := typedPasscodePage(t, b, app, name)
			if p.Step() != "otp" || p.Text("lost-device") != "" {
				t.Fatalf("step %q lost-device %q", p.Step(), p.Text("lost-device"))
			}
			before := f.store.Statements()
			p = b.submit(p, map[string]string{"code": wrong})
			// The same work as an account's wrong code: the same statements.
			if n := f.store.Statements() - before; n != wantStatements {
				t.Errorf("a wrong code sent %d statements; an account's sent %d", n, wantStatements)
			}
			if p.Step() != want.Step() || p.Status != want.Status || p.Alert() != want.Alert() {
				t.Fatalf("wrong code: step %q status %d alert %q; an account's: step %q status %d alert %q",
					p.Step(), p.Status, p.Alert(), want.Step(), want.Status, want.Alert())
			}
		})
	}

	// A locked account: the device's right code opens nothing here.
	ada, _ := f.store.UserByUsername(ctx, "ada")
	for range config.Default().Lockout.PasscodeAttempts {
		if _, err := f.store.RecordOTPFailure(ctx, ada.ID, config.Default().Lockout.PasscodeAttempts); err != nil {
			t.Fatal(err)
		}
	}
	b := newBrowser(t)
	p := typedPasscodePage(t, b, app, "ada")
	if p.Step() != "otp" {
		t.Fatalf("locked account: step %q, want the passcode page", p.Step())
	}
	p = b.submit(p, map[string]string{"code": f.passcode(t, secret)})
	if p.Code() != "" || p.Step() != want.Step() || p.Status != want.Status || p.Alert() != want.Alert() {
		t.Fatalf("locked account, right code: code %q step %q status %d alert %q", p.Code(), p.Step(), p.Status, p.Alert())
	}
}

// TestFactorOnlyTypedNoReset: a typed name's sign-in offers no lost-device
// reset: a recovery code posted there resets nothing and is not used up.
func TestFactorOnlyTypedNoReset(t *testing.T) {
	f, app, secret, codes, _ := typedEnrolled(t)
	ctx := context.Background()
	b := newBrowser(t)
	p := typedPasscodePage(t, b, app, "ada")
	flow := formField(t, p, "authRequestID")
	if got := b.get(f.issuer + "/login/reset?authRequestID=" + url.QueryEscape(flow)); got.Step() != "otp" {
		t.Fatalf("reset page of a typed sign-in: step %q, want the passcode page", got.Step())
	}
	got := b.postForm(p, "/login/reset", map[string]string{"recovery_code": codes[0]})
	if got.Step() == "enroll" || got.Code() != "" {
		t.Fatalf("a recovery code reset a typed sign-in's device: step %q", got.Step())
	}
	ada, _ := f.store.UserByUsername(ctx, "ada")
	if _, d, err := f.store.UserWithDevice(ctx, ada.ID); err != nil || d == nil {
		t.Fatalf("the device is gone: %v", err)
	}
	left, err := f.store.UnusedRecoveryCodes(ctx, ada.ID)
	if err != nil || len(left) != len(codes) {
		t.Fatalf("recovery codes left %d of %d (%v)", len(left), len(codes), err)
	}
	// The passcode still works in that sign-in.
	p = b.submit(p, map[string]string{"code": f.passcode(t, secret)})
	p.code(t)
}

// TestFactorOnlyNamedIgnoresTyping: a request object names ada; a
// username typed in her sign-in (a planted form) changes nothing, and
// the token names ada. A plain login_hint of a client not trusted with
// it only suggests the username.
func TestFactorOnlyNamedIgnoresTyping(t *testing.T) {
	f, app, secret, _, _ := typedEnrolled(t)
	ctx := context.Background()
	f.addUser("bob", "correct-horse-battery", "green")
	b := newBrowser(t)
	p := b.get(authURL(app, "n", "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"}))))
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	if got := b.postForm(p, "/login/username", map[string]string{"username": "bob"}); got.Step() != "otp" {
		t.Fatalf("a username posted to a named sign-in: step %q", got.Step())
	}
	p = b.submit(p, map[string]string{"code": f.passcode(t, secret)})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if tokens.IDTokenClaims.PreferredUsername != "ada" {
		t.Fatalf("preferred_username %q, want ada", tokens.IDTokenClaims.PreferredUsername)
	}

	// An untrusted login_hint: the username page, prefilled; the typed
	// name is what counts.
	nonce := "n"
	for _, client := range []string{"idp", "trusted"} {
		rpc := f.relyingParty(client, factorSecret, &nonce)
		opts := []rp.URLParamOpt{rp.WithURLParam("login_hint", "bob")}
		if client == "trusted" {
			opts = nil // trusted, but naming nobody
		}
		b := newBrowser(t)
		p := b.get(authURL(rpc, nonce, "", opts...))
		if p.Step() != "username" {
			t.Fatalf("%s: step %q, want username", client, p.Step())
		}
		if want := map[string]string{"idp": "bob", "trusted": ""}[client]; formField(t, p, "username") != want {
			t.Fatalf("%s: username field %q, want %q", client, formField(t, p, "username"), want)
		}
	}
}

// TestFactorOnlyTypedRace: strangers' browsers post wrong passcodes for
// one typed name at once; exactly the budget's threshold are checked
// (the rest are held), and none counts toward the passcode lockout.
func TestFactorOnlyTypedRace(t *testing.T) {
	f, app, secret, _, owner := typedEnrolled(t)
	ctx := context.Background()
	threshold := config.Default().Lockout.LoginAttempts
	n := 2 * threshold
	browsers, pages := make([]*browser, n), make([]*page, n)
	for i := range n {
		browsers[i] = newBrowser(t)
		pages[i] = typedPasscodePage(t, browsers[i], app, "ada")
	}
	wrong := f.wrongCode(t, secret)
	statuses := make([]int, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			p, err := browsers[i].Submit(pages[i].Page, map[string]string{"code": wrong})
			if err != nil {
				t.Error(err)
				return
			}
			statuses[i] = p.Status
		})
	}
	close(start)
	wg.Wait()
	counted := map[int]int{}
	for _, s := range statuses {
		counted[s]++
	}
	if counted[http.StatusUnauthorized] != threshold || counted[http.StatusTooManyRequests] != n-threshold {
		t.Fatalf("statuses %v: want %d wrong-code answers and %d held", counted, threshold, n-threshold)
	}
	ada, err := f.store.UserByUsername(ctx, "ada")
	if err != nil || ada.OTPLocked || ada.OTPFailures != 0 {
		t.Fatalf("passcode lockout touched: %+v %v", ada, err)
	}
	p := typedPasscodePage(t, owner, app, "ada")
	owner.submit(p, map[string]string{"code": f.passcode(t, secret)}).code(t)
}
