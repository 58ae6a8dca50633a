package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
	"net/http"
	"net/url"
	"slices"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"
	"github.com/go-jose/go-jose/v4/jwt"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

const factorSecret = "factor-only-secret-0123456789-abcdef"

// factorHarness is a provider with a factor-only client "idp" whose
// request objects are signed with key, and a factor-only client
// "trusted" that names users by login_hint.
type factorHarness struct {
	*harness
	key *rsa.PrivateKey
}

func newFactorHarness(t *testing.T) *factorHarness {
	t.Helper()
	h := newHarness(t)
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	for _, c := range []struct {
		id      string
		trusted bool
		jwks    string
	}{{"idp", false, string(set)}, {"trusted", true, ""}} {
		cl := fixtures.AddClient(t, h.store, h.hasher, c.id, factorSecret)
		cl.Mode, cl.TrustLoginHint, cl.JWKS, cl.RequireMFA = store.ModeSecondFactor, c.trusted, c.jwks, true
		if err := h.store.SaveClient(context.Background(), cl); err != nil {
			t.Fatal(err)
		}
	}
	return &factorHarness{harness: h, key: key}
}

// requestObject is a request object of client "idp" signed with key:
// its usual claims, changed by claims (a nil value removes one).
func (f *factorHarness) requestObject(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	return f.signed(t, key, map[string]any{"iss": "idp", "client_id": "idp", "aud": f.issuer,
		"exp": f.store.Now().Add(5 * time.Minute).Unix(), "iat": f.store.Now().Unix()}, claims)
}

// signed is a JWT of base changed by claims (a nil value removes one),
// signed RS256 with key (an *rsa.PrivateKey) under the key id k1, or
// HS256 with key (a []byte: a client secret, or whatever an attacker
// makes an HMAC key of).
func (f *factorHarness) signed(t *testing.T, key any, base, claims map[string]any) string {
	t.Helper()
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	alg := jose.RS256
	if _, mac := key.([]byte); mac {
		alg = jose.HS256
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: alg, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
	if err != nil {
		t.Fatal(err)
	}
	raw, err := jwt.Signed(signer).Claims(base).Serialize()
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

func TestFactorOnlyRequestObject(t *testing.T) {
	f := newFactorHarness(t)
	ada := f.addUser("ada", "correct-horse-battery", "blue")
	f.addUser("bob", "correct-horse-battery", "green")
	nonce := "n-ada"
	app := f.relyingParty("idp", factorSecret, &nonce)

	// First sign-in: the request object names ada (the query's login_hint
	// says bob and is ignored); no password, no question: enrolment.
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"})),
		rp.WithURLParam("login_hint", "bob")))
	if p.Step() != "enroll" {
		t.Fatalf("step %q, want enroll (status %d, alert %q)", p.Step(), p.Status, p.Alert())
	}
	p, secret := f.enroll(b, p)
	code := p.code(t)
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app)
	if err != nil {
		t.Fatal(err)
	}
	c := tokens.IDTokenClaims
	if c.Subject != ada.ID || c.PreferredUsername != "ada" || !slices.Equal(c.AuthenticationMethodsReferences, []string{"otp"}) ||
		c.AuthenticationContextClassReference != signin.ACRSecondFactor || c.Nonce != nonce || c.AuthTime == 0 {
		t.Fatalf("ID token: sub %q preferred_username %q amr %v acr %q nonce %q auth_time %v", c.Subject, c.PreferredUsername,
			c.AuthenticationMethodsReferences, c.AuthenticationContextClassReference, c.Nonce, c.AuthTime)
	}
	// The code is single-use.
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, app); err == nil {
		t.Fatal("a code was exchanged twice")
	}

	// A later sign-in asks the passcode only, with no password in between.
	f.clock.Advance(30 * time.Second)
	p = b.get(authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"}))))
	if p.Step() != "otp" {
		t.Fatalf("second sign-in: step %q, want otp", p.Step())
	}
	p = b.submit(p, map[string]string{"code": f.passcode(t, secret)})
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), app); err != nil {
		t.Fatal(err)
	}
}

