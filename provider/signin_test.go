package provider_test

import (
	"context"
	"fmt"
	"net/http"
	"net/url"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// TestFirstSignInThroughRealForms drives an admin-created account through
// the whole journey with real forms, then exchanges the code with
// zitadel's relying-party library, which verifies the ID token.
func TestFirstSignInThroughRealForms(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addClient("app", "app-secret-0123456789")
	u := &store.User{ID: "u_first", Username: "Alice", Email: "alice@example.com", Name: "Alice A",
		PasswordHash: h.hasher.Hash("temporary-password-1"), MustChangePassword: true}
	if err := h.store.CreateUser(context.Background(), u); err != nil {
		t.Fatal(err)
	}
	nonce := "n-" + credential.NewToken()
	relying := h.relyingParty("app", "app-secret-0123456789", &nonce)
	b := newBrowser(t)

	before := h.clock.Now().Add(-time.Second)
	p := b.get(authURL(relying, nonce, ""))
	if p.Step() != "password" {
		t.Fatalf("step = %q, want password", p.Step())
	}
	// Username is case-insensitive.
	p = b.submit(p, map[string]string{"username": "ALICE", "password": "temporary-password-1"})
	if p.Step() != "setup" {
		t.Fatalf("step = %q, want setup (alert %q)", p.Step(), p.Alert())
	}
	// A mismatch is refused with a clear message and nothing is saved.
	p = b.submit(p, map[string]string{"new_password": "a-brand-new-password", "new_password_confirm": "a-different-one!!",
		"question": "birth_city", "answer": "Tokyo", "answer_confirm": "Tokyo"})
	if p.Step() != "setup" || p.Status != http.StatusBadRequest || p.Alert() == "" {
		t.Fatalf("mismatch: step %q status %d alert %q", p.Step(), p.Status, p.Alert())
	}
	// Only the passwords were wrong: the question and the answers stay,
	// the passwords do not.
	if _, form, err := p.Form(nil); err != nil || form.Get("question") != "birth_city" || form.Get("answer") != "Tokyo" ||
		form.Get("answer_confirm") != "Tokyo" || form.Get("new_password") != "" || form.Get("new_password_confirm") != "" {
		t.Fatalf("after a password mismatch the form holds %v (%v)", form, err)
	}
	// An answer problem keeps the question only.
	p = b.submit(p, map[string]string{"new_password": "a-brand-new-password", "new_password_confirm": "a-brand-new-password",
		"question": "birth_city", "answer": "Tokyo", "answer_confirm": "Osaka"})
	if _, form, err := p.Form(nil); err != nil || p.Step() != "setup" || form.Get("question") != "birth_city" ||
		form.Get("answer") != "" || form.Get("answer_confirm") != "" {
		t.Fatalf("after an answer mismatch: step %q form %v (%v)", p.Step(), form, err)
	}
	p = b.submit(p, map[string]string{"new_password": "a-brand-new-password", "new_password_confirm": "a-brand-new-password",
		"question": "birth_city", "answer": "Tokyo", "answer_confirm": "  tokyo "})
	if p.Step() != "question" {
		t.Fatalf("step = %q, want question (alert %q)", p.Step(), p.Alert())
	}
	// Full-width input matches the half-width answer.
	p = b.submit(p, map[string]string{"answer": "ＴＯＫＹＯ"})
	code := p.code(t)
	if got := p.rpQuery(t).Get("state"); got != "state-"+nonce {
		t.Fatalf("state = %q", got)
	}

	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), code, relying)
	if err != nil {
		t.Fatalf("code exchange: %v", err)
	}
	c := tokens.IDTokenClaims
	if c.Subject != "u_first" || c.Nonce != nonce {
		t.Fatalf("sub %q nonce %q", c.Subject, c.Nonce)
	}
	if !slices.Equal(c.AuthenticationMethodsReferences, []string{"pwd", "kba"}) {
		t.Fatalf("amr = %v, want [pwd kba]", c.AuthenticationMethodsReferences)
	}
	if at := c.AuthTime.AsTime(); at.Before(before) || at.After(h.clock.Now().Add(time.Second)) {
		t.Fatalf("auth_time %v not within the sign-in", at)
	}
	if c.Email != "alice@example.com" || !bool(c.EmailVerified) || c.PreferredUsername != "alice" {
		t.Fatalf("claims by scope missing: email %q verified %v preferred_username %q", c.Email, c.EmailVerified, c.PreferredUsername)
	}
	info, err := rp.Userinfo[*oidc.UserInfo](context.Background(), tokens.AccessToken, "Bearer", c.Subject, relying)
	if err != nil || info.Email != "alice@example.com" || !bool(info.EmailVerified) {
		t.Fatalf("userinfo: %v %+v", err, info)
	}
	// The new password and answer were stored: the old password no longer works.
	stored, _ := h.store.UserByID(context.Background(), "u_first")
	if stored.MustChangePassword || stored.Question != "birth_city" {
		t.Fatalf("setup not saved: %+v", stored)
	}
	if ok, _ := h.hasher.Verify("temporary-password-1", stored.PasswordHash); ok {
		t.Fatal("the temporary password still works")
	}
}

