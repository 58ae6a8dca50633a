//go:build linux

package main

import (
	"context"
	"database/sql"
	"net/http"
	"testing"
	"time"
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
	pg := procNeedPostgres(t)
	t.Parallel()
	db := procPostgresDatabase(t, pg)
	f := newProcFleet(t, db, 1)
	f.startAll()
	r := f.replicas[0]
	app := f.addClient("app")
	st := f.openStore()
	u := f.addUser(st, "tom", false)

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

	auth := newProcAuth(f.issuer, app, "openid offline_access")
	p, err := procFirstFactor(newProcBrowser(), func() string { return r.base }, auth, u)
	if err != nil || p.rpQuery().Get("code") == "" {
		t.Fatalf("sign-in: %v %s", err, p.describe())
	}
	code := p.rpQuery().Get("code")

	exec(`CREATE FUNCTION otpgate_test_fault() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected fault'; END $$`)
	exec(`CREATE TRIGGER otpgate_test_fault BEFORE DELETE ON flows FOR EACH STATEMENT EXECUTE FUNCTION otpgate_test_fault()`)
	status, body, err := procToken(r.base, app, procCodeForm(code, auth))
	exec(`DROP TRIGGER otpgate_test_fault ON flows`)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("exchange while DELETE on flows fails: %d %v", status, body)
	if procInternalDetail(jsonStr(body, "error_description")) {
		t.Errorf("the token endpoint told the client internal detail: %q", jsonStr(body, "error_description"))
	}
	if status == http.StatusOK {
		if s, _, err := procUserinfo(r.base, jsonStr(body, "access_token")); err != nil || s != http.StatusOK {
			t.Errorf("the tokens answered 200 do not work: %d %v", s, err)
		}
		return
	}
	// The client was told the exchange failed: the code must be unspent
	// and nothing issued.
	var issued int
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := conn.QueryRowContext(ctx, `SELECT count(*) FROM access_tokens WHERE user_id = $1`, u.id).Scan(&issued); err != nil {
		t.Fatal(err)
	}
	status, body, err = procToken(r.base, app, procCodeForm(code, auth))
	if err != nil || status != http.StatusOK {
		t.Errorf("the exchange answered an error, yet the code was spent and %d access token(s) were written that the client never got: retrying once the database is healthy answers %d %v %v (the retry counts as a replay)",
			issued, status, body, err)
	}
}
