package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"fmt"
	"maps"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"

	"github.com/otpgate/otpgate/internal/testkit/clock"
	"github.com/otpgate/otpgate/internal/testkit/fakeentra"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/entra"
	"github.com/otpgate/otpgate/provider/store"
)

// entraHarness is a provider with one Entra client ("entra-eam") for the
// fake authority's tenant and application.
type entraHarness struct {
	*harness
	fe *fakeentra.Authority
}

func newEntraHarness(t *testing.T, firstLinkByName bool) *entraHarness {
	t.Helper()
	fe := fakeentra.New(t)
	c := clock.New()
	h := newHarnessOn(t, openStore(t), c, func(o *provider.Options) {
		o.Entra = &provider.EntraOptions{Hints: newEntraAuthority(t, fe, c.Now), LinkByUsername: firstLinkByName}
	})
	cl := &store.Client{ID: "entra-eam", Mode: store.ModeEntraEAM, EntraAppID: fe.AppID(),
		EntraTenants: store.StringList{fe.TenantID()}, RedirectURIs: entra.RedirectURIs(),
		PostLogoutRedirectURIs: store.StringList{}}
	if err := h.store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	return &entraHarness{harness: h, fe: fe}
}

// linkedUser adds an account that requires two-factor sign-in, linked
// by an administrator to a new Entra user of the fake tenant, and returns
// that user's object id.
func (e *entraHarness) linkedUser(t *testing.T, name string) string {
	t.Helper()
	u := fixtures.AddUser(t, e.store, e.hasher, fixtures.Account{Name: name, Password: "correct-horse-battery", Answer: "blue"}, true)
	oid := fakeentra.NewGUID()
	link := &store.UserLink{Provider: store.LinkProviderEntra(e.fe.TenantID()), Subject: oid, UserID: u.ID}
	if err := e.store.LinkUser(context.Background(), link, false); err != nil {
		t.Fatal(err)
	}
	return oid
}

// enrolledViaEntra enrols a device in a first Entra sign-in of oid (whose
// hint names name) and moves to the next time step; it returns the
// browser and the device secret.
func (e *entraHarness) enrolledViaEntra(t *testing.T, oid, name string) (*browser, []byte) {
	t.Helper()
	b := newBrowser(t)
	p, secret := e.enroll(b, e.post(b, fakeentra.FormRequest("entra-eam", e.hint(oid, name))))
	answer(t, p)
	e.clock.Advance(30 * time.Second)
	return b, secret
}

// hint mints a hint for oid issued now (the provider's clock).
func (e *entraHarness) hint(oid, name string) string {
	return e.fe.MintHint(fakeentra.HintClaims{OID: oid, PreferredUsername: name, IssuedAt: e.store.Now()})
}

