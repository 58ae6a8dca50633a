package main

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/provider/store"
)

// TestUserShowDevice: user show tells whether a device is enrolled, which
// app, when, and when last used, and never prints the secret.
func TestUserShowDevice(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "ivy", "--password", "tulip-yvi-granite-3")
	out := mustRun(t, "--data", dir, "user", "show", "ivy")
	if got := showField(t, out, "device"); got != "none enrolled" {
		t.Fatalf("device = %q before enrollment", got)
	}
	st := openDataStore(t, dir)
	ctx := context.Background()
	secret := []byte("SEALED-SECRET-BYTES")
	enrollBehind(t, st, "ivy", &store.Device{ID: "d1", App: "microsoft-authenticator", Secret: secret, LastStep: 1}, "h1", "h2", "h3")
	out = mustRun(t, "--data", dir, "user", "show", "ivy")
	for field, want := range map[string]string{"device": "enrolled", "device app": "Microsoft Authenticator",
		"last used": "never", "recovery codes": "3 unused"} {
		if got := showField(t, out, field); got != want {
			t.Errorf("%s = %q, want %q", field, got, want)
		}
	}
	if showField(t, out, "enrolled at") == "" || strings.Contains(out, string(secret)) {
		t.Fatalf("user show:\n%s", out)
	}
	if ok, err := st.AdvanceStep(ctx, "d1", 2); !ok || err != nil {
		t.Fatalf("AdvanceStep: %v %v", ok, err)
	}
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "ivy"), "last used"); got == "never" {
		t.Fatal("last used not shown after a passcode")
	}
}

// enrollBehind enrols d (with recovery codes of the given hashes) for the
// account username straight in the store, behind the CLI's back, as a
// finished sign-in would; it returns the account.
func enrollBehind(t *testing.T, st *store.Store, username string, d *store.Device, codeHashes ...string) *store.User {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByUsername(ctx, username)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	flow := "enroll-" + username
	if err := st.CreateFlow(ctx, &store.Flow{ID: flow, FlowRequest: store.FlowRequest{ClientID: "c"},
		PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("sealed")}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	d.UserID, d.EnrolledAt = u.ID, now
	if err := st.EnrollDevice(ctx, store.Enrollment{FlowID: flow, CodeHashes: codeHashes, Device: d}); err != nil {
		t.Fatal(err)
	}
	return u
}
