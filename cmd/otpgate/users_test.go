package main

import (
	"context"
	"path/filepath"
	"strings"
	"testing"

	"github.com/otpgate/otpgate/provider/credential"
	"github.com/otpgate/otpgate/provider/store"
)

// openDataStore opens the development database in dir behind the CLI's back.
func openDataStore(t *testing.T, dir string) *store.Store {
	t.Helper()
	st, err := store.Open("sqlite", filepath.Join(dir, "otpgate.db"))
	if err != nil {
		t.Fatalf("open store: %v", err)
	}
	t.Cleanup(func() { _ = st.Close() })
	return st
}

// checkSecret asserts that hash verifies secret.
func checkSecret(t *testing.T, what, secret, hash string, want bool) {
	t.Helper()
	got, err := credential.NewHasher(credential.OWASP).Verify(secret, hash)
	if err != nil || got != want {
		t.Errorf("%s: Verify = %v, %v; want %v", what, got, err, want)
	}
}

// checkClientSecret is checkSecret for a client secret, which is stored
// with the fast hash when it is strong.
func checkClientSecret(t *testing.T, what, secret, hash string, want bool) {
	t.Helper()
	got, err := credential.NewHasher(credential.OWASP).VerifyClientSecret(secret, hash)
	if err != nil || got != want {
		t.Errorf("%s: VerifyClientSecret = %v, %v; want %v", what, got, err, want)
	}
}

// showField returns the value of one "name: value" line of a show command.
func showField(t *testing.T, out, name string) string {
	t.Helper()
	for _, line := range strings.Split(out, "\n") {
		if k, v, found := strings.Cut(line, ":"); found && k == name {
			return strings.TrimSpace(v)
		}
	}
	t.Fatalf("no %q in %q", name, out)
	return ""
}

func TestUserAdd(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const alicePW, bobPW = "correct horse battery", "another long password"
	out := mustRun(t, "--data", dir, "user", "add", "--username", "Alice", "--email", "alice@example.com", "--password", alicePW)
	if !strings.Contains(out, "created user alice") {
		t.Errorf("user add: stdout %q", out)
	}
	r := runCLI(t, bobPW+"\nsecond line\n", "--data", dir, "user", "add", "--username", "bob", "--password-stdin")
	if r.code != 0 {
		t.Fatalf("user add --password-stdin: exit %d, %q", r.code, r.stderr)
	}
	for _, name := range []string{"alice", "ALICE", "Alice"} {
		mustFail(t, "", []string{"--data", dir, "user", "add", "--username", name, "--password", alicePW}, `"alice" is taken`)
	}
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "dave", "--password", "short"}, "at least 12 characters")
	mustFail(t, "short\n", []string{"--data", dir, "user", "add", "--username", "dave", "--password-stdin"}, "at least 12 characters")
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "dave", "--password-stdin"}, "no password on standard input")
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "dave"}, "password is required")
	mustFail(t, "", []string{"--data", dir, "user", "add", "--password", alicePW}, "--username is required")
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "dave", "--email", "not-an-email", "--password", alicePW}, "not an email address")

	st := openDataStore(t, dir)
	ctx := context.Background()
	users, err := st.ListUsers(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(users) != 2 {
		t.Fatalf("store holds %d users, want 2 (failed adds must not create users)", len(users))
	}
	alice, err := st.UserByUsername(ctx, "alice")
	if err != nil {
		t.Fatal(err)
	}
	checkSecret(t, "alice's password", alicePW, alice.PasswordHash, true)
	bob, err := st.UserByUsername(ctx, "bob")
	if err != nil {
		t.Fatal(err)
	}
	// Only the first line, without its newline, is the password.
	checkSecret(t, "bob's password from stdin", bobPW, bob.PasswordHash, true)
	checkSecret(t, "bob's password with newline", bobPW+"\n", bob.PasswordHash, false)
	if !alice.MustChangePassword || !bob.MustChangePassword {
		t.Error("a new user need not change the password at first sign-in")
	}
}

func TestUserListAndShowHideSecrets(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	const pw = "do not print me please"
	mustRun(t, "--data", dir, "user", "add", "--username", "erin", "--email", "erin@example.com", "--name", "Erin E", "--password", pw)
	list := mustRun(t, "--data", dir, "user", "list")
	show := mustRun(t, "--data", dir, "user", "show", "ERIN")
	for name, out := range map[string]string{"list": list, "show": show} {
		for _, secret := range []string{"argon2", pw, "$"} {
			if strings.Contains(out, secret) {
				t.Errorf("user %s prints %q: %q", name, secret, out)
			}
		}
		if !strings.Contains(out, "erin@example.com") || !strings.Contains(out, "first-sign-in-pending") {
			t.Errorf("user %s: %q lacks the email or the status", name, out)
		}
	}
	if got := showField(t, show, "security question"); got != "(not set)" {
		t.Errorf("security question = %q, want (not set)", got)
	}
	mustFail(t, "", []string{"--data", dir, "user", "show", "nobody"}, `no user named "nobody"`)
	mustFail(t, "", []string{"--data", dir, "user", "show"}, "exactly one username")
}

