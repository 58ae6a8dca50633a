package main

import (
	"context"
	"database/sql"
	"os/user"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// auditRow is one printed audit event, by column name.
type auditRow map[string]string

// auditRows parses the aligned table that otpgate audit prints.
func auditRows(t *testing.T, out string) []auditRow {
	t.Helper()
	lines := strings.Split(strings.TrimSuffix(out, "\n"), "\n")
	names := []string{"TIME", "EVENT", "USER", "CLIENT", "IP", "ACTOR", "DETAIL"}
	if strings.Join(strings.Fields(lines[0]), " ") != strings.Join(names, " ") {
		t.Fatalf("audit header %q", lines[0])
	}
	var starts []int
	for _, n := range names {
		starts = append(starts, len([]rune(lines[0][:strings.Index(lines[0], n)])))
	}
	var rows []auditRow
	for _, line := range lines[1:] {
		r := []rune(line)
		row := auditRow{}
		for i, n := range names {
			end := len(r)
			if i+1 < len(names) {
				end = starts[i+1]
			}
			if starts[i] > len(r) || end > len(r) {
				t.Fatalf("audit line %q is not aligned with the header %q", line, lines[0])
			}
			row[n] = strings.TrimSpace(string(r[starts[i]:end]))
		}
		if _, err := time.Parse(time.RFC3339, row["TIME"]); err != nil || !strings.HasSuffix(row["TIME"], "Z") {
			t.Errorf("audit TIME %q is not RFC 3339 UTC", row["TIME"])
		}
		rows = append(rows, row)
	}
	return rows
}

// findRows returns the rows with event whose detail contains detail.
func findRows(rows []auditRow, event, detail string) []auditRow {
	var out []auditRow
	for _, r := range rows {
		if r["EVENT"] == event && strings.Contains(r["DETAIL"], detail) {
			out = append(out, r)
		}
	}
	return out
}

// TestAuditRecordsAdminActions runs every changing admin command and
// checks that each left one event naming the actor and what changed, and
// that nothing printed as a secret reaches the audit log.
func TestAuditRecordsAdminActions(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const actor = "root-admin"
	run := func(args ...string) string {
		t.Helper()
		return mustRun(t, append([]string{"--data", dir, "--actor", actor}, args...)...)
	}
	const pw1, pw2, givenSecret = "tulip-aron-granite-4", "temporary-password-aron", "a-given-client-secret-123"
	secrets := []string{pw1, pw2, givenSecret}
	run("user", "add", "--username", "nora", "--password", pw1, "--require-mfa")
	// --actor after the command works too.
	mustRun(t, "--data", dir, "user", "set-password", "nora", "--password", pw2, "--actor", actor)
	run("user", "disable", "nora")
	run("user", "enable", "nora")
	run("user", "require-mfa", "nora", "off")
	out := run("user", "reset-otp", "nora")
	proof, _ := printedProof(t, out)
	secrets = append(secrets, proof, strings.ReplaceAll(proof, "-", ""))
	run("user", "unlock", "nora")
	secrets = append(secrets, printedSecret(t, run("client", "add", "--id", "app1", "--redirect-uri", "https://app1.example/cb")))
	run("client", "add", "--id", "app2", "--secret", givenSecret, "--redirect-uri", "https://app2.example/cb")
	run("client", "add", "--id", "spa", "--public", "--redirect-uri", "https://spa.example/cb")
	secrets = append(secrets, printedSecret(t, run("client", "update", "app1", "--rotate-secret",
		"--redirect-uri", "https://app1.example/new", "--require-mfa", "on", "--name", "App One")))
	run("client", "remove", "spa")
	run("keys", "rotate")
	run("keys", "rotate")

	st := openDataStore(t, dir)
	nora, err := st.UserByUsername(context.Background(), "nora")
	if err != nil {
		t.Fatal(err)
	}
	secrets = append(secrets, nora.PasswordHash, nora.ProofHash, "argon2")

	audit := mustRun(t, "--data", dir, "audit")
	rows := auditRows(t, audit)
	for _, want := range []struct{ event, detail, user, client string }{
		{store.EventAdminUser, "user created", "nora", "-"},
		{store.EventAdminUser, "temporary password set", "nora", "-"},
		{store.EventAdminUser, "disabled; sessions and tokens revoked", "nora", "-"},
		{store.EventAdminUser, "enabled", "nora", "-"},
		{store.EventAdminUser, "set require-mfa off", "nora", "-"},
		{store.EventAdminResetOTP, "enrollment code issued", "nora", "-"},
		{store.EventUnlock, "failure count cleared", "nora", "-"},
		{store.EventAdminClient, "created confidential client (secret generated)", "-", "app1"},
		{store.EventAdminClient, "created confidential client (secret given)", "-", "app2"},
		{store.EventAdminClient, "created public client", "-", "spa"},
		{store.EventAdminClient, "redirect URIs replaced: https://app1.example/new", "-", "app1"},
		{store.EventAdminClient, "secret rotated", "-", "app1"},
		{store.EventAdminClient, "client removed", "-", "spa"},
		{store.EventAdminKeys, "first signing key", "-", "-"},
		{store.EventAdminKeys, "new signing key", "-", "-"},
	} {
		found := findRows(rows, want.event, want.detail)
		if len(found) != 1 {
			t.Errorf("audit: %d %s events with %q, want 1\n%s", len(found), want.event, want.detail, audit)
			continue
		}
		r := found[0]
		if r["USER"] != want.user || r["CLIENT"] != want.client || r["ACTOR"] != "cli:"+actor || r["IP"] != "-" {
			t.Errorf("audit row %v: want user %s, client %s, actor cli:%s, no IP", r, want.user, want.client, actor)
		}
	}
	if len(rows) != 14 {
		t.Errorf("audit lists %d events for 14 admin actions:\n%s", len(rows), audit)
	}
	if !slices.IsSortedFunc(rows, func(a, b auditRow) int { return strings.Compare(a["TIME"], b["TIME"]) }) {
		t.Errorf("audit is not oldest first:\n%s", audit)
	}
	if rows[0]["DETAIL"] != "user created; must set a new password and security question at first sign-in; require-mfa on" {
		t.Errorf("first event %v, want nora's creation", rows[0])
	}
	// Read-only commands write nothing.
	for _, args := range [][]string{{"user", "list"}, {"user", "show", "nora"}, {"client", "list"}, {"client", "show", "app1"}, {"keys", "list"}, {"audit"}} {
		run(args...)
	}
	if n := len(auditRows(t, mustRun(t, "--data", dir, "audit"))); n != 14 {
		t.Errorf("read-only commands wrote audit events: %d events, want 14", n)
	}
	// Nothing printed as a secret, nor any hash, is in the audit log.
	for _, q := range [][]string{nil, {"--user", "nora"}, {"--since", "1h"}} {
		out := mustRun(t, append([]string{"--data", dir, "audit"}, q...)...)
		for _, s := range secrets {
			if s != "" && strings.Contains(out, s) {
				t.Errorf("audit %v output contains the secret %q", q, s)
			}
		}
	}
	// Failed commands change nothing and record nothing.
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "nora", "--password", pw1}, "taken")
	mustFail(t, "", []string{"--data", dir, "client", "remove", "nope"}, "no client")
	if n := len(auditRows(t, mustRun(t, "--data", dir, "audit"))); n != 14 {
		t.Errorf("failed commands wrote audit events: %d events, want 14", n)
	}
	mustFail(t, "", []string{"--data", dir, "--actor", "bad\x1bname", "user", "enable", "nora"}, "--actor")
	mustFail(t, "", []string{"--data", dir, "--actor", "", "user", "enable", "nora"}, "--actor")
}

