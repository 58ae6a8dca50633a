package protocol

import (
	"context"
	"slices"
	"testing"
	"time"
)

// TestKeysPrune: a retired key (of any algorithm) is deleted once it left the key set, never
// while a token signed with it can still be valid.
func TestKeysPrune(t *testing.T) {
	t.Parallel()
	st, advance := keysTestStore(t)
	ctx := context.Background()
	k := NewKeys(st, keysTestSealer(t, 1), time.Hour)
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	old := keysTestSigningIDs(t, k)
	if _, err := k.Rotate(ctx); err != nil {
		t.Fatal(err)
	}
	stored := func() []string {
		infos, err := k.List(ctx)
		if err != nil {
			t.Fatal(err)
		}
		var ids []string
		for _, i := range infos {
			ids = append(ids, i.ID)
		}
		return ids
	}
	advance(time.Hour - time.Second)
	if err := k.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	for alg, id := range old {
		if !slices.Contains(stored(), id) {
			t.Fatalf("the %s key still published was pruned", alg)
		}
	}
	advance(2 * time.Second)
	if err := k.Prune(ctx); err != nil {
		t.Fatal(err)
	}
	ids := stored()
	for _, id := range old {
		if slices.Contains(ids, id) || len(ids) != 3 {
			t.Fatalf("after the publishing period: keys %v, want only the new ones", ids)
		}
	}
}
