package provider_test

import (
	"fmt"
	"net/http"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"
)

// TestUsernameAloneCannotLockTheOwnerOut: someone who knows only a
// username types wrong passwords from their own browser until the
// account's lock holds; the owner, in the browser they signed in with
// before, still signs in at once with the right password and answer
// (issue "Whoever holds a stolen password and answer", finding 3). The
// stranger's browser stays locked.
func TestUsernameAloneCannotLockTheOwnerOut(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	owner := newBrowser(t)
	if code := owner.signIn(authURL(app, nonce, ""), "erin", "erins-password-1", "Rex").code(t); code == "" {
		t.Fatal("the owner's first sign-in gave no code")
	}

	stranger := newBrowser(t)
	p := stranger.get(authURL(app, nonce, ""))
	for i := range 30 {
		p = stranger.submit(p, map[string]string{"username": "erin", "password": fmt.Sprint("wrong-password-", i)})
		if p.Step() != "password" {
			t.Fatalf("wrong password %d: step %q", i+1, p.Step())
		}
	}
	if p.Status != http.StatusTooManyRequests {
		t.Fatalf("the stranger's browser after 30 wrong passwords: status %d alert %q, want 429", p.Status, p.Alert())
	}

	// The owner is not locked out by the stranger.
	h.clock.Advance(1)
	again := authURL(app, nonce, "", rp.WithPromptURLParam(oidc.PromptLogin))
	if code := owner.signIn(again, "erin", "erins-password-1", "Rex").code(t); code == "" {
		t.Fatal("the owner's known browser was locked out by a stranger's failures")
	}
	// The stranger's browser is still locked, even with the right password.
	p = stranger.get(authURL(app, nonce, ""))
	p = stranger.submit(p, map[string]string{"username": "erin", "password": "erins-password-1"})
	if p.Step() != "password" || p.Status != http.StatusTooManyRequests {
		t.Fatalf("the stranger's browser with the right password while locked: step %q status %d", p.Step(), p.Status)
	}
}
