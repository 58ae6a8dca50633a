package main

import (
	"context"
	"errors"
	"fmt"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

var proofLine = regexp.MustCompile(`enrollment code for (\S+) \(give it to them; shown once, valid until ([^)]+)\): (\S+)\n`)

// printedProof returns the one enrollment code printed in out and the
// time it is said to be valid until.
func printedProof(t *testing.T, out string) (proof, until string) {
	t.Helper()
	m := proofLine.FindAllStringSubmatch(out, -1)
	if len(m) != 1 {
		t.Fatalf("stdout %q: want exactly one printed enrollment code", out)
	}
	return m[0][3], m[0][2]
}

// signedInUser gives user name an enrolled device with three recovery
// codes, a browser session, and an access and a refresh token, as a
// finished sign-in would; it returns the ids of the session and tokens.
func signedInUser(t *testing.T, st *store.Store, name string) (u *store.User, sessionID, accessID, refreshID string) {
	t.Helper()
	ctx := context.Background()
	u, err := st.UserByUsername(ctx, name)
	if err != nil {
		t.Fatal(err)
	}
	now := time.Now().UTC()
	enroll := "ENROLL-" + u.ID
	if err := st.CreateFlow(ctx, &store.Flow{ID: enroll, FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: u.ID}, PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("sealed")}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.EnrollDevice(ctx, store.Enrollment{FlowID: enroll, CodeHashes: []string{"h1", "h2", "h3"},
		Device: &store.Device{ID: "dev-" + u.ID, UserID: u.ID, App: "authy", Secret: []byte("SEALED"), LastStep: 1, EnrolledAt: now}}); err != nil {
		t.Fatal(err)
	}
	grant := "GRANT-" + u.ID
	if err := st.CreateFlow(ctx, &store.Flow{ID: grant, FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: u.ID}, FlowCode: store.FlowCode{CodeHash: "code-hash-" + u.ID}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	sessionID, accessID, refreshID = "sess-"+u.ID, "at-"+u.ID, "rt-"+u.ID
	set := store.TokenSet{
		Access: &store.AccessToken{ID: accessID, GrantID: grant, RefreshTokenID: refreshID, ClientID: "c", UserID: u.ID,
			Scopes: store.StringList{"openid"}, Audience: store.StringList{"c"}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)},
		Refresh: &store.RefreshToken{ID: refreshID, TokenHash: "rt-hash-" + u.ID, FamilyID: "fam-" + u.ID, GrantID: grant,
			ClientID: "c", UserID: u.ID, Scopes: store.StringList{"openid"}, Audience: store.StringList{"c"},
			AMR: store.StringList{"pwd"}, AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(24 * time.Hour)},
	}
	if err := st.IssueFromCode(ctx, grant, set); err != nil {
		t.Fatal(err)
	}
	if err := st.CreateSession(ctx, &store.Session{ID: sessionID, UserID: u.ID, AMR: store.StringList{"pwd", "otp"},
		AuthTime: now, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	return u, sessionID, accessID, refreshID
}

// TestUserResetOTP: an administrator's device reset removes the device and
// recovery codes, lifts the passcode lock, ends every session and token,
// and prints, once, an enrollment code whose hash alone is stored.
func TestUserResetOTP(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "user", "add", "--username", "judy", "--password", "tulip-yduj-granite-4")
	mustRun(t, "--data", dir, "user", "add", "--username", "kim", "--password", "tulip-mik-granite-3")
	st := openDataStore(t, dir)
	u, sessionID, accessID, refreshID := signedInUser(t, st, "judy")
	_, kimSession, _, kimRefresh := signedInUser(t, st, "kim")
	lockPasscodes(t, st, u.ID)
	show := mustRun(t, "--data", dir, "user", "show", "judy")
	if got := showField(t, show, "passcode lock"); got != "locked (reset the device with otpgate user reset-otp judy)" {
		t.Errorf("passcode lock = %q before the reset", got)
	}
	if got := showField(t, show, "enrollment code"); got != "none" {
		t.Errorf("enrollment code = %q before the reset", got)
	}

	before := time.Now().UTC()
	out := mustRun(t, "--data", dir, "user", "reset-otp", "JUDY", "--proof-lifetime", "48h")
	if !strings.HasPrefix(out, "device of judy reset; sessions and tokens revoked\n") {
		t.Errorf("reset-otp: stdout %q", out)
	}
	proof, until := printedProof(t, out)
	if !regexp.MustCompile(`^[a-z0-9]{4}-[a-z0-9]{4}-[a-z0-9]{4}$`).MatchString(proof) {
		t.Errorf("enrollment code %q is not xxxx-xxxx-xxxx", proof)
	}
	u, err := st.UserByUsername(ctx, "judy")
	if err != nil {
		t.Fatal(err)
	}
	checkSecret(t, "enrollment code", mfa.NormalizeRecoveryCode(proof), u.ProofHash, true)
	checkSecret(t, "enrollment code in capitals", mfa.NormalizeRecoveryCode(strings.ToUpper(proof)), u.ProofHash, true)
	checkSecret(t, "another code", mfa.NormalizeRecoveryCode("aaaa-bbbb-cccc"), u.ProofHash, false)
	if u.ProofExpiresAt == nil || u.ProofExpiresAt.Before(before.Add(48*time.Hour-time.Minute)) ||
		u.ProofExpiresAt.After(time.Now().Add(48*time.Hour)) {
		t.Errorf("ProofExpiresAt = %v, want 48h from now", u.ProofExpiresAt)
	}
	if want := displayTime(*u.ProofExpiresAt); until != want {
		t.Errorf("printed valid until %q, stored %q", until, want)
	}
	if u.OTPLocked || u.OTPFailures != 0 {
		t.Errorf("after reset: OTPLocked %v, OTPFailures %d; want cleared", u.OTPLocked, u.OTPFailures)
	}
	if _, err := st.DeviceByUser(ctx, u.ID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("device after reset: %v, want ErrNotFound", err)
	}
	if n, err := st.CountRecoveryCodes(ctx, u.ID); err != nil || n != 0 {
		t.Errorf("recovery codes after reset: %d, %v; want 0", n, err)
	}
	if _, err := st.SessionByID(ctx, sessionID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("session after reset: %v, want ErrNotFound", err)
	}
	if _, err := st.AccessTokenByID(ctx, accessID); !errors.Is(err, store.ErrNotFound) {
		t.Errorf("access token after reset: %v, want revoked", err)
	}
	if rt, err := st.RefreshTokenRowByID(ctx, refreshID); err != nil || rt.RevokedAt == nil {
		t.Errorf("refresh token after reset: %+v, %v; want revoked", rt, err)
	}
	// Nobody else is touched.
	if _, err := st.SessionByID(ctx, kimSession); err != nil {
		t.Errorf("kim's session after judy's reset: %v", err)
	}
	if rt, err := st.RefreshTokenRowByID(ctx, kimRefresh); err != nil || rt.RevokedAt != nil {
		t.Errorf("kim's refresh token after judy's reset: %+v, %v", rt, err)
	}

	// show tells that a code is pending, and until when, never the code.
	show = mustRun(t, "--data", dir, "user", "show", "judy")
	if got := showField(t, show, "enrollment code"); got != "pending until "+until {
		t.Errorf("enrollment code = %q, want pending until %s", got, until)
	}
	for field, want := range map[string]string{"passcode lock": "none", "device": "none enrolled", "login lock": "none"} {
		if got := showField(t, show, field); got != want {
			t.Errorf("%s = %q after reset, want %q", field, got, want)
		}
	}
	for _, secret := range []string{proof, mfa.NormalizeRecoveryCode(proof), u.ProofHash, "argon2"} {
		if strings.Contains(show, secret) {
			t.Errorf("user show prints %q:\n%s", secret, show)
		}
	}

	// A second reset issues a new code; the first no longer verifies.
	proof2, _ := printedProof(t, mustRun(t, "--data", dir, "user", "reset-otp", "judy"))
	u2, err := st.UserByUsername(ctx, "judy")
	if err != nil {
		t.Fatal(err)
	}
	if proof2 == proof {
		t.Fatal("two resets printed the same code")
	}
	checkSecret(t, "second code", mfa.NormalizeRecoveryCode(proof2), u2.ProofHash, true)
	checkSecret(t, "first code after the second reset", mfa.NormalizeRecoveryCode(proof), u2.ProofHash, false)
	if d := u2.ProofExpiresAt.Sub(time.Now()); d < 71*time.Hour || d > 72*time.Hour {
		t.Errorf("default proof lifetime: expires in %v, want 72h", d)
	}

	// An expired code is shown as such: the user cannot enrol with it.
	if err := st.AdminResetDevice(ctx, u.ID, u2.ProofHash, time.Now().UTC().Add(-time.Minute)); err != nil {
		t.Fatal(err)
	}
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "judy"), "enrollment code"); !strings.HasPrefix(got, "expired ") {
		t.Errorf("enrollment code = %q after expiry, want expired …", got)
	}
}