// post sends Entra's form POST and follows the redirects.
func (e *entraHarness) post(b *browser, form url.Values) *page {
	b.t.Helper()
	req, err := http.NewRequest(http.MethodPost, e.issuer+"/authorize", strings.NewReader(form.Encode()))
	if err != nil {
		b.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	return b.do(req)
}

// answer is the form a form-post page sends to Entra.
func answer(t *testing.T, p *page) (string, url.Values) {
	t.Helper()
	if p.Step() != "form-post" {
		t.Fatalf("step %q, want form-post (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	action, values, err := p.Form(nil)
	if err != nil {
		t.Fatal(err)
	}
	return action.String(), values
}

// verifyAnswer checks the ID token of an answer with go-jose against the
// provider's published keys and returns its claims.
func (e *entraHarness) verifyAnswer(t *testing.T, raw string) map[string]any {
	t.Helper()
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatalf("answer's id_token: %v", err)
	}
	resp, err := http.Get(e.issuer + "/keys")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var set jose.JSONWebKeySet
	if err := json.NewDecoder(resp.Body).Decode(&set); err != nil {
		t.Fatal(err)
	}
	keys := set.Key(tok.Headers[0].KeyID)
	if len(keys) != 1 {
		t.Fatalf("kid %q published %d times", tok.Headers[0].KeyID, len(keys))
	}
	var claims map[string]any
	if err := tok.Claims(keys[0].Key, &claims); err != nil {
		t.Fatalf("signature: %v", err)
	}
	return claims
}

func TestEntraEAMJourney(t *testing.T) {
	e := newEntraHarness(t, true)
	ada := fixtures.AddUser(t, e.store, e.hasher, fixtures.Account{Name: "ada", Password: "correct-horse-battery", Answer: "blue"}, false)
	oid := fakeentra.NewGUID()

	// First use: linked by name, no device yet: enrolment, then recovery codes, then the answer.
	b := newBrowser(t)
	form := fakeentra.FormRequest("entra-eam", e.hint(oid, "ada@contoso.example"))
	form.Set("id_token_hint", e.hint(oid, "ada"))
	p := e.post(b, form)
	if p.Step() != "enroll" {
		t.Fatalf("first EAM sign-in: step %q, want enroll (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	p, secret := e.enroll(b, p)
	action, got := answer(t, p)
	if action != fakeentra.RedirectURI || got.Get("state") != form.Get("state") {
		t.Fatalf("answer to %q with state %q; want %q, %q", action, got.Get("state"), fakeentra.RedirectURI, form.Get("state"))
	}
	claims := e.verifyAnswer(t, got.Get("id_token"))
	wantSub := e.fe.Subject(oid, e.fe.AppID())
	if claims["sub"] != wantSub || claims["aud"] != "entra-eam" || claims["iss"] != e.issuer ||
		claims["nonce"] != form.Get("nonce") || claims["acr"] != "possessionorinherence" {
		t.Fatalf("claims %v", claims)
	}
	if amr, _ := claims["amr"].([]any); len(amr) != 1 || amr[0] != "otp" {
		t.Fatalf("amr %v, want [otp]", claims["amr"])
	}
	if u, err := e.store.UserByLink(context.Background(), store.LinkProviderEntra(e.fe.TenantID()), oid); err != nil || u.ID != ada.ID {
		t.Fatalf("link after first use: %v, %v", u, err)
	}

	// Later: the passcode only (no password, no question), even with a session cookie.
	e.clock.Advance(30 * time.Second)
	form = fakeentra.FormRequest("entra-eam", e.hint(oid, "someone-else"))
	p = e.post(b, form)
	if p.Step() != "otp" {
		t.Fatalf("second EAM sign-in: step %q, want otp", p.Step())
	}
	code := e.passcode(t, secret)
	p = b.submit(p, map[string]string{"code": code})
	_, got = answer(t, p)
	if claims := e.verifyAnswer(t, got.Get("id_token")); claims["sub"] != wantSub || claims["nonce"] != form.Get("nonce") {
		t.Fatalf("second answer's claims %v", claims)
	}

	// The same passcode is refused in the full journey of the same user within its step.
	e.addClient("app", "app-secret-0123456789-abcdefghij")
	rpc := e.relyingParty("app", "app-secret-0123456789-abcdefghij", nil)
	nonce := "n-1"
	_, challenge := pkce()
	full := newBrowser(t)
	p = full.toSecondFactor(authURL(rpc, nonce, challenge), "ada", "correct-horse-battery", "blue")
	p = full.submit(p, map[string]string{"code": code})
	if p.Step() != "otp" || p.Alert() == "" {
		t.Fatalf("a passcode used in an EAM sign-in was accepted in the full journey: step %q", p.Step())
	}
}

func TestEntraEAMLockoutAnswersAccessDenied(t *testing.T) {
	e := newEntraHarness(t, false)
	oid := e.linkedUser(t, "bob")
	b, secret := e.enrolledViaEntra(t, oid, "bob")
	form := fakeentra.FormRequest("entra-eam", e.hint(oid, "bob"))
	p := e.post(b, form)
	for i := 0; i < 5 && p.Step() == "otp"; i++ {
		p = b.submit(p, map[string]string{"code": fixtures.WrongCode(secret, e.store.Now())})
	}
	_, got := answer(t, p)
	if got.Get("error") != "access_denied" || got.Get("state") != form.Get("state") || got.Get("id_token") != "" {
		t.Fatalf("lockout answered %v, want access_denied with the state", got)
	}
}

func TestEntraEAMRefusals(t *testing.T) {
	e := newEntraHarness(t, false)
	oid := e.linkedUser(t, "cyd")
	now := e.store.Now()
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	hint := func(c fakeentra.HintClaims) string {
		if c.OID == "" {
			c.OID = oid
		}
		if c.IssuedAt.IsZero() {
			c.IssuedAt = now
		}
		return e.fe.MintHint(c)
	}
	// The request every case changes one thing of is accepted as it is.
	if p := e.post(newBrowser(t), fakeentra.FormRequest("entra-eam", hint(fakeentra.HintClaims{}))); p.Step() != "enroll" {
		t.Fatalf("the unchanged request: step %q, want enroll (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	for _, tc := range []struct {
		name  string
		edit  func(url.Values)
		error string // "" means an error page here (no answer to an unverified address)
	}{
		{"trailing slash", func(f url.Values) { f.Set("redirect_uri", fakeentra.RedirectURI+"/") }, ""},
		{"http", func(f url.Values) { f.Set("redirect_uri", strings.Replace(fakeentra.RedirectURI, "https", "http", 1)) }, ""},
		{"case", func(f url.Values) { f.Set("redirect_uri", strings.ToUpper(fakeentra.RedirectURI)) }, ""},
		{"look-alike host", func(f url.Values) {
			f.Set("redirect_uri", strings.Replace(fakeentra.RedirectURI, "microsoftonline.com", "microsoftonline.com.evil.example", 1))
		}, ""},
		{"unknown client", func(f url.Values) { f.Set("client_id", "nobody") }, ""},
		{"another key", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{Key: other})) }, "access_denied"},
		{"alg none", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{Alg: "none"})) }, "access_denied"},
		{"HS256", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{Alg: "HS256"})) }, "access_denied"},
		{"wrong audience", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{AppID: fakeentra.NewGUID()})) }, "access_denied"},
		{"foreign tenant", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{TenantID: fakeentra.NewGUID()})) }, "access_denied"},
		{"stale iat", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{IssuedAt: now.Add(-time.Hour)})) }, "access_denied"},
		{"missing oid", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{Omit: []string{"oid"}})) }, "access_denied"},
		{"knowledge only", func(f url.Values) {
			f.Set("claims", `{"id_token":{"acr":{"essential":true,"values":["knowledge"]}}}`)
		}, "access_denied"},
		{"unlinked user", func(f url.Values) { f.Set("id_token_hint", hint(fakeentra.HintClaims{OID: fakeentra.NewGUID()})) }, "access_denied"},
		{"missing state", func(f url.Values) { f.Del("state") }, "invalid_request"},
		{"code flow", func(f url.Values) { f.Set("response_type", "code") }, "unsupported_response_type"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			form := fakeentra.FormRequest("entra-eam", hint(fakeentra.HintClaims{}))
			tc.edit(form)
			p := e.post(newBrowser(t), form)
			if tc.error == "" {
				if p.Step() != "error" || p.Status != http.StatusBadRequest {
					t.Fatalf("step %q status %d, want the error page", p.Step(), p.Status)
				}
				return
			}
			action, got := answer(t, p)
			if action != fakeentra.RedirectURI || got.Get("error") != tc.error || got.Get("state") != form.Get("state") || got.Get("id_token") != "" {
				t.Fatalf("answer to %s: %v; want error %s with the state", action, got, tc.error)
			}
		})
	}
}

