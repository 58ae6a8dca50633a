package main

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/mfa"
)

// TestParseStatCPU reads utime and stime in clock ticks, counting fields
// after the command name, which may hold spaces and parentheses.
func TestParseStatCPU(t *testing.T) {
	for stat, want := range map[string]time.Duration{
		"4242 (otpgate) S 1 4242 4242 0 -1 4194560 9000 0 0 0 250 75 0 0 20 0 9 0 100 0 0":      3250 * time.Millisecond,
		"4242 (a b) (c)) R 1 4242 4242 0 -1 4194560 9000 0 0 0 1 2 0 0 20 0 9 0 100 0 0":        30 * time.Millisecond,
		"4242 (otpgate) S 1 4242 4242 0 -1 4194560 9000 0 0 0 0 0 0 0 20 0 9 0 100 1234 5678\n": 0,
	} {
		got, err := parseStatCPU(stat)
		if err != nil || got != want {
			t.Errorf("parseStatCPU(%q) = %s, %v; want %s", stat, got, err, want)
		}
	}
	for _, stat := range []string{"", "4242 otpgate S 1", "4242 (otpgate) S 1 2 3", "4242 (x) S 1 4242 4242 0 -1 4194560 9000 0 0 0 x 2"} {
		if _, err := parseStatCPU(stat); err == nil {
			t.Errorf("parseStatCPU(%q): no error", stat)
		}
	}
}

// TestPasscodeScheduleNeverRepeatsAStep: within one TOTP step each account
// is handed out once; an account in flight is not handed out again even in
// a later step; a later step frees the released accounts; an account whose
// device accepted a step before the run waits for a later one.
func TestPasscodeScheduleNeverRepeatsAStep(t *testing.T) {
	const step = 56_666_666 // time.Unix(1_700_000_000, 0) in 30 s steps
	s := newPasscodeSchedule(mfa.Default, []int64{0, step, 0})
	var got []int
	for {
		i, ok := s.tryTake(step)
		if !ok {
			break
		}
		got = append(got, i)
	}
	if len(got) != 2 || got[0] != 0 || got[1] != 2 {
		t.Fatalf("step %d handed out %v, want [0 2] (account 1 accepted this step before the run)", step, got)
	}
	s.release(0)
	if i, ok := s.tryTake(step); ok {
		t.Fatalf("account %d handed out twice in one step", i)
	}
	if i, ok := s.tryTake(step + 1); !ok || i != 0 {
		t.Fatalf("next step: %d %v, want the released account 0", i, ok)
	}
	if i, ok := s.tryTake(step + 1); !ok || i != 1 {
		t.Fatalf("next step: %d %v, want account 1", i, ok)
	}
	if i, ok := s.tryTake(step + 1); ok {
		t.Fatalf("account %d handed out while in flight", i)
	}
	if wait := s.untilNextStep(time.Unix(1_700_000_000, 0)); wait != 10*time.Second {
		t.Errorf("untilNextStep = %s, want 10s", wait)
	}
}

// TestDeviceSecret: the secrets are the TOTP size, the same for a seed and
// an index whenever computed, and differ between indexes and seeds.
func TestDeviceSecret(t *testing.T) {
	a, b := config{seed: "s1"}, config{seed: "s2"}
	if len(deviceSecret(a, 0)) != mfa.SecretSize || !bytes.Equal(deviceSecret(a, 7), deviceSecret(a, 7)) {
		t.Fatal("device secret not of the TOTP size or not deterministic")
	}
	if bytes.Equal(deviceSecret(a, 0), deviceSecret(a, 1)) || bytes.Equal(deviceSecret(a, 0), deviceSecret(b, 0)) {
		t.Fatal("device secrets repeat across indexes or seeds")
	}
}

// TestCheck refuses what cannot run and keeps the two kinds of accounts
// apart.
func TestCheck(t *testing.T) {
	base := func() config {
		return config{replicas: []string{"http://127.0.0.1:8080"}, users: 4, concurrency: 2, duration: time.Second, seed: "s"}
	}
	for name, tc := range map[string]struct {
		edit func(*config)
		want string
	}{
		"unknown workload":            {func(c *config) { c.workload = "login" }, "-workload"},
		"mfa without key":             {func(c *config) { c.workload, c.database = "signin-mfa", "x.db" }, "-encryption-key-file"},
		"mfa without database":        {func(c *config) { c.workload, c.keyFile = "signin-mfa", "k" }, "-database"},
		"known browsers for userinfo": {func(c *config) { c.workload, c.knownBrowsers = "userinfo", true }, "-known-browsers"},
		"more workers than accounts":  {func(c *config) { c.workload, c.concurrency = "refresh", 5 }, "-concurrency"},
	} {
		c := base()
		tc.edit(&c)
		if err := c.check(); err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: %v, want an error naming %s", name, err, tc.want)
		}
	}
	c := base()
	c.workload, c.concurrency = "jwks", 50
	if err := c.check(); err != nil {
		t.Errorf("jwks needs no account per worker: %v", err)
	}
	c = base()
	if err := c.check(); err != nil || c.workload != "signin" || username(c, 3) != "s-0003" || password(c, 3) != "s-password-0003" {
		t.Errorf("default workload: %v %q %q %q", err, c.workload, username(c, 3), password(c, 3))
	}
	c.workload = "signin-mfa"
	if username(c, 3) != "s-mfa-0003" || password(c, 3) != "s-mfa-password-0003" {
		t.Errorf("signin-mfa accounts %q %q", username(c, 3), password(c, 3))
	}
}
