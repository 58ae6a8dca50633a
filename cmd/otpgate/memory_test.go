package main

import (
	"context"
	"sync/atomic"
	"testing"
	"time"
)

// TestReleaseWhenIdle: memory is handed back once, at the first tick
// without a new hash after some ran, and not again until hashing resumes.
func TestReleaseWhenIdle(t *testing.T) {
	var hashes, released atomic.Int64
	tick := make(chan time.Time)
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() {
		defer close(done)
		releaseWhenIdle(ctx, hashes.Load, tick, func() { released.Add(1) })
	}()
	step := func(newHashes int64, want int64, what string) {
		t.Helper()
		hashes.Add(newHashes)
		tick <- time.Time{}
		tick <- time.Time{}
		// A third tick is received only once the second was handled, and
		// itself changes nothing (no new hash, nothing pending).
		tick <- time.Time{}
		if got := released.Load(); got != want {
			t.Fatalf("%s: released %d times, want %d", what, got, want)
		}
	}
	step(0, 0, "idle from the start")
	step(3, 1, "hashes, then a quiet tick")
	step(0, 1, "still quiet")
	step(2, 2, "a new burst, then a quiet tick")
	cancel()
	<-done
}
