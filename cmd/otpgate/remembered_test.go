package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// TestUserGrantRevokeAdmin: grant-admin makes the account an
// administrator and requires two-factor sign-in of it; revoke-admin takes
// the role back (the requirement stays); both are audited with the actor.
func TestUserGrantRevokeAdmin(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "ada", "--password", "tulip-granite-harbour-3")
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "ada"), "role"); got != "user" {
		t.Fatalf("role before: %q", got)
	}
	if out := mustRun(t, "--data", dir, "--actor", "root", "user", "grant-admin", "ada"); !strings.Contains(out, "ada is an administrator") {
		t.Fatalf("grant-admin: %q", out)
	}
	out := mustRun(t, "--data", dir, "user", "show", "ada")
	if showField(t, out, "role") != "admin" || showField(t, out, "require-mfa") != "on" {
		t.Fatalf("after grant-admin:\n%s", out)
	}
	if out := mustRun(t, "--data", dir, "--actor", "root", "user", "revoke-admin", "ada"); !strings.Contains(out, "no longer an administrator") {
		t.Fatalf("revoke-admin: %q", out)
	}
	out = mustRun(t, "--data", dir, "user", "show", "ada")
	if showField(t, out, "role") != "user" || showField(t, out, "require-mfa") != "on" {
		t.Fatalf("after revoke-admin:\n%s", out)
	}
	mustFail(t, "", []string{"--data", dir, "user", "grant-admin", "nobody"}, "nobody")
	mustFail(t, "", []string{"--data", dir, "user", "grant-admin"}, "grant-admin")
	if audit := mustRun(t, "--data", dir, "audit", "--user", "ada"); strings.Count(audit, "cli:root") < 2 {
		t.Fatalf("audit:\n%s", audit)
	}
}

// TestUserForgetBrowser: user show lists the remembered browsers (never
// their tokens); forget-browser forgets one by id or all with --all, and
// refuses an id that is malformed or none of the user's.
func TestUserForgetBrowser(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "ivy", "--password", "tulip-yvi-granite-3")
	mustRun(t, "--data", dir, "user", "add", "--username", "bo", "--password", "tulip-ob-granite-33")
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "ivy"), "remembered browsers"); got != "none" {
		t.Fatalf("remembered browsers before: %q", got)
	}
	st := openDataStore(t, dir)
	ctx := context.Background()
	u := enrollBehind(t, st, "ivy", &store.Device{ID: "d1", App: "authy", Secret: []byte("s"), LastStep: 1}, "h1")
	now := time.Now().UTC()
	var ids []string
	for _, token := range []string{"TOKEN-HASH-ONE", "TOKEN-HASH-TWO", "TOKEN-HASH-SIX"} {
		b := &store.RememberedBrowser{TokenHash: token, UserID: u.ID, DeviceID: "d1", ClientID: "c", Label: "Firefox on Linux", ExpiresAt: now.Add(24 * time.Hour)}
		if err := st.AddRememberedBrowser(ctx, b); err != nil {
			t.Fatal(err)
		}
		ids = append(ids, b.ID)
	}
	out := mustRun(t, "--data", dir, "user", "show", "ivy")
	if !strings.HasPrefix(showField(t, out, "remembered browsers"), "3 ") || strings.Contains(out, "TOKEN-HASH") {
		t.Fatalf("user show:\n%s", out)
	}
	for _, id := range ids {
		if !strings.Contains(out, "  "+id+"  Firefox on Linux, created ") {
			t.Fatalf("user show does not list %s:\n%s", id, out)
		}
	}
	mustFail(t, "", []string{"--data", dir, "user", "forget-browser", "ivy", "not-an-id"}, "remembered browser")
	mustFail(t, "", []string{"--data", dir, "user", "forget-browser", "ivy", strings.Repeat("A", 26)}, "has no remembered browser of that id")
	mustFail(t, "", []string{"--data", dir, "user", "forget-browser", "bo", ids[0]}, "has no remembered browser of that id")
	mustFail(t, "", []string{"--data", dir, "user", "forget-browser", "ivy"}, "--all")
	mustFail(t, "", []string{"--data", dir, "user", "forget-browser", "ivy", ids[0], "--all"}, "--all")
	if out := mustRun(t, "--data", dir, "--actor", "root", "user", "forget-browser", "ivy", ids[0]); out != "forgot remembered browser "+ids[0]+" of ivy\n" {
		t.Fatalf("forget one: %q", out)
	}
	if out := mustRun(t, "--data", dir, "--actor", "root", "user", "forget-browser", "--all", "ivy"); out != "forgot 2 remembered browsers of ivy\n" {
		t.Fatalf("forget all: %q", out)
	}
	if rows, err := st.RememberedBrowsers(ctx, u.ID); err != nil || len(rows) != 0 {
		t.Fatalf("left: %v %v", rows, err)
	}
	if audit := mustRun(t, "--data", dir, "audit", "--user", "ivy"); strings.Count(audit, store.EventBrowserForgotten) != 2 {
		t.Fatalf("audit:\n%s", audit)
	}
}
