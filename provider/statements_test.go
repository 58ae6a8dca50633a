package provider_test

import (
	"context"
	"net/http"
	"net/url"
	"testing"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider/credential"
)

// TestStatementsPerSignInStep counts the SQL statements each request of a
// sign-in of an enrolled user sends, redirects included, and holds them to
// a budget: a new statement on the hot path has to be a decision. (Before
// the performance work: authorize 8, password 16, question 11, passcode
// 18. Now each request reads its flow, user and device at once, the
// dispatcher draws the page it decides on, the binding moves in the
// step's own write, and the passcode's transaction finishes the flow.)
func TestStatementsPerSignInStep(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addClient("app", "app-secret-0123456789")
	u := h.addUser("stmts", "correct-horse-battery", "rex")
	h.requireMFA(u)
	nonce := "n-" + credential.NewToken()
	relying := h.relyingParty("app", "app-secret-0123456789", &nonce)

	// Enrol once, then measure a later sign-in.
	b := newBrowser(t)
	p, secret := h.enroll(b, b.toSecondFactor(authURL(relying, nonce, ""), "stmts", "correct-horse-battery", "rex"))
	p.code(t)
	h.clock.NextTOTPStep()

	b = newBrowser(t)
	steps := []struct {
		name   string
		budget int64
		do     func() *page
	}{
		{"authorize", 3, func() *page { return b.get(authURL(relying, nonce, "")) }},
		{"password", 5, func() *page {
			return b.submit(p, map[string]string{"username": "stmts", "password": "correct-horse-battery"})
		}},
		{"question", 6, func() *page { return b.submit(p, map[string]string{"answer": "rex"}) }},
		{"passcode", 8, func() *page { return b.submit(p, map[string]string{"code": h.passcode(t, secret)}) }},
	}
	for _, s := range steps {
		before := h.store.Statements()
		p = s.do()
		n := h.store.Statements() - before
		t.Logf("%-9s %3d statements (ends at step %q, status %d)", s.name, n, p.Step(), p.Status)
		if n > s.budget {
			t.Errorf("%s sent %d statements, budget %d", s.name, n, s.budget)
		}
	}
	p.code(t)
}

// TestStatementsAndHashesPerOperation holds one whole two-factor sign-in
// (authorize, password, security question, passcode, the code exchange),
// one refresh grant and one userinfo request to their SQL statements and
// argon2id computations, on the database the tests run on (SQLite, or
// PostgreSQL with OTPGATE_TEST_POSTGRES_DSN). The client's rows are read
// once before (the first request of a replica); then only the two slow
// hashes of the sign-in remain: the password and the answer.
func TestStatementsAndHashesPerOperation(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	secret := credential.NewToken()
	h.addClient("app", secret)
	u := h.addUser("stmts", "correct-horse-battery", "rex")
	h.requireMFA(u)
	nonce := "n-" + credential.NewToken()
	relying := h.relyingParty("app", secret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeOfflineAccess)

	b := newBrowser(t)
	p, totpSecret := h.enroll(b, b.toSecondFactor(authURL(relying, nonce, ""), "stmts", "correct-horse-battery", "rex"))
	if _, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), relying); err != nil {
		t.Fatal(err)
	}
	h.clock.NextTOTPStep()

	type cost struct{ statements, hashes int64 }
	measure := func(f func()) cost {
		s, c := h.store.Statements(), h.hasher.Computations()
		f()
		return cost{h.store.Statements() - s, h.hasher.Computations() - c}
	}
	var tokens *oidc.Tokens[*oidc.IDTokenClaims]
	signIn := measure(func() {
		b := newBrowser(t)
		p := b.get(authURL(relying, nonce, ""))
		p = b.submit(p, map[string]string{"username": "stmts", "password": "correct-horse-battery"})
		p = b.submit(p, map[string]string{"answer": "rex"})
		p = b.submit(p, map[string]string{"code": h.passcode(t, totpSecret)})
		var err error
		if tokens, err = rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), relying); err != nil {
			t.Fatal(err)
		}
	})
	refresh := measure(func() {
		status, body := h.tokenRequest(t, url.Values{"grant_type": {"refresh_token"}, "refresh_token": {tokens.RefreshToken}}, "app", secret)
		if status != http.StatusOK || body["id_token"] == nil {
			t.Fatalf("refresh: %d %v", status, body)
		}
	})
	userinfo := measure(func() {
		if status := h.userinfoStatus(t, tokens.AccessToken); status != http.StatusOK {
			t.Fatalf("userinfo: %d", status)
		}
	})
	for _, c := range []struct {
		name               string
		got                cost
		statements, hashes int64
	}{
		{"two-factor sign-in with code exchange", signIn, 25, 2},
		{"refresh grant", refresh, 4, 0},
		{"userinfo", userinfo, 1, 0},
	} {
		t.Logf("%-38s %3d statements, %d argon2id", c.name, c.got.statements, c.got.hashes)
		if c.got.statements > c.statements {
			t.Errorf("%s sent %d statements, budget %d", c.name, c.got.statements, c.statements)
		}
		if c.got.hashes != c.hashes {
			t.Errorf("%s ran argon2id %d times, want %d", c.name, c.got.hashes, c.hashes)
		}
	}
}
