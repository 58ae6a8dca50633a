package provider_test

import (
	"context"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	goldap "github.com/go-ldap/ldap/v3"
	"github.com/zitadel/oidc/v3/pkg/client/rp"
	"github.com/zitadel/oidc/v3/pkg/oidc"

	"github.com/otpgate/otpgate/config"
	"github.com/otpgate/otpgate/internal/testkit/slapd"
	"github.com/otpgate/otpgate/provider"
	"github.com/otpgate/otpgate/provider/connector"
	"github.com/otpgate/otpgate/provider/connector/ldap"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
)

// directoryHarness is a provider whose password page checks a real
// OpenLDAP directory (the connector "corp-ldap"), with a client "app".
func directoryHarness(t *testing.T, edit ...func(*provider.Options)) (*harness, *slapd.Server) {
	t.Helper()
	srv := slapd.Start(t)
	dir, err := ldap.New(ldap.Config{ID: "corp-ldap", Name: "Corporate directory", Address: srv.LDAPSHost, RootCAs: srv.CAPool,
		BindDN: slapd.ServiceDN, BindPassword: slapd.ServicePassword,
		UserSearch: ldap.UserSearch{BaseDN: slapd.PeopleDN, Filter: "(&(objectClass=inetOrgPerson)(!(employeeType=disabled)))",
			Username: "uid", IDAttr: "entryUUID", EmailAttr: "mail", NameAttr: "cn"},
		GroupSearch: ldap.GroupSearch{BaseDN: slapd.GroupsDN, Filter: "(objectClass=groupOfNames)"}})
	if err != nil {
		t.Fatal(err)
	}
	h := newHarness(t, append([]func(*provider.Options){func(o *provider.Options) { o.Directory = dir }}, edit...)...)
	h.addClient("app", appSecret)
	return h, srv
}

