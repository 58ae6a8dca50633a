package store_test

import (
	"bytes"
	"os"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
	"github.com/otpgate/otpgate/provider/store"
)

// previousTables are the tables of the release before versioned
// migrations; its testdata file has rows in each.
var previousTables = []string{"access_tokens", "audit_events", "clients", "devices", "flows", "link_tokens",
	"recovery_codes", "refresh_tokens", "sessions", "signing_keys", "users"}

// seedEpoch is the time the testdata rows were written around.
var seedEpoch = time.Unix(1_700_000_000, 0).UTC()

// snapshot reads every row and value of the previous release's tables.
func snapshot(t *testing.T, s *store.Store) map[string][]string {
	t.Helper()
	out := map[string][]string{}
	for _, table := range previousTables {
		rows, err := s.Snapshot(t.Context(), table)
		if err != nil {
			t.Fatalf("read %s: %v", table, err)
		}
		out[table] = rows
	}
	return out
}

func shape(t *testing.T, s *store.Store) []string {
	t.Helper()
	lines, err := s.SchemaShape(t.Context())
	if err != nil {
		t.Fatalf("read the schema: %v", err)
	}
	return lines
}

// TestMigrateUpgradeFromPreviousRelease adopts a database written by the
// release before versioned migrations (its schema exactly as AutoMigrate
// created it, with rows in every table): nothing is lost or changed, the
// history records every version, the schema is the one a fresh database
// gets, and a second Migrate changes nothing.
func TestMigrateUpgradeFromPreviousRelease(t *testing.T) {
	forEachBackend(t, func(t *testing.T, b backend) {
		script, err := os.ReadFile("testdata/previous_release_" + b.dialect + ".sql")
		if err != nil {
			t.Fatal(err)
		}
		open := b.newDatabase(t)
		s := open()
		if err := s.ExecScript(t.Context(), string(script)); err != nil {
			t.Fatalf("load the previous release's database: %v", err)
		}
		before, beforeShape := snapshot(t, s), shape(t, s)
		for _, table := range previousTables {
			if len(before[table]) == 0 {
				t.Fatalf("testdata has no rows in %s", table)
			}
		}

		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("Migrate: %v", err)
		}
		// A new process reads the upgraded database (PostgreSQL's cached
		// plans of the old row shape belong to the connections that made
		// them).
		s = open()
		history := wantHistory(t, s, b.dialect)
		after := snapshot(t, s)
		for _, table := range previousTables {
			if !keepsRows(after[table], before[table]) {
				t.Errorf("%s changed by Migrate:\n got %q\nwant %q", table, after[table], before[table])
			}
		}
		upgraded := shape(t, s)
		for _, line := range beforeShape {
			if !slices.Contains(upgraded, line) {
				t.Errorf("Migrate changed or dropped %q of the adopted schema", line)
			}
		}
		wantNoDrift(t, s)
		wantSameSchemaAsFresh(t, b, beforeShape, upgraded)
		wantPreviousRows(t, s)

		if err := s.Migrate(t.Context()); err != nil {
			t.Fatalf("second Migrate: %v", err)
		}
		if again := wantHistory(t, s, b.dialect); !sameHistory(again, history) {
			t.Errorf("a second Migrate changed the history: %+v, was %+v", again, history)
		}
		if again := snapshot(t, s); !equalSnapshots(again, after) {
			t.Errorf("a second Migrate changed rows")
		}

		// The adopted counters keep working: after ann's lock, her eighth
		// failure counts on at the level she had.
		s.Clock = func() time.Time { return seedEpoch.Add(300 * time.Second) }
		c, err := s.RecordLoginFailure(t.Context(), "u-ann", mfa.Lockout{Threshold: 10, Base: time.Minute, Max: time.Hour})
		if want := (store.LoginCounters{Failures: 8, LockLevel: 2, LockedUntil: 1_700_000_240}); err != nil || c != want {
			t.Errorf("ann's next failure = %+v, %v; want %+v", c, err, want)
		}
	})
}

// wantSameSchemaAsFresh proves that an upgraded database ends with exactly
// the schema a fresh one gets, and that migration 0001 is exactly the
// previous release's schema: a fresh database migrated to version 1 only
// has the same columns, types, defaults, keys and indexes as the adopted
// one.
func wantSameSchemaAsFresh(t *testing.T, b backend, previous, upgraded []string) {
	t.Helper()
	fresh := b.newDatabase(t)()
	if err := fresh.Migrate(t.Context()); err != nil {
		t.Fatalf("Migrate a fresh database: %v", err)
	}
	if got := shape(t, fresh); !slices.Equal(got, upgraded) {
		t.Errorf("an upgraded database differs from a fresh one:\n upgraded %q\n fresh %q", upgraded, got)
	}
	first := b.newDatabase(t)()
	if err := first.MigrateTo(t.Context(), 1); err != nil {
		t.Fatalf("Migrate a fresh database to version 1: %v", err)
	}
	got := shape(t, first)
	for _, line := range got {
		if !slices.Contains(previous, line) {
			t.Errorf("0001 creates %q, which the previous release did not", line)
		}
	}
	for _, line := range previous {
		if !slices.Contains(got, line) {
			t.Errorf("the previous release had %q, which 0001 does not create", line)
		}
	}
}

