//go:build linux

package fleet

import (
	"crypto/rand"
	"encoding/base64"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fixtures"
	"github.com/otpgate/otpgate/provider/store"
)

// Fleet is a set of replicas configured alike: one database, one
// encryption key file and one static issuer (the first replica's URL).
type Fleet struct {
	// Driver is "postgres" or "sqlite".
	Driver string
	// Database is a postgres:// URL or a SQLite file path.
	Database string
	// KeyFile holds the encryption key every process reads.
	KeyFile string
	// Issuer is the first replica's URL.
	Issuer string
	// Env is every process's environment.
	Env []string
	// Replicas are in the order they were added (A, B, …).
	Replicas []*Replica

	t *testing.T
}

// BaseEnv is the environment of every process: the test's (without
// OTPGATE_* variables, which TestMain removed) plus settings.
func BaseEnv(settings ...string) []string {
	env := []string{}
	for _, kv := range os.Environ() {
		if !strings.HasPrefix(kv, "OTPGATE_") {
			env = append(env, kv)
		}
	}
	// Every test client is 127.0.0.1; the per-IP limiter has its own tests.
	env = append(env, "OTPGATE_LOCKOUT_ATTEMPTS_PER_MINUTE_PER_IP=0")
	// The replica tests enrol first devices on first use; the enrollment
	// proof has its own tests (a later setting overrides this one).
	env = append(env, "OTPGATE_MFA_ENROLLMENT_PROOF=none")
	// The replica and fault tests expect a rotated refresh token to be
	// refused at once; the reuse interval has tests of its own.
	env = append(env, "OTPGATE_TOKENS_REFRESH_REUSE_INTERVAL=0s")
	return append(env, settings...)
}

// New prepares n replicas (not started) on database, a postgres://
// URL or a SQLite file path; settings are extra OTPGATE_*=value variables.
func New(t *testing.T, database string, n int, settings ...string) *Fleet {
	t.Helper()
	f := &Fleet{t: t, Driver: "sqlite", Database: database, Env: BaseEnv(settings...)}
	if strings.HasPrefix(database, "postgres://") || strings.HasPrefix(database, "postgresql://") {
		f.Driver = "postgres"
	}
	f.KeyFile = KeyFile(t)
	for i := range n {
		f.AddReplica(string(rune('A' + i)))
	}
	return f
}

// KeyFile writes a new random encryption key (base64) to a file.
func KeyFile(t *testing.T) string {
	t.Helper()
	key := make([]byte, 32)
	_, _ = rand.Read(key)
	path := filepath.Join(t.TempDir(), "encryption.key")
	if err := os.WriteFile(path, []byte(base64.StdEncoding.EncodeToString(key)+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return path
}

// AddReplica prepares one more replica; the first one's URL is the issuer.
func (f *Fleet) AddReplica(name string) *Replica {
	f.t.Helper()
	r := NewReplica(f.t, name, f.Env)
	if f.Issuer == "" {
		f.Issuer = r.Base
	}
	r.args = append(f.GlobalArgs(f.t.TempDir()), r.args...)
	f.Replicas = append(f.Replicas, r)
	return r
}

// GlobalArgs are the flags every command of the fleet takes, with its own
// data directory.
func (f *Fleet) GlobalArgs(dataDir string) []string {
	return []string{"--data", dataDir, "--database", f.Database, "--encryption-key-file", f.KeyFile, "--issuer", f.Issuer}
}

// StartAll starts every replica at once, then waits until all are ready.
func (f *Fleet) StartAll() {
	f.t.Helper()
	for _, r := range f.Replicas {
		r.Start()
	}
	for _, r := range f.Replicas {
		r.WaitReady(45 * time.Second)
	}
}

// CLI runs an admin command against the fleet's database and key.
func (f *Fleet) CLI(args ...string) Result {
	f.t.Helper()
	return Run(f.t, f.Env, append(f.GlobalArgs(f.t.TempDir()), args...)...)
}

// MustCLI runs an admin command that must succeed.
func (f *Fleet) MustCLI(args ...string) string {
	f.t.Helper()
	r := f.CLI(args...)
	if r.Code != 0 {
		f.t.Fatalf("otpgate %s: exit %d: %s", strings.Join(args, " "), r.Code, r.Stderr)
	}
	return r.Stdout
}

// OpenStore opens the fleet's database behind the replicas' backs.
func (f *Fleet) OpenStore() *store.Store {
	f.t.Helper()
	st, err := store.Open(f.Driver, f.Database)
	if err != nil {
		f.t.Fatalf("open %s store: %v", f.Driver, err)
	}
	f.t.Cleanup(func() { _ = st.Close() })
	return st
}

// Client is a registered confidential client.
type Client struct{ ID, Secret string }

// AddClient registers a confidential client with the admin CLI.
func (f *Fleet) AddClient(id string) Client {
	f.t.Helper()
	c := Client{ID: id, Secret: "secret-" + strings.ToLower(rand.Text())}
	f.MustCLI("client", "add", "--id", id, "--name", "App "+id, "--secret", c.Secret, "--redirect-uri", fixtures.RedirectURI)
	return c
}

// AddUser creates an account directly in the database, as `user add` plus
// a first sign-in (new password and security question) would leave it.
func (f *Fleet) AddUser(st *store.Store, name string, requireMFA bool) *fixtures.Account {
	f.t.Helper()
	u := &fixtures.Account{ID: fixtures.NewID(), Name: name, Password: "pw-" + strings.ToLower(rand.Text()), Answer: "Rex the dog"}
	fixtures.AddUser(f.t, st, fixtures.Hasher, *u, requireMFA)
	return u
}