// newEntraAuthority verifies hints against the fake authority, on the
// provider's clock.
func newEntraAuthority(t *testing.T, fe *fakeentra.Authority, now func() time.Time) *entra.Authority {
	t.Helper()
	a, err := entra.NewAuthority(entra.Options{BaseURL: fe.URL(), Client: fe.Client(), Now: now})
	if err != nil {
		t.Fatal(err)
	}
	return a
}

func TestEntraEAMExpiredFlowAnswersAccessDenied(t *testing.T) {
	e := newEntraHarness(t, false)
	oid := e.linkedUser(t, "dee")
	b, secret := e.enrolledViaEntra(t, oid, "dee")
	form := fakeentra.FormRequest("entra-eam", e.hint(oid, "dee"))
	p := e.post(b, form)
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	_, fields, err := p.Form(nil)
	if err != nil || fields.Get("authRequestID") == "" {
		t.Fatalf("otp form: %v %v", fields, err)
	}
	// The person comes back after the flow's lifetime: Entra is answered.
	e.clock.Advance(16 * time.Minute)
	p = b.submit(p, map[string]string{"code": e.passcode(t, secret)})
	_, got := answer(t, p)
	if got.Get("error") != "access_denied" || got.Get("state") != form.Get("state") || got.Get("id_token") != "" {
		t.Fatalf("expired flow answered %v, want access_denied with the state", got)
	}
	// Another browser with the flow's id gets a page, never an answer.
	other := newBrowser(t)
	if p := other.get(e.issuer + "/login/otp?authRequestID=" + url.QueryEscape(fields.Get("authRequestID"))); p.Step() != "error" {
		t.Fatal("a browser without the flow got an answer to post")
	}
}

