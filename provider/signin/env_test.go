package signin_test

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/signin"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

// The sign-in service is tested here the way it runs: on a real store (a
// SQLite file, and PostgreSQL when OTPGATE_TEST_POSTGRES_DSN is set), with
// a real sealer and argon2id (cheap parameters), a frozen clock, a seeded
// random source and a recording events sink.

// postgresDSN names the PostgreSQL server the tests also run on.
const postgresDSN = "OTPGATE_TEST_POSTGRES_DSN"

// start is the frozen time every test begins at: the middle of a TOTP
// step, so that moving by whole steps never lands on a step boundary.
var start = time.Unix(56_666_667*30+15, 0).UTC()

// Fixture values. Every password, answer and code a test uses is also
// registered as a secret, which no event detail may contain.
const (
	testClient  = "app-one"
	goodAnswer  = "Blue Whale"
	testIssuer  = "https://id.example"
	minPassword = 12
)

// cheap are argon2id parameters that keep every hash real but fast.
var cheap = credential.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// env is one sign-in service on one store, with its fakes.
type env struct {
	t      *testing.T
	store  *store.Store
	svc    *signin.Service
	cfg    signin.Config
	deps   signin.Deps
	clock  *clock
	events *recorder
	mail   *mailbox
	hasher *credential.Hasher
	sealer signin.Sealer
	flows  *atomic.Int64
}

// option changes an env's configuration before the service is built.
type option func(*signin.Config, *signin.Deps)

// withoutMail turns mail off.
func withoutMail(_ *signin.Config, d *signin.Deps) { d.Mailer = nil }

// withoutQuestion turns the security question off.
func withoutQuestion(c *signin.Config, _ *signin.Deps) { c.QuestionEnabled = false }

// withEnrollmentProof sets mfa.enrollment_proof.
func withEnrollmentProof(p string) option {
	return func(c *signin.Config, _ *signin.Deps) { c.EnrollmentProof = p }
}

// backends runs f once per database, in parallel: a SQLite file, and
// PostgreSQL when its DSN is set.
func backends(t *testing.T, f func(t *testing.T, e *env), opts ...option) {
	t.Helper()
	eachBackend(t, true, f, opts...)
}

// backendsInTurn is backends one database after the other, for a test
// that must run alone.
func backendsInTurn(t *testing.T, f func(t *testing.T, e *env), opts ...option) {
	t.Helper()
	eachBackend(t, false, f, opts...)
}

func eachBackend(t *testing.T, parallel bool, f func(t *testing.T, e *env), opts ...option) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		f(t, newEnv(t, storetest.OpenSQLite(t), opts...))
	})
	t.Run("postgres", func(t *testing.T) {
		if parallel {
			t.Parallel()
		}
		dsn := os.Getenv(postgresDSN)
		if dsn == "" {
			t.Skip(postgresDSN + " not set")
		}
		f(t, newEnv(t, storetest.OpenPostgres(t, dsn), opts...))
	})
}

// newEnv builds the service on s with the default test policy.
func newEnv(t *testing.T, s *store.Store, opts ...option) *env {
	t.Helper()
	c := &clock{now: start}
	s.Clock = c.Now
	sealer, err := credential.NewSealer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	e := &env{t: t, store: s, clock: c, events: &recorder{}, mail: &mailbox{}, hasher: credential.NewHasher(cheap),
		sealer: sealer, flows: new(atomic.Int64)}
	e.cfg = signin.Config{
		QuestionEnabled:      true,
		MinPasswordLength:    minPassword,
		SessionLifetime:      8 * time.Hour,
		MFAPolicy:            signin.MFAPerUser,
		TOTP:                 mfa.Default,
		TOTPIssuer:           "otpgate test",
		OTPAttempts:          5,
		LoginLockout:         mfa.Lockout{Threshold: 10, Base: time.Minute, Max: time.Hour},
		LoginLockDecay:       time.Hour,
		UnknownBrowserLimit:  100,
		KnownBrowserLifetime: 90 * 24 * time.Hour,
		SelfServiceReset:     true,
		ResetLinkLifetime:    15 * time.Minute,
		ResetMailsPerHour:    3,
		// Most tests enrol on first use; the proof tests set a policy.
		EnrollmentProof: signin.EnrollProofNone,
		Issuer:          testIssuer,
	}
	e.deps = signin.Deps{Store: s, Hasher: e.hasher, Sealer: sealer, Rand: seeded(1), Now: c.Now,
		Events: e.events, Mailer: e.mail, Log: discardLog(), NameKey: sealer.Derive("login-names")}
	for _, o := range opts {
		o(&e.cfg, &e.deps)
	}
	e.svc = signin.New(e.cfg, e.deps)
	must(t, s.CreateClient(t.Context(), &store.Client{ID: testClient, Name: "App One",
		RedirectURIs: store.StringList{"https://app.example/cb"}}), "create client")
	t.Cleanup(func() { e.events.noSecrets(t) })
	return e
}