// TestAuditActorDefaults: without --actor the actor is the user who ran
// sudo, else the login name; --actor wins over both.
func TestAuditActorDefaults(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "olga", "--password", "tulip-aglo-granite-4")
	t.Setenv("SUDO_USER", "sudoer")
	mustRun(t, "--data", dir, "user", "disable", "olga")
	mustRun(t, "--data", dir, "--actor", "explicit", "user", "enable", "olga")
	t.Setenv("SUDO_USER", "")
	mustRun(t, "--data", dir, "user", "require-mfa", "olga", "on")
	me, err := user.Current()
	if err != nil {
		t.Skipf("no current user: %v", err)
	}
	rows := auditRows(t, mustRun(t, "--data", dir, "audit", "--user", "olga"))
	var actors []string
	for _, r := range rows {
		actors = append(actors, r["ACTOR"])
	}
	want := []string{"cli:" + me.Username, "cli:sudoer", "cli:explicit", "cli:" + me.Username}
	if !slices.Equal(actors, want) {
		t.Errorf("actors %q, want %q", actors, want)
	}
}

// TestAuditFilters: --user, --since and --limit select events; bad values
// are one-line errors.
func TestAuditFilters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "--actor", "a", "user", "add", "--username", "pat", "--password", "tulip-tap-granite-3")
	mustRun(t, "--data", dir, "--actor", "a", "user", "add", "--username", "quin", "--password", "tulip-niuq-granite-4")
	mustRun(t, "--data", dir, "--actor", "a", "user", "disable", "quin")
	st := openDataStore(t, dir)
	pat, err := st.UserByUsername(ctx, "pat")
	if err != nil {
		t.Fatal(err)
	}
	// Older events, as the sign-in pages write them (one with only a user id).
	now := time.Now().UTC()
	for _, e := range []store.AuditEvent{
		{At: now.Add(-72 * time.Hour), Event: store.EventSignInFailed, UserID: pat.ID, Username: "pat", IP: "192.0.2.7", Actor: "user", Detail: "wrong password"},
		{At: now.Add(-48 * time.Hour), Event: store.EventSignIn, UserID: pat.ID, ClientID: "app", IP: "192.0.2.7", Actor: "user", Detail: "password, question, passcode"},
		{At: now.Add(-30 * time.Hour), Event: store.EventSignInFailed, Username: "mallory\x1b[2J\u202e", IP: "198.51.100.1", Actor: "user", Detail: "unknown\nuser"},
	} {
		if err := st.Audit(ctx, &e); err != nil {
			t.Fatal(err)
		}
	}
	events := func(args ...string) []string {
		t.Helper()
		out := mustRun(t, append([]string{"--data", dir, "audit"}, args...)...)
		if strings.ContainsAny(out, "\x1b\u202e") {
			t.Errorf("audit %v prints terminal control characters: %q", args, out)
		}
		var got []string
		for _, r := range auditRows(t, out) {
			got = append(got, r["EVENT"]+" "+r["USER"])
		}
		return got
	}
	all := []string{"signin.failure pat", "signin.success pat", "signin.failure mallory?[2J?", "admin.user pat", "admin.user quin", "admin.user quin"}
	if got := events(); !slices.Equal(got, all) {
		t.Errorf("audit = %q, want %q", got, all)
	}
	if got := events("--user", "PAT"); !slices.Equal(got, []string{"signin.failure pat", "signin.success pat", "admin.user pat"}) {
		t.Errorf("audit --user pat = %q", got)
	}
	if got := events("--since", "24h"); !slices.Equal(got, all[3:]) {
		t.Errorf("audit --since 24h = %q", got)
	}
	if got := events("--since", "2d"); !slices.Equal(got, all[2:]) {
		t.Errorf("audit --since 2d = %q", got)
	}
	if got := events("--since", "49h", "--user", "pat"); !slices.Equal(got, []string{"signin.success pat", "admin.user pat"}) {
		t.Errorf("audit --since 49h --user pat = %q", got)
	}
	// --limit keeps the most recent, still printed oldest first.
	if got := events("--limit", "2"); !slices.Equal(got, all[4:]) {
		t.Errorf("audit --limit 2 = %q, want the last two", got)
	}
	if got := events("--limit", "2", "--user", "pat"); !slices.Equal(got, []string{"signin.success pat", "admin.user pat"}) {
		t.Errorf("audit --limit 2 --user pat = %q", got)
	}
	row := auditRows(t, mustRun(t, "--data", dir, "audit", "--limit", "5"))[0]
	if row["CLIENT"] != "app" || row["IP"] != "192.0.2.7" || row["ACTOR"] != "user" {
		t.Errorf("sign-in event printed as %v", row)
	}

	mustFail(t, "", []string{"--data", dir, "audit", "--since", "yesterday"}, `--since "yesterday"`, "not a duration")
	mustFail(t, "", []string{"--data", dir, "audit", "--since", "-1h"}, "positive")
	mustFail(t, "", []string{"--data", dir, "audit", "--since", "0d"}, "not a duration")
	mustFail(t, "", []string{"--data", dir, "audit", "--user", "ghost"}, `no user named "ghost"`)
	mustFail(t, "", []string{"--data", dir, "audit", "--limit", "0"}, "--limit")
	mustFail(t, "", []string{"--data", dir, "audit", "extra"}, `"extra"`)
}