// TestEntraEAMRefusesAPasscodeOfTheFullJourney: a passcode accepted in the
// full sign-in is refused in an Entra sign-in of the same user within its
// step (one device, one last accepted step, whatever the mode).
func TestEntraEAMRefusesAPasscodeOfTheFullJourney(t *testing.T) {
	e := newEntraHarness(t, false)
	oid := e.linkedUser(t, "eve")
	e.addClient("app", "app-secret-0123456789-abcdefghij")
	app := e.relyingParty("app", "app-secret-0123456789-abcdefghij", nil)
	_, challenge := pkce()
	full := newBrowser(t)
	p := full.toSecondFactor(authURL(app, "n-1", challenge), "eve", "correct-horse-battery", "blue")
	p, secret := e.enroll(full, p)
	p.code(t)
	e.clock.Advance(30 * time.Second)
	again := newBrowser(t)
	p = again.toSecondFactor(authURL(app, "n-2", challenge), "eve", "correct-horse-battery", "blue")
	code := e.passcode(t, secret)
	if p = again.submit(p, map[string]string{"code": code}); p.Code() == "" {
		t.Fatalf("full sign-in: step %q alert %q", p.Step(), p.Alert())
	}
	b := newBrowser(t)
	p = e.post(b, fakeentra.FormRequest("entra-eam", e.hint(oid, "eve")))
	if p.Step() != "otp" {
		t.Fatalf("EAM: step %q, want otp", p.Step())
	}
	if p = b.submit(p, map[string]string{"code": code}); p.Step() != "otp" || p.Alert() == "" {
		t.Fatalf("the full journey's passcode was accepted in an EAM sign-in: step %q", p.Step())
	}
}

