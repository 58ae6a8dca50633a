package main

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/internal/testkit/browser"
	"github.com/otpgate/otpgate/mfa"
)

type nonceKey struct{}

// browserFor is the browser account i signs in from: its own with
// -known-browsers, else a new one.
func (d *driver) browserFor(ctx context.Context, i int) *browser.Browser {
	b := browser.New().WithClient(d.transport, d.c.timeout)
	if d.c.knownBrowsers {
		// Account i signs in from one worker at a time (concurrency never
		// exceeds the accounts, and the passcode schedule hands an account
		// to one worker at a time), so its browser is not shared.
		if d.browsers[i] == nil {
			d.browsers[i] = b
		}
		b = d.browsers[i]
	}
	b.Route, b.Context = d.next, ctx
	return b
}

// signIn signs account i in with scope and returns the token endpoint's
// answer, its ID token verified; each request goes to the next replica.
// A positive step is the TOTP step whose passcode is entered at the
// passcode step (signin-mfa); then the ID token's amr must say so.
func (d *driver) signIn(ctx context.Context, i int, scope string, step int64) (tokenAnswer, error) {
	b := d.browserFor(ctx, i)
	verifierBytes := make([]byte, 32)
	_, _ = rand.Read(verifierBytes)
	pkce := base64.RawURLEncoding.EncodeToString(verifierBytes)
	sum := sha256.Sum256([]byte(pkce))
	nonce := rand.Text()
	q := url.Values{"client_id": {d.c.clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {scope}, "state": {rand.Text()}, "nonce": {nonce},
		"code_challenge": {base64.RawURLEncoding.EncodeToString(sum[:])}, "code_challenge_method": {"S256"},
		"prompt": {"login"}}
	var none tokenAnswer
	p, err := b.Get(d.c.issuer + "/authorize?" + q.Encode())
	if err != nil {
		return none, errors.New("authorize: " + shortErr(err))
	}
	if p.Step() != "password" {
		return none, fmt.Errorf("authorize: status %d step %q", p.Status, p.Step())
	}
	if p, err = b.Submit(p, map[string]string{"username": username(d.c, i), "password": password(d.c, i)}); err != nil {
		return none, errors.New("password: " + shortErr(err))
	}
	if p.Step() != "question" {
		return none, fmt.Errorf("password: status %d step %q", p.Status, p.Step())
	}
	if p, err = b.Submit(p, map[string]string{"answer": answer}); err != nil {
		return none, errors.New("question: " + shortErr(err))
	}
	switch {
	case step > 0 && p.Step() != "otp":
		return none, fmt.Errorf("question: status %d step %q (no passcode step)", p.Status, p.Step())
	case step > 0:
		code, err := mfa.Default.Code(d.secrets[i], step)
		if err != nil {
			return none, fmt.Errorf("passcode: %w", err)
		}
		if p, err = b.Submit(p, map[string]string{"code": code}); err != nil {
			return none, errors.New("passcode: " + shortErr(err))
		}
		if p.Code() == "" {
			return none, fmt.Errorf("passcode: status %d step %q (no code)", p.Status, p.Step())
		}
	case p.Step() == "otp":
		return none, errors.New("question: a passcode is asked (the account has a device: sign-in needs another -seed)")
	case p.Code() == "":
		return none, fmt.Errorf("question: status %d step %q (no code)", p.Status, p.Step())
	}
	form := url.Values{"grant_type": {"authorization_code"}, "code": {p.Code()},
		"redirect_uri": {redirectURI}, "code_verifier": {pkce}}
	t, err := d.token(ctx, form)
	if err != nil {
		return none, err
	}
	if t.IDToken == "" {
		return none, errors.New("token: no id_token")
	}
	claims, err := rp.VerifyIDToken[*oidc.IDTokenClaims](context.WithValue(ctx, nonceKey{}, nonce), t.IDToken, d.verifier)
	if err != nil {
		return none, errors.New("id token: " + shortErr(err))
	}
	if step > 0 && !slices.Contains(claims.AuthenticationMethodsReferences, "otp") {
		return none, fmt.Errorf("id token: amr %v lacks otp", claims.AuthenticationMethodsReferences)
	}
	return t, nil
}

// guess posts one wrong password for a name that is no account, from a
// browser of its own, and returns the answer's status (0: no answer).
func (d *driver) guess(ctx context.Context) int {
	b := browser.New().WithClient(d.transport, d.c.timeout)
	b.Route, b.Context = d.next, ctx
	q := url.Values{"client_id": {d.c.clientID}, "redirect_uri": {redirectURI}, "response_type": {"code"},
		"scope": {"openid"}, "state": {rand.Text()}, "code_challenge": {strings.Repeat("A", 43)},
		"code_challenge_method": {"S256"}}
	p, err := b.Get(d.c.issuer + "/authorize?" + q.Encode())
	if err != nil || p.Step() != "password" {
		return 0
	}
	p, err = b.Submit(p, map[string]string{"username": "guess-" + rand.Text(), "password": "Winter2026!"})
	if err != nil {
		return 0
	}
	return p.Status
}

func shortErr(err error) string {
	s := err.Error()
	if i := strings.LastIndex(s, ": "); i >= 0 && len(s) > 80 {
		return s[i+2:]
	}
	return s
}
