package provider_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/json"
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

// requestObject is a request object naming user, signed with key.
func (f *factorHarness) requestObject(t *testing.T, key *rsa.PrivateKey, claims map[string]any) string {
	t.Helper()
	base := map[string]any{"iss": "idp", "client_id": "idp", "aud": f.issuer, "exp": f.store.Now().Add(5 * time.Minute).Unix(),
		"iat": f.store.Now().Unix()}
	for k, v := range claims {
		if v == nil {
			delete(base, k)
		} else {
			base[k] = v
		}
	}
	signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: jose.JSONWebKey{Key: key, KeyID: "k1"}}, nil)
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
	for _, tc := range []struct {
		name string
		url  string
		want string // the error sent to the relying party
	}{
		{"no request object", authURL(app, nonce, "", rp.WithURLParam("login_hint", "ada")), "invalid_request"},
		{"another key", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, other, map[string]any{"login_hint": "ada"}))), "invalid_request"},
		{"expired", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": now.Add(-time.Second).Unix()}))), "invalid_request"},
		{"long-lived", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": now.Add(time.Hour).Unix()}))), "invalid_request"},
		{"no exp", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "exp": nil}))), "invalid_request"},
		{"wrong audience", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "aud": "https://elsewhere.example"}))), "invalid_request"},
		{"another client's object", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "ada", "iss": "trusted", "client_id": "trusted"}))), "invalid_request"},
		{"no login_hint", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, nil))), "invalid_request"},
		{"unknown user", authURL(app, nonce, "", rp.WithURLParam("request", f.requestObject(t, f.key, map[string]any{"login_hint": "nobody"}))), "access_denied"},
		{"trusted client without a hint", authURL(trusted, nonce, ""), "invalid_request"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := newBrowser(t).get(tc.url)
			if q := p.rpQuery(t); q.Get("error") != tc.want || q.Get("code") != "" {
				t.Fatalf("answer %v, want error %s", q, tc.want)
			}
		})
	}

	// The trusted client names the user by login_hint.
	b := newBrowser(t)
	p := b.get(authURL(trusted, nonce, "", rp.WithURLParam("login_hint", "ada")))
	if p.Step() != "enroll" {
		t.Fatalf("trusted login_hint: step %q, want enroll", p.Step())
	}
}