// TestUserNames: user add takes the display, given and family names, user
// show prints them, and user update changes only the ones it is given ("" clears
// one), audited; a change of nothing or to a name on two lines is refused.
func TestUserNames(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "ada", "--name", "Ada Lovelace", "--given-name", "Ada",
		"--family-name", "Lovelace", "--password", "tulip-aron-granite-4")
	show := func() string { return mustRun(t, "--data", dir, "user", "show", "ada") }
	if s := show(); showField(t, s, "name") != "Ada Lovelace" || showField(t, s, "given name") != "Ada" ||
		showField(t, s, "family name") != "Lovelace" {
		t.Errorf("user show after add:\n%s", s)
	}
	out := mustRun(t, "--data", dir, "user", "update", "ADA", "--given-name", "Augusta Ada", "--family-name", "")
	if !strings.Contains(out, `updated ada: shown as "Ada Lovelace"`) {
		t.Errorf("user update: stdout %q", out)
	}
	if s := show(); showField(t, s, "name") != "Ada Lovelace" || showField(t, s, "given name") != "Augusta Ada" ||
		showField(t, s, "family name") != "" {
		t.Errorf("user show after update:\n%s", s)
	}
	if out := mustRun(t, "--data", dir, "user", "update", "ada", "--name", ""); !strings.Contains(out, `shown as "ada"`) {
		t.Errorf("clearing the name: stdout %q, want the username shown", out)
	}
	rows := auditRows(t, mustRun(t, "--data", dir, "audit"))
	if got := rows[len(rows)-2]["DETAIL"]; got != `given name set to "Augusta Ada"; family name cleared` {
		t.Errorf("audit detail of the update = %q", got)
	}
	mustFail(t, "", []string{"--data", dir, "user", "update", "ada"}, "nothing to change")
	mustFail(t, "", []string{"--data", dir, "user", "update", "ada", "--name", "Ada\nLovelace"}, "name must be at most 200 characters on one line")
	mustFail(t, "", []string{"--data", dir, "user", "update", "nobody", "--name", "N"}, `no user named "nobody"`)
	mustFail(t, "", []string{"--data", dir, "user", "add", "--username", "bo", "--family-name", "B\u202e", "--password", "tulip-aron-granite-4"},
		"family-name must be")
}

func TestUserSetPasswordDisableEnable(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "user", "add", "--username", "frank", "--password", "the first password")
	// Pretend frank finished his first sign-in.
	st := openDataStore(t, dir)
	u, err := st.UserByUsername(ctx, "frank")
	if err != nil {
		t.Fatal(err)
	}
	if err := st.FinishSetup(ctx, u.ID, store.UserSetup{PasswordHash: u.PasswordHash}); err != nil {
		t.Fatal(err)
	}
	status := func() string { return showField(t, mustRun(t, "--data", dir, "user", "show", "frank"), "status") }
	if got := status(); got != "active" {
		t.Fatalf("status = %q, want active", got)
	}

	mustFail(t, "", []string{"--data", dir, "user", "set-password", "frank", "--password", "tiny"}, "at least 12")
	mustRun(t, "--data", dir, "user", "set-password", "frank", "--password", "a temporary password")
	if got := status(); got != "first-sign-in-pending" {
		t.Errorf("status after set-password = %q, want first-sign-in-pending", got)
	}
	u, err = st.UserByUsername(ctx, "frank")
	if err != nil {
		t.Fatal(err)
	}
	checkSecret(t, "new password", "a temporary password", u.PasswordHash, true)
	checkSecret(t, "old password", "the first password", u.PasswordHash, false)
	if r := runCLI(t, "from stdin password\n", "--data", dir, "user", "set-password", "--password-stdin", "frank"); r.code != 0 {
		t.Errorf("set-password --password-stdin: exit %d, %q", r.code, r.stderr)
	}
	mustFail(t, "", []string{"--data", dir, "user", "set-password", "ghost", "--password", "a temporary password"}, `no user named "ghost"`)

	mustRun(t, "--data", dir, "user", "disable", "frank")
	if got := status(); got != "disabled" {
		t.Errorf("status after disable = %q, want disabled", got)
	}
	mustRun(t, "--data", dir, "user", "enable", "frank")
	if got := status(); got != "first-sign-in-pending" {
		t.Errorf("status after enable = %q, want first-sign-in-pending", got)
	}
	mustFail(t, "", []string{"--data", dir, "user", "disable", "ghost"}, `no user named "ghost"`)
}

func TestUserRequireMFA(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "gina", "--password", "a long enough password")
	mfa := func() string { return showField(t, mustRun(t, "--data", dir, "user", "show", "gina"), "require-mfa") }
	if got := mfa(); got != "off" {
		t.Fatalf("require-mfa = %q, want off by default", got)
	}
	mustRun(t, "--data", dir, "user", "require-mfa", "gina", "on")
	if got := mfa(); got != "on" {
		t.Errorf("require-mfa after on = %q", got)
	}
	mustRun(t, "--data", dir, "user", "require-mfa", "GINA", "off")
	if got := mfa(); got != "off" {
		t.Errorf("require-mfa after off = %q", got)
	}
	for _, args := range [][]string{{"gina", "maybe"}, {"gina"}, {"gina", "on", "extra"}} {
		mustFail(t, "", append([]string{"--data", dir, "user", "require-mfa"}, args...), "on|off")
	}
	mustFail(t, "", []string{"--data", dir, "user", "require-mfa", "ghost", "on"}, `no user named "ghost"`)
	// The add flag sets it too.
	mustRun(t, "--data", dir, "user", "add", "--username", "hank", "--password", "a long enough password", "--require-mfa")
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "hank"), "require-mfa"); got != "on" {
		t.Errorf("user add --require-mfa: require-mfa = %q", got)
	}
}
