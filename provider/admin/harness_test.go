package admin_test

import (
	"context"
	"crypto/rand"
	"os"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/admin"
	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/mail"
	"github.com/otpgate/otpgate/provider/store"
	"github.com/otpgate/otpgate/provider/store/storetest"
)

// testParams keep argon2id cheap in tests.
var testParams = credential.Params{Memory: 1024, Time: 1, Threads: 1, SaltLen: 16, KeyLen: 32}

// epoch is the frozen time every test starts at.
var epoch = time.Unix(1_700_000_000, 0).UTC()

// actor is the administrator every test acts as.
const actor = "cli:root"

// env is one test's service over a real store.
type env struct {
	t      *testing.T
	store  *store.Store
	svc    *admin.Service
	hasher *credential.Hasher
	// sealer is the service's encryption of factor-only client secrets.
	sealer *credential.Sealer
	mail   *fakeSender
}

// backends runs fn on a new SQLite file and, when
// OTPGATE_TEST_POSTGRES_DSN is set, on a PostgreSQL schema of its own.
func backends(t *testing.T, fn func(t *testing.T, e *env)) {
	t.Helper()
	t.Run("sqlite", func(t *testing.T) {
		t.Parallel()
		fn(t, newEnv(t, storetest.OpenSQLite(t), nil))
	})
	t.Run("postgres", func(t *testing.T) {
		dsn := os.Getenv("OTPGATE_TEST_POSTGRES_DSN")
		if dsn == "" {
			t.Skip("set OTPGATE_TEST_POSTGRES_DSN to run on PostgreSQL")
		}
		t.Parallel()
		fn(t, newEnv(t, storetest.OpenPostgres(t, dsn), nil))
	})
}

// newEnv builds the service over st with a clock that starts at epoch
// and moves one second at every reading (so that events sort in the order
// written), and a fake mail sender; wrap, when not nil, wraps the store
// (fault injection).
func newEnv(t *testing.T, st *store.Store, wrap func(admin.Store) admin.Store) *env {
	t.Helper()
	var mu sync.Mutex
	now := epoch
	st.Clock = func() time.Time {
		mu.Lock()
		defer mu.Unlock()
		now = now.Add(time.Second)
		return now
	}
	e := &env{t: t, store: st, hasher: credential.NewHasher(testParams), sealer: newSealer(t), mail: &fakeSender{}}
	var s admin.Store = st
	if wrap != nil {
		s = wrap(st)
	}
	svc, err := admin.New(admin.Options{Store: s, Hasher: e.hasher, Sealer: e.sealer, Random: rand.Reader, Mail: e.mail,
		Issuer: "https://id.example/", MinPasswordLength: 12})
	if err != nil {
		t.Fatal(err)
	}
	e.svc = svc
	return e
}

// newSealer is a sealer with a random key.
func newSealer(t *testing.T) *credential.Sealer {
	t.Helper()
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		t.Fatal(err)
	}
	s, err := credential.NewSealer(key)
	if err != nil {
		t.Fatal(err)
	}
	return s
}

func (e *env) ctx() context.Context { return e.t.Context() }

// addUser creates a user through the service.
func (e *env) addUser(name, email string) *store.User {
	e.t.Helper()
	u, err := e.svc.AddUser(e.ctx(), actor, admin.NewUser{Username: name, Email: email, Password: "tulip-granite-orbit-7"})
	if err != nil {
		e.t.Fatalf("AddUser %s: %v", name, err)
	}
	return u
}

// user reloads a user from the store.
func (e *env) user(id string) *store.User {
	e.t.Helper()
	u, err := e.store.UserByID(e.ctx(), id)
	if err != nil {
		e.t.Fatalf("UserByID %s: %v", id, err)
	}
	return u
}

// events returns every audit event, oldest first.
func (e *env) events() []store.AuditEvent {
	e.t.Helper()
	ev, err := e.store.AuditEvents(e.ctx(), store.AuditQuery{})
	if err != nil {
		e.t.Fatal(err)
	}
	return ev
}

// lastEvent returns the newest audit event and checks its actor.
func (e *env) lastEvent() store.AuditEvent {
	e.t.Helper()
	ev := e.events()
	if len(ev) == 0 {
		e.t.Fatal("no audit event")
	}
	last := ev[len(ev)-1]
	if last.Actor != actor {
		e.t.Errorf("audit event %q has actor %q, want %q", last.Detail, last.Actor, actor)
	}
	return last
}

// wantNoSecret fails when any audit field holds one of secrets.
func (e *env) wantNoSecret(secrets ...string) {
	e.t.Helper()
	for _, ev := range e.events() {
		row := strings.Join([]string{ev.Event, ev.UserID, ev.Username, ev.ClientID, ev.IP, ev.Actor, ev.Detail}, "|")
		for _, s := range secrets {
			if s != "" && strings.Contains(row, s) {
				e.t.Errorf("audit event %q holds the secret %q", row, s)
			}
		}
	}
}

// fakeSender records mails, or fails with err.
type fakeSender struct {
	mu   sync.Mutex
	sent []mail.Message
	err  error
}

func (f *fakeSender) Send(_ context.Context, m mail.Message) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.err != nil {
		return f.err
	}
	f.sent = append(f.sent, m)
	return nil
}

func (f *fakeSender) messages() []mail.Message {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]mail.Message(nil), f.sent...)
}