// TestGenericFailures: wrong username, wrong password, disabled account and
// wrong answer all get the same message and status.
func TestGenericFailures(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	h.addClient("app", "app-secret-0123456789")
	h.addUser("bob", "bobs-password-123", "rex")
	dis := h.addUser("carol", "carols-password-1", "rex")
	if err := h.store.SetUserDisabled(context.Background(), dis.ID, true); err != nil {
		t.Fatal(err)
	}
	nonce := "n"
	relying := h.relyingParty("app", "app-secret-0123456789", &nonce)
	type result struct {
		status int
		alert  string
	}
	var results []result
	for _, try := range []struct{ user, pw string }{{"nobody", "bobs-password-123"}, {"bob", "wrong-password-1"}, {"carol", "carols-password-1"}} {
		b := newBrowser(t)
		p := b.get(authURL(relying, nonce, ""))
		p = b.submit(p, map[string]string{"username": try.user, "password": try.pw})
		if p.Step() != "password" {
			t.Fatalf("%s: step %q, want to stay on password", try.user, p.Step())
		}
		results = append(results, result{p.Status, p.Alert()})
	}
	b := newBrowser(t)
	p := b.get(authURL(relying, nonce, ""))
	p = b.submit(p, map[string]string{"username": "bob", "password": "bobs-password-123"})
	p = b.submit(p, map[string]string{"answer": "not-rex"})
	if p.Step() != "question" {
		t.Fatalf("wrong answer: step %q", p.Step())
	}
	results = append(results, result{p.Status, p.Alert()})
	for _, r := range results {
		if r != results[0] || r.status != http.StatusUnauthorized || r.alert == "" {
			t.Fatalf("failures differ or are not generic 401s: %+v", results)
		}
	}
	// After the failures, the right answer still finishes the sign-in.
	if code := b.submit(p, map[string]string{"answer": "Rex"}).code(t); code == "" {
		t.Fatal("no code")
	}
}

// TestQuestionStepOff: with the question step disabled, amr is just pwd.
func TestQuestionStepOff(t *testing.T) {
	t.Parallel()
	h := newHarness(t, func(o *provider.Options) { o.QuestionEnabled = false })
	h.addClient("app", "app-secret-0123456789")
	h.addUser("dave", "daves-password-12", "x")
	nonce := "n-off"
	relying := h.relyingParty("app", "app-secret-0123456789", &nonce)
	b := newBrowser(t)
	p := b.get(authURL(relying, nonce, ""))
	p = b.submit(p, map[string]string{"username": "dave", "password": "daves-password-12"})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), relying)
	if err != nil {
		t.Fatal(err)
	}
	if amr := tokens.IDTokenClaims.AuthenticationMethodsReferences; !slices.Equal(amr, []string{"pwd"}) {
		t.Fatalf("amr = %v, want [pwd]", amr)
	}
}

// TestPasswordHashUpgradedAtSignIn: a hash made with weaker argon2id
// parameters is replaced by one with the current parameters after a
// successful password check.
func TestPasswordHashUpgradedAtSignIn(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	weak := credential.NewHasher(credential.Params{Memory: 512, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32})
	u := h.addUser("frank", "franks-password-1", "rex")
	if err := h.store.SetUserPassword(context.Background(), u.ID, weak.Hash("franks-password-1"), false); err != nil {
		t.Fatal(err)
	}
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	newBrowser(t).signIn(authURL(app, nonce, ""), "frank", "franks-password-1", "rex").code(t)
	stored, _ := h.store.UserByID(context.Background(), u.ID)
	if h.hasher.NeedsRehash(stored.PasswordHash) {
		t.Fatalf("hash not upgraded: %.40s", stored.PasswordHash)
	}
	if ok, _ := h.hasher.Verify("franks-password-1", stored.PasswordHash); !ok {
		t.Fatal("upgraded hash does not verify")
	}
}

// TestConcurrentSignIns: many people signing in at once on the SQLite
// default all succeed (no "database is locked", no 5xx).
func TestConcurrentSignIns(t *testing.T) {
	t.Parallel()
	h := setupApp(t)
	const n = 12
	for i := range n {
		h.addUser(fmt.Sprintf("user%d", i), "shared-password-1", "rex")
	}
	app := h.relyingParty("app", appSecret, new(string))
	var wg sync.WaitGroup
	errs := make(chan string, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			b := newBrowser(t)
			p := b.get(authURL(app, fmt.Sprint("n", i), ""))
			p = b.submit(p, map[string]string{"username": fmt.Sprintf("user%d", i), "password": "shared-password-1"})
			p = b.submit(p, map[string]string{"answer": "rex"})
			if u, err := url.Parse(p.Location); err != nil || u.Query().Get("code") == "" {
				errs <- fmt.Sprintf("user%d: status %d step %q alert %q", i, p.Status, p.Step(), p.Alert())
			}
		}()
	}
	wg.Wait()
	close(errs)
	for e := range errs {
		t.Error(e)
	}
}