func equalSnapshots(a, b map[string][]string) bool {
	for _, table := range previousTables {
		if !slices.Equal(a[table], b[table]) {
			return false
		}
	}
	return true
}

// wantPreviousRows reads the adopted rows through the models and the
// store's own methods.
func wantPreviousRows(t *testing.T, s *store.Store) {
	t.Helper()
	ctx := t.Context()
	s.Clock = func() time.Time { return seedEpoch }
	at := func(sec int64) time.Time {
		return seedEpoch.Add(time.Duration(sec)*time.Second + 123456*time.Microsecond)
	}
	check := func(what string, ok bool) {
		t.Helper()
		if !ok {
			t.Errorf("adopted row: %s", what)
		}
	}

	ann, err := s.UserByID(ctx, "u-ann")
	must(t, err)
	check("ann's counters", ann.Username == "ann" && ann.RequireMFA && ann.Question == "first-pet" && ann.OTPFailures == 3 &&
		ann.LoginFailures == 7 && ann.LoginLockLevel == 2 && ann.LoginLockedUntil == 1_700_000_240 &&
		ann.LoginReservedAt == 1_700_000_100 && ann.OTPReservedAt == 1_700_000_090 && ann.UpdatedAt.Equal(at(100)))
	bob, err := s.UserByID(ctx, "u-bob")
	must(t, err)
	check("bob's lock and proof", bob.Name == "ボブ" && bob.OTPLocked && bob.OTPFailures == 5 && bob.MustChangePassword &&
		bob.Disabled && bob.ProofExpiresAt != nil && bob.ProofExpiresAt.Equal(at(3600)) && len(bob.EnrollHoldBrowser) == 64)
	app, err := s.ClientByID(ctx, "app")
	must(t, err)
	check("client", slices.Equal(app.RedirectURIs, []string{"https://app.example.com/callback", "https://app.example.com/cb2"}) &&
		app.RequireMFA && app.FromConfig && !app.Public)
	f, err := s.FlowByID(ctx, "f-1")
	must(t, err)
	check("flow", f.UserID == "u-ann" && f.MaxAge != nil && *f.MaxAge == 600 && bytes.Equal(f.PendingSecret, []byte{0, 1, 0xfe, 0xff, 0x10}) &&
		slices.Equal(f.AMR, []string{"pwd", "kba", "otp", "mfa"}) && f.PendingAttempts == 2 && f.CodeUsedAt != nil && f.CodeUsedAt.Equal(at(29)))
	sess, err := s.SessionByID(ctx, "5e55105e55105e55105e55105e55105e55105e55105e55105e55105e55105e55")
	must(t, err)
	check("session", sess.UserID == "u-ann" && sess.AuthTime.Equal(at(23)))
	var tok store.AccessToken
	must(t, s.Load(ctx, &tok, "at-1"))
	check("access token", tok.RefreshTokenID == "rt-1" && slices.Equal(tok.Scopes, []string{"openid", "profile"}) && tok.RevokedAt != nil)
	rt, err := s.RefreshTokenRowByID(ctx, "rt-1")
	must(t, err)
	check("refresh token", rt.FamilyID == "fam-1" && rt.UsedAt != nil && rt.UsedAt.Equal(at(60)) && rt.ACR == "urn:otpgate:mfa")
	keys, err := s.SigningKeys(ctx)
	must(t, err)
	check("signing keys", len(keys) == 2)
	d, err := s.DeviceByUser(ctx, "u-ann")
	must(t, err)
	check("device", d.LastStep == 56_666_667 && bytes.Equal(d.Secret, []byte{0x5e, 0xc2, 0, 0x7f}))
	codes, err := s.UnusedRecoveryCodes(ctx, "u-ann")
	must(t, err)
	check("recovery codes", len(codes) == 1 && codes[0].ID == "rc-1")
	events, err := s.AuditEvents(ctx, store.AuditQuery{})
	must(t, err)
	check("audit events", len(events) == 2 && events[1].IP == "2001:db8::1")
	lt, err := s.PeekLinkToken(ctx, "11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc11nc", store.LinkReset)
	must(t, err)
	check("link token", lt.FlowID == "f-1")

}

func must(t *testing.T, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

// keepsRows reports whether every row of before is still there, in order,
// with its values: later migrations may only add columns, which come after
// the old ones in a row's snapshot.
func keepsRows(after, before []string) bool {
	if len(after) != len(before) {
		return false
	}
	for i := range before {
		if !strings.HasPrefix(after[i], before[i]) {
			return false
		}
	}
	return true
}
