//go:build linux

package main

import (
	"context"
	"database/sql"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// TestReplicasStartTogetherOnEmptyDatabase starts three replicas at the
// same moment on an empty PostgreSQL database: the schema is created once
// (the migration lock), all three become ready and serve a sign-in. A
// fourth replica with another encryption key refuses to start.
func TestReplicasStartTogetherOnEmptyDatabase(t *testing.T) {
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	db := fleet.PostgresDatabase(t, pg)
	f := fleet.New(t, db, 3)
	f.StartAll()

	for _, r := range f.Replicas {
		l := r.Log()
		if strings.Contains(l, "migrate") || strings.Contains(l, "level=ERROR") || strings.Contains(l, "already exists") {
			t.Errorf("replica %s logged a migration problem or an error:\n%s", r.Name, fleet.Tail(l, 3000))
		}
		if !r.Running() {
			t.Errorf("replica %s is not running", r.Name)
		}
	}
	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	var tables, users int
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_schema = current_schema()`).Scan(&tables); err != nil {
		t.Fatal(err)
	}
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM information_schema.tables WHERE table_name = 'users'`).Scan(&users); err != nil {
		t.Fatal(err)
	}
	if users != 1 || tables < 5 {
		t.Errorf("schema after a concurrent start: %d tables, %d users tables", tables, users)
	}
	var keys, active, algorithms int
	if err := conn.QueryRowContext(ctx, `SELECT count(*), count(*) FILTER (WHERE retired_at IS NULL), count(DISTINCT algorithm)
		FROM signing_keys`).Scan(&keys, &active, &algorithms); err != nil {
		t.Fatal(err)
	}
	if active != 3 || keys != 3 || algorithms != 3 {
		// More than one key of an algorithm means the replicas publish key
		// sets that differ until they reload: a token signed by one would
		// not verify against another's JWKS.
		t.Errorf("%d signing keys (%d active, %d algorithms) after a concurrent start, want exactly 1 per algorithm (RS256, ES256, EdDSA)",
			keys, active, algorithms)
	}
	t.Logf("concurrent start on an empty database: %d tables, %d signing keys created (%d active)", tables, keys, active)

	// All three serve: one sign-in across them, discovery on each.
	for _, r := range f.Replicas {
		if status, err := get(r.Base + "/.well-known/openid-configuration"); err != nil || status != http.StatusOK {
			t.Errorf("discovery on %s: %d %v", r.Name, status, err)
		}
	}
	app := f.AddClient("app")
	st := f.OpenStore()
	u := f.AddUser(st, "hal", false)
	all := fleet.Bases(f.Replicas...)
	b := fleet.NewBrowser()
	auth := fleet.NewAuth(f.Issuer, app, "openid")
	p, err := fleet.FirstFactor(b, fleet.RoundRobin(all...), auth, u)
	if err != nil {
		t.Fatal(err)
	}
	code := p.RPQuery().Get("code")
	if code == "" {
		t.Fatalf("sign-in across the replicas: %s", p.Describe())
	}
	if status, body, err := fleet.Token(all[2], app, fleet.CodeForm(code, auth)); err != nil || status != http.StatusOK {
		t.Fatalf("exchange on C: %d %v %v", status, body, err)
	}

	// Another encryption key on data written with this one: no start.
	other := fleet.NewReplica(t, "wrong-key", f.Env, "--data", t.TempDir(), "--database", db,
		"--encryption-key-file", fleet.KeyFile(t), "--issuer", f.Issuer)
	other.Start()
	code2, ok := other.Wait(30 * time.Second)
	if !ok {
		t.Fatalf("a replica with another encryption key is still running after 30 s; log:\n%s", fleet.Tail(other.Log(), 2000))
	}
	l := other.Log()
	if code2 == 0 || !strings.Contains(l, "encryption key") || strings.Contains(l, "otpgate listening") {
		t.Errorf("a replica with another encryption key: exit %d, log:\n%s", code2, l)
	}
	lines := slices.DeleteFunc(strings.Split(strings.TrimSpace(l), "\n"), func(s string) bool { return s == "" })
	if len(lines) != 1 || !strings.HasPrefix(lines[0], "otpgate: ") {
		t.Errorf("want one line \"otpgate: …\" from the refused start, got:\n%s", l)
	}
	t.Logf("refused start: exit %d: %s", code2, strings.TrimSpace(l))
}