func TestUserResetOTPRejects(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "lee", "--password", "tulip-eel-granite-3")
	mustFail(t, "", []string{"--data", dir, "user", "reset-otp", "ghost"}, `no user named "ghost"`)
	mustFail(t, "", []string{"--data", dir, "user", "reset-otp"}, "exactly one username")
	mustFail(t, "", []string{"--data", dir, "user", "reset-otp", "lee", "--proof-lifetime", "soon"}, "-proof-lifetime")
	for _, d := range []string{"0s", "-1h", "30s", "721h"} {
		mustFail(t, "", []string{"--data", dir, "user", "reset-otp", "lee", "--proof-lifetime", d}, "between 1m and 720h")
	}
	u, err := openDataStore(t, dir).UserByUsername(context.Background(), "lee")
	if err != nil {
		t.Fatal(err)
	}
	if u.ProofHash != "" {
		t.Error("a refused reset-otp stored an enrollment code")
	}
}

// TestUserUnlock: unlock lifts the password/answer lock that show reports,
// and says that a passcode lock needs a device reset.
func TestUserUnlock(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "user", "add", "--username", "mia", "--password", "tulip-aim-granite-3")
	st := openDataStore(t, dir)
	u, err := st.UserByUsername(ctx, "mia")
	if err != nil {
		t.Fatal(err)
	}
	until := lockLoginTwice(t, st, u.ID)
	want := fmt.Sprintf("until %s (after 2 locks)", displayTime(time.Unix(until, 0)))
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "mia"), "login lock"); got != want {
		t.Errorf("login lock = %q, want %q", got, want)
	}
	if out := mustRun(t, "--data", dir, "user", "unlock", "MIA"); out != "unlocked mia\n" {
		t.Errorf("unlock: stdout %q", out)
	}
	u, err = st.UserByUsername(ctx, "mia")
	if err != nil {
		t.Fatal(err)
	}
	if u.LoginLockedUntil != 0 || u.LoginFailures != 0 || u.LoginLockLevel != 0 {
		t.Errorf("after unlock: until %d, failures %d, level %d; want all 0", u.LoginLockedUntil, u.LoginFailures, u.LoginLockLevel)
	}
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "mia"), "login lock"); got != "none" {
		t.Errorf("login lock = %q after unlock, want none", got)
	}

	// unlock does not lift a passcode lock, and says so.
	lockPasscodes(t, st, u.ID)
	if out := mustRun(t, "--data", dir, "user", "unlock", "mia"); !strings.Contains(out, "otpgate user reset-otp mia") {
		t.Errorf("unlock of a passcode-locked user: stdout %q", out)
	}
	if u, err = st.UserByUsername(ctx, "mia"); err != nil || !u.OTPLocked {
		t.Errorf("unlock lifted the passcode lock: %v", err)
	}
	mustFail(t, "", []string{"--data", dir, "user", "unlock", "ghost"}, `no user named "ghost"`)
	mustFail(t, "", []string{"--data", dir, "user", "unlock"}, "exactly one username")

	// user list shows the lock; --locked keeps only locked accounts.
	mustRun(t, "--data", dir, "user", "add", "--username", "ned", "--password", "tulip-aim-granite-3")
	list := mustRun(t, "--data", dir, "user", "list", "--locked")
	if !strings.Contains(list, "LOCK") || !regexp.MustCompile(`(?m)^mia .* none +passcode `).MatchString(list) || strings.Contains(list, "ned") {
		t.Errorf("user list --locked:\n%s", list)
	}
	// --passcode lifts the passcode lock, keeps the device, and is audited.
	out := mustRun(t, "--data", dir, "user", "unlock", "--passcode", "mia")
	if !strings.Contains(out, "lifted the passcode lock of mia; the device is kept") {
		t.Errorf("unlock --passcode: stdout %q", out)
	}
	if u, err = st.UserByUsername(ctx, "mia"); err != nil || u.OTPLocked || u.OTPFailures != 0 {
		t.Errorf("after unlock --passcode: locked %v failures %d (%v)", u.OTPLocked, u.OTPFailures, err)
	}
	if list := mustRun(t, "--data", dir, "user", "list", "--locked"); strings.Contains(list, "mia") {
		t.Errorf("mia still listed as locked:\n%s", list)
	}
	if a := mustRun(t, "--data", dir, "audit", "--user", "mia"); !strings.Contains(a, "admin.unlock_otp") || !strings.Contains(a, "device kept") {
		t.Errorf("audit lacks the passcode unlock:\n%s", a)
	}
}