func TestFactorOnlyRefusals(t *testing.T) {
	f := newFactorHarness(t)
	f.addUser("ada", "correct-horse-battery", "blue")
	nonce := "n"
	app := f.relyingParty("idp", factorSecret, &nonce)
	trusted := f.relyingParty("trusted", factorSecret, &nonce)
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	now := f.store.Now()
	// The request object every case changes one thing of is accepted as it is.
	if p := newBrowser(t).get(authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"})))); p.Step() != "enroll" {
		t.Fatalf("the unchanged request object: step %q, want enroll", p.Step())
	}
	for _, tc := range []struct {
		name string
		url  string
		want string // the error sent to the relying party
	}{
		{"another key", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, other, map[string]any{"login_hint": "ada"}))), "invalid_request"},
		{"expired", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": now.Add(-time.Second).Unix()}))), "invalid_request"},
		{"long-lived", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": now.Add(time.Hour).Unix()}))), "invalid_request"},
		{"no exp", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": nil}))), "invalid_request"},
		{"wrong audience", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "aud": "https://elsewhere.example"}))), "invalid_request"},
		{"another client's object", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "iss": "trusted", "client_id": "trusted"}))), "invalid_request"},
		{"no login_hint", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, nil))), "invalid_request"},
		{"unknown user", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "nobody"}))), "access_denied"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newBrowser(t).get(tc.url)
			if q := p.rpQuery(t); q.Get("error") != tc.want || q.Get("code") != "" {
				t.Fatalf("answer %v, want error %s", q, tc.want)
			}
		})
	}

	// The trusted client names the user by login_hint; nobody vouched for
	// a first factor, so a first device is never enrolled on trust (the
	// harness's policy is none): whoever knows a username must not plant
	// a device.
	b := newBrowser(t)
	p := b.get(authURL(trusted, nonce, "", rp.WithURLParam("login_hint", "ada")))
	if p.Step() != "enroll-proof" {
		t.Fatalf("trusted login_hint, no device: step %q, want enroll-proof", p.Step())
	}
	if got := b.get(f.issuer + "/login/enroll?authRequestID=" + url.QueryEscape(formField(t, p, "authRequestID"))); got.Step() == "enroll" {
		t.Fatal("the enrolment page was served to a flow named by a plain login_hint")
	}
}

// assertion is a client assertion (private_key_jwt) of client signed
// with key, changed by claims.
func (f *factorHarness) assertion(t *testing.T, key *rsa.PrivateKey, client string, claims map[string]any) string {
	t.Helper()
	now := f.store.Now()
	return f.signed(t, key, map[string]any{"iss": client, "sub": client, "aud": f.issuer, "iat": now.Unix(),
		"exp": now.Add(time.Minute).Unix(), "jti": rand.Text()}, claims)
}