// TestDirectorySignIn: a directory user signs in with the directory's
// password and no security question; the account is created at the
// first sign-in, linked by the entry's entryUUID, and the passcode step
// follows as for any account. Tokens say pwd (and otp, mfa) and name the
// connector in idp, refreshed ones too.
func TestDirectorySignIn(t *testing.T) {
	h, srv := directoryHarness(t)
	ctx := context.Background()
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce, oidc.ScopeOpenID, oidc.ScopeProfile, oidc.ScopeEmail, oidc.ScopeOfflineAccess)

	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	if p.Step() != "password" {
		t.Fatalf("step %q, want password", p.Step())
	}
	p = b.submit(p, map[string]string{"username": "alice", "password": slapd.AlicePassword})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	alice, err := h.store.UserByLink(ctx, connector.LinkProvider("corp-ldap"), srv.EntryUUID(t, slapd.UserDN("alice")))
	if err != nil {
		t.Fatalf("no account linked to alice's entry: %v", err)
	}
	c := tokens.IDTokenClaims
	if c.Subject != alice.ID || alice.Username != "alice" || alice.Email != "alice@example.org" || alice.Name != "Alice Example" ||
		!slices.Equal(c.AuthenticationMethodsReferences, []string{"pwd"}) || c.Claims["idp"] != "corp-ldap" || c.Email != "alice@example.org" {
		t.Fatalf("first sign-in: account %+v; token sub %q amr %v idp %v email %q", alice, c.Subject,
			c.AuthenticationMethodsReferences, c.Claims["idp"], c.Email)
	}
	if alice.PasswordHash != "" {
		t.Fatal("a directory account was given an otpgate password")
	}
	// Audited with the connector: the link, and the sign-in.
	events, err := h.store.AuditEvents(ctx, store.AuditQuery{UserID: alice.ID})
	if err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, e := range events {
		if strings.Contains(e.Detail, "connector corp-ldap") {
			seen[e.Event] = true
		}
	}
	if !seen[store.EventLinked] || !seen[store.EventSignIn] {
		t.Fatalf("audit events naming the connector: %v (all: %+v)", seen, events)
	}

	// Two-factor for alice: enrolment and then the passcode, as for any account.
	h.requireMFA(alice)
	h.clock.Advance(time.Minute)
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p.Step() != "enroll" {
		t.Fatalf("step %q, want enroll", p.Step())
	}
	p, secret := h.enroll(b, p)
	tokens, err = rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if c := tokens.IDTokenClaims; !slices.Equal(c.AuthenticationMethodsReferences, []string{"pwd", "otp", "mfa"}) ||
		c.Claims["idp"] != "corp-ldap" || c.Subject != alice.ID {
		t.Fatalf("with a device: amr %v idp %v sub %q", c.AuthenticationMethodsReferences, c.Claims["idp"], c.Subject)
	}
	nonce = "" // a refreshed ID token carries no nonce
	refreshed, err := rp.RefreshTokens[*oidc.IDTokenClaims](ctx, app, tokens.RefreshToken, "", "")
	nonce = "n"
	if err != nil {
		t.Fatal(err)
	}
	if refreshed.IDTokenClaims == nil || refreshed.IDTokenClaims.Claims["idp"] != "corp-ldap" {
		t.Fatalf("refreshed ID token: %+v", refreshed.IDTokenClaims)
	}

	// A later sign-in asks the passcode, and a wrong one counts as ever.
	h.clock.NextTOTPStep()
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p.Step() != "otp" {
		t.Fatalf("step %q, want otp", p.Step())
	}
	p = b.submit(p, map[string]string{"code": h.wrongCode(t, secret)})
	if got, _ := h.store.UserByID(ctx, alice.ID); got.OTPFailures != 1 {
		t.Fatalf("passcode failures %d, want 1", got.OTPFailures)
	}
	p = b.submit(p, map[string]string{"code": h.passcode(t, secret)})
	p.code(t)

	// The same entry is the same account, its profile kept up to date.
	mod := srv.Admin(t)
	if err := modifyMail(mod, slapd.UserDN("alice"), "alice.new@example.org"); err != nil {
		t.Fatal(err)
	}
	h.clock.NextTOTPStep()
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	b.submit(p, map[string]string{"code": h.passcode(t, secret)}).code(t)
	if got, _ := h.store.UserByID(ctx, alice.ID); got.Email != "alice.new@example.org" {
		t.Fatalf("email %q after the directory changed it", got.Email)
	}
}

// TestDirectoryRefusals: the directory's refusals, as the person sees
// them; a local account's password does not open the directory's page,
// and a directory name that belongs to a local account is never taken
// over.
func TestDirectoryRefusals(t *testing.T) {
	h, _ := directoryHarness(t)
	h.addUser("bob", "correct-horse-battery", "rex")   // a local account named like a directory user
	h.addUser("zed", "correct-horse-battery", "green") // a local account the directory does not know
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	for _, tc := range []struct {
		name, user, password, alert string
	}{
		{"wrong password", "alice", "not-" + slapd.AlicePassword, "The sign-in details are not correct."},
		{"disabled in the directory", "dana", slapd.DanaPassword, "The sign-in details are not correct."},
		{"a local account's otpgate password", "zed", "correct-horse-battery", "The sign-in details are not correct."},
		{"must change", "erin", slapd.ErinPassword, "Your directory password was reset and must be changed"},
		{"expired", "gina", slapd.GinaPassword, "Your directory password has expired."},
		{"locked", "frank", slapd.FrankPassword, "Your directory account is locked."},
		{"a local account's name", "bob", slapd.BobPassword, "Your directory account cannot sign in here because its username belongs to another account."},
	} {
		t.Run(tc.name, func(t *testing.T) {
			b := newBrowser(t)
			p := b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": tc.user, "password": tc.password})
			if p.Step() != "password" || p.Code() != "" || !startsWith(p.Alert(), tc.alert) {
				t.Fatalf("step %q status %d alert %q, want the password page saying %q", p.Step(), p.Status, p.Alert(), tc.alert)
			}
		})
	}
	// The local bob is still bob's alone, with no link.
	bob, _ := h.store.UserByUsername(context.Background(), "bob")
	if links, _ := h.store.LinksOf(context.Background(), bob.ID); len(links) != 0 {
		t.Fatalf("the local bob was linked: %+v", links)
	}
}

