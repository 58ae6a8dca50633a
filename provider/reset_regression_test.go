package provider_test

// Regression tests for the second review: a device reset must end
// everything the old device could still reach.

import (
	"context"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// noFollow posts the form of p like b.submit but does not follow the
// redirect (an attacker who simply stops there).
func noFollow(b *browser, p *page, values map[string]string) *page {
	b.t.Helper()
	return b.post(p, values)
}

// A sign-in that passed the passcode with the (stolen) old device, left
// unfinished, completes after the administrator's reset and the owner's
// re-enrollment: the reset does not end it.
func TestAdminResetEndsStalledSignIns(t *testing.T) {
	t.Parallel()
	h, clock, secret := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	nonce := "att"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	thief := newBrowser(t)
	p := thief.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	resp := noFollow(thief, p, map[string]string{"code": h.passcode(t, secret)})
	flowID := p.URL.Query().Get("authRequestID")
	t.Logf("thief's passcode POST: %d -> %s", resp.Status, resp.Location)

	// The administrator resets the device; the owner enrols again with the proof.
	proof := "abcd-efgh-jkmn"
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash(mfa.NormalizeRecoveryCode(proof)), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	clock.NextTOTPStep()
	nonce = "owner"
	owner := newBrowser(t)
	q := owner.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	q = owner.submit(q, map[string]string{"proof": proof})
	q, _ = h.enroll(owner, h.setNewCredentials(owner, q))
	exchange(t, app, q)

	// The thief comes back to the flow that passed with the old device.
	nonce = "att"
	r := thief.get(h.issuer + "/login/next?authRequestID=" + url.QueryEscape(flowID))
	if r.Location != "" && strings.Contains(r.Location, "code=") {
		c := exchange(t, app, r)
		t.Fatalf("BUG: flow that passed the passcode with the reset device finished after the reset: sub %s amr %v acr %q",
			c.Subject, c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
	t.Logf("thief: status %d step %q", r.Status, r.Step())
}

// Same with self-service reset: the thief's flow that enrolled (TOFU) and
// stopped at the recovery-codes page finishes after the owner's admin reset.
func TestAdminResetEndsUnfinishedEnrollment(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	h.requireMFA(erin)
	nonce := "att"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	thief := newBrowser(t)
	p := thief.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	secret := p.setupSecret(t)
	p = thief.submit(p, map[string]string{"app": "authy", "code": h.passcode(t, secret)})
	if p.Step() != "recovery-codes" {
		t.Fatalf("step %q", p.Step())
	}
	// Owner gets the "new device" mail; the admin resets the device.
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash("abcdefghjkmn"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	r := thief.submit(p, nil)
	if strings.Contains(r.Location, "code=") {
		c := exchange(t, app, r)
		t.Fatalf("BUG: thief's enrollment flow finished after the admin reset: amr %v acr %q", c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference)
	}
}

// An emailed enrollment link from an earlier admin reset still works after
// the administrator resets again (new proof): it consumes the new proof.
func TestSecondResetVoidsOldProofLink(t *testing.T) {
	t.Parallel()
	h, _, _ := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash("first-proof"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	token := "proof-link-token-0123456789abcdefghijklmno"
	now := h.store.Now()
	if err := h.store.CreateLinkToken(ctx, &store.LinkToken{TokenHash: credential.HashToken(token), Purpose: store.LinkProof,
		UserID: erin.ID, CreatedAt: now, ExpiresAt: now.Add(72 * time.Hour)}); err != nil {
		t.Fatal(err)
	}
	// The admin resets again (the first mail went astray), handing over a new code only.
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash("second-proof"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	if p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex"); p.Step() != "enroll-proof" {
		t.Fatalf("step %q", p.Step())
	}
	p := b.get(h.issuer + "/login/proof?token=" + token)
	if p.Step() == "enroll" {
		t.Fatalf("BUG: the link of the first reset satisfied the second reset's proof (step %q)", p.Step())
	}
}

// An authorization code issued before the reset is still exchanged after it.
func TestResetVoidsUnexchangedCodes(t *testing.T) {
	t.Parallel()
	h, _, secret := enrolled(t)
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	nonce := "att"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	thief := newBrowser(t)
	p := thief.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	p = thief.submit(p, map[string]string{"code": h.passcode(t, secret)})
	if err := h.store.AdminResetDevice(ctx, erin.ID, h.hasher.Hash("abcdefghjkmn"), time.Now().Add(time.Hour)); err != nil {
		t.Fatal(err)
	}
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app); err == nil {
		t.Fatal("a code issued before the reset was exchanged after it")
	}
}

// Self-service variant: owner resets with a recovery code and re-enrols; a
// thief's stalled flow (passcode passed with the old device) still finishes.
func TestSelfResetEndsStalledSignIns(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	clock := h.clock
	ctx := context.Background()
	erin, _ := h.store.UserByUsername(ctx, "erin")
	h.requireMFA(erin)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeOfflineAccess)
	b := newBrowser(t)
	p := b.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	p, secret, codes := h.enrollWithCodes(b, p)
	exchange(t, app, p)
	clock.NextTOTPStep()

	nonce = "att"
	thief := newBrowser(t)
	p = thief.toSecondFactor(authURL(app, nonce, ""), "erin", erinPW, "rex")
	noFollow(thief, p, map[string]string{"code": h.passcode(t, secret)})
	flowID := p.URL.Query().Get("authRequestID")

	clock.NextTOTPStep()
	nonce = "owner"
	owner := newBrowser(t)
	q := lostDevice(t, h, owner, app, nonce)
	q = owner.submit(q, map[string]string{"recovery_code": codes[0]})
	q, _ = h.enroll(owner, q)
	exchange(t, app, q)

	nonce = "att"
	r := thief.get(h.issuer + "/login/next?authRequestID=" + url.QueryEscape(flowID))
	if strings.Contains(r.Location, "code=") {
		c := exchange(t, app, r)
		t.Fatalf("BUG: stalled flow finished after self-service reset: amr %v", c.AuthenticationMethodsReferences)
	}
}