// tokenRequest posts a token request and returns the status and JSON body.
func (f *factorHarness) tokenRequest(t *testing.T, form url.Values) (int, map[string]any) {
	t.Helper()
	resp, err := http.PostForm(f.issuer+"/oauth/token", form)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestFactorOnlyPrivateKeyJWT(t *testing.T) {
	f := newFactorHarness(t)
	f.addUser("ada", "correct-horse-battery", "blue")
	set, err := json.Marshal(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &f.key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	if err != nil {
		t.Fatal(err)
	}
	cl := &store.Client{ID: "pkj", RedirectURIs: store.StringList{rpRedirect}, PostLogoutRedirectURIs: store.StringList{},
		EntraTenants: store.StringList{}, Mode: store.ModeSecondFactor, JWKS: string(set), RequireMFA: true}
	if err := f.store.CreateClient(context.Background(), cl); err != nil {
		t.Fatal(err)
	}
	nonce := "n-pkj"
	app := f.relyingParty("pkj", "", &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, "", rp.WithURLParam("request",
		f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "iss": "pkj", "client_id": "pkj"}))))
	p, _ = f.enroll(b, p)
	code := p.code(t)
	exchange := func(assertion string, extra ...string) (int, map[string]any) {
		form := url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect},
			"client_assertion_type": {oidc.ClientAssertionTypeJWTAssertion}, "client_assertion": {assertion}}
		for i := 0; i+1 < len(extra); i += 2 {
			form.Set(extra[i], extra[i+1])
		}
		return f.tokenRequest(t, form)
	}
	other, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	// Refused assertions issue nothing (and do not burn the code).
	for name, a := range map[string]string{
		"another key":        f.assertion(t, other, "pkj", nil),
		"another audience":   f.assertion(t, f.key, "pkj", map[string]any{"aud": "https://elsewhere.example"}),
		"expired":            f.assertion(t, f.key, "pkj", map[string]any{"exp": f.store.Now().Add(-time.Minute).Unix()}),
		"sub not the client": f.assertion(t, f.key, "pkj", map[string]any{"sub": "ada"}),
	} {
		if status, out := exchange(a); status == http.StatusOK || out["id_token"] != nil {
			t.Fatalf("%s: token issued (%d %v)", name, status, out)
		}
	}
	// Its own assertion redeems the code, once.
	status, out := exchange(f.assertion(t, f.key, "pkj", nil))
	if status != http.StatusOK || out["id_token"] == nil {
		t.Fatalf("private_key_jwt exchange: %d %v", status, out)
	}
	if status, _ := exchange(f.assertion(t, f.key, "pkj", nil)); status == http.StatusOK {
		t.Fatal("a code was redeemed twice")
	}
	// A client with a secret cannot use an assertion.
	if status, _ := f.tokenRequest(t, url.Values{"grant_type": {"authorization_code"}, "code": {code}, "redirect_uri": {rpRedirect},
		"client_assertion_type": {oidc.ClientAssertionTypeJWTAssertion}, "client_assertion": {f.assertion(t, f.key, "idp", nil)}}); status != http.StatusUnauthorized {
		t.Fatalf("assertion of a secret client: status %d, want 401", status)
	}
	// The JWT profile grant stays refused, even with a key the client registered.
	if status, out := f.tokenRequest(t, url.Values{"grant_type": {string(oidc.GrantTypeBearer)},
		"assertion": {f.assertion(t, f.key, "pkj", map[string]any{"sub": "ada"})}, "scope": {"openid"}}); status == http.StatusOK {
		t.Fatalf("JWT profile grant answered %d %v", status, out)
	}
}

// formField is a field of the page's form.
func formField(t *testing.T, p *page, name string) string {
	t.Helper()
	_, v, err := p.Form(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v.Get(name)
}

// TestFactorOnlyTrustedHintWithDevice: a user with a device named by a
// plain login_hint gets the passcode step, and the token names the user.
func TestFactorOnlyTrustedHintWithDevice(t *testing.T) {
	f := newFactorHarness(t)
	f.addUser("ada", "correct-horse-battery", "blue")
	nonce := "n"
	app := f.relyingParty("idp", factorSecret, &nonce)
	trusted := f.relyingParty("trusted", factorSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada"}))))
	p, secret := f.enroll(b, p)
	p.code(t)
	f.clock.Advance(30 * time.Second)
	p = b.get(authURL(trusted, nonce, "", rp.WithURLParam("login_hint", "ada")))
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	p = b.submit(p, map[string]string{"code": f.passcode(t, secret)})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), trusted)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; c.PreferredUsername != "ada" || c.AuthenticationContextClassReference != signin.ACRSecondFactor {
		t.Fatalf("preferred_username %q acr %q", c.PreferredUsername, c.AuthenticationContextClassReference)
	}
}
