package protocol

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestKeyActivation: a rotated key is published at once but signs only
// after the activation delay, so relying parties that cache the key set
// know it before they meet it; the first key signs at once.
func TestKeyActivation(t *testing.T) {
	t.Parallel()
	st, advance := keysTestStore(t)
	ctx := context.Background()
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	k.Activation = 2 * time.Minute
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	first := keysTestSigningID(t, k)
	if first == "" {
		t.Fatal("the first key does not sign")
	}
	advance(time.Hour)
	second, err := k.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(keysTestPublishedIDs(t, k), second) {
		t.Fatal("the new key is not published at once")
	}
	if got := keysTestSigningID(t, k); got != first {
		t.Fatalf("signing with %s right after rotation, want the old key %s", got, first)
	}
	advance(2*time.Minute - time.Second)
	if got := keysTestSigningID(t, k); got != first {
		t.Fatalf("new key signs before the delay: %s", got)
	}
	advance(time.Second)
	if got := keysTestSigningID(t, k); got != second {
		t.Fatalf("after the delay signing with %s, want %s", got, second)
	}
	if !slices.Contains(keysTestPublishedIDs(t, k), first) {
		t.Fatal("the old key left the key set while its tokens can still be valid")
	}
}
