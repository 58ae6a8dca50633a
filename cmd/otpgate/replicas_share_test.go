//go:build linux

package main

import (
	"context"
	"net/http"
	"net/url"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// procRewrite sends every request of a relying party to one replica, as a
// load balancer would; the issuer is static, so the host is irrelevant.
type procRewrite struct{ base *url.URL }

func (r procRewrite) RoundTrip(req *http.Request) (*http.Response, error) {
	req = req.Clone(req.Context())
	req.URL.Scheme, req.URL.Host, req.Host = r.base.Scheme, r.base.Host, r.base.Host
	return http.DefaultTransport.RoundTrip(req)
}

// procRelyingParty is zitadel's relying party for client c on issuer, with
// every request (discovery, token, JWKS, userinfo) sent to base.
func procRelyingParty(t *testing.T, issuer, base string, c fleet.Client, nonce string) rp.RelyingParty {
	t.Helper()
	b, _ := url.Parse(base)
	client := &http.Client{Transport: procRewrite{b}, Timeout: 60 * time.Second}
	p, err := rp.NewRelyingPartyOIDC(context.Background(), issuer, c.ID, c.Secret, fixtures.RedirectURI,
		[]string{oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess},
		rp.WithHTTPClient(client), rp.WithVerifierOpts(rp.WithNonce(func(context.Context) string { return nonce })))
	if err != nil {
		t.Fatalf("relying party on %s: %v", base, err)
	}
	return p
}

// TestReplicasShareEverything runs three otpgate processes on one
// PostgreSQL database with one issuer and one encryption key, and sends
// each request of one sign-in to a different replica: flow state, browser
// binding, CSRF and cookie keys, the pending TOTP secret, codes, refresh
// families, the last accepted passcode step and signing keys must all be
// shared. It waits for the other replicas to reload their signing keys
// (up to 30 s), so it is opt-in with the fault tests (OTPGATE_TEST_FAULTS=1).
func TestReplicasShareEverything(t *testing.T) {
	fleet.NeedFaults(t)
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 3)
	f.StartAll()
	A, B, C := f.Replicas[0].Base, f.Replicas[1].Base, f.Replicas[2].Base
	app := f.AddClient("app")
	st := f.OpenStore()
	erin := f.AddUser(st, "erin", true)
	ctx := context.Background()
	must := func(p *browser.Page, err error) *browser.Page {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
		return p
	}
	wantStep := func(p *browser.Page, step, what string) {
		t.Helper()
		if p.Step() != step {
			t.Fatalf("%s: want step %q, got %s", what, step, p.Describe())
		}
	}

	// One sign-in, each request on another replica.
	br := fleet.NewBrowser()
	auth := fleet.NewAuth(f.Issuer, app, "openid profile email offline_access")
	p := must(br.On(A).Get(auth.URL))
	wantStep(p, "password", "authorize on A")
	p = must(br.On(B).Submit(p, map[string]string{"username": erin.Name, "password": erin.Password}))
	wantStep(p, "question", "password on B")
	p = must(br.On(C).Submit(p, map[string]string{"answer": erin.Answer}))
	wantStep(p, "enroll", "question on C")
	secret, err := p.SetupKey()
	if err != nil {
		t.Fatal(err)
	}
	enrollCode := fleet.Passcode(secret, 0)
	p = must(br.On(A).Submit(p, map[string]string{"app": "google-authenticator", "code": enrollCode}))
	wantStep(p, "recovery-codes", "enrollment on A (the pending secret was made on C)")
	// The last step answers the relying party with the code itself.
	p = must(br.On(B).Post(p, nil))
	p = must(br.On(C).Follow(p))
	q := p.RPQuery()
	if q.Get("code") == "" || q.Get("state") != auth.State {
		t.Fatalf("recovery codes submitted on B: want a redirect to the relying party with a code, got %s", p.Describe())
	}

	rpA := procRelyingParty(t, f.Issuer, A, app, auth.Nonce)
	// ID tokens from a refresh carry no nonce.
	rpB := procRelyingParty(t, f.Issuer, B, app, "")
	rpC := procRelyingParty(t, f.Issuer, C, app, "")
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, q.Get("code"), rpA, rp.WithCodeVerifier(auth.Verifier))
	if err != nil {
		t.Fatalf("token exchange on A: %v", err)
	}
	if amr := tokens.IDTokenClaims.AuthenticationMethodsReferences; !slices.Contains(amr, "otp") || !slices.Contains(amr, "mfa") {
		t.Errorf("ID token amr = %v, want otp and mfa", amr)
	}
	firstRefresh := tokens.RefreshToken
	if firstRefresh == "" {
		t.Fatal("no refresh token from the exchange on A (offline_access was asked)")
	}
	refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, rpB, firstRefresh, "", "")
	if err != nil {
		t.Fatalf("refresh on B: %v", err)
	}
	if refreshed.RefreshToken == "" || refreshed.RefreshToken == firstRefresh {
		t.Fatalf("refresh on B did not rotate the refresh token")
	}
	info, err := rp.Userinfo[*oidc.UserInfo](ctx, refreshed.AccessToken, oidc.BearerToken, tokens.IDTokenClaims.Subject, rpC)
	if err != nil || info.Subject != erin.ID {
		t.Fatalf("userinfo on C: %v (subject %q)", err, info.Subject)
	}

	// JWKS is identical on every replica.
	jwksA, kidsBefore, err := fleet.JWKS(A)
	if err != nil {
		t.Fatal(err)
	}
	for _, base := range []string{B, C} {
		if other, _, err := fleet.JWKS(base); err != nil || other != jwksA {
			t.Fatalf("JWKS of %s differs from A's (%v):\n%s\n%s", base, err, other, jwksA)
		}
	}
	// Rotate through the CLI now; the other checks run while the replicas
	// pick the new key up.
	rotated := time.Now()
	out := f.MustCLI("keys", "rotate")
	// A new key per algorithm; the client signs with RS256 (the default).
	m := regexp.MustCompile(`(\S+) \(RS256\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys rotate printed %q", out)
	}
	newKid := m[1]
	if slices.Contains(kidsBefore, newKid) {
		t.Fatalf("rotated key %s was already published", newKid)
	}

	// The last accepted passcode step is shared: a code accepted on B is
	// refused on C, and the enrollment code is refused everywhere.
	second := fleet.NewBrowser()
	auth2 := fleet.NewAuth(f.Issuer, app, "openid offline_access")
	p = must(fleet.FirstFactor(second, fleet.RoundRobin(B, C, A), auth2, erin))
	wantStep(p, "otp", "second sign-in after password and question")
	third := fleet.NewBrowser()
	auth3 := fleet.NewAuth(f.Issuer, app, "openid")
	p3 := must(fleet.FirstFactor(third, fleet.RoundRobin(C, A, B), auth3, erin))
	wantStep(p3, "otp", "third sign-in after password and question")
	if r := must(third.On(A).Submit(p3, map[string]string{"code": enrollCode})); r.Step() != "otp" || r.Status != http.StatusUnauthorized {
		t.Fatalf("the code that verified enrollment (on A) was accepted again on A: %s", r.Describe())
	} else {
		p3 = r
	}
	code := fleet.Passcode(secret, 1)
	p = must(second.On(B).Post(p, map[string]string{"code": code}))
	p = must(second.On(B).Follow(p))
	if p.RPQuery().Get("code") == "" {
		t.Fatalf("passcode on B: want a redirect to the relying party with a code, got %s", p.Describe())
	}
	code2 := p.RPQuery().Get("code")
	r := must(third.On(C).Submit(p3, map[string]string{"code": code}))
	if r.Step() != "otp" || r.Status != http.StatusUnauthorized || r.Alert() == "" {
		t.Fatalf("the passcode accepted on B was not refused on C: %s", r.Describe())
	}

	// A code redeemed on A cannot be redeemed on B, and the replay revokes
	// what the first redemption produced.
	status, body, err := fleet.Token(A, app, fleet.CodeForm(code2, auth2))
	if err != nil || status != http.StatusOK || fleet.JSONString(body, "access_token") == "" {
		t.Fatalf("redeem on A: %d %v %v", status, body, err)
	}
	status, replay, err := fleet.Token(B, app, fleet.CodeForm(code2, auth2))
	if err != nil || status != http.StatusBadRequest || fleet.JSONString(replay, "error") != "invalid_grant" {
		t.Fatalf("the code redeemed on A was redeemed again on B: %d %v %v", status, replay, err)
	}
	if s, _, err := fleet.Userinfo(C, fleet.JSONString(body, "access_token")); err != nil || s == http.StatusOK {
		t.Errorf("after the code was replayed on B, the access token of its first redemption still works on C: %d %v", s, err)
	}
	if s, b, err := fleet.Token(C, app, fleet.RefreshForm(fleet.JSONString(body, "refresh_token"))); err != nil || s == http.StatusOK {
		t.Errorf("after the code was replayed on B, the refresh token of its first redemption still works on C: %d %v %v", s, b, err)
	}

	// A rotated refresh token replayed on C is refused and revokes the
	// family: the current refresh token stops working on A.
	status, body, err = fleet.Token(C, app, fleet.RefreshForm(firstRefresh))
	if err != nil || status != http.StatusBadRequest || fleet.JSONString(body, "error") != "invalid_grant" {
		t.Fatalf("the rotated refresh token was accepted again on C: %d %v %v", status, body, err)
	}
	status, body, err = fleet.Token(A, app, fleet.RefreshForm(refreshed.RefreshToken))
	if err != nil || status != http.StatusBadRequest || fleet.JSONString(body, "error") != "invalid_grant" {
		t.Fatalf("after the replay on C, the family's current refresh token still works on A: %d %v %v", status, body, err)
	}

	// Every replica serves the rotated key within the documented 30 s.
	deadline := rotated.Add(40 * time.Second)
	served := map[string]time.Duration{}
	for len(served) < 3 {
		for _, base := range []string{A, B, C} {
			if _, ok := served[base]; ok {
				continue
			}
			if _, kids, err := fleet.JWKS(base); err == nil && slices.Contains(kids, newKid) {
				served[base] = time.Since(rotated)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("40 s after keys rotate, only %v serve the new key %s", served, newKid)
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Logf("rotated key served after: A %s, B %s, C %s", served[A].Round(time.Millisecond),
		served[B].Round(time.Millisecond), served[C].Round(time.Millisecond))
	for base, d := range served {
		if d > 30*time.Second+2*time.Second {
			t.Errorf("%s served the rotated key after %s, beyond the documented 30 s", base, d)
		}
	}
	jwksA, _, _ = fleet.JWKS(A)
	for _, base := range []string{B, C} {
		if other, _, err := fleet.JWKS(base); err != nil || other != jwksA {
			t.Errorf("after the rotation the JWKS of %s differs from A's (%v)", base, err)
		}
	}
	for _, r := range f.Replicas {
		if lines := fleet.ServerErrors(r.Log()); len(lines) > 0 {
			t.Errorf("replica %s answered 5xx:\n%s", r.Name, strings.Join(lines, "\n"))
		}
	}
}

// TestReplicasRotatedKeyVerifiesEverywhere: an ID token signed by any
// replica must verify against the JWKS of every replica, also right after
// `keys rotate`. A replica that starts (or restarts) after the rotation
// signs with the new key at once; the others publish it only when they
// reload their keys (up to 30 s later), so a relying party that fetches the
// JWKS through the load balancer may fail to verify for that long. It waits
// out that reload, so it is opt-in (OTPGATE_TEST_FAULTS=1).
func TestReplicasRotatedKeyVerifiesEverywhere(t *testing.T) {
	fleet.NeedFaults(t)
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	f := fleet.New(t, fleet.PostgresDatabase(t, pg), 2)
	f.StartAll()
	app := f.AddClient("app")
	st := f.OpenStore()
	u := f.AddUser(st, "ivy", false)
	out := f.MustCLI("keys", "rotate")
	m := regexp.MustCompile(`(\S+) \(RS256\)`).FindStringSubmatch(out)
	if m == nil {
		t.Fatalf("keys rotate printed %q", out)
	}
	// A replica started after the rotation (a restart, a scale-up).
	c := f.AddReplica("C")
	c.StartReady()

	b := fleet.NewBrowser()
	auth := fleet.NewAuth(f.Issuer, app, "openid")
	p, err := fleet.FirstFactor(b, func() string { return c.Base }, auth, u)
	if err != nil {
		t.Fatal(err)
	}
	code := p.RPQuery().Get("code")
	if code == "" {
		t.Fatalf("sign-in on C: %s", p.Describe())
	}
	status, body, err := fleet.Token(c.Base, app, fleet.CodeForm(code, auth))
	if err != nil || status != http.StatusOK {
		t.Fatalf("exchange on C: %d %v %v", status, body, err)
	}
	idToken := fleet.JSONString(body, "id_token")
	for _, r := range f.Replicas {
		keySet := rp.NewRemoteKeySet(&http.Client{Timeout: 10 * time.Second}, r.Base+"/keys")
		v := rp.NewIDTokenVerifier(f.Issuer, app.ID, keySet, rp.WithNonce(func(context.Context) string { return auth.Nonce }))
		if _, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.Background(), idToken, v); err != nil {
			_, kids, _ := fleet.JWKS(r.Base)
			t.Errorf("an ID token signed by replica C (key %s, rotated just before C started) does not verify with the JWKS of replica %s, which publishes %v: %v",
				m[1], r.Name, kids, err)
		}
	}
}
