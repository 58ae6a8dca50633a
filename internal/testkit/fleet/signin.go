//go:build linux

package fleet

import (
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider/credential"
)

// NewBrowser is a browser with an empty jar and a 60-second timeout per
// request; send its requests to a replica with On.
func NewBrowser() *browser.Browser {
	b := browser.New()
	b.Client.Timeout = 60 * time.Second
	return b
}

// Auth is one authorization request with PKCE.
type Auth struct {
	State, Nonce, Verifier string
	// URL is the authorization URL on the issuer.
	URL string
}

// NewAuth builds an authorization request URL on the issuer for c with
// scopes (space-separated).
func NewAuth(issuer string, c Client, scopes string) Auth {
	a := Auth{State: "s-" + rand.Text(), Nonce: "n-" + rand.Text(), Verifier: credential.NewToken()}
	sum := sha256.Sum256([]byte(a.Verifier))
	q := url.Values{"client_id": {c.ID}, "redirect_uri": {fixtures.RedirectURI}, "response_type": {"code"},
		"scope": {scopes}, "state": {a.State}, "nonce": {a.Nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"}}
	a.URL = issuer + "/authorize?" + q.Encode()
	return a
}

// Passcode is the code an authenticator app shows now (the replicas run on
// the wall clock), offset steps ahead.
func Passcode(secret []byte, offset int64) string {
	code, err := fixtures.Passcode(secret, time.Now(), offset)
	if err != nil {
		panic(err)
	}
	return code
}

// WrongCode is a well-formed passcode that is not valid now (nor two steps
// either side).
func WrongCode(secret []byte) string { return fixtures.WrongCode(secret, time.Now()) }

// FirstFactor walks authorize, password and question for u, sending the
// requests in turn to the bases next() names, and returns the page the
// flow reached after the question (a redirect to the callback is followed,
// so a finished sign-in ends at a redirect to the relying party).
func FirstFactor(b *browser.Browser, next func() string, a Auth, u *fixtures.Account) (*browser.Page, error) {
	p, err := b.On(next()).Get(a.URL)
	if err != nil {
		return nil, err
	}
	if p.Step() != "password" {
		return p, fmt.Errorf("authorize: %s", p.Describe())
	}
	if p, err = b.On(next()).Submit(p, map[string]string{"username": u.Name, "password": u.Password}); err != nil {
		return nil, err
	}
	if p.Step() != "question" {
		return p, fmt.Errorf("password step: %s", p.Describe())
	}
	return b.On(next()).Submit(p, map[string]string{"answer": u.Answer})
}

// RoundRobin returns a function naming the bases in turn; it is safe for
// concurrent use.
func RoundRobin(bases ...string) func() string {
	var mu sync.Mutex
	i := 0
	return func() string {
		mu.Lock()
		defer mu.Unlock()
		b := bases[i%len(bases)]
		i++
		return b
	}
}

// Bases lists the URLs of replicas.
func Bases(rs ...*Replica) []string {
	out := make([]string, len(rs))
	for i, r := range rs {
		out[i] = r.Base
	}
	return out
}

// Enroll finishes enrollment from the enroll page p on base with the
// current passcode (see fixtures.Enroll) and returns the device secret and
// the final page (a redirect to the relying party when the sign-in is
// done).
func Enroll(b *browser.Browser, p *browser.Page, base string) ([]byte, *browser.Page, error) {
	e, err := fixtures.Enroll(b.On(base), p, time.Now())
	if err != nil {
		return nil, p, err
	}
	return e.Secret, e.Page, nil
}

// EnrollUser signs u in once on base and enrols a device for it, keeping
// the secret in u.Secret.
func EnrollUser(t *testing.T, base, issuer string, c Client, u *fixtures.Account) {
	t.Helper()
	b := NewBrowser()
	p, err := FirstFactor(b, func() string { return base }, NewAuth(issuer, c, "openid"), u)
	if err != nil {
		t.Fatalf("enrol %s: %v", u.Name, err)
	}
	secret, p, err := Enroll(b, p, base)
	if err != nil {
		t.Fatalf("enrol %s: %v", u.Name, err)
	}
	if p.Code() == "" {
		t.Fatalf("enrol %s: want a redirect with a code, got %s", u.Name, p.Describe())
	}
	u.Secret = secret
}