// TestUserListFilters: --mfa and --no-device, and the DEVICE column.
func TestUserListFilters(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	mustRun(t, "--data", dir, "user", "add", "--username", "ann", "--password", "tulip-aim-granite-3")
	mustRun(t, "--data", dir, "user", "add", "--username", "bob", "--password", "tulip-aim-granite-3")
	mustRun(t, "--data", dir, "user", "require-mfa", "bob", "on")
	st := openDataStore(t, dir)
	ann, err := st.UserByUsername(context.Background(), "ann")
	if err != nil {
		t.Fatal(err)
	}
	ctx, now := context.Background(), time.Now().UTC()
	if err := st.CreateFlow(ctx, &store.Flow{ID: "F-ann", FlowRequest: store.FlowRequest{ClientID: "c"}, FlowProgress: store.FlowProgress{UserID: ann.ID},
		PendingEnrollment: store.PendingEnrollment{PendingSecret: []byte("sealed")}, CreatedAt: now, ExpiresAt: now.Add(time.Hour)}); err != nil {
		t.Fatal(err)
	}
	if err := st.EnrollDevice(ctx, store.Enrollment{FlowID: "F-ann", CodeHashes: []string{"h1"},
		Device: &store.Device{ID: "d-ann", UserID: ann.ID, App: "authy", Secret: []byte("SEALED"), LastStep: 1, EnrolledAt: now}}); err != nil {
		t.Fatal(err)
	}
	names := func(out string) []string {
		var n []string
		for _, l := range strings.Split(strings.TrimSpace(out), "\n")[1:] {
			n = append(n, strings.Fields(l)[0])
		}
		return n
	}
	for args, want := range map[string]string{"": "ann bob", "--mfa": "bob", "--no-device": "bob", "--mfa --no-device": "bob", "--locked": ""} {
		cmd := append([]string{"--data", dir, "user", "list"}, strings.Fields(args)...)
		if got := strings.Join(names(mustRun(t, cmd...)), " "); got != want {
			t.Errorf("user list %s: %q, want %q", args, got, want)
		}
	}
	if out := mustRun(t, "--data", dir, "user", "list"); !regexp.MustCompile(`(?m)^ann .* enrolled +- `).MatchString(out) {
		t.Errorf("user list: ann's device and lock:\n%s", out)
	}
}