// TestDirectoryThrottle: wrong directory passwords spend the same budget
// as otpgate's own (the directory's own lockout, three failures here, is
// not the only guard): past the threshold the directory is not even
// asked, and the browser that signed in before keeps its own budget.
func TestDirectoryThrottle(t *testing.T) {
	h, srv := directoryHarness(t)
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	// alice's first sign-in creates her account: the budget is then hers.
	b.submit(p, map[string]string{"username": "alice", "password": slapd.AlicePassword}).code(t)
	stranger := newBrowser(t)
	p = stranger.get(authURL(app, nonce, ""))
	for range h.loginAttempts() {
		p = stranger.submit(p, map[string]string{"username": "alice", "password": "wrong-password"})
	}
	binds := strings.Count(srv.Log(), `BIND dn="uid=alice,`)
	p = stranger.submit(p, map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p.Status != http.StatusTooManyRequests || p.Code() != "" {
		t.Fatalf("right password past the budget: status %d alert %q", p.Status, p.Alert())
	}
	if n := strings.Count(srv.Log(), `BIND dn="uid=alice,`); n != binds {
		t.Fatalf("the directory was asked %d more times past the budget", n-binds)
	}
	// The directory locked alice after its own three failures; once its
	// administrator unlocks her, the browser that signed in before goes
	// on with its own budget.
	unlock := goldap.NewModifyRequest(slapd.UserDN("alice"), nil)
	unlock.Delete("pwdAccountLockedTime", nil)
	if err := srv.Admin(t).Modify(unlock); err != nil {
		t.Fatal(err)
	}
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	p.code(t)
}

// TestDirectoryBesideLocalPasswords: with local passwords allowed, the
// page offers both; each account signs in with its own.
func TestDirectoryBesideLocalPasswords(t *testing.T) {
	h, _ := directoryHarness(t, func(o *provider.Options) { o.LocalPasswords = true })
	h.addUser("zed", "correct-horse-battery", "green")
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.get(authURL(app, nonce, ""))
	if got := formField(t, p, "source"); got != "corp-ldap" || !strings.Contains(p.Body, `value="local" required>`) {
		t.Fatalf("the source checked by default is %q, want the directory", got)
	}
	b.submit(p, map[string]string{"username": "alice", "password": slapd.AlicePassword}).code(t)
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"source": signin.SourceLocal, "username": "zed", "password": "correct-horse-battery"})
	if p.Step() != "question" {
		t.Fatalf("local account: step %q alert %q, want its question", p.Step(), p.Alert())
	}
	// A directory user's password is no local password.
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"source": signin.SourceLocal, "username": "alice", "password": slapd.AlicePassword})
	if p.Step() != "password" || p.Code() != "" {
		t.Fatalf("directory password as a local one: step %q", p.Step())
	}
}