// TestAuditWriteFailureFailsTheCommand: when the audit event cannot be
// written the command exits 1 with one line and does not report success.
func TestAuditWriteFailureFailsTheCommand(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "rita", "--password", "tulip-atir-granite-4")
	mustRun(t, "--data", dir, "client", "add", "--id", "app", "--public", "--redirect-uri", "https://app.example/cb")
	db, err := sql.Open("sqlite", filepath.Join(dir, "otpgate.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	if _, err := db.Exec(`CREATE TRIGGER audit_down BEFORE INSERT ON audit_events BEGIN SELECT RAISE(ABORT, 'audit log unavailable'); END`); err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{
		{"user", "disable", "rita"},
		{"user", "require-mfa", "rita", "on"},
		{"user", "unlock", "rita"},
		{"user", "reset-otp", "rita"},
		{"user", "set-password", "rita", "--password", "another-long-password"},
		{"user", "add", "--username", "sam", "--password", "tulip-mas-granite-3"},
		{"client", "update", "app", "--name", "App"},
		{"client", "remove", "app"},
		{"keys", "rotate"},
	} {
		r := runCLI(t, "", append([]string{"--data", dir}, args...)...)
		if r.code != 1 || r.stdout != "" || !strings.Contains(r.stderr, "could not be written to the audit log") ||
			strings.Count(r.stderr, "\n") != 1 {
			t.Errorf("otpgate %s with the audit log down: exit %d, stdout %q, stderr %q", strings.Join(args, " "), r.code, r.stdout, r.stderr)
		}
	}
}
