package protocol

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestKeyActivation: a rotated key of every algorithm is published at once
// but signs only after the activation delay, so relying parties that cache
// the key set know it before they meet it; the first keys sign at once,
// with a short delay and with the default two days (Entra ID caches the
// key set for about a day).
func TestKeyActivation(t *testing.T) {
	t.Parallel()
	for _, delay := range []time.Duration{2 * time.Minute, 48 * time.Hour} {
		t.Run(delay.String(), func(t *testing.T) {
			t.Parallel()
			testKeyActivation(t, delay)
		})
	}
}

func testKeyActivation(t *testing.T, delay time.Duration) {
	st, advance := keysTestStore(t)
	ctx := context.Background()
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour+delay)
	k.Activation = delay
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	first := keysTestSigningIDs(t, k)
	advance(time.Hour)
	rotated, err := k.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	for i, alg := range SigningAlgorithms {
		second := rotated[i].ID
		if !slices.Contains(keysTestPublishedIDs(t, k), second) {
			t.Fatalf("the new %s key is not published at once", alg)
		}
		if got := keysTestSigningID(t, k, alg); got != first[alg] {
			t.Fatalf("%s: signing with %s right after rotation, want the old key %s", alg, got, first[alg])
		}
	}
	advance(delay - time.Second)
	for _, alg := range SigningAlgorithms {
		if got := keysTestSigningID(t, k, alg); got != first[alg] {
			t.Fatalf("the new %s key signs before the delay: %s", alg, got)
		}
	}
	advance(time.Second)
	for i, alg := range SigningAlgorithms {
		if got := keysTestSigningID(t, k, alg); got != rotated[i].ID {
			t.Fatalf("after the delay signing %s with %s, want %s", alg, got, rotated[i].ID)
		}
		if !slices.Contains(keysTestPublishedIDs(t, k), first[alg]) {
			t.Fatalf("the old %s key left the key set while its tokens can still be valid", alg)
		}
	}
}
