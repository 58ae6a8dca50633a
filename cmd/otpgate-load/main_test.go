//go:build linux

package main

import (
	"context"
	"os"
	"path/filepath"
	"testing"
	"time"

	"github.com/otpgate/otpgate/internal/testkit/fleet"
)

// TestGuessingFloodRun drives the real binary as the README's guessing
// flood does, in small: accounts provisioned, their browsers warmed up as
// known browsers, sign-ins beside guessers for names that are no account,
// and the server's peak memory read. Every sign-in succeeds (the known
// browsers are served first at one hashing slot) and every guess is
// refused (401) or turned away (503).
func TestGuessingFloodRun(t *testing.T) {
	t.Parallel()
	db := filepath.Join(t.TempDir(), "load.db")
	f := fleet.New(t, db, 1, "OTPGATE_SERVER_HASH_CONCURRENCY=1")
	f.StartAll()
	c := config{replicas: []string{f.Replicas[0].Base}, issuer: f.Issuer, database: db, provision: true,
		users: 2, concurrency: 1, duration: 2 * time.Second, clientID: "load", secret: "otpgate-load-client-secret",
		seed: "flood", timeout: 30 * time.Second, guessers: 4, knownBrowsers: true, pids: []int{os.Getpid()}}
	if err := c.check(); err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	if err := provision(ctx, c); err != nil {
		t.Fatal(err)
	}
	res, err := runLoad(ctx, c)
	if err != nil {
		t.Fatal(err)
	}
	if res.ok == 0 || len(res.failures) != 0 {
		t.Fatalf("sign-ins beside the guessers: %d ok, failures %v", res.ok, res.failures)
	}
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
	if rss := peakRSS(os.Getpid()); rss == "" || rss[0] < '0' || rss[0] > '9' {
		t.Errorf("peak resident memory %q", rss)
	}
}
