//go:build linux

package main

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// TestFaultsTokenAnswerMatchesBookkeeping: the answer of a code exchange
// must agree with what was written. The database is made to fail one
// statement that comes after the tokens are committed (the library's
// DeleteAuthRequest, a DELETE on flows; a statement-level trigger raises an
// error). Either the client gets its tokens, or it gets an error and the
// code is still unspent once the database is healthy again. Under a real
// outage (TestFaultsPostgresRestart) this happens when the connection dies
// between the two statements.
func TestFaultsTokenAnswerMatchesBookkeeping(t *testing.T) {
	fleet.NeedFaults(t)
	pg := fleet.NeedPostgres(t)
	t.Parallel()
	db := fleet.PostgresDatabase(t, pg)
	f := fleet.New(t, db, 1)
	f.StartAll()
	r := f.Replicas[0]
	app := f.AddClient("app")
	st := f.OpenStore()
	u := f.AddUser(st, "tom", false)

	conn, err := sql.Open("pgx", db)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	exec := func(q string) {
		t.Helper()
		ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
		defer cancel()
		if _, err := conn.ExecContext(ctx, q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}

	auth := fleet.NewAuth(f.Issuer, app, "openid offline_access")
	p, err := fleet.FirstFactor(fleet.NewBrowser(), func() string { return r.Base }, auth, u)
	if err != nil || p.RPQuery().Get("code") == "" {
		t.Fatalf("sign-in: %v %s", err, p.Describe())
	}
	code := p.RPQuery().Get("code")

	exec(`CREATE FUNCTION otpgate_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`)
	exec(`CREATE TRIGGER otpgate_test_fault BEFORE DELETE ON flows FOR EACH STATEMENT EXECUTE FUNCTION otpgate_test_fault()`)
	status, body, err := fleet.Token(r.Base, app, fleet.CodeForm(code, auth))
	exec(`DROP TRIGGER otpgate_test_fault ON flows`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exchange while DELETE on flows fails: %d %v", status, body)
	if procInternalDetail(fleet.JSONString(body, "error_description")) {
		t.Errorf("the token endpoint told the client internal detail: %q", fleet.JSONString(body, "error_description"))
	}
	if status == http.StatusOK {
		if s, _, err := fleet.Userinfo(r.Base, fleet.JSONString(body, "access_token")); err != nil || s != http.StatusOK {
			t.Errorf("the tokens answered 200 do not work: %d %v", s, err)
		}
		return
	}
	// The client was told the exchange failed: the code must be unspent
	// and nothing issued.
	var issued int
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM access_tokens WHERE user_id = $1`, u.ID).Scan(&issued); err != nil {
		t.Fatal(err)
	}
	status, body, err = fleet.Token(r.Base, app, fleet.CodeForm(code, auth))
	if err != nil || status != http.StatusOK {
		t.Errorf("the exchange answered an error, yet the code was spent and %d access token(s) were written that the client never got: retrying once the database is healthy answers %d %v %v (the retry counts as a replay)",
			issued, status, body, err)
	}
}