// in is e reporting to t, a subtest of e's test.
func (e *env) in(t *testing.T) *env {
	c := *e
	c.t = t
	return &c
}

// with is a second service on the same store, clock and sinks, built with
// other collaborators (a sealer with another key, say).
func (e *env) with(f func(*signin.Deps)) *signin.Service {
	d := e.deps
	f(&d)
	return signin.New(e.cfg, d)
}

// nameHash is the key of the counters of a name that is no account, as
// the service derives it (lower-cased, trimmed, HMAC-SHA-256 under
// NameKey).
func (e *env) nameHash(name string) string {
	m := hmac.New(sha256.New, e.deps.NameKey[:])
	m.Write([]byte(strings.ToLower(strings.TrimSpace(name))))
	return hex.EncodeToString(m.Sum(nil))
}

// secret registers values no event detail may contain.
func (e *env) secret(vs ...string) { e.events.secret(vs...) }

// passwordOf is the fixture password of a user name.
func passwordOf(name string) string { return "pw-" + name + "-correct-horse" }

// user creates an enabled account with a password, a question and an
// answer set up, changed by mods before it is stored.
func (e *env) user(name string, mods ...func(*store.User)) *store.User {
	e.t.Helper()
	u := &store.User{ID: "u-" + name, Username: name, Email: name + "@example.com",
		PasswordHash: e.hasher.Hash(passwordOf(name)), Question: "first_pet",
		AnswerHash: e.hasher.Hash(credential.NormalizeAnswer(goodAnswer))}
	for _, m := range mods {
		m(u)
	}
	must(e.t, e.store.CreateUser(e.t.Context(), u), "create user "+name)
	e.secret(passwordOf(name), goodAnswer)
	return u
}

// requireMFA marks an account as needing a second factor.
func requireMFA(u *store.User) { u.RequireMFA = true }

// flow stores a new authorization request bound to its own browser and
// loads its journey.
func (e *env) flow(mods ...func(*store.Flow)) *signin.Journey {
	e.t.Helper()
	n := e.flows.Add(1)
	now := e.clock.Now()
	f := &store.Flow{ID: fmt.Sprintf("flow-%03d", n), FlowRequest: store.FlowRequest{ClientID: testClient,
		RedirectURI: "https://app.example/cb", Scopes: store.StringList{"openid"}, ResponseType: "code"},
		CreatedAt: now, ExpiresAt: now.Add(30 * time.Minute)}
	for _, m := range mods {
		m(f)
	}
	ctx := e.t.Context()
	must(e.t, e.store.CreateFlow(ctx, f), "create flow")
	j, err := e.svc.Arrive(ctx, signin.Request{FlowID: f.ID, Browser: browserOf(f.ID), IP: "192.0.2.7"})
	must(e.t, err, "arrive at flow "+f.ID)
	return j
}

// browserOf is the browser hash a test flow is bound to.
func browserOf(flowID string) string { return credential.HashToken("browser-" + flowID) }

// load loads the journey of flow id in its own browser.
func (e *env) load(id string) *signin.Journey {
	e.t.Helper()
	j, err := e.svc.Load(e.t.Context(), signin.Request{FlowID: id, Browser: browserOf(id), IP: "192.0.2.7"})
	must(e.t, err, "load journey "+id)
	return j
}

// reload is a fresh look at j's flow.
func (e *env) reload(j *signin.Journey) *signin.Journey { e.t.Helper(); return e.load(j.Flow.ID) }

