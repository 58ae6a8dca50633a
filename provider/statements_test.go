package provider_test

import (
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
)

// TestStatementsPerSignInStep counts the SQL statements each request of a
// sign-in of an enrolled user sends, redirects included, and holds them to
// a budget: a new statement on the hot path has to be a decision. (Before
// the sign-in service: authorize 8, password 14, question 15, passcode 20
// with one more redirect. Budgets and device cookies added one statement
// each to password and question (the decay of a quiet budget; a browser
// without a device cookie needs no known-browser lookup) and one to the
// last step (remembering the browser). Rotating the browser binding at
// the password and at the finish adds two each: the browser's flows and
// an enrollment it holds move to the new binding.)
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
		{"authorize", 8, func() *page { return b.get(authURL(relying, nonce, "")) }},
		{"password", 16, func() *page {
			return b.submit(p, map[string]string{"username": "stmts", "password": "correct-horse-battery"})
		}},
		{"question", 11, func() *page { return b.submit(p, map[string]string{"answer": "rex"}) }},
		{"passcode", 18, func() *page { return b.submit(p, map[string]string{"code": h.passcode(t, secret)}) }},
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