// TestDirectoryQuestion: with the question asked of directory users, a
// first sign-in chooses it (no password on that page), later ones answer it.
func TestDirectoryQuestion(t *testing.T) {
	h, _ := directoryHarness(t, func(o *provider.Options) { o.DirectoryQuestion = true })
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	b := newBrowser(t)
	p := b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p.Step() != "setup" || formHas(t, p, "new_password") {
		t.Fatalf("step %q (new_password field %v), want the question-only setup", p.Step(), formHas(t, p, "new_password"))
	}
	p = b.submit(p, map[string]string{"question": "first_pet", "answer": "Rex", "answer_confirm": "rex"})
	if p.Step() != "question" {
		t.Fatalf("after setup: step %q alert %q, want the question", p.Step(), p.Alert())
	}
	p = b.submit(p, map[string]string{"answer": "rex"})
	tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if amr := tokens.IDTokenClaims.AuthenticationMethodsReferences; !slices.Equal(amr, []string{"pwd", "kba"}) {
		t.Fatalf("amr %v after setup", amr)
	}
	alice, _ := h.store.UserByUsername(context.Background(), "alice")
	if alice.PasswordHash != "" || alice.AnswerHash == "" {
		t.Fatalf("setup wrote password %q answer %q", alice.PasswordHash, alice.AnswerHash)
	}
	b = newBrowser(t)
	p = b.submit(b.get(authURL(app, nonce, "")), map[string]string{"username": "alice", "password": slapd.AlicePassword})
	if p.Step() != "question" {
		t.Fatalf("step %q, want question", p.Step())
	}
	p = b.submit(p, map[string]string{"answer": "REX"})
	tokens, err = rp.CodeExchange[*oidc.IDTokenClaims](context.Background(), p.code(t), app)
	if err != nil {
		t.Fatal(err)
	}
	if amr := tokens.IDTokenClaims.AuthenticationMethodsReferences; !slices.Equal(amr, []string{"pwd", "kba"}) {
		t.Fatalf("amr %v with the question", amr)
	}
}

// modifyMail changes an entry's mail as the directory's administrator.
func modifyMail(conn *goldap.Conn, dn, mail string) error {
	req := goldap.NewModifyRequest(dn, nil)
	req.Replace("mail", []string{mail})
	return conn.Modify(req)
}

// formHas reports whether the page's form has a field name.
func formHas(t *testing.T, p *page, name string) bool {
	t.Helper()
	_, v, err := p.Form(nil)
	if err != nil {
		t.Fatal(err)
	}
	return v.Has(name) || strings.Contains(p.Body, `name="`+name+`"`)
}

func startsWith(s, prefix string) bool { return strings.HasPrefix(s, prefix) }

func (h *harness) loginAttempts() int { return config.Default().Lockout.LoginAttempts }

// TestDirectoryFirstSignInRace: several first sign-ins of one directory
// user at once make exactly one account, and every one of them signs in
// to it.
func TestDirectoryFirstSignInRace(t *testing.T) {
	h, srv := directoryHarness(t)
	ctx := context.Background()
	nonce := "n"
	app := h.relyingParty("app", appSecret, &nonce)
	const n = 8
	browsers, pages := make([]*browser, n), make([]*page, n)
	for i := range n {
		browsers[i] = newBrowser(t)
		pages[i] = browsers[i].get(authURL(app, nonce, ""))
	}
	subjects := make([]string, n)
	var wg sync.WaitGroup
	start := make(chan struct{})
	for i := range n {
		wg.Go(func() {
			<-start
			p, err := browsers[i].Submit(pages[i].Page, map[string]string{"username": "alice", "password": slapd.AlicePassword})
			if err != nil || p.Code() == "" {
				t.Errorf("sign-in %d: %v, step %q alert %q", i, err, p.Step(), p.Alert())
				return
			}
			tokens, err := rp.CodeExchange[*oidc.IDTokenClaims](ctx, p.Code(), app)
			if err != nil {
				t.Error(err)
				return
			}
			subjects[i] = tokens.IDTokenClaims.Subject
		})
	}
	close(start)
	wg.Wait()
	alice, err := h.store.UserByLink(ctx, connector.LinkProvider("corp-ldap"), srv.EntryUUID(t, slapd.UserDN("alice")))
	if err != nil {
		t.Fatal(err)
	}
	for i, sub := range subjects {
		if sub != alice.ID {
			t.Errorf("sign-in %d got subject %q, want the one account %q", i, sub, alice.ID)
		}
	}
	users, err := h.store.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 1 {
		t.Fatalf("%d accounts after the race, want 1", len(users))
	}
}