// lockPasscodes locks a user for passcodes the way five wrong ones do.
func lockPasscodes(t *testing.T, st *store.Store, userID string) {
	t.Helper()
	for range 5 {
		if _, err := st.RecordOTPFailure(context.Background(), userID, 5); err != nil {
			t.Fatal(err)
		}
	}
}

// lockLoginTwice gives a user a second password/answer lock (level 2),
// the first one taken and expired in the past, and returns when the
// second one ends (unix seconds).
func lockLoginTwice(t *testing.T, st *store.Store, userID string) int64 {
	t.Helper()
	ctx := context.Background()
	st.Clock = func() time.Time { return time.Now().UTC().Add(-time.Hour) }
	if _, err := st.RecordLoginFailure(ctx, userID, mfa.Lockout{Threshold: 1, Base: time.Minute, Max: time.Hour}); err != nil {
		t.Fatal(err)
	}
	st.Clock = func() time.Time { return time.Now().UTC() }
	c, err := st.RecordLoginFailure(ctx, userID, mfa.Lockout{Threshold: 1, Base: time.Minute, Max: time.Hour})
	if err != nil {
		t.Fatal(err)
	}
	if c.LockLevel != 2 || c.LockedUntil <= time.Now().Unix() {
		t.Fatalf("after two locks: %+v, want level 2 and a lock in force", c)
	}
	return c.LockedUntil
}