// TestEntraEAMPasscodeRaceWithFullJourney: one passcode posted at once
// in an Entra sign-in and in a full sign-in of the same user is accepted
// once, on whichever database the harness runs.
func TestEntraEAMPasscodeRaceWithFullJourney(t *testing.T) {
	e := newEntraHarness(t, false)
	oid := e.linkedUser(t, "fay")
	e.addClient("app", "app-secret-0123456789-abcdefghij")
	app := e.relyingParty("app", "app-secret-0123456789-abcdefghij", nil)
	_, challenge := pkce()
	first := newBrowser(t)
	p, secret := e.enroll(first, first.toSecondFactor(authURL(app, "n-0", challenge), "fay", "correct-horse-battery", "blue"))
	p.code(t)
	for round := range 5 {
		e.clock.Advance(30 * time.Second)
		full, eam := newBrowser(t), newBrowser(t)
		pf := full.toSecondFactor(authURL(app, "n-r", challenge), "fay", "correct-horse-battery", "blue")
		pe := e.post(eam, fakeentra.FormRequest("entra-eam", e.hint(oid, "fay")))
		if pf.Step() != "otp" || pe.Step() != "otp" {
			t.Fatalf("round %d: steps %q and %q, want otp", round, pf.Step(), pe.Step())
		}
		code := e.passcode(t, secret)
		var wg sync.WaitGroup
		var af, ae *page
		wg.Go(func() { af = full.submit(pf, map[string]string{"code": code}) })
		wg.Go(func() { ae = eam.submit(pe, map[string]string{"code": code}) })
		wg.Wait()
		accepted := 0
		if af.Code() != "" {
			accepted++
		}
		if ae.Step() == "form-post" {
			if _, got := answer(t, ae); got.Get("id_token") != "" {
				accepted++
			}
		}
		if accepted != 1 {
			t.Fatalf("round %d: the passcode was accepted %d times (full: %q, entra: %q)", round, accepted, af.Step(), ae.Step())
		}
	}
}

// TestEntraEAMTranscript runs one Entra exchange of a linked user with a
// device and, with -v, prints it: the request Entra posts, the form the
// browser posts back, and the ID token decoded. It checks that the
// transcript is the exchange's: one form, to Microsoft's address, whose
// token answers the hint's subject and the request's nonce.
func TestEntraEAMTranscript(t *testing.T) {
	e := newEntraHarness(t, true)
	fixtures.AddUser(t, e.store, e.hasher, fixtures.Account{Name: "ada", Password: "correct-horse-battery", Answer: "blue"}, false)
	oid := fakeentra.NewGUID()
	b, secret := e.enrolledViaEntra(t, oid, "ada")

	form := fakeentra.FormRequest("entra-eam", e.hint(oid, "ada"))
	t.Logf("1. Entra posts to %s/authorize (application/x-www-form-urlencoded):", e.issuer)
	for _, k := range slices.Sorted(maps.Keys(form)) {
		t.Logf("   %s = %s", k, abbreviate(form.Get(k)))
	}
	p := e.post(b, form)
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	t.Logf("2. otpgate shows the passcode page (data-step=%q); the person enters the passcode", p.Step())
	p = b.submit(p, map[string]string{"code": e.passcode(t, secret)})
	action, got := answer(t, p)
	t.Logf("3. otpgate answers with an auto-submitting form (data-step=%q), POST to %s:", p.Step(), action)
	for _, k := range slices.Sorted(maps.Keys(got)) {
		t.Logf("   %s = %s", k, abbreviate(got.Get(k)))
	}
	raw := got.Get("id_token")
	tok, err := jwt.ParseSigned(raw, []jose.SignatureAlgorithm{jose.RS256})
	if err != nil {
		t.Fatal(err)
	}
	claims := e.verifyAnswer(t, raw)
	h := tok.Headers[0]
	t.Logf("4. the id_token's header: alg %s, kid %s, typ %v", h.Algorithm, h.KeyID, h.ExtraHeaders["typ"])
	pretty, _ := json.MarshalIndent(claims, "   ", "  ")
	t.Logf("   its claims (signature verified against %s/keys):\n   %s", e.issuer, pretty)
	if action != fakeentra.RedirectURI || got.Get("state") != form.Get("state") || claims["nonce"] != form.Get("nonce") ||
		claims["sub"] != e.fe.Subject(oid, e.fe.AppID()) {
		t.Fatalf("the answer does not answer the request: to %s, claims %v", action, claims)
	}
}

// abbreviate shortens a long value (a JWT) for a transcript.
func abbreviate(v string) string {
	if len(v) <= 96 {
		return v
	}
	return v[:60] + "…" + v[len(v)-24:] + fmt.Sprintf(" (%d characters)", len(v))
}
