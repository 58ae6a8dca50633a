//go:build linux

package main

import (
	"bytes"
	"context"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
	"github.com/otpgate/otpgate/provider/store"
)

// server starts the real binary on 127.0.0.1 with a fresh SQLite database
// (settings are extra OTPGATE_*=value variables).
func server(t *testing.T, settings ...string) *fleet.Fleet {
	t.Helper()
	f := fleet.New(t, filepath.Join(t.TempDir(), "load.db"), 1, settings...)
	f.StartAll()
	return f
}

// loadConfig is a short run of workload against f's server, whose CPU
// time and memory are read.
func loadConfig(f *fleet.Fleet, workload string, users int) config {
	return config{workload: workload, replicas: []string{f.Replicas[0].Base}, issuer: f.Issuer, database: f.Database,
		provision: true, users: users, concurrency: 2, duration: 2 * time.Second, clientID: "load",
		secret: "otpgate-load-client-secret", seed: "load", timeout: 30 * time.Second, keyFile: f.KeyFile,
		pids: []int{f.Replicas[0].PID()}}
}

// run provisions (with c.provision) and runs c as the command does, and returns the result
// and the printed report.
func run(t *testing.T, c config) (*result, string) {
	t.Helper()
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if c.provision {
		if err := provision(ctx, c); err != nil {
			t.Fatal(err)
		}
	}
	res, err := runLoad(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	res.print(&out, c)
	t.Logf("report:\n%s", out.String())
	return res, out.String()
}

var cpuLine = regexp.MustCompile(`(?m)^server CPU per operation: ([0-9.]+) ms\b`)

// wantHealthyRun checks that operations succeeded, none failed, and the
// server's CPU time per operation and its memory were read.
func wantHealthyRun(t *testing.T, res *result, report string) {
	t.Helper()
	if res.ok == 0 || len(res.failures) != 0 {
		t.Fatalf("%d ok, failures %v", res.ok, res.failures)
	}
	m := cpuLine.FindStringSubmatch(report)
	if m == nil {
		t.Fatalf("no CPU-per-operation line in the report")
	}
	if ms, err := strconv.ParseFloat(m[1], 64); err != nil || ms <= 0 {
		t.Errorf("server CPU per operation %q ms", m[1])
	}
	for _, s := range res.servers {
		if s.err != nil || s.cpu <= 0 {
			t.Errorf("server %d: CPU %s, %v", s.pid, s.cpu, s.err)
		}
		for what, v := range map[string]string{"peak": s.peak, "steady": s.steady} {
			if !strings.HasSuffix(v, " kB") || v[0] < '1' || v[0] > '9' {
				t.Errorf("server %d: %s resident memory %q", s.pid, what, v)
			}
		}
	}
}

// TestGuessingFloodRun drives the real binary as the README's guessing
// flood does, in small: accounts provisioned, their browsers warmed up as
// known browsers, sign-ins beside guessers for names that are no account,
// and the server's CPU time and memory read. Every sign-in succeeds (the
// known browsers are served first at one hashing slot) and every guess is
// refused (401) or turned away (503).
func TestGuessingFloodRun(t *testing.T) {
	t.Parallel()
	f := server(t, "OTPGATE_SERVER_HASH_CONCURRENCY=1")
	c := loadConfig(f, "signin", 2)
	c.concurrency, c.guessers, c.knownBrowsers, c.seed = 1, 4, true, "flood"
	res, report := run(t, c)
	wantHealthyRun(t, res, report)
	guesses := 0
	for status, n := range res.guesses {
		if status != 401 && status != 503 {
			t.Errorf("%d guesses answered %d", n, status)
		}
		guesses += n
	}
	if guesses == 0 {
		t.Fatal("no guess was answered")
	}
}

// TestTwoFactorSignInRun: -provision enrols a device per account with a
// secret derived from the seed, and every measured sign-in passes the
// passcode step: the server's audit log holds exactly one sign-in with
// amr otp per successful operation and no failure. The accounts are never
// reused within a TOTP step, wherever in a step the run starts.
func TestTwoFactorSignInRun(t *testing.T) {
	t.Parallel()
	f := server(t)
	c := loadConfig(f, "signin-mfa", 12)
	res, report := run(t, c)
	wantHealthyRun(t, res, report)
	if !strings.Contains(report, "TOTP steps: ") {
		t.Error("the report does not say whether the TOTP steps throttled the run")
	}
	st := f.OpenStore()
	events, err := st.AuditEvents(context.Background(), store.AuditQuery{})
	if err != nil {
		t.Fatal(err)
	}
	withPasscode, failures := 0, 0
	for _, e := range events {
		switch {
		case e.Event == store.EventSignIn && strings.HasPrefix(e.Username, "load-mfa-") && strings.Contains(e.Detail, " otp"):
			withPasscode++
		case e.Event == store.EventSignInFailed:
			failures++
		}
	}
	if withPasscode != res.ok || failures != 0 {
		t.Fatalf("audit log: %d sign-ins with a passcode and %d failures for %d successful operations", withPasscode, failures, res.ok)
	}
	// A later run without -provision computes the same passcodes and
	// never sends one the server accepted before (the first run may have
	// used every account in the current step: twelve more are fresh).
	c.users = 24
	if err := provision(context.Background(), c); err != nil {
		t.Fatal(err)
	}
	c.provision, c.duration = false, time.Second
	res, report = run(t, c)
	wantHealthyRun(t, res, report)
}

// TestRefreshRun: each worker rotates its own refresh token; every
// refresh answers a new access and refresh token.
func TestRefreshRun(t *testing.T) {
	t.Parallel()
	f := server(t)
	res, report := run(t, loadConfig(f, "refresh", 2))
	wantHealthyRun(t, res, report)
	if !strings.Contains(report, "\nrefreshes: ") {
		t.Error("the report does not name refreshes")
	}
}

// TestUserinfoRun: each worker's access token gets its claims at userinfo.
func TestUserinfoRun(t *testing.T) {
	t.Parallel()
	f := server(t)
	res, report := run(t, loadConfig(f, "userinfo", 2))
	wantHealthyRun(t, res, report)
}

// TestKeySetAndDiscoveryRuns: the key set holds a key and the discovery
// document names the issuer, every time.
func TestKeySetAndDiscoveryRuns(t *testing.T) {
	t.Parallel()
	f := server(t)
	for _, workload := range []string{"jwks", "discovery"} {
		c := loadConfig(f, workload, 1)
		c.duration = time.Second
		res, report := run(t, c)
		wantHealthyRun(t, res, report)
	}
}