// TestUserRequireMFAEnrollmentCode: `user require-mfa NAME on
// --enrollment-code` turns two-factor on and prints, once, the code of the
// first enrollment (mfa.enrollment_proof = admin), whose hash alone is
// stored and which renews nothing; an account with a device gets none.
func TestUserRequireMFAEnrollmentCode(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "user", "add", "--username", "lena", "--password", "tulip-anel-granite-4")
	mustRun(t, "--data", dir, "user", "add", "--username", "kim", "--password", "tulip-mik-granite-3")
	out := mustRun(t, "--data", dir, "user", "require-mfa", "LENA", "on", "--enrollment-code", "--proof-lifetime", "24h")
	if !strings.HasPrefix(out, "two-factor requirement for lena: on\n") {
		t.Errorf("stdout %q", out)
	}
	proof, _ := printedProof(t, out)
	st := openDataStore(t, dir)
	u, err := st.UserByUsername(ctx, "lena")
	if err != nil {
		t.Fatal(err)
	}
	if !u.RequireMFA || u.ProofRenews || u.ProofExpiresAt == nil {
		t.Errorf("after the command: %+v", u)
	}
	checkSecret(t, "enrollment code", mfa.NormalizeRecoveryCode(proof), u.ProofHash, true)
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "lena"), "enrollment code"); !strings.HasPrefix(got, "pending until ") {
		t.Errorf("user show: enrollment code %q", got)
	}
	mustFail(t, "", []string{"--data", dir, "user", "require-mfa", "lena", "off", "--enrollment-code"}, "--enrollment-code goes with on")
	mustFail(t, "", []string{"--data", dir, "user", "require-mfa", "lena", "on", "--enrollment-code", "--proof-lifetime", "1s"}, "proof-lifetime")
	signedInUser(t, st, "kim") // enrols a device
	mustFail(t, "", []string{"--data", dir, "user", "require-mfa", "kim", "on", "--enrollment-code"}, "already has a device", "reset-otp kim")
}

// TestUserShowAndUnlockTheBound: show reports the failures from unknown
// browsers and when they reached the bound; unlock clears them.
func TestUserShowAndUnlockTheBound(t *testing.T) {
	t.Parallel()
	dir := t.TempDir()
	ctx := context.Background()
	mustRun(t, "--data", dir, "user", "add", "--username", "ned", "--password", "tulip-den-granite-3")
	st := openDataStore(t, dir)
	u, err := st.UserByUsername(ctx, "ned")
	if err != nil {
		t.Fatal(err)
	}
	policy := store.LoginPolicy{Lockout: mfa.Lockout{Threshold: 1000, Base: time.Minute, Max: time.Hour}}
	for range 100 {
		r, ok, err := st.Reserve(ctx, store.AccountBudget(u.ID), policy)
		if err != nil || !ok {
			t.Fatalf("reserve: %v %v", ok, err)
		}
		if _, err := st.Confirm(ctx, store.AccountBudget(u.ID), policy.Lockout, r); err != nil {
			t.Fatal(err)
		}
	}
	want := "none; 100 consecutive failures from unknown browsers (the bound: unknown browsers need an emailed sign-in link, or otpgate user unlock ned)"
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "ned"), "login lock"); got != want {
		t.Errorf("login lock = %q, want %q", got, want)
	}
	mustRun(t, "--data", dir, "user", "unlock", "ned")
	if got := showField(t, mustRun(t, "--data", dir, "user", "show", "ned"), "login lock"); got != "none" {
		t.Errorf("login lock = %q after unlock, want none", got)
	}
}
