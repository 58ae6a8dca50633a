package protocol

import (
	"context"
	"encoding/json"
	"slices"
	"testing"
	"time"
)

// jwksIDs decodes an encoded key set's key ids.
func jwksIDs(t *testing.T, body []byte) []string {
	t.Helper()
	var set struct {
		Keys []struct {
			Kid string `json:"kid"`
		} `json:"keys"`
	}
	if err := json.Unmarshal(body, &set); err != nil {
		t.Fatalf("key set is not JSON: %v", err)
	}
	var ids []string
	for _, k := range set.Keys {
		ids = append(ids, k.Kid)
	}
	return ids
}

func mustJWKS(t *testing.T, k *Keys) []byte {
	t.Helper()
	body, err := k.JWKS(context.Background())
	if err != nil {
		t.Fatalf("JWKS: %v", err)
	}
	return body
}

// sameBytes reports whether a and b are the same encoding, not merely equal.
func sameBytes(a, b []byte) bool { return len(a) > 0 && len(b) > 0 && &a[0] == &b[0] }

// TestJWKSEncodedOncePerChange: the key set is encoded once and served as
// those bytes until it changes: a reload that finds the same keys keeps
// them; a rotation here, a rotation on another replica seen by its
// periodic reload, and a retired key leaving the set re-encode it.
func TestJWKSEncodedOncePerChange(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st, advance := keysTestStore(t)
	const publishFor = time.Hour
	k := NewKeys(st, keysTestSealer(t, 1), publishFor)
	other := NewKeys(st, keysTestSealer(t, 1), publishFor) // another replica
	if err := k.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	if err := other.EnsureKey(ctx); err != nil {
		t.Fatal(err)
	}
	first := mustJWKS(t, k)
	if ids := jwksIDs(t, first); !slices.Equal(ids, keysTestPublishedIDs(t, k)) || len(ids) != 3 {
		t.Fatalf("key set ids %v, want the published %v", ids, keysTestPublishedIDs(t, k))
	}
	if !sameBytes(mustJWKS(t, k), first) {
		t.Error("a second request encoded the key set again")
	}
	if err := k.Load(ctx); err != nil {
		t.Fatal(err)
	}
	if !sameBytes(mustJWKS(t, k), first) {
		t.Error("a reload that found the same keys encoded the key set again")
	}

	advance(time.Minute)
	rotated, err := k.Rotate(ctx)
	if err != nil {
		t.Fatal(err)
	}
	afterRotate := mustJWKS(t, k)
	if ids := jwksIDs(t, afterRotate); len(ids) != 6 || !slices.Contains(ids, rotated[2].ID) {
		t.Fatalf("after Rotate the key set has %v, want the old keys and %+v", ids, rotated)
	}

	// The other replica serves its loaded set until its periodic reload.
	if got := jwksIDs(t, mustJWKS(t, other)); len(got) != 3 {
		t.Fatalf("the other replica reloaded before its period: %v", got)
	}
	other.Reload = 0
	if got := mustJWKS(t, other); string(got) != string(afterRotate) {
		t.Fatalf("after its reload the other replica serves\n%s\nwant\n%s", got, afterRotate)
	}

	// The retired keys leave the set when their publication ends.
	advance(publishFor - time.Second)
	if !sameBytes(mustJWKS(t, k), afterRotate) {
		t.Error("the key set was encoded again before a key left it")
	}
	advance(time.Second)
	if ids := jwksIDs(t, mustJWKS(t, k)); len(ids) != 3 || slices.Contains(ids, jwksIDs(t, first)[0]) {
		t.Fatalf("after the publication of the retired keys the key set has %v, want only %+v", ids, rotated)
	}
}