// signIn passes the password and the security question of u in a new flow
// and returns the journey at its next step.
func (e *env) signIn(u *store.User) *signin.Journey {
	e.t.Helper()
	j := e.flow()
	r, err := e.svc.Password(e.t.Context(), j, u.Username, passwordOf(u.Username))
	wantResult(e.t, r, err, signin.Result{Outcome: signin.Moved}, "password of "+u.Username)
	j = e.reload(j)
	if e.cfg.QuestionEnabled {
		r, err = e.svc.Question(e.t.Context(), j, goodAnswer)
		wantResult(e.t, r, err, signin.Result{Outcome: signin.Passed}, "answer of "+u.Username)
		j = e.reload(j)
	}
	return j
}

// device enrols a device for u directly in the store (as an enrollment in
// another flow would) and returns its secret and recovery codes. Its last
// accepted step is 0, so any current code is good.
func (e *env) device(u *store.User) ([]byte, []string) {
	e.t.Helper()
	ctx, now := e.t.Context(), e.clock.Now()
	secret, err := mfa.NewSecret(e.deps.Rand)
	must(e.t, err, "new secret")
	codes, err := mfa.NewRecoveryCodes(e.deps.Rand, mfa.RecoveryCodeCount)
	must(e.t, err, "new recovery codes")
	hashes := make([]string, len(codes))
	for i, c := range codes {
		hashes[i] = e.hasher.Hash(mfa.NormalizeRecoveryCode(c))
	}
	f := e.flow()
	must(e.t, e.store.IdentifyFlow(ctx, f.Flow.ID, u.ID, now), "identify enrollment flow")
	must(e.t, e.store.OfferSecret(ctx, f.Flow.ID, []byte("offered"), now.Add(time.Minute)), "offer secret")
	id := "d-" + u.ID
	must(e.t, e.store.EnrollDevice(ctx, store.Enrollment{FlowID: f.Flow.ID, CodeHashes: hashes,
		Device: &store.Device{ID: id, UserID: u.ID, App: "authy", EnrolledAt: now,
			Secret: e.sealer.Seal(secret, signin.DeviceAD(u.ID, id))}}), "enroll device")
	e.secret(mfa.EncodeSecret(secret))
	e.secret(codes...)
	return secret, codes
}

// code is the passcode of secret offset whole steps from now.
func (e *env) code(secret []byte, offset int64) string {
	e.t.Helper()
	c, err := e.cfg.TOTP.Code(secret, e.cfg.TOTP.Step(e.clock.Now())+offset)
	must(e.t, err, "passcode")
	e.secret(c)
	return c
}

// userRow is u as the database holds it now.
func (e *env) userRow(u *store.User) *store.User {
	e.t.Helper()
	row, err := e.store.UserByID(e.t.Context(), u.ID)
	must(e.t, err, "load user "+u.Username)
	return row
}

// flowRow is j's flow as the database holds it now.
func (e *env) flowRow(j *signin.Journey) *store.Flow {
	e.t.Helper()
	f, err := e.store.FlowByID(e.t.Context(), j.Flow.ID)
	must(e.t, err, "load flow")
	return f
}

// wantResult checks a step's result and that it returned no error.
func wantResult(t *testing.T, got signin.Result, err error, want signin.Result, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
	if got != want {
		t.Fatalf("%s: got %s, want %s", what, show(got), show(want))
	}
}

var outcomes = map[signin.Outcome]string{signin.Passed: "Passed", signin.Moved: "Moved", signin.Invalid: "Invalid",
	signin.Rejected: "Rejected", signin.Restarted: "Restarted", signin.Forbidden: "Forbidden", signin.Limited: "Limited"}

func show(r signin.Result) string {
	return fmt.Sprintf("{%s %q tries left %d, retry in %d min, offer link %v}", outcomes[r.Outcome], r.Problem, r.TriesLeft,
		r.RetryMinutes, r.OfferLink)
}

// wantStep checks where a journey stands.
func wantStep(t *testing.T, j *signin.Journey, want signin.Step, what string) {
	t.Helper()
	if got := j.Next(); got != want {
		t.Fatalf("%s: journey at %q, want %q (state %+v)", what, got, want, j.State)
	}
}

func must(t *testing.T, err error, what string) {
	t.Helper()
	if err != nil {
		t.Fatalf("%s: unexpected error: %v", what, err)
	}
}

// ctxOf is the test's context.
func ctxOf(t *testing.T) context.Context { return t.Context() }

// join is a readable list.
func join(v []string) string { return "[" + strings.Join(v, " ") + "]" }
